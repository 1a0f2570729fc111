// The per-source adapters through BuildExport: the example exports' rows as
// the extractor gives them, read into rebuild items.
#include "libs/workflows/adapters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/workflows/rebuild.h"
#include "libs/workflows/test_util.h"

namespace bridgework::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeRecord;

// A clinic workflow row (examples/clinic-freshsales/data/workflows.csv).
v1::Record Clinic(const char* id, const char* name, const char* category,
                  const char* trigger, const char* conditions,
                  const char* actions, const char* schedule, bool active,
                  int line) {
  return MakeRecord("workflow", id,
                    {{"workflow_id", id},
                     {"name", name},
                     {"category", category},
                     {"trigger_event", trigger},
                     {"conditions", conditions},
                     {"actions", actions},
                     {"schedule", schedule},
                     {"active", active},
                     {"owner_provider_id", "P12"}},
                    "workflows.csv", line);
}

std::vector<v1::Record> ClinicRows() {
  return {
      Clinic("WF-01", "Appointment reminder - 48h", "Appointment Reminder",
             "appointment.scheduled", "status in (Scheduled, Confirmed)",
             "Send SMS template APPT_REMIND_48", "48 hours before start", true,
             2),
      Clinic("WF-03", "No-show follow-up", "Appointment Reminder",
             "appointment.no_show", "",
             "Create task for front desk; send email NO_SHOW_RESCHEDULE",
             "immediately", true, 4),
      Clinic("WF-04", "Insurance eligibility check", "Insurance Verification",
             "appointment.scheduled", "primary_carrier_id is not empty",
             "Run eligibility (270/271); flag if inactive",
             "72 hours before start", true, 5),
      Clinic("WF-05", "Statement for balances over $50", "Billing Rule",
             "billing.balance_changed",
             "balance > 50.00 and claim_status = Paid",
             "Mail patient statement; email copy if email present",
             "monthly, 1st business day", true, 6),
      Clinic("WF-06", "Denied claim work queue", "Billing Rule", "claim.denied",
             "", "Assign to billing specialist P10 with denial reason",
             "immediately", true, 7),
      Clinic("WF-08", "Annual physical recall", "Recall", "patient.last_visit",
             "last annual physical > 11 months ago",
             "Send email RECALL_ANNUAL; create call task after 14 days",
             "daily at 07:00", false, 9),
  };
}

const RebuildItem& Item(const RebuildExport& e, const std::string& key) {
  for (const RebuildItem& i : e.items) {
    if (i.source_key == key) return i;
  }
  static const RebuildItem* const kNone = new RebuildItem();
  ADD_FAILURE() << "no item " << key;
  return *kNone;
}

TEST(Adapters, TablesNameTheExampleObjects) {
  EXPECT_NE(FindAdapter("pbn", "automation"), nullptr);
  EXPECT_NE(FindAdapter("clinic", "workflow"), nullptr);
  EXPECT_NE(FindAdapter("drdentes", "workflow"), nullptr);
  EXPECT_EQ(FindAdapter("pbn", "workflow"), nullptr);
  EXPECT_TRUE(AdaptersFor("opendental").empty());
  EXPECT_EQ(FindAdapter("pbn", "automation")->steps.object, "automation_step");
  const SourceAdapter& clinic = *FindAdapter("clinic", "workflow");
  ASSERT_NE(FindTrigger(clinic, " Appointment.Scheduled "), nullptr);
  EXPECT_EQ(FindTrigger(clinic, "appointment.scheduled")->event,
            "appointment_booked");
  EXPECT_EQ(FindTrigger(clinic, "nope"), nullptr);
}

TEST(Adapters, ChannelsNormalise) {
  EXPECT_EQ(NormaliseChannel("SMS"), "sms");
  EXPECT_EQ(NormaliseChannel("WhatsApp"), "whatsapp");
  EXPECT_EQ(NormaliseChannel(" Email "), "email");
  EXPECT_EQ(NormaliseChannel("Phone"), "call");
  EXPECT_EQ(NormaliseChannel("call_task"), "call");
  EXPECT_EQ(NormaliseChannel("voice"), "voice");
  EXPECT_EQ(NormaliseChannel("letter"), "letter");
  EXPECT_EQ(NormaliseChannel("pigeon"), "");
}

