// bridgework-loader: writes target records into one CRM account.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "libs/auditor_client/auditor_client.h"
#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "libs/crm/freshsales_connector.h"
#include "services/loader/loader_service.h"

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("loader");
  CLI::App app{"bridgework-loader: loads target records into one CRM account"};
  bridgework::ServerOptions server;
  std::string auditor, crm = "freshsales", crm_url,
                       token_env = "BRIDGEWORK_CRM_TOKEN", token_file,
                       plan = "growth";
  int per_hour = 0, burst = 10;
  std::string log_level = "info";
  bridgework::AddServerFlags(app, server, log_level);
  app.add_option("--auditor", auditor, "auditor address host:port")
      ->envname("BRIDGEWORK_AUDITOR")
      ->required();
  app.add_option("--crm", crm, "the CRM this loader serves")
      ->envname("BRIDGEWORK_CRM")
      ->check(CLI::IsMember({"freshsales"}));
  app.add_option("--crm-url", crm_url,
                 "CRM API base URL (Freshsales: .../crm/sales/api)")
      ->envname("BRIDGEWORK_CRM_URL")
      ->required();
  app.add_option("--crm-token-env", token_env,
                 "environment variable holding the CRM token");
  app.add_option("--crm-token-file", token_file,
                 "file holding the CRM token (a mounted secret)")
      ->envname("BRIDGEWORK_CRM_TOKEN_FILE");
  app.add_option("--plan", plan, "CRM plan; sets the request budget")
      ->envname("BRIDGEWORK_CRM_PLAN");
  app.add_option("--requests-per-hour", per_hour,
                 "override the plan's hourly budget")
      ->envname("BRIDGEWORK_REQUESTS_PER_HOUR");
  app.add_option("--burst", burst,
                 "requests allowed back to back before pacing");
  CLI11_PARSE(app, argc, argv);
  bridgework::SetLogLevelByName(log_level);

  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      std::cerr << "bridgework-loader: cannot read --crm-token-file "
                << token_file << "\n";
      return 2;
    }
    std::getline(in, token);
  } else if (const char* t = std::getenv(token_env.c_str())) {
    token = t;
  }
  if (token.empty()) {
    std::cerr << "bridgework-loader: no CRM token: set " << token_env
              << " or --crm-token-file\n";
    return 2;
  }
  int budget =
      per_hour > 0 ? per_hour : bridgework::crm::FreshsalesPlanBudget(plan);
  if (budget <= 0) {
    std::cerr << "bridgework-loader: unknown --plan " << plan
              << " (free, growth, pro, enterprise)\n";
    return 2;
  }
  bridgework::crm::FreshsalesConfig config;
  config.base_url = crm_url;
  config.token = token;
  config.requests_per_hour = budget;
  config.burst = burst;
  config.pacer = std::make_shared<bridgework::crm::Pacer>(
      budget / 3600.0, burst, bridgework::crm::SystemClock(),
      bridgework::crm::SystemSleeper());
  auto factory = [config] {
    return bridgework::crm::MakeFreshsalesConnector(
        config, bridgework::crm::MakeCurlHttpClient());
  };
  std::shared_ptr<bridgework::AuditorClient> auditor_client =
      bridgework::MakeGrpcAuditorClient(auditor);
  bridgework::loader::LoaderService service(crm, factory, auditor_client);
  absl::Status s = bridgework::ServeUntilSignal(server, {&service});
  if (!s.ok()) {
    std::cerr << "bridgework-loader: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
