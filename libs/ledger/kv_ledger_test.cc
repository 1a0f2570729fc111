// KvLedger's own promises beyond the Ledger contract (ledger_test.cc): the
// intents it remembers between RecordIntents and RecordOutcomes
// (kv_ledger.h, `recent_`) and the records' pending intents it keeps in
// memory (`pending_`), checked against a store that counts reads and can
// fail a write after applying it.
#include "libs/ledger/kv_ledger.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/ledger/kv_store.h"
#include "libs/ledger/ledger_keys.h"
#include "libs/ledger/ledger_testing.h"
#include "libs/report/timeline.h"

namespace bridgework::ledger {
namespace {

using ledger_internal::Durability;
using ledger_internal::KvBatch;

// A store that counts point reads by key prefix and can apply a write and
// then report it failed (an fsync error after the log write). Forwards to a
// store the test keeps, so a second ledger can reopen it.
class ProbeStore : public testing::ForwardingKvStore {
 public:
  using ForwardingKvStore::ForwardingKvStore;
  absl::StatusOr<std::optional<std::string>> Get(
      const std::string& key) override {
    {
      absl::MutexLock lock(&mu_);  // ResolveKeys reads beside writers
      ++reads[key.substr(0, key.find('/') + 1)];
    }
    return ForwardingKvStore::Get(key);
  }
  absl::Status Write(const KvBatch& batch, Durability d) override {
    absl::Status s = ForwardingKvStore::Write(batch, d);
    if (s.ok() && fail_after_next_write) {
      fail_after_next_write = false;
      return absl::DataLossError("fsync failed after the write");
    }
    return s;
  }

  absl::Mutex mu_;
  std::map<std::string, int> reads;  // "o/" -> count
  bool fail_after_next_write = false;
};

class KvLedgerRecentIntentsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // A new ledger over the same store: a restarted auditor.
  void Open() {
    auto probe = std::make_unique<ProbeStore>(store_.get());
    probe_ = probe.get();
    ledger_ = std::make_unique<testing::TestKvLedger>(std::move(probe));
    ASSERT_TRUE(ledger_->Load().ok());
  }
  std::string Begin() {
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account("acct");
    r.set_config_hash("h");
    r.set_config_json("{}");
    auto run = ledger_->BeginRun(r);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? run->run_id() : "";
  }
  std::vector<v1::Operation> Intend(const std::string& run,
                                    const std::vector<std::string>& keys) {
    v1::RecordIntentsRequest r = testing::PatientIntents("acct", run, keys);
    auto seqs = ledger_->RecordIntents(r);
    EXPECT_TRUE(seqs.ok()) << seqs.status();
    std::vector<v1::Operation> ops(r.operations().begin(),
                                   r.operations().end());
    for (size_t i = 0; seqs.ok() && i < ops.size(); ++i) {
      ops[i].set_seq(seqs->seqs(i));
    }
    return ops;
  }
  // With `written`: each record's written projection is Written(key) and
  // its fingerprint "fp-<key>".
  absl::Status Applied(const std::string& run,
                       const std::vector<v1::Operation>& intents,
                       bool written = false) {
    v1::RecordOutcomesRequest r;
    r.set_account("acct");
    r.set_run_id(run);
    r.set_requests(static_cast<int64_t>(intents.size()));
    for (v1::Operation op : intents) {
      op.set_state(v1::OP_STATE_APPLIED);
      op.set_crm_id("crm-" + op.source_key());
      op.set_http_status(201);
      if (written) {
        op.set_written(Written(op.source_key()));
        op.set_fingerprint("fp-" + op.source_key());
      }
      *r.add_operations() = std::move(op);
    }
    return ledger_->RecordOutcomes(r);
  }
  static std::string Written(const std::string& key) {
    return absl::StrCat(R"({"fields":{"name":")", key, R"("}})");
  }
  // The id-map entry of patient `key`, as stored.
  v1::Operation StoredEntry(const std::string& key) {
    v1::Operation entry;
    auto value =
        store_->Get(ledger_internal::MapKey("acct", "patient", key, "contact"));
    EXPECT_TRUE(value.ok() && value->has_value() &&
                entry.ParseFromString(**value));
    return entry;
  }
  int OpReads() {
    absl::MutexLock lock(&probe_->mu_);
    return probe_->reads["o/"];
  }
  v1::ResolvedKey Resolve(const std::string& key) {
    return testing::ResolvePatient(ledger_.get(), key);
  }
  int64_t Requests(const std::string& run) {
    v1::GetReportRequest r;
    r.set_run_id(run);
    auto report = ledger_->GetReport(r);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? report->requests() : -1;
  }

