#include "libs/report/report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "libs/record/value.h"
#include "libs/report/html_util.h"
#include "libs/report/timeline.h"

namespace bridgework::report {
namespace {

using nlohmann::json;

std::string TimeText(const v1::RunInfo& run, bool finished) {
  if (finished ? !run.has_finished_at() : !run.has_started_at()) return "";
  const v1::Timestamp& t = finished ? run.finished_at() : run.started_at();
  if (t.unix_seconds() == 0 && t.nanos() == 0) return "";
  v1::Timestamp whole = t;
  whole.set_nanos(0);  // seconds are enough for a report
  return record::TimestampToString(whole);
}

const char* KindName(v1::RunKind k) {
  switch (k) {
    case v1::RUN_KIND_MIGRATE:
      return "migrate";
    case v1::RUN_KIND_ROLLBACK:
      return "rollback";
    case v1::RUN_KIND_SAMPLE:
      return "sample";
    case v1::RUN_KIND_DELTA:
      return "delta";
    default:
      return "unspecified";
  }
}

const char* StateName(v1::RunState s) {
  switch (s) {
    case v1::RUN_STATE_RUNNING:
      return "running";
    case v1::RUN_STATE_SUCCEEDED:
      return "succeeded";
    case v1::RUN_STATE_FAILED:
      return "failed";
    case v1::RUN_STATE_ROLLED_BACK:
      return "rolled_back";
    default:
      return "unspecified";
  }
}

constexpr const char* kCountKeys[] = {"extracted", "loaded",      "created",
                                      "updated",   "unchanged",   "adopted",
                                      "matched",   "quarantined", "skipped"};

// ---- HTML ----

std::string EscapedNum(int64_t n) { return absl::StrCat(n); }

struct Segment {
  const char* key;
  const char* label;
  const char* color;
};
constexpr Segment kSegments[] = {
    {"created", "created", "#2f81f7"},
    {"updated", "updated", "#0969da"},
    {"unchanged", "unchanged", "#8bb9fe"},
    {"adopted", "adopted", "#8250df"},
    {"matched", "matched", "#1a7f37"},
    {"quarantined", "quarantined", "#d4a72c"},
    {"skipped", "skipped", "#8c959f"},
};
constexpr char kMissingColor[] = "#cf222e";

std::string Where(const json& q) {
  std::string where = JsonStr(q, "file");
  if (JsonNum(q, "line") > 0) absl::StrAppend(&where, ":", JsonNum(q, "line"));
  if (where.empty()) where = JsonStr(q, "record");
  return where;
}

// The head of a table of quarantine-shaped entries, and one entry's row.
constexpr char kEntryTableHead[] =
    "<table>\n<tr><th class=\"t\">object</th><th class=\"t\">key</th>"
    "<th class=\"t\">where</th><th class=\"t\">field</th>"
    "<th class=\"t\">stage</th><th class=\"t\">reason</th></tr>\n";

std::string EntryRow(const std::string& object, const json& q) {
  return absl::StrCat(
      "<tr><td class=\"t\">", HtmlEscape(object), "</td><td class=\"t\">",
      HtmlEscape(JsonStr(q, "source_key")), "</td><td class=\"t\">",
      HtmlEscape(Where(q)), "</td><td class=\"t\">",
      HtmlEscape(JsonStr(q, "field")), "</td><td class=\"t\">",
      HtmlEscape(JsonStr(q, "stage")), "</td><td class=\"t\">",
      HtmlEscape(JsonStr(q, "reason")), "</td></tr>\n");
}

// A stacked horizontal bar per object, scaled to the largest object, with
// each part's count written inside it (when it fits) and, under the bar,
// every non-zero count as text.
std::string Chart(const json& objects) {
  const int label_w = 150, bar_w = 520, row_h = 44, bar_h = 20, count_w = 110;
  int64_t scale = 1;
  for (const json& o : objects) {
    int64_t accounted = JsonNum(o, "loaded") + JsonNum(o, "quarantined") +
                        JsonNum(o, "skipped");
    scale = std::max({scale, JsonNum(o, "extracted"), accounted});
  }
  const int height = std::max<int>(1, objects.size()) * row_h + 4;
  const int width = label_w + bar_w + count_w;
  std::string svg = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart objects\" "
      "role=\"img\" aria-label=\"records per object\" width=\"",
      width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-size=\"12\" font-family=\"system-ui,sans-serif\">\n");
  int row = 0;
  for (const json& o : objects) {
    const int y = row * row_h + 4;
    const std::string name = HtmlEscape(JsonStr(o, "source_object"));
    absl::StrAppend(&svg, "<text x=\"0\" y=\"", y + 14, "\" fill=\"#1f2328\">",
                    name, "</text>\n");
    double x = label_w;
    std::vector<std::string> counts;
    auto rect = [&](int64_t n, const char* color, const char* label) {
      if (n <= 0) return;
      double w = static_cast<double>(n) * bar_w / static_cast<double>(scale);
      w = std::max(w, 1.0);
      absl::StrAppend(&svg, "<rect x=\"", static_cast<int>(x), "\" y=\"", y,
                      "\" width=\"", std::max(1, static_cast<int>(w + 0.5)),
                      "\" height=\"", bar_h, "\" fill=\"", color, "\"><title>",
                      name, ": ", n, " ", label, "</title></rect>\n");
      const std::string text = absl::StrCat(n);
      if (w >= 7.0 * text.size() + 6) {
        absl::StrAppend(
            &svg, "<text x=\"", static_cast<int>(x + w / 2), "\" y=\"", y + 14,
            "\" text-anchor=\"middle\" fill=\"#fff\">", text, "</text>\n");
      }
      counts.push_back(absl::StrCat(label, " ", n));
      x += w;
    };
    // loaded = created + updated + unchanged + adopted + matched; any
    // remainder (an action the report does not count) is drawn as plain
    // "loaded".
    int64_t known = 0;
    for (const Segment& s : kSegments) {
      rect(JsonNum(o, s.key), s.color, s.label);
      if (std::string_view(s.key) != "quarantined" &&
          std::string_view(s.key) != "skipped") {
        known += JsonNum(o, s.key);
      }
    }
    rect(JsonNum(o, "loaded") - known, "#54aeff", "loaded");
    int64_t accounted = JsonNum(o, "loaded") + JsonNum(o, "quarantined") +
                        JsonNum(o, "skipped");
    rect(JsonNum(o, "extracted") - accounted, kMissingColor, "unaccounted");
    absl::StrAppend(&svg, "<text x=\"", label_w + bar_w + 8, "\" y=\"", y + 14,
                    "\" fill=\"#59636e\">", accounted, " / ",
                    JsonNum(o, "extracted"), "</text>\n");
    absl::StrAppend(&svg, "<text x=\"", label_w, "\" y=\"", y + bar_h + 15,
                    "\" font-size=\"11\" fill=\"#59636e\">",
                    counts.empty() ? std::string("no records")
                                   : absl::StrJoin(counts, " \xC2\xB7 "),
                    "</text>\n");
    ++row;
  }
  absl::StrAppend(&svg, "</svg>\n<p class=\"legend\">");
  for (const Segment& s : kSegments) {
    absl::StrAppend(&svg, "<span><i style=\"background:", s.color, "\"></i>",
                    s.label, "</span>");
  }
  absl::StrAppend(&svg, "<span><i style=\"background:", kMissingColor,
                  "\"></i>unaccounted (extracted but no disposition)</span>"
                  "</p>\n");
  return svg;
}

// A number for an axis or a summary: whole when large, else 2 significant
// decimals at most.
std::string Num(double v) {
  if (v >= 100 || v == std::floor(v)) return absl::StrCat(std::llround(v));
  return absl::StrFormat("%.2g", v);
}

// An axis maximum at or above `v` whose quarters are round: four times
// the smallest of 1, 2, 2.5, 5 x 10^k at or above v / 4.
double AxisMax(double v) {
  if (v <= 0) return 1;
  const double quarter = v / 4;
  const double p = std::pow(10.0, std::floor(std::log10(quarter)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * p >= quarter) return 4 * m * p;
  }
  return 40 * p;
}

// Records per second (area) and rate-budget use (requests per second over
// the plan's budget, line, right axis) over the run, one step per bucket.
std::string TimelineChart(const json& timeline) {
  const json& points = JsonArray(timeline, "points");
  if (points.empty()) {
    return "<p class=\"note\">No operation reached the CRM in this run.</p>\n";
  }
  const double bucket = std::max<double>(
      1, static_cast<double>(JsonNum(timeline, "bucket_seconds")));
  const json& budget_json = JsonField(timeline, "budget_per_second");
  const double budget = budget_json.is_number() ? budget_json.get<double>() : 0;
  double peak_rate = 0, peak_use = 0;
  int64_t records = 0, requests = 0;
  for (const json& p : points) {
    peak_rate = std::max(peak_rate, JsonNum(p, "records") / bucket);
    if (budget > 0)
      peak_use =
          std::max(peak_use, JsonNum(p, "requests") / bucket / budget * 100);
    records += JsonNum(p, "records");
    requests += JsonNum(p, "requests");
  }
  const double end = JsonNum(points.back(), "t") + bucket;
  const int left = 56, right = 64, top = 14, bottom = 40, plot_w = 780,
            plot_h = 200;
  const int width = left + plot_w + right, height = top + plot_h + bottom;
  const double rate_max = AxisMax(peak_rate);
  const double use_max = AxisMax(std::max(100.0, peak_use));
  auto px = [&](double t) { return left + t / end * plot_w; };
  auto py = [&](double v, double max) {
    return top + plot_h - std::min(v, max) / max * plot_h;
  };
  std::string svg = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart timeline\" "
      "role=\"img\" aria-label=\"records per second and rate-budget use over "
      "the run\" width=\"",
      width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-size=\"11\" font-family=\"system-ui,sans-serif\">\n");
  // Grid and axes: quarters of each axis.
  for (int i = 0; i <= 4; ++i) {
    const double y = top + plot_h - plot_h * i / 4.0;
    absl::StrAppend(&svg, "<line x1=\"", left, "\" x2=\"", left + plot_w,
                    "\" y1=\"", y, "\" y2=\"", y,
                    "\" stroke=\"#d1d9e0\"/>\n<text x=\"", left - 6, "\" y=\"",
                    y + 4, "\" text-anchor=\"end\" fill=\"#2f81f7\">",
                    Num(rate_max * i / 4), "</text>\n");
    if (budget > 0) {
      absl::StrAppend(&svg, "<text x=\"", left + plot_w + 6, "\" y=\"", y + 4,
                      "\" fill=\"#bc4c00\">", Num(use_max * i / 4),
                      "%</text>\n");
    }
    const double t = end * i / 4;
    absl::StrAppend(&svg, "<text x=\"", px(t), "\" y=\"", top + plot_h + 16,
                    "\" text-anchor=\"middle\" fill=\"#59636e\">", Num(t),
                    " s</text>\n");
  }
  absl::StrAppend(&svg, "<text x=\"", left + plot_w / 2, "\" y=\"", height - 6,
                  "\" text-anchor=\"middle\" fill=\"#59636e\">seconds since "
                  "the run started</text>\n");
  // Steps: each bucket's value held across its width.
  auto steps = [&](auto value, double max) {
    std::string d;
    for (const json& p : points) {
      const double t = static_cast<double>(JsonNum(p, "t"));
      const double y = py(value(p), max);
      absl::StrAppend(&d, d.empty() ? "M" : " L", px(t), " ", y, " L",
                      px(t + bucket), " ", y);
    }
    return d;
  };
  const std::string rate_path = steps(
      [&](const json& p) { return JsonNum(p, "records") / bucket; }, rate_max);
  absl::StrAppend(&svg, "<path d=\"", rate_path, " L", px(end), " ",
                  top + plot_h, " L", px(0), " ", top + plot_h,
                  " Z\" fill=\"#2f81f7\" fill-opacity=\"0.35\" "
                  "stroke=\"#2f81f7\" stroke-width=\"1.5\"><title>records per "
                  "second</title></path>\n");
  if (budget > 0) {
    const double full = py(100, use_max);
    absl::StrAppend(
        &svg, "<line x1=\"", left, "\" x2=\"", left + plot_w, "\" y1=\"", full,
        "\" y2=\"", full,
        "\" stroke=\"#cf222e\" stroke-dasharray=\"5 4\"/>\n<text x=\"",
        left + plot_w - 4, "\" y=\"", full - 4,
        "\" text-anchor=\"end\" fill=\"#cf222e\">100% of the budget</text>\n");
    const std::string use_path = steps(
        [&](const json& p) {
          return JsonNum(p, "requests") / bucket / budget * 100;
        },
        use_max);
    absl::StrAppend(&svg, "<path d=\"", use_path,
                    "\" fill=\"none\" stroke=\"#bc4c00\" stroke-width=\"2\">"
                    "<title>rate-budget use</title></path>\n");
  }
  absl::StrAppend(&svg,
                  "</svg>\n<p class=\"legend\"><span><i "
                  "style=\"background:#2f81f7\"></i>records per second "
                  "(left axis)</span>");
  if (budget > 0) {
    absl::StrAppend(&svg,
                    "<span><i style=\"background:#bc4c00\"></i>rate-budget "
                    "use: requests per second / ",
                    Num(budget), " per second (right axis)</span>");
  }
  absl::StrAppend(&svg, "</p>\n<p class=\"meta\">", records,
                  " operations over ", Num(end), " s in buckets of ",
                  Num(bucket), " s; peak ", Num(peak_rate),
                  " records/s, average ", Num(records / end), " records/s");
  if (budget > 0) {
    absl::StrAppend(&svg, "; peak rate-budget use ", Num(peak_use), "% of ",
                    Num(budget), " requests/s (", requests, " requests",
                    JsonBool(timeline, "requests_scaled")
                        ? ", spread over the buckets by their operations"
                        : "",
                    ")");
  } else {
    absl::StrAppend(&svg, "; the plan's rate budget is unknown");
  }
  absl::StrAppend(&svg, "</p>\n");
  return svg;
}

