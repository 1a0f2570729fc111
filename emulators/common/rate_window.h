// A fixed-window request budget, the throttling model of Freshsales ("per
// account per hour") and a building block for the other CRM emulators
// (Pipedrive's 2 s burst window, HighLevel's 10 s burst and daily budget).
//
// Windows are consecutive and anchored at construction (or the last
// Reset()): window k covers [start + k*length, start + (k+1)*length). The
// length is base_window / time_scale, so tests can run "an hour" in
// milliseconds. A request is admitted while the window's used cost stays
// within the limit; refused requests do not consume budget.
//
// Thread safety: all methods may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_COMMON_RATE_WINDOW_H_
#define BRIDGEWORK_EMULATORS_COMMON_RATE_WINDOW_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace bridgework::emulator {

class RateWindow {
 public:
  using Clock = std::function<absl::Time()>;

  struct Decision {
    bool admitted = false;
    int64_t limit = 0;
    // Budget left in the current window after this request.
    int64_t remaining = 0;
    // Whole seconds (at least 1) until the window resets; meaningful when
    // the request was refused (the value for a Retry-After header).
    int64_t retry_after_seconds = 0;
  };

  struct Snapshot {
    int64_t limit = 0;
    int64_t used = 0;
    double resets_in_seconds = 0;
    double time_scale = 1;
  };

  // REQUIRES: limit >= 0, time_scale > 0, base_window > 0.
  // Default clock: absl::Now.
  RateWindow(int64_t limit, absl::Duration base_window, double time_scale,
             Clock clock = nullptr);

  RateWindow(const RateWindow&) = delete;
  RateWindow& operator=(const RateWindow&) = delete;

  // Charges `cost` to the current window if it fits; otherwise refuses and
  // charges nothing.
  Decision Admit(int64_t cost = 1);
  // The current budget without charging anything.
  Decision Peek();
  Snapshot Snap();

  // Changes the limit and/or the time scale; the current window keeps its
  // start and its used budget. Ignores non-positive time scales and
  // negative limits.
  void Configure(std::optional<int64_t> limit,
                 std::optional<double> time_scale);
  // Starts a fresh window now.
  void Reset();

 private:
  absl::Duration LengthLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves start_ forward to the window containing `now`.
  void RollLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Decision DecisionLocked(absl::Time now, bool admitted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration base_window_;
  const Clock clock_;
  absl::Mutex mu_;
  int64_t limit_ ABSL_GUARDED_BY(mu_);
  double time_scale_ ABSL_GUARDED_BY(mu_);
  absl::Time start_ ABSL_GUARDED_BY(mu_);
  int64_t used_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_RATE_WINDOW_H_
