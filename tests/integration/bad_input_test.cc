// Issue 8, bad input: every case of the corpus in tests/data/bad/ (see its
// README.md) through the real binaries. Data cases run one after another
// against one `bridgework up --emulator freshsales`, each a migration of
// its own export (the base export with the case's files laid over it) into
// an emptied emulator, under its own account. For each case: the run
// completes (exit 0: quarantined records do not fail a run), every
// object's counts add up (extracted = loaded + quarantined + skipped) and
// equal the case's, each bad record has one message naming file, line or
// record, and field, and no bad value appears in the CLI's output,
// report.json or any service log. Sources the map cannot read refuse
// before a run begins; config and map errors exit non-zero with one line
// naming file, line and key.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/crm/http_client.h"
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

// extracted, loaded, quarantined, skipped of one object.
struct Counts {
  int64_t extracted, loaded, quarantined, skipped;
};

// The base export (tests/data/bad/base): one record per object, all good.
const std::map<std::string, Counts>& BaseCounts() {
  static const auto* counts = new std::map<std::string, Counts>{
      {"location", {1, 1, 0, 0}},
      {"provider", {1, 0, 0, 1}},  // a reference object: skipped by rule
      {"patient", {1, 1, 0, 0}},
      {"payment", {1, 1, 0, 0}},
      {"note", {1, 1, 0, 0}}};
  return *counts;
}

// Values of the base export: patient data that no log may hold either.
const std::vector<std::string>& BaseValues() {
  static const auto* values = new std::vector<std::string>{
      "Quillfeather", "ana.quillfeather@mail.example", "(512) 555-0142",
      "Brimblecombe", "Prefers morning visits"};
  return *values;
}

// One message the report must hold for an object: among its quarantined
// records, or among the run's warnings.
struct Message {
  std::string object;
  bool warning;       // extra.warnings rather than the object's quarantine
  std::string field;  // the field to blame; "" when the row is (no field)
  std::string text;   // the entry's `message`
};

struct DataCase {
  std::string name;  // tests/data/bad/cases/<name>, or generated
  // Objects whose counts differ from BaseCounts().
  std::map<std::string, Counts> counts;
  std::vector<Message> messages;
  // The bad values: never in the CLI's output, the report or a log.
  std::vector<std::string> secrets = {};
  // Writes generated files into the export directory (NUL bytes, notes of
  // several megabytes are not checked in).
  std::function<void(const fs::path& data)> generate = nullptr;
  // Checks the emulator's state after the run.
  std::function<void(const json& state)> check_crm = nullptr;
};

const json* Record(const json& state, const std::string& table,
                   const std::string& external_id) {
  for (const auto& r : state[table]) {
    if (r.value("external_id", "") == external_id) return &r;
  }
  return nullptr;
}

std::string Text(const json& record, const std::string& field) {
  if (!record.contains(field) || !record[field].is_string()) return "";
  return record[field].get<std::string>();
}

std::string Custom(const json& record, const std::string& field) {
  if (!record.contains("custom_field")) return "";
  return Text(record["custom_field"], field);
}

const char kPatientsHeader[] =
    "patient_id,first_name,last_name,email,mobile_phone,birth_date,status,"
    "location_id,primary_provider_id\n";
const char kGoodPatient[] =
    "P1,Ana,Quillfeather,ana.quillfeather@mail.example,(512) 555-0142,"
    "1980-02-29,active,L1,PR1\n";
// A line of a clinical note; the notes of several megabytes repeat it.
const char kNoteLine[] =
    "Zqvhuge: sensitivity on the lower left molar; fluoride varnish.\n";
constexpr size_t kMiB = size_t{1} << 20;

// notes.csv with a 3 MiB note (loads, split by the connector), a 9 MiB one
// (over the reader's 8 MiB row limit) and a short one.
void WriteHugeNotes(const fs::path& data) {
  std::string body3, body9;
  while (body3.size() < 3 * kMiB) body3 += kNoteLine;
  while (body9.size() < 9 * kMiB) body9 += kNoteLine;
  std::ofstream out(data / "notes.csv", std::ios::binary);
  out << "note_id,patient_id,body\n"
      << "N1,P1,\"" << body3 << "\"\n"
      << "N2,P1,\"" << body9 << "\"\n"
      << "N3,P1,Short note.\n";
}

