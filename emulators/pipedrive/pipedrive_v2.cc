// API v2 records of the Pipedrive emulator: persons, organizations, deals,
// activities, products, pipelines and stages (list, get, create, PATCH,
// soft delete), the persons/organizations/deals search endpoints and
// itemSearch/field.
#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "emulators/pipedrive/pipedrive_paging.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using pipedrive::At;
using pipedrive::Blank;
using pipedrive::FieldDef;
using pipedrive::FieldEntity;
using pipedrive::Kind;
using pipedrive::Lower;
using pipedrive::PositiveId;

// Soft-deleted records are dropped for good after this long.
constexpr absl::Duration kRetention = absl::Hours(24 * 30);

// How a body attribute is checked.
enum class V {
  kName,          // a non-blank string; required on create
  kString,        // a string
  kInt,           // an integer
  kNumber,        // a number
  kPercent,       // a number 0..100
  kBool,          // a boolean
  kIntList,       // an array of integers
  kDate,          // "YYYY-MM-DD"
  kDateTime,      // RFC 3339 (stored as "2021-01-01T00:00:00Z")
  kTime,          // "HH:MM" or "HH:MM:SS"
  kVisibleTo,     // 1, 3, 5 or 7
  kContacts,      // [{"value", "primary"?, "label"?}]
  kAddress,       // {"value", ...parts}
  kEnum,          // one of Attr::values
  kUser,          // an active user's id
  kPerson,        // a live person's id
  kOrg,           // a live organization's id
  kDeal,          // a live deal's id
  kLead,          // an existing lead's UUID
  kPipeline,      // a live pipeline's id
  kStage,         // a live stage's id
  kActivityType,  // an active activity type's key_string
  kCurrency,      // "USD"
  kPrices,        // [{"price", "currency", "cost"?, "direct_cost"?, ...}]
  kParticipants,  // [{"person_id", "primary"?}]
  kAttendees,     // [{"email"?, "name"?, ...}]
  kProject,       // projects are not emulated: any id is unknown
  kIgnored,       // accepted and dropped (read-only in practice)
};

struct Attr {
  const char* name;
  V v;
  std::vector<std::string> values = {};
};

const std::vector<Attr>& Attrs(Kind k) {
  static const auto* kPerson = new std::vector<Attr>{
      {"name", V::kName},
      {"owner_id", V::kUser},
      {"org_id", V::kOrg},
      {"add_time", V::kDateTime},
      {"emails", V::kContacts},
      {"phones", V::kContacts},
      {"visible_to", V::kVisibleTo},
      {"label_ids", V::kIntList},
      {"marketing_status",
       V::kEnum,
       {"no_consent", "unsubscribed", "subscribed", "archived"}},
      {"postal_address", V::kAddress},
      {"notes", V::kString},
      {"im", V::kContacts},
      {"birthday", V::kDate},
      {"job_title", V::kString}};
  static const auto* kOrg = new std::vector<Attr>{
      {"name", V::kName},         {"owner_id", V::kUser},
      {"add_time", V::kDateTime}, {"visible_to", V::kVisibleTo},
      {"label_ids", V::kIntList}, {"address", V::kAddress},
      {"website", V::kString},    {"linkedin", V::kString},
      {"industry", V::kInt},      {"annual_revenue", V::kInt},
      {"employee_count", V::kInt}};
  static const auto* kDeal =
      new std::vector<Attr>{{"title", V::kName},
                            {"owner_id", V::kUser},
                            {"person_id", V::kPerson},
                            {"org_id", V::kOrg},
                            {"pipeline_id", V::kPipeline},
                            {"stage_id", V::kStage},
                            {"value", V::kNumber},
                            {"currency", V::kCurrency},
                            {"is_deleted", V::kIgnored},
                            {"is_archived", V::kBool},
                            {"archive_time", V::kDateTime},
                            {"status", V::kEnum, {"open", "won", "lost"}},
                            {"probability", V::kPercent},
                            {"lost_reason", V::kString},
                            {"visible_to", V::kVisibleTo},
                            {"close_time", V::kDateTime},
                            {"won_time", V::kDateTime},
                            {"lost_time", V::kDateTime},
                            {"expected_close_date", V::kDate},
                            {"label_ids", V::kIntList}};
  static const auto* kActivity =
      new std::vector<Attr>{{"subject", V::kString},
                            {"type", V::kActivityType},
                            {"owner_id", V::kUser},
                            {"deal_id", V::kDeal},
                            {"lead_id", V::kLead},
                            {"person_id", V::kPerson},
                            {"org_id", V::kOrg},
                            {"project_id", V::kProject},
                            {"due_date", V::kDate},
                            {"due_time", V::kTime},
                            {"duration", V::kTime},
                            {"busy", V::kBool},
                            {"done", V::kBool},
                            {"location", V::kAddress},
                            {"participants", V::kParticipants},
                            {"attendees", V::kAttendees},
                            {"public_description", V::kString},
                            {"priority", V::kInt},
                            {"note", V::kString}};
  static const auto* kProduct =
      new std::vector<Attr>{{"name", V::kName},
                            {"code", V::kString},
                            {"description", V::kString},
                            {"unit", V::kString},
                            {"tax", V::kNumber},
                            {"category", V::kNumber},
                            {"owner_id", V::kUser},
                            {"is_linkable", V::kBool},
                            {"visible_to", V::kVisibleTo},
                            {"prices", V::kPrices},
                            {"billing_frequency",
                             V::kEnum,
                             {"one-time", "annually", "semi-annually",
                              "quarterly", "monthly", "weekly"}},
                            {"billing_frequency_cycles", V::kInt}};
  static const auto* kPipeline = new std::vector<Attr>{
      {"name", V::kName}, {"is_deal_probability_enabled", V::kBool}};
  static const auto* kStage =
      new std::vector<Attr>{{"name", V::kName},
                            {"pipeline_id", V::kPipeline},
                            {"deal_probability", V::kPercent},
                            {"is_deal_rot_enabled", V::kBool},
                            {"days_to_rotten", V::kInt}};
  switch (k) {
    case Kind::kPerson:
      return *kPerson;
    case Kind::kOrganization:
      return *kOrg;
    case Kind::kDeal:
      return *kDeal;
    case Kind::kActivity:
      return *kActivity;
    case Kind::kProduct:
      return *kProduct;
    case Kind::kPipeline:
      return *kPipeline;
    case Kind::kStage:
      return *kStage;
  }
  return *kPipeline;
}

