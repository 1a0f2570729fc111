#include "libs/proposer/proposer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "libs/proposer/test_util.h"
#include "libs/record/value.h"

namespace bridgework::proposer {
namespace {

using ::testing::HasSubstr;
using testing_util::Clinic;
using testing_util::FieldOf;
using testing_util::ObjectBuilder;
using D = FieldProposal::Decision;
using K = Candidate::Kind;

Proposal ProposeFor(const SourceSample& s, const std::string& crm,
                    double threshold = 0.7,
                    std::vector<const mapping::Map*> maps = {}) {
  ProposeOptions o;
  o.crm = crm;
  o.threshold = threshold;
  o.default_maps = std::move(maps);
  auto p = Propose(s, o);
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

std::string TopTarget(const Proposal& p, const std::string& object,
                      const std::string& field) {
  const FieldProposal* f = FieldOf(p, object, field);
  if (f == nullptr || f->Best() == nullptr) return "";
  return f->Best()->target;
}

TEST(SampleBuilderTest, CountsDistinctValuesUpToTheLimit) {
  v1::ObjectSchema schema;
  schema.set_object_type("patient");
  schema.set_key_field("id");
  schema.add_fields()->set_name("id");
  schema.add_fields()->set_name("status");
  SampleBuilder b(schema, /*max_values=*/2);
  for (int i = 0; i < 6; ++i) {
    v1::Record r;
    (*r.mutable_fields())["id"] = record::StringValue(absl::StrCat(i));
    if (i < 5) {
      (*r.mutable_fields())["status"] =
          record::StringValue(i % 3 == 0   ? "active"
                              : i % 3 == 1 ? "x"
                                           : "y");
    }
    b.Add(r);
  }
  ObjectSample o = b.Finish();
  EXPECT_EQ(o.records, 6);
  ASSERT_EQ(o.fields.size(), 2u);
  const FieldSample& status = o.fields[1];
  EXPECT_EQ(status.non_empty, 5);
  EXPECT_EQ(status.distinct, 3);
  EXPECT_EQ(status.values.size(), 2u);  // the limit
  EXPECT_EQ(status.counts[0], 2);       // "active" twice
  EXPECT_EQ(o.fields[0].distinct, 6);
}

TEST(ProposeTest, UnknownCrm) {
  ProposeOptions o;
  o.crm = "salesforce";
  auto p = Propose(Clinic(), o);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("freshsales"));
}

TEST(ProposeTest, RoutesByObjectKind) {
  Proposal p = ProposeFor(Clinic(), "freshsales");
  EXPECT_EQ(p.Route("patient")->target, "contact");
  EXPECT_EQ(p.Route("office")->target, "sales_account");
  EXPECT_EQ(p.Route("dentist")->route, "reference");
  EXPECT_EQ(p.Route("kpi_metric")->route, "not_migrated");
  EXPECT_EQ(p.Route("zzz_misc")->route, "not_migrated");
  EXPECT_LT(p.Route("zzz_misc")->confidence, 0.7);  // an open question
  Proposal h = ProposeFor(Clinic(), "highlevel");
  EXPECT_EQ(h.Route("office")->target, "business");
  Proposal d = ProposeFor(Clinic(), "pipedrive");
  EXPECT_EQ(d.Route("patient")->target, "person");
}

TEST(ProposeTest, NameSignal) {
  Proposal p = ProposeFor(Clinic(), "freshsales");
  const FieldProposal* email = FieldOf(p, "patient", "EMail");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->decision, D::kMapped);
  EXPECT_EQ(email->Best()->target, "email");
  EXPECT_EQ(email->Best()->transform, "email");
  EXPECT_THAT(email->reason, HasSubstr("Email"));
  EXPECT_EQ(TopTarget(p, "patient", "HmPhone"), "work_number");
  EXPECT_EQ(TopTarget(p, "patient", "WirelessPhone"), "mobile_number");
  // The same name lands on each CRM's own field.
  EXPECT_EQ(TopTarget(ProposeFor(Clinic(), "highlevel"), "patient", "EMail"),
            "email");
  EXPECT_EQ(TopTarget(ProposeFor(Clinic(), "pipedrive"), "patient", "EMail"),
            "emails");
}

TEST(ProposeTest, ShapeSignalFindsWhatTheNameHides) {
  // "contact1" says nothing; its values are email addresses.
  Proposal p = ProposeFor(Clinic(), "highlevel");
  const FieldProposal* f = FieldOf(p, "patient", "contact1");
  ASSERT_NE(f, nullptr);
  bool email = false;
  for (const Candidate& c : f->candidates) {
    if (c.target == "email") {
      email = true;
      EXPECT_THAT(c.reason, HasSubstr("values: 100% email"));
    }
  }
  EXPECT_TRUE(email);
  // EMail says it by name too and takes the field; contact1 falls back.
  EXPECT_EQ(TopTarget(p, "patient", "EMail"), "email");
  EXPECT_THAT(f->reason, HasSubstr("email is taken by EMail"));
}

TEST(ProposeTest, ShapeSignalDoubtsWhatTheNameSays) {
  // "phone2" values are not phone numbers: not confident.
  Proposal p = ProposeFor(Clinic(), "freshsales");
  const FieldProposal* f = FieldOf(p, "patient", "mobile");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->decision, D::kMapped);
  EXPECT_THAT(f->reason, HasSubstr("only"));
}