// The line N2 starts on: the header, N1's first line and its line breaks.
int64_t HugeNoteLine() {
  int64_t lines = 0;
  size_t size = 0;
  while (size < 3 * kMiB) {
    size += std::strlen(kNoteLine);
    ++lines;
  }
  return 2 + lines + 1;
}

std::vector<DataCase> DataCases() {
  const Counts three_loaded = {3, 3, 0, 0};
  const Counts one_of_three = {3, 2, 1, 0};
  return {
      {"bom",
       {{"patient", {2, 2, 0, 0}}},
       {},
       {},
       nullptr,
       [](const json& s) {
         // The byte-order mark is not part of the key column's name.
         EXPECT_NE(Record(s, "contacts", "pbn:patient:P1"), nullptr);
         EXPECT_NE(Record(s, "contacts", "pbn:patient:P3"), nullptr);
       }},
      {"crlf",
       {{"patient", {2, 2, 0, 0}}},
       {},
       {},
       nullptr,
       [](const json& s) {
         // No carriage return is left on the last column's values: the
         // statuses are in the map's value list.
         const json* p1 = Record(s, "contacts", "pbn:patient:P1");
         const json* p3 = Record(s, "contacts", "pbn:patient:P3");
         ASSERT_TRUE(p1 && p3);
         EXPECT_EQ(Custom(*p1, "cf_patient_status"), "Active");
         EXPECT_EQ(Custom(*p3, "cf_patient_status"), "Inactive");
         ASSERT_EQ(s["sales_accounts"].size(), 1u);
         EXPECT_EQ(Text(s["sales_accounts"][0], "city"), "Austin");
       }},
      {"dangling-reference",
       {{"patient", one_of_three}, {"payment", {2, 1, 1, 0}}},
       {{"patient", false, "sales_accounts",
         "patients.csv:3: patient P2: sales_accounts: references location "
         "L404, which is not loaded"},
        {"payment", false, "cf_contact",
         "payments.csv:3: payment PAY2: cf_contact: references patient P404, "
         "which is not loaded"}},
       {"Vantongeren"}},
      {"duplicate-key",
       {{"patient", {4, 3, 1, 0}}},
       {{"patient", false, "patient_id",
         "patients.csv:4: patient_id: duplicate key (first on line 3)"}},
       {"bob.v@mail.example"}},
      {"empty-file",
       {{"note", {0, 0, 0, 0}}},
       {{"note", true, "",
         "notes.csv: empty file (no header row): no records read"}},
       {}},
      {"future-birth-date",
       {{"patient", three_loaded}},
       {{"patient", true, "birth_date",
         "patients.csv:3: patient P2: birth_date: date is after today "
         "(not_after); field not loaded"}},
       {"2091-05-17"},
       nullptr,
       [](const json& s) {
         const json* p2 = Record(s, "contacts", "pbn:patient:P2");
         ASSERT_NE(p2, nullptr);
         EXPECT_EQ(Custom(*p2, "cf_date_of_birth"), "");
         const json* p1 = Record(s, "contacts", "pbn:patient:P1");
         ASSERT_NE(p1, nullptr);
         EXPECT_EQ(Custom(*p1, "cf_date_of_birth"), "1980-02-29");
       }},
      {"header-only", {{"payment", {0, 0, 0, 0}}}, {}, {}},
      {"impossible-date",
       {{"patient", {5, 3, 2, 0}}},
       {{"patient", false, "birth_date",
         "patients.csv:3: patient P2: birth_date: impossible date"},
        {"patient", false, "birth_date",
         "patients.csv:5: patient P5: birth_date: impossible date"},
        {"patient", true, "birth_date",
         "patients.csv:4: patient P4: birth_date: date is before 1900-01-01 "
         "(not_before); field not loaded"}},
       {"1985-02-30", "0001-01-01", "0000-06-15"}},
      {"invalid-date",
       {{"patient", one_of_three}},
       {{"patient", false, "birth_date",
         "patients.csv:3: patient P2: birth_date: not a date (want "
         "YYYY-MM-DD)"}},
       {"31/12/1990"}},
      {"invalid-email",
       {{"patient", three_loaded}},
       {{"patient", true, "email",
         "patients.csv:3: patient P2: email: not a valid email address; "
         "field not loaded"}},
       {"bea.vantongeren at mail"},
       nullptr,
       [](const json& s) {
         const json* p2 = Record(s, "contacts", "pbn:patient:P2");
         ASSERT_NE(p2, nullptr);
         EXPECT_EQ(Text(*p2, "email"), "");
         EXPECT_EQ(Text(*p2, "last_name"), "Vantongeren");
       }},
      {"invalid-phone",
       {{"patient", three_loaded}},
       {{"patient", true, "mobile_phone",
         "patients.csv:3: patient P2: mobile_phone: not a valid phone number "
         "for region US; field not loaded"}},
       {"555-01x9"}},
      {"invalid-utf8",
       {{"patient", one_of_three}},
       {{"patient", false, "last_name",
         "patients.csv:3: last_name: invalid UTF-8 in column 'last_name'"}},
       {"llerqvist"}},
      {"missing-key",
       {{"patient", one_of_three}},
       {{"patient", false, "patient_id",
         "patients.csv:3: patient_id: missing key (the cell is empty)"}},
       {"Vantongeren"}},
      {"missing-required",
       {{"patient", one_of_three}},
       {{"patient", false, "last_name",
         "patients.csv:3: patient P2: last_name: required field is empty"}},
       {"Beaqx"}},
      {"mixed-encodings",
       {{"patient", one_of_three}},
       {{"patient", false, "first_name",
         "patients.csv:3: first_name: invalid UTF-8 in column "
         "'first_name'"}},
       {"Ortizqa"},
       nullptr,
       [](const json& s) {
         const json* p1 = Record(s, "contacts", "pbn:patient:P1");
         ASSERT_NE(p1, nullptr);
         EXPECT_EQ(Text(*p1, "last_name"),
                   "N\xC3\xBA\xC3\xB1"
                   "ezqa");
       }},
      // A generic export described by a layout: its patients file is
      // Windows-1252 (the others UTF-8), found per file and transcoded; a
      // status the layout does not declare rejects its row.
      {"layout-windows-1252",
       {{"patient", one_of_three}},
       {{"patient", false, "status",
         "patients.csv:3: patient P2: status: not one of the column's 3 "
         "declared values"}},
       {"deceasedqz"},
       nullptr,
       [](const json& s) {
         const json* p1 = Record(s, "contacts", "pbn:patient:P1");
         ASSERT_NE(p1, nullptr);
         EXPECT_EQ(Text(*p1, "first_name"), "Jos\xC3\xA9");
         EXPECT_EQ(Text(*p1, "last_name"),
                   "N\xC3\xBA\xC3\xB1"
                   "ezwq");
         EXPECT_EQ(Custom(*p1, "cf_patient_status"), "Active");
       }},
      {"non-numeric-money",
       {{"payment", {3, 1, 2, 0}}},
       {{"payment", false, "amount",
         "payments.csv:3: payment PAY2: amount: not an amount (not a "
         "number)"},
        {"payment", false, "amount",
         "payments.csv:4: payment PAY3: amount: not an amount (not a "
         "number)"}},
       {"12.3.4", "USD forty"}},
      {"quoted-line-breaks",
       {{"patient", three_loaded}},
       {{"patient", true, "status",
         "patients.csv:4: patient P2: status: value is not in the map's "
         "value list; field not loaded"}},
       // (Values with line breaks or quotes would be escaped in JSON logs:
       // their plain words are looked for.)
       {"Round", "Cedar"},
       nullptr,
       [](const json& s) {
         const json* p1 = Record(s, "contacts", "pbn:patient:P1");
         const json* p3 = Record(s, "contacts", "pbn:patient:P3");
         ASSERT_TRUE(p1 && p3);
         EXPECT_EQ(Text(*p1, "city"), "Round\nRock, TX");
         EXPECT_EQ(Text(*p3, "city"), "Cedar \"Park\"");
       }},
      {"text-after-quote",
       {{"patient", one_of_three}},
       {{"patient", false, "last_name",
         "patients.csv:3: last_name: text after the closing quote in column "
         "'last_name'"}},
       {"tongerenqz"}},
      {"unbalanced-quote",
       {{"patient", one_of_three}},
       {{"patient", false, "last_name",
         "patients.csv:3: last_name: unbalanced quote: the quoted field "
         "opened in column 'last_name' on line 3 is still open at end of "
         "file"}},
       {"Vantongeren"},
       nullptr,
       [](const json& s) {
         // Reading went on after the line that opened the quote.
         EXPECT_NE(Record(s, "contacts", "pbn:patient:P3"), nullptr);
       }},
      {"unknown-enum",
       {{"patient", three_loaded}},
       {{"patient", true, "status",
         "patients.csv:3: patient P2: status: value is not in the map's "
         "value list; field not loaded"}},
       {"deceasedqz"}},
      {"wrong-column-count",
       {{"patient", {4, 2, 2, 0}}},
       {{"patient", false, "",
         "patients.csv:3: wrong number of columns: expected 9, got 4"},
        {"patient", false, "",
         "patients.csv:4: wrong number of columns: expected 9, got 10"}},
       {"surplus-cell-xq"}},
      // Generated: an embedded NUL byte.
      {"nul-byte",
       {{"patient", {2, 1, 1, 0}}},
       {{"patient", false, "email",
         "patients.csv:3: email: embedded NUL byte in column 'email'"}},
       {"nulqz"},
       [](const fs::path& data) {
         std::ofstream(data / "patients.csv", std::ios::binary)
             << kPatientsHeader << kGoodPatient << "P2,Bea,Vantongeren,bea.v"
             << '\0'
             << "nulqz@mail.example,(512) 555-0150,1990-01-01,active,L1,PR1\n";
       }},
      // Generated: notes of 3 and 9 MiB.
      {"huge-note",
       {{"note", {3, 2, 1, 0}}},
       {{"note", false, "body",
         absl::StrCat("notes.csv:", HugeNoteLine(),
                      ": body: row is longer than 8388608 bytes (the limit "
                      "was reached in column 'body')")}},
       {"Zqvhuge"},
       WriteHugeNotes,
       [](const json& s) {
         // The 3 MiB note is split into parts of at most 32 KB each.
         size_t parts = 0, bytes = 0;
         bool short_note = false;
         for (const auto& n : s["notes"]) {
           std::string d = Text(n, "description");
           if (absl::StartsWith(d, "(part ")) ++parts;
           EXPECT_LE(d.size(), 32768u);
           bytes += d.size();
           short_note = short_note || d == "Short note.";
         }
         EXPECT_GE(parts, 3 * kMiB / 32768);
         EXPECT_GE(bytes, 3 * kMiB);
         EXPECT_TRUE(short_note);
       }},
  };
}

