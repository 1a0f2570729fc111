#include "emulators/common/fault_injector.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulators/common/operator_endpoints.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;

bool IsOperator(const httplib::Request& req) {
  return absl::StartsWith(req.path, kOperatorPrefix);
}

bool IsWrite(const httplib::Request& req) {
  return req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
         req.method == "DELETE";
}

bool KnownKind(const std::string& kind) {
  for (const char* k : kFaultKinds) {
    if (kind == k) return true;
  }
  return false;
}

// The address and port of a socket address (IPv4 or IPv6).
bool AddressOf(const sockaddr_storage& sa, std::string* ip, int* port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&sa);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
    *port = ntohs(in->sin_port);
  } else if (sa.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    *port = ntohs(in6->sin6_port);
  } else {
    return false;
  }
  *ip = buf;
  return true;
}

}  // namespace

absl::StatusOr<FaultConfig> ParseFaultConfig(const Json& body,
                                             FaultConfig base) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("faults: the body must be an object");
  }
  auto duration = [&body](const char* key, int64_t* out) -> absl::Status {
    if (!body.contains(key)) return absl::OkStatus();
    const Json& v = body[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("faults: ", key, " must be a whole number >= 0"));
    }
    *out = v.get<int64_t>();
    return absl::OkStatus();
  };
  for (const auto& [key, value] : body.items()) {
    if (key == "seed") {
      if (!value.is_number_unsigned() && !value.is_number_integer()) {
        return absl::InvalidArgumentError("faults: seed must be an integer");
      }
      base.seed = value.get<uint64_t>();
    } else if (key == "rates") {
      if (!value.is_object()) {
        return absl::InvalidArgumentError("faults: rates must be an object");
      }
      for (const auto& [kind, p] : value.items()) {
        if (!KnownKind(kind)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "faults: unknown kind '", kind,
              "' (storm, error, reset, timeout, slow, lost, applied_error)"));
        }
        if (!p.is_number() || p.get<double>() < 0 || p.get<double>() > 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              "faults: rates.", kind, " must be a number in [0, 1]"));
        }
        base.rates[kind] = p.get<double>();
      }
    } else if (key == "error_codes") {
      if (!value.is_array() || value.empty()) {
        return absl::InvalidArgumentError(
            "faults: error_codes must be a non-empty array");
      }
      std::vector<int> codes;
      for (const Json& c : value) {
        if (!c.is_number_integer() || c.get<int>() < 500 ||
            c.get<int>() > 599) {
          return absl::InvalidArgumentError(
              "faults: error_codes must be integers in 500..599");
        }
        codes.push_back(c.get<int>());
      }
      base.error_codes = std::move(codes);
    } else if (key != "storm_ms" && key != "slow_ms" && key != "hang_ms") {
      return absl::InvalidArgumentError(
          absl::StrCat("faults: unknown member '", key, "'"));
    }
  }
  for (auto [key, out] : {std::pair{"storm_ms", &base.storm_ms},
                          {"slow_ms", &base.slow_ms},
                          {"hang_ms", &base.hang_ms}}) {
    if (absl::Status s = duration(key, out); !s.ok()) return s;
  }
  return base;
}

Json FaultConfigJson(const FaultConfig& config) {
  Json rates = Json::object();
  for (const char* kind : kFaultKinds) rates[kind] = config.rate(kind);
  return {{"seed", config.seed},         {"rates", rates},
          {"storm_ms", config.storm_ms}, {"slow_ms", config.slow_ms},
          {"hang_ms", config.hang_ms},   {"error_codes", config.error_codes}};
}

absl::StatusOr<FaultConfig> FaultConfigFromFlags(
    const std::vector<std::string>& rates, uint64_t seed, int64_t storm_ms,
    int64_t slow_ms, int64_t hang_ms, const std::vector<int>& error_codes) {
  Json body = {{"seed", seed},
               {"storm_ms", storm_ms},
               {"slow_ms", slow_ms},
               {"hang_ms", hang_ms},
               {"rates", Json::object()}};
  if (!error_codes.empty()) body["error_codes"] = error_codes;
  for (const std::string& item : rates) {
    std::vector<std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    double p = 0;
    if (kv.size() != 2 || !absl::SimpleAtod(kv[1], &p)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--fault: '", item, "' is not kind=probability (reset=0.02)"));
    }
    body["rates"][kv[0]] = p;
  }
  return ParseFaultConfig(body);
}

bool DropConnection(const httplib::Request& req) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool dropped = false;
  while (dirent* entry = readdir(dir)) {
    int fd = 0;
    if (!absl::SimpleAtoi(entry->d_name, &fd) || fd == dirfd(dir)) continue;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;  // the listening socket, or not connected
    }
    std::string local_ip, peer_ip;
    int local_port = 0, peer_port = 0;
    if (!AddressOf(local, &local_ip, &local_port) ||
        !AddressOf(peer, &peer_ip, &peer_port)) {
      continue;
    }
    if (local_port != req.local_port || peer_port != req.remote_port ||
        peer_ip != req.remote_addr) {
      continue;
    }
    // The 4-tuple names exactly one live connection: ours, which cannot be
    // closed while its handler runs.
    linger abort_on_close{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
               sizeof(abort_on_close));
    shutdown(fd, SHUT_RDWR);
    dropped = true;
    break;
  }
  closedir(dir);
  return dropped;
}

