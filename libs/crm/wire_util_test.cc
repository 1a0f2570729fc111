#include "libs/crm/wire_util.h"

#include <fstream>

#include "gtest/gtest.h"

namespace bridgework::crm {
namespace {

TEST(WireUtilTest, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode("a+b@x y/z"), "a%2Bb%40x%20y%2Fz");
  EXPECT_EQ(UrlEncode("Az09-_.~"), "Az09-_.~");
}

TEST(WireUtilTest, QueryStringEncodesNamesAndValues) {
  EXPECT_EQ(QueryString({}), "");
  EXPECT_EQ(QueryString({{"query", "a&b"}, {"limit", "100"}}),
            "?query=a%26b&limit=100");
}

TEST(WireUtilTest, IdsKeepTheirWireType) {
  EXPECT_EQ(IdJson("42"), nlohmann::json(42));
  EXPECT_EQ(IdJson("ab12"), nlohmann::json("ab12"));
  EXPECT_EQ(IdText(nlohmann::json(42)), "42");
  EXPECT_EQ(IdText(nlohmann::json("ab12")), "ab12");
}

TEST(WireUtilTest, LinksGiveTheirIdsAsText) {
  using nlohmann::json;
  EXPECT_EQ(IdTexts(json(42)), std::vector<std::string>{"42"});
  EXPECT_EQ(IdTexts(json::parse(R"([{"id":1,"is_primary":true},{"id":"b"}])")),
            (std::vector<std::string>{"1", "b"}));
  EXPECT_TRUE(IdTexts(json()).empty());
  EXPECT_TRUE(IdTexts(json::array()).empty());
}

TEST(WireUtilTest, ItemsWithoutAUsableIdHaveNone) {
  using nlohmann::json;
  EXPECT_EQ(IdOf(json::parse(R"({"id":7,"name":"x"})")), "7");
  EXPECT_EQ(IdOf(json::parse(R"({"id":"p1"})")), "p1");
  EXPECT_EQ(IdOf(json::parse(R"({"name":"no id"})")), "");
  EXPECT_EQ(IdOf(json::parse(R"({"id":null})")), "");
  EXPECT_EQ(IdOf(json::parse(R"({"id":{"v":1}})")), "");
  EXPECT_EQ(IdOf(json::parse(R"({"id":1.5})")), "");
  EXPECT_EQ(IdOf(json(3)), "");
  EXPECT_EQ(IdOf(json::array({1})), "");
}

TEST(WireUtilTest, MembersReadWithoutThrowing) {
  using nlohmann::json;
  json j = {{"custom_field", {{"cf_x", 1}}}, {"name", "Ana"}};
  EXPECT_EQ(Member(j, "custom_field"), json({{"cf_x", 1}}));
  EXPECT_EQ(Member(j, "name"), json::object());
  EXPECT_EQ(Member(json("text"), "name"), json::object());
  EXPECT_EQ(ValueOf(j, "name"), json("Ana"));
  EXPECT_TRUE(ValueOf(j, "missing").is_null());
  EXPECT_TRUE(ValueOf(json::array(), "name").is_null());
}

TEST(WireUtilTest, FileUrisBecomePaths) {
  EXPECT_EQ(*FileUriPath("file:///tmp/x%20ray.png"), "/tmp/x ray.png");
  EXPECT_EQ(*FileUriPath("file://localhost/tmp/a"), "/tmp/a");
  EXPECT_FALSE(FileUriPath("https://x.example/a").ok());
  EXPECT_FALSE(FileUriPath("file://relative/a").ok());
}

TEST(WireUtilTest, LocalFilesAreReadWhole) {
  std::string path = ::testing::TempDir() + "/wire-util-read.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string("a\0b", 3);
  }
  EXPECT_EQ(*ReadLocalFile(path), std::string("a\0b", 3));
  absl::StatusOr<std::string> missing = ReadLocalFile(path + ".missing");
  EXPECT_TRUE(absl::IsFailedPrecondition(missing.status()));
  EXPECT_EQ(missing.status().message().find(path), std::string::npos)
      << "the path is not in the message";
}

}  // namespace
}  // namespace bridgework::crm
