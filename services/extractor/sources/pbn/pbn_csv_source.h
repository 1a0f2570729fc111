// Practice by Numbers CSV export (docs/connectors/pbn-export.md): one file
// per object, columns matched by header name, typed per the layout.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_CSV_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_CSV_SOURCE_H_

#include <memory>

#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

std::unique_ptr<SourceConnector> MakePbnCsvSource(
    const v1::PbnCsvSourceConfig& config);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_CSV_SOURCE_H_
