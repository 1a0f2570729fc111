// A main() for a fuzz target without libFuzzer: runs
// LLVMFuzzerTestOneInput on every file named on the command line, or in a
// directory named there (recursively, in name order). The default (g++)
// build links each target with it as <target>_replay and ctest replays the
// checked-in corpus and regression inputs (fuzz/CMakeLists.txt), so a crash
// a fuzzer once found stays fixed. Exit status 0 when every input ran; a
// crash ends the process (abort, a sanitizer report in the asan build)
// after "replaying <file>" names the input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int Replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << file << "\n";
    return 1;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  std::cerr << "replaying " << file.string() << "\n";
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int failed = 0;
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    if (!std::filesystem::exists(arg)) {
      std::cerr << "no such file or directory: " << arg << "\n";
      ++failed;
      continue;
    }
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(arg);
    }
    for (const auto& f : files) {
      failed += Replay(f);
      ++ran;
    }
  }
  std::cerr << "replayed " << ran << " inputs\n";
  // A run that replays nothing checks nothing.
  return failed == 0 && ran > 0 ? 0 : 1;
}
