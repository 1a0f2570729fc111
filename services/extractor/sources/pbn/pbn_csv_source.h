// Practice by Numbers CSV export connector ("pbn_csv").
//
// The CSV engine (services/extractor/sources/csv/csv_source.h, which
// documents records, rejections and cursors) with the built-in layout of
// pbn_layout.h / docs/connectors/pbn-export.md: one <objects>.csv file per
// object in PbnCsvSourceConfig.directory, every object's change time in
// its updated_at column. Cursors start "pbn_csv:v1:".
//
// Thread safety: the connector is immutable and thread-safe; readers are
// not.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_CSV_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_CSV_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bridgework/v1/config.pb.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// INVALID_ARGUMENT when the directory is not set, the time zone is unknown
// or the currency is not a three-letter code. A directory that does not
// exist is reported by ListObjects/Open (NOT_FOUND), not here.
absl::StatusOr<std::unique_ptr<SourceConnector>> MakePbnCsvSource(
    const v1::PbnCsvSourceConfig& config);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_CSV_SOURCE_H_