TEST(ProposeTest, TypeCompatibility) {
  // A birth date declared as an integer fits a date field poorly.
  Proposal p = ProposeFor(Clinic(), "highlevel");
  const FieldProposal* good = FieldOf(p, "patient", "Birthdate");
  const FieldProposal* bad = FieldOf(p, "patient", "dob_code");
  ASSERT_NE(good, nullptr);
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(good->Best()->target, "dateOfBirth");
  EXPECT_EQ(good->decision, D::kMapped);
  EXPECT_LT(bad->confidence, good->confidence);
  EXPECT_NE(bad->decision, D::kMapped);
}

TEST(ProposeTest, DentalVocabulary) {
  Proposal p = ProposeFor(Clinic(), "pipedrive");
  // AptDateTime: the activity's due date (and time), in UTC.
  const FieldProposal* start = FieldOf(p, "appointment", "AptDateTime");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->decision, D::kMapped);
  EXPECT_EQ(start->Best()->target, "due_date");
  EXPECT_EQ(start->Best()->companion, "due_time");
  EXPECT_EQ(start->Best()->zone, "UTC");
  // ProcCode with CDT values: Pipedrive activities have no custom
  // fields, so it is not carried; in Freshsales it is a custom field.
  EXPECT_EQ(FieldOf(p, "appointment", "ProcCode")->decision, D::kSkipped);
  Proposal fs = ProposeFor(Clinic(), "freshsales");
  const FieldProposal* code = FieldOf(fs, "appointment", "ProcCode");
  ASSERT_NE(code, nullptr);
  EXPECT_EQ(code->Best()->kind, K::kCustom);
  EXPECT_THAT(code->Best()->reason, HasSubstr("CDT"));
  // Guarantor: a patient's link to another patient; not carried.
  EXPECT_EQ(FieldOf(p, "patient", "Guarantor")->decision, D::kSkipped);
}

TEST(ProposeTest, SensitiveAndSystemFieldsAreNotCarried) {
  Proposal p = ProposeFor(Clinic(), "freshsales");
  const FieldProposal* ssn = FieldOf(p, "patient", "SSN");
  EXPECT_EQ(ssn->decision, D::kSkipped);
  EXPECT_THAT(ssn->reason, HasSubstr("health data"));
  EXPECT_EQ(FieldOf(p, "patient", "DateTStamp")->decision, D::kSkipped);
  EXPECT_EQ(FieldOf(p, "patient", "PatNum")->decision, D::kKey);
}

