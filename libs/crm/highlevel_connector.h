// HighLevel (LeadConnector) connector, API v2: "Authorization: Bearer",
// the "Version" header on every call (2021-07-28; 2021-04-15 for
// calendars) and the location id on every call. Contacts (upsert honours
// the location's duplicate setting), businesses, opportunities with
// pipelines and stages, calendar appointments, notes and tasks under their
// contact, custom fields, custom objects and their records with
// associations, media upload and users search
// (docs/connectors/highlevel.md).
#ifndef BRIDGEWORK_LIBS_CRM_HIGHLEVEL_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_HIGHLEVEL_CONNECTOR_H_

#include <memory>
#include <string>

#include "libs/crm/crm_connector.h"
#include "libs/crm/rest_transport.h"

namespace bridgework::crm {

struct HighLevelConfig {
  // "https://services.leadconnectorhq.com" or the emulator's root; no
  // trailing slash.
  std::string base_url;
  // Private Integration Token or location OAuth token. Never logged.
  std::string token;
  // The sub-account every call is scoped to. REQUIRES: non-empty.
  std::string location_id;
  // The agency id (users search needs it).
  std::string company_id;
  // Burst limit: requests per 10 seconds (100 on every plan).
  int burst_per_10s = 100;
  // Optional pacer shared by every connector of this location.
  std::shared_ptr<RequestPacer> pacer;
};

std::unique_ptr<CrmConnector> MakeHighLevelConnector(
    const HighLevelConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock = SystemClock(), Sleeper sleeper = SystemSleeper());

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_HIGHLEVEL_CONNECTOR_H_
