// The AuditorClient interface (libs/auditor_client) served in process by a
// Ledger, without gRPC. For tests of the transformer, loader and controller
// that want the auditor's real semantics:
//
//   InMemoryLedger ledger;
//   FaultInjectingLedger faulty(&ledger);           // optional
//   auto auditor = NewLedgerAuditorClient(&faulty);
//
// Thread safety: as the ledger (thread-safe). `ledger` must outlive the
// client.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_AUDITOR_CLIENT_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_AUDITOR_CLIENT_H_

#include <memory>

#include "libs/auditor_client/auditor_client.h"
#include "libs/ledger/ledger.h"

namespace bridgework::ledger {

std::unique_ptr<AuditorClient> NewLedgerAuditorClient(Ledger* ledger);

}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_AUDITOR_CLIENT_H_
