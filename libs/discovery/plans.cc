#include "libs/discovery/plans.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/crm/connector_registry.h"

namespace bridgework::discovery {
namespace {

// Freshsales custom field limits per entity (contacts, accounts, deals,
// each custom module): crmsupport.freshworks.com article 50000002390.
struct FreshsalesFields {
  int64_t total;
  int64_t text, dropdown, textarea, multiselect, number, checkbox, date, lookup,
      formula;
};

const std::map<std::string, FreshsalesFields>& FreshsalesFieldTable() {
  static const auto* kTable = new std::map<std::string, FreshsalesFields>{
      {"free", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"growth", {150, 20, 30, 5, 5, 30, 30, 30, 0, 0}},
      {"pro", {250, 30, 40, 10, 10, 50, 50, 50, 10, 40}},
      {"enterprise", {630, 70, 250, 20, 30, 70, 70, 70, 50, 40}},
  };
  return *kTable;
}

// Pipedrive: plan -> {daily token multiplier, custom fields per company}.
// The older plan names map onto the current tiers as the loader's pacing
// does (essential = lite, advanced = growth, professional = premium,
// enterprise = ultimate), except that the old Enterprise plan had no
// custom field limit.
struct PipedrivePlan {
  int64_t multiplier;
  int64_t custom_fields;
};

const std::map<std::string, PipedrivePlan>& PipedriveTable() {
  static const auto* kTable = new std::map<std::string, PipedrivePlan>{
      {"lite", {1, 30}},      {"essential", {1, 30}},
      {"growth", {2, 100}},   {"advanced", {2, 100}},
      {"premium", {5, 300}},  {"professional", {5, 300}},
      {"ultimate", {7, 500}}, {"enterprise", {7, kUnlimited}},
  };
  return *kTable;
}

constexpr char kSrcDestinationApis[] = "shared/reference/destination-apis.md";

}  // namespace

std::string DefaultPlan(const std::string& crm) {
  if (crm == "highlevel") return "unlimited";
  return "growth";
}

absl::StatusOr<PlanLimits> LimitsFor(const std::string& crm,
                                     const std::string& plan, int seats) {
  // Unknown CRMs and plans are refused with the registry's message, which
  // lists the known ones.
  absl::StatusOr<crm::Pacing> pacing = crm::PlanPacing(crm, plan);
  if (!pacing.ok()) return pacing.status();
  if (seats < 1) return absl::InvalidArgumentError("seats must be at least 1");

  PlanLimits l;
  l.crm = crm;
  l.plan = plan;
  l.requests_per_hour = pacing->requests_per_second * 3600.0;

  if (crm == "freshsales") {
    l.rate_rule = absl::StrCat(static_cast<int64_t>(l.requests_per_hour + 0.5),
                               " requests per account per hour");
    const FreshsalesFields& f = FreshsalesFieldTable().at(plan);
    l.fields_per_entity = true;
    l.custom_fields = f.total;
    l.field_types = {{"text", f.text},         {"dropdown", f.dropdown},
                     {"textarea", f.textarea}, {"multiselect", f.multiselect},
                     {"number", f.number},     {"checkbox", f.checkbox},
                     {"date", f.date},         {"lookup", f.lookup},
                     {"formula", f.formula}};
    l.activity_fields_per_type = plan == "free" ? 0 : 5;
    if (plan == "free" || plan == "growth") {
      l.custom_objects = 0;
      l.pipelines = 1;
      l.pipelines_note =
          "only the default pipeline (rename it and its stages to match the "
          "map, or move to Pro)";
    } else {
      l.custom_objects = kUnknown;
      l.custom_objects_note =
          plan == "pro"
              ? "the seed write-up says Pro and Enterprise support custom "
                "modules, but Freshworks lists custom modules among the "
                "features lost when moving from Enterprise down to Pro: "
                "confirm with the account"
              : "custom modules come with Enterprise; Freshworks publishes "
                "no maximum count";
      l.pipelines = kUnlimited;
    }
    l.sources = {
        absl::StrCat(kSrcDestinationApis,
                     " §3.6 (Freshworks support articles 50000005599 and "
                     "223406): per account per hour, free and growth 1,000, "
                     "pro 2,000, enterprise 5,000"),
        "crmsupport.freshworks.com article 50000002390 (custom field "
        "limits): per entity, growth 150, pro 250, enterprise 630, with "
        "per-type limits; sales activities 5 per type",
        "crmsupport.freshworks.com article 50000002466 (features lost on "
        "downgrade): custom modules are an Enterprise feature there; "
        "multiple pipelines are lost going down to Growth",
        "seeds/000 (Practice by Numbers -> Freshsales), discovery step: "
        "Growth allows basic custom fields, Pro and Enterprise support "
        "custom modules",
    };
  } else if (crm == "pipedrive") {
    const PipedrivePlan& p = PipedriveTable().at(plan);
    const auto burst = static_cast<int64_t>(pacing->requests_per_second * 2);
    l.rate_rule = absl::StrCat(burst,
                               " requests per 2 seconds per API token; a "
                               "daily budget of 30,000 tokens x ",
                               p.multiplier, " x ", seats, " seat(s)");
    l.seats = seats;
    l.daily_tokens = 30000 * p.multiplier * seats;
    l.fields_per_entity = false;
    l.custom_fields = p.custom_fields;
    l.custom_objects = 0;
    l.custom_objects_note = "Pipedrive has no custom objects";
    l.pipelines = kUnknown;
    l.pipelines_note =
        "no published pipeline limit; the connector creates "
        "missing pipelines and stages";
    l.sources = {
        absl::StrCat(kSrcDestinationApis,
                     " §2.6 (pipedrive.readme.io core-api-concepts-rate-"
                     "limiting): burst per token per 2 s lite 20, growth 40, "
                     "premium 100, ultimate 120; daily budget 30,000 x "
                     "multiplier (1, 2, 5, 7) x seats; token costs per "
                     "operation from the official OpenAPI x-token-cost"),
        "support.pipedrive.com 'Usage limits in Pipedrive': custom fields "
        "per company lite 30, growth 100, premium 300, ultimate 500 (old "
        "plans essential 30, advanced 100, professional 300, enterprise "
        "unlimited)",
        absl::StrCat(kSrcDestinationApis,
                     " §2.2: persons, organizations, deals, activities, "
                     "leads, notes, files, products; no custom objects"),
    };
  } else {  // highlevel
    l.rate_rule =
        "100 requests per 10 seconds and 200,000 per day, per location";
    l.daily_requests = 200000;
    l.fields_per_entity = false;
    l.custom_fields = kUnknown;
    l.custom_objects = 10;
    l.pipelines = kUnknown;
    l.pipelines_note =
        "no published pipeline limit; pipelines are created "
        "by an admin (the API cannot)";
    l.sources = {
        absl::StrCat(kSrcDestinationApis,
                     " §1.6 (marketplace.gohighlevel.com rate limits): 100 "
                     "requests per 10 s burst and 200,000 per day, per app "
                     "per location"),
        "seeds/002 (Practice by Numbers -> HighLevel), gotchas: 100 "
        "requests per 10 seconds per sub-account caps bulk migration",
        "help.gohighlevel.com article 155000006631 (October 2025): every "
        "plan may create 10 custom objects per location",
        "no published limit on custom fields was found",
    };
  }
  return l;
}

}  // namespace bridgework::discovery
