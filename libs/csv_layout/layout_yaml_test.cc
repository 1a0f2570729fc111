#include "libs/csv_layout/layout_yaml.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace bridgework::csv_layout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kGood[] = R"(version: 1
options:
  delimiter: ";"
  encoding: utf-8
  decimal_separator: ","
  date_formats: "%d.%m.%Y"
  timestamp_formats: ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"]
objects:
  # Listed child first: the parser puts the parents first.
  - object: appointment
    file: appointments.csv
    key: appointment_id
    updated_at: changed
    columns:
      - name: appointment_id
      - {name: patient_id, references: patient, required: true}
      - {name: start_at, type: timestamp, format: "%m/%d/%Y %I:%M %p"}
      - {name: duration_minutes, type: int}
      - {name: changed, type: timestamp}
  - object: patient
    file: export/patients.csv
    key: patient_id
    attachment: photo
    columns:
      - {name: patient_id, type: int, required: false}
      - {name: guarantor_id, references: patient}
      - {name: clinic_id, references: clinic}
      - {name: born, type: date, format: ["%d/%m/%Y", "%Y-%m-%d"]}
      - {name: balance, type: money}
      - {name: coverage, type: decimal}
      - {name: vip, type: bool}
      - {name: photo}
  - object: clinic
    file: clinics.csv
    key: clinic_id
    columns:
      - name: clinic_id
      - name: Clinic Name
)";

TEST(LayoutYaml, ReadsAGoodLayout) {
  auto layout = ParseLayoutYaml(kGood, "layout.yaml");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->description, "the layout layout.yaml");
  EXPECT_EQ(layout->options.delimiter, ';');
  EXPECT_EQ(layout->options.encoding, csv::Encoding::kUtf8);
  EXPECT_EQ(layout->options.decimal_separator, ',');
  EXPECT_THAT(layout->options.date_formats, ElementsAre("%d.%m.%Y"));
  EXPECT_THAT(layout->options.timestamp_formats,
              ElementsAre("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"));
  EXPECT_THAT(layout->ObjectNames(),
              ElementsAre("clinic", "patient", "appointment"));

  const ObjectSpec* appointment = layout->Find("appointment");
  ASSERT_NE(appointment, nullptr);
  EXPECT_EQ(appointment->file, "appointments.csv");
  EXPECT_EQ(appointment->key, "appointment_id");
  EXPECT_EQ(appointment->updated_at, "changed");
  EXPECT_EQ(appointment->attachment, "");
  ASSERT_EQ(appointment->columns.size(), 5u);
  // The key is required whatever the file says; types default to string.
  EXPECT_TRUE(appointment->columns[0].required);
  EXPECT_EQ(appointment->columns[0].type, ColumnType::kString);
  EXPECT_TRUE(appointment->Find("patient_id")->required);
  EXPECT_EQ(appointment->Find("patient_id")->references, "patient");
  EXPECT_THAT(appointment->Find("start_at")->formats,
              ElementsAre("%m/%d/%Y %I:%M %p"));
  EXPECT_TRUE(appointment->Find("duration_minutes")->formats.empty());
  EXPECT_THAT(appointment->DependsOn(), ElementsAre("patient"));

  const ObjectSpec* patient = layout->Find("patient");
  EXPECT_EQ(patient->file, "export/patients.csv");
  EXPECT_TRUE(patient->Find("patient_id")->required);
  EXPECT_EQ(patient->Find("patient_id")->type, ColumnType::kInt);
  EXPECT_EQ(patient->attachment, "photo");
  EXPECT_EQ(patient->updated_at, "");
  EXPECT_THAT(patient->Find("born")->formats,
              ElementsAre("%d/%m/%Y", "%Y-%m-%d"));
  EXPECT_EQ(patient->Find("balance")->type, ColumnType::kMoney);
  EXPECT_EQ(patient->Find("coverage")->type, ColumnType::kDecimal);
  EXPECT_EQ(patient->Find("vip")->type, ColumnType::kBool);
  // Self-references are not dependencies.
  EXPECT_THAT(patient->DependsOn(), ElementsAre("clinic"));
  EXPECT_NE(layout->Find("clinic")->Find("Clinic Name"), nullptr);
  EXPECT_EQ(layout->Find("invoice"), nullptr);
}

