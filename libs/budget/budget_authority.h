// The budget authority: one request sequence per CRM account, shared by
// every loader replica that writes to it (docs/budget.md).
//
// Pace limits are a GCRA per limit with no burst: slot n+1 is at least
// window / (capacity x safety) after slot n, whichever replica asks, so in
// any window the account sees at most floor(capacity x safety) + 1
// requests. The interval stretches while the CRM's headers show another
// client using the account's budget (capacity - remaining exceeds what we
// were granted in the last window), and a 429 pushes the next slot out by
// its Retry-After (or the transport's jittered backoff) for every replica.
//
// Quota limits (a daily budget) are counted in fixed windows aligned to the
// Unix epoch on the wall clock, scaled by the model's time scale; when one
// is spent Acquire answers with a pause until the next window instead of a
// slot. The CRM's remaining count, when it reports one, raises our count
// (never lowers it).
//
// A granted slot is the replica's lease: it lapses at its time. A replica
// that dies therefore holds at most the slots it was granted and not yet
// used; the next replica to ask gets the following slot. Nothing needs
// releasing.
//
// Thread safety: thread-safe. The clock is injected (tests step it).
#ifndef BRIDGEWORK_LIBS_BUDGET_BUDGET_AUTHORITY_H_
#define BRIDGEWORK_LIBS_BUDGET_BUDGET_AUTHORITY_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bridgework/v1/budget.pb.h"

namespace bridgework::budget {

class BudgetAuthority {
 public:
  using Clock = std::function<absl::Time()>;

  // Default clock: absl::Now.
  explicit BudgetAuthority(Clock clock = nullptr);

  // INVALID_ARGUMENT for a request without an account or a model without
  // limits, or a limit with a non-positive capacity or window.
  absl::StatusOr<v1::Grant> Acquire(const v1::AcquireRequest& request);

  // Usage of `account`, or of every account when empty.
  v1::BudgetUsage Usage(const std::string& account);

 private:
  struct Pace {
    v1::BudgetLimit limit;
    absl::Duration window;  // scaled
    absl::Time tat = absl::InfinitePast();
    // Slots granted within the last window, oldest first.
    std::deque<absl::Time> granted;
    // Capacity other clients use, from the CRM's headers; until `until`.
    int64_t foreign = 0;
    absl::Time foreign_until = absl::InfinitePast();
  };
  struct Quota {
    v1::BudgetLimit limit;
    absl::Duration window;  // scaled
    int64_t index = -1;     // the epoch-aligned window counted
    int64_t used = 0;
  };
  struct Account {
    std::string model_bytes;
    double safety = 0.98;
    std::vector<Pace> pace;
    std::vector<Quota> quota;
    std::map<std::string, absl::Time> replicas;
    std::map<std::string, int64_t> granted_by_replica;
    int64_t granted = 0;
    int64_t throttled = 0;
    absl::Time paused_until = absl::InfinitePast();
    std::string pause_reason;
  };

  static absl::Status Check(const v1::BudgetModel& model);
  static void Reset(Account& a, const v1::BudgetModel& model,
                    const std::string& bytes);
  static absl::Duration Interval(const Pace& p, double safety);
  static void Roll(Quota& q, absl::Time now);
  static void Apply(Account& a, const v1::RateObservation& o, absl::Time now);
  // Slots of `p` granted in (now - window, now].
  static int64_t GrantedWithin(const Pace& p, absl::Time now);
  static v1::AccountUsage UsageOf(const std::string& name, Account& a,
                                  absl::Time now);

  const Clock clock_;
  absl::Mutex mu_;
  std::map<std::string, Account> accounts_ ABSL_GUARDED_BY(mu_);
};

// Unix milliseconds of `t`.
int64_t UnixMillis(absl::Time t);

}  // namespace bridgework::budget

#endif  // BRIDGEWORK_LIBS_BUDGET_BUDGET_AUTHORITY_H_
