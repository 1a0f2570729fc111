// bridgework-extractor: reads source systems and streams their records.
#include <iostream>

#include <CLI/CLI.hpp>

#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/server_flags.h"
#include "services/extractor/extractor_service.h"

int main(int argc, char** argv) {
  bridgework::BlockTerminationSignals();
  bridgework::SetLogService("extractor");
  CLI::App app{
      "bridgework-extractor: lists, describes and streams source objects"};
  bridgework::ServerOptions server;
  bridgework::AddServerFlags(app, server);
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