// Response attributes the spec declares nullable; other unset attributes
// are left out of responses rather than sent as null.
bool Nullable(Kind k, const std::string& key) {
  static const auto* kDeal = new std::set<std::string>{
      "probability", "lost_reason",    "close_time", "origin_id", "channel",
      "channel_id",  "source_lead_id", "arr",        "mrr",       "acv"};
  static const auto* kOrg = new std::set<std::string>{
      "website", "linkedin", "industry", "annual_revenue", "employee_count"};
  switch (k) {
    case Kind::kDeal:
      return kDeal->count(key) > 0;
    case Kind::kOrganization:
      return kOrg->count(key) > 0;
    case Kind::kProduct:
      return key == "category" || key == "billing_frequency_cycles";
    case Kind::kStage:
      return key == "days_to_rotten";
    default:
      return false;
  }
}

// Attributes a PATCH may clear with null: optional texts, numbers, times
// and links. Others (names, enums, flags, owner, pipeline, stage, lists)
// always hold a value; nullable response attributes may be null too.
bool Clearable(V v) {
  switch (v) {
    case V::kString:
    case V::kInt:
    case V::kPercent:
    case V::kDate:
    case V::kDateTime:
    case V::kTime:
    case V::kAddress:
    case V::kPerson:
    case V::kOrg:
    case V::kDeal:
    case V::kLead:
    case V::kProject:
    case V::kAttendees:
    case V::kIgnored:
      return true;
    default:
      return false;
  }
}

// The name attribute a create requires.
const char* RequiredName(Kind k) {
  return k == Kind::kDeal ? "title" : k == Kind::kActivity ? nullptr : "name";
}

// The allowed `fields` of a search endpoint.
const std::vector<std::string>& SearchFields(Kind k) {
  static const auto* kPerson = new std::vector<std::string>{
      "custom_fields", "email", "notes", "phone", "name"};
  static const auto* kOrg =
      new std::vector<std::string>{"address", "custom_fields", "notes", "name"};
  static const auto* kDeal =
      new std::vector<std::string>{"custom_fields", "notes", "title"};
  return k == Kind::kPerson         ? *kPerson
         : k == Kind::kOrganization ? *kOrg
                                    : *kDeal;
}

struct ListFilter {
  const char* param;
  const char* field;
};

std::vector<ListFilter> IntFilters(Kind k) {
  switch (k) {
    case Kind::kPerson:
      return {{"owner_id", "owner_id"}, {"org_id", "org_id"}};
    case Kind::kOrganization:
    case Kind::kProduct:
      return {{"owner_id", "owner_id"}};
    case Kind::kDeal:
      return {{"owner_id", "owner_id"},
              {"person_id", "person_id"},
              {"org_id", "org_id"},
              {"pipeline_id", "pipeline_id"},
              {"stage_id", "stage_id"}};
    case Kind::kActivity:
      return {{"owner_id", "owner_id"},
              {"deal_id", "deal_id"},
              {"person_id", "person_id"},
              {"org_id", "org_id"}};
    case Kind::kStage:
      return {{"pipeline_id", "pipeline_id"}};
    case Kind::kPipeline:
      return {};
  }
  return {};
}

std::vector<std::string> SortKeys(Kind k) {
  std::vector<std::string> keys = {"id", "update_time", "add_time"};
  if (k == Kind::kActivity) keys.push_back("due_date");
  if (k == Kind::kProduct) keys.push_back("name");
  if (k == Kind::kStage) keys.push_back("order_nr");
  return keys;
}

// Normalises a contact list (emails, phones, im): exactly one primary.
std::optional<Json> Contacts(const Json& v) {
  if (!v.is_array()) return std::nullopt;
  Json out = Json::array();
  bool primary = false;
  for (const auto& item : v) {
    if (!item.is_object() || !At(item, "value").is_string() ||
        item["value"].get<std::string>().empty()) {
      return std::nullopt;
    }
    Json c = {{"value", item["value"]}, {"primary", false}, {"label", "work"}};
    for (const auto& [key, x] : item.items()) {
      if (key == "primary") {
        if (!x.is_boolean()) return std::nullopt;
        c["primary"] = x.get<bool>() && !primary;
        primary = primary || x.get<bool>();
      } else if (key == "label") {
        if (!x.is_string()) return std::nullopt;
        c["label"] = x;
      } else if (key != "value") {
        return std::nullopt;
      }
    }
    out.push_back(c);
  }
  if (!primary && !out.empty()) out[0]["primary"] = true;
  return out;
}

}  // namespace

nlohmann::json PipedriveEmulator::RenderLocked(
    Kind kind, const Json& stored, const std::vector<std::string>* only) const {
  Json out = Json::object();
  for (const auto& [key, v] : stored.items()) {
    if (key.empty() || key[0] == '_' || key == "custom_fields") continue;
    if (v.is_null() && !Nullable(kind, key)) continue;
    out[key] = v;
  }
  if (std::optional<FieldEntity> e = pipedrive::FieldsOf(kind)) {
    Json cf = Json::object();
    const Json& have = At(stored, "custom_fields");
    for (const FieldDef& f : store_.fields.at(*e)) {
      if (!f.custom || f.deleted) continue;
      if (only != nullptr &&
          std::find(only->begin(), only->end(), f.code) == only->end()) {
        continue;
      }
      cf[f.code] = have.is_object() ? At(have, f.code) : Json(nullptr);
    }
    out["custom_fields"] = cf;
  }
  if (kind == Kind::kProduct && out.contains("prices")) {
    for (auto& price : out["prices"]) price["product_id"] = stored["id"];
  }
  return out;
}

