#include "libs/ledger/kv_store.h"

#include <map>
#include <utility>

#include "libs/common/status_macros.h"

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace bridgework::ledger::ledger_internal {
namespace {

// Scans copy at most this many entries under the lock, then visit them
// unlocked, so a visitor may write to the store.
constexpr size_t kScanChunk = 128;

class InMemoryKvStore : public KvStore {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      const std::string& key) override {
    absl::MutexLock lock(&mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  absl::Status Write(const KvBatch& batch, Durability) override {
    absl::MutexLock lock(&mu_);
    for (const KvBatch::Entry& e : batch.entries()) {
      if (e.value.has_value()) {
        data_[e.key] = *e.value;
      } else {
        data_.erase(e.key);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Scan(const std::string& begin, const std::string& end,
                    bool reverse, const Visitor& visit) override {
    std::vector<std::pair<std::string, std::string>> chunk;
    // Forward: next key >= `from`, exclusive after the first chunk.
    // Reverse: next key < `to`.
    std::string from = begin;
    bool from_inclusive = true;
    std::string to = end;
    while (true) {
      chunk.clear();
      {
        absl::MutexLock lock(&mu_);
        if (!reverse) {
          auto it = from_inclusive ? data_.lower_bound(from)
                                   : data_.upper_bound(from);
          for (; it != data_.end() && chunk.size() < kScanChunk; ++it) {
            if (!end.empty() && it->first >= end) break;
            chunk.emplace_back(it->first, it->second);
          }
        } else {
          auto it = to.empty() ? data_.end() : data_.lower_bound(to);
          while (it != data_.begin() && chunk.size() < kScanChunk) {
            --it;
            if (it->first < begin) break;
            chunk.emplace_back(it->first, it->second);
          }
        }
      }
      for (const auto& [key, value] : chunk) {
        if (!visit(key, value)) return absl::OkStatus();
      }
      if (chunk.size() < kScanChunk) return absl::OkStatus();
      if (!reverse) {
        from = chunk.back().first;
        from_inclusive = false;
      } else {
        to = chunk.back().first;
        if (to.empty()) return absl::OkStatus();  // "" was the smallest key
      }
    }
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::vector<std::optional<std::string>>> KvStore::MultiGet(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const std::string& key : keys) {
    BW_ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
    out.push_back(std::move(value));
  }
  return out;
}

std::unique_ptr<KvStore> NewInMemoryKvStore() {
  return std::make_unique<InMemoryKvStore>();
}

}  // namespace bridgework::ledger::ledger_internal
