#include "libs/crm/retry.h"

#include <algorithm>
#include <thread>

namespace bridgework::crm {

Clock SystemClock() {
  return [] { return std::chrono::steady_clock::now(); };
}

Sleeper SystemSleeper() {
  return [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::milliseconds BackoffPolicy::Delay(
    int attempt, std::chrono::milliseconds retry_after) {
  int64_t ceiling = base_.count() << std::min(attempt, 20);
  ceiling = std::min<int64_t>(ceiling, cap_.count());
  std::uniform_int_distribution<int64_t> dist(0, std::max<int64_t>(ceiling, 0));
  return std::max(std::chrono::milliseconds(dist(rng_)), retry_after);
}

Pacer::Pacer(double rate_per_second, int burst, Clock clock, Sleeper sleeper)
    : interval_(std::chrono::nanoseconds(
          static_cast<int64_t>(1e9 / std::max(rate_per_second, 1e-6)))),
      tolerance_(interval_ * std::max(burst - 1, 0)),
      tat_(clock()),
      clock_(std::move(clock)),
      sleeper_(std::move(sleeper)) {}

void Pacer::Acquire() {
  std::chrono::steady_clock::time_point now;
  std::chrono::nanoseconds wait{0};
  {
    absl::MutexLock lock(&mu_);
    now = clock_();
    auto tat = std::max(tat_, now);
    auto allowed_at = tat - tolerance_;
    if (allowed_at > now) wait = allowed_at - now;
    tat_ = tat + interval_;
  }
  if (wait.count() > 0) {
    sleeper_(std::chrono::ceil<std::chrono::milliseconds>(wait));
  }
}

void Pacer::Defer(std::chrono::milliseconds delay) {
  absl::MutexLock lock(&mu_);
  auto until = clock_() + delay + tolerance_;
  tat_ = std::max(tat_, until);
}

absl::Status Pacer::Wait(const RequestCost&) {
  Acquire();
  return absl::OkStatus();
}

void Pacer::Observe(const std::vector<v1::RateObservation>& seen) {
  for (const v1::RateObservation& o : seen) {
    if (o.throttled()) Defer(std::chrono::milliseconds(o.retry_after_ms()));
  }
}

}  // namespace bridgework::crm
