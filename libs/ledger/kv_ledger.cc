#include "libs/ledger/kv_ledger.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <google/protobuf/wrappers.pb.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/ledger/ledger_keys.h"
#include "libs/report/timeline.h"

namespace bridgework::ledger::ledger_internal {
namespace {

constexpr int kDefaultMaxRejections = 1000;

v1::Timestamp Now() {
  absl::Time now = absl::Now();
  v1::Timestamp t;
  t.set_unix_seconds(absl::ToUnixSeconds(now));
  t.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(
      now - absl::FromUnixSeconds(absl::ToUnixSeconds(now)))));
  return t;
}

template <typename Proto>
absl::Status Parse(std::string_view bytes, const std::string& key, Proto* out) {
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("ledger: unreadable value at key ", key));
  }
  return absl::OkStatus();
}

// Reads and parses `key`; false when absent.
template <typename Proto>
absl::StatusOr<bool> GetProto(KvStore* store, const std::string& key,
                              Proto* out) {
  BW_ASSIGN_OR_RETURN(std::optional<std::string> value, store->Get(key));
  if (!value.has_value()) return false;
  BW_RETURN_IF_ERROR(Parse(*value, key, out));
  return true;
}

absl::StatusOr<int64_t> GetCounter(KvStore* store, const std::string& key) {
  google::protobuf::Int64Value v;
  BW_ASSIGN_OR_RETURN(bool found, GetProto(store, key, &v));
  return found ? v.value() : 0;
}

std::string Counter(int64_t n) {
  google::protobuf::Int64Value v;
  v.set_value(n);
  return v.SerializeAsString();
}

// The ids of every run, in key order.
absl::StatusOr<std::vector<std::string>> RunIds(KvStore* store) {
  std::vector<std::string> runs;
  BW_RETURN_IF_ERROR(store->Scan(
      kRunPrefix, PrefixEnd(kRunPrefix), false,
      [&runs](std::string_view key, std::string_view) {
        runs.push_back(
            UnescapeComponent(key.substr(std::string_view(kRunPrefix).size())));
        return true;
      }));
  return runs;
}

// A write batch that reads its own writes, so that one request touching a
// key twice (two outcomes of one record) sees its earlier change.
class Txn {
 public:
  explicit Txn(KvStore* store) : store_(store) {}

  template <typename Proto>
  absl::StatusOr<bool> Get(const std::string& key, Proto* out) {
    auto it = overlay_.find(key);
    if (it == overlay_.end()) return GetProto(store_, key, out);
    const std::optional<std::string>& value =
        batch_.entries()[it->second].value;
    if (!value.has_value()) return false;
    BW_RETURN_IF_ERROR(Parse(*value, key, out));
    return true;
  }
  template <typename Proto>
  void Put(const std::string& key, const Proto& value) {
    overlay_[key] = batch_.entries().size();
    batch_.Put(key, value.SerializeAsString());
  }
  void Delete(const std::string& key) {
    overlay_[key] = batch_.entries().size();
    batch_.Delete(key);
  }
  // Whether this transaction wrote (or deleted) `key`.
  bool Touched(const std::string& key) const { return overlay_.contains(key); }
  KvBatch TakeBatch() && { return std::move(batch_); }

 private:
  KvStore* store_;
  KvBatch batch_;
  // Key -> its newest entry in batch_ (values are not copied).
  absl::flat_hash_map<std::string, size_t> overlay_;
};

// The intent an outcome names by its seq under another run id (a later
// run settling an earlier run's pending intent) into `op`; false if no run
// has it. `pending_run` is the run of the record's pending intent when
// that intent has this seq (the case of a later run settling it), else
// empty.
absl::StatusOr<bool> FindIntent(KvStore* store, Txn* txn,
                                const std::string& pending_run,
                                const v1::Operation& in, v1::Operation* op) {
  if (!pending_run.empty()) {
    BW_ASSIGN_OR_RETURN(bool found, txn->Get(OpKey(pending_run, in.seq()), op));
    if (found) return true;
  }
  // Every run (a few hundred at most; only for an outcome that names
  // neither its intent's run nor its record, or whose intent was replaced).
  BW_ASSIGN_OR_RETURN(std::vector<std::string> runs, RunIds(store));
  for (const std::string& run : runs) {
    BW_ASSIGN_OR_RETURN(bool found, txn->Get(OpKey(run, in.seq()), op));
    if (found) return true;
  }
  return false;
}

// "r-000042" -> 42; 0 for ids of another shape.
int64_t RunNumber(const std::string& run_id) {
  int64_t n = 0;
  if (run_id.size() > 2 && run_id.compare(0, 2, "r-") == 0 &&
      absl::SimpleAtoi(run_id.substr(2), &n)) {
    return n;
  }
  return 0;
}

bool Newer(const v1::RunInfo& a, const v1::RunInfo& b) {
  int64_t na = RunNumber(a.run_id()), nb = RunNumber(b.run_id());
  if (na != nb) return na > nb;
  return a.run_id() > b.run_id();
}

bool Finished(v1::RunState s) {
  return s == v1::RUN_STATE_SUCCEEDED || s == v1::RUN_STATE_ROLLED_BACK;
}

bool Done(v1::OpState s) {
  return s == v1::OP_STATE_APPLIED || s == v1::OP_STATE_ADOPTED;
}

// The id-map entry an applied write leaves behind, credited to `run_id`.
// What the write left in the CRM (`written`, the entry's largest part) is
// not copied: the operation holds it, and the entry names the operation
// (WrittenOpKey). The entry is rewritten for every record loaded, and
// flushed and compacted with the ledger's unordered keys, where its bytes
// cost most (docs/ledger.md, "Id map").
v1::Operation MapEntry(const v1::Operation& op, const std::string& run_id) {
  v1::Operation e;
  e.set_run_id(run_id);
  e.set_seq(op.seq());
  e.set_kind(op.kind());
  e.set_target_object(op.target_object());
  e.set_crm_id(op.crm_id());
  e.set_fingerprint(op.fingerprint());
  e.set_external_key(op.external_key());
  if (op.run_id() != run_id) e.set_op_run_id(op.run_id());
  return e;
}

// The key of the operation whose `written` an id-map entry stands for; ""
// when the entry carries its own (written before format v3) or names no
// operation.
std::string WrittenOpKey(const v1::Operation& entry) {
  if (!entry.written().empty() || entry.seq() <= 0) return "";
  return OpKey(entry.op_run_id().empty() ? entry.run_id() : entry.op_run_id(),
               entry.seq());
}

// Fills the `written` of answers (ResolveKeys, ListMapped) from their
// id-map entries: at once from an entry that carries its own, else from
// the operation it names, read with the others in one MultiGet (Fill).
// Holds pointers to the answers until Fill; not thread-safe.
class WrittenReads {
 public:
  // Takes `entry`'s own `written` when it has one.
  void Want(v1::Operation* entry, v1::ResolvedKey* to) {
    if (std::string key = WrittenOpKey(*entry); !key.empty()) {
      keys_.push_back(std::move(key));
      to_.push_back(to);
    } else {
      to->set_written(std::move(*entry->mutable_written()));
    }
  }

