// At-rest encryption (ledger_crypto.h) and the hash chain (ledger_chain.h)
// over the in-memory store: the ledger's own logic writes, the tests tamper
// with the store underneath and check what VerifyChain reports.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "libs/ledger/kv_ledger.h"
#include "libs/ledger/kv_store.h"
#include "libs/ledger/ledger_chain.h"
#include "libs/ledger/ledger_crypto.h"
#include "libs/ledger/ledger_keys.h"
#include "libs/ledger/ledger_testing.h"

namespace bridgework::ledger {
namespace {

namespace fs = std::filesystem;
using ledger_internal::Durability;
using ledger_internal::KvBatch;
using ledger_internal::KvStore;
using ::testing::HasSubstr;
using ::testing::Not;

LedgerKey Key(char fill) {
  return *LedgerKey::FromBytes(std::string(LedgerKey::kSize, fill));
}

std::string TempPath(const std::string& name) {
  return (fs::temp_directory_path() /
          absl::StrCat("bw-sec-", getpid(), "-", name))
      .string();
}

std::optional<std::string> Raw(KvStore* store, const std::string& key) {
  auto v = store->Get(key);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : std::nullopt;
}

using testing::StoreDelete;
using testing::StoreKeys;
using testing::StorePut;

TEST(LedgerKeyTest, ReadsHexAndRawFilesAndNamesNoContent) {
  const std::string hex(64, 'a');
  const std::string path = TempPath("key");
  std::ofstream(path) << "  " << hex << "\n";
  auto from_hex = LedgerKey::FromFile(path);
  ASSERT_TRUE(from_hex.ok()) << from_hex.status();
  EXPECT_EQ(from_hex->bytes(), std::string(32, '\xaa'));
  std::ofstream(path, std::ios::trunc) << std::string(32, '\xaa');
  auto from_raw = LedgerKey::FromFile(path);
  ASSERT_TRUE(from_raw.ok()) << from_raw.status();
  EXPECT_EQ(from_raw->id(), from_hex->id());
  EXPECT_EQ(from_raw->id().size(), 16u);
  EXPECT_NE(Key('b').id(), from_raw->id());

  std::ofstream(path, std::ios::trunc) << "0123456789abcdef0123456789abcdef";
  auto too_short = LedgerKey::FromFile(path);
  EXPECT_EQ(too_short.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_short.status().message(), Not(HasSubstr("0123456789abcdef")));
  std::ofstream(path, std::ios::trunc) << std::string(63, 'a') << "z";
  EXPECT_EQ(LedgerKey::FromFile(path).status().code(),
            absl::StatusCode::kInvalidArgument);
  fs::remove(path);
  EXPECT_EQ(LedgerKey::FromFile(path).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(EncryptionTest, SealsValuesBoundToTheirKeys) {
  std::unique_ptr<KvStore> raw_owner = ledger_internal::NewInMemoryKvStore();
  KvStore* raw = raw_owner.get();
  std::unique_ptr<KvStore> store = ledger_internal::NewEncryptingKvStore(
      std::make_unique<testing::ForwardingKvStore>(raw), Key('k'));
  StorePut(store.get(), "d/r-000001/patient/1", "jane.doe@example.com");
  StorePut(store.get(), "d/r-000001/patient/2", "john.roe@example.com");

  EXPECT_EQ(Raw(store.get(), "d/r-000001/patient/1"), "jane.doe@example.com");
  std::optional<std::string> sealed = Raw(raw, "d/r-000001/patient/1");
  ASSERT_TRUE(sealed.has_value());
  EXPECT_THAT(*sealed, Not(HasSubstr("jane.doe")));
  EXPECT_EQ(sealed->substr(0, 4), "BWE1");
  // A fresh nonce per write: the same value seals differently.
  StorePut(store.get(), "d/r-000001/patient/1", "jane.doe@example.com");
  EXPECT_NE(Raw(raw, "d/r-000001/patient/1"), sealed);

  // Read together: each opened under its own key, an absent one absent.
  auto many = store->MultiGet(
      {"d/r-000001/patient/2", "d/r-000001/patient/9", "d/r-000001/patient/1"});
  ASSERT_TRUE(many.ok()) << many.status();
  ASSERT_EQ(many->size(), 3u);
  EXPECT_EQ((*many)[0], "john.roe@example.com");
  EXPECT_FALSE((*many)[1].has_value());
  EXPECT_EQ((*many)[2], "jane.doe@example.com");

  // Moved under another key: fails authentication, naming the key.
  StorePut(raw, "d/r-000001/patient/2", *Raw(raw, "d/r-000001/patient/1"));
  EXPECT_EQ(store->MultiGet({"d/r-000001/patient/2"}).status().code(),
            absl::StatusCode::kDataLoss);
  auto moved = store->Get("d/r-000001/patient/2");
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(moved.status().message(), HasSubstr("fails authentication"));
  EXPECT_THAT(moved.status().message(), HasSubstr("d/r-000001/patient/2"));

  // One bit flipped.
  std::string edited = *Raw(raw, "d/r-000001/patient/1");
  edited[edited.size() - 20] ^= 1;
  StorePut(raw, "d/r-000001/patient/1", edited);
  EXPECT_EQ(store->Get("d/r-000001/patient/1").status().code(),
            absl::StatusCode::kDataLoss);

  // Another key reads nothing: the id says so.
  std::unique_ptr<KvStore> other = ledger_internal::NewEncryptingKvStore(
      std::make_unique<testing::ForwardingKvStore>(raw), Key('x'));
  StorePut(store.get(), "r/r-000001", "run");
  auto wrong = other->Get("r/r-000001");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(wrong.status().message(), HasSubstr(Key('x').id()));
  EXPECT_THAT(wrong.status().message(), HasSubstr(Key('k').id()));
}

TEST(EncryptionTest, OpenChecksTheConfigurationAgainstTheLedger) {
  std::unique_ptr<KvStore> encrypted_raw =
      ledger_internal::NewInMemoryKvStore();
  const LedgerKey key = Key('k');
  {
    auto store = ledger_internal::OpenEncryption(
        std::make_unique<testing::ForwardingKvStore>(encrypted_raw.get()), &key,
        "here");
    ASSERT_TRUE(store.ok()) << store.status();
    testing::TestKvLedger ledger(std::move(*store));
    ASSERT_TRUE(ledger.Load().ok());
  }
  auto without = ledger_internal::OpenEncryption(
      std::make_unique<testing::ForwardingKvStore>(encrypted_raw.get()),
      nullptr, "here");
  EXPECT_EQ(without.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(without.status().message(), HasSubstr("is encrypted"));
  EXPECT_THAT(without.status().message(), HasSubstr("--ledger-key-file"));
  const LedgerKey other = Key('o');
  auto wrong = ledger_internal::OpenEncryption(
      std::make_unique<testing::ForwardingKvStore>(encrypted_raw.get()), &other,
      "here");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong.status().message(), HasSubstr("wrong key"));
  EXPECT_THAT(wrong.status().message(), HasSubstr(key.id()));

  std::unique_ptr<KvStore> plain_raw = ledger_internal::NewInMemoryKvStore();
  testing::TestKvLedger plain(
      std::make_unique<testing::ForwardingKvStore>(plain_raw.get()));
  ASSERT_TRUE(plain.Load().ok());
  auto with_key = ledger_internal::OpenEncryption(
      std::make_unique<testing::ForwardingKvStore>(plain_raw.get()), &key,
      "here");
  EXPECT_EQ(with_key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(with_key.status().message(), HasSubstr("not encrypted"));
}

// A ledger over a store the test keeps, with a few runs' worth of writes
// from concurrent "loaders".
class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    raw_ = ledger_internal::NewInMemoryKvStore();
    Open();
  }
  void Open(const LedgerKey* key = nullptr) {
    ledger_.reset();
    auto store = ledger_internal::OpenEncryption(
        std::make_unique<testing::ForwardingKvStore>(raw_.get()), key, "test");
    ASSERT_TRUE(store.ok()) << store.status();
    view_ = key == nullptr
                ? nullptr
                : ledger_internal::NewEncryptingKvStore(
                      std::make_unique<testing::ForwardingKvStore>(raw_.get()),
                      *key);
    ledger_ = std::make_unique<testing::TestKvLedger>(std::move(*store));
    ASSERT_TRUE(ledger_->Load().ok());
  }
  // The store as the ledger reads it (decrypted when encrypted).
  KvStore* Store() { return view_ ? view_.get() : raw_.get(); }

  ChainVerdict Verify() {
    auto v = ledger_internal::VerifyChain(Store());
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or(ChainVerdict());
  }

  // `loaders` threads, each recording intents, outcomes and dispositions
  // for `records` records of one run.
  void Migrate(int loaders, int records) {
    v1::BeginRunRequest begin;
    begin.set_kind(v1::RUN_KIND_MIGRATE);
    begin.set_account("acct");
    auto run = ledger_->BeginRun(begin);
    ASSERT_TRUE(run.ok()) << run.status();
    std::vector<std::thread> threads;
    for (int t = 0; t < loaders; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < records; ++i) {
          const std::string key = absl::StrCat(t, "-", i);
          v1::RecordIntentsRequest intents;
          intents.set_account("acct");
          v1::Operation* op = intents.add_operations();
          op->set_run_id(run->run_id());
          op->set_kind(v1::OP_KIND_CREATE);
          op->set_source_object("patient");
          op->set_source_key(key);
          op->set_target_object("contact");
          auto seqs = ledger_->RecordIntents(intents);
          ASSERT_TRUE(seqs.ok()) << seqs.status();
          v1::RecordOutcomesRequest outcomes;
          outcomes.set_account("acct");
          outcomes.set_requests(1);
          v1::Operation* out = outcomes.add_operations();
          *out = *op;
          out->set_seq(seqs->seqs(0));
          out->set_state(v1::OP_STATE_APPLIED);
          out->set_crm_id(absl::StrCat("c", key));
          ASSERT_TRUE(ledger_->RecordOutcomes(outcomes).ok());
          v1::RecordDispositionsRequest d;
          d.set_run_id(run->run_id());
          v1::Disposition* disp = d.add_dispositions();
          disp->set_source_object("appointment");
          disp->set_source_key(key);
          disp->set_status(v1::DISPOSITION_STATUS_SKIPPED);
          ASSERT_TRUE(ledger_->RecordDispositions(d).ok());
        }
      });
    }
    for (auto& th : threads) th.join();
    v1::FinishRunRequest finish;
    finish.set_run_id(run->run_id());
    finish.set_state(v1::RUN_STATE_SUCCEEDED);
    ASSERT_TRUE(ledger_->FinishRun(finish).ok());
  }

