#include "libs/report/timeline.h"

#include <vector>

#include <gtest/gtest.h>

namespace bridgework::report {
namespace {

using nlohmann::json;

constexpr int64_t kStart = 1795382400;

v1::Operation Op(v1::OpState state, int64_t outcome_second,
                 v1::OpKind kind = v1::OP_KIND_CREATE) {
  v1::Operation op;
  op.set_kind(kind);
  op.set_state(state);
  if (outcome_second > 0)
    op.mutable_outcome_at()->set_unix_seconds(outcome_second);
  return op;
}

v1::RunReport RunOf(int64_t requests) {
  v1::RunReport r;
  r.mutable_run()->mutable_started_at()->set_unix_seconds(kStart);
  r.set_requests(requests);
  return r;
}

OperationStream Stream(const std::vector<v1::Operation>& ops) {
  return [ops](const std::function<bool(const v1::Operation&)>& visit) {
    for (const auto& op : ops) {
      if (!visit(op)) break;
    }
    return absl::OkStatus();
  };
}

TEST(Timeline, CountsOutcomesPerSecondFromTheRunStart) {
  std::vector<v1::Operation> ops = {
      Op(v1::OP_STATE_APPLIED, kStart + 2),
      Op(v1::OP_STATE_APPLIED, kStart + 2),
      Op(v1::OP_STATE_FAILED, kStart + 4),
      Op(v1::OP_STATE_ADOPTED, kStart + 4),
      Op(v1::OP_STATE_INTENT, 0),           // no outcome yet
      Op(v1::OP_STATE_INTENT, kStart + 9),  // an intent is not done
  };
  auto t = BuildTimeline(RunOf(0), 2.5, Stream(ops));
  ASSERT_TRUE(t.ok()) << t.status();
  const json& j = *t;
  EXPECT_EQ(j["bucket_seconds"], 1);
  EXPECT_EQ(j["budget_per_second"], 2.5);
  EXPECT_EQ(j["requests_scaled"], false);
  ASSERT_EQ(j["points"].size(), 5u);  // seconds 0..4, gaps included
  EXPECT_EQ(j["points"][0], json({{"t", 0}, {"records", 0}, {"requests", 0}}));
  EXPECT_EQ(j["points"][2]["records"], 2);
  EXPECT_EQ(j["points"][3]["records"], 0);
  EXPECT_EQ(j["points"][4]["records"], 2);
  EXPECT_EQ(j["points"][4]["requests"], 2);  // unscaled: = records
}

TEST(Timeline, SpreadsTheRunsRequestsOverItsOperations) {
  std::vector<v1::Operation> ops;
  for (int i = 0; i < 3; ++i) ops.push_back(Op(v1::OP_STATE_APPLIED, kStart));
  ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + 1));
  auto t = BuildTimeline(RunOf(10), 0, Stream(ops));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["requests_scaled"], true);
  EXPECT_EQ((*t)["budget_per_second"], 0);
  int64_t sum = 0;
  for (const json& p : (*t)["points"]) sum += p["requests"].get<int64_t>();
  EXPECT_EQ(sum, 10);
  EXPECT_EQ((*t)["points"][0]["requests"], 8);  // round(3 * 10 / 4)
  EXPECT_EQ((*t)["points"][1]["requests"], 2);
}

TEST(Timeline, LinksAreRequestsButNotRecords) {
  std::vector<v1::Operation> ops = {
      Op(v1::OP_STATE_APPLIED, kStart),
      Op(v1::OP_STATE_APPLIED, kStart, v1::OP_KIND_MATCH),
      Op(v1::OP_STATE_APPLIED, kStart + 1, v1::OP_KIND_LINK),
      Op(v1::OP_STATE_APPLIED, kStart + 1, v1::OP_KIND_UPDATE),
  };
  auto unscaled = BuildTimeline(RunOf(0), 0, Stream(ops));
  ASSERT_TRUE(unscaled.ok());
  EXPECT_EQ((*unscaled)["points"][0]["records"], 2);
  EXPECT_EQ((*unscaled)["points"][1]["records"], 1);
  EXPECT_EQ((*unscaled)["points"][1]["requests"], 2);
  auto scaled = BuildTimeline(RunOf(8), 0, Stream(ops));
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ((*scaled)["points"][0]["requests"], 4);
  EXPECT_EQ((*scaled)["points"][1]["requests"], 4);
}

