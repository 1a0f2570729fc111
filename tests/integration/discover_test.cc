// `bridgework discover` through the real binaries: the PbN sample export
// (bridgework-gen-sample) read by a private extractor, checked against the
// test's own reading of the CSV files: record counts, the planted
// duplicate patients, the planted appointment of a missing patient, no
// email of the data anywhere in the report, and an estimate in hours and
// days.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/process_util.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

std::string Bin(const std::string& name) {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  // Absolute: the programs run in the test's directory.
  return fs::absolute(fs::path(dir ? dir : "build/bin") / name).string();
}

struct Outcome {
  int code = 0;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

Outcome RunProgram(const std::vector<std::string>& argv, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    FILE* o = std::fopen(out.c_str(), "w");
    FILE* e = std::fopen(err.c_str(), "w");
    if (o) dup2(fileno(o), 1);
    if (e) dup2(fileno(e), 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
          ReadAll(out), ReadAll(err)};
}

// The records of a CSV file, header first (process_util.h).
std::vector<std::vector<std::string>> ReadCsv(const fs::path& path) {
  return testing::CsvRecords(ReadAll(path));
}

int Column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// "treatment_plans.csv" -> "treatment_plan", "custom_patient_properties.csv"
// -> "custom_patient_property", "insurance.csv" -> "insurance".
std::string ObjectOf(const fs::path& file) {
  std::string stem = file.stem().string();
  if (absl::EndsWith(stem, "ies")) return stem.substr(0, stem.size() - 3) + "y";
  if (absl::EndsWith(stem, "s")) return stem.substr(0, stem.size() - 1);
  return stem;
}

class DiscoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / absl::StrCat("bw-discover-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    Outcome gen = RunProgram(
        {Bin("bridgework-gen-sample"), "--out", (root_ / "data").string(),
         "--patients", "150", "--seed", "11"},
        root_);
    ASSERT_EQ(gen.code, 0) << gen.err;
    std::ofstream(root_ / "config.yaml")
        << "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
        << "    time_zone: America/Chicago\n    currency: USD\n"
        << "run:\n  phone_region: US\n";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(root_);
  }

  Outcome Discover(std::vector<std::string> extra) {
    std::vector<std::string> argv = {Bin("bridgework"), "discover",
                                     "--source",        "config.yaml",
                                     "--state-dir",     "state"};
    for (auto& a : extra) argv.push_back(std::move(a));
    return RunProgram(argv, root_);
  }

  fs::path root_;
};

