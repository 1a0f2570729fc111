#include "libs/csv/csv_reader.h"

#include <fcntl.h>
#include <iconv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace bridgework::csv {
namespace {

bool IsAscii(const char* p, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & kHigh) return false;
  }
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(p[i]) & 0x80) return false;
  }
  return true;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

absl::Status ErrnoStatus(int err, const std::string& what) {
  std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    uint32_t cp;
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
    if (i + extra >= n) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
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

void Row::Clear() {
  data_.clear();
  ends_.clear();
  error_.clear();
  error_column_ = -1;
  too_long_ = false;
  too_long_column_ = -1;
}

Reader::Reader(int fd, std::string path, const Options& options)
    : fd_(fd),
      path_(std::move(path)),
      options_(options),
      buffer_(new char[std::max<size_t>(options.buffer_bytes, 1)]),
      capacity_(std::max<size_t>(options.buffer_bytes, 1)) {
  options_.max_row_bytes = std::min<size_t>(options_.max_row_bytes, UINT32_MAX);
  stop_[static_cast<unsigned char>(options_.delimiter)] = true;
  stop_[static_cast<unsigned char>('\n')] = true;
  stop_[static_cast<unsigned char>('\r')] = true;
}

Reader::~Reader() {
  if (fd_ >= 0) ::close(fd_);
  if (iconv_ != reinterpret_cast<void*>(-1))
    iconv_close(static_cast<iconv_t>(iconv_));
}

const char* EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kUtf8:
      return "UTF-8";
    case Encoding::kWindows1252:
      return "windows-1252";
    case Encoding::kDetect:
      return "detect";
  }
  return "?";
}

namespace {

// Scans the whole file once: valid UTF-8 (or a byte-order mark) is UTF-8;
// bytes >= 0x80 that never form a multi-byte UTF-8 sequence are
// Windows-1252; a mix (mostly UTF-8 with a few bad bytes) stays UTF-8 so the
// bad rows are reported rather than the whole file garbled.
absl::StatusOr<Encoding> DetectEncoding(int fd, const std::string& path) {
  std::vector<unsigned char> buf(size_t{256} << 10);
  int64_t offset = 0;
  size_t carry = 0;  // bytes of an unfinished sequence kept at buf[0..carry)
  int64_t valid_multibyte = 0, invalid = 0;
  bool first = true;
  for (;;) {
    ssize_t n;
    do {
      n = ::pread(fd, buf.data() + carry, buf.size() - carry, offset);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoStatus(errno, path);
    offset += n;
    const size_t len = carry + static_cast<size_t>(n);
    const bool eof = n == 0;
    if (first && len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB &&
        buf[2] == 0xBF) {
      return Encoding::kUtf8;
    }
    first = false;
    size_t i = 0;
    carry = 0;
    while (i < len) {
      unsigned char c = buf[i];
      if (c < 0x80) {
        ++i;
        continue;
      }
      size_t extra = (c & 0xE0) == 0xC0   ? 1
                     : (c & 0xF0) == 0xE0 ? 2
                     : (c & 0xF8) == 0xF0 ? 3
                                          : 0;
      if (extra == 0) {
        ++invalid;
        ++i;
        continue;
      }
      if (i + extra >= len && !eof) {  // finish it with the next read
        carry = len - i;
        std::memmove(buf.data(), buf.data() + i, carry);
        break;
      }
      if (IsValidUtf8(std::string_view(reinterpret_cast<char*>(&buf[i]),
                                       std::min(extra + 1, len - i)))) {
        ++valid_multibyte;
        i += extra + 1;
      } else {
        ++invalid;
        ++i;
      }
    }
    if (eof) break;
  }
  if (invalid > 0 && valid_multibyte == 0) return Encoding::kWindows1252;
  return Encoding::kUtf8;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(const std::string& path,
                                                     const Options& options) {
  if (options.delimiter == '"' || options.delimiter == '\r' ||
      options.delimiter == '\n') {
    return absl::InvalidArgumentError(
        "the CSV delimiter cannot be a quote or a line break");
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a CSV file"));
  }
  std::unique_ptr<Reader> r(new Reader(fd, path, options));
  if (options.encoding == Encoding::kDetect) {
    absl::StatusOr<Encoding> e = DetectEncoding(fd, path);
    if (!e.ok()) return e.status();
    r->options_.encoding = *e;
  }
  if (r->options_.encoding == Encoding::kWindows1252) {
    iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
    if (cd == reinterpret_cast<iconv_t>(-1)) {
      return absl::InternalError(
          "this system's iconv cannot read Windows-1252");
    }
    r->iconv_ = cd;
  }
  // Byte-order mark.
  char bom[3];
  ssize_t n;
  do {
    n = ::pread(fd, bom, 3, 0);
  } while (n < 0 && errno == EINTR);
  if (n == 3 && std::memcmp(bom, "\xEF\xBB\xBF", 3) == 0) {
    absl::Status s = r->SeekTo(3, 1);
    if (!s.ok()) return s;
  }
  Row header;
  if (!r->ParseRow(&header)) {
    if (!r->io_status_.ok()) return r->io_status_;
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": empty file (no header row)"));
  }
  if (!r->io_status_.ok()) return r->io_status_;
  r->Validate(&header);
  if (!header.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":", header.line(), ": malformed header row: ", header.error()));
  }
  r->header_line_ = header.line();
  r->header_.reserve(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = Trim(header.field(i));
    if (!name.empty()) {
      int previous = r->Column(name);
      if (previous >= 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":", header.line(), ": duplicate column name '", name,
            "' (columns ", previous + 1, " and ", i + 1, ")"));
      }
    }
    r->header_.push_back(std::move(name));
  }
  r->data_start_ = r->position();
  return r;
}

