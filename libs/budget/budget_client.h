// Access to the budget authority (bridgework.v1.Budget): over gRPC (the
// auditor hosts it), in process (tests, a single-process bench), and a
// fault-injecting wrapper.
//
// Thread safety: implementations are thread-safe.
#ifndef BRIDGEWORK_LIBS_BUDGET_BUDGET_CLIENT_H_
#define BRIDGEWORK_LIBS_BUDGET_BUDGET_CLIENT_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "bridgework/v1/budget.pb.h"
#include "libs/budget/budget_authority.h"

namespace bridgework::budget {

class BudgetClient {
 public:
  virtual ~BudgetClient() = default;
  // UNAVAILABLE (or DEADLINE_EXCEEDED) when the authority cannot be
  // reached; nothing was granted then.
  virtual absl::StatusOr<v1::Grant> Acquire(const v1::AcquireRequest& r) = 0;
  virtual absl::StatusOr<v1::BudgetUsage> GetUsage(
      const std::string& account) = 0;
};

// gRPC client of `target` ("host:port"). Acquire waits up to 5 s for the
// authority to be reachable.
std::unique_ptr<BudgetClient> MakeGrpcBudgetClient(const std::string& target);

// Calls a BudgetAuthority directly. `authority` is borrowed and must
// outlive the client.
class LocalBudgetClient : public BudgetClient {
 public:
  explicit LocalBudgetClient(BudgetAuthority* authority)
      : authority_(authority) {}
  absl::StatusOr<v1::Grant> Acquire(const v1::AcquireRequest& r) override {
    return authority_->Acquire(r);
  }
  absl::StatusOr<v1::BudgetUsage> GetUsage(
      const std::string& account) override {
    return authority_->Usage(account);
  }

 private:
  BudgetAuthority* authority_;
};

// Fails every `every`-th Acquire with UNAVAILABLE (0: never) before
// reaching `inner`; counts the failures.
class FaultyBudgetClient : public BudgetClient {
 public:
  FaultyBudgetClient(std::shared_ptr<BudgetClient> inner, int every)
      : inner_(std::move(inner)), every_(every) {}
  absl::StatusOr<v1::Grant> Acquire(const v1::AcquireRequest& r) override;
  absl::StatusOr<v1::BudgetUsage> GetUsage(
      const std::string& account) override {
    return inner_->GetUsage(account);
  }
  int64_t failures() const { return failures_; }

 private:
  std::shared_ptr<BudgetClient> inner_;
  const int every_;
  std::atomic<int64_t> calls_{0};
  std::atomic<int64_t> failures_{0};
};

}  // namespace bridgework::budget

#endif  // BRIDGEWORK_LIBS_BUDGET_BUDGET_CLIENT_H_
