// `bridgework reconcile` and `bridgework explain` through the real binaries:
// generated Practice by Numbers data migrated with the shipped map into
// each CRM's emulator (`bridgework up --emulator <crm>`), reconciled (pass),
// one patient explained; then one note deleted and one patient's account
// link moved to another account directly through the emulator's public API
// (with the token `up` gave it), and reconciled again: it fails, naming
// both. No patient value appears in the reconciliation's files or output.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "libs/crm/http_client.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadAll;
using testing::RunCommand;

constexpr char kToken[] = "it-reconcile-crm-token";

// A CRM's emulator API: where a record lives, how to delete it and how to
// move a patient's account link (the patient's target object and field).
struct CrmCase {
  std::string crm;
  std::string patient_target;  // "contact"
  std::string link_field;      // "sales_accounts"
};

std::vector<CrmCase> Cases() {
  return {{"freshsales", "contact", "sales_accounts"},
          {"pipedrive", "person", "org_id"},
          {"highlevel", "contact", "businessId"}};
}

class ReconcileTest : public ::testing::TestWithParam<CrmCase> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            absl::StrCat("bw-reconcile-", GetParam().crm, "-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = (root_ / "commands.log").string();
    data_ = (root_ / "data").string();
    ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out", data_,
                          "--patients", "60", "--seed", "11"},
                         log_),
              0)
        << ReadAll(log_);
    const std::string example =
        testing::SourceDir() + "/examples/pbn-" + GetParam().crm;
    map_path_ = fs::absolute(example + "/map.yaml").string();
    std::string text = ReadAll(example + "/config.yaml");
    ASSERT_FALSE(text.empty());
    Replace(&text, "\nmap:", "map: " + map_path_);
    Replace(&text, "directory:", "directory: " + data_);
    config_ = (root_ / "config.yaml").string();
    std::ofstream(config_) << text;
    // `up --config` gives the emulator the token the loader uses.
    setenv("BRIDGEWORK_CRM_TOKEN", kToken, 1);
  }

  void TearDown() override {
    testing::Stop(&up_);
    if (!HasFailure()) fs::remove_all(root_);
  }

  // Replaces the rest of the line starting at `key` with `line`.
  static void Replace(std::string* text, const std::string& key,
                      const std::string& line) {
    size_t at = text->find(key);
    ASSERT_NE(at, std::string::npos) << key;
    if ((*text)[at] == '\n') ++at;
    size_t end = text->find('\n', at);
    text->replace(at, end - at, line);
  }

  // Runs `bridgework <args>` with its output in `<name>.log`; the exit
  // code, and the output in `*out`.
  int Bridgework(const std::string& name, std::vector<std::string> args,
                 std::string* out) {
    const std::string log = (root_ / (name + ".log")).string();
    fs::remove(log);
    args.insert(args.begin(), Bin("bridgework"));
    int rc = RunCommand(args, log);
    *out = ReadAll(log);
    return rc;
  }

  json Reconcile(const std::string& name, int expected_rc) {
    std::string out;
    const std::string dir = (root_ / name).string();
    EXPECT_EQ(Bridgework(name,
                         {"reconcile", "--config", config_, "--services",
                          services_, "--report-dir", dir},
                         &out),
              expected_rc)
        << out;
    console_[name] = out;
    EXPECT_TRUE(fs::exists(dir + "/reconcile.html"));
    return json::parse(ReadAll(dir + "/reconcile.json"), nullptr, false);
  }

  json Explain(const std::string& object, const std::string& key) {
    std::string out;
    EXPECT_EQ(Bridgework("explain-" + object + "-" + key,
                         {"explain", "--run", run_id_, "--source-key", key,
                          "--object", object, "--config", config_, "--services",
                          services_, "--json"},
                         &out),
              0)
        << out;
    return json::parse(out, nullptr, false);
  }

  // The CRM id of the first record of `object` (in `file`, key `column`)
  // that the run loaded into `target`, with its key.
  std::pair<std::string, std::string> FirstLoaded(const std::string& object,
                                                  const std::string& file,
                                                  const std::string& column,
                                                  const std::string& target) {
    for (const std::string& key :
         testing::CsvColumn(data_ + "/" + file, column)) {
      json e = Explain(object, key);
      for (const json& m : e.value("crm_ids", json::array())) {
        if (m.value("target_object", "") == target)
          return {key, m.value("crm_id", "")};
      }
    }
    ADD_FAILURE() << "no " << object << " was loaded as " << target;
    return {};
  }

  // A request to the emulator's API with the CRM's own authentication.
  crm::HttpResponse Call(const std::string& method, const std::string& path,
                         const json& body) {
    const std::string& crm = GetParam().crm;
    crm::HttpRequest r;
    r.method = method;
    r.url = absl::StrCat(emulator_, crm == "freshsales" ? "/crm/sales/api" : "",
                         path);
    r.headers.push_back("Content-Type: application/json");
    if (crm == "freshsales") {
      r.headers.push_back(absl::StrCat("Authorization: Token token=", kToken));
    } else if (crm == "pipedrive") {
      r.headers.push_back(absl::StrCat("x-api-token: ", kToken));
    } else {
      r.headers.push_back(absl::StrCat("Authorization: Bearer ", kToken));
      r.headers.push_back("Version: 2021-07-28");
    }
    if (!body.is_null()) r.body = body.dump();
    auto resp = crm::MakeCurlHttpClient()->Send(r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : crm::HttpResponse();
  }

  void DeleteNote(const std::string& id) {
    const std::string& crm = GetParam().crm;
    std::string path = crm == "freshsales"  ? "/notes/" + id
                       : crm == "pipedrive" ? "/api/v1/notes/" + id
                                            : "";
    if (crm == "highlevel") {  // "<contact>/<note>"
      const size_t slash = id.find('/');
      path = absl::StrCat("/contacts/", id.substr(0, slash), "/notes/",
                          id.substr(slash + 1));
    }
    crm::HttpResponse r = Call("DELETE", path, json());
    EXPECT_LT(r.status, 300) << r.status << " " << r.body;
  }

  // Links the patient's record to another account.
  void MoveToAccount(const std::string& id, const std::string& account) {
    const std::string& crm = GetParam().crm;
    crm::HttpResponse r;
    if (crm == "freshsales") {
      r = Call("PUT", "/contacts/" + id,
               {{"contact",
                 {{"sales_accounts", json::array({{{"id", std::stoll(account)},
                                                   {"is_primary", true}}})}}}});
    } else if (crm == "pipedrive") {
      r = Call("PATCH", "/api/v2/persons/" + id,
               {{"org_id", std::stoll(account)}});
    } else {
      r = Call("POST", "/contacts/bulk/business",
               {{"locationId", "bwDemoLocation000001"},
                {"ids", json::array({id})},
                {"businessId", account}});
    }
    EXPECT_LT(r.status, 300) << r.status << " " << r.body;
  }

  fs::path root_;
  std::string log_, data_, map_path_, config_, services_, emulator_, run_id_;
  std::map<std::string, std::string> console_;
  pid_t up_ = -1;
};

