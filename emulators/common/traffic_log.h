// Records every API exchange an emulator serves as one JSON line, for the
// OpenAPI conformance test (tests/conformance/), which replays the lines
// through the official specs. Operator endpoints (/__sandbox/) are not
// recorded. Authorization, x-api-token and api_token values are replaced by
// "<redacted>"; bodies are kept as sent (the conformance test uses sample
// data only: never point a traffic log at a real migration).
//
// Line: {"method","path","query":{k:v},"request":{"content_type","body"},
//        "status","response":{"content_type","headers":{x-ratelimit-*...},
//        "body"}}; a body that is not JSON is recorded as null with
// "body_kind":"multipart"|"text".
//
// Thread safety: Record may be called from any thread.
#ifndef BRIDGEWORK_EMULATORS_COMMON_TRAFFIC_LOG_H_
#define BRIDGEWORK_EMULATORS_COMMON_TRAFFIC_LOG_H_

#include <fstream>
#include <memory>
#include <string>

#include <httplib.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace bridgework::emulator {

class TrafficLog {
 public:
  // Opens `path` for appending. Error if it cannot.
  static absl::StatusOr<std::unique_ptr<TrafficLog>> Open(
      const std::string& path);

  void Record(const httplib::Request& req, const httplib::Response& res);

  // Installs Record as `server`'s logger.
  void Attach(httplib::Server& server);

 private:
  explicit TrafficLog(std::ofstream out) : out_(std::move(out)) {}
  absl::Mutex mu_;
  std::ofstream out_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_TRAFFIC_LOG_H_
