#include "services/extractor/sources/pbn/pbn_csv_source.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/record/value.h"

namespace bridgework::extractor {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

struct Read {
  std::vector<v1::Record> records;
  std::vector<v1::Rejection> rejections;
  std::vector<std::string> cursors;
  // Keys of records and "!<line>" for rejections, in stream order.
  std::vector<std::string> order;
};

class PbnCsvSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bw-pbn-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_.set_directory(dir_.string());
    config_.set_time_zone("America/Chicago");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file, std::ios::binary) << text;
  }

  std::unique_ptr<SourceConnector> Source() {
    auto s = MakePbnCsvSource(config_);
    EXPECT_TRUE(s.ok()) << s.status();
    return std::move(*s);
  }

  Read ReadAll(const std::string& object, int batch = 2,
               const std::string& cursor = "",
               std::optional<v1::Timestamp> since = std::nullopt) {
    Read out;
    auto reader = Source()->Open(object, cursor, since);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return out;
    while (true) {
      v1::RecordBatch b;
      auto more = (*reader)->Next(batch, &b);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      EXPECT_LE(b.records_size() + b.rejections_size(), batch);
      EXPECT_EQ(b.object_type(), object);
      // Records and rejections of one batch keep their relative order
      // only by line.
      std::vector<std::pair<int64_t, std::string>> lines;
      for (const auto& r : b.records()) {
        out.records.push_back(r);
        lines.emplace_back(r.location().line(), r.source_key());
      }
      for (const auto& r : b.rejections()) {
        out.rejections.push_back(r);
        lines.emplace_back(r.location().line(),
                           "!" + std::to_string(r.location().line()));
      }
      std::sort(lines.begin(), lines.end());
      for (auto& [line, key] : lines) out.order.push_back(key);
      out.cursors.push_back(b.cursor());
    }
    return out;
  }

  fs::path dir_;
  v1::PbnCsvSourceConfig config_;
};

constexpr char kPatientsHeader[] =
    "patient_id,first_name,last_name,email,birth_date,completed_appointments,"
    "location_id,created_at,updated_at\n";

TEST_F(PbnCsvSourceTest, TypedRecords) {
  Write("patients.csv", std::string(kPatientsHeader) +
                            "1001,José,Núñez,Jose@Mail.example,1980-02-29,3,1,"
                            "2024-01-10 09:00,2024-03-01 09:30\n"
                            "1002,  Zoë ,Müller,,,0,2,,2024-03-01T10:00:00Z\n");
  Read got = ReadAll("patient");
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_TRUE(got.rejections.empty());
  const v1::Record& a = got.records[0];
  EXPECT_EQ(a.object_type(), "patient");
  EXPECT_EQ(a.source_key(), "1001");
  EXPECT_EQ(a.location().file(), "patients.csv");
  EXPECT_EQ(a.location().line(), 2);
  EXPECT_EQ(a.fields().at("first_name").string_value(), "José");
  EXPECT_EQ(a.fields().at("email").string_value(), "Jose@Mail.example");
  EXPECT_EQ(a.fields().at("completed_appointments").int_value(), 3);
  EXPECT_EQ(record::DateToString(a.fields().at("birth_date").date_value()),
            "1980-02-29");
  // 09:30 in Chicago (CST, -06:00) is 15:30 UTC.
  EXPECT_EQ(a.source_updated_at().unix_seconds(), 1709307000);
  EXPECT_EQ(a.source_updated_at().zone(), "America/Chicago");
  EXPECT_EQ(
      record::TimestampToString(a.fields().at("created_at").timestamp_value()),
      "2024-01-10T09:00:00-06:00");
  EXPECT_EQ(a.fingerprint(), record::Fingerprint(a.fields()));
  EXPECT_EQ(a.fingerprint().size(), 64u);

  const v1::Record& b = got.records[1];
  EXPECT_EQ(b.fields().at("first_name").string_value(), "Zoë");  // trimmed
  EXPECT_TRUE(record::IsNull(b.fields().at("email")));
  EXPECT_TRUE(record::IsNull(b.fields().at("birth_date")));
  EXPECT_TRUE(b.fields().at("email").has_null_value());
  EXPECT_EQ(b.fields().at("completed_appointments").int_value(), 0);
  EXPECT_EQ(b.source_updated_at().zone(), "UTC");
  EXPECT_NE(a.fingerprint(), b.fingerprint());
}

