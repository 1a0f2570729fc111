// The null destination (issue 10) through the real binaries: a loader
// started with --crm null takes a Practice by Numbers migration with the
// pbn-freshsales map, answers every write with an id and sends nothing;
// the run balances and counts one request per body it encoded. A null
// loader without users refuses to start.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/mapping/map.h"
#include "tests/integration/process_util.h"
#include "tests/integration/replica_suite.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCommand;
using testing::SourceDir;

class NullDestinationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / absl::StrCat("bw-null-it-", getpid()))
                .string();
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = root_ + "/commands.log";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(root_);
  }
  std::string root_, log_;
};

TEST_F(NullDestinationTest, MigrationBalancesAndSendsNothing) {
  ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out", root_ + "/data",
                        "--patients", "60", "--seed", "11"},
                       log_),
            0);
  // A second "Dental anxiety" for the first patient that has one: the
  // first stays merged onto the contact, the second is skipped ("another
  // ... fills its fields"), never merged as well.
  const std::string properties = root_ + "/data/custom_patient_properties.csv";
  std::string rows = ReadAll(properties);
  const size_t anxiety = rows.find(",Dental anxiety,");
  ASSERT_NE(anxiety, std::string::npos);
  const size_t line = rows.rfind('\n', anxiety) + 1;
  std::string duplicate = rows.substr(line, rows.find('\n', anxiety) - line);
  duplicate.replace(0, duplicate.find(','), "999001");
  {
    std::ofstream out(properties, std::ios::app);
    out << duplicate << "\n";
  }
  testing::ReplicaSuiteOptions o;
  o.dir = root_ + "/suite";
  o.crm = "null";
  o.null_users = "owner@bridgework.example,dr.rivera@smilebright.example";
  o.loader_args = {"--plan", "enterprise"};
  testing::ReplicaSuite suite;
  std::string error;
  ASSERT_TRUE(suite.Start(o, &error)) << error << "\n" << ReadAll(suite.log());
  const std::string config = testing::WriteExampleConfig(
      "pbn-freshsales", root_ + "/data", root_ + "/config.yaml");
  const std::string report = root_ + "/report.json";
  ASSERT_EQ(RunCommand({Bin("bridgework"), "approve",
                        SourceDir() + "/examples/pbn-freshsales/map.yaml",
                        "--by", "test", "--services", suite.services()},
                       log_),
            0)
      << ReadAll(log_);
  ASSERT_EQ(
      RunCommand({Bin("bridgework"), "migrate", "--config", config,
                  "--services", suite.services(), "--report-json", report},
                 log_),
      0)
      << ReadAll(log_);
  json r = json::parse(ReadAll(report));
  EXPECT_EQ(r["run"]["state"], "succeeded");
  EXPECT_TRUE(r["balanced"].get<bool>());
  const json* props = nullptr;
  for (const json& obj : r["objects"]) {
    if (obj.value("source_object", "") == "custom_patient_property") {
      props = &obj;
    }
  }
  ASSERT_NE(props, nullptr) << r["objects"].dump();
  int fills = 0;
  for (const json& s : (*props)["skipped_records"]) {
    if (s.value("source_key", "") == "999001") {
      EXPECT_THAT(s.value("reason", ""), HasSubstr("fills its fields"));
      ++fills;
    }
  }
  EXPECT_EQ(fills, 1) << (*props).dump();
  EXPECT_GT((*props).value("loaded", 0), 0) << (*props).dump();
  const int64_t loaded = r["totals"]["loaded"].get<int64_t>();
  EXPECT_GT(loaded, 60);  // patients and their appointments, notes, ...
  EXPECT_EQ(r["operations"]["failed"], 0);
  EXPECT_EQ(r["operations"]["pending"], 0);
  // Contacts, accounts and deals go 100 to a body: fewer requests than
  // records, but at least one.
  const int64_t requests = r["requests"].get<int64_t>();
  EXPECT_GT(requests, 0);
  EXPECT_LT(requests, loaded);
  // Owners were matched by email against the null account's users.
  bool rivera = false;
  for (const json& owner : r["extra"]["owners"]) {
    if (owner.value("email", "") == "dr.rivera@smilebright.example")
      rivera = owner.value("matched", false);
  }
  EXPECT_TRUE(rivera);

  // Each object was extracted with the fields its map reads and no other
  // (docs/design.md, "Field selection"): the extractor logs how many were
  // asked for, "all" when none were named.
  auto map = mapping::ParseMap(
      ReadAll(SourceDir() + "/examples/pbn-freshsales/map.yaml"), "map.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  std::map<std::string, std::set<std::string>> asked;
  std::istringstream lines(ReadAll(suite.log()));
  for (std::string line; std::getline(lines, line);) {
    json l = json::parse(line, nullptr, false);
    if (l.is_object() && l.value("msg", "") == "extract finished") {
      asked[l.value("object", "")].insert(l.value("fields", ""));
    }
  }
  for (const char* object :
       {"patient", "appointment", "communication", "provider", "insurance"}) {
    auto read = mapping::FieldsRead(*map, object);
    ASSERT_TRUE(read.has_value()) << object;
    EXPECT_THAT(asked[object],
                ::testing::ElementsAre(absl::StrCat(read->size())))
        << object;
  }
  EXPECT_THAT(asked["communication"], ::testing::ElementsAre("0"));
  EXPECT_LT(mapping::FieldsRead(*map, "patient")->size(), 27u);
  suite.StopAll();
}

TEST_F(NullDestinationTest, LoaderWithoutUsersRefusesToStart) {
  const std::string log = root_ + "/loader.log";
  EXPECT_EQ(RunCommand({Bin("bridgework-loader"), "--listen", "127.0.0.1:0",
                        "--auditor", "127.0.0.1:1", "--crm", "null",
                        "--crm-url", "null:"},
                       log),
            2);
  EXPECT_THAT(ReadAll(log), HasSubstr("null destination needs its users"));
}

}  // namespace
}  // namespace bridgework
