#include "services/transformer/pipeline.h"

#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"
#include "libs/record/value.h"

namespace bridgework::transformer {
namespace {

using mapping::ObjectRoute;

// Field warnings logged per object; the rest are only counted.
constexpr int kLoggedWarnings = 20;

std::unique_ptr<grpc::ClientContext> NewContext(const PipelinePeers& peers) {
  if (peers.server_context != nullptr) {
    return grpc::ClientContext::FromCallbackServerContext(
        *peers.server_context);
  }
  return std::make_unique<grpc::ClientContext>();
}

v1::Disposition FromRejection(const v1::Rejection& r,
                              v1::DispositionStatus status) {
  v1::Disposition d;
  d.set_source_object(r.object_type());
  d.set_source_key(
      r.source_key().empty()
          ? absl::StrCat("@", r.location().file(), ":", r.location().line())
          : r.source_key());
  d.set_status(status);
  *d.mutable_rejection() = r;
  return d;
}

// State of one run across objects.
class Run {
 public:
  Run(const v1::RunRequest& request, const PipelinePeers& peers,
      const std::function<bool(const v1::RunEvent&)>& emit)
      : request_(request), peers_(peers), emit_(emit) {
    batch_size_ =
        request.batch_size() > 0 ? std::min(request.batch_size(), 1000) : 100;
    ctx_.system = request.source().system();
    ctx_.phone_region =
        request.phone_region().empty() ? "US" : request.phone_region();
    ctx_.owner_emails = &owner_emails_;
  }

  absl::Status Execute() {
    BW_ASSIGN_OR_RETURN(map_, mapping::ParseMap(request_.map_yaml(), "map"));
    BW_ASSIGN_OR_RETURN(std::vector<const ObjectRoute*> order,
                        mapping::LoadOrder(map_));
    bool prepared = false;
    for (const ObjectRoute* route : order) {
      if (route->kind == ObjectRoute::Kind::kLoad && !prepared) {
        BW_RETURN_IF_ERROR(Prepare());
        prepared = true;
      }
      BW_RETURN_IF_ERROR(ProcessObject(*route));
    }
    v1::RunEvent last;
    last.set_finished(true);
    last.set_phase("finished");
    last.set_requests(requests_);
    for (const auto& p : objects_) *last.add_objects() = p;
    if (!emit_(last)) return absl::CancelledError("controller went away");
    return absl::OkStatus();
  }

 private:
  absl::Status Prepare() {
    v1::PrepareRequest req;
    req.set_run_id(request_.run_id());
    *req.mutable_destination() = request_.destination();
    req.set_map_yaml(request_.map_yaml());
    std::set<std::string> emails;
    for (const auto& [key, email] : owner_emails_) emails.insert(email);
    for (const auto& e : emails) req.add_owner_emails(e);
    v1::PrepareResponse resp;
    auto ctx = NewContext(peers_);
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::minutes(5));
    BW_RETURN_IF_ERROR(
        FromGrpcStatus(peers_.loader->Prepare(ctx.get(), req, &resp)));
    requests_ += resp.requests();
    v1::RunEvent event;
    event.set_phase("owners resolved");
    *event.mutable_owners() = resp.owners();
    *event.mutable_schema() = resp.schema();
    event.set_requests(requests_);
    if (!emit_(event)) return absl::CancelledError("controller went away");
    return absl::OkStatus();
  }

  // Emails of owner objects referenced by some route, by key.
  bool IsOwnerObject(const ObjectRoute& route, std::string* email_field) const {
    for (const auto& r : map_.objects) {
      if (r.owner && r.owner->object == route.source) {
        *email_field = r.owner->email_field;
        return true;
      }
    }
    return false;
  }

  absl::Status FlushDispositions(v1::RecordDispositionsRequest* d) {
    if (d->dispositions_size() == 0) return absl::OkStatus();
    d->set_run_id(request_.run_id());
    BW_RETURN_IF_ERROR(peers_.auditor->RecordDispositions(*d));
    d->clear_dispositions();
    return absl::OkStatus();
  }

