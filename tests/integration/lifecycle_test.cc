// Issue 6: the migration procedure, per CRM, through the real binaries
// (`bridgework up --emulator <crm>` and the CLI):
//   a person already in the CRM (same email as a patient) ->
//   sample --dry-run (nothing sent) -> sample (read back, field diff) ->
//   migrate (the person matched, not duplicated; blanks filled) ->
//   source changes and an edit in the CRM -> delta (update, create, the
//   edited record skipped and reported) -> delta again (zero requests) ->
//   rollback of every run, newest first (the CRM edit is a conflict until
//   --overwrite-conflicts) -> the CRM equals its state before the
//   migration, the matched person restored to its before-image.
#include <signal.h>
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
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/crm/http_client.h"
#include "tests/integration/http_json.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

using testing::Bin;
using testing::ReadAll;
using testing::RunCommand;
using testing::SourceDir;
using testing::Spawn;
using testing::Wait;

constexpr char kToken[] = "it-lifecycle-token";
constexpr char kPreEmail[] = "already.there@clinic.example";

struct Case {
  std::string crm;
  std::string example;
  // Where the patients' records live in /__sandbox/state.
  std::string people_key;
  // Every state key of records the map writes (for "equals the state
  // before the migration").
  std::vector<std::string> state_keys;
};

std::vector<Case> Cases() {
  return {
      {"freshsales",
       "pbn-freshsales",
       "contacts",
       {"sales_accounts", "contacts", "deals", "sales_activities", "notes",
        "tasks", "documents"}},
      {"pipedrive",
       "pbn-pipedrive",
       "persons",
       {"organizations", "persons", "deals", "activities", "notes", "files"}},
      {"highlevel",
       "pbn-highlevel",
       "contacts",
       {"businesses", "contacts", "opportunities", "notes", "tasks",
        "records"}},
  };
}

bool Live(const json& r) {
  if (!r.is_object()) return false;
  if (r.value("is_deleted", false)) return false;
  if (r.contains("deleted") && r["deleted"].is_boolean() &&
      r["deleted"].get<bool>())
    return false;
  if (r.contains("active_flag") && r["active_flag"] == false) return false;
  return true;
}

// The live records under `key`, by id.
std::map<std::string, json> LiveRecords(const json& state,
                                        const std::string& key) {
  std::map<std::string, json> out;
  if (!state.contains(key) || !state[key].is_array()) return out;
  for (const auto& r : state[key]) {
    if (Live(r)) out[r.value("id", json()).dump()] = r;
  }
  return out;
}

// A record without what any write changes regardless of content (times,
// counters) and without empty values, for "equal before and after".
json Normal(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) {
      std::string lower = absl::AsciiStrToLower(k);
      if (absl::StrContains(lower, "updat") ||
          absl::StrContains(lower, "modif") ||
          absl::StrContains(lower, "update_time") ||
          absl::StrContains(lower, "last_activity") ||
          absl::StrContains(lower, "count")) {
        continue;
      }
      json n = Normal(v);
      if (n.is_null() || (n.is_string() && n.get<std::string>().empty()) ||
          (n.is_array() && n.empty()) || (n.is_object() && n.empty())) {
        continue;
      }
      out[k] = n;
    }
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& e : j) {
      json n = Normal(e);
      if (!n.is_null()) out.push_back(n);
    }
    return out;
  }
  return j;
}

// The live record under `key` whose JSON mentions `needle`.
std::vector<json> Mentioning(const json& state, const std::string& key,
                             const std::string& needle) {
  std::vector<json> out;
  for (const auto& [id, r] : LiveRecords(state, key)) {
    if (absl::StrContains(absl::AsciiStrToLower(r.dump()),
                          absl::AsciiStrToLower(needle))) {
      out.push_back(r);
    }
  }
  return out;
}

class LifecycleTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            absl::StrCat("bw-life-", GetParam().crm, "-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    log_ = (root_ / "commands.log").string();
    data_ = (root_ / "data").string();
    ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out", data_,
                          "--patients", "60", "--seed", "5"},
                         log_),
              0)
        << ReadAll(log_);
    std::string example = SourceDir() + "/examples/" + GetParam().example;
    std::string text = ReadAll(example + "/config.yaml");
    ASSERT_FALSE(text.empty());
    map_path_ = fs::absolute(example + "/map.yaml").string();
    auto replace_line = [&text](const std::string& key,
                                const std::string& line) {
      size_t at = text.find(key);
      ASSERT_NE(at, std::string::npos) << key;
      size_t end = text.find('\n', at);
      text.replace(at, end - at, line);
    };
    replace_line("\nmap:", "\nmap: " + map_path_);
    replace_line("directory:", "directory: " + data_);
    // Matched records get their blanks filled; records edited in the CRM
    // since are skipped and reported (the default, said explicitly).
    replace_line("\nrun:",
                 "\nrun:\n  existing: fill_blanks\n  crm_edited: skip");
    config_ = (root_ / "config.yaml").string();
    std::ofstream(config_) << text;
    // The emulator takes this token (`up --config` reads token_env).
    setenv("BRIDGEWORK_CRM_TOKEN", kToken, 1);
  }

  void TearDown() override {
    if (up_ > 0) {
      kill(up_, SIGTERM);
      Wait(up_);
    }
    if (!HasFailure()) fs::remove_all(root_);
  }

  json State() {
    auto http = crm::MakeCurlHttpClient();
    auto r = http->Send(crm::HttpRequest::Get(emulator_ + "/__sandbox/state"));
    if (!r.ok()) return json();
    return json::parse(r->body, nullptr, false);
  }

  // One call to the CRM's public API, authenticated as its users are.
  json Api(const std::string& method, const std::string& path,
           const json& body) {
    crm::HttpRequest req;
    req.method = method;
    req.body = body.is_null() ? "" : body.dump();
    req.headers.push_back("Content-Type: application/json");
    const std::string& crm = GetParam().crm;
    if (crm == "freshsales") {
      req.url = emulator_ + "/crm/sales/api" + path;
      req.headers.push_back(
          absl::StrCat("Authorization: Token token=", kToken));
    } else if (crm == "pipedrive") {
      req.url = emulator_ + path;
      req.headers.push_back(absl::StrCat("x-api-token: ", kToken));
    } else {
      req.url = emulator_ + path;
      req.headers.push_back(absl::StrCat("Authorization: Bearer ", kToken));
      req.headers.push_back("Version: 2021-07-28");
    }
    auto r = crm::MakeCurlHttpClient()->Send(req);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return json();
    EXPECT_LT(r->status, 300) << method << " " << path << ": " << r->body;
    return json::parse(r->body, nullptr, false);
  }

  // A person in the CRM before the migration, with the email of patient
  // `patient_email` and no phone; returns its id as the state shows it.
  void CreatePreExisting() {
    const std::string& crm = GetParam().crm;
    if (crm == "freshsales") {
      Api("POST", "/contacts",
          {{"contact",
            {{"first_name", "Already"},
             {"last_name", "There"},
             {"email", kPreEmail}}}});
    } else if (crm == "pipedrive") {
      Api("POST", "/api/v2/persons",
          {{"name", "Already There"},
           {"emails", {{{"value", kPreEmail}, {"primary", true}}}}});
    } else {
      Api("POST", "/contacts/",
          {{"locationId", "bwDemoLocation000001"},
           {"firstName", "Already"},
           {"lastName", "There"},
           {"email", kPreEmail}});
    }
  }

  // Someone edits a migrated person's name in the CRM.
  void EditInCrm(const json& record) {
    const std::string& crm = GetParam().crm;
    std::string id = record["id"].is_string() ? record["id"].get<std::string>()
                                              : record["id"].dump();
    if (crm == "freshsales") {
      Api("PUT", "/contacts/" + id,
          {{"contact", {{"first_name", "EditedInCrm"}}}});
    } else if (crm == "pipedrive") {
      Api("PATCH", "/api/v2/persons/" + id, {{"name", "EditedInCrm Person"}});
    } else {
      Api("PUT", "/contacts/" + id, {{"firstName", "EditedInCrm"}});
    }
  }

  // `bridgework up` with the config: services and the CRM's emulator.
  void Up() {
    testing::Suite suite;
    const bool up = testing::StartSuite(
        GetParam().crm, config_, (root_ / "state").string(), log_, &suite);
    up_ = suite.pid;
    ASSERT_TRUE(up) << ReadAll(log_);
    services_ = suite.services;
    emulator_ = suite.emulator;
  }

  // Runs a CLI command; returns its exit code.
  int Cli(std::vector<std::string> args, const std::string& log) {
    args.insert(args.begin(), Bin("bridgework"));
    args.push_back("--services");
    args.push_back(services_);
    return RunCommand(args, log);
  }

  json Report(const std::string& path) {
    return json::parse(ReadAll(path), nullptr, false);
  }

  const json* Object(const json& rep, const std::string& name) {
    for (const auto& o : rep["objects"]) {
      if (o.value("source_object", "") == name) return &o;
    }
    return nullptr;
  }

  fs::path root_;
  std::string log_, data_, config_, map_path_, services_, emulator_;
  pid_t up_ = -1;
};

