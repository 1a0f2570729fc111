// The run report's "timeline": how many operations finished in each time
// bucket since the run began, and the requests that took against the
// destination plan's rate budget.
//
//   "timeline": {
//     "bucket_seconds": 5,          // width of one point's bucket
//     "budget_per_second": 0.27,    // the plan's requests/s; 0 when unknown
//     "requests_scaled": true,      // see below
//     "points": [                   // every bucket from the start, in order
//       { "t": 0,                   // bucket start, seconds since run start
//         "records": 12,            // operations with their outcome in it
//         "requests": 14 } ]
//   }
//
// "records" counts operations by their outcome time: creates, updates,
// deletes and matches that the CRM answered (applied, adopted or failed);
// intents without an outcome are left out, and so are links (a second
// write to a record already counted). The ledger keeps one request counter
// per run, not per operation: when it is known ("requests_scaled": true)
// the run's requests are spread over the buckets in proportion to their
// operations, links included, so the points add up to the run's request
// count (retries and lookups included); otherwise "requests" counts the
// bucket's operations, links included.
//
// Points are at most kMaxTimelinePoints: the bucket widens for long runs.
// Memory is one counter per second of the run, never per operation.
//
// Thread safety: TimelineBuilder is not thread-safe; functions are pure.
#ifndef BRIDGEWORK_LIBS_REPORT_TIMELINE_H_
#define BRIDGEWORK_LIBS_REPORT_TIMELINE_H_

#include <cstdint>
#include <map>

#include <nlohmann/json.hpp>

#include "bridgework/v1/auditor.pb.h"

namespace bridgework::report {

namespace v1 = ::bridgework::v1;

inline constexpr int kMaxTimelinePoints = 120;

class TimelineBuilder {
 public:
  // `run_started` is the origin of "t"; when unset, the earliest outcome.
  explicit TimelineBuilder(const v1::Timestamp& run_started);

  // Counts `op` at its outcome time; an operation without one is ignored.
  void Add(const v1::Operation& op);
  // The same from the three fields it reads (`outcome_seconds`: the
  // outcome's unix_seconds, 0 when it has none).
  void Add(v1::OpKind kind, v1::OpState state, int64_t outcome_seconds);

  // The counts so far in at most `max_points` buckets of one width.
  v1::OutcomeTimeline Buckets(int max_points = kMaxTimelinePoints) const;

 private:
  int64_t origin_;
  struct Second {
    int64_t records = 0;     // operations other than links
    int64_t operations = 0;  // every operation, links included
  };
  std::map<int64_t, Second> per_second_;  // unix second -> outcomes
};

// The "timeline" object of `timeline`'s buckets. `total_requests` is the
// run's request count (RunReport.requests; 0 if unknown);
// `budget_per_second` the plan's (0 if unknown).
nlohmann::json TimelineJson(const v1::OutcomeTimeline& timeline,
                            double budget_per_second, int64_t total_requests);

// The timeline with no points (the default in report.json).
nlohmann::json EmptyTimeline();

}  // namespace bridgework::report

#endif  // BRIDGEWORK_LIBS_REPORT_TIMELINE_H_
