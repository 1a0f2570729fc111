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
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
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
              o.burst = config.burst_per_10s;
              o.pacer = config.pacer;
              o.error_message = ErrorMessage;
              return o;
            }(),
            std::move(http), std::move(clock), std::move(sleeper)) {}

  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    BW_ASSIGN_OR_RETURN(
        json j,
        Call("GET",
             "/users/search" + QueryString({{"companyId", config_.company_id},
                                            {"locationId", Loc()},
                                            {"limit", "100"}}),
             json(), true));
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
        if (FieldId(model, spec->name)) {
          report.present.push_back(item);
          continue;
        }
        if (!apply) {
          report.to_create.push_back(item);
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
    switch (kind) {
      case Kind::kContact: {
        BW_ASSIGN_OR_RETURN(json body, ContactBody(rr, /*create=*/true));
        BW_ASSIGN_OR_RETURN(json j, Call("POST", "/contacts/", body, false));
        std::string id = j["contact"].value("id", "");
        BW_RETURN_IF_ERROR(LinkBusiness(rr, id));
        return id;
      }
      case Kind::kBusiness: {
        BW_ASSIGN_OR_RETURN(json body, RecordBody(rr, "business"));
        BW_ASSIGN_OR_RETURN(
            json j, Call("POST", "/objects/business/records", body, false));
        return j["record"].value("id", "");
      }
      case Kind::kOpportunity: {
        BW_ASSIGN_OR_RETURN(json body, OpportunityBody(rr, true));
        BW_ASSIGN_OR_RETURN(json j,
                            Call("POST", "/opportunities/", body, false));
        return j["opportunity"].value("id", "");
      }
      case Kind::kAppointment: {
        BW_ASSIGN_OR_RETURN(json body, AppointmentBody(rr, true));
        BW_ASSIGN_OR_RETURN(
            json j, Call("POST", "/calendars/events/appointments", body, false,
                         kCalendarVersion));
        return j.value("id", "");
      }
      case Kind::kNote:
      case Kind::kTask: {
        BW_ASSIGN_OR_RETURN(std::string contact, Lookup(rr, "contactId"));
        bool note = kind == Kind::kNote;
        json body = ChildBody(rr, note);
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
        BW_ASSIGN_OR_RETURN(json body, RecordBody(rr, key));
        BW_ASSIGN_OR_RETURN(
            json j, Call("POST", absl::StrCat("/objects/", key, "/records"),
                         body, false));
        std::string id = j["record"].value("id", "");
        BW_RETURN_IF_ERROR(Relate(rr, key, id));
        return id;
      }
      case Kind::kMedia:
        return UploadMedia(rr);
    }
    return absl::InternalError("unreachable");
  }

  absl::Status Update(const std::string& id,
                      const ResolvedRecord& rr) override {
    const v1::TargetRecord& r = *rr.record;
    BW_ASSIGN_OR_RETURN(Kind kind, KindOf(r.target_object()));
    switch (kind) {
      case Kind::kContact: {
        BW_ASSIGN_OR_RETURN(json body, ContactBody(rr, false));
        BW_RETURN_IF_ERROR(
            Call("PUT", "/contacts/" + UrlEncode(id), body, true).status());
        return LinkBusiness(rr, id);
      }
      case Kind::kBusiness:
      case Kind::kCustomObject: {
        std::string key = kind == Kind::kBusiness
                              ? std::string("business")
                              : SchemaKey(r.target_object());
        BW_ASSIGN_OR_RETURN(json body, RecordBody(rr, key));
        body.erase("locationId");
        return Call("PUT",
                    absl::StrCat("/objects/", key, "/records/", UrlEncode(id),
                                 QueryString({{"locationId", Loc()}})),
                    body, true)
            .status();
      }
      case Kind::kOpportunity: {
        BW_ASSIGN_OR_RETURN(json body, OpportunityBody(rr, false));
        return Call("PUT", "/opportunities/" + UrlEncode(id), body, true)
            .status();
      }
      case Kind::kAppointment: {
        BW_ASSIGN_OR_RETURN(json body, AppointmentBody(rr, false));
        return Call("PUT", "/calendars/events/appointments/" + UrlEncode(id),
                    body, true, kCalendarVersion)
            .status();
      }
      case Kind::kNote:
      case Kind::kTask: {
        BW_ASSIGN_OR_RETURN(std::string path, ChildPath(kind, id));
        json body = ChildBody(rr, kind == Kind::kNote);
        return Call("PUT", path, body, true).status();
      }
      case Kind::kMedia:
        return absl::UnimplementedError(
            "HighLevel media cannot be replaced; delete and upload again");
    }
    return absl::InternalError("unreachable");
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
      BW_RETURN_IF_ERROR(LoadFields(model));
      auto fid = FieldId(model, field);
      if (!fid) {
        return absl::FailedPreconditionError(
            absl::StrCat("HighLevel: no ", model, " custom field ", field,
                         " holds the external key (run Prepare first)"));
      }
      json body = {{"locationId", Loc()},
                   {"pageLimit", 2},
                   {"filters", json::array({{{"field", "customFields." + *fid},
                                             {"operator", "eq"},
                                             {"value", key}}})}};
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

  int64_t requests() const override { return transport_.requests(); }

 private:
  struct Pipeline {
    std::string id;
    std::map<std::string, std::string> stages;  // name -> id
  };

  const std::string& Loc() const { return config_.location_id; }

  // Sends a JSON request with the Version header; parses the answer.
  absl::StatusOr<json> Call(const std::string& method, const std::string& path,
                            const json& body, bool idempotent,
                            const char* version = kVersion) {
    RestBody b;
    if (!body.is_null()) b.data = body.dump();
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

  // The CRM id of the lookup whose target field is `field`.
  absl::StatusOr<std::string> Lookup(const ResolvedRecord& rr,
                                     const std::string& field) const {
    auto it = rr.lookup_ids.find(field);
    if (it == rr.lookup_ids.end() || it->second.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HighLevel ", rr.record->target_object(), " needs ", field));
    }
    return it->second.front();
  }

  std::optional<std::string> OptionalLookup(const ResolvedRecord& rr,
                                            const std::string& field) const {
    auto it = rr.lookup_ids.find(field);
    if (it == rr.lookup_ids.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
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

  // Plain fields of the record, except the ones the caller handles.
  json Fields(const v1::TargetRecord& r,
              const std::set<std::string>& skip = {}) const {
    json out = json::object();
    for (const auto& [name, value] : r.fields()) {
      if (skip.count(name) || record::IsNull(value)) continue;
      out[name] = Json(value);
    }
    return out;
  }

  // customFields [{id, field_value}] of a contact or opportunity.
  absl::StatusOr<json> CustomFields(const v1::TargetRecord& r,
                                    const std::string& model) {
    json out = json::array();
    if (r.custom_fields().empty()) return out;
    BW_RETURN_IF_ERROR(LoadFields(model));
    for (const auto& [name, value] : r.custom_fields()) {
      auto id = FieldId(model, name);
      if (!id) {
        return absl::FailedPreconditionError(
            absl::StrCat("HighLevel: no ", model, " custom field for ", name,
                         " (run Prepare first)"));
      }
      out.push_back(
          {{"id", *id},
           {"field_value", record::IsNull(value) ? json("") : Json(value)}});
    }
    return out;
  }

  absl::StatusOr<json> ContactBody(const ResolvedRecord& rr, bool create) {
    const v1::TargetRecord& r = *rr.record;
    json body = Fields(r, {"businessId"});
    if (create) body["locationId"] = Loc();
    if (!rr.owner_id.empty()) body["assignedTo"] = rr.owner_id;
    BW_ASSIGN_OR_RETURN(json cf, CustomFields(r, "contact"));
    if (!cf.empty()) body["customFields"] = std::move(cf);
    return body;
  }

  // Contacts join their business through the bulk endpoint (businessId is
  // not a contact property on create or update).
  absl::Status LinkBusiness(const ResolvedRecord& rr, const std::string& id) {
    auto business = OptionalLookup(rr, "businessId");
    if (!business) return absl::OkStatus();
    json body = {{"locationId", Loc()},
                 {"ids", json::array({id})},
                 {"businessId", *business}};
    return Call("POST", "/contacts/bulk/business", body, true).status();
  }

  absl::StatusOr<json> OpportunityBody(const ResolvedRecord& rr, bool create) {
    const v1::TargetRecord& r = *rr.record;
    json body = Fields(r, {"pipeline", "stage"});
    if (create) body["locationId"] = Loc();
    if (create && !body.contains("status")) body["status"] = "open";
    if (create) {
      // The contact is fixed at creation (UpdateOpportunityDto has none).
      BW_ASSIGN_OR_RETURN(std::string contact, Lookup(rr, "contactId"));
      body["contactId"] = contact;
    }
    auto pipeline = r.fields().find("pipeline");
    if (pipeline != r.fields().end()) {
      BW_RETURN_IF_ERROR(LoadPipelines());
      std::string name = record::ValueToText(pipeline->second);
      auto p = pipelines_.find(name);
      if (p == pipelines_.end()) {
        return absl::FailedPreconditionError(
            absl::StrCat("HighLevel: no pipeline named in the record's "
                         "'pipeline' field exists (run check)"));
      }
      body["pipelineId"] = p->second.id;
      auto stage = r.fields().find("stage");
      if (stage != r.fields().end()) {
        auto s = p->second.stages.find(record::ValueToText(stage->second));
        if (s == p->second.stages.end()) {
          return absl::InvalidArgumentError(
              "HighLevel: the record's stage is not a stage of its pipeline");
        }
        body["pipelineStageId"] = s->second;
      }
    }
    if (!rr.owner_id.empty()) body["assignedTo"] = rr.owner_id;
    BW_ASSIGN_OR_RETURN(json cf, CustomFields(r, "opportunity"));
    if (!cf.empty()) body["customFields"] = std::move(cf);
    return body;
  }

  absl::StatusOr<json> AppointmentBody(const ResolvedRecord& rr, bool create) {
    const v1::TargetRecord& r = *rr.record;
    json body = Fields(r, {"calendar"});
    if (create) {
      // The contact is fixed at booking (AppointmentEditSchema has none).
      BW_ASSIGN_OR_RETURN(std::string contact, Lookup(rr, "contactId"));
      body["contactId"] = contact;
      body["locationId"] = Loc();
      BW_ASSIGN_OR_RETURN(std::string calendar, CalendarId(r));
      body["calendarId"] = calendar;
    }
    // A booked history overlaps itself; the free-slot rule is for
    // bookings, not migrations.
    body["ignoreFreeSlotValidation"] = true;
    if (!rr.owner_id.empty()) body["assignedUserId"] = rr.owner_id;
    return body;
  }

  json ChildBody(const ResolvedRecord& rr, bool note) const {
    json body = Fields(*rr.record);
    if (!rr.owner_id.empty())
      body[note ? "userId" : "assignedTo"] = rr.owner_id;
    if (!note && !body.contains("completed")) body["completed"] = false;
    if (!note && body.contains("completed") && body["completed"].is_string())
      body["completed"] = body["completed"].get<std::string>() == "true";
    return body;
  }

  // {locationId, properties, owner} of a business or custom object record.
  absl::StatusOr<json> RecordBody(const ResolvedRecord& rr,
                                  const std::string& schema) {
    const v1::TargetRecord& r = *rr.record;
    json props = Fields(r);
    for (const auto& [name, value] : r.custom_fields()) {
      if (!record::IsNull(value)) props[Snake(name)] = Json(value);
    }
    json body = {{"locationId", Loc()}, {"properties", std::move(props)}};
    if (!rr.owner_id.empty()) body["owner"] = json::array({rr.owner_id});
    return body;
  }

  // Relates a custom object record to the contacts its lookups name.
  absl::Status Relate(const ResolvedRecord& rr, const std::string& schema,
                      const std::string& id) {
    auto contact = OptionalLookup(rr, "contactId");
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

  absl::StatusOr<std::string> CalendarId(const v1::TargetRecord& r) {
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
    auto it = r.fields().find("calendar");
    if (it == r.fields().end()) return calendars_.front().second;
    std::string name = record::ValueToText(it->second);
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

  // Reads the model's custom fields once: cf name -> field id, matched by
  // field key (<model>.<name without cf_>).
  absl::Status LoadFields(const std::string& model) {
    if (fields_.count(model)) return absl::OkStatus();
    auto& ids = fields_[model];
    json list;
    if (model == "contact" || model == "opportunity") {
      BW_ASSIGN_OR_RETURN(
          list,
          Call("GET",
               absl::StrCat("/locations/", UrlEncode(Loc()), "/customFields",
                            QueryString({{"model", model}})),
               json(), true));
      for (const auto& f : list.value("customFields", json::array())) {
        std::string key = f.value("fieldKey", "");
        ids[key.substr(key.find('.') + 1)] = f.value("id", "");
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
      for (const auto& f : list.value("fields", json::array())) {
        std::string key = f.value("fieldKey", "");
        ids[key.substr(key.rfind('.') + 1)] = f.value("id", "");
      }
      for (const auto& f : list.value("folders", json::array())) {
        if (folders_[model].empty()) folders_[model] = f.value("id", "");
      }
    }
    return absl::OkStatus();
  }

  std::optional<std::string> FieldId(const std::string& model,
                                     const std::string& name) const {
    auto m = fields_.find(model);
    if (m == fields_.end()) return std::nullopt;
    auto it = m->second.find(Snake(name));
    if (it == m->second.end()) return std::nullopt;
    return it->second;
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
      fields_[model][key_name] = j["customField"].value("id", "");
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
    fields_[model][key_name] = field.value("id", "");
    return absl::OkStatus();
  }

  HighLevelConfig config_;
  RestTransport transport_;
  // model -> (field name without cf_ -> id).
  std::map<std::string, std::map<std::string, std::string>> fields_;
  std::map<std::string, std::string> folders_;
  std::map<std::string, Pipeline> pipelines_;
  bool pipelines_loaded_ = false;
  // custom object key -> id of its association with contact.
  std::map<std::string, std::string> associations_;
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