  std::vector<std::string> Keys(const std::string& prefix) {
    return testing::StoreKeys(store_.get(), prefix);
  }
  void Put(const std::string& key, const std::string& value) {
    testing::StorePut(store_.get(), key, value);
  }
  void Delete(const std::string& key) {
    testing::StoreDelete(store_.get(), key);
  }
  int64_t PendingFrom() {
    auto value = store_->Get(ledger_internal::kPendingFromKey);
    google::protobuf::Int64Value n;
    EXPECT_TRUE(value.ok() && value->has_value() && n.ParseFromString(**value));
    return n.value();
  }

  std::unique_ptr<ledger_internal::KvStore> store_ =
      ledger_internal::NewInMemoryKvStore();
  ProbeStore* probe_ = nullptr;
  std::unique_ptr<testing::TestKvLedger> ledger_;
};

TEST_F(KvLedgerRecentIntentsTest, OutcomesOfThisProcessesIntentsReadNoneBack) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2", "3"});
  probe_->reads.clear();
  ASSERT_TRUE(Applied(run, ops).ok());
  // Neither the operations nor the pending markers are read back.
  EXPECT_EQ(probe_->reads["o/"], 0);
  EXPECT_EQ(probe_->reads["i/"], 0);
  for (const char* key : {"1", "2", "3"}) {
    v1::ResolvedKey k = Resolve(key);
    EXPECT_EQ(k.crm_id(), std::string("crm-") + key);
    EXPECT_EQ(k.pending_seq(), 0);
  }
}

// An intent settled twice in one request: the second outcome reads the
// first one's write (the transaction's own), not the remembered intent.
TEST_F(KvLedgerRecentIntentsTest, TwoOutcomesOfOneIntentInOneRequest) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1"});
  v1::Operation failed = ops[0];
  failed.set_state(v1::OP_STATE_FAILED);
  failed.set_http_status(500);
  failed.set_before_image("{\"name\":\"before\"}");
  v1::RecordOutcomesRequest r;
  r.set_account("acct");
  *r.add_operations() = failed;
  v1::Operation applied = ops[0];
  applied.set_state(v1::OP_STATE_APPLIED);
  applied.set_crm_id("crm-1");
  *r.add_operations() = applied;
  ASSERT_TRUE(ledger_->RecordOutcomes(r).ok());
  std::vector<v1::Operation> stored =
      testing::ListedOperations(ledger_.get(), run);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].state(), v1::OP_STATE_APPLIED);
  // Kept from the first outcome, which the second does not repeat.
  EXPECT_EQ(stored[0].before_image(), "{\"name\":\"before\"}");
  EXPECT_EQ(Resolve("1").crm_id(), "crm-1");
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
}

TEST_F(KvLedgerRecentIntentsTest, IntentsFromBeforeARestartAreReadBack) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2"});
  Open();  // the auditor restarted: it remembers nothing
  probe_->reads.clear();
  ASSERT_TRUE(Applied(run, ops).ok());
  EXPECT_EQ(probe_->reads["o/"], 2);
  EXPECT_EQ(probe_->reads["i/"], 0);
  EXPECT_EQ(Resolve("1").crm_id(), "crm-1");
  EXPECT_EQ(Resolve("2").pending_seq(), 0);
}

TEST_F(KvLedgerRecentIntentsTest, AFailedWriteThatLandedIsReplayedNotRepeated) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2"});
  probe_->fail_after_next_write = true;
  EXPECT_FALSE(Applied(run, ops).ok());
  // The outcomes landed; the loader retries them. The ledger must read
  // what the store holds (a replay), not the intents it remembered, or it
  // would count the requests again.
  ASSERT_TRUE(Applied(run, ops).ok());
  EXPECT_EQ(Requests(run), 2);
  EXPECT_EQ(Resolve("1").crm_id(), "crm-1");
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
}

