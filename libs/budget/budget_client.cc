#include "libs/budget/budget_client.h"

#include <chrono>

#include "bridgework/v1/budget.grpc.pb.h"
#include "libs/common/grpc_status.h"
#include "libs/common/server.h"

namespace bridgework::budget {
namespace {

class GrpcBudgetClient : public BudgetClient {
 public:
  explicit GrpcBudgetClient(const std::string& target)
      : stub_(v1::Budget::NewStub(MakeChannel(target))) {}

  absl::StatusOr<v1::Grant> Acquire(const v1::AcquireRequest& r) override {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::Grant grant;
    grpc::Status s = stub_->Acquire(&ctx, r, &grant);
    if (!s.ok()) return FromGrpcStatus(s);
    return grant;
  }

  absl::StatusOr<v1::BudgetUsage> GetUsage(
      const std::string& account) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::GetUsageRequest r;
    r.set_account(account);
    v1::BudgetUsage usage;
    grpc::Status s = stub_->GetUsage(&ctx, r, &usage);
    if (!s.ok()) return FromGrpcStatus(s);
    return usage;
  }

 private:
  std::unique_ptr<v1::Budget::Stub> stub_;
};

}  // namespace

std::unique_ptr<BudgetClient> MakeGrpcBudgetClient(const std::string& target) {
  return std::make_unique<GrpcBudgetClient>(target);
}

absl::StatusOr<v1::Grant> FaultyBudgetClient::Acquire(
    const v1::AcquireRequest& r) {
  int64_t n = ++calls_;
  if (every_ > 0 && n % every_ == 0) {
    ++failures_;
    return absl::UnavailableError("injected: budget authority unreachable");
  }
  return inner_->Acquire(r);
}

}  // namespace bridgework::budget
