// Issue 2: a real migration through the four service binaries into the
// Freshsales emulator, a SIGKILL of the loader mid-run with resume, a
// field-by-field check against the source, and a verified rollback.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "bridgework/v1/extractor.grpc.pb.h"
#include "bridgework/v1/transformer.grpc.pb.h"
#include "libs/crm/http_client.h"
#include "libs/mapping/map.h"
#include "libs/record/value.h"
#include "tests/integration/process_util.h"
#include "tools/bridgework/suite.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using cli::Supervisor;
using nlohmann::json;

using testing::Bin;
using testing::ReadAll;
using testing::RunCommand;

// GETs `url`; with a token, as the Freshsales API wants it.
json Get(const std::string& url, const std::string& token = "") {
  auto http = crm::MakeCurlHttpClient();
  crm::HttpRequest request = crm::HttpRequest::Get(url);
  if (!token.empty()) {
    request.headers.push_back("Authorization: Token token=" + token);
  }
  auto r = http->Send(request);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return json();
  return json::parse(r->body, nullptr, false);
}

// The test's own expectation of a phone in E.164 for US data (independent
// of the transformer's libphonenumber path).
std::optional<std::string> ExpectedPhone(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  if (digits.size() == 11 && digits[0] == '1') digits = digits.substr(1);
  if (digits.size() != 10) return std::nullopt;
  return "+1" + digits;
}

std::optional<std::string> ExpectedEmail(const std::string& text) {
  std::string e(absl::StripAsciiWhitespace(text));
  absl::AsciiStrToLower(&e);
  size_t at = e.find('@');
  if (at == std::string::npos || at == 0 || e.find(' ') != std::string::npos ||
      e.find('.', at) == std::string::npos) {
    return std::nullopt;
  }
  return e;
}

class PbnFreshsalesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / absl::StrCat("bw-it-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    log_ = (root_ / "commands.log").string();
    ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out",
                          (root_ / "data").string(), "--patients", "240",
                          "--seed", "7"},
                         log_),
              0)
        << ReadAll(log_);
    // A copy of the shipped map, so the approval test can change it.
    map_path_ = (root_ / "map.yaml").string();
    fs::copy_file(std::string(BRIDGEWORK_DEFAULT_EXAMPLES_DIR) +
                      "/pbn-freshsales/map.yaml",
                  map_path_);
    const std::string& map_path = map_path_;
    auto map = mapping::ParseMap(ReadAll(map_path), map_path);
    ASSERT_TRUE(map.ok()) << map.status();
    supervisor_ = std::make_unique<Supervisor>((root_ / "state").string());
    cli::SuiteOptions options;
    options.state_dir = (root_ / "state").string();
    options.emulator = "freshsales";
    options.EmulateSchemaOf(*map);
    // The emulator takes 2000 requests/s; the first loader sends 40/s, slow
    // enough to kill it while contacts load. Its replacement sends 2000/s.
    options.requests_per_hour = 7200000;
    options.loader_requests_per_hour = 144000;
    auto suite = cli::StartSuite(options, *supervisor_);
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = *suite;
    emulator_ = "http://" + suite_.emulator_address;
    config_ = (root_ / "config.yaml").string();
    std::ofstream(config_)
        << "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
        << "    time_zone: America/Chicago\n"
        << "destination:\n  crm: freshsales\n  account: it\n"
        << "  fallback_owner_email: owner@bridgework.example\n"
        << "map: " << map_path << "\n"
        << "services:\n  extractor: " << suite_.services.extractor
        << "\n  transformer: " << suite_.services.transformer
        << "\n  loader: " << suite_.services.loader
        << "\n  auditor: " << suite_.services.auditor << "\n";
  }

  void TearDown() override {
    supervisor_.reset();
    if (!HasFailure()) fs::remove_all(root_);
  }

  // Every record of `object` through the real extractor.
  std::vector<v1::Record> Extract(const std::string& object) {
    auto stub = v1::Extractor::NewStub(grpc::CreateChannel(
        suite_.services.extractor, grpc::InsecureChannelCredentials()));
    v1::ExtractRequest req;
    req.mutable_source()->set_system("pbn");
    req.mutable_source()->mutable_pbn_csv()->set_directory(
        (root_ / "data").string());
    req.mutable_source()->mutable_pbn_csv()->set_time_zone("America/Chicago");
    req.set_object_type(object);
    grpc::ClientContext ctx;
    auto reader = stub->Extract(&ctx, req);
    std::vector<v1::Record> out;
    v1::RecordBatch batch;
    while (reader->Read(&batch)) {
      for (const auto& r : batch.records()) out.push_back(r);
    }
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  fs::path root_;
  std::string map_path_;
  std::string log_;
  std::unique_ptr<Supervisor> supervisor_;
  cli::Suite suite_;
  std::string emulator_;
  std::string config_;
};

