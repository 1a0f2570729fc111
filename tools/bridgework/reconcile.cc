#include "tools/bridgework/reconcile.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bridgework/v1/loader.grpc.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/common/grpc_status.h"
#include "libs/common/server.h"
#include "libs/common/status_macros.h"
#include "libs/crm/projection.h"
#include "libs/crm/wire_util.h"
#include "libs/report/reconcile_page.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework::cli {
namespace {

using mapping::ObjectRoute;
using nlohmann::json;

// How a source record is named: its key, or "@<file>:<line>" for a row
// whose key could not be read (as the transformer names its disposition).
std::string SourceId(const std::string& key, const v1::SourceLocation& at) {
  if (!key.empty()) return key;
  return absl::StrCat("@", at.file(), ":", at.line());
}

// Skipped records are listed with stage "map" (a map rule) or "delta"
// (edited in the CRM since); every other stage is a quarantine.
bool IsSkip(const v1::Rejection& r) {
  return r.stage() == "map" || r.stage() == "delta";
}

json RateOf(int64_t of, int64_t hit) {
  return of > 0 ? json(static_cast<double>(hit) / static_cast<double>(of))
                : json();
}

// At most `max` of `names`, for a list that also says how many there are.
json Listed(const std::vector<std::string>& names, int max) {
  json out = json::array();
  for (const auto& n : names) {
    if (static_cast<int>(out.size()) >= max) break;
    out.push_back(n);
  }
  return out;
}

std::string Joined(const std::vector<std::string>& names, size_t max = 10) {
  std::vector<std::string> head(names.begin(),
                                names.begin() + std::min(max, names.size()));
  std::string out = absl::StrJoin(head, ", ");
  if (names.size() > max) absl::StrAppend(&out, ", ...");
  return out;
}

}  // namespace

ReconcileTally::ReconcileTally(const mapping::Map& map, int max_listed)
    : max_listed_(std::max(1, max_listed)) {
  // The targets each source object's own routes write.
  std::map<std::string, std::vector<std::string>> targets_of;
  for (const ObjectRoute& route : map.objects) {
    if (route.kind == ObjectRoute::Kind::kLoad && !route.into)
      targets_of[route.source].push_back(route.target);
  }
  for (const ObjectRoute& route : map.objects) {
    const std::vector<const ObjectRoute*> routes = map.RoutesOf(route.source);
    if (routes.front() != &route) continue;  // once per source object
    if (route.kind != ObjectRoute::Kind::kLoad) continue;
    objects_.push_back(route.source);
    bool into_only = true;
    for (const ObjectRoute* r : routes) into_only = into_only && r->into;
    tallies_[route.source].into_only = into_only;
  }
  for (const ObjectRoute& route : map.objects) {
    if (route.kind != ObjectRoute::Kind::kLoad) continue;
    // A many-to-one route's lookups land on the record it writes onto.
    const std::vector<std::string>& targets =
        route.into ? targets_of[route.into->object]
                   : std::vector<std::string>{route.target};
    for (const std::string& target : targets) {
      for (const auto& lookup : route.lookups) {
        parent_of_[absl::StrCat(target, ".", lookup.to)] = lookup.target;
      }
    }
  }
}

void ReconcileTally::AddSource(const std::string& object,
                               const std::string& id) {
  tallies_[object].source_ids.insert(id);
}

void ReconcileTally::AddRun(const v1::RunInfo& run,
                            const v1::RunReport& report) {
  runs_.push_back(run.run_id());
  const bool full = run.kind() == v1::RUN_KIND_MIGRATE &&
                    run.state() == v1::RUN_STATE_SUCCEEDED;
  for (const v1::ObjectReport& o : report.objects()) {
    auto it = tallies_.find(o.source_object());
    if (it == tallies_.end()) continue;  // not a loaded object
    ObjectTally& t = it->second;
    if (full) {
      // A whole migration saw every record of the object: what earlier
      // runs said of it no longer counts.
      t.rejected.clear();
      t.merged = t.into_only ? o.loaded() : 0;
    }
    for (const v1::Rejection& r : o.rejections()) {
      t.rejected[SourceId(r.source_key(), r.location())] = {IsSkip(r), r,
                                                            run.run_id()};
    }
  }
}

