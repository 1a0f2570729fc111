// Issue 9: patient data never reaches a log. A clinic export whose every
// text cell holds a distinctive canary ("CANARY-<field>-<i>-<run token>")
// goes through every command of the real binaries (`bridgework up
// --emulator freshsales`), failure paths included:
//
//   discover, propose, check, migrate --dry-run, a bad map (unknown PHI
//   policy), a bad config, approve, sample, migrate (a row the extractor
//   cannot read, a required field missing, an invalid phone, and an email
//   the CRM refuses), delta after a source change, reconcile, explain,
//   status, audit export, rollback of every run.
//
// Then the run token is searched (case-insensitively) in every service log
// under the state directory, in every command's stderr and in the stdout
// of every command but `explain` (which shows values by design, on stdout
// only): it must be found nowhere. The controls: the same search finds the
// token in the emulator's state (migrated fields), in the report and in
// explain's stdout, so a search that finds nothing is a real result.
//
// The map also exercises the PHI policies (docs/phi.md): the hashed SSN is
// in the CRM only as "hmac-sha256:<key id>:<hex>", stable across the delta;
// the dropped insurance id is not in the CRM at all; the note fields are
// lines of the contact's note field.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/random.h"
#include "libs/crm/http_client.h"
#include "libs/mapping/phi.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::ReadAll;

constexpr int kGoodPatients = 6;

// "q" and 12 random hex digits: never a hex-only string (no accidental
// numbers).
std::string RandomToken() { return "q" + RandomHex(6); }

// Where `needle` occurs in `haystack` (case-insensitively), or npos.
size_t FindToken(const std::string& haystack, const std::string& needle) {
  return absl::AsciiStrToLower(haystack).find(absl::AsciiStrToLower(needle));
}

class PhiCanaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() / absl::StrCat("bw-phi-canary-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "out");
    state_ = (root_ / "state").string();
    token_ = RandomToken();
    WriteSource(/*changed=*/false);
    WriteLayout();
    map_ = (root_ / "map.yaml").string();
    std::ofstream(map_) << MapText("hash");
    config_ = WriteConfig("config.yaml", map_, "");
  }

  void TearDown() override {
    testing::Stop(&suite_.pid);
    if (!HasFailure() && std::getenv("BRIDGEWORK_KEEP_TEST_DIR") == nullptr) {
      fs::remove_all(root_);
    }
  }

  std::string Canary(const std::string& field, int i) const {
    return absl::StrCat("CANARY-", field, "-", i, "-", token_);
  }

  // patients.csv and notes.csv. Rows 1..6 load; row 7's email is refused by
  // the CRM; row 8's birth date cannot be read; row 9 has no last name
  // (required); row 10 has a cell too many. `changed` edits patient 1 (a newer
  // updated_at) for the delta.
  void WriteSource(bool changed) {
    std::ofstream p(root_ / "data" / "patients.csv");
    p << "patient_id,first_name,last_name,email,mobile_phone,ssn,"
         "insurance_id,allergies,medical_alert,referral,birth_date,"
         "updated_at\n";
    for (int i = 1; i <= 9; ++i) {
      std::string email =
          absl::StrCat("canary-email-", i, "-", token_, "@clinic.example");
      if (i == 7) email = Canary("bademail", i);  // no '@': the CRM refuses
      std::string birth = i == 8 ? Canary("birth_date", i) : "1980-02-03";
      std::string last = i == 9 ? "" : Canary("last_name", i);
      std::string first = Canary("first_name", i);
      std::string updated = "2026-01-05 10:00:00";
      if (changed && i == 1) {
        first = Canary("first_name_changed", i);
        updated = "2026-02-01 10:00:00";
      }
      p << "P" << i << "," << first << "," << last << "," << email << ","
        << Canary("mobile_phone", i) << "," << Canary("ssn", i) << ","
        << Canary("insurance_id", i) << "," << Canary("allergies", i) << ","
        << Canary("medical_alert", i) << "," << Canary("referral", i) << ","
        << birth << "," << updated << "\n";
    }
    // A row with one cell too many: unreadable, quarantined at extract.
    p << "P10," << Canary("first_name", 10) << "," << Canary("extra", 10) << ","
      << Canary("last_name", 10) << ",,,,,,,,1980-02-03,"
      << "2026-01-05 10:00:00\n";
    std::ofstream n(root_ / "data" / "notes.csv");
    n << "note_id,patient_id,body,updated_at\n";
    for (int i = 1; i <= 3; ++i) {
      n << "N" << i << ",P" << i << "," << Canary("note_body", i)
        << ",2026-01-05 10:00:00\n";
    }
  }

  void WriteLayout() {
    std::ofstream(root_ / "layout.yaml")
        << "version: 1\n"
           "objects:\n"
           "  - object: patient\n"
           "    file: patients.csv\n"
           "    key: patient_id\n"
           "    updated_at: updated_at\n"
           "    columns:\n"
           "      - name: patient_id\n"
           "      - name: first_name\n"
           "      - name: last_name\n"
           "      - name: email\n"
           "      - name: mobile_phone\n"
           "      - name: ssn\n"
           "      - name: insurance_id\n"
           "      - name: allergies\n"
           "      - name: medical_alert\n"
           "      - name: referral\n"
           "      - {name: birth_date, type: date}\n"
           "      - {name: updated_at, type: timestamp}\n"
           "  - object: note\n"
           "    file: notes.csv\n"
           "    key: note_id\n"
           "    updated_at: updated_at\n"
           "    columns:\n"
           "      - name: note_id\n"
           "      - {name: patient_id, references: patient}\n"
           "      - name: body\n"
           "      - {name: updated_at, type: timestamp}\n";
  }

  // The map, with `ssn_policy` as the SSN's PHI policy ("hsh": a bad map).
  static std::string MapText(const std::string& ssn_policy) {
    return absl::StrCat(
        "version: 1\n"
        "source: canary\n"
        "destination: freshsales\n"
        "objects:\n"
        "  - source: patient\n"
        "    target: contact\n"
        "    external_key_field: external_id\n"
        "    phi_note: cf_clinical_note\n"
        "    fields:\n"
        "      - {to: first_name, from: first_name}\n"
        "      - {to: last_name, from: last_name, required: true}\n"
        "      - {to: email, from: email}\n"
        "      - {to: mobile_number, from: mobile_phone, transform: phone}\n"
        "      - {to: cf_ssn_hash, from: ssn, phi: ",
        ssn_policy,
        "}\n"
        "      - {to: cf_insurance_id, from: insurance_id, phi: drop}\n"
        "      - {to: Allergies, from: allergies, phi: note}\n"
        "      - {to: Medical alert, from: medical_alert, phi: note}\n"
        "      - {to: cf_referral, from: referral}\n"
        "      - {to: cf_date_of_birth, from: birth_date, transform: date}\n"
        "  - source: note\n"
        "    target: note\n"
        "    external_key_field: \"\"\n"
        "    fields:\n"
        "      - {to: description, from: body, required: true}\n"
        "    lookups:\n"
        "      - {to: targetable_id, from: patient_id, object: patient, "
        "target: contact}\n"
        "custom_fields:\n"
        "  - {entity: contacts, name: cf_ssn_hash, label: \"SSN (hashed)\", "
        "type: text}\n"
        "  - {entity: contacts, name: cf_clinical_note, label: \"Clinical "
        "note\", type: textarea}\n"
        "  - {entity: contacts, name: cf_referral, label: \"Referral\", type: "
        "text}\n"
        "  - {entity: contacts, name: cf_date_of_birth, label: \"Date of "
        "birth\", type: date}\n");
  }

  // A run config under root_ named `name`, reading `map`; `extra_run` is
  // appended to its run section (a bad key for the failure path).
  std::string WriteConfig(const std::string& name, const std::string& map,
                          const std::string& extra_run) {
    const std::string path = (root_ / name).string();
    std::ofstream(path) << "source:\n  system: canary\n  layout_csv:\n"
                        << "    directory: " << (root_ / "data").string()
                        << "\n    layout: " << (root_ / "layout.yaml").string()
                        << "\n    time_zone: America/Chicago\n"
                        << "destination:\n  crm: freshsales\n"
                        << "  account: canary-clinic\n  plan: enterprise\n"
                        << "  fallback_owner_email: owner@bridgework.example\n"
                        << "map: " << map << "\nrun:\n  phone_region: US\n"
                        << extra_run;
    return path;
  }

  // Runs `argv` with its stdout and stderr kept apart; the exit code.
  // Every command's stderr is scanned; its stdout too unless
  // `stdout_may_show_values` (explain).
  int Run(const std::string& label, const std::vector<std::string>& argv,
          bool stdout_may_show_values = false) {
    const std::string out = (root_ / "out" / (label + ".stdout")).string();
    const std::string err = (root_ / "out" / (label + ".stderr")).string();
    std::vector<std::string> quoted;
    for (const auto& a : argv) quoted.push_back("'" + a + "'");
    const int code =
        testing::RunCommand({"sh", "-c",
                             absl::StrCat(absl::StrJoin(quoted, " "), " >'",
                                          out, "' 2>'", err, "'")},
                            (root_ / "out" / "sh.log").string());
    scanned_.push_back(err);
    if (!stdout_may_show_values) scanned_.push_back(out);
    last_output_ = ReadAll(out) + ReadAll(err);
    return code;
  }

  std::vector<std::string> Cli(std::vector<std::string> args) {
    args.insert(args.begin(), Bin("bridgework"));
    return args;
  }

  json State() {
    auto r = crm::MakeCurlHttpClient()->Send(
        crm::HttpRequest::Get(suite_.emulator + "/__sandbox/state"));
    if (!r.ok()) return json();
    return json::parse(r->body, nullptr, false);
  }

  // The contacts of the emulator's state by external_id ("canary:patient:P1").
  std::map<std::string, json> Contacts() {
    std::map<std::string, json> out;
    for (const json& c : State().value("contacts", json::array())) {
      out[c.value("external_id", "")] = c;
    }
    return out;
  }

  // The text of every service's Prometheus /metrics endpoint (`bridgework
  // up --metrics` names them in services.json), scanned like the logs.
  // Empty when the suite was started without --metrics.
  std::vector<std::pair<std::string, std::string>> ScrapeMetrics() {
    std::vector<std::pair<std::string, std::string>> bodies;
    const json services = json::parse(ReadAll(suite_.services), nullptr, false);
    if (services.is_object() && services.contains("metrics")) {
      for (const auto& [name, address] : services["metrics"].items()) {
        auto r = crm::MakeCurlHttpClient()->Send(crm::HttpRequest::Get(
            absl::StrCat("http://", address.get<std::string>(), "/metrics")));
        if (r.ok()) bodies.emplace_back("metrics of " + name, r->body);
      }
    }
    return bodies;
  }

  // The search: every `.log` file under the test's directory (service logs
  // under the state directory, `bridgework up`'s output, private
  // extractors' logs), and every command's stderr and stdout but explain's;
  // plus `extra` (metrics bodies). The run token must be in none of them.
  void ExpectNoTokenInLogs(
      const std::vector<std::pair<std::string, std::string>>& extra) {
    // (The ledger's directory is not a log: its RocksDB write-ahead files end
    // in .log and hold the written projections; ledger_security_test covers
    // encryption at rest.)
    std::vector<std::string> logs;
    const fs::path ledger = fs::path(state_) / "ledger";
    for (auto it = fs::recursive_directory_iterator(root_);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->path() == ledger) {
        it.disable_recursion_pending();
        continue;
      }
      const std::string path = it->path().string();
      if (it->is_regular_file() && absl::EndsWith(path, ".log")) {
        logs.push_back(path);
      }
    }
    for (const char* service :
         {"extractor", "transformer", "loader", "auditor", "sandbox"}) {
      const std::string log = absl::StrCat(state_, "/", service, ".log");
      EXPECT_TRUE(std::find(logs.begin(), logs.end(), log) != logs.end())
          << log;
      EXPECT_FALSE(ReadAll(log).empty()) << log << " is empty";
    }
    for (const std::string& path : scanned_) {
      if (std::find(logs.begin(), logs.end(), path) == logs.end()) {
        logs.push_back(path);
      }
    }
    size_t bytes = 0;
    for (const std::string& path : logs) {
      const std::string text = ReadAll(path);
      bytes += text.size();
      const size_t at = FindToken(text, token_);
      EXPECT_EQ(at, std::string::npos)
          << path << " holds a patient value: ..."
          << text.substr(
                 at == std::string::npos ? 0 : at - std::min<size_t>(at, 80),
                 200);
    }
    for (const auto& [what, body] : extra) {
      EXPECT_EQ(FindToken(body, token_), std::string::npos) << what;
    }
    std::printf("canary search: %zu files, %zu bytes, token %s\n", logs.size(),
                bytes, token_.c_str());
    RecordProperty("files_scanned", static_cast<int>(logs.size()));
    RecordProperty("bytes_scanned", static_cast<int>(bytes));
    EXPECT_GT(bytes, 1000u);
  }

  fs::path root_;
  std::string state_, token_, map_, config_;
  testing::Suite suite_;
  std::vector<std::string> scanned_;
  std::string last_output_;
};

