// An in-memory CrmConnector with fault injection, for unit tests of the
// loader. Records live in a map; faults are armed per call kind.
//
// Thread safety: not thread-safe (like the real connectors).
#ifndef BRIDGEWORK_LIBS_CRM_FAKE_CRM_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_FAKE_CRM_CONNECTOR_H_

#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "libs/crm/crm_connector.h"
#include "libs/record/value.h"

namespace bridgework::crm {

class FakeCrmConnector : public CrmConnector {
 public:
  // Faults for the next Create calls.
  enum class CreateFault { kNone, kLostResponse, kRejected, kUnavailable };

  std::vector<CrmUser> users = {{"1", "owner@x.example", "Owner"},
                                {"2", "dr@x.example", "Doctor"}};
  std::vector<CreateFault> create_faults;  // consumed front to back
  // target_object -> id -> record JSON
  std::map<std::string, std::map<std::string, nlohmann::json>> records;
  int64_t calls = 0;

  int64_t list_users_calls = 0;
  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    ++calls;
    ++list_users_calls;
    return users;
  }
  // Names ("contacts.cf_x") PrepareSchema reports missing. A record's
  // custom field "cf_x" missing this way is refused by PlanWrite unless
  // planned.
  std::vector<std::string> missing_fields;
  // `apply` of each PrepareSchema call, in order.
  std::vector<bool> prepare_applies;
  absl::StatusOr<SchemaReport> PrepareSchema(const SchemaRequest& request,
                                             bool apply) override {
    ++calls;
    prepare_applies.push_back(apply);
    planned_.clear();
    SchemaReport report;
    for (const auto& f : request.fields) {
      std::string item = absl::StrCat(f.entity, ".", f.name);
      bool missing = std::find(missing_fields.begin(), missing_fields.end(),
                               item) != missing_fields.end();
      if (!missing) {
        report.present.push_back(item);
      } else if (apply) {
        report.created.push_back(item);
      } else {
        report.to_create.push_back(item);
        planned_.push_back(f.name);
      }
    }
    return report;
  }
  absl::StatusOr<int> PlanWrite(const ResolvedRecord& r, bool) override {
    for (const auto& [name, value] : r.record->custom_fields()) {
      bool missing = false;
      for (const auto& item : missing_fields)
        missing |= item.substr(item.find('.') + 1) == name;
      if (missing &&
          std::find(planned_.begin(), planned_.end(), name) == planned_.end())
        return absl::InvalidArgumentError(name + ": not in the CRM");
    }
    return 1;
  }
  absl::StatusOr<ListPage> List(const std::string& object,
                                const std::string& page_token,
                                int page_size) override {
    ++calls;
    ListPage page;
    auto& table = records[object];
    auto it =
        page_token.empty() ? table.begin() : table.upper_bound(page_token);
    for (; it != table.end() &&
           static_cast<int>(page.records.size()) < std::max(page_size, 1);
         ++it) {
      nlohmann::json rec = it->second;
      rec["id"] = it->first;
      page.records.push_back(std::move(rec));
    }
    if (it != table.end() && !page.records.empty())
      page.next_page_token = page.records.back()["id"].get<std::string>();
    return page;
  }
  absl::StatusOr<std::string> Create(const ResolvedRecord& r) override {
    ++calls;
    CreateFault fault = CreateFault::kNone;
    if (!create_faults.empty()) {
      fault = create_faults.front();
      create_faults.erase(create_faults.begin());
    }
    if (fault == CreateFault::kRejected) {
      return absl::InvalidArgumentError("HTTP 400: Email is not unique");
    }
    if (fault == CreateFault::kUnavailable) {
      return absl::UnavailableError("HTTP 503: down");
    }
    std::string id = absl::StrCat(++next_id_);
    nlohmann::json rec = nlohmann::json::object();
    for (const auto& [k, v] : r.record->fields())
      rec[k] = record::ValueToJson(v);
    for (const auto& [k, v] : r.record->custom_fields())
      rec[k] = record::ValueToJson(v);
    rec["owner_id"] = r.owner_id;
    for (const auto& [field, ids] : r.lookup_ids) rec[field] = ids;
    records[r.record->target_object()][id] = rec;
    if (fault == CreateFault::kLostResponse) {
      return absl::UnavailableError("ambiguous: connection reset after send");
    }
    return id;
  }
  absl::Status Update(const std::string& id, const ResolvedRecord& r) override {
    ++calls;
    ++update_calls;
    auto it = records[r.record->target_object()].find(id);
    if (it == records[r.record->target_object()].end())
      return absl::NotFoundError("HTTP 404: Record not found");
    for (const auto& [k, v] : r.record->fields())
      it->second[k] = record::ValueToJson(v);
    return absl::OkStatus();
  }
  int64_t update_calls = 0;
  absl::Status Patch(const std::string& object, const std::string& id,
                     const nlohmann::json& fields) override {
    ++calls;
    auto it = records[object].find(id);
    if (it == records[object].end())
      return absl::NotFoundError("HTTP 404: Record not found");
    it->second.update(fields);
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<nlohmann::json>> Get(
      const std::string& object, const std::string& id) override {
    ++calls;
    auto it = records[object].find(id);
    if (it == records[object].end()) return std::optional<nlohmann::json>();
    return std::optional<nlohmann::json>(it->second);
  }
  absl::Status Delete(const std::string& object,
                      const std::string& id) override {
    ++calls;
    if (records[object].erase(id) == 0)
      return absl::NotFoundError("HTTP 404: Record not found");
    return absl::OkStatus();
  }
  // Objects that can be neither searched nor read back (as a Freshsales
  // note split into parts): FindsByExternalKey is false and FindByContent
  // UNIMPLEMENTED for them.
  std::vector<std::string> unfindable_objects;
  bool FindsByExternalKey(const std::string& object) const override {
    return std::find(unfindable_objects.begin(), unfindable_objects.end(),
                     object) == unfindable_objects.end();
  }
  absl::StatusOr<std::vector<std::string>> FindByContent(
      const ResolvedRecord& r) override {
    if (!FindsByExternalKey(r.record->target_object())) {
      return absl::UnimplementedError("cannot be searched");
    }
    return CrmConnector::FindByContent(r);
  }
  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& object, const std::string& field,
      const std::string& key) override {
    ++calls;
    for (const auto& [id, rec] : records[object]) {
      if (rec.contains(field) && rec[field] == key)
        return std::optional<std::string>(id);
    }
    return std::optional<std::string>();
  }
  // Objects with a bulk upsert; BulkUpsert calls counted here.
  std::vector<std::string> bulk_objects;
  int64_t bulk_calls = 0;
  // Rejects the record whose external key is this, in BulkUpsert.
  std::string bulk_reject_key;
  // The next BulkUpsert is applied but its reply lost (ambiguous).
  bool bulk_lose_reply = false;
  bool SupportsBulkUpsert(const std::string& object) const override {
    return std::find(bulk_objects.begin(), bulk_objects.end(), object) !=
           bulk_objects.end();
  }
  absl::StatusOr<std::vector<absl::StatusOr<std::string>>> BulkUpsert(
      const std::vector<ResolvedRecord>& batch) override {
    ++calls;
    ++bulk_calls;
    std::vector<absl::StatusOr<std::string>> out;
    for (const auto& r : batch) {
      const v1::TargetRecord& t = *r.record;
      if (!bulk_reject_key.empty() && t.external_key() == bulk_reject_key) {
        out.push_back(absl::InvalidArgumentError("HTTP 400: Email is invalid"));
        continue;
      }
      std::optional<std::string> existing;
      for (const auto& [id, rec] : records[t.target_object()]) {
        if (rec.contains(t.external_key_field()) &&
            rec[t.external_key_field()] == t.external_key())
          existing = id;
      }
      std::string id = existing ? *existing : absl::StrCat(++next_id_);
      nlohmann::json& rec = records[t.target_object()][id];
      for (const auto& [k, v] : t.fields()) rec[k] = record::ValueToJson(v);
      for (const auto& [k, v] : t.custom_fields())
        rec[k] = record::ValueToJson(v);
      rec["owner_id"] = r.owner_id;
      out.push_back(id);
    }
    if (bulk_lose_reply) {
      bulk_lose_reply = false;
      return absl::UnavailableError("ambiguous: the bulk job's reply was lost");
    }
    return out;
  }
  int64_t requests() const override { return calls; }

 private:
  int64_t next_id_ = 100;
  // Custom field names the last PrepareSchema without apply planned.
  std::vector<std::string> planned_;
};

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_FAKE_CRM_CONNECTOR_H_
