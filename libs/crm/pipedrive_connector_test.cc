// Tests of the Pipedrive connector: wire details against FakeHttpClient, and
// whole flows (schema preparation, keys, links, pipelines, soft deletes,
// paging, limits) against the in-process Pipedrive emulator on a loopback
// httplib server with a fake clock.
#include "libs/crm/pipedrive_connector.h"

#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "libs/crm/connector_registry.h"
#include "libs/crm/pipedrive_wire.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// A unique token per test: the connector remembers field keys per
// (company URL, token) for the whole process.
std::string NewToken(const std::string& prefix) {
  static std::atomic<int> next{1};
  return absl::StrCat(prefix, "-", next++);
}

HttpResponse Reply(int status, json body,
                   std::map<std::string, std::string> headers = {}) {
  return HttpResponse{status, std::move(headers), body.dump()};
}

// ---------------------------------------------------------------------------
// Against FakeHttpClient.

struct Fake {
  FakeHttpClient* http = nullptr;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<CrmConnector> connector;

  explicit Fake(FakeHttpClient::Handler handler) {
    auto fake = std::make_unique<FakeHttpClient>(std::move(handler));
    http = fake.get();
    PipedriveConfig config;
    config.base_url = "https://acme.pipedrive.test/";
    config.token = NewToken("fake");
    config.burst_per_2s = 1000;
    connector = MakePipedriveConnector(
        config, std::move(fake), SystemClock(),
        [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

v1::TargetRecord Org(const std::string& address) {
  v1::TargetRecord t;
  t.set_target_object("organization");
  (*t.mutable_fields())["name"] = record::StringValue("SmileBright");
  (*t.mutable_fields())["address"] = record::StringValue(address);
  return t;
}

TEST(PipedriveConnectorWire, OwnerOfReadsV2IdsAndV1Objects) {
  Fake f([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(500, json::object());
  });
  EXPECT_EQ(f.connector->OwnerOf("person", {{"owner_id", 12}}), "12");
  EXPECT_EQ(f.connector->OwnerOf("lead", {{"owner_id", {{"id", 13}}}}), "13");
  EXPECT_EQ(f.connector->OwnerOf("note", {{"user_id", {{"id", 14}}}}), "14");
  EXPECT_EQ(f.connector->OwnerOf("deal", {{"owner_id", nullptr}}), "");
  EXPECT_EQ(f.connector->OwnerOf("file", {{"user_id", 15}}), std::nullopt);
  EXPECT_EQ(f.connector->OwnerOf("nonsense", json::object()), std::nullopt);
}

TEST(PipedriveConnectorWire, WrittenProjectionKeepsOnlyWhatTheObjectHolds) {
  Fake f([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(500, json::object());
  });
  v1::TargetRecord t;
  t.set_target_object("activity");
  (*t.mutable_fields())["subject"] = record::StringValue("Cleaning");
  (*t.mutable_custom_fields())["cf_bridgework_key"] =
      record::StringValue("pbn:appointment:1");
  ResolvedRecord rr{&t, "", {{"person_id", {"12"}}}};
  json activity = f.connector->WrittenProjection(rr);
  EXPECT_EQ(activity["fields"]["subject"], "Cleaning");
  EXPECT_TRUE(activity["custom_fields"].empty());
  EXPECT_EQ(activity["lookups"]["person_id"], json::array({"12"}));
  // The ledger's text: the same, without the key field.
  t.set_external_key_field("cf_bridgework_key");
  EXPECT_EQ(f.connector->WrittenText(rr), activity.dump());
  t.set_target_object("person");
  EXPECT_EQ(
      f.connector->WrittenProjection(rr)["custom_fields"]["cf_bridgework_key"],
      "pbn:appointment:1");
  json person = f.connector->WrittenProjection(rr);
  person["custom_fields"].erase("cf_bridgework_key");
  EXPECT_EQ(f.connector->WrittenText(rr), person.dump());
}

TEST(PipedriveConnectorWire, CreateSendsTokenHeaderAndWrapsOrgAddress) {
  Fake f([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(200, {{"success", true}, {"data", {{"id", 1000001}}}});
  });
  v1::TargetRecord t = Org("1 Main St, Austin");
  auto id = f.connector->Create({&t, "14000002", {}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "1000001");
  ASSERT_EQ(f.http->requests.size(), 1u);
  const HttpRequest& r = f.http->requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://acme.pipedrive.test/api/v2/organizations");
  EXPECT_THAT(r.headers, testing::Contains(HasSubstr("x-api-token: fake-")));
  json body = json::parse(r.body);
  EXPECT_EQ(body["address"], json({{"value", "1 Main St, Austin"}}));
  EXPECT_EQ(body["owner_id"], 14000002);
  EXPECT_EQ(body["name"], "SmileBright");
}

TEST(PipedriveConnectorWire, ErrorBodyGivesTheCrmsMessageOnly) {
  Fake f([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(400, {{"success", false},
                       {"error", "Validation failed: name: is required"},
                       {"error_info", "Please check developers.pipedrive.com"},
                       {"data", nullptr}});
  });
  v1::TargetRecord t = Org("secret street 7");
  auto id = f.connector->Create({&t, "", {}});
  ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(id.status().message(), HasSubstr("name: is required"));
  EXPECT_THAT(id.status().message(), Not(HasSubstr("secret street")));
}

TEST(PipedriveConnectorWire, SoftDeletedOrGoneRecordsReadAsGone) {
  int status = 200;
  Fake f([&](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    if (status == 200) {
      return Reply(200, {{"success", true},
                         {"data", {{"id", 2000001}, {"is_deleted", true}}}});
    }
    return Reply(status, {{"success", false}, {"error", "Gone"}});
  });
  auto got = f.connector->Get("person", "2000001");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  status = 410;
  got = f.connector->Get("person", "2000001");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  status = 404;
  got = f.connector->Get("person", "2000001");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  // An id that cannot exist is answered without a request.
  size_t before = f.http->requests.size();
  got = f.connector->Get("lead", "42");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(f.http->requests.size(), before);
}

TEST(PipedriveConnectorWire, RateLimitWaitsForTheResetHeader) {
  int calls = 0;
  Fake f([&](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    if (++calls == 1) {
      return Reply(429,
                   {{"success", false},
                    {"error", "Request over limit"},
                    {"errorCode", 429}},
                   {{"x-ratelimit-reset", "2"}});
    }
    return Reply(200, {{"success", true},
                       {"data", json::array({{{"id", 1},
                                              {"email", "a@b.example"},
                                              {"name", "A"},
                                              {"active_flag", true}}})}});
  });
  auto users = f.connector->ListUsers();
  ASSERT_TRUE(users.ok()) << users.status();
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].email, "a@b.example");
  ASSERT_FALSE(f.sleeps.empty());
  EXPECT_GE(f.sleeps.back(), std::chrono::seconds(2));
  EXPECT_EQ(f.http->requests[0].url,
            "https://acme.pipedrive.test/api/v1/users");
}

TEST(PipedriveConnectorWire, V2ListFollowsNextCursor) {
  Fake f([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (!absl::StrContains(r.url, "cursor=")) {
      return Reply(200, {{"success", true},
                         {"data", json::array({{{"id", 1}}})},
                         {"additional_data", {{"next_cursor", "abc=="}}}});
    }
    return Reply(200, {{"success", true},
                       {"data", json::array({{{"id", 2}}})},
                       {"additional_data", {{"next_cursor", nullptr}}}});
  });
  auto page = f.connector->List("deal", "", 1);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->next_page_token, "abc==");
  EXPECT_EQ(f.http->requests[0].url,
            "https://acme.pipedrive.test/api/v2/deals?limit=1");
  page = f.connector->List("deal", page->next_page_token, 1);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_page_token, "");
  EXPECT_EQ(
      f.http->requests[1].url,
      "https://acme.pipedrive.test/api/v2/deals?limit=1&cursor=abc%3D%3D");
}

TEST(PipedriveConnectorWire, UnknownObjectIsRefused) {
  Fake f([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(500, {});
  });
  EXPECT_TRUE(
      absl::IsInvalidArgument(f.connector->Get("contact", "1").status()));
  EXPECT_TRUE(f.http->requests.empty());
}

TEST(PipedriveConnectorWire, PlanBurstAndRegistry) {
  auto pacing = PlanPacing("pipedrive", "premium");
  ASSERT_TRUE(pacing.ok());
  // 100 per 2 s, one at a time.
  EXPECT_DOUBLE_EQ(pacing->requests_per_second, 50);
  EXPECT_EQ(pacing->burst, 1);
  EXPECT_FALSE(PlanPacing("pipedrive", "gold").ok());
  ConnectorConfig c;
  c.crm = "pipedrive";
  c.plan = "growth";
  c.base_url = "https://acme.pipedrive.test";
  c.token = "t";
  auto conn = MakeConnector(
      c, std::make_unique<FakeHttpClient>(
             [](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
               return Reply(200, {{"success", true}, {"data", json::array()}});
             }));
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_TRUE((*conn)->ListUsers().ok());
  EXPECT_THAT(ConnectorNames(), testing::Contains("pipedrive"));
}

TEST(PipedriveWire, ConvertersFollowTheSpecTypes) {
  using pipedrive::ToWire;
  using pipedrive::Wire;
  EXPECT_EQ(*ToWire(Wire::kInt, "42", "org_id", ""), json(42));
  EXPECT_EQ(*ToWire(Wire::kContacts, "a@b.example", "emails", ""),
            json::parse(
                R"([{"value":"a@b.example","primary":true,"label":"work"}])"));
  EXPECT_EQ(*ToWire(Wire::kDateTime, "2024-03-01T10:30:00-05:00", "x", ""),
            json("2024-03-01T15:30:00Z"));
  EXPECT_EQ(*ToWire(Wire::kDateTimeV1, "2024-03-01T10:30:00Z", "x", ""),
            json("2024-03-01 10:30:00"));
  EXPECT_EQ(*ToWire(Wire::kDuration, 90, "duration", ""), json("01:30"));
  EXPECT_EQ(*ToWire(Wire::kLeadValue, 100, "value", "EUR"),
            json({{"amount", 100}, {"currency", "EUR"}}));
  auto bad = ToWire(Wire::kInt, "12 Main St", "org_id", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("org_id"));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("Main")));
  EXPECT_EQ(pipedrive::NormalizedFieldName("cf_patient_status"),
            "patient_status");
  EXPECT_EQ(pipedrive::NormalizedFieldName("Patient status"), "patient_status");
}

