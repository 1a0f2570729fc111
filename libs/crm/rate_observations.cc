#include "libs/crm/rate_observations.h"

#include "absl/strings/numbers.h"
#include "libs/crm/pipedrive_operations.h"

namespace bridgework::crm {
namespace {

int64_t Header(const HttpResponse& r, const char* name) {
  auto it = r.headers.find(name);
  int64_t v = -1;
  if (it == r.headers.end() || !absl::SimpleAtoi(it->second, &v) || v < 0) {
    return -1;
  }
  return v;
}

// An observation of `limit` when the response carries its capacity or
// remaining count; otherwise none.
void Add(std::vector<v1::RateObservation>& out, const std::string& limit,
         int64_t capacity, int64_t remaining) {
  if (capacity < 0 && remaining < 0) return;
  v1::RateObservation o;
  o.set_limit(limit);
  o.set_capacity(capacity);
  o.set_remaining(remaining);
  out.push_back(std::move(o));
}

// Marks `limit` as the one that refused a 429 (adding it if absent).
void Throttle(std::vector<v1::RateObservation>& out, const std::string& limit,
              int64_t retry_after_seconds) {
  v1::RateObservation* hit = nullptr;
  for (v1::RateObservation& o : out) {
    if (o.limit() == limit) hit = &o;
  }
  if (hit == nullptr) {
    hit = &out.emplace_back();
    hit->set_limit(limit);
    hit->set_capacity(-1);
    hit->set_remaining(-1);
  }
  hit->set_throttled(true);
  if (retry_after_seconds > 0)
    hit->set_retry_after_ms(retry_after_seconds * 1000);
}

}  // namespace

std::vector<v1::RateObservation> HighLevelRateObservations(
    const HttpResponse& r) {
  std::vector<v1::RateObservation> out;
  Add(out, "burst", Header(r, "x-ratelimit-max"),
      Header(r, "x-ratelimit-remaining"));
  int64_t daily_left = Header(r, "x-ratelimit-daily-remaining");
  Add(out, "daily", Header(r, "x-ratelimit-limit-daily"), daily_left);
  if (r.status == 429) {
    Throttle(out, daily_left == 0 ? "daily" : "burst",
             Header(r, "retry-after"));
  }
  return out;
}

std::vector<v1::RateObservation> PipedriveRateObservations(
    const HttpResponse& r) {
  std::vector<v1::RateObservation> out;
  int64_t left = Header(r, "x-ratelimit-remaining");
  Add(out, "burst", Header(r, "x-ratelimit-limit"), left);
  if (r.status == 429) {
    int64_t reset = Header(r, "retry-after");
    if (reset < 0) reset = Header(r, "x-ratelimit-reset");
    Throttle(out, left > 0 ? "daily" : "burst", reset);
  }
  return out;
}

std::vector<v1::RateObservation> FreshsalesRateObservations(
    const HttpResponse& r) {
  std::vector<v1::RateObservation> out;
  int64_t capacity = Header(r, "x-ratelimit-total");
  if (capacity < 0) capacity = Header(r, "x-ratelimit-limit");
  Add(out, "hourly", capacity, Header(r, "x-ratelimit-remaining"));
  if (r.status == 429) Throttle(out, "hourly", Header(r, "retry-after"));
  return out;
}

RequestCost PipedriveRequestCost(const std::string& method,
                                 const std::string& path) {
  std::string bare = path.substr(0, path.find('?'));
  RequestCost cost;
  const pipedrive_api::Operation* op =
      pipedrive_api::FindOperation(method, bare);
  cost.tokens = op == nullptr ? 10 : op->token_cost;
  cost.search = op != nullptr && op->search;
  return cost;
}

}  // namespace bridgework::crm
