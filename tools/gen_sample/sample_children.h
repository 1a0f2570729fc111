// The files of the sample that hang off patients, locations and providers
// (every file of the layout but locations.csv, providers.csv and
// patients.csv), and documents/. Internal to tools/gen_sample; what it
// writes is described in sample_generator.h and
// docs/connectors/pbn-export.md.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_CHILDREN_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_CHILDREN_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/gen_sample/sample_generator.h"

namespace bridgework::gen_sample {

// What the children need to know of a patient row that the extractor
// accepts. Text fields are as written in patients.csv.
struct PatientInfo {
  int64_t id = 0;
  std::string first_name;  // as written (may be accented)
  std::string last_name;
  std::string location;                 // "1" or "2"
  std::string provider;                 // primary_provider_id
  int64_t guarantor = 0;                // 0: self
  std::string birth_date;               // "" when unknown
  std::string status;                   // active, inactive, archived
  int completed = 0;                    // completed_appointments
  std::string first_visit, last_visit;  // "" for prospects
  std::string created_at;               // "YYYY-MM-DD HH:MM:SS"
  std::string referral;                 // referral_source
  bool has_email = false;
  bool has_mobile = false;  // a well-formed mobile number
};

// Writes the child files into `dir` for `patients` (in patients.csv order),
// drawing from a random stream of its own seeded by `seed`, and adds their
// FileSummary entries, dangling_appointment_line and document_files to
// `summary`. INTERNAL when a file cannot be written.
absl::Status WriteChildren(const std::filesystem::path& dir, uint32_t seed,
                           const std::vector<PatientInfo>& patients,
                           SampleSummary* summary);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_CHILDREN_H_