void ReconcileTally::AddMapped(const v1::ResolvedKey& entry) {
  const v1::KeyRef& k = entry.key();
  if (!tallies_.count(k.source_object())) {
    // Mapped by an earlier map: still reconciled, and named.
    objects_.push_back(k.source_object());
  }
  tallies_[k.source_object()].mapped_keys.insert(k.source_key());
  mapped_ids_[k.target_object()].insert(entry.crm_id());
}

void ReconcileTally::Fail(std::string line) {
  failures_.push_back(std::move(line));
}

void ReconcileTally::AddCheck(const v1::RecordCheck& check) {
  ObjectTally& t = tallies_[check.source_object()];
  if (!check.found()) {
    t.missing_keys.insert(check.source_key());
    missing_ids_[check.target_object()].insert(check.crm_id());
    if (static_cast<int>(missing_.size()) < max_listed_) {
      missing_.push_back({{"source_object", check.source_object()},
                          {"source_key", check.source_key()},
                          {"target_object", check.target_object()},
                          {"crm_id", check.crm_id()}});
    }
    Fail(absl::StrCat(check.source_object(), " ", check.source_key(),
                      ": the ledger maps it to ", check.target_object(), " ",
                      check.crm_id(), ", which is not in the CRM"));
    return;
  }
  if (check.owned()) {
    Rate& r = owners_[check.target_object()];
    ++r.of;
    r.hit += check.owner_id().empty() ? 0 : 1;
  }
  std::vector<std::string> drifted;
  for (const v1::FieldCheck& f : check.fields()) {
    if (f.section() == "lookups") {
      std::vector<std::string> ids =
          crm::IdTexts(json::parse(f.expected(), nullptr, false));
      if (ids.empty()) continue;
      links_[absl::StrCat(check.target_object(), ".", f.field())].push_back(
          {check.source_object(), check.source_key(), check.crm_id(),
           std::move(ids), f.match()});
      continue;
    }
    if (!f.match())
      drifted.push_back(absl::StrCat(f.section(), ".", f.field()));
    if (f.section() != "custom_fields") continue;
    if (crm::IsBlank(json::parse(f.expected(), nullptr, false))) continue;
    Rate& r = fill_[check.target_object()];
    ++r.of;
    r.hit += crm::IsBlank(json::parse(f.actual(), nullptr, false)) ? 0 : 1;
  }
  if (drifted.empty()) return;
  ++drift_records_;
  if (static_cast<int>(drift_.size()) < max_listed_) {
    drift_.push_back({{"source_object", check.source_object()},
                      {"source_key", check.source_key()},
                      {"target_object", check.target_object()},
                      {"crm_id", check.crm_id()},
                      {"fields", drifted}});
  }
}