  // An operation that is not there leaves `written` empty: entries from
  // before format v3 whose operation wrote no projection name no stored
  // operation when a later run settled it (a removed operation is
  // `bridgework audit verify`'s to find). Forgets what was wanted.
  absl::Status Fill(KvStore* store) {
    if (keys_.empty()) return absl::OkStatus();
    BW_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                        store->MultiGet(keys_));
    if (values.size() != keys_.size()) {
      return absl::InternalError("ledger: MultiGet answered another count");
    }
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (!values[i].has_value()) continue;
      v1::Operation op;
      BW_RETURN_IF_ERROR(Parse(*values[i], keys_[i], &op));
      to_[i]->set_written(std::move(*op.mutable_written()));
    }
    keys_.clear();
    to_.clear();
    return absl::OkStatus();
  }

 private:
  std::vector<std::string> keys_;
  std::vector<v1::ResolvedKey*> to_;
};

// What a run's report counts of an operation (GetReport): kind, state and
// when its outcome landed (unix seconds; 0 for none).
struct CountedOp {
  v1::OpKind kind = v1::OP_KIND_UNSPECIFIED;
  v1::OpState state = v1::OP_STATE_UNSPECIFIED;
  int64_t outcome_seconds = 0;
};

// Reads those three fields from an Operation's bytes and skips the rest
// unread: the strings (`written` alone is most of an operation) are
// neither copied nor checked, which parsing the whole message would do
// for every operation of the run. False for bytes that are not a message.
bool ReadCountedOp(std::string_view bytes, CountedOp* out) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  *out = CountedOp();
  while (uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    if (type == WireFormatLite::WIRETYPE_VARINT &&
        (field == v1::Operation::kKindFieldNumber ||
         field == v1::Operation::kStateFieldNumber)) {
      uint32_t n = 0;
      if (!in.ReadVarint32(&n)) return false;
      if (field == v1::Operation::kKindFieldNumber) {
        out->kind = static_cast<v1::OpKind>(n);
      } else {
        out->state = static_cast<v1::OpState>(n);
      }
    } else if (type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED &&
               field == v1::Operation::kOutcomeAtFieldNumber) {
      v1::Timestamp at;
      if (!WireFormatLite::ReadMessage(&in, &at)) return false;
      out->outcome_seconds = at.unix_seconds();
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

// The LOADED disposition of an applied operation's record.
v1::Disposition Loaded(const v1::Operation& op, const char* action) {
  v1::Disposition d;
  d.set_source_object(op.source_object());
  d.set_source_key(op.source_key());
  d.set_status(v1::DISPOSITION_STATUS_LOADED);
  d.set_target_object(op.target_object());
  d.set_crm_id(op.crm_id());
  d.set_action(action);
  return d;
}

// Updates the id map and the record's disposition for one outcome
// (docs/ledger.md, "Outcomes"). `run_id` is the run the outcome was
// reported for: the op's own run, or a later run that settled the op's
// pending intent; that run gets the disposition and the id-map credit.
absl::Status ApplyConsequences(Txn* txn, const std::string& map_key,
                               const std::string& run_id,
                               const v1::Operation& op) {
  const std::string disp_key =
      DispositionKey(run_id, op.source_object(), op.source_key());
  const bool done = Done(op.state());
  const bool undo = op.undoes_seq() != 0;
  v1::Operation current;
  switch (op.kind()) {
    case v1::OP_KIND_CREATE:
    case v1::OP_KIND_UPDATE:
      if (undo) {
        // A rollback restored the before-image: the CRM record no longer
        // holds what the fingerprint describes, so forget the fingerprint
        // and let the next migrate run update it.
        if (!done) return absl::OkStatus();
        BW_ASSIGN_OR_RETURN(bool mapped, txn->Get(map_key, &current));
        if (mapped && current.crm_id() == op.crm_id()) {
          current.clear_fingerprint();
          // What the CRM holds now, the restored before-image, is the
          // rollback operation's `written`: the entry names it.
          current.set_run_id(op.run_id());
          current.set_seq(op.seq());
          current.clear_op_run_id();
          current.clear_written();
          txn->Put(map_key, current);
        }
        return absl::OkStatus();
      }
      if (done) {
        // An update of a key the id map does not know yet is a record that
        // existed in the CRM before the migration (matched, then written
        // under the "fill_blanks" or "overwrite" policy).
        bool matched = false;
        if (op.kind() == v1::OP_KIND_UPDATE) {
          BW_ASSIGN_OR_RETURN(bool mapped, txn->Get(map_key, &current));
          matched = !mapped;
        }
        txn->Put(map_key, MapEntry(op, run_id));
        txn->Put(disp_key,
                 Loaded(op, op.state() == v1::OP_STATE_ADOPTED ? "adopted"
                            : matched                          ? "matched"
                            : op.kind() == v1::OP_KIND_UPDATE  ? "updated"
                                                               : "created"));
      } else {
        v1::Disposition d;
        d.set_source_object(op.source_object());
        d.set_source_key(op.source_key());
        d.set_status(v1::DISPOSITION_STATUS_QUARANTINED);
        d.set_target_object(op.target_object());
        v1::Rejection* r = d.mutable_rejection();
        r->set_object_type(op.source_object());
        r->set_source_key(op.source_key());
        r->set_reason(!op.error().empty()
                          ? op.error()
                          : absl::StrCat("the CRM refused the write (HTTP ",
                                         op.http_status(), ")"));
        r->set_stage("load");
        txn->Put(disp_key, d);
      }
      return absl::OkStatus();
    case v1::OP_KIND_MATCH: {
      if (!done) return absl::OkStatus();
      txn->Put(map_key, MapEntry(op, run_id));
      txn->Put(disp_key, Loaded(op, "matched"));
      return absl::OkStatus();
    }
    case v1::OP_KIND_LINK: {
      // A link completes a record already written (and already disposed
      // of); it only records a mapping if, oddly, there is none.
      if (!done || op.crm_id().empty()) return absl::OkStatus();
      BW_ASSIGN_OR_RETURN(bool mapped, txn->Get(map_key, &current));
      if (!mapped) txn->Put(map_key, MapEntry(op, run_id));
      return absl::OkStatus();
    }
    case v1::OP_KIND_DELETE: {
      if (!done) return absl::OkStatus();
      BW_ASSIGN_OR_RETURN(bool mapped, txn->Get(map_key, &current));
      // Only if the key still maps to the record deleted: a later run may
      // have mapped it to another record since.
      if (mapped && current.crm_id() == op.crm_id()) txn->Delete(map_key);
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

// A rejection as listed in a report: object and key filled in from the
// disposition when the rejection lacks them ("@file:line" keys are not
// keys).
v1::Rejection Listed(const v1::Disposition& d, const char* default_stage) {
  v1::Rejection rej = d.rejection();
  if (rej.object_type().empty()) rej.set_object_type(d.source_object());
  if (rej.source_key().empty() && d.source_key().rfind('@', 0) != 0) {
    rej.set_source_key(d.source_key());
  }
  if (rej.stage().empty()) rej.set_stage(default_stage);
  return rej;
}

// One object's figures while a report's dispositions are counted.
struct ObjectTally {
  v1::ObjectReport report;
  std::vector<v1::Rejection> quarantined;
  std::vector<v1::Rejection> skipped;

  void Count(const v1::Disposition& d, int max_listed) {
    v1::ObjectReport& o = report;
    switch (d.status()) {
      case v1::DISPOSITION_STATUS_LOADED:
        o.set_loaded(o.loaded() + 1);
        if (d.action() == "created") o.set_created(o.created() + 1);
        if (d.action() == "updated") o.set_updated(o.updated() + 1);
        if (d.action() == "unchanged") o.set_unchanged(o.unchanged() + 1);
        if (d.action() == "adopted") o.set_adopted(o.adopted() + 1);
        if (d.action() == "matched") o.set_matched(o.matched() + 1);
        break;
      case v1::DISPOSITION_STATUS_QUARANTINED:
        o.set_quarantined(o.quarantined() + 1);
        if (static_cast<int>(quarantined.size()) < max_listed) {
          quarantined.push_back(Listed(d, "load"));
        }
        break;
      case v1::DISPOSITION_STATUS_SKIPPED:
        o.set_skipped(o.skipped() + 1);
        if (static_cast<int>(skipped.size()) < max_listed) {
          skipped.push_back(Listed(d, "map"));
        }
        break;
      default:
        break;
    }
  }

  // Quarantined entries first, then skipped ones; sets `balanced`.
  v1::ObjectReport Finish(const std::string& name) {
    report.set_source_object(name);
    for (v1::Rejection& r : quarantined)
      *report.add_rejections() = std::move(r);
    for (v1::Rejection& r : skipped) *report.add_rejections() = std::move(r);
    report.set_balanced(report.extracted() == report.loaded() +
                                                  report.quarantined() +
                                                  report.skipped());
    return std::move(report);
  }
};

absl::Status CheckRunId(const std::string& run_id) {
  if (run_id.empty()) return absl::InvalidArgumentError("run_id is required");
  return absl::OkStatus();
}

}  // namespace

KvLedger::KvLedger(std::unique_ptr<KvStore> store) : store_(std::move(store)) {}

absl::Status KvLedger::Load() {
  absl::MutexLock lock(&mu_);
  BW_ASSIGN_OR_RETURN(std::optional<std::string> format,
                      store_->Get(kFormatKey));
  if (format.has_value() && *format != kFormat && *format != kFormatV2 &&
      *format != kFormatV1) {
    return absl::FailedPreconditionError(
        absl::StrCat("ledger format is \"", *format, "\", expected \"", kFormat,
                     "\" (or \"", kFormatV2, "\" or \"", kFormatV1, "\")"));
  }
  if (!format.has_value()) {
    // No marker: a new store, or one written before the marker existed,
    // whose values this code cannot read safely (counters were text, the
    // id map another message). Refuse the latter rather than reuse run ids.
    bool empty = true;
    auto any = [&empty](std::string_view, std::string_view) {
      empty = false;
      return false;
    };
    BW_RETURN_IF_ERROR(store_->Scan("", "", false, any));
    if (!empty) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ledger has no format marker (written by an earlier build); "
          "move it aside to start a new one (expected \"",
          kFormat, "\")"));
    }
  }
  BW_ASSIGN_OR_RETURN(last_run_, GetCounter(store_.get(), kLastRunKey));
  BW_ASSIGN_OR_RETURN(last_seq_, GetCounter(store_.get(), kLastSeqKey));
  if (format != kFormat) {
    // A new ledger, or a v1 ledger: its pending intents are its `i/`
    // markers (kept until each changes), so nothing before the next seq
    // needs replaying. A v2 ledger keeps its `meta/pending_from`; its
    // id-map entries keep their own `written` (WrittenOpKey). Synced:
    // written once.
    KvBatch batch;
    batch.Put(kFormatKey, kFormat);
    if (format != kFormatV2) {
      batch.Put(kPendingFromKey, Counter(last_seq_ + 1));
    }
    BW_RETURN_IF_ERROR(store_->Write(batch, Durability::kSynced));
  }
  BW_RETURN_IF_ERROR(chain_.Load(store_.get()));
  return LoadPending();
}

absl::Status KvLedger::LoadPending() {
  absl::flat_hash_map<std::string, Pending> pending;
  // 1. v1 markers, under `i/`.
  absl::Status parse;
  BW_RETURN_IF_ERROR(store_->Scan(
      kPendingPrefix, PrefixEnd(kPendingPrefix), false,
      [&](std::string_view key, std::string_view value) {
        v1::Operation marker;
        parse = Parse(value, std::string(key), &marker);
        if (!parse.ok()) return false;
        pending[MapKeyOf(key)] =
            Pending{marker.run_id(), marker.seq(), marker.kind(), true};
        return true;
      }));
  BW_RETURN_IF_ERROR(parse);
  // 2. The operations from `meta/pending_from` on, of every run: a
  // record's newest intent is its pending intent while it has no outcome (a
  // settled newer operation ends it; older intents no longer count). Two
  // passes, so that memory holds the intents still without an outcome, not
  // every operation read (an interrupted run's may be millions).
  BW_ASSIGN_OR_RETURN(int64_t from, GetCounter(store_.get(), kPendingFromKey));
  from = std::max<int64_t>(from, 1);
  BW_ASSIGN_OR_RETURN(std::vector<std::string> runs, RunIds(store_.get()));
  // Calls `visit(op, its record key)` for every operation from `from` on.
  auto replay =
      [&](const std::function<void(const v1::Operation&, std::string)>& visit) {
        for (const std::string& run_id : runs) {
          v1::RunInfo run;
          BW_ASSIGN_OR_RETURN(bool known,
                              GetProto(store_.get(), RunKey(run_id), &run));
          (void)known;  // listed: it is there
          BW_RETURN_IF_ERROR(store_->Scan(
              OpKey(run_id, from), PrefixEnd(OpPrefix(run_id)), false,
              [&](std::string_view key, std::string_view value) {
                v1::Operation op;
                parse = Parse(value, std::string(key), &op);
                if (!parse.ok()) return false;
                // Operations written before the account was stored use their
                // run's.
                const std::string& account =
                    op.account().empty() ? run.account() : op.account();
                visit(op, MapKey(account, op.source_object(), op.source_key(),
                                 op.target_object()));
                return true;
              }));
          BW_RETURN_IF_ERROR(parse);
        }
        return absl::OkStatus();
      };
  absl::flat_hash_map<std::string, Pending> intents;  // newest per record
  BW_RETURN_IF_ERROR(replay([&](const v1::Operation& op, std::string key) {
    if (op.state() != v1::OP_STATE_INTENT) return;
    auto [it, added] = intents.try_emplace(std::move(key));
    if (added || op.seq() > it->second.seq) {
      it->second = Pending{op.run_id(), op.seq(), op.kind(), false};
    }
  }));
  if (!intents.empty()) {
    BW_RETURN_IF_ERROR(replay([&](const v1::Operation& op, std::string key) {
      if (op.state() == v1::OP_STATE_INTENT) return;
      auto it = intents.find(key);
      if (it != intents.end() && op.seq() > it->second.seq) intents.erase(it);
    }));
  }
  // Every v1 marker is older than the operations replayed here (the upgrade
  // started them after the last seq), and the intent that replaced one
  // deleted it.
  for (auto& [key, p] : intents) pending[key] = std::move(p);
  v1_markers_ = false;
  for (const auto& [key, p] : pending) v1_markers_ |= p.legacy;
  pending_from_ = from;
  absl::MutexLock lock(&pending_mu_);
  pending_ = std::move(pending);
  pending_stale_ = false;
  return absl::OkStatus();
}

absl::Status KvLedger::EnsurePending() {
  {
    absl::MutexLock lock(&pending_mu_);
    if (!pending_stale_) return absl::OkStatus();
  }
  return LoadPending();
}

std::optional<KvLedger::Pending> KvLedger::PendingOf(
    const PendingChanges& changes, const std::string& record_key) {
  auto changed = changes.find(record_key);
  if (changed != changes.end()) return changed->second;
  absl::ReaderMutexLock lock(&pending_mu_);
  auto it = pending_.find(record_key);
  if (it == pending_.end()) return std::nullopt;
  return it->second;
}

void KvLedger::ApplyPending(const PendingChanges& changes) {
  absl::MutexLock lock(&pending_mu_);
  for (const auto& [key, p] : changes) {
    auto it = pending_.find(key);
    if (it != pending_.end()) {
      if (p.has_value()) {
        it->second = *p;
      } else {
        pending_.erase(it);
      }
    } else if (p.has_value()) {
      pending_.emplace(key, *p);
    }
  }
}

absl::Status KvLedger::WriteChained(KvBatch batch, Durability durability) {
  if (batch.empty()) return absl::OkStatus();
  // The chain entries go in the same batch as the records they cover, so
  // both land or neither does; mu_ keeps the chain in one order.
  absl::Status s = store_->Write(chain_.Extend(std::move(batch)), durability);
  if (s.ok()) {
    chain_.Commit();
    return s;
  }
  // The failed write may have landed: what the store holds is unknown.
  ForgetRecentIntents();
  if (absl::Status reread = LoadPending(); !reread.ok()) {
    LogError("ledger: cannot reread the pending intents after a failed write",
             {{"code", absl::StatusCodeToString(reread.code())}});
    absl::MutexLock lock(&pending_mu_);
    pending_stale_ = true;
  }
  // A failed write may still have landed (an fsync error after the log
  // write): continue from whatever head the store holds.
  if (!chain_.Load(store_.get()).ok()) {
    LogError("ledger: cannot reread the chain head after a failed write", {});
  }
  return s;
}

void KvLedger::ForgetRecentIntents() { recent_.clear(); }

absl::StatusOr<v1::RunInfo> KvLedger::ReadRun(const std::string& run_id) {
  BW_RETURN_IF_ERROR(CheckRunId(run_id));
  v1::RunInfo run;
  BW_ASSIGN_OR_RETURN(bool found, GetProto(store_.get(), RunKey(run_id), &run));
  if (!found) return absl::NotFoundError(absl::StrCat("no run ", run_id));
  return run;
}

absl::StatusOr<v1::RunInfo> KvLedger::Reopen(v1::RunInfo run) {
  if (run.state() == v1::RUN_STATE_RUNNING) return run;
  run.set_state(v1::RUN_STATE_RUNNING);
  run.clear_message();
  run.clear_finished_at();
  Txn txn(store_.get());
  txn.Put(RunKey(run.run_id()), run);
  // Synced, like every state change of a run.
  BW_RETURN_IF_ERROR(
      WriteChained(std::move(txn).TakeBatch(), Durability::kSynced));
  return run;
}

absl::StatusOr<v1::RunInfo> KvLedger::BeginRun(const v1::BeginRunRequest& r) {
  absl::MutexLock lock(&mu_);
  if (!r.run_id().empty()) {
    BW_ASSIGN_OR_RETURN(v1::RunInfo run, ReadRun(r.run_id()));
    if (Finished(run.state())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.run_id(), " is finished (",
          v1::RunState_Name(run.state()), ") and cannot be resumed"));
    }
    if (r.kind() != v1::RUN_KIND_UNSPECIFIED && r.kind() != run.kind()) {
      return absl::FailedPreconditionError(
          absl::StrCat("run ", run.run_id(), " is a ",
                       v1::RunKind_Name(run.kind()), " run"));
    }
    if (!r.account().empty() && r.account() != run.account()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.run_id(), " loads into account ", run.account()));
    }
    if (!r.config_hash().empty() && r.config_hash() != run.config_hash()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "run ", run.run_id(), " ran under another configuration (hash ",
          run.config_hash().substr(0, 12),
          "); resume it with that configuration"));
    }
    return Reopen(std::move(run));
  }
  if (r.kind() == v1::RUN_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("run kind is required");
  }
  if (r.kind() == v1::RUN_KIND_ROLLBACK && r.target_run_id().empty()) {
    return absl::InvalidArgumentError("a rollback run needs target_run_id");
  }
  if (r.resume()) {
    std::optional<v1::RunInfo> newest;
    absl::Status parse;
    BW_RETURN_IF_ERROR(store_->Scan(
        kRunPrefix, PrefixEnd(kRunPrefix), false,
        [&](std::string_view key, std::string_view value) {
          v1::RunInfo run;
          parse = Parse(value, std::string(key), &run);
          if (!parse.ok()) return false;
          bool same = run.kind() == r.kind() && run.account() == r.account() &&
                      run.config_hash() == r.config_hash() &&
                      (r.kind() != v1::RUN_KIND_ROLLBACK ||
                       run.target_run_id() == r.target_run_id());
          if (same && (!newest || Newer(run, *newest))) newest = run;
          return true;
        }));
    BW_RETURN_IF_ERROR(parse);
    if (newest && !Finished(newest->state())) return Reopen(*newest);
  }
  int64_t number = last_run_ + 1;
  v1::RunInfo run;
  run.set_run_id(absl::StrFormat("r-%06d", number));
  run.set_kind(r.kind());
  run.set_state(v1::RUN_STATE_RUNNING);
  run.set_account(r.account());
  run.set_config_json(r.config_json());
  run.set_config_hash(r.config_hash());
  run.set_map_hash(r.map_hash());
  run.set_target_run_id(r.target_run_id());
  *run.mutable_started_at() = Now();
  KvBatch batch;
  batch.Put(RunKey(run.run_id()), run.SerializeAsString());
  batch.Put(kLastRunKey, Counter(number));
  // Synced: a run id handed out is never handed out again.
  BW_RETURN_IF_ERROR(WriteChained(std::move(batch), Durability::kSynced));
  last_run_ = number;
  return run;
}

