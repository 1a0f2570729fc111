#include "libs/mapping/map.h"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::mapping {
namespace {

using ::testing::HasSubstr;

std::string ReadExample(const std::string& rel) {
  const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParseMap, ShippedPbnFreshsalesMapParsesAndOrders) {
  auto map =
      ParseMap(ReadExample("examples/pbn-freshsales/map.yaml"), "map.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->source, "pbn");
  auto order = LoadOrder(*map);
  ASSERT_TRUE(order.ok()) << order.status();
  // Reference objects, then loaded ones parents first, then every
  // not-migrated object of the export.
  ASSERT_EQ(order->size(), map->objects.size());
  EXPECT_EQ((*order)[0]->source, "provider");
  EXPECT_EQ((*order)[1]->source, "location");
  EXPECT_EQ((*order)[2]->source, "patient");
  for (size_t i = 3; i < order->size(); ++i) {
    EXPECT_EQ((*order)[i]->kind, ObjectRoute::Kind::kNotMigrated)
        << (*order)[i]->source;
  }
  EXPECT_EQ(map->hash.size(), 64u);
}

TEST(ParseMap, UnknownKeyNamesLineAndPath) {
  const char* yaml =
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n    target: contact\n    fields:\n"
      "      - {to: email, form: email}\n";
  auto map = ParseMap(yaml, "m.yaml");
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(std::string(map.status().message()),
              HasSubstr("m.yaml:8: objects[0].fields[0]: unknown key 'form'"));
}

TEST(ParseMap, RejectsBadTransformAndMissingTarget) {
  auto bad = ParseMap(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n    target: contact\n    fields:\n"
      "      - {to: email, from: email, transform: shout}\n",
      "m.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown transform 'shout'"));
  auto no_target = ParseMap(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n",
      "m.yaml");
  ASSERT_FALSE(no_target.ok());
  EXPECT_THAT(std::string(no_target.status().message()),
              HasSubstr("m.yaml:5: objects[0].target"));
}

TEST(ParseMap, SyntaxErrorNamesLine) {
  auto map = ParseMap("version: 1\nobjects: [\n", "m.yaml");
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(std::string(map.status().message()), HasSubstr("m.yaml:"));
  EXPECT_THAT(std::string(map.status().message()), HasSubstr("invalid YAML"));
}

TEST(LoadOrder, CycleWithoutDeferrableIsAnError) {
  auto map = ParseMap(
      "version: 1\nsource: s\ndestination: d\nobjects:\n"
      "  - source: a\n    target: x\n    lookups: [{to: f, from: b_id, object: "
      "b, target: y}]\n"
      "  - source: b\n    target: y\n    lookups: [{to: g, from: a_id, object: "
      "a, target: x}]\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_FALSE(LoadOrder(*map).ok());
}

}  // namespace
}  // namespace bridgework::mapping
