// The reconciliation report (`bridgework reconcile`) as a self-contained
// HTML page beside its JSON: the verdict, per source object the source,
// ledger and CRM counts, relationships, fill and owner rates, the failures,
// drift (field names only), quarantined and skipped records. The JSON's
// schema is "bridgework.reconcile/v1" (docs/design.md "Reconciliation");
// it holds no field value, and neither does the page.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_REPORT_RECONCILE_PAGE_H_
#define BRIDGEWORK_LIBS_REPORT_RECONCILE_PAGE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace bridgework::report {

// The page for a reconciliation JSON (missing keys render as empty); every
// string is HTML-escaped.
std::string ReconcileToHtml(const nlohmann::json& reconcile_json);

// Writes <dir>/reconcile.json and <dir>/reconcile.html, each atomically.
// UNAVAILABLE if a file cannot be written.
absl::Status WriteReconcileFiles(const std::string& dir,
                                 const nlohmann::json& reconcile_json);

}  // namespace bridgework::report

#endif  // BRIDGEWORK_LIBS_REPORT_RECONCILE_PAGE_H_
