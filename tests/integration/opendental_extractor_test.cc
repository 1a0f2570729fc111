// Issue 4: the Open Dental database through the real bridgework-extractor
// binary, against a private MariaDB server (tests/fixtures): list, describe
// and stream over gRPC; an unknown enum value arrives as a rejection in the
// stream; an unreachable database and a wrong password are gRPC errors
// naming their cause.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "bridgework/v1/extractor.grpc.pb.h"
#include "tests/fixtures/mariadb_fixture.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "it-od-secret";

std::string Fixture(const std::string& name) {
  const char* dir = std::getenv("BRIDGEWORK_SOURCE_DIR");
  return absl::StrCat(dir ? dir : BRIDGEWORK_DEFAULT_SOURCE_DIR,
                      "/tests/fixtures/opendental/", name);
}

class OpenDentalExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::MariaDbServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_TRUE(server_
                    ->Execute(absl::StrCat(
                        "CREATE USER 'od'@'%' IDENTIFIED BY '", kPassword,
                        "'; GRANT SELECT ON opendental.* TO 'od'@'%';"
                        " CREATE DATABASE opendental CHARACTER SET utf8mb4"))
                    .ok());
    ASSERT_TRUE(server_->ExecuteFile(Fixture("schema.sql"), "opendental").ok());
    ASSERT_TRUE(server_->ExecuteFile(Fixture("data.sql"), "opendental").ok());

    state_ = fs::temp_directory_path() / absl::StrCat("bw-od-it-", getpid());
    fs::create_directories(state_);
    supervisor_ = std::make_unique<cli::Supervisor>(state_.string());
    // The password reaches the extractor only through its environment.
    auto extractor = supervisor_->Start(
        {"extractor",
         cli::BinaryDir() + "/bridgework-extractor",
         {"--listen", "127.0.0.1:0"},
         {{"BW_OD_PASSWORD", kPassword}, {"BW_OD_WRONG", "wrong-password"}}},
        true);
    ASSERT_TRUE(extractor.ok()) << extractor.status();
    stub_ = v1::Extractor::NewStub(grpc::CreateChannel(
        extractor->address, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (supervisor_) supervisor_->StopAll();
    if (server_) server_->Stop();
    std::error_code ec;
    fs::remove_all(state_, ec);
  }

  v1::SourceConfig Source(int port, const std::string& password_env) {
    v1::SourceConfig source;
    source.set_system("opendental");
    v1::OpenDentalDbSourceConfig* od = source.mutable_opendental_db();
    od->set_host("127.0.0.1");
    od->set_port(port);
    od->set_database("opendental");
    od->set_user("od");
    od->set_password_env(password_env);
    od->set_time_zone("America/Chicago");
    od->set_timeout_seconds(5);
    return source;
  }
  v1::SourceConfig Source() {
    return Source(server_->port(), "BW_OD_PASSWORD");
  }

  struct Streamed {
    std::vector<v1::RecordBatch> batches;
    grpc::Status status;
  };
  Streamed Extract(const v1::ExtractRequest& request) {
    Streamed out;
    grpc::ClientContext ctx;
    auto reader = stub_->Extract(&ctx, request);
    v1::RecordBatch batch;
    while (reader->Read(&batch)) out.batches.push_back(batch);
    out.status = reader->Finish();
    return out;
  }

  std::unique_ptr<testing::MariaDbServer> server_;
  fs::path state_;
  std::unique_ptr<cli::Supervisor> supervisor_;
  std::unique_ptr<v1::Extractor::Stub> stub_;
};

TEST_F(OpenDentalExtractorTest, ListsDescribesAndStreams) {
  v1::ListObjectsRequest list;
  *list.mutable_source() = Source();
  v1::ListObjectsResponse objects;
  {
    grpc::ClientContext ctx;
    grpc::Status s = stub_->ListObjects(&ctx, list, &objects);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_EQ(objects.objects_size(), 21);
  EXPECT_EQ(objects.objects(0).object_type(), "provider");

  v1::DescribeObjectRequest describe;
  *describe.mutable_source() = Source();
  describe.set_object_type("appointment");
  v1::ObjectSchema schema;
  {
    grpc::ClientContext ctx;
    grpc::Status s = stub_->DescribeObject(&ctx, describe, &schema);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(schema.key_field(), "AptNum");
  EXPECT_EQ(schema.updated_at_field(), "DateTStamp");

  v1::ExtractRequest extract;
  *extract.mutable_source() = Source();
  extract.set_object_type("appointment");
  extract.set_batch_size(2);
  Streamed appts = Extract(extract);
  ASSERT_TRUE(appts.status.ok()) << appts.status.error_message();
  ASSERT_EQ(appts.batches.size(), 2u);
  std::vector<std::string> keys;
  std::vector<std::string> reasons;
  for (const auto& b : appts.batches) {
    for (const auto& r : b.records()) keys.push_back(r.source_key());
    for (const auto& r : b.rejections()) reasons.push_back(r.reason());
  }
  EXPECT_THAT(keys, ElementsAre("100", "101", "103"));
  EXPECT_THAT(reasons,
              ElementsAre("appointment 102: AptStatus: unknown value 9"));
  EXPECT_EQ(appts.batches[0].records(0).fields().at("AptStatus").string_value(),
            "Complete");

  // Resume after the first batch, then only what changed since March.
  extract.set_cursor(appts.batches[0].cursor());
  Streamed rest = Extract(extract);
  ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
  ASSERT_EQ(rest.batches.size(), 1u);
  EXPECT_EQ(rest.batches[0].records(0).source_key(), "103");

  v1::ExtractRequest delta;
  *delta.mutable_source() = Source();
  delta.set_object_type("patient");
  delta.mutable_since()->set_unix_seconds(1709251200);  // 2024-03-01Z
  Streamed changed = Extract(delta);
  ASSERT_TRUE(changed.status.ok()) << changed.status.error_message();
  std::vector<std::string> patients;
  for (const auto& b : changed.batches) {
    for (const auto& r : b.records()) patients.push_back(r.source_key());
  }
  EXPECT_THAT(patients, ElementsAre("13", "14"));
}

TEST_F(OpenDentalExtractorTest, DatabaseErrorsReachTheClient) {
  v1::ExtractRequest down;
  *down.mutable_source() = Source(1, "BW_OD_PASSWORD");
  down.set_object_type("patient");
  Streamed unreachable = Extract(down);
  EXPECT_EQ(unreachable.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << unreachable.status.error_message();
  EXPECT_THAT(unreachable.status.error_message(), HasSubstr("127.0.0.1:1"));
  EXPECT_THAT(unreachable.status.error_message(), Not(HasSubstr(kPassword)));

  v1::ExtractRequest wrong;
  *wrong.mutable_source() = Source(server_->port(), "BW_OD_WRONG");
  wrong.set_object_type("patient");
  Streamed denied = Extract(wrong);
  EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << denied.status.error_message();
  EXPECT_THAT(denied.status.error_message(), Not(HasSubstr("wrong-password")));

  // The user may read opendental only; a table it lacks is NOT_FOUND.
  ASSERT_TRUE(server_->Execute("DROP TABLE refattach", "opendental").ok());
  v1::ExtractRequest missing;
  *missing.mutable_source() = Source();
  missing.set_object_type("refattach");
  Streamed gone = Extract(missing);
  EXPECT_EQ(gone.status.error_code(), grpc::StatusCode::NOT_FOUND)
      << gone.status.error_message();
  EXPECT_THAT(gone.status.error_message(), HasSubstr("'refattach'"));
}

}  // namespace
}  // namespace bridgework