// Per object, how many quarantined records (of those listed) share a field
// and reason, most frequent first. The file:line a reason may start with
// is dropped so that rows with one cause group together.
std::string ReasonGroups(const json& objects) {
  std::string rows;
  int64_t omitted = 0;
  for (const json& o : objects) {
    omitted += JsonNum(o, "quarantine_omitted");
    std::map<std::pair<std::string, std::string>, int64_t> groups;
    for (const json& q : JsonArray(o, "quarantine")) {
      std::string reason = JsonStr(q, "reason");
      const std::string where = Where(q);
      if (!where.empty() && absl::StartsWith(reason, where + ": "))
        reason.erase(0, where.size() + 2);
      ++groups[{JsonStr(q, "field"), reason}];
    }
    std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> sorted(
        groups.begin(), groups.end());
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [key, n] : sorted) {
      absl::StrAppend(&rows, "<tr><td class=\"t\">",
                      HtmlEscape(JsonStr(o, "source_object")),
                      "</td><td class=\"t\">", HtmlEscape(key.first),
                      "</td><td class=\"t\">", HtmlEscape(key.second),
                      "</td><td>", n, "</td></tr>\n");
    }
  }
  if (rows.empty()) return "";
  return absl::StrCat(
      "<h3>Reasons</h3>\n<table class=\"reasons\">\n<tr><th class=\"t\">"
      "object</th><th class=\"t\">field</th><th class=\"t\">reason</th>"
      "<th>records</th></tr>\n",
      rows, "</table>\n",
      omitted > 0
          ? absl::StrCat("<p class=\"note\">Counted among the records listed "
                         "below; ",
                         omitted,
                         " more quarantined records are not listed and not "
                         "counted here.</p>\n")
          : "",
      "<h3>Records</h3>\n");
}

