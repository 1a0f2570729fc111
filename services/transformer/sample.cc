#include "services/transformer/sample.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bridgework::transformer {

namespace {
// Features named in a record's reason; the rest are counted.
constexpr size_t kNamedFeatures = 4;
}  // namespace

SampleSelector::SampleSelector(int size, uint64_t seed)
    : size_(size), seed_(seed) {}

void SampleSelector::Offer(const RecordRef& record,
                           const std::vector<std::string>& features,
                           std::vector<RecordRef> parents) {
  std::vector<std::string> fresh;
  for (const std::string& f : features) {
    if (covered_.insert(f).second) fresh.push_back(f);
  }
  parents_[record] = std::move(parents);
  if (fresh.empty()) {
    pool_.push_back(record);
    return;
  }
  std::vector<std::string> named(
      fresh.begin(), fresh.begin() + std::min(fresh.size(), kNamedFeatures));
  std::string reason = absl::StrCat("covers ", absl::StrJoin(named, ", "));
  if (fresh.size() > kNamedFeatures) {
    absl::StrAppend(&reason, " and ", fresh.size() - kNamedFeatures, " more");
  }
  covering_.push_back({record, std::move(reason)});
}

void SampleSelector::OfferMerged(const RecordRef& record,
                                 const RecordRef& onto) {
  merged_onto_[onto].push_back(record);
}

void SampleSelector::Choose(const RecordRef& record,
                            const std::string& reason) {
  std::vector<std::pair<RecordRef, std::string>> work = {{record, reason}};
  while (!work.empty()) {
    auto [r, why] = std::move(work.back());
    work.pop_back();
    // A record already chosen keeps its first reason; its parents are in.
    if (!chosen_.emplace(r, why).second) continue;
    auto it = parents_.find(r);
    if (it == parents_.end()) continue;
    for (const RecordRef& p : it->second) {
      if (chosen_.count(p)) continue;
      work.push_back({p, absl::StrCat("parent of ", r.first, " ", r.second)});
    }
  }
}

void SampleSelector::Finish() {
  for (const auto& [r, why] : covering_) Choose(r, why);
  covering_size_ = static_cast<int64_t>(chosen_.size());
  std::vector<RecordRef> pool;
  for (const RecordRef& r : pool_) {
    if (!chosen_.count(r)) pool.push_back(r);
  }
  std::mt19937_64 rng(seed_);
  std::shuffle(pool.begin(), pool.end(), rng);
  for (const RecordRef& r : pool) {
    if (size() >= size_) break;
    if (!chosen_.count(r)) Choose(r, "random");
  }
  // Merged records follow the record they are written onto.
  std::vector<RecordRef> onto;
  for (const auto& [r, why] : chosen_) onto.push_back(r);
  for (const RecordRef& r : onto) {
    auto it = merged_onto_.find(r);
    if (it == merged_onto_.end()) continue;
    for (const RecordRef& m : it->second) {
      chosen_.emplace(m, absl::StrCat("merged onto ", r.first, " ", r.second));
    }
  }
}

const std::string* SampleSelector::Reason(const RecordRef& record) const {
  auto it = chosen_.find(record);
  return it == chosen_.end() ? nullptr : &it->second;
}

}  // namespace bridgework::transformer
