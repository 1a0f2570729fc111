#include "libs/record/value.h"

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/strings.h"

namespace bridgework::record {

v1::Value NullValue() {
  v1::Value v;
  v.set_null_value(true);
  return v;
}
v1::Value StringValue(std::string_view s) {
  v1::Value v;
  v.set_string_value(std::string(s));
  return v;
}
v1::Value IntValue(int64_t i) {
  v1::Value v;
  v.set_int_value(i);
  return v;
}
v1::Value BoolValue(bool b) {
  v1::Value v;
  v.set_bool_value(b);
  return v;
}
v1::Value DateValue(int year, int month, int day) {
  v1::Value v;
  v.mutable_date_value()->set_year(year);
  v.mutable_date_value()->set_month(month);
  v.mutable_date_value()->set_day(day);
  return v;
}
v1::Value DecimalValue(int64_t unscaled, int scale, std::string_view currency) {
  v1::Value v;
  v.mutable_decimal_value()->set_unscaled(unscaled);
  v.mutable_decimal_value()->set_scale(scale);
  v.mutable_decimal_value()->set_currency(std::string(currency));
  return v;
}
v1::Value TimestampValue(int64_t unix_seconds, std::string_view zone) {
  v1::Value v;
  v.mutable_timestamp_value()->set_unix_seconds(unix_seconds);
  v.mutable_timestamp_value()->set_zone(std::string(zone));
  return v;
}

bool IsNull(const v1::Value& v) {
  return v.kind_case() == v1::Value::KIND_NOT_SET ||
         v.kind_case() == v1::Value::kNullValue;
}

absl::StatusOr<v1::Decimal> ParseDecimal(std::string_view text,
                                         std::string_view currency) {
  std::string_view s = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(text)));
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return absl::InvalidArgumentError("not a number");
  int64_t unscaled = 0;
  int scale = 0;
  int digits = 0;
  bool seen_point = false;
  for (char c : s) {
    if (c == ',' && !seen_point) continue;
    if (c == '.') {
      if (seen_point) return absl::InvalidArgumentError("not a number");
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return absl::InvalidArgumentError("not a number");
    if (++digits > 18) return absl::InvalidArgumentError("too many digits");
    unscaled = unscaled * 10 + (c - '0');
    if (seen_point) ++scale;
  }
  if (digits == 0) return absl::InvalidArgumentError("not a number");
  v1::Decimal d;
  d.set_unscaled(negative ? -unscaled : unscaled);
  d.set_scale(scale);
  d.set_currency(std::string(currency));
  return d;
}

std::string DecimalToString(const v1::Decimal& d) {
  int64_t u = d.unscaled();
  bool negative = u < 0;
  std::string digits = absl::StrCat(negative ? -u : u);
  int scale = d.scale();
  if (scale > 0) {
    if (static_cast<int>(digits.size()) <= scale) {
      digits.insert(0, scale - digits.size() + 1, '0');
    }
    digits.insert(digits.size() - scale, ".");
  }
  return negative ? "-" + digits : digits;
}

absl::StatusOr<v1::Date> ParseDate(std::string_view text) {
  std::string_view s = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(text)));
  if (s.size() != 10 || (s[4] != '-' && s[4] != '/') || s[7] != s[4]) {
    return absl::InvalidArgumentError("not a date (want YYYY-MM-DD)");
  }
  int y = 0, m = 0, d = 0;
  if (!absl::SimpleAtoi(ToAbsl(s.substr(0, 4)), &y) ||
      !absl::SimpleAtoi(ToAbsl(s.substr(5, 2)), &m) ||
      !absl::SimpleAtoi(ToAbsl(s.substr(8, 2)), &d)) {
    return absl::InvalidArgumentError("not a date (want YYYY-MM-DD)");
  }
  if (y < 1 || m < 1 || m > 12 || d < 1) {
    return absl::InvalidArgumentError("impossible date");
  }
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) {
    return absl::InvalidArgumentError("impossible date");
  }
  v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

