// The Extractor service in-process on a loopback port, driven by a
// synchronous client: streaming, cursors, errors, cancellation and
// backpressure.
#include "services/extractor/extractor_service.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "libs/record/value.h"
#include "services/extractor/builtin_sources.h"
#include "services/extractor/fake_source.h"

namespace bridgework::extractor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// An ExtractorService over `registry` on 127.0.0.1:<any port>.
class TestServer {
 public:
  explicit TestServer(std::unique_ptr<SourceRegistry> registry)
      : registry_(std::move(registry)), service_(registry_.get()) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    EXPECT_NE(port, 0);
    stub_ = v1::Extractor::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  ~TestServer() { server_->Shutdown(); }

  v1::Extractor::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<SourceRegistry> registry_;
  ExtractorService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Extractor::Stub> stub_;
};

std::unique_ptr<SourceRegistry> BuiltinRegistry() {
  auto registry = std::make_unique<SourceRegistry>();
  EXPECT_TRUE(RegisterBuiltinSources(*registry).ok());
  return registry;
}

// A registry whose "pbn_csv" is `source`.
std::unique_ptr<SourceRegistry> RegistryWith(
    std::shared_ptr<SourceConnector> source) {
  auto registry = std::make_unique<SourceRegistry>();
  EXPECT_TRUE(
      registry->Register("pbn_csv", SharedSourceFactory(std::move(source)))
          .ok());
  return registry;
}

struct Streamed {
  std::vector<v1::RecordBatch> batches;
  grpc::Status status;
};

Streamed Extract(v1::Extractor::Stub& stub, const v1::ExtractRequest& request) {
  grpc::ClientContext ctx;
  auto reader = stub.Extract(&ctx, request);
  Streamed out;
  v1::RecordBatch batch;
  while (reader->Read(&batch)) out.batches.push_back(batch);
  out.status = reader->Finish();
  return out;
}

// Many records with a large payload each, so that a stalled client fills
// the transport's buffers quickly.
std::shared_ptr<FakeSource> BigFake(int records, int payload_bytes) {
  auto fake = std::make_shared<FakeSource>();
  v1::ObjectSchema schema;
  schema.set_object_type("patient");
  fake->AddObject(schema);
  const std::string payload(payload_bytes, 'x');
  for (int i = 0; i < records; ++i) {
    fake->AddRecord(FakeRecord("patient", std::to_string(i),
                               {{"note", record::StringValue(payload)}}));
  }
  return fake;
}

v1::ExtractRequest FakeRequest(int batch_size) {
  v1::ExtractRequest request;
  request.mutable_source()->mutable_pbn_csv()->set_directory("unused");
  request.set_object_type("patient");
  request.set_batch_size(batch_size);
  return request;
}

bool WaitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

class ExtractorServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bw-extractor-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // patients.csv with `n` patients; patient i is on line i + 1. Bad rows:
  // 100 (wrong column count), 500 (impossible date), 700 (repeats 699's
  // key).
  void WritePatients(int n) {
    std::ofstream out(dir_ / "patients.csv", std::ios::binary);
    out << "patient_id,first_name,last_name,email,birth_date,location_id,"
           "updated_at\n";
    for (int i = 1; i <= n; ++i) {
      if (i == 100) {
        out << "P100,Broken,Row\n";
      } else if (i == 500) {
        out << "P500,Ana,Impossible,,2023-02-30,1,2026-10-01 09:00\n";
      } else if (i == 700) {
        out << "P699,Dup,Licate,,1980-01-01,1,2026-10-01 09:00\n";
      } else {
        out << "P" << i << ",Zoë,\"Müller, Jr.\",z" << i
            << "@mail.example,1980-01-01,1,2026-10-01 09:00\n";
      }
    }
    std::ofstream(dir_ / "locations.csv")
        << "location_id,name,updated_at\n1,Main,2026-10-01 08:00\n";
  }

  v1::SourceConfig PbnSource() {
    v1::SourceConfig source;
    source.set_system("pbn");
    source.mutable_pbn_csv()->set_directory(dir_.string());
    source.mutable_pbn_csv()->set_time_zone("America/Chicago");
    return source;
  }

  fs::path dir_;
};

