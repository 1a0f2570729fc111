#include "libs/common/trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "libs/common/log.h"

namespace bridgework {
namespace {

TEST(Trace, FormatsAndParsesTraceparent) {
  const std::string id = NewTraceId();
  ASSERT_EQ(id.size(), 32u);
  EXPECT_NE(id, NewTraceId());
  const std::string header = FormatTraceparent(id);
  EXPECT_THAT(header,
              ::testing::MatchesRegex("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
  EXPECT_EQ(ParseTraceparent(header), id);
  // The W3C example.
  EXPECT_EQ(ParseTraceparent(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(Trace, RejectsMalformedTraceparent) {
  for (const char* bad : {
           "",
           "garbage",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
           "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
       }) {
    EXPECT_EQ(ParseTraceparent(bad), "") << bad;
  }
}

TEST(LogContext, LinesCarryTheThreadsRunAndTraceWhileScoped) {
  ::testing::internal::CaptureStderr();
  LogInfo("before");
  {
    ScopedLogContext outer({"r-000007", "4bf92f3577b34da6a3ce929d0e0e4736"});
    LogInfo("inside", {{"object", "patient"}});
    {
      ScopedLogContext inner({"r-000008", ""});
      LogInfo("nested");
    }
    LogInfo("explicit", {{"run", "r-000009"}});
  }
  LogInfo("after");
  std::string out = ::testing::internal::GetCapturedStderr();
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    lines.push_back(nlohmann::json::parse(out.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 5u) << out;
  EXPECT_FALSE(lines[0].contains("run"));
  EXPECT_FALSE(lines[0].contains("trace"));
  EXPECT_EQ(lines[1]["run"], "r-000007");
  EXPECT_EQ(lines[1]["trace"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(lines[1]["object"], "patient");
  EXPECT_EQ(lines[2]["run"], "r-000008");
  EXPECT_FALSE(lines[2].contains("trace"));
  EXPECT_EQ(lines[3]["run"], "r-000009") << "the caller's field wins";
  EXPECT_FALSE(lines[4].contains("run"));
  EXPECT_FALSE(lines[4].contains("trace"));
}

}  // namespace
}  // namespace bridgework
