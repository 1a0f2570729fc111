#include "services/extractor/builtin_sources.h"

#include "libs/common/status_macros.h"
#include "services/extractor/sources/csv/layout_csv_source.h"
#include "services/extractor/sources/drdentes/drdentes_api_source.h"
#include "services/extractor/sources/opendental/opendental_db_source.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"

namespace bridgework::extractor {

absl::Status RegisterBuiltinSources(SourceRegistry& registry) {
  BW_RETURN_IF_ERROR(registry.Register(
      "pbn_csv",
      [](const v1::SourceConfig& config)
          -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
        return MakePbnCsvSource(config.pbn_csv());
      }));
  BW_RETURN_IF_ERROR(registry.Register(
      "layout_csv",
      [](const v1::SourceConfig& config)
          -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
        return MakeLayoutCsvSource(config.layout_csv());
      }));
  BW_RETURN_IF_ERROR(registry.Register(
      "drdentes_api",
      [](const v1::SourceConfig& config)
          -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
        return MakeDrdentesApiSource(config.drdentes_api());
      }));
  return registry.Register(
      "opendental_db",
      [](const v1::SourceConfig& config)
          -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
        return MakeOpenDentalDbSource(config.opendental_db());
      });
}

}  // namespace bridgework::extractor
