// Constructors, parsers and canonical encodings for bridgework.v1.Value.
//
// The canonical JSON of a value is what fingerprints hash and what the
// ledger and reports store: strings as strings, integers as numbers,
// decimals as strings ("123.45"), dates "YYYY-MM-DD", timestamps RFC 3339
// with the offset of their zone, lists as arrays, null as null.
// Thread safety: all functions are pure.
#ifndef BRIDGEWORK_LIBS_RECORD_VALUE_H_
#define BRIDGEWORK_LIBS_RECORD_VALUE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"
#include "libs/common/digest.h"

namespace bridgework::record {

namespace v1 = ::bridgework::v1;
using FieldMap = google::protobuf::Map<std::string, v1::Value>;

v1::Value NullValue();
v1::Value StringValue(std::string_view s);
v1::Value IntValue(int64_t i);
v1::Value BoolValue(bool b);
v1::Value DateValue(int year, int month, int day);
v1::Value DecimalValue(int64_t unscaled, int scale, std::string_view currency);
v1::Value TimestampValue(int64_t unix_seconds, std::string_view zone);

bool IsNull(const v1::Value& v);

// Parses "1234.5", "-0.25", "1,234.50" into an exact decimal. Rejects
// anything else (letters, two points, more than 18 digits).
absl::StatusOr<v1::Decimal> ParseDecimal(std::string_view text,
                                         std::string_view currency);
std::string DecimalToString(const v1::Decimal& d);

// Parses "YYYY-MM-DD" (also "YYYY/MM/DD"), checking the day exists.
absl::StatusOr<v1::Date> ParseDate(std::string_view text);
std::string DateToString(const v1::Date& d);

// Parses "YYYY-MM-DD HH:MM[:SS]" or RFC 3339 ("...T...Z", "+03:00"). A
// time without offset is read in `zone` (IANA name). The result keeps the
// zone.
absl::StatusOr<v1::Timestamp> ParseTimestamp(std::string_view text,
                                             std::string_view zone);
// RFC 3339 with the offset of the value's zone: "2024-03-01T09:30:00-06:00".
std::string TimestampToString(const v1::Timestamp& t);

// Orders two values: < 0, 0 or > 0. Numbers (int and decimal) compare by
// value, dates by day, timestamps by instant, booleans false first; values
// of other or mixed kinds compare as their text. Null sorts after
// everything.
int CompareValues(const v1::Value& a, const v1::Value& b);

nlohmann::json ValueToJson(const v1::Value& v);
// Text form for string-typed destinations: strings as-is, others as their
// canonical JSON scalar text, null as "".
std::string ValueToText(const v1::Value& v);

// Canonical JSON of a field map: keys sorted, no spaces. The bytes equal
// nlohmann::json's dump of the object of ValueToJson values.
std::string CanonicalJson(const FieldMap& fields);
// Appends CanonicalJson(fields) to `out`, without the entry named `omit`
// when `omit` is not null.
void AppendCanonicalJson(const FieldMap& fields, const std::string* omit,
                         std::string* out);
// One member of a canonical JSON object. `value` is not owned.
struct CanonicalEntry {
  std::string_view name;
  const v1::Value* value;
};
// Appends the canonical JSON object of `entries`, which must be sorted by
// name (std::string's order) with no name twice: the bytes
// AppendCanonicalJson writes for a map holding them, for callers that know
// the order already (a CSV file's columns) and need neither the map's walk
// nor a sort.
void AppendCanonicalJsonSorted(std::span<const CanonicalEntry> entries,
                               std::string* out);
// Appends `s` as a JSON string, as nlohmann::json(s).dump() writes it
// (invalid UTF-8 replaced by U+FFFD).
void AppendJsonString(std::string_view s, std::string* out);
// Lower-case hex SHA-256 (libs/common/digest.h).
using ::bridgework::Sha256Hex;
// Fingerprint of a record's fields (SHA-256 of CanonicalJson).
std::string Fingerprint(const FieldMap& fields);

}  // namespace bridgework::record

#endif  // BRIDGEWORK_LIBS_RECORD_VALUE_H_
