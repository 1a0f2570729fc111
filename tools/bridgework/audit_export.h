// `bridgework audit export`: a run's operations from the auditor's ledger
// as audit-<run>.jsonl and audit-<run>.csv, for a person or a compliance
// tool to read without the services.
//
// One line (JSONL) and one row (CSV) per operation, in sequence order:
//   seq, run_id, kind (create/update/delete/link/match), state (intent/
//   applied/failed/adopted), intent_at, outcome_at (RFC 3339 UTC with
//   milliseconds, "" when unset), source_object, source_key,
//   target_object, crm_id, http_status, error, undoes_seq.
// The CSV has a header row, CRLF line ends and RFC 4180 quoting. No field
// value is written (patient data is health data): the operation's before
// image and written projection, which hold values, are left out, and so
// are the fingerprint and external key.
//
// Operations are streamed from the auditor (ListOperations) and written as
// they arrive, never held in memory. Each file is written under a
// temporary name and renamed when complete.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_AUDIT_EXPORT_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_AUDIT_EXPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/auditor.pb.h"

namespace bridgework::cli {

struct AuditExportOptions {
  std::string run_id;
  // Directory for the files; created if needed.
  std::string out_dir = "out/audit";
  // The auditor's address ("host:port").
  std::string auditor;
};

struct AuditExportResult {
  std::string jsonl_path;
  std::string csv_path;
  int64_t operations = 0;
};

// The CSV columns, in order (also the JSONL keys).
const std::vector<std::string>& AuditColumns();

// `op` as one JSONL object, keys in AuditColumns() order (seq, http_status
// and undoes_seq are numbers, the rest strings). Never the before image or
// the written projection.
nlohmann::ordered_json AuditRecord(const v1::Operation& op);

// One CSV line (with CRLF) of `cells`, quoted per RFC 4180 where needed.
std::string CsvLine(const std::vector<std::string>& cells);

// UNAVAILABLE when the auditor cannot be reached; NOT_FOUND (one line
// naming the run) for a run the ledger does not have; INVALID_ARGUMENT for
// an empty run id or one that cannot be a file name; UNAVAILABLE when a
// file cannot be written.
absl::StatusOr<AuditExportResult> ExportAudit(
    const AuditExportOptions& options);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_AUDIT_EXPORT_H_
