// The choice of a sample run's records (`bridgework sample`): coverage
// first, then parents, then a seeded random fill.
//
// The pipeline offers every record of every loaded object, in load order,
// with the features its transform showed: the route that took it, each
// field and custom field it writes, each pick-list value, each lookup,
// each edge case (quarantine reasons, several records merged onto it, long
// texts). A record showing a feature no earlier record showed is chosen,
// with those features as its reason. Finish() then adds every chosen
// record's parents (what its lookups reference, transitively) so that
// lookups resolve, fills up to the size at random (same seed, same
// sample; each random pick brings its parents too), and adds the records
// many-to-one routes write onto a chosen record.
//
// Coverage wins over size: when covering every feature takes more records
// than `size`, the sample is larger and says so (covering_size()).
//
// Thread safety: not thread-safe; one per run.
#ifndef BRIDGEWORK_SERVICES_TRANSFORMER_SAMPLE_H_
#define BRIDGEWORK_SERVICES_TRANSFORMER_SAMPLE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace bridgework::transformer {

// A source record: (object, key).
using RecordRef = std::pair<std::string, std::string>;

class SampleSelector {
 public:
  // `size`: the records wanted, parents and merged records included.
  SampleSelector(int size, uint64_t seed);

  // A record of a loaded object. `parents`: the records its lookups
  // reference.
  void Offer(const RecordRef& record, const std::vector<std::string>& features,
             std::vector<RecordRef> parents);
  // A record a many-to-one route writes onto `onto`: sampled iff `onto` is.
  void OfferMerged(const RecordRef& record, const RecordRef& onto);

  // Closes the choice under parents, fills up to the size and adds merged
  // records. Call once, after the last Offer.
  void Finish();

  // Why `record` is in the sample ("covers route patient_lead, ..." /
  // "parent of appointment A1" / "random" / "merged onto patient P1");
  // nullptr when it is not.
  const std::string* Reason(const RecordRef& record) const;
  int64_t size() const { return static_cast<int64_t>(chosen_.size()); }
  // Records chosen for coverage, with their parents.
  int64_t covering_size() const { return covering_size_; }
  // Every feature seen (all covered by construction).
  int64_t features() const { return static_cast<int64_t>(covered_.size()); }

 private:
  // Adds `record` and, transitively, its parents.
  void Choose(const RecordRef& record, const std::string& reason);

  int size_;
  uint64_t seed_;
  std::set<std::string> covered_;
  // Records showing a new feature, with it as their reason, in offer order
  // (chosen, with their parents, by Finish).
  std::vector<std::pair<RecordRef, std::string>> covering_;
  std::map<RecordRef, std::string> chosen_;
  std::map<RecordRef, std::vector<RecordRef>> parents_;
  // Offered but not chosen, in offer order (the random fill's pool).
  std::vector<RecordRef> pool_;
  std::map<RecordRef, std::vector<RecordRef>> merged_onto_;
  int64_t covering_size_ = 0;
};

}  // namespace bridgework::transformer

#endif  // BRIDGEWORK_SERVICES_TRANSFORMER_SAMPLE_H_
