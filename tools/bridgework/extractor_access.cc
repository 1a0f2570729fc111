#include "tools/bridgework/extractor_access.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "libs/common/grpc_status.h"
#include "libs/common/server.h"
#include "libs/common/status_macros.h"

namespace bridgework::cli {
namespace fs = std::filesystem;

absl::StatusOr<ExtractorAccess> ExtractorAccess::Reach(
    const std::string& services_file, const ServiceAddresses& from_config,
    const std::string& state_dir) {
  ExtractorAccess access;
  if (!from_config.extractor.empty()) {
    access.address_ = from_config.extractor;
  } else if (fs::exists(services_file)) {
    auto running = LoadServiceAddresses(services_file);
    if (running.ok()) {
      absl::Status s = ServingStatus(running->extractor, 2000);
      // A running extractor that refuses this client is reported, not
      // replaced by a private one.
      if (absl::IsUnauthenticated(s)) {
        return CheckReachable("extractor", running->extractor, 2000);
      }
      if (s.ok()) access.address_ = running->extractor;
    }
  }
  if (access.address_.empty()) {
    access.supervisor_ = std::make_unique<Supervisor>(state_dir);
    BW_ASSIGN_OR_RETURN(Child child, access.supervisor_->Start(
                                         {"extractor",
                                          BinaryDir() + "/bridgework-extractor",
                                          {"--listen", "127.0.0.1:0"},
                                          {}},
                                         true));
    access.address_ = child.address;
  }
  access.stub_ = v1::Extractor::NewStub(MakeChannel(access.address_));
  return access;
}

absl::StatusOr<std::vector<v1::ObjectSchema>> ExtractorAccess::DescribeAll(
    const v1::SourceConfig& source) {
  v1::ListObjectsRequest list_req;
  *list_req.mutable_source() = source;
  v1::ListObjectsResponse list;
  {
    grpc::ClientContext ctx;
    BW_RETURN_IF_ERROR(
        FromGrpcStatus(stub_->ListObjects(&ctx, list_req, &list)));
  }
  std::vector<v1::ObjectSchema> out;
  for (const v1::ObjectInfo& info : list.objects()) {
    v1::DescribeObjectRequest req;
    *req.mutable_source() = source;
    req.set_object_type(info.object_type());
    grpc::ClientContext ctx;
    v1::ObjectSchema schema;
    BW_RETURN_IF_ERROR(
        FromGrpcStatus(stub_->DescribeObject(&ctx, req, &schema)));
    out.push_back(std::move(schema));
  }
  return out;
}

absl::Status ExtractorAccess::Read(
    const v1::SourceConfig& source, const std::string& object,
    const std::function<bool(const v1::RecordBatch&)>& sink, int batch_size) {
  v1::ExtractRequest req;
  *req.mutable_source() = source;
  req.set_object_type(object);
  req.set_batch_size(batch_size);
  grpc::ClientContext ctx;
  auto reader = stub_->Extract(&ctx, req);
  v1::RecordBatch batch;
  while (reader->Read(&batch)) {
    if (!sink(batch)) {
      ctx.TryCancel();
      while (reader->Read(&batch)) {
      }
      (void)reader->Finish();
      return absl::OkStatus();
    }
  }
  return FromGrpcStatus(reader->Finish());
}

}  // namespace bridgework::cli
