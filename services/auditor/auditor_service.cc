#include "services/auditor/auditor_service.h"

#include <atomic>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/common/trace.h"

namespace bridgework::auditor {
namespace {

void LogFailure(const char* method, const absl::Status& status) {
  // The message may name a run, a seq or a key; never a field value.
  LogLevel level = absl::IsUnavailable(status) || absl::IsInternal(status) ||
                           absl::IsDataLoss(status)
                       ? LogLevel::kError
                       : LogLevel::kWarning;
  Log(level, "auditor call failed",
      {{"method", method},
       {"code", absl::StatusCodeToString(status.code())},
       {"error", std::string(status.message())}});
}

// Streams a listing page by page: reads a page from the ledger on the
// executor, writes it one message at a time, then reads the next page
// after the position of the last message written. Deletes itself when
// gRPC is done with it. `Position` is what a page starts after: an
// operation's seq, an id-map entry's key.
template <typename Message, typename Position>
class PagedWriter final : public grpc::ServerWriteReactor<Message> {
 public:
  // Reads the messages after a position into the visitor (ledger
  // semantics: stop when it returns false).
  using ReadFn = std::function<absl::Status(
      const Position& after, const std::function<bool(const Message&)>&)>;
  using PositionFn = std::function<Position(const Message&)>;

