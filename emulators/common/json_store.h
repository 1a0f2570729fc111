// In-memory record tables for the emulators, plus small JSON value helpers.
//
// Records are nlohmann::json objects. nlohmann::json keeps object keys
// sorted, and a table iterates by id, so dumps are deterministic.
//
// Thread safety: RecordTable is not synchronised; its owner locks.
#ifndef BRIDGEWORK_EMULATORS_COMMON_JSON_STORE_H_
#define BRIDGEWORK_EMULATORS_COMMON_JSON_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgework::emulator {

// An integer JSON value, or a string of decimal digits (optional leading
// '-'), as int64; nullopt otherwise (floats, booleans, overflow).
std::optional<int64_t> AsInt64(const nlohmann::json& v);

// The text of a scalar: a string as is, a number as printed, a boolean as
// "true"/"false"; "" for null, arrays and objects.
std::string ScalarText(const nlohmann::json& v);

// True for null and for the empty string.
bool IsBlank(const nlohmann::json& v);

// Records of one entity keyed by an increasing integer id.
class RecordTable {
 public:
  // Ids are handed out from `first_id` upward.
  explicit RecordTable(int64_t first_id);

  // Reserves and returns the next id.
  int64_t AllocateId();
  // Makes sure future ids are greater than `id` (for explicit ids).
  void ReserveAtLeast(int64_t id);

  bool Contains(int64_t id) const { return records_.count(id) > 0; }
  // nullptr if absent. The pointer is valid until the next mutation.
  nlohmann::json* Find(int64_t id);
  const nlohmann::json* Find(int64_t id) const;
  void Put(int64_t id, nlohmann::json record);
  // False if there was no such record.
  bool Erase(int64_t id);

  const std::map<int64_t, nlohmann::json>& records() const { return records_; }
  size_t size() const { return records_.size(); }

  // Changes whenever a record may have changed (Put, Erase, Clear, the
  // mutable Find); never the same for two states of two tables, so a
  // listing computed at one version is valid while the version holds.
  uint64_t version() const { return version_; }

  // The records as a JSON array sorted by id.
  nlohmann::json ToJsonArray() const;

  // The texts a record is found by in one index (none: not in it).
  using IndexTexts =
      std::function<std::vector<std::string>(const nlohmann::json&)>;

  // The ids, ascending, of the records for which `texts` gives `text`:
  // what scanning every record would find, without the scan. The index
  // named `index` is built from the records on its first lookup and kept
  // up to date by Put, Erase and Clear after that, so `texts` must be the
  // same function for the same name on every call (and a record must not
  // be changed through the mutable Find while the table has indexes).
  std::vector<int64_t> Lookup(const std::string& index, const IndexTexts& texts,
                              const std::string& text);

  // Drops every record and restarts ids at `first_id`.
  void Clear();

 private:
  struct Index {
    IndexTexts texts;
    std::unordered_map<std::string, std::set<int64_t>> ids;
  };
  void Unindex(int64_t id, const nlohmann::json& record);

  void Touch();

  int64_t first_id_;
  int64_t next_id_;
  uint64_t version_;
  std::map<int64_t, nlohmann::json> records_;
  std::map<std::string, Index> indexes_;
};

}  // namespace bridgework::emulator

#endif  // BRIDGEWORK_EMULATORS_COMMON_JSON_STORE_H_
