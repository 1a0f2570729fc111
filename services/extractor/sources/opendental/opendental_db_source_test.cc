// The opendental_db connector against a real MariaDB server (the
// tests/fixtures MariaDbServer) loaded with tests/fixtures/opendental.
#include "services/extractor/sources/opendental/opendental_db_source.h"

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "libs/mariadb/mariadb.h"
#include "libs/record/value.h"
#include "services/extractor/sources/opendental/opendental_tables.h"
#include "tests/fixtures/mariadb_fixture.h"

namespace bridgework::extractor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPasswordEnv[] = "BW_OD_TEST_PASSWORD";
constexpr char kPassword[] = "od-test-secret";

std::string FixturePath(const std::string& name) {
  const char* dir = std::getenv("BRIDGEWORK_SOURCE_DIR");
  return absl::StrCat(dir ? dir : BRIDGEWORK_DEFAULT_SOURCE_DIR,
                      "/tests/fixtures/opendental/", name);
}

struct ReadResult {
  std::map<std::string, v1::Record> records;
  std::vector<std::string> order;  // record keys as read
  std::vector<v1::Rejection> rejections;
  std::vector<std::string> cursors;
  int batches = 0;
};

ReadResult ReadAll(SourceConnector& source, const std::string& object,
                   int batch_size = 500, const std::string& cursor = "",
                   const std::optional<v1::Timestamp>& since = std::nullopt) {
  ReadResult result;
  auto reader = source.Open(object, cursor, since);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return result;
  v1::RecordBatch batch;
  while (true) {
    auto more = (*reader)->Next(batch_size, &batch);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    ++result.batches;
    EXPECT_EQ(batch.object_type(), object);
    EXPECT_LE(batch.records_size() + batch.rejections_size(), batch_size);
    result.cursors.push_back(batch.cursor());
    for (const v1::Record& r : batch.records()) {
      result.order.push_back(r.source_key());
      result.records[r.source_key()] = r;
    }
    for (const v1::Rejection& r : batch.rejections()) {
      result.rejections.push_back(r);
    }
  }
  return result;
}

v1::Timestamp At(const std::string& text) {
  auto t = record::ParseTimestamp(text, "UTC");
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

class OpenDentalDbSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv(kPasswordEnv, kPassword, 1);
    auto server = testing::MariaDbServer::Start();
    if (!server.ok()) {
      start_error_ = new std::string(server.status().ToString());
      return;
    }
    server_ = server->release();
    absl::Status s = server_->Execute(
        absl::StrCat("CREATE USER 'od'@'localhost' IDENTIFIED BY '", kPassword,
                     "'; CREATE USER 'od'@'%' IDENTIFIED BY '", kPassword,
                     "'; GRANT SELECT ON *.* TO 'od'@'localhost';"
                     " GRANT SELECT ON *.* TO 'od'@'%';"));
    if (s.ok()) s = LoadDatabase("opendental");
    // A database holding only the patient table.
    if (s.ok()) s = server_->Execute("CREATE DATABASE partial");
    if (s.ok()) {
      s = server_->Execute(
          "CREATE TABLE patient LIKE opendental.patient;"
          " INSERT INTO patient SELECT * FROM opendental.patient;",
          "partial");
    }
    if (!s.ok()) start_error_ = new std::string(s.ToString());
  }

  static void TearDownTestSuite() {
    delete server_;  // stops the server and removes its files
    server_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    ASSERT_NE(server_, nullptr);
  }

  static absl::Status LoadDatabase(const std::string& name) {
    absl::Status s = server_->Execute(
        absl::StrCat("CREATE DATABASE ", name, " CHARACTER SET utf8mb4"));
    if (s.ok()) s = server_->ExecuteFile(FixturePath("schema.sql"), name);
    if (s.ok()) s = server_->ExecuteFile(FixturePath("data.sql"), name);
    return s;
  }

  static v1::OpenDentalDbSourceConfig Config(
      const std::string& database = "opendental") {
    v1::OpenDentalDbSourceConfig c;
    c.set_host("127.0.0.1");
    c.set_port(server_->port());
    c.set_database(database);
    c.set_user("od");
    c.set_password_env(kPasswordEnv);
    c.set_time_zone("America/Chicago");
    c.set_timeout_seconds(5);
    return c;
  }

  static std::unique_ptr<SourceConnector> Source(
      const v1::OpenDentalDbSourceConfig& config) {
    auto source = MakeOpenDentalDbSource(config);
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? std::move(*source) : nullptr;
  }

  static testing::MariaDbServer* server_;
  static std::string* start_error_;
};

