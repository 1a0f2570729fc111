// Faults an emulator injects into its API traffic (issue 8), so chaos tests
// can prove the loader's exactly-once writes against a misbehaving CRM.
// Every emulator calls one FaultInjector from its routing hooks: Before()
// first in its pre-routing handler, After() in its post-routing handler.
// Operator endpoints (/__sandbox/) never see a fault.
//
// Kinds (each with a probability per API request; 0 turns it off):
//   storm          starts a 429 storm: every API request for `storm_ms` is
//                  answered 429 with Retry-After (the whole seconds left);
//                  nothing is applied.
//   error          a 5xx (drawn from `error_codes`) before the handler runs:
//                  nothing applied.
//   reset          the connection is closed without a response before the
//                  handler runs: nothing applied.
//   timeout        the request hangs for `hang_ms`, then the connection is
//                  closed without a response: nothing applied (a client
//                  with a shorter timeout gives up first).
//   slow           the reply is delayed by a uniform [0, slow_ms] and then
//                  served normally.
//   lost           a write (POST, PUT, PATCH, DELETE) answered 2xx is
//                  applied, then the connection is closed before the reply
//                  ("applied but response lost").
//   applied_error  a write answered 2xx is applied, then answered with a
//                  5xx (drawn from `error_codes`) instead of its reply.
// One request gets at most one fault. Draws come from one generator seeded
// with `seed`, a fixed number per request in a fixed order, so the same
// sequence of requests meets the same faults.
//
// Thread safety: all methods may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_COMMON_FAULT_INJECTOR_H_
#define BRIDGEWORK_EMULATORS_COMMON_FAULT_INJECTOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace bridgework::emulator {

// The kinds, in the order their draws are made.
inline constexpr const char* kFaultKinds[] = {
    "storm", "error", "reset", "timeout", "slow", "lost", "applied_error"};

struct FaultConfig {
  uint64_t seed = 1;
  // Kind (one of kFaultKinds) -> probability per request in [0, 1].
  std::map<std::string, double> rates;
  int64_t storm_ms = 2000;
  int64_t slow_ms = 300;
  int64_t hang_ms = 31000;
  std::vector<int> error_codes = {500, 502, 503};

  double rate(const std::string& kind) const {
    auto it = rates.find(kind);
    return it == rates.end() ? 0 : it->second;
  }
};

// Reads {"seed", "rates": {kind: p}, "storm_ms", "slow_ms", "hang_ms",
// "error_codes": [..]}; members left out keep their value in `base`.
// InvalidArgument names an unknown member or kind, a rate outside [0, 1],
// a negative duration or an error code outside 500..599.
absl::StatusOr<FaultConfig> ParseFaultConfig(const nlohmann::json& body,
                                             FaultConfig base = {});
nlohmann::json FaultConfigJson(const FaultConfig& config);

class FaultInjector {
 public:
  // Writes an error reply in the emulator's own envelope (status, body).
  using ErrorReply = std::function<void(httplib::Response&, int status,
                                        const std::string& message)>;
  using Clock = std::function<absl::Time()>;
  using Sleeper = std::function<void(absl::Duration)>;
  // Closes the connection `req` arrived on without a response.
  using Dropper = std::function<void(const httplib::Request&)>;

  // Starts with every rate 0. Defaults: absl::Now, absl::SleepFor,
  // DropConnection.
  explicit FaultInjector(ErrorReply reply, Clock clock = nullptr,
                         Sleeper sleeper = nullptr, Dropper drop = nullptr);

  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Replaces the configuration and reseeds the generator; ends a storm.
  void Configure(FaultConfig config);
  FaultConfig config() const;

  // For the pre-routing handler. True when a fault took the request (the
  // reply is written, or the connection dropped): return Handled. False
  // for operator endpoints and when no fault applies (after a `slow`
  // delay too).
  bool Before(const httplib::Request& req, httplib::Response& res);
  // For the post-routing handler: may drop (lost) or replace
  // (applied_error) the 2xx reply of a write. Requests a fault took in
  // Before and operator endpoints are left alone.
  void After(const httplib::Request& req, httplib::Response& res);

  // {"config": FaultConfigJson, "injected": {kind: n}, "storms": n}: the
  // faults injected since construction or ResetCounts (storm counts the
  // 429 replies, "storms" the storms started).
  nlohmann::json StatsJson() const;
  void ResetCounts();

 private:
  // A uniform draw in [0, 1).
  double DrawLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int ErrorCodeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountLocked(const std::string& kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ErrorReply reply_;
  const Clock clock_;
  const Sleeper sleeper_;
  const Dropper drop_;
  mutable absl::Mutex mu_;
  FaultConfig config_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  absl::Time storm_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::map<std::string, int64_t> injected_ ABSL_GUARDED_BY(mu_);
  int64_t storms_ ABSL_GUARDED_BY(mu_) = 0;
};

// Closes the TCP connection `req` arrived on, without a response: finds
// the server's socket by the request's local and remote address and port
// (cpp-httplib hands handlers no socket), sets SO_LINGER 0 and shuts it
// down both ways. cpp-httplib's write of the reply then fails and it
// closes the socket itself. False when no such socket was found.
bool DropConnection(const httplib::Request& req);

// The fault flags of bridgework-sandbox as a JSON body for
// ParseFaultConfig: `rates` are "kind=p" items.
absl::StatusOr<FaultConfig> FaultConfigFromFlags(
    const std::vector<std::string>& rates, uint64_t seed, int64_t storm_ms,
    int64_t slow_ms, int64_t hang_ms, const std::vector<int>& error_codes);

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_FAULT_INJECTOR_H_
