#include "libs/crm/freshsales_connector.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/crm/wire_util.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;

constexpr char kCustomObjectPrefix[] = "custom_object:";
constexpr size_t kBulkLimit = 100;
// Bulk job polling: the first wait, the cap, and how many reads before the
// job counts as lost.
constexpr std::chrono::milliseconds kFirstPoll{1000};
constexpr std::chrono::milliseconds kMaxPoll{30000};
constexpr int kMaxPolls = 60;

// How one target object's records are listed.
enum class ListKind {
  kViews,     // GET /<plural>/view/<id> over the named views, in turn
  kFiltered,  // GET /<plural>?filter=<f> over the named filters, in turn
  kPaged,     // GET /<plural>?page=
  kNone,      // no list endpoint
};

// What the connector knows about one target object.
struct ObjectSpec {
  std::string path;        // "/deals", "/cpq/products", "/custom_module/cm_x"
  std::string key;         // body key of one record: "deal", "product", "cm_x"
  std::string list_key;    // key of a list response: "deals", "products"
  std::string fields_url;  // "/settings/deals/fields"; "" for none
  std::string lookup;      // /lookup entity ("deal"); "" for none
  ListKind list = ListKind::kNone;
  std::vector<std::string> lists;  // view names or filters
  bool owner = true;               // has owner_id
  bool custom_fields = true;       // has custom_field
  bool bulk = false;               // has bulk_upsert
  bool update = true;              // has PUT
};

absl::StatusOr<ObjectSpec> SpecOf(const std::string& target) {
  ObjectSpec s;
  if (absl::StartsWith(target, kCustomObjectPrefix)) {
    std::string module = target.substr(sizeof(kCustomObjectPrefix) - 1);
    if (module.empty() ||
        module.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") !=
            std::string::npos) {
      return absl::InvalidArgumentError(
          "Freshsales custom module names are [a-z0-9_]+");
    }
    s.path = "/custom_module/" + module;
    s.key = module;
    s.list_key = module;
    s.fields_url = "/settings/" + module + "/fields";
    return s;
  }
  s.key = target;
  s.list_key = target + "s";
  s.path = "/" + s.list_key;
  if (target == "contact") {
    s.lookup = target;
    s.list = ListKind::kViews;
    s.lists = {"All Contacts"};
    s.bulk = true;
  } else if (target == "sales_account") {
    s.lookup = target;
    s.list = ListKind::kViews;
    s.lists = {"All Accounts"};
    s.bulk = true;
  } else if (target == "deal") {
    // There is no "All Deals" view; open, won and lost cover every deal.
    s.lookup = target;
    s.list = ListKind::kViews;
    s.lists = {"Open Deals", "Won Deals", "Lost Deals"};
    s.bulk = true;
  } else if (target == "appointment") {
    s.list = ListKind::kFiltered;
    s.lists = {"upcoming", "past"};
    s.owner = false;
    s.custom_fields = false;
  } else if (target == "sales_activity") {
    s.list_key = "sales_activities";
    s.path = "/sales_activities";
    s.list = ListKind::kPaged;
  } else if (target == "task") {
    s.list = ListKind::kFiltered;
    s.lists = {"open", "completed"};
    s.custom_fields = false;
  } else if (target == "note") {
    s.owner = false;
    s.custom_fields = false;
  } else if (target == "document") {
    s.owner = false;
    s.custom_fields = false;
    s.update = false;
  } else if (target == "product") {
    s.path = "/cpq/products";
    s.list = ListKind::kPaged;
  } else if (target == "deal_product") {
    // A product line of a deal, written through the deal:
    // PUT /deals/{deal} {"deal": {"products": [{"id": product, ...}]}}.
    s.path = "/deals";
    s.key = "deal";
    s.list_key = "deals";
    s.owner = false;
    s.custom_fields = false;
  } else if (target == "list") {
    // A contact list: the campaign equivalent. Members are the lookup
    // "contact_ids", added with PUT /lists/{id}/add_contacts.
    s.list = ListKind::kPaged;
    s.owner = false;
    s.custom_fields = false;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "Freshsales has no target object '", target,
        "' (contact, sales_account, deal, deal_product, appointment, "
        "sales_activity, task, note, document, product, list, "
        "custom_object:<module>)"));
  }
  if (s.custom_fields) s.fields_url = "/settings/" + s.list_key + "/fields";
  return s;
}

// "contact" -> "Contact": the targetable_type of a lookup's target object.
std::string TargetableType(const std::string& object) {
  if (object == "contact") return "Contact";
  if (object == "sales_account") return "SalesAccount";
  if (object == "deal") return "Deal";
  return "";
}

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

// A value's text: "x" -> x, 12 -> "12".
std::string Text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

bool IsIdText(const json& v) {
  int64_t n = 0;
  return v.is_number_integer() ||
         (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &n));
}

// "2:5" -> {2, 5}; "" -> {0, 1}.
absl::StatusOr<std::pair<size_t, int>> ParseToken(const std::string& token) {
  if (token.empty()) return std::pair<size_t, int>{0, 1};
  std::vector<std::string> parts = absl::StrSplit(token, ':');
  size_t list = 0;
  int page = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &list) ||
      !absl::SimpleAtoi(parts[1], &page) || page < 1) {
    return absl::InvalidArgumentError("bad page token");
  }
  return std::pair<size_t, int>{list, page};
}

struct Stage {
  std::string id;
  std::string name;
  double probability = -1;
};
struct Pipeline {
  std::string id;
  std::string name;
  bool is_default = false;
  std::vector<Stage> stages;
};

