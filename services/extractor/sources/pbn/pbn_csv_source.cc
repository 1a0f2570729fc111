#include "services/extractor/sources/pbn/pbn_csv_source.h"

#include "services/extractor/sources/csv/csv_source.h"
#include "services/extractor/sources/pbn/pbn_layout.h"

namespace bridgework::extractor {

absl::StatusOr<std::unique_ptr<SourceConnector>> MakePbnCsvSource(
    const v1::PbnCsvSourceConfig& config) {
  CsvSourceSettings settings;
  settings.connector = "pbn_csv";
  settings.directory = config.directory();
  settings.time_zone = config.time_zone();
  settings.currency = config.currency();
  return MakeCsvSource(pbn::PbnLayout(), std::move(settings));
}

}  // namespace bridgework::extractor