absl::StatusOr<v1::RunInfo> KvLedger::FinishRun(const v1::FinishRunRequest& r) {
  if (r.state() != v1::RUN_STATE_SUCCEEDED &&
      r.state() != v1::RUN_STATE_FAILED &&
      r.state() != v1::RUN_STATE_ROLLED_BACK) {
    return absl::InvalidArgumentError(
        "a run finishes SUCCEEDED, FAILED or ROLLED_BACK");
  }
  absl::MutexLock lock(&mu_);
  BW_ASSIGN_OR_RETURN(v1::RunInfo run, ReadRun(r.run_id()));
  if (run.state() == v1::RUN_STATE_ROLLED_BACK) {
    if (r.state() == v1::RUN_STATE_ROLLED_BACK) return run;
    return absl::FailedPreconditionError(
        absl::StrCat("run ", run.run_id(), " is rolled back"));
  }
  if (r.state() == v1::RUN_STATE_ROLLED_BACK &&
      run.kind() == v1::RUN_KIND_ROLLBACK) {
    return absl::FailedPreconditionError(
        "a rollback run is not rolled back itself");
  }
  run.set_state(r.state());
  run.set_message(r.message());
  *run.mutable_finished_at() = Now();
  KvBatch batch;
  batch.Put(RunKey(run.run_id()), run.SerializeAsString());
  // Synced: the controller reports the verdict only after this returns.
  BW_RETURN_IF_ERROR(WriteChained(std::move(batch), Durability::kSynced));
  return run;
}

