// gRPC adapter for the extractor (callback API). Stateless: every call
// creates its connector from the request's SourceConfig.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_EXTRACTOR_SERVICE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_EXTRACTOR_SERVICE_H_

#include "bridgework/v1/extractor.grpc.pb.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

class ExtractorService final : public v1::Extractor::CallbackService {
 public:
  // `registry` is borrowed and must outlive the service.
  explicit ExtractorService(const SourceRegistry* registry)
      : registry_(registry) {}

  grpc::ServerUnaryReactor* ListObjects(grpc::CallbackServerContext* c,
                                        const v1::ListObjectsRequest* r,
                                        v1::ListObjectsResponse* out) override;
  grpc::ServerUnaryReactor* DescribeObject(grpc::CallbackServerContext* c,
                                           const v1::DescribeObjectRequest* r,
                                           v1::ObjectSchema* out) override;
  // One batch in flight: the source is read only as fast as the client
  // reads the stream.
  grpc::ServerWriteReactor<v1::RecordBatch>* Extract(
      grpc::CallbackServerContext* c, const v1::ExtractRequest* r) override;

 private:
  const SourceRegistry* registry_;
};

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_EXTRACTOR_SERVICE_H_
