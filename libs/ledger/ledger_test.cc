// The Ledger contract, run against every implementation (typed suite).
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "libs/ledger/in_memory_ledger.h"
#include "libs/ledger/ledger.h"
#include "libs/ledger/ledger_testing.h"
#include "libs/ledger/rocksdb_ledger.h"

namespace bridgework::ledger {
namespace {

namespace fs = std::filesystem;

struct InMemory {
  std::unique_ptr<Ledger> Make() { return std::make_unique<InMemoryLedger>(); }
};

struct RocksDb {
  RocksDb() {
    static int counter = 0;
    dir = (fs::temp_directory_path() /
           ("bw-ledger-test-" + std::to_string(getpid()) + "-" +
            std::to_string(++counter)))
              .string();
    fs::remove_all(dir);
  }
  ~RocksDb() { fs::remove_all(dir); }
  std::unique_ptr<Ledger> Make() {
    auto ledger = RocksDbLedger::Open(dir);
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    return ledger.ok() ? std::move(*ledger) : nullptr;
  }
  std::string dir;
};

template <typename Backend>
class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = backend_.Make();
    ASSERT_NE(ledger_, nullptr);
  }
  void TearDown() override { ledger_.reset(); }

  v1::BeginRunRequest BeginRequest(const std::string& hash, bool resume) {
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account("acct");
    r.set_config_hash(hash);
    r.set_config_json("{}");
    r.set_resume(resume);
    return r;
  }
  v1::RunInfo Begin(const std::string& hash, bool resume = true) {
    auto run = ledger_->BeginRun(BeginRequest(hash, resume));
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(v1::RunInfo());
  }
  v1::RunInfo Finish(const std::string& run_id, v1::RunState state) {
    v1::FinishRunRequest r;
    r.set_run_id(run_id);
    r.set_state(state);
    r.set_message("done");
    auto run = ledger_->FinishRun(r);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(v1::RunInfo());
  }
  static v1::Operation Op(const std::string& run, const std::string& key,
                          v1::OpKind kind = v1::OP_KIND_CREATE) {
    v1::Operation op;
    op.set_run_id(run);
    op.set_kind(kind);
    op.set_source_object("patient");
    op.set_source_key(key);
    op.set_target_object("contact");
    op.set_fingerprint("fp-" + key);
    op.set_external_key("pbn:patient:" + key);
    return op;
  }
  // Records intents; returns them with their seqs.
  std::vector<v1::Operation> Intend(std::vector<v1::Operation> ops) {
    v1::RecordIntentsRequest r;
    r.set_account("acct");
    for (const auto& op : ops) *r.add_operations() = op;
    auto seqs = ledger_->RecordIntents(r);
    EXPECT_TRUE(seqs.ok()) << seqs.status();
    if (!seqs.ok()) return {};
    EXPECT_EQ(seqs->seqs_size(), static_cast<int>(ops.size()));
    for (size_t i = 0; i < ops.size(); ++i) ops[i].set_seq(seqs->seqs(i));
    return ops;
  }
  static v1::Operation Outcome(v1::Operation op, v1::OpState state,
                               const std::string& crm_id = "") {
    op.set_state(state);
    if (!crm_id.empty()) op.set_crm_id(crm_id);
    if (state == v1::OP_STATE_FAILED) {
      op.set_http_status(400);
      op.set_error("HTTP 400: Email is not unique");
    } else {
      op.set_http_status(200);
    }
    return op;
  }
  // A run that failed with intents of records "1" and "2" pending, and the
  // run after it.
  struct FailedRun {
    v1::RunInfo failed;
    std::vector<v1::Operation> pending;
    v1::RunInfo next;
  };
  FailedRun FailedRunWithPendingIntents() {
    FailedRun f;
    f.failed = Begin("h1");
    f.pending =
        Intend({Op(f.failed.run_id(), "1"), Op(f.failed.run_id(), "2")});
    Finish(f.failed.run_id(), v1::RUN_STATE_FAILED);
    f.next = Begin("h2");
    return f;
  }
  absl::Status Record(const std::vector<v1::Operation>& outcomes,
                      int64_t requests = 0) {
    v1::RecordOutcomesRequest r;
    r.set_account("acct");
    r.set_requests(requests);
    for (const auto& op : outcomes) *r.add_operations() = op;
    return ledger_->RecordOutcomes(r);
  }
  v1::ResolvedKey Resolve(const std::string& key,
                          const std::string& account = "acct") {
    return testing::ResolvePatient(ledger_.get(), key, account);
  }
  v1::RunReport Report(const std::string& run_id, int max_rejections = 0) {
    v1::GetReportRequest r;
    r.set_run_id(run_id);
    r.set_max_rejections(max_rejections);
    auto report = ledger_->GetReport(r);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.value_or(v1::RunReport());
  }
  std::vector<int64_t> Seqs(const std::string& run_id, bool reverse,
                            int64_t after = 0, size_t stop_after = 1000) {
    v1::ListOperationsRequest r;
    r.set_run_id(run_id);
    r.set_reverse(reverse);
    std::vector<int64_t> out;
    absl::Status s =
        ledger_->ListOperations(r, after, [&](const v1::Operation& op) {
          out.push_back(op.seq());
          return out.size() < stop_after;
        });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  void Dispose(const std::string& run_id, const std::string& key,
               v1::DispositionStatus status, const std::string& action = "") {
    v1::RecordDispositionsRequest r;
    r.set_run_id(run_id);
    auto* d = r.add_dispositions();
    d->set_source_object("patient");
    d->set_source_key(key);
    d->set_status(status);
    d->set_action(action);
    if (status != v1::DISPOSITION_STATUS_LOADED) {
      d->mutable_rejection()->set_reason("bad birth_date");
      d->mutable_rejection()->set_stage("transform");
      d->mutable_rejection()->mutable_location()->set_file("patients.csv");
      d->mutable_rejection()->mutable_location()->set_line(7);
    }
    ASSERT_TRUE(ledger_->RecordDispositions(r).ok());
  }
  void SetExtracted(const std::string& run_id, const std::string& object,
                    int64_t n) {
    v1::SetObjectStatsRequest r;
    r.set_run_id(run_id);
    auto* s = r.add_stats();
    s->set_source_object(object);
    s->set_extracted(n);
    ASSERT_TRUE(ledger_->SetObjectStats(r).ok());
  }

  Backend backend_;
  std::unique_ptr<Ledger> ledger_;
};

using Backends = ::testing::Types<InMemory, RocksDb>;
TYPED_TEST_SUITE(LedgerTest, Backends);

TYPED_TEST(LedgerTest, ResumeReturnsTheNewestUnfinishedRunOfTheSameConfig) {
  v1::RunInfo a = this->Begin("h1");
  EXPECT_EQ(a.run_id(), "r-000001");
  EXPECT_EQ(a.state(), v1::RUN_STATE_RUNNING);
  EXPECT_GT(a.started_at().unix_seconds(), 0);
  EXPECT_EQ(this->Begin("h1").run_id(), a.run_id());
  EXPECT_NE(this->Begin("h2").run_id(), a.run_id());
  v1::BeginRunRequest other = this->BeginRequest("h1", true);
  other.set_account("other");
  EXPECT_NE(this->ledger_->BeginRun(other)->run_id(), a.run_id());

  // Without resume: always a new run, which becomes the newest.
  v1::RunInfo c = this->Begin("h1", /*resume=*/false);
  EXPECT_NE(c.run_id(), a.run_id());
  EXPECT_EQ(this->Begin("h1").run_id(), c.run_id());

  // A FAILED run is resumed and goes back to RUNNING.
  this->Finish(c.run_id(), v1::RUN_STATE_FAILED);
  v1::RunInfo resumed = this->Begin("h1");
  EXPECT_EQ(resumed.run_id(), c.run_id());
  EXPECT_EQ(resumed.state(), v1::RUN_STATE_RUNNING);
  EXPECT_TRUE(resumed.message().empty());
  EXPECT_FALSE(resumed.has_finished_at());

  // A SUCCEEDED newest run is not resumed: a new run starts.
  this->Finish(c.run_id(), v1::RUN_STATE_SUCCEEDED);
  v1::RunInfo d = this->Begin("h1");
  EXPECT_NE(d.run_id(), c.run_id());
  EXPECT_NE(d.run_id(), a.run_id());
}

TYPED_TEST(LedgerTest, ResumeByRunId) {
  v1::RunInfo a = this->Begin("h1", false);
  v1::BeginRunRequest exact;
  exact.set_run_id(a.run_id());
  exact.set_config_hash("h1");
  EXPECT_EQ(this->ledger_->BeginRun(exact)->run_id(), a.run_id());

  this->Finish(a.run_id(), v1::RUN_STATE_FAILED);
  auto again = this->ledger_->BeginRun(exact);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->state(), v1::RUN_STATE_RUNNING);

