#include "libs/ledger/in_memory_ledger.h"

#include <cstdlib>

#include "libs/ledger/kv_store.h"

namespace bridgework::ledger {

InMemoryLedger::InMemoryLedger()
    : KvLedger(ledger_internal::NewInMemoryKvStore()) {
  // An empty map cannot hold another format and cannot fail to read.
  if (!Load().ok()) std::abort();
}

}  // namespace bridgework::ledger
