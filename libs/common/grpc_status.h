// Conversion between absl::Status and grpc::Status. Only RPC edges call it:
// core classes speak absl::Status.
#ifndef BRIDGEWORK_LIBS_COMMON_GRPC_STATUS_H_
#define BRIDGEWORK_LIBS_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace bridgework {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_GRPC_STATUS_H_
