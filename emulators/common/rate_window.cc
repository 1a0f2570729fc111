#include "emulators/common/rate_window.h"

#include <algorithm>
#include <cmath>

namespace bridgework::emulator {

RateWindow::RateWindow(int64_t limit, absl::Duration base_window,
                       double time_scale, Clock clock)
    : base_window_(base_window),
      clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })),
      limit_(std::max<int64_t>(0, limit)),
      time_scale_(time_scale > 0 ? time_scale : 1.0),
      start_(clock_()) {}

absl::Duration RateWindow::LengthLocked() const {
  absl::Duration length = base_window_ / time_scale_;
  return std::max(length, absl::Microseconds(1));
}

void RateWindow::RollLocked(absl::Time now) {
  absl::Duration length = LengthLocked();
  if (now < start_ + length) return;
  absl::Duration rem;  // Debian's absl needs a non-null remainder pointer.
  int64_t windows = absl::IDivDuration(now - start_, length, &rem);
  start_ += windows * length;
  used_ = 0;
}

RateWindow::Decision RateWindow::DecisionLocked(absl::Time now, bool admitted) {
  Decision d;
  d.admitted = admitted;
  d.limit = limit_;
  d.remaining = std::max<int64_t>(0, limit_ - used_);
  double left = absl::ToDoubleSeconds(start_ + LengthLocked() - now);
  d.retry_after_seconds =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(left)));
  return d;
}

RateWindow::Decision RateWindow::Admit(int64_t cost) {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_();
  RollLocked(now);
  bool admitted = used_ + cost <= limit_;
  if (admitted) used_ += cost;
  return DecisionLocked(now, admitted);
}

RateWindow::Decision RateWindow::Peek() {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_();
  RollLocked(now);
  return DecisionLocked(now, used_ < limit_);
}

RateWindow::Snapshot RateWindow::Snap() {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_();
  RollLocked(now);
  Snapshot s;
  s.limit = limit_;
  s.used = used_;
  s.resets_in_seconds = absl::ToDoubleSeconds(start_ + LengthLocked() - now);
  s.time_scale = time_scale_;
  return s;
}

void RateWindow::Configure(std::optional<int64_t> limit,
                           std::optional<double> time_scale) {
  absl::MutexLock lock(&mu_);
  if (limit && *limit >= 0) limit_ = *limit;
  if (time_scale && *time_scale > 0) time_scale_ = *time_scale;
}

void RateWindow::Reset() {
  absl::MutexLock lock(&mu_);
  start_ = clock_();
  used_ = 0;
}

}  // namespace bridgework::emulator
