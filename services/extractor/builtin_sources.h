// The source connectors compiled into this build.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_BUILTIN_SOURCES_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_BUILTIN_SOURCES_H_

#include "absl/status/status.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// Registers every built-in connector ("pbn_csv", "layout_csv",
// "opendental_db") in
// `registry`.
// ALREADY_EXISTS when one of their names is taken.
absl::Status RegisterBuiltinSources(SourceRegistry& registry);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_BUILTIN_SOURCES_H_
