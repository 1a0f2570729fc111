#include "libs/common/thread_cache.h"

#include <atomic>

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace bridgework {
namespace {

TEST(ThreadCacheTest, ReusesTheThreadOfAFinishedTask) {
  ThreadCache cache;
  for (int i = 0; i < 50; ++i) {
    absl::Notification done;
    cache.Run([&done] { done.Notify(); });
    done.WaitForNotification();
    // The thread is idle again once the task has returned.
    while (cache.idle() != 1) absl::SleepFor(absl::Milliseconds(1));
  }
  // One at a time: the first task's thread ran all fifty (a thread per
  // task would have started fifty).
  EXPECT_EQ(cache.threads(), 1);
}

TEST(ThreadCacheTest, ABlockedTaskDoesNotHoldUpTheNext) {
  ThreadCache cache;
  absl::Notification second_ran, first_done;
  // The first task waits for the second: with a fixed single thread this
  // would never finish.
  cache.Run([&] {
    second_ran.WaitForNotification();
    first_done.Notify();
  });
  cache.Run([&] { second_ran.Notify(); });
  first_done.WaitForNotification();
  EXPECT_EQ(cache.threads(), 2);
}

TEST(ThreadCacheTest, DestructionRunsEveryTaskScheduled) {
  std::atomic<int> ran{0};
  {
    ThreadCache cache;
    absl::Notification release;
    cache.Run([&] {
      release.WaitForNotification();
      ++ran;
    });
    for (int i = 0; i < 20; ++i) cache.Run([&] { ++ran; });
    release.Notify();
  }
  EXPECT_EQ(ran.load(), 21);
}

}  // namespace
}  // namespace bridgework
