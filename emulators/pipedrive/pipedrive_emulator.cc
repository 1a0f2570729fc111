// Plumbing of the Pipedrive emulator: construction, routing, auth, rate
// limits, the reply envelope, and the operator endpoints. The API
// handlers live in pipedrive_v2.cc, pipedrive_fields.cc and
// pipedrive_v1.cc.
#include "emulators/pipedrive/pipedrive_emulator.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "emulators/common/http_util.h"
#include "emulators/common/operator_endpoints.h"
#include "libs/common/log.h"
#include "libs/common/strings.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using pipedrive::Api;
using pipedrive::FieldEntity;
using pipedrive::Kind;
using pipedrive::Operation;

constexpr char kErrorInfo[] =
    "Please check developers.pipedrive.com for more information about "
    "Pipedrive API.";

bool IsApiPath(const std::string& path) {
  return !pipedrive::LoggedPath("GET", path).empty();
}

int ParamCount(const Operation& op) {
  return static_cast<int>(std::count(op.path.begin(), op.path.end(), '{'));
}

Json ErrorBody(const std::string& error, const std::string& info) {
  return {{"success", false},
          {"error", error},
          {"error_info", info},
          {"data", nullptr},
          {"additional_data", nullptr}};
}

// The seed keys, in creation order.
constexpr const char* kSeedOrder[] = {
    "users",    "fields", "pipelines", "stages",     "organizations", "persons",
    "products", "deals",  "leads",     "activities", "notes"};

std::optional<Kind> SeedKind(const std::string& key) {
  for (Kind k : pipedrive::kKinds) {
    if (key == pipedrive::Collection(k)) return k;
  }
  return std::nullopt;
}

}  // namespace

PipedriveEmulator::Reply PipedriveEmulator::Ok(Json data) {
  return {200, {{"success", true}, {"data", std::move(data)}}};
}

PipedriveEmulator::Reply PipedriveEmulator::Fail(int status,
                                                 const std::string& error) {
  return {status, ErrorBody(error, kErrorInfo)};
}

PipedriveEmulator::Reply PipedriveEmulator::NotFound() {
  return {404, ErrorBody("Entity was not found", "Object was not found.")};
}

PipedriveEmulator::Reply PipedriveEmulator::Invalid(
    const std::string& field, const std::string& problem) {
  return Fail(400, absl::StrCat("Validation failed: ", field, ": ", problem));
}

std::optional<PipedriveEmulator::Reply> PipedriveEmulator::NewId(
    RecordTable& table, const Json* extras, int64_t& id) {
  if (extras == nullptr || !extras->contains("id")) {
    id = table.AllocateId();
    return std::nullopt;
  }
  std::optional<int64_t> given = pipedrive::StrictInt((*extras)["id"]);
  if (!given || *given <= 0 || table.Contains(*given)) {
    return Invalid("id", "must be a positive integer not in use");
  }
  id = *given;
  table.ReserveAtLeast(id);
  return std::nullopt;
}

