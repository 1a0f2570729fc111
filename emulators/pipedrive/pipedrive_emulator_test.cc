#include "emulators/pipedrive/pipedrive_emulator.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulators/common/traffic_log.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "test-token";
constexpr int64_t kOwner = 14000001;

struct Response {
  int status = 0;
  Json body;
  std::string raw;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

enum class Auth { kHeader, kQuery, kBearer, kNone };

class PipedriveEmulatorTest : public ::testing::Test {
 protected:
  // Starts the emulator on a free port with a fake clock at
  // 2026-11-23T10:00:00Z. Limits are lifted unless the options set them
  // (`search_limit`: keep the search limit of 10).
  void Start(PipedriveOptions o = {}, bool search_limit = false) {
    if (o.token.empty()) o.token = kToken;
    if (!search_limit) o.search_burst_limit = 1000000;
    if (!o.burst_limit) o.burst_limit = 1000000;
    if (!o.daily_budget) o.daily_budget = 1000000000;
    o.clock = [this] { return absl::FromUnixMicros(now_us_.load()); };
    o.random_seed = 7;
    auto created = PipedriveEmulator::Create(std::move(o));
    ASSERT_TRUE(created.ok()) << created.status();
    emulator_ = *std::move(created);
    emulator_->Register(server_);
    // BRIDGEWORK_TRAFFIC_LOG records this suite's exchanges for the OpenAPI
    // conformance check (tests/conformance/openapi).
    if (const char* log = std::getenv("BRIDGEWORK_TRAFFIC_LOG")) {
      auto traffic = TrafficLog::Open(log);
      ASSERT_TRUE(traffic.ok()) << traffic.status();
      traffic_ = *std::move(traffic);
      traffic_->Attach(server_);
    }
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Advance(absl::Duration d) { now_us_ += absl::ToInt64Microseconds(d); }

  static Response Convert(const httplib::Result& r) {
    Response out;
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.body = Json::parse(r->body, nullptr, false);
    out.headers = r->headers;
    return out;
  }

  // An API call on `path` (with its /api/v2 or /v1 prefix). `body` is sent
  // as JSON unless null.
  Response Call(const std::string& method, std::string path,
                const Json& body = Json(), Auth auth = Auth::kHeader,
                const std::string& token = kToken) {
    httplib::Headers h;
    if (auth == Auth::kHeader) h.emplace("x-api-token", token);
    if (auth == Auth::kBearer) h.emplace("Authorization", "Bearer " + token);
    if (auth == Auth::kQuery) {
      path += (path.find('?') == std::string::npos ? "?" : "&") +
              std::string("api_token=") + token;
    }
    std::string payload = body.is_null() ? "" : body.dump();
    httplib::Result r =
        method == "GET" ? client_->Get(path.c_str(), h)
        : method == "DELETE"
            ? client_->Delete(path.c_str(), h, payload, "application/json")
        : method == "PUT"
            ? client_->Put(path.c_str(), h, payload, "application/json")
        : method == "PATCH"
            ? client_->Patch(path.c_str(), h, payload, "application/json")
            : client_->Post(path.c_str(), h, payload, "application/json");
    EXPECT_TRUE(r) << method << " " << path;
    return Convert(r);
  }

  Json Operator(const std::string& method, const std::string& name,
                const Json& body = Json::object(), int want = 200) {
    std::string p = "/__sandbox/" + name;
    httplib::Result r = method == "GET" ? client_->Get(p.c_str())
                                        : client_->Post(p.c_str(), body.dump(),
                                                        "application/json");
    EXPECT_TRUE(r);
    if (!r) return Json();
    EXPECT_EQ(r->status, want) << name << ": " << r->body;
    return Json::parse(r->body, nullptr, false);
  }

  // Creates a v2 record and returns its id.
  int64_t Create(const std::string& collection, const Json& body) {
    Response r = Call("POST", "/api/v2/" + collection, body);
    EXPECT_TRUE(r.status == 200 || r.status == 201)
        << collection << ": " << r.body.dump();
    return r.body["data"].value("id", int64_t{0});
  }

  // Creates a custom field and returns its key.
  std::string CreateField(const std::string& entity, const Json& body) {
    Response r = Call("POST", "/api/v2/" + entity + "Fields", body);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body["data"].value("field_code", "");
  }

  static void ExpectError(const Response& r, int status,
                          const std::string& contains) {
    EXPECT_EQ(r.status, status) << r.body.dump();
    EXPECT_EQ(r.body["success"], false) << r.body.dump();
    EXPECT_TRUE(r.body.contains("error_info")) << r.body.dump();
    EXPECT_TRUE(r.body["data"].is_null()) << r.body.dump();
    EXPECT_TRUE(r.body["additional_data"].is_null()) << r.body.dump();
    EXPECT_THAT(r.body.value("error", ""), HasSubstr(contains));
  }

  std::atomic<int64_t> now_us_{absl::ToUnixMicros(absl::FromCivil(
      absl::CivilSecond(2026, 11, 23, 10), absl::UTCTimeZone()))};
  httplib::Server server_;
  std::unique_ptr<PipedriveEmulator> emulator_;
  std::unique_ptr<TrafficLog> traffic_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

const std::regex kV2Time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
const std::regex kV1Time(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)");
const std::regex kUuid(
    R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})");

// --- auth and envelopes ----------------------------------------------------

// Issue 8: an applied write answered 502 (applied_error) is applied; a
// reset applies nothing; operator routes are never faulted.
TEST_F(PipedriveEmulatorTest, FaultsHitApiCallsOnlyAndAreCounted) {
  Start();
  Operator("POST", "faults",
           {{"rates", {{"applied_error", 1}}}, {"error_codes", {502}}});
  Response applied = Call("POST", "/api/v2/persons", {{"name", "A"}});
  EXPECT_EQ(applied.status, 502);
  EXPECT_EQ(applied.body["success"], false);
  EXPECT_EQ(Operator("GET", "state")["persons"].size(), 1u) << "applied";
  Operator("POST", "faults", {{"rates", {{"applied_error", 0}, {"reset", 1}}}});
  httplib::Headers h = {{"x-api-token", kToken}};
  auto reset = client_->Post("/api/v2/persons", h, Json{{"name", "B"}}.dump(),
                             "application/json");
  EXPECT_FALSE(reset);
  EXPECT_EQ(Operator("GET", "state")["persons"].size(), 1u) << "not applied";
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["faults"]["injected"]["applied_error"], 1);
  EXPECT_EQ(stats["faults"]["injected"]["reset"], 1);
}

TEST_F(PipedriveEmulatorTest, AcceptsHeaderQueryAndBearerTokens) {
  Start();
  for (Auth a : {Auth::kHeader, Auth::kQuery, Auth::kBearer}) {
    Response r = Call("GET", "/api/v2/persons", Json(), a);
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["success"], true);
  }
  Response none = Call("GET", "/api/v2/persons", Json(), Auth::kNone);
  ExpectError(none, 401, "unauthorized access");
  EXPECT_EQ(none.body["errorCode"], 401);
  ExpectError(Call("GET", "/v1/users/me", Json(), Auth::kHeader, "wrong"), 401,
              "unauthorized");
  ExpectError(
      Call("POST", "/api/v2/persons", {{"name", "X"}}, Auth::kQuery, "wrong"),
      401, "unauthorized");
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["GET /api/v2/persons"]["401"], 1);
  EXPECT_EQ(stats["requests"]["GET /api/v2/persons"]["200"], 3);
  EXPECT_EQ(stats["tokens_used"], 30) << "3 lists at 10; 401s cost nothing";
}

TEST_F(PipedriveEmulatorTest, UsersOwnTokensIdentifyThem) {
  PipedriveOptions o;
  o.users =
      Json::array({{{"id", 1}, {"name", "Admin"}, {"email", "admin@x.example"}},
                   {{"id", 2},
                    {"name", "Dr Lee"},
                    {"email", "lee@x.example"},
                    {"api_token", "lee-token"}},
                   {{"id", 3},
                    {"name", "Gone"},
                    {"email", "gone@x.example"},
                    {"active_flag", false},
                    {"api_token", "gone-token"}}});
  Start(o);
  Response me = Call("GET", "/v1/users/me", Json(), Auth::kHeader, "lee-token");
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["data"]["id"], 2);
  EXPECT_EQ(me.body["data"]["is_you"], true);
  EXPECT_EQ(
      Call("GET", "/v1/users/me", Json(), Auth::kHeader, "gone-token").status,
      401)
      << "an inactive user's token";
  int64_t id = Create("persons", {{"name", "Pat"}});
  EXPECT_EQ(Call("GET", "/api/v2/persons/" + std::to_string(id))
                .body["data"]["owner_id"],
            1);
  Response by_lee = Call("POST", "/api/v2/persons", {{"name", "Q"}},
                         Auth::kHeader, "lee-token");
  EXPECT_EQ(by_lee.body["data"]["owner_id"], 2) << "owner defaults to caller";
}