TEST(ClinicAdapter, ReminderWithFreeTextAction) {
  auto e = BuildExport("clinic", "freshsales", ClinicRows(), {});
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->items.size(), 6u);
  EXPECT_THAT(e->objects, ElementsAre("workflow"));
  const RebuildItem& wf1 = Item(*e, "WF-01");
  EXPECT_EQ(wf1.source_object, "workflow");
  EXPECT_EQ(wf1.location.file(), "workflows.csv");
  EXPECT_EQ(wf1.location.line(), 2);
  EXPECT_EQ(wf1.name, "Appointment reminder - 48h");
  EXPECT_EQ(wf1.category, "Appointment Reminder");
  EXPECT_EQ(wf1.active, true);
  EXPECT_EQ(wf1.trigger.original, "appointment.scheduled");
  EXPECT_EQ(wf1.trigger.event, "appointment_booked");
  EXPECT_EQ(wf1.trigger.kind, kAppointmentTime);
  EXPECT_THAT(wf1.conditions, ElementsAre("status in (Scheduled, Confirmed)"));
  ASSERT_EQ(wf1.intervals.size(), 1u);
  EXPECT_EQ(wf1.intervals[0].amount, -48);
  EXPECT_EQ(wf1.intervals[0].anchor, kAnchorAppointmentStart);
  ASSERT_EQ(wf1.actions.size(), 1u);
  EXPECT_EQ(wf1.actions[0].kind, kSendMessage);
  EXPECT_EQ(wf1.actions[0].channel, "sms");
  EXPECT_EQ(wf1.actions[0].message.name, "APPT_REMIND_48");
  EXPECT_EQ(wf1.actions[0].interval, 0);
  EXPECT_EQ(wf1.actions[0].description, "Send SMS template APPT_REMIND_48");
  EXPECT_THAT(wf1.channels, ElementsAre("sms"));
  ASSERT_TRUE(wf1.owner.has_value());
  EXPECT_EQ(wf1.owner->object, "provider");
  EXPECT_EQ(wf1.owner->key, "P12");
  EXPECT_FALSE(wf1.scope.has_value());
  EXPECT_TRUE(wf1.warnings.empty());
  EXPECT_EQ(wf1.feature.feature, "Workflows");
  EXPECT_FALSE(wf1.rebuild_steps.empty());
}

TEST(ClinicAdapter, SeveralActionsConditionsAndDelays) {
  auto e = BuildExport("clinic", "freshsales", ClinicRows(), {});
  ASSERT_TRUE(e.ok());
  const RebuildItem& wf3 = Item(*e, "WF-03");
  ASSERT_EQ(wf3.actions.size(), 2u);
  EXPECT_EQ(wf3.actions[0].kind, kCreateTask);
  EXPECT_EQ(wf3.actions[0].channel, "task");
  EXPECT_EQ(wf3.actions[1].channel, "email");
  EXPECT_EQ(wf3.actions[1].message.name, "NO_SHOW_RESCHEDULE");
  EXPECT_EQ(wf3.actions[1].step, 2);
  EXPECT_EQ(wf3.intervals[0].kind, IntervalKind::kImmediate);
  EXPECT_TRUE(wf3.conditions.empty());
  EXPECT_EQ(wf3.trigger.kind, kRecordEvent);

  const RebuildItem& wf4 = Item(*e, "WF-04");
  ASSERT_EQ(wf4.actions.size(), 2u);
  EXPECT_EQ(wf4.actions[0].kind, kExternal);
  EXPECT_EQ(wf4.actions[1].kind, kUpdateField);
  EXPECT_TRUE(wf4.channels.empty());

  const RebuildItem& wf5 = Item(*e, "WF-05");
  EXPECT_THAT(wf5.conditions,
              ElementsAre("balance > 50.00", "claim_status = Paid"));
  EXPECT_EQ(wf5.intervals[0].kind, IntervalKind::kRecurring);
  EXPECT_EQ(wf5.trigger.kind, kSchedule);
  EXPECT_THAT(wf5.channels, ElementsAre("letter", "email"));

  const RebuildItem& wf6 = Item(*e, "WF-06");
  ASSERT_EQ(wf6.actions.size(), 1u);
  EXPECT_EQ(wf6.actions[0].kind, kAssign);
  EXPECT_EQ(wf6.trigger.event, "claim_denied");

  const RebuildItem& wf8 = Item(*e, "WF-08");
  EXPECT_EQ(wf8.active, false);
  ASSERT_EQ(wf8.actions.size(), 2u);
  EXPECT_EQ(wf8.actions[0].channel, "email");
  EXPECT_EQ(wf8.actions[0].interval, 0);
  EXPECT_EQ(wf8.actions[1].channel, "call");
  EXPECT_EQ(wf8.actions[1].kind, kCreateTask);
  ASSERT_EQ(wf8.actions[1].interval, 1);
  EXPECT_EQ(wf8.intervals[1].anchor, kAnchorPreviousStep);
  EXPECT_EQ(wf8.intervals[1].amount, 14);
  EXPECT_EQ(wf8.trigger.kind, kDateField);
  EXPECT_EQ(wf8.trigger.anchor, kAnchorLastVisit);
}

