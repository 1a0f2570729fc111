// gRPC adapter for the loader (callback API). Converts between the wire and
// LoaderCore; every stream gets its own core and CRM connector, sharing the
// account's pacer and the auditor client. Each call's work runs under the
// caller's trace and the run's id (libs/common/trace.h), and its records
// are counted in `metrics` (records in and out per target object, batches
// in flight).
#ifndef BRIDGEWORK_SERVICES_LOADER_LOADER_SERVICE_H_
#define BRIDGEWORK_SERVICES_LOADER_LOADER_SERVICE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "bridgework/v1/loader.grpc.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/common/thread_cache.h"
#include "libs/crm/crm_connector.h"
#include "libs/metrics/metrics.h"
#include "services/loader/user_directory.h"

namespace bridgework::loader {

using ConnectorFactory = std::function<std::unique_ptr<crm::CrmConnector>()>;

class LoaderService final : public v1::Loader::CallbackService {
 public:
  // `auditor` is shared by all streams and must be thread-safe. `metrics`
  // (null: not measured) must outlive the service and every call.
  LoaderService(std::string crm_name, ConnectorFactory factory,
                std::shared_ptr<AuditorClient> auditor,
                metrics::Metrics* metrics = nullptr);

  grpc::ServerUnaryReactor* Prepare(grpc::CallbackServerContext* context,
                                    const v1::PrepareRequest* request,
                                    v1::PrepareResponse* response) override;
  grpc::ServerBidiReactor<v1::TargetBatch, v1::LoadAck>* Load(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Link(grpc::CallbackServerContext* context,
                                 const v1::LinkRequest* request,
                                 v1::LinkResponse* response) override;
  grpc::ServerUnaryReactor* ReadBack(grpc::CallbackServerContext* context,
                                     const v1::ReadBackRequest* request,
                                     v1::ReadBackResponse* response) override;
  grpc::ServerWriteReactor<v1::RollbackEvent>* Rollback(
      grpc::CallbackServerContext* context,
      const v1::RollbackRequest* request) override;

  // Named locks: writes of one run (its batches, its links) and schema
  // preparation of one account happen one at a time in this process. A
  // caller that went away (a killed controller or transformer) leaves its
  // call running until it ends; its successor's call of the same run
  // would otherwise read the same ledger state and write the same records
  // (or create the same fields) again beside it.
  class Locks {
   public:
    std::shared_ptr<absl::Mutex> Of(const std::string& name);

   private:
    absl::Mutex mu_;
    std::map<std::string, std::shared_ptr<absl::Mutex>> locks_
        ABSL_GUARDED_BY(mu_);
  };

 private:
  std::string crm_name_;
  ConnectorFactory factory_;
  std::shared_ptr<AuditorClient> auditor_;
  metrics::Metrics* metrics_;
  std::shared_ptr<Locks> locks_ = std::make_shared<Locks>();
  // The CRM's users, read by each run's Prepare, taken by its streams.
  std::shared_ptr<UserDirectory> users_ = std::make_shared<UserDirectory>();
  // The threads calls and batches run on (reactions must not block).
  // Last: it goes first, running what is scheduled before the rest goes.
  ThreadCache threads_;
};

}  // namespace bridgework::loader

#endif  // BRIDGEWORK_SERVICES_LOADER_LOADER_SERVICE_H_
