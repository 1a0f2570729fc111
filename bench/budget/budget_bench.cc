// The rate budget under load (issue 7): a Practice by Numbers export
// migrated into the HighLevel emulator with a scaled "10-second" window,
// through the real binaries (sandbox, auditor with the budget authority,
// extractor, transformer, N loader replicas), with 1, 2 and 4 replicas, a
// replica killed mid-run and one added mid-run. Then requests per record
// for each CRM. Prints a table and writes bench/results/budget.json.
//
//   budget_bench [--patients N] [--time-scale S] [--out FILE]
//
// Figures (docs/budget.md "Benchmark"):
//   budget used   admitted requests / the window's capacity, over the
//                 run's full windows (first and last partial ones left out)
//   429 share     requests refused / requests sent
//   makespan      first to last request at the emulator, against the
//                 minimum the budget allows: requests x window / capacity
//   recovery      windows from the kill (or the add) to the end of the first
//                 window using >= 90 % of the budget
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/budget/budget_client.h"
#include "libs/crm/http_client.h"
#include "tests/integration/http_json.h"
#include "tests/integration/process_util.h"
#include "tests/integration/replica_suite.h"

namespace bridgework::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using testing::GetJson;
using testing::ReadAll;
using testing::RunCommand;
using testing::Spawn;
using testing::Stop;
using testing::Wait;
using testing::WaitForFile;

constexpr char kToken[] = "bench-budget-token";
constexpr char kLocation[] = "bwDemoLocation000001";
constexpr char kCompany[] = "bwDemoCompany0000001";
constexpr int kCapacity = 100;  // HighLevel: 100 requests per 10 s

struct Event {
  enum Kind { kNone, kKill, kAdd } kind = kNone;
  int replica = 0;
  double at_fraction = 0.4;  // of the expected duration
};

struct Scenario {
  std::string name;
  int listed = 1;   // loader addresses the transformer balances over
  int running = 1;  // replicas started before the run
  Event event;
};

struct Result {
  std::string name;
  int replicas = 0;
  int64_t requests = 0;
  int64_t rate_limited = 0;
  int64_t admitted = 0;
  double budget_used = 0;
  double makespan_s = 0;
  double minimum_s = 0;
  double recovery_windows = -1;  // -1: no event
  std::vector<std::pair<std::string, int64_t>> per_replica;
  bool ok = false;
  std::string error;
};

class Bench {
 public:
  Bench(std::string root, int patients, double scale)
      : root_(std::move(root)), patients_(patients), scale_(scale) {}

  bool Prepare() {
    fs::remove_all(root_);
    fs::create_directories(root_ + "/data");
    log_ = root_ + "/bench.log";
    if (RunCommand({Bin("bridgework-gen-sample"), "--out", root_ + "/data",
                    "--patients", absl::StrCat(patients_), "--seed", "7"},
                   log_) != 0) {
      return false;
    }
    return true;
  }

  // A run config for `example` with the bench's data.
  std::string Config(const std::string& example, const std::string& dir) {
    std::string path = testing::WriteExampleConfig(example, root_ + "/data",
                                                   dir + "/config.yaml");
    if (batch_size_ > 0) {
      std::string text = ReadAll(path);
      size_t at = text.find("batch_size:");
      if (at != std::string::npos) {
        text.replace(at, text.find('\n', at) - at,
                     absl::StrCat("batch_size: ", batch_size_));
      }
      std::ofstream(path) << text;
    }
    return path;
  }
  void set_batch_size(int n) { batch_size_ = n; }

