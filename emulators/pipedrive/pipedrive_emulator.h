// An emulator of the Pipedrive REST API for the records a dental practice
// migration writes, speaking the wire format of Pipedrive's official
// OpenAPI specs (/work/shared/specs/pipedrive/openapi-v{1,2}.yaml) and of
// /work/shared/reference/destination-apis.md §2:
//   - API v2 under /api/v2: persons, organizations, deals, activities,
//     products, pipelines, stages (cursor lists, create, get, PATCH, soft
//     delete); persons/organizations/deals search; itemSearch/field; the
//     person/organization/deal/product *Fields endpoints with their option
//     endpoints; custom field values under "custom_fields" keyed by
//     40-character keys, unknown keys refused;
//   - API v1 under /v1 and /api/v1: leads, lead labels, notes, files
//     (multipart upload, download), users, activity types; start/limit
//     lists; custom field keys at the record root, unknown keys ignored;
//   - auth by the x-api-token header, the legacy api_token query parameter
//     or an Authorization: Bearer token; the {"success":false,"error",...}
//     envelope; the per-token 2-second burst limits, the search limit and
//     the company's daily token budget charged by each operation's
//     x-token-cost, with x-ratelimit-* headers and 429s
//     (pipedrive_limits.h).
// Choices made where the references are silent are listed in
// docs/connectors/pipedrive-emulator.md.
//
// Operator endpoints under /__sandbox/ (state, stats, reset, seed, config)
// are for tests and demos; they need no auth and are neither rate limited
// nor counted.
//
// Thread safety: handlers run on httplib's worker threads; every method is
// safe to call concurrently (the store is behind one mutex).
#ifndef BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_EMULATOR_H_
#define BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_EMULATOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "emulators/common/fault_injector.h"
#include "emulators/common/json_store.h"
#include "emulators/common/request_stats.h"
#include "emulators/pipedrive/pipedrive_limits.h"
#include "emulators/pipedrive/pipedrive_operations.h"
#include "emulators/pipedrive/pipedrive_schema.h"

namespace bridgework::emulator {

struct PipedriveOptions {
  // The API token of the first user (the company admin). REQUIRES:
  // non-empty. Users may carry tokens of their own (see `users`).
  std::string token;
  // lite | growth | premium | ultimate. Default growth.
  std::string plan = "growth";
  // Seats of the daily budget formula. 0: the number of active users.
  int64_t seats = 0;
  // Requests per 2 s per token, replacing the plan's. Default: the plan's.
  std::optional<int64_t> burst_limit;
  // Tokens per day, replacing 30,000 x multiplier x seats.
  std::optional<int64_t> daily_budget;
  // Search requests per 2 s per token. Default 10.
  int64_t search_burst_limit = pipedrive::kSearchBurst;
  // Every window (2 s, the day) lasts base / time_scale. REQUIRES: > 0.
  double time_scale = 1.0;
  // JSON array of users (pipedrive::ParseUsers). Null: the default users.
  nlohmann::json users;
  // Time source for timestamps, soft-delete expiry and the rate windows.
  // Default absl::Now.
  std::function<absl::Time()> clock;
  // Seed of the generator of field keys and UUIDs. 0: random.
  uint64_t random_seed = 0;
};

class PipedriveEmulator {
 public:
  // InvalidArgument if the token is empty, the plan unknown, a number out
  // of range or the users malformed (the message names the entry).
  static absl::StatusOr<std::unique_ptr<PipedriveEmulator>> Create(
      PipedriveOptions options);

  PipedriveEmulator(const PipedriveEmulator&) = delete;
  PipedriveEmulator& operator=(const PipedriveEmulator&) = delete;

  // Registers the API and operator routes on `server` and takes over its
  // pre-routing (faults), post-routing (stats, logs), error and exception
  // handlers: one emulator
  // per server. This object must outlive the server's use.
  void Register(httplib::Server& server);

  // The faults injected into API requests (POST /__sandbox/faults).
  FaultInjector& faults() { return faults_; }

