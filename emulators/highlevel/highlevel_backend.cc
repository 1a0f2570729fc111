// Backend: construction, operator operations, users, location custom fields
// and the helpers of highlevel_util.h.
#include "emulators/highlevel/highlevel_backend.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "emulators/common/json_store.h"
#include "emulators/highlevel/highlevel_util.h"
#include "emulators/highlevel/highlevel_values.h"
#include "libs/common/strings.h"

namespace bridgework::emulator::highlevel {
namespace {

// Id shapes per kind: 20-character alphanumeric, 24-hex or UUID.
struct IdKind {
  const char* kind;
  const char* prefix;  // alnum prefix, or 4-hex-digit tag
  enum { kAlnum, kHex, kUuid } shape;
};

const IdKind* FindIdKind(const std::string& kind) {
  static const IdKind kKinds[] = {
      {"contact", "con", IdKind::kAlnum},
      {"opportunity", "opp", IdKind::kAlnum},
      {"note", "not", IdKind::kAlnum},
      {"task", "tsk", IdKind::kAlnum},
      {"appointment", "apt", IdKind::kAlnum},
      {"field", "cfd", IdKind::kAlnum},
      {"object_field", "ofd", IdKind::kAlnum},
      {"folder", "fdr", IdKind::kAlnum},
      {"pipeline", "pip", IdKind::kAlnum},
      {"calendar", "cal", IdKind::kAlnum},
      {"group", "grp", IdKind::kAlnum},
      {"stage", "", IdKind::kUuid},
      {"business", "b05e", IdKind::kHex},
      {"object", "0b1e", IdKind::kHex},
      {"record", "7ec0", IdKind::kHex},
      {"association", "a550", IdKind::kHex},
      {"relation", "7e1a", IdKind::kHex},
      {"media", "3ed1", IdKind::kHex},
      {"product", "9d0c", IdKind::kHex},
  };
  for (const auto& k : kKinds) {
    if (kind == k.kind) return &k;
  }
  return nullptr;
}

const std::vector<std::string>& DefaultStages() {
  static const auto* v = new std::vector<std::string>{
      "New Patient",        "Consultation Scheduled", "Treatment Presented",
      "Treatment Accepted", "In Treatment",           "Completed"};
  return *v;
}

std::string StageName(const Json& s) {
  return s.is_string() ? s.get<std::string>() : StrOf(s, "name");
}

}  // namespace

// ---------------------------------------------------------------- helpers

std::string StrOf(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool BoolOf(const Json& obj, const char* key, bool fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

Json ArrayOf(const Json& obj, const char* key) {
  if (!obj.is_object()) return Json::array();
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : Json::array();
}

Json WithoutNulls(Json obj) {
  if (!obj.is_object()) return obj;
  for (auto it = obj.begin(); it != obj.end();) {
    if (it->is_null()) {
      it = obj.erase(it);
    } else {
      ++it;
    }
  }
  return obj;
}

bool ContainsFold(std::string_view haystack, std::string_view needle) {
  return absl::StrContains(absl::AsciiStrToLower(ToAbsl(haystack)),
                           absl::AsciiStrToLower(ToAbsl(needle)));
}

bool EqualsFold(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}

std::optional<Reply> RequireQuery(const Call& c,
                                  std::initializer_list<const char*> names) {
  std::vector<std::string> errors;
  for (const char* n : names) {
    std::optional<std::string> v = c.Query(n);
    if (!v || v->empty()) {
      errors.push_back(absl::StrCat(n, " should not be empty"));
      errors.push_back(absl::StrCat(n, " must be a string"));
    }
  }
  if (errors.empty()) return std::nullopt;
  return Invalid(c, std::move(errors));
}

int64_t QueryInt(const Call& c, const char* name, int64_t fallback,
                 std::vector<std::string>& errors) {
  std::optional<std::string> v = c.Query(name);
  if (!v || v->empty()) return fallback;
  int64_t n = 0;
  if (!absl::SimpleAtoi(*v, &n) || n < 0) {
    errors.push_back(absl::StrCat(name, " must be a non-negative integer"));
    return fallback;
  }
  return n;
}

std::optional<Reply> CheckBody(const Call& c, const Dto& dto) {
  std::vector<std::string> errors = Validate(dto, c.body);
  if (errors.empty()) return std::nullopt;
  return Invalid(c, std::move(errors));
}

Json Slice(const std::vector<const Json*>& list, int64_t skip, int64_t limit,
           const std::function<Json(const Json&)>& out) {
  Json a = Json::array();
  for (int64_t i = std::max<int64_t>(skip, 0);
       i < static_cast<int64_t>(list.size()) && i < skip + limit; ++i) {
    a.push_back(out ? out(*list[i]) : *list[i]);
  }
  return a;
}

std::vector<const Json*> SortedBy(const std::map<std::string, Json>& table,
                                  const char* time_key) {
  std::vector<const Json*> out;
  for (const auto& [id, record] : table) out.push_back(&record);
  std::stable_sort(
      out.begin(), out.end(), [time_key](const Json* a, const Json* b) {
        std::string ta = StrOf(*a, time_key), tb = StrOf(*b, time_key);
        if (ta != tb) return ta < tb;
        return StrOf(*a, "id") < StrOf(*b, "id");
      });
  return out;
}

const std::string& Call::Param(const std::string& name) const {
  static const std::string* kEmpty = new std::string();
  auto it = params.find(name);
  return it == params.end() ? *kEmpty : it->second;
}

std::optional<std::string> Call::Query(const std::string& name) const {
  if (req == nullptr || !req->has_param(name.c_str())) return std::nullopt;
  return req->get_param_value(name.c_str());
}

Reply BadRequest(const std::string& message) {
  return {
      400,
      {{"statusCode", 400}, {"message", message}, {"error", "Bad Request"}}};
}

Reply NotFound(const std::string& message) {
  return {404,
          {{"statusCode", 404}, {"message", message}, {"error", "Not Found"}}};
}

Reply Forbidden(const std::string& message) {
  return {403,
          {{"statusCode", 403}, {"message", message}, {"error", "Forbidden"}}};
}

Reply Invalid(const Call& call, std::vector<std::string> messages) {
  if (!call.declares_422) return BadRequest(absl::StrJoin(messages, "; "));
  return {422,
          {{"statusCode", 422},
           {"message", messages},
           {"error", "Unprocessable Entity"}}};
}

// ------------------------------------------------------------------ users

std::vector<User> DefaultUsers() {
  return {
      {"usr00000000000000001", "Office", "Owner", "owner@bridgework.example",
       "", "admin", false},
      {"usr00000000000000002", "Elena", "Rivera",
       "dr.rivera@smilebright.example", "", "user", false},
      {"usr00000000000000003", "Wei", "Chen", "dr.chen@smilebright.example", "",
       "user", false},
  };
}

absl::StatusOr<std::vector<User>> ParseUsers(const Json& list) {
  if (!list.is_array() || list.empty()) {
    return absl::InvalidArgumentError("users must be a non-empty JSON array");
  }
  std::vector<User> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& u = list[i];
    std::string where = absl::StrCat("user [", i, "]");
    if (!u.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    }
    User user;
    if (u.contains("id")) {
      if (u["id"].is_string()) {
        user.id = u["id"].get<std::string>();
      } else if (u["id"].is_number_integer()) {
        user.id = AlnumId("usr", u["id"].get<int64_t>());
      }
      if (user.id.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": id must be a string or an integer"));
      }
    } else {
      user.id = AlnumId("usr", static_cast<int64_t>(i + 1));
    }
    if (!ids.insert(user.id).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate id"));
    }
    user.email = StrOf(u, "email");
    if (user.email.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": needs an email"));
    }
    user.first_name = StrOf(u, "firstName");
    user.last_name = StrOf(u, "lastName");
    std::string name = StrOf(u, "name");
    if (name.empty()) name = StrOf(u, "display_name");
    if (user.first_name.empty() && user.last_name.empty() && !name.empty()) {
      std::vector<std::string> parts =
          absl::StrSplit(name, absl::MaxSplits(' ', 1));
      user.first_name = parts[0];
      if (parts.size() > 1) user.last_name = parts[1];
    }
    user.phone = StrOf(u, "phone");
    user.role = StrOf(u, "role").empty() ? (i == 0 ? "admin" : "user")
                                         : StrOf(u, "role");
    if (user.role != "admin" && user.role != "user") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": role must be admin or user"));
    }
    if (u.contains("deleted")) {
      if (!u["deleted"].is_boolean()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": deleted must be a boolean"));
      }
      user.deleted = u["deleted"].get<bool>();
    }
    if (u.contains("is_active")) {
      if (!u["is_active"].is_boolean()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": is_active must be a boolean"));
      }
      user.deleted = !u["is_active"].get<bool>();
    }
    out.push_back(std::move(user));
  }
  return out;
}

