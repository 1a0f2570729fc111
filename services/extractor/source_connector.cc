#include "services/extractor/source_connector.h"

#include "absl/strings/str_cat.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"

namespace bridgework::extractor {

absl::StatusOr<std::unique_ptr<SourceConnector>> SourceRegistry::Create(
    const v1::SourceConfig& config) const {
  std::string name;
  switch (config.connector_case()) {
    case v1::SourceConfig::kPbnCsv:
      name = "pbn_csv";
      break;
    default:
      return absl::InvalidArgumentError("the source config names no connector");
  }
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("no source connector '", name, "'"));
  }
  return it->second(config);
}

void RegisterBuiltinSources(SourceRegistry& registry) {
  registry.Register("pbn_csv",
                    [](const v1::SourceConfig& c)
                        -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
                      return MakePbnCsvSource(c.pbn_csv());
                    });
}

}  // namespace bridgework::extractor