TEST(PipedriveWire, ReadBackValuesAreWhatARecordWrites) {
  pipedrive::FieldDef status;
  status.type = "enum";
  status.options = {{"Active", 11}, {"Inactive", 12}};
  EXPECT_EQ(pipedrive::ReadCustomValue(status, 12), json("Inactive"));
  EXPECT_EQ(pipedrive::ReadCustomValue(status, "11"), json("Active"));  // v1
  EXPECT_EQ(pipedrive::ReadCustomValue(status, 99), json(99));
  EXPECT_TRUE(pipedrive::ReadCustomValue(status, nullptr).is_null());
  status.type = "set";
  EXPECT_EQ(pipedrive::ReadCustomValue(status, json::array({11, 12})),
            json::array({"Active", "Inactive"}));
  EXPECT_EQ(pipedrive::ReadCustomValue(status, "11,12"),  // v1
            json::array({"Active", "Inactive"}));
  pipedrive::FieldDef money;
  money.type = "monetary";
  EXPECT_EQ(
      pipedrive::ReadCustomValue(money, {{"value", 12.5}, {"currency", "USD"}}),
      json(12.5));

  using pipedrive::Wire;
  EXPECT_EQ(pipedrive::ReadAttribute(
                Wire::kContacts,
                json::parse(R"([{"value":"a@b.example","primary":true}])")),
            json::array({"a@b.example"}));
  EXPECT_EQ(pipedrive::ReadAttribute(Wire::kAddress, {{"value", "1 Main"}}),
            json("1 Main"));
  EXPECT_EQ(pipedrive::ReadAttribute(
                Wire::kParticipants,
                json::parse(R"([{"person_id":5,"primary":true}])")),
            json::array({5}));

  json activity = {
      {"due_date", "2026-12-01"}, {"due_time", "21:30"}, {"duration", "00:45"}};
  EXPECT_EQ(pipedrive::ReadActivityTime(activity, false),
            json("2026-12-01T21:30:00Z"));
  EXPECT_EQ(pipedrive::ReadActivityTime(activity, true),
            json("2026-12-01T22:15:00Z"));
  activity.erase("duration");
  EXPECT_TRUE(pipedrive::ReadActivityTime(activity, true).is_null());
}

