#include "libs/discovery/assessment.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/crm/connector_registry.h"
#include "libs/crm/http_client.h"
#include "libs/discovery/plans.h"

namespace bridgework::discovery {
namespace {

using ::testing::HasSubstr;

PlanLimits Limits(const std::string& crm, const std::string& plan,
                  int seats = 1) {
  absl::StatusOr<PlanLimits> l = LimitsFor(crm, plan, seats);
  EXPECT_TRUE(l.ok()) << l.status();
  return *l;
}

mapping::Map ParseOrDie(const std::string& yaml) {
  absl::StatusOr<mapping::Map> m = mapping::ParseMap(yaml, "m.yaml");
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *m : mapping::Map();
}

ObjectProfile Obj(const std::string& name, int64_t records,
                  std::vector<std::pair<std::string, int64_t>> filled = {}) {
  ObjectProfile o;
  o.object = name;
  o.records = records;
  for (const auto& [field, n] : filled) {
    FieldProfile f;
    f.name = field;
    f.filled = n;
    o.fields.push_back(f);
  }
  return o;
}

const ReadinessItem* FindItem(const Readiness& r, const std::string& what) {
  for (const auto& i : r.items) {
    if (i.what == what) return &i;
  }
  return nullptr;
}

const RouteEstimate* FindRoute(const Estimate& e, const std::string& object) {
  for (const auto& r : e.routes) {
    if (r.source_object == object) return &r;
  }
  return nullptr;
}

TEST(PlansTest, RatesAreTheLoadersPacing) {
  EXPECT_DOUBLE_EQ(Limits("freshsales", "growth").requests_per_hour, 1000);
  EXPECT_DOUBLE_EQ(Limits("freshsales", "pro").requests_per_hour, 2000);
  EXPECT_DOUBLE_EQ(Limits("freshsales", "enterprise").requests_per_hour, 5000);
  // 40 per 2 s.
  EXPECT_DOUBLE_EQ(Limits("pipedrive", "growth").requests_per_hour, 72000);
  // 100 per 10 s.
  EXPECT_DOUBLE_EQ(Limits("highlevel", "unlimited").requests_per_hour, 36000);
  EXPECT_EQ(Limits("highlevel", "starter").daily_requests, 200000);
  EXPECT_EQ(Limits("pipedrive", "lite").daily_tokens, 30000);
  EXPECT_EQ(Limits("pipedrive", "premium", 3).daily_tokens, 30000 * 5 * 3);
}

TEST(PlansTest, SchemaLimits) {
  PlanLimits growth = Limits("freshsales", "growth");
  EXPECT_TRUE(growth.fields_per_entity);
  EXPECT_EQ(growth.custom_fields, 150);
  EXPECT_EQ(growth.custom_objects, 0);
  EXPECT_EQ(growth.pipelines, 1);
  EXPECT_EQ(Limits("freshsales", "enterprise").custom_fields, 630);
  EXPECT_EQ(Limits("freshsales", "pro").custom_objects, kUnknown);
  EXPECT_EQ(Limits("pipedrive", "growth").custom_fields, 100);
  EXPECT_EQ(Limits("pipedrive", "ultimate").custom_fields, 500);
  EXPECT_EQ(Limits("pipedrive", "enterprise").custom_fields, kUnlimited);
  EXPECT_EQ(Limits("pipedrive", "growth").custom_objects, 0);
  EXPECT_EQ(Limits("highlevel", "pro").custom_objects, 10);
  EXPECT_EQ(Limits("highlevel", "pro").custom_fields, kUnknown);
  for (const char* crm : {"freshsales", "pipedrive", "highlevel"}) {
    EXPECT_FALSE(Limits(crm, DefaultPlan(crm)).sources.empty()) << crm;
  }
}

TEST(PlansTest, UnknownPlanOrCrmListsTheKnownOnes) {
  auto plan = LimitsFor("freshsales", "platinum");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.status().message(), HasSubstr("growth"));
  auto crm = LimitsFor("salesforce", "growth");
  ASSERT_FALSE(crm.ok());
  EXPECT_THAT(crm.status().message(), HasSubstr("freshsales"));
  EXPECT_FALSE(LimitsFor("pipedrive", "growth", 0).ok());
}

constexpr char kFreshsalesMap[] = R"(version: 1
source: pbn
destination: freshsales
objects:
  - source: provider
    route: reference
    reason: "owners by email"
  - source: location
    target: sales_account
    fields: [{to: name, from: name}]
    lookups:
      - {to: parent_sales_account_id, from: parent_location_id, object: location, target: sales_account, deferrable: true}
  - source: patient
    target: contact
    fields: [{to: last_name, from: last_name, required: true}]
  - source: note
    target: note
    fields: [{to: description, from: body}]
    lookups: [{to: targetable_id, from: patient_id, object: patient, target: contact}]
  - source: insurance
    into: {object: patient, via: patient_id}
    fields: [{to: cf_carrier, from: carrier}]
  - source: appointment
    id: booked
    target: appointment
    when: {field: status, in: [booked]}
    fields: [{to: title, from: kind}]
  - source: appointment
    id: done
    target: sales_activity
    fields: [{to: title, from: kind}]
  - source: campaign
    route: not_migrated
    reason: "rebuilt in the CRM"
custom_fields:
  - {entity: contacts, name: cf_a, label: A, type: text}
  - {entity: contacts, name: cf_b, label: B, type: dropdown, choices: [x]}
  - {entity: contacts, name: cf_c, label: C, type: textarea}
  - {entity: sales_accounts, name: cf_d, label: D, type: text}
  - {entity: sales_activities, name: cf_e, label: E, type: text}
pipelines:
  - name: Treatment plans
    stages: [New, Won]
  - name: Recalls
    stages: [Due]
)";

