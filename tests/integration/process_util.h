// Running the real binaries from integration tests: where they are, where
// the source tree is, starting one with its output appended to a log, and
// reading a file back (CSV included). Test-only; not thread-safe (fork).
#ifndef BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_
#define BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgework::testing {

// A loopback port for a child process to listen on: below the kernel's
// ephemeral range (which bind(0) and outgoing connections draw from), so
// that tests running beside this one cannot take it between now and the
// child binding it; free now, and not handed out before by this process.
// -1 when none is found.
inline int FreePort() {
  static std::mt19937 rng(std::random_device{}());
  static std::set<int> used;
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = pick(rng);
    if (!used.insert(port).second) continue;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool free = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    close(s);
    if (free) return port;
  }
  return -1;
}

// build/bin/<name>, or $BRIDGEWORK_BIN_DIR/<name> (set by ctest).
inline std::string Bin(const std::string& name) {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

// The source tree: $BRIDGEWORK_SOURCE_DIR (set by ctest), else ".".
inline std::string SourceDir() {
  const char* dir = std::getenv("BRIDGEWORK_SOURCE_DIR");
  return dir ? dir : ".";
}

// The whole file, or "" when it cannot be read.
inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The records of CSV `text`, header first: the tests' own reader,
// independent of libs/csv. RFC 4180 quoting (double quotes group, "" is a
// quote, quoted line breaks kept); CRLF or LF line ends; a UTF-8
// byte-order mark and empty lines skipped.
inline std::vector<std::vector<std::string>> CsvRecords(std::string_view text,
                                                        char delimiter = ',') {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string cell;
  bool quoted = false, any = false;
  auto end_record = [&] {
    if (any || !cell.empty()) {
      record.push_back(std::move(cell));
      records.push_back(std::move(record));
    }
    record.clear();
    cell.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == delimiter) {
      record.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
    } else {
      cell.push_back(c);
      any = true;
    }
  }
  end_record();
  return records;
}

// The values of `column` in the CSV file at `path`, from the records as
// wide as its header; `min_size` leaves shorter values out.
inline std::vector<std::string> CsvColumn(const std::string& path,
                                          const std::string& column,
                                          size_t min_size = 0) {
  const std::vector<std::vector<std::string>> records =
      CsvRecords(ReadAll(path));
  std::vector<std::string> out;
  if (records.empty()) return out;
  size_t at = 0;
  while (at < records[0].size() && records[0][at] != column) ++at;
  if (at == records[0].size()) return out;
  for (size_t i = 1; i < records.size(); ++i) {
    if (records[i].size() == records[0].size() &&
        records[i][at].size() >= min_size) {
      out.push_back(records[i][at]);
    }
  }
  return out;
}

// Starts argv[0] (looked up on PATH when it has no '/') with stdout and
// stderr appended to `log`. The caller waits for it (Wait).
inline pid_t Spawn(const std::vector<std::string>& argv,
                   const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "a");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// The exit code, or 128 + the signal that ended it.
inline int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Stops a process started by Spawn (SIGTERM, then waits); -1 means none.
// The exit code, or -1. `*pid` becomes -1.
inline int Stop(pid_t* pid) {
  if (*pid <= 0) return -1;
  kill(*pid, SIGTERM);
  const int code = Wait(*pid);
  *pid = -1;
  return code;
}

inline int RunCommand(const std::vector<std::string>& argv,
                      const std::string& log) {
  return Wait(Spawn(argv, log));
}

// Whether `path` appears within `seconds` (polled every 50 ms): a file a
// started process writes when it is ready (services.json).
inline bool WaitForFile(const std::string& path, int seconds) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!std::filesystem::exists(path)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// Writes examples/<example>/config.yaml to `path` with its map given by
// absolute path and its source directory set to `data_dir` (generated
// data). The path written, or "" when the example has no config.
inline std::string WriteExampleConfig(const std::string& example,
                                      const std::string& data_dir,
                                      const std::string& path) {
  std::string src = SourceDir() + "/examples/" + example;
  std::string text = ReadAll(src + "/config.yaml");
  if (text.empty()) return "";
  auto replace_line = [&text](const std::string& key, const std::string& line) {
    size_t at = text.find(key);
    if (at == std::string::npos) return;
    text.replace(at, text.find('\n', at) - at, line);
  };
  replace_line(
      "\nmap:",
      "\nmap: " + std::filesystem::absolute(src + "/map.yaml").string());
  replace_line("directory:", "directory: " + data_dir);
  std::ofstream(path) << text;
  return path;
}

