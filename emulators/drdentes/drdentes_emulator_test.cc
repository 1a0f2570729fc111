#include "emulators/drdentes/drdentes_emulator.h"

#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kToken[] = "drd-test-token";

struct Response {
  int status = 0;
  Json body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class DrdentesEmulatorTest : public ::testing::Test {
 protected:
  void Start(DrdentesOptions o = {}) {
    if (o.token.empty()) o.token = kToken;
    if (!o.clock) o.clock = [this] { return now_; };
    auto created = DrdentesEmulator::Create(std::move(o));
    ASSERT_TRUE(created.ok()) << created.status();
    emulator_ = *std::move(created);
    emulator_->Register(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  Response Get(const std::string& path, const std::string& token = kToken) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    std::string p = std::string(DrdentesEmulator::kApiPrefix) + path;
    httplib::Result r = client_->Get(p.c_str(), h);
    Response out;
    EXPECT_TRUE(r) << path;
    if (!r) return out;
    out.status = r->status;
    out.body = Json::parse(r->body, nullptr, false);
    out.headers = r->headers;
    return out;
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

  // Every record of `resource` by following next_cursor.
  std::vector<Json> ReadAll(const std::string& resource,
                            const std::string& query = "") {
    std::vector<Json> out;
    std::string path = "/" + resource + "?per_page=7" + query;
    for (int pages = 0; pages < 1000; ++pages) {
      Response r = Get(path);
      EXPECT_EQ(r.status, 200) << r.body.dump();
      if (r.status != 200) break;
      for (const Json& rec : r.body["data"]) out.push_back(rec);
      const Json& next = r.body["meta"]["next_cursor"];
      if (next.is_null()) break;
      path = "/" + resource + "?per_page=7" + query +
             "&cursor=" + next.get<std::string>();
    }
    return out;
  }

  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                                    absl::UTCTimeZone());
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<DrdentesEmulator> emulator_;
  std::unique_ptr<httplib::Client> client_;
};

TEST(DrdentesData, IsDeterministicAndHasEveryResource) {
  drdentes::DrdentesData a = drdentes::GenerateData(7, 40);
  drdentes::DrdentesData b = drdentes::GenerateData(7, 40);
  drdentes::DrdentesData c = drdentes::GenerateData(8, 40);
  EXPECT_EQ(Json(a.records).dump(), Json(b.records).dump());
  EXPECT_NE(Json(a.records).dump(), Json(c.records).dump());
  for (const std::string& r : drdentes::Resources()) {
    ASSERT_TRUE(a.records.count(r)) << r;
    EXPECT_FALSE(a.records[r].empty()) << r;
    int64_t id = 0;
    for (const Json& rec : a.records[r]) {
      EXPECT_EQ(rec["id"].get<int64_t>(), ++id) << r;
      EXPECT_TRUE(rec["updated_at"].is_string()) << r << " " << id;
    }
  }
  EXPECT_EQ(a.records["patients"].size(), 40u);
}

TEST(DrdentesData, TurkishTextFdiTeethAndFourBadRecords) {
  drdentes::DrdentesData d = drdentes::GenerateData(42, 60);
  std::string names;
  for (const Json& p : d.records["patients"]) {
    names +=
        p["first_name"].get<std::string>() + p["last_name"].get<std::string>();
    EXPECT_TRUE(
        absl::StartsWith(p["mobile_phone"].get<std::string>(), "+90 555 01"));
  }
  for (const char* letter : {"ç", "ğ", "ı", "İ", "ö", "ş", "ü"}) {
    EXPECT_THAT(names, HasSubstr(letter));
  }
  ASSERT_EQ(d.bad.size(), 4u);
  std::set<std::string> bad_fields;
  for (const auto& b : d.bad) bad_fields.insert(b.resource + "." + b.field);
  EXPECT_EQ(bad_fields,
            (std::set<std::string>{"patients.birth_date", "appointments.status",
                                   "payments.method", "tooth_records.tooth"}));
  bool primary = false;
  for (const Json& t : d.records["tooth_records"]) {
    const int tooth = t["tooth"];
    const bool bad = tooth == 19;
    const bool permanent = tooth / 10 >= 1 && tooth / 10 <= 4 &&
                           tooth % 10 >= 1 && tooth % 10 <= 8;
    const bool milk = tooth / 10 >= 5 && tooth / 10 <= 8 && tooth % 10 >= 1 &&
                      tooth % 10 <= 5;
    primary = primary || milk;
    EXPECT_TRUE(bad || permanent || milk) << tooth;
  }
  EXPECT_TRUE(primary);
  bool euro = false;
  for (const Json& p : d.records["payments"]) {
    euro = euro || p["currency"] == "EUR";
    EXPECT_TRUE(p["amount"].is_string());
  }
  EXPECT_TRUE(euro);
  // Every reference names a record that exists.
  const std::vector<std::pair<std::string, std::string>> refs = {
      {"patient_id", "patients"}, {"case_id", "treatment_cases"},
      {"clinic_id", "clinics"},   {"dentist_id", "staff"},
      {"unit_id", "units"},       {"item_id", "treatment_items"},
      {"author_id", "staff"},     {"appointment_id", "appointments"},
      {"tariff_id", "tariffs"},   {"last_appointment_id", "appointments"}};
  for (const auto& [resource, records] : d.records) {
    for (const Json& rec : records) {
      for (const auto& [field, target] : refs) {
        if (!rec.contains(field) || rec[field].is_null()) continue;
        const int64_t id = rec[field];
        EXPECT_GE(id, 1) << resource << "." << field;
        EXPECT_LE(id, static_cast<int64_t>(d.records[target].size()))
            << resource << "." << field;
      }
    }
  }
}

TEST_F(DrdentesEmulatorTest, RefusesAMissingOrWrongToken) {
  Start();
  for (const std::string& token : {std::string(), std::string("wrong")}) {
    Response r = Get("/patients", token);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body["error"]["code"], "unauthorized");
  }
  EXPECT_EQ(Get("/patients").status, 200);
}

TEST_F(DrdentesEmulatorTest, CursorPagesCoverEveryRecordOnce) {
  Start();
  Json state = Operator("GET", "state");
  for (const std::string& resource : drdentes::Resources()) {
    std::vector<Json> all = ReadAll(resource);
    ASSERT_EQ(all.size(), state["counts"][resource].get<size_t>()) << resource;
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(all[i], state["resources"][resource][i]) << resource;
    }
  }
  Response first = Get("/appointments?per_page=7");
  EXPECT_EQ(first.body["meta"]["total"],
            state["counts"]["appointments"].get<int64_t>());
  EXPECT_EQ(first.body["meta"]["per_page"], 7);
  EXPECT_THAT(first.body["links"]["next"].get<std::string>(),
              HasSubstr("/api/v1/appointments?per_page=7&cursor="));
  Response one = Get("/patients/3");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body["data"], state["resources"]["patients"][2]);
}

