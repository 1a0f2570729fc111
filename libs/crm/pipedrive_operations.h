// The Pipedrive API operations Bridgework uses and the emulator serves,
// with their token cost
// (the `x-token-cost` of each operation in Pipedrive's official OpenAPI
// specs, /work/shared/specs/pipedrive/openapi-v{1,2}.yaml; the test
// pipedrive_operations_test checks this table against the specs) and
// whether the operation counts against the search burst limit.
//
// v2 operations are served under /api/v2; v1 operations under /v1 and
// /api/v1 (the same handlers).
//
// Everything here is immutable and thread-safe.
#ifndef BRIDGEWORK_LIBS_CRM_PIPEDRIVE_OPERATIONS_H_
#define BRIDGEWORK_LIBS_CRM_PIPEDRIVE_OPERATIONS_H_

#include <string>
#include <string_view>
#include <vector>

namespace bridgework::pipedrive_api {

enum class Api { kV1, kV2 };

struct Operation {
  std::string_view method;  // "GET", "POST", "PATCH", "PUT", "DELETE"
  Api api;
  // The spec's path template, relative to the version prefix:
  // "/persons/{id}".
  std::string_view path;
  // Daily-budget tokens charged per request.
  int token_cost;
  // Counts against the search burst limit (10 requests per 2 s).
  bool search;

  // "/api/v2/persons/{id}" or "/v1/notes" (both v1 prefixes): the path
  // in logs.
  std::string PathTemplate() const;
  // "GET /api/v2/persons/{id}" or "GET /v1/notes": the stats key.
  std::string Route() const;
};

// Every served operation, v2 first.
const std::vector<Operation>& Operations();

// The URL prefixes of an API version: {"/api/v2"} or {"/v1", "/api/v1"}.
const std::vector<std::string_view>& Prefixes(Api api);

// The regular expression httplib routes `op` with, for one prefix: each
// "{param}" segment becomes "([^/]+)".
std::string RouteRegex(std::string_view prefix, const Operation& op);

// The operation a request path (with its prefix) and method address, or
// nullptr.
const Operation* FindOperation(std::string_view method, std::string_view path);

}  // namespace bridgework::pipedrive_api

#endif  // BRIDGEWORK_LIBS_CRM_PIPEDRIVE_OPERATIONS_H_
