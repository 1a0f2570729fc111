#include "services/extractor/sources/drdentes/drdentes_objects.h"

#include <algorithm>

namespace bridgework::extractor::drdentes {
namespace {

const EnumCodes kActive = {{"aktif", "Active"}, {"pasif", "Passive"}};
const EnumCodes kRole = {{"hekim", "Dentist"},
                         {"hijyenist", "Hygienist"},
                         {"klinik_muduru", "Office Manager"},
                         {"sekreter", "Receptionist"},
                         {"asistan", "Assistant"}};
const EnumCodes kGender = {{"K", "F"}, {"E", "M"}};
const EnumCodes kLeadSource = {{"tavsiye", "Referral"},
                               {"internet", "Website"},
                               {"instagram", "Instagram"},
                               {"google", "Google"},
                               {"yoldan", "Walk-in"}};
const EnumCodes kStage = {{"yeni", "New"},
                          {"tedavide", "In Treatment"},
                          {"odeme_bekliyor", "Awaiting Payment"},
                          {"tamamlandi", "Completed"},
                          {"iptal", "Cancelled"}};
const EnumCodes kAppointmentStatus = {{"planlandi", "Scheduled"},
                                      {"onaylandi", "Confirmed"},
                                      {"geldi", "Completed"},
                                      {"iptal", "Cancelled"},
                                      {"gelmedi", "No-show"}};
const EnumCodes kDentition = {{"daimi", "Permanent"}, {"sut", "Primary"}};
// The three tabs of the Oral screen.
const EnumCodes kRecordType = {
    {"tani", "Diagnosis"}, {"plan", "Planning"}, {"tedavi", "Treatment"}};
const EnumCodes kToothStatus = {
    {"planlandi", "Planned"}, {"yapildi", "Done"}, {"iptal", "Cancelled"}};
const EnumCodes kRecallStatus = {
    {"acik", "Open"}, {"tamamlandi", "Completed"}, {"iptal", "Cancelled"}};
const EnumCodes kChannel = {{"sms", "SMS"},
                            {"telefon", "Phone"},
                            {"eposta", "E-mail"},
                            {"whatsapp", "WhatsApp"}};
const EnumCodes kPaymentMethod = {{"nakit", "Cash"},
                                  {"kredi_karti", "Credit Card"},
                                  {"havale", "Bank Transfer"}};

FieldSpec S(const char* name, bool required = false) {
  return {name, Kind::kString, required, "", nullptr};
}
FieldSpec Of(const char* name, Kind kind, bool required = false) {
  return {name, kind, required, "", nullptr};
}
FieldSpec Ref(const char* name, const char* object, bool required = false) {
  return {name, Kind::kReference, required, object, nullptr};
}
FieldSpec Enum(const char* name, const EnumCodes& codes) {
  return {name, Kind::kEnum, false, "", &codes};
}
FieldSpec Updated() {
  return {"updated_at", Kind::kTimestamp, false, "", nullptr};
}

std::vector<ObjectSpec> Build() {
  return {
      {"clinic",
       "/clinics",
       "clinic_id",
       {S("company_code", true), S("name", true),
        Ref("parent_clinic_id", "clinic"), S("tax_office"), S("tax_number"),
        S("phone"), S("email"), S("address"), S("district"), S("city"),
        S("postal_code"), S("country"), Of("unit_count", Kind::kInt),
        Of("bank_fee_pct", Kind::kDecimal), Of("cost_pct", Kind::kDecimal),
        Enum("status", kActive), Of("created_at", Kind::kTimestamp),
        Updated()}},
      {"unit",
       "/units",
       "unit_id",
       {Ref("clinic_id", "clinic", true), S("name", true), S("code"),
        Enum("status", kActive), Updated()}},
      {"staff",
       "/staff",
       "staff_id",
       {S("first_name"), S("last_name", true), S("national_id"), S("email"),
        S("mobile_phone"), Enum("role", kRole), S("speciality"),
        Ref("clinic_id", "clinic"), Enum("status", kActive),
        Of("progress_payment_pct", Kind::kDecimal), S("office_hours"),
        S("lunch_break"), Updated()}},
      {"tariff",
       "/tariffs",
       "tariff_id",
       {S("name", true), S("currency"), Of("valid_from", Kind::kDate),
        Of("valid_to", Kind::kDate), Of("is_default", Kind::kBool), Updated()}},
      {"treatment_item",
       "/treatment_items",
       "item_id",
       {Ref("tariff_id", "tariff"), S("tariff"), S("code", true),
        S("name", true), S("category"), Of("unit_price", Kind::kMoney),
        S("currency"), Of("vat_pct", Kind::kDecimal),
        Of("duration_minutes", Kind::kInt), Of("active", Kind::kBool),
        Updated()}},
      {"patient",
       "/patients",
       "patient_id",
       {S("first_name"),
        S("last_name", true),
        S("national_id"),
        Of("birth_date", Kind::kDate),
        Enum("gender", kGender),
        S("mobile_phone"),
        S("home_phone"),
        S("other_phone"),
        S("email"),
        S("address"),
        S("district"),
        S("city"),
        S("postal_code"),
        S("country"),
        Ref("clinic_id", "clinic"),
        Ref("dentist_id", "staff"),
        S("colour_tag"),
        Enum("lead_source", kLeadSource),
        S("inquiry_type"),
        Of("first_appointment_date", Kind::kDate),
        S("treatment_type"),
        S("insurance_provider"),
        Of("recall_interval_months", Kind::kInt),
        S("medical_alerts"),
        Of("kvkk_consent", Kind::kBool),
        S("notes"),
        S("currency"),
        Of("created_at", Kind::kTimestamp),
        Updated()}},
      {"treatment_case",
       "/treatment_cases",
       "case_id",
       {Ref("patient_id", "patient", true), Ref("clinic_id", "clinic"),
        Ref("dentist_id", "staff"), S("title"), S("treatment_type"),
        Of("teeth", Kind::kTeeth), Enum("stage", kStage),
        Of("estimated_amount", Kind::kMoney), S("currency"),
        Ref("tariff_id", "tariff"), Of("opened_on", Kind::kDate),
        Of("closed_on", Kind::kDate), Updated()}},
      {"appointment",
       "/appointments",
       "appointment_id",
       {Ref("patient_id", "patient", true), Ref("case_id", "treatment_case"),
        Ref("clinic_id", "clinic"), Ref("dentist_id", "staff"),
        Ref("unit_id", "unit"), S("unit"),
        Of("start_at", Kind::kTimestamp, true), Of("end_at", Kind::kTimestamp),
        Of("duration_minutes", Kind::kInt), S("appointment_type"),
        Enum("status", kAppointmentStatus), S("cancel_reason"), S("note"),
        Of("created_at", Kind::kTimestamp), Updated()}},
      {"tooth_record",
       "/tooth_records",
       "tooth_record_id",
       {Ref("patient_id", "patient", true), Ref("case_id", "treatment_case"),
        Ref("dentist_id", "staff"), Ref("item_id", "treatment_item"),
        Of("tooth", Kind::kTooth, true), Enum("dentition", kDentition),
        S("surfaces"), Enum("record_type", kRecordType),
        Enum("status", kToothStatus), S("diagnosis"), Of("price", Kind::kMoney),
        S("currency"), Of("recorded_on", Kind::kDate),
        Of("performed_at", Kind::kTimestamp), Updated()}},
      {"clinical_note",
       "/clinical_notes",
       "note_id",
       {Ref("patient_id", "patient", true), Ref("case_id", "treatment_case"),
        Ref("appointment_id", "appointment"), Ref("author_id", "staff"),
        Of("recorded_at", Kind::kTimestamp), Enum("record_type", kRecordType),
        Of("tooth", Kind::kTeeth), S("title"), S("text", true), Updated()}},
      {"recall",
       "/recalls",
       "recall_id",
       {Ref("patient_id", "patient", true), Ref("dentist_id", "staff"),
        S("reason", true), Of("interval_months", Kind::kInt),
        Ref("last_appointment_id", "appointment"),
        Of("last_visit_on", Kind::kDate), Of("due_on", Kind::kDate),
        Enum("status", kRecallStatus), Of("completed_on", Kind::kDate),
        Enum("channel", kChannel), Updated()}},
      {"payment",
       "/payments",
       "payment_id",
       {Ref("patient_id", "patient", true), Ref("case_id", "treatment_case"),
        Ref("clinic_id", "clinic"), Of("paid_at", Kind::kTimestamp),
        Of("amount", Kind::kMoney, true), S("currency"),
        Enum("method", kPaymentMethod), Of("installments", Kind::kInt),
        S("receipt_no"), S("note"), Updated()}},
      {"workflow",
       "/workflows",
       "workflow_id",
       {S("name", true), S("trigger"), S("offset"), Enum("channel", kChannel),
        S("template"), Ref("clinic_id", "clinic"), Of("active", Kind::kBool),
        Ref("created_by", "staff"), Updated()}},
  };
}

}  // namespace

std::vector<std::string> ObjectSpec::DependsOn() const {
  std::vector<std::string> out;
  for (const FieldSpec& f : fields) {
    if (f.references.empty() || f.references == object) continue;
    if (std::find(out.begin(), out.end(), f.references) == out.end()) {
      out.push_back(f.references);
    }
  }
  return out;
}

const FieldSpec* ObjectSpec::Find(const std::string& field) const {
  for (const FieldSpec& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

const std::vector<ObjectSpec>& Objects() {
  static const auto* kObjects = new std::vector<ObjectSpec>(Build());
  return *kObjects;
}

const ObjectSpec* FindObject(const std::string& object) {
  for (const ObjectSpec& spec : Objects()) {
    if (spec.object == object) return &spec;
  }
  return nullptr;
}

const char* TypeName(Kind kind) {
  switch (kind) {
    case Kind::kInt:
    case Kind::kReference:
      return "int";
    case Kind::kDecimal:
      return "decimal";
    case Kind::kMoney:
      return "money";
    case Kind::kBool:
      return "bool";
    case Kind::kDate:
      return "date";
    case Kind::kTimestamp:
      return "timestamp";
    case Kind::kString:
    case Kind::kEnum:
    case Kind::kTooth:
    case Kind::kTeeth:
      return "string";
  }
  return "string";
}

}  // namespace bridgework::extractor::drdentes
