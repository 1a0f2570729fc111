#include "libs/discovery/profiler.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/record/value.h"

namespace bridgework::discovery {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

v1::FieldSchema Field(const std::string& name, const std::string& type,
                      bool required = false, const std::string& refs = "") {
  v1::FieldSchema f;
  f.set_name(name);
  f.set_type(type);
  f.set_required(required);
  f.set_references(refs);
  return f;
}

v1::ObjectSchema Schema(const std::string& object, const std::string& key,
                        std::vector<v1::FieldSchema> fields) {
  v1::ObjectSchema s;
  s.set_object_type(object);
  s.set_key_field(key);
  for (auto& f : fields) *s.add_fields() = std::move(f);
  return s;
}

// A record of string values (empty text = field absent).
v1::Record Rec(const std::string& key,
               std::map<std::string, std::string> values) {
  v1::Record r;
  r.set_source_key(key);
  for (const auto& [name, text] : values) {
    if (text.empty()) continue;
    (*r.mutable_fields())[name] = record::StringValue(text);
  }
  return r;
}

v1::RecordBatch Batch(std::vector<v1::Record> records) {
  v1::RecordBatch b;
  for (auto& r : records) *b.add_records() = std::move(r);
  return b;
}

v1::ObjectSchema PatientSchema() {
  return Schema(
      "patients", "patient_id",
      {Field("patient_id", "string", true), Field("first_name", "string", true),
       Field("last_name", "string", true), Field("birth_date", "string"),
       Field("email", "string"), Field("mobile_phone", "string"),
       Field("emergency_contact_phone", "string"), Field("status", "string")});
}

std::map<std::string, std::string> Patient(
    const std::string& id, const std::string& first, const std::string& last,
    const std::string& dob, const std::string& email, const std::string& phone,
    const std::string& status = "active") {
  return {{"patient_id", id},  {"first_name", first}, {"last_name", last},
          {"birth_date", dob}, {"email", email},      {"mobile_phone", phone},
          {"status", status}};
}

ProfilerOptions TestOptions() {
  ProfilerOptions o;
  o.today.set_year(2026);
  o.today.set_month(3);
  o.today.set_day(1);
  return o;
}

Profile ProfileOf(std::vector<v1::ObjectSchema> schemas,
                  std::vector<std::pair<std::string, v1::RecordBatch>> objects,
                  ProfilerOptions options = TestOptions()) {
  Profiler p(std::move(schemas), std::move(options));
  for (const auto& [object, batch] : objects) {
    p.BeginObject(object);
    p.AddBatch(batch);
    p.EndObject();
  }
  return p.Finish();
}

const FieldFlag* FindFlag(const Profile& p, const std::string& object,
                          const std::string& field, const std::string& kind) {
  for (const auto& f : p.flags) {
    if (f.object == object && f.field == field && f.kind == kind) return &f;
  }
  return nullptr;
}

const DuplicateFlag* FindDup(const Profile& p, const std::string& object,
                             const std::string& rule) {
  for (const auto& d : p.duplicates) {
    if (d.object == object && d.rule == rule) return &d;
  }
  return nullptr;
}

TEST(ProfilerTest, CountsRecordsFillRateAndDistinct) {
  Profile p = ProfileOf(
      {PatientSchema()},
      {{"patients",
        Batch({Rec("P1", Patient("P1", "Ayse", "Yilmaz", "1984-03-14",
                                 "ayse@mail.example", "(512) 555-0142")),
               Rec("P2", Patient("P2", "Jose", "Garcia", "1990-07-01", "",
                                 "(512) 555-0143")),
               Rec("P3", Patient("P3", "Mei", "Chen", "1979-12-24",
                                 "mei@mail.example", "", "inactive"))})}});
  const ObjectProfile* o = p.Object("patients");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->records, 3);
  EXPECT_EQ(o->key_field, "patient_id");
  const FieldProfile* email = o->Field("email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->filled, 2);
  EXPECT_EQ(email->distinct, 2);
  EXPECT_TRUE(email->distinct_exact);
  EXPECT_EQ(o->Field("status")->distinct, 2);
  EXPECT_EQ(o->Field("patient_id")->filled, 3);
  EXPECT_EQ(o->Field("emergency_contact_phone")->filled, 0);
  EXPECT_EQ(o->Field("emergency_contact_phone")->inferred_type, "empty");
}

TEST(ProfilerTest, BatchesAccumulate) {
  Profiler p({PatientSchema()}, TestOptions());
  p.BeginObject("patients");
  for (int b = 0; b < 4; ++b) {
    std::vector<v1::Record> recs;
    for (int i = 0; i < 25; ++i) {
      std::string id = "P" + std::to_string(b * 25 + i);
      recs.push_back(Rec(id, {{"patient_id", id}, {"status", "active"}}));
    }
    p.AddBatch(Batch(std::move(recs)));
  }
  p.EndObject();
  Profile profile = p.Finish();
  EXPECT_EQ(profile.Object("patients")->records, 100);
  EXPECT_EQ(profile.Object("patients")->Field("patient_id")->distinct, 100);
  EXPECT_EQ(profile.Object("patients")->Field("status")->distinct, 1);
}

TEST(ProfilerTest, DistinctPastTheCapIsAnEstimate) {
  ProfilerOptions o = TestOptions();
  o.distinct_exact_cap = 100;
  std::vector<v1::Record> recs;
  for (int i = 0; i < 3000; ++i) {
    std::string id = "P" + std::to_string(i);
    recs.push_back(Rec(id, {{"patient_id", id}}));
  }
  Profile p =
      ProfileOf({PatientSchema()}, {{"patients", Batch(std::move(recs))}}, o);
  const FieldProfile* f = p.Object("patients")->Field("patient_id");
  EXPECT_FALSE(f->distinct_exact);
  EXPECT_NEAR(static_cast<double>(f->distinct), 3000.0, 3000 * 0.05);
}

TEST(ProfilerTest, InfersTypes) {
  v1::ObjectSchema s =
      Schema("procedures", "id",
             {Field("id", "string"), Field("code", "string"),
              Field("tooth_number", "string"), Field("fee", "string"),
              Field("amount", "string"), Field("units", "string"),
              Field("proc_date", "string"), Field("posted_at", "string"),
              Field("paid", "string"), Field("status", "string"),
              Field("note", "string"), Field("email", "string"),
              Field("phone", "string"), Field("typed_date", "date")});
  std::vector<v1::Record> recs;
  const char* notes[] = {"Patient tolerated well", "Recheck in two weeks",
                         "Sensitive on the upper left", "Bring x-rays",
                         "Numbness lasted an hour"};
  for (int i = 0; i < 10; ++i) {
    v1::Record r =
        Rec("R" + std::to_string(i),
            {{"id", "R" + std::to_string(i)},
             {"code", "D0" + std::to_string(120 + i)},
             {"tooth_number", std::to_string(1 + i)},
             {"fee", "$" + std::to_string(80 + i) + ".00"},
             {"amount", std::to_string(12 + i) + ".5"},
             {"units", std::to_string(i)},
             {"proc_date",
              "2025-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i)},
             {"posted_at", "2025-01-0" + std::to_string(1 + i % 9) + " 09:30"},
             {"paid", i % 2 ? "yes" : "no"},
             {"status", i % 3 ? "complete" : "planned"},
             {"note", notes[i % 5] + std::string(" ") + std::to_string(i)},
             {"email", "p" + std::to_string(i) + "@mail.example"},
             {"phone", "(512) 555-01" + std::to_string(10 + i)}});
    (*r.mutable_fields())["typed_date"] = record::DateValue(2024, 1, 1 + i);
    recs.push_back(std::move(r));
  }
  Profile p = ProfileOf({s}, {{"procedures", Batch(std::move(recs))}});
  const ObjectProfile* o = p.Object("procedures");
  auto type = [&](const char* f) { return o->Field(f)->inferred_type; };
  EXPECT_EQ(type("code"), "procedure_code");
  EXPECT_EQ(type("tooth_number"), "tooth_number");
  EXPECT_EQ(type("fee"), "money");
  EXPECT_EQ(type("amount"), "decimal");
  EXPECT_EQ(type("units"), "int");
  EXPECT_EQ(type("proc_date"), "date");
  EXPECT_EQ(type("posted_at"), "timestamp");
  EXPECT_EQ(type("paid"), "bool");
  EXPECT_EQ(type("status"), "enum");
  EXPECT_EQ(type("note"), "free_text");
  EXPECT_EQ(type("email"), "email");
  EXPECT_EQ(type("phone"), "phone");
  EXPECT_EQ(type("typed_date"), "date");
  EXPECT_DOUBLE_EQ(o->Field("email")->type_match, 1.0);
}

TEST(ProfilerTest, TypeNeedsMostValuesToFit) {
  v1::ObjectSchema s = Schema(
      "patients", "id", {Field("id", "string"), Field("email", "string")});
  std::vector<v1::Record> recs;
  // 7 of 10 are emails: below the 80% threshold.
  for (int i = 0; i < 10; ++i) {
    recs.push_back(Rec("P" + std::to_string(i),
                       {{"id", "P" + std::to_string(i)},
                        {"email", i < 7 ? "p" + std::to_string(i) + "@x.example"
                                        : "none given " + std::to_string(i)}}));
  }
  Profile p = ProfileOf({s}, {{"patients", Batch(std::move(recs))}});
  const FieldProfile* f = p.Object("patients")->Field("email");
  EXPECT_EQ(f->inferred_type, "free_text");
  // The name says email: the three others are still flagged.
  const FieldFlag* bad = FindFlag(p, "patients", "email", "invalid_email");
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ(bad->records.count, 3);
  EXPECT_THAT(bad->records.keys, ElementsAre("P7", "P8", "P9"));
}

TEST(ProfilerTest, FlagsDuplicatesByEmailPhoneAndNameDob) {
  Profile p = ProfileOf(
      {PatientSchema()},
      {{"patients",
        Batch({
            Rec("P1", Patient("P1", "Ayse", "Yilmaz", "1984-03-14",
                              "Ayse@Mail.example", "(512) 555-0142")),
            // Same email, another case and padding.
            Rec("P2", Patient("P2", "A.", "Yilmaz", "1985-01-01",
                              " ayse@mail.example ", "(512) 555-0199")),
            // Same phone in another format.
            Rec("P3", Patient("P3", "Jose", "Garcia", "1990-07-01",
                              "jose@mail.example", "512-555-0142")),
            // Same name and date of birth, another date format.
            Rec("P4", Patient("P4", "Mei", "Chen", "1979-12-24",
                              "mei@mail.example", "(512) 555-0177")),
            Rec("P5", Patient("P5", "MEI", "chen", "12/24/1979",
                              "mei.chen@mail.example", "(512) 555-0178")),
            Rec("P6", Patient("P6", "Ana", "Silva", "1970-01-01",
                              "ana@mail.example", "(512) 555-0100")),
        })}});
  const DuplicateFlag* email = FindDup(p, "patients", "email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->groups, 1);
  EXPECT_EQ(email->records, 2);
  EXPECT_EQ(email->checked, 6);
  EXPECT_THAT(email->listed, ElementsAre(ElementsAre("P1", "P2")));
  EXPECT_THAT(email->fields, ElementsAre("email"));

  const DuplicateFlag* phone = FindDup(p, "patients", "phone");
  ASSERT_NE(phone, nullptr);
  EXPECT_THAT(phone->listed, ElementsAre(ElementsAre("P1", "P3")));
  // The emergency contact's number is someone else's: not compared.
  EXPECT_THAT(phone->fields, ElementsAre("mobile_phone"));

  const DuplicateFlag* name = FindDup(p, "patients", "name_dob");
  ASSERT_NE(name, nullptr);
  EXPECT_THAT(name->listed, ElementsAre(ElementsAre("P4", "P5")));
  EXPECT_THAT(name->fields,
              ElementsAre("first_name", "last_name", "birth_date"));
}

TEST(ProfilerTest, EmergencyContactNumbersAreNotDuplicates) {
  std::vector<v1::Record> recs;
  for (int i = 0; i < 3; ++i) {
    auto values = Patient("P" + std::to_string(i), "N" + std::to_string(i), "S",
                          "2000-01-0" + std::to_string(i + 1), "",
                          "(512) 555-01" + std::to_string(50 + i));
    values["emergency_contact_phone"] = "(512) 555-0100";
    recs.push_back(Rec("P" + std::to_string(i), values));
  }
  Profile p =
      ProfileOf({PatientSchema()}, {{"patients", Batch(std::move(recs))}});
  const DuplicateFlag* phone = FindDup(p, "patients", "phone");
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->groups, 0);
  EXPECT_THAT(phone->listed, IsEmpty());
}

TEST(ProfilerTest, DuplicateCheckStopsAtTheTrackedRecordCap) {
  ProfilerOptions o = TestOptions();
  o.max_tracked_records = 2;
  Profile p = ProfileOf(
      {PatientSchema()},
      {{"patients",
        Batch({Rec("P1", Patient("P1", "A", "B", "", "x@mail.example", "")),
               Rec("P2", Patient("P2", "C", "D", "", "y@mail.example", "")),
               Rec("P3", Patient("P3", "E", "F", "", "x@mail.example", ""))})}},
      o);
  const DuplicateFlag* email = FindDup(p, "patients", "email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->checked, 2);
  EXPECT_EQ(email->unchecked, 1);
  EXPECT_EQ(email->groups, 0);
}

TEST(ProfilerTest, FlagsMissingRequiredFieldsFromSchemaAndMap) {
  ProfilerOptions o = TestOptions();
  o.map_required["patients"] = {"email"};
  Profile p = ProfileOf(
      {PatientSchema()},
      {{"patients",
        Batch({Rec("P1", Patient("P1", "Ayse", "", "", "a@mail.example", "")),
               Rec("P2", Patient("P2", "Jose", "Garcia", "", "", "")),
               Rec("P3", Patient("P3", "Mei", "  ", "", "", ""))})}},
      o);
  const FieldFlag* last =
      FindFlag(p, "patients", "last_name", "missing_required");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->detail, "schema");
  // Blank text counts as missing.
  EXPECT_THAT(last->records.keys, ElementsAre("P1", "P3"));
  const FieldFlag* email = FindFlag(p, "patients", "email", "missing_required");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(email->detail, "map");
  EXPECT_THAT(email->records.keys, ElementsAre("P2", "P3"));
  EXPECT_EQ(FindFlag(p, "patients", "first_name", "missing_required"), nullptr);
  EXPECT_EQ(FindFlag(p, "patients", "status", "missing_required"), nullptr);
}

TEST(ProfilerTest, FlagsInvalidEmailsPhonesAndDates) {
  std::vector<v1::Record> recs;
  for (int i = 0; i < 8; ++i) {
    std::string id = "P" + std::to_string(i);
    recs.push_back(
        Rec(id, Patient(id, "N", "S", "1980-01-1" + std::to_string(i),
                        "p" + std::to_string(i) + "@mail.example",
                        "(512) 555-01" + std::to_string(20 + i))));
  }
  recs.push_back(Rec(
      "BAD1", Patient("BAD1", "N", "S", "1980-02-30", "ayse@@mail", "555-01")));
  recs.push_back(Rec("BAD2", Patient("BAD2", "N", "S", "2031-01-01", "no email",
                                     "(512) 555-0100")));
  Profile p =
      ProfileOf({PatientSchema()}, {{"patients", Batch(std::move(recs))}});
  const FieldFlag* email = FindFlag(p, "patients", "email", "invalid_email");
  ASSERT_NE(email, nullptr);
  EXPECT_THAT(email->records.keys, ElementsAre("BAD1", "BAD2"));
  const FieldFlag* phone =
      FindFlag(p, "patients", "mobile_phone", "invalid_phone");
  ASSERT_NE(phone, nullptr);
  EXPECT_THAT(phone->records.keys, ElementsAre("BAD1"));
  EXPECT_THAT(phone->detail, HasSubstr("region US"));

  std::vector<std::string> date_details;
  for (const auto& f : p.flags) {
    if (f.field == "birth_date" && f.kind == "invalid_date") {
      date_details.push_back(f.detail);
      if (f.detail == "not a date") {
        EXPECT_THAT(f.records.keys, ElementsAre("BAD1"));
      } else {
        EXPECT_THAT(f.records.keys, ElementsAre("BAD2"));
      }
    }
  }
  EXPECT_THAT(date_details,
              UnorderedElementsAre("not a date",
                                   "birth date in the future or before 1900"));
}

TEST(ProfilerTest, DatesRejectedByTheExtractorAreFlagged) {
  v1::ObjectSchema s = Schema("appointments", "id",
                              {Field("id", "string"), Field("start", "date")});
  v1::RecordBatch b = Batch({Rec("A1", {{"id", "A1"}})});
  v1::Rejection* r = b.add_rejections();
  r->set_source_key("A2");
  r->set_field("start");
  r->set_reason("not a date in column start");
  r->mutable_location()->set_file("appointments.csv");
  r->mutable_location()->set_line(3);
  Profile p = ProfileOf({s}, {{"appointments", b}});
  const ObjectProfile* o = p.Object("appointments");
  EXPECT_EQ(o->records, 1);
  EXPECT_EQ(o->rejected, 1);
  ASSERT_EQ(o->rejections.size(), 1u);
  EXPECT_EQ(o->rejections[0].count, 1);
  EXPECT_THAT(o->rejections[0].where, ElementsAre("appointments.csv:3"));
  const FieldFlag* f = FindFlag(p, "appointments", "start", "invalid_date");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->detail, HasSubstr("rejected by the extractor"));
  EXPECT_THAT(f->records.keys, ElementsAre("A2"));
}

v1::ObjectSchema AppointmentSchema() {
  return Schema("appointments", "appt_id",
                {Field("appt_id", "string", true),
                 Field("patient_id", "string", true, "patients"),
                 Field("provider_id", "string", false, "providers")});
}

TEST(ProfilerTest, FlagsDanglingReferencesReadAfterTheParent) {
  Profile p = ProfileOf(
      {PatientSchema(), AppointmentSchema()},
      {{"patients", Batch({Rec("P1", {{"patient_id", "P1"}}),
                           Rec("P2", {{"patient_id", "P2"}})})},
       {"appointments",
        Batch({Rec("A1", {{"appt_id", "A1"}, {"patient_id", "P1"}}),
               Rec("A2", {{"appt_id", "A2"}, {"patient_id", "P404"}}),
               Rec("A3", {{"appt_id", "A3"}, {"patient_id", "P2"}})})}});
  const FieldFlag* f =
      FindFlag(p, "appointments", "patient_id", "dangling_reference");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->detail, "patients");
  EXPECT_THAT(f->records.keys, ElementsAre("A2"));
  // providers is listed by no schema: its references cannot be checked.
  EXPECT_EQ(p.unchecked_references, 0);
}

