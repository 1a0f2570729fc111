// bridgework-sandbox: CRM emulators for demos and tests.
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "emulators/freshsales/freshsales_emulator.h"
#include "libs/common/log.h"
#include "libs/common/server.h"

namespace {

bool ReadJson(const std::string& path, nlohmann::json* out) {
  if (path.empty()) return true;
  std::ifstream in(path);
  if (!in) return false;
  *out = nlohmann::json::parse(in, nullptr, false);
  return !out->is_discarded();
}

}  // namespace

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("sandbox");
  CLI::App app{"bridgework-sandbox: CRM API emulators"};
  std::string crm, host = "127.0.0.1", port_file, plan = "growth", users_file,
                   fields_file;
  int port = 0, per_hour = 0;
  double time_scale = 1.0;
  bridgework::emulator::FreshsalesOptions options;
  app.add_option("--crm", crm, "the CRM to emulate (freshsales)")->required();
  app.add_option("--host", host, "address to listen on");
  app.add_option("--port", port, "port (0: any free port)");
  app.add_option("--port-file", port_file,
                 "write host:port here once listening");
  app.add_option("--token", options.token, "the API token the emulator accepts")
      ->envname("BRIDGEWORK_SANDBOX_TOKEN");
  app.add_option("--plan", plan, "plan: free, growth, pro, enterprise");
  app.add_option("--rate-limit-per-hour", per_hour,
                 "override the plan's hourly limit");
  app.add_option("--time-scale", time_scale, "the hour lasts 3600/X seconds");
  app.add_option("--users", users_file, "JSON array of users");
  app.add_option("--fields", fields_file,
                 "JSON object of custom fields per entity");
  CLI11_PARSE(app, argc, argv);
  if (crm != "freshsales") {
    std::cerr << "bridgework-sandbox: unknown --crm " << crm
              << " (supported: freshsales)\n";
    return 2;
  }
  if (options.token.empty()) {
    std::cerr
        << "bridgework-sandbox: give --token or BRIDGEWORK_SANDBOX_TOKEN\n";
    return 2;
  }
  static const std::map<std::string, int> kPlans = {
      {"free", 1000}, {"growth", 1000}, {"pro", 2000}, {"enterprise", 5000}};
  if (!kPlans.count(plan)) {
    std::cerr << "bridgework-sandbox: unknown --plan " << plan << "\n";
    return 2;
  }
  options.requests_per_hour = per_hour > 0 ? per_hour : kPlans.at(plan);
  options.time_scale = time_scale;
  if (!ReadJson(users_file, &options.users) ||
      !ReadJson(fields_file, &options.fields)) {
    std::cerr
        << "bridgework-sandbox: cannot read --users or --fields as JSON\n";
    return 2;
  }
  bridgework::emulator::FreshsalesEmulator emulator(options);
  httplib::Server server;
  emulator.Register(server);
  int bound = port == 0 ? server.bind_to_any_port(host)
                        : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::cerr << "bridgework-sandbox: cannot listen on " << host << ":" << port
              << "\n";
    return 1;
  }
  std::thread serving([&server] { server.listen_after_bind(); });
  std::string addr = host + ":" + std::to_string(bound);
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << addr << "\n";
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  bridgework::LogInfo("serving", {{"address", addr}, {"crm", crm}});
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  serving.join();
  bridgework::LogInfo("stopped");
  return 0;
}
