// An emulator of the Freshsales (Freshworks CRM) REST API under
// /crm/sales/api for contacts, sales accounts, deals (pipelines and
// stages), appointments, sales activities, tasks, notes, documents
// (multipart), CPQ products and custom module records, speaking the wire format
// of /work/shared/reference/destination-apis.md §3: token auth, wrapped
// (and flat) bodies, cf_ custom fields checked against the account's
// fields, uniqueness rules, views for lists, upsert and bulk upsert with
// job statuses, /selector/owners, /settings/<entity>/fields, /lookup,
// /filtered_search, the {"errors":{"code","message":[...]}} error shape,
// and the per-account hourly rate limit with 429 and Retry-After.
// Choices made where the reference is unconfirmed are listed in
// docs/connectors/freshsales-emulator.md.
//
// Operator endpoints under /__sandbox/ (state, stats, reset, fields, seed,
// config) are for tests; they need no auth and are not rate limited.
//
// Thread safety: handlers run on httplib's worker threads; every method is
// safe to call concurrently (the store is behind one mutex).
#ifndef BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_EMULATOR_H_
#define BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_EMULATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "emulators/common/fault_injector.h"
#include "emulators/common/json_store.h"
#include "emulators/common/rate_window.h"
#include "emulators/common/request_stats.h"
#include "emulators/freshsales/freshsales_schema.h"

namespace bridgework::emulator {

struct FreshsalesOptions {
  // The only API key accepted, as "Authorization: Token token=<token>".
  // REQUIRES: non-empty.
  std::string token;
  // Requests admitted per account per hour. Default 1000 (Free/Growth).
  int64_t requests_per_hour = 1000;
  // The hour window lasts 3600 / time_scale seconds. Default 1.
  // REQUIRES: > 0.
  double time_scale = 1.0;
  // JSON array of {"id","display_name","email","is_active"?}; the first is
  // the account admin. Null: the three built-in users.
  nlohmann::json users;
  // {"contacts":[field defs],"sales_accounts":[..],"deals":[..],
  // "sales_activities":[..],"products":[..]}: the custom fields that exist
  // in the account. Null: none.
  nlohmann::json fields;
  // What the admin configured (freshsales::ParseSettings):
  // {"deal_pipelines":[..],"sales_activity_types":[..],
  //  "lifecycle_stages":[..],"custom_modules":[..]}; a missing key keeps
  // the default (freshsales::DefaultSettings: one pipeline, three activity
  // types, three lifecycle stages, no custom modules).
  nlohmann::json settings;
  // Time source for timestamps and the rate window. Default absl::Now.
  std::function<absl::Time()> clock;
};

// Per-hour limit of a Freshsales plan: free/growth 1000, pro 2000,
// enterprise 5000. InvalidArgument for anything else.
absl::StatusOr<int64_t> FreshsalesPlanLimit(const std::string& plan);

class FreshsalesEmulator {
 public:
  static constexpr char kApiPrefix[] = "/crm/sales/api";

  // InvalidArgument if the token is empty, the time scale not positive, or
  // users/fields are malformed (the message names the entry).
  static absl::StatusOr<std::unique_ptr<FreshsalesEmulator>> Create(
      FreshsalesOptions options);

  FreshsalesEmulator(const FreshsalesEmulator&) = delete;
  FreshsalesEmulator& operator=(const FreshsalesEmulator&) = delete;

  // Registers the API and operator routes on `server`, and takes over its
  // pre-routing (auth, rate limit), post-routing (stats, logs), error and
  // exception handlers: one emulator per server. This object must outlive
  // the server's use.
  void Register(httplib::Server& server);

  // The faults injected into API requests (POST /__sandbox/faults).
  FaultInjector& faults() { return faults_; }

  // Operator operations, also served under /__sandbox/.
  // {"contacts":[...],"sales_accounts":[...],"deals":[...],...,
  // "custom_module":{"<module>":[...]}}, each sorted by id, every stored
  // field included; keys sorted.
  nlohmann::json State() const;
  // Request counts by route and status, total, rate_limited, window, and
  // ignored_attributes ("contacts.nickname": n).
  nlohmann::json Stats() const;
  // Empties records, jobs and stats and restarts ids and the rate window;
  // keeps users and custom fields.
  void Reset();
  // Body like FreshsalesOptions::fields; adds the fields (a field with an
  // existing name replaces it). Returns the number of custom fields per
  // entity.
  absl::StatusOr<nlohmann::json> AddCustomFields(const nlohmann::json& body);
  // Body {"sales_accounts":[...],"contacts":[...],"deals":[...]} of
  // records that existed before the migration, inserted under the same
  // rules as POST (accounts, contacts, then deals), all or nothing; and/or
  // settings keys (as FreshsalesOptions::settings), which replace the
  // current ones. A record may carry its own "id", "created_at" and
  // "updated_at". Returns the ids in input order.
  absl::StatusOr<nlohmann::json> Seed(const nlohmann::json& body);
  // Body {"rate_limit_per_hour":N?,"plan":"pro"?,"time_scale":X?,
  // "reset_window":bool?,"job_polls":N?}. job_polls: how many job status
  // reads of a new bulk job answer "in_progress" before "completed"
  // (default 0). Returns the window.
  absl::StatusOr<nlohmann::json> Configure(const nlohmann::json& body);

 private:
  using Json = nlohmann::json;
  using Entity = freshsales::Entity;

  struct Reply {
    int status = 200;
    Json body;
  };

  FreshsalesEmulator(
      FreshsalesOptions options, std::vector<freshsales::User> users,
      std::map<Entity, std::vector<freshsales::CustomField>> fields,
      freshsales::Settings settings);

