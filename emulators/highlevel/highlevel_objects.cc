// Backend: custom objects, their fields (custom fields v2), records
// (custom objects and the business standard object) and associations.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "emulators/common/json_store.h"
#include "emulators/highlevel/highlevel_backend.h"
#include "emulators/highlevel/highlevel_util.h"
#include "emulators/highlevel/highlevel_values.h"
#include "libs/common/strings.h"

namespace bridgework::emulator::highlevel {
namespace {

constexpr char kCustomPrefix[] = "custom_objects.";
constexpr char kStandardDate[] = "2021-01-01T00:00:00.000Z";
constexpr int64_t kMaxRecordPageLimit = 100;

// The business properties a record of the "business" object carries.
const char* const kBusinessProperties[] = {
    "name", "phone",      "email", "website", "address",
    "city", "postalCode", "state", "country", "description"};

bool IsBusinessProperty(const std::string& k) {
  for (const char* p : kBusinessProperties) {
    if (k == p) return true;
  }
  return false;
}

bool ValidObjectName(absl::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

struct Standard {
  const char* key;
  const char* singular;
  const char* plural;
  const char* tag;  // id
};

const Standard kStandards[] = {
    {"contact", "Contact", "Contacts", "5d01"},
    {"opportunity", "Opportunity", "Opportunities", "5d02"},
    {"business", "Business", "Businesses", "5d03"},
};

Json StandardObject(const Standard& s, const std::string& location) {
  return {{"id", HexId(s.tag, 1)},
          {"standard", true},
          {"key", s.key},
          {"labels", {{"singular", s.singular}, {"plural", s.plural}}},
          {"locationId", location},
          {"primaryDisplayProperty", absl::StrCat(s.key, ".name")},
          {"searchableProperties", Json::array({absl::StrCat(s.key, ".name")})},
          {"dateAdded", kStandardDate},
          {"dateUpdated", kStandardDate}};
}

std::string BusinessFolderId() { return AlnumId("fdrbusiness", 1); }

// The property name of `key` within `object_key` ("custom_objects.pet.name"
// -> "name"); `key` itself when it has no such prefix.
std::string ShortKey(const std::string& object_key, const std::string& key) {
  absl::string_view k = key;
  absl::ConsumePrefix(&k, absl::StrCat(object_key, "."));
  return std::string(k);
}

std::vector<std::string> QueryList(const Call& c, const char* name) {
  std::vector<std::string> out;
  if (c.req == nullptr) return out;
  size_t n = c.req->get_param_value_count(name);
  for (size_t i = 0; i < n; ++i) {
    for (auto part : absl::StrSplit(c.req->get_param_value(name, i), ',')) {
      std::string s(absl::StripAsciiWhitespace(part));
      if (!s.empty()) out.push_back(s);
    }
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- objects

std::vector<Json> Backend::StandardObjects() const {
  std::vector<Json> out;
  for (const auto& s : kStandards)
    out.push_back(StandardObject(s, location_id_));
  return out;
}

const Json* Backend::FindObjectLocked(const std::string& key_or_id) const {
  for (const auto& [id, o] : store_.objects) {
    if (id == key_or_id || o["key"] == key_or_id ||
        o["key"] == absl::StrCat(kCustomPrefix, key_or_id)) {
      return &o;
    }
  }
  return nullptr;
}

bool Backend::KnownObjectKeyLocked(const std::string& key) const {
  for (const auto& s : kStandards) {
    if (key == s.key) return true;
  }
  for (const auto& [id, o] : store_.objects) {
    if (o["key"] == key) return true;
  }
  return false;
}

Json Backend::ObjectOut(const Json& object) const {
  return WithoutNulls(object);
}

std::vector<const Json*> Backend::ObjectFieldsLocked(
    const std::string& object_key) const {
  std::vector<const Json*> out;
  for (const Json* f : SortedBy(store_.object_fields, "dateAdded")) {
    if ((*f)["objectKey"] == object_key) out.push_back(f);
  }
  return out;
}

Reply Backend::ObjectList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  Json out = Json::array();
  for (auto& s : StandardObjects()) out.push_back(s);
  for (const Json* o : SortedBy(store_.objects, "dateAdded")) {
    out.push_back(ObjectOut(*o));
  }
  return {200, {{"objects", out}}};
}

Reply Backend::ObjectCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateCustomObjectDto())) return *r;
  const Json& b = c.body;
  std::string key = StrOf(b, "key");
  absl::string_view name = key;
  std::vector<std::string> errors;
  if (!absl::ConsumePrefix(&name, kCustomPrefix) || !ValidObjectName(name)) {
    errors.push_back(
        "key must be custom_objects.<name> with lower-case letters, digits "
        "and underscores");
  }
  const Json& display = b["primaryDisplayPropertyDetails"];
  std::string display_key = StrOf(display, "key");
  absl::string_view display_name = display_key;
  if (!absl::ConsumePrefix(&display_name, absl::StrCat(key, ".")) ||
      !ValidObjectName(display_name)) {
    errors.push_back(
        "primaryDisplayPropertyDetails.key must be <key>.<name> with "
        "lower-case letters, digits and underscores");
  }
  if (StrOf(display, "dataType") != "TEXT") {
    errors.push_back(
        "primaryDisplayPropertyDetails.dataType must be one of the following "
        "values: TEXT");
  }
  if (!errors.empty()) return Invalid(c, errors);
  absl::MutexLock lock(&mu_);
  if (FindObjectLocked(key) != nullptr) {
    return BadRequest("A custom object with this key already exists");
  }
  if (static_cast<int64_t>(store_.objects.size()) >=
      settings_.custom_object_limit) {
    return BadRequest(absl::StrCat(
        "Custom object limit reached: the plan allows ",
        settings_.custom_object_limit, " custom objects per location"));
  }
  std::string now = Now();
  std::string id = NextId("object");
  std::string folder = NextId("folder");
  Json object = {{"id", id},
                 {"standard", false},
                 {"key", key},
                 {"labels", b["labels"]},
                 {"locationId", location_id_},
                 {"primaryDisplayProperty", display_key},
                 {"searchableProperties", Json::array({display_key})},
                 {"dateAdded", now},
                 {"dateUpdated", now}};
  if (b.contains("description") && b["description"].is_string()) {
    object["description"] = b["description"];
  }
  store_.objects[id] = object;
  store_.folders[folder] = {
      {"id", folder},
      {"name", absl::StrCat(StrOf(b["labels"], "singular"), " Details")},
      {"objectKey", key},
      {"locationId", location_id_},
      {"parentId", id},
      {"dateAdded", now},
      {"dateUpdated", now}};
  std::string field_id = NextId("object_field");
  store_.object_fields[field_id] = {{"id", field_id},
                                    {"name", display["name"]},
                                    {"fieldKey", display_key},
                                    {"objectKey", key},
                                    {"dataType", "TEXT"},
                                    {"parentId", folder},
                                    {"locationId", location_id_},
                                    {"showInForms", true},
                                    {"dateAdded", now},
                                    {"dateUpdated", now}};
  return {201, {{"object", ObjectOut(object)}}};
}

Reply Backend::ObjectGet(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  bool fetch = c.Query("fetchProperties").value_or("") == "true";
  absl::MutexLock lock(&mu_);
  std::string key = c.Param("key");
  Json object;
  for (auto& s : StandardObjects()) {
    if (s["key"] == key || s["id"] == key) object = s;
  }
  if (object.is_null()) {
    const Json* o = FindObjectLocked(key);
    if (o == nullptr) return NotFound("Object not found");
    object = ObjectOut(*o);
  }
  Json out = {{"object", object}, {"cache", false}};
  if (fetch) {
    std::string object_key = object["key"];
    Json fields = Json::array();
    if (object_key == "contact" || object_key == "opportunity") {
      for (const Json* f : SortedBy(store_.fields, "dateAdded")) {
        if ((*f)["model"] != object_key) continue;
        Json v2 = {{"id", (*f)["id"]},
                   {"name", (*f)["name"]},
                   {"fieldKey", (*f)["fieldKey"]},
                   {"objectKey", object_key},
                   {"dataType", (*f)["dataType"]},
                   {"parentId", ""},
                   {"locationId", location_id_},
                   {"showInForms", true},
                   {"dateAdded", (*f)["dateAdded"]},
                   {"dateUpdated", (*f)["dateAdded"]}};
        if (f->contains("picklistOptions")) {
          Json options = Json::array();
          for (const auto& o : (*f)["picklistOptions"]) {
            options.push_back({{"key", o}, {"label", o}});
          }
          v2["options"] = options;
        }
        fields.push_back(v2);
      }
    } else {
      for (const Json* f : ObjectFieldsLocked(object_key)) fields.push_back(*f);
    }
    out["fields"] = fields;
  }
  return {200, out};
}

Reply Backend::ObjectUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateCustomObjectDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string key = c.Param("key");
  for (const auto& s : kStandards) {
    if (key == s.key) {
      return BadRequest("Standard objects cannot be changed in the sandbox");
    }
  }
  const Json* found = FindObjectLocked(key);
  if (found == nullptr) return NotFound("Object not found");
  Json object = *found;
  std::string object_key = object["key"];
  std::vector<std::string> errors;
  for (const auto& p : c.body["searchableProperties"]) {
    bool known = false;
    for (const Json* f : ObjectFieldsLocked(object_key)) {
      known = known || (*f)["fieldKey"] == p;
    }
    if (!known) {
      errors.push_back(
          "each value in searchableProperties must be a field key of the "
          "object");
      break;
    }
  }
  if (!errors.empty()) return Invalid(c, errors);
  object["searchableProperties"] = c.body["searchableProperties"];
  if (c.body.contains("labels") && c.body["labels"].is_object()) {
    for (const auto& [k, v] : c.body["labels"].items()) {
      if (v.is_string() && !v.get<std::string>().empty())
        object["labels"][k] = v;
    }
  }
  if (c.body.contains("description")) {
    if (IsBlank(c.body["description"])) {
      object.erase("description");
    } else {
      object["description"] = c.body["description"];
    }
  }
  object["dateUpdated"] = Now();
  store_.objects[StrOf(object, "id")] = object;
  return {200, {{"object", ObjectOut(object)}}};
}

