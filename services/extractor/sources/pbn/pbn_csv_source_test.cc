#include "services/extractor/sources/pbn/pbn_csv_source.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::extractor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class PbnCsvSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bw-pbn-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    config_.set_directory(dir_.string());
    config_.set_time_zone("America/Chicago");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / file) << text;
  }
  std::vector<v1::RecordBatch> ReadAll(const std::string& object, int batch = 2,
                                       const std::string& cursor = "") {
    auto src = MakePbnCsvSource(config_);
    auto reader = src->Open(object, cursor, v1::Timestamp());
    EXPECT_TRUE(reader.ok()) << reader.status();
    std::vector<v1::RecordBatch> out;
    while (true) {
      v1::RecordBatch b;
      auto more = (*reader)->Next(batch, &b);
      EXPECT_TRUE(more.ok());
      if (!*more) break;
      out.push_back(b);
    }
    return out;
  }
  fs::path dir_;
  v1::PbnCsvSourceConfig config_;
};

TEST_F(PbnCsvSourceTest, TypedRecordsRejectionsAndCursor) {
  Write("patients.csv",
        "last_name,patient_id,birth_date,completed_appointments,updated_at\n"
        "Núñez,1,1980-02-29,3,2024-03-01 09:30\n"
        "Doe,2,2023-02-30,1,2024-03-01 09:30\n"
        "Roe,3,,x,2024-03-01 09:30\n"
        "Poe,1,1990-01-01,0,2024-03-01 09:30\n"
        "Zoë,4,1991-01-01,,2024-03-02 10:00\n");
  auto batches = ReadAll("patient");
  int records = 0;
  std::vector<v1::Rejection> rejections;
  for (const auto& b : batches) {
    records += b.records_size();
    for (const auto& r : b.rejections()) rejections.push_back(r);
  }
  EXPECT_EQ(records, 2);
  ASSERT_EQ(rejections.size(), 3u);
  EXPECT_EQ(rejections[0].location().line(), 3);
  EXPECT_EQ(rejections[0].field(), "birth_date");
  EXPECT_THAT(rejections[0].reason(),
              HasSubstr("patients.csv:3: birth_date: impossible date"));
  EXPECT_EQ(rejections[1].field(), "completed_appointments");
  EXPECT_THAT(rejections[2].reason(), HasSubstr("duplicate key"));
  const v1::Record& first = batches[0].records(0);
  EXPECT_EQ(first.source_key(), "1");
  EXPECT_EQ(first.fields().at("completed_appointments").int_value(), 3);
  EXPECT_EQ(first.fields().at("birth_date").date_value().day(), 29);
  EXPECT_EQ(first.fingerprint().size(), 64u);
  EXPECT_EQ(first.source_updated_at().zone(), "America/Chicago");

  // Resume after a one-record batch: the rows after it, none before.
  auto one = ReadAll("patient", 1);
  ASSERT_FALSE(one.empty());
  ASSERT_EQ(one[0].records_size(), 1);
  auto rest = ReadAll("patient", 100, one[0].cursor());
  std::vector<std::string> keys;
  for (const auto& b : rest) {
    for (const auto& r : b.records()) keys.push_back(r.source_key());
  }
  // Row 5 repeats key 1; a resumed reader no longer knows row 2 had it.
  EXPECT_EQ(keys, (std::vector<std::string>{"1", "4"}));
}

TEST_F(PbnCsvSourceTest, MissingFileAndMissingRequiredColumn) {
  auto src = MakePbnCsvSource(config_);
  auto missing = src->Open("patient", "", v1::Timestamp());
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("patients.csv"));
  Write("patients.csv", "patient_id,first_name\n1,Ana\n");
  auto no_col = src->Open("patient", "", v1::Timestamp());
  ASSERT_FALSE(no_col.ok());
  EXPECT_THAT(
      std::string(no_col.status().message()),
      HasSubstr("patients.csv:1: required column 'last_name' is missing"));
}

}  // namespace
}  // namespace bridgework::extractor
