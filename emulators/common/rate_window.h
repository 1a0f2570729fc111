// A request budget per window, the throttling model of every CRM emulator:
// Freshsales "per account per hour", Pipedrive's 2 s burst window,
// HighLevel's rolling 10 s burst and its daily budget.
//
// Kinds:
//   kFixed    consecutive windows anchored at construction (or the last
//             Reset()): window k covers [start + k*length, start +
//             (k+1)*length).
//   kRolling  the cost admitted in the last `length` (a sliding log): a
//             request is admitted if the requests of the preceding window
//             plus it stay within the limit.
//   kEpoch    fixed windows aligned to the Unix epoch (a day resetting at
//             midnight UTC); Reset() only clears the count.
// The length is base_window / time_scale, so tests can run "an hour" in
// milliseconds. A request is admitted while the window's used cost stays
// within the limit; refused requests do not consume budget.
//
// For GET /__sandbox/stats the window also counts admitted and refused
// requests per window (Recent()): consecutive windows of its length since
// construction, epoch-aligned ones for kEpoch; the last kHistory of them.
//
// Thread safety: all methods may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_COMMON_RATE_WINDOW_H_
#define BRIDGEWORK_EMULATORS_COMMON_RATE_WINDOW_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace bridgework::emulator {

class RateWindow {
 public:
  using Clock = std::function<absl::Time()>;
  enum class Kind { kFixed, kRolling, kEpoch };

  // Requests in one window of the history.
  struct WindowCount {
    // Seconds from construction (or the last Reset) to the window's start
    // (negative for an epoch window that began before).
    double start_seconds = 0;
    int64_t start_unix_ms = 0;
    int64_t admitted = 0;
    int64_t refused = 0;
  };
  static constexpr size_t kHistory = 600;

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
             Clock clock = nullptr, Kind kind = Kind::kFixed);

  RateWindow(const RateWindow&) = delete;
  RateWindow& operator=(const RateWindow&) = delete;

  // Charges `cost` to the current window if it fits; otherwise refuses and
  // charges nothing.
  Decision Admit(int64_t cost = 1);
  // The current budget without charging anything.
  Decision Peek();
  Snapshot Snap();
  // Admitted and refused requests per window, oldest first.
  std::vector<WindowCount> Recent();

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
  // Counts a decision in the history.
  void CountLocked(absl::Time now, bool admitted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The start of the window containing `now` for kEpoch.
  absl::Time EpochStartLocked(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Decision DecisionLocked(absl::Time now, bool admitted)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration base_window_;
  const Clock clock_;
  const Kind kind_;
  absl::Mutex mu_;
  int64_t limit_ ABSL_GUARDED_BY(mu_);
  double time_scale_ ABSL_GUARDED_BY(mu_);
  absl::Time start_ ABSL_GUARDED_BY(mu_);
  int64_t used_ ABSL_GUARDED_BY(mu_) = 0;
  // kRolling: admissions within the last window, oldest first.
  std::deque<std::pair<absl::Time, int64_t>> log_ ABSL_GUARDED_BY(mu_);
  // The history's origin and windows (index from the origin).
  absl::Time origin_ ABSL_GUARDED_BY(mu_);
  std::deque<std::pair<int64_t, WindowCount>> history_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_RATE_WINDOW_H_
