// A server-streaming reactor whose messages come from a worker thread.
//
// gRPC callback reactions must not block, so long-running RPCs (a run, a
// rollback) do their work on their own thread and hand messages to this
// reactor through a queue of at most two: when the client reads slowly the
// worker's Emit() blocks, which is the stream's backpressure. Emit()
// returns false once the client has gone; the work should then stop.
//
// Ownership: allocate with new and return it from the RPC method; it
// deletes itself when gRPC is done with it, after joining the worker.
#ifndef BRIDGEWORK_LIBS_COMMON_WORKER_REACTOR_H_
#define BRIDGEWORK_LIBS_COMMON_WORKER_REACTOR_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "libs/common/grpc_status.h"

namespace bridgework {

template <typename Message>
class WorkerWriteReactor final : public grpc::ServerWriteReactor<Message> {
 public:
  using Emit = std::function<bool(const Message&)>;
  using Work = std::function<absl::Status(const Emit&)>;

  explicit WorkerWriteReactor(Work work) {
    worker_ = std::thread([this, work = std::move(work)] {
      absl::Status s = work([this](const Message& m) { return Push(m); });
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      status_ = ToGrpcStatus(s);
      MaybeWriteLocked();
    });
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) cancelled_ = true;
    queue_.pop_front();
    cv_.notify_all();
    MaybeWriteLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

  void OnDone() override {
    worker_.join();
    delete this;
  }

 private:
  bool Push(const Message& m) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return queue_.size() < 2 || cancelled_; });
    if (cancelled_) return false;
    queue_.push_back(m);
    MaybeWriteLocked();
    return true;
  }

  void MaybeWriteLocked() {
    if (writing_ || finished_) return;
    if (!queue_.empty() && !cancelled_) {
      writing_ = true;
      this->StartWrite(&queue_.front());
      return;
    }
    if (done_) {
      finished_ = true;
      this->Finish(status_);
    }
  }

  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Message> queue_;
  bool writing_ = false;
  bool done_ = false;
  bool finished_ = false;
  bool cancelled_ = false;
  grpc::Status status_;
};

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_WORKER_REACTOR_H_