TEST(ReadinessTest, FreshsalesCountsPerEntityAndType) {
  mapping::Map map = ParseOrDie(kFreshsalesMap);
  Readiness r = AssessReadiness(Limits("freshsales", "growth"), &map);
  ASSERT_TRUE(r.have_map);
  const ReadinessItem* contacts = FindItem(r, "custom fields on contacts");
  ASSERT_NE(contacts, nullptr);
  EXPECT_EQ(contacts->needed, 3);
  EXPECT_EQ(contacts->allowed, 150);
  EXPECT_EQ(contacts->status, "ok");
  const ReadinessItem* textarea =
      FindItem(r, "textarea custom fields on contacts");
  ASSERT_NE(textarea, nullptr);
  EXPECT_EQ(textarea->allowed, 5);
  const ReadinessItem* activities =
      FindItem(r, "text custom fields on sales_activities");
  ASSERT_NE(activities, nullptr);
  EXPECT_EQ(activities->allowed, 5);
  // Growth keeps one pipeline; the map wants two.
  const ReadinessItem* pipelines = FindItem(r, "pipelines");
  ASSERT_NE(pipelines, nullptr);
  EXPECT_EQ(pipelines->needed, 2);
  EXPECT_EQ(pipelines->status, "over");
  EXPECT_EQ(r.over(), 1);
  EXPECT_EQ(FindItem(r, "custom modules")->status, "ok");  // none needed

  Readiness pro = AssessReadiness(Limits("freshsales", "pro"), &map);
  EXPECT_EQ(pro.over(), 0);
  EXPECT_EQ(FindItem(pro, "pipelines")->status, "ok");

  Readiness free = AssessReadiness(Limits("freshsales", "free"), &map);
  EXPECT_EQ(FindItem(free, "custom fields on contacts")->status, "over");
}

