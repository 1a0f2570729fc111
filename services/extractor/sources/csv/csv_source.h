// The CSV export engine: reads any export a csv_layout::Layout describes.
// "pbn_csv" (a layout declared in code) and "layout_csv" (a layout read
// from YAML) are this engine with different layouts.
//
// One file per object in the export directory (ObjectSpec::file); columns
// matched by header name and typed per the layout. Columns the layout does
// not know are kept as strings. Empty cells are null.
//
// Records: object_type is the object name, source_key the key column,
// fields every column of the header, fingerprint record::Fingerprint(fields),
// source_updated_at the object's updated_at column (when it has one),
// location {file name, line}. When the object has an attachment column, a
// non-empty cell names a file relative to the export directory: the record
// gets an AttachmentRef {uri "file://<absolute path, percent-encoded>",
// file_name, content_type (from the extension), size_bytes, sha256}.
//
// Rejections (stage "extract"; reasons never contain values):
//   - a structurally bad row (csv::Reader's errors): no source_key;
//   - an empty key: no source_key;
//   - a key an earlier row of the file already has: "duplicate key (first
//     on line N)", no source_key, so that the rejection never shares a key
//     with the record that owns it;
//   - a cell that does not parse as its column's type ("patients.csv:17:
//     birth_date: impossible date"), with source_key;
//   - an attachment that is missing, not a regular file, or outside the
//     export directory, with source_key.
// A key is claimed by the first well-formed row carrying it, even if that
// row is rejected for a bad value or skipped by `since`.
//
// Cursors are "<connector>:v1:<object>:<byte offset>:<line>". Resuming
// re-reads the file's keys up to the cursor (not the records) so duplicates
// are still found, and fails with INVALID_ARGUMENT when the cursor does not
// fall on a row boundary of the current file.
//
// Memory: a reader keeps every key it has seen (about 50 bytes per row).
// Thread safety: the connector is immutable and thread-safe; readers are
// not.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_CSV_CSV_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_CSV_CSV_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/csv_layout/csv_layout.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

struct CsvSourceSettings {
  // The connector's registry name ("pbn_csv"): starts cursors and names
  // the settings in errors ("pbn_csv.time_zone: ...").
  std::string connector;
  // Directory holding the export's files.
  std::string directory;
  // IANA zone of date-times without an offset. Default "UTC".
  std::string time_zone;
  // ISO 4217 code of money cells. Default "USD".
  std::string currency;
};

// A connector reading `layout` with `settings`. INVALID_ARGUMENT when the
// directory is not set, the time zone is unknown or the currency is not a
// three-letter code. A directory that does not exist is reported by
// ListObjects/Open (NOT_FOUND), not here.
// REQUIRES: `layout` is valid (as layout_yaml.h checks): keys, updated_at
// and attachment columns declared, objects parents first.
absl::StatusOr<std::unique_ptr<SourceConnector>> MakeCsvSource(
    std::shared_ptr<const csv_layout::Layout> layout,
    CsvSourceSettings settings);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_CSV_CSV_SOURCE_H_
