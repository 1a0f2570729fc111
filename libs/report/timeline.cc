#include "libs/report/timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace bridgework::report {

using nlohmann::json;

TimelineBuilder::TimelineBuilder(const v1::Timestamp& run_started)
    : origin_(run_started.unix_seconds() > 0
                  ? run_started.unix_seconds()
                  : std::numeric_limits<int64_t>::max()) {}

void TimelineBuilder::Add(const v1::Operation& op) {
  Add(op.kind(), op.state(),
      op.has_outcome_at() ? op.outcome_at().unix_seconds() : 0);
}

void TimelineBuilder::Add(v1::OpKind kind, v1::OpState state,
                          int64_t outcome_seconds) {
  if (state == v1::OP_STATE_INTENT || state == v1::OP_STATE_UNSPECIFIED ||
      outcome_seconds <= 0) {
    return;
  }
  Second& second = per_second_[outcome_seconds];
  if (kind != v1::OP_KIND_LINK) ++second.records;
  ++second.operations;
}

v1::OutcomeTimeline TimelineBuilder::Buckets(int max_points) const {
  v1::OutcomeTimeline out;
  out.set_bucket_seconds(1);
  if (per_second_.empty()) return out;
  const int64_t points = std::max(1, max_points);
  const int64_t origin = std::min(origin_, per_second_.begin()->first);
  const int64_t span = per_second_.rbegin()->first - origin + 1;
  const int64_t bucket = std::max<int64_t>(1, (span + points - 1) / points);
  out.set_origin_unix_seconds(origin);
  out.set_bucket_seconds(bucket);
  for (int64_t i = 0, n = (span + bucket - 1) / bucket; i < n; ++i) {
    out.add_buckets();
  }
  for (const auto& [second, n] : per_second_) {
    v1::OutcomeTimeline::Bucket* b =
        out.mutable_buckets(static_cast<int>((second - origin) / bucket));
    b->set_records(b->records() + n.records);
    b->set_operations(b->operations() + n.operations);
  }
  return out;
}

json TimelineJson(const v1::OutcomeTimeline& timeline, double budget_per_second,
                  int64_t total_requests) {
  json out = EmptyTimeline();
  if (std::isfinite(budget_per_second) && budget_per_second > 0)
    out["budget_per_second"] = budget_per_second;
  if (timeline.buckets().empty()) return out;
  const int64_t bucket = std::max<int64_t>(1, timeline.bucket_seconds());
  int64_t operations = 0;
  for (const auto& b : timeline.buckets()) operations += b.operations();
  const bool scaled = total_requests > 0 && operations > 0;
  json points = json::array();
  int64_t cumulative = 0, requests_before = 0;
  for (int i = 0; i < timeline.buckets_size(); ++i) {
    const v1::OutcomeTimeline::Bucket& b = timeline.buckets(i);
    cumulative += b.operations();
    // Cumulative rounding: the buckets add up to the run's total exactly.
    const int64_t requests_so_far =
        scaled ? static_cast<int64_t>(
                     std::llround(static_cast<long double>(cumulative) *
                                  total_requests / operations))
               : cumulative;
    points.push_back({{"t", static_cast<int64_t>(i) * bucket},
                      {"records", b.records()},
                      {"requests", requests_so_far - requests_before}});
    requests_before = requests_so_far;
  }
  out["bucket_seconds"] = bucket;
  out["requests_scaled"] = scaled;
  out["points"] = std::move(points);
  return out;
}

json EmptyTimeline() {
  return {{"bucket_seconds", 1},
          {"budget_per_second", 0},
          {"requests_scaled", false},
          {"points", json::array()}};
}

}  // namespace bridgework::report
