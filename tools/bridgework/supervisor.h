// Starts the suite's processes on loopback, waits until each serves, and
// stops them. Used by `bridgework up` and `bridgework demo`, and by tests.
//
// Thread safety: not thread-safe.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_SUPERVISOR_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_SUPERVISOR_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace bridgework::cli {

struct ChildSpec {
  std::string name;    // "auditor"
  std::string binary;  // absolute path
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // added to the inherited environment
};

struct Child {
  std::string name;
  pid_t pid = 0;
  std::string address;  // host:port from its port file
  std::string log_path;
  ChildSpec spec;  // what it was started with
  bool grpc_service = false;
};

class Supervisor {
 public:
  // Logs and port files go under `state_dir`.
  explicit Supervisor(std::string state_dir)
      : state_dir_(std::move(state_dir)) {}
  ~Supervisor();  // stops whatever is still running

  // Starts `spec` with --port-file appended, waits (up to `timeout_s`) for
  // the port file and, for gRPC services, for grpc.health.v1 SERVING.
  absl::StatusOr<Child> Start(const ChildSpec& spec, bool grpc_service,
                              int timeout_s = 30);
  // SIGTERM, then SIGKILL after `grace_s`. Returns the exit code (or
  // 128+signal).
  int Stop(const std::string& name, int grace_s = 10);
  // SIGKILL, no grace: crash simulation.
  void Kill(const std::string& name);
  // Starts `name` again after Kill or Stop, with its spec and at its last
  // address: "--listen host:0" becomes "--listen <address>" (so peers and
  // services.json stay right), "--port 0" the port. NOT_FOUND when it was
  // never started.
  absl::StatusOr<Child> Restart(const std::string& name, int timeout_s = 30);
  void StopAll();
  const std::vector<Child>& children() const { return children_; }

 private:
  std::string state_dir_;
  std::vector<Child> children_;
  // Every child ever started, by name (the last start).
  std::map<std::string, Child> started_;
};

// Where the suite's binaries are: $BRIDGEWORK_BIN_DIR, else the directory
// of the running binary (build/bin).
std::string BinaryDir();

// OK when a grpc.health.v1 Check on `address` (with the process's
// transport security) answers SERVING within `timeout_ms`; else the
// call's error (UNAUTHENTICATED when the service refused this client).
absl::Status ServingStatus(const std::string& address, int timeout_ms);
bool IsServing(const std::string& address, int timeout_ms);

// ServingStatus as the CLI reports it: OK, UNAUTHENTICATED "the <name> at
// <address> refused this client: <why>", or UNAVAILABLE "cannot reach the
// <name> at <address> ...".
absl::Status CheckReachable(const std::string& name, const std::string& address,
                            int timeout_ms);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_SUPERVISOR_H_
