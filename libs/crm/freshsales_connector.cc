#include "libs/crm/freshsales_connector.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/crm/projection.h"
#include "libs/crm/rate_observations.h"
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
  std::string path;      // "/deals", "/cpq/products", "/custom_module/cm_x"
  std::string key;       // body key of one record: "deal", "product", "cm_x"
  std::string list_key;  // key of a list response: "deals", "products"
  // The entity of /settings/<entity>/fields ("deals", "cm_x"); "" for
  // none.
  std::string fields_entity;
  std::string lookup;  // /lookup entity ("deal"); "" for none
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
    s.fields_entity = module;
    // Its one view lists every record: FindByExternalKey walks it.
    s.list = ListKind::kViews;
    s.lists = {"All records"};
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
  if (s.custom_fields) s.fields_entity = s.list_key;
  return s;
}

// "contact" -> "Contact": the targetable_type of a lookup's target object.
std::string TargetableType(const std::string& object) {
  if (object == "contact") return "Contact";
  if (object == "sales_account") return "SalesAccount";
  if (object == "deal") return "Deal";
  return "";
}

// "Contact" -> "contact": the object a targetable_type names ("" for none).
std::string TargetableObject(const std::string& type) {
  for (const char* object : {"contact", "sales_account", "deal"}) {
    if (TargetableType(object) == type) return object;
  }
  return "";
}

// A field whose value is the name of one of the account's choices, sent as
// the choice's id: `name_field` (a name) or a non-numeric `id_field`
// becomes `id_field`'s id from the selector list at `path`.
struct Choice {
  const char* object;  // the body key it applies to
  const char* name_field;
  const char* id_field;
  const char* path;
  const char* list_key;
};

constexpr Choice kChoices[] = {
    {"sales_activity", "sales_activity_type", "sales_activity_type_id",
     "/selector/sales_activity_types", "sales_activity_types"},
    // Leads are contacts in the lifecycle stage "Lead".
    {"contact", "lifecycle_stage", "lifecycle_stage_id",
     "/selector/lifecycle_stages", "lifecycle_stages"},
    {"contact", "territory", "territory_id", "/selector/territories",
     "territories"},
    {"sales_account", "territory", "territory_id", "/selector/territories",
     "territories"},
    {"deal", "territory", "territory_id", "/selector/territories",
     "territories"},
};
constexpr const Choice& kTerritories = kChoices[2];

// Lookups that hold a list of ids whatever the record says.
bool ListLookup(const std::string& field) {
  return field == "sales_accounts" || field == "contacts_added_list" ||
         field == "contact_ids" || field == "appointment_attendees_attributes";
}

// A field as /settings/<entity>/fields lists it.
struct FieldDef {
  std::string type;
  bool custom = false;               // "default": false
  std::vector<std::string> choices;  // dropdown and radio
};

// An entity's fields by name; nullopt when the entity does not exist (a
// custom module not created yet).
using FieldDefs = std::optional<std::map<std::string, FieldDef>>;

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

