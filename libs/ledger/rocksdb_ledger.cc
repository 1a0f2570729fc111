#include "libs/ledger/rocksdb_ledger.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/ledger/ledger_keys.h"

namespace bridgework::ledger {
namespace {

using ledger_internal::Durability;
using ledger_internal::KvBatch;
using ledger_internal::KvStore;

absl::Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat("ledger: ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  if (s.IsNotSupported()) return absl::UnimplementedError(message);
  // IO errors, a busy lock, a full disk: the call may succeed later.
  return absl::UnavailableError(message);
}

rocksdb::Slice ToSlice(const std::string& s) {
  return rocksdb::Slice(s.data(), s.size());
}

// Makes every file RocksDB creates owner-only (0600). The Posix file system
// creates files 0644 and the Debian build ignores
// Env::SetAllowNonOwnerAccess, so each creation is followed by a chmod.
// The 0700 directory already keeps others out in between.
class PrivateFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit PrivateFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base)
      : FileSystemWrapper(base) {}

  const char* Name() const override { return "BridgeworkPrivateFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return Private(f, target()->NewWritableFile(f, o, r, d));
  }
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* d) override {
    return Private(f, target()->ReopenWritableFile(f, o, r, d));
  }
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& f, const std::string& old,
      const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* d) override {
    return Private(f, target()->ReuseWritableFile(f, old, o, r, d));
  }
  rocksdb::IOStatus NewRandomRWFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* d) override {
    return Private(f, target()->NewRandomRWFile(f, o, r, d));
  }
  rocksdb::IOStatus NewLogger(const std::string& f, const rocksdb::IOOptions& o,
                              std::shared_ptr<rocksdb::Logger>* r,
                              rocksdb::IODebugContext* d) override {
    return Private(f, target()->NewLogger(f, o, r, d));
  }
  rocksdb::IOStatus LockFile(const std::string& f, const rocksdb::IOOptions& o,
                             rocksdb::FileLock** l,
                             rocksdb::IODebugContext* d) override {
    return Private(f, target()->LockFile(f, o, l, d));
  }

 private:
  static rocksdb::IOStatus Private(const std::string& file,
                                   rocksdb::IOStatus created) {
    if (created.ok() && chmod(file.c_str(), 0600) != 0) {
      return rocksdb::IOStatus::IOError("chmod 0600 " + file, strerror(errno));
    }
    return created;
  }
};

// The insert hint's prefix (ColumnFamilyOptions::
// memtable_insert_with_hint_prefix_extractor): keys of one prefix written
// in ascending order share a hint, so each memtable insert starts where the
// previous one ended instead of searching the skip list from the top.
// Those are the operations of a run (o/<run>/<seq>), the hash chain
// (h/<n>), and, per object, the pending markers
// (i/<account>/<object>/), id-map entries (m/<account>/<object>/) and
// dispositions (d/<run>/<object>/): a source reads its records in key order
// more often than not (exports sorted by id), and a key out of order only
// costs the search it would have cost without a hint. The hint table holds
// one entry per prefix: runs, and accounts times objects.
class SequentialKeyPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "bridgework.SequentialKeys"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    if (key.starts_with("o/")) {
      // o/<run>/: up to the last '/'.
      for (size_t n = key.size(); n > 2; --n) {
        if (key[n - 1] == '/') return rocksdb::Slice(key.data(), n);
      }
    }
    if (PerObject(key)) return rocksdb::Slice(key.data(), ThirdSlash(key) + 1);
    return rocksdb::Slice(key.data(), 2);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return key.size() > 2 && (key.starts_with("o/") || key.starts_with("h/") ||
                              (PerObject(key) && ThirdSlash(key) < key.size()));
  }

 private:
  static bool PerObject(const rocksdb::Slice& key) {
    return key.starts_with("i/") || key.starts_with("m/") ||
           key.starts_with("d/");
  }
  // The position of the key's third '/' (the one after the object's
  // name), or its size when it has fewer.
  static size_t ThirdSlash(const rocksdb::Slice& key) {
    int seen = 0;
    for (size_t i = 0; i < key.size(); ++i) {
      if (key[i] == '/' && ++seen == 3) return i;
    }
    return key.size();
  }
};

