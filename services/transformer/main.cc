// bridgework-transformer: drives a run's data path and applies the map.
#include <iostream>

#include <CLI/CLI.hpp>

#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "libs/mapping/phi.h"
#include "services/transformer/transformer_service.h"

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("transformer");
  CLI::App app{
      "bridgework-transformer: maps source records and streams them to the "
      "loader"};
  bridgework::ServerOptions server;
  bridgework::transformer::TransformerPeers peers;
  std::string log_level = "info";
  bridgework::AddServerFlags(app, server, log_level);
  app.add_option("--extractor", peers.extractor, "extractor address")
      ->envname("BRIDGEWORK_EXTRACTOR")
      ->required();
  app.add_option("--loader", peers.loader, "loader address")
      ->envname("BRIDGEWORK_LOADER")
      ->required();
  app.add_option("--loader-streams", peers.loader_streams,
                 "loader calls per route with a batch in flight; the "
                 "--loader channel balances them round robin over the "
                 "addresses it resolves (docs/budget.md)")
      ->envname("BRIDGEWORK_LOADER_STREAMS")
      ->check(CLI::Range(1, 64));
  app.add_option("--auditor", peers.auditor, "auditor address")
      ->envname("BRIDGEWORK_AUDITOR")
      ->required();
  std::string phi_key_file;
  app.add_option("--phi-key-file", phi_key_file,
                 "the master key of `phi: hash` fields (at least 32 bytes: "
                 "openssl rand -hex 32); without it, a documented default "
                 "that is not secret (docs/phi.md)")
      ->envname("BRIDGEWORK_PHI_KEY_FILE");
  CLI11_PARSE(app, argc, argv);
  bridgework::SetLogLevelByName(log_level);
  if (absl::Status tls = bridgework::UseTransportSecurity(
          server.tls, bridgework::SecurityRole::kServer);
      !tls.ok()) {
    std::cerr << "bridgework-transformer: " << tls.message() << "\n";
    return 2;
  }
  auto metrics = std::make_shared<bridgework::metrics::Metrics>("transformer");
  server.metrics = metrics;
  peers.metrics = metrics.get();
  if (!phi_key_file.empty()) {
    absl::StatusOr<std::string> key =
        bridgework::mapping::ReadPhiMasterKey(phi_key_file);
    if (!key.ok()) {
      std::cerr << "bridgework-transformer: " << key.status().message() << "\n";
      return 2;
    }
    peers.phi_master_key = *std::move(key);
  }
  bridgework::transformer::TransformerService service(peers);
  absl::Status s = bridgework::ServeUntilSignal(server, {&service});
  if (!s.ok()) {
    std::cerr << "bridgework-transformer: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
