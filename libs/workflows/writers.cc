#include "libs/workflows/writers.h"

#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"
#include "libs/report/html_util.h"
#include "libs/workflows/features.h"

namespace bridgework::workflows {
namespace {

using nlohmann::json;

json OrNull(const std::string& s) { return s.empty() ? json() : json(s); }

json KeyJson(const std::optional<KeyRef>& k) {
  if (!k) return json();
  return {{"object", k->object}, {"key", k->key}};
}

json IntervalJson(const Interval& i) {
  const bool offset = i.kind == IntervalKind::kOffset;
  std::optional<int64_t> seconds = i.OffsetSeconds();
  return {{"original", i.original},
          {"kind", IntervalKindName(i.kind)},
          {"amount", offset ? json(i.amount) : json()},
          {"unit", OrNull(i.unit)},
          {"anchor", OrNull(i.anchor)},
          {"offset_seconds", seconds ? json(*seconds) : json()},
          {"iso8601", OrNull(i.Iso8601())},
          {"time_of_day", OrNull(i.time_of_day)},
          {"every", OrNull(i.every)},
          {"on", OrNull(i.on)},
          {"description", i.Describe()}};
}

json ActionJson(const Action& a) {
  json t;
  const Template& m = a.message;
  if (!m.name.empty() || !m.subject.empty() || !m.text.empty()) {
    t = {{"name", OrNull(m.name)},
         {"subject", OrNull(m.subject)},
         {"text", OrNull(m.text)},
         {"placeholders", m.placeholders}};
  }
  return {{"step", a.step},
          {"kind", a.kind},
          {"channel", OrNull(a.channel)},
          {"description", a.description},
          {"interval", a.interval >= 0 ? json(a.interval) : json()},
          {"step_key", OrNull(a.step_key)},
          {"template", t}};
}

json ItemJson(const RebuildItem& item) {
  json intervals = json::array();
  for (const Interval& i : item.intervals) intervals.push_back(IntervalJson(i));
  json actions = json::array();
  for (const Action& a : item.actions) actions.push_back(ActionJson(a));
  const Feature& f = item.feature;
  return {{"source",
           {{"object", item.source_object},
            {"key", item.source_key},
            {"file", OrNull(item.location.file())},
            {"line",
             item.location.line() > 0 ? json(item.location.line()) : json()}}},
          {"name", item.name},
          {"category", OrNull(item.category)},
          {"active", item.active ? json(*item.active) : json()},
          {"trigger",
           {{"original", item.trigger.original},
            {"event", item.trigger.event},
            {"kind", item.trigger.kind},
            {"anchor", item.trigger.anchor}}},
          {"conditions", item.conditions},
          {"intervals", intervals},
          {"actions", actions},
          {"channels", item.channels},
          {"owner", KeyJson(item.owner)},
          {"scope", KeyJson(item.scope)},
          {"rebuild",
           {{"crm", f.crm},
            {"feature", f.feature},
            {"setup", f.setup},
            {"rule", f.rule},
            {"basis", f.basis},
            {"judgement", f.judgement},
            {"steps", item.rebuild_steps}}},
          {"warnings", item.warnings}};
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Escapes Markdown's inline syntax in text.
std::string Md(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<>|#").find(c) != std::string_view::npos)
      out.push_back('\\');
    if (c == '\n' || c == '\r') {
      out.push_back(' ');
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// A code span that survives backticks in the text.
std::string Code(std::string_view s) {
  std::string t = absl::StrReplaceAll(ToAbsl(s), {{"\n", " "}, {"\r", " "}});
  if (t.find('`') == std::string::npos) return absl::StrCat("`", t, "`");
  return absl::StrCat("`` ", t, " ``");
}

// Text inside a ~~~ fence, which it must not close.
std::string Fenced(std::string_view s) {
  return absl::StrReplaceAll(ToAbsl(s), {{"~~~", "~ ~ ~"}});
}

std::string Status(const RebuildItem& item) {
  if (!item.active) return "unknown";
  return *item.active ? "active" : "inactive";
}

}  // namespace

std::vector<std::pair<std::string, int>> FeatureCounts(const RebuildExport& e) {
  std::map<std::string, int> counts;
  for (const RebuildItem& item : e.items) ++counts[item.feature.feature];
  std::vector<std::pair<std::string, int>> out;
  auto add = [&](const std::string& f) {
    auto it = counts.find(f);
    if (it == counts.end()) return;
    out.emplace_back(f, it->second);
    counts.erase(it);
  };
  // The CRM's own features first, in rule order; work outside it last.
  for (const FeatureRule& r : FeatureRules()) {
    if (r.crm == e.crm && !r.outside_only) add(r.feature);
  }
  for (const FeatureRule& r : FeatureRules()) {
    if (r.crm == e.crm) add(r.feature);
  }
  for (const auto& [f, n] : std::map<std::string, int>(counts))
    out.emplace_back(f, n);
  return out;
}

json ToJson(const RebuildExport& e, absl::Time generated_at) {
  json items = json::array();
  int active = 0, inactive = 0, judgement = 0;
  for (const RebuildItem& item : e.items) {
    items.push_back(ItemJson(item));
    if (item.active) (*item.active ? active : inactive) += 1;
    if (item.feature.judgement) ++judgement;
  }
  json by_feature = json::object();
  for (const auto& [f, n] : FeatureCounts(e)) by_feature[f] = n;
  json rejected = json::array();
  for (const v1::Rejection& r : e.rejections) {
    rejected.push_back(
        {{"object", r.object_type()},
         {"key", OrNull(r.source_key())},
         {"file", OrNull(r.location().file())},
         {"line", r.location().line() > 0 ? json(r.location().line()) : json()},
         {"field", OrNull(r.field())},
         {"reason", r.reason()}});
  }
  json j = {{"schema", kSchemaName},
            {"version", kSchemaVersion},
            {"generated_at", TimeText(generated_at)},
            {"source", {{"system", e.system}, {"objects", e.objects}}},
            {"destination", {{"crm", e.crm}}},
            {"counts",
             {{"automations", e.items.size()},
              {"active", active},
              {"inactive", inactive},
              {"status_unknown",
               static_cast<int>(e.items.size()) - active - inactive},
              {"by_feature", by_feature},
              {"judgement_calls", judgement},
              {"rejected_rows", e.rejections.size()}}},
            {"automations", items},
            {"rejected", rejected},
            {"notes", e.notes}};
  return report::SanitizeUtf8(j);
}

std::string ToMarkdown(const RebuildExport& e, absl::Time generated_at) {
  const std::string crm = CrmName(e.crm);
  std::string md = absl::StrCat("# Workflow rebuild reference: ", Md(e.system),
                                " to ", crm, "\n\n");
  int active = 0;
  for (const RebuildItem& item : e.items)
    if (item.active.value_or(false)) ++active;
  absl::StrAppend(
      &md, "Written by `bridgework workflows` on ", TimeText(generated_at),
      ". Automations do not migrate: this is the list to rebuild by hand in ",
      crm, ", one section per automation. ", e.items.size(), " automations (",
      active, " active) from ",
      e.objects.empty()
          ? std::string("no object")
          : absl::StrCat("`", absl::StrJoin(e.objects, "`, `"), "`"),
      "; ", e.rejections.size(),
      " rows could not be read (listed at the end). The same content is in "
      "workflows.json.\n\n");

  const auto counts = FeatureCounts(e);
  md += "## Summary\n\n| CRM feature | automations | active |\n|---|---|---|\n";
  for (const auto& [feature, n] : counts) {
    int on = 0;
    for (const RebuildItem& item : e.items) {
      if (item.feature.feature == feature && item.active.value_or(false)) ++on;
    }
    absl::StrAppend(&md, "| ", Md(FeatureTitle(e.crm, feature)), " | ", n,
                    " | ", on, " |\n");
  }
  if (counts.empty()) md += "| (none) | 0 | 0 |\n";
  md += "\n";

  for (const auto& [feature, n] : counts) {
    absl::StrAppend(&md, "## ", Md(FeatureTitle(e.crm, feature)), " (", n,
                    ")\n\n");
    for (const RebuildItem& item : e.items) {
      if (item.feature.feature != feature) continue;
      absl::StrAppend(&md, "### ", Md(item.name), "\n\n");
      absl::StrAppend(&md, "- Source: ", Code(item.source_object), " ",
                      Code(item.source_key));
      if (!item.location.file().empty()) {
        absl::StrAppend(&md, " (", Md(item.location.file()),
                        item.location.line() > 0
                            ? absl::StrCat(" line ", item.location.line())
                            : "",
                        ")");
      }
      md += "\n";
      if (!item.category.empty())
        absl::StrAppend(&md, "- Category: ", Md(item.category), "\n");
      absl::StrAppend(&md, "- Status: ", Status(item), "\n");
      absl::StrAppend(&md, "- Trigger: ", Code(item.trigger.original), " (",
                      Md(item.trigger.event), ", ", Md(item.trigger.kind),
                      ")\n");
      absl::StrAppend(&md, "- Conditions: ",
                      item.conditions.empty()
                          ? "none"
                          : Md(absl::StrJoin(item.conditions, "; ")),
                      "\n");
      std::vector<std::string> timing;
      for (const Interval& i : item.intervals) {
        timing.push_back(
            i.kind == IntervalKind::kUnparsed
                ? absl::StrCat(Code(i.original), " (not parsed)")
                : absl::StrCat(Md(i.Describe()), " (", Code(i.original), ")"));
      }
      absl::StrAppend(&md, "- Timing: ",
                      timing.empty() ? "none" : absl::StrJoin(timing, "; "),
                      "\n");
      std::vector<std::string> channels;
      for (const std::string& c : item.channels)
        channels.push_back(ChannelName(c));
      absl::StrAppend(
          &md, "- Channels: ",
          channels.empty() ? "none" : Md(absl::StrJoin(channels, ", ")), "\n");
      if (item.owner) {
        absl::StrAppend(&md, "- Owner: ", Md(item.owner->object), " ",
                        Code(item.owner->key), "\n");
      }
      if (item.scope) {
        absl::StrAppend(&md, "- Limited to: ", Md(item.scope->object), " ",
                        Code(item.scope->key), "\n");
      }
      absl::StrAppend(
          &md, "- Rebuild with: ", crm, " ", Md(item.feature.feature),
          " (rule ", Code(item.feature.rule),
          item.feature.judgement ? "; Bridgework's judgement" : "", ")\n\n");
      md += "Actions:\n\n";
      for (const Action& a : item.actions) {
        absl::StrAppend(&md, a.step, ". ");
        if (a.interval >= 0 &&
            a.interval < static_cast<int>(item.intervals.size())) {
          absl::StrAppend(&md, Md(item.intervals[a.interval].Describe()), ": ");
        }
        absl::StrAppend(&md, Md(a.description));
        if (!a.message.name.empty())
          absl::StrAppend(&md, " (template ", Code(a.message.name), ")");
        md += "\n";
        if (!a.message.subject.empty() || !a.message.text.empty()) {
          md += "\n   ~~~text\n";
          if (!a.message.subject.empty())
            absl::StrAppend(&md, "   Subject: ", Fenced(a.message.subject),
                            "\n");
          for (absl::string_view line :
               absl::StrSplit(Fenced(a.message.text), '\n')) {
            absl::StrAppend(&md, "   ", line, "\n");
          }
          md += "   ~~~\n\n";
        }
      }
      if (item.actions.empty()) md += "(none in the source)\n";
      md += "\nRebuild checklist:\n\n";
      for (const std::string& s : item.rebuild_steps)
        absl::StrAppend(&md, "- [ ] ", Md(s), "\n");
      md += "\n";
    }
  }

  if (!e.rejections.empty()) {
    md +=
        "## Rows that could not be read\n\nFix them in the source export "
        "and run `bridgework workflows` again, or rebuild them from the "
        "source's screens.\n\n| object | key | where | reason |\n"
        "|---|---|---|---|\n";
    for (const v1::Rejection& r : e.rejections) {
      absl::StrAppend(
          &md, "| ", Md(r.object_type()), " | ", Md(r.source_key()), " | ",
          Md(r.location().file()),
          r.location().line() > 0 ? absl::StrCat(":", r.location().line()) : "",
          " | ", Md(r.reason()), " |\n");
    }
    md += "\n";
  }
  if (!e.notes.empty()) {
    md += "## Notes\n\n";
    for (const std::string& n : e.notes)
      absl::StrAppend(&md, "- ", Md(n), "\n");
    md += "\n";
  }
  return report::ValidUtf8(md);
}

std::string Summary(const RebuildExport& e) {
  int active = 0;
  for (const RebuildItem& item : e.items)
    if (item.active.value_or(false)) ++active;
  std::vector<std::string> parts;
  for (const auto& [f, n] : FeatureCounts(e))
    parts.push_back(absl::StrCat(n, " ", f));
  return absl::StrCat(
      e.items.size(), " automations (", active, " active) from ", e.system,
      e.objects.empty() ? std::string()
                        : absl::StrCat(" ", absl::StrJoin(e.objects, "+")),
      " -> ", CrmName(e.crm), parts.empty() ? "" : ": ",
      absl::StrJoin(parts, ", "), "; ", e.rejections.size(), " rows not read");
}

absl::Status WriteWorkflowFiles(const std::string& dir, const RebuildExport& e,
                                absl::Time generated_at) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  const std::string json_path =
      (std::filesystem::path(dir) / kJsonFile).string();
  const std::string md_path =
      (std::filesystem::path(dir) / kMarkdownFile).string();
  absl::Status s = report::WriteFileAtomically(
      json_path, ToJson(e, generated_at).dump(2) + "\n");
  if (!s.ok()) return s;
  return report::WriteFileAtomically(md_path, ToMarkdown(e, generated_at));
}

}  // namespace bridgework::workflows