TEST_F(PipedriveEmulatorTest, UnknownEndpointAndUnknownIdAre404) {
  Start();
  Response unknown = Call("GET", "/api/v2/nothing");
  ExpectError(unknown, 404, "Unknown method");
  Response missing = Call("GET", "/api/v2/persons/2999999");
  ExpectError(missing, 404, "Entity was not found");
  ExpectError(Call("PATCH", "/api/v2/deals/77", {{"title", "x"}}), 404,
              "Entity was not found");
  ExpectError(Call("DELETE", "/api/v2/organizations/5"), 404, "not found");
  ExpectError(Call("GET", "/v1/notes/12"), 404, "not found");
  ExpectError(Call("GET", "/v1/leads/not-a-uuid"), 404, "not found");
  ExpectError(Call("GET", "/v1/users/99"), 404, "not found");
  ExpectError(Call("GET", "/api/v2/personFields/" + std::string(40, 'a')), 404,
              "not found");
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["GET /api/v2/persons/{id}"]["404"], 1);
  EXPECT_EQ(stats["requests"]["GET /api/v2/nothing"]["404"], 1);
}

// --- v2 records ------------------------------------------------------------

TEST_F(PipedriveEmulatorTest, PersonLifecycleWithSoftDelete) {
  Start();
  int64_t org = Create("organizations", {{"name", "Smile Dental"}});
  Response created = Call("POST", "/api/v2/persons",
                          {{"name", "Ana María Núñez"},
                           {"org_id", org},
                           {"emails",
                            {{{"value", "ana@x.example"}, {"label", "home"}},
                             {{"value", "ana2@x.example"}, {"primary", true}}}},
                           {"phones", {{{"value", "+15125550100"}}}},
                           {"birthday", "1980-02-29"},
                           {"add_time", "2020-01-02T03:04:05Z"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  const Json& p = created.body["data"];
  int64_t id = p["id"];
  EXPECT_GE(id, 2000001);
  EXPECT_EQ(p["first_name"], "Ana");
  EXPECT_EQ(p["last_name"], "María Núñez");
  EXPECT_EQ(p["owner_id"], kOwner);
  EXPECT_EQ(p["org_id"], org);
  EXPECT_EQ(p["visible_to"], 3);
  EXPECT_EQ(p["is_deleted"], false);
  EXPECT_EQ(p["add_time"], "2020-01-02T03:04:05Z");
  EXPECT_TRUE(std::regex_match(p["update_time"].get<std::string>(), kV2Time));
  EXPECT_EQ(p["emails"][0]["primary"], false);
  EXPECT_EQ(p["emails"][1]["primary"], true) << "the one marked primary";
  EXPECT_EQ(p["phones"][0]["primary"], true) << "the first if none is";
  EXPECT_EQ(p["custom_fields"], Json::object());
  EXPECT_FALSE(p.contains("picture_id")) << "unset, not null";

  std::string path = "/api/v2/persons/" + std::to_string(id);
  Advance(absl::Minutes(5));
  Response patched =
      Call("PATCH", path, {{"name", "Ana Silva"}, {"org_id", nullptr}});
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["data"]["last_name"], "Silva");
  EXPECT_FALSE(patched.body["data"].contains("org_id")) << "cleared";
  EXPECT_NE(patched.body["data"]["update_time"], p["update_time"]);
  EXPECT_EQ(patched.body["data"]["emails"], p["emails"]) << "untouched";

  Response deleted = Call("DELETE", path);
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(deleted.body, Json::parse(R"({"success":true,"data":{"id":)" +
                                      std::to_string(id) + "}}"));
  // Within the 30 days a deleted record still reads, marked deleted.
  Response gone = Call("GET", path);
  ASSERT_EQ(gone.status, 200);
  EXPECT_EQ(gone.body["data"]["is_deleted"], true);
  EXPECT_TRUE(Call("GET", "/api/v2/persons").body["data"].empty());
  ExpectError(Call("PATCH", path, {{"name", "X"}}), 404, "not found");
  ExpectError(Call("DELETE", path), 404, "not found");
  ExpectError(
      Call("POST", "/api/v2/deals", {{"title", "Cleaning"}, {"person_id", id}}),
      400, "person_id");
  Json state = Operator("GET", "state");
  ASSERT_EQ(state["persons"].size(), 1u);
  EXPECT_EQ(state["persons"][0]["is_deleted"], true);
  // After 30 days it is gone for good.
  Advance(absl::Hours(24 * 30));
  ExpectError(Call("GET", path), 404, "not found");
  EXPECT_TRUE(Operator("GET", "state")["persons"].empty());
}

TEST_F(PipedriveEmulatorTest, ValidationNamesTheFieldNeverTheValue) {
  Start();
  ExpectError(Call("POST", "/api/v2/persons", {{"owner_id", kOwner}}), 400,
              "name: required");
  ExpectError(Call("POST", "/api/v2/persons", {{"name", "  "}}), 400,
              "name: required");
  ExpectError(Call("POST", "/api/v2/deals", {{"value", 10}}), 400,
              "title: required");
  Response owner =
      Call("POST", "/api/v2/persons", {{"name", "Ana"}, {"owner_id", 424242}});
  ExpectError(owner, 400, "owner_id");
  EXPECT_THAT(owner.raw, Not(HasSubstr("424242")));
  ExpectError(Call("POST", "/api/v2/persons", {{"name", "Ana"}, {"org_id", 9}}),
              400, "org_id: the organization does not exist");
  Response email = Call("POST", "/api/v2/persons",
                        {{"name", "Ana"}, {"emails", "secret@x.example"}});
  ExpectError(email, 400, "emails");
  EXPECT_THAT(email.raw, Not(HasSubstr("secret@x.example")));
  Response unknown =
      Call("POST", "/api/v2/persons", {{"name", "Ana"}, {"nickname", "Zed"}});
  ExpectError(unknown, 400, "nickname: unknown attribute");
  Response value_key = Call("POST", "/api/v2/persons",
                            {{"name", "Ana"}, {"ana@x.example", "1"}});
  ExpectError(value_key, 400, "unknown attribute");
  EXPECT_THAT(value_key.raw, Not(HasSubstr("ana@x.example")))
      << "a key that looks like a value is not echoed";
  ExpectError(
      Call("POST", "/api/v2/persons", {{"name", "A"}, {"visible_to", 2}}), 400,
      "visible_to");
  ExpectError(Call("POST", "/api/v2/persons",
                   {{"name", "A"}, {"birthday", "1980-02-30"}}),
              400, "birthday");
  ExpectError(Call("POST", "/api/v2/persons", Json::array({1})), 400,
              "JSON object");
  Response not_json =
      Convert(client_->Post("/api/v2/persons", {{"x-api-token", kToken}},
                            "{nope", "application/json"));
  ExpectError(not_json, 400, "not valid JSON");
  ExpectError(Call("POST", "/api/v2/activities", {{"project_id", 4}}), 400,
              "project_id");
  ExpectError(Call("POST", "/api/v2/activities", {{"type", "séance"}}), 400,
              "type");
}

TEST_F(PipedriveEmulatorTest, DealsLandInAPipelineStage) {
  Start();
  int64_t person = Create("persons", {{"name", "Ana"}});
  int64_t org = Create("organizations", {{"name", "Smile"}});
  Response deal = Call("POST", "/api/v2/deals",
                       {{"title", "Implant"},
                        {"person_id", person},
                        {"org_id", org},
                        {"value", 1250.5},
                        {"expected_close_date", "2027-01-15"}});
  ASSERT_EQ(deal.status, 200) << deal.raw;
  const Json& d = deal.body["data"];
  EXPECT_EQ(d["pipeline_id"], 1) << "the default pipeline";
  EXPECT_EQ(d["stage_id"], 1) << "its first stage";
  EXPECT_EQ(d["status"], "open");
  EXPECT_EQ(d["currency"], "USD");
  EXPECT_EQ(d["origin"], "API");
  EXPECT_TRUE(d["probability"].is_null()) << "nullable in the spec";
  EXPECT_TRUE(d["close_time"].is_null());
  EXPECT_FALSE(d.contains("won_time"));

  Create("persons", {{"name", "Someone else"}});
  Response of_deal = Call("GET", "/api/v2/persons?deal_id=" +
                                     std::to_string(d["id"].get<int64_t>()));
  ASSERT_EQ(of_deal.body["data"].size(), 1u);
  EXPECT_EQ(of_deal.body["data"][0]["id"], person);
  EXPECT_EQ(Call("GET", "/api/v2/deals?person_id=" + std::to_string(person))
                .body["data"]
                .size(),
            1u);
  ExpectError(Call("GET", "/api/v2/deals?filter_id=3"), 400, "filter_id");

  int64_t pipeline = Create("pipelines", {{"name", "Ortho"}});
  ExpectError(Call("POST", "/api/v2/deals",
                   {{"title", "X"}, {"pipeline_id", pipeline}}),
              400, "pipeline_id: the pipeline has no stages");
  ExpectError(Call("POST", "/api/v2/stages", {{"name", "No pipeline"}}), 400,
              "pipeline_id: required");
  int64_t consult =
      Create("stages", {{"name", "Consult"}, {"pipeline_id", pipeline}});
  int64_t start =
      Create("stages", {{"name", "Start"}, {"pipeline_id", pipeline}});
  Response stages =
      Call("GET", "/api/v2/stages?pipeline_id=" + std::to_string(pipeline));
  ASSERT_EQ(stages.body["data"].size(), 2u);
  EXPECT_EQ(stages.body["data"][0]["order_nr"], 1);
  EXPECT_EQ(stages.body["data"][1]["order_nr"], 2);
  EXPECT_EQ(Call("GET", "/api/v2/stages").body["data"].size(), 7u);
  ExpectError(Call("POST", "/api/v2/deals",
                   {{"title", "X"}, {"pipeline_id", 1}, {"stage_id", start}}),
              400, "stage_id");

  std::string path = "/api/v2/deals/" + std::to_string(d["id"].get<int64_t>());
  Advance(absl::Hours(1));
  Response moved = Call("PATCH", path, {{"pipeline_id", pipeline}});
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["data"]["stage_id"], consult);
  EXPECT_TRUE(moved.body["data"].contains("stage_change_time"));
  Response won = Call("PATCH", path, {{"status", "won"}});
  EXPECT_EQ(won.body["data"]["status"], "won");
  EXPECT_TRUE(std::regex_match(won.body["data"]["won_time"].get<std::string>(),
                               kV2Time));
  EXPECT_EQ(won.body["data"]["close_time"], won.body["data"]["won_time"]);
  ExpectError(Call("PATCH", path, {{"status", "paused"}}), 400, "status");
  ExpectError(Call("PATCH", path, {{"status", nullptr}}), 400,
              "status: cannot be null");
  ExpectError(Call("PATCH", path, {{"value", nullptr}}), 400, "value");
  EXPECT_TRUE(Call("PATCH", path, {{"probability", nullptr}})
                  .body["data"]["probability"]
                  .is_null());

  // The stage deleted: deals cannot go there, lists leave it out.
  EXPECT_EQ(Call("DELETE", "/api/v2/stages/" + std::to_string(start)).status,
            200);
  ExpectError(Call("PATCH", path, {{"stage_id", start}}), 400, "stage_id");
  EXPECT_EQ(
      Call("GET", "/api/v2/stages?pipeline_id=" + std::to_string(pipeline))
          .body["data"]
          .size(),
      1u);
  Response deleted_list = Call("GET", "/api/v2/deals?status=deleted");
  EXPECT_TRUE(deleted_list.body["data"].empty());
  Call("DELETE", path);
  EXPECT_EQ(Call("GET", "/api/v2/deals?status=deleted").body["data"].size(),
            1u);
  EXPECT_TRUE(Call("GET", "/api/v2/deals").body["data"].empty());
}

TEST_F(PipedriveEmulatorTest, ActivitiesAndActivityTypes) {
  Start();
  int64_t person = Create("persons", {{"name", "Ana"}});
  Response types = Call("GET", "/v1/activityTypes");
  ASSERT_EQ(types.status, 200);
  std::set<std::string> keys;
  for (const auto& t : types.body["data"]) keys.insert(t["key_string"]);
  EXPECT_TRUE(keys.count("call") && keys.count("meeting") &&
              keys.count("task"));
  Response custom = Call("POST", "/v1/activityTypes",
                         {{"name", "Dental Visit"}, {"icon_key", "calendar"}});
  ASSERT_EQ(custom.status, 200) << custom.raw;
  EXPECT_EQ(custom.body["data"]["key_string"], "dental_visit");
  EXPECT_EQ(custom.body["data"]["is_custom_flag"], true);
  EXPECT_TRUE(std::regex_match(
      custom.body["data"]["add_time"].get<std::string>(), kV2Time))
      << "the spec declares date-time";
  ExpectError(Call("POST", "/v1/activityTypes",
                   {{"name", "X"}, {"icon_key", "rocket"}}),
              400, "icon_key");
  Response recolored =
      Call("PUT",
           "/v1/activityTypes/" +
               std::to_string(custom.body["data"]["id"].get<int64_t>()),
           {{"color", "00AA00"}});
  EXPECT_EQ(recolored.body["data"]["color"], "00AA00");
  EXPECT_EQ(recolored.body["data"]["key_string"], "dental_visit");

  Response a = Call("POST", "/api/v2/activities",
                    {{"type", "dental_visit"},
                     {"person_id", person},
                     {"due_date", "2026-12-01"},
                     {"due_time", "09:30"},
                     {"duration", "00:45"},
                     {"note", "Bring x-rays"}});
  ASSERT_EQ(a.status, 200) << a.raw;
  const Json& act = a.body["data"];
  EXPECT_EQ(act["subject"], "Dental Visit") << "defaults to the type's name";
  EXPECT_EQ(act["creator_user_id"], kOwner);
  EXPECT_EQ(act["participants"],
            Json::parse(R"([{"person_id":)" + std::to_string(person) +
                        R"(,"primary":true}])"));
  EXPECT_EQ(act["done"], false);
  EXPECT_FALSE(act.contains("marked_as_done_time"));
  std::string path =
      "/api/v2/activities/" + std::to_string(act["id"].get<int64_t>());
  Response done = Call("PATCH", path, {{"done", true}});
  EXPECT_TRUE(done.body["data"].contains("marked_as_done_time"));
  ExpectError(Call("PATCH", path, {{"due_time", "25:00"}}), 400, "due_time");
  EXPECT_EQ(Call("GET", "/api/v2/activities?done=true").body["data"].size(),
            1u);
  EXPECT_EQ(Call("GET", "/api/v2/activities?done=false").body["data"].size(),
            0u);
  // A deleted type can no longer be used.
  int64_t type_id = custom.body["data"]["id"];
  EXPECT_EQ(Call("DELETE", "/v1/activityTypes/" + std::to_string(type_id))
                .body["data"]["active_flag"],
            false);
  ExpectError(Call("POST", "/api/v2/activities", {{"type", "dental_visit"}}),
              400, "type");
}

TEST_F(PipedriveEmulatorTest, ProductsAnswer201AndCarryPrices) {
  Start();
  Response p = Call("POST", "/api/v2/products",
                    {{"name", "Whitening kit"},
                     {"code", "WK-1"},
                     {"prices", {{{"price", 99.5}, {"currency", "USD"}}}}});
  ASSERT_EQ(p.status, 201) << p.raw;
  int64_t id = p.body["data"]["id"];
  EXPECT_GE(id, 5000001);
  EXPECT_EQ(p.body["data"]["prices"][0]["product_id"], id);
  EXPECT_EQ(p.body["data"]["billing_frequency"], "one-time");
  EXPECT_TRUE(p.body["data"]["category"].is_null());
  ExpectError(Call("POST", "/api/v2/products",
                   {{"name", "X"}, {"prices", {{{"price", "free"}}}}}),
              400, "prices");
  Response patched = Call("PATCH", "/api/v2/products/" + std::to_string(id),
                          {{"category", 3}});
  EXPECT_EQ(patched.status, 200);
  EXPECT_EQ(patched.body["data"]["category"], "3");
}

TEST_F(PipedriveEmulatorTest, EveryV2CollectionListsGetsPatchesAndDeletes) {
  Start();
  int64_t person = Create("persons", {{"name", "Ana"}});
  struct Case {
    std::string collection;
    Json create;
    Json patch;
  };
  std::vector<Case> cases = {
      {"organizations",
       {{"name", "Smile"}},
       {{"website", "https://x.example"}}},
      {"persons", {{"name", "Bo"}}, {{"job_title", "Hygienist"}}},
      {"deals", {{"title", "Crown"}}, {{"probability", 40}}},
      {"activities",
       {{"subject", "Call"}, {"person_id", person}},
       {{"busy", true}}},
      {"products", {{"name", "Floss"}}, {{"unit", "box"}}},
      {"pipelines",
       {{"name", "Ortho"}},
       {{"is_deal_probability_enabled", true}}},
      {"stages",
       {{"name", "Consult"}, {"pipeline_id", 1}},
       {{"deal_probability", 30}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.collection);
    int64_t id = Create(c.collection, c.create);
    ASSERT_GT(id, 0);
    std::string one = "/api/v2/" + c.collection + "/" + std::to_string(id);
    auto listed = [&] {
      Response list = Call("GET", "/api/v2/" + c.collection);
      for (const auto& r : list.body["data"]) {
        if (r["id"] == id) return true;
      }
      return false;
    };
    EXPECT_TRUE(listed());
    Response got = Call("GET", one);
    ASSERT_EQ(got.status, 200) << got.raw;
    EXPECT_EQ(got.body["data"]["is_deleted"], false);
    EXPECT_TRUE(std::regex_match(
        got.body["data"]["add_time"].get<std::string>(), kV2Time));
    Response patched = Call("PATCH", one, c.patch);
    ASSERT_EQ(patched.status, 200) << patched.raw;
    for (const auto& [k, v] : c.patch.items()) {
      EXPECT_EQ(patched.body["data"][k], v) << k;
    }
    Response deleted = Call("DELETE", one);
    ASSERT_EQ(deleted.status, 200) << deleted.raw;
    EXPECT_EQ(deleted.body["data"]["id"], id);
    EXPECT_EQ(Call("GET", one).body["data"]["is_deleted"], true);
    EXPECT_FALSE(listed());
  }
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["DELETE /api/v2/stages/{id}"]["200"], 1);
  // Per entity: create 5, two lists at 10, get 1, patch 5, delete 3,
  // get 1; pipelines and stages list at 5.
  EXPECT_EQ(stats["tokens_used"],
            5 + 5 * (5 + 20 + 1 + 5 + 3 + 1) + 2 * (5 + 10 + 1 + 5 + 3 + 1));
}

TEST_F(PipedriveEmulatorTest, EveryFieldsCollectionManagesCustomFields) {
  Start();
  for (const char* entity : {"person", "organization", "deal", "product"}) {
    SCOPED_TRACE(entity);
    std::string base = std::string("/api/v2/") + entity + "Fields";
    Response list = Call("GET", base + "?include_fields=ui_visibility");
    ASSERT_EQ(list.status, 200);
    EXPECT_GT(list.body["data"].size(), 5u);
    EXPECT_TRUE(list.body["data"][0].contains("ui_visibility"));
    EXPECT_TRUE(list.body["additional_data"]["next_cursor"].is_null());
    Response paged = Call("GET", base + "?limit=2");
    EXPECT_EQ(paged.body["data"].size(), 2u);
    EXPECT_TRUE(paged.body["additional_data"]["next_cursor"].is_string());
    std::string key = CreateField(entity, {{"field_name", "Level"},
                                           {"field_type", "set"},
                                           {"options", {{{"label", "A"}}}}});
    Response got = Call("GET", base + "/" + key);
    EXPECT_EQ(got.body["data"]["field_type"], "set");
    EXPECT_EQ(Call("PATCH", base + "/" + key, {{"field_name", "Tier"}})
                  .body["data"]["field_name"],
              "Tier");
    Response added = Call("POST", base + "/" + key + "/options",
                          Json::array({{{"label", "B"}}, {{"label", "C"}}}));
    ASSERT_EQ(added.body["data"].size(), 2u);
    Json b = added.body["data"][0];
    EXPECT_EQ(Call("PATCH", base + "/" + key + "/options",
                   Json::array({{{"id", b["id"]}, {"label", "Bee"}}}))
                  .status,
              200);
    EXPECT_EQ(Call("DELETE", base + "/" + key + "/options",
                   Json::array({{{"id", b["id"]}}}))
                  .body["data"][0]["label"],
              "Bee");
    EXPECT_EQ(Call("GET", base + "/" + key).body["data"]["options"].size(), 2u);
    Response removed = Call("DELETE", base + "/" + key);
    EXPECT_EQ(removed.status, 200);
    EXPECT_EQ(removed.body["data"]["is_custom_field"], true);
    ExpectError(Call("DELETE", base + "/" + key), 404, "not found");
  }
}

// --- v2 pagination -----------------------------------------------------------

TEST_F(PipedriveEmulatorTest, CursorPaginationWalksEveryRecordOnce) {
  Start();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(Create("persons", {{"name", "P" + std::to_string(i)}}));
    Advance(absl::Seconds(1));
  }
  std::vector<int64_t> seen;
  std::string cursor;
  int pages = 0;
  do {
    std::string path = "/api/v2/persons?limit=2";
    if (!cursor.empty()) path += "&cursor=" + cursor;
    Response r = Call("GET", path);
    ASSERT_EQ(r.status, 200) << r.raw;
    for (const auto& p : r.body["data"]) seen.push_back(p["id"]);
    const Json& next = r.body["additional_data"]["next_cursor"];
    cursor = next.is_string() ? next.get<std::string>() : "";
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);
  // A record deleted between pages does not shift the next page.
  Response first = Call("GET", "/api/v2/persons?limit=2");
  std::string next = first.body["additional_data"]["next_cursor"];
  Call("DELETE", "/api/v2/persons/" + std::to_string(ids[0]));
  Response second = Call("GET", "/api/v2/persons?limit=2&cursor=" + next);
  EXPECT_EQ(second.body["data"][0]["id"], ids[2]);

  Response desc =
      Call("GET", "/api/v2/persons?sort_by=add_time&sort_direction=desc");
  EXPECT_EQ(desc.body["data"][0]["id"], ids[4]);
  ExpectError(Call("GET", "/api/v2/persons?limit=501"), 400, "limit");
  ExpectError(Call("GET", "/api/v2/persons?limit=0"), 400, "limit");
  ExpectError(Call("GET", "/api/v2/persons?cursor=%25%25"), 400, "cursor");
  ExpectError(Call("GET", "/api/v2/persons?sort_by=name"), 400, "sort_by");
  EXPECT_EQ(Call("GET", "/api/v2/persons?ids=" + std::to_string(ids[3]) + "," +
                            std::to_string(ids[4]))
                .body["data"]
                .size(),
            2u);
}