// ----------------------------------------------------------- construction

Backend::Backend(std::string location_id, std::string company_id,
                 std::vector<User> users, Json pipelines, Json calendars,
                 Settings settings, Clock clock)
    : location_id_(std::move(location_id)),
      company_id_(std::move(company_id)),
      users_(std::move(users)),
      seed_pipelines_(std::move(pipelines)),
      seed_calendars_(std::move(calendars)),
      clock_(std::move(clock)),
      settings_(std::move(settings)) {
  absl::MutexLock lock(&mu_);
  SeedBaseLocked();
}

Json Backend::DefaultPipelines() {
  return Json::array(
      {{{"name", "Patient Treatment"}, {"stages", DefaultStages()}}});
}

Json Backend::DefaultCalendars() {
  return Json::array({{{"name", "Dental Appointments"}}});
}

absl::Status Backend::CheckPipelines(const Json& pipelines) {
  if (!pipelines.is_array()) {
    return absl::InvalidArgumentError("pipelines must be a JSON array");
  }
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const Json& p = pipelines[i];
    std::string where = absl::StrCat("pipelines[", i, "]");
    if (!p.is_object() || StrOf(p, "name").empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": needs a name"));
    }
    if (!p.contains("stages") || !p["stages"].is_array() ||
        p["stages"].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": needs a non-empty stages array"));
    }
    for (const auto& s : p["stages"]) {
      if (StageName(s).empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": every stage needs a name"));
      }
    }
    for (const char* k : {"id"}) {
      if (p.contains(k) && !p[k].is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": ", k, " must be a string"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Backend::CheckCalendars(const Json& calendars) {
  if (!calendars.is_array()) {
    return absl::InvalidArgumentError("calendars must be a JSON array");
  }
  for (size_t i = 0; i < calendars.size(); ++i) {
    if (!calendars[i].is_object() || StrOf(calendars[i], "name").empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("calendars[", i, "]: needs a name"));
    }
  }
  return absl::OkStatus();
}

std::string Backend::Now() const { return IsoMillis(clock_()); }

std::string Backend::NextId(const char* kind) {
  const IdKind* k = FindIdKind(kind);
  int64_t n = ++store_.counters[kind];
  switch (k->shape) {
    case IdKind::kAlnum:
      return AlnumId(k->prefix, n);
    case IdKind::kHex:
      return HexId(k->prefix, n);
    case IdKind::kUuid:
      return UuidId(n);
  }
  return "";
}

absl::StatusOr<std::string> Backend::StoreNewLocked(Table& table,
                                                    const char* kind,
                                                    const char* time_key,
                                                    const Json* seed_extras,
                                                    Json& record) {
  std::string id;
  if (seed_extras != nullptr) {
    id = StrOf(*seed_extras, "id");
    if (!id.empty() && table.count(id)) {
      return absl::AlreadyExistsError(
          absl::StrCat("a record of kind ", kind, " with this id exists"));
    }
    if (!StrOf(*seed_extras, time_key).empty()) {
      record[time_key] = (*seed_extras)[time_key];
    }
  }
  if (id.empty()) id = NextId(kind);
  record["id"] = id;
  table[id] = record;
  return id;
}

void Backend::SeedBaseLocked() {
  for (const auto& p : seed_pipelines_) {
    // Validated at construction.
    AddPipelineLocked(p).IgnoreError();
  }
  for (const auto& c : seed_calendars_) AddCalendarLocked(c);
}

absl::StatusOr<std::string> Backend::AddPipelineLocked(const Json& spec) {
  std::string id = StrOf(spec, "id");
  if (id.empty()) id = NextId("pipeline");
  if (store_.pipelines.count(id)) {
    return absl::InvalidArgumentError("a pipeline with this id exists");
  }
  Json stages = Json::array();
  int position = 0;
  for (const auto& s : spec["stages"]) {
    std::string stage_id = s.is_object() ? StrOf(s, "id") : "";
    if (stage_id.empty()) stage_id = NextId("stage");
    stages.push_back({{"id", stage_id},
                      {"name", StageName(s)},
                      {"position", position++},
                      {"showInFunnel", true},
                      {"showInPieChart", true}});
  }
  std::string now = Now();
  store_.pipelines[id] = {{"id", id},
                          {"name", StrOf(spec, "name")},
                          {"stages", stages},
                          {"showInFunnel", true},
                          {"showInPieChart", true},
                          {"locationId", location_id_},
                          {"dateAdded", now},
                          {"dateUpdated", now}};
  return id;
}

std::string Backend::AddCalendarLocked(const Json& spec) {
  std::string id = NextId("calendar");
  std::string group = StrOf(spec, "groupId");
  if (group.empty()) group = NextId("group");
  Json members = Json::array();
  for (size_t i = 0; i < users_.size(); ++i) {
    if (users_[i].deleted) continue;
    members.push_back({{"userId", users_[i].id},
                       {"priority", 0.5},
                       {"meetingLocationType", "custom"},
                       {"isPrimary", members.empty()}});
  }
  store_.calendars[id] = {
      {"id", id},
      {"locationId", location_id_},
      {"groupId", group},
      {"name", StrOf(spec, "name")},
      {"description", ""},
      {"slug", SnakeCase(StrOf(spec, "name"))},
      {"widgetSlug", SnakeCase(StrOf(spec, "name"))},
      {"calendarType", "event"},
      {"widgetType", "classic"},
      {"eventTitle", "{{contact.name}}"},
      {"isActive", true},
      {"teamMembers", members},
      {"slotDuration", 30},
      {"slotDurationUnit", "mins"},
      {"slotInterval", 30},
      {"slotIntervalUnit", "mins"},
      {"appoinmentPerSlot", 1},
  };
  return id;
}

// ------------------------------------------------------------- operator

Json Backend::State() const {
  absl::MutexLock lock(&mu_);
  auto dump = [](const Table& t) {
    Json a = Json::array();
    for (const auto& [id, r] : t) a.push_back(r);
    return a;
  };
  Json users = Json::array();
  for (const auto& u : users_) users.push_back(UserJson(u));
  return {{"contacts", dump(store_.contacts)},
          {"businesses", dump(store_.businesses)},
          {"opportunities", dump(store_.opportunities)},
          {"notes", dump(store_.notes)},
          {"tasks", dump(store_.tasks)},
          {"appointments", dump(store_.appointments)},
          {"custom_fields", dump(store_.fields)},
          {"objects", dump(store_.objects)},
          {"object_fields", dump(store_.object_fields)},
          {"records", dump(store_.records)},
          {"associations", dump(store_.associations)},
          {"relations", dump(store_.relations)},
          {"medias", dump(store_.medias)},
          {"products", dump(store_.products)},
          {"pipelines", dump(store_.pipelines)},
          {"calendars", dump(store_.calendars)},
          {"users", users},
          {"settings", SettingsJsonLocked()}};
}

Json Backend::SettingsJsonLocked() const {
  return {
      {"allow_duplicate_contact", settings_.allow_duplicate_contact},
      {"duplicate_priority", settings_.duplicate_priority},
      {"allow_duplicate_opportunity", settings_.allow_duplicate_opportunity},
      {"custom_object_limit", settings_.custom_object_limit},
      {"native_custom_field_values", settings_.native_custom_field_values}};
}

void Backend::Reset() {
  absl::MutexLock lock(&mu_);
  store_ = Store();
  SeedBaseLocked();
}

absl::StatusOr<Json> Backend::Seed(const Json& body) {
  static const char* kOrder[] = {"pipelines",  "calendars", "customFields",
                                 "businesses", "contacts",  "opportunities"};
  for (const auto& [key, list] : body.items()) {
    bool known = false;
    for (const char* k : kOrder) known = known || key == k;
    if (!known || !list.is_array()) {
      return absl::InvalidArgumentError(
          "seed body: {\"pipelines\",\"calendars\",\"customFields\","
          "\"businesses\",\"contacts\",\"opportunities\"}: arrays");
    }
  }
  absl::MutexLock lock(&mu_);
  Store before = store_;
  Json ids = Json::object();
  Call call;
  call.declares_422 = true;
  auto fail = [&](const std::string& where, const Reply& r) {
    store_ = before;
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ",
        r.body.contains("message") ? r.body["message"].dump() : r.body.dump()));
  };
  for (const char* kind : kOrder) {
    if (!body.contains(kind)) continue;
    ids[kind] = Json::array();
    const Json& list = body[kind];
    for (size_t i = 0; i < list.size(); ++i) {
      std::string where = absl::StrCat(kind, "[", i, "]");
      Json item = list[i];
      if (!item.is_object()) {
        store_ = before;
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": not an object"));
      }
      std::string k = kind;
      if (k == "pipelines") {
        absl::Status s = CheckPipelines(Json::array({item}));
        absl::StatusOr<std::string> id =
            s.ok() ? AddPipelineLocked(item) : absl::StatusOr<std::string>(s);
        if (!id.ok()) {
          store_ = before;
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": ", id.status().message()));
        }
        ids[kind].push_back(*id);
        continue;
      }
      if (k == "calendars") {
        absl::Status s = CheckCalendars(Json::array({item}));
        if (!s.ok()) {
          store_ = before;
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": ", s.message()));
        }
        ids[kind].push_back(AddCalendarLocked(item));
        continue;
      }
      Json extras = Json::object();
      for (const char* e : {"id", "dateAdded", "createdAt"}) {
        if (!item.contains(e)) continue;
        const Json& v = item[e];
        std::optional<absl::Time> t =
            v.is_string() ? ParseInstant(v.get<std::string>()) : std::nullopt;
        bool ok = std::string(e) == "id"
                      ? v.is_string() && !v.get<std::string>().empty()
                      : t.has_value();
        if (!ok) {
          store_ = before;
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": ", e,
              std::string(e) == "id" ? " must be a non-empty string"
                                     : " must be an ISO 8601 timestamp"));
        }
        extras[e] = t ? Json(IsoMillis(*t)) : v;
        item.erase(e);
      }
      if (k != "customFields" && !item.contains("locationId")) {
        item["locationId"] = location_id_;
      }
      call.body = item;
      Reply r;
      if (k == "customFields") {
        call.params["locationId"] = location_id_;
        r = LocationFieldCreateLocked(call);
      } else if (k == "businesses") {
        r = CreateBusinessLocked(item, &extras);
      } else if (k == "contacts") {
        r = CreateContactLocked(item, &extras);
      } else {
        r = CreateOpportunityLocked(call, item, &extras);
      }
      if (r.status >= 300) return fail(where, r);
      const char* wrapper = k == "customFields" ? "customField"
                            : k == "businesses" ? "buiseness"
                            : k == "contacts"   ? "contact"
                                                : "opportunity";
      ids[kind].push_back(r.body[wrapper]["id"]);
    }
  }
  return ids;
}

