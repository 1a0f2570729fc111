#include "tools/gen_sample/sample_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bridgework::gen_sample {

std::string Quote(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvRow(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += Quote(cells[i]);
  }
  return out + "\n";
}

std::string Money(int64_t cents) {
  const int64_t abs = cents < 0 ? -cents : cents;
  return absl::StrFormat("%s%d.%02d", cents < 0 ? "-" : "", abs / 100,
                         abs % 100);
}

std::string DayText(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string TimeText(absl::CivilSecond t) {
  return absl::StrFormat("%04d-%02d-%02d %02d:%02d:%02d", t.year(), t.month(),
                         t.day(), t.hour(), t.minute(), t.second());
}

bool ParseDay(const std::string& text, absl::CivilDay* day) {
  if (text.size() < 10) return false;
  return absl::ParseCivilTime(text.substr(0, 10), day);
}

absl::CivilDay DayBetween(Rng& rng, absl::CivilDay from, absl::CivilDay to) {
  if (to <= from) return from;
  return from +
         static_cast<int>(rng.Below(static_cast<uint32_t>(to - from) + 1));
}

absl::CivilSecond AtOfficeTime(Rng& rng, absl::CivilDay day) {
  // Two statements: the order of the draws must not depend on the compiler.
  const int hour = rng.Between(8, 17);
  const int minute = rng.Between(0, 11) * 5;
  return absl::CivilSecond(day.year(), day.month(), day.day(), hour, minute, 0);
}

absl::Status CsvFile::Open(const std::filesystem::path& path,
                           const std::vector<std::string>& header) {
  path_ = path;
  name_ = path.filename().string();
  out_.open(path, std::ios::binary | std::ios::trunc);
  if (!out_)
    return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  WriteRaw(CsvRow(header));
  rows_ = 0;
  return absl::OkStatus();
}

int64_t CsvFile::Write(const std::vector<std::string>& cells) {
  return WriteRaw(CsvRow(cells));
}

int64_t CsvFile::WriteRaw(const std::string& text) {
  const int64_t line = next_line_;
  out_ << text;
  next_line_ += std::count(text.begin(), text.end(), '\n');
  ++rows_;
  return line;
}

absl::Status CsvFile::Close() {
  out_.close();
  if (!out_) {
    return absl::InternalError(absl::StrCat("cannot write ", path_.string()));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::filesystem::path& path,
                       const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

}  // namespace bridgework::gen_sample
