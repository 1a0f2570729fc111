#include "tools/bridgework/controller.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bridgework/v1/extractor.grpc.pb.h"
#include "bridgework/v1/loader.grpc.pb.h"
#include "bridgework/v1/transformer.grpc.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/common/grpc_status.h"
#include "libs/common/log.h"
#include "libs/common/server.h"
#include "libs/common/status_macros.h"
#include "libs/crm/connector_registry.h"
#include "libs/mapping/map.h"
#include "libs/record/value.h"
#include "libs/report/report.h"
#include "libs/report/timeline.h"
#include "libs/workflows/writers.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/supervisor.h"
#include "tools/bridgework/workflow_export.h"

namespace bridgework::cli {
namespace {

bool Retryable(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsAborted(s) ||
         absl::IsResourceExhausted(s) || absl::IsDeadlineExceeded(s) ||
         absl::IsCancelled(s) || absl::IsUnknown(s) || absl::IsInternal(s);
}

// One status line, rewritten in place on a terminal.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) != 0) {}
  void Update(const v1::RunEvent& e) {
    const auto& p = e.progress();
    std::string line = absl::StrFormat(
        "%-22s extracted %6d  loaded %6d  quarantined %4d  skipped %4d  "
        "requests %6d",
        e.phase(), p.extracted(), p.loaded(), p.quarantined(), p.skipped(),
        e.requests());
    auto now = std::chrono::steady_clock::now();
    if (tty_) {
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
      if (p.done()) std::fprintf(stderr, "\n");
    } else if (p.done() || now - last_ > std::chrono::seconds(5)) {
      std::fprintf(stderr, "%s\n", line.c_str());
      last_ = now;
    }
    // Problems of the object's source as a whole (an empty file), once.
    if (!p.done()) return;
    for (const auto& w : p.warnings()) {
      if (w.stage() == "extract") Note(report::RejectionMessage(w));
    }
  }
  void Note(const std::string& text) {
    std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[K" : "", text.c_str());
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
};

// Every object's listed warnings (an empty file; optional fields left out)
// as report entries naming their object, from the run's last event.
nlohmann::json WarningsJson(const v1::RunEvent& finished) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& o : finished.objects()) {
    for (const auto& w : o.warnings()) {
      nlohmann::json entry = report::RejectionToJson(w);
      entry["source_object"] = o.source_object();
      out.push_back(std::move(entry));
    }
  }
  return out;
}

absl::Status WriteReports(const nlohmann::json& report,
                          const MigrateOptions& options) {
  if (!options.report_dir.empty()) {
    BW_RETURN_IF_ERROR(report::WriteReportFiles(options.report_dir, report));
  }
  if (!options.report_json.empty()) {
    std::ofstream out(options.report_json);
    if (!out)
      return absl::InternalError(
          absl::StrCat("cannot write ", options.report_json));
    out << report.dump(2) << "\n";
  }
  return absl::OkStatus();
}

std::string MapHash(const RunConfig& config) {
  nlohmann::json j =
      nlohmann::json::parse(config.canonical_json, nullptr, false);
  return j.is_object() ? j.value("map_hash", "") : "";
}

// The report's extra.phi (docs/phi.md): the map's PHI policies as the run
// recorded them, and the key that hashed (from the run's last event).
// Null when every field migrates.
nlohmann::json PhiReport(const RunConfig& config, const v1::RunEvent& last) {
  nlohmann::json j =
      nlohmann::json::parse(config.canonical_json, nullptr, false);
  if (!j.is_object() || !j.contains("phi")) return nullptr;
  nlohmann::json phi = j["phi"];
  if (!last.phi_key_id().empty()) {
    phi["key_id"] = last.phi_key_id();
    phi["key_default"] = last.phi_key_default();
  }
  return phi;
}

v1::RunKind KindOf(v1::RunMode mode) {
  switch (mode) {
    case v1::RUN_MODE_SAMPLE:
      return v1::RUN_KIND_SAMPLE;
    case v1::RUN_MODE_DELTA:
      return v1::RUN_KIND_DELTA;
    default:
      return v1::RUN_KIND_MIGRATE;
  }
}

const char* ModeName(v1::RunMode mode) {
  switch (mode) {
    case v1::RUN_MODE_SAMPLE:
      return "sample";
    case v1::RUN_MODE_DELTA:
      return "delta";
    default:
      return "migration";
  }
}

// The transformer's request for `config` (no run id yet).
v1::RunRequest NewRunRequest(const RunConfig& config,
                             const MigrateOptions& options,
                             const std::string& map_name) {
  v1::RunRequest request;
  *request.mutable_source() = config.source;
  *request.mutable_destination() = config.destination;
  request.set_map_yaml(config.map_yaml);
  request.set_map_name(map_name);
  request.set_batch_size(config.batch_size);
  request.set_phone_region(config.phone_region);
  request.set_mode(options.mode);
  request.set_sample_size(config.sample_size);
  request.set_sample_seed(config.sample_seed);
  *request.mutable_policy() = config.policy;
  request.mutable_policy()->set_dry_run(options.dry_run);
  return request;
}

// The sample's field-level diff, gathered from the run's events: per
// sampled record read back, per field, the source value, the value
// expected in the CRM and the value found there.
class SampleDiff {
 public:
  void Add(const v1::RunEvent& e) {
    for (const auto& s : e.sources()) {
      sources_[{s.source_object(), s.source_key()}] = s;
    }
    for (const auto& c : e.checks()) checks_.push_back(c);
  }