TEST_F(ExtractorServiceTest, StreamsEveryRecordOnceWithTinyBatches) {
  WritePatients(1000);
  TestServer server(BuiltinRegistry());
  v1::ExtractRequest request;
  *request.mutable_source() = PbnSource();
  request.set_object_type("patient");
  request.set_batch_size(7);
  Streamed got = Extract(server.stub(), request);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();

  std::map<std::string, int> seen;
  std::map<int64_t, std::string> rejections;
  for (const auto& b : got.batches) {
    EXPECT_EQ(b.object_type(), "patient");
    EXPECT_LE(b.records_size() + b.rejections_size(), 7);
    EXPECT_FALSE(b.cursor().empty());
    for (const auto& r : b.records()) ++seen[r.source_key()];
    for (const auto& r : b.rejections()) {
      EXPECT_EQ(r.location().file(), "patients.csv");
      rejections[r.location().line()] = r.reason();
    }
  }
  EXPECT_EQ(seen.size(), 997u);
  for (const auto& [key, count] : seen) EXPECT_EQ(count, 1) << key;
  ASSERT_EQ(rejections.size(), 3u);
  EXPECT_THAT(rejections[101], HasSubstr("patients.csv:101: wrong number"));
  EXPECT_EQ(rejections[501], "patients.csv:501: birth_date: impossible date");
  EXPECT_EQ(rejections[701],
            "patients.csv:701: patient_id: duplicate key (first on line 700)");

  // Resuming from a batch's cursor yields exactly what followed it.
  const size_t k = got.batches.size() / 2;
  std::set<std::string> after;
  for (size_t i = k + 1; i < got.batches.size(); ++i) {
    for (const auto& r : got.batches[i].records()) after.insert(r.source_key());
  }
  request.set_cursor(got.batches[k].cursor());
  Streamed rest = Extract(server.stub(), request);
  ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
  std::set<std::string> resumed;
  for (const auto& b : rest.batches) {
    for (const auto& r : b.records()) {
      EXPECT_TRUE(resumed.insert(r.source_key()).second) << r.source_key();
    }
  }
  EXPECT_EQ(resumed, after);
}

// Every record and rejection of `got`, by key (records) and reason.
struct Flattened {
  std::map<std::string, v1::Record> records;
  std::vector<std::string> rejections;
};
Flattened Flatten(const Streamed& got) {
  Flattened out;
  for (const auto& b : got.batches) {
    for (const auto& r : b.records()) out.records[r.source_key()] = r;
    for (const auto& r : b.rejections()) out.rejections.push_back(r.reason());
  }
  return out;
}

std::set<std::string> FieldNames(const v1::Record& r) {
  std::set<std::string> out;
  for (const auto& [name, value] : r.fields()) out.insert(name);
  return out;
}

TEST_F(ExtractorServiceTest, ASelectionLeavesTheOtherFieldsOutAndNothingElse) {
  WritePatients(800);
  TestServer server(BuiltinRegistry());
  v1::ExtractRequest request;
  *request.mutable_source() = PbnSource();
  request.set_object_type("patient");
  request.set_batch_size(64);
  const Flattened whole = Flatten(Extract(server.stub(), request));

  // birth_date is not selected: its impossible value still rejects P500.
  request.mutable_fields()->add_names("email");
  request.mutable_fields()->add_names("first_name");
  request.mutable_fields()->add_names("no_such_column");
  Streamed got = Extract(server.stub(), request);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  const Flattened selected = Flatten(got);
  EXPECT_EQ(selected.rejections, whole.rejections);
  ASSERT_EQ(selected.records.size(), whole.records.size());
  ASSERT_EQ(whole.records.size(), 797u);
  for (const auto& [key, r] : selected.records) {
    const v1::Record& all = whole.records.at(key);
    EXPECT_EQ(FieldNames(r), (std::set<std::string>{"email", "first_name"}))
        << key;
    EXPECT_EQ(r.fields().at("email").string_value(),
              all.fields().at("email").string_value());
    EXPECT_EQ(r.fields().at("first_name").string_value(),
              all.fields().at("first_name").string_value());
    // The fingerprint covers every field, selected or not.
    EXPECT_EQ(r.fingerprint(), all.fingerprint()) << key;
    EXPECT_EQ(r.fingerprint(), record::Fingerprint(all.fields())) << key;
    EXPECT_EQ(r.source_updated_at().unix_seconds(),
              all.source_updated_at().unix_seconds());
    EXPECT_EQ(r.location().line(), all.location().line());
  }

  // An empty selection: keys, fingerprints and change times only.
  request.mutable_fields()->clear_names();
  const Flattened none = Flatten(Extract(server.stub(), request));
  ASSERT_EQ(none.records.size(), whole.records.size());
  for (const auto& [key, r] : none.records) {
    EXPECT_EQ(r.fields_size(), 0) << key;
    EXPECT_EQ(r.fingerprint(), whole.records.at(key).fingerprint());
  }
}