std::optional<PipedriveEmulator::Reply> PipedriveEmulator::CheckAttributeLocked(
    Kind kind, const std::string& key, const Json& value, Json& out) {
  const Attr* attr = nullptr;
  for (const Attr& a : Attrs(kind)) {
    if (key == a.name) attr = &a;
  }
  if (attr == nullptr) {
    return Invalid(pipedrive::SafeToName(key) ? key : "body",
                   "unknown attribute");
  }
  auto bad = [&key](const std::string& problem) {
    return Invalid(key, problem);
  };
  if (value.is_null()) {
    if (attr->v == V::kName) return bad("required");
    if (!Clearable(attr->v) && !Nullable(kind, key)) {
      return bad("cannot be null");
    }
    out = nullptr;
    return std::nullopt;
  }
  std::optional<int64_t> id = pipedrive::StrictInt(value);
  out = value;
  switch (attr->v) {
    case V::kName:
      if (!value.is_string()) return bad("must be a string");
      if (absl::StripAsciiWhitespace(value.get<std::string>()).empty()) {
        return bad("required");
      }
      return std::nullopt;
    case V::kString:
      if (!value.is_string()) return bad("must be a string");
      return std::nullopt;
    case V::kInt:
      if (!id) return bad("must be an integer");
      return std::nullopt;
    case V::kNumber:
      if (!value.is_number()) return bad("must be a number");
      return std::nullopt;
    case V::kPercent:
      if (!value.is_number() || value.get<double>() < 0 ||
          value.get<double>() > 100) {
        return bad("must be a number from 0 to 100");
      }
      return std::nullopt;
    case V::kBool:
      if (!value.is_boolean()) return bad("must be a boolean");
      return std::nullopt;
    case V::kIntList:
      if (!value.is_array()) return bad("must be an array of integers");
      for (const auto& x : value) {
        if (!pipedrive::StrictInt(x))
          return bad("must be an array of integers");
      }
      return std::nullopt;
    case V::kDate:
      if (!value.is_string() || !pipedrive::IsDate(value.get<std::string>())) {
        return bad("must be a date YYYY-MM-DD");
      }
      return std::nullopt;
    case V::kDateTime: {
      std::optional<absl::Time> t =
          value.is_string() ? pipedrive::ParseDateTime(value.get<std::string>())
                            : std::nullopt;
      if (!t) return bad("must be an RFC 3339 date-time");
      out = pipedrive::V2Time(*t);
      return std::nullopt;
    }
    case V::kTime:
      if (!value.is_string() ||
          !pipedrive::IsTimeOfDay(value.get<std::string>())) {
        return bad("must be a time HH:MM");
      }
      return std::nullopt;
    case V::kVisibleTo:
      if (!id || (*id != 1 && *id != 3 && *id != 5 && *id != 7)) {
        return bad("must be 1, 3, 5 or 7");
      }
      return std::nullopt;
    case V::kContacts: {
      std::optional<Json> c = Contacts(value);
      if (!c) {
        return bad(
            "must be an array of {\"value\": string, \"primary\": boolean, "
            "\"label\": string}");
      }
      out = *c;
      return std::nullopt;
    }
    case V::kAddress: {
      std::optional<Json> a = pipedrive::NormalizeAddress(value, false);
      if (!a) return bad("must be an address object with string parts");
      out = *a;
      return std::nullopt;
    }
    case V::kEnum:
      if (!value.is_string() ||
          std::find(attr->values.begin(), attr->values.end(),
                    value.get<std::string>()) == attr->values.end()) {
        return bad(
            absl::StrCat("must be one of ", absl::StrJoin(attr->values, ", ")));
      }
      return std::nullopt;
    case V::kUser: {
      const pipedrive::User* u = id ? UserLocked(*id) : nullptr;
      if (u == nullptr || !u->active) return bad("the user does not exist");
      return std::nullopt;
    }
    case V::kPerson:
      if (!id || !LiveLocked(Kind::kPerson, *id)) {
        return bad("the person does not exist");
      }
      return std::nullopt;
    case V::kOrg:
      if (!id || !LiveLocked(Kind::kOrganization, *id)) {
        return bad("the organization does not exist");
      }
      return std::nullopt;
    case V::kDeal:
      if (!id || !LiveLocked(Kind::kDeal, *id)) {
        return bad("the deal does not exist");
      }
      return std::nullopt;
    case V::kPipeline:
      if (!id || !LiveLocked(Kind::kPipeline, *id)) {
        return bad("the pipeline does not exist");
      }
      return std::nullopt;
    case V::kStage:
      if (!id || !LiveLocked(Kind::kStage, *id)) {
        return bad("the stage does not exist");
      }
      return std::nullopt;
    case V::kLead:
      if (!value.is_string() || FindLeadLocked(value) == nullptr) {
        return bad("the lead does not exist");
      }
      return std::nullopt;
    case V::kActivityType:
      if (!value.is_string() || ActivityTypeLocked(value) == nullptr) {
        return bad("not an active activity type key");
      }
      return std::nullopt;
    case V::kCurrency:
      if (!pipedrive::IsCurrencyCode(value)) {
        return bad("must be a 3-letter currency code");
      }
      return std::nullopt;
    case V::kPrices: {
      if (!value.is_array()) return bad("must be an array of prices");
      Json prices = Json::array();
      for (const auto& p : value) {
        if (!p.is_object() || !At(p, "price").is_number() ||
            !pipedrive::IsCurrencyCode(At(p, "currency"))) {
          return bad("each price needs a number price and a currency code");
        }
        Json price = {{"price", p["price"]},
                      {"currency", p["currency"]},
                      {"cost", 0},
                      {"direct_cost", nullptr},
                      {"notes", ""}};
        for (const auto& [k, x] : p.items()) {
          bool ok = (k == "price" || k == "currency") ||
                    ((k == "cost" || k == "overhead_cost") && x.is_number()) ||
                    (k == "direct_cost" && (x.is_number() || x.is_null())) ||
                    (k == "notes" && x.is_string());
          if (!ok) return bad("unexpected or mistyped price attribute");
          price[k] = x;
        }
        prices.push_back(price);
      }
      out = prices;
      return std::nullopt;
    }
    case V::kParticipants: {
      if (!value.is_array()) return bad("must be an array");
      bool primary = false;
      Json list = Json::array();
      for (const auto& p : value) {
        std::optional<int64_t> pid =
            p.is_object() ? pipedrive::StrictInt(At(p, "person_id"))
                          : std::nullopt;
        if (!pid || !LiveLocked(Kind::kPerson, *pid)) {
          return bad("each participant needs the id of an existing person");
        }
        bool is_primary = At(p, "primary") == true && !primary;
        primary = primary || is_primary;
        list.push_back({{"person_id", *pid}, {"primary", is_primary}});
      }
      if (!primary && !list.empty()) list[0]["primary"] = true;
      out = list;
      return std::nullopt;
    }
    case V::kAttendees:
      if (!value.is_array()) return bad("must be an array");
      for (const auto& a : value) {
        if (!a.is_object()) return bad("each attendee must be an object");
        for (const auto& [k, x] : a.items()) {
          bool ok =
              ((k == "email" || k == "name" || k == "status") &&
               x.is_string()) ||
              (k == "is_organizer" && x.is_boolean()) ||
              ((k == "person_id" || k == "user_id") && pipedrive::StrictInt(x));
          if (!ok) return bad("unexpected or mistyped attendee attribute");
        }
      }
      return std::nullopt;
    case V::kProject:
      return bad("the project does not exist");
    case V::kIgnored:
      out = Json(Json::value_t::discarded);
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<PipedriveEmulator::Reply> PipedriveEmulator::PlaceDealLocked(
    Json& deal, const Json& changes, bool create) {
  for (const char* k : {"pipeline_id", "stage_id"}) {
    if (changes.contains(k) && changes[k].is_null()) {
      return Invalid(k, "cannot be empty");
    }
  }
  auto first_stage = [this](int64_t pipeline) -> const Json* {
    const Json* best = nullptr;
    for (const auto& [id, s] : store_.tables.at(Kind::kStage).records()) {
      if (s["is_deleted"] == true || s["pipeline_id"] != pipeline) continue;
      if (best == nullptr || s["order_nr"] < (*best)["order_nr"]) best = &s;
    }
    return best;
  };
  if (changes.contains("stage_id")) {
    const Json* stage =
        LiveLocked(Kind::kStage, changes["stage_id"].get<int64_t>());
    if (changes.contains("pipeline_id") &&
        changes["pipeline_id"] != (*stage)["pipeline_id"]) {
      return Invalid("stage_id", "the stage is not in the given pipeline");
    }
    deal["pipeline_id"] = (*stage)["pipeline_id"];
    deal["stage_id"] = (*stage)["id"];
    return std::nullopt;
  }
  if (changes.contains("pipeline_id")) {
    const Json* stage = first_stage(changes["pipeline_id"].get<int64_t>());
    if (stage == nullptr)
      return Invalid("pipeline_id", "the pipeline has no stages");
    deal["pipeline_id"] = changes["pipeline_id"];
    deal["stage_id"] = (*stage)["id"];
    return std::nullopt;
  }
  if (!create) return std::nullopt;
  std::vector<const Json*> pipelines;
  for (const auto& [id, p] : store_.tables.at(Kind::kPipeline).records()) {
    if (p["is_deleted"] != true) pipelines.push_back(&p);
  }
  std::stable_sort(pipelines.begin(), pipelines.end(),
                   [](const Json* a, const Json* b) {
                     return (*a)["order_nr"] < (*b)["order_nr"];
                   });
  for (const Json* p : pipelines) {
    if (const Json* stage = first_stage((*p)["id"].get<int64_t>())) {
      deal["pipeline_id"] = (*p)["id"];
      deal["stage_id"] = (*stage)["id"];
      return std::nullopt;
    }
  }
  return Invalid("stage_id", "no pipeline with stages exists");
}

PipedriveEmulator::Reply PipedriveEmulator::WriteLocked(
    Kind kind, const Json& body, std::optional<int64_t> id,
    const Caller& caller, const Json* extras) {
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  RecordTable& table = store_.tables.at(kind);
  bool create = !id.has_value();
  if (!create && LiveLocked(kind, *id) == nullptr) return NotFound();
  Json record = create ? Json::object() : *table.Find(*id);
  Json changes = Json::object();
  for (const auto& [key, value] : body.items()) {
    if (key == "custom_fields") continue;
    if (pipedrive::IsFieldKey(key)) {
      return Invalid(key,
                     "custom field values belong inside \"custom_fields\"");
    }
    Json stored;
    if (std::optional<Reply> error =
            CheckAttributeLocked(kind, key, value, stored)) {
      return *error;
    }
    if (!stored.is_discarded()) changes[key] = stored;
  }
  const char* required = RequiredName(kind);
  if (create && required != nullptr && !changes.contains(required)) {
    return Invalid(required, "required");
  }
  if (create && kind == Kind::kStage && !changes.contains("pipeline_id")) {
    return Invalid("pipeline_id", "required");
  }
  if (body.contains("custom_fields")) {
    std::optional<FieldEntity> entity = pipedrive::FieldsOf(kind);
    const Json& cf = body["custom_fields"];
    if (!entity) return Invalid("custom_fields", "unknown attribute");
    if (!cf.is_object()) {
      return Invalid("custom_fields", "must be an object keyed by field keys");
    }
    if (cf.contains("custom_fields")) {
      return Invalid("custom_fields",
                     "a nested \"custom_fields\" object; put the field keys "
                     "directly under custom_fields");
    }
    Json& target = record["custom_fields"];
    if (!target.is_object()) target = Json::object();
    for (const auto& [key, value] : cf.items()) {
      const FieldDef* def = FieldLocked(*entity, key);
      if (def == nullptr || !def->custom) {
        return Invalid("custom_fields",
                       pipedrive::SafeToName(key)
                           ? absl::StrCat("unknown field key ", key)
                           : "unknown field key");
      }
      absl::StatusOr<Json> v =
          pipedrive::NormalizeV2Value(*def, value, RefsLocked());
      if (!v.ok()) {
        return Fail(400,
                    absl::StrCat("Validation failed: ", v.status().message()));
      }
      if (v->is_null()) {
        target.erase(key);
      } else {
        target[key] = *v;
      }
    }
  }
  Json before = record;
  for (const auto& [key, value] : changes.items()) record[key] = value;
  std::string now = pipedrive::V2Time(Now());
  auto set_default = [&record, create](const char* key, Json value) {
    if (create && !record.contains(key)) record[key] = std::move(value);
  };
  set_default("is_deleted", false);
  if (kind != Kind::kPipeline && kind != Kind::kStage) {
    set_default("owner_id", caller.user_id);
  }
  if (kind != Kind::kPipeline && kind != Kind::kStage &&
      kind != Kind::kActivity) {
    set_default("visible_to", 3);
  }
  if (pipedrive::FieldsOf(kind)) set_default("custom_fields", Json::object());
  switch (kind) {
    case Kind::kPerson: {
      for (const char* k : {"emails", "phones", "label_ids"}) {
        set_default(k, Json::array());
      }
      if (changes.contains("name")) {
        std::string name(
            absl::StripAsciiWhitespace(record["name"].get<std::string>()));
        size_t space = name.find(' ');
        record["first_name"] = name.substr(0, space);
        if (space == std::string::npos) {
          record.erase("last_name");
        } else {
          record["last_name"] =
              std::string(absl::StripAsciiWhitespace(name.substr(space + 1)));
        }
      }
      break;
    }
    case Kind::kOrganization:
      set_default("label_ids", Json::array());
      for (const char* k : {"website", "linkedin", "industry", "annual_revenue",
                            "employee_count"}) {
        set_default(k, nullptr);
      }
      break;
    case Kind::kDeal: {
      if (std::optional<Reply> error =
              PlaceDealLocked(record, changes, create)) {
        return *error;
      }
      if (!create && record["stage_id"] != before["stage_id"]) {
        record["stage_change_time"] = now;
      }
      set_default("value", 0);
      set_default("currency", "USD");
      set_default("status", "open");
      set_default("label_ids", Json::array());
      set_default("is_archived", false);
      set_default("origin", "API");
      for (const char* k :
           {"probability", "lost_reason", "close_time", "origin_id", "channel",
            "channel_id", "source_lead_id", "arr", "mrr", "acv"}) {
        set_default(k, nullptr);
      }
      if (changes.contains("status") || create) {
        std::string status = record["status"];
        if (status == "open") {
          record.erase("won_time");
          record.erase("lost_time");
          record["close_time"] = nullptr;
        } else {
          std::string at = status == "won" ? "won_time" : "lost_time";
          if (!record.contains(at) || record[at].is_null()) record[at] = now;
          record.erase(status == "won" ? "lost_time" : "won_time");
          if (!changes.contains("close_time"))
            record["close_time"] = record[at];
        }
      }
      if (changes.contains("is_archived")) {
        if (record["is_archived"] == true) {
          if (!changes.contains("archive_time")) record["archive_time"] = now;
        } else {
          record.erase("archive_time");
        }
      }
      break;
    }
    case Kind::kActivity: {
      set_default("type", "task");
      set_default("busy", false);
      set_default("done", false);
      set_default("creator_user_id", caller.user_id);
      if (create && !record.contains("subject")) {
        const Json* type = ActivityTypeLocked(record["type"]);
        record["subject"] = type != nullptr ? (*type)["name"] : record["type"];
      }
      if (changes.contains("person_id") && !changes.contains("participants")) {
        record["participants"] =
            record["person_id"].is_null()
                ? Json::array()
                : Json::array({{{"person_id", record["person_id"]},
                                {"primary", true}}});
      } else if (changes.contains("participants") &&
                 !changes.contains("person_id")) {
        for (const auto& p : record["participants"]) {
          if (p["primary"] == true) record["person_id"] = p["person_id"];
        }
      }
      set_default("participants", Json::array());
      if (changes.contains("done") || create) {
        if (record["done"] == true) {
          if (before.value("done", false) != true) {
            record["marked_as_done_time"] = now;
          }
        } else {
          record.erase("marked_as_done_time");
        }
      }
      break;
    }
    case Kind::kProduct:
      if (changes.contains("category") && !record["category"].is_null()) {
        record["category"] = ScalarText(record["category"]);
      }
      set_default("tax", 0);
      set_default("is_linkable", true);
      set_default("prices", Json::array());
      set_default("billing_frequency", "one-time");
      set_default("billing_frequency_cycles", nullptr);
      set_default("category", nullptr);
      break;
    case Kind::kPipeline: {
      set_default("is_deal_probability_enabled", false);
      if (create) {
        int64_t order = 0;
        for (const auto& [pid, p] : table.records()) {
          if (p["is_deleted"] != true) {
            order = std::max(order, p["order_nr"].get<int64_t>());
          }
        }
        record["order_nr"] = order + 1;
      }
      break;
    }
    case Kind::kStage: {
      set_default("deal_probability", 100);
      set_default("is_deal_rot_enabled", false);
      set_default("days_to_rotten", nullptr);
      if (create || record["pipeline_id"] != before["pipeline_id"]) {
        int64_t order = 0;
        for (const auto& [sid, s] : table.records()) {
          if (s["is_deleted"] != true &&
              s["pipeline_id"] == record["pipeline_id"] &&
              (create || sid != *id)) {
            order = std::max(order, s["order_nr"].get<int64_t>());
          }
        }
        record["order_nr"] = order + 1;
      }
      break;
    }
  }
  if (create) {
    int64_t new_id = 0;
    if (std::optional<Reply> error = NewId(table, extras, new_id)) {
      return *error;
    }
    id = new_id;
    record["id"] = new_id;
    if (!record.contains("add_time")) record["add_time"] = now;
  }
  record["update_time"] = now;
  if (std::optional<Reply> error = KeepSeedTimes(extras, false, record)) {
    return *error;
  }
  table.Put(*id, record);
  Reply r = Ok(RenderLocked(kind, record));
  if (create && kind == Kind::kProduct) r.status = 201;
  return r;
}

PipedriveEmulator::Reply PipedriveEmulator::GetLocked(Kind kind,
                                                      const std::string& id) {
  std::optional<int64_t> n = PositiveId(id);
  const Json* record = n ? store_.tables.at(kind).Find(*n) : nullptr;
  if (record == nullptr) return NotFound();
  return Ok(RenderLocked(kind, *record));
}

PipedriveEmulator::Reply PipedriveEmulator::DeleteLocked(
    Kind kind, const std::string& id) {
  std::optional<int64_t> n = PositiveId(id);
  if (!n || LiveLocked(kind, *n) == nullptr) return NotFound();
  Json* record = store_.tables.at(kind).Find(*n);
  absl::Time now = Now();
  (*record)["is_deleted"] = true;
  (*record)["update_time"] = pipedrive::V2Time(now);
  if (kind != Kind::kPipeline && kind != Kind::kStage) {
    store_.purge.push_back({now + kRetention, pipedrive::Collection(kind), *n});
  }
  return Ok({{"id", *n}});
}

PipedriveEmulator::Reply PipedriveEmulator::ListLocked(
    Kind kind, const httplib::Request& req) {
  absl::StatusOr<int64_t> limit = pipedrive::V2Limit(req);
  if (!limit.ok()) return Fail(400, std::string(limit.status().message()));
  absl::StatusOr<Json> cursor = pipedrive::DecodeCursor(req);
  if (!cursor.ok()) return Fail(400, std::string(cursor.status().message()));
  std::string sort_by =
      req.has_param("sort_by") ? req.get_param_value("sort_by") : "id";
  std::vector<std::string> keys = SortKeys(kind);
  if (std::find(keys.begin(), keys.end(), sort_by) == keys.end()) {
    return Invalid("sort_by",
                   absl::StrCat("must be one of ", absl::StrJoin(keys, ", ")));
  }
  std::string direction = req.has_param("sort_direction")
                              ? req.get_param_value("sort_direction")
                              : "asc";
  if (direction != "asc" && direction != "desc") {
    return Invalid("sort_direction", "must be asc or desc");
  }
  std::vector<std::pair<const char*, int64_t>> int_filters;
  for (const ListFilter& f : IntFilters(kind)) {
    absl::StatusOr<std::optional<int64_t>> v =
        pipedrive::IntParam(req, f.param);
    if (!v.ok()) return Fail(400, std::string(v.status().message()));
    if (v->has_value()) int_filters.emplace_back(f.field, **v);
  }
  if (req.has_param("filter_id")) {
    return Invalid("filter_id", "the filter does not exist");
  }
  // Persons of a deal: the deal's contact person.
  if (kind == Kind::kPerson && req.has_param("deal_id")) {
    absl::StatusOr<std::optional<int64_t>> deal =
        pipedrive::IntParam(req, "deal_id");
    if (!deal.ok()) return Fail(400, std::string(deal.status().message()));
    const Json* d = store_.tables.at(Kind::kDeal).Find(**deal);
    int_filters.emplace_back("id",
                             d != nullptr && At(*d, "person_id").is_number()
                                 ? At(*d, "person_id").get<int64_t>()
                                 : 0);
  }
  std::set<int64_t> ids;
  for (const std::string& s : pipedrive::ListParam(req, "ids")) {
    std::optional<int64_t> n = PositiveId(s);
    if (!n) return Invalid("ids", "must be comma-separated integers");
    ids.insert(*n);
  }
  std::optional<absl::Time> since, until;
  for (auto [param, target] : {std::pair{"updated_since", &since},
                               std::pair{"updated_until", &until}}) {
    if (!req.has_param(param)) continue;
    *target = pipedrive::ParseDateTime(req.get_param_value(param));
    if (!*target) return Invalid(param, "must be an RFC 3339 date-time");
  }
  std::string status;
  if (kind == Kind::kDeal && req.has_param("status")) {
    status = req.get_param_value("status");
    if (status != "open" && status != "won" && status != "lost" &&
        status != "deleted") {
      return Invalid("status", "must be open, won, lost or deleted");
    }
  }
  absl::StatusOr<std::optional<bool>> done = pipedrive::BoolParam(req, "done");
  if (!done.ok()) return Fail(400, std::string(done.status().message()));
  std::vector<std::string> only = pipedrive::ListParam(req, "custom_fields");
  if (only.size() > 15) {
    return Invalid("custom_fields", "at most 15 keys");
  }
  std::vector<const Json*> matches;
  for (const auto& [rid, r] : store_.tables.at(kind).records()) {
    bool deleted = r.value("is_deleted", false);
    if (deleted != (status == "deleted")) continue;
    if (!status.empty() && status != "deleted" && r["status"] != status) {
      continue;
    }
    if (!ids.empty() && !ids.count(rid)) continue;
    bool keep = true;
    for (const auto& [field, want] : int_filters) {
      keep = keep && At(r, field) == want;
    }
    if (kind == Kind::kActivity && done->has_value()) {
      keep = keep && At(r, "done") == **done;
    }
    if (kind == Kind::kActivity && req.has_param("lead_id")) {
      keep = keep && At(r, "lead_id") == req.get_param_value("lead_id");
    }
    std::optional<absl::Time> updated =
        pipedrive::ParseDateTime(ScalarText(At(r, "update_time")));
    if (since && updated) keep = keep && *updated >= *since;
    if (until && updated) keep = keep && *updated < *until;
    if (keep) matches.push_back(&r);
  }
  bool desc = direction == "desc";
  auto before = [desc](const Json& ka, int64_t ia, const Json& kb, int64_t ib) {
    if (ka != kb) return desc ? kb < ka : ka < kb;
    return desc ? ib < ia : ia < ib;
  };
  std::stable_sort(matches.begin(), matches.end(),
                   [&](const Json* a, const Json* b) {
                     return before(At(*a, sort_by), (*a)["id"].get<int64_t>(),
                                   At(*b, sort_by), (*b)["id"].get<int64_t>());
                   });
  size_t start = 0;
  if (!cursor->is_null()) {
    if (At(*cursor, "s") != sort_by || At(*cursor, "d") != direction ||
        !At(*cursor, "i").is_number_integer()) {
      return Invalid("cursor", "invalid");
    }
    const Json& key = (*cursor)["k"];
    int64_t last = (*cursor)["i"];
    while (start < matches.size() &&
           !before(key, last, At(*matches[start], sort_by),
                   (*matches[start])["id"].get<int64_t>())) {
      ++start;
    }
  }
  Json data = Json::array();
  size_t end = std::min(matches.size(), start + static_cast<size_t>(*limit));
  for (size_t i = start; i < end; ++i) {
    data.push_back(
        RenderLocked(kind, *matches[i], only.empty() ? nullptr : &only));
  }
  Json next = nullptr;
  if (end < matches.size() && end > start) {
    const Json& last = *matches[end - 1];
    next = pipedrive::EncodeCursor({{"s", sort_by},
                                    {"d", direction},
                                    {"k", At(last, sort_by)},
                                    {"i", last["id"]}});
  }
  return {200,
          {{"success", true},
           {"data", data},
           {"additional_data", {{"next_cursor", next}}}}};
}

std::vector<std::string> PipedriveEmulator::TextsLocked(
    Kind kind, const Json& stored, const std::string& field) const {
  std::vector<std::string> out;
  auto add = [&out](const Json& v) {
    if (v.is_string() || v.is_number()) out.push_back(ScalarText(v));
  };
  if (field == "custom_fields") {
    if (std::optional<FieldEntity> e = pipedrive::FieldsOf(kind)) {
      const Json& have = At(stored, "custom_fields");
      for (const FieldDef& f : store_.fields.at(*e)) {
        if (!f.custom || f.deleted || !have.is_object()) continue;
        for (auto& t : pipedrive::SearchTexts(f, At(have, f.code))) {
          out.push_back(t);
        }
      }
    }
    return out;
  }
  if (field == "notes" && kind != Kind::kProduct) {
    const char* link = kind == Kind::kPerson         ? "person_id"
                       : kind == Kind::kOrganization ? "org_id"
                                                     : "deal_id";
    for (const auto& [nid, note] : store_.notes.records()) {
      if (At(note, link) == stored["id"]) add(At(note, "content"));
    }
  }
  if (field == "email" || field == "phone") {
    const Json& list = At(stored, field == "email" ? "emails" : "phones");
    if (list.is_array()) {
      for (const auto& c : list) add(At(c, "value"));
    }
    return out;
  }
  if (std::optional<FieldEntity> e = pipedrive::FieldsOf(kind)) {
    const FieldDef* def = FieldLocked(*e, field);
    if (def != nullptr && def->custom) {
      return pipedrive::SearchTexts(*def,
                                    At(At(stored, "custom_fields"), field));
    }
  }
  const Json& v = At(stored, field);
  if (v.is_object()) {
    add(At(v, "value"));
  } else {
    add(v);
  }
  return out;
}

PipedriveEmulator::Reply PipedriveEmulator::SearchLocked(
    Kind kind, const httplib::Request& req) {
  if (!req.has_param("term")) return Invalid("term", "required");
  std::string term = req.get_param_value("term");
  absl::StatusOr<std::optional<bool>> exact =
      pipedrive::BoolParam(req, "exact_match");
  if (!exact.ok()) return Fail(400, std::string(exact.status().message()));
  bool exact_match = exact->value_or(false);
  size_t min = exact_match ? 1 : 2;
  if (term.size() < min) {
    return Invalid("term",
                   absl::StrCat("must be at least ", min,
                                min == 1 ? " character" : " characters"));
  }
  const std::vector<std::string>& allowed = SearchFields(kind);
  std::vector<std::string> fields = pipedrive::ListParam(req, "fields");
  for (const auto& f : fields) {
    if (std::find(allowed.begin(), allowed.end(), f) == allowed.end()) {
      return Invalid("fields", absl::StrCat("must be among ",
                                            absl::StrJoin(allowed, ", ")));
    }
  }
  if (fields.empty()) fields = allowed;
  std::vector<std::pair<const char*, int64_t>> filters;
  auto filter = [&](const char* param,
                    const char* field) -> std::optional<Reply> {
    absl::StatusOr<std::optional<int64_t>> v = pipedrive::IntParam(req, param);
    if (!v.ok()) return Fail(400, std::string(v.status().message()));
    if (v->has_value()) filters.emplace_back(field, **v);
    return std::nullopt;
  };
  if (kind == Kind::kPerson) {
    if (auto e = filter("organization_id", "org_id")) return *e;
  }
  if (kind == Kind::kDeal) {
    if (auto e = filter("person_id", "person_id")) return *e;
    if (auto e = filter("organization_id", "org_id")) return *e;
  }
  std::string status = req.get_param_value("status");
  if (kind == Kind::kDeal && req.has_param("status") && status != "open" &&
      status != "won" && status != "lost") {
    return Invalid("status", "must be open, won or lost");
  }
  absl::StatusOr<pipedrive::OffsetPage> page = pipedrive::ParseOffsetPage(req);
  if (!page.ok()) return Fail(400, std::string(page.status().message()));
  std::string want = Lower(term);
  std::vector<std::pair<double, const Json*>> hits;
  for (const auto& [rid, r] : store_.tables.at(kind).records()) {
    if (r.value("is_deleted", false)) continue;
    bool keep = true;
    for (const auto& [field, v] : filters) keep = keep && At(r, field) == v;
    if (kind == Kind::kDeal && req.has_param("status")) {
      keep = keep && r["status"] == status;
    }
    if (!keep) continue;
    double score = 0;
    for (const auto& f : fields) {
      for (const auto& text : TextsLocked(kind, r, f)) {
        std::string t = Lower(text);
        if (t == want) {
          score = std::max(score, 1.0);
        } else if (!exact_match && absl::StartsWith(t, want)) {
          score = std::max(score, 0.75);
        } else if (!exact_match && absl::StrContains(t, want)) {
          score = std::max(score, 0.5);
        }
      }
    }
    if (score > 0) hits.emplace_back(score, &r);
  }
  std::stable_sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return a.first > b.first;
  });
  auto named = [this](Kind k, const Json& id) -> Json {
    std::optional<int64_t> n = pipedrive::StrictInt(id);
    const Json* r = n ? store_.tables.at(k).Find(*n) : nullptr;
    if (r == nullptr) return nullptr;
    return {{"id", *n}, {"name", At(*r, "name")}};
  };
  Json items = Json::array();
  size_t end = std::min(hits.size(), page->offset + page->limit);
  for (size_t i = page->offset; i < end; ++i) {
    const Json& r = *hits[i].second;
    Json item = {{"id", r["id"]},
                 {"type", kind == Kind::kPerson         ? "person"
                          : kind == Kind::kOrganization ? "organization"
                                                        : "deal"},
                 {"visible_to", At(r, "visible_to")},
                 {"owner", {{"id", At(r, "owner_id")}}},
                 {"custom_fields", TextsLocked(kind, r, "custom_fields")},
                 {"notes", Json::array()}};
    if (kind == Kind::kPerson) {
      item["name"] = r["name"];
      item["emails"] = TextsLocked(kind, r, "email");
      item["phones"] = TextsLocked(kind, r, "phone");
      Json org = named(Kind::kOrganization, At(r, "org_id"));
      if (!org.is_null()) item["organization"] = org;
    } else if (kind == Kind::kOrganization) {
      item["name"] = r["name"];
      std::vector<std::string> address = TextsLocked(kind, r, "address");
      if (!address.empty()) item["address"] = address.front();
    } else {
      item["title"] = r["title"];
      item["value"] =
          static_cast<int64_t>(std::llround(r["value"].get<double>()));
      item["currency"] = r["currency"];
      item["status"] = r["status"];
      item["stage"] = named(Kind::kStage, r["stage_id"]);
      item["person"] = named(Kind::kPerson, At(r, "person_id"));
      item["organization"] = named(Kind::kOrganization, At(r, "org_id"));
      item["is_archived"] = r.value("is_archived", false);
    }
    items.push_back({{"result_score", hits[i].first}, {"item", item}});
  }
  return {200,
          {{"success", true},
           {"data", {{"items", items}}},
           {"additional_data", {{"next_cursor", page->Next(hits.size())}}}}};
}

