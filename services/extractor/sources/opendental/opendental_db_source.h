// "opendental_db": reads an Open Dental database (MariaDB or MySQL)
// directly, table by table (docs/connectors/opendental.md).
//
// Objects are the tables of opendental_tables.h that exist in the
// database, named as the tables. Records: object_type the table, source_key
// the primary key, fields every column except the omitted ones (signatures,
// security hashes, inline image data) and binary columns, fingerprint
// record::Fingerprint(fields), source_updated_at the table's change-time
// column (DateTStamp, SecDateTEdit; procnote.EntryDateTime), location
// {file: table, record: key}.
//
// Values:
//   - enums decode to the names of Open Dental's C# members (AptStatus 2 ->
//     "Complete"); a code the enum lacks rejects the row;
//   - 0 in a foreign key is null (Open Dental's "none"); other values stay
//     integers, references to the row itself included (a family's head has
//     Guarantor == PatNum);
//   - dates 0001-01-01 and 0000-00-00, and date-times on those days, are
//     null; DATETIME is read in config.time_zone, TIMESTAMP in UTC; both
//     carry config.time_zone for display;
//   - money columns are decimals with config.currency, rounded to cents;
//     -1 is null in the claimproc columns where Open Dental means "blank";
//   - flags are booleans; empty strings are null; TIME columns are strings.
// Rejections (stage "extract", reasons without values): "appointment 42:
// AptStatus: unknown value 9", or a column that does not convert (invalid
// UTF-8, an impossible date), with source_key and field.
//
// Reading: keyset pagination on the primary key, one query per batch with
// LIMIT, so a reader holds at most one batch. Cursors are
// "opendental_db:v1:<table>:<last key>". With `since`, only rows whose
// change time is after it (or null) are read; tables without a change-time
// column (clinic) are read whole.
//
// Errors: UNAVAILABLE for an unreachable server (naming host:port or the
// socket, never the password), UNAUTHENTICATED for bad credentials,
// NOT_FOUND for an unknown database or a missing table (naming it),
// INVALID_ARGUMENT for a bad config or cursor, FAILED_PRECONDITION for a
// row whose key is not a whole number. A reader reconnects once
// when its connection drops between batches.
//
// Thread safety: the connector is immutable and thread-safe (each call
// uses its own connection); readers are not.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_OPENDENTAL_OPENDENTAL_DB_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_OPENDENTAL_OPENDENTAL_DB_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "bridgework/v1/config.pb.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// Reads the password from the environment variable config.password_env
// now. INVALID_ARGUMENT for a missing database or user, a password_env
// that is not set, an unknown time zone or a malformed currency. Does not
// connect.
absl::StatusOr<std::unique_ptr<SourceConnector>> MakeOpenDentalDbSource(
    const v1::OpenDentalDbSourceConfig& config);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_OPENDENTAL_OPENDENTAL_DB_SOURCE_H_
