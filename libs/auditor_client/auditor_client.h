// How the transformer, loader and controller reach the auditor: a
// proto-typed interface with a gRPC implementation and an in-process one
// over any Ledger-like backend for tests.
//
// Errors: UNAVAILABLE when the auditor cannot be reached (retry later);
// otherwise the auditor's status.
// Thread safety: the gRPC implementation is thread-safe.
#ifndef BRIDGEWORK_LIBS_AUDITOR_CLIENT_AUDITOR_CLIENT_H_
#define BRIDGEWORK_LIBS_AUDITOR_CLIENT_AUDITOR_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bridgework/v1/auditor.grpc.pb.h"

namespace bridgework {

class AuditorClient {
 public:
  virtual ~AuditorClient() = default;
  virtual absl::StatusOr<v1::RunInfo> BeginRun(
      const v1::BeginRunRequest& r) = 0;
  virtual absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& r) = 0;
  virtual absl::StatusOr<v1::RunInfo> GetRun(const std::string& run_id) = 0;
  virtual absl::StatusOr<v1::ListRunsResponse> ListRuns(int limit) = 0;
  virtual absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) = 0;
  virtual absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) = 0;
  virtual absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) = 0;
  virtual absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) = 0;
  virtual absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) = 0;
  virtual absl::StatusOr<v1::Cursor> GetCursor(
      const v1::GetCursorRequest& r) = 0;
  virtual absl::Status SetCursor(const v1::Cursor& r) = 0;
  virtual absl::StatusOr<v1::MapApproval> ApproveMap(
      const v1::MapApproval& r) = 0;
  virtual absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest& r) = 0;
  // Calls `visit` for each operation; stops early if it returns false.
  virtual absl::Status ListOperations(
      const v1::ListOperationsRequest& r,
      const std::function<bool(const v1::Operation&)>& visit) = 0;
  virtual absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& r) = 0;
  // Calls `visit` for each id-map entry of the account (Auditor.ListMapped),
  // in key order; stops early if it returns false.
  virtual absl::Status ListMapped(
      const v1::ListMappedRequest& r,
      const std::function<bool(const v1::ResolvedKey&)>& visit) = 0;
};

// Talks to a bridgework-auditor at `target` ("host:port"). Each call has a
// 60 s deadline and waits for the channel to be ready up to that.
std::unique_ptr<AuditorClient> MakeGrpcAuditorClient(const std::string& target);

// OK when the map `map_hash` (its YAML text's SHA-256) is approved in the
// ledger. Otherwise FAILED_PRECONDITION saying whether the map was never
// approved or changed since it was (who approved which version, when), and
// how to approve it. `map_name` is the map's path, for the message and the
// "changed" check.
absl::Status CheckMapApproved(AuditorClient& auditor,
                              const std::string& map_name,
                              const std::string& map_hash);

// The ledger's name of a source record as the CRM object it became.
v1::KeyRef MakeKeyRef(const std::string& source_object,
                      const std::string& source_key,
                      const std::string& target_object);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_AUDITOR_CLIENT_AUDITOR_CLIENT_H_
