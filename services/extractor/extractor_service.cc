#include "services/extractor/extractor_service.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/arena_message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/common/trace.h"

namespace bridgework::extractor {
namespace {

// Batches read ahead of the client: one being written, one waiting.
constexpr size_t kQueueCapacity = 2;

// Removes from every record of `batch` the fields `names` does not hold.
void KeepOnly(const absl::flat_hash_set<std::string>& names,
              v1::RecordBatch* batch) {
  for (v1::Record& record : *batch->mutable_records()) {
    auto& fields = *record.mutable_fields();
    for (auto it = fields.begin(); it != fields.end();) {
      if (names.contains(it->first)) {
        ++it;
      } else {
        it = fields.erase(it);
      }
    }
  }
}

int EffectiveBatchSize(int requested) {
  if (requested <= 0) return kDefaultBatchSize;
  return std::min(requested, kMaxBatchSize);
}

// Streams one object. Owns itself: allocated by Extract, deleted in
// OnDone after its producer thread has been joined.
//
// The producer thread opens the reader and pushes batches into `queue_`
// while it holds fewer than kQueueCapacity; the gRPC side writes the front
// batch, one write at a time, and pops it in OnWriteDone. The first of
// {end of source, source error, client gone} finishes the call; Finish is
// called once the producer has stopped, so OnDone's join never waits on the
// source.
class ExtractReactor final : public grpc::ServerWriteReactor<v1::RecordBatch> {
 public:
  ExtractReactor(const SourceRegistry* registry, v1::ExtractRequest request,
                 LogContext log_context, metrics::Metrics* metrics)
      : registry_(registry),
        request_(std::move(request)),
        log_context_(std::move(log_context)),
        metrics_(metrics) {
    producer_ = std::thread([this] { Produce(); });
  }

  void OnWriteDone(bool ok) override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      queue_.pop_front();
      if (!ok) stop_ = true;  // the stream is broken: the client is gone
      action = NextActionLocked();
    }
    Do(action);
  }