TEST_F(KvLedgerRecentIntentsTest, AFailedIntentWriteThatLandedKeepsItsMarker) {
  const std::string run = Begin();
  std::vector<v1::Operation> first = Intend(run, {"1"});
  // A newer intent for the same record lands but reports failure: its
  // marker replaced the first intent's.
  probe_->fail_after_next_write = true;
  v1::RecordIntentsRequest again;
  again.set_account("acct");
  *again.add_operations() = first[0];
  again.mutable_operations(0)->clear_seq();
  EXPECT_FALSE(ledger_->RecordIntents(again).ok());
  const int64_t newer = Resolve("1").pending_seq();
  ASSERT_GT(newer, first[0].seq());
  // The first intent's outcome must leave the newer marker alone.
  v1::RecordOutcomesRequest r;
  r.set_account("acct");
  v1::Operation* op = r.add_operations();
  *op = first[0];
  op->set_state(v1::OP_STATE_FAILED);
  op->set_http_status(500);
  ASSERT_TRUE(ledger_->RecordOutcomes(r).ok());
  EXPECT_EQ(Resolve("1").pending_seq(), newer);
  // And the seq the landed write used is not handed out again.
  EXPECT_GT(Intend(run, {"2"})[0].seq(), newer);
}

// The records' pending intents (docs/ledger.md, "Pending intents"): kept
// in memory, never stored as `i/` markers, and known again after a restart
// from the operations from `meta/pending_from` on.
using KvLedgerPendingTest = KvLedgerRecentIntentsTest;

TEST_F(KvLedgerPendingTest, PendingIntentsSurviveARestartWithoutMarkers) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2", "3"});
  EXPECT_TRUE(Keys("i/").empty());
  Open();
  for (int i = 0; i < 3; ++i) {
    v1::ResolvedKey k = Resolve(ops[i].source_key());
    EXPECT_EQ(k.pending_seq(), ops[i].seq());
    EXPECT_EQ(k.pending_run_id(), run);
    EXPECT_EQ(k.pending_kind(), v1::OP_KIND_CREATE);
    EXPECT_TRUE(k.crm_id().empty());
  }
  ASSERT_TRUE(Applied(run, {ops[0], ops[2]}).ok());
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
  EXPECT_EQ(Resolve("1").crm_id(), "crm-1");
  EXPECT_EQ(Resolve("2").pending_seq(), ops[1].seq());
  EXPECT_EQ(Resolve("3").pending_seq(), 0);
  EXPECT_TRUE(Keys("i/").empty());
}

// A newer intent is the record's pending one; an older intent's outcome
// leaves it, its own outcome ends it, and a restart agrees at each step.
TEST_F(KvLedgerPendingTest, TheNewestIntentIsPendingAcrossRestarts) {
  const std::string run = Begin();
  const v1::Operation older = Intend(run, {"1"})[0];
  const v1::Operation newer = Intend(run, {"1"})[0];
  ASSERT_GT(newer.seq(), older.seq());
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), newer.seq());
  ASSERT_TRUE(Applied(run, {older}).ok());
  EXPECT_EQ(Resolve("1").pending_seq(), newer.seq());
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), newer.seq());
  ASSERT_TRUE(Applied(run, {newer}).ok());
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
  // Settled in the other order: the older intent is not pending either.
  const v1::Operation third = Intend(run, {"2"})[0];
  const v1::Operation fourth = Intend(run, {"2"})[0];
  ASSERT_TRUE(Applied(run, {fourth}).ok());
  Open();
  EXPECT_EQ(Resolve("2").pending_seq(), 0);
  EXPECT_GT(fourth.seq(), third.seq());
}

