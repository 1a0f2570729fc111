#include "services/extractor/extractor_service.h"

#include <algorithm>

#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/common/worker_reactor.h"

namespace bridgework::extractor {

grpc::ServerUnaryReactor* ExtractorService::ListObjects(
    grpc::CallbackServerContext* c, const v1::ListObjectsRequest* r,
    v1::ListObjectsResponse* out) {
  auto* reactor = c->DefaultReactor();
  absl::Status s = [&]() -> absl::Status {
    BW_ASSIGN_OR_RETURN(auto source, registry_->Create(r->source()));
    BW_ASSIGN_OR_RETURN(auto objects, source->ListObjects());
    for (auto& o : objects) *out->add_objects() = std::move(o);
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

grpc::ServerUnaryReactor* ExtractorService::DescribeObject(
    grpc::CallbackServerContext* c, const v1::DescribeObjectRequest* r,
    v1::ObjectSchema* out) {
  auto* reactor = c->DefaultReactor();
  absl::Status s = [&]() -> absl::Status {
    BW_ASSIGN_OR_RETURN(auto source, registry_->Create(r->source()));
    BW_ASSIGN_OR_RETURN(*out, source->Describe(r->object_type()));
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(s));
  return reactor;
}

grpc::ServerWriteReactor<v1::RecordBatch>* ExtractorService::Extract(
    grpc::CallbackServerContext* c, const v1::ExtractRequest* r) {
  return new WorkerWriteReactor<v1::RecordBatch>(
      [this, r](const WorkerWriteReactor<v1::RecordBatch>::Emit& emit)
          -> absl::Status {
        int batch_size =
            r->batch_size() > 0 ? std::min(r->batch_size(), 5000) : 500;
        BW_ASSIGN_OR_RETURN(auto source, registry_->Create(r->source()));
        BW_ASSIGN_OR_RETURN(auto reader, source->Open(r->object_type(),
                                                      r->cursor(), r->since()));
        int64_t records = 0, rejections = 0;
        while (true) {
          v1::RecordBatch batch;
          BW_ASSIGN_OR_RETURN(bool more, reader->Next(batch_size, &batch));
          if (!more) break;
          records += batch.records_size();
          rejections += batch.rejections_size();
          if (!emit(batch)) return absl::CancelledError("the client went away");
        }
        LogInfo("extracted", {{"object", r->object_type()},
                              {"records", std::to_string(records)},
                              {"rejections", std::to_string(rejections)}});
        return absl::OkStatus();
      });
}

}  // namespace bridgework::extractor
