// A streaming RFC 4180 CSV reader.
//
// Reads a file through one fixed buffer (never the whole file). The first
// row is the header; columns are looked up by name, never by position. A
// UTF-8 byte-order mark is stripped. Records end with LF, CRLF or a lone
// CR. Quoted fields may hold commas, doubled quotes ("") and line breaks;
// a quote inside an unquoted field is kept as a literal character. Lines
// holding nothing at all are skipped (they still count for line numbers).
//
// Each row carries the 1-based physical line it starts on and its byte
// offset. A malformed row never stops the reader: Next() returns it with
// error() set to one line naming the problem (never a field value) and the
// next call goes on with the following row. Row problems:
//   - a quoted field still open at end of file ("unbalanced quote"): the
//     row is reported and reading resumes on the line after the one where
//     the quote opened, so one stray quote costs one row, not the file;
//   - wrong number of columns (expected vs got);
//   - invalid UTF-8, or an embedded NUL byte (names the column);
//   - text after a closing quote (names the column);
//   - a row longer than Options::max_row_bytes (names the column where
//     the limit was reached).
// Only I/O failures are errors of the reader itself.
//
// Performance: rows are parsed into a caller-owned Row whose storage is
// reused, so a steady-state Next() does not allocate.
//
// Thread safety: a Reader is not thread-safe; use one per thread.
#ifndef BRIDGEWORK_LIBS_CSV_CSV_READER_H_
#define BRIDGEWORK_LIBS_CSV_CSV_READER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bridgework::csv {

// The character encoding of a file. Rows are always returned as UTF-8.
enum class Encoding {
  kUtf8,         // invalid UTF-8 makes its row an error
  kWindows1252,  // every byte is transcoded; the five bytes Windows-1252
                 // leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) make their
                 // row an error
  kDetect,       // decided by Open(): a UTF-8 byte-order mark, or a file
                 // that is valid UTF-8, or one that holds well-formed
                 // multi-byte UTF-8 sequences among a few bad bytes, is
                 // UTF-8; a file with bytes >= 0x80 and no multi-byte UTF-8
                 // sequence at all is Windows-1252
};

// "UTF-8", "windows-1252", "detect".
const char* EncodingName(Encoding encoding);

struct Options {
  // How the bytes are encoded. Default UTF-8.
  Encoding encoding = Encoding::kUtf8;
  // The byte that separates fields: ',' (RFC 4180), ';' or '\t' are
  // common. Must not be '"', '\r' or '\n'. Default ','.
  char delimiter = ',';
  // A row whose fields hold more bytes than this is reported as an error
  // and skipped. Bounds memory. Default 8 MiB.
  size_t max_row_bytes = size_t{8} << 20;
  // Size of the read buffer. Default 256 KiB.
  size_t buffer_bytes = size_t{256} << 10;
};

// A place in the file where a row starts: byte offset from the start of the
// file (the byte-order mark included) and 1-based physical line.
struct Position {
  int64_t offset = 0;
  int64_t line = 1;
};

// One row. Field views stay valid until the row is next passed to Next().
class Row {
 public:
  // 1-based physical line the row starts on.
  int64_t line() const { return line_; }
  // Byte offset of the row's first byte.
  int64_t offset() const { return offset_; }
  // Number of fields. For an unbalanced-quote or over-long row this is 0.
  size_t size() const { return ends_.size(); }
  std::string_view field(size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(data_.data() + begin, ends_[i] - begin);
  }
  std::string_view operator[](size_t i) const { return field(i); }

  bool ok() const { return error_.empty(); }
  // Empty for a good row; else one line saying what is wrong with it.
  const std::string& error() const { return error_; }
  // 0-based column the error is about, or -1 when it concerns the row.
  int error_column() const { return error_column_; }

 private:
  friend class Reader;
  friend class JsonReader;
  void Clear();

  int64_t line_ = 0;
  int64_t offset_ = 0;
  std::string data_;            // all fields, unescaped, back to back
  std::vector<uint32_t> ends_;  // end of field i in data_
  std::string error_;
  int error_column_ = -1;
  bool too_long_ = false;
  // The column being read when the row grew past the limit.
  int too_long_column_ = -1;
};

