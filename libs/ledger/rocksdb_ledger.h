// The durable ledger, on RocksDB (docs/ledger.md).
//
// Durability: every acknowledged write is one RocksDB WriteBatch written
// with WriteOptions.sync = true, so it survives a machine crash, and the
// entries of one request (an outcome, its id-map entry, its disposition)
// land together or not at all.
// Files: the directory is made 0700 (created so when missing) and every
// file RocksDB creates in it is 0600 (see Open).
// At rest: with a LedgerKey every value is AES-256-GCM encrypted
// (ledger_crypto.h); every audited write is hash-chained (ledger_chain.h).
// Thread safety: thread-safe (see kv_ledger.h).
#ifndef BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/ledger/kv_ledger.h"
#include "libs/ledger/ledger.h"
#include "libs/ledger/ledger_chain.h"
#include "libs/ledger/ledger_crypto.h"

namespace bridgework::ledger {

class RocksDbLedger final : public ledger_internal::KvLedger {
 public:
  // Opens the ledger in `directory`, creating it and the database when
  // missing, and making the directory 0700 either way. Only one process may
  // open a directory at a time (RocksDB holds a lock file): a second Open
  // fails with UNAVAILABLE.
  // Every file RocksDB creates in the directory, now or later, is chmod-ed
  // to 0600 through a FileSystem wrapper (no process-wide umask change).
  // `key` (may be null) encrypts every value; FAILED_PRECONDITION, with the
  // fix in the message, when the ledger's encryption does not match it (an
  // encrypted ledger without its key, a plaintext one with a key, another
  // key). The key is copied; its bytes are never logged.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(
      const std::string& directory, const LedgerKey* key = nullptr);

  // Opens the ledger in `directory` read-only (no lock: a running auditor
  // may hold it; what it wrote up to now is read) and walks its hash chain
  // (ledger_internal::VerifyChain). NOT_FOUND when there is no ledger;
  // the encryption checks of Open.
  static absl::StatusOr<ChainVerdict> Verify(const std::string& directory,
                                             const LedgerKey* key = nullptr);

  // The RocksDB column family holding `key` in a ledger created since the
  // seventeenth session (docs/ledger.md, "Column families"): "operations"
  // for `o/`, "chain" for `h/`, "default" for every other table. A ledger
  // created before holds every key in "default". For tools and tests that
  // read the database directly.
  static std::string ColumnFamilyOf(std::string_view key);

 private:
  using KvLedger::KvLedger;
};

namespace ledger_internal {

// The store under RocksDbLedger (without encryption), opened as Open does:
// for tests of the store itself.
absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbStore(
    const std::string& directory);

}  // namespace ledger_internal
}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_
