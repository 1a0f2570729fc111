// bridgework-auditor: owns the RocksDB ledger.
#include <iostream>

#include <CLI/CLI.hpp>

#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "libs/ledger/rocksdb_ledger.h"
#include "services/auditor/auditor_service.h"

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("auditor");
  CLI::App app{
      "bridgework-auditor: the ledger of runs, operations, id map and "
      "dispositions"};
  bridgework::ServerOptions server;
  std::string data_dir;
  bridgework::AddServerFlags(app, server);
  app.add_option("--data-dir", data_dir, "ledger directory (created 0700)")
      ->envname("BRIDGEWORK_DATA_DIR")
      ->required();
  CLI11_PARSE(app, argc, argv);
  auto ledger = bridgework::ledger::OpenRocksDbLedger(data_dir);
  if (!ledger.ok()) {
    std::cerr << "bridgework-auditor: " << ledger.status().message() << "\n";
    return 1;
  }
  bridgework::auditor::AuditorService service(ledger->get());
  absl::Status s = bridgework::ServeUntilSignal(server, {&service});
  if (!s.ok()) {
    std::cerr << "bridgework-auditor: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
