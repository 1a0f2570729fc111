#include "libs/crm/highlevel_connector.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/crm/projection.h"
#include "libs/crm/rate_observations.h"
#include "libs/crm/wire_util.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;

constexpr char kVersion[] = "Version: 2021-07-28";
constexpr char kCalendarVersion[] = "Version: 2021-04-15";
constexpr char kCustomObjectPrefix[] = "custom_object:";
// HighLevel's default plan limit on custom objects per location.
constexpr int kCustomObjectLimit = 10;

// The message of an error body ({"statusCode","message": text or list,
// "error"}); names properties, never values.
std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (!j.is_object())
    return "request failed (no error message in the response)";
  const json& m = j.contains("message") ? j["message"] : json();
  std::string text;
  if (m.is_string()) {
    text = m.get<std::string>();
  } else if (m.is_array()) {
    std::vector<std::string> parts;
    for (const auto& p : m)
      if (p.is_string()) parts.push_back(p.get<std::string>());
    text = absl::StrJoin(parts, "; ");
  }
  if (text.empty()) text = j.value("error", "request failed");
  if (j.contains("meta") && j["meta"].is_object()) {
    // The duplicate rule names the contact that already holds the value.
    std::string other = j["meta"].value("contactId", "");
    std::string field = j["meta"].value("matchingField", "");
    if (!other.empty()) {
      absl::StrAppend(&text, " (matches contact ", other, " by ", field, ")");
    }
  }
  return text;
}

// "Bridgework key" / "cf_bridgework_key" -> "bridgework_key".
std::string Snake(const std::string& text) {
  std::string s = absl::StartsWith(text, "cf_") ? text.substr(3) : text;
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) {
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

// HighLevel dataType for a map custom-field type.
std::string DataType(const std::string& type) {
  static const auto* kTypes = new std::map<std::string, std::string>{
      {"text", "TEXT"},
      {"textarea", "LARGE_TEXT"},
      {"long_text", "LARGE_TEXT"},
      {"number", "NUMERICAL"},
      {"phone", "PHONE"},
      {"money", "MONETORY"},
      {"currency", "MONETORY"},
      {"dropdown", "SINGLE_OPTIONS"},
      {"radio", "RADIO"},
      {"multiselect", "MULTIPLE_OPTIONS"},
      {"checkbox", "CHECKBOX"},
      {"date", "DATE"},
      {"email", "EMAIL"}};
  auto it = kTypes->find(type);
  return it == kTypes->end() ? "TEXT" : it->second;
}

// A value as JSON: decimals as numbers, timestamps RFC 3339, dates
// "YYYY-MM-DD".
json Json(const v1::Value& v) {
  if (v.has_decimal_value()) {
    double d = 0;
    if (absl::SimpleAtod(record::DecimalToString(v.decimal_value()), &d))
      return d;
  }
  return record::ValueToJson(v);
}

// What the connector knows of one object kind.
enum class Kind {
  kContact,
  kBusiness,
  kOpportunity,
  kAppointment,
  kNote,
  kTask,
  kCustomObject,
  kMedia,
};

absl::StatusOr<Kind> KindOf(const std::string& target) {
  static const auto* kKinds =
      new std::map<std::string, Kind>{{"contact", Kind::kContact},
                                      {"business", Kind::kBusiness},
                                      {"opportunity", Kind::kOpportunity},
                                      {"appointment", Kind::kAppointment},
                                      {"note", Kind::kNote},
                                      {"task", Kind::kTask},
                                      {"media", Kind::kMedia}};
  if (absl::StartsWith(target, kCustomObjectPrefix)) return Kind::kCustomObject;
  auto it = kKinds->find(target);
  if (it == kKinds->end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HighLevel has no target object '", target,
        "' (known: contact, business, opportunity, appointment, note, task, "
        "media, custom_object:<key>)"));
  }
  return it->second;
}

// "custom_object:treatment" -> "custom_objects.treatment".
std::string SchemaKey(const std::string& target) {
  std::string key = target.substr(std::string(kCustomObjectPrefix).size());
  return absl::StartsWith(key, "custom_objects.") ? key
                                                  : "custom_objects." + key;
}

// Custom field entities of the map -> the HighLevel model or object key:
// "contacts" -> contact, "opportunities" -> opportunity, "businesses" ->
// business, "custom_object:x" -> custom_objects.x.
std::string ModelOf(const std::string& entity) {
  if (entity == "contacts" || entity == "contact") return "contact";
  if (entity == "opportunities" || entity == "opportunity") {
    return "opportunity";
  }
  if (entity == "businesses" || entity == "business") return "business";
  if (absl::StartsWith(entity, kCustomObjectPrefix)) return SchemaKey(entity);
  return entity;
}

// A scalar's text: "x" -> x, 12 -> "12", null -> "".
std::string TextOf(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.is_null() ? "" : v.dump();
}

// The model whose custom fields an object kind holds ("contact",
// "opportunity", "business", "custom_objects.x"); "" for none.
std::string ModelOfKind(Kind kind, const std::string& target) {
  switch (kind) {
    case Kind::kContact:
      return "contact";
    case Kind::kOpportunity:
      return "opportunity";
    case Kind::kBusiness:
      return "business";
    case Kind::kCustomObject:
      return SchemaKey(target);
    default:
      return "";
  }
}

