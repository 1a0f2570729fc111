#include "libs/auditor_client/auditor_client.h"

#include <chrono>

#include "libs/common/grpc_status.h"
#include "libs/common/server.h"

namespace bridgework {
namespace {

class GrpcAuditorClient : public AuditorClient {
 public:
  explicit GrpcAuditorClient(const std::string& target)
      : stub_(v1::Auditor::NewStub(MakeChannel(target))) {}

  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override {
    return Unary<v1::RunInfo>(r, &v1::Auditor::Stub::BeginRun);
  }
  absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& r) override {
    return Unary<v1::RunInfo>(r, &v1::Auditor::Stub::FinishRun);
  }
  absl::StatusOr<v1::RunInfo> GetRun(const std::string& run_id) override {
    v1::GetRunRequest r;
    r.set_run_id(run_id);
    return Unary<v1::RunInfo>(r, &v1::Auditor::Stub::GetRun);
  }
  absl::StatusOr<v1::ListRunsResponse> ListRuns(int limit) override {
    v1::ListRunsRequest r;
    r.set_limit(limit);
    return Unary<v1::ListRunsResponse>(r, &v1::Auditor::Stub::ListRuns);
  }
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override {
    return Unary<v1::RecordIntentsResponse>(r,
                                            &v1::Auditor::Stub::RecordIntents);
  }
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override {
    return Unary<v1::RecordOutcomesResponse>(r,
                                             &v1::Auditor::Stub::RecordOutcomes)
        .status();
  }
  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override {
    return Unary<v1::ResolveKeysResponse>(r, &v1::Auditor::Stub::ResolveKeys);
  }
  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override {
    return Unary<v1::RecordDispositionsResponse>(
               r, &v1::Auditor::Stub::RecordDispositions)
        .status();
  }
  absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) override {
    return Unary<v1::SetObjectStatsResponse>(r,
                                             &v1::Auditor::Stub::SetObjectStats)
        .status();
  }
  absl::StatusOr<v1::Cursor> GetCursor(const v1::GetCursorRequest& r) override {
    return Unary<v1::Cursor>(r, &v1::Auditor::Stub::GetCursor);
  }
  absl::Status SetCursor(const v1::Cursor& r) override {
    return Unary<v1::SetCursorResponse>(r, &v1::Auditor::Stub::SetCursor)
        .status();
  }
  absl::Status ListOperations(
      const v1::ListOperationsRequest& r,
      const std::function<bool(const v1::Operation&)>& visit) override {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::minutes(30));
    auto reader = stub_->ListOperations(&ctx, r);
    v1::Operation op;
    while (reader->Read(&op)) {
      if (!visit(op)) {
        ctx.TryCancel();
        break;
      }
    }
    grpc::Status s = reader->Finish();
    if (s.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
    return FromGrpcStatus(s);
  }
  absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& r) override {
    return Unary<v1::RunReport>(r, &v1::Auditor::Stub::GetReport);
  }

 private:
  template <typename Resp, typename Req, typename Method>
  absl::StatusOr<Resp> Unary(const Req& req, Method method) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    Resp resp;
    grpc::Status s = ((*stub_).*method)(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    return resp;
  }

  std::unique_ptr<v1::Auditor::Stub> stub_;
};

}  // namespace

std::unique_ptr<AuditorClient> MakeGrpcAuditorClient(
    const std::string& target) {
  return std::make_unique<GrpcAuditorClient>(target);
}

}  // namespace bridgework
