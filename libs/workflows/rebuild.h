// The workflow rebuild reference: one RebuildItem per automation record of
// a source (Practice by Numbers reminders and recall sequences, clinic
// software scheduling and billing rules, Dr.DENTES reminders), saying what
// it does in a common vocabulary and with which CRM feature to rebuild it.
//
// Only fields of the automation records (and of their step records) are
// read: names, triggers, conditions, timing, channels and message templates
// are configuration. Patient records are never an input.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_WORKFLOWS_REBUILD_H_
#define BRIDGEWORK_LIBS_WORKFLOWS_REBUILD_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"
#include "libs/workflows/interval.h"

namespace bridgework::workflows {

namespace v1 = ::bridgework::v1;

// A message template as the source holds it.
struct Template {
  std::string name;     // "APPT_REMIND_48"; empty when the source has none
  std::string subject;  // email subject, if any
  std::string text;     // the body with its placeholders, if the source has it
  // Placeholders found in subject and text, without braces, in order of
  // first appearance: "first_name", "hasta_adi".
  std::vector<std::string> placeholders;
};

// Action kinds.
inline constexpr char kSendMessage[] = "send_message";
inline constexpr char kCreateTask[] = "create_task";
inline constexpr char kAssign[] = "assign";
inline constexpr char kUpdateField[] = "update_field";
// Work no CRM does: an insurance eligibility request (270/271).
inline constexpr char kExternal[] = "external";
inline constexpr char kOther[] = "other";

struct Action {
  int step = 0;      // 1-based, in the order the automation runs them
  std::string kind;  // one of the kinds above
  // Normalised channel (NormaliseChannel), "" when the action sends
  // nothing.
  std::string channel;
  // The source's words for the action, or a description made from its
  // fields ("Send SMS message") when the source has only fields.
  std::string description;
  Template message;
  // Index into RebuildItem::intervals of when it runs, or -1.
  int interval = -1;
  // The step record's key when the source keeps steps as records (PbN
  // automation_step); empty otherwise.
  std::string step_key;
};

// Trigger kinds the CRM rules choose by.
inline constexpr char kAppointmentTime[] = "appointment_time";
inline constexpr char kDateField[] = "date_field";
inline constexpr char kSchedule[] = "schedule";
inline constexpr char kRecordEvent[] = "record_event";

struct Trigger {
  std::string original;  // the source's value
  std::string event;     // common vocabulary (adapters.h); "other"
  std::string anchor;    // what offsets count from by default
  // kAppointmentTime: messages before an appointment; kDateField: around
  // a date (recall due, birthday, last visit); kSchedule: a calendar
  // repetition; kRecordEvent: when a record is created or changes.
  std::string kind;
};

// The CRM feature to rebuild with (features.h chooses it).
struct Feature {
  std::string crm;      // "freshsales", "pipedrive", "highlevel"
  std::string feature;  // "Workflows", "Sales Sequences", ...
  // How to set it up: trigger, record type, timing.
  std::string setup;
  std::string rule;   // the rule that chose it: "freshsales.sequence"
  std::string basis;  // where the rule comes from
  // True when the references do not state this feature for this kind of
  // automation and the choice is Bridgework's (docs/workflows.md).
  bool judgement = false;
};

// A record key of another object: {"provider", "P12"}.
struct KeyRef {
  std::string object;
  std::string key;
};

struct RebuildItem {
  std::string source_object;
  std::string source_key;
  v1::SourceLocation location;
  std::string name;
  std::string category;  // the source's category / type, if any
  std::optional<bool> active;
  Trigger trigger;
  std::vector<std::string> conditions;
  std::vector<Interval> intervals;
  std::vector<Action> actions;
  // Distinct channels of the actions, in order of first use.
  std::vector<std::string> channels;
  // Who owns it in the source: a provider / staff key, never a name or
  // an email.
  std::optional<KeyRef> owner;
  // The location / clinic it is limited to; nullopt: every location.
  std::optional<KeyRef> scope;
  Feature feature;
  // The admin's checklist, in order.
  std::vector<std::string> rebuild_steps;
  // What the export could not read or map (never a field value of a
  // patient).
  std::vector<std::string> warnings;
};

struct RebuildExport {
  std::string system;  // source system
  std::string crm;
  // The automation objects read (and their step objects).
  std::vector<std::string> objects;
  std::vector<RebuildItem> items;
  // Rows of those objects the extractor could not read.
  std::vector<v1::Rejection> rejections;
  // Export-level remarks: a system with no automation objects, steps whose
  // automation is missing, objects the map loads instead.
  std::vector<std::string> notes;
};

// The CRMs rules exist for.
bool KnownCrm(std::string_view crm);

// Builds the items of `system`'s automation records for `crm`. `records`
// holds the automation objects' records and their step records, in
// extraction order (other objects are ignored); `rejections` the rows the
// extractor rejected for them. One item per automation record, in order.
// INVALID_ARGUMENT for a CRM without rules. A system without an adapter
// gives an export with no items and a note saying so.
absl::StatusOr<RebuildExport> BuildExport(
    std::string_view system, std::string_view crm,
    const std::vector<v1::Record>& records,
    const std::vector<v1::Rejection>& rejections);

}  // namespace bridgework::workflows

#endif  // BRIDGEWORK_LIBS_WORKFLOWS_REBUILD_H_
