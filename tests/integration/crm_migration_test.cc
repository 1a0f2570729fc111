// Issue 3: each seed pair end to end through the real binaries — the
// `bridgework` CLI starts the four services and the CRM's emulator
// (`bridgework up --emulator <crm>`), migrates the generated sample data
// with the shipped example map, rolls the run back and verifies it by
// reading the CRM back. For Pipedrive and HighLevel the emulator records
// every exchange, and the recorded traffic is replayed through the
// official OpenAPI specs (tests/conformance/openapi/validate.mjs): any
// mismatch fails the test. The drdentes-api-freshsales case reads its
// source from the Dr.DENTES API emulator (`bridgework-sandbox --source
// drdentes`) instead of files.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "libs/crm/http_client.h"
#include "libs/mapping/map.h"
#include "tests/integration/http_json.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using testing::Bin;
using testing::GetJson;
using testing::ReadAll;
using testing::RunCommand;
using testing::SourceDir;
using testing::Spawn;

// How to read one CRM's emulator state: the state key of each target
// object, and whether a record there is live (soft deletes stay in state).
struct CrmCase {
  std::string crm;
  std::string example;  // examples/<example>/
  // target object of the map -> key in /__sandbox/state
  std::map<std::string, std::string> state_keys;
  bool validate_openapi = false;
  // The sample is generated with bridgework-gen-sample (PbN); otherwise
  // the example's committed export (examples/<example>/data) is read.
  bool generate = true;
  // The source is the Dr.DENTES API emulator, not files.
  bool drdentes_api = false;
};

constexpr char kDrdentesToken[] = "it-drdentes-source-token";

// The map a shipped config names (`map: <path>`, relative to the
// example's directory), as an absolute path.
std::string ExampleMapPath(const std::string& example_dir,
                           const std::string& config_text) {
  size_t at = config_text.find("\nmap:");
  if (at == std::string::npos) return example_dir + "/map.yaml";
  size_t end = config_text.find('\n', at + 1);
  std::string value = config_text.substr(at + 5, end - at - 5);
  value.erase(0, value.find_first_not_of(' '));
  value.erase(value.find_last_not_of(' ') + 1);
  fs::path path(value);
  return (path.is_absolute() ? path : fs::path(example_dir) / path)
      .lexically_normal()
      .string();
}

std::vector<CrmCase> Cases() {
  return {
      {"pipedrive",
       "pbn-pipedrive",
       {{"organization", "organizations"},
        {"person", "persons"},
        {"deal", "deals"},
        {"activity", "activities"},
        {"note", "notes"},
        {"file", "files"}},
       true},
      {"highlevel",
       "pbn-highlevel",
       {{"business", "businesses"},
        {"contact", "contacts"},
        {"opportunity", "opportunities"},
        {"note", "notes"},
        {"task", "tasks"},
        {"custom_object:appointment",
         "records?objectKey=custom_objects.appointment"},
        {"custom_object:treatment_history",
         "records?objectKey=custom_objects.treatment_history"},
        {"custom_object:insurance",
         "records?objectKey=custom_objects.insurance"},
        {"custom_object:communication",
         "records?objectKey=custom_objects.communication"},
        {"custom_object:form_submission",
         "records?objectKey=custom_objects.form_submission"}},
       true},
      {"freshsales",
       "drdentes-freshsales",
       {{"sales_account", "sales_accounts"},
        {"product", "products"},
        {"contact", "contacts"},
        {"deal", "deals"},
        {"deal_product", "deals/*/products"},
        {"sales_activity", "sales_activities"},
        {"note", "notes"},
        {"task", "tasks"},
        {"custom_object:cm_imaging_record", "custom_module/cm_imaging_record"},
        {"custom_object:cm_lab_order", "custom_module/cm_lab_order"},
        {"custom_object:cm_prescription", "custom_module/cm_prescription"}},
       false,
       false},
      {"freshsales",
       "drdentes-api-freshsales",
       {{"sales_account", "sales_accounts"},
        {"product", "products"},
        {"contact", "contacts"},
        {"deal", "deals"},
        {"deal_product", "deals/*/products"},
        {"sales_activity", "sales_activities"},
        {"note", "notes"},
        {"task", "tasks"}},
       false,
       false,
       true},
      {"freshsales",
       "clinic-freshsales",
       {{"sales_account", "sales_accounts"},
        {"contact", "contacts"},
        {"deal", "deals"},
        {"sales_activity", "sales_activities"},
        {"task", "tasks"},
        {"note", "notes"},
        {"document", "documents"},
        {"custom_object:cm_treatment_plan", "custom_module/cm_treatment_plan"},
        {"custom_object:cm_lab_result", "custom_module/cm_lab_result"}},
       false,
       false},
  };
}

bool Live(const json& record) {
  if (!record.is_object()) return false;
  if (record.value("is_deleted", false)) return false;
  if (record.contains("deleted") && record["deleted"].is_boolean() &&
      record["deleted"].get<bool>())
    return false;
  // Pipedrive files: deleted ones keep reading back with active_flag false.
  if (record.contains("active_flag") && record["active_flag"] == false)
    return false;
  // Freshsales notes over 32 KB are several notes under one id: the parts
  // after the first are not records of their own.
  std::string text = record.value("description", "");
  if (text.rfind("(part ", 0) == 0 && text.rfind("(part 1 of ", 0) != 0)
    return false;
  return true;
}

