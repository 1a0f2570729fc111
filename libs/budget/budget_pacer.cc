#include "libs/budget/budget_pacer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace bridgework::budget {

BudgetPacer::BudgetPacer(std::shared_ptr<BudgetClient> client,
                         BudgetPacerOptions options, Clock clock, Sleep sleep)
    : client_(std::move(client)),
      options_(std::move(options)),
      clock_(clock ? std::move(clock) : [] { return absl::Now(); }),
      sleep_(sleep ? std::move(sleep)
                   : [](absl::Duration d) { absl::SleepFor(d); }) {}

absl::Status BudgetPacer::Wait(const crm::RequestCost& cost) {
  absl::Duration unreachable;
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    v1::AcquireRequest req;
    req.set_account(options_.account);
    req.set_replica(options_.replica);
    *req.mutable_model() = options_.model;
    req.set_cost(cost.tokens);
    req.set_search(cost.search);
    {
      absl::MutexLock lock(&mu_);
      for (v1::RateObservation& o : pending_) {
        *req.add_observations() = std::move(o);
      }
      pending_.clear();
    }
    absl::StatusOr<v1::Grant> grant = client_->Acquire(req);
    if (!grant.ok()) {
      {
        // Not delivered: keep them for the next attempt.
        absl::MutexLock lock(&mu_);
        for (const v1::RateObservation& o : req.observations()) {
          pending_.push_back(o);
        }
      }
      if (unreachable >= options_.unreachable_for) {
        return absl::UnavailableError(
            absl::StrCat("the rate budget authority is unreachable: ",
                         grant.status().message()));
      }
      LogWarning("rate budget authority unreachable; retrying",
                 {{"account", options_.account},
                  {"code", absl::StatusCodeToString(grant.status().code())}});
      sleep_(backoff);
      unreachable += backoff;
      backoff = std::min(backoff * 2, absl::Seconds(2));
      continue;
    }
    if (grant->granted()) {
      if (grant->wait_us() > 0) sleep_(absl::Microseconds(grant->wait_us()));
      return absl::OkStatus();
    }
    absl::Time until = absl::FromUnixMillis(grant->paused_until_unix_ms());
    {
      absl::MutexLock lock(&mu_);
      if (logged_pause_ != grant->paused_until_unix_ms()) {
        logged_pause_ = grant->paused_until_unix_ms();
        LogWarning("rate budget paused", {{"account", options_.account},
                                          {"reason", grant->reason()}});
      }
    }
    absl::Duration d = std::clamp(until - clock_(), absl::Milliseconds(1),
                                  options_.max_pause_sleep);
    sleep_(d);
    absl::MutexLock lock(&mu_);
    paused_ += d;
  }
}

void BudgetPacer::Observe(const std::vector<v1::RateObservation>& seen) {
  absl::MutexLock lock(&mu_);
  // Bounded: only the latest observations matter if nobody asks for long.
  if (pending_.size() > 64)
    pending_.erase(pending_.begin(), pending_.end() - 32);
  pending_.insert(pending_.end(), seen.begin(), seen.end());
}

absl::Duration BudgetPacer::paused() const {
  absl::MutexLock lock(&mu_);
  return paused_;
}

std::string BudgetAccountKey(const std::string& crm,
                             const std::string& base_url,
                             const std::string& location_id) {
  if (crm == "highlevel" && !location_id.empty()) {
    return absl::StrCat(crm, ":", location_id);
  }
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return absl::StrCat(crm, ":", url);
}

}  // namespace bridgework::budget
