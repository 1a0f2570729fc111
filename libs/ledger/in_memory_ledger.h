// An in-memory ledger for tests of other components (transformer, loader,
// controller). It is the ledger's own logic (kv_ledger.h) over a sorted
// map, so it behaves exactly like RocksDbLedger, minus durability: nothing
// survives the object.
//
// Thread safety: thread-safe.
#ifndef BRIDGEWORK_LIBS_LEDGER_IN_MEMORY_LEDGER_H_
#define BRIDGEWORK_LIBS_LEDGER_IN_MEMORY_LEDGER_H_

#include "libs/ledger/kv_ledger.h"
#include "libs/ledger/ledger.h"

namespace bridgework::ledger {

class InMemoryLedger final : public ledger_internal::KvLedger {
 public:
  InMemoryLedger();
};

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_IN_MEMORY_LEDGER_H_
