// bridgework-extractor: reads source systems and streams their records.
#include <iostream>

#include <CLI/CLI.hpp>

#include "libs/common/log.h"
#include "libs/common/server.h"
#include "services/extractor/extractor_service.h"

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("extractor");
  CLI::App app{
      "bridgework-extractor: lists, describes and streams source objects"};
  bridgework::ServerOptions server;
  app.add_option("--listen", server.listen,
                 "host:port to serve on (port 0: any)")
      ->envname("BRIDGEWORK_LISTEN");
  app.add_option("--port-file", server.port_file,
                 "write the bound host:port here")
      ->envname("BRIDGEWORK_PORT_FILE");
  CLI11_PARSE(app, argc, argv);
  bridgework::extractor::SourceRegistry registry;
  bridgework::extractor::RegisterBuiltinSources(registry);
  bridgework::extractor::ExtractorService service(&registry);
  absl::Status s = bridgework::ServeUntilSignal(server, {&service});
  if (!s.ok()) {
    std::cerr << "bridgework-extractor: " << s.message() << "\n";
    return 1;
  }
  return 0;
}