// The index of column `name` in `header`; header.size() when absent.
size_t Column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return header.size();
}

// The patients export's rows, header first, as cells (the generator writes
// no quoted commas in the columns changed here).
std::vector<std::vector<std::string>> ReadRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    rows.push_back(absl::StrSplit(line, ','));
  }
  return rows;
}

TEST_P(LifecycleTest, SampleMigrateDeltaRollback) {
  const Case& c = GetParam();
  ASSERT_NO_FATAL_FAILURE(Up());

  // A patient's email belongs to a person already in the CRM.
  std::string patients = data_ + "/patients.csv";
  auto rows = ReadRows(patients);
  ASSERT_GT(rows.size(), 10u);
  const auto& header = rows[0];
  const size_t email = Column(header, "email"),
               last = Column(header, "last_name"),
               updated = Column(header, "updated_at"),
               id = Column(header, "patient_id"),
               phone = Column(header, "mobile_phone");
  ASSERT_LT(updated, header.size());
  // Four ordinary patients (a unique email, a phone, a plain last name):
  // matched, renamed at the source, edited in the CRM, copied as new.
  std::map<std::string, int> email_count;
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() == header.size()) ++email_count[rows[i][email]];
  }
  std::vector<size_t> plain;
  for (size_t i = 1; i < rows.size() && plain.size() < 4; ++i) {
    const auto& r = rows[i];
    if (r.size() != header.size() || email_count[r[email]] != 1 ||
        !absl::StrContains(r[email], "@") || r[phone].size() < 10 ||
        r[last].empty() ||
        !std::all_of(r[last].begin(), r[last].end(),
                     [](char ch) { return isalpha(ch); })) {
      continue;
    }
    plain.push_back(i);
  }
  ASSERT_EQ(plain.size(), 4u);
  const size_t matched_row = plain[0], renamed_row = plain[1],
               edited_row = plain[2], copied_row = plain[3];
  const std::string matched_phone = rows[matched_row][phone];
  rows[matched_row][email] = kPreEmail;
  {
    std::ofstream out(patients);
    for (const auto& r : rows) out << absl::StrJoin(r, ",") << "\n";
  }
  CreatePreExisting();
  const json before = State();
  ASSERT_EQ(Mentioning(before, c.people_key, kPreEmail).size(), 1u)
      << before.dump();

  // Nothing moves under a map nobody approved: sample and delta are
  // refused like migrate, before any request.
  for (const char* command : {"sample", "delta", "migrate"}) {
    std::string refused = (root_ / (std::string(command) + ".log")).string();
    EXPECT_NE(Cli({command, "--config", config_}, refused), 0);
    EXPECT_THAT(ReadAll(refused), HasSubstr("bridgework approve")) << command;
  }
  EXPECT_EQ(Normal(State()), Normal(before));
  ASSERT_EQ(Cli({"approve", map_path_, "--by", "it-reviewer"}, log_), 0)
      << ReadAll(log_);

  // 1. A dry-run sample sends nothing and records nothing.
  std::string dry = (root_ / "dry.json").string();
  ASSERT_EQ(Cli({"sample", "--config", config_, "--size", "100", "--dry-run",
                 "--report-json", dry},
                log_),
            0)
      << ReadAll(log_);
  EXPECT_EQ(Normal(State()), Normal(before));
  json dry_rep = Report(dry);
  int64_t planned = dry_rep["dry_run"].value("requests_planned", 0);
  EXPECT_GT(planned, 0) << dry_rep.dump(2);
  int64_t creates = 0;
  for (const auto& t : dry_rep["dry_run"]["targets"])
    creates += t.value("creates", 0);
  EXPECT_GT(creates, 0);

  // 2. The sample: loaded, read back, compared field by field.
  std::string sample = (root_ / "sample.json").string();
  ASSERT_EQ(
      Cli({"sample", "--config", config_, "--size", "100", "--report-json",
           sample, "--report-dir", (root_ / "sample").string()},
          log_),
      0)
      << ReadAll(log_) << ReadAll(sample);
  json srep = Report(sample);
  ASSERT_TRUE(srep.value("balanced", false)) << srep.dump(2);
  const json& diff = srep["diff"];
  EXPECT_EQ(diff.value("mismatches", -1), 0) << diff.dump(2);
  EXPECT_GT(diff.value("fields_compared", 0), 0);
  EXPECT_GE(diff.value("sampled", 0), 100);
  EXPECT_FALSE(diff["records"].empty());
  for (const auto& s : diff["sources"]) {
    EXPECT_FALSE(s.value("reason", "").empty()) << s.dump();
  }
  std::string sample_run = srep["run"].value("id", "");
  EXPECT_EQ(srep["run"].value("kind", ""), "sample");

  // 3. The full run: the person already there is matched, not duplicated,
  // and its blank phone filled.
  std::string full = (root_ / "full.json").string();
  ASSERT_EQ(Cli({"migrate", "--config", config_, "--report-json", full}, log_),
            0)
      << ReadAll(log_);
  json frep = Report(full);
  ASSERT_TRUE(frep.value("balanced", false)) << frep.dump(2);
  std::string full_run = frep["run"].value("id", "");
  // The sample covered the map: every object the full run loads has
  // sampled records, and every patient status of the source is among the
  // sampled patients (pick-list values are features of their own).
  std::set<std::string> sampled_objects, sampled_statuses, statuses;
  for (const auto& s : diff["sources"]) {
    sampled_objects.insert(s.value("source_object", ""));
    if (s.value("source_object", "") == "patient") {
      sampled_statuses.insert(
          absl::AsciiStrToLower(s["fields"].value("status", "")));
    }
  }
  for (const auto& o : frep["objects"]) {
    if (o.value("loaded", 0) > 0) {
      EXPECT_TRUE(sampled_objects.count(o.value("source_object", "")))
          << o.value("source_object", "") << " is not in the sample";
    }
  }
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].size() == header.size() &&
        !rows[i][Column(header, "status")].empty()) {
      statuses.insert(absl::AsciiStrToLower(rows[i][Column(header, "status")]));
    }
  }
  EXPECT_FALSE(statuses.empty());
  EXPECT_EQ(sampled_statuses, statuses);
  json migrated = State();
  auto matched = Mentioning(migrated, c.people_key, kPreEmail);
  ASSERT_EQ(matched.size(), 1u) << "the existing person was duplicated";
  std::string digits = matched_phone;
  digits.erase(std::remove_if(digits.begin(), digits.end(),
                              [](char ch) { return !isdigit(ch); }),
               digits.end());
  EXPECT_THAT(matched[0].dump(), HasSubstr(digits.substr(digits.size() - 7)))
      << "the blank phone is filled";

  // 4. Changes at the source (one patient renamed, one new) and, meanwhile,
  // a migrated person edited in the CRM whose source also changed.
  const std::string edited_key = rows[edited_row][id];
  auto edited_before =
      Mentioning(migrated, c.people_key, rows[edited_row][email]);
  ASSERT_EQ(edited_before.size(), 1u);
  EditInCrm(edited_before[0]);
  rows[renamed_row][last] = "Renamedatsource";
  rows[renamed_row][updated] = "2026-11-20 09:00:00";
  rows[edited_row][last] = "Changedatsource";
  rows[edited_row][updated] = "2026-11-20 09:00:00";
  std::vector<std::string> fresh = rows[copied_row];
  fresh[id] = "99001";
  fresh[last] = "Newpatient";
  fresh[email] = "new.patient@clinic.example";
  fresh[phone] = "+1 512 555 0977";  // CRMs refuse a duplicate mobile
  fresh[updated] = "2026-11-20 09:00:00";
  rows.push_back(fresh);
  {
    std::ofstream out(patients);
    for (const auto& r : rows) out << absl::StrJoin(r, ",") << "\n";
  }
  // A document retitled at the source: Pipedrive updates the file's name,
  // Freshsales cannot change a document (quarantined with the reason, the
  // run goes on), the HighLevel map skips documents.
  std::string documents = data_ + "/documents.csv";
  auto doc_rows = ReadRows(documents);
  ASSERT_GT(doc_rows.size(), 2u);
  size_t doc_title = 0, doc_updated = 0;
  for (size_t i = 0; i < doc_rows[0].size(); ++i) {
    if (doc_rows[0][i] == "title") doc_title = i;
    if (doc_rows[0][i] == "updated_at") doc_updated = i;
  }
  ASSERT_GT(doc_title, 0u);
  ASSERT_GT(doc_updated, 0u);
  ASSERT_EQ(doc_rows[1].size(), doc_rows[0].size());
  doc_rows[1][doc_title] = "Retitled x-rays";
  doc_rows[1][doc_updated] = "2026-11-20 09:00:00";
  {
    std::ofstream out(documents);
    for (const auto& r : doc_rows) out << absl::StrJoin(r, ",") << "\n";
  }
  std::string delta = (root_ / "delta.json").string();
  std::map<std::string, int64_t> before_delta =
      testing::RequestsByRoute(emulator_);
  ASSERT_EQ(Cli({"delta", "--config", config_, "--report-json", delta}, log_),
            0)
      << ReadAll(log_);
  json drep = Report(delta);
  if (c.crm == "freshsales") {
    // The changed contacts are read by a filtered search on their key and
    // written by a bulk upsert, not one GET and one PUT each.
    std::map<std::string, int64_t> during = testing::RequestsByRoute(emulator_);
    for (auto& [route, n] : during) n -= before_delta[route];
    EXPECT_GE(during["POST /filtered_search/contact"], 1);
    EXPECT_GE(during["POST /contacts/bulk_upsert"], 1);
    EXPECT_EQ(during["GET /contacts/{id}"], 0);
    EXPECT_EQ(during["PUT /contacts/{id}"], 0);
    // The run's Prepare reads the users; its load streams share them.
    EXPECT_EQ(during["GET /selector/owners"], 1);
  }
  const json* d = Object(drep, "document");
  ASSERT_NE(d, nullptr) << drep.dump(2);
  if (c.crm == "freshsales") {
    EXPECT_EQ(d->value("updated", 0), 0) << d->dump(2);
    EXPECT_THAT(d->dump(), HasSubstr("Freshsales documents cannot be changed "
                                     "through the API"));
  } else if (c.crm == "pipedrive") {
    EXPECT_EQ(d->value("updated", 0), 1) << d->dump(2);
  } else {
    EXPECT_EQ(d->value("updated", 0), 0) << d->dump(2);
    EXPECT_GE(d->value("skipped", 0), 1) << d->dump(2);
  }
  ASSERT_TRUE(drep.value("balanced", false)) << drep.dump(2);
  EXPECT_EQ(drep["run"].value("kind", ""), "delta");
  const json* p = Object(drep, "patient");
  ASSERT_NE(p, nullptr) << drep.dump(2);
  // The three changed rows, plus rows that cannot be read (their change
  // time is unknown, so every delta reports them again).
  EXPECT_EQ(p->value("extracted", 0), 3 + p->value("quarantined", 0))
      << p->dump(2);
  for (const auto& q : (*p)["quarantine"]) {
    EXPECT_NE(q.value("stage", ""), "load") << q.dump();
  }
  EXPECT_EQ(p->value("updated", 0), 1) << p->dump(2);
  EXPECT_EQ(p->value("created", 0), 1) << p->dump(2);
  EXPECT_EQ(p->value("skipped", 0), 1) << p->dump(2);
  EXPECT_THAT(p->dump(), HasSubstr("edited in the CRM since"));
  EXPECT_THAT(p->dump(), HasSubstr(edited_key));
  json after_delta = State();
  EXPECT_EQ(Mentioning(after_delta, c.people_key, "Renamedatsource").size(),
            1u);
  EXPECT_EQ(Mentioning(after_delta, c.people_key, "Newpatient").size(), 1u);
  EXPECT_TRUE(Mentioning(after_delta, c.people_key, "Changedatsource").empty())
      << "the record edited in the CRM was overwritten";
  EXPECT_EQ(Mentioning(after_delta, c.people_key, "EditedInCrm").size(), 1u);
  std::string delta_run = drep["run"].value("id", "");

  // 5. Nothing changed since: a second delta sends no request.
  std::string delta2 = (root_ / "delta2.json").string();
  ASSERT_EQ(Cli({"delta", "--config", config_, "--report-json", delta2}, log_),
            0)
      << ReadAll(log_);
  json d2 = Report(delta2);
  EXPECT_EQ(d2.value("requests", -1), 0) << d2.dump(2);
  std::string delta2_run = d2["run"].value("id", "");

  // 5b. Reconciliation re-reads the CRM: counts, relationships, fill and
  // owner rates. The record edited in the CRM is drift, not a failure.
  std::string recon_log = (root_ / "reconcile.log").string();
  std::string recon = (root_ / "reconcile.json").string();
  ASSERT_EQ(Cli({"reconcile", "--config", config_, "--report-json", recon},
                recon_log),
            0)
      << ReadAll(recon_log) << ReadAll(recon);

  // 6. Roll every run back, newest first. The person edited in the CRM
  // (written by the sample or the full run) is a conflict: left as it is
  // and reported until the user says to overwrite it.
  int conflicts = 0;
  for (const std::string& run : {delta2_run, delta_run, full_run, sample_run}) {
    std::string rlog = (root_ / ("rollback-" + run + ".log")).string();
    int rc = Cli({"rollback", "--run", run}, rlog);
    if (rc != 0) {
      ASSERT_THAT(ReadAll(rlog), HasSubstr("conflict: ")) << ReadAll(rlog);
      ++conflicts;
      EXPECT_EQ(Mentioning(State(), c.people_key, "EditedInCrm").size(), 1u)
          << "a conflict was clobbered";
      rc = Cli({"rollback", "--run", run, "--overwrite-conflicts"}, rlog);
    }
    ASSERT_EQ(rc, 0) << ReadAll(rlog);
    EXPECT_THAT(ReadAll(rlog), HasSubstr("verified by reading the CRM back"));
  }
  EXPECT_EQ(conflicts, 1);

  // 7. The CRM is as it was before the migration: the same live records,
  // the matched person back to its before-image.
  json after = State();
  for (const std::string& key : c.state_keys) {
    auto was = LiveRecords(before, key);
    auto now = LiveRecords(after, key);
    EXPECT_EQ(now.size(), was.size()) << key;
    for (const auto& [rid, r] : was) {
      ASSERT_TRUE(now.count(rid)) << key << " " << rid << " is gone";
      EXPECT_EQ(Normal(now[rid]), Normal(r)) << key << " " << rid;
    }
  }
}