// A small Practice by Numbers run into the Freshsales emulator, under
// `root`: a generated sample (`patients`, `seed`) in root/data, the
// pbn-freshsales map copied to root/map.yaml (approvals are per map file)
// and root/config.yaml loading into `account` on the enterprise plan. The
// config's path, or "" when the generator failed (its output in `log`).
inline std::string WritePbnFreshsalesRun(const std::string& root,
                                         const std::string& account,
                                         int patients, int seed,
                                         const std::string& log) {
  const std::string data = root + "/data";
  if (RunCommand({Bin("bridgework-gen-sample"), "--out", data, "--patients",
                  std::to_string(patients), "--seed", std::to_string(seed)},
                 log) != 0) {
    return "";
  }
  const std::string map = root + "/map.yaml";
  std::filesystem::copy_file(SourceDir() + "/examples/pbn-freshsales/map.yaml",
                             map,
                             std::filesystem::copy_options::overwrite_existing);
  const std::string config = root + "/config.yaml";
  std::ofstream(config)
      << "source:\n  system: pbn\n  pbn_csv:\n    directory: " << data
      << "\n    time_zone: America/Chicago\n    currency: USD\n"
      << "destination:\n  crm: freshsales\n  account: " << account
      << "\n  plan: enterprise\n"
      << "  fallback_owner_email: owner@bridgework.example\n"
      << "map: " << map << "\nrun:\n  phone_region: US\n";
  return config;
}

// `bridgework approve <map> --by <by>` then `bridgework migrate --config
// <config> --report-dir <report_dir>` against a suite's services.json,
// output appended to `log`. 0, or the exit code of the command that failed.
inline int ApproveAndMigrate(const std::string& map, const std::string& by,
                             const std::string& config,
                             const std::string& services,
                             const std::string& report_dir,
                             const std::string& log) {
  int code = RunCommand(
      {Bin("bridgework"), "approve", map, "--by", by, "--services", services},
      log);
  if (code != 0) return code;
  return RunCommand({Bin("bridgework"), "migrate", "--config", config,
                     "--services", services, "--report-dir", report_dir},
                    log);
}

// A suite started with `bridgework up --emulator <crm>`.
struct Suite {
  pid_t pid = -1;        // `bridgework up`; stop it with Stop(&pid)
  std::string services;  // its services.json
  std::string emulator;  // the emulator's base URL, "http://host:port"
};

// Starts `bridgework up --emulator <crm> --config <config>` with its state
// under `state_dir`, the plan's pacing lifted (360,000 requests an hour) and
// `extra` arguments (--traffic-log); output appended to `log`. Waits up to
// 60 s for services.json. False when it did not come up; `suite->pid` is
// set either way, for the caller to stop.
inline bool StartSuite(const std::string& crm, const std::string& config,
                       const std::string& state_dir, const std::string& log,
                       Suite* suite,
                       const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {Bin("bridgework"),
                                   "up",
                                   "--emulator",
                                   crm,
                                   "--config",
                                   config,
                                   "--state-dir",
                                   state_dir,
                                   "--requests-per-hour",
                                   "3600000"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  suite->pid = Spawn(argv, log);
  suite->services = state_dir + "/services.json";
  if (!WaitForFile(suite->services, 60)) return false;
  nlohmann::json addresses =
      nlohmann::json::parse(ReadAll(suite->services), nullptr, false);
  if (!addresses.is_object()) return false;
  suite->emulator = "http://" + addresses.value("emulator", "");
  return true;
}

}  // namespace bridgework::testing

#endif  // BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_