TEST_F(DrdentesEmulatorTest, UpdatedSinceSelectsChangedRecords) {
  Start();
  EXPECT_EQ(ReadAll("patients", "&updated_since=2030-01-01T00:00:00Z").size(),
            0u);
  Json changed = Operator("POST", "config",
                          {{"change",
                            {{"resource", "patients"},
                             {"id", 5},
                             {"set", {{"email", "yeni@posta.example"}}}}}});
  ASSERT_TRUE(changed.contains("changed")) << changed.dump();
  const std::string at = changed["changed"]["updated_at"];
  EXPECT_EQ(at, "2026-11-23T09:00:00Z");
  std::vector<Json> delta = ReadAll("patients", "&updated_since=" + at);
  ASSERT_EQ(delta.size(), 1u);
  EXPECT_EQ(delta[0]["id"], 5);
  EXPECT_EQ(delta[0]["email"], "yeni@posta.example");
  // Inclusive: at or after.
  Response page = Get("/patients?updated_since=2026-11-23T09:00:00%2B00:00");
  EXPECT_EQ(page.body["meta"]["total"], 1);
  EXPECT_EQ(Get("/patients?updated_since=yesterday").status, 400);
}

TEST_F(DrdentesEmulatorTest, ChangeGoesPastTheNewestChangeWhenTheClockLags) {
  now_ = absl::FromUnixSeconds(0);
  Start();
  Json changed = Operator("POST", "config",
                          {{"change", {{"resource", "payments"}, {"id", 1}}}});
  const std::string at = changed["changed"]["updated_at"];
  std::vector<Json> delta = ReadAll("payments", "&updated_since=" + at);
  ASSERT_EQ(delta.size(), 1u);
  EXPECT_EQ(delta[0]["id"], 1);
  Operator("POST", "config", {{"change", {{"resource", "nope"}, {"id", 1}}}},
           400);
  Operator("POST", "config",
           {{"change", {{"resource", "payments"}, {"id", 0}}}}, 400);
}

TEST_F(DrdentesEmulatorTest, RateLimitAnswers429WithRetryAfter) {
  DrdentesOptions o;
  o.requests_per_minute = 3;
  Start(o);
  for (int i = 0; i < 3; ++i) {
    Response r = Get("/clinics");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "3");
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(r.header("X-RateLimit-Reset"), "60");
  }
  Response refused = Get("/clinics");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.header("Retry-After"), "60");
  EXPECT_EQ(refused.body["error"]["code"], "rate_limited");
  now_ += absl::Seconds(61);
  EXPECT_EQ(Get("/clinics").status, 200);
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["requests"]["GET /clinics"]["429"], 1);
  Operator("POST", "config", {{"requests_per_minute", 1000}});
  EXPECT_EQ(Get("/clinics").status, 200);
}

TEST_F(DrdentesEmulatorTest, BadParametersAndUnknownEndpoints) {
  Start();
  Response big = Get("/patients?per_page=501");
  EXPECT_EQ(big.status, 400);
  EXPECT_THAT(big.body["error"]["message"].get<std::string>(),
              HasSubstr("per_page"));
  EXPECT_EQ(Get("/patients?cursor=nonsense").status, 400);
  EXPECT_EQ(Get("/invoices").status, 404);
  EXPECT_EQ(Get("/patients/99999").status, 404);
}

TEST_F(DrdentesEmulatorTest, ResetRestoresTheSeededData) {
  Start();
  Json before = Operator("GET", "state");
  Operator("POST", "config",
           {{"change",
             {{"resource", "clinics"}, {"id", 1}, {"set", {{"name", "x"}}}}}});
  EXPECT_NE(Operator("GET", "state"), before);
  Operator("POST", "reset");
  EXPECT_EQ(Operator("GET", "state"), before);
}

TEST(DrdentesEmulatorCreate, RejectsBadOptions) {
  DrdentesOptions o;
  EXPECT_FALSE(DrdentesEmulator::Create(o).ok());
  o.token = "t";
  o.patients = 2;
  EXPECT_FALSE(DrdentesEmulator::Create(o).ok());
  o.patients = 10;
  o.time_scale = 0;
  EXPECT_FALSE(DrdentesEmulator::Create(o).ok());
  o.time_scale = 1;
  EXPECT_TRUE(DrdentesEmulator::Create(o).ok());
}

}  // namespace
}  // namespace bridgework::emulator
