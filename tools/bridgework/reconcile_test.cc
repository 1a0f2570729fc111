// ReconcileTally: the arithmetic of `bridgework reconcile` on synthetic
// source ids, run reports, id-map entries and read-backs.
#include "tools/bridgework/reconcile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::cli {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kMap[] = R"(version: 1
source: pbn
destination: freshsales
objects:
  - source: provider
    route: reference
    reason: "owners by email"
  - source: location
    target: sales_account
    fields:
      - {to: name, from: name}
  - source: patient
    target: contact
    external_key_field: external_id
    fields:
      - {to: last_name, from: last_name}
      - {to: cf_status, from: status}
    lookups:
      - {to: sales_accounts, from: location_id, object: location, target: sales_account, list: true}
  - source: insurance
    into: {object: patient, via: patient_id}
    fields:
      - {to: cf_carrier, from: carrier}
custom_fields:
  - {entity: sales_accounts, name: cf_bridgework_key, label: "Key", type: text}
  - {entity: contacts, name: cf_status, label: "Status", type: text}
  - {entity: contacts, name: cf_carrier, label: "Carrier", type: text}
)";

v1::Rejection Rejection(const std::string& key, const std::string& stage,
                        int line = 0) {
  v1::Rejection r;
  r.set_source_key(key);
  r.set_stage(stage);
  r.set_reason(stage == "map" ? "no route applies" : "bad birth_date");
  r.set_field(stage == "map" ? "" : "birth_date");
  r.mutable_location()->set_file("patients.csv");
  r.mutable_location()->set_line(line);
  return r;
}

v1::RunInfo Finished(const std::string& id, v1::RunKind kind) {
  v1::RunInfo run;
  run.set_run_id(id);
  run.set_kind(kind);
  run.set_state(v1::RUN_STATE_SUCCEEDED);
  return run;
}

v1::ResolvedKey Mapped(const std::string& object, const std::string& key,
                       const std::string& target, const std::string& crm_id) {
  v1::ResolvedKey k;
  k.mutable_key()->set_source_object(object);
  k.mutable_key()->set_source_key(key);
  k.mutable_key()->set_target_object(target);
  k.set_crm_id(crm_id);
  return k;
}

v1::RecordCheck Check(const v1::ResolvedKey& k, bool found) {
  v1::RecordCheck c;
  c.set_source_object(k.key().source_object());
  c.set_source_key(k.key().source_key());
  c.set_target_object(k.key().target_object());
  c.set_crm_id(k.crm_id());
  c.set_found(found);
  return c;
}

void AddField(v1::RecordCheck* c, const std::string& section,
              const std::string& field, const json& expected,
              const json& actual, bool match) {
  v1::FieldCheck* f = c->add_fields();
  f->set_section(section);
  f->set_field(field);
  f->set_expected(expected.dump());
  f->set_actual(actual.dump());
  f->set_match(match);
}

class ReconcileTallyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto map = mapping::ParseMap(kMap, "map.yaml");
    ASSERT_TRUE(map.ok()) << map.status();
    tally_ = std::make_unique<ReconcileTally>(*map, 50);
    // The source: two locations, five patients (one unreadable row),
    // three insurance records.
    for (const char* id : {"L1", "L2"}) tally_->AddSource("location", id);
    for (const char* id : {"1", "2", "3", "4", "@patients.csv:9"})
      tally_->AddSource("patient", id);
    for (const char* id : {"i1", "i2", "i3"})
      tally_->AddSource("insurance", id);
    // The migration: 3 quarantined, the unreadable row quarantined at
    // extract, 4 skipped by rule; two insurance records merged, one
    // skipped.
    v1::RunReport report;
    v1::ObjectReport* patient = report.add_objects();
    patient->set_source_object("patient");
    *patient->add_rejections() = Rejection("3", "transform");
    *patient->add_rejections() = Rejection("", "extract", 9);
    *patient->add_rejections() = Rejection("4", "map");
    v1::ObjectReport* insurance = report.add_objects();
    insurance->set_source_object("insurance");
    insurance->set_loaded(2);
    *insurance->add_rejections() = Rejection("i3", "map");
    tally_->AddRun(Finished("r-000001", v1::RUN_KIND_MIGRATE), report);
  }

  // Maps and reads back the locations, both found.
  void LocationsFound(bool l2_found = true) {
    for (auto [key, id] :
         {std::pair<const char*, const char*>{"L1", "s1"}, {"L2", "s2"}}) {
      v1::ResolvedKey k = Mapped("location", key, "sales_account", id);
      tally_->AddMapped(k);
      tally_->AddCheck(Check(k, std::string(key) == "L1" || l2_found));
    }
  }
  // A patient's contact read back: found, owner u1, its fields as written
  // unless `drift`, its account lookup as written unless `moved`.
  v1::RecordCheck Contact(const v1::ResolvedKey& k, bool drift, bool moved,
                          const std::string& account,
                          const json& status = "Active") {
    v1::RecordCheck c = Check(k, true);
    c.set_owned(true);
    c.set_owner_id("u1");
    AddField(&c, "fields", "last_name", "Doe", drift ? "Smith" : "Doe", !drift);
    AddField(&c, "custom_fields", "cf_status", "Active", status,
             status == "Active");
    AddField(&c, "lookups", "sales_accounts", json::array({account}),
             json::array({moved ? "s9" : account}), !moved);
    return c;
  }

  std::unique_ptr<ReconcileTally> tally_;
};

TEST_F(ReconcileTallyTest, ACleanMigrationPasses) {
  LocationsFound();
  for (auto [key, id] :
       {std::pair<const char*, const char*>{"1", "c1"}, {"2", "c2"}}) {
    v1::ResolvedKey k = Mapped("patient", key, "contact", id);
    tally_->AddMapped(k);
    tally_->AddCheck(Contact(k, false, false, "s1"));
  }
  json r = tally_->Finish();
  EXPECT_TRUE(r["pass"]) << r.dump(2);
  EXPECT_TRUE(tally_->pass());
  EXPECT_TRUE(r["failures"].empty());
  ASSERT_EQ(r["objects"].size(), 3u);  // the reference object is not loaded
  const json& patient = r["objects"][1];
  EXPECT_EQ(patient["source_object"], "patient");
  EXPECT_EQ(patient["source"], 5);
  EXPECT_EQ(patient["ledger"], 2);
  EXPECT_EQ(patient["crm"], 2);
  EXPECT_EQ(patient["quarantined"], 2);
  EXPECT_EQ(patient["skipped"], 1);
  EXPECT_TRUE(patient["balanced"]);
  // Merged records have no id-map entry: the migration's count stands.
  const json& insurance = r["objects"][2];
  EXPECT_EQ(insurance["merged"], 2);
  EXPECT_EQ(insurance["skipped"], 1);
  EXPECT_TRUE(insurance["balanced"]) << insurance.dump();
  ASSERT_EQ(r["relationships"].size(), 1u);
  EXPECT_EQ(r["relationships"][0]["relationship"], "contact.sales_accounts");
  EXPECT_EQ(r["relationships"][0]["parent"], "sales_account");
  EXPECT_EQ(r["relationships"][0]["intact"], 2);
  EXPECT_EQ(r["fill_rate"]["rate"], 1.0);
  EXPECT_EQ(r["owner_rate"]["owned"], 2);
  EXPECT_EQ(r["quarantined"].size(), 2u);
  EXPECT_EQ(r["skipped"].size(), 2u);  // patient 4, insurance i3
  EXPECT_EQ(r["quarantined"][0]["run_id"], "r-000001");
}

