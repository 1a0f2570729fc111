#include "libs/common/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace bridgework {
namespace {

std::mutex& LogMutex() {
  static std::mutex mu;
  return mu;
}
std::string& Service() {
  static std::string service = "bridgework";
  return service;
}
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
thread_local LogContext t_context;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogService(std::string_view service) {
  std::lock_guard<std::mutex> lock(LogMutex());
  Service() = std::string(service);
}

const LogContext& CurrentLogContext() { return t_context; }

ScopedLogContext::ScopedLogContext(LogContext context)
    : previous_(std::move(t_context)) {
  t_context = std::move(context);
}

ScopedLogContext::~ScopedLogContext() { t_context = std::move(previous_); }

void SetLogLevel(LogLevel level) { g_min_level = static_cast<int>(level); }

void SetLogLevelByName(const std::string& name) {
  if (name == "debug") SetLogLevel(LogLevel::kDebug);
  if (name == "info") SetLogLevel(LogLevel::kInfo);
  if (name == "warning") SetLogLevel(LogLevel::kWarning);
  if (name == "error") SetLogLevel(LogLevel::kError);
}

void Log(LogLevel level, std::string_view message,
         std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_min_level) return;
  nlohmann::json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                absl::UTCTimeZone());
  line["level"] = LevelName(level);
  std::lock_guard<std::mutex> lock(LogMutex());
  line["service"] = Service();
  line["msg"] = std::string(message);
  if (!t_context.run.empty()) line["run"] = t_context.run;
  if (!t_context.trace.empty()) line["trace"] = t_context.trace;
  for (const auto& [k, v] : fields) line[std::string(k)] = v;
  std::string out =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace bridgework
