#include "libs/csv/csv_reader.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::csv {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A row as plain values, for comparisons.
struct Got {
  int64_t line;
  std::vector<std::string> fields;
  std::string error;
};

std::vector<std::string> Fields(const Row& row) {
  std::vector<std::string> out;
  for (size_t i = 0; i < row.size(); ++i) out.emplace_back(row.field(i));
  return out;
}

class CsvReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("bw-csv-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& bytes, const std::string& name = "t") {
    std::string path = (dir_ / (name + ".csv")).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::vector<Got> ReadAll(const std::string& bytes,
                           const Options& options = Options()) {
    auto reader = Reader::Open(Write(bytes), options);
    EXPECT_TRUE(reader.ok()) << reader.status();
    std::vector<Got> rows;
    if (!reader.ok()) return rows;
    Row row;
    while (true) {
      auto more = (*reader)->Next(&row);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      rows.push_back({row.line(), Fields(row), row.error()});
    }
    return rows;
  }

  fs::path dir_;
};

TEST_F(CsvReaderTest, BomCrlfQuotedCommasQuotesAndNewlines) {
  auto rows = ReadAll(
      "\xEF\xBB\xBFid,name,note\r\n"
      "1,\"Núñez, Ana\",\"two\r\nlines\"\r\n"
      "2,Zoë,\"say \"\"hi\"\"\"\r\n"
      "3,\"\",plain\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_THAT(rows[0].fields, ElementsAre("1", "Núñez, Ana", "two\r\nlines"));
  EXPECT_EQ(rows[1].line, 4);
  EXPECT_THAT(rows[1].fields, ElementsAre("2", "Zoë", "say \"hi\""));
  EXPECT_EQ(rows[2].line, 5);
  EXPECT_THAT(rows[2].fields, ElementsAre("3", "", "plain"));
  for (const auto& r : rows) EXPECT_EQ(r.error, "");
}

TEST_F(CsvReaderTest, BomIsNotPartOfTheFirstColumnName) {
  auto reader = Reader::Open(Write("\xEF\xBB\xBFid,name\n1,a\n"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Column("id"), 0);
  EXPECT_EQ((*reader)->header()[0], "id");
}

TEST_F(CsvReaderTest, LfLoneCrAndNoFinalNewline) {
  auto rows = ReadAll("a,b\n1,2\r3,4\n5,6");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].fields, ElementsAre("1", "2"));
  EXPECT_THAT(rows[1].fields, ElementsAre("3", "4"));
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_THAT(rows[2].fields, ElementsAre("5", "6"));
  EXPECT_EQ(rows[2].line, 4);
}

TEST_F(CsvReaderTest, TrailingEmptyFieldsAndQuoteInsideUnquotedField) {
  auto rows = ReadAll("a,b,c\n1,,\n2,5\" tall,\n3,x,");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].fields, ElementsAre("1", "", ""));
  EXPECT_THAT(rows[1].fields, ElementsAre("2", "5\" tall", ""));
  EXPECT_EQ(rows[1].error, "");
  EXPECT_THAT(rows[2].fields, ElementsAre("3", "x", ""));
}

TEST_F(CsvReaderTest, OtherDelimiters) {
  Options semicolon;
  semicolon.delimiter = ';';
  auto rows = ReadAll(
      "id;amount;note\n1;1.234,50;\"a;b\"\n2;7,5;x,y\n3;;\"say \"\"hi\"\"\";\n",
      semicolon);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].fields, ElementsAre("1", "1.234,50", "a;b"));
  // The comma is ordinary text now.
  EXPECT_THAT(rows[1].fields, ElementsAre("2", "7,5", "x,y"));
  EXPECT_EQ(rows[2].error, "wrong number of columns: expected 3, got 4");

  Options tab;
  tab.delimiter = '\t';
  rows = ReadAll("a\tb\n1\t\"x\ty\"\n", tab);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows[0].fields, ElementsAre("1", "x\ty"));

  // Text after a closing quote is judged against the delimiter in use.
  rows = ReadAll("a;b\n\"1\",;2\n", semicolon);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "text after the closing quote in column 'a'");

  for (char bad : {'"', '\n', '\r'}) {
    Options o;
    o.delimiter = bad;
    auto reader = Reader::Open(Write("a,b\n"), o);
    EXPECT_TRUE(absl::IsInvalidArgument(reader.status())) << int{bad};
  }
}