// ---------------------------------------------------------------------------
// Against the emulator.

class FakeTime {
 public:
  absl::Time Now() const {
    absl::MutexLock l(&mu_);
    return now_;
  }
  Clock SteadyClock() {
    return [this] {
      absl::MutexLock l(&mu_);
      return std::chrono::steady_clock::time_point(
          absl::ToChronoNanoseconds(now_ - absl::UnixEpoch()));
    };
  }
  Sleeper MakeSleeper() {
    return [this](std::chrono::milliseconds d) {
      absl::MutexLock l(&mu_);
      now_ += absl::FromChrono(d);
    };
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
};

class PipedriveEmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = NewToken("admin");
    second_token_ = NewToken("second");
    emulator::PipedriveOptions o;
    o.token = token_;
    o.clock = [this] { return time_.Now(); };
    o.users = json::array({{{"id", 14000001},
                            {"name", "Office Owner"},
                            {"email", "owner@bridgework.example"}},
                           {{"id", 14000002},
                            {"name", "Elena Rivera"},
                            {"email", "dr.rivera@smilebright.example"},
                            {"is_admin", true},
                            {"api_token", second_token_}}});
    auto e = emulator::PipedriveEmulator::Create(std::move(o));
    ASSERT_TRUE(e.ok()) << e.status();
    emulator_ = std::move(*e);
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_timeout(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    emulator_->Register(server_);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    connector_ = Make(token_);
  }
  void TearDown() override {
    connector_.reset();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<CrmConnector> Make(const std::string& token) {
    PipedriveConfig c;
    c.base_url = absl::StrCat("http://127.0.0.1:", port_);
    c.token = token;
    c.burst_per_2s = 40;
    return MakePipedriveConnector(c, MakeCurlHttpClient(), time_.SteadyClock(),
                                  time_.MakeSleeper());
  }

  // The custom fields of `entity` in the emulator, by name.
  std::map<std::string, json> Fields(const std::string& entity) {
    std::map<std::string, json> out;
    const json state = emulator_->State();
    for (const auto& f : state["fields"][entity]) {
      if (!f.value("is_deleted", false)) out[f["field_name"]] = f;
    }
    return out;
  }

  static SchemaRequest Schema() {
    SchemaRequest r;
    r.fields = {
        {"persons", "cf_bridgework_key", "Bridgework key", "text", {}},
        {"persons",
         "cf_patient_status",
         "Patient status",
         "dropdown",
         {"Active", "Inactive"}},
        {"persons", "cf_date_of_birth", "Date of birth", "date", {}},
        {"organizations", "cf_practice_phone", "Practice phone", "phone", {}},
        {"deals", "cf_bridgework_key", "Bridgework key", "text", {}},
        {"deals", "cf_insurance_estimate", "Insurance estimate", "number", {}},
        {"products", "cf_ada_code", "ADA code", "text", {}},
    };
    r.pipelines = {{"Treatment plans",
                    {{"Presented", 20}, {"Accepted", 60}, {"Completed", 100}}}};
    return r;
  }

  v1::TargetRecord Person(int n) {
    v1::TargetRecord t;
    t.set_target_object("person");
    t.set_external_key(absl::StrCat("pbn:patient:", n));
    t.set_external_key_field("cf_bridgework_key");
    (*t.mutable_fields())["name"] =
        record::StringValue(absl::StrCat("Ana Lopez ", n));
    (*t.mutable_fields())["emails"] =
        record::StringValue(absl::StrCat("ana", n, "@mail.example"));
    (*t.mutable_custom_fields())["cf_bridgework_key"] =
        record::StringValue(t.external_key());
    return t;
  }

  std::string MustCreate(
      const v1::TargetRecord& t,
      std::map<std::string, std::vector<std::string>> links = {},
      const std::string& owner = "") {
    auto id = connector_->Create({&t, owner, std::move(links)});
    EXPECT_TRUE(id.ok()) << t.target_object() << ": " << id.status();
    return id.ok() ? *id : "";
  }

  json MustGet(const std::string& object, const std::string& id) {
    auto got = connector_->Get(object, id);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || !got->has_value()) {
      ADD_FAILURE() << object << " " << id << " not found";
      return json::object();
    }
    return **got;
  }

