// Issue 5: `bridgework propose` through the real binaries. The CLI reads a
// generated Practice by Numbers export through a private extractor and
// writes a map for each CRM: the map parses, routes the obvious objects
// and maps the obvious fields, and no sampled value reaches the map or the
// CLI's output. Then a proposed map, its open questions left unanswered,
// approved by a person, migrates the sample into the Pipedrive emulator.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "libs/crm/http_client.h"
#include "libs/mapping/map.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadAll;
using testing::RunCommand;
using testing::SourceDir;
using testing::Spawn;

const mapping::FieldRule* RuleFrom(const mapping::ObjectRoute& r,
                                   const std::string& from) {
  for (const mapping::FieldRule& f : r.fields) {
    for (const std::string& s : f.from) {
      if (s == from) return &f;
    }
  }
  return nullptr;
}

class ProposerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() /
        absl::StrCat(
            "bw-propose-", getpid(), "-",
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = (root_ / "commands.log").string();
    ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out",
                          (root_ / "data").string(), "--patients", "40",
                          "--seed", "5"},
                         log_),
              0)
        << ReadAll(log_);
  }

  void TearDown() override {
    testing::Stop(&up_);
    if (!HasFailure()) fs::remove_all(root_);
  }

  // A config with the source only (what `propose` needs), or a full one
  // for `migrate`.
  std::string WriteConfig(const std::string& crm, bool full) {
    std::string text =
        absl::StrCat("source:\n  system: pbn\n  pbn_csv:\n    directory: ",
                     (root_ / "data").string(),
                     "\n    time_zone: America/Chicago\n    currency: USD\n");
    if (full) {
      absl::StrAppend(&text, "destination:\n  crm: ", crm,
                      "\n  account: propose-test\n  plan: growth\n"
                      "  fallback_owner_email: owner@bridgework.example\n"
                      "  url: https://example.pipedrive.com\n");
    }
    absl::StrAppend(&text, "map: proposed-", crm,
                    ".yaml\nrun:\n  phone_region: US\n");
    std::string path =
        (root_ / absl::StrCat("config-", crm, full ? "-full" : "", ".yaml"))
            .string();
    std::ofstream(path) << text;
    return path;
  }

  // Values (longer than 4 characters) of a column of the generated export.
  std::vector<std::string> Column(const std::string& file,
                                  const std::string& column, int rows) {
    std::vector<std::string> out =
        testing::CsvColumn((root_ / "data" / file).string(), column, 5);
    if (out.size() > static_cast<size_t>(rows)) out.resize(rows);
    return out;
  }

  fs::path root_;
  std::string log_;
  pid_t up_ = -1;
};

struct Expect {
  std::string crm;
  std::string patient;   // the patient's target
  std::string location;  // the location's target
  std::string email;     // the field an email goes to
  std::string mobile;    // the field a mobile phone goes to
  std::string first;     // the field first_name goes to
};

TEST_F(ProposerCliTest, ProposesAParsingMapForEachCrm) {
  const std::vector<Expect> expects = {
      {"freshsales", "contact", "sales_account", "email", "mobile_number",
       "first_name"},
      {"pipedrive", "person", "organization", "emails", "phones", "name"},
      {"highlevel", "contact", "business", "email", "phone", "firstName"},
  };
  std::vector<std::string> secrets = Column("patients.csv", "email", 10);
  for (const std::string& p : Column("patients.csv", "mobile_phone", 10)) {
    secrets.push_back(p);
  }
  for (const std::string& p : Column("patients.csv", "last_name", 10)) {
    secrets.push_back(p);
  }
  ASSERT_GE(secrets.size(), 20u);
  for (const Expect& e : expects) {
    for (bool defaults : {true, false}) {
      SCOPED_TRACE(absl::StrCat(e.crm, defaults ? " with" : " without",
                                " default maps"));
      std::string out =
          (root_ / absl::StrCat(e.crm, defaults, ".yaml")).string();
      std::string log =
          (root_ / absl::StrCat(e.crm, defaults, ".log")).string();
      std::vector<std::string> argv = {Bin("bridgework"),
                                       "propose",
                                       "--source",
                                       WriteConfig(e.crm, false),
                                       "--dest",
                                       e.crm,
                                       "-o",
                                       out,
                                       "--state-dir",
                                       (root_ / "state").string(),
                                       "--default-maps",
                                       SourceDir() + "/examples"};
      if (!defaults) argv.push_back("--no-default-maps");
      ASSERT_EQ(RunCommand(argv, log), 0) << ReadAll(log);
      std::string cli_output = ReadAll(log);
      EXPECT_THAT(cli_output, HasSubstr("rules proposed"));
      std::string yaml = ReadAll(out);
      auto map = mapping::ParseMap(yaml, out);
      ASSERT_TRUE(map.ok()) << map.status();
      EXPECT_TRUE(mapping::LoadOrder(*map).ok());
      EXPECT_EQ(map->source, "pbn");
      EXPECT_EQ(map->destination, e.crm);

      const mapping::ObjectRoute* patient = map->Find("patient");
      ASSERT_NE(patient, nullptr);
      EXPECT_EQ(patient->target, e.patient);
      const mapping::FieldRule* email = RuleFrom(*patient, "email");
      ASSERT_NE(email, nullptr);
      EXPECT_EQ(email->to, e.email);
      EXPECT_EQ(email->transform, "email");
      const mapping::FieldRule* mobile = RuleFrom(*patient, "mobile_phone");
      ASSERT_NE(mobile, nullptr);
      EXPECT_EQ(mobile->to, e.mobile);
      EXPECT_EQ(mobile->transform, "phone");
      const mapping::FieldRule* first = RuleFrom(*patient, "first_name");
      ASSERT_NE(first, nullptr);
      EXPECT_EQ(first->to, e.first);
      ASSERT_TRUE(patient->owner.has_value());
      EXPECT_EQ(patient->owner->from, "primary_provider_id");
      EXPECT_EQ(patient->owner->email_field, "email");
      ASSERT_EQ(patient->lookups.size(), 1u);
      EXPECT_EQ(patient->lookups[0].from, "location_id");
      EXPECT_EQ(map->Find("location")->target, e.location);
      EXPECT_EQ(map->Find("provider")->kind,
                mapping::ObjectRoute::Kind::kReference);
      EXPECT_EQ(map->Find("kpi_metric")->kind,
                mapping::ObjectRoute::Kind::kNotMigrated);
      // Every proposal carries its confidence and reason.
      EXPECT_THAT(yaml, HasSubstr("# 0."));
      // No sampled value in the map or on the console.
      for (const std::string& s : secrets) {
        EXPECT_THAT(yaml, Not(HasSubstr(s)));
        EXPECT_THAT(cli_output, Not(HasSubstr(s)));
      }
    }
  }
}

