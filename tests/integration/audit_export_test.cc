// `bridgework audit export` through the real binaries: a small Practice by
// Numbers migration into the Freshsales emulator (`bridgework up`), then the
// run's operations exported as JSONL and CSV. The files have one row per
// operation, as many as the run's report counts, and no value of the
// sample's patient data (names, emails, phones, birth dates, addresses,
// clinical notes, reviews) appears in them.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// Lines of `text` without the empty one after the last newline.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

class AuditExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / absl::StrCat("bw-audit-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = (root_ / "commands.log").string();
    config_ = testing::WritePbnFreshsalesRun(root_.string(), "audit-test", 30,
                                             11, log_);
    ASSERT_FALSE(config_.empty()) << ReadAll(log_);
    map_path_ = (root_ / "map.yaml").string();
  }

  void TearDown() override {
    testing::Stop(&up_);
    if (!HasFailure()) fs::remove_all(root_);
  }

  // `bridgework up` with the Freshsales emulator; the services' file, or
  // "" when it did not come up.
  std::string StartServices() {
    testing::Suite suite;
    const bool up = testing::StartSuite(
        "freshsales", config_, (root_ / "state").string(), log_, &suite);
    up_ = suite.pid;
    return up ? suite.services : "";
  }

  // Values of `column` in the sample's `file` longer than 4 characters
  // (shorter ones, such as states and genders, could occur by chance).
  std::vector<std::string> Column(const std::string& file,
                                  const std::string& column) {
    std::vector<std::string> values =
        testing::CsvColumn((root_ / "data" / file).string(), column, 5);
    EXPECT_FALSE(values.empty()) << file << " " << column;
    return values;
  }

  fs::path root_;
  std::string log_, map_path_, config_;
  pid_t up_ = -1;
};

