// The controller's commands over running services: migrate, rollback,
// status. Records never pass through here; it starts, watches and stops
// runs and writes reports.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_CONTROLLER_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_CONTROLLER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/auditor.pb.h"
#include "bridgework/v1/transformer.pb.h"
#include "tools/bridgework/run_config.h"

namespace bridgework::cli {

struct MigrateOptions {
  // Resume exactly this run; empty: resume the unfinished run with the same
  // config, or start a new one.
  std::string run_id;
  bool resume = true;
  // How long to keep retrying while a service is unavailable (it may be
  // restarting). Default 300 s.
  int retry_seconds = 300;
  // Where to write report.json / report.html, and workflows.json /
  // workflows.md (the automations to rebuild, workflow_export.h); empty:
  // none.
  std::string report_dir;
  // Also write the JSON report here.
  std::string report_json;
  // Extra data for the report (emulator stats, ...).
  nlohmann::json extra = nlohmann::json::object();
  // FULL (`migrate`), SAMPLE (`sample`: the config's sample size and seed;
  // the report carries the field-level "diff") or DELTA (`delta`).
  v1::RunMode mode = v1::RUN_MODE_FULL;
  // Build and validate every request and count; send no write, record
  // nothing in the ledger (no run is begun). Allowed before the map is
  // approved.
  bool dry_run = false;
};

struct MigrateResult {
  std::string run_id;
  v1::RunReport report;
  nlohmann::json report_json;
  // The run finished and every object's counts add up (and, for a sample,
  // every field read back equals what was expected).
  bool ok = false;
};

// Fails fast (UNAVAILABLE, one line naming it) if a service is unreachable.
absl::Status CheckServices(const ServiceAddresses& services,
                           int timeout_ms = 3000);

// The name a map is approved under: its canonical path.
std::string MapName(const std::string& map_path);

// Records that `approved_by` approved the map file's current content
// (`bridgework approve`). Fails on a map that does not parse, naming the
// line and key; UNAVAILABLE when the services are not running.
absl::StatusOr<v1::MapApproval> ApproveMap(const std::string& map_path,
                                           const std::string& approved_by,
                                           const std::string& note,
                                           const ServiceAddresses& services);

// Whether every source object the config's map names can be read: each is
// opened through the extractor (one batch read). A missing file, an object
// the source does not know, or a header the export's layout cannot use
// (a required column missing) is an error naming the map's file, line and
// object and the extractor's reason (its code: NOT_FOUND,
// INVALID_ARGUMENT), so `migrate` refuses before a run begins. An empty
// file is not an error (the run warns about it). UNAVAILABLE when the
// extractor cannot be reached.
absl::Status CheckSourceObjects(const RunConfig& config,
                                const ServiceAddresses& services);

// Runs (or resumes) a migration, a sample or a delta (options.mode), or
// dry-runs it. Refuses before a run begins when the map is not approved
// (not for a dry run) or CheckSourceObjects fails.
absl::StatusOr<MigrateResult> Migrate(const RunConfig& config,
                                      const ServiceAddresses& services,
                                      const MigrateOptions& options);

struct RollbackResult {
  std::string rollback_run_id;
  int64_t deleted = 0;
  int64_t restored = 0;
  int64_t skipped = 0;
  int64_t failed = 0;
  // Records changed in the CRM since the run wrote them (left as they are
  // unless overwrite_conflicts).
  int64_t conflicts = 0;
  int64_t requests = 0;
  bool verified = false;
};

// Undoes a run (migration, sample or delta): created records deleted,
// updated ones restored to their before-image, newest first; then reads
// the CRM back. Records changed by someone else since are conflicts: left
// as they are and reported, unless `overwrite_conflicts`.
absl::StatusOr<RollbackResult> Rollback(const ServiceAddresses& services,
                                        const std::string& run_id,
                                        bool overwrite_conflicts = false);

// The pre-migration check: fails as `migrate` would on a source object the
// map cannot read (CheckSourceObjects), reads the owner objects
// (providers) through the extractor and asks the loader what Prepare would do,
// without creating anything and without a run in the ledger. The JSON has
// "owners"
// ([{email, matched, crm_user_id}]), "unmatched_owners" (emails whose
// records go to the fallback owner), "fallback_owner", and "schema"
// ({present, to_create, checklist, limits}); "ready" is true when the
// checklist is empty.
absl::StatusOr<nlohmann::json> Check(const RunConfig& config,
                                     const ServiceAddresses& services);

// Prints runs (no run id) or one run's report.
absl::Status PrintStatus(const ServiceAddresses& services,
                         const std::string& run_id);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_CONTROLLER_H_
