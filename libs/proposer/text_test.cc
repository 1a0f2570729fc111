#include "libs/proposer/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::proposer {
namespace {

using ::testing::ElementsAre;

TEST(SplitWordsTest, CaseChangesSeparatorsAndDigits) {
  EXPECT_THAT(SplitWords("PatNum"), ElementsAre("pat", "num"));
  EXPECT_THAT(SplitWords("LName"), ElementsAre("l", "name"));
  EXPECT_THAT(SplitWords("HTMLBody"), ElementsAre("html", "body"));
  EXPECT_THAT(SplitWords("Bal_0_30"), ElementsAre("bal", "0", "30"));
  EXPECT_THAT(SplitWords("address1"), ElementsAre("address", "1"));
  EXPECT_THAT(SplitWords("E-Mail"), ElementsAre("e", "mail"));
  EXPECT_THAT(SplitWords("Length (min)"), ElementsAre("length", "min"));
  EXPECT_THAT(SplitWords("Chart #"), ElementsAre("chart"));
}

TEST(SplitWordsTest, TurkishLettersLoseTheirMarks) {
  EXPECT_THAT(SplitWords("Doğum Tarihi"), ElementsAre("dogum", "tarihi"));
  EXPECT_THAT(SplitWords("İlçe"), ElementsAre("ilce"));
  EXPECT_EQ(FoldToAscii("Şahin ÇELİK"), "sahin celik");
}

TEST(CanonicalWordsTest, PracticeManagementAbbreviations) {
  EXPECT_EQ(CanonicalName("AptDateTime"), "appointment date time");
  EXPECT_EQ(CanonicalName("HmPhone"), "home phone");
  EXPECT_EQ(CanonicalName("WirelessPhone"), "mobile phone");
  EXPECT_EQ(CanonicalName("PatNum"), "patient id");
  EXPECT_EQ(CanonicalName("ProcCode"), "procedure code");
  EXPECT_EQ(CanonicalName("LName"), "last name");
  EXPECT_EQ(CanonicalName("Zip"), "postal code");
  EXPECT_EQ(CanonicalName("DateTStamp"), "date timestamp");
  EXPECT_EQ(CanonicalName("treatplan"), "treatment plan");
  EXPECT_EQ(CanonicalName("E-Mail"), "email");
}

TEST(CanonicalWordsTest, TurkishNames) {
  EXPECT_EQ(CanonicalName("Soyadı"), "last name");
  EXPECT_EQ(CanonicalName("Doğum Tarihi"), "birth date");
  EXPECT_EQ(CanonicalName("E-posta"), "email");
  EXPECT_EQ(CanonicalName("Cep Telefonu"), "mobile phone");
  EXPECT_EQ(CanonicalName("Posta Kodu"), "postal code");
  // Plural stems and compounds.
  EXPECT_EQ(CanonicalName("doktorlar"), "dentist");
  EXPECT_EQ(CanonicalName("tedavi_planlari"), "treatment plan");
  EXPECT_EQ(CanonicalName("Klinik Adı"), "clinic name");
  EXPECT_EQ(CanonicalName("Adı"), "first name");
}

TEST(CanonicalWordsTest, DropsStopWords) {
  EXPECT_EQ(CanonicalName("date_of_birth"), "date birth");
}

TEST(SnakeCaseTest, Identifiers) {
  EXPECT_EQ(SnakeCase("Date of birth"), "date_of_birth");
  EXPECT_EQ(SnakeCase("PreferConfirmMethod"), "prefer_confirm_method");
  EXPECT_EQ(SnakeCase("Doğum Tarihi"), "dogum_tarihi");
  EXPECT_EQ(SnakeCase("1st visit"), "f_1_st_visit");
  EXPECT_EQ(SnakeCase("###"), "field");
}

}  // namespace
}  // namespace bridgework::proposer