testing::MariaDbServer* OpenDentalDbSourceTest::server_ = nullptr;
std::string* OpenDentalDbSourceTest::start_error_ = nullptr;

TEST_F(OpenDentalDbSourceTest, ListsEveryTableParentsFirst) {
  auto source = Source(Config());
  auto objects = source->ListObjects();
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->size(), opendental::Tables().size());
  std::set<std::string> seen;
  for (const v1::ObjectInfo& o : *objects) {
    for (const std::string& d : o.depends_on()) {
      EXPECT_TRUE(seen.count(d)) << o.object_type() << " before " << d;
    }
    EXPECT_EQ(o.location(), "opendental." + o.object_type());
    seen.insert(o.object_type());
  }
  for (const char* t :
       {"patient",      "clinic",        "provider",  "appointment",
        "procedurelog", "procedurecode", "treatplan", "carrier",
        "insplan",      "inssub",        "patplan",   "claim",
        "claimproc",    "payment",       "paysplit",  "recall",
        "commlog",      "procnote",      "document",  "referral",
        "refattach"}) {
    EXPECT_TRUE(seen.count(t)) << t;
  }
  const v1::ObjectInfo& patient =
      *std::find_if(objects->begin(), objects->end(),
                    [](const auto& o) { return o.object_type() == "patient"; });
  EXPECT_THAT(patient.depends_on(), ElementsAre("provider", "clinic"));

  // Only the tables a database has.
  auto partial = Source(Config("partial"))->ListObjects();
  ASSERT_TRUE(partial.ok()) << partial.status();
  ASSERT_EQ(partial->size(), 1u);
  EXPECT_EQ((*partial)[0].object_type(), "patient");
}

TEST_F(OpenDentalDbSourceTest, DescribesKeyTypesAndReferences) {
  auto schema = Source(Config())->Describe("patient");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->key_field(), "PatNum");
  EXPECT_EQ(schema->updated_at_field(), "DateTStamp");
  std::map<std::string, v1::FieldSchema> fields;
  for (const auto& f : schema->fields()) fields[f.name()] = f;
  EXPECT_EQ(fields.size(), 83u);  // 84 columns less SecurityHash
  EXPECT_FALSE(fields.count("SecurityHash"));
  EXPECT_TRUE(fields["PatNum"].required());
  EXPECT_EQ(fields["PatNum"].type(), "int");
  EXPECT_EQ(fields["Guarantor"].references(), "patient");
  EXPECT_EQ(fields["PriProv"].references(), "provider");
  EXPECT_EQ(fields["ClinicNum"].references(), "clinic");
  EXPECT_EQ(fields["BillingType"].references(), "");  // definition: not read
  EXPECT_EQ(fields["PatStatus"].type(), "string");
  EXPECT_EQ(fields["Birthdate"].type(), "date");
  EXPECT_EQ(fields["EstBalance"].type(), "money");
  EXPECT_EQ(fields["DateTStamp"].type(), "timestamp");
  EXPECT_EQ(fields["Premed"].type(), "bool");
  EXPECT_EQ(fields["LName"].type(), "string");

  auto procnote = Source(Config())->Describe("procnote");
  ASSERT_TRUE(procnote.ok()) << procnote.status();
  EXPECT_EQ(procnote->updated_at_field(), "EntryDateTime");
  for (const auto& f : procnote->fields()) EXPECT_NE(f.name(), "Signature");

  EXPECT_TRUE(
      absl::IsNotFound(Source(Config())->Describe("operatory").status()));
}

