// Run reports: report.json (schema "bridgework.report/v1", documented in
// docs/report.md) and a self-contained report.html rendered from it.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_REPORT_REPORT_H_
#define BRIDGEWORK_LIBS_REPORT_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "bridgework/v1/auditor.pb.h"

namespace bridgework::report {

// The JSON report. `extra` (owners, destination, emulator stats) is copied
// under "extra".
nlohmann::json ReportToJson(const v1::RunReport& report,
                            const nlohmann::json& extra);

// A self-contained HTML page (inline CSS, no script) for a JSON report.
std::string ReportToHtml(const nlohmann::json& report);

// Writes <dir>/report.json and <dir>/report.html.
absl::Status WriteReportFiles(const std::string& dir,
                              const nlohmann::json& report);

}  // namespace bridgework::report

#endif  // BRIDGEWORK_LIBS_REPORT_REPORT_H_