// Cases the run refuses before it begins: the map reads a source object
// that cannot be opened. One line naming the map's file, line and object,
// and the export's file.
struct Refusal {
  std::string name;
  std::string object;  // the map route's source object
  std::string reason;  // after "<data dir>/"
};

std::vector<Refusal> Refusals() {
  return {
      {"missing-file", "note", "notes.csv: No such file or directory"},
      {"missing-column", "patient",
       "patients.csv:1: required column 'last_name' is missing from the "
       "header"},
      {"duplicate-column", "patient",
       "patients.csv:1: duplicate column name 'email' (columns 4 and 5)"},
  };
}

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / absl::StrCat("bw-bad-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_);
    corpus_ = fs::absolute(fs::path(SourceDir()) / "tests/data/bad");
    map_ = (corpus_ / "map.yaml").string();
    log_ = (root_ / "up.log").string();
  }
  void TearDown() override {
    if (suite_.pid > 0) testing::Stop(&suite_.pid);
    if (!HasFailure()) fs::remove_all(root_);
  }

  // The config of a run over `data` into account `account`: a Practice by
  // Numbers export, or one its layout.yaml describes (connector layout_csv).
  std::string WriteConfig(const fs::path& dir, const fs::path& data,
                          const std::string& account) {
    std::string path = (dir / "config.yaml").string();
    const fs::path layout = data / "layout.yaml";
    std::ofstream(path) << "source:\n  system: pbn\n"
                        << (fs::exists(layout) ? "  layout_csv:\n"
                                               : "  pbn_csv:\n")
                        << "    directory: " << data.string() << "\n"
                        << (fs::exists(layout)
                                ? absl::StrCat("    layout: ", layout.string(),
                                               "\n")
                                : "")
                        << "    time_zone: America/Chicago\n"
                        << "destination:\n  crm: freshsales\n"
                        << "  account: " << account << "\n"
                        << "  plan: enterprise\n"
                        << "  fallback_owner_email: owner@bridgework.example\n"
                        << "map: " << map_ << "\n";
    return path;
  }

  // The base export with the case's files laid over it (and those its
  // omit.txt names left out), in <root>/<case>/data.
  fs::path Compose(const std::string& name) {
    fs::path data = root_ / name / "data";
    fs::create_directories(data);
    for (const auto& f : fs::directory_iterator(corpus_ / "base")) {
      fs::copy_file(f.path(), data / f.path().filename());
    }
    fs::path overlay = corpus_ / "cases" / name;
    if (fs::is_directory(overlay)) {
      for (const auto& f : fs::directory_iterator(overlay)) {
        if (f.path().filename() == "omit.txt") {
          for (const auto& omit : absl::StrSplit(ReadAll(f.path().string()),
                                                 '\n', absl::SkipEmpty())) {
            fs::remove(data / std::string(omit));
          }
          continue;
        }
        fs::copy_file(f.path(), data / f.path().filename(),
                      fs::copy_options::overwrite_existing);
      }
    }
    return data;
  }

  void StartUp() {
    fs::path up_dir = root_ / "up";
    const std::string config = WriteConfig(up_dir, Compose("up"), "bad-up");
    ASSERT_TRUE(testing::StartSuite("freshsales", config,
                                    (root_ / "state").string(), log_, &suite_))
        << ReadAll(log_);
    ASSERT_EQ(Cli({"approve", map_, "--by", "bad-input-test"}, log_), 0)
        << ReadAll(log_);
  }

  int Cli(std::vector<std::string> args, const std::string& log) {
    args.insert(args.begin(), Bin("bridgework"));
    args.push_back("--services");
    args.push_back(suite_.services);
    return RunCommand(args, log);
  }

  json Emulator(const std::string& method, const std::string& path) {
    auto http = crm::MakeCurlHttpClient();
    crm::HttpRequest req = method == "GET"
                               ? crm::HttpRequest::Get(suite_.emulator + path)
                               : crm::HttpRequest();
    if (method != "GET") {
      req.method = method;
      req.url = suite_.emulator + path;
      req.body = "{}";
      req.headers.push_back("Content-Type: application/json");
    }
    auto r = http->Send(req);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return json();
    return json::parse(r->body, nullptr, false);
  }

  // Every service log of the suite (the emulator's aside: it is the CRM).
  std::string ServiceLogs() {
    std::string all;
    for (const char* name : {"extractor", "transformer", "loader", "auditor"}) {
      all += ReadAll((root_ / "state" / (std::string(name) + ".log")).string());
    }
    return all;
  }

  fs::path root_, corpus_;
  std::string map_, log_;
  testing::Suite suite_;
};

