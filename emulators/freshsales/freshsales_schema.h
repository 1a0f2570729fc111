// The Freshsales data model as the emulator enforces it: standard fields of
// contacts and sales accounts, custom field definitions ("cf_" fields the
// account admin created), users, and the normalisation of request bodies.
// See docs/connectors/freshsales-emulator.md for the choices made where the
// reference (destination-apis.md §3) is unconfirmed.
//
// Everything here is pure (no I/O, no shared state) and thread-compatible.
#ifndef BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_SCHEMA_H_
#define BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_SCHEMA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace bridgework::emulator::freshsales {

// The record types the emulator stores. kCustomModule is a record of an
// admin-defined custom module; its body key and URL segment are the
// module's API name, not Singular/Plural.
enum class Entity {
  kContact,
  kSalesAccount,
  kDeal,
  kAppointment,
  kSalesActivity,
  kTask,
  kNote,
  kDocument,
  kProduct,
  kList,  // a contact list (marketing list): the campaign equivalent
  kCustomModule,
};

inline constexpr Entity kEntities[] = {
    Entity::kContact,     Entity::kSalesAccount,  Entity::kDeal,
    Entity::kAppointment, Entity::kSalesActivity, Entity::kTask,
    Entity::kNote,        Entity::kDocument,      Entity::kProduct,
    Entity::kList};

// "contact", "sales_account", "deal", "appointment", "sales_activity",
// "task", "note", "document", "product", "list": the body key of one
// record.
const char* Singular(Entity e);
// "contacts", "sales_accounts", "deals", ...: list key and URL segment
// (products live under /cpq/products).
const char* Plural(Entity e);
// "Contact", "Sales account", "Deal", ...: the subject of error messages.
const char* Label(Entity e);
// The entity whose Plural is `plural`; nullopt for none.
std::optional<Entity> EntityFromPlural(const std::string& plural);
// "Contact", "SalesAccount", "Deal": the targetable_type naming `e`.
const char* TargetableType(Entity e);
// True when records of `e` may carry "custom_field" values.
bool HasCustomFields(Entity e);

// How a standard field's value is checked and stored.
enum class FieldKind {
  kString,         // string; a number is stored as its text
  kEmail,          // string that looks like an email address
  kInteger,        // integer, or a string of digits; stored as integer
  kNumber,         // number, or a numeric string; stored as given
  kStringList,     // array of strings (tags)
  kEmails,         // array of strings or {"value","is_primary"} objects
  kSalesAccounts,  // array of {"id", "is_primary"}
  kDate,           // "YYYY-MM-DD" (optionally followed by "T...")
  kDateTime,       // ISO 8601 date and time with offset or Z
  kBoolean,        // true/false, or "true"/"false"
  kIdList,         // array of integer ids (deal contacts_added_list)
  kAttendees,      // array of {"attendee_type", "attendee_id"}
  kDealProducts,   // array of {"id", "quantity"?, "unit_price"?,
                   // "discount"?, "is_deleted"?} (products on a deal)
};

struct StandardField {
  const char* name;
  const char* label;
  const char* type;  // as listed by /settings/<entity>/fields
  FieldKind kind;
};

const std::vector<StandardField>& StandardFields(Entity e);

// A custom field that exists in the account.
struct CustomField {
  std::string name;   // "cf_patient_status"
  std::string label;  // "Patient status"
  // text | textarea | number | date | checkbox | dropdown | radio |
  // lookup (custom modules: the id of a record of `related`)
  std::string type;
  std::vector<std::string> choices;  // dropdown and radio only
  // lookup only: the plural of the entity the value points at
  // ("contacts", "sales_accounts", "deals").
  std::string related;
  // The record is refused without a value (custom module fields).
  bool required = false;
};

// Parses one entity's list of definitions:
// [{"name":"cf_x","label":..,"type":..,"choices":[..]}]. Choices may be
// strings or {"value": string}. InvalidArgument names the bad entry.
absl::StatusOr<std::vector<CustomField>> ParseCustomFields(
    const nlohmann::json& list);