std::optional<PipedriveEmulator::Reply> PipedriveEmulator::KeepSeedTimes(
    const Json* extras, bool v1, Json& record) {
  if (extras == nullptr) return std::nullopt;
  for (const char* k : {"add_time", "update_time"}) {
    if (!extras->contains(k)) continue;
    const Json& v = (*extras)[k];
    std::optional<absl::Time> t =
        v.is_string() ? pipedrive::ParseDateTime(v.get<std::string>())
                      : std::nullopt;
    if (!t) return Invalid(k, "must be a date-time");
    record[k] = v1 ? pipedrive::V1Time(*t) : pipedrive::V2Time(*t);
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<PipedriveEmulator>> PipedriveEmulator::Create(
    PipedriveOptions options) {
  if (options.token.empty()) {
    return absl::InvalidArgumentError("the API token must not be empty");
  }
  std::vector<pipedrive::User> users = pipedrive::DefaultUsers();
  if (!options.users.is_null()) {
    absl::StatusOr<std::vector<pipedrive::User>> parsed =
        pipedrive::ParseUsers(options.users);
    if (!parsed.ok()) return parsed.status();
    users = *std::move(parsed);
  }
  for (const auto& u : users) {
    if (u.api_token == options.token) {
      return absl::InvalidArgumentError(
          "a user's api_token must differ from the main token");
    }
  }
  if (options.seats < 0) {
    return absl::InvalidArgumentError("seats must not be negative");
  }
  pipedrive::LimitConfig limits;
  limits.plan = options.plan;
  limits.seats = options.seats;
  if (limits.seats == 0) {
    limits.seats = std::max<int64_t>(
        1, std::count_if(users.begin(), users.end(),
                         [](const pipedrive::User& u) { return u.active; }));
  }
  limits.burst_limit = options.burst_limit;
  limits.daily_budget = options.daily_budget;
  limits.search_burst_limit = options.search_burst_limit;
  limits.time_scale = options.time_scale;
  if (!options.clock) options.clock = [] { return absl::Now(); };
  absl::StatusOr<std::unique_ptr<pipedrive::RateLimiter>> limiter =
      pipedrive::RateLimiter::Create(limits, options.clock);
  if (!limiter.ok()) return limiter.status();
  return std::unique_ptr<PipedriveEmulator>(new PipedriveEmulator(
      std::move(options), *std::move(limiter), std::move(users)));
}

PipedriveEmulator::PipedriveEmulator(
    PipedriveOptions options, std::unique_ptr<pipedrive::RateLimiter> limiter,
    std::vector<pipedrive::User> users)
    : token_(options.token),
      clock_(options.clock),
      company_created_(clock_()),
      initial_users_(std::move(users)),
      limiter_(std::move(limiter)),
      faults_(
          [](httplib::Response& res, int status, const std::string& message) {
            SendJson(res, status, ErrorBody(message, kErrorInfo));
          }) {
  uint64_t seed = options.random_seed;
  if (seed == 0)
    seed = (static_cast<uint64_t>(std::random_device()()) << 32) ^
           std::random_device()();
  absl::MutexLock lock(&mu_);
  rng_.seed(seed);
  store_ = InitialStore();
}

PipedriveEmulator::Store PipedriveEmulator::InitialStore() {
  Store s;
  s.users = initial_users_;
  for (Kind k : pipedrive::kKinds) {
    s.tables.emplace(k, RecordTable(pipedrive::FirstId(k)));
  }
  for (FieldEntity e : pipedrive::kFieldEntities) {
    s.fields[e] = pipedrive::SystemFields(e);
  }
  std::string now = pipedrive::V2Time(company_created_);
  RecordTable& pipelines = s.tables.at(Kind::kPipeline);
  int64_t pipeline = pipelines.AllocateId();
  pipelines.Put(pipeline, {{"id", pipeline},
                           {"name", "Pipeline"},
                           {"order_nr", 1},
                           {"is_deleted", false},
                           {"is_deal_probability_enabled", false},
                           {"add_time", now},
                           {"update_time", now}});
  RecordTable& stages = s.tables.at(Kind::kStage);
  int order = 0;
  for (const char* name : {"Qualified", "Contact Made", "Demo Scheduled",
                           "Proposal Made", "Negotiations Started"}) {
    int64_t id = stages.AllocateId();
    stages.Put(id, {{"id", id},
                    {"order_nr", ++order},
                    {"name", name},
                    {"is_deleted", false},
                    {"deal_probability", 100},
                    {"pipeline_id", pipeline},
                    {"is_deal_rot_enabled", false},
                    {"days_to_rotten", nullptr},
                    {"add_time", now},
                    {"update_time", now}});
  }
  order = 0;
  for (const auto& [name, key] :
       std::vector<std::pair<const char*, const char*>>{
           {"Call", "call"},
           {"Meeting", "meeting"},
           {"Task", "task"},
           {"Deadline", "deadline"},
           {"Email", "email"},
           {"Lunch", "lunch"}}) {
    int64_t id = s.activity_types.AllocateId();
    s.activity_types.Put(id, {{"id", id},
                              {"order_nr", ++order},
                              {"name", name},
                              {"key_string", key},
                              {"icon_key", key},
                              {"active_flag", true},
                              {"color", "FFFFFF"},
                              {"is_custom_flag", false},
                              {"add_time", now},
                              {"update_time", now}});
  }
  for (const auto& [name, color] :
       std::vector<std::pair<const char*, const char*>>{
           {"Hot", "red"}, {"Warm", "yellow"}, {"Cold", "blue"}}) {
    s.lead_labels.push_back({{"id", RandomUuid()},
                             {"name", name},
                             {"color", color},
                             {"add_time", now},
                             {"update_time", now}});
  }
  return s;
}

std::string PipedriveEmulator::RandomHex(size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < n) {
    uint64_t r = rng_();
    for (int i = 0; i < 16 && out.size() < n; ++i, r >>= 4) {
      out += kHex[r & 0xf];
    }
  }
  return out;
}

std::string PipedriveEmulator::RandomUuid() {
  std::string h = RandomHex(32);
  h[12] = '4';                 // version 4
  h[16] = "89ab"[rng_() % 4];  // RFC 4122 variant
  return absl::StrCat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4),
                      "-", h.substr(16, 4), "-", h.substr(20, 12));
}

