#include "libs/crm/projection.h"

#include <cmath>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "libs/record/value.h"

namespace bridgework::crm {

using json = nlohmann::json;

namespace {

constexpr const char* kSections[] = {"fields", "custom_fields", "lookups"};

std::optional<double> AsNumber(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    double d;
    std::string s(absl::StripAsciiWhitespace(v.get<std::string>()));
    if (!s.empty() && absl::SimpleAtod(s, &d)) return d;
  }
  return std::nullopt;
}

// A whole number written as one (an integer, or its digits as text).
std::optional<int64_t> AsInteger(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  int64_t i;
  if (v.is_string()) {
    std::string s(absl::StripAsciiWhitespace(v.get<std::string>()));
    if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos &&
        absl::SimpleAtoi(s, &i)) {
      return i;
    }
  }
  return std::nullopt;
}

// A date ("2024-01-02") or the date part of a timestamp whose time is
// midnight UTC.
std::optional<std::string> AsDay(const std::string& s) {
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') return s;
  if (s.size() > 10 && s[4] == '-' && s[7] == '-' &&
      (s[10] == 'T' || s[10] == ' ')) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, s, &t, &err) &&
        absl::FormatTime("%H:%M:%S", t, absl::UTCTimeZone()) == "00:00:00") {
      return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
    }
  }
  return std::nullopt;
}

std::optional<absl::Time> AsInstant(const std::string& s) {
  absl::Time t;
  std::string err;
  if (s.size() > 10 && absl::ParseTime(absl::RFC3339_full, s, &t, &err))
    return t;
  // "2024-01-02 09:30:00" (no offset) reads as UTC.
  if (absl::ParseTime("%Y-%m-%d %H:%M:%S", s, absl::UTCTimeZone(), &t, &err))
    return t;
  return std::nullopt;
}

bool SameScalar(const json& a, const json& b) {
  if (IsBlank(a) || IsBlank(b)) return IsBlank(a) && IsBlank(b);
  if (a.is_boolean() || b.is_boolean()) {
    auto text = [](const json& v) {
      if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
      if (v.is_string())
        return absl::AsciiStrToLower(
            absl::StripAsciiWhitespace(v.get<std::string>()));
      return v.dump();
    };
    return text(a) == text(b);
  }
  // Whole numbers (ids above all: Freshsales' run to 11 digits) compare
  // exactly; a relative tolerance would make neighbouring ids equal.
  auto ia = AsInteger(a);
  auto ib = AsInteger(b);
  if (ia && ib) return *ia == *ib;
  auto na = AsNumber(a);
  auto nb = AsNumber(b);
  if (na && nb) {
    // Whole numbers (ids, counts) compare exactly: a relative tolerance
    // would call neighbouring 11-digit ids equal.
    if (std::floor(*na) == *na && std::floor(*nb) == *nb) return *na == *nb;
    return std::abs(*na - *nb) < 1e-9 * std::max(1.0, std::abs(*na));
  }
  if (a.is_string() && b.is_string()) {
    std::string sa(absl::StripAsciiWhitespace(a.get<std::string>()));
    std::string sb(absl::StripAsciiWhitespace(b.get<std::string>()));
    if (sa == sb) return true;
    auto da = AsDay(sa);
    auto db = AsDay(sb);
    if (da && db) return *da == *db;
    auto ta = AsInstant(sa);
    auto tb = AsInstant(sb);
    if (ta && tb) return *ta == *tb;
    return false;
  }
  return a == b;
}

}  // namespace

bool IsBlank(const json& v) {
  return v.is_null() || (v.is_string() && v.get<std::string>().empty()) ||
         (v.is_array() && v.empty()) || (v.is_object() && v.empty());
}