// The tables with a column family of their own in ledgers created since
// the seventeenth session (docs/ledger.md, "Column families"): each is
// written in ascending key order, so its flushed files do not overlap one
// another and RocksDB moves them down the levels instead of merging them
// with the rest of the ledger at every compaction. Everything else is in
// "default". Ledgers created before keep every key in "default".
struct Family {
  std::string_view prefix;
  const char* name;
};
constexpr Family kFamilies[] = {{"o/", "operations"}, {"h/", "chain"}};

// The index in kFamilies of the family holding `key`, or -1 for default.
int FamilyIndex(std::string_view key) {
  for (size_t i = 0; i < std::size(kFamilies); ++i) {
    if (key.starts_with(kFamilies[i].prefix)) return static_cast<int>(i);
  }
  return -1;
}

class RocksKvStore : public KvStore {
 public:
  // `handles`: default's, then kFamilies' in order, or default's alone (a
  // ledger from before the families). Owned from here on.
  RocksKvStore(std::unique_ptr<rocksdb::Env> env,
               std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles)
      : env_(std::move(env)),
        db_(std::move(db)),
        handles_(std::move(handles)) {}
  ~RocksKvStore() override {
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      db_->DestroyColumnFamilyHandle(h);
    }
  }

  absl::StatusOr<std::optional<std::string>> Get(
      const std::string& key) override {
    std::string value;
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), FamilyOf(key), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    BW_RETURN_IF_ERROR(FromRocks(s));
    return std::optional<std::string>(std::move(value));
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      const std::vector<std::string>& keys) override {
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (const std::string& key : keys) slices.push_back(ToSlice(key));
    std::vector<rocksdb::ColumnFamilyHandle*> families;
    families.reserve(keys.size());
    for (const std::string& key : keys) families.push_back(FamilyOf(key));
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    // One consistent view across the families, as for a single one.
    db_->MultiGet(rocksdb::ReadOptions(), keys.size(), families.data(),
                  slices.data(), values.data(), statuses.data());
    std::vector<std::optional<std::string>> out(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      BW_RETURN_IF_ERROR(FromRocks(statuses[i]));
      out[i] = values[i].ToString();
    }
    return out;
  }

  absl::Status Write(const KvBatch& batch, Durability durability) override {
    rocksdb::WriteBatch wb;
    for (const KvBatch::Entry& e : batch.entries()) {
      // One batch across families: still atomic (one write-ahead log).
      rocksdb::ColumnFamilyHandle* family = FamilyOf(e.key);
      rocksdb::Status s =
          e.value.has_value()
              ? wb.Put(family, ToSlice(e.key), ToSlice(*e.value))
              : wb.Delete(family, ToSlice(e.key));
      BW_RETURN_IF_ERROR(FromRocks(s));
    }
    rocksdb::WriteOptions options;
    // The callers say at each call site why they ask for kSynced; with
    // sync = true RocksDB fsyncs the WAL before Write returns.
    options.sync = durability == Durability::kSynced;
    return FromRocks(db_->Write(options, &wb));
  }

  // The families that may hold keys in [begin, end), merged in key order
  // (from one snapshot when there are several).
  absl::Status Scan(const std::string& begin, const std::string& end,
                    bool reverse, const Visitor& visit) override {
    std::vector<rocksdb::ColumnFamilyHandle*> families = FamiliesIn(begin, end);
    rocksdb::ReadOptions options;
    const rocksdb::Snapshot* snapshot =
        families.size() > 1 ? db_->GetSnapshot() : nullptr;
    options.snapshot = snapshot;
    std::vector<std::unique_ptr<rocksdb::Iterator>> its;
    for (rocksdb::ColumnFamilyHandle* family : families) {
      its.emplace_back(db_->NewIterator(options, family));
      rocksdb::Iterator* it = its.back().get();
      if (!reverse) {
        it->Seek(ToSlice(begin));
      } else if (end.empty()) {
        it->SeekToLast();
      } else {
        it->SeekForPrev(ToSlice(end));
        if (it->Valid() && it->key().compare(ToSlice(end)) >= 0) it->Prev();
      }
    }
    auto in_range = [&](const rocksdb::Iterator* it) {
      if (!it->Valid()) return false;
      return reverse ? it->key().compare(ToSlice(begin)) >= 0
                     : end.empty() || it->key().compare(ToSlice(end)) < 0;
    };
    while (true) {
      rocksdb::Iterator* next = nullptr;
      for (const auto& it : its) {
        if (!in_range(it.get())) continue;
        const int order = next == nullptr ? 0 : it->key().compare(next->key());
        if (next == nullptr || (reverse ? order > 0 : order < 0)) {
          next = it.get();
        }
      }
      if (next == nullptr) break;
      if (!visit(
              std::string_view(next->key().data(), next->key().size()),
              std::string_view(next->value().data(), next->value().size()))) {
        break;
      }
      if (reverse) {
        next->Prev();
      } else {
        next->Next();
      }
    }
    absl::Status status;
    for (const auto& it : its) status.Update(FromRocks(it->status()));
    its.clear();
    if (snapshot != nullptr) db_->ReleaseSnapshot(snapshot);
    return status;
  }

 private:
  rocksdb::ColumnFamilyHandle* FamilyOf(std::string_view key) const {
    return handles_.size() == 1 ? handles_[0] : handles_[FamilyIndex(key) + 1];
  }

  // The families whose keys may fall in [begin, end) (empty end: no bound).
  std::vector<rocksdb::ColumnFamilyHandle*> FamiliesIn(
      const std::string& begin, const std::string& end) const {
    if (handles_.size() == 1) return handles_;
    std::vector<rocksdb::ColumnFamilyHandle*> out = {handles_[0]};
    for (size_t i = 0; i < std::size(kFamilies); ++i) {
      const std::string prefix(kFamilies[i].prefix);
      const std::string prefix_end = ledger_internal::PrefixEnd(prefix);
      if (begin >= prefix && !end.empty() && end <= prefix_end) {
        return {handles_[i + 1]};  // within the family: nothing else there
      }
      if (begin < prefix_end && (end.empty() || end > prefix)) {
        out.push_back(handles_[i + 1]);
      }
    }
    return out;
  }

  std::unique_ptr<rocksdb::Env> env_;  // must outlive db_
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

