// The data path of one run: extractor -> map -> loader, object by object in
// dependency order, with every record's disposition in the ledger.
//
// Records stream: one extract batch at a time is transformed and sent, and
// the next is read only after the loader acknowledged, so memory stays
// bounded and a slow CRM slows extraction. Restarting a run from the top is
// safe: the loader recognises what the ledger says is already written.
//
// Thread safety: one Pipeline per run; not shared.
#ifndef BRIDGEWORK_SERVICES_TRANSFORMER_PIPELINE_H_
#define BRIDGEWORK_SERVICES_TRANSFORMER_PIPELINE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "bridgework/v1/extractor.grpc.pb.h"
#include "bridgework/v1/loader.grpc.pb.h"
#include "bridgework/v1/transformer.pb.h"
#include "libs/auditor_client/auditor_client.h"
#include "libs/budget/budget_client.h"
#include "libs/metrics/metrics.h"

namespace bridgework::transformer {

struct PipelinePeers {
  // Not owned; must outlive the pipeline.
  v1::Extractor::StubInterface* extractor = nullptr;
  v1::Loader::StubInterface* loader = nullptr;
  AuditorClient* auditor = nullptr;
  // The Run call's context, if any: calls to the peers inherit its
  // cancellation, so a cancelled or shut-down run stops its streams.
  const grpc::CallbackServerContext* server_context = nullptr;
  // Loader calls per route with a batch in flight at once (lanes); the
  // channel spreads them over the loader replicas.
  int loader_streams = 2;
  // The budget authority (the auditor's Budget service), asked while a
  // batch waits whether the destination's budget is paused; may be null.
  budget::BudgetClient* budget = nullptr;
  // Records in and out per source object and the loader batches in flight
  // (docs/observability.md); null: not measured.
  metrics::Metrics* metrics = nullptr;
  // The master key of `phi: hash` fields (--phi-key-file; docs/phi.md),
  // from which each destination account's key is derived; "" for the
  // documented default. Never logged.
  std::string phi_master_key;
};

// Runs `request`. Calls `emit` with progress; stops early (CANCELLED) when
// it returns false. Errors: INVALID_ARGUMENT for a bad map; the peers'
// statuses otherwise (UNAVAILABLE when one is down: call again to resume).
absl::Status RunPipeline(const v1::RunRequest& request,
                         const PipelinePeers& peers,
                         const std::function<bool(const v1::RunEvent&)>& emit);

}  // namespace bridgework::transformer

#endif  // BRIDGEWORK_SERVICES_TRANSFORMER_PIPELINE_H_