TEST(ClinicAdapter, UnknownTriggerAndActionAreWarnings) {
  auto e = BuildExport("clinic", "freshsales",
                       {Clinic("WF-99", "Odd", "", "lab.result_ready", "",
                               "Ring the bell", "sometime soon", true, 12)},
                       {});
  ASSERT_TRUE(e.ok());
  const RebuildItem& item = e->items.at(0);
  EXPECT_EQ(item.trigger.event, "other");
  EXPECT_EQ(item.trigger.kind, kRecordEvent);
  EXPECT_EQ(item.intervals[0].kind, IntervalKind::kUnparsed);
  EXPECT_EQ(item.actions[0].kind, kOther);
  ASSERT_EQ(item.warnings.size(), 3u);
  EXPECT_THAT(item.warnings[0], HasSubstr("trigger \"lab.result_ready\""));
  EXPECT_THAT(item.warnings[1], HasSubstr("timing \"sometime soon\""));
  EXPECT_THAT(item.warnings[2], HasSubstr("action \"Ring the bell\""));
}

// Dr.DENTES rows (examples/drdentes-freshsales/data/workflows.csv).
v1::Record Drdentes(const char* id, const char* name, const char* trigger,
                    const char* offset, const char* channel,
                    const char* template_text, const char* clinic,
                    bool active) {
  return MakeRecord("workflow", id,
                    {{"workflow_id", id},
                     {"name", name},
                     {"trigger", trigger},
                     {"offset", offset},
                     {"channel", channel},
                     {"template", template_text},
                     {"clinic_id", clinic},
                     {"active", active},
                     {"created_by", "S09"}});
}

TEST(DrdentesAdapter, ChannelOffsetAndTurkishTemplate) {
  std::vector<v1::Record> rows = {
      Drdentes("W01", "Randevu hatırlatma (1 gün önce)",
               "appointment.day_before", "-1d 10:00", "SMS",
               "Sayın {hasta_adi}, {tarih} {saat} randevunuzu hatırlatırız. "
               "Gülüş Diş",
               "", true),
      Drdentes("W02", "Randevu onayı", "appointment.created", "+0", "WhatsApp",
               "Randevunuz oluşturuldu: {tarih} {saat}, {klinik}.", "", true),
      Drdentes("W04", "Geciken ödeme bildirimi", "invoice.overdue", "+15d",
               "Email", "Sayın {hasta_adi}, {fatura_no} numaralı faturanız.",
               "K1", true),
      Drdentes("W05", "Doğum günü kutlaması", "patient.birthday", "09:00",
               "SMS", "İyi ki doğdunuz {hasta_adi}!", "", false),
      Drdentes("W06", "İmplant sonrası kontrol", "treatment.completed", "+7d",
               "Phone", "İmplant sonrası 1. hafta kontrol araması", "K2", true),
  };
  auto e = BuildExport("drdentes", "freshsales", rows, {});
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->items.size(), 5u);

  const RebuildItem& w1 = Item(*e, "W01");
  EXPECT_EQ(w1.trigger.event, "appointment_upcoming");
  EXPECT_EQ(w1.trigger.kind, kAppointmentTime);
  EXPECT_EQ(w1.intervals.at(0).amount, -1);
  EXPECT_EQ(w1.intervals.at(0).time_of_day, "10:00");
  ASSERT_EQ(w1.actions.size(), 1u);
  EXPECT_EQ(w1.actions[0].channel, "sms");
  EXPECT_EQ(w1.actions[0].description, "Send SMS message");
  EXPECT_THAT(w1.actions[0].message.text,
              HasSubstr("randevunuzu hatırlatırız"));
  EXPECT_THAT(w1.actions[0].message.placeholders,
              ElementsAre("hasta_adi", "tarih", "saat"));
  EXPECT_EQ(w1.owner->object, "staff");
  EXPECT_EQ(w1.owner->key, "S09");

  const RebuildItem& w2 = Item(*e, "W02");
  EXPECT_EQ(w2.intervals.at(0).kind, IntervalKind::kImmediate);
  EXPECT_THAT(w2.channels, ElementsAre("whatsapp"));

  const RebuildItem& w4 = Item(*e, "W04");
  ASSERT_TRUE(w4.scope.has_value());
  EXPECT_EQ(w4.scope->object, "clinic");
  EXPECT_EQ(w4.scope->key, "K1");
  EXPECT_EQ(w4.intervals.at(0).amount, 15);
  EXPECT_EQ(w4.trigger.event, "invoice_overdue");

  const RebuildItem& w5 = Item(*e, "W05");
  EXPECT_EQ(w5.active, false);
  EXPECT_EQ(w5.trigger.kind, kDateField);
  EXPECT_EQ(w5.intervals.at(0).anchor, kAnchorBirthday);
  EXPECT_EQ(w5.intervals.at(0).time_of_day, "09:00");

  const RebuildItem& w6 = Item(*e, "W06");
  EXPECT_EQ(w6.actions.at(0).kind, kCreateTask);
  EXPECT_EQ(w6.actions.at(0).channel, "call");
  for (const RebuildItem& i : e->items)
    EXPECT_TRUE(i.warnings.empty()) << i.source_key;
}

