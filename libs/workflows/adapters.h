// Per-source adapters: which fields of a source's automation records hold
// the name, trigger, conditions, timing, actions, channel, template, status,
// owner and scope, and how the source's trigger values read in a common
// vocabulary. Field names differ per source; the table is the only place
// that knows them (docs/workflows.md lists it).
//
// Thread safety: the tables are immutable after first use.
#ifndef BRIDGEWORK_LIBS_WORKFLOWS_ADAPTERS_H_
#define BRIDGEWORK_LIBS_WORKFLOWS_ADAPTERS_H_

#include <string>
#include <string_view>
#include <vector>

namespace bridgework::workflows {

// Common trigger vocabulary ("events") the CRM rules understand.
//   appointment_booked     an appointment is created / scheduled
//   appointment_upcoming   a time before an appointment (a reminder)
//   appointment_completed  the patient was seen
//   appointment_no_show    no-show or broken appointment
//   recall_due             a recall's due date
//   last_visit             time since the last visit (reactivation)
//   birthday               the patient's birthday
//   treatment_plan         a treatment plan is presented / active
//   treatment_completed    a treatment was completed
//   balance                the patient's balance changed or is due
//   invoice_overdue        an invoice is overdue
//   claim_denied           an insurance claim was denied
//   other                  a trigger the adapter does not know
struct TriggerRule {
  // The source's value, compared case-insensitively.
  std::string value;
  std::string event;
  // What the automation's offsets count from by default (kAnchor*).
  std::string anchor;
};

// Where the steps are when an automation keeps them in a child object (one
// record per step), as PbN's automation_step.
struct StepSpec {
  std::string object;        // "automation_step"; empty: no child object
  std::string parent_field;  // holds the automation's key
  std::string order_field;   // step number (int or text)
  std::string offset_field;
  std::string relative_to_field;  // names the anchor (see relative_to)
  std::string time_field;         // "HH:MM"
  std::string channel_field;
  std::string template_name_field;
  std::string subject_field;
  std::string message_field;
  // The source's relative_to values and the anchors they mean.
  std::vector<std::pair<std::string, std::string>> relative_to;
};

struct SourceAdapter {
  // The source system (SourceConfig.system) and its automation object.
  std::string system;
  std::string object;
  // Fields of the automation record; empty when the source has none.
  std::string name_field;
  std::string category_field;
  std::string trigger_field;
  std::string conditions_field;  // clauses split on ';' and top-level " and "
  std::string schedule_field;    // one timing text for the automation
  std::string actions_field;     // free text, actions separated by ';'
  std::string channel_field;     // one channel for the automation
  std::string template_field;    // the message template's text
  std::string active_field;
  std::string owner_field;  // a provider / staff key, never an email
  std::string owner_object;
  std::string scope_field;  // a location / clinic key; empty = everywhere
  std::string scope_object;
  StepSpec steps;
  std::vector<TriggerRule> triggers;
  // What the source's screens call the automation (for the docs and notes).
  std::string source_label;
};

// Every adapter, in a fixed order.
const std::vector<SourceAdapter>& Adapters();

// The adapters of `system` (several when it has several automation
// objects); empty when the system has none (Open Dental).
std::vector<const SourceAdapter*> AdaptersFor(std::string_view system);

// The adapter of `system` whose automation object is `object`, or nullptr.
const SourceAdapter* FindAdapter(std::string_view system,
                                 std::string_view object);

// The rule for `value` (case-insensitive), or nullptr.
const TriggerRule* FindTrigger(const SourceAdapter& adapter,
                               std::string_view value);

// A source's channel name in the common vocabulary: "sms", "email",
// "whatsapp", "call" (a person phones: a call task), "voice" (an automated
// call), "letter" (postal mail), "task"; "" when not recognised.
std::string NormaliseChannel(std::string_view channel);

}  // namespace bridgework::workflows

#endif  // BRIDGEWORK_LIBS_WORKFLOWS_ADAPTERS_H_