TEST_F(PbnCsvSourceTest, ColumnsAreFoundByNameAndExtrasKeptAsStrings) {
  Write("locations.csv",
        "updated_at,Loyalty Tier,name,location_id\n"
        "2026-10-01 08:00,gold,SmileBright Dental,1\n");
  Read got = ReadAll("location");
  ASSERT_EQ(got.records.size(), 1u);
  const auto& f = got.records[0].fields();
  EXPECT_EQ(got.records[0].source_key(), "1");
  EXPECT_EQ(f.at("name").string_value(), "SmileBright Dental");
  EXPECT_EQ(f.at("Loyalty Tier").string_value(), "gold");
  EXPECT_TRUE(f.at("updated_at").has_timestamp_value());
  // Declared columns the file lacks are simply absent.
  EXPECT_EQ(f.count("phone"), 0u);
}

TEST_F(PbnCsvSourceTest, BadValuesAreRejectionsNamingFileLineAndField) {
  Write("patients.csv",
        std::string(kPatientsHeader) +
            "1,Ana,Ok,,1980-01-01,1,1,,2024-03-01 09:30\n"            // 2
            "2,Ben,Doe,,2023-02-30,1,1,,2024-03-01 09:30\n"           // 3
            "3,Cy,Roe,,1990-01-01,three,1,,2024-03-01 09:30\n"        // 4
            "4,Di,Poe,,1990-01-01,1,1,,yesterday\n"                   // 5
            "5,Ed,Too,many,columns,here,1,,2024-03-01 09:30,x\n"      // 6
            ",Fa,Nokey,,1990-01-01,1,1,,2024-03-01 09:30\n"           // 7
            "1,Gi,Dup,,1990-01-01,1,1,,2024-03-01 09:30\n"            // 8
            "2,Hu,DupOfRejected,,1990-01-01,1,1,,2024-03-01 09:30\n"  // 9
            "6,Iv,B\xff"
            "ad,,1990-01-01,1,1,,2024-03-01 09:30\n"               // 10
            "7,Jo,\"Unclosed,,1990-01-01,1,1,,2024-03-01 09:30\n"  // 11
            "8,Ka,Last,,1990-01-01,1,1,,2024-03-01 09:30\n");      // 12
  Read got = ReadAll("patient", 3);
  std::vector<std::string> keys;
  for (const auto& r : got.records) keys.push_back(r.source_key());
  EXPECT_THAT(keys, ElementsAre("1", "8"));
  ASSERT_EQ(got.rejections.size(), 9u);
  auto rej = [&](int line) -> const v1::Rejection& {
    for (const auto& r : got.rejections) {
      if (r.location().line() == line) return r;
    }
    ADD_FAILURE() << "no rejection on line " << line;
    static v1::Rejection none;
    return none;
  };
  for (const auto& r : got.rejections) {
    EXPECT_EQ(r.object_type(), "patient");
    EXPECT_EQ(r.stage(), "extract");
    EXPECT_EQ(r.location().file(), "patients.csv");
    // Never a value.
    EXPECT_THAT(r.reason(), Not(HasSubstr("2023-02-30")));
    EXPECT_THAT(r.reason(), Not(HasSubstr("three")));
    EXPECT_THAT(r.reason(), Not(HasSubstr("yesterday")));
  }
  EXPECT_EQ(rej(3).reason(), "patients.csv:3: birth_date: impossible date");
  EXPECT_EQ(rej(3).field(), "birth_date");
  EXPECT_EQ(rej(3).source_key(), "2");
  EXPECT_EQ(rej(4).reason(),
            "patients.csv:4: completed_appointments: not a whole number");
  EXPECT_EQ(rej(5).field(), "updated_at");
  EXPECT_THAT(rej(5).reason(),
              HasSubstr("patients.csv:5: updated_at: not a date-time"));
  EXPECT_EQ(rej(6).reason(),
            "patients.csv:6: wrong number of columns: expected 9, got 10");
  EXPECT_EQ(rej(6).source_key(), "");
  EXPECT_EQ(rej(6).field(), "");
  EXPECT_EQ(rej(7).reason(),
            "patients.csv:7: patient_id: missing key (the cell is empty)");
  EXPECT_EQ(rej(8).reason(),
            "patients.csv:8: patient_id: duplicate key (first on line 2)");
  EXPECT_EQ(rej(8).source_key(), "");  // the key belongs to line 2's record
  EXPECT_EQ(rej(9).reason(),
            "patients.csv:9: patient_id: duplicate key (first on line 3)");
  EXPECT_EQ(rej(10).reason(),
            "patients.csv:10: invalid UTF-8 in column 'last_name'");
  EXPECT_EQ(rej(10).field(), "last_name");
  EXPECT_THAT(rej(11).reason(), HasSubstr("patients.csv:11: unbalanced quote"));
}

