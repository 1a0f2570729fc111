// The run configuration file (docs/config.md): source, destination, map,
// run options and where the services are. Parsed strictly: an unknown key
// or a missing file is one clear error naming the file and line.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_RUN_CONFIG_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_RUN_CONFIG_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/config.pb.h"
#include "bridgework/v1/record.pb.h"
#include "libs/mapping/map.h"

namespace bridgework::cli {

struct ServiceAddresses {
  std::string extractor;
  std::string transformer;
  std::string loader;
  std::string auditor;
  bool complete() const {
    return !extractor.empty() && !transformer.empty() && !loader.empty() &&
           !auditor.empty();
  }
};

struct RunConfig {
  std::string path;  // the file it was read from
  v1::SourceConfig source;
  v1::DestinationConfig destination;
  // For `bridgework up`: the CRM base URL the loader is started with, and
  // where its token is: the file `token_file` (absolute; preferred when
  // set) or the environment variable `token_env`. Neither is part of the
  // config hash.
  std::string destination_url;
  std::string token_env = "BRIDGEWORK_CRM_TOKEN";
  std::string token_file;
  // destination.phi_key_file: the master key of `phi: hash` fields, for
  // `bridgework up` to give the transformer (--phi-key-file; absolute).
  // Not part of the config hash.
  std::string phi_key_file;
  std::string map_path;
  std::string map_yaml;
  int batch_size = 500;
  std::string phone_region = "US";
  // run.existing / run.crm_edited: what to do with records that already
  // exist in the CRM (matched) and with records edited in the CRM since
  // they were written (delta). Both default to skip. dry_run stays false
  // here (a command-line flag).
  v1::WritePolicy policy;
  // run.sample_size (100..500, default 200) and run.sample_seed.
  int sample_size = 200;
  int sample_seed = 1;
  ServiceAddresses services;
  // Canonical JSON of the settings that define the run (no secrets), and
  // its SHA-256.
  std::string canonical_json;
  std::string hash;
};

// Which sections a command needs. `discover` and `propose` read the source
// only: their config may omit `map:` (and `destination:`, when the CRM is
// given on the command line). An absent optional section stays empty.
struct RunConfigParts {
  bool destination = true;
  bool map = true;
};

absl::StatusOr<RunConfig> LoadRunConfig(const std::string& path,
                                        RunConfigParts parts = {});

// The map's PHI policies as recorded with a run (RunInfo.config_json key
// "phi") and in the report (extra.phi): {"default", "fields": [{route, to,
// from, policy, note_field}]} for the fields that do not migrate; an empty
// object when every field migrates. Names only, never values.
nlohmann::json PhiJson(const mapping::Map& map);

// Reads services.json written by `bridgework up`.
absl::StatusOr<ServiceAddresses> LoadServiceAddresses(const std::string& path);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_RUN_CONFIG_H_
