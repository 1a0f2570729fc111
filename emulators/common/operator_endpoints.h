// The operator endpoints every emulator serves under /__sandbox/ for tests
// and demos. They need no auth, are not rate limited and are not counted in
// the stats. Each emulator supplies the behaviour; this file owns the
// routes, the JSON parsing and the reply shapes:
//   GET  /__sandbox/state   -> state()
//   GET  /__sandbox/stats   -> stats()
//   POST /__sandbox/reset   -> reset(), replies {}
//   POST /__sandbox/fields  -> fields(body)
//   POST /__sandbox/seed    -> seed(body)
//   POST /__sandbox/config  -> config(body)
//   GET  /__sandbox/faults  -> faults->StatsJson()
//   POST /__sandbox/faults  -> faults->Configure(body over the current
//                              configuration), replies StatsJson()
// With `faults` set, GET /__sandbox/stats also carries
// "faults": faults->StatsJson() and POST /__sandbox/reset clears its
// counts (not its configuration).
// A body that is not JSON, or a handler error, gives 400 {"error":"..."}.
// Handlers left empty are not registered (404).
#ifndef BRIDGEWORK_EMULATORS_COMMON_OPERATOR_ENDPOINTS_H_
#define BRIDGEWORK_EMULATORS_COMMON_OPERATOR_ENDPOINTS_H_

#include <functional>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "emulators/common/fault_injector.h"

namespace bridgework::emulator {

inline constexpr char kOperatorPrefix[] = "/__sandbox";

struct OperatorHandlers {
  std::function<nlohmann::json()> state;
  std::function<nlohmann::json()> stats;
  std::function<void()> reset;
  std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json&)> fields;
  std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json&)> seed;
  std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json&)> config;
  // The emulator's fault injector; not owned, must outlive the server's
  // use. Null: no /__sandbox/faults.
  FaultInjector* faults = nullptr;
};

// Registers the routes on `server`. The handlers are copied; whatever they
// capture must outlive the server's use.
void RegisterOperatorEndpoints(httplib::Server& server,
                               OperatorHandlers handlers);

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_OPERATOR_ENDPOINTS_H_
