// bridgework-sandbox: CRM API emulators for demos and tests. One HTTP
// server per process; --crm picks the CRM (freshsales, highlevel).
//
//   bridgework-sandbox --crm freshsales --token T [--host H] [--port P]
//       [--port-file F] [--plan free|growth|pro|enterprise]
//       [--rate-limit-per-hour N] [--time-scale X] [--users F] [--fields F]
//   bridgework-sandbox --crm highlevel --token T [--location ID]
//       [--company ID] [--host H] [--port P] [--port-file F]
//       [--burst-limit N] [--daily-limit N] [--time-scale X] [--users F]
//       [--pipelines F] [--allow-duplicate-contact]
//       [--duplicate-priority email|phone]
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
#include "emulators/highlevel/highlevel_emulator.h"
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
  // highlevel
  std::string location;
  std::string company;
  int64_t burst_limit = -1;  // -1: the CRM's default
  int64_t daily_limit = -1;
  std::string pipelines_file;
  bool allow_duplicate_contact = false;
  std::string duplicate_priority = "email";
};

int Fail(int code, const std::string& message) {
  std::cerr << "bridgework-sandbox: " << message << "\n";
  return code;
}

// Serves `server` (with the traffic log if asked) until SIGTERM/SIGINT.
int Serve(httplib::Server& server, const Flags& flags) {
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
  if (!flags.location.empty()) options.location_id = flags.location;
  if (!flags.company.empty()) options.company_id = flags.company;
  if (flags.burst_limit >= 0) options.burst_limit = flags.burst_limit;
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
  httplib::Server server;
  (*emulator)->Register(server);
  bridgework::LogInfo("starting", {{"crm", "highlevel"},
                                   {"location", location},
                                   {"burst_limit", std::to_string(burst)},
                                   {"daily_limit", std::to_string(daily)}});
  return Serve(server, flags);
}

int RunFreshsales(const Flags& flags) {
  namespace em = bridgework::emulator;
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
  return Serve(server, flags);
}

}  // namespace

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("sandbox");
  CLI::App app{"bridgework-sandbox: CRM API emulators"};
  Flags flags;
  app.add_option("--crm", flags.crm,
                 "the CRM to emulate (freshsales, highlevel)")
      ->required();
  app.add_option("--host", flags.serve.host, "address to listen on");
  app.add_option("--port", flags.serve.port, "port (0: any free port)");
  app.add_option("--port-file", flags.serve.port_file,
                 "write HOST:PORT here once listening");
  app.add_option("--token", flags.token, "the API key the emulator accepts")
      ->envname("BRIDGEWORK_SANDBOX_TOKEN");
  app.add_option("--plan", flags.plan,
                 "free|growth|pro|enterprise (1000/1000/2000/5000 per hour)");
  app.add_option("--rate-limit-per-hour", flags.rate_limit_per_hour,
                 "override the plan's hourly limit");
  app.add_option("--time-scale", flags.time_scale,
                 "rate windows last base/X (freshsales: the hour; highlevel: "
                 "10 s and the day)");
  app.add_option("--users", flags.users_file,
                 "JSON array of users {id, display_name|name, email}");
  app.add_option("--fields", flags.fields_file,
                 "JSON object of custom fields {contacts:[..], "
                 "sales_accounts:[..]}");
  app.add_option("--location", flags.location,
                 "highlevel: the location (sub-account) id the token serves");
  app.add_option("--company", flags.company,
                 "highlevel: the agency (company) id of the location");
  app.add_option("--burst-limit", flags.burst_limit,
                 "highlevel: requests per 10 s window (default 100)");
  app.add_option("--daily-limit", flags.daily_limit,
                 "highlevel: requests per day (default 200000)");
  app.add_option("--pipelines", flags.pipelines_file,
                 "highlevel: JSON array of pipelines {name, stages:[..]}");
  app.add_flag("--allow-duplicate-contact", flags.allow_duplicate_contact,
               "highlevel: the location allows duplicate contacts");
  app.add_option("--duplicate-priority", flags.duplicate_priority,
                 "highlevel: email|phone, tried first by the duplicate check")
      ->check(CLI::IsMember({"email", "phone"}));
  app.add_option("--traffic-log", flags.traffic_log,
                 "append every API exchange as a JSON line here (tests only: "
                 "bodies are recorded)");
  CLI11_PARSE(app, argc, argv);
  if (flags.crm != "freshsales" && flags.crm != "highlevel") {
    std::cerr << "unknown --crm " << flags.crm
              << " (supported: freshsales, highlevel)\n";
    return 2;
  }
  if (!(flags.time_scale > 0)) return Fail(2, "--time-scale must be positive");
  return flags.crm == "highlevel" ? RunHighLevel(flags) : RunFreshsales(flags);
}
