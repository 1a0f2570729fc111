#include "services/auditor/budget_metrics.h"

#include <openssl/sha.h>

#include <vector>

#include <prometheus/metric_family.h>

namespace bridgework::auditor {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class BudgetCollectable final : public prometheus::Collectable {
 public:
  BudgetCollectable(budget::BudgetAuthority* authority, std::string service)
      : authority_(authority), service_(std::move(service)) {}

  std::vector<MetricFamily> Collect() const override {
    MetricFamily used = Family("bridgework_budget_used",
                               "Requests (Pipedrive: tokens) used in the "
                               "limit's current window.",
                               MetricType::Gauge);
    MetricFamily capacity = Family("bridgework_budget_capacity",
                                   "The limit's capacity left to Bridgework "
                                   "(after other clients of the account).",
                                   MetricType::Gauge);
    MetricFamily ratio =
        Family("bridgework_budget_use_ratio",
               "used / capacity of the limit's window.", MetricType::Gauge);
    MetricFamily granted =
        Family("bridgework_budget_granted_total",
               "Request slots granted to loaders.", MetricType::Counter);
    MetricFamily throttled =
        Family("bridgework_budget_throttled_total",
               "429s the loaders reported.", MetricType::Counter);
    MetricFamily paused = Family("bridgework_budget_paused",
                                 "1 while the account's budget is paused "
                                 "(a spent daily budget).",
                                 MetricType::Gauge);
    MetricFamily replicas = Family("bridgework_budget_replicas",
                                   "Loader replicas that acquired within the "
                                   "last few seconds.",
                                   MetricType::Gauge);
    const v1::BudgetUsage usage = authority_->Usage("");
    for (const v1::AccountUsage& a : usage.accounts()) {
      const std::string crm = a.account().substr(0, a.account().find(':'));
      const std::string account = BudgetAccountLabel(a.account());
      for (const v1::LimitUsage& l : a.limits()) {
        const int64_t cap =
            l.effective_capacity() > 0 ? l.effective_capacity() : l.capacity();
        Add(used, crm, account, l.name(), MetricType::Gauge, l.used());
        Add(capacity, crm, account, l.name(), MetricType::Gauge, cap);
        Add(ratio, crm, account, l.name(), MetricType::Gauge,
            cap > 0 ? static_cast<double>(l.used()) / cap : 0);
      }
      Add(granted, crm, account, "", MetricType::Counter, a.granted());
      Add(throttled, crm, account, "", MetricType::Counter,
          a.throttled_observed());
      Add(paused, crm, account, "", MetricType::Gauge,
          a.pause_reason().empty() ? 0 : 1);
      Add(replicas, crm, account, "", MetricType::Gauge, a.replicas_size());
    }
    return {used, capacity, ratio, granted, throttled, paused, replicas};
  }

 private:
  MetricFamily Family(std::string name, std::string help,
                      MetricType type) const {
    MetricFamily f;
    f.name = std::move(name);
    f.help = std::move(help);
    f.type = type;
    return f;
  }

  void Add(MetricFamily& f, const std::string& crm, const std::string& account,
           const std::string& limit, MetricType type, double value) const {
    ClientMetric m;
    m.label.push_back({"service", service_});
    m.label.push_back({"crm", crm});
    m.label.push_back({"account", account});
    if (!limit.empty()) m.label.push_back({"limit", limit});
    if (type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    f.metric.push_back(std::move(m));
  }

  budget::BudgetAuthority* const authority_;
  const std::string service_;
};

}  // namespace

std::string BudgetAccountLabel(const std::string& account_key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(account_key.data()),
         account_key.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::shared_ptr<prometheus::Collectable> MakeBudgetCollectable(
    budget::BudgetAuthority* authority, std::string service) {
  return std::make_shared<BudgetCollectable>(authority, std::move(service));
}

}  // namespace bridgework::auditor
