#include "libs/workflows/rebuild.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"
#include "libs/record/value.h"
#include "libs/workflows/adapters.h"
#include "libs/workflows/features.h"

namespace bridgework::workflows {
namespace {

std::string Text(const v1::Record& r, const std::string& field) {
  if (field.empty()) return "";
  auto it = r.fields().find(field);
  if (it == r.fields().end()) return "";
  return std::string(
      absl::StripAsciiWhitespace(record::ValueToText(it->second)));
}

std::optional<bool> Bool(const v1::Record& r, const std::string& field) {
  if (field.empty()) return std::nullopt;
  auto it = r.fields().find(field);
  if (it == r.fields().end()) return std::nullopt;
  if (it->second.kind_case() == v1::Value::kBoolValue)
    return it->second.bool_value();
  std::string t = absl::AsciiStrToLower(Text(r, field));
  if (t == "1" || t == "true" || t == "yes" || t == "y") return true;
  if (t == "0" || t == "false" || t == "no" || t == "n") return false;
  return std::nullopt;
}

// Clauses separated by ';' or by " and " outside parentheses.
std::vector<std::string> SplitConditions(std::string_view text) {
  std::vector<std::string> out;
  auto add = [&](std::string_view part) {
    std::string s(absl::StripAsciiWhitespace(ToAbsl(part)));
    if (!s.empty()) out.push_back(std::move(s));
  };
  for (absl::string_view clause : absl::StrSplit(ToAbsl(text), ';')) {
    std::string_view c = FromAbsl(clause);
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < c.size(); ++i) {
      if (c[i] == '(') ++depth;
      if (c[i] == ')' && depth > 0) --depth;
      if (depth == 0 && i + 5 <= c.size() &&
          absl::EqualsIgnoreCase(ToAbsl(c.substr(i, 5)), " and ")) {
        add(c.substr(start, i - start));
        start = i + 5;
        i += 4;
      }
    }
    add(c.substr(start));
  }
  return out;
}

// "{first_name}" names in order of first appearance.
void AddPlaceholders(std::string_view text, std::vector<std::string>* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    size_t end = text.find('}', i + 1);
    if (end == std::string_view::npos) return;
    std::string_view name = text.substr(i + 1, end - i - 1);
    bool ok = !name.empty() && name.size() <= 64;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.')
        ok = false;
    }
    if (ok && std::find(out->begin(), out->end(), name) == out->end())
      out->emplace_back(name);
    i = end;
  }
}

Template MakeTemplate(std::string name, std::string subject, std::string text) {
  Template t;
  t.name = std::move(name);
  t.subject = std::move(subject);
  t.text = std::move(text);
  AddPlaceholders(t.subject, &t.placeholders);
  AddPlaceholders(t.text, &t.placeholders);
  return t;
}

// The template a free-text action names: the word after "template", else
// an upper-case identifier with an underscore ("RECALL_ANNUAL").
std::string TemplateNameIn(std::string_view text) {
  std::vector<std::string> words =
      absl::StrSplit(ToAbsl(text), absl::ByAnyChar(" ,;()"), absl::SkipEmpty());
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (absl::EqualsIgnoreCase(words[i], "template")) return words[i + 1];
  }
  for (const std::string& w : words) {
    bool upper = w.size() >= 4 && w.find('_') != std::string::npos;
    bool letter = false;
    for (char c : w) {
      if (std::isupper(static_cast<unsigned char>(c))) letter = true;
      if (!std::isupper(static_cast<unsigned char>(c)) &&
          !std::isdigit(static_cast<unsigned char>(c)) && c != '_') {
        upper = false;
      }
    }
    if (upper && letter) return w;
  }
  return "";
}

struct ParsedAction {
  std::string kind;
  std::string channel;
  // "after 14 days" at the end of the text, or "".
  std::string delay;
};

