// "drdentes_api": reads a Dr.DENTES practice through its REST API
// (docs/connectors/drdentes-api.md): base_url plus an access token sent as
// "Authorization: Bearer <token>".
//
// Objects are drdentes_objects.h's, parents first; each is one list
// endpoint read in id order with cursor pagination (per_page =
// config.page_size, the API's opaque meta.next_cursor). Records:
// object_type the object, source_key the wire id, fields the declared
// fields (the wire "id" under the object's key name, "patient_id") plus any
// undeclared wire field passed through, fingerprint
// record::Fingerprint(fields), source_updated_at the record's updated_at,
// location {file: the endpoint path ("/appointments"), record: the id}.
//
// Values: enumeration codes decode to names ("geldi" -> "Completed");
// amounts are exact decimals in the record's "currency" (else
// config.currency); dates stay dates; timestamps (RFC 3339) keep their
// instant and carry config.time_zone; FDI tooth numbers are checked and
// kept as text; empty strings are null.
//
// Rejections (stage "extract"; reasons name the endpoint, page, record id
// and field, never a value): an unknown enumeration code, a value of the
// wrong type, an impossible date, a tooth that is not an FDI number, a
// missing required field, a record without a whole-number id. Reading goes
// on after each.
//
// Reading: one request per page through crm::RestTransport (pacing, 429
// honouring Retry-After or X-RateLimit-Reset, retries of 5xx and transport
// failures with backoff). Cursors are "drdentes_api:v1:<object>:<page
// number>:<records of the page consumed>:<API cursor of the page>"; a
// reader holds at most one page. With `since`, the API is asked for
// updated_since=<since> and records changed at or before `since` are
// dropped (the API's filter is inclusive); records without a readable
// change time are kept.
//
// Errors: UNAUTHENTICATED when the API refuses the token (naming the base
// URL and the token variable, never the token), UNAVAILABLE when the
// server cannot be reached, keeps failing or keeps answering 429 (naming
// the base URL), PERMISSION_DENIED / NOT_FOUND / INVALID_ARGUMENT for
// 403 / 404 / other 4xx answers, INTERNAL for a reply that is not a page,
// INVALID_ARGUMENT for a bad config or cursor, NOT_FOUND for an unknown
// object.
//
// Thread safety: the connector is thread-safe (each reader has its own
// HTTP client; readers share one pacer); readers are not.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_DRDENTES_DRDENTES_API_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_DRDENTES_DRDENTES_API_SOURCE_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "bridgework/v1/config.pb.h"
#include "libs/crm/http_client.h"
#include "libs/crm/retry.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// Seams for tests; defaults are the real ones.
struct DrdentesApiDeps {
  // Makes one HTTP client per reader (and per ListObjects call). Default:
  // crm::MakeCurlHttpClient.
  std::function<std::unique_ptr<crm::HttpClient>()> http;
  crm::Clock clock = crm::SystemClock();
  crm::Sleeper sleeper = crm::SystemSleeper();
};

// Reads the token from the environment variable config.token_env (default
// BRIDGEWORK_DRDENTES_TOKEN) now. INVALID_ARGUMENT for a missing or
// non-http(s) base_url, a token variable that is unset or empty, an
// unknown time zone, a malformed currency or a page size outside 1..500.
// Does not connect.
absl::StatusOr<std::unique_ptr<SourceConnector>> MakeDrdentesApiSource(
    const v1::DrdentesApiSourceConfig& config, DrdentesApiDeps deps = {});

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_DRDENTES_DRDENTES_API_SOURCE_H_
