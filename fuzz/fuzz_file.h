// A fuzz input written to a file, for code that reads paths (the CSV and
// JSON readers, the run configuration). One file per process, rewritten
// for each input, in $TMPDIR (or /tmp): the fuzzers run one input at a
// time.
#ifndef BRIDGEWORK_FUZZ_FUZZ_FILE_H_
#define BRIDGEWORK_FUZZ_FUZZ_FILE_H_

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace bridgework::fuzz {

// A directory of this process's own, made on first use and kept until exit.
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path* dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto* p = new std::filesystem::path(
        std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
        ("bridgework-fuzz-" + std::to_string(getpid())));
    std::filesystem::create_directories(*p);
    std::atexit([] { std::filesystem::remove_all(*dir); });
    return p;
  }();
  return *dir;
}

// Writes `data` to ScratchDir()/`name` and returns its path; aborts when it
// cannot (the fuzzer would otherwise test nothing).
inline std::string WriteScratchFile(const std::string& name,
                                    const uint8_t* data, size_t size) {
  std::string path = (ScratchDir() / name).string();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  if (std::fclose(f) != 0) std::abort();
  return path;
}

}  // namespace bridgework::fuzz

#endif  // BRIDGEWORK_FUZZ_FUZZ_FILE_H_