TEST_F(OpenDentalDbSourceTest, PatientsDecodeEnumsNullsAndFamilies) {
  auto source = Source(Config());
  ReadResult r = ReadAll(*source, "patient");
  EXPECT_TRUE(r.rejections.empty());
  EXPECT_THAT(r.order, ElementsAre("10", "11", "12", "13", "14"));

  const v1::Record& head = r.records["10"];
  const auto& f = head.fields();
  EXPECT_EQ(head.object_type(), "patient");
  EXPECT_EQ(f.at("PatNum").int_value(), 10);
  EXPECT_EQ(f.at("LName").string_value(), "Lindqvist");
  EXPECT_EQ(f.at("PatStatus").string_value(), "Patient");
  EXPECT_EQ(f.at("Gender").string_value(), "Female");
  EXPECT_EQ(f.at("Position").string_value(), "Married");
  EXPECT_EQ(f.at("PreferContactMethod").string_value(), "WirelessPh");
  EXPECT_EQ(f.at("TxtMsgOk").string_value(), "Yes");
  EXPECT_EQ(record::DateToString(f.at("Birthdate").date_value()), "1982-03-09");
  EXPECT_EQ(record::DecimalToString(f.at("EstBalance").decimal_value()),
            "35.50");
  EXPECT_EQ(f.at("EstBalance").decimal_value().currency(), "USD");
  EXPECT_FALSE(f.at("Premed").bool_value());
  // The family: the head is their own guarantor (kept), the others point
  // at the head.
  EXPECT_EQ(f.at("Guarantor").int_value(), 10);
  EXPECT_EQ(r.records["11"].fields().at("Guarantor").int_value(), 10);
  EXPECT_EQ(r.records["12"].fields().at("Guarantor").int_value(), 10);
  EXPECT_EQ(r.records["12"].fields().at("Position").string_value(), "Child");
  // Change time: TIMESTAMP read as UTC, shown in the practice's zone.
  EXPECT_EQ(head.source_updated_at().unix_seconds(),
            At("2024-01-10 09:00:00").unix_seconds());
  EXPECT_EQ(head.source_updated_at().zone(), "America/Chicago");
  EXPECT_EQ(head.location().file(), "patient");
  EXPECT_EQ(head.location().record(), "10");
  EXPECT_EQ(head.fingerprint(), record::Fingerprint(head.fields()));

  // 0001-01-01 dates, 0 foreign keys and empty strings are null.
  const auto& single = r.records["13"].fields();
  EXPECT_TRUE(record::IsNull(single.at("Birthdate")));
  EXPECT_TRUE(record::IsNull(single.at("DateFirstVisit")));
  EXPECT_TRUE(record::IsNull(single.at("SecProv")));
  EXPECT_TRUE(record::IsNull(single.at("ClinicNum")));
  EXPECT_TRUE(record::IsNull(single.at("BillingType")));
  EXPECT_TRUE(record::IsNull(single.at("Email")));
  EXPECT_EQ(single.at("PatStatus").string_value(), "NonPatient");
  EXPECT_EQ(single.at("PriProv").int_value(), 1);
  EXPECT_EQ(r.records["14"].fields().at("PatStatus").string_value(),
            "Deceased");
  EXPECT_FALSE(single.count("SecurityHash"));
}

TEST_F(OpenDentalDbSourceTest, UnknownEnumValueIsRejectedAndReadingGoesOn) {
  auto source = Source(Config());
  ReadResult r = ReadAll(*source, "appointment", 2);
  EXPECT_THAT(r.order, ElementsAre("100", "101", "103"));
  ASSERT_EQ(r.rejections.size(), 1u);
  const v1::Rejection& bad = r.rejections[0];
  EXPECT_EQ(bad.reason(), "appointment 102: AptStatus: unknown value 9");
  EXPECT_EQ(bad.source_key(), "102");
  EXPECT_EQ(bad.field(), "AptStatus");
  EXPECT_EQ(bad.object_type(), "appointment");
  EXPECT_EQ(bad.location().file(), "appointment");
  EXPECT_EQ(bad.stage(), "extract");

  const auto& done = r.records["100"].fields();
  EXPECT_EQ(done.at("AptStatus").string_value(), "Complete");
  EXPECT_EQ(done.at("ProvHyg").int_value(), 2);
  // DATETIME is the practice's wall clock: 09:00 in Chicago is 15:00 UTC.
  EXPECT_EQ(done.at("AptDateTime").timestamp_value().unix_seconds(),
            At("2024-02-01 15:00:00").unix_seconds());
  EXPECT_EQ(done.at("AptDateTime").timestamp_value().zone(), "America/Chicago");
  EXPECT_EQ(r.records["101"].fields().at("AptStatus").string_value(),
            "Scheduled");
  EXPECT_TRUE(record::IsNull(r.records["101"].fields().at("ProvHyg")));
  EXPECT_TRUE(record::IsNull(r.records["101"].fields().at("DateTimeArrived")));
  EXPECT_EQ(r.records["103"].fields().at("AptStatus").string_value(), "Broken");
  EXPECT_TRUE(r.records["103"].fields().at("IsNewPatient").has_bool_value());
}