// `key` is a state key, optionally with one filter: "records?objectKey=x"
// counts the live records whose objectKey is x; "custom_module/cm_x" names
// the array under state["custom_module"]["cm_x"], and "deals/*/products"
// the arrays "products" of every deal.
size_t LiveCount(const json& state, const std::string& key) {
  std::string name = key;
  std::string field;
  std::string value;
  size_t q = key.find('?');
  if (q != std::string::npos) {
    name = key.substr(0, q);
    size_t eq = key.find('=', q);
    field = key.substr(q + 1, eq - q - 1);
    value = key.substr(eq + 1);
  }
  // Walk the path; "*" stands for every element of an array.
  std::vector<const json*> at = {&state};
  for (const auto& part : absl::StrSplit(name, '/')) {
    std::string k(part);
    std::vector<const json*> next;
    for (const json* j : at) {
      if (k == "*" && j->is_array()) {
        for (const auto& e : *j) next.push_back(&e);
      } else if (j->is_object() && j->contains(k)) {
        next.push_back(&(*j)[k]);
      }
    }
    at = std::move(next);
  }
  size_t n = 0;
  for (const json* records : at) {
    if (!records->is_array()) continue;
    for (const auto& r : *records) {
      if (!field.empty() && (!r.is_object() || r.value(field, "") != value))
        continue;
      n += Live(r) ? 1 : 0;
    }
  }
  return n;
}

// ---- Field-level checks of the seed rows, per example ---------------------

using Row = std::map<std::string, std::string>;

// The rows of a CSV export as header -> value (process_util.h's reader:
// RFC 4180 quoting, quoted line breaks, a UTF-8 byte-order mark and CRLF
// line ends allowed); malformed rows (not as wide as the header) left out.
std::vector<Row> ReadCsv(const std::string& path, char delimiter) {
  const std::vector<std::vector<std::string>> lines =
      testing::CsvRecords(ReadAll(path), delimiter);
  std::vector<Row> rows;
  for (size_t l = 1; l < lines.size(); ++l) {
    if (lines[l].size() != lines[0].size()) continue;  // a malformed row
    Row row;
    for (size_t c = 0; c < lines[0].size(); ++c) row[lines[0][c]] = lines[l][c];
    rows.push_back(std::move(row));
  }
  return rows;
}

// Freshsales: the names of `list_key` entries by id, from the selector
// responses the loader read ("lifecycle_stages", "deal_stages").
std::map<std::string, std::string> SelectorNames(const std::string& traffic,
                                                 const std::string& prefix,
                                                 const std::string& list_key) {
  std::map<std::string, std::string> names;
  std::ifstream in(traffic);
  for (std::string line; std::getline(in, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("path", "").rfind(prefix, 0) != 0) continue;
    const json& body = j["response"]["body"];
    if (!body.is_object() || !body.contains(list_key)) continue;
    for (const auto& e : body[list_key]) names[e["id"].dump()] = e["name"];
  }
  return names;
}

std::string Cf(const json& record, const std::string& name) {
  if (!record.contains("custom_field") || !record["custom_field"].is_object())
    return "";
  const json& cf = record["custom_field"];
  if (!cf.contains(name) || cf[name].is_null()) return "";
  return cf[name].is_string() ? cf[name].get<std::string>() : cf[name].dump();
}

// Freshsales records of `key` in the state by their external key.
std::map<std::string, json> ByKey(const json& records,
                                  const std::string& field) {
  std::map<std::string, json> out;
  for (const auto& r : records) {
    std::string k =
        field == "external_id" ? r.value("external_id", "") : Cf(r, field);
    if (!k.empty()) out[k] = r;
  }
  return out;
}

int64_t Minutes(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err))
      << rfc3339;
  return absl::ToUnixSeconds(t) / 60;
}

double Number(const json& v) {
  if (v.is_number()) return v.get<double>();
  double d = 0;
  if (v.is_string()) {
    EXPECT_TRUE(absl::SimpleAtod(v.get<std::string>(), &d));
  }
  return d;
}

