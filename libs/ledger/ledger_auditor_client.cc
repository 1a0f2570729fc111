#include "libs/ledger/ledger_auditor_client.h"

namespace bridgework::ledger {
namespace {

class LedgerAuditorClient : public AuditorClient {
 public:
  explicit LedgerAuditorClient(Ledger* ledger) : ledger_(ledger) {}

  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override {
    return ledger_->BeginRun(r);
  }
  absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& r) override {
    return ledger_->FinishRun(r);
  }
  absl::StatusOr<v1::RunInfo> GetRun(const std::string& run_id) override {
    v1::GetRunRequest r;
    r.set_run_id(run_id);
    return ledger_->GetRun(r);
  }
  absl::StatusOr<v1::ListRunsResponse> ListRuns(int limit) override {
    v1::ListRunsRequest r;
    r.set_limit(limit);
    return ledger_->ListRuns(r);
  }
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override {
    return ledger_->RecordIntents(r);
  }
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override {
    return ledger_->RecordOutcomes(r);
  }
  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override {
    return ledger_->ResolveKeys(r);
  }
  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override {
    return ledger_->RecordDispositions(r);
  }
  absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) override {
    return ledger_->SetObjectStats(r);
  }
  absl::StatusOr<v1::Cursor> GetCursor(const v1::GetCursorRequest& r) override {
    return ledger_->GetCursor(r);
  }
  absl::Status SetCursor(const v1::Cursor& c) override {
    return ledger_->SetCursor(c);
  }
  absl::StatusOr<v1::MapApproval> ApproveMap(
      const v1::MapApproval& a) override {
    return ledger_->ApproveMap(a);
  }
  absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest& r) override {
    return ledger_->GetApproval(r);
  }
  absl::Status ListOperations(
      const v1::ListOperationsRequest& r,
      const std::function<bool(const v1::Operation&)>& visit) override {
    return ledger_->ListOperations(r, 0, visit);
  }
  absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& r) override {
    return ledger_->GetReport(r);
  }
  absl::Status ListMapped(
      const v1::ListMappedRequest& r,
      const std::function<bool(const v1::ResolvedKey&)>& visit) override {
    return ledger_->ListMapped(r, v1::KeyRef(), visit);
  }

 private:
  Ledger* ledger_;
};

}  // namespace

std::unique_ptr<AuditorClient> NewLedgerAuditorClient(Ledger* ledger) {
  return std::make_unique<LedgerAuditorClient>(ledger);
}

}  // namespace bridgework::ledger