  exact.set_config_hash("h2");
  EXPECT_TRUE(
      absl::IsFailedPrecondition(this->ledger_->BeginRun(exact).status()));
  exact.set_config_hash("");
  exact.set_kind(v1::RUN_KIND_ROLLBACK);
  EXPECT_TRUE(
      absl::IsFailedPrecondition(this->ledger_->BeginRun(exact).status()));
  exact.set_kind(v1::RUN_KIND_MIGRATE);

  this->Finish(a.run_id(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_TRUE(
      absl::IsFailedPrecondition(this->ledger_->BeginRun(exact).status()));
  exact.set_run_id("r-999999");
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->BeginRun(exact).status()));
}

TYPED_TEST(LedgerTest, RollbackRunsResumePerTarget) {
  v1::RunInfo m1 = this->Begin("h");
  v1::RunInfo m2 = this->Begin("h", false);
  v1::BeginRunRequest rb = this->BeginRequest("h", true);
  rb.set_kind(v1::RUN_KIND_ROLLBACK);
  rb.set_target_run_id(m1.run_id());
  v1::RunInfo rb1 = *this->ledger_->BeginRun(rb);
  EXPECT_EQ(rb1.kind(), v1::RUN_KIND_ROLLBACK);
  EXPECT_EQ(rb1.target_run_id(), m1.run_id());
  EXPECT_EQ(this->ledger_->BeginRun(rb)->run_id(), rb1.run_id());
  rb.set_target_run_id(m2.run_id());
  EXPECT_NE(this->ledger_->BeginRun(rb)->run_id(), rb1.run_id());
  rb.clear_target_run_id();
  EXPECT_TRUE(absl::IsInvalidArgument(this->ledger_->BeginRun(rb).status()));
  v1::BeginRunRequest none;
  EXPECT_TRUE(absl::IsInvalidArgument(this->ledger_->BeginRun(none).status()));
}

TYPED_TEST(LedgerTest, FinishRunRules) {
  v1::RunInfo a = this->Begin("h");
  v1::RunInfo done = this->Finish(a.run_id(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(done.state(), v1::RUN_STATE_SUCCEEDED);
  EXPECT_EQ(done.message(), "done");
  EXPECT_GT(done.finished_at().unix_seconds(), 0);
  this->Finish(a.run_id(), v1::RUN_STATE_ROLLED_BACK);
  v1::FinishRunRequest r;
  r.set_run_id(a.run_id());
  r.set_state(v1::RUN_STATE_ROLLED_BACK);
  EXPECT_TRUE(this->ledger_->FinishRun(r).ok());  // idempotent
  r.set_state(v1::RUN_STATE_SUCCEEDED);
  EXPECT_TRUE(absl::IsFailedPrecondition(this->ledger_->FinishRun(r).status()));
  r.set_state(v1::RUN_STATE_RUNNING);
  EXPECT_TRUE(absl::IsInvalidArgument(this->ledger_->FinishRun(r).status()));
  r.set_run_id("r-424242");
  r.set_state(v1::RUN_STATE_FAILED);
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->FinishRun(r).status()));
  v1::GetRunRequest get;
  get.set_run_id(a.run_id());
  EXPECT_EQ(this->ledger_->GetRun(get)->state(), v1::RUN_STATE_ROLLED_BACK);
  get.set_run_id("nope");
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->GetRun(get).status()));
}

TYPED_TEST(LedgerTest, ListRunsNewestFirst) {
  for (int i = 0; i < 3; ++i) this->Begin("h", false);
  v1::ListRunsRequest r;
  auto all = this->ledger_->ListRuns(r);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->runs_size(), 3);
  EXPECT_EQ(all->runs(0).run_id(), "r-000003");
  EXPECT_EQ(all->runs(2).run_id(), "r-000001");
  r.set_limit(2);
  EXPECT_EQ(this->ledger_->ListRuns(r)->runs_size(), 2);
}