TEST(ProfilerTest, FlagsDanglingReferencesReadBeforeTheParent) {
  Profile p = ProfileOf(
      {PatientSchema(), AppointmentSchema()},
      {{"appointments",
        Batch({Rec("A1", {{"appt_id", "A1"}, {"patient_id", "P1"}}),
               Rec("A2", {{"appt_id", "A2"}, {"patient_id", "P404"}})})},
       {"patients", Batch({Rec("P1", {{"patient_id", "P1"}})})}});
  const FieldFlag* f =
      FindFlag(p, "appointments", "patient_id", "dangling_reference");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->records.keys, ElementsAre("A2"));
}

TEST(ProfilerTest, ReferencesToRejectedRecordsAreToldApart) {
  v1::RecordBatch patients = Batch({Rec("P1", {{"patient_id", "P1"}})});
  v1::Rejection* r = patients.add_rejections();
  r->set_source_key("P2");
  r->set_reason("unterminated quote");
  Profile p = ProfileOf(
      {PatientSchema(), AppointmentSchema()},
      {{"patients", patients},
       {"appointments",
        Batch({Rec("A1", {{"appt_id", "A1"}, {"patient_id", "P2"}})})}});
  EXPECT_EQ(FindFlag(p, "appointments", "patient_id", "dangling_reference"),
            nullptr);
  const FieldFlag* f =
      FindFlag(p, "appointments", "patient_id", "reference_to_rejected");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->records.keys, ElementsAre("A1"));
}

