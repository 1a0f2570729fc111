// The budget authority's state as Prometheus series, read at each scrape
// (docs/observability.md "Budget"), for the auditor's /metrics:
//
//   bridgework_budget_used{crm, account, limit}        gauge: this window
//   bridgework_budget_capacity{crm, account, limit}    gauge: what is ours
//   bridgework_budget_use_ratio{crm, account, limit}   gauge: used/capacity
//   bridgework_budget_granted_total{crm, account}      counter: slots
//   bridgework_budget_throttled_total{crm, account}    counter: 429s seen
//   bridgework_budget_paused{crm, account}             gauge: 1 while paused
//   bridgework_budget_replicas{crm, account}           gauge: loaders asking
//
// `account` is the first 8 hex digits of the SHA-256 of the account key
// (the key holds the CRM URL, which is no label): stable and distinct per
// account; `bridgework budget` shows the full keys.
#ifndef BRIDGEWORK_SERVICES_AUDITOR_BUDGET_METRICS_H_
#define BRIDGEWORK_SERVICES_AUDITOR_BUDGET_METRICS_H_

#include <memory>
#include <string>

#include <prometheus/collectable.h>

#include "libs/budget/budget_authority.h"

namespace bridgework::auditor {

// `authority` is borrowed: it must outlive every Collect() (stop the
// metrics server before destroying it). Every series carries
// service=`service`.
std::shared_ptr<prometheus::Collectable> MakeBudgetCollectable(
    budget::BudgetAuthority* authority, std::string service = "auditor");

// The `account` label of an account key.
std::string BudgetAccountLabel(const std::string& account_key);

}  // namespace bridgework::auditor

#endif  // BRIDGEWORK_SERVICES_AUDITOR_BUDGET_METRICS_H_
