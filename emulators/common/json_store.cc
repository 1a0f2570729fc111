#include "emulators/common/json_store.h"

#include <algorithm>
#include <atomic>

#include "absl/strings/numbers.h"

namespace bridgework::emulator {

std::optional<int64_t> AsInt64(const nlohmann::json& v) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    for (size_t i = 0; i < s.size(); ++i) {
      bool digit = s[i] >= '0' && s[i] <= '9';
      if (!digit && !(i == 0 && s[i] == '-' && s.size() > 1)) {
        return std::nullopt;
      }
    }
    int64_t n = 0;
    if (absl::SimpleAtoi(s, &n)) return n;
  }
  return std::nullopt;
}

std::string ScalarText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

bool IsBlank(const nlohmann::json& v) {
  return v.is_null() ||
         (v.is_string() && v.get_ref<const std::string&>().empty());
}

namespace {
// Versions of every table, process-wide: a table never reuses another's.
std::atomic<uint64_t> next_version{1};
}  // namespace

RecordTable::RecordTable(int64_t first_id)
    : first_id_(first_id), next_id_(first_id), version_(next_version++) {}

void RecordTable::Touch() { version_ = next_version++; }

int64_t RecordTable::AllocateId() { return next_id_++; }

void RecordTable::ReserveAtLeast(int64_t id) {
  next_id_ = std::max(next_id_, id + 1);
}

nlohmann::json* RecordTable::Find(int64_t id) {
  Touch();  // the caller may change the record
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

const nlohmann::json* RecordTable::Find(int64_t id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

void RecordTable::Put(int64_t id, nlohmann::json record) {
  Touch();
  auto it = records_.find(id);
  if (it != records_.end()) Unindex(id, it->second);
  for (auto& [name, index] : indexes_) {
    for (std::string& text : index.texts(record)) {
      index.ids[std::move(text)].insert(id);
    }
  }
  records_[id] = std::move(record);
}

bool RecordTable::Erase(int64_t id) {
  auto it = records_.find(id);
  if (it == records_.end()) return false;
  Touch();
  Unindex(id, it->second);
  records_.erase(it);
  return true;
}

void RecordTable::Unindex(int64_t id, const nlohmann::json& record) {
  for (auto& [name, index] : indexes_) {
    for (const std::string& text : index.texts(record)) {
      auto at = index.ids.find(text);
      if (at == index.ids.end()) continue;
      at->second.erase(id);
      if (at->second.empty()) index.ids.erase(at);
    }
  }
}

std::vector<int64_t> RecordTable::Lookup(const std::string& name,
                                         const IndexTexts& texts,
                                         const std::string& text) {
  auto [it, added] = indexes_.try_emplace(name);
  Index& index = it->second;
  if (added) {
    index.texts = texts;
    for (const auto& [id, record] : records_) {
      for (std::string& t : texts(record)) index.ids[std::move(t)].insert(id);
    }
  }
  auto found = index.ids.find(text);
  if (found == index.ids.end()) return {};
  return std::vector<int64_t>(found->second.begin(), found->second.end());
}

nlohmann::json RecordTable::ToJsonArray() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, record] : records_) out.push_back(record);
  return out;
}

void RecordTable::Clear() {
  Touch();
  records_.clear();
  indexes_.clear();  // rebuilt on their next lookup
  next_id_ = first_id_;
}

}  // namespace bridgework::emulator
