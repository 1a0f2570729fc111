// Which CRM feature rebuilds an automation, and the admin's checklist.
//
// The rule table is per CRM, ordered; the first rule whose conditions all
// hold wins, and every CRM ends with a rule that always holds. Grounding
// (docs/workflows.md has the whole table):
//   - the seeds say automations are rebuilt in Freshsales Workflows (seeds
//     000, 003, 004; 003 adds the Freshworks Marketplace), in Pipedrive's
//     automation builder with recall reminders as automations triggering
//     email sequences (001), and in HighLevel's Workflow Builder (002);
//   - Freshsales Sales Sequences for time-based cadences, Pipedrive
//     Campaigns for bulk email, HighLevel trigger names and the "outside the
//     CRM" verdict are Bridgework's judgement, flagged as such in each
//     item (Feature::judgement).
//
// Thread safety: pure functions over immutable tables.
#ifndef BRIDGEWORK_LIBS_WORKFLOWS_FEATURES_H_
#define BRIDGEWORK_LIBS_WORKFLOWS_FEATURES_H_

#include <string>
#include <string_view>
#include <vector>

#include "libs/workflows/rebuild.h"

namespace bridgework::workflows {

// What a rule looks at in an item.
struct FeatureRule {
  std::string crm;
  std::string id;  // "freshsales.sequence"
  // Conditions; an empty one holds for every item.
  std::vector<std::string> kinds;   // Trigger::kind is one of them
  std::vector<std::string> events;  // Trigger::event is one of them
  // At least this many message or task steps at distinct times.
  int min_timed_steps = 0;
  // Every action is external or a field update (nothing a CRM runs).
  bool outside_only = false;
  // Every message is an email (and there is at least one).
  bool email_only = false;
  // The result.
  std::string feature;
  std::string setup;  // "{entity}" and "{trigger}" are filled in per item
  std::string basis;
  bool judgement = false;
};

// The rules of every CRM, in order.
const std::vector<FeatureRule>& FeatureRules();

// The feature for `item` (trigger, actions, intervals filled in) in `crm`.
// An unknown CRM gives an empty Feature.
Feature ChooseFeature(std::string_view crm, const RebuildItem& item);

// The number of message / task steps at distinct times (a cadence has two
// or more).
int TimedSteps(const RebuildItem& item);

// The CRM record an event happens on: Freshsales "Appointment", Pipedrive
// "Person", HighLevel "Opportunity".
std::string EntityFor(std::string_view crm, std::string_view event);

// HighLevel Workflow Builder trigger for an item ("Birthday Reminder").
std::string HighLevelTrigger(const RebuildItem& item);

// What a channel needs in `crm` beyond the feature ("SMS: ..."), or "".
std::string ChannelNote(std::string_view crm, std::string_view channel);

// The admin's checklist for `item` (feature chosen): create, trigger,
// conditions, each action with its timing and template, owner, scope,
// channels, status.
std::vector<std::string> RebuildSteps(const RebuildItem& item);

// The feature of automations no CRM runs (insurance eligibility checks).
inline constexpr char kOutsideTheCrm[] = "Outside the CRM";

// Display names: "Freshsales", "Pipedrive", "HighLevel"; channel "SMS",
// "WhatsApp", "email", "call", ...; a feature with its CRM: "Freshsales
// Sales Sequences", "Outside Freshsales (practice or billing system)".
std::string CrmName(std::string_view crm);
std::string FeatureTitle(std::string_view crm, std::string_view feature);
std::string ChannelName(std::string_view channel);

}  // namespace bridgework::workflows

#endif  // BRIDGEWORK_LIBS_WORKFLOWS_FEATURES_H_