TEST(ReadinessTest, CustomObjectsAgainstTheAllowance) {
  std::string yaml = R"(version: 1
source: pbn
destination: highlevel
objects:
  - source: patient
    target: contact
    fields: [{to: lastName, from: last_name}]
custom_objects:
)";
  for (int i = 0; i < 11; ++i) {
    yaml += "  - {key: o" + std::to_string(i) +
            ", singular: O, plural: Os, primary_field: name}\n";
  }
  mapping::Map map = ParseOrDie(yaml);
  Readiness hl = AssessReadiness(Limits("highlevel", "unlimited"), &map);
  const ReadinessItem* objects = FindItem(hl, "custom objects");
  ASSERT_NE(objects, nullptr);
  EXPECT_EQ(objects->needed, 11);
  EXPECT_EQ(objects->allowed, 10);
  EXPECT_EQ(objects->status, "over");
  // No published custom field limit: nothing needed is ok, else "check".
  EXPECT_EQ(FindItem(hl, "custom fields (account total)")->status, "ok");

  Readiness pd = AssessReadiness(Limits("pipedrive", "growth"), &map);
  EXPECT_EQ(FindItem(pd, "custom objects")->status, "over");
  Readiness fs = AssessReadiness(Limits("freshsales", "pro"), &map);
  EXPECT_EQ(FindItem(fs, "custom modules")->status, "check");
  EXPECT_THAT(FindItem(fs, "custom modules")->note, HasSubstr("confirm"));
}

TEST(ReadinessTest, PipedriveCountsTheCompanyTotal) {
  std::string yaml = R"(version: 1
source: pbn
destination: pipedrive
objects:
  - source: patient
    target: person
    fields: [{to: name, from: last_name}]
custom_fields:
)";
  for (int i = 0; i < 20; ++i) {
    yaml += "  - {entity: persons, name: cf_p" + std::to_string(i) +
            ", label: P, type: text}\n";
    yaml += "  - {entity: deals, name: cf_d" + std::to_string(i) +
            ", label: D, type: text}\n";
  }
  mapping::Map map = ParseOrDie(yaml);
  Readiness r = AssessReadiness(Limits("pipedrive", "lite"), &map);
  const ReadinessItem* lite = FindItem(r, "custom fields (account total)");
  ASSERT_NE(lite, nullptr);
  EXPECT_EQ(lite->needed, 40);
  EXPECT_EQ(lite->allowed, 30);
  EXPECT_EQ(lite->status, "over");
  EXPECT_THAT(lite->note, HasSubstr("persons 20"));
  EXPECT_EQ(AssessReadiness(Limits("pipedrive", "growth"), &map).over(), 0);
}

TEST(ReadinessTest, NoMapNoItems) {
  Readiness r = AssessReadiness(Limits("freshsales", "growth"), nullptr);
  EXPECT_FALSE(r.have_map);
  EXPECT_TRUE(r.items.empty());
}

Profile PbnProfile() {
  Profile p;
  p.objects = {
      Obj("provider", 5),    Obj("location", 3, {{"parent_location_id", 1}}),
      Obj("patient", 250),   Obj("note", 40),
      Obj("insurance", 120), Obj("appointment", 700),
      Obj("campaign", 4),    Obj("lab_case", 9)};
  return p;
}

