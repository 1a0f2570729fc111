// Test helpers: source samples built by hand (synthetic values only).
#ifndef BRIDGEWORK_LIBS_PROPOSER_TEST_UTIL_H_
#define BRIDGEWORK_LIBS_PROPOSER_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/proposer/proposer.h"
#include "libs/record/value.h"

namespace bridgework::proposer::testing_util {

class ObjectBuilder {
 public:
  ObjectBuilder(std::string name, std::string key, long long records = 20) {
    o_.name = std::move(name);
    o_.key_field = std::move(key);
    o_.records = records;
  }
  // A field with these distinct values, each held by records/size records.
  ObjectBuilder& Field(const std::string& name, const std::string& type = "",
                       const std::string& references = "",
                       std::vector<v1::Value> values = {}) {
    FieldSample f;
    f.name = name;
    f.type = type.empty() ? "string" : type;
    f.references = references;
    f.records = o_.records;
    f.distinct = static_cast<long long>(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      f.counts.push_back(values.empty() ? 0 : o_.records / values.size());
    }
    f.non_empty = values.empty() ? 0 : o_.records;
    f.values = std::move(values);
    o_.fields.push_back(std::move(f));
    return *this;
  }
  ObjectBuilder& UpdatedAt(const std::string& field) {
    o_.updated_at_field = field;
    return *this;
  }
  ObjectSample Build() const { return o_; }

 private:
  ObjectSample o_;
};

inline std::vector<v1::Value> Texts(std::initializer_list<const char*> t) {
  std::vector<v1::Value> out;
  for (const char* s : t) out.push_back(record::StringValue(s));
  return out;
}

// Distinct synthetic values: "<prefix>1<suffix>", "<prefix>2<suffix>", ...
inline std::vector<v1::Value> Numbered(const std::string& prefix,
                                       const std::string& suffix, int n) {
  std::vector<v1::Value> out;
  for (int i = 1; i <= n; ++i) {
    out.push_back(record::StringValue(absl::StrCat(prefix, i, suffix)));
  }
  return out;
}

// A small practice export: offices, dentists, patients, appointments, and
// two objects nobody migrates.
inline SourceSample Clinic() {
  SourceSample s;
  s.system = "clinicsoft";
  ObjectBuilder office("office", "id");
  office.Field("id").Field("name", "", "", Numbered("Smile Office ", "", 3));
  ObjectBuilder dentist("dentist", "id");
  dentist.Field("id").Field("Email", "", "",
                            Numbered("dr", "@smile.example", 3));
  ObjectBuilder patient("patient", "PatNum");
  std::vector<v1::Value> dates;
  for (int i = 1; i <= 10; ++i) {
    dates.push_back(record::DateValue(1980 + i, i, i));
  }
  std::vector<v1::Value> codes;
  for (int i = 1; i <= 10; ++i) codes.push_back(record::IntValue(i * 7));
  patient.Field("PatNum")
      .Field("LName", "", "", Texts({"Lindqvist", "Okafor", "Brandt"}))
      .Field("FName", "", "", Texts({"Maria", "Samuel", "Helga"}))
      .Field("EMail", "", "", Numbered("p", "@mail.example", 10))
      .Field("HmPhone", "", "", Numbered("(503) 555-01", "0", 9))
      .Field("WirelessPhone", "", "", Numbered("(971) 555-02", "0", 9))
      .Field("contact1", "", "", Numbered("c", "@mail.example", 10))
      .Field("mobile", "", "", Texts({"yes", "no", "ask"}))
      .Field("Birthdate", "date", "", dates)
      .Field("dob_code", "int", "", codes)
      .Field("SSN", "", "", Numbered("000-00-000", "", 9))
      .Field("ChartNumber", "", "", Numbered("C", "", 10))
      .Field("Guarantor", "", "patient")
      .Field("ClinicNum", "", "office")
      .Field("PriProv", "", "dentist")
      .Field("SecProv", "", "dentist")
      .Field("DateTStamp", "timestamp")
      .UpdatedAt("DateTStamp");
  std::vector<v1::Value> starts;
  for (int i = 1; i <= 10; ++i) {
    starts.push_back(record::TimestampValue(1700000000 + i * 3600, "UTC"));
  }
  ObjectBuilder appointment("appointment", "AptNum");
  appointment.Field("AptNum")
      .Field("PatNum", "", "patient")
      .Field("ProvNum", "", "dentist")
      .Field("AptDateTime", "timestamp", "", starts)
      .Field("ProcCode", "", "", Texts({"D0120", "D1110", "D2391 D0274"}));
  ObjectBuilder kpi("kpi_metric", "id");
  kpi.Field("id").Field("value", "decimal");
  ObjectBuilder misc("zzz_misc", "id");
  misc.Field("id").Field("blob");
  for (const ObjectBuilder* b :
       {&office, &dentist, &patient, &appointment, &kpi, &misc}) {
    s.objects.push_back(b->Build());
  }
  return s;
}

inline const FieldProposal* FieldOf(const Proposal& p,
                                    const std::string& object,
                                    const std::string& field) {
  const RouteProposal* r = p.Route(object);
  return r == nullptr ? nullptr : r->Field(field);
}

}  // namespace bridgework::proposer::testing_util

#endif  // BRIDGEWORK_LIBS_PROPOSER_TEST_UTIL_H_