// "(part 2 of 3)\n": the header of a split note's part.
std::string PartHeader(size_t i, size_t n) {
  return absl::StrCat("(part ", i, " of ", n, ")\n");
}

// A split note's id: its parts' ids joined by ",".
std::vector<std::string> NoteIds(const std::string& id) {
  return absl::StrSplit(id, ',');
}

class FreshsalesConnector : public CrmConnector {
 public:
  FreshsalesConnector(const FreshsalesConfig& config,
                      std::unique_ptr<HttpClient> http, Clock clock,
                      Sleeper sleeper)
      : sleeper_(sleeper),
        transport_(MakeOptions(config), std::move(http), std::move(clock),
                   std::move(sleeper)) {}

  // CrmConnector
  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    BW_ASSIGN_OR_RETURN(json j, GetJson("/selector/owners"));
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
    // Freshsales has no API to create fields, modules or pipelines: report
    // only, whatever `apply` says.
    SchemaReport report;
    std::map<std::string, std::optional<std::set<std::string>>> existing;
    auto fields_of = [&](const std::string& entity)
        -> absl::StatusOr<const std::optional<std::set<std::string>>*> {
      auto it = existing.find(entity);
      if (it != existing.end()) return &it->second;
      auto r = transport_.Call(
          "GET", absl::StrCat("/settings/", entity, "/fields"), "", true);
      std::optional<std::set<std::string>> names;
      if (r.ok()) {
        names.emplace();
        json j = json::parse(r->body, nullptr, false);
        if (j.is_object() && j.contains("fields") && j["fields"].is_array()) {
          for (const auto& f : j["fields"]) names->insert(f.value("name", ""));
        }
      } else if (!absl::IsNotFound(r.status())) {
        return r.status();
      }
      return &existing.emplace(entity, std::move(names)).first->second;
    };
    if (!request.objects.empty()) {
      // Custom modules come with the Pro and Enterprise plans (seed
      // write-ups); the API does not say which plan the account is on.
      report.limits.push_back(
          absl::StrCat("custom modules: ", request.objects.size(),
                       " needed (Freshsales Pro or Enterprise plan)"));
    }
    for (const auto& object : request.objects) {
      BW_ASSIGN_OR_RETURN(const auto* names, fields_of(object.key));
      std::string item = absl::StrCat("custom_object ", object.key);
      if (names->has_value()) {
        report.present.push_back(item);
        continue;
      }
      report.checklist.push_back(absl::StrCat(
          "Admin Settings > Module customization > Custom modules: add module "
          "'",
          object.singular, "' (plural '", object.plural,
          "') so that its API name is ", object.key, ", with primary field '",
          object.primary_field, "'"));
    }
    for (const auto& spec : request.fields) {
      BW_ASSIGN_OR_RETURN(const auto* names, fields_of(spec.entity));
      std::string item = absl::StrCat(spec.entity, ".", spec.name);
      if (names->has_value() && (*names)->count(spec.name)) {
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
    if (!request.pipelines.empty()) {
      BW_RETURN_IF_ERROR(LoadPipelines());
      for (const auto& want : request.pipelines) {
        CheckPipeline(want, report);
      }
    }
    if (!request.territories.empty()) {
      // Territories are created by an admin; the loader resolves them by
      // name ("territory" -> territory_id).
      territories_.reset();
      BW_RETURN_IF_ERROR(
          LoadChoices("/selector/territories", "territories", territories_));
      for (const auto& name : request.territories) {
        if (territories_->count(name)) {
          report.present.push_back("territory " + name);
        } else {
          report.checklist.push_back(absl::StrCat(
              "Admin Settings > Territory management: add territory '", name,
              "'"));
        }
      }
    }
    return report;
  }

  absl::StatusOr<ListPage> List(const std::string& target_object,
                                const std::string& page_token,
                                int page_size) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(target_object));
    if (spec.list == ListKind::kNone) {
      return absl::UnimplementedError(
          absl::StrCat("Freshsales has no list endpoint for ", target_object));
    }
    BW_ASSIGN_OR_RETURN(auto at, ParseToken(page_token));
    auto [list, page] = at;
    size_t lists = std::max<size_t>(spec.lists.size(), 1);
    if (list >= lists) return absl::InvalidArgumentError("bad page token");
    int per_page = std::clamp(page_size, 1, 100);
    std::string query = absl::StrCat("page=", page, "&per_page=", per_page,
                                     "&sort=created_at&sort_type=asc");
    std::string path;
    if (spec.list == ListKind::kViews) {
      BW_ASSIGN_OR_RETURN(std::string view, ViewId(spec, spec.lists[list]));
      path = absl::StrCat(spec.path, "/view/", view, "?", query);
    } else if (spec.list == ListKind::kFiltered) {
      path = absl::StrCat(spec.path, "?filter=", spec.lists[list], "&", query);
    } else {
      path = absl::StrCat(spec.path, "?", query);
    }
    BW_ASSIGN_OR_RETURN(json j, GetJson(path));
    if (!j.is_object() || !j.contains(spec.list_key) ||
        !j[spec.list_key].is_array()) {
      return absl::InternalError("Freshsales list: unexpected response shape");
    }
    ListPage out;
    for (auto& rec : j[spec.list_key]) out.records.push_back(std::move(rec));
    int total_pages = 0;
    if (j.contains("meta") && j["meta"].is_object())
      total_pages = j["meta"].value("total_pages", 0);
    if (page < total_pages) {
      out.next_page_token = absl::StrCat(list, ":", page + 1);
    } else if (list + 1 < lists) {
      out.next_page_token = absl::StrCat(list + 1, ":1");
    }
    return out;
  }

  absl::StatusOr<std::string> Create(const ResolvedRecord& record) override {
    const std::string& object = record.record->target_object();
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(object));
    if (object == "deal_product") return CreateDealProduct(record);
    absl::StatusOr<HttpResponse> r;
    json members;
    if (object == "document") {
      BW_ASSIGN_OR_RETURN(RestBody body, DocumentBody(record));
      r = transport_.CallWithBody("POST", spec.path, body, false);
    } else {
      json body;
      BW_ASSIGN_OR_RETURN(body[spec.key], Body(spec, record));
      if (object == "list") members = TakeMembers(body[spec.key]);
      if (object == "note") {
        std::vector<std::string> parts = NoteParts(body[spec.key]);
        if (parts.size() > 1) return CreateSplitNote(spec, body, parts);
      }
      r = transport_.Call("POST", spec.path, body.dump(), false);
    }
    if (!r.ok()) return r.status();
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains(spec.key) ||
        !j[spec.key].contains("id")) {
      return absl::UnavailableError(absl::StrCat(
          "ambiguous: Freshsales create ", object, ": response has no id"));
    }
    std::string id = IdText(j[spec.key]["id"]);
    absl::Status added = AddMembers(id, members);
    if (!added.ok()) {
      // The list exists; an Update after a lookup by name completes it.
      return absl::UnavailableError(absl::StrCat(
          "ambiguous: Freshsales list created, adding its contacts failed: ",
          added.message()));
    }
    return id;
  }

  absl::Status Update(const std::string& id,
                      const ResolvedRecord& record) override {
    const std::string& object = record.record->target_object();
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(object));
    if (!spec.update) {
      return absl::UnimplementedError(
          "Freshsales documents cannot be changed through the API; delete "
          "and upload again");
    }
    if (object == "deal_product") {
      BW_ASSIGN_OR_RETURN(json line, ProductLine(record));
      return PutDealProduct(id, std::move(line));
    }
    json body;
    BW_ASSIGN_OR_RETURN(body[spec.key], Body(spec, record));
    if (object == "note") return PutNote(spec, id, body);
    json members = object == "list" ? TakeMembers(body[spec.key]) : json();
    BW_RETURN_IF_ERROR(
        transport_
            .Call("PUT", absl::StrCat(spec.path, "/", id), body.dump(), true)
            .status());
    return AddMembers(id, members);
  }

  absl::Status Patch(const std::string& target_object, const std::string& id,
                     const json& fields) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(target_object));
    if (!spec.update) {
      return absl::UnimplementedError(
          "Freshsales documents cannot be changed through the API");
    }
    if (target_object == "deal_product") return PutDealProduct(id, fields);
    json body;
    body[spec.key] = fields;
    if (target_object == "note") return PutNote(spec, id, body);
    json members =
        target_object == "list" ? TakeMembers(body[spec.key]) : json();
    if (!body[spec.key].empty()) {
      BW_RETURN_IF_ERROR(
          transport_
              .Call("PUT", absl::StrCat(spec.path, "/", id), body.dump(), true)
              .status());
    }
    return AddMembers(id, members);
  }

  absl::StatusOr<std::optional<json>> Get(const std::string& target_object,
                                          const std::string& id) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(target_object));
    if (target_object == "list") return GetList(id);
    if (target_object == "note" && absl::StrContains(id, ',')) {
      return GetSplitNote(spec, id);
    }
    if (target_object == "deal_product") return GetDealProduct(id);
    auto r = transport_.Call("GET", absl::StrCat(spec.path, "/", id), "", true);
    if (absl::IsNotFound(r.status())) return std::optional<json>();
    if (!r.ok()) return r.status();
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains(spec.key)) {
      return absl::InternalError("Freshsales get: unexpected response shape");
    }
    return std::optional<json>(j[spec.key]);
  }

  absl::Status Delete(const std::string& target_object,
                      const std::string& id) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(target_object));
    if (target_object == "deal_product") {
      BW_ASSIGN_OR_RETURN(std::optional<json> line, GetDealProduct(id));
      if (!line) return absl::NotFoundError("the deal has no such product");
      return PutDealProduct(id, {{"is_deleted", true}});
    }
    if (target_object == "note" && absl::StrContains(id, ',')) {
      // Every part; NOT_FOUND only when every part was already gone.
      bool any = false;
      for (const std::string& part : NoteIds(id)) {
        absl::Status s =
            transport_
                .Call("DELETE", absl::StrCat(spec.path, "/", part), "", true)
                .status();
        if (s.ok()) {
          any = true;
        } else if (!absl::IsNotFound(s)) {
          return s;
        }
      }
      return any ? absl::OkStatus()
                 : absl::NotFoundError("every part of the note is gone");
    }
    return transport_.Call("DELETE", absl::StrCat(spec.path, "/", id), "", true)
        .status();
  }

  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(target_object));
    if (!spec.lookup.empty()) return Lookup(spec, field, key);
    if (spec.list == ListKind::kNone) {
      return absl::UnimplementedError(
          absl::StrCat("Freshsales cannot search ", target_object,
                       " records (no lookup or list endpoint)"));
    }
    // No lookup: walk the list (costly; only after an ambiguous create).
    std::string token;
    do {
      BW_ASSIGN_OR_RETURN(ListPage page, List(target_object, token, 100));
      for (const auto& rec : page.records) {
        if (KeyOf(rec, field) == key) {
          return std::optional<std::string>(IdText(rec["id"]));
        }
      }
      token = page.next_page_token;
    } while (!token.empty());
    return std::optional<std::string>();
  }

  bool SupportsBulkUpsert(const std::string& target_object) const override {
    auto spec = SpecOf(target_object);
    return spec.ok() && spec->bulk;
  }

  absl::StatusOr<std::vector<absl::StatusOr<std::string>>> BulkUpsert(
      const std::vector<ResolvedRecord>& records) override {
    std::vector<absl::StatusOr<std::string>> out;
    if (records.empty()) return out;
    const v1::TargetRecord& first = *records.front().record;
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(first.target_object()));
    if (!spec.bulk) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Freshsales has no bulk upsert for ", first.target_object()));
    }
    for (const auto& rr : records) {
      if (rr.record->target_object() != first.target_object() ||
          rr.record->external_key_field().empty() ||
          rr.record->external_key().empty()) {
        return absl::InvalidArgumentError(
            "bulk upsert: every record must be of one object and carry an "
            "external key");
      }
    }
    for (size_t begin = 0; begin < records.size(); begin += kBulkLimit) {
      size_t end = std::min(records.size(), begin + kBulkLimit);
      BW_ASSIGN_OR_RETURN(
          auto chunk,
          BulkChunk(spec, std::vector<ResolvedRecord>(records.begin() + begin,
                                                      records.begin() + end)));
      for (auto& r : chunk) out.push_back(std::move(r));
    }
    return out;
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

  absl::StatusOr<json> GetJson(const std::string& path) {
    BW_ASSIGN_OR_RETURN(HttpResponse r, transport_.Call("GET", path, "", true));
    return json::parse(r.body, nullptr, false);
  }

  // The id of the view named `name` (from /<plural>/filters, cached).
  absl::StatusOr<std::string> ViewId(const ObjectSpec& spec,
                                     const std::string& name) {
    std::string& view = view_ids_[spec.list_key + "/" + name];
    if (!view.empty()) return view;
    BW_ASSIGN_OR_RETURN(json j, GetJson(spec.path + "/filters"));
    if (j.is_object() && j.contains("filters") && j["filters"].is_array()) {
      for (const auto& f : j["filters"]) {
        if (f.value("name", "") == name) view = IdText(f["id"]);
      }
    }
    if (view.empty()) {
      return absl::InternalError(absl::StrCat(
          "Freshsales ", spec.path, "/filters: no '", name, "' view"));
    }
    return view;
  }

  // The external key of a listed record: a top-level field or a custom one.
  static std::string KeyOf(const json& rec, const std::string& field) {
    if (rec.contains(field) && rec[field].is_string()) return rec[field];
    if (rec.contains("custom_field") && rec["custom_field"].is_object() &&
        rec["custom_field"].contains(field) &&
        rec["custom_field"][field].is_string()) {
      return rec["custom_field"][field];
    }
    return "";
  }

  absl::StatusOr<std::optional<std::string>> Lookup(const ObjectSpec& spec,
                                                    const std::string& field,
                                                    const std::string& key) {
    std::string path =
        absl::StrCat("/lookup?q=", UrlEncode(key), "&f=", UrlEncode(field),
                     "&entities=", spec.lookup);
    BW_ASSIGN_OR_RETURN(json j, GetJson(path));
    const std::string& plural = spec.list_key;
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
      if (KeyOf(rec, field) == key)
        return std::optional<std::string>(IdText(rec["id"]));
    }
    return std::optional<std::string>();
  }

  // ---- Products on deals (target "deal_product"; id "<deal>/<product>")

  // The line a deal_product record describes: its fields (quantity,
  // unit_price, discount), without the product id.
  static absl::StatusOr<json> ProductLine(const ResolvedRecord& rr) {
    json line = json::object();
    for (const auto& [k, v] : rr.record->fields()) {
      line[k] = record::ValueToJson(v);
    }
    return line;
  }

  static absl::StatusOr<std::pair<std::string, std::string>> SplitDealProductId(
      const std::string& id) {
    std::vector<std::string> parts = absl::StrSplit(id, '/');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::NotFoundError("not a deal product id (<deal>/<product>)");
    }
    return std::pair<std::string, std::string>{parts[0], parts[1]};
  }

  // Adds the product to the deal. Freshsales keeps one line per product,
  // so a second line of the same product on a deal is refused rather than
  // merged into the first.
  absl::StatusOr<std::string> CreateDealProduct(const ResolvedRecord& rr) {
    auto deal = rr.lookup_ids.find("deal_id");
    auto product = rr.lookup_ids.find("product_id");
    if (deal == rr.lookup_ids.end() || deal->second.empty() ||
        product == rr.lookup_ids.end() || product->second.empty()) {
      return absl::InvalidArgumentError(
          "a Freshsales deal_product needs the lookups deal_id and "
          "product_id");
    }
    std::string id =
        absl::StrCat(deal->second.front(), "/", product->second.front());
    BW_ASSIGN_OR_RETURN(std::optional<json> existing, GetDealProduct(id));
    if (existing) {
      return absl::InvalidArgumentError(
          "the deal already has this product (Freshsales keeps one line per "
          "product)");
    }
    BW_ASSIGN_OR_RETURN(json line, ProductLine(rr));
    BW_RETURN_IF_ERROR(PutDealProduct(id, std::move(line)));
    return id;
  }

  // PUT /deals/{deal} with the one product line (idempotent).
  absl::Status PutDealProduct(const std::string& id, json line) {
    BW_ASSIGN_OR_RETURN(auto ids, SplitDealProductId(id));
    line["id"] = IdJson(ids.second);
    json body = {{"deal", {{"products", json::array({line})}}}};
    return transport_
        .Call("PUT", absl::StrCat("/deals/", ids.first), body.dump(), true)
        .status();
  }

  // The product's line on the deal, or nullopt (deal gone, product off it).
  absl::StatusOr<std::optional<json>> GetDealProduct(const std::string& id) {
    BW_ASSIGN_OR_RETURN(auto ids, SplitDealProductId(id));
    auto r = transport_.Call(
        "GET", absl::StrCat("/deals/", ids.first, "?include=products"), "",
        true);
    if (absl::IsNotFound(r.status())) return std::optional<json>();
    if (!r.ok()) return r.status();
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j.contains("deal")) {
      return absl::InternalError("Freshsales get: unexpected response shape");
    }
    for (const auto& line : j["deal"].value("products", json::array())) {
      if (IdText(line.value("id", json())) == ids.second) {
        json out = line;
        out["id"] = id;
        out["deal_id"] = IdJson(ids.first);
        return std::optional<json>(std::move(out));
      }
    }
    return std::optional<json>();
  }

  // ---- Notes over the size limit

  // The texts a note body's description becomes (one when it fits or has
  // none).
  static std::vector<std::string> NoteParts(const json& note) {
    if (!note.contains("description") || !note["description"].is_string()) {
      return {""};
    }
    return FreshsalesNoteParts(note["description"].get<std::string>());
  }

  // Creates one note per part on the same record; the id joins theirs. A
  // part that fails removes the parts before it, so no partial note stays
  // behind unless removing fails too (then the error is ambiguous).
  absl::StatusOr<std::string> CreateSplitNote(
      const ObjectSpec& spec, json body,
      const std::vector<std::string>& parts) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < parts.size(); ++i) {
      body[spec.key]["description"] = parts[i];
      auto r = transport_.Call("POST", spec.path, body.dump(), false);
      std::string id;
      if (r.ok()) {
        json j = json::parse(r->body, nullptr, false);
        if (j.is_object() && j.contains(spec.key) &&
            j[spec.key].contains("id")) {
          id = IdText(j[spec.key]["id"]);
        }
      }
      if (!id.empty()) {
        ids.push_back(std::move(id));
        continue;
      }
      absl::Status failed =
          r.ok() ? absl::UnavailableError(
                       "ambiguous: Freshsales create note: response has no id")
                 : r.status();
      bool removed = true;
      for (const std::string& done : ids) {
        removed =
            removed &&
            transport_
                .Call("DELETE", absl::StrCat(spec.path, "/", done), "", true)
                .status()
                .ok();
      }
      std::string message =
          absl::StrCat("part ", i + 1, " of ", parts.size(),
                       " of a split note: ", failed.message());
      if (!removed || absl::StartsWith(failed.message(), "ambiguous:")) {
        return absl::UnavailableError(absl::StrCat(
            "ambiguous: ", message,
            removed ? "" : " (and an earlier part could not be removed)"));
      }
      return absl::Status(failed.code(), message);
    }
    return absl::StrJoin(ids, ",");
  }

  // PUT of a note's body onto the note `id` (one note or the parts of a
  // split one). The text must need as many parts as the note has.
  absl::Status PutNote(const ObjectSpec& spec, const std::string& id,
                       json body) {
    std::vector<std::string> ids = NoteIds(id);
    std::vector<std::string> parts;
    if (body[spec.key].contains("description"))
      parts = NoteParts(body[spec.key]);
    if (!parts.empty() && parts.size() != ids.size()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the note's text now needs ", parts.size(), " Freshsales notes of ",
          kFreshsalesNoteMaxBytes, " bytes and it has ", ids.size(),
          "; delete it and migrate it again"));
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!parts.empty()) body[spec.key]["description"] = parts[i];
      BW_RETURN_IF_ERROR(transport_
                             .Call("PUT", absl::StrCat(spec.path, "/", ids[i]),
                                   body.dump(), true)
                             .status());
    }
    return absl::OkStatus();
  }

  // A split note as one record: the first part that still exists, with the
  // whole text (headers dropped); nullopt when every part is gone.
  absl::StatusOr<std::optional<json>> GetSplitNote(const ObjectSpec& spec,
                                                   const std::string& id) {
    std::optional<json> first;
    std::string text;
    std::vector<std::string> ids = NoteIds(id);
    for (size_t i = 0; i < ids.size(); ++i) {
      auto r = transport_.Call("GET", absl::StrCat(spec.path, "/", ids[i]), "",
                               true);
      if (absl::IsNotFound(r.status())) continue;
      if (!r.ok()) return r.status();
      json j = json::parse(r->body, nullptr, false);
      if (!j.is_object() || !j.contains(spec.key)) {
        return absl::InternalError("Freshsales get: unexpected response shape");
      }
      std::string part = j[spec.key].value("description", "");
      std::string header = PartHeader(i + 1, ids.size());
      if (absl::StartsWith(part, header)) part.erase(0, header.size());
      text += part;
      if (!first) first = j[spec.key];
    }
    if (first) {
      (*first)["id"] = id;
      (*first)["description"] = text;
    }
    return first;
  }

  // ---- Record bodies

  absl::StatusOr<json> Body(const ObjectSpec& spec, const ResolvedRecord& rr) {
    const v1::TargetRecord& t = *rr.record;
    json body = json::object();
    for (const auto& [k, v] : t.fields()) body[k] = record::ValueToJson(v);
    json cf = json::object();
    for (const auto& [k, v] : t.custom_fields()) {
      // An object without custom fields cannot keep the external key.
      if (!spec.custom_fields && k == t.external_key_field()) continue;
      cf[k] = record::ValueToJson(v);
    }
    if (!rr.owner_id.empty()) {
      if (spec.owner) {
        body["owner_id"] = IdJson(rr.owner_id);
      } else if (spec.key == "appointment") {
        // Appointments have no owner: the owner attends.
        body["appointment_attendees_attributes"].push_back(
            {{"attendee_type", "FdMultitenant::User"},
             {"attendee_id", IdJson(rr.owner_id)}});
      }
    }
    for (const auto& lookup : t.lookups()) {
      auto it = rr.lookup_ids.find(lookup.target_field());
      if (it == rr.lookup_ids.end() || it->second.empty()) continue;
      const std::string& field = lookup.target_field();
      const std::vector<std::string>& ids = it->second;
      if (field == "sales_accounts") {
        json arr = json::array();
        bool first = true;
        for (const auto& id : ids) {
          arr.push_back({{"id", IdJson(id)}, {"is_primary", first}});
          first = false;
        }
        body["sales_accounts"] = arr;
      } else if (field == "targetable_id") {
        std::string type = TargetableType(lookup.target_object());
        if (type.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "a Freshsales ", spec.key,
              " can only be related to a contact, sales_account or deal"));
        }
        body["targetable_type"] = type;
        body["targetable_id"] = IdJson(ids.front());
      } else if (field == "appointment_attendees_attributes") {
        for (const auto& id : ids) {
          body[field].push_back(
              {{"attendee_type", "Contact"}, {"attendee_id", IdJson(id)}});
        }
      } else if (absl::StartsWith(field, "cf_")) {
        cf[field] = IdJson(ids.front());
      } else if (lookup.as_list() || field == "contacts_added_list") {
        json arr = json::array();
        for (const auto& id : ids) arr.push_back(IdJson(id));
        body[field] = arr;
      } else {
        body[field] = IdJson(ids.front());
      }
    }
    if (!cf.empty()) body["custom_field"] = cf;
    if (spec.key == "deal") BW_RETURN_IF_ERROR(ResolveStage(body));
    if (spec.key == "sales_activity") {
      BW_RETURN_IF_ERROR(
          ResolveChoice(body, "sales_activity_type", "sales_activity_type_id",
                        "/selector/sales_activity_types",
                        "sales_activity_types", activity_types_));
    }
    if (spec.key == "contact") {
      // Leads are contacts in the lifecycle stage "Lead".
      BW_RETURN_IF_ERROR(ResolveChoice(
          body, "lifecycle_stage", "lifecycle_stage_id",
          "/selector/lifecycle_stages", "lifecycle_stages", lifecycle_stages_));
    }
    if (spec.key == "contact" || spec.key == "sales_account" ||
        spec.key == "deal") {
      BW_RETURN_IF_ERROR(ResolveChoice(body, "territory", "territory_id",
                                       "/selector/territories", "territories",
                                       territories_));
    }
    return body;
  }

  // Multipart POST /documents: the record's first attachment as "file",
  // its name, sharing and target.
  absl::StatusOr<RestBody> DocumentBody(const ResolvedRecord& rr) {
    const v1::TargetRecord& t = *rr.record;
    if (t.attachments_size() == 0) {
      return absl::InvalidArgumentError(
          "a Freshsales document record needs an attachment");
    }
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf("document"));
    BW_ASSIGN_OR_RETURN(json fields, Body(spec, rr));
    if (!fields.contains("targetable_id")) {
      return absl::InvalidArgumentError(
          "a Freshsales document must be related to a contact, "
          "sales_account or deal (a lookup to targetable_id)");
    }
    const v1::AttachmentRef& a = t.attachments(0);
    BW_ASSIGN_OR_RETURN(std::string path, FileUriPath(a.uri()));
    BW_ASSIGN_OR_RETURN(std::string bytes, ReadLocalFile(path));
    MultipartPart file;
    file.name = "file";
    file.data = std::move(bytes);
    file.file_name = Text(fields.value("name", json()));
    if (file.file_name.empty()) file.file_name = a.file_name();
    if (file.file_name.empty())
      file.file_name = path.substr(path.rfind('/') + 1);
    file.content_type = a.content_type().empty() ? "application/octet-stream"
                                                 : a.content_type();
    RestBody body;
    std::string file_name = file.file_name;
    body.parts.push_back(std::move(file));
    body.parts.push_back({"file_name", file_name, "", ""});
    body.parts.push_back(
        {"is_shared",
         fields.contains("is_shared") ? Text(fields["is_shared"]) : "false", "",
         ""});
    body.parts.push_back(
        {"targetable_type", Text(fields["targetable_type"]), "", ""});
    body.parts.push_back(
        {"targetable_id", Text(fields["targetable_id"]), "", ""});
    return body;
  }

  // ---- Contact lists

  // Removes the member ids ("contact_ids") from a list body.
  static json TakeMembers(json& body) {
    json ids = body.is_object() && body.contains("contact_ids")
                   ? body["contact_ids"]
                   : json();
    if (body.is_object()) body.erase("contact_ids");
    if (ids.is_null() || ids.is_array()) return ids;
    return json::array({ids});
  }

  absl::Status AddMembers(const std::string& list_id, const json& ids) {
    if (!ids.is_array() || ids.empty()) return absl::OkStatus();
    json body = {{"ids", ids}};
    return transport_
        .Call("PUT", absl::StrCat("/lists/", list_id, "/add_contacts"),
              body.dump(), true)
        .status();
  }

  // There is no GET /lists/{id}: the list from GET /lists, its members
  // from GET /contacts/lists/{id} as "contact_ids".
  absl::StatusOr<std::optional<json>> GetList(const std::string& id) {
    BW_ASSIGN_OR_RETURN(json j, GetJson("/lists"));
    if (!j.is_object() || !j.contains("lists") || !j["lists"].is_array()) {
      return absl::InternalError(
          "Freshsales /lists: unexpected response shape");
    }
    std::optional<json> found;
    for (const auto& l : j["lists"]) {
      if (IdText(l.value("id", json())) == id) found = l;
    }
    if (!found) return found;
    json members = json::array();
    for (int page = 1;; ++page) {
      BW_ASSIGN_OR_RETURN(
          json p, GetJson(absl::StrCat("/contacts/lists/", id, "?page=", page,
                                       "&per_page=100")));
      if (!p.is_object() || !p.contains("contacts") ||
          !p["contacts"].is_array()) {
        return absl::InternalError(
            "Freshsales /contacts/lists: unexpected response shape");
      }
      for (const auto& c : p["contacts"]) members.push_back(c["id"]);
      int total_pages =
          p.contains("meta") ? p["meta"].value("total_pages", 0) : 0;
      if (page >= total_pages) break;
    }
    (*found)["contact_ids"] = std::move(members);
    return found;
  }

  // ---- Names to ids: pipelines and stages, activity types, lifecycle
  // stages. Each list is read once and again when a name is not found
  // (the admin may have added it since).

  absl::Status LoadPipelines() {
    BW_ASSIGN_OR_RETURN(json j, GetJson("/selector/deal_pipelines"));
    if (!j.is_object() || !j.contains("deal_pipelines") ||
        !j["deal_pipelines"].is_array()) {
      return absl::InternalError(
          "Freshsales /selector/deal_pipelines: unexpected response shape");
    }
    std::vector<Pipeline> pipelines;
    for (const auto& p : j["deal_pipelines"]) {
      Pipeline pipeline{IdText(p["id"]),
                        p.value("name", ""),
                        p.value("is_default", false),
                        {}};
      BW_ASSIGN_OR_RETURN(
          json s, GetJson(absl::StrCat("/selector/deal_pipelines/", pipeline.id,
                                       "/deal_stages")));
      if (s.is_object() && s.contains("deal_stages") &&
          s["deal_stages"].is_array()) {
        for (const auto& st : s["deal_stages"]) {
          pipeline.stages.push_back(
              {IdText(st["id"]), st.value("name", ""),
               st.contains("probability") && st["probability"].is_number()
                   ? st["probability"].get<double>()
                   : -1});
        }
      }
      pipelines.push_back(std::move(pipeline));
    }
    pipelines_ = std::move(pipelines);
    return absl::OkStatus();
  }

  void CheckPipeline(const mapping::PipelineSpec& want,
                     SchemaReport& report) const {
    const Pipeline* have = nullptr;
    for (const auto& p : *pipelines_) {
      if (p.name == want.name) have = &p;
    }
    const std::string where = "Admin Settings > Deal pipelines";
    if (have == nullptr) {
      std::vector<std::string> stages;
      for (const auto& st : want.stages) {
        stages.push_back(
            st.probability >= 0
                ? absl::StrCat("'", st.name, "' (", st.probability, "%)")
                : absl::StrCat("'", st.name, "'"));
      }
      report.checklist.push_back(absl::StrCat(where, ": add pipeline '",
                                              want.name, "' with stages ",
                                              absl::StrJoin(stages, ", ")));
      return;
    }
    bool complete = true;
    for (const auto& st : want.stages) {
      const Stage* found = nullptr;
      for (const auto& s : have->stages) {
        if (s.name == st.name) found = &s;
      }
      if (found == nullptr) {
        complete = false;
        report.checklist.push_back(absl::StrCat(
            where, " > ", want.name, ": add stage '", st.name, "'",
            st.probability >= 0 ? absl::StrCat(" (", st.probability, "%)")
                                : ""));
      } else if (st.probability >= 0 && found->probability != st.probability) {
        complete = false;
        report.checklist.push_back(absl::StrCat(
            where, " > ", want.name, ": set the probability of stage '",
            st.name, "' to ", st.probability, "%"));
      }
    }
    if (complete) report.present.push_back("pipeline " + want.name);
  }

  // A deal's "pipeline" and "stage" names (or names given as
  // deal_pipeline_id / deal_stage_id) become ids.
  absl::Status ResolveStage(json& body) {
    auto take = [&body](const char* name, const char* id_field) {
      std::string out;
      if (body.contains(name)) {
        out = Text(body[name]);
        body.erase(name);
      } else if (body.contains(id_field) && !IsIdText(body[id_field])) {
        out = Text(body[id_field]);
        body.erase(id_field);
      }
      return out;
    };
    std::string pipeline_name = take("pipeline", "deal_pipeline_id");
    std::string stage_name = take("stage", "deal_stage_id");
    if (pipeline_name.empty() && stage_name.empty()) return absl::OkStatus();
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!pipelines_ || attempt == 1) BW_RETURN_IF_ERROR(LoadPipelines());
      const Pipeline* pipeline = nullptr;
      const Stage* stage = nullptr;
      for (const auto& p : *pipelines_) {
        bool named = pipeline_name.empty() ? true : p.name == pipeline_name;
        if (!named) continue;
        const Stage* s = nullptr;
        for (const auto& st : p.stages) {
          if (st.name == stage_name) s = &st;
        }
        // A stage name alone: prefer the default pipeline's stage.
        if (stage_name.empty() ||
            (s != nullptr && (stage == nullptr || p.is_default))) {
          pipeline = &p;
          stage = s;
        }
      }
      if (pipeline != nullptr && (stage_name.empty() || stage != nullptr)) {
        body["deal_pipeline_id"] = IdJson(pipeline->id);
        if (stage != nullptr) body["deal_stage_id"] = IdJson(stage->id);
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "Freshsales has no deal pipeline '", pipeline_name, "' with stage '",
        stage_name, "' (PrepareSchema lists what the admin must add)"));
  }

  // Reads the selector list at `path` into `cache` (name -> id).
  absl::Status LoadChoices(
      const std::string& path, const char* list_key,
      std::optional<std::map<std::string, std::string>>& cache) {
    BW_ASSIGN_OR_RETURN(json j, GetJson(path));
    cache.emplace();
    if (j.is_object() && j.contains(list_key) && j[list_key].is_array()) {
      for (const auto& c : j[list_key]) {
        (*cache)[c.value("name", "")] = IdText(c["id"]);
      }
    }
    return absl::OkStatus();
  }

  // `name_field` (a name) or a non-numeric `id_field` becomes `id_field`'s
  // id from the selector list at `path`.
  absl::Status ResolveChoice(
      json& body, const char* name_field, const char* id_field,
      const std::string& path, const char* list_key,
      std::optional<std::map<std::string, std::string>>& cache) {
    std::string name;
    if (body.contains(name_field)) {
      name = Text(body[name_field]);
      body.erase(name_field);
    } else if (body.contains(id_field) && !IsIdText(body[id_field])) {
      name = Text(body[id_field]);
    } else {
      return absl::OkStatus();
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!cache || attempt == 1) {
        BW_RETURN_IF_ERROR(LoadChoices(path, list_key, cache));
      }
      auto it = cache->find(name);
      if (it != cache->end()) {
        body[id_field] = IdJson(it->second);
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("Freshsales has no ", name_field, " named '", name, "'"));
  }

  // ---- Bulk upsert

  absl::StatusOr<std::vector<absl::StatusOr<std::string>>> BulkChunk(
      const ObjectSpec& spec, const std::vector<ResolvedRecord>& records) {
    std::vector<absl::StatusOr<std::string>> out(
        records.size(),
        absl::UnavailableError("ambiguous: the bulk job has no result for this "
                               "record"));
    json items = json::array();
    for (const auto& rr : records) {
      BW_ASSIGN_OR_RETURN(json record, Body(spec, rr));
      items.push_back(
          {{"unique_identifier",
            {{rr.record->external_key_field(), rr.record->external_key()}}},
           {spec.key, std::move(record)}});
    }
    json body = {{spec.list_key, std::move(items)}};
    BW_ASSIGN_OR_RETURN(HttpResponse submitted,
                        transport_.Call("POST", spec.path + "/bulk_upsert",
                                        body.dump(), false));
    json j = json::parse(submitted.body, nullptr, false);
    if (!j.is_object() || !j.contains("job_id")) {
      return absl::UnavailableError(
          "ambiguous: Freshsales bulk upsert: response has no job_id");
    }
    std::string job = IdText(j["job_id"]);
    std::chrono::milliseconds wait = kFirstPoll;
    json status;
    for (int poll = 0;; ++poll) {
      BW_ASSIGN_OR_RETURN(json s, GetJson("/job_statuses/" + job));
      status = s.is_object() ? s.value("job_status", json()) : json();
      std::string state = status.is_object() ? status.value("status", "") : "";
      if (state == "completed") break;
      if (state == "failed" || poll + 1 >= kMaxPolls) {
        return absl::UnavailableError(
            absl::StrCat("ambiguous: Freshsales bulk job ", job, " ",
                         state == "failed" ? "failed" : "did not finish"));
      }
      sleeper_(wait);
      wait = std::min(wait * 2, kMaxPoll);
    }
    const json results = status.value("results", json::array());
    for (size_t i = 0; i < results.size(); ++i) {
      const json& r = results[i];
      size_t index = r.contains("index") && r["index"].is_number_unsigned()
                         ? r["index"].get<size_t>()
                         : i;
      if (index >= out.size()) continue;
      std::string state = r.value("status", "");
      if ((state == "created" || state == "updated") && r.contains("id") &&
          !r["id"].is_null()) {
        out[index] = IdText(r["id"]);
      } else {
        json errors = r.value("errors", json::object());
        out[index] = absl::InvalidArgumentError(
            ErrorMessage(json{{"errors", errors}}.dump()));
      }
    }
    return out;
  }

  Sleeper sleeper_;
  RestTransport transport_;
  // "<plural>/<view name>" -> view id.
  std::map<std::string, std::string> view_ids_;
  std::optional<std::vector<Pipeline>> pipelines_;
  std::optional<std::map<std::string, std::string>> activity_types_;
  std::optional<std::map<std::string, std::string>> lifecycle_stages_;
  std::optional<std::map<std::string, std::string>> territories_;
};

}  // namespace

std::vector<std::string> FreshsalesNoteParts(std::string_view text) {
  if (text.size() <= kFreshsalesNoteMaxBytes) return {std::string(text)};
  // Room for the header of any part ("(part 99 of 99)\n" and longer).
  constexpr size_t kHeaderRoom = 64;
  constexpr size_t kBudget = kFreshsalesNoteMaxBytes - kHeaderRoom;
  std::vector<std::string_view> pieces;
  while (text.size() > kBudget) {
    size_t cut = kBudget;
    // Never inside a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    // Prefer a line break, else a space, in the last quarter.
    size_t floor = kBudget - kBudget / 4;
    size_t at = text.rfind('\n', cut - 1);
    if (at == std::string_view::npos || at < floor)
      at = text.rfind(' ', cut - 1);
    if (at != std::string_view::npos && at >= floor) cut = at + 1;
    pieces.push_back(text.substr(0, cut));
    text.remove_prefix(cut);
  }
  pieces.push_back(text);
  std::vector<std::string> parts;
  for (size_t i = 0; i < pieces.size(); ++i) {
    parts.push_back(PartHeader(i + 1, pieces.size()) + std::string(pieces[i]));
  }
  return parts;
}

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