TEST(ProposeTest, LookupsAndOwners) {
  Proposal p = ProposeFor(Clinic(), "freshsales");
  const FieldProposal* clinic = FieldOf(p, "patient", "ClinicNum");
  ASSERT_NE(clinic, nullptr);
  EXPECT_EQ(clinic->decision, D::kMapped);
  EXPECT_EQ(clinic->Best()->kind, K::kLink);
  EXPECT_EQ(clinic->Best()->target, "sales_accounts");
  EXPECT_TRUE(clinic->Best()->list);
  const FieldProposal* owner = FieldOf(p, "patient", "PriProv");
  EXPECT_EQ(owner->decision, D::kMapped);
  EXPECT_EQ(owner->Best()->kind, K::kOwner);
  EXPECT_EQ(owner->Best()->email_field, "Email");
  // The secondary provider does not own the record.
  EXPECT_NE(FieldOf(p, "patient", "SecProv")->decision, D::kMapped);
}

TEST(ProposeTest, OneFieldPerTarget) {
  // HmPhone and WkPhone both fit work_number; the better fit (WkPhone)
  // takes it, HmPhone falls back to its next candidate.
  ObjectBuilder o("patient", "PatNum");
  o.Field("PatNum").Field("LName").Field("HmPhone").Field("WkPhone");
  SourceSample s;
  s.system = "od";
  s.objects.push_back(o.Build());
  Proposal p = ProposeFor(s, "freshsales");
  EXPECT_EQ(TopTarget(p, "patient", "WkPhone"), "work_number");
  EXPECT_NE(TopTarget(p, "patient", "HmPhone"), "work_number");
}

TEST(ProposeTest, ThresholdMakesOpenQuestions) {
  Proposal strict = ProposeFor(Clinic(), "freshsales", /*threshold=*/1.01);
  const FieldProposal* email = FieldOf(strict, "patient", "EMail");
  EXPECT_EQ(email->decision, D::kOpen);
  EXPECT_EQ(email->Best()->target, "email");  // still the candidate
  Proposal lax = ProposeFor(Clinic(), "freshsales", /*threshold=*/0.5);
  EXPECT_EQ(FieldOf(lax, "patient", "EMail")->decision, D::kMapped);
}

TEST(ProposeTest, DefaultMapSignal) {
  auto own = mapping::ParseMap(R"(
version: 1
source: clinicsoft
destination: freshsales
objects:
  - source: patient
    target: contact
    fields:
      - {to: cf_chart, from: ChartNumber}
      - {to: email, from: EMail, transform: email}
)",
                               "own.yaml");
  ASSERT_TRUE(own.ok()) << own.status();
  SourceSample s = Clinic();
  s.system = "clinicsoft";
  Proposal p = ProposeFor(s, "freshsales", 0.7, {&*own});
  const FieldProposal* chart = FieldOf(p, "patient", "ChartNumber");
  EXPECT_EQ(chart->decision, D::kMapped);
  EXPECT_EQ(chart->Best()->target, "cf_chart");
  EXPECT_THAT(chart->reason, HasSubstr("default map"));
  // A field the default map leaves out is not proposed confidently.
  EXPECT_NE(FieldOf(p, "patient", "LName")->decision, D::kMapped);

  // Another system's map of the same CRM: evidence, not an order.
  auto other = mapping::ParseMap(R"(
version: 1
source: othersoft
destination: freshsales
objects:
  - source: patients
    target: contact
    fields:
      - {to: cf_chart_no, from: chart_number}
)",
                                 "other.yaml");
  ASSERT_TRUE(other.ok()) << other.status();
  Proposal q = ProposeFor(Clinic(), "freshsales", 0.7, {&*other});
  const FieldProposal* c2 = FieldOf(q, "patient", "ChartNumber");
  ASSERT_NE(c2->Best(), nullptr);
  EXPECT_EQ(c2->Best()->target, "cf_chart_no");
  EXPECT_THAT(c2->Best()->reason, HasSubstr("othersoft-freshsales"));
}

}  // namespace
}  // namespace bridgework::proposer
