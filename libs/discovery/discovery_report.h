// The discovery report: discovery.json (the whole profile, readiness and
// estimate) and discovery.html (a self-contained page drawn from that
// JSON with the run report's styles). docs/discovery.md describes every
// section.
//
// Patient data: the report holds counts, record keys, field names and
// masked examples only (the profiler never keeps a value).
//
// Thread safety: pure functions, except WriteDiscoveryReport, which
// writes only the two files.
#ifndef BRIDGEWORK_LIBS_DISCOVERY_DISCOVERY_REPORT_H_
#define BRIDGEWORK_LIBS_DISCOVERY_DISCOVERY_REPORT_H_

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "libs/discovery/assessment.h"
#include "libs/discovery/plans.h"
#include "libs/discovery/profiler.h"

namespace bridgework::discovery {

struct DiscoveryReport {
  std::string generated_at;   // RFC 3339, UTC
  std::string source_system;  // "pbn"
  std::string config_path;
  std::string phone_region;
  // The map readiness and the estimate used: where it came from
  // ("config", "example", "none") and its file.
  std::string map_origin;
  std::string map_path;
  std::string map_note;  // why no map, or why the config's was not used
  ProfilerOptions options;
  Profile profile;
  // Absent when no CRM was given (neither --dest nor the config's).
  std::optional<PlanLimits> limits;
  std::optional<Readiness> readiness;
  std::optional<Estimate> estimate;
};

nlohmann::json DiscoveryToJson(const DiscoveryReport& report);

// The page, from the JSON above (lenient: missing keys are shown empty).
std::string DiscoveryToHtml(const nlohmann::json& report_json);

// Writes `dir`/discovery.json and `dir`/discovery.html (creating `dir`),
// each atomically. UNAVAILABLE naming the file on failure.
absl::Status WriteDiscoveryReport(const std::string& dir,
                                  const nlohmann::json& report_json);

}  // namespace bridgework::discovery

#endif  // BRIDGEWORK_LIBS_DISCOVERY_DISCOVERY_REPORT_H_
