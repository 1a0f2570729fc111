// The ledger: the auditor's store of runs, CRM operations (intent before the
// call, outcome after), the source-key -> CRM-id map, per-record
// dispositions, per-object figures and delta cursors.
//
// `Ledger` mirrors the bridgework.v1.Auditor RPCs one to one; the auditor
// service is a thin gRPC adapter over it. Implementations:
//   - RocksDbLedger (rocksdb_ledger.h): durable, on disk;
//   - InMemoryLedger (in_memory_ledger.h): the same semantics in memory, a
//     fake for tests of other components;
//   - FaultInjectingLedger (fault_injecting_ledger.h): a wrapper that fails
//     chosen calls.
// Key layout, durability and resume/rollback semantics: docs/ledger.md.
//
// Errors (absl::Status codes, chosen for the caller's retry decision):
//   INVALID_ARGUMENT    the request is malformed (missing key, bad state);
//   NOT_FOUND           the run or the operation named does not exist;
//   FAILED_PRECONDITION the run is finished, or resumed under another
//                       config/kind/account: do not retry as is;
//   UNAVAILABLE         the store failed to read or write (retry the call);
//   DATA_LOSS           a stored value cannot be parsed.
// A write that returns an error has changed nothing: every write method
// applies one atomic batch or nothing.
//
// Thread safety: every implementation is safe for concurrent use by many
// threads without external synchronisation.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridgework/v1/auditor.pb.h"

namespace bridgework::ledger {

namespace v1 = ::bridgework::v1;

// Receives operations one at a time; returns false to stop the listing
// (the listing then returns OK). It may call back into the ledger.
using OperationVisitor = std::function<bool(const v1::Operation&)>;
// Receives id-map entries one at a time; returns false to stop the listing
// (the listing then returns OK). It may call back into the ledger.
using MappedVisitor = std::function<bool(const v1::ResolvedKey&)>;

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Creates a run (state RUNNING, id "r-NNNNNN"), or resumes one:
  //  - `run_id` set: that run, which must exist (NOT_FOUND), not be
  //    SUCCEEDED or ROLLED_BACK (FAILED_PRECONDITION) and match the
  //    request's kind, account and (when given) config hash
  //    (FAILED_PRECONDITION). A FAILED run is put back to RUNNING.
  //  - `resume` set: the newest run with the same kind, account, config hash
  //    (and target run, for rollbacks) when that run is RUNNING or FAILED;
  //    it is put back to RUNNING. Otherwise a new run is created.
  // INVALID_ARGUMENT for an unspecified kind or a rollback without target.
  virtual absl::StatusOr<v1::RunInfo> BeginRun(
      const v1::BeginRunRequest& request) = 0;