  FakeTime time_;
  std::string token_;
  std::string second_token_;
  std::unique_ptr<emulator::PipedriveEmulator> emulator_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<CrmConnector> connector_;
};

TEST_F(PipedriveEmulatorTest, PrepareSchemaReportsThenCreatesThenReuses) {
  auto dry = connector_->PrepareSchema(Schema(), /*apply=*/false);
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_TRUE(dry->created.empty());
  EXPECT_THAT(
      dry->to_create,
      testing::IsSupersetOf(
          {"persons.cf_patient_status", "deals.cf_insurance_estimate",
           "pipeline Treatment plans", "stage Treatment plans / Accepted"}));
  EXPECT_TRUE(Fields("person").empty()) << "a dry run creates nothing";

  auto applied = connector_->PrepareSchema(Schema(), /*apply=*/true);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(applied->ready());
  EXPECT_EQ(applied->created.size(), 11u);  // 7 fields, 1 pipeline, 3 stages
  auto person_fields = Fields("person");
  ASSERT_EQ(person_fields.size(), 3u);
  const json& status = person_fields["Patient status"];
  EXPECT_EQ(status["field_type"], "enum");
  EXPECT_EQ(status["options"].size(), 2u);
  EXPECT_EQ(status["field_code"].get<std::string>().size(), 40u);
  EXPECT_EQ(Fields("organization")["Practice phone"]["field_type"], "phone");
  EXPECT_EQ(Fields("deal")["Insurance estimate"]["field_type"], "double");
  EXPECT_EQ(Fields("product")["ADA code"]["field_type"], "varchar");

  json state = emulator_->State();
  int64_t pipeline_id = 0;
  for (const auto& p : state["pipelines"])
    if (p["name"] == "Treatment plans") pipeline_id = p["id"];
  ASSERT_GT(pipeline_id, 0);
  std::map<std::string, int> probability;
  for (const auto& s : state["stages"])
    if (s["pipeline_id"] == pipeline_id)
      probability[s["name"]] = s["deal_probability"];
  EXPECT_EQ(probability,
            (std::map<std::string, int>{
                {"Presented", 20}, {"Accepted", 60}, {"Completed", 100}}));

  // Another token of the company knows nothing yet: it re-reads the *Fields
  // endpoints, pipelines and stages, and creates no duplicate.
  auto other = Make(second_token_);
  auto again = other->PrepareSchema(Schema(), /*apply=*/true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->created.empty());
  EXPECT_EQ(again->present.size(), 11u);
  EXPECT_EQ(Fields("person").size(), 3u);
  EXPECT_EQ(emulator_->State()["pipelines"].size(), 2u);
  EXPECT_EQ(emulator_->State()["stages"].size(), 8u);

  // A new choice adds an option to the existing field.
  SchemaRequest more = Schema();
  more.fields[1].choices.push_back("Archived");
  auto options = other->PrepareSchema(more, /*apply=*/true);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_THAT(options->created,
              ElementsAre("persons.cf_patient_status options: Archived"));
  EXPECT_EQ(Fields("person")["Patient status"]["options"].size(), 3u);
}

