// The auditor through a real gRPC channel: in process over the in-memory
// ledger (with faults), and the bridgework-auditor binary over RocksDB.
#include "services/auditor/auditor_service.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "libs/ledger/fault_injecting_ledger.h"
#include "libs/ledger/in_memory_ledger.h"

extern char** environ;

namespace bridgework::auditor {
namespace {

namespace fs = std::filesystem;
using ledger::FaultInjectingLedger;

v1::Operation Op(const std::string& run, const std::string& key) {
  v1::Operation op;
  op.set_run_id(run);
  op.set_kind(v1::OP_KIND_CREATE);
  op.set_source_object("patient");
  op.set_source_key(key);
  op.set_target_object("contact");
  op.set_fingerprint("fp-" + key);
  return op;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(20));
  return ctx;
}

class AuditorServiceTest : public ::testing::Test {
 protected:
  static constexpr int kPageSize = 7;

  void SetUp() override {
    AuditorServiceOptions options;
    options.page_size = kPageSize;
    options.threads = 2;
    service_ = std::make_unique<AuditorService>(&faulty_, options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = v1::Auditor::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown();
    server_.reset();
    service_.reset();
  }

  v1::RunInfo Begin() {
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account("acct");
    r.set_config_hash("h");
    r.set_resume(true);
    v1::RunInfo run;
    grpc::Status s = stub_->BeginRun(Context().get(), r, &run);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return run;
  }
  std::vector<int64_t> Intend(const std::string& run, int n) {
    v1::RecordIntentsRequest r;
    r.set_account("acct");
    for (int i = 0; i < n; ++i)
      *r.add_operations() = Op(run, std::to_string(i));
    v1::RecordIntentsResponse out;
    grpc::Status s = stub_->RecordIntents(Context().get(), r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out.seqs().begin(), out.seqs().end()};
  }
  grpc::Status List(const std::string& run, bool reverse,
                    std::vector<int64_t>* seqs) {
    v1::ListOperationsRequest r;
    r.set_run_id(run);
    r.set_reverse(reverse);
    auto ctx = Context();
    auto reader = stub_->ListOperations(ctx.get(), r);
    v1::Operation op;
    while (reader->Read(&op)) seqs->push_back(op.seq());
    return reader->Finish();
  }

  ledger::InMemoryLedger ledger_;
  FaultInjectingLedger faulty_{&ledger_};
  std::unique_ptr<AuditorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Auditor::Stub> stub_;
};

TEST_F(AuditorServiceTest, RecordsAndReportsARun) {
  v1::RunInfo run = Begin();
  ASSERT_EQ(run.run_id(), "r-000001");
  EXPECT_EQ(Begin().run_id(), run.run_id());  // resumed
  std::vector<int64_t> seqs = Intend(run.run_id(), 3);
  ASSERT_EQ(seqs.size(), 3u);

  v1::RecordOutcomesRequest outcomes;
  outcomes.set_account("acct");
  outcomes.set_requests(4);
  for (int i = 0; i < 2; ++i) {
    v1::Operation op = Op(run.run_id(), std::to_string(i));
    op.set_seq(seqs[i]);
    op.set_state(i == 0 ? v1::OP_STATE_APPLIED : v1::OP_STATE_FAILED);
    op.set_crm_id(i == 0 ? "9001" : "");
    op.set_error(i == 0 ? "" : "HTTP 422: invalid email");
    *outcomes.add_operations() = op;
  }
  v1::RecordOutcomesResponse none;
  ASSERT_TRUE(stub_->RecordOutcomes(Context().get(), outcomes, &none).ok());

  v1::ResolveKeysRequest resolve;
  resolve.set_account("acct");
  for (const char* key : {"0", "1", "2", "3"}) {
    v1::KeyRef* k = resolve.add_keys();
    k->set_source_object("patient");
    k->set_source_key(key);
    k->set_target_object("contact");
  }
  v1::ResolveKeysResponse resolved;
  ASSERT_TRUE(stub_->ResolveKeys(Context().get(), resolve, &resolved).ok());
  ASSERT_EQ(resolved.keys_size(), 4);
  EXPECT_EQ(resolved.keys(0).crm_id(), "9001");
  EXPECT_EQ(resolved.keys(0).fingerprint(), "fp-0");
  EXPECT_EQ(resolved.keys(1).crm_id(), "");
  EXPECT_EQ(resolved.keys(1).pending_seq(), 0);
  EXPECT_EQ(resolved.keys(2).pending_seq(), seqs[2]);
  EXPECT_EQ(resolved.keys(3).key().source_key(), "3");

  v1::SetObjectStatsRequest stats;
  stats.set_run_id(run.run_id());
  stats.add_stats()->set_source_object("patient");
  stats.mutable_stats(0)->set_extracted(4);
  v1::SetObjectStatsResponse stats_out;
  ASSERT_TRUE(stub_->SetObjectStats(Context().get(), stats, &stats_out).ok());
  v1::RecordDispositionsRequest disp;
  disp.set_run_id(run.run_id());
  v1::Disposition* d = disp.add_dispositions();
  d->set_source_object("patient");
  d->set_source_key("3");
  d->set_status(v1::DISPOSITION_STATUS_SKIPPED);
  v1::RecordDispositionsResponse disp_out;
  ASSERT_TRUE(stub_->RecordDispositions(Context().get(), disp, &disp_out).ok());

  v1::GetReportRequest rr;
  rr.set_run_id(run.run_id());
  v1::RunReport report;
  ASSERT_TRUE(stub_->GetReport(Context().get(), rr, &report).ok());
  ASSERT_EQ(report.objects_size(), 1);
  EXPECT_EQ(report.objects(0).extracted(), 4);
  EXPECT_EQ(report.objects(0).created(), 1);
  EXPECT_EQ(report.objects(0).quarantined(), 1);
  EXPECT_EQ(report.objects(0).skipped(), 1);
  EXPECT_FALSE(report.objects(0).balanced());  // key 2 is still pending
  EXPECT_EQ(report.requests(), 4);
  EXPECT_EQ(report.operations_pending(), 1);

  v1::Cursor cursor;
  cursor.set_account("acct");
  cursor.set_source_object("patient");
  cursor.mutable_watermark()->set_unix_seconds(77);
  v1::SetCursorResponse set_out;
  ASSERT_TRUE(stub_->SetCursor(Context().get(), cursor, &set_out).ok());
  v1::GetCursorRequest gc;
  gc.set_account("acct");
  gc.set_source_object("patient");
  v1::Cursor back;
  ASSERT_TRUE(stub_->GetCursor(Context().get(), gc, &back).ok());
  EXPECT_EQ(back.watermark().unix_seconds(), 77);

  v1::FinishRunRequest fin;
  fin.set_run_id(run.run_id());
  fin.set_state(v1::RUN_STATE_SUCCEEDED);
  v1::RunInfo finished;
  ASSERT_TRUE(stub_->FinishRun(Context().get(), fin, &finished).ok());
  EXPECT_EQ(finished.state(), v1::RUN_STATE_SUCCEEDED);
  v1::ListRunsRequest lr;
  v1::ListRunsResponse runs;
  ASSERT_TRUE(stub_->ListRuns(Context().get(), lr, &runs).ok());
  EXPECT_EQ(runs.runs_size(), 1);
}

TEST_F(AuditorServiceTest, ListOperationsStreamsAcrossPages) {
  v1::RunInfo run = Begin();
  std::vector<int64_t> seqs = Intend(run.run_id(), 3 * kPageSize + 2);
  std::vector<int64_t> forward, backward;
  ASSERT_TRUE(List(run.run_id(), false, &forward).ok());
  ASSERT_TRUE(List(run.run_id(), true, &backward).ok());
  EXPECT_EQ(forward, seqs);
  EXPECT_EQ(backward, std::vector<int64_t>(seqs.rbegin(), seqs.rend()));
  // The ledger was read a page at a time: 4 pages each way.
  EXPECT_EQ(faulty_.calls(FaultInjectingLedger::Method::kListOperations), 8);

  // An exact multiple of the page size, and an empty run.
  v1::BeginRunRequest other;
  other.set_kind(v1::RUN_KIND_MIGRATE);
  other.set_account("acct");
  v1::RunInfo run2;
  ASSERT_TRUE(stub_->BeginRun(Context().get(), other, &run2).ok());
  std::vector<int64_t> empty;
  ASSERT_TRUE(List(run2.run_id(), false, &empty).ok());
  EXPECT_TRUE(empty.empty());
  Intend(run2.run_id(), 2 * kPageSize);
  std::vector<int64_t> exact;
  ASSERT_TRUE(List(run2.run_id(), true, &exact).ok());
  EXPECT_EQ(exact.size(), static_cast<size_t>(2 * kPageSize));
}

TEST_F(AuditorServiceTest, ListMappedStreamsAcrossPages) {
  v1::RunInfo run = Begin();
  const int n = 2 * kPageSize + 3;
  std::vector<int64_t> seqs = Intend(run.run_id(), n);
  v1::RecordOutcomesRequest outcomes;
  outcomes.set_account("acct");
  for (int i = 0; i < n; ++i) {
    v1::Operation op = Op(run.run_id(), std::to_string(i));
    op.set_seq(seqs[i]);
    op.set_state(v1::OP_STATE_APPLIED);
    op.set_crm_id("c" + std::to_string(i));
    op.set_written("{}");
    *outcomes.add_operations() = op;
  }
  v1::RecordOutcomesResponse none;
  ASSERT_TRUE(stub_->RecordOutcomes(Context().get(), outcomes, &none).ok());

  v1::ListMappedRequest r;
  r.set_account("acct");
  auto ctx = Context();
  auto reader = stub_->ListMapped(ctx.get(), r);
  v1::ResolvedKey k;
  std::vector<std::string> keys;
  while (reader->Read(&k)) {
    EXPECT_EQ(k.crm_id(), "c" + k.key().source_key());
    EXPECT_EQ(k.written(), "{}");
    keys.push_back(k.key().source_key());
  }
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_EQ(keys.size(), static_cast<size_t>(n));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(),
            keys.size());
  // Three pages: the ledger was read a page at a time.
  EXPECT_EQ(faulty_.calls(FaultInjectingLedger::Method::kListMapped), 3);