// Several keys in one call (read together, KvStore::MultiGet): each answer
// is its own key's, in the order asked, mapped, pending and unknown mixed.
TYPED_TEST(LedgerTest, ResolveKeysAnswersEachKeyInOrder) {
  v1::RunInfo run = this->Begin("h");
  auto ops =
      this->Intend({this->Op(run.run_id(), "1"), this->Op(run.run_id(), "2"),
                    this->Op(run.run_id(), "3")});
  ASSERT_EQ(ops.size(), 3u);
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "501"),
                            this->Outcome(ops[2], v1::OP_STATE_APPLIED, "503")})
                  .ok());
  v1::ResolveKeysRequest r;
  r.set_account("acct");
  for (const char* key : {"3", "unknown", "2", "1"}) {
    auto* k = r.add_keys();
    k->set_source_object("patient");
    k->set_source_key(key);
    k->set_target_object("contact");
  }
  auto out = this->ledger_->ResolveKeys(r);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->keys_size(), 4);
  EXPECT_EQ(out->keys(0).key().source_key(), "3");
  EXPECT_EQ(out->keys(0).crm_id(), "503");
  EXPECT_EQ(out->keys(0).pending_seq(), 0);
  EXPECT_TRUE(out->keys(1).crm_id().empty());
  EXPECT_EQ(out->keys(1).pending_seq(), 0);
  EXPECT_TRUE(out->keys(2).crm_id().empty());
  EXPECT_EQ(out->keys(2).pending_seq(), ops[1].seq());
  EXPECT_EQ(out->keys(3).crm_id(), "501");
}

TYPED_TEST(LedgerTest, IntentThenOutcomeUpdatesIdMapAndPending) {
  v1::RunInfo run = this->Begin("h");
  auto ops =
      this->Intend({this->Op(run.run_id(), "1"), this->Op(run.run_id(), "2")});
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_GT(ops[0].seq(), 0);
  EXPECT_LT(ops[0].seq(), ops[1].seq());
  v1::ResolvedKey k1 = this->Resolve("1");
  EXPECT_EQ(k1.pending_seq(), ops[0].seq());
  EXPECT_EQ(k1.pending_run_id(), run.run_id());
  EXPECT_EQ(k1.pending_kind(), v1::OP_KIND_CREATE);
  EXPECT_TRUE(k1.crm_id().empty());
  EXPECT_EQ(k1.key().source_key(), "1");
  // Another account does not see it.
  EXPECT_EQ(this->Resolve("1", "other").pending_seq(), 0);

  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "501"),
                            this->Outcome(ops[1], v1::OP_STATE_FAILED)},
                           3)
                  .ok());
  k1 = this->Resolve("1");
  EXPECT_EQ(k1.crm_id(), "501");
  EXPECT_EQ(k1.fingerprint(), "fp-1");
  EXPECT_EQ(k1.run_id(), run.run_id());
  EXPECT_EQ(k1.pending_seq(), 0);
  v1::ResolvedKey k2 = this->Resolve("2");
  EXPECT_TRUE(k2.crm_id().empty());
  EXPECT_EQ(k2.pending_seq(), 0);

  v1::RunReport report = this->Report(run.run_id());
  ASSERT_EQ(report.objects_size(), 1);
  EXPECT_EQ(report.objects(0).loaded(), 1);
  EXPECT_EQ(report.objects(0).created(), 1);
  EXPECT_EQ(report.objects(0).quarantined(), 1);
  ASSERT_EQ(report.objects(0).rejections_size(), 1);
  const v1::Rejection& rej = report.objects(0).rejections(0);
  EXPECT_EQ(rej.source_key(), "2");
  EXPECT_EQ(rej.stage(), "load");
  EXPECT_EQ(rej.reason(), "HTTP 400: Email is not unique");
  EXPECT_EQ(report.requests(), 3);
  EXPECT_EQ(report.operations_applied(), 1);
  EXPECT_EQ(report.operations_failed(), 1);
  EXPECT_EQ(report.operations_pending(), 0);

  // The stored operation carries the outcome.
  std::vector<v1::Operation> stored =
      testing::ListedOperations(this->ledger_.get(), run.run_id());
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].state(), v1::OP_STATE_APPLIED);
  EXPECT_EQ(stored[0].crm_id(), "501");
  EXPECT_EQ(stored[0].external_key(), "pbn:patient:1");
  EXPECT_GT(stored[0].intent_at().unix_seconds(), 0);
  EXPECT_GT(stored[0].outcome_at().unix_seconds(), 0);
  EXPECT_EQ(stored[1].state(), v1::OP_STATE_FAILED);
  EXPECT_EQ(stored[1].http_status(), 400);
}

TYPED_TEST(LedgerTest, AdoptedAndUpdatedActions) {
  v1::RunInfo run = this->Begin("h");
  auto ops = this->Intend({this->Op(run.run_id(), "1"),
                           this->Op(run.run_id(), "2", v1::OP_KIND_UPDATE)});
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_ADOPTED, "9"),
                            this->Outcome(ops[1], v1::OP_STATE_APPLIED, "10")})
                  .ok());
  v1::RunReport report = this->Report(run.run_id());
  ASSERT_EQ(report.objects_size(), 1);
  EXPECT_EQ(report.objects(0).loaded(), 2);
  EXPECT_EQ(report.objects(0).adopted(), 1);
  // An update of a key the id map did not know is a record that existed in
  // the CRM before the migration: matched, then written.
  EXPECT_EQ(report.objects(0).matched(), 1);
  EXPECT_EQ(report.objects(0).updated(), 0);
  EXPECT_EQ(this->Resolve("1").crm_id(), "9");
  EXPECT_EQ(this->Resolve("2").crm_id(), "10");
  EXPECT_EQ(report.operations_applied(), 2);

  // An update of a mapped key is an update.
  auto again = this->Intend({this->Op(run.run_id(), "1", v1::OP_KIND_UPDATE)});
  ASSERT_TRUE(
      this->Record({this->Outcome(again[0], v1::OP_STATE_APPLIED, "9")}).ok());
  report = this->Report(run.run_id());
  EXPECT_EQ(report.objects(0).updated(), 1);
  EXPECT_EQ(report.objects(0).adopted(), 0);
  EXPECT_EQ(report.objects(0).matched(), 1);
  EXPECT_EQ(report.objects(0).loaded(), 2);
}

