// The flags every service shares, each also read from the environment:
// --listen (BRIDGEWORK_LISTEN) and --port-file (BRIDGEWORK_PORT_FILE).
#ifndef BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_
#define BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_

#include <CLI/CLI.hpp>

#include "libs/common/server.h"

namespace bridgework {

inline void AddServerFlags(CLI::App& app, ServerOptions& options) {
  app.add_option("--listen", options.listen,
                 "host:port to serve on (port 0: any)")
      ->envname("BRIDGEWORK_LISTEN");
  app.add_option("--port-file", options.port_file,
                 "write the bound host:port here")
      ->envname("BRIDGEWORK_PORT_FILE");
}

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_
