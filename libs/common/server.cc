#include "libs/common/server.h"

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/log.h"
#include "libs/common/trace.h"

namespace bridgework {
namespace {

constexpr int kMaxMessageBytes = 64 << 20;

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

absl::Status WritePortFile(const std::string& path, const std::string& addr) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
    out << addr << "\n";
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename to ", path));
  }
  return absl::OkStatus();
}

// For the start-up log line: what protects the service port.
std::string TransportName(const TransportSecurity& s) {
  if (!s.server_tls()) return "plaintext";
  return s.ca_pem.empty() ? "tls" : "mtls";
}

// Who may call (never the token itself).
std::string CallerAuthName(const TransportSecurity& s) {
  if (!s.authenticates_callers()) return "anyone";
  if (!s.ca_pem.empty() && !s.auth_token.empty()) {
    return "client certificate or bearer token";
  }
  return s.ca_pem.empty() ? "bearer token" : "client certificate";
}

// Counts and times every RPC the server finishes: from its arrival to the
// status sent (bridgework_rpc_server_*; a stream's whole life).
class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(std::string method, metrics::Metrics* metrics)
      : method_(std::move(method)),
        metrics_(metrics),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start_;
      metrics_->RpcHandled(
          method_,
          absl::StatusCodeToString(static_cast<absl::StatusCode>(
              methods->GetSendStatus().error_code())),
          elapsed.count());
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  metrics::Metrics* const metrics_;
  const std::chrono::steady_clock::time_point start_;
};

class RpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(metrics::Metrics* metrics)
      : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RpcMetricsInterceptor(info->method() ? info->method() : "",
                                     metrics_);
  }

 private:
  metrics::Metrics* const metrics_;
};

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

absl::Status ServeUntilSignal(const ServerOptions& options,
                              const std::vector<grpc::Service*>& services,
                              const std::function<void()>& on_shutdown) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::shared_ptr<const TransportSecurity> security =
      ProcessTransportSecurity();
  // Metrics first: whoever waits for the gRPC port file finds the metrics
  // port file already written.
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (options.metrics != nullptr && !options.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> started =
        metrics::MetricsServer::Start(options.metrics_listen, options.metrics);
    if (!started.ok()) return started.status();
    metrics_server = std::move(*started);
    if (!options.metrics_port_file.empty()) {
      absl::Status s =
          WritePortFile(options.metrics_port_file, metrics_server->address());
      if (!s.ok()) return s;
    }
  }
  grpc::ServerBuilder builder;
  if (options.metrics != nullptr) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<RpcMetricsInterceptorFactory>(options.metrics.get()));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  int port = 0;
  builder.AddListeningPort(options.listen, MakeServerCredentials(*security),
                           &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Connections are recycled every few minutes (calls in flight finish on
  // the old one): clients balancing over a DNS name (the transformer over
  // the loader replicas) re-resolve it then and pick up replicas added
  // since (docs/budget.md).
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 120000);
  for (grpc::Service* s : services) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        security->server_tls()
            ? " (or --tls-cert/--tls-key are not a certificate and its key)"
            : ""));
  }
  // Health alone, in plaintext: the process's other services are not
  // registered here, so nothing but SERVING/NOT_SERVING is exposed.
  std::unique_ptr<grpc::Server> health_server;
  if (!options.health_listen.empty()) {
    grpc::ServerBuilder health_builder;
    int health_port = 0;
    health_builder.AddListeningPort(
        options.health_listen, grpc::InsecureServerCredentials(), &health_port);
    health_server = health_builder.BuildAndStart();
    if (health_server == nullptr || health_port == 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on --health-listen ", options.health_listen));
    }
  }
  std::vector<std::string> parts = absl::StrSplit(options.listen, ':');
  std::string host = parts.size() > 1 ? parts[0] : "127.0.0.1";
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  std::string addr = absl::StrCat(host, ":", port);
  if (!options.port_file.empty()) {
    absl::Status s = WritePortFile(options.port_file, addr);
    if (!s.ok()) return s;
  }
  auto set_serving = [&](bool serving) {
    server->GetHealthCheckService()->SetServingStatus(serving);
    if (health_server != nullptr) {
      health_server->GetHealthCheckService()->SetServingStatus(serving);
    }
  };
  set_serving(true);
  LogInfo("serving",
          {{"address", addr},
           {"transport", TransportName(*security)},
           {"callers", CallerAuthName(*security)},
           {"health_listen", options.health_listen},
           {"metrics", metrics_server != nullptr ? metrics_server->address()
                                                 : std::string()}});

  int sig = WaitForTerminationSignal();
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  set_serving(false);
  if (on_shutdown) on_shutdown();
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::seconds(options.shutdown_grace_seconds);
  server->Shutdown(deadline);
  server->Wait();
  if (health_server != nullptr) {
    health_server->Shutdown(deadline);
    health_server->Wait();
  }
  LogInfo("stopped");
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  // Calls spread over every address the target resolves to (replicas
  // behind a headless Service, or an "ipv4:a,b" list); one address
  // behaves as pick_first. A replica that comes (back) up is tried again
  // within seconds, not gRPC's default two minutes.
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  std::shared_ptr<const TransportSecurity> security =
      ProcessTransportSecurity();
  // Every address the target resolves to is checked against the same
  // name: the target's host (e.g. "bridgework-loader" for
  // "dns:///bridgework-loader:7103"), or --tls-server-name.
  if (security->client_tls() && !security->server_name.empty()) {
    args.SetSslTargetNameOverride(security->server_name);
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, MakeChannelCredentials(*security), args,
      TraceClientInterceptors());
}

}  // namespace bridgework
