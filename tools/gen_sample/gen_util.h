// Building blocks for the deterministic sample exports of
// drdentes_generator.h and clinic_generator.h: a seeded random source whose
// sequence is the same everywhere, a CSV text builder for any delimiter and
// line ending, tiny but valid PNG and PDF files, and the write-out.
//
// Thread safety: Rng and CsvText are not thread-safe; the functions are
// pure (WriteExportFile writes a file).
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_GEN_UTIL_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_GEN_UTIL_H_

#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

// "2026-03-14".
std::string IsoDate(absl::CivilDay d);
// A day of [from, to], uniformly.
absl::CivilDay RandomDay(Rng& rng, absl::CivilDay from, absl::CivilDay to);
// `d` at hour:minute.
absl::CivilMinute At(absl::CivilDay d, int hour, int minute);
// `d` at a quarter hour between first_hour:00 and last_hour:45.
absl::CivilMinute OfficeTime(Rng& rng, int first_hour, int last_hour,
                             absl::CivilDay d);
// A random minute of `hour` on a day of [from, from + days].
absl::CivilMinute RandomMinute(Rng& rng, absl::CivilDay from, int days,
                               int hour);

// A CSV file built in memory: RFC 4180 quoting (a cell holding the
// delimiter, a quote or a line break is quoted, quotes doubled).
class CsvText {
 public:
  // `bom`: start with a UTF-8 byte-order mark, as Windows tools write.
  CsvText(char delimiter, std::string eol, bool bom = false);

  void Header(const std::vector<std::string>& names);
  // One data row. Returns its 1-based physical line.
  int64_t Row(const std::vector<std::string>& cells);
  // Data rows written so far.
  int rows() const { return rows_; }
  const std::string& text() const { return text_; }

 private:
  std::string Cell(const std::string& s) const;

  char delimiter_;
  std::string eol_;
  std::string text_;
  int rows_ = 0;
  int64_t next_line_ = 1;
};

// A PNG (8-bit RGB, stored without compression) of `width` x `height`
// whose pixel (x, y) is pixel(x, y).
std::string PngImage(
    int width, int height,
    const std::function<std::array<uint8_t, 3>(int x, int y)>& pixel);

// A one-page PDF 1.4 showing `lines` (ASCII) in Helvetica.
std::string PdfDocument(const std::vector<std::string>& lines);

// `n` (>= 0) with `separator` between groups of three digits: 1234567 ->
// "1.234.567".
std::string GroupThousands(int64_t n, char separator);

// Writes `bytes` to `path`, creating its directory; INTERNAL on failure.
absl::Status WriteExportFile(const std::string& path, std::string_view bytes);

// `utf8` re-encoded as Windows-1252, as legacy Windows tools write.
// INVALID_ARGUMENT when it holds a character Windows-1252 lacks.
absl::StatusOr<std::string> ToWindows1252(std::string_view utf8);

// What a generator wrote.
struct ExportSummary {
  std::string system;  // "drdentes"
  // File name and data rows, in the order written.
  std::vector<std::pair<std::string, int>> files;
  int attachments = 0;
  // The deliberately bad rows: "patients.csv:41 birth_date".
  std::vector<std::string> bad_rows;

  void AddBadRow(const std::string& file, int64_t line,
                 const std::string& field);

  // One line: "wrote DIR (drdentes): clinics.csv 3, ...; 12 attachment
  // files; bad rows: patients.csv:41 birth_date, ...".
  std::string ToString(const std::string& out_dir) const;
};

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_GEN_UTIL_H_
