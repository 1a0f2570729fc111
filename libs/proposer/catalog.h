// What the proposer knows about each CRM (docs/proposer.md, "Catalogues"):
// the target objects the connectors write, their standard fields with the
// concepts (vocabulary.h) each field holds and how well, the links between
// objects, constants a route sets, and where each kind of source object
// goes by default. Field names are the connectors' own
// (docs/connectors/*.md, libs/crm/*_connector.cc).
//
// Thread safety: the catalogues are immutable after first use.
#ifndef BRIDGEWORK_LIBS_PROPOSER_CATALOG_H_
#define BRIDGEWORK_LIBS_PROPOSER_CATALOG_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bridgework::proposer {

// How the values of a pick-list source field become the target's values.
enum class ValueRule {
  kNone,
  kStage,              // each source value names a pipeline stage ("Accepted")
  kDealStatus,         // open / won / lost, by the words of the source value
  kDone,               // "true" / "false": done, completed, showed -> true
  kDoneNumber,         // 1 / 0 the same way (Freshsales task status)
  kAppointmentStatus,  // HighLevel: new, confirmed, cancelled, showed,
                       // noshow
};

struct TargetField {
  const char* name;
  // "text", "email", "phone", "date", "datetime", "number", "bool",
  // "textarea", "enum", "duration".
  const char* type;
  // Concept id -> fit (0..1): how well the field holds that concept.
  std::vector<std::pair<const char*, double>> concepts;
  // The map transform of a plain value ("email", "phone", "date",
  // "datetime", "hhmm"); "" keeps the value.
  const char* transform = "";
  // Several source fields join into it (name parts, address lines).
  bool join = false;
  const char* separator = " ";
  bool required = false;
  ValueRule values = ValueRule::kNone;
  // The zone of date/time transforms ("UTC" for Pipedrive's due date).
  const char* zone = "";
  // Written from the same source field too: Pipedrive's due_time beside
  // due_date, a deal's status beside its stage.
  const char* companion = nullptr;
  const char* companion_transform = "";
  ValueRule companion_values = ValueRule::kNone;
  // An end computed as the start plus a duration concept ("duration"): the
  // duration field is carried as `plus_minutes` of the start field.
  bool start_plus_duration = false;
};

// A lookup field: the CRM id of another migrated record.
struct TargetLink {
  const char* field;   // "sales_accounts"
  const char* target;  // the CRM object it points at ("sales_account")
  bool list = false;
  bool deferrable = false;  // a link to the same object (parent account)
};

// A field every record of a route gets, optionally only for some source
// kinds (space-separated; nullptr: all).
struct TargetConstant {
  const char* field;
  const char* value;
  const char* kinds = nullptr;
};

struct TargetObject {
  const char* name;  // "contact"
  // Entity of its custom fields in the map ("contacts"); nullptr when the
  // object has none.
  const char* entity;
  // Where the external key goes ("external_id", "cf_bridgework_key"; ""
  // when nothing can hold it).
  const char* external_key_field;
  bool owner;  // records have an owner (a CRM user)
  std::vector<TargetField> fields;
  std::vector<TargetLink> links;
  std::vector<TargetConstant> constants;
  // The pipeline a deal route names (and the map declares).
  const char* pipeline = nullptr;

  const TargetField* Field(std::string_view name) const;
};

// Where a kind of source object goes by default.
struct KindRoute {
  const char* kind;
  const char* route;   // "load", "reference", "not_migrated"
  const char* target;  // for "load"
  double confidence;
  const char* reason;  // one line, for the map comment
};

struct CrmCatalog {
  const char* id;     // "freshsales"
  const char* label;  // "Freshsales"
  std::vector<TargetObject> objects;
  std::vector<KindRoute> routes;

  const TargetObject* Object(std::string_view name) const;
  // The route of `kind`; nullptr for an unknown kind.
  const KindRoute* RouteOf(std::string_view kind) const;
};

// nullptr for a CRM without a catalogue.
const CrmCatalog* FindCrm(std::string_view id);
// "freshsales", "pipedrive", "highlevel".
std::vector<std::string> CrmIds();

// A custom object or module a default map routes to
// ("custom_object:treatment"): a name field, custom fields, an owner, the
// CRM's contact link.
TargetObject CustomObjectTarget(std::string_view crm,
                                const std::string& target_name);

}  // namespace bridgework::proposer

#endif  // BRIDGEWORK_LIBS_PROPOSER_CATALOG_H_
