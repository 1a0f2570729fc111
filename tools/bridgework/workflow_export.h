// `bridgework workflows` (and the same files in `bridgework migrate`'s
// report directory): the source's automations, which do not migrate, as a
// rebuild reference for the CRM's admin (docs/workflows.md).
//
// Which objects: those the source system's adapter (libs/workflows/
// adapters.h) knows as automations and that the map routes `not_migrated`
// (one of their routes, when the map has several), with their step
// objects. Only those objects are read; no patient record
// is.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_WORKFLOW_EXPORT_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_WORKFLOW_EXPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/workflows/rebuild.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/run_config.h"

namespace bridgework::cli {

struct WorkflowExportResult {
  workflows::RebuildExport data;
  std::string json_path;
  std::string markdown_path;
};

// Reads the automation objects through `access`, builds the export for the
// config's CRM and writes <out_dir>/workflows.json and workflows.md
// (created if needed). An automation object the map does not route
// `not_migrated`, or that the source lacks, is left out with a note in the
// files. Errors: the map does not parse (INVALID_ARGUMENT), the extractor
// fails (its status, naming the file or table), a file cannot be written
// (UNAVAILABLE).
absl::StatusOr<WorkflowExportResult> ExportWorkflows(const RunConfig& config,
                                                     ExtractorAccess& access,
                                                     const std::string& out_dir,
                                                     absl::Time now);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_WORKFLOW_EXPORT_H_
