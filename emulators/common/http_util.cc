#include "emulators/common/http_util.h"

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/server.h"

namespace bridgework::emulator {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool PlainWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::Status WritePortFile(const std::string& path, const std::string& addr) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << addr << "\n";
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<nlohmann::json> ParseJson(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      "application/json; charset=utf-8");
}

std::string PathTemplate(std::string_view path) {
  std::string out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(pos, slash - pos);
    if (segment.empty() || PlainWord(segment)) {
      out.append(segment.data(), segment.size());
    } else if (AllDigits(segment)) {
      out += "{id}";
    } else {
      out += "{value}";
    }
    if (slash < path.size()) out += '/';
    pos = slash + 1;
  }
  return out;
}

std::string ApiRouteKey(const httplib::Request& req,
                        std::string_view api_prefix) {
  std::string_view rest = std::string_view(req.path).substr(
      std::min(api_prefix.size(), req.path.size()));
  if (rest.empty()) rest = "/";
  return absl::StrCat(req.method, " ", PathTemplate(rest));
}

void LogRequest(const httplib::Request& req, const httplib::Response& res) {
  LogInfo("request", {{"method", req.method},
                      {"path", PathTemplate(req.path)},
                      {"status", std::to_string(res.status)}});
}

std::string FormatTimestamp(absl::Time t, absl::TimeZone tz) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, tz);
}

absl::StatusOr<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::optional<nlohmann::json> j = ParseJson(buffer.str());
  if (!j) return absl::InvalidArgumentError(absl::StrCat(path, ": not JSON"));
  return *j;
}

absl::Status ServeHttpUntilSignal(httplib::Server& server,
                                  const HttpServeOptions& options) {
  int port = options.port;
  // Without TCP_NODELAY a response written in two segments waits for the
  // client's delayed ACK: ~40 ms a request.
  server.set_tcp_nodelay(true);
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
  } else if (!server.bind_to_port(options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.host, ":", options.port));
  }
  std::string host = options.host;
  if (host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]") {
    host = "127.0.0.1";
  }
  std::string addr = absl::StrCat(host, ":", port);
  std::thread serving([&server] { server.listen_after_bind(); });
  if (!options.port_file.empty()) {
    absl::Status s = WritePortFile(options.port_file, addr);
    if (!s.ok()) {
      server.stop();
      serving.join();
      return s;
    }
  }
  LogInfo("serving", {{"address", addr}});
  int sig = WaitForTerminationSignal();
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.stop();
  serving.join();
  return absl::OkStatus();
}

}  // namespace bridgework::emulator