// The entry of `rep` holding `m`: the object's quarantine or the warnings.
const json* FindMessage(const json& rep, const Message& m) {
  const json* list = nullptr;
  if (m.warning) {
    list = &rep["extra"]["warnings"];
  } else {
    for (const auto& o : rep["objects"]) {
      if (o.value("source_object", "") == m.object) list = &o["quarantine"];
    }
  }
  if (list == nullptr) return nullptr;
  for (const auto& e : *list) {
    if (e.value("message", "") == m.text &&
        (!m.warning || e.value("source_object", "") == m.object)) {
      return &e;
    }
  }
  return nullptr;
}

TEST_F(BadInputTest, EveryDataCaseCompletesAddsUpAndNamesItsRecords) {
  const auto started = std::chrono::steady_clock::now();
  StartUp();
  std::vector<std::string> secrets = BaseValues();
  std::string outputs;
  for (const DataCase& c : DataCases()) {
    SCOPED_TRACE(c.name);
    const fs::path data = Compose(c.name);
    if (c.generate) c.generate(data);
    ASSERT_TRUE(c.generate || fs::is_directory(corpus_ / "cases" / c.name))
        << "the corpus has no directory for " << c.name;
    const std::string config =
        WriteConfig(root_ / c.name, data, "bad-" + c.name);
    const std::string report = (root_ / c.name / "report.json").string();
    const std::string out = (root_ / c.name / "migrate.log").string();
    Emulator("POST", "/__sandbox/reset");
    const int code =
        Cli({"migrate", "--config", config, "--report-json", report}, out);
    outputs += ReadAll(out);
    // The run completes: records it could not load are quarantined, and a
    // run whose every object adds up exits 0.
    ASSERT_EQ(code, 0) << ReadAll(out);
    json rep = json::parse(ReadAll(report), nullptr, false);
    ASSERT_TRUE(rep.is_object()) << ReadAll(out);
    outputs += rep.dump();
    EXPECT_TRUE(rep.value("balanced", false));
    std::map<std::string, Counts> want = BaseCounts();
    for (const auto& [object, counts] : c.counts) want[object] = counts;
    std::set<std::string> seen;
    for (const auto& o : rep["objects"]) {
      const std::string object = o.value("source_object", "");
      seen.insert(object);
      SCOPED_TRACE(object);
      const int64_t extracted = o["extracted"], loaded = o["loaded"],
                    quarantined = o["quarantined"], skipped = o["skipped"];
      EXPECT_EQ(extracted, loaded + quarantined + skipped);
      EXPECT_TRUE(o.value("balanced", false));
      ASSERT_TRUE(want.count(object));
      const Counts& w = want[object];
      EXPECT_EQ(extracted, w.extracted);
      EXPECT_EQ(loaded, w.loaded);
      EXPECT_EQ(quarantined, w.quarantined);
      EXPECT_EQ(skipped, w.skipped);
      // Every quarantined record is listed with where it came from.
      EXPECT_EQ(static_cast<int64_t>(o["quarantine"].size()), quarantined);
      for (const auto& q : o["quarantine"]) {
        EXPECT_FALSE(q.value("file", "").empty()) << q.dump();
        EXPECT_GT(q.value("line", 0), 0) << q.dump();
      }
    }
    EXPECT_EQ(seen.size(), want.size());
    // One message per bad record, naming file, line or record, and field.
    size_t warnings = 0;
    for (const Message& m : c.messages) {
      SCOPED_TRACE(m.text);
      const json* e = FindMessage(rep, m);
      ASSERT_NE(e, nullptr)
          << rep["objects"].dump(1) << rep["extra"]["warnings"].dump(1);
      if (m.warning) ++warnings;
      EXPECT_FALSE(e->value("file", "").empty());
      EXPECT_EQ(e->value("field", ""), m.field);
      EXPECT_FALSE(e->value("reason", "").empty());
    }
    // No warning the case does not expect.
    EXPECT_EQ(rep["extra"]["warnings"].size(), warnings)
        << rep["extra"]["warnings"].dump(1);
    // A problem with a whole file is said on the CLI's output too.
    for (const Message& m : c.messages) {
      if (m.warning && absl::StrContains(m.text, "empty file")) {
        EXPECT_THAT(ReadAll(out), HasSubstr(m.text));
      }
    }
    // The CRM holds the loaded records, and only those.
    json state = Emulator("GET", "/__sandbox/state");
    EXPECT_EQ(static_cast<int64_t>(state["contacts"].size()),
              want["patient"].loaded);
    EXPECT_EQ(static_cast<int64_t>(state["sales_accounts"].size()),
              want["location"].loaded);
    EXPECT_EQ(
        static_cast<int64_t>(
            state["custom_module"].value("cm_payment", json::array()).size()),
        want["payment"].loaded);
    if (c.check_crm) c.check_crm(state);
    secrets.insert(secrets.end(), c.secrets.begin(), c.secrets.end());
  }
  // No field value in the CLI's output, the reports or the service logs.
  const std::string logs = ServiceLogs();
  ASSERT_FALSE(logs.empty());
  EXPECT_THAT(logs, HasSubstr("field not loaded")) << "the logs were read";
  for (const std::string& secret : secrets) {
    EXPECT_FALSE(absl::StrContains(outputs, secret)) << secret;
    EXPECT_FALSE(absl::StrContains(logs, secret)) << secret;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  RecordProperty("wall_seconds", static_cast<int>(seconds));
}

TEST_F(BadInputTest, UnreadableSourcesRefuseBeforeTheRunBegins) {
  StartUp();
  const std::string map_text = ReadAll(map_);
  for (const Refusal& r : Refusals()) {
    SCOPED_TRACE(r.name);
    const fs::path data = Compose(r.name);
    const std::string config = WriteConfig(root_ / r.name, data, "bad-refused");
    const std::string out = (root_ / r.name / "migrate.log").string();
    Emulator("POST", "/__sandbox/reset");
    EXPECT_EQ(Cli({"migrate", "--config", config}, out), 2);
    const std::string text = ReadAll(out);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    // The map's line of the route reading the object, its index, the file.
    const std::vector<std::string> lines = absl::StrSplit(map_text, '\n');
    int line = 0, index = -1;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (absl::StartsWith(lines[i], "  - source: ")) ++index;
      if (lines[i] == "  - source: " + r.object) {
        line = static_cast<int>(i) + 1;
        break;
      }
    }
    ASSERT_GT(line, 0);
    const std::string said = absl::StrCat(
        map_, ":", line, ": objects[", index, "].source: ", r.object, ": ",
        data.string(), "/", r.reason, "; nothing was moved");
    EXPECT_THAT(text, HasSubstr(said));
    // `check` names it before anyone tries.
    const std::string checked = (root_ / r.name / "check.log").string();
    EXPECT_EQ(Cli({"check", "--config", config}, checked), 2);
    EXPECT_THAT(ReadAll(checked), HasSubstr(said));
    json state = Emulator("GET", "/__sandbox/state");
    EXPECT_TRUE(state["contacts"].empty());
    EXPECT_TRUE(state["sales_accounts"].empty());
  }
  // No run was begun under the refused config.
  const std::string status = (root_ / "status.log").string();
  ASSERT_EQ(Cli({"status"}, status), 0) << ReadAll(status);
  EXPECT_THAT(ReadAll(status), ::testing::Not(HasSubstr("bad-refused")));
}