TEST_F(CsvReaderTest, BlankLinesAreSkippedButCounted) {
  auto rows = ReadAll("\n\na,b\n\n1,2\r\n\r\n\n3,4\n\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 5);
  EXPECT_EQ(rows[1].line, 8);
  auto reader = Reader::Open(Write("\n\na,b\n1,2\n"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->header_line(), 3);
}

TEST_F(CsvReaderTest, HeaderIsMatchedByNameNotPosition) {
  auto reader =
      Reader::Open(Write(" last_name ,\tid,first_name\nDoe,7,Jane\n"));
  ASSERT_TRUE(reader.ok()) << reader.status();
  Reader& r = **reader;
  EXPECT_EQ(r.Column("id"), 1);
  EXPECT_EQ(r.Column("last_name"), 0);
  EXPECT_EQ(r.Column("first_name"), 2);
  EXPECT_EQ(r.Column("email"), -1);
  Row row;
  ASSERT_TRUE(*r.Next(&row));
  EXPECT_EQ(row[r.Column("id")], "7");
  EXPECT_EQ(row[r.Column("first_name")], "Jane");
}

TEST_F(CsvReaderTest, DuplicateColumnNamesAreRejected) {
  auto reader = Reader::Open(Write("id,email,name,email\n"));
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(reader.status()));
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr("duplicate column name 'email' (columns 2 and 4)"));
}

TEST_F(CsvReaderTest, WrongColumnCountSaysExpectedAndGotAndGoesOn) {
  auto rows = ReadAll("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].error, "");
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].error, "wrong number of columns: expected 3, got 2");
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_EQ(rows[2].error, "wrong number of columns: expected 3, got 4");
  EXPECT_EQ(rows[3].error, "");
  EXPECT_THAT(rows[3].fields, ElementsAre("10", "11", "12"));
}

TEST_F(CsvReaderTest, InvalidUtf8NamesTheColumn) {
  auto reader =
      Reader::Open(Write("id,name,email\n"
                         "1,Zoë,a@mail.example\n"
                         "2,ok,b\xff@mail.example\n"
                         "3,\xC0\xAF,x\n"             // overlong '/'
                         "4,\xED\xA0\x80,x\n"         // surrogate
                         "5,\xE2\x82,x\n"             // truncated sequence
                         "6,\xF0\x9F\x98\x80,x\n"));  // emoji: fine
  ASSERT_TRUE(reader.ok());
  Row row;
  std::vector<std::pair<std::string, int>> got;
  while (*(*reader)->Next(&row))
    got.emplace_back(row.error(), row.error_column());
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].first, "");
  EXPECT_EQ(got[1].first, "invalid UTF-8 in column 'email'");
  EXPECT_EQ(got[1].second, 2);
  EXPECT_EQ(got[2].first, "invalid UTF-8 in column 'name'");
  EXPECT_EQ(got[3].first, "invalid UTF-8 in column 'name'");
  EXPECT_EQ(got[4].first, "invalid UTF-8 in column 'name'");
  EXPECT_EQ(got[5].first, "");
}

TEST_F(CsvReaderTest, EmbeddedNulNamesTheColumn) {
  using namespace std::string_literals;
  auto rows = ReadAll("id,name,note\n1,a,b\n2,c\0d,e\n3,f,g\n"s);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_EQ(rows[1].error, "embedded NUL byte in column 'name'");
  EXPECT_EQ(rows[2].error, "");
}

