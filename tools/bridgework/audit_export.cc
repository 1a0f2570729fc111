#include "tools/bridgework/audit_export.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/common/status_macros.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string KindText(v1::OpKind k) {
  switch (k) {
    case v1::OP_KIND_CREATE:
      return "create";
    case v1::OP_KIND_UPDATE:
      return "update";
    case v1::OP_KIND_DELETE:
      return "delete";
    case v1::OP_KIND_LINK:
      return "link";
    case v1::OP_KIND_MATCH:
      return "match";
    default:
      return "unspecified";
  }
}

std::string StateText(v1::OpState s) {
  switch (s) {
    case v1::OP_STATE_INTENT:
      return "intent";
    case v1::OP_STATE_APPLIED:
      return "applied";
    case v1::OP_STATE_FAILED:
      return "failed";
    case v1::OP_STATE_ADOPTED:
      return "adopted";
    default:
      return "unspecified";
  }
}

// RFC 3339 in UTC with milliseconds; "" when unset.
std::string TimeText(bool set, const v1::Timestamp& t) {
  if (!set || (t.unix_seconds() == 0 && t.nanos() == 0)) return "";
  absl::Time at =
      absl::FromUnixSeconds(t.unix_seconds()) + absl::Nanoseconds(t.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", at, absl::UTCTimeZone());
}

// A file written under a temporary name, renamed into place by Commit and
// removed otherwise.
class PendingFile {
 public:
  explicit PendingFile(fs::path path)
      : path_(std::move(path)),
        tmp_(absl::StrCat(path_.string(), ".tmp.", getpid())),
        out_(tmp_, std::ios::binary | std::ios::trunc) {}
  ~PendingFile() {
    if (!committed_) {
      out_.close();
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  std::ofstream& out() { return out_; }
  absl::Status Commit() {
    out_.flush();
    bool ok = static_cast<bool>(out_);
    out_.close();
    std::error_code ec;
    if (ok) fs::rename(tmp_, path_, ec);
    if (!ok || ec) {
      return absl::UnavailableError(absl::StrCat(
          "cannot write ", path_.string(), ec ? ": " + ec.message() : ""));
    }
    committed_ = true;
    return absl::OkStatus();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  std::string tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

std::string CellText(const ordered_json& v) {
  return v.is_string()
             ? v.get<std::string>()
             : v.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

}  // namespace

const std::vector<std::string>& AuditColumns() {
  static const std::vector<std::string> kColumns = {
      "seq",           "run_id",     "kind",          "state",
      "intent_at",     "outcome_at", "source_object", "source_key",
      "target_object", "crm_id",     "http_status",   "error",
      "undoes_seq"};
  return kColumns;
}

ordered_json AuditRecord(const v1::Operation& op) {
  ordered_json j = ordered_json::object();
  j["seq"] = op.seq();
  j["run_id"] = op.run_id();
  j["kind"] = KindText(op.kind());
  j["state"] = StateText(op.state());
  j["intent_at"] = TimeText(op.has_intent_at(), op.intent_at());
  j["outcome_at"] = TimeText(op.has_outcome_at(), op.outcome_at());
  j["source_object"] = op.source_object();
  j["source_key"] = op.source_key();
  j["target_object"] = op.target_object();
  j["crm_id"] = op.crm_id();
  j["http_status"] = op.http_status();
  j["error"] = op.error();
  j["undoes_seq"] = op.undoes_seq();
  return j;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line.push_back(',');
    const std::string& c = cells[i];
    if (c.find_first_of(",\"\r\n") == std::string::npos) {
      line += c;
      continue;
    }
    line.push_back('"');
    for (char ch : c) {
      if (ch == '"') line.push_back('"');
      line.push_back(ch);
    }
    line.push_back('"');
  }
  line += "\r\n";
  return line;
}

absl::StatusOr<AuditExportResult> ExportAudit(
    const AuditExportOptions& options) {
  const std::string& run_id = options.run_id;
  if (run_id.empty() || run_id.find_first_of("/\\") != std::string::npos ||
      run_id == "." || run_id == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("audit export: '", run_id, "' is not a run id"));
  }
  BW_RETURN_IF_ERROR(CheckReachable("auditor", options.auditor, 3000));
  auto auditor = MakeGrpcAuditorClient(options.auditor);
  absl::StatusOr<v1::RunInfo> run = auditor->GetRun(run_id);
  if (absl::IsNotFound(run.status())) {
    return absl::NotFoundError(
        absl::StrCat("audit export: the ledger has no run ", run_id,
                     " (`bridgework status` lists the runs)"));
  }
  BW_RETURN_IF_ERROR(run.status());

  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", options.out_dir, ": ", ec.message()));
  }
  const fs::path dir(options.out_dir);
  const std::string stem = absl::StrCat("audit-", run_id);
  PendingFile jsonl(dir / (stem + ".jsonl"));
  PendingFile csv(dir / (stem + ".csv"));
  csv.out() << CsvLine(AuditColumns());
  AuditExportResult result;
  v1::ListOperationsRequest list;
  list.set_run_id(run_id);
  BW_RETURN_IF_ERROR(
      auditor->ListOperations(list, [&](const v1::Operation& op) {
        const ordered_json record = AuditRecord(op);
        jsonl.out() << record.dump(-1, ' ', false,
                                   ordered_json::error_handler_t::replace)
                    << '\n';
        std::vector<std::string> cells;
        cells.reserve(record.size());
        for (const auto& [key, value] : record.items())
          cells.push_back(CellText(value));
        csv.out() << CsvLine(cells);
        ++result.operations;
        // Stop at the first failed write; Commit reports it.
        return static_cast<bool>(jsonl.out()) && static_cast<bool>(csv.out());
      }));
  BW_RETURN_IF_ERROR(jsonl.Commit());
  BW_RETURN_IF_ERROR(csv.Commit());
  result.jsonl_path = jsonl.path().string();
  result.csv_path = csv.path().string();
  return result;
}

}  // namespace bridgework::cli
