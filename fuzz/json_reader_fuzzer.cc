// Fuzz target: the JSON record reader (libs/csv/json_reader.h). The input
// is a file, read with and without decimal_comma; every good row has the
// header's columns.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_file.h"
#include "libs/csv/json_reader.h"

namespace {

void ReadWith(const std::string& path,
              const bridgework::csv::JsonReader::Options& options) {
  auto reader = bridgework::csv::JsonReader::Open(path, options);
  if (!reader.ok()) return;
  for (const std::string& name : (*reader)->header()) {
    if ((*reader)->Column(name) < 0) std::abort();
  }
  bridgework::csv::Row row;
  for (int n = 0; n < 10000; ++n) {
    absl::StatusOr<bool> more = (*reader)->Next(&row);
    if (!more.ok() || !*more) break;
    if (row.ok() && row.size() != (*reader)->header().size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      bridgework::fuzz::WriteScratchFile("input.json", data, size);
  bridgework::csv::JsonReader::Options options;
  ReadWith(path, options);
  options.decimal_comma = true;
  options.max_row_bytes = 256;
  ReadWith(path, options);
  return 0;
}
