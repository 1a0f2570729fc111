// Structured logging: one JSON object per line on stderr, with the fields
// ts, level, service, msg, the caller's fields and, while a LogContext is
// set on the thread, run and trace (docs/observability.md).
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

// What the lines a thread logs are about: the run (its id, "r-000001") and
// the trace (32 hex digits, the W3C trace id the request came with; see
// libs/common/trace.h). Empty members are left out of the line; a field of
// the same name passed to Log wins.
struct LogContext {
  std::string run;
  std::string trace;
};

// The calling thread's context (empty unless a ScopedLogContext is alive).
const LogContext& CurrentLogContext();

// Sets the calling thread's context for its lifetime and restores the
// previous one after. Create it on the thread that does the work (a
// handler's worker thread), not on the gRPC thread that started it.
class ScopedLogContext {
 public:
  explicit ScopedLogContext(LogContext context);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  LogContext previous_;
};

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
