// How many of a batch's records the loader writes between two ledger
// writes: a window's intents are recorded (synced) before its first write,
// its outcomes after its last. A window is as many records as the CRM took
// `interval` to write last time, in whole units (the records of one
// request: 100 for a bulk upsert, else 10 single writes) and at least one
// unit, so a crash leaves pending (ambiguous: written or not) only the
// records of the window in flight, about `interval` of work, whatever the
// batch size. Against a fast CRM (or the null destination) a window is the
// rest of the batch: one intent and one outcome write per batch.
//
// Thread safety: not thread-safe; one per loader stream (LoaderCore).
#ifndef BRIDGEWORK_SERVICES_LOADER_WRITE_WINDOW_H_
#define BRIDGEWORK_SERVICES_LOADER_WRITE_WINDOW_H_

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace bridgework::loader {

class WriteWindow {
 public:
  using Duration = std::chrono::steady_clock::duration;

  explicit WriteWindow(Duration interval = std::chrono::milliseconds(100))
      : interval_(interval) {}

  // The size of the next window of the `remaining` records (at least one
  // when any remain): one `unit` until a window was timed, then what the
  // last one says fits in `interval`, rounded up to whole units.
  size_t Next(size_t remaining, size_t unit) const {
    unit = std::max<size_t>(1, unit);
    if (fits_ >= remaining) return remaining;
    const size_t units = std::max<size_t>(1, (fits_ + unit - 1) / unit);
    return std::min(remaining, units * unit);
  }

  // Reports that a window of `records` took `elapsed` (its intents, writes
  // and outcomes). A window that took no measurable time says the CRM keeps
  // up with anything: the next window is the rest of the batch.
  void Done(size_t records, Duration elapsed) {
    if (records == 0) return;
    const double per_interval =
        elapsed <= Duration::zero()
            ? static_cast<double>(kMaxWindow)
            : static_cast<double>(records) *
                  static_cast<double>(interval_.count()) /
                  static_cast<double>(elapsed.count());
    fits_ = per_interval >= static_cast<double>(kMaxWindow)
                ? kMaxWindow
                : static_cast<size_t>(per_interval);
  }

 private:
  // Larger than any batch (run.batch_size is at most 1,000).
  static constexpr size_t kMaxWindow = size_t{1} << 30;
  Duration interval_;
  size_t fits_ = 0;  // records that fit in `interval`; 0 = not timed yet
};

}  // namespace bridgework::loader

#endif  // BRIDGEWORK_SERVICES_LOADER_WRITE_WINDOW_H_
