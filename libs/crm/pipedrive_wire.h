// Pipedrive wire formats, without any I/O: which objects live where (API v2
// or v1), the type of each attribute the official specs declare, and the
// conversions from Bridgework values to those types. Used by
// pipedrive_connector.cc; see docs/connectors/pipedrive.md.
//
// Thread safety: all functions are pure; the tables are immutable.
#ifndef BRIDGEWORK_LIBS_CRM_PIPEDRIVE_WIRE_H_
#define BRIDGEWORK_LIBS_CRM_PIPEDRIVE_WIRE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"

namespace bridgework::crm::pipedrive {

// How an attribute is written (its type in the OpenAPI specs).
enum class Wire {
  kAny,           // passed through as given
  kText,          // string
  kInt,           // integer (ids, enums sent as integers)
  kNumber,        // number
  kBool,          // boolean
  kFlag01,        // number 0 or 1 (v1 note pinned_to_*_flag)
  kIntText,       // integer as a string (v1 lead visible_to "3")
  kDate,          // "YYYY-MM-DD"
  kTime,          // "HH:MM" (a longer "HH:MM:SS" is kept)
  kDuration,      // "HH:MM"; an integer is a number of minutes
  kDateTime,      // v2: RFC 3339 UTC "2024-03-01T15:30:00Z"
  kDateTimeV1,    // v1: "YYYY-MM-DD HH:MM:SS" UTC
  kContacts,      // [{value, primary, label}] (emails, phones, im)
  kAddress,       // {value, ...parts}
  kIntList,       // [integer]
  kLeadValue,     // {amount, currency}
  kParticipants,  // [{person_id, primary}]
};

// One Pipedrive object the connector writes.
struct ObjectSpec {
  // Target object name ("person").
  std::string name;
  // Path below the company URL ("/api/v2/persons").
  std::string path;
  bool v2 = true;
  // The *Fields family holding its custom fields ("personFields"); empty
  // when the object has none (activities, notes, files).
  std::string fields_family;
  // itemSearch/field entity_type; empty when not searchable.
  std::string search_entity;
  // Where ResolvedRecord.owner_id goes ("owner_id", notes "user_id").
  std::string owner_field;
  // "PATCH" (v2, leads) or "PUT" (v1 notes, files).
  std::string update_method;
  // Soft-deleted records read back with active_flag false (v1 files);
  // v2 records carry is_deleted instead.
  bool active_flag = false;
  // Largest `limit` a list accepts.
  int max_page = 500;
  // Attribute types from the spec's request schemas. Attributes not listed
  // are passed through unchanged (Pipedrive refuses unknown v2 ones).
  std::map<std::string, Wire> fields;
  // Attributes the spec lets be null (a null clears them). A null for any
  // other attribute is left out of the request: the spec's types do not
  // allow it.
  std::set<std::string> nullable;
};

// nullptr for an object Pipedrive does not have.
const ObjectSpec* FindObject(const std::string& target_object);

// "persons"/"person" -> "personFields"; also organizations, deals,
// products, and leads (which use the deal fields). Empty for an entity
// without custom fields.
std::string FieldsFamilyOf(const std::string& entity);

// Pipedrive field_type for a map custom-field type ("text" -> "varchar",
// "dropdown" -> "enum", ...); empty when Pipedrive has none.
std::string FieldTypeFor(const std::string& map_type);

// "Patient status" -> "patient_status"; "cf_patient_status" ->
// "patient_status": how a fresh process pairs a map name with a field
// label (lower case, runs of other characters to one "_", "cf_" dropped).
std::string NormalizedFieldName(const std::string& text);

// The message of a Pipedrive error body ({"success":false,"error":"...",
// "code":"..."}), never a field value.
std::string ErrorMessage(const std::string& body);

// A value as JSON for the converters: decimals become numbers (their
// currency, when set, is stored in `*currency`), timestamps RFC 3339 with
// their offset, dates "YYYY-MM-DD", lists arrays.
nlohmann::json ValueJson(const v1::Value& v, std::string* currency);

// Converts `in` to the attribute type `wire`. INVALID_ARGUMENT naming
// `field` (never the value) when it cannot. `currency` is the currency of a
// decimal input, for kLeadValue.
absl::StatusOr<nlohmann::json> ToWire(Wire wire, const nlohmann::json& in,
                                      const std::string& field,
                                      const std::string& currency);

// Members of a JSON object, read without throwing: the fallback (or
// nullopt) when `j` is not an object, the key is absent or its value has
// another type.
std::string JsonString(const nlohmann::json& j, const char* key);
bool JsonBool(const nlohmann::json& j, const char* key, bool fallback);
std::optional<int64_t> JsonInt(const nlohmann::json& j, const char* key);

// A custom field definition as Pipedrive lists it.
struct FieldDef {
  std::string code;  // field_code (40 hex digits for custom fields)
  std::string name;  // field_name
  std::string type;  // field_type
  bool custom = false;
  // Option label -> id (enum and set).
  std::map<std::string, int64_t> options;
};

// Parses one field object of a *Fields answer.
FieldDef ParseFieldDef(const nlohmann::json& field);
// Adds the options of an options array ([{id, label}]) to `def`.
void AddOptions(const nlohmann::json& options, FieldDef* def);

// The option id of `label` (exact, then case-insensitive); nullopt if the
// field has no such option.
std::optional<int64_t> OptionId(const FieldDef& def, const std::string& label);

// The custom-field value for `def` in API v2 form (v2 == true) or v1 form.
// For a v1 monetary field the currency goes to `*v1_currency` (written as
// the sibling key "<code>_currency"). INVALID_ARGUMENT naming `name` when the
// value does not fit (an unknown option).
absl::StatusOr<nlohmann::json> CustomValue(const FieldDef& def,
                                           const std::string& name,
                                           const nlohmann::json& in,
                                           const std::string& currency, bool v2,
                                           std::string* v1_currency);

// A custom field's value as read back (API v2 "custom_fields", or the v1
// root key), as a person sees it: an enum's option label, a set's labels
// (from ids or v1's "11,12"), the "value" of a monetary, address or range
// field; an option id the field does not list stays the id.
nlohmann::json ReadCustomValue(const FieldDef& def,
                               const nlohmann::json& stored);

// An attribute as read back, in the form a record writes it: a contact
// list (emails, phones, im) as its values, an address as its "value", a
// participant list as the person ids; others unchanged.
nlohmann::json ReadAttribute(Wire wire, const nlohmann::json& stored);

// An activity's "start" (or, with `end`, its end) as RFC 3339 UTC from
// its due_date, due_time and duration: what ActivityTiming wrote; null
// when the activity has no such time.
nlohmann::json ReadActivityTime(const nlohmann::json& activity, bool end);

// True for a 40-character lower-case hex key (a custom field's code).
bool IsFieldCode(const std::string& key);

// True when `id` can be an id of `object` (an integer, or a UUID for
// leads); other ids cannot exist and are answered without a request.
bool ValidId(const ObjectSpec& object, const std::string& id);

// Activity timing from "start" (and optional "end") timestamps: due_date,
// due_time (UTC) and duration, written into `body`.
absl::Status ActivityTiming(const nlohmann::json& start,
                            const nlohmann::json& end, nlohmann::json* body);

}  // namespace bridgework::crm::pipedrive

#endif  // BRIDGEWORK_LIBS_CRM_PIPEDRIVE_WIRE_H_