TEST(EstimateTest, FreshsalesBulkAndOneByOne) {
  mapping::Map map = ParseOrDie(kFreshsalesMap);
  Estimate e =
      EstimateMigration(PbnProfile(), Limits("freshsales", "growth"), &map);
  EXPECT_EQ(FindRoute(e, "provider")->kind, "reference");
  EXPECT_EQ(FindRoute(e, "provider")->requests, 0);
  // 3 accounts: one bulk call (2 requests) + 1 deferred parent link.
  EXPECT_EQ(FindRoute(e, "location")->requests, 3);
  // 250 contacts: 3 bulk calls.
  EXPECT_EQ(FindRoute(e, "patient")->requests, 6);
  EXPECT_EQ(FindRoute(e, "note")->requests, 40);
  EXPECT_EQ(FindRoute(e, "insurance")->kind, "into");
  EXPECT_EQ(FindRoute(e, "insurance")->requests, 0);
  const RouteEstimate* appt = FindRoute(e, "appointment");
  EXPECT_EQ(appt->route, "booked | done");
  EXPECT_EQ(appt->requests, 700);
  EXPECT_THAT(appt->rule, HasSubstr("2 routes share"));
  EXPECT_EQ(FindRoute(e, "campaign")->kind, "not_migrated");
  EXPECT_EQ(FindRoute(e, "lab_case")->kind, "not_mapped");
  // Users, fields of 3 entities, pipelines read.
  EXPECT_EQ(e.setup_requests, 1 + 3 + 1);
  EXPECT_EQ(e.requests, 3 + 6 + 40 + 700 + 5);
  EXPECT_EQ(e.tokens, e.requests);
  EXPECT_EQ(e.records, 5 + 3 + 250 + 40 + 120 + 700 + 4 + 9);
  EXPECT_NEAR(e.hours, 754.0 / 1000.0, 1e-9);
  EXPECT_NEAR(e.days, e.hours / 24, 1e-12);
  EXPECT_EQ(e.binding, "rate");
  EXPECT_GE(e.rules.size(), 6u);
}

TEST(EstimateTest, PipedriveDailyTokenBudgetBinds) {
  mapping::Map map = ParseOrDie(R"(version: 1
source: pbn
destination: pipedrive
objects:
  - source: patient
    target: person
    fields: [{to: name, from: last_name}]
  - source: note
    target: note
    fields: [{to: content, from: body}]
)");
  Profile p;
  p.objects = {Obj("patient", 20000), Obj("note", 5000)};
  Estimate e = EstimateMigration(p, Limits("pipedrive", "lite"), &map);
  EXPECT_EQ(FindRoute(e, "patient")->tokens, 20000 * 5);
  EXPECT_EQ(FindRoute(e, "note")->tokens, 5000 * 10);
  // Users read (20 tokens).
  EXPECT_EQ(e.tokens, 100000 + 50000 + 20);
  EXPECT_EQ(e.binding, "daily tokens");
  // Five days' budgets spent at the burst rate, each followed by a wait
  // for midnight; the last 20 tokens on the sixth day.
  EXPECT_EQ(e.days_spanned, 6);
  EXPECT_GT(e.hours, 5 * 24.0);
  EXPECT_LT(e.hours, 5 * 24.0 + 0.1);
  // More seats, a larger budget: the burst rate binds.
  Estimate seats =
      EstimateMigration(p, Limits("pipedrive", "ultimate", 200), &map);
  EXPECT_EQ(seats.binding, "rate");
}

TEST(EstimateTest, HighLevelLinksAndDailyCap) {
  mapping::Map map = ParseOrDie(R"(version: 1
source: pbn
destination: highlevel
objects:
  - source: location
    target: business
    fields: [{to: name, from: name}]
  - source: patient
    target: contact
    fields: [{to: lastName, from: last_name}]
    lookups: [{to: businessId, from: location_id, object: location, target: business}]
  - source: treatment
    target: custom_object:treatment
    fields: [{to: name, from: code}]
    lookups: [{to: contactId, from: patient_id, object: patient, target: contact}]
custom_objects:
  - {key: treatment, singular: Treatment, plural: Treatments, primary_field: name}
)");
  Profile p;
  p.objects = {Obj("location", 2),
               Obj("patient", 100000, {{"location_id", 90000}}),
               Obj("treatment", 300000, {{"patient_id", 300000}})};
  Estimate e = EstimateMigration(p, Limits("highlevel", "unlimited"), &map);
  EXPECT_EQ(FindRoute(e, "patient")->requests, 190000);
  EXPECT_EQ(FindRoute(e, "treatment")->requests, 600000);
  // Users, objects read, object + association.
  EXPECT_EQ(e.setup_requests, 1 + 1 + 2);
  EXPECT_EQ(e.binding, "daily requests");
  // 790,006 requests: three days of 200,000 at 10 a second (5.6 h each),
  // each followed by a wait for midnight, then 190,006 on the fourth.
  EXPECT_EQ(e.days_spanned, 4);
  EXPECT_NEAR(e.hours, 3 * 24.0 + 190006 / 36000.0, 1e-6);
}