TYPED_TEST(LedgerTest, WrittenProjectionReachesTheIdMap) {
  v1::RunInfo run = this->Begin("h");
  auto ops = this->Intend({this->Op(run.run_id(), "1")});
  v1::Operation done = this->Outcome(ops[0], v1::OP_STATE_APPLIED, "77");
  done.set_written(R"({"fields":{"last_name":"x"}})");
  ASSERT_TRUE(this->Record({done}).ok());
  // What the record holds by Bridgework's account: the delta's three-way
  // check and the sample's "kept" read it.
  EXPECT_EQ(this->Resolve("1").written(), done.written());
}

TYPED_TEST(LedgerTest, OutcomeBatchIsAllOrNothing) {
  v1::RunInfo run = this->Begin("h");
  auto ops =
      this->Intend({this->Op(run.run_id(), "1"), this->Op(run.run_id(), "2")});
  v1::Operation unknown = this->Outcome(ops[1], v1::OP_STATE_APPLIED, "7");
  unknown.set_seq(ops[1].seq() + 1000);
  absl::Status s =
      this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "5"),
                    this->Outcome(ops[1], v1::OP_STATE_APPLIED, "6"), unknown},
                   9);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  v1::Operation bad_state = ops[1];
  bad_state.set_state(v1::OP_STATE_INTENT);
  s = this->Record(
      {this->Outcome(ops[0], v1::OP_STATE_APPLIED, "5"), bad_state}, 9);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;

  // Nothing of either batch landed.
  for (const char* key : {"1", "2"}) {
    EXPECT_TRUE(this->Resolve(key).crm_id().empty());
    EXPECT_NE(this->Resolve(key).pending_seq(), 0);
  }
  v1::RunReport report = this->Report(run.run_id());
  EXPECT_EQ(report.requests(), 0);
  EXPECT_EQ(report.operations_pending(), 2);
  EXPECT_EQ(report.objects_size(), 0);
}

TYPED_TEST(LedgerTest, OneBatchMayTouchARecordTwice) {
  v1::RunInfo run = this->Begin("h");
  auto ops = this->Intend({this->Op(run.run_id(), "1"),
                           this->Op(run.run_id(), "1", v1::OP_KIND_UPDATE)});
  // The second intent replaced the pending marker.
  EXPECT_EQ(this->Resolve("1").pending_seq(), ops[1].seq());
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "5"),
                            this->Outcome(ops[1], v1::OP_STATE_APPLIED, "5")})
                  .ok());
  v1::ResolvedKey k = this->Resolve("1");
  EXPECT_EQ(k.crm_id(), "5");
  EXPECT_EQ(k.pending_seq(), 0);
  v1::RunReport report = this->Report(run.run_id());
  ASSERT_EQ(report.objects_size(), 1);
  EXPECT_EQ(report.objects(0).loaded(), 1);
  EXPECT_EQ(report.objects(0).updated(), 1);
}

TYPED_TEST(LedgerTest, StaleOutcomeKeepsTheNewerPendingIntent) {
  v1::RunInfo run = this->Begin("h");
  auto first = this->Intend({this->Op(run.run_id(), "1")});
  auto second = this->Intend({this->Op(run.run_id(), "1")});
  ASSERT_TRUE(
      this->Record({this->Outcome(first[0], v1::OP_STATE_FAILED)}).ok());
  EXPECT_EQ(this->Resolve("1").pending_seq(), second[0].seq());
}

TYPED_TEST(LedgerTest, ALaterRunSettlesAnotherRunsPendingIntent) {
  auto [first, ops, second] = this->FailedRunWithPendingIntents();
  ASSERT_NE(second.run_id(), first.run_id());
  EXPECT_EQ(this->Resolve("1").pending_run_id(), first.run_id());
  // The loader names the pending intents by their seqs under its own run:
  // one found in the CRM (adopted), one created under the same intent.
  v1::Operation adopted = this->Outcome(ops[0], v1::OP_STATE_ADOPTED, "81");
  adopted.set_run_id(second.run_id());
  v1::Operation created = this->Outcome(ops[1], v1::OP_STATE_APPLIED, "82");
  created.set_run_id(second.run_id());
  ASSERT_TRUE(this->Record({adopted, created}, 2).ok());

  v1::ResolvedKey k = this->Resolve("1");
  EXPECT_EQ(k.crm_id(), "81");
  EXPECT_EQ(k.run_id(), second.run_id());
  EXPECT_EQ(k.pending_seq(), 0);
  v1::RunReport report = this->Report(second.run_id());
  ASSERT_EQ(report.objects_size(), 1);
  EXPECT_EQ(report.objects(0).adopted(), 1);
  EXPECT_EQ(report.objects(0).created(), 1);
  EXPECT_EQ(report.requests(), 2);
  // The operations stay in the run that wrote the intents.
  v1::RunReport old_report = this->Report(first.run_id());
  EXPECT_EQ(old_report.operations_applied(), 2);
  EXPECT_EQ(old_report.operations_pending(), 0);
  EXPECT_EQ(this->Report(second.run_id()).operations_applied(), 0);
}

// An outcome under a later run that names only the seq (no record), or
// whose record has a newer intent pending, still finds its intent.
TYPED_TEST(LedgerTest, ALaterRunFindsAnIntentByItsSeqAlone) {
  auto [first, ops, second] = this->FailedRunWithPendingIntents();
  // Record 2 gets a newer intent of the second run: its marker names it.
  auto newer = this->Intend({this->Op(second.run_id(), "2")});
  EXPECT_EQ(this->Resolve("2").pending_run_id(), second.run_id());
  v1::Operation bare = this->Outcome(ops[0], v1::OP_STATE_APPLIED, "81");
  bare.set_run_id(second.run_id());
  bare.clear_source_object();
  bare.clear_source_key();
  bare.clear_target_object();
  v1::Operation replaced = this->Outcome(ops[1], v1::OP_STATE_APPLIED, "82");
  replaced.set_run_id(second.run_id());
  ASSERT_TRUE(this->Record({bare, replaced}, 2).ok());
  EXPECT_EQ(this->Report(first.run_id()).operations_applied(), 2);
  // The newer intent stays pending: the outcome was not its.
  EXPECT_EQ(this->Resolve("2").pending_seq(), newer[0].seq());
  // A seq no run has is refused, naming it.
  v1::Operation unknown = bare;
  unknown.set_seq(999999);
  absl::Status missing = this->Record({unknown}, 0);
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
}