// Reads a free-text action ("Send SMS template X", "Create task for the
// front desk", "Run eligibility (270/271)").
ParsedAction ReadAction(std::string_view text) {
  std::string lower = absl::AsciiStrToLower(ToAbsl(text));
  std::vector<std::string> words =
      absl::StrSplit(lower, absl::ByAnyChar(" ,;:()."), absl::SkipEmpty());
  auto has = [&](std::string_view w) {
    return std::find(words.begin(), words.end(), w) != words.end();
  };
  ParsedAction a;
  if (has("eligibility") || absl::StrContains(lower, "270/271")) {
    a.kind = kExternal;
  } else if (has("whatsapp")) {
    a = {kSendMessage, "whatsapp", ""};
  } else if (has("sms") || has("text")) {
    a = {kSendMessage, "sms", ""};
  } else if (has("call")) {
    a = {kCreateTask, "call", ""};
  } else if (has("email") || has("e-mail")) {
    a = {kSendMessage, "email", ""};
  } else if (has("mail") || has("letter") || has("postcard")) {
    a = {kSendMessage, "letter", ""};
  } else if (has("task")) {
    a = {kCreateTask, "task", ""};
  } else if (has("assign")) {
    a = {kAssign, "task", ""};
  } else if (has("flag") || has("update") || has("set")) {
    a.kind = kUpdateField;
  } else {
    a.kind = kOther;
  }
  // A trailing "after N <unit>".
  if (words.size() >= 3 && words[words.size() - 3] == "after") {
    int64_t n = 0;
    if (absl::SimpleAtoi(words[words.size() - 2], &n)) {
      a.delay = absl::StrCat("after ", n, " ", words.back());
    }
  }
  return a;
}

std::string DescribeChannelAction(std::string_view channel) {
  if (channel == "call") return "Create a call task for the owner";
  if (channel == "letter") return "Mail a letter";
  if (channel == "task") return "Create a task";
  return absl::StrCat("Send ", ChannelName(channel), " message");
}

std::string KindOfChannel(std::string_view channel) {
  if (channel.empty()) return kOther;
  if (channel == "call" || channel == "task") return kCreateTask;
  return kSendMessage;
}

int AddInterval(RebuildItem& item, std::string_view text,
                std::string_view anchor) {
  Interval i = ParseInterval(text, anchor);
  if (i.original.empty()) return -1;
  if (i.kind == IntervalKind::kUnparsed) {
    item.warnings.push_back(
        absl::StrCat("timing \"", i.original,
                     "\" was not understood; it is kept as written"));
  }
  item.intervals.push_back(std::move(i));
  return static_cast<int>(item.intervals.size()) - 1;
}

// Actions of a source that keeps free text (clinic software).
void FreeTextActions(const SourceAdapter& a, const v1::Record& r, int timing,
                     RebuildItem& item) {
  const std::string actions = Text(r, a.actions_field);
  for (absl::string_view part : absl::StrSplit(ToAbsl(actions), ';')) {
    std::string text(absl::StripAsciiWhitespace(part));
    if (text.empty()) continue;
    ParsedAction p = ReadAction(text);
    Action act;
    act.step = static_cast<int>(item.actions.size()) + 1;
    act.kind = p.kind;
    act.channel = p.channel;
    act.description = text;
    act.message = MakeTemplate(TemplateNameIn(text), "", "");
    act.interval = p.delay.empty()
                       ? timing
                       : AddInterval(item, p.delay, kAnchorPreviousStep);
    if (p.kind == kOther) {
      item.warnings.push_back(
          absl::StrCat("action \"", text, "\" was not understood"));
    }
    item.actions.push_back(std::move(act));
  }
}

// The one action of a source that keeps a channel and a template per
// automation (Dr.DENTES).
void ChannelAction(const SourceAdapter& a, const v1::Record& r, int timing,
                   RebuildItem& item) {
  const std::string raw = Text(r, a.channel_field);
  const std::string channel = NormaliseChannel(raw);
  if (raw.empty() && Text(r, a.template_field).empty()) return;
  Action act;
  act.step = 1;
  act.kind = KindOfChannel(channel);
  act.channel = channel;
  act.description = channel.empty()
                        ? absl::StrCat("Send a \"", raw, "\" message")
                        : DescribeChannelAction(channel);
  act.message = MakeTemplate("", "", Text(r, a.template_field));
  act.interval = timing;
  if (channel.empty()) {
    item.warnings.push_back(
        absl::StrCat("channel \"", raw, "\" is not one Bridgework knows"));
  }
  item.actions.push_back(std::move(act));
}