  Result Run(const Scenario& sc) {
    Result res;
    res.name = sc.name;
    res.replicas = sc.running;
    std::string dir = root_ + "/" + sc.name;
    testing::ReplicaSuiteOptions o;
    o.dir = dir;
    o.crm = "highlevel";
    o.token = kToken;
    o.time_scale = scale_;
    o.listed = sc.listed;
    o.running = sc.running;
    o.emulator_args = {"--location", kLocation, "--company", kCompany};
    o.loader_args = {"--plan",  "unlimited",    "--location-id",
                     kLocation, "--company-id", kCompany};
    testing::ReplicaSuite suite;
    if (!suite.Start(o, &res.error)) return res;
    std::string config = Config("pbn-highlevel", dir);
    std::string map = testing::SourceDir() + "/examples/pbn-highlevel/map.yaml";
    std::string cli_log = dir + "/cli.log";
    if (RunCommand({Bin("bridgework"), "approve", map, "--by", "bench",
                    "--services", suite.services()},
                   cli_log) != 0) {
      res.error = "approve failed (see " + cli_log + ")";
      return res;
    }
    // The expected duration, from the first run's requests.
    double expected_s = expected_requests_ > 0 ? expected_requests_ * 10.0 /
                                                     scale_ / (kCapacity * 0.98)
                                               : 0;
    pid_t migrate =
        Spawn({Bin("bridgework"), "migrate", "--config", config, "--services",
               suite.services(), "--report-json", dir + "/report.json"},
              cli_log);
    std::optional<absl::Time> event_at;
    if (sc.event.kind != Event::kNone && expected_s > 0) {
      absl::SleepFor(absl::Seconds(expected_s * sc.event.at_fraction));
      event_at = absl::Now();
      if (sc.event.kind == Event::kKill) {
        suite.KillLoader(sc.event.replica);
      } else {
        suite.StartLoader(sc.event.replica);
      }
    }
    int code = Wait(migrate);
    json stats = GetJson(suite.emulator() + "/__sandbox/stats");
    auto usage = budget::MakeGrpcBudgetClient(suite.auditor())->GetUsage("");
    if (usage.ok()) {
      for (const auto& a : usage->accounts()) {
        for (const auto& r : a.replica_usage()) {
          res.per_replica.emplace_back(r.replica(), r.granted());
        }
      }
    }
    suite.StopAll();
    if (code != 0) {
      res.error = absl::StrCat("migrate exited ", code, " (see ", cli_log, ")");
      return res;
    }
    res.requests = stats.value("total", int64_t{0});
    res.rate_limited = stats.value("rate_limited", int64_t{0});
    const json& burst = stats["burst"];
    const json& recent = burst["recent"];
    double window_s = 10.0 / scale_;
    int64_t admitted = 0, full = 0, full_admitted = 0;
    for (size_t i = 0; i < recent.size(); ++i) {
      int64_t a = recent[i].value("admitted", int64_t{0});
      admitted += a;
      if (i == 0 || i + 1 == recent.size()) continue;
      ++full;
      full_admitted += a;
    }
    res.admitted = admitted;
    res.budget_used =
        full > 0 ? static_cast<double>(full_admitted) / (kCapacity * full) : 0;
    res.makespan_s = (stats.value("last_request_unix_ms", int64_t{0}) -
                      stats.value("first_request_unix_ms", int64_t{0})) /
                     1000.0;
    res.minimum_s = admitted * window_s / kCapacity;
    if (event_at) {
      int64_t at_ms = absl::ToUnixMillis(*event_at);
      for (const json& w : recent) {
        int64_t start = w.value("start_unix_ms", int64_t{0});
        int64_t end = start + static_cast<int64_t>(window_s * 1000);
        if (end <= at_ms) continue;
        if (w.value("admitted", int64_t{0}) >= kCapacity * 9 / 10) {
          res.recovery_windows = (end - at_ms) / (window_s * 1000);
          break;
        }
      }
    }
    if (expected_requests_ == 0) expected_requests_ = res.admitted;
    res.ok = true;
    return res;
  }

