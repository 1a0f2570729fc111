// bridgework: the orchestration controller and the user's tool.
//
//   bridgework up       start the four services (and an emulator) on loopback
//   bridgework migrate  run (or resume) a migration
//   bridgework rollback undo a run, verified by reading the CRM back
//   bridgework status   runs, or one run's counts
//   bridgework demo     everything above on bundled sample data
//   bridgework discover profile a source: inventory, data quality, readiness
//                       for a CRM plan and an estimate (no CRM contacted)
//   bridgework workflows the source's automations as a rebuild reference
//   bridgework propose  propose a map from the source's schema and values
//   bridgework audit export  a run's operations as JSONL and CSV
//   bridgework audit verify  walk the ledger's hash chain (tamper evidence)
//   bridgework reconcile  read the CRM back: counts, relationships, drift
//   bridgework explain  the journey of one record through a run
//   bridgework budget   the shared rate budgets: use, replicas, pauses
//   bridgework plan     requests per object, least wall time and finish on a
//                       CRM plan's rate budget
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/budget/budget_client.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "libs/common/trace.h"
#include "libs/common/transport_security.h"
#include "libs/crm/http_client.h"
#include "libs/discovery/assessment.h"
#include "libs/ledger/ledger_crypto.h"
#include "libs/ledger/rocksdb_ledger.h"
#include "libs/mapping/map.h"
#include "libs/workflows/writers.h"
#include "tools/bridgework/audit_export.h"
#include "tools/bridgework/controller.h"
#include "tools/bridgework/discover.h"
#include "tools/bridgework/explain.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/propose.h"
#include "tools/bridgework/reconcile.h"
#include "tools/bridgework/run_config.h"
#include "tools/bridgework/suite.h"
#include "tools/bridgework/supervisor.h"
#include "tools/bridgework/workflow_export.h"

namespace fs = std::filesystem;
using namespace bridgework::cli;  // NOLINT(google-build-using-namespace): main
                                  // only

namespace {

// The HighLevel location and agency the emulator serves when no config
// names them.
constexpr char kDemoLocationId[] = "bwDemoLocation000001";
constexpr char kDemoCompanyId[] = "bwDemoCompany0000001";

int Fail(const absl::Status& s) {
  std::cerr << "bridgework: " << s.message() << "\n";
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
      return 2;
    case absl::StatusCode::kUnavailable:
      return 3;
    default:
      return 1;
  }
}

// `bridgework audit verify`: 0 and "OK" with the counts when the chain
// holds, 1 and the first broken entry when it does not; Fail's codes when
// the ledger cannot be read.
int VerifyLedger(const std::string& dir, const std::string& key_file) {
  std::optional<bridgework::ledger::LedgerKey> key;
  if (!key_file.empty()) {
    auto read = bridgework::ledger::LedgerKey::FromFile(key_file);
    if (!read.ok()) return Fail(read.status());
    key = std::move(*read);
  }
  auto v = bridgework::ledger::RocksDbLedger::Verify(
      dir, key.has_value() ? &*key : nullptr);
  if (!v.ok()) return Fail(v.status());
  if (v->ok) {
    std::printf(
        "ledger %s: OK, %lld chain entries, %lld audited records, head "
        "%s\n",
        dir.c_str(), static_cast<long long>(v->entries),
        static_cast<long long>(v->records),
        v->head.empty() ? "(none)" : v->head.c_str());
    return 0;
  }
  std::printf("ledger %s: BROKEN at entry %lld: %s: %s\n", dir.c_str(),
              static_cast<long long>(v->broken_seq), v->problem.c_str(),
              v->detail.c_str());
  std::printf(
      "%lld problem(s) in all; %lld chain entries, %lld audited "
      "records read\n",
      static_cast<long long>(v->problems), static_cast<long long>(v->entries),
      static_cast<long long>(v->records));
  return 1;
}

absl::StatusOr<ServiceAddresses> ResolveServices(
    const std::string& services_file, const ServiceAddresses& from_config) {
  if (from_config.complete()) return from_config;
  if (!fs::exists(services_file)) {
    return absl::UnavailableError(absl::StrCat(
        "no services: the config has no `services:` and ", services_file,
        " does not exist (start them with `bridgework up`)"));
  }
  return LoadServiceAddresses(services_file);
}

// The services the CLI starts (`up`, `demo`, a private extractor) inherit
// its environment: its TLS settings, given as flags or variables, become
// theirs (docs/security.md "Processes the CLI starts"). Paths are made
// absolute; a token file's path is exported, never the token.
void ExportTlsFlags(const bridgework::TlsFlags& tls) {
  auto put = [](const char* name, const std::string& path) {
    if (!path.empty()) setenv(name, fs::absolute(path).c_str(), 1);
  };
  put("BRIDGEWORK_TLS_CERT", tls.cert_file);
  put("BRIDGEWORK_TLS_KEY", tls.key_file);
  put("BRIDGEWORK_TLS_CA", tls.ca_file);
  put("BRIDGEWORK_AUTH_TOKEN_FILE", tls.auth_token_file);
  if (!tls.server_name.empty()) {
    setenv("BRIDGEWORK_TLS_SERVER_NAME", tls.server_name.c_str(), 1);
  }
}

std::string ExamplesDir() {
  if (const char* e = std::getenv("BRIDGEWORK_EXAMPLES_DIR")) return e;
  return BRIDGEWORK_DEFAULT_EXAMPLES_DIR;
}

