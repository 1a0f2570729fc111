// Counts the distinct values of one field in bounded memory: exactly (a
// set of 64-bit hashes) up to a cap, then by a HyperLogLog estimate
// (precision 12: 4,096 one-byte registers, standard error about 1.6%).
//
// Thread safety: not thread-safe.
#ifndef BRIDGEWORK_LIBS_DISCOVERY_DISTINCT_COUNTER_H_
#define BRIDGEWORK_LIBS_DISCOVERY_DISTINCT_COUNTER_H_

#include <array>
#include <cstdint>

#include "absl/container/flat_hash_set.h"

namespace bridgework::discovery {

class DistinctCounter {
 public:
  static constexpr int kPrecision = 12;
  static constexpr int kRegisters = 1 << kPrecision;

  // `exact_cap`: distinct hashes kept before switching to the estimate.
  explicit DistinctCounter(int64_t exact_cap) : exact_cap_(exact_cap) {}

  // `hash` must be a well-mixed 64-bit hash of the value (StableHash).
  void Add(uint64_t hash);

  // True while the count is exact (the cap was never passed).
  bool exact() const { return exact_; }
  // The exact count, or the estimate once past the cap.
  int64_t Count() const;

 private:
  int64_t exact_cap_;
  bool exact_ = true;
  absl::flat_hash_set<uint64_t> seen_;
  std::array<uint8_t, kRegisters> registers_{};
};

}  // namespace bridgework::discovery

#endif  // BRIDGEWORK_LIBS_DISCOVERY_DISTINCT_COUNTER_H_