// ---------------------------------------------------- custom fields v2

Reply Backend::ObjectFieldCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateObjectFieldDto())) return *r;
  const Json& b = c.body;
  std::string data_type = StrOf(b, "dataType");
  std::string object_key = StrOf(b, "objectKey");
  std::string field_key = StrOf(b, "fieldKey");
  std::vector<std::string> errors;
  if (!IsCustomFieldDataType(data_type)) {
    errors.push_back(
        absl::StrCat("dataType must be one of the following values: ",
                     absl::StrJoin(CustomFieldDataTypes(), ", ")));
  }
  absl::string_view short_key = field_key;
  if (!absl::ConsumePrefix(&short_key, absl::StrCat(object_key, ".")) ||
      !ValidObjectName(short_key)) {
    errors.push_back(
        "fieldKey must be <objectKey>.<name> with lower-case letters, digits "
        "and underscores");
  }
  if (HasOptions(data_type) &&
      (!b.contains("options") || !b["options"].is_array() ||
       b["options"].empty())) {
    errors.push_back("options should not be empty");
  }
  if (!errors.empty()) return Invalid(c, errors);
  absl::MutexLock lock(&mu_);
  std::string parent = StrOf(b, "parentId");
  if (object_key == "business") {
    if (parent != BusinessFolderId()) return BadRequest("Folder not found");
  } else {
    if (FindObjectLocked(object_key) == nullptr ||
        !absl::StartsWith(object_key, kCustomPrefix)) {
      return BadRequest(
          "objectKey must be a custom object key of the location or business");
    }
    auto folder = store_.folders.find(parent);
    if (folder == store_.folders.end() ||
        folder->second["objectKey"] != object_key) {
      return BadRequest("Folder not found");
    }
  }
  if (IsBusinessProperty(std::string(short_key)) && object_key == "business") {
    return BadRequest("A field with this key already exists");
  }
  for (const auto& [id, f] : store_.object_fields) {
    if (f["fieldKey"] == field_key) {
      return BadRequest("A field with this key already exists");
    }
  }
  std::string now = Now();
  std::string id = NextId("object_field");
  Json field = WithoutNulls(b);
  field["id"] = id;
  field["dateAdded"] = now;
  field["dateUpdated"] = now;
  store_.object_fields[id] = field;
  return {201, {{"field", field}}};
}