TEST(LayoutYaml, DefaultsWithoutOptions) {
  auto layout = ParseLayoutYaml(
      "version: 1\nobjects:\n  - object: a\n    file: a.csv\n    key: id\n"
      "    columns: [{name: id}]\n",
      "l.yaml");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->options.delimiter, ',');
  EXPECT_EQ(layout->options.encoding, csv::Encoding::kDetect);
  EXPECT_EQ(layout->options.decimal_separator, '.');
  EXPECT_TRUE(layout->options.date_formats.empty());
  EXPECT_TRUE(layout->options.timestamp_formats.empty());
  auto tab = ParseLayoutYaml(
      "version: 1\noptions: {delimiter: tab}\nobjects:\n  - object: a\n"
      "    file: a.csv\n    key: id\n    columns: [{name: id}]\n",
      "l.yaml");
  ASSERT_TRUE(tab.ok()) << tab.status();
  EXPECT_EQ(tab->options.delimiter, '\t');
  for (const char* name : {"windows-1252", "CP1252", "latin1"}) {
    auto w = ParseLayoutYaml(
        absl::StrCat("version: 1\noptions: {encoding: ", name,
                     "}\nobjects:\n  - object: a\n    file: a.csv\n    key: "
                     "id\n    columns: [{name: id}]\n"),
        "l.yaml");
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_EQ(w->options.encoding, csv::Encoding::kWindows1252) << name;
  }
}

