// Decorators that measure the loader's traffic to its CRM into
// metrics::Metrics (docs/observability.md), so that neither the
// connectors nor RestTransport know about metrics:
//  - MeteredHttpClient: every HTTP request (retries and lookups included)
//    by method and status, and its latency;
//  - MeteredPacer: how long each request waited for its budget slot.
#ifndef BRIDGEWORK_SERVICES_LOADER_LOADER_METRICS_H_
#define BRIDGEWORK_SERVICES_LOADER_LOADER_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "libs/crm/http_client.h"
#include "libs/crm/retry.h"
#include "libs/metrics/metrics.h"

namespace bridgework::loader {

// Thread safety: as the wrapped client (one per thread). `metrics` must
// outlive it.
class MeteredHttpClient final : public crm::HttpClient {
 public:
  MeteredHttpClient(std::unique_ptr<crm::HttpClient> base, std::string crm,
                    metrics::Metrics* metrics,
                    crm::Clock clock = crm::SystemClock());
  absl::StatusOr<crm::HttpResponse> Send(
      const crm::HttpRequest& request) override;

 private:
  std::unique_ptr<crm::HttpClient> base_;
  const std::string crm_;
  metrics::Metrics* const metrics_;
  crm::Clock clock_;
};

// Thread-safe when the wrapped pacer is. `metrics` must outlive it.
class MeteredPacer final : public crm::RequestPacer {
 public:
  MeteredPacer(std::shared_ptr<crm::RequestPacer> base, std::string crm,
               metrics::Metrics* metrics,
               crm::Clock clock = crm::SystemClock());
  absl::Status Wait(const crm::RequestCost& cost) override;
  void Observe(const std::vector<v1::RateObservation>& seen) override;

 private:
  std::shared_ptr<crm::RequestPacer> base_;
  const std::string crm_;
  metrics::Metrics* const metrics_;
  crm::Clock clock_;
};

}  // namespace bridgework::loader

#endif  // BRIDGEWORK_SERVICES_LOADER_LOADER_METRICS_H_
