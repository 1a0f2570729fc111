// Any CSV export described by a layout YAML file ("layout_csv";
// docs/connectors/layout-csv.md): the CSV engine
// (services/extractor/sources/csv/csv_source.h, which documents records,
// rejections and cursors) with the layout read by
// libs/csv_layout/layout_yaml.h. Cursors start "layout_csv:v1:".
//
// Thread safety: the connector is immutable and thread-safe; readers are
// not.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_CSV_LAYOUT_CSV_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_CSV_LAYOUT_CSV_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bridgework/v1/config.pb.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// Reads the layout file when called (a changed layout takes effect on the
// next connector). INVALID_ARGUMENT when the layout path or directory is
// not set, the layout is malformed (naming its file, line and key), the
// time zone is unknown or the currency is not a three-letter code;
// NOT_FOUND when the layout file cannot be read. A directory that does not
// exist is reported by ListObjects/Open (NOT_FOUND), not here.
absl::StatusOr<std::unique_ptr<SourceConnector>> MakeLayoutCsvSource(
    const v1::LayoutCsvSourceConfig& config);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_CSV_LAYOUT_CSV_SOURCE_H_