  int64_t records() const { return static_cast<int64_t>(checks_.size()); }
  int64_t fields_compared() const {
    int64_t n = 0;
    for (const auto& c : checks_) n += c.fields_size();
    return n;
  }
  // Fields that differ, plus records not found in the CRM.
  int64_t mismatches() const {
    int64_t n = 0;
    for (const auto& c : checks_) {
      if (!c.found()) ++n;
      for (const auto& f : c.fields()) n += f.match() || f.kept() ? 0 : 1;
    }
    return n;
  }

  // {"records": [...], "sources": [...], "fields_compared", "mismatches"}.
  // Values are parsed back from their JSON texts where they are JSON.
  nlohmann::json ToJson() const {
    auto value = [](const std::string& text) {
      nlohmann::json v = nlohmann::json::parse(text, nullptr, false);
      return v.is_discarded() ? nlohmann::json(text) : v;
    };
    nlohmann::json records = nlohmann::json::array();
    for (const auto& c : checks_) {
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& f : c.fields()) {
        fields.push_back({{"section", f.section()},
                          {"field", f.field()},
                          {"source", f.source()},
                          {"expected", value(f.expected())},
                          {"actual", value(f.actual())},
                          {"match", f.match()},
                          {"kept", f.kept()}});
      }
      nlohmann::json r = {{"source_object", c.source_object()},
                          {"source_key", c.source_key()},
                          {"target_object", c.target_object()},
                          {"crm_id", c.crm_id()},
                          {"found", c.found()},
                          {"fields", fields}};
      auto s = sources_.find({c.source_object(), c.source_key()});
      if (s != sources_.end()) r["reason"] = s->second.reason();
      records.push_back(std::move(r));
    }
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& [key, s] : sources_) {
      sources.push_back({{"source_object", s.source_object()},
                         {"source_key", s.source_key()},
                         {"reason", s.reason()},
                         {"fields", value(s.fields_json())}});
    }
    return {{"records", records},
            {"sources", sources},
            {"sampled", sources_.size()},
            {"fields_compared", fields_compared()},
            {"mismatches", mismatches()}};
  }

 private:
  std::map<std::pair<std::string, std::string>, v1::SampledSource> sources_;
  std::vector<v1::RecordCheck> checks_;
};

