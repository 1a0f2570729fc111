// Issue 2, bad input: unknown config keys, missing files and unreachable
// services each give one clear line on stderr and a non-zero exit, through
// the real `bridgework` binary.
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Result {
  int code;
  std::string err;
};

Result Bridgework(const std::vector<std::string>& args) {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  std::string bin = std::string(dir ? dir : "build/bin") + "/bridgework";
  std::string err_path =
      fs::temp_directory_path() / ("bw-cli-err-" + std::to_string(getpid()));
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(err_path.c_str(), "w");
    dup2(fileno(f), 2);
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  std::ifstream in(err_path);
  std::string err((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  fs::remove(err_path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, err};
}

class CliErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bw-cli-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "map.yaml")
        << "version: 1\nsource: pbn\ndestination: freshsales\n"
        << "objects:\n  - source: patient\n    target: contact\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Config(const std::string& extra) {
    std::string path = (dir_ / "run.yaml").string();
    std::ofstream(path)
        << "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
        << "destination:\n  crm: freshsales\n  account: a\n"
        << "  fallback_owner_email: o@x.example\n"
        << "map: map.yaml\n"
        << extra;
    return path;
  }
  static int Lines(const std::string& s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }
  fs::path dir_;
};

TEST_F(CliErrorsTest, UnknownConfigKey) {
  Result r = Bridgework({"migrate", "--config", Config("colour: blue\n")});
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("run.yaml:10: unknown key 'colour'"));
}

TEST_F(CliErrorsTest, MissingConfigAndMapFiles) {
  Result r =
      Bridgework({"migrate", "--config", (dir_ / "absent.yaml").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("config file not found"));
  fs::remove(dir_ / "map.yaml");
  Result m = Bridgework({"migrate", "--config", Config("")});
  EXPECT_NE(m.code, 0);
  EXPECT_EQ(Lines(m.err), 1) << m.err;
  EXPECT_THAT(m.err, HasSubstr("map file not found"));
}

TEST_F(CliErrorsTest, UnreachableServices) {
  // Port 1 on loopback: nothing listens there.
  Result r = Bridgework(
      {"migrate", "--config",
       Config(
           "services:\n  extractor: 127.0.0.1:1\n  transformer: 127.0.0.1:1\n"
           "  loader: 127.0.0.1:1\n  auditor: 127.0.0.1:1\n")});
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot reach the auditor at 127.0.0.1:1"));
  Result s =
      Bridgework({"status", "--services", (dir_ / "none.json").string()});
  EXPECT_NE(s.code, 0);
  EXPECT_EQ(Lines(s.err), 1) << s.err;
}

}  // namespace
}  // namespace bridgework
