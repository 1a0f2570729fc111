#include "tools/bridgework/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "libs/common/grpc_status.h"
#include "libs/common/server.h"

extern char** environ;

namespace bridgework::cli {
namespace {

namespace fs = std::filesystem;

std::string ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string BinaryDir() {
  if (const char* dir = std::getenv("BRIDGEWORK_BIN_DIR")) return dir;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

absl::Status ServingStatus(const std::string& address, int timeout_ms) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(address));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(timeout_ms));
  ctx.set_wait_for_ready(true);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  if (resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError("not serving");
  }
  return absl::OkStatus();
}

bool IsServing(const std::string& address, int timeout_ms) {
  return ServingStatus(address, timeout_ms).ok();
}

absl::Status CheckReachable(const std::string& name, const std::string& address,
                            int timeout_ms) {
  absl::Status s = ServingStatus(address, timeout_ms);
  if (s.ok()) return s;
  if (absl::IsUnauthenticated(s)) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the ", name, " at ", address, " refused this client: ", s.message()));
  }
  return absl::UnavailableError(absl::StrCat(
      "cannot reach the ", name, " at ", address,
      " (is `bridgework up` running? a TLS service also needs --tls-ca here)"));
}

Supervisor::~Supervisor() { StopAll(); }

absl::StatusOr<Child> Supervisor::Start(const ChildSpec& spec,
                                        bool grpc_service, int timeout_s) {
  fs::create_directories(state_dir_);
  Child child;
  child.name = spec.name;
  child.spec = spec;
  child.grpc_service = grpc_service;
  child.log_path = (fs::path(state_dir_) / (spec.name + ".log")).string();
  std::string port_file =
      (fs::path(state_dir_) / (spec.name + ".port")).string();
  fs::remove(port_file);
  if (!fs::exists(spec.binary)) {
    return absl::NotFoundError(absl::StrCat("binary not found: ", spec.binary));
  }
  std::vector<std::string> argv_s{spec.binary};
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  argv_s.push_back("--port-file");
  argv_s.push_back(port_file);
  std::vector<std::string> env_s;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    std::string key = kv.substr(0, kv.find('='));
    if (!spec.env.count(key)) env_s.push_back(kv);
  }
  for (const auto& [k, v] : spec.env) env_s.push_back(k + "=" + v);

  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Child: own process group, output to its log, signals unblocked.
    setpgid(0, 0);
    // Die with the supervisor: no orphaned services.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int fd = open(child.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> argv, envp;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  child.pid = pid;
  children_.push_back(child);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      children_.pop_back();
      return absl::FailedPreconditionError(absl::StrCat(
          spec.name, " exited during start-up (code ",
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
          "); see ", child.log_path));
    }
    if (fs::exists(port_file)) {
      child.address = ReadPortFile(port_file);
      if (!child.address.empty() &&
          (!grpc_service || IsServing(child.address, 500))) {
        children_.back().address = child.address;
        started_[spec.name] = child;
        return child;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop(spec.name, 1);
  return absl::DeadlineExceededError(
      absl::StrCat(spec.name, " did not start within ", timeout_s, " s; see ",
                   child.log_path));
}

int Supervisor::Stop(const std::string& name, int grace_s) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->name != name) continue;
    pid_t pid = it->pid;
    children_.erase(it);
    kill(pid, SIGTERM);
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 128 + SIGKILL;
  }
  return -1;
}

void Supervisor::Kill(const std::string& name) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->name != name) continue;
    kill(it->pid, SIGKILL);
    int status = 0;
    waitpid(it->pid, &status, 0);
    children_.erase(it);
    return;
  }
}

absl::StatusOr<Child> Supervisor::Restart(const std::string& name,
                                          int timeout_s) {
  auto it = started_.find(name);
  if (it == started_.end()) {
    return absl::NotFoundError(absl::StrCat(name, " was never started"));
  }
  const Child last = it->second;
  ChildSpec spec = last.spec;
  const std::string port = last.address.substr(last.address.rfind(':') + 1);
  for (size_t i = 0; i + 1 < spec.args.size(); ++i) {
    if (spec.args[i] == "--listen") spec.args[i + 1] = last.address;
    if (spec.args[i] == "--port") spec.args[i + 1] = port;
  }
  // The restarted process keeps the first start's spec (port 0 and all).
  absl::StatusOr<Child> child = Start(spec, last.grpc_service, timeout_s);
  if (child.ok()) {
    started_[name].spec = last.spec;
    for (Child& c : children_) {
      if (c.name == name) c.spec = last.spec;
    }
  }
  return child;
}

void Supervisor::StopAll() {
  // Reverse start order: the transformer before its peers, the auditor last.
  while (!children_.empty()) Stop(children_.back().name, 10);
}

}  // namespace bridgework::cli