// Dry runs: what PrepareSchema without apply would create (pipelines,
// stages, options) is planned; PlanWrite accepts it, writes refuse it.
TEST_F(PipedriveEmulatorTest, PlanWriteUsesPlannedPipelinesStagesAndOptions) {
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), /*apply=*/false).ok());
  v1::TargetRecord deal;
  deal.set_target_object("deal");
  (*deal.mutable_fields())["title"] = record::StringValue("Implants");
  (*deal.mutable_fields())["pipeline"] = record::StringValue("Treatment plans");
  (*deal.mutable_fields())["stage"] = record::StringValue("Accepted");
  (*deal.mutable_custom_fields())["cf_insurance_estimate"] =
      record::StringValue("400.5");
  ResolvedRecord rr{&deal, "", {}};
  auto planned = connector_->PlanWrite(rr, /*create=*/true);
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_EQ(*planned, 1);
  (*deal.mutable_fields())["stage"] = record::StringValue("Nowhere");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      connector_->PlanWrite(rr, /*create=*/true).status()));
  (*deal.mutable_fields())["stage"] = record::StringValue("Accepted");
  (*deal.mutable_fields())["pipeline"] = record::StringValue("Elsewhere");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      connector_->PlanWrite(rr, /*create=*/true).status()));
  (*deal.mutable_fields())["pipeline"] = record::StringValue("Treatment plans");
  EXPECT_TRUE(absl::IsFailedPrecondition(connector_->Create(rr).status()));

  // An option planned for a field the CRM has.
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), /*apply=*/true).ok());
  SchemaRequest more = Schema();
  more.fields[1].choices.push_back("Archived");
  ASSERT_TRUE(connector_->PrepareSchema(more, /*apply=*/false).ok());
  v1::TargetRecord person = Person(40);
  (*person.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Archived");
  ResolvedRecord person_rr{&person, "", {}};
  planned = connector_->PlanWrite(person_rr, /*create=*/true);
  ASSERT_TRUE(planned.ok()) << planned.status();
  (*person.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Dormant");
  auto refused = connector_->PlanWrite(person_rr, /*create=*/true);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cf_patient_status"));
  (*person.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Archived");
  auto created = connector_->Create(person_rr);
  EXPECT_TRUE(absl::IsFailedPrecondition(created.status())) << created.status();
  EXPECT_TRUE(emulator_->State()["persons"].empty()) << "nothing was written";
}

TEST_F(PipedriveEmulatorTest, PrepareSchemaListsWhatPipedriveCannotHave) {
  SchemaRequest r;
  r.objects = {{"treatment", "Treatment", "Treatments"}};
  r.fields = {{"activities", "cf_room", "Room", "text", {}},
              {"persons", "cf_signature", "Signature", "signature", {}}};
  auto report = connector_->PrepareSchema(r, /*apply=*/true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ready());
  ASSERT_EQ(report->checklist.size(), 3u);
  EXPECT_THAT(report->checklist[0], HasSubstr("treatment"));
  EXPECT_THAT(report->checklist[1], HasSubstr("activities.cf_room"));
  EXPECT_THAT(report->checklist[2], HasSubstr("persons.cf_signature"));
  EXPECT_TRUE(report->created.empty());
  EXPECT_TRUE(Fields("person").empty());
}

TEST_F(PipedriveEmulatorTest, UpdateAndPatchChangeOnlyWhatIsSent) {
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), true).ok());
  v1::TargetRecord t = Person(4);
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Active");
  std::string id = MustCreate(t);
  (*t.mutable_fields())["name"] = record::StringValue("Ana Lopez-Diaz");
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Inactive");
  ASSERT_TRUE(connector_->Update(id, {&t, "14000002", {}}).ok());
  json got = MustGet("person", id);
  EXPECT_EQ(got["name"], "Ana Lopez-Diaz");
  EXPECT_EQ(got["owner_id"], 14000002);
  auto fields = Fields("person");
  std::string status = fields["Patient status"]["field_code"];
  int64_t inactive = 0;
  for (const auto& o : fields["Patient status"]["options"])
    if (o["label"] == "Inactive") inactive = o["id"];
  EXPECT_EQ(got["custom_fields"][status], inactive);

  // A rollback before-image: CRM names and keys, read-back shapes.
  json before = {{"name", "Ana Lopez 4"},
                 {"emails", got["emails"]},
                 {"custom_fields", {{status, nullptr}}}};
  ASSERT_TRUE(connector_->Patch("person", id, before).ok());
  got = MustGet("person", id);
  EXPECT_EQ(got["name"], "Ana Lopez 4");
  EXPECT_TRUE(got["custom_fields"][status].is_null());
  EXPECT_EQ(got["custom_fields"]
               [fields["Bridgework key"]["field_code"].get<std::string>()],
            "pbn:patient:4");
  EXPECT_TRUE(absl::IsNotFound(connector_->Update("999", {&t, "", {}})));
}

