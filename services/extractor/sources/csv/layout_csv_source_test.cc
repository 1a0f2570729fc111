// The layout_csv connector: the CSV engine with a YAML layout. Reads the
// two shipped sample exports (examples/*/data) and small exports written
// here for the dialect options, attachments, cursors and config errors.
#include "services/extractor/sources/csv/layout_csv_source.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/csv_layout/layout_yaml.h"
#include "libs/record/value.h"

namespace bridgework::extractor {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Read {
  std::vector<v1::Record> records;
  std::vector<v1::Rejection> rejections;
  std::vector<std::string> cursors;
};

Read ReadAll(SourceConnector& source, const std::string& object, int batch = 7,
             const std::string& cursor = "",
             std::optional<v1::Timestamp> since = std::nullopt) {
  Read out;
  auto reader = source.Open(object, cursor, since);
  EXPECT_TRUE(reader.ok()) << object << ": " << reader.status();
  if (!reader.ok()) return out;
  while (true) {
    v1::RecordBatch b;
    auto more = (*reader)->Next(batch, &b);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    for (const auto& r : b.records()) out.records.push_back(r);
    for (const auto& r : b.rejections()) out.rejections.push_back(r);
    out.cursors.push_back(b.cursor());
  }
  return out;
}

std::string SourceDir() {
  const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
  EXPECT_NE(root, nullptr) << "BRIDGEWORK_SOURCE_DIR is not set (run with "
                              "ctest)";
  return root == nullptr ? "" : root;
}

std::string FileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything one shipped example holds, read through the connector.
struct Example {
  fs::path dir;  // examples/<name>
  std::unique_ptr<SourceConnector> source;
  csv_layout::Layout layout;
  // ListObjects, in order.
  std::vector<std::string> order;
  std::map<std::string, Read> objects;
};

Example ReadExample(const std::string& name, const std::string& zone,
                    const std::string& currency) {
  Example e;
  e.dir = fs::path(SourceDir()) / "examples" / name;
  v1::LayoutCsvSourceConfig config;
  config.set_directory((e.dir / "data").string());
  config.set_layout((e.dir / "layout.yaml").string());
  config.set_time_zone(zone);
  config.set_currency(currency);
  auto source = MakeLayoutCsvSource(config);
  EXPECT_TRUE(source.ok()) << source.status();
  if (!source.ok()) return e;
  e.source = std::move(*source);
  auto layout = csv_layout::LoadLayoutFile(config.layout());
  EXPECT_TRUE(layout.ok()) << layout.status();
  if (layout.ok()) e.layout = *layout;
  auto listed = e.source->ListObjects();
  EXPECT_TRUE(listed.ok()) << listed.status();
  if (!listed.ok()) return e;
  for (const v1::ObjectInfo& info : *listed) {
    e.order.push_back(info.object_type());
    e.objects[info.object_type()] = ReadAll(*e.source, info.object_type());
  }
  return e;
}

// Every rejection: "<reason> [<key>/<field>]".
std::vector<std::string> Rejections(const Example& e) {
  std::vector<std::string> out;
  for (const auto& [object, read] : e.objects) {
    for (const auto& r : read.rejections) {
      out.push_back(r.reason() + " [" + r.source_key() + "/" + r.field() + "]");
    }
  }
  return out;
}

std::map<std::string, size_t> RecordCounts(const Example& e) {
  std::map<std::string, size_t> out;
  for (const auto& [object, read] : e.objects) {
    out[object] = read.records.size();
  }
  return out;
}

// Every reference held by a record names a key of the referenced object
// (a record's or a rejection's), and none names a rejected row.
void ExpectReferencesResolve(const Example& e) {
  std::map<std::string, std::set<std::string>> keys, rejected;
  for (const auto& [object, read] : e.objects) {
    for (const auto& r : read.records) keys[object].insert(r.source_key());
    for (const auto& r : read.rejections) {
      rejected[object].insert(r.source_key());
    }
  }
  int checked = 0;
  for (const csv_layout::ObjectSpec& spec : e.layout.objects) {
    for (const csv_layout::ColumnSpec& column : spec.columns) {
      if (column.references.empty()) continue;
      for (const auto& r : e.objects.at(spec.object).records) {
        auto it = r.fields().find(column.name);
        if (it == r.fields().end() || record::IsNull(it->second)) continue;
        const std::string& value = it->second.string_value();
        EXPECT_TRUE(keys[column.references].count(value))
            << spec.file << ":" << r.location().line() << " " << column.name
            << " names a missing " << column.references;
        EXPECT_FALSE(rejected[column.references].count(value))
            << spec.file << ":" << r.location().line() << " " << column.name
            << " names a rejected " << column.references;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 300);
}

const v1::Record& ByKey(const Read& read, const std::string& key) {
  for (const auto& r : read.records) {
    if (r.source_key() == key) return r;
  }
  ADD_FAILURE() << "no record " << key;
  static const v1::Record kNone;
  return kNone;
}

TEST(LayoutCsvExamples, DrDentesExport) {
  Example e = ReadExample("drdentes-freshsales", "Europe/Istanbul", "TRY");
  ASSERT_NE(e.source, nullptr);
  // Every object of seed 003 that holds data, parents first.
  EXPECT_THAT(
      e.order,
      ElementsAre("clinic", "staff", "treatment_item", "patient",
                  "treatment_case", "treatment_case_item", "appointment",
                  "clinical_note", "recall", "billing", "imaging_record",
                  "lab_order", "prescription", "workflow"));
  EXPECT_EQ(RecordCounts(e),
            (std::map<std::string, size_t>{{"appointment", 104},
                                           {"billing", 27},
                                           {"clinic", 3},
                                           {"clinical_note", 41},
                                           {"imaging_record", 12},
                                           {"lab_order", 12},
                                           {"patient", 44},
                                           {"prescription", 15},
                                           {"recall", 26},
                                           {"staff", 12},
                                           {"treatment_case", 30},
                                           {"treatment_case_item", 68},
                                           {"treatment_item", 18},
                                           {"workflow", 6}}));

  // The two documented bad rows (data/README.md), and nothing else.
  EXPECT_THAT(Rejections(e),
              ElementsAre("appointments.csv:31: duration_minutes: not a whole "
                          "number [R00030/duration_minutes]",
                          "patients.csv:41: birth_date: impossible date "
                          "[H0040/birth_date]"));
  ExpectReferencesResolve(e);

  // Turkish conventions, typed.
  const v1::Record& patient = ByKey(e.objects["patient"], "H0001");
  EXPECT_EQ(patient.location().file(), "patients.csv");
  EXPECT_EQ(patient.location().line(), 2);
  EXPECT_EQ(
      record::DateToString(patient.fields().at("birth_date").date_value()),
      "1954-09-01");
  EXPECT_EQ(patient.fields().at("medical_alerts").string_value(),
            "Lateks alerjisi; lokal anestezide dikkat");
  EXPECT_TRUE(patient.fields().at("kvkk_consent").bool_value());
  EXPECT_EQ(patient.fields().at("recall_interval_months").int_value(), 6);
  EXPECT_EQ(patient.source_updated_at().zone(), "Europe/Istanbul");
  // Unconverted leads have no first appointment.
  int leads = 0;
  for (const auto& p : e.objects["patient"].records) {
    leads += record::IsNull(p.fields().at("first_appointment_date")) ? 1 : 0;
  }
  EXPECT_EQ(leads, 8);

  const v1::Record& appointment = ByKey(e.objects["appointment"], "R00001");
  // 06.02.2024 12:45 in Istanbul (+03:00) is 09:45 UTC.
  EXPECT_EQ(
      appointment.fields().at("start_at").timestamp_value().unix_seconds(),
      1707212700);

  const v1::Record& bill = ByKey(e.objects["billing"], "B0001");
  const v1::Decimal& billed = bill.fields().at("billed_amount").decimal_value();
  EXPECT_EQ(record::DecimalToString(billed), "5000.00");
  EXPECT_EQ(billed.currency(), "TRY");
  const v1::Decimal& coverage =
      bill.fields().at("coverage_pct").decimal_value();
  EXPECT_EQ(record::DecimalToString(coverage), "50");
  EXPECT_EQ(coverage.currency(), "");
  // The column with its own (ISO) format.
  EXPECT_EQ(record::DateToString(bill.fields().at("invoice_date").date_value()),
            "2024-02-28");

  // A clinical note longer than a Freshsales note (32 KB).
  size_t longest = 0;
  for (const auto& n : e.objects["clinical_note"].records) {
    longest = std::max(longest, n.fields().at("text").string_value().size());
  }
  EXPECT_GT(longest, 32u * 1024);

  // Imaging records carry their file, except the one never uploaded.
  int with_file = 0;
  for (const auto& r : e.objects["imaging_record"].records) {
    if (record::IsNull(r.fields().at("image_file"))) {
      EXPECT_EQ(r.attachments_size(), 0) << r.source_key();
      continue;
    }
    ASSERT_EQ(r.attachments_size(), 1) << r.source_key();
    const v1::AttachmentRef& a = r.attachments(0);
    const fs::path file =
        e.dir / "data" / r.fields().at("image_file").string_value();
    EXPECT_EQ(a.uri(), "file://" + fs::absolute(file).string());
    EXPECT_EQ(a.file_name(), r.source_key() + ".png");
    EXPECT_EQ(a.content_type(), "image/png");
    const std::string bytes = FileBytes(file);
    EXPECT_EQ(a.size_bytes(), static_cast<int64_t>(bytes.size()));
    EXPECT_EQ(a.sha256(), record::Sha256Hex(bytes));
    ++with_file;
  }
  EXPECT_EQ(with_file, 11);
}

TEST(LayoutCsvExamples, ClinicExport) {
  Example e = ReadExample("clinic-freshsales", "America/Los_Angeles", "USD");
  ASSERT_NE(e.source, nullptr);
  EXPECT_THAT(
      e.order,
      ElementsAre("location", "provider", "insurance_carrier",
                  "referring_physician", "custom_field_definition", "patient",
                  "patient_custom_field", "appointment", "treatment_plan",
                  "billing", "lab_result", "document", "workflow", "report"));
  EXPECT_EQ(RecordCounts(e),
            (std::map<std::string, size_t>{{"appointment", 82},
                                           {"billing", 39},
                                           {"custom_field_definition", 6},
                                           {"document", 14},
                                           {"insurance_carrier", 7},
                                           {"lab_result", 20},
                                           {"location", 3},
                                           {"patient", 40},
                                           {"patient_custom_field", 84},
                                           {"provider", 12},
                                           {"referring_physician", 10},
                                           {"report", 6},
                                           {"treatment_plan", 19},
                                           {"workflow", 8}}));
  EXPECT_THAT(Rejections(e),
              ElementsAre("billing.csv:24: amount_billed: not an amount (not "
                          "a number) [BL-00023/amount_billed]",
                          "documents.csv:10: file_path: attachment file not "
                          "found [DOC-0009/file_path]"));
  ExpectReferencesResolve(e);

  // The byte-order mark is not part of the first column's name.
  const v1::Record& location = ByKey(e.objects["location"], "L1");
  EXPECT_EQ(location.fields().at("address_line1").string_value(),
            "1220 NW Lovejoy St, Suite 300");
  EXPECT_TRUE(location.fields().at("active").bool_value());

  // providers.csv is Windows-1252 without a byte-order mark ("encoding:
  // auto"): its names arrive as UTF-8.
  const v1::Record& therapist = ByKey(e.objects["provider"], "P05");
  EXPECT_EQ(therapist.fields().at("first_name").string_value(), "Tom\xC3\xA1s");

  // 12-hour US times in the clinic's zone: 02/02/2023 01:15 PM is PST.
  const v1::Record& visit = ByKey(e.objects["appointment"], "A-040001");
  const v1::Timestamp& start =
      visit.fields().at("scheduled_start").timestamp_value();
  EXPECT_EQ(start.unix_seconds(), 1675372500);
  EXPECT_EQ(start.zone(), "America/Los_Angeles");

  // The lab interface's ISO columns (per-column formats, one with %Ez).
  const v1::Record& lab = ByKey(e.objects["lab_result"], "LR-00001");
  EXPECT_EQ(record::DateToString(lab.fields().at("collected_on").date_value()),
            "2023-06-08");
  EXPECT_EQ(lab.fields().at("resulted_at").timestamp_value().unix_seconds(),
            1686242563);

  const v1::Record& patient = ByKey(e.objects["patient"], "RB-10002");
  EXPECT_EQ(patient.fields().at("balance_due").decimal_value().currency(),
            "USD");
  EXPECT_TRUE(patient.fields().at("sms_opt_in").has_bool_value());

  // Multi-line quoted goals, CRLF kept inside the cell.
  bool multi_line = false;
  for (const auto& p : e.objects["treatment_plan"].records) {
    multi_line = multi_line || p.fields().at("goals").string_value().find(
                                   '\n') != std::string::npos;
  }
  EXPECT_TRUE(multi_line);

  // Documents: PDF, PNG and text files, each described.
  std::set<std::string> types;
  for (const auto& d : e.objects["document"].records) {
    ASSERT_EQ(d.attachments_size(), 1) << d.source_key();
    const v1::AttachmentRef& a = d.attachments(0);
    types.insert(a.content_type());
    const std::string bytes =
        FileBytes(e.dir / "data" / d.fields().at("file_path").string_value());
    EXPECT_FALSE(bytes.empty());
    EXPECT_EQ(a.sha256(), record::Sha256Hex(bytes));
    if (a.content_type() == "application/pdf") {
      EXPECT_THAT(bytes, StartsWith("%PDF-1.4"));
    }
  }
  EXPECT_THAT(types, ElementsAre("application/pdf", "image/png", "text/plain"));
}

// Small exports written by each test.
class LayoutCsvSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bw-layout-csv-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    config_.set_directory((dir_ / "data").string());
    config_.set_layout((dir_ / "layout.yaml").string());
    config_.set_time_zone("Europe/Istanbul");
    config_.set_currency("TRY");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Layout(const std::string& yaml) {
    std::ofstream(dir_ / "layout.yaml") << yaml;
  }
  void Data(const std::string& file, const std::string& text) {
    fs::create_directories((dir_ / "data" / file).parent_path());
    std::ofstream(dir_ / "data" / file, std::ios::binary) << text;
  }
  std::unique_ptr<SourceConnector> Source() {
    auto s = MakeLayoutCsvSource(config_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Reasons of the rejections, "<line>: <field>: <why>" without the file.
  static std::vector<std::string> Reasons(const Read& read) {
    std::vector<std::string> out;
    for (const auto& r : read.rejections) out.push_back(r.reason());
    return out;
  }

  fs::path dir_;
  v1::LayoutCsvSourceConfig config_;
};

constexpr char kAmountsLayout[] = R"(version: 1
options: {delimiter: ";", decimal_separator: ",", date_formats: "%d.%m.%Y"}
objects:
  - object: payment
    file: payments.csv
    key: id
    columns:
      - name: id
      - {name: amount, type: money}
      - {name: rate, type: decimal}
      - {name: paid_on, type: date}
      - {name: at, type: timestamp, format: "%d.%m.%Y %H:%M"}
)";

TEST_F(LayoutCsvSourceTest, DecimalCommaAndFormats) {
  Layout(kAmountsLayout);
  Data("payments.csv",
       "id;amount;rate;paid_on;at\n"
       "1;1.234,50;12,5;29.02.2024;01.03.2024 09:30\n"  // 2
       "2;-1.234.567,8;0;01.01.2024;\n"                 // 3
       "3;1.5;;;\n"                                     // 4: a lone dot
       "4;12,3,4;;;\n"                                  // 5
       "5;1.2345;;;\n"                                  // 6: bad grouping
       "6;;1,5.0;;\n"                                   // 7
       "7;;;31.02.2024;\n"                              // 8
       "8;;;2024-02-01;\n"                              // 9
       "9;;;;01.03.2024\n"                              // 10
       "10;1234;;;\n");                                 // 11
  Read got = ReadAll(*Source(), "payment");
  ASSERT_EQ(got.records.size(), 3u);
  const auto& a = got.records[0].fields();
  EXPECT_EQ(record::DecimalToString(a.at("amount").decimal_value()), "1234.50");
  EXPECT_EQ(a.at("amount").decimal_value().currency(), "TRY");
  EXPECT_EQ(record::DecimalToString(a.at("rate").decimal_value()), "12.5");
  EXPECT_EQ(a.at("rate").decimal_value().currency(), "");
  EXPECT_EQ(record::DateToString(a.at("paid_on").date_value()), "2024-02-29");
  // 09:30 in Istanbul (+03:00).
  EXPECT_EQ(record::TimestampToString(a.at("at").timestamp_value()),
            "2024-03-01T09:30:00+03:00");
  EXPECT_EQ(a.at("at").timestamp_value().zone(), "Europe/Istanbul");
  EXPECT_EQ(record::DecimalToString(
                got.records[1].fields().at("amount").decimal_value()),
            "-1234567.8");
  EXPECT_EQ(record::DecimalToString(
                got.records[2].fields().at("amount").decimal_value()),
            "1234");
  const std::string want_comma =
      " (want a decimal comma and dots between thousands: 1.234,50)";
  EXPECT_THAT(
      Reasons(got),
      ElementsAre("payments.csv:4: amount: not an amount" + want_comma,
                  "payments.csv:5: amount: not an amount" + want_comma,
                  "payments.csv:6: amount: not an amount" + want_comma,
                  "payments.csv:7: rate: not a decimal number" + want_comma,
                  "payments.csv:8: paid_on: impossible date",
                  "payments.csv:9: paid_on: not a date (want %d.%m.%Y)",
                  "payments.csv:10: at: not a date-time (want %d.%m.%Y "
                  "%H:%M)"));
}

TEST_F(LayoutCsvSourceTest, EnumeratedColumnsDecodeAndRejectUnknownValues) {
  Layout(
      "version: 1\nobjects:\n  - object: payment\n    file: payments.csv\n"
      "    key: id\n    columns:\n      - name: id\n"
      "      - {name: method, values: {N: Nakit, KK: Kredi Kartı}}\n"
      "      - {name: status, values: [Paid, Unpaid]}\n");
  Data("payments.csv",
       "id,method,status\n1,kk,paid\n2,N,\n3,Havale,Paid\n4,N,Refunded\n");
  Read got = ReadAll(*Source(), "payment");
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].fields().at("method").string_value(), "Kredi Kartı");
  EXPECT_EQ(got.records[0].fields().at("status").string_value(), "Paid");
  EXPECT_TRUE(got.records[1].fields().at("status").null_value());
  EXPECT_THAT(Reasons(got),
              ElementsAre("payments.csv:4: method: not one of the column's 2 "
                          "declared values",
                          "payments.csv:5: status: not one of the column's 2 "
                          "declared values"));
  ASSERT_EQ(got.rejections.size(), 2u);
  EXPECT_EQ(got.rejections[0].field(), "method");
  EXPECT_EQ(got.rejections[0].source_key(), "3");
}

TEST_F(LayoutCsvSourceTest, ObjectsWithoutUpdatedAtAreAlwaysReadWhole) {
  Layout(
      "version: 1\nobjects:\n  - object: tag\n    file: tags.csv\n"
      "    key: id\n    columns: [{name: id}, {name: label}]\n");
  Data("tags.csv", "id,label,extra\n1,a,x\n2,b,y\n");
  auto source = Source();
  v1::Timestamp since;
  since.set_unix_seconds(4102444800);  // 2100
  Read got = ReadAll(*source, "tag", 7, "", since);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_FALSE(got.records[0].has_source_updated_at());
  auto schema = source->Describe("tag");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->key_field(), "id");
  EXPECT_EQ(schema->updated_at_field(), "");
  ASSERT_EQ(schema->fields_size(), 3);
  EXPECT_TRUE(schema->fields(2).inferred());
  EXPECT_EQ(got.records[0].fields().at("extra").string_value(), "x");
}

