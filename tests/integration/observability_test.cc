// Issue 9, observability, through the real binaries: `bridgework up
// --metrics` starts the suite with each service's Prometheus /metrics on a
// loopback port, a small Practice by Numbers migration runs into the
// Freshsales emulator, and then
//  - each service's /metrics is scraped over HTTP and its series agree with
//    the run: the loader's CRM requests with the emulator's own count (in
//    total and per status), records out with the report's counts, records
//    passed on by one service with those received by the next, budget waits
//    and slots with requests, ledger writes and RPCs counted, queues empty;
//  - every line every service logged is one JSON object; the lines about
//    the run carry its id and one trace id, the same in all four services;
//    no patient value appears in any log or metric.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/crm/http_client.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ReadAll;

// One sample of the Prometheus text format.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The samples of a /metrics page (the tests' own reader of the text
// format: `name{k="v",...} value`; label values without escapes, which
// Bridgework's never need). An unparsable line fails the test.
std::vector<Sample> ParseMetrics(const std::string& text) {
  std::vector<Sample> out;
  for (const std::string& line :
       std::vector<std::string>(absl::StrSplit(text, '\n'))) {
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t name_end = line.find_first_of("{ ");
    s.name = std::string(line.substr(0, name_end));
    size_t value_at = name_end + 1;
    if (line[name_end] == '{') {
      size_t close = line.find('}', name_end);
      EXPECT_NE(close, std::string::npos) << line;
      if (close == std::string::npos) continue;
      for (const std::string& pair : std::vector<std::string>(
               absl::StrSplit(line.substr(name_end + 1, close - name_end - 1),
                              ',', absl::SkipEmpty()))) {
        size_t eq = pair.find('=');
        EXPECT_TRUE(eq != std::string::npos && pair.size() > eq + 2 &&
                    pair[eq + 1] == '"' && pair.back() == '"')
            << line;
        if (eq == std::string::npos || pair.size() < eq + 3) continue;
        s.labels[std::string(pair.substr(0, eq))] =
            std::string(pair.substr(eq + 2, pair.size() - eq - 3));
      }
      value_at = close + 2;
    }
    std::string value(line.substr(value_at));
    EXPECT_TRUE(absl::SimpleAtod(value, &s.value) || value == "Nan") << line;
    out.push_back(std::move(s));
  }
  return out;
}

// The sum over the samples named `name` whose labels include `labels`.
double Sum(const std::vector<Sample>& samples, const std::string& name,
           const std::map<std::string, std::string>& labels = {}) {
  double sum = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (match) sum += s.value;
  }
  return sum;
}

// Whether some sample is named `name`.
bool Has(const std::vector<Sample>& samples, const std::string& name) {
  for (const Sample& s : samples) {
    if (s.name == name) return true;
  }
  return false;
}

// The label values of `label` over the samples named `name`.
std::set<std::string> LabelValues(const std::vector<Sample>& samples,
                                  const std::string& name,
                                  const std::string& label) {
  std::set<std::string> out;
  for (const Sample& s : samples) {
    auto it = s.labels.find(label);
    if (s.name == name && it != s.labels.end()) out.insert(it->second);
  }
  return out;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / absl::StrCat("bw-obs-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = (root_ / "commands.log").string();
    config_ =
        testing::WritePbnFreshsalesRun(root_.string(), "obs-test", 25, 5, log_);
    ASSERT_FALSE(config_.empty()) << ReadAll(log_);
  }

  void TearDown() override {
    testing::Stop(&suite_.pid);
    if (!HasFailure()) fs::remove_all(root_);
  }

  // GET `url`: the body of a 200, else "" (the test fails).
  std::string Get(const std::string& url) {
    auto http = crm::MakeCurlHttpClient();
    absl::StatusOr<crm::HttpResponse> r =
        http->Send(crm::HttpRequest::Get(url));
    EXPECT_TRUE(r.ok()) << url << ": " << r.status();
    if (!r.ok()) return "";
    EXPECT_EQ(r->status, 200) << url;
    return r->status == 200 ? r->body : "";
  }

  fs::path root_;
  std::string log_, config_;
  testing::Suite suite_;
};

