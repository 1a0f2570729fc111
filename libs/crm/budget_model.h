// The rate budget of a CRM account as each CRM documents it
// (docs/budget.md), as a bridgework.v1.BudgetModel: the limits the loader
// paces under and the budget authority enforces across replicas.
//
//   HighLevel   "burst": 100 requests per 10 s, rolling (pace);
//               "daily": 200,000 requests per day per location (quota).
//   Pipedrive   "burst": per token per 2 s by plan, Lite 20, Growth 40,
//               Premium 100, Ultimate 120 (OAuth apps 80/160/400/480);
//               "search": 10 per 2 s for search requests (pace);
//               "daily": 30,000 tokens x plan multiplier (1/2/5/7) x seats,
//               each request charged its x-token-cost (quota).
//   Freshsales  "hourly": 1,000 (Free, Growth), 2,000 (Pro) or 5,000
//               (Enterprise) requests per account per hour (pace).
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_CRM_BUDGET_MODEL_H_
#define BRIDGEWORK_LIBS_CRM_BUDGET_MODEL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bridgework/v1/budget.pb.h"

namespace bridgework::crm {

struct BudgetOptions {
  // Pipedrive: seats on the plan and whether the app uses OAuth.
  int seats = 1;
  bool oauth = false;
  // Windows last window / time_scale (emulators' --time-scale).
  double time_scale = 1;
  // Overrides of the plan's main pace limit: capacity per its window
  // (0 keeps the plan's), and of the daily quota (-1 keeps it, 0 removes
  // it).
  int64_t pace_capacity = 0;
  int64_t daily_capacity = -1;
};

// INVALID_ARGUMENT for an unknown CRM or plan (the message lists the known
// ones).
absl::StatusOr<v1::BudgetModel> PlanBudget(const std::string& crm,
                                           const std::string& plan,
                                           const BudgetOptions& options = {});

// The plans of a CRM, for messages and help.
std::vector<std::string> PlanNames(const std::string& crm);

// The sustained rate a model allows, requests per (real) second: the
// tightest pace limit that applies to every request, times the safety
// fraction.
double SustainedRate(const v1::BudgetModel& model);

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_BUDGET_MODEL_H_