TEST_F(DiscoverTest, PbnSampleThroughTheRealBinaries) {
  Outcome run =
      Discover({"--dest", "freshsales", "--plan", "growth", "--out", "report"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("report/discovery.json"));
  EXPECT_THAT(run.out, HasSubstr("hours"));
  const std::string json_text = ReadAll(root_ / "report/discovery.json");
  const std::string html = ReadAll(root_ / "report/discovery.html");
  json j = json::parse(json_text, nullptr, false);
  ASSERT_TRUE(j.is_object()) << "discovery.json does not parse";

  // Counts: every row of every CSV is a record or a rejected row.
  std::map<std::string, const json*> objects;
  for (const json& o : j["inventory"]["objects"])
    objects[o["object"].get<std::string>()] = &o;
  int files = 0;
  int64_t total_rows = 0;
  for (const auto& entry : fs::directory_iterator(root_ / "data")) {
    if (entry.path().extension() != ".csv") continue;
    ++files;
    const auto rows = ReadCsv(entry.path());
    ASSERT_FALSE(rows.empty()) << entry.path();
    const auto data_rows = static_cast<int64_t>(rows.size()) - 1;
    total_rows += data_rows;
    const std::string object = ObjectOf(entry.path());
    ASSERT_TRUE(objects.count(object)) << object;
    const json& o = *objects[object];
    EXPECT_EQ(o["records"].get<int64_t>() + o["rejected"].get<int64_t>(),
              data_rows)
        << object;
  }
  EXPECT_GE(files, 15);
  EXPECT_EQ(j["inventory"]["totals"]["records"].get<int64_t>() +
                j["inventory"]["totals"]["rejected"].get<int64_t>(),
            total_rows);

  // The planted duplicates: patients sharing an email (the test's own
  // grouping of patients.csv), each flagged as one group of those keys.
  const auto patients = ReadCsv(root_ / "data/patients.csv");
  const int id_col = Column(patients[0], "patient_id");
  const int email_col = Column(patients[0], "email");
  ASSERT_GE(id_col, 0);
  ASSERT_GE(email_col, 0);
  std::map<std::string, std::vector<std::string>> by_email;
  std::set<std::string> patient_ids;
  std::set<std::string> emails;
  for (size_t i = 1; i < patients.size(); ++i) {
    const auto& r = patients[i];
    if (r.size() > static_cast<size_t>(id_col)) patient_ids.insert(r[id_col]);
    if (r.size() != patients[0].size()) continue;  // malformed: rejected
    std::string e(absl::StripAsciiWhitespace(r[email_col]));
    if (e.empty()) continue;
    emails.insert(e);
    absl::AsciiStrToLower(&e);
    by_email[e].push_back(r[id_col]);
  }
  std::set<std::vector<std::string>> expected_groups;
  for (const auto& [e, ids] : by_email) {
    if (ids.size() > 1) expected_groups.insert(ids);
  }
  ASSERT_FALSE(expected_groups.empty()) << "the sample plants duplicates";
  std::set<std::vector<std::string>> flagged_groups;
  for (const json& d : j["quality"]["duplicates"]) {
    if (d["object"] != "patient" || d["rule"] != "email") continue;
    for (const json& g : d["listed"])
      flagged_groups.insert(g.get<std::vector<std::string>>());
  }
  EXPECT_EQ(flagged_groups, expected_groups);

  // The planted dangling reference: an appointment whose patient_id is on
  // no row of patients.csv.
  const auto appointments = ReadCsv(root_ / "data/appointments.csv");
  const int appt_id = Column(appointments[0], "appointment_id");
  const int appt_patient = Column(appointments[0], "patient_id");
  ASSERT_GE(appt_id, 0);
  ASSERT_GE(appt_patient, 0);
  std::set<std::string> dangling;
  for (size_t i = 1; i < appointments.size(); ++i) {
    const auto& r = appointments[i];
    if (r.size() != appointments[0].size()) continue;
    if (!r[appt_patient].empty() && !patient_ids.count(r[appt_patient]))
      dangling.insert(r[appt_id]);
  }
  ASSERT_FALSE(dangling.empty()) << "the sample plants a dangling reference";
  std::set<std::string> flagged_dangling;
  for (const json& f : j["quality"]["flags"]) {
    if (f["object"] == "appointment" && f["field"] == "patient_id" &&
        f["kind"] == "dangling_reference") {
      EXPECT_EQ(f["detail"], "patient");
      for (const json& k : f["keys"]) flagged_dangling.insert(k);
    }
  }
  EXPECT_EQ(flagged_dangling, dangling);

  // No email of the data appears, in any case, in either file.
  for (const char* file : {"providers.csv", "locations.csv"}) {
    const auto rows = ReadCsv(root_ / "data" / file);
    const int col = Column(rows[0], "email");
    ASSERT_GE(col, 0) << file;
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() > static_cast<size_t>(col) && !rows[i][col].empty())
        emails.insert(rows[i][col]);
    }
  }
  ASSERT_GT(emails.size(), 50u);
  std::string json_lower = json_text, html_lower = html;
  absl::AsciiStrToLower(&json_lower);
  absl::AsciiStrToLower(&html_lower);
  for (std::string e : emails) {
    absl::AsciiStrToLower(&e);
    EXPECT_FALSE(absl::StrContains(json_lower, e)) << "JSON shows an email";
    EXPECT_FALSE(absl::StrContains(html_lower, e)) << "HTML shows an email";
  }
  // The masked form is there instead.
  const json& email_field = [&]() -> const json& {
    for (const json& f : (*objects["patient"])["fields"]) {
      if (f["name"] == "email") return f;
    }
    return j;
  }();
  EXPECT_EQ(email_field["inferred_type"], "email");
  ASSERT_FALSE(email_field["examples"].empty());
  EXPECT_THAT(email_field["examples"][0].get<std::string>(), HasSubstr("***@"));

  // Readiness and the estimate.
  EXPECT_EQ(j["readiness"]["crm"], "freshsales");
  EXPECT_EQ(j["readiness"]["map"]["origin"], "example");
  const json& e = j["estimate"];
  ASSERT_TRUE(e.is_object());
  EXPECT_GT(e["requests"].get<int64_t>(), 0);
  EXPECT_GT(e["hours"].get<double>(), 0);
  EXPECT_NEAR(e["days"].get<double>(), e["hours"].get<double>() / 24, 0.01);
  EXPECT_FALSE(e["rules"].empty());
  EXPECT_THAT(html, HasSubstr("<h2>Estimate</h2>"));
}

