#include "services/loader/loader_metrics.h"

#include <gtest/gtest.h>

namespace bridgework::loader {
namespace {

// A clock stepped by hand: each call returns the current time.
struct StepClock {
  std::chrono::steady_clock::time_point now{};
  crm::Clock Get() {
    return [this] { return now; };
  }
};

TEST(MeteredHttpClient, CountsEveryRequestByStatusWithItsLatency) {
  metrics::Metrics m("loader");
  StepClock clock;
  int calls = 0;
  auto fake = std::make_unique<crm::FakeHttpClient>(
      [&](const crm::HttpRequest&) -> absl::StatusOr<crm::HttpResponse> {
        clock.now += std::chrono::milliseconds(40);
        ++calls;
        if (calls == 2) {
          crm::HttpResponse r;
          r.status = 429;
          return r;
        }
        if (calls == 3) return absl::UnavailableError("refused");
        crm::HttpResponse r;
        r.status = 201;
        return r;
      });
  MeteredHttpClient client(std::move(fake), "freshsales", &m, clock.Get());
  crm::HttpRequest post;
  post.method = "POST";
  for (int i = 0; i < 3; ++i) (void)client.Send(post);
  EXPECT_EQ(m.Value("bridgework_crm_requests_total",
                    {{"crm", "freshsales"}, {"method", "POST"}}),
            3);
  EXPECT_EQ(m.Value("bridgework_crm_requests_total", {{"status", "201"}}), 1);
  EXPECT_EQ(m.Value("bridgework_crm_requests_total", {{"status", "429"}}), 1);
  EXPECT_EQ(m.Value("bridgework_crm_requests_total", {{"status", "error"}}), 1);
  EXPECT_EQ(m.Value("bridgework_crm_rate_limited_total"), 1);
  EXPECT_NE(m.Scrape().find("bridgework_crm_request_duration_seconds_sum{"
                            "service=\"loader\",crm=\"freshsales\",method="
                            "\"POST\"} 0.12"),
            std::string::npos)
      << m.Scrape();
}

class BlockingPacer : public crm::RequestPacer {
 public:
  explicit BlockingPacer(StepClock* clock) : clock_(clock) {}
  absl::Status Wait(const crm::RequestCost&) override {
    clock_->now += std::chrono::seconds(2);
    return absl::OkStatus();
  }
  void Observe(const std::vector<v1::RateObservation>& seen) override {
    observed += static_cast<int>(seen.size());
  }
  int observed = 0;

 private:
  StepClock* clock_;
};

TEST(MeteredPacer, TimesWaitsAndPassesObservationsOn) {
  metrics::Metrics m("loader");
  StepClock clock;
  auto base = std::make_shared<BlockingPacer>(&clock);
  MeteredPacer pacer(base, "pipedrive", &m, clock.Get());
  ASSERT_TRUE(pacer.Wait(crm::RequestCost()).ok());
  pacer.Observe({v1::RateObservation()});
  EXPECT_EQ(base->observed, 1);
  EXPECT_EQ(m.Value("bridgework_budget_wait_seconds", {{"crm", "pipedrive"}}),
            1);
  EXPECT_NE(m.Scrape().find("bridgework_budget_wait_seconds_sum{service="
                            "\"loader\",crm=\"pipedrive\"} 2"),
            std::string::npos);
}

}  // namespace
}  // namespace bridgework::loader
