#include "libs/ledger/ledger_keys.h"

#include <gtest/gtest.h>

namespace bridgework::ledger::ledger_internal {
namespace {

TEST(LedgerKeys, EscapingIsReversibleAndRemovesSlashes) {
  for (std::string s : {"", "plain", "a/b", "%2F", "100%", "/%/", "é/ü"}) {
    std::string e = EscapeComponent(s);
    EXPECT_EQ(e.find('/'), std::string::npos) << s;
    EXPECT_EQ(UnescapeComponent(e), s);
  }
  EXPECT_EQ(EscapeComponent("a/b%c"), "a%2Fb%25c");
  EXPECT_EQ(EscapeComponent("%%//x/"), "%25%25%2F%2Fx%2F");
  EXPECT_EQ(MapKey("a/c", "p%", "1/2", "t"), "m/a%2Fc/p%25/1%2F2/t");
}

TEST(LedgerKeys, ComponentsCannotCollide) {
  EXPECT_NE(MapKey("a", "b/c", "d", "e"), MapKey("a", "b", "c/d", "e"));
  EXPECT_NE(PendingKey("a/b", "c", "d", "e"), PendingKey("a", "b/c", "d", "e"));
  EXPECT_NE(DispositionKey("r-1", "x", "a/b"),
            DispositionKey("r-1", "x/a", "b"));
}

TEST(LedgerKeys, OperationKeysSortBySeqWithinTheirRun) {
  EXPECT_LT(OpKey("r-000001", 9), OpKey("r-000001", 10));
  EXPECT_LT(OpKey("r-000001", 255), OpKey("r-000001", 4096));
  EXPECT_EQ(OpKey("r-000001", 26), "o/r-000001/000000000000001a");
  std::string prefix = OpPrefix("r-1");
  EXPECT_EQ(OpKey("r-10", 1).compare(0, prefix.size(), prefix) == 0, false);
  EXPECT_LT(OpKey("r-1", 1), PrefixEnd(prefix));
  EXPECT_LT(OpKey("r-1", INT64_MAX), PrefixEnd(prefix));
  EXPECT_GE(OpKey("r-10", 1) < prefix || OpKey("r-10", 1) >= PrefixEnd(prefix),
            true);
}

TEST(LedgerKeys, MapKeysParseBackAndSitUnderTheirPrefixes) {
  const std::string key = MapKey("acct/1", "patient", "a/b%c", "contact");
  auto parts = ParseMapKey(key);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->account, "acct/1");
  EXPECT_EQ(parts->source_object, "patient");
  EXPECT_EQ(parts->source_key, "a/b%c");
  EXPECT_EQ(parts->target_object, "contact");
  EXPECT_EQ(key.rfind(MapPrefix("acct/1"), 0), 0u);
  EXPECT_EQ(key.rfind(MapPrefix("acct/1", "patient"), 0), 0u);
  EXPECT_NE(key.rfind(MapPrefix("acct"), 0), 0u);
  EXPECT_NE(key.rfind(MapPrefix("acct/1", "pat"), 0), 0u);
  EXPECT_FALSE(ParseMapKey("m/a/b/c").has_value());
  EXPECT_FALSE(ParseMapKey("m/a/b/c/d/e").has_value());
  EXPECT_FALSE(ParseMapKey(PendingKey("a", "b", "c", "d")).has_value());
}

TEST(LedgerKeys, PrefixEnd) {
  EXPECT_EQ(PrefixEnd("d/"), "d0");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), "");
}

// A record's pending marker (v1) and id-map entry name it the same way.
TEST(LedgerKeys, PendingAndMapKeysOfOneRecordConvert) {
  const std::string map = MapKey("acct/1", "patient", "10%", "contact");
  const std::string pending = PendingKey("acct/1", "patient", "10%", "contact");
  EXPECT_EQ(PendingKeyOf(map), pending);
  EXPECT_EQ(MapKeyOf(pending), map);
}

}  // namespace
}  // namespace bridgework::ledger::ledger_internal