  absl::Status ProcessObject(const ObjectRoute& route) {
    v1::ObjectProgress progress;
    progress.set_source_object(route.source);
    std::string email_field;
    bool owner_object = IsOwnerObject(route, &email_field);
    bool loading = route.kind == ObjectRoute::Kind::kLoad;

    // The loader stream, for loaded objects.
    std::unique_ptr<grpc::ClientContext> load_ctx;
    std::unique_ptr<
        grpc::ClientReaderWriterInterface<v1::TargetBatch, v1::LoadAck>>
        load;
    if (loading) {
      load_ctx = NewContext(peers_);
      load = peers_.loader->Load(load_ctx.get());
    }
    std::vector<v1::TargetRecord> link_pending;
    v1::TargetBatch batch;
    int64_t sequence = 0;
    auto send = [&]() -> absl::Status {
      if (batch.records_size() == 0) return absl::OkStatus();
      batch.set_run_id(request_.run_id());
      batch.set_target_object(route.target);
      batch.set_sequence(++sequence);
      *batch.mutable_destination() = request_.destination();
      if (!load->Write(batch)) return FromGrpcStatus(load->Finish());
      v1::LoadAck ack;
      if (!load->Read(&ack)) return FromGrpcStatus(load->Finish());
      requests_ += ack.requests();
      for (int i = 0; i < ack.outcomes_size(); ++i) {
        const v1::RecordOutcome& o = ack.outcomes(i);
        if (o.status() == v1::RECORD_STATUS_QUARANTINED) {
          progress.set_quarantined(progress.quarantined() + 1);
        } else {
          progress.set_loaded(progress.loaded() + 1);
          if (o.link_pending() && i < batch.records_size()) {
            v1::TargetRecord keep = batch.records(i);
            keep.clear_fields();
            keep.clear_custom_fields();
            link_pending.push_back(std::move(keep));
          }
        }
      }
      batch.clear_records();
      v1::RunEvent event;
      event.set_phase(absl::StrCat("loading ", route.source));
      *event.mutable_progress() = progress;
      event.set_requests(requests_);
      if (!emit_(event)) return absl::CancelledError("controller went away");
      return absl::OkStatus();
    };

    v1::ExtractRequest extract;
    *extract.mutable_source() = request_.source();
    extract.set_object_type(route.source);
    extract.set_batch_size(std::max(batch_size_, 100));
    auto extract_ctx = NewContext(peers_);
    auto reader = peers_.extractor->Extract(extract_ctx.get(), extract);
    v1::RecordBatch in;
    v1::RecordDispositionsRequest dispositions;
    v1::Timestamp watermark;
    while (reader->Read(&in)) {
      for (const auto& rej : in.rejections()) {
        progress.set_extracted(progress.extracted() + 1);
        progress.set_quarantined(progress.quarantined() + 1);
        *dispositions.add_dispositions() =
            FromRejection(rej, v1::DISPOSITION_STATUS_QUARANTINED);
      }
      for (const auto& rec : in.records()) {
        progress.set_extracted(progress.extracted() + 1);
        if (rec.source_updated_at().unix_seconds() > watermark.unix_seconds()) {
          watermark = rec.source_updated_at();
        }
        if (owner_object) {
          auto it = rec.fields().find(email_field);
          if (it != rec.fields().end() && !record::IsNull(it->second)) {
            auto email =
                mapping::NormalizeEmail(record::ValueToText(it->second));
            if (email) owner_emails_[rec.source_key()] = *email;
          }
        }
        mapping::TransformResult result =
            mapping::TransformRecord(route, rec, ctx_);
        if (result.skipped) {
          progress.set_skipped(progress.skipped() + 1);
          *dispositions.add_dispositions() =
              FromRejection(*result.skipped, v1::DISPOSITION_STATUS_SKIPPED);
        } else if (result.rejection) {
          progress.set_quarantined(progress.quarantined() + 1);
          *dispositions.add_dispositions() = FromRejection(
              *result.rejection, v1::DISPOSITION_STATUS_QUARANTINED);
        } else if (result.target) {
          *batch.add_records() = std::move(*result.target);
          if (batch.records_size() >= batch_size_) {
            BW_RETURN_IF_ERROR(FlushDispositions(&dispositions));
            BW_RETURN_IF_ERROR(send());
          }
        }
        for (const auto& w : result.warnings) {
          progress.set_field_warnings(progress.field_warnings() + 1);
          // The first few per object go to the log; all are counted.
          if (progress.field_warnings() <= kLoggedWarnings) {
            LogWarning("field not loaded", {{"object", w.object_type()},
                                            {"key", w.source_key()},
                                            {"field", w.field()},
                                            {"reason", w.reason()}});
          }
        }
      }
      BW_RETURN_IF_ERROR(FlushDispositions(&dispositions));
    }
    absl::Status extract_status = FromGrpcStatus(reader->Finish());
    if (!extract_status.ok()) {
      if (load) load_ctx->TryCancel();
      return absl::Status(extract_status.code(),
                          absl::StrCat("extract ", route.source, ": ",
                                       extract_status.message()));
    }
    if (loading) {
      BW_RETURN_IF_ERROR(send());
      load->WritesDone();
      BW_RETURN_IF_ERROR(FromGrpcStatus(load->Finish()));
      BW_RETURN_IF_ERROR(Link(route, link_pending));
    }
    // Figures and cursor, once the object is complete.
    v1::SetObjectStatsRequest stats;
    stats.set_run_id(request_.run_id());
    v1::ObjectStats* s = stats.add_stats();
    s->set_source_object(route.source);
    s->set_extracted(progress.extracted());
    BW_RETURN_IF_ERROR(peers_.auditor->SetObjectStats(stats));
    if (loading && watermark.unix_seconds() > 0) {
      v1::Cursor cursor;
      cursor.set_account(request_.destination().account());
      cursor.set_source_object(route.source);
      *cursor.mutable_watermark() = watermark;
      cursor.set_run_id(request_.run_id());
      BW_RETURN_IF_ERROR(peers_.auditor->SetCursor(cursor));
    }
    progress.set_done(true);
    objects_.push_back(progress);
    v1::RunEvent event;
    event.set_phase(absl::StrCat("finished ", route.source));
    *event.mutable_progress() = progress;
    event.set_requests(requests_);
    if (!emit_(event)) return absl::CancelledError("controller went away");
    LogInfo("object finished",
            {{"run", request_.run_id()},
             {"object", route.source},
             {"extracted", absl::StrCat(progress.extracted())},
             {"loaded", absl::StrCat(progress.loaded())},
             {"quarantined", absl::StrCat(progress.quarantined())},
             {"skipped", absl::StrCat(progress.skipped())}});
    return absl::OkStatus();
  }