  PagedWriter(const char* method, Executor* executor, ReadFn read,
              PositionFn position_of, int page_size)
      : method_(method),
        executor_(executor),
        read_(std::move(read)),
        position_of_(std::move(position_of)),
        page_size_(static_cast<size_t>(std::max(1, page_size))) {
    executor_->Schedule([this] { ReadPage(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {  // the client has gone
      this->Finish(
          grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
      return;
    }
    ++next_;
    WriteOrRead();
  }

  void OnCancel() override { cancelled_ = true; }

  void OnDone() override { delete this; }

 private:
  // At most one of ReadPage (on the executor) and a write is in progress at
  // any time, so the members below need no lock.
  void ReadPage() {
    if (cancelled_) {
      this->Finish(
          grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled"));
      return;
    }
    page_.clear();
    next_ = 0;
    absl::Status s = read_(after_, [this](const Message& m) {
      page_.push_back(m);
      return page_.size() < page_size_;
    });
    if (!s.ok()) {
      LogFailure(method_, s);
      this->Finish(ToGrpcStatus(s));
      return;
    }
    more_ = page_.size() == page_size_;
    if (!page_.empty()) after_ = position_of_(page_.back());
    WriteOrRead();
  }

  void WriteOrRead() {
    if (next_ < page_.size()) {
      this->StartWrite(&page_[next_]);
    } else if (more_) {
      executor_->Schedule([this] { ReadPage(); });
    } else {
      this->Finish(grpc::Status::OK);
    }
  }

  const char* const method_;
  Executor* const executor_;
  const ReadFn read_;
  const PositionFn position_of_;
  const size_t page_size_;
  std::atomic<bool> cancelled_{false};
  std::vector<Message> page_;
  size_t next_ = 0;
  bool more_ = false;
  Position after_{};
};

template <typename Response>
absl::StatusOr<Response> AsStatusOr(absl::StatusOr<Response> r) {
  return r;
}
template <typename Response>
absl::StatusOr<Response> AsStatusOr(absl::Status s) {
  if (!s.ok()) return s;
  return Response();
}

}  // namespace

AuditorService::AuditorService(ledger::Ledger* ledger,
                               AuditorServiceOptions options)
    : ledger_(ledger),
      options_(options),
      executor_(std::make_unique<Executor>(options.threads)) {}

AuditorService::~AuditorService() = default;

template <typename Response, typename Call>
grpc::ServerUnaryReactor* AuditorService::Unary(
    grpc::CallbackServerContext* context, const char* method,
    Response* response, Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The caller's trace and run (metadata) for the lines the call logs.
  executor_->Schedule([reactor, method, response, call = std::move(call),
                       log_context = IncomingLogContext(*context)] {
    ScopedLogContext scope(log_context);
    absl::StatusOr<Response> result = AsStatusOr<Response>(call());
    if (!result.ok()) {
      LogFailure(method, result.status());
      reactor->Finish(ToGrpcStatus(result.status()));
      return;
    }
    *response = std::move(*result);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuditorService::BeginRun(
    grpc::CallbackServerContext* c, const v1::BeginRunRequest* r,
    v1::RunInfo* out) {
  return Unary(c, "BeginRun", out, [this, r]() -> absl::StatusOr<v1::RunInfo> {
    absl::StatusOr<v1::RunInfo> run = ledger_->BeginRun(*r);
    if (run.ok()) {
      LogInfo("run begun", {{"run", run->run_id()},
                            {"kind", v1::RunKind_Name(run->kind())},
                            {"account", run->account()}});
    }
    return run;
  });
}

grpc::ServerUnaryReactor* AuditorService::FinishRun(
    grpc::CallbackServerContext* c, const v1::FinishRunRequest* r,
    v1::RunInfo* out) {
  return Unary(c, "FinishRun", out, [this, r]() -> absl::StatusOr<v1::RunInfo> {
    absl::StatusOr<v1::RunInfo> run = ledger_->FinishRun(*r);
    if (run.ok()) {
      LogInfo("run finished", {{"run", run->run_id()},
                               {"state", v1::RunState_Name(run->state())}});
    }
    return run;
  });
}

grpc::ServerUnaryReactor* AuditorService::GetRun(grpc::CallbackServerContext* c,
                                                 const v1::GetRunRequest* r,
                                                 v1::RunInfo* out) {
  return Unary(c, "GetRun", out, [this, r] { return ledger_->GetRun(*r); });
}

grpc::ServerUnaryReactor* AuditorService::ListRuns(
    grpc::CallbackServerContext* c, const v1::ListRunsRequest* r,
    v1::ListRunsResponse* out) {
  return Unary(c, "ListRuns", out, [this, r] { return ledger_->ListRuns(*r); });
}

grpc::ServerUnaryReactor* AuditorService::RecordIntents(
    grpc::CallbackServerContext* c, const v1::RecordIntentsRequest* r,
    v1::RecordIntentsResponse* out) {
  return Unary(c, "RecordIntents", out,
               [this, r] { return ledger_->RecordIntents(*r); });
}

grpc::ServerUnaryReactor* AuditorService::RecordOutcomes(
    grpc::CallbackServerContext* c, const v1::RecordOutcomesRequest* r,
    v1::RecordOutcomesResponse* out) {
  return Unary(c, "RecordOutcomes", out,
               [this, r] { return ledger_->RecordOutcomes(*r); });
}

grpc::ServerUnaryReactor* AuditorService::ResolveKeys(
    grpc::CallbackServerContext* c, const v1::ResolveKeysRequest* r,
    v1::ResolveKeysResponse* out) {
  return Unary(c, "ResolveKeys", out,
               [this, r] { return ledger_->ResolveKeys(*r); });
}

grpc::ServerUnaryReactor* AuditorService::RecordDispositions(
    grpc::CallbackServerContext* c, const v1::RecordDispositionsRequest* r,
    v1::RecordDispositionsResponse* out) {
  return Unary(c, "RecordDispositions", out,
               [this, r] { return ledger_->RecordDispositions(*r); });
}

grpc::ServerUnaryReactor* AuditorService::SetObjectStats(
    grpc::CallbackServerContext* c, const v1::SetObjectStatsRequest* r,
    v1::SetObjectStatsResponse* out) {
  return Unary(c, "SetObjectStats", out,
               [this, r] { return ledger_->SetObjectStats(*r); });
}

grpc::ServerUnaryReactor* AuditorService::GetCursor(
    grpc::CallbackServerContext* c, const v1::GetCursorRequest* r,
    v1::Cursor* out) {
  return Unary(c, "GetCursor", out,
               [this, r] { return ledger_->GetCursor(*r); });
}

grpc::ServerUnaryReactor* AuditorService::ApproveMap(
    grpc::CallbackServerContext* c, const v1::MapApproval* r,
    v1::ApproveMapResponse* out) {
  return Unary(c, "ApproveMap", out,
               [this, r]() -> absl::StatusOr<v1::ApproveMapResponse> {
                 BW_ASSIGN_OR_RETURN(v1::MapApproval a,
                                     ledger_->ApproveMap(*r));
                 v1::ApproveMapResponse resp;
                 *resp.mutable_approval() = std::move(a);
                 return resp;
               });
}

grpc::ServerUnaryReactor* AuditorService::GetApproval(
    grpc::CallbackServerContext* c, const v1::GetApprovalRequest* r,
    v1::GetApprovalResponse* out) {
  return Unary(c, "GetApproval", out,
               [this, r] { return ledger_->GetApproval(*r); });
}

grpc::ServerUnaryReactor* AuditorService::SetCursor(
    grpc::CallbackServerContext* c, const v1::Cursor* r,
    v1::SetCursorResponse* out) {
  return Unary(c, "SetCursor", out,
               [this, r] { return ledger_->SetCursor(*r); });
}

grpc::ServerWriteReactor<v1::Operation>* AuditorService::ListOperations(
    grpc::CallbackServerContext* c, const v1::ListOperationsRequest* r) {
  return new PagedWriter<v1::Operation, int64_t>(
      "ListOperations", executor_.get(),
      [ledger = ledger_, request = *r](
          const int64_t& after,
          const std::function<bool(const v1::Operation&)>& visit) {
        return ledger->ListOperations(request, after, visit);
      },
      [](const v1::Operation& op) { return op.seq(); }, options_.page_size);
}

grpc::ServerWriteReactor<v1::ResolvedKey>* AuditorService::ListMapped(
    grpc::CallbackServerContext* c, const v1::ListMappedRequest* r) {
  return new PagedWriter<v1::ResolvedKey, v1::KeyRef>(
      "ListMapped", executor_.get(),
      [ledger = ledger_, request = *r](
          const v1::KeyRef& after,
          const std::function<bool(const v1::ResolvedKey&)>& visit) {
        return ledger->ListMapped(request, after, visit);
      },
      [](const v1::ResolvedKey& k) { return k.key(); }, options_.page_size);
}

grpc::ServerUnaryReactor* AuditorService::GetReport(
    grpc::CallbackServerContext* c, const v1::GetReportRequest* r,
    v1::RunReport* out) {
  return Unary(c, "GetReport", out,
               [this, r] { return ledger_->GetReport(*r); });
}

}  // namespace bridgework::auditor
