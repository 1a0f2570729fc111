// A crm::RequestPacer leased from the budget authority: before each CRM
// request (retries included) it asks for the account's next slot, sleeps
// locally until then, and passes on what the CRM's last responses said
// (rate headers, 429s) so the authority corrects the pace for every
// replica. When a quota (a daily budget) is spent it logs once when the
// run will resume and sleeps until then, asking again; the run resumes by
// itself in the next window.
//
// Failure: when the authority cannot be reached it retries with backoff
// for `unreachable_for`, then Wait returns UNAVAILABLE and the request is
// not sent. Thread safety: thread-safe; every stream of a loader shares
// one pacer.
#ifndef BRIDGEWORK_LIBS_BUDGET_BUDGET_PACER_H_
#define BRIDGEWORK_LIBS_BUDGET_BUDGET_PACER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/budget/budget_client.h"
#include "libs/crm/retry.h"

namespace bridgework::budget {

struct BudgetPacerOptions {
  // The budget's key (see AcquireRequest.account) and this replica's name.
  std::string account;
  std::string replica;
  v1::BudgetModel model;
  // How long to keep trying an unreachable authority.
  absl::Duration unreachable_for = absl::Seconds(30);
  // Longest single sleep during a pause (the pacer asks again after it).
  absl::Duration max_pause_sleep = absl::Seconds(60);
};

class BudgetPacer : public crm::RequestPacer {
 public:
  using Clock = std::function<absl::Time()>;
  using Sleep = std::function<void(absl::Duration)>;

  // Defaults: absl::Now, absl::SleepFor.
  BudgetPacer(std::shared_ptr<BudgetClient> client, BudgetPacerOptions options,
              Clock clock = nullptr, Sleep sleep = nullptr);

  absl::Status Wait(const crm::RequestCost& cost) override;
  void Observe(const std::vector<v1::RateObservation>& seen) override;

  // Total time spent paused for a spent quota.
  absl::Duration paused() const;

 private:
  std::shared_ptr<BudgetClient> client_;
  const BudgetPacerOptions options_;
  const Clock clock_;
  const Sleep sleep_;
  mutable absl::Mutex mu_;
  std::vector<v1::RateObservation> pending_ ABSL_GUARDED_BY(mu_);
  // The pause last logged (one line per pause, not per request).
  int64_t logged_pause_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration paused_ ABSL_GUARDED_BY(mu_);
};

// The budget key of a destination: "<crm>:<location>" for HighLevel (its
// limits are per location), else "<crm>:<base url>" (the account the URL
// addresses). Never holds a token.
std::string BudgetAccountKey(const std::string& crm,
                             const std::string& base_url,
                             const std::string& location_id);

}  // namespace bridgework::budget

#endif  // BRIDGEWORK_LIBS_BUDGET_BUDGET_PACER_H_