absl::StatusOr<Json> Backend::Configure(const Json& body) {
  Settings next;
  std::vector<Json> pipelines;
  {
    absl::MutexLock lock(&mu_);
    next = settings_;
  }
  for (const auto& [key, v] : body.items()) {
    if (key == "allow_duplicate_contact" ||
        key == "allow_duplicate_opportunity" ||
        key == "native_custom_field_values") {
      if (!v.is_boolean()) {
        return absl::InvalidArgumentError(
            absl::StrCat(key, " must be a boolean"));
      }
      bool b = v.get<bool>();
      if (key == "allow_duplicate_contact") next.allow_duplicate_contact = b;
      if (key == "allow_duplicate_opportunity") {
        next.allow_duplicate_opportunity = b;
      }
      if (key == "native_custom_field_values") {
        next.native_custom_field_values = b;
      }
    } else if (key == "duplicate_priority") {
      if (v != "email" && v != "phone") {
        return absl::InvalidArgumentError(
            "duplicate_priority must be \"email\" or \"phone\"");
      }
      next.duplicate_priority = v.get<std::string>();
    } else if (key == "custom_object_limit") {
      std::optional<int64_t> n =
          v.is_number_integer() ? AsInt64(v) : std::nullopt;
      if (!n || *n < 0) {
        return absl::InvalidArgumentError(
            "custom_object_limit must be a non-negative integer");
      }
      next.custom_object_limit = *n;
    } else if (key == "pipelines") {
      absl::Status s = CheckPipelines(v);
      if (!s.ok()) return s;
      for (const auto& p : v) pipelines.push_back(p);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown config key '", key, "'"));
    }
  }
  absl::MutexLock lock(&mu_);
  Store before = store_;
  for (const auto& p : pipelines) {
    absl::StatusOr<std::string> id = AddPipelineLocked(p);
    if (!id.ok()) {
      store_ = before;
      return id.status();
    }
  }
  settings_ = next;
  Json out = SettingsJsonLocked();
  Json names = Json::array();
  for (const auto& [id, p] : store_.pipelines) {
    names.push_back({{"id", id}, {"name", p["name"]}});
  }
  out["pipelines"] = names;
  return out;
}

