#include "tools/bridgework/explain.h"

#include <chrono>
#include <limits>
#include <optional>
#include <set>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bridgework/v1/loader.grpc.pb.h"
#include "bridgework/v1/transformer.grpc.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/common/grpc_status.h"
#include "libs/common/server.h"
#include "libs/common/status_macros.h"
#include "libs/mapping/map.h"
#include "libs/record/value.h"
#include "tools/bridgework/audit_export.h"
#include "tools/bridgework/extractor_access.h"

namespace bridgework::cli {
namespace {

using nlohmann::json;

// The run's source, destination and map hash, from its config_json.
struct RunSettings {
  v1::SourceConfig source;
  v1::DestinationConfig destination;
  std::string map_hash;
  std::string phone_region = "US";
  // The PHI policies the run recorded (docs/phi.md), or null.
  json phi;
};

absl::StatusOr<RunSettings> SettingsOf(const v1::RunInfo& run) {
  json cfg = json::parse(run.config_json(), nullptr, false);
  RunSettings s;
  if (!cfg.is_object() || !cfg.contains("source") ||
      !cfg.contains("destination") ||
      !google::protobuf::util::JsonStringToMessage(cfg["source"].dump(),
                                                   &s.source)
           .ok() ||
      !google::protobuf::util::JsonStringToMessage(cfg["destination"].dump(),
                                                   &s.destination)
           .ok()) {
    return absl::DataLossError(absl::StrCat(
        "run ", run.run_id(), " has no readable source and destination"));
  }
  s.map_hash = cfg.value("map_hash", "");
  s.phone_region = cfg.value("phone_region", "US");
  if (cfg.contains("phi")) s.phi = cfg["phi"];
  return s;
}

json FieldsJson(const google::protobuf::Map<std::string, v1::Value>& fields) {
  json out = json::object();
  for (const auto& [k, v] : fields) out[k] = record::ValueToJson(v);
  return out;
}

json LocationJson(const v1::SourceLocation& at) {
  return {{"file", at.file()}, {"line", at.line()}};
}

json RejectionJson(const v1::Rejection& r) {
  return {{"source_key", r.source_key()},
          {"location", LocationJson(r.location())},
          {"field", r.field()},
          {"reason", r.reason()},
          {"stage", r.stage()}};
}

json TargetJson(const v1::TargetRecord& t) {
  json lookups = json::array();
  for (const auto& l : t.lookups()) {
    lookups.push_back({{"target_field", l.target_field()},
                       {"source_object", l.source_object()},
                       {"source_key", l.source_key()},
                       {"target_object", l.target_object()}});
  }
  return {{"target_object", t.target_object()},
          {"external_key", t.external_key()},
          {"owner_email", t.owner_email()},
          {"fields", FieldsJson(t.fields())},
          {"custom_fields", FieldsJson(t.custom_fields())},
          {"lookups", lookups}};
}

// The key a record or an unreadable row is known by in the ledger.
std::string SourceId(const std::string& key, const v1::SourceLocation& at) {
  return key.empty() ? absl::StrCat("@", at.file(), ":", at.line()) : key;
}

// Finds `key` in `object`: the record, or the unreadable row.
struct Found {
  std::optional<v1::Record> record;
  std::optional<v1::Rejection> rejection;
};
absl::StatusOr<Found> FindInSource(ExtractorAccess& access,
                                   const v1::SourceConfig& source,
                                   const std::string& object,
                                   const std::string& key) {
  Found found;
  BW_RETURN_IF_ERROR(
      access.Read(source, object, [&](const v1::RecordBatch& batch) {
        for (const v1::Record& r : batch.records()) {
          if (r.source_key() == key) found.record = r;
        }
        for (const v1::Rejection& r : batch.rejections()) {
          if (SourceId(r.source_key(), r.location()) == key)
            found.rejection = r;
        }
        return !found.record && !found.rejection;
      }));
  return found;
}

// The disposition of the key in the run: its rejection in the run's
// report, else what its operations did, else what the id map says.
json DispositionOf(AuditorClient& auditor, const std::string& run_id,
                   const std::string& object, const std::string& key,
                   const std::vector<v1::Operation>& ops, const json& crm_ids) {
  v1::GetReportRequest rr;
  rr.set_run_id(run_id);
  rr.set_max_rejections(std::numeric_limits<int32_t>::max());
  absl::StatusOr<v1::RunReport> report = auditor.GetReport(rr);
  if (report.ok()) {
    for (const auto& o : report->objects()) {
      if (o.source_object() != object) continue;
      for (const auto& r : o.rejections()) {
        if (SourceId(r.source_key(), r.location()) != key) continue;
        const bool skipped = r.stage() == "map" || r.stage() == "delta";
        return {{"status", skipped ? "skipped" : "quarantined"},
                {"stage", r.stage()},
                {"reason", r.reason()},
                {"field", r.field()}};
      }
    }
  }
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    const v1::Operation& op = *it;
    if (op.kind() == v1::OP_KIND_LINK || op.kind() == v1::OP_KIND_DELETE)
      continue;
    std::string action = op.kind() == v1::OP_KIND_CREATE   ? "created"
                         : op.kind() == v1::OP_KIND_UPDATE ? "updated"
                                                           : "matched";
    if (op.state() == v1::OP_STATE_ADOPTED) action = "adopted";
    if (op.state() == v1::OP_STATE_INTENT) {
      return {{"status", "pending"},
              {"reason",
               "an intent without an outcome: the run stopped "
               "before the CRM answered"},
              {"target_object", op.target_object()}};
    }
    if (op.state() == v1::OP_STATE_FAILED) {
      return {{"status", "quarantined"},
              {"stage", "load"},
              {"reason", op.error()},
              {"target_object", op.target_object()}};
    }
    return {{"status", "loaded"},
            {"action", action},
            {"target_object", op.target_object()},
            {"crm_id", op.crm_id()}};
  }
  for (const json& m : crm_ids) {
    return {{"status", "loaded"},
            {"action", "unchanged"},
            {"reason", absl::StrCat("no write in this run; written by run ",
                                    m.value("run_id", ""))},
            {"target_object", m.at("target_object")},
            {"crm_id", m.at("crm_id")}};
  }
  return {{"status", "unknown"},
          {"reason",
           "the run recorded nothing for this record (it may have "
           "been merged onto another record)"}};
}

json DiffJson(const v1::ReadBackResponse& resp) {
  json out = json::array();
  for (const v1::RecordCheck& c : resp.records()) {
    json fields = json::array();
    for (const v1::FieldCheck& f : c.fields()) {
      fields.push_back({{"section", f.section()},
                        {"field", f.field()},
                        {"expected", json::parse(f.expected(), nullptr, false)},
                        {"actual", json::parse(f.actual(), nullptr, false)},
                        {"match", f.match()}});
    }
    out.push_back(
        {{"target_object", c.target_object()},
         {"crm_id", c.crm_id()},
         {"found", c.found()},
         {"owner_id", c.owner_id()},
         {"fields", fields},
         {"raw",
          c.raw().empty() ? json() : json::parse(c.raw(), nullptr, false)}});
  }
  return out;
}

// The source objects the key may belong to: those the run's operations
// name, else every object of the map.
absl::StatusOr<std::string> ObjectOf(const ExplainOptions& options,
                                     const std::vector<v1::Operation>& ops,
                                     const mapping::Map* map,
                                     ExtractorAccess& access,
                                     const v1::SourceConfig& source) {
  if (!options.object.empty()) return options.object;
  std::set<std::string> named;
  for (const auto& op : ops) named.insert(op.source_object());
  if (named.size() == 1) return *named.begin();
  if (named.empty() && map != nullptr) {
    std::set<std::string> objects;
    for (const auto& route : map->objects) objects.insert(route.source);
    for (const std::string& object : objects) {
      BW_ASSIGN_OR_RETURN(
          Found f, FindInSource(access, source, object, options.source_key));
      if (f.record || f.rejection) named.insert(object);
    }
  }
  if (named.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no record with key ", options.source_key, " in run ", options.run_id,
        map == nullptr ? " (give --object, or --config to search the map's "
                         "objects)"
                       : ""));
  }
  if (named.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", options.source_key, " is in several objects (",
                     absl::StrJoin(named, ", "), "): give --object"));
  }
  return *named.begin();
}

}  // namespace

