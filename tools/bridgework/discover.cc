#include "tools/bridgework/discover.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/status_macros.h"
#include "libs/discovery/assessment.h"
#include "libs/discovery/discovery_report.h"
#include "libs/discovery/plans.h"
#include "libs/discovery/profiler.h"
#include "libs/mapping/map.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/run_config.h"

namespace bridgework::cli {
namespace {

namespace fs = std::filesystem;
namespace disc = ::bridgework::discovery;

// Records per batch read from the extractor (its maximum is 5,000).
constexpr int kBatchSize = 1000;

struct ChosenMap {
  std::optional<mapping::Map> map;
  std::string origin = "none";  // "config", "example", "none"
  std::string path;
  std::string note;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The example map for `system` -> `crm` under `examples_dir`
// (examples/<pair>/map.yaml), the first by directory name.
std::optional<std::pair<std::string, mapping::Map>> ExampleMap(
    const std::string& examples_dir, const std::string& system,
    const std::string& crm) {
  std::error_code ec;
  if (examples_dir.empty() || !fs::is_directory(examples_dir, ec)) {
    return std::nullopt;
  }
  std::vector<fs::path> candidates;
  for (const auto& entry : fs::directory_iterator(examples_dir, ec)) {
    fs::path map = entry.path() / "map.yaml";
    if (fs::is_regular_file(map, ec)) candidates.push_back(map);
  }
  std::sort(candidates.begin(), candidates.end());
  for (const fs::path& p : candidates) {
    absl::StatusOr<mapping::Map> map =
        mapping::ParseMap(ReadText(p), p.string());
    if (map.ok() && map->source == system && map->destination == crm) {
      return std::make_pair(p.string(), *std::move(map));
    }
  }
  return std::nullopt;
}

// The config's map when it is for this source and CRM, else the example
// map for the pair, else none (with the reason).
absl::StatusOr<ChosenMap> ChooseMap(const RunConfig& config,
                                    const std::string& crm,
                                    const std::string& examples_dir) {
  ChosenMap chosen;
  const std::string& system = config.source.system();
  if (!config.map_yaml.empty()) {
    BW_ASSIGN_OR_RETURN(mapping::Map map,
                        mapping::ParseMap(config.map_yaml, config.map_path));
    if (crm.empty() || map.destination == crm) {
      chosen.map = std::move(map);
      chosen.origin = "config";
      chosen.path = config.map_path;
      return chosen;
    }
    chosen.note = absl::StrCat("The config's map is for ", map.destination,
                               ", not ", crm, ".");
  }
  if (crm.empty()) {
    chosen.note = "No CRM given and the config has no map.";
    return chosen;
  }
  auto example = ExampleMap(examples_dir, system, crm);
  if (example) {
    chosen.map = std::move(example->second);
    chosen.origin = "example";
    chosen.path = example->first;
    return chosen;
  }
  chosen.note =
      absl::StrCat(chosen.note, chosen.note.empty() ? "" : " ", "No map for ",
                   system, " -> ", crm, " under the examples.");
  return chosen;
}

// Source fields a route cannot do without: a record missing one is
// quarantined by the transformer. Only unconditional routes of one source
// field count (a joined value needs just one of its fields).
std::map<std::string, std::set<std::string>> MapRequired(
    const mapping::Map& map) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& route : map.objects) {
    if (route.kind != mapping::ObjectRoute::Kind::kLoad || route.when) {
      continue;
    }
    for (const auto& f : route.fields) {
      if (f.required && !f.constant && f.from.size() == 1)
        out[route.source].insert(f.from.front());
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<DiscoverResult> Discover(const DiscoverOptions& options) {
  BW_ASSIGN_OR_RETURN(
      RunConfig config,
      LoadRunConfig(options.config_path, {.destination = false, .map = false}));

  // Destination: the command line, else the config's.
  std::string crm = options.crm;
  std::string plan = options.plan;
  if (crm.empty()) crm = config.destination.crm();
  if (plan.empty() && !crm.empty() && crm == config.destination.crm()) {
    plan = config.destination.plan();
  }
  if (plan.empty() && !crm.empty()) plan = disc::DefaultPlan(crm);
  std::optional<disc::PlanLimits> limits;
  if (!crm.empty()) {
    BW_ASSIGN_OR_RETURN(limits, disc::LimitsFor(crm, plan, options.seats));
  }
  BW_ASSIGN_OR_RETURN(ChosenMap chosen,
                      ChooseMap(config, crm, options.examples_dir));

  BW_ASSIGN_OR_RETURN(
      ExtractorAccess extractor,
      ExtractorAccess::Reach(options.services_file, config.services,
                             options.state_dir));
  BW_ASSIGN_OR_RETURN(std::vector<v1::ObjectSchema> schemas,
                      extractor.DescribeAll(config.source));

  disc::ProfilerOptions profiler_options;
  profiler_options.phone_region = config.phone_region;
  const absl::CivilDay today =
      absl::ToCivilDay(options.now, absl::UTCTimeZone());
  profiler_options.today.set_year(static_cast<int32_t>(today.year()));
  profiler_options.today.set_month(today.month());
  profiler_options.today.set_day(today.day());
  if (chosen.map) profiler_options.map_required = MapRequired(*chosen.map);

  disc::Profiler profiler(schemas, profiler_options);
  for (const v1::ObjectSchema& schema : schemas) {
    profiler.BeginObject(schema.object_type());
    BW_RETURN_IF_ERROR(extractor.Read(
        config.source, schema.object_type(),
        [&](const v1::RecordBatch& batch) {
          profiler.AddBatch(batch);
          return true;
        },
        kBatchSize));
    profiler.EndObject();
  }

  disc::DiscoveryReport report;
  report.generated_at =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options.now, absl::UTCTimeZone());
  report.source_system = config.source.system();
  report.config_path = config.path;
  report.phone_region = config.phone_region;
  report.map_origin = chosen.origin;
  report.map_path = chosen.path;
  report.map_note = chosen.note;
  report.options = profiler_options;
  report.profile = profiler.Finish();
  const mapping::Map* map = chosen.map ? &*chosen.map : nullptr;
  if (limits) {
    report.limits = *limits;
    report.readiness = disc::AssessReadiness(*limits, map);
    report.estimate = disc::EstimateMigration(report.profile, *limits, map);
  }

  DiscoverResult result;
  result.report = disc::DiscoveryToJson(report);
  BW_RETURN_IF_ERROR(
      disc::WriteDiscoveryReport(options.out_dir, result.report));
  result.json_path = (fs::path(options.out_dir) / "discovery.json").string();
  result.html_path = (fs::path(options.out_dir) / "discovery.html").string();
  return result;
}

}  // namespace bridgework::cli
