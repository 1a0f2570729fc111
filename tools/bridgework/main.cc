// bridgework: the orchestration controller and the user's tool.
//
//   bridgework up       start the four services (and an emulator) on loopback
//   bridgework migrate  run (or resume) a migration
//   bridgework rollback undo a run, verified by reading the CRM back
//   bridgework status   runs, or one run's counts
//   bridgework demo     everything above on bundled sample data
//   bridgework propose  propose a map from the source's schema and values
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/server.h"
#include "libs/crm/http_client.h"
#include "libs/mapping/map.h"
#include "tools/bridgework/controller.h"
#include "tools/bridgework/propose.h"
#include "tools/bridgework/run_config.h"
#include "tools/bridgework/suite.h"
#include "tools/bridgework/supervisor.h"

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
  options.emulator_fields = map->custom_fields;
  options.plan = "growth";
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
           "plan: growth\n"
        << "  fallback_owner_email: owner@bridgework.example\n"
        << "  url: " << suite->crm_url << "\n"
        << "map: " << fs::absolute(map_path).string() << "\n"
        << "run:\n  batch_size: 100\n  phone_region: US\n";
  }
  auto config = LoadRunConfig(config_path);
  if (!config.ok()) return Fail(config.status());
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

volatile sig_atomic_t g_stop = 0;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bridgework: migrate dental-practice data into a sales CRM"};
  app.require_subcommand(1);
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

  auto* migrate = app.add_subcommand("migrate", "run or resume a migration");
  migrate->add_option("--config", config_path, "run config")->required();
  migrate->add_option("--services", services_file,
                      "services.json from `bridgework up`");
  migrate->add_option("--run", run_id, "resume exactly this run");
  migrate->add_flag("--no-resume", no_resume,
                    "start a new run even if one is unfinished");
  migrate->add_option("--retry-for", retry_seconds,
                      "seconds to wait for unavailable services");
  migrate->add_option("--report-json", report_json,
                      "write the JSON report here");
  migrate->add_option("--report-dir", report_dir,
                      "write report.json and report.html here");

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
  rollback->add_option("--config", config_path,
                       "run config (for service addresses)");
  rollback->add_option("--services", services_file,
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

  CLI11_PARSE(app, argc, argv);

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

  ServiceAddresses from_config;
  RunConfig config;
  if (!config_path.empty()) {
    auto c = LoadRunConfig(config_path);
    if (!c.ok()) return Fail(c.status());
    config = *c;
    from_config = config.services;
  }

  if (*demo) return Demo(out, patients, seed);

  if (*up) {
    bridgework::BlockTerminationSignals();
    Supervisor supervisor(state_dir);
    SuiteOptions options;
    options.state_dir = state_dir;
    options.emulator = emulator;
    options.requests_per_hour = per_hour;
    options.traffic_log = traffic_log;
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
      if (const char* t = std::getenv(config.token_env.c_str()))
        options.crm_token = t;
      auto map =
          bridgework::mapping::ParseMap(config.map_yaml, config.map_path);
      if (map.ok()) options.emulator_fields = map->custom_fields;
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
    std::printf("services.json: %s/services.json; Ctrl-C stops everything\n",
                state_dir.c_str());
    std::fflush(stdout);
    bridgework::WaitForTerminationSignal();
    supervisor.StopAll();
    return 0;
  }

  auto services = ResolveServices(services_file, from_config);
  if (!services.ok()) return Fail(services.status());

  if (*migrate) {
    MigrateOptions mo;
    mo.run_id = run_id;
    mo.resume = !no_resume;
    mo.retry_seconds = retry_seconds;
    mo.report_json = report_json;
    mo.report_dir = report_dir;
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
    auto result = Rollback(*services, run_id);
    if (!result.ok()) return Fail(result.status());
    std::printf(
        "rollback %s: deleted %lld, restored %lld, already gone %lld, failed "
        "%lld; %s\n",
        result->rollback_run_id.c_str(),
        static_cast<long long>(result->deleted),
        static_cast<long long>(result->restored),
        static_cast<long long>(result->skipped),
        static_cast<long long>(result->failed),
        result->verified ? "verified by reading the CRM back" : "NOT verified");
    return result->verified ? 0 : 1;
  }
  if (*status) {
    absl::Status s = PrintStatus(*services, run_id);
    return s.ok() ? 0 : Fail(s);
  }
  return 0;
}