TEST_F(PhiCanaryTest, NoPatientValueInAnyLogOrErrorOutput) {
  // Commands that need no service.
  EXPECT_EQ(Run("discover", Cli({"discover", "--source", config_, "--out",
                                 (root_ / "discovery").string(), "--state-dir",
                                 (root_ / "discover-state").string()})),
            0)
      << last_output_;
  EXPECT_EQ(Run("propose",
                Cli({"propose", "--source", config_, "--dest", "freshsales",
                     "-o", (root_ / "proposed.yaml").string(), "--state-dir",
                     (root_ / "propose-state").string()})),
            0)
      << last_output_;

  // A bad map and a bad config are refused before any service is asked.
  const std::string bad_map = (root_ / "bad-map.yaml").string();
  std::ofstream(bad_map) << MapText("hsh");
  const std::string bad_map_config =
      WriteConfig("bad-map.yaml.cfg", bad_map, "");
  EXPECT_EQ(Run("bad-map", Cli({"check", "--config", bad_map_config})), 2);
  EXPECT_THAT(last_output_, HasSubstr("bad-map.yaml:14: "));
  EXPECT_THAT(last_output_, HasSubstr("unknown PHI policy 'hsh'"));
  EXPECT_THAT(last_output_, HasSubstr("cf_ssn_hash"));
  const std::string bad_config =
      WriteConfig("bad-config.yaml", map_, "  phi_everything: true\n");
  EXPECT_EQ(Run("bad-config", Cli({"migrate", "--config", bad_config})), 2);

  ASSERT_TRUE(testing::StartSuite("freshsales", config_, state_,
                                  (root_ / "out" / "up.log").string(), &suite_,
                                  {"--metrics"}))
      << ReadAll((root_ / "out" / "up.log").string());
  const std::string svc = suite_.services;

  EXPECT_EQ(
      Run("check", Cli({"check", "--config", config_, "--services", svc})), 0)
      << last_output_;
  EXPECT_EQ(Run("dry-run",
                Cli({"migrate", "--config", config_, "--services", svc,
                     "--dry-run", "--report-dir", (root_ / "dry").string()})),
            0)
      << last_output_;
  // Unapproved: refused.
  EXPECT_NE(Run("unapproved",
                Cli({"migrate", "--config", config_, "--services", svc})),
            0);
  EXPECT_EQ(Run("approve", Cli({"approve", map_, "--by", "canary@clinic",
                                "--services", svc})),
            0)
      << last_output_;
  // A sample of every record, read back and diffed (exit 0: no mismatch).
  EXPECT_EQ(Run("sample",
                Cli({"sample", "--config", config_, "--services", svc, "--size",
                     "100", "--report-dir", (root_ / "sample").string()})),
            0)
      << last_output_;
  EXPECT_EQ(
      Run("migrate", Cli({"migrate", "--config", config_, "--services", svc,
                          "--report-dir", (root_ / "migrate").string()})),
      0)
      << last_output_;
  const json report = json::parse(
      ReadAll((root_ / "migrate" / "report.json").string()), nullptr, false);
  ASSERT_TRUE(report.is_object());
  const std::string migrate_run = report["run"].value("id", "");
  ASSERT_FALSE(migrate_run.empty()) << report.dump(2);

  // The records the CRM holds: migrated fields hold their canaries (the
  // control); the SSN only as its keyed hash; no insurance id; the note
  // fields as lines of the note field. The refused email's record is not
  // there.
  std::map<std::string, json> contacts = Contacts();
  ASSERT_EQ(contacts.size(), static_cast<size_t>(kGoodPatients))
      << State().dump(2);
  const std::string crm_state = State().dump();
  EXPECT_NE(FindToken(crm_state, Canary("first_name", 1)), std::string::npos);
  EXPECT_NE(FindToken(crm_state, Canary("note_body", 2)), std::string::npos);
  std::map<std::string, std::string> ssn_hash;
  for (int i = 1; i <= kGoodPatients; ++i) {
    const json& c = contacts[absl::StrCat("canary:patient:P", i)];
    const json& cf = c["custom_field"];
    ssn_hash[c.value("external_id", "")] = cf.value("cf_ssn_hash", "");
    EXPECT_THAT(cf.value("cf_ssn_hash", ""),
                MatchesRegex("hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}"));
    EXPECT_EQ(cf.value("cf_clinical_note", ""),
              absl::StrCat("Allergies: ", Canary("allergies", i),
                           "\nMedical alert: ", Canary("medical_alert", i)));
  }
  for (int i = 1; i <= 9; ++i) {
    EXPECT_EQ(FindToken(crm_state, Canary("ssn", i)), std::string::npos);
    EXPECT_EQ(FindToken(crm_state, Canary("insurance_id", i)),
              std::string::npos);
  }
  // Every patient's hash differs (a keyed hash of distinct values).
  std::set<std::string> distinct;
  for (const auto& [k, h] : ssn_hash) distinct.insert(h);
  EXPECT_EQ(distinct.size(), ssn_hash.size());
  // The report names the policies and the key, and the failures by field.
  // The sample's report holds values by design (its field diff): the
  // search finds them there.
  EXPECT_NE(
      FindToken(ReadAll((root_ / "sample" / "report.json").string()), token_),
      std::string::npos);
  const json& phi = report["extra"]["phi"];
  ASSERT_TRUE(phi.is_object()) << report["extra"].dump(2);
  EXPECT_TRUE(phi.value("key_default", false));
  EXPECT_EQ(phi.value("key_id", ""), ssn_hash.begin()->second.substr(12, 8));
  EXPECT_THAT(phi["fields"].dump(), HasSubstr("\"policy\":\"drop\""));

  // The source changes: patient 1 is edited; a delta updates it. The hash
  // of an unchanged value is the same in every run.
  WriteSource(/*changed=*/true);
  EXPECT_EQ(Run("delta", Cli({"delta", "--config", config_, "--services", svc,
                              "--report-dir", (root_ / "delta").string()})),
            0)
      << last_output_;
  contacts = Contacts();
  EXPECT_EQ(contacts["canary:patient:P1"].value("first_name", ""),
            Canary("first_name_changed", 1));
  for (const auto& [key, hash] : ssn_hash) {
    EXPECT_EQ(contacts[key]["custom_field"].value("cf_ssn_hash", ""), hash)
        << key;
  }
  const json delta = json::parse(
      ReadAll((root_ / "delta" / "report.json").string()), nullptr, false);
  const std::string delta_run = delta["run"].value("id", "");

  EXPECT_EQ(
      Run("reconcile", Cli({"reconcile", "--config", config_, "--services", svc,
                            "--report-dir", (root_ / "reconcile").string()})),
      0)
      << last_output_;
  EXPECT_EQ(Run("status", Cli({"status", "--services", svc})), 0);
  EXPECT_EQ(Run("status-run",
                Cli({"status", "--run", migrate_run, "--services", svc})),
            0);
  EXPECT_EQ(
      Run("audit-export", Cli({"audit", "export", "--run", migrate_run, "-o",
                               (root_ / "audit").string(), "--services", svc})),
      0)
      << last_output_;
  // explain shows values on stdout (by design; never in a log) and the
  // record's PHI policies: its stdout is the third control.
  EXPECT_EQ(Run("explain",
                Cli({"explain", "--run", migrate_run, "--source-key", "P2",
                     "--config", config_, "--services", svc}),
                /*stdout_may_show_values=*/true),
            0)
      << last_output_;
  EXPECT_NE(FindToken(last_output_, Canary("referral", 2)), std::string::npos);
  EXPECT_THAT(last_output_, HasSubstr("cf_ssn_hash: hash"));
  EXPECT_THAT(last_output_, HasSubstr("cf_insurance_id: drop"));
  EXPECT_THAT(last_output_, HasSubstr(ssn_hash["canary:patient:P2"]));
  // An explain of the record the CRM refused, and of the unreadable row.
  EXPECT_EQ(Run("explain-refused",
                Cli({"explain", "--run", migrate_run, "--source-key", "P7",
                     "--config", config_, "--services", svc}),
                true),
            0)
      << last_output_;

  // Rollback of every run, newest first.
  for (const std::string& run : {delta_run, migrate_run}) {
    EXPECT_EQ(Run("rollback-" + run,
                  Cli({"rollback", "--run", run, "--services", svc})),
              0)
        << last_output_;
  }
  const json sample_report = json::parse(
      ReadAll((root_ / "sample" / "report.json").string()), nullptr, false);
  const std::string sample_run = sample_report["run"].value("id", "");
  EXPECT_EQ(Run("rollback-sample",
                Cli({"rollback", "--run", sample_run, "--services", svc})),
            0)
      << last_output_;
  EXPECT_TRUE(Contacts().empty()) << State().dump(2);

  // The metrics endpoints, while the services run.
  std::vector<std::pair<std::string, std::string>> extra = ScrapeMetrics();
  // Extractor, transformer, loader and auditor, each with the run's
  // records counted (so the bodies scanned are not empty ones).
  ASSERT_EQ(extra.size(), 4u);
  for (const auto& [name, body] : extra) {
    EXPECT_THAT(body, HasSubstr("bridgework_")) << name;
  }
  testing::Stop(&suite_.pid);

  ExpectNoTokenInLogs(extra);
}