// The reader writes each record's fingerprint in its columns' order, known
// from the header, without walking the map: the same as
// record::Fingerprint of the fields, whatever the header's order, with a
// nameless column, empty cells, text that needs escaping and the
// change-time column.
TEST_F(LayoutCsvSourceTest, FingerprintsAreThoseOfTheFields) {
  Layout(
      "version: 1\nobjects:\n  - object: tag\n    file: tags.csv\n"
      "    key: id\n    updated_at: changed\n"
      "    columns: [{name: id}, {name: label}, {name: n, type: int},\n"
      "              {name: changed, type: timestamp}]\n");
  Data("tags.csv",
       "zeta,label,id,n,,changed,Label,a\n"
       "z1,first,1,7,x,2024-03-01T09:30:00Z,L,\n"
       "z2,\"quote \"\" and \\ back\",2,,y,,\u00e9t\u00e9,a\n"
       ",,3,-4,,2024-03-02T00:00:00Z,,\n");
  Read got = ReadAll(*Source(), "tag");
  ASSERT_EQ(got.records.size(), 3u) << ::testing::PrintToString(Reasons(got));
  for (const v1::Record& r : got.records) {
    EXPECT_EQ(r.fingerprint(), record::Fingerprint(r.fields()))
        << r.source_key();
  }
  EXPECT_EQ(got.records[1].fields().at("Label").string_value(),
            "\u00e9t\u00e9");
  EXPECT_NE(got.records[0].fingerprint(), got.records[1].fingerprint());
}

