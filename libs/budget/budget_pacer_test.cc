#include "libs/budget/budget_pacer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/crm/budget_model.h"

namespace bridgework::budget {
namespace {

class PacerTest : public ::testing::Test {
 protected:
  PacerTest()
      : authority_([this] { return now_; }),
        local_(std::make_shared<LocalBudgetClient>(&authority_)) {}

  BudgetPacerOptions Options(int64_t daily = -1) {
    BudgetPacerOptions o;
    o.account = "highlevel:loc";
    o.replica = "loader-0";
    crm::BudgetOptions b;
    b.daily_capacity = daily;
    o.model = crm::PlanBudget("highlevel", "agency", b).value();
    o.unreachable_for = absl::Seconds(1);
    return o;
  }
  BudgetPacer Pacer(std::shared_ptr<BudgetClient> client,
                    BudgetPacerOptions options) {
    return BudgetPacer(
        std::move(client), std::move(options), [this] { return now_; },
        [this](absl::Duration d) {
          slept_ += d;
          now_ += d;
        });
  }

  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  absl::Duration slept_;
  BudgetAuthority authority_;
  std::shared_ptr<LocalBudgetClient> local_;
};

TEST_F(PacerTest, SleepsUntilEachGrantedSlot) {
  BudgetPacer pacer = Pacer(local_, Options());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pacer.Wait({}).ok());
  EXPECT_NEAR(absl::ToDoubleSeconds(slept_), 49 * 10.0 / 98, 1e-3);
}

TEST_F(PacerTest, PassesTheCrmsObservationsToTheAuthority) {
  BudgetPacer pacer = Pacer(local_, Options());
  ASSERT_TRUE(pacer.Wait({}).ok());
  v1::RateObservation o;
  o.set_limit("burst");
  o.set_throttled(true);
  o.set_retry_after_ms(5000);
  pacer.Observe({o});
  absl::Duration before = slept_;
  ASSERT_TRUE(pacer.Wait({}).ok());
  EXPECT_EQ(slept_ - before, absl::Seconds(5));
  EXPECT_EQ(authority_.Usage("").accounts(0).throttled_observed(), 1);
}

TEST_F(PacerTest, ASpentQuotaPausesThenResumesByItself) {
  BudgetPacer pacer = Pacer(local_, Options(/*daily=*/2));
  ASSERT_TRUE(pacer.Wait({}).ok());
  ASSERT_TRUE(pacer.Wait({}).ok());
  absl::Time midnight =
      absl::FromUnixSeconds(1700000000 / 86400 * 86400) + absl::Hours(24);
  ASSERT_TRUE(pacer.Wait({}).ok());  // waits for the next day
  EXPECT_GE(now_, midnight);
  EXPECT_GT(pacer.paused(), absl::Hours(1));
}

TEST_F(PacerTest, RetriesAnUnreachableAuthorityThenGivesUp) {
  auto flaky = std::make_shared<FaultyBudgetClient>(local_, 2);
  BudgetPacer pacer = Pacer(flaky, Options());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(pacer.Wait({}).ok());
  EXPECT_EQ(flaky->failures(), 3);  // calls 2, 4 and 6
  auto down = std::make_shared<FaultyBudgetClient>(local_, 1);
  BudgetPacer stuck = Pacer(down, Options());
  absl::Status s = stuck.Wait({});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("unreachable"));
}

TEST(BudgetAccountKey, NamesWhatTheCrmLimitsNeverAToken) {
  EXPECT_EQ(BudgetAccountKey("highlevel", "http://h", "loc1"),
            "highlevel:loc1");
  EXPECT_EQ(BudgetAccountKey("pipedrive", "https://acme.pipedrive.com/", ""),
            "pipedrive:https://acme.pipedrive.com");
}

}  // namespace
}  // namespace bridgework::budget
