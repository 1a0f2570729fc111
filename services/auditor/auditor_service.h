// bridgework.v1.Auditor over a Ledger, with gRPC's callback API.
//
// A thin adapter: every method converts its request and calls the ledger,
// converting errors with ToGrpcStatus. Ledger calls (synced writes wait
// for fsync) run on the service's own threads, never on gRPC's callback
// threads. ListOperations and ListMapped stream page by page (`page_size`
// messages read per ledger call, keyed by the last seq or id-map key sent)
// with one write in flight, so neither a long run, a large id map nor a
// slow reader makes it hold them in memory.
//
// Thread safety: gRPC may call every method concurrently. `ledger` is
// borrowed, must be thread-safe and must outlive the service; destroy the
// service only after the server serving it has shut down.
#ifndef BRIDGEWORK_SERVICES_AUDITOR_AUDITOR_SERVICE_H_
#define BRIDGEWORK_SERVICES_AUDITOR_AUDITOR_SERVICE_H_

#include <memory>

#include "bridgework/v1/auditor.grpc.pb.h"
#include "libs/ledger/ledger.h"
#include "services/auditor/executor.h"

namespace bridgework::auditor {

struct AuditorServiceOptions {
  // Threads running ledger calls. Default 4.
  int threads = 4;
  // Operations read per ledger call when streaming. Default 500.
  int page_size = 500;
};

class AuditorService final : public v1::Auditor::CallbackService {
 public:
  explicit AuditorService(ledger::Ledger* ledger,
                          AuditorServiceOptions options = {});
  ~AuditorService() override;

  // v1::Auditor::CallbackService
  grpc::ServerUnaryReactor* BeginRun(grpc::CallbackServerContext* c,
                                     const v1::BeginRunRequest* r,
                                     v1::RunInfo* out) override;
  grpc::ServerUnaryReactor* FinishRun(grpc::CallbackServerContext* c,
                                      const v1::FinishRunRequest* r,
                                      v1::RunInfo* out) override;
  grpc::ServerUnaryReactor* GetRun(grpc::CallbackServerContext* c,
                                   const v1::GetRunRequest* r,
                                   v1::RunInfo* out) override;
  grpc::ServerUnaryReactor* ListRuns(grpc::CallbackServerContext* c,
                                     const v1::ListRunsRequest* r,
                                     v1::ListRunsResponse* out) override;
  grpc::ServerUnaryReactor* RecordIntents(
      grpc::CallbackServerContext* c, const v1::RecordIntentsRequest* r,
      v1::RecordIntentsResponse* out) override;
  grpc::ServerUnaryReactor* RecordOutcomes(
      grpc::CallbackServerContext* c, const v1::RecordOutcomesRequest* r,
      v1::RecordOutcomesResponse* out) override;
  grpc::ServerUnaryReactor* ResolveKeys(grpc::CallbackServerContext* c,
                                        const v1::ResolveKeysRequest* r,
                                        v1::ResolveKeysResponse* out) override;
  grpc::ServerUnaryReactor* RecordDispositions(
      grpc::CallbackServerContext* c, const v1::RecordDispositionsRequest* r,
      v1::RecordDispositionsResponse* out) override;
  grpc::ServerUnaryReactor* SetObjectStats(
      grpc::CallbackServerContext* c, const v1::SetObjectStatsRequest* r,
      v1::SetObjectStatsResponse* out) override;
  grpc::ServerUnaryReactor* GetCursor(grpc::CallbackServerContext* c,
                                      const v1::GetCursorRequest* r,
                                      v1::Cursor* out) override;
  grpc::ServerUnaryReactor* SetCursor(grpc::CallbackServerContext* c,
                                      const v1::Cursor* r,
                                      v1::SetCursorResponse* out) override;
  grpc::ServerUnaryReactor* ApproveMap(grpc::CallbackServerContext* c,
                                       const v1::MapApproval* r,
                                       v1::ApproveMapResponse* out) override;
  grpc::ServerUnaryReactor* GetApproval(grpc::CallbackServerContext* c,
                                        const v1::GetApprovalRequest* r,
                                        v1::GetApprovalResponse* out) override;
  grpc::ServerWriteReactor<v1::Operation>* ListOperations(
      grpc::CallbackServerContext* c,
      const v1::ListOperationsRequest* r) override;
  grpc::ServerWriteReactor<v1::ResolvedKey>* ListMapped(
      grpc::CallbackServerContext* c, const v1::ListMappedRequest* r) override;
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* c,
                                      const v1::GetReportRequest* r,
                                      v1::RunReport* out) override;

 private:
  // Runs `call` (returning absl::StatusOr<Response> or absl::Status) on the
  // executor and finishes the call with its result.
  template <typename Response, typename Call>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  const char* method, Response* response,
                                  Call call);

  ledger::Ledger* ledger_;
  AuditorServiceOptions options_;
  // Last member: destroyed first, finishing the work that uses the rest.
  std::unique_ptr<Executor> executor_;
};

}  // namespace bridgework::auditor

#endif  // BRIDGEWORK_SERVICES_AUDITOR_AUDITOR_SERVICE_H_