// A dry run: the transformer runs the map and the loader builds and
// validates every request (CrmConnector::PlanWrite) without sending a
// write or recording anything. The report counts what each object's
// records would become and the requests the writes would take.
absl::StatusOr<MigrateResult> DryRun(const RunConfig& config,
                                     const ServiceAddresses& services,
                                     const MigrateOptions& options,
                                     const std::string& map_name) {
  Progress progress;
  v1::RunRequest request = NewRunRequest(config, options, map_name);
  request.set_run_id(absl::StrCat("dry-", absl::ToUnixMillis(absl::Now())));
  progress.Note(absl::StrCat("dry run of a ", ModeName(options.mode),
                             ": nothing is written or recorded"));
  auto transformer =
      v1::Transformer::NewStub(MakeChannel(services.transformer));
  grpc::ClientContext ctx;
  ctx.set_wait_for_ready(true);
  auto reader = transformer->Run(&ctx, request);
  v1::RunEvent event, last;
  v1::SchemaReport schema;
  SampleDiff diff;
  while (reader->Read(&event)) {
    if (!event.notice().empty()) progress.Note(event.notice());
    if (event.has_progress()) progress.Update(event);
    if (event.has_schema()) schema = event.schema();
    diff.Add(event);
    if (event.finished()) last = event;
  }
  BW_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  if (!last.finished()) {
    return absl::UnavailableError("the dry run's stream ended early");
  }
  MigrateResult result;
  result.run_id = request.run_id();
  v1::RunReport& report = result.report;
  report.mutable_run()->set_run_id(request.run_id());
  report.mutable_run()->set_kind(KindOf(options.mode));
  report.mutable_run()->set_state(v1::RUN_STATE_SUCCEEDED);
  report.set_requests(last.requests());
  bool balanced = true;
  for (const auto& p : last.objects()) {
    v1::ObjectReport* o = report.add_objects();
    o->set_source_object(p.source_object());
    o->set_extracted(p.extracted());
    o->set_loaded(p.loaded());
    o->set_quarantined(p.quarantined());
    o->set_skipped(p.skipped());
    o->set_balanced(p.extracted() ==
                    p.loaded() + p.quarantined() + p.skipped());
    balanced = balanced && o->balanced();
  }
  nlohmann::json targets = nlohmann::json::array();
  int64_t planned = 0;
  for (const auto& c : last.dry_run()) {
    targets.push_back({{"target_object", c.target_object()},
                       {"creates", c.creates()},
                       {"updates", c.updates()},
                       {"unchanged", c.unchanged()},
                       {"quarantined", c.quarantined()},
                       {"requests", c.requests()}});
    planned += c.requests();
  }
  nlohmann::json dry_run = {
      {"targets", targets},
      {"requests_planned", planned},
      {"requests_read", last.requests()},
      {"schema_to_create", std::vector<std::string>(schema.to_create().begin(),
                                                    schema.to_create().end())},
      {"schema_checklist", std::vector<std::string>(schema.checklist().begin(),
                                                    schema.checklist().end())}};
  nlohmann::json extra = options.extra;
  extra["warnings"] = WarningsJson(last);
  if (nlohmann::json phi = PhiReport(config, last); !phi.is_null()) {
    extra["phi"] = std::move(phi);
  }
  extra["destination"] = {{"crm", config.destination.crm()},
                          {"account", config.destination.account()},
                          {"plan", config.destination.plan()}};
  result.report_json = report::ReportToJson(report, extra);
  result.report_json["dry_run"] = std::move(dry_run);
  if (options.mode == v1::RUN_MODE_SAMPLE) {
    result.report_json["diff"] = diff.ToJson();
  }
  result.ok = balanced;
  progress.Note(absl::StrCat("dry run: ", planned, " requests would be sent; ",
                             last.requests(), " read-only requests were"));
  BW_RETURN_IF_ERROR(WriteReports(result.report_json, options));
  return result;
}

}  // namespace

absl::Status CheckServices(const ServiceAddresses& services, int timeout_ms) {
  for (const auto& [name, addr] :
       {std::pair<std::string, std::string>{"auditor", services.auditor},
        {"extractor", services.extractor},
        {"loader", services.loader},
        {"transformer", services.transformer}}) {
    BW_RETURN_IF_ERROR(CheckReachable(name, addr, timeout_ms));
  }
  return absl::OkStatus();
}

