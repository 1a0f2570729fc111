// The services allocate with jemalloc when the build links it
// (BRIDGEWORK_JEMALLOC, docs/adr/2026-11-24-services-allocate-with-
// jemalloc.md), and with glibc's malloc otherwise (sanitizer builds). Each
// binary is run with MALLOC_CONF asking jemalloc to print its statistics at
// exit: only a process that allocates with jemalloc reads that variable.
// The statistics list the options, the services' own among them.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

TEST(AllocatorTest, ServicesAllocateWithJemallocExactlyWhenLinked) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("bw-allocator-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char* service : {"bridgework-extractor", "bridgework-transformer",
                              "bridgework-loader", "bridgework-auditor"}) {
    const std::string log = (dir / (std::string(service) + ".log")).string();
    const int code = testing::RunCommand(
        {"sh", "-c", "MALLOC_CONF=stats_print:true exec \"$0\" --help",
         testing::Bin(service)},
        log);
    EXPECT_EQ(code, 0) << service;
    const std::string out = testing::ReadAll(log);
    EXPECT_NE(out.find("--listen"), std::string::npos) << service;  // ran
    EXPECT_EQ(out.find("Begin jemalloc statistics") != std::string::npos,
              BRIDGEWORK_JEMALLOC == 1)
        << service;
    // With the services' options (libs/common/jemalloc_conf.cc).
    EXPECT_EQ(out.find("opt.dirty_decay_ms: 1000 ") != std::string::npos &&
                  out.find("opt.muzzy_decay_ms: 0 ") != std::string::npos,
              BRIDGEWORK_JEMALLOC == 1)
        << service;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bridgework
