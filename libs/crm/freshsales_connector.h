// Freshsales (Freshworks CRM) connector: /crm/sales/api, "Token token="
// auth, bodies wrapped in the singular entity name, custom fields under
// "custom_field" (docs/connectors/freshsales.md).
#ifndef BRIDGEWORK_LIBS_CRM_FRESHSALES_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_FRESHSALES_CONNECTOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libs/crm/crm_connector.h"
#include "libs/crm/rest_transport.h"

namespace bridgework::crm {

// Typed configuration of the Freshsales connector.
struct FreshsalesConfig {
  // Up to and including /crm/sales/api, no trailing slash.
  std::string base_url;
  // The API key. Never logged.
  std::string token;
  // The account's hourly budget (plan: growth 1000, pro 2000,
  // enterprise 5000).
  int requests_per_hour = 1000;
  // Requests that may go back to back before pacing starts.
  int burst = 10;
  // Optional pacer shared by every connector of this account.
  std::shared_ptr<RequestPacer> pacer;
};

// A note's text is at most this many bytes (seed 003: "Notes exceeding
// 32 KB are split across multiple Freshsales Note records").
inline constexpr size_t kFreshsalesNoteMaxBytes = 32 * 1024;

// The texts of the notes a note of `text` becomes: `text` itself when it
// fits, else parts of at most kFreshsalesNoteMaxBytes bytes, each headed
// "(part i of n)\n" and cut at a line break (or else a space) in the last
// quarter of the part when there is one, never inside a UTF-8 sequence.
// The parts without their headers concatenate to `text`.
std::vector<std::string> FreshsalesNoteParts(std::string_view text);

// Hourly request budget of a Freshsales plan; 0 for an unknown plan.
int FreshsalesPlanBudget(const std::string& plan);

std::unique_ptr<CrmConnector> MakeFreshsalesConnector(
    const FreshsalesConfig& config, std::unique_ptr<HttpClient> http,
    Clock clock = SystemClock(), Sleeper sleeper = SystemSleeper());

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_FRESHSALES_CONNECTOR_H_