TEST_F(LayoutCsvSourceTest, AttachmentsStayInsideTheExport) {
  Layout(
      "version: 1\noptions: {delimiter: tab}\nobjects:\n"
      "  - object: document\n    file: docs/documents.tsv\n    key: id\n"
      "    attachment: path\n    updated_at: changed\n"
      "    columns: [{name: id}, {name: path}, "
      "{name: changed, type: timestamp}]\n");
  Data("docs/documents.tsv",
       "id\tpath\tchanged\n"
       "1\tfiles/Ayşe Yılmaz consent.pdf\t2026-01-01 10:00\n"  // 2
       "2\t\t2026-01-01 10:00\n"                               // 3
       "3\t../layout.yaml\t2026-01-01 10:00\n"                 // 4
       "4\t/etc/hostname\t2026-01-01 10:00\n"                  // 5
       "5\tfiles\t2026-01-01 10:00\n"                          // 6
       "6\tfiles/gone.png\t2026-01-01 10:00\n"                 // 7
       "7\tfiles/./x.BIN\t2026-01-01 10:00\n");                // 8
  Data("files/Ayşe Yılmaz consent.pdf", "%PDF-1.4 tiny");
  Data("files/x.BIN", "");
  Read got = ReadAll(*Source(), "document");
  ASSERT_EQ(got.records.size(), 3u);
  const v1::AttachmentRef& pdf = got.records[0].attachments(0);
  EXPECT_EQ(pdf.uri(), "file://" + fs::absolute(dir_ / "data").string() +
                           "/files/Ay%C5%9Fe%20Y%C4%B1lmaz%20consent.pdf");
  EXPECT_EQ(pdf.file_name(), "Ayşe Yılmaz consent.pdf");
  EXPECT_EQ(pdf.content_type(), "application/pdf");
  EXPECT_EQ(pdf.size_bytes(), 13);
  EXPECT_EQ(pdf.sha256(), record::Sha256Hex("%PDF-1.4 tiny"));
  EXPECT_EQ(got.records[1].attachments_size(), 0);
  const v1::AttachmentRef& bin = got.records[2].attachments(0);
  EXPECT_EQ(bin.content_type(), "application/octet-stream");
  EXPECT_EQ(bin.size_bytes(), 0);
  EXPECT_EQ(bin.sha256(), record::Sha256Hex(""));
  EXPECT_THAT(
      Reasons(got),
      ElementsAre("docs/documents.tsv:4: path: attachment path must stay "
                  "inside the export directory",
                  "docs/documents.tsv:5: path: attachment path must stay "
                  "inside the export directory",
                  "docs/documents.tsv:6: path: attachment is not a regular "
                  "file",
                  "docs/documents.tsv:7: path: attachment file not found"));
  for (const auto& r : got.rejections) {
    EXPECT_EQ(r.field(), "path");
    EXPECT_FALSE(r.source_key().empty());
    EXPECT_THAT(r.reason(), ::testing::Not(HasSubstr("gone")));
  }
}

