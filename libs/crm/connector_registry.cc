#include "libs/crm/connector_registry.h"

#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/crm/freshsales_connector.h"
#include "libs/crm/highlevel_connector.h"
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

// Plan tables (docs/connectors/*.md): Freshsales per hour; Pipedrive's
// API-token burst per 2 s; HighLevel 100 per 10 s on every plan.
const std::map<std::string, std::map<std::string, Pacing>>& PlanTable() {
  static const auto* kTable =
      new std::map<std::string, std::map<std::string, Pacing>>{
          {"freshsales",
           {{"free", {1000 / 3600.0, 10}},
            {"growth", {1000 / 3600.0, 10}},
            {"pro", {2000 / 3600.0, 10}},
            {"enterprise", {5000 / 3600.0, 10}}}},
          {"pipedrive",
           {{"lite", {20 / 2.0, 20}},
            {"essential", {20 / 2.0, 20}},
            {"growth", {40 / 2.0, 40}},
            {"advanced", {40 / 2.0, 40}},
            {"premium", {100 / 2.0, 100}},
            {"professional", {100 / 2.0, 100}},
            {"ultimate", {120 / 2.0, 120}},
            {"enterprise", {120 / 2.0, 120}}}},
          {"highlevel",
           {{"starter", {10, 100}},
            {"unlimited", {10, 100}},
            {"pro", {10, 100}},
            {"agency", {10, 100}}}},
      };
  return *kTable;
}

}  // namespace

absl::StatusOr<Pacing> PlanPacing(const std::string& crm,
                                  const std::string& plan) {
  auto crm_it = PlanTable().find(crm);
  if (crm_it == PlanTable().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown CRM '", crm,
                     "' (known: ", absl::StrJoin(ConnectorNames(), ", "), ")"));
  }
  auto it = crm_it->second.find(plan);
  if (it == crm_it->second.end()) {
    std::vector<std::string> plans;
    for (const auto& [name, unused] : crm_it->second) plans.push_back(name);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ", crm, " plan '", plan,
                     "' (known: ", absl::StrJoin(plans, ", "), ")"));
  }
  return it->second;
}

absl::StatusOr<std::unique_ptr<CrmConnector>> MakeConnector(
    const ConnectorConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock, Sleeper sleeper) {
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
  return it->second(config, pacing, std::move(http), std::move(clock),
                    std::move(sleeper));
}

std::vector<std::string> ConnectorNames() {
  std::vector<std::string> names;
  for (const auto& [name, unused] : Factories()) names.push_back(name);
  return names;
}

}  // namespace bridgework::crm
