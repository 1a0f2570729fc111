// The null destination (`bridgework-loader --crm null`): a CrmConnector
// that encodes every write as a Freshsales-shaped JSON request body (the
// record wrapped in its entity name, custom fields under "custom_field",
// the owner and resolved lookups as ids; bulk upserts as one body of up to
// 100 records, as the Freshsales connector sends them), then discards the
// body and answers with a synthetic id. Nothing is sent anywhere. It
// measures the suite without a CRM's latency or rate limits (bench/e2e,
// docs/benchmarks.md).
//
// The account it stands for is empty (List, Get and FindByExternalKey find
// nothing), has every custom field, object and pipeline a map asks for, and
// has the users named by the base URL: "null:<email>[,<email>...]" (user
// ids "1", "2", ... in that order).
#ifndef BRIDGEWORK_LIBS_CRM_NULL_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_NULL_CONNECTOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/crm/crm_connector.h"

namespace bridgework::crm {

// The CRM whose wire shape (and whose runs) the null destination takes:
// a loader started with --crm null serves runs whose destination is this.
inline constexpr char kNullServes[] = "freshsales";

// The Freshsales-shaped body of one record ({"<entity>": {...}}), as the
// null connector encodes it. Exposed for the micro benchmarks.
nlohmann::json NullRecordBody(const ResolvedRecord& record);

// INVALID_ARGUMENT when `base_url` names no user.
absl::StatusOr<std::unique_ptr<CrmConnector>> MakeNullConnector(
    const std::string& base_url);

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_NULL_CONNECTOR_H_
