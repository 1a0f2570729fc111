#include "libs/crm/crm_connector.h"

#include "libs/common/status_macros.h"
#include "libs/crm/projection.h"
#include "libs/crm/wire_util.h"

namespace bridgework::crm {

using json = nlohmann::json;

absl::StatusOr<json> CrmConnector::Project(const v1::TargetRecord& record,
                                           const json& crm_record) {
  json p = EmptyProjection();
  auto member = [&crm_record](const std::string& name) -> json {
    if (crm_record.is_object() && crm_record.contains(name))
      return crm_record[name];
    return nullptr;
  };
  for (const auto& [k, v] : record.fields()) p["fields"][k] = member(k);
  const json* cf = nullptr;
  if (crm_record.is_object() && crm_record.contains("custom_field") &&
      crm_record["custom_field"].is_object()) {
    cf = &crm_record["custom_field"];
  }
  for (const auto& [k, v] : record.custom_fields()) {
    if (cf != nullptr && cf->contains(k)) {
      p["custom_fields"][k] = (*cf)[k];
    } else {
      p["custom_fields"][k] = member(k);
    }
  }
  for (const auto& l : record.lookups()) {
    json v = member(l.target_field());
    if (v.is_null()) continue;
    p["lookups"][l.target_field()] = v.is_array() ? v : json::array({v});
  }
  return p;
}

absl::Status CrmConnector::Restore(const std::string& target_object,
                                   const std::string& id,
                                   const json& projection) {
  json flat = json::object();
  for (const char* section : {"fields", "custom_fields"}) {
    if (!projection.contains(section)) continue;
    for (const auto& [k, v] : projection[section].items()) flat[k] = v;
  }
  if (projection.contains("lookups")) {
    for (const auto& [k, v] : projection["lookups"].items()) {
      flat[k] = v.is_array() && v.size() == 1 ? v[0] : v;
    }
  }
  if (flat.empty()) return absl::OkStatus();
  return Patch(target_object, id, flat);
}

absl::StatusOr<int> CrmConnector::PlanWrite(const ResolvedRecord& record,
                                            bool create) {
  return 1;
}

absl::StatusOr<std::vector<std::optional<nlohmann::json>>>
CrmConnector::GetMany(const std::vector<std::string>& ids,
                      const std::vector<const v1::TargetRecord*>& records) {
  std::vector<std::optional<nlohmann::json>> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size() && i < records.size(); ++i) {
    BW_ASSIGN_OR_RETURN(std::optional<nlohmann::json> one,
                        Get(records[i]->target_object(), ids[i]));
    out.push_back(std::move(one));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> CrmConnector::FindByContent(
    const ResolvedRecord& record) {
  const json written = WrittenProjection(record);
  std::vector<std::string> out;
  std::string token;
  do {
    absl::StatusOr<ListPage> page =
        List(record.record->target_object(), token, 100);
    if (!page.ok()) return page.status();
    for (const json& r : page->records) {
      if (!r.is_object() || !r.contains("id")) continue;
      absl::StatusOr<json> projected = Project(*record.record, r);
      if (!projected.ok()) return projected.status();
      if (DiffProjections(written, *projected).empty()) {
        out.push_back(r["id"].is_string() ? r["id"].get<std::string>()
                                          : r["id"].dump());
      }
    }
    token = page->next_page_token;
  } while (!token.empty());
  return out;
}

json CrmConnector::WrittenProjection(const ResolvedRecord& record) const {
  return ExpectedProjection(*record.record, record.lookup_ids);
}

std::string CrmConnector::WrittenText(const ResolvedRecord& record) const {
  return ExpectedProjectionText(*record.record, record.lookup_ids,
                                &record.record->external_key_field());
}

std::optional<std::string> CrmConnector::OwnerOf(
    const std::string& target_object, const json& crm_record) const {
  if (!crm_record.is_object() || !crm_record.contains("owner_id")) {
    return std::nullopt;
  }
  return OwnerText(crm_record["owner_id"]);
}

}  // namespace bridgework::crm
