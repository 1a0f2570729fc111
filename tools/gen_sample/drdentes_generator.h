// A deterministic sample Dr.DENTES export (seed 003: Dr.DENTES ->
// Freshsales) in the shape examples/drdentes-freshsales/layout.yaml
// describes: one semicolon-separated UTF-8 file per object, Turkish
// conventions (dates 31.12.2026, amounts 1.234,50 in TRY, FDI tooth
// numbers, +90 phones), English column names.
//
// Files: clinics (a head office and two branches), staff, treatment_items
// (the tariff), patients (incl. unconverted leads with no first
// appointment), treatment_cases, treatment_case_items (line items),
// appointments, clinical_notes (one longer than 32 KB), recalls, billing,
// imaging_records (with small PNG files under images/), lab_orders,
// prescriptions and workflows (exported for rebuild only). Every foreign
// key names a row that exists.
//
// Mess on purpose: mixed phone formats, emails in mixed case or missing, a
// person entered twice (same name and phone), staff without email, a
// passive dentist, one imaging record without its file. Exactly two rows
// are bad (listed in ExportSummary::bad_rows and the example's README): a
// lead's impossible birth date in patients.csv and an appointment duration
// written "45 dk" in appointments.csv; nothing references either row.
//
// Only reserved domains (*.example) and synthetic 0555 01x numbers are
// used; national ids fail the TC Kimlik checksum. The same seed always
// gives byte-identical files.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_DRDENTES_GENERATOR_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_DRDENTES_GENERATOR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tools/gen_sample/gen_util.h"

namespace bridgework::gen_sample {

// Writes the export into `out_dir` (created if missing; files replaced).
// INTERNAL when a file cannot be written.
absl::StatusOr<ExportSummary> WriteDrDentesSample(const std::string& out_dir,
                                                  uint32_t seed = 42);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_DRDENTES_GENERATOR_H_