// --- custom fields -----------------------------------------------------------

TEST_F(PipedriveEmulatorTest, CustomFieldLifecycle) {
  Start();
  Response listed = Call("GET", "/api/v2/personFields");
  ASSERT_EQ(listed.status, 200);
  std::set<std::string> system;
  for (const auto& f : listed.body["data"]) {
    EXPECT_EQ(f["is_custom_field"], false);
    EXPECT_FALSE(f.contains("ui_visibility")) << "only with include_fields";
    system.insert(f["field_code"]);
  }
  EXPECT_TRUE(system.count("name") && system.count("email") &&
              system.count("phone") && system.count("org_id"));

  Response created =
      Call("POST", "/api/v2/personFields",
           {{"field_name", "Patient status"},
            {"field_type", "enum"},
            {"options", {{{"label", "Active"}}, {{"label", "Inactive"}}}}});
  ASSERT_EQ(created.status, 200) << created.raw;
  const Json& f = created.body["data"];
  std::string status_key = f["field_code"];
  EXPECT_TRUE(std::regex_match(status_key, std::regex("[0-9a-f]{40}")));
  EXPECT_EQ(f["is_custom_field"], true);
  ASSERT_EQ(f["options"].size(), 2u);
  int64_t active = f["options"][0]["id"];
  int64_t inactive = f["options"][1]["id"];
  std::string ext_key = CreateField(
      "person", {{"field_name", "Bridgework key"}, {"field_type", "varchar"}});
  std::string balance_key = CreateField(
      "person", {{"field_name", "Balance"}, {"field_type", "monetary"}});
  std::string tags_key = CreateField(
      "person", {{"field_name", "Tags"},
                 {"field_type", "set"},
                 {"options", {{{"label", "vip"}}, {{"label", "new"}}}}});
  ExpectError(Call("POST", "/api/v2/personFields",
                   {{"field_name", "X"}, {"field_type", "enum"}}),
              400, "options");
  ExpectError(Call("POST", "/api/v2/personFields",
                   {{"field_name", "X"}, {"field_type", "picture"}}),
              400, "field_type");

  Response person =
      Call("POST", "/api/v2/persons",
           {{"name", "Ana"},
            {"custom_fields",
             {{status_key, active},
              {ext_key, "pbn:patient:17"},
              {balance_key, {{"value", 120.5}, {"currency", "USD"}}}}}});
  ASSERT_EQ(person.status, 200) << person.raw;
  std::string path = "/api/v2/persons/" +
                     std::to_string(person.body["data"]["id"].get<int64_t>());
  Json cf = Call("GET", path).body["data"]["custom_fields"];
  EXPECT_EQ(cf[status_key], active);
  EXPECT_EQ(cf[ext_key], "pbn:patient:17");
  EXPECT_EQ(cf[balance_key]["value"], 120.5);
  EXPECT_TRUE(cf[tags_key].is_null()) << "every field listed, unset null";

  // Value shapes are checked per type.
  ExpectError(
      Call("PATCH", path, {{"custom_fields", {{status_key, "Active"}}}}), 400,
      status_key);
  ExpectError(Call("PATCH", path, {{"custom_fields", {{status_key, 999}}}}),
              400, "option");
  ExpectError(
      Call("PATCH", path, {{"custom_fields", {{tags_key, Json::array()}}}}),
      400, tags_key);
  ExpectError(Call("PATCH", path, {{"custom_fields", {{balance_key, 5}}}}), 400,
              balance_key);
  // Unknown keys, keys at the root and the nesting mistake are refused.
  std::string stranger(40, 'b');
  ExpectError(Call("PATCH", path, {{"custom_fields", {{stranger, "x"}}}}), 400,
              "unknown field key " + stranger);
  ExpectError(Call("PATCH", path, {{ext_key, "x"}}), 400,
              "belong inside \"custom_fields\"");
  ExpectError(Call("PATCH", path,
                   {{"custom_fields", {{"custom_fields", {{ext_key, "x"}}}}}}),
              400, "nested");
  ExpectError(Call("PATCH", path, {{"custom_fields", "x"}}), 400,
              "custom_fields");

  Response patched = Call(
      "PATCH", path, {{"custom_fields", {{tags_key, Json::array({active})}}}});
  EXPECT_EQ(patched.status, 400) << "a set takes its own option ids";
  Json tag_ids =
      Call("GET", "/api/v2/personFields/" + tags_key).body["data"]["options"];
  patched = Call("PATCH", path,
                 {{"custom_fields",
                   {{status_key, inactive},
                    {tags_key, {tag_ids[0]["id"], tag_ids[1]["id"]}},
                    {balance_key, nullptr}}}});
  ASSERT_EQ(patched.status, 200) << patched.raw;
  cf = patched.body["data"]["custom_fields"];
  EXPECT_EQ(cf[status_key], inactive);
  EXPECT_EQ(cf[tags_key].size(), 2u);
  EXPECT_TRUE(cf[balance_key].is_null()) << "null clears";
  EXPECT_EQ(cf[ext_key], "pbn:patient:17") << "untouched";
  Response only = Call("GET", "/api/v2/persons?custom_fields=" + ext_key);
  EXPECT_EQ(only.body["data"][0]["custom_fields"].size(), 1u);

  // Field updates, options, deletion.
  Response renamed = Call("PATCH", "/api/v2/personFields/" + status_key,
                          {{"field_name", "Status"}});
  EXPECT_EQ(renamed.body["data"]["field_name"], "Status");
  ExpectError(Call("PATCH", "/api/v2/personFields/" + status_key,
                   {{"field_type", "set"}}),
              400, "field_type");
  ExpectError(Call("PATCH", "/api/v2/personFields/name", {{"field_name", "N"}}),
              400, "system");
  Response added =
      Call("POST", "/api/v2/personFields/" + status_key + "/options",
           Json::array({{{"label", "Archived"}}}));
  ASSERT_EQ(added.status, 200) << added.raw;
  EXPECT_EQ(added.body["data"][0]["label"], "Archived");
  int64_t archived = added.body["data"][0]["id"];
  EXPECT_TRUE(added.body["additional_data"].is_null());
  EXPECT_EQ(Call("PATCH", "/api/v2/personFields/" + status_key + "/options",
                 Json::array({{{"id", archived}, {"label", "Former"}}}))
                .body["data"][0]["label"],
            "Former");
  ExpectError(Call("DELETE", "/api/v2/personFields/" + status_key + "/options",
                   Json::array({{{"id", archived}}, {{"id", 987654}}})),
              400, "no such option");
  EXPECT_EQ(Call("GET", "/api/v2/personFields/" + status_key)
                .body["data"]["options"]
                .size(),
            3u)
      << "atomic: nothing removed";
  EXPECT_EQ(Call("DELETE", "/api/v2/personFields/" + status_key + "/options",
                 Json::array({{{"id", archived}}}))
                .status,
            200);
  Response blocks =
      Call("GET", "/api/v2/personFields/" + ext_key +
                      "?include_fields=ui_visibility,required_fields");
  EXPECT_TRUE(blocks.body["data"].contains("ui_visibility"));
  EXPECT_FALSE(blocks.body["data"].contains("important_fields"));
  Response removed = Call("DELETE", "/api/v2/personFields/" + balance_key);
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.body["data"]["field_code"], balance_key);
  EXPECT_FALSE(
      Call("GET", path).body["data"]["custom_fields"].contains(balance_key));
  ExpectError(
      Call("PATCH", path, {{"custom_fields", {{balance_key, nullptr}}}}), 400,
      "unknown field key");
  ExpectError(Call("GET", "/api/v2/personFields/" + balance_key), 404,
              "not found");
  Json state = Operator("GET", "state");
  EXPECT_EQ(state["fields"]["person"].size(), 4u) << "deleted ones included";
  // Entities without custom fields refuse them.
  ExpectError(Call("POST", "/api/v2/pipelines",
                   {{"name", "P"}, {"custom_fields", Json::object()}}),
              400, "custom_fields");
}

