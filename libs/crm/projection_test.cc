#include "libs/crm/projection.h"

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

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

// Random records of every value kind, with names and text that need
// escaping, the key field in either section or none.
TEST(ProjectionTest, TextIsTheTreesDumpWithoutTheKeyField) {
  std::mt19937 random(5);
  const std::vector<std::string> texts = {
      "",      "Ann",  "O\"Brien", "a\\b",   "tab\there", "line\nbreak",
      "Renée", "日本", "\x01ctl",  "cf_key", "ext_key",   "z"};
  auto text = [&] { return texts[random() % texts.size()]; };
  std::function<v1::Value(int)> value = [&](int depth) -> v1::Value {
    switch (random() % (depth > 0 ? 8 : 7)) {
      case 0:
        return record::StringValue(text());
      case 1:
        return record::IntValue(static_cast<int64_t>(random()) - (1LL << 31));
      case 2:
        return record::DecimalValue(static_cast<int64_t>(random() % 99999),
                                    static_cast<int>(random() % 3), "USD");
      case 3:
        return record::BoolValue(random() % 2 == 0);
      case 4:
        return record::DateValue(2000 + static_cast<int>(random() % 30),
                                 1 + static_cast<int>(random() % 12),
                                 1 + static_cast<int>(random() % 28));
      case 5:
        return record::TimestampValue(random() % 2000000000,
                                      random() % 2 ? "America/Chicago" : "");
      case 6:
        return record::NullValue();
      default: {
        v1::Value list;
        for (int i = static_cast<int>(random() % 3); i > 0; --i) {
          *list.mutable_list_value()->add_values() = value(depth - 1);
        }
        return list;
      }
    }
  };
  for (int i = 0; i < 2000; ++i) {
    v1::TargetRecord r;
    r.set_target_object("contact");
    for (int f = static_cast<int>(random() % 6); f > 0; --f) {
      (*r.mutable_fields())[text()] = value(2);
      (*r.mutable_custom_fields())["cf_" + text()] = value(2);
    }
    r.set_external_key_field(random() % 3 == 0   ? "cf_ext_key"
                             : random() % 2 == 0 ? "ext_key"
                                                 : "");
    if (random() % 2 == 0) {
      (*r.mutable_fields())["ext_key"] = record::StringValue("pbn:x:1");
      (*r.mutable_custom_fields())["cf_ext_key"] =
          record::StringValue("pbn:x:1");
    }
    std::map<std::string, std::vector<std::string>> lookups;
    for (int l = static_cast<int>(random() % 3); l > 0; --l) {
      std::vector<std::string>& ids = lookups[text()];
      for (int n = static_cast<int>(random() % 3); n > 0; --n) {
        ids.push_back(absl::StrCat(random()));
      }
    }
    const json tree = ExpectedProjection(r, lookups);
    EXPECT_EQ(ExpectedProjectionText(r, lookups, nullptr), tree.dump());
    EXPECT_EQ(ExpectedProjectionText(r, lookups, &r.external_key_field()),
              ProjectionWithout(tree, r.external_key_field()).dump());
  }
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
