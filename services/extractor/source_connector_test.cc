#include "services/extractor/source_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/record/value.h"
#include "services/extractor/fake_source.h"

namespace bridgework::extractor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::SourceConfig PbnConfig() {
  v1::SourceConfig c;
  c.set_system("pbn");
  c.mutable_pbn_csv()->set_directory("/tmp");
  return c;
}

std::vector<std::string> Keys(RecordReader& reader, int batch_size,
                              std::vector<std::string>* cursors = nullptr) {
  std::vector<std::string> keys;
  while (true) {
    v1::RecordBatch b;
    auto more = reader.Next(batch_size, &b);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    for (const auto& r : b.records()) keys.push_back(r.source_key());
    for (const auto& r : b.rejections()) keys.push_back("!" + r.reason());
    if (cursors) cursors->push_back(b.cursor());
  }
  return keys;
}

std::shared_ptr<FakeSource> ThreePatients() {
  auto fake = std::make_shared<FakeSource>();
  v1::ObjectSchema location;
  location.set_object_type("location");
  location.set_key_field("location_id");
  fake->AddObject(location);
  v1::ObjectSchema patient;
  patient.set_object_type("patient");
  fake->AddObject(patient, {"location"});
  fake->AddRecord(FakeRecord("location", "L1",
                             {{"name", record::StringValue("Main")}}, 100));
  fake->AddRecord(FakeRecord("patient", "1", {}, 100));
  v1::Rejection bad;
  bad.set_object_type("patient");
  bad.set_reason("bad row");
  fake->AddRejection(bad);
  fake->AddRecord(FakeRecord("patient", "2", {}, 200));
  fake->AddRecord(FakeRecord("patient", "3", {}, 300));
  return fake;
}

TEST(ConnectorName, IsTheOneofMember) {
  EXPECT_EQ(ConnectorName(PbnConfig()), "pbn_csv");
  v1::SourceConfig layout;
  layout.mutable_layout_csv()->set_directory("/tmp");
  EXPECT_EQ(ConnectorName(layout), "layout_csv");
  v1::SourceConfig api;
  api.mutable_drdentes_api()->set_base_url("http://127.0.0.1:1/api/v1");
  EXPECT_EQ(ConnectorName(api), "drdentes_api");
  EXPECT_EQ(ConnectorName(v1::SourceConfig()), "");
}

TEST(SourceRegistry, CreatesByConfigAndRefusesUnknownOrDuplicateNames) {
  SourceRegistry registry;
  auto fake = ThreePatients();
  ASSERT_TRUE(registry.Register("pbn_csv", SharedSourceFactory(fake)).ok());
  absl::Status again = registry.Register("pbn_csv", SharedSourceFactory(fake));
  EXPECT_TRUE(absl::IsAlreadyExists(again)) << again;
  EXPECT_THAT(registry.Names(), ElementsAre("pbn_csv"));

  auto source = registry.Create(PbnConfig());
  ASSERT_TRUE(source.ok()) << source.status();
  auto objects = (*source)->ListObjects();
  ASSERT_TRUE(objects.ok());
  EXPECT_EQ(objects->size(), 2u);

  auto none = registry.Create(v1::SourceConfig());
  EXPECT_TRUE(absl::IsInvalidArgument(none.status()));
  auto unknown = registry.Create("drdentes", PbnConfig());
  EXPECT_TRUE(absl::IsUnimplemented(unknown.status()));
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("no source connector 'drdentes' (it has: pbn_csv)"));
}

TEST(FakeSource, ListsInOrderWithDependencies) {
  auto fake = ThreePatients();
  auto objects = fake->ListObjects();
  ASSERT_TRUE(objects.ok());
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].object_type(), "location");
  EXPECT_EQ((*objects)[1].object_type(), "patient");
  EXPECT_THAT((*objects)[1].depends_on(), ElementsAre("location"));
  auto schema = fake->Describe("location");
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->key_field(), "location_id");
  EXPECT_TRUE(absl::IsNotFound(fake->Describe("nope").status()));
}

TEST(FakeSource, StreamsInOrderAndResumesFromACursor) {
  auto fake = ThreePatients();
  auto reader = fake->Open("patient", "", std::nullopt);
  ASSERT_TRUE(reader.ok());
  std::vector<std::string> cursors;
  EXPECT_THAT(Keys(**reader, 2, &cursors),
              ElementsAre("1", "!bad row", "2", "3"));
  ASSERT_EQ(cursors.size(), 2u);

  auto resumed = fake->Open("patient", cursors[0], std::nullopt);
  ASSERT_TRUE(resumed.ok());
  EXPECT_THAT(Keys(**resumed, 10), ElementsAre("2", "3"));
  EXPECT_TRUE(absl::IsInvalidArgument(
      fake->Open("patient", "garbage", std::nullopt).status()));
}

TEST(FakeSource, SinceKeepsOnlyLaterRecords) {
  auto fake = ThreePatients();
  v1::Timestamp since;
  since.set_unix_seconds(200);
  auto reader = fake->Open("patient", "", since);
  ASSERT_TRUE(reader.ok());
  EXPECT_THAT(Keys(**reader, 10), ElementsAre("3", "!bad row"));
}

TEST(FakeSource, CountsReadersAndBatches) {
  auto fake = ThreePatients();
  {
    auto reader = fake->Open("patient", "", std::nullopt);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(fake->stats().readers_live, 1);
    Keys(**reader, 1);
  }
  FakeSource::Stats stats = fake->stats();
  EXPECT_EQ(stats.readers_opened, 1);
  EXPECT_EQ(stats.readers_live, 0);
  EXPECT_EQ(stats.batches_served, 4);
}

TEST(FakeSource, SetErrorFailsEveryCall) {
  auto fake = ThreePatients();
  fake->SetError(absl::UnavailableError("down"));
  EXPECT_TRUE(absl::IsUnavailable(fake->ListObjects().status()));
  EXPECT_TRUE(absl::IsUnavailable(fake->Open("patient", "", {}).status()));
  fake->SetError(absl::OkStatus());
  EXPECT_TRUE(fake->ListObjects().ok());
}

TEST(FaultInjectingSource, FailsOpen) {
  FaultOptions faults;
  faults.open_error = absl::NotFoundError("patients.csv: gone");
  FaultInjectingSource source(ThreePatients(), faults);
  auto reader = source.Open("patient", "", std::nullopt);
  EXPECT_TRUE(absl::IsNotFound(reader.status()));
  EXPECT_TRUE(source.ListObjects().ok());
}

TEST(FaultInjectingSource, FailsAfterNBatches) {
  FaultOptions faults;
  faults.fail_after_batches = 2;
  faults.next_error = absl::DataLossError("disk");
  FaultInjectingSource source(ThreePatients(), faults);
  auto reader = source.Open("patient", "", std::nullopt);
  ASSERT_TRUE(reader.ok());
  v1::RecordBatch b;
  EXPECT_TRUE(*(*reader)->Next(1, &b));
  EXPECT_TRUE(*(*reader)->Next(1, &b));
  auto third = (*reader)->Next(1, &b);
  EXPECT_TRUE(absl::IsDataLoss(third.status())) << third.status();
}

}  // namespace
}  // namespace bridgework::extractor
