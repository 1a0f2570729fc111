#include "services/auditor/executor.h"

#include <algorithm>
#include <utility>

namespace bridgework::auditor {

Executor::Executor(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this] { Work(); });
  }
}

Executor::~Executor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
  // Anything scheduled between the last worker leaving and now runs here.
  std::deque<std::function<void()>> left;
  {
    absl::MutexLock lock(&mu_);
    joined_ = true;
    left.swap(queue_);
  }
  for (auto& task : left) task();
}

void Executor::Schedule(std::function<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    if (!joined_) {
      queue_.push_back(std::move(task));
      return;
    }
  }
  task();
}

void Executor::Work() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Executor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return e->stopping_ || !e->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace bridgework::auditor