// A deal stage of a pipeline.
struct DealStage {
  int64_t id = 0;
  std::string name;
  int position = 0;        // 1-based within the pipeline
  double probability = 0;  // percent
  // "Open", "Won" or "Lost".
  std::string forecast_type = "Open";
  int64_t pipeline_id = 0;
};

struct DealPipeline {
  int64_t id = 0;
  std::string name;
  bool is_default = false;
  std::vector<DealStage> stages;  // in order
};

// An entry of a selector list (sales activity types, lifecycle stages).
struct Choice {
  int64_t id = 0;
  std::string name;
};

// An admin-defined custom module: records live under
// /custom_module/<name>, wrapped as {"<name>": {...}}.
struct CustomModule {
  std::string name;   // API name, [a-z][a-z0-9_]*
  std::string label;  // "Treatment"
  std::vector<CustomField> fields;
};

// What the account admin configured in the UI.
struct Settings {
  std::vector<DealPipeline> pipelines;  // exactly one is_default
  std::vector<Choice> activity_types;
  std::vector<Choice> lifecycle_stages;
  // Sales territories (territory management); none by default.
  std::vector<Choice> territories;
  std::vector<CustomModule> modules;
};

// One "Default Pipeline" (New 10%, Consultation 30%, Treatment accepted
// 60%, Won 100% Won, Lost 0% Lost), activity types Appointment, Phone
// call, Meeting, lifecycle stages Lead, Sales Qualified Lead, Customer,
// no territories, no custom modules.
Settings DefaultSettings();
// `base` with the keys of `body` replaced:
// {"deal_pipelines":[{"name","is_default"?,"stages":[{"name",
//   "probability"?,"forecast_type"?}]}],
//  "sales_activity_types":["name"|{"name"}],
//  "lifecycle_stages":["name"|{"name"}],
//  "territories":["name"|{"name"}],
//  "custom_modules":[{"name","label"?,"fields":[field defs]}]}.
// Ids are assigned by position. InvalidArgument names the bad entry.
absl::StatusOr<Settings> ParseSettings(const nlohmann::json& body,
                                       Settings base);

struct User {
  int64_t id = 0;
  std::string display_name;
  std::string email;
  bool is_active = true;
};

// The built-in users: 1 owner@bridgework.example (the account admin, whose
// API key the emulator accepts), 2 dr.rivera@..., 3 dr.chen@....
std::vector<User> DefaultUsers();
// Parses [{"id":int,"display_name":..,"email":..,"is_active":bool?}]. The
// first user is the account admin.
absl::StatusOr<std::vector<User>> ParseUsers(const nlohmann::json& list);

// The result of normalising a request's record.
struct Normalized {
  // Known fields only, values in their stored form. "custom_field" holds
  // the given custom field values (null clears one).
  nlohmann::json record = nlohmann::json::object();
  // Validation messages, in the Freshsales wording; empty if valid.
  std::vector<std::string> errors;
  // Top-level keys that were dropped as unknown or read-only.
  std::vector<std::string> ignored;
};

// Checks a record from a request body (already unwrapped) field by field,
// without looking at other records.
Normalized NormalizeInput(Entity e, const nlohmann::json& input,
                          const std::vector<CustomField>& custom);

// After a merge: makes "emails" (if present) have exactly one primary entry
// and keeps "email" equal to it.
void ReconcileEmails(nlohmann::json& record);

// Every email of a contact ("email" and "emails"), lower-cased.
std::vector<std::string> EmailsOf(const nlohmann::json& record);

// A custom field's value in a stored record, or null.
const nlohmann::json& CustomValue(const nlohmann::json& record,
                                  const std::string& name);

// {"fields":[...]} for GET /settings/<entity>/fields: standard fields
// ("default": true) then custom fields ("default": false, "choices" as
// [{"id","value","position"}] for dropdown and radio).
nlohmann::json FieldsListing(Entity e, const std::vector<CustomField>& custom);

}  // namespace bridgework::emulator::freshsales

#endif  // BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_SCHEMA_H_
