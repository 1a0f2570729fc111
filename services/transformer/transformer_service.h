// gRPC adapter for the transformer (callback API). A run works under the
// controller's trace and the run's id (libs/common/trace.h), which its
// calls to the extractor, loader and auditor carry on.
#ifndef BRIDGEWORK_SERVICES_TRANSFORMER_TRANSFORMER_SERVICE_H_
#define BRIDGEWORK_SERVICES_TRANSFORMER_TRANSFORMER_SERVICE_H_

#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "bridgework/v1/transformer.grpc.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/budget/budget_client.h"
#include "services/transformer/pipeline.h"

namespace bridgework::transformer {

struct TransformerPeers {
  std::string extractor;  // host:port
  std::string loader;     // host:port (or a DNS name resolving to replicas)
  std::string auditor;    // host:port
  // Loader calls per route with a batch in flight (PipelinePeers).
  int loader_streams = 2;
  // The process's metrics (PipelinePeers); null: not measured. Must
  // outlive the service.
  metrics::Metrics* metrics = nullptr;
  // The master key of `phi: hash` fields (PipelinePeers); "" for the
  // documented default.
  std::string phi_master_key;
};

class TransformerService final : public v1::Transformer::CallbackService {
 public:
  explicit TransformerService(const TransformerPeers& peers);

  grpc::ServerWriteReactor<v1::RunEvent>* Run(
      grpc::CallbackServerContext* context,
      const v1::RunRequest* request) override;
  grpc::ServerUnaryReactor* Transform(grpc::CallbackServerContext* context,
                                      const v1::TransformRequest* request,
                                      v1::TransformResponse* response) override;

 private:
  std::unique_ptr<v1::Extractor::Stub> extractor_;
  std::unique_ptr<v1::Loader::Stub> loader_;
  std::unique_ptr<AuditorClient> auditor_;
  std::unique_ptr<budget::BudgetClient> budget_;
  const int loader_streams_;
  metrics::Metrics* const metrics_;
  const std::string phi_master_key_;
  // Runs in progress here. A run is driven by one Run call at a time: a
  // controller killed mid-run leaves its call going until the transformer
  // notices the cancellation, and a second call of the same run meanwhile
  // would prepare the schema and write its records twice over.
  absl::Mutex runs_mu_;
  std::set<std::string> active_runs_ ABSL_GUARDED_BY(runs_mu_);
};

}  // namespace bridgework::transformer

#endif  // BRIDGEWORK_SERVICES_TRANSFORMER_TRANSFORMER_SERVICE_H_
