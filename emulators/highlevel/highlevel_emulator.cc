#include "emulators/highlevel/highlevel_emulator.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "emulators/common/http_util.h"
#include "emulators/common/operator_endpoints.h"
#include "emulators/highlevel/highlevel_backend.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using highlevel::Backend;
using highlevel::Call;
using highlevel::Reply;

constexpr char kV2[] = "2021-07-28";
constexpr char kCalendars[] = "2021-04-15";
constexpr absl::Duration kBurstWindow = absl::Seconds(10);
constexpr absl::Duration kDay = absl::Hours(24);
// Above the 25 MB media limit so that the handler answers for 25-30 MB.
constexpr size_t kPayloadMax = 30u * 1024 * 1024;

using Handler = Reply (Backend::*)(const Call&);

struct RouteDef {
  const char* method;
  const char* path;  // the spec's template
  Handler handler;
  bool declares_422;
};

// Every emulated operation, as the specs declare it. The Version each one
// takes follows from its path: /calendars -> 2021-04-15, else 2021-07-28.
const std::vector<RouteDef>& RouteDefs() {
  static const auto* kDefs = new std::vector<RouteDef>{
      // contacts.json
      {"POST", "/contacts/search", &Backend::ContactSearch, false},
      {"GET", "/contacts/search/duplicate", &Backend::ContactDuplicate, false},
      {"POST", "/contacts/upsert", &Backend::ContactUpsert, true},
      {"POST", "/contacts/bulk/business", &Backend::ContactsBulkBusiness, true},
      {"GET", "/contacts/business/{businessId}", &Backend::ContactsByBusiness,
       true},
      {"GET", "/contacts/{contactId}/tasks", &Backend::TaskList, false},
      {"POST", "/contacts/{contactId}/tasks", &Backend::TaskCreate, true},
      {"GET", "/contacts/{contactId}/tasks/{taskId}", &Backend::TaskGet, false},
      {"PUT", "/contacts/{contactId}/tasks/{taskId}", &Backend::TaskUpdate,
       true},
      {"DELETE", "/contacts/{contactId}/tasks/{taskId}", &Backend::TaskDelete,
       false},
      {"PUT", "/contacts/{contactId}/tasks/{taskId}/completed",
       &Backend::TaskCompleted, true},
      {"GET", "/contacts/{contactId}/appointments",
       &Backend::ContactAppointments, true},
      {"POST", "/contacts/{contactId}/tags", &Backend::TagsAdd, true},
      {"DELETE", "/contacts/{contactId}/tags", &Backend::TagsRemove, true},
      {"GET", "/contacts/{contactId}/notes", &Backend::NoteList, false},
      {"POST", "/contacts/{contactId}/notes", &Backend::NoteCreate, true},
      {"GET", "/contacts/{contactId}/notes/{id}", &Backend::NoteGet, true},
      {"PUT", "/contacts/{contactId}/notes/{id}", &Backend::NoteUpdate, true},
      {"DELETE", "/contacts/{contactId}/notes/{id}", &Backend::NoteDelete,
       true},
      {"GET", "/contacts/{contactId}", &Backend::ContactGet, true},
      {"PUT", "/contacts/{contactId}", &Backend::ContactUpdate, true},
      {"DELETE", "/contacts/{contactId}", &Backend::ContactDelete, true},
      {"POST", "/contacts/", &Backend::ContactCreate, true},
      {"GET", "/contacts/", &Backend::ContactList, true},
      // businesses.json
      {"POST", "/businesses/", &Backend::BusinessCreate, true},
      {"GET", "/businesses/", &Backend::BusinessList, false},
      {"GET", "/businesses/{businessId}", &Backend::BusinessGet, true},
      {"PUT", "/businesses/{businessId}", &Backend::BusinessUpdate, true},
      {"DELETE", "/businesses/{businessId}", &Backend::BusinessDelete, true},
      // opportunities.json
      {"GET", "/opportunities/search", &Backend::OpportunitySearch, true},
      {"POST", "/opportunities/search", &Backend::OpportunityAdvancedSearch,
       true},
      {"GET", "/opportunities/pipelines", &Backend::PipelineList, false},
      {"POST", "/opportunities/upsert", &Backend::OpportunityUpsert, true},
      {"GET", "/opportunities/{id}", &Backend::OpportunityGet, true},
      {"PUT", "/opportunities/{id}", &Backend::OpportunityUpdate, true},
      {"DELETE", "/opportunities/{id}", &Backend::OpportunityDelete, true},
      {"PUT", "/opportunities/{id}/status", &Backend::OpportunityStatus, true},
      {"POST", "/opportunities/", &Backend::OpportunityCreate, true},
      // calendars.json
      {"GET", "/calendars/", &Backend::CalendarList, false},
      {"GET", "/calendars/events", &Backend::EventList, false},
      {"POST", "/calendars/events/appointments", &Backend::AppointmentCreate,
       false},
      {"GET", "/calendars/events/appointments/{eventId}",
       &Backend::AppointmentGet, false},
      {"PUT", "/calendars/events/appointments/{eventId}",
       &Backend::AppointmentUpdate, false},
      {"DELETE", "/calendars/events/{eventId}", &Backend::EventDelete, false},
      // locations.json: custom fields
      {"GET", "/locations/{locationId}/customFields",
       &Backend::LocationFieldList, true},
      {"POST", "/locations/{locationId}/customFields",
       &Backend::LocationFieldCreate, true},
      {"GET", "/locations/{locationId}/customFields/{id}",
       &Backend::LocationFieldGet, true},
      {"PUT", "/locations/{locationId}/customFields/{id}",
       &Backend::LocationFieldUpdate, true},
      {"DELETE", "/locations/{locationId}/customFields/{id}",
       &Backend::LocationFieldDelete, true},
      // custom-fields.json
      {"GET", "/custom-fields/object-key/{objectKey}",
       &Backend::ObjectFieldsByObject, false},
      {"POST", "/custom-fields/", &Backend::ObjectFieldCreate, false},
      {"GET", "/custom-fields/{id}", &Backend::ObjectFieldGet, false},
      {"PUT", "/custom-fields/{id}", &Backend::ObjectFieldUpdate, false},
      {"DELETE", "/custom-fields/{id}", &Backend::ObjectFieldDelete, false},
      // objects.json
      {"GET", "/objects/", &Backend::ObjectList, true},
      {"POST", "/objects/", &Backend::ObjectCreate, true},
      {"GET", "/objects/{key}", &Backend::ObjectGet, true},
      {"PUT", "/objects/{key}", &Backend::ObjectUpdate, true},
      {"POST", "/objects/{schemaKey}/records/search", &Backend::RecordSearch,
       false},
      {"POST", "/objects/{schemaKey}/records", &Backend::RecordCreate, false},
      {"GET", "/objects/{schemaKey}/records/{id}", &Backend::RecordGet, false},
      {"PUT", "/objects/{schemaKey}/records/{id}", &Backend::RecordUpdate,
       false},
      {"DELETE", "/objects/{schemaKey}/records/{id}", &Backend::RecordDelete,
       false},
      // associations.json
      {"POST", "/associations/relations", &Backend::RelationCreate, true},
      {"GET", "/associations/relations/{recordId}", &Backend::RelationList,
       true},
      {"DELETE", "/associations/relations/{relationId}",
       &Backend::RelationDelete, true},
      {"GET", "/associations/key/{key_name}", &Backend::AssociationByKey, true},
      {"GET", "/associations/", &Backend::AssociationList, true},
      {"POST", "/associations/", &Backend::AssociationCreate, true},
      {"GET", "/associations/{associationId}", &Backend::AssociationGet, true},
      {"PUT", "/associations/{associationId}", &Backend::AssociationUpdate,
       true},
      {"DELETE", "/associations/{associationId}", &Backend::AssociationDelete,
       true},
      // medias.json
      {"POST", "/medias/upload-file", &Backend::MediaUpload, false},
      {"GET", "/medias/files", &Backend::MediaList, false},
      {"DELETE", "/medias/{id}", &Backend::MediaDelete, false},
      // users.json
      {"GET", "/users/search", &Backend::UserSearch, true},
      {"POST", "/users/search/filter-by-email", &Backend::UserFilterByEmail,
       true},
      {"GET", "/users/{userId}", &Backend::UserGet, true},
      {"GET", "/users/", &Backend::UserList, false},
      // products.json
      {"POST", "/products/", &Backend::ProductCreate, true},
      {"GET", "/products/", &Backend::ProductList, true},
      {"GET", "/products/{productId}", &Backend::ProductGet, true},
      {"PUT", "/products/{productId}", &Backend::ProductUpdate, true},
      {"DELETE", "/products/{productId}", &Backend::ProductDelete, true},
  };
  return *kDefs;
}

