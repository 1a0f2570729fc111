// The ledger's semantics, written once over an ordered key-value store
// (kv_store.h). RocksDbLedger and InMemoryLedger are this class over
// RocksDB and over a sorted map.
//
// Thread safety: thread-safe. Writers of audited records (runs, intents,
// outcomes, dispositions, approvals: everything the hash chain covers,
// ledger_chain.h) are serialised by one mutex, which gives the chain its
// one order; blind writers of working state (stats, cursors) and readers
// are not (ResolveKeys takes a reader lock on the pending intents, which
// writers hold only to apply a write that landed).
#ifndef BRIDGEWORK_LIBS_LEDGER_KV_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_KV_LEDGER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "libs/ledger/kv_store.h"
#include "libs/ledger/ledger.h"
#include "libs/ledger/ledger_chain.h"

namespace bridgework::ledger::ledger_internal {

class KvLedger : public Ledger {
 public:
  KvLedger(const KvLedger&) = delete;
  KvLedger& operator=(const KvLedger&) = delete;

  // Ledger
  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override;
  absl::StatusOr<v1::RunInfo> FinishRun(const v1::FinishRunRequest& r) override;
  absl::StatusOr<v1::RunInfo> GetRun(const v1::GetRunRequest& r) override;
  absl::StatusOr<v1::ListRunsResponse> ListRuns(
      const v1::ListRunsRequest& r) override;
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override;
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override;
  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override;
  absl::Status ListMapped(const v1::ListMappedRequest& r,
                          const v1::KeyRef& after,
                          const MappedVisitor& visit) override;
  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override;
  absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) override;
  absl::StatusOr<v1::Cursor> GetCursor(const v1::GetCursorRequest& r) override;
  absl::Status SetCursor(const v1::Cursor& c) override;
  absl::StatusOr<v1::MapApproval> ApproveMap(const v1::MapApproval& a) override;
  absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest& r) override;
  absl::Status ListOperations(const v1::ListOperationsRequest& r,
                              int64_t after_seq,
                              const OperationVisitor& visit) override;
  absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& r) override;

 protected:
  explicit KvLedger(std::unique_ptr<KvStore> store);

  // Checks the format marker (writing it into an empty store) and loads the
  // counters. Call once, before any other method. FAILED_PRECONDITION if
  // the store holds another format.
  absl::Status Load();

 private:
  absl::StatusOr<v1::RunInfo> ReadRun(const std::string& run_id);
  // Puts a FAILED or RUNNING run back to RUNNING.
  absl::StatusOr<v1::RunInfo> Reopen(v1::RunInfo run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::string> NewestRunningRun(const std::string& account);
  // Writes `batch` with the chain entries of its audited records (one
  // atomic batch).
  absl::Status WriteChained(KvBatch batch, Durability durability)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Intents this process recorded and has not seen settled, by seq
  // (`recent_`). RecordOutcomes takes an intent from here instead of
  // reading its `o/` operation back from the store: every writer of those
  // keys is this object, under mu_, so while an entry is here the store
  // holds exactly it. Cleared whole when it grows past kMaxRecentIntents
  // (intents that never got an outcome) and after any failed write (which
  // may have landed); a missing entry only means one read.
  static constexpr size_t kMaxRecentIntents = 1 << 16;
  void ForgetRecentIntents() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // A record's pending intent: the newest intent recorded for it, while it
  // has no outcome (docs/ledger.md, "Pending intents").
  struct Pending {
    std::string run_id;
    int64_t seq = 0;
    v1::OpKind kind = v1::OP_KIND_UNSPECIFIED;
    // Also stored as an `i/` key (a marker written by a ledger of format
    // v1), deleted when the marker changes.
    bool legacy = false;
  };
  // One request's changes to the pending intents (record key -> the
  // record's pending intent, or none), applied once its write landed.
  using PendingChanges =
      absl::flat_hash_map<std::string, std::optional<Pending>>;
  // The pending intent of `record_key` as `changes` leave it.
  std::optional<Pending> PendingOf(const PendingChanges& changes,
                                   const std::string& record_key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyPending(const PendingChanges& changes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Rebuilds the pending intents from the store: the legacy `i/` markers,
  // then every operation from seq `meta/pending_from` on, in seq order.
  absl::Status LoadPending() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // LoadPending again if a failed write left the pending intents unknown.
  absl::Status EnsurePending() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<KvStore> store_;
  absl::Mutex mu_;
  absl::flat_hash_map<int64_t, v1::Operation> recent_ ABSL_GUARDED_BY(mu_);
  // Record key -> its pending intent. Written under mu_ and pending_mu_
  // once the write it reflects landed; ResolveKeys reads it under
  // pending_mu_ alone (before the id map: never neither).
  absl::Mutex pending_mu_ ABSL_ACQUIRED_AFTER(mu_);
  absl::flat_hash_map<std::string, Pending> pending_
      ABSL_GUARDED_BY(pending_mu_);
  // A failed write left pending_ unknown and rereading it failed too.
  bool pending_stale_ ABSL_GUARDED_BY(pending_mu_) = false;
  // pending_ held v1 markers at the last LoadPending: only then does an
  // intent look for one to delete.
  bool v1_markers_ ABSL_GUARDED_BY(mu_) = false;
  // `meta/pending_from` as stored: no operation before it is pending.
  int64_t pending_from_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t last_run_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  ChainWriter chain_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::ledger::ledger_internal

#endif  // BRIDGEWORK_LIBS_LEDGER_KV_LEDGER_H_