TEST_F(ReconcileTallyTest, NamesEveryFailureAndReportsDriftApart) {
  LocationsFound(/*l2_found=*/false);
  v1::ResolvedKey k1 = Mapped("patient", "1", "contact", "c1");
  v1::ResolvedKey k2 = Mapped("patient", "2", "contact", "c2");
  v1::ResolvedKey k5 = Mapped("patient", "5", "contact", "c5");
  for (const auto& k : {k1, k2, k5}) tally_->AddMapped(k);
  // 1: edited in the CRM (drift) and its account moved elsewhere; 2: its
  // account is gone from the CRM; 5: gone, and no longer in the source.
  tally_->AddCheck(Contact(k1, true, true, "s1", ""));
  tally_->AddCheck(Contact(k2, false, false, "s2"));
  tally_->AddCheck(Check(k5, false));
  json r = tally_->Finish();
  EXPECT_FALSE(r["pass"]);
  const std::vector<std::string> failures = r["failures"];
  EXPECT_THAT(failures,
              Contains(HasSubstr("location L2: the ledger maps it to "
                                 "sales_account s2, which is not in the CRM")));
  EXPECT_THAT(failures, Contains(HasSubstr("patient 5: the ledger maps it to "
                                           "contact c5")));
  EXPECT_THAT(failures, Contains(HasSubstr("patient: 1 mapped record(s) no "
                                           "longer in the source: 5")));
  EXPECT_THAT(failures,
              Contains(HasSubstr("contact.sales_accounts: patient 1 (contact "
                                 "c1): the CRM's sales_accounts no longer")));
  EXPECT_THAT(failures,
              Contains(HasSubstr("contact.sales_accounts: patient 2 (contact "
                                 "c2): its sales_account s2 is not in the "
                                 "CRM")));
  EXPECT_EQ(r["failure_count"], 5);
  const json& patient = r["objects"][1];
  EXPECT_EQ(patient["ledger"], 3);
  EXPECT_EQ(patient["crm"], 2);
  EXPECT_EQ(patient["missing_in_crm"], 1);
  EXPECT_EQ(patient["not_in_source"], json::array({"5"}));
  EXPECT_FALSE(patient["balanced"]);
  EXPECT_EQ(r["relationships"][0]["broken"], 2);
  EXPECT_EQ(r["relationships"][0]["intact"], 0);
  // Drift names fields, never values; a blanked custom field lowers the
  // fill rate.
  ASSERT_EQ(r["drift"].size(), 1u);
  EXPECT_EQ(r["drift"][0]["source_key"], "1");
  EXPECT_EQ(r["drift"][0]["fields"],
            json::array({"fields.last_name", "custom_fields.cf_status"}));
  EXPECT_THAT(r.dump(), Not(HasSubstr("Smith")));
  EXPECT_EQ(r["fill_rate"]["written"], 2);
  EXPECT_EQ(r["fill_rate"]["filled"], 1);
  EXPECT_EQ(r["missing"].size(), 2u);
}

TEST_F(ReconcileTallyTest, ALaterRunAccountsForRecordsAndUnaccountedAreNamed) {
  LocationsFound();
  // A delta loaded patient 3 (quarantined before); patient 2 is in no
  // run's report and not mapped.
  v1::ResolvedKey k1 = Mapped("patient", "1", "contact", "c1");
  v1::ResolvedKey k3 = Mapped("patient", "3", "contact", "c3");
  for (const auto& k : {k1, k3}) {
    tally_->AddMapped(k);
    tally_->AddCheck(Contact(k, false, false, "s1"));
  }
  v1::RunReport report;
  v1::ObjectReport* o = report.add_objects();
  o->set_source_object("patient");
  *o->add_rejections() = Rejection("4", "delta");
  tally_->AddRun(Finished("r-000002", v1::RUN_KIND_DELTA), report);
  json r = tally_->Finish();
  EXPECT_FALSE(r["pass"]);
  const json& patient = r["objects"][1];
  EXPECT_EQ(patient["quarantined"], 1);  // the unreadable row
  EXPECT_EQ(patient["skipped"], 1);      // 4, now by the delta
  EXPECT_EQ(patient["unaccounted"], json::array({"2"}));
  EXPECT_THAT(std::vector<std::string>(r["failures"]),
              Contains(HasSubstr("patient: 1 source record(s) neither "
                                 "mapped, quarantined nor skipped: 2")));
  EXPECT_EQ(r["runs"], json::array({"r-000001", "r-000002"}));
  ASSERT_EQ(r["skipped"].size(), 2u);
  EXPECT_EQ(r["skipped"][0]["run_id"], "r-000002");
}

}  // namespace
}  // namespace bridgework::cli
