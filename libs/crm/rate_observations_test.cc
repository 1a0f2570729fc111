#include "libs/crm/rate_observations.h"

#include "gtest/gtest.h"
#include "libs/crm/budget_model.h"

namespace bridgework::crm {
namespace {

HttpResponse Response(int status, std::map<std::string, std::string> headers) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

const v1::RateObservation* Find(const std::vector<v1::RateObservation>& all,
                                const std::string& limit) {
  for (const auto& o : all) {
    if (o.limit() == limit) return &o;
  }
  return nullptr;
}

TEST(RateObservations, HighLevelBurstAndDaily) {
  auto seen = HighLevelRateObservations(
      Response(200, {{"x-ratelimit-max", "100"},
                     {"x-ratelimit-remaining", "37"},
                     {"x-ratelimit-limit-daily", "200000"},
                     {"x-ratelimit-daily-remaining", "199000"}}));
  ASSERT_NE(Find(seen, "burst"), nullptr);
  EXPECT_EQ(Find(seen, "burst")->capacity(), 100);
  EXPECT_EQ(Find(seen, "burst")->remaining(), 37);
  EXPECT_EQ(Find(seen, "daily")->remaining(), 199000);
  EXPECT_FALSE(Find(seen, "burst")->throttled());
  // A 429 with no daily budget left is the daily limit's.
  auto daily = HighLevelRateObservations(Response(
      429, {{"x-ratelimit-daily-remaining", "0"}, {"retry-after", "3600"}}));
  ASSERT_NE(Find(daily, "daily"), nullptr);
  EXPECT_TRUE(Find(daily, "daily")->throttled());
  EXPECT_EQ(Find(daily, "daily")->retry_after_ms(), 3600000);
  auto burst = HighLevelRateObservations(Response(
      429,
      {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-daily-remaining", "5"}}));
  EXPECT_TRUE(Find(burst, "burst")->throttled());
}

TEST(RateObservations, PipedriveTellsBurstFromDailyOnA429) {
  auto burst =
      PipedriveRateObservations(Response(429, {{"x-ratelimit-limit", "40"},
                                               {"x-ratelimit-remaining", "0"},
                                               {"x-ratelimit-reset", "2"}}));
  EXPECT_TRUE(Find(burst, "burst")->throttled());
  EXPECT_EQ(Find(burst, "burst")->retry_after_ms(), 2000);
  auto daily = PipedriveRateObservations(Response(
      429, {{"x-ratelimit-limit", "40"}, {"x-ratelimit-remaining", "39"}}));
  ASSERT_NE(Find(daily, "daily"), nullptr);
  EXPECT_TRUE(Find(daily, "daily")->throttled());
  EXPECT_FALSE(Find(daily, "burst")->throttled());
}

TEST(RateObservations, FreshsalesHourlyAndUnparsableHeaders) {
  auto seen = FreshsalesRateObservations(Response(
      200, {{"x-ratelimit-total", "1000"}, {"x-ratelimit-remaining", "x"}}));
  ASSERT_NE(Find(seen, "hourly"), nullptr);
  EXPECT_EQ(Find(seen, "hourly")->capacity(), 1000);
  EXPECT_EQ(Find(seen, "hourly")->remaining(), -1);
  EXPECT_TRUE(FreshsalesRateObservations(Response(200, {})).empty());
}

TEST(RateObservations, PipedriveCostsComeFromTheSpecTable) {
  RequestCost create = PipedriveRequestCost("POST", "/api/v2/persons");
  EXPECT_EQ(create.tokens, 5);
  EXPECT_FALSE(create.search);
  RequestCost search =
      PipedriveRequestCost("GET", "/api/v2/persons/search?term=x");
  EXPECT_TRUE(search.search);
}

TEST(BudgetModel, PlansAndOverrides) {
  auto hl = PlanBudget("highlevel", "unlimited");
  ASSERT_TRUE(hl.ok());
  EXPECT_EQ(hl->limits(0).name(), "burst");
  EXPECT_EQ(hl->limits(0).capacity(), 100);
  EXPECT_EQ(hl->limits(1).capacity(), 200000);
  EXPECT_NEAR(SustainedRate(*hl), 9.8, 1e-9);
  BudgetOptions o;
  o.seats = 3;
  o.oauth = true;
  auto pd = PlanBudget("pipedrive", "premium", o);
  ASSERT_TRUE(pd.ok());
  EXPECT_EQ(pd->limits(0).capacity(), 400);
  EXPECT_EQ(pd->limits(2).capacity(), 30000 * 5 * 3);
  EXPECT_TRUE(pd->limits(2).in_tokens());
  o = {};
  o.daily_capacity = 0;
  EXPECT_EQ(PlanBudget("highlevel", "pro", o)->limits_size(), 1);
  EXPECT_EQ(PlanBudget("freshsales", "pro")->limits(0).capacity(), 2000);
  EXPECT_FALSE(PlanBudget("freshsales", "gold").ok());
  EXPECT_FALSE(PlanBudget("zoho", "pro").ok());
}

}  // namespace
}  // namespace bridgework::crm