TEST_F(DiscoverTest, EveryCrmHasReadinessAndAnEstimate) {
  for (const char* crm : {"pipedrive", "highlevel"}) {
    const std::string out = absl::StrCat("report-", crm);
    Outcome run = Discover({"--dest", crm, "--out", out});
    ASSERT_EQ(run.code, 0) << crm << ": " << run.err;
    json j =
        json::parse(ReadAll(root_ / out / "discovery.json"), nullptr, false);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["readiness"]["crm"], crm);
    EXPECT_FALSE(j["readiness"]["items"].empty()) << crm;
    EXPECT_GT(j["estimate"]["hours"].get<double>(), 0) << crm;
    EXPECT_FALSE(j["destination"]["sources"].empty()) << crm;
  }
}

TEST_F(DiscoverTest, UsesTheRunningExtractor) {
  cli::Supervisor supervisor((root_ / "running").string());
  auto child = supervisor.Start({"extractor",
                                 Bin("bridgework-extractor"),
                                 {"--listen", "127.0.0.1:0"},
                                 {}},
                                true);
  ASSERT_TRUE(child.ok()) << child.status();
  std::ofstream(root_ / "services.json")
      << json({{"extractor", child->address},
               {"transformer", "127.0.0.1:1"},
               {"loader", "127.0.0.1:1"},
               {"auditor", "127.0.0.1:1"}})
             .dump();
  Outcome run = Discover({"--services", "services.json", "--out", "r"});
  ASSERT_EQ(run.code, 0) << run.err;
  // No private extractor was started (it would keep its log there).
  EXPECT_FALSE(fs::exists(root_ / "state"));
  json j = json::parse(ReadAll(root_ / "r/discovery.json"), nullptr, false);
  ASSERT_TRUE(j.is_object());
  EXPECT_GT(j["inventory"]["totals"]["records"].get<int64_t>(), 0);
  // No CRM in the config and none given: no readiness, no estimate.
  EXPECT_TRUE(j["estimate"].is_null());
  EXPECT_TRUE(j["readiness"].is_null());
}

TEST_F(DiscoverTest, ErrorsAreOneLine) {
  auto one_line = [](const Outcome& o) {
    return std::count(o.err.begin(), o.err.end(), '\n') == 1;
  };
  // An unknown plan, before anything is read.
  Outcome plan =
      Discover({"--dest", "pipedrive", "--plan", "gold", "--out", "r"});
  EXPECT_NE(plan.code, 0);
  EXPECT_THAT(plan.err, HasSubstr("unknown pipedrive plan 'gold'"));
  EXPECT_TRUE(one_line(plan)) << plan.err;

  // The source's own error, from the extractor service.
  std::ofstream(root_ / "data/patients.csv") << "patient_id,first_name\n1,A\n";
  Outcome header = Discover({"--out", "r"});
  EXPECT_NE(header.code, 0);
  EXPECT_THAT(header.err,
              HasSubstr("patients.csv:1: required column 'last_name' is "
                        "missing from the header"));
  EXPECT_TRUE(one_line(header)) << header.err;

  // A missing export directory.
  std::ofstream(root_ / "config.yaml")
      << "source:\n  system: pbn\n  pbn_csv:\n    directory: nowhere\n";
  Outcome missing = Discover({"--out", "r"});
  EXPECT_NE(missing.code, 0);
  EXPECT_THAT(missing.err, HasSubstr("directory not found"));
  EXPECT_TRUE(one_line(missing)) << missing.err;
  EXPECT_FALSE(fs::exists(root_ / "r/discovery.json"));
}

}  // namespace
}  // namespace bridgework