// The error for kGood with `from` replaced by `to`.
std::string ErrorWith(const std::string& from, const std::string& to) {
  std::string text = kGood;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return "";
  text.replace(at, from.size(), to);
  auto layout = ParseLayoutYaml(text, "layout.yaml");
  EXPECT_FALSE(layout.ok()) << "accepted: " << to;
  if (layout.ok()) return "";
  EXPECT_TRUE(absl::IsInvalidArgument(layout.status()));
  std::string message(layout.status().message());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

TEST(LayoutYaml, UnknownKeysAtEveryLevel) {
  EXPECT_EQ(ErrorWith("version: 1\n", "version: 1\nobject:\n"),
            "layout.yaml:2: unknown key 'object' (known: version, options, "
            "objects)");
  EXPECT_EQ(ErrorWith("  encoding: utf-8\n", "  charset: utf-8\n"),
            "layout.yaml:4: options: unknown key 'charset' (known: "
            "delimiter, encoding, decimal_separator, date_formats, "
            "timestamp_formats)");
  EXPECT_EQ(ErrorWith("    updated_at: changed\n", "    updated: changed\n"),
            "layout.yaml:13: objects[0]: unknown key 'updated' (known: "
            "object, file, format, key, updated_at, attachment, columns)");
  EXPECT_EQ(
      ErrorWith("{name: duration_minutes, type: int}",
                "{name: duration_minutes, type: int, default: 0}"),
      "layout.yaml:18: objects.appointment.columns[3]: unknown key "
      "'default' (known: name, type, required, references, format, values)");
}

TEST(LayoutYaml, BadValues) {
  EXPECT_EQ(ErrorWith("version: 1", "version: 2"),
            "layout.yaml:1: version: unsupported layout version '2' (this "
            "build reads version 1)");
  EXPECT_EQ(ErrorWith("version: 1\n", ""),
            "layout.yaml:1: version: required key is missing");
  EXPECT_EQ(ErrorWith("{name: duration_minutes, type: int}",
                      "{name: duration_minutes, type: integer}"),
            "layout.yaml:18: objects.appointment.columns.duration_minutes."
            "type: unknown type 'integer' (known: string, int, bool, date, "
            "timestamp, money, decimal)");
  EXPECT_EQ(ErrorWith("required: true}", "required: maybe}"),
            "layout.yaml:16: objects.appointment.columns.patient_id."
            "required: expected true or false");
  EXPECT_EQ(ErrorWith("- name: appointment_id", "- name: [a, b]"),
            "layout.yaml:15: objects.appointment.columns[0].name: expected "
            "a single value");
  EXPECT_EQ(ErrorWith("- object: clinic", "- object: Clinic"),
            "layout.yaml:33: objects[2].object: want a lower-case "
            "snake_case name such as treatment_case");
  EXPECT_EQ(ErrorWith("file: clinics.csv", "file: /data/clinics.csv"),
            "layout.yaml:34: objects.clinic.file: want a file name relative "
            "to the export directory");
  EXPECT_EQ(ErrorWith("file: clinics.csv", "file: ../clinics.csv"),
            "layout.yaml:34: objects.clinic.file: want a file name relative "
            "to the export directory");
  EXPECT_EQ(ErrorWith("    columns:\n      - name: clinic_id\n      - name: "
                      "Clinic Name\n",
                      "    columns: []\n"),
            "layout.yaml:36: objects.clinic.columns: expected a non-empty "
            "list of columns");
  EXPECT_THAT(ErrorWith("objects:\n", "objects: {}\nother:\n"),
              HasSubstr("unknown key 'other'"));
}

TEST(LayoutYaml, FileFormatFromExtensionOrDeclared) {
  auto layout = ParseLayoutYaml(
      "version: 1\nobjects:\n"
      "  - {object: a, file: a.json, key: id, columns: [{name: id}]}\n"
      "  - {object: b, file: b.NDJSON, key: id, columns: [{name: id}]}\n"
      "  - {object: c, file: c.txt, format: json, key: id, columns: "
      "[{name: id}]}\n"
      "  - {object: d, file: d.csv, key: id, columns: [{name: id}]}\n",
      "l.yaml");
  ASSERT_TRUE(layout.ok()) << layout.status();
  using csv_layout::FileFormat;
  EXPECT_EQ(layout->objects[0].format, FileFormat::kJson);
  EXPECT_EQ(layout->objects[1].format, FileFormat::kJson);
  EXPECT_EQ(layout->objects[2].format, FileFormat::kJson);
  EXPECT_EQ(layout->objects[3].format, FileFormat::kCsv);
  auto bad = ParseLayoutYaml(
      "version: 1\nobjects:\n"
      "  - {object: a, file: a.x, format: xml, key: id, columns: [{name: "
      "id}]}\n",
      "l.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "l.yaml:3: objects.a.format: unknown format 'xml' (known: csv, "
            "json)");
}

TEST(LayoutYaml, EnumeratedValues) {
  auto layout = ParseLayoutYaml(
      "version: 1\nobjects:\n"
      "  - object: a\n    file: a.csv\n    key: id\n    columns:\n"
      "      - name: id\n"
      "      - {name: status, values: [Active, Passive]}\n"
      "      - {name: method, values: {N: Nakit, KK: Kredi Kartı}}\n",
      "l.yaml");
  ASSERT_TRUE(layout.ok()) << layout.status();
  const ColumnSpec* status = layout->objects[0].Find("status");
  ASSERT_NE(status->Decode("active"), nullptr);
  EXPECT_EQ(*status->Decode("active"), "Active");
  EXPECT_EQ(status->Decode("Archived"), nullptr);
  const ColumnSpec* method = layout->objects[0].Find("method");
  ASSERT_NE(method->Decode("kk"), nullptr);
  EXPECT_EQ(*method->Decode("kk"), "Kredi Kartı");
  EXPECT_EQ(method->Decode("Nakit"), nullptr);  // codes, not names

  EXPECT_EQ(ErrorWith("{name: vip, type: bool}",
                      "{name: vip, type: bool, values: [yes]}"),
            "layout.yaml:31: objects.patient.columns.vip.values: values only "
            "apply to string columns, not bool");
  EXPECT_EQ(ErrorWith("{name: photo}", "{name: photo, values: [A, a]}"),
            "layout.yaml:32: objects.patient.columns.photo.values: 'a' is "
            "listed twice");
  EXPECT_EQ(ErrorWith("{name: photo}", "{name: photo, values: []}"),
            "layout.yaml:32: objects.patient.columns.photo.values: list at "
            "least one value");
  EXPECT_EQ(ErrorWith("{name: photo}", "{name: photo, values: x}"),
            "layout.yaml:32: objects.patient.columns.photo.values: expected a "
            "list of names or a map of codes to names");
}

TEST(LayoutYaml, BadOptions) {
  EXPECT_EQ(ErrorWith("delimiter: \";\"", "delimiter: \";;\""),
            "layout.yaml:3: options.delimiter: want one character other "
            "than a quote or a line break (\",\", \";\", \"|\" or tab)");
  EXPECT_EQ(ErrorWith("encoding: utf-8", "encoding: windows-1254"),
            "layout.yaml:4: options.encoding: unsupported encoding "
            "'windows-1254' (supported: auto, UTF-8, windows-1252); convert "
            "the files first (iconv -f windows-1254 -t UTF-8)");
  EXPECT_EQ(ErrorWith("decimal_separator: \",\"", "decimal_separator: \"'\""),
            "layout.yaml:5: options.decimal_separator: want \".\" or \",\"");
  EXPECT_EQ(ErrorWith("date_formats: \"%d.%m.%Y\"", "date_formats: \"%d.%m\""),
            "layout.yaml:6: options.date_formats: '%d.%m': the format must "
            "hold the year, month and day");
  EXPECT_EQ(ErrorWith("date_formats: \"%d.%m.%Y\"", "date_formats: []"),
            "layout.yaml:6: options.date_formats: expected a format or a "
            "non-empty list of formats");
  // An hour without AM/PM loses the afternoon.
  EXPECT_EQ(ErrorWith("\"%d.%m.%Y %H:%M\", \"%d.%m.%Y\"]",
                      "\"%d.%m.%Y %I:%M\", \"%d.%m.%Y\"]"),
            "layout.yaml:7: options.timestamp_formats: '%d.%m.%Y %I:%M': a "
            "timestamp format must hold the hour (24-hour %H, or %I with %p) "
            "and the minute, or no time at all");
  EXPECT_THAT(ErrorWith("\"%d.%m.%Y %H:%M\", \"%d.%m.%Y\"]",
                        "\"%d.%m.%Y %H:%M\", \"today\"]"),
              HasSubstr("layout.yaml:7: options.timestamp_formats: 'today': "
                        "a format needs % fields"));
}

TEST(LayoutYaml, BadFormatsOnColumns) {
  EXPECT_EQ(ErrorWith("{name: vip, type: bool}",
                      "{name: vip, type: bool, format: \"%Y\"}"),
            "layout.yaml:31: objects.patient.columns.vip.format: a format "
            "only applies to date and timestamp columns, not bool");
  EXPECT_EQ(ErrorWith("format: [\"%d/%m/%Y\", \"%Y-%m-%d\"]",
                      "format: [\"%d/%m/%Y\", \"%Y-%m\"]"),
            "layout.yaml:28: objects.patient.columns.born.format: '%Y-%m': "
            "the format must hold the year, month and day");
}

TEST(LayoutYaml, KeyUpdatedAtAndAttachmentMustBeDeclaredColumns) {
  EXPECT_EQ(ErrorWith("key: appointment_id", "key: id"),
            "layout.yaml:12: objects.appointment.key: 'id' is not one of "
            "the columns");
  EXPECT_EQ(ErrorWith("key: clinic_id", ""),
            "layout.yaml:33: objects.clinic.key: required key is missing");
}

TEST(LayoutYaml, KeyUpdatedAtAndAttachmentTypes) {
  EXPECT_EQ(ErrorWith("updated_at: changed", "updated_at: duration_minutes"),
            "layout.yaml:13: objects.appointment.updated_at: column "
            "'duration_minutes' is int; want timestamp");
  EXPECT_EQ(ErrorWith("attachment: photo", "attachment: vip"),
            "layout.yaml:23: objects.patient.attachment: column 'vip' is "
            "bool; want string");
  EXPECT_EQ(ErrorWith("attachment: photo", "attachment: picture"),
            "layout.yaml:23: objects.patient.attachment: 'picture' is not "
            "one of the columns");
  EXPECT_EQ(ErrorWith("key: patient_id", "key: born"),
            "layout.yaml:22: objects.patient.key: column 'born' is date; "
            "want string or int");
}

TEST(LayoutYaml, ReferencesAndDuplicates) {
  EXPECT_EQ(ErrorWith("references: clinic}", "references: clinc}"),
            "layout.yaml:27: objects.patient.columns.clinic_id.references: "
            "unknown object 'clinc' (the layout has: appointment, clinic, "
            "patient)");
  EXPECT_EQ(ErrorWith("- object: clinic", "- object: patient"),
            "layout.yaml:33: objects.patient.object: the object is declared "
            "twice");
  EXPECT_EQ(ErrorWith("file: clinics.csv", "file: appointments.csv"),
            "layout.yaml:34: objects.clinic.file: another object already "
            "reads appointments.csv");
  EXPECT_EQ(ErrorWith("{name: vip, type: bool}", "{name: born}"),
            "layout.yaml:31: objects.patient.columns.born: the column is "
            "declared twice");
}

TEST(LayoutYaml, CyclesAreRefused) {
  EXPECT_EQ(ErrorWith("      - name: Clinic Name\n",
                      "      - name: Clinic Name\n"
                      "      - {name: head_patient_id, references: patient}\n"),
            "layout.yaml:20: objects.patient: references form a cycle "
            "(patient -> clinic -> patient); the objects cannot be loaded "
            "parents first");
}

TEST(LayoutYaml, SyntaxErrorsAndFiles) {
  auto bad = ParseLayoutYaml("version: 1\nobjects: [\n", "l.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("l.yaml:3: invalid YAML"));
  auto list = ParseLayoutYaml("- a\n", "l.yaml");
  EXPECT_EQ(list.status().message(), "l.yaml:1: expected a layout (a mapping)");

  auto missing = LoadLayoutFile("/nonexistent/layout.yaml");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_EQ(missing.status().message(),
            "layout file not found: /nonexistent/layout.yaml");
  std::string path = std::filesystem::temp_directory_path() /
                     ("bw-layout-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(path) << kGood;
  auto loaded = LoadLayoutFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->description, "the layout " + path);
  std::filesystem::remove(path);
}

// docs/connectors/layout-csv.md: its full example is a valid layout.
TEST(LayoutYaml, TheDocumentedExampleParses) {
  const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
  ASSERT_NE(root, nullptr) << "BRIDGEWORK_SOURCE_DIR is not set";
  std::ifstream in(std::string(root) + "/docs/connectors/layout-csv.md");
  ASSERT_TRUE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  size_t section = text.find("## A full example");
  ASSERT_NE(section, std::string::npos);
  size_t start = text.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  start += 8;
  size_t end = text.find("```", start);
  auto layout = ParseLayoutYaml(text.substr(start, end - start), "doc");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_THAT(layout->ObjectNames(),
              ElementsAre("clinic", "patient", "billing", "imaging_record"));
  EXPECT_EQ(layout->Find("imaging_record")->attachment, "image_file");
  EXPECT_EQ(layout->Find("imaging_record")->file, "imaging/records.csv");
}

TEST(CheckFormat, AcceptsWhatReadsBackADate) {
  EXPECT_EQ(CheckFormat("%d.%m.%Y", ColumnType::kDate), std::nullopt);
  // %Y reads as many digits as it finds; a compact date needs %E4Y.
  EXPECT_NE(CheckFormat("%Y%m%d", ColumnType::kDate), std::nullopt);
  EXPECT_EQ(CheckFormat("%E4Y%m%d", ColumnType::kDate), std::nullopt);
  EXPECT_EQ(CheckFormat("%m/%d/%Y %I:%M %p", ColumnType::kTimestamp),
            std::nullopt);
  EXPECT_EQ(CheckFormat("%Y-%m-%dT%H:%M:%S%Ez", ColumnType::kTimestamp),
            std::nullopt);
  EXPECT_EQ(CheckFormat("%d.%m.%Y", ColumnType::kTimestamp), std::nullopt);
  EXPECT_NE(CheckFormat("%d.%m.%Y %H", ColumnType::kTimestamp), std::nullopt);
  EXPECT_NE(CheckFormat("%d.%m.%Y", ColumnType::kString), std::nullopt);
  EXPECT_NE(CheckFormat("%m/%Y", ColumnType::kDate), std::nullopt);
}

}  // namespace
}  // namespace bridgework::csv_layout
