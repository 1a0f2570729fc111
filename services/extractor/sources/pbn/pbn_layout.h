// The layout of a Practice by Numbers CSV export, as Bridgework defines it
// (PbN publishes no export format): one file per object, its key column,
// typed columns and foreign keys. docs/connectors/pbn-export.md documents
// the same table for people; pbn_layout_test checks the two agree.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_LAYOUT_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_LAYOUT_H_

#include <memory>
#include <string_view>
#include <vector>

#include "libs/csv_layout/csv_layout.h"

namespace bridgework::extractor::pbn {

// The layout vocabulary (libs/csv_layout/csv_layout.h): PbN is one layout
// of the CSV engine (services/extractor/sources/csv/csv_source.h).
using csv_layout::ColumnSpec;
using csv_layout::ColumnType;
using csv_layout::ObjectSpec;
using csv_layout::TypeName;

// Name of the column holding a record's last change time, in every file.
inline constexpr const char kUpdatedAt[] = "updated_at";

// Every object of the export, parents first. Each has updated_at =
// kUpdatedAt and no attachment column.
const std::vector<ObjectSpec>& ExportLayout();

// The whole layout for the engine: ExportLayout() with the default dialect
// (comma-separated, ISO dates, decimal point), described as "the Practice
// by Numbers export".
std::shared_ptr<const csv_layout::Layout> PbnLayout();

// The object named `object`, or nullptr.
const ObjectSpec* FindObject(std::string_view object);

}  // namespace bridgework::extractor::pbn

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_LAYOUT_H_
