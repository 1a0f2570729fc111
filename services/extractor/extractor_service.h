// bridgework.v1.Extractor over a SourceRegistry (gRPC callback API).
//
// Stateless: every call creates its connector from the request's
// SourceConfig. ListObjects and DescribeObject run on the gRPC callback
// thread, so connectors must answer them quickly (a file header, one API
// page). Extract streams on a producer thread of its own: it reads one
// batch ahead into a queue of at most two batches and keeps one write
// outstanding, so the source is read only as fast as the client reads the
// stream. When the client goes away the producer stops at its next batch
// and the reader is released.
//
// Errors: connector errors end the call with their code (ToGrpcStatus);
// rejected rows travel inside the batches and never fail the stream.
// Thread safety: the service is thread-safe.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_EXTRACTOR_SERVICE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_EXTRACTOR_SERVICE_H_

#include "bridgework/v1/extractor.grpc.pb.h"
#include "libs/metrics/metrics.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// ExtractRequest.batch_size when unset (or not positive), and its cap.
inline constexpr int kDefaultBatchSize = 500;
inline constexpr int kMaxBatchSize = 5000;

class ExtractorService final : public v1::Extractor::CallbackService {
 public:
  // `registry` is borrowed and must outlive the service and every call;
  // so is `metrics` (records out per object; null: not measured).
  explicit ExtractorService(const SourceRegistry* registry,
                            metrics::Metrics* metrics = nullptr)
      : registry_(registry), metrics_(metrics) {}

  // v1::Extractor::CallbackService
  grpc::ServerUnaryReactor* ListObjects(
      grpc::CallbackServerContext* context,
      const v1::ListObjectsRequest* request,
      v1::ListObjectsResponse* response) override;
  grpc::ServerUnaryReactor* DescribeObject(
      grpc::CallbackServerContext* context,
      const v1::DescribeObjectRequest* request,
      v1::ObjectSchema* response) override;
  grpc::ServerWriteReactor<v1::RecordBatch>* Extract(
      grpc::CallbackServerContext* context,
      const v1::ExtractRequest* request) override;

 private:
  const SourceRegistry* registry_;
  metrics::Metrics* metrics_;
};

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_EXTRACTOR_SERVICE_H_
