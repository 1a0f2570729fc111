// A fixed pool of threads that runs the auditor's ledger calls off gRPC's
// callback threads (callback reactions must not block; a synced write
// waits for fsync).
//
// Thread safety: Schedule may be called from any thread, tasks included.
// Destruction runs every task already scheduled (and those they schedule),
// then joins the threads; a task scheduled after that runs inline.
#ifndef BRIDGEWORK_SERVICES_AUDITOR_EXECUTOR_H_
#define BRIDGEWORK_SERVICES_AUDITOR_EXECUTOR_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace bridgework::auditor {

class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Schedule(std::function<void()> task);

 private:
  void Work();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool joined_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace bridgework::auditor

#endif  // BRIDGEWORK_SERVICES_AUDITOR_EXECUTOR_H_
