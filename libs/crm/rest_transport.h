// Sends JSON requests to a CRM with pacing, retries and status mapping.
// Shared by every CRM connector; each supplies its auth headers and how to
// read an error message out of its error bodies.
//
// Retries: 429 always (the server did nothing), honouring Retry-After;
// 5xx and transport failures only for idempotent calls. A non-idempotent
// call that fails ambiguously returns UNAVAILABLE "ambiguous: ...".
// Thread safety: not thread-safe (owns one HttpClient).
#ifndef BRIDGEWORK_LIBS_CRM_REST_TRANSPORT_H_
#define BRIDGEWORK_LIBS_CRM_REST_TRANSPORT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/crm/http_client.h"
#include "libs/crm/retry.h"

namespace bridgework::crm {

struct RestOptions {
  std::string base_url;
  std::vector<std::string> auth_headers;
  // Requests per second and burst for the pacer.
  double rate_per_second = 10;
  int burst = 10;
  // When set, shared with other transports of the same account (and, for
  // a budget::BudgetPacer, with other replicas) so their sum stays within
  // the budget; rate_per_second and burst are then ignored.
  std::shared_ptr<RequestPacer> pacer;
  // What a request costs (path without the base URL, query included);
  // unset: one token, not a search.
  std::function<RequestCost(const std::string& method, const std::string& path)>
      cost;
  // Reads the CRM's rate-limit headers of a response (any status). For a
  // 429 it marks the limit that refused with `throttled`; the transport
  // then sets retry_after_ms to its jittered backoff (at least the CRM's
  // Retry-After). Unset, or no throttled entry on a 429: the transport
  // reports an unnamed throttled observation.
  std::function<std::vector<v1::RateObservation>(const HttpResponse&)> observe;
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{30000};
  // Reads the CRM's message from an error body; must not return field
  // values (CRM messages name fields, not values).
  std::function<std::string(const std::string& body)> error_message;
  // A response header (lower case) whose whole seconds stand in for a
  // 429's missing Retry-After ("x-ratelimit-reset"); empty for none.
  std::string rate_reset_header;
};

// A request body other than JSON.
struct RestBody {
  // Content-Type of `data`; ignored when `parts` is set.
  std::string content_type = "application/json";
  std::string data;
  // When non-empty, a multipart/form-data body (see HttpRequest::parts).
  std::vector<MultipartPart> parts;
  // Header lines sent after the auth headers for this call only
  // (HighLevel's per-endpoint "Version: 2021-04-15").
  std::vector<std::string> headers;
};

class RestTransport {
 public:
  RestTransport(RestOptions options, std::unique_ptr<HttpClient> http,
                Clock clock = SystemClock(), Sleeper sleeper = SystemSleeper());

  // Sends `method path` with an optional JSON body. Returns the response
  // for 2xx; maps other outcomes to the connector error contract.
  absl::StatusOr<HttpResponse> Call(const std::string& method,
                                    const std::string& path,
                                    const std::string& body, bool idempotent);
  // Like Call, with a body of another content type, multipart parts or
  // extra headers. Same pacing, retries and status mapping.
  absl::StatusOr<HttpResponse> CallWithBody(const std::string& method,
                                            const std::string& path,
                                            const RestBody& body,
                                            bool idempotent);

  int64_t requests() const { return requests_; }
  int64_t rate_limited() const { return rate_limited_; }

 private:
  RestOptions options_;
  std::unique_ptr<HttpClient> http_;
  std::shared_ptr<RequestPacer> pacer_;
  BackoffPolicy backoff_;
  Sleeper sleeper_;
  int64_t requests_ = 0;
  int64_t rate_limited_ = 0;
};

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_REST_TRANSPORT_H_
