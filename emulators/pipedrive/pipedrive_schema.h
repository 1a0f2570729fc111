// The Pipedrive data model as the emulator enforces it: value formats
// (dates, times, ids), field definitions (the built-in system fields and
// the custom fields a company creates through the *Fields endpoints), the
// value shape of each custom field type in API v2 (nested under
// "custom_fields") and v1 (at the record root), and users. Choices made
// where the references are silent are listed in
// docs/connectors/pipedrive-emulator.md.
//
// Everything here is pure (no I/O, no shared state) and thread-compatible.
#ifndef BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_SCHEMA_H_
#define BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_SCHEMA_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bridgework::emulator::pipedrive {

// ---- Value formats -------------------------------------------------------

// "YYYY-MM-DD", a real calendar date.
bool IsDate(std::string_view s);
// "HH:MM" or "HH:MM:SS".
bool IsTimeOfDay(std::string_view s);
// RFC 3339 ("2021-01-01T00:00:00Z", offsets and fractions allowed) or the
// v1 form "2021-01-01 00:00:00" (UTC); nullopt otherwise.
std::optional<absl::Time> ParseDateTime(std::string_view s);
// API v2 timestamps: "2021-01-01T00:00:00Z".
std::string V2Time(absl::Time t);
// API v1 timestamps: "2021-01-01 00:00:00" (UTC).
std::string V1Time(absl::Time t);
// Three upper-case letters (ISO 4217 shape).
bool IsCurrencyCode(const nlohmann::json& v);
// A custom field key: 40 lower-case hex digits.
bool IsFieldKey(std::string_view s);
// 8-4-4-4-12 hex digits.
bool IsUuid(std::string_view s);
// A key that may be echoed in an error message: a field key or a plain
// snake_case name. Anything else could be a value sent by mistake.
bool SafeToName(std::string_view key);
// An integer (not a boolean, not a float); for ids and counts.
std::optional<int64_t> StrictInt(const nlohmann::json& v);
// A path id: a positive decimal integer; nullopt otherwise.
std::optional<int64_t> PositiveId(const std::string& s);
// True unless `v` is a string with something besides whitespace.
bool Blank(const nlohmann::json& v);
// `object[key]`, or null if `object` is not an object or lacks the key
// (never inserts).
const nlohmann::json& At(const nlohmann::json& object, const std::string& key);
std::string Lower(std::string s);
// An address object {"value", "street_number", "route", "subpremise",
// "sublocality", "locality", "admin_area_level_1", "admin_area_level_2",
// "country", "postal_code", "formatted_address"} with string parts, in its
// stored form (null parts dropped); nullopt if it is not one (or lacks
// "value" when `need_value`).
std::optional<nlohmann::json> NormalizeAddress(const nlohmann::json& v,
                                               bool need_value);

// ---- Entities ------------------------------------------------------------

// The API v2 entities.
enum class Kind {
  kPerson,
  kOrganization,
  kDeal,
  kActivity,
  kProduct,
  kPipeline,
  kStage
};
inline constexpr Kind kKinds[] = {
    Kind::kPerson,  Kind::kOrganization, Kind::kDeal, Kind::kActivity,
    Kind::kProduct, Kind::kPipeline,     Kind::kStage};

// "persons", "organizations", ...: the URL segment and the state key.
const char* Collection(Kind k);
// The first id handed out. Persons, organizations, deals, activities and
// products get disjoint ranges (so an id sent for the wrong entity is
// refused); pipelines and stages count from 1 like a new company's.
int64_t FirstId(Kind k);

// ---- Field definitions ---------------------------------------------------

// The entities that have a *Fields endpoint of their own. Leads share the
// deal fields.
enum class FieldEntity { kPerson, kOrganization, kDeal, kProduct };
inline constexpr FieldEntity kFieldEntities[] = {
    FieldEntity::kPerson, FieldEntity::kOrganization, FieldEntity::kDeal,
    FieldEntity::kProduct};

// "person", "organization", "deal", "product".
const char* FieldEntityName(FieldEntity e);
// "personFields", ...
const char* FieldsCollection(FieldEntity e);
// Parses FieldEntityName; nullopt otherwise.
std::optional<FieldEntity> ParseFieldEntity(std::string_view s);
// The fields of a v2 entity; nullopt for those without custom fields.
std::optional<FieldEntity> FieldsOf(Kind k);

