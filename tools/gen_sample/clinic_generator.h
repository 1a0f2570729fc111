// A deterministic sample export of a generic clinic management system
// (seed 004: "Clinic Management Software" -> Freshsales) in the shape
// examples/clinic-freshsales/layout.yaml describes: a US outpatient clinic
// group (family and sports medicine, physical therapy) whose Windows
// export tool writes comma-separated UTF-8 files with a byte-order mark and
// CRLF line ends, US dates (03/14/2026) and 12-hour times (09:30 AM); the
// lab interface's columns use ISO 8601 instead.
//
// Files: locations, providers, insurance_carriers, referring_physicians,
// patients, appointments, treatment_plans, billing, lab_results,
// documents (with small real PDF, PNG and text files under documents/),
// custom_field_definitions and patient_custom_fields, workflows (exported
// for rebuild only) and reports (dashboards; not migrated). Every foreign
// key names a row that exists.
//
// Mess on purpose: staff without email, patients without email or with two
// insurance plans, a person entered twice, denied claims, abnormal lab
// flags, quoted multi-line goals. Exactly two rows are bad (listed in
// ExportSummary::bad_rows and the example's README): a billed amount of
// "TBD" in billing.csv and a document whose file is missing in
// documents.csv; nothing references either row.
//
// Only reserved domains (*.example) and 555-01xx phone numbers are used;
// NPIs and policy numbers are random. The same seed always gives
// byte-identical files.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_CLINIC_GENERATOR_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_CLINIC_GENERATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tools/gen_sample/gen_util.h"

namespace bridgework::gen_sample {

// Writes the export into `out_dir` (created if missing; files replaced).
// INTERNAL when a file cannot be written.
absl::StatusOr<ExportSummary> WriteClinicSample(const std::string& out_dir,
                                                uint32_t seed = 42);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_CLINIC_GENERATOR_H_