absl::Status MakePrivateDirectory(const std::string& directory) {
  std::error_code ec;
  if (std::filesystem::exists(directory, ec)) {
    if (!std::filesystem::is_directory(directory, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat("ledger path ", directory, " is not a directory"));
    }
  } else {
    std::filesystem::path parent =
        std::filesystem::path(directory).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat(
          "cannot create ledger directory ", directory, ": ", strerror(errno)));
    }
  }
  // mkdir applies the umask, and an existing directory may have been
  // created by someone else (an operator, a volume): exactly 0700.
  if (chmod(directory.c_str(), 0700) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot make the ledger directory ", directory,
                     " private (chmod 0700): ", strerror(errno)));
  }
  return absl::OkStatus();
}

// RocksDB's info log, dropped: a read-only open must not create or rotate
// LOG files in a directory a running auditor owns.
class NullLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

// The column families to open `directory` with: default and kFamilies for
// a new ledger, whatever an existing one has (default alone for a ledger
// from before the families). FAILED_PRECONDITION for any other set.
absl::StatusOr<std::vector<std::string>> FamiliesToOpen(
    const rocksdb::Options& options, const std::string& directory) {
  std::vector<std::string> split = {rocksdb::kDefaultColumnFamilyName};
  for (const Family& f : kFamilies) split.push_back(f.name);
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(directory) / "CURRENT",
                               ec)) {
    // No database yet: a new ledger. (A read-only open fails on it.)
    return split;
  }
  std::vector<std::string> names;
  rocksdb::Status s =
      rocksdb::DB::ListColumnFamilies(options, directory, &names);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot read the ledger's column families at ", directory,
                     ": ", s.ToString()));
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> expected = split;
  std::sort(expected.begin(), expected.end());
  if (names == expected) return split;
  if (names == std::vector<std::string>{rocksdb::kDefaultColumnFamilyName}) {
    return names;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the ledger at ", directory, " has column families [",
                   absl::StrJoin(names, ", "), "]; expected [",
                   absl::StrJoin(expected, ", "),
                   "] or [default] (written by another "
                   "program?)"));
}

