#include "tools/gen_sample/sample_generator.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/record/value.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"
#include "services/extractor/sources/pbn/pbn_layout.h"

namespace bridgework::gen_sample {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Extracted {
  std::vector<v1::Record> records;
  std::vector<v1::Rejection> rejections;
};

Extracted Extract(const fs::path& dir, const std::string& object) {
  v1::PbnCsvSourceConfig config;
  config.set_directory(dir.string());
  config.set_time_zone("America/Chicago");
  auto source = extractor::MakePbnCsvSource(config);
  EXPECT_TRUE(source.ok()) << source.status();
  auto reader = (*source)->Open(object, "", std::nullopt);
  EXPECT_TRUE(reader.ok()) << reader.status();
  Extracted out;
  if (!reader.ok()) return out;
  v1::RecordBatch batch;
  while (true) {
    auto more = (*reader)->Next(97, &batch);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    for (const auto& r : batch.records()) out.records.push_back(r);
    for (const auto& r : batch.rejections()) out.rejections.push_back(r);
  }
  return out;
}

std::string Text(const v1::Record& r, const std::string& field) {
  auto it = r.fields().find(field);
  return it == r.fields().end() ? "" : record::ValueToText(it->second);
}

class GenSampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("bw-gen-sample-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  SampleSummary Generate(const std::string& name, int patients, uint32_t seed,
                         SampleObjects objects = SampleObjects::kAll) {
    SampleOptions options;
    options.out_dir = (root_ / name).string();
    options.patients = patients;
    options.seed = seed;
    options.objects = objects;
    auto summary = WriteSample(options);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.ok() ? *summary : SampleSummary();
  }

  fs::path root_;
};

// Every regular file under `dir`, by path relative to it, with its bytes.
std::map<std::string, std::string> Tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      out[fs::relative(e.path(), dir).string()] = Slurp(e.path());
    }
  }
  return out;
}

TEST_F(GenSampleTest, SameSeedSameBytesOtherSeedOtherData) {
  Generate("a", 300, 42);
  Generate("b", 300, 42);
  Generate("c", 300, 43);
  const auto a = Tree(root_ / "a");
  const auto b = Tree(root_ / "b");
  const auto c = Tree(root_ / "c");
  EXPECT_GT(a.size(), 100u);  // the CSV files and documents/
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [path, bytes] : a) {
    auto it = b.find(path);
    ASSERT_NE(it, b.end()) << path;
    EXPECT_TRUE(bytes == it->second) << path;
  }
  for (const auto& o : extractor::pbn::ExportLayout()) {
    // Fixed tables: the practice, its staff, its campaigns and its
    // automations.
    if (std::string(o.file) == "locations.csv" ||
        std::string(o.file) == "providers.csv" ||
        std::string(o.file) == "campaigns.csv" ||
        std::string(o.file) == "automations.csv" ||
        std::string(o.file) == "automation_steps.csv") {
      continue;
    }
    EXPECT_NE(a.at(o.file), c.at(o.file)) << o.file;
  }
}

TEST_F(GenSampleTest, CoreWritesTheFirstThreeFilesAsBefore) {
  SampleSummary core = Generate("core", 120, 9, SampleObjects::kCore);
  Generate("all", 120, 9, SampleObjects::kAll);
  const auto tree = Tree(root_ / "core");
  EXPECT_EQ(tree.size(), 3u);
  EXPECT_FALSE(fs::exists(root_ / "core" / "documents"));
  for (const char* file : {"locations.csv", "providers.csv", "patients.csv"}) {
    EXPECT_TRUE(Slurp(root_ / "core" / file) == Slurp(root_ / "all" / file))
        << file;
  }
  EXPECT_EQ(core.files.size(), 3u);
  EXPECT_EQ(core.dangling_appointment_line, 0);
  EXPECT_EQ(core.document_files, 0);
}