class HighLevelConnector : public CrmConnector {
 public:
  HighLevelConnector(const HighLevelConfig& config,
                     std::unique_ptr<HttpClient> http, Clock clock,
                     Sleeper sleeper)
      : config_(config),
        transport_(
            [&config] {
              RestOptions o;
              o.base_url = config.base_url;
              o.auth_headers = {"Authorization: Bearer " + config.token};
              o.rate_per_second = config.burst_per_10s / 10.0;
              o.burst = 1;  // evenly paced: the 10 s window rolls
              o.pacer = config.pacer;
              o.observe = HighLevelRateObservations;
              o.error_message = ErrorMessage;
              return o;
            }(),
            std::move(http), std::move(clock), std::move(sleeper)) {}

  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    // Users search needs the agency id; without it, the location's users.
    std::string path =
        config_.company_id.empty()
            ? "/users/" + QueryString({{"locationId", Loc()}})
            : "/users/search" + QueryString({{"companyId", config_.company_id},
                                             {"locationId", Loc()},
                                             {"limit", "100"}});
    BW_ASSIGN_OR_RETURN(json j, Call("GET", path, json(), true));
    std::vector<CrmUser> users;
    for (const auto& u : j.value("users", json::array())) {
      if (u.value("deleted", false)) continue;
      users.push_back(CrmUser{u.value("id", ""), u.value("email", ""),
                              u.value("name", "")});
    }
    return users;
  }

  absl::StatusOr<SchemaReport> PrepareSchema(const SchemaRequest& request,
                                             bool apply) override {
    SchemaReport report;
    planned_objects_.clear();
    planned_fields_.clear();
    // Custom objects first: their fields live under them.
    BW_ASSIGN_OR_RETURN(
        json objects,
        Call("GET", "/objects/" + QueryString({{"locationId", Loc()}}), json(),
             true));
    std::set<std::string> have;
    int custom_count = 0;
    for (const auto& o : objects.value("objects", json::array())) {
      have.insert(o.value("key", ""));
      if (!o.value("standard", false)) ++custom_count;
    }
    int to_add = 0;
    for (const auto& spec : request.objects) {
      if (!have.count(SchemaKey(kCustomObjectPrefix + spec.key))) ++to_add;
    }
    report.limits.push_back(
        absl::StrCat("custom objects: ", custom_count + to_add, " of ",
                     kCustomObjectLimit, " after this run"));
    if (custom_count + to_add > kCustomObjectLimit) {
      return absl::FailedPreconditionError(
          absl::StrCat("HighLevel allows ", kCustomObjectLimit,
                       " custom objects per location; the location has ",
                       custom_count, " and the map needs ", to_add, " more"));
    }
    for (const auto& spec : request.objects) {
      std::string key = SchemaKey(kCustomObjectPrefix + spec.key);
      std::string item = "custom_object " + key;
      if (have.count(key)) {
        report.present.push_back(item);
      } else if (!apply) {
        report.to_create.push_back(item);
        planned_objects_.insert(key);
        planned_fields_[key];  // its fields are known: none yet
      } else {
        json body = {
            {"labels", {{"singular", spec.singular}, {"plural", spec.plural}}},
            {"key", key},
            {"locationId", Loc()},
            {"primaryDisplayPropertyDetails",
             {{"key", key + "." + Snake(spec.primary_field)},
              {"name", spec.primary_field},
              {"dataType", "TEXT"}}}};
        BW_RETURN_IF_ERROR(Call("POST", "/objects/", body, false).status());
        report.created.push_back(item);
      }
      // Records link to contacts through one association per object.
      BW_RETURN_IF_ERROR(
          EnsureAssociation(key, apply || have.count(key) > 0, &report));
    }
    // Custom fields, by model.
    std::map<std::string, std::vector<const mapping::CustomFieldSpec*>>
        by_model;
    for (const auto& f : request.fields)
      by_model[ModelOf(f.entity)].push_back(&f);
    for (const auto& [model, specs] : by_model) {
      BW_RETURN_IF_ERROR(LoadFields(model));
      for (const mapping::CustomFieldSpec* spec : specs) {
        std::string item = absl::StrCat(model, ".", spec->name);
        if (FieldOf(model, spec->name) != nullptr) {
          report.present.push_back(item);
          continue;
        }
        if (!apply) {
          report.to_create.push_back(item);
          planned_fields_[model][Snake(spec->name)] = {
              absl::StrCat("planned:", model, ".", Snake(spec->name)),
              DataType(spec->type), spec->choices};
          continue;
        }
        BW_RETURN_IF_ERROR(CreateField(model, *spec));
        report.created.push_back(item);
      }
    }
    // Pipelines cannot be created through the API: an admin's checklist.
    if (!request.pipelines.empty()) {
      BW_RETURN_IF_ERROR(LoadPipelines());
      for (const auto& p : request.pipelines) {
        auto it = pipelines_.find(p.name);
        std::vector<std::string> missing;
        for (const auto& s : p.stages) {
          if (it == pipelines_.end() || !it->second.stages.count(s.name))
            missing.push_back(s.name);
        }
        if (it != pipelines_.end() && missing.empty()) {
          report.present.push_back("pipeline " + p.name);
          continue;
        }
        report.checklist.push_back(absl::StrCat(
            "HighLevel Opportunities > Pipelines: ",
            it == pipelines_.end() ? "create pipeline '" : "in pipeline '",
            p.name, "' add stages ", "'", absl::StrJoin(missing, "', '"),
            "' (in this order; the API cannot create pipelines or stages)"));
      }
    }
    return report;
  }

  absl::StatusOr<std::string> Create(const ResolvedRecord& rr) override {
    const v1::TargetRecord& r = *rr.record;
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(r.target_object()));
    const Values v = FromRecord(rr);
    BW_RETURN_IF_ERROR(RefusePlanned(kind, v));
    switch (kind) {
      case Kind::kContact: {
        BW_ASSIGN_OR_RETURN(json body, ContactBody(v, /*create=*/true));
        BW_ASSIGN_OR_RETURN(json j, Call("POST", "/contacts/", body, false));
        std::string id = j["contact"].value("id", "");
        BW_RETURN_IF_ERROR(LinkBusiness(v, id));
        return id;
      }
      case Kind::kBusiness: {
        BW_ASSIGN_OR_RETURN(json j, Call("POST", "/objects/business/records",
                                         RecordBody(v), false));
        return j["record"].value("id", "");
      }
      case Kind::kOpportunity: {
        BW_ASSIGN_OR_RETURN(json body, OpportunityBody(v, true));
        BW_ASSIGN_OR_RETURN(json j,
                            Call("POST", "/opportunities/", body, false));
        return j["opportunity"].value("id", "");
      }
      case Kind::kAppointment: {
        BW_ASSIGN_OR_RETURN(json body, AppointmentBody(v, true));
        BW_ASSIGN_OR_RETURN(
            json j, Call("POST", "/calendars/events/appointments", body, false,
                         kCalendarVersion));
        return j.value("id", "");
      }
      case Kind::kNote:
      case Kind::kTask: {
        BW_ASSIGN_OR_RETURN(std::string contact, Lookup(v, "contactId"));
        bool note = kind == Kind::kNote;
        json body = ChildBody(v, note);
        BW_ASSIGN_OR_RETURN(json j,
                            Call("POST",
                                 absl::StrCat("/contacts/", contact,
                                              note ? "/notes" : "/tasks"),
                                 body, false));
        return absl::StrCat(contact, "/",
                            j[note ? "note" : "task"].value("id", ""));
      }
      case Kind::kCustomObject: {
        std::string key = SchemaKey(r.target_object());
        BW_ASSIGN_OR_RETURN(
            json j, Call("POST", absl::StrCat("/objects/", key, "/records"),
                         RecordBody(v), false));
        std::string id = j["record"].value("id", "");
        BW_RETURN_IF_ERROR(Relate(v, key, id));
        return id;
      }
      case Kind::kMedia:
        return UploadMedia(rr);
    }
    return absl::InternalError("unreachable");
  }

  absl::Status Update(const std::string& id,
                      const ResolvedRecord& rr) override {
    return Write(id, FromRecord(rr));
  }

  absl::Status Patch(const std::string& target_object, const std::string& id,
                     const json& fields) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(target_object));
    if (kind == Kind::kContact && fields.contains("businessId")) {
      json body = {{"locationId", Loc()},
                   {"ids", json::array({id})},
                   {"businessId", fields["businessId"]}};
      return Call("POST", "/contacts/bulk/business", body, true).status();
    }
    if (kind == Kind::kContact) {
      return Call("PUT", "/contacts/" + UrlEncode(id), fields, true).status();
    }
    if (kind == Kind::kOpportunity) {
      return Call("PUT", "/opportunities/" + UrlEncode(id), fields, true)
          .status();
    }
    return absl::UnimplementedError(
        absl::StrCat("HighLevel: no deferred links on ", target_object));
  }

  absl::StatusOr<std::optional<json>> Get(const std::string& target_object,
                                          const std::string& id) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(target_object));
    std::string path;
    std::string member;
    const char* version = kVersion;
    switch (kind) {
      case Kind::kContact:
        path = "/contacts/" + UrlEncode(id);
        member = "contact";
        break;
      case Kind::kBusiness:
        path = "/businesses/" + UrlEncode(id);
        member = "business";
        break;
      case Kind::kOpportunity:
        path = "/opportunities/" + UrlEncode(id);
        member = "opportunity";
        break;
      case Kind::kAppointment:
        path = "/calendars/events/appointments/" + UrlEncode(id);
        member = "event";
        version = kCalendarVersion;
        break;
      case Kind::kNote:
      case Kind::kTask: {
        BW_ASSIGN_OR_RETURN(path, ChildPath(kind, id));
        member = kind == Kind::kNote ? "note" : "task";
        break;
      }
      case Kind::kCustomObject:
        path = absl::StrCat("/objects/", SchemaKey(target_object), "/records/",
                            UrlEncode(id));
        member = "record";
        break;
      case Kind::kMedia:
        return FindMedia(id);
    }
    auto j = Call("GET", path, json(), true, version);
    if (absl::IsNotFound(j.status())) return std::optional<json>();
    if (!j.ok()) return j.status();
    json out = j->contains(member) ? (*j)[member] : *j;
    if (out.value("deleted", false)) return std::optional<json>();
    if (kind == Kind::kCustomObject && !out.contains("contactId")) {
      // A custom object record's contact is an association, not one of
      // its properties: read it back as "contactId" so that projections
      // (rollback's conflicts, the delta's check, reconciliation) see it.
      BW_ASSIGN_OR_RETURN(std::vector<std::string> contacts,
                          RelatedContacts(target_object, id));
      if (contacts.size() == 1) out["contactId"] = contacts.front();
      if (contacts.size() > 1) out["contactId"] = contacts;
    }
    return std::optional<json>(std::move(out));
  }

  absl::Status Delete(const std::string& target_object,
                      const std::string& id) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(target_object));
    std::string path;
    const char* version = kVersion;
    switch (kind) {
      case Kind::kContact:
        path = "/contacts/" + UrlEncode(id);
        break;
      case Kind::kBusiness:
        path = "/businesses/" + UrlEncode(id);
        break;
      case Kind::kOpportunity:
        path = "/opportunities/" + UrlEncode(id);
        break;
      case Kind::kAppointment:
        path = "/calendars/events/" + UrlEncode(id);
        version = kCalendarVersion;
        break;
      case Kind::kNote:
      case Kind::kTask: {
        BW_ASSIGN_OR_RETURN(path, ChildPath(kind, id));
        break;
      }
      case Kind::kCustomObject:
        path = absl::StrCat("/objects/", SchemaKey(target_object), "/records/",
                            UrlEncode(id));
        break;
      case Kind::kMedia: {
        BW_ASSIGN_OR_RETURN(std::optional<json> m, FindMedia(id));
        if (!m) return absl::NotFoundError("media not found");
        path = "/medias/" + UrlEncode(id) +
               QueryString({{"altType", "location"}, {"altId", Loc()}});
        break;
      }
    }
    // The calendar event delete declares a (empty) JSON body.
    json body = kind == Kind::kAppointment ? json::object() : json();
    return Call("DELETE", path, body, true, version).status();
  }

  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(target_object));
    if (kind == Kind::kContact || kind == Kind::kOpportunity) {
      std::string model = kind == Kind::kContact ? "contact" : "opportunity";
      // A standard property (a contact's email or phone: eq ignores case)
      // or the custom field holding the key.
      std::string filter = field;
      if (absl::StartsWith(field, "cf_")) {
        BW_RETURN_IF_ERROR(LoadFields(model));
        const CustomField* f = FieldOf(model, field);
        if (f == nullptr) {
          return absl::FailedPreconditionError(
              absl::StrCat("HighLevel: no ", model, " custom field ", field,
                           " holds the external key (run Prepare first)"));
        }
        filter = "customFields." + f->id;
      }
      // The contact search pages with pageLimit, the opportunity search
      // with limit (OpportunitySearchBodyDTO has no pageLimit).
      json body = {
          {"locationId", Loc()},
          {kind == Kind::kContact ? "pageLimit" : "limit", 2},
          {"filters",
           json::array(
               {{{"field", filter}, {"operator", "eq"}, {"value", key}}})}};
      std::string path =
          kind == Kind::kContact ? "/contacts/search" : "/opportunities/search";
      BW_ASSIGN_OR_RETURN(json j, Call("POST", path, body, true));
      const json& items = j.value(
          kind == Kind::kContact ? "contacts" : "opportunities", json::array());
      if (items.empty()) return std::optional<std::string>();
      return std::optional<std::string>(items[0].value("id", ""));
    }
    if (kind == Kind::kBusiness || kind == Kind::kCustomObject) {
      std::string schema =
          kind == Kind::kBusiness ? "business" : SchemaKey(target_object);
      json body = {{"locationId", Loc()},
                   {"page", 1},
                   {"pageLimit", 10},
                   {"query", absl::StrCat(Snake(field), ":", key)}};
      BW_ASSIGN_OR_RETURN(
          json j,
          Call("POST", absl::StrCat("/objects/", schema, "/records/search"),
               body, true));
      // The search matches substrings: keep the exact one.
      for (const auto& rec : j.value("records", json::array())) {
        const json& props = rec.value("properties", json::object());
        for (const auto& [k, v] : props.items()) {
          if ((k == Snake(field) || absl::EndsWith(k, "." + Snake(field))) &&
              v.is_string() && v.get<std::string>() == key) {
            return std::optional<std::string>(rec.value("id", ""));
          }
        }
      }
      return std::optional<std::string>();
    }
    // Appointments, notes, tasks and media have no field to hold the key:
    // nothing can be found (the ledger's id map is the only record).
    return std::optional<std::string>();
  }

  absl::StatusOr<ListPage> List(const std::string& target_object,
                                const std::string& page_token,
                                int page_size) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(target_object));
    int limit = std::clamp(page_size, 1, 100);
    ListPage page;
    if (kind == Kind::kContact || kind == Kind::kOpportunity) {
      // Cursor: "<startAfter millis>,<startAfterId>".
      bool contact = kind == Kind::kContact;
      std::vector<std::pair<std::string, std::string>> q = {
          {contact ? "locationId" : "location_id", Loc()},
          {"limit", absl::StrCat(limit)}};
      if (!page_token.empty()) {
        std::vector<std::string> parts = absl::StrSplit(page_token, ',');
        if (parts.size() != 2) {
          return absl::InvalidArgumentError("malformed HighLevel page token");
        }
        q.push_back({"startAfter", parts[0]});
        q.push_back({"startAfterId", parts[1]});
      }
      if (!contact) q.push_back({"order", "added_asc"});
      BW_ASSIGN_OR_RETURN(
          json j, Call("GET",
                       (contact ? "/contacts/" : "/opportunities/search") +
                           QueryString(q),
                       json(), true));
      for (const auto& r :
           j.value(contact ? "contacts" : "opportunities", json::array()))
        page.records.push_back(r);
      const json& meta = j.value("meta", json::object());
      if (meta.contains("nextPageUrl") && !page.records.empty()) {
        json after = meta.value("startAfter", json());
        page.next_page_token =
            absl::StrCat(after.is_number() ? absl::StrCat(after.get<int64_t>())
                         : after.is_string() ? after.get<std::string>()
                                             : "",
                         ",", meta.value("startAfterId", ""));
      }
      return page;
    }
    if (kind == Kind::kBusiness) {
      int64_t skip = 0;
      if (!page_token.empty() && !absl::SimpleAtoi(page_token, &skip)) {
        return absl::InvalidArgumentError("malformed HighLevel page token");
      }
      BW_ASSIGN_OR_RETURN(
          json j,
          Call("GET",
               "/businesses/" + QueryString({{"locationId", Loc()},
                                             {"limit", absl::StrCat(limit)},
                                             {"skip", absl::StrCat(skip)}}),
               json(), true));
      for (const auto& r : j.value("businesses", json::array()))
        page.records.push_back(r);
      if (static_cast<int>(page.records.size()) == limit)
        page.next_page_token = absl::StrCat(skip + limit);
      return page;
    }
    return absl::UnimplementedError(absl::StrCat(
        "HighLevel ", target_object,
        " records are listed under their contact or calendar, not as a "
        "collection"));
  }

  // Custom fields from "customFields" ([{id, value}]; opportunities
  // [{id, fieldValue}]; businesses {key: value}; custom object records
  // "properties"), multi-option values as lists; an opportunity's pipeline
  // and stage ids as names; lookups as the ids the record holds
  // (businessId, contactId).
  absl::StatusOr<json> Project(const v1::TargetRecord& record,
                               const json& crm_record) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(record.target_object()));
    const std::string model = ModelOfKind(kind, record.target_object());
    json p = EmptyProjection();
    const json properties = kind == Kind::kCustomObject
                                ? Member(crm_record, "properties")
                                : crm_record;
    for (const auto& [k, v] : record.fields()) {
      json& out = p["fields"][k];
      if (kind == Kind::kOpportunity && (k == "pipeline" || k == "stage")) {
        BW_ASSIGN_OR_RETURN(out, PipelineName(crm_record, k == "stage"));
      } else {
        out = ValueOf(properties, k);
      }
    }
    if (!record.custom_fields().empty() && !model.empty()) {
      BW_RETURN_IF_ERROR(LoadFields(model));
    }
    for (const auto& [k, v] : record.custom_fields()) {
      json& out = p["custom_fields"][k];
      const CustomField* field = model.empty() ? nullptr : FieldOf(model, k);
      if (field == nullptr) continue;  // nowhere to hold it: null
      json stored;
      if (kind == Kind::kContact || kind == Kind::kOpportunity) {
        json list = ValueOf(crm_record, "customFields");
        for (const auto& e : list.is_array() ? list : json::array()) {
          if (ValueOf(e, "id") != field->id) continue;
          stored = e.contains("value") ? e["value"] : ValueOf(e, "fieldValue");
        }
      } else {
        const json& holder = kind == Kind::kBusiness
                                 ? Member(crm_record, "customFields")
                                 : properties;
        stored = ValueOf(holder, Snake(k));
      }
      out = ReadCustomValue(*field, stored);
    }
    for (const auto& lookup : record.lookups()) {
      p["lookups"][lookup.target_field()] =
          IdTexts(ValueOf(crm_record, lookup.target_field()));
    }
    return p;
  }

  // The write's own PUT (and, for a contact's business, the bulk business
  // call); blanks clear: null, "" where the DTO does not allow null, and
  // field_value "" for a custom field. A record's contact (notes, tasks,
  // opportunities, appointments) is fixed and not restored.
  absl::Status Restore(const std::string& target_object, const std::string& id,
                       const json& projection) override {
    return Write(id, FromProjection(target_object, projection));
  }

  // Checks the object, the lookups it needs and the custom fields (and
  // their options) against the fields this connector has read or the last
  // PrepareSchema planned (with the custom objects), sending nothing;
  // FAILED_PRECONDITION when it has read or planned none of the model's.
  // Pipelines are not checked (an admin creates them; see the checklist).
  absl::StatusOr<int> PlanWrite(const ResolvedRecord& rr,
                                bool create) override {
    const v1::TargetRecord& r = *rr.record;
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(r.target_object()));
    const Values v = FromRecord(rr);
    if (kind == Kind::kMedia) {
      if (!create) {
        return absl::FailedPreconditionError(
            "HighLevel media cannot be replaced; delete the file in "
            "HighLevel and run again to upload it anew");
      }
      if (r.attachments().empty()) {
        return absl::InvalidArgumentError(
            "attachments: HighLevel media needs an attachment");
      }
    }
    bool needs_contact =
        kind == Kind::kNote || kind == Kind::kTask ||
        (create && (kind == Kind::kOpportunity || kind == Kind::kAppointment));
    if (needs_contact) BW_RETURN_IF_ERROR(Lookup(v, "contactId").status());
    const std::string model = ModelOfKind(kind, r.target_object());
    for (const auto& [name, value] : v.custom.items()) {
      if (model.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": HighLevel ", r.target_object(),
                         "s have no custom fields"));
      }
      if (!fields_.count(model) && !planned_fields_.count(model)) {
        return absl::FailedPreconditionError(
            absl::StrCat("the custom fields of HighLevel ", model,
                         " are not known yet (prepare the schema first)"));
      }
      const CustomField* field = FieldOf(model, name);
      if (field == nullptr) field = FieldIn(planned_fields_, model, name);
      if (field == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": HighLevel ", model,
                         " has no custom field for it (prepare the schema "
                         "first)"));
      }
      if (!field->options.empty() && !value.is_null()) {
        for (const auto& item :
             value.is_array() ? value : json::array({value})) {
          if (std::find(field->options.begin(), field->options.end(),
                        TextOf(item)) == field->options.end()) {
            return absl::InvalidArgumentError(
                absl::StrCat(name, ": not an option of the HighLevel field"));
          }
        }
      }
    }
    // A contact's business and a record's contact are linked by a call of
    // their own.
    int requests = 1;
    if (kind == Kind::kContact && OptionalLookup(v, "businessId")) ++requests;
    if (kind == Kind::kCustomObject && create &&
        OptionalLookup(v, "contactId")) {
      ++requests;
    }
    return requests;
  }

  bool FindsByExternalKey(const std::string& target_object) const override {
    absl::StatusOr<Kind> kind = KindOf(target_object);
    return !kind.ok() || (*kind != Kind::kAppointment && *kind != Kind::kNote &&
                          *kind != Kind::kTask && *kind != Kind::kMedia);
  }

  // The second request of a create: a contact's business join (idempotent:
  // sent again), a custom object record's association with its contact
  // (one GET of its relations; the relation made when the contact is not
  // among them).
  absl::Status CompleteCreate(const ResolvedRecord& rr,
                              const std::string& id) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(rr.record->target_object()));
    Values v = FromRecord(rr);
    if (kind == Kind::kContact) return LinkBusiness(v, id);
    if (kind != Kind::kCustomObject) return absl::OkStatus();
    auto contact = OptionalLookup(v, "contactId");
    if (!contact) return absl::OkStatus();
    BW_ASSIGN_OR_RETURN(std::vector<std::string> related,
                        RelatedContacts(rr.record->target_object(), id));
    if (std::find(related.begin(), related.end(), *contact) != related.end()) {
      return absl::OkStatus();
    }
    return Relate(v, SchemaKey(rr.record->target_object()), id);
  }

  // Notes and tasks: the contact's (GET /contacts/{id}/notes|tasks), ids
  // "<contact>/<own>". Appointments and media: UNIMPLEMENTED.
  absl::StatusOr<std::vector<std::string>> FindByContent(
      const ResolvedRecord& r) override {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(r.record->target_object()));
    if (kind != Kind::kNote && kind != Kind::kTask) {
      return CrmConnector::FindByContent(r);
    }
    auto contact = r.lookup_ids.find("contactId");
    if (contact == r.lookup_ids.end() || contact->second.empty()) {
      return std::vector<std::string>();
    }
    const bool note = kind == Kind::kNote;
    BW_ASSIGN_OR_RETURN(
        json j, Call("GET",
                     absl::StrCat("/contacts/", UrlEncode(contact->second[0]),
                                  note ? "/notes" : "/tasks"),
                     json(), true));
    const json written = WrittenProjection(r);
    std::vector<std::string> out;
    for (const json& item : j.value(note ? "notes" : "tasks", json::array())) {
      BW_ASSIGN_OR_RETURN(json projected, Project(*r.record, item));
      if (DiffProjections(written, projected).empty()) {
        out.push_back(
            absl::StrCat(contact->second[0], "/", item.value("id", "")));
      }
    }
    return out;
  }

  // assignedTo (contacts, opportunities, tasks), assignedUserId
  // (appointments), userId (notes), owner (custom object records, a list).
  // Media have none; a business is read through /businesses/{id}, which
  // does not show the owner its record was written with.
  std::optional<std::string> OwnerOf(const std::string& target_object,
                                     const json& crm_record) const override {
    absl::StatusOr<Kind> kind = KindOf(target_object);
    if (!kind.ok()) return std::nullopt;
    switch (*kind) {
      case Kind::kContact:
      case Kind::kOpportunity:
      case Kind::kTask:
        return OwnerText(ValueOf(crm_record, "assignedTo"));
      case Kind::kAppointment:
        return OwnerText(ValueOf(crm_record, "assignedUserId"));
      case Kind::kNote:
        return OwnerText(ValueOf(crm_record, "userId"));
      case Kind::kCustomObject:
        return OwnerText(ValueOf(crm_record, "owner"));
      case Kind::kBusiness:
      case Kind::kMedia:
        return std::nullopt;
    }
    return std::nullopt;
  }

  int64_t requests() const override { return transport_.requests(); }

 private:
  struct Pipeline {
    std::string id;
    std::map<std::string, std::string> stages;  // name -> id
  };

  // A custom field as the location (or object) lists it.
  struct CustomField {
    std::string id;
    std::string data_type;             // "TEXT", "SINGLE_OPTIONS", ...
    std::vector<std::string> options;  // option labels
  };
  // model -> (field name without cf_ -> field).
  using FieldTable = std::map<std::string, std::map<std::string, CustomField>>;

  // A stored custom value as a record writes it: a multi-option or
  // checkbox field's "a, b" (contacts read values as text) as a list.
  static json ReadCustomValue(const CustomField& field, const json& stored) {
    bool multi =
        field.data_type == "MULTIPLE_OPTIONS" || field.data_type == "CHECKBOX";
    if (!multi || !stored.is_string()) return stored;
    json out = json::array();
    for (absl::string_view part : absl::StrSplit(stored.get<std::string>(), ',',
                                                 absl::SkipWhitespace())) {
      out.push_back(std::string(absl::StripAsciiWhitespace(part)));
    }
    return out;
  }

  // The name of an opportunity's pipeline (or, with `stage`, its stage);
  // the id when no pipeline has it.
  absl::StatusOr<json> PipelineName(const json& opportunity, bool stage) {
    const json id =
        ValueOf(opportunity, stage ? "pipelineStageId" : "pipelineId");
    if (id.is_null()) return json();
    BW_RETURN_IF_ERROR(LoadPipelines());
    for (const auto& [name, p] : pipelines_) {
      if (!stage && p.id == TextOf(id)) return json(name);
      for (const auto& [stage_name, stage_id] : p.stages) {
        if (stage && stage_id == TextOf(id)) return json(stage_name);
      }
    }
    return id;
  }

  const std::string& Loc() const { return config_.location_id; }

  // Sends a JSON request with the Version header; parses the answer.
  absl::StatusOr<json> Call(const std::string& method, const std::string& path,
                            const json& body, bool idempotent,
                            const char* version = kVersion) {
    RestBody b;
    if (!body.is_null()) b.data = DumpJson(body);
    b.headers = {version};
    BW_ASSIGN_OR_RETURN(HttpResponse r,
                        transport_.CallWithBody(method, path, b, idempotent));
    if (r.body.empty()) return json::object();
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) {
      return absl::InternalError(
          absl::StrCat("HighLevel ", method, ": the answer is not JSON"));
    }
    return j;
  }

  // What a write carries before it is shaped for the wire: a record's
  // values (Create, Update) or a projection's (Restore).
  struct Values {
    std::string object;  // the target object, for messages
    // Plain fields by map name; null only in a restore, where it clears.
    json fields = json::object();
    // cf_ name -> value; null clears.
    json custom = json::object();
    // Lookup target field -> CRM ids (none: cleared, in a restore).
    std::map<std::string, std::vector<std::string>> lookups;
    std::string owner;  // CRM user id; empty for none
    bool restore = false;
  };

  static Values FromRecord(const ResolvedRecord& rr) {
    const v1::TargetRecord& r = *rr.record;
    Values v;
    v.object = r.target_object();
    for (const auto& [name, value] : r.fields()) {
      if (!record::IsNull(value)) v.fields[name] = Json(value);
    }
    for (const auto& [name, value] : r.custom_fields()) {
      v.custom[name] = record::IsNull(value) ? json() : Json(value);
    }
    v.lookups = rr.lookup_ids;
    v.owner = rr.owner_id;
    return v;
  }

  // A projection's values; blanks become nulls.
  static Values FromProjection(const std::string& object,
                               const json& projection) {
    Values v;
    v.object = object;
    v.restore = true;
    for (const auto& [k, x] : Member(projection, "fields").items())
      v.fields[k] = IsBlank(x) ? json() : x;
    for (const auto& [k, x] : Member(projection, "custom_fields").items())
      v.custom[k] = IsBlank(x) ? json() : x;
    for (const auto& [k, x] : Member(projection, "lookups").items())
      v.lookups[k] = IdTexts(x);
    return v;
  }

  // The CRM id of the lookup whose target field is `field`.
  absl::StatusOr<std::string> Lookup(const Values& v,
                                     const std::string& field) const {
    auto it = v.lookups.find(field);
    if (it == v.lookups.end() || it->second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HighLevel ", v.object, " needs ", field));
    }
    return it->second.front();
  }

  std::optional<std::string> OptionalLookup(const Values& v,
                                            const std::string& field) const {
    auto it = v.lookups.find(field);
    if (it == v.lookups.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
  }

  // Update and Restore: the object's PUT with the shaped body (a
  // contact's business through the bulk endpoint).
  absl::Status Write(const std::string& id, const Values& v) {
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(v.object));
    BW_RETURN_IF_ERROR(RefusePlanned(kind, v));
    switch (kind) {
      case Kind::kContact: {
        BW_ASSIGN_OR_RETURN(json body, ContactBody(v, false));
        BW_RETURN_IF_ERROR(
            Call("PUT", "/contacts/" + UrlEncode(id), body, true).status());
        return LinkBusiness(v, id);
      }
      case Kind::kBusiness:
      case Kind::kCustomObject: {
        std::string key = kind == Kind::kBusiness ? std::string("business")
                                                  : SchemaKey(v.object);
        json body = RecordBody(v);
        body.erase("locationId");
        return Call("PUT",
                    absl::StrCat("/objects/", key, "/records/", UrlEncode(id),
                                 QueryString({{"locationId", Loc()}})),
                    body, true)
            .status();
      }
      case Kind::kOpportunity: {
        BW_ASSIGN_OR_RETURN(json body, OpportunityBody(v, false));
        return Call("PUT", "/opportunities/" + UrlEncode(id), body, true)
            .status();
      }
      case Kind::kAppointment: {
        BW_ASSIGN_OR_RETURN(json body, AppointmentBody(v, false));
        return Call("PUT", "/calendars/events/appointments/" + UrlEncode(id),
                    body, true, kCalendarVersion)
            .status();
      }
      case Kind::kNote:
      case Kind::kTask: {
        BW_ASSIGN_OR_RETURN(std::string path, ChildPath(kind, id));
        return Call("PUT", path, ChildBody(v, kind == Kind::kNote), true)
            .status();
      }
      case Kind::kMedia:
        return absl::FailedPreconditionError(
            "HighLevel media cannot be replaced; delete the file in "
            "HighLevel and run again to upload it anew");
    }
    return absl::InternalError("unreachable");
  }

  // "<contact>/<child>" -> the child's path.
  absl::StatusOr<std::string> ChildPath(Kind kind, const std::string& id) {
    std::vector<std::string> parts = absl::StrSplit(id, '/');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          "HighLevel note and task ids are <contactId>/<id>");
    }
    return absl::StrCat("/contacts/", UrlEncode(parts[0]),
                        kind == Kind::kNote ? "/notes/" : "/tasks/",
                        UrlEncode(parts[1]));
  }

  // Plain fields, except the ones the caller handles.
  static json Fields(const Values& v, const std::set<std::string>& skip = {}) {
    json out = json::object();
    for (const auto& [name, value] : v.fields.items()) {
      if (!skip.count(name)) out[name] = value;
    }
    return out;
  }

  // customFields [{id, field_value}] of a contact or opportunity; "" clears
  // a field.
  absl::StatusOr<json> CustomFields(const Values& v, const std::string& model) {
    json out = json::array();
    if (v.custom.empty()) return out;
    BW_RETURN_IF_ERROR(LoadFields(model));
    for (const auto& [name, value] : v.custom.items()) {
      const CustomField* field = FieldOf(model, name);
      if (field == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("HighLevel: no ", model, " custom field for ", name,
                         " (run Prepare first)"));
      }
      out.push_back({{"id", field->id},
                     {"field_value", value.is_null() ? json("") : value}});
    }
    return out;
  }

  absl::StatusOr<json> ContactBody(const Values& v, bool create) {
    json body = Fields(v, {"businessId"});
    // UpdateContactDto lets most properties be null; these clear with "".
    for (const char* k : {"postalCode", "country"}) {
      if (body.contains(k) && body[k].is_null()) body[k] = "";
    }
    if (create) body["locationId"] = Loc();
    if (!v.owner.empty()) body["assignedTo"] = v.owner;
    BW_ASSIGN_OR_RETURN(json cf, CustomFields(v, "contact"));
    if (!cf.empty()) body["customFields"] = std::move(cf);
    return body;
  }

  // Contacts join their business through the bulk endpoint (businessId is
  // not a contact property on create or update); a restore without one
  // takes the contact off its business (null).
  absl::Status LinkBusiness(const Values& v, const std::string& id) {
    auto it = v.lookups.find("businessId");
    if (it == v.lookups.end() || (it->second.empty() && !v.restore)) {
      return absl::OkStatus();
    }
    json body = {
        {"locationId", Loc()},
        {"ids", json::array({id})},
        {"businessId", it->second.empty() ? json() : json(it->second[0])}};
    return Call("POST", "/contacts/bulk/business", body, true).status();
  }

  absl::StatusOr<json> OpportunityBody(const Values& v, bool create) {
    json body = Fields(v, {"pipeline", "stage"});
    if (create) body["locationId"] = Loc();
    if (create && !body.contains("status")) body["status"] = "open";
    if (create) {
      // The contact is fixed at creation (UpdateOpportunityDto has none).
      BW_ASSIGN_OR_RETURN(std::string contact, Lookup(v, "contactId"));
      body["contactId"] = contact;
    }
    const json pipeline = ValueOf(v.fields, "pipeline");
    if (!pipeline.is_null()) {
      BW_RETURN_IF_ERROR(LoadPipelines());
      auto p = pipelines_.find(TextOf(pipeline));
      if (p == pipelines_.end()) {
        return absl::FailedPreconditionError(
            absl::StrCat("HighLevel: no pipeline named in the record's "
                         "'pipeline' field exists (run check)"));
      }
      body["pipelineId"] = p->second.id;
      const json stage = ValueOf(v.fields, "stage");
      if (!stage.is_null()) {
        auto s = p->second.stages.find(TextOf(stage));
        if (s == p->second.stages.end()) {
          return absl::InvalidArgumentError(
              "HighLevel: the record's stage is not a stage of its pipeline");
        }
        body["pipelineStageId"] = s->second;
      }
    }
    if (!v.owner.empty()) body["assignedTo"] = v.owner;
    BW_ASSIGN_OR_RETURN(json cf, CustomFields(v, "opportunity"));
    if (!cf.empty()) body["customFields"] = std::move(cf);
    return body;
  }

  absl::StatusOr<json> AppointmentBody(const Values& v, bool create) {
    json body = Fields(v, {"calendar"});
    if (create) {
      // The contact is fixed at booking (AppointmentEditSchema has none).
      BW_ASSIGN_OR_RETURN(std::string contact, Lookup(v, "contactId"));
      body["contactId"] = contact;
      body["locationId"] = Loc();
      BW_ASSIGN_OR_RETURN(std::string calendar, CalendarId(v));
      body["calendarId"] = calendar;
    }
    // A booked history overlaps itself; the free-slot rule is for
    // bookings, not migrations.
    body["ignoreFreeSlotValidation"] = true;
    if (!v.owner.empty()) body["assignedUserId"] = v.owner;
    return body;
  }

  static json ChildBody(const Values& v, bool note) {
    json body = Fields(v);
    if (!v.owner.empty()) body[note ? "userId" : "assignedTo"] = v.owner;
    if (!note && !v.restore && !body.contains("completed"))
      body["completed"] = false;
    if (!note && body.contains("completed") && body["completed"].is_string())
      body["completed"] = body["completed"].get<std::string>() == "true";
    return body;
  }

  // {locationId, properties, owner} of a business or custom object record.
  json RecordBody(const Values& v) const {
    json props = Fields(v);
    for (const auto& [name, value] : v.custom.items()) {
      if (!value.is_null() || v.restore) props[Snake(name)] = value;
    }
    json body = {{"locationId", Loc()}, {"properties", std::move(props)}};
    if (!v.owner.empty()) body["owner"] = json::array({v.owner});
    return body;
  }

  // Relates a custom object record to the contacts its lookups name.
  absl::Status Relate(const Values& v, const std::string& schema,
                      const std::string& id) {
    auto contact = OptionalLookup(v, "contactId");
    if (!contact) return absl::OkStatus();
    auto assoc = associations_.find(schema);
    if (assoc == associations_.end()) {
      BW_RETURN_IF_ERROR(LoadAssociations());
      assoc = associations_.find(schema);
    }
    if (assoc == associations_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("HighLevel: no association between ", schema,
                       " and contact (run Prepare first)"));
    }
    json body = {{"locationId", Loc()},
                 {"associationId", assoc->second},
                 {"firstRecordId", id},
                 {"secondRecordId", *contact}};
    return Call("POST", "/associations/relations", body, false).status();
  }

  // The contacts a custom object record is related to through its
  // object's association with contact (none when there is no such
  // association). One GET of the record's relations.
  absl::StatusOr<std::vector<std::string>> RelatedContacts(
      const std::string& target_object, const std::string& id) {
    const std::string schema = SchemaKey(target_object);
    if (!associations_.count(schema)) BW_RETURN_IF_ERROR(LoadAssociations());
    auto assoc = associations_.find(schema);
    std::vector<std::string> out;
    if (assoc == associations_.end()) return out;
    BW_ASSIGN_OR_RETURN(
        json j, Call("GET",
                     absl::StrCat("/associations/relations/", UrlEncode(id),
                                  QueryString({{"locationId", Loc()},
                                               {"skip", "0"},
                                               {"limit", "100"}})),
                     json(), true));
    for (const auto& r : ValueOf(j, "relations")) {
      if (ValueOf(r, "associationId") != assoc->second) continue;
      std::string first = IdText(ValueOf(r, "firstRecordId"));
      std::string second = IdText(ValueOf(r, "secondRecordId"));
      out.push_back(first == id ? second : first);
    }
    return out;
  }

  absl::Status LoadAssociations() {
    BW_ASSIGN_OR_RETURN(
        json j, Call("GET",
                     "/associations/" + QueryString({{"locationId", Loc()},
                                                     {"skip", "0"},
                                                     {"limit", "100"}}),
                     json(), true));
    for (const auto& a : j.value("associations", json::array())) {
      std::string first = a.value("firstObjectKey", "");
      std::string second = a.value("secondObjectKey", "");
      if (second == "contact") associations_[first] = a.value("id", "");
      if (first == "contact") associations_[second] = a.value("id", "");
    }
    return absl::OkStatus();
  }

  absl::Status EnsureAssociation(const std::string& schema, bool apply,
                                 SchemaReport* report) {
    BW_RETURN_IF_ERROR(LoadAssociations());
    std::string item = absl::StrCat("association ", schema, " - contact");
    if (associations_.count(schema)) {
      report->present.push_back(item);
      return absl::OkStatus();
    }
    if (!apply) {
      report->to_create.push_back(item);
      return absl::OkStatus();
    }
    std::string name = schema.substr(schema.find('.') + 1);
    json body = {{"locationId", Loc()},
                 {"key", name + "_patient"},
                 {"firstObjectLabel", name},
                 {"firstObjectKey", schema},
                 {"secondObjectLabel", "patient"},
                 {"secondObjectKey", "contact"}};
    BW_ASSIGN_OR_RETURN(json j, Call("POST", "/associations/", body, false));
    associations_[schema] = j.value("id", "");
    report->created.push_back(item);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> UploadMedia(const ResolvedRecord& rr) {
    const v1::TargetRecord& r = *rr.record;
    if (r.attachments().empty()) {
      return absl::InvalidArgumentError("HighLevel media needs an attachment");
    }
    const v1::AttachmentRef& a = r.attachments(0);
    BW_ASSIGN_OR_RETURN(std::string path, FileUriPath(a.uri()));
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::NotFoundError("attachment file cannot be read");
    }
    std::stringstream data;
    data << in.rdbuf();
    std::string name = a.file_name();
    auto it = r.fields().find("name");
    if (it != r.fields().end()) name = record::ValueToText(it->second);
    RestBody body;
    body.headers = {kVersion};
    body.parts = {{"file", data.str(), a.file_name(), a.content_type()},
                  {"name", name, "", ""}};
    BW_ASSIGN_OR_RETURN(
        HttpResponse resp,
        transport_.CallWithBody("POST", "/medias/upload-file", body, false));
    json j = json::parse(resp.body, nullptr, false);
    if (!j.is_object()) {
      return absl::InternalError("HighLevel media upload: answer not JSON");
    }
    return j.value("fileId", "");
  }

  // Media have no GET by id: page the location's files for it.
  absl::StatusOr<std::optional<json>> FindMedia(const std::string& id) {
    for (int offset = 0;; offset += 100) {
      BW_ASSIGN_OR_RETURN(
          json j,
          Call("GET",
               "/medias/files" + QueryString({{"sortBy", "createdAt"},
                                              {"sortOrder", "asc"},
                                              {"type", "file"},
                                              {"altType", "location"},
                                              {"altId", Loc()},
                                              {"offset", absl::StrCat(offset)},
                                              {"limit", "100"}}),
               json(), true));
      const json& files = j.value("files", json::array());
      for (const auto& f : files) {
        if (f.value("_id", f.value("id", "")) == id) {
          return std::optional<json>(f);
        }
      }
      if (files.size() < 100) return std::optional<json>();
    }
  }

  absl::StatusOr<std::string> CalendarId(const Values& v) {
    if (calendars_.empty()) {
      BW_ASSIGN_OR_RETURN(
          json j,
          Call("GET", "/calendars/" + QueryString({{"locationId", Loc()}}),
               json(), true, kCalendarVersion));
      for (const auto& c : j.value("calendars", json::array())) {
        calendars_.push_back({c.value("name", ""), c.value("id", "")});
      }
    }
    if (calendars_.empty()) {
      return absl::FailedPreconditionError(
          "HighLevel: the location has no calendar to book appointments in");
    }
    const json calendar = ValueOf(v.fields, "calendar");
    if (calendar.is_null()) return calendars_.front().second;
    std::string name = TextOf(calendar);
    for (const auto& [n, id] : calendars_)
      if (n == name) return id;
    return absl::FailedPreconditionError(
        "HighLevel: the record's calendar does not exist in the location");
  }

  absl::Status LoadPipelines() {
    if (pipelines_loaded_) return absl::OkStatus();
    BW_ASSIGN_OR_RETURN(json j, Call("GET",
                                     "/opportunities/pipelines" +
                                         QueryString({{"locationId", Loc()}}),
                                     json(), true));
    for (const auto& p : j.value("pipelines", json::array())) {
      Pipeline& pl = pipelines_[p.value("name", "")];
      pl.id = p.value("id", "");
      for (const auto& s : p.value("stages", json::array())) {
        if (s.is_object()) pl.stages[s.value("name", "")] = s.value("id", "");
      }
    }
    pipelines_loaded_ = true;
    return absl::OkStatus();
  }

  // Reads the model's custom fields once: cf name -> field (id, data type,
  // options), matched by field key (<model>.<name without cf_>).
  // PrepareSchema, the writes, Project and FindByExternalKey share it;
  // PlanWrite only looks at what it read.
  absl::Status LoadFields(const std::string& model) {
    if (fields_.count(model)) return absl::OkStatus();
    auto& ids = fields_[model];
    auto add = [&ids](const json& f, bool object_field) {
      std::string key = f.value("fieldKey", "");
      CustomField& field = ids[key.substr(object_field ? key.rfind('.') + 1
                                                       : key.find('.') + 1)];
      field.id = f.value("id", "");
      field.data_type = f.value("dataType", "");
      // Location fields list picklistOptions; object fields options.
      for (const auto& o : f.value(object_field ? "options" : "picklistOptions",
                                   json::array())) {
        const json label = o.is_object() ? ValueOf(o, "label") : o;
        if (label.is_string()) field.options.push_back(label);
      }
    };
    json list;
    if (model == "contact" || model == "opportunity") {
      BW_ASSIGN_OR_RETURN(
          list,
          Call("GET",
               absl::StrCat("/locations/", UrlEncode(Loc()), "/customFields",
                            QueryString({{"model", model}})),
               json(), true));
      for (const auto& f : list.value("customFields", json::array())) {
        add(f, false);
      }
    } else {
      auto got =
          Call("GET",
               absl::StrCat("/custom-fields/object-key/", UrlEncode(model),
                            QueryString({{"locationId", Loc()}})),
               json(), true);
      if (absl::IsNotFound(got.status())) {
        // The custom object does not exist yet: no fields, nothing to
        // remember.
        fields_.erase(model);
        return absl::OkStatus();
      }
      BW_RETURN_IF_ERROR(got.status());
      list = *std::move(got);
      for (const auto& f : list.value("fields", json::array())) add(f, true);
      for (const auto& f : list.value("folders", json::array())) {
        if (folders_[model].empty()) folders_[model] = f.value("id", "");
      }
    }
    return absl::OkStatus();
  }

  // The custom field of a map name ("cf_x" or "x") in `table`; nullptr
  // when it has no such model or no field by that name.
  static const CustomField* FieldIn(const FieldTable& table,
                                    const std::string& model,
                                    const std::string& name) {
    auto m = table.find(model);
    if (m == table.end()) return nullptr;
    auto it = m->second.find(Snake(name));
    return it == m->second.end() ? nullptr : &it->second;
  }

  // The custom field of a map name as read from the CRM; nullptr when the
  // model's fields were not read or have none by that name.
  const CustomField* FieldOf(const std::string& model,
                             const std::string& name) const {
    return FieldIn(fields_, model, name);
  }

  // FAILED_PRECONDITION when a write of `v` would need a planned custom
  // object or custom field: only PrepareSchema with apply creates them.
  absl::Status RefusePlanned(Kind kind, const Values& v) const {
    const std::string model = ModelOfKind(kind, v.object);
    std::string what;
    if (kind == Kind::kCustomObject && planned_objects_.count(model))
      what = model;
    for (const auto& [name, value] : v.custom.items()) {
      if (what.empty() && FieldIn(planned_fields_, model, name) != nullptr)
        what = name;
    }
    if (what.empty()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": planned by a dry run, not in HighLevel yet ",
                     "(prepare the schema first)"));
  }

  absl::Status CreateField(const std::string& model,
                           const mapping::CustomFieldSpec& spec) {
    // The field key derives from the name: name it after the map's field
    // so that the key is <model>.<name without cf_>.
    std::string key_name = Snake(spec.name);
    std::string data_type = DataType(spec.type);
    json options = json::array();
    for (const auto& c : spec.choices) options.push_back(c);
    json j;
    if (model == "contact" || model == "opportunity") {
      // The key derives from the name: keep the label when it gives the
      // same key.
      std::string name = Snake(spec.label) == key_name ? spec.label : key_name;
      json body = {{"name", name}, {"dataType", data_type}, {"model", model}};
      if (!options.empty()) body["options"] = options;
      BW_ASSIGN_OR_RETURN(j, Call("POST",
                                  absl::StrCat("/locations/", UrlEncode(Loc()),
                                               "/customFields"),
                                  body, false));
      fields_[model][key_name] = {j["customField"].value("id", ""), data_type,
                                  spec.choices};
      return absl::OkStatus();
    }
    json body = {{"locationId", Loc()},
                 {"name", spec.label.empty() ? key_name : spec.label},
                 {"dataType", data_type},
                 {"fieldKey", absl::StrCat(model, ".", key_name)},
                 {"objectKey", model},
                 {"parentId", folders_[model]},
                 {"showInForms", true}};
    if (!options.empty()) {
      json opts = json::array();
      for (const auto& c : spec.choices)
        opts.push_back({{"key", Snake(c)}, {"label", c}});
      body["options"] = opts;
    }
    BW_ASSIGN_OR_RETURN(j, Call("POST", "/custom-fields/", body, false));
    json field = j.contains("field") ? j["field"] : j;
    fields_[model][key_name] = {field.value("id", ""), data_type, spec.choices};
    return absl::OkStatus();
  }

  HighLevelConfig config_;
  RestTransport transport_;
  // model -> (field name without cf_ -> field).
  FieldTable fields_;
  std::map<std::string, std::string> folders_;
  std::map<std::string, Pipeline> pipelines_;
  bool pipelines_loaded_ = false;
  // custom object key -> id of its association with contact.
  std::map<std::string, std::string> associations_;
  // What the last PrepareSchema without `apply` would have created: custom
  // object keys, and model -> (field name without cf_ -> field with the
  // placeholder id "planned:<model>.<name>"). Kept apart from fields_,
  // which writes use; only PlanWrite reads them.
  std::set<std::string> planned_objects_;
  FieldTable planned_fields_;
  std::vector<std::pair<std::string, std::string>> calendars_;
};

}  // namespace

std::unique_ptr<CrmConnector> MakeHighLevelConnector(
    const HighLevelConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock, Sleeper sleeper) {
  return std::make_unique<HighLevelConnector>(
      config, std::move(http), std::move(clock), std::move(sleeper));
}

}  // namespace bridgework::crm
