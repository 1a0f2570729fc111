// `bridgework discover`: reads the whole source through the extractor
// service (the running one, or a private one started for the command),
// profiles it, compares what the map needs with the destination plan, and
// estimates the migration; writes discovery.json and discovery.html
// (docs/discovery.md). Works without a loader or a CRM: readiness is
// offline.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_DISCOVER_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_DISCOVER_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bridgework::cli {

struct DiscoverOptions {
  std::string config_path;
  // The CRM and plan; empty: the config's destination, else none (then no
  // readiness and no estimate). An empty plan with a CRM: the config's
  // plan for that CRM, else the CRM's default plan.
  std::string crm;
  std::string plan;
  // Pipedrive seats, for its daily token budget.
  int seats = 1;
  std::string out_dir = "out/discovery";
  std::string services_file = ".bridgework/services.json";
  // Where a private extractor keeps its log.
  std::string state_dir = ".bridgework";
  // Where the default maps are (examples/<pair>/map.yaml).
  std::string examples_dir;
  // The report's time and "today" for birth dates in the future.
  absl::Time now = absl::UnixEpoch();
};

struct DiscoverResult {
  nlohmann::json report;  // what discovery.json holds
  std::string json_path;
  std::string html_path;
};

// Errors are one line: the config's (file and line), the extractor's (the
// source's message: missing file, unreachable database, bad token), an
// unknown CRM or plan (listing the known ones), or a report that cannot be
// written.
absl::StatusOr<DiscoverResult> Discover(const DiscoverOptions& options);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_DISCOVER_H_