TEST(DrdentesAdapter, UnknownChannelIsAWarning) {
  auto e = BuildExport("drdentes", "freshsales",
                       {Drdentes("W09", "Faks", "appointment.created", "+0",
                                 "Fax", "Merhaba", "", true)},
                       {});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->items.at(0).actions.at(0).kind, kOther);
  EXPECT_THAT(e->items.at(0).warnings,
              ElementsAre(HasSubstr("channel \"Fax\"")));
}

v1::Record PbnStep(const char* id, const char* automation, int step,
                   const char* offset, const char* relative_to, const char* at,
                   const char* channel, const char* name, const char* subject,
                   const char* message) {
  return MakeRecord("automation_step", id,
                    {{"automation_step_id", id},
                     {"automation_id", automation},
                     {"step_number", step},
                     {"offset", offset},
                     {"relative_to", relative_to},
                     {"send_time", at},
                     {"channel", channel},
                     {"template_name", name},
                     {"subject", subject},
                     {"message", message}});
}

std::vector<v1::Record> PbnRecall() {
  return {
      MakeRecord("automation", "203",
                 {{"automation_id", "203"},
                  {"name", "6-month hygiene recall sequence"},
                  {"type", "recall"},
                  {"trigger", "recall_due"},
                  {"conditions",
                   "recall type is 6-month hygiene; no future appointment "
                   "booked"},
                  {"location_id", ""},
                  {"active", true},
                  {"created_by_provider_id", "12"}},
                 "automations.csv", 4),
      // Steps out of order: the export sorts them by step number.
      PbnStep("2033", "203", 3, "+14d", "due_date", "", "call_task",
              "RECALL_CALL", "", "Call the patient."),
      PbnStep("2031", "203", 1, "-30d", "due_date", "08:30", "email",
              "RECALL_30D", "Time for your cleaning",
              "Hi {first_name}, due on {due_date}: {booking_link}"),
      PbnStep("2034", "203", 4, "+45d", "due_date", "", "letter",
              "RECALL_POSTCARD", "", "We miss you!"),
      PbnStep("2032", "203", 2, "-7d", "due_date", "10:00", "sms", "RECALL_7D",
              "", "{first_name}, book: {booking_link}"),
  };
}

