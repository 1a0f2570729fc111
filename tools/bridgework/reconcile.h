// `bridgework reconcile`: proves a migration landed by reading the CRM
// back, record by record, against what the ledger says was written.
//
// Per loaded source object it counts the source (every record the
// extractor reads, unreadable rows included), the ledger (source keys the
// id map holds for the account) and the CRM (mapped records found when read
// back), and checks that the source adds up: every source record is mapped,
// merged onto another record, quarantined or skipped (the latter from the
// latest runs' reports), and every mapped key is still in the source. It
// reports quarantined and skipped records with their reasons, the
// custom-field fill rate and the owner rate per target object, and per
// relationship kind (target object and lookup field, "contact.
// sales_accounts") how many lookups still point at the CRM id the id map
// holds for the parent. Fields edited in the CRM since they were written
// are drift, reported by name, not failures.
//
// It passes when every mapped record is in the CRM, every object adds up
// and every relationship is intact; every failure is named (object, source
// key, CRM id, field). No field value is logged or written to the report:
// it names fields, keys and CRM ids only.
//
// Read-backs go through the loader (Loader.ReadBack, against_written), in
// batches, paced by its rate budget: one GET per mapped record (two for
// HighLevel custom object records).
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_RECONCILE_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_RECONCILE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/auditor.pb.h"
#include "bridgework/v1/loader.pb.h"
#include "libs/mapping/map.h"
#include "tools/bridgework/run_config.h"

namespace bridgework::cli {

struct ReconcileOptions {
  // Also write the JSON here.
  std::string report_json;
  // Write reconcile.json and reconcile.html here.
  std::string report_dir;
  // Records per Loader.ReadBack call. Default 100.
  int batch_size = 100;
  // Names listed per list (unaccounted keys, drift, broken links, ...);
  // the rest are counted. Default 200.
  int max_listed = 200;
};

struct ReconcileResult {
  // {"schema": "bridgework.reconcile/v1", "generated_at", "destination",
  //  "reconcile": {"pass", "objects", "relationships", "fill_rate",
  //  "owner_rate", "quarantined", "skipped", "drift", "missing",
  //  "failures", "runs"}} (docs/design.md "Reconciliation").
  nlohmann::json report;
  bool pass = false;
};

// The arithmetic of a reconciliation, without any I/O: fed the source ids,
// the runs' reports, the id map and the read-backs, it builds the
// "reconcile" JSON. Not thread-safe.
class ReconcileTally {
 public:
  // `map` names the loaded objects, which of them are only merged onto
  // other records (many-to-one routes), and each lookup's parent object.
  ReconcileTally(const mapping::Map& map, int max_listed);

  // Loaded source objects, in map order.
  const std::vector<std::string>& objects() const { return objects_; }

  // One record (its key) or unreadable row ("@file:line") of `object` as
  // the extractor read it.
  void AddSource(const std::string& object, const std::string& id);
  // A run's report, oldest run first (runs of the account that were not
  // rolled back). A succeeded migration replaces what earlier runs said
  // of its objects; samples and deltas add to it.
  void AddRun(const v1::RunInfo& run, const v1::RunReport& report);
  // One id-map entry.
  void AddMapped(const v1::ResolvedKey& entry);
  // The read-back of one mapped record (Loader.ReadBack against_written).
  void AddCheck(const v1::RecordCheck& check);

  // The "reconcile" object; pass() afterwards.
  nlohmann::json Finish();
  bool pass() const { return pass_; }

  // Lines naming each failure (object, key, CRM id, field; never a value).
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  struct Rejected {
    bool skipped = false;
    v1::Rejection rejection;
    std::string run_id;
  };
  struct ObjectTally {
    std::set<std::string> source_ids;
    std::set<std::string> mapped_keys;
    std::set<std::string> missing_keys;        // mapped, not found in the CRM
    std::map<std::string, Rejected> rejected;  // latest, by source id
    int64_t merged = 0;
    bool into_only = false;
  };
  // One lookup of a record read back.
  struct Link {
    std::string source_object;
    std::string source_key;
    std::string crm_id;
    std::vector<std::string> expected;  // the CRM ids written
    bool match = false;                 // the CRM holds what was written
  };
  struct Rate {
    int64_t of = 0;
    int64_t hit = 0;
  };

  nlohmann::json ObjectsJson();
  nlohmann::json RelationshipsJson();
  nlohmann::json RejectedJson(bool skipped);
  static nlohmann::json RatesJson(const std::map<std::string, Rate>& rates,
                                  const char* of, const char* hit);
  void Fail(std::string line);

  std::vector<std::string> objects_;
  std::map<std::string, ObjectTally> tallies_;
  // "<target>.<field>" -> the parent target object the map names.
  std::map<std::string, std::string> parent_of_;
  // target object -> CRM ids the id map holds.
  std::map<std::string, std::set<std::string>> mapped_ids_;
  // target object -> CRM ids mapped but not found in the CRM.
  std::map<std::string, std::set<std::string>> missing_ids_;
  std::map<std::string, std::vector<Link>> links_;  // by relationship kind
  std::map<std::string, Rate> fill_;                // by target object
  std::map<std::string, Rate> owners_;              // by target object
  nlohmann::json missing_ = nlohmann::json::array();
  nlohmann::json drift_ = nlohmann::json::array();
  int64_t drift_records_ = 0;
  std::vector<std::string> runs_;
  std::vector<std::string> failures_;
  int max_listed_;
  bool pass_ = false;
};

// Runs the reconciliation of `config`'s destination account: reads the
// source through the extractor, the ledger through the auditor and the CRM
// through the loader, prints progress to stderr and writes the report
// files. UNAVAILABLE when a service cannot be reached.
absl::StatusOr<ReconcileResult> Reconcile(const RunConfig& config,
                                          const ServiceAddresses& services,
                                          const ReconcileOptions& options);

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_RECONCILE_H_
