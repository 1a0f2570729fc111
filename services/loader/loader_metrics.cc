#include "services/loader/loader_metrics.h"

#include <chrono>

namespace bridgework::loader {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

MeteredHttpClient::MeteredHttpClient(std::unique_ptr<crm::HttpClient> base,
                                     std::string crm, metrics::Metrics* metrics,
                                     crm::Clock clock)
    : base_(std::move(base)),
      crm_(std::move(crm)),
      metrics_(metrics),
      clock_(std::move(clock)) {}

absl::StatusOr<crm::HttpResponse> MeteredHttpClient::Send(
    const crm::HttpRequest& request) {
  const auto start = clock_();
  absl::StatusOr<crm::HttpResponse> response = base_->Send(request);
  metrics_->CrmRequest(crm_, request.method,
                       response.ok() ? response->status : 0,
                       Seconds(clock_() - start));
  return response;
}

MeteredPacer::MeteredPacer(std::shared_ptr<crm::RequestPacer> base,
                           std::string crm, metrics::Metrics* metrics,
                           crm::Clock clock)
    : base_(std::move(base)),
      crm_(std::move(crm)),
      metrics_(metrics),
      clock_(std::move(clock)) {}

absl::Status MeteredPacer::Wait(const crm::RequestCost& cost) {
  const auto start = clock_();
  absl::Status s = base_->Wait(cost);
  metrics_->BudgetWait(crm_, Seconds(clock_() - start));
  return s;
}

void MeteredPacer::Observe(const std::vector<v1::RateObservation>& seen) {
  base_->Observe(seen);
}

}  // namespace bridgework::loader