TEST_F(CsvReaderTest, UnbalancedQuoteAtEndOfFileCostsOneRow) {
  auto rows = ReadAll(
      "id,name\n"
      "1,a\n"
      "2,\"multi\nline\"\n"
      "3,\"never closed\n"
      "4,d\n"
      "5,e\n");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_THAT(rows[1].fields, ElementsAre("2", "multi\nline"));
  EXPECT_EQ(rows[2].line, 5);
  EXPECT_EQ(rows[2].error,
            "unbalanced quote: the quoted field opened in column 'name' on "
            "line 5 is still open at end of file");
  EXPECT_TRUE(rows[2].fields.empty());
  EXPECT_EQ(rows[3].line, 6);
  EXPECT_THAT(rows[3].fields, ElementsAre("4", "d"));
  EXPECT_EQ(rows[3].error, "");
  EXPECT_EQ(rows[4].line, 7);
}

TEST_F(CsvReaderTest, UnbalancedQuoteInALaterLineOfAMultiLineRow) {
  // Row 2 starts on line 2; its second field is fine, its third opens on
  // line 3 and never closes. Reading resumes on line 4.
  auto rows = ReadAll("a,b,c\n1,\"x\ny\",\"open\n2,p,q\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_THAT(rows[0].error, HasSubstr("column 'c' on line 3"));
  EXPECT_EQ(rows[1].line, 4);
  EXPECT_THAT(rows[1].fields, ElementsAre("2", "p", "q"));
}

TEST_F(CsvReaderTest, TextAfterClosingQuote) {
  auto rows = ReadAll("a,b\n\"x\"y,1\n2,3\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error, "text after the closing quote in column 'a'");
  EXPECT_EQ(rows[1].error, "");
}

TEST_F(CsvReaderTest, OverlongRowIsReportedAndSkipped) {
  Options options;
  options.max_row_bytes = 16;
  auto rows =
      ReadAll("a,b\n1,2\n" + std::string(40, 'x') + ",3\n4,5\n", options);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error,
            "row is longer than 16 bytes (the limit was reached in column "
            "'a')");
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_THAT(rows[2].fields, ElementsAre("4", "5"));
}

TEST_F(CsvReaderTest, OverlongRowNamesTheColumnThatCrossedTheLimit) {
  Options options;
  options.max_row_bytes = 16;
  auto reader = Reader::Open(
      Write("id,body,tail\n1,\"" + std::string(40, 'x') + "\",z\n2,b,t\n"),
      options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Row row;
  ASSERT_TRUE(*(*reader)->Next(&row));
  EXPECT_FALSE(row.ok());
  EXPECT_EQ(row.error_column(), 1);
  EXPECT_THAT(row.error(), HasSubstr("reached in column 'body'"));
  EXPECT_EQ(row.error().find("xxx"), std::string::npos) << "no value";
  ASSERT_TRUE(*(*reader)->Next(&row));
  EXPECT_TRUE(row.ok());
  EXPECT_EQ(row.field(1), "b");
}

TEST_F(CsvReaderTest, MissingFileIsNotFoundNamingThePath) {
  std::string path = (dir_ / "nope" / "patients.csv").string();
  auto reader = Reader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(absl::IsNotFound(reader.status())) << reader.status();
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr(path));
}

TEST_F(CsvReaderTest, EmptyFileHasNoHeader) {
  for (const std::string& bytes :
       {std::string(""), std::string("\xEF\xBB\xBF"), std::string("\n\r\n")}) {
    auto reader = Reader::Open(Write(bytes));
    ASSERT_FALSE(reader.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(reader.status()));
    EXPECT_THAT(std::string(reader.status().message()),
                HasSubstr("empty file (no header row)"));
  }
}

TEST_F(CsvReaderTest, HoldsNoRowTellsAnEmptyFileFromOthers) {
  for (const std::string& bytes :
       {std::string(""), std::string("\xEF\xBB\xBF"), std::string("\n\r\n"),
        std::string("\xEF\xBB\xBF\r\n") + std::string(10000, '\n')}) {
    auto empty = HoldsNoRow(Write(bytes));
    ASSERT_TRUE(empty.ok()) << empty.status();
    EXPECT_TRUE(*empty) << bytes.size();
  }
  for (const std::string& bytes :
       {std::string("a"), std::string("\n\n a"), std::string("a,b\n"),
        std::string(10000, '\n') + "x", std::string("\xEF\xBB"),
        std::string("\n\xEF\xBB\xBF")}) {
    auto empty = HoldsNoRow(Write(bytes));
    ASSERT_TRUE(empty.ok()) << empty.status();
    EXPECT_FALSE(*empty) << bytes.size();
  }
  auto missing = HoldsNoRow((dir_ / "nope.csv").string());
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
}

TEST_F(CsvReaderTest, HeaderOnlyFileHasNoRows) {
  auto rows = ReadAll("a,b\n");
  EXPECT_TRUE(rows.empty());
}

TEST_F(CsvReaderTest, MalformedHeaderFailsOpen) {
  auto reader = Reader::Open(Write("id,\"name\n1,2\n"));
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(std::string(reader.status().message()),
              HasSubstr(":1: malformed header row: unbalanced quote"));
}

TEST_F(CsvReaderTest, SeekResumesAfterARow) {
  std::string path = Write("\xEF\xBB\xBFid,v\n1,\"a\nb\"\n2,c\n3,d\n");
  auto first = Reader::Open(path);
  ASSERT_TRUE(first.ok());
  Row row;
  ASSERT_TRUE(*(*first)->Next(&row));
  Position after = (*first)->position();
  EXPECT_EQ(after.line, 4);

  auto again = Reader::Open(path);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Seek(after).ok());
  ASSERT_TRUE(*(*again)->Next(&row));
  EXPECT_EQ(row[0], "2");
  EXPECT_EQ(row.line(), 4);
  ASSERT_TRUE(*(*again)->Next(&row));
  EXPECT_EQ(row[0], "3");
  EXPECT_FALSE(*(*again)->Next(&row));

  // The end of the file is a valid place to resume: nothing follows.
  Position end = (*again)->position();
  auto at_end = Reader::Open(path);
  ASSERT_TRUE((*at_end)->Seek(end).ok());
  EXPECT_FALSE(*(*at_end)->Next(&row));
}

