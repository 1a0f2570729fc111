#include "libs/record/value.h"

#include <functional>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace bridgework::record {
namespace {

TEST(Decimal, ParsesAndPrintsExactly) {
  auto d = ParseDecimal("1,234.50", "USD");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->unscaled(), 123450);
  EXPECT_EQ(d->scale(), 2);
  EXPECT_EQ(DecimalToString(*d), "1234.50");
  auto small = ParseDecimal("-0.05", "");
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(DecimalToString(*small), "-0.05");
}

TEST(Decimal, RejectsNonNumbers) {
  EXPECT_FALSE(ParseDecimal("12a", "USD").ok());
  EXPECT_FALSE(ParseDecimal("1.2.3", "USD").ok());
  EXPECT_FALSE(ParseDecimal("", "USD").ok());
  EXPECT_FALSE(ParseDecimal("1234567890123456789", "USD").ok());
}

TEST(Date, RejectsImpossibleDays) {
  EXPECT_TRUE(ParseDate("2024-02-29").ok());
  EXPECT_FALSE(ParseDate("2023-02-29").ok());
  EXPECT_FALSE(ParseDate("2024-02-30").ok());
  EXPECT_FALSE(ParseDate("0000-01-01").ok());
  EXPECT_FALSE(ParseDate("01/02/2024").ok());
  EXPECT_EQ(DateToString(*ParseDate("2024/03/09")), "2024-03-09");
}

TEST(Timestamp, LocalTimeKeepsZoneAndOffset) {
  auto t = ParseTimestamp("2024-03-01 09:30", "America/Chicago");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(TimestampToString(*t), "2024-03-01T09:30:00-06:00");
  auto r = ParseTimestamp("2024-03-01T09:30:00+03:00", "UTC");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(TimestampToString(*r), "2024-03-01T09:30:00+03:00");
  EXPECT_FALSE(ParseTimestamp("yesterday", "UTC").ok());
}

// ParseTimestamp and TimestampToString as written before their fast paths,
// with absl's general parser and formatter: the oracle the fast paths must
// match on every input.
absl::StatusOr<v1::Timestamp> ReferenceParse(const std::string& text,
                                             const std::string& zone) {
  std::string s(absl::StripAsciiWhitespace(text));
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!zone.empty() && zone != "UTC" && zone[0] != '+' && zone[0] != '-' &&
      !absl::LoadTimeZone(zone, &tz)) {
    return absl::InvalidArgumentError("zone");
  }
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-')) {
    int secs = (std::stoi(zone.substr(1, 2)) * 3600 +
                std::stoi(zone.substr(4, 2)) * 60) *
               (zone[0] == '-' ? -1 : 1);
    tz = absl::FixedTimeZone(secs);
  }
  absl::Time t;
  std::string err;
  v1::Timestamp out;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    out.set_unix_seconds(absl::ToUnixSeconds(t));
    std::string tail = s.substr(s.find('T') + 1);
    size_t off = tail.find_first_of("+-Z");
    std::string z = off == std::string::npos ? "" : tail.substr(off);
    out.set_zone(z == "Z" || z.empty() ? "UTC" : z);
    return out;
  }
  for (const char* fmt : {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                          "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"}) {
    if (absl::ParseTime(fmt, s, tz, &t, &err)) {
      if (absl::ToCivilSecond(t, tz).year() < 1) break;
      out.set_unix_seconds(absl::ToUnixSeconds(t));
      out.set_zone(zone.empty() ? "UTC" : zone);
      return out;
    }
  }
  return absl::InvalidArgumentError("not a date-time");
}

std::string ReferenceFormat(const v1::Timestamp& t) {
  absl::TimeZone tz = absl::UTCTimeZone();
  const std::string& zone = t.zone();
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-')) {
    tz = absl::FixedTimeZone((std::stoi(zone.substr(1, 2)) * 3600 +
                              std::stoi(zone.substr(4, 2)) * 60) *
                             (zone[0] == '-' ? -1 : 1));
  } else if (!zone.empty() && zone != "UTC" && zone != "Z" &&
             !absl::LoadTimeZone(zone, &tz)) {
    tz = absl::UTCTimeZone();
  }
  return absl::FormatTime(
      "%Y-%m-%dT%H:%M:%S%Ez",
      absl::FromUnixSeconds(t.unix_seconds()) + absl::Nanoseconds(t.nanos()),
      tz);
}

