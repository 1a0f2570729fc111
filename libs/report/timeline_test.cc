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

// The report's timeline as the auditor counts it (RunReport.timeline)
// and the controller draws it.
json FromOps(const v1::RunReport& report, double budget,
             const std::vector<v1::Operation>& ops) {
  TimelineBuilder b(report.run().started_at());
  for (const auto& op : ops) b.Add(op);
  return TimelineJson(b.Buckets(), budget, report.requests());
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
  const json j = FromOps(RunOf(0), 2.5, ops);
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
  const json t = FromOps(RunOf(10), 0, ops);
  EXPECT_EQ(t["requests_scaled"], true);
  EXPECT_EQ(t["budget_per_second"], 0);
  int64_t sum = 0;
  for (const json& p : t["points"]) sum += p["requests"].get<int64_t>();
  EXPECT_EQ(sum, 10);
  EXPECT_EQ(t["points"][0]["requests"], 8);  // round(3 * 10 / 4)
  EXPECT_EQ(t["points"][1]["requests"], 2);
}

TEST(Timeline, LinksAreRequestsButNotRecords) {
  std::vector<v1::Operation> ops = {
      Op(v1::OP_STATE_APPLIED, kStart),
      Op(v1::OP_STATE_APPLIED, kStart, v1::OP_KIND_MATCH),
      Op(v1::OP_STATE_APPLIED, kStart + 1, v1::OP_KIND_LINK),
      Op(v1::OP_STATE_APPLIED, kStart + 1, v1::OP_KIND_UPDATE),
  };
  const json unscaled = FromOps(RunOf(0), 0, ops);
  EXPECT_EQ(unscaled["points"][0]["records"], 2);
  EXPECT_EQ(unscaled["points"][1]["records"], 1);
  EXPECT_EQ(unscaled["points"][1]["requests"], 2);
  const json scaled = FromOps(RunOf(8), 0, ops);
  EXPECT_EQ(scaled["points"][0]["requests"], 4);
  EXPECT_EQ(scaled["points"][1]["requests"], 4);
}

TEST(Timeline, WidensBucketsForLongRunsAndKeepsEveryRecord) {
  std::vector<v1::Operation> ops;
  for (int s = 0; s < 3600; s += 7)
    ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + s));
  const json t = FromOps(RunOf(0), 1, ops);
  EXPECT_EQ(t["bucket_seconds"], 30);  // ceil(3599 s / 120)
  EXPECT_LE(t["points"].size(), static_cast<size_t>(kMaxTimelinePoints));
  int64_t records = 0;
  for (const json& p : t["points"]) {
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

TEST(Timeline, BucketsWidenToTheAskedPointsAndKeepEveryCount) {
  std::vector<v1::Operation> ops;
  for (int s = 0; s < 10; ++s)
    ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + s));
  ops.push_back(Op(v1::OP_STATE_APPLIED, kStart + 9, v1::OP_KIND_LINK));
  TimelineBuilder b{RunOf(0).run().started_at()};
  for (const auto& op : ops) b.Add(op);
  const v1::OutcomeTimeline buckets = b.Buckets(/*max_points=*/4);
  EXPECT_EQ(buckets.origin_unix_seconds(), kStart);
  EXPECT_EQ(buckets.bucket_seconds(), 3);  // ceil(10 s / 4)
  ASSERT_EQ(buckets.buckets_size(), 4);
  EXPECT_EQ(buckets.buckets(3).records(), 1);
  EXPECT_EQ(buckets.buckets(3).operations(), 2);
  const json t = TimelineJson(buckets, 0, 22);
  int64_t records = 0, requests = 0;
  for (const json& p : t["points"]) {
    records += p["records"].get<int64_t>();
    requests += p["requests"].get<int64_t>();
  }
  EXPECT_EQ(records, 10);
  EXPECT_EQ(requests, 22);
  EXPECT_EQ(t["bucket_seconds"], 3);
  EXPECT_EQ(t["points"][0], json({{"t", 0}, {"records", 3}, {"requests", 6}}));
  EXPECT_EQ(t["points"][3], json({{"t", 9}, {"records", 1}, {"requests", 4}}));
}

}  // namespace
}  // namespace bridgework::report