TEST_F(AuditExportTest, ExportsEveryOperationAndNoFieldValue) {
  const std::string services = StartServices();
  ASSERT_FALSE(services.empty()) << ReadAll(log_);
  const std::string report_dir = (root_ / "report").string();
  ASSERT_EQ(testing::ApproveAndMigrate(map_path_, "audit-test", config_,
                                       services, report_dir, log_),
            0)
      << ReadAll(log_);
  const json report = json::parse(ReadAll(report_dir + "/report.json"));
  ASSERT_TRUE(report.value("balanced", false)) << report.dump(2);
  const std::string run_id = report["run"]["id"].get<std::string>();
  const int64_t applied = report["operations"]["applied"].get<int64_t>();
  const int64_t failed = report["operations"]["failed"].get<int64_t>();
  const int64_t pending = report["operations"]["pending"].get<int64_t>();
  ASSERT_GT(applied, 0);

  const std::string out = (root_ / "audit").string();
  const std::string export_log = (root_ / "export.log").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "audit", "export", "--run", run_id,
                        "-o", out, "--services", services},
                       export_log),
            0)
      << ReadAll(export_log);
  EXPECT_THAT(
      ReadAll(export_log),
      HasSubstr(absl::StrCat(applied + failed + pending, " operations")));
  const std::string jsonl_text =
      ReadAll(absl::StrCat(out, "/audit-", run_id, ".jsonl"));
  const std::string csv_text =
      ReadAll(absl::StrCat(out, "/audit-", run_id, ".csv"));

  // JSONL: one object per operation, the report's counts by state.
  const std::vector<std::string> jsonl = Lines(jsonl_text);
  ASSERT_EQ(static_cast<int64_t>(jsonl.size()), applied + failed + pending);
  std::map<std::string, int64_t> by_state, by_kind;
  std::set<int64_t> seqs;
  int64_t finished_records = 0;
  const std::vector<std::string> columns = {
      "seq",           "run_id",     "kind",          "state",
      "intent_at",     "outcome_at", "source_object", "source_key",
      "target_object", "crm_id",     "http_status",   "error",
      "undoes_seq"};
  for (const std::string& line : jsonl) {
    const json op = json::parse(line);
    std::vector<std::string> keys;
    for (const auto& [key, value] : op.items()) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    std::vector<std::string> want = columns;
    std::sort(want.begin(), want.end());
    ASSERT_EQ(keys, want) << line;
    EXPECT_EQ(op["run_id"], run_id);
    EXPECT_TRUE(seqs.insert(op["seq"].get<int64_t>()).second) << line;
    ++by_state[op["state"].get<std::string>()];
    ++by_kind[op["kind"].get<std::string>()];
    if (op["state"] == "failed") {
      // (A record refused inside a bulk job has no HTTP status of its own.)
      EXPECT_FALSE(op["error"].get<std::string>().empty()) << line;
    }
    if (op["kind"] != "link" && !op["outcome_at"].get<std::string>().empty()) {
      ++finished_records;
    }
  }
  EXPECT_EQ(by_state["applied"] + by_state["adopted"], applied);
  EXPECT_EQ(by_state["failed"], failed);
  EXPECT_EQ(by_state["intent"], pending);
  EXPECT_GT(by_kind["create"], 0);
  for (const auto& [kind, n] : by_kind) {
    EXPECT_THAT(kind, ::testing::AnyOf("create", "update", "link", "match"));
  }

  // CSV: a header and one row per operation, in the JSONL's order.
  const std::vector<std::vector<std::string>> csv =
      testing::CsvRecords(csv_text);
  ASSERT_EQ(static_cast<int64_t>(csv.size()), 1 + applied + failed + pending);
  EXPECT_EQ(csv[0], columns);
  for (size_t i = 1; i < csv.size(); ++i) {
    const std::vector<std::string>& cells = csv[i];
    ASSERT_EQ(cells.size(), columns.size()) << jsonl[i - 1];
    const json op = json::parse(jsonl[i - 1]);
    EXPECT_EQ(cells[0], absl::StrCat(op["seq"].get<int64_t>()));
    EXPECT_EQ(cells[2], op["kind"]);
    EXPECT_EQ(cells[9], op["crm_id"]);
  }

  // The report's timeline counts the same operations.
  int64_t timeline_records = 0, timeline_requests = 0;
  for (const json& p : report["timeline"]["points"]) {
    timeline_records += p["records"].get<int64_t>();
    timeline_requests += p["requests"].get<int64_t>();
  }
  EXPECT_EQ(timeline_records, finished_records);
  EXPECT_EQ(timeline_requests, report["requests"].get<int64_t>());
  EXPECT_GT(report["timeline"]["budget_per_second"].get<double>(), 0);

  // No patient data: not in the files, not on the console.
  std::vector<std::string> secrets;
  for (const char* column : {"first_name", "last_name", "email", "mobile_phone",
                             "birth_date", "address_line1"}) {
    for (std::string& v : Column("patients.csv", column)) {
      secrets.push_back(std::move(v));
    }
  }
  for (std::string& v : Column("notes.csv", "body")) {
    secrets.push_back(std::move(v));
  }
  for (std::string& v : Column("reviews.csv", "comment")) {
    secrets.push_back(std::move(v));
  }
  ASSERT_GE(secrets.size(), 100u);
  const std::string console = ReadAll(export_log);
  for (const std::string& s : secrets) {
    EXPECT_THAT(jsonl_text, Not(HasSubstr(s)));
    EXPECT_THAT(csv_text, Not(HasSubstr(s)));
    EXPECT_THAT(console, Not(HasSubstr(s)));
  }
}

TEST_F(AuditExportTest, AnUnknownRunIsOneLineAndWritesNothing) {
  const std::string services = StartServices();
  ASSERT_FALSE(services.empty()) << ReadAll(log_);
  const std::string out = (root_ / "audit").string();
  const std::string export_log = (root_ / "export.log").string();
  EXPECT_EQ(RunCommand({Bin("bridgework"), "audit", "export", "--run",
                        "r-999999", "-o", out, "--services", services},
                       export_log),
            2);
  EXPECT_EQ(ReadAll(export_log),
            "bridgework: audit export: the ledger has no run r-999999 "
            "(`bridgework status` lists the runs)\n");
  EXPECT_FALSE(fs::exists(out + "/audit-r-999999.jsonl"));
  EXPECT_FALSE(fs::exists(out + "/audit-r-999999.csv"));
}

}  // namespace
}  // namespace bridgework
