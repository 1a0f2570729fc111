// `bridgework explain`: the journey of one source record through one run.
//
// It shows the record's source row (extracted again and found by key, or
// the unreadable row "@<file>:<line>"), the record as the map transforms it
// (Transformer.Transform with the config's map; the run keeps only the
// map's hash, so a different map is pointed out), the run's ledger
// operations for the key (kind, state, times, CRM id, HTTP status, error),
// the CRM ids the id map holds for it, its disposition in the run, and a
// field-level diff of what the CRM holds now (Loader.ReadBack with the
// CRM's whole record).
//
// The answer carries field values: it is printed on stdout for the person
// who asked, never logged.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_EXPLAIN_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_EXPLAIN_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "tools/bridgework/run_config.h"

namespace bridgework::cli {

struct ExplainOptions {
  std::string run_id;
  // The source key, or "@<file>:<line>" for a row whose key could not be
  // read.
  std::string source_key;
  // The source object; found from the run's operations (or by searching
  // the map's objects) when empty.
  std::string object;
};

// The journey as JSON:
//   {"run": {id, kind, state, account}, "source_object", "source_key",
//    "source": {"found", "fields", "location", "rejection"},
//    "transformed": {"records": [...], "rejections", "skipped"} | null,
//    "operations": [audit records], "crm_ids": [{target_object, crm_id,
//    run_id}], "disposition": {"status", "action", "stage", "reason",
//    "field", "target_object", "crm_id"}, "diff": [{target_object, crm_id,
//    found, owner_id, fields: [{section, field, expected, actual, match}],
//    raw}], "written_diff": [the same, against the written projection],
//    "notes": [...]}
// `config` (may be null) gives the map; without it the transformed record
// and its diff are left out. NOT_FOUND for an unknown run or a key no object of
// the run has; INVALID_ARGUMENT when the key is in several objects (give
// --object).
absl::StatusOr<nlohmann::json> Explain(const ExplainOptions& options,
                                       const RunConfig* config,
                                       const ServiceAddresses& services);

// The journey for a person to read: one section per step.
std::string ExplainText(const nlohmann::json& explained);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_EXPLAIN_H_
