// bridgework-sandbox: CRM and source-system API emulators for demos and
// tests. One HTTP server per process; --crm picks a CRM (freshsales,
// pipedrive, highlevel), --source a source system (drdentes); give one.
//
//   bridgework-sandbox --crm freshsales --token T [--host H] [--port P]
//       [--port-file F] [--plan free|growth|pro|enterprise]
//       [--rate-limit-per-hour N] [--time-scale X] [--users F] [--fields F]
//   bridgework-sandbox --crm pipedrive --token T [--host H] [--port P]
//       [--port-file F] [--plan lite|growth|premium|ultimate] [--seats N]
//       [--burst-limit N] [--daily-budget N] [--time-scale X] [--users F]
//   bridgework-sandbox --crm highlevel --token T [--location ID]
//       [--company ID] [--host H] [--port P] [--port-file F]
//       [--burst-limit N] [--daily-limit N] [--time-scale X] [--users F]
//       [--pipelines F] [--allow-duplicate-contact]
//       [--duplicate-priority email|phone]
//   bridgework-sandbox --source drdentes --token T [--host H] [--port P]
//       [--port-file F] [--seed N] [--patients N]
//       [--rate-limit-per-minute N] [--time-scale X]
//   Every CRM also takes fault injection (docs/reliability.md):
//       [--fault KIND=P]... [--fault-seed N] [--fault-storm-ms MS]
//       [--fault-slow-ms MS] [--fault-hang-ms MS] [--fault-codes C,...]
//   KIND: storm, error, reset, timeout, slow, lost, applied_error; P the
//   probability per API request. POST /__sandbox/faults changes them live.
//
// Exit codes: 0 after SIGTERM/SIGINT, 2 for bad flags or inputs, 1 if the
// server cannot start. Logs are JSON lines (method, path template, status);
// never bodies or tokens.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "emulators/common/fault_injector.h"
#include "emulators/common/http_util.h"
#include "emulators/common/traffic_log.h"
#include "emulators/drdentes/drdentes_emulator.h"
#include "emulators/freshsales/freshsales_emulator.h"
#include "emulators/highlevel/highlevel_emulator.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "libs/common/log.h"
#include "libs/common/server.h"