Reply Backend::ObjectFieldGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string id = c.Param("id");
  for (const auto& [fid, f] : store_.object_fields) {
    if (fid == id || f["fieldKey"] == id) return {200, {{"field", f}}};
  }
  return NotFound("Custom field not found");
}

Reply Backend::ObjectFieldUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateObjectFieldDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.object_fields.find(c.Param("id"));
  if (it == store_.object_fields.end())
    return NotFound("Custom field not found");
  for (const auto& [k, v] : c.body.items()) {
    if (k == "locationId") continue;
    if (v.is_null()) {
      it->second.erase(k);
    } else {
      it->second[k] = v;
    }
  }
  it->second["dateUpdated"] = Now();
  return {200, {{"field", it->second}}};
}

Reply Backend::ObjectFieldDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.object_fields.find(c.Param("id"));
  if (it == store_.object_fields.end())
    return NotFound("Custom field not found");
  std::string object_key = it->second["objectKey"];
  std::string field_key = it->second["fieldKey"];
  for (const auto& [id, o] : store_.objects) {
    if (o["key"] == object_key && o["primaryDisplayProperty"] == field_key) {
      return BadRequest("The primary display property cannot be deleted");
    }
  }
  std::string id = it->first;
  store_.object_fields.erase(it);
  std::string prop = ShortKey(object_key, field_key);
  for (auto& [rid, r] : store_.records) {
    if (r["objectKey"] == object_key) r["properties"].erase(prop);
  }
  for (auto& [bid, business] : store_.businesses) {
    if (object_key == "business" && business.contains("customFields")) {
      business["customFields"].erase(prop);
    }
  }
  return {200, {{"succeded", true}, {"id", id}, {"key", field_key}}};
}

