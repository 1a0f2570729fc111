// Freshsales in the connector conformance suite: one ObjectCase per target
// object (contact first), against the in-process Freshsales emulator with
// the admin's custom fields, pipeline and custom modules configured.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "emulators/freshsales/freshsales_emulator.h"
#include "tests/conformance/profiles.h"

namespace bridgework::conformance {
namespace {

using Expect = std::vector<std::pair<std::string, std::string>>;
using Update = std::tuple<std::string, std::string, std::string>;

// The custom field objects with custom fields keep their external key in.
constexpr char kKeyField[] = "cf_bridgework_key";
// The owner every record gets: Elena Rivera, not the token's admin (whom
// the CRM would default to).
constexpr char kOwner[] = "2";
// Deterministic ids of the emulator's default settings.
constexpr char kConsultationStageId[] = "16000091002";
constexpr char kAppointmentTypeId[] = "16000095001";

// The four custom modules of the seed write-ups.
constexpr const char* kModules[] = {"cm_treatment", "cm_payment",
                                    "cm_insurance_plan", "cm_lab_result"};

// A small file for the document case; the record carries its file:// URI.
std::string AttachmentPath(int n) {
  std::filesystem::path p =
      std::filesystem::temp_directory_path() /
      absl::StrCat("bw-fs-conformance-", getpid(), "-", n, ".txt");
  std::ofstream(p) << "x-ray report " << n << "\n";
  return p.string();
}

nlohmann::json KeyFieldDefs() {
  return {{{"name", kKeyField}, {"type", "text"}}};
}

nlohmann::json Settings() {
  nlohmann::json modules = nlohmann::json::array();
  for (const char* m : kModules) {
    modules.push_back({{"name", m},
                       {"fields",
                        {{{"name", "cf_patient"},
                          {"label", "Patient"},
                          {"type", "lookup"},
                          {"related", "contacts"},
                          {"required", true}},
                         {{"name", kKeyField}, {"type", "text"}}}}});
  }
  return {{"custom_modules", modules}};
}

ObjectCase ModuleCase(const std::string& module) {
  std::string target = absl::StrCat("custom_object:", module);
  return {target,
          [target, module](int n) {
            v1::TargetRecord t = Record(module, target, n, kKeyField);
            Set(t, "name", absl::StrCat(module, " ", n));
            return t;
          },
          [module](int n) -> Expect {
            return {{"/name", absl::StrCat(module, " ", n)},
                    {"/owner_id", kOwner},
                    {"/custom_field/cf_bridgework_key",
                     absl::StrCat("pbn:", module, ":", n)}};
          },
          {{"cf_patient", "contact", "/custom_field/cf_patient"}},
          [module](int n) -> Update {
            return {"name", absl::StrCat(module, " v2 ", n), "/name"};
          },
          {}};
}

}  // namespace

Profile FreshsalesProfile() {
  Profile p;
  p.name = "freshsales";
  p.api_prefix = "/crm/sales/api";
  p.connector.crm = "freshsales";
  p.connector.plan = "growth";
  p.unknown_id = "987654321";
  p.creates_fields = false;
  p.object_fields_entity = [](const std::string& key) { return key; };
  p.start = [](FakeTime& time) -> absl::StatusOr<Env> {
    emulator::FreshsalesOptions o;
    o.token = "conformance-token";
    o.clock = time.AbslClock();
    o.fields = {{"contacts",
                 {{{"name", kKeyField}, {"type", "text"}},
                  {{"name", "cf_referral_source"},
                   {"label", "Referral source"},
                   {"type", "text"}},
                  {{"name", "cf_patient_status"},
                   {"label", "Patient status"},
                   {"type", "dropdown"},
                   {"choices", {"Active", "Inactive", "Recall due"}}},
                  {{"name", "cf_last_visit"},
                   {"label", "Last visit"},
                   {"type", "date"}}}},
                {"sales_accounts", KeyFieldDefs()},
                {"deals", KeyFieldDefs()},
                {"sales_activities", KeyFieldDefs()},
                {"products", KeyFieldDefs()}};
    o.settings = Settings();
    auto e = emulator::FreshsalesEmulator::Create(std::move(o));
    if (!e.ok()) return e.status();
    Env env;
    env.emulator =
        std::make_unique<EmulatorAdapter<emulator::FreshsalesEmulator>>(
            std::move(*e));
    env.token = "conformance-token";
    env.owner_id = kOwner;
    return env;
  };
  p.limit = [](EmulatorHandle& e, int n) {
    return e.Configure({{"rate_limit_per_hour", n}, {"reset_window", true}})
        .status();
  };
  p.objects.push_back(
      {"contact",
       [](int n) {
         v1::TargetRecord t = Record("patient", "contact", n, "external_id");
         Set(t, "first_name", "Ana");
         Set(t, "last_name", absl::StrCat("Lopez ", n));
         Set(t, "email", absl::StrCat("ana", n, "@mail.example"));
         return t;
       },
       [](int n) -> Expect {
         return {{"/last_name", absl::StrCat("Lopez ", n)},
                 {"/external_id", absl::StrCat("pbn:patient:", n)},
                 {"/owner_id", kOwner}};
       },
       {{"sales_accounts", "sales_account", "/sales_accounts/0/id", true}},
       [](int n) -> Update {
         return {"last_name", absl::StrCat("Lopez-Diaz ", n), "/last_name"};
       },
       {"first_name", "last_name", "email"}});
  p.objects.push_back({"sales_account",
                       [](int n) {
                         v1::TargetRecord t =
                             Record("location", "sales_account", n, kKeyField);
                         Set(t, "name", absl::StrCat("SmileBright ", n));
                         return t;
                       },
                       [](int n) -> Expect {
                         return {{"/name", absl::StrCat("SmileBright ", n)},
                                 {"/owner_id", kOwner}};
                       },
                       {},
                       [](int n) -> Update {
                         return {"city", "Austin", "/city"};
                       },
                       {"name"}});
  // A satellite location under its parent account (Find("sales_account")
  // gives the case above, so the parent has no parent itself).
  p.objects.push_back(
      {"sales_account",
       [](int n) {
         v1::TargetRecord t = Record("location", "sales_account", n, kKeyField);
         Set(t, "name", absl::StrCat("SmileBright satellite ", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("SmileBright satellite ", n)}};
       },
       {{"parent_sales_account_id", "sales_account",
         "/parent_sales_account_id"}},
       [](int n) -> Update {
         return {"phone", "+1 512 555 0100", "/phone"};
       },
       {"name"}});
  p.objects.push_back(
      {"deal",
       [](int n) {
         v1::TargetRecord t = Record("treatment_plan", "deal", n, kKeyField);
         Set(t, "name", absl::StrCat("Implant plan ", n));
         Set(t, "amount", "1250.50");
         Set(t, "pipeline", "Default Pipeline");
         Set(t, "stage", "Consultation");
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("Implant plan ", n)},
                 {"/deal_stage_id", kConsultationStageId},
                 {"/probability", "30"},
                 {"/owner_id", kOwner}};
       },
       {{"sales_account_id", "sales_account", "/sales_account_id"},
        {"contacts_added_list", "contact", "/contact_ids/0", true}},
       [](int n) -> Update {
         return {"name", absl::StrCat("Crown plan ", n), "/name"};
       },
       {"name"}});
  p.objects.push_back(
      {"appointment",
       [](int n) {
         v1::TargetRecord t =
             Record("appointment", "appointment", n, kKeyField);
         Set(t, "title", absl::StrCat("Cleaning ", n));
         Set(t, "from_date", "2026-12-01T15:30:00-06:00");
         Set(t, "end_date", "2026-12-01T16:15:00-06:00");
         Set(t, "time_zone", "Central Time (US & Canada)");
         return t;
       },
       [](int n) -> Expect {
         return {
             {"/title", absl::StrCat("Cleaning ", n)},
             {"/from_date", "2026-12-01T15:30:00-06:00"},
             {"/end_date", "2026-12-01T16:15:00-06:00"},
             {"/targetable_type", "Contact"},
             {"/appointment_attendees/0/attendee_type", "FdMultitenant::User"},
             {"/appointment_attendees/0/attendee_id", kOwner}};
       },
       {{"targetable_id", "contact", "/targetable_id"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Deep cleaning ", n), "/title"};
       },
       {}});
  p.objects.push_back(
      {"sales_activity",
       [](int n) {
         v1::TargetRecord t =
             Record("appointment", "sales_activity", n, kKeyField);
         Set(t, "title", absl::StrCat("Consultation ", n));
         Set(t, "sales_activity_type", "Appointment");
         Set(t, "start_date", "2026-11-02T09:00:00Z");
         Set(t, "end_date", "2026-11-02T09:45:00Z");
         return t;
       },
       [](int n) -> Expect {
         return {{"/title", absl::StrCat("Consultation ", n)},
                 {"/sales_activity_type_id", kAppointmentTypeId},
                 {"/start_date", "2026-11-02T09:00:00Z"},
                 {"/end_date", "2026-11-02T09:45:00Z"},
                 {"/owner_id", kOwner}};
       },
       {{"targetable_id", "contact", "/targetable_id"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Follow-up ", n), "/title"};
       },
       {}});
  p.objects.push_back(
      {"task",
       [](int n) {
         v1::TargetRecord t = Record("recall", "task", n, kKeyField);
         Set(t, "title", absl::StrCat("Recall call ", n));
         Set(t, "due_date", "2026-12-10T10:00:00Z");
         return t;
       },
       [](int n) -> Expect {
         return {{"/title", absl::StrCat("Recall call ", n)},
                 {"/due_date", "2026-12-10T10:00:00Z"},
                 {"/targetable_type", "Deal"},
                 {"/owner_id", kOwner}};
       },
       {{"targetable_id", "deal", "/targetable_id"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Recall email ", n), "/title"};
       },
       {}});
  p.objects.push_back(
      {"note",
       [](int n) {
         v1::TargetRecord t = Record("note", "note", n, kKeyField);
         Set(t, "description", absl::StrCat("Parking at the back ", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/description", absl::StrCat("Parking at the back ", n)},
                 {"/targetable_type", "SalesAccount"}};
       },
       {{"targetable_id", "sales_account", "/targetable_id"}},
       [](int n) -> Update {
         return {"description", absl::StrCat("Parking in front ", n),
                 "/description"};
       },
       {}});
  p.objects.push_back({"document",
                       [](int n) {
                         v1::TargetRecord t =
                             Record("document", "document", n, kKeyField);
                         Set(t, "name", absl::StrCat("x-ray-", n, ".txt"));
                         v1::AttachmentRef* a = t.add_attachments();
                         a->set_uri(absl::StrCat("file://", AttachmentPath(n)));
                         a->set_content_type("text/plain");
                         return t;
                       },
                       [](int n) -> Expect {
                         return {{"/name", absl::StrCat("x-ray-", n, ".txt")},
                                 {"/content_type", "text/plain"},
                                 {"/targetable_type", "Contact"}};
                       },
                       {{"targetable_id", "contact", "/targetable_id"}},
                       {},
                       {}});
  p.objects.push_back(
      {"product",
       [](int n) {
         v1::TargetRecord t = Record("procedure", "product", n, kKeyField);
         Set(t, "name", absl::StrCat("Crown ", n));
         Set(t, "product_code", absl::StrCat("D274", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("Crown ", n)},
                 {"/product_code", absl::StrCat("D274", n)},
                 {"/owner_id", kOwner}};
       },
       {},
       [](int n) -> Update {
         return {"name", absl::StrCat("Porcelain crown ", n), "/name"};
       },
       {"name"}});
  // Campaigns become contact lists; a list is found again by its name.
  p.objects.push_back(
      {"list",
       [](int n) { return Record("campaign", "list", n, "name"); },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("pbn:campaign:", n)}};
       },
       {{"contact_ids", "contact", "/contact_ids/0", true}},
       [](int n) -> Update {
         return {"name", absl::StrCat("Recall 2027 ", n), "/name"};
       },
       {}});
  for (const char* m : kModules) p.objects.push_back(ModuleCase(m));
  // Leads are contacts in a lifecycle stage (a selector choice, written by
  // name, stored as its id).
  p.projection = {
      "contact",
      ProjectionFields("contacts"),
      {"sales_accounts", "sales_account", "/sales_accounts/0/id", true},
      [](int n) {
        v1::TargetRecord t = Record("patient", "contact", n, "external_id");
        Set(t, "first_name", "Ana");
        Set(t, "last_name", absl::StrCat("Lopez ", n));
        Set(t, "email", absl::StrCat("ana", n, "@mail.example"));
        Set(t, "mobile_number", TestPhone(n));
        Set(t, "lifecycle_stage", "Lead");
        SetProjectionCustomFields(t, n, false);
        return t;
      },
      [](v1::TargetRecord& t, int n) {
        Set(t, "last_name", absl::StrCat("Lopez-Diaz ", n));
        Set(t, "email", absl::StrCat("ana.lopez", n, "@mail.example"));
        Set(t, "lifecycle_stage", "Customer");
        Set(t, "work_number", TestPhone(n + 5000));
        SetProjectionCustomFields(t, n, true);
      },
      {"work_number", "cf_referral_source"},
      {"email", "mobile_number", "work_number"}};
  p.custom_field = {
      "contact",
      {"contacts", "cf_referral_source", "Referral source", "text", {}},
      "Direct mail",
      [](const nlohmann::json& r) {
        return r.contains("custom_field")
                   ? r["custom_field"].value("cf_referral_source", "")
                   : "";
      }};
  return p;
}

}  // namespace bridgework::conformance