TEST_F(PbnCsvSourceTest, MissingRequiredColumnFailsOpen) {
  Write("patients.csv", "patient_id,first_name\n1,Ana\n");
  auto reader = Source()->Open("patient", "", std::nullopt);
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(reader.status()));
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr("patients.csv:1: required column 'last_name' is "
                        "missing from the header"));
  Write("providers.csv", "first_name\nAna\n");
  reader = Source()->Open("provider", "", std::nullopt);
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr("required columns 'provider_id', 'last_name' are "
                        "missing"));
}

TEST_F(PbnCsvSourceTest, MissingFileDirectoryOrObject) {
  auto missing = Source()->Open("patient", "", std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr((dir_ / "patients.csv").string()));

  auto unknown = Source()->Open("invoice", "", std::nullopt);
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("no object 'invoice'"));

  config_.set_directory((dir_ / "absent").string());
  auto list = Source()->ListObjects();
  EXPECT_TRUE(absl::IsNotFound(list.status())) << list.status();
  EXPECT_THAT(std::string(list.status().message()), HasSubstr("absent"));
}

TEST_F(PbnCsvSourceTest, EmptyFileIsAnObjectWithoutRecordsAndAWarning) {
  for (const std::string& bytes : {"", "\xEF\xBB\xBF\r\n\n"}) {
    Write("patients.csv", bytes);
    auto reader = Source()->Open("patient", "", std::nullopt);
    ASSERT_TRUE(reader.ok()) << reader.status();
    v1::RecordBatch b;
    auto more = (*reader)->Next(10, &b);
    ASSERT_TRUE(more.ok()) << more.status();
    ASSERT_TRUE(*more) << "the warning is a batch of its own";
    EXPECT_EQ(b.records_size() + b.rejections_size(), 0);
    ASSERT_EQ(b.warnings_size(), 1);
    EXPECT_EQ(b.warnings(0).reason(),
              "patients.csv: empty file (no header row): no records read");
    EXPECT_EQ(b.warnings(0).location().file(), "patients.csv");
    EXPECT_EQ(b.warnings(0).stage(), "extract");
    more = (*reader)->Next(10, &b);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
    // The declared schema still describes it; a cursor cannot resume in it.
    auto schema = Source()->Describe("patient");
    ASSERT_TRUE(schema.ok()) << schema.status();
    EXPECT_EQ(schema->key_field(), "patient_id");
    auto resumed =
        Source()->Open("patient", "pbn_csv:v1:patient:10:2", std::nullopt);
    EXPECT_TRUE(absl::IsInvalidArgument(resumed.status()));
  }
  // A header the layout cannot use is still an error of the call.
  Write("patients.csv", "first_name\n");
  auto headless = Source()->Open("patient", "", std::nullopt);
  EXPECT_TRUE(absl::IsInvalidArgument(headless.status()));
}

