// Fuzz target: the CSV reader (libs/csv/csv_reader.h). The input is a file.
// It is read three times with different options (encoding, delimiter, a
// tiny read buffer so rows straddle refills, a small row limit), and each
// time the reader's own promise is checked: Seek() to the position() it
// reported before a row reads that row and the rest again, identically.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz/fuzz_file.h"
#include "libs/csv/csv_reader.h"

namespace {

using bridgework::csv::Encoding;
using bridgework::csv::Options;
using bridgework::csv::Position;
using bridgework::csv::Reader;
using bridgework::csv::Row;

struct Seen {
  Position before;
  int64_t line = 0;
  int64_t offset = 0;
  std::vector<std::string> fields;
  std::string error;
  bool operator==(const Seen& o) const {
    return line == o.line && offset == o.offset && fields == o.fields &&
           error == o.error;
  }
};

// Reads the rest of `reader` (at most 10000 rows).
std::vector<Seen> ReadAll(Reader& reader) {
  std::vector<Seen> rows;
  Row row;
  while (rows.size() < 10000) {
    Seen s;
    s.before = reader.position();
    absl::StatusOr<bool> more = reader.Next(&row);
    if (!more.ok() || !*more) break;
    s.line = row.line();
    s.offset = row.offset();
    for (size_t i = 0; i < row.size(); ++i) {
      s.fields.emplace_back(row.field(i));
    }
    s.error = row.error();
    // A good row has exactly the header's columns.
    if (row.ok() && row.size() != reader.header().size()) std::abort();
    // Rows are UTF-8 whatever the file's encoding.
    for (const std::string& f : s.fields) {
      if (row.ok() && !bridgework::csv::IsValidUtf8(f)) std::abort();
    }
    rows.push_back(std::move(s));
  }
  return rows;
}

void ReadWith(const std::string& path, const Options& options) {
  auto reader = Reader::Open(path, options);
  if (!reader.ok()) return;
  for (const std::string& name : (*reader)->header()) {
    if ((*reader)->Column(name) < 0) std::abort();
  }
  std::vector<Seen> rows = ReadAll(**reader);
  if (rows.empty()) return;
  // Continue from the middle row's position with a fresh reader.
  const size_t mid = rows.size() / 2;
  auto again = Reader::Open(path, options);
  if (!again.ok()) std::abort();
  if (!(*again)->Seek(rows[mid].before).ok()) std::abort();
  std::vector<Seen> rest = ReadAll(**again);
  if (rest.size() != rows.size() - mid) std::abort();
  for (size_t i = 0; i < rest.size(); ++i) {
    if (!(rest[i] == rows[mid + i])) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      bridgework::fuzz::WriteScratchFile("input.csv", data, size);
  Options plain;
  plain.buffer_bytes = 4096;
  ReadWith(path, plain);
  Options detect;
  detect.encoding = Encoding::kDetect;
  detect.delimiter = ';';
  detect.buffer_bytes = 7;
  ReadWith(path, detect);
  Options windows;
  windows.encoding = Encoding::kWindows1252;
  windows.delimiter = '\t';
  windows.buffer_bytes = 1;
  windows.max_row_bytes = 64;
  ReadWith(path, windows);
  return 0;
}
