#include "libs/csv_layout/csv_layout.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/strings.h"

namespace bridgework::csv_layout {

const char* TypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return "string";
    case ColumnType::kInt:
      return "int";
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTimestamp:
      return "timestamp";
    case ColumnType::kMoney:
      return "money";
    case ColumnType::kDecimal:
      return "decimal";
  }
  return "string";
}

std::optional<ColumnType> ParseTypeName(std::string_view name) {
  for (ColumnType t : {ColumnType::kString, ColumnType::kInt, ColumnType::kBool,
                       ColumnType::kDate, ColumnType::kTimestamp,
                       ColumnType::kMoney, ColumnType::kDecimal}) {
    if (name == TypeName(t)) return t;
  }
  return std::nullopt;
}

const std::string* ColumnSpec::Decode(std::string_view text) const {
  for (const EnumValue& v : values) {
    if (absl::EqualsIgnoreCase(ToAbsl(text), v.code)) return &v.name;
  }
  return nullptr;
}

const ColumnSpec* ObjectSpec::Find(std::string_view column) const {
  for (const auto& c : columns) {
    if (column == c.name) return &c;
  }
  return nullptr;
}

std::vector<std::string> ObjectSpec::DependsOn() const {
  std::vector<std::string> out;
  for (const auto& c : columns) {
    const std::string& ref = c.references;
    if (ref.empty() || ref == object) continue;
    if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(ref);
  }
  return out;
}

const ObjectSpec* Layout::Find(std::string_view object) const {
  for (const auto& o : objects) {
    if (object == o.object) return &o;
  }
  return nullptr;
}

std::vector<std::string> Layout::ObjectNames() const {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.object);
  return out;
}

std::optional<std::string> CheckFormat(std::string_view format,
                                       ColumnType type) {
  if (type != ColumnType::kDate && type != ColumnType::kTimestamp) {
    return "a format only applies to date and timestamp columns";
  }
  if (format.find('%') == std::string_view::npos) {
    return "a format needs % fields such as %d, %m and %Y";
  }
  // An afternoon instant whose day and month differ, so that a format that
  // drops a field (or the afternoon) does not read back the same.
  const absl::CivilSecond probe(2001, 2, 3, 16, 5, 6);
  const absl::Time at = absl::FromCivil(probe, absl::UTCTimeZone());
  const std::string text =
      absl::FormatTime(ToAbsl(format), at, absl::UTCTimeZone());
  absl::Time back;
  std::string err;
  if (!absl::ParseTime(ToAbsl(format), text, absl::UTCTimeZone(), &back,
                       &err)) {
    return absl::StrCat("the format does not read back what it writes (", err,
                        ")");
  }
  const absl::CivilSecond got = absl::ToCivilSecond(back, absl::UTCTimeZone());
  if (got.year() != probe.year() || got.month() != probe.month() ||
      got.day() != probe.day()) {
    return "the format must hold the year, month and day";
  }
  // A timestamp format holds the hour and minute, or no time at all (the
  // value is then midnight).
  const bool same_time =
      got.hour() == probe.hour() && got.minute() == probe.minute();
  const bool no_time = got.hour() == 0 && got.minute() == 0;
  if (type == ColumnType::kTimestamp && !same_time && !no_time) {
    return "a timestamp format must hold the hour (24-hour %H, or %I with "
           "%p) and the minute, or no time at all";
  }
  return std::nullopt;
}

}  // namespace bridgework::csv_layout
