// The destination seam: one implementation per CRM, chosen by name from a
// registry. The loader core speaks only this interface.
//
// Error contract (every method):
//   INVALID_ARGUMENT  the CRM refused the record (400/422); permanent, the
//                     message is the CRM's own, never a field value of ours.
//   UNAUTHENTICATED / PERMISSION_DENIED  bad token or scope; stop the run.
//   NOT_FOUND         no such record.
//   RESOURCE_EXHAUSTED  rate limited and retries ran out; resume later.
//   UNAVAILABLE       transport or 5xx failure after retries. A message
//                     starting "ambiguous:" means a write may have been
//                     applied: look the record up before writing again.
// Thread safety: an instance is used by one thread at a time.
#ifndef BRIDGEWORK_LIBS_CRM_CRM_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_CRM_CONNECTOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"
#include "libs/mapping/map.h"

namespace bridgework::crm {

struct CrmUser {
  std::string id;
  std::string email;
  std::string name;
};

// A target record with its references resolved to CRM ids.
struct ResolvedRecord {
  // Not owned; must outlive the call.
  const v1::TargetRecord* record = nullptr;
  // CRM user id of the owner; empty for none.
  std::string owner_id;
  // Lookup target field -> CRM ids (one unless the lookup is a list).
  std::map<std::string, std::vector<std::string>> lookup_ids;
};

class CrmConnector {
 public:
  virtual ~CrmConnector() = default;

  virtual absl::StatusOr<std::vector<CrmUser>> ListUsers() = 0;
  // Of `wanted`, the custom fields the account does not have.
  virtual absl::StatusOr<std::vector<mapping::CustomFieldSpec>>
  MissingCustomFields(const std::vector<mapping::CustomFieldSpec>& wanted) = 0;
  // Creates the record; returns its CRM id.
  virtual absl::StatusOr<std::string> Create(const ResolvedRecord& record) = 0;
  // Replaces the mapped fields of an existing record.
  virtual absl::Status Update(const std::string& id,
                              const ResolvedRecord& record) = 0;
  // Sets a few fields (deferred links) on an existing record.
  virtual absl::Status Patch(const std::string& target_object,
                             const std::string& id,
                             const nlohmann::json& fields) = 0;
  // The record as the CRM returns it (JSON), or nullopt when it is gone.
  virtual absl::StatusOr<std::optional<nlohmann::json>> Get(
      const std::string& target_object, const std::string& id) = 0;
  // Deletes; NOT_FOUND when already gone.
  virtual absl::Status Delete(const std::string& target_object,
                              const std::string& id) = 0;
  // The id of the record whose `field` equals `key`, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) = 0;
  // Requests sent so far (retries included).
  virtual int64_t requests() const = 0;
};

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_CRM_CONNECTOR_H_
