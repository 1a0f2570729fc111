#include "libs/proposer/writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "libs/mapping/map.h"
#include "libs/proposer/catalog.h"
#include "libs/proposer/test_util.h"
#include "libs/record/value.h"

namespace bridgework::proposer {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Proposal ProposeFor(const SourceSample& s, const std::string& crm,
                    double threshold = 0.7) {
  ProposeOptions o;
  o.crm = crm;
  o.threshold = threshold;
  auto p = Propose(s, o);
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

const mapping::FieldRule* RuleTo(const mapping::ObjectRoute& r,
                                 const std::string& to) {
  for (const mapping::FieldRule& f : r.fields) {
    if (f.to == to) return &f;
  }
  return nullptr;
}

TEST(WriterTest, EveryCrmsMapParses) {
  for (const std::string& crm : CrmIds()) {
    SCOPED_TRACE(crm);
    WriteSummary summary;
    std::string yaml =
        WriteMapYaml(ProposeFor(testing_util::Clinic(), crm), &summary);
    auto map = mapping::ParseMap(yaml, "proposed.yaml");
    ASSERT_TRUE(map.ok()) << map.status() << "\n" << yaml;
    EXPECT_EQ(map->destination, crm);
    EXPECT_EQ(map->source, "clinicsoft");
    EXPECT_TRUE(mapping::LoadOrder(*map).ok());
    EXPECT_GT(summary.rules, 5);
    EXPECT_GT(summary.not_carried, 0);
    const mapping::ObjectRoute* patient = map->Find("patient");
    ASSERT_NE(patient, nullptr);
    EXPECT_EQ(patient->kind, mapping::ObjectRoute::Kind::kLoad);
    ASSERT_TRUE(patient->owner.has_value());
    EXPECT_EQ(patient->owner->from, "PriProv");
    EXPECT_EQ(patient->owner->email_field, "Email");
    EXPECT_EQ(map->Find("dentist")->kind,
              mapping::ObjectRoute::Kind::kReference);
    EXPECT_EQ(map->Find("kpi_metric")->kind,
              mapping::ObjectRoute::Kind::kNotMigrated);
  }
}

TEST(WriterTest, RulesCarryTransformsJoinsAndDeclarations) {
  std::string yaml =
      WriteMapYaml(ProposeFor(testing_util::Clinic(), "pipedrive"));
  auto map = mapping::ParseMap(yaml, "proposed.yaml");
  ASSERT_TRUE(map.ok()) << map.status() << "\n" << yaml;
  const mapping::ObjectRoute* patient = map->Find("patient");
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->target, "person");
  // First and last name join into the person's name.
  const mapping::FieldRule* name = RuleTo(*patient, "name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->transform, "join");
  EXPECT_EQ(name->from.size(), 2u);
  const mapping::FieldRule* email = RuleTo(*patient, "emails");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->transform, "email");
  // A new custom field is declared for its entity.
  const mapping::FieldRule* dob = RuleTo(*patient, "cf_date_of_birth");
  ASSERT_NE(dob, nullptr);
  EXPECT_EQ(dob->transform, "date");
  bool declared = false;
  for (const mapping::CustomFieldSpec& s : map->custom_fields) {
    declared |= s.entity == "persons" && s.name == "cf_date_of_birth" &&
                s.type == "date";
  }
  EXPECT_TRUE(declared);
  // Lookups name routed objects.
  ASSERT_EQ(patient->lookups.size(), 1u);
  EXPECT_EQ(patient->lookups[0].to, "org_id");
  EXPECT_EQ(patient->lookups[0].object, "office");
  // The appointment's start: due date and time in UTC.
  const mapping::ObjectRoute* appt = map->Find("appointment");
  ASSERT_NE(appt, nullptr);
  EXPECT_EQ(RuleTo(*appt, "due_time")->zone, "UTC");
  EXPECT_TRUE(RuleTo(*appt, "type")->constant.has_value());
}

// A default map's plausible days for a birth date reach the proposal.
TEST(WriterTest, DateBoundsOfADefaultMapAreKept) {
  auto own = mapping::ParseMap(R"(
version: 1
source: clinicsoft
destination: freshsales
objects:
  - source: patient
    target: contact
    fields:
      - {to: last_name, from: LName}
      - {to: cf_date_of_birth, from: Birthdate, transform: date, not_before: 1900-01-01, not_after: today}
)",
                               "own.yaml");
  ASSERT_TRUE(own.ok()) << own.status();
  ProposeOptions o;
  o.crm = "freshsales";
  o.default_maps = {&*own};
  auto p = Propose(testing_util::Clinic(), o);
  ASSERT_TRUE(p.ok()) << p.status();
  std::string yaml = WriteMapYaml(*p);
  auto map = mapping::ParseMap(yaml, "proposed.yaml");
  ASSERT_TRUE(map.ok()) << map.status() << "\n" << yaml;
  const mapping::FieldRule* dob =
      RuleTo(*map->Find("patient"), "cf_date_of_birth");
  ASSERT_NE(dob, nullptr) << yaml;
  EXPECT_EQ(dob->not_before, "1900-01-01");
  EXPECT_EQ(dob->not_after, "today");
}