void CheckDrDentes(const json& state, const std::string& data,
                   const std::string& traffic) {
  const std::string api = "/crm/sales/api";
  auto stage_names = SelectorNames(traffic, api + "/selector/lifecycle_stages",
                                   "lifecycle_stages");
  ASSERT_FALSE(stage_names.empty());
  // Patient -> Contact / unconverted lead -> Lead: a patient with no first
  // appointment (and none booked) is a lead.
  std::set<std::string> booked;
  for (const Row& a : ReadCsv(data + "/appointments.csv", ';'))
    booked.insert(a.at("patient_id"));
  auto contacts = ByKey(state["contacts"], "external_id");
  int leads = 0, customers = 0;
  for (const Row& p : ReadCsv(data + "/patients.csv", ';')) {
    auto it = contacts.find("drdentes:patient:" + p.at("patient_id"));
    if (it == contacts.end()) continue;
    bool lead = p.at("first_appointment_date").empty() &&
                !booked.count(p.at("patient_id"));
    EXPECT_EQ(stage_names[it->second["lifecycle_stage_id"].dump()],
              lead ? "Lead" : "Customer")
        << p.at("patient_id");
    (lead ? leads : customers)++;
    if (lead) {
      EXPECT_EQ(Cf(it->second, "cf_inquiry_type"), p.at("inquiry_type"));
    } else {
      EXPECT_EQ(Cf(it->second, "cf_insurance_provider"),
                p.at("insurance_provider"));
    }
  }
  EXPECT_GT(leads, 5);
  EXPECT_GT(customers, 20);

  // Billing / Insurance Record -> Custom Field on Deal: the case's latest
  // invoice; cases -> deals in the Treatment Cases stages.
  std::map<std::string, Row> latest;
  for (const Row& b : ReadCsv(data + "/billing.csv", ';')) {
    auto [it, fresh] = latest.emplace(b.at("case_id"), b);
    if (!fresh && b.at("invoice_date") > it->second.at("invoice_date"))
      it->second = b;
  }
  auto deals = ByKey(state["deals"], "cf_bridgework_key");
  auto deal_stages =
      SelectorNames(traffic, api + "/selector/deal_pipelines/", "deal_stages");
  int billed = 0;
  for (const auto& [case_id, b] : latest) {
    auto it = deals.find("drdentes:treatment_case:" + case_id);
    if (it == deals.end()) continue;
    ++billed;
    EXPECT_EQ(Cf(it->second, "cf_invoice_number"), b.at("invoice_no"));
    EXPECT_EQ(Cf(it->second, "cf_payment_status"), b.at("status"));
    EXPECT_EQ(Cf(it->second, "cf_insurance_provider"),
              b.at("insurance_provider"));
  }
  EXPECT_GT(billed, 20);
  const std::map<std::string, std::string> stage_of = {
      {"New", "New Appointment"},
      {"In Treatment", "In Treatment"},
      {"Awaiting Payment", "Invoiced"},
      {"Completed", "Closed Won"},
      {"Cancelled", "Closed Lost"}};
  for (const Row& t : ReadCsv(data + "/treatment_cases.csv", ';')) {
    auto it = deals.find("drdentes:treatment_case:" + t.at("case_id"));
    if (it == deals.end()) continue;
    EXPECT_EQ(deal_stages[it->second["deal_stage_id"].dump()],
              stage_of.at(t.at("stage")))
        << t.at("case_id");
  }

  // Treatment notes on the case's deal, else on the contact.
  std::map<std::string, Row> notes;
  for (const Row& n : ReadCsv(data + "/clinical_notes.csv", ';'))
    notes[n.at("note_id")] = n;
  int on_deal = 0, split = 0;
  for (const auto& n : state["notes"]) {
    std::string text = n.value("description", "");
    // Over 32 KB: several notes, each "(part i of n)"; the first has the id.
    if (text.rfind("(part ", 0) == 0) {
      EXPECT_LE(text.size(), 32u * 1024);
      if (text.rfind("(part 1 of ", 0) != 0) {
        ++split;
        continue;
      }
    }
    size_t at = text.find("[Dr.DENTES ");
    ASSERT_NE(at, std::string::npos);
    std::string id = text.substr(at + 11, text.find(']', at) - at - 11);
    ASSERT_TRUE(notes.count(id)) << id;
    bool with_case = !notes[id].at("case_id").empty();
    EXPECT_EQ(n.value("targetable_type", ""), with_case ? "Deal" : "Contact");
    on_deal += with_case;
  }
  EXPECT_GT(on_deal, 0);
  EXPECT_EQ(split, 1) << "N0041 is 34,937 bytes: two notes";

  // Appointment Schedule -> Sales Activity: end = start + duration.
  auto activities = ByKey(state["sales_activities"], "cf_bridgework_key");
  int timed = 0;
  for (const Row& a : ReadCsv(data + "/appointments.csv", ';')) {
    auto it = activities.find("drdentes:appointment:" + a.at("appointment_id"));
    if (it == activities.end()) continue;
    ++timed;
    EXPECT_EQ(
        Minutes(it->second["end_date"]) - Minutes(it->second["start_date"]),
        std::stoi(a.at("duration_minutes")));
    EXPECT_EQ(Cf(it->second, "cf_status"), a.at("status"));
  }
  EXPECT_GT(timed, 90);

  // ... and the case's tariff lines are the deal's products.
  std::map<std::string, std::string> product_key;  // CRM id -> item id
  for (const auto& p : state["products"]) {
    std::string key = Cf(p, "cf_bridgework_key");
    product_key[p["id"].dump()] = key.substr(key.rfind(':') + 1);
  }
  int lines = 0;
  for (const Row& l : ReadCsv(data + "/treatment_case_items.csv", ';')) {
    auto it = deals.find("drdentes:treatment_case:" + l.at("case_id"));
    if (it == deals.end()) continue;
    bool found = false;
    for (const auto& p : it->second["products"]) {
      if (product_key[p["id"].dump()] != l.at("item_id")) continue;
      found = true;
      EXPECT_EQ(Number(p["quantity"]), Number(l.at("quantity")));
      EXPECT_DOUBLE_EQ(Number(p["unit_price"]),
                       Number(absl::StrReplaceAll(
                           absl::StrReplaceAll(l.at("unit_price"), {{".", ""}}),
                           {{",", "."}})));
    }
    EXPECT_TRUE(found) << l.at("line_id");
    ++lines;
  }
  EXPECT_GT(lines, 60);

  // Product / Service Item -> Product, the code in the description.
  auto products = ByKey(state["products"], "cf_bridgework_key");
  for (const Row& t : ReadCsv(data + "/treatment_items.csv", ';')) {
    const json& product =
        products["drdentes:treatment_item:" + t.at("item_id")];
    EXPECT_EQ(product.value("product_code", ""), t.at("code"));
    EXPECT_THAT(product.value("description", ""),
                ::testing::HasSubstr(t.at("code")));
  }
}