void ExpectSameAsReference(const std::string& text, const std::string& zone) {
  SCOPED_TRACE(text + " in \"" + zone + "\"");
  absl::StatusOr<v1::Timestamp> want = ReferenceParse(text, zone);
  absl::StatusOr<v1::Timestamp> got = ParseTimestamp(text, zone);
  ASSERT_EQ(got.ok(), want.ok()) << got.status();
  if (!want.ok()) return;
  EXPECT_EQ(got->unix_seconds(), want->unix_seconds());
  EXPECT_EQ(got->zone(), want->zone());
  EXPECT_EQ(TimestampToString(*got), ReferenceFormat(*want));
}

TEST(Timestamp, CommonShapesReadAsTheGeneralParserReadsThem) {
  const std::vector<std::string> zones = {"America/Chicago",
                                          "",
                                          "UTC",
                                          "Europe/London",
                                          "Australia/Lord_Howe",
                                          "Asia/Kathmandu",
                                          "+05:30",
                                          "-03:00"};
  // Every 10 minutes through both of 2023's clock changes in Chicago and
  // London (skipped and repeated hours), in every shape.
  std::vector<std::string> texts;
  for (absl::CivilMinute start : {absl::CivilMinute(2023, 3, 11, 22, 0),
                                  absl::CivilMinute(2023, 11, 4, 22, 0),
                                  absl::CivilMinute(2023, 3, 25, 22, 0),
                                  absl::CivilMinute(2023, 10, 28, 22, 0),
                                  absl::CivilMinute(2023, 4, 1, 22, 0)}) {
    for (int i = 0; i < 6 * 30; ++i) {
      absl::CivilMinute m = start + 10 * i;
      const std::string day = absl::FormatCivilTime(absl::CivilDay(m));
      const std::string hm = absl::StrFormat("%02d:%02d", m.hour(), m.minute());
      texts.push_back(day + " " + hm);
      texts.push_back(day + "T" + hm + ":07");
      texts.push_back(day + " " + hm + ":59");
      texts.push_back(day + "T" + hm + ":00Z");
      texts.push_back(day + "T" + hm + ":30.250-05:00");
      texts.push_back(day + "T" + hm + ":30+13:45");
    }
  }
  // Edges: days and fields out of range, other widths and letters, leap
  // seconds, early and late years, whitespace.
  for (const char* t : {"2023-02-29 10:00",
                        "2024-02-29 10:00",
                        "2023-02-30 10:00",
                        "2023-04-31T10:00",
                        "2023-13-01 10:00",
                        "2023-00-10 10:00",
                        "2023-01-00 10:00",
                        "2023-01-01 24:00",
                        "2023-01-01 10:60",
                        "2023-01-01 10:00:60",
                        "2016-12-31T23:59:60Z",
                        "2023-1-01 10:00",
                        "2023-01-01 1:00",
                        "2023-01-01  10:00",
                        "2023-01-01t10:00:00Z",
                        "2023-01-01T10:00:00z",
                        "2023-01-01T10:00:00+0300",
                        "2023-01-01T10:00:00+03",
                        "2023-01-01T10:00:00+24:00",
                        "2023-01-01T10:00:00-23:59",
                        "2023-01-01T10:00:00.Z",
                        "2023-01-01T10:00:00.123456789012Z",
                        "2023-01-01 10:00:00Z",
                        "2023-01-01 10:00Z",
                        "2023-01-01T10:00Z",
                        "0000-01-01 00:00",
                        "0001-01-01 00:00",
                        "0001-01-01T00:00:00+01:00",
                        "0999-06-01 12:00",
                        "1000-01-01 00:00",
                        "1850-06-01 12:00",
                        "1883-11-18 12:00",
                        "9999-12-31 23:59:59",
                        "9999-12-31T23:59:59-01:00",
                        "+2023-01-01 10:00",
                        "2023-01-01 10:00:0",
                        "2023-01-01 10:00:000",
                        " 2023-06-01 10:00 ",
                        "\t2023-06-01T10:00:00Z\n",
                        "2023-06-01 10:00 ",
                        "2023-06-01 10:00 PM",
                        "2023-06-01",
                        "10:00",
                        "",
                        "yesterday"}) {
    texts.push_back(t);
  }
  for (const std::string& zone : zones) {
    for (const std::string& text : texts) ExpectSameAsReference(text, zone);
  }
}