TEST_F(CsvReaderTest, SeekRejectsPositionsThatAreNotRowStarts) {
  auto reader = Reader::Open(Write("id,v\n1,a\n2,b\n"));
  ASSERT_TRUE(reader.ok());
  Reader& r = **reader;
  EXPECT_FALSE(r.Seek({0, 1}).ok());   // the header
  EXPECT_FALSE(r.Seek({7, 2}).ok());   // mid-row
  EXPECT_FALSE(r.Seek({99, 9}).ok());  // past the end
  EXPECT_TRUE(r.Seek(r.data_start()).ok());
}

// Writes `rows` with RFC 4180 quoting.
std::string Encode(const std::vector<std::vector<std::string>>& rows,
                   const std::string& eol) {
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      const std::string& f = row[i];
      if (f.find_first_of(",\"\r\n") == std::string::npos) {
        out += f;
      } else {
        out += '"';
        for (char c : f) {
          if (c == '"') out += '"';
          out += c;
        }
        out += '"';
      }
    }
    out += eol;
  }
  return out;
}

TEST_F(CsvReaderTest, RandomRoundTripAcrossBufferBoundaries) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "a", "Zoë", ",", "\"", "\n", "\r\n", " ", "Nguyễn", "x,y", "\"\"", "42"};
  std::vector<std::vector<std::string>> rows = {{"c1", "c2", "c3", "c4"}};
  for (int r = 0; r < 300; ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < 4; ++c) {
      std::string f;
      int n = static_cast<int>(rng() % 5);
      for (int k = 0; k < n; ++k) f += pieces[rng() % pieces.size()];
      row.push_back(f);
    }
    // A row of empty fields would be a blank line only with 1 column.
    rows.push_back(row);
  }
  for (const std::string eol : {"\n", "\r\n"}) {
    for (size_t buffer : {1, 2, 3, 7, 64, 4096}) {
      Options options;
      options.buffer_bytes = buffer;
      auto got = ReadAll(Encode(rows, eol), options);
      ASSERT_EQ(got.size(), rows.size() - 1) << "buffer " << buffer;
      int64_t line = 2;
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].error, "") << i;
        ASSERT_EQ(got[i].fields, rows[i + 1])
            << "row " << i << " buffer " << buffer;
        ASSERT_EQ(got[i].line, line);
        for (const auto& f : rows[i + 1]) {
          line += std::count(f.begin(), f.end(), '\n');
        }
        ++line;
      }
    }
  }
}

