// workflows.json (schema "bridgework.workflows", version 1; docs/workflows.md)
// and workflows.md (the admin's checklist, grouped by CRM feature).
//
// Thread safety: pure functions, except WriteWorkflowFiles, which touches
// only the two files it writes.
#ifndef BRIDGEWORK_LIBS_WORKFLOWS_WRITERS_H_
#define BRIDGEWORK_LIBS_WORKFLOWS_WRITERS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/workflows/rebuild.h"

namespace bridgework::workflows {

inline constexpr char kSchemaName[] = "bridgework.workflows";
inline constexpr int kSchemaVersion = 1;
inline constexpr char kJsonFile[] = "workflows.json";
inline constexpr char kMarkdownFile[] = "workflows.md";

// The export as JSON; `generated_at` is written in UTC (RFC 3339).
nlohmann::json ToJson(const RebuildExport& e, absl::Time generated_at);

// The export as a Markdown checklist: a summary table by feature, then
// one section per feature with one subsection per automation, then the
// rows that could not be read and the notes.
std::string ToMarkdown(const RebuildExport& e, absl::Time generated_at);

// The distinct features of `e`'s items with their counts: the CRM's own
// features in the order of its rule table, then "Outside the CRM".
std::vector<std::pair<std::string, int>> FeatureCounts(const RebuildExport& e);

// One line: "8 automations (7 active) from clinic workflow -> Freshsales:
// 6 Workflows, 1 Sales Sequences, 1 Outside the CRM; 0 rows not read".
std::string Summary(const RebuildExport& e);

// Writes <dir>/workflows.json and <dir>/workflows.md atomically, creating
// `dir` if needed. UNAVAILABLE naming the path when a file cannot be
// written.
absl::Status WriteWorkflowFiles(const std::string& dir, const RebuildExport& e,
                                absl::Time generated_at);

}  // namespace bridgework::workflows

#endif  // BRIDGEWORK_LIBS_WORKFLOWS_WRITERS_H_