Json ErrorBody(int status, const std::string& message, const char* error) {
  return {{"statusCode", status}, {"message", message}, {"error", error}};
}

const char* ReasonOf(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    default:
      return status >= 500 ? "Internal Server Error" : "Error";
  }
}

bool IsApi(const std::string& path) {
  return !absl::StartsWith(path, kOperatorPrefix);
}

}  // namespace

struct HighLevelEmulator::Route {
  RouteDef def;
  std::string key;      // "GET /contacts/{contactId}"
  std::string version;  // the Version the operation takes
  std::string pattern;  // the regex httplib matches
  std::regex regex;
  std::vector<std::string> params;
};

absl::StatusOr<std::unique_ptr<HighLevelEmulator>> HighLevelEmulator::Create(
    HighLevelOptions options) {
  if (options.token.empty()) {
    return absl::InvalidArgumentError("the token must not be empty");
  }
  if (options.location_id.empty() || options.company_id.empty()) {
    return absl::InvalidArgumentError(
        "the location and company ids must not be empty");
  }
  if (options.burst_limit < 0 || options.daily_limit < 0) {
    return absl::InvalidArgumentError("rate limits must not be negative");
  }
  if (!(options.time_scale > 0)) {
    return absl::InvalidArgumentError("the time scale must be positive");
  }
  if (options.duplicate_priority != "email" &&
      options.duplicate_priority != "phone") {
    return absl::InvalidArgumentError(
        "the duplicate priority must be email or phone");
  }
  if (options.custom_object_limit < 0) {
    return absl::InvalidArgumentError(
        "the custom object limit must not be negative");
  }
  std::vector<highlevel::User> users = highlevel::DefaultUsers();
  if (!options.users.is_null()) {
    absl::StatusOr<std::vector<highlevel::User>> parsed =
        highlevel::ParseUsers(options.users);
    if (!parsed.ok()) return parsed.status();
    users = *std::move(parsed);
  }
  Json pipelines = options.pipelines.is_null() ? Backend::DefaultPipelines()
                                               : options.pipelines;
  if (absl::Status s = Backend::CheckPipelines(pipelines); !s.ok()) return s;
  Json calendars = options.calendars.is_null() ? Backend::DefaultCalendars()
                                               : options.calendars;
  if (absl::Status s = Backend::CheckCalendars(calendars); !s.ok()) return s;
  if (!options.clock) options.clock = [] { return absl::Now(); };
  highlevel::Settings settings;
  settings.allow_duplicate_contact = options.allow_duplicate_contact;
  settings.duplicate_priority = options.duplicate_priority;
  settings.allow_duplicate_opportunity = options.allow_duplicate_opportunity;
  settings.custom_object_limit = options.custom_object_limit;
  auto backend = std::make_unique<Backend>(
      options.location_id, options.company_id, std::move(users),
      std::move(pipelines), std::move(calendars), settings, options.clock);
  return std::unique_ptr<HighLevelEmulator>(
      new HighLevelEmulator(std::move(options), std::move(backend)));
}

