#include "libs/discovery/distinct_counter.h"

#include <cmath>

namespace bridgework::discovery {

void DistinctCounter::Add(uint64_t hash) {
  const uint32_t index = static_cast<uint32_t>(hash >> (64 - kPrecision));
  const uint64_t rest = hash << kPrecision;
  // Position of the first 1 bit in the remaining 52 bits, 1-based.
  uint8_t rank = 1;
  for (uint64_t bit = 1ULL << 63; rank <= 64 - kPrecision && !(rest & bit);
       bit >>= 1) {
    ++rank;
  }
  if (rank > registers_[index]) registers_[index] = rank;
  if (!exact_) return;
  seen_.insert(hash);
  if (static_cast<int64_t>(seen_.size()) > exact_cap_) {
    exact_ = false;
    absl::flat_hash_set<uint64_t>().swap(seen_);  // release the memory
  }
}

int64_t DistinctCounter::Count() const {
  if (exact_) return static_cast<int64_t>(seen_.size());
  const double m = kRegisters;
  double sum = 0;
  int zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    if (r == 0) ++zeros;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  // Small range: linear counting is more accurate.
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / zeros);
  return static_cast<int64_t>(std::llround(estimate));
}

}  // namespace bridgework::discovery
