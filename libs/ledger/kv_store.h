// The ordered key-value store under the ledger: RocksDB on disk, a sorted
// map in memory. The ledger's semantics (kv_ledger.h) are written once over
// this interface, so the in-memory fake behaves exactly like the durable
// ledger.
//
// Thread safety: implementations are safe for concurrent use.
#ifndef BRIDGEWORK_LIBS_LEDGER_KV_STORE_H_
#define BRIDGEWORK_LIBS_LEDGER_KV_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bridgework::ledger::ledger_internal {

// Puts and deletes applied together, in order.
class KvBatch {
 public:
  struct Entry {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };

  void Put(std::string key, std::string value) {
    entries_.push_back({std::move(key), std::move(value)});
  }
  void Delete(std::string key) {
    entries_.push_back({std::move(key), std::nullopt});
  }
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

// How durable a write must be when Write returns.
enum class Durability {
  // In the store's memory and log; survives a process crash but not
  // necessarily a machine crash (RocksDB WriteOptions.sync = false).
  kBuffered,
  // On stable storage (fsync; RocksDB WriteOptions.sync = true).
  kSynced,
};

class KvStore {
 public:
  // Returns false to stop a scan.
  using Visitor =
      std::function<bool(std::string_view key, std::string_view value)>;

  virtual ~KvStore() = default;

  // The value, or nullopt when the key is absent.
  virtual absl::StatusOr<std::optional<std::string>> Get(
      const std::string& key) = 0;

  // The values of `keys` in order (nullopt for an absent key), read
  // together, from one consistent view where the store has one (RocksDB's
  // batched MultiGet). The default calls Get once per key, in order.
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      const std::vector<std::string>& keys);

  // Applies every entry of `batch` or none.
  virtual absl::Status Write(const KvBatch& batch, Durability durability) = 0;

  // Visits keys in [begin, end) ascending, or descending when `reverse`.
  // An empty `end` means no upper bound. The visitor may call back into the
  // store; writes made meanwhile may or may not be seen.
  virtual absl::Status Scan(const std::string& begin, const std::string& end,
                            bool reverse, const Visitor& visit) = 0;
};

// A sorted map guarded by a mutex. Durability is ignored.
std::unique_ptr<KvStore> NewInMemoryKvStore();

}  // namespace bridgework::ledger::ledger_internal

#endif  // BRIDGEWORK_LIBS_LEDGER_KV_STORE_H_