TEST_F(PbnCsvSourceTest, ConfigIsValidated) {
  v1::PbnCsvSourceConfig c;
  EXPECT_THAT(std::string(MakePbnCsvSource(c).status().message()),
              HasSubstr("directory is required"));
  c.set_directory("/tmp");
  c.set_time_zone("Mars/Olympus");
  EXPECT_THAT(std::string(MakePbnCsvSource(c).status().message()),
              HasSubstr("unknown time zone 'Mars/Olympus'"));
  c.set_time_zone("Europe/Istanbul");
  c.set_currency("lira");
  EXPECT_TRUE(absl::IsInvalidArgument(MakePbnCsvSource(c).status()));
  c.set_currency("TRY");
  EXPECT_TRUE(MakePbnCsvSource(c).ok());
}

TEST_F(PbnCsvSourceTest, ListObjectsInDependencyOrderForFilesPresent) {
  Write("patients.csv", std::string(kPatientsHeader));
  Write("locations.csv", "location_id,name\n");
  Write("providers.csv", "provider_id,last_name\n");
  Write("appointments.csv", "appointment_id,patient_id,start_at\n");
  Write("notes.txt", "not an export file\n");
  auto objects = Source()->ListObjects();
  ASSERT_TRUE(objects.ok()) << objects.status();
  std::vector<std::string> names;
  for (const auto& o : *objects) names.push_back(o.object_type());
  EXPECT_THAT(names,
              ElementsAre("location", "provider", "patient", "appointment"));
  EXPECT_EQ((*objects)[2].location(), "patients.csv");
  // Self-references (guarantor_id) are not dependencies.
  EXPECT_THAT((*objects)[2].depends_on(), ElementsAre("location", "provider"));
  EXPECT_THAT((*objects)[0].depends_on(), ElementsAre());
}

TEST_F(PbnCsvSourceTest, DescribeDeclaredAndInferredFields) {
  auto declared = Source()->Describe("patient");
  ASSERT_TRUE(declared.ok()) << declared.status();
  EXPECT_EQ(declared->key_field(), "patient_id");
  EXPECT_EQ(declared->updated_at_field(), "updated_at");
  std::map<std::string, v1::FieldSchema> by_name;
  for (const auto& f : declared->fields()) by_name[f.name()] = f;
  EXPECT_EQ(by_name.size(), 27u);
  EXPECT_EQ(by_name["birth_date"].type(), "date");
  EXPECT_EQ(by_name["completed_appointments"].type(), "int");
  EXPECT_EQ(by_name["updated_at"].type(), "timestamp");
  EXPECT_TRUE(by_name["patient_id"].required());
  EXPECT_FALSE(by_name["email"].required());
  EXPECT_EQ(by_name["guarantor_id"].references(), "patient");
  EXPECT_EQ(by_name["primary_provider_id"].references(), "provider");

  Write("patients.csv", "patient_id,last_name,allergies,vip\n1,Doe,none,yes\n");
  auto with_extras = Source()->Describe("patient");
  ASSERT_TRUE(with_extras.ok());
  ASSERT_EQ(with_extras->fields_size(), 29);
  const auto& allergies = with_extras->fields(27);
  EXPECT_EQ(allergies.name(), "allergies");
  EXPECT_EQ(allergies.type(), "string");
  EXPECT_TRUE(allergies.inferred());
  EXPECT_FALSE(by_name["email"].inferred());
  EXPECT_TRUE(absl::IsNotFound(Source()->Describe("invoice").status()));
}

