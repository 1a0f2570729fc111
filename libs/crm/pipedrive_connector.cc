#include "libs/crm/pipedrive_connector.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/crm/pipedrive_account.h"
#include "libs/crm/pipedrive_wire.h"
#include "libs/crm/projection.h"
#include "libs/crm/rate_observations.h"
#include "libs/crm/wire_util.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;
using pipedrive::AccountState;
using pipedrive::FieldDef;
using pipedrive::JsonBool;
using pipedrive::JsonInt;
using pipedrive::JsonString;
using pipedrive::ObjectSpec;

constexpr char kV2[] = "/api/v2";
constexpr char kV1[] = "/api/v1";
// Searches per 2-second window and token, on every plan.
constexpr int kSearchPerTwoSeconds = 10;
// Largest page the v2 lists take.
constexpr int kV2MaxPage = 500;
// A deal's stage named without its pipeline, in more than one pipeline.
constexpr char kAmbiguousStage[] =
    "stage: the stage name is in several pipelines; map 'pipeline' too";
// The attributes of a file that link it to a record (multipart fields).
constexpr const char* kFileLinks[] = {"deal_id",    "person_id",   "org_id",
                                      "product_id", "activity_id", "lead_id",
                                      "project_id"};

// What a write carries before it is shaped for the wire: attribute and
// custom-field values as JSON (ValueJson), keyed by their map names.
struct Input {
  json fields = json::object();
  // "cf_..." names, or 40-hex field codes (read-back before-images).
  json custom = json::object();
  // Field or custom-field name -> currency of its decimal value.
  std::map<std::string, std::string> currency;
  // A custom field an object without custom fields may ignore: the
  // record's external key field (notes, files and activities cannot hold
  // it).
  std::string skip_custom;
  // A restore: a null clears what the spec lets be cleared (null where it
  // is nullable, "" for other texts, [] for lists); other nulls are left
  // out, as in every write.
  bool restore = false;
};

class PipedriveConnector : public CrmConnector {
 public:
  PipedriveConnector(const PipedriveConfig& config,
                     std::unique_ptr<HttpClient> http, Clock clock,
                     Sleeper sleeper)
      : search_pacer_(kSearchPerTwoSeconds / 2.0, kSearchPerTwoSeconds, clock,
                      sleeper),
        transport_(MakeOptions(config), std::move(http), std::move(clock),
                   std::move(sleeper)),
        account_(AccountState::For(BaseUrl(config), config.token)) {}

