// GuardResponses: a response of an unexpected shape is an ambiguous
// UNAVAILABLE, never an exception ending the process (fuzz/regressions/
// highlevel/create-id-of-null was such a body).
#include "libs/crm/guarded_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "libs/crm/connector_registry.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A HighLevel connector, made as the loader makes it, whose CRM answers
// every request with `body`.
// `urls`, when given, collects the URL of every request.
std::unique_ptr<CrmConnector> HighLevelAnswering(
    std::string body, std::vector<std::string>* urls = nullptr) {
  ConnectorConfig c;
  c.crm = "highlevel";
  c.base_url = "http://hl.test";
  c.token = "secret-token";
  c.plan = "unlimited";
  c.location_id = "loc1";
  auto connector = MakeConnector(
      c,
      std::make_unique<FakeHttpClient>(
          [body, urls](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
            if (urls != nullptr) urls->push_back(r.url);
            return HttpResponse{200, {}, body};
          }),
      [] { return std::chrono::steady_clock::now(); },
      [](std::chrono::milliseconds) {});
  EXPECT_TRUE(connector.ok()) << connector.status();
  return *std::move(connector);
}

ResolvedRecord Business(v1::TargetRecord& t) {
  t.set_target_object("business");
  (*t.mutable_fields())["name"] = record::StringValue("SmileBright");
  ResolvedRecord rr;
  rr.record = &t;
  return rr;
}

TEST(GuardedConnectorTest, AnIdOfAnotherTypeIsAmbiguousNotACrash) {
  // {"record": {"id": 5}}: HighLevel ids are strings; reading one as a
  // string throws.
  auto connector = HighLevelAnswering(R"({"record":{"id":5}})");
  v1::TargetRecord t;
  absl::StatusOr<std::string> id = connector->Create(Business(t));
  EXPECT_TRUE(absl::IsUnavailable(id.status())) << id.status();
  EXPECT_THAT(std::string(id.status().message()),
              StartsWith("ambiguous: highlevel"));
  EXPECT_THAT(std::string(id.status().message()),
              HasSubstr("(Create: json error 302)"));
}

TEST(GuardedConnectorTest, ACreateAnsweredWithoutAnIdIsAmbiguous) {
  auto connector = HighLevelAnswering(R"({"record":{}})");
  v1::TargetRecord t;
  absl::StatusOr<std::string> id = connector->Create(Business(t));
  EXPECT_TRUE(absl::IsUnavailable(id.status())) << id.status();
  EXPECT_EQ(id.status().message(),
            "ambiguous: highlevel answered Create of business without the "
            "record's id");
}

TEST(GuardedConnectorTest, AWellFormedAnswerPassesThrough) {
  auto connector = HighLevelAnswering(R"({"record":{"id":"b1"}})");
  v1::TargetRecord t;
  absl::StatusOr<std::string> id = connector->Create(Business(t));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "b1");
}

// The guard forwards the connector's own ways of finding a create's
// record: a keyless object (a HighLevel note) must not fall back to the
// base class's "searchable by external key" and whole-object listing (a
// miss there re-creates an applied create: the chaos harness's duplicate
// Pipedrive activities).
TEST(GuardedConnectorTest, FindingACreatesRecordIsTheConnectorsOwn) {
  std::vector<std::string> urls;
  auto connector = HighLevelAnswering(R"({"notes":[]})", &urls);
  EXPECT_FALSE(connector->FindsByExternalKey("note"));
  EXPECT_TRUE(connector->FindsByExternalKey("contact"));
  v1::TargetRecord t;
  t.set_target_object("note");
  (*t.mutable_fields())["body"] = record::StringValue("Allergy");
  ResolvedRecord rr;
  rr.record = &t;
  rr.lookup_ids["contactId"] = {"c1"};
  absl::StatusOr<std::vector<std::string>> found = connector->FindByContent(rr);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->empty());
  // The contact's notes, not a listing of the whole object.
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_THAT(urls[0], HasSubstr("/contacts/c1/notes"));
}

// An adopted contact's business join is sent again through the guard (the
// base class's CompleteCreate would send nothing).
TEST(GuardedConnectorTest, CompleteCreateIsForwarded) {
  std::vector<std::string> urls;
  auto connector = HighLevelAnswering(R"({"succeded":true})", &urls);
  v1::TargetRecord t;
  t.set_target_object("contact");
  ResolvedRecord rr;
  rr.record = &t;
  rr.lookup_ids["businessId"] = {"b1"};
  EXPECT_TRUE(connector->CompleteCreate(rr, "c1").ok());
  ASSERT_EQ(urls.size(), 1u);
  EXPECT_THAT(urls[0], HasSubstr("/contacts/bulk/business"));
}

}  // namespace
}  // namespace bridgework::crm
