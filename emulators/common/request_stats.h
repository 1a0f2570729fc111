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

namespace bridgework::emulator {

class RequestStats {
 public:
  // Counts one response. `route` is "METHOD /path/template".
  void Record(const std::string& route, int status);
  // Adds one to counter `key` of group `group`.
  void Increment(const std::string& group, const std::string& key);
  void Reset();

  // {"requests":{route:{"<status>":n}},"total":N,"rate_limited":K,
  //  <group>:{key:n}...}; keys sorted, so the dump is deterministic.
  nlohmann::json ToJson() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::map<int, int64_t>> by_route_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<std::string, int64_t>> groups_
      ABSL_GUARDED_BY(mu_);
  int64_t total_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rate_limited_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_REQUEST_STATS_H_