TEST_F(GenSampleTest, TheConnectorReadsBackTheExpectedCounts) {
  for (int n : {10, 57, 300}) {
    SampleSummary summary = Generate("n" + std::to_string(n), n, 42);
    fs::path dir = root_ / ("n" + std::to_string(n));
    Extracted patients = Extract(dir, "patient");
    EXPECT_EQ(static_cast<int>(patients.records.size()), n - 2) << n;
    EXPECT_EQ(summary.valid_patients, n - 2);
    ASSERT_EQ(patients.rejections.size(), 2u) << n;
    ASSERT_EQ(summary.malformed_lines.size(), 2u);
    const v1::Rejection& columns = patients.rejections[0];
    const v1::Rejection& date = patients.rejections[1];
    EXPECT_EQ(columns.location().line(), summary.malformed_lines[0]);
    EXPECT_EQ(columns.reason(),
              "patients.csv:" + std::to_string(summary.malformed_lines[0]) +
                  ": wrong number of columns: expected 27, got 28");
    EXPECT_EQ(date.location().line(), summary.malformed_lines[1]);
    EXPECT_EQ(date.reason(),
              "patients.csv:" + std::to_string(summary.malformed_lines[1]) +
                  ": birth_date: impossible date");
    EXPECT_EQ(Extract(dir, "location").records.size(), 2u);
    EXPECT_TRUE(Extract(dir, "location").rejections.empty());
    EXPECT_EQ(Extract(dir, "provider").records.size(), 6u);
    EXPECT_TRUE(Extract(dir, "provider").rejections.empty());
  }
}

// The CRM refuses a second contact with a mobile number it holds, so past
// the 2,400 numbers of the fictional range (large benchmark exports) every
// person still gets a number of their own; only the deliberate re-registrations
// of one person share one.
TEST_F(GenSampleTest, MobileNumbersAreOnePersonsAtAnySize) {
  Generate("big", 6000, 42, SampleObjects::kCore);
  Extracted patients = Extract(root_ / "big", "patient");
  ASSERT_GT(patients.records.size(), 5900u);
  std::map<std::string, std::set<std::string>> people_by_mobile;
  for (const auto& p : patients.records) {
    std::string digits;
    for (char c : Text(p, "mobile_phone")) {
      if (absl::ascii_isdigit(c)) digits.push_back(c);
    }
    if (digits.size() < 10) continue;  // none, or a malformed one
    people_by_mobile[digits.substr(digits.size() - 10)].insert(
        Text(p, "first_name") + " " + Text(p, "last_name") + " " +
        Text(p, "birth_date"));
  }
  EXPECT_GT(people_by_mobile.size(), 4500u);
  for (const auto& [mobile, people] : people_by_mobile) {
    EXPECT_EQ(people.size(), 1u)
        << mobile << " is " << people.size() << " people's";
  }
}

// Every patient up to kMobileNumbers gets a number of its own, a real
// seven-digit 555 line of one of the area codes; none after.
TEST(MobileNumberTest, OnePersonsUpToTheNumbersThereAre) {
  std::set<std::pair<int, int>> seen;
  for (int i = 0; i < kMobileNumbers; ++i) {
    std::optional<std::pair<int, int>> n = MobileNumberOf(i);
    ASSERT_TRUE(n.has_value()) << i;
    ASSERT_GE(n->second, 100) << i;
    ASSERT_LE(n->second, 9999) << i;
    ASSERT_TRUE(seen.insert(*n).second) << i << " repeats a number";
  }
  EXPECT_EQ(MobileNumberOf(kMobileNumbers), std::nullopt);
  EXPECT_EQ(MobileNumberOf(-1), std::nullopt);
}

