#include "libs/workflows/features.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::workflows {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// An item with one action per (channel, interval) pair.
RebuildItem MakeItem(
    const std::string& event, const std::string& kind,
    const std::vector<std::pair<std::string, std::string>>& steps) {
  RebuildItem item;
  item.name = "Test automation";
  item.trigger = {"src." + event, event, kAnchorEvent, kind};
  for (const auto& [channel, timing] : steps) {
    Action a;
    a.step = static_cast<int>(item.actions.size()) + 1;
    a.channel = channel;
    a.kind = channel == "call" || channel == "task" ? kCreateTask
             : channel == "eligibility"             ? kExternal
             : channel == "flag"                    ? kUpdateField
                                                    : kSendMessage;
    if (a.kind == kExternal || a.kind == kUpdateField) a.channel.clear();
    a.description = "do " + channel;
    if (!timing.empty()) {
      item.intervals.push_back(ParseInterval(timing, kAnchorEvent));
      a.interval = static_cast<int>(item.intervals.size()) - 1;
    }
    item.actions.push_back(a);
    if (!a.channel.empty()) item.channels.push_back(a.channel);
  }
  return item;
}

std::string Rule(const std::string& crm, const RebuildItem& item) {
  return ChooseFeature(crm, item).rule;
}

TEST(FeatureRules, EveryCrmEndsWithARuleThatAlwaysHolds) {
  std::set<std::string> ids;
  for (const FeatureRule& r : FeatureRules()) {
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate rule " << r.id;
    EXPECT_FALSE(r.feature.empty()) << r.id;
    EXPECT_FALSE(r.basis.empty()) << r.id;
    EXPECT_EQ(r.id.rfind(r.crm + ".", 0), 0u) << r.id;
  }
  for (const std::string crm : {"freshsales", "pipedrive", "highlevel"}) {
    const FeatureRule* last = nullptr;
    for (const FeatureRule& r : FeatureRules()) {
      if (r.crm == crm) last = &r;
    }
    ASSERT_NE(last, nullptr) << crm;
    EXPECT_TRUE(last->kinds.empty() && last->events.empty() &&
                last->min_timed_steps == 0 && !last->outside_only &&
                !last->email_only)
        << last->id;
  }
  EXPECT_TRUE(ChooseFeature("salesforce", MakeItem("other", kRecordEvent, {}))
                  .feature.empty());
}

TEST(FeatureRules, Freshsales) {
  EXPECT_EQ(
      Rule("freshsales",
           MakeItem("appointment_booked", kAppointmentTime,
                    {{"eligibility", "72 hours before start"}, {"flag", ""}})),
      "freshsales.outside");
  EXPECT_EQ(Rule("freshsales", MakeItem("appointment_booked", kAppointmentTime,
                                        {{"sms", "-2d"}, {"sms", "-2h"}})),
            "freshsales.appointment");
  EXPECT_EQ(Rule("freshsales", MakeItem("recall_due", kDateField,
                                        {{"email", "-30d"}, {"sms", "-7d"}})),
            "freshsales.sequence");
  EXPECT_EQ(Rule("freshsales",
                 MakeItem("birthday", kDateField, {{"email", "09:00"}})),
            "freshsales.date");
  EXPECT_EQ(Rule("freshsales",
                 MakeItem("balance", kSchedule, {{"letter", "monthly"}})),
            "freshsales.schedule");
  EXPECT_EQ(Rule("freshsales",
                 MakeItem("appointment_no_show", kRecordEvent,
                          {{"task", "immediately"}, {"email", "immediately"}})),
            "freshsales.record");
  Feature seq = ChooseFeature(
      "freshsales",
      MakeItem("recall_due", kDateField, {{"email", "-30d"}, {"sms", "-7d"}}));
  EXPECT_EQ(seq.feature, "Sales Sequences");
  EXPECT_TRUE(seq.judgement);
  EXPECT_THAT(seq.setup, HasSubstr("Task (the migrated recall)"));
  Feature record = ChooseFeature(
      "freshsales", MakeItem("claim_denied", kRecordEvent, {{"task", ""}}));
  EXPECT_EQ(record.feature, "Workflows");
  EXPECT_FALSE(record.judgement);
  EXPECT_THAT(record.basis, HasSubstr("seeds 000, 003, 004"));
}

TEST(FeatureRules, Pipedrive) {
  EXPECT_EQ(Rule("pipedrive", MakeItem("last_visit", kDateField,
                                       {{"email", "0"}, {"email", "+14d"}})),
            "pipedrive.campaign");
  // Not email only: the automation, not a campaign.
  EXPECT_EQ(Rule("pipedrive", MakeItem("last_visit", kDateField,
                                       {{"email", "0"}, {"sms", "+14d"}})),
            "pipedrive.sequence");
  EXPECT_EQ(Rule("pipedrive",
                 MakeItem("recall_due", kDateField, {{"email", "-30d"}})),
            "pipedrive.recall");
  EXPECT_EQ(Rule("pipedrive", MakeItem("appointment_booked", kAppointmentTime,
                                       {{"sms", "-3d"}})),
            "pipedrive.appointment");
  // Reminders before an appointment are not an email sequence.
  EXPECT_EQ(Rule("pipedrive", MakeItem("appointment_booked", kAppointmentTime,
                                       {{"email", "-2d"}, {"sms", "-2h"}})),
            "pipedrive.appointment");
  EXPECT_EQ(
      Rule("pipedrive", MakeItem("birthday", kDateField, {{"email", "09:00"}})),
      "pipedrive.date");
  EXPECT_EQ(Rule("pipedrive",
                 MakeItem("treatment_plan", kRecordEvent, {{"email", "+7d"}})),
            "pipedrive.record");
  EXPECT_EQ(ChooseFeature("pipedrive",
                          MakeItem("last_visit", kDateField, {{"email", "0"}}))
                .feature,
            "Campaigns");
  EXPECT_THAT(
      ChooseFeature("pipedrive",
                    MakeItem("treatment_plan", kRecordEvent, {{"email", ""}}))
          .setup,
      HasSubstr("Deal"));
}