  // Operator operations, also served under /__sandbox/.
  // Every record as the API renders it, soft-deleted ones included, keyed
  // by entity: persons, organizations, deals, activities, products,
  // pipelines, stages, leads, lead_labels, notes, files, activity_types,
  // users, and fields {"person": [custom field objects + "is_deleted"]...}.
  // Records past their 30 days after deletion are dropped first.
  nlohmann::json State();
  // Request counts by route template ("GET /api/v2/persons/{id}") and
  // status, total, rate_limited, rate_limited_by {burst, search, daily},
  // tokens_used and the limits (pipedrive::RateLimiter::ToJson).
  nlohmann::json Stats() const;
  // Back to the state after Create: no records or custom fields, the
  // default pipeline, stages, activity types and lead labels, the users of
  // the options; fresh stats, windows and budget.
  void Reset();
  // Body {"users":[...], "fields":{"person":[{field_name, field_type,
  // options?, field_code?}]...}, "pipelines", "stages", "organizations",
  // "persons", "products", "deals", "leads", "activities", "notes"}: data
  // that existed before the migration, created in that order under the
  // rules of the API (v2 bodies; leads and notes v1), all or nothing. A
  // record may carry its own "id", "add_time" and "update_time". Returns
  // the ids per key in input order.
  absl::StatusOr<nlohmann::json> Seed(const nlohmann::json& body);
  // Body: see pipedrive::RateLimiter::Configure. Returns the limits.
  absl::StatusOr<nlohmann::json> Configure(const nlohmann::json& body);

 private:
  using Json = nlohmann::json;

  using Kind = pipedrive::Kind;

  struct Reply {
    Reply() = default;
    Reply(int s, Json b) : status(s), body(std::move(b)) {}
    int status = 200;
    Json body;
    // Set for non-JSON replies (file downloads).
    std::string raw;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  // Who made a request.
  struct Caller {
    std::string token;
    bool oauth = false;
    int64_t user_id = 0;
  };

  // Everything an API client can change; copyable, so a seed can roll back.
  struct Store {
    std::vector<pipedrive::User> users;
    std::map<Kind, RecordTable> tables;
    std::map<pipedrive::FieldEntity, std::vector<pipedrive::FieldDef>> fields;
    RecordTable leads{1};                       // keyed by creation order
    std::map<std::string, int64_t> lead_index;  // uuid -> key in leads
    std::vector<Json> lead_labels;
    RecordTable notes{1};
    RecordTable files{1};
    std::map<int64_t, std::string> file_bytes;
    RecordTable activity_types{1};
    int64_t next_option_id = 1;
    // Soft-deleted records to drop for good: (when, table, id).
    struct Purge {
      absl::Time at;
      std::string table;  // "persons", ..., "files"
      int64_t id;
    };
    std::deque<Purge> purge;
  };

  // An API operation; runs with mu_ held (thread-safety analysis cannot
  // see that through std::function).
  using Handler = std::function<Reply(const httplib::Request&, const Caller&)>;
  // Parses the request body as JSON and calls the function, or replies 400.
  using JsonBody = std::function<Reply(
      const httplib::Request&, const std::function<Reply(const Json&)>&)>;

  PipedriveEmulator(PipedriveOptions options,
                    std::unique_ptr<pipedrive::RateLimiter> limiter,
                    std::vector<pipedrive::User> users);

