// The HighLevel connector's wire details against a FakeHttpClient. The
// whole object matrix runs against the emulator in
// tests/conformance/highlevel_profile.cc.
#include "libs/crm/highlevel_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using ::testing::HasSubstr;

bool Has(const std::vector<std::string>& headers, const std::string& h) {
  return std::find(headers.begin(), headers.end(), h) != headers.end();
}

struct Fixture {
  FakeHttpClient* http = nullptr;
  std::unique_ptr<CrmConnector> connector;
};

Fixture Make(FakeHttpClient::Handler handler, std::string company = "cmp1") {
  Fixture f;
  auto http = std::make_unique<FakeHttpClient>(std::move(handler));
  f.http = http.get();
  HighLevelConfig c;
  c.base_url = "http://hl.test";
  c.token = "secret-token";
  c.location_id = "loc1";
  c.company_id = std::move(company);
  f.connector = MakeHighLevelConnector(
      c, std::move(http), [] { return std::chrono::steady_clock::now(); },
      [](std::chrono::milliseconds) {});
  return f;
}

TEST(HighLevelConnectorTest, OwnerOfReadsEachObjectsAssignee) {
  Fixture f = Make([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return HttpResponse{500, {}, "{}"};
  });
  using nlohmann::json;
  EXPECT_EQ(f.connector->OwnerOf("contact", {{"assignedTo", "u1"}}), "u1");
  EXPECT_EQ(f.connector->OwnerOf("opportunity", json::object()), "");
  EXPECT_EQ(f.connector->OwnerOf("task", {{"assignedTo", "u2"}}), "u2");
  EXPECT_EQ(f.connector->OwnerOf("appointment", {{"assignedUserId", "u3"}}),
            "u3");
  EXPECT_EQ(f.connector->OwnerOf("note", {{"userId", "u4"}}), "u4");
  EXPECT_EQ(f.connector->OwnerOf("custom_object:treatment",
                                 {{"owner", json::array({"u5"})}}),
            "u5");
  EXPECT_EQ(f.connector->OwnerOf("custom_object:treatment",
                                 {{"owner", json::array()}}),
            "");
  EXPECT_EQ(f.connector->OwnerOf("business", json::object()), std::nullopt);
  EXPECT_EQ(f.connector->OwnerOf("media", json::object()), std::nullopt);
  EXPECT_TRUE(f.http->requests.empty());
}

TEST(HighLevelConnectorTest, EveryCallCarriesBearerAndTheOperationsVersion) {
  Fixture f = Make([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.url.find("/calendars/") != std::string::npos) {
      return HttpResponse{
          200, {}, R"({"calendars":[{"id":"cal1","name":"A"}],"id":"apt1"})"};
    }
    return HttpResponse{200, {}, R"({"users":[]})"};
  });
  ASSERT_TRUE(f.connector->ListUsers().ok());
  v1::TargetRecord t;
  t.set_target_object("appointment");
  (*t.mutable_fields())["startTime"] =
      record::StringValue("2026-03-02T09:30:00-06:00");
  ResolvedRecord rr;
  rr.record = &t;
  rr.lookup_ids["contactId"] = {"con1"};
  auto id = f.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "apt1");
  ASSERT_EQ(f.http->requests.size(), 3u);
  for (const HttpRequest& r : f.http->requests) {
    EXPECT_TRUE(Has(r.headers, "Authorization: Bearer secret-token"));
  }
  EXPECT_TRUE(Has(f.http->requests[0].headers, "Version: 2021-07-28"));
  EXPECT_THAT(f.http->requests[0].url,
              HasSubstr("/users/search?companyId=cmp1&locationId=loc1"));
  // Calendars: their own version, the location's calendar, the original
  // start, and no free-slot check for a booked history.
  EXPECT_TRUE(Has(f.http->requests[1].headers, "Version: 2021-04-15"));
  EXPECT_TRUE(Has(f.http->requests[2].headers, "Version: 2021-04-15"));
  auto body = nlohmann::json::parse(f.http->requests[2].body);
  EXPECT_EQ(body["calendarId"], "cal1");
  EXPECT_EQ(body["locationId"], "loc1");
  EXPECT_EQ(body["contactId"], "con1");
  EXPECT_EQ(body["startTime"], "2026-03-02T09:30:00-06:00");
  EXPECT_EQ(body["ignoreFreeSlotValidation"], true);
}

TEST(HighLevelConnectorTest, WithoutTheAgencyUsersComeFromTheLocation) {
  Fixture f = Make(
      [](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
        return HttpResponse{
            200,
            {},
            R"({"users":[{"id":"u1","email":"a@x.example","name":"A"}]})"};
      },
      /*company=*/"");
  auto users = f.connector->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].email, "a@x.example");
  EXPECT_THAT(f.http->requests[0].url, HasSubstr("/users/?locationId=loc1"));
}

TEST(HighLevelConnectorTest, DuplicateRefusalNamesTheMatchingContactNotValues) {
  Fixture f = Make([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return HttpResponse{
        400,
        {},
        R"({"statusCode":400,"message":"This location does not allow duplicated contacts.","error":"Bad Request","meta":{"contactId":"con7","matchingField":"email"}})"};
  });
  v1::TargetRecord t;
  t.set_target_object("contact");
  (*t.mutable_fields())["email"] = record::StringValue("ana@mail.example");
  ResolvedRecord rr;
  rr.record = &t;
  auto id = f.connector->Create(rr);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(id.status().message()),
              HasSubstr("matches contact con7 by email"));
  EXPECT_THAT(std::string(id.status().message()),
              ::testing::Not(HasSubstr("ana@mail.example")));
}

TEST(HighLevelConnectorTest, NotesAndTasksLiveUnderTheirContact) {
  Fixture f = Make([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "GET")
      return HttpResponse{
          404, {}, R"({"statusCode":404,"message":"Note not found"})"};
    return HttpResponse{201, {}, R"({"note":{"id":"n9"}})"};
  });
  v1::TargetRecord t;
  t.set_target_object("note");
  (*t.mutable_fields())["body"] = record::StringValue("Crown seated");
  ResolvedRecord rr;
  rr.record = &t;
  rr.owner_id = "u2";
  rr.lookup_ids["contactId"] = {"con1"};
  auto id = f.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "con1/n9");
  EXPECT_EQ(f.http->requests[0].url, "http://hl.test/contacts/con1/notes");
  EXPECT_EQ(nlohmann::json::parse(f.http->requests[0].body)["userId"], "u2");
  auto gone = f.connector->Get("note", *id);
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_FALSE(gone->has_value());
  EXPECT_EQ(f.http->requests[1].url, "http://hl.test/contacts/con1/notes/n9");
  EXPECT_FALSE(f.connector->Get("note", "no-slash").ok());
}

}  // namespace
}  // namespace bridgework::crm