bool SameValue(const json& expected, const json& actual) {
  if (expected.is_array() && expected.size() == 1 && !actual.is_array())
    return SameValue(expected[0], actual);
  if (actual.is_array() && actual.size() == 1 && !expected.is_array())
    return SameValue(expected, actual[0]);
  if (expected.is_array() && actual.is_array()) {
    if (expected.size() != actual.size()) return false;
    std::vector<bool> used(actual.size(), false);
    for (const json& e : expected) {
      bool found = false;
      for (size_t i = 0; i < actual.size() && !found; ++i) {
        if (!used[i] && SameScalar(e, actual[i])) used[i] = found = true;
      }
      if (!found) return false;
    }
    return true;
  }
  if (expected.is_array() || actual.is_array())
    return IsBlank(expected) && IsBlank(actual);
  if (expected.is_object() || actual.is_object()) return expected == actual;
  return SameScalar(expected, actual);
}

json EmptyProjection() {
  return {{"fields", json::object()},
          {"custom_fields", json::object()},
          {"lookups", json::object()}};
}

json ExpectedProjection(
    const v1::TargetRecord& record,
    const std::map<std::string, std::vector<std::string>>& lookup_ids) {
  json p = EmptyProjection();
  for (const auto& [k, v] : record.fields())
    p["fields"][k] = record::ValueToJson(v);
  for (const auto& [k, v] : record.custom_fields())
    p["custom_fields"][k] = record::ValueToJson(v);
  for (const auto& [k, ids] : lookup_ids) p["lookups"][k] = ids;
  return p;
}

std::string ExpectedProjectionText(
    const v1::TargetRecord& record,
    const std::map<std::string, std::vector<std::string>>& lookup_ids,
    const std::string* omit) {
  // The sections in the order a std::map-backed object dumps them.
  std::string out = "{\"custom_fields\":";
  record::AppendCanonicalJson(record.custom_fields(), omit, &out);
  out.append(",\"fields\":");
  record::AppendCanonicalJson(record.fields(), omit, &out);
  out.append(",\"lookups\":{");
  bool first = true;
  for (const auto& [field, ids] : lookup_ids) {
    if (!first) out.push_back(',');
    first = false;
    record::AppendJsonString(field, &out);
    out.append(":[");
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out.push_back(',');
      record::AppendJsonString(ids[i], &out);
    }
    out.push_back(']');
  }
  out.append("}}");
  return out;
}

json ProjectionWithout(json projection, const std::string& field) {
  for (const char* section : {"fields", "custom_fields"}) {
    if (projection.contains(section) && projection[section].is_object()) {
      projection[section].erase(field);
    }
  }
  return projection;
}

std::vector<FieldDelta> DiffProjections(const json& left, const json& right) {
  std::vector<FieldDelta> out;
  for (const char* section : kSections) {
    if (!left.contains(section) || !left[section].is_object()) continue;
    for (const auto& [name, value] : left[section].items()) {
      json other;
      if (right.contains(section) && right[section].is_object() &&
          right[section].contains(name)) {
        other = right[section][name];
      }
      if (!SameValue(value, other))
        out.push_back({section, name, value, other});
    }
  }
  return out;
}

v1::TargetRecord RecordFromProjection(const std::string& target_object,
                                      const json& projection) {
  v1::TargetRecord r;
  r.set_target_object(target_object);
  auto names = [&projection](const char* section) {
    std::vector<std::string> out;
    if (projection.contains(section) && projection[section].is_object()) {
      for (const auto& [name, unused] : projection[section].items())
        out.push_back(name);
    }
    return out;
  };
  for (const auto& n : names("fields"))
    (*r.mutable_fields())[n].set_null_value(true);
  for (const auto& n : names("custom_fields"))
    (*r.mutable_custom_fields())[n].set_null_value(true);
  for (const auto& n : names("lookups")) r.add_lookups()->set_target_field(n);
  return r;
}

json RestrictProjection(const json& projection, const json& like) {
  json out = json::object();
  for (const char* section : kSections) {
    if (!like.contains(section) || !like[section].is_object()) continue;
    out[section] = json::object();
    for (const auto& [name, unused] : like[section].items()) {
      json v;
      if (projection.contains(section) && projection[section].is_object() &&
          projection[section].contains(name)) {
        v = projection[section][name];
      }
      out[section][name] = v;
    }
  }
  return out;
}

}  // namespace bridgework::crm
