// An emulator of the HighLevel (LeadConnector) API v2 as served at
// https://services.leadconnectorhq.com, for one sub-account (location) of
// one agency (company). It speaks the wire format of the official specs
// (/work/shared/specs/highlevel/v2/*.json) and of
// /work/shared/reference/destination-apis.md §1:
//   - Authorization: Bearer <token> (401 otherwise) and the Version header
//     each operation declares (2021-07-28; 2021-04-15 for /calendars);
//   - the token is scoped to the location: any other locationId (query,
//     body or path) or companyId gets 403;
//   - contacts (with the location's duplicate setting and upsert), notes,
//     tasks, tags, businesses, opportunities and pipelines, calendars and
//     appointments, location custom fields, custom objects with their
//     fields and records, associations and relations, medias, users,
//     products;
//   - request bodies whitelisted per DTO (422 "property X should not
//     exist"), class-validator messages, status codes as the spec declares;
//   - the rate limits per location: a burst window (100 per 10 s) and a
//     daily budget (200,000), with the X-RateLimit-* headers on every
//     response and 429 + Retry-After when exceeded.
// Every choice made where the references are silent is listed in
// docs/connectors/highlevel-emulator.md.
//
// Operator endpoints under /__sandbox/ (state, stats, reset, seed, config)
// are for tests; they need no auth and are not rate limited.
//
// Thread safety: handlers run on httplib's worker threads; every method is
// safe to call concurrently.
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_EMULATOR_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_EMULATOR_H_

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
#include "emulators/common/fault_injector.h"
#include "emulators/common/rate_window.h"
#include "emulators/common/request_stats.h"

namespace bridgework::emulator {

namespace highlevel {
class Backend;
}

struct HighLevelOptions {
  // The only token accepted ("Authorization: Bearer <token>").
  // REQUIRES: non-empty.
  std::string token;
  // The location (sub-account) the token belongs to, and its agency.
  // Default: the ids of examples/pbn-highlevel.
  std::string location_id = "bwDemoLocation000001";
  std::string company_id = "bwDemoCompany0000001";
  // Requests per burst window (10 s) and per day, per location.
  // Default 100 and 200,000. REQUIRES: >= 0.
  int64_t burst_limit = 100;
  int64_t daily_limit = 200000;
  // The windows last 10 s / time_scale and 24 h / time_scale.
  // Default 1. REQUIRES: > 0.
  double time_scale = 1.0;
  // JSON array of users (see highlevel::ParseUsers). Null: the built-in
  // users, whose emails match the Freshsales emulator's defaults.
  nlohmann::json users;
  // JSON array of {"name","stages":[name | {"name"}]}: the pipelines the
  // location has (they cannot be created through the API). Null: one
  // "Patient Treatment" pipeline (docs/connectors/highlevel-emulator.md).
  nlohmann::json pipelines;
  // JSON array of {"name"}: the calendars. Null: "Dental Appointments".
  nlohmann::json calendars;
  // The location's "Allow Duplicate Contact" setting, and which identifier
  // the duplicate check tries first ("email" or "phone"). Default: not
  // allowed, email first.
  bool allow_duplicate_contact = false;
  std::string duplicate_priority = "email";
  // Default true (see the doc).
  bool allow_duplicate_opportunity = true;
  // Custom objects the plan allows. Default 10.
  int64_t custom_object_limit = 10;
  // Time source for timestamps and rate windows. Default absl::Now.
  std::function<absl::Time()> clock;
};

class HighLevelEmulator {
 public:
  // InvalidArgument if the token or ids are empty, a limit is negative, the
  // time scale not positive, or users/pipelines/calendars are malformed.
  static absl::StatusOr<std::unique_ptr<HighLevelEmulator>> Create(
      HighLevelOptions options);

  ~HighLevelEmulator();
  HighLevelEmulator(const HighLevelEmulator&) = delete;
  HighLevelEmulator& operator=(const HighLevelEmulator&) = delete;

  // Registers the API and operator routes on `server`, and takes over its
  // pre-routing (auth, rate limits), post-routing (stats, logs), error and
  // exception handlers and payload limit: one emulator per server. This
  // object must outlive the server's use.
  void Register(httplib::Server& server);

  // The faults injected into API requests (POST /__sandbox/faults).
  FaultInjector& faults() { return faults_; }

  // Operator operations, also served under /__sandbox/.
  // Every record by kind ({"contacts":[...],"businesses":[...],...}),
  // sorted by id, plus users and settings.
  nlohmann::json State() const;
  // {"requests":{"METHOD /template":{"status":n}},"total","rate_limited",
  //  "burst":{limit,used,resets_in_seconds,time_scale},"daily":{...}}.
  nlohmann::json Stats() const;
  // Back to the state at start (records and API-created schema dropped,
  // seeded pipelines and calendars recreated), stats and windows cleared.
  // Settings changed by Configure stay.
  void Reset();
  // Body {"pipelines","calendars","customFields","businesses","contacts",
  // "opportunities"}: arrays of create bodies (a record may carry its own
  // "id" and "dateAdded"/"createdAt"), inserted under the API's rules in
  // that order, all or nothing. Returns the ids by kind.
  absl::StatusOr<nlohmann::json> Seed(const nlohmann::json& body);
  // Body with any of "burst_limit", "daily_limit", "time_scale",
  // "reset_window" (bool), "allow_duplicate_contact",
  // "duplicate_priority", "allow_duplicate_opportunity",
  // "custom_object_limit", "native_custom_field_values", "pipelines"
  // (added). All or nothing. Returns the settings and windows.
  absl::StatusOr<nlohmann::json> Configure(const nlohmann::json& body);

 private:
  struct Route;

  HighLevelEmulator(HighLevelOptions options,
                    std::unique_ptr<highlevel::Backend> backend);

  bool Authorized(const httplib::Request& req) const;
  // Charges one request to both windows; sets the rate-limit headers.
  // False (and a 429 reply in `res`) when a window is exhausted.
  bool Admit(httplib::Response& res);
  void SetRateHeaders(httplib::Response& res, const RateWindow::Decision& burst,
                      const RateWindow::Decision& daily) const;
  // The spec template of a request ("GET /contacts/{contactId}"), or the
  // path with ids replaced when no route matches.
  std::string RouteKey(const httplib::Request& req) const;
  void Handle(const Route& route, const httplib::Request& req,
              httplib::Response& res);
  nlohmann::json WindowsJson() const;

  const std::string token_;
  const std::function<absl::Time()> clock_;
  std::unique_ptr<highlevel::Backend> backend_;
  std::vector<Route> routes_;
  mutable RateWindow burst_;  // thread-safe; Snap() rolls the window
  mutable RateWindow daily_;
  absl::Mutex rate_mu_;  // makes the two-window admission atomic
  RequestStats stats_;
  FaultInjector faults_;
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_EMULATOR_H_