TEST_F(PipedriveEmulatorTest, FieldTypesOfOtherEntitiesAndReferences) {
  Start();
  std::string visit = CreateField(
      "deal", {{"field_name", "Visit"}, {"field_type", "daterange"}});
  std::string referrer = CreateField(
      "deal", {{"field_name", "Referrer"}, {"field_type", "people"}});
  std::string dentist =
      CreateField("deal", {{"field_name", "Dentist"}, {"field_type", "user"}});
  std::string clinic = CreateField(
      "organization",
      {{"field_name", "Clinic address"}, {"field_type", "address"}});
  int64_t person = Create("persons", {{"name", "Ana"}});
  Response deal =
      Call("POST", "/api/v2/deals",
           {{"title", "Crown"},
            {"custom_fields",
             {{visit, {{"value", "2026-12-01"}, {"until", "2026-12-02"}}},
              {referrer, person},
              {dentist, 14000002}}}});
  ASSERT_EQ(deal.status, 200) << deal.raw;
  ExpectError(Call("POST", "/api/v2/deals",
                   {{"title", "Crown"}, {"custom_fields", {{referrer, 42}}}}),
              400, "person");
  ExpectError(Call("POST", "/api/v2/deals",
                   {{"title", "Crown"},
                    {"custom_fields", {{visit, {{"value", "2026-12-01"}}}}}}),
              400, visit);
  Response org =
      Call("POST", "/api/v2/organizations",
           {{"name", "Smile"},
            {"custom_fields",
             {{clinic, {{"value", "1 Main St"}, {"locality", "Austin"}}}}}});
  ASSERT_EQ(org.status, 200) << org.raw;
  EXPECT_EQ(org.body["data"]["custom_fields"][clinic]["locality"], "Austin");
  std::string sku = CreateField(
      "product", {{"field_name", "SKU"}, {"field_type", "varchar"}});
  EXPECT_EQ(Call("POST", "/api/v2/products",
                 {{"name", "Floss"}, {"custom_fields", {{sku, "F-1"}}}})
                .status,
            201);
}