std::string Text(const v1::Record& r, const std::string& field) {
  auto it = r.fields().find(field);
  return it == r.fields().end() ? "" : record::ValueToText(it->second);
}

TEST_F(PbnFreshsalesTest, MigrateKillLoaderResumeCheckRollback) {
  // Nothing moves under an unapproved map: refused before a run begins.
  std::string out = (root_ / "refused.log").string();
  EXPECT_NE(
      RunCommand({Bin("bridgework"), "migrate", "--config", config_}, out), 0);
  EXPECT_THAT(ReadAll(out), ::testing::HasSubstr("map.yaml (sha256 "));
  EXPECT_THAT(ReadAll(out),
              ::testing::HasSubstr(") is not approved; no record moves under "
                                   "an unapproved map"));
  // Approved, then changed: refused again, naming who approved what.
  std::string approve_log = (root_ / "approve.log").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "approve", map_path_, "--by",
                        "dr.reviewer@clinic.example", "--config", config_},
                       approve_log),
            0)
      << ReadAll(approve_log);
  EXPECT_THAT(ReadAll(approve_log),
              ::testing::HasSubstr("by dr.reviewer@clinic.example"));
  const std::string approved_text = ReadAll(map_path_);
  std::ofstream(map_path_, std::ios::app) << "# an edit after approval\n";
  std::string changed = (root_ / "changed.log").string();
  EXPECT_NE(
      RunCommand({Bin("bridgework"), "migrate", "--config", config_}, changed),
      0);
  EXPECT_THAT(ReadAll(changed),
              ::testing::HasSubstr("changed since dr.reviewer@clinic.example "
                                   "approved it on "));
  // Another controller calling the transformer directly is refused too.
  {
    auto transformer = v1::Transformer::NewStub(grpc::CreateChannel(
        suite_.services.transformer, grpc::InsecureChannelCredentials()));
    v1::RunRequest req;
    req.set_run_id("r-999999");
    req.set_map_yaml(ReadAll(map_path_));
    req.set_map_name(map_path_);
    grpc::ClientContext ctx;
    auto stream = transformer->Run(&ctx, req);
    v1::RunEvent event;
    while (stream->Read(&event)) {
    }
    grpc::Status s = stream->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(), ::testing::HasSubstr("changed since"));
  }
  json runs_before = Get(emulator_ + "/__sandbox/state");
  EXPECT_EQ(runs_before["contacts"].size(), 0u) << "nothing moved";
  std::ofstream(map_path_, std::ios::trunc) << approved_text;

  // Start the migration with the real CLI, in the background.
  std::string report = (root_ / "report.json").string();
  pid_t migrate = fork();
  if (migrate == 0) {
    FILE* f = std::fopen(log_.c_str(), "a");
    dup2(fileno(f), 1);
    dup2(fileno(f), 2);
    execl(Bin("bridgework").c_str(), "bridgework", "migrate", "--config",
          config_.c_str(), "--report-json", report.c_str(), "--retry-for",
          "120", nullptr);
    _exit(127);
  }

  // Wait until some contacts exist, then SIGKILL the loader mid-run.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  size_t contacts_before_kill = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    json state = Get(emulator_ + "/__sandbox/state");
    contacts_before_kill = state["contacts"].size();
    if (contacts_before_kill >= 40) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(contacts_before_kill, 40u) << ReadAll(log_);
  supervisor_->Kill("loader");
  json mid = Get(emulator_ + "/__sandbox/state");
  ASSERT_LT(mid["contacts"].size(), 200u) << "the run finished before the kill";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Restart it at the same address; the controller resumes the run.
  auto restarted = supervisor_->Start(
      {"loader",
       Bin("bridgework-loader"),
       {"--listen", suite_.services.loader, "--auditor",
        suite_.services.auditor, "--crm", "freshsales", "--crm-url",
        suite_.crm_url, "--requests-per-hour", "7200000"},
       {{"BRIDGEWORK_CRM_TOKEN", suite_.crm_token}}},
      true);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  int status = 0;
  waitpid(migrate, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(log_);

  // Every request the emulator answered is counted in the report, but for
  // those of the chunk (at most 10 writes) the killed loader had not yet
  // recorded.
  json stats = Get(emulator_ + "/__sandbox/stats");
  // The report adds up.
  json rep = json::parse(ReadAll(report));
  ASSERT_TRUE(rep.value("balanced", false)) << rep.dump(2);
  EXPECT_GE(rep["requests"].get<int64_t>(), stats["total"].get<int64_t>() - 11)
      << "report " << rep["requests"] << " vs emulator " << stats["total"];
  EXPECT_LE(rep["requests"].get<int64_t>(), stats["total"].get<int64_t>());
  std::map<std::string, json> objects;
  for (const auto& o : rep["objects"]) objects[o["source_object"]] = o;

  // Field by field against the source, through the real extractor.
  std::vector<v1::Record> patients = Extract("patient");
  std::vector<v1::Record> locations = Extract("location");
  std::vector<v1::Record> providers = Extract("provider");
  int64_t extract_rejections = 0;
  for (const auto& q : objects["patient"]["quarantine"]) {
    if (q.value("stage", "") == "extract") ++extract_rejections;
  }
  EXPECT_GE(extract_rejections, 1) << "the sample has malformed rows";
  EXPECT_EQ(objects["patient"]["extracted"].get<int64_t>(),
            static_cast<int64_t>(patients.size()) + extract_rejections);
  json state = Get(emulator_ + "/__sandbox/state");
  const json& accounts = state["sales_accounts"];
  const json& contacts = state["contacts"];
  ASSERT_EQ(accounts.size(), locations.size());
  EXPECT_EQ(static_cast<int64_t>(contacts.size()),
            objects["patient"]["loaded"].get<int64_t>());

  // No duplicates: one contact per external id.
  std::map<std::string, json> by_key;
  for (const auto& c : contacts) {
    std::string key = c.value("external_id", "");
    ASSERT_FALSE(key.empty());
    ASSERT_TRUE(by_key.emplace(key, c).second)
        << "duplicate contact for " << key;
  }
  std::map<std::string, std::string> account_id_by_location;
  for (const auto& a : accounts) {
    std::string key = a["custom_field"].value("cf_bridgework_key", "");
    account_id_by_location[key.substr(key.rfind(':') + 1)] = a["id"].dump();
    EXPECT_EQ(a["custom_field"].value("cf_account_type", ""),
              "Dental Practice");
  }
  // The satellite's parent is the main practice.
  int with_parent = 0;
  for (const auto& l : locations) {
    std::string parent = Text(l, "parent_location_id");
    if (parent.empty()) continue;
    ++with_parent;
    for (const auto& a : accounts) {
      if (a["custom_field"].value("cf_bridgework_key", "") ==
          "pbn:location:" + Text(l, "location_id")) {
        EXPECT_EQ(a["parent_sales_account_id"].dump(),
                  account_id_by_location[parent]);
      }
    }
  }
  EXPECT_GE(with_parent, 1);

  std::map<std::string, std::string> provider_email;
  for (const auto& p : providers)
    provider_email[p.source_key()] = absl::AsciiStrToLower(Text(p, "email"));
  std::map<std::string, std::string> matched_owner;
  for (const auto& o : rep["extra"]["owners"]) {
    if (o.value("matched", false))
      matched_owner[o.value("email", "")] = o.value("crm_user_id", "");
  }
  ASSERT_FALSE(matched_owner.empty());
  int checked = 0;
  for (const auto& p : patients) {
    auto it = by_key.find("pbn:patient:" + p.source_key());
    if (it == by_key.end()) continue;  // quarantined (reported)
    const json& c = it->second;
    ++checked;
    EXPECT_EQ(c.value("last_name", ""), Text(p, "last_name")) << p.source_key();
    EXPECT_EQ(c.value("first_name", ""), Text(p, "first_name"))
        << p.source_key();
    auto email = ExpectedEmail(Text(p, "email"));
    if (email) {
      EXPECT_EQ(c.value("email", ""), *email) << p.source_key();
    } else {
      EXPECT_FALSE(c.contains("email") && c["email"].is_string() &&
                   !c["email"].get<std::string>().empty())
          << p.source_key();
    }
    auto phone = ExpectedPhone(Text(p, "mobile_phone"));
    if (phone)
      EXPECT_EQ(c.value("mobile_number", ""), *phone) << p.source_key();
    if (!phone)
      EXPECT_TRUE(!c.contains("mobile_number") || c["mobile_number"].is_null())
          << p.source_key();
    std::string status = Text(p, "status");
    std::string want_status = status == "active" ? "Active"
                              : status.empty()   ? ""
                                                 : "Inactive";
    if (!want_status.empty())
      EXPECT_EQ(c["custom_field"].value("cf_patient_status", ""), want_status);
    if (!Text(p, "birth_date").empty()) {
      EXPECT_EQ(c["custom_field"].value("cf_date_of_birth", ""),
                Text(p, "birth_date"));
    }
    ASSERT_TRUE(c.contains("sales_accounts")) << p.source_key();
    EXPECT_EQ(c["sales_accounts"][0]["id"].dump(),
              account_id_by_location[Text(p, "location_id")]);
    ASSERT_TRUE(c.contains("owner_id") && !c["owner_id"].is_null())
        << "every record has an owner";
    auto owner =
        matched_owner.find(provider_email[Text(p, "primary_provider_id")]);
    if (owner != matched_owner.end())
      EXPECT_EQ(c["owner_id"].dump(), owner->second);
  }
  EXPECT_EQ(checked, static_cast<int>(contacts.size()));

  // Patient -> Lead (1:many): no completed appointment makes a lead.
  std::set<std::string> seen_patient;
  for (const auto& a : Extract("appointment")) {
    if (Text(a, "status") == "completed") {
      seen_patient.insert(Text(a, "patient_id"));
    }
  }
  json stages = Get(emulator_ + "/crm/sales/api/selector/lifecycle_stages",
                    suite_.crm_token);
  std::map<std::string, std::string> stage_name;
  for (const auto& st : stages["lifecycle_stages"]) {
    stage_name[st["id"].dump()] = st.value("name", "");
  }
  int leads = 0, customers = 0;
  for (const auto& p : patients) {
    auto it = by_key.find("pbn:patient:" + p.source_key());
    if (it == by_key.end()) continue;
    std::string stage = stage_name[it->second["lifecycle_stage_id"].dump()];
    EXPECT_EQ(stage, seen_patient.count(p.source_key()) ? "Customer" : "Lead")
        << p.source_key();
    (stage == "Lead" ? leads : customers)++;
  }
  EXPECT_GT(leads, 0);
  EXPECT_GT(customers, 0);

  // Insurance (many:1): the primary plan's fields on the contact, and every
  // plan an Insurance Plan record.
  std::map<std::string, v1::Record> primary;
  std::vector<v1::Record> insurance = Extract("insurance");
  for (const auto& i : insurance) {
    auto [it, fresh] = primary.emplace(Text(i, "patient_id"), i);
    if (!fresh && std::stoi(Text(i, "priority")) <
                      std::stoi(Text(it->second, "priority"))) {
      it->second = i;
    }
  }
  int with_insurance = 0;
  for (const auto& [patient, plan] : primary) {
    auto it = by_key.find("pbn:patient:" + patient);
    if (it == by_key.end()) continue;
    ++with_insurance;
    EXPECT_EQ(it->second["custom_field"].value("cf_insurance_carrier", ""),
              Text(plan, "carrier_name"))
        << patient;
    EXPECT_EQ(it->second["custom_field"].value("cf_policy_number", ""),
              Text(plan, "policy_number"))
        << patient;
  }
  EXPECT_GT(with_insurance, 10);
  EXPECT_EQ(
      static_cast<int64_t>(state["custom_module"]["cm_insurance_plan"].size()),
      objects["insurance"]["loaded"].get<int64_t>());
  EXPECT_GT(objects["insurance"]["loaded"].get<int64_t>(), with_insurance);

  // Custom patient properties onto the contact, one field per property.
  int properties = 0;
  std::set<std::string> anxiety_seen;
  for (const auto& p : Extract("custom_patient_property")) {
    if (Text(p, "property_name") != "Dental anxiety") continue;
    std::string patient = Text(p, "patient_id");
    if (!anxiety_seen.insert(patient).second) continue;  // the first wins
    auto it = by_key.find("pbn:patient:" + patient);
    if (it == by_key.end()) continue;
    EXPECT_EQ(it->second["custom_field"].value("cf_dental_anxiety", ""),
              Text(p, "value"));
    ++properties;
  }
  EXPECT_GT(properties, 0);

  // Every other seed row landed: appointments, deals, treatment and payment
  // records, tasks, notes, lists; counts equal the report's.
  for (const auto& [object, key] :
       std::vector<std::pair<std::string, std::string>>{
           {"appointment", "appointments"},
           {"treatment_plan", "deals"},
           {"recall", "tasks"},
           {"campaign", "lists"}}) {
    EXPECT_EQ(static_cast<int64_t>(state[key].size()),
              objects[object]["loaded"].get<int64_t>())
        << object;
    EXPECT_GT(objects[object]["loaded"].get<int64_t>(), 0) << object;
  }
  for (const char* module : {"cm_treatment", "cm_payment"}) {
    EXPECT_GT(state["custom_module"][module].size(), 0u) << module;
  }
  EXPECT_EQ(state["custom_module"]["cm_treatment"].size() +
                state["custom_module"]["cm_payment"].size(),
            static_cast<size_t>(objects["treatment"]["loaded"].get<int64_t>() +
                                objects["payment"]["loaded"].get<int64_t>()));

  // Tooth numbers keep their system (Universal) on the Treatment records.
  std::map<std::string, json> treatment_by_key;
  for (const auto& t : state["custom_module"]["cm_treatment"]) {
    treatment_by_key[t["custom_field"].value("cf_bridgework_key", "")] = t;
  }
  int teeth = 0;
  for (const auto& t : Extract("treatment")) {
    auto it = treatment_by_key.find("pbn:treatment:" + t.source_key());
    if (it == treatment_by_key.end() || Text(t, "tooth").empty()) continue;
    EXPECT_EQ(it->second["custom_field"].value("cf_tooth", ""),
              "Universal " + Text(t, "tooth"))
        << t.source_key();
    ++teeth;
  }
  EXPECT_GT(teeth, 0);

  // Recall tasks: the title from the template, closed when the recall was
  // completed, open otherwise.
  std::map<std::string, int> recalls_by_title_status;
  for (const auto& r : Extract("recall")) {
    ++recalls_by_title_status[Text(r, "recall_type") + " recall due|" +
                              (Text(r, "status") == "completed" ? "1" : "0")];
  }
  std::map<std::string, int> tasks_by_title_status;
  for (const auto& t : state["tasks"]) {
    ++tasks_by_title_status[t.value("title", "") + "|" + t["status"].dump()];
  }
  EXPECT_EQ(tasks_by_title_status, recalls_by_title_status);

  // Rollback through the CLI, verified by reading back; the emulator is empty.
  ASSERT_EQ(RunCommand({Bin("bridgework"), "rollback", "--run",
                        rep["run"]["id"], "--config", config_},
                       log_),
            0)
      << ReadAll(log_);
  json after = Get(emulator_ + "/__sandbox/state");
  for (const char* key : {"contacts", "sales_accounts", "deals", "appointments",
                          "tasks", "notes", "documents", "lists"}) {
    EXPECT_EQ(after[key].size(), 0u) << key;
  }
  for (const auto& [module, records] : after["custom_module"].items()) {
    EXPECT_EQ(records.size(), 0u) << module;
  }

  // Every service stops cleanly on SIGTERM (exit code 0).
  for (const char* name :
       {"transformer", "loader", "extractor", "auditor", "sandbox"}) {
    EXPECT_EQ(supervisor_->Stop(name), 0) << name;
  }
}

}  // namespace
}  // namespace bridgework