  // CrmConnector
  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    BW_ASSIGN_OR_RETURN(json data,
                        CallData("GET", absl::StrCat(kV1, "/users"), "", true));
    if (!data.is_array()) {
      return absl::InternalError("Pipedrive /users: unexpected response shape");
    }
    std::vector<CrmUser> users;
    for (const auto& u : data) {
      if (!u.is_object()) continue;
      // Deactivated and deleted users cannot own records.
      if (JsonBool(u, "is_deleted", false) || !JsonBool(u, "active_flag", true))
        continue;
      users.push_back(CrmUser{IdText(u.value("id", json())),
                              JsonString(u, "email"), JsonString(u, "name")});
    }
    return users;
  }

  absl::StatusOr<SchemaReport> PrepareSchema(const SchemaRequest& request,
                                             bool apply) override {
    SchemaReport report;
    planned_ = Planned();
    for (const auto& o : request.objects) {
      report.checklist.push_back(absl::StrCat(
          "Pipedrive has no custom objects: map custom_objects '", o.key,
          "' to a standard object (deal, lead, activity or note) instead"));
    }
    BW_RETURN_IF_ERROR(PrepareFields(request.fields, apply, &report));
    if (!request.pipelines.empty()) {
      BW_RETURN_IF_ERROR(PreparePipelines(request.pipelines, apply, &report));
    }
    return report;
  }

  absl::StatusOr<std::string> Create(const ResolvedRecord& record) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec,
                        Object(record.record->target_object()));
    if (spec->name == "file") return CreateFile(*spec, record);
    BW_ASSIGN_OR_RETURN(json body, Body(*spec, FromRecord(*spec, record)));
    BW_ASSIGN_OR_RETURN(json data,
                        CallData("POST", spec->path, DumpJson(body), false));
    if (!data.is_object() || !data.contains("id")) {
      return absl::UnavailableError(absl::StrCat(
          "ambiguous: Pipedrive create ", spec->name, ": response has no id"));
    }
    return IdText(data["id"]);
  }

  absl::Status Update(const std::string& id,
                      const ResolvedRecord& record) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec,
                        Object(record.record->target_object()));
    return Write(*spec, id, FromRecord(*spec, record));
  }

  absl::Status Patch(const std::string& target_object, const std::string& id,
                     const json& fields) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(target_object));
    if (!fields.is_object()) {
      return absl::InvalidArgumentError("Patch takes a JSON object");
    }
    Input in;
    for (const auto& [k, v] : fields.items()) {
      if (k == "custom_fields" && v.is_object()) {
        for (const auto& [ck, cv] : v.items()) in.custom[ck] = cv;
      } else if (absl::StartsWith(k, "cf_") || pipedrive::IsFieldCode(k)) {
        in.custom[k] = v;
      } else {
        in.fields[k] = v;
      }
    }
    return Write(*spec, id, std::move(in));
  }

  absl::StatusOr<std::optional<json>> Get(const std::string& target_object,
                                          const std::string& id) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(target_object));
    if (!pipedrive::ValidId(*spec, id)) return std::optional<json>();
    auto data = CallData("GET", absl::StrCat(spec->path, "/", id), "", true);
    if (IsGone(data.status())) return std::optional<json>();
    if (!data.ok()) return data.status();
    if (!data->is_object()) {
      return absl::InternalError(absl::StrCat("Pipedrive get ", spec->name,
                                              ": unexpected response shape"));
    }
    if (IsDeleted(*spec, *data)) return std::optional<json>();
    return std::optional<json>(std::move(*data));
  }

  absl::Status Delete(const std::string& target_object,
                      const std::string& id) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(target_object));
    if (!pipedrive::ValidId(*spec, id)) {
      return absl::NotFoundError(
          absl::StrCat("no Pipedrive ", spec->name, " has this id"));
    }
    absl::Status s =
        CallData("DELETE", absl::StrCat(spec->path, "/", id), "", true)
            .status();
    if (!s.ok() && !absl::IsNotFound(s) && IsGone(s)) {
      return absl::NotFoundError(s.message());
    }
    return s;
  }

  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(target_object));
    // Activities, notes and files have no searchable field to hold the key
    // (docs/connectors/pipedrive.md, "External keys").
    if (spec->search_entity.empty()) return std::optional<std::string>();
    if (spec->name == "person" && (absl::StartsWith(field, "email") ||
                                   absl::StartsWith(field, "phone"))) {
      return FindPerson(absl::StartsWith(field, "email"), key);
    }
    std::string code = field;
    if (absl::StartsWith(field, "cf_")) {
      BW_ASSIGN_OR_RETURN(FieldDef def,
                          ResolveField(spec->fields_family, field));
      code = def.code;
    }
    search_pacer_.Acquire();
    BW_ASSIGN_OR_RETURN(
        json data,
        CallData("GET",
                 absl::StrCat(kV2, "/itemSearch/field?term=", UrlEncode(key),
                              "&entity_type=", spec->search_entity,
                              "&match=exact&field=", UrlEncode(code)),
                 "", true));
    if (!data.is_array()) {
      return absl::InternalError(
          "Pipedrive itemSearch/field: unexpected response shape");
    }
    for (const auto& hit : data) {
      // The schema wraps each hit in "item"; the spec's example does not.
      const json& item = hit.contains("item") ? hit["item"] : hit;
      if (item.is_object() && item.contains("id"))
        return std::optional<std::string>(IdText(item["id"]));
    }
    return std::optional<std::string>();
  }

  absl::StatusOr<ListPage> List(const std::string& target_object,
                                const std::string& page_token,
                                int page_size) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(target_object));
    int limit = std::clamp(page_size, 1, spec->max_page);
    ListPage page;
    if (spec->v2) {
      std::string path = absl::StrCat(spec->path, "?limit=", limit);
      if (!page_token.empty())
        absl::StrAppend(&path, "&cursor=", UrlEncode(page_token));
      BW_ASSIGN_OR_RETURN(json j, CallJson("GET", path, true));
      BW_RETURN_IF_ERROR(TakeRecords(*spec, &j, &page));
      page.next_page_token = NextCursor(j);
      return page;
    }
    int64_t start = 0;
    if (!page_token.empty() && !absl::SimpleAtoi(page_token, &start)) {
      return absl::InvalidArgumentError("bad page token");
    }
    BW_ASSIGN_OR_RETURN(
        json j,
        CallJson("GET",
                 absl::StrCat(spec->path, "?start=", start, "&limit=", limit),
                 true));
    BW_RETURN_IF_ERROR(TakeRecords(*spec, &j, &page));
    json extra = j.value("additional_data", json::object());
    json pagination = extra.is_object()
                          ? extra.value("pagination", json::object())
                          : json::object();
    if (JsonBool(pagination, "more_items_in_collection", false)) {
      page.next_page_token = absl::StrCat(
          JsonInt(pagination, "next_start").value_or(start + limit));
    } else if (JsonBool(extra, "more_items_in_collection", false)) {
      // Leads put the flag directly in additional_data.
      page.next_page_token = absl::StrCat(start + limit);
    }
    return page;
  }

  // Pipeline and stage ids read back as names, activity timing as "start"
  // and "end", emails and phones as their values, a product's price and a
  // lead's value as amounts; custom fields by their 40-character key, an
  // option id as its label.
  absl::StatusOr<json> Project(const v1::TargetRecord& record,
                               const json& crm_record) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(record.target_object()));
    json p = EmptyProjection();
    for (const auto& [k, v] : record.fields()) {
      BW_ASSIGN_OR_RETURN(p["fields"][k],
                          ProjectField(*spec, k, v, crm_record));
    }
    const json& custom =
        spec->v2 ? Member(crm_record, "custom_fields") : crm_record;
    for (const auto& [k, v] : record.custom_fields()) {
      json& out = p["custom_fields"][k];
      if (spec->fields_family.empty()) continue;  // holds none: null
      if (absl::StartsWith(k, "cf_")) {
        absl::StatusOr<FieldDef> def = ResolveField(spec->fields_family, k);
        // No such field: the record cannot hold a value (null).
        if (absl::IsFailedPrecondition(def.status())) continue;
        if (!def.ok()) return def.status();
        out = pipedrive::ReadCustomValue(*def, ValueOf(custom, def->code));
      } else {
        out = ValueOf(custom, k);
      }
    }
    for (const auto& lookup : record.lookups()) {
      const std::string& field = lookup.target_field();
      json link = ValueOf(crm_record, spec->name == "lead" && field == "org_id"
                                          ? "organization_id"
                                          : field);
      if (field == "participants") {
        link = pipedrive::ReadAttribute(pipedrive::Wire::kParticipants, link);
      }
      // v1 links may read back as {"value": id, "name": ...}.
      if (link.is_object() && link.contains("value")) link = link["value"];
      p["lookups"][field] = IdTexts(link);
    }
    return p;
  }

  // One PATCH (v1 notes and files: PUT) in the write's shape. Custom
  // fields clear with null; attributes the spec does not let be null clear
  // with "" (texts) or [] (lists), and the others (a person's
  // organization, a date) keep their value.
  absl::Status Restore(const std::string& target_object, const std::string& id,
                       const json& projection) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Object(target_object));
    Input in;
    in.restore = true;
    for (const auto& [k, v] : Member(projection, "fields").items())
      in.fields[k] = IsBlank(v) ? json() : v;
    // Timing is written from a start: without one it stays as it is.
    if (in.fields.contains("start") && in.fields["start"].is_null()) {
      in.fields.erase("start");
      in.fields.erase("end");
    }
    // Objects without custom fields never held the external key.
    if (!spec->fields_family.empty()) {
      for (const auto& [k, v] : Member(projection, "custom_fields").items())
        in.custom[k] = IsBlank(v) ? json() : v;
    }
    for (const auto& [k, v] : Member(projection, "lookups").items()) {
      std::vector<std::string> ids = IdTexts(v);
      if (ids.empty()) {
        in.fields[k] = nullptr;
      } else if (k == "participants" || ids.size() > 1) {
        in.fields[k] = ids;
      } else {
        in.fields[k] = ids.front();
      }
    }
    return Write(*spec, id, std::move(in));
  }

  // Shapes the write as Create or Update would, against the custom fields
  // this process knows of the account and those the last PrepareSchema
  // planned (FAILED_PRECONDITION when it has read none of the object's
  // family yet), sending nothing. A deal's pipeline and stage are checked
  // when the pipelines are known (read, or planned).
  absl::StatusOr<int> PlanWrite(const ResolvedRecord& record,
                                bool create) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec,
                        Object(record.record->target_object()));
    Input in = FromRecord(*spec, record);
    json unused;
    BW_RETURN_IF_ERROR(AddCustomFields(*spec, in, &unused, /*plan=*/true));
    if (spec->name == "deal") {
      BW_RETURN_IF_ERROR(PlanPipeline(ValueOf(in.fields, "pipeline"),
                                      ValueOf(in.fields, "stage")));
    }
    if (spec->name == "file" && create) {
      if (record.record->attachments_size() == 0) {
        return absl::InvalidArgumentError(
            "attachments: a Pipedrive file record needs an attachment");
      }
      bool linked = std::any_of(std::begin(kFileLinks), std::end(kFileLinks),
                                [&in](const char* link) {
                                  return !ValueOf(in.fields, link).is_null();
                                });
      if (!linked) {
        return absl::InvalidArgumentError(
            "deal_id: a Pipedrive file must be linked to a deal, person, "
            "organization, product, activity or lead");
      }
    }
    return 1;
  }

  // Objects without custom fields (activities, notes, files) keep none of
  // the record's: not even its external key.
  json WrittenProjection(const ResolvedRecord& record) const override {
    json p = CrmConnector::WrittenProjection(record);
    const ObjectSpec* spec =
        pipedrive::FindObject(record.record->target_object());
    if (spec != nullptr && spec->fields_family.empty()) {
      p["custom_fields"] = json::object();
    }
    return p;
  }
  std::string WrittenText(const ResolvedRecord& record) const override {
    return DumpJson(ProjectionWithout(WrittenProjection(record),
                                      record.record->external_key_field()));
  }

  // The object's owner attribute (owner_id; notes user_id), an id in API
  // v2 and an object with "id" in v1; files carry none.
  // Activities, notes and files: no searchable field holds the key.
  bool FindsByExternalKey(const std::string& target_object) const override {
    absl::StatusOr<const ObjectSpec*> spec = Object(target_object);
    return !spec.ok() || !(*spec)->search_entity.empty();
  }

  std::optional<std::string> OwnerOf(const std::string& target_object,
                                     const json& crm_record) const override {
    const ObjectSpec* spec = pipedrive::FindObject(target_object);
    if (spec == nullptr || spec->owner_field.empty()) return std::nullopt;
    return OwnerText(ValueOf(crm_record, spec->owner_field));
  }

  int64_t requests() const override { return transport_.requests(); }

 private:
  // A record field's value as Pipedrive shows it (see Project).
  absl::StatusOr<json> ProjectField(const ObjectSpec& spec,
                                    const std::string& name,
                                    const v1::Value& value,
                                    const json& crm_record) {
    if (spec.name == "deal" && (name == "pipeline" || name == "stage")) {
      bool stage = name == "stage";
      std::optional<int64_t> id =
          JsonInt(crm_record, stage ? "stage_id" : "pipeline_id");
      if (!id) return json();
      return PipelineName(*id, stage);
    }
    if (spec.name == "activity" && (name == "start" || name == "end")) {
      return pipedrive::ReadActivityTime(crm_record, name == "end");
    }
    if (spec.name == "activity" && name == "type") {
      // The type as the record named it, when that name is the type's.
      json type = ValueOf(crm_record, "type");
      auto key = ResolveActivityType(record::ValueToText(value));
      if (key.ok() && type == *key) return record::ValueToJson(value);
      return type;
    }
    if (spec.name == "product" && (name == "price" || name == "currency")) {
      json prices = ValueOf(crm_record, "prices");
      return prices.is_array() && !prices.empty() ? ValueOf(prices[0], name)
                                                  : json();
    }
    if (spec.name == "lead" && (name == "value" || name == "currency")) {
      return ValueOf(ValueOf(crm_record, "value"),
                     name == "value" ? "amount" : "currency");
    }
    auto wire = spec.fields.find(name);
    json stored = ValueOf(crm_record, name);
    if (wire == spec.fields.end()) return stored;
    return pipedrive::ReadAttribute(wire->second, stored);
  }

  // The name of a pipeline (or stage) id; the id when the account has none
  // by it, even after reading the pipelines again.
  absl::StatusOr<json> PipelineName(int64_t id, bool stage) {
    auto find = [&] {
      return stage ? account_->StageName(id) : account_->PipelineName(id);
    };
    bool loaded = !account_->HasPipelines();
    if (loaded) BW_RETURN_IF_ERROR(LoadPipelines());
    std::optional<std::string> name = find();
    if (!name && !loaded) {
      // Created since the state was read (by another process).
      BW_RETURN_IF_ERROR(LoadPipelines());
      name = find();
    }
    return name ? json(*name) : json(id);
  }

  // A person by one of its emails (any case) or phones:
  // GET /api/v2/persons/search, exact.
  absl::StatusOr<std::optional<std::string>> FindPerson(
      bool email, const std::string& key) {
    search_pacer_.Acquire();
    BW_ASSIGN_OR_RETURN(
        json data,
        CallData("GET",
                 absl::StrCat(kV2, "/persons/search?term=", UrlEncode(key),
                              "&fields=", email ? "email" : "phone",
                              "&exact_match=true&limit=100"),
                 "", true));
    json items = ValueOf(data, "items");
    if (!items.is_array()) {
      return absl::InternalError(
          "Pipedrive persons/search: unexpected response shape");
    }
    for (const auto& hit : items) {
      const json item = ValueOf(hit, "item");
      json values = ValueOf(item, email ? "emails" : "phones");
      for (const auto& v : values.is_array() ? values : json::array()) {
        if (v.is_string() && absl::EqualsIgnoreCase(v.get<std::string>(), key))
          return std::optional<std::string>(IdText(item["id"]));
      }
    }
    return std::optional<std::string>();
  }

  // The field of a map name as this process knows it or the last
  // PrepareSchema planned it (with its planned options), without a request
  // (PlanWrite).
  absl::StatusOr<FieldDef> KnownField(const std::string& family,
                                      const std::string& map_name) {
    std::optional<FieldDef> def = account_->Find(family, map_name);
    if (!def) def = PlannedIn(planned_.fields, family, map_name);
    if (def) {
      // Placeholder ids, below any the CRM gives.
      for (const auto& label : PlannedIn(planned_.options, family, map_name)
                                   .value_or(std::set<std::string>())) {
        if (!pipedrive::OptionId(*def, label))
          def->options[label] = -1 - static_cast<int64_t>(def->options.size());
      }
      return *def;
    }
    if (!account_->HasFields(family)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the custom fields of Pipedrive ", family,
                       " are not known yet (prepare the schema first)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(map_name, ": Pipedrive ", family,
                     " has no custom field for it (prepare the schema first)"));
  }

  // The entry `b` of map `a` of a planned table; nullopt for none.
  template <typename V>
  static std::optional<V> PlannedIn(
      const std::map<std::string, std::map<std::string, V>>& table,
      const std::string& a, const std::string& b) {
    auto outer = table.find(a);
    if (outer == table.end()) return std::nullopt;
    auto inner = outer->second.find(b);
    if (inner == outer->second.end()) return std::nullopt;
    return inner->second;
  }

  // FAILED_PRECONDITION when a write of the custom field `name` with
  // `value` would need a field or option that is only planned.
  absl::Status RefusePlanned(const ObjectSpec& spec, const std::string& name,
                             const json& value) const {
    const std::string& family = spec.fields_family;
    bool planned = PlannedIn(planned_.fields, family, name).has_value();
    auto options = PlannedIn(planned_.options, family, name);
    for (const json& v : value.is_array() ? value : json::array({value})) {
      if (options && v.is_string() && options->count(v.get<std::string>()))
        planned = true;
    }
    if (!planned) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        name,
        ": needs what a dry run planned and Pipedrive does not have "
        "yet (prepare the schema first)"));
  }

  // PlanWrite's check of a deal's pipeline and stage names against the
  // pipelines this process knows and those planned. Nothing is checked
  // while neither is known: reading them would send a request.
  absl::Status PlanPipeline(const json& pipeline, const json& stage) const {
    auto name = [](const json& v) {
      return v.is_string() ? v.get<std::string>() : std::string();
    };
    const std::string pipeline_name = name(pipeline);
    const std::string stage_name = name(stage);
    if (pipeline_name.empty() && stage_name.empty()) return absl::OkStatus();
    if (!account_->HasPipelines() && planned_.pipelines.empty() &&
        planned_.stages.empty()) {
      return absl::OkStatus();
    }
    int64_t pipeline_id = 0;
    bool planned_pipeline = planned_.pipelines.count(pipeline_name) > 0;
    if (!pipeline_name.empty()) {
      std::optional<int64_t> id = account_->PipelineId(pipeline_name);
      if (!id && !planned_pipeline) {
        return absl::FailedPreconditionError(
            "pipeline: neither in Pipedrive nor in the map's pipelines");
      }
      pipeline_id = id.value_or(0);
    }
    if (stage_name.empty()) return absl::OkStatus();
    size_t found = 0;
    if (!planned_pipeline)
      found = account_->StagesNamed(stage_name, pipeline_id).size();
    for (const auto& [p, stages] : planned_.stages) {
      if ((pipeline_name.empty() || p == pipeline_name) &&
          stages.count(stage_name)) {
        ++found;
      }
    }
    if (found == 0) {
      return absl::FailedPreconditionError(
          "stage: neither in the Pipedrive pipeline nor in the map's stages "
          "of it");
    }
    if (found > 1) {
      return absl::InvalidArgumentError(kAmbiguousStage);
    }
    return absl::OkStatus();
  }

  static std::string BaseUrl(const PipedriveConfig& config) {
    std::string url = config.base_url;
    while (absl::EndsWith(url, "/")) url.pop_back();
    return url;
  }

  static RestOptions MakeOptions(const PipedriveConfig& config) {
    RestOptions o;
    o.base_url = BaseUrl(config);
    o.auth_headers = {"x-api-token: " + config.token};
    int burst = std::max(1, config.burst_per_2s);
    o.rate_per_second = config.requests_per_second > 0
                            ? config.requests_per_second
                            : burst / 2.0;
    o.burst = burst;
    o.pacer = config.pacer;
    o.observe = PipedriveRateObservations;
    o.cost = PipedriveRequestCost;
    o.error_message = pipedrive::ErrorMessage;
    o.rate_reset_header = "x-ratelimit-reset";
    return o;
  }

  static absl::StatusOr<const ObjectSpec*> Object(const std::string& name) {
    const ObjectSpec* spec = pipedrive::FindObject(name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Pipedrive has no object '", name,
          "' (person, organization, deal, lead, activity, note, file, "
          "product)"));
    }
    return spec;
  }

  // A 404, or a 410 Gone.
  static bool IsGone(const absl::Status& s) {
    return absl::IsNotFound(s) || (absl::IsInvalidArgument(s) &&
                                   absl::StartsWith(s.message(), "HTTP 410"));
  }

  static bool IsDeleted(const ObjectSpec& spec, const json& record) {
    if (JsonBool(record, "is_deleted", false)) return true;
    return spec.active_flag && !JsonBool(record, "active_flag", true);
  }

  // ---- HTTP

  // The whole response JSON of a 2xx answer.
  absl::StatusOr<json> CallJson(const std::string& method,
                                const std::string& path, bool idempotent,
                                const RestBody* body = nullptr) {
    BW_ASSIGN_OR_RETURN(
        HttpResponse r,
        body == nullptr
            ? transport_.Call(method, path, "", idempotent)
            : transport_.CallWithBody(method, path, *body, idempotent));
    json j = json::parse(r.body, nullptr, false);
    if (!JsonBool(j, "success", true)) {
      return absl::InvalidArgumentError(pipedrive::ErrorMessage(r.body));
    }
    if (!j.is_object()) {
      // A write that answers garbage may still have been applied.
      std::string m = absl::StrCat("Pipedrive ", method, " ",
                                   path.substr(0, path.find('?')),
                                   ": the response is not JSON");
      return idempotent ? absl::InternalError(m)
                        : absl::UnavailableError("ambiguous: " + m);
    }
    return j;
  }

  // The "data" member of a 2xx answer (null when absent).
  absl::StatusOr<json> CallData(const std::string& method,
                                const std::string& path,
                                const std::string& body, bool idempotent) {
    RestBody b;
    b.data = body;
    BW_ASSIGN_OR_RETURN(json j, CallJson(method, path, idempotent,
                                         body.empty() ? nullptr : &b));
    return j.value("data", json());
  }

  absl::StatusOr<json> CallDataWith(const std::string& method,
                                    const std::string& path,
                                    const RestBody& body, bool idempotent) {
    BW_ASSIGN_OR_RETURN(json j, CallJson(method, path, idempotent, &body));
    return j.value("data", json());
  }

  static std::string NextCursor(const json& j) {
    return JsonString(j.value("additional_data", json::object()),
                      "next_cursor");
  }

  static absl::Status TakeRecords(const ObjectSpec& spec, json* j,
                                  ListPage* page) {
    json& data = (*j)["data"];
    if (data.is_null()) return absl::OkStatus();  // v1: an empty list
    if (!data.is_array()) {
      return absl::InternalError(absl::StrCat("Pipedrive list ", spec.name,
                                              ": unexpected response shape"));
    }
    for (auto& rec : data) {
      if (rec.is_object() && !IsDeleted(spec, rec))
        page->records.push_back(std::move(rec));
    }
    return absl::OkStatus();
  }

  // Every record of a v2 collection, following the cursors.
  absl::StatusOr<std::vector<json>> GetAllV2(const std::string& path) {
    std::vector<json> out;
    std::string cursor;
    for (;;) {
      std::string p =
          absl::StrCat(path, path.find('?') == std::string::npos ? "?" : "&",
                       "limit=", kV2MaxPage);
      if (!cursor.empty()) absl::StrAppend(&p, "&cursor=", UrlEncode(cursor));
      BW_ASSIGN_OR_RETURN(json j, CallJson("GET", p, true));
      if (!j.contains("data") || !j["data"].is_array()) {
        return absl::InternalError(
            absl::StrCat("Pipedrive ", path, ": unexpected response shape"));
      }
      for (auto& item : j["data"]) out.push_back(std::move(item));
      cursor = NextCursor(j);
      if (cursor.empty()) return out;
    }
  }

  // ---- Schema: custom fields

  absl::StatusOr<std::vector<FieldDef>> LoadFields(const std::string& family) {
    BW_ASSIGN_OR_RETURN(std::vector<json> items,
                        GetAllV2(absl::StrCat(kV2, "/", family)));
    std::vector<FieldDef> defs;
    for (const auto& item : items)
      defs.push_back(pipedrive::ParseFieldDef(item));
    account_->SetFields(family, defs);
    return defs;
  }

  // The field of a map name ("cf_patient_status"): remembered by this
  // process, else found in the family's list (loaded once, lazily).
  absl::StatusOr<FieldDef> ResolveField(const std::string& family,
                                        const std::string& map_name) {
    std::optional<FieldDef> def = account_->Find(family, map_name);
    if (!def) {
      // Not loaded yet, or created since (by another process): read the
      // family again.
      BW_RETURN_IF_ERROR(LoadFields(family).status());
      def = account_->Find(family, map_name);
    }
    if (!def) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Pipedrive ", family, " has no custom field for ", map_name,
          " (prepare the schema first; a field is found again by a label "
          "that reads as its map name)"));
    }
    return *def;
  }

  absl::Status PrepareFields(const std::vector<mapping::CustomFieldSpec>& specs,
                             bool apply, SchemaReport* report) {
    std::map<std::string, std::vector<FieldDef>> lists;
    for (const auto& spec : specs) {
      std::string item = absl::StrCat(spec.entity, ".", spec.name);
      std::string family = pipedrive::FieldsFamilyOf(spec.entity);
      if (family.empty()) {
        report->checklist.push_back(absl::StrCat(
            item, ": Pipedrive has no custom fields for '", spec.entity,
            "' (only persons, organizations, deals, leads and products); "
            "remove it from the map"));
        continue;
      }
      std::string type = pipedrive::FieldTypeFor(spec.type);
      if (type.empty()) {
        report->checklist.push_back(
            absl::StrCat(item, ": Pipedrive has no field type for '", spec.type,
                         "'; change the map's type"));
        continue;
      }
      if (!lists.count(family)) {
        BW_ASSIGN_OR_RETURN(lists[family], LoadFields(family));
      }
      std::vector<FieldDef>& defs = lists[family];
      auto it = std::find_if(defs.begin(), defs.end(), [&](const FieldDef& d) {
        return d.custom && d.name == spec.label;
      });
      if (it == defs.end()) {
        it = std::find_if(defs.begin(), defs.end(), [&](const FieldDef& d) {
          return d.custom && absl::EqualsIgnoreCase(d.name, spec.label);
        });
      }
      if (it == defs.end()) {
        if (!apply) {
          report->to_create.push_back(item);
          FieldDef planned{absl::StrCat("planned:", family, ":", spec.name),
                           spec.label,
                           type,
                           /*custom=*/true,
                           {}};
          for (const auto& c : spec.choices)
            planned.options[c] =
                -1 - static_cast<int64_t>(planned.options.size());
          planned_.fields[family][spec.name] = std::move(planned);
          continue;
        }
        json body = {{"field_name", spec.label}, {"field_type", type}};
        if (type == "enum" || type == "set") {
          body["options"] = json::array();
          for (const auto& c : spec.choices)
            body["options"].push_back({{"label", c}});
        }
        BW_ASSIGN_OR_RETURN(json data,
                            SchemaWrite("POST", absl::StrCat(kV2, "/", family),
                                        DumpJson(body), item));
        FieldDef def = pipedrive::ParseFieldDef(data);
        if (def.code.empty()) {
          return absl::UnavailableError(absl::StrCat(
              "ambiguous: Pipedrive created ", item, " without a field_code"));
        }
        def.custom = true;
        defs.push_back(def);
        account_->PutField(family, def);
        account_->Remember(family, spec.name, def.code);
        report->created.push_back(item);
        continue;
      }
      account_->Remember(family, spec.name, it->code);
      std::vector<std::string> missing;
      if (it->type == "enum" || it->type == "set") {
        for (const auto& c : spec.choices)
          if (!pipedrive::OptionId(*it, c)) missing.push_back(c);
      }
      report->present.push_back(item);
      if (missing.empty()) continue;
      std::string options_item =
          absl::StrCat(item, " options: ", absl::StrJoin(missing, ", "));
      if (!apply) {
        report->to_create.push_back(options_item);
        planned_.options[family][spec.name].insert(missing.begin(),
                                                   missing.end());
        continue;
      }
      json body = json::array();
      for (const auto& c : missing) body.push_back({{"label", c}});
      BW_ASSIGN_OR_RETURN(
          json data,
          SchemaWrite("POST",
                      absl::StrCat(kV2, "/", family, "/", it->code, "/options"),
                      DumpJson(body), options_item));
      pipedrive::AddOptions(data, &*it);
      for (const auto& c : missing) {
        if (pipedrive::OptionId(*it, c)) continue;
        // The answer did not list every new option: read the field again.
        BW_ASSIGN_OR_RETURN(
            json field,
            CallData("GET", absl::StrCat(kV2, "/", family, "/", it->code), "",
                     true));
        *it = pipedrive::ParseFieldDef(field);
        break;
      }
      account_->PutField(family, *it);
      report->created.push_back(options_item);
    }
    return absl::OkStatus();
  }

  // A schema-creating write. A 403 (a plan's feature cap, or a token that
  // may not change the company's settings) stops the preparation.
  absl::StatusOr<json> SchemaWrite(const std::string& method,
                                   const std::string& path,
                                   const std::string& body,
                                   const std::string& item) {
    auto data = CallData(method, path, body, false);
    if (absl::IsPermissionDenied(data.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("Pipedrive refused to create ", item,
                       " (a plan limit, or a token without admin rights): ",
                       data.status().message()));
    }
    return data;
  }

  // ---- Schema: pipelines and stages

  absl::Status LoadPipelines() {
    BW_ASSIGN_OR_RETURN(std::vector<json> pipelines,
                        GetAllV2(absl::StrCat(kV2, "/pipelines")));
    BW_ASSIGN_OR_RETURN(std::vector<json> stages,
                        GetAllV2(absl::StrCat(kV2, "/stages")));
    std::map<std::string, int64_t> by_name;
    for (const auto& p : pipelines) {
      std::optional<int64_t> id = JsonInt(p, "id");
      if (id && !JsonBool(p, "is_deleted", false))
        by_name.emplace(JsonString(p, "name"), *id);
    }
    std::vector<pipedrive::Stage> list;
    for (const auto& s : stages) {
      std::optional<int64_t> id = JsonInt(s, "id");
      if (!id || JsonBool(s, "is_deleted", false)) continue;
      list.push_back(
          {*id, JsonInt(s, "pipeline_id").value_or(0), JsonString(s, "name")});
    }
    account_->SetPipelines(std::move(by_name), std::move(list));
    return absl::OkStatus();
  }

  absl::Status PreparePipelines(const std::vector<mapping::PipelineSpec>& specs,
                                bool apply, SchemaReport* report) {
    BW_RETURN_IF_ERROR(LoadPipelines());
    for (const auto& p : specs) {
      std::string item = absl::StrCat("pipeline ", p.name);
      std::optional<int64_t> id = account_->PipelineId(p.name);
      if (id) {
        report->present.push_back(item);
      } else if (apply) {
        json body = {{"name", p.name}};
        bool probability = std::any_of(
            p.stages.begin(), p.stages.end(),
            [](const mapping::StageSpec& s) { return s.probability >= 0; });
        if (probability) body["is_deal_probability_enabled"] = true;
        BW_ASSIGN_OR_RETURN(json data,
                            SchemaWrite("POST", absl::StrCat(kV2, "/pipelines"),
                                        DumpJson(body), item));
        if (!data.is_object() || !data.contains("id") ||
            !data["id"].is_number_integer()) {
          return absl::UnavailableError(absl::StrCat(
              "ambiguous: Pipedrive created ", item, " without an id"));
        }
        id = data["id"].get<int64_t>();
        account_->AddPipeline(p.name, *id);
        report->created.push_back(item);
      } else {
        report->to_create.push_back(item);
        planned_.pipelines.insert(p.name);
      }
      for (const auto& s : p.stages) {
        std::string stage_item = absl::StrCat("stage ", p.name, " / ", s.name);
        if (id && !account_->StagesNamed(s.name, *id).empty()) {
          report->present.push_back(stage_item);
          continue;
        }
        if (!apply) {
          report->to_create.push_back(stage_item);
          planned_.stages[p.name].insert(s.name);
          continue;
        }
        json body = {{"name", s.name}, {"pipeline_id", *id}};
        if (s.probability >= 0) body["deal_probability"] = s.probability;
        BW_ASSIGN_OR_RETURN(json data,
                            SchemaWrite("POST", absl::StrCat(kV2, "/stages"),
                                        DumpJson(body), stage_item));
        if (!data.is_object() || !data.contains("id") ||
            !data["id"].is_number_integer()) {
          return absl::UnavailableError(absl::StrCat(
              "ambiguous: Pipedrive created ", stage_item, " without an id"));
        }
        account_->AddStage({data["id"].get<int64_t>(), *id, s.name});
        report->created.push_back(stage_item);
      }
    }
    return absl::OkStatus();
  }

  // Sets pipeline_id / stage_id from the names "pipeline" and "stage".
  absl::Status ResolvePipeline(const json& pipeline, const json& stage,
                               json* body) {
    bool loaded = false;
    if (!account_->HasPipelines()) {
      BW_RETURN_IF_ERROR(LoadPipelines());
      loaded = true;
    }
    absl::Status s = ResolvePipelineFromState(pipeline, stage, body);
    if (absl::IsFailedPrecondition(s) && !loaded) {
      // Created since the state was read (by another process): read again.
      BW_RETURN_IF_ERROR(LoadPipelines());
      s = ResolvePipelineFromState(pipeline, stage, body);
    }
    return s;
  }

  // ResolvePipeline on what the account state knows.
  absl::Status ResolvePipelineFromState(const json& pipeline, const json& stage,
                                        json* body) {
    int64_t pipeline_id = 0;
    if (pipeline.is_string() && !pipeline.get<std::string>().empty()) {
      std::optional<int64_t> id = account_->PipelineId(pipeline);
      if (!id) {
        return absl::FailedPreconditionError(
            "pipeline: the record's pipeline does not exist in Pipedrive "
            "(the map's pipelines are created when the schema is prepared)");
      }
      pipeline_id = *id;
      (*body)["pipeline_id"] = pipeline_id;
    }
    if (stage.is_string() && !stage.get<std::string>().empty()) {
      std::vector<pipedrive::Stage> stages =
          account_->StagesNamed(stage, pipeline_id);
      if (stages.empty()) {
        return absl::FailedPreconditionError(
            "stage: the record's stage does not exist in its Pipedrive "
            "pipeline (the map's stages are created when the schema is "
            "prepared)");
      }
      if (stages.size() > 1) {
        return absl::InvalidArgumentError(kAmbiguousStage);
      }
      (*body)["stage_id"] = stages[0].id;
    }
    return absl::OkStatus();
  }

  // The key_string of an activity type given by key_string or name.
  absl::StatusOr<std::string> ResolveActivityType(const std::string& type) {
    if (!account_->HasActivityTypes()) {
      BW_ASSIGN_OR_RETURN(
          json data,
          CallData("GET", absl::StrCat(kV1, "/activityTypes"), "", true));
      std::map<std::string, std::string> types;
      if (data.is_array()) {
        for (const auto& t : data) {
          std::string key = JsonString(t, "key_string");
          if (key.empty() || !JsonBool(t, "active_flag", true)) continue;
          types.emplace(key, key);
          types.emplace(JsonString(t, "name"), key);
        }
      }
      account_->SetActivityTypes(std::move(types));
    }
    std::optional<std::string> key = account_->ActivityType(type);
    if (!key) {
      return absl::InvalidArgumentError(
          "type: not an active Pipedrive activity type (give its key_string "
          "or name; Settings > Company > Activities)");
    }
    return *key;
  }

  // ---- Bodies

  static Input FromRecord(const ObjectSpec& spec, const ResolvedRecord& rr) {
    Input in;
    const v1::TargetRecord& t = *rr.record;
    for (const auto& [k, v] : t.fields()) {
      std::string currency;
      in.fields[k] = pipedrive::ValueJson(v, &currency);
      if (!currency.empty()) in.currency[k] = currency;
    }
    for (const auto& [k, v] : t.custom_fields()) {
      std::string currency;
      in.custom[k] = pipedrive::ValueJson(v, &currency);
      if (!currency.empty()) in.currency[k] = currency;
    }
    if (!rr.owner_id.empty() && !spec.owner_field.empty())
      in.fields[spec.owner_field] = rr.owner_id;
    // Every resolved lookup; a list when the record's lookup says so.
    for (const auto& [field, ids] : rr.lookup_ids) {
      if (ids.empty()) continue;
      bool as_list = field == "participants";
      for (const auto& lookup : t.lookups())
        if (lookup.target_field() == field && lookup.as_list()) as_list = true;
      in.fields[field] = as_list ? json(ids) : json(ids.front());
    }
    in.skip_custom = t.external_key_field();
    return in;
  }

  // The request body of a create or update of a JSON object.
  absl::StatusOr<json> Body(const ObjectSpec& spec, Input in) {
    json body = json::object();
    json& f = in.fields;
    auto take = [&f](const char* name) {
      json v = f.contains(name) ? f[name] : json();
      f.erase(name);
      return v;
    };
    std::string currency_field =
        f.contains("currency") && f["currency"].is_string()
            ? f["currency"].get<std::string>()
            : "";
    if (spec.name == "deal" &&
        (f.contains("pipeline") || f.contains("stage"))) {
      json pipeline = take("pipeline");
      json stage = take("stage");
      BW_RETURN_IF_ERROR(ResolvePipeline(pipeline, stage, &body));
    }
    if (spec.name == "activity") {
      if (f.contains("start")) {
        json start = take("start");
        json end = take("end");
        BW_RETURN_IF_ERROR(pipedrive::ActivityTiming(start, end, &body));
      }
      if (f.contains("type") && f["type"].is_string()) {
        BW_ASSIGN_OR_RETURN(std::string key, ResolveActivityType(take("type")));
        body["type"] = key;
      }
    }
    if (spec.name == "product" && f.contains("price")) {
      std::string currency =
          in.currency.count("price") ? in.currency["price"] : currency_field;
      json price = take("price");
      take("currency");
      if (!price.is_null()) {
        BW_ASSIGN_OR_RETURN(
            json amount,
            pipedrive::ToWire(pipedrive::Wire::kNumber, price, "price", ""));
        if (currency.empty()) {
          return absl::InvalidArgumentError(
              "price: needs a currency (a money value, or a 'currency' "
              "field)");
        }
        body["prices"] =
            json::array({{{"price", amount}, {"currency", currency}}});
      }
    }
    if (spec.name == "lead") {
      if (f.contains("org_id") && !f.contains("organization_id"))
        f["organization_id"] = take("org_id");
      take("currency");  // part of the lead's value
    }
    if (spec.name == "deal" && in.currency.count("value") &&
        !f.contains("currency")) {
      f["currency"] = in.currency["value"];
    }
    for (const auto& [k, v] : f.items()) {
      auto wire = spec.fields.find(k);
      json out = v;
      if (wire != spec.fields.end()) {
        std::string currency =
            in.currency.count(k) ? in.currency[k] : currency_field;
        BW_ASSIGN_OR_RETURN(out,
                            pipedrive::ToWire(wire->second, v, k, currency));
      }
      if (out.is_null() && !spec.nullable.count(k)) {
        // Not nullable in the spec: a restore clears a text with "".
        if (!in.restore || wire == spec.fields.end() ||
            wire->second != pipedrive::Wire::kText) {
          continue;
        }
        out = "";
      }
      body[k] = std::move(out);
    }
    BW_RETURN_IF_ERROR(AddCustomFields(spec, in, &body));
    return body;
  }

  // Adds the custom fields of `in` to `body`. With `plan`, only the
  // fields this process knows (KnownField), sending nothing.
  absl::Status AddCustomFields(const ObjectSpec& spec, const Input& in,
                               json* body, bool plan = false) {
    for (const auto& [name, value] : in.custom.items()) {
      if (spec.fields_family.empty()) {
        if (name == in.skip_custom) continue;
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": Pipedrive ", spec.name, "s have no custom fields"));
      }
      if (!plan) BW_RETURN_IF_ERROR(RefusePlanned(spec, name, value));
      std::string code = name;
      json out = value;
      std::string v1_currency;
      if (absl::StartsWith(name, "cf_")) {
        BW_ASSIGN_OR_RETURN(FieldDef def,
                            plan ? KnownField(spec.fields_family, name)
                                 : ResolveField(spec.fields_family, name));
        code = def.code;
        auto currency = in.currency.find(name);
        BW_ASSIGN_OR_RETURN(
            out, pipedrive::CustomValue(
                     def, name, value,
                     currency == in.currency.end() ? "" : currency->second,
                     spec.v2, &v1_currency));
      } else if (!pipedrive::IsFieldCode(name)) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": a custom field is named cf_<name> (or by its key)"));
      }
      if (spec.v2) {
        (*body)["custom_fields"][code] = std::move(out);
      } else {
        (*body)[code] = std::move(out);
        if (!v1_currency.empty())
          (*body)[absl::StrCat(code, "_currency")] = v1_currency;
      }
    }
    return absl::OkStatus();
  }

  // Update and Patch: the object's update call with the shaped body.
  absl::Status Write(const ObjectSpec& spec, const std::string& id, Input in) {
    if (!pipedrive::ValidId(spec, id)) {
      return absl::NotFoundError(
          absl::StrCat("no Pipedrive ", spec.name, " has this id"));
    }
    std::string path = absl::StrCat(spec.path, "/", id);
    if (spec.name == "file") return UpdateFile(spec, path, in);
    BW_ASSIGN_OR_RETURN(json body, Body(spec, std::move(in)));
    return CallData(spec.update_method, path, DumpJson(body), true).status();
  }

  // ---- Files (v1 multipart upload; name and description by form PUT)

  absl::StatusOr<std::string> CreateFile(const ObjectSpec& spec,
                                         const ResolvedRecord& rr) {
    const v1::TargetRecord& t = *rr.record;
    if (t.attachments_size() == 0) {
      return absl::InvalidArgumentError(
          "a Pipedrive file record needs an attachment");
    }
    Input in = FromRecord(spec, rr);
    json unused;
    BW_RETURN_IF_ERROR(AddCustomFields(spec, in, &unused));
    const v1::AttachmentRef& a = t.attachments(0);
    BW_ASSIGN_OR_RETURN(std::string path, FileUriPath(a.uri()));
    std::ifstream file(path, std::ios::binary);
    std::string bytes;
    if (file.is_open()) {
      bytes.assign(std::istreambuf_iterator<char>(file),
                   std::istreambuf_iterator<char>());
    }
    if (!file.is_open() || file.bad()) {
      // The path may name a patient: not in the message.
      return absl::FailedPreconditionError(
          "attachment: the file cannot be read");
    }
    MultipartPart part;
    part.name = "file";
    part.data = std::move(bytes);
    part.file_name = JsonString(in.fields, "name");
    if (part.file_name.empty()) part.file_name = a.file_name();
    if (part.file_name.empty())
      part.file_name = path.substr(path.rfind('/') + 1);
    part.content_type = a.content_type().empty() ? "application/octet-stream"
                                                 : a.content_type();
    RestBody body;
    body.parts.push_back(std::move(part));
    for (const char* link : kFileLinks) {
      if (!in.fields.contains(link) || in.fields[link].is_null()) continue;
      BW_ASSIGN_OR_RETURN(json v, pipedrive::ToWire(spec.fields.at(link),
                                                    in.fields[link], link, ""));
      body.parts.push_back(
          {link, v.is_string() ? v.get<std::string>() : v.dump(), "", ""});
    }
    if (body.parts.size() == 1) {
      return absl::InvalidArgumentError(
          "a Pipedrive file must be linked to a deal, person, organization, "
          "product, activity or lead (a lookup to deal_id, person_id, "
          "org_id, product_id, activity_id or lead_id)");
    }
    BW_ASSIGN_OR_RETURN(json data,
                        CallDataWith("POST", spec.path, body, false));
    if (!data.is_object() || !data.contains("id")) {
      return absl::UnavailableError(
          "ambiguous: Pipedrive file upload: response has no id");
    }
    return IdText(data["id"]);
  }

  // PUT /files/{id} (form-encoded, as the spec declares) with the file's
  // name and description; nothing else of a file can change.
  absl::Status UpdateFile(const ObjectSpec& spec, const std::string& path,
                          const Input& in) {
    std::vector<std::string> form;
    for (const char* field : {"name", "description"}) {
      if (!in.fields.contains(field) || in.fields[field].is_null()) continue;
      BW_ASSIGN_OR_RETURN(
          json v, pipedrive::ToWire(pipedrive::Wire::kText, in.fields[field],
                                    field, ""));
      form.push_back(absl::StrCat(field, "=", UrlEncode(v.get<std::string>())));
    }
    json unused;
    BW_RETURN_IF_ERROR(AddCustomFields(spec, in, &unused));
    if (form.empty()) return absl::OkStatus();
    RestBody body;
    body.content_type = "application/x-www-form-urlencoded";
    body.data = absl::StrJoin(form, "&");
    return CallDataWith("PUT", path, body, true).status();
  }

  // What the last PrepareSchema without `apply` would have created, under
  // placeholder ids. Kept by this connector only, never in the shared
  // AccountState that writes resolve against; only PlanWrite reads it.
  struct Planned {
    // family -> map name -> field (code "planned:<family>:<name>", options
    // with negative ids).
    std::map<std::string, std::map<std::string, FieldDef>> fields;
    // family -> map name -> option labels to add to a field the CRM has.
    std::map<std::string, std::map<std::string, std::set<std::string>>> options;
    std::set<std::string> pipelines;
    // Pipeline name -> stage names to add (in a pipeline the CRM has or
    // one planned).
    std::map<std::string, std::set<std::string>> stages;
  };

  // The search endpoints' own limit (10 per 2 s per token, every plan), on
  // top of the burst pacing the transport does.
  Pacer search_pacer_;
  RestTransport transport_;
  std::shared_ptr<AccountState> account_;
  Planned planned_;
};

}  // namespace

std::unique_ptr<CrmConnector> MakePipedriveConnector(
    const PipedriveConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock, Sleeper sleeper) {
  return std::make_unique<PipedriveConnector>(
      config, std::move(http), std::move(clock), std::move(sleeper));
}

}  // namespace bridgework::crm
