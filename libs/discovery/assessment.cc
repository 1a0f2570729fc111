#include "libs/discovery/assessment.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bridgework::discovery {
namespace {

constexpr char kCustomObjectPrefix[] = "custom_object:";

std::string Status(int64_t needed, int64_t allowed) {
  if (needed == 0 || allowed == kUnlimited) return "ok";
  if (allowed == kUnknown) return "check";
  return needed <= allowed ? "ok" : "over";
}

ReadinessItem Item(std::string what, int64_t needed, int64_t allowed,
                   std::string note = "") {
  ReadinessItem i;
  i.what = std::move(what);
  i.needed = needed;
  i.allowed = allowed;
  i.status = Status(needed, allowed);
  i.note = std::move(note);
  return i;
}

// The Freshsales field type a map type counts against ("phone" and "email"
// fields are text fields there); "" when the map type has no cap of its
// own.
std::string FreshsalesType(const std::string& map_type) {
  if (map_type == "text" || map_type == "phone" || map_type == "email" ||
      map_type == "url") {
    return "text";
  }
  if (map_type == "radio") return "dropdown";
  if (map_type == "multi_select") return "multiselect";
  if (map_type == "datetime") return "date";
  return map_type;
}

int64_t FilledOr(const ObjectProfile* object, const std::string& field,
                 int64_t fallback) {
  if (object == nullptr) return fallback;
  const FieldProfile* f = object->Field(field);
  return f == nullptr ? fallback : f->filled;
}

int64_t CeilDiv(int64_t a, int64_t b) { return b <= 0 ? 0 : (a + b - 1) / b; }

}  // namespace

int Readiness::over() const {
  int n = 0;
  for (const auto& i : items) n += i.status == "over";
  return n;
}

int Readiness::to_check() const {
  int n = 0;
  for (const auto& i : items) n += i.status == "check";
  return n;
}

Readiness AssessReadiness(const PlanLimits& limits, const mapping::Map* map) {
  Readiness r;
  r.crm = limits.crm;
  r.plan = limits.plan;
  if (map == nullptr) return r;
  r.have_map = true;

  // Custom fields, by entity (and type) or for the whole account.
  std::map<std::string, std::map<std::string, int64_t>> by_entity;
  for (const auto& f : map->custom_fields) ++by_entity[f.entity][f.type];
  const bool freshsales = limits.crm == "freshsales";
  if (limits.fields_per_entity) {
    for (const auto& [entity, types] : by_entity) {
      int64_t total = 0;
      std::map<std::string, int64_t> by_type;
      for (const auto& [type, n] : types) {
        total += n;
        by_type[freshsales ? FreshsalesType(type) : type] += n;
      }
      if (freshsales && entity == "sales_activities") {
        for (const auto& [type, n] : by_type) {
          r.items.push_back(Item(
              absl::StrCat(type, " custom fields on sales_activities"), n,
              limits.activity_fields_per_type,
              "Freshsales allows a few custom fields of each type on sales "
              "activities"));
        }
        continue;
      }
      r.items.push_back(
          Item(absl::StrCat("custom fields on ", entity), total,
               limits.custom_fields,
               "fields the account already has count against the same "
               "allowance"));
      for (const auto& [type, n] : by_type) {
        auto it =
            std::find_if(limits.field_types.begin(), limits.field_types.end(),
                         [&](const TypeLimit& t) { return t.type == type; });
        if (it == limits.field_types.end()) continue;
        r.items.push_back(
            Item(absl::StrCat(type, " custom fields on ", entity), n, it->max));
      }
    }
  } else {
    int64_t total = 0;
    std::vector<std::string> parts;
    for (const auto& [entity, types] : by_entity) {
      int64_t n = 0;
      for (const auto& [type, count] : types) n += count;
      total += n;
      parts.push_back(absl::StrCat(entity, " ", n));
    }
    std::string note = absl::StrCat(
        parts.empty() ? "none" : absl::StrJoin(parts, ", "),
        "; fields the account already has count against the same allowance");
    if (limits.custom_fields == kUnknown) {
      note = absl::StrCat(note, "; no published limit");
    }
    r.items.push_back(Item("custom fields (account total)", total,
                           limits.custom_fields, std::move(note)));
  }

  r.items.push_back(
      Item(limits.crm == "freshsales" ? "custom modules" : "custom objects",
           static_cast<int64_t>(map->custom_objects.size()),
           limits.custom_objects, limits.custom_objects_note));
  r.items.push_back(Item("pipelines",
                         static_cast<int64_t>(map->pipelines.size()),
                         limits.pipelines, limits.pipelines_note));
  return r;
}