absl::StatusOr<v1::RunInfo> KvLedger::GetRun(const v1::GetRunRequest& r) {
  return ReadRun(r.run_id());
}

absl::StatusOr<v1::ListRunsResponse> KvLedger::ListRuns(
    const v1::ListRunsRequest& r) {
  std::vector<v1::RunInfo> runs;
  absl::Status parse;
  BW_RETURN_IF_ERROR(
      store_->Scan(kRunPrefix, PrefixEnd(kRunPrefix), false,
                   [&](std::string_view key, std::string_view value) {
                     v1::RunInfo run;
                     parse = Parse(value, std::string(key), &run);
                     if (!parse.ok()) return false;
                     runs.push_back(std::move(run));
                     return true;
                   }));
  BW_RETURN_IF_ERROR(parse);
  std::sort(runs.begin(), runs.end(), Newer);
  v1::ListRunsResponse out;
  for (auto& run : runs) {
    if (r.limit() > 0 && out.runs_size() >= r.limit()) break;
    *out.add_runs() = std::move(run);
  }
  return out;
}

absl::StatusOr<v1::RecordIntentsResponse> KvLedger::RecordIntents(
    const v1::RecordIntentsRequest& r) {
  for (int i = 0; i < r.operations_size(); ++i) {
    const v1::Operation& op = r.operations(i);
    if (op.run_id().empty() || op.kind() == v1::OP_KIND_UNSPECIFIED ||
        op.source_object().empty() || op.source_key().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("intent ", i,
                       ": run_id, kind, source_object and source_key are "
                       "required"));
    }
  }
  v1::RecordIntentsResponse out;
  if (r.operations_size() == 0) return out;
  absl::MutexLock lock(&mu_);
  std::set<std::string> checked;
  for (const v1::Operation& op : r.operations()) {
    if (!checked.insert(op.run_id()).second) continue;
    BW_ASSIGN_OR_RETURN(v1::RunInfo run, ReadRun(op.run_id()));
    if (run.state() != v1::RUN_STATE_RUNNING) {
      return absl::FailedPreconditionError(
          absl::StrCat("run ", run.run_id(), " is ",
                       v1::RunState_Name(run.state()), ", not RUNNING"));
    }
  }
  BW_RETURN_IF_ERROR(EnsurePending());
  const v1::Timestamp now = Now();
  int64_t seq = last_seq_;
  Txn txn(store_.get());
  std::vector<v1::Operation> recorded;
  recorded.reserve(r.operations_size());
  PendingChanges changes;
  for (v1::Operation op : r.operations()) {
    op.set_seq(++seq);
    op.set_state(v1::OP_STATE_INTENT);
    *op.mutable_intent_at() = now;
    op.clear_outcome_at();
    // The account makes the operation enough to know the record's pending
    // intent after a restart (LoadPending); no `i/` marker is written.
    op.set_account(r.account());
    txn.Put(OpKey(op.run_id(), op.seq()), op);
    std::string record_key = MapKey(r.account(), op.source_object(),
                                    op.source_key(), op.target_object());
    // The intent becomes the record's pending one; a v1 marker it replaces
    // goes, or LoadPending would bring it back once this one is settled.
    if (v1_markers_) {
      std::optional<Pending> before = PendingOf(changes, record_key);
      if (before.has_value() && before->legacy) {
        txn.Delete(PendingKeyOf(record_key));
      }
    }
    out.add_seqs(op.seq());
    changes[std::move(record_key)] =
        Pending{op.run_id(), op.seq(), op.kind(), false};
    recorded.push_back(std::move(op));
  }
  google::protobuf::Int64Value counter;
  counter.set_value(seq);
  txn.Put(kLastSeqKey, counter);
  // Synced (WriteOptions.sync = true): the loader sends the CRM write only
  // after this returns, so an intent must survive a machine crash, or a
  // resumed run could not know the write may have happened.
  absl::Status written =
      WriteChained(std::move(txn).TakeBatch(), Durability::kSynced);
  if (!written.ok()) {
    // The write may have landed (an fsync error after the log write): go
    // on after the seq the store holds, so no seq is handed out twice.
    absl::StatusOr<int64_t> stored = GetCounter(store_.get(), kLastSeqKey);
    if (stored.ok()) last_seq_ = std::max(last_seq_, *stored);
    return written;
  }
  last_seq_ = seq;
  ApplyPending(changes);
  if (recent_.size() + recorded.size() > kMaxRecentIntents) {
    ForgetRecentIntents();
  }
  for (v1::Operation& intent : recorded) {
    const int64_t s = intent.seq();
    recent_.emplace(s, std::move(intent));
  }
  return out;
}

