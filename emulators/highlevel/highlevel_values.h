// Value formats of the HighLevel API v2 emulator: ids, timestamps, phone
// numbers, dates of birth, custom field data types and values.
//
// Thread safety: pure functions; safe to call concurrently.
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_VALUES_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_VALUES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace bridgework::emulator::highlevel {

// 20-character ids like HighLevel's ("seD4PfOuKoVMLkEZqohJ"): `prefix`
// then `n` zero-padded, e.g. AlnumId("con", 7) == "con00000000000000007".
// REQUIRES: prefix.size() < 20.
std::string AlnumId(std::string_view prefix, int64_t n);
// 24-hex-digit ids like MongoDB ObjectIds ("63771dcac1116f0e21de8e12"):
// the 4-hex-digit `tag` then `n` in hex, zero-padded.
std::string HexId(std::string_view tag, int64_t n);
// A UUID-shaped id for pipeline stages: "00000000-0000-4000-8000-<n>".
std::string UuidId(int64_t n);

// "2021-08-31T09:59:41.937Z".
std::string IsoMillis(absl::Time t);
// RFC 3339 with seconds and an offset or Z ("2021-06-23T03:30:00+05:30");
// nullopt otherwise.
std::optional<absl::Time> ParseInstant(std::string_view text);
int64_t UnixMillis(absl::Time t);

// A date of birth in one of the input formats HighLevel documents
// (YYYY/MM/DD, MM/DD/YYYY, YYYY-MM-DD, MM-DD-YYYY, with '/', '-', '.' or
// '_' as separator), or an ISO timestamp as HighLevel returns it, as
// "YYYY-MM-DDT00:00:00.000Z"; nullopt if it is none of these or not a
// calendar date.
std::optional<std::string> NormalizeDateOfBirth(std::string_view text);

// The number in E.164 ("+18832327657"), parsed with `region` (ISO 3166
// alpha-2) as the default country; nullopt if it is not a valid number.
std::optional<std::string> E164(std::string_view phone,
                                std::string_view region);

// The custom field data types of the v2 API (custom-fields.json).
const std::vector<std::string>& CustomFieldDataTypes();
bool IsCustomFieldDataType(std::string_view data_type);
// SINGLE_OPTIONS, MULTIPLE_OPTIONS, RADIO, CHECKBOX.
bool HasOptions(std::string_view data_type);

// Checks `value` against a field's data type and picklist and returns the
// value as stored (numbers as numbers, lists as string arrays, dates as
// "YYYY-MM-DD"). Null or "" means "clear the field" and is returned as
// null. InvalidArgument with a message naming no value ("must be a number")
// otherwise; the caller prefixes the property path.
absl::StatusOr<nlohmann::json> CheckCustomValue(
    std::string_view data_type, const std::vector<std::string>& options,
    bool allow_custom_option, const nlohmann::json& value);

// A stored custom field value as the spec's CustomFieldSchema.value, a
// string: numbers in their shortest form, lists joined with ", ", objects
// as JSON text.
nlohmann::json SpecString(const nlohmann::json& stored);
// A stored value as CustomFieldResponseSchema.fieldValue (opportunities):
// string, string array or object; numbers become strings.
nlohmann::json OpportunityFieldValue(const nlohmann::json& stored);

// "Pet Name!" -> "pet_name": lower case, runs of other characters -> '_'.
std::string SnakeCase(std::string_view name);

}  // namespace bridgework::emulator::highlevel

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_VALUES_H_
