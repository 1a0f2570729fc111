// GET of a JSON document (an emulator's /__sandbox/stats or state) for
// integration tests and benchmarks. Test-only.
#ifndef BRIDGEWORK_TESTS_INTEGRATION_HTTP_JSON_H_
#define BRIDGEWORK_TESTS_INTEGRATION_HTTP_JSON_H_

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

}  // namespace bridgework::testing

#endif  // BRIDGEWORK_TESTS_INTEGRATION_HTTP_JSON_H_