json ReconcileTally::ObjectsJson() {
  json out = json::array();
  for (const std::string& name : objects_) {
    ObjectTally& t = tallies_[name];
    int64_t mapped = 0, quarantined = 0, skipped = 0;
    std::vector<std::string> unaccounted, not_in_source;
    for (const std::string& id : t.source_ids) {
      auto rejected = t.rejected.find(id);
      if (t.mapped_keys.count(id)) {
        ++mapped;
      } else if (rejected != t.rejected.end()) {
        ++(rejected->second.skipped ? skipped : quarantined);
      } else {
        unaccounted.push_back(id);
      }
    }
    for (const std::string& key : t.mapped_keys) {
      if (!t.source_ids.count(key)) not_in_source.push_back(key);
    }
    // Records written onto another object's records have no id-map entry
    // of their own: the latest migration's count stands for them.
    const int64_t merged = t.into_only ? t.merged : 0;
    const bool merged_all =
        static_cast<int64_t>(unaccounted.size()) == merged && merged > 0;
    if (merged_all) unaccounted.clear();
    const bool balanced = unaccounted.empty() && not_in_source.empty();
    if (!unaccounted.empty()) {
      Fail(absl::StrCat(
          name, ": ", unaccounted.size(),
          " source record(s) neither mapped, quarantined nor "
          "skipped",
          merged > 0 ? absl::StrCat(" (", merged, " were merged onto others)")
                     : "",
          ": ", Joined(unaccounted)));
    }
    if (!not_in_source.empty()) {
      Fail(absl::StrCat(name, ": ", not_in_source.size(),
                        " mapped record(s) no longer in the source: ",
                        Joined(not_in_source)));
    }
    out.push_back({{"source_object", name},
                   {"source", t.source_ids.size()},
                   {"ledger", t.mapped_keys.size()},
                   {"crm", t.mapped_keys.size() - t.missing_keys.size()},
                   {"mapped", mapped},
                   {"merged", merged},
                   {"quarantined", quarantined},
                   {"skipped", skipped},
                   {"missing_in_crm", t.missing_keys.size()},
                   {"unaccounted", Listed(unaccounted, max_listed_)},
                   {"unaccounted_count", unaccounted.size()},
                   {"not_in_source", Listed(not_in_source, max_listed_)},
                   {"not_in_source_count", not_in_source.size()},
                   {"balanced", balanced}});
  }
  return out;
}

json ReconcileTally::RelationshipsJson() {
  json out = json::array();
  for (const auto& [kind, links] : links_) {
    auto parent_it = parent_of_.find(kind);
    const std::string parent =
        parent_it == parent_of_.end() ? "" : parent_it->second;
    // Whether `id` is a CRM id the id map holds (for the parent object, or
    // any object when the map does not say), and whether it was found.
    auto in = [&](const std::map<std::string, std::set<std::string>>& ids,
                  const std::string& id) {
      if (!parent.empty()) {
        auto it = ids.find(parent);
        return it != ids.end() && it->second.count(id) > 0;
      }
      for (const auto& [target, set] : ids) {
        if (set.count(id)) return true;
      }
      return false;
    };
    const std::string field = kind.substr(kind.find('.') + 1);
    int64_t intact = 0;
    json broken = json::array();
    for (const Link& l : links) {
      std::string reason;
      if (!l.match) {
        reason = absl::StrCat("the CRM's ", field,
                              " no longer holds what Bridgework wrote");
      }
      for (const std::string& id : l.expected) {
        if (!reason.empty()) break;
        if (!in(mapped_ids_, id)) {
          reason =
              absl::StrCat("points at ", parent.empty() ? "record" : parent,
                           " ", id, ", which the id map no longer holds");
        } else if (in(missing_ids_, id)) {
          reason = absl::StrCat("its ", parent.empty() ? "parent" : parent, " ",
                                id, " is not in the CRM");
        }
      }
      if (reason.empty()) {
        ++intact;
        continue;
      }
      Fail(absl::StrCat(kind, ": ", l.source_object, " ", l.source_key, " (",
                        kind.substr(0, kind.find('.')), " ", l.crm_id,
                        "): ", reason));
      if (static_cast<int>(broken.size()) < max_listed_) {
        broken.push_back({{"source_object", l.source_object},
                          {"source_key", l.source_key},
                          {"crm_id", l.crm_id},
                          {"reason", reason}});
      }
    }
    const int64_t checked = static_cast<int64_t>(links.size());
    out.push_back({{"relationship", kind},
                   {"parent", parent},
                   {"checked", checked},
                   {"intact", intact},
                   {"broken", checked - intact},
                   {"broken_records", broken}});
  }
  return out;
}