HighLevelEmulator::HighLevelEmulator(HighLevelOptions options,
                                     std::unique_ptr<Backend> backend)
    : token_(options.token),
      clock_(options.clock),
      backend_(std::move(backend)),
      burst_(options.burst_limit, kBurstWindow, options.time_scale,
             options.clock, RateWindow::Kind::kRolling),
      daily_(options.daily_limit, kDay, options.time_scale, options.clock,
             RateWindow::Kind::kEpoch),
      faults_(
          [](httplib::Response& res, int status, const std::string& message) {
            SendJson(res, status, ErrorBody(status, message, ReasonOf(status)));
          }) {
  static const std::regex kParam("\\{([^}]+)\\}");
  for (const RouteDef& def : RouteDefs()) {
    Route r{def,
            absl::StrCat(def.method, " ", def.path),
            absl::StartsWith(def.path, "/calendars") ? kCalendars : kV2,
            "",
            std::regex(),
            {}};
    std::string path = def.path;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    std::string pattern;
    std::sregex_iterator it(path.begin(), path.end(), kParam), end;
    size_t last = 0;
    for (; it != end; ++it) {
      pattern += path.substr(last, it->position() - last);
      pattern += "([^/]+)";
      r.params.push_back((*it)[1]);
      last = it->position() + it->length();
    }
    pattern += path.substr(last);
    r.pattern = pattern + "/?";
    r.regex = std::regex(r.pattern);
    routes_.push_back(std::move(r));
  }
  // Literal routes before parameterised ones ("/opportunities/search"
  // before "/opportunities/{id}"): httplib takes the first match.
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) {
                     return a.params.size() < b.params.size();
                   });
}

