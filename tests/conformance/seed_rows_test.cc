// Issue 5: every row of each seed write-up's object table appears in the
// pair's default map, either implemented by routes (`seed:` on a route) or
// answered at the map level (`seed_rows:`, e.g. the pipelines section, or
// not migrated with its reason).
//
// The rows are kept in tests/data/seed_rows/<pair>.txt; the test also parses
// the write-ups in ${BRIDGEWORK_SHARED_DIR:-<repo>/../shared}/seeds and checks
// the files still match them.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/mapping/map.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() {
  const char* dir = std::getenv("BRIDGEWORK_SOURCE_DIR");
  return dir ? dir : ".";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Lines of the rows file, comments and blanks left out.
std::vector<std::string> RowsFile(const std::string& pair) {
  std::vector<std::string> rows;
  std::istringstream in(ReadFile(fs::path(SourceDir()) /
                                 "tests/data/seed_rows" / (pair + ".txt")));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') rows.push_back(line);
  }
  return rows;
}

// The object table rows of a seed write-up: "| Source | Target1:1 | ... |".
std::vector<std::string> SeedTable(const fs::path& file) {
  std::vector<std::string> rows;
  std::istringstream in(ReadFile(file));
  const std::regex row(
      R"(^\| ([^|]+?) \| ([^|]+?)(1:1|1:many|many:1|many:many) \|)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.find("Compatibility") != std::string::npos) continue;
    if (std::regex_search(line, m, row)) {
      std::string target = m[2].str();
      while (!target.empty() && target.back() == ' ') target.pop_back();
      rows.push_back(m[1].str() + " -> " + target);
    }
  }
  return rows;
}

struct Pair {
  std::string name;    // examples/<name>/map.yaml
  std::string prefix;  // the seed file's number
};

class SeedRowsTest : public ::testing::TestWithParam<Pair> {};

TEST_P(SeedRowsTest, RowsFileMatchesTheWriteUp) {
  const char* env = std::getenv("BRIDGEWORK_SHARED_DIR");
  fs::path seeds = fs::path(env ? env : SourceDir() + "/../shared") / "seeds";
  ASSERT_TRUE(fs::is_directory(seeds))
      << seeds << " is missing (set BRIDGEWORK_SHARED_DIR)";
  fs::path file;
  for (const auto& entry : fs::directory_iterator(seeds)) {
    if (entry.path().filename().string().rfind(GetParam().prefix + "_", 0) ==
        0) {
      file = entry.path();
    }
  }
  ASSERT_FALSE(file.empty()) << "no seed " << GetParam().prefix;
  std::vector<std::string> table = SeedTable(file);
  EXPECT_GE(table.size(), 10u);
  EXPECT_EQ(RowsFile(GetParam().name), table);
}

TEST_P(SeedRowsTest, EveryRowIsInTheMap) {
  fs::path path =
      fs::path(SourceDir()) / "examples" / GetParam().name / "map.yaml";
  auto map = mapping::ParseMap(ReadFile(path), path.string());
  ASSERT_TRUE(map.ok()) << map.status();
  std::vector<std::string> rows = RowsFile(GetParam().name);
  ASSERT_FALSE(rows.empty());
  std::set<std::string> want(rows.begin(), rows.end());
  std::map<std::string, std::vector<std::string>> cited;  // row -> route ids
  for (const auto& route : map->objects) {
    for (const auto& row : route.seed_rows) {
      cited[row].push_back(route.id);
      EXPECT_TRUE(want.count(row))
          << "route '" << route.id << "' cites '" << row
          << "', which is not a row of the seed table";
      if (route.kind != mapping::ObjectRoute::Kind::kLoad) {
        EXPECT_FALSE(route.reason.empty()) << route.id;
      }
    }
  }
  for (const auto& note : map->seed_rows) {
    cited[note.row].push_back("seed_rows");
    EXPECT_TRUE(want.count(note.row))
        << "seed_rows cites '" << note.row << "', not a row of the table";
    EXPECT_FALSE(note.note.empty()) << note.row;
  }
  for (const auto& row : rows) {
    EXPECT_TRUE(cited.count(row))
        << GetParam().name << ": the seed row '" << row
        << "' is neither mapped nor marked not migrated";
  }
}

INSTANTIATE_TEST_SUITE_P(DefaultMaps, SeedRowsTest,
                         ::testing::Values(Pair{"pbn-freshsales", "000"},
                                           Pair{"pbn-pipedrive", "001"},
                                           Pair{"pbn-highlevel", "002"},
                                           Pair{"drdentes-freshsales", "003"},
                                           Pair{"clinic-freshsales", "004"}),
                         [](const auto& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace bridgework
