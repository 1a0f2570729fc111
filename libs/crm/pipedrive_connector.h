// Pipedrive connector: API v2 (/api/v2) for persons, organizations, deals,
// activities, products, pipelines, stages, custom-field definitions and
// itemSearch; v1 (/api/v1) for leads, notes, files (multipart), users and
// activity types. "x-api-token" auth. Custom fields are created through
// personFields / organizationFields / dealFields / productFields in
// PrepareSchema; their 40-character keys are remembered per company URL and
// token for the process (pipedrive_account.h). Deletes are soft on
// Pipedrive's side: a record read back with is_deleted (files: active_flag
// false) is gone. Wire format: docs/connectors/pipedrive.md.
//
// Thread safety: one connector per thread (it owns its HttpClient); the
// remembered account state is shared and thread-safe.
#ifndef BRIDGEWORK_LIBS_CRM_PIPEDRIVE_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_PIPEDRIVE_CONNECTOR_H_

#include <memory>
#include <string>

#include "libs/crm/crm_connector.h"
#include "libs/crm/rest_transport.h"

namespace bridgework::crm {

struct PipedriveConfig {
  // The company URL without a trailing slash ("https://acme.pipedrive.com"
  // or the emulator's "http://127.0.0.1:PORT"); the connector appends
  // /api/v2 and /api/v1.
  std::string base_url;
  // The API token ("x-api-token"). Never logged.
  std::string token;
  // Requests per 2-second window for the plan's API-token burst limit
  // (lite 20, growth 40, premium 100, ultimate 120).
  int burst_per_2s = 40;
  // Sustained requests per second; 0 means burst_per_2s / 2 (the burst
  // window's own rate).
  double requests_per_second = 0;
  // Optional pacer shared by every connector of this company.
  std::shared_ptr<RequestPacer> pacer;
};

std::unique_ptr<CrmConnector> MakePipedriveConnector(
    const PipedriveConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock = SystemClock(), Sleeper sleeper = SystemSleeper());

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_PIPEDRIVE_CONNECTOR_H_
