// The durable ledger, on RocksDB (docs/ledger.md).
//
// Durability: every acknowledged write is one RocksDB WriteBatch written
// with WriteOptions.sync = true, so it survives a machine crash, and the
// entries of one request (an outcome, its id-map entry, its disposition)
// land together or not at all.
// Files: the directory is created 0700 when missing and every file RocksDB
// creates in it is 0600 (see Open).
// Thread safety: thread-safe (see kv_ledger.h).
#ifndef BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/ledger/kv_ledger.h"
#include "libs/ledger/ledger.h"

namespace bridgework::ledger {

class RocksDbLedger final : public ledger_internal::KvLedger {
 public:
  // Opens the ledger in `directory`, creating it (0700) and the database
  // when missing. Only one process may open a directory at a time (RocksDB
  // holds a lock file): a second Open fails with UNAVAILABLE.
  // Every file RocksDB creates in the directory, now or later, is chmod-ed
  // to 0600 through a FileSystem wrapper (no process-wide umask change).
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(
      const std::string& directory);

 private:
  using KvLedger::KvLedger;
};

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_
