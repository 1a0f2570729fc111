#include "libs/ledger/rocksdb_ledger.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <optional>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"

namespace bridgework::ledger {
namespace {

// Key components may hold '/': escape it (and '%') so prefixes stay exact.
std::string Esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string RunKey(const std::string& run) { return "r/" + Esc(run); }
std::string OpPrefix(const std::string& run) { return "o/" + Esc(run) + "/"; }
std::string OpKey(const std::string& run, int64_t seq) {
  return OpPrefix(run) + absl::StrFormat("%016x", seq);
}
std::string RecordKey(const std::string& acct, const std::string& object,
                      const std::string& key, const std::string& target) {
  return absl::StrCat(Esc(acct), "/", Esc(object), "/", Esc(key), "/",
                      Esc(target));
}
std::string PendingKey(const std::string& acct, const v1::Operation& op) {
  return "i/" + RecordKey(acct, op.source_object(), op.source_key(),
                          op.target_object());
}
std::string MapKey(const std::string& acct, const std::string& object,
                   const std::string& key, const std::string& target) {
  return "m/" + RecordKey(acct, object, key, target);
}
std::string DispPrefix(const std::string& run) { return "d/" + Esc(run) + "/"; }
std::string DispKey(const std::string& run, const std::string& object,
                    const std::string& key) {
  return DispPrefix(run) + Esc(object) + "/" + Esc(key);
}
std::string StatsPrefix(const std::string& run) {
  return "x/" + Esc(run) + "/";
}
std::string RequestsKey(const std::string& run) { return "q/" + Esc(run); }
std::string CursorKey(const std::string& acct, const std::string& object) {
  return "c/" + Esc(acct) + "/" + Esc(object);
}

v1::Timestamp Now() {
  v1::Timestamp t;
  absl::Time now = absl::Now();
  t.set_unix_seconds(absl::ToUnixSeconds(now));
  t.set_zone("UTC");
  return t;
}

absl::Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(s.ToString());
  return absl::InternalError(absl::StrCat("ledger: ", s.ToString()));
}

class RocksDbLedger : public AuditorClient {
 public:
  explicit RocksDbLedger(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {
    next_run_ = ReadCounter("meta/next_run");
    next_seq_ = ReadCounter("meta/next_seq");
  }

  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override {
    absl::MutexLock lock(&mu_);
    if (!r.run_id().empty()) {
      v1::RunInfo run;
      BW_RETURN_IF_ERROR(GetProto(RunKey(r.run_id()), &run));
      if (run.state() == v1::RUN_STATE_SUCCEEDED ||
          run.state() == v1::RUN_STATE_ROLLED_BACK) {
        return absl::FailedPreconditionError(
            absl::StrCat("run ", r.run_id(), " is already finished"));
      }
      if (run.config_hash() != r.config_hash()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "run ", r.run_id(),
            " ran under another config; resume it with that config"));
      }
      run.set_state(v1::RUN_STATE_RUNNING);
      run.clear_message();
      BW_RETURN_IF_ERROR(PutProto(RunKey(run.run_id()), run));
      return run;
    }
    if (r.resume()) {
      std::optional<v1::RunInfo> found;
      ScanPrefix("r/", [&](const std::string&, const std::string& value) {
        v1::RunInfo run;
        if (run.ParseFromString(value) && run.kind() == r.kind() &&
            run.account() == r.account() &&
            run.config_hash() == r.config_hash() &&
            run.target_run_id() == r.target_run_id() &&
            (run.state() == v1::RUN_STATE_RUNNING ||
             run.state() == v1::RUN_STATE_FAILED)) {
          found = run;  // keys sort by id: the last match is the newest
        }
        return true;
      });
      if (found) {
        found->set_state(v1::RUN_STATE_RUNNING);
        found->clear_message();
        BW_RETURN_IF_ERROR(PutProto(RunKey(found->run_id()), *found));
        return *found;
      }
    }
    v1::RunInfo run;
    run.set_run_id(absl::StrFormat("r-%06d", ++next_run_));
    run.set_kind(r.kind());
    run.set_state(v1::RUN_STATE_RUNNING);
    run.set_account(r.account());
    run.set_config_json(r.config_json());
    run.set_config_hash(r.config_hash());
    run.set_map_hash(r.map_hash());
    run.set_target_run_id(r.target_run_id());
    *run.mutable_started_at() = Now();
    rocksdb::WriteBatch batch;
    batch.Put(RunKey(run.run_id()), run.SerializeAsString());
    batch.Put("meta/next_run", absl::StrCat(next_run_));
    BW_RETURN_IF_ERROR(Write(&batch));
    return run;
  }

  absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& r) override {
    absl::MutexLock lock(&mu_);
    v1::RunInfo run;
    BW_RETURN_IF_ERROR(GetProto(RunKey(r.run_id()), &run));
    run.set_state(r.state());
    run.set_message(r.message());
    *run.mutable_finished_at() = Now();
    BW_RETURN_IF_ERROR(PutProto(RunKey(run.run_id()), run));
    return run;
  }

  absl::StatusOr<v1::RunInfo> GetRun(const std::string& run_id) override {
    v1::RunInfo run;
    absl::Status s = GetProto(RunKey(run_id), &run);
    if (absl::IsNotFound(s))
      return absl::NotFoundError(absl::StrCat("no run ", run_id));
    BW_RETURN_IF_ERROR(s);
    return run;
  }

  absl::StatusOr<v1::ListRunsResponse> ListRuns(int limit) override {
    std::vector<v1::RunInfo> runs;
    ScanPrefix("r/", [&](const std::string&, const std::string& value) {
      v1::RunInfo run;
      if (run.ParseFromString(value)) runs.push_back(std::move(run));
      return true;
    });
    v1::ListRunsResponse out;
    int n = 0;
    for (auto it = runs.rbegin();
         it != runs.rend() && (limit <= 0 || n < limit); ++it, ++n) {
      *out.add_runs() = *it;
    }
    return out;
  }

  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override {
    absl::MutexLock lock(&mu_);
    rocksdb::WriteBatch batch;
    v1::RecordIntentsResponse out;
    v1::Timestamp now = Now();
    for (v1::Operation op : r.operations()) {
      op.set_seq(++next_seq_);
      op.set_state(v1::OP_STATE_INTENT);
      *op.mutable_intent_at() = now;
      batch.Put(OpKey(op.run_id(), op.seq()), op.SerializeAsString());
      v1::Operation ref;
      ref.set_run_id(op.run_id());
      ref.set_seq(op.seq());
      ref.set_kind(op.kind());
      batch.Put(PendingKey(r.account(), op), ref.SerializeAsString());
      out.add_seqs(op.seq());
    }
    batch.Put("meta/next_seq", absl::StrCat(next_seq_));
    // Synced: the loader sends the CRM write only after this returns.
    BW_RETURN_IF_ERROR(Write(&batch));
    return out;
  }

  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override {
    absl::MutexLock lock(&mu_);
    rocksdb::WriteBatch batch;
    v1::Timestamp now = Now();
    for (const v1::Operation& in : r.operations()) {
      v1::Operation op;
      absl::Status found = GetProto(OpKey(in.run_id(), in.seq()), &op);
      if (!found.ok())
        op = in;  // an outcome for an intent we never saw: keep what we know
      op.set_state(in.state());
      op.set_crm_id(in.crm_id());
      op.set_http_status(in.http_status());
      op.set_error(in.error());
      op.set_before_image(in.before_image());
      if (!in.fingerprint().empty()) op.set_fingerprint(in.fingerprint());
      *op.mutable_outcome_at() = now;
      batch.Put(OpKey(op.run_id(), op.seq()), op.SerializeAsString());
      batch.Delete(PendingKey(r.account(), op));
      std::string map_key = MapKey(r.account(), op.source_object(),
                                   op.source_key(), op.target_object());
      bool done = op.state() == v1::OP_STATE_APPLIED ||
                  op.state() == v1::OP_STATE_ADOPTED;
      if (done && op.kind() == v1::OP_KIND_DELETE) {
        v1::ResolvedKey current;
        if (GetProto(map_key, &current).ok() &&
            current.crm_id() == op.crm_id()) {
          batch.Delete(map_key);
        }
      } else if (done) {
        v1::ResolvedKey entry;
        entry.set_crm_id(op.crm_id());
        entry.set_fingerprint(op.fingerprint());
        entry.set_run_id(op.run_id());
        batch.Put(map_key, entry.SerializeAsString());
        if (op.kind() != v1::OP_KIND_LINK) {
          v1::Disposition d;
          d.set_source_object(op.source_object());
          d.set_source_key(op.source_key());
          d.set_status(v1::DISPOSITION_STATUS_LOADED);
          d.set_target_object(op.target_object());
          d.set_crm_id(op.crm_id());
          d.set_action(op.state() == v1::OP_STATE_ADOPTED ? "adopted"
                       : op.kind() == v1::OP_KIND_UPDATE  ? "updated"
                                                          : "created");
          batch.Put(DispKey(op.run_id(), op.source_object(), op.source_key()),
                    d.SerializeAsString());
        }
      } else if (op.state() == v1::OP_STATE_FAILED &&
                 op.kind() != v1::OP_KIND_DELETE &&
                 op.kind() != v1::OP_KIND_LINK && op.undoes_seq() == 0) {
        v1::Disposition d;
        d.set_source_object(op.source_object());
        d.set_source_key(op.source_key());
        d.set_status(v1::DISPOSITION_STATUS_QUARANTINED);
        v1::Rejection* rej = d.mutable_rejection();
        rej->set_object_type(op.source_object());
        rej->set_source_key(op.source_key());
        rej->set_reason(op.error());
        rej->set_stage("load");
        batch.Put(DispKey(op.run_id(), op.source_object(), op.source_key()),
                  d.SerializeAsString());
      }
    }
    std::string run = !r.run_id().empty()       ? r.run_id()
                      : r.operations_size() > 0 ? r.operations(0).run_id()
                                                : "";
    if (r.requests() > 0 && !run.empty()) {
      batch.Put(RequestsKey(run),
                absl::StrCat(ReadCounter(RequestsKey(run)) + r.requests()));
    }
    return Write(&batch);
  }

  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override {
    v1::ResolveKeysResponse out;
    for (const auto& k : r.keys()) {
      v1::ResolvedKey* rk = out.add_keys();
      v1::ResolvedKey entry;
      if (GetProto(MapKey(r.account(), k.source_object(), k.source_key(),
                          k.target_object()),
                   &entry)
              .ok()) {
        *rk = entry;
      }
      *rk->mutable_key() = k;
      v1::Operation pending;
      v1::Operation probe;
      probe.set_source_object(k.source_object());
      probe.set_source_key(k.source_key());
      probe.set_target_object(k.target_object());
      if (GetProto(PendingKey(r.account(), probe), &pending).ok()) {
        rk->set_pending_run_id(pending.run_id());
        rk->set_pending_seq(pending.seq());
        rk->set_pending_kind(pending.kind());
      }
    }
    return out;
  }

  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override {
    rocksdb::WriteBatch batch;
    for (const auto& d : r.dispositions()) {
      batch.Put(DispKey(r.run_id(), d.source_object(), d.source_key()),
                d.SerializeAsString());
    }
    return Write(&batch);
  }

  absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) override {
    rocksdb::WriteBatch batch;
    for (const auto& s : r.stats()) {
      batch.Put(StatsPrefix(r.run_id()) + Esc(s.source_object()),
                s.SerializeAsString());
    }
    return Write(&batch);
  }

  absl::StatusOr<v1::Cursor> GetCursor(const v1::GetCursorRequest& r) override {
    v1::Cursor c;
    absl::Status s = GetProto(CursorKey(r.account(), r.source_object()), &c);
    if (absl::IsNotFound(s)) {
      c.set_account(r.account());
      c.set_source_object(r.source_object());
      return c;
    }
    BW_RETURN_IF_ERROR(s);
    return c;
  }

  absl::Status SetCursor(const v1::Cursor& c) override {
    return PutProto(CursorKey(c.account(), c.source_object()), c);
  }

  absl::Status ListOperations(
      const v1::ListOperationsRequest& r,
      const std::function<bool(const v1::Operation&)>& visit) override {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions()));
    std::string prefix = OpPrefix(r.run_id());
    if (r.reverse()) {
      it->SeekForPrev(prefix + "\xff");
      for (; it->Valid() && it->key().starts_with(prefix); it->Prev()) {
        v1::Operation op;
        if (op.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size())) &&
            !visit(op)) {
          break;
        }
      }
    } else {
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
           it->Next()) {
        v1::Operation op;
        if (op.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size())) &&
            !visit(op)) {
          break;
        }
      }
    }
    return FromRocks(it->status());
  }

  absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest& r) override {
    BW_ASSIGN_OR_RETURN(v1::RunInfo run, GetRun(r.run_id()));
    int max_rejections = r.max_rejections() > 0 ? r.max_rejections() : 1000;
    std::map<std::string, v1::ObjectReport> objects;
    ScanPrefix(StatsPrefix(r.run_id()),
               [&](const std::string&, const std::string& value) {
                 v1::ObjectStats s;
                 if (s.ParseFromString(value)) {
                   auto& o = objects[s.source_object()];
                   o.set_source_object(s.source_object());
                   o.set_extracted(s.extracted());
                 }
                 return true;
               });
    ScanPrefix(DispPrefix(r.run_id()),
               [&](const std::string&, const std::string& value) {
                 v1::Disposition d;
                 if (!d.ParseFromString(value)) return true;
                 auto& o = objects[d.source_object()];
                 o.set_source_object(d.source_object());
                 switch (d.status()) {
                   case v1::DISPOSITION_STATUS_LOADED:
                     o.set_loaded(o.loaded() + 1);
                     if (d.action() == "created")
                       o.set_created(o.created() + 1);
                     if (d.action() == "updated")
                       o.set_updated(o.updated() + 1);
                     if (d.action() == "unchanged")
                       o.set_unchanged(o.unchanged() + 1);
                     if (d.action() == "adopted")
                       o.set_adopted(o.adopted() + 1);
                     break;
                   case v1::DISPOSITION_STATUS_QUARANTINED:
                     o.set_quarantined(o.quarantined() + 1);
                     if (o.rejections_size() < max_rejections)
                       *o.add_rejections() = d.rejection();
                     break;
                   case v1::DISPOSITION_STATUS_SKIPPED:
                     o.set_skipped(o.skipped() + 1);
                     if (o.rejections_size() < max_rejections)
                       *o.add_rejections() = d.rejection();
                     break;
                   default:
                     break;
                 }
                 return true;
               });
    v1::RunReport report;
    *report.mutable_run() = run;
    for (auto& [name, o] : objects) {
      o.set_balanced(o.extracted() ==
                     o.loaded() + o.quarantined() + o.skipped());
      *report.add_objects() = o;
    }
    report.set_requests(ReadCounter(RequestsKey(r.run_id())));
    BW_RETURN_IF_ERROR(ListOperations(
        [&] {
          v1::ListOperationsRequest l;
          l.set_run_id(r.run_id());
          return l;
        }(),
        [&report](const v1::Operation& op) {
          if (op.state() == v1::OP_STATE_APPLIED ||
              op.state() == v1::OP_STATE_ADOPTED) {
            report.set_operations_applied(report.operations_applied() + 1);
          } else if (op.state() == v1::OP_STATE_FAILED) {
            report.set_operations_failed(report.operations_failed() + 1);
          } else {
            report.set_operations_pending(report.operations_pending() + 1);
          }
          return true;
        }));
    return report;
  }

 private:
  absl::Status Write(rocksdb::WriteBatch* batch) {
    rocksdb::WriteOptions opts;
    opts.sync = true;  // the ledger's promise: acknowledged means on disk
    return FromRocks(db_->Write(opts, batch));
  }

  template <typename Proto>
  absl::Status PutProto(const std::string& key, const Proto& value) {
    rocksdb::WriteBatch batch;
    batch.Put(key, value.SerializeAsString());
    return Write(&batch);
  }

  template <typename Proto>
  absl::Status GetProto(const std::string& key, Proto* out) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (!s.ok()) return FromRocks(s);
    if (!out->ParseFromString(value))
      return absl::DataLossError("ledger: corrupt value");
    return absl::OkStatus();
  }

  int64_t ReadCounter(const std::string& key) {
    std::string value;
    if (!db_->Get(rocksdb::ReadOptions(), key, &value).ok()) return 0;
    return std::strtoll(value.c_str(), nullptr, 10);
  }

  void ScanPrefix(const std::string& prefix,
                  const std::function<bool(const std::string&,
                                           const std::string&)>& visit) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      if (!visit(it->key().ToString(), it->value().ToString())) break;
    }
  }

  std::unique_ptr<rocksdb::DB> db_;
  absl::Mutex mu_;
  int64_t next_run_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditorClient>> OpenRocksDbLedger(
    const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec)
    return absl::InternalError(
        absl::StrCat("cannot create ledger directory ", directory));
  chmod(directory.c_str(), 0700);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::DB* raw = nullptr;
  mode_t old = umask(077);  // files 0600
  rocksdb::Status s = rocksdb::DB::Open(options, directory, &raw);
  umask(old);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ledger at ", directory, ": ", s.ToString()));
  }
  return std::unique_ptr<AuditorClient>(
      new RocksDbLedger(std::unique_ptr<rocksdb::DB>(raw)));
}

}  // namespace bridgework::ledger
