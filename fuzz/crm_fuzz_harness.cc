#include "fuzz/crm_fuzz_harness.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libs/crm/connector_registry.h"
#include "libs/record/value.h"

namespace bridgework::fuzz {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

constexpr int kStatuses[] = {200, 201, 204, 400, 404, 422, 429, 500, 401, 403};
constexpr size_t kStatusCount = sizeof(kStatuses) / sizeof(kStatuses[0]);

// One destination object of a CRM and a plausible record of it (the
// conformance profiles' values): what the connector sends matters less
// than that it gets far enough to read the answers.
struct ObjectDef {
  std::string target;
  Pairs fields;
  Pairs custom_fields;
  // Lookup target field -> CRM id.
  Pairs lookups;
  std::string key_field;
};

std::vector<ObjectDef> Objects(const std::string& crm) {
  const std::string k = "cf_bridgework_key";
  if (crm == "freshsales") {
    return {
        {"contact",
         {{"first_name", "Ana"},
          {"last_name", "Lopez"},
          {"email", "ana@mail.example"},
          {"mobile_number", "+15125550100"},
          {"lifecycle_stage", "Lead"}},
         {{"cf_patient_status", "Active"}},
         {{"sales_accounts", "7"}},
         "external_id"},
        {"sales_account", {{"name", "SmileBright"}}, {}, {}, k},
        {"deal",
         {{"name", "Implant plan"},
          {"amount", "1250.50"},
          {"pipeline", "Default Pipeline"},
          {"stage", "Consultation"}},
         {},
         {{"sales_account_id", "7"}, {"contacts_added_list", "5"}},
         k},
        {"appointment",
         {{"title", "Cleaning"},
          {"from_date", "2026-12-01T15:30:00-06:00"},
          {"end_date", "2026-12-01T16:15:00-06:00"}},
         {},
         {{"targetable_id", "5"}},
         k},
        {"sales_activity",
         {{"title", "Consultation"},
          {"sales_activity_type", "Appointment"},
          {"start_date", "2026-11-02T09:00:00Z"},
          {"end_date", "2026-11-02T09:45:00Z"}},
         {},
         {{"targetable_id", "5"}},
         k},
        {"task",
         {{"title", "Recall call"}, {"due_date", "2026-12-10T10:00:00Z"}},
         {},
         {{"targetable_id", "9"}},
         k},
        {"note",
         {{"description", "Parking at the back"}},
         {},
         {{"targetable_id", "7"}},
         k},
        {"product", {{"name", "Crown"}, {"product_code", "D2740"}}, {}, {}, k},
        {"list", {}, {}, {}, "name"},
        {"custom_object:cm_treatment",
         {{"name", "Implant"}},
         {},
         {{"cf_patient", "5"}},
         k},
    };
  }
  if (crm == "pipedrive") {
    return {
        {"person",
         {{"name", "Ana Lopez"},
          {"emails", "ana@mail.example"},
          {"phones", "+15125550100"}},
         {{"cf_patient_status", "Active"}},
         {{"org_id", "7"}},
         k},
        {"organization",
         {{"name", "SmileBright"}, {"address", "1 Main St, Austin, TX"}},
         {},
         {},
         k},
        {"deal",
         {{"title", "Implant plan"},
          {"value", "1250.50"},
          {"currency", "USD"},
          {"pipeline", "Treatment plans"},
          {"stage", "Contact Made"}},
         {},
         {{"person_id", "5"}, {"org_id", "7"}},
         k},
        {"lead", {{"title", "Whitening inquiry"}}, {}, {{"person_id", "5"}}, k},
        {"activity",
         {{"subject", "Cleaning"},
          {"type", "meeting"},
          {"due_date", "2026-12-01"},
          {"due_time", "15:30"}},
         {},
         {{"deal_id", "9"}, {"person_id", "5"}},
         k},
        {"note",
         {{"content", "Prefers mornings"}},
         {},
         {{"person_id", "5"}},
         k},
        {"file", {{"name", "x-ray.txt"}}, {}, {{"person_id", "5"}}, k},
        {"product", {{"name", "Crown"}, {"code", "D2740"}}, {}, {}, k},
    };
  }
  return {
      {"contact",
       {{"firstName", "Ana"},
        {"lastName", "Lopez"},
        {"email", "ana@mail.example"},
        {"phone", "+15125550100"}},
       {{"cf_patient_status", "Active"}},
       {{"businessId", "b7"}},
       k},
      {"business", {{"name", "SmileBright"}, {"city", "Austin"}}, {}, {}, k},
      {"opportunity",
       {{"name", "Implant plan"},
        {"pipeline", "Patient Treatment"},
        {"stage", "Treatment Presented"}},
       {},
       {{"contactId", "c5"}},
       k},
      {"appointment",
       {{"title", "Hygiene"},
        {"startTime", "2026-03-02T09:30:00-06:00"},
        {"endTime", "2026-03-02T10:30:00-06:00"}},
       {},
       {{"contactId", "c5"}},
       k},
      {"note", {{"body", "Crown prep"}}, {}, {{"contactId", "c5"}}, k},
      {"task",
       {{"title", "6-month recall"}, {"dueDate", "2026-09-01T15:00:00Z"}},
       {},
       {{"contactId", "c5"}},
       k},
      {"product", {{"name", "D2740 crown"}}, {}, {}, k},
      {"custom_object:treatment", {{"name", "Implant"}}, {}, {}, k},
  };
}

v1::TargetRecord MakeRecord(const ObjectDef& def) {
  v1::TargetRecord t;
  t.set_source_object("fuzz");
  t.set_source_key("1");
  t.set_fingerprint("f1");
  t.set_target_object(def.target);
  t.set_external_key("pbn:fuzz:1");
  t.set_external_key_field(def.key_field);
  t.set_owner_email("owner@clinic.example");
  for (const auto& [name, value] : def.fields) {
    (*t.mutable_fields())[name] = record::StringValue(value);
  }
  for (const auto& [name, value] : def.custom_fields) {
    (*t.mutable_custom_fields())[name] = record::StringValue(value);
  }
  auto& keys = absl::StartsWith(def.key_field, "cf_")
                   ? *t.mutable_custom_fields()
                   : *t.mutable_fields();
  keys[def.key_field] = record::StringValue(t.external_key());
  for (const auto& [field, id] : def.lookups) {
    v1::Lookup* l = t.add_lookups();
    l->set_target_field(field);
  }
  return t;
}

mapping::CustomFieldSpec Field(std::string entity, std::string name,
                               std::string type,
                               std::vector<std::string> choices = {},
                               std::string related = "") {
  mapping::CustomFieldSpec f;
  f.entity = std::move(entity);
  f.label = name;
  f.name = std::move(name);
  f.type = std::move(type);
  f.choices = std::move(choices);
  f.related = std::move(related);
  return f;
}

crm::SchemaRequest Schema(const std::string& crm) {
  crm::SchemaRequest r;
  const std::string contacts = crm == "pipedrive" ? "persons" : "contacts";
  r.fields.push_back(Field(contacts, "cf_bridgework_key", "text"));
  r.fields.push_back(
      Field(contacts, "cf_patient_status", "dropdown", {"Active", "Inactive"}));
  r.fields.push_back(Field(contacts, "cf_birth_date", "date"));
  r.fields.push_back(Field(contacts, "cf_balance", "number"));
  const std::string object = crm == "freshsales" ? "cm_treatment" : "treatment";
  if (crm != "pipedrive") {
    r.objects.push_back({object, "Treatment", "Treatments", "name", 0});
  }
  if (crm == "freshsales") {
    r.fields.push_back(Field(object, "cf_patient", "lookup", {}, "contacts"));
    r.territories.push_back("Austin");
  }
  const std::string pipeline = crm == "freshsales"  ? "Default Pipeline"
                               : crm == "pipedrive" ? "Treatment plans"
                                                    : "Patient Treatment";
  r.pipelines.push_back(
      {pipeline, {{"Consultation", 20}, {"Contact Made", -1}}, 0});
  return r;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Lets every request go at once.
class FreePacer : public crm::RequestPacer {
 public:
  absl::Status Wait(const crm::RequestCost&) override {
    return absl::OkStatus();
  }
  void Observe(const std::vector<v1::RateObservation>&) override {}
};

// Answers each request with the next response of the input.
class ScriptedHttpClient : public crm::HttpClient {
 public:
  explicit ScriptedHttpClient(std::vector<std::string_view>* responses)
      : responses_(responses) {}
  absl::StatusOr<crm::HttpResponse> Send(const crm::HttpRequest&) override {
    if (responses_->empty()) {
      return absl::UnavailableError("fuzz: no more responses");
    }
    std::string_view r = responses_->front();
    responses_->erase(responses_->begin());
    crm::HttpResponse out;
    if (r.empty()) {
      out.status = 200;
      return out;
    }
    const unsigned char code = static_cast<unsigned char>(r[0]);
    out.status =
        kStatuses[static_cast<unsigned char>(code - '0') % kStatusCount];
    r.remove_prefix(1);
    if (absl::ascii_isalpha(code)) {
      while (!r.empty()) {
        size_t eol = r.find('\n');
        std::string_view line = r.substr(0, eol);
        r.remove_prefix(eol == std::string_view::npos ? r.size() : eol + 1);
        if (line.empty()) break;
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        out.headers[absl::AsciiStrToLower(Trim(line.substr(0, colon)))] =
            Trim(line.substr(colon + 1));
      }
    }
    out.body = std::string(r);
    return out;
  }

 private:
  std::vector<std::string_view>* responses_;
};

}  // namespace

std::unique_ptr<crm::CrmConnector> MakeFuzzConnector(
    const std::string& crm, const std::string& base_url,
    const std::string& token, std::unique_ptr<crm::HttpClient> http) {
  crm::ConnectorConfig c;
  c.crm = crm;
  c.base_url = base_url;
  c.token = token;
  c.plan = crm == "highlevel" ? "unlimited" : "growth";
  c.location_id = "loc1";
  c.company_id = "cmp1";
  c.pacer = std::make_shared<FreePacer>();
  // A fake clock that sleeping advances, shared by both functions.
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  auto made = crm::MakeConnector(
      c, std::move(http), [now] { return *now; },
      [now](std::chrono::milliseconds d) { *now += d; });
  if (!made.ok()) return nullptr;
  return *std::move(made);
}

void RunOps(crm::CrmConnector& connector, const std::string& crm,
            std::string_view ops,
            const std::function<std::string()>& next_body) {
  const std::vector<ObjectDef> objects = Objects(crm);
  // The id the last successful Create returned: later ops use it (so ids
  // read from responses go back into requests).
  std::string created_id;
  for (size_t i = 0; i < ops.size() && i / 2 < kMaxOps; i += 2) {
    const char op = ops[i];
    const ObjectDef& def =
        objects[i + 1 < ops.size()
                    ? static_cast<unsigned char>(ops[i + 1] - '0') %
                          objects.size()
                    : 0];
    v1::TargetRecord t = MakeRecord(def);
    crm::ResolvedRecord rr;
    rr.record = &t;
    rr.owner_id = crm == "highlevel" ? "u1" : "2";
    for (const auto& [field, id] : def.lookups) {
      rr.lookup_ids[field] = {created_id.empty() ? id : created_id};
    }
    std::string id =
        crm == "highlevel" && (def.target == "note" || def.target == "task")
            ? "c5/n1"
            : "42";
    if (!created_id.empty()) id = created_id;
    switch (op) {
      case 'u':
        (void)connector.ListUsers();
        break;
      case 'S':
      case 's':
        (void)connector.PrepareSchema(Schema(crm), op == 'S');
        break;
      case 'c': {
        absl::StatusOr<std::string> created = connector.Create(rr);
        // The contract: a created record has an id.
        if (created.ok() && created->empty()) std::abort();
        if (created.ok()) created_id = *created;
        break;
      }
      case 'U':
        (void)connector.Update(id, rr);
        break;
      case 'p':
        (void)connector.Patch(
            def.target, id,
            {{def.lookups.empty() ? "name" : def.lookups[0].first,
              def.lookups.empty() ? "x" : def.lookups[0].second}});
        break;
      case 'g': {
        auto got = connector.Get(def.target, id);
        if (got.ok() && got->has_value()) {
          (void)connector.Project(t, **got);
          (void)connector.OwnerOf(def.target, **got);
        }
        break;
      }
      case 'd':
        (void)connector.Delete(def.target, id);
        break;
      case 'f':
        (void)connector.FindByExternalKey(def.target, def.key_field,
                                          t.external_key());
        break;
      case 'l': {
        auto page = connector.List(def.target, "", 100);
        if (page.ok() && !page->next_page_token.empty()) {
          (void)connector.List(def.target, page->next_page_token, 100);
        }
        break;
      }
      case 'b':
        if (connector.SupportsBulkUpsert(def.target)) {
          (void)connector.BulkUpsert({rr, rr});
        }
        break;
      case 'r': {
        nlohmann::json projection = connector.WrittenProjection(rr);
        (void)connector.Restore(def.target, id, projection);
        break;
      }
      case 'w':
        (void)connector.PlanWrite(rr, /*create=*/true);
        break;
      case 'j': {
        if (!next_body) break;
        nlohmann::json j = nlohmann::json::parse(next_body(), nullptr, false);
        if (j.is_discarded()) break;
        (void)connector.Project(t, j);
        (void)connector.OwnerOf(def.target, j);
        break;
      }
      default:
        break;
    }
  }
}

void FuzzConnector(const std::string& crm, const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t eol = input.find('\n');
  std::string_view ops = input.substr(0, eol);
  if (ops.size() > 2 * kMaxOps) ops = ops.substr(0, 2 * kMaxOps);
  std::vector<std::string_view> responses;
  if (eol != std::string_view::npos) {
    std::string_view rest = input.substr(eol + 1);
    for (size_t sep;
         (sep = rest.find(kResponseSeparator)) != std::string_view::npos;) {
      responses.push_back(rest.substr(0, sep));
      rest.remove_prefix(sep + 1);
    }
    responses.push_back(rest);
  }
  auto connector =
      MakeFuzzConnector(crm, "http://crm.fuzz", "fuzz-token",
                        std::make_unique<ScriptedHttpClient>(&responses));
  if (connector == nullptr) std::abort();
  RunOps(*connector, crm, ops, [&responses]() -> std::string {
    if (responses.empty()) return "";
    std::string_view r = responses.front();
    responses.erase(responses.begin());
    return std::string(r.empty() ? r : r.substr(1));
  });
}

std::string EncodeResponse(const crm::HttpResponse& response) {
  char code = 0;
  for (size_t i = 0; i < kStatusCount; ++i) {
    if (kStatuses[i] == response.status) code = static_cast<char>('0' + i);
  }
  if (code == 0) code = '7';  // another status: recorded as a 500
  std::string headers;
  for (const auto& [name, value] : response.headers) {
    if (absl::StartsWith(name, "x-ratelimit") || name == "retry-after" ||
        absl::StartsWith(name, "x-daily") || name == "x-token-cost") {
      headers += name + ": " + value + "\n";
    }
  }
  if (headers.empty()) return std::string(1, code) + response.body;
  // The letter with the same status: ('A' - '0') % 10 == 7.
  const char letter = static_cast<char>('A' + (code - '0' + 3) % 10);
  return std::string(1, letter) + headers + "\n" + response.body;
}

}  // namespace bridgework::fuzz
