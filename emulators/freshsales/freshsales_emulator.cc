#include "emulators/freshsales/freshsales_emulator.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;

constexpr char kApi[] = "/crm/sales/api";

const std::set<std::string>& StandardFields(const std::string& plural) {
  static const auto* kContact =
      new std::set<std::string>{"first_name",
                                "last_name",
                                "email",
                                "emails",
                                "mobile_number",
                                "work_number",
                                "job_title",
                                "address",
                                "city",
                                "state",
                                "zipcode",
                                "country",
                                "owner_id",
                                "territory_id",
                                "contact_status_id",
                                "lifecycle_stage_id",
                                "lead_source_id",
                                "external_id",
                                "tags",
                                "sales_accounts",
                                "custom_field",
                                "medium",
                                "keyword",
                                "time_zone",
                                "linkedin",
                                "facebook",
                                "twitter",
                                "subscription_status"};
  static const auto* kAccount =
      new std::set<std::string>{"name",
                                "address",
                                "city",
                                "state",
                                "zipcode",
                                "country",
                                "phone",
                                "website",
                                "owner_id",
                                "industry_type_id",
                                "business_type_id",
                                "number_of_employees",
                                "annual_revenue",
                                "parent_sales_account_id",
                                "territory_id",
                                "tags",
                                "custom_field",
                                "facebook",
                                "twitter",
                                "linkedin"};
  return plural == "contacts" ? *kContact : *kAccount;
}

std::string Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", absl::Now(),
                          absl::UTCTimeZone());
}

std::string Lower(const Json& j) {
  return j.is_string() ? absl::AsciiStrToLower(j.get<std::string>()) : "";
}

// "/crm/sales/api/contacts/17" -> "/crm/sales/api/contacts/{id}".
std::string Template(const std::string& path) {
  static const std::regex kDigits("/[0-9]+(?=/|$)");
  return std::regex_replace(path, kDigits, "/{id}");
}

}  // namespace

FreshsalesEmulator::FreshsalesEmulator(FreshsalesOptions options)
    : options_(std::move(options)) {
  if (!options_.users.is_array() || options_.users.empty()) {
    options_.users = Json::array({
        {{"id", 1},
         {"display_name", "Office Owner"},
         {"email", "owner@bridgework.example"}},
        {{"id", 2},
         {"display_name", "Elena Rivera"},
         {"email", "dr.rivera@smilebright.example"}},
        {{"id", 3},
         {"display_name", "Wei Chen"},
         {"email", "dr.chen@smilebright.example"}},
    });
  }
  if (!options_.fields.is_object()) options_.fields = Json::object();
  records_["contacts"];
  records_["sales_accounts"];
  window_start_ = std::chrono::steady_clock::now();
}

std::string FreshsalesEmulator::Singular(const std::string& plural) {
  return plural.substr(0, plural.size() - 1);
}

FreshsalesEmulator::Reply FreshsalesEmulator::Error(
    int status, const std::string& message) {
  return {
      status,
      {{"errors", {{"code", status}, {"message", Json::array({message})}}}}};
}

bool FreshsalesEmulator::Authorized(const httplib::Request& req) const {
  return req.get_header_value("Authorization") ==
         "Token token=" + options_.token;
}

bool FreshsalesEmulator::Admit(httplib::Response& res) {
  auto window = std::chrono::duration<double>(
      3600.0 / std::max(options_.time_scale, 1e-6));
  auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= window) {
    window_start_ = now;
    window_used_ = 0;
  }
  double left_s =
      std::chrono::duration<double>(window - (now - window_start_)).count();
  res.set_header("X-RateLimit-Limit",
                 std::to_string(options_.requests_per_hour));
  if (window_used_ >= options_.requests_per_hour) {
    ++rate_limited_;
    res.set_header("X-RateLimit-Remaining", "0");
    res.set_header("Retry-After",
                   std::to_string(static_cast<int64_t>(std::ceil(left_s))));
    return false;
  }
  ++window_used_;
  res.set_header("X-RateLimit-Remaining",
                 std::to_string(options_.requests_per_hour - window_used_));
  return true;
}

