#include "libs/workflows/features.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "libs/common/strings.h"

namespace bridgework::workflows {
namespace {

constexpr char kSeedsFreshsales[] =
    "seeds 000, 003, 004 (Freshsales Workflows)";
constexpr char kSeedPipedrive[] =
    "seed 001 (Pipedrive automation builder; recall reminders as automations "
    "triggering email sequences)";
constexpr char kSeedHighLevel[] = "seed 002 (HighLevel Workflow Builder)";
constexpr char kOutsideSetup[] =
    "Keep the work itself in the practice or billing system (an eligibility "
    "request goes through the clearinghouse; claims stay with the billing "
    "team); rebuild only its follow-up: when the result is recorded on the "
    "{entity}, create a task for the owner";
constexpr char kOutsideBasis[] =
    "judgement: no CRM runs insurance eligibility (270/271) or claims work";

std::vector<FeatureRule>* MakeRules() {
  auto* r = new std::vector<FeatureRule>();
  auto outside = [&](const char* crm) {
    FeatureRule rule;
    rule.crm = crm;
    rule.id = absl::StrCat(crm, ".outside");
    rule.outside_only = true;
    rule.feature = kOutsideTheCrm;
    rule.setup = kOutsideSetup;
    rule.basis = kOutsideBasis;
    rule.judgement = true;
    r->push_back(rule);
  };

  // Freshsales.
  outside("freshsales");
  r->push_back({"freshsales",
                "freshsales.appointment",
                {kAppointmentTime},
                {},
                0,
                false,
                false,
                "Workflows",
                "Time-based Workflow on the {entity}, relative to its start "
                "time (Freshsales has no scheduling calendar: seed 004 says "
                "reminders need Workflows or a scheduling integration)",
                "seed 004",
                false});
  r->push_back(
      {"freshsales",
       "freshsales.sequence",
       {},
       {},
       2,
       false,
       false,
       "Sales Sequences",
       "A Sales Sequence with the timed steps, and a Workflow on the {entity} "
       "that enrolls the contact when the trigger fires. Freshsales disables "
       "emails and sequences after a migration (seeds 000, 003, 004): enable "
       "them once the data is checked",
       "judgement: Sales Sequences are Freshsales' time-based email cadences; "
       "the seeds name Workflows",
       true});
  r->push_back({"freshsales",
                "freshsales.date",
                {kDateField},
                {},
                0,
                false,
                false,
                "Workflows",
                "Date-based Workflow on the {entity}'s date field (the "
                "migrated recall due date, birthday or last visit)",
                kSeedsFreshsales,
                false});
  r->push_back(
      {"freshsales",
       "freshsales.schedule",
       {kSchedule},
       {},
       0,
       false,
       false,
       "Workflows",
       "Freshsales Workflows start from records, not from a calendar: run it "
       "as a date-based Workflow on a date field of the {entity} that the "
       "practice keeps current (a next-run date), or keep the periodic job in "
       "the practice system",
       "judgement: no calendar trigger in the references",
       true});
  r->push_back({"freshsales",
                "freshsales.record",
                {},
                {},
                0,
                false,
                false,
                "Workflows",
                "Record-triggered Workflow: when the {entity} is created or "
                "updated and the conditions hold",
                kSeedsFreshsales,
                false});

  // Pipedrive.
  outside("pipedrive");
  r->push_back(
      {"pipedrive",
       "pipedrive.campaign",
       {},
       {"last_visit"},
       0,
       false,
       true,
       "Campaigns",
       "Campaigns (a paid add-on): a filter of Persons by {trigger}, sent the "
       "emails as a campaign and re-run on a schedule; automations do not "
       "select people by a date",
       "judgement: Campaigns are Pipedrive's bulk email; seed 001 warns that "
       "add-ons raise the cost",
       true});
  r->push_back({"pipedrive",
                "pipedrive.recall",
                {},
                {"recall_due"},
                0,
                false,
                false,
                "Workflow Automations",
                "Automation on the {entity} (the migrated recall) that starts "
                "the email sequence at the due date",
                kSeedPipedrive,
                false});
  r->push_back({"pipedrive",
                "pipedrive.appointment",
                {kAppointmentTime},
                {},
                0,
                false,
                false,
                "Workflow Automations",
                "Automation on the {entity} (the appointment) with a delay "
                "relative to its due date and time",
                "seed 001; the relative delay is judgement",
                true});
  r->push_back({"pipedrive",
                "pipedrive.sequence",
                {},
                {},
                2,
                false,
                false,
                "Workflow Automations",
                "Automation on the {entity} with each step as a delayed "
                "action (an email sequence)",
                kSeedPipedrive,
                false});
  r->push_back({"pipedrive",
                "pipedrive.date",
                {kDateField},
                {},
                0,
                false,
                false,
                "Workflow Automations",
                "Automation with a date-based trigger on the {entity}'s date "
                "field (birthday, last visit); where the plan's automations "
                "have no date trigger, a recurring activity for the owner",
                "seed 001; the date trigger is judgement",
                true});
  r->push_back({"pipedrive",
                "pipedrive.record",
                {},
                {},
                0,
                false,
                false,
                "Workflow Automations",
                "Automation: when the {entity} is added or updated and the "
                "conditions hold",
                kSeedPipedrive,
                false});

  // HighLevel.
  outside("highlevel");
  r->push_back({"highlevel",
                "highlevel.workflow",
                {},
                {},
                0,
                false,
                false,
                "Workflows",
                "Workflow Builder: trigger \"{trigger}\" on the {entity}, then "
                "Wait steps for the timing and one action per step",
                absl::StrCat(kSeedHighLevel, "; trigger names are judgement"),
                false});
  return r;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool Matches(const FeatureRule& rule, const RebuildItem& item) {
  if (!rule.kinds.empty() && !Contains(rule.kinds, item.trigger.kind))
    return false;
  if (!rule.events.empty() && !Contains(rule.events, item.trigger.event))
    return false;
  if (rule.min_timed_steps > 0 && TimedSteps(item) < rule.min_timed_steps)
    return false;
  if (rule.outside_only) {
    if (item.actions.empty()) return false;
    bool external = false;
    for (const Action& a : item.actions) {
      if (a.kind == kExternal) {
        external = true;
      } else if (a.kind != kUpdateField) {
        return false;
      }
    }
    if (!external) return false;
  }
  if (rule.email_only) {
    int emails = 0;
    for (const Action& a : item.actions) {
      if (a.kind != kSendMessage) continue;
      if (a.channel != "email") return false;
      ++emails;
    }
    if (emails == 0) return false;
  }
  return true;
}

std::string Words(std::string_view event) {
  return absl::StrReplaceAll(ToAbsl(event), {{"_", " "}});
}

}  // namespace

const std::vector<FeatureRule>& FeatureRules() {
  static const std::vector<FeatureRule>* const kRules = MakeRules();
  return *kRules;
}

int TimedSteps(const RebuildItem& item) {
  std::set<std::string> times;
  int untimed = 0;
  for (const Action& a : item.actions) {
    if (a.kind != kSendMessage && a.kind != kCreateTask) continue;
    if (a.interval < 0 ||
        a.interval >= static_cast<int>(item.intervals.size())) {
      ++untimed;
      continue;
    }
    const Interval& i = item.intervals[a.interval];
    times.insert(absl::StrCat(i.anchor, "|", i.amount, i.unit, "|",
                              i.time_of_day, "|", IntervalKindName(i.kind)));
  }
  return static_cast<int>(times.size()) + (untimed > 0 ? 1 : 0);
}

std::string EntityFor(std::string_view crm, std::string_view event) {
  const bool appointment = event.substr(0, 12) == "appointment_";
  const bool treatment =
      event == "treatment_plan" || event == "treatment_completed";
  if (crm == "freshsales") {
    if (appointment) return "Appointment";
    if (event == "recall_due") return "Task (the migrated recall)";
    if (treatment) return "Deal";
    return "Contact";
  }
  if (crm == "pipedrive") {
    if (appointment) return "Activity";
    if (event == "recall_due") return "Activity (task)";
    if (treatment || event == "balance" || event == "invoice_overdue" ||
        event == "claim_denied") {
      return "Deal";
    }
    return "Person";
  }
  if (crm == "highlevel") {
    if (appointment) return "Appointment";
    if (treatment) return "Opportunity";
    return "Contact";
  }
  return "record";
}

std::string HighLevelTrigger(const RebuildItem& item) {
  const std::string& e = item.trigger.event;
  if (e == "appointment_booked" || e == "appointment_upcoming")
    return "Customer Booked Appointment";
  if (e == "appointment_completed" || e == "appointment_no_show")
    return "Appointment Status";
  if (e == "birthday") return "Birthday Reminder";
  if (e == "recall_due" || e == "last_visit") return "Custom Date Reminder";
  if (e == "treatment_plan") return "Pipeline Stage Changed";
  if (e == "treatment_completed") return "Opportunity Status Changed";
  return "Contact Changed";
}

Feature ChooseFeature(std::string_view crm, const RebuildItem& item) {
  for (const FeatureRule& rule : FeatureRules()) {
    if (rule.crm != crm || !Matches(rule, item)) continue;
    Feature f;
    f.crm = rule.crm;
    f.feature = rule.feature;
    f.rule = rule.id;
    f.basis = rule.basis;
    f.judgement = rule.judgement;
    const std::string trigger =
        crm == "highlevel" ? HighLevelTrigger(item) : Words(item.trigger.event);
    f.setup = absl::StrReplaceAll(
        rule.setup, {{"{entity}", EntityFor(crm, item.trigger.event)},
                     {"{trigger}", trigger}});
    return f;
  }
  return Feature();
}

std::string ChannelNote(std::string_view crm, std::string_view channel) {
  if (channel == "letter") {
    return "Postal mail: no CRM sends letters; create a task for the front "
           "desk to print and mail it";
  }
  if (crm == "freshsales") {
    if (channel == "sms" || channel == "whatsapp") {
      return absl::StrCat(ChannelName(channel),
                          ": Freshsales Workflows send email and create "
                          "tasks; send ",
                          ChannelName(channel),
                          " through a messaging app from the Freshworks "
                          "Marketplace (seed 003) or keep it in the practice "
                          "system");
    }
    if (channel == "voice")
      return "Automated voice calls: a telephony app from the Freshworks "
             "Marketplace";
    if (channel == "call") return "Call: a task of type call for the owner";
  }
  if (crm == "pipedrive") {
    if (channel == "sms" || channel == "whatsapp" || channel == "voice") {
      return absl::StrCat(ChannelName(channel), ": Pipedrive has no native ",
                          ChannelName(channel),
                          "; use an app from the Pipedrive Marketplace");
    }
    if (channel == "call")
      return "Call: an activity of type Call for the owner";
  }
  if (crm == "highlevel") {
    if (channel == "call")
      return "Call: a task for the owner (or the Workflow's call action)";
  }
  return "";
}

std::string FeatureTitle(std::string_view crm, std::string_view feature) {
  if (feature == kOutsideTheCrm)
    return absl::StrCat("Outside ", CrmName(crm),
                        " (practice or billing system)");
  return absl::StrCat(CrmName(crm), " ", ToAbsl(feature));
}

std::string CrmName(std::string_view crm) {
  if (crm == "freshsales") return "Freshsales";
  if (crm == "pipedrive") return "Pipedrive";
  if (crm == "highlevel") return "HighLevel";
  return std::string(crm);
}

std::string ChannelName(std::string_view channel) {
  if (channel == "sms") return "SMS";
  if (channel == "whatsapp") return "WhatsApp";
  if (channel == "voice") return "voice call";
  if (channel == "letter") return "letter";
  return std::string(channel);
}

std::vector<std::string> RebuildSteps(const RebuildItem& item) {
  std::vector<std::string> steps;
  const Feature& f = item.feature;
  if (f.rule == absl::StrCat(f.crm, ".outside")) {
    steps.push_back(absl::StrCat("Not a ", CrmName(f.crm), " feature: \"",
                                 item.name, "\". ", f.setup, "."));
  } else {
    steps.push_back(absl::StrCat(FeatureTitle(f.crm, f.feature), ": create \"",
                                 item.name, "\". ", f.setup, "."));
  }
  steps.push_back(
      absl::StrCat("Trigger: ", Words(item.trigger.event),
                   " (the source's trigger: ", item.trigger.original, ")."));
  if (item.conditions.empty()) {
    steps.push_back("Conditions: none in the source.");
  } else {
    steps.push_back(absl::StrCat(
        "Conditions: ", absl::StrJoin(item.conditions, "; "), "."));
  }
  for (const Action& a : item.actions) {
    std::string s = absl::StrCat("Step ", a.step);
    if (a.interval >= 0 && a.interval < static_cast<int>(item.intervals.size()))
      absl::StrAppend(&s, ", ", item.intervals[a.interval].Describe());
    absl::StrAppend(&s, ": ", a.description);
    if (!a.message.name.empty() &&
        !absl::StrContains(a.description, a.message.name)) {
      absl::StrAppend(&s, "; template ", a.message.name);
    }
    if (!a.message.text.empty())
      absl::StrAppend(&s, " (recreate its text, shown with the automation)");
    if (!a.message.placeholders.empty()) {
      absl::StrAppend(&s, "; map the placeholders {",
                      absl::StrJoin(a.message.placeholders, "}, {"),
                      "} to the CRM's fields");
    }
    steps.push_back(absl::StrCat(s, "."));
  }
  for (const std::string& c : item.channels) {
    std::string note = ChannelNote(f.crm, c);
    if (!note.empty()) steps.push_back(absl::StrCat(note, "."));
  }
  if (item.owner) {
    steps.push_back(absl::StrCat(
        "Owner: the ", CrmName(f.crm), " user matched to ", item.owner->object,
        " ", item.owner->key,
        " (`bridgework check` lists the match; else the fallback owner)."));
  }
  if (item.scope) {
    steps.push_back(absl::StrCat("Limit it to ", item.scope->object, " ",
                                 item.scope->key,
                                 " (a condition on the migrated account)."));
  }
  if (item.active.has_value() && !*item.active) {
    steps.push_back("Leave it switched off: it is inactive in the source.");
  } else {
    steps.push_back("Switch it on once the migrated data has been checked.");
  }
  for (const std::string& w : item.warnings)
    steps.push_back(absl::StrCat("Check by hand: ", w, "."));
  return steps;
}

}  // namespace bridgework::workflows