// The actions of a source that keeps one record per step (PbN).
void StepActions(const SourceAdapter& a,
                 const std::vector<const v1::Record*>& steps,
                 RebuildItem& item) {
  const StepSpec& s = a.steps;
  for (const v1::Record* r : steps) {
    std::string anchor = item.trigger.anchor;
    const std::string relative_to = Text(*r, s.relative_to_field);
    if (!relative_to.empty()) {
      bool known = false;
      for (const auto& [value, to] : s.relative_to) {
        if (absl::EqualsIgnoreCase(value, relative_to)) {
          anchor = to;
          known = true;
        }
      }
      if (!known) {
        item.warnings.push_back(absl::StrCat("step ", r->source_key(),
                                             ": relative_to \"", relative_to,
                                             "\" is not known; counted from "
                                             "the trigger's default"));
      }
    }
    std::string timing = Text(*r, s.offset_field);
    const std::string at = Text(*r, s.time_field);
    if (!at.empty())
      timing = absl::StrCat(timing.empty() ? "0" : timing, " ", at);
    const std::string raw = Text(*r, s.channel_field);
    const std::string channel = NormaliseChannel(raw);
    Action act;
    act.step = static_cast<int>(item.actions.size()) + 1;
    act.kind = KindOfChannel(channel);
    act.channel = channel;
    act.description = channel.empty()
                          ? absl::StrCat("Send a \"", raw, "\" message")
                          : DescribeChannelAction(channel);
    act.message =
        MakeTemplate(Text(*r, s.template_name_field), Text(*r, s.subject_field),
                     Text(*r, s.message_field));
    act.interval = timing.empty() ? -1 : AddInterval(item, timing, anchor);
    act.step_key = r->source_key();
    if (channel.empty()) {
      item.warnings.push_back(absl::StrCat("step ", r->source_key(),
                                           ": channel \"", raw,
                                           "\" is not one Bridgework knows"));
    }
    item.actions.push_back(std::move(act));
  }
}

std::string TriggerKind(const RebuildItem& item) {
  for (const Interval& i : item.intervals) {
    if (i.anchor == kAnchorAppointmentStart &&
        (i.amount < 0 || (i.amount == 0 && !i.time_of_day.empty()))) {
      return kAppointmentTime;
    }
  }
  if (item.trigger.event == "appointment_upcoming") return kAppointmentTime;
  const std::string& e = item.trigger.event;
  if (e == "recall_due" || e == "birthday" || e == "last_visit")
    return kDateField;
  for (const Interval& i : item.intervals) {
    if (i.kind == IntervalKind::kRecurring) return kSchedule;
  }
  return kRecordEvent;
}

int StepOrder(const SourceAdapter& a, const v1::Record& r) {
  int64_t n = 0;
  auto it = r.fields().find(a.steps.order_field);
  if (it != r.fields().end() && it->second.kind_case() == v1::Value::kIntValue)
    return static_cast<int>(it->second.int_value());
  if (absl::SimpleAtoi(Text(r, a.steps.order_field), &n))
    return static_cast<int>(n);
  return 1 << 30;
}

