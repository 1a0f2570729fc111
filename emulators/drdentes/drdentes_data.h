// The seeded data set the Dr.DENTES API emulator serves: a three-location
// Istanbul dental chain as its REST API would return it (wire format in
// docs/connectors/drdentes-api.md). Each resource is a list of JSON
// records as they go on the wire, in id order.
//
// Content: clinics (a head office and two branches), their units (chairs),
// staff (dentists = "hekim", hygienists, office staff; one dentist
// passive, two staff without email), two tariffs (2025, 2026) with their
// items in TRY, patients (patient card: Turkish names with ç ğ ı İ ö ş ü,
// masked national id, +90 phones, e-mail, birth date, gender, anamnesis;
// about one in five an unconverted lead with no visit; children with
// primary teeth), treatment cases, appointments by dentist and unit,
// per-tooth diagnoses, planned and performed treatments with FDI tooth
// numbers (11-48, 51-85), clinical notes, recalls, payments (TRY, a few
// in EUR from dental tourists) and reminder automations (workflows).
//
// Enumerations travel as the vendor's Turkish codes ("planlandi",
// "kredi_karti"); the connector decodes them.
//
// Deliberately bad records (listed in DrdentesData::bad, each referenced
// by nothing): a lead's impossible birth date "1985-02-31", an appointment
// whose status is the unknown code "ertelendi", a payment whose method is
// the unknown code "cek" and a diagnosis on tooth 19 (not an FDI number).
//
// Only reserved domains (*.example) and synthetic +90 555 01x numbers are
// used. The same seed and patient count always give the same data.
#ifndef BRIDGEWORK_EMULATORS_DRDENTES_DRDENTES_DATA_H_
#define BRIDGEWORK_EMULATORS_DRDENTES_DRDENTES_DATA_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgework::emulator::drdentes {

// The list endpoints under /api/v1, parents first: "clinics", "units",
// "staff", "tariffs", "treatment_items", "patients", "treatment_cases",
// "appointments", "tooth_records", "clinical_notes", "recalls",
// "payments", "workflows".
const std::vector<std::string>& Resources();

struct BadRecord {
  std::string resource;  // "patients"
  int64_t id = 0;
  std::string field;  // "birth_date"
  std::string why;    // "impossible date"
};

struct DrdentesData {
  // Resource -> records in id order. Every record has an integer "id"
  // (1, 2, ... per resource) and an "updated_at" (RFC 3339, UTC).
  std::map<std::string, std::vector<nlohmann::json>> records;
  std::vector<BadRecord> bad;
};

// REQUIRES: patients >= 5 (the bad records need company).
DrdentesData GenerateData(uint32_t seed, int patients);

}  // namespace bridgework::emulator::drdentes

#endif  // BRIDGEWORK_EMULATORS_DRDENTES_DRDENTES_DATA_H_
