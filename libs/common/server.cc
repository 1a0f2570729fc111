#include "libs/common/server.h"

#include <pthread.h>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/log.h"

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
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(),
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
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen));
  }
  std::vector<std::string> parts = absl::StrSplit(options.listen, ':');
  std::string host = parts.size() > 1 ? parts[0] : "127.0.0.1";
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  std::string addr = absl::StrCat(host, ":", port);
  if (!options.port_file.empty()) {
    absl::Status s = WritePortFile(options.port_file, addr);
    if (!s.ok()) return s;
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  LogInfo("serving", {{"address", addr}});

  int sig = WaitForTerminationSignal();
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server->GetHealthCheckService()->SetServingStatus(false);
  if (on_shutdown) on_shutdown();
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::seconds(options.shutdown_grace_seconds));
  server->Wait();
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
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

}  // namespace bridgework