absl::StatusOr<bool> HoldsNoRow(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path);
  char buf[4096];
  int64_t offset = 0;
  absl::StatusOr<bool> result = true;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result = ErrnoStatus(errno, path);
      break;
    }
    if (n == 0) break;
    ssize_t i = 0;
    // A byte-order mark at the very start (read in one piece: it is the
    // first 3 bytes of the first read).
    if (offset == 0 && n >= 3 && std::memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
      i = 3;
    }
    offset += n;
    for (; i < n && (buf[i] == '\n' || buf[i] == '\r'); ++i) {
    }
    if (i < n) {
      result = false;
      break;
    }
  }
  ::close(fd);
  return result;
}

int Reader::Column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool Reader::Refill() {
  buffer_offset_ += static_cast<int64_t>(end_);
  pos_ = end_ = 0;
  if (eof_) return false;
  while (true) {
    ssize_t n = ::read(fd_, buffer_.get(), capacity_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      io_status_ = ErrnoStatus(errno, absl::StrCat("reading ", path_));
      eof_ = true;
      return false;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    end_ = static_cast<size_t>(n);
    return true;
  }
}

absl::Status Reader::SeekTo(int64_t offset, int64_t line) {
  if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
    return ErrnoStatus(errno, absl::StrCat("seeking in ", path_));
  }
  buffer_offset_ = offset;
  pos_ = end_ = 0;
  eof_ = false;
  line_ = line;
  return absl::OkStatus();
}

absl::Status Reader::Seek(const Position& p) {
  if (p.offset < data_start_.offset || p.line < data_start_.line) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": resume position is before the first row"));
  }
  struct stat st;
  if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, path_);
  if (p.offset > st.st_size) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_,
                     ": resume position is past the end of the file (was it "
                     "replaced?)"));
  }
  if (p.offset > data_start_.offset) {
    char before = 0;
    ssize_t n;
    do {
      n = ::pread(fd_, &before, 1, static_cast<off_t>(p.offset - 1));
    } while (n < 0 && errno == EINTR);
    if (n != 1 || (before != '\n' && before != '\r')) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_,
                       ": resume position is not at the start of a line "
                       "(was the file replaced?)"));
    }
  }
  io_status_ = absl::OkStatus();
  return SeekTo(p.offset, p.line);
}

void Reader::Append(Row* row, const char* p, size_t n) {
  if (n == 0 || row->too_long_) return;
  if (row->data_.size() + n > options_.max_row_bytes) {
    row->too_long_ = true;
    row->too_long_column_ = static_cast<int>(row->ends_.size());
    return;
  }
  row->data_.append(p, n);
}

std::string Reader::ColumnLabel(size_t i) const {
  if (i < header_.size() && !header_[i].empty()) {
    return absl::StrCat("'", header_[i], "'");
  }
  return absl::StrCat(i + 1);
}

bool Reader::ParseRow(Row* row) {
  // Skip lines holding nothing.
  while (true) {
    if (!Fill()) return false;
    char c = buffer_[pos_];
    if (c == '\n') {
      ++pos_;
      ++line_;
    } else if (c == '\r') {
      ++pos_;
      if (Fill() && buffer_[pos_] == '\n') ++pos_;
      ++line_;
    } else {
      break;
    }
  }
  row->Clear();
  row->line_ = line_;
  row->offset_ = Offset();

  while (true) {  // one field per iteration
    const size_t column = row->ends_.size();
    if (Fill() && buffer_[pos_] == '"') {
      const int64_t quote_offset = Offset();
      const int64_t quote_line = line_;
      ++pos_;
      while (true) {
        if (!Fill()) {
          if (!io_status_.ok()) return true;
          // End of file inside quotes.
          RecoverAfterUnbalancedQuote(quote_offset, quote_line);
          row->data_.clear();
          row->ends_.clear();
          row->error_ = absl::StrCat(
              "unbalanced quote: the quoted field opened in column ",
              ColumnLabel(column), " on line ", quote_line,
              " is still open at end of file");
          row->error_column_ = static_cast<int>(column);
          return true;
        }
        const char* p = buffer_.get() + pos_;
        const char* e = buffer_.get() + end_;
        const char* q = static_cast<const char*>(std::memchr(p, '"', e - p));
        if (q == nullptr) q = e;
        line_ += std::count(p, q, '\n');
        Append(row, p, q - p);
        pos_ = q - buffer_.get();
        if (q == e) continue;
        ++pos_;  // the quote
        if (Fill() && buffer_[pos_] == '"') {
          Append(row, "\"", 1);
          ++pos_;
          continue;
        }
        break;  // closing quote
      }
      if (Fill() && !stop_[static_cast<unsigned char>(buffer_[pos_])] &&
          row->error_.empty()) {
        row->error_ = absl::StrCat("text after the closing quote in column ",
                                   ColumnLabel(column));
        row->error_column_ = static_cast<int>(column);
      }
    }
    // Unquoted text (or text after a closing quote) up to a delimiter.
    while (Fill()) {
      const char* p = buffer_.get() + pos_;
      const char* e = buffer_.get() + end_;
      const char* q = p;
      while (q < e && !stop_[static_cast<unsigned char>(*q)]) ++q;
      Append(row, p, q - p);
      pos_ = q - buffer_.get();
      if (q < e) break;
    }
    row->ends_.push_back(static_cast<uint32_t>(row->data_.size()));
    if (!Fill()) return true;  // end of file ends the record
    char c = buffer_[pos_++];
    if (c == options_.delimiter) continue;  // at end of file: an empty field
    if (c == '\r' && Fill() && buffer_[pos_] == '\n') ++pos_;
    ++line_;
    return true;
  }
}

