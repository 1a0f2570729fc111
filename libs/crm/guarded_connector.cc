#include "libs/crm/guarded_connector.h"

#include <optional>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace bridgework::crm {
namespace {

class GuardedConnector : public CrmConnector {
 public:
  GuardedConnector(std::unique_ptr<CrmConnector> inner, std::string crm)
      : inner_(std::move(inner)), crm_(std::move(crm)) {}

  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    return Guard<std::vector<CrmUser>>("ListUsers",
                                       [&] { return inner_->ListUsers(); });
  }
  absl::StatusOr<SchemaReport> PrepareSchema(const SchemaRequest& request,
                                             bool apply) override {
    return Guard<SchemaReport>(
        "PrepareSchema", [&] { return inner_->PrepareSchema(request, apply); });
  }
  absl::StatusOr<std::string> Create(const ResolvedRecord& record) override {
    absl::StatusOr<std::string> id =
        Guard<std::string>("Create", [&] { return inner_->Create(record); });
    if (id.ok() && id->empty()) {
      return absl::UnavailableError(absl::StrCat(
          "ambiguous: ", crm_, " answered Create of ",
          record.record->target_object(), " without the record's id"));
    }
    return id;
  }
  absl::Status Update(const std::string& id,
                      const ResolvedRecord& record) override {
    return GuardStatus("Update", [&] { return inner_->Update(id, record); });
  }
  absl::Status Patch(const std::string& target_object, const std::string& id,
                     const nlohmann::json& fields) override {
    return GuardStatus(
        "Patch", [&] { return inner_->Patch(target_object, id, fields); });
  }
  absl::StatusOr<std::optional<nlohmann::json>> Get(
      const std::string& target_object, const std::string& id) override {
    return Guard<std::optional<nlohmann::json>>(
        "Get", [&] { return inner_->Get(target_object, id); });
  }
  absl::StatusOr<std::vector<std::optional<nlohmann::json>>> GetMany(
      const std::vector<std::string>& ids,
      const std::vector<const v1::TargetRecord*>& records) override {
    return Guard<std::vector<std::optional<nlohmann::json>>>(
        "GetMany", [&] { return inner_->GetMany(ids, records); });
  }
  absl::Status Delete(const std::string& target_object,
                      const std::string& id) override {
    return GuardStatus("Delete",
                       [&] { return inner_->Delete(target_object, id); });
  }
  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) override {
    return Guard<std::optional<std::string>>("FindByExternalKey", [&] {
      return inner_->FindByExternalKey(target_object, field, key);
    });
  }
  bool FindsByExternalKey(const std::string& target_object) const override {
    return inner_->FindsByExternalKey(target_object);
  }
  absl::StatusOr<std::vector<std::string>> FindByContent(
      const ResolvedRecord& record) override {
    return Guard<std::vector<std::string>>(
        "FindByContent", [&] { return inner_->FindByContent(record); });
  }
  absl::Status CompleteCreate(const ResolvedRecord& record,
                              const std::string& id) override {
    return GuardStatus("CompleteCreate",
                       [&] { return inner_->CompleteCreate(record, id); });
  }
  absl::StatusOr<ListPage> List(const std::string& target_object,
                                const std::string& page_token,
                                int page_size) override {
    return Guard<ListPage>("List", [&] {
      return inner_->List(target_object, page_token, page_size);
    });
  }
  bool SupportsBulkUpsert(const std::string& target_object) const override {
    return inner_->SupportsBulkUpsert(target_object);
  }
  absl::StatusOr<std::vector<absl::StatusOr<std::string>>> BulkUpsert(
      const std::vector<ResolvedRecord>& records) override {
    return Guard<std::vector<absl::StatusOr<std::string>>>(
        "BulkUpsert", [&] { return inner_->BulkUpsert(records); });
  }
  absl::StatusOr<nlohmann::json> Project(
      const v1::TargetRecord& record,
      const nlohmann::json& crm_record) override {
    return Guard<nlohmann::json>(
        "Project", [&] { return inner_->Project(record, crm_record); });
  }
  nlohmann::json WrittenProjection(
      const ResolvedRecord& record) const override {
    return inner_->WrittenProjection(record);
  }
  std::string WrittenText(const ResolvedRecord& record) const override {
    return inner_->WrittenText(record);
  }
  absl::Status Restore(const std::string& target_object, const std::string& id,
                       const nlohmann::json& projection) override {
    return GuardStatus("Restore", [&] {
      return inner_->Restore(target_object, id, projection);
    });
  }
  absl::StatusOr<int> PlanWrite(const ResolvedRecord& record,
                                bool create) override {
    return Guard<int>("PlanWrite",
                      [&] { return inner_->PlanWrite(record, create); });
  }
  std::optional<std::string> OwnerOf(
      const std::string& target_object,
      const nlohmann::json& crm_record) const override {
    try {
      return inner_->OwnerOf(target_object, crm_record);
    } catch (const nlohmann::json::exception&) {
      return "";  // an owner it cannot read counts as none
    }
  }
  int64_t requests() const override { return inner_->requests(); }

 private:
  absl::Status Unreadable(const char* call,
                          const nlohmann::json::exception& e) const {
    // The error's number only: a parse error's text quotes the input.
    return absl::UnavailableError(absl::StrCat(
        "ambiguous: ", crm_, " sent a response the connector cannot read (",
        call, ": json error ", e.id, ")"));
  }
  template <typename T, typename F>
  absl::StatusOr<T> Guard(const char* call, F f) {
    try {
      return f();
    } catch (const nlohmann::json::exception& e) {
      return Unreadable(call, e);
    }
  }
  template <typename F>
  absl::Status GuardStatus(const char* call, F f) {
    try {
      return f();
    } catch (const nlohmann::json::exception& e) {
      return Unreadable(call, e);
    }
  }

  std::unique_ptr<CrmConnector> inner_;
  std::string crm_;
};

}  // namespace

std::unique_ptr<CrmConnector> GuardResponses(
    std::unique_ptr<CrmConnector> inner, const std::string& crm) {
  return std::make_unique<GuardedConnector>(std::move(inner), crm);
}

}  // namespace bridgework::crm