  // Sets the final state (SUCCEEDED, FAILED or ROLLED_BACK), message and
  // finished_at. A ROLLED_BACK run stays ROLLED_BACK (FAILED_PRECONDITION
  // for any other state); finishing it again is a no-op.
  virtual absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& request) = 0;

  virtual absl::StatusOr<v1::RunInfo> GetRun(
      const v1::GetRunRequest& request) = 0;

  // Runs, newest first; `limit` <= 0 means all.
  virtual absl::StatusOr<v1::ListRunsResponse> ListRuns(
      const v1::ListRunsRequest& request) = 0;

  // Writes the intents (state INTENT, intent_at now) with fresh increasing
  // sequence numbers, and marks each (account, source object, source key,
  // target object) as pending. Synced before it returns. Every operation's
  // run must exist and be RUNNING (FAILED_PRECONDITION otherwise).
  virtual absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& request) = 0;

  // Writes the outcomes of intents named by (run_id, seq) and, in the same
  // atomic, synced batch, their consequences: the id map, the pending
  // marker, the record's disposition and the run's request counter. Each
  // outcome's state must be APPLIED, FAILED or ADOPTED (INVALID_ARGUMENT);
  // an unknown seq is NOT_FOUND. An outcome may name another run's pending
  // intent by its seq under its own run_id (a later run settling it): the
  // operation stays in its run; the disposition, the id-map credit and the
  // requests go to the outcome's run. Either the whole request is applied
  // or nothing is. Replaying an already recorded request is harmless.
  virtual absl::Status RecordOutcomes(
      const v1::RecordOutcomesRequest& request) = 0;

  // Per key, in request order: its id-map entry and any pending intent.
  // `written` as the request's `written_if_changed` says (read from the
  // operation the entry names: one more read for each key that gets it).
  virtual absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& request) = 0;

  // Visits the id map of `request.account` (only `request.source_object`'s
  // entries when set) in key order: source object, source key, target
  // object. Starts after the entry `after` names (from the beginning when
  // its source_object is empty). Each entry carries its key, CRM id,
  // fingerprint, run and written projection (unless the request's
  // `without_written`); the pending fields are unset. Streams: at most a
  // chunk of 256 entries is held, while their operations are read.
  virtual absl::Status ListMapped(const v1::ListMappedRequest& request,
                                  const v1::KeyRef& after,
                                  const MappedVisitor& visit) = 0;

  // Writes dispositions; one per (run, source object, source key), a later
  // one replacing the earlier. The run must exist.
  virtual absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& request) = 0;

  // Sets (replaces) per-object figures of a run. The run must exist.
  virtual absl::Status SetObjectStats(
      const v1::SetObjectStatsRequest& request) = 0;

  // The cursor, or an empty one (account and object set, no watermark).
  virtual absl::StatusOr<v1::Cursor> GetCursor(
      const v1::GetCursorRequest& request) = 0;
  virtual absl::Status SetCursor(const v1::Cursor& cursor) = 0;

  // Records an approval (synced); sets approved_at. INVALID_ARGUMENT
  // without a 64-hex-digit map_hash, a map_name or approved_by.
  virtual absl::StatusOr<v1::MapApproval> ApproveMap(
      const v1::MapApproval& approval) = 0;
  virtual absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest& request) = 0;

  // Visits the run's operations in sequence order (reverse: newest first),
  // starting after `after_seq` (forward: seq > after_seq; reverse:
  // seq < after_seq); 0 starts at the beginning (or end). Streams: nothing
  // is collected in memory. An unknown run has no operations.
  virtual absl::Status ListOperations(const v1::ListOperationsRequest& request,
                                      int64_t after_seq,
                                      const OperationVisitor& visit) = 0;

  // Counts per source object (extracted from the object stats; loaded,
  // quarantined and skipped from the dispositions), requests, and the run's
  // operations by state. `rejections` lists up to max_rejections (default
  // 1000; < 0: none) quarantined records per object, then up to as many
  // skipped ones (stage "map"). NOT_FOUND for an unknown run.
  virtual absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& request) = 0;
};

// Delegates every call to a borrowed ledger; decorators override only what
// they change. `target` must outlive the wrapper.
class LedgerWrapper : public Ledger {
 public:
  explicit LedgerWrapper(Ledger* target) : target_(target) {}

  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override {
    return target_->BeginRun(r);
  }
  absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& r) override {
    return target_->FinishRun(r);
  }
  absl::StatusOr<v1::RunInfo> GetRun(const v1::GetRunRequest& r) override {
    return target_->GetRun(r);
  }
  absl::StatusOr<v1::ListRunsResponse> ListRuns(
      const v1::ListRunsRequest& r) override {
    return target_->ListRuns(r);
  }
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override {
    return target_->RecordIntents(r);
  }
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override {
    return target_->RecordOutcomes(r);
  }
  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override {
    return target_->ResolveKeys(r);
  }
  absl::Status ListMapped(const v1::ListMappedRequest& r,
                          const v1::KeyRef& after,
                          const MappedVisitor& visit) override {
    return target_->ListMapped(r, after, visit);
  }
  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override {
    return target_->RecordDispositions(r);
  }
  absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) override {
    return target_->SetObjectStats(r);
  }
  absl::StatusOr<v1::Cursor> GetCursor(const v1::GetCursorRequest& r) override {
    return target_->GetCursor(r);
  }
  absl::Status SetCursor(const v1::Cursor& c) override {
    return target_->SetCursor(c);
  }
  absl::StatusOr<v1::MapApproval> ApproveMap(
      const v1::MapApproval& a) override {
    return target_->ApproveMap(a);
  }
  absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest& r) override {
    return target_->GetApproval(r);
  }
  absl::Status ListOperations(const v1::ListOperationsRequest& r,
                              int64_t after_seq,
                              const OperationVisitor& visit) override {
    return target_->ListOperations(r, after_seq, visit);
  }
  absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& r) override {
    return target_->GetReport(r);
  }

 protected:
  Ledger* target() const { return target_; }

 private:
  Ledger* target_;
};

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_H_
