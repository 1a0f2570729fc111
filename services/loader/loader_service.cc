#include "services/loader/loader_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/arena_message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/trace.h"
#include "libs/common/worker_reactor.h"
#include "services/loader/loader_core.h"

namespace bridgework::loader {
namespace {

// "created" for RECORD_STATUS_CREATED.
std::string OutcomeName(v1::RecordStatus status) {
  std::string name = v1::RecordStatus_Name(status);
  constexpr std::string_view kPrefix = "RECORD_STATUS_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  return absl::AsciiStrToLower(name);
}

// Reads a batch, loads it on a thread of `threads` (reactions must not
// block), writes its ack, and only then reads the next: one batch in flight
// per stream, so a slow CRM slows the sender through gRPC flow control.
class LoadReactor final
    : public grpc::ServerBidiReactor<v1::TargetBatch, v1::LoadAck> {
 public:
  LoadReactor(std::string crm, std::unique_ptr<crm::CrmConnector> connector,
              std::shared_ptr<AuditorClient> auditor,
              const grpc::CallbackServerContext& context,
              metrics::Metrics* metrics,
              std::shared_ptr<LoaderService::Locks> locks,
              std::shared_ptr<UserDirectory> users, ThreadCache* threads)
      : threads_(threads),
        connector_(std::move(connector)),
        auditor_(std::move(auditor)),
        locks_(std::move(locks)),
        users_(std::move(users)),
        core_(std::move(crm), connector_.get(), auditor_.get()),
        log_context_(IncomingLogContext(context)),
        metrics_(metrics) {
    core_.ShareUsers(users_.get());
    ReadNext();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (batches_ > 0) {
        ScopedLogContext scope(log_context_);
        LogInfo("load stream finished", {{"object", object_},
                                         {"batches", absl::StrCat(batches_)},
                                         {"records", absl::StrCat(records_)}});
      }
      Finish(grpc::Status::OK);
      return;
    }
    // Every batch names its run; the stream's trace stays.
    const v1::TargetBatch& batch = *batch_;
    if (!batch.run_id().empty()) log_context_.run = batch.run_id();
    object_ = batch.target_object();
    threads_->Run([this] {
      const v1::TargetBatch& batch = *batch_;
      ScopedLogContext scope(log_context_);
      ++batches_;
      records_ += batch.records_size();
      if (metrics_ != nullptr) {
        metrics_->RecordsIn(batch.target_object(), batch.records_size());
        metrics_->QueueDepth("load_batches").Increment();
      }
      std::shared_ptr<absl::Mutex> run = locks_->Of("run/" + batch.run_id());
      absl::StatusOr<v1::LoadAck> ack;
      {
        absl::MutexLock lock(run.get());
        ack = core_.LoadBatch(batch);
      }
      if (metrics_ != nullptr) {
        metrics_->QueueDepth("load_batches").Decrement();
        if (ack.ok()) {
          for (const v1::RecordOutcome& o : ack->outcomes()) {
            metrics_->RecordsOut(batch.target_object(), OutcomeName(o.status()),
                                 1);
          }
        }
      }
      if (!ack.ok()) {
        LogWarning("load stream failed",
                   {{"code", absl::StatusCodeToString(ack.status().code())}});
        Finish(ToGrpcStatus(ack.status()));
        return;
      }
      ack_ = std::move(*ack);
      StartWrite(&ack_);
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
      return;
    }
    ReadNext();
  }

  void OnDone() override { delete this; }

 private:
  // Reads the next batch into a fresh arena: the previous batch's records
  // (maps of fields, lookups) are released at once, not one allocation at
  // a time.
  void ReadNext() {
    batch_.Reset();
    StartRead(batch_.get());
  }

  ThreadCache* const threads_;
  std::unique_ptr<crm::CrmConnector> connector_;
  std::shared_ptr<AuditorClient> auditor_;
  std::shared_ptr<LoaderService::Locks> locks_;
  std::shared_ptr<UserDirectory> users_;
  LoaderCore core_;
  ArenaMessage<v1::TargetBatch> batch_;
  std::string object_;  // the last batch's target object
  v1::LoadAck ack_;
  // Touched by one batch's thread at a time (one batch in flight).
  LogContext log_context_;
  metrics::Metrics* const metrics_;
  int64_t batches_ = 0;
  int64_t records_ = 0;
};

// The run a request belongs to, when it names one.
template <typename Request>
std::string RunOf(const Request& request) {
  if constexpr (requires { request.run_id(); }) {
    return request.run_id();
  } else {
    return "";
  }
}

}  // namespace

std::shared_ptr<absl::Mutex> LoaderService::Locks::Of(const std::string& name) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<absl::Mutex>& m = locks_[name];
  if (!m) m = std::make_shared<absl::Mutex>();
  return m;
}