json ReconcileTally::RejectedJson(bool skipped) {
  json out = json::array();
  for (const std::string& name : objects_) {
    const ObjectTally& t = tallies_[name];
    int listed = 0;
    for (const auto& [id, r] : t.rejected) {
      if (r.skipped != skipped || t.mapped_keys.count(id) ||
          !t.source_ids.count(id) || listed >= max_listed_) {
        continue;
      }
      ++listed;
      out.push_back({{"source_object", name},
                     {"source_key", r.rejection.source_key()},
                     {"file", r.rejection.location().file()},
                     {"line", r.rejection.location().line()},
                     {"field", r.rejection.field()},
                     {"reason", r.rejection.reason()},
                     {"stage", r.rejection.stage()},
                     {"run_id", r.run_id}});
    }
  }
  return out;
}

json ReconcileTally::RatesJson(const std::map<std::string, Rate>& rates,
                               const char* of, const char* hit) {
  json by_object = json::array();
  int64_t all_of = 0, all_hit = 0;
  for (const auto& [target, r] : rates) {
    by_object.push_back({{"target_object", target},
                         {of, r.of},
                         {hit, r.hit},
                         {"rate", RateOf(r.of, r.hit)}});
    all_of += r.of;
    all_hit += r.hit;
  }
  return {{"by_object", by_object},
          {of, all_of},
          {hit, all_hit},
          {"rate", RateOf(all_of, all_hit)}};
}

json ReconcileTally::Finish() {
  json objects = ObjectsJson();
  json relationships = RelationshipsJson();
  pass_ = failures_.empty();
  return {{"pass", pass_},
          {"objects", objects},
          {"relationships", relationships},
          {"fill_rate", RatesJson(fill_, "written", "filled")},
          {"owner_rate", RatesJson(owners_, "read_back", "owned")},
          {"quarantined", RejectedJson(false)},
          {"skipped", RejectedJson(true)},
          {"drift", drift_},
          {"drift_records", drift_records_},
          {"missing", missing_},
          {"failures", Listed(failures_, max_listed_)},
          {"failure_count", failures_.size()},
          {"runs", runs_}};
}

namespace {

// Reads every id-map entry back through the loader, `batch` records per
// call, into `tally`; progress on stderr.
absl::Status ReadBackAll(const RunConfig& config,
                         const ServiceAddresses& services,
                         const std::vector<v1::KeyRef>& keys, int batch,
                         ReconcileTally* tally) {
  auto loader = v1::Loader::NewStub(MakeChannel(services.loader));
  batch = std::max(1, batch);
  auto last_note = std::chrono::steady_clock::now();
  for (size_t at = 0; at < keys.size(); at += static_cast<size_t>(batch)) {
    v1::ReadBackRequest req;
    *req.mutable_destination() = config.destination;
    req.set_against_written(true);
    for (size_t i = at; i < keys.size() && i < at + batch; ++i) {
      v1::TargetRecord* r = req.add_records();
      r->set_source_object(keys[i].source_object());
      r->set_source_key(keys[i].source_key());
      r->set_target_object(keys[i].target_object());
    }
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    // Paced by the loader's budget: a batch may take minutes on a slow
    // plan.
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::hours(1));
    v1::ReadBackResponse resp;
    BW_RETURN_IF_ERROR(FromGrpcStatus(loader->ReadBack(&ctx, req, &resp)));
    for (const v1::RecordCheck& c : resp.records()) tally->AddCheck(c);
    const size_t done = std::min(keys.size(), at + batch);
    auto now = std::chrono::steady_clock::now();
    if (done == keys.size() || now - last_note > std::chrono::seconds(5)) {
      std::fprintf(stderr, "reconcile: read back %zu of %zu records\n", done,
                   keys.size());
      last_note = now;
    }
  }
  return absl::OkStatus();
}