TEST_F(OpenDentalDbSourceTest, AmountsAreCentsAndMinusOneIsBlank) {
  auto source = Source(Config());
  ReadResult procs = ReadAll(*source, "procedurelog");
  ASSERT_EQ(procs.records.size(), 3u);
  const auto& p = procs.records["1001"].fields();
  EXPECT_EQ(record::DecimalToString(p.at("ProcFee").decimal_value()), "120.50");
  EXPECT_EQ(p.at("ProcStatus").string_value(), "C");
  EXPECT_EQ(procs.records["1002"].fields().at("ProcStatus").string_value(),
            "TP");
  EXPECT_EQ(procs.records["1002"].fields().at("ToothNum").string_value(), "14");
  EXPECT_TRUE(record::IsNull(procs.records["1002"].fields().at("AptNum")));

  ReadResult cps = ReadAll(*source, "claimproc");
  ASSERT_EQ(cps.records.size(), 2u);
  const auto& c1 = cps.records["1"].fields();
  EXPECT_EQ(record::DecimalToString(c1.at("InsPayEst").decimal_value()),
            "76.00");
  EXPECT_EQ(c1.at("Status").string_value(), "NotReceived");
  EXPECT_TRUE(record::IsNull(c1.at("CopayOverride")));
  EXPECT_TRUE(record::IsNull(c1.at("WriteOffEst")));
  const auto& c2 = cps.records["2"].fields();
  EXPECT_EQ(record::DecimalToString(c2.at("WriteOffEst").decimal_value()),
            "12.25");
  EXPECT_TRUE(record::IsNull(c2.at("DedEst")));
  // -1 only means blank where Open Dental says so.
  ReadResult clinics = ReadAll(*source, "clinic");
  EXPECT_EQ(clinics.records["2"].fields().at("InsBillingProv").int_value(), -1);
  EXPECT_TRUE(
      record::IsNull(clinics.records["1"].fields().at("InsBillingProv")));
}

TEST_F(OpenDentalDbSourceTest, EveryTableReads) {
  auto source = Source(Config());
  std::map<std::string, size_t> want = {
      {"provider", 3},    {"clinic", 2},        {"patient", 5},
      {"referral", 1},    {"procedurecode", 3}, {"carrier", 1},
      {"insplan", 1},     {"inssub", 1},        {"patplan", 3},
      {"appointment", 3}, {"procedurelog", 3},  {"procnote", 2},
      {"document", 1},    {"treatplan", 1},     {"claim", 1},
      {"claimproc", 2},   {"payment", 1},       {"paysplit", 2},
      {"recall", 2},      {"commlog", 2},       {"refattach", 1}};
  for (const auto& [table, count] : want) {
    ReadResult r = ReadAll(*source, table);
    EXPECT_EQ(r.records.size(), count) << table;
    if (table != "appointment") EXPECT_TRUE(r.rejections.empty()) << table;
  }
  ReadResult subs = ReadAll(*source, "inssub");
  EXPECT_TRUE(record::IsNull(subs.records["1"].fields().at("DateTerm")));
  EXPECT_TRUE(subs.records["1"].fields().at("ReleaseInfo").bool_value());
  ReadResult comm = ReadAll(*source, "commlog");
  EXPECT_EQ(comm.records["1"].fields().at("Mode_").string_value(), "Phone");
  EXPECT_TRUE(record::IsNull(comm.records["2"].fields().at("PatNum")));
  EXPECT_EQ(comm.records["2"].fields().at("ReferralNum").int_value(), 1);
  ReadResult docs = ReadAll(*source, "document");
  EXPECT_EQ(docs.records["1"].fields().at("ImgType").string_value(),
            "Radiograph");
  EXPECT_FALSE(docs.records["1"].fields().count("RawBase64"));
}