TEST_F(ObservabilityTest, MetricsMatchTheRunAndLogsCarryItsRunAndTrace) {
  const std::string state = (root_ / "state").string();
  ASSERT_TRUE(testing::StartSuite("freshsales", config_, state, log_, &suite_,
                                  {"--metrics"}))
      << ReadAll(log_);
  const json services = json::parse(ReadAll(suite_.services));
  ASSERT_TRUE(services.contains("metrics")) << services.dump(2);
  const std::string report_dir = (root_ / "report").string();
  ASSERT_EQ(
      testing::ApproveAndMigrate((root_ / "map.yaml").string(), "obs-test",
                                 config_, suite_.services, report_dir, log_),
      0)
      << ReadAll(log_);
  const json report = json::parse(ReadAll(report_dir + "/report.json"));
  ASSERT_TRUE(report.value("balanced", false)) << report.dump(2);
  const std::string run_id = report["run"]["id"].get<std::string>();
  int64_t extracted = 0, created = 0, updated = 0;
  for (const json& o : report["objects"]) {
    extracted += o.value("extracted", int64_t{0});
    created += o.value("created", int64_t{0});
    updated += o.value("updated", int64_t{0});
  }
  ASSERT_GT(created, 0);

  // Scrape every service.
  std::map<std::string, std::vector<Sample>> m;
  std::map<std::string, std::string> text;
  for (const char* name : {"extractor", "transformer", "loader", "auditor"}) {
    ASSERT_TRUE(services["metrics"].contains(name)) << services.dump(2);
    text[name] = Get(absl::StrCat(
        "http://", services["metrics"][name].get<std::string>(), "/metrics"));
    m[name] = ParseMetrics(text[name]);
    // Every Bridgework series names its service.
    for (const Sample& s : m[name]) {
      if (s.name.rfind("bridgework_", 0) != 0) continue;
      EXPECT_EQ(s.labels.count("service") ? s.labels.at("service") : "", name)
          << s.name;
    }
    // Its RPCs were counted, all OK but extract streams whose client hung
    // up (the controller's check reads one batch of each object).
    EXPECT_GT(Sum(m[name], "bridgework_rpc_server_handled_total"), 0) << name;
    EXPECT_EQ(
        Sum(m[name], "bridgework_rpc_server_handled_total"),
        Sum(m[name], "bridgework_rpc_server_handled_total", {{"code", "OK"}}) +
            Sum(m[name], "bridgework_rpc_server_handled_total",
                {{"method", "/bridgework.v1.Extractor/Extract"},
                 {"code", "CANCELLED"}}))
        << text[name];
    EXPECT_EQ(Sum(m[name], "bridgework_rpc_server_handled_total"),
              Sum(m[name], "bridgework_rpc_server_duration_seconds_count"));
  }
  const auto& ex = m["extractor"];
  const auto& tr = m["transformer"];
  const auto& lo = m["loader"];
  const auto& au = m["auditor"];

  // The loader's CRM requests are what the emulator counted, per status.
  const json stats = json::parse(Get(suite_.emulator + "/__sandbox/stats"));
  const double requests = Sum(lo, "bridgework_crm_requests_total");
  ASSERT_GT(requests, 0);
  EXPECT_EQ(requests, stats.value("total", 0)) << stats.dump(2);
  std::map<std::string, int64_t> emulator_by_status;
  for (const auto& [route, by_status] : stats["requests"].items()) {
    for (const auto& [status, n] : by_status.items()) {
      emulator_by_status[status] += n.get<int64_t>();
    }
  }
  for (const auto& [status, n] : emulator_by_status) {
    EXPECT_EQ(Sum(lo, "bridgework_crm_requests_total",
                  {{"crm", "freshsales"}, {"status", status}}),
              n)
        << status;
  }
  EXPECT_EQ(Sum(lo, "bridgework_crm_rate_limited_total"),
            stats.value("rate_limited", 0));
  EXPECT_EQ(Sum(lo, "bridgework_crm_request_duration_seconds_count"), requests);
  EXPECT_GT(Sum(lo, "bridgework_crm_request_duration_seconds_sum"), 0);
  EXPECT_EQ(report.value("requests", int64_t{0}), requests);
  // Every request waited once for its budget slot, granted by the auditor.
  EXPECT_EQ(
      Sum(lo, "bridgework_budget_wait_seconds_count", {{"crm", "freshsales"}}),
      requests);
  EXPECT_GE(Sum(au, "bridgework_budget_granted_total", {{"crm", "freshsales"}}),
            requests);
  EXPECT_TRUE(Has(au, "bridgework_budget_use_ratio")) << text["auditor"];
  EXPECT_EQ(Sum(au, "bridgework_budget_paused"), 0);

  // Records: the transformer received what the extractor sent it. The
  // extractor also serves the controller (its check opens every object,
  // it reads the owners' object whole), so it sent at least as much.
  const double extractor_out =
      Sum(ex, "bridgework_records_out_total", {{"outcome", "extracted"}}) +
      Sum(ex, "bridgework_records_out_total", {{"outcome", "rejected"}});
  EXPECT_GE(extractor_out, extracted);
  const std::set<std::string> objects =
      LabelValues(ex, "bridgework_records_out_total", "object");
  EXPECT_GE(objects.size(), 3u) << text["extractor"];
  for (const std::string& object : objects) {
    const double in =
        Sum(tr, "bridgework_records_in_total", {{"object", object}});
    EXPECT_GT(in, 0) << object;
    EXPECT_GE(Sum(ex, "bridgework_records_out_total", {{"object", object}}), in)
        << object;
  }
  const double sent =
      Sum(tr, "bridgework_records_out_total", {{"outcome", "sent"}});
  EXPECT_GT(sent, 0);
  EXPECT_EQ(Sum(lo, "bridgework_records_in_total"), sent);
  EXPECT_EQ(Sum(lo, "bridgework_records_out_total"), sent);
  // The loader's outcomes are the report's.
  EXPECT_EQ(Sum(lo, "bridgework_records_out_total", {{"outcome", "created"}}),
            created);
  EXPECT_EQ(Sum(lo, "bridgework_records_out_total", {{"outcome", "updated"}}),
            updated);
  // The ledger recorded the run's operations: an intent each, then their
  // outcomes (creates and updates, links), as the report counts them.
  const int64_t applied = report["operations"]["applied"].get<int64_t>();
  const int64_t failed = report["operations"]["failed"].get<int64_t>();
  const int64_t pending = report["operations"]["pending"].get<int64_t>();
  EXPECT_GE(applied, created + updated);
  EXPECT_EQ(
      Sum(au, "bridgework_ledger_operations_total", {{"state", "applied"}}),
      applied);
  EXPECT_EQ(
      Sum(au, "bridgework_ledger_operations_total", {{"state", "failed"}}),
      failed);
  EXPECT_EQ(
      Sum(au, "bridgework_ledger_operations_total", {{"state", "intent"}}),
      applied + failed + pending);
  EXPECT_GT(Sum(au, "bridgework_ledger_write_duration_seconds_count",
                {{"op", "record_outcomes"}}),
            0);
  EXPECT_EQ(Sum(au, "bridgework_ledger_write_duration_seconds_count",
                {{"op", "begin_run"}}),
            1);
  // Named RPCs, counted where they were served.
  EXPECT_EQ(Sum(tr, "bridgework_rpc_server_handled_total",
                {{"method", "/bridgework.v1.Transformer/Run"}}),
            1);
  EXPECT_GT(Sum(ex, "bridgework_rpc_server_handled_total",
                {{"method", "/bridgework.v1.Extractor/Extract"}}),
            0);
  EXPECT_GT(Sum(lo, "bridgework_rpc_server_handled_total",
                {{"method", "/bridgework.v1.Loader/Load"}}),
            0);
  // The report's timeline comes with GetReport: the run lists no operation
  // back (the controller once streamed every one of them for it).
  EXPECT_GE(Sum(au, "bridgework_rpc_server_handled_total",
                {{"method", "/bridgework.v1.Auditor/GetReport"}}),
            1);
  EXPECT_EQ(Sum(au, "bridgework_rpc_server_handled_total",
                {{"method", "/bridgework.v1.Auditor/ListOperations"}}),
            0);
  // Queues drained: the series exist and are back to zero.
  EXPECT_TRUE(Has(tr, "bridgework_queue_depth"));
  EXPECT_EQ(Sum(tr, "bridgework_queue_depth", {{"queue", "loader_lanes"}}), 0);
  EXPECT_TRUE(Has(lo, "bridgework_queue_depth"));
  EXPECT_EQ(Sum(lo, "bridgework_queue_depth", {{"queue", "load_batches"}}), 0);

  // No patient value in any metric or log line.
  std::vector<std::string> secrets;
  for (const char* column : {"first_name", "last_name", "email"}) {
    for (std::string& v : testing::CsvColumn(
             (root_ / "data" / "patients.csv").string(), column, 5)) {
      secrets.push_back(std::move(v));
    }
  }
  ASSERT_GE(secrets.size(), 25u);

  // Logs: every line JSON; the run's lines carry one trace everywhere.
  std::set<std::string> traces;
  for (const char* name : {"extractor", "transformer", "loader", "auditor"}) {
    const std::string log = ReadAll(state + "/" + name + ".log");
    int lines = 0, run_lines = 0;
    for (const std::string& line : std::vector<std::string>(
             absl::StrSplit(log, '\n', absl::SkipEmpty()))) {
      ++lines;
      json j = json::parse(line, nullptr, false);
      ASSERT_TRUE(j.is_object()) << name << ": " << line;
      for (const char* key : {"ts", "level", "service", "msg"}) {
        EXPECT_TRUE(j.contains(key)) << name << ": " << line;
      }
      EXPECT_EQ(j.value("service", ""), name) << line;
      if (j.value("run", "") != run_id) continue;
      ++run_lines;
      EXPECT_THAT(j.value("trace", ""), ::testing::MatchesRegex("[0-9a-f]{32}"))
          << name << ": " << line;
      traces.insert(j.value("trace", ""));
    }
    EXPECT_GT(lines, 0) << name;
    EXPECT_GT(run_lines, 0)
        << name << " logged nothing about " << run_id << ":\n"
        << log;
    for (const std::string& s : secrets) {
      ASSERT_EQ(log.find(s), std::string::npos) << name << " logged a value";
      ASSERT_EQ(text[name].find(s), std::string::npos)
          << name << "'s metrics hold a value";
    }
  }
  EXPECT_EQ(traces.size(), 1u)
      << "one trace across the services' lines of " << run_id;
}

}  // namespace
}  // namespace bridgework
