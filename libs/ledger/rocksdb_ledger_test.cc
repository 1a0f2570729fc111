// What only the durable ledger promises: reopening keeps everything, files
// are private, one process at a time, foreign formats are refused, an
// encrypted ledger needs its key, the chain verifies read-only, the
// tables' compression, the column families.
#include "libs/ledger/rocksdb_ledger.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/options_util.h>

#include "libs/ledger/kv_store.h"
#include "libs/ledger/ledger_testing.h"
#include "libs/ledger/raw_ledger_db.h"

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
    v1::RecordIntentsRequest r = testing::PatientIntents("acct", run, {key});
    r.mutable_operations(0)->set_fingerprint("fp");
    auto out = ledger_->RecordIntents(r);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? out->seqs(0) : 0;
  }
  v1::ResolvedKey Resolve(const std::string& key) {
    return testing::ResolvePatient(ledger_.get(), key);
  }

  // Closes the ledger and makes its directory a new, empty RocksDB database
  // of one column family, written by something else than the ledger.
  std::unique_ptr<rocksdb::DB> NewRawDatabase() {
    ledger_.reset();
    fs::remove_all(dir_);
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::Status s = rocksdb::DB::Open(options, dir_, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::unique_ptr<rocksdb::DB>(raw);
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
  ASSERT_EQ(families.size(), 3u);
  for (const auto& family : families) {
    EXPECT_EQ(family.options.compression_per_level,
              (std::vector<rocksdb::CompressionType>{
                  rocksdb::kNoCompression, rocksdb::kNoCompression,
                  rocksdb::kSnappyCompression}))
        << family.name;
  }
}

// An intent is its operation alone: no seq index (written before the
// sixteenth session) and no pending marker (before the eighteenth); the
// record's pending intent is known again after a restart from the
// operation.
TEST_F(RocksDbLedgerTest, AnIntentWritesItsOperationAlone) {
  v1::RunInfo run = Begin();
  int64_t seq = 0;
  for (int i = 0; i < 20; ++i) seq = Intend(run.run_id(), std::to_string(i));
  ledger_.reset();
  {
    std::string error;
    auto raw = RawLedgerDb::Open(dir_, /*read_only=*/true, &error);
    ASSERT_NE(raw, nullptr) << error;
    std::map<std::string, int> by_table;
    for (const std::string& family : raw->families()) {
      for (const std::string& key : raw->Keys("", family)) {
        ++by_table[key.substr(0, key.find('/'))];
      }
    }
    EXPECT_EQ(by_table["o"], 20);
    EXPECT_EQ(by_table.count("i"), 0u);
    EXPECT_EQ(by_table.count("s"), 0u);
  }
  Reopen();
  EXPECT_EQ(Resolve("19").pending_seq(), seq);
  EXPECT_EQ(Resolve("19").pending_run_id(), run.run_id());
}

// A new ledger keeps its operations and its hash chain, each written in
// ascending key order, in column families of their own (compactions move
// their files down instead of rewriting them), the rest in "default".
TEST_F(RocksDbLedgerTest, OperationsAndChainHaveColumnFamiliesOfTheirOwn) {
  v1::RunInfo run = Begin();
  for (int i = 0; i < 5; ++i) Intend(run.run_id(), std::to_string(i));
  ledger_.reset();
  std::string error;
  auto raw = RawLedgerDb::Open(dir_, /*read_only=*/true, &error);
  ASSERT_NE(raw, nullptr) << error;
  EXPECT_EQ(raw->families(),
            (std::vector<std::string>{"chain", "default", "operations"}));
  auto tables = [&](const std::string& family) {
    std::set<std::string> out;
    for (const std::string& key : raw->Keys("", family)) {
      out.insert(key.substr(0, key.find('/') + 1));
    }
    return out;
  };
  EXPECT_EQ(tables("operations"), std::set<std::string>{"o/"});
  EXPECT_EQ(tables("chain"), std::set<std::string>{"h/"});
  std::set<std::string> rest = tables("default");
  EXPECT_TRUE(rest.count("r/") && rest.count("meta/"));
  EXPECT_FALSE(rest.count("i/"));  // pending intents are not stored apart
  EXPECT_FALSE(rest.count("o/") || rest.count("h/"));
}

// A ledger created before the column families keeps every key in
// "default", and the ledger works on it as before.
TEST_F(RocksDbLedgerTest, ALedgerFromBeforeTheFamiliesKeepsItsLayout) {
  {
    std::unique_ptr<rocksdb::DB> db = NewRawDatabase();
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), "meta/format", "bridgework.ledger/v1")
            .ok());
  }
  Reopen();
  v1::RunInfo run = Begin();
  const int64_t seq = Intend(run.run_id(), "7");
  Reopen();
  EXPECT_EQ(Resolve("7").pending_seq(), seq);
  EXPECT_EQ(testing::ListedOperations(ledger_.get(), run.run_id()).size(), 1u);
  ledger_.reset();
  std::string error;
  auto raw = RawLedgerDb::Open(dir_, /*read_only=*/true, &error);
  ASSERT_NE(raw, nullptr) << error;
  EXPECT_EQ(raw->families(), std::vector<std::string>{"default"});
  EXPECT_EQ(raw->Keys("o/").size(), 1u);
  EXPECT_FALSE(raw->Keys("h/").empty());
}