  // Requests per migrated record on `crm`, unthrottled.
  json RequestsPerRecord(const std::string& crm, const std::string& example) {
    std::string dir = root_ + "/rpr-" + crm;
    fs::create_directories(dir);
    std::string config = Config(example, dir);
    setenv("BRIDGEWORK_CRM_TOKEN", kToken, 1);
    testing::Suite suite;
    std::string log = dir + "/up.log";
    json out = {{"crm", crm}};
    if (!testing::StartSuite(crm, config, dir + "/state", log, &suite)) {
      Stop(&suite.pid);
      out["error"] = "bridgework up failed (see " + log + ")";
      return out;
    }
    std::string map =
        testing::SourceDir() + "/examples/" + example + "/map.yaml";
    std::string cli_log = dir + "/cli.log";
    RunCommand({Bin("bridgework"), "approve", map, "--by", "bench",
                "--services", suite.services},
               cli_log);
    int code = RunCommand(
        {Bin("bridgework"), "migrate", "--config", config, "--services",
         suite.services, "--report-json", dir + "/report.json"},
        cli_log);
    json stats = GetJson(suite.emulator + "/__sandbox/stats");
    Stop(&suite.pid);
    json report = json::parse(ReadAll(dir + "/report.json"), nullptr, false);
    if (code != 0 || !report.is_object()) {
      out["error"] = absl::StrCat("migrate exited ", code);
      return out;
    }
    int64_t loaded = 0;
    for (const json& o : report["objects"]) {
      loaded += o.value("loaded", int64_t{0});
    }
    int64_t requests = stats.value("total", int64_t{0});
    out["records_loaded"] = loaded;
    out["requests"] = requests;
    out["requests_per_record"] =
        loaded > 0 ? static_cast<double>(requests) / loaded : 0;
    // Where the requests went: route -> requests (any status).
    json by_route = json::object();
    for (const auto& [route, by_status] : stats["requests"].items()) {
      int64_t n = 0;
      for (const auto& [status, count] : by_status.items()) {
        n += count.get<int64_t>();
      }
      by_route[route] = n;
    }
    out["by_route"] = by_route;
    return out;
  }

 private:
  std::string root_;
  int patients_;
  double scale_;
  std::string log_;
  int64_t expected_requests_ = 0;
  int batch_size_ = 0;
};

}  // namespace
}  // namespace bridgework::bench