// ------------------------------------------------------------------ users

const User* Backend::FindUser(const std::string& id) const {
  for (const auto& u : users_) {
    if (u.id == id) return &u;
  }
  return nullptr;
}

Json Backend::UserJson(const User& u) const {
  std::string name = std::string(
      absl::StripAsciiWhitespace(absl::StrCat(u.first_name, " ", u.last_name)));
  Json out = {
      {"id", u.id},
      {"name", name},
      {"firstName", u.first_name},
      {"lastName", u.last_name},
      {"email", u.email},
      {"extension", ""},
      {"permissions",
       {{"contactsEnabled", true},
        {"opportunitiesEnabled", true},
        {"appointmentsEnabled", true},
        {"settingsEnabled", u.role == "admin"},
        {"assignedDataOnly", false}}},
      {"roles",
       {{"type", "account"},
        {"role", u.role},
        {"locationIds", Json::array({location_id_})},
        {"restrictSubAccount", false}}},
      {"deleted", u.deleted},
  };
  if (!u.phone.empty()) out["phone"] = u.phone;
  return out;
}

Reply Backend::UsersPage(const std::vector<const User*>& matches, int64_t skip,
                         int64_t limit) const {
  Json users = Json::array();
  for (int64_t i = skip;
       i < static_cast<int64_t>(matches.size()) && i < skip + limit; ++i) {
    users.push_back(UserJson(*matches[i]));
  }
  return {200, {{"users", users}, {"count", matches.size()}}};
}