  // Gives every custom module a table (keeping existing records) and
  // drops the tables of modules that no longer exist.
  void SyncModuleTablesLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const freshsales::CustomModule* ModuleLocked(const std::string& name) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  static Reply Error(int status, std::vector<std::string> messages);
  bool Authorized(const httplib::Request& req) const;
  std::string Now() const;
  Json WindowJson() const;

  // The table and custom fields of `e`; for kCustomModule those of
  // `module` (REQUIRES: an existing module).
  RecordTable& Table(Entity e, const std::string& module = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const std::vector<freshsales::CustomField>& Custom(
      Entity e, const std::string& module = "") const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The body key of one record: Singular(e), or the module's name.
  static std::string Key(Entity e, const std::string& module);
  // Whether a GET asks for the record's notes (`include=notes`, among
  // comma-separated includes).
  static bool IncludesNotes(const httplib::Request& req);
  // The live records of `child` (notes or documents) whose targetable is
  // record `id` of `e` (a contact, account or deal), in id order.
  Json TargetingLocked(Entity child, Entity e, int64_t id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Record operations; all REQUIRE mu_. `module` names the custom module
  // when `e` is kCustomModule.
  Reply CreateLocked(Entity e, const Json& input,
                     const Json* seed_extras = nullptr,
                     const std::string& module = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply UpdateLocked(Entity e, int64_t id, const Json& input,
                     const std::string& module = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply ReadLocked(Entity e, int64_t id, const std::string& module = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply DeleteLocked(Entity e, int64_t id, const std::string& module = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores an uploaded document (multipart POST /documents).
  Reply CreateDocumentLocked(const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PUT /lists/{id}/add_contacts|remove_contacts {"ids":[..]}.
  Reply ListMembersLocked(int64_t list_id, bool add, const Json& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // GET /contacts/lists/{id}: the list's contacts, paged.
  Reply ListContactsLocked(int64_t list_id, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // GET /tasks?filter=, /appointments?filter=, /sales_activities,
  // /cpq/products: every record of `e` the filter selects, paged; GET
  // /lists: every list.
  Reply ListLocked(Entity e, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Derived fields after a create or update merge: a deal's pipeline,
  // stage and probability and its contact_ids, an appointment's
  // attendees. `before` is the stored record (null on create).
  void CompleteLocked(Entity e, Json& record, const Json* before)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Errors of a record's targetable_type/targetable_id pair.
  void TargetableRulesLocked(const Json& record, bool required,
                             std::vector<std::string>& errors)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ExistsLocked(Entity e, const Json& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply BulkDestroyLocked(Entity e, const Json& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply FiltersLocked(Entity e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply ViewLocked(Entity e, int64_t view_id, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply UpsertLocked(Entity e, const Json& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Upsert of one record by `key` = `value` (key as in unique_identifier).
  Reply UpsertOneLocked(Entity e, const std::string& key, const Json& value,
                        const Json& input) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply BulkUpsertLocked(Entity e, const Json& body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply JobStatusLocked(const std::string& job_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply LookupLocked(const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply FilteredSearchLocked(Entity e, const Json& body,
                             const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sorts (sort, sort_type) and pages (page, per_page) `records` by the
  // request's query parameters: {"<plural>":[...],"meta":{...}}.
  Reply PageLocked(Entity e, std::vector<const Json*> records,
                   const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PageLocked of every record of `table`, whose sorted listing is kept
  // (listings_) while the table's version holds: the next page costs only
  // its own records.
  Reply TablePageLocked(Entity e, const RecordTable& table,
                        const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Cross-record rules (owner, uniqueness, links) for `record` stored as
  // `self_id` (0 for a new record).
  std::vector<std::string> RulesLocked(Entity e, const Json& record,
                                       int64_t self_id,
                                       const std::string& module = "")
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The ids of records whose identifier `key` equals `value`; error text if
  // `key` cannot identify records of `e`.
  absl::StatusOr<std::vector<int64_t>> MatchIdentifierLocked(
      Entity e, const std::string& key, const Json& value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NoteIgnored(Entity e, const std::vector<std::string>& keys);

  const std::string token_;
  const std::vector<freshsales::User> users_;
  const std::function<absl::Time()> clock_;
  mutable RateWindow window_;  // thread-safe; Snap() rolls the window
  RequestStats stats_;
  FaultInjector faults_;

  mutable absl::Mutex mu_;
  std::map<Entity, std::vector<freshsales::CustomField>> fields_
      ABSL_GUARDED_BY(mu_);
  freshsales::Settings settings_ ABSL_GUARDED_BY(mu_);
  std::map<Entity, RecordTable> tables_ ABSL_GUARDED_BY(mu_);
  // Module name -> its records.
  std::map<std::string, RecordTable> module_tables_ ABSL_GUARDED_BY(mu_);
  // Whole tables in a listing's order (table, sort field, ascending), and
  // the table version they were sorted at (TablePageLocked).
  struct SortedListing {
    uint64_t version = 0;
    std::vector<const Json*> records;
  };
  std::map<std::tuple<const RecordTable*, std::string, bool>, SortedListing>
      listings_ ABSL_GUARDED_BY(mu_);
  // Job id -> its final status, and the reads still "in_progress".
  std::map<std::string, Json> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> job_polls_left_ ABSL_GUARDED_BY(mu_);
  int64_t next_job_ ABSL_GUARDED_BY(mu_);
  int job_polls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_EMULATOR_H_