TEST_F(PipedriveEmulatorTest, SchemaCreatedElsewhereIsReadAgainOnAMiss) {
  // This connector reads the fields and pipelines before they exist.
  v1::TargetRecord person = Person(1);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      connector_->Create({&person, "", {}}).status()));
  v1::TargetRecord deal;
  deal.set_target_object("deal");
  (*deal.mutable_fields())["title"] = record::StringValue("Implants");
  (*deal.mutable_fields())["stage"] = record::StringValue("Contact Made");
  MustCreate(deal);
  // Another process (token) prepares the schema.
  ASSERT_TRUE(Make(second_token_)->PrepareSchema(Schema(), true).ok());
  MustCreate(person);
  (*deal.mutable_fields())["pipeline"] = record::StringValue("Treatment plans");
  (*deal.mutable_fields())["stage"] = record::StringValue("Accepted");
  std::string id = MustCreate(deal);
  EXPECT_NE(MustGet("deal", id)["pipeline_id"], 1);
}

TEST_F(PipedriveEmulatorTest, CustomFieldsAreWrittenByTheirKeys) {
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), true).ok());
  // Another token resolves the map names by the fields' labels.
  connector_ = Make(second_token_);
  v1::TargetRecord t = Person(1);
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Inactive");
  (*t.mutable_custom_fields())["cf_date_of_birth"] =
      record::StringValue("1980-02-29");
  std::string id = MustCreate(t);
  json got = MustGet("person", id);
  auto fields = Fields("person");
  int64_t inactive = 0;
  for (const auto& o : fields["Patient status"]["options"])
    if (o["label"] == "Inactive") inactive = o["id"];
  const json& custom = got["custom_fields"];
  EXPECT_EQ(custom[fields["Patient status"]["field_code"].get<std::string>()],
            inactive);
  EXPECT_EQ(custom[fields["Date of birth"]["field_code"].get<std::string>()],
            "1980-02-29");
  EXPECT_EQ(custom[fields["Bridgework key"]["field_code"].get<std::string>()],
            "pbn:patient:1");

  // An option the field does not have is refused before any request.
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Deceased");
  auto refused = connector_->Create({&t, "", {}});
  ASSERT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cf_patient_status"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("Deceased")));

  // A custom field the account does not have stops the write.
  v1::TargetRecord unknown = Person(2);
  (*unknown.mutable_custom_fields())["cf_favourite_color"] =
      record::StringValue("blue");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      connector_->Create({&unknown, "", {}}).status()));
}

