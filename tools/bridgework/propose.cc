#include "tools/bridgework/propose.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/mapping/map.h"
#include "libs/proposer/proposer.h"
#include "tools/bridgework/extractor_access.h"
#include "tools/bridgework/run_config.h"

namespace bridgework::cli {
namespace fs = std::filesystem;

namespace {

// The shipped maps for `crm` under `dir` (<dir>/*/map.yaml). A map that
// does not parse is left out with a warning naming the file.
std::vector<mapping::Map> LoadDefaultMaps(const std::string& dir,
                                          const std::string& crm) {
  std::vector<mapping::Map> maps;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return maps;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    fs::path m = entry.path() / "map.yaml";
    if (fs::exists(m, ec)) files.push_back(m);
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& m : files) {
    std::ifstream in(m);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = mapping::ParseMap(text.str(), m.string());
    if (!parsed.ok()) {
      std::cerr << "bridgework: default map left out: "
                << parsed.status().message() << "\n";
      continue;
    }
    if (parsed->destination == crm) maps.push_back(std::move(*parsed));
  }
  return maps;
}

absl::Status WriteAtomically(const std::string& path, const std::string& text) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path())
    fs::create_directories(target.parent_path(), ec);
  fs::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.good()) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot write ", tmp.string()));
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot write ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProposeResult> RunPropose(const ProposeCommand& command) {
  BW_ASSIGN_OR_RETURN(RunConfig config,
                      LoadRunConfig(command.source_config,
                                    {.destination = false, .map = false}));
  BW_ASSIGN_OR_RETURN(
      ExtractorAccess access,
      ExtractorAccess::Reach(command.services_file, config.services,
                             command.state_dir));
  ProposeResult result;
  result.private_extractor = access.started_privately();
  BW_ASSIGN_OR_RETURN(std::vector<v1::ObjectSchema> schemas,
                      access.DescribeAll(config.source));
  proposer::SourceSample sample;
  sample.system = config.source.system();
  sample.phone_region = config.phone_region;
  for (const v1::ObjectSchema& schema : schemas) {
    proposer::SampleBuilder builder(schema);
    int read = 0;
    BW_RETURN_IF_ERROR(access.Read(
        config.source, schema.object_type(),
        [&](const v1::RecordBatch& batch) {
          for (const v1::Record& r : batch.records()) {
            if (read >= command.sample) return false;
            builder.Add(r);
            ++read;
          }
          return read < command.sample;
        },
        std::min(command.sample, 500)));
    result.records += read;
    sample.objects.push_back(builder.Finish());
  }
  result.objects = static_cast<int>(sample.objects.size());
  std::vector<mapping::Map> maps =
      LoadDefaultMaps(command.default_maps_dir, command.crm);
  proposer::ProposeOptions options;
  options.crm = command.crm;
  options.threshold = command.threshold;
  for (const mapping::Map& m : maps) options.default_maps.push_back(&m);
  result.default_maps = static_cast<int>(maps.size());
  BW_ASSIGN_OR_RETURN(proposer::Proposal proposal,
                      proposer::Propose(sample, options));
  std::string yaml = proposer::WriteMapYaml(proposal, &result.summary);
  // The written map must load; a failure here is a proposer bug.
  auto check = mapping::ParseMap(yaml, command.out);
  if (!check.ok()) {
    return absl::InternalError(absl::StrCat(
        "the proposed map does not parse (a bug): ", check.status().message()));
  }
  BW_RETURN_IF_ERROR(WriteAtomically(command.out, yaml));
  return result;
}

}  // namespace bridgework::cli
