#include "libs/workflows/adapters.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libs/common/strings.h"
#include "libs/workflows/interval.h"

namespace bridgework::workflows {
namespace {

std::vector<SourceAdapter>* MakeAdapters() {
  auto* out = new std::vector<SourceAdapter>();

  // Practice by Numbers (docs/connectors/pbn-export.md): automations.csv,
  // with its steps in automation_steps.csv.
  SourceAdapter pbn;
  pbn.system = "pbn";
  pbn.object = "automation";
  pbn.source_label = "Practice by Numbers automation";
  pbn.name_field = "name";
  pbn.category_field = "type";
  pbn.trigger_field = "trigger";
  pbn.conditions_field = "conditions";
  pbn.active_field = "active";
  pbn.owner_field = "created_by_provider_id";
  pbn.owner_object = "provider";
  pbn.scope_field = "location_id";
  pbn.scope_object = "location";
  pbn.steps = {"automation_step",
               "automation_id",
               "step_number",
               "offset",
               "relative_to",
               "send_time",
               "channel",
               "template_name",
               "subject",
               "message",
               {{"event", kAnchorEvent},
                {"appointment_start", kAnchorAppointmentStart},
                {"due_date", kAnchorDueDate},
                {"birthday", kAnchorBirthday}}};
  pbn.triggers = {
      {"appointment_scheduled", "appointment_booked", kAnchorAppointmentStart},
      {"appointment_completed", "appointment_completed", kAnchorEvent},
      {"appointment_no_show", "appointment_no_show", kAnchorEvent},
      {"recall_due", "recall_due", kAnchorDueDate},
      {"no_visit_in_period", "last_visit", kAnchorEvent},
      {"birthday", "birthday", kAnchorBirthday},
      {"treatment_plan_presented", "treatment_plan", kAnchorEvent},
      {"balance_due", "balance", kAnchorEvent},
  };
  out->push_back(std::move(pbn));

  // A clinic-software export (examples/clinic-freshsales/layout.yaml,
  // workflows.csv): free-text actions and one schedule per rule.
  SourceAdapter clinic;
  clinic.system = "clinic";
  clinic.object = "workflow";
  clinic.source_label = "clinic software workflow";
  clinic.name_field = "name";
  clinic.category_field = "category";
  clinic.trigger_field = "trigger_event";
  clinic.conditions_field = "conditions";
  clinic.schedule_field = "schedule";
  clinic.actions_field = "actions";
  clinic.active_field = "active";
  clinic.owner_field = "owner_provider_id";
  clinic.owner_object = "provider";
  clinic.triggers = {
      {"appointment.scheduled", "appointment_booked", kAnchorAppointmentStart},
      {"appointment.no_show", "appointment_no_show", kAnchorEvent},
      {"appointment.completed", "appointment_completed", kAnchorEvent},
      {"billing.balance_changed", "balance", kAnchorEvent},
      {"claim.denied", "claim_denied", kAnchorEvent},
      {"treatment_plan.active", "treatment_plan", kAnchorEvent},
      {"patient.last_visit", "last_visit", kAnchorLastVisit},
      {"patient.birthday", "birthday", kAnchorBirthday},
  };
  out->push_back(std::move(clinic));

  // Dr.DENTES (examples/drdentes-freshsales/layout.yaml, workflows.csv):
  // one channel, one offset and one template (Turkish) per automation.
  SourceAdapter drdentes;
  drdentes.system = "drdentes";
  drdentes.object = "workflow";
  drdentes.source_label = "Dr.DENTES automation";
  drdentes.name_field = "name";
  drdentes.trigger_field = "trigger";
  drdentes.schedule_field = "offset";
  drdentes.channel_field = "channel";
  drdentes.template_field = "template";
  drdentes.active_field = "active";
  drdentes.owner_field = "created_by";
  drdentes.owner_object = "staff";
  drdentes.scope_field = "clinic_id";
  drdentes.scope_object = "clinic";
  drdentes.triggers = {
      {"appointment.day_before", "appointment_upcoming",
       kAnchorAppointmentStart},
      {"appointment.created", "appointment_booked", kAnchorEvent},
      {"appointment.completed", "appointment_completed", kAnchorEvent},
      {"appointment.no_show", "appointment_no_show", kAnchorEvent},
      {"recall.due", "recall_due", kAnchorDueDate},
      {"invoice.overdue", "invoice_overdue", kAnchorEvent},
      {"patient.birthday", "birthday", kAnchorBirthday},
      {"treatment.completed", "treatment_completed", kAnchorEvent},
  };
  out->push_back(std::move(drdentes));
  return out;
}

}  // namespace

const std::vector<SourceAdapter>& Adapters() {
  static const std::vector<SourceAdapter>* const kAdapters = MakeAdapters();
  return *kAdapters;
}

std::vector<const SourceAdapter*> AdaptersFor(std::string_view system) {
  std::vector<const SourceAdapter*> out;
  for (const SourceAdapter& a : Adapters()) {
    if (a.system == system) out.push_back(&a);
  }
  return out;
}

const SourceAdapter* FindAdapter(std::string_view system,
                                 std::string_view object) {
  for (const SourceAdapter& a : Adapters()) {
    if (a.system == system && a.object == object) return &a;
  }
  return nullptr;
}

const TriggerRule* FindTrigger(const SourceAdapter& adapter,
                               std::string_view value) {
  std::string v(absl::StripAsciiWhitespace(ToAbsl(value)));
  for (const TriggerRule& t : adapter.triggers) {
    if (absl::EqualsIgnoreCase(t.value, v)) return &t;
  }
  return nullptr;
}

std::string NormaliseChannel(std::string_view channel) {
  std::string c =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(ToAbsl(channel)));
  if (c == "sms" || c == "text" || c == "text message") return "sms";
  if (c == "email" || c == "e-mail" || c == "mail_email") return "email";
  if (c == "whatsapp") return "whatsapp";
  if (c == "phone" || c == "call" || c == "call_task" || c == "phone call")
    return "call";
  if (c == "voice" || c == "voice_message") return "voice";
  if (c == "letter" || c == "postcard" || c == "post" || c == "mail")
    return "letter";
  if (c == "task") return "task";
  return "";
}

}  // namespace bridgework::workflows
