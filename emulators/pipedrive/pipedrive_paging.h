// Query parameters and pagination of the Pipedrive API: v2 cursors
// (`cursor`, `limit` default 100 and at most 500, additional_data
// .next_cursor null at the end) and v1 offsets (`start`, `limit`,
// additional_data.pagination). Cursors are opaque to clients: URL-safe
// base64 of a small JSON object.
//
// Pure functions; thread-compatible.
#ifndef BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_PAGING_H_
#define BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_PAGING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace bridgework::emulator::pipedrive {

inline constexpr int64_t kDefaultLimit = 100;
inline constexpr int64_t kMaxLimit = 500;

// The integer query parameter `name`; nullopt if absent; InvalidArgument
// naming it if not an integer.
absl::StatusOr<std::optional<int64_t>> IntParam(const httplib::Request& req,
                                                const char* name);
// "true"/"1" or "false"/"0"; nullopt if absent.
absl::StatusOr<std::optional<bool>> BoolParam(const httplib::Request& req,
                                              const char* name);
// A comma-separated parameter, empty items dropped.
std::vector<std::string> ListParam(const httplib::Request& req,
                                   const char* name);

// v2 `limit`: default 100; InvalidArgument outside 1..500.
absl::StatusOr<int64_t> V2Limit(const httplib::Request& req);

std::string EncodeCursor(const nlohmann::json& position);
// The decoded `cursor` parameter (null if absent); InvalidArgument if it
// is not one this emulator issued.
absl::StatusOr<nlohmann::json> DecodeCursor(const httplib::Request& req);

// Offset pagination behind an opaque v2 cursor (searches, field lists).
struct OffsetPage {
  size_t offset = 0;
  size_t limit = kDefaultLimit;
  // The next_cursor for a collection of `total` items: a string, or null
  // at the end.
  nlohmann::json Next(size_t total) const;
};
absl::StatusOr<OffsetPage> ParseOffsetPage(const httplib::Request& req);

// v1 `start` (default 0) and `limit` (default 100; larger values are
// clamped to `max_limit`).
struct StartPage {
  int64_t start = 0;
  int64_t limit = kDefaultLimit;
  // {"start","limit","more_items_in_collection","next_start"?} for a
  // collection of `total` items.
  nlohmann::json Pagination(size_t total) const;
};
absl::StatusOr<StartPage> ParseStartPage(const httplib::Request& req,
                                         int64_t max_limit = kMaxLimit);

}  // namespace bridgework::emulator::pipedrive

#endif  // BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_PAGING_H_
