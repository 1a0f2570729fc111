// Helpers shared by Bridgework's self-contained report pages (the run
// report, the discovery report): UTF-8 repair, HTML escaping, the common
// stylesheet and atomic file writes.
//
// Thread safety: pure functions, except WriteFileAtomically, which touches
// only the file it is given.
#ifndef BRIDGEWORK_LIBS_REPORT_HTML_UTIL_H_
#define BRIDGEWORK_LIBS_REPORT_HTML_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"

namespace bridgework::report {

// Replaces every byte that does not start a valid UTF-8 sequence (and
// overlong forms, surrogates, code points past U+10FFFF) with U+FFFD.
std::string ValidUtf8(std::string_view s);

// `j` with every string (keys included) made valid UTF-8, so it always
// serialises.
nlohmann::json SanitizeUtf8(const nlohmann::json& j);

// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

// The reports' inline stylesheet (no external assets): header, verdict,
// cards, sections, tables (class "t" for left-aligned cells, "ok"/"bad"
// for verdict cells), legend, notes.
const char* ReportCss();

// Reading a report's JSON leniently: a missing key or a value of another
// type gives null, "", 0, false or an empty array.
const nlohmann::json& JsonField(const nlohmann::json& j, const char* key);
// Text of a scalar: strings as is, numbers and booleans as JSON.
std::string JsonStr(const nlohmann::json& j, const char* key);
int64_t JsonNum(const nlohmann::json& j, const char* key);
bool JsonBool(const nlohmann::json& j, const char* key);
const nlohmann::json& JsonArray(const nlohmann::json& j, const char* key);

// Writes `content` to `path` through a temporary file in the same
// directory and a rename, so a reader never sees half a file. UNAVAILABLE
// naming the path if it cannot be written.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& content);

// Writes `dir`/`stem`.json (`j`, indented, invalid UTF-8 replaced) and
// `dir`/`stem`.html (`html`), creating `dir`, each atomically. UNAVAILABLE
// naming the directory or file on failure.
absl::Status WriteJsonAndHtml(const std::string& dir, const std::string& stem,
                              const nlohmann::json& j, const std::string& html);

}  // namespace bridgework::report

#endif  // BRIDGEWORK_LIBS_REPORT_HTML_UTIL_H_
