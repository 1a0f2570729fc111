#include "emulators/highlevel/highlevel_emulator.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "emulators/freshsales/freshsales_schema.h"
#include "emulators/highlevel/highlevel_values.h"
#include "emulators/highlevel/openapi_check.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kToken[] = "hl-test-token";
constexpr char kLocation[] = "locTest000000000001";
constexpr char kCompany[] = "cmpTest000000000001";
constexpr char kOtherLocation[] = "locOther00000000001";

// Where the spec is knowingly not followed, because no real response can
// satisfy it (docs/connectors/highlevel-emulator.md, "Spec artefacts").
// Each entry: operation, JSON pointer glob of the response.
struct Deviation {
  const char* operation;
  const char* pointer;
};
const Deviation kDeviations[] = {
    // stages: {"type":"array","items":{"type":"array"}}; stages are objects.
    {"GET /opportunities/pipelines", "/pipelines/*/stages/*"},
    // Calendar event times and dates: "type":"object" (a JS Date), strings
    // on the wire.
    {"GET /calendars/events/appointments/{eventId}", "/event/startTime"},
    {"GET /calendars/events/appointments/{eventId}", "/event/endTime"},
    {"GET /calendars/events/appointments/{eventId}", "/event/dateAdded"},
    {"GET /calendars/events/appointments/{eventId}", "/event/dateUpdated"},
    {"GET /calendars/events", "/events/*/startTime"},
    {"GET /calendars/events", "/events/*/endTime"},
    {"GET /calendars/events", "/events/*/dateAdded"},
    {"GET /calendars/events", "/events/*/dateUpdated"},
    // Custom object records: properties "type":"string" with an object
    // example; they are objects.
    {"POST /objects/{schemaKey}/records", "/record/properties"},
    {"GET /objects/{schemaKey}/records/{id}", "/record/properties"},
    {"PUT /objects/{schemaKey}/records/{id}", "/record/properties"},
    {"POST /objects/{schemaKey}/records/search", "/records/*/properties"},
    // searchAfter: "array of number" with a [number, string] example; the
    // second element is the record id.
    {"POST /objects/{schemaKey}/records/search", "/records/*/searchAfter/1"},
    // Lists declared as one association object: {"associations":[...]} and
    // {"relations":[...]} cannot carry its required properties.
    {"GET /associations/", ""},
    {"GET /associations/relations/{recordId}", ""},
    // files: "array of string" with an object example; files are objects.
    {"GET /medias/files", "/files/*"},
    // Custom field folders are declared as ICustomField (dataType, fieldKey
    // required); a folder has neither.
    {"GET /custom-fields/object-key/{objectKey}", "/folders/*"},
};

// Association labels, object keys and type: "type":"object" with string
// examples in GetPostSuccessfulResponseDto; they are strings. Every
// operation answering with one association (or a relation, which the spec
// declares the same way) is listed.
std::vector<Deviation> AllDeviations() {
  std::vector<Deviation> out(std::begin(kDeviations), std::end(kDeviations));
  for (const char* op :
       {"POST /associations/", "GET /associations/{associationId}",
        "PUT /associations/{associationId}", "GET /associations/key/{key_name}",
        "POST /associations/relations",
        "DELETE /associations/relations/{relationId}"}) {
    for (const char* p :
         {"/firstObjectLabel", "/firstObjectKey", "/secondObjectLabel",
          "/secondObjectKey", "/associationType"}) {
      out.push_back({op, p});
    }
  }
  return out;
}

bool Allowed(const std::string& operation, const std::string& problem) {
  static const std::vector<Deviation>* kAll =
      new std::vector<Deviation>(AllDeviations());
  std::string pointer = problem.substr(0, problem.find(':'));
  for (const auto& d : *kAll) {
    if (operation != d.operation) continue;
    if (std::string(d.pointer).empty()) return true;
    if (spec::PointerMatches(d.pointer, pointer)) return true;
    // A glob also covers everything below it.
    std::string prefix = pointer;
    while (!prefix.empty()) {
      prefix = prefix.substr(0, prefix.rfind('/'));
      if (spec::PointerMatches(d.pointer, prefix)) return true;
    }
  }
  return false;
}

std::string SpecDir() {
  const char* shared = std::getenv("BRIDGEWORK_SHARED_DIR");
  return std::string(shared != nullptr ? shared : BRIDGEWORK_TEST_SHARED_DIR) +
         "/specs/highlevel/v2";
}