TargetCost CostOf(const std::string& crm, const std::string& target) {
  TargetCost c;
  if (crm == "freshsales") {
    if (target == "contact" || target == "sales_account" || target == "deal") {
      c.bulk_size = 100;
      c.per_bulk_call = 2;
      c.rule =
          "bulk_upsert: 100 records per request plus one job-status "
          "poll (2 requests per 100 records)";
    } else if (target == "list") {
      c.per_record = 2;
      c.rule = "create the list, then add its contacts (2 per list)";
    } else {
      c.rule = "one create per record";
    }
  } else if (crm == "pipedrive") {
    const bool v1 = target == "lead" || target == "note" || target == "file";
    c.tokens = v1 ? 10 : 5;
    c.rule = absl::StrCat("one create per record (", v1 ? "v1" : "v2", ", ",
                          c.tokens, " tokens)");
  } else {  // highlevel
    if (target == "contact") {
      c.linked_by = "businessId";
      c.rule =
          "one create per record, plus one link per contact with a "
          "business";
    } else if (absl::StartsWith(target, kCustomObjectPrefix)) {
      c.linked_by = "contactId";
      c.rule =
          "one create per record, plus one association per record "
          "linked to a contact";
    } else {
      c.rule = "one create per record";
    }
  }
  return c;
}

Schedule ScheduleRun(int64_t requests, int64_t tokens, const PlanLimits& limits,
                     absl::Time start, double fraction) {
  Schedule out;
  out.finish = start;
  const double rate = limits.requests_per_hour * fraction / 3600.0;  // per s
  if (requests <= 0 || rate <= 0) return out;
  const double per_request =
      tokens > 0 ? static_cast<double>(tokens) / requests : 1.0;
  // Requests a day's budget allows (the tighter of the two).
  double daily = 0;
  std::string daily_kind;
  if (limits.daily_requests > 0) {
    daily = static_cast<double>(limits.daily_requests);
    daily_kind = "daily requests";
  }
  if (limits.daily_tokens > 0) {
    double by_tokens = limits.daily_tokens / per_request;
    if (daily == 0 || by_tokens < daily) {
      daily = by_tokens;
      daily_kind = "daily tokens";
    }
  }
  double left = static_cast<double>(requests);
  absl::Time t = start;
  const absl::TimeZone utc = absl::UTCTimeZone();
  while (left > 0) {
    absl::Time midnight = absl::FromCivil(absl::ToCivilDay(t, utc) + 1, utc);
    double by_time = absl::ToDoubleSeconds(midnight - t) * rate;
    double today = daily > 0 ? std::min(daily, by_time) : by_time;
    if (left <= today) {
      t += absl::Seconds(left / rate);
      break;
    }
    left -= today;
    if (daily > 0 && today >= daily) out.binding = daily_kind;
    t = midnight;
    ++out.days;
  }
  out.finish = t;
  out.hours = absl::ToDoubleHours(t - start);
  return out;
}

