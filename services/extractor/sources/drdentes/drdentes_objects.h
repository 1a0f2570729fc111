// What the "drdentes_api" connector knows of the Dr.DENTES REST API: one
// entry per list endpoint, naming the object it yields, its key, and each
// field's type, enumeration codes and references
// (docs/connectors/drdentes-api.md).
//
// Objects and fields carry the names of the Dr.DENTES CSV export layout
// (examples/drdentes-freshsales/layout.yaml) where both have them, so one
// map serves both sources; the wire's "id" becomes the object's key field
// ("patient_id"). API-only objects: unit, tariff, tooth_record, payment.
//
// Thread safety: immutable after first use.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_DRDENTES_DRDENTES_OBJECTS_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_DRDENTES_DRDENTES_OBJECTS_H_

#include <string>
#include <utility>
#include <vector>

namespace bridgework::extractor::drdentes {

// How a wire field is read.
enum class Kind {
  kString,
  kInt,
  kReference,  // an integer id of another record (`references`)
  kDecimal,
  kMoney,  // an exact amount in the record's "currency" (else the
           // config's)
  kBool,
  kDate,       // "YYYY-MM-DD"
  kTimestamp,  // RFC 3339; shown in the config's zone
  kEnum,       // a Turkish code, decoded to its English name
  kTooth,      // one FDI tooth number (11-48, 51-85), kept as text
  kTeeth,      // FDI tooth numbers separated by commas, kept as text
};

// Vendor code -> the name records carry ("geldi" -> "Completed").
using EnumCodes = std::vector<std::pair<std::string, std::string>>;

struct FieldSpec {
  std::string name;
  Kind kind = Kind::kString;
  bool required = false;
  std::string references;            // kReference: the object
  const EnumCodes* codes = nullptr;  // kEnum
};

struct ObjectSpec {
  std::string object;  // "appointment"
  std::string path;    // "/appointments", under the base URL
  std::string key;     // "appointment_id", from the wire's "id"
  std::vector<FieldSpec> fields;

  // The objects its references name, other than itself, first seen first.
  std::vector<std::string> DependsOn() const;
  const FieldSpec* Find(const std::string& field) const;
};

// Every object, parents first.
const std::vector<ObjectSpec>& Objects();
// nullptr for an unknown object.
const ObjectSpec* FindObject(const std::string& object);

// The declared type name of a kind ("money", "timestamp", ...).
const char* TypeName(Kind kind);

}  // namespace bridgework::extractor::drdentes

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_DRDENTES_DRDENTES_OBJECTS_H_