struct Response {
  int status = 0;
  Json body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class HighLevelEmulatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<spec::OpenApiCheck> check =
        spec::OpenApiCheck::Load(SpecDir());
    if (check.ok()) {
      check_ = new spec::OpenApiCheck(*std::move(check));
    } else {
      load_error_ = new std::string(check.status().ToString());
    }
  }
  static void TearDownTestSuite() {
    delete check_;
    check_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(check_, nullptr)
        << "the official specs are needed (set BRIDGEWORK_SHARED_DIR): "
        << (load_error_ != nullptr ? *load_error_ : "");
  }

  void Start(HighLevelOptions o) {
    o.token = kToken;
    o.location_id = kLocation;
    o.company_id = kCompany;
    o.clock = [this] {
      absl::MutexLock lock(&clock_mu_);
      return now_;
    };
    auto created = HighLevelEmulator::Create(std::move(o));
    ASSERT_TRUE(created.ok()) << created.status();
    emulator_ = *std::move(created);
    emulator_->Register(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void Start() { Start(HighLevelOptions{}); }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Advance(absl::Duration d) {
    absl::MutexLock lock(&clock_mu_);
    now_ += d;
  }

  // An API call with the token and the Version the path takes. The reply
  // is checked against the official specs unless `in_spec` is false.
  Response Call(const std::string& method, const std::string& path,
                const Json& body = Json(), httplib::Headers h = {},
                bool in_spec = true) {
    if (h.find("Authorization") == h.end()) {
      h.emplace("Authorization", absl::StrCat("Bearer ", kToken));
    }
    if (h.find("Version") == h.end()) {
      h.emplace("Version",
                path.rfind("/calendars", 0) == 0 ? "2021-04-15" : "2021-07-28");
    }
    for (auto it = h.begin(); it != h.end();) {
      it = it->second.empty() ? h.erase(it) : std::next(it);
    }
    std::string payload = body.is_null() ? "" : body.dump();
    httplib::Result r =
        method == "GET" ? client_->Get(path.c_str(), h)
        : method == "POST"
            ? client_->Post(path.c_str(), h, payload, "application/json")
        : method == "PUT"
            ? client_->Put(path.c_str(), h, payload, "application/json")
            : client_->Delete(path.c_str(), h, payload, "application/json");
    Response out;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no response";
      return out;
    }
    out.status = r->status;
    out.headers = r->headers;
    out.body = Json::parse(r->body, nullptr, false);
    if (out.body.is_discarded()) out.body = Json(r->body);
    if (in_spec) Conforms(method, path, out);
    return out;
  }
  Response Get(const std::string& path) { return Call("GET", path); }
  Response Post(const std::string& path, const Json& body) {
    return Call("POST", path, body);
  }
  Response Put(const std::string& path, const Json& body) {
    return Call("PUT", path, body);
  }
  Response Delete(const std::string& path, const Json& body = Json()) {
    return Call("DELETE", path, body);
  }

  void Conforms(const std::string& method, const std::string& path,
                const Response& r) {
    std::string bare = path.substr(0, path.find('?'));
    spec::OpenApiCheck::Result c =
        check_->Check(method, bare, r.status, r.body);
    if (c.operation.empty()) {
      ADD_FAILURE() << method << " " << bare << " is not in the specs";
      return;
    }
    static const int kUndeclaredErrors[] = {401, 403, 404, 413, 429};
    if (!c.status_declared) {
      bool ok = false;
      for (int s : kUndeclaredErrors) ok = ok || r.status == s;
      // The medias operations declare no error responses at all.
      ok = ok || (r.status == 400 && bare.rfind("/medias", 0) == 0);
      EXPECT_TRUE(ok) << c.operation << " does not declare " << r.status;
      if (r.status >= 400) {
        EXPECT_TRUE(r.body.contains("statusCode") && r.body.contains("message"))
            << r.body.dump();
      }
    }
    std::vector<std::string> problems;
    for (const auto& p : c.problems) {
      if (!Allowed(c.operation, p)) problems.push_back(p);
    }
    EXPECT_TRUE(problems.empty())
        << c.operation << " " << r.status << " does not match the spec:\n  "
        << absl::StrJoin(problems, "\n  ") << "\nbody: " << r.body.dump();
  }

  // An operator call (not checked against the specs).
  Json Operator(const std::string& method, const std::string& name,
                const Json& body = Json::object(), int want = 200) {
    httplib::Result r = method == "GET"
                            ? client_->Get(("/__sandbox/" + name).c_str())
                            : client_->Post(("/__sandbox/" + name).c_str(),
                                            body.dump(), "application/json");
    if (!r) {
      ADD_FAILURE() << name << ": no response";
      return Json();
    }
    EXPECT_EQ(r->status, want) << r->body;
    return Json::parse(r->body, nullptr, false);
  }

  std::string Loc() const { return kLocation; }

  // Creates a contact and returns its id.
  std::string NewContact(Json body) {
    body["locationId"] = kLocation;
    Response r = Post("/contacts/", body);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body["contact"].value("id", "");
  }

  std::string DefaultPipeline(std::string* first_stage = nullptr,
                              std::string* second_stage = nullptr) {
    Response r = Get("/opportunities/pipelines?locationId=" + Loc());
    EXPECT_EQ(r.status, 200);
    const Json& p = r.body["pipelines"][0];
    if (first_stage != nullptr) *first_stage = p["stages"][0]["id"];
    if (second_stage != nullptr) *second_stage = p["stages"][1]["id"];
    return p["id"];
  }

  static spec::OpenApiCheck* check_;
  static std::string* load_error_;

  absl::Mutex clock_mu_;
  absl::Time now_ ABSL_GUARDED_BY(clock_mu_) = absl::FromCivil(
      absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
  std::unique_ptr<HighLevelEmulator> emulator_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

spec::OpenApiCheck* HighLevelEmulatorTest::check_ = nullptr;
std::string* HighLevelEmulatorTest::load_error_ = nullptr;

// ------------------------------------------------------ auth and scoping

// Issue 8: a 5xx before the handler applies nothing and comes in
// HighLevel's error envelope; a lost reply is applied.
TEST_F(HighLevelEmulatorTest, FaultsHitApiCallsOnlyAndAreCounted) {
  Start();
  ASSERT_TRUE(emulator_->faults().config().rates.empty());
  FaultConfig c;
  c.rates["error"] = 1;
  c.error_codes = {503};
  emulator_->faults().Configure(c);
  Response refused = Call("POST", "/contacts/",
                          {{"locationId", kLocation}, {"firstName", "A"}}, {},
                          /*in_spec=*/false);
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body["statusCode"], 503);
  EXPECT_TRUE(emulator_->State()["contacts"].empty());
  c.rates = {{"lost", 1}};
  emulator_->faults().Configure(c);
  httplib::Headers h = {{"Authorization", absl::StrCat("Bearer ", kToken)},
                        {"Version", "2021-07-28"}};
  auto lost =
      client_->Post("/contacts/", h,
                    Json{{"locationId", kLocation}, {"firstName", "B"}}.dump(),
                    "application/json");
  EXPECT_FALSE(lost);
  EXPECT_EQ(emulator_->State()["contacts"].size(), 1u) << "applied";
  Json faults = emulator_->faults().StatsJson();
  EXPECT_EQ(faults["injected"]["error"], 1);
  EXPECT_EQ(faults["injected"]["lost"], 1);
}

TEST_F(HighLevelEmulatorTest, SpecsLoad) {
  EXPECT_EQ(check_->operation_count(), 191u);
}

TEST_F(HighLevelEmulatorTest, MissingOrWrongTokenIs401) {
  Start();
  for (const std::string& auth : {std::string(""), std::string("Bearer nope"),
                                  absl::StrCat("Token ", kToken)}) {
    Response r = Call("GET", "/contacts/?locationId=" + Loc(), Json(),
                      {{"Authorization", auth}});
    EXPECT_EQ(r.status, 401) << auth;
    EXPECT_EQ(
        r.body,
        Json::parse(
            R"({"statusCode":401,"message":"Invalid token: access token is invalid","error":"Unauthorized"})"));
    EXPECT_EQ(r.header("X-RateLimit-Max"), "100");
  }
  Json stats = emulator_->Stats();
  EXPECT_EQ(stats["burst"]["used"], 0) << "401s are not charged";
  EXPECT_EQ(stats["requests"]["GET /contacts/"]["401"], 3);
}

TEST_F(HighLevelEmulatorTest, VersionHeaderIsRequiredPerOperation) {
  Start();
  Response missing =
      Call("GET", "/contacts/?locationId=" + Loc(), Json(), {{"Version", ""}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["message"], "Version header was not found");
  Response wrong = Call("GET", "/contacts/?locationId=" + Loc(), Json(),
                        {{"Version", "2021-04-15"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_THAT(wrong.body["message"].get<std::string>(),
              HasSubstr("2021-07-28"));
  Response calendar_v2 = Call("GET", "/calendars/?locationId=" + Loc(), Json(),
                              {{"Version", "2021-07-28"}});
  EXPECT_EQ(calendar_v2.status, 400);
  EXPECT_THAT(calendar_v2.body["message"].get<std::string>(),
              HasSubstr("2021-04-15"));
  EXPECT_EQ(Get("/calendars/?locationId=" + Loc()).status, 200);
  EXPECT_EQ(Get("/contacts/?locationId=" + Loc()).status, 200);
}

TEST_F(HighLevelEmulatorTest, OtherLocationOrCompanyIs403) {
  Start();
  const Json forbidden = Json::parse(
      R"({"statusCode":403,"message":"The token does not have access to this location.","error":"Forbidden"})");
  EXPECT_EQ(Get(absl::StrCat("/contacts/?locationId=", kOtherLocation)).body,
            forbidden);
  Response body = Post("/contacts/",
                       {{"locationId", kOtherLocation}, {"firstName", "Ann"}});
  EXPECT_EQ(body.status, 403);
  EXPECT_EQ(body.body, forbidden);
  EXPECT_EQ(
      Get(absl::StrCat("/locations/", kOtherLocation, "/customFields")).status,
      403);
  EXPECT_EQ(
      Get(absl::StrCat("/opportunities/search?location_id=", kOtherLocation))
          .status,
      403);
  Response company = Get("/users/search?companyId=someoneElse");
  EXPECT_EQ(company.status, 403);
  EXPECT_EQ(company.body["message"],
            "The token does not have access to this company.");
  EXPECT_TRUE(emulator_->State()["contacts"].empty());
}

TEST_F(HighLevelEmulatorTest, NotFoundShapes) {
  Start();
  Response r = Get("/contacts/con99999999999999999");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(
      r.body,
      Json::parse(
          R"({"statusCode":404,"message":"Contact not found","error":"Not Found"})"));
  Response route = Call("GET", "/nowhere/abc123", Json(), {}, false);
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(route.body["message"], "Cannot GET /nowhere/{value}");
  EXPECT_EQ(Get("/opportunities/opp99999999999999999").status, 404);
  EXPECT_EQ(Get("/businesses/b05e00000000000000000099").status, 404);
}

TEST_F(HighLevelEmulatorTest, InvalidJsonIs400WithoutEchoingTheBody) {
  Start();
  httplib::Headers h = {{"Authorization", absl::StrCat("Bearer ", kToken)},
                        {"Version", "2021-07-28"}};
  auto r = client_->Post("/contacts/", h, "{\"firstName\": \"Secretname",
                         "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.find("Secretname"), std::string::npos);
}

TEST_F(HighLevelEmulatorTest, TrailingSlashIsOptional) {
  Start();
  EXPECT_EQ(
      Post("/contacts", {{"locationId", kLocation}, {"firstName", "A"}}).status,
      201);
  EXPECT_EQ(Get("/contacts?locationId=" + Loc()).body["contacts"].size(), 1u);
  std::string id = emulator_->State()["contacts"][0]["id"];
  EXPECT_EQ(Get("/contacts/" + id + "/").status, 200);
}

// --------------------------------------------------------------- contacts

TEST_F(HighLevelEmulatorTest, ContactLifecycle) {
  Start();
  Response created = Post("/contacts/", {{"locationId", kLocation},
                                         {"firstName", "Rosa"},
                                         {"lastName", "Diaz"},
                                         {"email", "Rosa.Diaz@Example.com"},
                                         {"phone", "(415) 555-0132"},
                                         {"dateOfBirth", "09/25/1990"},
                                         {"tags", {"vip", "VIP", "recall"}},
                                         {"gender", "female"},
                                         {"source", "pbn"}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const Json& c = created.body["contact"];
  std::string id = c["id"];
  EXPECT_EQ(id.size(), 20u);
  EXPECT_EQ(c["phone"], "+14155550132");
  EXPECT_EQ(c["dateOfBirth"], "1990-09-25T00:00:00.000Z");
  EXPECT_EQ(c["emailLowerCase"], "rosa.diaz@example.com");
  EXPECT_EQ(c["email"], "Rosa.Diaz@Example.com");
  EXPECT_EQ(c["fullNameLowerCase"], "rosa diaz");
  EXPECT_EQ(c["tags"], Json({"vip", "recall"}));
  EXPECT_EQ(c["dateAdded"], "2026-11-23T09:00:00.000Z");
  EXPECT_EQ(c["locationId"], kLocation);

  Advance(absl::Seconds(5));
  Response updated = Put(
      "/contacts/" + id,
      {{"city", "Austin"}, {"email", nullptr}, {"dateOfBirth", "1990-09-26"}});
  ASSERT_EQ(updated.status, 200) << updated.body.dump();
  EXPECT_EQ(updated.body["succeded"], true);
  EXPECT_EQ(updated.body["contact"]["city"], "Austin");
  EXPECT_FALSE(updated.body["contact"].contains("email"));
  EXPECT_EQ(updated.body["contact"]["dateUpdated"], "2026-11-23T09:00:05.000Z");

  Response read = Get("/contacts/" + id);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body["contact"]["dateOfBirth"], "1990-09-26T00:00:00.000Z");
  Response deleted = Delete("/contacts/" + id);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body, Json::parse(R"({"succeded":true})"));
  EXPECT_EQ(Get("/contacts/" + id).status, 404);
  EXPECT_EQ(Delete("/contacts/" + id).status, 404);
}

TEST_F(HighLevelEmulatorTest, DateOfBirthInputFormats) {
  Start();
  for (const char* dob :
       {"1990/09/25", "09/25/1990", "1990-09-25", "09-25-1990", "1990.09.25",
        "09_25_1990", "1990-09-25T00:00:00.000Z"}) {
    Response r = Post(
        "/contacts/",
        {{"locationId", kLocation}, {"lastName", dob}, {"dateOfBirth", dob}});
    ASSERT_EQ(r.status, 201) << dob << r.body.dump();
    EXPECT_EQ(r.body["contact"]["dateOfBirth"], "1990-09-25T00:00:00.000Z")
        << dob;
  }
  for (const char* bad :
       {"1990-13-01", "25/09/1990", "1990/9/25", "Sept 1990", "1990-02-30"}) {
    Response r =
        Post("/contacts/", {{"locationId", kLocation}, {"dateOfBirth", bad}});
    EXPECT_EQ(r.status, 422) << bad;
    EXPECT_EQ(r.body.dump().find(bad), std::string::npos) << "no echo";
  }
}

TEST_F(HighLevelEmulatorTest, UnknownPropertiesAre422) {
  Start();
  Response r = Post("/contacts/", {{"locationId", kLocation},
                                   {"firstName", "A"},
                                   {"additionalEmails", {"x@y.z"}},
                                   {"businessId", "b"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["error"], "Unprocessable Entity");
  EXPECT_EQ(r.body["statusCode"], 422);
  EXPECT_THAT(r.body["message"],
              UnorderedElementsAre("property additionalEmails should not exist",
                                   "property businessId should not exist"));
  std::string id = NewContact({{"firstName", "A"}});
  Response put = Put("/contacts/" + id, {{"gender", "male"}});
  EXPECT_EQ(put.status, 422);
  EXPECT_THAT(put.body["message"],
              ElementsAre("property gender should not exist"));
  // Optional properties may be null.
  EXPECT_EQ(Post("/contacts/upsert", {{"locationId", kLocation},
                                      {"firstName", "N"},
                                      {"createNewIfDuplicateAllowed", nullptr},
                                      {"tags", nullptr}})
                .status,
            200);
  Response nested = Put("/contacts/" + id,
                        {{"dndSettings", {{"SMS", {{"status", "maybe"}}}}},
                         {"customFields", {{{"id", "x"}, {"value", "v"}}}}});
  EXPECT_EQ(nested.status, 422);
  EXPECT_THAT(nested.body["message"],
              UnorderedElementsAre(
                  "dndSettings.SMS.status must be one of the following values: "
                  "active, inactive, permanent",
                  "customFields.0.property value should not exist"));
  Response missing = Post("/contacts/", {{"firstName", "NoLocation"}});
  EXPECT_EQ(missing.status, 422);
  EXPECT_THAT(missing.body["message"],
              ElementsAre("locationId should not be empty",
                          "locationId must be a string"));
  Response types = Post("/contacts/", {{"locationId", kLocation},
                                       {"firstName", 12},
                                       {"dnd", "yes"},
                                       {"tags", {1}},
                                       {"email", "not-an-email"}});
  EXPECT_EQ(types.status, 422);
  EXPECT_THAT(types.body["message"],
              UnorderedElementsAre("firstName must be a string",
                                   "dnd must be a boolean value",
                                   "each value in tags must be a string"));
  Response email = Post(
      "/contacts/",
      {{"locationId", kLocation}, {"email", "not-an-email"}, {"phone", "12"}});
  EXPECT_EQ(email.status, 422);
  EXPECT_THAT(email.body["message"],
              UnorderedElementsAre("email must be an email",
                                   "phone must be a valid phone number"));
  EXPECT_EQ(email.body.dump().find("not-an-email"), std::string::npos);
  EXPECT_EQ(emulator_->State()["contacts"].size(), 2u)
      << "only the two valid writes stored";
}

TEST_F(HighLevelEmulatorTest, DuplicateContactsAreRefusedByDefault) {
  Start();
  std::string a = NewContact({{"firstName", "A"}, {"email", "a@x.example"}});
  std::string b =
      NewContact({{"firstName", "B"}, {"phone", "+1 415 555 0101"}});
  Response dup_email =
      Post("/contacts/", {{"locationId", kLocation}, {"email", "A@X.example"}});
  EXPECT_EQ(dup_email.status, 400);
  EXPECT_EQ(dup_email.body["message"],
            "This location does not allow duplicated contacts.");
  EXPECT_EQ(dup_email.body["meta"]["contactId"], a);
  EXPECT_EQ(dup_email.body["meta"]["matchingField"], "email");
  Response dup_phone = Post(
      "/contacts/", {{"locationId", kLocation}, {"phone", "(415) 555-0101"}});
  EXPECT_EQ(dup_phone.status, 400);
  EXPECT_EQ(dup_phone.body["meta"]["contactId"], b);
  EXPECT_EQ(dup_phone.body["meta"]["matchingField"], "phone");
  Response put = Put("/contacts/" + b, {{"email", "a@x.example"}});
  EXPECT_EQ(put.status, 400);
  EXPECT_EQ(emulator_->State()["contacts"].size(), 2u);

  Response found = Get("/contacts/search/duplicate?locationId=" + Loc() +
                       "&number=%2B14155550101");
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.body["contact"]["id"], b);
  Response none = Get("/contacts/search/duplicate?locationId=" + Loc() +
                      "&email=nobody%40x.example");
  EXPECT_TRUE(none.body["contact"].is_null());
}

TEST_F(HighLevelEmulatorTest, UpsertMatchesByEmailThenPhone) {
  Start();
  std::string a = NewContact({{"firstName", "A"}, {"email", "a@x.example"}});
  std::string b = NewContact({{"firstName", "B"}, {"phone", "+14155550101"}});
  // Email match.
  Response by_email = Post(
      "/contacts/upsert",
      {{"locationId", kLocation}, {"email", "A@x.example"}, {"city", "Reno"}});
  ASSERT_EQ(by_email.status, 200) << by_email.body.dump();
  EXPECT_EQ(by_email.body["new"], false);
  EXPECT_EQ(by_email.body["contact"]["id"], a);
  EXPECT_EQ(by_email.body["contact"]["city"], "Reno");
  EXPECT_TRUE(by_email.body["traceId"].is_string());
  // Phone match (other formatting).
  Response by_phone = Post("/contacts/upsert", {{"locationId", kLocation},
                                                {"phone", "415.555.0101"},
                                                {"lastName", "Bee"}});
  EXPECT_EQ(by_phone.body["new"], false);
  EXPECT_EQ(by_phone.body["contact"]["id"], b);
  // Email matches A, phone matches B: the first in priority (email) wins
  // and the phone is dropped so as not to duplicate B.
  Response both = Post("/contacts/upsert", {{"locationId", kLocation},
                                            {"email", "a@x.example"},
                                            {"phone", "+14155550101"},
                                            {"firstName", "Alpha"}});
  ASSERT_EQ(both.status, 200) << both.body.dump();
  EXPECT_EQ(both.body["new"], false);
  EXPECT_EQ(both.body["contact"]["id"], a);
  EXPECT_EQ(both.body["contact"]["firstName"], "Alpha");
  EXPECT_FALSE(both.body["contact"].contains("phone"));
  EXPECT_EQ(Get("/contacts/" + b).body["contact"]["firstName"], "B");
  // No match: created, still 200.
  Response fresh = Post("/contacts/upsert", {{"locationId", kLocation},
                                             {"email", "new@x.example"},
                                             {"gender", "female"}});
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(fresh.body["new"], true);
  EXPECT_EQ(fresh.body["contact"]["gender"], "female");
  // An update through upsert drops gender silently (issue #313).
  Response gender = Post("/contacts/upsert", {{"locationId", kLocation},
                                              {"email", "new@x.example"},
                                              {"gender", "male"}});
  EXPECT_EQ(gender.body["new"], false);
  EXPECT_EQ(gender.body["contact"]["gender"], "female");
  EXPECT_EQ(emulator_->State()["contacts"].size(), 3u);
}

TEST_F(HighLevelEmulatorTest, UpsertWithPhoneFirstPriority) {
  HighLevelOptions o;
  o.duplicate_priority = "phone";
  Start(o);
  std::string a = NewContact({{"firstName", "A"}, {"email", "a@x.example"}});
  std::string b = NewContact({{"firstName", "B"}, {"phone", "+14155550101"}});
  Response both = Post("/contacts/upsert", {{"locationId", kLocation},
                                            {"email", "a@x.example"},
                                            {"phone", "+1 (415) 555-0101"},
                                            {"lastName", "Phone"}});
  ASSERT_EQ(both.status, 200);
  EXPECT_EQ(both.body["contact"]["id"], b);
  EXPECT_EQ(both.body["contact"]["lastName"], "Phone");
  EXPECT_FALSE(both.body["contact"].contains("email")) << "email dropped";
  EXPECT_FALSE(Get("/contacts/" + a).body["contact"].contains("lastName"));
  // The same setting through /__sandbox/config.
  Json settings = Operator("POST", "config", {{"duplicate_priority", "email"}});
  EXPECT_EQ(settings["duplicate_priority"], "email");
  Response again = Post("/contacts/upsert", {{"locationId", kLocation},
                                             {"email", "a@x.example"},
                                             {"phone", "+14155550101"}});
  EXPECT_EQ(again.body["contact"]["id"], a);
}

TEST_F(HighLevelEmulatorTest, AllowDuplicateContacts) {
  HighLevelOptions o;
  o.allow_duplicate_contact = true;
  Start(o);
  std::string a = NewContact({{"email", "a@x.example"}});
  std::string a2 = NewContact({{"email", "a@x.example"}});
  EXPECT_NE(a, a2);
  Response forced =
      Post("/contacts/upsert", {{"locationId", kLocation},
                                {"email", "a@x.example"},
                                {"createNewIfDuplicateAllowed", true}});
  EXPECT_EQ(forced.body["new"], true);
  Response matched = Post(
      "/contacts/upsert",
      {{"locationId", kLocation}, {"email", "a@x.example"}, {"city", "Oslo"}});
  EXPECT_EQ(matched.body["new"], false);
  EXPECT_EQ(matched.body["contact"]["id"], a) << "the first match wins";
  EXPECT_EQ(emulator_->State()["contacts"].size(), 3u);
  // createNewIfDuplicateAllowed does nothing when duplicates are refused.
  Operator("POST", "config", {{"allow_duplicate_contact", false}});
  Response refused =
      Post("/contacts/upsert", {{"locationId", kLocation},
                                {"email", "a@x.example"},
                                {"createNewIfDuplicateAllowed", true}});
  EXPECT_EQ(refused.body["new"], false);
}

TEST_F(HighLevelEmulatorTest, ContactListPagesWithStartAfter) {
  Start();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(NewContact({{"firstName", absl::StrCat("P", i)}}));
    if (i != 2) Advance(absl::Milliseconds(250));  // 2 and 3 share a time
  }
  std::vector<std::string> seen;
  std::string next = "/contacts/?locationId=" + Loc() + "&limit=2";
  int pages = 0;
  while (!next.empty() && pages < 10) {
    Response r = Get(next);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["count"], 5);
    EXPECT_EQ(r.body["meta"]["total"], 5);
    for (const auto& c : r.body["contacts"]) seen.push_back(c["id"]);
    ++pages;
    next.clear();
    if (r.body["meta"].contains("nextPageUrl")) {
      next = absl::StrCat(
          "/contacts/?locationId=", Loc(),
          "&limit=2&startAfter=", r.body["meta"]["startAfter"].get<int64_t>(),
          "&startAfterId=", r.body["meta"]["startAfterId"].get<std::string>());
    }
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);
  Response too_many = Get("/contacts/?locationId=" + Loc() + "&limit=101");
  EXPECT_EQ(too_many.status, 422);
  Response query = Get("/contacts/?locationId=" + Loc() + "&query=p3");
  ASSERT_EQ(query.body["contacts"].size(), 1u);
  EXPECT_EQ(query.body["contacts"][0]["id"], ids[3]);
  EXPECT_EQ(Get("/contacts/").status, 422) << "locationId is required";
}

TEST_F(HighLevelEmulatorTest, ContactSearchFiltersSortsAndPages) {
  Start();
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    Json c = {{"firstName", absl::StrCat("Name", i)},
              {"email", absl::StrCat("p", i, "@x.example")},
              {"tags", i % 2 == 0 ? Json({"even"}) : Json({"odd"})}};
    ids.push_back(NewContact(c));
    Advance(absl::Seconds(1));
  }
  Response even =
      Post("/contacts/search",
           {{"locationId", kLocation},
            {"filters",
             {{{"field", "tags"}, {"operator", "eq"}, {"value", "even"}}}}});
  ASSERT_EQ(even.status, 200) << even.body.dump();
  EXPECT_EQ(even.body["total"], 3);
  EXPECT_EQ(even.body["contacts"][0]["id"], ids[4]) << "newest first";
  Response group = Post(
      "/contacts/search",
      {{"locationId", kLocation},
       {"filters",
        {{{"group", "OR"},
          {"filters",
           {{{"field", "email"}, {"operator", "eq"}, {"value", "P1@x.example"}},
            {{"field", "firstNameLowerCase"},
             {"operator", "contains"},
             {"value", "me5"}}}}}}},
       {"sort", {{{"field", "dateAdded"}, {"direction", "asc"}}}}});
  ASSERT_EQ(group.body["total"], 2);
  EXPECT_EQ(group.body["contacts"][0]["id"], ids[1]);
  EXPECT_EQ(group.body["contacts"][1]["id"], ids[5]);
  // Pages by searchAfter, ascending.
  std::vector<std::string> seen;
  Json after;
  for (int page = 0; page < 4; ++page) {
    Json body = {{"locationId", kLocation},
                 {"pageLimit", 4},
                 {"sort", {{{"field", "dateAdded"}, {"direction", "asc"}}}}};
    if (!after.is_null()) body["searchAfter"] = after;
    Response r = Post("/contacts/search", body);
    ASSERT_EQ(r.status, 200);
    if (r.body["contacts"].empty()) break;
    for (const auto& c : r.body["contacts"]) seen.push_back(c["id"]);
    after = r.body["contacts"].back()["searchAfter"];
  }
  EXPECT_EQ(seen, ids);
  Response page2 =
      Post("/contacts/search",
           {{"locationId", kLocation}, {"page", 2}, {"pageLimit", 4}});
  EXPECT_EQ(page2.body["contacts"].size(), 2u);
  Response bad =
      Post("/contacts/search",
           {{"locationId", kLocation},
            {"filters", {{{"field", "email"}, {"operator", "like"}}}}});
  EXPECT_EQ(bad.status, 400) << "POST /contacts/search declares no 422";
  EXPECT_THAT(bad.body["message"].get<std::string>(), HasSubstr("operator"));
}

TEST_F(HighLevelEmulatorTest, TagsNotesAndTasks) {
  Start();
  std::string id = NewContact({{"firstName", "T"}, {"tags", {"a"}}});
  Response add = Post("/contacts/" + id + "/tags", {{"tags", {"b", "A"}}});
  EXPECT_EQ(add.status, 201);
  EXPECT_EQ(add.body["tags"], Json({"a", "b"}));
  Response remove = Delete("/contacts/" + id + "/tags", {{"tags", {"a"}}});
  EXPECT_EQ(remove.status, 200);
  EXPECT_EQ(remove.body["tags"], Json({"b"}));

  std::string user = "usr00000000000000002";
  Response note = Post("/contacts/" + id + "/notes",
                       {{"body", "Prefers mornings"}, {"userId", user}});
  ASSERT_EQ(note.status, 201) << note.body.dump();
  std::string note_id = note.body["note"]["id"];
  EXPECT_EQ(note.body["note"]["contactId"], id);
  EXPECT_EQ(Post("/contacts/" + id + "/notes", {{"title", "x"}}).status, 422);
  EXPECT_EQ(Put("/contacts/" + id + "/notes/" + note_id, {{"pinned", true}})
                .body["note"]["pinned"],
            true);
  EXPECT_EQ(Get("/contacts/" + id + "/notes").body["notes"].size(), 1u);
  std::string other = NewContact({{"firstName", "O"}});
  EXPECT_EQ(Get("/contacts/" + other + "/notes/" + note_id).status, 404);
  EXPECT_EQ(Get("/contacts/" + id + "/notes/" + note_id).body["note"]["body"],
            "Prefers mornings");

  Response task = Post("/contacts/" + id + "/tasks",
                       {{"title", "Call back"},
                        {"dueDate", "2026-12-01T10:00:00-06:00"},
                        {"completed", false},
                        {"assignedTo", user}});
  ASSERT_EQ(task.status, 201) << task.body.dump();
  std::string task_id = task.body["task"]["id"];
  EXPECT_EQ(task.body["task"]["dueDate"], "2026-12-01T16:00:00.000Z");
  EXPECT_EQ(
      Post("/contacts/" + id + "/tasks",
           {{"title", "x"}, {"dueDate", "tomorrow"}, {"completed", false}})
          .status,
      422);
  Response done = Put("/contacts/" + id + "/tasks/" + task_id + "/completed",
                      {{"completed", true}});
  EXPECT_EQ(done.status, 200);
  EXPECT_EQ(done.body["task"]["completed"], true);
  EXPECT_EQ(Put("/contacts/" + id + "/tasks/" + task_id + "/completed",
                {{"title", "x"}})
                .status,
            422);
  EXPECT_EQ(Put("/contacts/" + id + "/tasks/" + task_id, {{"title", "Call"}})
                .body["task"]["title"],
            "Call");
  EXPECT_EQ(Get("/contacts/" + id + "/tasks").body["tasks"].size(), 1u);
  EXPECT_EQ(Get("/contacts/" + id + "/tasks/" + task_id).status, 200);
  EXPECT_EQ(Delete("/contacts/" + id + "/tasks/" + task_id).body["succeded"],
            true);
  EXPECT_EQ(Delete("/contacts/" + id + "/notes/" + note_id).body["succeded"],
            true);
  EXPECT_EQ(Get("/contacts/nobody/tasks").status, 404);
  // Deleting a contact deletes its notes.
  Post("/contacts/" + id + "/notes", {{"body", "x"}});
  Delete("/contacts/" + id);
  EXPECT_TRUE(emulator_->State()["notes"].empty());
}

TEST_F(HighLevelEmulatorTest, BusinessesAndContactLinks) {
  Start();
  Response created = Post("/businesses/", {{"locationId", kLocation},
                                           {"name", "Smile Bright Downtown"},
                                           {"phone", "+15125550100"},
                                           {"city", "Austin"}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["success"], true);
  std::string bid = created.body["buiseness"]["id"];
  EXPECT_EQ(bid.size(), 24u);
  EXPECT_EQ(Post("/businesses/", {{"locationId", kLocation}}).status, 422);
  std::string c1 = NewContact({{"firstName", "One"}});
  std::string c2 = NewContact({{"firstName", "Two"}});
  Response link = Post("/contacts/bulk/business", {{"locationId", kLocation},
                                                   {"ids", {c1, c2, "gone"}},
                                                   {"businessId", bid}});
  ASSERT_EQ(link.status, 200) << link.body.dump();
  EXPECT_EQ(link.body["ids"], Json({c1, c2}));
  EXPECT_EQ(Get("/contacts/" + c1).body["contact"]["businessId"], bid);
  Response members = Get("/contacts/business/" + bid + "?locationId=" + Loc());
  EXPECT_EQ(members.body["count"], 2);
  Response unlink =
      Post("/contacts/bulk/business",
           {{"locationId", kLocation}, {"ids", {c2}}, {"businessId", nullptr}});
  EXPECT_EQ(unlink.status, 200);
  EXPECT_FALSE(Get("/contacts/" + c2).body["contact"].contains("businessId"));

  EXPECT_EQ(Get("/businesses/?locationId=" + Loc()).body["businesses"].size(),
            1u);
  Response updated =
      Put("/businesses/" + bid, {{"city", "Round Rock"}, {"phone", nullptr}});
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(updated.body["buiseness"]["city"], "Round Rock");
  EXPECT_FALSE(updated.body["buiseness"].contains("phone"));
  EXPECT_EQ(Put("/businesses/" + bid, {{"locationId", kLocation}}).status, 422)
      << "locationId is not in UpdateBusinessDto";
  EXPECT_EQ(Get("/businesses/" + bid).body["business"]["name"],
            "Smile Bright Downtown");
  EXPECT_EQ(Delete("/businesses/" + bid).body,
            Json::parse(R"({"success":true})"));
  EXPECT_FALSE(Get("/contacts/" + c1).body["contact"].contains("businessId"));
  EXPECT_EQ(Get("/businesses/" + bid).status, 404);
}

// ---------------------------------------------------------- custom fields

TEST_F(HighLevelEmulatorTest, CustomFieldsByKeyAndReadBack) {
  Start();
  std::string base = absl::StrCat("/locations/", kLocation, "/customFields");
  Response key = Post(base, {{"name", "Bridgework key"}, {"dataType", "TEXT"}});
  ASSERT_EQ(key.status, 201) << key.body.dump();
  EXPECT_EQ(key.body["customField"]["fieldKey"], "contact.bridgework_key");
  EXPECT_EQ(key.body["customField"]["model"], "contact");
  std::string key_id = key.body["customField"]["id"];
  Response status = Post(base, {{"name", "Patient status"},
                                {"dataType", "SINGLE_OPTIONS"},
                                {"options", {"Active", "Inactive"}},
                                {"model", "contact"}});
  ASSERT_EQ(status.status, 201) << status.body.dump();
  EXPECT_EQ(status.body["customField"]["picklistOptions"],
            Json({"Active", "Inactive"}));
  std::string status_id = status.body["customField"]["id"];
  std::string visits_id =
      Post(base, {{"name", "Visits"}, {"dataType", "NUMERICAL"}})
          .body["customField"]["id"];
  std::string insurers_id = Post(base, {{"name", "Insurers"},
                                        {"dataType", "MULTIPLE_OPTIONS"},
                                        {"options", {"Delta", "Aetna"}}})
                                .body["customField"]["id"];
  std::string value_id = Post(base, {{"name", "Case value"},
                                     {"dataType", "MONETORY"},
                                     {"model", "opportunity"}})
                             .body["customField"]["id"];
  EXPECT_EQ(
      Post(base, {{"name", "Bridgework key"}, {"dataType", "TEXT"}}).status,
      400)
      << "same key";
  EXPECT_EQ(Post(base, {{"name", "X"}, {"dataType", "STRING"}}).status, 422);
  EXPECT_EQ(Post(base, {{"name", "Y"}, {"dataType", "RADIO"}}).status, 422)
      << "options needed";

  std::string id = NewContact(
      {{"firstName", "F"},
       {"customFields",
        {{{"key", "bridgework_key"}, {"field_value", "pbn:patient:1"}},
         {{"key", "contact.patient_status"}, {"field_value", "Active"}},
         {{"id", visits_id}, {"field_value", 3}},
         {{"id", insurers_id}, {"field_value", {"Delta", "Aetna"}}}}}});
  Json fields = Get("/contacts/" + id).body["contact"]["customFields"];
  EXPECT_THAT(fields,
              UnorderedElementsAre(
                  Json{{"id", key_id}, {"value", "pbn:patient:1"}},
                  Json{{"id", status_id}, {"value", "Active"}},
                  Json{{"id", visits_id}, {"value", "3"}},
                  Json{{"id", insurers_id}, {"value", "Delta, Aetna"}}));
  // The external-key lookup a connector does: search on a custom field.
  Response by_key =
      Post("/contacts/search", {{"locationId", kLocation},
                                {"filters",
                                 {{{"field", "customFields." + key_id},
                                   {"operator", "eq"},
                                   {"value", "pbn:patient:1"}}}}});
  ASSERT_EQ(by_key.status, 200) << by_key.body.dump();
  EXPECT_EQ(by_key.body["total"], 1);
  EXPECT_EQ(by_key.body["contacts"][0]["id"], id);
  // Native values on request of the operator.
  Operator("POST", "config", {{"native_custom_field_values", true}});
  Json native = Call("GET", "/contacts/" + id, Json(), {}, /*in_spec=*/false)
                    .body["contact"]["customFields"];
  EXPECT_THAT(native,
              ::testing::Contains(Json{{"id", visits_id}, {"value", 3}}));
  Operator("POST", "config", {{"native_custom_field_values", false}});

  Response bad = Put("/contacts/" + id,
                     {{"customFields",
                       {{{"id", status_id}, {"field_value", "Dormant"}},
                        {{"id", visits_id}, {"field_value", "many"}},
                        {{"key", "no_such_field"}, {"field_value", "x"}},
                        {{"id", value_id}, {"field_value", 5}}}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(
      bad.body["message"],
      ElementsAre(
          "customFields.0.field_value must be one of the field's options",
          "customFields.1.field_value must be a number",
          "customFields.2.id must be the id or key of a contact custom field",
          "customFields.3.id must be the id or key of a contact custom field"));
  EXPECT_EQ(bad.body.dump().find("Dormant"), std::string::npos);
  // Clearing one value.
  Response cleared =
      Put("/contacts/" + id,
          {{"customFields", {{{"id", visits_id}, {"field_value", nullptr}}}}});
  EXPECT_EQ(cleared.body["contact"]["customFields"].size(), 3u);

  Response list = Get(base + "?model=contact");
  EXPECT_EQ(list.body["customFields"].size(), 4u);
  EXPECT_EQ(Get(base + "?model=opportunity").body["customFields"].size(), 1u);
  EXPECT_EQ(Get(base).body["customFields"].size(), 5u);
  EXPECT_EQ(Get(base + "/contact.patient_status").body["customField"]["id"],
            status_id);
  Response renamed =
      Put(base + "/" + status_id,
          {{"name", "Status"}, {"options", {"Active", "Inactive", "Dormant"}}});
  EXPECT_EQ(renamed.status, 200);
  EXPECT_EQ(renamed.body["customField"]["fieldKey"], "contact.patient_status");
  EXPECT_EQ(Delete(base + "/" + status_id).body,
            Json::parse(R"({"succeded":true})"));
  EXPECT_EQ(Get("/contacts/" + id).body["contact"]["customFields"].size(), 2u);
  EXPECT_EQ(Get(base + "/" + status_id).status, 404);
}

// ---------------------------------------------------------- opportunities

TEST_F(HighLevelEmulatorTest, PipelinesAreSeeded) {
  Start();
  Response r = Get("/opportunities/pipelines?locationId=" + Loc());
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body["pipelines"].size(), 1u);
  const Json& p = r.body["pipelines"][0];
  EXPECT_EQ(p["name"], "Patient Treatment");
  std::vector<std::string> names;
  for (const auto& s : p["stages"]) names.push_back(s["name"]);
  EXPECT_THAT(names, ElementsAre("New Patient", "Consultation Scheduled",
                                 "Treatment Presented", "Treatment Accepted",
                                 "In Treatment", "Completed"));
  Json config = Operator("POST", "config",
                         {{"pipelines",
                           {{{"name", "Treatment plans"},
                             {"stages", {"Presented", "Accepted"}}}}}});
  EXPECT_EQ(config["pipelines"].size(), 2u);
  EXPECT_EQ(Get("/opportunities/pipelines?locationId=" + Loc())
                .body["pipelines"]
                .size(),
            2u);
  Operator("POST", "config", {{"pipelines", {{{"name", "No stages"}}}}}, 400);
}

TEST_F(HighLevelEmulatorTest, OpportunityLifecycleAndReferences) {
  Start();
  std::string first, second;
  std::string pipeline = DefaultPipeline(&first, &second);
  std::string contact =
      NewContact({{"firstName", "Opp"}, {"email", "o@x.example"}});
  std::string value_id =
      Post(absl::StrCat("/locations/", kLocation, "/customFields"),
           {{"name", "Case type"},
            {"dataType", "TEXT"},
            {"model", "opportunity"}})
          .body["customField"]["id"];
  Json body = {
      {"locationId", kLocation},
      {"pipelineId", pipeline},
      {"name", "Implant"},
      {"status", "open"},
      {"contactId", contact},
      {"monetaryValue", 4200.5},
      {"assignedTo", "usr00000000000000003"},
      {"customFields", {{{"key", "case_type"}, {"field_value", "implant"}}}}};
  Response created = Post("/opportunities/", body);
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const Json& o = created.body["opportunity"];
  std::string id = o["id"];
  EXPECT_EQ(o["pipelineStageId"], first) << "first stage by default";
  EXPECT_EQ(o["contact"]["email"], "o@x.example");
  EXPECT_EQ(o["monetaryValue"], 4200.5);
  EXPECT_EQ(o["customFields"],
            Json::parse(absl::StrCat(R"([{"id":")", value_id,
                                     R"(","fieldValue":"implant"}])")));
  // References are checked.
  for (auto [key, value] : {std::pair{"pipelineId", "nope"},
                            {"pipelineStageId", "nope"},
                            {"contactId", "nope"},
                            {"assignedTo", "nope"}}) {
    Json bad = body;
    bad[key] = value;
    Response r = Post("/opportunities/", bad);
    EXPECT_EQ(r.status, 400) << key;
  }
  Json all = body;
  all["status"] = "all";
  EXPECT_EQ(Post("/opportunities/", all).status, 422);
  Json extra = body;
  extra["source"] = "web";
  EXPECT_EQ(Post("/opportunities/", extra).status, 422);

  Advance(absl::Minutes(1));
  Response moved = Put("/opportunities/" + id,
                       {{"pipelineStageId", second}, {"monetaryValue", 5000}});
  ASSERT_EQ(moved.status, 200) << moved.body.dump();
  EXPECT_EQ(moved.body["opportunity"]["pipelineStageId"], second);
  EXPECT_EQ(moved.body["opportunity"]["lastStageChangeAt"],
            "2026-11-23T09:01:00.000Z");
  Response status =
      Put("/opportunities/" + id + "/status", {{"status", "won"}});
  EXPECT_EQ(status.body, Json::parse(R"({"succeded":true})"));
  EXPECT_EQ(Get("/opportunities/" + id).body["opportunity"]["status"], "won");
  EXPECT_EQ(
      Put("/opportunities/" + id + "/status", {{"status", "maybe"}}).status,
      422);
  EXPECT_EQ(Delete("/opportunities/" + id).body,
            Json::parse(R"({"succeded":true})"));
  EXPECT_EQ(Get("/opportunities/" + id).status, 404);
}

TEST_F(HighLevelEmulatorTest, OpportunityUpsertAndDuplicateSetting) {
  Start();
  std::string first, second;
  std::string pipeline = DefaultPipeline(&first, &second);
  std::string contact = NewContact({{"firstName", "Up"}});
  Json body = {{"locationId", kLocation},
               {"pipelineId", pipeline},
               {"contactId", contact},
               {"name", "Aligners"},
               {"status", "open"}};
  Response created = Post("/opportunities/upsert", body);
  ASSERT_EQ(created.status, 200) << created.body.dump();
  EXPECT_EQ(created.body["new"], true);
  std::string id = created.body["opportunity"]["id"];
  body["pipelineStageId"] = second;
  Response updated = Post("/opportunities/upsert", body);
  EXPECT_EQ(updated.body["new"], false);
  EXPECT_EQ(updated.body["opportunity"]["id"], id);
  EXPECT_EQ(updated.body["opportunity"]["pipelineStageId"], second);
  Response by_id =
      Post("/opportunities/upsert", {{"locationId", kLocation},
                                     {"pipelineId", pipeline},
                                     {"id", id},
                                     {"status", "lost"},
                                     {"followers", {"usr00000000000000002"}},
                                     {"followersActionType", "add"},
                                     {"isRemoveAllFollowers", false}});
  EXPECT_EQ(by_id.body["new"], false);
  EXPECT_EQ(by_id.body["opportunity"]["status"], "lost");
  EXPECT_EQ(by_id.body["opportunity"]["followers"],
            Json({"usr00000000000000002"}));
  EXPECT_EQ(Post("/opportunities/upsert",
                 {{"locationId", kLocation}, {"pipelineId", pipeline}})
                .status,
            422)
      << "nothing to match or create from";

  // A second opportunity of one contact in one pipeline.
  Json create = {{"locationId", kLocation},
                 {"pipelineId", pipeline},
                 {"contactId", contact},
                 {"name", "Second"},
                 {"status", "open"}};
  EXPECT_EQ(Post("/opportunities/", create).status, 201)
      << "allowed by default";
  Operator("POST", "config", {{"allow_duplicate_opportunity", false}});
  Response dup = Post("/opportunities/", create);
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(dup.body["message"],
            "Can not create duplicate opportunity for the contact.");
}

TEST_F(HighLevelEmulatorTest, OpportunitySearchPages) {
  Start();
  std::string pipeline = DefaultPipeline();
  std::string a = NewContact({{"firstName", "Ann"}});
  std::string b = NewContact({{"firstName", "Bob"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Response r = Post("/opportunities/", {{"locationId", kLocation},
                                          {"pipelineId", pipeline},
                                          {"name", absl::StrCat("Plan ", i)},
                                          {"status", i == 4 ? "won" : "open"},
                                          {"contactId", i < 3 ? a : b}});
    ids.push_back(r.body["opportunity"]["id"]);
    Advance(absl::Seconds(1));
  }
  std::string base = "/opportunities/search?location_id=" + Loc();
  Response page1 = Get(base + "&limit=2&order=added_asc");
  ASSERT_EQ(page1.status, 200) << page1.body.dump();
  EXPECT_EQ(page1.body["meta"]["total"], 5);
  EXPECT_EQ(page1.body["meta"]["nextPage"], 2);
  EXPECT_EQ(page1.body["opportunities"][0]["id"], ids[0]);
  Response page3 = Get(base + "&limit=2&page=3&order=added_asc");
  ASSERT_EQ(page3.body["opportunities"].size(), 1u);
  EXPECT_EQ(page3.body["opportunities"][0]["id"], ids[4]);
  EXPECT_FALSE(page3.body["meta"].contains("nextPage"));
  EXPECT_EQ(page3.body["meta"]["prevPage"], 2);
  // Cursor pages, newest first (the default order).
  std::vector<std::string> seen;
  std::string next = base + "&limit=2";
  for (int i = 0; i < 5 && !next.empty(); ++i) {
    Response r = Get(next);
    for (const auto& o : r.body["opportunities"]) seen.push_back(o["id"]);
    next = r.body["meta"].contains("nextPage")
               ? absl::StrCat(base, "&limit=2&startAfter=",
                              r.body["meta"]["startAfter"].get<int64_t>(),
                              "&startAfterId=",
                              r.body["meta"]["startAfterId"].get<std::string>())
               : "";
  }
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  EXPECT_EQ(Get(base + "&contact_id=" + b).body["meta"]["total"], 2);
  EXPECT_EQ(Get(base + "&status=won").body["meta"]["total"], 1);
  EXPECT_EQ(Get(base + "&q=bob").body["meta"]["total"], 2);
  EXPECT_EQ(Get(base + "&limit=500").status, 422);
  EXPECT_EQ(Get("/opportunities/search").status, 422);

  // POST /opportunities/search: filters, sort and searchAfter.
  Response won =
      Post("/opportunities/search",
           {{"locationId", kLocation},
            {"filters",
             {{{"field", "status"}, {"operator", "eq"}, {"value", "won"}}}}});
  ASSERT_EQ(won.status, 200) << won.body.dump();
  EXPECT_EQ(won.body["total"], 1);
  EXPECT_EQ(won.body["opportunities"][0]["id"], ids[4]);
  std::vector<std::string> cursor_seen;
  Json after;
  for (int i = 0; i < 5; ++i) {
    Json body = {{"locationId", kLocation},
                 {"limit", 2},
                 {"sort", {{{"field", "createdAt"}, {"direction", "asc"}}}}};
    if (!after.is_null()) body["searchAfter"] = after;
    Response r = Post("/opportunities/search", body);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    if (r.body["opportunities"].empty()) break;
    for (const auto& o : r.body["opportunities"])
      cursor_seen.push_back(o["id"]);
    after = r.body["opportunities"].back()["searchAfter"];
  }
  EXPECT_EQ(cursor_seen, ids);
  EXPECT_EQ(
      Post("/opportunities/search", {{"locationId", kLocation}, {"stage", "x"}})
          .status,
      422);
}

// -------------------------------------------------------------- calendars

TEST_F(HighLevelEmulatorTest, AppointmentsKeepTheirOffset) {
  Start();
  Response cals = Get("/calendars/?locationId=" + Loc());
  ASSERT_EQ(cals.status, 200);
  ASSERT_EQ(cals.body["calendars"].size(), 1u);
  std::string cal = cals.body["calendars"][0]["id"];
  std::string contact = NewContact({{"firstName", "Appt"}});
  Json body = {
      {"calendarId", cal},    {"locationId", kLocation},
      {"contactId", contact}, {"startTime", "2026-12-01T09:30:00-06:00"},
      {"title", "Cleaning"},  {"appointmentStatus", "confirmed"}};
  Response created = Post("/calendars/events/appointments", body);
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string id = created.body["id"];
  EXPECT_EQ(created.body["startTime"], "2026-12-01T09:30:00-06:00");
  EXPECT_EQ(created.body["endTime"], "2026-12-01T10:00:00-06:00")
      << "slot duration, same offset";
  Response overlap = Post("/calendars/events/appointments",
                          {{"calendarId", cal},
                           {"locationId", kLocation},
                           {"contactId", contact},
                           {"startTime", "2026-12-01T15:45:00Z"}});
  EXPECT_EQ(overlap.status, 400) << "15:45Z is inside 15:30-16:00Z";
  EXPECT_EQ(overlap.body["message"],
            "The slot you have selected is no longer available.");
  Response forced = Post("/calendars/events/appointments",
                         {{"calendarId", cal},
                          {"locationId", kLocation},
                          {"contactId", contact},
                          {"startTime", "2026-12-01T15:45:00Z"},
                          {"endTime", "2026-12-01T16:15:00Z"},
                          {"ignoreFreeSlotValidation", true}});
  EXPECT_EQ(forced.status, 200) << forced.body.dump();
  EXPECT_EQ(Post("/calendars/events/appointments", {{"calendarId", cal},
                                                    {"locationId", kLocation},
                                                    {"contactId", contact},
                                                    {"startTime", "soon"}})
                .status,
            400);
  Json unknown = body;
  unknown["color"] = "red";
  EXPECT_EQ(Post("/calendars/events/appointments", unknown).status, 400)
      << "calendars declare 400, not 422";

  Response read = Get("/calendars/events/appointments/" + id);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.body["event"]["startTime"], "2026-12-01T09:30:00-06:00");
  EXPECT_EQ(read.body["event"]["calendarId"], cal);
  int64_t from =
      highlevel::UnixMillis(*highlevel::ParseInstant("2026-12-01T00:00:00Z"));
  int64_t to =
      highlevel::UnixMillis(*highlevel::ParseInstant("2026-12-02T00:00:00Z"));
  std::string range = absl::StrCat("&startTime=", from, "&endTime=", to);
  Response events = Get("/calendars/events?locationId=" + Loc() +
                        "&calendarId=" + cal + range);
  ASSERT_EQ(events.status, 200) << events.body.dump();
  EXPECT_EQ(events.body["events"].size(), 2u);
  EXPECT_EQ(Get("/calendars/events?locationId=" + Loc() + range).status, 400)
      << "calendarId, userId or groupId";
  Response by_contact = Get("/contacts/" + contact + "/appointments");
  EXPECT_EQ(by_contact.body["events"].size(), 2u);
  Response moved = Put("/calendars/events/appointments/" + id,
                       {{"startTime", "2026-12-02T08:00:00+01:00"},
                        {"endTime", "2026-12-02T08:45:00+01:00"}});
  ASSERT_EQ(moved.status, 200) << moved.body.dump();
  EXPECT_EQ(moved.body["startTime"], "2026-12-02T08:00:00+01:00");
  Response deleted = Delete("/calendars/events/" + id, Json::object());
  EXPECT_EQ(deleted.status, 201);
  EXPECT_EQ(deleted.body, Json::parse(R"({"succeeded":true})"));
  EXPECT_EQ(Get("/calendars/events/appointments/" + id).status, 404);
}

// ---------------------------------------------- objects and associations

TEST_F(HighLevelEmulatorTest, CustomObjectRecordsAndAssociations) {
  Start();
  Json schema = {
      {"labels", {{"singular", "Treatment"}, {"plural", "Treatments"}}},
      {"key", "custom_objects.treatment"},
      {"locationId", kLocation},
      {"primaryDisplayPropertyDetails",
       {{"key", "custom_objects.treatment.name"},
        {"name", "Treatment name"},
        {"dataType", "TEXT"}}}};
  Response created = Post("/objects/", schema);
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["object"]["primaryDisplayProperty"],
            "custom_objects.treatment.name");
  EXPECT_EQ(Post("/objects/", schema).status, 400) << "same key";
  Json bad_key = schema;
  bad_key["key"] = "treatment";
  EXPECT_EQ(Post("/objects/", bad_key).status, 422);
  Response objects = Get("/objects/?locationId=" + Loc());
  EXPECT_EQ(objects.body["objects"].size(), 4u)
      << "contact, opportunity, business + 1";

  // A field in the object's folder, then records.
  Response folders = Get(
      "/custom-fields/object-key/custom_objects.treatment?locationId=" + Loc());
  ASSERT_EQ(folders.status, 200) << folders.body.dump();
  ASSERT_EQ(folders.body["folders"].size(), 1u);
  EXPECT_EQ(folders.body["fields"].size(), 1u) << "the primary property";
  std::string folder = folders.body["folders"][0]["id"];
  Response fee =
      Post("/custom-fields/", {{"locationId", kLocation},
                               {"name", "Fee"},
                               {"showInForms", true},
                               {"dataType", "MONETORY"},
                               {"fieldKey", "custom_objects.treatment.fee"},
                               {"objectKey", "custom_objects.treatment"},
                               {"parentId", folder}});
  ASSERT_EQ(fee.status, 201) << fee.body.dump();
  Response with_fields =
      Get("/objects/custom_objects.treatment?locationId=" + Loc() +
          "&fetchProperties=true");
  EXPECT_EQ(with_fields.body["fields"].size(), 2u);
  std::string fee_id = fee.body["field"]["id"];
  EXPECT_EQ(Get("/custom-fields/" + fee_id).body["field"]["fieldKey"],
            "custom_objects.treatment.fee");
  Response renamed = Put("/custom-fields/" + fee_id, {{"locationId", kLocation},
                                                      {"showInForms", true},
                                                      {"name", "Fee (USD)"}});
  EXPECT_EQ(renamed.body["field"]["name"], "Fee (USD)");
  EXPECT_EQ(Put("/custom-fields/" + fee_id, {{"locationId", kLocation},
                                             {"showInForms", true},
                                             {"dataType", "TEXT"}})
                .status,
            400)
      << "dataType cannot change; custom-fields declares no 422";
  Response searchable =
      Put("/objects/custom_objects.treatment",
          {{"locationId", kLocation},
           {"searchableProperties",
            {"custom_objects.treatment.name", "custom_objects.treatment.fee"}},
           {"labels", {{"plural", "Treatment plans"}}}});
  ASSERT_EQ(searchable.status, 200) << searchable.body.dump();
  EXPECT_EQ(searchable.body["object"]["labels"]["plural"], "Treatment plans");
  EXPECT_EQ(Put("/objects/custom_objects.treatment",
                {{"locationId", kLocation}, {"searchableProperties", {"nope"}}})
                .status,
            422);
  Response contact_fields =
      Get("/objects/contact?locationId=" + Loc() + "&fetchProperties=true");
  EXPECT_EQ(contact_fields.status, 200);
  EXPECT_EQ(contact_fields.body["object"]["standard"], true);

  std::string records = "/objects/custom_objects.treatment/records";
  Response record =
      Post(records, {{"locationId", kLocation},
                     {"properties", {{"name", "Crown #3"}, {"fee", 950}}},
                     {"owner", {"usr00000000000000002"}}});
  ASSERT_EQ(record.status, 201) << record.body.dump();
  std::string rid = record.body["record"]["id"];
  EXPECT_EQ(record.body["record"]["properties"]["fee"], 950);
  EXPECT_EQ(Post(records, {{"locationId", kLocation},
                           {"properties", {{"fee", "a lot"}}}})
                .status,
            400)
      << "records declare 400, not 422";
  Response changed = Call("PUT", records + "/" + rid + "?locationId=" + Loc(),
                          {{"properties", {{"fee", 1000}}}});
  ASSERT_EQ(changed.status, 200) << changed.body.dump();
  EXPECT_EQ(changed.body["record"]["properties"]["name"], "Crown #3");
  EXPECT_EQ(changed.body["record"]["properties"]["fee"], 1000);
  Post(records,
       {{"locationId", kLocation}, {"properties", {{"name", "Filling"}}}});
  Response found = Post(records + "/search", {{"locationId", kLocation},
                                              {"page", 1},
                                              {"pageLimit", 10},
                                              {"query", "crown"}});
  ASSERT_EQ(found.status, 200) << found.body.dump();
  EXPECT_EQ(found.body["total"], 1);
  EXPECT_EQ(found.body["records"][0]["id"], rid);

  // contact <-> treatment.
  std::string contact = NewContact({{"firstName", "Patient"}});
  Response association =
      Post("/associations/", {{"locationId", kLocation},
                              {"key", "patient_treatment"},
                              {"firstObjectLabel", "Patient"},
                              {"firstObjectKey", "contact"},
                              {"secondObjectLabel", "Treatment"},
                              {"secondObjectKey", "custom_objects.treatment"}});
  ASSERT_EQ(association.status, 201) << association.body.dump();
  std::string aid = association.body["id"];
  EXPECT_EQ(association.body["associationType"], "USER_DEFINED");
  Response relation =
      Post("/associations/relations", {{"locationId", kLocation},
                                       {"associationId", aid},
                                       {"firstRecordId", rid},
                                       {"secondRecordId", contact}});
  ASSERT_EQ(relation.status, 201) << relation.body.dump();
  EXPECT_EQ(relation.body["firstRecordId"], contact)
      << "put in association order";
  EXPECT_EQ(relation.body["secondRecordId"], rid);
  EXPECT_EQ(Post("/associations/relations", {{"locationId", kLocation},
                                             {"associationId", aid},
                                             {"firstRecordId", contact},
                                             {"secondRecordId", rid}})
                .status,
            400)
      << "exists";
  std::string relation_id = relation.body["id"];
  Response listed = Get("/associations/relations/" + contact +
                        "?locationId=" + Loc() + "&skip=0&limit=10");
  ASSERT_EQ(listed.status, 200) << listed.body.dump();
  EXPECT_EQ(listed.body["relations"].size(), 1u);
  EXPECT_EQ(Get("/associations/?locationId=" + Loc() + "&skip=0&limit=10")
                .body["associations"]
                .size(),
            1u);
  EXPECT_EQ(Get("/associations/" + aid).body["key"], "patient_treatment");
  EXPECT_EQ(
      Get("/associations/key/patient_treatment?locationId=" + Loc()).body["id"],
      aid);
  EXPECT_EQ(Put("/associations/" + aid, {{"firstObjectLabel", "Patient"},
                                         {"secondObjectLabel", "Plan"}})
                .body["secondObjectLabel"],
            "Plan");
  EXPECT_EQ(
      Delete("/associations/relations/" + relation_id + "?locationId=" + Loc())
          .status,
      200);
  EXPECT_TRUE(Get("/associations/relations/" + contact +
                  "?locationId=" + Loc() + "&skip=0&limit=10")
                  .body["relations"]
                  .empty());
  // Deleting a record drops its relations.
  Post("/associations/relations", {{"locationId", kLocation},
                                   {"associationId", aid},
                                   {"firstRecordId", contact},
                                   {"secondRecordId", rid}});
  EXPECT_EQ(Delete(records + "/" + rid).body["success"], true);
  EXPECT_TRUE(emulator_->State()["relations"].empty());
  EXPECT_EQ(Get(records + "/" + rid).status, 404);
  EXPECT_EQ(Delete("/associations/" + aid).body["deleted"], true);
  EXPECT_EQ(Delete("/custom-fields/" + fee_id).body["succeded"], true);
  EXPECT_EQ(Get("/custom-fields/" + fee_id).status, 404);
}

TEST_F(HighLevelEmulatorTest, ConcurrentCreatesGetDistinctIds) {
  Start();
  constexpr int kThreads = 4, kEach = 20;
  std::vector<std::thread> threads;
  std::vector<std::vector<int>> statuses(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &statuses] {
      httplib::Client client("127.0.0.1", port_);
      httplib::Headers h = {{"Authorization", absl::StrCat("Bearer ", kToken)},
                            {"Version", "2021-07-28"}};
      for (int i = 0; i < kEach; ++i) {
        Json body = {{"locationId", kLocation},
                     {"email", absl::StrCat("t", t, "-", i, "@x.example")}};
        auto r = client.Post("/contacts/", h, body.dump(), "application/json");
        statuses[t].push_back(r ? r->status : -1);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& list : statuses) {
    for (int status : list) EXPECT_EQ(status, 201);
  }
  std::set<std::string> ids;
  Json state = emulator_->State();
  for (const auto& c : state["contacts"]) ids.insert(c["id"]);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_EQ(emulator_->Stats()["requests"]["POST /contacts/"]["201"],
            kThreads * kEach);
}

TEST_F(HighLevelEmulatorTest, BusinessRecordsCarryCustomFields) {
  Start();
  Response folders =
      Get("/custom-fields/object-key/business?locationId=" + Loc());
  ASSERT_EQ(folders.status, 200);
  std::string folder = folders.body["folders"][0]["id"];
  Response field =
      Post("/custom-fields/", {{"locationId", kLocation},
                               {"name", "Bridgework key"},
                               {"showInForms", false},
                               {"dataType", "TEXT"},
                               {"fieldKey", "business.bridgework_key"},
                               {"objectKey", "business"},
                               {"parentId", folder}});
  ASSERT_EQ(field.status, 201) << field.body.dump();
  std::string bid =
      Post("/businesses/", {{"locationId", kLocation}, {"name", "Clinic"}})
          .body["buiseness"]["id"];
  Response set =
      Call("PUT", "/objects/business/records/" + bid + "?locationId=" + Loc(),
           {{"properties", {{"bridgework_key", "pbn:location:1"}}}});
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_EQ(set.body["record"]["properties"]["name"], "Clinic");
  EXPECT_EQ(set.body["record"]["properties"]["bridgework_key"],
            "pbn:location:1");
  Response search = Post("/objects/business/records/search",
                         {{"locationId", kLocation},
                          {"page", 1},
                          {"pageLimit", 10},
                          {"query", "bridgework_key:pbn:location:1"}});
  EXPECT_EQ(search.body["total"], 1);
  EXPECT_EQ(Get("/businesses/" + bid).body["business"]["name"], "Clinic");
}

TEST_F(HighLevelEmulatorTest, CustomObjectPlanLimit) {
  HighLevelOptions o;
  o.custom_object_limit = 2;
  Start(o);
  auto schema = [](const std::string& name) {
    return Json{{"labels", {{"singular", name}, {"plural", name + "s"}}},
                {"key", "custom_objects." + name},
                {"locationId", kLocation},
                {"primaryDisplayPropertyDetails",
                 {{"key", "custom_objects." + name + ".name"},
                  {"name", "Name"},
                  {"dataType", "TEXT"}}}};
  };
  EXPECT_EQ(Post("/objects/", schema("a")).status, 201);
  EXPECT_EQ(Post("/objects/", schema("b")).status, 201);
  Response over = Post("/objects/", schema("c"));
  EXPECT_EQ(over.status, 400);
  EXPECT_THAT(over.body["message"].get<std::string>(), HasSubstr("limit"));
  Operator("POST", "config", {{"custom_object_limit", 3}});
  EXPECT_EQ(Post("/objects/", schema("c")).status, 201);
}

// ------------------------------------------------- medias, users, products

TEST_F(HighLevelEmulatorTest, MediaUploadListDelete) {
  Start();
  httplib::Headers h = {{"Authorization", absl::StrCat("Bearer ", kToken)},
                        {"Version", "2021-07-28"}};
  httplib::MultipartFormDataItems items = {
      {"file", "%PDF-1.4 consent form", "consent.pdf", "application/pdf"},
      {"name", "Consent form", "", ""}};
  auto up = client_->Post("/medias/upload-file", h, items);
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 200) << up->body;
  Json body = Json::parse(up->body);
  Response as_response{up->status, body, up->headers};
  Conforms("POST", "/medias/upload-file", as_response);
  std::string file_id = body["fileId"];
  EXPECT_THAT(body["url"].get<std::string>(), HasSubstr(file_id));
  std::string list =
      absl::StrCat("/medias/files?sortBy=createdAt&sortOrder=asc&type=file",
                   "&altType=location&altId=", kLocation);
  Response files = Get(list);
  ASSERT_EQ(files.status, 200) << files.body.dump();
  ASSERT_EQ(files.body["files"].size(), 1u);
  EXPECT_EQ(files.body["files"][0]["name"], "Consent form");
  EXPECT_EQ(files.body["files"][0]["size"], 21);
  EXPECT_EQ(Get("/medias/files?sortBy=createdAt").status, 400);

  auto missing =
      client_->Post("/medias/upload-file", h,
                    httplib::MultipartFormDataItems{{"name", "x", "", ""}});
  EXPECT_EQ(missing->status, 400);
  auto hosted =
      client_->Post("/medias/upload-file", h,
                    httplib::MultipartFormDataItems{
                        {"hosted", "true", "", ""},
                        {"fileUrl", "https://files.example/x.png", "", ""}});
  EXPECT_EQ(hosted->status, 200) << hosted->body;
  std::string big(25u * 1024 * 1024 + 1, 'x');
  auto too_big =
      client_->Post("/medias/upload-file", h,
                    httplib::MultipartFormDataItems{
                        {"file", big, "xray.dcm", "application/dicom"}});
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_EQ(Json::parse(too_big->body)["statusCode"], 413);

  Response deleted = Delete(
      absl::StrCat("/medias/", file_id, "?altType=location&altId=", kLocation));
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(Get(list).body["files"].size(), 1u) << "the hosted one is left";
  EXPECT_EQ(Delete(absl::StrCat("/medias/", file_id,
                                "?altType=location&altId=", kLocation))
                .status,
            404);
}

TEST_F(HighLevelEmulatorTest, UsersMatchTheFreshsalesDefaults) {
  Start();
  Response all = Get("/users/?locationId=" + Loc());
  ASSERT_EQ(all.status, 200);
  std::vector<std::string> emails;
  for (const auto& u : all.body["users"]) emails.push_back(u["email"]);
  std::vector<std::string> freshsales_emails;
  for (const auto& u : freshsales::DefaultUsers())
    freshsales_emails.push_back(u.email);
  EXPECT_EQ(emails, freshsales_emails);

  Response search = Get(absl::StrCat("/users/search?companyId=", kCompany,
                                     "&locationId=", kLocation,
                                     "&query=dr.chen@smilebright.example"));
  ASSERT_EQ(search.status, 200) << search.body.dump();
  ASSERT_EQ(search.body["users"].size(), 1u);
  EXPECT_EQ(search.body["count"], 1);
  std::string chen = search.body["users"][0]["id"];
  EXPECT_EQ(search.body["users"][0]["name"], "Wei Chen");
  Response paged = Get(
      absl::StrCat("/users/search?companyId=", kCompany, "&skip=1&limit=1"));
  EXPECT_EQ(paged.body["users"].size(), 1u);
  EXPECT_EQ(paged.body["count"], 3);
  EXPECT_EQ(Get("/users/search").status, 422) << "companyId is required";
  Response by_email =
      Post("/users/search/filter-by-email",
           {{"companyId", kCompany},
            {"emails", "DR.RIVERA@smilebright.example, nobody@x"}});
  ASSERT_EQ(by_email.status, 200) << by_email.body.dump();
  ASSERT_EQ(by_email.body["users"].size(), 1u);
  EXPECT_EQ(by_email.body["users"][0]["lastName"], "Rivera");
  EXPECT_EQ(Get("/users/" + chen).body["email"], "dr.chen@smilebright.example");
  EXPECT_EQ(Get("/users/usr99999999999999999").status, 404);
}

TEST_F(HighLevelEmulatorTest, UsersFileReplacesDefaults) {
  HighLevelOptions o;
  o.users =
      Json::parse(R"([{"id":"u1","name":"Ana Lima","email":"ana@x.example"},
                            {"display_name":"Bo Li","email":"bo@x.example","is_active":false}])");
  Start(o);
  Response all = Get("/users/?locationId=" + Loc());
  ASSERT_EQ(all.body["users"].size(), 1u) << "inactive users are left out";
  EXPECT_EQ(all.body["users"][0]["id"], "u1");
  EXPECT_EQ(all.body["users"][0]["roles"]["role"], "admin");
  EXPECT_EQ(NewContact({{"firstName", "X"}, {"assignedTo", "u1"}}).size(), 20u);
  Response inactive =
      Post("/contacts/",
           {{"locationId", kLocation}, {"assignedTo", "usr00000000000000002"}});
  EXPECT_EQ(inactive.status, 422);
}

TEST_F(HighLevelEmulatorTest, Products) {
  Start();
  Response created = Post("/products/", {{"locationId", kLocation},
                                         {"name", "Whitening kit"},
                                         {"productType", "PHYSICAL"},
                                         {"description", "Take-home kit"}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  std::string id = created.body["_id"];
  EXPECT_EQ(
      Post("/products/",
           {{"locationId", kLocation}, {"name", "x"}, {"productType", "FOOD"}})
          .status,
      422);
  Response list = Get("/products/?locationId=" + Loc());
  EXPECT_EQ(list.body["products"].size(), 1u);
  EXPECT_EQ(list.body["total"], Json::parse(R"([{"total":1}])"));
  EXPECT_EQ(Get("/products/" + id + "?locationId=" + Loc()).body["name"],
            "Whitening kit");
  Response updated = Put("/products/" + id, {{"locationId", kLocation},
                                             {"name", "Whitening kit XL"},
                                             {"productType", "PHYSICAL"}});
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(updated.body["name"], "Whitening kit XL");
  EXPECT_EQ(Delete("/products/" + id + "?locationId=" + Loc()).body,
            Json::parse(R"({"status":true})"));
  EXPECT_EQ(Get("/products/" + id + "?locationId=" + Loc()).status, 404);
}

// ------------------------------------------------------------ rate limits

TEST_F(HighLevelEmulatorTest, BurstLimitGives429WithHeaders) {
  HighLevelOptions o;
  o.burst_limit = 3;
  Start(o);
  std::string path = "/contacts/?locationId=" + Loc();
  for (int i = 0; i < 3; ++i) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("X-RateLimit-Max"), "3");
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(r.header("X-RateLimit-Interval-Milliseconds"), "10000");
    EXPECT_EQ(r.header("X-RateLimit-Limit-Daily"), "200000");
    EXPECT_EQ(r.header("X-RateLimit-Daily-Remaining"),
              std::to_string(199999 - i));
  }
  Advance(absl::Seconds(4));
  Response limited = Get(path);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["statusCode"], 429);
  EXPECT_EQ(limited.header("Retry-After"), "6");
  EXPECT_EQ(limited.header("X-RateLimit-Remaining"), "0");
  EXPECT_EQ(limited.header("X-RateLimit-Daily-Remaining"), "199997")
      << "refused requests are not charged";
  Advance(absl::Seconds(6));
  EXPECT_EQ(Get(path).status, 200);
  Json stats = emulator_->Stats();
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["requests"]["GET /contacts/"]["429"], 1);
  EXPECT_EQ(stats["requests"]["GET /contacts/"]["200"], 4);
}

TEST_F(HighLevelEmulatorTest, TimeScaleCompressesTheWindows) {
  HighLevelOptions o;
  o.burst_limit = 1;
  o.time_scale = 10;
  Start(o);
  std::string path = "/contacts/?locationId=" + Loc();
  Response first = Get(path);
  EXPECT_EQ(first.header("X-RateLimit-Interval-Milliseconds"), "1000");
  EXPECT_EQ(Get(path).status, 429);
  Advance(absl::Seconds(1));
  EXPECT_EQ(Get(path).status, 200);
  Json config =
      Operator("POST", "config", {{"burst_limit", 2}, {"time_scale", 1}});
  EXPECT_EQ(config["burst"]["limit"], 2);
  EXPECT_EQ(Get(path).header("X-RateLimit-Interval-Milliseconds"), "10000");
}

TEST_F(HighLevelEmulatorTest, DailyLimit) {
  HighLevelOptions o;
  o.daily_limit = 4;
  Start(o);
  std::string path = "/contacts/?locationId=" + Loc();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Get(path).status, 200);
    Advance(absl::Seconds(11));  // a fresh burst window each time
  }
  Response limited = Get(path);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("X-RateLimit-Daily-Remaining"), "0");
  EXPECT_THAT(limited.body["message"].get<std::string>(), HasSubstr("daily"));
  EXPECT_GT(std::stoi(limited.header("Retry-After")), 3600);
  Advance(absl::Hours(24));
  EXPECT_EQ(Get(path).status, 200);
  Operator("POST", "config", {{"daily_limit", 200000}, {"reset_window", true}});
  EXPECT_EQ(Get(path).header("X-RateLimit-Daily-Remaining"), "199999");
}

