// `bridgework propose`: reads a source's schema and a sample of its records
// through the extractor (ExtractorAccess: the running one or a private
// one), proposes a map for a CRM (libs/proposer) and writes it. Sampled
// values stay in this process's memory; nothing prints them.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_PROPOSE_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_PROPOSE_H_

#include <string>

#include "absl/status/statusor.h"
#include "libs/proposer/writer.h"

namespace bridgework::cli {

struct ProposeCommand {
  std::string source_config;  // a run config; its source section is read
  std::string crm;            // "freshsales", "pipedrive", "highlevel"
  std::string out;            // where the map is written
  double threshold = 0.7;
  int sample = 500;  // records read per object
  // Directory of shipped maps (<dir>/*/map.yaml); those for `crm` are the
  // proposer's default-map signal. Empty: none.
  std::string default_maps_dir;
  std::string services_file = ".bridgework/services.json";
  std::string state_dir = ".bridgework";
};

struct ProposeResult {
  proposer::WriteSummary summary;
  int objects = 0;
  long long records = 0;  // records sampled, all objects
  int default_maps = 0;   // default maps used
  bool private_extractor = false;
};

// Writes the map to `out` (replacing it atomically). Errors: the config's
// (INVALID_ARGUMENT / NOT_FOUND naming the file), the extractor's, an
// unknown CRM, or an unwritable output.
absl::StatusOr<ProposeResult> RunPropose(const ProposeCommand& command);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_PROPOSE_H_
