#include "libs/csv/csv_reader.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace bridgework::csv {

bool IsValidUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (int k = 1; k <= extra; ++k) {
      if (i + k >= n || (p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return absl::NotFoundError(absl::StrCat("file not found: ", path));
  std::unique_ptr<Reader> r(new Reader(f));
  // Byte-order mark.
  if (r->Peek() == 0xEF) {
    r->Get();
    if (r->Get() != 0xBB || r->Get() != 0xBF) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not UTF-8 (bad byte-order mark)"));
    }
  }
  Row header;
  if (!r->Next(&header)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": empty file (no header row)"));
  }
  if (!header.error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":1: header: ", header.error));
  }
  for (auto& h : header.fields) {
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t'))
      h.erase(h.begin());
  }
  r->header_ = std::move(header.fields);
  return r;
}

Reader::~Reader() {
  if (file_ != nullptr) std::fclose(file_);
}

int Reader::Column(const std::string& name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int Reader::Peek() {
  if (pos_ == len_) {
    len_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    pos_ = 0;
    if (len_ == 0) return EOF;
  }
  return static_cast<unsigned char>(buffer_[pos_]);
}

int Reader::Get() {
  int c = Peek();
  if (c != EOF) {
    ++pos_;
    ++consumed_;
  }
  return c;
}

absl::Status Reader::Seek(int64_t offset, int64_t line) {
  if (std::fseek(file_, offset, SEEK_SET) != 0) {
    return absl::InvalidArgumentError("cursor is past the end of the file");
  }
  pos_ = len_ = 0;
  consumed_ = offset;
  line_ = line;
  return absl::OkStatus();
}

bool Reader::Next(Row* row) {
  row->fields.clear();
  row->error.clear();
  // Skip blank lines between records.
  while (true) {
    int c = Peek();
    if (c == EOF) return false;
    if (c == '\n') {
      Get();
      ++line_;
      continue;
    }
    if (c == '\r') {
      Get();
      if (Peek() == '\n') Get();
      ++line_;
      continue;
    }
    break;
  }
  row->line = line_;
  int64_t start_offset = consumed_;
  ParseRecord(row);
  if (absl::StartsWith(row->error, "unbalanced quote")) {
    // The quote swallowed the rest of the file. Take only the row's first
    // physical line as the bad row and go on after it.
    std::string error = row->error;
    (void)Seek(start_offset, row->line);
    int c;
    while ((c = Get()) != EOF && c != '\n') {
    }
    ++line_;
    row->fields.clear();
    row->error = "unbalanced quote: a quoted field never closes";
    return true;
  }
  if (row->error.empty() && !header_.empty() &&
      row->fields.size() != header_.size()) {
    row->error = absl::StrCat("wrong number of columns: expected ",
                              header_.size(), ", got ", row->fields.size());
  }
  if (row->error.empty()) {
    for (size_t i = 0; i < row->fields.size(); ++i) {
      const std::string& f = row->fields[i];
      std::string col =
          i < header_.size() ? header_[i] : absl::StrCat("column ", i + 1);
      if (f.find('\0') != std::string::npos) {
        row->error = absl::StrCat(col, ": embedded NUL byte");
        break;
      }
      if (!IsValidUtf8(f)) {
        row->error = absl::StrCat(col, ": invalid UTF-8");
        break;
      }
    }
  }
  return true;
}

bool Reader::ParseRecord(Row* row) {
  std::string field;
  bool quoted = false;
  bool after_quote = false;
  int64_t start_line = line_;
  while (true) {
    int c = Get();
    if (c == EOF) {
      if (quoted) {
        row->error = absl::StrCat("unbalanced quote: the field opened on line ",
                                  start_line, " never closes");
      }
      row->fields.push_back(std::move(field));
      return true;
    }
    if (quoted) {
      if (c == '"') {
        if (Peek() == '"') {
          Get();
          field.push_back('"');
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == ',') {
      row->fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && Peek() == '\n') Get();
      ++line_;
      row->fields.push_back(std::move(field));
      return true;
    }
    if (c == '"' && field.empty() && !after_quote) {
      quoted = true;
      start_line = line_;
      continue;
    }
    if (after_quote && row->error.empty()) {
      row->error = "text after a closing quote";
    }
    field.push_back(static_cast<char>(c));
  }
}

}  // namespace bridgework::csv