TEST_F(ProposerCliTest, ErrorsAreOneLine) {
  std::string log = (root_ / "err.log").string();
  EXPECT_EQ(RunCommand({Bin("bridgework"), "propose", "--source",
                        (root_ / "missing.yaml").string(), "--dest",
                        "freshsales", "-o", (root_ / "x.yaml").string()},
                       log),
            2);
  EXPECT_THAT(ReadAll(log), HasSubstr("config file not found"));
  EXPECT_NE(RunCommand({Bin("bridgework"), "propose", "--source",
                        WriteConfig("freshsales", false), "--dest",
                        "salesforce", "-o", (root_ / "x.yaml").string()},
                       log),
            0);
  EXPECT_FALSE(fs::exists(root_ / "x.yaml"));
}

TEST_F(ProposerCliTest, ProposedMapMigratesIntoPipedrive) {
  // Propose from names and values only; leave every open question open.
  std::string config = WriteConfig("pipedrive", true);
  std::string map_path = (root_ / "proposed-pipedrive.yaml").string();
  ASSERT_EQ(
      RunCommand({Bin("bridgework"), "propose", "--source", config, "--dest",
                  "pipedrive", "-o", map_path, "--state-dir",
                  (root_ / "propose-state").string(), "--no-default-maps"},
                 log_),
      0)
      << ReadAll(log_);
  testing::Suite suite;
  const bool up = testing::StartSuite("pipedrive", config,
                                      (root_ / "state").string(), log_, &suite);
  up_ = suite.pid;
  ASSERT_TRUE(up) << ReadAll(log_);
  const std::string services = suite.services;

  // A person reviews the proposed map (its open questions left open) and
  // approves it before any record moves.
  ASSERT_EQ(RunCommand({Bin("bridgework"), "approve", map_path, "--by",
                        "it-reviewer", "--services", services},
                       log_),
            0)
      << ReadAll(log_);
  std::string report = (root_ / "report.json").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "migrate", "--config", config,
                        "--services", services, "--report-json", report},
                       log_),
            0)
      << ReadAll(log_);
  json rep = json::parse(ReadAll(report));
  ASSERT_TRUE(rep.value("balanced", false)) << rep.dump(2);
  std::map<std::string, int64_t> loaded;
  for (const auto& o : rep["objects"]) {
    loaded[o.value("source_object", "")] = o.value("loaded", int64_t{0});
  }
  EXPECT_GT(loaded["location"], 0);
  EXPECT_GT(loaded["patient"], 0);
  EXPECT_GT(loaded["appointment"], 0);
  EXPECT_GT(loaded["treatment_plan"], 0);

  // The persons carry the proposed fields: name, email, organization.
  json addrs = json::parse(ReadAll(services));
  auto http = crm::MakeCurlHttpClient();
  auto state = http->Send(crm::HttpRequest::Get(
      "http://" + addrs.value("emulator", "") + "/__sandbox/state"));
  ASSERT_TRUE(state.ok()) << state.status();
  json s = json::parse(state->body, nullptr, false);
  ASSERT_TRUE(s.contains("persons")) << s.dump().substr(0, 500);
  int with_email = 0, with_org = 0;
  for (const auto& p : s["persons"]) {
    ASSERT_FALSE(p.value("name", "").empty());
    if (p.contains("emails") && !p["emails"].empty()) ++with_email;
    if (p.contains("org_id") && !p["org_id"].is_null()) ++with_org;
  }
  EXPECT_EQ(static_cast<int64_t>(s["persons"].size()), loaded["patient"]);
  EXPECT_GT(with_email, 0);
  EXPECT_GT(with_org, 0);
}

}  // namespace
}  // namespace bridgework
