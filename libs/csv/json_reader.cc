#include "libs/csv/json_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace bridgework::csv {
namespace {

using Json = nlohmann::json;

bool IsSpace(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads one top-level JSON object into key -> cell text (see the header's
// cell rules), through nlohmann's SAX interface so that numbers keep the
// text they were written with (no rounding through a double).
class FlatObjectSax : public nlohmann::json_sax<Json> {
 public:
  explicit FlatObjectSax(bool decimal_comma) : decimal_comma_(decimal_comma) {}

  // Valid after a successful parse.
  bool is_object() const { return top_is_object_; }
  std::vector<std::pair<std::string, std::string>>& cells() { return cells_; }
  size_t error_byte() const { return error_byte_; }

  bool null() override { return Scalar(nullptr, ""); }
  bool boolean(bool v) override { return Scalar(v, v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override {
    return Scalar(v, std::to_string(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    return Scalar(v, std::to_string(v));
  }
  bool number_float(number_float_t v, const string_t& s) override {
    std::string text = s;
    if (decimal_comma_) {
      for (char& c : text) {
        if (c == '.') c = ',';
      }
    }
    return Scalar(v, std::move(text));
  }
  bool string(string_t& v) override { return Scalar(v, v); }
  bool binary(binary_t& v) override { return Scalar(Json(v), ""); }
  bool start_object(std::size_t) override { return Open(Json::object()); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Json::array()); }
  bool end_array() override { return Close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      key_ = k;
    } else {
      nested_key_.back() = k;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_byte_ = position;
    return false;
  }

 private:
  // A value at depth 1 becomes a cell; deeper ones go into the blob being
  // built.
  bool Scalar(Json value, std::string text) {
    if (depth_ == 0) {  // the record itself is a scalar
      top_is_object_ = false;
      return true;
    }
    if (depth_ == 1) {
      if (!value.is_null())
        cells_.emplace_back(key_, std::move(text));
      else
        cells_.emplace_back(key_, "");
      return true;
    }
    Add(std::move(value));
    return true;
  }
  void Add(Json value) {
    Json& parent = stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
    } else {
      parent[nested_key_.back()] = std::move(value);
    }
  }
  bool Open(Json container) {
    if (depth_ == 0) {
      top_is_object_ = container.is_object();
    } else {
      stack_.push_back(std::move(container));
      nested_key_.emplace_back();
    }
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    if (depth_ == 0) return true;
    Json done = std::move(stack_.back());
    stack_.pop_back();
    nested_key_.pop_back();
    if (depth_ == 1) {
      cells_.emplace_back(key_, done.dump());
    } else {
      Add(std::move(done));
    }
    return true;
  }

  const bool decimal_comma_;
  bool top_is_object_ = false;
  int depth_ = 0;
  std::string key_;
  std::vector<Json> stack_;  // nested containers being built
  std::vector<std::string> nested_key_;
  std::vector<std::pair<std::string, std::string>> cells_;
  size_t error_byte_ = 0;
};

// Parses `text`; on failure returns the reason for the row.
std::string ParseRecord(const std::string& text, FlatObjectSax* sax) {
  bool ok = Json::sax_parse(text, sax, Json::input_format_t::json,
                            /*strict=*/true);
  if (!ok) {
    return absl::StrCat("malformed JSON record (syntax error at byte ",
                        sax->error_byte(), " of the record)");
  }
  if (!sax->is_object()) return "the record is not a JSON object";
  return "";
}

}  // namespace

JsonReader::JsonReader(int fd, std::string path, const Options& options)
    : fd_(fd),
      path_(std::move(path)),
      options_(options),
      buffer_(size_t{256} << 10) {}

JsonReader::~JsonReader() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<std::unique_ptr<JsonReader>> JsonReader::Open(
    const std::string& path, const Options& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string message = absl::StrCat(path, ": ", std::strerror(e));
    if (e == ENOENT || e == ENOTDIR) return absl::NotFoundError(message);
    return absl::PermissionDeniedError(message);
  }
  std::unique_ptr<JsonReader> r(new JsonReader(fd, path, options));
  char bom[3];
  if (::pread(fd, bom, 3, 0) == 3 && std::memcmp(bom, "\xEF\xBB\xBF", 3) == 0)
    r->start_offset_ = 3;
  r->Rewind();
  // The header: every key of every object, in the order first seen.
  std::string text, problem;
  Position start;
  int elements = 0;
  while (r->NextElement(&text, &start, &problem)) {
    ++elements;
    if (!problem.empty()) continue;
    FlatObjectSax sax(false);
    if (!ParseRecord(text, &sax).empty()) continue;
    for (auto& [key, value] : sax.cells()) {
      if (r->columns_.try_emplace(key, static_cast<int>(r->header_.size()))
              .second) {
        r->header_.push_back(key);
      }
    }
  }
  if (!r->io_status_.ok()) return r->io_status_;
  if (elements == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": no JSON records (want an array of objects, or one object per "
        "line)"));
  }
  r->Rewind();
  return r;
}

int JsonReader::Column(std::string_view name) const {
  auto it = columns_.find(std::string(name));
  return it == columns_.end() ? -1 : it->second;
}

void JsonReader::Rewind() {
  buffer_offset_ = start_offset_;
  pos_ = end_ = 0;
  offset_ = start_offset_;
  line_ = 1;
  in_array_ = false;
  done_ = false;
  int c;
  while (IsSpace(c = Peek())) Get();
  if (c == '[') {
    Get();
    in_array_ = true;
  }
}

bool JsonReader::Refill() {
  if (!io_status_.ok()) return false;
  buffer_offset_ += static_cast<int64_t>(end_);
  pos_ = end_ = 0;
  ssize_t n;
  do {
    n = ::pread(fd_, buffer_.data(), buffer_.size(), buffer_offset_);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    io_status_ = absl::InternalError(
        absl::StrCat(path_, ": read failed: ", std::strerror(errno)));
    return false;
  }
  end_ = static_cast<size_t>(n);
  return n > 0;
}

int JsonReader::Peek() {
  if (pos_ == end_ && !Refill()) return -1;
  return static_cast<unsigned char>(buffer_[pos_]);
}

int JsonReader::Get() {
  int c = Peek();
  if (c < 0) return c;
  ++pos_;
  ++offset_;
  if (c == '\n') ++line_;
  return c;
}

bool JsonReader::NextElement(std::string* text, Position* start,
                             std::string* problem) {
  text->clear();
  problem->clear();
  if (done_) return false;
  int c;
  for (;;) {
    while (IsSpace(c = Peek()) || (in_array_ && c == ',')) Get();
    if (c < 0) {
      done_ = true;
      if (in_array_) {
        *start = {offset_, line_};
        *problem = "the JSON array is not closed (is the file truncated?)";
        return true;
      }
      return false;
    }
    if (in_array_ && c == ']') {
      Get();
      in_array_ = false;
      continue;
    }
    break;
  }
  *start = {offset_, line_};
  bool too_long = false;
  auto append = [&](int ch) {
    if (text->size() < options_.max_row_bytes) {
      text->push_back(static_cast<char>(ch));
    } else {
      too_long = true;
    }
  };
  if (c != '{' && c != '[') {
    // A scalar (or stray text) where a record should be: up to the next
    // separator. It is then reported as malformed or as not an object.
    while ((c = Peek()) >= 0 && !IsSpace(c) && c != ',' && c != ']' &&
           c != '{' && c != '[') {
      append(Get());
    }
    if (text->empty()) append(Get());  // a lone ',' or ']' outside an array
  } else {
    int depth = 0;
    bool in_string = false, escaped = false;
    while ((c = Get()) >= 0) {
      append(c);
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) break;
      }
    }
    if (c < 0) {
      done_ = true;
      *problem = "unterminated JSON record (the file ends inside it)";
      return true;
    }
  }
  if (too_long) {
    *problem = absl::StrCat("record is longer than ", options_.max_row_bytes,
                            " bytes");
  }
  return true;
}

absl::StatusOr<bool> JsonReader::Next(Row* row) {
  row->Clear();
  std::string text, problem;
  Position start;
  if (!NextElement(&text, &start, &problem)) {
    if (!io_status_.ok()) return io_status_;
    return false;
  }
  row->line_ = start.line;
  row->offset_ = start.offset;
  if (problem.empty()) {
    FlatObjectSax sax(options_.decimal_comma);
    problem = ParseRecord(text, &sax);
    if (problem.empty()) {
      std::vector<const std::string*> cells(header_.size(), nullptr);
      for (const auto& [key, value] : sax.cells()) {
        int column = Column(key);
        if (column < 0) {
          problem =
              "a key the file did not have when it was opened (was it "
              "replaced while being read?)";
          break;
        }
        cells[column] = &value;
      }
      if (problem.empty()) {
        for (const std::string* cell : cells) {
          if (cell != nullptr) row->data_ += *cell;
          row->ends_.push_back(static_cast<uint32_t>(row->data_.size()));
        }
      }
    }
  }
  if (!problem.empty()) {
    row->data_.clear();
    row->ends_.clear();
    row->error_ = std::move(problem);
  }
  if (!io_status_.ok()) return io_status_;
  return true;
}

}  // namespace bridgework::csv