std::string MapName(const std::string& map_path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::weakly_canonical(map_path, ec);
  return ec ? map_path : p.string();
}

absl::StatusOr<v1::MapApproval> ApproveMap(const std::string& map_path,
                                           const std::string& approved_by,
                                           const std::string& note,
                                           const ServiceAddresses& services) {
  std::ifstream in(map_path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("map file ", map_path, ": cannot be read"));
  }
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Only a valid map can be approved; its hash is the one runs check.
  BW_ASSIGN_OR_RETURN(mapping::Map map, mapping::ParseMap(text, map_path));
  if (approved_by.empty()) {
    return absl::InvalidArgumentError(
        "say who approves the map: --by NAME (or set BRIDGEWORK_USER)");
  }
  BW_RETURN_IF_ERROR(CheckServices(services));
  auto auditor = MakeGrpcAuditorClient(services.auditor);
  v1::MapApproval approval;
  approval.set_map_hash(map.hash);
  approval.set_map_name(MapName(map_path));
  approval.set_approved_by(approved_by);
  approval.set_note(note);
  return auditor->ApproveMap(approval);
}

absl::Status CheckSourceObjects(const RunConfig& config,
                                const ServiceAddresses& services) {
  BW_ASSIGN_OR_RETURN(mapping::Map map,
                      mapping::ParseMap(config.map_yaml, config.map_path));
  auto extractor = v1::Extractor::NewStub(MakeChannel(services.extractor));
  std::set<std::string> opened;
  for (size_t i = 0; i < map.objects.size(); ++i) {
    const mapping::ObjectRoute& route = map.objects[i];
    if (!opened.insert(route.source).second) continue;
    v1::ExtractRequest req;
    *req.mutable_source() = config.source;
    req.set_object_type(route.source);
    req.set_batch_size(1);
    req.mutable_fields();  // no field: whether the object opens is the point
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::minutes(2));
    auto reader = extractor->Extract(&ctx, req);
    v1::RecordBatch batch;
    // One batch shows the object opens; the rest is the run's to read.
    const bool read = reader->Read(&batch);
    if (read) ctx.TryCancel();
    absl::Status s = FromGrpcStatus(reader->Finish());
    if (s.ok() || (read && absl::IsCancelled(s))) continue;
    if (absl::IsUnavailable(s)) return s;
    return absl::Status(
        s.code(), absl::StrCat(config.map_path, ":", route.line, ": objects[",
                               i, "].source: ", route.source, ": ", s.message(),
                               "; nothing was moved"));
  }
  return absl::OkStatus();
}

