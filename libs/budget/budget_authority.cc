#include "libs/budget/budget_authority.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"

namespace bridgework::budget {
namespace {

// How long a replica counts as present after its last Acquire.
constexpr absl::Duration kReplicaPresence = absl::Seconds(5);

bool Applies(const v1::BudgetLimit& l, bool search) {
  return !l.search_only() || search;
}

}  // namespace

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

BudgetAuthority::BudgetAuthority(Clock clock)
    : clock_(clock ? std::move(clock) : [] { return absl::Now(); }) {}

absl::Status BudgetAuthority::Check(const v1::BudgetModel& model) {
  if (model.limits_size() == 0) {
    return absl::InvalidArgumentError("the budget model has no limits");
  }
  for (const v1::BudgetLimit& l : model.limits()) {
    if (l.capacity() <= 0 || l.window_ms() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("budget limit '", l.name(),
                       "': capacity and window must be positive"));
    }
    if (l.kind() != v1::BudgetLimit::KIND_PACE &&
        l.kind() != v1::BudgetLimit::KIND_QUOTA) {
      return absl::InvalidArgumentError(
          absl::StrCat("budget limit '", l.name(), "': no kind"));
    }
  }
  if (model.time_scale() < 0 || model.safety() < 0 || model.safety() > 1) {
    return absl::InvalidArgumentError(
        "budget model: time scale must be positive, safety in (0, 1]");
  }
  return absl::OkStatus();
}

void BudgetAuthority::Reset(Account& a, const v1::BudgetModel& model,
                            const std::string& bytes) {
  a.model_bytes = bytes;
  a.safety = model.safety() > 0 ? model.safety() : 0.98;
  double scale = model.time_scale() > 0 ? model.time_scale() : 1;
  a.pace.clear();
  a.quota.clear();
  for (const v1::BudgetLimit& l : model.limits()) {
    absl::Duration window = absl::Milliseconds(l.window_ms()) / scale;
    if (l.kind() == v1::BudgetLimit::KIND_PACE) {
      a.pace.push_back(Pace{l, window});
    } else {
      a.quota.push_back(Quota{l, window});
    }
  }
}

absl::Duration BudgetAuthority::Interval(const Pace& p, double safety) {
  int64_t effective = std::max<int64_t>(1, p.limit.capacity() - p.foreign);
  return p.window / (static_cast<double>(effective) * safety);
}

void BudgetAuthority::Roll(Quota& q, absl::Time now) {
  absl::Duration rem;
  int64_t index = absl::IDivDuration(now - absl::UnixEpoch(), q.window, &rem);
  if (index != q.index) {
    q.index = index;
    q.used = 0;
  }
}

int64_t BudgetAuthority::GrantedWithin(const Pace& p, absl::Time now) {
  // Slots are handed out in order (each at or after the last one's tat), so
  // `granted` is sorted: two binary searches instead of a walk over every
  // grant of the window, which made each Acquire linear in the requests of
  // the last hour.
  auto begin =
      std::upper_bound(p.granted.begin(), p.granted.end(), now - p.window);
  auto end = std::upper_bound(begin, p.granted.end(), now);
  return end - begin;
}

void BudgetAuthority::Apply(Account& a, const v1::RateObservation& o,
                            absl::Time now) {
  if (o.throttled()) ++a.throttled;
  for (Pace& p : a.pace) {
    if (!o.limit().empty() && o.limit() != p.limit.name()) continue;
    if (o.limit().empty() && p.limit.search_only()) continue;
    if (p.foreign_until <= now) p.foreign = 0;
    if (o.throttled()) {
      absl::Duration wait = o.retry_after_ms() > 0
                                ? absl::Milliseconds(o.retry_after_ms())
                                : Interval(p, a.safety);
      p.tat = std::max(p.tat, now + wait);
      continue;
    }
    if (o.remaining() < 0) continue;
    int64_t capacity = o.capacity() >= 0 ? o.capacity() : p.limit.capacity();
    const int64_t ours = GrantedWithin(p, now);
    // Two requests of slack: the CRM's window and ours end a response's
    // flight time apart.
    int64_t foreign = capacity - o.remaining() - ours - 2;
    if (foreign > 0) {
      p.foreign = std::max(p.foreign, foreign);
      p.foreign_until = now + p.window;
    }
  }
  for (Quota& q : a.quota) {
    if (o.limit() != q.limit.name()) continue;
    Roll(q, now);
    if (o.throttled()) {
      q.used = q.limit.capacity();
    } else if (o.remaining() >= 0) {
      int64_t capacity = o.capacity() >= 0 ? o.capacity() : q.limit.capacity();
      q.used = std::max(q.used, capacity - o.remaining());
    }
  }
}