TEST(ProfilerTest, ReferencesToObjectsNeverReadAreCountedUnchecked) {
  v1::ObjectSchema providers =
      Schema("providers", "provider_id", {Field("provider_id", "string")});
  Profile p = ProfileOf(
      {PatientSchema(), AppointmentSchema(), providers},
      {{"appointments",
        Batch({Rec("A1", {{"appt_id", "A1"}, {"provider_id", "DR1"}})})}});
  EXPECT_EQ(p.unchecked_references, 1);
  EXPECT_EQ(FindFlag(p, "appointments", "provider_id", "dangling_reference"),
            nullptr);
}

TEST(ProfilerTest, ListedKeysAreCappedButCounted) {
  ProfilerOptions o = TestOptions();
  o.max_listed_keys = 2;
  std::vector<v1::Record> recs;
  for (int i = 0; i < 5; ++i) {
    std::string id = "P" + std::to_string(i);
    recs.push_back(Rec(id, {{"patient_id", id}, {"first_name", "N"}}));
  }
  Profile p =
      ProfileOf({PatientSchema()}, {{"patients", Batch(std::move(recs))}}, o);
  const FieldFlag* f = FindFlag(p, "patients", "last_name", "missing_required");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->records.count, 5);
  EXPECT_EQ(f->records.keys.size(), 2u);
  EXPECT_EQ(f->records.omitted(), 3);
}