TEST_F(GenSampleTest, TheDataIsRealisticallyMessy) {
  SampleSummary summary = Generate("s", 300, 42);
  const fs::path dir = root_ / "s";

  // Locations: a main practice and a satellite under it.
  Extracted locations = Extract(dir, "location");
  ASSERT_EQ(locations.records.size(), 2u);
  EXPECT_EQ(Text(locations.records[0], "parent_location_id"), "");
  EXPECT_EQ(Text(locations.records[1], "parent_location_id"),
            locations.records[0].source_key());

  // Providers: two CRM users, others without a CRM user, one without email.
  Extracted providers = Extract(dir, "provider");
  std::set<std::string> provider_emails;
  int without_email = 0;
  std::set<std::string> provider_keys;
  for (const auto& p : providers.records) {
    provider_keys.insert(p.source_key());
    std::string e = absl::AsciiStrToLower(Text(p, "email"));
    if (e.empty()) ++without_email;
    provider_emails.insert(e);
  }
  EXPECT_TRUE(provider_emails.count("dr.rivera@smilebright.example"));
  EXPECT_TRUE(provider_emails.count("dr.chen@smilebright.example"));
  EXPECT_EQ(without_email, 1);
  EXPECT_GE(provider_emails.size(), 5u);

  Extracted patients = Extract(dir, "patient");
  const int n = static_cast<int>(patients.records.size());
  std::set<std::string> keys;
  for (const auto& p : patients.records) keys.insert(p.source_key());

  int missing_email = 0, mixed_case = 0, bad_phone = 0, prospects = 0,
      dependents = 0, accented = 0, multi_line = 0;
  std::set<std::string> phone_styles;
  std::map<std::string, std::vector<std::string>> by_person;
  for (const auto& p : patients.records) {
    std::string email = Text(p, "email");
    if (email.empty()) {
      ++missing_email;
    } else {
      EXPECT_TRUE(absl::EndsWithIgnoreCase(email, "@mail.example")) << email;
      if (email != absl::AsciiStrToLower(email)) ++mixed_case;
      by_person[absl::AsciiStrToLower(email) + "|" + Text(p, "birth_date")]
          .push_back(p.source_key());
    }
    std::string phone = Text(p, "mobile_phone");
    if (!phone.empty()) {
      int digits = 0;
      for (char c : phone) digits += absl::ascii_isdigit(c) ? 1 : 0;
      if (digits != 10 && digits != 11) {
        ++bad_phone;
      } else if (phone[0] == '(') {
        phone_styles.insert("(512) 555-0142");
      } else if (phone[0] == '+') {
        phone_styles.insert("+1 512 555 0142");
      } else if (phone.find('.') != std::string::npos) {
        phone_styles.insert("512.555.0142");
      }
    }
    if (p.fields().at("completed_appointments").int_value() == 0) ++prospects;
    std::string guarantor = Text(p, "guarantor_id");
    if (!guarantor.empty()) {
      ++dependents;
      EXPECT_TRUE(keys.count(guarantor)) << "dangling guarantor " << guarantor;
      EXPECT_NE(guarantor, p.source_key());
    }
    EXPECT_TRUE(provider_keys.count(Text(p, "primary_provider_id")));
    std::string name = Text(p, "first_name") + Text(p, "last_name");
    for (unsigned char c : name) {
      if (c >= 0x80) {
        ++accented;
        break;
      }
    }
    if (Text(p, "address_line2").find('\n') != std::string::npos) ++multi_line;
  }
  int duplicated_people = 0;
  for (const auto& [person, ids] : by_person) {
    if (ids.size() > 1) ++duplicated_people;
  }

  EXPECT_GT(missing_email, n * 5 / 100);
  EXPECT_LT(missing_email, n * 16 / 100);
  EXPECT_GT(bad_phone, n * 2 / 100);
  EXPECT_LT(bad_phone, n * 9 / 100);
  EXPECT_GT(mixed_case, 10);
  EXPECT_GE(duplicated_people, 3);
  EXPECT_GT(prospects, 10);
  EXPECT_GT(dependents, 10);
  EXPECT_GT(accented, n / 4);
  EXPECT_EQ(multi_line, 1);
  EXPECT_EQ(phone_styles.size(), 3u);
  EXPECT_EQ(missing_email, summary.missing_emails);
  EXPECT_EQ(bad_phone, summary.malformed_phones);
  EXPECT_EQ(prospects, summary.prospects);
  EXPECT_EQ(dependents, summary.dependents);

  for (const char* name :
       {"José", "Zoë", "Øyvind", "Müller", "Nguyễn", "Siobhán"}) {
    EXPECT_THAT(Slurp(dir / "patients.csv"), HasSubstr(name));
  }
  EXPECT_THAT(summary.ToString("out"),
              HasSubstr("2 locations, 6 providers, 300 patient rows"));
  EXPECT_THAT(summary.ToString("out"), HasSubstr("appointments.csv "));
  EXPECT_THAT(summary.ToString("out"), HasSubstr(" files under documents/"));
}