Reply Backend::UserSearch(const Call& c) {
  if (auto r = RequireQuery(c, {"companyId"})) return *r;
  std::vector<std::string> errors;
  int64_t skip = QueryInt(c, "skip", 0, errors);
  int64_t limit = QueryInt(c, "limit", 25, errors);
  if (!errors.empty()) return Invalid(c, errors);
  std::string query = c.Query("query").value_or("");
  std::string role = c.Query("role").value_or("");
  std::set<std::string> ids;
  if (auto v = c.Query("ids"); v && !v->empty()) {
    for (auto part : absl::StrSplit(*v, ',')) ids.insert(std::string(part));
  }
  std::vector<const User*> matches;
  for (const auto& u : users_) {
    if (u.deleted) continue;
    if (!role.empty() && u.role != role) continue;
    if (!ids.empty() && !ids.count(u.id)) continue;
    std::string name = absl::StrCat(u.first_name, " ", u.last_name);
    if (!query.empty() && !ContainsFold(name, query) &&
        !ContainsFold(u.email, query) && !ContainsFold(u.phone, query)) {
      continue;
    }
    matches.push_back(&u);
  }
  return UsersPage(matches, skip, limit);
}

Reply Backend::UserFilterByEmail(const Call& c) {
  if (auto r = CheckBody(c, FilterUsersByEmailDto())) return *r;
  std::vector<std::string> errors;
  int64_t skip = 0, limit = 25;
  for (auto [name, target] : {std::pair{"skip", &skip}, {"limit", &limit}}) {
    std::string v = StrOf(c.body, name);
    if (!v.empty() && (!absl::SimpleAtoi(v, target) || *target < 0)) {
      errors.push_back(absl::StrCat(name, " must be a number string"));
    }
  }
  if (!errors.empty()) return Invalid(c, errors);
  bool deleted = BoolOf(c.body, "deleted", false);
  std::vector<std::string> emails;
  for (auto part : absl::StrSplit(StrOf(c.body, "emails"), ',')) {
    std::string e(absl::StripAsciiWhitespace(part));
    if (!e.empty()) emails.push_back(e);
  }
  std::vector<const User*> matches;
  for (const auto& u : users_) {
    if (u.deleted != deleted) continue;
    for (const auto& e : emails) {
      if (EqualsFold(e, u.email)) {
        matches.push_back(&u);
        break;
      }
    }
  }
  return UsersPage(matches, skip, limit);
}

