// A deterministic, realistic Practice by Numbers export
// (docs/connectors/pbn-export.md) for demos and tests.
//
// It writes locations.csv (a main practice and a satellite under it),
// providers.csv (two with the emails of the Freshsales emulator's users,
// dr.rivera@ and dr.chen@smilebright.example, others whose emails have no
// CRM user, one with no email) and patients.csv with the mess real practice
// data has: accented names, ~10% missing emails, ~5% malformed phones,
// phones in three US formats, emails in lower and mixed case, a few people
// entered twice under two patient ids (same email and birth date),
// prospects with no completed appointment, guarantor families, a quoted
// address with a comma and one spanning two lines. Exactly two rows are
// malformed so the demo shows quarantine with file:line: one with a wrong
// number of columns, one with an impossible birth date (2023-02-30).
//
// With objects kAll (the default) it also writes every other file of the
// layout (pbn_layout.h), from the same seed, each row referring only to
// rows that exist: campaigns and their members, custom patient properties,
// insurance, treatment plans, appointments, treatments, payments, recalls,
// reviews, notes, documents (with small real PDF, PNG and text files under
// documents/), communications, form submissions, monthly KPI metrics
// computed from the rest, and the practice's automations and their steps
// (the same rows for any options). Each of those files has one deliberately bad
// row the extractor rejects (FileSummary::bad_rows; docs/connectors/
// pbn-export.md lists them), and appointments.csv has one well-formed row
// whose patient is not in patients.csv (dangling_appointment_line), which
// only the loader can refuse. locations.csv, providers.csv and patients.csv
// are the same whichever objects are written.
//
// Only reserved domains are used (smilebright.example, mail.example) and
// only 555-01xx phone numbers. The same options always give byte-identical
// files.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_GENERATOR_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_GENERATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace bridgework::gen_sample {

enum class SampleObjects {
  kCore,  // locations.csv, providers.csv, patients.csv
  kAll,   // every file of the layout, and documents/
};

struct SampleOptions {
  // Directory to write into; created if missing. Existing files are
  // replaced; with kAll, its documents/ folder is emptied first.
  std::string out_dir;
  // Rows of patients.csv, the two malformed ones included. At least 10.
  int patients = 300;
  uint32_t seed = 42;
  SampleObjects objects = SampleObjects::kAll;
};

// A row written so that the extractor rejects it.
struct BadRow {
  int64_t line = 0;
  // The column the rejection names; "" for a problem of the whole row
  // (wrong number of columns).
  std::string field;
};

struct FileSummary {
  // "appointments.csv".
  std::string file;
  // Data rows written, the bad ones included.
  int rows = 0;
  // In file order.
  std::vector<BadRow> bad_rows;
};

struct SampleSummary {
  int locations = 0;
  int providers = 0;
  // Rows of patients.csv (patients + malformed rows).
  int patient_rows = 0;
  // Of those, the rows that are well formed.
  int valid_patients = 0;
  // Second entries of a person already entered under another id.
  int duplicate_people = 0;
  // Patients whose guarantor is another patient.
  int dependents = 0;
  int missing_emails = 0;
  int malformed_phones = 0;
  // Patients with no completed appointment.
  int prospects = 0;
  // Lines of patients.csv holding the malformed rows: wrong column count,
  // then impossible birth date.
  std::vector<int64_t> malformed_lines;
  // Every CSV file written: locations.csv, providers.csv, patients.csv,
  // then the others in the layout's order.
  std::vector<FileSummary> files;
  // Line of appointments.csv holding the appointment of a patient missing
  // from patients.csv; 0 with objects kCore.
  int64_t dangling_appointment_line = 0;
  // Files written under documents/.
  int document_files = 0;

  // One line: what was written.
  std::string ToString(const std::string& out_dir) const;
};

// Patients who can be given a mobile number no other patient has: the
// 2,400 lines 555-0100..0199 (the fictional range) and the 9,800 lines
// 555-0200..9999 (not assigned to subscribers either) of 24 area codes.
inline constexpr int kMobileNumbers = 2400 + 24 * 9800;

// The mobile number (area code, line of the 555 exchange) for the patient
// generated `i`-th (from 0): one person's for every i below kMobileNumbers
// (the CRMs refuse a repeated mobile, which would quarantine the patient
// and everything under it); nullopt from there on.
std::optional<std::pair<int, int>> MobileNumberOf(int i);

// INVALID_ARGUMENT for fewer than 10 patients; INTERNAL when a file cannot
// be written.
absl::StatusOr<SampleSummary> WriteSample(const SampleOptions& options);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_SAMPLE_GENERATOR_H_
