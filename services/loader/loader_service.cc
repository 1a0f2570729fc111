#include "services/loader/loader_service.h"

#include <thread>

#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/worker_reactor.h"
#include "services/loader/loader_core.h"

namespace bridgework::loader {
namespace {

// Reads a batch, loads it on a worker thread (reactions must not block),
// writes its ack, and only then reads the next: one batch in flight per
// stream, so a slow CRM slows the sender through gRPC flow control.
class LoadReactor final
    : public grpc::ServerBidiReactor<v1::TargetBatch, v1::LoadAck> {
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
        LogWarning("load stream failed",
                   {{"code", absl::StatusCodeToString(ack.status().code())}});
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

}  // namespace

LoaderService::LoaderService(std::string crm_name, ConnectorFactory factory,
                             std::shared_ptr<AuditorClient> auditor)
    : crm_name_(std::move(crm_name)),
      factory_(std::move(factory)),
      auditor_(std::move(auditor)) {}

grpc::ServerUnaryReactor* LoaderService::Prepare(
    grpc::CallbackServerContext* context, const v1::PrepareRequest* request,
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

grpc::ServerUnaryReactor* LoaderService::Link(
    grpc::CallbackServerContext* context, const v1::LinkRequest* request,
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

grpc::ServerUnaryReactor* LoaderService::ReadBack(
    grpc::CallbackServerContext* context, const v1::ReadBackRequest* request,
    v1::ReadBackResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::thread([this, reactor, request, response] {
    auto connector = factory_();
    LoaderCore core(crm_name_, connector.get(), auditor_.get());
    absl::StatusOr<v1::ReadBackResponse> r = core.ReadBack(*request);
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  }).detach();
  return reactor;
}

grpc::ServerWriteReactor<v1::RollbackEvent>* LoaderService::Rollback(
    grpc::CallbackServerContext* context, const v1::RollbackRequest* request) {
  return new WorkerWriteReactor<v1::RollbackEvent>(
      [this, request](const WorkerWriteReactor<v1::RollbackEvent>::Emit& emit) {
        auto connector = factory_();
        LoaderCore core(crm_name_, connector.get(), auditor_.get());
        return core.Rollback(*request,
                             [&emit](const v1::RollbackEvent& e) { emit(e); });
      });
}

}  // namespace bridgework::loader
