// Checks the emulator's operation table against Pipedrive's official
// OpenAPI specs: every served operation exists there (path and method) and
// charges the spec's x-token-cost. The specs are read from
// $BRIDGEWORK_SHARED_DIR/specs/pipedrive (default /work/shared).
#include "emulators/pipedrive/pipedrive_operations.h"

#include <cstdlib>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"

namespace bridgework::emulator::pipedrive {
namespace {

std::string SpecDir() {
  const char* shared = std::getenv("BRIDGEWORK_SHARED_DIR");
  return std::string(shared != nullptr && *shared != '\0' ? shared
                                                          : "/work/shared") +
         "/specs/pipedrive";
}

class OperationsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string dir = SpecDir();
    for (const char* name : {"openapi-v1.yaml", "openapi-v2.yaml"}) {
      ASSERT_TRUE(std::filesystem::exists(dir + "/" + name))
          << dir << "/" << name
          << " is missing: set BRIDGEWORK_SHARED_DIR to the shared folder";
    }
    v1_ = new YAML::Node(YAML::LoadFile(dir + "/openapi-v1.yaml"));
    v2_ = new YAML::Node(YAML::LoadFile(dir + "/openapi-v2.yaml"));
  }
  static void TearDownTestSuite() {
    delete v1_;
    delete v2_;
  }
  static YAML::Node* v1_;
  static YAML::Node* v2_;
};

YAML::Node* OperationsTest::v1_ = nullptr;
YAML::Node* OperationsTest::v2_ = nullptr;

TEST_F(OperationsTest, EveryOperationIsInTheSpecWithItsTokenCost) {
  ASSERT_NE(v1_, nullptr);
  int checked = 0;
  for (const Operation& op : Operations()) {
    const YAML::Node& spec = op.api == Api::kV2 ? *v2_ : *v1_;
    std::string path(op.path);
    std::string method = absl::AsciiStrToLower(std::string(op.method));
    YAML::Node item = spec["paths"][path];
    ASSERT_TRUE(item.IsDefined() && item.IsMap())
        << op.Route() << ": path not in the spec";
    YAML::Node operation = item[method];
    ASSERT_TRUE(operation.IsDefined()) << op.Route() << ": method not in spec";
    ASSERT_TRUE(operation["x-token-cost"].IsDefined()) << op.Route();
    EXPECT_EQ(operation["x-token-cost"].as<int>(), op.token_cost) << op.Route();
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(Operations().size()));
}

TEST_F(OperationsTest, SearchOperationsAreTheSearchEndpoints) {
  for (const Operation& op : Operations()) {
    std::string path(op.path);
    bool search = path.find("search") != std::string::npos ||
                  path.find("Search") != std::string::npos;
    EXPECT_EQ(op.search, search) << op.Route();
  }
}

TEST(Operations, RoutesAreUniqueAndFindable) {
  std::set<std::string> routes;
  for (const Operation& op : Operations()) {
    EXPECT_TRUE(routes.insert(op.Route()).second) << op.Route();
  }
  const Operation* get = FindOperation("GET", "/api/v2/persons/12");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->Route(), "GET /api/v2/persons/{id}");
  const Operation* search = FindOperation("GET", "/api/v2/persons/search");
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(search->Route(), "GET /api/v2/persons/search");
  EXPECT_TRUE(search->search);
  for (const char* path : {"/v1/notes/3", "/api/v1/notes/3"}) {
    const Operation* note = FindOperation("PUT", path);
    ASSERT_NE(note, nullptr) << path;
    EXPECT_EQ(note->Route(), "PUT /v1/notes/{id}");
  }
  EXPECT_EQ(FindOperation("GET", "/api/v2/nothing"), nullptr);
  EXPECT_EQ(FindOperation("PUT", "/api/v2/persons/1"), nullptr);
  EXPECT_EQ(FindOperation("GET", "/v2/persons"), nullptr);
  EXPECT_EQ(RouteRegex("/api/v2", *get), "/api/v2/persons/([^/]+)");
}

}  // namespace
}  // namespace bridgework::emulator::pipedrive
