// JSON exports read as rows: a file holding a JSON array of objects
// (`[{...}, {...}]`) or a sequence of objects (JSON Lines, or objects
// pretty-printed one after another). Each object is one row.
//
// The header is every key found in the file's objects, in the order first
// seen (Open() scans the file once to find them), so a key that only some
// records have is still a column. A cell is the value's text:
//   - a string as is (no quotes, escapes decoded);
//   - a number as written in the file; with Options::decimal_comma its '.'
//     becomes ',' so the layout's decimal separator applies unchanged;
//   - true/false as "true"/"false";
//   - null, or a key the object lacks, as "" (null);
//   - a nested object or array as its compact JSON text (a JSON blob kept
//     whole, for long-text fields).
// Rows carry the line and byte offset where their object starts.
//
// Bad records never stop the reader; each becomes a row with error() set
// (never quoting a value):
//   - "malformed JSON record (syntax error at byte N of the record)";
//   - "the record is not a JSON object" (stray text between records is
//     read up to the next separator and reported as one of these two);
//   - "unterminated JSON record (the file ends inside it)" (the last row);
//   - "the JSON array is not closed (is the file truncated?)";
//   - a record longer than Options::max_row_bytes.
// Only I/O failures are errors of the reader itself.
//
// Memory: one record at a time, plus the header. Files are UTF-8 (RFC
// 8259); a byte-order mark is skipped; invalid UTF-8 inside a string makes
// the record malformed.
//
// Thread safety: not thread-safe; one thread at a time.
#ifndef BRIDGEWORK_LIBS_CSV_JSON_READER_H_
#define BRIDGEWORK_LIBS_CSV_JSON_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "libs/csv/csv_reader.h"

namespace bridgework::csv {

class JsonReader : public RowSource {
 public:
  struct Options {
    bool decimal_comma = false;
    size_t max_row_bytes = size_t{8} << 20;
  };

  // Opens `path` and scans it for the header. NOT_FOUND when it does not
  // exist; INVALID_ARGUMENT when it holds no JSON object at all (empty, or
  // neither an array nor objects).
  static absl::StatusOr<std::unique_ptr<JsonReader>> Open(
      const std::string& path, const Options& options);

  ~JsonReader() override;
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  const std::string& path() const override { return path_; }
  const std::vector<std::string>& header() const override { return header_; }
  int64_t header_line() const override { return 1; }
  int Column(std::string_view name) const override;
  absl::StatusOr<bool> Next(Row* row) override;
  Position position() const override { return {offset_, line_}; }

 private:
  JsonReader(int fd, std::string path, const Options& options);

  // The next top-level element's text in `text`, its start in `start`.
  // Returns false at the end of the input. Sets `problem` for text that is
  // not a record.
  bool NextElement(std::string* text, Position* start, std::string* problem);
  int Get();   // next byte or -1; advances offset_/line_
  int Peek();  // next byte or -1
  bool Refill();
  void Rewind();  // back to the first element

  int fd_;
  std::string path_;
  Options options_;
  std::vector<std::string> header_;
  absl::flat_hash_map<std::string, int> columns_;
  std::vector<char> buffer_;
  size_t pos_ = 0, end_ = 0;
  int64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  int64_t offset_ = 0, line_ = 1;
  int64_t start_offset_ = 0;  // after a byte-order mark
  bool in_array_ = false;
  bool done_ = false;
  absl::Status io_status_;
};

}  // namespace bridgework::csv

#endif  // BRIDGEWORK_LIBS_CSV_JSON_READER_H_
