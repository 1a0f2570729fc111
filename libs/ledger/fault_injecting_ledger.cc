#include "libs/ledger/fault_injecting_ledger.h"

#include <utility>

namespace bridgework::ledger {
namespace {

size_t Index(FaultInjectingLedger::Method m) { return static_cast<size_t>(m); }

}  // namespace

void FaultInjectingLedger::FailNthCall(Method method, int n,
                                       absl::Status status, When when) {
  absl::MutexLock lock(&mu_);
  Rule& rule = rules_[Index(method)];
  rule.active = n > 0;
  rule.remaining = n;
  rule.fault = {std::move(status), when};
}

void FaultInjectingLedger::FailEveryCall(Method method, absl::Status status,
                                         When when) {
  absl::MutexLock lock(&mu_);
  Rule& rule = rules_[Index(method)];
  rule.active = true;
  rule.remaining = 0;
  rule.fault = {std::move(status), when};
}

void FaultInjectingLedger::Clear(Method method) {
  absl::MutexLock lock(&mu_);
  rules_[Index(method)] = Rule();
}

void FaultInjectingLedger::ClearAll() {
  absl::MutexLock lock(&mu_);
  rules_.fill(Rule());
}

int64_t FaultInjectingLedger::calls(Method method) const {
  absl::MutexLock lock(&mu_);
  return calls_[Index(method)];
}

int64_t FaultInjectingLedger::injected() const {
  absl::MutexLock lock(&mu_);
  return injected_;
}

std::optional<FaultInjectingLedger::Fault> FaultInjectingLedger::Check(
    Method method) {
  absl::MutexLock lock(&mu_);
  ++calls_[Index(method)];
  Rule& rule = rules_[Index(method)];
  if (!rule.active || rule.fault.status.ok()) return std::nullopt;
  if (rule.remaining > 0) {  // a one-shot rule: fires on its nth call
    if (--rule.remaining > 0) return std::nullopt;
    rule.active = false;
  }
  ++injected_;
  return rule.fault;
}

absl::StatusOr<v1::RunInfo> FaultInjectingLedger::BeginRun(
    const v1::BeginRunRequest& r) {
  return Run(Method::kBeginRun, [&] { return target()->BeginRun(r); });
}
absl::StatusOr<v1::RunInfo> FaultInjectingLedger::FinishRun(
    const v1::FinishRunRequest& r) {
  return Run(Method::kFinishRun, [&] { return target()->FinishRun(r); });
}
absl::StatusOr<v1::RunInfo> FaultInjectingLedger::GetRun(
    const v1::GetRunRequest& r) {
  return Run(Method::kGetRun, [&] { return target()->GetRun(r); });
}
absl::StatusOr<v1::ListRunsResponse> FaultInjectingLedger::ListRuns(
    const v1::ListRunsRequest& r) {
  return Run(Method::kListRuns, [&] { return target()->ListRuns(r); });
}
absl::StatusOr<v1::RecordIntentsResponse> FaultInjectingLedger::RecordIntents(
    const v1::RecordIntentsRequest& r) {
  return Run(Method::kRecordIntents,
             [&] { return target()->RecordIntents(r); });
}
absl::Status FaultInjectingLedger::RecordOutcomes(
    const v1::RecordOutcomesRequest& r) {
  return Run(Method::kRecordOutcomes,
             [&] { return target()->RecordOutcomes(r); });
}
absl::StatusOr<v1::ResolveKeysResponse> FaultInjectingLedger::ResolveKeys(
    const v1::ResolveKeysRequest& r) {
  return Run(Method::kResolveKeys, [&] { return target()->ResolveKeys(r); });
}
absl::Status FaultInjectingLedger::ListMapped(const v1::ListMappedRequest& r,
                                              const v1::KeyRef& after,
                                              const MappedVisitor& visit) {
  return Run(Method::kListMapped,
             [&] { return target()->ListMapped(r, after, visit); });
}
absl::Status FaultInjectingLedger::RecordDispositions(
    const v1::RecordDispositionsRequest& r) {
  return Run(Method::kRecordDispositions,
             [&] { return target()->RecordDispositions(r); });
}
absl::Status FaultInjectingLedger::SetObjectStats(
    const v1::SetObjectStatsRequest& r) {
  return Run(Method::kSetObjectStats,
             [&] { return target()->SetObjectStats(r); });
}
absl::StatusOr<v1::Cursor> FaultInjectingLedger::GetCursor(
    const v1::GetCursorRequest& r) {
  return Run(Method::kGetCursor, [&] { return target()->GetCursor(r); });
}
absl::Status FaultInjectingLedger::SetCursor(const v1::Cursor& c) {
  return Run(Method::kSetCursor, [&] { return target()->SetCursor(c); });
}
absl::StatusOr<v1::MapApproval> FaultInjectingLedger::ApproveMap(
    const v1::MapApproval& a) {
  return Run(Method::kApproveMap, [&] { return target()->ApproveMap(a); });
}
absl::StatusOr<v1::GetApprovalResponse> FaultInjectingLedger::GetApproval(
    const v1::GetApprovalRequest& r) {
  return Run(Method::kGetApproval, [&] { return target()->GetApproval(r); });
}
absl::Status FaultInjectingLedger::ListOperations(
    const v1::ListOperationsRequest& r, int64_t after_seq,
    const OperationVisitor& visit) {
  return Run(Method::kListOperations,
             [&] { return target()->ListOperations(r, after_seq, visit); });
}
absl::StatusOr<v1::RunReport> FaultInjectingLedger::GetReport(
    const v1::GetReportRequest& r) {
  return Run(Method::kGetReport, [&] { return target()->GetReport(r); });
}

}  // namespace bridgework::ledger
