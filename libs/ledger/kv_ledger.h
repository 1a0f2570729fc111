// The ledger's semantics, written once over an ordered key-value store
// (kv_store.h). RocksDbLedger and InMemoryLedger are this class over
// RocksDB and over a sorted map.
//
// Thread safety: thread-safe. Writers of audited records (runs, intents,
// outcomes, dispositions, approvals: everything the hash chain covers,
// ledger_chain.h) are serialised by one mutex, which gives the chain its
// one order; blind writers of working state (stats, cursors) and readers
// are not.
#ifndef BRIDGEWORK_LIBS_LEDGER_KV_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_KV_LEDGER_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
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

  std::unique_ptr<KvStore> store_;
  absl::Mutex mu_;
  int64_t last_run_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
  ChainWriter chain_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::ledger::ledger_internal

#endif  // BRIDGEWORK_LIBS_LEDGER_KV_LEDGER_H_