HighLevelEmulator::~HighLevelEmulator() = default;

bool HighLevelEmulator::Authorized(const httplib::Request& req) const {
  std::string auth = req.get_header_value("Authorization");
  absl::string_view rest = auth;
  if (rest.size() < 7 ||
      !absl::EqualsIgnoreCase(rest.substr(0, 7), "Bearer ")) {
    return false;
  }
  rest.remove_prefix(7);
  return absl::StripAsciiWhitespace(rest) == token_;
}

void HighLevelEmulator::SetRateHeaders(
    httplib::Response& res, const RateWindow::Decision& burst,
    const RateWindow::Decision& daily) const {
  double scale = burst_.Snap().time_scale;
  int64_t interval_ms = std::max<int64_t>(
      1, static_cast<int64_t>(
             std::llround(absl::ToDoubleMilliseconds(kBurstWindow) / scale)));
  res.set_header("X-RateLimit-Limit-Daily", std::to_string(daily.limit));
  res.set_header("X-RateLimit-Daily-Remaining",
                 std::to_string(daily.remaining));
  res.set_header("X-RateLimit-Interval-Milliseconds",
                 std::to_string(interval_ms));
  res.set_header("X-RateLimit-Max", std::to_string(burst.limit));
  res.set_header("X-RateLimit-Remaining", std::to_string(burst.remaining));
}

bool HighLevelEmulator::Admit(httplib::Response& res) {
  absl::MutexLock lock(&rate_mu_);
  RateWindow::Decision daily = daily_.Peek();
  if (daily.remaining <= 0) {
    SetRateHeaders(res, burst_.Peek(), daily);
    res.set_header("Retry-After", std::to_string(daily.retry_after_seconds));
    SendJson(res, 429,
             ErrorBody(429, "Too Many Requests: the daily limit is reached",
                       "Too Many Requests"));
    return false;
  }
  RateWindow::Decision burst = burst_.Admit();
  if (!burst.admitted) {
    SetRateHeaders(res, burst, daily);
    res.set_header("Retry-After", std::to_string(burst.retry_after_seconds));
    SendJson(res, 429,
             ErrorBody(429, "Too Many Requests", "Too Many Requests"));
    return false;
  }
  daily = daily_.Admit();
  SetRateHeaders(res, burst, daily);
  return true;
}