TEST_F(OpenDentalDbSourceTest, BatchesAndCursorsResume) {
  auto source = Source(Config());
  ReadResult all = ReadAll(*source, "patient", 2);
  EXPECT_EQ(all.batches, 3);
  ASSERT_EQ(all.cursors.size(), 3u);
  EXPECT_EQ(all.cursors[0], "opendental_db:v1:patient:11");
  EXPECT_EQ(all.cursors[1], "opendental_db:v1:patient:13");

  ReadResult rest = ReadAll(*source, "patient", 2, all.cursors[0]);
  EXPECT_THAT(rest.order, ElementsAre("12", "13", "14"));
  ReadResult none = ReadAll(*source, "patient", 2, all.cursors[2]);
  EXPECT_TRUE(none.order.empty());

  EXPECT_TRUE(absl::IsInvalidArgument(
      source->Open("patient", "opendental_db:v1:patient:x", std::nullopt)
          .status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      source->Open("patient", "pbn_csv:v1:patient:0:1", std::nullopt)
          .status()));
  auto other = source->Open("appointment", all.cursors[0], std::nullopt);
  EXPECT_TRUE(absl::IsInvalidArgument(other.status()));
  EXPECT_THAT(other.status().message(), HasSubstr("'patient'"));
}

TEST_F(OpenDentalDbSourceTest, SinceReadsRowsChangedAfterTheWatermark) {
  auto source = Source(Config());
  const v1::Timestamp since = At("2024-03-01 00:00:00");
  EXPECT_THAT(ReadAll(*source, "patient", 500, "", since).order,
              ElementsAre("13", "14"));
  ReadResult appts = ReadAll(*source, "appointment", 500, "", since);
  EXPECT_THAT(appts.order, ElementsAre("103"));
  EXPECT_EQ(appts.rejections.size(), 1u);  // 102 changed too, and is bad
  // Strictly after: a watermark equal to a row's change time leaves it out.
  EXPECT_THAT(
      ReadAll(*source, "patient", 500, "", At("2024-03-05 12:00:00")).order,
      ElementsAre("14"));
  // SecDateTEdit tables.
  EXPECT_TRUE(ReadAll(*source, "payment", 500, "", since).order.empty());
  // procnote's EntryDateTime is local (Chicago): 10:00 local is 16:00 UTC.
  EXPECT_THAT(
      ReadAll(*source, "procnote", 500, "", At("2024-03-02 15:59:59")).order,
      ElementsAre("2"));
  EXPECT_TRUE(ReadAll(*source, "procnote", 500, "", At("2024-03-02 16:00:00"))
                  .order.empty());
  // clinic has no change time: always read whole.
  EXPECT_EQ(ReadAll(*source, "clinic", 500, "", since).order.size(), 2u);

  // An edit moves DateTStamp (ON UPDATE CURRENT_TIMESTAMP), so the next
  // incremental read picks the row up.
  ASSERT_TRUE(server_->Execute("CREATE DATABASE incremental").ok());
  ASSERT_TRUE(server_
                  ->Execute("CREATE TABLE patient LIKE opendental.patient;"
                            " INSERT INTO patient SELECT * FROM "
                            "opendental.patient;"
                            " UPDATE patient SET WkPhone = '217-555-0177'"
                            " WHERE PatNum = 11;",
                            "incremental")
                  .ok());
  auto incremental = Source(Config("incremental"));
  EXPECT_THAT(ReadAll(*incremental, "patient", 500, "", since).order,
              ElementsAre("11", "13", "14"));
}