// --- search ------------------------------------------------------------------

TEST_F(PipedriveEmulatorTest, ItemSearchFieldFindsByExternalKey) {
  Start();
  std::string key = CreateField(
      "person", {{"field_name", "Bridgework key"}, {"field_type", "varchar"}});
  std::string status = CreateField(
      "person",
      {{"field_name", "Status"}, {"field_type", "enum"}, {"options", {"A"}}});
  int64_t a = Create("persons",
                     {{"name", "Ana"}, {"custom_fields", {{key, "pbn:17"}}}});
  int64_t b = Create("persons",
                     {{"name", "Bo"}, {"custom_fields", {{key, "pbn:170"}}}});
  auto search = [&](const std::string& q) {
    return Call("GET", "/api/v2/itemSearch/field?entity_type=person&field=" +
                           key + "&" + q);
  };
  Response exact = search("term=pbn:17&match=exact");
  ASSERT_EQ(exact.status, 200) << exact.raw;
  ASSERT_EQ(exact.body["data"].size(), 1u) << exact.raw;
  EXPECT_EQ(exact.body["data"][0]["item"]["id"], a);
  EXPECT_EQ(exact.body["data"][0]["item"]["name"], "Ana");
  EXPECT_EQ(exact.body["data"][0]["result_score"], 1.0);
  EXPECT_TRUE(exact.body["additional_data"]["next_cursor"].is_null());
  EXPECT_EQ(search("term=pbn:17").body["data"].size(), 1u) << "exact default";
  EXPECT_EQ(search("term=PBN:17").body["data"].size(), 0u) << "case-sensitive";
  EXPECT_EQ(search("term=pbn:1&match=beginning").body["data"].size(), 2u);
  EXPECT_EQ(search("term=bn:17&match=middle").body["data"].size(), 2u);
  ExpectError(search("term=p&match=middle"), 400, "term");
  Call("DELETE", "/api/v2/persons/" + std::to_string(b));
  EXPECT_EQ(search("term=pbn:1&match=beginning").body["data"].size(), 1u)
      << "deleted records are not found";
  ExpectError(Call("GET", "/api/v2/itemSearch/field?entity_type=person&field=" +
                              status + "&term=1"),
              400, "cannot be searched");
  ExpectError(
      Call("GET",
           "/api/v2/itemSearch/field?entity_type=person&field=nope&term=1"),
      400, "field");
  ExpectError(Call("GET", "/api/v2/itemSearch/field?entity_type=person&term=1"),
              400, "field: required");
  Response by_name = Call(
      "GET", "/api/v2/itemSearch/field?entity_type=person&field=name&term=Ana");
  EXPECT_EQ(by_name.body["data"].size(), 1u);
  // Leads are searched by the deal fields they inherit.
  std::string deal_key = CreateField(
      "deal", {{"field_name", "Bridgework key"}, {"field_type", "varchar"}});
  Response lead =
      Call("POST", "/v1/leads",
           {{"title", "Ana lead"}, {"person_id", a}, {deal_key, "L-1"}});
  ASSERT_EQ(lead.status, 201) << lead.raw;
  Response leads = Call(
      "GET", "/api/v2/itemSearch/field?entity_type=lead&field=" + deal_key +
                 "&term=L-1");
  ASSERT_EQ(leads.body["data"].size(), 1u) << leads.raw;
  EXPECT_EQ(leads.body["data"][0]["item"]["id"], lead.body["data"]["id"]);
}

