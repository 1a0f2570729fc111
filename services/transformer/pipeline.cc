#include "services/transformer/pipeline.h"

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "libs/common/arena_message.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/common/thread_cache.h"
#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"
#include "libs/record/value.h"
#include "services/transformer/sample.h"

namespace bridgework::transformer {
namespace {

using mapping::ObjectRoute;

// Field warnings logged per object; the rest are only counted.
constexpr int kLoggedWarnings = 20;
// Warnings listed per object in its progress (and so in the report).
constexpr int kListedWarnings = 100;
// Records per loader batch when the request names none (RunRequest.
// batch_size; the CLI's run.batch_size has the same default).
constexpr int kDefaultBatchSize = 500;
// Texts longer than this are a sample feature of their own ("long").
constexpr size_t kLongText = 1000;

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
    batch_size_ = request.batch_size() > 0
                      ? std::min(request.batch_size(), 1000)
                      : kDefaultBatchSize;
    ctx_.system = request.source().system();
    ctx_.phone_region =
        request.phone_region().empty() ? "US" : request.phone_region();
    ctx_.owner_emails = &owner_emails_;
    ctx_.phi_key =
        mapping::DerivePhiKey(peers.phi_master_key, request.destination().crm(),
                              request.destination().account());
  }

  absl::Status Execute() {
    BW_ASSIGN_OR_RETURN(map_, mapping::ParseMap(request_.map_yaml(), "map"));
    // Nothing moves under a map nobody approved (docs/map.md "Approval");
    // a dry run moves nothing, so it may review a map before approval.
    if (!dry()) {
      BW_RETURN_IF_ERROR(CheckMapApproved(*peers_.auditor,
                                          request_.map_name().empty()
                                              ? std::string("map")
                                              : request_.map_name(),
                                          map_.hash));
    }
    BW_ASSIGN_OR_RETURN(std::vector<std::string> order,
                        mapping::LoadOrder(map_));
    const bool hashes = HashesAnyField();
    if (hashes) {
      // Which key, never the key (docs/phi.md).
      LogInfo("phi key",
              {{"run", request_.run_id()},
               {"key_id", ctx_.phi_key.id},
               {"key", ctx_.phi_key.derived_default ? "default (not secret)"
                                                    : "--phi-key-file"}});
    }
    if (mode() == v1::RUN_MODE_SAMPLE) BW_RETURN_IF_ERROR(SelectSample(order));
    for (const std::string& source : order) {
      std::vector<const ObjectRoute*> routes = map_.RoutesOf(source);
      // A sample is of records that load.
      if (mode() == v1::RUN_MODE_SAMPLE &&
          routes.front()->kind == ObjectRoute::Kind::kNotMigrated) {
        continue;
      }
      // A delta prepares only when it has something to write, so that a
      // delta with nothing changed sends no request at all.
      if (routes.front()->kind == ObjectRoute::Kind::kLoad &&
          mode() != v1::RUN_MODE_DELTA) {
        BW_RETURN_IF_ERROR(EnsurePrepared());
      }
      BW_RETURN_IF_ERROR(ProcessSource(source, routes));
    }
    v1::RunEvent last;
    last.set_finished(true);
    last.set_phase("finished");
    last.set_requests(requests_);
    if (hashes) {
      last.set_phi_key_id(ctx_.phi_key.id);
      last.set_phi_key_default(ctx_.phi_key.derived_default);
    }
    for (const auto& p : objects_) *last.add_objects() = p;
    for (const auto& [target, count] : dry_counts_) {
      *last.add_dry_run() = count;
    }
    if (mode() == v1::RUN_MODE_SAMPLE) {
      v1::RunEvent all;
      BW_RETURN_IF_ERROR(ReadBackSample(&all));
      last.set_requests(requests_);
      // In events of at most 100 records each (messages stay small).
      constexpr int kPerEvent = 100;
      for (int start = 0;
           start < std::max(all.checks_size(), all.sources_size());
           start += kPerEvent) {
        v1::RunEvent part;
        part.set_phase("sample read back");
        part.set_requests(requests_);
        for (int i = start; i < start + kPerEvent; ++i) {
          if (i < all.checks_size()) *part.add_checks() = all.checks(i);
          if (i < all.sources_size()) *part.add_sources() = all.sources(i);
        }
        if (!emit_(part)) return absl::CancelledError("controller went away");
      }
    }
    if (!emit_(last)) return absl::CancelledError("controller went away");
    return absl::OkStatus();
  }

 private:
  bool HashesAnyField() const {
    for (const mapping::PhiField& f : mapping::PhiFields(map_)) {
      if (f.policy == mapping::PhiPolicy::kHash) return true;
    }
    return false;
  }

  // One loader call of a route, carrying one batch at a time. The channel
  // balances calls round robin over the loader replicas, so a route's
  // lanes spread its batches over them (docs/budget.md). The batch in
  // flight runs on a thread of the run's `lane_threads_`, which uses `rw`
  // and `sent` only; a lane never moves while a batch is in flight (a
  // Stream's lanes are sized once).
  struct Lane {
    Lane() = default;
    Lane(Lane&&) = default;
    // A lane still carrying a batch is cancelled, then waited for.
    ~Lane() {
      if (inflight && inflight->valid()) {
        if (ctx) ctx->TryCancel();
        inflight->wait();
      }
    }
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<
        grpc::ClientReaderWriterInterface<v1::TargetBatch, v1::LoadAck>>
        rw;
    // The batch in flight, its source keys and its acknowledgement.
    ArenaMessage<v1::TargetBatch> sent;
    absl::flat_hash_set<std::string> keys;
    std::optional<std::future<absl::StatusOr<v1::LoadAck>>> inflight;
    int attempts = 0;
  };

  // The loader lanes of one route of the object being processed.
  struct Stream {
    const ObjectRoute* route = nullptr;
    std::vector<Lane> lanes;
    size_t next_lane = 0;
    // The records being gathered, built in place on the batch's arena
    // (released whole once the loader acknowledged it: freeing a batch's
    // records one field at a time was a tenth of the transformer's CPU).
    ArenaMessage<v1::TargetBatch> batch;
    int64_t sequence = 0;
    std::vector<v1::TargetRecord> link_pending;
  };

