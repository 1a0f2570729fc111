#include "services/transformer/transformer_service.h"

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/trace.h"
#include "libs/common/worker_reactor.h"
#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"

namespace bridgework::transformer {

TransformerService::TransformerService(const TransformerPeers& peers)
    : extractor_(v1::Extractor::NewStub(MakeChannel(peers.extractor))),
      loader_(v1::Loader::NewStub(MakeChannel(peers.loader))),
      auditor_(MakeGrpcAuditorClient(peers.auditor)),
      budget_(budget::MakeGrpcBudgetClient(peers.auditor)),
      loader_streams_(peers.loader_streams),
      metrics_(peers.metrics),
      phi_master_key_(peers.phi_master_key) {}

grpc::ServerWriteReactor<v1::RunEvent>* TransformerService::Run(
    grpc::CallbackServerContext* context, const v1::RunRequest* request) {
  return new WorkerWriteReactor<v1::RunEvent>(
      [this, request, context,
       log_context = IncomingLogContext(*context, request->run_id())](
          const WorkerWriteReactor<v1::RunEvent>::Emit& emit) {
        // Every line and every call to a peer carries the run and trace.
        ScopedLogContext scope(log_context);
        const std::string& run = request->run_id();
        if (!run.empty()) {
          absl::MutexLock lock(&runs_mu_);
          if (!active_runs_.insert(run).second) {
            return absl::UnavailableError(absl::StrCat(
                "run ", run,
                " is still running here (its controller went away); retry "
                "once it has stopped"));
          }
        }
        absl::Cleanup done = [this, &run] {
          if (run.empty()) return;
          absl::MutexLock lock(&runs_mu_);
          active_runs_.erase(run);
        };
        LogInfo("run started", {{"run", run}});
        PipelinePeers peers{extractor_.get(), loader_.get(),   auditor_.get(),
                            context,          loader_streams_, budget_.get(),
                            metrics_,         phi_master_key_};
        absl::Status s = RunPipeline(*request, peers, emit);
        if (!s.ok()) {
          LogWarning("run stopped",
                     {{"run", request->run_id()},
                      {"code", absl::StatusCodeToString(s.code())}});
        }
        return s;
      });
}

grpc::ServerUnaryReactor* TransformerService::Transform(
    grpc::CallbackServerContext* context, const v1::TransformRequest* request,
    v1::TransformResponse* response) {
  auto* reactor = context->DefaultReactor();
  absl::StatusOr<mapping::Map> map =
      mapping::ParseMap(request->map_yaml(), "map");
  if (!map.ok()) {
    reactor->Finish(ToGrpcStatus(map.status()));
    return reactor;
  }
  mapping::TransformContext ctx;
  ctx.system = request->source_system();
  ctx.phone_region =
      request->phone_region().empty() ? "US" : request->phone_region();
  // Hashed as a run into that account hashes (docs/phi.md).
  ctx.phi_key =
      mapping::DerivePhiKey(phi_master_key_, request->destination().crm(),
                            request->destination().account());
  for (const auto& rec : request->records()) {
    const mapping::ObjectRoute* route = map->Find(rec.object_type());
    if (route == nullptr) {
      v1::Rejection* r = response->add_rejections();
      r->set_object_type(rec.object_type());
      r->set_source_key(rec.source_key());
      r->set_reason("object is not in the map");
      r->set_stage("transform");
      continue;
    }
    mapping::TransformResult result =
        mapping::TransformRecord(*route, rec, ctx);
    if (result.target) *response->add_records() = std::move(*result.target);
    if (result.rejection)
      *response->add_rejections() = std::move(*result.rejection);
    if (result.skipped) *response->add_skipped() = std::move(*result.skipped);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace bridgework::transformer
