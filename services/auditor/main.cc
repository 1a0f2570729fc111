// bridgework-auditor: serves bridgework.v1.Auditor over the RocksDB ledger
// in --data-dir (docs/ledger.md), and bridgework.v1.Budget, the rate budget
// shared by the loader replicas (docs/budget.md).
//
// With --ledger-key-file (or BRIDGEWORK_LEDGER_KEY_FILE) every ledger value
// is AES-256-GCM encrypted at rest (docs/ledger.md "At rest"); the key is
// never logged, only its id.
//
// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when the
// ledger cannot be opened (including an encryption mismatch: an encrypted
// ledger without its key, a plaintext one with a key, a wrong key) or the
// server cannot start, 2 on bad flags.
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "libs/budget/budget_authority.h"
#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "libs/ledger/rocksdb_ledger.h"
#include "services/auditor/auditor_service.h"
#include "services/auditor/budget_metrics.h"
#include "services/auditor/budget_service.h"
#include "services/auditor/metered_ledger.h"

int main(int argc, char** argv) {
  // First, before any thread exists, so that only ServeUntilSignal sees
  // the termination signals.
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("auditor");

  CLI::App app{
      "bridgework-auditor: the ledger of runs, CRM operations, the id map, "
      "dispositions and cursors"};
  bridgework::ServerOptions server;
  std::string data_dir;
  std::string key_file;
  std::string log_level = "info";
  bridgework::AddServerFlags(app, server, log_level);
  app.add_option("--data-dir", data_dir,
                 "ledger directory (created 0700 when missing)")
      ->envname("BRIDGEWORK_DATA_DIR")
      ->required();
  app.add_option("--ledger-key-file", key_file,
                 "encrypt the ledger's values (AES-256-GCM) with the key in "
                 "this file: 64 hex digits or 32 raw bytes "
                 "(openssl rand -hex 32)")
      ->envname("BRIDGEWORK_LEDGER_KEY_FILE");
  CLI11_PARSE(app, argc, argv);

  bridgework::SetLogLevelByName(log_level);
  if (absl::Status tls = bridgework::UseTransportSecurity(
          server.tls, bridgework::SecurityRole::kServer);
      !tls.ok()) {
    std::cerr << "bridgework-auditor: " << tls.message() << "\n";
    return 2;
  }

  std::optional<bridgework::ledger::LedgerKey> key;
  if (!key_file.empty()) {
    auto read = bridgework::ledger::LedgerKey::FromFile(key_file);
    if (!read.ok()) {
      bridgework::LogError("cannot read the ledger key",
                           {{"error", std::string(read.status().message())}});
      std::cerr << "bridgework-auditor: " << read.status().message() << "\n";
      return 1;
    }
    key = std::move(*read);
  }
  auto ledger = bridgework::ledger::RocksDbLedger::Open(
      data_dir, key.has_value() ? &*key : nullptr);
  if (!ledger.ok()) {
    bridgework::LogError("cannot open the ledger",
                         {{"data_dir", data_dir},
                          {"error", std::string(ledger.status().message())}});
    std::cerr << "bridgework-auditor: " << ledger.status().message() << "\n";
    return 1;
  }
  bridgework::LogInfo("ledger open",
                      {{"data_dir", data_dir},
                       {"encryption", key.has_value() ? "aes-256-gcm" : "none"},
                       {"key_id", key.has_value() ? key->id() : ""}});
  absl::Status s;
  {
    auto metrics = std::make_shared<bridgework::metrics::Metrics>("auditor");
    server.metrics = metrics;
    // Write latency, operations and dispositions, measured on the way in.
    bridgework::auditor::MeteredLedger metered(ledger->get(), metrics.get());
    // The service must go before the ledger it borrows.
    bridgework::auditor::AuditorService service(&metered);
    // The rate budget every loader replica of an account leases from; its
    // use is read at each scrape (the metrics server stops with
    // ServeUntilSignal, before the authority goes).
    bridgework::budget::BudgetAuthority authority;
    metrics->AddCollectable(
        bridgework::auditor::MakeBudgetCollectable(&authority));
    bridgework::auditor::BudgetService budget(&authority);
    s = bridgework::ServeUntilSignal(server, {&service, &budget});
  }
  if (!s.ok()) {
    std::cerr << "bridgework-auditor: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
