#include "libs/crm/freshsales_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Harness {
  FakeHttpClient* http = nullptr;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<CrmConnector> connector;

  explicit Harness(FakeHttpClient::Handler handler) {
    auto fake = std::make_unique<FakeHttpClient>(std::move(handler));
    http = fake.get();
    FreshsalesConfig config{"http://crm.test/crm/sales/api", "secret", 3600000,
                            100};
    connector = MakeFreshsalesConnector(
        config, std::move(fake), SystemClock(),
        [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

HttpResponse Reply(int status, json body,
                   std::map<std::string, std::string> headers = {}) {
  return HttpResponse{status, std::move(headers), body.dump()};
}

v1::TargetRecord Contact() {
  v1::TargetRecord t;
  t.set_target_object("contact");
  (*t.mutable_fields())["last_name"] = record::StringValue("Núñez");
  (*t.mutable_fields())["external_id"] = record::StringValue("pbn:patient:1");
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Active");
  auto* l = t.add_lookups();
  l->set_target_field("sales_accounts");
  l->set_as_list(true);
  return t;
}

TEST(FreshsalesConnector, CreateWrapsBodyAndSendsAuth) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    return Reply(201, {{"contact", {{"id", 42}}}});
  });
  v1::TargetRecord t = Contact();
  ResolvedRecord rr{&t, "7", {{"sales_accounts", {"3"}}}};
  auto id = h.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "42");
  ASSERT_EQ(h.http->requests.size(), 1u);
  const HttpRequest& req = h.http->requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://crm.test/crm/sales/api/contacts");
  EXPECT_THAT(req.headers,
              ::testing::Contains("Authorization: Token token=secret"));
  json body = json::parse(req.body);
  EXPECT_EQ(body["contact"]["last_name"], "Núñez");
  EXPECT_EQ(body["contact"]["owner_id"], 7);
  EXPECT_EQ(body["contact"]["custom_field"]["cf_patient_status"], "Active");
  EXPECT_EQ(body["contact"]["sales_accounts"][0]["id"], 3);
  EXPECT_EQ(body["contact"]["sales_accounts"][0]["is_primary"], true);
}

TEST(FreshsalesConnector, RetriesAfter429WithRetryAfter) {
  int calls = 0;
  Harness h([&calls](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    if (++calls == 1) {
      return Reply(
          429,
          {{"errors", {{"code", 429}, {"message", {"Too many requests"}}}}},
          {{"retry-after", "2"}});
    }
    return Reply(201, {{"contact", {{"id", 1}}}});
  });
  v1::TargetRecord t = Contact();
  auto id = h.connector->Create(ResolvedRecord{&t, "", {}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(h.connector->requests(), 2);
  ASSERT_FALSE(h.sleeps.empty());
  EXPECT_GE(h.sleeps.back(), std::chrono::milliseconds(1999));
}

TEST(FreshsalesConnector, ValidationErrorCarriesCrmMessage) {
  Harness h([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(
        400,
        {{"errors", {{"code", 400}, {"message", {"Email is not unique"}}}}});
  });
  v1::TargetRecord t = Contact();
  auto id = h.connector->Create(ResolvedRecord{&t, "", {}});
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(id.status()));
  EXPECT_THAT(std::string(id.status().message()),
              HasSubstr("Email is not unique"));
}

TEST(FreshsalesConnector, AmbiguousCreateIsNotRetried) {
  Harness h([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return absl::UnavailableError("ambiguous: connection reset");
  });
  v1::TargetRecord t = Contact();
  auto id = h.connector->Create(ResolvedRecord{&t, "", {}});
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("ambiguous"));
  EXPECT_EQ(h.http->requests.size(), 1u);
}

TEST(FreshsalesConnector, GetOf404IsEmptyAndLookupFindsExternalKey) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.url.find("/lookup") != std::string::npos) {
      return Reply(
          200,
          {{"contacts",
            {{"contacts", {{{"id", 9}, {"external_id", "pbn:patient:1"}}}}}}});
    }
    return Reply(
        404, {{"errors", {{"code", 404}, {"message", {"Record not found"}}}}});
  });
  auto got = h.connector->Get("contact", "5");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  auto found =
      h.connector->FindByExternalKey("contact", "external_id", "pbn:patient:1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->value_or(""), "9");
  EXPECT_THAT(h.http->requests.back().url,
              HasSubstr("q=pbn%3Apatient%3A1&f=external_id"));
}

}  // namespace
}  // namespace bridgework::crm