absl::StatusOr<MigrateResult> Migrate(const RunConfig& config,
                                      const ServiceAddresses& services,
                                      const MigrateOptions& options) {
  BW_RETURN_IF_ERROR(CheckServices(services));
  auto auditor = MakeGrpcAuditorClient(services.auditor);
  const std::string map_name = MapName(config.map_path);
  if (options.dry_run) {
    BW_RETURN_IF_ERROR(CheckSourceObjects(config, services));
    return DryRun(config, services, options, map_name);
  }
  // Refused before a run is begun: no record moves under an unapproved map,
  // nor when the source lacks an object the map reads.
  BW_RETURN_IF_ERROR(CheckMapApproved(*auditor, map_name, MapHash(config)));
  BW_RETURN_IF_ERROR(CheckSourceObjects(config, services));
  v1::BeginRunRequest begin;
  begin.set_kind(KindOf(options.mode));
  begin.set_account(config.destination.account());
  begin.set_config_json(config.canonical_json);
  begin.set_config_hash(config.hash);
  begin.set_map_hash(MapHash(config));
  begin.set_resume(options.resume);
  begin.set_run_id(options.run_id);
  BW_ASSIGN_OR_RETURN(v1::RunInfo run, auditor->BeginRun(begin));
  // From here every call names the run (bridgework-run metadata).
  ScopedLogContext run_scope({run.run_id(), CurrentLogContext().trace});
  Progress progress;
  progress.Note(absl::StrCat(ModeName(options.mode), " run ", run.run_id(),
                             " -> ", config.destination.crm(), " account ",
                             config.destination.account()));

  v1::RunRequest request = NewRunRequest(config, options, map_name);
  request.set_run_id(run.run_id());
  SampleDiff diff;

  auto transformer =
      v1::Transformer::NewStub(MakeChannel(services.transformer));
  nlohmann::json owners = nlohmann::json::array();
  nlohmann::json field_warnings = nlohmann::json::object();
  nlohmann::json warnings = nlohmann::json::array();
  nlohmann::json schema = nlohmann::json::object();
  v1::RunEvent finished_event;
  auto started = std::chrono::steady_clock::now();
  absl::Status last;
  int attempt = 0;
  while (true) {
    grpc::ClientContext ctx;
    ctx.set_wait_for_ready(true);
    auto reader = transformer->Run(&ctx, request);
    v1::RunEvent event;
    bool finished = false;
    bool progressed = false;
    while (reader->Read(&event)) {
      progressed = true;
      if (event.owners_size() > 0) {
        owners = nlohmann::json::array();
        for (const auto& o : event.owners()) {
          owners.push_back({{"email", o.email()},
                            {"crm_user_id", o.crm_user_id()},
                            {"matched", o.matched()}});
          if (!o.matched()) {
            progress.Note(absl::StrCat(
                "owner ", o.email(),
                " has no CRM user: records fall back to the fallback owner"));
          }
        }
      }
      if (event.has_schema()) {
        const v1::SchemaReport& s = event.schema();
        schema = {{"present", s.present()},
                  {"created", s.created()},
                  {"limits", s.limits()}};
        for (const auto& item : s.created())
          progress.Note(absl::StrCat("created in the CRM: ", item));
        for (const auto& line : s.limits()) progress.Note(line);
      }
      if (!event.notice().empty()) progress.Note(event.notice());
      if (event.has_progress()) progress.Update(event);
      diff.Add(event);
      finished = finished || event.finished();
      if (event.finished()) {
        field_warnings = nlohmann::json::object();
        for (const auto& o : event.objects()) {
          field_warnings[o.source_object()] = o.field_warnings();
        }
        warnings = WarningsJson(event);
        finished_event = event;
      }
    }
    last = FromGrpcStatus(reader->Finish());
    if (last.ok() && finished) break;
    if (last.ok()) last = absl::UnavailableError("the run stream ended early");
    auto elapsed = std::chrono::steady_clock::now() - started;
    if (!Retryable(last) ||
        elapsed > std::chrono::seconds(options.retry_seconds)) {
      v1::FinishRunRequest fin;
      fin.set_run_id(run.run_id());
      fin.set_state(v1::RUN_STATE_FAILED);
      fin.set_message(std::string(last.message()));
      (void)auditor->FinishRun(fin);
      return absl::Status(
          last.code(),
          absl::StrCat(
              "run ", run.run_id(), " failed: ", last.message(),
              Retryable(last)
                  ? absl::StrCat(" (resume with: bridgework migrate --run ",
                                 run.run_id(), ")")
                  : ""));
    }
    // A stream that got going before it broke is a fresh failure (a
    // service restarted), not the same outage again: the wait starts over.
    if (progressed) attempt = 0;
    int wait_s = std::min(1 << std::min(attempt, 4), 10);
    ++attempt;
    progress.Note(absl::StrCat("a service is unavailable (", last.message(),
                               "); resuming run ", run.run_id(), " in ", wait_s,
                               " s"));
    std::this_thread::sleep_for(std::chrono::seconds(wait_s));
  }

  v1::FinishRunRequest fin;
  fin.set_run_id(run.run_id());
  fin.set_state(v1::RUN_STATE_SUCCEEDED);
  BW_RETURN_IF_ERROR(auditor->FinishRun(fin).status());
  v1::GetReportRequest rr;
  rr.set_run_id(run.run_id());
  MigrateResult result;
  result.run_id = run.run_id();
  BW_ASSIGN_OR_RETURN(result.report, auditor->GetReport(rr));
  nlohmann::json extra = options.extra;
  extra["owners"] = owners;
  // Custom fields, objects and pipelines found and created before loading.
  extra["schema"] = schema;
  // Optional fields left out of loaded records, per object, and the first
  // warnings of each object (those, and empty files) one by one.
  extra["field_warnings"] = field_warnings;
  extra["warnings"] = warnings;
  // What was hashed, dropped or moved into notes, and under which key.
  if (nlohmann::json phi = PhiReport(config, finished_event); !phi.is_null()) {
    extra["phi"] = std::move(phi);
  }
  extra["destination"] = {{"crm", config.destination.crm()},
                          {"account", config.destination.account()},
                          {"plan", config.destination.plan()}};
  if (options.mode == v1::RUN_MODE_SAMPLE) {
    progress.Note(absl::StrCat("sample: ", diff.records(),
                               " records read back, ", diff.fields_compared(),
                               " fields compared, ", diff.mismatches(),
                               " mismatches"));
  }
  result.report_json = report::ReportToJson(result.report, extra);
  if (options.mode == v1::RUN_MODE_SAMPLE) {
    result.report_json["diff"] = diff.ToJson();
  }
  // Throughput against the plan's budget, from the outcomes the auditor
  // counted per time bucket (RunReport.timeline).
  auto pacing =
      crm::PlanPacing(config.destination.crm(), config.destination.plan());
  result.report_json["timeline"] = report::TimelineJson(
      result.report.timeline(), pacing.ok() ? pacing->requests_per_second : 0,
      result.report.requests());
  result.ok =
      result.report_json.value("balanced", false) && diff.mismatches() == 0;
  BW_RETURN_IF_ERROR(WriteReports(result.report_json, options));
  if (!options.report_dir.empty()) {
    // The automations that did not migrate, as the admin's rebuild
    // reference beside the report. A failure here does not fail the run.
    ServiceAddresses extractor_only;
    extractor_only.extractor = services.extractor;
    auto access = ExtractorAccess::Reach("", extractor_only, "");
    absl::StatusOr<WorkflowExportResult> exported =
        access.ok()
            ? ExportWorkflows(config, *access, options.report_dir, absl::Now())
            : absl::StatusOr<WorkflowExportResult>(access.status());
    progress.Note(exported.ok()
                      ? absl::StrCat("workflows to rebuild: ",
                                     workflows::Summary(exported->data), " -> ",
                                     exported->markdown_path)
                      : absl::StrCat("the workflow export failed: ",
                                     exported.status().message()));
  }
  return result;
}