  absl::Status Link(const ObjectRoute& route,
                    const std::vector<v1::TargetRecord>& records) {
    for (size_t start = 0; start < records.size(); start += 500) {
      v1::LinkRequest req;
      req.set_run_id(request_.run_id());
      *req.mutable_destination() = request_.destination();
      for (size_t i = start; i < std::min(records.size(), start + 500); ++i) {
        *req.add_records() = records[i];
      }
      v1::LinkResponse resp;
      auto ctx = NewContext(peers_);
      ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::minutes(30));
      BW_RETURN_IF_ERROR(
          FromGrpcStatus(peers_.loader->Link(ctx.get(), req, &resp)));
      requests_ += resp.requests();
      for (const auto& f : resp.failures()) {
        LogWarning("link not set",
                   {{"object", f.source_object()}, {"key", f.source_key()}});
      }
    }
    return absl::OkStatus();
  }

  const v1::RunRequest& request_;
  PipelinePeers peers_;
  const std::function<bool(const v1::RunEvent&)>& emit_;
  mapping::Map map_;
  mapping::TransformContext ctx_;
  absl::flat_hash_map<std::string, std::string> owner_emails_;
  int batch_size_ = 100;
  int64_t requests_ = 0;
  std::vector<v1::ObjectProgress> objects_;
};

}  // namespace

absl::Status RunPipeline(const v1::RunRequest& request,
                         const PipelinePeers& peers,
                         const std::function<bool(const v1::RunEvent&)>& emit) {
  Run run(request, peers, emit);
  return run.Execute();
}

}  // namespace bridgework::transformer
