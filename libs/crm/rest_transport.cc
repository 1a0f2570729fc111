#include "libs/crm/rest_transport.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace bridgework::crm {
namespace {

absl::Status StatusForHttp(int status, const std::string& message) {
  std::string m = absl::StrCat("HTTP ", status, ": ", message);
  if (status == 401) return absl::UnauthenticatedError(m);
  if (status == 403) return absl::PermissionDeniedError(m);
  if (status == 404) return absl::NotFoundError(m);
  if (status == 429) return absl::ResourceExhaustedError(m);
  if (status >= 500) return absl::UnavailableError(m);
  return absl::InvalidArgumentError(m);
}

// Retry-After, else `fallback_header` (both whole seconds); 0 if neither.
std::chrono::milliseconds RetryAfter(const HttpResponse& r,
                                     const std::string& fallback_header = "") {
  for (const std::string& name :
       {std::string("retry-after"), fallback_header}) {
    if (name.empty()) continue;
    auto it = r.headers.find(name);
    int64_t seconds = 0;
    if (it != r.headers.end() && absl::SimpleAtoi(it->second, &seconds) &&
        seconds >= 0) {
      return std::chrono::milliseconds(seconds * 1000);
    }
  }
  return std::chrono::milliseconds(0);
}

}  // namespace

RestTransport::RestTransport(RestOptions options,
                             std::unique_ptr<HttpClient> http, Clock clock,
                             Sleeper sleeper)
    : options_(std::move(options)),
      http_(std::move(http)),
      pacer_(options_.pacer ? options_.pacer
                            : std::make_shared<Pacer>(
                                  options_.rate_per_second, options_.burst,
                                  std::move(clock), sleeper)),
      backoff_(options_.backoff_base, options_.backoff_cap),
      sleeper_(std::move(sleeper)) {}

absl::StatusOr<HttpResponse> RestTransport::Call(const std::string& method,
                                                 const std::string& path,
                                                 const std::string& body,
                                                 bool idempotent) {
  RestBody json_body;
  json_body.data = body;
  return CallWithBody(method, path, json_body, idempotent);
}

absl::StatusOr<HttpResponse> RestTransport::CallWithBody(
    const std::string& method, const std::string& path, const RestBody& body,
    bool idempotent) {
  HttpRequest request;
  request.method = method;
  request.url = options_.base_url + path;
  request.headers = options_.auth_headers;
  request.headers.insert(request.headers.end(), body.headers.begin(),
                         body.headers.end());
  if (body.parts.empty()) {
    request.headers.push_back("Content-Type: " + body.content_type);
    request.body = body.data;
  } else {
    request.parts = body.parts;
  }
  request.headers.push_back("Accept: application/json");
  request.resend_allowed = idempotent;
  RetryPolicy retry(options_.max_attempts);
  absl::Status last;
  RequestCost cost;
  if (options_.cost) cost = options_.cost(method, path);
  for (int attempt = 0; retry.Allows(attempt); ++attempt) {
    if (absl::Status s = pacer_->Wait(cost); !s.ok()) return s;
    ++requests_;
    absl::StatusOr<HttpResponse> response = http_->Send(request);
    if (!response.ok()) {
      last = response.status();
      bool ambiguous = absl::StartsWith(last.message(), "ambiguous:");
      if (ambiguous && !idempotent) return last;
      sleeper_(backoff_.Delay(attempt, std::chrono::milliseconds(0)));
      continue;
    }
    int status = response->status;
    std::vector<v1::RateObservation> seen;
    if (options_.observe) seen = options_.observe(*response);
    if (status != 429) {
      if (!seen.empty()) pacer_->Observe(seen);
    }
    if (status >= 200 && status < 300) return response;
    std::string message = options_.error_message
                              ? options_.error_message(response->body)
                              : std::string("request failed");
    last = StatusForHttp(status, message);
    if (status == 429) {
      ++rate_limited_;
      auto delay = backoff_.Delay(
          attempt, RetryAfter(*response, options_.rate_reset_header));
      // The whole account waits (every transport and replica sharing the
      // pacer), not only this call: no storm of 429s.
      bool named = false;
      for (v1::RateObservation& o : seen) {
        if (!o.throttled()) continue;
        named = true;
        o.set_retry_after_ms(
            std::max<int64_t>(o.retry_after_ms(), delay.count()));
      }
      if (!named) {
        v1::RateObservation o;
        o.set_throttled(true);
        o.set_retry_after_ms(delay.count());
        o.set_capacity(-1);
        o.set_remaining(-1);
        seen.push_back(std::move(o));
      }
      pacer_->Observe(seen);
      LogWarning("rate limited",
                 // The path only: a query string may hold a searched value.
                 {{"path", path.substr(0, path.find('?'))},
                  {"retry_in_ms", absl::StrCat(delay.count())}});
      continue;
    }
    if (status >= 500) {
      if (!idempotent) {
        return absl::UnavailableError(
            absl::StrCat("ambiguous: ", last.message()));
      }
      sleeper_(backoff_.Delay(attempt, RetryAfter(*response)));
      continue;
    }
    return last;
  }
  return last;
}

}  // namespace bridgework::crm
