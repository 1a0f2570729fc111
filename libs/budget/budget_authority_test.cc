#include "libs/budget/budget_authority.h"

#include <algorithm>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/crm/budget_model.h"

namespace bridgework::budget {
namespace {

using ::testing::HasSubstr;

class AuthorityTest : public ::testing::Test {
 protected:
  AuthorityTest() : authority_([this] { return now_; }) {}

  v1::AcquireRequest Request(const std::string& replica,
                             const v1::BudgetModel& model) {
    v1::AcquireRequest r;
    r.set_account("highlevel:loc");
    r.set_replica(replica);
    *r.mutable_model() = model;
    return r;
  }
  v1::BudgetModel HighLevel(int64_t daily = -1) {
    crm::BudgetOptions o;
    o.daily_capacity = daily;
    return crm::PlanBudget("highlevel", "agency", o).value();
  }
  // The most slots in any window of `window` (half open).
  static int MaxInWindow(std::vector<absl::Time> slots, absl::Duration window) {
    std::sort(slots.begin(), slots.end());
    int best = 0;
    size_t lo = 0;
    for (size_t hi = 0; hi < slots.size(); ++hi) {
      while (slots[hi] - slots[lo] >= window) ++lo;
      best = std::max<int>(best, hi - lo + 1);
    }
    return best;
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  BudgetAuthority authority_;
};

TEST_F(AuthorityTest, ReplicasShareOneEvenPaceWithinTheRollingWindow) {
  v1::BudgetModel model = HighLevel();
  std::vector<absl::Time> slots;
  // Four replicas ask in turn, faster than the budget allows; time moves
  // on by 1 ms per request.
  for (int i = 0; i < 1000; ++i) {
    auto g = authority_.Acquire(Request(absl::StrCat("r", i % 4), model));
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_TRUE(g->granted());
    slots.push_back(now_ + absl::Microseconds(g->wait_us()));
    now_ += absl::Milliseconds(1);
  }
  // 100 per 10 s at 98 %: at most 99 in any 10 s window, and the 1000
  // slots span what the budget allows (999 intervals of 10 s / 98).
  EXPECT_LE(MaxInWindow(slots, absl::Seconds(10)), 99);
  EXPECT_GE(MaxInWindow(slots, absl::Seconds(10)), 98);
  absl::Duration span = *std::max_element(slots.begin(), slots.end()) -
                        *std::min_element(slots.begin(), slots.end());
  EXPECT_NEAR(absl::ToDoubleSeconds(span), 999 * 10.0 / 98, 0.01);
  v1::BudgetUsage usage = authority_.Usage("");
  ASSERT_EQ(usage.accounts_size(), 1);
  EXPECT_EQ(usage.accounts(0).replicas_size(), 4);
  EXPECT_EQ(usage.accounts(0).granted(), 1000);
}

TEST_F(AuthorityTest, UsageCountsTheWindowsGrantsNotThoseScheduledLater) {
  v1::BudgetModel model = HighLevel();
  const absl::Time start = now_;
  std::vector<absl::Time> slots;
  // 300 requests at once: slots 10 s / 98 apart, most of them in the
  // future (a 30 s queue).
  for (int i = 0; i < 300; ++i) {
    auto g = authority_.Acquire(Request("a", model));
    ASSERT_TRUE(g.ok()) << g.status();
    slots.push_back(now_ + absl::Microseconds(g->wait_us()));
  }
  // What a walk over every slot counts: (now - 10 s, now].
  auto expected = [&slots](absl::Time now) {
    int64_t n = 0;
    for (absl::Time t : slots) n += t > now - absl::Seconds(10) && t <= now;
    return n;
  };
  auto used = [this] {
    return authority_.Usage("").accounts(0).limits(0).used();
  };
  for (absl::Time at : {start, start + absl::Seconds(3),
                        slots[150],                      // on a slot
                        slots[100] + absl::Seconds(10),  // a slot leaves
                        start + absl::Seconds(25)}) {
    now_ = at;
    EXPECT_EQ(used(), expected(at)) << absl::FormatTime(at);
  }
  // At slots[150] both ends of the window sit on slots (98 intervals are
  // 10 s): slot 52 is out, slot 150 in.
  EXPECT_EQ(expected(slots[150]), 98);
  EXPECT_GT(expected(start + absl::Seconds(25)), 90);
}

TEST_F(AuthorityTest, AnIdleAccountGrantsAtOnceAndSlotsDoNotAccumulate) {
  v1::BudgetModel model = HighLevel();
  auto first = authority_.Acquire(Request("a", model));
  EXPECT_EQ(first->wait_us(), 0);
  now_ += absl::Minutes(5);
  // No burst after idling: the next two are one interval apart.
  auto a = authority_.Acquire(Request("a", model));
  auto b = authority_.Acquire(Request("b", model));
  EXPECT_EQ(a->wait_us(), 0);
  EXPECT_NEAR(b->wait_us(), 10e6 / 98, 1);
}

TEST_F(AuthorityTest, A429PausesEveryReplicaForItsRetryAfter) {
  v1::BudgetModel model = HighLevel();
  ASSERT_TRUE(authority_.Acquire(Request("a", model)).ok());
  v1::AcquireRequest r = Request("a", model);
  v1::RateObservation* o = r.add_observations();
  o->set_limit("burst");
  o->set_throttled(true);
  o->set_retry_after_ms(3000);
  auto g = authority_.Acquire(r);
  EXPECT_EQ(g->wait_us(), 3000000);
  auto other = authority_.Acquire(Request("b", model));
  EXPECT_NEAR(other->wait_us(), 3000000 + 10e6 / 98, 1);
  EXPECT_EQ(authority_.Usage("").accounts(0).throttled_observed(), 1);
}

TEST_F(AuthorityTest, AnotherClientSeenInTheHeadersSlowsThePace) {
  v1::BudgetModel model = HighLevel();
  ASSERT_TRUE(authority_.Acquire(Request("a", model)).ok());
  // The CRM says 40 of 100 are used while we sent one: someone else uses
  // ~37 (after two of slack).
  v1::AcquireRequest r = Request("a", model);
  v1::RateObservation* o = r.add_observations();
  o->set_limit("burst");
  o->set_capacity(100);
  o->set_remaining(60);
  now_ += absl::Milliseconds(200);
  ASSERT_TRUE(authority_.Acquire(r).ok());
  auto next = authority_.Acquire(Request("a", model));
  EXPECT_NEAR(next->wait_us(), 10e6 / (63 * 0.98), 1);
  EXPECT_EQ(authority_.Usage("").accounts(0).limits(0).effective_capacity(),
            63);
  // A window later the correction lapses.
  now_ += absl::Seconds(11);
  auto later = authority_.Acquire(Request("a", model));
  auto after = authority_.Acquire(Request("a", model));
  EXPECT_EQ(later->wait_us(), 0);
  EXPECT_NEAR(after->wait_us(), 10e6 / 98, 1);
}

TEST_F(AuthorityTest, ASpentDailyQuotaPausesUntilTheNextUtcDay) {
  v1::BudgetModel model = HighLevel(/*daily=*/3);
  for (int i = 0; i < 3; ++i) {
    auto g = authority_.Acquire(Request("a", model));
    ASSERT_TRUE(g->granted());
  }
  auto refused = authority_.Acquire(Request("b", model));
  ASSERT_FALSE(refused->granted());
  absl::Time midnight =
      absl::FromUnixSeconds(1700000000 / 86400 * 86400) + absl::Hours(24);
  EXPECT_EQ(refused->paused_until_unix_ms(), absl::ToUnixMillis(midnight));
  EXPECT_THAT(refused->reason(),
              HasSubstr("daily budget of 3 requests spent; resuming at"));
  EXPECT_EQ(authority_.Usage("").accounts(0).paused_until_unix_ms(),
            absl::ToUnixMillis(midnight));
  now_ = midnight + absl::Seconds(1);
  EXPECT_TRUE(authority_.Acquire(Request("b", model))->granted());
}

TEST_F(AuthorityTest, TheCrmsDailyRemainingRaisesOurCount) {
  v1::BudgetModel model = HighLevel(/*daily=*/100);
  v1::AcquireRequest r = Request("a", model);
  v1::RateObservation* o = r.add_observations();
  o->set_limit("daily");
  o->set_capacity(100);
  o->set_remaining(1);
  EXPECT_TRUE(authority_.Acquire(r)->granted());  // the last one
  EXPECT_FALSE(authority_.Acquire(Request("a", model))->granted());
}

TEST_F(AuthorityTest, PipedriveChargesTokensAndPacesSearchesApart) {
  crm::BudgetOptions o;
  o.daily_capacity = 25;
  v1::BudgetModel model = crm::PlanBudget("pipedrive", "lite", o).value();
  v1::AcquireRequest create = Request("a", model);
  create.set_account("pipedrive:acme");
  create.set_cost(10);
  EXPECT_TRUE(authority_.Acquire(create)->granted());
  EXPECT_TRUE(authority_.Acquire(create)->granted());
  EXPECT_FALSE(authority_.Acquire(create)->granted());  // 30 > 25
  v1::AcquireRequest search = create;
  search.set_cost(1);
  search.set_search(true);
  now_ += absl::Seconds(30);
  // Searches are paced at 10 per 2 s as well as the burst.
  auto s1 = authority_.Acquire(search);
  auto s2 = authority_.Acquire(search);
  ASSERT_TRUE(s2->granted());
  EXPECT_NEAR(s2->wait_us(), 2e6 / (10 * 0.98), 1);
}

TEST_F(AuthorityTest, RefusesRequestsItCannotKeep) {
  v1::AcquireRequest r;
  r.set_account("x");
  EXPECT_EQ(authority_.Acquire(r).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::AcquireRequest no_account = Request("a", HighLevel());
  no_account.clear_account();
  EXPECT_EQ(authority_.Acquire(no_account).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bridgework::budget