TYPED_TEST(LedgerTest, ReplayedOutcomesChangeNothing) {
  v1::RunInfo run = this->Begin("h");
  auto ops = this->Intend({this->Op(run.run_id(), "1")});
  std::vector<v1::Operation> out = {
      this->Outcome(ops[0], v1::OP_STATE_APPLIED, "5")};
  ASSERT_TRUE(this->Record(out, 2).ok());
  ASSERT_TRUE(this->Record(out, 2).ok());  // the loader retried the call
  EXPECT_EQ(this->Report(run.run_id()).requests(), 2);
  EXPECT_EQ(this->Resolve("1").crm_id(), "5");
}

TYPED_TEST(LedgerTest, RequestsCountForTheNamedRun) {
  v1::RunInfo old_run = this->Begin("h", false);
  this->Finish(old_run.run_id(), v1::RUN_STATE_SUCCEEDED);
  v1::RunInfo run = this->Begin("h", false);
  // Only a count (owner lookups): named run first.
  v1::RecordOutcomesRequest count;
  count.set_account("acct");
  count.set_run_id(old_run.run_id());
  count.set_requests(3);
  ASSERT_TRUE(this->ledger_->RecordOutcomes(count).ok());
  EXPECT_EQ(this->Report(old_run.run_id()).requests(), 3);
  // Without run_id: the outcomes' run, else the account's running run.
  ASSERT_TRUE(this->Record({}, 4).ok());
  EXPECT_EQ(this->Report(run.run_id()).requests(), 4);
  EXPECT_EQ(this->Report(old_run.run_id()).requests(), 3);
  // An unknown run counts nowhere and fails nothing.
  count.set_run_id("r-303030");
  EXPECT_TRUE(this->ledger_->RecordOutcomes(count).ok());
}

TYPED_TEST(LedgerTest, IntentsNeedARunningRun) {
  v1::RunInfo run = this->Begin("h");
  this->Finish(run.run_id(), v1::RUN_STATE_FAILED);
  v1::RecordIntentsRequest r;
  r.set_account("acct");
  *r.add_operations() = this->Op(run.run_id(), "1");
  EXPECT_TRUE(
      absl::IsFailedPrecondition(this->ledger_->RecordIntents(r).status()));
  *r.mutable_operations(0) = this->Op("r-777777", "1");
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->RecordIntents(r).status()));
  *r.mutable_operations(0) = this->Op(run.run_id(), "");
  EXPECT_TRUE(
      absl::IsInvalidArgument(this->ledger_->RecordIntents(r).status()));
  r.clear_operations();
  EXPECT_EQ(this->ledger_->RecordIntents(r)->seqs_size(), 0);
}

TYPED_TEST(LedgerTest, LaterDispositionReplacesTheEarlier) {
  v1::RunInfo run = this->Begin("h");
  this->SetExtracted(run.run_id(), "patient", 2);
  this->Dispose(run.run_id(), "1", v1::DISPOSITION_STATUS_QUARANTINED);
  this->Dispose(run.run_id(), "1", v1::DISPOSITION_STATUS_LOADED, "unchanged");
  // An outcome's disposition is replaced the same way.
  auto ops = this->Intend({this->Op(run.run_id(), "2")});
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_FAILED)}).ok());
  this->Dispose(run.run_id(), "2", v1::DISPOSITION_STATUS_SKIPPED);
  v1::RunReport report = this->Report(run.run_id());
  ASSERT_EQ(report.objects_size(), 1);
  const v1::ObjectReport& o = report.objects(0);
  EXPECT_EQ(o.loaded(), 1);
  EXPECT_EQ(o.unchanged(), 1);
  EXPECT_EQ(o.quarantined(), 0);
  EXPECT_EQ(o.skipped(), 1);
  ASSERT_EQ(o.rejections_size(), 1);  // the skipped record, with its reason
  EXPECT_EQ(o.rejections(0).source_key(), "2");
  EXPECT_EQ(o.rejections(0).reason(), "bad birth_date");
  EXPECT_TRUE(o.balanced());
}