int RunCommand(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void PrintSummary(const MigrateResult& r) {
  std::printf("\nrun %s\n", r.run_id.c_str());
  std::printf("%-24s %9s %8s %8s %11s %8s  %s\n", "object", "extracted",
              "loaded", "created", "quarantined", "skipped", "adds up");
  for (const auto& o : r.report.objects()) {
    std::printf(
        "%-24s %9lld %8lld %8lld %11lld %8lld  %s\n", o.source_object().c_str(),
        static_cast<long long>(o.extracted()),
        static_cast<long long>(o.loaded()), static_cast<long long>(o.created()),
        static_cast<long long>(o.quarantined()),
        static_cast<long long>(o.skipped()), o.balanced() ? "yes" : "NO");
  }
  std::printf("requests sent to the CRM: %lld\n",
              static_cast<long long>(r.report.requests()));
}

int Demo(const std::string& out, int patients, int seed) {
  std::string bin = BinaryDir();
  fs::path root = fs::absolute(out);
  for (const char* sub : {"data", "state"}) fs::remove_all(root / sub);
  fs::create_directories(root / "data");
  std::cout << "bridgework demo: sample data -> four services -> Freshsales "
               "emulator"
            << std::endl;
  if (RunCommand({bin + "/bridgework-gen-sample", "--out",
                  (root / "data").string(), "--patients",
                  std::to_string(patients), "--seed", std::to_string(seed)}) !=
      0) {
    return Fail(absl::InternalError("the sample generator failed"));
  }
  std::string map_path = ExamplesDir() + "/pbn-freshsales/map.yaml";
  std::ifstream map_in(map_path);
  if (!map_in)
    return Fail(absl::NotFoundError(absl::StrCat("map not found: ", map_path)));
  std::string map_yaml((std::istreambuf_iterator<char>(map_in)),
                       std::istreambuf_iterator<char>());
  auto map = bridgework::mapping::ParseMap(map_yaml, map_path);
  if (!map.ok()) return Fail(map.status());

  Supervisor supervisor((root / "state").string());
  SuiteOptions options;
  options.state_dir = (root / "state").string();
  options.emulator = "freshsales";
  options.EmulateSchemaOf(*map);
  options.plan = "enterprise";
  // The emulator and loader share a fast budget so the demo takes seconds;
  // the real plans' budgets are in docs/connectors/freshsales.md.
  options.requests_per_hour = 360000;
  auto suite = StartSuite(options, supervisor);
  if (!suite.ok()) return Fail(suite.status());
  std::cout << "services: extractor " << suite->services.extractor
            << ", transformer " << suite->services.transformer << ", loader "
            << suite->services.loader << ", auditor " << suite->services.auditor
            << "; Freshsales emulator " << suite->emulator_address << std::endl;

  std::string config_path = (root / "config.yaml").string();
  {
    std::ofstream cfg(config_path);
    cfg << "# Written by `bridgework demo`.\n"
        << "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
        << "    time_zone: America/Chicago\n    currency: USD\n"
        << "destination:\n  crm: freshsales\n  account: smilebright-demo\n  "
           "plan: enterprise\n"
        << "  fallback_owner_email: owner@bridgework.example\n"
        << "  url: " << suite->crm_url << "\n"
        << "map: " << fs::absolute(map_path).string() << "\n"
        << "run:\n  batch_size: 500\n  phone_region: US\n";
  }
  auto config = LoadRunConfig(config_path);
  if (!config.ok()) return Fail(config.status());
  // The demo's bundled map is approved on the user's behalf, as the demo.
  auto approval =
      ApproveMap(config->map_path, "bridgework demo (bundled sample map)",
                 "approved by `bridgework demo`", suite->services);
  if (!approval.ok()) return Fail(approval.status());
  MigrateOptions mo;
  mo.report_dir = root.string();
  mo.resume = false;
  auto http = bridgework::crm::MakeCurlHttpClient();
  auto result = Migrate(*config, suite->services, mo);
  if (!result.ok()) return Fail(result.status());
  auto stats = http->Send(bridgework::crm::HttpRequest::Get(
      absl::StrCat("http://", suite->emulator_address, "/__sandbox/stats")));
  PrintSummary(*result);
  if (stats.ok()) {
    auto j = nlohmann::json::parse(stats->body, nullptr, false);
    if (j.is_object()) {
      std::printf("the emulator counted %lld requests\n",
                  static_cast<long long>(j.value("total", 0)));
    }
  }
  supervisor.StopAll();
  std::printf("report: %s and %s\n", (root / "report.json").c_str(),
              (root / "report.html").c_str());
  return result->ok ? 0 : 1;
}

// Prints what `bridgework discover` found, in a few lines.
void PrintDiscovery(const DiscoverResult& r) {
  const nlohmann::json& j = r.report;
  const nlohmann::json& totals = j["inventory"]["totals"];
  std::printf("%-24s %9s %9s\n", "object", "records", "rejected");
  for (const auto& o : j["inventory"]["objects"]) {
    std::printf("%-24s %9lld %9lld\n", o["object"].get<std::string>().c_str(),
                static_cast<long long>(o["records"].get<int64_t>()),
                static_cast<long long>(o["rejected"].get<int64_t>()));
  }
  std::printf("%lld records in %lld objects\n",
              static_cast<long long>(totals["records"].get<int64_t>()),
              static_cast<long long>(totals["objects"].get<int64_t>()));
  int64_t groups = 0;
  for (const auto& d : j["quality"]["duplicates"])
    groups += d["groups"].get<int64_t>();
  std::printf("data quality: %lld duplicate group(s)",
              static_cast<long long>(groups));
  for (const auto& [kind, n] : j["quality"]["summary"].items()) {
    if (kind.rfind("duplicate_", 0) == 0) continue;
    std::printf(", %s %lld", kind.c_str(),
                static_cast<long long>(n.get<int64_t>()));
  }
  std::printf("\n");
  const nlohmann::json& readiness = j["readiness"];
  if (readiness.is_object()) {
    std::printf("readiness (%s %s): %s\n",
                readiness["crm"].get<std::string>().c_str(),
                readiness["plan"].get<std::string>().c_str(),
                readiness["verdict"].get<std::string>().c_str());
  }
  const nlohmann::json& e = j["estimate"];
  if (e.is_object()) {
    std::printf(
        "estimate: %lld requests, %.1f hours (%.2f days), set by the %s "
        "limit\n",
        static_cast<long long>(e["requests"].get<int64_t>()),
        e["hours"].get<double>(), e["days"].get<double>(),
        e["binding_limit"].get<std::string>().c_str());
  }
  std::printf("report: %s and %s\n", r.json_path.c_str(), r.html_path.c_str());
}

// Prints the budget authority's usage, one block per account.
void PrintBudget(const bridgework::v1::BudgetUsage& usage) {
  if (usage.accounts_size() == 0) {
    std::printf("no account has asked for budget yet\n");
  }
  for (const bridgework::v1::AccountUsage& a : usage.accounts()) {
    std::printf("%s: %lld requests granted, %lld 429s seen\n",
                a.account().c_str(), static_cast<long long>(a.granted()),
                static_cast<long long>(a.throttled_observed()));
    for (const bridgework::v1::LimitUsage& l : a.limits()) {
      std::printf("  %-7s %lld of %lld per %.3f s (capacity left to us %lld)\n",
                  l.name().c_str(), static_cast<long long>(l.used()),
                  static_cast<long long>(l.capacity()), l.window_ms() / 1000.0,
                  static_cast<long long>(l.effective_capacity()));
    }
    for (const bridgework::v1::ReplicaUsage& r : a.replica_usage()) {
      std::printf("  replica %-24s %lld granted\n", r.replica().c_str(),
                  static_cast<long long>(r.granted()));
    }
    if (!a.pause_reason().empty()) {
      std::printf("  paused: %s\n", a.pause_reason().c_str());
    }
  }
}

// Prints `bridgework plan`: the requests each object needs on the chosen
// CRM plan, the least wall time its budget allows, the days it spans and
// when a run started now would finish at the loader's pace (the budget
// authority uses 98 % of each pace limit; docs/budget.md).
int PrintPlan(const DiscoverResult& r, absl::Time now) {
  const nlohmann::json& e = r.report["estimate"];
  if (!e.is_object()) {
    std::fprintf(stderr,
                 "bridgework: no destination to plan for: give --dest (and "
                 "--plan) or a config with a destination\n");
    return 2;
  }
  std::printf("plan: %s %s\n", e["crm"].get<std::string>().c_str(),
              e["plan"].get<std::string>().c_str());
  std::printf("%-22s %-28s %9s %9s\n", "object", "route", "records",
              "requests");
  for (const auto& route : e["routes"]) {
    std::printf("%-22s %-28s %9lld %9lld\n",
                route["source_object"].get<std::string>().c_str(),
                route["route"].get<std::string>().c_str(),
                static_cast<long long>(route["records"].get<int64_t>()),
                static_cast<long long>(route["requests"].get<int64_t>()));
  }
  std::printf("%-22s %-28s %9s %9lld\n", "setup", "(schema, owners)", "",
              static_cast<long long>(e["setup_requests"].get<int64_t>()));
  const double hours = e["hours"].get<double>();
  std::printf("total: %lld requests for %lld records",
              static_cast<long long>(e["requests"].get<int64_t>()),
              static_cast<long long>(e["records"].get<int64_t>()));
  if (e["tokens"].get<int64_t>() != e["requests"].get<int64_t>()) {
    std::printf(" (%lld tokens)",
                static_cast<long long>(e["tokens"].get<int64_t>()));
  }
  std::printf(
      "\nminimum wall time: %.2f hours, set by the %s limit; spans %d "
      "day(s)\n",
      hours, e["binding_limit"].get<std::string>().c_str(),
      e.value("days_spanned", 1));
  // From now, at the pace the loaders keep (98 % of each pace limit),
  // waiting for midnight UTC whenever a daily budget is spent.
  const nlohmann::json& l = r.report["destination"];
  bridgework::discovery::PlanLimits limits;
  limits.requests_per_hour = l.value("requests_per_hour", 0.0);
  limits.daily_requests = l.value("daily_requests", int64_t{0});
  limits.daily_tokens = l.value("daily_tokens", int64_t{0});
  bridgework::discovery::Schedule from_now = bridgework::discovery::ScheduleRun(
      e["requests"].get<int64_t>(), e["tokens"].get<int64_t>(), limits, now,
      0.98);
  std::printf(
      "expected finish if started now: %s (%.2f hours over %d day(s), at 98 "
      "%% of the budget)\n",
      absl::FormatTime("%Y-%m-%d %H:%M UTC", from_now.finish,
                       absl::UTCTimeZone())
          .c_str(),
      from_now.hours, from_now.days);
  std::printf("report: %s\n", r.json_path.c_str());
  return 0;
}

// What `bridgework reconcile` found, in a few lines: names and counts,
// never values.
void PrintReconcile(const nlohmann::json& report) {
  const nlohmann::json& r = report["reconcile"];
  std::printf("%-24s %8s %8s %8s %7s %11s %8s  %s\n", "object", "source",
              "ledger", "crm", "merged", "quarantined", "skipped", "adds up");
  for (const auto& o : r["objects"]) {
    std::printf("%-24s %8lld %8lld %8lld %7lld %11lld %8lld  %s\n",
                o["source_object"].get<std::string>().c_str(),
                static_cast<long long>(o["source"].get<int64_t>()),
                static_cast<long long>(o["ledger"].get<int64_t>()),
                static_cast<long long>(o["crm"].get<int64_t>()),
                static_cast<long long>(o["merged"].get<int64_t>()),
                static_cast<long long>(o["quarantined"].get<int64_t>()),
                static_cast<long long>(o["skipped"].get<int64_t>()),
                o["balanced"].get<bool>() ? "yes" : "NO");
  }
  for (const auto& l : r["relationships"]) {
    std::printf("relationship %s: %lld of %lld intact\n",
                l["relationship"].get<std::string>().c_str(),
                static_cast<long long>(l["intact"].get<int64_t>()),
                static_cast<long long>(l["checked"].get<int64_t>()));
  }
  auto rate = [](const nlohmann::json& j) {
    return j["rate"].is_number()
               ? absl::StrFormat("%.1f%%", 100 * j["rate"].get<double>())
               : std::string("n/a");
  };
  std::printf(
      "custom-field fill rate %s, owner rate %s, drift in %lld "
      "record(s)\n",
      rate(r["fill_rate"]).c_str(), rate(r["owner_rate"]).c_str(),
      static_cast<long long>(r["drift_records"].get<int64_t>()));
  for (const auto& f : r["failures"])
    std::printf("FAIL %s\n", f.get<std::string>().c_str());
  const int64_t failures = r["failure_count"].get<int64_t>();
  if (failures > static_cast<int64_t>(r["failures"].size())) {
    std::printf("... and %lld more (see the report)\n",
                static_cast<long long>(failures - r["failures"].size()));
  }
  std::printf("%s\n",
              r["pass"].get<bool>() ? "reconcile: PASS" : "reconcile: FAIL");
}

volatile sig_atomic_t g_stop = 0;

}  // namespace

