// Small helpers shared by the HighLevel emulator's handler files
// (internal to emulators/highlevel/).
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_UTIL_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_UTIL_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulators/highlevel/highlevel_backend.h"

namespace bridgework::emulator::highlevel {

// The string member `key` of `obj`, or "" if absent or not a string.
std::string StrOf(const Json& obj, const char* key);
// The boolean member `key` of `obj`, or `fallback` if absent, null or not a
// boolean (optional DTO properties may be null).
bool BoolOf(const Json& obj, const char* key, bool fallback);
// The array member `key` of `obj`, or an empty array.
Json ArrayOf(const Json& obj, const char* key);
// `obj` without its null members (top level only).
Json WithoutNulls(Json obj);
// Case-insensitive substring test.
bool ContainsFold(std::string_view haystack, std::string_view needle);
bool EqualsFold(std::string_view a, std::string_view b);

// A validation reply if any of the query parameters is missing or empty.
std::optional<Reply> RequireQuery(const Call& c,
                                  std::initializer_list<const char*> names);
// A non-negative integer query parameter; `fallback` if absent. Sets
// `error` (and returns fallback) if present but not a non-negative integer.
int64_t QueryInt(const Call& c, const char* name, int64_t fallback,
                 std::vector<std::string>& errors);
// The body validated against `dto`: a validation reply, or nullopt.
std::optional<Reply> CheckBody(const Call& c, const Dto& dto);

// The elements [skip, skip + limit) of `list`, each passed through `out`
// (default: as stored), as a JSON array.
Json Slice(const std::vector<const Json*>& list, int64_t skip, int64_t limit,
           const std::function<Json(const Json&)>& out = nullptr);

// Sorts records by (`time_key` as ISO text, id) ascending. ISO
// timestamps of one format sort as text.
std::vector<const Json*> SortedBy(const std::map<std::string, Json>& table,
                                  const char* time_key);

}  // namespace bridgework::emulator::highlevel

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_UTIL_H_