// Column families the ledger does not know: refused, named, not reused.
TEST_F(RocksDbLedgerTest, RefusesForeignColumnFamilies) {
  {
    std::unique_ptr<rocksdb::DB> db = NewRawDatabase();
    ASSERT_NE(db, nullptr);
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(),
                                       "operations", &handle)
                    .ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  auto l = RocksDbLedger::Open(dir_);
  EXPECT_TRUE(absl::IsFailedPrecondition(l.status())) << l.status();
  EXPECT_NE(l.status().message().find("[default, operations]"),
            std::string::npos)
      << l.status();
}

// The store under the ledger answers across its families as one ordered
// map: scans merge them in key order, both ways, from any bound.
TEST_F(RocksDbLedgerTest, TheStoreScansAcrossFamiliesInKeyOrder) {
  ledger_.reset();
  fs::remove_all(dir_);
  auto store = ledger_internal::OpenRocksDbStore(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  ledger_internal::KvBatch batch;
  const std::vector<std::string> keys = {"a/1", "h/1", "h/2", "i/1",
                                         "o/1", "o/2", "z/1"};
  for (const std::string& k : keys) batch.Put(k, "v" + k);
  ASSERT_TRUE(
      (*store)->Write(batch, ledger_internal::Durability::kSynced).ok());
  auto scan = [&](const std::string& begin, const std::string& end,
                  bool reverse, size_t stop_after = 100) {
    std::vector<std::string> seen;
    EXPECT_TRUE((*store)
                    ->Scan(begin, end, reverse,
                           [&](std::string_view k, std::string_view v) {
                             EXPECT_EQ(v, "v" + std::string(k));
                             seen.emplace_back(k);
                             return seen.size() < stop_after;
                           })
                    .ok());
    return seen;
  };
  EXPECT_EQ(scan("", "", false), keys);
  EXPECT_EQ(scan("", "", true),
            std::vector<std::string>(keys.rbegin(), keys.rend()));
  EXPECT_EQ(scan("h/2", "o/2", false),
            (std::vector<std::string>{"h/2", "i/1", "o/1"}));
  EXPECT_EQ(scan("h/2", "o/2", true),
            (std::vector<std::string>{"o/1", "i/1", "h/2"}));
  EXPECT_EQ(scan("o/", "o0", false), (std::vector<std::string>{"o/1", "o/2"}));
  EXPECT_EQ(scan("", "", false, 2), (std::vector<std::string>{"a/1", "h/1"}));
  auto got = (*store)->MultiGet({"o/2", "i/1", "h/3", "z/1"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)[0], "vo/2");
  EXPECT_EQ((*got)[1], "vi/1");
  EXPECT_FALSE((*got)[2].has_value());
  EXPECT_EQ((*got)[3], "vz/1");
}

TEST_F(RocksDbLedgerTest, OneProcessAtATime) {
  auto second = RocksDbLedger::Open(dir_);
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
}

TEST_F(RocksDbLedgerTest, RefusesAnotherFormat) {
  ledger_.reset();
  {
    std::string error;
    auto raw = RawLedgerDb::Open(dir_, /*read_only=*/false, &error);
    ASSERT_NE(raw, nullptr) << error;
    ASSERT_TRUE(raw->Put("meta/format", "something/else"));
  }
  auto l = RocksDbLedger::Open(dir_);
  EXPECT_TRUE(absl::IsFailedPrecondition(l.status())) << l.status();
}

TEST_F(RocksDbLedgerTest, RefusesAnUnversionedLedger) {
  {
    std::unique_ptr<rocksdb::DB> db = NewRawDatabase();
    ASSERT_NE(db, nullptr);
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
