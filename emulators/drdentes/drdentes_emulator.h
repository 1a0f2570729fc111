// An emulator of a Dr.DENTES REST API under /api/v1, serving the seeded
// data of drdentes_data.h. Dr.DENTES publishes no API contract; the wire
// format is ours, derived from the screens its help centre shows, and is
// documented (with what is guessed) in docs/connectors/drdentes-api.md:
//   - auth: "Authorization: Bearer <token>"; anything else is 401
//     {"error":{"code":"unauthorized","message":...}};
//   - GET /api/v1/<resource> lists records in id order:
//     {"data":[...],"meta":{"per_page":P,"total":T,"next_cursor":C|null},
//      "links":{"next":"/api/v1/...?cursor=C&..."|null}}, with query
//     parameters per_page (1..500, default 100), cursor (opaque, from
//     meta.next_cursor) and updated_since (ISO-8601; records whose
//     updated_at is at or after it); total counts every record the filter
//     selects; GET /api/v1/<resource>/<id> gives {"data":{...}};
//   - a per-token fixed-window rate limit (default 120 requests a minute):
//     every API reply carries X-RateLimit-Limit, X-RateLimit-Remaining and
//     X-RateLimit-Reset (seconds to the next window); a refused request is
//     429 with Retry-After;
//   - errors: {"error":{"code":"...","message":"..."}} with 400 for a bad
//     parameter, 404 for an unknown resource or id.
//
// Operator endpoints under /__sandbox/ (no auth, not rate limited):
// state, stats, reset, config (see Configure).
//
// Thread safety: every method may be called concurrently (one mutex).
#ifndef BRIDGEWORK_EMULATORS_DRDENTES_DRDENTES_EMULATOR_H_
#define BRIDGEWORK_EMULATORS_DRDENTES_DRDENTES_EMULATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "emulators/common/rate_window.h"
#include "emulators/common/request_stats.h"
#include "emulators/drdentes/drdentes_data.h"

namespace bridgework::emulator {

struct DrdentesOptions {
  // The only access token accepted. REQUIRES: non-empty.
  std::string token;
  // Data set (drdentes::GenerateData). REQUIRES: patients >= 5.
  uint32_t seed = 42;
  int patients = 60;
  // Requests admitted per minute. Default 120.
  int64_t requests_per_minute = 120;
  // The minute window lasts 60 / time_scale seconds. REQUIRES: > 0.
  double time_scale = 1.0;
  // Time source for the rate window and changed records. Default absl::Now.
  std::function<absl::Time()> clock;
};

class DrdentesEmulator {
 public:
  static constexpr char kApiPrefix[] = "/api/v1";
  static constexpr int kDefaultPerPage = 100;
  static constexpr int kMaxPerPage = 500;

  // InvalidArgument for an empty token, fewer than 5 patients, a negative
  // limit or a time scale that is not positive.
  static absl::StatusOr<std::unique_ptr<DrdentesEmulator>> Create(
      DrdentesOptions options);

  DrdentesEmulator(const DrdentesEmulator&) = delete;
  DrdentesEmulator& operator=(const DrdentesEmulator&) = delete;

  // Registers the API and operator routes on `server` and takes over its
  // pre-routing (auth, rate limit), post-routing (stats, logs), error and
  // exception handlers: one emulator per server. This object must outlive
  // the server's use.
  void Register(httplib::Server& server);

  // {"resources":{"<resource>":[records in id order]},
  //  "counts":{"<resource>":n},
  //  "bad":[{"resource","id","field","why"}]}.
  nlohmann::json State() const;
  // Request counts by route and status, total, rate_limited, and window.
  nlohmann::json Stats() const;
  // Regenerates the seeded data, empties the stats and restarts the rate
  // window.
  void Reset();
  // Body {"requests_per_minute":N?,"time_scale":X?,"reset_window":bool?,
  //       "change":{"resource":"patients","id":7,"set":{...}?}?}.
  // A change merges `set` into the record (never its id) and moves its
  // updated_at to now, or one second past the newest updated_at of the
  // resource when that is later (so a delta read finds it whatever the
  // clock says). Returns {"window":{...},"changed":<record>?}.
  // InvalidArgument for an unknown resource or id, or bad values.
  absl::StatusOr<nlohmann::json> Configure(const nlohmann::json& body);

 private:
  using Json = nlohmann::json;

  struct Reply {
    int status = 200;
    Json body;
  };

  explicit DrdentesEmulator(DrdentesOptions options);

  static Reply Error(int status, const std::string& code,
                     const std::string& message);
  bool Authorized(const httplib::Request& req) const;
  Json WindowJson() const;

  // GET /api/v1/<resource>: one page.
  Reply ListLocked(const std::string& resource, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // GET /api/v1/<resource>/<id>.
  Reply GetLocked(const std::string& resource, int64_t id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const DrdentesOptions options_;
  const std::function<absl::Time()> clock_;
  mutable RateWindow window_;  // thread-safe; Snap() rolls the window
  RequestStats stats_;

  mutable absl::Mutex mu_;
  drdentes::DrdentesData data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_DRDENTES_DRDENTES_EMULATOR_H_
