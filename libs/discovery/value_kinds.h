// What a source value looks like (email, phone, date, CDT code, ...), the
// type a field is inferred to have from its values, and how a value is
// masked before it may appear in a discovery report.
//
// Masking contract: MaskValue never returns the value itself, and never
// contains it; it keeps at most the first character of each word (names),
// the first characters of an email's local part and domain plus its
// top-level domain, a phone's country code and last two digits, or a
// date's year. Everything else becomes '*'.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_DISCOVERY_VALUE_KINDS_H_
#define BRIDGEWORK_LIBS_DISCOVERY_VALUE_KINDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bridgework/v1/record.pb.h"

namespace bridgework::discovery {

namespace v1 = ::bridgework::v1;

// One bit per kind a value can fit; a value may fit several ("14" is an
// int and, in a tooth field, a tooth number).
enum ValueKind : uint32_t {
  kKindBool = 1u << 0,
  kKindProcedureCode = 1u << 1,  // CDT "D0120"
  kKindToothNumber = 1u << 2,
  kKindDate = 1u << 3,
  kKindTimestamp = 1u << 4,
  kKindEmail = 1u << 5,
  kKindPhone = 1u << 6,
  kKindInt = 1u << 7,
  kKindMoney = 1u << 8,
  kKindDecimal = 1u << 9,
  kKindList = 1u << 10,
};

// The order in which kinds are tried when inferring a field's type: the
// first kind that enough of the field's values fit wins.
inline constexpr ValueKind kKindPriority[] = {
    kKindBool,      kKindProcedureCode, kKindToothNumber, kKindDate,
    kKindTimestamp, kKindEmail,         kKindPhone,       kKindInt,
    kKindMoney,     kKindDecimal,       kKindList};

// The report's name of a kind ("procedure_code").
const char* KindName(ValueKind kind);

// What the field's name suggests (case-insensitive substrings; see
// docs/discovery.md "Inference rules").
struct NameHints {
  bool email = false;   // "email"
  bool phone = false;   // "phone", "mobile", "cell", "fax"; not "_ext"
  bool mobile = false;  // "mobile", "cell", "wireless"
  bool date = false;    // "date", "birth", "dob", ends "_on"
  bool birth = false;   // "birth", "dob"
  bool tooth = false;   // "tooth", "teeth"
  // Another person's number (an emergency contact's): not used to find
  // duplicate patients.
  bool other_person = false;
};
NameHints HintsFor(std::string_view field_name);

// The kinds `value` fits. Null values fit none. `phone_region` is the ISO
// region for phone numbers without a country code.
uint32_t Classify(const v1::Value& value, const NameHints& hints,
                  std::string_view phone_region);

// A masked rendering of a value (see the contract above). `kinds` is what
// Classify returned for it; it picks the email, phone or date masks.
std::string MaskValue(const v1::Value& value, uint32_t kinds,
                      std::string_view phone_region);
// The same for a text, by its own look.
std::string MaskText(std::string_view text, uint32_t kinds,
                     std::string_view phone_region);

// A calendar date from "YYYY-MM-DD", "YYYY/MM/DD", "MM/DD/YYYY" or
// "DD.MM.YYYY", when the day exists.
std::optional<v1::Date> ParseLooseDate(std::string_view text);

// A stable 64-bit hash (FNV-1a followed by a SplitMix64 finaliser): the
// same text gives the same hash in every run and on every machine.
uint64_t StableHash(std::string_view text);

}  // namespace bridgework::discovery

#endif  // BRIDGEWORK_LIBS_DISCOVERY_VALUE_KINDS_H_