TEST(Timeline, WidensBucketsForLongRunsAndKeepsEveryRecord) {
  std::vector<v1::Operation> ops;
  for (int s = 0; s < 3600; s += 7)
    ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + s));
  auto t = BuildTimeline(RunOf(0), 1, Stream(ops));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["bucket_seconds"], 30);  // ceil(3599 s / 120)
  EXPECT_LE((*t)["points"].size(), static_cast<size_t>(kMaxTimelinePoints));
  int64_t records = 0;
  for (const json& p : (*t)["points"]) {
    EXPECT_EQ(p["t"].get<int64_t>() % 30, 0);
    records += p["records"].get<int64_t>();
  }
  EXPECT_EQ(records, static_cast<int64_t>(ops.size()));
}

TEST(Timeline, UnknownStartUsesTheFirstOutcomeAndEmptyHasNoPoints) {
  TimelineBuilder b{v1::Timestamp()};
  EXPECT_EQ(TimelineJson(b.Buckets(), 0, 0), EmptyTimeline());
  b.Add(Op(v1::OP_STATE_APPLIED, kStart + 100));
  b.Add(Op(v1::OP_STATE_APPLIED, kStart + 101));
  json j = TimelineJson(b.Buckets(), 0, 0);
  ASSERT_EQ(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][0]["t"], 0);
  EXPECT_EQ(j["points"][0]["records"], 1);
}

TEST(Timeline, OutcomesBeforeTheRecordedStartCountFromTheEarliest) {
  TimelineBuilder b{RunOf(0).run().started_at()};
  b.Add(Op(v1::OP_STATE_APPLIED, kStart - 3));
  b.Add(Op(v1::OP_STATE_APPLIED, kStart));
  json j = TimelineJson(b.Buckets(), 0, 0);
  ASSERT_EQ(j["points"].size(), 4u);
  EXPECT_EQ(j["points"][0]["records"], 1);
  EXPECT_EQ(j["points"][3]["records"], 1);
}

TEST(Timeline, TakesTheAuditorsBucketsWithoutReadingOperations) {
  std::vector<v1::Operation> ops;
  for (int s = 0; s < 10; ++s)
    ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + s));
  ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + 9, v1::OP_KIND_LINK));
  TimelineBuilder b{RunOf(0).run().started_at()};
  for (const auto& op : ops) b.Add(op);
  v1::RunReport report = RunOf(22);
  *report.mutable_timeline() = b.Buckets(/*max_points=*/4);
  EXPECT_EQ(report.timeline().origin_unix_seconds(), kStart);
  EXPECT_EQ(report.timeline().bucket_seconds(), 3);  // ceil(10 s / 4)
  ASSERT_EQ(report.timeline().buckets_size(), 4);
  EXPECT_EQ(report.timeline().buckets(3).records(), 1);
  EXPECT_EQ(report.timeline().buckets(3).operations(), 2);
  bool read = false;
  auto t = BuildTimeline(report, 0, [&read](const auto&) {
    read = true;
    return absl::OkStatus();
  });
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_FALSE(read);
  int64_t records = 0, requests = 0;
  for (const json& p : (*t)["points"]) {
    records += p["records"].get<int64_t>();
    requests += p["requests"].get<int64_t>();
  }
  EXPECT_EQ(records, 10);
  EXPECT_EQ(requests, 22);
  EXPECT_EQ((*t)["bucket_seconds"], 3);
  EXPECT_EQ((*t)["points"][0],
            json({{"t", 0}, {"records", 3}, {"requests", 6}}));
  EXPECT_EQ((*t)["points"][3],
            json({{"t", 9}, {"records", 1}, {"requests", 4}}));
}

TEST(Timeline, ReturnsTheStreamsError) {
  auto t = BuildTimeline(RunOf(0), 0, [](const auto&) {
    return absl::UnavailableError("auditor gone");
  });
  EXPECT_EQ(t.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace bridgework::report
