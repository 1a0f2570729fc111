// Reads each CRM's rate-limit headers into budget observations
// (bridgework.v1.RateObservation), the feedback that corrects the pace
// (docs/budget.md "Corrections"), and what a request costs.
//
//   HighLevel   X-RateLimit-Max / X-RateLimit-Remaining -> "burst";
//               X-RateLimit-Limit-Daily / X-RateLimit-Daily-Remaining ->
//               "daily". A 429 with no daily budget left throttles "daily",
//               any other 429 "burst".
//   Pipedrive   x-ratelimit-limit / x-ratelimit-remaining -> "burst"
//               (x-ratelimit-reset: seconds left in the window). A 429 with
//               burst budget left is the daily token budget (Pipedrive sends
//               no header for it).
//   Freshsales  X-RateLimit-Total (or -Limit) / X-RateLimit-Remaining ->
//               "hourly"; a 429 throttles "hourly".
//
// Header names are lower case (HttpClient folds them). Values that do not
// parse are left out (-1). Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_CRM_RATE_OBSERVATIONS_H_
#define BRIDGEWORK_LIBS_CRM_RATE_OBSERVATIONS_H_

#include <string>
#include <vector>

#include "bridgework/v1/budget.pb.h"
#include "libs/crm/http_client.h"
#include "libs/crm/retry.h"

namespace bridgework::crm {

std::vector<v1::RateObservation> HighLevelRateObservations(
    const HttpResponse& response);
std::vector<v1::RateObservation> PipedriveRateObservations(
    const HttpResponse& response);
std::vector<v1::RateObservation> FreshsalesRateObservations(
    const HttpResponse& response);

// A Pipedrive request's x-token-cost and whether it is a search, from the
// operation table (libs/crm/pipedrive_operations.h); an operation not in
// the table costs 10 (the most a v2 list costs).
RequestCost PipedriveRequestCost(const std::string& method,
                                 const std::string& path);

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_RATE_OBSERVATIONS_H_