// What the extractor says about each file's deliberately bad row, after
// "<file>:<line>: ".
std::string ExpectedReason(const std::string& file, const BadRow& bad) {
  static const std::map<std::string, std::string> kWhy = {
      {"patients.csv", ""},
      {"campaigns.csv", "ends_on: impossible date"},
      {"custom_patient_properties.csv",
       "custom_property_id: missing key (the cell is empty)"},
      {"insurance.csv", "coverage_basic_pct: not a whole number"},
      {"treatment_plans.csv", "estimated_amount: not an amount (not a number)"},
      {"appointments.csv",
       "start_at: not a date-time (want YYYY-MM-DD HH:MM[:SS] or RFC 3339)"},
      {"treatments.csv", "wrong number of columns: expected 16, got 17"},
      {"payments.csv", "amount: not an amount (not a number)"},
      {"recalls.csv", "interval_months: not a whole number"},
      {"reviews.csv", "responded: not a boolean (want true or false)"},
      {"notes.csv", "invalid UTF-8 in column 'body'"},
      {"documents.csv", "file_path: attachment file not found"},
      {"communications.csv",
       "occurred_at: not a date-time (want YYYY-MM-DD HH:MM[:SS] or RFC "
       "3339)"},
      {"form_submissions.csv",
       "text after the closing quote in column 'answers_json'"},
      {"kpi_metrics.csv", "value: not a decimal number (not a number)"},
      {"automations.csv", "active: not a boolean (want true or false)"},
      {"automation_steps.csv", "step_number: not a whole number"},
  };
  std::string why;
  if (file == "patients.csv") {
    why = bad.field.empty() ? "wrong number of columns: expected 27, got 28"
                            : "birth_date: impossible date";
  } else if (file == "campaign_members.csv") {
    // The row repeats the one before it.
    why = absl::StrCat("campaign_member_id: duplicate key (first on line ",
                       bad.line - 1, ")");
  } else {
    why = kWhy.at(file);
  }
  return absl::StrCat(file, ":", bad.line, ": ", why);
}

const extractor::pbn::ObjectSpec* ObjectOfFile(const std::string& file) {
  for (const auto& o : extractor::pbn::ExportLayout()) {
    if (file == o.file) return &o;
  }
  return nullptr;
}

TEST_F(GenSampleTest, EveryFileParsesWithExactlyTheDocumentedRejections) {
  for (int n : {10, 57, 300}) {
    const std::string name = "n" + std::to_string(n);
    SampleSummary summary = Generate(name, n, 42);
    const fs::path dir = root_ / name;
    // Every file of the layout, and only those.
    ASSERT_EQ(summary.files.size(), extractor::pbn::ExportLayout().size());
    std::set<std::string> files;
    for (const FileSummary& f : summary.files) files.insert(f.file);
    for (const auto& o : extractor::pbn::ExportLayout()) {
      EXPECT_TRUE(files.count(o.file)) << o.file;
    }
    for (const FileSummary& f : summary.files) {
      SCOPED_TRACE(name + " " + f.file);
      const extractor::pbn::ObjectSpec* spec = ObjectOfFile(f.file);
      ASSERT_NE(spec, nullptr);
      // The header is the layout's columns, in its order.
      std::string header = Slurp(dir / f.file);
      header = header.substr(0, header.find('\n'));
      std::vector<std::string> columns;
      for (const auto& c : spec->columns) columns.push_back(c.name);
      EXPECT_EQ(header, absl::StrJoin(columns, ","));

      Extracted got = Extract(dir, spec->object);
      const bool clean = f.file == "locations.csv" || f.file == "providers.csv";
      EXPECT_EQ(f.bad_rows.size(), clean                      ? 0u
                                   : f.file == "patients.csv" ? 2u
                                                              : 1u);
      EXPECT_EQ(static_cast<int>(got.records.size()),
                f.rows - static_cast<int>(f.bad_rows.size()));
      ASSERT_EQ(got.rejections.size(), f.bad_rows.size());
      for (size_t i = 0; i < f.bad_rows.size(); ++i) {
        const v1::Rejection& r = got.rejections[i];
        EXPECT_EQ(r.reason(), ExpectedReason(f.file, f.bad_rows[i]));
        EXPECT_EQ(r.location().file(), f.file);
        EXPECT_EQ(r.location().line(), f.bad_rows[i].line);
        EXPECT_EQ(r.field(), f.bad_rows[i].field);
        EXPECT_EQ(r.stage(), "extract");
      }
      EXPECT_GT(got.records.size(), 0u);
    }
    EXPECT_GT(summary.dangling_appointment_line, 0);
  }
}

