#include "libs/crm/budget_model.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bridgework::crm {
namespace {

struct PlanRow {
  int64_t pace = 0;        // capacity of the main pace limit
  int64_t oauth_pace = 0;  // Pipedrive OAuth apps
  int64_t multiplier = 0;  // Pipedrive daily budget multiplier
};

// docs/budget.md lists the sources of every number.
const std::map<std::string, std::map<std::string, PlanRow>>& Plans() {
  static const auto* kPlans =
      new std::map<std::string, std::map<std::string, PlanRow>>{
          {"freshsales",
           {{"free", {1000}},
            {"growth", {1000}},
            {"pro", {2000}},
            {"enterprise", {5000}}}},
          {"pipedrive",
           {{"lite", {20, 80, 1}},
            {"essential", {20, 80, 1}},
            {"growth", {40, 160, 2}},
            {"advanced", {40, 160, 2}},
            {"premium", {100, 400, 5}},
            {"professional", {100, 400, 5}},
            {"ultimate", {120, 480, 7}},
            {"enterprise", {120, 480, 7}}}},
          {"highlevel",
           {{"starter", {100}},
            {"unlimited", {100}},
            {"pro", {100}},
            {"agency", {100}}}},
      };
  return *kPlans;
}

v1::BudgetLimit Limit(const std::string& name, v1::BudgetLimit::Kind kind,
                      int64_t capacity, int64_t window_ms) {
  v1::BudgetLimit l;
  l.set_name(name);
  l.set_kind(kind);
  l.set_capacity(capacity);
  l.set_window_ms(window_ms);
  return l;
}

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

}  // namespace

std::vector<std::string> PlanNames(const std::string& crm) {
  std::vector<std::string> names;
  auto it = Plans().find(crm);
  if (it == Plans().end()) return names;
  for (const auto& [name, unused] : it->second) names.push_back(name);
  return names;
}

absl::StatusOr<v1::BudgetModel> PlanBudget(const std::string& crm,
                                           const std::string& plan,
                                           const BudgetOptions& options) {
  auto crm_it = Plans().find(crm);
  if (crm_it == Plans().end()) {
    std::vector<std::string> crms;
    for (const auto& [name, unused] : Plans()) crms.push_back(name);
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown CRM '", crm, "' (known: ", absl::StrJoin(crms, ", "), ")"));
  }
  auto it = crm_it->second.find(plan);
  if (it == crm_it->second.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown ", crm, " plan '", plan,
                     "' (known: ", absl::StrJoin(PlanNames(crm), ", "), ")"));
  }
  if (options.seats < 1) {
    return absl::InvalidArgumentError("seats must be at least 1");
  }
  if (!(options.time_scale > 0)) {
    return absl::InvalidArgumentError("the time scale must be positive");
  }
  const PlanRow& row = it->second;
  v1::BudgetModel model;
  model.set_time_scale(options.time_scale);
  model.set_safety(0.98);
  auto pace = [&options](int64_t plan_capacity) {
    return options.pace_capacity > 0 ? options.pace_capacity : plan_capacity;
  };
  auto daily = [&options](int64_t plan_capacity) {
    return options.daily_capacity >= 0 ? options.daily_capacity : plan_capacity;
  };
  if (crm == "freshsales") {
    *model.add_limits() = Limit("hourly", v1::BudgetLimit::KIND_PACE,
                                pace(row.pace), 3600 * 1000);
  } else if (crm == "pipedrive") {
    *model.add_limits() =
        Limit("burst", v1::BudgetLimit::KIND_PACE,
              pace(options.oauth ? row.oauth_pace : row.pace), 2000);
    v1::BudgetLimit search =
        Limit("search", v1::BudgetLimit::KIND_PACE, 10, 2000);
    search.set_search_only(true);
    *model.add_limits() = search;
    int64_t tokens = daily(30000 * row.multiplier * options.seats);
    if (tokens > 0) {
      v1::BudgetLimit d =
          Limit("daily", v1::BudgetLimit::KIND_QUOTA, tokens, kDayMs);
      d.set_in_tokens(true);
      *model.add_limits() = d;
    }
  } else {  // highlevel
    *model.add_limits() =
        Limit("burst", v1::BudgetLimit::KIND_PACE, pace(row.pace), 10000);
    int64_t requests = daily(200000);
    if (requests > 0) {
      *model.add_limits() =
          Limit("daily", v1::BudgetLimit::KIND_QUOTA, requests, kDayMs);
    }
  }
  return model;
}

double SustainedRate(const v1::BudgetModel& model) {
  double rate = 0;
  double scale = model.time_scale() > 0 ? model.time_scale() : 1;
  double safety = model.safety() > 0 ? model.safety() : 0.98;
  for (const v1::BudgetLimit& l : model.limits()) {
    if (l.kind() != v1::BudgetLimit::KIND_PACE || l.search_only() ||
        l.window_ms() <= 0) {
      continue;
    }
    double r = l.capacity() * safety * scale * 1000.0 / l.window_ms();
    rate = rate == 0 ? r : std::min(rate, r);
  }
  return rate;
}

}  // namespace bridgework::crm