void PipedriveEmulator::PurgeLocked() {
  absl::Time now = Now();
  while (!store_.purge.empty() && store_.purge.front().at <= now) {
    const Store::Purge& p = store_.purge.front();
    if (p.table == "files") {
      store_.files.Erase(p.id);
      store_.file_bytes.erase(p.id);
    } else {
      for (Kind k : pipedrive::kKinds) {
        if (p.table == pipedrive::Collection(k))
          store_.tables.at(k).Erase(p.id);
      }
    }
    store_.purge.pop_front();
  }
}

const pipedrive::User* PipedriveEmulator::UserLocked(int64_t id) const {
  for (const auto& u : store_.users) {
    if (u.id == id) return &u;
  }
  return nullptr;
}

const Json* PipedriveEmulator::LiveLocked(Kind kind, int64_t id) const {
  const Json* r = store_.tables.at(kind).Find(id);
  if (r == nullptr || r->value("is_deleted", false)) return nullptr;
  return r;
}

pipedrive::RefExists PipedriveEmulator::RefsLocked() const {
  return
      [this](std::string_view kind, int64_t id) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        if (kind == "user") {
          const pipedrive::User* u = UserLocked(id);
          return u != nullptr && u->active;
        }
        return LiveLocked(kind == "org" ? Kind::kOrganization : Kind::kPerson,
                          id) != nullptr;
      };
}

std::vector<pipedrive::FieldDef>& PipedriveEmulator::FieldsLocked(
    FieldEntity e) {
  return store_.fields.at(e);
}

const pipedrive::FieldDef* PipedriveEmulator::FieldLocked(
    FieldEntity e, const std::string& code) const {
  for (const auto& f : store_.fields.at(e)) {
    if (f.code == code && !f.deleted) return &f;
  }
  return nullptr;
}

