// A ledger decorator that fails chosen calls, for tests of the components
// that talk to the auditor and of the auditor service itself:
//
//   InMemoryLedger base;
//   FaultInjectingLedger ledger(&base);
//   ledger.FailNthCall(FaultInjectingLedger::Method::kRecordOutcomes, 2,
//                      absl::UnavailableError("disk gone"));
//
// A fault either replaces the call (kBefore: nothing is written) or follows
// it (kAfter: the call is applied, then the error is returned, as when the
// auditor's response is lost).
//
// Thread safety: thread-safe. `target` must outlive the wrapper.
#ifndef BRIDGEWORK_LIBS_LEDGER_FAULT_INJECTING_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_FAULT_INJECTING_LEDGER_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "libs/ledger/ledger.h"

namespace bridgework::ledger {

class FaultInjectingLedger : public LedgerWrapper {
 public:
  enum class Method {
    kBeginRun,
    kFinishRun,
    kGetRun,
    kListRuns,
    kRecordIntents,
    kRecordOutcomes,
    kResolveKeys,
    kRecordDispositions,
    kSetObjectStats,
    kGetCursor,
    kSetCursor,
    kListOperations,
    kGetReport,
    kApproveMap,
    kGetApproval,
    kListMapped,
  };
  static constexpr int kMethodCount = 16;

  enum class When {
    kBefore,  // the call is not made
    kAfter,   // the call is made, its result replaced by the error
  };

  explicit FaultInjectingLedger(Ledger* target) : LedgerWrapper(target) {}

  // Fails the `n`th call of `method` counted from now (1: the next call)
  // with `status`, once. Replaces any fault set for `method`.
  void FailNthCall(Method method, int n, absl::Status status,
                   When when = When::kBefore);
  // Fails every call of `method` with `status` until Clear().
  void FailEveryCall(Method method, absl::Status status,
                     When when = When::kBefore);
  void Clear(Method method);
  void ClearAll();

  // Calls of `method` so far, failed ones included.
  int64_t calls(Method method) const;
  // Calls that were failed, all methods.
  int64_t injected() const;

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

 private:
  struct Fault {
    absl::Status status;
    When when = When::kBefore;
  };
  struct Rule {
    bool active = false;
    int64_t remaining = 0;  // calls until the failing one; 0: every call
    Fault fault;
  };

  // Counts the call; the fault to inject into it, if any.
  std::optional<Fault> Check(Method method);

  template <typename Call>
  auto Run(Method method, Call call) -> decltype(call()) {
    std::optional<Fault> fault = Check(method);
    if (fault && fault->when == When::kBefore) return fault->status;
    auto result = call();
    if (fault) return fault->status;
    return result;
  }

  mutable absl::Mutex mu_;
  std::array<Rule, kMethodCount> rules_ ABSL_GUARDED_BY(mu_);
  std::array<int64_t, kMethodCount> calls_ ABSL_GUARDED_BY(mu_) = {};
  int64_t injected_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_FAULT_INJECTING_LEDGER_H_
