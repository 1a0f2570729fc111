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

// Runs a command, returns exit code; output to `log`.
int RunProgram(const std::vector<std::string>& argv, const std::string& log) {
  return testing::RunCommand(argv, log);
}

json Get(const std::string& url) {
  auto http = crm::MakeCurlHttpClient();
  auto r = http->Send(crm::HttpRequest::Get(url));
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
    ASSERT_EQ(RunProgram({Bin("bridgework-gen-sample"), "--out",
                          (root_ / "data").string(), "--patients", "240",
                          "--seed", "7"},
                         log_),
              0)
        << ReadAll(log_);
    std::string map_path = std::string(BRIDGEWORK_DEFAULT_EXAMPLES_DIR) +
                           "/pbn-freshsales/map.yaml";
    auto map = mapping::ParseMap(ReadAll(map_path), map_path);
    ASSERT_TRUE(map.ok()) << map.status();
    supervisor_ = std::make_unique<Supervisor>((root_ / "state").string());
    cli::SuiteOptions options;
    options.state_dir = (root_ / "state").string();
    options.emulator = "freshsales";
    options.emulator_fields = map->custom_fields;
    // 40 requests/s: slow enough to kill the loader mid-run.
    options.requests_per_hour = 144000;
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
        suite_.crm_url, "--requests-per-hour", "144000"},
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

  // Rollback through the CLI, verified by reading back; the emulator is empty.
  ASSERT_EQ(RunProgram({Bin("bridgework"), "rollback", "--run",
                        rep["run"]["id"], "--config", config_},
                       log_),
            0)
      << ReadAll(log_);
  json after = Get(emulator_ + "/__sandbox/state");
  EXPECT_EQ(after["contacts"].size(), 0u);
  EXPECT_EQ(after["sales_accounts"].size(), 0u);

  // Every service stops cleanly on SIGTERM (exit code 0).
  for (const char* name :
       {"transformer", "loader", "extractor", "auditor", "sandbox"}) {
    EXPECT_EQ(supervisor_->Stop(name), 0) << name;
  }
}

}  // namespace
}  // namespace bridgework