Reply Backend::UserGet(const Call& c) {
  const User* u = FindUser(c.Param("userId"));
  if (u == nullptr) return NotFound("User not found");
  return {200, UserJson(*u)};
}

Reply Backend::UserList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  Json users = Json::array();
  for (const auto& u : users_) {
    if (!u.deleted) users.push_back(UserJson(u));
  }
  return {200, {{"users", users}}};
}

// ------------------------------------------------- location custom fields

const Json* Backend::FindFieldLocked(const std::string& model,
                                     const std::string& id_or_key) const {
  auto it = store_.fields.find(id_or_key);
  if (it != store_.fields.end()) {
    return model.empty() || it->second["model"] == model ? &it->second
                                                         : nullptr;
  }
  for (const auto& [id, f] : store_.fields) {
    if (!model.empty() && f["model"] != model) continue;
    const std::string key = StrOf(f, "fieldKey");
    absl::string_view bare = key;
    absl::ConsumePrefix(&bare, absl::StrCat(StrOf(f, "model"), "."));
    if (key == id_or_key || bare == id_or_key) return &f;
  }
  return nullptr;
}

std::vector<std::string> Backend::MergeCustomFieldsLocked(
    const std::string& model, const Json& input, const char* value_key,
    Json& stored) const {
  std::vector<std::string> errors;
  if (!stored.is_array()) stored = Json::array();
  for (size_t i = 0; i < input.size(); ++i) {
    const Json& item = input[i];
    std::string path = absl::StrCat("customFields.", i);
    std::string ref = StrOf(item, "id");
    if (ref.empty()) ref = StrOf(item, "key");
    if (ref.empty()) {
      errors.push_back(absl::StrCat(path, ".id should not be empty"));
      continue;
    }
    const Json* field = FindFieldLocked(model, ref);
    if (field == nullptr) {
      errors.push_back(absl::StrCat(path, ".id must be the id or key of a ",
                                    model, " custom field"));
      continue;
    }
    if (!item.contains("field_value")) {
      errors.push_back(absl::StrCat(path, ".field_value should not be empty"));
      continue;
    }
    std::vector<std::string> options;
    if (field->contains("picklistOptions")) {
      for (const auto& o : (*field)["picklistOptions"]) {
        options.push_back(o.get<std::string>());
      }
    }
    absl::StatusOr<Json> value = CheckCustomValue(
        StrOf(*field, "dataType"), options,
        field->value("isAllowedCustomOption", false), item["field_value"]);
    if (!value.ok()) {
      errors.push_back(
          absl::StrCat(path, ".field_value ", value.status().message()));
      continue;
    }
    std::string id = StrOf(*field, "id");
    Json kept = Json::array();
    for (const auto& entry : stored) {
      if (StrOf(entry, "id") != id) kept.push_back(entry);
    }
    if (!value->is_null()) kept.push_back({{"id", id}, {value_key, *value}});
    stored = std::move(kept);
  }
  return errors;
}