void CheckClinic(const json& state, const std::string& data,
                 const std::string& traffic) {
  auto accounts = ByKey(state["sales_accounts"], "cf_bridgework_key");
  auto id_of = [&accounts](const std::string& key) {
    auto it = accounts.find(key);
    return it == accounts.end() ? std::string() : it->second["id"].dump();
  };
  auto contacts = ByKey(state["contacts"], "external_id");
  // Patient Record -> Contact + Account, Insurance Carrier / Payer ->
  // Account + Custom Field: the location's account first, then the payers'.
  int patients = 0;
  for (const Row& p : ReadCsv(data + "/patients.csv", ',')) {
    auto it = contacts.find("clinic:patient:" + p.at("patient_id"));
    if (it == contacts.end()) continue;
    ++patients;
    std::vector<std::string> want = {
        id_of("clinic:location:" + p.at("preferred_location_id"))};
    for (const char* carrier : {"primary_carrier_id", "secondary_carrier_id"}) {
      if (!p.at(carrier).empty())
        want.push_back(id_of("clinic:insurance_carrier:" + p.at(carrier)));
    }
    std::vector<std::string> have;
    for (const auto& a : it->second["sales_accounts"])
      have.push_back(a["id"].dump());
    EXPECT_EQ(have, want) << p.at("patient_id");
    EXPECT_TRUE(it->second["sales_accounts"][0].value("is_primary", false));
    EXPECT_EQ(Cf(it->second, "cf_policy_number"),
              p.at("primary_policy_number"));
    EXPECT_EQ(Cf(it->second, "cf_contact_type"), "Patient");
  }
  EXPECT_GT(patients, 30);
  // Custom clinic fields onto the contact.
  int values = 0;
  for (const Row& v : ReadCsv(data + "/patient_custom_fields.csv", ',')) {
    auto it = contacts.find("clinic:patient:" + v.at("patient_id"));
    if (it == contacts.end()) continue;
    const std::string& key = v.at("field_key");
    std::string want = v.at("value");
    if (key == "advance_directive_on_file")
      want = want == "Yes" ? "true" : "false";
    EXPECT_EQ(Cf(it->second, "cf_" + key), want) << v.at("value_id");
    ++values;
  }
  EXPECT_GT(values, 70);
  // Referring Physician -> Contact (Referrer) in its territory.
  auto territories = SelectorNames(
      traffic, "/crm/sales/api/selector/territories", "territories");
  ASSERT_EQ(territories.size(), 4u);
  for (const Row& r : ReadCsv(data + "/referring_physicians.csv", ',')) {
    const json& c =
        contacts["clinic:referring_physician:" + r.at("referrer_id")];
    EXPECT_EQ(Cf(c, "cf_contact_type"), "Referrer");
    EXPECT_EQ(territories[c["territory_id"].dump()], r.at("territory"));
    EXPECT_EQ(Cf(c, "cf_practice_name"), r.at("practice_name"));
  }
  // Appointment / Visit -> Sales Activity (Task / Event): check-ins and
  // lab draws are tasks, the other visits meetings.
  std::set<std::string> task_ids;
  for (const auto& t : state["tasks"]) {
    std::string title = t.value("title", "");
    task_ids.insert(title.substr(title.rfind('(') + 1,
                                 title.size() - title.rfind('(') - 2));
  }
  auto events = ByKey(state["sales_activities"], "cf_bridgework_key");
  int tasks = 0;
  for (const Row& a : ReadCsv(data + "/appointments.csv", ',')) {
    const std::string& id = a.at("appointment_id");
    bool short_visit = a.at("visit_type") == "Nurse Check-in" ||
                       a.at("visit_type") == "Lab Draw";
    bool as_event = events.count("clinic:appointment:" + id) > 0;
    if (!task_ids.count(id) && !as_event) continue;  // quarantined
    EXPECT_EQ(task_ids.count(id) > 0, short_visit) << id;
    EXPECT_EQ(as_event, !short_visit) << id;
    tasks += short_visit;
  }
  EXPECT_GT(tasks, 5);
  // Billing -> Deal in the Patient Billing pipeline, stage by claim status.
  auto deal_stages = SelectorNames(
      traffic, "/crm/sales/api/selector/deal_pipelines/", "deal_stages");
  auto deals = ByKey(state["deals"], "cf_bridgework_key");
  int denied = 0;
  for (const Row& b : ReadCsv(data + "/billing.csv", ',')) {
    auto it = deals.find("clinic:billing:" + b.at("billing_id"));
    if (it == deals.end()) continue;
    EXPECT_EQ(deal_stages[it->second["deal_stage_id"].dump()],
              b.at("claim_status"));
    EXPECT_EQ(Cf(it->second, "cf_invoice_number"), b.at("invoice_number"));
    if (b.at("claim_status") == "Denied") {
      ++denied;
      EXPECT_EQ(Cf(it->second, "cf_denial_status"), "Denied");
      EXPECT_EQ(it->second["probability"].dump(), "0");
    }
  }
  EXPECT_GT(denied, 0);
}

