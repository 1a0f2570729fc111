#include "services/auditor/budget_service.h"

#include "libs/common/grpc_status.h"

namespace bridgework::auditor {

grpc::ServerUnaryReactor* BudgetService::Acquire(grpc::CallbackServerContext* c,
                                                 const v1::AcquireRequest* r,
                                                 v1::Grant* out) {
  grpc::ServerUnaryReactor* reactor = c->DefaultReactor();
  absl::StatusOr<v1::Grant> grant = authority_->Acquire(*r);
  if (grant.ok()) *out = *std::move(grant);
  reactor->Finish(ToGrpcStatus(grant.status()));
  return reactor;
}

grpc::ServerUnaryReactor* BudgetService::GetUsage(
    grpc::CallbackServerContext* c, const v1::GetUsageRequest* r,
    v1::BudgetUsage* out) {
  grpc::ServerUnaryReactor* reactor = c->DefaultReactor();
  *out = authority_->Usage(r->account());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace bridgework::auditor
