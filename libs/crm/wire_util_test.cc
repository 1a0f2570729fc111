#include "libs/crm/wire_util.h"

#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace bridgework::crm {
namespace {

TEST(WireUtilTest, DumpJsonWritesWhatDumpWrites) {
  using nlohmann::json;
  const std::vector<json> cases = {
      json::object(),
      json::array(),
      nullptr,
      true,
      false,
      0,
      -42,
      std::numeric_limits<int64_t>::min(),
      std::numeric_limits<uint64_t>::max(),
      1.5,
      -0.0,
      0.1,
      1e300,
      "",
      "plain text",
      "quote \" and backslash \\ and slash /",
      "tab\tnew line\ncontrol \x01 del \x7f",
      // "Ana María €" and an emoji: multi-byte UTF-8.
      std::string("Ana Mar\xc3\xad") + "a \xe2\x82\xac \xf0\x9f\xa6\xb7",
      json{{"contact",
            {{"first_name", "Ana"},
             {"emails", {{{"value", "a@b.c"}, {"is_primary", true}}}},
             {"custom_field", {{"cf_x", nullptr}, {"cf_\"q\"", 3.25}}},
             {"owner_id", 7}}}},
      json{{"k\u00e9y", json::array({1, "two", json::array(), 3.0})}},
  };
  for (const json& j : cases) EXPECT_EQ(DumpJson(j), j.dump()) << j.dump();

  // Random trees: every type, nested, strings drawn from bytes that need an
  // escape, non-ASCII UTF-8 and plain ASCII.
  std::mt19937 rng(20261125);
  const std::vector<std::string> pieces = {
      "a", "Z", " ", "\"", "\\", "\n", "\x1f", "\x7f", "\xc3\xa9", "~", "{}"};
  auto text = [&] {
    std::string s;
    for (int n = static_cast<int>(rng() % 6); n > 0; --n)
      s += pieces[rng() % pieces.size()];
    return s;
  };
  std::function<json(int)> tree = [&](int depth) -> json {
    switch (depth > 3 ? rng() % 6 : rng() % 8) {
      case 0:
        return nullptr;
      case 1:
        return rng() % 2 == 0;
      case 2:
        return static_cast<int64_t>(rng()) - (1LL << 31);
      case 3:
        return static_cast<double>(rng() % 100000) / 7.0;
      case 4:
        return text();
      case 5:
        return static_cast<uint64_t>(rng()) << 32;
      case 6: {
        json o = json::object();
        for (int n = static_cast<int>(rng() % 5); n > 0; --n)
          o[text()] = tree(depth + 1);
        return o;
      }
      default: {
        json a = json::array();
        for (int n = static_cast<int>(rng() % 5); n > 0; --n)
          a.push_back(tree(depth + 1));
        return a;
      }
    }
  };
  for (int i = 0; i < 2000; ++i) {
    json j = tree(0);
    ASSERT_EQ(DumpJson(j), j.dump());
  }

  // Invalid UTF-8 (which dump refuses) is replaced, not thrown.
  const json bad = {{"k\xfe", "bad \xff byte"}};
  EXPECT_EQ(DumpJson(bad),
            bad.dump(-1, ' ', false, json::error_handler_t::replace));
}

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