// A diff value as text: strings as they are, null as nothing, the rest as
// JSON.
std::string DiffValue(const json& field, const char* key) {
  const json& v = JsonField(field, key);
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// report.json's "diff" (a sample of records read back from the CRM): a
// table per record, mismatched fields marked "bad".
std::string DiffSection(const json& diff) {
  std::string html = absl::StrCat(
      "<section class=\"diff\">\n<h2>Sample: source vs CRM</h2>\n"
      "<p class=\"meta\">",
      JsonNum(diff, "fields_compared"), " fields compared, ",
      JsonNum(diff, "mismatches"), " mismatches in ",
      JsonArray(diff, "records").size(), " records</p>\n");
  for (const json& r : JsonArray(diff, "records")) {
    absl::StrAppend(
        &html, "<h3>", HtmlEscape(JsonStr(r, "source_object")), " <code>",
        HtmlEscape(JsonStr(r, "source_key")), "</code> &rarr; ",
        HtmlEscape(JsonStr(r, "target_object")), " <code>",
        HtmlEscape(JsonStr(r, "crm_id")),
        "</code></h3>\n<table>\n<tr>"
        "<th class=\"t\">section</th><th class=\"t\">field</th>"
        "<th class=\"t\">source</th><th class=\"t\">expected</th>"
        "<th class=\"t\">actual</th><th class=\"t\">match</th></tr>\n");
    for (const json& f : JsonArray(r, "fields")) {
      const bool match = JsonBool(f, "match");
      // A record that existed before the migration kept its own value
      // (run.existing): shown, not a mismatch.
      const bool kept = JsonBool(f, "kept");
      absl::StrAppend(
          &html, "<tr", match || kept ? "" : " class=\"bad\"",
          "><td class=\"t\">", HtmlEscape(JsonStr(f, "section")),
          "</td><td class=\"t\">", HtmlEscape(JsonStr(f, "field")),
          "</td><td class=\"t\">", HtmlEscape(DiffValue(f, "source")),
          "</td><td class=\"t\">", HtmlEscape(DiffValue(f, "expected")),
          "</td><td class=\"t\">", HtmlEscape(DiffValue(f, "actual")),
          "</td><td class=\"t ",
          match  ? "ok\">yes"
          : kept ? "\">kept (existing record)"
                 : "bad\">no",
          "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  absl::StrAppend(&html, "</section>\n");
  return html;
}

// report.json's "dry_run": per target object what the records would
// become and the requests the writes would take.
std::string DryRunSection(const json& dry) {
  std::string html = absl::StrCat(
      "<section class=\"dry-run\">\n<h2>Dry run: nothing was sent or "
      "recorded</h2>\n<p>",
      JsonNum(dry, "requests_planned"), " write requests would be sent; ",
      JsonNum(dry, "requests_read"),
      " read-only requests were.</p>\n<table>\n<tr><th "
      "class=\"t\">target object</th><th>creates</th><th>updates</th>"
      "<th>unchanged</th><th>quarantined</th><th>requests</th></tr>\n");
  for (const json& t : JsonArray(dry, "targets")) {
    absl::StrAppend(&html, "<tr><td class=\"t\">",
                    HtmlEscape(JsonStr(t, "target_object")), "</td>");
    for (const char* k :
         {"creates", "updates", "unchanged", "quarantined", "requests"}) {
      absl::StrAppend(&html, "<td>", JsonNum(t, k), "</td>");
    }
    absl::StrAppend(&html, "</tr>\n");
  }
  absl::StrAppend(&html, "</table>\n</section>\n");
  return html;
}

// Styles of the run report's own parts, after the shared stylesheet.
constexpr char kReportCss[] = R"css(
svg.chart{display:block;max-width:100%;height:auto;margin:4px 0}
tr.bad td{background:#ffebe9}
h3{font-size:14px;margin:16px 0 6px}
)css";

}  // namespace

std::string RejectionMessage(const v1::Rejection& r) {
  std::string where = r.location().file();
  if (r.location().line() > 0)
    absl::StrAppend(&where, ":", r.location().line());
  if (where.empty()) where = r.location().record();
  // Extract reasons already start with "<file>:<line>: <field>: ".
  absl::string_view rest = r.reason();
  if (!where.empty()) absl::ConsumePrefix(&rest, absl::StrCat(where, ": "));
  if (!r.field().empty()) {
    absl::ConsumePrefix(&rest, absl::StrCat(r.field(), ": "));
  }
  std::vector<std::string> parts;
  if (!where.empty()) parts.push_back(where);
  if (!r.source_key().empty()) {
    parts.push_back(r.object_type().empty()
                        ? r.source_key()
                        : absl::StrCat(r.object_type(), " ", r.source_key()));
  }
  if (!r.field().empty()) parts.push_back(r.field());
  parts.emplace_back(rest);
  return absl::StrJoin(parts, ": ");
}

json RejectionToJson(const v1::Rejection& r) {
  return {{"source_key", ValidUtf8(r.source_key())},
          {"file", ValidUtf8(r.location().file())},
          {"line", r.location().line()},
          {"record", ValidUtf8(r.location().record())},
          {"field", ValidUtf8(r.field())},
          {"reason", ValidUtf8(r.reason())},
          {"stage", ValidUtf8(r.stage())},
          {"message", ValidUtf8(RejectionMessage(r))}};
}

json ReportToJson(const v1::RunReport& report, const json& extra) {
  const v1::RunInfo& run = report.run();
  json out = json::object();
  out["schema"] = kReportSchema;
  out["run"] = {{"id", ValidUtf8(run.run_id())},
                {"kind", KindName(run.kind())},
                {"state", StateName(run.state())},
                {"account", ValidUtf8(run.account())},
                {"started_at", TimeText(run, false)},
                {"finished_at", TimeText(run, true)},
                {"config_hash", ValidUtf8(run.config_hash())},
                {"map_hash", ValidUtf8(run.map_hash())},
                {"target_run_id", ValidUtf8(run.target_run_id())},
                {"message", ValidUtf8(run.message())}};
  json objects = json::array();
  json totals = json::object();
  for (const char* k : kCountKeys) totals[k] = 0;
  bool balanced = true;
  for (const v1::ObjectReport& o : report.objects()) {
    // The ledger lists quarantined records, then skipped ones (stage "map").
    json quarantine = json::array();
    json skipped = json::array();
    for (const v1::Rejection& r : o.rejections()) {
      (r.stage() == "map" ? skipped : quarantine).push_back(RejectionToJson(r));
    }
    const int64_t quarantine_omitted = std::max<int64_t>(
        0, o.quarantined() - static_cast<int64_t>(quarantine.size()));
    const int64_t skipped_omitted = std::max<int64_t>(
        0, o.skipped() - static_cast<int64_t>(skipped.size()));
    json obj = {{"source_object", ValidUtf8(o.source_object())},
                {"extracted", o.extracted()},
                {"loaded", o.loaded()},
                {"created", o.created()},
                {"updated", o.updated()},
                {"unchanged", o.unchanged()},
                {"adopted", o.adopted()},
                {"matched", o.matched()},
                {"quarantined", o.quarantined()},
                {"skipped", o.skipped()},
                {"balanced", o.balanced()},
                {"quarantine", std::move(quarantine)},
                {"quarantine_omitted", quarantine_omitted},
                {"skipped_records", std::move(skipped)},
                {"skipped_omitted", skipped_omitted}};
    for (const char* k : kCountKeys) {
      totals[k] = totals[k].get<int64_t>() + obj[k].get<int64_t>();
    }
    balanced = balanced && o.balanced();
    objects.push_back(std::move(obj));
  }
  out["objects"] = std::move(objects);
  out["totals"] = std::move(totals);
  out["requests"] = report.requests();
  out["operations"] = {{"applied", report.operations_applied()},
                       {"failed", report.operations_failed()},
                       {"pending", report.operations_pending()}};
  out["balanced"] = balanced;
  out["extra"] = extra.is_object() ? SanitizeUtf8(extra) : json::object();
  // Filled by the controller from RunReport.timeline (timeline.h).
  out["timeline"] = EmptyTimeline();
  return out;
}

std::string ReportToHtml(const json& report_json) {
  const json& run = JsonField(report_json, "run");
  const json& objects = JsonArray(report_json, "objects");
  const json& totals = JsonField(report_json, "totals");
  const json& extra = JsonField(report_json, "extra");
  const json& destination = JsonField(extra, "destination");
  const bool balanced = JsonBool(report_json, "balanced");
  const std::string id = HtmlEscape(JsonStr(run, "id"));

  std::string html = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "\n<title>Bridgework report ",
      id, "</title>\n<style>", ReportCss(), kReportCss,
      "</style>\n</head>\n<body>\n<main>\n");

  // Header: run and verdict.
  absl::StrAppend(&html, "<header>\n<h1>Bridgework ",
                  HtmlEscape(JsonStr(run, "kind")), " run ", id, "</h1>\n");
  std::string into = HtmlEscape(JsonStr(run, "account"));
  if (!JsonStr(destination, "crm").empty()) {
    into = absl::StrCat(HtmlEscape(JsonStr(destination, "crm")), " account ",
                        HtmlEscape(JsonStr(destination, "account").empty()
                                       ? JsonStr(run, "account")
                                       : JsonStr(destination, "account")));
    if (!JsonStr(destination, "plan").empty())
      absl::StrAppend(&into, " (plan ",
                      HtmlEscape(JsonStr(destination, "plan")), ")");
  }
  absl::StrAppend(&html, "<p class=\"meta\">Into <b>", into,
                  "</b> &middot; state <b>", HtmlEscape(JsonStr(run, "state")),
                  "</b> &middot; started ",
                  HtmlEscape(JsonStr(run, "started_at")),
                  JsonStr(run, "finished_at").empty()
                      ? std::string()
                      : absl::StrCat(" &middot; finished ",
                                     HtmlEscape(JsonStr(run, "finished_at"))),
                  "</p>\n");
  if (!JsonStr(run, "target_run_id").empty()) {
    absl::StrAppend(&html, "<p class=\"meta\">Rolls back run <b>",
                    HtmlEscape(JsonStr(run, "target_run_id")), "</b></p>\n");
  }
  if (!JsonStr(run, "message").empty()) {
    absl::StrAppend(&html, "<p class=\"meta\">Message: ",
                    HtmlEscape(JsonStr(run, "message")), "</p>\n");
  }
  absl::StrAppend(&html, "<p class=\"meta\">Config <code>",
                  HtmlEscape(JsonStr(run, "config_hash").substr(0, 16)),
                  "</code> &middot; map <code>",
                  HtmlEscape(JsonStr(run, "map_hash").substr(0, 16)),
                  "</code></p>\n");
  absl::StrAppend(
      &html, "<div class=\"verdict ", balanced ? "ok" : "bad", "\">",
      balanced ? "Balanced: every source record is accounted for "
                 "(extracted = loaded + quarantined + skipped)"
               : "NOT balanced: some extracted records have no disposition",
      "</div>\n</header>\n");

  // Totals.
  absl::StrAppend(&html, "<div class=\"cards\">\n");
  for (const char* k : {"extracted", "loaded", "quarantined", "skipped"}) {
    absl::StrAppend(&html, "<div class=\"card\"><b>",
                    EscapedNum(JsonNum(totals, k)), "</b><span>", k,
                    "</span></div>\n");
  }
  const json& ops = JsonField(report_json, "operations");
  absl::StrAppend(&html, "<div class=\"card\"><b>",
                  EscapedNum(JsonNum(report_json, "requests")),
                  "</b><span>CRM requests</span></div>\n"
                  "<div class=\"card\"><b>",
                  EscapedNum(JsonNum(ops, "applied")), " / ",
                  EscapedNum(JsonNum(ops, "failed")), " / ",
                  EscapedNum(JsonNum(ops, "pending")),
                  "</b><span>operations applied / failed / pending</span>"
                  "</div>\n</div>\n");

  // Per object: chart and table.
  absl::StrAppend(&html,
                  "<section class=\"objects\">\n<h2>Records per object</h2>\n");
  if (objects.empty()) {
    absl::StrAppend(&html, "<p class=\"note\">No source objects.</p>\n");
  } else {
    absl::StrAppend(&html, Chart(objects));
    absl::StrAppend(&html, "<table>\n<tr><th class=\"t\">object</th>");
    for (const char* k : kCountKeys) absl::StrAppend(&html, "<th>", k, "</th>");
    absl::StrAppend(&html, "<th>balanced</th></tr>\n");
    for (const json& o : objects) {
      absl::StrAppend(&html, "<tr><td class=\"t\">",
                      HtmlEscape(JsonStr(o, "source_object")), "</td>");
      for (const char* k : kCountKeys) {
        absl::StrAppend(&html, "<td>", EscapedNum(JsonNum(o, k)), "</td>");
      }
      bool ok = JsonBool(o, "balanced");
      absl::StrAppend(&html, "<td class=\"", ok ? "ok\">yes" : "bad\">no",
                      "</td></tr>\n");
    }
    absl::StrAppend(&html, "<tr><th class=\"t\">total</th>");
    for (const char* k : kCountKeys) {
      absl::StrAppend(&html, "<th>", EscapedNum(JsonNum(totals, k)), "</th>");
    }
    absl::StrAppend(&html, "<th>", balanced ? "yes" : "no",
                    "</th></tr>\n</table>\n");
  }
  absl::StrAppend(&html, "</section>\n");

  // Throughput over the run.
  absl::StrAppend(&html, "<section class=\"timeline\">\n<h2>Timeline</h2>\n",
                  TimelineChart(JsonField(report_json, "timeline")),
                  "</section>\n");

  // A sample read back from the CRM, when `bridgework sample` added one.
  const json& diff = JsonField(report_json, "diff");
  if (diff.is_object()) absl::StrAppend(&html, DiffSection(diff));
  const json& dry = JsonField(report_json, "dry_run");
  if (dry.is_object()) absl::StrAppend(&html, DryRunSection(dry));

  // Quarantine.
  absl::StrAppend(&html,
                  "<section class=\"quarantine\">\n<h2>Quarantined "
                  "records</h2>\n",
                  ReasonGroups(objects));
  bool any = false;
  int64_t omitted = 0;
  for (const json& o : objects) {
    omitted += JsonNum(o, "quarantine_omitted");
    for (const json& q : JsonArray(o, "quarantine")) {
      if (!any) absl::StrAppend(&html, kEntryTableHead);
      any = true;
      absl::StrAppend(&html, EntryRow(JsonStr(o, "source_object"), q));
    }
  }
  if (any) absl::StrAppend(&html, "</table>\n");
  if (!any && omitted == 0) {
    absl::StrAppend(&html, "<p class=\"note\">None.</p>\n");
  }
  if (omitted > 0) {
    absl::StrAppend(&html, "<p class=\"note\">", EscapedNum(omitted),
                    " more quarantined records are not listed here; the "
                    "ledger has them all (bridgework status).</p>\n");
  }
  absl::StrAppend(&html, "</section>\n");

  // Warnings: records that loaded without a field, files with no rows.
  const json& warnings = JsonArray(extra, "warnings");
  if (!warnings.empty()) {
    absl::StrAppend(&html,
                    "<section class=\"warnings\">\n<h2>Warnings</h2>\n"
                    "<p class=\"note\">Loaded without the field named, or "
                    "a file that held no rows; the first 100 per "
                    "object.</p>\n",
                    kEntryTableHead);
    for (const json& w : warnings) {
      absl::StrAppend(&html, EntryRow(JsonStr(w, "source_object"), w));
    }
    absl::StrAppend(&html, "</table>\n</section>\n");
  }

  // Skipped records: usually whole reference objects, so folded.
  std::string skipped_rows;
  int64_t skipped_listed = 0, skipped_omitted = 0;
  for (const json& o : objects) {
    skipped_omitted += JsonNum(o, "skipped_omitted");
    for (const json& q : JsonArray(o, "skipped_records")) {
      ++skipped_listed;
      absl::StrAppend(
          &skipped_rows, "<tr><td class=\"t\">",
          HtmlEscape(JsonStr(o, "source_object")), "</td><td class=\"t\">",
          HtmlEscape(JsonStr(q, "source_key")), "</td><td class=\"t\">",
          HtmlEscape(Where(q)), "</td><td class=\"t\">",
          HtmlEscape(JsonStr(q, "reason")), "</td></tr>\n");
    }
  }
  if (skipped_listed > 0 || skipped_omitted > 0) {
    absl::StrAppend(&html, "<section>\n<h2>Skipped records</h2>\n<details>",
                    "<summary>", EscapedNum(JsonNum(totals, "skipped")),
                    " records skipped by map rules (not errors)</summary>\n");
    if (skipped_listed > 0) {
      absl::StrAppend(&html,
                      "<table>\n<tr><th class=\"t\">object</th>"
                      "<th class=\"t\">key</th><th class=\"t\">where</th>"
                      "<th class=\"t\">reason</th></tr>\n",
                      skipped_rows, "</table>\n");
    }
    if (skipped_omitted > 0) {
      absl::StrAppend(&html, "<p class=\"note\">", EscapedNum(skipped_omitted),
                      " more skipped records are not listed.</p>\n");
    }
    absl::StrAppend(&html, "</details>\n</section>\n");
  }

  // Owners.
  const json& owners = JsonArray(extra, "owners");
  if (!owners.empty()) {
    absl::StrAppend(
        &html,
        "<section>\n<h2>Record owners</h2>\n<table>\n<tr>"
        "<th class=\"t\">provider email</th><th class=\"t\">CRM user</th>"
        "<th class=\"t\">matched</th></tr>\n");
    for (const json& o : owners) {
      bool matched = JsonBool(o, "matched");
      absl::StrAppend(
          &html, "<tr><td class=\"t\">", HtmlEscape(JsonStr(o, "email")),
          "</td><td class=\"t\">", HtmlEscape(JsonStr(o, "crm_user_id")),
          "</td><td class=\"t ",
          matched ? "ok\">yes" : "bad\">no: fallback owner", "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n</section>\n");
  }

  // What schema preparation found and created before any record moved.
  const json& schema = JsonField(extra, "schema");
  if (schema.is_object()) {
    std::string rows;
    for (const char* k : {"created", "present", "limits"}) {
      for (const json& item : JsonArray(schema, k)) {
        if (!item.is_string()) continue;
        absl::StrAppend(&rows, "<tr><td class=\"t\">", k,
                        "</td><td class=\"t\">",
                        HtmlEscape(item.get<std::string>()), "</td></tr>\n");
      }
    }
    if (!rows.empty()) {
      absl::StrAppend(&html,
                      "<section>\n<h2>Destination schema</h2>\n<table>\n"
                      "<tr><th class=\"t\">status</th><th class=\"t\">"
                      "custom field, object or pipeline</th></tr>\n",
                      rows, "</table>\n</section>\n");
    }
  }

  // Anything else the caller attached.
  if (extra.is_object()) {
    std::string rest;
    for (auto it = extra.begin(); it != extra.end(); ++it) {
      // Shown above: owners, schema and warnings in their sections, the
      // destination in the header.
      if (it.key() == "owners" || it.key() == "schema" ||
          it.key() == "warnings" || it.key() == "destination") {
        continue;
      }
      absl::StrAppend(&rest, "<h3>", HtmlEscape(it.key()), "</h3>\n<pre>",
                      HtmlEscape(it.value().dump(
                          2, ' ', false, json::error_handler_t::replace)),
                      "</pre>\n");
    }
    if (!rest.empty()) {
      absl::StrAppend(&html, "<section>\n<h2>Details</h2>\n", rest,
                      "</section>\n");
    }
  }

  absl::StrAppend(&html, "<p class=\"note\">Schema ",
                  HtmlEscape(JsonStr(report_json, "schema")),
                  ". Generated by Bridgework from the run's ledger.</p>\n"
                  "</main>\n</body>\n</html>\n");
  return html;
}

absl::Status WriteReportFiles(const std::string& dir, const json& report_json) {
  return WriteJsonAndHtml(dir, "report", report_json,
                          ReportToHtml(report_json));
}

}  // namespace bridgework::report