std::string FreshsalesEmulator::Validate(const std::string& plural,
                                         const Json& rec, int64_t self_id) {
  const auto& standard = StandardFields(plural);
  for (const auto& [k, v] : rec.items()) {
    if (k == "id" || k == "created_at" || k == "updated_at") continue;
    if (!standard.count(k)) return absl::StrCat("Unknown attribute: ", k);
  }
  std::set<std::string> custom;
  if (options_.fields.contains(plural)) {
    for (const auto& f : options_.fields[plural])
      custom.insert(f.value("name", ""));
  }
  if (rec.contains("custom_field")) {
    if (!rec["custom_field"].is_object())
      return "custom_field must be an object";
    for (const auto& [k, v] : rec["custom_field"].items()) {
      if (!custom.count(k))
        return absl::StrCat("Custom field ", k, " does not exist");
      for (const auto& f : options_.fields[plural]) {
        if (f.value("name", "") != k || !f.contains("choices") || v.is_null())
          continue;
        bool ok = false;
        for (const auto& c : f["choices"]) ok = ok || c == v;
        if (!ok) return absl::StrCat("Invalid choice for ", k);
      }
    }
  }
  if (rec.contains("owner_id") && !rec["owner_id"].is_null()) {
    bool found = false;
    for (const auto& u : options_.users)
      found = found || u["id"] == rec["owner_id"];
    if (!found) return "Owner is invalid";
  }
  auto& others = records_[plural];
  if (plural == "contacts") {
    bool any = false;
    for (const char* k :
         {"first_name", "last_name", "email", "mobile_number"}) {
      any = any || (rec.contains(k) && rec[k].is_string() &&
                    !rec[k].get<std::string>().empty());
    }
    if (!any)
      return "Contact should have a first name, last name, email or mobile "
             "number";
    for (const auto& [id, other] : others) {
      if (id == self_id) continue;
      if (rec.contains("email") && !Lower(rec["email"]).empty() &&
          Lower(rec["email"]) == Lower(other.value("email", Json()))) {
        return "Email is not unique";
      }
      if (rec.contains("mobile_number") && rec["mobile_number"].is_string() &&
          !rec["mobile_number"].get<std::string>().empty() &&
          rec["mobile_number"] == other.value("mobile_number", Json())) {
        return "MobileNumber is not unique";
      }
    }
    if (rec.contains("sales_accounts")) {
      if (!rec["sales_accounts"].is_array())
        return "The type for sales_accounts is invalid.";
      for (const auto& a : rec["sales_accounts"]) {
        if (!a.is_object() || !a.contains("id") ||
            !a["id"].is_number_integer() ||
            !records_["sales_accounts"].count(a["id"].get<int64_t>())) {
          return "The type for sales_accounts is invalid.";
        }
      }
    }
  } else {
    if (!rec.contains("name") || !rec["name"].is_string() ||
        rec["name"].get<std::string>().empty()) {
      return "Name can't be blank";
    }
    for (const auto& [id, other] : others) {
      if (id != self_id && other.value("name", "") == rec["name"]) {
        return "Name has already been taken";
      }
    }
    if (rec.contains("parent_sales_account_id") &&
        !rec["parent_sales_account_id"].is_null()) {
      const Json& p = rec["parent_sales_account_id"];
      if (!p.is_number_integer() || !others.count(p.get<int64_t>()) ||
          p.get<int64_t>() == self_id) {
        return "Parent sales account is invalid";
      }
    }
  }
  return "";
}