// `crm_edited: overwrite` with `before_image: ledger`: a delta writes each
// changed record without reading it first (the before-image is what the
// full run wrote, from the ledger), a record deleted in the CRM since is
// created again, and rolling the delta back restores the full run's values,
// verified by reading the CRM back.
TEST_P(LifecycleTest, DeltaWithLedgerBeforeImagesWritesWithoutReading) {
  const Case& c = GetParam();
  {
    std::string text = ReadAll(config_);
    size_t at = text.find("crm_edited: skip");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 16, "crm_edited: overwrite\n  before_image: ledger");
    std::ofstream(config_) << text;
  }
  ASSERT_NO_FATAL_FAILURE(Up());
  ASSERT_EQ(Cli({"approve", map_path_, "--by", "it-reviewer"}, log_), 0)
      << ReadAll(log_);
  std::string full = (root_ / "full.json").string();
  ASSERT_EQ(Cli({"migrate", "--config", config_, "--report-json", full}, log_),
            0)
      << ReadAll(log_);
  ASSERT_TRUE(Report(full).value("balanced", false));

  // Four completed appointments retitled at the source.
  std::string appointments = data_ + "/appointments.csv";
  auto rows = ReadRows(appointments);
  ASSERT_GT(rows.size(), 10u);
  const auto& header = rows[0];
  const size_t type = Column(header, "appointment_type"),
               status = Column(header, "status"),
               updated = Column(header, "updated_at"),
               key = Column(header, "appointment_id");
  ASSERT_LT(updated, header.size());
  constexpr char kTitle[] = "Retitledvisit";
  std::vector<std::string> keys;
  for (size_t i = 1; i < rows.size() && keys.size() < 4; ++i) {
    auto& r = rows[i];
    if (r.size() != header.size() || r[status] != "completed") continue;
    keys.push_back(r[key]);
    r[type] = kTitle;
    r[updated] = "2026-11-20 09:00:00";
  }
  ASSERT_EQ(keys.size(), 4u);
  {
    std::ofstream out(appointments);
    for (const auto& r : rows) out << absl::StrJoin(r, ",") << "\n";
  }
  // Live records (a deleted Pipedrive activity stays in the state, marked)
  // mentioning `needle`, under every key of the state.
  auto mentions = [this](const std::string& needle) {
    json state = State();
    size_t n = 0;
    for (const auto& [key, unused] : state.items()) {
      n += Mentioning(state, key, needle).size();
    }
    return n;
  };
  ASSERT_EQ(mentions(kTitle), 0u);
  // The fourth is deleted in the CRM meanwhile (its id from `explain`).
  std::string explain = (root_ / "explain.log").string();
  ASSERT_EQ(Cli({"explain", "--run", Report(full)["run"].value("id", ""),
                 "--source-key", keys[3], "--object", "appointment", "--json"},
                explain),
            0)
      << ReadAll(explain);
  std::string text = ReadAll(explain);
  size_t at = text.rfind("\n{\n");
  json journey = json::parse(
      at == std::string::npos ? text : text.substr(at + 1), nullptr, false);
  ASSERT_TRUE(journey.is_object()) << text;
  ASSERT_EQ(journey["crm_ids"].size(), 1u) << journey.dump(2);
  const std::string gone = journey["crm_ids"][0].value("crm_id", "");
  ASSERT_FALSE(gone.empty());
  if (c.crm == "freshsales") {
    Api("DELETE", "/appointments/" + gone, json());
  } else if (c.crm == "pipedrive") {
    Api("DELETE", "/api/v2/activities/" + gone, json());
  } else {
    Api("DELETE", "/objects/custom_objects.appointment/records/" + gone,
        json());
  }

  std::map<std::string, int64_t> before_delta =
      testing::RequestsByRoute(emulator_);
  std::string delta = (root_ / "delta.json").string();
  ASSERT_EQ(Cli({"delta", "--config", config_, "--report-json", delta}, log_),
            0)
      << ReadAll(log_);
  json drep = Report(delta);
  ASSERT_TRUE(drep.value("balanced", false)) << drep.dump(2);
  const json* a = Object(drep, "appointment");
  ASSERT_NE(a, nullptr) << drep.dump(2);
  EXPECT_EQ(a->value("updated", 0), 3) << a->dump(2);
  EXPECT_EQ(a->value("created", 0), 1) << a->dump(2);  // the deleted one
  // One write each (PUT or PATCH of the record; the deleted one's answered
  // 404 and it was created again), and no GET of a record through the route
  // it is written by.
  std::map<std::string, int64_t> during = testing::RequestsByRoute(emulator_);
  for (auto& [route, n] : during) n -= before_delta[route];
  int64_t reads = 0, writes = 0;
  std::string routes;
  for (const auto& [route, n] : during) {
    if (n == 0 || route.empty()) continue;
    absl::StrAppend(&routes, route, " x", n, "\n");
    for (const std::string method : {"PUT ", "PATCH "}) {
      if (!absl::StartsWith(route, method)) continue;
      writes += n;
      auto read = during.find("GET " + route.substr(method.size()));
      if (read != during.end()) reads += read->second;
    }
  }
  EXPECT_EQ(reads, 0) << routes;
  EXPECT_EQ(writes, 4) << routes;
  EXPECT_GE(mentions(kTitle), 4u);

  // Rolled back: the full run's titles again and the record created again
  // gone, verified by reading back.
  std::string rlog = (root_ / "rollback-delta.log").string();
  ASSERT_EQ(Cli({"rollback", "--run", drep["run"].value("id", "")}, rlog), 0)
      << ReadAll(rlog);
  EXPECT_THAT(ReadAll(rlog), HasSubstr("verified by reading the CRM back"));
  EXPECT_EQ(mentions(kTitle), 0u);
}

INSTANTIATE_TEST_SUITE_P(Crms, LifecycleTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.crm; });

}  // namespace
}  // namespace bridgework
