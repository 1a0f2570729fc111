// The migration map: which source objects go to which CRM objects, and how
// each field is carried (docs/map.md). Parsed from YAML; every error names
// the file, line and key.
//
// Thread safety: a parsed Map is immutable and may be shared.
#ifndef BRIDGEWORK_LIBS_MAPPING_MAP_H_
#define BRIDGEWORK_LIBS_MAPPING_MAP_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"

namespace bridgework::mapping {

// How one destination field gets its value.
struct FieldRule {
  // Destination field. A "cf_" prefix marks a custom field.
  std::string to;
  // Source fields read; several are joined (transform "join").
  std::vector<std::string> from;
  // A constant instead of a source field ("Dental Practice").
  std::optional<std::string> constant;
  // "", "email", "phone", "join", "date", "time", "datetime", "hhmm",
  // "html_text", "text", "lower", "upper" (docs/map.md).
  std::string transform;
  // For "date", "time" and "datetime" of a timestamp: the zone the value is
  // rendered in ("UTC", "America/Chicago"); empty keeps the value's own.
  std::string zone;
  // A source field of whole minutes added to the timestamp first
  // (appointment end = start + duration_minutes).
  std::string plus_minutes;
  // For "join". Default " ".
  std::string separator = " ";
  // Pick-list translation, source value -> destination value. A value not
  // listed takes `default_value` if set, else is dropped with a warning.
  std::map<std::string, std::string> values;
  std::optional<std::string> default_value;
  // A record without a usable value is quarantined instead of loaded.
  bool required = false;
  int line = 0;
};

// A reference to another record, resolved to its CRM id by the loader.
struct LookupRule {
  std::string to;      // destination field ("sales_accounts")
  std::string from;    // source field holding the referenced key
  std::string object;  // referenced source object ("location")
  std::string target;  // the CRM object it became ("sales_account")
  bool list = false;
  bool deferrable = false;
  int line = 0;
};

// Owner by the email of a referenced record (a provider).
struct OwnerRule {
  std::string from;         // source field holding the provider key
  std::string object;       // the referenced source object ("provider")
  std::string email_field;  // the email field of that object
  int line = 0;
};

struct ObjectRoute {
  enum class Kind {
    kLoad,         // records become CRM records of `target`
    kReference,    // read to resolve owners or lookups; not loaded
    kNotMigrated,  // exported for rebuild only; every record is skipped
  };
  std::string source;
  std::string target;
  Kind kind = Kind::kLoad;
  // Why a reference or not-migrated object is not loaded.
  std::string reason;
  // The destination field that holds the external key. Default
  // "cf_bridgework_key".
  std::string external_key_field = "cf_bridgework_key";
  std::vector<FieldRule> fields;
  std::vector<LookupRule> lookups;
  std::optional<OwnerRule> owner;
  int line = 0;
};

// A custom field the destination must have before records move.
struct CustomFieldSpec {
  std::string entity;  // "contacts", "sales_accounts"
  std::string name;    // "cf_patient_status"
  std::string label;
  std::string type;  // "text", "dropdown", "date", "number", ...
  std::vector<std::string> choices;
};

// A custom object (HighLevel) or custom module (Freshsales) the destination
// must have. Records of it are loaded with target "custom_object:<key>".
struct CustomObjectSpec {
  std::string key;       // "treatment" (HighLevel: custom_objects.treatment)
  std::string singular;  // "Treatment"
  std::string plural;    // "Treatments"
  // The field that names a record (HighLevel's primary display property).
  std::string primary_field = "name";
  int line = 0;
};

// A sales pipeline and its stages, in order. Connectors resolve the
// record fields "pipeline" and "stage" (names) to the CRM's ids; Pipedrive
// creates what is missing, the others report it.
struct StageSpec {
  std::string name;
  // Win probability in percent, 0..100; -1 when not given.
  int probability = -1;
};
struct PipelineSpec {
  std::string name;
  std::vector<StageSpec> stages;
  int line = 0;
};

struct Map {
  int version = 1;
  std::string source;       // source system ("pbn")
  std::string destination;  // CRM ("freshsales")
  std::vector<ObjectRoute> objects;
  std::vector<CustomFieldSpec> custom_fields;
  std::vector<CustomObjectSpec> custom_objects;
  std::vector<PipelineSpec> pipelines;
  // Lower-case hex SHA-256 of the YAML text.
  std::string hash;

  const ObjectRoute* Find(std::string_view source_object) const;
};

// Parses and validates a map. `file_name` only labels error messages
// ("map.yaml:12: objects[1].fields[3]: unknown key 'form'").
absl::StatusOr<Map> ParseMap(std::string_view yaml_text,
                             std::string_view file_name);

// Objects to load, ordered so that every lookup's object comes before the
// objects that reference it (self references excepted). Reference objects
// come first; not-migrated objects last.
absl::StatusOr<std::vector<const ObjectRoute*>> LoadOrder(const Map& map);

}  // namespace bridgework::mapping

#endif  // BRIDGEWORK_LIBS_MAPPING_MAP_H_
