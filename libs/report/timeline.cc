#include "libs/report/timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace bridgework::report {

using nlohmann::json;

TimelineBuilder::TimelineBuilder(const v1::Timestamp& run_started)
    : origin_(run_started.unix_seconds() > 0
                  ? run_started.unix_seconds()
                  : std::numeric_limits<int64_t>::max()) {}

void TimelineBuilder::Add(const v1::Operation& op) {
  if (op.state() == v1::OP_STATE_INTENT ||
      op.state() == v1::OP_STATE_UNSPECIFIED || !op.has_outcome_at() ||
      op.outcome_at().unix_seconds() <= 0) {
    return;
  }
  Second& second = per_second_[op.outcome_at().unix_seconds()];
  if (op.kind() != v1::OP_KIND_LINK) ++second.records;
  ++second.operations;
  ++operations_;
}

json TimelineBuilder::Finish(double budget_per_second,
                             int64_t total_requests) const {
  json out = EmptyTimeline();
  if (std::isfinite(budget_per_second) && budget_per_second > 0)
    out["budget_per_second"] = budget_per_second;
  if (per_second_.empty()) return out;
  const int64_t origin = std::min(origin_, per_second_.begin()->first);
  const int64_t span = per_second_.rbegin()->first - origin + 1;
  const int64_t bucket = std::max<int64_t>(
      1, (span + kMaxTimelinePoints - 1) / kMaxTimelinePoints);
  std::vector<Second> buckets((span + bucket - 1) / bucket);
  for (const auto& [second, n] : per_second_) {
    Second& b = buckets[(second - origin) / bucket];
    b.records += n.records;
    b.operations += n.operations;
  }
  const bool scaled = total_requests > 0;
  json points = json::array();
  int64_t cumulative = 0, requests_before = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += buckets[i].operations;
    // Cumulative rounding: the buckets add up to the run's total exactly.
    const int64_t requests_so_far =
        scaled ? static_cast<int64_t>(
                     std::llround(static_cast<long double>(cumulative) *
                                  total_requests / operations_))
               : cumulative;
    points.push_back({{"t", static_cast<int64_t>(i) * bucket},
                      {"records", buckets[i].records},
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

absl::StatusOr<json> BuildTimeline(const v1::RunReport& report,
                                   double budget_per_second,
                                   const OperationStream& operations) {
  TimelineBuilder builder(report.run().started_at());
  absl::Status s = operations([&builder](const v1::Operation& op) {
    builder.Add(op);
    return true;
  });
  if (!s.ok()) return s;
  return builder.Finish(budget_per_second, report.requests());
}

}  // namespace bridgework::report