FreshsalesEmulator::Reply FreshsalesEmulator::Create(const std::string& plural,
                                                     const Json& body) {
  std::string singular = Singular(plural);
  Json rec =
      body.contains(singular) ? body[singular] : body;  // wrapped or flat
  if (!rec.is_object()) return Error(400, "Invalid request body");
  std::string problem = Validate(plural, rec, -1);
  if (!problem.empty()) return Error(400, problem);
  int64_t id = next_id_++;
  rec["id"] = id;
  rec["created_at"] = rec["updated_at"] = Now();
  records_[plural][id] = rec;
  return {201, {{singular, rec}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::Read(const std::string& plural,
                                                   int64_t id) {
  auto it = records_[plural].find(id);
  if (it == records_[plural].end()) return Error(404, "Record not found");
  return {200, {{Singular(plural), it->second}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::Update(const std::string& plural,
                                                     int64_t id,
                                                     const Json& body) {
  auto it = records_[plural].find(id);
  if (it == records_[plural].end()) return Error(404, "Record not found");
  std::string singular = Singular(plural);
  Json patch = body.contains(singular) ? body[singular] : body;
  if (!patch.is_object()) return Error(400, "Invalid request body");
  Json merged = it->second;
  for (const auto& [k, v] : patch.items()) {
    if (k == "custom_field" && v.is_object() &&
        merged.contains("custom_field")) {
      for (const auto& [ck, cv] : v.items()) merged["custom_field"][ck] = cv;
    } else {
      merged[k] = v;
    }
  }
  merged["id"] = id;
  std::string problem = Validate(plural, merged, id);
  if (!problem.empty()) return Error(400, problem);
  merged["updated_at"] = Now();
  it->second = merged;
  return {200, {{singular, merged}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::Delete(const std::string& plural,
                                                     int64_t id) {
  if (records_[plural].erase(id) == 0) return Error(404, "Record not found");
  return {200, Json::object()};
}

FreshsalesEmulator::Reply FreshsalesEmulator::View(
    const std::string& plural, const httplib::Request& req) {
  int page = 1, per_page = 25;
  if (req.has_param("page"))
    page = std::max(1, std::atoi(req.get_param_value("page").c_str()));
  if (req.has_param("per_page")) {
    per_page =
        std::clamp(std::atoi(req.get_param_value("per_page").c_str()), 1, 100);
  }
  const auto& all = records_[plural];
  Json list = Json::array();
  int index = 0;
  for (const auto& [id, rec] : all) {
    if (index >= (page - 1) * per_page && index < page * per_page)
      list.push_back(rec);
    ++index;
  }
  int total_pages = (static_cast<int>(all.size()) + per_page - 1) / per_page;
  return {200,
          {{plural, list},
           {"meta", {{"total_pages", total_pages}, {"total", all.size()}}}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::Lookup(
    const httplib::Request& req) {
  std::string q = req.get_param_value("q"), f = req.get_param_value("f");
  std::string entities = req.get_param_value("entities");
  if (q.empty() || f.empty()) return Error(400, "q and f are required");
  Json out = Json::object();
  for (const auto& [singular, plural] :
       {std::pair<std::string, std::string>{"contact", "contacts"},
        {"sales_account", "sales_accounts"}}) {
    if (!entities.empty() && entities.find(singular) == std::string::npos)
      continue;
    Json list = Json::array();
    for (const auto& [id, rec] : records_[plural]) {
      Json value = f.rfind("cf_", 0) == 0 && rec.contains("custom_field")
                       ? rec["custom_field"].value(f, Json())
                       : rec.value(f, Json());
      if (value.is_string() &&
          (f == "email" ? Lower(value) == absl::AsciiStrToLower(q)
                        : value.get<std::string>() == q)) {
        list.push_back(rec);
      }
    }
    out[plural] = {{plural, list}};
  }
  return {200, out};
}

FreshsalesEmulator::Reply FreshsalesEmulator::FilteredSearch(
    const std::string& singular, const Json& body) {
  std::string plural = singular + "s";
  if (!body.contains("filter_rule") || !body["filter_rule"].is_array()) {
    return Error(400, "filter_rule is required");
  }
  Json list = Json::array();
  for (const auto& [id, rec] : records_[plural]) {
    bool all = true;
    for (const auto& rule : body["filter_rule"]) {
      std::string attr = rule.value("attribute", "");
      if (attr == "contact_email.email") attr = "email";
      Json value = attr.rfind("cf_", 0) == 0 && rec.contains("custom_field")
                       ? rec["custom_field"].value(attr, Json())
                       : rec.value(attr, Json());
      Json want = rule.value("value", Json());
      bool match = false;
      if (want.is_array()) {
        for (const auto& w : want) match = match || w == value;
      } else {
        match = want == value;
      }
      all = all && match;
    }
    if (all) list.push_back(rec);
  }
  return {
      200,
      {{plural, list}, {"meta", {{"total_pages", 1}, {"total", list.size()}}}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::Upsert(const std::string& plural,
                                                     const Json& body) {
  if (!body.contains("unique_identifier") ||
      !body["unique_identifier"].is_object() ||
      body["unique_identifier"].size() != 1) {
    return Error(400, "unique_identifier is required");
  }
  auto [field, value] = *body["unique_identifier"].items().begin();
  std::string key = field == "emails" ? "email" : field;
  for (const auto& [id, rec] : records_[plural]) {
    Json current = key.rfind("cf_", 0) == 0 && rec.contains("custom_field")
                       ? rec["custom_field"].value(key, Json())
                       : rec.value(key, Json());
    if (current == value) return Update(plural, id, body);
  }
  std::string singular = Singular(plural);
  Json rec = body.contains(singular) ? body[singular] : Json::object();
  if (key.rfind("cf_", 0) == 0) {
    rec["custom_field"][key] = value;
  } else {
    rec[key] = value;
  }
  return Create(plural, {{singular, rec}});
}

nlohmann::json FreshsalesEmulator::StateJson() {
  Json out = Json::object();
  for (const auto& [plural, recs] : records_) {
    Json list = Json::array();
    for (const auto& [id, rec] : recs) list.push_back(rec);
    out[plural] = list;
  }
  return out;
}

void FreshsalesEmulator::Register(httplib::Server& server) {
  auto send = [](httplib::Response& res, const Reply& r) {
    res.status = r.status;
    res.set_content(r.body.dump(), "application/json; charset=utf-8");
  };
  // Auth and rate limit before routing, for API paths only.
  server.set_pre_routing_handler(
      [this, send](const httplib::Request& req, httplib::Response& res) {
        if (req.path.rfind(kApi, 0) != 0)
          return httplib::Server::HandlerResponse::Unhandled;
        std::lock_guard<std::mutex> lock(mu_);
        if (!Authorized(req)) {
          send(res, Error(401, "Incorrect or missing API key"));
          return httplib::Server::HandlerResponse::Handled;
        }
        if (!Admit(res)) {
          send(res, Error(429, "Too many requests"));
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
  server.set_logger(
      [this](const httplib::Request& req, const httplib::Response& res) {
        if (req.path.rfind(kApi, 0) != 0) return;
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_[req.method + " " + Template(req.path)][res.status];
        ++total_;
      });
  auto body_of = [](const httplib::Request& req, Json* out) {
    *out = Json::parse(req.body, nullptr, false);
    return !out->is_discarded();
  };
  const std::string entity = "(contacts|sales_accounts)";
  server.Post(absl::StrCat(kApi, "/", entity),
              [this, send, body_of](const httplib::Request& req,
                                    httplib::Response& res) {
                Json body;
                if (!body_of(req, &body))
                  return send(res, Error(400, "Invalid JSON"));
                std::lock_guard<std::mutex> lock(mu_);
                send(res, Create(req.matches[1], body));
              });
  server.Post(absl::StrCat(kApi, "/", entity, "/upsert"),
              [this, send, body_of](const httplib::Request& req,
                                    httplib::Response& res) {
                Json body;
                if (!body_of(req, &body))
                  return send(res, Error(400, "Invalid JSON"));
                std::lock_guard<std::mutex> lock(mu_);
                send(res, Upsert(req.matches[1], body));
              });
  server.Get(absl::StrCat(kApi, "/", entity, "/([0-9]+)"),
             [this, send](const httplib::Request& req, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               send(res, Read(req.matches[1], std::stoll(req.matches[2])));
             });
  server.Put(absl::StrCat(kApi, "/", entity, "/([0-9]+)"),
             [this, send, body_of](const httplib::Request& req,
                                   httplib::Response& res) {
               Json body;
               if (!body_of(req, &body))
                 return send(res, Error(400, "Invalid JSON"));
               std::lock_guard<std::mutex> lock(mu_);
               send(res,
                    Update(req.matches[1], std::stoll(req.matches[2]), body));
             });
  server.Delete(
      absl::StrCat(kApi, "/", entity, "/([0-9]+)"),
      [this, send](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu_);
        send(res, Delete(req.matches[1], std::stoll(req.matches[2])));
      });
  server.Get(
      absl::StrCat(kApi, "/", entity, "/filters"),
      [send](const httplib::Request& req, httplib::Response& res) {
        std::string plural = req.matches[1];
        std::string name =
            plural == "contacts" ? "All Contacts" : "All Accounts";
        send(res,
             {200,
              {{"filters",
                Json::array(
                    {{{"id", 1}, {"name", name}, {"model_class_name", plural}},
                     {{"id", 2},
                      {"name", "My " + plural},
                      {"model_class_name", plural}}})}}});
      });
  server.Get(absl::StrCat(kApi, "/", entity, "/view/([0-9]+)"),
             [this, send](const httplib::Request& req, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               if (req.matches[2] != "1" && req.matches[2] != "2") {
                 return send(res, Error(404, "View not found"));
               }
               send(res, View(req.matches[1], req));
             });
  server.Get(absl::StrCat(kApi, "/selector/owners"),
             [this, send](const httplib::Request&, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               Json users = options_.users;
               for (auto& u : users) u["is_active"] = true;
               send(res, {200, {{"users", users}}});
             });
  server.Get(absl::StrCat(kApi, "/settings/", entity, "/fields"),
             [this, send](const httplib::Request& req, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               std::string plural = req.matches[1];
               Json fields = Json::array();
               for (const auto& name : StandardFields(plural)) {
                 if (name == "custom_field") continue;
                 fields.push_back(
                     {{"name", name}, {"label", name}, {"default", true}});
               }
               if (options_.fields.contains(plural)) {
                 for (Json f : options_.fields[plural]) {
                   f["default"] = false;
                   fields.push_back(f);
                 }
               }
               send(res, {200, {{"fields", fields}}});
             });
  server.Get(absl::StrCat(kApi, "/lookup"),
             [this, send](const httplib::Request& req, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               send(res, Lookup(req));
             });
  server.Post(absl::StrCat(kApi, "/filtered_search/(contact|sales_account)"),
              [this, send, body_of](const httplib::Request& req,
                                    httplib::Response& res) {
                Json body;
                if (!body_of(req, &body))
                  return send(res, Error(400, "Invalid JSON"));
                std::lock_guard<std::mutex> lock(mu_);
                send(res, FilteredSearch(req.matches[1], body));
              });

  // Operator endpoints.
  server.Get("/__sandbox/state",
             [this](const httplib::Request&, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               res.set_content(StateJson().dump(), "application/json");
             });
  server.Get("/__sandbox/stats",
             [this](const httplib::Request&, httplib::Response& res) {
               std::lock_guard<std::mutex> lock(mu_);
               Json requests = Json::object();
               for (const auto& [endpoint, by_status] : stats_) {
                 for (const auto& [status, n] : by_status)
                   requests[endpoint][std::to_string(status)] = n;
               }
               res.set_content(Json({{"requests", requests},
                                     {"total", total_},
                                     {"rate_limited", rate_limited_},
                                     {"window",
                                      {{"limit", options_.requests_per_hour},
                                       {"used", window_used_},
                                       {"time_scale", options_.time_scale}}}})
                                   .dump(),
                               "application/json");
             });
  server.Post("/__sandbox/reset",
              [this](const httplib::Request&, httplib::Response& res) {
                std::lock_guard<std::mutex> lock(mu_);
                for (auto& [plural, recs] : records_) recs.clear();
                stats_.clear();
                total_ = rate_limited_ = 0;
                window_used_ = 0;
                window_start_ = std::chrono::steady_clock::now();
                res.set_content("{}", "application/json");
              });
  server.Post("/__sandbox/fields",
              [this](const httplib::Request& req, httplib::Response& res) {
                Json body = Json::parse(req.body, nullptr, false);
                if (!body.is_object()) {
                  res.status = 400;
                  return;
                }
                std::lock_guard<std::mutex> lock(mu_);
                for (const auto& [plural, list] : body.items()) {
                  for (const auto& f : list)
                    options_.fields[plural].push_back(f);
                }
                res.set_content("{}", "application/json");
              });
  server.Post("/__sandbox/seed",
              [this](const httplib::Request& req, httplib::Response& res) {
                Json body = Json::parse(req.body, nullptr, false);
                if (!body.is_object()) {
                  res.status = 400;
                  return;
                }
                std::lock_guard<std::mutex> lock(mu_);
                Json created = Json::object();
                for (const auto& [plural, list] : body.items()) {
                  for (Json rec : list) {
                    int64_t id = next_id_++;
                    rec["id"] = id;
                    rec["created_at"] = rec["updated_at"] = Now();
                    records_[plural][id] = rec;
                    created[plural].push_back(id);
                  }
                }
                res.set_content(created.dump(), "application/json");
              });
  server.Post("/__sandbox/config", [this](const httplib::Request& req,
                                          httplib::Response& res) {
    Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_object()) {
      res.status = 400;
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    options_.requests_per_hour =
        body.value("rate_limit_per_hour", options_.requests_per_hour);
    options_.time_scale = body.value("time_scale", options_.time_scale);
    res.set_content("{}", "application/json");
  });
}

}  // namespace bridgework::emulator