TEST_F(ExtractorServiceTest, TheServiceSelectsForReadersThatCannot) {
  auto fake = std::make_shared<FakeSource>();
  v1::ObjectSchema schema;
  schema.set_object_type("patient");
  fake->AddObject(schema);
  for (int i = 0; i < 30; ++i) {
    fake->AddRecord(FakeRecord("patient", std::to_string(i),
                               {{"a", record::StringValue("x")},
                                {"b", record::IntValue(i)},
                                {"c", record::NullValue()}}));
  }
  TestServer server(RegistryWith(fake));
  v1::ExtractRequest request = FakeRequest(7);
  const Flattened whole = Flatten(Extract(server.stub(), request));
  request.mutable_fields()->add_names("b");
  request.mutable_fields()->add_names("c");
  const Flattened selected = Flatten(Extract(server.stub(), request));
  ASSERT_EQ(selected.records.size(), 30u);
  for (const auto& [key, r] : selected.records) {
    EXPECT_EQ(FieldNames(r), (std::set<std::string>{"b", "c"})) << key;
    EXPECT_EQ(r.fields().at("b").int_value(), std::stoi(key));
    EXPECT_EQ(r.fingerprint(), whole.records.at(key).fingerprint());
  }
}

TEST_F(ExtractorServiceTest, ListObjectsAndDescribe) {
  WritePatients(3);
  TestServer server(BuiltinRegistry());
  grpc::ClientContext list_ctx;
  v1::ListObjectsRequest list;
  *list.mutable_source() = PbnSource();
  v1::ListObjectsResponse objects;
  ASSERT_TRUE(server.stub().ListObjects(&list_ctx, list, &objects).ok());
  ASSERT_EQ(objects.objects_size(), 2);
  EXPECT_EQ(objects.objects(0).object_type(), "location");
  EXPECT_EQ(objects.objects(1).object_type(), "patient");

  grpc::ClientContext describe_ctx;
  v1::DescribeObjectRequest describe;
  *describe.mutable_source() = PbnSource();
  describe.set_object_type("patient");
  v1::ObjectSchema schema;
  ASSERT_TRUE(
      server.stub().DescribeObject(&describe_ctx, describe, &schema).ok());
  EXPECT_EQ(schema.key_field(), "patient_id");

  grpc::ClientContext unknown_ctx;
  describe.set_object_type("invoice");
  grpc::Status unknown =
      server.stub().DescribeObject(&unknown_ctx, describe, &schema);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
}

// A layout_csv source (the shipped Dr.DENTES example) through the service:
// the connector is registered as built in and reads its layout file.
TEST_F(ExtractorServiceTest, LayoutCsvSourceThroughTheService) {
  const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
  ASSERT_NE(root, nullptr) << "BRIDGEWORK_SOURCE_DIR is not set";
  const fs::path example = fs::path(root) / "examples" / "drdentes-freshsales";
  v1::SourceConfig source;
  source.set_system("drdentes");
  source.mutable_layout_csv()->set_directory((example / "data").string());
  source.mutable_layout_csv()->set_layout((example / "layout.yaml").string());
  source.mutable_layout_csv()->set_time_zone("Europe/Istanbul");
  source.mutable_layout_csv()->set_currency("TRY");
  TestServer server(BuiltinRegistry());

  grpc::ClientContext list_ctx;
  v1::ListObjectsRequest list;
  *list.mutable_source() = source;
  v1::ListObjectsResponse objects;
  ASSERT_TRUE(server.stub().ListObjects(&list_ctx, list, &objects).ok());
  ASSERT_EQ(objects.objects_size(), 14);
  EXPECT_EQ(objects.objects(0).object_type(), "clinic");
  EXPECT_EQ(objects.objects(3).object_type(), "patient");
  EXPECT_EQ(objects.objects(3).location(), "patients.csv");
  EXPECT_THAT(objects.objects(3).depends_on(),
              ::testing::ElementsAre("clinic", "staff"));

  grpc::ClientContext describe_ctx;
  v1::DescribeObjectRequest describe;
  *describe.mutable_source() = source;
  describe.set_object_type("billing");
  v1::ObjectSchema schema;
  ASSERT_TRUE(
      server.stub().DescribeObject(&describe_ctx, describe, &schema).ok());
  EXPECT_EQ(schema.key_field(), "billing_id");
  EXPECT_EQ(schema.updated_at_field(), "updated_at");

  v1::ExtractRequest request;
  *request.mutable_source() = source;
  request.set_object_type("patient");
  request.set_batch_size(10);
  Streamed got = Extract(server.stub(), request);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  std::set<std::string> keys;
  std::vector<std::string> rejections;
  for (const auto& b : got.batches) {
    EXPECT_THAT(b.cursor(), ::testing::StartsWith("layout_csv:v1:patient:"));
    for (const auto& r : b.records()) {
      EXPECT_TRUE(keys.insert(r.source_key()).second) << r.source_key();
      EXPECT_EQ(r.fields().at("birth_date").kind_case(), v1::Value::kDateValue)
          << r.source_key();
    }
    for (const auto& r : b.rejections()) rejections.push_back(r.reason());
  }
  EXPECT_EQ(keys.size(), 44u);
  EXPECT_THAT(rejections, ::testing::ElementsAre(
                              "patients.csv:41: birth_date: impossible date"));

  // A broken layout is the call's error, naming the layout file.
  std::ofstream(dir_ / "layout.yaml") << "version: 1\nobjects: 7\n";
  request.mutable_source()->mutable_layout_csv()->set_layout(
      (dir_ / "layout.yaml").string());
  Streamed bad = Extract(server.stub(), request);
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.status.error_message(), HasSubstr("layout.yaml:2: objects"));
}

