// The migration map: which source objects go to which CRM objects, and how
// each field is carried (docs/map.md). Parsed from YAML; every error names
// the file, line and key.
//
// Thread safety: a parsed Map is immutable and may be shared.
#ifndef BRIDGEWORK_LIBS_MAPPING_MAP_H_
#define BRIDGEWORK_LIBS_MAPPING_MAP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"
#include "libs/mapping/phi.h"

namespace bridgework::mapping {

// How one destination field gets its value.
struct FieldRule {
  // Destination field. A "cf_" prefix marks a custom field.
  std::string to;
  // Source fields read; several are joined (transform "join").
  std::vector<std::string> from;
  // A constant instead of a source field ("Dental Practice").
  std::optional<std::string> constant;
  // Text with {field} placeholders instead of a source field
  // ("{recall_type} recall due"). Empty or null fields render as nothing;
  // when every placeholder is empty the field has no value.
  std::optional<std::string> template_text;
  // "", "email", "phone", "join", "date", "time", "datetime", "hhmm",
  // "html_text", "text", "lower", "upper", "first_name", "last_name",
  // "tooth", "json", "number" (docs/map.md).
  std::string transform;
  // For "tooth": the numbering system the source writes, "FDI" or
  // "Universal"; the value is checked against it and keeps it.
  std::string numbering;
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
  // Plausible days for a date (or the day of a timestamp), inclusive:
  // "YYYY-MM-DD", or "today" (TransformContext::today). A value outside
  // is unusable like a malformed one: the field is left out with a
  // warning, or the record quarantined when `required` (a birth date in
  // the future, a placeholder such as 0001-01-01). Empty: no bound.
  std::string not_before;
  std::string not_after;
  // A record without a usable value is quarantined instead of loaded.
  bool required = false;
  // What happens to the value (docs/phi.md): written, hashed, not sent, or
  // a line "<to>: <value>" of the route's `phi_note` field. The field's own
  // `phi`, else the map's `phi_default` (rules with `from` or `template`;
  // a `const` rule is always migrated).
  PhiPolicy phi = PhiPolicy::kMigrate;
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

// A test on a source record, deciding which of a source object's routes
// takes it (docs/map.md "Conditional routes").
struct Condition {
  enum class Kind {
    kAll,      // every child holds (an empty list holds)
    kAny,      // some child holds
    kNot,      // the single child does not hold
    kField,    // `field`'s value, as text, is (not) one of `values`, or empty
    kRelated,  // the number of `object` records whose `via` field holds this
               // record's key, and that satisfy `where`, is in [min, max]
  };
  Kind kind = Kind::kAll;
  std::vector<Condition> children;  // kAll, kAny, kNot (one), kRelated's
                                    // `where` (zero or one)
  // kField. With `values` empty the test is "is empty" (`empty: true`) or
  // "is not empty" (`empty: false`); otherwise "is one of `values`"
  // (case-insensitive, surrounding spaces ignored), negated by `not_in`.
  std::string field;
  std::vector<std::string> values;
  bool empty = false;
  bool negate = false;
  // kRelated.
  std::string object;
  std::string via;
  int64_t min = 0;
  int64_t max = INT64_MAX;
  int line = 0;
};

// A many-to-one route: the records' fields (and lookups) are written onto
// the CRM record that another source object's record became (insurance
// records onto the patient's contact). Of several records referencing the
// same record, the first by `order_by` (ascending, or descending with
// `descending`) is used; with `all`, every one is, in source order: later
// records' fields win and list lookups accumulate (campaign members onto
// the campaign's contact list). A route's `when` (field tests only) picks
// which records take part.
struct IntoRule {
  std::string object;    // the source object written onto ("patient")
  std::string via;       // this object's field holding its key ("patient_id")
  std::string order_by;  // field ordering the candidates; "" keeps source
                         // order
  bool descending = false;
  bool all = false;
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
  // Names the route; unique in the map. Default: the source object's name
  // (then only one route may have that source).
  std::string id;
  // The seed table rows this route implements ("Patient -> Lead"), for the
  // coverage check against the seed write-ups.
  std::vector<std::string> seed_rows;
  // Of a source object's load routes, the first whose condition holds takes
  // the record; a record no route takes is skipped by rule. Unset: always.
  std::optional<Condition> when;
  // Set for a many-to-one route (see IntoRule). Such a route has no
  // `target` of its own: its fields go onto the target of `into.object`.
  std::optional<IntoRule> into;
  // Why a reference or not-migrated object is not loaded.
  std::string reason;
  // The destination field that holds the external key. Default
  // "cf_bridgework_key".
  std::string external_key_field = "cf_bridgework_key";
  std::vector<FieldRule> fields;
  std::vector<LookupRule> lookups;
  std::optional<OwnerRule> owner;
  // Destination fields ("emails", "mobile_number") a record new to the
  // ledger is matched on against records already in the CRM (`match:`);
  // a match is written per the run's existing-record policy instead of
  // being duplicated. The external key is always matched.
  std::vector<std::string> match_fields;
  // The destination field (of `target`) that receives the lines of the
  // route's `phi: note` fields; after the field's own value, if a rule
  // also writes it. Inherited through `extends`.
  std::string phi_note;
  int line = 0;
};

// A custom field the destination must have before records move.
struct CustomFieldSpec {
  std::string entity;  // "contacts", "sales_accounts"
  std::string name;    // "cf_patient_status"
  std::string label;
  std::string type;  // "text", "dropdown", "date", "number", "lookup", ...
  std::vector<std::string> choices;
  // For a "lookup" field (Freshsales custom modules): the plural of the
  // entity its value points at ("contacts").
  std::string related;
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

// A seed table row that no route implements on its own (a pipeline, an
// integration), and how the map answers it.
struct SeedRowNote {
  std::string row;   // "Pipeline / Stage -> Pipeline + Stage"
  std::string note;  // "the pipelines section: ..." or why not migrated
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
  // Sales territories the account must have (Freshsales territory
  // management); records name one in the field "territory".
  std::vector<std::string> territories;
  std::vector<SeedRowNote> seed_rows;
  // `phi_default`: the policy of `from`/`template` rules naming none.
  PhiPolicy phi_default = PhiPolicy::kMigrate;
  // Lower-case hex SHA-256 of the YAML text.
  std::string hash;