TYPED_TEST(LedgerTest, ReportCountsAddUp) {
  v1::RunInfo run = this->Begin("h");
  this->SetExtracted(run.run_id(), "patient", 7);
  this->SetExtracted(run.run_id(), "location", 2);
  this->SetExtracted(run.run_id(), "appointment", 3);
  auto ops =
      this->Intend({this->Op(run.run_id(), "1"), this->Op(run.run_id(), "2"),
                    this->Op(run.run_id(), "3", v1::OP_KIND_UPDATE),
                    this->Op(run.run_id(), "4")});
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "1"),
                            this->Outcome(ops[1], v1::OP_STATE_ADOPTED, "2"),
                            this->Outcome(ops[2], v1::OP_STATE_APPLIED, "3"),
                            this->Outcome(ops[3], v1::OP_STATE_FAILED)},
                           6)
                  .ok());
  this->Dispose(run.run_id(), "5", v1::DISPOSITION_STATUS_LOADED, "unchanged");
  this->Dispose(run.run_id(), "@patients.csv:9",
                v1::DISPOSITION_STATUS_QUARANTINED);
  this->Dispose(run.run_id(), "7", v1::DISPOSITION_STATUS_SKIPPED);
  v1::RecordDispositionsRequest locations;
  locations.set_run_id(run.run_id());
  for (const char* key : {"L1", "L2"}) {
    auto* d = locations.add_dispositions();
    d->set_source_object("location");
    d->set_source_key(key);
    d->set_status(v1::DISPOSITION_STATUS_SKIPPED);
    d->mutable_rejection()->set_stage("map");
  }
  ASSERT_TRUE(this->ledger_->RecordDispositions(locations).ok());
  // appointment: 3 extracted, 1 accounted for: not balanced.
  v1::RecordDispositionsRequest appts;
  appts.set_run_id(run.run_id());
  auto* d = appts.add_dispositions();
  d->set_source_object("appointment");
  d->set_source_key("A1");
  d->set_status(v1::DISPOSITION_STATUS_LOADED);
  d->set_action("created");
  ASSERT_TRUE(this->ledger_->RecordDispositions(appts).ok());
  // One intent left without an outcome.
  this->Intend({this->Op(run.run_id(), "8")});

  v1::RunReport report = this->Report(run.run_id());
  EXPECT_EQ(report.run().run_id(), run.run_id());
  ASSERT_EQ(report.objects_size(), 3);
  // Objects come sorted by name.
  const v1::ObjectReport& appt = report.objects(0);
  const v1::ObjectReport& loc = report.objects(1);
  const v1::ObjectReport& pat = report.objects(2);
  EXPECT_EQ(appt.source_object(), "appointment");
  EXPECT_FALSE(appt.balanced());
  EXPECT_EQ(loc.skipped(), 2);
  EXPECT_TRUE(loc.balanced());
  EXPECT_EQ(pat.source_object(), "patient");
  EXPECT_EQ(pat.extracted(), 7);
  EXPECT_EQ(pat.loaded(), 4);
  EXPECT_EQ(pat.created(), 1);
  EXPECT_EQ(pat.adopted(), 1);
  EXPECT_EQ(pat.matched(), 1);  // "3": an update of a key not yet mapped
  EXPECT_EQ(pat.unchanged(), 1);
  EXPECT_EQ(pat.quarantined(), 2);
  EXPECT_EQ(pat.skipped(), 1);
  EXPECT_EQ(pat.created() + pat.updated() + pat.unchanged() + pat.adopted() +
                pat.matched(),
            pat.loaded());
  EXPECT_TRUE(pat.balanced());
  // Quarantined first (stage as recorded), then skipped.
  ASSERT_EQ(pat.rejections_size(), 3);
  EXPECT_EQ(pat.rejections(0).stage(), "load");
  EXPECT_EQ(pat.rejections(1).stage(), "transform");
  EXPECT_TRUE(pat.rejections(1).source_key().empty());  // "@file:line" key
  EXPECT_EQ(pat.rejections(2).source_key(), "7");
  EXPECT_EQ(loc.rejections_size(), 2);
  EXPECT_EQ(loc.rejections(0).stage(), "map");
  EXPECT_EQ(report.requests(), 6);
  EXPECT_EQ(report.operations_applied(), 3);
  EXPECT_EQ(report.operations_failed(), 1);
  EXPECT_EQ(report.operations_pending(), 1);
  // The four outcomes by their time (the pending intent has none), from
  // the run's start: the controller's timeline without listing operations.
  ASSERT_TRUE(report.has_timeline());
  EXPECT_EQ(report.timeline().origin_unix_seconds(),
            run.started_at().unix_seconds());
  EXPECT_GE(report.timeline().bucket_seconds(), 1);
  int64_t timeline_records = 0;
  for (const auto& b : report.timeline().buckets()) {
    timeline_records += b.records();
    EXPECT_EQ(b.operations(), b.records());  // no links
  }
  EXPECT_EQ(timeline_records, 4);
  EXPECT_GE(report.timeline().buckets_size(), 1);

  // The quarantine list is capped per object; counts are not.
  v1::RunReport capped = this->Report(run.run_id(), 1);
  EXPECT_EQ(capped.objects(2).rejections_size(), 2);  // 1 quarantined, 1 skip
  EXPECT_EQ(capped.objects(2).quarantined(), 2);
  EXPECT_EQ(capped.objects(1).rejections_size(), 1);
  EXPECT_EQ(this->Report(run.run_id(), -1).objects(2).rejections_size(), 0);

  v1::GetReportRequest unknown;
  unknown.set_run_id("r-404404");
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->GetReport(unknown).status()));
}

TYPED_TEST(LedgerTest, OperationsListForwardReverseAndFromASeq) {
  v1::RunInfo run = this->Begin("h");
  v1::RunInfo other = this->Begin("h2");
  auto ops =
      this->Intend({this->Op(run.run_id(), "1"), this->Op(other.run_id(), "x"),
                    this->Op(run.run_id(), "2"), this->Op(run.run_id(), "3")});
  std::vector<int64_t> forward = {ops[0].seq(), ops[2].seq(), ops[3].seq()};
  std::vector<int64_t> backward = {ops[3].seq(), ops[2].seq(), ops[0].seq()};
  EXPECT_EQ(this->Seqs(run.run_id(), false), forward);
  EXPECT_EQ(this->Seqs(run.run_id(), true), backward);
  EXPECT_EQ(this->Seqs(run.run_id(), false, ops[0].seq()),
            (std::vector<int64_t>{ops[2].seq(), ops[3].seq()}));
  EXPECT_EQ(this->Seqs(run.run_id(), true, ops[3].seq()),
            (std::vector<int64_t>{ops[2].seq(), ops[0].seq()}));
  EXPECT_EQ(this->Seqs(run.run_id(), false, 0, 1),
            (std::vector<int64_t>{ops[0].seq()}));
  EXPECT_EQ(this->Seqs(other.run_id(), true),
            (std::vector<int64_t>{ops[1].seq()}));
  EXPECT_TRUE(this->Seqs("r-000404", false).empty());
}

TYPED_TEST(LedgerTest, ManyOperationsStreamInOrder) {
  v1::RunInfo run = this->Begin("h");
  std::vector<v1::Operation> batch;
  for (int i = 0; i < 700; ++i)
    batch.push_back(this->Op(run.run_id(), std::to_string(i)));
  auto ops = this->Intend(batch);
  std::vector<int64_t> seqs = this->Seqs(run.run_id(), false);
  ASSERT_EQ(seqs.size(), 700u);
  EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end()));
  std::vector<int64_t> rev = this->Seqs(run.run_id(), true);
  ASSERT_EQ(rev.size(), 700u);
  EXPECT_TRUE(std::is_sorted(rev.rbegin(), rev.rend()));
}