// The values of a contact's "emails" ([{"value", "is_primary"}] or
// strings).
json EmailValues(const json& emails) {
  json out = json::array();
  if (!emails.is_array()) return out;
  for (const json& e : emails) {
    const json& v = e.is_object() ? e.value("value", json()) : e;
    if (v.is_string()) out.push_back(v);
  }
  return out;
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
    // only, whatever `apply` says. Without `apply` the custom modules and
    // fields of the checklist are planned (an admin adds them before the
    // load), so that a dry run plans the load the checklist leads to.
    SchemaReport report;
    planned_fields_.clear();
    planned_modules_.clear();
    std::set<std::string> read;
    auto fields_of =
        [&](const std::string& entity) -> absl::StatusOr<const FieldDefs*> {
      // Once per call: an admin may have added fields since the last one.
      if (read.insert(entity).second) return ReadFieldDefs(entity);
      return &field_defs_[entity];
    };
    if (!request.objects.empty()) {
      // Custom modules come with the Pro and Enterprise plans (seed
      // write-ups); the API does not say which plan the account is on.
      report.limits.push_back(
          absl::StrCat("custom modules: ", request.objects.size(),
                       " needed (Freshsales Pro or Enterprise plan)"));
    }
    for (const auto& object : request.objects) {
      BW_ASSIGN_OR_RETURN(const FieldDefs* defs, fields_of(object.key));
      std::string item = absl::StrCat("custom_object ", object.key);
      if (defs->has_value()) {
        report.present.push_back(item);
        continue;
      }
      report.checklist.push_back(absl::StrCat(
          "Admin Settings > Module customization > Custom modules: add module "
          "'",
          object.singular, "' (plural '", object.plural,
          "') so that its API name is ", object.key, ", with primary field '",
          object.primary_field, "'"));
      if (!apply) planned_modules_.insert(object.key);
    }
    for (const auto& spec : request.fields) {
      BW_ASSIGN_OR_RETURN(const FieldDefs* defs, fields_of(spec.entity));
      std::string item = absl::StrCat(spec.entity, ".", spec.name);
      if (defs->has_value() && (*defs)->count(spec.name)) {
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
      if (!apply) {
        planned_fields_[spec.entity][spec.name] =
            FieldDef{spec.type, /*custom=*/true, spec.choices};
      }
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
      BW_RETURN_IF_ERROR(LoadChoices(kTerritories));
      const auto& territories = choices_[kTerritories.path];
      for (const auto& name : request.territories) {
        if (territories.count(name)) {
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
      r = transport_.Call("POST", spec.path, DumpJson(body), false);
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
      // A record-level refusal: the record is quarantined with this reason
      // and the run goes on (a delta with a changed document).
      return absl::FailedPreconditionError(
          "Freshsales documents cannot be changed through the API; delete "
          "the document in Freshsales and run again to upload it anew");
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
            .Call("PUT", absl::StrCat(spec.path, "/", id), DumpJson(body), true)
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
    std::vector<std::string> custom;
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) custom.push_back(k);
      for (const auto& [k, v] : Member(fields, "custom_field").items())
        custom.push_back(k);
    }
    BW_RETURN_IF_ERROR(RefusePlanned(spec, custom));
    json body;
    body[spec.key] = fields;
    if (target_object == "note") return PutNote(spec, id, body);
    json members =
        target_object == "list" ? TakeMembers(body[spec.key]) : json();
    if (!body[spec.key].empty()) {
      BW_RETURN_IF_ERROR(transport_
                             .Call("PUT", absl::StrCat(spec.path, "/", id),
                                   DumpJson(body), true)
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

  // Contacts, accounts and deals that carry their external key: one
  // POST /filtered_search/<entity> per 100 keys (is_in over the key's
  // field), each record then taken by its id. An id the search does not
  // return (its key edited in Freshsales, or the record gone) is read
  // alone, as is every other record.
  absl::StatusOr<std::vector<std::optional<json>>> GetMany(
      const std::vector<std::string>& ids,
      const std::vector<const v1::TargetRecord*>& records) override {
    const size_t n = std::min(ids.size(), records.size());
    std::vector<std::optional<json>> out(n);
    // (object, key field) -> the records to read by key.
    std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
    for (size_t i = 0; i < n; ++i) {
      const v1::TargetRecord& r = *records[i];
      absl::StatusOr<ObjectSpec> spec = SpecOf(r.target_object());
      if (!spec.ok() || !spec->bulk || r.external_key_field().empty() ||
          r.external_key().empty()) {
        continue;
      }
      groups[{r.target_object(), r.external_key_field()}].push_back(i);
    }
    for (const auto& [which, indexes] : groups) {
      BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(which.first));
      for (size_t begin = 0; begin < indexes.size(); begin += kBulkLimit) {
        const size_t end = std::min(indexes.size(), begin + kBulkLimit);
        json keys = json::array();
        for (size_t k = begin; k < end; ++k) {
          keys.push_back(records[indexes[k]]->external_key());
        }
        BW_ASSIGN_OR_RETURN(std::vector<json> matches,
                            SearchAll(spec, which.second, std::move(keys)));
        std::map<std::string, json*> by_id;
        for (json& m : matches) {
          if (m.is_object() && m.contains("id")) by_id[IdText(m["id"])] = &m;
        }
        for (size_t k = begin; k < end; ++k) {
          auto it = by_id.find(ids[indexes[k]]);
          if (it != by_id.end()) out[indexes[k]] = std::move(*it->second);
        }
      }
    }
    // What the searches did not return (found records are never null).
    for (size_t i = 0; i < n; ++i) {
      if (out[i].has_value()) continue;
      BW_ASSIGN_OR_RETURN(out[i], Get(records[i]->target_object(), ids[i]));
    }
    return out;
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
    if (!spec.lookup.empty()) {
      if (LookupSearches(spec, field)) return Lookup(spec, field, key);
      return FilteredSearch(spec, field, key);
    }
    if (spec.list == ListKind::kNone) {
      return absl::UnimplementedError(
          absl::StrCat("Freshsales cannot search ", target_object,
                       " records (no lookup or list endpoint)"));
    }
    // No lookup: walk the list (costly; only after an ambiguous create).
    std::string token;
    do {
      BW_ASSIGN_OR_RETURN(ListPage page, List(target_object, token, 100));
      std::optional<std::string> id = FirstMatch(page.records, field, key);
      if (id) return id;
      token = page.next_page_token;
    } while (!token.empty());
    return std::optional<std::string>();
  }

  // Notes and documents hold no external key and cannot be listed; they
  // are read with their record: notes side-loaded by
  // `GET /contacts/{id}?include=notes` (likewise sales_accounts and deals),
  // documents by `GET /contacts/{id}/document_associations` ("List all
  // Files and Links").
  bool FindsByExternalKey(const std::string& target_object) const override {
    return target_object != "note" && target_object != "document";
  }

  // A note or document is found among its record's: those whose projection
  // equals what the create writes. A note split into parts (over 32 KB) is
  // not searched (UNIMPLEMENTED, as objects without a list).
  absl::StatusOr<std::vector<std::string>> FindByContent(
      const ResolvedRecord& r) override {
    const std::string& object = r.record->target_object();
    if (object == "list") return ListsNamed(r);
    if (object != "note" && object != "document") {
      return CrmConnector::FindByContent(r);
    }
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(object));
    BW_ASSIGN_OR_RETURN(json body, Body(spec, r));
    if (object == "note" && NoteParts(body).size() > 1) {
      return absl::UnimplementedError(
          "Freshsales: a note split into parts cannot be searched");
    }
    const std::string parent_object =
        TargetableObject(body.value("targetable_type", ""));
    const std::string parent =
        body.contains("targetable_id") ? IdText(body["targetable_id"]) : "";
    if (parent_object.empty() || parent.empty()) {
      return std::vector<std::string>();
    }
    BW_ASSIGN_OR_RETURN(ObjectSpec parent_spec, SpecOf(parent_object));
    const std::string parent_path =
        absl::StrCat(parent_spec.path, "/", UrlEncode(parent));
    const char* key = object == "note" ? "notes" : "document_associations";
    BW_ASSIGN_OR_RETURN(
        json j,
        GetJson(object == "note"
                    ? absl::StrCat(parent_path, "?include=notes")
                    : absl::StrCat(parent_path, "/document_associations")));
    if (!j.is_object() || !j.contains(key) || !j[key].is_array()) {
      return absl::UnavailableError(
          absl::StrCat("ambiguous: Freshsales answered a record's ", key,
                       " without \"", key, "\""));
    }
    // A document's map rarely has fields of its own: it is told apart by
    // the name and size of the file its upload sends.
    std::string file_name;
    size_t file_size = 0;
    if (object == "document") {
      BW_ASSIGN_OR_RETURN(RestBody upload, DocumentBody(r));
      file_name = upload.parts.front().file_name;
      file_size = upload.parts.front().data.size();
    }
    const json written = WrittenProjection(r);
    std::vector<std::string> out;
    for (const json& item : j[key]) {
      if (!item.is_object() || !item.contains("id")) continue;
      if (object == "document") {
        // Links share the list with files; only files are documents.
        if (item.value("document_type", "Document") != "Document" ||
            item.value("name", "") != file_name ||
            (item.contains("file_size") &&
             item["file_size"] != json(file_size))) {
          continue;
        }
      }
      BW_ASSIGN_OR_RETURN(json projected, Project(*r.record, item));
      if (DiffProjections(written, projected).empty()) {
        out.push_back(IdText(item["id"]));
      }
    }
    return out;
  }

  // A list's name is unique in a Freshsales account: after an ambiguous
  // create the list of that name is the one made, whatever its members
  // (they are added by a second request the first may have outlived;
  // CompleteCreate adds them). Found by walking the lists, as a key.
  absl::StatusOr<std::vector<std::string>> ListsNamed(const ResolvedRecord& r) {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf("list"));
    BW_ASSIGN_OR_RETURN(json body, Body(spec, r));
    BW_ASSIGN_OR_RETURN(
        std::optional<std::string> id,
        FindByExternalKey("list", "name", Text(body.value("name", json()))));
    if (!id) return std::vector<std::string>();
    return std::vector<std::string>{*id};
  }

  // A list found after an ambiguous create gets its members (adding a
  // member twice leaves one).
  absl::Status CompleteCreate(const ResolvedRecord& r,
                              const std::string& id) override {
    if (r.record->target_object() != "list") return absl::OkStatus();
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf("list"));
    BW_ASSIGN_OR_RETURN(json body, Body(spec, r));
    return AddMembers(id, TakeMembers(body));
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

  // Selector choices (lifecycle stage, territory, activity type) and deal
  // pipelines and stages read back as their names, emails as the list of
  // addresses, custom fields from "custom_field", lookups as the ids
  // Freshsales links (sales_accounts, contact_ids for contacts_added_list,
  // the contact attendees of an appointment).
  absl::StatusOr<json> Project(const v1::TargetRecord& record,
                               const json& crm_record) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(record.target_object()));
    json p = EmptyProjection();
    for (const auto& [k, v] : record.fields()) {
      BW_ASSIGN_OR_RETURN(p["fields"][k], ProjectField(spec, k, v, crm_record));
    }
    const json cf = Member(crm_record, "custom_field");
    for (const auto& [k, v] : record.custom_fields())
      p["custom_fields"][k] = ValueOf(cf, k);
    for (const auto& lookup : record.lookups()) {
      const std::string& field = lookup.target_field();
      json link;
      if (field == "contacts_added_list") {
        link = ValueOf(crm_record, "contact_ids");
      } else if (field == "appointment_attendees_attributes") {
        link = Attendees(crm_record, /*contacts=*/true);
      } else if (absl::StartsWith(field, "cf_")) {
        link = ValueOf(cf, field);
      } else {
        link = ValueOf(crm_record, field);
      }
      p["lookups"][field] = IdTexts(link);
    }
    return p;
  }

  // One PUT in the create's shape (two for a list with members; an
  // appointment's attendees are read first to keep its users). Blank
  // values are sent as null, which clears them; names become ids again.
  absl::Status Restore(const std::string& target_object, const std::string& id,
                       const json& projection) override {
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(target_object));
    json body = json::object();
    for (const auto& [k, v] : Member(projection, "fields").items())
      body[k] = IsBlank(v) ? json() : v;
    // Freshsales keeps "email" the primary of "emails": no email, no
    // addresses.
    if (spec.key == "contact" && body.contains("email") &&
        body["email"].is_null() && !body.contains("emails")) {
      body["emails"] = nullptr;
    }
    json cf = json::object();
    if (spec.custom_fields) {
      for (const auto& [k, v] : Member(projection, "custom_fields").items())
        cf[k] = IsBlank(v) ? json() : v;
    }
    // A product line's lookups are its id.
    if (target_object != "deal_product") {
      for (const auto& [k, v] : Member(projection, "lookups").items()) {
        if (k == "appointment_attendees_attributes") {
          BW_ASSIGN_OR_RETURN(std::optional<json> now, Get(target_object, id));
          if (!now) return absl::NotFoundError("the appointment is gone");
          for (const json& user : Attendees(*now, /*contacts=*/false))
            body[k].push_back(user);
        }
        BW_RETURN_IF_ERROR(PutLookup(spec, k, IdTexts(v), "", false, body, cf));
      }
      BW_RETURN_IF_ERROR(ResolveNames(spec, body));
    }
    if (!cf.empty()) body["custom_field"] = cf;
    if (body.empty()) return absl::OkStatus();
    return Patch(target_object, id, body);
  }

  // Checks the object, the record's custom fields and dropdown choices
  // against the fields the last PrepareSchema read or planned
  // (FAILED_PRECONDITION when it read none for the entity), and the
  // lookups a product line or document needs. Selector lists and
  // pipelines, read once per connector, are not counted.
  absl::StatusOr<int> PlanWrite(const ResolvedRecord& record,
                                bool create) override {
    const v1::TargetRecord& t = *record.record;
    const std::string& object = t.target_object();
    BW_ASSIGN_OR_RETURN(ObjectSpec spec, SpecOf(object));
    if (!create && !spec.update) {
      return absl::FailedPreconditionError(
          "Freshsales documents cannot be changed through the API; delete "
          "the document in Freshsales and run again to upload it anew");
    }
    BW_RETURN_IF_ERROR(CheckCustomFields(spec, record));
    auto resolved = [&record](const char* field) {
      auto it = record.lookup_ids.find(field);
      return it != record.lookup_ids.end() && !it->second.empty();
    };
    if (object == "deal_product") {
      for (const char* field : {"deal_id", "product_id"}) {
        if (!resolved(field)) {
          return absl::InvalidArgumentError(absl::StrCat(
              field,
              ": a Freshsales deal_product needs the lookups deal_id "
              "and product_id"));
        }
      }
      // A create reads the deal first (one line per product).
      return create ? 2 : 1;
    }
    if (object == "document") {
      if (t.attachments_size() == 0) {
        return absl::InvalidArgumentError(
            "attachments: a Freshsales document record needs an attachment");
      }
      if (!resolved("targetable_id")) {
        return absl::InvalidArgumentError(
            "targetable_id: a Freshsales document must be related to a "
            "contact, sales_account or deal");
      }
      return 1;
    }
    int requests = 1;
    auto description = t.fields().find("description");
    if (object == "note" && description != t.fields().end()) {
      requests = static_cast<int>(
          FreshsalesNoteParts(record::ValueToText(description->second)).size());
    }
    if (object == "list" && resolved("contact_ids")) ++requests;
    return requests;
  }

  // owner_id, on every object that has one (appointments have attendees,
  // notes, documents, product lines and lists no owner).
  std::optional<std::string> OwnerOf(const std::string& target_object,
                                     const json& crm_record) const override {
    absl::StatusOr<ObjectSpec> spec = SpecOf(target_object);
    if (!spec.ok() || !spec->owner) return std::nullopt;
    return OwnerText(ValueOf(crm_record, "owner_id"));
  }

  int64_t requests() const override { return transport_.requests(); }

 private:
  // A record field's value as the CRM shows it (see Project).
  absl::StatusOr<json> ProjectField(const ObjectSpec& spec,
                                    const std::string& name,
                                    const v1::Value& value,
                                    const json& crm_record) {
    // The record gave a name where Freshsales keeps an id.
    bool named = !IsIdText(record::ValueToJson(value));
    if (spec.key == "deal") {
      if (name == "pipeline" || (name == "deal_pipeline_id" && named))
        return PipelineName(ValueOf(crm_record, "deal_pipeline_id"), false);
      if (name == "stage" || (name == "deal_stage_id" && named))
        return PipelineName(ValueOf(crm_record, "deal_stage_id"), true);
    }
    for (const Choice& c : kChoices) {
      if (spec.key == c.object &&
          (name == c.name_field || (name == c.id_field && named))) {
        return ChoiceName(c, ValueOf(crm_record, c.id_field));
      }
    }
    if (name == "emails") return EmailValues(ValueOf(crm_record, "emails"));
    return ValueOf(crm_record, name);
  }

  // An appointment's attendees as read back: the contacts' ids
  // (`contacts`), or the other attendees (users) as attendee attributes.
  static json Attendees(const json& appointment, bool contacts) {
    json out = json::array();
    json all = ValueOf(appointment, "appointment_attendees");
    for (const json& a : all.is_array() ? all : json::array()) {
      bool contact = ValueOf(a, "attendee_type") == "Contact";
      if (contact != contacts) continue;
      if (contacts) {
        out.push_back(ValueOf(a, "attendee_id"));
      } else {
        out.push_back({{"attendee_type", ValueOf(a, "attendee_type")},
                       {"attendee_id", ValueOf(a, "attendee_id")}});
      }
    }
    return out;
  }

  // PlanWrite's check of the record's custom fields (and cf_ lookups)
  // against field_defs_; names fields, never values.
  absl::Status CheckCustomFields(const ObjectSpec& spec,
                                 const ResolvedRecord& rr) const {
    const v1::TargetRecord& t = *rr.record;
    std::map<std::string, json> values;
    for (const auto& [k, v] : t.custom_fields()) {
      // Body leaves the key out where it has no place.
      if (!spec.custom_fields && k == t.external_key_field()) continue;
      values[k] = record::ValueToJson(v);
    }
    for (const auto& lookup : t.lookups()) {
      if (absl::StartsWith(lookup.target_field(), "cf_"))
        values.emplace(lookup.target_field(), json());
    }
    if (values.empty()) return absl::OkStatus();
    const std::string& first = values.begin()->first;
    if (spec.fields_entity.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          first, ": Freshsales ", spec.list_key, " have no custom fields"));
    }
    auto defs = field_defs_.find(spec.fields_entity);
    if (defs == field_defs_.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the custom fields of Freshsales ", spec.fields_entity,
                       " are not known yet (prepare the schema first)"));
    }
    if (!defs->second && !planned_modules_.count(spec.fields_entity)) {
      return absl::InvalidArgumentError(absl::StrCat(
          first, ": Freshsales has no custom module ", spec.fields_entity));
    }
    for (const auto& [name, value] : values) {
      const FieldDef* known = nullptr;
      if (defs->second) {
        auto def = defs->second->find(name);
        if (def != defs->second->end() && def->second.custom)
          known = &def->second;
      }
      if (known == nullptr) known = PlannedField(spec.fields_entity, name);
      if (known == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": not a custom field of Freshsales ", spec.fields_entity,
            " (an admin adds it; see the schema checklist)"));
      }
      const FieldDef& d = *known;
      if ((d.type == "dropdown" || d.type == "radio") && !IsBlank(value) &&
          std::find(d.choices.begin(), d.choices.end(), Text(value)) ==
              d.choices.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": not a choice of the Freshsales field"));
      }
    }
    return absl::OkStatus();
  }

  // The field `name` of `entity` the last PrepareSchema planned; nullptr
  // for none.
  const FieldDef* PlannedField(const std::string& entity,
                               const std::string& name) const {
    auto fields = planned_fields_.find(entity);
    if (fields == planned_fields_.end()) return nullptr;
    auto it = fields->second.find(name);
    return it == fields->second.end() ? nullptr : &it->second;
  }

  // FAILED_PRECONDITION when a write of `spec` would need a planned module
  // or one of the custom fields `names`: only an admin creates them.
  absl::Status RefusePlanned(const ObjectSpec& spec,
                             const std::vector<std::string>& names) const {
    std::string what;
    if (planned_modules_.count(spec.fields_entity)) what = spec.fields_entity;
    for (const auto& name : names) {
      if (what.empty() && PlannedField(spec.fields_entity, name) != nullptr)
        what = name;
    }
    if (what.empty()) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": planned by a dry run, not in Freshsales yet (an admin adds ",
        "it; see the schema checklist)"));
  }

  static RestOptions MakeOptions(const FreshsalesConfig& config) {
    RestOptions o;
    o.base_url = config.base_url;
    o.auth_headers = {"Authorization: Token token=" + config.token};
    o.rate_per_second = config.requests_per_hour / 3600.0;
    o.burst = config.burst;
    o.pacer = config.pacer;
    o.observe = FreshsalesRateObservations;
    o.error_message = ErrorMessage;
    return o;
  }

  absl::StatusOr<json> GetJson(const std::string& path) {
    BW_ASSIGN_OR_RETURN(HttpResponse r, transport_.Call("GET", path, "", true));
    return json::parse(r.body, nullptr, false);
  }

  // Reads GET /settings/<entity>/fields into field_defs_ (nullopt when the
  // entity does not exist: a custom module not created yet). PrepareSchema
  // reads it; PlanWrite checks records against what it found.
  absl::StatusOr<const FieldDefs*> ReadFieldDefs(const std::string& entity) {
    auto r = transport_.Call(
        "GET", absl::StrCat("/settings/", entity, "/fields"), "", true);
    FieldDefs defs;
    if (r.ok()) {
      defs.emplace();
      json fields = ValueOf(json::parse(r->body, nullptr, false), "fields");
      for (const json& f : fields.is_array() ? fields : json::array()) {
        if (!f.is_object()) continue;
        FieldDef& def = (*defs)[f.value("name", "")];
        def.type = f.value("type", "");
        def.custom = !f.value("default", false);
        json choices = ValueOf(f, "choices");
        for (const json& c : choices.is_array() ? choices : json::array()) {
          const json& v = c.is_object() ? ValueOf(c, "value") : c;
          if (v.is_string()) def.choices.push_back(v);
        }
      }
    } else if (!absl::IsNotFound(r.status())) {
      return r.status();
    }
    FieldDefs& stored = field_defs_[entity];
    stored = std::move(defs);
    return &stored;
  }

  // The id of the view named `name` (from /<plural>/filters, cached).
  absl::StatusOr<std::string> ViewId(const ObjectSpec& spec,
                                     const std::string& name) {
    std::string& view = view_ids_[spec.list_key + "/" + name];
    if (!view.empty()) return view;
    BW_ASSIGN_OR_RETURN(json j, GetJson(spec.path + "/filters"));
    if (j.is_object() && j.contains("filters") && j["filters"].is_array()) {
      for (const auto& f : j["filters"]) {
        if (f.value("name", "") == name) view = IdOf(f);
      }
    }
    if (view.empty()) {
      return absl::InternalError(absl::StrCat(
          "Freshsales ", spec.path, "/filters: no '", name, "' view"));
    }
    return view;
  }

  // True when the listed record `rec` holds `key` in `field` (a top-level
  // or a custom field); an email matches any of a contact's addresses, in
  // any case.
  static bool Matches(const json& rec, const std::string& field,
                      const std::string& key) {
    if (field == "email" || field == "emails") {
      json all = EmailValues(ValueOf(rec, "emails"));
      all.push_back(ValueOf(rec, "email"));
      for (const json& e : all) {
        if (e.is_string() && absl::EqualsIgnoreCase(e.get<std::string>(), key))
          return true;
      }
      return false;
    }
    json v = ValueOf(rec, field);
    if (v.is_null()) v = ValueOf(Member(rec, "custom_field"), field);
    return (v.is_string() || v.is_number()) && Text(v) == key;
  }

  // The id of the first record of `list` that Matches; searches are exact
  // on the server, and checked again here.
  template <typename List>
  static std::optional<std::string> FirstMatch(const List& list,
                                               const std::string& field,
                                               const std::string& key) {
    for (const auto& rec : list) {
      if (Matches(rec, field, key) && !IdOf(rec).empty()) return IdOf(rec);
    }
    return std::nullopt;
  }

  // True when GET /lookup can search `field` of the object: names, the
  // contact's external_id, emails and mobile number, and custom fields.
  static bool LookupSearches(const ObjectSpec& spec, const std::string& field) {
    if (field == "name" || absl::StartsWith(field, "cf_")) return true;
    return spec.key == "contact" &&
           (field == "email" || field == "emails" || field == "external_id" ||
            field == "mobile_number");
  }

  absl::StatusOr<std::optional<std::string>> Lookup(const ObjectSpec& spec,
                                                    const std::string& field,
                                                    const std::string& key) {
    std::string path =
        absl::StrCat("/lookup?q=", UrlEncode(key),
                     "&f=", UrlEncode(field == "emails" ? "email" : field),
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
    return FirstMatch(*list, field, key);
  }

  // Every record of `spec`'s entity whose `field` is one of `values`:
  // POST /filtered_search/<entity> with one is_in rule, page by page.
  absl::StatusOr<std::vector<json>> SearchAll(const ObjectSpec& spec,
                                              const std::string& field,
                                              json values) {
    json body = {
        {"filter_rule", json::array({{{"attribute", field},
                                      {"operator", "is_in"},
                                      {"value", std::move(values)}}})}};
    const std::string payload = DumpJson(body);
    std::vector<json> out;
    for (int page = 1;; ++page) {
      BW_ASSIGN_OR_RETURN(
          HttpResponse r,
          transport_.Call("POST",
                          absl::StrCat("/filtered_search/", spec.lookup,
                                       "?page=", page, "&per_page=100"),
                          payload, true));
      json j = json::parse(r.body, nullptr, false);
      if (!j.is_object() || !j.contains(spec.list_key) ||
          !j[spec.list_key].is_array()) {
        return absl::InternalError(
            "Freshsales filtered_search: unexpected response shape");
      }
      for (json& m : j[spec.list_key]) out.push_back(std::move(m));
      const json meta = j.value("meta", json::object());
      const int64_t pages = meta.is_object() && meta.contains("total_pages") &&
                                    meta["total_pages"].is_number_integer()
                                ? meta["total_pages"].get<int64_t>()
                                : 1;
      if (page >= pages) break;
    }
    return out;
  }

  // POST /filtered_search/<entity> for a field /lookup does not search
  // (work_number, a sales account's phone, ...).
  absl::StatusOr<std::optional<std::string>> FilteredSearch(
      const ObjectSpec& spec, const std::string& field,
      const std::string& key) {
    BW_ASSIGN_OR_RETURN(std::vector<json> matches,
                        SearchAll(spec, field, json(key)));
    return FirstMatch(matches, field, key);
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
        .Call("PUT", absl::StrCat("/deals/", ids.first), DumpJson(body), true)
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
        out["product_id"] = IdJson(ids.second);
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
      auto r = transport_.Call("POST", spec.path, DumpJson(body), false);
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
                                   DumpJson(body), true)
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
    std::vector<std::string> custom;
    for (const auto& [k, v] : t.custom_fields()) custom.push_back(k);
    for (const auto& lookup : t.lookups())
      custom.push_back(lookup.target_field());
    BW_RETURN_IF_ERROR(RefusePlanned(spec, custom));
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
      BW_RETURN_IF_ERROR(PutLookup(spec, lookup.target_field(), it->second,
                                   lookup.target_object(), lookup.as_list(),
                                   body, cf));
    }
    if (!cf.empty()) body["custom_field"] = cf;
    BW_RETURN_IF_ERROR(ResolveNames(spec, body));
    return body;
  }

  // Writes the lookup `field` with `ids` into `body` (or, for a cf_
  // lookup, into `cf`) in Freshsales' shape; no ids clear it.
  // `target_object` gives a targetable_id its targetable_type (empty:
  // keep the record's).
  static absl::Status PutLookup(const ObjectSpec& spec,
                                const std::string& field,
                                const std::vector<std::string>& ids,
                                const std::string& target_object, bool as_list,
                                json& body, json& cf) {
    json single = ids.empty() ? json() : IdJson(ids.front());
    if (field == "sales_accounts") {
      json arr = json::array();
      for (const auto& id : ids)
        arr.push_back({{"id", IdJson(id)}, {"is_primary", arr.empty()}});
      body[field] = std::move(arr);
    } else if (field == "targetable_id") {
      if (!target_object.empty()) {
        std::string type = TargetableType(target_object);
        if (type.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "a Freshsales ", spec.key,
              " can only be related to a contact, sales_account or deal"));
        }
        body["targetable_type"] = type;
      }
      body[field] = single;
    } else if (field == "appointment_attendees_attributes") {
      json& attendees = body[field];
      if (!attendees.is_array()) attendees = json::array();
      for (const auto& id : ids) {
        attendees.push_back(
            {{"attendee_type", "Contact"}, {"attendee_id", IdJson(id)}});
      }
    } else if (absl::StartsWith(field, "cf_")) {
      cf[field] = single;
    } else if (as_list || ListLookup(field)) {
      json arr = json::array();
      for (const auto& id : ids) arr.push_back(IdJson(id));
      body[field] = std::move(arr);
    } else {
      body[field] = single;
    }
    return absl::OkStatus();
  }

  // Names to ids: a deal's pipeline and stage, and the selector choices
  // of the object (kChoices).
  absl::Status ResolveNames(const ObjectSpec& spec, json& body) {
    if (spec.key == "deal") BW_RETURN_IF_ERROR(ResolveStage(body));
    for (const Choice& c : kChoices) {
      if (spec.key == c.object) BW_RETURN_IF_ERROR(ResolveChoice(body, c));
    }
    return absl::OkStatus();
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
              DumpJson(body), true)
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
      if (IdOf(p).empty()) continue;  // not a pipeline one can use
      Pipeline pipeline{
          IdOf(p), p.value("name", ""), p.value("is_default", false), {}};
      BW_ASSIGN_OR_RETURN(
          json s, GetJson(absl::StrCat("/selector/deal_pipelines/", pipeline.id,
                                       "/deal_stages")));
      if (s.is_object() && s.contains("deal_stages") &&
          s["deal_stages"].is_array()) {
        for (const auto& st : s["deal_stages"]) {
          if (IdOf(st).empty()) continue;
          pipeline.stages.push_back(
              {IdOf(st), st.value("name", ""),
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

  // Reads the selector list of `c` into choices_ (name -> id).
  absl::Status LoadChoices(const Choice& c) {
    BW_ASSIGN_OR_RETURN(json j, GetJson(c.path));
    std::map<std::string, std::string>& cache = choices_[c.path];
    cache.clear();
    if (j.is_object() && j.contains(c.list_key) && j[c.list_key].is_array()) {
      // An item without an id or a name cannot be chosen (fuzz/regressions/
      // freshsales/choice-without-id read past a map's end here).
      for (const auto& item : j[c.list_key]) {
        if (IdOf(item).empty()) continue;
        const json name = ValueOf(item, "name");
        if (name.is_string()) cache[name.get<std::string>()] = IdOf(item);
      }
    }
    return absl::OkStatus();
  }

  // `c.name_field` (a name) or a non-numeric `c.id_field` becomes
  // `c.id_field`'s id; a null name clears the id.
  absl::Status ResolveChoice(json& body, const Choice& c) {
    std::string name;
    if (body.contains(c.name_field)) {
      json value = body[c.name_field];
      body.erase(c.name_field);
      if (value.is_null()) {
        body[c.id_field] = nullptr;
        return absl::OkStatus();
      }
      name = Text(value);
    } else if (body.contains(c.id_field) && !body[c.id_field].is_null() &&
               !IsIdText(body[c.id_field])) {
      name = Text(body[c.id_field]);
    } else {
      return absl::OkStatus();
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!choices_.count(c.path) || attempt == 1) {
        BW_RETURN_IF_ERROR(LoadChoices(c));
      }
      const auto& cache = choices_[c.path];
      auto it = cache.find(name);
      if (it != cache.end()) {
        body[c.id_field] = IdJson(it->second);
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "Freshsales has no ", c.name_field, " named '", name, "'"));
  }

  // The name of choice `id` of `c` (the id itself when the list does not
  // have it, even after reading it again); null for null.
  absl::StatusOr<json> ChoiceName(const Choice& c, const json& id) {
    if (id.is_null()) return json();
    std::string text = IdText(id);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!choices_.count(c.path) || attempt == 1) {
        BW_RETURN_IF_ERROR(LoadChoices(c));
      }
      for (const auto& [name, choice_id] : choices_[c.path]) {
        if (choice_id == text) return json(name);
      }
    }
    return json(text);
  }

  // The name of the deal pipeline (`stage` false) or stage with `id`, as
  // ChoiceName.
  absl::StatusOr<json> PipelineName(const json& id, bool stage) {
    if (id.is_null()) return json();
    std::string text = IdText(id);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!pipelines_ || attempt == 1) BW_RETURN_IF_ERROR(LoadPipelines());
      for (const auto& p : *pipelines_) {
        if (!stage && p.id == text) return json(p.name);
        for (const auto& st : p.stages) {
          if (stage && st.id == text) return json(st.name);
        }
      }
    }
    return json(text);
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
                                        DumpJson(body), false));
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
  // Selector path -> choice name -> id (kChoices), read when first needed.
  std::map<std::string, std::map<std::string, std::string>> choices_;
  // Entity -> its fields, as the last ReadFieldDefs found them.
  std::map<std::string, FieldDefs> field_defs_;
  // What the last PrepareSchema without `apply` planned (the checklist's
  // custom fields by entity and name, and custom modules). Only PlanWrite
  // reads them; writes refuse them (RefusePlanned).
  std::map<std::string, std::map<std::string, FieldDef>> planned_fields_;
  std::set<std::string> planned_modules_;
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