absl::StatusOr<std::string> KvLedger::NewestRunningRun(
    const std::string& account) {
  std::optional<v1::RunInfo> newest;
  absl::Status parse;
  BW_RETURN_IF_ERROR(store_->Scan(
      kRunPrefix, PrefixEnd(kRunPrefix), false,
      [&](std::string_view key, std::string_view value) {
        v1::RunInfo run;
        parse = Parse(value, std::string(key), &run);
        if (!parse.ok()) return false;
        if (run.account() == account && run.state() == v1::RUN_STATE_RUNNING &&
            (!newest || Newer(run, *newest))) {
          newest = run;
        }
        return true;
      }));
  BW_RETURN_IF_ERROR(parse);
  return newest ? newest->run_id() : std::string();
}

absl::Status KvLedger::RecordOutcomes(const v1::RecordOutcomesRequest& r) {
  for (int i = 0; i < r.operations_size(); ++i) {
    const v1::Operation& op = r.operations(i);
    if (op.run_id().empty() || op.seq() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("outcome ", i, ": run_id and seq name its intent"));
    }
    if (op.state() != v1::OP_STATE_APPLIED &&
        op.state() != v1::OP_STATE_FAILED &&
        op.state() != v1::OP_STATE_ADOPTED) {
      return absl::InvalidArgumentError(
          absl::StrCat("outcome ", i, " (", op.run_id(), "/", op.seq(),
                       "): state must be APPLIED, FAILED or ADOPTED"));
    }
  }
  absl::MutexLock lock(&mu_);
  BW_RETURN_IF_ERROR(EnsurePending());
  const v1::Timestamp now = Now();
  Txn txn(store_.get());
  bool replay = r.operations_size() > 0;
  // Settled here: the seqs to drop from recent_; the pending intents ended.
  std::vector<int64_t> settled;
  PendingChanges changes;
  for (const v1::Operation& in : r.operations()) {
    v1::Operation op;
    // The intent as this process recorded it, unless this request already
    // changed it (two outcomes of one intent).
    auto recent = recent_.find(in.seq());
    // The operation's key: under the intent's own run where this process
    // recorded it, else under the run the outcome names.
    std::string op_key =
        OpKey(recent != recent_.end() ? recent->second.run_id() : in.run_id(),
              in.seq());
    const v1::Operation* known = recent != recent_.end() && !txn.Touched(op_key)
                                     ? &recent->second
                                     : nullptr;
    bool found = known != nullptr;
    if (found) {
      op = *known;
    } else {
      BW_ASSIGN_OR_RETURN(found, txn.Get(op_key, &op));
    }
    if (!found) {
      // A later run settling another run's pending intent names it by its
      // seq under its own run id; seqs are unique in the ledger. The
      // record's pending intent names the intent's run.
      std::string pending_run;
      if (!in.source_object().empty() && !in.source_key().empty()) {
        std::optional<Pending> p =
            PendingOf(changes, MapKey(r.account(), in.source_object(),
                                      in.source_key(), in.target_object()));
        if (p.has_value() && p->seq == in.seq()) pending_run = p->run_id;
      }
      BW_ASSIGN_OR_RETURN(found,
                          FindIntent(store_.get(), &txn, pending_run, in, &op));
      if (found) op_key = OpKey(op.run_id(), op.seq());
    }
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("no intent ", in.run_id(), "/", in.seq()));
    }
    if (op.state() == in.state() &&
        (in.crm_id().empty() || in.crm_id() == op.crm_id())) {
      continue;  // already recorded: a retried request
    }
    replay = false;
    op.set_state(in.state());
    if (!in.crm_id().empty()) op.set_crm_id(in.crm_id());
    if (!in.fingerprint().empty()) op.set_fingerprint(in.fingerprint());
    if (!in.before_image().empty()) op.set_before_image(in.before_image());
    // What the write left in the CRM, known only after it (the loader sends
    // it with the outcome); the id map keeps it for the delta's three-way
    // check, rollback's conflict check and reconciliation.
    if (!in.written().empty()) op.set_written(in.written());
    op.set_http_status(in.http_status());
    op.set_error(in.error());
    *op.mutable_outcome_at() = now;
    txn.Put(op_key, op);

    // The record's pending intent ends only if it is this one: a newer
    // intent for the same record may have replaced it.
    // The id map's key (the request's account), also the pending intent's
    // unless the intent was recorded for another account.
    const std::string map_key = MapKey(r.account(), op.source_object(),
                                       op.source_key(), op.target_object());
    const std::string record_key =
        op.account().empty() || op.account() == r.account()
            ? map_key
            : MapKey(op.account(), op.source_object(), op.source_key(),
                     op.target_object());
    std::optional<Pending> pending = PendingOf(changes, record_key);
    if (pending.has_value() && pending->run_id == op.run_id() &&
        pending->seq == op.seq()) {
      if (pending->legacy) txn.Delete(PendingKeyOf(record_key));
      changes[record_key] = std::nullopt;
    }
    settled.push_back(op.seq());
    BW_RETURN_IF_ERROR(ApplyConsequences(&txn, map_key, in.run_id(), op));
  }

  if (r.requests() > 0 && !replay) {
    // The run named by the request, else the first outcome's run, else the
    // newest running run of the account (older loaders sent no run_id).
    std::string run_id = r.run_id();
    if (run_id.empty() && r.operations_size() > 0) {
      run_id = r.operations(0).run_id();
    }
    if (run_id.empty()) {
      BW_ASSIGN_OR_RETURN(run_id, NewestRunningRun(r.account()));
    }
    v1::RunInfo run;
    bool known = false;
    if (!run_id.empty()) {
      BW_ASSIGN_OR_RETURN(known, GetProto(store_.get(), RunKey(run_id), &run));
    }
    if (!known) {
      LogWarning("requests without a known run to count them against",
                 {{"account", r.account()},
                  {"run", run_id},
                  {"requests", std::to_string(r.requests())}});
    } else {
      google::protobuf::Int64Value counter;
      BW_ASSIGN_OR_RETURN(bool counted, txn.Get(RequestsKey(run_id), &counter));
      (void)counted;  // absent: starts at 0
      counter.set_value(counter.value() + r.requests());
      txn.Put(RequestsKey(run_id), counter);
    }
  }
  // No operation before the oldest intent still pending is pending: a
  // restart replays from there (LoadPending). Moved on with the outcomes
  // that end it, in their batch.
  int64_t from = pending_from_;
  if (!changes.empty()) {
    // Intents ended here: the oldest left is the smallest seq of the
    // others (v1 markers aside: they are not replayed). The pending
    // intents are the windows in flight, a few thousand at most.
    from = last_seq_ + 1;
    absl::ReaderMutexLock lock(&pending_mu_);
    for (const auto& [key, p] : pending_) {
      if (!p.legacy && p.seq < from && !changes.contains(key)) from = p.seq;
    }
  }
  if (from > pending_from_) {
    google::protobuf::Int64Value stored;
    stored.set_value(from);
    txn.Put(kPendingFromKey, stored);
  }
  // Synced (WriteOptions.sync = true), one atomic batch: the operation, its
  // id-map entry, the disposition, the request counter and where pending
  // intents start land together or not at all. Acknowledged outcomes must
  // survive a machine crash: a lost id-map entry for a record the CRM
  // created would make a resumed run create it again.
  BW_RETURN_IF_ERROR(
      WriteChained(std::move(txn).TakeBatch(), Durability::kSynced));
  pending_from_ = std::max(pending_from_, from);
  ApplyPending(changes);
  for (int64_t s : settled) recent_.erase(s);
  return absl::OkStatus();
}