// Runs are replayed one after the other, not in seq order: an older run's
// newer intent stays pending over a later run's settled, older one.
TEST_F(KvLedgerPendingTest, ReplayAcrossRunsKeepsTheNewestIntent) {
  const std::string first = Begin();
  const std::string second = Begin();
  ASSERT_NE(first, second);
  // Left pending, so that a restart replays everything after it.
  const v1::Operation held = Intend(first, {"0"})[0];
  const v1::Operation a = Intend(first, {"1"})[0];
  const v1::Operation b = Intend(second, {"1"})[0];
  ASSERT_TRUE(Applied(second, {b}).ok());
  const v1::Operation c = Intend(first, {"1"})[0];
  ASSERT_LT(a.seq(), b.seq());
  ASSERT_LT(b.seq(), c.seq());
  Open();
  EXPECT_EQ(PendingFrom(), held.seq());
  EXPECT_EQ(Resolve("1").pending_seq(), c.seq());
  EXPECT_EQ(Resolve("1").pending_run_id(), first);
  ASSERT_TRUE(Applied(first, {c}).ok());
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
}

// `meta/pending_from` follows the oldest pending intent, so a restart
// replays only the operations from there.
TEST_F(KvLedgerPendingTest, PendingFromFollowsTheOldestPendingIntent) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2", "3"});
  ASSERT_TRUE(Applied(run, {ops[0]}).ok());
  EXPECT_EQ(PendingFrom(), ops[1].seq());
  ASSERT_TRUE(Applied(run, {ops[2]}).ok());
  EXPECT_EQ(PendingFrom(), ops[1].seq());
  ASSERT_TRUE(Applied(run, {ops[1]}).ok());
  EXPECT_EQ(PendingFrom(), ops[2].seq() + 1);
  // Operations before it are not read at a restart: tamper with one, which
  // a replay would then see as pending.
  v1::Operation stale = ops[0];
  stale.set_state(v1::OP_STATE_INTENT);
  stale.set_account("acct");
  Put(ledger_internal::OpKey(run, stale.seq()), stale.SerializeAsString());
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
}

// A v1 ledger (pending intents as `i/` markers) is upgraded at open: its
// markers still count, and go when their intents are settled or replaced.
TEST_F(KvLedgerPendingTest, AV1LedgersMarkersCountUntilTheyChange) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2"});
  // Make the store a v1 ledger whose only record of the two pending
  // intents is their markers (v1 wrote no account and no pending_from).
  for (const v1::Operation& op : ops) {
    v1::Operation marker;
    marker.set_run_id(op.run_id());
    marker.set_seq(op.seq());
    marker.set_kind(op.kind());
    Put(ledger_internal::PendingKey("acct", "patient", op.source_key(),
                                    "contact"),
        marker.SerializeAsString());
  }
  Put(ledger_internal::kFormatKey, ledger_internal::kFormatV1);
  Delete(ledger_internal::kPendingFromKey);
  Open();
  EXPECT_EQ(*store_->Get(ledger_internal::kFormatKey),
            std::string(ledger_internal::kFormat));
  EXPECT_EQ(Resolve("1").pending_seq(), ops[0].seq());
  EXPECT_EQ(Resolve("2").pending_seq(), ops[1].seq());
  // Settled: the marker goes with the outcome.
  ASSERT_TRUE(Applied(run, {ops[0]}).ok());
  EXPECT_EQ(Keys("i/").size(), 1u);
  // Replaced: the marker goes with the newer intent.
  const v1::Operation newer = Intend(run, {"2"})[0];
  EXPECT_TRUE(Keys("i/").empty());
  Open();
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
  EXPECT_EQ(Resolve("2").pending_seq(), newer.seq());
  ASSERT_TRUE(Applied(run, {newer}).ok());
  Open();
  EXPECT_EQ(Resolve("2").pending_seq(), 0);
}