TEST_F(CsvReaderTest, Throughput) {
  // Not a benchmark (see csv_reader_benchmark), a guard against an
  // accidental per-byte allocation: 200k realistic rows.
  std::string path = (dir_ / "big.csv").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << "patient_id,first_name,last_name,email,mobile_phone,birth_date,"
           "address_line1,city,state,postal_code,updated_at\n";
    for (int i = 0; i < 200000; ++i) {
      out << 1000 + i << ",José,\"Müller, Jr.\",jose.muller" << i
          << "@mail.example,(512) 555-0142,1980-02-29,\"12 Oak St, Apt 3\","
             "Austin,TX,78701,2026-10-01 09:30:00\n";
    }
  }
  auto reader = Reader::Open(path);
  ASSERT_TRUE(reader.ok());
  Row row;
  auto start = std::chrono::steady_clock::now();
  int64_t rows = 0;
  while (*(*reader)->Next(&row)) {
    ASSERT_TRUE(row.ok());
    ++rows;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(rows, 200000);
  std::cout << "csv: " << static_cast<int64_t>(rows / seconds) << " rows/s\n";
}

}  // namespace
}  // namespace bridgework::csv

namespace bridgework::csv {
namespace {

class CsvEncodingTest : public CsvReaderTest {};

TEST_F(CsvEncodingTest, Windows1252IsTranscodedToUtf8) {
  Options o;
  o.encoding = Encoding::kWindows1252;
  // "Müller;Café €5" in Windows-1252, a header with "Straße".
  auto rows = ReadAll(
      "name;Stra\xDF"
      "e\r\nM\xFCller;Caf\xE9 \x80"
      "5\r\n",
      [&] {
        Options x = o;
        x.delimiter = ';';
        return x;
      }());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].error, "");
  EXPECT_THAT(rows[0].fields, ElementsAre("M\xC3\xBCller",
                                          "Caf\xC3\xA9 \xE2\x82\xAC"
                                          "5"));
}

TEST_F(CsvEncodingTest, UndefinedWindows1252ByteIsARowError) {
  Options o;
  o.encoding = Encoding::kWindows1252;
  auto rows = ReadAll("a,b\nx,y\x81z\nok,\xE9\n", o);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error,
            "byte 0x81 in column 'b' is not a Windows-1252 character");
  EXPECT_EQ(rows[1].error, "");
  EXPECT_THAT(rows[1].fields, ElementsAre("ok", "\xC3\xA9"));
}

TEST_F(CsvEncodingTest, DetectChoosesPerFile) {
  Options detect;
  detect.encoding = Encoding::kDetect;
  struct Case {
    std::string bytes;
    Encoding want;
  } cases[] = {
      {"a\nplain ascii\n", Encoding::kUtf8},
      {"a\nG\xC3\xBCl\xC3\xBC\xC5\x9F\n", Encoding::kUtf8},
      {"\xEF\xBB\xBF"
       "a\nx\xE9\n",
       Encoding::kUtf8},  // BOM wins
      {"a\nG\xFCl\xFC\nJos\xE9\n", Encoding::kWindows1252},
      // Mostly UTF-8 with one bad byte: UTF-8, the bad row reported.
      {"a\nG\xC3\xBCl\nbad\xFF\n", Encoding::kUtf8},
  };
  int i = 0;
  for (const Case& c : cases) {
    auto r = Reader::Open(Write(c.bytes, "d" + std::to_string(i++)), detect);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ((*r)->encoding(), c.want) << "case " << i;
  }
  // A sequence split across the detector's 256 KiB reads still counts as
  // UTF-8.
  std::string big =
      "a\n" + std::string((size_t{256} << 10) - 3, 'x') + "\xC3\xBC\n";
  auto r = Reader::Open(Write(big, "big"), detect);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->encoding(), Encoding::kUtf8);
}

}  // namespace
}  // namespace bridgework::csv
