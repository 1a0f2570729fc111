// An in-memory AuditorClient for unit tests of the loader and transformer.
// Implements the auditor's semantics closely enough for them: intents get
// increasing seqs and a pending marker; outcomes clear it and update the id
// map and dispositions. Not a ledger: nothing is durable.
//
// Thread safety: all methods lock one mutex.
#ifndef BRIDGEWORK_LIBS_AUDITOR_CLIENT_FAKE_AUDITOR_CLIENT_H_
#define BRIDGEWORK_LIBS_AUDITOR_CLIENT_FAKE_AUDITOR_CLIENT_H_

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "libs/auditor_client/auditor_client.h"

namespace bridgework {

class FakeAuditorClient : public AuditorClient {
 public:
  using Key =
      std::tuple<std::string, std::string, std::string>;  // object, key, target

  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    v1::RunInfo run;
    run.set_run_id("r-" + std::to_string(++next_run_));
    run.set_kind(r.kind());
    run.set_state(v1::RUN_STATE_RUNNING);
    run.set_account(r.account());
    runs_[run.run_id()] = run;
    return run;
  }
  absl::StatusOr<v1::RunInfo> FinishRun(
      const v1::FinishRunRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    runs_[r.run_id()].set_state(r.state());
    return runs_[r.run_id()];
  }
  absl::StatusOr<v1::RunInfo> GetRun(const std::string& run_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = runs_.find(run_id);
    if (it == runs_.end()) return absl::NotFoundError(run_id);
    return it->second;
  }
  absl::StatusOr<v1::ListRunsResponse> ListRuns(int) override {
    std::lock_guard<std::mutex> lock(mu_);
    v1::ListRunsResponse out;
    for (const auto& [id, r] : runs_) *out.add_runs() = r;
    return out;
  }
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_intents_) return absl::UnavailableError("fake: auditor down");
    v1::RecordIntentsResponse out;
    for (v1::Operation op : r.operations()) {
      op.set_seq(++next_seq_);
      ops_[op.seq()] = op;
      pending_[{op.source_object(), op.source_key(), op.target_object()}] =
          op.seq();
      out.add_seqs(op.seq());
    }
    return out;
  }
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_ += r.requests();
    for (const auto& op : r.operations()) {
      ops_[op.seq()] = op;
      Key key{op.source_object(), op.source_key(), op.target_object()};
      pending_.erase(key);
      bool ok = op.state() == v1::OP_STATE_APPLIED ||
                op.state() == v1::OP_STATE_ADOPTED;
      if (ok && op.kind() == v1::OP_KIND_DELETE) {
        id_map_.erase(key);
      } else if (ok) {
        id_map_[key] = {op.crm_id(), op.fingerprint(), op.run_id(),
                        op.written()};
        v1::Disposition d;
        d.set_status(v1::DISPOSITION_STATUS_LOADED);
        d.set_crm_id(op.crm_id());
        if (op.kind() != v1::OP_KIND_LINK)
          dispositions_[{op.run_id(), op.source_key()}] = d;
      } else if (op.state() == v1::OP_STATE_FAILED) {
        v1::Disposition d;
        d.set_status(v1::DISPOSITION_STATUS_QUARANTINED);
        d.mutable_rejection()->set_reason(op.error());
        dispositions_[{op.run_id(), op.source_key()}] = d;
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ResolveKeysResponse> ResolveKeys(
      const v1::ResolveKeysRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    v1::ResolveKeysResponse out;
    for (const auto& k : r.keys()) {
      v1::ResolvedKey* rk = out.add_keys();
      *rk->mutable_key() = k;
      Key key{k.source_object(), k.source_key(), k.target_object()};
      if (auto it = id_map_.find(key); it != id_map_.end()) {
        rk->set_crm_id(it->second.crm_id);
        rk->set_fingerprint(it->second.fingerprint);
        rk->set_run_id(it->second.run_id);
        if (!r.written_if_changed() ||
            (!k.fingerprint().empty() &&
             k.fingerprint() != it->second.fingerprint)) {
          rk->set_written(it->second.written);
        }
      }
      if (auto it = pending_.find(key); it != pending_.end()) {
        rk->set_pending_seq(it->second);
        rk->set_pending_run_id(ops_[it->second].run_id());
        rk->set_pending_kind(ops_[it->second].kind());
      }
    }
    return out;
  }
  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& d : r.dispositions())
      dispositions_[{r.run_id(), d.source_key()}] = d;
    return absl::OkStatus();
  }
  absl::Status SetObjectStats(const v1::SetObjectStatsRequest&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Cursor> GetCursor(const v1::GetCursorRequest& r) override {
    return v1::Cursor();
  }
  absl::Status SetCursor(const v1::Cursor&) override {
    return absl::OkStatus();
  }
  // Every map counts as approved unless `approved_` is cleared.
  absl::StatusOr<v1::MapApproval> ApproveMap(
      const v1::MapApproval& a) override {
    return a;
  }
  absl::StatusOr<v1::GetApprovalResponse> GetApproval(
      const v1::GetApprovalRequest&) override {
    v1::GetApprovalResponse r;
    r.set_approved(approved_);
    return r;
  }
  bool approved_ = true;
  absl::Status ListOperations(
      const v1::ListOperationsRequest& r,
      const std::function<bool(const v1::Operation&)>& visit) override {
    std::vector<v1::Operation> ops;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [seq, op] : ops_) {
        if (op.run_id() == r.run_id()) ops.push_back(op);
      }
    }
    if (r.reverse()) std::reverse(ops.begin(), ops.end());
    for (const auto& op : ops) {
      if (!visit(op)) break;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<v1::RunReport> GetReport(
      const v1::GetReportRequest&) override {
    return absl::UnimplementedError("fake: no reports");
  }
  // The id map in key order; one account only (the fake keeps no
  // accounts), so `r.account` is not checked.
  absl::Status ListMapped(
      const v1::ListMappedRequest& r,
      const std::function<bool(const v1::ResolvedKey&)>& visit) override {
    std::vector<v1::ResolvedKey> entries;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [key, m] : id_map_) {
        const auto& [object, source_key, target] = key;
        if (!r.source_object().empty() && object != r.source_object()) continue;
        v1::ResolvedKey rk;
        *rk.mutable_key() = MakeKeyRef(object, source_key, target);
        rk.set_crm_id(m.crm_id);
        rk.set_fingerprint(m.fingerprint);
        rk.set_run_id(m.run_id);
        if (!r.without_written()) rk.set_written(m.written);
        entries.push_back(std::move(rk));
      }
    }
    for (const auto& e : entries) {
      if (!visit(e)) break;
    }
    return absl::OkStatus();
  }

  // Test hooks.
  void set_fail_intents(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_intents_ = fail;
  }
  size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  std::string crm_id(const Key& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = id_map_.find(key);
    return it == id_map_.end() ? "" : it->second.crm_id;
  }
  v1::Disposition disposition(const std::string& run, const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    return dispositions_[{run, key}];
  }

 private:
  struct Mapped {
    std::string crm_id, fingerprint, run_id, written;
  };
  std::mutex mu_;
  int next_run_ = 0;
  int64_t next_seq_ = 0;
  int64_t requests_ = 0;
  bool fail_intents_ = false;
  std::map<std::string, v1::RunInfo> runs_;
  std::map<int64_t, v1::Operation> ops_;
  std::map<Key, int64_t> pending_;
  std::map<Key, Mapped> id_map_;
  std::map<std::pair<std::string, std::string>, v1::Disposition> dispositions_;
};

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_AUDITOR_CLIENT_FAKE_AUDITOR_CLIENT_H_