TEST_F(PbnCsvSourceTest, ResumesFromEveryCursorWithoutLosingDuplicates) {
  std::string text = kPatientsHeader;
  for (int i = 1; i <= 9; ++i) {
    text += std::to_string(i) + ",A,\"Multi\nLine\",,,1,1,,2024-03-01\n";
  }
  text += "3,A,Dup,,,1,1,,2024-03-01\n";  // duplicates row 3
  Write("patients.csv", text);
  Read all = ReadAll("patient", 1);
  ASSERT_EQ(all.order.size(), 10u);
  ASSERT_EQ(all.cursors.size(), 10u);
  for (size_t i = 0; i < all.cursors.size(); ++i) {
    Read rest = ReadAll("patient", 4, all.cursors[i]);
    std::vector<std::string> want(all.order.begin() + i + 1, all.order.end());
    EXPECT_EQ(rest.order, want) << "after cursor " << i;
  }
  // The duplicate is still found when resuming just before it.
  Read tail = ReadAll("patient", 4, all.cursors[8]);
  ASSERT_EQ(tail.rejections.size(), 1u);
  EXPECT_THAT(tail.rejections[0].reason(),
              HasSubstr("duplicate key (first on line 6)"));
}

TEST_F(PbnCsvSourceTest, BadCursors) {
  Write("patients.csv",
        std::string(kPatientsHeader) + "1,A,B,,,1,1,,\n2,A,B,,,1,1,,\n");
  auto source = Source();
  for (const std::string bad :
       {"garbage", "pbn_csv:v1:patient:x:1", "pbn_csv:v2:patient:10:2"}) {
    auto r = source->Open("patient", bad, std::nullopt);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << bad;
  }
  Read all = ReadAll("patient", 1);
  auto wrong_object = source->Open("location", all.cursors[0], std::nullopt);
  EXPECT_TRUE(absl::IsInvalidArgument(wrong_object.status()));
  // The file was replaced by a different one: the cursor no longer falls
  // on a row.
  Write("patients.csv", std::string(kPatientsHeader) +
                            "100,Longer,Name,,,1,1,,\n2,A,B,,,1,1,,\n");
  auto stale = source->Open("patient", all.cursors[0], std::nullopt);
  EXPECT_TRUE(absl::IsInvalidArgument(stale.status())) << stale.status();
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr("replaced"));
}

TEST_F(PbnCsvSourceTest, SinceKeepsChangedRecordsAndUndatedOnes) {
  Write("patients.csv", std::string(kPatientsHeader) +
                            "1,A,Old,,,1,1,,2024-01-01 00:00\n"
                            "2,A,New,,,1,1,,2024-06-01 00:00\n"
                            "3,A,Undated,,,1,1,,\n"
                            "4,A,OldBad,,2023-02-30,1,1,,2024-01-01 00:00\n"
                            "5,A,NewBad,,2023-02-30,1,1,,2024-06-01 00:00\n"
                            "1,A,OldDupOfOld,,,1,1,,2024-01-01 00:00\n"
                            "2,A,NewDupOfNew,,,1,1,,2024-06-02 00:00\n"
                            "6,A,Broken\n");
  v1::Timestamp since;
  // 2024-03-01 00:00 UTC.
  since.set_unix_seconds(1709251200);
  Read got = ReadAll("patient", 10, "", since);
  std::vector<std::string> keys;
  for (const auto& r : got.records) keys.push_back(r.source_key());
  EXPECT_THAT(keys, ElementsAre("2", "3"));
  std::vector<int64_t> lines;
  for (const auto& r : got.rejections) lines.push_back(r.location().line());
  EXPECT_THAT(lines, ElementsAre(6, 8, 9));
}

