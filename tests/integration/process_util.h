// Running the real binaries from integration tests: where they are, where
// the source tree is, starting one with its output appended to a log, and
// reading a file back. Test-only; not thread-safe (fork).
#ifndef BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_
#define BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace bridgework::testing {

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

}  // namespace bridgework::testing

#endif  // BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_
