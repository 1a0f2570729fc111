// Applies an ObjectRoute to one source record.
//
// Thread safety: pure functions over immutable inputs.
#ifndef BRIDGEWORK_LIBS_MAPPING_TRANSFORM_H_
#define BRIDGEWORK_LIBS_MAPPING_TRANSFORM_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bridgework/v1/record.pb.h"
#include "libs/mapping/map.h"

namespace bridgework::mapping {

struct TransformContext {
  // Source system name, the first part of external keys.
  std::string system;
  // ISO region for phones without a country code.
  std::string phone_region = "US";
  // Owner emails by the owner object's key (provider id -> email). Not
  // owned; may be null when no route has an owner rule.
  const absl::flat_hash_map<std::string, std::string>* owner_emails = nullptr;
  // The day `not_before: today` / `not_after: today` mean: the run's day in
  // UTC. Defaults to the day the context is made; tests set it.
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  // The destination account's key for `phi: hash` fields (docs/phi.md).
  // Defaults to the documented default key of an unnamed account; runs set
  // it from the destination.
  PhiKey phi_key = DerivePhiKey("", "", "");
};

struct TransformResult {
  // Set when the record is to be loaded.
  std::optional<v1::TargetRecord> target;
  // Set when the record is quarantined (a required field is unusable).
  std::optional<v1::Rejection> rejection;
  // Set when a map rule skips the record.
  std::optional<v1::Rejection> skipped;
  // Optional fields dropped because their value was unusable. The record
  // still loads; each names the field, never the value.
  std::vector<v1::Rejection> warnings;
};

TransformResult TransformRecord(const ObjectRoute& route,
                                const v1::Record& record,
                                const TransformContext& context);

// As TransformRecord, but builds the record in `*target` (cleared first;
// not owned, may live on an arena: a batch's next record, which then costs
// no malloc and free per field) and leaves `result.target` empty. `*target`
// is the record to load exactly when the result holds neither a rejection
// nor a skip; otherwise it holds a partial record to discard.
TransformResult TransformRecordInto(const ObjectRoute& route,
                                    const v1::Record& record,
                                    const TransformContext& context,
                                    v1::TargetRecord* target);

// Validates and normalises an email (trimmed, lower-case). Empty optional
// if it is not a plausible address.
std::optional<std::string> NormalizeEmail(std::string_view email);
// E.164 ("+15125550142") or empty optional if not a valid number.
std::optional<std::string> NormalizePhone(std::string_view phone,
                                          std::string_view region);

// Plain text of an HTML fragment: tags dropped (line breaks and block ends
// become line breaks), the common entities decoded, spaces collapsed, at
// most one blank line in a row.
std::string HtmlToText(std::string_view html);

std::string ExternalKey(std::string_view system, std::string_view object,
                        std::string_view key);

}  // namespace bridgework::mapping

#endif  // BRIDGEWORK_LIBS_MAPPING_TRANSFORM_H_
