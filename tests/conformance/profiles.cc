#include "tests/conformance/profiles.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/record/value.h"

namespace bridgework::conformance {

// Defined in one file per CRM.
Profile FreshsalesProfile();
Profile PipedriveProfile();
Profile HighLevelProfile();

namespace {

const std::vector<Profile>& Profiles() {
  static const auto* kProfiles = new std::vector<Profile>{
      FreshsalesProfile(),
      PipedriveProfile(),
      HighLevelProfile(),
  };
  return *kProfiles;
}

}  // namespace

const Profile* FindProfile(const std::string& name) {
  for (const auto& p : Profiles())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> ProfileNames() {
  std::vector<std::string> names;
  for (const auto& p : Profiles()) names.push_back(p.name);
  return names;
}

v1::TargetRecord Record(const std::string& source_object,
                        const std::string& target, int n,
                        const std::string& external_key_field) {
  v1::TargetRecord t;
  t.set_source_object(source_object);
  t.set_source_key(absl::StrCat(n));
  t.set_target_object(target);
  t.set_fingerprint(absl::StrCat("f", n));
  t.set_external_key(absl::StrCat("pbn:", source_object, ":", n));
  t.set_external_key_field(external_key_field);
  if (absl::StartsWith(external_key_field, "cf_")) {
    (*t.mutable_custom_fields())[external_key_field] =
        record::StringValue(t.external_key());
  } else {
    (*t.mutable_fields())[external_key_field] =
        record::StringValue(t.external_key());
  }
  return t;
}

void Set(v1::TargetRecord& t, const std::string& field,
         const std::string& value) {
  (*t.mutable_fields())[field] = record::StringValue(value);
}

std::string TestPhone(int n) { return absl::StrFormat("+1415555%04d", n); }

std::vector<mapping::CustomFieldSpec> ProjectionFields(
    const std::string& entity) {
  return {{entity,
           "cf_patient_status",
           "Patient status",
           "dropdown",
           {"Active", "Inactive", "Recall due"},
           ""},
          {entity, "cf_last_visit", "Last visit", "date", {}, ""},
          {entity, "cf_referral_source", "Referral source", "text", {}, ""}};
}

void SetProjectionCustomFields(v1::TargetRecord& t, int n, bool later) {
  auto& cf = *t.mutable_custom_fields();
  cf["cf_patient_status"] =
      record::StringValue(later ? "Recall due" : "Active");
  cf["cf_last_visit"] = record::DateValue(2026, later ? 4 : 3, 1 + n % 28);
  if (later) cf["cf_referral_source"] = record::StringValue("Direct mail");
}

}  // namespace bridgework::conformance
