#include "services/extractor/sources/pbn/pbn_layout.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::extractor::pbn {
namespace {

using ::testing::ElementsAre;

TEST(PbnLayout, KeysComeFirstAndAreRequired) {
  for (const ObjectSpec& o : ExportLayout()) {
    ASSERT_FALSE(o.columns.empty()) << o.object;
    EXPECT_EQ(o.columns[0].name, o.key) << o.object;
    EXPECT_TRUE(o.columns[0].required) << o.object;
    EXPECT_EQ(o.columns[0].type, ColumnType::kString) << o.object;
    ASSERT_NE(o.Find(kUpdatedAt), nullptr) << o.object;
    EXPECT_EQ(o.Find(kUpdatedAt)->type, ColumnType::kTimestamp) << o.object;
  }
}

TEST(PbnLayout, ParentsComeBeforeChildren) {
  std::set<std::string> seen;
  for (const ObjectSpec& o : ExportLayout()) {
    std::set<std::string> columns;
    for (const ColumnSpec& c : o.columns) {
      EXPECT_TRUE(columns.insert(c.name).second)
          << o.file << ": duplicate column " << c.name;
      std::string ref = c.references;
      if (ref.empty() || ref == o.object) continue;
      EXPECT_TRUE(seen.count(ref))
          << o.object << "." << c.name << " references " << ref
          << ", which comes later";
    }
    EXPECT_TRUE(seen.insert(o.object).second) << "duplicate " << o.object;
  }
}

TEST(PbnLayout, TheFirstSliceIsAsSpecified) {
  const ObjectSpec* patient = FindObject("patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->file, "patients.csv");
  EXPECT_EQ(patient->columns.size(), 27u);
  EXPECT_EQ(patient->Find("birth_date")->type, ColumnType::kDate);
  EXPECT_EQ(patient->Find("completed_appointments")->type, ColumnType::kInt);
  EXPECT_THAT(patient->DependsOn(), ElementsAre("location", "provider"));
  EXPECT_EQ(FindObject("location")->columns.size(), 13u);
  EXPECT_EQ(FindObject("provider")->columns.size(), 9u);
  EXPECT_EQ(FindObject("provider")->Find("active")->type, ColumnType::kBool);
  EXPECT_EQ(FindObject("nope"), nullptr);
  EXPECT_STREQ(TypeName(ColumnType::kMoney), "money");
}

TEST(PbnLayout, TheObjectsTheSeedsNameAreThere) {
  std::vector<std::string> names;
  for (const ObjectSpec& o : ExportLayout()) names.push_back(o.object);
  EXPECT_THAT(names,
              ElementsAre("location", "provider", "campaign", "patient",
                          "campaign_member", "custom_patient_property",
                          "insurance", "treatment_plan", "appointment",
                          "treatment", "payment", "recall", "review", "note",
                          "document", "communication", "form_submission",
                          "kpi_metric", "automation", "automation_step"));
  EXPECT_THAT(FindObject("automation_step")->DependsOn(),
              ElementsAre("automation"));
  EXPECT_THAT(FindObject("note")->DependsOn(),
              ElementsAre("patient", "provider", "appointment"));
  EXPECT_THAT(FindObject("form_submission")->DependsOn(),
              ElementsAre("patient", "location", "provider", "document"));
  EXPECT_EQ(FindObject("kpi_metric")->Find("value")->type,
            ColumnType::kDecimal);
  EXPECT_STREQ(TypeName(ColumnType::kDecimal), "decimal");
}

TEST(PbnLayout, OnlyDocumentsHaveAnAttachmentAndItIsARequiredStringColumn) {
  for (const ObjectSpec& o : ExportLayout()) {
    std::string attachment = o.attachment;
    if (std::string(o.object) != "document") {
      EXPECT_EQ(attachment, "") << o.object;
      continue;
    }
    EXPECT_EQ(attachment, "file_path");
    const ColumnSpec* c = o.Find(attachment);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->type, ColumnType::kString);
    EXPECT_TRUE(c->required);
  }
}

// docs/connectors/pbn-export.md has one "### `<file>`" section per object
// with a table row "| `<column>` | <type> |" for each column.
TEST(PbnLayout, MatchesTheDocumentation) {
  const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
  if (root == nullptr) GTEST_SKIP() << "BRIDGEWORK_SOURCE_DIR is not set";
  std::ifstream in(std::string(root) + "/docs/connectors/pbn-export.md");
  ASSERT_TRUE(in) << "docs/connectors/pbn-export.md is missing";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string doc = buffer.str();
  for (const ObjectSpec& o : ExportLayout()) {
    std::string heading = std::string("### `") + o.file + "`";
    size_t start = doc.find(heading);
    ASSERT_NE(start, std::string::npos) << "no section " << heading;
    size_t end = doc.find("\n### ", start + heading.size());
    std::string section = doc.substr(start, end - start);
    for (const ColumnSpec& c : o.columns) {
      std::string row = std::string("| `") + c.name + "` | " + TypeName(c.type);
      EXPECT_NE(section.find(row), std::string::npos)
          << o.file << ": the doc lacks \"" << row << "\"";
    }
  }
}

}  // namespace
}  // namespace bridgework::extractor::pbn