  // ---- plumbing (pipedrive_emulator.cc) ----
  static Reply Ok(Json data);
  static Reply Fail(int status, const std::string& error);
  static Reply NotFound();
  static Reply Invalid(const std::string& field, const std::string& problem);
  // Seeding helpers. NewId: the id of a new record of `table`, the "id" of
  // `extras` if given (refused unless a positive integer not in use), else
  // the next one. KeepSeedTimes: the "add_time"/"update_time" of `extras`
  // replace the record's, in v1 ("YYYY-MM-DD HH:MM:SS") or v2 form.
  static std::optional<Reply> NewId(RecordTable& table, const Json* extras,
                                    int64_t& id);
  static std::optional<Reply> KeepSeedTimes(const Json* extras, bool v1,
                                            Json& record);
  std::optional<Caller> Authenticate(const httplib::Request& req) const;
  std::map<std::string, Handler> Handlers();
  // Auth, rate limits, then `handler` under the store lock.
  void Serve(const pipedrive::Operation& op, const Handler& handler,
             const httplib::Request& req, httplib::Response& res);
  Store InitialStore();
  absl::Time Now() const { return clock_(); }
  std::string RandomHex(size_t n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string RandomUuid() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PurgeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const pipedrive::User* UserLocked(int64_t id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A live (not soft-deleted) record of `kind`, or nullptr.
  const Json* LiveLocked(Kind kind, int64_t id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  pipedrive::RefExists RefsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<pipedrive::FieldDef>& FieldsLocked(pipedrive::FieldEntity e)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const pipedrive::FieldDef* FieldLocked(pipedrive::FieldEntity e,
                                         const std::string& code) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // ---- v2 records (pipedrive_v2.cc) ----
  // The record as the API returns it; `only` limits custom_fields to those
  // keys (the custom_fields query parameter).
  Json RenderLocked(Kind kind, const Json& stored,
                    const std::vector<std::string>* only = nullptr) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply ListLocked(Kind kind, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply GetLocked(Kind kind, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Create (`id` nullopt) or PATCH. `extras` (seeding): "id", "add_time",
  // "update_time" to keep.
  Reply WriteLocked(Kind kind, const Json& body, std::optional<int64_t> id,
                    const Caller& caller, const Json* extras = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply DeleteLocked(Kind kind, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply SearchLocked(Kind kind, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply FieldSearchLocked(const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks one body attribute of `kind` and returns its stored form, or an
  // error reply.
  std::optional<Reply> CheckAttributeLocked(Kind kind, const std::string& key,
                                            const Json& value, Json& out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Resolves the pipeline and stage of a deal being written.
  std::optional<Reply> PlaceDealLocked(Json& deal, const Json& body,
                                       bool create)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The texts of `stored` that a search on `field` looks at.
  std::vector<std::string> TextsLocked(Kind kind, const Json& stored,
                                       const std::string& field) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // ---- fields (pipedrive_fields.cc) ----
  Reply ListFieldsLocked(pipedrive::FieldEntity e, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply GetFieldLocked(pipedrive::FieldEntity e, const std::string& code,
                       const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply CreateFieldLocked(pipedrive::FieldEntity e, const Json& body,
                          const std::string& code = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply UpdateFieldLocked(pipedrive::FieldEntity e, const std::string& code,
                          const Json& body) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply DeleteFieldLocked(pipedrive::FieldEntity e, const std::string& code)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // method: POST (add), PATCH (relabel) or DELETE (remove).
  Reply FieldOptionsLocked(pipedrive::FieldEntity e, const std::string& code,
                           const std::string& method, const Json& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // ---- v1 (pipedrive_v1.cc) ----
  void AddV1Handlers(std::map<std::string, Handler>& h,
                     const JsonBody& with_json);
  Json RenderLeadLocked(const Json& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json* FindLeadLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply ListLeadsLocked(const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply WriteLeadLocked(const Json& body, const std::string* id,
                        const Caller& caller, const Json* extras = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply DeleteLeadLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply WriteLeadLabelLocked(const Json& body, const std::string* id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply DeleteLeadLabelLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json RenderNoteLocked(const Json& stored, const Caller* caller) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply ListNotesLocked(const httplib::Request& req, const Caller& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply WriteNoteLocked(const Json& body, std::optional<int64_t> id,
                        const Caller& caller, const Json* extras = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json RenderFileLocked(const Json& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply AddFileLocked(const httplib::Request& req, const Caller& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply ListFilesLocked(const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply UpdateFileLocked(const httplib::Request& req, const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply FindUsersLocked(const httplib::Request& req, const Caller& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply WriteActivityTypeLocked(const Json& body, std::optional<int64_t> id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An active activity type with this key_string, or nullptr.
  const Json* ActivityTypeLocked(const std::string& key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string token_;
  const std::function<absl::Time()> clock_;
  const absl::Time company_created_;
  const std::vector<pipedrive::User> initial_users_;
  std::unique_ptr<pipedrive::RateLimiter> limiter_;  // thread-safe
  RequestStats stats_;
  FaultInjector faults_;

  mutable absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  Store store_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_EMULATOR_H_
