#include "libs/metrics/metrics.h"

#include <sstream>
#include <stdexcept>

#include <prometheus/exposer.h>
#include <prometheus/text_serializer.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bridgework::metrics {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;

// Network calls: 5 ms to 30 s.
const Histogram::BucketBoundaries& RequestBuckets() {
  static const Histogram::BucketBoundaries b = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return b;
}
// RPCs: unary calls in milliseconds, streams (a whole run) in minutes.
const Histogram::BucketBoundaries& RpcBuckets() {
  static const Histogram::BucketBoundaries b = {
      0.001, 0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600, 3600};
  return b;
}
// Waits for a budget slot: none to an hour (a spent daily budget pauses).
const Histogram::BucketBoundaries& WaitBuckets() {
  static const Histogram::BucketBoundaries b = {0.001, 0.01, 0.05, 0.1, 0.5, 1,
                                                5,     30,   60,   300, 3600};
  return b;
}
// Synced ledger writes: sub-millisecond to a second.
const Histogram::BucketBoundaries& LedgerBuckets() {
  static const Histogram::BucketBoundaries b = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
  return b;
}

template <typename Builder>
auto& Build(Builder builder, const std::string& name, const std::string& help,
            const std::string& service, prometheus::Registry& registry) {
  return builder.Name(name)
      .Help(help)
      .Labels({{"service", service}})
      .Register(registry);
}

}  // namespace

Metrics::Metrics(std::string service)
    : service_(std::move(service)),
      registry_(std::make_shared<prometheus::Registry>()),
      records_in_(Build(
          prometheus::BuildCounter(), "bridgework_records_in_total",
          "Records this service received, by object.", service_, *registry_)),
      records_out_(Build(prometheus::BuildCounter(),
                         "bridgework_records_out_total",
                         "Records this service passed on or settled, by "
                         "object and outcome.",
                         service_, *registry_)),
      crm_requests_(Build(prometheus::BuildCounter(),
                          "bridgework_crm_requests_total",
                          "HTTP requests sent to the CRM, by method and "
                          "status (\"error\": no response).",
                          service_, *registry_)),
      crm_duration_(Build(prometheus::BuildHistogram(),
                          "bridgework_crm_request_duration_seconds",
                          "Latency of CRM HTTP requests.", service_,
                          *registry_)),
      crm_rate_limited_(
          Build(prometheus::BuildCounter(), "bridgework_crm_rate_limited_total",
                "CRM responses with status 429.", service_, *registry_)),
      budget_wait_(Build(prometheus::BuildHistogram(),
                         "bridgework_budget_wait_seconds",
                         "Time a CRM request waited for its slot of the "
                         "rate budget.",
                         service_, *registry_)),
      rpc_handled_(Build(prometheus::BuildCounter(),
                         "bridgework_rpc_server_handled_total",
                         "RPCs this service finished, by method and code.",
                         service_, *registry_)),
      rpc_duration_(Build(prometheus::BuildHistogram(),
                          "bridgework_rpc_server_duration_seconds",
                          "Time from an RPC's arrival to its status.", service_,
                          *registry_)),
      queue_depth_(Build(prometheus::BuildGauge(), "bridgework_queue_depth",
                         "Work waiting or in flight in a queue.", service_,
                         *registry_)),
      ledger_write_(Build(prometheus::BuildHistogram(),
                          "bridgework_ledger_write_duration_seconds",
                          "Latency of ledger writes (synced), by operation.",
                          service_, *registry_)),
      ledger_operations_(Build(prometheus::BuildCounter(),
                               "bridgework_ledger_operations_total",
                               "CRM operations recorded in the ledger, by "
                               "object and state.",
                               service_, *registry_)) {}

prometheus::Labels Metrics::Labels(
    std::initializer_list<std::pair<std::string_view, std::string_view>> labels)
    const {
  prometheus::Labels out;
  for (const auto& [k, v] : labels) out.emplace(std::string(k), std::string(v));
  return out;
}

void Metrics::RecordsIn(std::string_view object, int64_t n) {
  if (n <= 0) return;
  records_in_.Add(Labels({{"object", object}})).Increment(n);
}

void Metrics::RecordsOut(std::string_view object, std::string_view outcome,
                         int64_t n) {
  if (n <= 0) return;
  records_out_.Add(Labels({{"object", object}, {"outcome", outcome}}))
      .Increment(n);
}