  // What happened to a record that many-to-one routes wrote onto.
  struct MergeOutcome {
    bool loaded = false;
    std::string target_object;
    std::string crm_id;
  };

  // A record chosen to be written onto another, kept compact until then:
  // its wire bytes (in memory a record's map of fields is several times
  // their size, and a route keeps one per referenced key for the whole
  // object), its key, and the value its route orders by.
  struct Chosen {
    explicit Chosen(const v1::Record& rec, const mapping::IntoRule& into)
        : bytes(rec.SerializeAsString()),
          source_key(rec.source_key()),
          order(OrderValue(rec, into)) {}
    v1::Record Parse() const {
      v1::Record rec;
      rec.ParseFromString(bytes);  // bytes this process serialized
      return rec;
    }
    std::string bytes;
    std::string source_key;
    v1::Value order;
  };

  // What the routes of one object need read from other objects first:
  // related-record counts for conditions, and for each many-to-one route
  // onto the object the chosen record per referenced key.
  struct Related {
    absl::flat_hash_map<const mapping::Condition*,
                        absl::flat_hash_map<std::string, int64_t>>
        counts;
    absl::flat_hash_map<const ObjectRoute*,
                        absl::flat_hash_map<std::string, std::vector<Chosen>>>
        chosen;
    // Each many-to-one route as a plain loaded route (no `into`, `when`,
    // owner or key field), built once: its transform gives the fields and
    // lookups to write onto the target record.
    absl::flat_hash_map<const ObjectRoute*, ObjectRoute> as_load;
    // Per many-to-one route, how many records reference each key (the
    // sample's "several" edge case).
    absl::flat_hash_map<const ObjectRoute*,
                        absl::flat_hash_map<std::string, int64_t>>
        candidates;
  };

  bool dry() const { return request_.policy().dry_run(); }

  // bridgework_records_out_total of the transformer (docs/observability.md).
  void CountOut(const std::string& object, std::string_view outcome,
                int64_t n) {
    if (peers_.metrics != nullptr)
      peers_.metrics->RecordsOut(object, outcome, n);
  }
  v1::RunMode mode() const { return request_.mode(); }

  // Asks the extractor for the fields of `object` the map reads
  // (mapping::FieldsRead) and no others, except for a sample, which shows
  // every source field of its records, and for a map reading whole
  // records. A field the map does not read changes nothing it loads, and
  // then never leaves the extractor.
  void SelectFields(const std::string& object,
                    v1::ExtractRequest* extract) const {
    if (mode() == v1::RUN_MODE_SAMPLE) return;
    std::optional<std::vector<std::string>> read =
        mapping::FieldsRead(map_, object);
    if (!read) return;
    extract->mutable_fields()->mutable_names()->Assign(read->begin(),
                                                       read->end());
  }

  // Prepares the destination once per run (a dry run only compares).
  absl::Status EnsurePrepared() {
    if (prepared_) return absl::OkStatus();
    BW_RETURN_IF_ERROR(Prepare());
    prepared_ = true;
    return absl::OkStatus();
  }

