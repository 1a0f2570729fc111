// A ledger's RocksDB opened directly, with every column family it has, for
// tests that inspect or tamper with the stored keys underneath the ledger
// (docs/ledger.md, "Column families"). Keys go to the family
// RocksDbLedger::ColumnFamilyOf names, or to "default" in a ledger from
// before the families.
//
// Thread safety: none. Not for use while an auditor holds the directory
// (read-write) or writes it (read-only sees what was written so far).
#ifndef BRIDGEWORK_LIBS_LEDGER_RAW_LEDGER_DB_H_
#define BRIDGEWORK_LIBS_LEDGER_RAW_LEDGER_DB_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>

#include "libs/ledger/rocksdb_ledger.h"

namespace bridgework::ledger {

class RawLedgerDb {
 public:
  // Null (with the reason in `*error`) when RocksDB refuses.
  static std::unique_ptr<RawLedgerDb> Open(const std::string& directory,
                                           bool read_only, std::string* error) {
    rocksdb::Options options;
    std::vector<std::string> names;
    rocksdb::Status s =
        rocksdb::DB::ListColumnFamilies(options, directory, &names);
    if (!s.ok()) {
      *error = s.ToString();
      return nullptr;
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names) {
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    auto raw = std::unique_ptr<RawLedgerDb>(new RawLedgerDb());
    rocksdb::DB* db = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    s = read_only
            ? rocksdb::DB::OpenForReadOnly(options, directory, descriptors,
                                           &handles, &db)
            : rocksdb::DB::Open(options, directory, descriptors, &handles, &db);
    if (!s.ok()) {
      *error = s.ToString();
      return nullptr;
    }
    raw->db_.reset(db);
    for (size_t i = 0; i < names.size(); ++i) {
      raw->families_[names[i]] = handles[i];
    }
    return raw;
  }

  ~RawLedgerDb() {
    for (auto& [name, handle] : families_)
      db_->DestroyColumnFamilyHandle(handle);
  }

  // The families' names, sorted.
  std::vector<std::string> families() const {
    std::vector<std::string> out;
    for (const auto& [name, handle] : families_) out.push_back(name);
    return out;
  }

  rocksdb::ColumnFamilyHandle* FamilyOf(std::string_view key) const {
    auto it = families_.find(RocksDbLedger::ColumnFamilyOf(key));
    return it != families_.end()
               ? it->second
               : families_.at(rocksdb::kDefaultColumnFamilyName);
  }

  // Keys starting with `prefix` in `family` (default: where such keys
  // belong), in order.
  std::vector<std::string> Keys(const std::string& prefix,
                                const std::string& family = "") const {
    rocksdb::ColumnFamilyHandle* handle =
        family.empty() ? FamilyOf(prefix) : families_.at(family);
    std::vector<std::string> keys;
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), handle));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      keys.push_back(it->key().ToString());
    }
    return keys;
  }

  std::optional<std::string> Get(const std::string& key) const {
    std::string value;
    if (!db_->Get(rocksdb::ReadOptions(), FamilyOf(key), key, &value).ok()) {
      return std::nullopt;
    }
    return value;
  }
  bool Put(const std::string& key, const std::string& value) {
    return db_->Put(rocksdb::WriteOptions(), FamilyOf(key), key, value).ok();
  }
  bool Delete(const std::string& key) {
    return db_->Delete(rocksdb::WriteOptions(), FamilyOf(key), key).ok();
  }

 private:
  RawLedgerDb() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_;
};

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_RAW_LEDGER_DB_H_