// Feeds the runs of the account (not rolled back; migrations, samples and
// deltas), oldest first, to `tally`.
absl::Status AddRuns(AuditorClient& auditor, const std::string& account,
                     ReconcileTally* tally) {
  BW_ASSIGN_OR_RETURN(v1::ListRunsResponse runs, auditor.ListRuns(0));
  for (auto it = runs.runs().rbegin(); it != runs.runs().rend(); ++it) {
    const v1::RunInfo& run = *it;
    if (run.account() != account || run.kind() == v1::RUN_KIND_ROLLBACK ||
        run.state() == v1::RUN_STATE_ROLLED_BACK) {
      continue;
    }
    v1::GetReportRequest rr;
    rr.set_run_id(run.run_id());
    rr.set_max_rejections(std::numeric_limits<int32_t>::max());
    BW_ASSIGN_OR_RETURN(v1::RunReport report, auditor.GetReport(rr));
    tally->AddRun(run, report);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ReconcileResult> Reconcile(const RunConfig& config,
                                          const ServiceAddresses& services,
                                          const ReconcileOptions& options) {
  for (const auto& [name, address] :
       {std::pair<const char*, std::string>{"auditor", services.auditor},
        {"extractor", services.extractor},
        {"loader", services.loader}}) {
    BW_RETURN_IF_ERROR(CheckReachable(name, address, 3000));
  }
  BW_ASSIGN_OR_RETURN(mapping::Map map,
                      mapping::ParseMap(config.map_yaml, config.map_path));
  const std::string& account = config.destination.account();
  ReconcileTally tally(map, options.max_listed);
  auto auditor = MakeGrpcAuditorClient(services.auditor);
  BW_RETURN_IF_ERROR(AddRuns(*auditor, account, &tally));

  // The source, object by object: keys only.
  ServiceAddresses extractor_only;
  extractor_only.extractor = services.extractor;
  BW_ASSIGN_OR_RETURN(ExtractorAccess access,
                      ExtractorAccess::Reach("", extractor_only, ""));
  const std::vector<std::string> objects = tally.objects();
  for (const std::string& object : objects) {
    BW_RETURN_IF_ERROR(
        access.Read(config.source, object, [&](const v1::RecordBatch& batch) {
          for (const v1::Record& r : batch.records())
            tally.AddSource(object, r.source_key());
          for (const v1::Rejection& r : batch.rejections())
            tally.AddSource(object, SourceId(r.source_key(), r.location()));
          return true;
        }));
  }

  // The id map, then every mapped record read back.
  std::vector<v1::KeyRef> keys;
  v1::ListMappedRequest list;
  list.set_account(account);
  // The ids alone: the read-back gets what was written with each batch.
  list.set_without_written(true);
  BW_RETURN_IF_ERROR(
      auditor->ListMapped(list, [&](const v1::ResolvedKey& entry) {
        tally.AddMapped(entry);
        keys.push_back(entry.key());
        return true;
      }));
  std::fprintf(stderr, "reconcile: %zu records mapped in account %s\n",
               keys.size(), account.c_str());
  BW_RETURN_IF_ERROR(
      ReadBackAll(config, services, keys, options.batch_size, &tally));

  ReconcileResult result;
  result.report = {
      {"schema", "bridgework.reconcile/v1"},
      {"generated_at", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(),
                                        absl::UTCTimeZone())},
      {"destination",
       {{"crm", config.destination.crm()},
        {"account", account},
        {"plan", config.destination.plan()}}},
      {"map_hash", map.hash},
      {"reconcile", tally.Finish()}};
  result.pass = tally.pass();
  if (!options.report_dir.empty()) {
    BW_RETURN_IF_ERROR(
        report::WriteReconcileFiles(options.report_dir, result.report));
  }
  if (!options.report_json.empty()) {
    std::ofstream out(options.report_json);
    if (!out) {
      return absl::UnavailableError(
          absl::StrCat("cannot write ", options.report_json));
    }
    out << result.report.dump(2) << "\n";
  }
  return result;
}

}  // namespace bridgework::cli
