// Practice by Numbers CSV export connector ("pbn_csv").
//
// Reads the export layout of pbn_layout.h / docs/connectors/pbn-export.md:
// one <objects>.csv file per object in PbnCsvSourceConfig.directory,
// columns matched by header name and typed per the layout. Columns the
// layout does not know are kept as strings. Empty cells are null.
//
// Records: object_type is the singular object name, source_key the key
// column, fields every column of the header, fingerprint
// record::Fingerprint(fields), source_updated_at the updated_at column,
// location {file name, line}. When the object has an attachment column
// (ObjectSpec::attachment: documents.csv's file_path), a non-empty cell
// names a file relative to the export directory and the record gets one
// AttachmentRef for it (file_attachment.h: file:// URI of the absolute
// path, file_name, content_type from the extension, size_bytes, sha256).
// The path stays in fields as the string it is.
//
// Rejections (stage "extract"; reasons never contain values):
//   - a structurally bad row (csv::Reader's errors): no source_key;
//   - an empty key: no source_key;
//   - a key an earlier row of the file already has: "duplicate key (first
//     on line N)", no source_key, so that the rejection never shares a key
//     with the record that owns it;
//   - a cell that does not parse as its column's type ("patients.csv:17:
//     birth_date: impossible date"), with source_key;
//   - an attachment that is missing, not a regular file or outside the
//     export directory ("documents.csv:9: file_path: attachment file not
//     found"), with source_key.
// A key is claimed by the first well-formed row carrying it, even if that
// row is rejected for a bad value or skipped by `since`.
//
// Cursors are "pbn_csv:v1:<object>:<byte offset>:<line>". Resuming re-reads
// the file's keys up to the cursor (not the records) so duplicates are
// still found, and fails with INVALID_ARGUMENT when the cursor does not fall
// on a row boundary of the current file.
//
// Memory: a reader keeps every key it has seen (about 50 bytes per row).
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