// ResolveKeys against outcomes landing meanwhile: a record whose intent
// was acknowledged shows its pending intent, its id-map entry or both,
// never neither (which would let the loader create it twice). The outcome
// writes the entry before it ends the pending intent in memory.
TEST_F(KvLedgerPendingTest, ResolveKeysNeverSeesNeitherWhileOutcomesLand) {
  const std::string run = Begin();
  constexpr int kRecords = 3000;
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    for (int i = 0; i < kRecords; ++i) {
      std::vector<v1::Operation> ops = Intend(run, {absl::StrCat(i)});
      acknowledged.store(i + 1);
      ASSERT_TRUE(Applied(run, ops).ok());
    }
  });
  int neither = 0, reads = 0;
  while (acknowledged.load() < kRecords) {
    // The newest few acknowledged records, where outcomes are landing.
    const int n = acknowledged.load();
    std::vector<std::string> keys;
    for (int i = std::max(0, n - 4); i < n; ++i)
      keys.push_back(absl::StrCat(i));
    auto out = ledger_->ResolveKeys(testing::PatientKeys("acct", keys));
    ASSERT_TRUE(out.ok()) << out.status();
    for (const v1::ResolvedKey& k : out->keys()) {
      ++reads;
      if (k.pending_seq() == 0 && k.crm_id().empty()) ++neither;
    }
  }
  writer.join();
  EXPECT_EQ(neither, 0) << "of " << reads << " keys read";
  EXPECT_GT(reads, 0);
}

// The id map (docs/ledger.md, "Id map"): since format v3 an entry keeps
// no `written` of its own but names the operation that holds it, read only
// for the callers that want it.
using KvLedgerIdMapTest = KvLedgerRecentIntentsTest;

TEST_F(KvLedgerIdMapTest, AnEntryNamesTheOperationThatHoldsWhatWasWritten) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2"});
  ASSERT_TRUE(Applied(run, ops, /*written=*/true).ok());
  const v1::Operation entry = StoredEntry("1");
  EXPECT_TRUE(entry.written().empty());
  EXPECT_EQ(entry.run_id(), run);
  EXPECT_EQ(entry.seq(), ops[0].seq());
  EXPECT_TRUE(entry.op_run_id().empty());
  EXPECT_EQ(entry.fingerprint(), "fp-1");
  const int before = OpReads();
  EXPECT_EQ(Resolve("1").written(), Written("1"));
  EXPECT_EQ(OpReads(), before + 1);
  Open();
  EXPECT_EQ(Resolve("2").written(), Written("2"));
  EXPECT_EQ(Resolve("2").crm_id(), "crm-2");
}

TEST_F(KvLedgerIdMapTest, WrittenIfChangedReadsOnlyTheChangedRecords) {
  const std::string run = Begin();
  ASSERT_TRUE(Applied(run, Intend(run, {"1", "2", "3"}), true).ok());
  v1::ResolveKeysRequest r = testing::PatientKeys("acct", {"1", "2", "3"});
  r.set_written_if_changed(true);
  r.mutable_keys(0)->set_fingerprint("fp-1");          // unchanged
  r.mutable_keys(1)->set_fingerprint("fp-2, edited");  // changed
  // keys(2): no fingerprint, asked as a parent
  const int before = OpReads();
  auto out = ledger_->ResolveKeys(r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->keys_size(), 3);
  EXPECT_EQ(out->keys(0).written(), "");
  EXPECT_EQ(out->keys(1).written(), Written("2"));
  EXPECT_EQ(out->keys(2).written(), "");
  for (const v1::ResolvedKey& k : out->keys()) {
    EXPECT_EQ(k.crm_id(), "crm-" + k.key().source_key());
  }
  EXPECT_EQ(OpReads(), before + 1);
  // Without the flag: every mapped key's.
  r.set_written_if_changed(false);
  out = ledger_->ResolveKeys(r);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->keys(0).written(), Written("1"));
  EXPECT_EQ(out->keys(2).written(), Written("3"));
}

// A later run that settles an earlier run's intent is credited with the
// record; the operation stays under the earlier run, and the entry says so.
TEST_F(KvLedgerIdMapTest, AnEntryCreditedToALaterRunNamesTheEarlierRunsOp) {
  const std::string first = Begin();
  std::vector<v1::Operation> ops = Intend(first, {"1"});
  const std::string second = Begin();
  ops[0].set_run_id(second);
  ASSERT_TRUE(Applied(second, ops, true).ok());
  const v1::Operation entry = StoredEntry("1");
  EXPECT_EQ(entry.run_id(), second);
  EXPECT_EQ(entry.op_run_id(), first);
  EXPECT_TRUE(entry.written().empty());
  Open();
  EXPECT_EQ(Resolve("1").run_id(), second);
  EXPECT_EQ(Resolve("1").written(), Written("1"));
}