TEST(Timestamp, PrintsAsTheGeneralFormatterPrints) {
  std::mt19937_64 random(11);
  for (const char* zone :
       {"America/Chicago", "UTC", "", "Europe/London", "Australia/Lord_Howe",
        "Asia/Kathmandu", "+05:30", "-03:00", "America/St_Johns"}) {
    for (int i = 0; i < 2000; ++i) {
      v1::Timestamp t;
      // From the year 1 to 10,500: local mean time before 1883 (offsets
      // with seconds) and years of other widths take the general path.
      t.set_unix_seconds(static_cast<int64_t>(random() % 392000000000ULL) -
                         62135596800LL);
      t.set_nanos(static_cast<int32_t>(random() % 1000000000));
      t.set_zone(zone);
      SCOPED_TRACE(absl::StrCat(t.unix_seconds(), " in ", zone));
      EXPECT_EQ(TimestampToString(t), ReferenceFormat(t));
    }
  }
}

TEST(Fingerprint, IndependentOfInsertionOrder) {
  FieldMap a, b;
  a["x"] = StringValue("1");
  a["y"] = IntValue(2);
  b["y"] = IntValue(2);
  b["x"] = StringValue("1");
  EXPECT_EQ(Fingerprint(a), Fingerprint(b));
  b["x"] = StringValue("2");
  EXPECT_NE(Fingerprint(a), Fingerprint(b));
  EXPECT_EQ(CanonicalJson(a), R"({"x":"1","y":2})");
}

// CanonicalJson writes what the JSON tree's dump wrote before it (the form
// every fingerprint in a ledger was computed from), byte for byte: random
// records of every kind, with strings of quotes, backslashes, control
// characters, accents and invalid UTF-8.
TEST(Fingerprint, CanonicalJsonIsTheJsonTreesDump) {
  auto tree_dump = [](const FieldMap& fields) {
    nlohmann::json obj = nlohmann::json::object();
    for (const auto& [k, v] : fields) obj[k] = ValueToJson(v);
    return obj.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::mt19937 random(11);
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "0",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\t",
                                           std::string(1, '\x01'),
                                           "\x7f",
                                           "\xc3\xa7",
                                           "\xe2\x82\xac",
                                           "\xf0\x9f\x98\x80",
                                           "\xff",
                                           "\xc3",
                                           "\xe2\x82",
                                           "/",
                                           "<",
                                           "\u00e9"};
  auto text = [&] {
    std::string t;
    const int n = static_cast<int>(random() % 6);
    for (int i = 0; i < n; ++i) t += pieces[random() % pieces.size()];
    return t;
  };
  std::function<v1::Value(int)> value = [&](int depth) -> v1::Value {
    switch (random() % (depth > 0 ? 8 : 7)) {
      case 0:
        return StringValue(text());
      case 1:
        return IntValue(static_cast<int64_t>(random()) - (1LL << 31));
      case 2:
        return DecimalValue(static_cast<int64_t>(random() % 100000) - 50000,
                            static_cast<int>(random() % 4), "USD");
      case 3:
        return BoolValue(random() % 2 == 0);
      case 4:
        return DateValue(1900 + static_cast<int>(random() % 200),
                         1 + static_cast<int>(random() % 12),
                         1 + static_cast<int>(random() % 28));
      case 5:
        return TimestampValue(static_cast<int64_t>(random() % 2000000000),
                              random() % 2 ? "America/Chicago" : "");
      case 6:
        return NullValue();
      default: {
        v1::Value list;
        const int n = static_cast<int>(random() % 4);
        for (int i = 0; i < n; ++i) {
          *list.mutable_list_value()->add_values() = value(depth - 1);
        }
        return list;
      }
    }
  };
  for (int i = 0; i < 3000; ++i) {
    FieldMap fields;
    const int n = static_cast<int>(random() % 8);
    for (int f = 0; f < n; ++f) fields[text() + "k"] = value(2);
    ASSERT_EQ(CanonicalJson(fields), tree_dump(fields)) << "record " << i;
  }
  EXPECT_EQ(CanonicalJson(FieldMap()), "{}");
}

}  // namespace
}  // namespace bridgework::record