TEST_F(LayoutCsvSourceTest, CursorsAreLayoutCsvAndResume) {
  Layout(kAmountsLayout);
  std::string text = "id;amount\n";
  for (int i = 1; i <= 9; ++i) text += std::to_string(i) + ";1,00\n";
  Data("payments.csv", text);
  auto source = Source();
  Read all = ReadAll(*source, "payment", 2);
  ASSERT_EQ(all.records.size(), 9u);
  EXPECT_THAT(all.cursors[0], StartsWith("layout_csv:v1:payment:"));
  Read rest = ReadAll(*source, "payment", 4, all.cursors[1]);
  ASSERT_EQ(rest.records.size(), 5u);
  EXPECT_EQ(rest.records[0].source_key(), "5");
  // A pbn_csv cursor is not one of ours.
  auto foreign = source->Open("payment", "pbn_csv:v1:payment:10:2", {});
  EXPECT_TRUE(absl::IsInvalidArgument(foreign.status()));
}

// A clinic system exporting JSON: an array of patients, JSON Lines of
// communication logs whose nested payload stays one JSON text, matched to
// the layout by key name; typed, keyed, referenced, resumable like CSV.
TEST_F(LayoutCsvSourceTest, JsonExports) {
  Layout(R"(version: 1
options: {decimal_separator: ","}
objects:
  - object: patient
    file: patients.json
    key: id
    updated_at: changed
    columns:
      - {name: id, type: int}
      - {name: name, required: true}
      - {name: balance, type: money}
      - {name: born, type: date}
      - {name: changed, type: timestamp}
  - object: comm_log
    file: comms.jsonl
    key: id
    columns:
      - name: id
      - {name: patient_id, type: int, references: patient}
      - name: payload
)");
  Data("patients.json",
       "[\n"
       " {\"id\": 1, \"name\": \"Ay\u015fe\", \"balance\": 1234.5,\n"
       "  \"born\": \"1980-02-29\", \"changed\": \"2026-01-02 10:00\"},\n"
       " {\"name\": \"Zeynep\", \"id\": 2, \"balance\": \"1.000,25\",\n"
       "  \"born\": \"1981-02-29\", \"extra\": [1, 2]},\n"
       " {\"id\": 3, \"name\": \"Ali\", \"balance\": 7, \"nickname\": \"A\"}\n"
       "]\n");
  Data("comms.jsonl",
       "{\"id\": \"c1\", \"patient_id\": 1, \"payload\": {\"sms\": "
       "\"ok\"}}\n"
       "{\"id\": \"c2\", \"patient_id\": 3, \"payload\": \"x\"\n"
       "{\"id\": \"c3\", \"patient_id\": 3, \"payload\": null}\n");
  auto source = Source();
  auto listed = source->ListObjects();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].depends_on(0), "patient");

  Read patients = ReadAll(*source, "patient", 1);
  ASSERT_EQ(patients.records.size(), 2u);
  const auto& p1 = patients.records[0].fields();
  EXPECT_EQ(p1.at("name").string_value(),
            "Ay\xC5\x9F"
            "e");
  // A JSON number is read with '.' even under a decimal comma.
  EXPECT_EQ(record::DecimalToString(p1.at("balance").decimal_value()),
            "1234.5");
  EXPECT_EQ(patients.records[0].location().line(), 2);
  EXPECT_TRUE(patients.records[0].has_source_updated_at());
  // Keys some records lack are still columns (inferred in Describe).
  EXPECT_TRUE(record::IsNull(p1.at("nickname")));
  EXPECT_EQ(patients.records[1].fields().at("nickname").string_value(), "A");
  EXPECT_THAT(Reasons(patients),
              ElementsAre("patients.json:4: born: impossible date"));
  auto schema = source->Describe("patient");
  ASSERT_TRUE(schema.ok());
  std::vector<std::string> inferred;
  for (const auto& f : schema->fields())
    if (f.inferred()) inferred.push_back(f.name());
  EXPECT_THAT(inferred, ElementsAre("extra", "nickname"));

  // Resume after the first record.
  Read rest = ReadAll(*source, "patient", 5, patients.cursors[0]);
  ASSERT_EQ(rest.records.size(), 1u);
  EXPECT_EQ(rest.records[0].source_key(), "3");

  Read comms = ReadAll(*source, "comm_log");
  ASSERT_EQ(comms.records.size(), 1u);
  EXPECT_EQ(comms.records[0].fields().at("payload").string_value(),
            "{\"sms\":\"ok\"}");
  // The unclosed c2 swallows c3's line: one rejection, then the end.
  ASSERT_EQ(comms.rejections.size(), 1u);
  EXPECT_EQ(comms.rejections[0].reason(),
            "comms.jsonl:2: unterminated JSON record (the file ends inside "
            "it)");
}