// A v2 ledger is upgraded at open: its entries keep their own `written`
// (read without its operation), and its `meta/pending_from` stays.
TEST_F(KvLedgerIdMapTest, AV2LedgersEntriesKeepTheirOwnWritten) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2"});
  ASSERT_TRUE(Applied(run, {ops[0]}, true).ok());
  v1::Operation v2 = StoredEntry("1");
  v2.set_written(R"({"fields":{"name":"as v2 kept it"}})");
  Put(ledger_internal::MapKey("acct", "patient", "1", "contact"),
      v2.SerializeAsString());
  Put(ledger_internal::kFormatKey, ledger_internal::kFormatV2);
  ASSERT_EQ(PendingFrom(), ops[1].seq());
  Open();
  EXPECT_EQ(*store_->Get(ledger_internal::kFormatKey),
            std::string(ledger_internal::kFormat));
  EXPECT_EQ(PendingFrom(), ops[1].seq());
  EXPECT_EQ(Resolve("2").pending_seq(), ops[1].seq());
  const int before = OpReads();
  EXPECT_EQ(Resolve("1").written(), v2.written());
  EXPECT_EQ(OpReads(), before);
}

// A rollback of an update restores the before-image: the entry then names
// the rollback's operation, whose `written` is what the CRM holds again,
// also when the entry carried its own (a ledger from before format v3).
TEST_F(KvLedgerIdMapTest, ARolledBackUpdateNamesTheRollbacksOperation) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1"});
  ASSERT_TRUE(Applied(run, ops, true).ok());
  v1::Operation v2 = StoredEntry("1");
  v2.set_written(R"({"fields":{"name":"as v2 kept it"}})");
  Put(ledger_internal::MapKey("acct", "patient", "1", "contact"),
      v2.SerializeAsString());
  v1::RecordIntentsRequest undo = testing::PatientIntents("acct", run, {"1"});
  undo.mutable_operations(0)->set_kind(v1::OP_KIND_UPDATE);
  undo.mutable_operations(0)->set_undoes_seq(ops[0].seq());
  undo.mutable_operations(0)->set_crm_id("crm-1");
  auto seqs = ledger_->RecordIntents(undo);
  ASSERT_TRUE(seqs.ok()) << seqs.status();
  v1::RecordOutcomesRequest done;
  done.set_account("acct");
  v1::Operation* op = done.add_operations();
  *op = undo.operations(0);
  op->set_seq(seqs->seqs(0));
  op->set_state(v1::OP_STATE_APPLIED);
  op->set_written(R"({"fields":{"name":"before"}})");
  ASSERT_TRUE(ledger_->RecordOutcomes(done).ok());
  const v1::Operation entry = StoredEntry("1");
  EXPECT_EQ(entry.seq(), seqs->seqs(0));
  EXPECT_TRUE(entry.written().empty());
  EXPECT_TRUE(entry.fingerprint().empty());
  EXPECT_EQ(Resolve("1").written(), R"({"fields":{"name":"before"}})");
  EXPECT_EQ(Resolve("1").crm_id(), "crm-1");
}

// ListMapped reads the operations a chunk at a time: every entry with its
// `written`, none read when the caller wants the ids alone, and a visitor
// that stops is not called again.
TEST_F(KvLedgerIdMapTest, ListMappedReadsWrittenOnlyWhenWanted) {
  const std::string run = Begin();
  std::vector<std::string> keys;
  for (int i = 0; i < 600; ++i) keys.push_back(absl::StrCat(1000 + i));
  ASSERT_TRUE(Applied(run, Intend(run, keys), true).ok());
  v1::ListMappedRequest list;
  list.set_account("acct");
  std::vector<v1::ResolvedKey> seen;
  auto collect = [&](const v1::ResolvedKey& k) {
    seen.push_back(k);
    return true;
  };
  int before = OpReads();
  ASSERT_TRUE(ledger_->ListMapped(list, v1::KeyRef(), collect).ok());
  ASSERT_EQ(seen.size(), keys.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].key().source_key(), keys[i]);
    EXPECT_EQ(seen[i].written(), Written(keys[i]));
    EXPECT_EQ(seen[i].crm_id(), "crm-" + keys[i]);
  }
  EXPECT_EQ(OpReads(), before + 600);
  seen.clear();
  list.set_without_written(true);
  before = OpReads();
  ASSERT_TRUE(ledger_->ListMapped(list, v1::KeyRef(), collect).ok());
  ASSERT_EQ(seen.size(), keys.size());
  EXPECT_TRUE(seen[599].written().empty());
  EXPECT_EQ(OpReads(), before);
  int visited = 0;
  list.set_without_written(false);
  ASSERT_TRUE(
      ledger_
          ->ListMapped(list, v1::KeyRef(),
                       [&](const v1::ResolvedKey&) { return ++visited < 300; })
          .ok());
  EXPECT_EQ(visited, 300);
}