TEST_F(PipedriveEmulatorTest, DealsResolvePipelineAndStageNamesAndLink) {
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), true).ok());
  std::string person = MustCreate(Person(1));
  v1::TargetRecord org;
  org.set_target_object("organization");
  (*org.mutable_fields())["name"] = record::StringValue("SmileBright");
  std::string org_id = MustCreate(org);

  v1::TargetRecord deal;
  deal.set_target_object("deal");
  (*deal.mutable_fields())["title"] = record::StringValue("Implants");
  (*deal.mutable_fields())["pipeline"] = record::StringValue("Treatment plans");
  (*deal.mutable_fields())["stage"] = record::StringValue("Accepted");
  (*deal.mutable_fields())["value"] = record::DecimalValue(125000, 2, "EUR");
  (*deal.mutable_custom_fields())["cf_insurance_estimate"] =
      record::StringValue("400.5");
  std::string id = MustCreate(
      deal, {{"person_id", {person}}, {"org_id", {org_id}}}, "14000002");
  json got = MustGet("deal", id);
  int64_t accepted = 0, pipeline = 0;
  json state = emulator_->State();
  for (const auto& p : state["pipelines"])
    if (p["name"] == "Treatment plans") pipeline = p["id"];
  for (const auto& s : state["stages"])
    if (s["name"] == "Accepted" && s["pipeline_id"] == pipeline)
      accepted = s["id"];
  EXPECT_EQ(got["stage_id"], accepted);
  EXPECT_EQ(got["pipeline_id"], pipeline);
  EXPECT_EQ(got["currency"], "EUR");
  EXPECT_EQ(got["value"], 1250);
  EXPECT_EQ(got["owner_id"], 14000002);
  EXPECT_EQ(absl::StrCat(got["person_id"].get<int64_t>()), person);
  EXPECT_EQ(absl::StrCat(got["org_id"].get<int64_t>()), org_id);
  auto fields = Fields("deal");
  EXPECT_EQ(got["custom_fields"]
               [fields["Insurance estimate"]["field_code"].get<std::string>()],
            400.5);

  // Patch moves the stage by name and sets a deferred link.
  ASSERT_TRUE(
      connector_
          ->Patch("deal", id,
                  {{"pipeline", "Treatment plans"}, {"stage", "Completed"}})
          .ok());
  EXPECT_NE(MustGet("deal", id)["stage_id"], accepted);

  // A stage name no pipeline has is a precondition failure, not a write.
  (*deal.mutable_fields())["stage"] = record::StringValue("Nowhere");
  EXPECT_TRUE(
      absl::IsFailedPrecondition(connector_->Create({&deal, "", {}}).status()));
}

TEST_F(PipedriveEmulatorTest, ActivitiesNotesLeadsAndFilesLinkToTheirRecords) {
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), true).ok());
  std::string person = MustCreate(Person(1));
  v1::TargetRecord deal;
  deal.set_target_object("deal");
  (*deal.mutable_fields())["title"] = record::StringValue("Crowns");
  std::string deal_id = MustCreate(deal, {{"person_id", {person}}});

  v1::TargetRecord activity;
  activity.set_target_object("activity");
  activity.set_external_key_field("cf_bridgework_key");
  (*activity.mutable_custom_fields())["cf_bridgework_key"] =
      record::StringValue("pbn:appointment:1");
  (*activity.mutable_fields())["subject"] = record::StringValue("Cleaning");
  (*activity.mutable_fields())["type"] = record::StringValue("Meeting");
  (*activity.mutable_fields())["due_date"] = record::StringValue("2026-12-01");
  (*activity.mutable_fields())["due_time"] = record::StringValue("15:30");
  (*activity.mutable_fields())["duration"] = record::StringValue("00:45");
  (*activity.mutable_fields())["done"] = record::StringValue("true");
  std::string act = MustCreate(
      activity, {{"person_id", {person}}, {"deal_id", {deal_id}}}, "14000002");
  json a = MustGet("activity", act);
  EXPECT_EQ(a["type"], "meeting") << "the type's name became its key_string";
  EXPECT_EQ(a["done"], true);
  EXPECT_EQ(a["duration"], "00:45");
  EXPECT_EQ(a["owner_id"], 14000002);
  EXPECT_EQ(absl::StrCat(a["deal_id"].get<int64_t>()), deal_id);
  ASSERT_TRUE(a["participants"].is_array());
  ASSERT_EQ(a["participants"].size(), 1u);
  EXPECT_EQ(absl::StrCat(a["participants"][0]["person_id"].get<int64_t>()),
            person);

  v1::TargetRecord note;
  note.set_target_object("note");
  (*note.mutable_fields())["content"] = record::StringValue("Prefers mornings");
  (*note.mutable_fields())["add_time"] =
      record::StringValue("2024-03-01T10:30:00-05:00");
  std::string note_id =
      MustCreate(note, {{"deal_id", {deal_id}}, {"person_id", {person}}});
  json n = MustGet("note", note_id);
  EXPECT_EQ(n["add_time"], "2024-03-01 15:30:00");
  EXPECT_EQ(absl::StrCat(n["deal_id"].get<int64_t>()), deal_id);

  v1::TargetRecord lead;
  lead.set_target_object("lead");
  lead.set_external_key("pbn:inquiry:1");
  lead.set_external_key_field("cf_bridgework_key");
  (*lead.mutable_fields())["title"] = record::StringValue("Whitening");
  (*lead.mutable_fields())["value"] = record::DecimalValue(300, 0, "USD");
  (*lead.mutable_custom_fields())["cf_bridgework_key"] =
      record::StringValue("pbn:inquiry:1");
  std::string lead_id = MustCreate(lead, {{"person_id", {person}}});
  json l = MustGet("lead", lead_id);
  EXPECT_EQ(l["value"], json({{"amount", 300}, {"currency", "USD"}}));
  EXPECT_EQ(absl::StrCat(l["person_id"].get<int64_t>()), person);
  auto found = connector_->FindByExternalKey("lead", "cf_bridgework_key",
                                             "pbn:inquiry:1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->value_or(""), lead_id);

  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               absl::StrCat("bw-pd-test-", getpid(), ".pdf");
  std::ofstream(path, std::ios::binary) << "%PDF-1.4 plan";
  v1::TargetRecord file;
  file.set_target_object("file");
  (*file.mutable_fields())["name"] = record::StringValue("plan.pdf");
  v1::AttachmentRef* att = file.add_attachments();
  att->set_uri(absl::StrCat("file://", path.string()));
  att->set_content_type("application/pdf");
  std::string file_id =
      MustCreate(file, {{"deal_id", {deal_id}}, {"person_id", {person}}});
  json fl = MustGet("file", file_id);
  EXPECT_EQ(fl["name"], "plan.pdf");
  EXPECT_EQ(fl["file_type"], "pdf");
  EXPECT_EQ(fl["file_size"], 13);
  EXPECT_EQ(absl::StrCat(fl["deal_id"].get<int64_t>()), deal_id);
  std::filesystem::remove(path);

  // A file without a record to hang on is refused before any upload.
  v1::TargetRecord loose = file;
  auto refused = connector_->Create({&loose, "", {}});
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()) ||
              absl::IsInvalidArgument(refused.status()))
      << refused.status();
}