TEST(EstimateTest, WithoutAMapEveryRecordIsOneCreate) {
  Profile p;
  p.objects = {Obj("patient", 30), Obj("note", 12)};
  Estimate e = EstimateMigration(p, Limits("freshsales", "pro"), nullptr);
  EXPECT_EQ(FindRoute(e, "patient")->kind, "unmapped");
  EXPECT_EQ(e.requests, 30 + 12 + 1);
  EXPECT_NEAR(e.hours, 43.0 / 2000.0, 1e-12);
  bool noted = false;
  for (const auto& n : e.notes) noted |= n.find("No map") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(EstimateTest, LargeMigrationsAreNoted) {
  Profile p;
  p.objects = {Obj("patient", 2500000)};
  Estimate e = EstimateMigration(p, Limits("freshsales", "growth"), nullptr);
  EXPECT_THAT(e.notes.front(), HasSubstr("2 million"));
}

// The cost table's bulk objects are the ones the connectors bulk-load.
TEST(EstimateTest, BulkTargetsMatchTheConnectors) {
  struct Case {
    std::string crm;
    std::vector<std::string> targets;
  };
  const std::vector<Case> cases = {
      {"freshsales",
       {"contact", "sales_account", "deal", "appointment", "sales_activity",
        "task", "note", "document", "product", "list"}},
      {"pipedrive",
       {"person", "organization", "deal", "lead", "activity", "note", "file",
        "product"}},
      {"highlevel",
       {"contact", "business", "opportunity", "appointment", "note", "task",
        "media", "product", "custom_object:treatment"}},
  };
  for (const Case& c : cases) {
    crm::ConnectorConfig config;
    config.crm = c.crm;
    config.base_url = "http://127.0.0.1:9";
    config.token = "t";
    config.plan = DefaultPlan(c.crm);
    config.location_id = "loc";
    config.company_id = "co";
    auto connector = crm::MakeConnector(
        config, std::make_unique<crm::FakeHttpClient>([](const auto&) {
          return absl::UnavailableError("offline");
        }));
    ASSERT_TRUE(connector.ok()) << connector.status();
    for (const std::string& t : c.targets) {
      EXPECT_EQ((*connector)->SupportsBulkUpsert(t),
                CostOf(c.crm, t).bulk_size > 0)
          << c.crm << " " << t;
    }
  }
}

TEST(ScheduleTest, AStartLateInTheDayWaitsForMidnightSooner) {
  PlanLimits l;
  l.requests_per_hour = 36000;  // 10 a second
  l.daily_requests = 200000;
  // Started at 20:00 UTC: 4 h at 10/s = 144,000 before midnight, the rest
  // (56,000: 1.56 h) after it.
  absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 20, 0, 0),
                                     absl::UTCTimeZone());
  Schedule s = ScheduleRun(200000, 200000, l, start, 1.0);
  EXPECT_EQ(s.days, 2);
  EXPECT_EQ(s.binding, "");
  EXPECT_NEAR(s.hours, 4 + 56000 / 36000.0, 1e-6);
  // Without a daily budget the rate alone sets the time.
  l.daily_requests = 0;
  Schedule plain = ScheduleRun(36000, 36000, l, start, 0.5);
  EXPECT_NEAR(plain.hours, 2.0, 1e-9);
  EXPECT_EQ(plain.days, 1);
}

}  // namespace
}  // namespace bridgework::discovery