absl::StatusOr<json> Explain(const ExplainOptions& options,
                             const RunConfig* config,
                             const ServiceAddresses& services) {
  if (options.run_id.empty() || options.source_key.empty()) {
    return absl::InvalidArgumentError("explain needs --run and --source-key");
  }
  auto auditor = MakeGrpcAuditorClient(services.auditor);
  absl::StatusOr<v1::RunInfo> run = auditor->GetRun(options.run_id);
  if (absl::IsNotFound(run.status())) {
    return absl::NotFoundError(
        absl::StrCat("explain: the ledger has no run ", options.run_id,
                     " (`bridgework status` lists the runs)"));
  }
  BW_RETURN_IF_ERROR(run.status());
  BW_ASSIGN_OR_RETURN(RunSettings settings, SettingsOf(*run));
  json notes = json::array();
  std::optional<mapping::Map> map;
  if (config != nullptr) {
    BW_ASSIGN_OR_RETURN(map,
                        mapping::ParseMap(config->map_yaml, config->map_path));
    if (!settings.map_hash.empty() && map->hash != settings.map_hash) {
      notes.push_back(absl::StrCat(
          "the config's map (sha256 ", map->hash.substr(0, 12),
          ") is not the one the run used (", settings.map_hash.substr(0, 12),
          "): the transformed record is the config's map's"));
    }
  }

  // The run's operations for the key.
  std::vector<v1::Operation> ops;
  v1::ListOperationsRequest list;
  list.set_run_id(options.run_id);
  BW_RETURN_IF_ERROR(
      auditor->ListOperations(list, [&](const v1::Operation& op) {
        if (op.source_key() == options.source_key &&
            (options.object.empty() || op.source_object() == options.object)) {
          ops.push_back(op);
        }
        return true;
      }));

  ServiceAddresses extractor_only;
  extractor_only.extractor = services.extractor;
  BW_ASSIGN_OR_RETURN(ExtractorAccess access,
                      ExtractorAccess::Reach("", extractor_only, ""));
  BW_ASSIGN_OR_RETURN(
      std::string object,
      ObjectOf(options, ops, map ? &*map : nullptr, access, settings.source));
  BW_ASSIGN_OR_RETURN(Found found, FindInSource(access, settings.source, object,
                                                options.source_key));

  json out = {{"run",
               {{"id", run->run_id()},
                {"kind", v1::RunKind_Name(run->kind())},
                {"state", v1::RunState_Name(run->state())},
                {"account", run->account()}}},
              {"source_object", object},
              {"source_key", options.source_key}};
  json source = {{"found", found.record.has_value()}};
  if (found.record) {
    source["fields"] = FieldsJson(found.record->fields());
    source["location"] = LocationJson(found.record->location());
  }
  if (found.rejection) source["rejection"] = RejectionJson(*found.rejection);
  if (!found.record && !found.rejection) {
    notes.push_back("the source no longer has this record");
  }
  out["source"] = source;

  // The PHI policies the run recorded for the object's routes (every
  // route's when the map is not given). Names, never values.
  json phi = json::array();
  if (settings.phi.is_object()) {
    for (const json& f : settings.phi.value("fields", json::array())) {
      bool ours = !map;
      for (const mapping::ObjectRoute* r :
           map ? map->RoutesOf(object)
               : std::vector<const mapping::ObjectRoute*>{}) {
        ours = ours || r->id == f.value("route", "");
      }
      if (ours) phi.push_back(f);
    }
  }
  out["phi"] = phi;

  // Transformed by the map.
  std::vector<v1::TargetRecord> targets;
  out["transformed"] = nullptr;
  if (map && found.record) {
    v1::TransformRequest req;
    req.set_map_yaml(config->map_yaml);
    req.set_source_system(settings.source.system());
    req.set_phone_region(settings.phone_region);
    // Hashed with the run's destination account's key.
    *req.mutable_destination() = settings.destination;
    *req.add_records() = *found.record;
    auto transformer =
        v1::Transformer::NewStub(MakeChannel(services.transformer));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::minutes(1));
    v1::TransformResponse resp;
    BW_RETURN_IF_ERROR(
        FromGrpcStatus(transformer->Transform(&ctx, req, &resp)));
    json t = {{"records", json::array()},
              {"rejections", json::array()},
              {"skipped", json::array()}};
    for (const auto& r : resp.records()) {
      t["records"].push_back(TargetJson(r));
      targets.push_back(r);
    }
    for (const auto& r : resp.rejections())
      t["rejections"].push_back(RejectionJson(r));
    for (const auto& r : resp.skipped())
      t["skipped"].push_back(RejectionJson(r));
    out["transformed"] = std::move(t);
  } else if (!map) {
    notes.push_back("give --config to see the record as the map transforms it");
  }

  json ops_json = json::array();
  for (const auto& op : ops)
    ops_json.push_back(json::parse(AuditRecord(op).dump()));
  out["operations"] = ops_json;

  // The CRM ids the id map holds for the key, per target object.
  std::set<std::string> target_objects;
  for (const auto& t : targets) target_objects.insert(t.target_object());
  for (const auto& op : ops) target_objects.insert(op.target_object());
  if (map) {
    for (const auto* route : map->RoutesOf(object)) {
      if (!route->target.empty()) target_objects.insert(route->target);
    }
  }
  v1::ResolveKeysRequest resolve;
  resolve.set_account(run->account());
  for (const auto& t : target_objects) {
    *resolve.add_keys() = MakeKeyRef(object, options.source_key, t);
  }
  BW_ASSIGN_OR_RETURN(v1::ResolveKeysResponse resolved,
                      auditor->ResolveKeys(resolve));
  json crm_ids = json::array();
  std::vector<v1::KeyRef> mapped;
  for (const auto& k : resolved.keys()) {
    if (k.crm_id().empty()) continue;
    crm_ids.push_back({{"target_object", k.key().target_object()},
                       {"crm_id", k.crm_id()},
                       {"run_id", k.run_id()}});
    mapped.push_back(k.key());
  }
  out["crm_ids"] = crm_ids;
  out["disposition"] = DispositionOf(*auditor, options.run_id, object,
                                     options.source_key, ops, crm_ids);

  // What the CRM holds now, field by field: against the record as the map
  // transforms it, and against what the ledger says was last written (a
  // list's merged members, fields a policy kept).
  auto read_back = [&](bool against_written) -> absl::StatusOr<json> {
    v1::ReadBackRequest rb;
    *rb.mutable_destination() = settings.destination;
    rb.set_include_raw(true);
    rb.set_against_written(against_written);
    if (against_written) {
      for (const auto& m : mapped) {
        v1::TargetRecord* r = rb.add_records();
        r->set_source_object(m.source_object());
        r->set_source_key(m.source_key());
        r->set_target_object(m.target_object());
      }
    } else {
      for (const auto& t : targets) *rb.add_records() = t;
    }
    if (rb.records_size() == 0) return json::array();
    auto loader = v1::Loader::NewStub(MakeChannel(services.loader));
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::minutes(5));
    v1::ReadBackResponse resp;
    BW_RETURN_IF_ERROR(FromGrpcStatus(loader->ReadBack(&ctx, rb, &resp)));
    return DiffJson(resp);
  };
  BW_ASSIGN_OR_RETURN(out["diff"], read_back(false));
  BW_ASSIGN_OR_RETURN(out["written_diff"], read_back(true));
  out["notes"] = notes;
  return out;
}