void Metrics::CrmRequest(std::string_view crm, std::string_view method,
                         int status, double seconds) {
  const std::string code = status > 0 ? absl::StrCat(status) : "error";
  crm_requests_
      .Add(Labels({{"crm", crm}, {"method", method}, {"status", code}}))
      .Increment();
  crm_duration_
      .Add(Labels({{"crm", crm}, {"method", method}}), RequestBuckets())
      .Observe(seconds);
  if (status == 429) crm_rate_limited_.Add(Labels({{"crm", crm}})).Increment();
}

void Metrics::BudgetWait(std::string_view crm, double seconds) {
  budget_wait_.Add(Labels({{"crm", crm}}), WaitBuckets()).Observe(seconds);
}

void Metrics::RpcHandled(std::string_view method, std::string_view code,
                         double seconds) {
  rpc_handled_.Add(Labels({{"method", method}, {"code", code}})).Increment();
  rpc_duration_.Add(Labels({{"method", method}}), RpcBuckets())
      .Observe(seconds);
}

prometheus::Gauge& Metrics::QueueDepth(std::string_view queue) {
  return queue_depth_.Add(Labels({{"queue", queue}}));
}

void Metrics::LedgerWrite(std::string_view op, double seconds) {
  ledger_write_.Add(Labels({{"op", op}}), LedgerBuckets()).Observe(seconds);
}

void Metrics::LedgerOperations(std::string_view object, std::string_view state,
                               int64_t n) {
  if (n <= 0) return;
  ledger_operations_.Add(Labels({{"object", object}, {"state", state}}))
      .Increment(n);
}

void Metrics::AddCollectable(
    std::shared_ptr<prometheus::Collectable> collectable) {
  std::lock_guard<std::mutex> lock(mu_);
  extra_.push_back(std::move(collectable));
}

std::vector<std::weak_ptr<prometheus::Collectable>> Metrics::Collectables()
    const {
  std::vector<std::weak_ptr<prometheus::Collectable>> out = {registry_};
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& c : extra_) out.push_back(c);
  return out;
}

namespace {
std::vector<prometheus::MetricFamily> CollectAll(
    const std::vector<std::weak_ptr<prometheus::Collectable>>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& weak : collectables) {
    if (auto c = weak.lock()) {
      for (auto& f : c->Collect()) families.push_back(std::move(f));
    }
  }
  return families;
}
}  // namespace

std::string Metrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(CollectAll(Collectables()));
}

double Metrics::Value(std::string_view name,
                      const std::map<std::string, std::string>& labels) const {
  double sum = 0;
  for (const prometheus::MetricFamily& f : CollectAll(Collectables())) {
    if (f.name != name) continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      size_t matched = 0;
      for (const prometheus::ClientMetric::Label& l : m.label) {
        auto it = labels.find(l.name);
        if (it != labels.end() && it->second == l.value) ++matched;
      }
      if (matched != labels.size()) continue;
      switch (f.type) {
        case prometheus::MetricType::Counter:
          sum += m.counter.value;
          break;
        case prometheus::MetricType::Gauge:
          sum += m.gauge.value;
          break;
        case prometheus::MetricType::Histogram:
          sum += static_cast<double>(m.histogram.sample_count);
          break;
        default:
          break;
      }
    }
  }
  return sum;
}

struct MetricsServer::Impl {
  std::shared_ptr<Metrics> metrics;
  std::unique_ptr<prometheus::Exposer> exposer;
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& listen, std::shared_ptr<Metrics> metrics) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->impl_ = std::make_unique<Impl>();
  server->impl_->metrics = std::move(metrics);
  try {
    // Two threads: a scrape at a time, and a second scraper (a person
    // with curl) never waits behind it.
    server->impl_->exposer = std::make_unique<prometheus::Exposer>(listen, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": ", e.what()));
  }
  for (const auto& c : server->impl_->metrics->Collectables()) {
    server->impl_->exposer->RegisterCollectable(c, "/metrics");
  }
  std::vector<int> ports = server->impl_->exposer->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen));
  }
  std::vector<std::string> parts = absl::StrSplit(listen, ':');
  std::string host = parts.size() > 1 ? parts[0] : "127.0.0.1";
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  server->address_ = absl::StrCat(host, ":", ports.front());
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace bridgework::metrics
