#include "libs/csv/json_reader.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::csv {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Got {
  int64_t line;
  std::vector<std::string> fields;
  std::string error;
};

class JsonReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bw-json-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& bytes) {
    std::string path = (dir_ / "t.json").string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::vector<Got> ReadAll(const std::string& bytes,
                           JsonReader::Options options = {}) {
    auto reader = JsonReader::Open(Write(bytes), options);
    EXPECT_TRUE(reader.ok()) << reader.status();
    std::vector<Got> rows;
    if (!reader.ok()) return rows;
    reader_ = std::move(*reader);
    Row row;
    while (true) {
      auto more = reader_->Next(&row);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      std::vector<std::string> fields;
      for (size_t i = 0; i < row.size(); ++i) fields.emplace_back(row.field(i));
      rows.push_back({row.line(), fields, row.error()});
    }
    return rows;
  }

  fs::path dir_;
  std::unique_ptr<JsonReader> reader_;
};

TEST_F(JsonReaderTest, ArrayOfObjectsWithTheUnionOfKeysAsHeader) {
  auto rows = ReadAll(
      "\xEF\xBB\xBF[\n"
      "  {\"id\": 1, \"name\": \"G\\u00fcl \\\"A\\\"\", \"paid\": 1234.50},\n"
      "  {\"id\": 2, \"name\": null, \"vip\": true,\n"
      "   \"log\": {\"sms\": [1, \"two\"]}}\n"
      "]\n");
  EXPECT_THAT(reader_->header(),
              ElementsAre("id", "name", "paid", "vip", "log"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2);
  // Numbers keep the text they were written with.
  EXPECT_THAT(rows[0].fields,
              ElementsAre("1", "G\xC3\xBCl \"A\"", "1234.50", "", ""));
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_THAT(rows[1].fields,
              ElementsAre("2", "", "", "true", "{\"sms\":[1,\"two\"]}"));
  EXPECT_EQ(reader_->Column("vip"), 3);
  EXPECT_EQ(reader_->Column("nope"), -1);
}

TEST_F(JsonReaderTest, JsonLinesWithBadRecordsThatDoNotStopTheReader) {
  auto rows = ReadAll(
      "{\"id\": \"a\", \"amount\": 12.5}\n"
      "{\"id\": \"b\", \"amount\": }\n"
      "42\n"
      "{\"id\": \"c\"}\n"
      "{\"id\": \"d\", \"note\": \"open",
      {.decimal_comma = true});
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(rows[0].fields, ElementsAre("a", "12,5"));
  EXPECT_EQ(rows[0].error, "");
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_THAT(rows[1].error,
              HasSubstr("malformed JSON record (syntax error at byte"));
  EXPECT_EQ(rows[2].error, "the record is not a JSON object");
  EXPECT_THAT(rows[3].fields, ElementsAre("c", ""));
  EXPECT_EQ(rows[4].line, 5);
  EXPECT_EQ(rows[4].error,
            "unterminated JSON record (the file ends inside it)");
  // Messages never quote the data.
  for (const Got& g : rows) EXPECT_EQ(g.error.find("open"), std::string::npos);
}

TEST_F(JsonReaderTest, TruncatedArrayAndPositions) {
  auto rows = ReadAll("[{\"id\": 1},\n{\"id\": 2}");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].error,
            "the JSON array is not closed (is the file truncated?)");
}

TEST_F(JsonReaderTest, OpenErrors) {
  auto missing = JsonReader::Open((dir_ / "none.json").string(), {});
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  auto empty = JsonReader::Open(Write("  \n"), {});
  EXPECT_TRUE(absl::IsInvalidArgument(empty.status()));
  EXPECT_THAT(empty.status().message(), HasSubstr("no JSON records"));
}

}  // namespace
}  // namespace bridgework::csv
