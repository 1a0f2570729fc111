#include "libs/crm/null_connector.h"

#include <set>

#include <gtest/gtest.h>

#include "libs/crm/connector_registry.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

v1::TargetRecord Contact(const std::string& key) {
  v1::TargetRecord t;
  t.set_target_object("contact");
  t.set_external_key_field("external_id");
  t.set_external_key("pbn:patient:" + key);
  (*t.mutable_fields())["last_name"] = record::StringValue("Núñez");
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Active");
  return t;
}

TEST(NullConnector, UsersComeFromTheUrlAndAreRequired) {
  ConnectorConfig c;
  c.crm = kNullCrm;
  c.base_url = "null:owner@x.example, dr@x.example";
  auto connector = MakeConnector(c, nullptr);
  ASSERT_TRUE(connector.ok()) << connector.status();
  auto users = (*connector)->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].id, "1");
  EXPECT_EQ((*users)[1].email, "dr@x.example");
  c.base_url = "null:";
  EXPECT_TRUE(absl::IsInvalidArgument(MakeConnector(c, nullptr).status()));
}

TEST(NullConnector, BodyIsFreshsalesShaped) {
  v1::TargetRecord t = Contact("1");
  ResolvedRecord rr{&t, "7", {{"sales_accounts", {"3"}}, {"cf_x", {"5"}}}};
  nlohmann::json body = NullRecordBody(rr);
  EXPECT_EQ(body["contact"]["last_name"], "Núñez");
  EXPECT_EQ(body["contact"]["owner_id"], 7);
  EXPECT_EQ(body["contact"]["custom_field"]["cf_patient_status"], "Active");
  EXPECT_EQ(body["contact"]["custom_field"]["cf_x"], 5);
  EXPECT_EQ(body["contact"]["sales_accounts"][0]["id"], 3);
}

TEST(NullConnector, WritesAnswerDistinctIdsAndCountRequests) {
  auto connector = MakeNullConnector("null:owner@x.example");
  ASSERT_TRUE(connector.ok());
  CrmConnector& c = **connector;
  std::vector<v1::TargetRecord> records;
  for (int i = 0; i < 150; ++i) records.push_back(Contact(std::to_string(i)));
  std::vector<ResolvedRecord> resolved;
  for (const auto& r : records) resolved.push_back({&r, "1", {}});
  ASSERT_TRUE(c.SupportsBulkUpsert("contact"));
  EXPECT_FALSE(c.SupportsBulkUpsert("note"));
  auto ids = c.BulkUpsert(resolved);
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 150u);
  std::set<std::string> distinct;
  for (const auto& id : *ids) distinct.insert(id.value());
  auto one = c.Create(resolved[0]);
  ASSERT_TRUE(one.ok());
  distinct.insert(*one);
  EXPECT_EQ(distinct.size(), 151u);
  // Two bulk bodies (100 + 50) and one create.
  EXPECT_EQ(c.requests(), 3);
  // The account keeps nothing.
  EXPECT_FALSE(c.Get("contact", *one)->has_value());
  EXPECT_FALSE(c.FindByExternalKey("contact", "external_id", "pbn:patient:1")
                   ->has_value());
}

}  // namespace
}  // namespace bridgework::crm