// --------------------------------------------------------------- operator

TEST_F(HighLevelEmulatorTest, OperatorStateStatsSeedResetConfig) {
  Start();
  Json ids = Operator(
      "POST", "seed",
      {{"businesses",
        {{{"name", "Seed Clinic"}, {"id", "b05e0000000000000000aaaa"}}}},
       {"contacts",
        {{{"firstName", "Seeded"},
          {"email", "s@x.example"},
          {"dateAdded", "2020-01-01T00:00:00.000Z"}}}},
       {"pipelines", {{{"name", "Ortho"}, {"stages", {"Start", "End"}}}}}});
  ASSERT_EQ(ids["contacts"].size(), 1u) << ids.dump();
  EXPECT_EQ(ids["businesses"][0], "b05e0000000000000000aaaa");
  std::string seeded = ids["contacts"][0];
  EXPECT_EQ(Get("/contacts/" + seeded).body["contact"]["dateAdded"],
            "2020-01-01T00:00:00.000Z");
  // Seeds are all or nothing.
  Json refused = Operator(
      "POST", "seed",
      {{"contacts", {{{"firstName", "Ok"}}, {{"email", "s@x.example"}}}}}, 400);
  EXPECT_THAT(refused["error"].get<std::string>(), HasSubstr("contacts[1]"));
  Json bad_time = Operator(
      "POST", "seed",
      {{"contacts", {{{"firstName", "T"}, {"dateAdded", "yesterday"}}}}}, 400);
  EXPECT_THAT(bad_time["error"].get<std::string>(), HasSubstr("dateAdded"));
  Json state = emulator_->State();
  EXPECT_EQ(state["contacts"].size(), 1u);
  EXPECT_EQ(state["businesses"].size(), 1u);
  EXPECT_EQ(state["pipelines"].size(), 2u);
  for (const char* k :
       {"contacts", "businesses", "opportunities", "notes", "tasks",
        "appointments", "custom_fields", "objects", "records", "associations",
        "relations", "medias", "products", "pipelines", "calendars", "users",
        "settings"}) {
    EXPECT_TRUE(state.contains(k)) << k;
  }
  Post("/contacts/", {{"locationId", kLocation}, {"firstName", "Api"}});
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["POST /contacts/"]["201"], 1);
  EXPECT_EQ(stats["requests"]["GET /contacts/{contactId}"]["200"], 1);
  EXPECT_EQ(stats["total"], 2);
  EXPECT_EQ(stats["burst"]["limit"], 100);
  EXPECT_EQ(stats["daily"]["limit"], 200000);

  Operator("POST", "config", {{"no_such_setting", 1}}, 400);
  Operator("POST", "config", {{"duplicate_priority", "fax"}}, 400);
  Operator("POST", "config", {{"burst_limit", -1}}, 400);
  Operator("POST", "reset");
  state = emulator_->State();
  EXPECT_TRUE(state["contacts"].empty());
  EXPECT_EQ(state["pipelines"].size(), 1u) << "back to the seeded pipeline";
  EXPECT_EQ(state["calendars"].size(), 1u);
  EXPECT_EQ(Operator("GET", "stats")["total"], 0);
  EXPECT_EQ(NewContact({{"firstName", "Fresh"}}), "con00000000000000001");
}