  absl::Status Prepare() {
    v1::PrepareRequest req;
    req.set_run_id(request_.run_id());
    *req.mutable_destination() = request_.destination();
    req.set_map_yaml(request_.map_yaml());
    req.set_check_only(dry());
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

  // Records dispositions in the ledger (a dry run records nothing).
  absl::Status FlushDispositions(v1::RecordDispositionsRequest* d) {
    if (dry()) d->clear_dispositions();
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
    SelectFields(object, &extract);
    auto ctx = NewContext(peers_);
    auto reader = peers_.extractor->Extract(ctx.get(), extract);
    v1::RecordBatch in;
    while (reader->Read(&in)) {
      if (peers_.metrics != nullptr) {
        peers_.metrics->RecordsIn(object,
                                  in.records_size() + in.rejections_size());
      }
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
          // Only the sample's "several" feature reads the counts.
          if (mode() == v1::RUN_MODE_SAMPLE) ++out->candidates[r][key];
          auto& chosen = out->chosen[r][key];
          if (chosen.empty() || r->into->all) {
            chosen.emplace_back(rec, *r->into);
          } else if (Before(OrderValue(rec, *r->into), chosen.front().order,
                            *r->into)) {
            chosen.front() = Chosen(rec, *r->into);
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
      picked_routes_.insert(r);
      // A route taking every record picks them all: nothing to keep.
      if (r->into->all) continue;
      for (const auto& [key, recs] : out->chosen[r]) {
        for (const Chosen& rec : recs) {
          picked_.insert(PickId(r, key, rec.source_key));
        }
      }
    }
    LogInfo("related records read",
            {{"object", source},
             {"conditions", absl::StrCat(conditions.size())},
             {"many_to_one_routes", absl::StrCat(onto.size())}});
    return absl::OkStatus();
  }

  // A source object's loaded routes: alternatives (the first whose
  // condition holds takes a record) and many-to-one routes.
  static void SplitRoutes(const std::vector<const ObjectRoute*>& routes,
                          std::vector<const ObjectRoute*>* alternatives,
                          std::vector<const ObjectRoute*>* into_routes) {
    for (const ObjectRoute* r : routes) {
      if (r->kind != ObjectRoute::Kind::kLoad) continue;
      (r->into ? into_routes : alternatives)->push_back(r);
    }
  }

  // The first of `alternatives` whose condition holds for `rec`;
  // alternatives.size() when none does.
  static size_t ChooseRoute(const std::vector<const ObjectRoute*>& alternatives,
                            const v1::Record& rec, const Related& related) {
    auto count_of = [&related, &rec](const mapping::Condition& c) -> int64_t {
      auto counts = related.counts.find(&c);
      if (counts == related.counts.end()) return 0;
      auto it = counts->second.find(rec.source_key());
      return it == counts->second.end() ? 0 : it->second;
    };
    size_t chosen = 0;
    while (chosen < alternatives.size() && alternatives[chosen]->when &&
           !mapping::Holds(*alternatives[chosen]->when, rec, count_of)) {
      ++chosen;
    }
    return chosen;
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
  static bool Before(const v1::Value& x, const v1::Value& y,
                     const mapping::IntoRule& into) {
    if (into.order_by.empty()) return false;
    if (record::IsNull(x) || record::IsNull(y)) {
      return !record::IsNull(x) && record::IsNull(y);
    }
    int cmp = record::CompareValues(x, y);
    return into.descending ? cmp > 0 : cmp < 0;
  }

  // A choice of a many-to-one route (route, referenced key, chosen record's
  // key) as two independent 64-bit hashes: a false match needs both to
  // collide (about 2^-128 a pair).
  static absl::uint128 PickId(const ObjectRoute* route, std::string_view key,
                              std::string_view source_key) {
    const uint64_t a = absl::HashOf(route, key, source_key);
    std::string joined(key);
    joined.push_back('\0');
    joined.append(source_key);
    const uint64_t b = std::hash<std::string_view>()(joined) ^
                       reinterpret_cast<uintptr_t>(route);
    return absl::MakeUint128(a, b);
  }

  // The value a many-to-one route orders `rec` by (null without order_by).
  static v1::Value OrderValue(const v1::Record& rec,
                              const mapping::IntoRule& into) {
    if (into.order_by.empty()) return record::NullValue();
    auto it = rec.fields().find(into.order_by);
    return it == rec.fields().end() ? record::NullValue() : it->second;
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
      for (const Chosen& chosen : it->second) {
        const v1::Record rec = chosen.Parse();
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

  // Keeps the batch's records for which `keep` is true, in order.
  static void KeepRecords(v1::TargetBatch& batch,
                          const std::vector<bool>& keep) {
    auto* records = batch.mutable_records();
    int kept = 0;
    for (int i = 0; i < records->size(); ++i) {
      if (!keep[i]) continue;
      if (i != kept) records->SwapElements(i, kept);  // pointers only
      ++kept;
    }
    records->DeleteSubrange(kept, records->size() - kept);
  }

  // A delta's records the id map holds with the same fingerprint, written
  // by an earlier run: unchanged, accounted for here and not sent, so that
  // a delta with nothing changed sends no request.
  absl::Status DropUnchanged(Stream& stream, v1::ObjectProgress& progress) {
    v1::TargetBatch& batch = *stream.batch;
    v1::ResolveKeysRequest req;
    req.set_account(request_.destination().account());
    for (const auto& r : batch.records()) {
      *req.add_keys() =
          MakeKeyRef(r.source_object(), r.source_key(), r.target_object());
    }
    BW_ASSIGN_OR_RETURN(v1::ResolveKeysResponse resp,
                        peers_.auditor->ResolveKeys(req));
    std::vector<bool> keep(batch.records_size(), true);
    v1::RecordDispositionsRequest unchanged;
    for (int i = 0; i < batch.records_size() && i < resp.keys_size(); ++i) {
      const v1::ResolvedKey& k = resp.keys(i);
      const v1::TargetRecord& r = batch.records(i);
      if (k.crm_id().empty() || k.fingerprint() != r.fingerprint() ||
          k.run_id() == request_.run_id()) {
        continue;
      }
      keep[i] = false;
      progress.set_loaded(progress.loaded() + 1);
      CountDry(r.target_object(), v1::RECORD_STATUS_UNCHANGED);
      v1::Disposition* d = unchanged.add_dispositions();
      d->set_source_object(r.source_object());
      d->set_source_key(r.source_key());
      d->set_status(v1::DISPOSITION_STATUS_LOADED);
      d->set_target_object(r.target_object());
      d->set_crm_id(k.crm_id());
      d->set_action("unchanged");
    }
    KeepRecords(batch, keep);
    return FlushDispositions(&unchanged);
  }

  // A dry run writes no parent, so the loader cannot tell a reference to a
  // parent this run would load from one to nothing: records referencing a
  // key that was neither sent in this dry run nor loaded before are
  // quarantined here, as the real run would.
  absl::Status CheckDryLookups(Stream& stream, v1::ObjectProgress& progress) {
    v1::TargetBatch& batch = *stream.batch;
    v1::ResolveKeysRequest req;
    req.set_account(request_.destination().account());
    std::vector<std::pair<int, const v1::Lookup*>> asked;
    for (int i = 0; i < batch.records_size(); ++i) {
      for (const auto& l : batch.records(i).lookups()) {
        if (l.deferrable()) continue;
        auto sent = dry_loaded_.find(l.source_object());
        if (sent != dry_loaded_.end() && sent->second.count(l.source_key())) {
          continue;
        }
        *req.add_keys() =
            MakeKeyRef(l.source_object(), l.source_key(), l.target_object());
        asked.push_back({i, &l});
      }
    }
    if (asked.empty()) return absl::OkStatus();
    BW_ASSIGN_OR_RETURN(v1::ResolveKeysResponse resp,
                        peers_.auditor->ResolveKeys(req));
    std::vector<bool> keep(batch.records_size(), true);
    for (size_t j = 0; j < asked.size() && j < size_t(resp.keys_size()); ++j) {
      auto [i, l] = asked[j];
      if (!keep[i] || !resp.keys(j).crm_id().empty()) continue;
      keep[i] = false;
      progress.set_quarantined(progress.quarantined() + 1);
      CountDry(batch.records(i).target_object(), v1::RECORD_STATUS_QUARANTINED);
    }
    KeepRecords(batch, keep);
    return absl::OkStatus();
  }

  // A dry run's tally of what a record would become.
  void CountDry(const std::string& target, v1::RecordStatus status) {
    if (!dry()) return;
    v1::DryRunCount& c = dry_counts_[target];
    c.set_target_object(target);
    switch (status) {
      case v1::RECORD_STATUS_CREATED:
        c.set_creates(c.creates() + 1);
        break;
      case v1::RECORD_STATUS_UPDATED:
      case v1::RECORD_STATUS_ADOPTED:
        c.set_updates(c.updates() + 1);
        break;
      case v1::RECORD_STATUS_QUARANTINED:
        c.set_quarantined(c.quarantined() + 1);
        break;
      default:
        c.set_unchanged(c.unchanged() + 1);
    }
  }

  // Sends the stream's batch and accounts for the acknowledgement.
  absl::Status Send(Stream& stream, v1::ObjectProgress& progress,
                    bool track_outcomes) {
    v1::TargetBatch& batch = *stream.batch;
    if (batch.records_size() == 0) return absl::OkStatus();
    if (mode() == v1::RUN_MODE_DELTA) {
      BW_RETURN_IF_ERROR(DropUnchanged(stream, progress));
    }
    if (dry()) BW_RETURN_IF_ERROR(CheckDryLookups(stream, progress));
    if (batch.records_size() == 0) return absl::OkStatus();
    BW_RETURN_IF_ERROR(EnsurePrepared());
    *batch.mutable_policy() = request_.policy();
    batch.clear_match_fields();
    for (const std::string& m : stream.route->match_fields) {
      batch.add_match_fields(m);
    }
    batch.set_run_id(request_.run_id());
    batch.set_target_object(stream.route->target);
    *batch.mutable_destination() = request_.destination();
    // Idle lanes share a batch, at least kMinPart records each: a small
    // object, or an object's last records, still keeps every lane (and so
    // every loader replica) busy.
    constexpr int kMinPart = 10;
    int idle = 0;
    for (const Lane& lane : stream.lanes) idle += lane.inflight ? 0 : 1;
    const int n = batch.records_size();
    const int parts = std::max(1, std::min(idle, n / kMinPart));
    if (parts == 1) {
      batch.set_sequence(++stream.sequence);
      ArenaMessage<v1::TargetBatch> whole = std::exchange(stream.batch, {});
      return DispatchBatch(stream, std::move(whole), progress, track_outcomes);
    }
    v1::TargetBatch shell = batch;
    shell.clear_records();
    for (int p = 0; p < parts; ++p) {
      ArenaMessage<v1::TargetBatch> part;
      *part = shell;
      part->set_sequence(++stream.sequence);
      for (int i = p * n / parts; i < (p + 1) * n / parts; ++i) {
        *part->add_records() = std::move(*batch.mutable_records(i));
      }
      BW_RETURN_IF_ERROR(
          DispatchBatch(stream, std::move(part), progress, track_outcomes));
    }
    stream.batch.Reset();
    return absl::OkStatus();
  }

  // Puts `batch` in flight on a lane of `stream`: after any lane holding
  // one of its source keys (two batches in flight never share one), on a
  // free lane or the first to finish.
  absl::Status DispatchBatch(Stream& stream,
                             ArenaMessage<v1::TargetBatch> batch,
                             v1::ObjectProgress& progress,
                             bool track_outcomes) {
    absl::flat_hash_set<std::string> keys;
    for (const v1::TargetRecord& r : batch->records())
      keys.insert(r.source_key());
    for (Lane& lane : stream.lanes) {
      if (!lane.inflight) continue;
      for (const std::string& k : keys) {
        if (lane.keys.contains(k)) {
          BW_RETURN_IF_ERROR(Complete(stream, lane, progress, track_outcomes));
          break;
        }
      }
    }
    Lane* lane = nullptr;
    for (size_t i = 0; i < stream.lanes.size() && lane == nullptr; ++i) {
      Lane& l = stream.lanes[(stream.next_lane + i) % stream.lanes.size()];
      if (!l.inflight) lane = &l;
    }
    if (lane == nullptr) {
      BW_ASSIGN_OR_RETURN(lane, WaitAny(stream, progress, track_outcomes));
    }
    stream.next_lane = (static_cast<size_t>(lane - stream.lanes.data()) + 1) %
                       stream.lanes.size();
    CountOut(stream.route->source, "sent", batch->records_size());
    lane->sent = std::move(batch);
    lane->keys = std::move(keys);
    Dispatch(*lane);
    return absl::OkStatus();
  }

  // Starts `lane.sent` on the lane, opening its call first if needed.
  void Dispatch(Lane& lane) {
    if (!lane.rw) {
      lane.ctx = NewContext(peers_);
      lane.rw = peers_.loader->Load(lane.ctx.get());
      // A dry run's loader plans against the schema Prepare would leave;
      // it takes the map from the first batch of its stream.
      if (dry()) lane.sent->set_map_yaml(request_.map_yaml());
    } else {
      lane.sent->clear_map_yaml();
    }
    prometheus::Gauge* in_flight =
        peers_.metrics != nullptr ? &peers_.metrics->QueueDepth("loader_lanes")
                                  : nullptr;
    if (in_flight != nullptr) in_flight->Increment();
    auto send =
        std::make_shared<std::packaged_task<absl::StatusOr<v1::LoadAck>()>>(
            [this, &lane, in_flight]() -> absl::StatusOr<v1::LoadAck> {
              absl::StatusOr<v1::LoadAck> result = v1::LoadAck();
              if (!lane.rw->Write(*lane.sent) || !lane.rw->Read(&*result)) {
                result = FromGrpcStatus(lane.rw->Finish());
              }
              if (in_flight != nullptr) in_flight->Decrement();
              absl::MutexLock lock(&lanes_mu_);
              ++lanes_finished_;
              return result;
            });
    lane.inflight = send->get_future();
    lane_threads_.Run([send] { (*send)(); });
  }

  struct LanesSeen {
    Run* run;
    int64_t finished;
  };
  static bool LanesChanged(LanesSeen* seen)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(seen->run->lanes_mu_) {
    return seen->run->lanes_finished_ != seen->finished;
  }

  // The first lane of `stream` whose batch finishes, accounted for: no
  // lane waits behind a slower one (a replica that died, a larger batch).
  absl::StatusOr<Lane*> WaitAny(Stream& stream, v1::ObjectProgress& progress,
                                bool track_outcomes) {
    while (true) {
      int64_t seen;
      {
        absl::MutexLock lock(&lanes_mu_);
        seen = lanes_finished_;
      }
      for (Lane& lane : stream.lanes) {
        if (lane.inflight && lane.inflight->wait_for(std::chrono::seconds(0)) ==
                                 std::future_status::ready) {
          BW_RETURN_IF_ERROR(Complete(stream, lane, progress, track_outcomes));
          return &lane;
        }
      }
      LanesSeen since{this, seen};
      bool changed;
      {
        absl::MutexLock lock(&lanes_mu_);
        changed = lanes_mu_.AwaitWithTimeout(
            absl::Condition(&LanesChanged, &since), absl::Seconds(1));
      }
      if (!changed) BW_RETURN_IF_ERROR(NoticePause());
    }
  }

  // Waits for the lane's batch and accounts for its acknowledgement. A
  // lane whose loader went away (UNAVAILABLE: the replica died) is reopened
  // (the balancer picks a live replica) and its batch resent, twice at
  // most; the loader's ledger-first writes make the resend safe.
  absl::Status Complete(Stream& stream, Lane& lane,
                        v1::ObjectProgress& progress, bool track_outcomes) {
    if (!lane.inflight) return absl::OkStatus();
    // A batch waiting long may be waiting on a paused budget: say so, and
    // until when, once per pause.
    while (lane.inflight->wait_for(std::chrono::seconds(1)) ==
           std::future_status::timeout) {
      BW_RETURN_IF_ERROR(NoticePause());
    }
    absl::StatusOr<v1::LoadAck> ack = lane.inflight->get();
    lane.inflight.reset();
    if (!ack.ok()) {
      lane.rw.reset();
      lane.ctx.reset();
      if (absl::IsUnavailable(ack.status()) && ++lane.attempts < 3) {
        LogWarning("loader stream failed; resending its batch",
                   {{"object", stream.route->target},
                    {"code", absl::StatusCodeToString(ack.status().code())}});
        // Time for the channel to see the replica gone and balance the
        // new call onto a live one.
        absl::SleepFor(absl::Milliseconds(50) * lane.attempts);
        Dispatch(lane);
        return Complete(stream, lane, progress, track_outcomes);
      }
      return ack.status();
    }
    lane.attempts = 0;
    lane.keys.clear();
    return Account(stream, *lane.sent, *ack, progress, track_outcomes);
  }

  // Emits a notice when the destination's budget is paused (a spent
  // daily budget), once per pause. The authority's accounts are keyed
  // "<crm>:..." (docs/budget.md); this run's CRM's paused ones are shown.
  absl::Status NoticePause() {
    if (peers_.budget == nullptr) return absl::OkStatus();
    absl::StatusOr<v1::BudgetUsage> usage = peers_.budget->GetUsage("");
    if (!usage.ok()) return absl::OkStatus();  // the loader retries anyway
    const std::string prefix = request_.destination().crm() + ":";
    for (const v1::AccountUsage& a : usage->accounts()) {
      if (a.account().rfind(prefix, 0) != 0 || a.pause_reason().empty() ||
          a.paused_until_unix_ms() == noticed_pause_) {
        continue;
      }
      noticed_pause_ = a.paused_until_unix_ms();
      v1::RunEvent event;
      event.set_phase("paused");
      event.set_notice(absl::StrCat("rate budget paused: ", a.pause_reason()));
      event.set_requests(requests_);
      if (!emit_(event)) return absl::CancelledError("controller went away");
    }
    return absl::OkStatus();
  }

  // Waits for every lane of the stream.
  absl::Status Drain(Stream& stream, v1::ObjectProgress& progress,
                     bool track_outcomes) {
    for (Lane& lane : stream.lanes) {
      BW_RETURN_IF_ERROR(Complete(stream, lane, progress, track_outcomes));
    }
    return absl::OkStatus();
  }

  // Accounts for a batch's acknowledgement.
  absl::Status Account(Stream& stream, const v1::TargetBatch& batch,
                       const v1::LoadAck& ack, v1::ObjectProgress& progress,
                       bool track_outcomes) {
    // A dry run's acknowledgement counts the requests it would send.
    if (!dry()) requests_ += ack.requests();
    if (dry()) {
      v1::DryRunCount& c = dry_counts_[stream.route->target];
      c.set_target_object(stream.route->target);
      c.set_requests(c.requests() + ack.requests());
    }
    for (int i = 0; i < ack.outcomes_size(); ++i) {
      const v1::RecordOutcome& o = ack.outcomes(i);
      const bool quarantined = o.status() == v1::RECORD_STATUS_QUARANTINED;
      CountDry(stream.route->target, o.status());
      if (dry() && !quarantined) {
        dry_loaded_[o.source_object()].insert(o.source_key());
      }
      if (mode() == v1::RUN_MODE_SAMPLE && !quarantined &&
          i < batch.records_size()) {
        sample_sent_.push_back({stream.route, batch.records(i)});
      }
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
      if (!picked_routes_.contains(r)) continue;
      if (!into.all && !picked_.contains(PickId(r, key, rec.source_key()))) {
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
    SplitRoutes(routes, &alternatives, &into_routes);
    const std::vector<const ObjectRoute*> onto = map_.IntoRoutesOnto(source);
    Related related;
    if (loading && !alternatives.empty()) {
      BW_RETURN_IF_ERROR(ReadRelated(source, alternatives, onto, &related));
    }
    std::vector<Stream> streams(alternatives.size());
    for (size_t i = 0; i < alternatives.size(); ++i) {
      streams[i].route = alternatives[i];
      streams[i].lanes.resize(std::max(1, peers_.loader_streams));
    }
    const bool track_outcomes = !onto.empty();

    v1::ExtractRequest extract;
    *extract.mutable_source() = request_.source();
    extract.set_object_type(source);
    extract.set_batch_size(std::max(batch_size_, 100));
    SelectFields(source, &extract);
    // A delta reads what changed since the object's cursor. Reference
    // objects are read whole: owners and lookups need every record.
    v1::Timestamp since;
    if (mode() == v1::RUN_MODE_DELTA && loading) {
      v1::GetCursorRequest cr;
      cr.set_account(request_.destination().account());
      cr.set_source_object(source);
      BW_ASSIGN_OR_RETURN(v1::Cursor cursor, peers_.auditor->GetCursor(cr));
      if (cursor.has_watermark() && cursor.watermark().unix_seconds() > 0) {
        since = cursor.watermark();
        *extract.mutable_since() = since;
      }
    }
    const bool sampling = mode() == v1::RUN_MODE_SAMPLE && loading;
    auto extract_ctx = NewContext(peers_);
    auto reader = peers_.extractor->Extract(extract_ctx.get(), extract);
    // Each batch is parsed into an arena, released whole once the batch is
    // done: a record's map of fields then costs no malloc and free per
    // entry (they were a third of the transformer's CPU).
    ArenaMessage<v1::RecordBatch> batch;
    v1::RecordDispositionsRequest dispositions;
    v1::Timestamp watermark;
    auto cancel_streams = [&streams]() {
      for (Stream& s : streams) {
        for (Lane& lane : s.lanes) {
          if (lane.ctx) lane.ctx->TryCancel();
        }
      }
    };
    while (reader->Read(batch.get())) {
      const v1::RecordBatch& in = *batch;
      if (peers_.metrics != nullptr) {
        peers_.metrics->RecordsIn(source,
                                  in.records_size() + in.rejections_size());
      }
      for (const auto& w : in.warnings()) {
        // The source as a whole (an empty file): no record, a note.
        LogWarning("source warning",
                   {{"object", source}, {"reason", w.reason()}});
        if (progress.warnings_size() < kListedWarnings) {
          *progress.add_warnings() = w;
        }
      }
      for (const auto& rej : in.rejections()) {
        if (sampling) break;  // a sample takes records, not unreadable rows
        progress.set_extracted(progress.extracted() + 1);
        progress.set_quarantined(progress.quarantined() + 1);
        CountOut(source, "rejected", 1);
        *dispositions.add_dispositions() =
            FromRejection(rej, v1::DISPOSITION_STATUS_QUARANTINED);
      }
      for (const auto& rec : in.records()) {
        if (sampling && !sample_->Reason({source, rec.source_key()})) continue;
        if (sampling) sample_records_[{source, rec.source_key()}] = rec;
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
        // The record is built in place as its stream's next one, and
        // dropped again if it is not to be loaded.
        v1::TargetRecord* target = nullptr;
        if (!loading) {
          // Not a load route: skipped, with the route's reason.
          result = mapping::TransformRecord(first, rec, ctx_);
        } else {
          chosen = ChooseRoute(alternatives, rec, related);
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
            target = streams[chosen].batch->add_records();
            result = mapping::TransformRecordInto(*alternatives[chosen], rec,
                                                  ctx_, target);
            if (!result.rejection && !result.skipped && !onto.empty()) {
              MergeOnto(onto, related, rec.source_key(), target, &result);
            }
          }
        }
        const bool load =
            target != nullptr && !result.rejection && !result.skipped;
        if (target != nullptr && !load) {
          streams[chosen].batch->mutable_records()->RemoveLast();
        }
        if (result.skipped) {
          progress.set_skipped(progress.skipped() + 1);
          CountOut(source, "skipped", 1);
          *dispositions.add_dispositions() =
              FromRejection(*result.skipped, v1::DISPOSITION_STATUS_SKIPPED);
        } else if (result.rejection) {
          progress.set_quarantined(progress.quarantined() + 1);
          CountOut(source, "rejected", 1);
          *dispositions.add_dispositions() = FromRejection(
              *result.rejection, v1::DISPOSITION_STATUS_QUARANTINED);
        } else if (load) {
          Stream& stream = streams[chosen];
          if (stream.batch->records_size() >= batch_size_) {
            BW_RETURN_IF_ERROR(FlushDispositions(&dispositions));
            BW_RETURN_IF_ERROR(Send(stream, progress, track_outcomes));
          }
        }
        for (const auto& w : result.warnings) {
          progress.set_field_warnings(progress.field_warnings() + 1);
          // The first few per object go to the log and the report; all
          // are counted.
          if (progress.field_warnings() <= kLoggedWarnings) {
            LogWarning("field not loaded",
                       {{"object", w.object_type()},
                        {"key", w.source_key()},
                        {"file", w.location().file()},
                        {"line", absl::StrCat(w.location().line())},
                        {"field", w.field()},
                        {"reason", w.reason()}});
          }
          if (progress.warnings_size() < kListedWarnings) {
            *progress.add_warnings() = w;
          }
        }
      }
      BW_RETURN_IF_ERROR(FlushDispositions(&dispositions));
      batch.Reset();
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
      BW_RETURN_IF_ERROR(Drain(stream, progress, track_outcomes));
      for (Lane& lane : stream.lanes) {
        if (!lane.rw) continue;
        lane.rw->WritesDone();
        BW_RETURN_IF_ERROR(FromGrpcStatus(lane.rw->Finish()));
      }
      BW_RETURN_IF_ERROR(Link(*stream.route, stream.link_pending));
    }
    // Figures and cursor, once the object is complete. A dry run records
    // nothing; a sample moves no cursor (the full run still reads all).
    if (!dry()) {
      v1::SetObjectStatsRequest stats;
      stats.set_run_id(request_.run_id());
      v1::ObjectStats* s = stats.add_stats();
      s->set_source_object(source);
      s->set_extracted(progress.extracted());
      BW_RETURN_IF_ERROR(peers_.auditor->SetObjectStats(stats));
    }
    v1::RunEvent event;
    if (loading && !dry() && mode() != v1::RUN_MODE_SAMPLE &&
        watermark.unix_seconds() > 0 &&
        watermark.unix_seconds() >= since.unix_seconds()) {
      v1::Cursor cursor;
      cursor.set_account(request_.destination().account());
      cursor.set_source_object(source);
      *cursor.mutable_watermark() = watermark;
      cursor.set_run_id(request_.run_id());
      BW_RETURN_IF_ERROR(peers_.auditor->SetCursor(cursor));
    }
    progress.set_done(true);
    objects_.push_back(progress);
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

  // Learns each record's features by transforming it as the run would,
  // and chooses the sample (sample.h). Owner objects are read first, as in
  // the run, so that owner features are real.
  absl::Status SelectSample(const std::vector<std::string>& order) {
    const int size = request_.sample_size() > 0 ? request_.sample_size() : 200;
    sample_.emplace(size, static_cast<uint64_t>(request_.sample_seed()));
    for (const std::string& source : order) {
      std::vector<const ObjectRoute*> routes = map_.RoutesOf(source);
      std::string email_field;
      if (IsOwnerObject(source, &email_field)) {
        BW_RETURN_IF_ERROR(ReadAll(source, [&](const v1::Record& rec) {
          std::string email = FieldText(rec, email_field);
          auto normal = mapping::NormalizeEmail(email);
          if (normal) owner_emails_[rec.source_key()] = *normal;
        }));
      }
      if (routes.front()->kind != ObjectRoute::Kind::kLoad) continue;
      std::vector<const ObjectRoute*> alternatives, into_routes;
      SplitRoutes(routes, &alternatives, &into_routes);
      const std::vector<const ObjectRoute*> onto = map_.IntoRoutesOnto(source);
      Related related;
      if (!alternatives.empty()) {
        BW_RETURN_IF_ERROR(ReadRelated(source, alternatives, onto, &related));
      }
      BW_RETURN_IF_ERROR(ReadAll(source, [&](const v1::Record& rec) {
        const RecordRef ref = {source, rec.source_key()};
        if (alternatives.empty()) {
          for (const ObjectRoute* r : into_routes) {
            std::string key = FieldText(rec, r->into->via);
            if (Takes(*r, rec) && !key.empty()) {
              sample_->OfferMerged(ref, {r->into->object, key});
            }
          }
          return;
        }
        std::vector<std::string> features;
        std::vector<RecordRef> parents;
        const size_t chosen = ChooseRoute(alternatives, rec, related);
        if (chosen == alternatives.size()) {
          features.push_back(absl::StrCat(source, ": no route applies"));
        } else {
          const ObjectRoute& route = *alternatives[chosen];
          mapping::TransformResult result =
              mapping::TransformRecord(route, rec, ctx_);
          if (result.target && !onto.empty()) {
            MergeOnto(onto, related, rec.source_key(), &*result.target,
                      &result);
          }
          SampleFeatures(route, onto, related, rec, result, &features,
                         &parents);
        }
        sample_->Offer(ref, features, std::move(parents));
      }));
    }
    // ReadRelated's picks; the run makes them again.
    picked_.clear();
    picked_routes_.clear();
    owner_emails_.clear();
    sample_->Finish();
    LogInfo("sample chosen",
            {{"run", request_.run_id()},
             {"records", absl::StrCat(sample_->size())},
             {"covering", absl::StrCat(sample_->covering_size())},
             {"features", absl::StrCat(sample_->features())}});
    return absl::OkStatus();
  }

  // What a record shows about the map, as sample features: its route, the
  // fields it writes, pick-list values, lookups, owner, long texts, several
  // records merged onto it, quarantine and skip reasons, field warnings.
  static void SampleFeatures(const ObjectRoute& route,
                             const std::vector<const ObjectRoute*>& onto,
                             const Related& related, const v1::Record& rec,
                             const mapping::TransformResult& result,
                             std::vector<std::string>* features,
                             std::vector<RecordRef>* parents) {
    const std::string& id = route.id;
    features->push_back(absl::StrCat("route ", id));
    if (result.skipped) {
      features->push_back(
          absl::StrCat(id, " skipped: ", result.skipped->reason()));
    }
    if (result.rejection) {
      features->push_back(
          absl::StrCat(id, " quarantined: ", result.rejection->field()));
    }
    for (const auto& w : result.warnings) {
      features->push_back(absl::StrCat(id, " warning: ", w.field()));
    }
    for (const ObjectRoute* r : onto) {
      auto by_key = related.candidates.find(r);
      if (by_key == related.candidates.end()) continue;
      auto it = by_key->second.find(rec.source_key());
      if (it != by_key->second.end() && it->second >= 2) {
        features->push_back(absl::StrCat(id, " several ", r->source));
      }
    }
    if (!result.target) return;
    const v1::TargetRecord& t = *result.target;
    auto value_features = [&](const auto& section) {
      for (const auto& [name, value] : section) {
        if (record::IsNull(value)) continue;
        features->push_back(absl::StrCat(id, " field ", name));
        if (value.has_string_value() &&
            value.string_value().size() > kLongText) {
          features->push_back(absl::StrCat(id, " long ", name));
        }
      }
    };
    value_features(t.fields());
    value_features(t.custom_fields());
    for (const mapping::FieldRule& f : route.fields) {
      if (f.values.empty()) continue;
      const auto& section =
          t.custom_fields().contains(f.to) ? t.custom_fields() : t.fields();
      auto it = section.find(f.to);
      if (it == section.end() || record::IsNull(it->second)) continue;
      features->push_back(
          absl::StrCat(id, " ", f.to, "=", record::ValueToText(it->second)));
    }
    for (const auto& l : t.lookups()) {
      features->push_back(absl::StrCat(id, " lookup ", l.target_field()));
      parents->push_back({l.source_object(), l.source_key()});
    }
    if (route.owner) {
      features->push_back(absl::StrCat(
          id, t.owner_email().empty() ? " fallback owner" : " owner"));
    }
  }

  // The source value a checked field came from, as text: the `from`
  // fields' values ("a | b" for several), "(constant)", "(template)", or ""
  // when a record merged onto this one wrote it.
  static std::string SourceText(const ObjectRoute& route,
                                const v1::FieldCheck& check,
                                const v1::Record& source) {
    if (check.section() == "lookups") {
      for (const auto& l : route.lookups) {
        if (l.to == check.field()) return FieldText(source, l.from);
      }
      return "";
    }
    for (const mapping::FieldRule& f : route.fields) {
      if (f.to != check.field()) continue;
      if (f.constant) return "(constant)";
      if (f.template_text) return "(template)";
      std::vector<std::string> parts;
      for (const std::string& from : f.from) {
        parts.push_back(FieldText(source, from));
      }
      if (!f.plus_minutes.empty()) {
        parts.push_back(
            absl::StrCat("+", FieldText(source, f.plus_minutes), " min"));
      }
      return absl::StrJoin(parts, " | ");
    }
    return "";
  }

  // Reads `req`'s records back. CRMs apply some writes asynchronously
  // (Freshsales bulk jobs add list members later), so records that differ
  // are read again, up to kReadBackRounds times a second apart; what still
  // differs then is a mismatch.
  absl::Status ReadBackSettled(const v1::ReadBackRequest& req,
                               std::vector<v1::RecordCheck>* out) {
    constexpr int kReadBackRounds = 3;
    auto differs = [](const v1::RecordCheck& c) {
      if (!c.found()) return true;
      for (const auto& f : c.fields()) {
        if (!f.match() && !f.kept()) return true;
      }
      return false;
    };
    v1::ReadBackRequest pending = req;
    std::map<RecordRef, v1::RecordCheck> settled;
    for (int round = 0; round < kReadBackRounds; ++round) {
      if (round > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
      v1::ReadBackResponse resp;
      auto ctx = NewContext(peers_);
      ctx->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::minutes(30));
      BW_RETURN_IF_ERROR(
          FromGrpcStatus(peers_.loader->ReadBack(ctx.get(), pending, &resp)));
      requests_ += resp.requests();
      v1::ReadBackRequest again;
      *again.mutable_destination() = req.destination();
      for (int i = 0; i < resp.records_size(); ++i) {
        const v1::RecordCheck& c = resp.records(i);
        settled[{c.source_object(), c.source_key()}] = c;
        if (differs(c) && i < pending.records_size()) {
          *again.add_records() = pending.records(i);
        }
      }
      if (again.records_size() == 0) break;
      pending = std::move(again);
    }
    for (const auto& r : req.records()) {
      auto it = settled.find({r.source_object(), r.source_key()});
      if (it != settled.end()) out->push_back(std::move(it->second));
    }
    return absl::OkStatus();
  }

  // Once every object is loaded (later objects may still add to earlier
  // records: list members, links), reads the sampled records back from the
  // CRM and compares them field by field (RunEvent.checks), and lists the
  // sampled source records (RunEvent.sources). A dry sample reads nothing
  // back.
  absl::Status ReadBackSample(v1::RunEvent* event) {
    std::map<RecordRef, const ObjectRoute*> route_of;
    v1::ReadBackRequest req;
    *req.mutable_destination() = request_.destination();
    for (auto& [route, rec] : sample_sent_) {
      route_of[{rec.source_object(), rec.source_key()}] = route;
      *req.add_records() = std::move(rec);
    }
    sample_sent_.clear();
    if (req.records_size() > 0 && !dry()) {
      std::vector<v1::RecordCheck> checks;
      BW_RETURN_IF_ERROR(ReadBackSettled(req, &checks));
      for (v1::RecordCheck& check : checks) {
        const RecordRef ref = {check.source_object(), check.source_key()};
        auto route = route_of.find(ref);
        auto src = sample_records_.find(ref);
        if (route != route_of.end() && src != sample_records_.end()) {
          for (v1::FieldCheck& f : *check.mutable_fields()) {
            f.set_source(SourceText(*route->second, f, src->second));
          }
        }
        *event->add_checks() = std::move(check);
      }
    }
    for (const auto& [ref, rec] : sample_records_) {
      v1::SampledSource* s = event->add_sources();
      s->set_source_object(ref.first);
      s->set_source_key(ref.second);
      s->set_fields_json(record::CanonicalJson(rec.fields()));
      const std::string* why = sample_->Reason(ref);
      if (why != nullptr) s->set_reason(*why);
    }
    sample_records_.clear();
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
  int batch_size_ = kDefaultBatchSize;
  // The budget pause last noticed (Unix ms of its end).
  int64_t noticed_pause_ = 0;
  // Batches the lanes' threads have finished (WaitAny waits for a change).
  absl::Mutex lanes_mu_;
  int64_t lanes_finished_ ABSL_GUARDED_BY(lanes_mu_) = 0;
  // The threads batches in flight are sent on: one per lane busy at once,
  // reused batch after batch (a thread per batch cost its start and end).
  ThreadCache lane_threads_;
  int64_t requests_ = 0;
  bool prepared_ = false;
  // Dry runs: what each target object's records would become, and the
  // records that would load, per source object.
  std::map<std::string, v1::DryRunCount> dry_counts_;
  absl::flat_hash_map<std::string, std::set<std::string>> dry_loaded_;
  // Sample runs: the choice, and the object being processed's sampled
  // source records and the target records sent for them.
  std::optional<SampleSelector> sample_;
  std::map<RecordRef, v1::Record> sample_records_;
  std::vector<std::pair<const ObjectRoute*, v1::TargetRecord>> sample_sent_;
  std::vector<v1::ObjectProgress> objects_;
  // The many-to-one routes whose related records were read, and which
  // record each chose per referenced key (PickId; routes with `all` choose
  // every record and keep nothing). 16 bytes a choice: a million patients'
  // attributes and insurance no longer hold their keys twice.
  absl::flat_hash_set<const ObjectRoute*> picked_routes_;
  absl::flat_hash_set<absl::uint128> picked_;
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