std::optional<PipedriveEmulator::Caller> PipedriveEmulator::Authenticate(
    const httplib::Request& req) const {
  Caller c;
  std::string authorization = req.get_header_value("Authorization");
  if (req.has_header("x-api-token")) {
    c.token = req.get_header_value("x-api-token");
  } else if (absl::StartsWith(authorization, "Bearer ")) {
    c.token = authorization.substr(7);
    c.oauth = true;
  } else if (req.has_param("api_token")) {
    c.token = req.get_param_value("api_token");
  }
  if (c.token.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  if (c.token == token_) {
    c.user_id = store_.users.front().id;
    return c;
  }
  for (const auto& u : store_.users) {
    if (u.active && !u.api_token.empty() && u.api_token == c.token) {
      c.user_id = u.id;
      return c;
    }
  }
  return std::nullopt;
}

void PipedriveEmulator::Serve(const Operation& op, const Handler& handler,
                              const httplib::Request& req,
                              httplib::Response& res) {
  std::optional<Caller> caller = Authenticate(req);
  if (!caller) {
    Json body = ErrorBody("unauthorized access", kErrorInfo);
    body["errorCode"] = 401;
    SendJson(res, 401, body);
    return;
  }
  pipedrive::RateLimiter::Verdict v =
      limiter_->Admit(caller->token, caller->oauth, op);
  for (const auto& [name, value] : v.headers) res.set_header(name, value);
  if (!v.admitted) {
    stats_.Increment("rate_limited_by", v.limit_kind);
    Json body = ErrorBody(v.refusal, kErrorInfo);
    body["errorCode"] = 429;
    SendJson(res, 429, body);
    return;
  }
  Reply r;
  {
    absl::MutexLock lock(&mu_);
    PurgeLocked();
    r = handler(req, *caller);
  }
  for (const auto& [name, value] : r.headers) res.set_header(name, value);
  if (!r.content_type.empty()) {
    res.status = r.status;
    res.set_content(r.raw, r.content_type);
  } else {
    SendJson(res, r.status, r.body);
  }
}

void PipedriveEmulator::Register(httplib::Server& server) {
  std::map<std::string, Handler> handlers = Handlers();
  std::vector<const Operation*> ops;
  for (const Operation& op : pipedrive::Operations()) ops.push_back(&op);
  // httplib tries routes in registration order: literal segments
  // ("/persons/search") before parameters ("/persons/{id}").
  std::stable_sort(ops.begin(), ops.end(),
                   [](const Operation* a, const Operation* b) {
                     return ParamCount(*a) < ParamCount(*b);
                   });
  std::set<std::string> served;
  for (const Operation* op : ops) {
    auto it = handlers.find(op->Route());
    if (it == handlers.end()) {
      LogError("no handler for an operation", {{"route", op->Route()}});
      std::abort();
    }
    served.insert(op->Route());
    for (std::string_view prefix : pipedrive::Prefixes(op->api)) {
      std::string pattern = pipedrive::RouteRegex(prefix, *op);
      httplib::Server::Handler fn = [this, op, h = it->second](
                                        const httplib::Request& req,
                                        httplib::Response& res) {
        Serve(*op, h, req, res);
      };
      if (op->method == "GET") {
        server.Get(pattern, fn);
      } else if (op->method == "POST") {
        server.Post(pattern, fn);
      } else if (op->method == "PATCH") {
        server.Patch(pattern, fn);
      } else if (op->method == "PUT") {
        server.Put(pattern, fn);
      } else {
        server.Delete(pattern, fn);
      }
    }
  }
  if (served.size() != handlers.size()) {
    LogError("handlers without an operation in the table");
    std::abort();
  }

  server.set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        return faults_.Before(req, res)
                   ? httplib::Server::HandlerResponse::Handled
                   : httplib::Server::HandlerResponse::Unhandled;
      });
  // Runs for every response before it is written, so stats are current by
  // the time a client sees the reply.
  server.set_post_routing_handler([this](const httplib::Request& req,
                                         httplib::Response& res) {
    faults_.After(req, res);
    std::string path = pipedrive::LoggedPath(req.method, req.path);
    // Logs name the path template: never ids, values, query strings or
    // bodies.
    LogInfo("request", {{"method", req.method},
                        {"path", path.empty() ? PathTemplate(req.path) : path},
                        {"status", std::to_string(res.status)}});
    if (!path.empty()) {
      stats_.Record(absl::StrCat(req.method, " ", path), res.status);
    }
  });
  httplib::Server::HandlerWithResponse on_error =
      [](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        if (IsApiPath(req.path)) {
          SendJson(res, res.status,
                   ErrorBody(res.status == 404 ? "Unknown method ."
                                               : "Request failed",
                             kErrorInfo));
        } else {
          SendJson(res, res.status, {{"error", "not found"}});
        }
        return httplib::Server::HandlerResponse::Handled;
      };
  server.set_error_handler(on_error);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        Json body = ErrorBody("Internal Server Error", kErrorInfo);
        body["code"] = "ERR_UNKNOWN";
        SendJson(res, 500, body);
      });

  OperatorHandlers ops_handlers;
  ops_handlers.state = [this] { return State(); };
  ops_handlers.stats = [this] { return Stats(); };
  ops_handlers.reset = [this] { Reset(); };
  ops_handlers.seed = [this](const Json& body) { return Seed(body); };
  ops_handlers.config = [this](const Json& body) { return Configure(body); };
  ops_handlers.faults = &faults_;
  RegisterOperatorEndpoints(server, std::move(ops_handlers));
}