RebuildItem BuildItem(const SourceAdapter& a, const v1::Record& r,
                      const std::vector<const v1::Record*>& steps,
                      std::string_view crm) {
  RebuildItem item;
  item.source_object = r.object_type();
  item.source_key = r.source_key();
  item.location = r.location();
  item.name = Text(r, a.name_field);
  if (item.name.empty())
    item.name = absl::StrCat(a.object, " ", r.source_key());
  item.category = Text(r, a.category_field);
  item.active = Bool(r, a.active_field);

  item.trigger.original = Text(r, a.trigger_field);
  if (const TriggerRule* t = FindTrigger(a, item.trigger.original)) {
    item.trigger.event = t->event;
    item.trigger.anchor = t->anchor;
  } else {
    item.trigger.event = "other";
    item.trigger.anchor = kAnchorEvent;
    item.warnings.push_back(absl::StrCat(
        "trigger \"", item.trigger.original, "\" is not in the ", a.system,
        " adapter's table; read as a change of the record"));
  }
  item.conditions = SplitConditions(Text(r, a.conditions_field));

  const std::string schedule = Text(r, a.schedule_field);
  const int timing =
      schedule.empty() ? -1 : AddInterval(item, schedule, item.trigger.anchor);
  if (!a.actions_field.empty()) FreeTextActions(a, r, timing, item);
  if (!a.channel_field.empty()) ChannelAction(a, r, timing, item);
  if (!a.steps.object.empty()) StepActions(a, steps, item);
  if (item.actions.empty())
    item.warnings.push_back("the source holds no actions for it");
  for (const Action& act : item.actions) {
    if (!act.channel.empty() &&
        std::find(item.channels.begin(), item.channels.end(), act.channel) ==
            item.channels.end()) {
      item.channels.push_back(act.channel);
    }
  }
  item.trigger.kind = TriggerKind(item);

  if (const std::string owner = Text(r, a.owner_field); !owner.empty())
    item.owner = KeyRef{a.owner_object, owner};
  if (const std::string scope = Text(r, a.scope_field); !scope.empty())
    item.scope = KeyRef{a.scope_object, scope};

  item.feature = ChooseFeature(crm, item);
  item.rebuild_steps = RebuildSteps(item);
  return item;
}

}  // namespace

bool KnownCrm(std::string_view crm) {
  return crm == "freshsales" || crm == "pipedrive" || crm == "highlevel";
}

absl::StatusOr<RebuildExport> BuildExport(
    std::string_view system, std::string_view crm,
    const std::vector<v1::Record>& records,
    const std::vector<v1::Rejection>& rejections) {
  if (!KnownCrm(crm)) {
    return absl::InvalidArgumentError(
        absl::StrCat("workflows: no rebuild rules for CRM '", ToAbsl(crm),
                     "' (known: freshsales, pipedrive, highlevel)"));
  }
  RebuildExport out;
  out.system = std::string(system);
  out.crm = std::string(crm);
  const std::vector<const SourceAdapter*> adapters = AdaptersFor(system);
  if (adapters.empty()) {
    out.notes.push_back(absl::StrCat(
        "the ", ToAbsl(system),
        " source has no automation objects Bridgework reads, so there is "
        "nothing to rebuild from it",
        system == "opendental"
            ? " (Open Dental's automation settings are not in scope)"
            : ""));
  }
  for (const SourceAdapter* a : adapters) {
    out.objects.push_back(a->object);
    if (!a->steps.object.empty()) out.objects.push_back(a->steps.object);

    // Steps by their automation's key, in step order.
    std::map<std::string, std::vector<const v1::Record*>> steps;
    if (!a->steps.object.empty()) {
      for (const v1::Record& r : records) {
        if (r.object_type() == a->steps.object)
          steps[Text(r, a->steps.parent_field)].push_back(&r);
      }
      for (auto& [parent, list] : steps) {
        std::stable_sort(list.begin(), list.end(),
                         [&](const v1::Record* x, const v1::Record* y) {
                           return StepOrder(*a, *x) < StepOrder(*a, *y);
                         });
      }
    }
    std::map<std::string, bool> seen;
    for (const v1::Record& r : records) {
      if (r.object_type() != a->object) continue;
      seen[r.source_key()] = true;
      auto it = steps.find(r.source_key());
      out.items.push_back(BuildItem(
          *a, r,
          it == steps.end() ? std::vector<const v1::Record*>{} : it->second,
          crm));
    }
    for (const auto& [parent, list] : steps) {
      if (seen.count(parent)) continue;
      for (const v1::Record* r : list) {
        out.notes.push_back(absl::StrCat(
            a->steps.object, " ", r->source_key(), " belongs to ", a->object,
            " ", parent, ", which is not in the export (rejected or missing)"));
      }
    }
  }
  for (const v1::Rejection& rej : rejections) {
    if (std::find(out.objects.begin(), out.objects.end(), rej.object_type()) !=
        out.objects.end()) {
      out.rejections.push_back(rej);
    }
  }
  return out;
}

}  // namespace bridgework::workflows