Json Backend::LocationFieldOut(const Json& field) const {
  return WithoutNulls(field);
}

Reply Backend::LocationFieldList(const Call& c) {
  std::string model = c.Query("model").value_or("all");
  if (model != "contact" && model != "opportunity" && model != "all") {
    return Invalid(c, {"model must be one of the following values: contact, "
                       "opportunity, all"});
  }
  absl::MutexLock lock(&mu_);
  Json out = Json::array();
  for (const Json* f : SortedBy(store_.fields, "dateAdded")) {
    if (model != "all" && (*f)["model"] != model) continue;
    out.push_back(LocationFieldOut(*f));
  }
  return {200, {{"customFields", out}}};
}

Reply Backend::LocationFieldCreate(const Call& c) {
  absl::MutexLock lock(&mu_);
  return LocationFieldCreateLocked(c);
}

Reply Backend::LocationFieldCreateLocked(const Call& c) {
  if (auto r = CheckBody(c, CreateLocationCustomFieldDto())) return *r;
  const Json& b = c.body;
  std::string data_type = StrOf(b, "dataType");
  std::vector<std::string> errors;
  if (!IsCustomFieldDataType(data_type)) {
    errors.push_back(
        absl::StrCat("dataType must be one of the following values: ",
                     absl::StrJoin(CustomFieldDataTypes(), ", ")));
  }
  std::vector<std::string> options;
  if (b.contains("options") && b["options"].is_array()) {
    for (const auto& o : b["options"]) {
      if (o.get<std::string>().empty()) {
        errors.push_back("each value in options should not be empty");
        break;
      }
      options.push_back(o.get<std::string>());
    }
  }
  if (HasOptions(data_type) && options.empty()) {
    errors.push_back("options should not be empty");
  }
  std::string model = StrOf(b, "model").empty() ? "contact" : StrOf(b, "model");
  std::string snake = SnakeCase(StrOf(b, "name"));
  if (snake.empty()) errors.push_back("name must contain a letter or digit");
  if (!errors.empty()) return Invalid(c, errors);
  std::string key = absl::StrCat(model, ".", snake);
  for (const auto& [id, f] : store_.fields) {
    if (f["fieldKey"] == key) {
      return BadRequest("A custom field with this name already exists");
    }
  }
  std::string id = NextId("field");
  int64_t position = b.contains("position") && b["position"].is_number()
                         ? b["position"].get<int64_t>()
                         : static_cast<int64_t>(store_.fields.size());
  Json field = {{"id", id},
                {"name", b["name"]},
                {"fieldKey", key},
                {"dataType", data_type},
                {"position", position},
                {"locationId", location_id_},
                {"model", model},
                {"isAllowedCustomOption", false},
                {"picklistImageOptions", Json::array()},
                {"dateAdded", Now()}};
  if (HasOptions(data_type)) field["picklistOptions"] = options;
  if (b.contains("placeholder") && b["placeholder"].is_string()) {
    field["placeholder"] = b["placeholder"];
  }
  if (data_type == "FILE_UPLOAD") {
    field["isMultiFileAllowed"] = BoolOf(b, "isMultipleFile", false);
    field["maxFileLimit"] =
        b.contains("maxNumberOfFiles") && b["maxNumberOfFiles"].is_number()
            ? b["maxNumberOfFiles"]
            : Json(1);
    if (b.contains("acceptedFormat"))
      field["acceptedFormat"] = b["acceptedFormat"];
  }
  if (data_type == "TEXTBOX_LIST" && b.contains("textBoxListOptions")) {
    field["textBoxListOptions"] = b["textBoxListOptions"];
  }
  store_.fields[id] = field;
  return {201, {{"customField", LocationFieldOut(field)}}};
}

