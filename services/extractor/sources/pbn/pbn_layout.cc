#include "services/extractor/sources/pbn/pbn_layout.h"

#include <algorithm>
#include <string_view>

namespace bridgework::extractor::pbn {
namespace {

constexpr ColumnType S = ColumnType::kString;
constexpr ColumnType I = ColumnType::kInt;
constexpr ColumnType B = ColumnType::kBool;
constexpr ColumnType D = ColumnType::kDate;
constexpr ColumnType T = ColumnType::kTimestamp;
constexpr ColumnType M = ColumnType::kMoney;
constexpr ColumnType N = ColumnType::kDecimal;
constexpr bool kRequired = true;

std::vector<ObjectSpec>* MakeLayout() {
  auto* layout = new std::vector<ObjectSpec>{
      {"location",
       "locations.csv",
       "location_id",
       {{"location_id", S, kRequired},
        {"name", S, kRequired},
        {"parent_location_id", S, false, "location"},
        {"phone", S},
        {"email", S},
        {"address_line1", S},
        {"address_line2", S},
        {"city", S},
        {"state", S},
        {"postal_code", S},
        {"country", S},
        {"time_zone", S},
        {"updated_at", T}}},
      {"provider",
       "providers.csv",
       "provider_id",
       {{"provider_id", S, kRequired},
        {"first_name", S},
        {"last_name", S, kRequired},
        {"email", S},
        {"role", S},
        {"npi", S},
        {"location_id", S, false, "location"},
        {"active", B},
        {"updated_at", T}}},
      {"campaign",
       "campaigns.csv",
       "campaign_id",
       {{"campaign_id", S, kRequired},
        {"name", S, kRequired},
        {"channel", S},
        {"location_id", S, false, "location"},
        {"starts_on", D},
        {"ends_on", D},
        {"budget", M},
        {"active", B},
        {"updated_at", T}}},
      {"patient",
       "patients.csv",
       "patient_id",
       {{"patient_id", S, kRequired},
        {"first_name", S},
        {"last_name", S, kRequired},
        {"preferred_name", S},
        {"email", S},
        {"mobile_phone", S},
        {"home_phone", S},
        {"work_phone", S},
        {"birth_date", D},
        {"gender", S},
        {"address_line1", S},
        {"address_line2", S},
        {"city", S},
        {"state", S},
        {"postal_code", S},
        {"country", S},
        {"status", S},
        {"location_id", S, false, "location"},
        {"primary_provider_id", S, false, "provider"},
        {"guarantor_id", S, false, "patient"},
        {"completed_appointments", I},
        {"first_visit_date", D},
        {"last_visit_date", D},
        {"referral_source", S},
        {"preferred_contact", S},
        {"created_at", T},
        {"updated_at", T}}},
      {"campaign_member",
       "campaign_members.csv",
       "campaign_member_id",
       {{"campaign_member_id", S, kRequired},
        {"campaign_id", S, kRequired, "campaign"},
        {"patient_id", S, kRequired, "patient"},
        {"joined_on", D},
        {"updated_at", T}}},
      {"custom_patient_property",
       "custom_patient_properties.csv",
       "custom_property_id",
       {{"custom_property_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"property_name", S, kRequired},
        {"property_type", S},
        {"value", S},
        {"updated_at", T}}},
      {"insurance",
       "insurance.csv",
       "insurance_id",
       {{"insurance_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"subscriber_patient_id", S, false, "patient"},
        {"relationship", S},
        {"priority", I},
        {"carrier_name", S, kRequired},
        {"plan_name", S},
        {"group_name", S},
        {"group_number", S},
        {"policy_number", S},
        {"coverage_preventive_pct", I},
        {"coverage_basic_pct", I},
        {"coverage_major_pct", I},
        {"annual_maximum", M},
        {"deductible", M},
        {"remaining_benefit", M},
        {"effective_on", D},
        {"terminates_on", D},
        {"updated_at", T}}},
      {"treatment_plan",
       "treatment_plans.csv",
       "treatment_plan_id",
       {{"treatment_plan_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"provider_id", S, false, "provider"},
        {"location_id", S, false, "location"},
        {"name", S},
        {"category", S},
        {"status", S},
        {"presented_on", D},
        {"accepted_on", D},
        {"estimated_amount", M},
        {"insurance_estimate", M},
        {"patient_estimate", M},
        {"note", S},
        {"updated_at", T}}},
      {"appointment",
       "appointments.csv",
       "appointment_id",
       {{"appointment_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"provider_id", S, false, "provider"},
        {"hygienist_id", S, false, "provider"},
        {"location_id", S, false, "location"},
        {"start_at", T, kRequired},
        {"end_at", T},
        {"duration_minutes", I},
        {"appointment_type", S},
        {"status", S},
        {"operatory", S},
        {"is_new_patient", B},
        {"procedure_codes", S},
        {"note", S},
        {"created_at", T},
        {"updated_at", T}}},
      {"treatment",
       "treatments.csv",
       "treatment_id",
       {{"treatment_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"appointment_id", S, false, "appointment"},
        {"treatment_plan_id", S, false, "treatment_plan"},
        {"provider_id", S, false, "provider"},
        {"location_id", S, false, "location"},
        {"procedure_code", S, kRequired},
        {"description", S},
        {"tooth", S},
        {"surface", S},
        {"quadrant", S},
        {"materials", S},
        {"status", S},
        {"performed_on", D},
        {"fee", M},
        {"updated_at", T}}},
      {"payment",
       "payments.csv",
       "payment_id",
       {{"payment_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"location_id", S, false, "location"},
        {"provider_id", S, false, "provider"},
        {"treatment_id", S, false, "treatment"},
        {"treatment_plan_id", S, false, "treatment_plan"},
        {"paid_on", D, kRequired},
        {"amount", M, kRequired},
        {"payment_method", S},
        {"payer_type", S},
        {"reference", S},
        {"note", S},
        {"updated_at", T}}},
      {"recall",
       "recalls.csv",
       "recall_id",
       {{"recall_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"provider_id", S, false, "provider"},
        {"recall_type", S},
        {"interval_months", I},
        {"due_on", D},
        {"previous_on", D},
        {"scheduled_on", D},
        {"status", S},
        {"note", S},
        {"updated_at", T}}},
      {"review",
       "reviews.csv",
       "review_id",
       {{"review_id", S, kRequired},
        {"patient_id", S, false, "patient"},
        {"location_id", S, false, "location"},
        {"provider_id", S, false, "provider"},
        {"platform", S},
        {"rating", I},
        {"comment", S},
        {"responded", B},
        {"submitted_at", T},
        {"updated_at", T}}},
      {"note",
       "notes.csv",
       "note_id",
       {{"note_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"provider_id", S, false, "provider"},
        {"appointment_id", S, false, "appointment"},
        {"note_type", S},
        {"format", S},
        {"body", S, kRequired},
        {"created_at", T},
        {"updated_at", T}}},
      {"document",
       "documents.csv",
       "document_id",
       {{"document_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"provider_id", S, false, "provider"},
        {"appointment_id", S, false, "appointment"},
        {"treatment_plan_id", S, false, "treatment_plan"},
        {"category", S},
        {"title", S},
        {"file_name", S},
        {"content_type", S},
        {"file_path", S, kRequired},
        {"size_bytes", I},
        {"uploaded_at", T},
        {"updated_at", T}}},
      {"communication",
       "communications.csv",
       "communication_id",
       {{"communication_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"location_id", S, false, "location"},
        {"provider_id", S, false, "provider"},
        {"appointment_id", S, false, "appointment"},
        {"recall_id", S, false, "recall"},
        {"channel", S},
        {"direction", S},
        {"category", S},
        {"status", S},
        {"subject", S},
        {"summary", S},
        {"occurred_at", T, kRequired},
        {"updated_at", T}}},
      {"form_submission",
       "form_submissions.csv",
       "form_submission_id",
       {{"form_submission_id", S, kRequired},
        {"patient_id", S, kRequired, "patient"},
        {"location_id", S, false, "location"},
        {"form_name", S, kRequired},
        {"form_version", S},
        {"status", S},
        {"submitted_at", T, kRequired},
        {"reviewed_by_provider_id", S, false, "provider"},
        {"document_id", S, false, "document"},
        {"answers_json", S},
        {"updated_at", T}}},
      {"kpi_metric",
       "kpi_metrics.csv",
       "kpi_metric_id",
       {{"kpi_metric_id", S, kRequired},
        {"location_id", S, kRequired, "location"},
        {"provider_id", S, false, "provider"},
        {"metric", S, kRequired},
        {"period", S},
        {"period_start", D},
        {"period_end", D},
        {"value", N},
        {"unit", S},
        {"goal", N},
        {"updated_at", T}}},
  };
  for (ObjectSpec& o : *layout) {
    // The scanned or uploaded file of a document, relative to the export
    // directory.
    if (std::string_view(o.object) == "document") o.attachment = "file_path";
  }
  return layout;
}

}  // namespace

const char* TypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kString:
      return "string";
    case ColumnType::kInt:
      return "int";
    case ColumnType::kBool:
      return "bool";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kTimestamp:
      return "timestamp";
    case ColumnType::kMoney:
      return "money";
    case ColumnType::kDecimal:
      return "decimal";
  }
  return "string";
}

const ColumnSpec* ObjectSpec::Find(std::string_view column) const {
  for (const auto& c : columns) {
    if (column == c.name) return &c;
  }
  return nullptr;
}

std::vector<std::string> ObjectSpec::DependsOn() const {
  std::vector<std::string> out;
  for (const auto& c : columns) {
    std::string ref = c.references;
    if (ref.empty() || ref == object) continue;
    if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(ref);
  }
  return out;
}

const std::vector<ObjectSpec>& ExportLayout() {
  static const std::vector<ObjectSpec>* const kLayout = MakeLayout();
  return *kLayout;
}

const ObjectSpec* FindObject(std::string_view object) {
  for (const auto& o : ExportLayout()) {
    if (object == o.object) return &o;
  }
  return nullptr;
}

}  // namespace bridgework::extractor::pbn
