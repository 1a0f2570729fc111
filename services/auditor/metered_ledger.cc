#include "services/auditor/metered_ledger.h"

#include <string>

#include "absl/strings/ascii.h"

namespace bridgework::auditor {
namespace {

// "applied" for OP_STATE_APPLIED; "loaded" for DISPOSITION_STATUS_LOADED.
std::string Lower(const std::string& name, std::string_view prefix) {
  std::string out =
      name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
  return absl::AsciiStrToLower(out);
}

}  // namespace

MeteredLedger::MeteredLedger(ledger::Ledger* target, metrics::Metrics* metrics,
                             Clock clock)
    : LedgerWrapper(target),
      metrics_(metrics),
      clock_(clock ? std::move(clock)
                   : [] { return std::chrono::steady_clock::now(); }) {}

template <typename Write>
auto MeteredLedger::Timed(const char* op, Write write) {
  const auto start = clock_();
  auto result = write();
  metrics_->LedgerWrite(
      op, std::chrono::duration<double>(clock_() - start).count());
  return result;
}

absl::StatusOr<v1::RunInfo> MeteredLedger::BeginRun(
    const v1::BeginRunRequest& r) {
  return Timed("begin_run", [&] { return LedgerWrapper::BeginRun(r); });
}

absl::StatusOr<v1::RunInfo> MeteredLedger::FinishRun(
    const v1::FinishRunRequest& r) {
  return Timed("finish_run", [&] { return LedgerWrapper::FinishRun(r); });
}

absl::StatusOr<v1::RecordIntentsResponse> MeteredLedger::RecordIntents(
    const v1::RecordIntentsRequest& r) {
  auto result =
      Timed("record_intents", [&] { return LedgerWrapper::RecordIntents(r); });
  if (result.ok()) {
    for (const v1::Operation& op : r.operations()) {
      metrics_->LedgerOperations(op.source_object(), "intent", 1);
    }
  }
  return result;
}

absl::Status MeteredLedger::RecordOutcomes(const v1::RecordOutcomesRequest& r) {
  absl::Status s = Timed("record_outcomes",
                         [&] { return LedgerWrapper::RecordOutcomes(r); });
  if (s.ok()) {
    for (const v1::Operation& op : r.operations()) {
      metrics_->LedgerOperations(
          op.source_object(), Lower(v1::OpState_Name(op.state()), "OP_STATE_"),
          1);
    }
  }
  return s;
}

absl::Status MeteredLedger::RecordDispositions(
    const v1::RecordDispositionsRequest& r) {
  absl::Status s = Timed("record_dispositions",
                         [&] { return LedgerWrapper::RecordDispositions(r); });
  if (s.ok()) {
    for (const v1::Disposition& d : r.dispositions()) {
      metrics_->RecordsIn(d.source_object(), 1);
      metrics_->RecordsOut(
          d.source_object(),
          Lower(v1::DispositionStatus_Name(d.status()), "DISPOSITION_STATUS_"),
          1);
    }
  }
  return s;
}

absl::Status MeteredLedger::SetObjectStats(const v1::SetObjectStatsRequest& r) {
  return Timed("set_object_stats",
               [&] { return LedgerWrapper::SetObjectStats(r); });
}

absl::Status MeteredLedger::SetCursor(const v1::Cursor& c) {
  return Timed("set_cursor", [&] { return LedgerWrapper::SetCursor(c); });
}

absl::StatusOr<v1::MapApproval> MeteredLedger::ApproveMap(
    const v1::MapApproval& a) {
  return Timed("approve_map", [&] { return LedgerWrapper::ApproveMap(a); });
}

}  // namespace bridgework::auditor
