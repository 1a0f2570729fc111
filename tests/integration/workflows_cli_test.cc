// Issue 5, workflow export: the real `bridgework workflows` (with its
// private extractor) on the clinic and Dr.DENTES examples and on generated
// Practice by Numbers data for each CRM. Every automation record the
// extractor reads appears exactly once in workflows.json with a CRM feature
// (and every step record once among its actions), every rejected row is
// listed, workflows.md has a section per automation, and no identifying
// value of a patient appears in either file.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "libs/record/value.h"
#include "tests/integration/process_util.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/run_config.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

using testing::Bin;
using testing::RunCommand;
using testing::SourceDir;

std::string ReadAll(const fs::path& path) {
  return testing::ReadAll(path.string());
}

struct Extracted {
  std::vector<v1::Record> records;
  std::vector<v1::Rejection> rejections;
};

// One run of the export and what the test checks it against.
struct Case {
  std::string config;
  std::string automation_object;
  std::string step_object;  // "" when the source has none
  // Identifying columns of the source's patient object; first and last
  // name are also checked together.
  std::vector<std::string> identifying;
  std::string crm;
};

class WorkflowsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() /
                         absl::StrCat("bw-workflows-it-", getpid()));
    fs::remove_all(*root_);
    fs::create_directories(*root_ / "pbn");
    // Generated PbN data, and one config per CRM reading it with the
    // example maps.
    ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out",
                          (*root_ / "pbn" / "data").string(), "--patients",
                          "120", "--seed", "11"},
                         *root_ / "gen.log"),
              0)
        << ReadAll(*root_ / "gen.log");
    for (const char* crm : {"freshsales", "pipedrive", "highlevel"}) {
      std::ofstream(*root_ / "pbn" / absl::StrCat(crm, ".yaml"))
          << "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
          << "    time_zone: America/Chicago\n    currency: USD\n"
          << "destination:\n  crm: " << crm << "\n  account: a\n"
          << "  fallback_owner_email: owner@bridgework.example\n"
          << (std::string(crm) == "highlevel"
                  ? "  location_id: bwDemoLocation000001\n"
                  : "")
          << "map: " << ExamplesDir() << "/pbn-" << crm << "/map.yaml\n";
    }
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }

  static std::string ExamplesDir() { return SourceDir() + "/examples"; }

  // Reads `object` through a private extractor: the ground truth.
  static Extracted Extract(const cli::RunConfig& config,
                           const std::string& object) {
    Extracted out;
    auto access = cli::ExtractorAccess::Reach((*root_ / "none.json").string(),
                                              {}, (*root_ / "reader").string());
    EXPECT_TRUE(access.ok()) << access.status();
    if (!access.ok()) return out;
    absl::Status s =
        access->Read(config.source, object, [&](const v1::RecordBatch& b) {
          out.records.insert(out.records.end(), b.records().begin(),
                             b.records().end());
          out.rejections.insert(out.rejections.end(), b.rejections().begin(),
                                b.rejections().end());
          return true;
        });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  void Check(const Case& c, const std::string& name) {
    SCOPED_TRACE(name);
    const fs::path out = *root_ / "out" / name;
    const fs::path log = *root_ / (name + ".log");
    ASSERT_EQ(RunCommand({Bin("bridgework"), "workflows", "--config", c.config,
                          "--out", out.string(), "--services",
                          (*root_ / "none.json").string(), "--state-dir",
                          (*root_ / "state" / name).string()},
                         log),
              0)
        << ReadAll(log);
    EXPECT_THAT(ReadAll(log), HasSubstr(absl::StrCat("workflows: ")));
    EXPECT_THAT(ReadAll(log), HasSubstr("workflows.md"));

    auto config = cli::LoadRunConfig(c.config);
    ASSERT_TRUE(config.ok()) << config.status();
    const std::string json_text = ReadAll(out / "workflows.json");
    const std::string md = ReadAll(out / "workflows.md");
    json j = json::parse(json_text, nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    EXPECT_EQ(j["schema"], "bridgework.workflows");
    EXPECT_EQ(j["version"], 1);
    EXPECT_EQ(j["destination"]["crm"], c.crm);

    // Every automation record once, with a feature; its section in the
    // Markdown.
    Extracted automations = Extract(*config, c.automation_object);
    ASSERT_FALSE(automations.records.empty());
    std::map<std::string, int> seen;
    std::map<std::string, int> step_seen;
    for (const json& a : j["automations"]) {
      EXPECT_EQ(a["source"]["object"], c.automation_object);
      ++seen[a["source"]["key"].get<std::string>()];
      EXPECT_EQ(a["rebuild"]["crm"], c.crm);
      EXPECT_FALSE(a["rebuild"]["feature"].get<std::string>().empty())
          << a["source"]["key"];
      EXPECT_FALSE(a["rebuild"]["steps"].empty());
      EXPECT_FALSE(a["actions"].empty()) << a["source"]["key"];
      for (const json& act : a["actions"]) {
        if (act["step_key"].is_string())
          ++step_seen[act["step_key"].get<std::string>()];
      }
    }
    ASSERT_EQ(seen.size(), automations.records.size());
    EXPECT_EQ(j["counts"]["automations"], automations.records.size());
    for (const v1::Record& r : automations.records) {
      EXPECT_EQ(seen[r.source_key()], 1) << r.source_key();
      const auto name_it = r.fields().find("name");
      ASSERT_NE(name_it, r.fields().end());
      EXPECT_THAT(md, HasSubstr(absl::StrCat("`", c.automation_object, "` `",
                                             r.source_key(), "`")));
    }
    size_t rejected = automations.rejections.size();
    if (!c.step_object.empty()) {
      Extracted steps = Extract(*config, c.step_object);
      ASSERT_FALSE(steps.records.empty());
      EXPECT_EQ(step_seen.size(), steps.records.size());
      for (const v1::Record& r : steps.records)
        EXPECT_EQ(step_seen[r.source_key()], 1) << r.source_key();
      rejected += steps.rejections.size();
    } else {
      EXPECT_TRUE(step_seen.empty());
    }
    // Rejected rows are listed, with their reason (never a value).
    ASSERT_EQ(j["rejected"].size(), rejected);
    for (const v1::Rejection& r : automations.rejections) {
      EXPECT_THAT(md, HasSubstr(r.location().file()));
    }

    // No identifying value of any patient in either file.
    Extracted patients = Extract(*config, "patient");
    ASSERT_FALSE(patients.records.empty());
    int checked = 0;
    for (const v1::Record& p : patients.records) {
      std::vector<std::string> values;
      for (const std::string& f : c.identifying) {
        auto it = p.fields().find(f);
        if (it != p.fields().end())
          values.push_back(record::ValueToText(it->second));
      }
      auto first = p.fields().find("first_name");
      auto last = p.fields().find("last_name");
      if (first != p.fields().end() && last != p.fields().end()) {
        values.push_back(absl::StrCat(record::ValueToText(first->second), " ",
                                      record::ValueToText(last->second)));
      }
      for (const std::string& v : values) {
        if (v.size() < 5) continue;
        ++checked;
        EXPECT_EQ(json_text.find(v), std::string::npos)
            << "patient " << p.source_key() << " value in workflows.json";
        EXPECT_EQ(md.find(v), std::string::npos)
            << "patient " << p.source_key() << " value in workflows.md";
      }
    }
    EXPECT_GT(checked, 20);
  }

  static fs::path* root_;
};

fs::path* WorkflowsCliTest::root_ = nullptr;

TEST_F(WorkflowsCliTest, ClinicExampleToFreshsales) {
  Check({ExamplesDir() + "/clinic-freshsales/config.yaml",
         "workflow",
         "",
         {"email", "mobile_phone", "home_phone", "address_line1",
          "emergency_contact_name", "emergency_contact_phone",
          "primary_policy_number"},
         "freshsales"},
        "clinic");
}

TEST_F(WorkflowsCliTest, DrdentesExampleToFreshsales) {
  Check({ExamplesDir() + "/drdentes-freshsales/config.yaml",
         "workflow",
         "",
         {"email", "mobile_phone", "home_phone", "other_phone", "address"},
         "freshsales"},
        "drdentes");
}

TEST_F(WorkflowsCliTest, GeneratedPbnForEachCrm) {
  for (const char* crm : {"freshsales", "pipedrive", "highlevel"}) {
    Check(
        {(*root_ / "pbn" / absl::StrCat(crm, ".yaml")).string(),
         "automation",
         "automation_step",
         {"email", "mobile_phone", "home_phone", "work_phone", "address_line1"},
         crm},
        absl::StrCat("pbn-", crm));
  }
}

// A map that loads (or omits) the automation object: nothing is exported,
// and the files say why.
TEST_F(WorkflowsCliTest, ObjectsTheMapDoesNotMarkAreLeftOutWithANote) {
  const fs::path dir = *root_ / "nomap";
  fs::create_directories(dir);
  std::ofstream(dir / "map.yaml")
      << "version: 1\nsource: pbn\ndestination: freshsales\n"
      << "objects:\n  - source: patient\n    target: contact\n";
  std::ofstream(dir / "run.yaml")
      << "source:\n  system: pbn\n  pbn_csv:\n    directory: "
      << (*root_ / "pbn" / "data").string() << "\n"
      << "destination:\n  crm: freshsales\n  account: a\n"
      << "  fallback_owner_email: o@x.example\nmap: map.yaml\n";
  const fs::path log = *root_ / "nomap.log";
  ASSERT_EQ(
      RunCommand({Bin("bridgework"), "workflows", "--config",
                  (dir / "run.yaml").string(), "--out", (dir / "out").string(),
                  "--services", (*root_ / "none.json").string(), "--state-dir",
                  (dir / "state").string()},
                 log),
      0)
      << ReadAll(log);
  json j = json::parse(ReadAll(dir / "out" / "workflows.json"), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_TRUE(j["automations"].empty());
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_THAT(j["notes"][0].get<std::string>(),
              HasSubstr("'automation' holds Practice by Numbers automations "
                        "but the map does not route it `not_migrated`"));
}

}  // namespace
}  // namespace bridgework