absl::StatusOr<v1::Grant> BudgetAuthority::Acquire(
    const v1::AcquireRequest& request) {
  if (request.account().empty()) {
    return absl::InvalidArgumentError("Acquire needs an account");
  }
  BW_RETURN_IF_ERROR(Check(request.model()));
  std::string bytes;
  request.model().SerializeToString(&bytes);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  Account& a = accounts_[request.account()];
  if (a.model_bytes != bytes) Reset(a, request.model(), bytes);
  a.replicas[request.replica()] = now;
  for (const v1::RateObservation& o : request.observations()) Apply(a, o, now);

  const int64_t cost = std::max<int64_t>(1, request.cost());
  v1::Grant grant;
  for (Quota& q : a.quota) {
    if (!Applies(q.limit, request.search())) continue;
    Roll(q, now);
    int64_t charge = q.limit.in_tokens() ? cost : 1;
    if (q.used + charge <= q.limit.capacity()) continue;
    absl::Time end = absl::UnixEpoch() + (q.index + 1) * q.window;
    grant.set_granted(false);
    grant.set_paused_until_unix_ms(UnixMillis(end));
    grant.set_reason(absl::StrCat(
        q.limit.name(), " budget of ", q.limit.capacity(),
        q.limit.in_tokens() ? " tokens" : " requests", " spent; resuming at ",
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", end, absl::UTCTimeZone())));
    a.paused_until = end;
    a.pause_reason = grant.reason();
    return grant;
  }
  absl::Time slot = now;
  for (Pace& p : a.pace) {
    if (!Applies(p.limit, request.search())) continue;
    if (p.foreign_until <= now) p.foreign = 0;
    slot = std::max(slot, p.tat);
  }
  for (Pace& p : a.pace) {
    if (!Applies(p.limit, request.search())) continue;
    p.tat = slot + Interval(p, a.safety);
    p.granted.push_back(slot);
    while (!p.granted.empty() && p.granted.front() <= now - p.window) {
      p.granted.pop_front();
    }
  }
  for (Quota& q : a.quota) {
    if (Applies(q.limit, request.search())) {
      q.used += q.limit.in_tokens() ? cost : 1;
    }
  }
  ++a.granted;
  ++a.granted_by_replica[request.replica()];
  grant.set_granted(true);
  grant.set_wait_us(absl::ToInt64Microseconds(slot - now));
  return grant;
}

v1::AccountUsage BudgetAuthority::UsageOf(const std::string& name, Account& a,
                                          absl::Time now) {
  v1::AccountUsage u;
  u.set_account(name);
  for (Pace& p : a.pace) {
    if (p.foreign_until <= now) p.foreign = 0;
    v1::LimitUsage* l = u.add_limits();
    l->set_name(p.limit.name());
    l->set_capacity(p.limit.capacity());
    l->set_window_ms(absl::ToInt64Milliseconds(p.window));
    l->set_used(GrantedWithin(p, now));
    l->set_effective_capacity(
        std::max<int64_t>(1, p.limit.capacity() - p.foreign));
  }
  for (Quota& q : a.quota) {
    Roll(q, now);
    v1::LimitUsage* l = u.add_limits();
    l->set_name(q.limit.name());
    l->set_capacity(q.limit.capacity());
    l->set_window_ms(absl::ToInt64Milliseconds(q.window));
    l->set_used(q.used);
    l->set_effective_capacity(q.limit.capacity());
  }
  for (auto it = a.replicas.begin(); it != a.replicas.end();) {
    if (it->second + kReplicaPresence < now) {
      it = a.replicas.erase(it);
    } else {
      u.add_replicas(it->first);
      ++it;
    }
  }
  for (const auto& [replica, n] : a.granted_by_replica) {
    v1::ReplicaUsage* r = u.add_replica_usage();
    r->set_replica(replica);
    r->set_granted(n);
  }
  u.set_granted(a.granted);
  u.set_throttled_observed(a.throttled);
  if (a.paused_until > now) {
    u.set_paused_until_unix_ms(UnixMillis(a.paused_until));
    u.set_pause_reason(a.pause_reason);
  }
  return u;
}

v1::BudgetUsage BudgetAuthority::Usage(const std::string& account) {
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  v1::BudgetUsage out;
  for (auto& [name, a] : accounts_) {
    if (!account.empty() && name != account) continue;
    *out.add_accounts() = UsageOf(name, a, now);
  }
  return out;
}

}  // namespace bridgework::budget
