// Projections: a record's values in the map's names, independent of any
// CRM's wire shape (see CrmConnector::Project). Comparisons of projections
// drive the sample's field-level diff, the delta's three-way check (source
// now, what we wrote, the CRM now), rollback conflicts and reconciliation.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_CRM_PROJECTION_H_
#define BRIDGEWORK_LIBS_CRM_PROJECTION_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridgework/v1/record.pb.h"

namespace bridgework::crm {

// {"fields": {}, "custom_fields": {}, "lookups": {}}.
nlohmann::json EmptyProjection();

// What writing `record` should leave in the CRM, as a projection:
// {"fields": ..., "custom_fields": ..., "lookups": ...}. `lookup_ids` are
// the resolved CRM ids per lookup target field (may be empty: lookups are
// then left out).
nlohmann::json ExpectedProjection(
    const v1::TargetRecord& record,
    const std::map<std::string, std::vector<std::string>>& lookup_ids = {});

// ExpectedProjection(record, lookup_ids) without the field named `omit`
// (in fields and custom fields; none when null), as compact JSON: the bytes
// nlohmann::json's dump writes, without building the tree.
std::string ExpectedProjectionText(
    const v1::TargetRecord& record,
    const std::map<std::string, std::vector<std::string>>& lookup_ids,
    const std::string* omit);

// `projection` without the field named `field` in its fields and custom
// fields.
nlohmann::json ProjectionWithout(nlohmann::json projection,
                                 const std::string& field);

// True when a CRM shows `actual` for a field written as `expected`:
// numbers equal by value (also as numeric text: "12.50" == 12.5), dates
// by day ("2024-01-02" == "2024-01-02T00:00:00Z"), timestamps by instant
// whatever their offset, booleans also as "true"/"false", text after
// trimming surrounding space, lists as sets of such values, a one-element
// list as its element, null == "" == [] == missing.
bool SameValue(const nlohmann::json& expected, const nlohmann::json& actual);

// Null, "", [] and {} are blank.
bool IsBlank(const nlohmann::json& v);

// One differing field of two projections.
struct FieldDelta {
  // "fields", "custom_fields" or "lookups".
  std::string section;
  std::string name;
  nlohmann::json left;
  nlohmann::json right;
};

// The fields (of the sections and names `left` carries) whose values are
// not SameValue in `right`. Fields `right` lacks compare as null.
std::vector<FieldDelta> DiffProjections(const nlohmann::json& left,
                                        const nlohmann::json& right);

// A target record naming the fields, custom fields and lookups of
// `projection` (values null), for CrmConnector::Project to read them back.
v1::TargetRecord RecordFromProjection(const std::string& target_object,
                                      const nlohmann::json& projection);

// `projection` restricted to the names `like` carries (per section).
nlohmann::json RestrictProjection(const nlohmann::json& projection,
                                  const nlohmann::json& like);

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_PROJECTION_H_