// The primary insurance plan (lowest priority) of each patient.
std::map<std::string, Row> PrimaryPlans(const std::string& data) {
  std::map<std::string, Row> primary;
  for (const Row& i : ReadCsv(data + "/insurance.csv", ',')) {
    // Rows the extractor rejects (a percentage typed with its sign) are
    // not plans.
    int priority = 0, pct = 0;
    if (!absl::SimpleAtoi(i.at("priority"), &priority)) continue;
    bool typed = true;
    for (const char* column : {"coverage_preventive_pct", "coverage_basic_pct",
                               "coverage_major_pct"}) {
      typed = typed &&
              (i.at(column).empty() || absl::SimpleAtoi(i.at(column), &pct));
    }
    if (!typed) continue;
    auto [it, fresh] = primary.emplace(i.at("patient_id"), i);
    if (!fresh && priority < std::stoi(it->second.at("priority")))
      it->second = i;
  }
  return primary;
}

// The latest period of `metric` with a value, per location.
std::map<std::string, Row> LatestKpi(const std::string& data,
                                     const std::string& metric) {
  std::map<std::string, Row> latest;
  for (const Row& k : ReadCsv(data + "/kpi_metrics.csv", ',')) {
    if (k.at("metric") != metric || !k.at("provider_id").empty() ||
        k.at("value").empty())
      continue;
    auto [it, fresh] = latest.emplace(k.at("location_id"), k);
    if (!fresh && k.at("period_start") > it->second.at("period_start"))
      it->second = k;
  }
  return latest;
}

void CheckPipedrive(const json& state, const std::string& data) {
  // Custom field keys by label.
  std::map<std::string, std::map<std::string, std::string>> code;
  for (const auto& [family, fields] : state["fields"].items()) {
    for (const auto& f : fields)
      code[family][f.value("field_name", "")] = f.value("field_code", "");
  }
  auto custom = [&code](const json& record, const std::string& family,
                        const std::string& label) {
    const std::string& k = code[family][label];
    const json& cf = record["custom_fields"];
    return cf.contains(k) ? cf[k] : json();
  };
  std::map<std::string, json> persons, orgs;
  for (const auto& p : state["persons"]) {
    json key = custom(p, "person", "Bridgework key");
    if (key.is_string()) persons[key] = p;
  }
  for (const auto& o : state["organizations"]) {
    json key = custom(o, "organization", "Bridgework key");
    if (key.is_string()) orgs[key] = o;
  }
  // Patient -> Person: the primary plan's insurance fields on the person.
  int insured = 0;
  for (const auto& [patient, plan] : PrimaryPlans(data)) {
    auto it = persons.find("pbn:patient:" + patient);
    if (it == persons.end()) continue;
    ++insured;
    EXPECT_EQ(custom(it->second, "person", "Insurance carrier"),
              plan.at("carrier_name"));
    EXPECT_EQ(custom(it->second, "person", "Policy number"),
              plan.at("policy_number"));
  }
  EXPECT_GT(insured, 20);
  // Goal / KPI Metric and Reputation -> organization fields, latest period.
  for (const auto& [metric, label] :
       std::vector<std::pair<std::string, std::string>>{
           {"case_acceptance_rate", "Case acceptance rate"},
           {"google_rating", "Google rating"}}) {
    auto latest = LatestKpi(data, metric);
    ASSERT_FALSE(latest.empty()) << metric;
    for (const auto& [location, k] : latest) {
      const json& org = orgs["pbn:location:" + location];
      EXPECT_DOUBLE_EQ(Number(custom(org, "organization", label)),
                       Number(k.at("value")))
          << metric << " " << location;
      EXPECT_EQ(custom(org, "organization", label + " period"), k.at("period"));
    }
  }
  // Appointment -> Activity (Meeting or Task).
  int reschedule = 0, meetings = 0;
  for (const auto& a : state["activities"]) {
    std::string subject = a.value("subject", "");
    if (subject.rfind("Reschedule ", 0) == 0) {
      ++reschedule;
      EXPECT_EQ(a.value("type", ""), "task");
      EXPECT_FALSE(a.value("done", true));
    } else if (a.value("type", "") == "meeting") {
      ++meetings;
    }
  }
  int missed = 0;
  for (const Row& a : ReadCsv(data + "/appointments.csv", ',')) {
    const std::string& st = a.at("status");
    missed += st == "cancelled" || st == "no_show" || st == "broken";
  }
  EXPECT_GT(reschedule, 0);
  EXPECT_LE(reschedule, missed);
  EXPECT_GE(reschedule, missed - 2);
  EXPECT_GT(meetings, reschedule);
  // Pipeline / Stage: each deal in its category's pipeline.
  std::map<std::string, std::string> pipeline_name;
  for (const auto& p : state["pipelines"])
    pipeline_name[p["id"].dump()] = p.value("name", "");
  for (const auto& d : state["deals"]) {
    json key = custom(d, "deal", "Treatment category");
    if (!key.is_string()) continue;
    std::string category = key;
    category[0] = absl::ascii_toupper(category[0]);
    EXPECT_EQ(pipeline_name[d["pipeline_id"].dump()], category);
  }
}

