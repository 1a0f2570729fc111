#include "emulators/common/traffic_log.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace bridgework::emulator {
namespace {

using nlohmann::json;

std::string ContentType(const httplib::Request& req) {
  return req.get_header_value("Content-Type");
}

void PutBody(json& side, const std::string& content_type,
             const std::string& body) {
  side["content_type"] = content_type;
  // A multipart body may have been read part by part (req.files), leaving
  // req.body empty: the content type says it was there.
  if (absl::StrContains(content_type, "multipart/")) {
    side["body"] = nullptr;
    side["body_kind"] = "multipart";
    return;
  }
  if (body.empty()) {
    side["body"] = nullptr;
    return;
  }
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    side["body"] = nullptr;
    side["body_kind"] = "text";
  } else {
    side["body"] = std::move(parsed);
  }
}

bool Secret(const std::string& name) {
  std::string n = absl::AsciiStrToLower(name);
  return n == "authorization" || n == "x-api-token" || n == "api_token";
}

}  // namespace

absl::StatusOr<std::unique_ptr<TrafficLog>> TrafficLog::Open(
    const std::string& path) {
  std::ofstream out(path, std::ios::app);
  if (!out) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open traffic log ", path));
  }
  return std::unique_ptr<TrafficLog>(new TrafficLog(std::move(out)));
}

void TrafficLog::Record(const httplib::Request& req,
                        const httplib::Response& res) {
  if (absl::StartsWith(req.path, "/__sandbox")) return;
  json line;
  line["method"] = req.method;
  line["path"] = req.path;
  json query = json::object();
  // The query string only: httplib also puts the fields of a form-encoded
  // body into req.params, and those are body, not query.
  httplib::Params params;
  size_t q = req.target.find('?');
  if (q != std::string::npos) {
    httplib::detail::parse_query_text(req.target.substr(q + 1), params);
  }
  for (const auto& [k, v] : params) {
    query[k] = Secret(k) ? "<redacted>" : v;
  }
  line["query"] = std::move(query);
  json request = json::object();
  json headers = json::object();
  for (const auto& [k, v] : req.headers) {
    std::string n = absl::AsciiStrToLower(k);
    if (n == "version" || n == "content-type" || Secret(n))
      headers[n] = Secret(n) ? "<redacted>" : v;
  }
  request["headers"] = std::move(headers);
  PutBody(request, ContentType(req), req.body);
  // A request refused before its handler (a 429 or 401 answered in
  // pre-routing) had a body the server never read.
  if (req.body.empty() && !request.contains("body_kind") &&
      req.get_header_value("Content-Length") != "" &&
      req.get_header_value("Content-Length") != "0") {
    request["body_kind"] = "unread";
  }
  line["request"] = std::move(request);
  line["status"] = res.status;
  json response = json::object();
  json rheaders = json::object();
  for (const auto& [k, v] : res.headers) {
    std::string n = absl::AsciiStrToLower(k);
    if (absl::StartsWith(n, "x-ratelimit") || n == "retry-after" ||
        absl::StartsWith(n, "x-daily") || n == "content-type") {
      rheaders[n] = v;
    }
  }
  response["headers"] = std::move(rheaders);
  PutBody(response, res.get_header_value("Content-Type"), res.body);
  line["response"] = std::move(response);
  std::string text = line.dump();
  absl::MutexLock lock(&mu_);
  out_ << text << "\n";
  out_.flush();
}

void TrafficLog::Attach(httplib::Server& server) {
  server.set_logger([this](const httplib::Request& req,
                           const httplib::Response& res) { Record(req, res); });
}

}  // namespace bridgework::emulator
