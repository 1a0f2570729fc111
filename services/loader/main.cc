// bridgework-loader: writes target records into one CRM account.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/budget/budget_pacer.h"
#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "libs/crm/budget_model.h"
#include "libs/crm/connector_registry.h"
#include "libs/crm/null_connector.h"
#include "services/loader/loader_metrics.h"
#include "services/loader/loader_service.h"

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("loader");
  CLI::App app{"bridgework-loader: loads target records into one CRM account"};
  bridgework::ServerOptions server;
  std::string auditor, crm = "freshsales", crm_url,
                       token_env = "BRIDGEWORK_CRM_TOKEN", token_file,
                       plan = "growth", location_id, company_id;
  int per_hour = 0, burst = 0;
  std::string log_level = "info";
  bridgework::AddServerFlags(app, server, log_level);
  app.add_option("--auditor", auditor, "auditor address host:port")
      ->envname("BRIDGEWORK_AUDITOR")
      ->required();
  std::vector<std::string> crms = bridgework::crm::ConnectorNames();
  crms.push_back(bridgework::crm::kNullCrm);
  app.add_option("--crm", crm,
                 "the CRM this loader serves; 'null' encodes each request "
                 "body as for Freshsales and discards it (benchmarks; "
                 "--crm-url null:<user email>,...)")
      ->envname("BRIDGEWORK_CRM")
      ->check(CLI::IsMember(crms));
  app.add_option("--crm-url", crm_url,
                 "CRM API base URL (Freshsales: .../crm/sales/api; Pipedrive: "
                 "https://<company>.pipedrive.com; HighLevel: "
                 "https://services.leadconnectorhq.com)")
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
                 "override the plan's pacing (requests per hour)")
      ->envname("BRIDGEWORK_REQUESTS_PER_HOUR");
  app.add_option("--burst", burst,
                 "requests allowed back to back before pacing (0: the plan's)");
  std::string budget = "auditor", replica;
  double time_scale = 1;
  int seats = 1;
  int64_t daily_budget = -1;
  bool oauth = false;
  app.add_option("--budget", budget,
                 "the rate budget authority shared by every loader replica of "
                 "the account: an address, 'auditor' (the --auditor address) "
                 "or 'local' (this process alone)")
      ->envname("BRIDGEWORK_BUDGET");
  app.add_option("--replica", replica,
                 "this replica's name in budget usage (default: POD_NAME or "
                 "host:pid)")
      ->envname("POD_NAME");
  app.add_option("--budget-time-scale", time_scale,
                 "divide the CRM's rate windows by this (emulators with "
                 "--time-scale)")
      ->envname("BRIDGEWORK_BUDGET_TIME_SCALE")
      ->check(CLI::PositiveNumber);
  app.add_option("--seats", seats, "Pipedrive: seats on the plan")
      ->check(CLI::PositiveNumber);
  app.add_flag("--oauth", oauth, "Pipedrive: the token is an OAuth app's");
  app.add_option("--daily-budget", daily_budget,
                 "override the daily budget (requests; Pipedrive: tokens); 0 "
                 "for none")
      ->envname("BRIDGEWORK_DAILY_BUDGET");
  app.add_option("--location-id", location_id,
                 "HighLevel: the sub-account every call is scoped to")
      ->envname("BRIDGEWORK_CRM_LOCATION_ID");
  app.add_option("--company-id", company_id,
                 "HighLevel: the agency id (for users search)")
      ->envname("BRIDGEWORK_CRM_COMPANY_ID");
  CLI11_PARSE(app, argc, argv);
  bridgework::SetLogLevelByName(log_level);
  if (absl::Status tls = bridgework::UseTransportSecurity(
          server.tls, bridgework::SecurityRole::kServer);
      !tls.ok()) {
    std::cerr << "bridgework-loader: " << tls.message() << "\n";
    return 2;
  }

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
  if (token.empty() && crm != bridgework::crm::kNullCrm) {
    std::cerr << "bridgework-loader: no CRM token: set " << token_env
              << " or --crm-token-file\n";
    return 2;
  }
  auto metrics = std::make_shared<bridgework::metrics::Metrics>("loader");
  server.metrics = metrics;
  // The null destination stands in for a Freshsales account and sends
  // nothing: no budget, no pacing.
  const bool null_crm = crm == bridgework::crm::kNullCrm;
  const std::string serves = null_crm ? bridgework::crm::kNullServes : crm;
  bridgework::crm::ConnectorConfig config;
  config.crm = crm;
  config.base_url = crm_url;
  config.token = token;
  config.plan = plan;
  config.location_id = location_id;
  config.company_id = company_id;
  config.requests_per_second = per_hour > 0 ? per_hour / 3600.0 : 0;
  config.burst = burst;
  bridgework::crm::BudgetOptions budget_options;
  budget_options.seats = seats;
  budget_options.oauth = oauth;
  budget_options.time_scale = time_scale;
  budget_options.daily_capacity = daily_budget;
  absl::StatusOr<bridgework::v1::BudgetModel> model =
      bridgework::crm::PlanBudget(serves, plan, budget_options);
  if (!model.ok()) {
    std::cerr << "bridgework-loader: " << model.status().message() << "\n";
    return 2;
  }
  if (per_hour > 0) {
    // The same rate in the window of the plan's main pace limit.
    bridgework::v1::BudgetLimit* main_limit = model->mutable_limits(0);
    main_limit->set_capacity(std::max<int64_t>(
        1, static_cast<int64_t>(per_hour) * main_limit->window_ms() / 3600000));
  }
  if (null_crm) {
    // No pacer.
  } else if (budget == "local") {
    // This process alone: evenly paced at the model's sustained rate.
    config.pacer = std::make_shared<bridgework::crm::Pacer>(
        bridgework::crm::SustainedRate(*model), burst > 0 ? burst : 1,
        bridgework::crm::SystemClock(), bridgework::crm::SystemSleeper());
  } else {
    bridgework::budget::BudgetPacerOptions pacer_options;
    pacer_options.account =
        bridgework::budget::BudgetAccountKey(crm, crm_url, location_id);
    if (replica.empty()) {
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      replica = absl::StrCat(host, ":", getpid());
    }
    pacer_options.replica = replica;
    pacer_options.model = *model;
    // One pacer for every stream this loader serves, leasing from the one
    // authority every replica of the account shares.
    config.pacer = std::make_shared<bridgework::budget::BudgetPacer>(
        std::shared_ptr<bridgework::budget::BudgetClient>(
            bridgework::budget::MakeGrpcBudgetClient(
                budget == "auditor" ? auditor : budget)),
        std::move(pacer_options));
  }
  // Every request's wait for its budget slot is measured (the null
  // destination has no pacer).
  if (config.pacer != nullptr) {
    config.pacer = std::make_shared<bridgework::loader::MeteredPacer>(
        std::move(config.pacer), crm, metrics.get());
  }
  {
    // Fail fast on a config the CRM cannot use.
    auto probe = bridgework::crm::MakeConnector(
        config, bridgework::crm::MakeCurlHttpClient());
    if (!probe.ok()) {
      std::cerr << "bridgework-loader: " << probe.status().message() << "\n";
      return 2;
    }
  }
  auto factory = [config, crm, metrics = metrics.get()] {
    return std::move(
               bridgework::crm::MakeConnector(
                   config,
                   std::make_unique<bridgework::loader::MeteredHttpClient>(
                       bridgework::crm::MakeCurlHttpClient(), crm, metrics)))
        .value();
  };
  std::shared_ptr<bridgework::AuditorClient> auditor_client =
      bridgework::MakeGrpcAuditorClient(auditor);
  bridgework::loader::LoaderService service(serves, factory, auditor_client,
                                            metrics.get());
  absl::Status s = bridgework::ServeUntilSignal(server, {&service});
  if (!s.ok()) {
    std::cerr << "bridgework-loader: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
