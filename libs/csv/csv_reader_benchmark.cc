// Rows per second of csv::Reader over a realistic patients file.
// Build with -DBRIDGEWORK_BUILD_BENCHMARKS=ON; run
// build/bin/csv_reader_benchmark.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>

#include "libs/csv/csv_reader.h"

namespace {

std::string MakeFile(int rows) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("bw-csv-bench-" + std::to_string(getpid()) + ".csv"))
                         .string();
  std::ofstream out(path, std::ios::binary);
  out << "patient_id,first_name,last_name,email,mobile_phone,birth_date,"
         "address_line1,city,state,postal_code,status,updated_at\n";
  for (int i = 0; i < rows; ++i) {
    out << 1000 + i << ",José,\"Müller, Jr.\",jose.muller" << i
        << "@mail.example,(512) 555-0142,1980-02-29,\"12 Oak St, Apt 3\","
           "Austin,TX,78701,active,2026-10-01 09:30:00\n";
  }
  return path;
}

void BM_ReadRows(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  std::string path = MakeFile(rows);
  int64_t total = 0;
  for (auto _ : state) {
    auto reader = bridgework::csv::Reader::Open(path);
    bridgework::csv::Row row;
    while (*(*reader)->Next(&row)) ++total;
  }
  state.SetItemsProcessed(total);
  std::filesystem::remove(path);
}
BENCHMARK(BM_ReadRows)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace
