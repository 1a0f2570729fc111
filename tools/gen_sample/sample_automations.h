// The practice's automations in the sample export: automations.csv and
// automation_steps.csv (docs/connectors/pbn-export.md). They are the
// practice's configuration, not patient data: the same rows whatever the
// number of patients and the seed. Internal to tools/gen_sample.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_AUTOMATIONS_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_AUTOMATIONS_H_

#include <filesystem>

#include "absl/status/status.h"
#include "tools/gen_sample/sample_generator.h"

namespace bridgework::gen_sample {

// Writes automations.csv and automation_steps.csv into `dir` (each with one
// deliberately bad row the extractor rejects) and appends their
// FileSummary entries to `summary`. Every location and provider they name
// is in the sample's locations.csv and providers.csv. INTERNAL when a file
// cannot be written.
absl::Status WriteAutomations(const std::filesystem::path& dir,
                              SampleSummary* summary);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_AUTOMATIONS_H_
