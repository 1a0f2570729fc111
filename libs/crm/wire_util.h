// Wire helpers shared by the CRM connectors.
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_CRM_WIRE_UTIL_H_
#define BRIDGEWORK_LIBS_CRM_WIRE_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace bridgework::crm {

// Percent-encodes everything but RFC 3986 unreserved characters
// ("a+b@x" -> "a%2Bb%40x"), for query values and path segments.
std::string UrlEncode(const std::string& s);

// "?name=value&..." with every name and value encoded; "" for no pairs.
std::string QueryString(
    const std::vector<std::pair<std::string, std::string>>& pairs);

// The local path of a file:// URI ("file:///a/b%20c", "file://localhost/a")
// with its %XX escapes decoded; INVALID_ARGUMENT for another scheme or a
// relative path. Attachments reach the connectors as such URIs.
absl::StatusOr<std::string> FileUriPath(const std::string& uri);

// The bytes of a local file (an attachment to upload). FAILED_PRECONDITION
// when it cannot be read; the message never names the path (it may name a
// patient).
absl::StatusOr<std::string> ReadLocalFile(const std::string& path);

// The bytes `j.dump()` writes (compact, members in the object's order,
// non-ASCII text as UTF-8), in about half the time: strings are written by
// record::AppendJsonString, which copies those with nothing to escape
// whole instead of decoding them byte by byte. Invalid UTF-8 is replaced
// by U+FFFD where dump would throw (protobuf strings, which records' values
// are, never hold any). For what every record's write encodes: request
// bodies, projections (docs/benchmarks.md).
std::string DumpJson(const nlohmann::json& j);
// Appends DumpJson(j) to `out`.
void AppendJson(const nlohmann::json& j, std::string* out);

// An id as the CRM sends it: a number when the text is an integer
// ("42" -> 42), else the string. Freshsales and Pipedrive ids are numbers.
nlohmann::json IdJson(const std::string& id);

// An id from a response as text: 42 -> "42", "abc" -> "abc".
std::string IdText(const nlohmann::json& id);

// The "id" member of `item` as text (IdText), or "" when `item` is not an
// object or its id is missing or neither a string nor an integer: a list
// item a CRM sent without a usable id. (Reading `item["id"]` of a const
// object that lacks it is undefined behaviour; fuzzing found such reads.)
std::string IdOf(const nlohmann::json& item);

// The member `name` of `j` when it is an object, else {} (a projection's
// section, a record's custom fields). Refers into `j`, which must outlive
// the result.
const nlohmann::json& Member(const nlohmann::json& j, const char* name);

// `j`'s member `name`, or null (also when `j` is not an object).
nlohmann::json ValueOf(const nlohmann::json& j, const std::string& name);

// The ids a read-back link holds, as text: an id, an object with "id", or
// a list of either (42, {"id": 42}, [{"id": 42, "is_primary": true}]);
// none for null.
std::vector<std::string> IdTexts(const nlohmann::json& link);

// The user a record's owner member names (an id, an object with "id", or
// a one-element list of either), as text; "" for none.
std::string OwnerText(const nlohmann::json& owner);

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_WIRE_UTIL_H_