TEST_F(PipedriveEmulatorTest, EntitySearchEndpoints) {
  Start();
  int64_t org =
      Create("organizations",
             {{"name", "Smile Dental"}, {"address", {{"value", "1 Main St"}}}});
  int64_t ana = Create("persons", {{"name", "Ana Lopez"},
                                   {"org_id", org},
                                   {"emails", {{{"value", "Ana@X.example"}}}},
                                   {"phones", {{{"value", "+15125550100"}}}}});
  Create("persons", {{"name", "Bo Anand"}});
  Response r = Call("GET",
                    "/api/v2/persons/"
                    "search?term=ana@x.example&fields=email&exact_match=true");
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["data"]["items"].size(), 1u);
  const Json& hit = r.body["data"]["items"][0];
  EXPECT_EQ(hit["result_score"], 1.0);
  EXPECT_EQ(hit["item"]["id"], ana);
  EXPECT_EQ(hit["item"]["type"], "person");
  EXPECT_EQ(hit["item"]["emails"], Json::array({"Ana@X.example"}));
  EXPECT_EQ(hit["item"]["organization"]["name"], "Smile Dental");
  EXPECT_EQ(hit["item"]["owner"]["id"], kOwner);
  EXPECT_EQ(Call("GET", "/api/v2/persons/search?term=ana")
                .body["data"]["items"]
                .size(),
            2u)
      << "substring of names";
  EXPECT_EQ(Call("GET", "/api/v2/persons/search?term=ana&organization_id=" +
                            std::to_string(org))
                .body["data"]["items"]
                .size(),
            1u);
  ExpectError(Call("GET", "/api/v2/persons/search?term=a"), 400, "term");
  EXPECT_EQ(
      Call("GET", "/api/v2/persons/search?term=a&exact_match=true").status,
      200);
  ExpectError(Call("GET", "/api/v2/persons/search?term=ana&fields=title"), 400,
              "fields");
  Response orgs =
      Call("GET", "/api/v2/organizations/search?term=main&fields=address");
  ASSERT_EQ(orgs.body["data"]["items"].size(), 1u);
  EXPECT_EQ(orgs.body["data"]["items"][0]["item"]["address"], "1 Main St");
  int64_t deal = Create(
      "deals", {{"title", "Implant Ana"}, {"value", 99.6}, {"person_id", ana}});
  Response deals = Call("GET", "/api/v2/deals/search?term=implant");
  ASSERT_EQ(deals.body["data"]["items"].size(), 1u);
  const Json& d = deals.body["data"]["items"][0]["item"];
  EXPECT_EQ(d["id"], deal);
  EXPECT_EQ(d["value"], 100) << "an integer in the search item";
  EXPECT_EQ(d["stage"]["name"], "Qualified");
  EXPECT_EQ(d["person"]["name"], "Ana Lopez");
  EXPECT_TRUE(d["organization"].is_null());
  // Notes attached to a record are searchable.
  Call("POST", "/v1/notes",
       {{"content", "allergic to latex"}, {"person_id", ana}});
  EXPECT_EQ(Call("GET", "/api/v2/persons/search?term=latex&fields=notes")
                .body["data"]["items"]
                .size(),
            1u);
  // Pagination of search results.
  for (int i = 0; i < 3; ++i)
    Create("persons", {{"name", "Anabel " + std::to_string(i)}});
  Response page = Call("GET", "/api/v2/persons/search?term=ana&limit=2");
  EXPECT_EQ(page.body["data"]["items"].size(), 2u);
  std::string next = page.body["additional_data"]["next_cursor"];
  Response page2 =
      Call("GET", "/api/v2/persons/search?term=ana&limit=2&cursor=" + next);
  EXPECT_EQ(page2.body["data"]["items"].size(), 2u);
  Response page3 =
      Call("GET",
           "/api/v2/persons/search?term=ana&limit=2&cursor=" +
               page2.body["additional_data"]["next_cursor"].get<std::string>());
  EXPECT_EQ(page3.body["data"]["items"].size(), 1u);
  EXPECT_TRUE(page3.body["additional_data"]["next_cursor"].is_null());
}

// --- v1: leads, notes, files, users -----------------------------------------

