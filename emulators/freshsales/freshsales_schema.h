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
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace bridgework::emulator::freshsales {

enum class Entity { kContact, kSalesAccount };

inline constexpr Entity kEntities[] = {Entity::kContact, Entity::kSalesAccount};

// "contact" / "sales_account": the body key of one record.
const char* Singular(Entity e);
// "contacts" / "sales_accounts": URL segment and list key.
const char* Plural(Entity e);
// "Contact" / "Sales account": the subject of error messages.
const char* Label(Entity e);

// How a standard field's value is checked and stored.
enum class FieldKind {
  kString,         // string; a number is stored as its text
  kEmail,          // string that looks like an email address
  kInteger,        // integer, or a string of digits; stored as integer
  kNumber,         // number, or a numeric string; stored as given
  kStringList,     // array of strings (tags)
  kEmails,         // array of strings or {"value","is_primary"} objects
  kSalesAccounts,  // array of {"id", "is_primary"}
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
  // text | textarea | number | date | checkbox | dropdown | radio
  std::string type;
  std::vector<std::string> choices;  // dropdown and radio only
};

// Parses one entity's list of definitions:
// [{"name":"cf_x","label":..,"type":..,"choices":[..]}]. Choices may be
// strings or {"value": string}. InvalidArgument names the bad entry.
absl::StatusOr<std::vector<CustomField>> ParseCustomFields(
    const nlohmann::json& list);

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