void CheckHighLevel(const json& state, const std::string& data) {
  std::map<std::string, std::string> key_of;  // field id -> "contact.x"
  for (const auto& f : state["custom_fields"])
    key_of[f.value("id", "")] = f.value("fieldKey", "");
  auto field = [&key_of](const json& contact, const std::string& key) {
    for (const auto& f : contact["customFields"]) {
      if (key_of[f.value("id", "")] == key) return f["value"];
    }
    return json();
  };
  std::map<std::string, json> contacts;
  for (const auto& c : state["contacts"]) {
    json key = field(c, "contact.bridgework_key");
    if (key.is_string()) contacts[key] = c;
  }
  // Custom KPI Property -> custom fields on the contact (the first record
  // of each property per patient), original create time kept.
  std::set<std::string> seen;
  int properties = 0;
  for (const Row& p : ReadCsv(data + "/custom_patient_properties.csv", ',')) {
    if (p.at("property_name") != "Dental anxiety" ||
        !seen.insert(p.at("patient_id")).second)
      continue;
    auto it = contacts.find("pbn:patient:" + p.at("patient_id"));
    if (it == contacts.end()) continue;
    ++properties;
    EXPECT_EQ(field(it->second, "contact.dental_anxiety"), p.at("value"));
  }
  EXPECT_GT(properties, 5);
  for (const auto& [key, c] : contacts) {
    EXPECT_TRUE(field(c, "contact.pbn_created_at").is_string()) << key;
  }
  // Form submissions: the answers blob as compact JSON in a long-text
  // property of the Form Submission record.
  std::map<std::string, std::string> answers;
  for (const Row& f : ReadCsv(data + "/form_submissions.csv", ',')) {
    json parsed = json::parse(f.at("answers_json"), nullptr, false);
    if (!parsed.is_discarded()) {
      answers["pbn:form_submission:" + f.at("form_submission_id")] =
          parsed.dump();
    }
  }
  int forms = 0;
  for (const auto& r : state["records"]) {
    if (r.value("objectKey", "") != "custom_objects.form_submission") continue;
    const json& p = r["properties"];
    auto it = answers.find(p.value("bridgework_key", ""));
    if (it == answers.end()) continue;
    EXPECT_EQ(p.value("answers", ""), it->second) << it->first;
    ++forms;
  }
  EXPECT_GT(forms, 5);
  // ... and practice KPIs on the company.
  std::map<std::string, json> businesses;
  for (const auto& b : state["businesses"])
    businesses[b["customFields"].value("bridgework_key", "")] = b;
  auto latest = LatestKpi(data, "production_per_hour");
  ASSERT_FALSE(latest.empty());
  for (const auto& [location, k] : latest) {
    const json& b = businesses["pbn:location:" + location];
    EXPECT_DOUBLE_EQ(Number(b["customFields"]["production_per_hour"]),
                     Number(k.at("value")));
  }
}

void CheckFields(const std::string& example, const json& state,
                 const std::string& data, const std::string& traffic) {
  if (example == "drdentes-freshsales") CheckDrDentes(state, data, traffic);
  if (example == "clinic-freshsales") CheckClinic(state, data, traffic);
  if (example == "pbn-pipedrive") CheckPipedrive(state, data);
  if (example == "pbn-highlevel") CheckHighLevel(state, data);
}