Reply Backend::LocationFieldGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  const Json* f = FindFieldLocked("", c.Param("id"));
  if (f == nullptr) return NotFound("Custom field not found");
  return {200, {{"customField", LocationFieldOut(*f)}}};
}

Reply Backend::LocationFieldUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateLocationCustomFieldDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.fields.find(c.Param("id"));
  if (it == store_.fields.end()) return NotFound("Custom field not found");
  Json& f = it->second;
  const Json& b = c.body;
  if (b.contains("model") && b["model"].is_string() &&
      b["model"] != f["model"]) {
    return Invalid(c, {"model cannot be changed"});
  }
  if (b.contains("options") && b["options"].is_array()) {
    if (!HasOptions(StrOf(f, "dataType"))) {
      return Invalid(c, {"options are only allowed for option fields"});
    }
    if (b["options"].empty())
      return Invalid(c, {"options should not be empty"});
    f["picklistOptions"] = b["options"];
  }
  f["name"] = b["name"];
  for (const char* k : {"placeholder", "position"}) {
    if (b.contains(k) && !b[k].is_null()) f[k] = b[k];
  }
  if (b.contains("textBoxListOptions") && b["textBoxListOptions"].is_array()) {
    f["textBoxListOptions"] = b["textBoxListOptions"];
  }
  return {200, {{"customField", LocationFieldOut(f)}}};
}

Reply Backend::LocationFieldDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.fields.find(c.Param("id"));
  if (it == store_.fields.end()) return NotFound("Custom field not found");
  std::string id = it->first;
  store_.fields.erase(it);
  // Values of a deleted field disappear from the records that had them.
  for (Table* t : {&store_.contacts, &store_.opportunities}) {
    for (auto& [rid, record] : *t) {
      if (!record.contains("customFields")) continue;
      Json kept = Json::array();
      for (const auto& e : record["customFields"]) {
        if (StrOf(e, "id") != id) kept.push_back(e);
      }
      record["customFields"] = kept;
    }
  }
  return {200, {{"succeded", true}}};
}

}  // namespace bridgework::emulator::highlevel
