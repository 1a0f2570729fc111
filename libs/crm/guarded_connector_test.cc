// GuardResponses: a response of an unexpected shape is an ambiguous
// UNAVAILABLE, never an exception ending the process (fuzz/regressions/
// highlevel/create-id-of-null was such a body).
#include "libs/crm/guarded_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "libs/crm/connector_registry.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A HighLevel connector, made as the loader makes it, whose CRM answers
// every request with `body`.
std::unique_ptr<CrmConnector> HighLevelAnswering(std::string body) {
  ConnectorConfig c;
  c.crm = "highlevel";
  c.base_url = "http://hl.test";
  c.token = "secret-token";
  c.plan = "unlimited";
  c.location_id = "loc1";
  auto connector = MakeConnector(
      c,
      std::make_unique<FakeHttpClient>(
          [body](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
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

}  // namespace
}  // namespace bridgework::crm
