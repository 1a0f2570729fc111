#include <curl/curl.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/crm/http_client.h"

namespace bridgework::crm {
namespace {

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    (*headers)[name] = value;
  }
  return size * n;
}

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    curl_ = curl_easy_init();
  }
  ~CurlHttpClient() override { curl_easy_cleanup(curl_); }

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    curl_easy_reset(curl_);
    HttpResponse response;
    curl_slist* headers = nullptr;
    for (const auto& h : request.headers)
      headers = curl_slist_append(headers, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_mime* mime = nullptr;
    if (!request.parts.empty()) {
      // No "Expect: 100-continue" round trip before large uploads.
      headers = curl_slist_append(headers, "Expect:");
      mime = curl_mime_init(curl_);
      for (const MultipartPart& p : request.parts) {
        curl_mimepart* part = curl_mime_addpart(mime);
        curl_mime_name(part, p.name.c_str());
        curl_mime_data(part, p.data.data(), p.data.size());
        if (!p.file_name.empty()) curl_mime_filename(part, p.file_name.c_str());
        if (!p.content_type.empty())
          curl_mime_type(part, p.content_type.c_str());
      }
      curl_easy_setopt(curl_, CURLOPT_MIMEPOST, mime);
    } else if (!request.body.empty() || request.method == "POST" ||
               request.method == "PUT") {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT,
                     static_cast<long>(request.timeout_seconds));
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    // libcurl resends a request on a new connection, unasked, when a reused
    // connection dies before any response byte; only a fresh connection
    // rules that out (CURLOPT_FORBID_RETRY_ON_REUSE is newer than Debian
    // 12's libcurl 7.88).
    //
    // That connection is closed after the reply (FORBID_REUSE): left open
    // it would hold one of the server's keep-alive workers idle until its
    // timeout, one per create, and starve the server (httplib's pool).
    // (curl_easy_reset above clears both for the next request.)
    if (!request.resend_allowed) {
      curl_easy_setopt(curl_, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(curl_, CURLOPT_FORBID_REUSE, 1L);
    }
    CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    curl_mime_free(mime);
    if (rc != CURLE_OK) {
      // Connection failures before sending are safe to retry; anything
      // after the request may have gone out is ambiguous.
      bool before_send =
          rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
      return absl::UnavailableError(absl::StrCat(
          before_send ? "" : "ambiguous: ", curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  CURL* curl_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient() {
  return std::make_unique<CurlHttpClient>();
}

}  // namespace bridgework::crm
