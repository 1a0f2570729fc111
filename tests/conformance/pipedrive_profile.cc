// Pipedrive in the connector conformance suite: one ObjectCase per target
// object (person first), against the in-process Pipedrive emulator.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "tests/conformance/profiles.h"

namespace bridgework::conformance {
namespace {

using Expect = std::vector<std::pair<std::string, std::string>>;
using Update = std::tuple<std::string, std::string, std::string>;

// The custom field every object with custom fields keeps its external key
// in (the map's cf_bridgework_key; found again by its label).
constexpr char kKeyField[] = "cf_bridgework_key";

// A small file for the file case; the record carries its file:// URI.
std::string AttachmentPath(int n) {
  std::filesystem::path p =
      std::filesystem::temp_directory_path() /
      absl::StrCat("bw-pd-conformance-", getpid(), "-", n, ".txt");
  std::ofstream(p) << "x-ray report " << n << "\n";
  return p.string();
}

}  // namespace

Profile PipedriveProfile() {
  Profile p;
  p.name = "pipedrive";
  p.api_prefix = "";
  p.connector.crm = "pipedrive";
  p.connector.plan = "growth";
  p.unknown_id = "2999999";
  p.creates_fields = true;
  p.start = [](FakeTime& time) -> absl::StatusOr<Env> {
    // A fresh token per emulator: the connector remembers field keys per
    // (URL, token), and a later test may get the same loopback port.
    static std::atomic<int> next{1};
    std::string token = absl::StrCat("pd-conformance-", next++);
    emulator::PipedriveOptions o;
    o.token = token;
    o.clock = time.AbslClock();
    auto e = emulator::PipedriveEmulator::Create(std::move(o));
    if (!e.ok()) return e.status();
    nlohmann::json key = {{"field_name", "Bridgework key"},
                          {"field_type", "varchar"}};
    auto seeded = (*e)->Seed({{"fields",
                               {{"person", {key}},
                                {"organization", {key}},
                                {"deal", {key}},
                                {"product", {key}}}}});
    if (!seeded.ok()) return seeded.status();
    Env env;
    env.emulator =
        std::make_unique<EmulatorAdapter<emulator::PipedriveEmulator>>(
            std::move(*e));
    env.token = token;
    env.owner_id = "14000002";  // Elena Rivera, not the token's owner
    return env;
  };
  p.limit = [](EmulatorHandle& e, int n) {
    return e.Configure({{"burst_limit", n}, {"reset_windows", true}}).status();
  };
  p.objects.push_back(
      {"person",
       [](int n) {
         v1::TargetRecord t = Record("patient", "person", n, kKeyField);
         Set(t, "name", absl::StrCat("Ana Lopez ", n));
         Set(t, "emails", absl::StrCat("ana", n, "@mail.example"));
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("Ana Lopez ", n)},
                 {"/emails/0/value", absl::StrCat("ana", n, "@mail.example")},
                 {"/owner_id", "14000002"}};
       },
       {{"org_id", "organization", "/org_id"}},
       [](int n) -> Update {
         return {"name", absl::StrCat("Ana Lopez-Diaz ", n), "/name"};
       },
       {"name"}});
  p.objects.push_back(
      {"organization",
       [](int n) {
         v1::TargetRecord t = Record("location", "organization", n, kKeyField);
         Set(t, "name", absl::StrCat("SmileBright ", n));
         Set(t, "address", "1 Main St, Austin, TX");
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("SmileBright ", n)},
                 {"/address/value", "1 Main St, Austin, TX"},
                 {"/owner_id", "14000002"}};
       },
       {},
       [](int n) -> Update {
         return {"address", "9 Oak Ave, Dallas, TX", "/address/value"};
       },
       {"name"}});
  p.objects.push_back(
      {"deal",
       [](int n) {
         v1::TargetRecord t = Record("treatment_plan", "deal", n, kKeyField);
         Set(t, "title", absl::StrCat("Implant plan ", n));
         Set(t, "value", "1250.50");
         Set(t, "currency", "USD");
         Set(t, "stage", "Contact Made");
         return t;
       },
       [](int n) -> Expect {
         return {{"/title", absl::StrCat("Implant plan ", n)},
                 {"/stage_id", "2"},
                 {"/owner_id", "14000002"}};
       },
       {{"person_id", "person", "/person_id"},
        {"org_id", "organization", "/org_id"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Crown plan ", n), "/title"};
       },
       {"title"}});
  p.objects.push_back(
      {"lead",
       [](int n) {
         v1::TargetRecord t = Record("inquiry", "lead", n, kKeyField);
         Set(t, "title", absl::StrCat("Whitening inquiry ", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/title", absl::StrCat("Whitening inquiry ", n)},
                 {"/owner_id", "14000002"}};
       },
       {{"person_id", "person", "/person_id"}},
       [](int n) -> Update {
         return {"title", absl::StrCat("Veneers inquiry ", n), "/title"};
       },
       {"title"}});
  p.objects.push_back(
      {"activity",
       [](int n) {
         v1::TargetRecord t = Record("appointment", "activity", n, kKeyField);
         Set(t, "subject", absl::StrCat("Cleaning ", n));
         Set(t, "type", "meeting");
         Set(t, "due_date", "2026-12-01");
         Set(t, "due_time", "15:30");
         return t;
       },
       [](int n) -> Expect {
         return {{"/subject", absl::StrCat("Cleaning ", n)},
                 {"/type", "meeting"},
                 {"/due_date", "2026-12-01"},
                 {"/owner_id", "14000002"}};
       },
       {{"deal_id", "deal", "/deal_id"}, {"person_id", "person", "/person_id"}},
       [](int n) -> Update {
         return {"subject", absl::StrCat("Deep cleaning ", n), "/subject"};
       },
       {"subject"}});
  p.objects.push_back(
      {"note",
       [](int n) {
         v1::TargetRecord t = Record("note", "note", n, kKeyField);
         Set(t, "content", absl::StrCat("Prefers mornings ", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/content", absl::StrCat("Prefers mornings ", n)},
                 {"/user_id", "14000002"}};
       },
       {{"person_id", "person", "/person_id"}},
       [](int n) -> Update {
         return {"content", absl::StrCat("Prefers evenings ", n), "/content"};
       },
       {"content"}});
  p.objects.push_back(
      {"file",
       [](int n) {
         v1::TargetRecord t = Record("document", "file", n, kKeyField);
         Set(t, "name", absl::StrCat("x-ray-", n, ".txt"));
         v1::AttachmentRef* a = t.add_attachments();
         a->set_uri(absl::StrCat("file://", AttachmentPath(n)));
         a->set_content_type("text/plain");
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("x-ray-", n, ".txt")},
                 {"/file_type", "text"}};
       },
       {{"person_id", "person", "/person_id"}},
       [](int n) -> Update {
         return {"name", absl::StrCat("panoramic-", n, ".txt"), "/name"};
       },
       {}});
  p.objects.push_back(
      {"product",
       [](int n) {
         v1::TargetRecord t = Record("procedure", "product", n, kKeyField);
         Set(t, "name", absl::StrCat("Crown ", n));
         Set(t, "code", absl::StrCat("D274", n));
         return t;
       },
       [](int n) -> Expect {
         return {{"/name", absl::StrCat("Crown ", n)},
                 {"/code", absl::StrCat("D274", n)},
                 {"/owner_id", "14000002"}};
       },
       {},
       [](int n) -> Update {
         return {"name", absl::StrCat("Porcelain crown ", n), "/name"};
       },
       {"name"}});
  // Custom fields are created by PrepareSchema; the dropdown is an enum
  // written and read as option ids.
  p.projection = {
      "person",
      ProjectionFields("persons"),
      {"org_id", "organization", "/org_id"},
      [](int n) {
        v1::TargetRecord t = Record("patient", "person", n, kKeyField);
        Set(t, "name", absl::StrCat("Ana Lopez ", n));
        Set(t, "emails", absl::StrCat("ana", n, "@mail.example"));
        SetProjectionCustomFields(t, n, false);
        return t;
      },
      [](v1::TargetRecord& t, int n) {
        Set(t, "name", absl::StrCat("Ana Lopez-Diaz ", n));
        Set(t, "emails", absl::StrCat("ana.lopez", n, "@mail.example"));
        Set(t, "phones", TestPhone(n));
        SetProjectionCustomFields(t, n, true);
      },
      {"phones", "cf_referral_source"},
      {"emails", "phones"}};
  p.custom_field = {
      "person",
      {"persons", "cf_referral_source", "Referral source", "text", {}},
      "Direct mail",
      // The field's key is the CRM's; the read-back has exactly one custom
      // value besides the external key.
      [](const nlohmann::json& r) -> std::string {
        std::vector<std::string> values;
        const nlohmann::json custom =
            r.value("custom_fields", nlohmann::json::object());
        for (const auto& [k, v] : custom.items()) {
          if (v.is_string() && !absl::StartsWith(v.get<std::string>(), "pbn:"))
            values.push_back(v.get<std::string>());
        }
        return values.size() == 1 ? values[0] : "";
      }};
  return p;
}

}  // namespace bridgework::conformance