TEST_F(PbnCsvSourceTest, OtherObjectsOfTheLayoutAreReadToo) {
  config_.set_currency("USD");
  Write("payments.csv",
        "payment_id,patient_id,paid_on,amount,payment_method,updated_at\n"
        "P1,1001,2026-09-15,\"1,234.50\",credit_card,2026-09-15 12:00\n"
        "P2,1001,2026-09-16,12.3.4,cash,2026-09-16 12:00\n");
  Read got = ReadAll("payment");
  ASSERT_EQ(got.records.size(), 1u);
  const v1::Decimal& amount =
      got.records[0].fields().at("amount").decimal_value();
  EXPECT_EQ(amount.unscaled(), 123450);
  EXPECT_EQ(amount.scale(), 2);
  EXPECT_EQ(amount.currency(), "USD");
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_THAT(got.rejections[0].reason(),
              HasSubstr("payments.csv:3: amount: not an amount"));

  Write(
      "providers.csv",
      "provider_id,last_name,active\n10,Rivera,TRUE\n11,Chen,no\n12,X,maybe\n");
  Read providers = ReadAll("provider");
  ASSERT_EQ(providers.records.size(), 2u);
  EXPECT_TRUE(providers.records[0].fields().at("active").bool_value());
  EXPECT_FALSE(providers.records[1].fields().at("active").bool_value());
  ASSERT_EQ(providers.rejections.size(), 1u);
  EXPECT_EQ(providers.rejections[0].reason(),
            "providers.csv:4: active: not a boolean (want true or false)");
}

TEST_F(PbnCsvSourceTest, DocumentsCarryTheirFileAsAnAttachment) {
  fs::create_directories(dir_ / "documents" / "1001");
  fs::create_directories(dir_ / "documents" / "folder.pdf");
  const std::string pdf = "%PDF-1.4\n% tiny\n%%EOF\n";
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\0", 12);
  Write("documents/1001/Consent for treatment.pdf", pdf);
  Write("documents/1001/xray.PNG", png);
  Write("outside.txt", "x");
  Write("documents.csv",
        "document_id,patient_id,file_name,content_type,file_path,size_bytes,"
        "updated_at\n"
        "D1,1001,Consent for treatment.pdf,application/pdf,"
        "documents/1001/Consent for treatment.pdf,22,2026-10-01 08:00\n"  // 2
        "D2,1001,xray.PNG,image/png, ./documents/1001/xray.PNG ,12,\n"    // 3
        "D3,1001,gone.pdf,application/pdf,documents/1001/gone.pdf,,\n"    // 4
        "D4,1001,,,../outside.txt,,\n"                                    // 5
        "D5,1001,,,/etc/hostname,,\n"                                     // 6
        "D6,1001,,,documents/folder.pdf,,\n"                              // 7
        "D7,1001,,,documents/../outside.txt,,\n");                        // 8
  Read got = ReadAll("document", 10);
  ASSERT_EQ(got.records.size(), 3u);
  const v1::Record& consent = got.records[0];
  ASSERT_EQ(consent.attachments_size(), 1);
  const v1::AttachmentRef& a = consent.attachments(0);
  const std::string abs_dir = fs::absolute(dir_).lexically_normal().string();
  EXPECT_EQ(a.uri(), "file://" + abs_dir +
                         "/documents/1001/Consent%20for%20treatment.pdf");
  EXPECT_EQ(a.file_name(), "Consent for treatment.pdf");
  EXPECT_EQ(a.content_type(), "application/pdf");
  EXPECT_EQ(a.size_bytes(), static_cast<int64_t>(pdf.size()));
  EXPECT_EQ(a.sha256(), record::Sha256Hex(pdf));
  // The path stays a field; the fingerprint covers the fields only.
  EXPECT_EQ(consent.fields().at("file_path").string_value(),
            "documents/1001/Consent for treatment.pdf");
  EXPECT_EQ(consent.fingerprint(), record::Fingerprint(consent.fields()));

  const v1::AttachmentRef& x = got.records[1].attachments(0);
  EXPECT_EQ(x.uri(), "file://" + abs_dir + "/documents/1001/xray.PNG");
  EXPECT_EQ(x.content_type(), "image/png");
  EXPECT_EQ(x.size_bytes(), 12);
  EXPECT_EQ(x.sha256(), record::Sha256Hex(png));

  // Inside the directory after normalisation: allowed.
  EXPECT_EQ(got.records[2].source_key(), "D7");
  EXPECT_EQ(got.records[2].attachments(0).uri(),
            "file://" + abs_dir + "/outside.txt");

  ASSERT_EQ(got.rejections.size(), 4u);
  EXPECT_EQ(got.rejections[0].reason(),
            "documents.csv:4: file_path: attachment file not found");
  EXPECT_EQ(got.rejections[0].field(), "file_path");
  EXPECT_EQ(got.rejections[0].source_key(), "D3");
  EXPECT_EQ(got.rejections[1].reason(),
            "documents.csv:5: file_path: attachment path must stay inside "
            "the export directory");
  EXPECT_EQ(got.rejections[2].reason(),
            "documents.csv:6: file_path: attachment path must stay inside "
            "the export directory");
  EXPECT_EQ(got.rejections[3].reason(),
            "documents.csv:7: file_path: attachment is not a regular file");
  for (const auto& r : got.rejections) {
    EXPECT_THAT(r.reason(), Not(HasSubstr("gone")));
    EXPECT_THAT(r.reason(), Not(HasSubstr("outside")));
  }
}

