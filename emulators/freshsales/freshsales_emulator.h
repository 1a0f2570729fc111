// An emulator of the Freshsales (Freshworks CRM) REST API under
// /crm/sales/api, faithful to docs/connectors/freshsales.md: token auth,
// wrapped bodies, cf_ custom fields checked against the account's fields,
// views for lists, /selector/owners, /lookup, the error shape, uniqueness
// rules, and the per-account hourly rate limit with 429 and Retry-After.
// Operator endpoints under /__sandbox/ (state, stats, reset, fields, seed,
// config) are for tests and need no auth.
//
// Thread safety: handlers may run on many threads; all state is behind one
// mutex.
#ifndef BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_EMULATOR_H_
#define BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_EMULATOR_H_

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace bridgework::emulator {

struct FreshsalesOptions {
  // The API key accepted in "Authorization: Token token=<key>".
  std::string token;
  // Requests per account per hour (growth 1000, pro 2000, enterprise 5000).
  int requests_per_hour = 1000;
  // The hour lasts 3600 / time_scale seconds (tests run "an hour" fast).
  double time_scale = 1.0;
  // Users: [{"id", "display_name", "email"}]. Empty: three built-in users.
  nlohmann::json users;
  // Custom fields the account has: {"contacts": [...], "sales_accounts":
  // [...]}.
  nlohmann::json fields;
};

class FreshsalesEmulator {
 public:
  explicit FreshsalesEmulator(FreshsalesOptions options);
  // Registers every route on `server`, which must outlive this object's use.
  void Register(httplib::Server& server);

 private:
  using Json = nlohmann::json;
  struct Reply {
    int status;
    Json body;
  };

  // Entity plumbing: "contacts" <-> "contact".
  static std::string Singular(const std::string& plural);
  Reply Create(const std::string& plural, const Json& body);
  Reply Read(const std::string& plural, int64_t id);
  Reply Update(const std::string& plural, int64_t id, const Json& body);
  Reply Delete(const std::string& plural, int64_t id);
  Reply View(const std::string& plural, const httplib::Request& req);
  Reply Lookup(const httplib::Request& req);
  Reply FilteredSearch(const std::string& singular, const Json& body);
  Reply Upsert(const std::string& plural, const Json& body);
  // Checks a record about to be stored; empty string if valid.
  std::string Validate(const std::string& plural, const Json& record,
                       int64_t self_id);
  Json StateJson();
  static Reply Error(int status, const std::string& message);
  bool Authorized(const httplib::Request& req) const;
  // Counts the request against the window; false if over the limit.
  bool Admit(httplib::Response& res);

  std::mutex mu_;
  FreshsalesOptions options_;
  std::map<std::string, std::map<int64_t, Json>>
      records_;  // plural -> id -> record
  int64_t next_id_ = 1;
  // Rate window.
  std::chrono::steady_clock::time_point window_start_;
  int window_used_ = 0;
  int64_t rate_limited_ = 0;
  std::map<std::string, std::map<int, int64_t>>
      stats_;  // "METHOD path" -> status -> n
  int64_t total_ = 0;
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_FRESHSALES_FRESHSALES_EMULATOR_H_