  std::unique_ptr<KvStore> raw_;
  std::unique_ptr<KvStore> view_;
  std::unique_ptr<testing::TestKvLedger> ledger_;
};

TEST_F(ChainTest, ConcurrentWritersLeaveOneUnbrokenChain) {
  Migrate(4, 25);
  const ChainVerdict v = Verify();
  EXPECT_TRUE(v.ok) << v.problem << ": " << v.detail;
  // One entry per atomic write: per record the intent, the outcome
  // (operation and patient disposition together) and the appointment
  // disposition; per run its begin and finish.
  EXPECT_EQ(v.entries, 100 * 3 + 2);
  // Records: one run, 100 operations, 200 dispositions.
  EXPECT_EQ(v.records, 1 + 100 + 200);
  EXPECT_EQ(v.head.size(), 64u);
  EXPECT_EQ(StoreKeys(Store(), ledger_internal::kChainPrefix).size(), 302u);

  // Reopening continues the chain where it was.
  Open();
  Migrate(1, 2);
  EXPECT_TRUE(Verify().ok);
  EXPECT_EQ(Verify().entries, 302 + 2 * 3 + 2);
}

TEST_F(ChainTest, AnEditedRecordIsCaught) {
  Migrate(2, 5);
  const std::string key = ledger_internal::OpKey("r-000001", 3);
  std::string value = *Raw(raw_.get(), key);
  value.back() ^= 1;
  StorePut(raw_.get(), key, value);
  const ChainVerdict v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "edited");
  EXPECT_GT(v.broken_seq, 0);
  EXPECT_THAT(v.detail, HasSubstr(key));
}

