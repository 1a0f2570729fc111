#include "libs/crm/retry.h"

#include <gtest/gtest.h>

#include <vector>

namespace bridgework::crm {
namespace {

using std::chrono::milliseconds;

struct FakeTime {
  std::chrono::steady_clock::time_point now{};
  std::vector<milliseconds> sleeps;
  Clock clock() {
    return [this] { return now; };
  }
  Sleeper sleeper() {
    return [this](milliseconds d) {
      sleeps.push_back(d);
      now += d;
    };
  }
};

TEST(Pacer, BurstThenEvenSpacing) {
  FakeTime t;
  Pacer pacer(10.0, 3, t.clock(), t.sleeper());  // one every 100 ms
  for (int i = 0; i < 6; ++i) pacer.Acquire();
  // Three go at once, then one every 100 ms.
  ASSERT_EQ(t.sleeps.size(), 3u);
  for (auto s : t.sleeps) EXPECT_EQ(s, milliseconds(100));
}

TEST(Pacer, DeferHoldsTheNextRequest) {
  FakeTime t;
  Pacer pacer(1000.0, 1, t.clock(), t.sleeper());
  pacer.Acquire();
  pacer.Defer(milliseconds(2000));
  pacer.Acquire();
  ASSERT_FALSE(t.sleeps.empty());
  EXPECT_GE(t.sleeps.back(), milliseconds(1999));
}

TEST(BackoffPolicy, FullJitterWithinCapAndRetryAfterFloor) {
  BackoffPolicy b(milliseconds(100), milliseconds(1000), 7);
  for (int attempt = 0; attempt < 10; ++attempt) {
    auto d = b.Delay(attempt, milliseconds(0));
    EXPECT_GE(d, milliseconds(0));
    EXPECT_LE(d, std::min(milliseconds(100 << attempt), milliseconds(1000)));
  }
  EXPECT_GE(b.Delay(0, milliseconds(5000)), milliseconds(5000));
}

}  // namespace
}  // namespace bridgework::crm