  // The first route of `source_object`, or nullptr.
  const ObjectRoute* Find(std::string_view source_object) const;
  // Every route of `source_object`, in map order.
  std::vector<const ObjectRoute*> RoutesOf(
      std::string_view source_object) const;
  // The many-to-one routes writing onto `source_object`'s records.
  std::vector<const ObjectRoute*> IntoRoutesOnto(
      std::string_view source_object) const;
};

// A field rule whose PHI policy is not `migrate`, for the run record, the
// report and `explain` (names only, never values).
struct PhiField {
  std::string route;  // the route's id
  std::string to;
  std::vector<std::string> from;  // empty for a template
  PhiPolicy policy = PhiPolicy::kMigrate;
  std::string note_field;  // for kNote: the route's phi_note
};

// Every such rule of the map's loaded routes, in map order.
std::vector<PhiField> PhiFields(const Map& map);

// Whether `condition` holds for `record`. `related_count` answers kRelated
// nodes: the number of related records for this record's key.
bool Holds(const Condition& condition, const v1::Record& record,
           const std::function<int64_t(const Condition&)>& related_count);

// Every kRelated node of `condition`, depth first.
void CollectRelated(const Condition& condition,
                    std::vector<const Condition*>* out);

// The fields of `source_object`'s records the map reads, sorted: the
// sources of its routes' field rules (`phi: drop` rules are never
// evaluated), their template placeholders and `plus_minutes`, its lookups'
// and owner's `from`, the fields its routes' `when` tests and its
// many-to-one routes' `via` and `order_by`; and, where other routes read
// its records, the owner's `email_field` and the `via` and `where` fields
// of `related` conditions. nullopt when a rule reads the whole record
// (`from: "*"`). Empty for an object no route reads a field of (one that
// is not migrated). A run extracts only these fields
// (ExtractRequest.fields): no other field of the record changes what it
// loads.
std::optional<std::vector<std::string>> FieldsRead(
    const Map& map, std::string_view source_object);

// Parses and validates a map. `file_name` only labels error messages
// ("map.yaml:12: objects[1].fields[3]: unknown key 'form'").
absl::StatusOr<Map> ParseMap(std::string_view yaml_text,
                             std::string_view file_name);

// Source objects in the order they are processed: reference objects first;
// then loaded objects, so that every lookup's object (and every many-to-one
// route's `into.object`) comes before the objects that reference it (self
// references excepted); not-migrated objects last. Each source object
// appears once, whatever the number of its routes.
absl::StatusOr<std::vector<std::string>> LoadOrder(const Map& map);

}  // namespace bridgework::mapping

#endif  // BRIDGEWORK_LIBS_MAPPING_MAP_H_