std::map<std::string, PipedriveEmulator::Handler>
PipedriveEmulator::Handlers() {
  std::map<std::string, Handler> h;
  // The JSON body, or a 400 reply.
  auto with_json = [](const httplib::Request& req,
                      const std::function<Reply(const Json&)>& f) -> Reply {
    std::optional<Json> body = ParseJson(req.body);
    if (!body) return Fail(400, "The request body is not valid JSON");
    return f(*body);
  };
  auto route = [](std::string_view method, Api api, const std::string& path) {
    return Operation{method, api, path, 0, false}.Route();
  };
  for (Kind k : pipedrive::kKinds) {
    std::string list = absl::StrCat("/", pipedrive::Collection(k));
    std::string one = list + "/{id}";
    h[route("GET", Api::kV2, list)] = [this, k](const auto& req, const auto&) {
      return ListLocked(k, req);
    };
    h[route("POST", Api::kV2, list)] = [this, k, with_json](const auto& req,
                                                            const Caller& c) {
      return with_json(req, [&](const Json& body) {
        return WriteLocked(k, body, std::nullopt, c);
      });
    };
    h[route("GET", Api::kV2, one)] = [this, k](const auto& req, const auto&) {
      return GetLocked(k, req.matches[1]);
    };
    h[route("PATCH", Api::kV2, one)] = [this, k, with_json](const auto& req,
                                                            const Caller& c) {
      std::optional<int64_t> id = pipedrive::PositiveId(req.matches[1]);
      if (!id) return NotFound();
      return with_json(
          req, [&](const Json& body) { return WriteLocked(k, body, id, c); });
    };
    h[route("DELETE", Api::kV2, one)] = [this, k](const auto& req,
                                                  const auto&) {
      return DeleteLocked(k, req.matches[1]);
    };
  }
  for (Kind k : {Kind::kPerson, Kind::kOrganization, Kind::kDeal}) {
    h[route("GET", Api::kV2,
            absl::StrCat("/", pipedrive::Collection(k), "/search"))] =
        [this, k](const auto& req, const auto&) {
          return SearchLocked(k, req);
        };
  }
  h[route("GET", Api::kV2, "/itemSearch/field")] =
      [this](const auto& req, const auto&) { return FieldSearchLocked(req); };
  for (FieldEntity e : pipedrive::kFieldEntities) {
    std::string list = absl::StrCat("/", pipedrive::FieldsCollection(e));
    std::string one = list + "/{field_code}";
    std::string options = one + "/options";
    h[route("GET", Api::kV2, list)] = [this, e](const auto& req, const auto&) {
      return ListFieldsLocked(e, req);
    };
    h[route("POST", Api::kV2, list)] = [this, e, with_json](const auto& req,
                                                            const auto&) {
      return with_json(
          req, [&](const Json& body) { return CreateFieldLocked(e, body); });
    };
    h[route("GET", Api::kV2, one)] = [this, e](const auto& req, const auto&) {
      return GetFieldLocked(e, req.matches[1], req);
    };
    h[route("PATCH", Api::kV2, one)] = [this, e, with_json](const auto& req,
                                                            const auto&) {
      return with_json(req, [&](const Json& body) {
        return UpdateFieldLocked(e, req.matches[1], body);
      });
    };
    h[route("DELETE", Api::kV2, one)] = [this, e](const auto& req,
                                                  const auto&) {
      return DeleteFieldLocked(e, req.matches[1]);
    };
    for (const char* method : {"POST", "PATCH", "DELETE"}) {
      h[route(method, Api::kV2, options)] = [this, e, method, with_json](
                                                const auto& req, const auto&) {
        return with_json(req, [&](const Json& body) {
          return FieldOptionsLocked(e, req.matches[1], method, body);
        });
      };
    }
  }
  AddV1Handlers(h, with_json);
  return h;
}

nlohmann::json PipedriveEmulator::State() {
  absl::MutexLock lock(&mu_);
  PurgeLocked();
  Json out = Json::object();
  for (Kind k : pipedrive::kKinds) {
    Json list = Json::array();
    for (const auto& [id, r] : store_.tables.at(k).records()) {
      list.push_back(RenderLocked(k, r));
    }
    out[pipedrive::Collection(k)] = list;
  }
  Json leads = Json::array();
  for (const auto& [seq, r] : store_.leads.records()) {
    leads.push_back(RenderLeadLocked(r));
  }
  out["leads"] = leads;
  out["lead_labels"] = store_.lead_labels;
  Json notes = Json::array();
  for (const auto& [id, r] : store_.notes.records()) {
    notes.push_back(RenderNoteLocked(r, nullptr));
  }
  out["notes"] = notes;
  Json files = Json::array();
  for (const auto& [id, r] : store_.files.records()) {
    files.push_back(RenderFileLocked(r));
  }
  out["files"] = files;
  out["activity_types"] = store_.activity_types.ToJsonArray();
  Json users = Json::array();
  for (const auto& u : store_.users) {
    users.push_back(pipedrive::UserJson(u, false, company_created_));
  }
  out["users"] = users;
  Json fields = Json::object();
  for (FieldEntity e : pipedrive::kFieldEntities) {
    Json list = Json::array();
    for (const auto& f : store_.fields.at(e)) {
      if (!f.custom) continue;
      Json j = pipedrive::FieldJson(f, true);
      j["is_deleted"] = f.deleted;
      list.push_back(j);
    }
    fields[pipedrive::FieldEntityName(e)] = list;
  }
  out["fields"] = fields;
  return out;
}

nlohmann::json PipedriveEmulator::Stats() const {
  Json out = stats_.ToJson();
  Json limits = limiter_->ToJson();
  out["tokens_used"] = limits["tokens_used"];
  out["limits"] = limits;
  if (!out.contains("rate_limited_by")) out["rate_limited_by"] = Json::object();
  return out;
}

