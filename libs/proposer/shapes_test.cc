#include "libs/proposer/shapes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/record/value.h"

namespace bridgework::proposer {
namespace {

bool Has(std::string_view text, Shape s, std::string_view region = "US",
         std::string_view field = "") {
  return ShapesOfText(text, discovery::HintsFor(field),
                      region)[static_cast<int>(s)];
}

TEST(ShapesTest, KindsDiscoveryDetects) {
  EXPECT_TRUE(Has("maria.lindqvist@example.test", Shape::kEmail));
  EXPECT_FALSE(Has("not an email", Shape::kEmail));
  EXPECT_TRUE(Has("(503) 555-0100", Shape::kPhone));
  EXPECT_TRUE(Has("0532 555 10 01", Shape::kPhone, "TR"));
  // An unformatted number is a phone only when the name says so.
  EXPECT_FALSE(Has("5035550100", Shape::kPhone));
  EXPECT_TRUE(Has("5035550100", Shape::kPhone, "US", "HmPhone"));
  EXPECT_TRUE(Has("2026-03-14", Shape::kDate));
  EXPECT_TRUE(Has("14.03.2026", Shape::kDate));
  EXPECT_FALSE(Has("2026-03-14", Shape::kDateTime));
  EXPECT_TRUE(Has("2026-03-14 09:30", Shape::kDateTime));
  EXPECT_TRUE(Has("$1,234.50", Shape::kMoney));
  EXPECT_TRUE(Has("42", Shape::kInteger));
  EXPECT_TRUE(Has("yes", Shape::kBool));
  EXPECT_TRUE(Has("D0120", Shape::kCdtCode));
}

TEST(ShapesTest, ListsOfCodesAndTeeth) {
  EXPECT_TRUE(Has("D0120 D1110", Shape::kCdtCode));
  EXPECT_TRUE(Has("D0120,D1110", Shape::kCdtCode));
  EXPECT_FALSE(Has("D0120 cleaning", Shape::kCdtCode));
  EXPECT_TRUE(Has("11,12,21", Shape::kToothNumber));
  EXPECT_TRUE(Has("36-37", Shape::kToothNumber));
  EXPECT_TRUE(Has("A", Shape::kToothNumber));  // Universal primary tooth
  EXPECT_FALSE(Has("19,99", Shape::kToothNumber));
}

TEST(ShapesTest, WhatDiscoveryDoesNotDetect) {
  EXPECT_TRUE(Has("K02.52", Shape::kIcd10Code));
  EXPECT_TRUE(Has("K02.52; Z01.20", Shape::kIcd10Code));
  EXPECT_FALSE(Has("U07.1", Shape::kIcd10Code));  // U codes are reserved
  EXPECT_TRUE(Has("99213", Shape::kCptCode));
  EXPECT_TRUE(Has("99213-25", Shape::kCptCode));
  EXPECT_TRUE(Has("0001F", Shape::kCptCode));
  EXPECT_TRUE(Has("09:30", Shape::kTime));
  EXPECT_TRUE(Has("9:30 AM", Shape::kTime));
  EXPECT_FALSE(Has("25:00", Shape::kTime));
  EXPECT_TRUE(Has("https://cedarhills.example", Shape::kUrl));
  EXPECT_TRUE(Has("www.example.com", Shape::kUrl));
  EXPECT_TRUE(Has("<p>Bring x-rays</p>", Shape::kHtml));
  EXPECT_FALSE(Has("a < b", Shape::kHtml));
  EXPECT_TRUE(Has(std::string(70, 'x'), Shape::kLongText));
  EXPECT_TRUE(Has("two\nlines", Shape::kLongText));
  EXPECT_TRUE(Has("Maria Lindqvist", Shape::kPersonName));
  EXPECT_TRUE(Has("Çelik", Shape::kPersonName));
  EXPECT_FALSE(Has("maria", Shape::kPersonName));
}

TEST(ShapesTest, TypedValues) {
  discovery::NameHints none;
  auto has = [&](const v1::Value& v, Shape s) {
    return ShapesOf(v, none, "US")[static_cast<int>(s)];
  };
  EXPECT_TRUE(has(record::IntValue(14), Shape::kInteger));
  EXPECT_TRUE(has(record::IntValue(14), Shape::kToothNumber));
  EXPECT_FALSE(has(record::IntValue(99), Shape::kToothNumber));
  EXPECT_TRUE(has(record::DecimalValue(1250, 2, "USD"), Shape::kMoney));
  EXPECT_FALSE(has(record::DecimalValue(1250, 2, ""), Shape::kMoney));
  EXPECT_TRUE(has(record::BoolValue(true), Shape::kBool));
  EXPECT_TRUE(has(record::DateValue(2026, 3, 14), Shape::kDate));
  EXPECT_TRUE(has(record::TimestampValue(0, "UTC"), Shape::kDateTime));
  ShapeSet null = ShapesOf(record::NullValue(), none, "US");
  for (bool b : null) EXPECT_FALSE(b);
}

TEST(ProfileShapesTest, SharesEnumsAndUniqueness) {
  discovery::NameHints none;
  std::vector<v1::Value> values = {
      record::StringValue("a@x.example"), record::StringValue("b@x.example"),
      record::StringValue("not an email"), record::StringValue("c@x.example")};
  ShapeProfile p = ProfileShapes("string", values, 10, 4, 4, none, "US");
  EXPECT_DOUBLE_EQ(p.Share(Shape::kEmail), 0.75);
  EXPECT_DOUBLE_EQ(p.fill, 0.4);
  EXPECT_EQ(p.examined, 4);
  double share = 0;
  EXPECT_EQ(p.Dominant(&share), Shape::kEmail);
  EXPECT_FALSE(p.enum_like);

  // Three values over 30 records: a pick list.
  std::vector<v1::Value> statuses = {record::StringValue("active"),
                                     record::StringValue("inactive"),
                                     record::StringValue("archived")};
  ShapeProfile e = ProfileShapes("string", statuses, 30, 30, 3, none, "US");
  EXPECT_TRUE(e.enum_like);
  EXPECT_FALSE(e.unique);

  // A declared type counts for every value, even unsampled.
  ShapeProfile d = ProfileShapes("date", {}, 0, 0, 0, none, "US");
  EXPECT_DOUBLE_EQ(d.Share(Shape::kDate), 1.0);
}

}  // namespace
}  // namespace bridgework::proposer
