// Building blocks of the sample generator: a portable random source, CSV
// cells and rows, money and date text, and a CSV file that counts lines.
// Internal to tools/gen_sample.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_UTIL_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"

namespace bridgework::gen_sample {

// Only the raw output of std::mt19937 is used: its sequence is fixed by the
// standard, unlike the distributions', so files are identical everywhere.
class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  uint32_t Below(uint32_t n) { return gen_() % n; }
  int Between(int lo, int hi) {
    return lo + static_cast<int>(Below(static_cast<uint32_t>(hi - lo + 1)));
  }
  bool Chance(int percent) { return static_cast<int>(Below(100)) < percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(static_cast<uint32_t>(v.size()))];
  }

 private:
  std::mt19937 gen_;
};

// A CSV cell: quoted (quotes doubled) when it holds a comma, a quote or a
// line break.
std::string Quote(const std::string& s);
// Cells quoted as needed, joined by commas, ending in "\n".
std::string CsvRow(const std::vector<std::string>& cells);

// "1234.50" for 123450 cents; "-45.00" for -4500.
std::string Money(int64_t cents);
// "YYYY-MM-DD".
std::string DayText(absl::CivilDay day);
// "YYYY-MM-DD HH:MM:SS", the form the sample writes local date-times in.
std::string TimeText(absl::CivilSecond t);
// Parses "YYYY-MM-DD" (a prefix of a longer text is fine); false if it is
// not one.
bool ParseDay(const std::string& text, absl::CivilDay* day);
// A day from `from` to `to`, both included; `from` when `to` is earlier.
absl::CivilDay DayBetween(Rng& rng, absl::CivilDay from, absl::CivilDay to);
// `day` at a random office time, 08:00 to 17:55 in 5-minute steps.
absl::CivilSecond AtOfficeTime(Rng& rng, absl::CivilDay day);

// A CSV file being written: knows the line the next row starts on.
// Not thread-safe.
class CsvFile {
 public:
  // Creates (or truncates) `path` and writes the header row. INTERNAL when
  // the file cannot be created.
  absl::Status Open(const std::filesystem::path& path,
                    const std::vector<std::string>& header);
  // Writes a row of cells; returns the line it starts on.
  int64_t Write(const std::vector<std::string>& cells);
  // Writes `text`, which must be whole rows ending in "\n"; returns the
  // line it starts on.
  int64_t WriteRaw(const std::string& text);
  // Closes the file. INTERNAL when a write failed.
  absl::Status Close();

  const std::string& name() const { return name_; }
  int rows() const { return rows_; }
  int64_t next_line() const { return next_line_; }

 private:
  std::filesystem::path path_;
  std::string name_;
  std::ofstream out_;
  int rows_ = 0;
  int64_t next_line_ = 1;
};

// Writes `data` to `path`, replacing it. INTERNAL naming the path on
// failure.
absl::Status WriteFile(const std::filesystem::path& path,
                       const std::string& data);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_UTIL_H_
