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
  if (handlers.stats) {
    server.Get(prefix + "/stats", [f = handlers.stats](const httplib::Request&,
                                                       httplib::Response& res) {
      SendJson(res, 200, f());
    });
  }
  if (handlers.reset) {
    server.Post(
        prefix + "/reset",
        [f = handlers.reset](const httplib::Request&, httplib::Response& res) {
          f();
          SendJson(res, 200, Json::object());
        });
  }
  RegisterBodyRoute(server, "fields", handlers.fields);
  RegisterBodyRoute(server, "seed", handlers.seed);
  RegisterBodyRoute(server, "config", handlers.config);
}

}  // namespace bridgework::emulator
