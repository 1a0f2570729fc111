// gRPC adapter for the auditor (callback API) over the ledger. Unary calls
// run the ledger operation inline (a synced RocksDB write takes
// milliseconds); ListOperations streams from a worker thread.
#ifndef BRIDGEWORK_SERVICES_AUDITOR_AUDITOR_SERVICE_H_
#define BRIDGEWORK_SERVICES_AUDITOR_AUDITOR_SERVICE_H_

#include "bridgework/v1/auditor.grpc.pb.h"
#include "libs/auditor_client/auditor_client.h"

namespace bridgework::auditor {

class AuditorService final : public v1::Auditor::CallbackService {
 public:
  // `ledger` is borrowed, thread-safe, and must outlive the service.
  explicit AuditorService(AuditorClient* ledger) : ledger_(ledger) {}

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
  grpc::ServerWriteReactor<v1::Operation>* ListOperations(
      grpc::CallbackServerContext* c,
      const v1::ListOperationsRequest* r) override;
  grpc::ServerUnaryReactor* GetReport(grpc::CallbackServerContext* c,
                                      const v1::GetReportRequest* r,
                                      v1::RunReport* out) override;

 private:
  AuditorClient* ledger_;
};

}  // namespace bridgework::auditor

#endif  // BRIDGEWORK_SERVICES_AUDITOR_AUDITOR_SERVICE_H_