class CrmMigrationTest : public ::testing::TestWithParam<CrmCase> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            absl::StrCat("bw-crm-", GetParam().example, "-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    log_ = (root_ / "commands.log").string();
    std::string example = SourceDir() + "/examples/" + GetParam().example;
    std::string data = (root_ / "data").string();
    if (GetParam().drdentes_api) {
      // The source API, and its token where the extractor (a grandchild of
      // this process, through `bridgework up`) will read it.
      setenv("BRIDGEWORK_DRDENTES_TOKEN", kDrdentesToken, 1);
      std::string port_file = (root_ / "drdentes.port").string();
      source_ =
          Spawn({Bin("bridgework-sandbox"), "--source", "drdentes", "--token",
                 kDrdentesToken, "--patients", "40", "--seed", "7",
                 "--rate-limit-per-minute", "100000", "--port-file", port_file},
                log_);
      auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!fs::exists(port_file) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      ASSERT_TRUE(fs::exists(port_file)) << ReadAll(log_);
      std::string address = ReadAll(port_file);
      address.erase(address.find_last_not_of("\n") + 1);
      source_url_ = "http://" + address;
    } else if (GetParam().generate) {
      ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out", data,
                            "--patients", "60", "--seed", "11"},
                           log_),
                0)
          << ReadAll(log_);
    } else {
      data = fs::absolute(example + "/data").string();
    }
    data_ = data;
    // The shipped example config, pointed at the data (and its layout).
    std::string text = ReadAll(example + "/config.yaml");
    ASSERT_FALSE(text.empty()) << example << "/config.yaml";
    config_ = (root_ / "config.yaml").string();
    map_path_ = ExampleMapPath(example, text);
    std::string map_line = "map: " + map_path_;
    size_t at = text.find("\nmap:");
    ASSERT_NE(at, std::string::npos);
    size_t end = text.find('\n', at + 1);
    text.replace(at + 1, end - at - 1, map_line);
    if (GetParam().drdentes_api) {
      at = text.find("base_url:");
      ASSERT_NE(at, std::string::npos);
      end = text.find('\n', at);
      text.replace(at, end - at, "base_url: " + source_url_ + "/api/v1");
      std::ofstream(config_) << text;
      return;
    }
    at = text.find("directory:");
    ASSERT_NE(at, std::string::npos);
    end = text.find('\n', at);
    text.replace(at, end - at, "directory: " + data);
    at = text.find("layout:");
    if (at != std::string::npos) {
      end = text.find('\n', at);
      text.replace(
          at, end - at,
          "layout: " + fs::absolute(example + "/layout.yaml").string());
    }
    std::ofstream(config_) << text;
  }

  void TearDown() override {
    testing::Stop(&up_);
    testing::Stop(&source_);
    if (!HasFailure()) fs::remove_all(root_);
  }

  fs::path root_;
  std::string log_;
  std::string config_;
  std::string map_path_;
  std::string data_;  // the export the run reads
  pid_t up_ = -1;
  // The Dr.DENTES API emulator, when the case reads from it.
  pid_t source_ = -1;
  std::string source_url_;
};