Reply Backend::ObjectFieldsByObject(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  std::string object_key = c.Param("objectKey");
  Json folders = Json::array();
  if (object_key == "business") {
    folders.push_back({{"id", BusinessFolderId()},
                       {"name", "Business Details"},
                       {"objectKey", "business"},
                       {"locationId", location_id_},
                       {"parentId", HexId("5d03", 1)},
                       {"dateAdded", kStandardDate},
                       {"dateUpdated", kStandardDate}});
  } else if (FindObjectLocked(object_key) == nullptr) {
    return NotFound("Object not found");
  }
  for (const auto& [id, f] : store_.folders) {
    if (f["objectKey"] == object_key) folders.push_back(f);
  }
  Json fields = Json::array();
  for (const Json* f : ObjectFieldsLocked(object_key)) fields.push_back(*f);
  return {200, {{"fields", fields}, {"folders", folders}}};
}

// ---------------------------------------------------------------- records

std::vector<std::string> Backend::ApplyPropertiesLocked(const Json& object,
                                                        const Json& properties,
                                                        Json& stored) const {
  std::vector<std::string> errors;
  std::string object_key = object["key"];
  for (const auto& [k, v] : properties.items()) {
    std::string prop = ShortKey(object_key, k);
    std::string path = absl::StrCat("properties.", prop);
    if (object_key == "business" && IsBusinessProperty(prop)) {
      if (!v.is_null() && !v.is_string()) {
        errors.push_back(absl::StrCat(path, " must be a string"));
      } else if (IsBlank(v)) {
        stored.erase(prop);
      } else {
        stored[prop] = v;
      }
      continue;
    }
    const Json* field = nullptr;
    for (const Json* f : ObjectFieldsLocked(object_key)) {
      if ((*f)["fieldKey"] == absl::StrCat(object_key, ".", prop)) field = f;
    }
    if (field == nullptr) {
      errors.push_back(absl::StrCat(path, " is not a field of the object"));
      continue;
    }
    std::vector<std::string> options;
    if (field->contains("options")) {
      for (const auto& o : (*field)["options"])
        options.push_back(StrOf(o, "key"));
    }
    absl::StatusOr<Json> value =
        CheckCustomValue(StrOf(*field, "dataType"), options,
                         field->value("allowCustomOption", false), v);
    if (!value.ok()) {
      errors.push_back(absl::StrCat(path, " ", value.status().message()));
    } else if (value->is_null()) {
      stored.erase(prop);
    } else {
      stored[prop] = *value;
    }
  }
  return errors;
}

