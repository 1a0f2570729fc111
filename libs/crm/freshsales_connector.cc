#include "libs/crm/freshsales_connector.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/crm/wire_util.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;

// "contact" -> "contacts"; "sales_account" -> "sales_accounts".
std::string Plural(const std::string& object) { return object + "s"; }

std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("errors")) {
    const json& e = j["errors"];
    if (e.is_object() && e.contains("message")) {
      const json& m = e["message"];
      if (m.is_array()) {
        std::vector<std::string> parts;
        for (const auto& p : m)
          parts.push_back(p.is_string() ? p.get<std::string>() : p.dump());
        return absl::StrJoin(parts, "; ");
      }
      if (m.is_string()) return m.get<std::string>();
    }
  }
  return "request failed (no error message in the response)";
}

class FreshsalesConnector : public CrmConnector {
 public:
  FreshsalesConnector(const FreshsalesConfig& config,
                      std::unique_ptr<HttpClient> http, Clock clock,
                      Sleeper sleeper)
      : transport_(MakeOptions(config), std::move(http), std::move(clock),
                   std::move(sleeper)) {}

  // CrmConnector
  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    BW_ASSIGN_OR_RETURN(HttpResponse r,
                        transport_.Call("GET", "/selector/owners", "", true));
    json j = json::parse(r.body, nullptr, false);
    std::vector<CrmUser> users;
    if (!j.is_object() || !j.contains("users") || !j["users"].is_array()) {
      return absl::InternalError(
          "Freshsales /selector/owners: unexpected response shape");
    }
    for (const auto& u : j["users"]) {
      users.push_back(CrmUser{IdText(u.value("id", json())),
                              u.value("email", ""),
                              u.value("display_name", "")});
    }
    return users;
  }

  absl::StatusOr<SchemaReport> PrepareSchema(const SchemaRequest& request,
                                             bool apply) override {
    // Freshsales has no API to create fields: report only, whatever
    // `apply` says.
    std::map<std::string, std::set<std::string>> existing;
    SchemaReport report;
    for (const auto& spec : request.fields) {
      if (!existing.count(spec.entity)) {
        BW_ASSIGN_OR_RETURN(
            HttpResponse r,
            transport_.Call("GET",
                            absl::StrCat("/settings/", spec.entity, "/fields"),
                            "", true));
        json j = json::parse(r.body, nullptr, false);
        auto& names = existing[spec.entity];
        if (j.is_object() && j.contains("fields") && j["fields"].is_array()) {
          for (const auto& f : j["fields"]) names.insert(f.value("name", ""));
        }
      }
      std::string item = absl::StrCat(spec.entity, ".", spec.name);
      if (existing[spec.entity].count(spec.name)) {
        report.present.push_back(item);
        continue;
      }
      std::string line =
          absl::StrCat("Admin Settings > Module customization > ", spec.entity,
                       " > Fields: add field '", spec.label, "' (type ",
                       spec.type, ") so that its API name is ", spec.name);
      if (!spec.choices.empty()) {
        absl::StrAppend(&line, ", choices:");
        for (const auto& c : spec.choices) absl::StrAppend(&line, " '", c, "'");
      }
      report.checklist.push_back(std::move(line));
    }
    return report;
  }

  absl::StatusOr<ListPage> List(const std::string& target_object,
                                const std::string& page_token,
                                int page_size) override {
    const std::string plural = Plural(target_object);
    std::string& view = view_ids_[plural];
    if (view.empty()) {
      BW_ASSIGN_OR_RETURN(
          HttpResponse r,
          transport_.Call("GET", absl::StrCat("/", plural, "/filters"), "",
                          true));
      json j = json::parse(r.body, nullptr, false);
      if (j.is_object() && j.contains("filters") && j["filters"].is_array()) {
        for (const auto& f : j["filters"]) {
          std::string name = f.value("name", "");
          if (absl::StartsWith(name, "All ")) view = IdText(f["id"]);
        }
      }
      if (view.empty()) {
        return absl::InternalError(absl::StrCat("Freshsales /", plural,
                                                "/filters: no 'All ...' view"));
      }
    }
    int page = 1;
    if (!page_token.empty() && !absl::SimpleAtoi(page_token, &page)) {
      return absl::InvalidArgumentError("bad page token");
    }
    int per_page = std::clamp(page_size, 1, 100);
    BW_ASSIGN_OR_RETURN(
        HttpResponse r,
        transport_.Call("GET",
                        absl::StrCat("/", plural, "/view/", view,
                                     "?page=", page, "&per_page=", per_page,
                                     "&sort=created_at&sort_type=asc"),
                        "", true));
    json j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains(plural) || !j[plural].is_array()) {
      return absl::InternalError("Freshsales view: unexpected response shape");
    }
    ListPage out;
    for (auto& rec : j[plural]) out.records.push_back(std::move(rec));
    int total_pages = 0;
    if (j.contains("meta") && j["meta"].is_object())
      total_pages = j["meta"].value("total_pages", 0);
    if (page < total_pages) out.next_page_token = absl::StrCat(page + 1);
    return out;
  }

  absl::StatusOr<std::string> Create(const ResolvedRecord& record) override {
    const std::string& object = record.record->target_object();
    json body;
    body[object] = Body(record);
    BW_ASSIGN_OR_RETURN(
        HttpResponse r,
        transport_.Call("POST", "/" + Plural(object), body.dump(), false));
    json j = json::parse(r.body, nullptr, false);
    if (!j.is_object() || !j.contains(object) || !j[object].contains("id")) {
      return absl::UnavailableError(absl::StrCat(
          "ambiguous: Freshsales create ", object, ": response has no id"));
    }
    return IdText(j[object]["id"]);
  }

  absl::Status Update(const std::string& id,
                      const ResolvedRecord& record) override {
    const std::string& object = record.record->target_object();
    json body;
    body[object] = Body(record);
    return transport_
        .Call("PUT", absl::StrCat("/", Plural(object), "/", id), body.dump(),
              true)
        .status();
  }

  absl::Status Patch(const std::string& target_object, const std::string& id,
                     const json& fields) override {
    json body;
    body[target_object] = fields;
    return transport_
        .Call("PUT", absl::StrCat("/", Plural(target_object), "/", id),
              body.dump(), true)
        .status();
  }

  absl::StatusOr<std::optional<json>> Get(const std::string& target_object,
                                          const std::string& id) override {
    auto r = transport_.Call(
        "GET", absl::StrCat("/", Plural(target_object), "/", id), "", true);
    if (absl::IsNotFound(r.status())) return std::optional<json>();
    if (!r.ok()) return r.status();
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains(target_object)) {
      return absl::InternalError("Freshsales get: unexpected response shape");
    }
    return std::optional<json>(j[target_object]);
  }

  absl::Status Delete(const std::string& target_object,
                      const std::string& id) override {
    return transport_
        .Call("DELETE", absl::StrCat("/", Plural(target_object), "/", id), "",
              true)
        .status();
  }

  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) override {
    std::string path =
        absl::StrCat("/lookup?q=", UrlEncode(key), "&f=", UrlEncode(field),
                     "&entities=", target_object);
    BW_ASSIGN_OR_RETURN(HttpResponse r, transport_.Call("GET", path, "", true));
    json j = json::parse(r.body, nullptr, false);
    std::string plural = Plural(target_object);
    const json* list = nullptr;
    if (j.is_object() && j.contains(plural)) {
      const json& p = j[plural];
      if (p.is_object() && p.contains(plural) && p[plural].is_array())
        list = &p[plural];
      if (p.is_array()) list = &p;
    }
    if (list == nullptr)
      return absl::InternalError(
          "Freshsales lookup: unexpected response shape");
    for (const auto& rec : *list) {
      // Lookup is exact on the server; check again on our side.
      std::string value;
      if (rec.contains(field) && rec[field].is_string()) value = rec[field];
      if (rec.contains("custom_field") && rec["custom_field"].contains(field) &&
          rec["custom_field"][field].is_string()) {
        value = rec["custom_field"][field];
      }
      if (value == key) return std::optional<std::string>(IdText(rec["id"]));
    }
    return std::optional<std::string>();
  }

  int64_t requests() const override { return transport_.requests(); }

 private:
  static RestOptions MakeOptions(const FreshsalesConfig& config) {
    RestOptions o;
    o.base_url = config.base_url;
    o.auth_headers = {"Authorization: Token token=" + config.token};
    o.rate_per_second = config.requests_per_hour / 3600.0;
    o.burst = config.burst;
    o.pacer = config.pacer;
    o.error_message = ErrorMessage;
    return o;
  }

  static json Body(const ResolvedRecord& rr) {
    const v1::TargetRecord& t = *rr.record;
    json body = json::object();
    for (const auto& [k, v] : t.fields()) body[k] = record::ValueToJson(v);
    if (!t.custom_fields().empty()) {
      json cf = json::object();
      for (const auto& [k, v] : t.custom_fields())
        cf[k] = record::ValueToJson(v);
      body["custom_field"] = cf;
    }
    if (!rr.owner_id.empty()) body["owner_id"] = IdJson(rr.owner_id);
    for (const auto& lookup : t.lookups()) {
      auto it = rr.lookup_ids.find(lookup.target_field());
      if (it == rr.lookup_ids.end() || it->second.empty()) continue;
      if (lookup.target_field() == "sales_accounts") {
        json arr = json::array();
        bool first = true;
        for (const auto& id : it->second) {
          arr.push_back({{"id", IdJson(id)}, {"is_primary", first}});
          first = false;
        }
        body["sales_accounts"] = arr;
      } else if (lookup.as_list()) {
        json arr = json::array();
        for (const auto& id : it->second) arr.push_back(IdJson(id));
        body[lookup.target_field()] = arr;
      } else {
        body[lookup.target_field()] = IdJson(it->second.front());
      }
    }
    return body;
  }

  RestTransport transport_;
  // Plural -> the id of its "All ..." view.
  std::map<std::string, std::string> view_ids_;
};

}  // namespace

int FreshsalesPlanBudget(const std::string& plan) {
  if (plan == "free" || plan == "growth") return 1000;
  if (plan == "pro") return 2000;
  if (plan == "enterprise") return 5000;
  return 0;
}

std::unique_ptr<CrmConnector> MakeFreshsalesConnector(
    const FreshsalesConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock, Sleeper sleeper) {
  return std::make_unique<FreshsalesConnector>(
      config, std::move(http), std::move(clock), std::move(sleeper));
}

}  // namespace bridgework::crm