std::string DateToString(const v1::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

namespace {

// The IANA zone `name`, loaded once per thread: absl::LoadTimeZone takes a
// process-wide lock and a map lookup per call, and a file of timestamps
// asks for the same zone on every cell.
bool LoadNamedZone(std::string_view name, absl::TimeZone* tz) {
  thread_local std::string last_name;
  thread_local absl::TimeZone last_zone;
  thread_local bool last_ok = false;
  if (last_name.empty() || name != last_name) {
    last_name = std::string(name);
    last_ok = absl::LoadTimeZone(last_name, &last_zone);
  }
  *tz = last_zone;
  return last_ok;
}

bool LoadZone(std::string_view zone, absl::TimeZone* tz) {
  if (zone.empty() || zone == "UTC" || zone == "Z") {
    *tz = absl::UTCTimeZone();
    return true;
  }
  if (zone[0] == '+' || zone[0] == '-') {
    int h = 0, m = 0;
    if (zone.size() == 6 && absl::SimpleAtoi(ToAbsl(zone.substr(1, 2)), &h) &&
        absl::SimpleAtoi(ToAbsl(zone.substr(4, 2)), &m)) {
      int secs = (h * 3600 + m * 60) * (zone[0] == '-' ? -1 : 1);
      *tz = absl::FixedTimeZone(secs);
      return true;
    }
    return false;
  }
  return LoadNamedZone(zone, tz);
}

// The number at s[at, at + width), all ASCII digits; -1 otherwise.
int FixedNumber(std::string_view s, size_t at, size_t width) {
  if (at + width > s.size()) return -1;
  int n = 0;
  for (size_t i = at; i < at + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

// The civil time of "YYYY-MM-DD?HH:MM" or "YYYY-MM-DD?HH:MM:SS" at the
// start of `s` (date and time apart by a space or a 'T'), every field in
// range (seconds 0-59, the day in its month); `*used` is the length read.
// nullopt for any other shape: the general parser then decides, so this only
// takes the common shapes faster, never reads one differently (value_test
// sweeps both).
std::optional<absl::CivilSecond> FixedCivil(std::string_view s, size_t* used) {
  if (s.size() < 16 || s[4] != '-' || s[7] != '-' ||
      (s[10] != ' ' && s[10] != 'T') || s[13] != ':') {
    return std::nullopt;
  }
  const int y = FixedNumber(s, 0, 4), mo = FixedNumber(s, 5, 2),
            d = FixedNumber(s, 8, 2), h = FixedNumber(s, 11, 2),
            mi = FixedNumber(s, 14, 2);
  int sec = 0;
  *used = 16;
  if (s.size() > 16 && s[16] == ':') {
    sec = FixedNumber(s, 17, 2);
    *used = 19;
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || sec < 0 || sec > 59) {
    return std::nullopt;
  }
  absl::CivilSecond cs(y, mo, d, h, mi, sec);
  if (cs.day() != d) return std::nullopt;  // 02-30 and the like
  return cs;
}

// ParseTimestamp's common shapes without the general parser: a local
// "YYYY-MM-DD HH:MM[:SS]" (or with 'T') read in `tz`, and RFC 3339
// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)". nullopt: not one of
// them.
std::optional<v1::Timestamp> FastTimestamp(std::string_view s,
                                           std::string_view zone,
                                           const absl::TimeZone& tz) {
  size_t used = 0;
  std::optional<absl::CivilSecond> cs = FixedCivil(s, &used);
  if (!cs) return std::nullopt;
  v1::Timestamp out;
  if (used == s.size()) {
    // A local time: in a skipped or repeated hour, the earlier reading,
    // as the general parser does.
    out.set_unix_seconds(absl::ToUnixSeconds(tz.At(*cs).pre));
    out.set_zone(zone.empty() ? "UTC" : std::string(zone));
    return out;
  }
  if (used != 19 || s[10] != 'T') return std::nullopt;
  size_t at = used;
  if (s[at] == '.') {
    size_t digits = 0;
    while (at + 1 + digits < s.size() && s[at + 1 + digits] >= '0' &&
           s[at + 1 + digits] <= '9') {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    at += 1 + digits;  // the fraction: whole seconds are kept
  }
  const std::string_view offset = s.substr(at);
  int offset_seconds = 0;
  if (offset == "Z") {
    out.set_zone("UTC");
  } else {
    if (offset.size() != 6 || (offset[0] != '+' && offset[0] != '-') ||
        offset[3] != ':') {
      return std::nullopt;
    }
    const int oh = FixedNumber(offset, 1, 2), om = FixedNumber(offset, 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_seconds = (oh * 3600 + om * 60) * (offset[0] == '-' ? -1 : 1);
    out.set_zone(std::string(offset));
  }
  // The civil time read as UTC, less the offset it carried.
  out.set_unix_seconds(
      absl::ToUnixSeconds(absl::FromCivil(*cs, absl::UTCTimeZone())) -
      offset_seconds);
  return out;
}

// "2024-03-01T09:30:00-06:00" (FormatTime's "%Y-%m-%dT%H:%M:%S%Ez") for
// years 1000-9999 and offsets of whole minutes; nullopt otherwise.
std::optional<std::string> FastFormat(absl::Time at, const absl::TimeZone& tz) {
  const absl::TimeZone::CivilInfo ci = tz.At(at);
  const absl::CivilSecond& cs = ci.cs;
  if (cs.year() < 1000 || cs.year() > 9999 || ci.offset % 60 != 0) {
    return std::nullopt;
  }
  char buf[26];
  auto put2 = [&buf](int i, int v) {
    buf[i] = static_cast<char>('0' + v / 10);
    buf[i + 1] = static_cast<char>('0' + v % 10);
  };
  const int y = static_cast<int>(cs.year());
  put2(0, y / 100);
  put2(2, y % 100);
  buf[4] = '-';
  put2(5, cs.month());
  buf[7] = '-';
  put2(8, cs.day());
  buf[10] = 'T';
  put2(11, cs.hour());
  buf[13] = ':';
  put2(14, cs.minute());
  buf[16] = ':';
  put2(17, cs.second());
  const int off = ci.offset < 0 ? -ci.offset : ci.offset;
  buf[19] = ci.offset < 0 ? '-' : '+';
  put2(20, off / 3600);
  buf[22] = ':';
  put2(23, off / 60 % 60);
  return std::string(buf, 25);
}

}  // namespace

absl::StatusOr<v1::Timestamp> ParseTimestamp(std::string_view text,
                                             std::string_view zone) {
  const std::string_view trimmed =
      FromAbsl(absl::StripAsciiWhitespace(ToAbsl(text)));
  absl::TimeZone tz;
  if (!LoadZone(zone, &tz)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone ", ToAbsl(zone)));
  }
  if (std::optional<v1::Timestamp> fast = FastTimestamp(trimmed, zone, tz)) {
    return *std::move(fast);
  }
  const std::string s(trimmed);
  absl::Time t;
  std::string err;
  v1::Timestamp out;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    out.set_unix_seconds(absl::ToUnixSeconds(t));
    // Keep the offset the text carried.
    size_t tpos = s.find('T');
    std::string_view tail = std::string_view(s).substr(tpos + 1);
    size_t off = tail.find_first_of("+-Z");
    std::string z(off == std::string_view::npos ? "" : tail.substr(off));
    out.set_zone(z == "Z" || z.empty() ? "UTC" : z);
    return out;
  }
  for (const char* fmt : {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                          "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"}) {
    if (absl::ParseTime(fmt, s, tz, &t, &err)) {
      absl::CivilSecond cs = absl::ToCivilSecond(t, tz);
      if (cs.year() < 1) break;
      out.set_unix_seconds(absl::ToUnixSeconds(t));
      out.set_zone(zone.empty() ? "UTC" : std::string(zone));
      return out;
    }
  }
  return absl::InvalidArgumentError(
      "not a date-time (want YYYY-MM-DD HH:MM[:SS] or RFC 3339)");
}

std::string TimestampToString(const v1::Timestamp& t) {
  absl::TimeZone tz;
  if (!LoadZone(t.zone(), &tz)) tz = absl::UTCTimeZone();
  absl::Time at =
      absl::FromUnixSeconds(t.unix_seconds()) + absl::Nanoseconds(t.nanos());
  if (std::optional<std::string> fast = FastFormat(at, tz)) return *fast;
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", at, tz);
}

namespace {

// The value as a long double, for numbers; nullopt otherwise.
std::optional<long double> NumberOf(const v1::Value& v) {
  if (v.has_int_value()) return static_cast<long double>(v.int_value());
  if (v.has_decimal_value()) {
    long double n = static_cast<long double>(v.decimal_value().unscaled());
    for (int i = 0; i < v.decimal_value().scale(); ++i) n /= 10;
    return n;
  }
  return std::nullopt;
}

template <typename T>
int Sign(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

int CompareValues(const v1::Value& a, const v1::Value& b) {
  const bool a_null = IsNull(a), b_null = IsNull(b);
  if (a_null || b_null) return Sign(a_null, b_null);
  if (auto x = NumberOf(a), y = NumberOf(b); x && y) return Sign(*x, *y);
  if (a.has_date_value() && b.has_date_value()) {
    const v1::Date &x = a.date_value(), &y = b.date_value();
    return Sign(std::tuple(x.year(), x.month(), x.day()),
                std::tuple(y.year(), y.month(), y.day()));
  }
  if (a.has_timestamp_value() && b.has_timestamp_value()) {
    return Sign(a.timestamp_value().unix_seconds(),
                b.timestamp_value().unix_seconds());
  }
  if (a.has_bool_value() && b.has_bool_value()) {
    return Sign(a.bool_value(), b.bool_value());
  }
  return Sign(ValueToText(a), ValueToText(b));
}

nlohmann::json ValueToJson(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kStringValue:
      return v.string_value();
    case v1::Value::kIntValue:
      return v.int_value();
    case v1::Value::kDecimalValue:
      return DecimalToString(v.decimal_value());
    case v1::Value::kBoolValue:
      return v.bool_value();
    case v1::Value::kDateValue:
      return DateToString(v.date_value());
    case v1::Value::kTimestampValue:
      return TimestampToString(v.timestamp_value());
    case v1::Value::kListValue: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : v.list_value().values()) {
        arr.push_back(ValueToJson(item));
      }
      return arr;
    }
    case v1::Value::kNullValue:
    case v1::Value::KIND_NOT_SET:
      return nullptr;
  }
  return nullptr;
}

std::string ValueToText(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kStringValue) return v.string_value();
  nlohmann::json j = ValueToJson(v);
  if (j.is_null()) return "";
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

namespace {

// Appends `s` as a JSON string exactly as nlohmann::json's
// dump(-1, ' ', false, replace) writes it: printable ASCII without quotes
// or backslashes is copied as is (most values), anything else goes through
// nlohmann's own serializer, so escapes and the replacement of invalid
// UTF-8 are its bytes.

// Appends ValueToJson(v).dump(...) without building the JSON tree.
void AppendCanonical(const v1::Value& v, std::string* out) {
  switch (v.kind_case()) {
    case v1::Value::kStringValue:
      AppendJsonString(v.string_value(), out);
      return;
    case v1::Value::kIntValue:
      absl::StrAppend(out, v.int_value());
      return;
    case v1::Value::kDecimalValue:
      AppendJsonString(DecimalToString(v.decimal_value()), out);
      return;
    case v1::Value::kBoolValue:
      out->append(v.bool_value() ? "true" : "false");
      return;
    case v1::Value::kDateValue:
      AppendJsonString(DateToString(v.date_value()), out);
      return;
    case v1::Value::kTimestampValue:
      AppendJsonString(TimestampToString(v.timestamp_value()), out);
      return;
    case v1::Value::kListValue: {
      out->push_back('[');
      bool first = true;
      for (const auto& item : v.list_value().values()) {
        if (!first) out->push_back(',');
        first = false;
        AppendCanonical(item, out);
      }
      out->push_back(']');
      return;
    }
    case v1::Value::kNullValue:
    case v1::Value::KIND_NOT_SET:
      out->append("null");
      return;
  }
  out->append("null");
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
      out->append(
          nlohmann::json(std::string(s))
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      return;
    }
  }
  out->push_back('"');
  out->append(s.data(), s.size());
  out->push_back('"');
}

std::string CanonicalJson(const FieldMap& fields) {
  std::string out;
  out.reserve(32 * fields.size() + 2);
  AppendCanonicalJson(fields, nullptr, &out);
  return out;
}

void AppendCanonicalJson(const FieldMap& fields, const std::string* omit,
                         std::string* out) {
  // Keys sorted as std::string compares them, as in nlohmann::json's
  // std::map-backed objects; the bytes equal what nlohmann writes
  // (fingerprints in existing ledgers stay valid; value_test compares the
  // two on random records).
  std::vector<CanonicalEntry> sorted;
  sorted.reserve(fields.size());
  for (const auto& kv : fields) {
    if (omit == nullptr || kv.first != *omit) {
      sorted.push_back({kv.first, &kv.second});
    }
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const CanonicalEntry& a, const CanonicalEntry& b) {
              return a.name < b.name;
            });
  AppendCanonicalJsonSorted(sorted, out);
}

void AppendCanonicalJsonSorted(std::span<const CanonicalEntry> entries,
                               std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const CanonicalEntry& e : entries) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(e.name, out);
    out->push_back(':');
    AppendCanonical(*e.value, out);
  }
  out->push_back('}');
}

std::string Fingerprint(const FieldMap& fields) {
  return Sha256Hex(CanonicalJson(fields));
}

}  // namespace bridgework::record