FaultInjector::FaultInjector(ErrorReply reply, Clock clock, Sleeper sleeper,
                             Dropper drop)
    : reply_(std::move(reply)),
      clock_(clock ? std::move(clock) : [] { return absl::Now(); }),
      sleeper_(sleeper ? std::move(sleeper)
                       : [](absl::Duration d) { absl::SleepFor(d); }),
      drop_(drop ? std::move(drop) : [](const httplib::Request& req) {
        (void)DropConnection(req);
      }) {
  rng_.seed(config_.seed);
}

void FaultInjector::Configure(FaultConfig config) {
  absl::MutexLock lock(&mu_);
  config_ = std::move(config);
  rng_.seed(config_.seed);
  storm_until_ = absl::InfinitePast();
}

FaultConfig FaultInjector::config() const {
  absl::MutexLock lock(&mu_);
  return config_;
}

double FaultInjector::DrawLocked() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

int FaultInjector::ErrorCodeLocked() {
  const std::vector<int>& codes = config_.error_codes;
  if (codes.empty()) return 503;
  return codes[std::uniform_int_distribution<size_t>(0,
                                                     codes.size() - 1)(rng_)];
}

void FaultInjector::CountLocked(const std::string& kind) { ++injected_[kind]; }

bool FaultInjector::Before(const httplib::Request& req,
                           httplib::Response& res) {
  if (IsOperator(req)) return false;
  enum class Act {
    kNone,
    kStorm,
    kError,
    kReset,
    kTimeout,
    kSlow
  } act = Act::kNone;
  int code = 0;
  int64_t retry_after = 0;
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_();
    // The same five draws for every request, whatever the outcome.
    double d_storm = DrawLocked(), d_error = DrawLocked(),
           d_reset = DrawLocked(), d_timeout = DrawLocked(),
           d_slow = DrawLocked();
    double slow_fraction = DrawLocked();
    code = ErrorCodeLocked();
    if (now >= storm_until_ && d_storm < config_.rate("storm")) {
      storm_until_ = now + absl::Milliseconds(config_.storm_ms);
      ++storms_;
    }
    if (now < storm_until_) {
      act = Act::kStorm;
      retry_after = std::max<int64_t>(
          1, static_cast<int64_t>(
                 std::ceil(absl::ToDoubleSeconds(storm_until_ - now))));
      CountLocked("storm");
    } else if (d_error < config_.rate("error")) {
      act = Act::kError;
      CountLocked("error");
    } else if (d_reset < config_.rate("reset")) {
      act = Act::kReset;
      CountLocked("reset");
    } else if (d_timeout < config_.rate("timeout")) {
      act = Act::kTimeout;
      delay = absl::Milliseconds(config_.hang_ms);
      CountLocked("timeout");
    } else if (d_slow < config_.rate("slow")) {
      act = Act::kSlow;
      delay = absl::Milliseconds(static_cast<double>(config_.slow_ms) *
                                 slow_fraction);
      CountLocked("slow");
    }
  }
  switch (act) {
    case Act::kNone:
      return false;
    case Act::kSlow:
      sleeper_(delay);
      return false;
    case Act::kStorm:
      reply_(res, 429, "Too many requests");
      res.set_header("Retry-After", std::to_string(retry_after));
      return true;
    case Act::kError:
      reply_(res, code, "Injected server error");
      return true;
    case Act::kTimeout:
      sleeper_(delay);
      [[fallthrough]];
    case Act::kReset:
      drop_(req);
      res.status = 503;
      res.set_header("Connection", "close");
      return true;
  }
  return false;
}

void FaultInjector::After(const httplib::Request& req, httplib::Response& res) {
  if (IsOperator(req) || !IsWrite(req) || res.status < 200 ||
      res.status >= 300) {
    return;
  }
  enum class Act { kNone, kLost, kAppliedError } act = Act::kNone;
  int code = 0;
  {
    absl::MutexLock lock(&mu_);
    double d_lost = DrawLocked(), d_applied = DrawLocked();
    code = ErrorCodeLocked();
    if (d_lost < config_.rate("lost")) {
      act = Act::kLost;
      CountLocked("lost");
    } else if (d_applied < config_.rate("applied_error")) {
      act = Act::kAppliedError;
      CountLocked("applied_error");
    }
  }
  if (act == Act::kLost) {
    drop_(req);
    res.set_header("Connection", "close");
  } else if (act == Act::kAppliedError) {
    res.headers.clear();
    reply_(res, code, "Injected server error");
  }
}

Json FaultInjector::StatsJson() const {
  absl::MutexLock lock(&mu_);
  Json injected = Json::object();
  for (const char* kind : kFaultKinds) {
    auto it = injected_.find(kind);
    injected[kind] = it == injected_.end() ? 0 : it->second;
  }
  return {{"config", FaultConfigJson(config_)},
          {"injected", injected},
          {"storms", storms_}};
}

void FaultInjector::ResetCounts() {
  absl::MutexLock lock(&mu_);
  injected_.clear();
  storms_ = 0;
}

}  // namespace bridgework::emulator