TEST_P(CrmMigrationTest, MigratesEveryObjectThenRollsBackVerified) {
  const CrmCase& c = GetParam();
  std::string traffic = (root_ / "traffic.jsonl").string();
  testing::Suite suite;
  const bool up =
      testing::StartSuite(c.crm, config_, (root_ / "state").string(), log_,
                          &suite, {"--traffic-log", traffic});
  up_ = suite.pid;
  ASSERT_TRUE(up) << ReadAll(log_);
  const std::string services = suite.services;
  const std::string emulator = suite.emulator;

  // The pre-migration check: owners by email (the sample has providers
  // without CRM users), and a schema the loader can complete itself.
  std::string check = (root_ / "check.json").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "check", "--config", config_,
                        "--services", services, "--report-json", check},
                       log_),
            0)
      << ReadAll(log_);
  json pre = json::parse(ReadAll(check));
  EXPECT_FALSE(pre["unmatched_owners"].empty()) << pre.dump(2);
  EXPECT_FALSE(pre["owners"].empty());
  EXPECT_TRUE(pre.value("ready", false)) << pre.dump(2);

  // The reviewed map is approved before any record moves.
  ASSERT_EQ(RunCommand({Bin("bridgework"), "approve", map_path_, "--by",
                        "it-reviewer", "--services", services},
                       log_),
            0)
      << ReadAll(log_);
  // A dry run first, on a CRM that lacks the map's schema: every request
  // is built and checked against the schema Prepare would leave, and
  // nothing is sent.
  const json before_dry = GetJson(emulator + "/__sandbox/state");
  std::string dry = (root_ / "dry.json").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "migrate", "--dry-run", "--config",
                        config_, "--services", services, "--report-json", dry},
                       log_),
            0)
      << ReadAll(log_);
  EXPECT_EQ(GetJson(emulator + "/__sandbox/state"), before_dry)
      << "the dry run changed the CRM";
  const json dry_rep = json::parse(ReadAll(dry));
  EXPECT_GT(dry_rep["dry_run"].value("requests_planned", 0), 0)
      << dry_rep.dump(2);
  int64_t dry_creates = 0;
  for (const auto& t : dry_rep["dry_run"]["targets"])
    dry_creates += t.value("creates", int64_t{0});
  EXPECT_GT(dry_creates, 0) << dry_rep.dump(2);

  std::string report = (root_ / "report.json").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "migrate", "--config", config_,
                        "--services", services, "--report-json", report,
                        "--report-dir", (root_ / "report").string()},
                       log_),
            0)
      << ReadAll(log_);
  json rep = json::parse(ReadAll(report));
  ASSERT_TRUE(rep.value("balanced", false)) << rep.dump(2);
  EXPECT_GT(rep.value("requests", 0), 0);
  // The dry run quarantined only records the real run quarantined (the
  // real run may refuse more: only the CRM knows, say, a duplicate email).
  std::map<std::string, int64_t> quarantined;
  for (const auto& o : rep["objects"]) {
    quarantined[o.value("source_object", "")] =
        o.value("quarantined", int64_t{0});
  }
  for (const auto& o : dry_rep["objects"]) {
    const std::string source = o.value("source_object", "");
    EXPECT_LE(o.value("quarantined", int64_t{0}), quarantined[source])
        << source << " in the dry run: " << o.dump();
  }
  // Beside the report: the automations that did not migrate, as the CRM
  // admin's rebuild reference (every example's source has some).
  json workflows =
      json::parse(ReadAll(root_ / "report" / "workflows.json"), nullptr, false);
  ASSERT_FALSE(workflows.is_discarded()) << ReadAll(log_);
  EXPECT_EQ(workflows["destination"]["crm"], c.crm);
  EXPECT_GT(workflows["counts"]["automations"].get<int>(), 0);
  EXPECT_TRUE(fs::exists(root_ / "report" / "workflows.md"));

  // Every loaded record is in the CRM, object by object.
  auto map = mapping::ParseMap(ReadAll(map_path_), map_path_);
  ASSERT_TRUE(map.ok()) << map.status();
  json state = GetJson(emulator + "/__sandbox/state");
  const json migrated = state;
  int64_t loaded_total = 0;
  // Loaded per group of target objects: several source objects may share
  // a target (Pipedrive appointments and recalls are both activities), and
  // one source object's routes may have several targets (conditional
  // routes: appointments as tasks or sales activities), so targets linked
  // either way are counted together.
  std::map<std::string, std::string> group_of;  // target -> group's target
  auto find = [&group_of](std::string t) {
    while (group_of.count(t) && group_of[t] != t) t = group_of[t];
    return t;
  };
  std::map<std::string, std::vector<std::string>> targets_of;
  for (const auto& route : map->objects) {
    if (route.kind != mapping::ObjectRoute::Kind::kLoad || route.into) continue;
    targets_of[route.source].push_back(route.target);
    if (!group_of.count(route.target)) group_of[route.target] = route.target;
    group_of[find(route.target)] = find(targets_of[route.source].front());
  }
  std::map<std::string, int64_t> loaded_by_group;
  for (const auto& o : rep["objects"]) {
    std::string source = o.value("source_object", "");
    ASSERT_FALSE(map->RoutesOf(source).empty()) << o.dump();
    int64_t loaded = o.value("loaded", int64_t{0});
    loaded_total += loaded;
    auto targets = targets_of.find(source);
    if (targets == targets_of.end() || loaded == 0) continue;
    loaded_by_group[find(targets->second.front())] += loaded;
  }
  for (const auto& [group, loaded] : loaded_by_group) {
    int64_t live = 0;
    for (const auto& [target, parent] : group_of) {
      if (find(target) != group) continue;
      auto key = c.state_keys.find(target);
      ASSERT_NE(key, c.state_keys.end()) << "no state key for " << target;
      live += static_cast<int64_t>(LiveCount(state, key->second));
    }
    EXPECT_EQ(live, loaded) << "records of " << group << " and the targets "
                            << "loaded with it";
  }
  EXPECT_GT(loaded_total, 0);
  // Owners: matched ones and the fallback are CRM users.
  ASSERT_TRUE(rep.contains("extra")) << rep.dump(2);
  ASSERT_FALSE(rep["extra"]["owners"].empty());

  // Roll back; the CLI reads every record back and reports it verified.
  std::string run = rep["run"].value("id", "");
  ASSERT_FALSE(run.empty());
  std::string rollback_log = (root_ / "rollback.log").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "rollback", "--run", run,
                        "--services", services},
                       rollback_log),
            0)
      << ReadAll(rollback_log);
  EXPECT_THAT(ReadAll(rollback_log),
              ::testing::HasSubstr("verified by reading the CRM back"));
  state = GetJson(emulator + "/__sandbox/state");
  for (const auto& [target, key] : c.state_keys) {
    EXPECT_EQ(LiveCount(state, key), 0u) << key << " after rollback";
  }

  // Stop the suite so the traffic log is complete, then replay it through
  // the official specs.
  EXPECT_EQ(testing::Stop(&up_), 0);
  // The seed rows field by field (the traffic log gives the CRM's names of
  // stages read by the loader).
  CheckFields(c.example, migrated, data_, traffic);
  if (c.validate_openapi) {
    std::string shared = SourceDir() + "/../shared";
    if (const char* s = std::getenv("BRIDGEWORK_SHARED_DIR")) shared = s;
    std::string validate_log = (root_ / "validate.log").string();
    int rc = RunCommand(
        {"node", SourceDir() + "/tests/conformance/openapi/validate.mjs",
         "--crm", c.crm, "--specs", shared + "/specs", "--traffic", traffic},
        validate_log);
    EXPECT_EQ(rc, 0) << ReadAll(validate_log);
  }
}

INSTANTIATE_TEST_SUITE_P(SeedPairs, CrmMigrationTest,
                         ::testing::ValuesIn(Cases()), [](const auto& info) {
                           std::string name = info.param.example;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace bridgework
