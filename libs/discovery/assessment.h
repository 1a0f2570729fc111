// Readiness and the estimate: what a map needs of the destination
// (custom fields, custom objects, pipelines) against what the plan allows,
// and how many requests the migration sends and how long the plan's rate
// limits make it take. Offline: nothing here talks to a CRM.
//
// The estimate is rule-based; every rule it applies is returned as text
// so the report can print it (docs/discovery.md "Estimator").
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_DISCOVERY_ASSESSMENT_H_
#define BRIDGEWORK_LIBS_DISCOVERY_ASSESSMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/discovery/plans.h"
#include "libs/discovery/profiler.h"
#include "libs/mapping/map.h"

namespace bridgework::discovery {

struct ReadinessItem {
  // "custom fields on contacts", "text custom fields on contacts",
  // "custom fields (account total)", "custom objects", "pipelines".
  std::string what;
  int64_t needed = 0;
  int64_t allowed = kUnknown;  // or kUnlimited
  // "ok" (within the allowance), "over" (the plan does not allow it) or
  // "check" (no published number: confirm with the account).
  std::string status;
  std::string note;
};

struct Readiness {
  std::string crm;
  std::string plan;
  bool have_map = false;
  std::vector<ReadinessItem> items;
  // Items over the allowance.
  int over() const;
  int to_check() const;
};

// What `map` needs versus `limits`. With no map, no items. The counts are
// what the map declares; fields the account already uses count against
// the same allowance and are not known offline (the report says so).
Readiness AssessReadiness(const PlanLimits& limits, const mapping::Map* map);

// How one target object of a CRM is written (docs/discovery.md).
struct TargetCost {
  // Requests per record created one by one.
  int64_t per_record = 1;
  // > 0: records go through a bulk upsert of this many per request.
  int64_t bulk_size = 0;
  // Requests per bulk call (the upsert and its job-status poll).
  int64_t per_bulk_call = 0;
  // Pipedrive tokens per request (x-token-cost); 1 elsewhere.
  int64_t tokens = 1;
  // A lookup (the destination field) whose value costs one more request
  // per record that has it (HighLevel links a contact to its business
  // and a custom object record to its contact apart).
  std::string linked_by;
  // The rule as printed.
  std::string rule;
};
TargetCost CostOf(const std::string& crm, const std::string& target);

struct RouteEstimate {
  std::string source_object;
  // The route id, or several joined by " | " when an object's records are
  // shared among routes.
  std::string route;
  std::string target;
  // "load", "into" (written onto another record), "reference",
  // "not_migrated", "unmapped" (no map: one create per record assumed).
  std::string kind;
  int64_t records = 0;
  int64_t requests = 0;
  int64_t tokens = 0;
  std::string rule;
};

struct Estimate {
  std::string crm;
  std::string plan;
  std::vector<RouteEstimate> routes;
  // Schema preparation and owner matching, before any record.
  int64_t setup_requests = 0;
  int64_t setup_tokens = 0;
  int64_t records = 0;   // source records read
  int64_t requests = 0;  // setup included
  int64_t tokens = 0;    // Pipedrive only; else equal to requests
  // The least wall time: a run started at a UTC midnight, at the plan's
  // full rate until a daily budget is spent, then waiting for the next
  // midnight (the budget authority's model; docs/budget.md).
  double hours = 0;
  double days = 0;
  // Calendar days (UTC) that least wall time touches.
  int days_spanned = 1;
  // The limit that sets the wall time: "rate" (the burst window),
  // "daily requests" or "daily tokens".
  std::string binding;
  // Every rule applied, in words.
  std::vector<std::string> rules;
  std::vector<std::string> notes;
};

// When a run of `requests` (charged `tokens`) started at `start` ends if it
// goes at `fraction` of the plan's rate until a daily budget (requests or
// tokens) is spent and then waits for the next UTC midnight, as the loader's
// budget authority paces it.
struct Schedule {
  absl::Time finish;
  double hours = 0;
  // Calendar days (UTC) the run touches.
  int days = 1;
  // What forced a wait for the next day: "daily requests", "daily tokens",
  // or "" (none: the rate alone set the time).
  std::string binding;
};
Schedule ScheduleRun(int64_t requests, int64_t tokens, const PlanLimits& limits,
                     absl::Time start, double fraction);

// Requests and wall time for migrating `profile`'s records to `limits`'
// CRM with `map` (nullptr: no map, one create per record of every
// object).
Estimate EstimateMigration(const Profile& profile, const PlanLimits& limits,
                           const mapping::Map* map);

}  // namespace bridgework::discovery

#endif  // BRIDGEWORK_LIBS_DISCOVERY_ASSESSMENT_H_
