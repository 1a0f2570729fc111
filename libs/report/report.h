// Run reports: report.json, with the stable schema below, and a
// self-contained report.html rendered from it (inline CSS and SVG, no
// script, no external assets).
//
// report.json, schema "bridgework.report/v1". Every key is always present;
// keys are only ever added within v1.
//
//   {
//     "schema": "bridgework.report/v1",
//     "run": {
//       "id": "r-000007",
//       "kind": "migrate" | "sample" | "delta" | "rollback" |
//               "unspecified",
//       "state": "running" | "succeeded" | "failed" | "rolled_back" |
//                "unspecified",
//       "account": "...",            // destination account
//       "started_at": "2026-11-22T21:30:00+00:00",  // RFC 3339 or ""
//       "finished_at": "",
//       "config_hash": "<sha256 hex>", "map_hash": "<sha256 hex>",
//       "target_run_id": "",         // rollback runs: the run undone
//       "message": ""                // one line on failure
//     },
//     "objects": [                   // one per source object, by name
//       { "source_object": "patient",
//         "extracted": 120,          // every source record seen
//         "loaded": 110,   // = created + updated + unchanged + adopted
//                          //   + matched (+ actions not counted apart)
//         "created": 100, "updated": 5, "unchanged": 4, "adopted": 1,
//         "matched": 0,              // existed in the CRM before the run
//                                    // and was matched (ObjectReport.matched)
//         "quarantined": 8, "skipped": 2,
//         "balanced": true,          // extracted == loaded+quarantined+skipped
//         "quarantine": [            // at most the ledger's cap per object
//           { "source_key": "17", "file": "patients.csv", "line": 18,
//             "record": "", "field": "birth_date",
//             "reason": "not a date", "stage": "extract",
//             // the whole story in one line (RejectionMessage):
//             "message": "patients.csv:18: patient 17: birth_date: not a date"
//           } ],
//         "quarantine_omitted": 0,   // quarantined entries beyond the cap
//         "skipped_records": [       // skipped by a map rule, same shape,
//           { "source_key": "P1", ..., "stage": "map",   // capped likewise
//             "reason": "reference object: not migrated" } ],
//         "skipped_omitted": 0
//       } ],
//     "totals": { "extracted", "loaded", "created", "updated", "unchanged",
//                 "adopted", "matched", "quarantined", "skipped" },  // sums
//     "requests": 342,               // requests sent to the CRM
//     "operations": { "applied": 0, "failed": 0, "pending": 0 },
//     "balanced": true,              // every object balanced
//     "extra": { ... },              // caller's object (owners, destination)
//     "timeline": {                  // operations over time (timeline.h);
//       "bucket_seconds": 1,         // empty points until the controller
//       "budget_per_second": 0,      // fills it from the ledger
//       "requests_scaled": false,
//       "points": [ { "t": 0, "records": 12, "requests": 14 } ] }
//   }
//
// An optional key, present only when a sample of loaded records was read
// back from the CRM (`bridgework sample`); its values are patient data, so
// it is rendered in the local HTML page and never logged:
//     "diff": { "records": [ { "source_object", "source_key",
//                "target_object", "crm_id",
//                "fields": [ { "section", "field", "source", "expected",
//                              "actual", "match": true } ] } ],
//               "fields_compared": 40, "mismatches": 1 }
//
// Strings are made valid UTF-8 (invalid bytes become U+FFFD), so the JSON
// always serialises. Reasons never hold field values (the ledger's
// contract); the report adds none.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_REPORT_REPORT_H_
#define BRIDGEWORK_LIBS_REPORT_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "bridgework/v1/auditor.pb.h"

namespace bridgework::report {

namespace v1 = ::bridgework::v1;

inline constexpr char kReportSchema[] = "bridgework.report/v1";

// One line naming where the record is, which record and field, and why:
// "patients.csv:18: patient 17: birth_date: impossible date". Where is
// "<file>:<line>", else the record's location (an API path); the record
// part is left out when the key is unknown, the field part when no field
// is to blame. The "<file>:<line>: <field>: " prefix extract reasons carry
// is not repeated. Holds no field value (reasons never do).
std::string RejectionMessage(const v1::Rejection& r);

// A rejection (quarantine, skip or warning) as a report entry: source_key,
// file, line, record, field, reason, stage and message.
nlohmann::json RejectionToJson(const v1::Rejection& r);

// The JSON report of `report`. `extra` (any JSON object; null means none)
// is copied under "extra". The HTML page understands two of its keys:
//   "destination": {"crm", "account", "plan", ...}: shown in the header;
//   "owners": [{"email", "crm_user_id", "matched"}]: the owner matches.
// Other keys are shown as JSON.
nlohmann::json ReportToJson(const v1::RunReport& report,
                            const nlohmann::json& extra);

// A self-contained HTML page for a JSON report (as made by ReportToJson;
// missing keys render as empty). Every string from the report is
// HTML-escaped. Sections: the run and its verdict; totals; per object a
// stacked-bar SVG chart with every count as text, and a table; the
// timeline as an SVG chart (records per second, rate-budget use); the
// sample diff, if any (mismatched rows have class "bad"); quarantine
// reasons grouped per object, then the quarantined records; warnings
// (extra.warnings: quarantine-shaped entries with their source_object);
// skipped records; owners; destination schema; other extras.
std::string ReportToHtml(const nlohmann::json& report_json);

// Writes <dir>/report.json and <dir>/report.html, creating `dir` if
// needed. Each file is written to a temporary name and renamed, so a
// reader never sees half a report. UNAVAILABLE if a file cannot be written.
absl::Status WriteReportFiles(const std::string& dir,
                              const nlohmann::json& report_json);

}  // namespace bridgework::report

#endif  // BRIDGEWORK_LIBS_REPORT_REPORT_H_