// A file read as rows under a header: CSV (Reader) or JSON records
// (JsonReader, json_reader.h). The extractor's export engine reads either
// through this interface.
// Thread safety: not thread-safe; one thread at a time.
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const std::string& path() const = 0;
  // Column names; "" for a header cell with no name.
  virtual const std::vector<std::string>& header() const = 0;
  // Line of the header (for messages about it).
  virtual int64_t header_line() const = 0;
  // 0-based index of the column named `name`, or -1.
  virtual int Column(std::string_view name) const = 0;
  // Reads the next row (see Reader::Next).
  virtual absl::StatusOr<bool> Next(Row* row) = 0;
  // Where the row after the last one returned starts.
  virtual Position position() const = 0;
};

class Reader : public RowSource {
 public:
  // Opens `path` and reads its header row.
  // Errors: NOT_FOUND naming the path when it does not exist;
  // PERMISSION_DENIED when it cannot be read; INVALID_ARGUMENT for a
  // delimiter Options forbids, or when the file is
  // empty (no header row), when the header row is malformed, or when two
  // columns have the same name.
  static absl::StatusOr<std::unique_ptr<Reader>> Open(
      const std::string& path, const Options& options = Options());

  ~Reader() override;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  const std::string& path() const override { return path_; }
  // The encoding rows are read in (never kDetect: what detection chose).
  Encoding encoding() const { return options_.encoding; }
  // Column names, trimmed of surrounding spaces and tabs.
  const std::vector<std::string>& header() const override { return header_; }
  // Line the header row is on (1 unless blank lines precede it).
  int64_t header_line() const override { return header_line_; }
  // 0-based index of the column named `name`, or -1.
  int Column(std::string_view name) const override;

  // Reads the next row into `row` (its storage is reused). Returns false at
  // end of file. A malformed row is returned with row->error() set; it is
  // not an error of the call. Errors: INTERNAL/DATA_LOSS for a failed read.
  absl::StatusOr<bool> Next(Row* row) override;

  // Where the row after the last one returned starts: pass it to Seek() on a
  // Reader of the same file to continue from there.
  Position position() const override { return Position{Offset(), line_}; }
  // Where the first row after the header starts.
  Position data_start() const { return data_start_; }

  // Continues reading at `p`, a position() of this file. INVALID_ARGUMENT
  // when `p` is before the first data row, past the end of the file, or not
  // at the start of a line.
  absl::Status Seek(const Position& p);

 private:
  Reader(int fd, std::string path, const Options& options);

  int64_t Offset() const { return buffer_offset_ + static_cast<int64_t>(pos_); }
  // Makes at least one unread byte available; false at end of file or on a
  // read error (kept in io_status_).
  bool Fill() { return pos_ < end_ || Refill(); }
  bool Refill();
  absl::Status SeekTo(int64_t offset, int64_t line);
  void Append(Row* row, const char* p, size_t n);
  // Parses one record into `row`; false at end of file before any byte.
  bool ParseRow(Row* row);
  // Checks column count, NUL bytes and UTF-8.
  void Validate(Row* row) const;
  // Transcodes a Windows-1252 row to UTF-8 in place; an undefined byte
  // makes it an error row.
  void Transcode(Row* row) const;
  std::string ColumnLabel(size_t i) const;
  // After an unbalanced quote: resume on the line after the one holding the
  // opening quote at `quote_offset`.
  void RecoverAfterUnbalancedQuote(int64_t quote_offset, int64_t quote_line);

  int fd_;
  std::string path_;
  Options options_;
  // iconv descriptor (iconv_t) from Windows-1252 to UTF-8, when reading
  // that encoding; else (void*)-1.
  void* iconv_ = reinterpret_cast<void*>(-1);
  // Bytes that end an unquoted field: the delimiter, CR and LF.
  std::array<bool, 256> stop_{};
  std::unique_ptr<char[]> buffer_;
  size_t capacity_;
  size_t pos_ = 0;
  size_t end_ = 0;
  int64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  bool eof_ = false;
  int64_t line_ = 1;  // line of the next unread byte
  absl::Status io_status_;
  std::vector<std::string> header_;
  int64_t header_line_ = 1;
  Position data_start_;
};

// True if `s` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsValidUtf8(std::string_view s);

// Whether the file at `path` holds no row at all: nothing but a UTF-8
// byte-order mark and line breaks (a file Reader::Open refuses as "empty
// file (no header row)"). Reads up to the first other byte. Errors as
// Reader::Open's (NOT_FOUND naming the path, ...).
absl::StatusOr<bool> HoldsNoRow(const std::string& path);

}  // namespace bridgework::csv

#endif  // BRIDGEWORK_LIBS_CSV_CSV_READER_H_