// The master key given to `bridgework up --phi-key-file` keys the hash (the
// CRM holds HMAC(key derived for this account, value), recomputed here),
// the report says it is not the default, and neither the key nor a value
// reaches a log (the key file's content contains the run token).
TEST_F(PhiCanaryTest, KeyFileKeysTheHashAndStaysOutOfLogs) {
  const std::string key_file = (root_ / "phi.key").string();
  const std::string master =
      absl::StrCat("phi-master-", token_, "-", std::string(32, 'k'));
  std::ofstream(key_file) << master << "\n";
  ASSERT_TRUE(testing::StartSuite("freshsales", config_, state_,
                                  (root_ / "out" / "up.log").string(), &suite_,
                                  {"--phi-key-file", key_file}))
      << ReadAll((root_ / "out" / "up.log").string());
  const std::string svc = suite_.services;
  EXPECT_EQ(Run("approve", Cli({"approve", map_, "--by", "canary@clinic",
                                "--services", svc})),
            0);
  EXPECT_EQ(
      Run("migrate", Cli({"migrate", "--config", config_, "--services", svc,
                          "--report-dir", (root_ / "migrate").string()})),
      0)
      << last_output_;
  const mapping::PhiKey key =
      mapping::DerivePhiKey(master, "freshsales", "canary-clinic");
  EXPECT_FALSE(key.derived_default);
  std::map<std::string, json> contacts = Contacts();
  ASSERT_EQ(contacts.size(), static_cast<size_t>(kGoodPatients));
  for (int i = 1; i <= kGoodPatients; ++i) {
    EXPECT_EQ(
        contacts[absl::StrCat("canary:patient:P", i)]["custom_field"].value(
            "cf_ssn_hash", ""),
        mapping::HashPhi(key, Canary("ssn", i)));
  }
  const json report = json::parse(
      ReadAll((root_ / "migrate" / "report.json").string()), nullptr, false);
  ASSERT_TRUE(report.is_object());
  EXPECT_FALSE(report["extra"]["phi"].value("key_default", true));
  EXPECT_EQ(report["extra"]["phi"].value("key_id", ""), key.id);
  testing::Stop(&suite_.pid);
  ExpectNoTokenInLogs({});
}

}  // namespace
}  // namespace bridgework
