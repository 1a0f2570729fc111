// Process scaffolding shared by the four services: one gRPC server with
// the standard health service (grpc.health.v1) and server reflection,
// listening where told, with the process's transport security
// (libs/common/transport_security.h, docs/security.md), stopped cleanly by
// SIGTERM or SIGINT.
#ifndef BRIDGEWORK_LIBS_COMMON_SERVER_H_
#define BRIDGEWORK_LIBS_COMMON_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "libs/common/transport_security.h"

namespace bridgework {

struct ServerOptions {
  // "host:port"; port 0 picks a free port. Default "127.0.0.1:0".
  std::string listen = "127.0.0.1:0";
  // When set, the chosen "host:port" is written here (atomically) once the
  // server accepts connections.
  std::string port_file;
  // How long in-flight RPCs may finish after a signal. Default 5 s.
  int shutdown_grace_seconds = 5;
  // When set, "host:port" where grpc.health.v1 alone is also served, in
  // plaintext and unauthenticated (Kubernetes' gRPC probes cannot speak
  // TLS). Default: none.
  std::string health_listen;
  // The TLS files and token (--tls-*, --auth-token-file). The server uses
  // what UseTransportSecurity made the process's security; main calls it
  // with these right after parsing the flags.
  TlsFlags tls;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it
// starts afterwards. Call first thing in main, before any thread exists.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT (blocked by BlockTerminationSignals) and
// returns which.
int WaitForTerminationSignal();

// Builds and starts the server with `services` (not owned; they must
// outlive the call) and the process's transport security (TLS, and the
// caller check when it authenticates callers), and the health-only
// plaintext server when options.health_listen is set; marks them SERVING
// in the health service, then waits for SIGTERM or SIGINT. On a signal it
// marks health NOT_SERVING, calls `on_shutdown` (to cancel long-running
// work), and shuts the servers down with the grace period. Returns an
// error only if a server cannot start.
absl::Status ServeUntilSignal(const ServerOptions& options,
                              const std::vector<grpc::Service*>& services,
                              const std::function<void()>& on_shutdown = {});

// A channel to a peer service, with the process's transport security
// (TLS when it has a CA; its certificate and bearer token when it has
// them). Message size limits are raised to 64 MiB so that long notes fit.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_SERVER_H_
