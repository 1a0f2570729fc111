// bridgework.v1.Budget over a budget::BudgetAuthority: the one rate budget
// per CRM account that every loader replica leases its request slots from
// (docs/budget.md). A thin adapter: the authority answers from memory
// under a mutex, so the callbacks run inline.
//
// State lives in memory only: after an auditor restart the authority
// starts afresh, which is safe (slots already granted lapse within one
// interval; the CRM's own headers correct a daily count on the first
// responses).
// Thread safety: gRPC may call every method concurrently.
#ifndef BRIDGEWORK_SERVICES_AUDITOR_BUDGET_SERVICE_H_
#define BRIDGEWORK_SERVICES_AUDITOR_BUDGET_SERVICE_H_

#include "bridgework/v1/budget.grpc.pb.h"
#include "libs/budget/budget_authority.h"

namespace bridgework::auditor {

class BudgetService final : public v1::Budget::CallbackService {
 public:
  // `authority` is borrowed and must outlive the service.
  explicit BudgetService(budget::BudgetAuthority* authority)
      : authority_(authority) {}

  grpc::ServerUnaryReactor* Acquire(grpc::CallbackServerContext* c,
                                    const v1::AcquireRequest* r,
                                    v1::Grant* out) override;
  grpc::ServerUnaryReactor* GetUsage(grpc::CallbackServerContext* c,
                                     const v1::GetUsageRequest* r,
                                     v1::BudgetUsage* out) override;

 private:
  budget::BudgetAuthority* authority_;
};

}  // namespace bridgework::auditor

#endif  // BRIDGEWORK_SERVICES_AUDITOR_BUDGET_SERVICE_H_
