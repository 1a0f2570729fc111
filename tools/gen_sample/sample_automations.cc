#include "tools/gen_sample/sample_automations.h"

#include <string>
#include <vector>

#include "tools/gen_sample/sample_util.h"

namespace bridgework::gen_sample {
namespace {

constexpr char kUpdated[] = "2026-09-15 10:00:00";

struct Automation {
  const char* id;
  const char* name;
  const char* type;
  const char* trigger;
  const char* conditions;
  const char* location;  // "" for every location
  const char* active;
  const char* created_by;  // provider_id
  const char* created_at;
};

// SmileBright's engagement automations, as a PbN account holds them.
const std::vector<Automation>& Automations() {
  static const auto* const kRows = new std::vector<Automation>{
      {"201", "Appointment reminder: 2 days and 2 hours before",
       "appointment_reminder", "appointment_scheduled",
       "appointment status is scheduled or confirmed", "", "true", "14",
       "2023-02-01 09:12:00"},
      {"202", "Confirmation request", "appointment_confirmation",
       "appointment_scheduled",
       "appointment status is scheduled; patient has a mobile phone; patient "
       "prefers sms",
       "", "true", "14", "2023-02-01 09:30:00"},
      {"203", "6-month hygiene recall sequence", "recall", "recall_due",
       "recall type is 6-month hygiene or Perio maintenance; no future "
       "appointment booked",
       "", "true", "12", "2023-02-03 14:05:00"},
      {"204", "Reactivation: no visit in 18 months", "reactivation",
       "no_visit_in_period",
       "last visit more than 18 months ago; patient status is active; "
       "patient has an email",
       "", "true", "10", "2023-05-10 11:00:00"},
      {"205", "Review request after the visit", "review_request",
       "appointment_completed",
       "appointment status is completed; no review request in the last 12 "
       "months",
       "", "true", "14", "2023-06-01 08:45:00"},
      {"206", "Birthday greeting", "birthday", "birthday",
       "patient status is active; patient has an email", "", "true", "14",
       "2023-06-01 09:00:00"},
      {"207", "Unscheduled treatment follow-up", "unscheduled_treatment",
       "treatment_plan_presented",
       "treatment plan status is proposed; no appointment booked for the plan",
       "", "true", "10", "2024-01-08 17:20:00"},
      {"208", "Missed appointment follow-up", "no_show_follow_up",
       "appointment_no_show", "appointment status is no_show or broken", "",
       "true", "14", "2024-02-12 10:10:00"},
      {"209", "Balance reminder", "balance_reminder", "balance_due",
       "patient balance over 25.00; last statement more than 30 days ago", "",
       "false", "14", "2024-03-01 09:00:00"},
      {"210", "New patient welcome (Round Rock)", "welcome",
       "appointment_scheduled",
       "the appointment is the patient's first (is_new_patient)", "2", "true",
       "11", "2025-04-22 15:40:00"},
  };
  return *kRows;
}

struct Step {
  const char* id;
  const char* automation;
  const char* step;
  const char* offset;
  const char* relative_to;
  const char* send_time;
  const char* channel;
  const char* template_name;
  const char* subject;
  const char* message;
};

const std::vector<Step>& Steps() {
  static const auto* const kRows = new std::vector<Step>{
      {"2011", "201", "1", "-2d", "appointment_start", "09:00", "email",
       "APPT_REMINDER_2D", "Your visit on {appointment_date}",
       "Hi {first_name}, this is a reminder of your appointment at "
       "{practice_name} on {appointment_date} at {appointment_time}. Reply or "
       "call {location_phone} to reschedule."},
      {"2012", "201", "2", "-2h", "appointment_start", "", "sms",
       "APPT_REMINDER_2H", "",
       "{practice_name}: see you at {appointment_time} today, {first_name}. "
       "Reply C to confirm."},
      {"2021", "202", "1", "-3d", "appointment_start", "10:00", "sms",
       "CONFIRM_REQUEST", "",
       "Hi {first_name}, please confirm your visit on {appointment_date} at "
       "{appointment_time}: reply C to confirm or R to reschedule."},
      {"2031", "203", "1", "-30d", "due_date", "08:30", "email", "RECALL_30D",
       "Time for your cleaning",
       "Hi {first_name}, your {recall_type} visit is due on {due_date}. Book "
       "online: {booking_link}"},
      {"2032", "203", "2", "-7d", "due_date", "10:00", "sms", "RECALL_7D", "",
       "{first_name}, your cleaning at {practice_name} is due next week. "
       "Book: {booking_link}"},
      {"2033", "203", "3", "+14d", "due_date", "", "call_task", "RECALL_CALL",
       "", "Call the patient to book the overdue recall visit."},
      {"2034", "203", "4", "+45d", "due_date", "", "letter", "RECALL_POSTCARD",
       "", "We miss you! Call {location_phone} to book your visit."},
      {"2041", "204", "1", "0", "event", "09:00", "email", "REACTIVATE_1",
       "We miss you at {practice_name}",
       "Hi {first_name}, it has been a while since your last visit. Book a "
       "checkup: {booking_link}"},
      {"2042", "204", "2", "+14d", "event", "09:00", "email", "REACTIVATE_2",
       "Your checkup is overdue",
       "Hi {first_name}, regular checkups catch problems early. Book online: "
       "{booking_link}"},
      {"2051", "205", "1", "+2h", "event", "", "sms", "REVIEW_REQUEST", "",
       "Thanks for visiting {practice_name}, {first_name}! Tell us how we "
       "did: {review_link}"},
      {"2061", "206", "1", "0", "birthday", "09:00", "email", "BIRTHDAY",
       "Happy birthday, {first_name}!",
       "Everyone at {practice_name} wishes you a happy birthday."},
      {"2071", "207", "1", "+7d", "event", "10:00", "email", "TX_FOLLOWUP",
       "About your treatment plan",
       "Hi {first_name}, do you have questions about the treatment we "
       "recommended? Call {location_phone} or book: {booking_link}"},
      {"2072", "207", "2", "+21d", "event", "", "call_task", "TX_FOLLOWUP_CALL",
       "", "Call the patient about the unscheduled treatment plan."},
      {"2081", "208", "1", "0", "event", "", "sms", "NO_SHOW_SMS", "",
       "We missed you today, {first_name}. Reply or call {location_phone} to "
       "find a new time."},
      {"2091", "209", "1", "0", "event", "", "email", "BALANCE_EMAIL",
       "Your statement from {practice_name}",
       "Hi {first_name}, your balance is {balance}. Pay online: "
       "{statement_link}"},
      {"2092", "209", "2", "+14d", "event", "10:00", "sms", "BALANCE_SMS", "",
       "{practice_name}: a balance of {balance} is due. Pay online: "
       "{statement_link}"},
      {"2101", "210", "1", "0", "event", "", "email", "NEW_PATIENT_WELCOME",
       "Welcome to {practice_name}",
       "Welcome, {first_name}! Please fill in your intake forms before your "
       "first visit: {forms_link}"},
      {"2102", "210", "2", "-1d", "appointment_start", "16:00", "sms",
       "NEW_PATIENT_DIRECTIONS", "",
       "See you tomorrow at {appointment_time}. Parking is behind the "
       "building at {location_address}."},
  };
  return *kRows;
}

}  // namespace

absl::Status WriteAutomations(const std::filesystem::path& dir,
                              SampleSummary* summary) {
  CsvFile automations;
  absl::Status s = automations.Open(
      dir / "automations.csv",
      {"automation_id", "name", "type", "trigger", "conditions", "location_id",
       "active", "created_by_provider_id", "created_at", "updated_at"});
  if (!s.ok()) return s;
  FileSummary automation_summary;
  for (const Automation& a : Automations()) {
    if (std::string(a.id) == "205") {
      // Hand-edited in the export: not a boolean.
      int64_t line = automations.Write(
          {"215", "Holiday hours notice", "", "appointment_scheduled", "", "",
           "sometimes", "14", "2025-12-01 09:00:00", kUpdated});
      automation_summary.bad_rows.push_back({line, "active"});
    }
    automations.Write({a.id, a.name, a.type, a.trigger, a.conditions,
                       a.location, a.active, a.created_by, a.created_at,
                       kUpdated});
  }
  s = automations.Close();
  if (!s.ok()) return s;
  automation_summary.file = automations.name();
  automation_summary.rows = automations.rows();
  summary->files.push_back(std::move(automation_summary));

  CsvFile steps;
  s = steps.Open(dir / "automation_steps.csv",
                 {"automation_step_id", "automation_id", "step_number",
                  "offset", "relative_to", "send_time", "channel",
                  "template_name", "subject", "message", "updated_at"});
  if (!s.ok()) return s;
  FileSummary step_summary;
  for (const Step& st : Steps()) {
    steps.Write({st.id, st.automation, st.step, st.offset, st.relative_to,
                 st.send_time, st.channel, st.template_name, st.subject,
                 st.message, kUpdated});
    if (std::string(st.id) == "2081") {
      // The second step of the missed-appointment follow-up, its number
      // spelled out.
      int64_t line = steps.Write(
          {"2082", "208", "two", "+1d", "event", "", "call_task",
           "NO_SHOW_CALL", "", "Call the patient to rebook the missed visit.",
           kUpdated});
      step_summary.bad_rows.push_back({line, "step_number"});
    }
  }
  s = steps.Close();
  if (!s.ok()) return s;
  step_summary.file = steps.name();
  step_summary.rows = steps.rows();
  summary->files.push_back(std::move(step_summary));
  return absl::OkStatus();
}

}  // namespace bridgework::gen_sample