TEST_F(ChainTest, RemovedAndInsertedRecordsAreCaught) {
  Migrate(1, 5);
  const std::string key =
      ledger_internal::DispositionKey("r-000001", "appointment", "0-2");
  ASSERT_TRUE(Raw(raw_.get(), key).has_value());
  StoreDelete(raw_.get(), key);
  ChainVerdict v = Verify();
  EXPECT_EQ(v.problem, "removed");
  EXPECT_THAT(v.detail, HasSubstr(key));
  EXPECT_EQ(v.problems, 1);

  SetUp();
  Migrate(1, 5);
  StorePut(raw_.get(), ledger_internal::OpKey("r-000001", 99), "forged");
  v = Verify();
  EXPECT_EQ(v.problem, "inserted");
  EXPECT_THAT(v.detail, HasSubstr(ledger_internal::OpKey("r-000001", 99)));
}

TEST_F(ChainTest, MissingReorderedAndEditedEntriesAreCaught) {
  Migrate(1, 5);
  // An entry removed.
  const std::string e4 = *Raw(raw_.get(), ledger_internal::ChainKey(4));
  const std::string e5 = *Raw(raw_.get(), ledger_internal::ChainKey(5));
  StoreDelete(raw_.get(), ledger_internal::ChainKey(4));
  ChainVerdict v = Verify();
  EXPECT_EQ(v.problem, "missing");
  EXPECT_EQ(v.broken_seq, 4);

  // Two entries swapped.
  StorePut(raw_.get(), ledger_internal::ChainKey(4), e5);
  StorePut(raw_.get(), ledger_internal::ChainKey(5), e4);
  v = Verify();
  EXPECT_EQ(v.problem, "reordered");
  EXPECT_EQ(v.broken_seq, 4);

  // An entry's digest rewritten (to match an edit of its record).
  StorePut(raw_.get(), ledger_internal::ChainKey(5), e5);
  std::string edited = e4;
  edited[edited.size() - 40] ^= 1;
  StorePut(raw_.get(), ledger_internal::ChainKey(4), edited);
  v = Verify();
  EXPECT_EQ(v.problem, "edited");
  EXPECT_EQ(v.broken_seq, 4);

  // The newest entry cut off.
  StorePut(raw_.get(), ledger_internal::ChainKey(4), e4);
  ASSERT_TRUE(Verify().ok);
  const int64_t last = Verify().entries;
  StoreDelete(raw_.get(), ledger_internal::ChainKey(last));
  v = Verify();
  EXPECT_EQ(v.problem, "missing");
  EXPECT_EQ(v.broken_seq, last);
}

