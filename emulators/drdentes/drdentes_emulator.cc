#include "emulators/drdentes/drdentes_emulator.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "emulators/common/http_util.h"
#include "emulators/common/json_store.h"
#include "emulators/common/operator_endpoints.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;

std::optional<absl::Time> ParseInstant(const std::string& text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  // A bare date means its midnight in UTC.
  if (absl::ParseTime("%Y-%m-%d", text, &t, &err)) return t;
  return std::nullopt;
}

std::optional<absl::Time> UpdatedAt(const Json& record) {
  auto it = record.find("updated_at");
  if (it == record.end() || !it->is_string()) return std::nullopt;
  return ParseInstant(it->get<std::string>());
}

// Cursors are opaque to clients: base64url of {"id":<last id served>}.
std::string EncodeCursor(int64_t last_id) {
  return absl::WebSafeBase64Escape(Json{{"id", last_id}}.dump());
}

std::optional<int64_t> DecodeCursor(const std::string& cursor) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(cursor, &text)) return std::nullopt;
  std::optional<Json> j = ParseJson(text);
  if (!j || !j->is_object() || !j->contains("id")) return std::nullopt;
  std::optional<int64_t> id = AsInt64((*j)["id"]);
  if (!id || *id < 0) return std::nullopt;
  return id;
}

