// Freshsales in the connector conformance suite.
#include "absl/strings/str_cat.h"
#include "emulators/freshsales/freshsales_emulator.h"
#include "tests/conformance/profiles.h"

namespace bridgework::conformance {

Profile FreshsalesProfile() {
  Profile p;
  p.name = "freshsales";
  p.api_prefix = "/crm/sales/api";
  p.connector.crm = "freshsales";
  p.connector.plan = "growth";
  p.unknown_id = "987654321";
  p.creates_fields = false;
  p.start = [](FakeTime& time) -> absl::StatusOr<Env> {
    emulator::FreshsalesOptions o;
    o.token = "conformance-token";
    o.clock = time.AbslClock();
    o.fields = {{"contacts",
                 {{{"name", "cf_bridgework_key"}, {"type", "text"}},
                  {{"name", "cf_referral_source"},
                   {"label", "Referral source"},
                   {"type", "text"}}}},
                {"sales_accounts",
                 {{{"name", "cf_bridgework_key"}, {"type", "text"}}}}};
    auto e = emulator::FreshsalesEmulator::Create(std::move(o));
    if (!e.ok()) return e.status();
    Env env;
    env.emulator =
        std::make_unique<EmulatorAdapter<emulator::FreshsalesEmulator>>(
            std::move(*e));
    env.token = "conformance-token";
    env.owner_id = "1";
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
       [](int n) -> std::vector<std::pair<std::string, std::string>> {
         return {{"/last_name", absl::StrCat("Lopez ", n)},
                 {"/external_id", absl::StrCat("pbn:patient:", n)}};
       },
       {{"sales_accounts", "sales_account", "/sales_accounts/0/id", true}},
       [](int n) -> std::tuple<std::string, std::string, std::string> {
         return {"last_name", absl::StrCat("Lopez-Diaz ", n), "/last_name"};
       },
       {"first_name", "last_name", "email"}});
  p.objects.push_back(
      {"sales_account",
       [](int n) {
         v1::TargetRecord t =
             Record("location", "sales_account", n, "cf_bridgework_key");
         Set(t, "name", absl::StrCat("SmileBright ", n));
         return t;
       },
       [](int n) -> std::vector<std::pair<std::string, std::string>> {
         return {{"/name", absl::StrCat("SmileBright ", n)}};
       },
       {},
       [](int n) -> std::tuple<std::string, std::string, std::string> {
         return {"city", "Austin", "/city"};
       },
       {"name"}});
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
