// Comparing two emulator states (GET /__sandbox/state) for the chaos
// harness: a migration under faults and kills against a fault-free
// reference migration of the same data, and a rolled-back state against
// the state before the migration.
//
// CRM ids differ between two migrations (creation order, retries), so
// records are matched through the ledger: each side's id map (target
// object, source object, source key -> CRM id, from `bridgework audit
// export`) gives a translation from the chaos run's ids to the
// reference's. Records no migration wrote (users, pipelines, fields) keep
// their ids on both sides.
#ifndef BRIDGEWORK_TESTS_CHAOS_STATE_COMPARE_H_
#define BRIDGEWORK_TESTS_CHAOS_STATE_COMPARE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgework::chaos {

// "<target_object>|<source_object>|<source_key>" -> CRM id.
using IdMap = std::map<std::string, std::string>;

// The id map of one run from its audit export (audit-<run>.jsonl): the
// create and match operations applied or adopted. Each problem of the
// ledger (an operation left as an intent, a key created twice, one CRM id
// given to two keys) is appended to `problems`.
IdMap IdMapFromAudit(const std::string& jsonl,
                     std::vector<std::string>* problems);

// The records of a state by collection: top-level arrays of objects, and
// arrays one level down ("custom_module/<name>"). Records whose
// soft-delete marker says deleted ("is_deleted": true, "deleted": true,
// "active_flag": false, "deleted_at" set) are left out when `live_only`.
std::map<std::string, std::vector<nlohmann::json>> Collections(
    const nlohmann::json& state, bool live_only);

struct CompareOptions {
  // Member names never compared (timestamps a second run cannot repeat).
  std::set<std::string> ignored_keys;
  // Collections left out entirely (the schema Prepare creates: a rollback
  // does not remove it).
  std::set<std::string> ignored_collections;
  // Collections whose records no id map names and whose ids follow the
  // order the emulator made them in (HighLevel association relations):
  // each record is matched to an equal record of the other side (ids
  // inside translated, its own id aside) instead of by id.
  std::set<std::string> matched_by_content;
};

// Every difference between `actual` and `expected`, one line each, naming
// collection, record id and member (values never printed: they are
// patient data). `translate` maps an id of `actual` to the id of
// `expected`; a member differing only by translated ids (also inside
// "a/b" composite ids) is equal.
std::vector<std::string> CompareStates(
    const nlohmann::json& expected, const nlohmann::json& actual,
    const std::map<std::string, std::string>& translate,
    const CompareOptions& options, bool live_only);

// chaos id -> reference id for every key both id maps hold; keys only one
// side holds are appended to `problems` (a lost or an extra record).
std::map<std::string, std::string> Translation(
    const IdMap& reference, const IdMap& chaos,
    std::vector<std::string>* problems);

}  // namespace bridgework::chaos

#endif  // BRIDGEWORK_TESTS_CHAOS_STATE_COMPARE_H_
