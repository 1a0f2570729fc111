// Starting the whole suite on loopback: the four services and, for demos,
// a CRM emulator. Shared by `bridgework up` and `bridgework demo`.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_SUITE_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_SUITE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "libs/mapping/map.h"
#include "tools/bridgework/run_config.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework::cli {

struct SuiteOptions {
  std::string state_dir;  // logs, port files, services.json, ledger/
  // The CRM the loader serves: "freshsales", "pipedrive", "highlevel".
  // Defaults to `emulator`.
  std::string crm;
  // Start a CRM emulator of this CRM and point the loader at it.
  std::string emulator;
  // HighLevel: the location (sub-account) and agency.
  std::string location_id;
  std::string company_id;
  // When set, the emulator records every exchange here (conformance tests).
  std::string traffic_log;
  // Custom fields the emulated account has (the admin checklist, done).
  std::vector<mapping::CustomFieldSpec> emulator_fields;
  // Freshsales: the custom modules (with their fields from
  // `emulator_fields`) and deal pipelines the emulated account has.
  std::vector<mapping::CustomObjectSpec> emulator_objects;
  std::vector<mapping::PipelineSpec> emulator_pipelines;
  // Freshsales: the sales territories the emulated account has.
  std::vector<std::string> emulator_territories;
  // Gives the emulated account what `map` needs (fields, modules,
  // pipelines, territories), as if an admin had done the checklist.
  void EmulateSchemaOf(const mapping::Map& map) {
    emulator_fields = map.custom_fields;
    emulator_objects = map.custom_objects;
    emulator_pipelines = map.pipelines;
    emulator_territories = map.territories;
  }
  // Without an emulator: the CRM URL and the loader's token, or the file
  // holding it (given to the loader as --crm-token-file; with an emulator,
  // the emulator takes the token it holds).
  std::string crm_url;
  std::string crm_token;
  std::string crm_token_file;
  std::string plan = "growth";
  // Overrides the plan's hourly budget on both sides (demo: a fast budget).
  int requests_per_hour = 0;
  // The auditor encrypts the ledger's values with the key in this file
  // (--ledger-key-file; docs/ledger.md "At rest"); "" leaves them plain.
  std::string ledger_key_file;
  // The transformer hashes `phi: hash` fields under the master key in this
  // file (--phi-key-file; docs/phi.md); "" leaves the documented default.
  std::string phi_key_file;
  // Overrides the loader's budget alone (0: `requests_per_hour`); tests
  // pace the loader below what the emulator allows.
  int loader_requests_per_hour = 0;
  // Each service also serves Prometheus metrics on a loopback port of its
  // own (--metrics-listen 127.0.0.1:0), listed under "metrics" in
  // services.json (docs/observability.md).
  bool metrics = false;
};

struct Suite {
  ServiceAddresses services;
  std::string emulator_address;  // host:port, when started
  std::string crm_url;
  // The token the loader was given. Kept in memory only; never printed.
  std::string crm_token;
  // With SuiteOptions::metrics: each service's metrics host:port, by name
  // ("extractor", ...).
  std::map<std::string, std::string> metrics;
};

// Starts everything under `supervisor`; writes <state_dir>/services.json.
absl::StatusOr<Suite> StartSuite(const SuiteOptions& options,
                                 Supervisor& supervisor);

// A random 32-hex-digit token.
std::string RandomToken();

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_SUITE_H_
