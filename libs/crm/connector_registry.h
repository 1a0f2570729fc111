// Connectors by name. The loader, the CLI and the conformance tests make a
// connector from one typed ConnectorConfig; each CRM's factory turns it
// into its own typed config (FreshsalesConfig, PipedriveConfig,
// HighLevelConfig) and checks what it needs.
#ifndef BRIDGEWORK_LIBS_CRM_CONNECTOR_REGISTRY_H_
#define BRIDGEWORK_LIBS_CRM_CONNECTOR_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/crm/crm_connector.h"
#include "libs/crm/http_client.h"
#include "libs/crm/retry.h"

namespace bridgework::crm {

// The null destination (libs/crm/null_connector.h): MakeConnector makes it
// from the base URL alone (its users); it is not among ConnectorNames().
inline constexpr char kNullCrm[] = "null";

struct ConnectorConfig {
  // "freshsales", "pipedrive", "highlevel" or kNullCrm.
  std::string crm;
  // API root: Freshsales ".../crm/sales/api"; Pipedrive the company URL
  // ("https://acme.pipedrive.com", the connector adds /api/v2 and /api/v1);
  // HighLevel "https://services.leadconnectorhq.com". No trailing slash.
  std::string base_url;
  // API key or token. Never logged.
  std::string token;
  // The plan, which sets the default pacing ("growth", "pro", ...).
  std::string plan;
  // HighLevel: the sub-account (location) and its agency (company).
  std::string location_id;
  std::string company_id;
  // Overrides of the plan's pacing; 0 keeps the plan's.
  double requests_per_second = 0;
  int burst = 0;
  // Optional pacer shared by every connector of the account; when set, the
  // pacing fields above are ignored.
  std::shared_ptr<RequestPacer> pacer;
};

// The default pacing of a CRM plan: requests per second and burst.
// INVALID_ARGUMENT for an unknown CRM or plan (the message lists the
// known ones).
struct Pacing {
  double requests_per_second = 0;
  int burst = 0;
};
absl::StatusOr<Pacing> PlanPacing(const std::string& crm,
                                  const std::string& plan);

// INVALID_ARGUMENT for an unknown CRM or a config the CRM cannot use
// (HighLevel without a location id, the null destination without users).
absl::StatusOr<std::unique_ptr<CrmConnector>> MakeConnector(
    const ConnectorConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock = SystemClock(), Sleeper sleeper = SystemSleeper());

// "freshsales", "highlevel", "pipedrive".
std::vector<std::string> ConnectorNames();

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_CONNECTOR_REGISTRY_H_