namespace {

std::string ValueText(const json& v) {
  if (v.is_null()) return "(empty)";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void AppendFields(std::string* out, const json& fields,
                  const char* indent = "  ") {
  if (!fields.is_object()) return;
  for (const auto& [k, v] : fields.items())
    absl::StrAppend(out, indent, k, ": ", ValueText(v), "\n");
}

}  // namespace

std::string ExplainText(const json& e) {
  std::string out;
  const json& run = e["run"];
  absl::StrAppend(&out, e.value("source_object", ""), " ",
                  e.value("source_key", ""), " in run ", run.value("id", ""),
                  " (", run.value("kind", ""), ", ", run.value("state", ""),
                  ", account ", run.value("account", ""), ")\n");

  absl::StrAppend(&out, "\n== Source\n");
  const json& source = e["source"];
  if (source.value("found", false)) {
    const json& at = source["location"];
    if (!at.value("file", "").empty()) {
      absl::StrAppend(&out, "  (", at.value("file", ""), ":",
                      at.value("line", 0), ")\n");
    }
    AppendFields(&out, source["fields"]);
  } else if (source.contains("rejection")) {
    const json& r = source["rejection"];
    absl::StrAppend(&out, "  unreadable row ", r["location"].value("file", ""),
                    ":", r["location"].value("line", 0), ": ",
                    r.value("reason", ""), "\n");
  } else {
    absl::StrAppend(&out, "  not in the source\n");
  }

  if (e.contains("phi") && !e["phi"].empty()) {
    absl::StrAppend(&out, "\n== PHI policy (recorded with the run)\n");
    for (const json& f : e["phi"]) {
      absl::StrAppend(&out, "  ", f.value("route", ""), ".", f.value("to", ""),
                      ": ", f.value("policy", ""));
      if (f.contains("note_field"))
        absl::StrAppend(&out, " (into ", f.value("note_field", ""), ")");
      absl::StrAppend(&out, "\n");
    }
  }

  absl::StrAppend(&out, "\n== Transformed\n");
  const json& t = e["transformed"];
  if (!t.is_object()) {
    absl::StrAppend(&out, "  (not available)\n");
  } else {
    for (const json& r : t["records"]) {
      absl::StrAppend(&out, "  -> ", r.value("target_object", ""),
                      " (external key ", r.value("external_key", ""), ")\n");
      AppendFields(&out, r["fields"], "    ");
      AppendFields(&out, r["custom_fields"], "    ");
      for (const json& l : r["lookups"]) {
        absl::StrAppend(&out, "    ", l.value("target_field", ""), " -> ",
                        l.value("source_object", ""), " ",
                        l.value("source_key", ""), "\n");
      }
    }
    for (const char* kind : {"rejections", "skipped"}) {
      for (const json& r : t[kind]) {
        absl::StrAppend(&out, "  ", kind, ": ", r.value("field", ""), " ",
                        r.value("reason", ""), "\n");
      }
    }
  }

  absl::StrAppend(&out, "\n== Ledger operations in run ", run.value("id", ""),
                  "\n");
  if (e["operations"].empty()) absl::StrAppend(&out, "  (none)\n");
  for (const json& op : e["operations"]) {
    absl::StrAppend(
        &out, "  #", op.value("seq", int64_t{0}), " ", op.value("kind", ""),
        " ", op.value("target_object", ""), " ", op.value("state", ""),
        "  intent ", op.value("intent_at", ""), "  outcome ",
        op.value("outcome_at", ""), "  crm id ", op.value("crm_id", ""),
        "  http ", op.value("http_status", 0));
    if (!op.value("error", "").empty())
      absl::StrAppend(&out, "  error: ", op.value("error", ""));
    absl::StrAppend(&out, "\n");
  }

  absl::StrAppend(&out, "\n== CRM ids (id map)\n");
  if (e["crm_ids"].empty()) absl::StrAppend(&out, "  (none)\n");
  for (const json& m : e["crm_ids"]) {
    absl::StrAppend(&out, "  ", m.value("target_object", ""), " ",
                    m.value("crm_id", ""), " (written by run ",
                    m.value("run_id", ""), ")\n");
  }

  const json& d = e["disposition"];
  absl::StrAppend(&out, "\n== Disposition\n  ", d.value("status", ""));
  for (const char* k :
       {"action", "stage", "field", "reason", "target_object", "crm_id"}) {
    if (d.contains(k) && !d.value(k, "").empty())
      absl::StrAppend(&out, "  ", k, ": ", d.value(k, ""));
  }
  absl::StrAppend(&out, "\n");

  for (const auto& [key, title] :
       {std::pair<const char*, const char*>{
            "diff", "In the CRM now, against the transformed record"},
        {"written_diff",
         "In the CRM now, against what Bridgework last wrote"}}) {
    absl::StrAppend(&out, "\n== ", title, "\n");
    if (!e.contains(key) || e[key].empty())
      absl::StrAppend(&out, "  (nothing to read back)\n");
    if (!e.contains(key)) continue;
    for (const json& c : e[key]) {
      absl::StrAppend(&out, "  ", c.value("target_object", ""), " ",
                      c.value("crm_id", ""),
                      c.value("found", false) ? "" : ": NOT FOUND", "\n");
      for (const json& f : c["fields"]) {
        absl::StrAppend(&out, "    ", f.value("match", false) ? "  " : "! ",
                        f.value("section", ""), ".", f.value("field", ""),
                        ": expected ", ValueText(f["expected"]), ", CRM ",
                        ValueText(f["actual"]), "\n");
      }
    }
  }
  for (const json& n : e["notes"]) {
    absl::StrAppend(&out, "\nnote: ", n.get<std::string>(), "\n");
  }
  return out;
}

}  // namespace bridgework::cli
