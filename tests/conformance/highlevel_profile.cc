// HighLevel in the connector conformance suite: one ObjectCase per target
// object (contact first), against the in-process HighLevel emulator. Each
// test first prepares the schema the cases need: the external key fields of
// contacts, opportunities and businesses, and a "treatment" custom object
// with its association to contacts.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "emulators/highlevel/highlevel_emulator.h"
#include "libs/record/value.h"
#include "tests/conformance/profiles.h"

namespace bridgework::conformance {
namespace {

using Expect = std::vector<std::pair<std::string, std::string>>;
using Update = std::tuple<std::string, std::string, std::string>;

constexpr char kKeyField[] = "cf_bridgework_key";
constexpr char kLocation[] = "locConformance000001";
constexpr char kCompany[] = "cmpConformance000001";
// Elena Rivera, not the token's admin.
constexpr char kOwner[] = "usr00000000000000002";

// A record of an object without a field for the external key.
v1::TargetRecord Keyless(const std::string& source, const std::string& target,
                         int n) {
  v1::TargetRecord t = Record(source, target, n, kKeyField);
  t.mutable_custom_fields()->clear();
  t.set_external_key_field("");
  return t;
}

std::string AttachmentPath(int n) {
  std::filesystem::path p =
      std::filesystem::temp_directory_path() /
      absl::StrCat("bw-hl-conformance-", getpid(), "-", n, ".txt");
  std::ofstream(p) << "panoramic x-ray report " << n << "\n";
  return p.string();
}

mapping::CustomFieldSpec KeyField(const std::string& entity) {
  return {entity, kKeyField, "Bridgework key", "text", {}};
}

}  // namespace

Profile HighLevelProfile() {
  Profile p;
  p.name = "highlevel";
  p.api_prefix = "";
  p.connector.crm = "highlevel";
  p.connector.plan = "unlimited";
  p.connector.location_id = kLocation;
  p.connector.company_id = kCompany;
  p.unknown_id = "con99999999999999999";
  p.creates_fields = true;
  p.object_fields_entity = [](const std::string& key) {
    return "custom_object:" + key;
  };
  p.prepare.fields = {KeyField("contacts"), KeyField("opportunities"),
                      KeyField("businesses")};
  p.prepare.objects = {{"treatment", "Treatment", "Treatments", "name"}};
  p.start = [](FakeTime& time) -> absl::StatusOr<Env> {
    emulator::HighLevelOptions o;
    o.token = "hl-conformance";
    o.location_id = kLocation;
    o.company_id = kCompany;
    o.clock = time.AbslClock();
    auto e = emulator::HighLevelEmulator::Create(std::move(o));
    if (!e.ok()) return e.status();
    Env env;
    env.emulator =
        std::make_unique<EmulatorAdapter<emulator::HighLevelEmulator>>(
            std::move(*e));
    env.token = "hl-conformance";
    env.owner_id = kOwner;
    return env;
  };
  p.limit = [](EmulatorHandle& e, int n) {
    return e.Configure({{"burst_limit", n}, {"reset_window", true}}).status();
  };
  p.objects.push_back(
      {"contact",
       [](int n) {
         v1::TargetRecord t = Record("patient", "contact", n, kKeyField);
         Set(t, "firstName", "Ana");
         Set(t, "lastName", absl::StrCat("Lopez ", n));
         Set(t, "email", absl::StrCat("ana", n, "@mail.example"));
         return t;
       },
       [](int n) -> Expect {
         return {{"/lastName", absl::StrCat("Lopez ", n)},
                 {"/email", absl::StrCat("ana", n, "@mail.example")},
                 {"/assignedTo", kOwner}};
       },
       {{"businessId", "business", "/businessId"}},
       [](int n) -> Update {
         return {"lastName", absl::StrCat("Lopez-Diaz ", n), "/lastName"};
       },
       {},
       [](v1::TargetRecord& t) { Set(t, "email", "not an email"); }});
  p.objects.push_back(
      {"business",
       [](int n) {
         v1::TargetRecord t = Record("location", "business", n, kKeyField);
         Set(t, "name", absl::StrCat("SmileBright ", n));
         Set(t, "city", "Austin");
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("SmileBright ", n)},
                 {"/city", "Austin"}};
       },
       {},
       [](int n) -> Update {
         return {"name", absl::StrCat("SmileBright North ", n), "/name"};
       },
       {}});
  p.objects.push_back(
      {"opportunity",
       [](int n) {
         v1::TargetRecord t =
             Record("treatment_plan", "opportunity", n, kKeyField);
         Set(t, "name", absl::StrCat("Implant plan ", n));
         Set(t, "pipeline", "Patient Treatment");
         Set(t, "stage", "Treatment Presented");
         (*t.mutable_fields())["monetaryValue"] = record::IntValue(1250);
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("Implant plan ", n)},
                 {"/status", "open"},
                 {"/monetaryValue", "1250"},
                 {"/assignedTo", kOwner}};
       },
       {{"contactId", "contact", "/contactId"}},
       [](int n) -> Update {
         return {"name", absl::StrCat("Implant plan, revised ", n), "/name"};
       },
       {}});
  p.objects.push_back(
      {"appointment",
       [](int n) {
         v1::TargetRecord t = Keyless("appointment", "appointment", n);
         Set(t, "title", absl::StrCat("Hygiene ", n));
         Set(t, "startTime", "2026-03-02T09:30:00-06:00");
         Set(t, "endTime", "2026-03-02T10:30:00-06:00");
         return t;
       },
       [](int n) -> Expect {
         return {{"/title", absl::StrCat("Hygiene ", n)},
                 {"/startTime", "2026-03-02T09:30:00-06:00"},
                 {"/endTime", "2026-03-02T10:30:00-06:00"}};
       },
       {{"contactId", "contact", "/contactId"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Hygiene (moved) ", n), "/title"};
       },
       {}});
  p.objects.push_back(
      {"note",
       [](int n) {
         v1::TargetRecord t = Keyless("note", "note", n);
         Set(t, "body", absl::StrCat("Crown prep, temp placed ", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/body", absl::StrCat("Crown prep, temp placed ", n)},
                 {"/userId", kOwner}};
       },
       {{"contactId", "contact", "/contactId"}},
       [](int n) -> Update {
         return {"body", absl::StrCat("Crown seated ", n), "/body"};
       },
       {}});
  p.objects.push_back(
      {"task",
       [](int n) {
         v1::TargetRecord t = Keyless("recall", "task", n);
         Set(t, "title", absl::StrCat("6-month hygiene recall ", n));
         Set(t, "dueDate", "2026-09-01T15:00:00Z");
         return t;
       },
       [](int n) -> Expect {
         return {{"/title", absl::StrCat("6-month hygiene recall ", n)},
                 {"/assignedTo", kOwner}};
       },
       {{"contactId", "contact", "/contactId"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Recall, call again ", n), "/title"};
       },
       {}});
  p.objects.push_back(
      {"custom_object:treatment",
       [](int n) {
         v1::TargetRecord t =
             Keyless("treatment", "custom_object:treatment", n);
         Set(t, "name", absl::StrCat("D2740 crown ", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/properties/name", absl::StrCat("D2740 crown ", n)}};
       },
       {},
       [](int n) -> Update {
         return {"name", absl::StrCat("D2750 crown ", n), "/properties/name"};
       },
       {}});
  p.objects.push_back({"media",
                       [](int n) {
                         v1::TargetRecord t = Keyless("document", "media", n);
                         Set(t, "name", absl::StrCat("x-ray-", n, ".txt"));
                         v1::AttachmentRef* a = t.add_attachments();
                         a->set_uri(absl::StrCat("file://", AttachmentPath(n)));
                         a->set_file_name(absl::StrCat("x-ray-", n, ".txt"));
                         a->set_content_type("text/plain");
                         return t;
                       },
                       [](int n) -> Expect {
                         return {{"/name", absl::StrCat("x-ray-", n, ".txt")}};
                       },
                       {},
                       {},
                       {}});
  // A date of birth reads back as a midnight timestamp; the dropdown is
  // a SINGLE_OPTIONS field written and read by its label.
  p.projection = {
      "contact",
      ProjectionFields("contacts"),
      {"businessId", "business", "/businessId"},
      [](int n) {
        v1::TargetRecord t = Record("patient", "contact", n, kKeyField);
        Set(t, "firstName", "Ana");
        Set(t, "lastName", absl::StrCat("Lopez ", n));
        Set(t, "email", absl::StrCat("ana", n, "@mail.example"));
        Set(t, "phone", TestPhone(n));
        (*t.mutable_fields())["dateOfBirth"] = record::DateValue(1990, 9, 25);
        SetProjectionCustomFields(t, n, false);
        return t;
      },
      [](v1::TargetRecord& t, int n) {
        Set(t, "lastName", absl::StrCat("Lopez-Diaz ", n));
        Set(t, "email", absl::StrCat("ana.lopez", n, "@mail.example"));
        Set(t, "phone", TestPhone(n + 5000));
        Set(t, "city", "Austin");
        SetProjectionCustomFields(t, n, true);
      },
      {"city", "cf_referral_source"},
      {"email", "phone"}};
  p.custom_field = {
      "contact",
      {"contacts", "cf_referral_source", "Referral source", "text", {}},
      "Direct mail",
      // Values come back as [{id, value}]: the one that is not the key.
      [](const nlohmann::json& r) -> std::string {
        std::vector<std::string> values;
        for (const auto& f : r.value("customFields", nlohmann::json::array())) {
          const nlohmann::json v = f.value("value", nlohmann::json());
          if (v.is_string() && v.get<std::string>().rfind("pbn:", 0) != 0)
            values.push_back(v.get<std::string>());
        }
        return values.size() == 1 ? values[0] : "";
      }};
  return p;
}

}  // namespace bridgework::conformance
