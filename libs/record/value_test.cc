#include "libs/record/value.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace bridgework::record
