#include "emulators/pipedrive/pipedrive_limits.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "emulators/common/json_store.h"
#include "emulators/common/request_stats.h"

namespace bridgework::emulator::pipedrive {
namespace {

using Json = nlohmann::json;

constexpr absl::Duration kBurstWindow = absl::Seconds(2);
constexpr absl::Duration kDay = absl::Hours(24);

bool IsWrite(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

int64_t Seconds(double s) {
  return std::max<int64_t>(0, static_cast<int64_t>(std::ceil(s)));
}

}  // namespace

absl::StatusOr<PlanLimits> PipedrivePlanLimits(const std::string& plan) {
  if (plan == "lite" || plan == "essential") return PlanLimits{20, 80, 1};
  if (plan == "growth" || plan == "advanced") return PlanLimits{40, 160, 2};
  if (plan == "premium" || plan == "professional") {
    return PlanLimits{100, 400, 5};
  }
  if (plan == "ultimate" || plan == "enterprise") {
    return PlanLimits{120, 480, 7};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown Pipedrive plan '", plan, "' (lite, growth, premium, ultimate)"));
}

EpochWindow::EpochWindow(int64_t limit, absl::Duration base, double time_scale,
                         Clock clock)
    : base_(base),
      clock_(std::move(clock)),
      limit_(std::max<int64_t>(0, limit)),
      time_scale_(time_scale > 0 ? time_scale : 1.0) {}

void EpochWindow::RollLocked() {
  now_ = clock_();
  absl::Duration length = std::max(base_ / time_scale_, absl::Microseconds(1));
  absl::Duration rem;
  int64_t index = absl::IDivDuration(now_ - absl::UnixEpoch(), length, &rem);
  if (index != window_index_) {
    window_index_ = index;
    used_ = 0;
  }
}

EpochWindow::Decision EpochWindow::DecideLocked(bool admitted) {
  absl::Duration length = std::max(base_ / time_scale_, absl::Microseconds(1));
  absl::Time end = absl::UnixEpoch() + (window_index_ + 1) * length;
  return {admitted, limit_, std::max<int64_t>(0, limit_ - used_),
          absl::ToDoubleSeconds(end - now_)};
}

EpochWindow::Decision EpochWindow::Charge(int64_t cost) {
  absl::MutexLock lock(&mu_);
  RollLocked();
  bool admitted = used_ + cost <= limit_;
  if (admitted) used_ += cost;
  return DecideLocked(admitted);
}

EpochWindow::Decision EpochWindow::Peek() {
  absl::MutexLock lock(&mu_);
  RollLocked();
  return DecideLocked(used_ < limit_);
}

void EpochWindow::Configure(std::optional<int64_t> limit,
                            std::optional<double> time_scale) {
  absl::MutexLock lock(&mu_);
  if (limit && *limit >= 0) limit_ = *limit;
  if (time_scale && *time_scale > 0) {
    time_scale_ = *time_scale;
    window_index_ = -1;  // the windows moved: start afresh
  }
}

void EpochWindow::Reset() {
  absl::MutexLock lock(&mu_);
  used_ = 0;
  window_index_ = -1;
}

absl::StatusOr<std::unique_ptr<RateLimiter>> RateLimiter::Create(
    LimitConfig config, Clock clock) {
  absl::StatusOr<PlanLimits> plan = PipedrivePlanLimits(config.plan);
  if (!plan.ok()) return plan.status();
  if (config.seats < 1) {
    return absl::InvalidArgumentError("seats must be at least 1");
  }
  if (!(config.time_scale > 0)) {
    return absl::InvalidArgumentError("the time scale must be positive");
  }
  if ((config.burst_limit && *config.burst_limit < 0) ||
      (config.daily_budget && *config.daily_budget < 0) ||
      config.search_burst_limit < 0) {
    return absl::InvalidArgumentError("limits must not be negative");
  }
  if (!clock) clock = [] { return absl::Now(); };
  return std::unique_ptr<RateLimiter>(
      new RateLimiter(std::move(config), *plan, std::move(clock)));
}

RateLimiter::RateLimiter(LimitConfig config, PlanLimits plan, Clock clock)
    : clock_(std::move(clock)),
      config_(std::move(config)),
      plan_(plan),
      daily_(0, kDay, 1.0, clock_) {
  absl::MutexLock lock(&mu_);
  ApplyLocked();
}

int64_t RateLimiter::BurstLocked(bool oauth) const {
  if (config_.burst_limit) return *config_.burst_limit;
  return oauth ? plan_.oauth_burst : plan_.api_token_burst;
}

int64_t RateLimiter::DailyLocked() const {
  if (config_.daily_budget) return *config_.daily_budget;
  return kBaseDailyTokens * plan_.budget_multiplier * config_.seats;
}

void RateLimiter::ApplyLocked() {
  daily_.Configure(DailyLocked(), config_.time_scale);
  for (auto& [key, w] : windows_) {
    bool oauth = key.rfind("oauth:", 0) == 0;
    w.burst->Configure(BurstLocked(oauth), config_.time_scale);
    w.search->Configure(config_.search_burst_limit, config_.time_scale);
    w.writes->Configure(std::nullopt, config_.time_scale);
  }
}

RateLimiter::TokenWindows& RateLimiter::WindowsLocked(const std::string& token,
                                                      bool oauth) {
  std::string key = absl::StrCat(oauth ? "oauth:" : "api:", token);
  auto it = windows_.find(key);
  if (it != windows_.end()) return it->second;
  TokenWindows w;
  // Pipedrive's burst windows roll (docs/connectors/pipedrive.md).
  w.burst = std::make_unique<RateWindow>(BurstLocked(oauth), kBurstWindow,
                                         config_.time_scale, clock_,
                                         RateWindow::Kind::kRolling);
  w.search = std::make_unique<RateWindow>(config_.search_burst_limit,
                                          kBurstWindow, config_.time_scale,
                                          clock_, RateWindow::Kind::kRolling);
  w.writes = std::make_unique<EpochWindow>(kLegacyDailyWrites, kDay,
                                           config_.time_scale, clock_);
  return windows_.emplace(key, std::move(w)).first->second;
}

RateLimiter::Verdict RateLimiter::Admit(const std::string& token, bool oauth,
                                        const Operation& op) {
  absl::MutexLock lock(&mu_);
  TokenWindows& w = WindowsLocked(token, oauth);
  Verdict v;
  RateWindow::Decision burst = w.burst->Admit();
  RateWindow::Decision shown = burst;
  if (!burst.admitted) {
    v.admitted = false;
    v.limit_kind = "burst";
    v.refusal =
        absl::StrCat("Request over limit: the burst limit of ", burst.limit,
                     " requests per 2 seconds for this ",
                     oauth ? "OAuth token" : "API token", " was exceeded");
  } else if (op.search) {
    shown = w.search->Admit();
    if (!shown.admitted) {
      v.admitted = false;
      v.limit_kind = "search";
      v.refusal =
          absl::StrCat("Request over limit: the search limit of ", shown.limit,
                       " requests per 2 seconds was exceeded");
    }
  }
  if (v.admitted) {
    EpochWindow::Decision day = daily_.Charge(op.token_cost);
    if (day.admitted) {
      tokens_used_ += op.token_cost;
    } else {
      v.admitted = false;
      v.limit_kind = "daily";
      v.refusal = absl::StrCat(
          "Request over limit: the company's daily API token budget of ",
          day.limit, " tokens is used up (this request costs ", op.token_cost,
          "); it resets at midnight UTC");
    }
  }
  v.headers = {{"x-ratelimit-limit", absl::StrCat(shown.limit)},
               {"x-ratelimit-remaining", absl::StrCat(shown.remaining)},
               {"x-ratelimit-reset", absl::StrCat(shown.retry_after_seconds)}};
  if (!oauth) {
    EpochWindow::Decision writes = v.admitted && IsWrite(op.method)
                                       ? w.writes->Charge(1)
                                       : w.writes->Peek();
    v.headers.emplace_back("x-daily-requests-left",
                           absl::StrCat(writes.remaining));
  }
  return v;
}

nlohmann::json RateLimiter::ToJson() {
  absl::MutexLock lock(&mu_);
  EpochWindow::Decision day = daily_.Peek();
  // Per-window usage of each token's burst window.
  Json bursts = Json::object();
  for (auto& [key, w] : windows_) {
    // The key names the token kind only: tokens are never shown.
    std::string kind = key.rfind("oauth:", 0) == 0 ? "oauth" : "api";
    bursts[absl::StrCat(kind, "#", bursts.size() + 1)] =
        RateWindowJson(*w.burst);
  }
  return {{"bursts", std::move(bursts)},
          {"plan", config_.plan},
          {"seats", config_.seats},
          {"burst_limit", BurstLocked(false)},
          {"oauth_burst_limit", BurstLocked(true)},
          {"search_burst_limit", config_.search_burst_limit},
          {"daily_budget", day.limit},
          {"time_scale", config_.time_scale},
          {"tokens_used", tokens_used_},
          {"tokens_used_today", day.limit - day.remaining},
          {"daily_resets_in_seconds", Seconds(day.resets_in_seconds)}};
}

absl::Status RateLimiter::Configure(const Json& body) {
  absl::MutexLock lock(&mu_);
  LimitConfig next = config_;
  PlanLimits plan = plan_;
  auto non_negative = [&body](const char* key) -> absl::StatusOr<int64_t> {
    std::optional<int64_t> n =
        body[key].is_number_integer() ? AsInt64(body[key]) : std::nullopt;
    if (!n || *n < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, " must be a non-negative integer"));
    }
    return *n;
  };
  if (body.contains("plan")) {
    if (!body["plan"].is_string()) {
      return absl::InvalidArgumentError("plan must be a string");
    }
    absl::StatusOr<PlanLimits> p = PipedrivePlanLimits(body["plan"]);
    if (!p.ok()) return p.status();
    plan = *p;
    next.plan = body["plan"];
  }
  if (body.contains("seats")) {
    absl::StatusOr<int64_t> n = non_negative("seats");
    if (!n.ok() || *n < 1) {
      return absl::InvalidArgumentError("seats must be a positive integer");
    }
    next.seats = *n;
  }
  for (const char* key : {"burst_limit", "daily_budget"}) {
    if (!body.contains(key)) continue;
    std::optional<int64_t>& target = std::string(key) == "burst_limit"
                                         ? next.burst_limit
                                         : next.daily_budget;
    if (body[key].is_null()) {
      target.reset();
      continue;
    }
    absl::StatusOr<int64_t> n = non_negative(key);
    if (!n.ok()) return n.status();
    target = *n;
  }
  if (body.contains("search_burst_limit")) {
    absl::StatusOr<int64_t> n = non_negative("search_burst_limit");
    if (!n.ok()) return n.status();
    next.search_burst_limit = *n;
  }
  if (body.contains("time_scale")) {
    if (!body["time_scale"].is_number() ||
        !(body["time_scale"].get<double>() > 0)) {
      return absl::InvalidArgumentError("time_scale must be a positive number");
    }
    next.time_scale = body["time_scale"].get<double>();
  }
  config_ = std::move(next);
  plan_ = plan;
  ApplyLocked();
  if (body.contains("reset_windows") && body["reset_windows"] == true) {
    windows_.clear();
    daily_.Reset();
  }
  return absl::OkStatus();
}

void RateLimiter::Reset() {
  absl::MutexLock lock(&mu_);
  windows_.clear();
  daily_.Reset();
  tokens_used_ = 0;
}

}  // namespace bridgework::emulator::pipedrive
