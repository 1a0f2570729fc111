// A minimal HTTP client seam. Connectors speak to CRMs through it, so tests
// can put a fake or a fault-injecting wrapper underneath.
#ifndef BRIDGEWORK_LIBS_CRM_HTTP_CLIENT_H_
#define BRIDGEWORK_LIBS_CRM_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace bridgework::crm {

// One part of a multipart/form-data body.
struct MultipartPart {
  // The form field name ("file", "deal_id").
  std::string name;
  // The part's bytes.
  std::string data;
  // For a file part: the file name and content type sent in its headers;
  // both empty for a plain form field.
  std::string file_name;
  std::string content_type;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  // Header lines "Name: value".
  std::vector<std::string> headers;
  std::string body;
  // When non-empty the request is sent as multipart/form-data made of these
  // parts (the client writes the Content-Type with its boundary; `headers`
  // must not carry one) and `body` is ignored.
  std::vector<MultipartPart> parts;
  // Seconds before the call is abandoned. Default 30.
  int timeout_seconds = 30;
  // False for a write that must not be sent twice (a create): the client
  // must then never resend it by itself. libcurl silently resends a
  // request whose reused keep-alive connection closes before any response
  // byte (which is also what a response lost after the write was applied
  // looks like), so such a request goes on a fresh connection, where
  // libcurl does not resend (docs/reliability.md).
  bool resend_allowed = true;

  // A plain GET of `url`.
  static HttpRequest Get(std::string url) {
    HttpRequest r;
    r.url = std::move(url);
    return r;
  }
};

struct HttpResponse {
  int status = 0;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
};

// Sends one request. An HTTP error status is a successful Send (the
// response says it). A transport failure (refused, reset, timeout) is
// UNAVAILABLE; when the request may have reached the server (reset or
// timeout after sending) the message starts with "ambiguous:".
//
// Thread safety: implementations are NOT thread-safe; use one per thread.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// libcurl implementation. Reuses one connection (keep-alive).
std::unique_ptr<HttpClient> MakeCurlHttpClient();

// A fake driven by a handler function, for tests.
class FakeHttpClient : public HttpClient {
 public:
  using Handler =
      std::function<absl::StatusOr<HttpResponse>(const HttpRequest&)>;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    return handler_(request);
  }
  std::vector<HttpRequest> requests;

 private:
  Handler handler_;
};

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_HTTP_CLIENT_H_
