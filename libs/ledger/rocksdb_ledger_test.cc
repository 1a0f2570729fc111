// What only the durable ledger promises: reopening keeps everything, files
// are private, one process at a time, foreign formats are refused, an
// encrypted ledger needs its key, the chain verifies read-only, the
// tables' compression.
#include "libs/ledger/rocksdb_ledger.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/options_util.h>

namespace bridgework::ledger {
namespace {

namespace fs = std::filesystem;

class RocksDbLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() /
             ("bw-rocks-ledger-" + std::to_string(getpid())))
                .string();
    fs::remove_all(root_);
    dir_ = root_ + "/nested/ledger";
    Reopen();
  }
  void TearDown() override {
    ledger_.reset();
    fs::remove_all(root_);
  }
  void Reopen() {
    ledger_.reset();
    auto l = RocksDbLedger::Open(dir_);
    ASSERT_TRUE(l.ok()) << l.status();
    ledger_ = std::move(*l);
  }
  v1::RunInfo Begin() {
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account("acct");
    r.set_config_hash("h");
    r.set_resume(true);
    auto run = ledger_->BeginRun(r);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(v1::RunInfo());
  }
  int64_t Intend(const std::string& run, const std::string& key) {
    v1::RecordIntentsRequest r;
    r.set_account("acct");
    v1::Operation* op = r.add_operations();
    op->set_run_id(run);
    op->set_kind(v1::OP_KIND_CREATE);
    op->set_source_object("patient");
    op->set_source_key(key);
    op->set_target_object("contact");
    op->set_fingerprint("fp");
    auto out = ledger_->RecordIntents(r);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->seqs(0) : 0;
  }
  v1::ResolvedKey Resolve(const std::string& key) {
    v1::ResolveKeysRequest r;
    r.set_account("acct");
    v1::KeyRef* k = r.add_keys();
    k->set_source_object("patient");
    k->set_source_key(key);
    k->set_target_object("contact");
    return ledger_->ResolveKeys(r)->keys(0);
  }

  std::string root_, dir_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(RocksDbLedgerTest, ReopeningKeepsEverything) {
  v1::RunInfo run = Begin();
  int64_t s1 = Intend(run.run_id(), "1");
  int64_t s2 = Intend(run.run_id(), "2");
  v1::RecordOutcomesRequest out;
  out.set_account("acct");
  out.set_requests(5);
  v1::Operation* op = out.add_operations();
  op->set_run_id(run.run_id());
  op->set_seq(s1);
  op->set_state(v1::OP_STATE_APPLIED);
  op->set_crm_id("501");
  ASSERT_TRUE(ledger_->RecordOutcomes(out).ok());
  v1::SetObjectStatsRequest stats;
  stats.set_run_id(run.run_id());
  stats.add_stats()->set_source_object("patient");
  stats.mutable_stats(0)->set_extracted(2);
  ASSERT_TRUE(ledger_->SetObjectStats(stats).ok());
  v1::Cursor cursor;
  cursor.set_account("acct");
  cursor.set_source_object("patient");
  cursor.mutable_watermark()->set_unix_seconds(1234);
  ASSERT_TRUE(ledger_->SetCursor(cursor).ok());

  Reopen();

  v1::GetRunRequest get;
  get.set_run_id(run.run_id());
  EXPECT_EQ(ledger_->GetRun(get)->state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(Resolve("1").crm_id(), "501");
  EXPECT_EQ(Resolve("2").pending_seq(), s2);
  v1::GetReportRequest rr;
  rr.set_run_id(run.run_id());
  auto report = ledger_->GetReport(rr);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->requests(), 5);
  ASSERT_EQ(report->objects_size(), 1);
  EXPECT_EQ(report->objects(0).extracted(), 2);
  EXPECT_EQ(report->objects(0).created(), 1);
  EXPECT_EQ(report->operations_pending(), 1);
  v1::GetCursorRequest gc;
  gc.set_account("acct");
  gc.set_source_object("patient");
  EXPECT_EQ(ledger_->GetCursor(gc)->watermark().unix_seconds(), 1234);

  // Counters continue where they stopped: no id or seq is handed out twice.
  EXPECT_GT(Intend(run.run_id(), "3"), s2);
  v1::BeginRunRequest fresh;
  fresh.set_kind(v1::RUN_KIND_MIGRATE);
  fresh.set_account("acct");
  EXPECT_EQ(ledger_->BeginRun(fresh)->run_id(), "r-000002");
  // Resume finds the unfinished run after the reopen.
  EXPECT_EQ(Begin().run_id(), run.run_id());
}

