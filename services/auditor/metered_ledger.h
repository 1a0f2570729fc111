// A ledger decorator that measures the auditor's ledger into
// metrics::Metrics (docs/observability.md): the latency of every write
// (bridgework_ledger_write_duration_seconds{op}), the CRM operations
// recorded (bridgework_ledger_operations_total{object, state}) and the
// dispositions received (bridgework_records_in_total{object} and
// bridgework_records_out_total{object, outcome}: loaded, quarantined,
// skipped). Reads pass through unmeasured (their RPCs are timed).
//
// Thread safety: as the wrapped ledger. `target` and `metrics` must
// outlive it.
#ifndef BRIDGEWORK_SERVICES_AUDITOR_METERED_LEDGER_H_
#define BRIDGEWORK_SERVICES_AUDITOR_METERED_LEDGER_H_

#include <chrono>
#include <functional>

#include "libs/ledger/ledger.h"
#include "libs/metrics/metrics.h"

namespace bridgework::auditor {

class MeteredLedger final : public ledger::LedgerWrapper {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // Default clock: std::chrono::steady_clock::now.
  MeteredLedger(ledger::Ledger* target, metrics::Metrics* metrics,
                Clock clock = nullptr);

  absl::StatusOr<v1::RunInfo> BeginRun(const v1::BeginRunRequest& r) override;
  absl::StatusOr<v1::RunInfo> FinishRun(const v1::FinishRunRequest& r) override;
  absl::StatusOr<v1::RecordIntentsResponse> RecordIntents(
      const v1::RecordIntentsRequest& r) override;
  absl::Status RecordOutcomes(const v1::RecordOutcomesRequest& r) override;
  absl::Status RecordDispositions(
      const v1::RecordDispositionsRequest& r) override;
  absl::Status SetObjectStats(const v1::SetObjectStatsRequest& r) override;
  absl::Status SetCursor(const v1::Cursor& c) override;
  absl::StatusOr<v1::MapApproval> ApproveMap(const v1::MapApproval& a) override;

 private:
  // Runs `write`, recording its latency under `op`.
  template <typename Write>
  auto Timed(const char* op, Write write);

  metrics::Metrics* const metrics_;
  const Clock clock_;
};

}  // namespace bridgework::auditor

#endif  // BRIDGEWORK_SERVICES_AUDITOR_METERED_LEDGER_H_