TEST_F(ChainTest, RecordsWrittenBeforeTheChainAreAdopted) {
  Migrate(1, 3);
  // Drop the chain: a ledger from before it.
  for (const std::string& k :
       StoreKeys(raw_.get(), ledger_internal::kChainPrefix)) {
    StoreDelete(raw_.get(), k);
  }
  StoreDelete(raw_.get(), ledger_internal::kChainHeadKey);
  Open();
  ChainVerdict v = Verify();
  EXPECT_TRUE(v.ok) << v.problem << ": " << v.detail;
  // One entry per prefix (at most 1000 records each): the run, its 3
  // operations, its 6 dispositions.
  EXPECT_EQ(v.records, 1 + 3 + 6);
  EXPECT_EQ(v.entries, 3);
  Migrate(1, 1);
  EXPECT_TRUE(Verify().ok);
}

// A "bwchain1" chain entry (one write, no count), as ledgers written
// before one entry covered a whole batch hold them.
std::string V1Entry(int64_t n, const std::string& prev_hash,
                    const std::string& key, const std::string& value) {
  std::string canonical = "bwchain1";
  for (int i = 7; i >= 0; --i)
    canonical.push_back(static_cast<char>(n >> (8 * i)));
  canonical.push_back('P');
  for (int i = 3; i >= 0; --i) {
    canonical.push_back(static_cast<char>(key.size() >> (8 * i)));
  }
  canonical += key + ledger_internal::Sha256(value);
  return canonical + ledger_internal::Sha256(prev_hash + canonical);
}

