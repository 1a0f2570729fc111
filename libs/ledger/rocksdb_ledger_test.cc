#include "libs/ledger/rocksdb_ledger.h"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

namespace bridgework::ledger {
namespace {

namespace fs = std::filesystem;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        (fs::temp_directory_path() / ("bw-ledger-" + std::to_string(getpid())))
            .string();
    fs::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    ledger_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    ledger_.reset();
    auto l = OpenRocksDbLedger(dir_);
    ASSERT_TRUE(l.ok()) << l.status();
    ledger_ = std::move(*l);
  }
  v1::RunInfo Begin(const std::string& hash, bool resume = true) {
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account("acct");
    r.set_config_hash(hash);
    r.set_resume(resume);
    auto run = ledger_->BeginRun(r);
    EXPECT_TRUE(run.ok()) << run.status();
    return *run;
  }
  v1::Operation Op(const std::string& run, const std::string& key) {
    v1::Operation op;
    op.set_run_id(run);
    op.set_kind(v1::OP_KIND_CREATE);
    op.set_source_object("patient");
    op.set_source_key(key);
    op.set_target_object("contact");
    op.set_fingerprint("fp-" + key);
    return op;
  }
  v1::ResolvedKey Resolve(const std::string& key) {
    v1::ResolveKeysRequest r;
    r.set_account("acct");
    auto* k = r.add_keys();
    k->set_source_object("patient");
    k->set_source_key(key);
    k->set_target_object("contact");
    return ledger_->ResolveKeys(r)->keys(0);
  }

  std::string dir_;
  std::unique_ptr<AuditorClient> ledger_;
};

TEST_F(LedgerTest, ResumesTheUnfinishedRunWithTheSameConfig) {
  v1::RunInfo a = Begin("h1");
  EXPECT_EQ(a.run_id(), "r-000001");
  EXPECT_EQ(Begin("h1").run_id(), a.run_id());
  EXPECT_NE(Begin("h2").run_id(), a.run_id());
  EXPECT_NE(Begin("h1", false).run_id(), a.run_id());
  v1::FinishRunRequest fin;
  fin.set_run_id(a.run_id());
  fin.set_state(v1::RUN_STATE_SUCCEEDED);
  ASSERT_TRUE(ledger_->FinishRun(fin).ok());
  v1::BeginRunRequest exact;
  exact.set_run_id(a.run_id());
  exact.set_config_hash("h1");
  EXPECT_TRUE(absl::IsFailedPrecondition(ledger_->BeginRun(exact).status()));
}

