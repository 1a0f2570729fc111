// The ledger: the auditor's durable store, on RocksDB.
//
// It implements the auditor API (AuditorClient) in process; the auditor
// service is a thin gRPC adapter over it. Key layout and durability are in
// docs/design.md ("Ledger keys").
//
// Durability: every write is one RocksDB WriteBatch with sync = true, so an
// intent acknowledged to the loader survives a machine crash, and an
// outcome, its id-map entry and its disposition land together or not at
// all.
// Thread safety: all methods are thread-safe; writes that read first (seq
// allocation, pending intents) are serialised by a mutex.
#ifndef BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/auditor_client/auditor_client.h"

namespace bridgework::ledger {

// Opens (creating if needed) the ledger in `directory`; the directory is
// created 0700 and the files 0600.
absl::StatusOr<std::unique_ptr<AuditorClient>> OpenRocksDbLedger(
    const std::string& directory);

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_ROCKSDB_LEDGER_H_