absl::StatusOr<nlohmann::json> Check(const RunConfig& config,
                                     const ServiceAddresses& services) {
  BW_RETURN_IF_ERROR(CheckServices(services));
  // What `migrate` would refuse, `check` names first.
  BW_RETURN_IF_ERROR(CheckSourceObjects(config, services));
  BW_ASSIGN_OR_RETURN(mapping::Map map,
                      mapping::ParseMap(config.map_yaml, config.map_path));
  // Owner objects and their email fields, as the map's owner rules name
  // them.
  std::map<std::string, std::string> owner_objects;
  for (const auto& route : map.objects) {
    if (route.owner)
      owner_objects[route.owner->object] = route.owner->email_field;
  }
  std::set<std::string> emails;
  auto extractor = v1::Extractor::NewStub(MakeChannel(services.extractor));
  for (const auto& [object, email_field] : owner_objects) {
    v1::ExtractRequest req;
    *req.mutable_source() = config.source;
    req.set_object_type(object);
    // The email field only (the owners' other fields stay in the
    // extractor, as in a run).
    req.mutable_fields()->add_names(email_field);
    grpc::ClientContext ctx;
    auto reader = extractor->Extract(&ctx, req);
    v1::RecordBatch batch;
    while (reader->Read(&batch)) {
      for (const auto& r : batch.records()) {
        auto it = r.fields().find(email_field);
        if (it == r.fields().end()) continue;
        std::string email = record::ValueToText(it->second);
        if (!email.empty()) emails.insert(email);
      }
    }
    BW_RETURN_IF_ERROR(FromGrpcStatus(reader->Finish()));
  }
  v1::PrepareRequest prep;
  prep.set_run_id("check");
  *prep.mutable_destination() = config.destination;
  prep.set_map_yaml(config.map_yaml);
  prep.set_check_only(true);
  for (const auto& e : emails) prep.add_owner_emails(e);
  auto loader = v1::Loader::NewStub(MakeChannel(services.loader));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(2));
  v1::PrepareResponse resp;
  BW_RETURN_IF_ERROR(FromGrpcStatus(loader->Prepare(&ctx, prep, &resp)));
  nlohmann::json out;
  nlohmann::json owners = nlohmann::json::array();
  nlohmann::json unmatched = nlohmann::json::array();
  for (const auto& o : resp.owners()) {
    owners.push_back({{"email", o.email()},
                      {"matched", o.matched()},
                      {"crm_user_id", o.crm_user_id()}});
    if (!o.matched()) unmatched.push_back(o.email());
  }
  out["owners"] = owners;
  out["unmatched_owners"] = unmatched;
  out["fallback_owner"] = {{"email", config.destination.fallback_owner_email()},
                           {"crm_user_id", resp.fallback_owner_id()}};
  const v1::SchemaReport& s = resp.schema();
  out["schema"] = {{"present", s.present()},
                   {"to_create", s.to_create()},
                   {"checklist", s.checklist()},
                   {"limits", s.limits()}};
  out["ready"] = s.checklist().empty();
  out["requests"] = resp.requests();
  return out;
}

