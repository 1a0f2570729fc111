#include "libs/record/value.h"

#include <functional>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
