// Structured logging: one JSON object per line on stderr.
//
// Contract: callers pass only identifiers, counts, codes and messages they
// wrote themselves. Field values of records and tokens must never be
// logged; keys such as source keys are identifiers and may be.
// Thread safety: all functions may be called from any thread.
#ifndef BRIDGEWORK_LIBS_COMMON_LOG_H_
#define BRIDGEWORK_LIBS_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace bridgework {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogField = std::pair<std::string_view, std::string>;

// Names the process in every line ("loader"). Call once from main.
void SetLogService(std::string_view service);
// Lines below this level are dropped. Default kInfo.
void SetLogLevel(LogLevel level);
// "debug", "info", "warning" or "error"; anything else leaves it as is.
void SetLogLevelByName(const std::string& name);

void Log(LogLevel level, std::string_view message,
         std::initializer_list<LogField> fields = {});

inline void LogInfo(std::string_view m,
                    std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kInfo, m, f);
}
inline void LogWarning(std::string_view m,
                       std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kWarning, m, f);
}
inline void LogError(std::string_view m,
                     std::initializer_list<LogField> f = {}) {
  Log(LogLevel::kError, m, f);
}

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_LOG_H_