TEST(HighLevelOptionsTest, CreateValidates) {
  HighLevelOptions o;
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok()) << "no token";
  o.token = "t";
  EXPECT_TRUE(HighLevelEmulator::Create(o).ok());
  o.time_scale = 0;
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok());
  o.time_scale = 1;
  o.duplicate_priority = "fax";
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok());
  o.duplicate_priority = "phone";
  o.location_id = "";
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok());
  o.location_id = "l";
  o.pipelines = Json::parse(R"([{"name":"P","stages":[]}])");
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok());
  o.pipelines = Json();
  o.users =
      Json::parse(R"([{"id":"a","email":"a@x"},{"id":"a","email":"b@x"}])");
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok()) << "duplicate user id";
  o.users = Json::parse(R"([{"name":"No email"}])");
  EXPECT_FALSE(HighLevelEmulator::Create(o).ok());
}

TEST(HighLevelValuesTest, Formats) {
  using highlevel::AlnumId;
  using highlevel::HexId;
  EXPECT_EQ(AlnumId("con", 7), "con00000000000000007");
  EXPECT_EQ(HexId("b05e", 255), "b05e000000000000000000ff");
  EXPECT_EQ(highlevel::E164("(512) 555-0100", "US"), "+15125550100");
  EXPECT_EQ(highlevel::E164("020 7946 0018", "GB"), "+442079460018");
  EXPECT_FALSE(highlevel::E164("555", "US").has_value());
  EXPECT_EQ(highlevel::SnakeCase("Patient Status (PbN)"), "patient_status_pbn");
  EXPECT_EQ(highlevel::IsoMillis(absl::FromUnixMillis(1630403981937)),
            "2021-08-31T09:59:41.937Z");
}