// The report reads each operation's kind, state and outcome time from its
// bytes without parsing the rest: the same figures as the parsed
// operations give (applied, failed, pending; the timeline, links counted
// as operations only), an unknown field skipped, an unreadable value
// reported.
TEST_F(KvLedgerRecentIntentsTest, ReportCountsWhatTheParsedOperationsSay) {
  const std::string run = Begin();
  std::vector<v1::Operation> ops = Intend(run, {"1", "2", "3", "4", "5"});
  ASSERT_TRUE(Applied(run, {ops[0], ops[1]}, /*written=*/true).ok());
  v1::RecordOutcomesRequest failed;
  failed.set_account("acct");
  *failed.add_operations() = ops[2];
  failed.mutable_operations(0)->set_state(v1::OP_STATE_FAILED);
  failed.mutable_operations(0)->set_error("refused");
  ASSERT_TRUE(ledger_->RecordOutcomes(failed).ok());
  v1::RecordIntentsRequest link = testing::PatientIntents("acct", run, {"1"});
  link.mutable_operations(0)->set_kind(v1::OP_KIND_LINK);
  auto seqs = ledger_->RecordIntents(link);
  ASSERT_TRUE(seqs.ok()) << seqs.status();
  v1::Operation linked = link.operations(0);
  linked.set_seq(seqs->seqs(0));
  ASSERT_TRUE(Applied(run, {linked}).ok());
  // A field this build does not know, after the others.
  const std::string key = ledger_internal::OpKey(run, ops[1].seq());
  std::string bytes = **store_->Get(key);
  bytes += std::string("\xa2\x06\x03new", 6);  // field 100, "new"
  Put(key, bytes);

  v1::GetReportRequest r;
  r.set_run_id(run);
  auto report = ledger_->GetReport(r);
  ASSERT_TRUE(report.ok()) << report.status();
  // The oracle: the parsed operations, counted as the report did before.
  v1::RunReport want;
  report::TimelineBuilder timeline(report->run().started_at());
  for (const v1::Operation& op :
       testing::ListedOperations(ledger_.get(), run)) {
    timeline.Add(op);
    if (op.state() == v1::OP_STATE_APPLIED) {
      want.set_operations_applied(want.operations_applied() + 1);
    } else if (op.state() == v1::OP_STATE_FAILED) {
      want.set_operations_failed(want.operations_failed() + 1);
    } else {
      want.set_operations_pending(want.operations_pending() + 1);
    }
  }
  EXPECT_EQ(report->operations_applied(), 3);
  EXPECT_EQ(report->operations_failed(), 1);
  EXPECT_EQ(report->operations_pending(), 2);
  EXPECT_EQ(report->operations_applied(), want.operations_applied());
  EXPECT_EQ(report->operations_failed(), want.operations_failed());
  EXPECT_EQ(report->operations_pending(), want.operations_pending());
  EXPECT_EQ(report->timeline().SerializeAsString(),
            timeline.Buckets().SerializeAsString());
  int64_t records = 0, operations = 0;
  for (const auto& b : report->timeline().buckets()) {
    records += b.records();
    operations += b.operations();
  }
  EXPECT_EQ(records, 3);  // two applied, one failed; the link is not one
  EXPECT_EQ(operations, 4);

  Put(key, "\xff\xff");
  EXPECT_TRUE(absl::IsDataLoss(ledger_->GetReport(r).status()));
}

}  // namespace
}  // namespace bridgework::ledger
