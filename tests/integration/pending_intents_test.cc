// Pending intents through the real auditor (docs/ledger.md, "Pending
// intents"): intents recorded over gRPC, the auditor killed with SIGKILL
// before their outcomes and restarted on the same RocksDB ledger; the
// restarted auditor names each record's pending intent (rebuilt from the
// operations, no `i/` marker is stored), settles them, and after another
// kill still knows which are left. Then the stopped ledger is read
// directly: no `i/` key, `meta/pending_from` at the oldest pending intent,
// and `bridgework audit verify` passes.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/wrappers.pb.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "bridgework/v1/auditor.grpc.pb.h"
#include "libs/ledger/ledger_testing.h"
#include "libs/ledger/raw_ledger_db.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using testing::Bin;
using testing::ReadAll;

constexpr char kAccount[] = "clinic-crm";

class PendingIntentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (auditor_ > 0) {
      kill(auditor_, SIGKILL);
      testing::Wait(auditor_);
    }
    fs::remove_all(root_);
  }

  // Starts bridgework-auditor on the test's ledger and connects to it.
  void Start() {
    const std::string port_file = (root_ / "auditor.port").string();
    fs::remove(port_file);
    auditor_ = testing::Spawn(
        {Bin("bridgework-auditor"), "--listen", "127.0.0.1:0", "--data-dir",
         ledger_.string(), "--port-file", port_file},
        (root_ / "auditor.log").string());
    ASSERT_TRUE(testing::WaitForFile(port_file, 30))
        << ReadAll((root_ / "auditor.log").string());
    // "host:port\n", written whole (renamed into place).
    std::string address = ReadAll(port_file);
    while (!address.empty() && address.back() == '\n') address.pop_back();
    ASSERT_FALSE(address.empty());
    stub_ = v1::Auditor::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }
  // SIGKILL: no shutdown, no flush beyond what each synced write did.
  void Kill() {
    ASSERT_GT(auditor_, 0);
    kill(auditor_, SIGKILL);
    testing::Wait(auditor_);
    auditor_ = -1;
    stub_.reset();
  }
  void Restart() {
    Kill();
    Start();
  }

  std::unique_ptr<grpc::ClientContext> Context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    return ctx;
  }

  std::string BeginRun() {
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account(kAccount);
    r.set_config_hash("pending-intents-test");
    r.set_config_json("{}");
    v1::RunInfo run;
    grpc::Status s = stub_->BeginRun(Context().get(), r, &run);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return run.run_id();
  }

  // Intents to create patients `keys`, in one call; the seqs handed out.
  std::vector<int64_t> Intend(const std::string& run,
                              const std::vector<std::string>& keys) {
    v1::RecordIntentsRequest r =
        ledger::testing::PatientIntents(kAccount, run, keys);
    v1::RecordIntentsResponse out;
    grpc::Status s = stub_->RecordIntents(Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.seqs().begin(), out.seqs().end()};
  }

  void Created(const std::string& run, const std::string& key, int64_t seq) {
    v1::RecordOutcomesRequest r;
    r.set_account(kAccount);
    r.set_run_id(run);
    r.set_requests(1);
    v1::Operation* op = r.add_operations();
    op->set_run_id(run);
    op->set_seq(seq);
    op->set_kind(v1::OP_KIND_CREATE);
    op->set_state(v1::OP_STATE_APPLIED);
    op->set_source_object("patient");
    op->set_source_key(key);
    op->set_target_object("contact");
    op->set_crm_id("crm-" + key);
    op->set_http_status(201);
    v1::RecordOutcomesResponse out;
    grpc::Status s = stub_->RecordOutcomes(Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }

  std::vector<v1::ResolvedKey> Resolve(const std::vector<std::string>& keys) {
    v1::ResolveKeysRequest r = ledger::testing::PatientKeys(kAccount, keys);
    v1::ResolveKeysResponse out;
    grpc::Status s = stub_->ResolveKeys(Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.keys().begin(), out.keys().end()};
  }

  fs::path root_ =
      fs::temp_directory_path() / absl::StrCat("bw-pending-intents-", getpid());
  fs::path ledger_ = root_ / "ledger";
  pid_t auditor_ = -1;
  std::unique_ptr<v1::Auditor::Stub> stub_;
};

TEST_F(PendingIntentsTest, AKilledAuditorKnowsItsPendingIntentsAgain) {
  Start();
  const std::string run = BeginRun();
  ASSERT_FALSE(run.empty());
  const std::vector<std::string> keys = {"1001", "1002", "1003", "1004"};
  // 1001 is created before the kill; the others are left in flight.
  const std::vector<int64_t> seqs = Intend(run, keys);
  ASSERT_EQ(seqs.size(), keys.size());
  Created(run, "1001", seqs[0]);
  // A newer intent for 1002: it, not the first, is pending.
  const int64_t newer = Intend(run, {"1002"}).at(0);

  Restart();
  std::vector<v1::ResolvedKey> got = Resolve(keys);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].crm_id(), "crm-1001");
  EXPECT_EQ(got[0].pending_seq(), 0);
  EXPECT_EQ(got[1].pending_seq(), newer);
  EXPECT_EQ(got[2].pending_seq(), seqs[2]);
  EXPECT_EQ(got[3].pending_seq(), seqs[3]);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(got[i].pending_run_id(), run) << keys[i];
    EXPECT_EQ(got[i].pending_kind(), v1::OP_KIND_CREATE) << keys[i];
    EXPECT_TRUE(got[i].crm_id().empty()) << keys[i];
  }

  // The resumed loader settles two (the older 1002 intent's outcome
  // changes nothing pending); 1004 stays in flight.
  Created(run, "1002", seqs[1]);
  Created(run, "1003", seqs[2]);
  EXPECT_EQ(Resolve({"1002"}).at(0).pending_seq(), newer);
  Created(run, "1002", newer);

  Restart();
  got = Resolve(keys);
  ASSERT_EQ(got.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].pending_seq(), 0) << keys[i];
    EXPECT_EQ(got[i].crm_id(), "crm-" + keys[i]);
  }
  EXPECT_EQ(got[3].pending_seq(), seqs[3]);
  Kill();

  // The stopped ledger: pending intents are not stored apart, and a
  // restart replays from the one left.
  {
    std::string error;
    auto db = ledger::RawLedgerDb::Open(ledger_.string(), true, &error);
    ASSERT_NE(db, nullptr) << error;
    EXPECT_TRUE(db->Keys("i/").empty());
    std::optional<std::string> from = db->Get("meta/pending_from");
    ASSERT_TRUE(from.has_value());
    google::protobuf::Int64Value n;
    ASSERT_TRUE(n.ParseFromString(*from));
    EXPECT_EQ(n.value(), seqs[3]);
    EXPECT_EQ(db->Get("meta/format").value_or(""), "bridgework.ledger/v3");
  }
  const std::string verify_log = (root_ / "verify.log").string();
  EXPECT_EQ(testing::RunCommand({Bin("bridgework"), "audit", "verify",
                                 "--data-dir", ledger_.string()},
                                verify_log),
            0)
      << ReadAll(verify_log);
}

}  // namespace
}  // namespace bridgework
