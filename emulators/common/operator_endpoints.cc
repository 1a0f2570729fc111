#include "emulators/common/operator_endpoints.h"

#include <string>

#include "emulators/common/http_util.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using BodyHandler = std::function<absl::StatusOr<Json>(const Json&)>;

void RegisterBodyRoute(httplib::Server& server, const std::string& name,
                       BodyHandler handler) {
  if (!handler) return;
  server.Post(std::string(kOperatorPrefix) + "/" + name, [handler](
                                                             const httplib::
                                                                 Request& req,
                                                             httplib::Response&
                                                                 res) {
    std::optional<Json> body = ParseJson(req.body);
    if (!body || !body->is_object()) {
      return SendJson(res, 400, {{"error", "the body must be a JSON object"}});
    }
    absl::StatusOr<Json> out = handler(*body);
    if (!out.ok()) {
      return SendJson(res, 400,
                      {{"error", std::string(out.status().message())}});
    }
    SendJson(res, 200, *out);
  });
}

}  // namespace

void RegisterOperatorEndpoints(httplib::Server& server,
                               OperatorHandlers handlers) {
  const std::string prefix = kOperatorPrefix;
  if (handlers.state) {
    server.Get(prefix + "/state", [f = handlers.state](const httplib::Request&,
                                                       httplib::Response& res) {
      SendJson(res, 200, f());
    });
  }
  FaultInjector* faults = handlers.faults;
  if (handlers.stats) {
    server.Get(prefix + "/stats",
               [f = handlers.stats, faults](const httplib::Request&,
                                            httplib::Response& res) {
                 Json out = f();
                 if (faults != nullptr) out["faults"] = faults->StatsJson();
                 SendJson(res, 200, out);
               });
  }
  if (handlers.reset) {
    server.Post(prefix + "/reset",
                [f = handlers.reset, faults](const httplib::Request&,
                                             httplib::Response& res) {
                  f();
                  if (faults != nullptr) faults->ResetCounts();
                  SendJson(res, 200, Json::object());
                });
  }
  if (faults != nullptr) {
    server.Get(prefix + "/faults",
               [faults](const httplib::Request&, httplib::Response& res) {
                 SendJson(res, 200, faults->StatsJson());
               });
    RegisterBodyRoute(server, "faults",
                      [faults](const Json& body) -> absl::StatusOr<Json> {
                        absl::StatusOr<FaultConfig> config =
                            ParseFaultConfig(body, faults->config());
                        if (!config.ok()) return config.status();
                        faults->Configure(*std::move(config));
                        return faults->StatsJson();
                      });
  }
  RegisterBodyRoute(server, "fields", handlers.fields);
  RegisterBodyRoute(server, "seed", handlers.seed);
  RegisterBodyRoute(server, "config", handlers.config);
}

}  // namespace bridgework::emulator
