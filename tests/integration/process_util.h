// Helpers for tests that drive the real binaries: where they are, running
// them with their output in a log file, reading files and emulator state.
#ifndef BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_
#define BRIDGEWORK_TESTS_INTEGRATION_PROCESS_UTIL_H_

#include <signal.h>
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

// build/bin, or BRIDGEWORK_BIN_DIR (set by ctest).
inline std::string Bin(const std::string& name) {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

// The repository root, or BRIDGEWORK_SOURCE_DIR (set by ctest).
inline std::string SourceDir() {
  const char* dir = std::getenv("BRIDGEWORK_SOURCE_DIR");
  return dir ? dir : ".";
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// Starts `argv` (PATH is searched) with stdout and stderr appended to
// `log`.
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
