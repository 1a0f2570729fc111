#include "libs/crm/projection.h"

#include <gtest/gtest.h>

#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using json = nlohmann::json;

TEST(SameValueTest, NumbersDatesTimesTextAndLists) {
  EXPECT_TRUE(SameValue(12.5, "12.50"));
  EXPECT_TRUE(SameValue(3, 3.0));
  EXPECT_FALSE(SameValue(3, "4"));
  // Large ids are exact: no tolerance makes neighbours equal, and lists of
  // them compare as sets.
  EXPECT_FALSE(SameValue("16000000011", "16000000019"));
  EXPECT_FALSE(SameValue(16000000011, "16000000019"));
  EXPECT_TRUE(SameValue(16000000011, "16000000011"));
  EXPECT_TRUE(SameValue(
      nlohmann::json::array({"16000000011", "16000000019", "16000000028"}),
      nlohmann::json::array({"16000000028", "16000000019", "16000000011"})));
  EXPECT_TRUE(SameValue("2024-01-02", "2024-01-02T00:00:00Z"));
  EXPECT_FALSE(SameValue("2024-01-02", "2024-01-03T00:00:00Z"));
  EXPECT_TRUE(SameValue("2024-03-01T09:30:00-06:00", "2024-03-01T15:30:00Z"));
  EXPECT_FALSE(SameValue("2024-03-01T09:30:00-06:00", "2024-03-01T09:30:00Z"));
  EXPECT_TRUE(SameValue(true, "true"));
  EXPECT_FALSE(SameValue(true, false));
  EXPECT_TRUE(SameValue(" Ann ", "Ann"));
  EXPECT_FALSE(SameValue("Ann", "ann"));
  EXPECT_TRUE(SameValue(json::array({"a", "b"}), json::array({"b", "a"})));
  EXPECT_FALSE(SameValue(json::array({"a", "b"}), json::array({"a"})));
  EXPECT_TRUE(SameValue(json::array({"7"}), 7));
  EXPECT_TRUE(SameValue(nullptr, ""));
  EXPECT_TRUE(SameValue(json::array(), nullptr));
  EXPECT_FALSE(SameValue(nullptr, "x"));
}

TEST(ProjectionTest, ExpectedDiffAndRestrict) {
  v1::TargetRecord r;
  r.set_target_object("contact");
  (*r.mutable_fields())["first_name"].set_string_value("Ann");
  (*r.mutable_fields())["age"].set_int_value(40);
  (*r.mutable_custom_fields())["cf_status"].set_string_value("Active");
  json expected = ExpectedProjection(r, {{"sales_accounts", {"9"}}});
  EXPECT_EQ(expected["fields"]["first_name"], "Ann");
  EXPECT_EQ(expected["lookups"]["sales_accounts"], json::array({"9"}));

  json actual = {{"fields", {{"first_name", "Ann"}, {"age", "41"}}},
                 {"custom_fields", {{"cf_status", "Active"}}},
                 {"lookups", {{"sales_accounts", {9}}}}};
  std::vector<FieldDelta> d = DiffProjections(expected, actual);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].section, "fields");
  EXPECT_EQ(d[0].name, "age");

  json other = {{"fields", {{"first_name", "Bo"}, {"extra", 1}}}};
  json restricted = RestrictProjection(other, expected);
  EXPECT_EQ(restricted["fields"]["first_name"], "Bo");
  EXPECT_TRUE(restricted["fields"]["age"].is_null());
  EXPECT_FALSE(restricted["fields"].contains("extra"));
  EXPECT_TRUE(restricted["custom_fields"]["cf_status"].is_null());
}

}  // namespace
}  // namespace bridgework::crm

namespace bridgework::crm {
namespace {
TEST(SameValue, IdListsInAnotherOrder) {
  // Neighbouring large ids are different ids, in any order.
  nlohmann::json expected = {"16000000032", "16000000007", "16000000009"};
  nlohmann::json actual = {"16000000009", "16000000032", "16000000007"};
  EXPECT_TRUE(SameValue(expected, actual));
  EXPECT_FALSE(
      SameValue(nlohmann::json("16000000032"), nlohmann::json("16000000029")));
  EXPECT_TRUE(SameValue(nlohmann::json("80"), nlohmann::json(80)));
  EXPECT_TRUE(SameValue(nlohmann::json(0.1 + 0.2), nlohmann::json(0.3)));
}
}  // namespace
}  // namespace bridgework::crm
