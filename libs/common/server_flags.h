// The flags every service shares, each also read from the environment:
// --listen (BRIDGEWORK_LISTEN), --port-file (BRIDGEWORK_PORT_FILE) and
// --log-level (BRIDGEWORK_LOG_LEVEL; apply it with SetLogLevelByName).
#ifndef BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_
#define BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_

#include <CLI/CLI.hpp>

#include <string>

#include "libs/common/server.h"

namespace bridgework {

inline void AddServerFlags(CLI::App& app, ServerOptions& options,
                           std::string& log_level) {
  app.add_option("--listen", options.listen,
                 "host:port to serve on (port 0: any)")
      ->envname("BRIDGEWORK_LISTEN");
  app.add_option("--port-file", options.port_file,
                 "write the bound host:port here")
      ->envname("BRIDGEWORK_PORT_FILE");
  app.add_option("--log-level", log_level, "debug, info, warning or error")
      ->envname("BRIDGEWORK_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
}

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_