TEST_F(PipedriveEmulatorTest, SoftDeletedRecordsAreGoneEverywhere) {
  ASSERT_TRUE(connector_->PrepareSchema(Schema(), true).ok());
  std::string id = MustCreate(Person(7));
  auto found = connector_->FindByExternalKey("person", "cf_bridgework_key",
                                             "pbn:patient:7");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->value_or(""), id);
  ASSERT_TRUE(connector_->Delete("person", id).ok());
  // The emulator still answers 200 with is_deleted: true.
  bool deleted_in_state = false;
  const json state = emulator_->State();
  for (const auto& p : state["persons"])
    if (absl::StrCat(p["id"].get<int64_t>()) == id)
      deleted_in_state = p["is_deleted"] == true;
  EXPECT_TRUE(deleted_in_state);
  auto got = connector_->Get("person", id);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(absl::IsNotFound(connector_->Delete("person", id)));
  found = connector_->FindByExternalKey("person", "cf_bridgework_key",
                                        "pbn:patient:7");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  auto page = connector_->List("person", "", 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->records.empty());
}

TEST_F(PipedriveEmulatorTest, V1ListsPageWithStartAndLimit) {
  v1::TargetRecord p = Person(1);
  p.mutable_custom_fields()->clear();
  std::string person = MustCreate(p);
  std::set<std::string> created;
  for (int i = 0; i < 5; ++i) {
    v1::TargetRecord note;
    note.set_target_object("note");
    (*note.mutable_fields())["content"] =
        record::StringValue(absl::StrCat("note ", i));
    created.insert(MustCreate(note, {{"person_id", {person}}}));
  }
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = connector_->List("note", token, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->records)
      seen.insert(absl::StrCat(r["id"].get<int64_t>()));
    token = page->next_page_token;
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, created);
}

TEST_F(PipedriveEmulatorTest, ExhaustedDailyBudgetIsResourceExhausted) {
  ASSERT_TRUE(emulator_->Configure({{"daily_budget", 25}}).ok());
  EXPECT_TRUE(connector_->ListUsers().ok());  // 20 tokens
  auto users = connector_->ListUsers();       // would need 40
  ASSERT_EQ(users.status().code(), absl::StatusCode::kResourceExhausted)
      << users.status();
  EXPECT_THAT(users.status().message(), HasSubstr("daily"));
}

TEST_F(PipedriveEmulatorTest, RefusalNamesTheFieldNotTheValue) {
  v1::TargetRecord t = Person(3);
  (*t.mutable_fields())["marketing_status"] =
      record::StringValue("very-private-value");
  t.mutable_custom_fields()->clear();
  auto id = connector_->Create({&t, "", {}});
  ASSERT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument)
      << id.status();
  EXPECT_THAT(id.status().message(), HasSubstr("marketing_status"));
  EXPECT_THAT(id.status().message(), Not(HasSubstr("very-private-value")));
}

}  // namespace
}  // namespace bridgework::crm
