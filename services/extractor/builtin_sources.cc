#include "services/extractor/builtin_sources.h"

#include "services/extractor/sources/pbn/pbn_csv_source.h"

namespace bridgework::extractor {

absl::Status RegisterBuiltinSources(SourceRegistry& registry) {
  return registry.Register(
      "pbn_csv",
      [](const v1::SourceConfig& config)
          -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
        return MakePbnCsvSource(config.pbn_csv());
      });
}

}  // namespace bridgework::extractor