Estimate EstimateMigration(const Profile& profile, const PlanLimits& limits,
                           const mapping::Map* map) {
  Estimate e;
  e.crm = limits.crm;
  e.plan = limits.plan;
  const std::string& crm = limits.crm;
  const bool pipedrive = crm == "pipedrive";

  for (const ObjectProfile& o : profile.objects) {
    e.records += o.records;
    RouteEstimate row;
    row.source_object = o.object;
    row.records = o.records;
    if (map == nullptr) {
      row.kind = "unmapped";
      row.requests = o.records;
      row.tokens = o.records * (pipedrive ? 5 : 1);
      row.rule = "no map: one create per record assumed";
      e.routes.push_back(std::move(row));
      continue;
    }
    std::vector<const mapping::ObjectRoute*> routes = map->RoutesOf(o.object);
    std::vector<const mapping::ObjectRoute*> direct, into;
    const mapping::ObjectRoute* other = nullptr;
    for (const auto* r : routes) {
      if (r->kind != mapping::ObjectRoute::Kind::kLoad) {
        other = r;
      } else if (r->into.has_value()) {
        into.push_back(r);
      } else {
        direct.push_back(r);
      }
    }
    if (direct.empty()) {
      if (!into.empty()) {
        row.kind = "into";
        row.route = into.front()->id;
        row.target = absl::StrCat("onto ", into.front()->into->object);
        row.rule =
            "written onto the record of another object: no request "
            "of its own";
      } else if (other != nullptr) {
        row.kind = other->kind == mapping::ObjectRoute::Kind::kReference
                       ? "reference"
                       : "not_migrated";
        row.route = other->id;
        row.rule = other->reason.empty() ? "not loaded" : other->reason;
      } else {
        row.kind = "not_mapped";
        row.rule = "the map has no route for this object: not loaded";
      }
      e.routes.push_back(std::move(row));
      continue;
    }
    // Each record takes at most one of the direct routes; it is counted at
    // the costliest.
    std::vector<std::string> ids, targets;
    const mapping::ObjectRoute* costliest = nullptr;
    int64_t best_requests = -1, best_tokens = 0;
    std::string best_rule;
    for (const auto* r : direct) {
      ids.push_back(r->id);
      if (std::find(targets.begin(), targets.end(), r->target) ==
          targets.end()) {
        targets.push_back(r->target);
      }
      const TargetCost cost = CostOf(crm, r->target);
      int64_t requests =
          cost.bulk_size > 0
              ? CeilDiv(o.records, cost.bulk_size) * cost.per_bulk_call
              : o.records * cost.per_record;
      std::vector<std::string> extras;
      for (const auto& l : r->lookups) {
        if (!cost.linked_by.empty() && l.to == cost.linked_by) {
          const int64_t n = FilledOr(&o, l.from, o.records);
          requests += n;
          extras.push_back(absl::StrCat(n, " with ", l.to));
        }
        if (l.deferrable) {
          const int64_t n = FilledOr(&o, l.from, o.records);
          requests += n;
          extras.push_back(absl::StrCat(
              n, " deferred link(s) patched afterwards (", l.to, ")"));
        }
      }
      if (requests > best_requests) {
        best_requests = requests;
        best_tokens = requests * cost.tokens;
        costliest = r;
        best_rule = cost.rule;
        if (!extras.empty()) {
          best_rule =
              absl::StrCat(best_rule, "; ", absl::StrJoin(extras, "; "));
        }
      }
    }
    row.kind = "load";
    row.route = absl::StrJoin(ids, " | ");
    row.target = absl::StrJoin(targets, " | ");
    row.requests = best_requests;
    row.tokens = best_tokens;
    row.rule = best_rule;
    if (direct.size() > 1) {
      row.rule = absl::StrCat(row.rule, "; ", direct.size(),
                              " routes share these records (each record "
                              "takes one): counted at the costliest, ",
                              costliest->id);
    }
    e.routes.push_back(std::move(row));
  }
  for (const auto& r : e.routes) {
    e.requests += r.requests;
    e.tokens += r.tokens;
  }

  // Setup: owner matching and schema preparation.
  if (map != nullptr) {
    std::set<std::string> entities;
    for (const auto& f : map->custom_fields) entities.insert(f.entity);
    const auto fields = static_cast<int64_t>(map->custom_fields.size());
    const auto objects = static_cast<int64_t>(map->custom_objects.size());
    const auto n_entities = static_cast<int64_t>(entities.size());
    int64_t stages = 0;
    for (const auto& p : map->pipelines)
      stages += static_cast<int64_t>(p.stages.size());
    const int64_t pipelines = static_cast<int64_t>(map->pipelines.size());
    const int64_t read_pipelines = pipelines > 0 ? 1 : 0;
    if (crm == "freshsales") {
      e.setup_requests = 1 + n_entities + objects + read_pipelines;
      e.setup_tokens = e.setup_requests;
    } else if (crm == "pipedrive") {
      // Users (v1, 20 tokens), each field family read (v2, 10), each field,
      // pipeline and stage created (v2, 5), pipelines read (v2, 5).
      e.setup_requests =
          1 + n_entities + fields + read_pipelines + pipelines + stages;
      e.setup_tokens = 20 + 10 * n_entities +
                       5 * (fields + read_pipelines + pipelines + stages);
    } else {
      e.setup_requests = 1 + (objects > 0 ? 1 : 0) + 2 * objects + n_entities +
                         fields + read_pipelines;
      e.setup_tokens = e.setup_requests;
    }
  } else {
    e.setup_requests = 1;
    e.setup_tokens = pipedrive ? 20 : 1;
  }
  e.requests += e.setup_requests;
  e.tokens += e.setup_tokens;
  if (!pipedrive) e.tokens = e.requests;

  // Wall time: the least, starting at a UTC midnight.
  Schedule least =
      ScheduleRun(e.requests, e.tokens, limits, absl::UnixEpoch(), 1.0);
  e.hours = least.hours;
  e.days = e.hours / 24.0;
  e.days_spanned = least.days;
  e.binding = least.binding.empty() ? "rate" : least.binding;

  // The rules, as printed.
  e.rules.push_back(
      "Each record a map route loads costs one create request, except where "
      "the CRM bulk-loads the object; the estimate is for a first run (an "
      "empty ledger: no record is looked up or updated).");
  if (crm == "freshsales") {
    e.rules.push_back(
        "Freshsales contacts, sales accounts and deals go through bulk_upsert: "
        "100 records per request plus one job-status poll, 2 requests per "
        "100 records. A contact list costs 2 (create, add contacts).");
  } else if (crm == "pipedrive") {
    e.rules.push_back(
        "Pipedrive charges tokens per request (the official OpenAPI "
        "x-token-cost): v2 creates of persons, organizations, deals, "
        "activities and products 5; v1 creates of leads, notes and files "
        "10.");
  } else {
    e.rules.push_back(
        "HighLevel has no bulk create: one request per record, plus one "
        "request to link a contact to its business and one to associate a "
        "custom object record with its contact.");
  }
  e.rules.push_back(
      "A deferrable lookup (a reference to a record loaded later) costs one "
      "patch per record that has it.");
  e.rules.push_back(
      "Many-to-one ('into') routes cost nothing of their own: their fields "
      "travel on the record they are written onto. Reference and "
      "not-migrated objects cost nothing.");
  e.rules.push_back(
      "An object with several routes ('when' conditions) is counted once, at "
      "its costliest route: each record takes one route.");
  e.rules.push_back(
      "Setup: one request for the account's users (owner matching), one read "
      "per entity with custom fields, one per custom object, pipelines "
      "read; fields, objects, pipelines and stages the connector creates "
      "cost one each (Freshsales fields are created by an admin).");
  e.rules.push_back(absl::StrCat(
      "Wall time = requests at the plan's rate (", limits.rate_rule, ")",
      limits.daily_requests > 0 || limits.daily_tokens > 0
          ? " until the day's budget is spent, then a wait for the next UTC "
            "midnight, from a start at midnight"
          : "",
      ". Days = hours / 24."));
  e.rules.push_back(
      "Not included: retries and 429 waits, bulk job processing time, "
      "records rejected at extraction, the sample migration and re-runs.");

  if (e.records > 2000000) {
    e.notes.push_back(
        "Over 2 million records: the seed write-ups scope migrations of this "
        "size individually.");
  }
  e.notes.push_back(
      "The seed write-ups' end-to-end timelines (2-7 days for an 8-object "
      "migration) add a sample migration with a field-level diff and a "
      "24-48 hour delta-pickup window to this wall time.");
  if (map == nullptr) {
    e.notes.push_back(
        "No map for this source and CRM: every record of every object is "
        "counted as one create.");
  }
  return e;
}

}  // namespace bridgework::discovery
