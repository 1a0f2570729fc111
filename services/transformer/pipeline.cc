#include "services/transformer/pipeline.h"

#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
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
    // Nothing moves under a map nobody approved (docs/map.md "Approval").
    BW_RETURN_IF_ERROR(CheckMapApproved(
        *peers_.auditor,
        request_.map_name().empty() ? std::string("map") : request_.map_name(),
        map_.hash));
    BW_ASSIGN_OR_RETURN(std::vector<std::string> order,
                        mapping::LoadOrder(map_));
    bool prepared = false;
    for (const std::string& source : order) {
      std::vector<const ObjectRoute*> routes = map_.RoutesOf(source);
      if (routes.front()->kind == ObjectRoute::Kind::kLoad && !prepared) {
        BW_RETURN_IF_ERROR(Prepare());
        prepared = true;
      }
      BW_RETURN_IF_ERROR(ProcessSource(source, routes));
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
  // A loader stream for one route of the object being processed.
  struct Stream {
    const ObjectRoute* route = nullptr;
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<
        grpc::ClientReaderWriterInterface<v1::TargetBatch, v1::LoadAck>>
        rw;
    v1::TargetBatch batch;
    int64_t sequence = 0;
    std::vector<v1::TargetRecord> link_pending;
  };

  // What happened to a record that many-to-one routes wrote onto.
  struct MergeOutcome {
    bool loaded = false;
    std::string target_object;
    std::string crm_id;
  };

  // What the routes of one object need read from other objects first:
  // related-record counts for conditions, and for each many-to-one route
  // onto the object the chosen record per referenced key.
  struct Related {
    absl::flat_hash_map<const mapping::Condition*,
                        absl::flat_hash_map<std::string, int64_t>>
        counts;
    absl::flat_hash_map<
        const ObjectRoute*,
        absl::flat_hash_map<std::string, std::vector<v1::Record>>>
        chosen;
    // Each many-to-one route as a plain loaded route (no `into`, `when`,
    // owner or key field), built once: its transform gives the fields and
    // lookups to write onto the target record.
    absl::flat_hash_map<const ObjectRoute*, ObjectRoute> as_load;
  };

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

  // Whether `source` is the owner object of some route; sets its email
  // field.
  bool IsOwnerObject(const std::string& source,
                     std::string* email_field) const {
    for (const auto& r : map_.objects) {
      if (r.owner && r.owner->object == source) {
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

  // Streams every record of `object` to `visit` (rejections are skipped:
  // the object's own pass accounts for them).
  absl::Status ReadAll(const std::string& object,
                       const std::function<void(const v1::Record&)>& visit) {
    v1::ExtractRequest extract;
    *extract.mutable_source() = request_.source();
    extract.set_object_type(object);
    extract.set_batch_size(1000);
    auto ctx = NewContext(peers_);
    auto reader = peers_.extractor->Extract(ctx.get(), extract);
    v1::RecordBatch in;
    while (reader->Read(&in)) {
      for (const auto& rec : in.records()) visit(rec);
    }
    absl::Status status = FromGrpcStatus(reader->Finish());
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("extract ", object, ": ",
                                                      status.message()));
    }
    return absl::OkStatus();
  }

  // Reads the objects the routes of `source` depend on: one pass per
  // related object.
  absl::Status ReadRelated(const std::string& source,
                           const std::vector<const ObjectRoute*>& alternatives,
                           const std::vector<const ObjectRoute*>& onto,
                           Related* out) {
    std::vector<const mapping::Condition*> conditions;
    for (const ObjectRoute* r : alternatives) {
      if (r->when) mapping::CollectRelated(*r->when, &conditions);
    }
    std::set<std::string> objects;
    for (const auto* c : conditions) objects.insert(c->object);
    for (const ObjectRoute* r : onto) objects.insert(r->source);
    for (const std::string& object : objects) {
      BW_RETURN_IF_ERROR(ReadAll(object, [&](const v1::Record& rec) {
        for (const mapping::Condition* c : conditions) {
          if (c->object != object) continue;
          if (!c->children.empty() &&
              !mapping::Holds(c->children.front(), rec,
                              [](const mapping::Condition&) { return 0; })) {
            continue;
          }
          std::string key = FieldText(rec, c->via);
          if (!key.empty()) ++out->counts[c][key];
        }
        for (const ObjectRoute* r : onto) {
          if (r->source != object || !Takes(*r, rec)) continue;
          std::string key = FieldText(rec, r->into->via);
          if (key.empty()) continue;
          auto& chosen = out->chosen[r][key];
          if (chosen.empty() || r->into->all) {
            chosen.push_back(rec);
          } else if (Before(rec, chosen.front(), *r->into)) {
            chosen.front() = rec;
          }
        }
      }));
    }
    for (const ObjectRoute* r : onto) {
      ObjectRoute& as_load = out->as_load[r];
      as_load = *r;
      as_load.into.reset();
      as_load.when.reset();
      as_load.external_key_field = "";
      as_load.owner.reset();
      auto& picks = picked_[r];
      for (const auto& [key, recs] : out->chosen[r]) {
        for (const v1::Record& rec : recs) picks[key].insert(rec.source_key());
      }
    }
    LogInfo("related records read",
            {{"object", source},
             {"conditions", absl::StrCat(conditions.size())},
             {"many_to_one_routes", absl::StrCat(onto.size())}});
    return absl::OkStatus();
  }

  // Whether a many-to-one route takes `rec` (its `when` holds).
  static bool Takes(const ObjectRoute& route, const v1::Record& rec) {
    return !route.when ||
           mapping::Holds(*route.when, rec,
                          [](const mapping::Condition&) { return 0; });
  }

  // Whether `a` comes before `b` in a many-to-one route's order (`order_by`
  // ascending or descending; records without the field last; ties and no
  // `order_by` keep source order).
  static bool Before(const v1::Record& a, const v1::Record& b,
                     const mapping::IntoRule& into) {
    if (into.order_by.empty()) return false;
    auto value = [&](const v1::Record& r) {
      auto it = r.fields().find(into.order_by);
      return it == r.fields().end() ? record::NullValue() : it->second;
    };
    v1::Value x = value(a), y = value(b);
    if (record::IsNull(x) || record::IsNull(y)) {
      return !record::IsNull(x) && record::IsNull(y);
    }
    int cmp = record::CompareValues(x, y);
    return into.descending ? cmp > 0 : cmp < 0;
  }

  static std::string FieldText(const v1::Record& record,
                               const std::string& field) {
    auto it = record.fields().find(field);
    if (it == record.fields().end() || record::IsNull(it->second)) return "";
    return std::string(
        absl::StripAsciiWhitespace(record::ValueToText(it->second)));
  }

  // Writes the many-to-one routes' fields onto `target`, the record `key`
  // became. The target's fingerprint then covers them too.
  void MergeOnto(const std::vector<const ObjectRoute*>& onto,
                 const Related& related, const std::string& key,
                 v1::TargetRecord* target, mapping::TransformResult* result) {
    std::string fingerprints;
    for (const ObjectRoute* r : onto) {
      auto by_key = related.chosen.find(r);
      if (by_key == related.chosen.end()) continue;
      auto it = by_key->second.find(key);
      if (it == by_key->second.end()) continue;
      const ObjectRoute& as_load = related.as_load.at(r);
      for (const v1::Record& rec : it->second) {
        mapping::TransformResult part =
            mapping::TransformRecord(as_load, rec, ctx_);
        for (auto& w : part.warnings) {
          result->warnings.push_back(std::move(w));
        }
        if (part.rejection) {
          // A required field of the merged record is unusable: its fields
          // are left out and the reason is reported as a warning.
          v1::Rejection w = *part.rejection;
          w.set_reason(absl::StrCat(w.reason(), "; not merged into ",
                                    target->source_object(), " ", key));
          result->warnings.push_back(std::move(w));
          continue;
        }
        if (!part.target) continue;
        for (const auto& [name, value] : part.target->fields()) {
          (*target->mutable_fields())[name] = value;
        }
        for (const auto& [name, value] : part.target->custom_fields()) {
          (*target->mutable_custom_fields())[name] = value;
        }
        for (const auto& l : part.target->lookups()) {
          *target->add_lookups() = l;
        }
        absl::StrAppend(&fingerprints, "|", r->id, ":", rec.fingerprint());
      }
    }
    if (!fingerprints.empty()) {
      target->set_fingerprint(
          record::Sha256Hex(absl::StrCat(target->fingerprint(), fingerprints)));
    }
  }

  // Sends the stream's batch and accounts for the acknowledgement.
  absl::Status Send(Stream& stream, v1::ObjectProgress& progress,
                    bool track_outcomes) {
    v1::TargetBatch& batch = stream.batch;
    if (batch.records_size() == 0) return absl::OkStatus();
    if (!stream.rw) {
      stream.ctx = NewContext(peers_);
      stream.rw = peers_.loader->Load(stream.ctx.get());
    }
    batch.set_run_id(request_.run_id());
    batch.set_target_object(stream.route->target);
    batch.set_sequence(++stream.sequence);
    *batch.mutable_destination() = request_.destination();
    if (!stream.rw->Write(batch)) return FromGrpcStatus(stream.rw->Finish());
    v1::LoadAck ack;
    if (!stream.rw->Read(&ack)) return FromGrpcStatus(stream.rw->Finish());
    requests_ += ack.requests();
    for (int i = 0; i < ack.outcomes_size(); ++i) {
      const v1::RecordOutcome& o = ack.outcomes(i);
      const bool quarantined = o.status() == v1::RECORD_STATUS_QUARANTINED;
      if (quarantined) {
        progress.set_quarantined(progress.quarantined() + 1);
      } else {
        progress.set_loaded(progress.loaded() + 1);
        if (o.link_pending() && i < batch.records_size()) {
          v1::TargetRecord keep = batch.records(i);
          keep.clear_fields();
          keep.clear_custom_fields();
          stream.link_pending.push_back(std::move(keep));
        }
      }
      if (track_outcomes) {
        MergeOutcome& m = merge_outcomes_[o.source_object()][o.source_key()];
        m.loaded = !quarantined;
        m.target_object = stream.route->target;
        m.crm_id = o.crm_id();
      }
    }
    batch.clear_records();
    v1::RunEvent event;
    event.set_phase(absl::StrCat("loading ", stream.route->source));
    *event.mutable_progress() = progress;
    event.set_requests(requests_);
    if (!emit_(event)) return absl::CancelledError("controller went away");
    return absl::OkStatus();
  }

  // The disposition of a record of a source whose only routes are
  // many-to-one: loaded with the record it was merged onto, quarantined
  // when that record was not loaded, or skipped when another record was
  // chosen (or it references none).
  v1::Disposition MergedDisposition(
      const std::vector<const ObjectRoute*>& into_routes,
      const v1::Record& rec) {
    v1::Disposition d;
    d.set_source_object(rec.object_type());
    d.set_source_key(rec.source_key());
    auto reject = [&](v1::DispositionStatus status, const std::string& field,
                      std::string reason) {
      d.set_status(status);
      v1::Rejection* r = d.mutable_rejection();
      r->set_object_type(rec.object_type());
      r->set_source_key(rec.source_key());
      *r->mutable_location() = rec.location();
      r->set_field(field);
      r->set_reason(std::move(reason));
      r->set_stage(status == v1::DISPOSITION_STATUS_SKIPPED ? "map" : "load");
    };
    std::string why;
    for (const ObjectRoute* r : into_routes) {
      const mapping::IntoRule& into = *r->into;
      if (!Takes(*r, rec)) {
        if (why.empty()) {
          why = absl::StrCat("no route of '", rec.object_type(),
                             "' applies: no route's 'when' holds");
        }
        continue;
      }
      std::string key = FieldText(rec, into.via);
      if (key.empty()) {
        if (why.empty()) {
          why = absl::StrCat("no ", into.object, " to write onto (", into.via,
                             " is empty)");
        }
        continue;
      }
      auto picks = picked_.find(r);
      if (picks == picked_.end()) continue;
      auto pick = picks->second.find(key);
      if (pick == picks->second.end() ||
          !pick->second.count(rec.source_key())) {
        if (why.empty()) {
          why = absl::StrCat(
              "another ", rec.object_type(), " record of ", into.object, " ",
              key, " fills its fields",
              into.order_by.empty()
                  ? " (the first in the source)"
                  : absl::StrCat(" (first by ", into.order_by,
                                 into.descending ? ", descending)" : ")"));
        }
        continue;
      }
      auto outcomes = merge_outcomes_.find(into.object);
      const MergeOutcome* m = nullptr;
      if (outcomes != merge_outcomes_.end()) {
        auto it = outcomes->second.find(key);
        if (it != outcomes->second.end()) m = &it->second;
      }
      if (m == nullptr || !m->loaded) {
        reject(v1::DISPOSITION_STATUS_QUARANTINED, into.via,
               absl::StrCat("written onto ", into.object, " ", key,
                            ", which is not loaded"));
        return d;
      }
      d.set_status(v1::DISPOSITION_STATUS_LOADED);
      d.set_target_object(m->target_object);
      d.set_crm_id(m->crm_id);
      d.set_action("merged");
      return d;
    }
    reject(v1::DISPOSITION_STATUS_SKIPPED, "", why);
    return d;
  }

  absl::Status ProcessSource(const std::string& source,
                             const std::vector<const ObjectRoute*>& routes) {
    v1::ObjectProgress progress;
    progress.set_source_object(source);
    std::string email_field;
    const bool owner_object = IsOwnerObject(source, &email_field);
    const ObjectRoute& first = *routes.front();
    const bool loading = first.kind == ObjectRoute::Kind::kLoad;

    // Alternatives (first whose condition holds) and many-to-one routes.
    std::vector<const ObjectRoute*> alternatives, into_routes;
    for (const ObjectRoute* r : routes) {
      if (r->kind != ObjectRoute::Kind::kLoad) continue;
      (r->into ? into_routes : alternatives).push_back(r);
    }
    const std::vector<const ObjectRoute*> onto = map_.IntoRoutesOnto(source);
    Related related;
    if (loading && !alternatives.empty()) {
      BW_RETURN_IF_ERROR(ReadRelated(source, alternatives, onto, &related));
    }
    std::vector<Stream> streams(alternatives.size());
    for (size_t i = 0; i < alternatives.size(); ++i) {
      streams[i].route = alternatives[i];
    }
    const bool track_outcomes = !onto.empty();
    auto count_of = [&related](const v1::Record& rec) {
      return [&related, &rec](const mapping::Condition& c) -> int64_t {
        auto counts = related.counts.find(&c);
        if (counts == related.counts.end()) return 0;
        auto it = counts->second.find(rec.source_key());
        return it == counts->second.end() ? 0 : it->second;
      };
    };

    v1::ExtractRequest extract;
    *extract.mutable_source() = request_.source();
    extract.set_object_type(source);
    extract.set_batch_size(std::max(batch_size_, 100));
    auto extract_ctx = NewContext(peers_);
    auto reader = peers_.extractor->Extract(extract_ctx.get(), extract);
    v1::RecordBatch in;
    v1::RecordDispositionsRequest dispositions;
    v1::Timestamp watermark;
    auto cancel_streams = [&streams]() {
      for (Stream& s : streams) {
        if (s.ctx) s.ctx->TryCancel();
      }
    };
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
        if (loading && alternatives.empty()) {
          v1::Disposition d = MergedDisposition(into_routes, rec);
          switch (d.status()) {
            case v1::DISPOSITION_STATUS_LOADED:
              progress.set_loaded(progress.loaded() + 1);
              break;
            case v1::DISPOSITION_STATUS_QUARANTINED:
              progress.set_quarantined(progress.quarantined() + 1);
              break;
            default:
              progress.set_skipped(progress.skipped() + 1);
          }
          *dispositions.add_dispositions() = std::move(d);
          continue;
        }
        size_t chosen = 0;
        mapping::TransformResult result;
        if (!loading) {
          result = mapping::TransformRecord(first, rec, ctx_);
        } else {
          while (chosen < alternatives.size() && alternatives[chosen]->when &&
                 !mapping::Holds(*alternatives[chosen]->when, rec,
                                 count_of(rec))) {
            ++chosen;
          }
          if (chosen == alternatives.size()) {
            v1::Rejection skip;
            skip.set_object_type(rec.object_type());
            skip.set_source_key(rec.source_key());
            *skip.mutable_location() = rec.location();
            skip.set_reason(absl::StrCat("no route of '", source,
                                         "' applies: no route's 'when' "
                                         "holds"));
            skip.set_stage("map");
            result.skipped = std::move(skip);
          } else {
            result = mapping::TransformRecord(*alternatives[chosen], rec, ctx_);
            if (result.target && !onto.empty()) {
              MergeOnto(onto, related, rec.source_key(), &*result.target,
                        &result);
            }
          }
        }
        if (result.skipped) {
          progress.set_skipped(progress.skipped() + 1);
          *dispositions.add_dispositions() =
              FromRejection(*result.skipped, v1::DISPOSITION_STATUS_SKIPPED);
        } else if (result.rejection) {
          progress.set_quarantined(progress.quarantined() + 1);
          *dispositions.add_dispositions() = FromRejection(
              *result.rejection, v1::DISPOSITION_STATUS_QUARANTINED);
        } else if (result.target) {
          Stream& stream = streams[chosen];
          *stream.batch.add_records() = std::move(*result.target);
          if (stream.batch.records_size() >= batch_size_) {
            BW_RETURN_IF_ERROR(FlushDispositions(&dispositions));
            BW_RETURN_IF_ERROR(Send(stream, progress, track_outcomes));
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
      cancel_streams();
      return absl::Status(
          extract_status.code(),
          absl::StrCat("extract ", source, ": ", extract_status.message()));
    }
    for (Stream& stream : streams) {
      BW_RETURN_IF_ERROR(Send(stream, progress, track_outcomes));
      if (!stream.rw) continue;
      stream.rw->WritesDone();
      BW_RETURN_IF_ERROR(FromGrpcStatus(stream.rw->Finish()));
      BW_RETURN_IF_ERROR(Link(*stream.route, stream.link_pending));
    }
    // Figures and cursor, once the object is complete.
    v1::SetObjectStatsRequest stats;
    stats.set_run_id(request_.run_id());
    v1::ObjectStats* s = stats.add_stats();
    s->set_source_object(source);
    s->set_extracted(progress.extracted());
    BW_RETURN_IF_ERROR(peers_.auditor->SetObjectStats(stats));
    if (loading && watermark.unix_seconds() > 0) {
      v1::Cursor cursor;
      cursor.set_account(request_.destination().account());
      cursor.set_source_object(source);
      *cursor.mutable_watermark() = watermark;
      cursor.set_run_id(request_.run_id());
      BW_RETURN_IF_ERROR(peers_.auditor->SetCursor(cursor));
    }
    progress.set_done(true);
    objects_.push_back(progress);
    v1::RunEvent event;
    event.set_phase(absl::StrCat("finished ", source));
    *event.mutable_progress() = progress;
    event.set_requests(requests_);
    if (!emit_(event)) return absl::CancelledError("controller went away");
    LogInfo("object finished",
            {{"run", request_.run_id()},
             {"object", source},
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
  // Per many-to-one route, the chosen records' keys per referenced key.
  absl::flat_hash_map<const ObjectRoute*,
                      absl::flat_hash_map<std::string, std::set<std::string>>>
      picked_;
  // Per source object written onto, what became of each record.
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<std::string, MergeOutcome>>
      merge_outcomes_;
};

}  // namespace

absl::Status RunPipeline(const v1::RunRequest& request,
                         const PipelinePeers& peers,
                         const std::function<bool(const v1::RunEvent&)>& emit) {
  Run run(request, peers, emit);
  return run.Execute();
}

}  // namespace bridgework::transformer