TEST_F(ExtractorServiceTest, OpenErrorsFinishTheStreamWithTheirStatus) {
  TestServer server(BuiltinRegistry());
  v1::ExtractRequest request;
  *request.mutable_source() = PbnSource();
  request.set_object_type("patient");
  Streamed missing = Extract(server.stub(), request);
  EXPECT_EQ(missing.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing.status.error_message(), HasSubstr("patients.csv"));
  EXPECT_TRUE(missing.batches.empty());

  request.mutable_source()->mutable_pbn_csv()->set_time_zone("Nowhere/Land");
  EXPECT_EQ(Extract(server.stub(), request).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.clear_source();
  EXPECT_EQ(Extract(server.stub(), request).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ExtractorServiceTest, SourceFailureMidStreamEndsTheStream) {
  FaultOptions faults;
  faults.fail_after_batches = 3;
  faults.next_error = absl::UnavailableError("disk went away");
  TestServer server(RegistryWith(
      std::make_shared<FaultInjectingSource>(BigFake(100, 10), faults)));
  Streamed got = Extract(server.stub(), FakeRequest(5));
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(got.status.error_message(), "disk went away");
  EXPECT_EQ(got.batches.size(), 3u);

  faults = FaultOptions();
  faults.open_error = absl::NotFoundError("patients.csv: no such file");
  TestServer refusing(RegistryWith(
      std::make_shared<FaultInjectingSource>(BigFake(1, 1), faults)));
  Streamed refused = Extract(refusing.stub(), FakeRequest(5));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(refused.batches.empty());
}

TEST_F(ExtractorServiceTest, BatchSizeDefaultsTo500AndIsCappedAt5000) {
  auto fake = BigFake(12000, 1);
  TestServer server(RegistryWith(fake));
  Streamed defaulted = Extract(server.stub(), FakeRequest(0));
  ASSERT_TRUE(defaulted.status.ok());
  EXPECT_EQ(defaulted.batches.size(), 24u);
  EXPECT_EQ(defaulted.batches[0].records_size(), 500);
  Streamed capped = Extract(server.stub(), FakeRequest(100000));
  ASSERT_TRUE(capped.status.ok());
  ASSERT_EQ(capped.batches.size(), 3u);
  EXPECT_EQ(capped.batches[0].records_size(), 5000);
}

TEST_F(ExtractorServiceTest, CancellationStopsTheProducerAndFreesTheReader) {
  // 2,000 batches of 16 KB: far more than the transport buffers.
  auto fake = BigFake(4000, 8000);
  TestServer server(RegistryWith(fake));
  {
    grpc::ClientContext ctx;
    auto reader = server.stub().Extract(&ctx, FakeRequest(2));
    v1::RecordBatch batch;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&batch));
    ctx.TryCancel();
    while (reader->Read(&batch)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  EXPECT_TRUE(WaitFor([&] { return fake->stats().readers_live == 0; }))
      << "the reader was not released";
  EXPECT_EQ(fake->stats().readers_opened, 1);
  // Far fewer than the 2,000 the source holds: the producer stopped.
  EXPECT_LT(fake->stats().batches_served, 1000);
}

TEST_F(ExtractorServiceTest, TheSourceIsReadOnlyAsFastAsTheClientReads) {
  auto fake = BigFake(4000, 8000);
  TestServer server(RegistryWith(fake));
  grpc::ClientContext ctx;
  auto reader = server.stub().Extract(&ctx, FakeRequest(2));
  v1::RecordBatch batch;
  ASSERT_TRUE(reader->Read(&batch));
  // The client stalls: the producer fills the queue and the transport's
  // window, then waits.
  int64_t before = -1, now = fake->stats().batches_served;
  while (before != now) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    before = now;
    now = fake->stats().batches_served;
  }
  // gRPC buffers a few MB between the two ends (about 330 batches here);
  // past that the producer waits.
  EXPECT_LT(now, 1000) << "the producer ran ahead of the client";
  // Reading on delivers everything, once.
  int records = batch.records_size();
  while (reader->Read(&batch)) records += batch.records_size();
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(records, 4000);
  EXPECT_EQ(fake->stats().batches_served, 2000);
}

}  // namespace
}  // namespace bridgework::extractor
