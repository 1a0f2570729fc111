#include "libs/ledger/fault_injecting_ledger.h"

#include <gtest/gtest.h>

#include "libs/ledger/in_memory_ledger.h"
#include "libs/ledger/ledger_auditor_client.h"

namespace bridgework::ledger {
namespace {

using Method = FaultInjectingLedger::Method;
using When = FaultInjectingLedger::When;

v1::BeginRunRequest Begin() {
  v1::BeginRunRequest r;
  r.set_kind(v1::RUN_KIND_MIGRATE);
  r.set_account("acct");
  return r;
}

TEST(FaultInjectingLedger, FailsOnlyTheNthCall) {
  InMemoryLedger base;
  FaultInjectingLedger ledger(&base);
  ledger.FailNthCall(Method::kBeginRun, 2, absl::UnavailableError("boom"));
  EXPECT_TRUE(ledger.BeginRun(Begin()).ok());
  EXPECT_TRUE(absl::IsUnavailable(ledger.BeginRun(Begin()).status()));
  EXPECT_TRUE(ledger.BeginRun(Begin()).ok());
  EXPECT_EQ(ledger.calls(Method::kBeginRun), 3);
  EXPECT_EQ(ledger.injected(), 1);
  // kBefore: the failed call wrote nothing (two runs exist).
  EXPECT_EQ(base.ListRuns(v1::ListRunsRequest())->runs_size(), 2);
}

TEST(FaultInjectingLedger, FailsEveryCallUntilCleared) {
  InMemoryLedger base;
  FaultInjectingLedger ledger(&base);
  ledger.FailEveryCall(Method::kListRuns, absl::InternalError("x"));
  EXPECT_FALSE(ledger.ListRuns(v1::ListRunsRequest()).ok());
  EXPECT_FALSE(ledger.ListRuns(v1::ListRunsRequest()).ok());
  EXPECT_TRUE(ledger.BeginRun(Begin()).ok());  // other methods unaffected
  ledger.Clear(Method::kListRuns);
  EXPECT_TRUE(ledger.ListRuns(v1::ListRunsRequest()).ok());
  ledger.FailEveryCall(Method::kListOperations, absl::InternalError("x"));
  ledger.FailEveryCall(Method::kListMapped, absl::InternalError("x"));
  v1::ListMappedRequest mapped;
  mapped.set_account("acct");
  auto any = [](const v1::ResolvedKey&) { return true; };
  EXPECT_FALSE(ledger.ListMapped(mapped, v1::KeyRef(), any).ok());
  EXPECT_EQ(ledger.calls(Method::kListMapped), 1);
  ledger.ClearAll();
  EXPECT_TRUE(ledger.ListMapped(mapped, v1::KeyRef(), any).ok());
  v1::ListOperationsRequest list;
  list.set_run_id("r-000001");
  EXPECT_TRUE(
      ledger.ListOperations(list, 0, [](const v1::Operation&) { return true; })
          .ok());
}

TEST(FaultInjectingLedger, AfterModeAppliesTheCallThenFails) {
  InMemoryLedger base;
  FaultInjectingLedger ledger(&base);
  auto run = ledger.BeginRun(Begin());
  ASSERT_TRUE(run.ok());
  // A lost response: the intent is recorded, the caller sees an error.
  ledger.FailNthCall(Method::kRecordIntents, 1,
                     absl::UnavailableError("response lost"), When::kAfter);
  v1::RecordIntentsRequest r;
  r.set_account("acct");
  v1::Operation* op = r.add_operations();
  op->set_run_id(run->run_id());
  op->set_kind(v1::OP_KIND_CREATE);
  op->set_source_object("patient");
  op->set_source_key("1");
  op->set_target_object("contact");
  EXPECT_TRUE(absl::IsUnavailable(ledger.RecordIntents(r).status()));
  v1::ResolveKeysRequest resolve;
  resolve.set_account("acct");
  v1::KeyRef* k = resolve.add_keys();
  k->set_source_object("patient");
  k->set_source_key("1");
  k->set_target_object("contact");
  EXPECT_GT(ledger.ResolveKeys(resolve)->keys(0).pending_seq(), 0);
}

TEST(LedgerAuditorClient, ServesTheAuditorInterfaceInProcess) {
  InMemoryLedger base;
  FaultInjectingLedger faulty(&base);
  auto client = NewLedgerAuditorClient(&faulty);
  auto run = client->BeginRun(Begin());
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(client->GetRun(run->run_id())->run_id(), run->run_id());
  EXPECT_EQ(client->ListRuns(0)->runs_size(), 1);
  faulty.FailEveryCall(Method::kGetRun, absl::UnavailableError("down"));
  EXPECT_TRUE(absl::IsUnavailable(client->GetRun(run->run_id()).status()));
}

}  // namespace
}  // namespace bridgework::ledger
