#include "libs/common/trace.h"

#include "absl/strings/ascii.h"
#include "libs/common/random.h"

namespace bridgework {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

bool IsRunId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string_view Metadata(const grpc::ServerContextBase& context,
                          std::string_view key) {
  const auto& md = context.client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return {};
  return std::string_view(it->second.data(), it->second.size());
}

// Adds the LogContext of the thread that started the call.
class TraceClientInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit TraceClientInterceptor(LogContext context)
      : context_(std::move(context)) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      if (!context_.trace.empty()) {
        md->insert({kTraceparentHeader, FormatTraceparent(context_.trace)});
      }
      if (!context_.run.empty()) md->insert({kRunHeader, context_.run});
    }
    methods->Proceed();
  }

 private:
  const LogContext context_;
};

class TraceClientInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    // Called on the thread that starts the call.
    return new TraceClientInterceptor(CurrentLogContext());
  }
};

}  // namespace

std::string NewTraceId() {
  while (true) {
    std::string id = RandomHex(16);
    if (id != std::string(32, '0')) return id;
  }
}

std::string FormatTraceparent(std::string_view trace_id) {
  std::string out = "00-";
  out.append(trace_id);
  out += "-" + RandomHex(8) + "-01";
  return out;
}

std::string ParseTraceparent(std::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2.
  if (header.size() != 55 || header.substr(0, 3) != "00-" ||
      header[35] != '-' || header[52] != '-') {
    return "";
  }
  std::string_view trace = header.substr(3, 32);
  if (!IsLowerHex(trace) || trace == std::string(32, '0') ||
      !IsLowerHex(header.substr(36, 16)) || !IsLowerHex(header.substr(53, 2))) {
    return "";
  }
  return std::string(trace);
}

LogContext IncomingLogContext(const grpc::ServerContextBase& context,
                              std::string_view run_id) {
  LogContext out;
  out.trace = ParseTraceparent(Metadata(context, kTraceparentHeader));
  if (out.trace.empty()) out.trace = NewTraceId();
  if (!run_id.empty()) {
    out.run = std::string(run_id);
  } else if (std::string_view run = Metadata(context, kRunHeader);
             IsRunId(run)) {
    out.run = std::string(run);
  }
  return out;
}

std::vector<
    std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
TraceClientInterceptors() {
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      out;
  out.push_back(std::make_unique<TraceClientInterceptorFactory>());
  return out;
}

}  // namespace bridgework