Json Backend::RecordOut(const Json& record) const {
  Json out = WithoutNulls(record);
  out["createdAt"] = record["dateAdded"];
  out["updatedAt"] = record["dateUpdated"];
  Json by = {{"channel", "API"},
             {"createdAt", record["dateAdded"]},
             {"source", "PUBLIC_API"},
             {"sourceId", "bridgework-sandbox"}};
  out["createdBy"] = by;
  by["createdAt"] = record["dateUpdated"];
  out["lastUpdatedBy"] = by;
  return out;
}

namespace {

// A business as a record of the "business" object.
Json BusinessAsRecord(const Json& business) {
  Json properties = Json::object();
  for (const char* k : kBusinessProperties) {
    if (business.contains(k)) properties[k] = business[k];
  }
  if (business.contains("customFields")) {
    for (const auto& [k, v] : business["customFields"].items())
      properties[k] = v;
  }
  return {{"id", business["id"]},
          {"owner", Json::array()},
          {"followers", Json::array()},
          {"properties", properties},
          {"dateAdded", business["createdAt"]},
          {"dateUpdated", business["updatedAt"]},
          {"locationId", business["locationId"]},
          {"objectId", HexId("5d03", 1)},
          {"objectKey", "business"}};
}

// Writes record-style properties back into a business.
void RecordToBusiness(const Json& properties, Json& business) {
  Json custom = business.value("customFields", Json::object());
  for (const auto& [k, v] : properties.items()) {
    if (IsBusinessProperty(k)) {
      business[k] = v;
    } else {
      custom[k] = v;
    }
  }
  for (const char* k : kBusinessProperties) {
    if (!properties.contains(k)) business.erase(k);
  }
  if (custom.empty()) {
    business.erase("customFields");
  } else {
    business["customFields"] = custom;
  }
}

}  // namespace

Reply Backend::RecordCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateRecordDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string schema = c.Param("schemaKey");
  Json object;
  if (schema == "business") {
    object = StandardObject(kStandards[2], location_id_);
  } else {
    const Json* o = FindObjectLocked(schema);
    if (o == nullptr) return NotFound("Object not found");
    object = *o;
  }
  std::vector<std::string> errors;
  for (const char* k : {"owner", "followers"}) {
    if (!c.body.contains(k)) continue;
    for (const auto& u : c.body[k]) {
      if (FindUser(u.get<std::string>()) == nullptr) {
        errors.push_back(
            absl::StrCat("each value in ", k, " must be the id of a user"));
        break;
      }
    }
  }
  if (c.body.contains("owner") && c.body["owner"].size() > 1) {
    errors.push_back("owner must contain at most 1 element");
  }
  Json properties = Json::object();
  for (auto& e :
       ApplyPropertiesLocked(object, c.body["properties"], properties)) {
    errors.push_back(std::move(e));
  }
  std::string primary =
      ShortKey(object["key"], StrOf(object, "primaryDisplayProperty"));
  if (!properties.contains(primary)) {
    errors.push_back(
        absl::StrCat("properties.", primary, " should not be empty"));
  }
  if (!errors.empty()) return Invalid(c, errors);
  std::string now = Now();
  if (schema == "business") {
    Json business = {
        {"locationId", location_id_}, {"createdAt", now}, {"updatedAt", now}};
    RecordToBusiness(properties, business);
    std::string id = NextId("business");
    business["id"] = id;
    store_.businesses[id] = business;
    return {201, {{"record", RecordOut(BusinessAsRecord(business))}}};
  }
  std::string id = NextId("record");
  Json record = {{"id", id},
                 {"owner", ArrayOf(c.body, "owner")},
                 {"followers", ArrayOf(c.body, "followers")},
                 {"properties", properties},
                 {"locationId", location_id_},
                 {"objectId", object["id"]},
                 {"objectKey", object["key"]},
                 {"dateAdded", now},
                 {"dateUpdated", now}};
  store_.records[id] = record;
  return {201, {{"record", RecordOut(record)}}};
}

std::optional<Reply> Backend::FindRecordLocked(const std::string& schema,
                                               const std::string& id,
                                               Json* object,
                                               Json* record) const {
  if (schema == "business") {
    auto it = store_.businesses.find(id);
    if (it == store_.businesses.end()) return NotFound("Record not found");
    *object = StandardObject(kStandards[2], location_id_);
    *record = BusinessAsRecord(it->second);
    return std::nullopt;
  }
  const Json* o = FindObjectLocked(schema);
  if (o == nullptr) return NotFound("Object not found");
  auto it = store_.records.find(id);
  if (it == store_.records.end() || it->second["objectKey"] != (*o)["key"]) {
    return NotFound("Record not found");
  }
  *object = *o;
  *record = it->second;
  return std::nullopt;
}