TEST_F(OpenDentalDbSourceTest, ReaderReconnectsWhenItsConnectionDrops) {
  auto source = Source(Config());
  auto reader = source->Open("patient", "", std::nullopt);
  ASSERT_TRUE(reader.ok()) << reader.status();
  v1::RecordBatch batch;
  ASSERT_TRUE(*(*reader)->Next(2, &batch));
  // Kill every connection of the connector's user.
  auto root = mariadb::Connection::Connect(server_->RootOptions());
  ASSERT_TRUE(root.ok()) << root.status();
  auto ids = (*root)->Query(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'od'");
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_FALSE(ids->empty());
  for (const auto& row : *ids) {
    ASSERT_TRUE(
        (*root)->Execute(absl::StrCat("KILL CONNECTION ", *row[0])).ok());
  }
  auto more = (*reader)->Next(2, &batch);
  ASSERT_TRUE(more.ok()) << more.status();
  ASSERT_TRUE(*more);
  ASSERT_EQ(batch.records_size(), 2);
  EXPECT_EQ(batch.records(0).source_key(), "12");
}

TEST_F(OpenDentalDbSourceTest, ReadsThroughTheUnixSocket) {
  v1::OpenDentalDbSourceConfig c = Config();
  c.clear_host();
  c.set_port(0);
  c.set_unix_socket(server_->socket());
  EXPECT_EQ(ReadAll(*Source(c), "provider").records.size(), 3u);
}

TEST_F(OpenDentalDbSourceTest, ErrorsNameTheirCause) {
  // Unreachable: a port nobody listens on.
  v1::OpenDentalDbSourceConfig down = Config();
  down.set_port(1);
  auto objects = Source(down)->ListObjects();
  EXPECT_TRUE(absl::IsUnavailable(objects.status())) << objects.status();
  EXPECT_THAT(objects.status().message(), HasSubstr("127.0.0.1:1"));
  EXPECT_THAT(objects.status().message(), Not(HasSubstr(kPassword)));
  auto open = Source(down)->Open("patient", "", std::nullopt);
  EXPECT_TRUE(absl::IsUnavailable(open.status())) << open.status();

  // Bad credentials.
  setenv("BW_OD_WRONG_PASSWORD", "not-the-password", 1);
  v1::OpenDentalDbSourceConfig wrong = Config();
  wrong.set_password_env("BW_OD_WRONG_PASSWORD");
  auto denied = Source(wrong)->ListObjects();
  EXPECT_TRUE(absl::IsUnauthenticated(denied.status())) << denied.status();
  EXPECT_THAT(denied.status().message(), Not(HasSubstr("not-the-password")));

  // A missing table, a missing database, an unknown object.
  auto missing =
      Source(Config("partial"))->Open("appointment", "", std::nullopt);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(missing.status().message(),
              HasSubstr("table 'appointment' not found in database 'partial'"));
  auto no_db = Source(Config("no_such_db"))->ListObjects();
  EXPECT_TRUE(absl::IsNotFound(no_db.status())) << no_db.status();
  auto unknown = Source(Config())->Open("fee", "", std::nullopt);
  EXPECT_TRUE(absl::IsNotFound(unknown.status())) << unknown.status();
  EXPECT_THAT(unknown.status().message(), HasSubstr("has no object 'fee'"));
}

TEST_F(OpenDentalDbSourceTest, BadConfigs) {
  v1::OpenDentalDbSourceConfig c = Config();
  c.set_password_env("BW_OD_UNSET_VARIABLE");
  unsetenv("BW_OD_UNSET_VARIABLE");
  auto s = MakeOpenDentalDbSource(c);
  EXPECT_TRUE(absl::IsInvalidArgument(s.status()));
  EXPECT_THAT(s.status().message(), HasSubstr("BW_OD_UNSET_VARIABLE"));
  c = Config();
  c.clear_database();
  EXPECT_TRUE(absl::IsInvalidArgument(MakeOpenDentalDbSource(c).status()));
  c = Config();
  c.set_time_zone("Mars/Olympus");
  EXPECT_TRUE(absl::IsInvalidArgument(MakeOpenDentalDbSource(c).status()));
  c = Config();
  c.set_currency("usd");
  EXPECT_TRUE(absl::IsInvalidArgument(MakeOpenDentalDbSource(c).status()));
}

TEST(OpenDentalTablesTest, ParentsFirstAndEnumsKnown) {
  std::set<std::string> seen;
  for (const opendental::TableSpec& t : opendental::Tables()) {
    for (const char* d : t.DependsOn()) {
      EXPECT_TRUE(seen.count(d)) << t.table << " references " << d;
    }
    seen.insert(t.table);
  }
  const opendental::TableSpec* appt = opendental::FindTable("appointment");
  ASSERT_NE(appt, nullptr);
  const opendental::EnumDef* status = appt->FindEnum("AptStatus");
  ASSERT_NE(status, nullptr);
  EXPECT_STREQ(status->Find(2), "Complete");
  EXPECT_STREQ(status->Find(8), "PtNoteCompleted");
  EXPECT_EQ(status->Find(9), nullptr);
  EXPECT_STREQ(
      opendental::FindTable("procedurelog")->FindEnum("ProcStatus")->Find(1),
      "TP");
  EXPECT_EQ(
      opendental::FindTable("procedurelog")->FindEnum("ProcStatus")->Find(0),
      nullptr);
}

}  // namespace
}  // namespace bridgework::extractor
