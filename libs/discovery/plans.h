// What each CRM plan allows: its API rate limits and the custom fields,
// custom objects and pipelines it lets an account have. docs/discovery.md
// "Plan tables" lists every number with its source; each PlanLimits also
// carries its sources so the report can print them.
//
// The rates are the loader's own pacing (crm::PlanPacing), so the estimate
// and a real run agree.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_DISCOVERY_PLANS_H_
#define BRIDGEWORK_LIBS_DISCOVERY_PLANS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace bridgework::discovery {

// A limit with no ceiling.
inline constexpr int64_t kUnlimited = -1;
// A limit no source publishes (or the sources disagree).
inline constexpr int64_t kUnknown = -2;

struct TypeLimit {
  std::string type;  // the map's custom field type ("text", "dropdown", ...)
  int64_t max = kUnknown;
};

struct PlanLimits {
  std::string crm;   // "freshsales", "pipedrive", "highlevel"
  std::string plan;  // as given ("growth")

  // Rate limits. The sustained request rate the loader paces at (the burst
  // window spread evenly), per hour.
  double requests_per_hour = 0;
  std::string rate_rule;  // "1,000 requests per account per hour"
  // A daily request cap (HighLevel: 200,000 per location); 0 for none.
  int64_t daily_requests = 0;
  // A daily token budget (Pipedrive: 30,000 x plan multiplier x seats),
  // charged per request by its token cost; 0 for none.
  int64_t daily_tokens = 0;
  int seats = 1;  // Pipedrive: seats the budget was computed for

  // Custom fields: per entity (Freshsales counts contacts, accounts,
  // deals and each custom module apart) or per account (Pipedrive counts
  // the company's custom fields together).
  bool fields_per_entity = false;
  int64_t custom_fields = kUnknown;
  // Per type and entity (Freshsales), when the plan caps types apart.
  std::vector<TypeLimit> field_types;
  // Freshsales sales activities: at most this many custom fields of each
  // type, whatever the plan (0 on the free plan).
  int64_t activity_fields_per_type = kUnknown;
  // Custom objects (HighLevel) or custom modules (Freshsales).
  int64_t custom_objects = kUnknown;
  // Why custom_objects is kUnknown or needs checking, when it does.
  std::string custom_objects_note;
  // Sales pipelines.
  int64_t pipelines = kUnknown;
  std::string pipelines_note;

  // Where the numbers come from, one line each.
  std::vector<std::string> sources;
};

// The limits of `plan` on `crm`. `seats` (>= 1) scales Pipedrive's daily
// token budget. INVALID_ARGUMENT for an unknown CRM or plan, listing the
// known ones.
absl::StatusOr<PlanLimits> LimitsFor(const std::string& crm,
                                     const std::string& plan, int seats = 1);

// The plan assumed when none is given: the one the examples use
// (freshsales "growth", pipedrive "growth", highlevel "unlimited").
std::string DefaultPlan(const std::string& crm);

}  // namespace bridgework::discovery

#endif  // BRIDGEWORK_LIBS_DISCOVERY_PLANS_H_