TEST_F(LedgerTest, IntentIsPendingUntilItsOutcome) {
  v1::RunInfo run = Begin("h");
  v1::RecordIntentsRequest intents;
  intents.set_account("acct");
  *intents.add_operations() = Op(run.run_id(), "1");
  *intents.add_operations() = Op(run.run_id(), "2");
  auto seqs = ledger_->RecordIntents(intents);
  ASSERT_TRUE(seqs.ok());
  ASSERT_EQ(seqs->seqs_size(), 2);
  EXPECT_LT(seqs->seqs(0), seqs->seqs(1));
  EXPECT_EQ(Resolve("1").pending_seq(), seqs->seqs(0));
  EXPECT_TRUE(Resolve("1").crm_id().empty());

  v1::RecordOutcomesRequest outcomes;
  outcomes.set_account("acct");
  outcomes.set_requests(3);
  v1::Operation done = Op(run.run_id(), "1");
  done.set_seq(seqs->seqs(0));
  done.set_state(v1::OP_STATE_APPLIED);
  done.set_crm_id("501");
  *outcomes.add_operations() = done;
  v1::Operation failed = Op(run.run_id(), "2");
  failed.set_seq(seqs->seqs(1));
  failed.set_state(v1::OP_STATE_FAILED);
  failed.set_error("HTTP 400: Email is not unique");
  *outcomes.add_operations() = failed;
  ASSERT_TRUE(ledger_->RecordOutcomes(outcomes).ok());

  EXPECT_EQ(Resolve("1").crm_id(), "501");
  EXPECT_EQ(Resolve("1").fingerprint(), "fp-1");
  EXPECT_EQ(Resolve("1").pending_seq(), 0);
  EXPECT_EQ(Resolve("2").pending_seq(), 0);
  EXPECT_TRUE(Resolve("2").crm_id().empty());

  // Everything survives a reopen.
  Reopen();
  EXPECT_EQ(Resolve("1").crm_id(), "501");
  v1::SetObjectStatsRequest stats;
  stats.set_run_id(run.run_id());
  stats.add_stats()->set_source_object("patient");
  stats.mutable_stats(0)->set_extracted(3);
  ASSERT_TRUE(ledger_->SetObjectStats(stats).ok());
  v1::RecordDispositionsRequest skip;
  skip.set_run_id(run.run_id());
  auto* d = skip.add_dispositions();
  d->set_source_object("patient");
  d->set_source_key("3");
  d->set_status(v1::DISPOSITION_STATUS_SKIPPED);
  d->mutable_rejection()->set_reason("not migrated: test");
  ASSERT_TRUE(ledger_->RecordDispositions(skip).ok());

  v1::GetReportRequest rr;
  rr.set_run_id(run.run_id());
  auto report = ledger_->GetReport(rr);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->objects_size(), 1);
  const auto& o = report->objects(0);
  EXPECT_EQ(o.extracted(), 3);
  EXPECT_EQ(o.loaded(), 1);
  EXPECT_EQ(o.created(), 1);
  EXPECT_EQ(o.quarantined(), 1);
  EXPECT_EQ(o.skipped(), 1);
  EXPECT_TRUE(o.balanced());
  EXPECT_EQ(report->requests(), 3);
  EXPECT_EQ(report->operations_applied(), 1);
  EXPECT_EQ(report->operations_failed(), 1);
}

TEST_F(LedgerTest, OperationsListInBothOrdersAndDeleteClearsTheIdMap) {
  v1::RunInfo run = Begin("h");
  v1::RecordIntentsRequest intents;
  intents.set_account("acct");
  for (const char* k : {"1", "2", "3"})
    *intents.add_operations() = Op(run.run_id(), k);
  auto seqs = ledger_->RecordIntents(intents);
  v1::RecordOutcomesRequest outcomes;
  outcomes.set_account("acct");
  for (int i = 0; i < 3; ++i) {
    v1::Operation op = intents.operations(i);
    op.set_seq(seqs->seqs(i));
    op.set_state(v1::OP_STATE_APPLIED);
    op.set_crm_id(std::to_string(700 + i));
    *outcomes.add_operations() = op;
  }
  ASSERT_TRUE(ledger_->RecordOutcomes(outcomes).ok());
  std::vector<std::string> forward, backward;
  v1::ListOperationsRequest list;
  list.set_run_id(run.run_id());
  ASSERT_TRUE(ledger_
                  ->ListOperations(list,
                                   [&](const v1::Operation& op) {
                                     forward.push_back(op.source_key());
                                     return true;
                                   })
                  .ok());
  list.set_reverse(true);
  ASSERT_TRUE(ledger_
                  ->ListOperations(list,
                                   [&](const v1::Operation& op) {
                                     backward.push_back(op.source_key());
                                     return true;
                                   })
                  .ok());
  EXPECT_EQ(forward, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(backward, (std::vector<std::string>{"3", "2", "1"}));

  v1::RecordIntentsRequest del;
  del.set_account("acct");
  v1::Operation d = Op("r-rb", "2");
  d.set_kind(v1::OP_KIND_DELETE);
  d.set_crm_id("701");
  *del.add_operations() = d;
  auto dseq = ledger_->RecordIntents(del);
  d.set_seq(dseq->seqs(0));
  d.set_state(v1::OP_STATE_APPLIED);
  v1::RecordOutcomesRequest dout;
  dout.set_account("acct");
  *dout.add_operations() = d;
  ASSERT_TRUE(ledger_->RecordOutcomes(dout).ok());
  EXPECT_TRUE(Resolve("2").crm_id().empty());
  EXPECT_EQ(Resolve("3").crm_id(), "702");
}

TEST_F(LedgerTest, FilesArePrivate) {
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    ASSERT_EQ(stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u) << entry.path();
  }
}

}  // namespace
}  // namespace bridgework::ledger