TEST(WriterTest, BelowThresholdRoutesAreNotMigratedUntilDecided) {
  // A threshold nothing reaches (above 1): every load route is written as not
  // migrated with its proposal commented out, and the map still parses.
  std::string yaml =
      WriteMapYaml(ProposeFor(testing_util::Clinic(), "freshsales", 1.01));
  auto map = mapping::ParseMap(yaml, "proposed.yaml");
  ASSERT_TRUE(map.ok()) << map.status() << "\n" << yaml;
  EXPECT_EQ(map->Find("patient")->kind,
            mapping::ObjectRoute::Kind::kNotMigrated);
  EXPECT_THAT(map->Find("patient")->reason, HasSubstr("open question"));
  EXPECT_THAT(yaml, HasSubstr("    # ? "));
  EXPECT_THAT(yaml, HasSubstr("- {to: email, from: EMail, transform: email}"));
}

TEST(WriterTest, AnsweringAnOpenQuestionIsUncommentingALine) {
  std::string yaml =
      WriteMapYaml(ProposeFor(testing_util::Clinic(), "freshsales"));
  ASSERT_TRUE(mapping::ParseMap(yaml, "proposed.yaml").ok());
  // The first commented candidate of the patient route, uncommented.
  std::istringstream in(yaml);
  std::string line, edited, uncommented;
  bool in_patient = false;
  while (std::getline(in, line)) {
    if (line.rfind("  - source: ", 0) == 0) {
      in_patient = line == "  - source: patient";
    }
    if (in_patient && uncommented.empty() &&
        line.rfind("      # - {", 0) == 0) {
      uncommented = line.substr(0, line.rfind("   # "));
      uncommented.replace(0, 11, "      - {");
      edited += uncommented + "\n";
      continue;
    }
    edited += line + "\n";
  }
  ASSERT_FALSE(uncommented.empty()) << yaml;
  auto before = mapping::ParseMap(yaml, "proposed.yaml");
  auto after = mapping::ParseMap(edited, "edited.yaml");
  ASSERT_TRUE(after.ok()) << after.status() << "\n" << uncommented;
  EXPECT_EQ(after->Find("patient")->fields.size(),
            before->Find("patient")->fields.size() + 1);
}

TEST(WriterTest, NoSampledValueLeaks) {
  SourceSample s = testing_util::Clinic();
  std::string yaml = WriteMapYaml(ProposeFor(s, "highlevel"));
  for (const ObjectSample& o : s.objects) {
    for (const FieldSample& f : o.fields) {
      for (const v1::Value& v : f.values) {
        std::string text = record::ValueToText(v);
        if (text.size() < 4) continue;  // "yes", "no": pick-list words
        EXPECT_THAT(yaml, Not(HasSubstr(text))) << o.name << "." << f.name;
      }
    }
  }
}

TEST(WriterTest, PickListValuesBecomeStagesAndChoices) {
  testing_util::ObjectBuilder plan("treatment_plan", "id", 30);
  plan.Field("id")
      .Field("name", "", "", testing_util::Numbered("Plan ", "", 30))
      .Field("status", "", "",
             testing_util::Texts({"proposed", "accepted", "completed"}));
  SourceSample s;
  s.system = "x";
  s.objects.push_back(plan.Build());
  std::string yaml = WriteMapYaml(ProposeFor(s, "pipedrive"));
  auto map = mapping::ParseMap(yaml, "proposed.yaml");
  ASSERT_TRUE(map.ok()) << map.status() << "\n" << yaml;
  ASSERT_EQ(map->pipelines.size(), 1u);
  EXPECT_EQ(map->pipelines[0].stages.size(), 3u);
  const mapping::ObjectRoute* r = map->Find("treatment_plan");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(RuleTo(*r, "stage")->values.at("accepted"), "Accepted");
  EXPECT_EQ(RuleTo(*r, "status")->values.at("completed"), "won");
  EXPECT_EQ(RuleTo(*r, "status")->values.at("proposed"), "open");
  EXPECT_EQ(RuleTo(*r, "pipeline")->constant, "Treatment plans");
}

TEST(YamlScalarTest, QuotesWhatYamlWouldMisread) {
  EXPECT_EQ(YamlScalar("email"), "email");
  EXPECT_EQ(YamlScalar("Treatment plans"), "Treatment plans");
  EXPECT_EQ(YamlScalar("true"), "\"true\"");
  EXPECT_EQ(YamlScalar("No"), "\"No\"");
  EXPECT_EQ(YamlScalar(""), "\"\"");
  EXPECT_EQ(YamlScalar("a: b"), "\"a: b\"");
  EXPECT_EQ(YamlScalar("Chart #"), "\"Chart #\"");
  EXPECT_EQ(YamlScalar("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ(YamlScalar("123"), "\"123\"");
  EXPECT_EQ(YamlScalar("Doğum"), "\"Doğum\"");
}

}  // namespace
}  // namespace bridgework::proposer
