// The Dr.DENTES and clinic sample generators: deterministic, and the
// exports committed under examples/*/data are exactly their output (so the
// documented bad rows and counts stay true).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/gen_sample/clinic_generator.h"
#include "tools/gen_sample/drdentes_generator.h"
#include "tools/gen_sample/gen_util.h"

namespace bridgework::gen_sample {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

// Relative path -> bytes of every file under `dir`, except the READMEs
// written by hand.
std::map<std::string, std::string> Tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = fs::relative(entry.path(), dir).string();
    if (rel == "README.md") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[rel] = ss.str();
  }
  return out;
}

class ExportGeneratorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = fs::temp_directory_path() /
           ("bw-gen-exports-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  // Generates into tmp_/<name> and compares with examples/<example>/data.
  void ExpectCommittedDataIsTheOutput(
      const std::string& example,
      absl::StatusOr<ExportSummary> (*write)(const std::string&, uint32_t),
      const std::vector<std::string>& bad_rows) {
    const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
    ASSERT_NE(root, nullptr) << "BRIDGEWORK_SOURCE_DIR is not set";
    const fs::path out = tmp_ / example;
    auto summary = write(out.string(), 42);
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->bad_rows, bad_rows);
    auto generated = Tree(out);
    auto committed = Tree(fs::path(root) / "examples" / example / "data");
    ASSERT_FALSE(committed.empty());
    std::vector<std::string> gen_names, committed_names;
    for (const auto& [name, bytes] : generated) gen_names.push_back(name);
    for (const auto& [name, bytes] : committed) {
      committed_names.push_back(name);
    }
    ASSERT_EQ(gen_names, committed_names)
        << "regenerate with bridgework-gen-sample --system ... --out "
           "examples/"
        << example << "/data";
    for (const auto& [name, bytes] : generated) {
      EXPECT_TRUE(bytes == committed[name])
          << name << " differs from the generator's output";
    }
    int files = 0, rows = 0;
    for (const auto& [file, count] : summary->files) {
      ++files;
      rows += count;
      EXPECT_TRUE(generated.count(file)) << file;
    }
    EXPECT_EQ(files + summary->attachments, static_cast<int>(generated.size()));
    EXPECT_GT(rows, 300);
  }

  fs::path tmp_;
};

TEST_F(ExportGeneratorsTest, DrDentesDataIsTheGeneratorsOutput) {
  ExpectCommittedDataIsTheOutput(
      "drdentes-freshsales", &WriteDrDentesSample,
      {"patients.csv:41 birth_date", "appointments.csv:31 duration_minutes"});
}

TEST_F(ExportGeneratorsTest, ClinicDataIsTheGeneratorsOutput) {
  ExpectCommittedDataIsTheOutput(
      "clinic-freshsales", &WriteClinicSample,
      {"billing.csv:24 amount_billed", "documents.csv:10 file_path"});
}

TEST_F(ExportGeneratorsTest, SameSeedSameBytesOtherSeedOtherData) {
  for (auto* write : {&WriteDrDentesSample, &WriteClinicSample}) {
    ASSERT_TRUE(write((tmp_ / "a").string(), 7).ok());
    ASSERT_TRUE(write((tmp_ / "b").string(), 7).ok());
    ASSERT_TRUE(write((tmp_ / "c").string(), 8).ok());
    EXPECT_EQ(Tree(tmp_ / "a"), Tree(tmp_ / "b"));
    EXPECT_NE(Tree(tmp_ / "a")["patients.csv"],
              Tree(tmp_ / "c")["patients.csv"]);
    fs::remove_all(tmp_);
  }
}

TEST_F(ExportGeneratorsTest, DialectOfEachExport) {
  ASSERT_TRUE(WriteDrDentesSample((tmp_ / "dd").string(), 42).ok());
  ASSERT_TRUE(WriteClinicSample((tmp_ / "cl").string(), 42).ok());
  auto dd = Tree(tmp_ / "dd");
  auto cl = Tree(tmp_ / "cl");
  EXPECT_EQ(dd["clinics.csv"].rfind("clinic_id;company_code;", 0), 0u);
  EXPECT_EQ(dd["clinics.csv"].find('\r'), std::string::npos);
  // A byte-order mark and CRLF line ends.
  EXPECT_EQ(cl["locations.csv"].rfind("\xEF\xBB\xBFlocation_id,name,", 0), 0u);
  EXPECT_NE(cl["locations.csv"].find("updated_at\r\n"), std::string::npos);
}

TEST(CsvText, QuotesOnlyWhatNeedsIt) {
  CsvText csv(';', "\n");
  csv.Header({"a", "b"});
  EXPECT_EQ(csv.Row({"x,y", "1;2"}), 2);
  EXPECT_EQ(csv.Row({"say \"hi\"", "two\nlines"}), 3);
  EXPECT_EQ(csv.Row({"", "z"}), 5);
  EXPECT_EQ(csv.text(),
            "a;b\nx,y;\"1;2\"\n\"say \"\"hi\"\"\";\"two\nlines\"\n;z\n");
  EXPECT_EQ(csv.rows(), 3);
}

TEST(GenUtil, GroupThousandsPngAndPdf) {
  EXPECT_EQ(GroupThousands(0, '.'), "0");
  EXPECT_EQ(GroupThousands(999, '.'), "999");
  EXPECT_EQ(GroupThousands(1000, '.'), "1.000");
  EXPECT_EQ(GroupThousands(1234567, ','), "1,234,567");

  const std::string png = PngImage(3, 2, [](int x, int y) {
    return std::array<uint8_t, 3>{static_cast<uint8_t>(x), 0,
                                  static_cast<uint8_t>(y)};
  });
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(png.substr(16, 8), std::string("\0\0\0\3\0\0\0\2", 8));
  // CRC-32 of "IHDR" + its data, as every PNG reader checks it.
  EXPECT_EQ(png.substr(29, 4), std::string("\x12\x16\xf1\x4d", 4))
      << "IHDR CRC";
  EXPECT_EQ(png.substr(png.size() - 12),
            std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12));

  const std::string pdf = PdfDocument({"Hello (world)"});
  EXPECT_EQ(pdf.rfind("%PDF-1.4\n", 0), 0u);
  EXPECT_NE(pdf.find("(Hello \\(world\\)) Tj"), std::string::npos);
  // startxref points at the xref table.
  size_t at = pdf.find("startxref\n");
  ASSERT_NE(at, std::string::npos);
  size_t xref = std::stoul(pdf.substr(at + 10));
  EXPECT_EQ(pdf.substr(xref, 4), "xref");
}

}  // namespace
}  // namespace bridgework::gen_sample
