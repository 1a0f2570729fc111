#include "tests/chaos/state_compare.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::chaos {
namespace {

using Json = nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kAudit[] =
    R"({"seq":1,"kind":"create","state":"applied","target_object":"contact","source_object":"patient","source_key":"P1","crm_id":"5"}
{"seq":2,"kind":"create","state":"adopted","target_object":"sales_account","source_object":"location","source_key":"L1","crm_id":"9"}
{"seq":3,"kind":"update","state":"applied","target_object":"contact","source_object":"patient","source_key":"P1","crm_id":"5"}
)";

TEST(IdMapFromAudit, MapsAppliedAndAdoptedCreates) {
  std::vector<std::string> problems;
  IdMap ids = IdMapFromAudit(kAudit, &problems);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(ids["contact|patient|P1"], "5");
  EXPECT_EQ(ids["sales_account|location|L1"], "9");
  EXPECT_EQ(ids.size(), 2u);
}

TEST(IdMapFromAudit, NamesIntentsAndDoubleCreates) {
  std::vector<std::string> problems;
  IdMapFromAudit(
      std::string(kAudit) +
          R"({"seq":4,"kind":"create","state":"applied","target_object":"contact","source_object":"patient","source_key":"P1","crm_id":"6"}
{"seq":5,"kind":"create","state":"intent","target_object":"contact","source_object":"patient","source_key":"P2","crm_id":""}
{"seq":6,"kind":"create","state":"applied","target_object":"sales_account","source_object":"location","source_key":"L2","crm_id":"9"}
)",
      &problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_THAT(problems[0], HasSubstr("created twice"));
  EXPECT_THAT(problems[1], HasSubstr("left an intent"));
  EXPECT_THAT(problems[2], HasSubstr("mapped from both"));
}

TEST(CompareStates, MatchesRecordsThroughTranslatedIds) {
  Json expected = {{"contacts",
                    {{{"id", 1}, {"name", "A"}, {"sales_account_id", 7}},
                     {{"id", 2}, {"name", "B"}, {"sales_account_id", 7}}}},
                   {"users", {{{"id", 100}, {"email", "o@x"}}}}};
  Json actual = {{"contacts",
                  {{{"id", 11},
                    {"name", "A"},
                    {"sales_account_id", 17},
                    {"created_at", 9}},
                   {{"id", 12}, {"name", "B"}, {"sales_account_id", 17}}}},
                 {"users", {{{"id", 100}, {"email", "o@x"}}}}};
  std::map<std::string, std::string> t = {
      {"11", "1"}, {"12", "2"}, {"17", "7"}};
  CompareOptions o;
  o.ignored_keys = {"created_at"};
  EXPECT_THAT(CompareStates(expected, actual, t, o, false), IsEmpty());
  // A wrong lookup, a changed field, a duplicate.
  actual["contacts"][0]["sales_account_id"] = 12;
  actual["contacts"][1]["name"] = "C";
  actual["contacts"].push_back({{"id", 13}, {"name", "A"}});
  std::vector<std::string> diff = CompareStates(expected, actual, t, o, false);
  EXPECT_THAT(diff, ElementsAre(HasSubstr("3 records, expected 2"),
                                HasSubstr("contacts 11.sales_account_id"),
                                HasSubstr("contacts 12.name"),
                                HasSubstr("contacts 13: not in the expected")));
}

TEST(CompareStates, LiveOnlyLeavesSoftDeletedRecordsOutAndFindsMissing) {
  Json before = {{"persons", {{{"id", 1}, {"name", "A"}}}}};
  Json after = {{"persons",
                 {{{"id", 1}, {"name", "A"}},
                  {{"id", 2}, {"name", "B"}, {"active_flag", false}}}}};
  EXPECT_THAT(CompareStates(before, after, {}, {}, true), IsEmpty());
  EXPECT_THAT(CompareStates(before, after, {}, {}, false),
              ElementsAre(HasSubstr("2 records, expected 1"),
                          HasSubstr("persons 2: not in the expected")));
  EXPECT_THAT(CompareStates(after, before, {}, {}, false),
              ElementsAre(HasSubstr("1 records, expected 2"),
                          HasSubstr("persons 2: expected, missing")));
}

TEST(Translation, NamesLostAndExtraKeysAndSplitsCompositeIds) {
  std::vector<std::string> problems;
  auto t = Translation({{"note|n|1", "c1/n1"}, {"contact|p|1", "c1"}},
                       {{"note|n|1", "c9/n9"}, {"task|t|1", "x"}}, &problems);
  EXPECT_EQ(t["c9/n9"], "c1/n1");
  EXPECT_EQ(t["c9"], "c1");
  EXPECT_EQ(t["n9"], "n1");
  EXPECT_THAT(problems, ElementsAre(HasSubstr("task|t|1: written by the chaos"),
                                    HasSubstr("contact|p|1: written by the "
                                              "reference, lost")));
}

TEST(CompareStates, MatchesRecordsWithoutAnIdMapByContent) {
  // Relations made in another order get other ids; their ends translate.
  Json expected = {
      {"relations",
       {{{"id", "r1"}, {"firstRecordId", "1"}, {"secondRecordId", "7"}},
        {{"id", "r2"}, {"firstRecordId", "2"}, {"secondRecordId", "7"}}}}};
  Json actual = {
      {"relations",
       {{{"id", "r1"}, {"firstRecordId", "12"}, {"secondRecordId", "17"}},
        {{"id", "r2"}, {"firstRecordId", "11"}, {"secondRecordId", "17"}}}}};
  std::map<std::string, std::string> t = {
      {"11", "1"}, {"12", "2"}, {"17", "7"}};
  CompareOptions o;
  EXPECT_THAT(CompareStates(expected, actual, t, o, false), Not(IsEmpty()));
  o.matched_by_content = {"relations"};
  EXPECT_THAT(CompareStates(expected, actual, t, o, false), IsEmpty());
  // A relation the chaos run lost is still found missing.
  actual["relations"].erase(1);
  EXPECT_THAT(CompareStates(expected, actual, t, o, false),
              Contains(HasSubstr("1 records, expected 2")));
}

}  // namespace
}  // namespace bridgework::chaos
