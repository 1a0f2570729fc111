// Retry, backoff and pacing policies for CRM calls, kept apart from the
// connectors that use them (google-cloud-cpp's split). Clock and sleep are
// injected so tests assert schedules without waiting.
#ifndef BRIDGEWORK_LIBS_CRM_RETRY_H_
#define BRIDGEWORK_LIBS_CRM_RETRY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "bridgework/v1/budget.pb.h"

namespace bridgework::crm {

using Clock = std::function<std::chrono::steady_clock::time_point()>;
using Sleeper = std::function<void(std::chrono::milliseconds)>;

Clock SystemClock();
Sleeper SystemSleeper();

// How many attempts a call gets. Thread-compatible; clone per call.
class RetryPolicy {
 public:
  explicit RetryPolicy(int max_attempts) : max_attempts_(max_attempts) {}
  // True if another attempt is allowed after `attempts_made`.
  bool Allows(int attempts_made) const { return attempts_made < max_attempts_; }

 private:
  int max_attempts_;
};

// Exponential backoff with full jitter: the n-th delay is uniform in
// [0, min(cap, base * 2^n)]. A server's Retry-After, when given, is a floor.
class BackoffPolicy {
 public:
  BackoffPolicy(std::chrono::milliseconds base, std::chrono::milliseconds cap,
                uint64_t seed = std::random_device{}())
      : base_(base), cap_(cap), rng_(seed) {}
  std::chrono::milliseconds Delay(int attempt,
                                  std::chrono::milliseconds retry_after);

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  std::mt19937_64 rng_;
};

// What one CRM request costs against its account's budget.
struct RequestCost {
  // Tokens charged by limits counted in tokens (Pipedrive's x-token-cost).
  int64_t tokens = 1;
  // A search request (Pipedrive's search limit).
  bool search = false;
};

// Decides when each CRM request may go. RestTransport calls Wait before
// every attempt, retries included (they count against the budget), and
// Observe after every response. Implementations: Pacer (local, one
// process) and budget::BudgetPacer (leased from the budget authority and
// shared by every loader replica of the account).
// Thread safety: implementations must be thread-safe.
class RequestPacer {
 public:
  virtual ~RequestPacer() = default;
  // Blocks until the request may go. An error means do not send (the
  // budget authority cannot be reached); nothing was charged.
  virtual absl::Status Wait(const RequestCost& cost) = 0;
  // What the CRM said about its limits: X-RateLimit-* headers, a 429 (with
  // throttled set and the delay to observe in retry_after_ms).
  virtual void Observe(const std::vector<v1::RateObservation>& seen) = 0;
};

// Paces requests evenly (GCRA): at most `rate_per_second`, with a burst of
// `burst`. Thread-safe.
class Pacer : public RequestPacer {
 public:
  Pacer(double rate_per_second, int burst, Clock clock, Sleeper sleeper);
  // Blocks until the next request may go.
  void Acquire();
  // Pushes the next allowed time out by `delay` (a 429's Retry-After).
  void Defer(std::chrono::milliseconds delay);

  // RequestPacer: Wait is Acquire; a throttled observation defers by its
  // retry_after_ms; other observations are ignored (one process cannot
  // tell its own use from another client's).
  absl::Status Wait(const RequestCost& cost) override;
  void Observe(const std::vector<v1::RateObservation>& seen) override;

 private:
  absl::Mutex mu_;
  std::chrono::nanoseconds interval_;
  std::chrono::nanoseconds tolerance_;
  std::chrono::steady_clock::time_point tat_ ABSL_GUARDED_BY(mu_);
  Clock clock_;
  Sleeper sleeper_;
};

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_RETRY_H_