// All records of every object, by object and key.
using Everything = std::map<std::string, std::map<std::string, v1::Record>>;
Everything ExtractAll(const fs::path& dir) {
  Everything out;
  for (const auto& o : extractor::pbn::ExportLayout()) {
    for (auto& r : Extract(dir, o.object).records) {
      out[o.object][r.source_key()] = r;
    }
  }
  return out;
}

TEST_F(GenSampleTest, ReferencesResolveButTheDocumentedDanglingOne) {
  SampleSummary summary = Generate("s", 300, 42);
  const Everything all = ExtractAll(root_ / "s");
  int checked = 0;
  std::vector<std::string> dangling;
  for (const auto& o : extractor::pbn::ExportLayout()) {
    ASSERT_TRUE(all.count(o.object)) << o.object;
    for (const auto& [key, r] : all.at(o.object)) {
      for (const auto& c : o.columns) {
        if (c.references.empty()) continue;
        const std::string ref = Text(r, c.name);
        if (ref.empty()) continue;
        ++checked;
        if (!all.at(c.references).count(ref)) {
          dangling.push_back(absl::StrCat(r.location().file(), ":",
                                          r.location().line(), ":", c.name));
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
  EXPECT_THAT(dangling, ::testing::ElementsAre(absl::StrCat(
                            "appointments.csv:",
                            summary.dangling_appointment_line, ":patient_id")));
}

TEST_F(GenSampleTest, DocumentsAreRealFilesWithTheirDigest) {
  SampleSummary summary = Generate("s", 120, 5);
  const fs::path dir = root_ / "s";
  Extracted docs = Extract(dir, "document");
  ASSERT_GT(docs.records.size(), 20u);
  int files_on_disk = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "documents")) {
    files_on_disk += e.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files_on_disk, summary.document_files);
  EXPECT_EQ(static_cast<int>(docs.records.size()), summary.document_files);
  std::set<std::string> types;
  int with_space = 0;
  const std::string abs_dir = fs::absolute(dir).lexically_normal().string();
  for (const auto& r : docs.records) {
    SCOPED_TRACE(r.source_key());
    ASSERT_EQ(r.attachments_size(), 1);
    const v1::AttachmentRef& a = r.attachments(0);
    const std::string path = Text(r, "file_path");
    EXPECT_TRUE(
        absl::StartsWith(path, "documents/" + Text(r, "patient_id") + "/"));
    const std::string bytes = Slurp(dir / path);
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(a.sha256(), record::Sha256Hex(bytes));
    EXPECT_EQ(a.size_bytes(), static_cast<int64_t>(bytes.size()));
    EXPECT_EQ(r.fields().at("size_bytes").int_value(), a.size_bytes());
    EXPECT_EQ(a.file_name(), Text(r, "file_name"));
    EXPECT_EQ(a.content_type(), Text(r, "content_type"));
    std::string encoded;
    for (char c : path) {
      encoded += c == ' '   ? "%20"
                 : c == '(' ? "%28"
                 : c == ')' ? "%29"
                            : std::string(1, c);
    }
    EXPECT_EQ(a.uri(), "file://" + abs_dir + "/" + encoded);
    if (path.find(' ') != std::string::npos) ++with_space;
    types.insert(a.content_type());
    if (a.content_type() == "application/pdf") {
      EXPECT_TRUE(absl::StartsWith(bytes, "%PDF-1.4\n"));
      EXPECT_TRUE(absl::EndsWith(bytes, "%%EOF\n"));
      // The content stream is as long as it says.
      const size_t length_at = bytes.find("/Length ");
      ASSERT_NE(length_at, std::string::npos);
      const size_t length = std::stoul(bytes.substr(length_at + 8));
      const size_t stream = bytes.find(">>\nstream\n", length_at) + 10;
      EXPECT_EQ(bytes.substr(stream + length, 10), "\nendstream");
      // The cross-reference table points at the objects.
      size_t xref = bytes.rfind("startxref\n");
      ASSERT_NE(xref, std::string::npos);
      const size_t table = std::stoul(bytes.substr(xref + 10));
      ASSERT_EQ(bytes.substr(table, 9), "xref\n0 6\n");
      for (int obj = 1; obj <= 5; ++obj) {
        const size_t offset =
            std::stoul(bytes.substr(table + 9 + 20 * obj, 10));
        EXPECT_EQ(bytes.substr(offset, 8), absl::StrCat(obj, " 0 obj\n"));
      }
    } else if (a.content_type() == "image/png") {
      EXPECT_TRUE(absl::StartsWith(bytes, "\x89PNG\r\n\x1a\n"));
      EXPECT_EQ(bytes.substr(12, 4), "IHDR");
      EXPECT_TRUE(
          absl::EndsWith(bytes, std::string("IEND\xae\x42\x60\x82", 8)));
    } else {
      EXPECT_EQ(a.content_type(), "text/plain");
    }
  }
  EXPECT_GT(with_space, 0);
  EXPECT_THAT(types, ::testing::IsSupersetOf({"application/pdf", "image/png"}));
}

TEST_F(GenSampleTest, ThePracticeHistoryHangsTogether) {
  Generate("s", 300, 42);
  const Everything all = ExtractAll(root_ / "s");
  const auto& patients = all.at("patient");
  const auto day = [](const v1::Record& r, const std::string& f) {
    auto it = r.fields().find(f);
    return it == r.fields().end() || record::IsNull(it->second)
               ? std::string()
               : record::ValueToText(it->second);
  };
  // Completed appointments: within the patient's first and last visit, no
  // more than completed_appointments, the first visit among them.
  std::map<std::string, std::vector<std::string>> completed;
  std::map<std::string, std::string> appointment_patient;
  std::set<std::string> statuses, types;
  for (const auto& [key, a] : all.at("appointment")) {
    appointment_patient[key] = Text(a, "patient_id");
    statuses.insert(Text(a, "status"));
    types.insert(Text(a, "appointment_type"));
    const auto& start = a.fields().at("start_at").timestamp_value();
    const auto& end = a.fields().at("end_at").timestamp_value();
    EXPECT_EQ(end.unix_seconds() - start.unix_seconds(),
              60 * a.fields().at("duration_minutes").int_value());
    EXPECT_EQ(start.zone(), "America/Chicago");
    if (Text(a, "status") == "completed" &&
        patients.count(Text(a, "patient_id"))) {
      completed[Text(a, "patient_id")].push_back(
          record::TimestampToString(start).substr(0, 10));
    }
  }
  EXPECT_THAT(statuses,
              ::testing::IsSupersetOf({"completed", "cancelled", "no_show",
                                       "scheduled", "confirmed"}));
  EXPECT_THAT(types, ::testing::IsSupersetOf({"New patient exam", "Hygiene",
                                              "Perio maintenance", "Crown"}));
  int prospects = 0;
  for (const auto& [key, p] : patients) {
    const int64_t count = p.fields().at("completed_appointments").int_value();
    auto it = completed.find(key);
    if (count == 0) {
      ++prospects;
      EXPECT_TRUE(it == completed.end()) << key;
      continue;
    }
    ASSERT_TRUE(it != completed.end()) << key;
    std::vector<std::string> days = it->second;
    std::sort(days.begin(), days.end());
    EXPECT_LE(static_cast<int64_t>(days.size()), count) << key;
    EXPECT_EQ(days.front(), day(p, "first_visit_date")) << key;
    EXPECT_LE(days.back(), day(p, "last_visit_date")) << key;
    if (days.size() > 1)
      EXPECT_EQ(days.back(), day(p, "last_visit_date")) << key;
  }
  EXPECT_GT(prospects, 10);

  // Treatments belong to their appointment's and plan's patient; a plan's
  // amount is the sum of its treatments' fees.
  std::map<std::string, int64_t> plan_fees;
  std::map<std::string, std::string> tx_patient;
  std::set<std::string> codes;
  for (const auto& [key, t] : all.at("treatment")) {
    tx_patient[key] = Text(t, "patient_id");
    codes.insert(Text(t, "procedure_code"));
    if (!Text(t, "appointment_id").empty()) {
      EXPECT_EQ(appointment_patient[Text(t, "appointment_id")],
                Text(t, "patient_id"));
    }
    if (!Text(t, "treatment_plan_id").empty()) {
      const auto& fee = t.fields().at("fee").decimal_value();
      EXPECT_EQ(fee.scale(), 2);
      plan_fees[Text(t, "treatment_plan_id")] += fee.unscaled();
    }
    EXPECT_EQ(Text(t, "status") == "completed",
              !Text(t, "performed_on").empty());
  }
  EXPECT_THAT(codes,
              ::testing::IsSupersetOf({"D0120", "D1110", "D2740", "D4341"}));
  std::set<std::string> plan_statuses;
  for (const auto& [key, plan] : all.at("treatment_plan")) {
    plan_statuses.insert(Text(plan, "status"));
    const auto& amount = plan.fields().at("estimated_amount").decimal_value();
    EXPECT_EQ(amount.unscaled(), plan_fees[key]) << key;
    EXPECT_EQ(amount.currency(), "USD");
  }
  EXPECT_THAT(plan_statuses,
              ::testing::UnorderedElementsAre("proposed", "accepted",
                                              "rejected", "completed"));
  // A payment's treatment is the payer's.
  for (const auto& [key, pay] : all.at("payment")) {
    if (!Text(pay, "treatment_id").empty()) {
      EXPECT_EQ(tx_patient[Text(pay, "treatment_id")], Text(pay, "patient_id"));
    }
  }
  // Dependents are covered by their guarantor's policy, when insured
  // through it.
  for (const auto& [key, ins] : all.at("insurance")) {
    if (Text(ins, "relationship") != "child") continue;
    EXPECT_EQ(Text(patients.at(Text(ins, "patient_id")), "guarantor_id"),
              Text(ins, "subscriber_patient_id"));
  }
  // Reviews are rated 1 to 5; nothing changed after the export day.
  for (const auto& [key, r] : all.at("review")) {
    EXPECT_GE(r.fields().at("rating").int_value(), 1);
    EXPECT_LE(r.fields().at("rating").int_value(), 5);
  }
  const int64_t export_end = 1793512800;  // 2026-11-01 00:00 America/Chicago
  for (const auto& [object, records] : all) {
    for (const auto& [key, r] : records) {
      EXPECT_LT(r.source_updated_at().unix_seconds(), export_end)
          << object << " " << key;
    }
  }
  // KPI production is what the treatments of the month add up to.
  std::map<std::string, int64_t> production;  // location|YYYY-MM
  for (const auto& [key, t] : all.at("treatment")) {
    if (Text(t, "status") != "completed") continue;
    production[Text(t, "location_id") + "|" +
               day(t, "performed_on").substr(0, 7)] +=
        t.fields().at("fee").decimal_value().unscaled();
  }
  int kpis = 0;
  for (const auto& [key, k] : all.at("kpi_metric")) {
    if (Text(k, "metric") != "production" || !Text(k, "provider_id").empty())
      continue;
    ++kpis;
    EXPECT_EQ(k.fields().at("value").decimal_value().unscaled(),
              production[Text(k, "location_id") + "|" + Text(k, "period")])
        << key;
  }
  EXPECT_EQ(kpis, 24);  // two locations, twelve months
}

TEST_F(GenSampleTest, RefusesTooFewPatients) {
  SampleOptions options;
  options.out_dir = (root_ / "x").string();
  options.patients = 3;
  EXPECT_TRUE(absl::IsInvalidArgument(WriteSample(options).status()));
}

}  // namespace
}  // namespace bridgework::gen_sample