std::string HighLevelEmulator::RouteKey(const httplib::Request& req) const {
  for (const Route& r : routes_) {
    if (req.method == r.def.method && std::regex_match(req.path, r.regex)) {
      return r.key;
    }
  }
  return absl::StrCat(req.method, " ", PathTemplate(req.path));
}

void HighLevelEmulator::Handle(const Route& route, const httplib::Request& req,
                               httplib::Response& res) {
  auto send = [&res](const Reply& r) { SendJson(res, r.status, r.body); };
  std::string version = req.get_header_value("Version");
  if (version.empty()) {
    return send(
        {400, ErrorBody(400, "Version header was not found", "Bad Request")});
  }
  if (version != route.version) {
    return send(
        {400, ErrorBody(400,
                        absl::StrCat("Version header must be ", route.version,
                                     " for this endpoint"),
                        "Bad Request")});
  }
  Call call;
  call.req = &req;
  call.declares_422 = route.def.declares_422;
  for (size_t i = 0; i < route.params.size() && i + 1 < req.matches.size();
       ++i) {
    call.params[route.params[i]] = req.matches[i + 1];
  }
  bool multipart = absl::StrContains(req.get_header_value("Content-Type"),
                                     "multipart/form-data");
  if (req.method != "GET" && !multipart && !req.body.empty()) {
    std::optional<Json> body = ParseJson(req.body);
    if (!body) {
      return send({400, ErrorBody(400, "The request body is not valid JSON",
                                  "Bad Request")});
    }
    call.body = *std::move(body);
  }
  // The token's scope: one location of one company.
  const std::string& location = backend_->location_id();
  auto other_location = [&location](const std::string& v) {
    return !v.empty() && v != location;
  };
  bool foreign = other_location(call.Param("locationId"));
  for (const char* q : {"locationId", "location_id", "altId"}) {
    foreign = foreign || other_location(call.Query(q).value_or(""));
  }
  if (call.body.is_object()) {
    auto it = call.body.find("locationId");
    if (it != call.body.end() && it->is_string()) {
      foreign = foreign || other_location(it->get<std::string>());
    }
  }
  if (foreign) {
    return send(highlevel::Forbidden(
        "The token does not have access to this location."));
  }
  std::string company = call.Query("companyId").value_or("");
  if (company.empty() && call.body.is_object() &&
      call.body.contains("companyId") && call.body["companyId"].is_string()) {
    company = call.body["companyId"].get<std::string>();
  }
  if (!company.empty() && company != backend_->company_id()) {
    return send(highlevel::Forbidden(
        "The token does not have access to this company."));
  }
  send((backend_.get()->*route.def.handler)(call));
}

