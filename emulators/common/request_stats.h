// Request counters for an emulator's GET /__sandbox/stats: responses by
// route ("POST /contacts") and status code, the total, the number of 429s,
// and free-form named counters (e.g. ignored request attributes).
//
// Thread safety: all methods may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_COMMON_REQUEST_STATS_H_
#define BRIDGEWORK_EMULATORS_COMMON_REQUEST_STATS_H_

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "emulators/common/rate_window.h"

namespace bridgework::emulator {

class RequestStats {
 public:
  // Counts one response. `route` is "METHOD /path/template".
  void Record(const std::string& route, int status);
  // Adds one to counter `key` of group `group`.
  void Increment(const std::string& group, const std::string& key);
  void Reset();

  // {"requests":{route:{"<status>":n}},"total":N,"rate_limited":K,
  //  "first_request_unix_ms":T0,"last_request_unix_ms":T1,
  //  <group>:{key:n}...}; keys sorted, so the dump is deterministic.
  nlohmann::json ToJson() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::map<int, int64_t>> by_route_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<std::string, int64_t>> groups_
      ABSL_GUARDED_BY(mu_);
  int64_t total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rate_limited_ ABSL_GUARDED_BY(mu_) = 0;
  // When the first and the last response were counted (Unix ms; 0: none).
  int64_t first_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t last_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

// A rate window's limit and recent per-window usage for the stats:
// {"limit":L,"window_seconds":W,"time_scale":S,"recent":[{"start_seconds":
// t,"admitted":a,"rate_limited":r},...]} (windows with no request are left
// out).
nlohmann::json RateWindowJson(RateWindow& window);

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_REQUEST_STATS_H_
