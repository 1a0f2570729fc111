#include "services/loader/loader_core.h"

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "libs/auditor_client/fake_auditor_client.h"
#include "libs/crm/fake_crm_connector.h"
#include "libs/record/value.h"

namespace bridgework::loader {
namespace {

using crm::FakeCrmConnector;
using ::testing::HasSubstr;

v1::TargetRecord Contact(const std::string& key,
                         const std::string& fingerprint = "f1") {
  v1::TargetRecord t;
  t.set_source_object("patient");
  t.set_source_key(key);
  t.set_target_object("contact");
  t.set_fingerprint(fingerprint);
  t.set_external_key("pbn:patient:" + key);
  t.set_external_key_field("external_id");
  (*t.mutable_fields())["last_name"] = record::StringValue("Doe " + key);
  (*t.mutable_fields())["external_id"] = record::StringValue(t.external_key());
  t.set_owner_email("DR@x.example");
  return t;
}

v1::TargetBatch Batch(const std::string& run,
                      std::vector<v1::TargetRecord> records) {
  v1::TargetBatch b;
  b.set_run_id(run);
  b.mutable_destination()->set_crm("freshsales");
  b.mutable_destination()->set_account("acct");
  b.mutable_destination()->set_fallback_owner_email("owner@x.example");
  for (auto& r : records) *b.add_records() = std::move(r);
  return b;
}

class LoaderCoreTest : public ::testing::Test {
 protected:
  FakeCrmConnector crm_;
  FakeAuditorClient auditor_;
  LoaderCore core_{"freshsales", &crm_, &auditor_};
};

TEST_F(LoaderCoreTest, CreatesWithOwnerAndRecordsOutcomes) {
  auto ack = core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_EQ(ack->outcomes_size(), 2);
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_CREATED);
  EXPECT_EQ(crm_.records["contact"].size(), 2u);
  EXPECT_EQ(crm_.records["contact"].begin()->second["owner_id"],
            "2");  // matched by email
  EXPECT_EQ(auditor_.pending(), 0u);
  EXPECT_FALSE(auditor_.crm_id({"patient", "1", "contact"}).empty());
}

// Counts the calls that write intents and outcomes.
class CountingAuditor : public FakeAuditorClient {
 public:
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override {
    ++intent_calls;
    return FakeAuditorClient::RecordIntents(r);
  }
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override {
    ++outcome_calls;
    return FakeAuditorClient::RecordOutcomes(r);
  }
  int intent_calls = 0;
  int outcome_calls = 0;
};

std::vector<v1::TargetRecord> Contacts(int from, int to) {
  std::vector<v1::TargetRecord> records;
  for (int i = from; i <= to; ++i) records.push_back(Contact(absl::StrCat(i)));
  return records;
}

// A loader stream over a fake CRM whose clock advances `step` at every
// reading: 0 is a CRM that keeps up with anything, 100 ms a slow one.
class LoaderCoreWindows : public ::testing::Test {
 protected:
  std::chrono::steady_clock::duration step{};
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
  FakeCrmConnector crm;
  CountingAuditor auditor;
  LoaderCore core{"freshsales", &crm, &auditor, [this] { return now += step; }};
};

TEST_F(LoaderCoreWindows, AFastCrmTakesABatchInOneWindowOnceTimed) {
  // The first window (10 writes, the CRM's speed unknown) says the CRM
  // keeps up with anything, so the rest of the batch is the second window,
  // and every later batch one window.
  auto ack = core.LoadBatch(Batch("r-1", Contacts(1, 50)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(auditor.intent_calls, 2);
  EXPECT_EQ(auditor.outcome_calls, 2);
  ack = core.LoadBatch(Batch("r-1", Contacts(51, 550)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(auditor.intent_calls, 3);
  EXPECT_EQ(auditor.outcome_calls, 3);
  EXPECT_EQ(auditor.pending(), 0u);
  EXPECT_EQ(crm.records["contact"].size(), 550u);
}

TEST_F(LoaderCoreWindows, ASlowCrmTakesTenWritesAWindow) {
  // Each window of 10 writes is slow, so the next is 10 again.
  step = std::chrono::milliseconds(100);
  auto ack = core.LoadBatch(Batch("r-1", Contacts(1, 50)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(auditor.intent_calls, 5);
  EXPECT_EQ(auditor.outcome_calls, 5);
  EXPECT_EQ(auditor.pending(), 0u);
}

TEST_F(LoaderCoreWindows, AStopLeavesPendingOnlyTheWindowInFlight) {
  // The 15th create fails with a non-record error (the CRM is down): the
  // batch stops. Records 11-20 (the second window) have intents, of which
  // 15-20 stay pending; 21-50 were never announced, so a resume has 6
  // records to look up, not 36.
  step = std::chrono::milliseconds(100);
  crm.create_faults.assign(14, FakeCrmConnector::CreateFault::kNone);
  crm.create_faults.push_back(FakeCrmConnector::CreateFault::kUnavailable);
  auto ack = core.LoadBatch(Batch("r-1", Contacts(1, 50)));
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(crm.records["contact"].size(), 14u);
  EXPECT_EQ(auditor.intent_calls, 2);
  EXPECT_EQ(auditor.pending(), 6u);
  EXPECT_FALSE(auditor.crm_id({"patient", "14", "contact"}).empty());
  // The run goes on: the next attempt writes the rest, none twice.
  crm.create_faults.clear();
  ack = core.LoadBatch(Batch("r-1", Contacts(1, 50)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(crm.records["contact"].size(), 50u);
  EXPECT_EQ(auditor.pending(), 0u);
}

TEST_F(LoaderCoreWindows, BulkWindowsAreWholeRequests) {
  // A bulk upsert takes 100 records: the first window is one request, not
  // ten records' worth.
  step = std::chrono::milliseconds(100);
  crm.bulk_objects = {"contact"};
  auto ack = core.LoadBatch(Batch("r-1", Contacts(1, 250)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(crm.bulk_calls, 3);  // 100 + 100 + 50
  EXPECT_EQ(auditor.intent_calls, 3);
  EXPECT_EQ(crm.records["contact"].size(), 250u);
}

TEST(WriteWindowTest, SizesWindowsInWholeUnitsFromTheLastOne) {
  using std::chrono::milliseconds;
  WriteWindow w(milliseconds(100));
  EXPECT_EQ(w.Next(500, 10), 10u);  // not timed yet: one unit
  EXPECT_EQ(w.Next(500, 100), 100u);
  EXPECT_EQ(w.Next(7, 10), 7u);
  w.Done(10, milliseconds(4));  // 250 fit in 100 ms
  EXPECT_EQ(w.Next(500, 10), 250u);
  EXPECT_EQ(w.Next(500, 100), 300u);  // rounded up to whole requests
  EXPECT_EQ(w.Next(120, 100), 120u);
  w.Done(10, milliseconds(500));  // 2 fit: still one unit
  EXPECT_EQ(w.Next(500, 10), 10u);
  w.Done(10, milliseconds(0));  // keeps up with anything
  EXPECT_EQ(w.Next(500, 10), 500u);
  w.Done(0, milliseconds(900));  // nothing written says nothing
  EXPECT_EQ(w.Next(500, 10), 500u);
}

// Counts the keys each ResolveKeys call asks for.
class KeyCountingAuditor : public FakeAuditorClient {
 public:
  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override {
    for (const auto& k : r.keys()) {
      ++asked[absl::StrCat(k.source_object(), "/", k.source_key(), "/",
                           k.target_object())];
    }
    return FakeAuditorClient::ResolveKeys(r);
  }
  std::map<std::string, int> asked;
};

TEST(LoaderCoreResolve, AsksForEachKeyOnceABatch) {
  FakeCrmConnector crm;
  KeyCountingAuditor auditor;
  LoaderCore core("freshsales", &crm, &auditor);
  ASSERT_TRUE(core.LoadBatch(Batch("r-1", {Contact("1")})).ok());
  const std::string contact_id = auditor.crm_id({"patient", "1", "contact"});
  ASSERT_FALSE(contact_id.empty());
  // Three deals of one patient, each looking the patient up twice.
  std::vector<v1::TargetRecord> deals;
  for (int i = 1; i <= 3; ++i) {
    v1::TargetRecord d = Contact(absl::StrCat(100 + i));
    d.set_source_object("treatment_plan");
    d.set_target_object("deal");
    for (const char* field : {"contacts", "cf_patient"}) {
      v1::Lookup* l = d.add_lookups();
      l->set_target_field(field);
      l->set_source_object("patient");
      l->set_source_key("1");
      l->set_target_object("contact");
    }
    deals.push_back(std::move(d));
  }
  auditor.asked.clear();
  auto ack = core.LoadBatch(Batch("r-1", std::move(deals)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(auditor.asked.size(), 4u);  // the patient and the three deals
  for (const auto& [key, times] : auditor.asked) {
    EXPECT_EQ(times, 1) << key;
  }
  // Every deal still links to the patient's contact.
  ASSERT_EQ(crm.records["deal"].size(), 3u);
  for (const auto& [id, rec] : crm.records["deal"]) {
    EXPECT_EQ(rec["contacts"], nlohmann::json::array({contact_id})) << id;
  }
}

TEST_F(LoaderCoreTest, CreatesGoThroughBulkUpsertWhereTheCrmHasOne) {
  crm_.bulk_objects = {"contact"};
  crm_.bulk_reject_key = "pbn:patient:2";
  std::vector<v1::TargetRecord> records;
  for (int i = 1; i <= 150; ++i) records.push_back(Contact(absl::StrCat(i)));
  auto ack = core_.LoadBatch(Batch("r-1", std::move(records)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_EQ(ack->outcomes_size(), 150);
  EXPECT_EQ(crm_.bulk_calls, 2);  // 100 + 50
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_CREATED);
  EXPECT_EQ(ack->outcomes(1).status(), v1::RECORD_STATUS_QUARANTINED);
  EXPECT_THAT(ack->outcomes(1).reason(), HasSubstr("Email is invalid"));
  EXPECT_EQ(crm_.records["contact"].size(), 149u);
  EXPECT_EQ(auditor_.pending(), 0u);
  EXPECT_EQ(auditor_.crm_id({"patient", "150", "contact"}),
            ack->outcomes(149).crm_id());
}

// A bulk upsert applied whose reply was lost: every record is looked up by
// its key and adopted, none created twice (found by chaos seed 7, where
// the one-by-one path created three deals a second time).
TEST_F(LoaderCoreTest, LostBulkReplyIsLookedUpNotCreatedAgain) {
  crm_.bulk_objects = {"contact"};
  crm_.bulk_lose_reply = true;
  auto ack =
      core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2"), Contact("3")}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_EQ(ack->outcomes_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ack->outcomes(i).status(), v1::RECORD_STATUS_CREATED) << i;
  }
  EXPECT_EQ(crm_.records["contact"].size(), 3u);
  EXPECT_EQ(auditor_.pending(), 0u);
}

// A delta's updates go through the bulk upsert too, but only for records
// whose CRM record still holds the external key the upsert matches on:
// one whose key was edited in the CRM is updated alone, never duplicated.
TEST_F(LoaderCoreTest, UpdatesGoThroughBulkUpsertWhenTheCrmHoldsTheKey) {
  crm_.bulk_objects = {"contact"};
  auto first =
      core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2"), Contact("3")}));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(crm_.bulk_calls, 1);
  const std::string third = first->outcomes(2).crm_id();
  crm_.records["contact"][third]["external_id"] = "edited in the CRM";

  std::vector<v1::TargetRecord> changed;
  for (const char* key : {"1", "2", "3"}) {
    changed.push_back(Contact(key, "f2"));
    (*changed.back().mutable_fields())["last_name"] =
        record::StringValue(absl::StrCat("Roe ", key));
  }
  auto ack = core_.LoadBatch(Batch("r-2", std::move(changed)));
  ASSERT_TRUE(ack.ok()) << ack.status();
  ASSERT_EQ(ack->outcomes_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ack->outcomes(i).status(), v1::RECORD_STATUS_UPDATED) << i;
    EXPECT_EQ(ack->outcomes(i).crm_id(), first->outcomes(i).crm_id()) << i;
  }
  EXPECT_EQ(crm_.bulk_calls, 2);  // contacts 1 and 2; 3 alone
  ASSERT_EQ(crm_.records["contact"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(crm_.records["contact"][first->outcomes(i).crm_id()]["last_name"],
              absl::StrCat("Roe ", i + 1));
  }
  EXPECT_EQ(auditor_.pending(), 0u);
}

// Under `crm_edited: overwrite` with `before_image: ledger` a changed
// record is written without reading it first: its before-image is what the
// previous write left, from the id map.
v1::TargetBatch Overwriting(v1::TargetBatch b, bool from_ledger = true) {
  b.mutable_policy()->set_crm_edited(v1::EXISTING_POLICY_OVERWRITE);
  b.mutable_policy()->set_before_image_from_ledger(from_ledger);
  return b;
}

std::vector<v1::TargetRecord> Renamed(const std::vector<std::string>& keys) {
  std::vector<v1::TargetRecord> out;
  for (const std::string& key : keys) {
    out.push_back(Contact(key, "f2"));
    (*out.back().mutable_fields())["last_name"] =
        record::StringValue("Roe " + key);
  }
  return out;
}

TEST_F(LoaderCoreTest, OverwriteUpdatesWithoutReadingFirst) {
  auto first = core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")}));
  ASSERT_TRUE(first.ok()) << first.status();
  crm_.records["contact"][first->outcomes(0).crm_id()]["last_name"] =
      "edited in the CRM";
  const int64_t before = crm_.calls;
  auto ack = core_.LoadBatch(Overwriting(Batch("r-2", Renamed({"1", "2"}))));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(crm_.calls - before, 2);  // two updates, no reads
  EXPECT_EQ(crm_.update_calls, 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ack->outcomes(i).status(), v1::RECORD_STATUS_UPDATED) << i;
    EXPECT_EQ(crm_.records["contact"][first->outcomes(i).crm_id()]["last_name"],
              absl::StrCat("Roe ", i + 1));
  }
  // The before-images are what the first run wrote (the CRM's edit was not
  // read), without the key field (the ledger does not know what the CRM
  // holds of it, and the update does not change it).
  std::vector<std::string> images;
  v1::ListOperationsRequest list;
  list.set_run_id("r-2");
  ASSERT_TRUE(auditor_
                  .ListOperations(list,
                                  [&images](const v1::Operation& op) {
                                    images.push_back(op.before_image());
                                    return true;
                                  })
                  .ok());
  ASSERT_EQ(images.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    nlohmann::json image = nlohmann::json::parse(images[i]);
    EXPECT_EQ(image["fields"]["last_name"], absl::StrCat("Doe ", i + 1)) << i;
    EXPECT_FALSE(image["fields"].contains("external_id")) << i;
  }
  EXPECT_EQ(auditor_.pending(), 0u);
}

// The auditor reads what was last written only for records whose
// fingerprint changed (ResolveKeysRequest.written_if_changed): a record
// first asked for as another record's parent is still asked with its own.
TEST_F(LoaderCoreTest, ARecordAskedForAsAParentFirstKeepsItsWritten) {
  auto first = core_.LoadBatch(Batch("r-1", {Contact("1")}));
  ASSERT_TRUE(first.ok()) << first.status();
  v1::TargetRecord deal = Contact("101");
  deal.set_source_object("treatment_plan");
  deal.set_target_object("deal");
  v1::Lookup* l = deal.add_lookups();
  l->set_target_field("contacts");
  l->set_source_object("patient");
  l->set_source_key("1");
  l->set_target_object("contact");
  std::vector<v1::TargetRecord> records = {deal, Renamed({"1"})[0]};
  const int64_t before = crm_.calls;
  auto ack = core_.LoadBatch(Overwriting(Batch("r-2", std::move(records))));
  ASSERT_TRUE(ack.ok()) << ack.status();
  // The deal's create and the contact's update; the contact is not read:
  // its before-image is what r-1 wrote.
  EXPECT_EQ(crm_.calls - before, 2);
  EXPECT_EQ(crm_.update_calls, 1);
  EXPECT_EQ(crm_.records["contact"][first->outcomes(0).crm_id()]["last_name"],
            "Roe 1");
}

TEST_F(LoaderCoreTest, WithoutLedgerImagesUpdatesReadFirst) {
  ASSERT_TRUE(core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")})).ok());
  int64_t before = crm_.calls;
  auto ack = core_.LoadBatch(Batch("r-2", Renamed({"1", "2"})));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(crm_.calls - before, 4);  // a read and an update each
  before = crm_.calls;
  std::vector<v1::TargetRecord> again = Renamed({"1", "2"});
  for (auto& r : again) r.set_fingerprint("f3");
  ack = core_.LoadBatch(Overwriting(Batch("r-3", std::move(again)), false));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(crm_.calls - before, 4);
}

TEST_F(LoaderCoreTest, OverwriteReadsWhenTheLedgerLacksAFieldItWrites) {
  ASSERT_TRUE(core_.LoadBatch(Batch("r-1", {Contact("1")})).ok());
  std::vector<v1::TargetRecord> changed = Renamed({"1"});
  (*changed[0].mutable_fields())["city"] = record::StringValue("Austin");
  const int64_t before = crm_.calls;
  auto ack = core_.LoadBatch(Overwriting(Batch("r-2", std::move(changed))));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(crm_.calls - before, 2);  // the city's value was never written
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_UPDATED);
}

TEST_F(LoaderCoreTest, OverwriteCreatesAgainARecordDeletedInTheCrm) {
  auto first = core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")}));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string gone = first->outcomes(1).crm_id();
  crm_.records["contact"].erase(gone);
  auto ack = core_.LoadBatch(Overwriting(Batch("r-2", Renamed({"1", "2"}))));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_UPDATED);
  ASSERT_EQ(ack->outcomes(1).status(), v1::RECORD_STATUS_CREATED);
  const std::string again = ack->outcomes(1).crm_id();
  EXPECT_NE(again, gone);
  ASSERT_EQ(crm_.records["contact"].size(), 2u);
  EXPECT_EQ(crm_.records["contact"][again]["last_name"], "Roe 2");
  EXPECT_EQ(auditor_.crm_id({"patient", "2", "contact"}), again);
  EXPECT_EQ(auditor_.pending(), 0u);
  // The failed update and the create each under an intent of their own.
  std::vector<std::pair<v1::OpKind, v1::OpState>> ops;
  v1::ListOperationsRequest list;
  list.set_run_id("r-2");
  ASSERT_TRUE(auditor_
                  .ListOperations(list,
                                  [&ops](const v1::Operation& op) {
                                    if (op.source_key() == "2")
                                      ops.emplace_back(op.kind(), op.state());
                                    return true;
                                  })
                  .ok());
  EXPECT_THAT(ops, ::testing::ElementsAre(
                       std::pair(v1::OP_KIND_UPDATE, v1::OP_STATE_FAILED),
                       std::pair(v1::OP_KIND_CREATE, v1::OP_STATE_APPLIED)));
}

// A run's Prepare reads the CRM's users once; its load streams (each a
// core with its own connector) take them from the loader's directory
// instead of one request each, until they are ten minutes old.
TEST(LoaderCoreUsers, StreamsTakeTheUsersThePrepareRead) {
  auto now = std::chrono::steady_clock::time_point();
  crm::Clock clock = [&now] { return now; };
  UserDirectory users(clock);
  FakeAuditorClient auditor;
  FakeCrmConnector prepare_crm;
  LoaderCore prepare("freshsales", &prepare_crm, &auditor, clock);
  prepare.ShareUsers(&users);
  v1::PrepareRequest request;
  request.mutable_destination()->set_crm("freshsales");
  request.mutable_destination()->set_account("acct");
  request.mutable_destination()->set_fallback_owner_email("owner@x.example");
  ASSERT_TRUE(prepare.Prepare(request).ok());
  EXPECT_EQ(prepare_crm.list_users_calls, 1);

  FakeCrmConnector stream_crm;
  LoaderCore stream("freshsales", &stream_crm, &auditor, clock);
  stream.ShareUsers(&users);
  auto ack = stream.LoadBatch(Batch("r-1", {Contact("1")}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(stream_crm.list_users_calls, 0);
  EXPECT_EQ(stream_crm.records["contact"].begin()->second["owner_id"], "2");

  // Another account, or the same one after ten minutes: read again.
  now += std::chrono::minutes(11);
  FakeCrmConnector later_crm;
  LoaderCore later("freshsales", &later_crm, &auditor, clock);
  later.ShareUsers(&users);
  ASSERT_TRUE(later.LoadBatch(Batch("r-2", {Contact("2")})).ok());
  EXPECT_EQ(later_crm.list_users_calls, 1);
}

TEST_F(LoaderCoreTest, SameRunAgainSendsNoWrites) {
  ASSERT_TRUE(core_.LoadBatch(Batch("r-1", {Contact("1")})).ok());
  int64_t before = crm_.calls;
  auto ack = core_.LoadBatch(Batch("r-1", {Contact("1")}));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_UNCHANGED);
  EXPECT_EQ(crm_.calls, before);
  EXPECT_EQ(crm_.records["contact"].size(), 1u);
}

TEST_F(LoaderCoreTest, LostResponseIsAdoptedNotDuplicated) {
  crm_.create_faults = {FakeCrmConnector::CreateFault::kLostResponse};
  auto ack = core_.LoadBatch(Batch("r-1", {Contact("1")}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_CREATED);
  EXPECT_EQ(crm_.records["contact"].size(), 1u);
}

// When the CRM can neither search nor read back the object, nobody can
// tell whether a create whose reply was lost happened: the record is
// quarantined with the reason and its intent stays pending, so no run
// sends it a second time.
TEST_F(LoaderCoreTest, LostCreateThatCannotBeLookedUpIsQuarantinedNotResent) {
  crm_.unfindable_objects = {"contact"};
  crm_.create_faults = {FakeCrmConnector::CreateFault::kLostResponse};
  auto ack = core_.LoadBatch(Batch("r-1", {Contact("1")}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_QUARANTINED);
  EXPECT_THAT(ack->outcomes(0).reason(), HasSubstr("may have happened"));
  EXPECT_EQ(crm_.records["contact"].size(), 1u);  // applied, reply lost
  EXPECT_EQ(auditor_.pending(), 1u);
  // The next run finds the pending intent and quarantines it again.
  auto again = core_.LoadBatch(Batch("r-2", {Contact("1")}));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcomes(0).status(), v1::RECORD_STATUS_QUARANTINED);
  EXPECT_EQ(crm_.records["contact"].size(), 1u);
  EXPECT_EQ(auditor_.pending(), 1u);
}

TEST_F(LoaderCoreTest, PendingIntentFromACrashIsSettledByLookup) {
  // A previous loader wrote the intent and the record, then died.
  v1::RecordIntentsRequest intent;
  intent.set_account("acct");
  auto* op = intent.add_operations();
  op->set_run_id("r-1");
  op->set_kind(v1::OP_KIND_CREATE);
  op->set_source_object("patient");
  op->set_source_key("1");
  op->set_target_object("contact");
  ASSERT_TRUE(auditor_.RecordIntents(intent).ok());
  v1::TargetRecord t = Contact("1");
  ASSERT_TRUE(crm_.Create(crm::ResolvedRecord{&t, "1", {}}).ok());
  // A pending intent whose write never happened is created under it.
  ASSERT_TRUE(auditor_
                  .RecordIntents([] {
                    v1::RecordIntentsRequest r;
                    r.set_account("acct");
                    auto* o = r.add_operations();
                    o->set_run_id("r-1");
                    o->set_kind(v1::OP_KIND_CREATE);
                    o->set_source_object("patient");
                    o->set_source_key("2");
                    o->set_target_object("contact");
                    return r;
                  }())
                  .ok());

  auto ack = core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")}));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_ADOPTED);
  EXPECT_EQ(ack->outcomes(1).status(), v1::RECORD_STATUS_CREATED);
  EXPECT_EQ(crm_.records["contact"].size(), 2u);
  EXPECT_EQ(auditor_.pending(), 0u);
}

// A dry run on a CRM without the map's custom fields plans its records
// against what Prepare would create: the first batch's map has the
// connector plan the schema (without apply), once per stream.
TEST_F(LoaderCoreTest, DryRunPlansAgainstTheSchemaPrepareWouldLeave) {
  crm_.missing_fields = {"contacts.cf_status"};
  auto batch = [](const std::string& key, const std::string& field) {
    v1::TargetRecord t = Contact(key);
    (*t.mutable_custom_fields())[field] = record::StringValue("Active");
    v1::TargetBatch b = Batch("dry-1", {t});
    b.mutable_policy()->set_dry_run(true);
    return b;
  };
  v1::TargetBatch first = batch("1", "cf_status");
  first.set_map_yaml(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n    target: contact\n    fields:\n"
      "      - {to: last_name, from: last_name}\n"
      "custom_fields:\n"
      "  - {entity: contacts, name: cf_status, label: Status, type: text}\n");
  auto ack = core_.LoadBatch(first);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_CREATED)
      << ack->outcomes(0).reason();
  EXPECT_EQ(ack->requests(), 1);
  ack = core_.LoadBatch(batch("2", "cf_status"));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_CREATED);
  // Neither in the CRM nor planned: quarantined, as the real run would.
  crm_.missing_fields.push_back("contacts.cf_other");
  ack = core_.LoadBatch(batch("3", "cf_other"));
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_QUARANTINED);
  EXPECT_THAT(ack->outcomes(0).reason(), HasSubstr("cf_other"));
  EXPECT_EQ(crm_.prepare_applies, std::vector<bool>{false});
  EXPECT_TRUE(crm_.records["contact"].empty());
  EXPECT_EQ(auditor_.pending(), 0u);
}

TEST_F(LoaderCoreTest, RejectionQuarantinesWithTheCrmMessage) {
  crm_.create_faults = {FakeCrmConnector::CreateFault::kRejected};
  auto ack = core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")}));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_QUARANTINED);
  EXPECT_THAT(ack->outcomes(0).reason(), HasSubstr("Email is not unique"));
  EXPECT_EQ(ack->outcomes(1).status(), v1::RECORD_STATUS_CREATED);
  EXPECT_EQ(auditor_.disposition("r-1", "1").status(),
            v1::DISPOSITION_STATUS_QUARANTINED);
}

TEST_F(LoaderCoreTest, UnavailableStopsTheBatchAndLeavesIntentsPending) {
  crm_.create_faults = {FakeCrmConnector::CreateFault::kNone,
                        FakeCrmConnector::CreateFault::kUnavailable};
  auto ack =
      core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2"), Contact("3")}));
  ASSERT_FALSE(ack.ok());
  EXPECT_TRUE(absl::IsUnavailable(ack.status()));
  EXPECT_EQ(auditor_.pending(), 2u);  // 2 and 3: settled on resume
  auto resumed =
      core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2"), Contact("3")}));
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(crm_.records["contact"].size(), 3u);
  EXPECT_EQ(auditor_.pending(), 0u);
}

TEST_F(LoaderCoreTest,
       MissingLookupQuarantinesAndIntentsNeverSentWhenAuditorDown) {
  v1::TargetRecord t = Contact("1");
  auto* l = t.add_lookups();
  l->set_target_field("sales_accounts");
  l->set_source_object("location");
  l->set_source_key("9");
  l->set_target_object("sales_account");
  auto ack = core_.LoadBatch(Batch("r-1", {t}));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->outcomes(0).status(), v1::RECORD_STATUS_QUARANTINED);
  EXPECT_THAT(ack->outcomes(0).reason(), HasSubstr("location 9"));
  auditor_.set_fail_intents(true);
  int64_t before = crm_.calls;
  EXPECT_FALSE(core_.LoadBatch(Batch("r-1", {Contact("5")})).ok());
  EXPECT_EQ(crm_.records["contact"].count("101"), 0u);
  EXPECT_LE(crm_.calls - before, 1);  // at most the owner lookup; no write
}

TEST_F(LoaderCoreTest, ReadBackAgainstWrittenReportsDriftOwnersAndGaps) {
  ASSERT_TRUE(core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")})).ok());
  const std::string id1 = auditor_.crm_id({"patient", "1", "contact"});
  const std::string id2 = auditor_.crm_id({"patient", "2", "contact"});
  crm_.records["contact"][id1]["last_name"] = "Edited in the CRM";
  crm_.records["contact"].erase(id2);
  v1::ReadBackRequest req;
  req.mutable_destination()->set_account("acct");
  req.set_against_written(true);
  for (const char* key : {"1", "2", "3"}) {
    v1::TargetRecord* r = req.add_records();
    r->set_source_object("patient");
    r->set_source_key(key);
    r->set_target_object("contact");
  }
  auto resp = core_.ReadBack(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  ASSERT_EQ(resp->records_size(), 3);
  const v1::RecordCheck& edited = resp->records(0);
  EXPECT_TRUE(edited.found());
  EXPECT_EQ(edited.crm_id(), id1);
  EXPECT_TRUE(edited.owned());
  EXPECT_EQ(edited.owner_id(), "2");
  int compared = 0;
  for (const auto& f : edited.fields()) {
    ++compared;
    EXPECT_EQ(f.match(), f.field() != "last_name") << f.field();
  }
  // last_name, as written; the external key is left out of written
  // projections (docs/adr/2026-11-23-run-modes-and-existing-records.md).
  EXPECT_EQ(compared, 1);
  // Deleted in the CRM since: not found; never mapped: no id.
  EXPECT_FALSE(resp->records(1).found());
  EXPECT_EQ(resp->records(1).crm_id(), id2);
  EXPECT_TRUE(resp->records(2).crm_id().empty());
  EXPECT_FALSE(resp->records(2).found());
}

TEST_F(LoaderCoreTest, RollbackDeletesWhatTheRunCreatedAndVerifies) {
  ASSERT_TRUE(core_.LoadBatch(Batch("r-1", {Contact("1"), Contact("2")})).ok());
  crm_.records["contact"]["999"] = {{"last_name", "existed before"}};
  v1::RollbackRequest req;
  req.set_run_id("r-1");
  req.set_rollback_run_id("r-2");
  req.mutable_destination()->set_account("acct");
  v1::RollbackEvent last;
  ASSERT_TRUE(
      core_.Rollback(req, [&last](const v1::RollbackEvent& e) { last = e; })
          .ok());
  EXPECT_TRUE(last.finished());
  EXPECT_TRUE(last.verified());
  EXPECT_EQ(last.deleted(), 2);
  ASSERT_EQ(crm_.records["contact"].size(), 1u);
  EXPECT_TRUE(crm_.records["contact"].count("999"));
  // Again: nothing left to undo, still verified.
  ASSERT_TRUE(
      core_.Rollback(req, [&last](const v1::RollbackEvent& e) { last = e; })
          .ok());
  EXPECT_EQ(last.deleted(), 0);
  EXPECT_TRUE(last.verified());
}

}  // namespace
}  // namespace bridgework::loader
