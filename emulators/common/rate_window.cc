#include "emulators/common/rate_window.h"

#include <algorithm>
#include <cmath>

namespace bridgework::emulator {

RateWindow::RateWindow(int64_t limit, absl::Duration base_window,
                       double time_scale, Clock clock, Kind kind)
    : base_window_(base_window),
      clock_(clock ? std::move(clock) : Clock([] { return absl::Now(); })),
      kind_(kind),
      limit_(std::max<int64_t>(0, limit)),
      time_scale_(time_scale > 0 ? time_scale : 1.0),
      start_(clock_()),
      origin_(start_) {
  absl::MutexLock lock(&mu_);
  if (kind_ == Kind::kEpoch) start_ = EpochStartLocked(start_);
}

absl::Time RateWindow::EpochStartLocked(absl::Time now) const {
  absl::Duration rem;
  int64_t index =
      absl::IDivDuration(now - absl::UnixEpoch(), LengthLocked(), &rem);
  return absl::UnixEpoch() + index * LengthLocked();
}

void RateWindow::CountLocked(absl::Time now, bool admitted) {
  // History windows follow the budget's own: epoch-aligned for kEpoch,
  // from the origin otherwise.
  const absl::Time base = kind_ == Kind::kEpoch ? absl::UnixEpoch() : origin_;
  absl::Duration rem;
  int64_t index = absl::IDivDuration(now - base, LengthLocked(), &rem);
  if (history_.empty() || history_.back().first != index) {
    WindowCount c;
    absl::Time start = base + index * LengthLocked();
    c.start_seconds = absl::ToDoubleSeconds(start - origin_);
    c.start_unix_ms = absl::ToUnixMillis(start);
    history_.emplace_back(index, c);
    while (history_.size() > kHistory) history_.pop_front();
  }
  WindowCount& c = history_.back().second;
  (admitted ? c.admitted : c.refused) += 1;
}

std::vector<RateWindow::WindowCount> RateWindow::Recent() {
  absl::MutexLock lock(&mu_);
  std::vector<WindowCount> out;
  for (const auto& [index, c] : history_) out.push_back(c);
  return out;
}

absl::Duration RateWindow::LengthLocked() const {
  absl::Duration length = base_window_ / time_scale_;
  return std::max(length, absl::Microseconds(1));
}

void RateWindow::RollLocked(absl::Time now) {
  absl::Duration length = LengthLocked();
  if (kind_ == Kind::kRolling) {
    while (!log_.empty() && log_.front().first <= now - length) {
      used_ -= log_.front().second;
      log_.pop_front();
    }
    return;
  }
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
  // Rolling: until the oldest admission leaves the window.
  absl::Time reset =
      kind_ == Kind::kRolling
          ? (log_.empty() ? now : log_.front().first) + LengthLocked()
          : start_ + LengthLocked();
  double left = absl::ToDoubleSeconds(reset - now);
  d.retry_after_seconds =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(left)));
  return d;
}

RateWindow::Decision RateWindow::Admit(int64_t cost) {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_();
  RollLocked(now);
  bool admitted = used_ + cost <= limit_;
  if (admitted) {
    used_ += cost;
    if (kind_ == Kind::kRolling) log_.emplace_back(now, cost);
  }
  CountLocked(now, admitted);
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
  s.resets_in_seconds = absl::ToDoubleSeconds(
      (kind_ == Kind::kRolling ? (log_.empty() ? now : log_.front().first)
                               : start_) +
      LengthLocked() - now);
  s.time_scale = time_scale_;
  return s;
}

void RateWindow::Configure(std::optional<int64_t> limit,
                           std::optional<double> time_scale) {
  absl::MutexLock lock(&mu_);
  if (limit && *limit >= 0) limit_ = *limit;
  if (time_scale && *time_scale > 0 && *time_scale != time_scale_) {
    time_scale_ = *time_scale;
    // The windows moved: a fresh history, epoch windows re-aligned.
    origin_ = clock_();
    history_.clear();
    if (kind_ == Kind::kEpoch) start_ = EpochStartLocked(origin_);
  }
}

void RateWindow::Reset() {
  absl::MutexLock lock(&mu_);
  start_ = clock_();
  origin_ = start_;
  if (kind_ == Kind::kEpoch) start_ = EpochStartLocked(start_);
  used_ = 0;
  log_.clear();
  history_.clear();
}

}  // namespace bridgework::emulator
