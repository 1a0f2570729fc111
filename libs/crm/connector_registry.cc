#include "libs/crm/connector_registry.h"

#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/crm/budget_model.h"
#include "libs/crm/freshsales_connector.h"
#include "libs/crm/guarded_connector.h"
#include "libs/crm/highlevel_connector.h"
#include "libs/crm/null_connector.h"
#include "libs/crm/pipedrive_connector.h"

namespace bridgework::crm {
namespace {

using Factory = std::function<absl::StatusOr<std::unique_ptr<CrmConnector>>(
    const ConnectorConfig&, const Pacing&, std::unique_ptr<HttpClient>, Clock,
    Sleeper)>;

absl::StatusOr<std::unique_ptr<CrmConnector>> MakeFreshsales(
    const ConnectorConfig& c, const Pacing& pacing,
    std::unique_ptr<HttpClient> http, Clock clock, Sleeper sleeper) {
  FreshsalesConfig f;
  f.base_url = c.base_url;
  f.token = c.token;
  f.requests_per_hour = static_cast<int>(pacing.requests_per_second * 3600);
  f.burst = pacing.burst;
  f.pacer = c.pacer;
  return MakeFreshsalesConnector(f, std::move(http), std::move(clock),
                                 std::move(sleeper));
}

absl::StatusOr<std::unique_ptr<CrmConnector>> MakePipedrive(
    const ConnectorConfig& c, const Pacing& pacing,
    std::unique_ptr<HttpClient> http, Clock clock, Sleeper sleeper) {
  PipedriveConfig p;
  p.base_url = c.base_url;
  p.token = c.token;
  // Pipedrive's limit is a burst per 2-second window.
  p.burst_per_2s = pacing.burst;
  p.requests_per_second = pacing.requests_per_second;
  p.pacer = c.pacer;
  return MakePipedriveConnector(p, std::move(http), std::move(clock),
                                std::move(sleeper));
}

absl::StatusOr<std::unique_ptr<CrmConnector>> MakeHighLevel(
    const ConnectorConfig& c, const Pacing& pacing,
    std::unique_ptr<HttpClient> http, Clock clock, Sleeper sleeper) {
  if (c.location_id.empty()) {
    return absl::InvalidArgumentError(
        "HighLevel needs the location id (destination.location_id)");
  }
  HighLevelConfig h;
  h.base_url = c.base_url;
  h.token = c.token;
  h.location_id = c.location_id;
  h.company_id = c.company_id;
  // HighLevel's limit is a burst per 10-second window.
  h.burst_per_10s =
      std::max(1, static_cast<int>(pacing.requests_per_second * 10));
  h.pacer = c.pacer;
  return MakeHighLevelConnector(h, std::move(http), std::move(clock),
                                std::move(sleeper));
}

const std::map<std::string, Factory>& Factories() {
  static const auto* kFactories = new std::map<std::string, Factory>{
      {"freshsales", MakeFreshsales},
      {"pipedrive", MakePipedrive},
      {"highlevel", MakeHighLevel},
  };
  return *kFactories;
}

}  // namespace

absl::StatusOr<Pacing> PlanPacing(const std::string& crm,
                                  const std::string& plan) {
  if (Factories().find(crm) == Factories().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown CRM '", crm,
                     "' (known: ", absl::StrJoin(ConnectorNames(), ", "), ")"));
  }
  BW_ASSIGN_OR_RETURN(v1::BudgetModel model, PlanBudget(crm, plan));
  // The plan's own rate, without the authority's safety margin; requests
  // go one at a time, evenly spaced (burst 1), never in bursts.
  model.set_safety(1);
  return Pacing{SustainedRate(model), 1};
}

absl::StatusOr<std::unique_ptr<CrmConnector>> MakeConnector(
    const ConnectorConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock, Sleeper sleeper) {
  // The null destination sends nothing, so it has no plan and no pacing.
  if (config.crm == kNullCrm) return MakeNullConnector(config.base_url);
  auto it = Factories().find(config.crm);
  if (it == Factories().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown CRM '", config.crm,
                     "' (known: ", absl::StrJoin(ConnectorNames(), ", "), ")"));
  }
  Pacing pacing;
  if (config.requests_per_second <= 0 || config.burst <= 0) {
    absl::StatusOr<Pacing> plan = PlanPacing(config.crm, config.plan);
    if (!plan.ok()) return plan.status();
    pacing = *plan;
  }
  if (config.requests_per_second > 0)
    pacing.requests_per_second = config.requests_per_second;
  if (config.burst > 0) pacing.burst = config.burst;
  BW_ASSIGN_OR_RETURN(std::unique_ptr<CrmConnector> connector,
                      it->second(config, pacing, std::move(http),
                                 std::move(clock), std::move(sleeper)));
  return GuardResponses(std::move(connector), config.crm);
}

std::vector<std::string> ConnectorNames() {
  std::vector<std::string> names;
  for (const auto& [name, unused] : Factories()) names.push_back(name);
  return names;
}

}  // namespace bridgework::crm