TEST(PbnAdapter, StepsBecomeOrderedActions) {
  auto e = BuildExport("pbn", "freshsales", PbnRecall(), {});
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(e->objects, ElementsAre("automation", "automation_step"));
  ASSERT_EQ(e->items.size(), 1u);
  const RebuildItem& item = e->items[0];
  EXPECT_EQ(item.category, "recall");
  EXPECT_EQ(item.trigger.event, "recall_due");
  EXPECT_EQ(item.trigger.kind, kDateField);
  EXPECT_THAT(item.conditions, ElementsAre("recall type is 6-month hygiene",
                                           "no future appointment booked"));
  ASSERT_EQ(item.actions.size(), 4u);
  EXPECT_EQ(item.actions[0].message.name, "RECALL_30D");
  EXPECT_EQ(item.actions[0].step_key, "2031");
  EXPECT_EQ(item.actions[3].step_key, "2034");
  EXPECT_EQ(item.actions[0].message.subject, "Time for your cleaning");
  EXPECT_THAT(item.actions[0].message.placeholders,
              ElementsAre("first_name", "due_date", "booking_link"));
  EXPECT_EQ(item.actions[1].channel, "sms");
  EXPECT_EQ(item.actions[2].channel, "call");
  EXPECT_EQ(item.actions[2].kind, kCreateTask);
  EXPECT_EQ(item.actions[3].channel, "letter");
  EXPECT_THAT(item.channels, ElementsAre("email", "sms", "call", "letter"));
  ASSERT_EQ(item.intervals.size(), 4u);
  EXPECT_EQ(item.intervals[0].amount, -30);
  EXPECT_EQ(item.intervals[0].time_of_day, "08:30");
  EXPECT_EQ(item.intervals[0].anchor, kAnchorDueDate);
  EXPECT_EQ(item.intervals[0].original, "-30d 08:30");
  EXPECT_EQ(item.intervals[2].amount, 14);
  EXPECT_EQ(item.owner->key, "12");
  EXPECT_FALSE(item.scope.has_value());
  EXPECT_TRUE(item.warnings.empty());
  EXPECT_TRUE(e->notes.empty());
}

TEST(PbnAdapter, RelativeToPicksTheAnchor) {
  std::vector<v1::Record> rows = {
      MakeRecord("automation", "210",
                 {{"name", "New patient welcome"},
                  {"trigger", "appointment_scheduled"},
                  {"location_id", "2"},
                  {"active", true}}),
      PbnStep("2101", "210", 1, "0", "event", "", "email", "WELCOME", "", ""),
      PbnStep("2102", "210", 2, "-1d", "appointment_start", "16:00", "sms",
              "DIRECTIONS", "", ""),
      PbnStep("2103", "210", 3, "+1d", "moon_phase", "", "sms", "X", "", ""),
  };
  auto e = BuildExport("pbn", "highlevel", rows, {});
  ASSERT_TRUE(e.ok());
  const RebuildItem& item = e->items.at(0);
  EXPECT_EQ(item.intervals.at(0).kind, IntervalKind::kImmediate);
  EXPECT_EQ(item.intervals.at(0).anchor, kAnchorEvent);
  EXPECT_EQ(item.intervals.at(1).anchor, kAnchorAppointmentStart);
  EXPECT_EQ(item.intervals.at(2).anchor, kAnchorAppointmentStart);
  EXPECT_EQ(item.trigger.kind, kAppointmentTime);
  EXPECT_EQ(item.scope->object, "location");
  EXPECT_THAT(item.warnings,
              ElementsAre(HasSubstr("relative_to \"moon_phase\"")));
}

TEST(PbnAdapter, OrphanStepsAndRejectionsAreReported) {
  std::vector<v1::Record> rows = PbnRecall();
  rows.push_back(
      PbnStep("2999", "299", 1, "0", "event", "", "sms", "X", "", ""));
  rows.push_back(MakeRecord("patient", "1001", {{"last_name", "Nobody"}}));
  v1::Rejection bad_step;
  bad_step.set_object_type("automation_step");
  bad_step.set_source_key("2082");
  bad_step.set_reason(
      "automation_steps.csv:17: step_number: not a whole number");
  v1::Rejection other;
  other.set_object_type("patient");
  auto e = BuildExport("pbn", "pipedrive", rows, {bad_step, other});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->items.size(), 1u);  // the patient record is not an input
  ASSERT_EQ(e->rejections.size(), 1u);
  EXPECT_EQ(e->rejections[0].source_key(), "2082");
  EXPECT_THAT(
      e->notes,
      ElementsAre(HasSubstr("automation_step 2999 belongs to automation 299")));
}

TEST(BuildExport, SystemWithoutAutomationsAndUnknownCrm) {
  auto od = BuildExport("opendental", "freshsales", {}, {});
  ASSERT_TRUE(od.ok());
  EXPECT_TRUE(od->items.empty());
  EXPECT_TRUE(od->objects.empty());
  EXPECT_THAT(od->notes, ElementsAre(HasSubstr("not in scope")));

  auto crm = BuildExport("clinic", "salesforce", ClinicRows(), {});
  EXPECT_TRUE(absl::IsInvalidArgument(crm.status()));
  EXPECT_THAT(std::string(crm.status().message()), HasSubstr("salesforce"));
}

}  // namespace
}  // namespace bridgework::workflows