  faulty_.FailEveryCall(FaultInjectingLedger::Method::kListMapped,
                        absl::UnavailableError("disk"));
  auto ctx2 = Context();
  auto failing = stub_->ListMapped(ctx2.get(), r);
  while (failing->Read(&k)) {
  }
  EXPECT_EQ(failing->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(AuditorServiceTest, ClientMayCancelAStream) {
  v1::RunInfo run = Begin();
  Intend(run.run_id(), 10 * kPageSize);
  v1::ListOperationsRequest r;
  r.set_run_id(run.run_id());
  auto ctx = Context();
  auto reader = stub_->ListOperations(ctx.get(), r);
  v1::Operation op;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&op));
  ctx->TryCancel();
  while (reader->Read(&op)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The service carries on.
  std::vector<int64_t> all;
  ASSERT_TRUE(List(run.run_id(), false, &all).ok());
  EXPECT_EQ(all.size(), static_cast<size_t>(10 * kPageSize));
}

TEST_F(AuditorServiceTest, ErrorsKeepTheirCodes) {
  v1::GetRunRequest get;
  get.set_run_id("r-404404");
  v1::RunInfo run;
  EXPECT_EQ(stub_->GetRun(Context().get(), get, &run).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::RunInfo real = Begin();
  v1::RecordOutcomesRequest outcomes;
  v1::Operation op = Op(real.run_id(), "1");
  op.set_seq(12345);
  op.set_state(v1::OP_STATE_APPLIED);
  *outcomes.add_operations() = op;
  v1::RecordOutcomesResponse none;
  EXPECT_EQ(
      stub_->RecordOutcomes(Context().get(), outcomes, &none).error_code(),
      grpc::StatusCode::NOT_FOUND);

  faulty_.FailNthCall(FaultInjectingLedger::Method::kRecordIntents, 1,
                      absl::UnavailableError("disk unavailable"));
  v1::RecordIntentsRequest intents;
  *intents.add_operations() = Op(real.run_id(), "1");
  v1::RecordIntentsResponse seqs;
  grpc::Status s = stub_->RecordIntents(Context().get(), intents, &seqs);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "disk unavailable");
  EXPECT_TRUE(stub_->RecordIntents(Context().get(), intents, &seqs).ok());

  std::vector<int64_t> listed;
  EXPECT_EQ(List("", false, &listed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  faulty_.FailEveryCall(FaultInjectingLedger::Method::kListOperations,
                        absl::DataLossError("corrupt"));
  EXPECT_EQ(List(real.run_id(), false, &listed).error_code(),
            grpc::StatusCode::DATA_LOSS);
}

TEST_F(AuditorServiceTest, ConcurrentClients) {
  v1::RunInfo run = Begin();
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> seqs(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        v1::RecordIntentsRequest r;
        r.set_account("acct");
        *r.add_operations() = Op(run.run_id(), std::to_string(t * 100 + i));
        v1::RecordIntentsResponse out;
        if (stub_->RecordIntents(Context().get(), r, &out).ok())
          seqs[t].push_back(out.seqs(0));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> listed;
  ASSERT_TRUE(List(run.run_id(), false, &listed).ok());
  EXPECT_EQ(listed.size(), 40u);
}

// The binary: flags, port file, private data dir, SIGTERM, durability
// across restarts.
class AuditorBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin_dir = std::getenv("BRIDGEWORK_BIN_DIR");
    if (bin_dir == nullptr) GTEST_SKIP() << "BRIDGEWORK_BIN_DIR not set";
    binary_ = std::string(bin_dir) + "/bridgework-auditor";
    if (!fs::exists(binary_)) GTEST_SKIP() << binary_ << " not built";
    root_ = (fs::temp_directory_path() /
             ("bw-auditor-bin-" + std::to_string(getpid())))
                .string();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (pid_ > 0) Stop();
    if (!root_.empty()) fs::remove_all(root_);
  }

  // Starts the binary; returns its address from the port file.
  std::string Start() {
    std::string port_file = root_ + "/auditor.port";
    fs::remove(port_file);
    std::vector<std::string> args = {
        binary_,   "--listen",   "127.0.0.1:0",           "--port-file",
        port_file, "--data-dir", root_ + "/state/ledger", "--log-level",
        "info"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, binary_.c_str(), nullptr, nullptr, argv.data(),
                          environ),
              0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!fs::exists(port_file) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ifstream in(port_file);
    std::string addr;
    std::getline(in, addr);
    EXPECT_FALSE(addr.empty()) << "no port file";
    return addr;
  }
  // SIGTERM; returns the exit status. With `stub`, keeps calling while the
  // server shuts down: a connected client must answer the server's GOAWAY
  // ping, which it only does while it has a call in progress; otherwise the
  // server waits out its 5 s grace period.
  int Stop(v1::Auditor::Stub* stub = nullptr) {
    kill(pid_, SIGTERM);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (stub != nullptr) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(50));
        v1::GetRunRequest r;
        r.set_run_id("r-000001");
        v1::RunInfo out;
        (void)stub->GetRun(&ctx, r, &out);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string binary_, root_;
  pid_t pid_ = -1;
};

TEST_F(AuditorBinaryTest, ServesKeepsTheLedgerAndStopsCleanly) {
  std::string addr = Start();
  auto stub = v1::Auditor::NewStub(
      grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  v1::BeginRunRequest begin;
  begin.set_kind(v1::RUN_KIND_MIGRATE);
  begin.set_account("acct");
  v1::RunInfo run;
  auto ctx = Context();
  ctx->set_wait_for_ready(true);
  ASSERT_TRUE(stub->BeginRun(ctx.get(), begin, &run).ok());
  EXPECT_EQ(Stop(stub.get()), 0);

  struct stat st;
  ASSERT_EQ(stat((root_ + "/state/ledger").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  addr = Start();
  stub = v1::Auditor::NewStub(
      grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()));
  v1::GetRunRequest get;
  get.set_run_id(run.run_id());
  v1::RunInfo again;
  ctx = Context();
  ctx->set_wait_for_ready(true);
  ASSERT_TRUE(stub->GetRun(ctx.get(), get, &again).ok());
  EXPECT_EQ(again.run_id(), run.run_id());
  EXPECT_EQ(Stop(stub.get()), 0);
}

TEST_F(AuditorBinaryTest, DataDirIsRequired) {
  std::vector<std::string> args = {binary_, "--listen", "127.0.0.1:0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Without BRIDGEWORK_DATA_DIR in the child's environment.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("BRIDGEWORK_DATA_DIR=", 0) != 0)
      env_strings.push_back(*e);
  }
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  ASSERT_EQ(posix_spawn(&pid, binary_.c_str(), &actions, nullptr, argv.data(),
                        env.data()),
            0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace bridgework::auditor