TEST(ProfilerTest, ExamplesAreMaskedAndNeverTheValues) {
  std::vector<std::map<std::string, std::string>> people = {
      Patient("P1", "Ayse", "Yilmaz", "1984-03-14", "ayse.yilmaz@gmail.com",
              "(512) 555-0142"),
      Patient("P2", "Jose", "Garcia", "1990-07-01", "jose.garcia@mail.example",
              "(512) 555-0143"),
      Patient("P3", "Mei", "Chen", "1979-12-24", "mei@mail.example",
              "(512) 555-0177"),
      Patient("P4", "Li", "Wu", "2001-05-05", "li@wu.example",
              "(512) 555-0178")};
  std::vector<v1::Record> recs;
  for (const auto& v : people) recs.push_back(Rec(v.at("patient_id"), v));
  Profile p = ProfileOf({PatientSchema()}, {{"patients", Batch(recs)}});
  const ObjectProfile* o = p.Object("patients");
  EXPECT_THAT(o->Field("email")->examples,
              ElementsAre("a***@g****.com", "j***@m****.example",
                          "m***@m****.example"));
  EXPECT_THAT(o->Field("first_name")->examples,
              ElementsAre("A***", "J***", "M**"));
  EXPECT_EQ(o->Field("birth_date")->examples[0], "1984-**-**");
  EXPECT_EQ(o->Field("mobile_phone")->examples[0], "+1 *** *** **42");
  for (const auto& f : o->fields) {
    EXPECT_LE(f.examples.size(), 3u);
    for (const std::string& ex : f.examples) {
      for (const auto& person : people) {
        for (const auto& [name, value] : person) {
          if (value.size() < 2) continue;
          EXPECT_THAT(ex, Not(HasSubstr(value)))
              << f.name << " example shows " << name;
        }
      }
    }
  }
}

TEST(ProfilerTest, FieldsMissingFromTheSchemaAreProfiled) {
  Profile p = ProfileOf(
      {PatientSchema()},
      {{"patients",
        Batch({Rec("P1", {{"patient_id", "P1"}, {"nickname", "Ace"}})})}});
  const FieldProfile* f = p.Object("patients")->Field("nickname");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->found_in_data);
  EXPECT_EQ(f->filled, 1);
}

TEST(ProfilerTest, AttachmentsAreCounted) {
  v1::Record r = Rec("P1", {{"patient_id", "P1"}});
  auto* a = r.add_attachments();
  a->set_file_name("xray.png");
  a->set_size_bytes(2048);
  r.add_attachments()->set_size_bytes(1000);
  Profile p = ProfileOf({PatientSchema()}, {{"patients", Batch({r})}});
  EXPECT_EQ(p.Object("patients")->attachments, 2);
  EXPECT_EQ(p.Object("patients")->attachment_bytes, 3048);
}

}  // namespace
}  // namespace bridgework::discovery
