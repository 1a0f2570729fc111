// bridgework-extractor: lists, describes and streams the objects of source
// systems (bridgework.v1.Extractor), with the standard health service and
// server reflection. Stateless; stops on SIGTERM/SIGINT.
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "libs/common/log.h"
#include "libs/common/server.h"
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
  app.add_option("--listen", server.listen,
                 "host:port to serve on (port 0: any free port)")
      ->envname("BRIDGEWORK_LISTEN");
  app.add_option("--port-file", server.port_file,
                 "write the bound host:port to this file once serving")
      ->envname("BRIDGEWORK_PORT_FILE");
  app.add_option("--log-level", log_level, "debug, info, warning or error")
      ->envname("BRIDGEWORK_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  CLI11_PARSE(app, argc, argv);

  static const std::map<std::string, bridgework::LogLevel> kLevels = {
      {"debug", bridgework::LogLevel::kDebug},
      {"info", bridgework::LogLevel::kInfo},
      {"warning", bridgework::LogLevel::kWarning},
      {"error", bridgework::LogLevel::kError}};
  bridgework::SetLogLevel(kLevels.at(log_level));

  bridgework::extractor::SourceRegistry registry;
  absl::Status s = bridgework::extractor::RegisterBuiltinSources(registry);
  if (s.ok()) {
    bridgework::extractor::ExtractorService service(&registry);
    s = bridgework::ServeUntilSignal(server, {&service});
  }
  if (!s.ok()) {
    std::cerr << "bridgework-extractor: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
