// HTTP plumbing shared by the CRM emulators (cpp-httplib): JSON bodies and
// replies, route templates for stats and logs, request logging, timestamps,
// and serving one httplib::Server until SIGTERM/SIGINT.
#ifndef BRIDGEWORK_EMULATORS_COMMON_HTTP_UTIL_H_
#define BRIDGEWORK_EMULATORS_COMMON_HTTP_UTIL_H_

#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bridgework::emulator {

// The body parsed as JSON, or nullopt if it is not JSON (an empty body is
// not JSON). Never throws.
std::optional<nlohmann::json> ParseJson(const std::string& body);

// Sets status and a JSON body ("application/json; charset=utf-8").
void SendJson(httplib::Response& res, int status, const nlohmann::json& body);

// The path with identifiers replaced, for stats keys and logs: segments of
// digits become "{id}", and any segment that is not plain
// [A-Za-z_]+ becomes "{value}" (so that no record value reaches a log).
// "/crm/sales/api/contacts/17" -> "/crm/sales/api/contacts/{id}".
std::string PathTemplate(std::string_view path);

// The stats key of an API call under `api_prefix`: "GET /contacts/{id}"
// (the path template after the prefix; "/" for the prefix itself).
std::string ApiRouteKey(const httplib::Request& req,
                        std::string_view api_prefix);

// One JSON log line: method, path template, status. Never bodies, query
// strings or headers.
void LogRequest(const httplib::Request& req, const httplib::Response& res);

// "2026-11-22T10:00:00+00:00" (ISO 8601 with offset, whole seconds).
std::string FormatTimestamp(absl::Time t,
                            absl::TimeZone tz = absl::UTCTimeZone());

// Reads and parses a JSON file. NotFound if unreadable, InvalidArgument if
// not JSON.
absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

struct HttpServeOptions {
  // Address to listen on. Default loopback.
  std::string host = "127.0.0.1";
  // 0 picks a free port.
  int port = 0;
  // When set, "HOST:PORT\n" is written here atomically (tmp + rename) once
  // the socket is bound; HOST is 127.0.0.1 for wildcard hosts.
  std::string port_file;
};

// Binds `server`, writes the port file, serves on a background thread and
// blocks until SIGTERM or SIGINT, then stops the server and returns OK.
// Error if it cannot bind or write the port file.
// REQUIRES: bridgework::BlockTerminationSignals() was called before any
// thread was started (so that the signal reaches sigwait here).
absl::Status ServeHttpUntilSignal(httplib::Server& server,
                                  const HttpServeOptions& options);

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_HTTP_UTIL_H_