TEST_F(RocksDbLedgerTest, FilesArePrivate) {
  v1::RunInfo run = Begin();
  for (int i = 0; i < 50; ++i) Intend(run.run_id(), std::to_string(i));
  Reopen();  // recovery flushes the log into a table file
  Intend(run.run_id(), "x");
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    ASSERT_EQ(stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path();
  }
  EXPECT_GT(files, 3);
}

// The options the ledger was opened with, as RocksDB wrote them into the
// directory: the two upper levels uncompressed (they are rewritten soon),
// Snappy below.
TEST_F(RocksDbLedgerTest, UpperLevelsAreUncompressed) {
  rocksdb::DBOptions db_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  rocksdb::ConfigOptions config;
  ASSERT_TRUE(
      rocksdb::LoadLatestOptions(config, dir_, &db_options, &families).ok());
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].options.compression_per_level,
            (std::vector<rocksdb::CompressionType>{
                rocksdb::kNoCompression, rocksdb::kNoCompression,
                rocksdb::kSnappyCompression}));
}

// An intent is its operation and its pending marker: no seq index
// (written before the sixteenth session, one key per operation more).
TEST_F(RocksDbLedgerTest, AnIntentWritesItsOperationAndPendingMarker) {
  v1::RunInfo run = Begin();
  for (int i = 0; i < 20; ++i) Intend(run.run_id(), std::to_string(i));
  ledger_.reset();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir_, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, int> by_table;
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    ++by_table[key.substr(0, key.find('/'))];
  }
  EXPECT_EQ(by_table["o"], 20);
  EXPECT_EQ(by_table["i"], 20);
  EXPECT_EQ(by_table.count("s"), 0u);
}

TEST_F(RocksDbLedgerTest, OneProcessAtATime) {
  auto second = RocksDbLedger::Open(dir_);
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
}

TEST_F(RocksDbLedgerTest, RefusesAnotherFormat) {
  ledger_.reset();
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), "meta/format", "something/else").ok());
  }
  auto l = RocksDbLedger::Open(dir_);
  EXPECT_TRUE(absl::IsFailedPrecondition(l.status())) << l.status();
}

TEST_F(RocksDbLedgerTest, RefusesAnUnversionedLedger) {
  ledger_.reset();
  fs::remove_all(dir_);
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    options.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "meta/next_run", "3").ok());
  }
  auto l = RocksDbLedger::Open(dir_);
  EXPECT_TRUE(absl::IsFailedPrecondition(l.status())) << l.status();
}

TEST_F(RocksDbLedgerTest, AnExistingLooseDirectoryIsMadePrivate) {
  ledger_.reset();
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  Reopen();
  struct stat st;
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(RocksDbLedgerTest, VerifiesBesideTheOpenLedgerAndAfterReopening) {
  v1::RunInfo run = Begin();
  for (int i = 0; i < 5; ++i) Intend(run.run_id(), std::to_string(i));
  // Read-only beside the writer: sees what was written.
  auto v = RocksDbLedger::Verify(dir_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem << ": " << v->detail;
  EXPECT_EQ(v->entries, 6);
  Reopen();
  Intend(run.run_id(), "after");
  v = RocksDbLedger::Verify(dir_);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem << ": " << v->detail;
  EXPECT_EQ(v->entries, 7);
  EXPECT_TRUE(
      absl::IsNotFound(RocksDbLedger::Verify(root_ + "/none").status()));
}

TEST_F(RocksDbLedgerTest, AnEncryptedLedgerOpensOnlyWithItsKey) {
  ledger_.reset();
  fs::remove_all(dir_);
  const LedgerKey key = *LedgerKey::FromBytes(std::string(32, 'k'));
  const LedgerKey other = *LedgerKey::FromBytes(std::string(32, 'o'));
  {
    auto l = RocksDbLedger::Open(dir_, &key);
    ASSERT_TRUE(l.ok()) << l.status();
    ledger_ = std::move(*l);
    Intend(Begin().run_id(), "secret-key-1");
    ledger_.reset();
  }
  EXPECT_TRUE(absl::IsFailedPrecondition(RocksDbLedger::Open(dir_).status()));
  EXPECT_TRUE(
      absl::IsFailedPrecondition(RocksDbLedger::Open(dir_, &other).status()));
  auto v = RocksDbLedger::Verify(dir_, &key);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_TRUE(v->ok) << v->problem << ": " << v->detail;
  auto l = RocksDbLedger::Open(dir_, &key);
  ASSERT_TRUE(l.ok()) << l.status();
  ledger_ = std::move(*l);
  EXPECT_EQ(Begin().run_id(), "r-000001");  // resumed: readable again
}

TEST_F(RocksDbLedgerTest, APathThatIsAFileIsRefused) {
  std::string file = root_ + "/plain-file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  EXPECT_FALSE(RocksDbLedger::Open(file).ok());
}

}  // namespace
}  // namespace bridgework::ledger