LoaderService::LoaderService(std::string crm_name, ConnectorFactory factory,
                             std::shared_ptr<AuditorClient> auditor,
                             metrics::Metrics* metrics)
    : crm_name_(std::move(crm_name)),
      factory_(std::move(factory)),
      auditor_(std::move(auditor)),
      metrics_(metrics) {}

grpc::ServerUnaryReactor* LoaderService::Prepare(
    grpc::CallbackServerContext* context, const v1::PrepareRequest* request,
    v1::PrepareResponse* response) {
  auto* reactor = context->DefaultReactor();
  threads_.Run([this, reactor, request, response,
                log_context = IncomingLogContext(*context, RunOf(*request))] {
    ScopedLogContext scope(log_context);
    auto connector = factory_();
    LoaderCore core(crm_name_, connector.get(), auditor_.get());
    core.ShareUsers(users_.get());
    std::shared_ptr<absl::Mutex> account =
        locks_->Of("prepare/" + request->destination().account());
    absl::StatusOr<v1::PrepareResponse> r;
    {
      absl::MutexLock lock(account.get());
      r = core.Prepare(*request);
    }
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  });
  return reactor;
}

grpc::ServerBidiReactor<v1::TargetBatch, v1::LoadAck>* LoaderService::Load(
    grpc::CallbackServerContext* context) {
  return new LoadReactor(crm_name_, factory_(), auditor_, *context, metrics_,
                         locks_, users_, &threads_);
}

grpc::ServerUnaryReactor* LoaderService::Link(
    grpc::CallbackServerContext* context, const v1::LinkRequest* request,
    v1::LinkResponse* response) {
  auto* reactor = context->DefaultReactor();
  threads_.Run([this, reactor, request, response,
                log_context = IncomingLogContext(*context, RunOf(*request))] {
    ScopedLogContext scope(log_context);
    auto connector = factory_();
    LoaderCore core(crm_name_, connector.get(), auditor_.get());
    absl::StatusOr<v1::LinkResponse> r = core.Link(*request);
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* LoaderService::ReadBack(
    grpc::CallbackServerContext* context, const v1::ReadBackRequest* request,
    v1::ReadBackResponse* response) {
  auto* reactor = context->DefaultReactor();
  threads_.Run([this, reactor, request, response,
                log_context = IncomingLogContext(*context, RunOf(*request))] {
    ScopedLogContext scope(log_context);
    auto connector = factory_();
    LoaderCore core(crm_name_, connector.get(), auditor_.get());
    absl::StatusOr<v1::ReadBackResponse> r = core.ReadBack(*request);
    if (r.ok()) *response = std::move(*r);
    reactor->Finish(ToGrpcStatus(r.status()));
  });
  return reactor;
}

grpc::ServerWriteReactor<v1::RollbackEvent>* LoaderService::Rollback(
    grpc::CallbackServerContext* context, const v1::RollbackRequest* request) {
  return new WorkerWriteReactor<v1::RollbackEvent>(
      [this, request,
       log_context =
           IncomingLogContext(*context, request->rollback_run_id().empty()
                                            ? request->run_id()
                                            : request->rollback_run_id())](
          const WorkerWriteReactor<v1::RollbackEvent>::Emit& emit) {
        ScopedLogContext scope(log_context);
        auto connector = factory_();
        LoaderCore core(crm_name_, connector.get(), auditor_.get());
        return core.Rollback(*request,
                             [&emit](const v1::RollbackEvent& e) { emit(e); });
      });
}

}  // namespace bridgework::loader
