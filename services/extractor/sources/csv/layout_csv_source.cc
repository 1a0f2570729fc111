#include "services/extractor/sources/csv/layout_csv_source.h"

#include "libs/common/status_macros.h"
#include "libs/csv_layout/layout_yaml.h"
#include "services/extractor/sources/csv/csv_source.h"

namespace bridgework::extractor {

absl::StatusOr<std::unique_ptr<SourceConnector>> MakeLayoutCsvSource(
    const v1::LayoutCsvSourceConfig& config) {
  if (config.layout().empty()) {
    return absl::InvalidArgumentError("layout_csv.layout is required");
  }
  BW_ASSIGN_OR_RETURN(csv_layout::Layout layout,
                      csv_layout::LoadLayoutFile(config.layout()));
  CsvSourceSettings settings;
  settings.connector = "layout_csv";
  settings.directory = config.directory();
  settings.time_zone = config.time_zone();
  settings.currency = config.currency();
  return MakeCsvSource(
      std::make_shared<const csv_layout::Layout>(std::move(layout)),
      std::move(settings));
}

}  // namespace bridgework::extractor
