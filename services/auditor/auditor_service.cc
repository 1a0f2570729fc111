#include "services/auditor/auditor_service.h"

#include "libs/common/grpc_status.h"
#include "libs/common/worker_reactor.h"

namespace bridgework::auditor {
namespace {

// Finishes a unary call with a StatusOr<T>, copying the value out.
template <typename T>
grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* c,
                                absl::StatusOr<T> result, T* out) {
  auto* reactor = c->DefaultReactor();
  if (result.ok()) *out = std::move(*result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* c,
                                const absl::Status& status) {
  auto* reactor = c->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* AuditorService::BeginRun(
    grpc::CallbackServerContext* c, const v1::BeginRunRequest* r,
    v1::RunInfo* out) {
  return Reply(c, ledger_->BeginRun(*r), out);
}
grpc::ServerUnaryReactor* AuditorService::FinishRun(
    grpc::CallbackServerContext* c, const v1::FinishRunRequest* r,
    v1::RunInfo* out) {
  return Reply(c, ledger_->FinishRun(*r), out);
}
grpc::ServerUnaryReactor* AuditorService::GetRun(grpc::CallbackServerContext* c,
                                                 const v1::GetRunRequest* r,
                                                 v1::RunInfo* out) {
  return Reply(c, ledger_->GetRun(r->run_id()), out);
}
grpc::ServerUnaryReactor* AuditorService::ListRuns(
    grpc::CallbackServerContext* c, const v1::ListRunsRequest* r,
    v1::ListRunsResponse* out) {
  return Reply(c, ledger_->ListRuns(r->limit()), out);
}
grpc::ServerUnaryReactor* AuditorService::RecordIntents(
    grpc::CallbackServerContext* c, const v1::RecordIntentsRequest* r,
    v1::RecordIntentsResponse* out) {
  return Reply(c, ledger_->RecordIntents(*r), out);
}
grpc::ServerUnaryReactor* AuditorService::RecordOutcomes(
    grpc::CallbackServerContext* c, const v1::RecordOutcomesRequest* r,
    v1::RecordOutcomesResponse*) {
  return Reply(c, ledger_->RecordOutcomes(*r));
}
grpc::ServerUnaryReactor* AuditorService::ResolveKeys(
    grpc::CallbackServerContext* c, const v1::ResolveKeysRequest* r,
    v1::ResolveKeysResponse* out) {
  return Reply(c, ledger_->ResolveKeys(*r), out);
}
grpc::ServerUnaryReactor* AuditorService::RecordDispositions(
    grpc::CallbackServerContext* c, const v1::RecordDispositionsRequest* r,
    v1::RecordDispositionsResponse*) {
  return Reply(c, ledger_->RecordDispositions(*r));
}
grpc::ServerUnaryReactor* AuditorService::SetObjectStats(
    grpc::CallbackServerContext* c, const v1::SetObjectStatsRequest* r,
    v1::SetObjectStatsResponse*) {
  return Reply(c, ledger_->SetObjectStats(*r));
}
grpc::ServerUnaryReactor* AuditorService::GetCursor(
    grpc::CallbackServerContext* c, const v1::GetCursorRequest* r,
    v1::Cursor* out) {
  return Reply(c, ledger_->GetCursor(*r), out);
}
grpc::ServerUnaryReactor* AuditorService::SetCursor(
    grpc::CallbackServerContext* c, const v1::Cursor* r,
    v1::SetCursorResponse*) {
  return Reply(c, ledger_->SetCursor(*r));
}
grpc::ServerWriteReactor<v1::Operation>* AuditorService::ListOperations(
    grpc::CallbackServerContext* c, const v1::ListOperationsRequest* r) {
  return new WorkerWriteReactor<v1::Operation>(
      [this, r](const WorkerWriteReactor<v1::Operation>::Emit& emit) {
        return ledger_->ListOperations(
            *r, [&emit](const v1::Operation& op) { return emit(op); });
      });
}
grpc::ServerUnaryReactor* AuditorService::GetReport(
    grpc::CallbackServerContext* c, const v1::GetReportRequest* r,
    v1::RunReport* out) {
  return Reply(c, ledger_->GetReport(*r), out);
}

}  // namespace bridgework::auditor
