// The CRM's users per destination account, shared by a loader's calls: a
// run's Prepare reads them (CrmConnector::ListUsers) and puts them here,
// and the run's load streams (one per object and lane, each with its own
// connector) take them instead of reading them again, one request each.
// An entry older than `max_age` is read again, so a user added in the CRM
// is seen by the next run.
//
// Thread safety: thread-safe.
#ifndef BRIDGEWORK_SERVICES_LOADER_USER_DIRECTORY_H_
#define BRIDGEWORK_SERVICES_LOADER_USER_DIRECTORY_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "libs/crm/crm_connector.h"
#include "libs/crm/retry.h"

namespace bridgework::loader {

class UserDirectory {
 public:
  explicit UserDirectory(
      crm::Clock clock = crm::SystemClock(),
      std::chrono::steady_clock::duration max_age = std::chrono::minutes(10))
      : clock_(std::move(clock)), max_age_(max_age) {}

  // The users of `account` put no longer than max_age ago; nullopt when
  // there are none.
  std::optional<std::vector<crm::CrmUser>> Get(const std::string& account) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(account);
    if (it == entries_.end() || clock_() - it->second.at > max_age_) {
      return std::nullopt;
    }
    return it->second.users;
  }

  void Put(const std::string& account, std::vector<crm::CrmUser> users) {
    absl::MutexLock lock(&mu_);
    entries_[account] = {std::move(users), clock_()};
  }

 private:
  struct Entry {
    std::vector<crm::CrmUser> users;
    std::chrono::steady_clock::time_point at;
  };
  const crm::Clock clock_;
  const std::chrono::steady_clock::duration max_age_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::loader

#endif  // BRIDGEWORK_SERVICES_LOADER_USER_DIRECTORY_H_
