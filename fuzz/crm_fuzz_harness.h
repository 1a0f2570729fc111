// Drives a CRM connector against a fake HttpClient whose responses come
// from a fuzz input, so the code that turns a CRM's response bodies (and
// rate-limit headers) into ids, records, pages, users, schema and errors
// meets arbitrary bytes. Shared by the three CRM fuzz targets, their replay
// tests and crm_seed_recorder (docs/fuzzing.md).
//
// Input format:
//   <ops> '\n' <response> ( '\x1e' <response> )*
// <ops> is up to kMaxOps pairs of bytes <op><object>: the op letter (see
// kOps in crm_fuzz_harness.cc: 'u' ListUsers, 'S'/'s' PrepareSchema with or
// without apply, 'c' Create, 'U' Update, 'p' Patch, 'g' Get, 'd' Delete,
// 'f' FindByExternalKey, 'l' List, 'b' BulkUpsert, 'r' Restore, 'w'
// PlanWrite, 'j' Project and OwnerOf of the next response's body) and the
// object, a digit indexing the CRM's object list (any byte, modulo its
// size). Each request the connector sends takes the next <response>:
//   <status byte> [ <header lines "name: value\n"> '\n' ] <body>
// The status byte picks from kStatuses (digits '0'..'9': 200, 201, 204,
// 400, 404, 422, 429, 500, 401, 403; other bytes modulo); a letter status
// byte means header lines follow, up to an empty line. Once the responses
// run out every request fails UNAVAILABLE (a transport failure).
//
// Nothing sleeps: the clock is fake and advances with each sleep, and the
// pacer lets every request go.
#ifndef BRIDGEWORK_FUZZ_CRM_FUZZ_HARNESS_H_
#define BRIDGEWORK_FUZZ_CRM_FUZZ_HARNESS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "libs/crm/crm_connector.h"
#include "libs/crm/http_client.h"

namespace bridgework::fuzz {

inline constexpr size_t kMaxOps = 8;
inline constexpr char kResponseSeparator = '\x1e';

// "freshsales", "pipedrive" or "highlevel", with the fake clock, sleeper
// and pacer above (HighLevel: location "loc1", company "cmp1"); nullptr
// for another name.
std::unique_ptr<crm::CrmConnector> MakeFuzzConnector(
    const std::string& crm, const std::string& base_url,
    const std::string& token, std::unique_ptr<crm::HttpClient> http);

// Runs `ops` (the <ops> part of an input) against `connector`. `next_body`
// gives the body for a 'j' op (the next response's, taken from the input);
// it is never called by crm_seed_recorder's ops. Never throws, never
// crashes: what the connector returns is ignored except that it must not
// break the connector's contract (a successful Create returns an id).
void RunOps(crm::CrmConnector& connector, const std::string& crm,
            std::string_view ops,
            const std::function<std::string()>& next_body);

// The entry point of the three CRM fuzz targets.
void FuzzConnector(const std::string& crm, const uint8_t* data, size_t size);

// A response in the input format (the status byte for its status, its
// rate-limit headers), for crm_seed_recorder.
std::string EncodeResponse(const crm::HttpResponse& response);

}  // namespace bridgework::fuzz

#endif  // BRIDGEWORK_FUZZ_CRM_FUZZ_HARNESS_H_