absl::StatusOr<RollbackResult> Rollback(const ServiceAddresses& services,
                                        const std::string& run_id,
                                        bool overwrite_conflicts) {
  BW_RETURN_IF_ERROR(CheckReachable("auditor", services.auditor, 3000));
  BW_RETURN_IF_ERROR(CheckReachable("loader", services.loader, 3000));
  auto auditor = MakeGrpcAuditorClient(services.auditor);
  BW_ASSIGN_OR_RETURN(v1::RunInfo target, auditor->GetRun(run_id));
  if (target.kind() == v1::RUN_KIND_ROLLBACK ||
      target.kind() == v1::RUN_KIND_UNSPECIFIED) {
    return absl::FailedPreconditionError(absl::StrCat(
        run_id, " is a rollback; roll back the run it undid again instead"));
  }
  nlohmann::json cfg =
      nlohmann::json::parse(target.config_json(), nullptr, false);
  v1::DestinationConfig destination;
  if (!cfg.is_object() || !cfg.contains("destination") ||
      !google::protobuf::util::JsonStringToMessage(cfg["destination"].dump(),
                                                   &destination)
           .ok()) {
    return absl::DataLossError(
        absl::StrCat("run ", run_id, " has no readable destination"));
  }
  v1::BeginRunRequest begin;
  begin.set_kind(v1::RUN_KIND_ROLLBACK);
  begin.set_account(target.account());
  begin.set_config_json(target.config_json());
  begin.set_config_hash(target.config_hash());
  begin.set_map_hash(target.map_hash());
  begin.set_target_run_id(run_id);
  begin.set_resume(true);
  BW_ASSIGN_OR_RETURN(v1::RunInfo rb, auditor->BeginRun(begin));
  ScopedLogContext run_scope({rb.run_id(), CurrentLogContext().trace});
  std::cerr << "rollback " << rb.run_id() << " of run " << run_id << "\n";

  auto loader = v1::Loader::NewStub(MakeChannel(services.loader));
  v1::RollbackRequest req;
  req.set_run_id(run_id);
  req.set_rollback_run_id(rb.run_id());
  *req.mutable_destination() = destination;
  req.set_overwrite_conflicts(overwrite_conflicts);
  grpc::ClientContext ctx;
  auto reader = loader->Rollback(&ctx, req);
  v1::RollbackEvent e;
  RollbackResult result;
  result.rollback_run_id = rb.run_id();
  while (reader->Read(&e)) {
    result.deleted = e.deleted();
    result.restored = e.restored();
    result.skipped = e.skipped();
    result.failed = e.failed();
    result.requests = e.requests();
    result.verified = e.verified();
    result.conflicts = e.conflicts();
    for (const auto& c : e.conflict_records()) {
      // Names the record and the fields that differ, never their values.
      std::cerr << "conflict: " << c.target_object() << " " << c.crm_id()
                << " (" << c.source_object() << " " << c.source_key()
                << "): " << c.error() << "\n";
    }
    std::cerr << absl::StrFormat(
        "rollback: deleted %d restored %d skipped %d conflicts %d failed "
        "%d\n",
        e.deleted(), e.restored(), e.skipped(), e.conflicts(), e.failed());
  }
  absl::Status s = FromGrpcStatus(reader->Finish());
  v1::FinishRunRequest fin;
  fin.set_run_id(rb.run_id());
  if (!s.ok()) {
    fin.set_state(v1::RUN_STATE_FAILED);
    fin.set_message(std::string(s.message()));
    (void)auditor->FinishRun(fin);
    return absl::Status(
        s.code(),
        absl::StrCat("rollback ", rb.run_id(), " stopped: ", s.message(),
                     " (run the same command again to resume)"));
  }
  fin.set_state(result.verified ? v1::RUN_STATE_SUCCEEDED
                                : v1::RUN_STATE_FAILED);
  if (!result.verified) {
    fin.set_message(
        result.conflicts > 0
            ? absl::StrCat(result.conflicts,
                           " records were changed in the CRM since the run "
                           "wrote them and were left as they are (run again "
                           "with --overwrite-conflicts to undo them anyway)")
            : "read-back found records still present or failures");
  }
  BW_RETURN_IF_ERROR(auditor->FinishRun(fin).status());
  if (result.verified) {
    v1::FinishRunRequest done;
    done.set_run_id(run_id);
    done.set_state(v1::RUN_STATE_ROLLED_BACK);
    BW_RETURN_IF_ERROR(auditor->FinishRun(done).status());
  }
  return result;
}