void HighLevelEmulator::Register(httplib::Server& server) {
  server.set_payload_max_length(kPayloadMax);
  server.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!IsApi(req.path))
          return httplib::Server::HandlerResponse::Unhandled;
        if (faults_.Before(req, res))
          return httplib::Server::HandlerResponse::Handled;
        if (!Authorized(req)) {
          SetRateHeaders(res, burst_.Peek(), daily_.Peek());
          SendJson(res, 401,
                   ErrorBody(401, "Invalid token: access token is invalid",
                             "Unauthorized"));
          return httplib::Server::HandlerResponse::Handled;
        }
        if (!Admit(res)) return httplib::Server::HandlerResponse::Handled;
        return httplib::Server::HandlerResponse::Unhandled;
      });
  // Runs for every response before it is written, so stats are current by
  // the time a client sees the reply.
  server.set_post_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        faults_.After(req, res);
        LogRequest(req, res);
        if (!IsApi(req.path)) return;
        stats_.Record(RouteKey(req), res.status);
      });
  httplib::Server::HandlerWithResponse on_error =
      [](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 404
                                  ? absl::StrCat("Cannot ", req.method, " ",
                                                 PathTemplate(req.path))
                                  : ReasonOf(res.status);
        SendJson(res, res.status,
                 ErrorBody(res.status, message, ReasonOf(res.status)));
        return httplib::Server::HandlerResponse::Handled;
      };
  server.set_error_handler(on_error);
  server.set_exception_handler([](const httplib::Request&,
                                  httplib::Response& res, std::exception_ptr) {
    SendJson(res, 500,
             ErrorBody(500, "Internal server error", "Internal Server Error"));
  });
  for (const Route& route : routes_) {
    auto handler = [this, &route](const httplib::Request& req,
                                  httplib::Response& res) {
      Handle(route, req, res);
    };
    const std::string& m = route.def.method;
    if (m == "GET") {
      server.Get(route.pattern, handler);
    } else if (m == "POST") {
      server.Post(route.pattern, handler);
    } else if (m == "PUT") {
      server.Put(route.pattern, handler);
    } else {
      server.Delete(route.pattern, handler);
    }
  }
  OperatorHandlers ops;
  ops.state = [this] { return State(); };
  ops.stats = [this] { return Stats(); };
  ops.reset = [this] { Reset(); };
  ops.seed = [this](const Json& body) { return Seed(body); };
  ops.config = [this](const Json& body) { return Configure(body); };
  ops.faults = &faults_;
  RegisterOperatorEndpoints(server, std::move(ops));
}

nlohmann::json HighLevelEmulator::State() const { return backend_->State(); }

nlohmann::json HighLevelEmulator::WindowsJson() const {
  auto window = [](RateWindow& w) {
    Json out = RateWindowJson(w);
    out["resets_in_seconds"] = w.Snap().resets_in_seconds;
    return out;
  };
  return {{"burst", window(burst_)}, {"daily", window(daily_)}};
}

nlohmann::json HighLevelEmulator::Stats() const {
  Json out = stats_.ToJson();
  Json windows = WindowsJson();
  for (auto& [k, v] : windows.items()) out[k] = v;
  return out;
}

void HighLevelEmulator::Reset() {
  backend_->Reset();
  stats_.Reset();
  absl::MutexLock lock(&rate_mu_);
  burst_.Reset();
  daily_.Reset();
}

absl::StatusOr<nlohmann::json> HighLevelEmulator::Seed(const Json& body) {
  return backend_->Seed(body);
}

absl::StatusOr<nlohmann::json> HighLevelEmulator::Configure(const Json& body) {
  std::optional<int64_t> burst, daily;
  std::optional<double> scale;
  bool reset_window = false;
  Json rest = Json::object();
  for (const auto& [key, v] : body.items()) {
    if (key == "burst_limit" || key == "daily_limit") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(key, " must be a non-negative integer"));
      }
      (key == "burst_limit" ? burst : daily) = v.get<int64_t>();
    } else if (key == "time_scale") {
      if (!v.is_number() || !(v.get<double>() > 0)) {
        return absl::InvalidArgumentError(
            "time_scale must be a positive number");
      }
      scale = v.get<double>();
    } else if (key == "reset_window") {
      if (!v.is_boolean()) {
        return absl::InvalidArgumentError("reset_window must be a boolean");
      }
      reset_window = v.get<bool>();
    } else {
      rest[key] = v;
    }
  }
  absl::StatusOr<Json> settings = backend_->Configure(rest);
  if (!settings.ok()) return settings.status();
  absl::MutexLock lock(&rate_mu_);
  burst_.Configure(burst, scale);
  daily_.Configure(daily, scale);
  if (reset_window) {
    burst_.Reset();
    daily_.Reset();
  }
  Json out = *settings;
  Json windows = WindowsJson();
  for (auto& [k, v] : windows.items()) out[k] = v;
  return out;
}

}  // namespace bridgework::emulator