TEST(FeatureRules, HighLevelTriggers) {
  auto trigger = [](const std::string& event, const std::string& kind) {
    return HighLevelTrigger(MakeItem(event, kind, {{"sms", "0"}}));
  };
  EXPECT_EQ(trigger("birthday", kDateField), "Birthday Reminder");
  EXPECT_EQ(trigger("appointment_no_show", kRecordEvent), "Appointment Status");
  EXPECT_EQ(trigger("appointment_booked", kAppointmentTime),
            "Customer Booked Appointment");
  EXPECT_EQ(trigger("recall_due", kDateField), "Custom Date Reminder");
  EXPECT_EQ(trigger("treatment_plan", kRecordEvent), "Pipeline Stage Changed");
  EXPECT_EQ(trigger("balance", kSchedule), "Contact Changed");
  Feature f = ChooseFeature(
      "highlevel", MakeItem("birthday", kDateField, {{"email", "09:00"}}));
  EXPECT_EQ(f.rule, "highlevel.workflow");
  EXPECT_EQ(f.feature, "Workflows");
  EXPECT_THAT(f.setup, HasSubstr("\"Birthday Reminder\" on the Contact"));
  EXPECT_EQ(
      Rule("highlevel", MakeItem("appointment_booked", kAppointmentTime,
                                 {{"eligibility", "72 hours before start"}})),
      "highlevel.outside");
}

TEST(FeatureRules, TimedStepsCountDistinctTimes) {
  EXPECT_EQ(TimedSteps(MakeItem("x", kRecordEvent,
                                {{"sms", "-2d"}, {"email", "-2d"}})),
            1);
  EXPECT_EQ(TimedSteps(MakeItem("x", kRecordEvent,
                                {{"sms", "-2d"}, {"email", "-1d"}})),
            2);
  EXPECT_EQ(TimedSteps(MakeItem("x", kRecordEvent, {{"sms", ""}})), 1);
  EXPECT_EQ(TimedSteps(MakeItem("x", kRecordEvent, {{"flag", "-1d"}})), 0);
}

TEST(RebuildSteps, ChecklistCoversTheItem) {
  RebuildItem item = MakeItem("recall_due", kDateField,
                              {{"email", "-30d"}, {"sms", "-7d 10:00"}});
  item.actions[0].message.name = "RECALL_30D";
  item.actions[0].message.text = "Hi {first_name}";
  item.actions[0].message.placeholders = {"first_name"};
  item.conditions = {"no future appointment"};
  item.owner = KeyRef{"provider", "12"};
  item.scope = KeyRef{"location", "2"};
  item.active = false;
  item.warnings = {"timing \"x\" was not understood"};
  item.feature = ChooseFeature("freshsales", item);
  std::vector<std::string> steps = RebuildSteps(item);
  EXPECT_THAT(steps[0], HasSubstr("Freshsales Sales Sequences: create "
                                  "\"Test automation\""));
  EXPECT_THAT(steps, Contains(HasSubstr("Conditions: no future appointment")));
  EXPECT_THAT(
      steps, Contains(HasSubstr("Step 1, 30 days before the trigger: do email; "
                                "template RECALL_30D (recreate its text")));
  EXPECT_THAT(steps, Contains(HasSubstr("{first_name} to the CRM's fields")));
  EXPECT_THAT(steps, Contains(HasSubstr("Step 2, 7 days before the trigger, "
                                        "at 10:00: do sms")));
  EXPECT_THAT(steps,
              Contains(HasSubstr("SMS: Freshsales Workflows send email")));
  EXPECT_THAT(steps, Contains(HasSubstr("matched to provider 12")));
  EXPECT_THAT(steps, Contains(HasSubstr("Limit it to location 2")));
  EXPECT_THAT(steps, Contains(HasSubstr("inactive in the source")));
  EXPECT_THAT(steps, Contains(HasSubstr("Check by hand: timing")));

  RebuildItem outside = MakeItem("appointment_booked", kAppointmentTime,
                                 {{"eligibility", "72 hours before start"}});
  outside.feature = ChooseFeature("freshsales", outside);
  EXPECT_THAT(RebuildSteps(outside)[0],
              HasSubstr("Not a Freshsales feature: \"Test automation\". Keep "
                        "the work itself in the practice or billing system"));

  item.feature = ChooseFeature("highlevel", item);
  EXPECT_THAT(RebuildSteps(item), Not(Contains(HasSubstr("SMS:"))));
  item.feature = ChooseFeature("pipedrive", item);
  EXPECT_THAT(RebuildSteps(item),
              Contains(HasSubstr("SMS: Pipedrive has no native SMS")));
}

TEST(ChannelNotes, LettersAndCallsEverywhere) {
  for (const char* crm : {"freshsales", "pipedrive", "highlevel"}) {
    EXPECT_THAT(ChannelNote(crm, "letter"), HasSubstr("Postal mail")) << crm;
    EXPECT_THAT(ChannelNote(crm, "call"), HasSubstr("Call:")) << crm;
    EXPECT_EQ(ChannelNote(crm, "email"), "") << crm;
  }
  EXPECT_THAT(ChannelNote("freshsales", "whatsapp"),
              HasSubstr("Freshworks Marketplace"));
  EXPECT_EQ(ChannelNote("highlevel", "whatsapp"), "");
}

}  // namespace
}  // namespace bridgework::workflows