absl::Status PrintStatus(const ServiceAddresses& services,
                         const std::string& run_id) {
  BW_RETURN_IF_ERROR(CheckReachable("auditor", services.auditor, 3000));
  auto auditor = MakeGrpcAuditorClient(services.auditor);
  if (run_id.empty()) {
    BW_ASSIGN_OR_RETURN(v1::ListRunsResponse runs, auditor->ListRuns(50));
    std::printf("%-14s %-9s %-12s %-20s %s\n", "RUN", "KIND", "STATE",
                "ACCOUNT", "TARGET");
    for (const auto& r : runs.runs()) {
      std::printf("%-14s %-9s %-12s %-20s %s\n", r.run_id().c_str(),
                  r.kind() == v1::RUN_KIND_ROLLBACK ? "rollback" : "migrate",
                  v1::RunState_Name(r.state()).substr(10).c_str(),
                  r.account().c_str(), r.target_run_id().c_str());
    }
    return absl::OkStatus();
  }
  v1::GetReportRequest rr;
  rr.set_run_id(run_id);
  rr.set_max_rejections(20);
  BW_ASSIGN_OR_RETURN(v1::RunReport report, auditor->GetReport(rr));
  std::printf("run %s  state %s  requests %lld\n", run_id.c_str(),
              v1::RunState_Name(report.run().state()).substr(10).c_str(),
              static_cast<long long>(report.requests()));
  std::printf("%-24s %9s %8s %11s %8s %s\n", "OBJECT", "EXTRACTED", "LOADED",
              "QUARANTINED", "SKIPPED", "BALANCED");
  for (const auto& o : report.objects()) {
    std::printf(
        "%-24s %9lld %8lld %11lld %8lld %s\n", o.source_object().c_str(),
        static_cast<long long>(o.extracted()),
        static_cast<long long>(o.loaded()),
        static_cast<long long>(o.quarantined()),
        static_cast<long long>(o.skipped()), o.balanced() ? "yes" : "NO");
  }
  return absl::OkStatus();
}

}  // namespace bridgework::cli