Reply Backend::RecordGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  Json object, record;
  if (auto r = FindRecordLocked(c.Param("schemaKey"), c.Param("id"), &object,
                                &record)) {
    return *r;
  }
  return {200, {{"record", RecordOut(record)}}};
}

Reply Backend::RecordUpdate(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  if (auto r = CheckBody(c, UpdateRecordDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string schema = c.Param("schemaKey");
  std::string id = c.Param("id");
  Json object, record;
  if (auto r = FindRecordLocked(schema, id, &object, &record)) return *r;
  std::vector<std::string> errors;
  for (const char* k : {"owner", "followers"}) {
    if (!c.body.contains(k) || c.body[k].is_null()) continue;
    for (const auto& u : c.body[k]) {
      if (FindUser(u.get<std::string>()) == nullptr) {
        errors.push_back(
            absl::StrCat("each value in ", k, " must be the id of a user"));
        break;
      }
    }
    record[k] = c.body[k];
  }
  if (c.body.contains("properties") && c.body["properties"].is_object()) {
    for (auto& e : ApplyPropertiesLocked(object, c.body["properties"],
                                         record["properties"])) {
      errors.push_back(std::move(e));
    }
  }
  std::string primary =
      ShortKey(object["key"], StrOf(object, "primaryDisplayProperty"));
  if (!record["properties"].contains(primary)) {
    errors.push_back(
        absl::StrCat("properties.", primary, " should not be empty"));
  }
  if (!errors.empty()) return Invalid(c, errors);
  std::string now = Now();
  if (schema == "business") {
    Json& business = store_.businesses[id];
    RecordToBusiness(record["properties"], business);
    business["updatedAt"] = now;
    return {200, {{"record", RecordOut(BusinessAsRecord(business))}}};
  }
  record["dateUpdated"] = now;
  store_.records[id] = record;
  return {200, {{"record", RecordOut(record)}}};
}

Reply Backend::RecordDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string schema = c.Param("schemaKey");
  std::string id = c.Param("id");
  Json object, record;
  if (auto r = FindRecordLocked(schema, id, &object, &record)) return *r;
  if (schema == "business") {
    store_.businesses.erase(id);
    for (auto& [cid, contact] : store_.contacts) {
      if (StrOf(contact, "businessId") == id) contact.erase("businessId");
    }
  } else {
    store_.records.erase(id);
  }
  DropRelationsLocked(id);
  return {200, {{"id", id}, {"success", true}}};
}

Reply Backend::RecordSearch(const Call& c) {
  if (auto r = CheckBody(c, SearchRecordsDto())) return *r;
  int64_t page = c.body["page"].get<int64_t>();
  int64_t limit = c.body["pageLimit"].get<int64_t>();
  std::vector<std::string> errors;
  if (page < 1) errors.push_back("page must not be less than 1");
  if (limit < 1) errors.push_back("pageLimit must not be less than 1");
  if (limit > kMaxRecordPageLimit) {
    errors.push_back(absl::StrCat("pageLimit must not be greater than ",
                                  kMaxRecordPageLimit));
  }
  const Json after = ArrayOf(c.body, "searchAfter");
  if (!after.empty() && after.size() != 2) {
    errors.push_back(
        "searchAfter must be [dateAdded millis, id] of the last record");
  }
  if (!errors.empty()) return Invalid(c, errors);
  absl::MutexLock lock(&mu_);
  std::string schema = c.Param("schemaKey");
  Json object;
  std::vector<Json> records;
  if (schema == "business") {
    object = StandardObject(kStandards[2], location_id_);
    for (const Json* b : SortedBy(store_.businesses, "createdAt")) {
      records.push_back(BusinessAsRecord(*b));
    }
  } else {
    const Json* o = FindObjectLocked(schema);
    if (o == nullptr) return NotFound("Object not found");
    object = *o;
    for (const Json* r : SortedBy(store_.records, "dateAdded")) {
      if ((*r)["objectKey"] == object["key"]) records.push_back(*r);
    }
  }
  std::string query = StrOf(c.body, "query");
  std::string field, text = query;
  size_t colon = query.find(':');
  if (colon != std::string::npos) {
    field = ShortKey(object["key"], query.substr(0, colon));
    text = query.substr(colon + 1);
  }
  std::set<std::string> searchable;
  for (const auto& p : object.value("searchableProperties", Json::array())) {
    searchable.insert(ShortKey(object["key"], p.get<std::string>()));
  }
  std::vector<const Json*> matches;
  for (const auto& r : records) {
    if (!text.empty()) {
      bool hit = false;
      for (const auto& [k, v] : r["properties"].items()) {
        if (!field.empty() ? k != field : !searchable.count(k)) continue;
        std::string s = v.is_string() ? v.get<std::string>() : v.dump();
        hit = hit || ContainsFold(s, text);
      }
      if (!hit) continue;
    }
    matches.push_back(&r);
  }
  size_t begin = static_cast<size_t>((page - 1) * limit);
  if (!after.empty()) {
    begin = 0;
    int64_t after_ms = after[0].is_number() ? after[0].get<int64_t>() : 0;
    std::string after_id =
        after[1].is_string() ? after[1].get<std::string>() : "";
    while (begin < matches.size()) {
      int64_t ms =
          UnixMillis(*ParseInstant(StrOf(*matches[begin], "dateAdded")));
      std::string id = StrOf(*matches[begin], "id");
      if (ms > after_ms || (ms == after_ms && id > after_id)) break;
      ++begin;
    }
  }
  Json out = Json::array();
  for (size_t i = begin; i < matches.size() && i < begin + limit; ++i) {
    Json r = RecordOut(*matches[i]);
    r["searchAfter"] =
        Json::array({UnixMillis(*ParseInstant(StrOf(*matches[i], "dateAdded"))),
                     StrOf(*matches[i], "id")});
    out.push_back(r);
  }
  return {200, {{"records", out}, {"total", matches.size()}}};
}

// ----------------------------------------------------------- associations

std::string Backend::RecordKindLocked(const std::string& id) const {
  if (store_.contacts.count(id)) return "contact";
  if (store_.opportunities.count(id)) return "opportunity";
  if (store_.businesses.count(id)) return "business";
  auto it = store_.records.find(id);
  return it == store_.records.end() ? "" : StrOf(it->second, "objectKey");
}

void Backend::DropRelationsLocked(const std::string& record_id) {
  for (auto it = store_.relations.begin(); it != store_.relations.end();) {
    if (StrOf(it->second, "firstRecordId") == record_id ||
        StrOf(it->second, "secondRecordId") == record_id) {
      it = store_.relations.erase(it);
    } else {
      ++it;
    }
  }
}

Json Backend::RelationOut(const Json& relation) const {
  Json out = relation;
  auto a = store_.associations.find(StrOf(relation, "associationId"));
  if (a != store_.associations.end()) {
    for (const char* k :
         {"key", "firstObjectLabel", "firstObjectKey", "secondObjectLabel",
          "secondObjectKey", "associationType"}) {
      out[k] = a->second[k];
    }
  }
  return out;
}

Reply Backend::AssociationList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId", "skip", "limit"})) return *r;
  std::vector<std::string> errors;
  int64_t skip = QueryInt(c, "skip", 0, errors);
  int64_t limit = QueryInt(c, "limit", 100, errors);
  if (!errors.empty()) return Invalid(c, errors);
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> all = SortedBy(store_.associations, "dateAdded");
  Json out = Slice(all, skip, limit);
  return {200, {{"associations", out}, {"total", all.size()}}};
}

