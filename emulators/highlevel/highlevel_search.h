// Advanced search of the HighLevel emulator (internal): the filters, sort
// and searchAfter paging shared by POST /contacts/search and
// POST /opportunities/search. The bodies are assumptions (the spec's DTOs
// are empty or list no filters); docs/connectors/highlevel-emulator.md
// describes them.
//
// Thread safety: pure functions over the caller's records.
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_SEARCH_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_SEARCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgework::emulator::highlevel {

struct SearchRequest {
  nlohmann::json filters;  // array, or null
  std::string sort_field;
  bool ascending = false;
  nlohmann::json search_after;  // [sort value, id], or null
  int64_t page = 1;
  int64_t limit = 20;
};

// Reads "filters", "sort" ([{field, direction}]), "page", the page size
// (`limit_key`, default `default_limit`, at most `max_limit`) and
// "searchAfter" from a validated body. Returns validation messages.
std::vector<std::string> ParseSearch(const nlohmann::json& body,
                                     const char* limit_key,
                                     int64_t default_limit, int64_t max_limit,
                                     const char* default_sort,
                                     SearchRequest* out);

// The records of `candidates` that pass every filter, sorted by (sort
// field, id), and the requested page of them; `total` gets the number that
// passed. Filter errors go to `errors` (naming the filter's path).
std::vector<const nlohmann::json*> RunSearch(
    std::vector<const nlohmann::json*> candidates, const SearchRequest& req,
    std::vector<std::string>& errors, size_t* total);

// The searchAfter of `record` under `req`: [sort value, id], dates as
// epoch millis.
nlohmann::json SearchAfterOf(const nlohmann::json& record,
                             const SearchRequest& req);

}  // namespace bridgework::emulator::highlevel

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_SEARCH_H_
