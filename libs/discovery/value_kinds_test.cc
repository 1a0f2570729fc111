#include "libs/discovery/value_kinds.h"

#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/discovery/distinct_counter.h"
#include "libs/record/value.h"

namespace bridgework::discovery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Mask(const std::string& text, const std::string& field = "x",
                 const std::string& region = "US") {
  v1::Value v = record::StringValue(text);
  return MaskValue(v, Classify(v, HintsFor(field), region), region);
}

TEST(MaskTest, EmailKeepsFirstLettersAndTopLevelDomain) {
  EXPECT_EQ(Mask("ayse.yilmaz@gmail.com"), "a***@g****.com");
  EXPECT_EQ(Mask("Jose.Garcia@Mail.example", "email"), "J***@M****.example");
}

TEST(MaskTest, PhoneKeepsCountryCodeAndLastTwoDigits) {
  EXPECT_EQ(Mask("+90 532 123 45 12", "mobile_phone", "TR"),
            "+90 *** *** **12");
  EXPECT_EQ(Mask("(512) 555-0142", "mobile_phone"), "+1 *** *** **42");
  // A national number read in the configured region.
  EXPECT_EQ(Mask("0532 123 45 12", "mobile_phone", "TR"), "+90 *** *** **12");
}

TEST(MaskTest, NamesKeepFirstLetterOfEachWord) {
  EXPECT_EQ(Mask("Ayşe Yılmaz"), "A*** Y*****");
  EXPECT_EQ(Mask("O'Neil"), "*'N***");
}

TEST(MaskTest, DatesKeepOnlyTheYear) {
  EXPECT_EQ(Mask("1984-03-14", "birth_date"), "1984-**-**");
  EXPECT_EQ(Mask("03/14/1984", "birth_date"), "**/**/1984");
  v1::Value ts = record::TimestampValue(1700000000, "UTC");
  EXPECT_EQ(MaskValue(ts, kKindTimestamp, "US"), "2023-**-**T**:**:**+**:**");
}

TEST(MaskTest, NeverReturnsOrContainsTheValue) {
  const std::vector<std::string> values = {
      "a",
      "ab",
      "A B",
      "7",
      "14",
      "D0120",
      "true",
      "N",
      "$85.00",
      "1,234.50",
      "-",
      "***",
      "a@b.co",
      "x@y",
      "@",
      "call me",
      "n/a",
      "555-01",
      "+15125550142",
      "5125550142",
      "Ayşe",
      "İ",
      "çok uzun bir klinik notu ile devam eden "
      "metin, virgüller ve sayılar 123 içinde",
      "2026-09-31",
      "1984-03-14",
      "2024-01-05 09:30",
      "O'Neil-Smith",
      "\xC3\xA9",
      "  padded  ",
      "ALLCAPS@MAIL.EXAMPLE"};
  for (const std::string& v : values) {
    for (const char* field : {"name", "email", "mobile_phone", "birth_date"}) {
      std::string m = Mask(v, field);
      EXPECT_NE(m, v) << v;
      EXPECT_THAT(m, Not(HasSubstr(v))) << v << " as " << field;
      std::string trimmed = v;
      trimmed.erase(0, trimmed.find_first_not_of(' '));
      trimmed.erase(trimmed.find_last_not_of(' ') + 1);
      if (!trimmed.empty()) {
        EXPECT_THAT(m, Not(HasSubstr(trimmed))) << v << " as " << field;
      }
    }
  }
}

uint32_t KindsOf(const std::string& text, const std::string& field = "x",
                 const std::string& region = "US") {
  return Classify(record::StringValue(text), HintsFor(field), region);
}

TEST(ClassifyTest, RecognisesEachKind) {
  EXPECT_TRUE(KindsOf("ayse@mail.example") & kKindEmail);
  EXPECT_FALSE(KindsOf("ayse@mail") & kKindEmail);
  EXPECT_TRUE(KindsOf("(512) 555-0142") & kKindPhone);
  EXPECT_TRUE(KindsOf("5125550142", "mobile_phone") & kKindPhone);
  // Ten digits without a phone-like name are a number, not a phone.
  EXPECT_FALSE(KindsOf("5125550142") & kKindPhone);
  EXPECT_FALSE(KindsOf("555-01", "mobile_phone") & kKindPhone);
  EXPECT_TRUE(KindsOf("2024-02-29") & kKindDate);
  EXPECT_FALSE(KindsOf("2023-02-29") & kKindDate);
  EXPECT_TRUE(KindsOf("03/14/2026") & kKindDate);
  EXPECT_TRUE(KindsOf("14.03.2026") & kKindDate);
  EXPECT_TRUE(KindsOf("2024-01-05 09:30") & kKindTimestamp);
  EXPECT_TRUE(KindsOf("D2740") & kKindProcedureCode);
  EXPECT_FALSE(KindsOf("D274") & kKindProcedureCode);
  EXPECT_TRUE(KindsOf("14", "tooth_number") & kKindToothNumber);
  EXPECT_TRUE(KindsOf("A", "tooth") & kKindToothNumber);
  EXPECT_TRUE(KindsOf("36", "ToothNum") & kKindToothNumber);  // FDI
  EXPECT_FALSE(KindsOf("14") & kKindToothNumber);
  EXPECT_FALSE(KindsOf("40", "tooth") & kKindToothNumber);
  EXPECT_TRUE(KindsOf("-42") & kKindInt);
  EXPECT_TRUE(KindsOf("1,234.50") & kKindDecimal);
  EXPECT_TRUE(KindsOf("$85.00") & kKindMoney);
  EXPECT_TRUE(KindsOf("Yes") & kKindBool);
  EXPECT_EQ(KindsOf("Dental Practice"), 0u);
  EXPECT_EQ(Classify(record::NullValue(), {}, "US"), 0u);
  EXPECT_EQ(Classify(record::DecimalValue(12345, 2, "USD"), {}, "US"),
            kKindDecimal | kKindMoney);
}

TEST(HintsTest, FieldNames) {
  EXPECT_TRUE(HintsFor("WirelessPhone").mobile);
  EXPECT_TRUE(HintsFor("HmPhone").phone);
  EXPECT_FALSE(HintsFor("HmPhone").mobile);
  EXPECT_FALSE(HintsFor("phone_ext").phone);
  EXPECT_FALSE(HintsFor("cancelled").phone);
  EXPECT_TRUE(HintsFor("Birthdate").birth);
  EXPECT_TRUE(HintsFor("opened_on").date);
  EXPECT_TRUE(HintsFor("emergency_contact_phone").other_person);
  EXPECT_TRUE(HintsFor("Email").email);
}

TEST(DistinctCounterTest, ExactUpToTheCapThenEstimated) {
  DistinctCounter exact(1000);
  for (int i = 0; i < 500; ++i) {
    exact.Add(StableHash(std::to_string(i)));
    exact.Add(StableHash(std::to_string(i)));
  }
  EXPECT_TRUE(exact.exact());
  EXPECT_EQ(exact.Count(), 500);

  DistinctCounter estimated(100);
  for (int i = 0; i < 50000; ++i) estimated.Add(StableHash(std::to_string(i)));
  EXPECT_FALSE(estimated.exact());
  EXPECT_NEAR(static_cast<double>(estimated.Count()), 50000.0, 50000 * 0.05);
}

TEST(StableHashTest, IsStable) {
  // Fixed so reports stay comparable across runs and machines.
  EXPECT_EQ(StableHash("abc"), StableHash(std::string("abc")));
  EXPECT_NE(StableHash("abc"), StableHash("abd"));
}

}  // namespace
}  // namespace bridgework::discovery