absl::StatusOr<v1::ResolveKeysResponse> KvLedger::ResolveKeys(
    const v1::ResolveKeysRequest& r) {
  v1::ResolveKeysResponse out;
  std::vector<std::string> keys;
  keys.reserve(r.keys_size());
  for (const v1::KeyRef& k : r.keys()) {
    keys.push_back(MapKey(r.account(), k.source_object(), k.source_key(),
                          k.target_object()));
  }
  // Every key's pending intent, then its id-map entry: an outcome lands in
  // the store (entry written) before its intent stops being pending in
  // memory, so this order sees the entry, the pending intent or both, never
  // neither, even when an outcome lands meanwhile. "Neither" would let the
  // loader create twice.
  std::vector<std::optional<Pending>> pending(keys.size());
  {
    absl::ReaderMutexLock lock(&pending_mu_);
    if (pending_stale_) {
      return absl::UnavailableError(
          "ledger: pending intents unknown after a failed write; retry");
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = pending_.find(keys[i]);
      if (it != pending_.end()) pending[i] = it->second;
    }
  }
  BW_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                      store_->MultiGet(keys));
  if (values.size() != keys.size()) {
    return absl::InternalError("ledger: MultiGet answered another count");
  }
  WrittenReads written;
  for (int i = 0; i < r.keys_size(); ++i) {
    v1::ResolvedKey* rk = out.add_keys();
    const v1::KeyRef& k = r.keys(i);
    *rk->mutable_key() = k;
    if (values[i].has_value()) {
      v1::Operation entry;
      BW_RETURN_IF_ERROR(Parse(*values[i], keys[i], &entry));
      rk->set_crm_id(entry.crm_id());
      rk->set_fingerprint(entry.fingerprint());
      rk->set_run_id(entry.run_id());
      if (!r.written_if_changed() || (!k.fingerprint().empty() &&
                                      k.fingerprint() != entry.fingerprint())) {
        written.Want(&entry, rk);
      }
    }
    if (pending[i].has_value()) {
      rk->set_pending_run_id(pending[i]->run_id);
      rk->set_pending_seq(pending[i]->seq);
      rk->set_pending_kind(pending[i]->kind);
    }
  }
  BW_RETURN_IF_ERROR(written.Fill(store_.get()));
  return out;
}