// A config or map error: one line on stderr naming the file, the line and
// the key; exit 2; nothing started.
struct ConfigError {
  std::string name;  // tests/data/bad/config-errors/<name>/config.yaml
  std::string file;  // "config.yaml" or "map.yaml" (in the case directory)
  std::string text;  // what follows "<file path>:"
};

TEST(BadConfigTest, EveryConfigAndMapErrorIsOneLineNamingFileLineAndKey) {
  const fs::path dir =
      fs::absolute(fs::path(SourceDir()) / "tests/data/bad/config-errors");
  const std::vector<ConfigError> cases = {
      {"unknown-key", "config.yaml",
       "11: unknown key 'colour' (known: source, destination, map, run, "
       "services)"},
      {"batch-size-out-of-range", "config.yaml",
       "12: run.batch_size: must be 1..1000"},
      {"batch-size-not-a-number", "config.yaml",
       "12: run.batch_size: expected a whole number"},
      {"unknown-crm", "config.yaml",
       "7: destination.crm: unsupported CRM 'freshsalez'"},
      {"unknown-time-zone", "config.yaml",
       "5: source.pbn_csv.time_zone: unknown time zone 'Mars/Olympus'"},
      {"bad-currency", "config.yaml",
       "6: source.pbn_csv.currency: want a three-letter ISO 4217 code"},
      {"missing-directory", "config.yaml",
       "4: source.pbn_csv.directory: directory not found"},
      {"missing-required-key", "config.yaml",
       "7: destination.crm: required key is missing"},
      {"yaml-syntax", "config.yaml", "9: invalid YAML"},
      {"missing-map", "config.yaml", "10: map: map file not found"},
      {"map-unknown-key", "map.yaml",
       "9: objects[0].fields[1]: unknown key 'form'"},
      {"map-unknown-transform", "map.yaml",
       "9: objects[0].fields[0]: unknown transform 'markdown'"},
      {"map-unknown-lookup-object", "map.yaml",
       "14: objects[1].lookups: object 'locaton' is not in the map"},
      {"map-missing-reason", "map.yaml",
       "5: objects[0].reason: required key is missing"},
      {"map-yaml-syntax", "map.yaml", "9: invalid YAML"},
      {"map-wrong-destination", "config.yaml",
       "10: map: the map is for pipedrive, the destination is freshsales"},
      {"map-bad-date-bound", "map.yaml",
       "9: objects[0].fields[1].not_after: want a date YYYY-MM-DD or "
       "'today'"},
      {"map-duplicate-route", "map.yaml",
       "9: objects[1]: object 'payment' is routed twice"},
  };
  std::set<std::string> listed;
  const fs::path root =
      fs::temp_directory_path() / absl::StrCat("bw-bad-config-", getpid());
  fs::create_directories(root);
  for (const ConfigError& c : cases) {
    SCOPED_TRACE(c.name);
    listed.insert(c.name);
    const std::string out = (root / (c.name + ".log")).string();
    // No services are named: the config is refused before any is sought.
    const int code = RunCommand({Bin("bridgework"), "migrate", "--config",
                                 (dir / c.name / "config.yaml").string(),
                                 "--services", (root / "none.json").string()},
                                out);
    const std::string text = ReadAll(out);
    EXPECT_EQ(code, 2) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_THAT(text, HasSubstr(absl::StrCat(
                          (dir / c.name / c.file).lexically_normal().string(),
                          ":", c.text)));
  }
  // Every case of the corpus is in the table.
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_TRUE(listed.count(entry.path().filename().string())) << entry.path();
  }
  if (!HasFailure()) fs::remove_all(root);
}

// Every case directory of the corpus is one of the test's cases.
TEST(BadCorpusTest, EveryCaseDirectoryIsTested) {
  std::set<std::string> names;
  for (const DataCase& c : DataCases()) names.insert(c.name);
  for (const Refusal& r : Refusals()) names.insert(r.name);
  for (const auto& entry :
       fs::directory_iterator(fs::path(SourceDir()) / "tests/data/bad/cases")) {
    EXPECT_TRUE(names.count(entry.path().filename().string())) << entry.path();
  }
  // And the README lists each.
  const std::string readme =
      ReadAll((fs::path(SourceDir()) / "tests/data/bad/README.md").string());
  for (const std::string& name : names) {
    EXPECT_THAT(readme, HasSubstr("`" + name + "`"));
  }
}

}  // namespace
}  // namespace bridgework