TEST_F(LayoutCsvSourceTest, UnknownObjectsAndMissingFiles) {
  Layout(kAmountsLayout);
  auto source = Source();
  auto missing = source->Open("payment", "", {});
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_TRUE(source->ListObjects()->empty());
  auto unknown = source->Describe("invoice");
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
  EXPECT_EQ(unknown.status().message(),
            "the layout " + config_.layout() +
                " has no object 'invoice' (known: payment)");
  config_.set_directory((dir_ / "absent").string());
  auto list = Source()->ListObjects();
  EXPECT_TRUE(absl::IsNotFound(list.status()));
  EXPECT_THAT(std::string(list.status().message()),
              StartsWith("layout_csv directory "));
}

TEST_F(LayoutCsvSourceTest, ConfigErrors) {
  v1::LayoutCsvSourceConfig c = config_;
  c.clear_layout();
  EXPECT_EQ(MakeLayoutCsvSource(c).status().message(),
            "layout_csv.layout is required");
  auto no_file = MakeLayoutCsvSource(config_);
  EXPECT_TRUE(absl::IsNotFound(no_file.status()));
  EXPECT_THAT(std::string(no_file.status().message()),
              HasSubstr("layout file not found"));
  Layout(
      "version: 1\nobjects:\n  - object: a\n    file: a.csv\n"
      "    key: id\n    columns: [{name: id, type: uuid}]\n");
  auto bad = MakeLayoutCsvSource(config_);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("layout.yaml:6: objects.a.columns.id.type: unknown "
                        "type 'uuid'"));
  Layout(kAmountsLayout);
  c = config_;
  c.clear_directory();
  EXPECT_EQ(MakeLayoutCsvSource(c).status().message(),
            "layout_csv.directory is required");
  c = config_;
  c.set_time_zone("Asia/Atlantis");
  EXPECT_THAT(std::string(MakeLayoutCsvSource(c).status().message()),
              StartsWith("layout_csv.time_zone: unknown time zone"));
  c = config_;
  c.set_currency("TL");
  EXPECT_THAT(std::string(MakeLayoutCsvSource(c).status().message()),
              StartsWith("layout_csv.currency: want a three-letter"));
}

}  // namespace
}  // namespace bridgework::extractor