TEST_F(ChainTest, OneRecordEntriesOfOlderLedgersStillVerify) {
  Migrate(1, 3);
  // Rewrite the chain as an older ledger wrote it: one entry per record.
  for (const std::string& k :
       StoreKeys(raw_.get(), ledger_internal::kChainPrefix)) {
    StoreDelete(raw_.get(), k);
  }
  std::string hash(32, '\0');
  int64_t n = 0;
  std::map<int64_t, std::string> entries;
  for (const char* prefix : {"d/", "o/", "r/"}) {
    for (const std::string& k : StoreKeys(raw_.get(), prefix)) {
      std::string entry = V1Entry(++n, hash, k, *Raw(raw_.get(), k));
      hash = entry.substr(entry.size() - 32);
      entries[n] = entry;
      StorePut(raw_.get(), ledger_internal::ChainKey(n), entry);
    }
  }
  std::string head;
  for (int i = 7; i >= 0; --i) head.push_back(static_cast<char>(n >> (8 * i)));
  StorePut(raw_.get(), ledger_internal::kChainHeadKey, head + hash);
  ChainVerdict v = Verify();
  EXPECT_TRUE(v.ok) << v.problem << ": " << v.detail;
  EXPECT_EQ(v.entries, n);
  EXPECT_EQ(n, 1 + 3 + 6);

  // New writes continue that chain with batch entries.
  Open();
  Migrate(1, 1);
  v = Verify();
  EXPECT_TRUE(v.ok) << v.problem << ": " << v.detail;
  EXPECT_EQ(v.entries, n + 3 + 2);

  // An old entry's digest changed is still caught, and named.
  std::string edited = entries[2];
  edited[edited.size() - 40] ^= 1;
  StorePut(raw_.get(), ledger_internal::ChainKey(2), edited);
  v = Verify();
  EXPECT_EQ(v.problem, "edited");
  EXPECT_EQ(v.broken_seq, 2);
}

TEST_F(ChainTest, EncryptedLedgerChainsPlaintextAndReportsSealBreaks) {
  const LedgerKey key = Key('k');
  raw_ = ledger_internal::NewInMemoryKvStore();
  Open(&key);
  Migrate(2, 3);
  ChainVerdict v = Verify();
  EXPECT_TRUE(v.ok) << v.problem << ": " << v.detail;
  EXPECT_EQ(v.entries, 2 * 3 * 3 + 2);
  const std::string key2 = ledger_internal::OpKey("r-000001", 2);
  std::string sealed = *Raw(raw_.get(), key2);
  sealed[sealed.size() - 1] ^= 1;
  StorePut(raw_.get(), key2, sealed);
  v = Verify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "edited");
  EXPECT_THAT(v.detail, HasSubstr("fails authentication"));
  // The scan went on past the broken value: only that one is reported.
  EXPECT_EQ(v.problems, 1);

  // A sealed chain entry edited: named by its number, the walk goes on.
  std::string entry = *Raw(raw_.get(), ledger_internal::ChainKey(3));
  entry[entry.size() - 1] ^= 1;
  StorePut(raw_.get(), ledger_internal::ChainKey(3), entry);
  v = Verify();
  EXPECT_EQ(v.problem, "edited");
  EXPECT_EQ(v.broken_seq, 3);
  EXPECT_THAT(v.detail, HasSubstr("h/0000000000000003"));
  EXPECT_EQ(v.entries, 2 * 3 * 3 + 2);
}

}  // namespace
}  // namespace bridgework::ledger
