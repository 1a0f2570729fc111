#include "libs/common/thread_cache.h"

#include <utility>

namespace bridgework {

ThreadCache::~ThreadCache() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
}

void ThreadCache::Run(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(task));
  // Each idle thread takes one queued task; a task no idle thread is left
  // for gets a new thread.
  if (static_cast<size_t>(idle_) < queue_.size()) {
    threads_.emplace_back([this] { Work(); });
  }
}

int ThreadCache::threads() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(threads_.size());
}

int ThreadCache::idle() const {
  absl::MutexLock lock(&mu_);
  return idle_;
}

void ThreadCache::Work() {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) return;
      ++idle_;
      mu_.Await(absl::Condition(
          +[](ThreadCache* c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return !c->queue_.empty() || c->stopping_;
          },
          this));
      --idle_;
      continue;
    }
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    mu_.Unlock();
    task();
    task = nullptr;  // its captures go now, not when the next one comes
    mu_.Lock();
  }
}

}  // namespace bridgework