absl::Status KvLedger::ListMapped(const v1::ListMappedRequest& r,
                                  const v1::KeyRef& after,
                                  const MappedVisitor& visit) {
  const std::string prefix = MapPrefix(r.account(), r.source_object());
  std::string begin = prefix;
  if (!after.source_object().empty()) {
    // The smallest key after the entry named: the entry's key plus a NUL.
    begin = MapKey(r.account(), after.source_object(), after.source_key(),
                   after.target_object());
    begin.push_back('\0');
    if (begin < prefix) begin = prefix;
  }
  // Entries are visited a chunk at a time, after the operations holding
  // what they wrote are read together.
  constexpr size_t kChunk = 256;
  std::vector<v1::ResolvedKey> chunk;
  chunk.reserve(kChunk);  // never reallocated: `written` points into it
  WrittenReads written;
  bool more = true;
  auto flush = [&]() -> absl::Status {
    BW_RETURN_IF_ERROR(written.Fill(store_.get()));
    for (const v1::ResolvedKey& rk : chunk) {
      if (!(more = visit(rk))) break;
    }
    chunk.clear();
    return absl::OkStatus();
  };
  absl::Status failed;
  BW_RETURN_IF_ERROR(
      store_->Scan(begin, PrefixEnd(prefix), false,
                   [&](std::string_view key, std::string_view value) {
                     std::optional<MapKeyParts> parts = ParseMapKey(key);
                     if (!parts.has_value()) {
                       failed = absl::DataLossError(absl::StrCat(
                           "ledger: malformed id-map key ", std::string(key)));
                       return false;
                     }
                     v1::Operation entry;
                     failed = Parse(value, std::string(key), &entry);
                     if (!failed.ok()) return false;
                     v1::ResolvedKey& rk = chunk.emplace_back();
                     v1::KeyRef* k = rk.mutable_key();
                     k->set_source_object(std::move(parts->source_object));
                     k->set_source_key(std::move(parts->source_key));
                     k->set_target_object(std::move(parts->target_object));
                     rk.set_crm_id(entry.crm_id());
                     rk.set_fingerprint(entry.fingerprint());
                     rk.set_run_id(entry.run_id());
                     if (!r.without_written()) written.Want(&entry, &rk);
                     if (chunk.size() < kChunk) return true;
                     failed = flush();
                     return failed.ok() && more;
                   }));
  BW_RETURN_IF_ERROR(failed);
  if (more && !chunk.empty()) BW_RETURN_IF_ERROR(flush());
  return absl::OkStatus();
}

absl::Status KvLedger::RecordDispositions(
    const v1::RecordDispositionsRequest& r) {
  for (int i = 0; i < r.dispositions_size(); ++i) {
    const v1::Disposition& d = r.dispositions(i);
    if (d.source_object().empty() || d.source_key().empty() ||
        d.status() == v1::DISPOSITION_STATUS_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("disposition ", i,
                       ": source_object, source_key and status are required"));
    }
  }
  BW_RETURN_IF_ERROR(ReadRun(r.run_id()).status());
  KvBatch batch;
  for (const v1::Disposition& d : r.dispositions()) {
    batch.Put(DispositionKey(r.run_id(), d.source_object(), d.source_key()),
              d.SerializeAsString());
  }
  if (batch.empty()) return absl::OkStatus();
  // Dispositions are chained: the writer mutex gives them their place in
  // the chain's one order.
  absl::MutexLock lock(&mu_);
  // Synced: the transformer counts a record as accounted for once this
  // returns; a lost disposition would unbalance the report.
  return WriteChained(std::move(batch), Durability::kSynced);
}

absl::Status KvLedger::SetObjectStats(const v1::SetObjectStatsRequest& r) {
  for (const v1::ObjectStats& s : r.stats()) {
    if (s.source_object().empty()) {
      return absl::InvalidArgumentError("object stats need source_object");
    }
  }
  BW_RETURN_IF_ERROR(ReadRun(r.run_id()).status());
  KvBatch batch;
  for (const v1::ObjectStats& s : r.stats()) {
    batch.Put(StatsKey(r.run_id(), s.source_object()), s.SerializeAsString());
  }
  if (batch.empty()) return absl::OkStatus();
  // Synced, as every acknowledged write of the auditor (auditor.proto).
  return store_->Write(batch, Durability::kSynced);
}

