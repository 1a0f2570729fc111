// GET of a JSON document (an emulator's /__sandbox/stats or state) for
// integration tests and benchmarks. Test-only.
#ifndef BRIDGEWORK_TESTS_INTEGRATION_HTTP_JSON_H_
#define BRIDGEWORK_TESTS_INTEGRATION_HTTP_JSON_H_

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "libs/crm/http_client.h"

namespace bridgework::testing {

// The body of a GET of `url` parsed; a discarded (null) JSON when the call
// fails or the body is not JSON.
inline nlohmann::json GetJson(const std::string& url) {
  auto http = crm::MakeCurlHttpClient();
  auto r = http->Send(crm::HttpRequest::Get(url));
  if (!r.ok()) return nlohmann::json();
  return nlohmann::json::parse(r->body, nullptr, false);
}

// An emulator's GET /__sandbox/stats at `emulator` (its base URL) as
// requests by route ("PUT /contacts/{id}"), every status summed, with the
// total under "". Empty when the emulator does not answer.
inline std::map<std::string, int64_t> RequestsByRoute(
    const std::string& emulator) {
  nlohmann::json stats = GetJson(emulator + "/__sandbox/stats");
  std::map<std::string, int64_t> out;
  if (!stats.is_object()) return out;
  out[""] = stats.value("total", int64_t{0});
  if (!stats.contains("requests") || !stats["requests"].is_object()) return out;
  for (const auto& [route, statuses] : stats["requests"].items()) {
    for (const auto& [status, n] : statuses.items()) {
      if (n.is_number_integer()) out[route] += n.get<int64_t>();
    }
  }
  return out;
}

}  // namespace bridgework::testing

#endif  // BRIDGEWORK_TESTS_INTEGRATION_HTTP_JSON_H_
