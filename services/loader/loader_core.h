// The loader's core: turns target batches into CRM writes with an intent
// in the ledger before every write and its outcome after, so that a crash
// at any moment resumes without a duplicate and without a gap.
//
// Per batch: resolve own keys and lookups through the ledger (never a GET
// per record); decide create / update / unchanged / adopt; write intents
// (synced) in one call; call the CRM; write outcomes in one call.
// After an ambiguous failure (timeout, reset, lost response) the record is
// looked up by its external key before it is written again.
//
// Thread safety: not thread-safe; one instance per stream. The auditor
// client and connector are borrowed and must outlive it.
#ifndef BRIDGEWORK_SERVICES_LOADER_LOADER_CORE_H_
#define BRIDGEWORK_SERVICES_LOADER_LOADER_CORE_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "bridgework/v1/loader.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/crm/crm_connector.h"
#include "libs/crm/retry.h"
#include "services/loader/user_directory.h"
#include "services/loader/write_window.h"

namespace bridgework::loader {

class LoaderCore {
 public:
  // `crm_name` is the CRM this loader serves ("freshsales"). `clock`
  // paces how often a batch's outcomes are written (see LoadBatch).
  LoaderCore(std::string crm_name, crm::CrmConnector* connector,
             AuditorClient* auditor, crm::Clock clock = crm::SystemClock());

  // Shares the CRM's users with the loader's other calls (not owned; must
  // outlive the core): Prepare puts what it reads, LoadBatch takes them
  // from there when they are fresh instead of reading them itself.
  void ShareUsers(UserDirectory* users) { users_ = users; }

  // Resolves owners by email; checks the map's custom fields exist.
  absl::StatusOr<v1::PrepareResponse> Prepare(
      const v1::PrepareRequest& request);

  // Loads one batch, in windows (WriteWindow): a window's intents are
  // written in one call before its first write, its outcomes after its
  // last, and within a window every 10 writes once 100 ms have passed since
  // outcomes were last written. A window is about 100 ms of the CRM's work
  // (at least 10 records; against a fast CRM the rest of the batch), so a
  // crash leaves pending intents for, and loses the request count of, at
  // most that much work, whatever the batch size. On a non-record error
  // (auth, rate limit exhausted, auditor down) returns it after recording
  // the outcomes it has; the window's remaining records keep pending
  // intents and are settled on resume, later windows' records have none. A dry
  // run (policy.dry_run) writes and records nothing: each record is planned
  // (CrmConnector::PlanWrite) against the schema Prepare would leave, which the
  // first batch carrying a map_yaml has the connector plan (PrepareSchema
  // without apply).
  absl::StatusOr<v1::LoadAck> LoadBatch(const v1::TargetBatch& batch);

  // Sets deferrable lookups on records already loaded.
  absl::StatusOr<v1::LinkResponse> Link(const v1::LinkRequest& request);

  // Reads the records' CRM versions (ids from the ledger) and compares each
  // field with what writing the record should have left there (or, with
  // `against_written`, with what the ledger says was last written), and
  // reports each record's owner. GETs only.
  absl::StatusOr<v1::ReadBackResponse> ReadBack(
      const v1::ReadBackRequest& request);

  // Undoes a run; calls `progress` every 100 operations and at the end.
  // Records changed in the CRM since the run wrote them are conflicts: left
  // as they are and reported, unless request.overwrite_conflicts. Ends by
  // reading every undone record back (deleted: gone; restored: equal to
  // its before-image).
  absl::Status Rollback(
      const v1::RollbackRequest& request,
      const std::function<void(const v1::RollbackEvent&)>& progress);

 private:
  // Ledger entries of the records' own keys and of their lookups, keyed by
  // an internal key string, from one ResolveKeys call.
  using ResolvedKeys = absl::flat_hash_map<std::string, v1::ResolvedKey>;
  // Which entries come with what was last written (ResolvedKey.written;
  // the auditor reads each one's operation for it): none, the records'
  // own keys whose fingerprint changed (a load's three-way check), or all.
  enum class Written { kNone, kIfChanged, kAll };
  absl::StatusOr<ResolvedKeys> ResolveRecords(
      const std::string& account,
      const google::protobuf::RepeatedPtrField<v1::TargetRecord>& records,
      Written written);
  // The CRM's users by email and the fallback owner, once per core: from
  // the shared directory when it has them and not `fresh`, else read.
  absl::Status EnsureOwners(const v1::DestinationConfig& destination,
                            bool fresh = false);
  // The connector's PrepareSchema for what the map (YAML) needs: its custom
  // fields, custom objects, pipelines and territories. Without `apply` the
  // connector only reports, and plans what it would create.
  absl::StatusOr<crm::SchemaReport> PrepareSchemaOf(const std::string& map_yaml,
                                                    bool apply);
  std::string OwnerId(const std::string& email) const;
  // Whether a create of `record` already happened (a crash between the
  // create and its outcome, or an ambiguous failure): the CRM id it left.
  // By the external key where the connector can search it; otherwise by
  // content (CrmConnector::FindByContent), skipping the ids the id map
  // gives to other keys and `taken` (ids this batch already used), so
  // identical records of two source keys are never merged.
  struct Created {
    std::optional<std::string> id;  // the record, if found
    // Why nobody can tell whether the create happened (the object can be
    // neither searched nor read back), else empty. The caller quarantines
    // the record with this reason and leaves its intent pending rather
    // than create it twice.
    std::string unknowable;
  };
  absl::StatusOr<Created> FindCreated(const std::string& account,
                                      const crm::ResolvedRecord& record,
                                      const std::set<std::string>& taken);
  // Match key (see MatchKey in the .cc) -> CRM id of the records of the
  // batch's target object already in the CRM, read once per target object
  // (one List pass) the first time a record new to the ledger needs it.
  using MatchIndex = absl::flat_hash_map<std::string, std::string>;
  absl::StatusOr<const MatchIndex*> IndexOf(const v1::TargetBatch& batch);

  std::string crm_name_;
  crm::CrmConnector* connector_;
  AuditorClient* auditor_;
  crm::Clock clock_;
  UserDirectory* users_ = nullptr;
  bool owners_loaded_ = false;
  absl::flat_hash_map<std::string, std::string> user_by_email_;
  std::string fallback_owner_id_;
  absl::flat_hash_map<std::string, MatchIndex> match_index_;
  // A dry run's schema was planned (from the stream's first batch's map).
  bool schema_planned_ = false;
  // Sizes the windows of LoadBatch from how fast the last one went.
  WriteWindow window_;
};

}  // namespace bridgework::loader

#endif  // BRIDGEWORK_SERVICES_LOADER_LOADER_CORE_H_
