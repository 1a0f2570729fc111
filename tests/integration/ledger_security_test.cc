// The ledger at rest, through the real binaries: a small Practice by
// Numbers migration into the Freshsales emulator (`bridgework up`), then
// the stopped suite's RocksDB directory is examined and tampered with.
//
//   - every file is 0600 and the directory 0700;
//   - `bridgework audit verify` passes on the ledger as written (also while
//     the auditor runs), and catches an edited record, a removed record, a
//     missing chain entry and two swapped chain entries, each edit made
//     with RocksDB directly on a copy of the ledger;
//   - with --ledger-key-file, no patient value is found in any raw file
//     (without it, the same search finds them: the control), the
//     migration and `audit export` work, and the auditor refuses the
//     ledger without its key or with another key; a plaintext ledger is
//     refused with a key.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "bridgework/v1/auditor.pb.h"
#include "libs/ledger/raw_ledger_db.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadAll;
using testing::RunCommand;

// Runs argv with output to `log`; kills it after `seconds` (a process that
// should have refused to start but serves instead). -1 on the timeout.
int RunWithin(const std::vector<std::string>& argv, const std::string& log,
              int seconds) {
  pid_t pid = testing::Spawn(argv, log);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  testing::Wait(pid);
  return -1;
}

// Every byte of every file under `dir`, concatenated.
std::string RawBytes(const fs::path& dir) {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) all += ReadAll(entry.path().string());
  }
  return all;
}

std::string Get(ledger::RawLedgerDb* db, const std::string& key) {
  std::optional<std::string> value = db->Get(key);
  EXPECT_TRUE(value.has_value()) << key;
  return value.value_or("");
}

class LedgerSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() / absl::StrCat("bw-ledger-sec-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = (root_ / "commands.log").string();
    config_ = testing::WritePbnFreshsalesRun(root_.string(), "ledger-sec", 20,
                                             5, log_);
    ASSERT_FALSE(config_.empty()) << ReadAll(log_);
    map_path_ = (root_ / "map.yaml").string();
    for (const char* column :
         {"first_name", "last_name", "email", "mobile_phone"}) {
      for (std::string& v : testing::CsvColumn(
               (root_ / "data" / "patients.csv").string(), column, 6)) {
        secrets_.push_back(std::move(v));
      }
    }
  }

  void TearDown() override {
    testing::Stop(&up_);
    if (!HasFailure()) fs::remove_all(root_);
  }

  // `bridgework up` (with `extra` flags), the map approved, one migration;
  // the run id, or "" on a failure (reported).
  std::string Migrate(const std::vector<std::string>& extra) {
    testing::Suite suite;
    const bool up = testing::StartSuite("freshsales", config_, state_.string(),
                                        log_, &suite, extra);
    up_ = suite.pid;
    services_ = suite.services;
    EXPECT_TRUE(up) << ReadAll(log_);
    if (!up) return "";
    const std::string report_dir = (root_ / "report").string();
    EXPECT_EQ(testing::ApproveAndMigrate(map_path_, "ledger-sec", config_,
                                         services_, report_dir, log_),
              0)
        << ReadAll(log_);
    const json report =
        json::parse(ReadAll(report_dir + "/report.json"), nullptr, false);
    if (!report.is_object()) return "";
    EXPECT_TRUE(report.value("balanced", false)) << report.dump(2);
    return report["run"]["id"].get<std::string>();
  }

  // `bridgework audit verify` on `dir`: exit code and output.
  std::pair<int, std::string> Verify(const std::string& dir,
                                     const std::string& key_file = "") {
    static int n = 0;
    const std::string log = (root_ / absl::StrCat("verify-", ++n)).string();
    std::vector<std::string> argv = {Bin("bridgework"), "audit", "verify",
                                     "--data-dir", dir};
    if (!key_file.empty()) {
      argv.push_back("--ledger-key-file");
      argv.push_back(key_file);
    }
    const int code = RunCommand(argv, log);
    return {code, ReadAll(log)};
  }

  // bridgework-auditor on the stopped suite's ledger (with `key_file`
  // unless empty), expected to refuse it: the exit code (-1 when it served
  // instead) and its output.
  std::pair<int, std::string> StartAuditor(const std::string& key_file,
                                           const std::string& name) {
    const std::string log = (root_ / (name + ".log")).string();
    std::vector<std::string> argv = {Bin("bridgework-auditor"), "--listen",
                                     "127.0.0.1:0", "--data-dir",
                                     ledger().string()};
    if (!key_file.empty()) {
      argv.push_back("--ledger-key-file");
      argv.push_back(key_file);
    }
    const int code = RunWithin(argv, log, 30);
    return {code, ReadAll(log)};
  }

  // `tamper` applied with RocksDB to a copy of the stopped suite's ledger,
  // then `bridgework audit verify` on the copy: exit code and output.
  std::pair<int, std::string> Tampered(
      const std::string& name,
      const std::function<void(ledger::RawLedgerDb*)>& tamper) {
    const fs::path copy = root_ / name;
    fs::copy(ledger(), copy, fs::copy_options::recursive);
    {
      std::string error;
      auto db = ledger::RawLedgerDb::Open(copy.string(), false, &error);
      EXPECT_NE(db, nullptr) << error;
      if (db == nullptr) return {-1, ""};
      tamper(db.get());
    }
    return Verify(copy.string());
  }

  fs::path ledger() const { return state_ / "ledger"; }

  void ExpectPrivateFiles() {
    struct stat st;
    ASSERT_EQ(stat(ledger().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(ledger())) {
      ASSERT_EQ(stat(entry.path().c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, entry.is_directory() ? 0700u : 0600u)
          << entry.path();
      ++files;
    }
    // At least CURRENT, IDENTITY, LOCK, LOG, MANIFEST, OPTIONS and a WAL.
    EXPECT_GE(files, 7);
  }

  fs::path root_;
  fs::path state_ = fs::temp_directory_path() /
                    absl::StrCat("bw-ledger-sec-", getpid()) / "state";
  std::string log_, map_path_, config_, services_;
  std::vector<std::string> secrets_;
  pid_t up_ = -1;
};

TEST_F(LedgerSecurityTest, PrivateFilesAndEveryTamperingCaught) {
  ASSERT_GE(secrets_.size(), 40u);
  const std::string run_id = Migrate({});
  ASSERT_FALSE(run_id.empty());
  // Read-only, beside the running auditor.
  auto [live_code, live] = Verify(ledger().string());
  EXPECT_EQ(live_code, 0) << live;
  ASSERT_EQ(testing::Stop(&up_), 0) << ReadAll(log_);

  ExpectPrivateFiles();
  // The control for the encrypted test: in a plaintext ledger the search
  // finds patient values (the written projections hold them).
  const std::string raw = RawBytes(ledger());
  int found = 0;
  for (const std::string& s : secrets_)
    found += raw.find(s) != std::string::npos;
  EXPECT_GT(found, 0);

  auto [code, out] = Verify(ledger().string());
  ASSERT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr(": OK, "));
  EXPECT_THAT(out, HasSubstr("chain entries"));

  // An operation edited: its CRM id forged.
  std::string edited;
  auto [edit_code, edit] = Tampered("edited", [&](ledger::RawLedgerDb* db) {
    const std::vector<std::string> ops = db->Keys("o/" + run_id);
    ASSERT_GT(ops.size(), 3u);
    edited = ops[2];
    v1::Operation op;
    ASSERT_TRUE(op.ParseFromString(Get(db, edited)));
    op.set_crm_id("999999999");
    ASSERT_TRUE(db->Put(edited, op.SerializeAsString()));
  });
  EXPECT_EQ(edit_code, 1) << edit;
  EXPECT_THAT(edit, HasSubstr(": edited: record " + edited));
  // An operation removed.
  std::string removed;
  auto [remove_code, remove] =
      Tampered("removed", [&](ledger::RawLedgerDb* db) {
        const std::vector<std::string> ops = db->Keys("o/" + run_id);
        ASSERT_GT(ops.size(), 3u);
        removed = ops[1];
        ASSERT_TRUE(db->Delete(removed));
      });
  EXPECT_EQ(remove_code, 1) << remove;
  EXPECT_THAT(remove, HasSubstr(": removed: record " + removed));
  // A chain entry removed.
  auto [missing_code, missing] =
      Tampered("missing", [&](ledger::RawLedgerDb* db) {
        const std::vector<std::string> chain = db->Keys("h/");
        ASSERT_GT(chain.size(), 10u);
        ASSERT_EQ(chain[5], "h/0000000000000006");
        ASSERT_TRUE(db->Delete(chain[5]));
      });
  EXPECT_EQ(missing_code, 1) << missing;
  EXPECT_THAT(missing, HasSubstr("BROKEN at entry 6: missing"));
  // Two chain entries swapped.
  auto [swap_code, swap] = Tampered("reordered", [&](ledger::RawLedgerDb* db) {
    const std::vector<std::string> chain = db->Keys("h/");
    ASSERT_GT(chain.size(), 10u);
    const std::string a = Get(db, chain[7]), b = Get(db, chain[8]);
    ASSERT_TRUE(db->Put(chain[7], b));
    ASSERT_TRUE(db->Put(chain[8], a));
  });
  EXPECT_EQ(swap_code, 1) << swap;
  EXPECT_THAT(swap, HasSubstr("BROKEN at entry 8: reordered"));
  // The untouched ledger still verifies (the copies were independent).
  EXPECT_EQ(Verify(ledger().string()).first, 0);

  // A key configured for this plaintext ledger: refused, and said why.
  const std::string key_file = (root_ / "ledger.key").string();
  std::ofstream(key_file) << std::string(64, '7') << "\n";
  auto [with_key_code, with_key] = StartAuditor(key_file, "with-key");
  EXPECT_EQ(with_key_code, 1) << with_key;
  EXPECT_THAT(with_key, HasSubstr("is not encrypted"));
}