// RocksDB in `directory` (read-write, created when missing, or read-only),
// every file it creates 0600, behind the encryption `key` calls for.
absl::StatusOr<std::unique_ptr<KvStore>> OpenStore(const std::string& directory,
                                                   bool read_only,
                                                   const LedgerKey* key) {
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(
      std::make_shared<PrivateFileSystem>(rocksdb::FileSystem::Default()));
  rocksdb::Options options;
  options.env = env.get();
  options.create_if_missing = !read_only;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  options.keep_log_file_num = 5;
  options.max_log_file_size = 8 << 20;
  if (read_only) options.info_log = std::make_shared<NullLogger>();
  // Most reads are of keys that are not there (the pending marker and
  // id-map entry of a record never migrated, docs/ledger.md "Resolving
  // keys"): Bloom filters answer those without searching the memtable's
  // skip list or reading a table block.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  options.memtable_prefix_bloom_size_ratio = 0.05;
  options.memtable_whole_key_filtering = true;
  options.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<SequentialKeyPrefix>();
  // Memtables of 32 MB (RocksDB's default is 64): with one flushing beside
  // the active one the auditor stays under 256 MB at 2,000,000 records
  // (docs/benchmarks.md).
  options.write_buffer_size = 32 << 20;
  // Level 0 and 1 uncompressed, Snappy below: most of the ledger's bytes
  // pass through the two upper levels (every flush, every L0 -> L1
  // compaction) and are compressed and decompressed there for data that
  // is soon rewritten; the auditor's CPU in a null run at 1,000,000
  // records 39.0 -> 33.8 us per record (docs/benchmarks.md, "Sixteenth
  // session"). Costs disk: L1 holds up to 256 MB uncompressed.
  options.compression_per_level = {rocksdb::kNoCompression,
                                   rocksdb::kNoCompression,
                                   rocksdb::kSnappyCompression};
  // Memtables of every family together: the same bound as one family's
  // active and flushing memtable.
  options.db_write_buffer_size = 64 << 20;
  BW_ASSIGN_OR_RETURN(std::vector<std::string> families,
                      FamiliesToOpen(options, directory));
  options.create_missing_column_families = families.size() > 1;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(options));
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s =
      read_only
          ? rocksdb::DB::OpenForReadOnly(options, directory, descriptors,
                                         &handles, &raw)
          : rocksdb::DB::Open(options, directory, descriptors, &handles, &raw);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ledger at ", directory, ": ", s.ToString()));
  }
  return ledger_internal::OpenEncryption(
      std::make_unique<RocksKvStore>(std::move(env),
                                     std::unique_ptr<rocksdb::DB>(raw),
                                     std::move(handles)),
      key, directory);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ledger>> RocksDbLedger::Open(
    const std::string& directory, const LedgerKey* key) {
  BW_RETURN_IF_ERROR(MakePrivateDirectory(directory));
  BW_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> store,
                      OpenStore(directory, /*read_only=*/false, key));
  std::unique_ptr<RocksDbLedger> ledger(new RocksDbLedger(std::move(store)));
  BW_RETURN_IF_ERROR(ledger->Load());
  return std::unique_ptr<Ledger>(std::move(ledger));
}

std::string RocksDbLedger::ColumnFamilyOf(std::string_view key) {
  const int i = FamilyIndex(key);
  return i < 0 ? rocksdb::kDefaultColumnFamilyName : kFamilies[i].name;
}

absl::StatusOr<ChainVerdict> RocksDbLedger::Verify(const std::string& directory,
                                                   const LedgerKey* key) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(directory) / "CURRENT",
                               ec)) {
    return absl::NotFoundError(absl::StrCat("no ledger at ", directory));
  }
  BW_ASSIGN_OR_RETURN(std::unique_ptr<KvStore> store,
                      OpenStore(directory, /*read_only=*/true, key));
  return ledger_internal::VerifyChain(store.get());
}

namespace ledger_internal {

absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbStore(
    const std::string& directory) {
  BW_RETURN_IF_ERROR(MakePrivateDirectory(directory));
  return OpenStore(directory, /*read_only=*/false, /*key=*/nullptr);
}

}  // namespace ledger_internal
}  // namespace bridgework::ledger