void Reader::RecoverAfterUnbalancedQuote(int64_t quote_offset,
                                         int64_t quote_line) {
  if (!SeekTo(quote_offset, quote_line).ok()) {
    eof_ = true;  // not seekable: give up on the rest of the file
    pos_ = end_ = 0;
    return;
  }
  // Skip the rest of the physical line holding the quote.
  while (Fill()) {
    const char* p = buffer_.get() + pos_;
    const char* e = buffer_.get() + end_;
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', e - p));
    if (nl == nullptr) {
      pos_ = end_;
      continue;
    }
    pos_ = nl - buffer_.get() + 1;
    ++line_;
    return;
  }
}

void Reader::Validate(Row* row) const {
  if (!row->error_.empty()) return;
  if (row->too_long_) {
    row->data_.clear();
    row->ends_.clear();
    row->error_ = absl::StrCat("row is longer than ", options_.max_row_bytes,
                               " bytes (the limit was reached in column ",
                               ColumnLabel(row->too_long_column_), ")");
    row->error_column_ = row->too_long_column_;
    return;
  }
  if (!header_.empty() && row->size() != header_.size()) {
    row->error_ = absl::StrCat("wrong number of columns: expected ",
                               header_.size(), ", got ", row->size());
    return;
  }
  const std::string& d = row->data_;
  if (const void* nul = std::memchr(d.data(), '\0', d.size())) {
    size_t at = static_cast<const char*>(nul) - d.data();
    size_t column = std::upper_bound(row->ends_.begin(), row->ends_.end(), at) -
                    row->ends_.begin();
    row->error_ =
        absl::StrCat("embedded NUL byte in column ", ColumnLabel(column));
    row->error_column_ = static_cast<int>(column);
    return;
  }
  if (IsAscii(d.data(), d.size())) return;
  if (options_.encoding == Encoding::kWindows1252) {
    Transcode(row);
    return;
  }
  for (size_t i = 0; i < row->size(); ++i) {
    std::string_view f = row->field(i);
    if (!IsAscii(f.data(), f.size()) && !IsValidUtf8(f)) {
      row->error_ = absl::StrCat("invalid UTF-8 in column ", ColumnLabel(i));
      row->error_column_ = static_cast<int>(i);
      return;
    }
  }
}

void Reader::Transcode(Row* row) const {
  iconv_t cd = static_cast<iconv_t>(iconv_);
  std::string out;
  out.reserve(row->data_.size() * 3 / 2 + 4);
  std::vector<uint32_t> ends;
  ends.reserve(row->ends_.size());
  for (size_t i = 0; i < row->size(); ++i) {
    std::string_view f = row->field(i);
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
    char* in = const_cast<char*>(f.data());
    size_t in_left = f.size();
    while (in_left > 0) {
      char tmp[1024];
      char* o = tmp;
      size_t o_left = sizeof(tmp);
      size_t r = iconv(cd, &in, &in_left, &o, &o_left);
      out.append(tmp, o - tmp);
      if (r == static_cast<size_t>(-1) && errno != E2BIG) {
        row->error_ = absl::StrCat(
            "byte 0x",
            absl::Hex(static_cast<unsigned char>(*in), absl::kZeroPad2),
            " in column ", ColumnLabel(i), " is not a Windows-1252 character");
        row->error_column_ = static_cast<int>(i);
        return;
      }
    }
    ends.push_back(static_cast<uint32_t>(out.size()));
  }
  row->data_ = std::move(out);
  row->ends_ = std::move(ends);
}

absl::StatusOr<bool> Reader::Next(Row* row) {
  if (!ParseRow(row)) {
    if (!io_status_.ok()) return io_status_;
    return false;
  }
  if (!io_status_.ok()) return io_status_;
  Validate(row);
  return true;
}

}  // namespace bridgework::csv