TEST_P(ReconcileTest, PassesAfterAMigrationAndNamesWhatBreaks) {
  const CrmCase& c = GetParam();
  testing::Suite suite;
  const bool up = testing::StartSuite(c.crm, config_,
                                      (root_ / "state").string(), log_, &suite);
  up_ = suite.pid;
  ASSERT_TRUE(up) << ReadAll(log_);
  services_ = suite.services;
  emulator_ = suite.emulator;
  std::string out;
  ASSERT_EQ(Bridgework("approve",
                       {"approve", map_path_, "--by", "it-reviewer",
                        "--services", services_},
                       &out),
            0)
      << out;
  const std::string report = (root_ / "report.json").string();
  ASSERT_EQ(Bridgework("migrate",
                       {"migrate", "--config", config_, "--services", services_,
                        "--report-json", report},
                       &out),
            0)
      << out;
  const json migrated = json::parse(ReadAll(report));
  run_id_ = migrated["run"].value("id", "");

  // A clean migration reconciles: every object adds up against the source
  // and the run's report, every mapped record is in the CRM, every link
  // points at its parent's CRM id.
  json r = Reconcile("reconcile", 0);
  ASSERT_TRUE(r.is_object());
  const json& rec = r["reconcile"];
  EXPECT_TRUE(rec["pass"]) << rec["failures"].dump(2);
  EXPECT_EQ(r["schema"], "bridgework.reconcile/v1");
  std::map<std::string, json> extracted;
  for (const json& o : migrated["objects"]) extracted[o["source_object"]] = o;
  ASSERT_FALSE(rec["objects"].empty());
  for (const json& o : rec["objects"]) {
    const std::string name = o["source_object"];
    EXPECT_TRUE(o["balanced"]) << o.dump();
    EXPECT_EQ(o["ledger"], o["crm"]) << name;
    EXPECT_EQ(o["source"], extracted[name]["extracted"]) << name;
    EXPECT_EQ(o["source"].get<int64_t>(),
              o["mapped"].get<int64_t>() + o["merged"].get<int64_t>() +
                  o["quarantined"].get<int64_t>() + o["skipped"].get<int64_t>())
        << o.dump();
    EXPECT_EQ(o["quarantined"], extracted[name]["quarantined"]) << name;
    EXPECT_EQ(o["skipped"], extracted[name]["skipped"]) << name;
  }
  ASSERT_FALSE(rec["relationships"].empty());
  bool patient_link = false;
  for (const json& l : rec["relationships"]) {
    EXPECT_EQ(l["broken"], 0) << l.dump();
    EXPECT_GT(l["intact"].get<int64_t>(), 0) << l.dump();
    patient_link |= l["relationship"] == c.patient_target + "." + c.link_field;
  }
  EXPECT_TRUE(patient_link) << rec["relationships"].dump();
  EXPECT_EQ(rec["fill_rate"]["rate"], 1.0) << rec["fill_rate"].dump();
  EXPECT_GT(rec["fill_rate"]["written"].get<int64_t>(), 0);
  EXPECT_EQ(rec["owner_rate"]["rate"], 1.0) << rec["owner_rate"].dump();
  EXPECT_EQ(rec["drift_records"], 0) << rec["drift"].dump(2);
  EXPECT_FALSE(rec["quarantined"].empty());  // the sample's bad rows
  EXPECT_THAT(console_["reconcile"], HasSubstr("reconcile: PASS"));

  // Explain one loaded patient: its row, the transformed record, the
  // run's operations and its CRM id.
  auto [patient, patient_id] =
      FirstLoaded("patient", "patients.csv", "patient_id", c.patient_target);
  ASSERT_FALSE(patient_id.empty());
  json e = Explain("patient", patient);
  EXPECT_TRUE(e["source"]["found"]);
  EXPECT_FALSE(e["source"]["fields"].empty());
  ASSERT_FALSE(e["transformed"]["records"].empty());
  EXPECT_EQ(e["transformed"]["records"][0]["target_object"], c.patient_target);
  bool created = false;
  for (const json& op : e["operations"]) {
    EXPECT_EQ(op["source_key"], patient);
    created |= op["kind"] == "create" && op["state"] == "applied" &&
               op["crm_id"] == patient_id;
  }
  EXPECT_TRUE(created) << e["operations"].dump(2);
  EXPECT_EQ(e["disposition"]["status"], "loaded");
  EXPECT_EQ(e["disposition"]["crm_id"], patient_id);
  ASSERT_FALSE(e["diff"].empty());
  EXPECT_TRUE(e["diff"][0]["found"]);
  EXPECT_TRUE(e["diff"][0]["raw"].is_object());
  ASSERT_FALSE(e["written_diff"].empty());
  for (const json& f : e["written_diff"][0]["fields"]) {
    EXPECT_TRUE(f["match"]) << f.dump();
  }
  ASSERT_EQ(Bridgework("explain-text",
                       {"explain", "--run", run_id_, "--source-key", patient,
                        "--config", config_, "--services", services_},
                       &out),
            0)
      << out;
  EXPECT_THAT(out, HasSubstr("== Ledger operations in run " + run_id_));
  EXPECT_THAT(out, HasSubstr(patient_id));
  EXPECT_THAT(out, HasSubstr("create"));

  // Break two things in the CRM, through its API: delete a note, and move
  // the patient to the other location's account.
  auto [note, note_id] = FirstLoaded("note", "notes.csv", "note_id", "note");
  ASSERT_FALSE(note_id.empty());
  DeleteNote(note_id);
  std::string other_account;
  for (const std::string& location :
       testing::CsvColumn(data_ + "/locations.csv", "location_id")) {
    const json at = Explain("location", location);
    for (const json& m : at["crm_ids"]) {
      bool linked = false;
      for (const json& f : e["written_diff"][0]["fields"]) {
        if (f["field"] != c.link_field) continue;
        for (const json& id : f["expected"]) linked |= id == m["crm_id"];
      }
      if (!linked) other_account = m.value("crm_id", "");
    }
  }
  ASSERT_FALSE(other_account.empty());
  MoveToAccount(patient_id, other_account);

  json broken = Reconcile("reconcile-broken", 1);
  ASSERT_TRUE(broken.is_object());
  const json& b = broken["reconcile"];
  EXPECT_FALSE(b["pass"]);
  const std::vector<std::string> failures = b["failures"];
  EXPECT_THAT(failures, Contains(HasSubstr(absl::StrCat(
                            "note ", note, ": the ledger maps it to note ",
                            note_id, ", which is not in the CRM"))));
  const std::string link = c.patient_target + "." + c.link_field;
  EXPECT_THAT(failures, Contains(HasSubstr(absl::StrCat(
                            link, ": patient ", patient, " (", c.patient_target,
                            " ", patient_id, "): "))));
  EXPECT_EQ(b["failure_count"], 2) << b["failures"].dump(2);
  ASSERT_EQ(b["missing"].size(), 1u);
  EXPECT_EQ(b["missing"][0]["source_key"], note);
  for (const json& l : b["relationships"]) {
    if (l["relationship"] != link) continue;
    EXPECT_EQ(l["broken"], 1);
    EXPECT_EQ(l["broken_records"][0]["source_key"], patient);
  }
  for (const json& o : b["objects"]) {
    if (o["source_object"] == "note") EXPECT_EQ(o["missing_in_crm"], 1);
  }
  EXPECT_THAT(console_["reconcile-broken"], HasSubstr("reconcile: FAIL"));
  EXPECT_THAT(console_["reconcile-broken"],
              HasSubstr(absl::StrCat("FAIL note ", note)));

  // No patient data in the reconciliation's files or output.
  std::vector<std::string> secrets;
  for (const char* column :
       {"first_name", "last_name", "email", "mobile_phone", "address_line1"}) {
    for (std::string& v :
         testing::CsvColumn(data_ + "/patients.csv", column, 5)) {
      secrets.push_back(std::move(v));
    }
  }
  ASSERT_GE(secrets.size(), 100u);
  for (const char* name : {"reconcile", "reconcile-broken"}) {
    const std::string json_text =
        ReadAll((root_ / name / "reconcile.json").string());
    const std::string html =
        ReadAll((root_ / name / "reconcile.html").string());
    for (const std::string& s : secrets) {
      ASSERT_THAT(json_text, Not(HasSubstr(s))) << name;
      ASSERT_THAT(html, Not(HasSubstr(s))) << name;
      ASSERT_THAT(console_[name], Not(HasSubstr(s))) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Crms, ReconcileTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.crm; });

}  // namespace
}  // namespace bridgework
