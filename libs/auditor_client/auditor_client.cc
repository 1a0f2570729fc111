#include "libs/auditor_client/auditor_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/common/grpc_status.h"
#include "libs/common/server.h"
#include "libs/common/status_macros.h"

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
  absl::StatusOr<v1::MapApproval> ApproveMap(
      const v1::MapApproval& r) override {
    BW_ASSIGN_OR_RETURN(
        v1::ApproveMapResponse resp,
        Unary<v1::ApproveMapResponse>(r, &v1::Auditor::Stub::ApproveMap));
    return resp.approval();
  }
  absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest& r) override {
    return Unary<v1::GetApprovalResponse>(r, &v1::Auditor::Stub::GetApproval);
  }
  absl::Status SetCursor(const v1::Cursor& r) override {
    return Unary<v1::SetCursorResponse>(r, &v1::Auditor::Stub::SetCursor)
        .status();
  }
  absl::Status ListOperations(
      const v1::ListOperationsRequest& r,
      const std::function<bool(const v1::Operation&)>& visit) override {
    return Stream<v1::Operation>(r, &v1::Auditor::Stub::ListOperations, visit);
  }
  absl::Status ListMapped(
      const v1::ListMappedRequest& r,
      const std::function<bool(const v1::ResolvedKey&)>& visit) override {
    return Stream<v1::ResolvedKey>(r, &v1::Auditor::Stub::ListMapped, visit);
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

  // A server-streaming call: `visit` per message until it returns false
  // (the call is then cancelled and OK returned).
  template <typename Message, typename Req, typename Method>
  absl::Status Stream(const Req& req, Method method,
                      const std::function<bool(const Message&)>& visit) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::minutes(30));
    auto reader = ((*stub_).*method)(&ctx, req);
    Message m;
    while (reader->Read(&m)) {
      if (!visit(m)) {
        ctx.TryCancel();
        break;
      }
    }
    grpc::Status s = reader->Finish();
    if (s.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
    return FromGrpcStatus(s);
  }

  std::unique_ptr<v1::Auditor::Stub> stub_;
};

}  // namespace

absl::Status CheckMapApproved(AuditorClient& auditor,
                              const std::string& map_name,
                              const std::string& map_hash) {
  v1::GetApprovalRequest req;
  req.set_map_hash(map_hash);
  req.set_map_name(map_name);
  BW_ASSIGN_OR_RETURN(v1::GetApprovalResponse got, auditor.GetApproval(req));
  if (got.approved()) return absl::OkStatus();
  const std::string short_hash = map_hash.substr(0, 12);
  const std::string how = absl::StrCat(
      "review it (bridgework check), then run `bridgework approve ", map_name,
      "`");
  if (got.name_known()) {
    const v1::MapApproval& last = got.latest_for_name();
    return absl::FailedPreconditionError(absl::StrCat(
        "map ", map_name, " changed since ", last.approved_by(),
        " approved it on ",
        absl::FormatTime(
            "%Y-%m-%d %H:%M UTC",
            absl::FromUnixSeconds(last.approved_at().unix_seconds()),
            absl::UTCTimeZone()),
        " (approved sha256 ", last.map_hash().substr(0, 12), ", now ",
        short_hash, "); no record moves under an unapproved map: ", how));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("map ", map_name, " (sha256 ", short_hash,
                   ") is not approved; no record moves under an unapproved "
                   "map: ",
                   how));
}

std::unique_ptr<AuditorClient> MakeGrpcAuditorClient(
    const std::string& target) {
  return std::make_unique<GrpcAuditorClient>(target);
}

v1::KeyRef MakeKeyRef(const std::string& source_object,
                      const std::string& source_key,
                      const std::string& target_object) {
  v1::KeyRef k;
  k.set_source_object(source_object);
  k.set_source_key(source_key);
  k.set_target_object(target_object);
  return k;
}

}  // namespace bridgework
