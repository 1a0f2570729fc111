// The auditor's measurements: MeteredLedger and the budget collectable.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/crm/budget_model.h"
#include "libs/ledger/in_memory_ledger.h"
#include "services/auditor/budget_metrics.h"
#include "services/auditor/metered_ledger.h"

namespace bridgework::auditor {
namespace {

using ::testing::HasSubstr;

TEST(MeteredLedger, TimesWritesAndCountsOperationsAndDispositions) {
  ledger::InMemoryLedger base;
  metrics::Metrics m("auditor");
  std::chrono::steady_clock::time_point now{};
  MeteredLedger ledger(&base, &m, [&now] {
    now += std::chrono::milliseconds(3);
    return now;
  });
  v1::BeginRunRequest begin;
  begin.set_kind(v1::RUN_KIND_MIGRATE);
  begin.set_account("acct");
  absl::StatusOr<v1::RunInfo> run = ledger.BeginRun(begin);
  ASSERT_TRUE(run.ok()) << run.status();

  v1::RecordIntentsRequest intents;
  intents.set_account("acct");
  for (const char* key : {"1", "2"}) {
    v1::Operation* op = intents.add_operations();
    op->set_run_id(run->run_id());
    op->set_kind(v1::OP_KIND_CREATE);
    op->set_source_object("patient");
    op->set_source_key(key);
    op->set_target_object("contact");
  }
  absl::StatusOr<v1::RecordIntentsResponse> seqs =
      ledger.RecordIntents(intents);
  ASSERT_TRUE(seqs.ok()) << seqs.status();
  v1::RecordOutcomesRequest outcomes;
  outcomes.set_account("acct");
  outcomes.set_run_id(run->run_id());
  for (int i = 0; i < 2; ++i) {
    v1::Operation* op = outcomes.add_operations();
    op->set_run_id(run->run_id());
    op->set_seq(seqs->seqs(i));
    op->set_state(v1::OP_STATE_APPLIED);
    op->set_source_object("patient");
    op->set_crm_id(std::to_string(100 + i));
  }
  ASSERT_TRUE(ledger.RecordOutcomes(outcomes).ok());
  v1::RecordDispositionsRequest dispositions;
  dispositions.set_run_id(run->run_id());
  v1::Disposition* d = dispositions.add_dispositions();
  d->set_source_object("patient");
  d->set_source_key("3");
  d->set_status(v1::DISPOSITION_STATUS_QUARANTINED);
  ASSERT_TRUE(ledger.RecordDispositions(dispositions).ok());

  EXPECT_EQ(m.Value("bridgework_ledger_operations_total",
                    {{"object", "patient"}, {"state", "intent"}}),
            2);
  EXPECT_EQ(
      m.Value("bridgework_ledger_operations_total", {{"state", "applied"}}), 2);
  EXPECT_EQ(m.Value("bridgework_records_in_total", {{"object", "patient"}}), 1);
  EXPECT_EQ(m.Value("bridgework_records_out_total",
                    {{"object", "patient"}, {"outcome", "quarantined"}}),
            1);
  // One observation per write, each 3 ms by the stepped clock.
  EXPECT_EQ(m.Value("bridgework_ledger_write_duration_seconds"), 4);
  EXPECT_THAT(m.Scrape(),
              HasSubstr("bridgework_ledger_write_duration_seconds_sum{"
                        "service=\"auditor\",op=\"record_intents\"} 0.003"));
  // Reads are not writes.
  v1::GetRunRequest get;
  get.set_run_id(run->run_id());
  ASSERT_TRUE(ledger.GetRun(get).ok());
  EXPECT_EQ(m.Value("bridgework_ledger_write_duration_seconds"), 4);
}

TEST(BudgetCollectable, ReportsEachAccountsUseAtScrapeTime) {
  absl::Time now = absl::FromUnixSeconds(1700000000);
  budget::BudgetAuthority authority([&now] { return now; });
  metrics::Metrics m("auditor");
  m.AddCollectable(MakeBudgetCollectable(&authority));
  EXPECT_EQ(m.Value("bridgework_budget_granted_total"), 0) << "no account yet";

  v1::AcquireRequest r;
  r.set_account("freshsales:http://127.0.0.1:1/crm/sales/api");
  r.set_replica("a");
  *r.mutable_model() = crm::PlanBudget("freshsales", "growth", {}).value();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<v1::Grant> g = authority.Acquire(r);
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_TRUE(g->granted());
  }
  const std::string account = BudgetAccountLabel(r.account());
  EXPECT_EQ(account.size(), 8u);
  EXPECT_EQ(m.Value("bridgework_budget_granted_total",
                    {{"crm", "freshsales"}, {"account", account}}),
            3);
  EXPECT_EQ(m.Value("bridgework_budget_replicas"), 1);
  EXPECT_EQ(m.Value("bridgework_budget_paused"), 0);
  const std::string text = m.Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE bridgework_budget_use_ratio gauge"));
  EXPECT_EQ(text.find("127.0.0.1"), std::string::npos)
      << "the account's URL is no label";
  // The growth plan's hourly limit: 3 used of 1,000.
  EXPECT_GT(m.Value("bridgework_budget_use_ratio"), 0);
  EXPECT_LE(m.Value("bridgework_budget_use_ratio"), 1);
}

}  // namespace
}  // namespace bridgework::auditor