TEST_F(PipedriveEmulatorTest, LeadsWithStartLimitPaging) {
  Start();
  int64_t person = Create("persons", {{"name", "Ana"}});
  std::string source = CreateField(
      "deal", {{"field_name", "Source"},
               {"field_type", "enum"},
               {"options", {{{"label", "Web"}}, {{"label", "Referral"}}}}});
  std::string fee =
      CreateField("deal", {{"field_name", "Fee"}, {"field_type", "monetary"}});
  Json options =
      Call("GET", "/api/v2/dealFields/" + source).body["data"]["options"];
  Json labels = Call("GET", "/v1/leadLabels").body["data"];
  ASSERT_EQ(labels.size(), 3u);
  Response created =
      Call("POST", "/v1/leads",
           {{"title", "Whitening"},
            {"person_id", person},
            {"label_ids", {labels[0]["id"]}},
            {"value", {{"amount", 300}, {"currency", "USD"}}},
            {"expected_close_date", "2027-01-10"},
            {source, std::to_string(options[1]["id"].get<int64_t>())},
            {fee, 40},
            {fee + "_currency", "EUR"},
            {std::string(40, 'c'), "ignored"},
            {"nickname", "ignored"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const Json& lead = created.body["data"];
  std::string id = lead["id"];
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_EQ(lead["source_name"], "API");
  EXPECT_EQ(lead["origin"], "API");
  EXPECT_EQ(lead["visible_to"], "3");
  EXPECT_TRUE(lead["organization_id"].is_null());
  EXPECT_EQ(lead[source], std::to_string(options[1]["id"].get<int64_t>()))
      << "v1: enum as the option id at the root";
  EXPECT_EQ(lead[fee], 40);
  EXPECT_EQ(lead[fee + "_currency"], "EUR");
  EXPECT_FALSE(lead.contains(std::string(40, 'c'))) << "unknown keys ignored";
  EXPECT_FALSE(lead.contains("nickname"));
  EXPECT_TRUE(std::regex_match(lead["add_time"].get<std::string>(), kV2Time));

  ExpectError(Call("POST", "/v1/leads", {{"title", "X"}}), 400,
              "person or an organization");
  ExpectError(Call("POST", "/v1/leads", {{"person_id", person}}), 400,
              "title: required");
  ExpectError(Call("POST", "/v1/leads",
                   {{"title", "X"}, {"person_id", person}, {source, "999999"}}),
              400, source);
  ExpectError(Call("POST", "/v1/leads",
                   {{"title", "X"}, {"person_id", person}, {"value", 5}}),
              400, "value");

  for (int i = 0; i < 4; ++i) {
    Call("POST", "/v1/leads",
         {{"title", "L" + std::to_string(i)}, {"person_id", person}});
  }
  Response page = Call("GET", "/v1/leads?start=0&limit=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body["data"].size(), 2u);
  EXPECT_EQ(page.body["data"][0]["id"], id) << "oldest first";
  const Json& pg = page.body["additional_data"]["pagination"];
  EXPECT_EQ(pg["start"], 0);
  EXPECT_EQ(pg["limit"], 2);
  EXPECT_EQ(pg["more_items_in_collection"], true);
  EXPECT_EQ(pg["next_start"], 2);
  EXPECT_EQ(page.body["additional_data"]["more_items_in_collection"], true)
      << "the spec's flat form too";
  Response last = Call("GET", "/v1/leads?start=4&limit=2");
  EXPECT_EQ(last.body["data"].size(), 1u);
  EXPECT_EQ(
      last.body["additional_data"]["pagination"]["more_items_in_collection"],
      false);
  EXPECT_FALSE(
      last.body["additional_data"]["pagination"].contains("next_start"));

  std::string path = "/v1/leads/" + id;
  Response patched =
      Call("PATCH", path, {{"value", nullptr}, {"is_archived", true}});
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_TRUE(patched.body["data"]["value"].is_null());
  EXPECT_EQ(Call("GET", "/v1/leads").body["data"].size(), 4u)
      << "archived hidden";
  ExpectError(Call("PATCH", path, {{"person_id", nullptr}}), 400, "person");
  // The label deleted: leads lose it.
  EXPECT_EQ(
      Call("DELETE", "/v1/leadLabels/" + labels[0]["id"].get<std::string>())
          .status,
      200);
  EXPECT_TRUE(Call("GET", path).body["data"]["label_ids"].empty());
  Response deleted = Call("DELETE", "/api/v1/leads/" + id);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["data"]["id"], id);
  ExpectError(Call("GET", path), 404, "not found");
}

TEST_F(PipedriveEmulatorTest, LeadLabels) {
  Start();
  Response created =
      Call("POST", "/v1/leadLabels", {{"name", "Recall"}, {"color", "green"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  std::string id = created.body["data"]["id"];
  EXPECT_TRUE(std::regex_match(id, kUuid));
  ExpectError(
      Call("POST", "/v1/leadLabels", {{"name", "X"}, {"color", "teal"}}), 400,
      "color");
  EXPECT_EQ(Call("PATCH", "/v1/leadLabels/" + id, {{"name", "Recall due"}})
                .body["data"]["name"],
            "Recall due");
  ExpectError(
      Call("PATCH", "/v1/leadLabels/" + std::string(36, '0'), {{"name", "x"}}),
      404, "not found");
  EXPECT_EQ(Call("GET", "/v1/leadLabels").body["data"].size(), 4u);
}

TEST_F(PipedriveEmulatorTest, NotesOnV1AndItsAlias) {
  Start();
  int64_t deal = Create("deals", {{"title", "Crown"}});
  Response created = Call("POST", "/v1/notes",
                          {{"content", "<p>Patient prefers mornings</p>"},
                           {"deal_id", deal},
                           {"pinned_to_deal_flag", 1},
                           {"add_time", "2020-05-01 08:00:00"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  const Json& note = created.body["data"];
  int64_t id = note["id"];
  EXPECT_EQ(note["deal"]["title"], "Crown");
  EXPECT_EQ(note["pinned_to_deal_flag"], true);
  EXPECT_EQ(note["add_time"], "2020-05-01 08:00:00");
  EXPECT_TRUE(
      std::regex_match(note["update_time"].get<std::string>(), kV1Time));
  EXPECT_EQ(note["user"]["email"], "owner@bridgework.example");
  EXPECT_EQ(note["active_flag"], true);
  ExpectError(Call("POST", "/v1/notes", {{"content", "orphan"}}), 400,
              "attached");
  ExpectError(Call("POST", "/v1/notes", {{"deal_id", deal}}), 400, "content");
  ExpectError(Call("POST", "/v1/notes", {{"content", "x"}, {"person_id", 12}}),
              400, "person_id");
  // v1 accepts form-encoded bodies too.
  Response form =
      Convert(client_->Post("/v1/notes", {{"x-api-token", kToken}},
                            "content=second&deal_id=" + std::to_string(deal),
                            "application/x-www-form-urlencoded"));
  ASSERT_EQ(form.status, 200) << form.raw;
  // /api/v1 is the same API.
  Response list = Call("GET", "/api/v1/notes?deal_id=" + std::to_string(deal));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["data"].size(), 2u);
  EXPECT_EQ(
      list.body["additional_data"]["pagination"]["more_items_in_collection"],
      false);
  Response page = Call("GET", "/v1/notes?limit=1&sort=id%20DESC");
  EXPECT_EQ(page.body["data"][0]["id"], form.body["data"]["id"]);
  EXPECT_EQ(page.body["additional_data"]["pagination"]["next_start"], 1);
  Response updated = Call("PUT", "/api/v1/notes/" + std::to_string(id),
                          {{"content", "Evenings"}});
  EXPECT_EQ(updated.body["data"]["content"], "Evenings");
  Response deleted = Call("DELETE", "/v1/notes/" + std::to_string(id));
  EXPECT_EQ(deleted.body, Json::parse(R"({"success":true,"data":true})"));
  ExpectError(Call("GET", "/v1/notes/" + std::to_string(id)), 404, "not found");
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["PUT /v1/notes/{id}"]["200"], 1)
      << "both prefixes count under one route";
}

TEST_F(PipedriveEmulatorTest, FilesUploadDownloadAndSoftDelete) {
  Start();
  int64_t person = Create("persons", {{"name", "Ana"}});
  std::string bytes("\x89PNG\r\n\x1a\n\0binary", 16);
  httplib::MultipartFormDataItems items = {
      {"file", bytes, "x-ray.png", "image/png"},
      {"person_id", std::to_string(person), "", ""}};
  Response up =
      Convert(client_->Post("/v1/files", {{"x-api-token", kToken}}, items));
  ASSERT_EQ(up.status, 200) << up.raw;
  const Json& f = up.body["data"];
  int64_t id = f["id"];
  EXPECT_EQ(f["person_id"], person);
  EXPECT_EQ(f["person_name"], "Ana");
  EXPECT_EQ(f["name"], "x-ray.png");
  EXPECT_EQ(f["file_type"], "img");
  EXPECT_EQ(f["file_size"], 16);
  EXPECT_TRUE(std::regex_match(f["file_name"].get<std::string>(),
                               std::regex(R"(x-ray_[0-9a-f]{24}\.png)")));
  EXPECT_THAT(f["url"].get<std::string>(),
              HasSubstr("/v1/files/" + std::to_string(id) + "/download"));
  Response download = Convert(
      client_->Get(("/v1/files/" + std::to_string(id) + "/download").c_str(),
                   {{"x-api-token", kToken}}));
  EXPECT_EQ(download.status, 200);
  EXPECT_EQ(download.raw, bytes);
  EXPECT_EQ(download.header("Content-Type"), "application/octet-stream");

  httplib::MultipartFormDataItems unlinked = {
      {"file", "abc", "a.txt", "text/plain"}};
  ExpectError(
      Convert(client_->Post("/v1/files", {{"x-api-token", kToken}}, unlinked)),
      400, "attached");
  httplib::MultipartFormDataItems bad_link = {
      {"file", "abc", "a.txt", "text/plain"}, {"deal_id", "77", "", ""}};
  ExpectError(
      Convert(client_->Post("/v1/files", {{"x-api-token", kToken}}, bad_link)),
      400, "deal_id");
  ExpectError(Call("POST", "/v1/files", {{"person_id", person}}), 400, "file");

  std::string path = "/v1/files/" + std::to_string(id);
  Response renamed =
      Convert(client_->Put(path.c_str(), {{"x-api-token", kToken}},
                           "name=scan.png&description=Panoramic",
                           "application/x-www-form-urlencoded"));
  ASSERT_EQ(renamed.status, 200) << renamed.raw;
  EXPECT_EQ(renamed.body["data"]["name"], "scan.png");
  EXPECT_EQ(renamed.body["data"]["description"], "Panoramic");
  EXPECT_EQ(Call("GET", "/v1/files").body["data"].size(), 1u);
  Response deleted = Call("DELETE", path);
  EXPECT_EQ(deleted.body["data"]["id"], id);
  Response after = Call("GET", path);
  ASSERT_EQ(after.status, 200) << "marked deleted, kept 30 days";
  EXPECT_EQ(after.body["data"]["active_flag"], false);
  EXPECT_TRUE(Call("GET", "/v1/files").body["data"].empty());
  ExpectError(Call("GET", path + "/download"), 404, "not found");
  ExpectError(Call("DELETE", path), 404, "not found");
  Advance(absl::Hours(24 * 31));
  ExpectError(Call("GET", path), 404, "not found");
}

TEST_F(PipedriveEmulatorTest, UsersMatchTheFreshsalesPeople) {
  Start();
  Response users = Call("GET", "/v1/users");
  ASSERT_EQ(users.status, 200);
  ASSERT_EQ(users.body["data"].size(), 3u);
  EXPECT_EQ(users.body["data"][0]["email"], "owner@bridgework.example");
  EXPECT_EQ(users.body["data"][0]["is_you"], true);
  EXPECT_EQ(users.body["data"][0]["access"][0]["admin"], true);
  EXPECT_EQ(users.body["data"][1]["email"], "dr.rivera@smilebright.example");
  EXPECT_EQ(users.body["data"][2]["email"], "dr.chen@smilebright.example");
  EXPECT_TRUE(std::regex_match(
      users.body["data"][0]["created"].get<std::string>(), kV1Time));
  Response found =
      Call("GET",
           "/v1/users/find?term=DR.CHEN@smilebright.example&search_by_email=1");
  ASSERT_EQ(found.body["data"].size(), 1u);
  EXPECT_EQ(found.body["data"][0]["id"], 14000003);
  EXPECT_EQ(Call("GET", "/v1/users/find?term=rivera").body["data"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/users/find?term=rivera&search_by_email=0")
                .body["data"][0]["name"],
            "Elena Rivera");
  EXPECT_TRUE(Call("GET", "/v1/users/find?term=nobody").body["data"].empty());
  ExpectError(Call("GET", "/v1/users/find"), 400, "term");
  EXPECT_EQ(Call("GET", "/api/v1/users/14000002").body["data"]["name"],
            "Elena Rivera");
  Response me = Call("GET", "/v1/users/me");
  EXPECT_EQ(me.body["data"]["id"], kOwner);
  EXPECT_TRUE(me.body["data"].contains("company_id"));
}

// --- rate limits
// ---------------------------------------------------------------

TEST_F(PipedriveEmulatorTest, BurstLimitPer2SecondWindow) {
  PipedriveOptions o;
  o.plan = "lite";
  o.burst_limit = 3;
  Start(o);
  for (int i = 0; i < 3; ++i) {
    Response r = Call("GET", "/v1/users");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("x-ratelimit-limit"), "3");
    EXPECT_EQ(r.header("x-ratelimit-remaining"), std::to_string(2 - i));
    EXPECT_EQ(r.header("x-ratelimit-reset"), "2");
    EXPECT_EQ(r.header("x-daily-requests-left"), "10000") << "reads only";
  }
  Advance(absl::Milliseconds(500));
  Response refused = Call("GET", "/v1/users");
  ExpectError(refused, 429, "burst limit of 3 requests per 2 seconds");
  EXPECT_EQ(refused.body["errorCode"], 429);
  EXPECT_EQ(refused.header("x-ratelimit-remaining"), "0");
  EXPECT_EQ(refused.header("x-ratelimit-reset"), "2");
  Advance(absl::Milliseconds(1500));
  Response again = Call("POST", "/api/v2/persons", {{"name", "Ana"}});
  EXPECT_EQ(again.status, 200) << "a new window";
  EXPECT_EQ(again.header("x-daily-requests-left"), "9999") << "a write";
  // Each token has its own window; an OAuth token has the OAuth limit.
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["rate_limited_by"]["burst"], 1);
  EXPECT_EQ(stats["tokens_used"], 3 * 20 + 5) << "the 429 cost nothing";
  Operator("POST", "config", {{"burst_limit", nullptr}});
  Response oauth = Call("GET", "/v1/users/me", Json(), Auth::kBearer);
  EXPECT_EQ(oauth.header("x-ratelimit-limit"), "80") << "lite OAuth";
  EXPECT_EQ(oauth.header("x-daily-requests-left"), "") << "API tokens only";
  EXPECT_EQ(Call("GET", "/v1/users/me").header("x-ratelimit-limit"), "20")
      << "lite API token";
}

TEST_F(PipedriveEmulatorTest, SearchLimitIsTenPer2Seconds) {
  Start({}, /*search_limit=*/true);
  for (int i = 0; i < 10; ++i) {
    Response r = Call("GET", "/api/v2/persons/search?term=ana");
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.header("x-ratelimit-limit"), "10");
  }
  ExpectError(
      Call("GET",
           "/api/v2/itemSearch/field?entity_type=person&field=name&term=a"),
      429, "search limit of 10");
  EXPECT_EQ(Call("GET", "/api/v2/persons").status, 200)
      << "other endpoints go on";
  Advance(absl::Seconds(2));
  EXPECT_EQ(Call("GET", "/api/v2/deals/search?term=ab").status, 200);
  EXPECT_EQ(Operator("GET", "stats")["rate_limited_by"]["search"], 1);
}

TEST_F(PipedriveEmulatorTest, DailyBudgetChargesTokenCostsAndResetsAtMidnight) {
  PipedriveOptions o;
  o.daily_budget = 26;
  Start(o);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("POST", "/api/v2/persons", {{"name", "P"}}).status, 200);
  }
  EXPECT_EQ(Call("GET", "/api/v2/persons/2000001").status, 200) << "1 token";
  Response refused = Call("GET", "/api/v2/persons/2000001");
  ExpectError(refused, 429, "daily API token budget of 26 tokens");
  EXPECT_FALSE(refused.header("x-ratelimit-limit").empty());
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["tokens_used"], 26);
  EXPECT_EQ(stats["rate_limited_by"]["daily"], 1);
  EXPECT_EQ(stats["limits"]["tokens_used_today"], 26);
  // 10:00 UTC + 14 h = midnight: a new day.
  Advance(absl::Hours(14));
  EXPECT_EQ(Call("GET", "/api/v2/persons").status, 200);
  EXPECT_EQ(Operator("GET", "stats")["limits"]["tokens_used_today"], 10);
}

TEST_F(PipedriveEmulatorTest, BudgetFollowsPlanAndSeatsAndConfigChangesIt) {
  PipedriveOptions o;
  o.plan = "premium";
  o.seats = 4;
  Start(o);
  // Start() lifts unset limits; put the formula back through config.
  Json limits = Operator("POST", "config",
                         {{"daily_budget", nullptr}, {"burst_limit", nullptr}});
  EXPECT_EQ(limits["daily_budget"], 30000 * 5 * 4);
  EXPECT_EQ(limits["burst_limit"], 100);
  limits = Operator("POST", "config", {{"plan", "ultimate"}, {"seats", 2}});
  EXPECT_EQ(limits["daily_budget"], 30000 * 7 * 2);
  EXPECT_EQ(limits["burst_limit"], 120);
  EXPECT_EQ(limits["oauth_burst_limit"], 480);
  Operator("POST", "config", {{"plan", "platinum"}}, 400);
  Operator("POST", "config", {{"seats", 0}}, 400);
  // time_scale compresses the windows: 2 s become 0.5 s.
  Operator("POST", "config",
           {{"burst_limit", 1}, {"time_scale", 4}, {"reset_windows", true}});
  EXPECT_EQ(Call("GET", "/v1/users").status, 200);
  EXPECT_EQ(Call("GET", "/v1/users").status, 429);
  Advance(absl::Milliseconds(500));
  EXPECT_EQ(Call("GET", "/v1/users").status, 200);
}

TEST(PipedrivePlans, PlanTable) {
  auto lite = pipedrive::PipedrivePlanLimits("lite");
  ASSERT_TRUE(lite.ok());
  EXPECT_EQ(lite->api_token_burst, 20);
  EXPECT_EQ(lite->budget_multiplier, 1);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("growth")->api_token_burst, 40);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("growth")->budget_multiplier, 2);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("premium")->api_token_burst, 100);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("premium")->budget_multiplier, 5);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("ultimate")->api_token_burst, 120);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("ultimate")->budget_multiplier, 7);
  EXPECT_EQ(pipedrive::PipedrivePlanLimits("advanced")->api_token_burst, 40);
  EXPECT_FALSE(pipedrive::PipedrivePlanLimits("gold").ok());
}