bool KnownResource(const std::string& resource) {
  const auto& all = drdentes::Resources();
  return std::find(all.begin(), all.end(), resource) != all.end();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DrdentesEmulator>> DrdentesEmulator::Create(
    DrdentesOptions options) {
  if (options.token.empty()) {
    return absl::InvalidArgumentError("the emulator needs an access token");
  }
  if (options.patients < 5) {
    return absl::InvalidArgumentError("--patients: want at least 5");
  }
  if (options.requests_per_minute < 0) {
    return absl::InvalidArgumentError(
        "the rate limit (requests per minute) must not be negative");
  }
  if (!(options.time_scale > 0)) {
    return absl::InvalidArgumentError("the time scale must be positive");
  }
  return std::unique_ptr<DrdentesEmulator>(
      new DrdentesEmulator(std::move(options)));
}

DrdentesEmulator::DrdentesEmulator(DrdentesOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : [] { return absl::Now(); }),
      window_(options_.requests_per_minute, absl::Minutes(1),
              options_.time_scale, clock_),
      data_(drdentes::GenerateData(options_.seed, options_.patients)) {}

DrdentesEmulator::Reply DrdentesEmulator::Error(int status,
                                                const std::string& code,
                                                const std::string& message) {
  return {status, {{"error", {{"code", code}, {"message", message}}}}};
}

bool DrdentesEmulator::Authorized(const httplib::Request& req) const {
  const std::string header = req.get_header_value("Authorization");
  constexpr char kScheme[] = "Bearer ";
  return absl::StartsWith(header, kScheme) &&
         header.substr(sizeof(kScheme) - 1) == options_.token;
}

nlohmann::json DrdentesEmulator::WindowJson() const {
  RateWindow::Snapshot s = window_.Snap();
  return {{"limit", s.limit},
          {"used", s.used},
          {"resets_in_seconds", s.resets_in_seconds},
          {"time_scale", s.time_scale}};
}

DrdentesEmulator::Reply DrdentesEmulator::ListLocked(
    const std::string& resource, const httplib::Request& req) {
  int per_page = kDefaultPerPage;
  if (req.has_param("per_page") &&
      (!absl::SimpleAtoi(req.get_param_value("per_page"), &per_page) ||
       per_page < 1 || per_page > kMaxPerPage)) {
    return Error(400, "invalid_parameter",
                 absl::StrCat("per_page: want 1 to ", kMaxPerPage));
  }
  int64_t after = 0;
  if (req.has_param("cursor")) {
    std::optional<int64_t> id = DecodeCursor(req.get_param_value("cursor"));
    if (!id) {
      return Error(400, "invalid_cursor",
                   "cursor: not a cursor this API handed out");
    }
    after = *id;
  }
  std::optional<absl::Time> since;
  if (req.has_param("updated_since")) {
    since = ParseInstant(req.get_param_value("updated_since"));
    if (!since) {
      return Error(400, "invalid_parameter",
                   "updated_since: want an ISO-8601 date-time such as "
                   "2026-11-01T00:00:00Z");
    }
  }
  int64_t total = 0;
  Json page = Json::array();
  int64_t last = 0;
  bool more = false;
  for (const Json& record : data_.records[resource]) {
    if (since) {
      std::optional<absl::Time> at = UpdatedAt(record);
      if (at && *at < *since) continue;
    }
    ++total;
    const int64_t id = record["id"];
    if (id <= after) continue;
    if (static_cast<int>(page.size()) < per_page) {
      page.push_back(record);
      last = id;
    } else {
      more = true;
    }
  }
  Json next_cursor;
  Json next_link;
  if (more) {
    next_cursor = EncodeCursor(last);
    std::string link =
        absl::StrCat(kApiPrefix, "/", resource, "?per_page=", per_page,
                     "&cursor=", next_cursor.get<std::string>());
    if (req.has_param("updated_since")) {
      absl::StrAppend(&link, "&updated_since=",
                      httplib::detail::encode_query_param(
                          req.get_param_value("updated_since")));
    }
    next_link = link;
  }
  return {200,
          {{"data", std::move(page)},
           {"meta",
            {{"per_page", per_page},
             {"total", total},
             {"next_cursor", next_cursor}}},
           {"links", {{"next", next_link}}}}};
}

DrdentesEmulator::Reply DrdentesEmulator::GetLocked(const std::string& resource,
                                                    int64_t id) {
  const std::vector<Json>& records = data_.records[resource];
  if (id < 1 || id > static_cast<int64_t>(records.size())) {
    return Error(404, "not_found", "No such record");
  }
  return {200, {{"data", records[id - 1]}}};
}

void DrdentesEmulator::Register(httplib::Server& server) {
  const std::string api = kApiPrefix;
  auto is_api = [api](const std::string& path) {
    return path == api || absl::StartsWith(path, api + "/");
  };
  auto send = [](httplib::Response& res, const Reply& r) {
    SendJson(res, r.status, r.body);
  };
  auto limit_headers = [](httplib::Response& res,
                          const RateWindow::Decision& d) {
    res.set_header("X-RateLimit-Limit", std::to_string(d.limit));
    res.set_header("X-RateLimit-Remaining", std::to_string(d.remaining));
    res.set_header("X-RateLimit-Reset", std::to_string(d.retry_after_seconds));
  };

  // Auth, then the rate limit, for every API request.
  server.set_pre_routing_handler([this, is_api, send, limit_headers](
                                     const httplib::Request& req,
                                     httplib::Response& res) {
    if (!is_api(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (!Authorized(req)) {
      send(res, Error(401, "unauthorized",
                      "Invalid or missing access token (send Authorization: "
                      "Bearer <token>)"));
      return httplib::Server::HandlerResponse::Handled;
    }
    RateWindow::Decision d = window_.Admit();
    limit_headers(res, d);
    if (!d.admitted) {
      res.set_header("Retry-After", std::to_string(d.retry_after_seconds));
      send(res, Error(429, "rate_limited",
                      "Too many requests; retry after the window resets"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_post_routing_handler(
      [this, api, is_api](const httplib::Request& req,
                          const httplib::Response& res) {
        LogRequest(req, res);
        if (!is_api(req.path)) return;
        stats_.Record(ApiRouteKey(req, api), res.status);
      });
  httplib::Server::HandlerWithResponse on_error =
      [is_api, send](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        if (is_api(req.path)) {
          send(res, Error(res.status, res.status == 404 ? "not_found" : "error",
                          res.status == 404 ? "Unknown endpoint"
                                            : "Request failed"));
        } else {
          SendJson(res, res.status, {{"error", "not found"}});
        }
        return httplib::Server::HandlerResponse::Handled;
      };
  server.set_error_handler(on_error);
  server.set_exception_handler([send](const httplib::Request&,
                                      httplib::Response& res,
                                      std::exception_ptr) {
    send(res, Error(500, "internal", "Internal server error"));
  });

  server.Get(api + R"(/([a-z_]+))",
             [this, send](const httplib::Request& req, httplib::Response& res) {
               const std::string resource = req.matches[1].str();
               if (!KnownResource(resource)) {
                 send(res, Error(404, "not_found", "Unknown endpoint"));
                 return;
               }
               absl::MutexLock lock(&mu_);
               send(res, ListLocked(resource, req));
             });
  server.Get(api + R"(/([a-z_]+)/(\d+))",
             [this, send](const httplib::Request& req, httplib::Response& res) {
               const std::string resource = req.matches[1].str();
               int64_t id = 0;
               if (!KnownResource(resource) ||
                   !absl::SimpleAtoi(req.matches[2].str(), &id)) {
                 send(res, Error(404, "not_found", "Unknown endpoint"));
                 return;
               }
               absl::MutexLock lock(&mu_);
               send(res, GetLocked(resource, id));
             });

  OperatorHandlers ops;
  ops.state = [this] { return State(); };
  ops.stats = [this] { return Stats(); };
  ops.reset = [this] { Reset(); };
  ops.config = [this](const Json& body) { return Configure(body); };
  RegisterOperatorEndpoints(server, std::move(ops));
}

nlohmann::json DrdentesEmulator::State() const {
  absl::MutexLock lock(&mu_);
  Json resources = Json::object();
  Json counts = Json::object();
  for (const auto& [name, records] : data_.records) {
    resources[name] = records;
    counts[name] = records.size();
  }
  Json bad = Json::array();
  for (const drdentes::BadRecord& b : data_.bad) {
    bad.push_back({{"resource", b.resource},
                   {"id", b.id},
                   {"field", b.field},
                   {"why", b.why}});
  }
  return {{"resources", resources}, {"counts", counts}, {"bad", bad}};
}

nlohmann::json DrdentesEmulator::Stats() const {
  Json out = stats_.ToJson();
  out["window"] = WindowJson();
  return out;
}

void DrdentesEmulator::Reset() {
  {
    absl::MutexLock lock(&mu_);
    data_ = drdentes::GenerateData(options_.seed, options_.patients);
  }
  stats_.Reset();
  window_.Reset();
}

absl::StatusOr<nlohmann::json> DrdentesEmulator::Configure(
    const nlohmann::json& body) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("want a JSON object");
  }
  std::optional<int64_t> limit;
  std::optional<double> scale;
  if (body.contains("requests_per_minute")) {
    limit = AsInt64(body["requests_per_minute"]);
    if (!limit || *limit < 0) {
      return absl::InvalidArgumentError(
          "requests_per_minute: want a whole number >= 0");
    }
  }
  if (body.contains("time_scale")) {
    if (!body["time_scale"].is_number() ||
        !(body["time_scale"].get<double>() > 0)) {
      return absl::InvalidArgumentError("time_scale: want a positive number");
    }
    scale = body["time_scale"].get<double>();
  }
  Json changed;
  if (body.contains("change")) {
    const Json& change = body["change"];
    if (!change.is_object() || !change.contains("resource") ||
        !change["resource"].is_string() || !change.contains("id")) {
      return absl::InvalidArgumentError(
          "change: want {\"resource\":\"patients\",\"id\":7,\"set\":{...}}");
    }
    const std::string resource = change["resource"];
    std::optional<int64_t> id = AsInt64(change["id"]);
    if (!KnownResource(resource)) {
      return absl::InvalidArgumentError(
          absl::StrCat("change.resource: unknown resource (known: ",
                       absl::StrJoin(drdentes::Resources(), ", "), ")"));
    }
    if (change.contains("set") && !change["set"].is_object()) {
      return absl::InvalidArgumentError("change.set: want an object");
    }
    absl::MutexLock lock(&mu_);
    std::vector<Json>& records = data_.records[resource];
    if (!id || *id < 1 || *id > static_cast<int64_t>(records.size())) {
      return absl::InvalidArgumentError("change.id: no such record");
    }
    // Whole seconds, strictly after every other change of the resource.
    const absl::Time now = clock_();
    int64_t at = absl::ToUnixSeconds(now);
    if (absl::FromUnixSeconds(at) < now) ++at;
    for (const Json& r : records) {
      std::optional<absl::Time> t = UpdatedAt(r);
      if (t && absl::ToUnixSeconds(*t) >= at) at = absl::ToUnixSeconds(*t) + 1;
    }
    Json& record = records[*id - 1];
    if (change.contains("set")) {
      for (const auto& [key, value] : change["set"].items()) {
        if (key != "id") record[key] = value;
      }
    }
    record["updated_at"] = absl::FormatTime(
        "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(at), absl::UTCTimeZone());
    changed = record;
  }
  window_.Configure(limit, scale);
  if (body.value("reset_window", false)) window_.Reset();
  Json out = {{"window", WindowJson()}};
  if (!changed.is_null()) out["changed"] = changed;
  return out;
}

}  // namespace bridgework::emulator