namespace {

struct Flags {
  std::string crm;
  std::string source;
  bridgework::emulator::HttpServeOptions serve;
  std::string token;
  std::string plan = "growth";
  int64_t rate_limit_per_hour = 0;
  double time_scale = 1.0;
  std::string users_file;
  std::string fields_file;
  std::string settings_file;
  std::string traffic_log;
  // Pipedrive and HighLevel.
  int64_t burst_limit = 0;  // 0: the CRM's (plan's) default
  // Pipedrive.
  int64_t seats = 0;
  int64_t daily_budget = 0;
  // HighLevel.
  std::string location;
  std::string company;
  int64_t daily_limit = -1;  // -1: the CRM's default
  std::string pipelines_file;
  bool allow_duplicate_contact = false;
  std::string duplicate_priority = "email";
  // Dr.DENTES.
  uint32_t seed = 42;
  int patients = 60;
  int64_t rate_limit_per_minute = 0;  // 0: the emulator's default (120)
  // Faults (CRMs).
  std::vector<std::string> faults;
  uint64_t fault_seed = 1;
  int64_t fault_storm_ms = 2000;
  int64_t fault_slow_ms = 300;
  int64_t fault_hang_ms = 31000;
  std::vector<int> fault_codes;
};

int Fail(int code, const std::string& message) {
  std::cerr << "bridgework-sandbox: " << message << "\n";
  return code;
}

// Configures `faults` from the flags. False (after printing why) when the
// flags are wrong.
bool ConfigureFaults(const Flags& flags,
                     bridgework::emulator::FaultInjector& faults) {
  absl::StatusOr<bridgework::emulator::FaultConfig> config =
      bridgework::emulator::FaultConfigFromFlags(
          flags.faults, flags.fault_seed, flags.fault_storm_ms,
          flags.fault_slow_ms, flags.fault_hang_ms, flags.fault_codes);
  if (!config.ok()) {
    Fail(2, std::string(config.status().message()));
    return false;
  }
  faults.Configure(*std::move(config));
  return true;
}

// Serves `server` (with the traffic log if asked) until SIGTERM/SIGINT.
int Serve(const Flags& flags, httplib::Server& server) {
  namespace em = bridgework::emulator;
  std::unique_ptr<em::TrafficLog> traffic;
  if (!flags.traffic_log.empty()) {
    absl::StatusOr<std::unique_ptr<em::TrafficLog>> t =
        em::TrafficLog::Open(flags.traffic_log);
    if (!t.ok()) return Fail(2, std::string(t.status().message()));
    traffic = std::move(*t);
    traffic->Attach(server);
  }
  absl::Status served = em::ServeHttpUntilSignal(server, flags.serve);
  if (!served.ok()) return Fail(1, std::string(served.message()));
  bridgework::LogInfo("stopped");
  return 0;
}

int RunHighLevel(const Flags& flags) {
  namespace em = bridgework::emulator;
  em::HighLevelOptions options;
  options.token = flags.token;
  if (options.token.empty()) {
    return Fail(2, "give --token or set BRIDGEWORK_SANDBOX_TOKEN");
  }
  if (flags.seats != 0 || flags.daily_budget != 0 ||
      !flags.fields_file.empty() || flags.rate_limit_per_hour != 0) {
    return Fail(2,
                "--seats, --daily-budget, --fields and --rate-limit-per-hour "
                "are not HighLevel flags");
  }
  if (flags.burst_limit < 0)
    return Fail(2, "--burst-limit must not be negative");
  if (!flags.location.empty()) options.location_id = flags.location;
  if (!flags.company.empty()) options.company_id = flags.company;
  if (flags.burst_limit > 0) options.burst_limit = flags.burst_limit;
  if (flags.daily_limit >= 0) options.daily_limit = flags.daily_limit;
  options.time_scale = flags.time_scale;
  options.allow_duplicate_contact = flags.allow_duplicate_contact;
  options.duplicate_priority = flags.duplicate_priority;
  for (auto [file, target] : {std::pair{&flags.users_file, &options.users},
                              {&flags.pipelines_file, &options.pipelines}}) {
    if (file->empty()) continue;
    absl::StatusOr<nlohmann::json> j = em::ReadJsonFile(*file);
    if (!j.ok()) return Fail(2, std::string(j.status().message()));
    *target = *std::move(j);
  }
  std::string location = options.location_id;
  int64_t burst = options.burst_limit, daily = options.daily_limit;
  absl::StatusOr<std::unique_ptr<em::HighLevelEmulator>> emulator =
      em::HighLevelEmulator::Create(std::move(options));
  if (!emulator.ok()) return Fail(2, std::string(emulator.status().message()));
  if (!ConfigureFaults(flags, (*emulator)->faults())) return 2;
  httplib::Server server;
  (*emulator)->Register(server);
  bridgework::LogInfo("starting", {{"crm", "highlevel"},
                                   {"location", location},
                                   {"burst_limit", std::to_string(burst)},
                                   {"daily_limit", std::to_string(daily)}});
  return Serve(flags, server);
}

int RunFreshsales(const Flags& flags) {
  namespace em = bridgework::emulator;
  if (flags.seats != 0 || flags.burst_limit != 0 || flags.daily_budget != 0) {
    return Fail(2,
                "--seats, --burst-limit and --daily-budget are Pipedrive "
                "flags");
  }
  em::FreshsalesOptions options;
  options.token = flags.token;
  if (options.token.empty()) {
    return Fail(2, "give --token or set BRIDGEWORK_SANDBOX_TOKEN");
  }
  absl::StatusOr<int64_t> limit = em::FreshsalesPlanLimit(flags.plan);
  if (!limit.ok()) return Fail(2, std::string(limit.status().message()));
  options.requests_per_hour =
      flags.rate_limit_per_hour > 0 ? flags.rate_limit_per_hour : *limit;
  options.time_scale = flags.time_scale;
  if (!flags.users_file.empty()) {
    absl::StatusOr<nlohmann::json> users = em::ReadJsonFile(flags.users_file);
    if (!users.ok()) return Fail(2, std::string(users.status().message()));
    options.users = *users;
  }
  if (!flags.fields_file.empty()) {
    absl::StatusOr<nlohmann::json> fields = em::ReadJsonFile(flags.fields_file);
    if (!fields.ok()) return Fail(2, std::string(fields.status().message()));
    options.fields = *fields;
  }
  if (!flags.settings_file.empty()) {
    absl::StatusOr<nlohmann::json> settings =
        em::ReadJsonFile(flags.settings_file);
    if (!settings.ok())
      return Fail(2, std::string(settings.status().message()));
    options.settings = *settings;
  }
  absl::StatusOr<std::unique_ptr<em::FreshsalesEmulator>> emulator =
      em::FreshsalesEmulator::Create(std::move(options));
  if (!emulator.ok()) return Fail(2, std::string(emulator.status().message()));
  if (!ConfigureFaults(flags, (*emulator)->faults())) return 2;
  httplib::Server server;
  (*emulator)->Register(server);
  bridgework::LogInfo(
      "starting",
      {{"crm", "freshsales"},
       {"plan", flags.plan},
       {"requests_per_hour",
        std::to_string(flags.rate_limit_per_hour > 0 ? flags.rate_limit_per_hour
                                                     : *limit)}});
  return Serve(flags, server);
}

int RunPipedrive(const Flags& flags) {
  namespace em = bridgework::emulator;
  em::PipedriveOptions options;
  options.token = flags.token;
  if (options.token.empty()) {
    return Fail(2, "give --token or set BRIDGEWORK_SANDBOX_TOKEN");
  }
  if (!flags.fields_file.empty() || flags.rate_limit_per_hour != 0) {
    return Fail(2,
                "--fields and --rate-limit-per-hour are Freshsales flags "
                "(Pipedrive fields are created through its API or "
                "/__sandbox/seed; its limits are --burst-limit and "
                "--daily-budget)");
  }
  if (flags.seats < 0 || flags.burst_limit < 0 || flags.daily_budget < 0) {
    return Fail(2,
                "--seats, --burst-limit and --daily-budget must not be "
                "negative");
  }
  options.plan = flags.plan;
  options.seats = flags.seats;
  if (flags.burst_limit > 0) options.burst_limit = flags.burst_limit;
  if (flags.daily_budget > 0) options.daily_budget = flags.daily_budget;
  options.time_scale = flags.time_scale;
  if (!flags.users_file.empty()) {
    absl::StatusOr<nlohmann::json> users = em::ReadJsonFile(flags.users_file);
    if (!users.ok()) return Fail(2, std::string(users.status().message()));
    options.users = *users;
  }
  absl::StatusOr<std::unique_ptr<em::PipedriveEmulator>> emulator =
      em::PipedriveEmulator::Create(std::move(options));
  if (!emulator.ok()) return Fail(2, std::string(emulator.status().message()));
  if (!ConfigureFaults(flags, (*emulator)->faults())) return 2;
  httplib::Server server;
  (*emulator)->Register(server);
  nlohmann::json limits = (*emulator)->Stats()["limits"];
  bridgework::LogInfo("starting",
                      {{"crm", "pipedrive"},
                       {"plan", flags.plan},
                       {"burst_limit", limits["burst_limit"].dump()},
                       {"daily_budget", limits["daily_budget"].dump()}});
  return Serve(flags, server);
}

int RunDrdentes(const Flags& flags) {
  namespace em = bridgework::emulator;
  if (!flags.users_file.empty() || !flags.fields_file.empty() ||
      flags.rate_limit_per_hour != 0 || flags.seats != 0 ||
      flags.burst_limit != 0 || flags.daily_budget != 0 ||
      flags.daily_limit >= 0 || !flags.pipelines_file.empty() ||
      !flags.settings_file.empty() || !flags.faults.empty()) {
    return Fail(2,
                "--source drdentes takes --token, --seed, --patients, "
                "--rate-limit-per-minute and --time-scale (CRM flags given)");
  }
  em::DrdentesOptions options;
  options.token = flags.token;
  if (options.token.empty()) {
    return Fail(2, "give --token or set BRIDGEWORK_SANDBOX_TOKEN");
  }
  if (flags.rate_limit_per_minute < 0) {
    return Fail(2, "--rate-limit-per-minute must not be negative");
  }
  options.seed = flags.seed;
  options.patients = flags.patients;
  if (flags.rate_limit_per_minute > 0) {
    options.requests_per_minute = flags.rate_limit_per_minute;
  }
  options.time_scale = flags.time_scale;
  const int64_t limit = options.requests_per_minute;
  absl::StatusOr<std::unique_ptr<em::DrdentesEmulator>> emulator =
      em::DrdentesEmulator::Create(std::move(options));
  if (!emulator.ok()) return Fail(2, std::string(emulator.status().message()));
  httplib::Server server;
  (*emulator)->Register(server);
  bridgework::LogInfo("starting",
                      {{"source", "drdentes"},
                       {"seed", std::to_string(flags.seed)},
                       {"patients", std::to_string(flags.patients)},
                       {"requests_per_minute", std::to_string(limit)}});
  return Serve(flags, server);
}

}  // namespace

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("sandbox");
  CLI::App app{"bridgework-sandbox: CRM and source-system API emulators"};
  Flags flags;
  CLI::Option* crm =
      app.add_option("--crm", flags.crm,
                     "the CRM to emulate (freshsales, pipedrive, highlevel)");
  CLI::Option* source = app.add_option(
      "--source", flags.source, "the source system to emulate (drdentes)");
  crm->excludes(source);
  source->excludes(crm);
  app.add_option("--host", flags.serve.host, "address to listen on");
  app.add_option("--port", flags.serve.port, "port (0: any free port)");
  app.add_option("--port-file", flags.serve.port_file,
                 "write HOST:PORT here once listening");
  app.add_option("--token", flags.token, "the API key the emulator accepts")
      ->envname("BRIDGEWORK_SANDBOX_TOKEN");
  app.add_option("--plan", flags.plan,
                 "freshsales: free|growth|pro|enterprise (1000/1000/2000/5000 "
                 "per hour); pipedrive: lite|growth|premium|ultimate");
  app.add_option("--rate-limit-per-hour", flags.rate_limit_per_hour,
                 "freshsales: override the plan's hourly limit");
  app.add_option("--time-scale", flags.time_scale,
                 "rate windows last base/X (freshsales: the hour; pipedrive: "
                 "the 2 s burst window and the day; highlevel: 10 s and the "
                 "day)");
  app.add_option("--seats", flags.seats,
                 "pipedrive: seats in the daily budget (default: the number "
                 "of active users)");
  app.add_option("--burst-limit", flags.burst_limit,
                 "pipedrive: requests per 2 s per token (default: the "
                 "plan's); highlevel: requests per 10 s per location "
                 "(default 100)");
  app.add_option("--daily-budget", flags.daily_budget,
                 "pipedrive: API tokens per day (default: 30,000 x plan "
                 "multiplier x seats)");
  app.add_option("--users", flags.users_file,
                 "JSON array of users {id, display_name (or name), email}");
  app.add_option("--fields", flags.fields_file,
                 "JSON object of custom fields {contacts:[..], "
                 "sales_accounts:[..]}");
  app.add_option("--settings", flags.settings_file,
                 "freshsales: JSON object of admin settings {deal_pipelines, "
                 "sales_activity_types, lifecycle_stages, territories, "
                 "custom_modules}");
  app.add_option("--location", flags.location,
                 "highlevel: the location (sub-account) id the token serves");
  app.add_option("--company", flags.company,
                 "highlevel: the agency (company) id of the location");
  app.add_option("--daily-limit", flags.daily_limit,
                 "highlevel: requests per day (default 200000)");
  app.add_option("--pipelines", flags.pipelines_file,
                 "highlevel: JSON array of pipelines {name, stages:[..]}");
  app.add_flag("--allow-duplicate-contact", flags.allow_duplicate_contact,
               "highlevel: the location allows duplicate contacts");
  app.add_option("--duplicate-priority", flags.duplicate_priority,
                 "highlevel: email|phone, tried first by the duplicate check")
      ->check(CLI::IsMember({"email", "phone"}));
  app.add_option("--seed", flags.seed,
                 "drdentes: the data set's seed (default 42)");
  app.add_option("--patients", flags.patients,
                 "drdentes: patients in the data set (default 60, at least 5)");
  app.add_option("--rate-limit-per-minute", flags.rate_limit_per_minute,
                 "drdentes: requests per minute (default 120)");
  app.add_option("--traffic-log", flags.traffic_log,
                 "append every API exchange as a JSON line here (tests only: "
                 "bodies are recorded)");
  app.add_option("--fault", flags.faults,
                 "CRMs: KIND=P injects fault KIND (storm, error, reset, "
                 "timeout, slow, lost, applied_error) into API requests with "
                 "probability P; repeatable");
  app.add_option("--fault-seed", flags.fault_seed,
                 "seed of the fault draws (default 1)");
  app.add_option("--fault-storm-ms", flags.fault_storm_ms,
                 "length of a 429 storm (default 2000)");
  app.add_option("--fault-slow-ms", flags.fault_slow_ms,
                 "most a slow reply is delayed (default 300)");
  app.add_option("--fault-hang-ms", flags.fault_hang_ms,
                 "how long a timeout hangs before the connection is closed "
                 "(default 31000)");
  app.add_option("--fault-codes", flags.fault_codes,
                 "5xx codes of error and applied_error (default 500,502,503)")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  if (!(flags.time_scale > 0)) return Fail(2, "--time-scale must be positive");
  if (!flags.source.empty()) {
    if (flags.source != "drdentes") {
      return Fail(
          2, "unknown --source " + flags.source + " (supported: drdentes)");
    }
    return RunDrdentes(flags);
  }
  if (flags.crm.empty()) return Fail(2, "give --crm or --source");
  if (flags.crm != "freshsales" && flags.crm != "pipedrive" &&
      flags.crm != "highlevel") {
    std::cerr << "unknown --crm " << flags.crm
              << " (supported: freshsales, pipedrive, highlevel)\n";
    return 2;
  }
  if (flags.crm == "pipedrive") return RunPipedrive(flags);
  if (flags.crm == "highlevel") return RunHighLevel(flags);
  return RunFreshsales(flags);
}