TEST(PipedriveCreate, RefusesBadOptions) {
  PipedriveOptions o;
  EXPECT_FALSE(PipedriveEmulator::Create(o).ok()) << "no token";
  o.token = "t";
  o.plan = "gold";
  EXPECT_FALSE(PipedriveEmulator::Create(o).ok());
  o.plan = "growth";
  o.time_scale = 0;
  EXPECT_FALSE(PipedriveEmulator::Create(o).ok());
  o.time_scale = 1;
  o.users = Json::array({{{"id", 1}}});
  EXPECT_FALSE(PipedriveEmulator::Create(o).ok()) << "user without email";
  o.users = Json::array({{{"id", 1}, {"email", "a@x"}, {"api_token", "t"}}});
  EXPECT_FALSE(PipedriveEmulator::Create(o).ok()) << "token reused";
  o.users = nullptr;
  auto ok = PipedriveEmulator::Create(o);
  ASSERT_TRUE(ok.ok());
  Json limits = (*ok)->Stats()["limits"];
  EXPECT_EQ(limits["seats"], 3) << "the active users";
  EXPECT_EQ(limits["daily_budget"], 30000 * 2 * 3);
  EXPECT_EQ(limits["burst_limit"], 40);
}

// --- operator endpoints
// ----------------------------------------------------------

TEST_F(PipedriveEmulatorTest, SeedIsAllOrNothingAndResetRestores) {
  Start();
  std::string key(40, 'e');
  Json seeded = Operator(
      "POST", "seed",
      {{"users",
        {{{"id", 77}, {"name", "Dr New"}, {"email", "new@x.example"}}}},
       {"fields",
        {{"person",
          {{{"field_name", "Key"},
            {"field_type", "varchar"},
            {"field_code", key}}}}}},
       {"organizations", {{{"name", "Old Clinic"}, {"id", 1000500}}}},
       {"persons",
        {{{"name", "Old Patient"},
          {"org_id", 1000500},
          {"owner_id", 77},
          {"custom_fields", {{key, "legacy-1"}}},
          {"add_time", "2019-01-01T00:00:00Z"}}}},
       {"notes", {{{"content", "legacy"}, {"org_id", 1000500}}}}});
  EXPECT_EQ(seeded["organizations"], Json::array({1000500}));
  EXPECT_EQ(seeded["fields"]["person"], Json::array({key}));
  int64_t person = seeded["persons"][0];
  Response p = Call("GET", "/api/v2/persons/" + std::to_string(person));
  EXPECT_EQ(p.body["data"]["add_time"], "2019-01-01T00:00:00Z");
  EXPECT_EQ(p.body["data"]["custom_fields"][key], "legacy-1");
  EXPECT_EQ(Create("organizations", {{"name", "Next"}}), 1000501);
  Json failed = Operator("POST", "seed",
                         {{"organizations", {{{"name", "Partial"}}}},
                          {"persons", {{{"name", "Bad"}, {"org_id", 5}}}}},
                         400);
  EXPECT_THAT(failed["error"].get<std::string>(), HasSubstr("persons[0]"));
  Json state = Operator("GET", "state");
  EXPECT_EQ(state["organizations"].size(), 2u) << "the failed seed rolled back";
  for (const char* k :
       {"persons", "organizations", "deals", "activities", "products",
        "pipelines", "stages", "leads", "lead_labels", "notes", "files",
        "activity_types", "users", "fields"}) {
    EXPECT_TRUE(state.contains(k)) << k;
  }
  EXPECT_EQ(state["users"].size(), 4u);
  Operator("POST", "seed", {{"bogus", Json::array()}}, 400);

  Operator("POST", "reset");
  state = Operator("GET", "state");
  EXPECT_TRUE(state["persons"].empty());
  EXPECT_TRUE(state["fields"]["person"].empty()) << "custom fields go too";
  EXPECT_EQ(state["users"].size(), 3u);
  EXPECT_EQ(state["stages"].size(), 5u);
  EXPECT_EQ(Operator("GET", "stats")["total"], 0);
  EXPECT_EQ(Create("organizations", {{"name", "First"}}), 1000001);
}

// --- the real binary
// ---------------------------------------------------------------

std::string SandboxBinary() {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  return std::string(dir != nullptr ? dir : BRIDGEWORK_TEST_BIN_DIR) +
         "/bridgework-sandbox";
}

TEST(SandboxBinary, ServesPipedriveAndStopsOnSigterm) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("bw-pd-sandbox-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string port_file = (dir / "port").string();
  std::string users = (dir / "users.json").string();
  std::ofstream(users)
      << R"([{"id":5,"display_name":"Dr Who","email":"who@x.example"}])";
  std::string log = (dir / "log").string();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::string bin = SandboxBinary();
    execl(bin.c_str(), bin.c_str(), "--crm", "pipedrive", "--token",
          "bin-token", "--port", "0", "--port-file", port_file.c_str(),
          "--plan", "premium", "--seats", "2", "--burst-limit", "50",
          "--time-scale", "2", "--users", users.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  std::string address;
  for (int i = 0; i < 200 && address.empty(); ++i) {
    std::ifstream in(port_file);
    std::getline(in, address);
    if (address.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(address.empty());
  int port = std::stoi(address.substr(address.find(':') + 1));
  httplib::Client client("127.0.0.1", port);
  auto me = client.Get("/api/v1/users/me", {{"x-api-token", "bin-token"}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(Json::parse(me->body)["data"]["email"], "who@x.example");
  EXPECT_EQ(me->get_header_value("x-ratelimit-limit"), "50");
  auto person = client.Post("/api/v2/persons", {{"x-api-token", "bin-token"}},
                            R"({"name":"Secret Patient"})", "application/json");
  EXPECT_EQ(person->status, 200);
  Json limits = Json::parse(client.Get("/__sandbox/stats")->body)["limits"];
  EXPECT_EQ(limits["daily_budget"], 30000 * 5 * 2);
  EXPECT_EQ(limits["time_scale"], 2.0);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream in(log);
  std::string lines((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  EXPECT_THAT(lines, HasSubstr("\"path\":\"/api/v2/persons\""));
  EXPECT_THAT(lines, Not(HasSubstr("bin-token")));
  EXPECT_THAT(lines, Not(HasSubstr("Secret")));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bridgework::emulator