TYPED_TEST(LedgerTest, RollbackDeleteClearsTheIdMapOnlyForTheSameRecord) {
  v1::RunInfo run = this->Begin("h");
  auto ops =
      this->Intend({this->Op(run.run_id(), "1"), this->Op(run.run_id(), "2"),
                    this->Op(run.run_id(), "3", v1::OP_KIND_UPDATE)});
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "701"),
                            this->Outcome(ops[1], v1::OP_STATE_APPLIED, "702"),
                            this->Outcome(ops[2], v1::OP_STATE_APPLIED, "703")})
                  .ok());
  v1::BeginRunRequest rbr = this->BeginRequest("h", true);
  rbr.set_kind(v1::RUN_KIND_ROLLBACK);
  rbr.set_target_run_id(run.run_id());
  v1::RunInfo rb = *this->ledger_->BeginRun(rbr);

  auto undo = [&](const v1::Operation& target, v1::OpKind kind,
                  const std::string& crm_id) {
    v1::Operation op = this->Op(rb.run_id(), target.source_key(), kind);
    op.set_crm_id(crm_id);
    op.set_undoes_seq(target.seq());
    return op;
  };
  auto intents = this->Intend({undo(ops[0], v1::OP_KIND_DELETE, "701"),
                               undo(ops[1], v1::OP_KIND_DELETE, "999"),
                               undo(ops[2], v1::OP_KIND_UPDATE, "703")});
  ASSERT_TRUE(this->Record({this->Outcome(intents[0], v1::OP_STATE_APPLIED),
                            this->Outcome(intents[1], v1::OP_STATE_APPLIED),
                            this->Outcome(intents[2], v1::OP_STATE_APPLIED)},
                           3)
                  .ok());
  EXPECT_TRUE(this->Resolve("1").crm_id().empty());
  EXPECT_EQ(this->Resolve("1").pending_seq(), 0);
  // Key 2 maps to another record than the one deleted: kept.
  EXPECT_EQ(this->Resolve("2").crm_id(), "702");
  // A restored update keeps its mapping but forgets the fingerprint.
  v1::ResolvedKey restored = this->Resolve("3");
  EXPECT_EQ(restored.crm_id(), "703");
  EXPECT_TRUE(restored.fingerprint().empty());

  // Rollback operations write no dispositions; they are counted as
  // operations of the rollback run.
  v1::RunReport report = this->Report(rb.run_id());
  EXPECT_EQ(report.objects_size(), 0);
  EXPECT_EQ(report.operations_applied(), 3);
  EXPECT_EQ(report.requests(), 3);
  // The migrate run's report is untouched.
  EXPECT_EQ(this->Report(run.run_id()).objects(0).loaded(), 3);
  // A rollback lists the run newest first, skipping what it already undid.
  EXPECT_EQ(this->Seqs(run.run_id(), true).front(), ops[2].seq());
}

TYPED_TEST(LedgerTest, LinkOutcomesKeepTheRecordsDisposition) {
  v1::RunInfo run = this->Begin("h");
  auto ops = this->Intend({this->Op(run.run_id(), "1")});
  ASSERT_TRUE(
      this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "5")}).ok());
  v1::Operation link = this->Op(run.run_id(), "1", v1::OP_KIND_LINK);
  link.set_crm_id("5");
  auto links = this->Intend({link, link});
  ASSERT_TRUE(this->Record({this->Outcome(links[0], v1::OP_STATE_APPLIED),
                            this->Outcome(links[1], v1::OP_STATE_FAILED)})
                  .ok());
  v1::RunReport report = this->Report(run.run_id());
  ASSERT_EQ(report.objects_size(), 1);
  EXPECT_EQ(report.objects(0).created(), 1);
  EXPECT_EQ(report.objects(0).quarantined(), 0);
  EXPECT_EQ(report.operations_failed(), 1);
  EXPECT_EQ(this->Resolve("1").crm_id(), "5");
  EXPECT_EQ(this->Resolve("1").pending_seq(), 0);
}

TYPED_TEST(LedgerTest, KeysWithSlashesAndPercentsStayApart) {
  v1::RunInfo run = this->Begin("h");
  auto ops = this->Intend({this->Op(run.run_id(), "a/b"),
                           this->Op(run.run_id(), "a%2Fb"),
                           this->Op(run.run_id(), "a")});
  ASSERT_TRUE(this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "1"),
                            this->Outcome(ops[1], v1::OP_STATE_APPLIED, "2"),
                            this->Outcome(ops[2], v1::OP_STATE_APPLIED, "3")})
                  .ok());
  EXPECT_EQ(this->Resolve("a/b").crm_id(), "1");
  EXPECT_EQ(this->Resolve("a%2Fb").crm_id(), "2");
  EXPECT_EQ(this->Resolve("a").crm_id(), "3");
  EXPECT_EQ(this->Report(run.run_id()).objects(0).loaded(), 3);
}

TYPED_TEST(LedgerTest, ListMappedWalksOneAccountsIdMapInKeyOrder) {
  v1::RunInfo run = this->Begin("h");
  v1::Operation location = this->Op(run.run_id(), "1");
  location.set_source_object("location");
  location.set_target_object("sales_account");
  auto ops =
      this->Intend({location, this->Op(run.run_id(), "2"),
                    this->Op(run.run_id(), "10"), this->Op(run.run_id(), "a/b"),
                    this->Op(run.run_id(), "3"), this->Op(run.run_id(), "4")});
  // The projection of what a write left comes with its outcome.
  v1::Operation written = this->Outcome(ops[1], v1::OP_STATE_APPLIED, "c2");
  written.set_written(R"({"fields":{"last_name":"x"}})");
  ASSERT_TRUE(
      this->Record({this->Outcome(ops[0], v1::OP_STATE_APPLIED, "s1"), written,
                    this->Outcome(ops[2], v1::OP_STATE_ADOPTED, "c10"),
                    this->Outcome(ops[3], v1::OP_STATE_APPLIED, "c3"),
                    this->Outcome(ops[4], v1::OP_STATE_FAILED)})
          .ok());
  // Another account's id map is not listed.
  v1::BeginRunRequest other_begin = this->BeginRequest("h2", false);
  other_begin.set_account("acct-2");
  v1::RunInfo other = *this->ledger_->BeginRun(other_begin);
  v1::RecordIntentsRequest other_intent;
  other_intent.set_account("acct-2");
  *other_intent.add_operations() = this->Op(other.run_id(), "1");
  auto other_seq = this->ledger_->RecordIntents(other_intent);
  ASSERT_TRUE(other_seq.ok());
  v1::RecordOutcomesRequest other_outcome;
  other_outcome.set_account("acct-2");
  v1::Operation o = this->Op(other.run_id(), "1");
  o.set_seq(other_seq->seqs(0));
  *other_outcome.add_operations() =
      this->Outcome(o, v1::OP_STATE_APPLIED, "elsewhere");
  ASSERT_TRUE(this->ledger_->RecordOutcomes(other_outcome).ok());

  auto list = [&](const std::string& object, const v1::KeyRef& after,
                  size_t stop_after = 100) {
    v1::ListMappedRequest r;
    r.set_account("acct");
    r.set_source_object(object);
    std::vector<v1::ResolvedKey> out;
    absl::Status s =
        this->ledger_->ListMapped(r, after, [&](const v1::ResolvedKey& k) {
          out.push_back(k);
          return out.size() < stop_after;
        });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  };
  auto names = [](const std::vector<v1::ResolvedKey>& keys) {
    std::vector<std::string> out;
    for (const auto& k : keys) {
      out.push_back(k.key().source_object() + "/" + k.key().source_key() + "/" +
                    k.key().target_object() + "=" + k.crm_id());
    }
    return out;
  };
  // Failed (3) and pending (4) records are not mapped; keys sort as
  // escaped text, and come back unescaped.
  std::vector<v1::ResolvedKey> all = list("", v1::KeyRef());
  EXPECT_EQ(names(all),
            (std::vector<std::string>{
                "location/1/sales_account=s1", "patient/10/contact=c10",
                "patient/2/contact=c2", "patient/a/b/contact=c3"}));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[2].written(), R"({"fields":{"last_name":"x"}})");
  EXPECT_EQ(all[2].fingerprint(), "fp-2");
  EXPECT_EQ(all[2].run_id(), run.run_id());
  EXPECT_EQ(all[2].pending_seq(), 0);
  // One object; after a key; stopped by the visitor.
  EXPECT_EQ(names(list("patient", v1::KeyRef())).size(), 3u);
  EXPECT_TRUE(list("provider", v1::KeyRef()).empty());
  EXPECT_EQ(names(list("patient", all[1].key())),
            (std::vector<std::string>{"patient/2/contact=c2",
                                      "patient/a/b/contact=c3"}));
  EXPECT_EQ(names(list("", all[0].key(), 1)),
            (std::vector<std::string>{"patient/10/contact=c10"}));
  EXPECT_TRUE(list("", all[3].key()).empty());
}

