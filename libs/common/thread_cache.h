// Runs each task on a thread of its own, reusing the threads of tasks that
// have finished instead of starting one per task. Starting a thread and
// ending it (glibc then returns the stack's pages with madvise, and every
// core flushes its TLB) cost the loader a twentieth of its CPU when it ran
// each batch on a new thread (docs/benchmarks.md, fourteenth session).
//
// A task never waits for another task's thread: with no idle thread, Run
// starts a new one, so tasks may block (on a lock, an RPC, a CRM) without
// holding up the others. Threads stay until the cache goes: as many as
// tasks ever ran at once.
//
// Thread safety: Run may be called from any thread, tasks included. The
// destructor runs every task already scheduled, then joins the threads;
// Run must not be called once it has started.
#ifndef BRIDGEWORK_LIBS_COMMON_THREAD_CACHE_H_
#define BRIDGEWORK_LIBS_COMMON_THREAD_CACHE_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace bridgework {

class ThreadCache {
 public:
  ThreadCache() = default;
  ~ThreadCache();
  ThreadCache(const ThreadCache&) = delete;
  ThreadCache& operator=(const ThreadCache&) = delete;

  void Run(std::function<void()> task);

  // Threads started so far, and those waiting for a task: for tests.
  int threads() const;
  int idle() const;

 private:
  void Work();

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_THREAD_CACHE_H_