struct FieldOption {
  int64_t id = 0;
  std::string label;
  std::optional<std::string> color;
  std::string add_time;  // v2 time
};

struct FieldDef {
  std::string code;  // system: "name"; custom: the 40-hex key
  std::string name;  // field_name
  std::string type;  // field_type
  bool custom = false;
  bool deleted = false;
  std::vector<FieldOption> options;
  std::string description;
  nlohmann::json ui_visibility = nlohmann::json::object();
  nlohmann::json important_fields = nlohmann::json::object();
  nlohmann::json required_fields = nlohmann::json::object();
  std::string add_time;
};

// The built-in fields of an entity, in listing order.
std::vector<FieldDef> SystemFields(FieldEntity e);

// The field types POST /<entity>Fields accepts.
bool CreatableFieldType(std::string_view type);
// enum and set.
bool HasOptions(std::string_view type);
// Types itemSearch/field and the search endpoints look into: address,
// varchar, text, varchar_auto, double, monetary, phone.
bool SearchableFieldType(std::string_view type);

// The v2 field object. `blocks` adds ui_visibility, important_fields and
// required_fields (the include_fields namespaces).
nlohmann::json FieldJson(const FieldDef& f, bool blocks);

// ---- Custom field values -------------------------------------------------

// Checks that `id` names a live record of `kind` ("person", "org", "user").
using RefExists = std::function<bool(std::string_view kind, int64_t id)>;

// A v2 value (`custom_fields: {key: value}`) in its stored form, or
// InvalidArgument naming the field key and the expected shape (never the
// value). Null clears the value and is returned as is.
//   varchar, varchar_auto, text, phone: string; double: number;
//   date: "YYYY-MM-DD"; time: "HH:MM[:SS]";
//   daterange: {"value": date, "until": date};
//   timerange: {"value": time, "until": time, "timezone_id"?: int};
//   enum: an option id; set: a non-empty array of option ids;
//   monetary: {"value": number, "currency": "USD"};
//   address: {"value": string, <subfield>: string...};
//   org / people / user: the id of a live organization / person / user.
absl::StatusOr<nlohmann::json> NormalizeV2Value(const FieldDef& f,
                                                const nlohmann::json& value,
                                                const RefExists& exists);

// The v1 form of the custom values of `f` found at the root of `body`
// (leads): the key itself plus the sibling keys "<key>_currency" (monetary),
// "<key>_until" (daterange, timerange). Enum ids may be numeric strings and
// sets "1,2" strings. Returns nullopt if `body` sets none of them; the
// stored (v2) form otherwise.
absl::StatusOr<std::optional<nlohmann::json>> NormalizeV1Value(
    const FieldDef& f, const nlohmann::json& body, const RefExists& exists);

// Writes the v1 rendering of a stored value at the root of `record`: enum
// as the option id string, set as "1,2", monetary as the amount plus
// "<key>_currency", ranges plus "<key>_until".
void PutV1Value(const FieldDef& f, const nlohmann::json& stored,
                nlohmann::json& record);

// The texts a stored value is searched by (empty for unsearchable types).
std::vector<std::string> SearchTexts(const FieldDef& f,
                                     const nlohmann::json& stored);

// ---- Users ---------------------------------------------------------------

struct User {
  int64_t id = 0;
  std::string name;
  std::string email;
  bool active = true;
  bool admin = false;
  // A token of this user's own (beyond the emulator's main token, which
  // belongs to the first user). Empty: none.
  std::string api_token;
};

// 14000001 Office Owner <owner@bridgework.example> (admin, holder of the
// main token), 14000002 Elena Rivera <dr.rivera@smilebright.example>,
// 14000003 Wei Chen <dr.chen@smilebright.example>: the same people as the
// Freshsales emulator's default users.
std::vector<User> DefaultUsers();

// [{"id": int, "name" (or "display_name"), "email", "active_flag" (or
// "is_active")?, "is_admin"?, "api_token"?}]; the first user is the
// company admin. InvalidArgument names the bad entry.
absl::StatusOr<std::vector<User>> ParseUsers(const nlohmann::json& list);

// The v1 user object. `created` is the company's creation time.
nlohmann::json UserJson(const User& u, bool is_you, absl::Time created);

}  // namespace bridgework::emulator::pipedrive

#endif  // BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_SCHEMA_H_