absl::StatusOr<v1::Cursor> KvLedger::GetCursor(const v1::GetCursorRequest& r) {
  if (r.source_object().empty()) {
    return absl::InvalidArgumentError("a cursor needs source_object");
  }
  v1::Cursor c;
  BW_ASSIGN_OR_RETURN(
      bool found,
      GetProto(store_.get(), CursorKey(r.account(), r.source_object()), &c));
  if (!found) {
    c.set_account(r.account());
    c.set_source_object(r.source_object());
  }
  return c;
}

absl::Status KvLedger::SetCursor(const v1::Cursor& c) {
  if (c.source_object().empty()) {
    return absl::InvalidArgumentError("a cursor needs source_object");
  }
  KvBatch batch;
  batch.Put(CursorKey(c.account(), c.source_object()), c.SerializeAsString());
  // Synced: a cursor that went backwards after a crash would only cost a
  // longer delta, but one acknowledged and lost would confuse the operator;
  // cursors are written once per object and run, so syncing is cheap.
  return store_->Write(batch, Durability::kSynced);
}

absl::StatusOr<v1::MapApproval> KvLedger::ApproveMap(const v1::MapApproval& a) {
  const std::string& hash = a.map_hash();
  bool hex = hash.size() == 64;
  for (char c : hash)
    hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) {
    return absl::InvalidArgumentError(
        "map_hash must be the map's lower-case hex SHA-256");
  }
  if (a.map_name().empty() || a.approved_by().empty()) {
    return absl::InvalidArgumentError(
        "an approval needs map_name and approved_by");
  }
  v1::MapApproval stored = a;
  *stored.mutable_approved_at() = Now();
  KvBatch batch;
  batch.Put(ApprovalKey(hash), stored.SerializeAsString());
  batch.Put(ApprovalNameKey(a.map_name()), stored.SerializeAsString());
  // Approvals are chained (under the writer mutex, see WriteChained).
  absl::MutexLock lock(&mu_);
  // Synced: a run checks the approval before it moves records.
  BW_RETURN_IF_ERROR(WriteChained(std::move(batch), Durability::kSynced));
  return stored;
}

absl::StatusOr<v1::GetApprovalResponse> KvLedger::GetApproval(
    const v1::GetApprovalRequest& r) {
  v1::GetApprovalResponse out;
  if (!r.map_hash().empty()) {
    BW_ASSIGN_OR_RETURN(bool approved,
                        GetProto(store_.get(), ApprovalKey(r.map_hash()),
                                 out.mutable_approval()));
    out.set_approved(approved);
  }
  if (!r.map_name().empty()) {
    BW_ASSIGN_OR_RETURN(bool known,
                        GetProto(store_.get(), ApprovalNameKey(r.map_name()),
                                 out.mutable_latest_for_name()));
    out.set_name_known(known);
  }
  return out;
}

absl::Status KvLedger::ListOperations(const v1::ListOperationsRequest& r,
                                      int64_t after_seq,
                                      const OperationVisitor& visit) {
  BW_RETURN_IF_ERROR(CheckRunId(r.run_id()));
  const std::string prefix = OpPrefix(r.run_id());
  std::string begin = prefix;
  std::string end = PrefixEnd(prefix);
  if (after_seq > 0) {
    if (r.reverse()) {
      end = OpKey(r.run_id(), after_seq);
    } else {
      begin = OpKey(r.run_id(), after_seq + 1);
    }
  }
  absl::Status parse;
  BW_RETURN_IF_ERROR(
      store_->Scan(begin, end, r.reverse(),
                   [&](std::string_view key, std::string_view value) {
                     v1::Operation op;
                     parse = Parse(value, std::string(key), &op);
                     if (!parse.ok()) return false;
                     return visit(op);
                   }));
  return parse;
}

absl::StatusOr<v1::RunReport> KvLedger::GetReport(
    const v1::GetReportRequest& r) {
  BW_ASSIGN_OR_RETURN(v1::RunInfo run, ReadRun(r.run_id()));
  const int max_rejections = r.max_rejections() == 0
                                 ? kDefaultMaxRejections
                                 : std::max(0, r.max_rejections());
  std::map<std::string, ObjectTally> objects;
  absl::Status parse;

  const std::string stats_prefix = StatsPrefix(r.run_id());
  auto visit_stats = [&](std::string_view key, std::string_view value) {
    v1::ObjectStats s;
    parse = Parse(value, std::string(key), &s);
    if (!parse.ok()) return false;
    objects[s.source_object()].report.set_extracted(s.extracted());
    return true;
  };
  BW_RETURN_IF_ERROR(
      store_->Scan(stats_prefix, PrefixEnd(stats_prefix), false, visit_stats));
  BW_RETURN_IF_ERROR(parse);

  const std::string disp_prefix = DispositionPrefix(r.run_id());
  auto visit_disposition = [&](std::string_view key, std::string_view value) {
    v1::Disposition d;
    parse = Parse(value, std::string(key), &d);
    if (!parse.ok()) return false;
    objects[d.source_object()].Count(d, max_rejections);
    return true;
  };
  BW_RETURN_IF_ERROR(store_->Scan(disp_prefix, PrefixEnd(disp_prefix), false,
                                  visit_disposition));
  BW_RETURN_IF_ERROR(parse);

  v1::RunReport report;
  *report.mutable_run() = std::move(run);
  for (auto& [name, tally] : objects) {
    *report.add_objects() = tally.Finish(name);
  }
  BW_ASSIGN_OR_RETURN(int64_t requests,
                      GetCounter(store_.get(), RequestsKey(r.run_id())));
  report.set_requests(requests);
  // Every operation of the run, read for its kind, state and outcome time
  // alone (ReadCountedOp).
  ::bridgework::report::TimelineBuilder timeline(report.run().started_at());
  int64_t applied = 0, failed = 0, pending = 0;
  auto visit_op = [&](std::string_view key, std::string_view value) {
    CountedOp op;
    if (!ReadCountedOp(value, &op)) {
      parse = absl::DataLossError(
          absl::StrCat("ledger: unreadable value at key ", std::string(key)));
      return false;
    }
    timeline.Add(op.kind, op.state, op.outcome_seconds);
    if (Done(op.state)) {
      ++applied;
    } else if (op.state == v1::OP_STATE_FAILED) {
      ++failed;
    } else {
      ++pending;
    }
    return true;
  };
  const std::string op_prefix = OpPrefix(r.run_id());
  BW_RETURN_IF_ERROR(
      store_->Scan(op_prefix, PrefixEnd(op_prefix), false, visit_op));
  BW_RETURN_IF_ERROR(parse);
  report.set_operations_applied(applied);
  report.set_operations_failed(failed);
  report.set_operations_pending(pending);
  *report.mutable_timeline() = timeline.Buckets(
      r.max_timeline_points() > 0 ? r.max_timeline_points()
                                  : ::bridgework::report::kMaxTimelinePoints);
  return report;
}

}  // namespace bridgework::ledger::ledger_internal
