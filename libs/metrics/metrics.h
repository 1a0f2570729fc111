// Bridgework's Prometheus metrics: one registry per process, the metric
// families every service uses, and the HTTP endpoint that serves them
// (docs/observability.md lists every series).
//
// Naming scheme: every name starts with `bridgework_`; counters end in
// `_total`, durations are histograms in seconds ending in `_seconds`,
// gauges name what they hold. Every series carries the constant label
// `service` ("extractor", "transformer", "loader", "auditor"). Other labels
// hold only bounded identifiers the code or the map names: object names
// (the map's source and target objects), CRM names, HTTP methods and status
// codes, gRPC methods and codes, queue names, ledger operations and states,
// budget limit names. Never a field value, a source key, a CRM id, a run
// id, a URL or a token: those belong in neither labels nor logs.
//
// Injectable: core classes and adapters take a Metrics* (null: not
// measured); tests give them their own Metrics and read it back with
// Scrape() or Value().
//
// Thread safety: every method is thread-safe.
#ifndef BRIDGEWORK_LIBS_METRICS_METRICS_H_
#define BRIDGEWORK_LIBS_METRICS_METRICS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"

namespace bridgework::metrics {

class Metrics {
 public:
  // The families of `service` ("loader") in a registry of their own.
  explicit Metrics(std::string service);

  const std::string& service() const { return service_; }

  // bridgework_records_in_total{object}: records this service received
  // (the transformer from the extractor, the loader from the transformer,
  // the auditor's dispositions).
  void RecordsIn(std::string_view object, int64_t n);
  // bridgework_records_out_total{object, outcome}: records this service
  // passed on or settled, by outcome (extractor: "extracted", "rejected";
  // transformer: "sent", "rejected", "skipped"; loader: "created",
  // "updated", "unchanged", "adopted", "quarantined", ...).
  void RecordsOut(std::string_view object, std::string_view outcome, int64_t n);

  // One HTTP request to a CRM: bridgework_crm_requests_total{crm, method,
  // status} (status: the HTTP status code, or "error" when no response
  // came), bridgework_crm_request_duration_seconds{crm, method}, and for a
  // 429 bridgework_crm_rate_limited_total{crm}.
  void CrmRequest(std::string_view crm, std::string_view method, int status,
                  double seconds);
  // Time one request waited for its slot of the rate budget:
  // bridgework_budget_wait_seconds{crm}.
  void BudgetWait(std::string_view crm, double seconds);

  // One RPC handled by this service: bridgework_rpc_server_handled_total
  // {method, code} and bridgework_rpc_server_duration_seconds{method}
  // (method: "/bridgework.v1.Loader/Load"; code: "OK", "UNAVAILABLE").
  void RpcHandled(std::string_view method, std::string_view code,
                  double seconds);

  // bridgework_queue_depth{queue}: work waiting or in flight in a named
  // queue ("loader_lanes": transformer batches in flight to loaders;
  // "load_batches": batches the loader is writing).
  prometheus::Gauge& QueueDepth(std::string_view queue);

  // One ledger write: bridgework_ledger_write_duration_seconds{op} (op:
  // "record_intents", "record_outcomes", ...).
  void LedgerWrite(std::string_view op, double seconds);
  // bridgework_ledger_operations_total{object, state}: CRM operations the
  // ledger recorded (state "intent", "applied", "failed", "adopted").
  void LedgerOperations(std::string_view object, std::string_view state,
                        int64_t n);

  // Another collector served with the families (the auditor's budget
  // usage, computed at each scrape). Kept alive by this object.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // The registry and every added collector.
  std::vector<std::weak_ptr<prometheus::Collectable>> Collectables() const;

  // Everything in the Prometheus text format, as /metrics serves it.
  std::string Scrape() const;
  // The value of one counter or gauge series (a histogram's count), for
  // tests: the sum over every series of `name` whose labels include
  // `labels`; 0 when none matches.
  double Value(std::string_view name,
               const std::map<std::string, std::string>& labels = {}) const;

 private:
  prometheus::Labels Labels(
      std::initializer_list<std::pair<std::string_view, std::string_view>>
          labels) const;

  const std::string service_;
  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& records_in_;
  prometheus::Family<prometheus::Counter>& records_out_;
  prometheus::Family<prometheus::Counter>& crm_requests_;
  prometheus::Family<prometheus::Histogram>& crm_duration_;
  prometheus::Family<prometheus::Counter>& crm_rate_limited_;
  prometheus::Family<prometheus::Histogram>& budget_wait_;
  prometheus::Family<prometheus::Counter>& rpc_handled_;
  prometheus::Family<prometheus::Histogram>& rpc_duration_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Histogram>& ledger_write_;
  prometheus::Family<prometheus::Counter>& ledger_operations_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_;
};

// Serves a Metrics at http://<listen>/metrics (Prometheus text format)
// until destroyed.
class MetricsServer {
 public:
  // `listen` is "host:port" (port 0: any free port; host 0.0.0.0: every
  // interface). UNAVAILABLE when it cannot bind.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& listen, std::shared_ptr<Metrics> metrics);
  ~MetricsServer();

  // "host:port" actually bound (0.0.0.0 reads as 127.0.0.1).
  const std::string& address() const { return address_; }

 private:
  MetricsServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string address_;
};

}  // namespace bridgework::metrics

#endif  // BRIDGEWORK_LIBS_METRICS_METRICS_H_