Reply Backend::AssociationCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateAssociationDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::vector<std::string> errors;
  for (const char* k : {"firstObjectKey", "secondObjectKey"}) {
    if (!KnownObjectKeyLocked(StrOf(c.body, k))) {
      errors.push_back(absl::StrCat(
          k,
          " must be contact, opportunity, business or a custom object key "
          "of the location"));
    }
  }
  if (!errors.empty()) return Invalid(c, errors);
  std::string key = StrOf(c.body, "key");
  for (const auto& [id, a] : store_.associations) {
    if (a["key"] == key)
      return BadRequest("An association with this key already exists");
  }
  std::string id = NextId("association");
  Json association = c.body;
  association["id"] = id;
  association["locationId"] = location_id_;
  association["associationType"] = "USER_DEFINED";
  association["dateAdded"] = Now();
  store_.associations[id] = association;
  return {201, association};
}

Reply Backend::AssociationGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.associations.find(c.Param("associationId"));
  if (it == store_.associations.end()) return NotFound("Association not found");
  return {200, it->second};
}

Reply Backend::AssociationByKey(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  for (const auto& [id, a] : store_.associations) {
    if (a["key"] == c.Param("key_name")) return {200, a};
  }
  return NotFound("Association not found");
}

Reply Backend::AssociationUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateAssociationDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.associations.find(c.Param("associationId"));
  if (it == store_.associations.end()) return NotFound("Association not found");
  it->second["firstObjectLabel"] = c.body["firstObjectLabel"];
  it->second["secondObjectLabel"] = c.body["secondObjectLabel"];
  return {200, it->second};
}

