// Trace propagation across the gRPC hops (docs/observability.md "Traces").
//
// A request carries the W3C trace context header `traceparent`
// ("00-<32 hex trace id>-<16 hex span id>-01") and, when it belongs to a
// run, `bridgework-run` (the run id) as gRPC metadata. Clients add both
// from the calling thread's LogContext: every channel MakeChannel builds
// has the interceptor of TraceClientInterceptors(). Servers read them with
// IncomingLogContext and hold a ScopedLogContext on the thread doing the
// work, so every line logged for the request, and every call it makes to
// the next service, carries the same trace and run.
//
// The trace id is random (it identifies nothing but the request); no field
// value or token ever travels in these headers.
#ifndef BRIDGEWORK_LIBS_COMMON_TRACE_H_
#define BRIDGEWORK_LIBS_COMMON_TRACE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include "libs/common/log.h"

namespace bridgework {

inline constexpr char kTraceparentHeader[] = "traceparent";
inline constexpr char kRunHeader[] = "bridgework-run";

// 32 random lowercase hex digits, never all zero.
std::string NewTraceId();

// "00-<trace_id>-<random span id>-01".
std::string FormatTraceparent(std::string_view trace_id);

// The trace id of a traceparent header, or "" when it is not one (wrong
// version, lengths or digits, or an all-zero id).
std::string ParseTraceparent(std::string_view header);

// The context a handler runs under: the caller's trace (a new one when the
// call has none, so a request's lines still correlate) and run: `run_id`
// when set, else the caller's bridgework-run header (when it is a plausible
// run id: at most 64 letters, digits, '-', '_' or '.').
LogContext IncomingLogContext(const grpc::ServerContextBase& context,
                              std::string_view run_id = "");

// The interceptor factories that add the calling thread's LogContext to
// every call's metadata (for CreateCustomChannelWithInterceptors).
std::vector<
    std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
TraceClientInterceptors();

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_TRACE_H_