TEST_F(LedgerSecurityTest, EncryptedLedgerHoldsNoPatientValue) {
  ASSERT_GE(secrets_.size(), 40u);
  // A random key, as `openssl rand -hex 32` writes it.
  std::random_device rd;
  std::string key_bytes(32, '\0');
  for (char& c : key_bytes) c = static_cast<char>(rd());
  const std::string key_hex = absl::BytesToHexString(key_bytes);
  const std::string key_file = (root_ / "ledger.key").string();
  std::ofstream(key_file) << key_hex << "\n";

  const std::string run_id = Migrate({"--ledger-key-file", key_file});
  ASSERT_FALSE(run_id.empty());
  const std::string export_log = (root_ / "export.log").string();
  ASSERT_EQ(
      RunCommand({Bin("bridgework"), "audit", "export", "--run", run_id, "-o",
                  (root_ / "audit").string(), "--services", services_},
                 export_log),
      0)
      << ReadAll(export_log);
  EXPECT_THAT(ReadAll(export_log), HasSubstr(" operations -> "));
  ASSERT_EQ(testing::Stop(&up_), 0) << ReadAll(log_);

  ExpectPrivateFiles();
  const std::string raw = RawBytes(ledger());
  ASSERT_GT(raw.size(), 1000u);
  for (const std::string& s : secrets_) {
    EXPECT_EQ(raw.find(s), std::string::npos) << "found a sample value";
  }
  // The key is in no log: the suite's, the commands'.
  std::string logs = ReadAll(log_) + ReadAll(export_log);
  for (const auto& entry : fs::directory_iterator(state_)) {
    if (entry.is_regular_file()) logs += ReadAll(entry.path().string());
  }
  EXPECT_THAT(logs, HasSubstr("aes-256-gcm"));  // the auditor said so
  EXPECT_THAT(logs, Not(HasSubstr(key_hex)));

  auto [code, out] = Verify(ledger().string(), key_file);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr(": OK, "));
  auto [no_key_code, no_key] = Verify(ledger().string());
  EXPECT_NE(no_key_code, 0);
  EXPECT_THAT(no_key, HasSubstr("is encrypted"));

  // The auditor without the key, and with another key: refused, clearly.
  auto [auditor_code, auditor] = StartAuditor("", "no-key");
  EXPECT_EQ(auditor_code, 1) << auditor;
  EXPECT_THAT(auditor, HasSubstr("is encrypted"));
  EXPECT_THAT(auditor, HasSubstr("--ledger-key-file"));
  const std::string other_key = (root_ / "other.key").string();
  std::ofstream(other_key) << std::string(64, 'e') << "\n";
  auto [wrong_code, wrong] = StartAuditor(other_key, "wrong-key");
  EXPECT_EQ(wrong_code, 1) << wrong;
  EXPECT_THAT(wrong, HasSubstr("wrong key file"));
}

}  // namespace
}  // namespace bridgework
