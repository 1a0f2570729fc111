// The services started by hand with several loader replicas of one CRM
// account (what `bridgework up` cannot do): a `bridgework-sandbox` emulator,
// the auditor (ledger and budget authority), the extractor, N loaders on
// ports of their own (some may start later) and a transformer balancing
// over all N addresses ("ipv4:a,b,..."). Shared by budget_integration_test
// and bench/budget. Test-only; not thread-safe.
#ifndef BRIDGEWORK_TESTS_INTEGRATION_REPLICA_SUITE_H_
#define BRIDGEWORK_TESTS_INTEGRATION_REPLICA_SUITE_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/integration/process_util.h"

namespace bridgework::testing {

struct ReplicaSuiteOptions {
  std::string dir;  // state, logs, services.json (created)
  // "null": no emulator; the loaders are null destinations
  // (libs/crm/null_connector.h) whose users are `null_users`.
  std::string crm = "highlevel";
  std::string null_users = "owner@bridgework.example";
  std::string token = "replica-suite-token";
  // The emulator's and the loaders' windows are divided by this.
  double time_scale = 1;
  // Loader addresses the transformer balances over, and how many of them
  // run from the start (the others can be started later).
  int listed = 1;
  int running = 1;
  int loader_streams = 4;
  // Extra arguments: the emulator's (after --crm/--token) and each
  // loader's (after --crm-url; e.g. --location-id for HighLevel).
  std::vector<std::string> emulator_args;
  std::vector<std::string> loader_args;
};

class ReplicaSuite {
 public:
  ReplicaSuite() = default;
  ReplicaSuite(const ReplicaSuite&) = delete;
  ReplicaSuite& operator=(const ReplicaSuite&) = delete;
  ~ReplicaSuite() { StopAll(); }

  // Starts everything; false with `error` set when something did not come
  // up (its log: services.log in the dir).
  bool Start(const ReplicaSuiteOptions& options, std::string* error) {
    options_ = options;
    std::filesystem::create_directories(options.dir);
    log_ = options.dir + "/services.log";
    std::vector<std::string> sandbox = {Bin("bridgework-sandbox"),
                                        "--crm",
                                        options.crm,
                                        "--token",
                                        options.token,
                                        "--port",
                                        "0",
                                        "--time-scale",
                                        absl::StrCat(options.time_scale)};
    sandbox.insert(sandbox.end(), options.emulator_args.begin(),
                   options.emulator_args.end());
    const bool null_crm = options.crm == "null";
    auto emulator = null_crm ? std::optional<std::string>("")
                             : StartService(sandbox, "sandbox", &others_);
    auto auditor =
        StartService({Bin("bridgework-auditor"), "--listen", "127.0.0.1:0",
                      "--data-dir", options.dir + "/ledger"},
                     "auditor", &others_);
    auto extractor =
        StartService({Bin("bridgework-extractor"), "--listen", "127.0.0.1:0"},
                     "extractor", &others_);
    if (!emulator || !auditor || !extractor) {
      *error = "a service did not start (see " + log_ + ")";
      return false;
    }
    emulator_ = null_crm ? "" : "http://" + *emulator;
    auditor_ = *auditor;
    crm_url_ = null_crm                      ? "null:" + options.null_users
               : options.crm == "freshsales" ? emulator_ + "/crm/sales/api"
                                             : emulator_;
    std::vector<std::string> addresses;
    for (int i = 0; i < options.listed; ++i) {
      ports_.push_back(FreePort());
      addresses.push_back(absl::StrCat("127.0.0.1:", ports_.back()));
    }
    loaders_.assign(options.listed, -1);
    for (int i = 0; i < options.running; ++i) StartLoader(i);
    loader_target_ = "ipv4:" + absl::StrJoin(addresses, ",");
    auto transformer = StartService(
        {Bin("bridgework-transformer"), "--listen", "127.0.0.1:0",
         "--extractor", *extractor, "--loader", loader_target_, "--auditor",
         auditor_, "--loader-streams", absl::StrCat(options.loader_streams)},
        "transformer", &others_);
    if (!transformer) {
      *error = "the transformer did not start (see " + log_ + ")";
      return false;
    }
    services_ = options.dir + "/services.json";
    std::ofstream(services_) << nlohmann::json{
        {"extractor", *extractor},
        {"transformer", *transformer},
        {"loader", loader_target_},
        {"auditor", auditor_}}.dump();
    return true;
  }

  // Starts (or restarts) loader `i` on its port, as replica "loader-<i>".
  void StartLoader(int i) {
    std::vector<std::string> argv = {Bin("bridgework-loader"),
                                     "--listen",
                                     absl::StrCat("127.0.0.1:", ports_[i]),
                                     "--auditor",
                                     auditor_,
                                     "--crm",
                                     options_.crm,
                                     "--crm-url",
                                     crm_url_,
                                     "--budget-time-scale",
                                     absl::StrCat(options_.time_scale),
                                     "--replica",
                                     absl::StrCat("loader-", i)};
    argv.insert(argv.end(), options_.loader_args.begin(),
                options_.loader_args.end());
    setenv("BRIDGEWORK_CRM_TOKEN", options_.token.c_str(), 1);
    loaders_[i] = Spawn(argv, log_);
  }

  // SIGKILL: the replica dies mid-work, as a pod would.
  void KillLoader(int i) {
    if (loaders_[i] <= 0) return;
    kill(loaders_[i], SIGKILL);
    Wait(loaders_[i]);
    loaders_[i] = -1;
  }

  void StopAll() {
    for (pid_t& p : loaders_) Stop(&p);
    for (auto it = others_.rbegin(); it != others_.rend(); ++it) Stop(&*it);
    others_.clear();
  }

  const std::string& services() const { return services_; }
  const std::string& emulator() const { return emulator_; }
  const std::string& auditor() const { return auditor_; }
  const std::string& log() const { return log_; }

 private:
  // Starts a service with --port-file; its address ("host:port", what the
  // file holds) once the file is there.
  std::optional<std::string> StartService(std::vector<std::string> argv,
                                          const std::string& name,
                                          std::vector<pid_t>* pids) {
    std::string port_file = options_.dir + "/" + name + ".port";
    argv.push_back("--port-file");
    argv.push_back(port_file);
    pids->push_back(Spawn(argv, log_));
    for (int i = 0; i < 600; ++i) {
      std::string address = ReadAll(port_file);
      while (!address.empty() &&
             (address.back() == '\n' || address.back() == ' ')) {
        address.pop_back();
      }
      if (!address.empty()) return address;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }

  ReplicaSuiteOptions options_;
  std::string log_, emulator_, auditor_, crm_url_, loader_target_, services_;
  std::vector<int> ports_;
  std::vector<pid_t> loaders_;
  std::vector<pid_t> others_;
};

}  // namespace bridgework::testing

#endif  // BRIDGEWORK_TESTS_INTEGRATION_REPLICA_SUITE_H_
