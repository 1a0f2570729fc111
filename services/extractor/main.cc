// bridgework-extractor: lists, describes and streams the objects of source
// systems (bridgework.v1.Extractor), with the standard health service and
// server reflection. Stateless; stops on SIGTERM/SIGINT.
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "services/extractor/builtin_sources.h"
#include "services/extractor/extractor_service.h"

int main(int argc, char** argv) {
  // Before any thread exists, so that every thread inherits the mask.
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("extractor");

  CLI::App app{
      "bridgework-extractor: lists, describes and streams source objects"};
  bridgework::ServerOptions server;
  std::string log_level = "info";
  bridgework::AddServerFlags(app, server, log_level);
  CLI11_PARSE(app, argc, argv);

  bridgework::SetLogLevelByName(log_level);
  if (absl::Status tls = bridgework::UseTransportSecurity(
          server.tls, bridgework::SecurityRole::kServer);
      !tls.ok()) {
    std::cerr << "bridgework-extractor: " << tls.message() << "\n";
    return 2;
  }

  auto metrics = std::make_shared<bridgework::metrics::Metrics>("extractor");
  server.metrics = metrics;
  bridgework::extractor::SourceRegistry registry;
  absl::Status s = bridgework::extractor::RegisterBuiltinSources(registry);
  if (s.ok()) {
    bridgework::extractor::ExtractorService service(&registry, metrics.get());
    s = bridgework::ServeUntilSignal(server, {&service});
  }
  if (!s.ok()) {
    std::cerr << "bridgework-extractor: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