TYPED_TEST(LedgerTest, MapApprovalsByContentAndName) {
  const std::string v1_hash(64, 'a'), v2_hash(64, 'b');
  v1::GetApprovalRequest get;
  get.set_map_hash(v1_hash);
  get.set_map_name("/maps/pbn.yaml");
  auto none = this->ledger_->GetApproval(get);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->approved());
  EXPECT_FALSE(none->name_known());

  v1::MapApproval a;
  a.set_map_hash(v1_hash);
  a.set_map_name("/maps/pbn.yaml");
  a.set_approved_by("dr.lee@clinic.example");
  a.set_note("reviewed");
  auto stored = this->ledger_->ApproveMap(a);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_GT(stored->approved_at().unix_seconds(), 1700000000);
  auto got = this->ledger_->GetApproval(get);
  ASSERT_TRUE(got->approved());
  EXPECT_EQ(got->approval().approved_by(), "dr.lee@clinic.example");
  EXPECT_EQ(got->approval().note(), "reviewed");

  // The same name with other content: not approved, but the name's last
  // approval says which content was.
  get.set_map_hash(v2_hash);
  got = this->ledger_->GetApproval(get);
  EXPECT_FALSE(got->approved());
  ASSERT_TRUE(got->name_known());
  EXPECT_EQ(got->latest_for_name().map_hash(), v1_hash);

  a.set_map_hash("ABC");
  EXPECT_TRUE(absl::IsInvalidArgument(this->ledger_->ApproveMap(a).status()));
  a.set_map_hash(v2_hash);
  a.clear_approved_by();
  EXPECT_TRUE(absl::IsInvalidArgument(this->ledger_->ApproveMap(a).status()));
}

TYPED_TEST(LedgerTest, CursorRoundTrip) {
  v1::GetCursorRequest get;
  get.set_account("acct");
  get.set_source_object("patient");
  auto empty = this->ledger_->GetCursor(get);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->account(), "acct");
  EXPECT_EQ(empty->source_object(), "patient");
  EXPECT_FALSE(empty->has_watermark());
  v1::Cursor c;
  c.set_account("acct");
  c.set_source_object("patient");
  c.mutable_watermark()->set_unix_seconds(1700000000);
  c.mutable_watermark()->set_zone("America/Chicago");
  c.set_run_id("r-000001");
  ASSERT_TRUE(this->ledger_->SetCursor(c).ok());
  auto back = this->ledger_->GetCursor(get);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->SerializeAsString(), c.SerializeAsString());
  get.set_account("other");
  EXPECT_FALSE(this->ledger_->GetCursor(get)->has_watermark());
  get.clear_source_object();
  EXPECT_TRUE(absl::IsInvalidArgument(this->ledger_->GetCursor(get).status()));
}

TYPED_TEST(LedgerTest, WritesForUnknownRunsAreRefused) {
  v1::RecordDispositionsRequest d;
  d.set_run_id("r-555555");
  auto* disp = d.add_dispositions();
  disp->set_source_object("patient");
  disp->set_source_key("1");
  disp->set_status(v1::DISPOSITION_STATUS_SKIPPED);
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->RecordDispositions(d)));
  v1::SetObjectStatsRequest s;
  s.set_run_id("r-555555");
  s.add_stats()->set_source_object("patient");
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->SetObjectStats(s)));
  v1::RecordOutcomesRequest o;
  v1::Operation op = this->Op("r-555555", "1");
  op.set_seq(1);
  op.set_state(v1::OP_STATE_APPLIED);
  *o.add_operations() = op;
  EXPECT_TRUE(absl::IsNotFound(this->ledger_->RecordOutcomes(o)));
}

TYPED_TEST(LedgerTest, ConcurrentIntentsGetDistinctSeqs) {
  v1::RunInfo run = this->Begin("h");
  constexpr int kThreads = 4, kCalls = 20;
  std::vector<std::vector<int64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        v1::RecordIntentsRequest r;
        r.set_account("acct");
        *r.add_operations() =
            this->Op(run.run_id(), std::to_string(t * 1000 + i));
        auto out = this->ledger_->RecordIntents(r);
        if (out.ok()) seqs[t].push_back(out->seqs(0));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (const auto& s : seqs) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    all.insert(s.begin(), s.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kCalls));
  EXPECT_EQ(this->Seqs(run.run_id(), false).size(),
            static_cast<size_t>(kThreads * kCalls));
}

}  // namespace
}  // namespace bridgework::ledger