Reply Backend::AssociationDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string id = c.Param("associationId");
  if (!store_.associations.erase(id)) return NotFound("Association not found");
  for (auto it = store_.relations.begin(); it != store_.relations.end();) {
    if (StrOf(it->second, "associationId") == id) {
      it = store_.relations.erase(it);
    } else {
      ++it;
    }
  }
  return {200,
          {{"deleted", true},
           {"id", id},
           {"message", "Association deleted successfully"}}};
}

Reply Backend::RelationCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateRelationDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto a = store_.associations.find(StrOf(c.body, "associationId"));
  if (a == store_.associations.end())
    return BadRequest("Association not found");
  std::string first = StrOf(c.body, "firstRecordId");
  std::string second = StrOf(c.body, "secondRecordId");
  std::string first_kind = RecordKindLocked(first);
  std::string second_kind = RecordKindLocked(second);
  if (first_kind.empty() || second_kind.empty()) {
    return BadRequest("Record not found");
  }
  const std::string want_first = a->second["firstObjectKey"];
  const std::string want_second = a->second["secondObjectKey"];
  if (first_kind == want_second && second_kind == want_first &&
      want_first != want_second) {
    std::swap(first, second);
  } else if (first_kind != want_first || second_kind != want_second) {
    return BadRequest(
        "The records do not match the objects of the association");
  }
  if (first == second)
    return BadRequest("A record cannot be related to itself");
  for (const auto& [id, r] : store_.relations) {
    if (r["associationId"] == a->first &&
        ((r["firstRecordId"] == first && r["secondRecordId"] == second) ||
         (want_first == want_second && r["firstRecordId"] == second &&
          r["secondRecordId"] == first))) {
      return BadRequest("The relation already exists");
    }
  }
  std::string id = NextId("relation");
  Json relation = {{"id", id},
                   {"associationId", a->first},
                   {"firstRecordId", first},
                   {"secondRecordId", second},
                   {"locationId", location_id_},
                   {"dateAdded", Now()}};
  store_.relations[id] = relation;
  return {201, RelationOut(relation)};
}

Reply Backend::RelationList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId", "skip", "limit"})) return *r;
  std::vector<std::string> errors;
  int64_t skip = QueryInt(c, "skip", 0, errors);
  int64_t limit = QueryInt(c, "limit", 100, errors);
  if (!errors.empty()) return Invalid(c, errors);
  std::vector<std::string> only = QueryList(c, "associationIds");
  absl::MutexLock lock(&mu_);
  std::string record = c.Param("recordId");
  std::vector<const Json*> matches;
  for (const Json* r : SortedBy(store_.relations, "dateAdded")) {
    if (StrOf(*r, "firstRecordId") != record &&
        StrOf(*r, "secondRecordId") != record) {
      continue;
    }
    if (!only.empty() && std::find(only.begin(), only.end(),
                                   StrOf(*r, "associationId")) == only.end()) {
      continue;
    }
    matches.push_back(r);
  }
  Json out = Slice(matches, skip, limit,
                   [this](const Json& r) { return RelationOut(r); });
  return {200, {{"relations", out}, {"total", matches.size()}}};
}

Reply Backend::RelationDelete(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.relations.find(c.Param("relationId"));
  if (it == store_.relations.end()) return NotFound("Relation not found");
  Json out = RelationOut(it->second);
  store_.relations.erase(it);
  return {200, out};
}

}  // namespace bridgework::emulator::highlevel
