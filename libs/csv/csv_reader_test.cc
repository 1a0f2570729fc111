#include "libs/csv/csv_reader.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::csv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CsvTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& bytes) {
    path_ = (std::filesystem::temp_directory_path() /
             ("bw-csv-" + std::to_string(getpid()) + ".csv"))
                .string();
    std::ofstream(path_, std::ios::binary) << bytes;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::vector<Row> All(const std::string& bytes) {
    auto r = Reader::Open(Write(bytes));
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<Row> rows;
    Row row;
    while ((*r)->Next(&row)) rows.push_back(row);
    return rows;
  }
  std::string path_;
};

TEST_F(CsvTest, BomCrlfQuotesAndNewlines) {
  auto rows =
      All("\xEF\xBB\xBFid,name,note\r\n1,\"Núñez, "
          "Ana\",\"two\nlines\"\r\n2,Zoë,\"say \"\"hi\"\"\"\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0].fields, ElementsAre("1", "Núñez, Ana", "two\nlines"));
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[1].line, 4);
  EXPECT_THAT(rows[1].fields, ElementsAre("2", "Zoë", "say \"hi\""));
  EXPECT_TRUE(rows[1].error.empty());
}

TEST_F(CsvTest, HeaderIsMatchedByName) {
  auto r = Reader::Open(Write(" b , a\n1,2\n"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->Column("a"), 1);
  EXPECT_EQ((*r)->Column("b"), 0);
  EXPECT_EQ((*r)->Column("c"), -1);
}

TEST_F(CsvTest, BadRowsAreReportedAndReadingGoesOn) {
  auto rows = All(std::string(
      "id,name\n1,a\n2,b,extra\n3,\xff\xfe\n4,d\0x\n5,\"open\n6,f\n", 45));
  ASSERT_GE(rows.size(), 5u);
  EXPECT_TRUE(rows[0].error.empty());
  EXPECT_THAT(rows[1].error, HasSubstr("expected 2, got 3"));
  EXPECT_THAT(rows[2].error, HasSubstr("name: invalid UTF-8"));
  EXPECT_THAT(rows[3].error, HasSubstr("NUL"));
  EXPECT_EQ(rows[4].line, 6);
  EXPECT_THAT(rows[4].error, HasSubstr("unbalanced quote"));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_THAT(rows[5].fields, ElementsAre("6", "f"));
  EXPECT_EQ(rows[5].line, 7);
}

TEST_F(CsvTest, MissingAndEmptyFiles) {
  auto missing = Reader::Open("/nonexistent/x.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/x.csv"));
  auto empty = Reader::Open(Write(""));
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()), HasSubstr("empty file"));
}

TEST_F(CsvTest, SeekResumesAfterARow) {
  auto r = Reader::Open(Write("id\n1\n2\n3\n"));
  ASSERT_TRUE(r.ok());
  Row row;
  ASSERT_TRUE((*r)->Next(&row));
  int64_t off = (*r)->offset(), line = (*r)->next_line();
  auto again = Reader::Open(path_);
  ASSERT_TRUE((*again)->Seek(off, line).ok());
  ASSERT_TRUE((*again)->Next(&row));
  EXPECT_EQ(row.fields[0], "2");
  EXPECT_EQ(row.line, 3);
}

}  // namespace
}  // namespace bridgework::csv