int main(int argc, char** argv) {
  using bridgework::bench::Bench;
  using bridgework::bench::Event;
  using bridgework::bench::Result;
  using bridgework::bench::Scenario;
  CLI::App app{"budget_bench: the shared rate budget under load"};
  int patients = 100;
  double scale = 10;
  std::string out = "bench/results/budget.json";
  app.add_option("--patients", patients, "generated patients");
  app.add_option("--time-scale", scale,
                 "HighLevel's 10 s window lasts 10/scale s");
  app.add_option("--out", out, "results file");
  int batch_size = 0;
  app.add_option("--batch-size", batch_size,
                 "the run config's batch_size (0: the example's)");
  std::string only;
  app.add_option("--only", only, "run the scenarios whose name has this");
  bool skip_rpr = false;
  app.add_flag("--skip-requests-per-record", skip_rpr,
               "leave out the requests-per-record runs");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows as they are measured

  Bench bench((std::filesystem::temp_directory_path() /
               absl::StrCat("bw-budget-bench-", getpid()))
                  .string(),
              patients, scale);
  bench.set_batch_size(batch_size);
  if (!bench.Prepare()) {
    std::fprintf(stderr, "budget_bench: cannot generate the sample data\n");
    return 1;
  }
  std::vector<Scenario> scenarios = {
      {"1 replica", 1, 1, {}},
      {"2 replicas", 2, 2, {}},
      {"4 replicas", 4, 4, {}},
      {"2 -> 1 (kill)", 2, 2, {Event::kKill, 1, 0.4}},
      {"1 -> 2 (add)", 2, 1, {Event::kAdd, 1, 0.4}},
  };
  std::printf(
      "HighLevel emulator, 100 requests per rolling 10 s scaled by %.0f (a "
      "window of %.2f s), %d patients, 4 loader streams per route\n\n",
      scale, 10.0 / scale, patients);
  std::printf("%-15s %8s %8s %9s %9s %10s %10s %9s  %s\n", "scenario",
              "requests", "429s", "429 %", "budget %", "makespan", "minimum",
              "recovery", "per replica");
  nlohmann::json results = nlohmann::json::array();
  bool all_ok = true;
  for (const Scenario& sc : scenarios) {
    if (!only.empty() && sc.name.find(only) == std::string::npos) continue;
    Result r = bench.Run(sc);
    if (!r.ok) {
      std::printf("%-15s error: %s\n", sc.name.c_str(), r.error.c_str());
      all_ok = false;
      continue;
    }
    std::string replicas;
    for (const auto& [name, n] : r.per_replica) {
      absl::StrAppend(&replicas, replicas.empty() ? "" : " ", name, "=", n);
    }
    double share = r.requests > 0 ? 100.0 * r.rate_limited / r.requests : 0;
    std::string recovery =
        r.recovery_windows < 0
            ? "-"
            : absl::StrFormat("%.2f win", r.recovery_windows);
    std::printf("%-15s %8lld %8lld %8.2f%% %8.1f%% %9.2fs %9.2fs %9s  %s\n",
                sc.name.c_str(), static_cast<long long>(r.requests),
                static_cast<long long>(r.rate_limited), share,
                100 * r.budget_used, r.makespan_s, r.minimum_s,
                recovery.c_str(), replicas.c_str());
    nlohmann::json per = nlohmann::json::object();
    for (const auto& [name, n] : r.per_replica) per[name] = n;
    results.push_back(
        {{"scenario", sc.name},
         {"requests", r.requests},
         {"rate_limited", r.rate_limited},
         {"rate_limited_share", share / 100},
         {"budget_used", r.budget_used},
         {"makespan_seconds", r.makespan_s},
         {"minimum_seconds", r.minimum_s},
         {"makespan_ratio", r.minimum_s > 0 ? r.makespan_s / r.minimum_s : 0},
         {"recovery_windows", r.recovery_windows},
         {"per_replica", per}});
  }
  std::printf("\nrequests per record (unthrottled emulators, %d patients)\n",
              patients);
  nlohmann::json rpr = nlohmann::json::array();
  for (const auto& [crm, example] :
       skip_rpr ? std::vector<std::pair<std::string, std::string>>{}
                : std::vector<std::pair<std::string, std::string>>{
                      {"freshsales", "pbn-freshsales"},
                      {"pipedrive", "pbn-pipedrive"},
                      {"highlevel", "pbn-highlevel"}}) {
    nlohmann::json r = bench.RequestsPerRecord(crm, example);
    if (r.contains("error")) {
      std::printf("%-11s error: %s\n", crm.c_str(),
                  r["error"].get<std::string>().c_str());
      all_ok = false;
    } else {
      std::printf("%-11s %6lld records %6lld requests  %.3f per record\n",
                  crm.c_str(),
                  static_cast<long long>(r["records_loaded"].get<int64_t>()),
                  static_cast<long long>(r["requests"].get<int64_t>()),
                  r["requests_per_record"].get<double>());
      for (const auto& [route, n] : r["by_route"].items()) {
        std::printf("    %-44s %6lld\n", route.c_str(),
                    static_cast<long long>(n.get<int64_t>()));
      }
    }
    rpr.push_back(r);
  }
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << nlohmann::json{{"time_scale", scale},
                                       {"patients", patients},
                                       {"cores",
                                        std::thread::hardware_concurrency()},
                                       {"scenarios", results},
                                       {"requests_per_record", rpr}}
                            .dump(2)
                     << "\n";
  std::printf("\nresults: %s\n", out.c_str());
  return all_ok ? 0 : 1;
}