  void OnCancel() override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
      action = NextActionLocked();
    }
    Do(action);
  }

  void OnDone() override {
    producer_.join();
    delete this;
  }

 private:
  enum class Action { kNone, kWrite, kFinish };

  void Produce() {
    ScopedLogContext scope(log_context_);
    absl::Status status = Run();
    Action action;
    {
      absl::MutexLock lock(&mu_);
      producer_done_ = true;
      status_ = std::move(status);
      action = NextActionLocked();
    }
    Do(action);
  }

  absl::Status Run() {
    const int batch_size = EffectiveBatchSize(request_.batch_size());
    if (request_.object_type().empty()) {
      return absl::InvalidArgumentError("object_type is required");
    }
    BW_ASSIGN_OR_RETURN(std::unique_ptr<SourceConnector> source,
                        registry_->Create(request_.source()));
    std::optional<v1::Timestamp> since;
    if (request_.has_since()) since = request_.since();
    // ExtractRequest.fields, for the reader and, when it cannot select,
    // for KeepOnly on every batch.
    std::optional<absl::flat_hash_set<std::string>> selection;
    if (request_.has_fields()) {
      selection.emplace(request_.fields().names().begin(),
                        request_.fields().names().end());
    }
    BW_ASSIGN_OR_RETURN(
        std::unique_ptr<RecordReader> reader,
        source->Open(request_.object_type(), request_.cursor(), since));
    const bool filter =
        selection.has_value() && !reader->SelectFields(*selection);
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &ExtractReactor::CanProduceLocked));
        if (stop_) return absl::CancelledError("the client went away");
      }
      // Each batch lives in its own arena, released whole once written.
      ArenaMessage<v1::RecordBatch> batch;
      BW_ASSIGN_OR_RETURN(bool more, reader->Next(batch_size, batch.get()));
      if (!more) break;
      if (filter) KeepOnly(*selection, batch.get());
      records_ += batch->records_size();
      rejections_ += batch->rejections_size();
      ++batches_;
      if (metrics_ != nullptr) {
        metrics_->RecordsOut(request_.object_type(), "extracted",
                             batch->records_size());
        metrics_->RecordsOut(request_.object_type(), "rejected",
                             batch->rejections_size());
      }
      Action action;
      {
        absl::MutexLock lock(&mu_);
        if (stop_) return absl::CancelledError("the client went away");
        queue_.push_back(std::move(batch));
        action = NextActionLocked();
      }
      Do(action);
    }
    return absl::OkStatus();
  }

  bool CanProduceLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || queue_.size() < kQueueCapacity;
  }

  // Decides what the stream does next; the caller does it after releasing
  // the lock (gRPC may run reactions inline).
  Action NextActionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || writing_) return Action::kNone;
    if (!stop_ && !queue_.empty()) {
      writing_ = true;
      // The front stays put until OnWriteDone pops it.
      to_write_ = queue_.front().get();
      return Action::kWrite;
    }
    if (producer_done_) {
      finished_ = true;
      return Action::kFinish;
    }
    return Action::kNone;
  }

  void Do(Action action) {
    switch (action) {
      case Action::kNone:
        return;
      case Action::kWrite: {
        const v1::RecordBatch* batch;
        {
          absl::MutexLock lock(&mu_);
          batch = to_write_;
        }
        StartWrite(batch);
        return;
      }
      case Action::kFinish: {
        absl::Status status;
        bool stopped;
        {
          absl::MutexLock lock(&mu_);
          status = status_;
          stopped = stop_;
        }
        Log(status, stopped);
        if (stopped && status.ok()) {
          status = absl::CancelledError("the client went away");
        }
        Finish(ToGrpcStatus(status));
        return;
      }
    }
  }

  void Log(const absl::Status& status, bool stopped) const {
    // Possibly on a gRPC thread: the request's context, explicitly.
    ScopedLogContext scope(log_context_);
    std::initializer_list<LogField> fields = {
        {"object", request_.object_type()},
        {"connector", ConnectorName(request_.source())},
        {"batches", absl::StrCat(batches_)},
        {"records", absl::StrCat(records_)},
        {"rejections", absl::StrCat(rejections_)},
        // How many fields were asked for (ExtractRequest.fields), or "all".
        {"fields", request_.has_fields()
                       ? absl::StrCat(request_.fields().names_size())
                       : std::string("all")},
        {"code", absl::StatusCodeToString(status.code())}};
    if (status.ok() && !stopped) {
      LogInfo("extract finished", fields);
    } else if (stopped || absl::IsCancelled(status)) {
      LogInfo("extract cancelled by the client", fields);
    } else {
      // The message may name a path or column, never a value.
      LogWarning(
          std::string("extract failed: ") + std::string(status.message()),
          fields);
    }
  }

  const SourceRegistry* const registry_;
  const v1::ExtractRequest request_;
  const LogContext log_context_;
  metrics::Metrics* const metrics_;
  std::thread producer_;
  // Counters: written by the producer, read after it is done.
  int64_t batches_ = 0;
  int64_t records_ = 0;
  int64_t rejections_ = 0;

  absl::Mutex mu_;
  std::deque<ArenaMessage<v1::RecordBatch>> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  const v1::RecordBatch* to_write_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool producer_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerUnaryReactor* ExtractorService::ListObjects(
    grpc::CallbackServerContext* context, const v1::ListObjectsRequest* request,
    v1::ListObjectsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    BW_ASSIGN_OR_RETURN(std::unique_ptr<SourceConnector> source,
                        registry_->Create(request->source()));
    BW_ASSIGN_OR_RETURN(std::vector<v1::ObjectInfo> objects,
                        source->ListObjects());
    for (auto& o : objects) *response->add_objects() = std::move(o);
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* ExtractorService::DescribeObject(
    grpc::CallbackServerContext* context,
    const v1::DescribeObjectRequest* request, v1::ObjectSchema* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    if (request->object_type().empty()) {
      return absl::InvalidArgumentError("object_type is required");
    }
    BW_ASSIGN_OR_RETURN(std::unique_ptr<SourceConnector> source,
                        registry_->Create(request->source()));
    BW_ASSIGN_OR_RETURN(*response, source->Describe(request->object_type()));
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

grpc::ServerWriteReactor<v1::RecordBatch>* ExtractorService::Extract(
    grpc::CallbackServerContext* context, const v1::ExtractRequest* request) {
  return new ExtractReactor(registry_, *request, IncomingLogContext(*context),
                            metrics_);
}

}  // namespace bridgework::extractor
