// What the Pipedrive connector remembers about one company: custom field
// keys and option ids, pipelines and stages, activity types. One instance
// per (company URL, API token) in the process, shared by every connector of
// that account, so a second connector (another batch, a rollback) reuses
// the keys the first one learned instead of listing the fields again.
//
// Nothing here is persisted: a fresh process learns the keys again, from
// PrepareSchema or lazily on the first write that needs them
// (docs/connectors/pipedrive.md, "Custom field keys").
//
// Thread safety: thread-safe (one mutex); callers do their HTTP requests
// outside it.
#ifndef BRIDGEWORK_LIBS_CRM_PIPEDRIVE_ACCOUNT_H_
#define BRIDGEWORK_LIBS_CRM_PIPEDRIVE_ACCOUNT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/crm/pipedrive_wire.h"

namespace bridgework::crm::pipedrive {

struct Stage {
  int64_t id = 0;
  int64_t pipeline_id = 0;
  std::string name;
};

class AccountState {
 public:
  // The shared state of the account; the token is only hashed (SHA-256)
  // into the key, never stored.
  static std::shared_ptr<AccountState> For(const std::string& base_url,
                                           const std::string& token);

  // ---- Custom fields, per *Fields family ("personFields").
  // True once the family's field list has been stored.
  bool HasFields(const std::string& family) const;
  // Replaces the family's field list (a fresh GET).
  void SetFields(const std::string& family, std::vector<FieldDef> defs);
  // Adds or replaces one field (created, or options added).
  void PutField(const std::string& family, const FieldDef& def);
  // Remembers that map name `map_name` ("cf_patient_status") is the field
  // `code` of the family.
  void Remember(const std::string& family, const std::string& map_name,
                const std::string& code);
  // The field of a map name: the remembered one, else the one custom field
  // whose label normalizes to the name (NormalizedFieldName), which is then
  // remembered. nullopt when neither (or the list is not loaded).
  std::optional<FieldDef> Find(const std::string& family,
                               const std::string& map_name);

  // ---- Pipelines and stages.
  bool HasPipelines() const;
  // Replaces everything known about pipelines and stages.
  void SetPipelines(std::map<std::string, int64_t> pipelines,
                    std::vector<Stage> stages);
  void AddPipeline(const std::string& name, int64_t id);
  void AddStage(const Stage& stage);
  std::optional<int64_t> PipelineId(const std::string& name) const;
  // Stages with this name; in `pipeline_id` unless it is 0 (then in any).
  std::vector<Stage> StagesNamed(const std::string& name,
                                 int64_t pipeline_id) const;
  // The names of pipeline and stage ids (read-back projections); nullopt
  // for an id not known.
  std::optional<std::string> PipelineName(int64_t id) const;
  std::optional<std::string> StageName(int64_t id) const;

  // ---- Activity types (active ones).
  bool HasActivityTypes() const;
  // name or key_string -> key_string.
  void SetActivityTypes(std::map<std::string, std::string> types);
  // The key_string for a key_string or a name (case-insensitive).
  std::optional<std::string> ActivityType(const std::string& name) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<FieldDef>> fields_ ABSL_GUARDED_BY(mu_);
  // family -> map name -> field code.
  std::map<std::string, std::map<std::string, std::string>> remembered_
      ABSL_GUARDED_BY(mu_);
  bool pipelines_loaded_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int64_t> pipelines_ ABSL_GUARDED_BY(mu_);
  std::vector<Stage> stages_ ABSL_GUARDED_BY(mu_);
  bool activity_types_loaded_ ABSL_GUARDED_BY(mu_) = false;
  // Lower-cased name or key_string -> key_string.
  std::map<std::string, std::string> activity_types_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::crm::pipedrive

#endif  // BRIDGEWORK_LIBS_CRM_PIPEDRIVE_ACCOUNT_H_
