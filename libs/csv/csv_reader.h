// A streaming RFC 4180 CSV reader.
//
// Reads a file through a fixed buffer (never the whole file), strips a
// UTF-8 byte-order mark, accepts CRLF or LF, quoted fields with commas,
// doubled quotes and newlines. Each row carries the physical line it starts
// on. A malformed row never stops the reader: it comes back with `error`
// set (one line, no field values) and reading goes on with the next row.
//
// Thread safety: not thread-safe.
#ifndef BRIDGEWORK_LIBS_CSV_CSV_READER_H_
#define BRIDGEWORK_LIBS_CSV_CSV_READER_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace bridgework::csv {

struct Row {
  // 1-based line where the row starts.
  int64_t line = 0;
  std::vector<std::string> fields;
  // Empty for a good row; else why it is malformed.
  std::string error;
};

class Reader {
 public:
  // NOT_FOUND names the path; INVALID_ARGUMENT for an empty file (no
  // header).
  static absl::StatusOr<std::unique_ptr<Reader>> Open(const std::string& path);
  ~Reader();

  const std::vector<std::string>& header() const { return header_; }
  // Column index of `name`, or -1.
  int Column(const std::string& name) const;

  // Reads the next row; false at end of file.
  bool Next(Row* row);

  // Resume position after the last row returned: byte offset and line.
  int64_t offset() const { return consumed_; }
  int64_t next_line() const { return line_; }
  // Continues from a position returned by offset()/next_line().
  absl::Status Seek(int64_t offset, int64_t line);

 private:
  explicit Reader(std::FILE* file) : file_(file) {}
  int Get();  // next byte or EOF
  int Peek();
  bool ParseRecord(Row* row);

  std::FILE* file_;
  std::vector<char> buffer_ = std::vector<char>(1 << 16);
  size_t pos_ = 0;
  size_t len_ = 0;
  int64_t consumed_ = 0;  // bytes handed out by Get()
  int64_t line_ = 1;
  std::vector<std::string> header_;
};

// True if `s` is well-formed UTF-8.
bool IsValidUtf8(const std::string& s);

}  // namespace bridgework::csv

#endif  // BRIDGEWORK_LIBS_CSV_CSV_READER_H_