void PipedriveEmulator::Reset() {
  {
    absl::MutexLock lock(&mu_);
    store_ = InitialStore();
  }
  stats_.Reset();
  limiter_->Reset();
}

absl::StatusOr<nlohmann::json> PipedriveEmulator::Seed(const Json& body) {
  std::set<std::string> known(std::begin(kSeedOrder), std::end(kSeedOrder));
  for (const auto& [key, value] : body.items()) {
    if (!known.count(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat("seed: unknown key '", key, "'"));
    }
    bool object = key == "fields";
    if (object ? !value.is_object() : !value.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "seed: ", key, " must be a JSON ", object ? "object" : "array"));
    }
  }
  absl::MutexLock lock(&mu_);
  Store before = store_;
  auto fail = [this, &before](const std::string& message)
                  ABSL_NO_THREAD_SAFETY_ANALYSIS {
                    store_ = std::move(before);
                    return absl::InvalidArgumentError(message);
                  };
  Caller admin{token_, false, store_.users.front().id};
  Json ids = Json::object();
  for (const char* key : kSeedOrder) {
    if (!body.contains(key)) continue;
    const Json& list = body[key];
    std::string k = key;
    if (k == "users") {
      absl::StatusOr<std::vector<pipedrive::User>> users =
          pipedrive::ParseUsers(list);
      if (!users.ok()) return fail(std::string(users.status().message()));
      ids[k] = Json::array();
      for (size_t i = 0; i < users->size(); ++i) {
        pipedrive::User& u = (*users)[i];
        if (UserLocked(u.id) != nullptr) {
          return fail(absl::StrCat("users: id ", u.id, " exists"));
        }
        // The company admin stays the first user of the options.
        u.admin = list[i].value("is_admin", false);
        ids[k].push_back(u.id);
        store_.users.push_back(std::move(u));
      }
      continue;
    }
    if (k == "fields") {
      ids[k] = Json::object();
      for (const auto& [entity, defs] : list.items()) {
        std::optional<FieldEntity> e = pipedrive::ParseFieldEntity(entity);
        if (!e || !defs.is_array()) {
          return fail(absl::StrCat(
              "fields: keys are person, organization, deal, product with "
              "arrays of field definitions"));
        }
        ids[k][entity] = Json::array();
        for (size_t i = 0; i < defs.size(); ++i) {
          Json def = defs[i];
          std::string code;
          if (def.is_object() && def.contains("field_code")) {
            if (!def["field_code"].is_string() ||
                !pipedrive::IsFieldKey(def["field_code"].get<std::string>()) ||
                FieldLocked(*e, def["field_code"]) != nullptr) {
              return fail(absl::StrCat("fields.", entity, "[", i,
                                       "]: field_code must be a new 40-hex "
                                       "key"));
            }
            code = def["field_code"];
            def.erase("field_code");
          }
          Reply r = CreateFieldLocked(*e, def, code);
          if (r.status != 200) {
            return fail(absl::StrCat("fields.", entity, "[", i,
                                     "]: ", r.body.value("error", "")));
          }
          ids[k][entity].push_back(r.body["data"]["field_code"]);
        }
      }
      continue;
    }
    ids[k] = Json::array();
    for (size_t i = 0; i < list.size(); ++i) {
      Json record = list[i];
      Json extras = Json::object();
      if (record.is_object()) {
        for (const char* x : {"id", "add_time", "update_time"}) {
          if (record.contains(x)) {
            extras[x] = record[x];
            record.erase(x);
          }
        }
      }
      Reply r;
      if (std::optional<Kind> kind = SeedKind(k)) {
        r = WriteLocked(*kind, record, std::nullopt, admin, &extras);
      } else if (k == "leads") {
        r = WriteLeadLocked(record, nullptr, admin, &extras);
      } else {
        r = WriteNoteLocked(record, std::nullopt, admin, &extras);
      }
      if (r.status >= 300) {
        return fail(absl::StrCat(k, "[", i, "]: ", r.body.value("error", "")));
      }
      ids[k].push_back(r.body["data"]["id"]);
    }
  }
  return ids;
}

absl::StatusOr<nlohmann::json> PipedriveEmulator::Configure(const Json& body) {
  absl::Status s = limiter_->Configure(body);
  if (!s.ok()) return s;
  return limiter_->ToJson();
}

}  // namespace bridgework::emulator