TEST_F(PbnCsvSourceTest, AnEmptyPathIsNoAttachmentAndOtherObjectsHaveNone) {
  Write("documents.csv", "document_id,patient_id,file_path\nD1,1001,\n");
  Read docs = ReadAll("document");
  ASSERT_EQ(docs.records.size(), 1u);
  EXPECT_EQ(docs.records[0].attachments_size(), 0);
  // A file_path column elsewhere is just a string.
  Write("notes.csv", "note_id,patient_id,body,file_path\nN1,1001,Hi,x.pdf\n");
  Read notes = ReadAll("note");
  ASSERT_EQ(notes.records.size(), 1u);
  EXPECT_EQ(notes.records[0].attachments_size(), 0);
}

TEST_F(PbnCsvSourceTest, DecimalColumnsHaveNoCurrency) {
  Write("kpi_metrics.csv",
        "kpi_metric_id,location_id,metric,value,goal\n"
        "K1,1,case_acceptance_rate,62.5,70\n"
        "K2,1,production,\"48,250.00\",50000\n"
        "K3,1,google_rating,n/a,4.8\n");
  Read got = ReadAll("kpi_metric");
  ASSERT_EQ(got.records.size(), 2u);
  const v1::Decimal& rate = got.records[0].fields().at("value").decimal_value();
  EXPECT_EQ(rate.unscaled(), 625);
  EXPECT_EQ(rate.scale(), 1);
  EXPECT_EQ(rate.currency(), "");
  EXPECT_EQ(got.records[1].fields().at("value").decimal_value().unscaled(),
            4825000);
  ASSERT_EQ(got.rejections.size(), 1u);
  EXPECT_EQ(got.rejections[0].reason(),
            "kpi_metrics.csv:4: value: not a decimal number (not a number)");
  auto schema = Source()->Describe("kpi_metric");
  ASSERT_TRUE(schema.ok());
  for (const auto& f : schema->fields()) {
    if (f.name() == "value") EXPECT_EQ(f.type(), "decimal");
  }
}

TEST_F(PbnCsvSourceTest, BatchesCountRecordsAndRejectionsAndEndCleanly) {
  std::string text = kPatientsHeader;
  for (int i = 1; i <= 7; ++i) {
    text += std::to_string(i) + ",A,B,,";
    text += i % 2 ? "1990-01-01" : "1990-13-01";
    text += ",1,1,,\n";
  }
  Write("patients.csv", text);
  auto reader = Source()->Open("patient", "", std::nullopt);
  ASSERT_TRUE(reader.ok());
  int batches = 0, entries = 0;
  v1::RecordBatch b;
  while (*(*reader)->Next(3, &b)) {
    ++batches;
    entries += b.records_size() + b.rejections_size();
  }
  EXPECT_EQ(batches, 3);
  EXPECT_EQ(entries, 7);
  EXPECT_EQ(b.records_size() + b.rejections_size(), 0);
  // Exhausted readers stay exhausted.
  EXPECT_FALSE(*(*reader)->Next(3, &b));
}

}  // namespace
}  // namespace bridgework::extractor
