// bridgework-sandbox: CRM API emulators for demos and tests. One HTTP
// server per process; --crm picks the CRM (freshsales, pipedrive).
//
//   bridgework-sandbox --crm freshsales --token T [--host H] [--port P]
//       [--port-file F] [--plan free|growth|pro|enterprise]
//       [--rate-limit-per-hour N] [--time-scale X] [--users F] [--fields F]
//   bridgework-sandbox --crm pipedrive --token T [--host H] [--port P]
//       [--port-file F] [--plan lite|growth|premium|ultimate] [--seats N]
//       [--burst-limit N] [--daily-budget N] [--time-scale X] [--users F]
//
// Exit codes: 0 after SIGTERM/SIGINT, 2 for bad flags or inputs, 1 if the
// server cannot start. Logs are JSON lines (method, path template, status);
// never bodies or tokens.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "emulators/common/http_util.h"
#include "emulators/common/traffic_log.h"
#include "emulators/freshsales/freshsales_emulator.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "libs/common/log.h"
#include "libs/common/server.h"

namespace {

struct Flags {
  std::string crm;
  bridgework::emulator::HttpServeOptions serve;
  std::string token;
  std::string plan = "growth";
  int64_t rate_limit_per_hour = 0;
  double time_scale = 1.0;
  std::string users_file;
  std::string fields_file;
  std::string traffic_log;
  // Pipedrive.
  int64_t seats = 0;
  int64_t burst_limit = 0;
  int64_t daily_budget = 0;
};

int Fail(int code, const std::string& message) {
  std::cerr << "bridgework-sandbox: " << message << "\n";
  return code;
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
  absl::StatusOr<std::unique_ptr<em::FreshsalesEmulator>> emulator =
      em::FreshsalesEmulator::Create(std::move(options));
  if (!emulator.ok()) return Fail(2, std::string(emulator.status().message()));
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

}  // namespace

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("sandbox");
  CLI::App app{"bridgework-sandbox: CRM API emulators"};
  Flags flags;
  app.add_option("--crm", flags.crm,
                 "the CRM to emulate (freshsales, pipedrive)")
      ->required();
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
                 "the 2 s burst window and the day)");
  app.add_option("--seats", flags.seats,
                 "pipedrive: seats in the daily budget (default: the number "
                 "of active users)");
  app.add_option("--burst-limit", flags.burst_limit,
                 "pipedrive: requests per 2 s per token (default: the "
                 "plan's)");
  app.add_option("--daily-budget", flags.daily_budget,
                 "pipedrive: API tokens per day (default: 30,000 x plan "
                 "multiplier x seats)");
  app.add_option("--users", flags.users_file,
                 "JSON array of users {id, display_name (or name), email}");
  app.add_option("--fields", flags.fields_file,
                 "JSON object of custom fields {contacts:[..], "
                 "sales_accounts:[..]}");
  app.add_option("--traffic-log", flags.traffic_log,
                 "append every API exchange as a JSON line here (tests only: "
                 "bodies are recorded)");
  CLI11_PARSE(app, argc, argv);
  if (flags.crm != "freshsales" && flags.crm != "pipedrive") {
    std::cerr << "unknown --crm " << flags.crm
              << " (supported: freshsales, pipedrive)\n";
    return 2;
  }
  if (!(flags.time_scale > 0)) return Fail(2, "--time-scale must be positive");
  return flags.crm == "pipedrive" ? RunPipedrive(flags) : RunFreshsales(flags);
}