int main(int argc, char** argv) {
  // One trace per command: every call it makes to the services carries it
  // (and, once a run is begun, the run id), so their log lines about this
  // command share it (docs/observability.md "Traces").
  bridgework::ScopedLogContext trace_scope({"", bridgework::NewTraceId()});
  CLI::App app{"bridgework: migrate dental-practice data into a sales CRM"};
  app.require_subcommand(1);
  // Transport security for every command (docs/security.md), given before
  // or after the subcommand.
  bridgework::TlsFlags tls;
  bridgework::AddTlsFlags(app, tls);
  app.fallthrough();
  std::string config_path, services_file = ".bridgework/services.json", run_id,
                           report_json, report_dir, state_dir = ".bridgework",
                           emulator, out = "out/demo";
  bool no_resume = false;
  int retry_seconds = 300, patients = 300, seed = 42;

  auto* up = app.add_subcommand(
      "up", "start the four services (and an emulator) on loopback");
  up->add_option("--config", config_path,
                 "run config (destination URL and token)");
  std::string traffic_log;
  up->add_option("--emulator", emulator,
                 "also start a CRM emulator and load into it")
      ->check(CLI::IsMember({"freshsales", "pipedrive", "highlevel"}));
  up->add_option("--traffic-log", traffic_log,
                 "the emulator records every exchange here (tests only)");
  up->add_option("--state-dir", state_dir,
                 "logs, ledger and services.json go here");
  int per_hour = 0;
  up->add_option(
      "--requests-per-hour", per_hour,
      "override the plan's hourly budget (loader, and emulator if any)");
  bool up_metrics = false;
  up->add_flag("--metrics", up_metrics,
               "each service also serves Prometheus metrics at "
               "http://127.0.0.1:<port>/metrics (listed under \"metrics\" "
               "in services.json; docs/observability.md)");
  std::string ledger_key_file;
  up->add_option("--ledger-key-file", ledger_key_file,
                 "the auditor encrypts the ledger with the key in this file "
                 "(64 hex digits or 32 bytes; docs/ledger.md)")
      ->envname("BRIDGEWORK_LEDGER_KEY_FILE");
  std::string phi_key_file;
  up->add_option("--phi-key-file", phi_key_file,
                 "the transformer hashes `phi: hash` fields under the master "
                 "key in this file (default: the config's "
                 "destination.phi_key_file; docs/phi.md)")
      ->envname("BRIDGEWORK_PHI_KEY_FILE");

  bool dry_run = false;
  int sample_size = 0;
  // migrate, sample and delta take the same options.
  auto run_options = [&](CLI::App* cmd) {
    cmd->add_option("--config", config_path, "run config")->required();
    cmd->add_option("--services", services_file,
                    "services.json from `bridgework up`");
    cmd->add_option("--run", run_id, "resume exactly this run");
    cmd->add_flag("--no-resume", no_resume,
                  "start a new run even if one is unfinished");
    cmd->add_option("--retry-for", retry_seconds,
                    "seconds to wait for unavailable services");
    cmd->add_option("--report-json", report_json, "write the JSON report here");
    cmd->add_option("--report-dir", report_dir,
                    "write report.json and report.html here");
    cmd->add_flag("--dry-run", dry_run,
                  "build and validate every request and report counts and "
                  "requests; send no write and record nothing");
  };
  auto* migrate = app.add_subcommand("migrate", "run or resume a migration");
  run_options(migrate);
  auto* sample = app.add_subcommand(
      "sample",
      "migrate a coverage-based sample, read it back and write a field-level "
      "diff");
  run_options(sample);
  sample
      ->add_option("--size", sample_size,
                   "records in the sample (default run.sample_size, 200)")
      ->check(CLI::Range(100, 500));
  auto* delta = app.add_subcommand(
      "delta", "pick up what changed at the source since the last run");
  run_options(delta);

  auto* check = app.add_subcommand(
      "check",
      "pre-migration report: owners matched by email and the schema the map "
      "needs (nothing is created or loaded)");
  check->add_option("--config", config_path, "run config")->required();
  check->add_option("--services", services_file,
                    "services.json from `bridgework up`");
  check->add_option("--report-json", report_json, "write the JSON here");

  auto* rollback =
      app.add_subcommand("rollback", "undo a run and verify by reading back");
  rollback->add_option("--run", run_id, "the run to undo")->required();
  bool overwrite_conflicts = false;
  rollback->add_flag("--overwrite-conflicts", overwrite_conflicts,
                     "also undo records changed in the CRM since the run "
                     "wrote them (default: leave them and report them)");
  rollback->add_option("--config", config_path,
                       "run config (for service addresses)");
  rollback->add_option("--services", services_file,
                       "services.json from `bridgework up`");

  auto* approve = app.add_subcommand(
      "approve",
      "record that you reviewed and approve a map's exact content; runs "
      "refuse unapproved or changed maps");
  std::string approve_map, approved_by, approve_note;
  approve->add_option("map", approve_map, "the map file")->required();
  approve->add_option("--by", approved_by,
                      "who approves (default: $BRIDGEWORK_USER, else $USER)");
  approve->add_option("--note", approve_note, "why, or what was reviewed");
  approve->add_option("--config", config_path,
                      "run config (for service addresses)");
  approve->add_option("--services", services_file,
                      "services.json from `bridgework up`");

  auto* status = app.add_subcommand("status", "list runs, or show one run");
  status->add_option("--run", run_id, "the run to show");
  status->add_option("--config", config_path,
                     "run config (for service addresses)");
  status->add_option("--services", services_file,
                     "services.json from `bridgework up`");

  auto* demo = app.add_subcommand(
      "demo", "migrate bundled sample data into an emulator");
  demo->add_option("--out", out, "output directory");
  demo->add_option("--patients", patients, "sample patients to generate");
  demo->add_option("--seed", seed, "sample data seed");

  auto* propose = app.add_subcommand(
      "propose",
      "propose a map from the source's schema and a sample of its values");
  ProposeCommand pc;
  pc.default_maps_dir = ExamplesDir();
  bool no_default_maps = false;
  propose
      ->add_option("--source", pc.source_config,
                   "run config naming the source (map and destination "
                   "may be absent)")
      ->required();
  propose->add_option("--dest", pc.crm, "the CRM")
      ->required()
      ->check(CLI::IsMember({"freshsales", "pipedrive", "highlevel"}));
  propose->add_option("-o,--out", pc.out, "where to write the map")->required();
  propose
      ->add_option("--threshold", pc.threshold,
                   "confidence at or above which a field is mapped; "
                   "below, it is an open question")
      ->check(CLI::Range(0.0, 1.0));
  propose->add_option("--sample", pc.sample, "records read per object")
      ->check(CLI::PositiveNumber);
  propose->add_option("--default-maps", pc.default_maps_dir,
                      "directory of shipped maps (<dir>/*/map.yaml) used as "
                      "evidence");
  propose->add_flag("--no-default-maps", no_default_maps,
                    "propose from names and values only");
  propose->add_option("--services", pc.services_file,
                      "services.json from `bridgework up`");
  propose->add_option("--state-dir", pc.state_dir,
                      "a private extractor's log goes here");

  DiscoverOptions discover_options;
  discover_options.examples_dir = ExamplesDir();
  auto* discover = app.add_subcommand(
      "discover",
      "profile the source (inventory, data quality) and assess a CRM plan "
      "(readiness, estimate); writes discovery.json and discovery.html");
  discover
      ->add_option("--source,--config", discover_options.config_path,
                   "run config (source; destination and map optional)")
      ->required();
  discover
      ->add_option("--dest", discover_options.crm,
                   "the CRM (default: the config's destination)")
      ->check(CLI::IsMember({"freshsales", "pipedrive", "highlevel"}));
  discover->add_option("--plan", discover_options.plan,
                       "the CRM plan (default: the config's, else the CRM's "
                       "usual one)");
  discover
      ->add_option("--seats", discover_options.seats,
                   "Pipedrive seats (its daily token budget)")
      ->check(CLI::PositiveNumber);
  discover->add_option("--out", discover_options.out_dir,
                       "directory for discovery.json and discovery.html");
  discover->add_option("--services", discover_options.services_file,
                       "services.json from `bridgework up` (else a private "
                       "extractor is started)");
  discover->add_option("--state-dir", discover_options.state_dir,
                       "a private extractor's log goes here");
  auto* budget_cmd = app.add_subcommand(
      "budget",
      "the rate budget of every CRM account the auditor's authority serves: "
      "limits, use, replicas, 429s seen, pauses");
  budget_cmd->add_option("--config", config_path,
                         "run config (for service addresses)");
  budget_cmd->add_option("--services", services_file,
                         "services.json from `bridgework up`");

  DiscoverOptions plan_options = discover_options;
  plan_options.out_dir = "out/plan";
  auto* plan_cmd = app.add_subcommand(
      "plan",
      "the requests each object needs on a CRM plan, the least wall time "
      "its rate budget allows, the days it spans and the expected finish");
  plan_cmd
      ->add_option("--config", plan_options.config_path,
                   "run config (source; destination and map optional)")
      ->required();
  plan_cmd
      ->add_option("--dest", plan_options.crm,
                   "the CRM (default: the config's destination)")
      ->check(CLI::IsMember({"freshsales", "pipedrive", "highlevel"}));
  plan_cmd->add_option("--plan", plan_options.plan,
                       "the CRM plan (default: the config's)");
  plan_cmd->add_option("--seats", plan_options.seats, "Pipedrive seats")
      ->check(CLI::PositiveNumber);
  plan_cmd->add_option("--out", plan_options.out_dir,
                       "directory for discovery.json (the estimate in full)");
  plan_cmd->add_option("--services", plan_options.services_file,
                       "services.json from `bridgework up` (else a private "
                       "extractor is started)");
  plan_cmd->add_option("--state-dir", plan_options.state_dir,
                       "a private extractor's log goes here");
  auto* workflows_cmd = app.add_subcommand(
      "workflows",
      "export the source's automations (reminders, recall sequences, "
      "scheduling and billing rules) as the CRM admin's rebuild reference: "
      "workflows.json and workflows.md");
  std::string workflows_out = "out/workflows";
  workflows_cmd->add_option("--config", config_path, "run config")->required();
  workflows_cmd->add_option("--out", workflows_out,
                            "directory for workflows.json and workflows.md");
  workflows_cmd->add_option(
      "--services", services_file,
      "services.json from `bridgework up` (else a private extractor)");
  workflows_cmd->add_option("--state-dir", state_dir,
                            "a private extractor's log goes here");

  auto* audit = app.add_subcommand("audit", "the ledger's record of runs");
  audit->require_subcommand(1);
  AuditExportOptions audit_options;
  auto* audit_export = audit->add_subcommand(
      "export", "a run's operations as audit-<run>.jsonl and .csv");
  audit_export->add_option("--run", audit_options.run_id, "the run (r-000001)")
      ->required();
  audit_export
      ->add_option("-o,--out", audit_options.out_dir,
                   "directory for audit-<run>.jsonl and .csv")
      ->capture_default_str();
  audit_export->add_option("--auditor", audit_options.auditor,
                           "auditor address (else --config / --services)");
  audit_export->add_option("--config", config_path,
                           "run config (for service addresses)");
  audit_export->add_option("--services", services_file,
                           "services.json from `bridgework up`");
  std::string verify_dir;
  auto* audit_verify = audit->add_subcommand(
      "verify",
      "walk the ledger's hash chain: OK with the entry count, or the first "
      "broken entry (edited, missing, reordered, removed, inserted) and "
      "exit 1");
  audit_verify->add_option(
      "--data-dir", verify_dir,
      "the ledger directory (default <--state-dir>/ledger); read-only, "
      "works while the auditor runs");
  audit_verify->add_option("--state-dir", state_dir,
                           "`bridgework up`'s state directory");
  audit_verify
      ->add_option("--ledger-key-file", ledger_key_file,
                   "the ledger's key, when it is encrypted")
      ->envname("BRIDGEWORK_LEDGER_KEY_FILE");

  auto* reconcile = app.add_subcommand(
      "reconcile",
      "read every migrated record back from the CRM: counts per object, "
      "relationships, fill and owner rates, drift; exit 1 on a failure");
  ReconcileOptions reconcile_options;
  reconcile->add_option("--config", config_path, "run config")->required();
  reconcile->add_option("--services", services_file,
                        "services.json from `bridgework up`");
  reconcile->add_option("--report-json", reconcile_options.report_json,
                        "write the JSON here");
  reconcile->add_option("--report-dir", reconcile_options.report_dir,
                        "write reconcile.json and reconcile.html here");

  auto* explain = app.add_subcommand(
      "explain",
      "one record's journey through a run: source row, transformed record, "
      "ledger operations, CRM ids, disposition and what the CRM holds");
  ExplainOptions explain_options;
  bool explain_json = false;
  explain->add_option("--run", explain_options.run_id, "the run")->required();
  explain
      ->add_option("--source-key", explain_options.source_key,
                   "the record's source key")
      ->required();
  explain->add_option("--object", explain_options.object,
                      "the source object (when the key is ambiguous)");
  explain->add_option("--config", config_path,
                      "run config (its map shows the transformed record)");
  explain->add_option("--services", services_file,
                      "services.json from `bridgework up`");
  explain->add_flag("--json", explain_json, "print JSON");

  CLI11_PARSE(app, argc, argv);
  ExportTlsFlags(tls);
  if (absl::Status s = bridgework::UseTransportSecurity(
          tls, bridgework::SecurityRole::kClient);
      !s.ok()) {
    std::cerr << "bridgework: " << s.message() << "\n";
    return 2;
  }

  if (*propose) {
    if (no_default_maps) pc.default_maps_dir.clear();
    auto r = RunPropose(pc);
    if (!r.ok()) return Fail(r.status());
    const auto& s = r->summary;
    std::printf(
        "sampled %lld records of %d objects%s; %d default maps for %s\n"
        "routes: %d loaded, %d open questions\n"
        "fields: %d rules proposed, %d open questions, %d not carried\n"
        "wrote %s (threshold %.2f): answer the '# ?' blocks before "
        "`bridgework migrate`\n",
        r->records, r->objects,
        r->private_extractor ? " (private extractor)" : "", r->default_maps,
        pc.crm.c_str(), s.routes_loaded, s.routes_open, s.rules,
        s.open_questions, s.not_carried, pc.out.c_str(), pc.threshold);
    return 0;
  }

  if (*budget_cmd) {
    ServiceAddresses addresses;
    if (!config_path.empty()) {
      auto c = LoadRunConfig(config_path);
      if (!c.ok()) return Fail(c.status());
      addresses = c->services;
    }
    auto resolved = ResolveServices(services_file, addresses);
    if (!resolved.ok()) return Fail(resolved.status());
    auto usage = bridgework::budget::MakeGrpcBudgetClient(resolved->auditor)
                     ->GetUsage("");
    if (!usage.ok()) return Fail(usage.status());
    PrintBudget(*usage);
    return 0;
  }

  if (*plan_cmd) {
    plan_options.now = absl::Now();
    auto result = Discover(plan_options);
    if (!result.ok()) return Fail(result.status());
    return PrintPlan(*result, plan_options.now);
  }

  if (*discover) {
    discover_options.now = absl::Now();
    auto result = Discover(discover_options);
    if (!result.ok()) return Fail(result.status());
    PrintDiscovery(*result);
    return 0;
  }

  ServiceAddresses from_config;
  RunConfig config;
  if (!config_path.empty()) {
    auto c = LoadRunConfig(config_path);
    if (!c.ok()) return Fail(c.status());
    config = *c;
    from_config = config.services;
  }

  if (*demo) return Demo(out, patients, seed);

  if (*workflows_cmd) {
    auto access = ExtractorAccess::Reach(services_file, from_config, state_dir);
    if (!access.ok()) return Fail(access.status());
    auto result = ExportWorkflows(config, *access, workflows_out, absl::Now());
    if (!result.ok()) return Fail(result.status());
    std::printf("workflows: %s; wrote %s and %s\n",
                bridgework::workflows::Summary(result->data).c_str(),
                result->json_path.c_str(), result->markdown_path.c_str());
    return 0;
  }

  if (*up) {
    bridgework::BlockTerminationSignals();
    Supervisor supervisor(state_dir);
    SuiteOptions options;
    options.state_dir = state_dir;
    options.emulator = emulator;
    options.requests_per_hour = per_hour;
    options.traffic_log = traffic_log;
    options.ledger_key_file = ledger_key_file;
    options.metrics = up_metrics;
    options.phi_key_file =
        phi_key_file.empty() ? config.phi_key_file : phi_key_file;
    if (!config_path.empty()) {
      options.crm = config.destination.crm();
      if (!emulator.empty() && emulator != options.crm) {
        return Fail(absl::InvalidArgumentError(
            absl::StrCat("--emulator ", emulator, " but the config's CRM is ",
                         options.crm)));
      }
      options.location_id = config.destination.location_id();
      options.company_id = config.destination.company_id();
      if (!emulator.empty())
        options.crm_url.clear();
      else
        options.crm_url = config.destination_url;
      options.plan = config.destination.plan();
      if (!config.token_file.empty()) {
        options.crm_token_file = config.token_file;
      } else if (const char* t = std::getenv(config.token_env.c_str())) {
        options.crm_token = t;
      }
      auto map =
          bridgework::mapping::ParseMap(config.map_yaml, config.map_path);
      if (map.ok()) options.EmulateSchemaOf(*map);
    } else if (emulator == "highlevel") {
      options.plan = "unlimited";
    } else if (emulator.empty()) {
      return Fail(absl::InvalidArgumentError(
          "give --config (a real CRM) or --emulator"));
    }
    if (emulator == "highlevel" && options.location_id.empty()) {
      options.location_id = kDemoLocationId;
      options.company_id = kDemoCompanyId;
    }
    auto suite = StartSuite(options, supervisor);
    if (!suite.ok()) return Fail(suite.status());
    std::printf(
        "extractor   %s\ntransformer %s\nloader      %s\nauditor     %s\n",
        suite->services.extractor.c_str(), suite->services.transformer.c_str(),
        suite->services.loader.c_str(), suite->services.auditor.c_str());
    if (!suite->emulator_address.empty()) {
      std::printf("emulator    %s (%s)\n", suite->emulator_address.c_str(),
                  suite->crm_url.c_str());
    }
    for (const auto& [name, address] : suite->metrics) {
      std::printf("metrics     %s http://%s/metrics\n", name.c_str(),
                  address.c_str());
    }
    std::printf("services.json: %s/services.json; Ctrl-C stops everything\n",
                state_dir.c_str());
    std::fflush(stdout);
    bridgework::WaitForTerminationSignal();
    supervisor.StopAll();
    return 0;
  }

  if (*audit_export) {
    if (audit_options.auditor.empty()) {
      auto s = ResolveServices(services_file, from_config);
      if (!s.ok()) return Fail(s.status());
      audit_options.auditor = s->auditor;
    }
    auto r = ExportAudit(audit_options);
    if (!r.ok()) return Fail(r.status());
    std::printf("audit %s: %lld operations -> %s and %s\n",
                audit_options.run_id.c_str(),
                static_cast<long long>(r->operations), r->jsonl_path.c_str(),
                r->csv_path.c_str());
    return 0;
  }

  if (*audit_verify) {
    if (verify_dir.empty()) {
      verify_dir = (std::filesystem::path(state_dir) / "ledger").string();
    }
    return VerifyLedger(verify_dir, ledger_key_file);
  }

  auto services = ResolveServices(services_file, from_config);
  if (!services.ok()) return Fail(services.status());

  if (*migrate || *sample || *delta) {
    MigrateOptions mo;
    mo.run_id = run_id;
    mo.resume = !no_resume;
    mo.retry_seconds = retry_seconds;
    mo.report_json = report_json;
    mo.report_dir = report_dir;
    mo.dry_run = dry_run;
    mo.mode = *sample  ? bridgework::v1::RUN_MODE_SAMPLE
              : *delta ? bridgework::v1::RUN_MODE_DELTA
                       : bridgework::v1::RUN_MODE_FULL;
    if (sample_size > 0) config.sample_size = sample_size;
    auto result = Migrate(config, *services, mo);
    if (!result.ok()) return Fail(result.status());
    PrintSummary(*result);
    return result->ok ? 0 : 1;
  }
  if (*check) {
    auto result = Check(config, *services);
    if (!result.ok()) return Fail(result.status());
    const nlohmann::json& r = *result;
    std::printf("owners: %zu matched by email, %zu fall back to %s\n",
                r["owners"].size() - r["unmatched_owners"].size(),
                r["unmatched_owners"].size(),
                r["fallback_owner"]["email"].get<std::string>().c_str());
    for (const auto& e : r["unmatched_owners"])
      std::printf("  unmatched: %s\n", e.get<std::string>().c_str());
    const nlohmann::json& s = r["schema"];
    std::printf("schema: %zu present, %zu to create, %zu for an admin\n",
                s["present"].size(), s["to_create"].size(),
                s["checklist"].size());
    for (const auto& e : s["to_create"])
      std::printf("  will create: %s\n", e.get<std::string>().c_str());
    for (const auto& e : s["checklist"])
      std::printf("  admin: %s\n", e.get<std::string>().c_str());
    for (const auto& e : s["limits"])
      std::printf("  limit: %s\n", e.get<std::string>().c_str());
    if (!report_json.empty()) std::ofstream(report_json) << r.dump(2) << "\n";
    std::printf("%s\n", r.value("ready", false)
                            ? "ready: nothing blocks the migration"
                            : "NOT ready: an admin must finish the checklist");
    return r.value("ready", false) ? 0 : 1;
  }
  if (*rollback) {
    auto result = Rollback(*services, run_id, overwrite_conflicts);
    if (!result.ok()) return Fail(result.status());
    std::printf(
        "rollback %s: deleted %lld, restored %lld, already gone %lld, "
        "conflicts %lld, failed %lld; %s\n",
        result->rollback_run_id.c_str(),
        static_cast<long long>(result->deleted),
        static_cast<long long>(result->restored),
        static_cast<long long>(result->skipped),
        static_cast<long long>(result->conflicts),
        static_cast<long long>(result->failed),
        result->verified ? "verified by reading the CRM back" : "NOT verified");
    return result->verified ? 0 : 1;
  }
  if (*approve) {
    if (approved_by.empty()) {
      for (const char* var : {"BRIDGEWORK_USER", "USER"}) {
        const char* v = std::getenv(var);
        if (v != nullptr && *v != '\0') {
          approved_by = v;
          break;
        }
      }
    }
    auto a = ApproveMap(approve_map, approved_by, approve_note, *services);
    if (!a.ok()) return Fail(a.status());
    std::printf("approved %s (sha256 %s) by %s; runs may now use it\n",
                a->map_name().c_str(), a->map_hash().substr(0, 12).c_str(),
                a->approved_by().c_str());
    return 0;
  }
  if (*status) {
    absl::Status s = PrintStatus(*services, run_id);
    return s.ok() ? 0 : Fail(s);
  }
  if (*reconcile) {
    auto r = Reconcile(config, *services, reconcile_options);
    if (!r.ok()) return Fail(r.status());
    PrintReconcile(r->report);
    return r->pass ? 0 : 1;
  }
  if (*explain) {
    auto e = Explain(explain_options, config_path.empty() ? nullptr : &config,
                     *services);
    if (!e.ok()) return Fail(e.status());
    // Field values, for the person who asked: stdout only, never a log.
    const std::string text = explain_json ? e->dump(2) + "\n" : ExplainText(*e);
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  return 0;
}