PipedriveEmulator::Reply PipedriveEmulator::FieldSearchLocked(
    const httplib::Request& req) {
  for (const char* p : {"term", "entity_type", "field"}) {
    if (!req.has_param(p)) return Invalid(p, "required");
  }
  std::string term = req.get_param_value("term");
  std::string type = req.get_param_value("entity_type");
  std::string field = req.get_param_value("field");
  std::string match =
      req.has_param("match") ? req.get_param_value("match") : "exact";
  if (match != "exact" && match != "beginning" && match != "middle") {
    return Invalid("match", "must be exact, beginning or middle");
  }
  size_t min = match == "exact" ? 1 : 2;
  if (term.size() < min) {
    return Invalid("term",
                   absl::StrCat("must be at least ", min,
                                min == 1 ? " character" : " characters"));
  }
  absl::StatusOr<pipedrive::OffsetPage> page = pipedrive::ParseOffsetPage(req);
  if (!page.ok()) return Fail(400, std::string(page.status().message()));
  std::optional<Kind> kind;
  std::optional<FieldEntity> entity;
  if (type == "person") kind = Kind::kPerson;
  if (type == "organization") kind = Kind::kOrganization;
  if (type == "deal") kind = Kind::kDeal;
  if (type == "product") kind = Kind::kProduct;
  if (kind) entity = pipedrive::FieldsOf(*kind);
  bool lead = type == "lead";
  if (lead) entity = FieldEntity::kDeal;
  if (!entity && type != "project") {
    return Invalid("entity_type",
                   "must be deal, lead, person, organization, product or "
                   "project");
  }
  auto answer = [](Json data, Json next) -> Reply {
    return {200,
            {{"success", true},
             {"data", std::move(data)},
             {"additional_data", {{"next_cursor", std::move(next)}}}}};
  };
  if (!entity) return answer(Json::array(), nullptr);  // no projects exist
  const FieldDef* def = FieldLocked(*entity, field);
  if (lead && def != nullptr && !def->custom && field != "title") def = nullptr;
  if (def == nullptr) {
    return Invalid("field", pipedrive::SafeToName(field)
                                ? absl::StrCat("unknown field key ", field)
                                : "unknown field key");
  }
  if (!pipedrive::SearchableFieldType(def->type)) {
    return Invalid("field", absl::StrCat("fields of type ", def->type,
                                         " cannot be searched"));
  }
  auto matches = [&term, &match](const std::string& text) {
    if (match == "exact") return text == term;
    if (match == "beginning") return absl::StartsWith(text, term);
    return absl::StrContains(text, term);
  };
  std::vector<Json> found;
  auto consider = [&](const Json& r, std::vector<std::string> texts,
                      const char* label) {
    for (const auto& t : texts) {
      if (!matches(t)) continue;
      found.push_back({{"result_score", t == term ? 1.0 : 0.5},
                       {"item", {{"id", r["id"]}, {label, At(r, label)}}}});
      return;
    }
  };
  if (lead) {
    for (const auto& [seq, r] : store_.leads.records()) {
      consider(r,
               def->custom ? pipedrive::SearchTexts(
                                 *def, At(At(r, "custom_fields"), field))
                           : std::vector<std::string>{ScalarText(r["title"])},
               "title");
    }
  } else {
    for (const auto& [rid, r] : store_.tables.at(*kind).records()) {
      if (r.value("is_deleted", false)) continue;
      consider(r, TextsLocked(*kind, r, field),
               *kind == Kind::kDeal ? "title" : "name");
    }
  }
  Json data = Json::array();
  size_t end = std::min(found.size(), page->offset + page->limit);
  for (size_t i = page->offset; i < end; ++i) data.push_back(found[i]);
  return answer(data, page->Next(found.size()));
}

}  // namespace bridgework::emulator
