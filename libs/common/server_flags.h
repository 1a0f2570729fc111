// The flags every service shares, each also read from the environment:
// --listen (BRIDGEWORK_LISTEN), --port-file (BRIDGEWORK_PORT_FILE),
// --log-level (BRIDGEWORK_LOG_LEVEL; apply it with SetLogLevelByName),
// --health-listen (BRIDGEWORK_HEALTH_LISTEN), --metrics-listen
// (BRIDGEWORK_METRICS_LISTEN), --metrics-port-file
// (BRIDGEWORK_METRICS_PORT_FILE) and the transport security flags of
// AddTlsFlags (docs/security.md).
#ifndef BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_
#define BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_

#include <CLI/CLI.hpp>

#include <string>

#include "libs/common/server.h"
#include "libs/common/transport_security.h"

namespace bridgework {

// --tls-cert, --tls-key, --tls-ca, --auth-token-file, --tls-server-name
// (BRIDGEWORK_TLS_CERT, _TLS_KEY, _TLS_CA, _AUTH_TOKEN_FILE,
// _TLS_SERVER_NAME). Shared by the services and the `bridgework` CLI.
inline void AddTlsFlags(CLI::App& app, TlsFlags& tls) {
  app.add_option("--tls-cert", tls.cert_file,
                 "this process's TLS certificate chain (PEM): served, and "
                 "presented to the services it calls")
      ->envname("BRIDGEWORK_TLS_CERT");
  app.add_option("--tls-key", tls.key_file, "the certificate's key (PEM)")
      ->envname("BRIDGEWORK_TLS_KEY");
  app.add_option("--tls-ca", tls.ca_file,
                 "CA bundle (PEM) for peers: a server admits client "
                 "certificates it signed (mutual TLS); a client verifies "
                 "servers with it and calls over TLS")
      ->envname("BRIDGEWORK_TLS_CA");
  app.add_option("--auth-token-file", tls.auth_token_file,
                 "file holding the shared bearer token: a server admits "
                 "callers sending it (TLS only); a client sends it")
      ->envname("BRIDGEWORK_AUTH_TOKEN_FILE");
  app.add_option("--tls-server-name", tls.server_name,
                 "name checked in servers' certificates instead of the "
                 "target's host")
      ->envname("BRIDGEWORK_TLS_SERVER_NAME");
}

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
  app.add_option("--health-listen", options.health_listen,
                 "also serve grpc.health.v1 alone here, in plaintext and "
                 "unauthenticated (probes)")
      ->envname("BRIDGEWORK_HEALTH_LISTEN");
  app.add_option("--metrics-listen", options.metrics_listen,
                 "serve Prometheus metrics at http://host:port/metrics "
                 "(port 0: any; docs/observability.md)")
      ->envname("BRIDGEWORK_METRICS_LISTEN");
  app.add_option("--metrics-port-file", options.metrics_port_file,
                 "write the bound metrics host:port here")
      ->envname("BRIDGEWORK_METRICS_PORT_FILE");
  AddTlsFlags(app, options.tls);
}

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_SERVER_FLAGS_H_
