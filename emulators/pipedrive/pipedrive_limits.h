// Pipedrive's rate limits as the emulator enforces them
// (destination-apis.md §2.6):
//   - a burst limit per token over a rolling 2-second window, by plan (API
//     token:
//     lite 20, growth 40, premium 100, ultimate 120; OAuth apps 4x that);
//   - the search endpoints' own burst limit, 10 requests per rolling 2 s on
//     every plan, per token;
//   - a daily token budget per company, 30,000 x plan multiplier (lite 1,
//     growth 2, premium 5, ultimate 7) x seats, charged per operation by its
//     x-token-cost; it resets at midnight UTC;
//   - the informational x-daily-requests-left header of API-token auth:
//     what is left of the legacy 10,000 POST/PUT/PATCH calls per token per
//     UTC day (reported, never enforced).
// The daily windows are fixed and aligned to the Unix epoch, so the day
// starts at midnight UTC; every window lasts base / time_scale.
//
// Thread safety: all methods may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_LIMITS_H_
#define BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_LIMITS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "emulators/common/rate_window.h"
#include "emulators/pipedrive/pipedrive_operations.h"

namespace bridgework::emulator::pipedrive {

struct PlanLimits {
  int64_t api_token_burst = 0;  // requests per 2 s
  int64_t oauth_burst = 0;      // requests per 2 s
  int64_t budget_multiplier = 0;
};

// lite, growth, premium, ultimate (and the 2025 names essential, advanced,
// professional, enterprise). InvalidArgument for anything else.
absl::StatusOr<PlanLimits> PipedrivePlanLimits(const std::string& plan);

inline constexpr int64_t kBaseDailyTokens = 30000;
inline constexpr int64_t kSearchBurst = 10;
inline constexpr int64_t kLegacyDailyWrites = 10000;

// A budget over fixed windows aligned to the Unix epoch (one window =
// 86400 s / time_scale: a UTC day at scale 1). Charges that do not fit are
// refused and charge nothing.
class EpochWindow {
 public:
  using Clock = std::function<absl::Time()>;
  struct Decision {
    bool admitted = false;
    int64_t limit = 0;
    int64_t remaining = 0;
    double resets_in_seconds = 0;
  };

  // REQUIRES: limit >= 0, time_scale > 0, base > 0; clock non-null.
  EpochWindow(int64_t limit, absl::Duration base, double time_scale,
              Clock clock);
  Decision Charge(int64_t cost);
  Decision Peek();
  // Ignores negative limits and non-positive scales.
  void Configure(std::optional<int64_t> limit,
                 std::optional<double> time_scale);
  // Forgets the current window's usage.
  void Reset();

 private:
  Decision DecideLocked(bool admitted) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RollLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration base_;
  const Clock clock_;
  absl::Mutex mu_;
  int64_t limit_ ABSL_GUARDED_BY(mu_);
  double time_scale_ ABSL_GUARDED_BY(mu_);
  int64_t window_index_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t used_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

struct LimitConfig {
  std::string plan = "growth";
  // REQUIRES: >= 1.
  int64_t seats = 1;
  // Replaces the plan's burst limit (API token and OAuth alike).
  std::optional<int64_t> burst_limit;
  int64_t search_burst_limit = kSearchBurst;
  // Replaces 30,000 x multiplier x seats.
  std::optional<int64_t> daily_budget;
  // REQUIRES: > 0.
  double time_scale = 1.0;
};

class RateLimiter {
 public:
  using Clock = std::function<absl::Time()>;

  struct Verdict {
    bool admitted = true;
    // Why the request was refused: names the limit. Empty if admitted.
    std::string refusal;
    // "burst", "search" or "daily" when refused.
    std::string limit_kind;
    // x-ratelimit-* (and x-daily-requests-left) to send with the response.
    std::vector<std::pair<std::string, std::string>> headers;
  };

  // InvalidArgument for an unknown plan or bad numbers.
  static absl::StatusOr<std::unique_ptr<RateLimiter>> Create(LimitConfig config,
                                                             Clock clock);

  // Admits one request of `op` made with `token` (oauth: a Bearer token),
  // charging the burst windows and the daily budget.
  Verdict Admit(const std::string& token, bool oauth, const Operation& op);
  // {"plan","seats","burst_limit","oauth_burst_limit","search_burst_limit",
  //  "daily_budget","time_scale","tokens_used","tokens_used_today",
  //  "daily_resets_in_seconds"}.
  nlohmann::json ToJson();
  // Applies the keys of `body` that are present: plan, seats, burst_limit
  // (null: back to the plan's), search_burst_limit, daily_budget (null:
  // back to the formula), time_scale, reset_windows (bool). All or nothing.
  absl::Status Configure(const nlohmann::json& body);
  // Fresh windows and budget; tokens_used back to 0.
  void Reset();

 private:
  struct TokenWindows {
    std::unique_ptr<RateWindow> burst;
    std::unique_ptr<RateWindow> search;
    std::unique_ptr<EpochWindow> writes;
  };

  RateLimiter(LimitConfig config, PlanLimits plan, Clock clock);
  int64_t BurstLocked(bool oauth) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t DailyLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  TokenWindows& WindowsLocked(const std::string& token, bool oauth)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock clock_;
  absl::Mutex mu_;
  LimitConfig config_ ABSL_GUARDED_BY(mu_);
  PlanLimits plan_ ABSL_GUARDED_BY(mu_);
  EpochWindow daily_;  // thread-safe
  int64_t tokens_used_ ABSL_GUARDED_BY(mu_) = 0;
  // Keyed by "api:" or "oauth:" + token.
  std::map<std::string, TokenWindows> windows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::emulator::pipedrive

#endif  // BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_LIMITS_H_
