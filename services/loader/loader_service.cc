#include "services/loader/loader_service.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "services/loader/loader_core.h"

namespace bridgework::loader {
namespace {

// Reads a batch, loads it on a worker thread (reactions must not block),
// writes its ack, and only then reads the next: one batch in flight per
// stream, so a slow CRM slows the sender through gRPC flow control.
class LoadReactor final : public grpc::ServerBidiReactor<v1::TargetBatch, v1::LoadAck> {
 public:
  LoadReactor(std::string crm, std::unique_ptr<crm::CrmConnector> connector,
              std::shared_ptr<AuditorClient> auditor)
      : connector_(std::move(connector)),
        auditor_(std::move(auditor)),
        core_(std::move(crm), connector_.get(), auditor_.get()) {
    StartRead(&batch_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    std::thread([this] {
      absl::StatusOr<v1::LoadAck> ack = core_.LoadBatch(batch_);
      if (!ack.ok()) {
        LogWarning("load stream failed", {{"code", absl::StatusCodeToString(ack.status().code())}});
        Finish(ToGrpcStatus(ack.status()));
        return;
      }
      ack_ = std::move(*ack);
      StartWrite(&ack_);
    }).detach();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
    StartRead(&batch_);
  }

  void OnDone() override { delete this; }

 private:
  std::unique_ptr<crm::CrmConnector> connector_;
  std::shared_ptr<AuditorClient> auditor_;
  LoaderCore core_;
  v1::TargetBatch batch_;
  v1::LoadAck ack_;
};

// Streams rollback progress written by a worker thread.
class RollbackReactor final : public grpc::ServerWriteReactor<v1::RollbackEvent> {
 public:
  RollbackReactor(std::string crm, std::unique_ptr<crm::CrmConnector> connector,
                  std::shared_ptr<AuditorClient> auditor, v1::RollbackRequest request)
      : connector_(std::move(connector)),
        auditor_(std::move(auditor)),
        core_(std::move(crm), connector_.get(), auditor_.get()) {
    worker_ = std::thread([this, request = std::move(request)] {
      absl::Status s = core_.Rollback(request, [this](const v1::RollbackEvent& e) { Push(e); });
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

  void OnDone() override {
    worker_.join();
    delete this;
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }

 private:
  void Push(const v1::RollbackEvent& e) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return queue_.size() < 2 || cancelled_; });
    if (cancelled_) return;
    queue_.push_back(e);
    MaybeWriteLocked();
  }

  void MaybeWriteLocked() {
    if (writing_ || finished_) return;
    if (!queue_.empty() && !cancelled_) {
      writing_ = true;
      StartWrite(&queue_.front());
      return;
    }
    if (done_) {
      finished_ = true;
      Finish(status_);
    }
  }

  std::unique_ptr<crm::CrmConnector> connector_;
  std::shared_ptr<AuditorClient> auditor_;
  LoaderCore core_;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<v1::RollbackEvent> queue_;
  bool writing_ = false;
  bool done_ = false;
  bool finished_ = false;
  bool cancelled_ = false;
  grpc::Status status_;
};

}  // namespace

LoaderService::LoaderService(std::string crm_name, ConnectorFactory factory,
                             std::shared_ptr<AuditorClient> auditor)
    : crm_name_(std::move(crm_name)), factory_(std::move(factory)), auditor_(std::move(auditor)) {}

grpc::ServerUnaryReactor* LoaderService::Prepare(grpc::CallbackServerContext* context,
                                                 const v1::PrepareRequest* request,
                                                 v1::PrepareResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::thread([this, reactor, request, response] {
    auto connector = factory_();
    LoaderCore core(crm_name_, connector.get(), auditor_.get());
    absl::StatusOr<v1::PrepareResponse> r = core.Prepare(*request);
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  }).detach();
  return reactor;
}

grpc::ServerBidiReactor<v1::TargetBatch, v1::LoadAck>* LoaderService::Load(
    grpc::CallbackServerContext* context) {
  return new LoadReactor(crm_name_, factory_(), auditor_);
}

grpc::ServerUnaryReactor* LoaderService::Link(grpc::CallbackServerContext* context,
                                              const v1::LinkRequest* request,
                                              v1::LinkResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::thread([this, reactor, request, response] {
    auto connector = factory_();
    LoaderCore core(crm_name_, connector.get(), auditor_.get());
    absl::StatusOr<v1::LinkResponse> r = core.Link(*request);
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  }).detach();
  return reactor;
}

grpc::ServerWriteReactor<v1::RollbackEvent>* LoaderService::Rollback(
    grpc::CallbackServerContext* context, const v1::RollbackRequest* request) {
  return new RollbackReactor(crm_name_, factory_(), auditor_, *request);
}

}  // namespace bridgework::loader