// --- The real binary -------------------------------------------------------

std::string SandboxBinary() {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  return std::string(dir != nullptr ? dir : BRIDGEWORK_TEST_BIN_DIR) +
         "/bridgework-sandbox";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

int WaitExit(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

TEST(HighLevelSandboxBinary, ServesTheLocationAndStopsOnSigterm) {
  namespace fs = std::filesystem;
  fs::path dir =
      fs::temp_directory_path() / ("bw-hl-sandbox-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string port_file = (dir / "port").string();
  std::string users = (dir / "users.json").string();
  std::ofstream(users)
      << R"([{"id":"u1","name":"Ana Lima","email":"ana@x.example"}])";
  std::string log = (dir / "log").string();
  std::vector<std::string> argv = {SandboxBinary(),
                                   "--crm",
                                   "highlevel",
                                   "--token",
                                   "bin-token",
                                   "--location",
                                   "locBin",
                                   "--company",
                                   "cmpBin",
                                   "--port",
                                   "0",
                                   "--port-file",
                                   port_file,
                                   "--burst-limit",
                                   "50",
                                   "--daily-limit",
                                   "1000",
                                   "--time-scale",
                                   "2",
                                   "--users",
                                   users,
                                   "--duplicate-priority",
                                   "phone"};
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  std::string address;
  for (int i = 0; i < 200 && address.empty(); ++i) {
    if (fs::exists(port_file)) address = ReadFile(port_file);
    if (address.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(address.empty()) << ReadFile(log);
  address.pop_back();
  int port = std::stoi(address.substr(address.find(':') + 1));
  httplib::Client client("127.0.0.1", port);
  httplib::Headers h = {{"Authorization", "Bearer bin-token"},
                        {"Version", "2021-07-28"}};
  auto users_reply = client.Get("/users/?locationId=locBin", h);
  ASSERT_TRUE(users_reply);
  EXPECT_EQ(users_reply->status, 200) << users_reply->body;
  EXPECT_EQ(users_reply->get_header_value("X-RateLimit-Max"), "50");
  EXPECT_EQ(users_reply->get_header_value("X-RateLimit-Limit-Daily"), "1000");
  EXPECT_EQ(users_reply->get_header_value("X-RateLimit-Interval-Milliseconds"),
            "5000");
  EXPECT_THAT(users_reply->body, HasSubstr("ana@x.example"));
  auto contact = client.Post("/contacts/", h,
                             R"({"locationId":"locBin","lastName":"Secret"})",
                             "application/json");
  EXPECT_EQ(contact->status, 201) << contact->body;
  auto other = client.Get("/contacts/?locationId=locTest", h);
  EXPECT_EQ(other->status, 403);
  Json config = Json::parse(
      client.Post("/__sandbox/config", "{}", "application/json")->body);
  EXPECT_EQ(config["duplicate_priority"], "phone");
  EXPECT_EQ(config["allow_duplicate_contact"], false);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid, 10), 0) << ReadFile(log);
  std::string lines = ReadFile(log);
  EXPECT_THAT(lines, HasSubstr("\"crm\":\"highlevel\""));
  EXPECT_EQ(lines.find("bin-token"), std::string::npos) << "no tokens in logs";
  EXPECT_EQ(lines.find("Secret"), std::string::npos) << "no bodies in logs";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bridgework::emulator
