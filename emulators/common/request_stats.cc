#include "emulators/common/request_stats.h"

#include "absl/time/clock.h"

namespace bridgework::emulator {

void RequestStats::Record(const std::string& route, int status) {
  absl::MutexLock lock(&mu_);
  ++by_route_[route][status];
  ++total_;
  if (status == 429) ++rate_limited_;
  last_ms_ = absl::ToUnixMillis(absl::Now());
  if (first_ms_ == 0) first_ms_ = last_ms_;
}

void RequestStats::Increment(const std::string& group, const std::string& key) {
  absl::MutexLock lock(&mu_);
  ++groups_[group][key];
}

void RequestStats::Reset() {
  absl::MutexLock lock(&mu_);
  by_route_.clear();
  groups_.clear();
  total_ = 0;
  rate_limited_ = 0;
  first_ms_ = 0;
  last_ms_ = 0;
}

nlohmann::json RequestStats::ToJson() const {
  absl::MutexLock lock(&mu_);
  nlohmann::json requests = nlohmann::json::object();
  for (const auto& [route, by_status] : by_route_) {
    nlohmann::json counts = nlohmann::json::object();
    for (const auto& [status, n] : by_status)
      counts[std::to_string(status)] = n;
    requests[route] = counts;
  }
  nlohmann::json out = {{"requests", requests},
                        {"total", total_},
                        {"rate_limited", rate_limited_},
                        {"first_request_unix_ms", first_ms_},
                        {"last_request_unix_ms", last_ms_}};
  for (const auto& [group, counters] : groups_) {
    nlohmann::json g = nlohmann::json::object();
    for (const auto& [key, n] : counters) g[key] = n;
    out[group] = g;
  }
  return out;
}

nlohmann::json RateWindowJson(RateWindow& window) {
  RateWindow::Snapshot snap = window.Snap();
  nlohmann::json recent = nlohmann::json::array();
  for (const RateWindow::WindowCount& c : window.Recent()) {
    recent.push_back({{"start_seconds", c.start_seconds},
                      {"start_unix_ms", c.start_unix_ms},
                      {"admitted", c.admitted},
                      {"rate_limited", c.refused}});
  }
  return {{"limit", snap.limit},
          {"used", snap.used},
          {"time_scale", snap.time_scale},
          {"recent", std::move(recent)}};
}

}  // namespace bridgework::emulator
