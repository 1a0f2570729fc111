// Process scaffolding shared by the four services: one gRPC server with
// the standard health service (grpc.health.v1) and server reflection,
// listening where told, with the process's transport security
// (libs/common/transport_security.h, docs/security.md), its RPCs measured
// and its Prometheus /metrics served (docs/observability.md), stopped
// cleanly by SIGTERM or SIGINT.
#ifndef BRIDGEWORK_LIBS_COMMON_SERVER_H_
#define BRIDGEWORK_LIBS_COMMON_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "libs/common/transport_security.h"
#include "libs/metrics/metrics.h"

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
  // The process's metrics: every RPC the server finishes is counted and
  // timed in them (bridgework_rpc_server_*). Default: none.
  std::shared_ptr<metrics::Metrics> metrics;
  // When set (and `metrics` is), "host:port" where they are served over
  // plain HTTP at /metrics (port 0: any free port); started before the
  // gRPC server. Default: none.
  std::string metrics_listen;
  // When set, the bound metrics "host:port" is written here (atomically)
  // before the gRPC port file.
  std::string metrics_port_file;
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
// Every call carries the calling thread's trace and run as metadata
// (libs/common/trace.h).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_SERVER_H_
