#include "libs/report/report.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/record/value.h"
#include "libs/report/html_util.h"

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

constexpr const char* kCountKeys[] = {"extracted",   "loaded",    "created",
                                      "updated",     "unchanged", "adopted",
                                      "quarantined", "skipped"};

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
    {"quarantined", "quarantined", "#d4a72c"},
    {"skipped", "skipped", "#8c959f"},
};
constexpr char kMissingColor[] = "#cf222e";

// A stacked horizontal bar per object, scaled to the largest object.
std::string Chart(const json& objects) {
  const int label_w = 150, bar_w = 520, row_h = 26, count_w = 110;
  int64_t scale = 1;
  for (const json& o : objects) {
    int64_t accounted = JsonNum(o, "loaded") + JsonNum(o, "quarantined") +
                        JsonNum(o, "skipped");
    scale = std::max({scale, JsonNum(o, "extracted"), accounted});
  }
  const int height = std::max<int>(1, objects.size()) * row_h + 4;
  const int width = label_w + bar_w + count_w;
  std::string svg = absl::StrCat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "aria-label=\"records per object\" width=\"",
      width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-size=\"12\" font-family=\"system-ui,sans-serif\">\n");
  int row = 0;
  for (const json& o : objects) {
    const int y = row * row_h + 4;
    const std::string name = HtmlEscape(JsonStr(o, "source_object"));
    absl::StrAppend(&svg, "<text x=\"0\" y=\"", y + 14, "\" fill=\"#1f2328\">",
                    name, "</text>\n");
    double x = label_w;
    auto rect = [&](int64_t n, const char* color, const char* label) {
      if (n <= 0) return;
      double w = static_cast<double>(n) * bar_w / static_cast<double>(scale);
      w = std::max(w, 1.0);
      absl::StrAppend(&svg, "<rect x=\"", static_cast<int>(x), "\" y=\"", y,
                      "\" width=\"", std::max(1, static_cast<int>(w + 0.5)),
                      "\" height=\"", row_h - 8, "\" fill=\"", color,
                      "\"><title>", name, ": ", n, " ", label,
                      "</title></rect>\n");
      x += w;
    };
    // loaded = created + updated + unchanged + adopted; any remainder (an
    // action the report does not know) is drawn as plain "loaded".
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

std::string Where(const json& q) {
  std::string where = JsonStr(q, "file");
  if (JsonNum(q, "line") > 0) absl::StrAppend(&where, ":", JsonNum(q, "line"));
  if (where.empty()) where = JsonStr(q, "record");
  return where;
}

}  // namespace

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
      json entry = {{"source_key", ValidUtf8(r.source_key())},
                    {"file", ValidUtf8(r.location().file())},
                    {"line", r.location().line()},
                    {"record", ValidUtf8(r.location().record())},
                    {"field", ValidUtf8(r.field())},
                    {"reason", ValidUtf8(r.reason())},
                    {"stage", ValidUtf8(r.stage())}};
      (r.stage() == "map" ? skipped : quarantine).push_back(std::move(entry));
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
      id, "</title>\n<style>", ReportCss(),
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
  absl::StrAppend(&html, "<section>\n<h2>Records per object</h2>\n");
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

  // Quarantine.
  absl::StrAppend(&html, "<section>\n<h2>Quarantined records</h2>\n");
  bool any = false;
  int64_t omitted = 0;
  for (const json& o : objects) {
    omitted += JsonNum(o, "quarantine_omitted");
    for (const json& q : JsonArray(o, "quarantine")) {
      if (!any) {
        absl::StrAppend(
            &html,
            "<table>\n<tr><th class=\"t\">object</th><th class=\"t\">key</th>"
            "<th class=\"t\">where</th><th class=\"t\">field</th>"
            "<th class=\"t\">stage</th><th class=\"t\">reason</th></tr>\n");
        any = true;
      }
      absl::StrAppend(
          &html, "<tr><td class=\"t\">",
          HtmlEscape(JsonStr(o, "source_object")), "</td><td class=\"t\">",
          HtmlEscape(JsonStr(q, "source_key")), "</td><td class=\"t\">",
          HtmlEscape(Where(q)), "</td><td class=\"t\">",
          HtmlEscape(JsonStr(q, "field")), "</td><td class=\"t\">",
          HtmlEscape(JsonStr(q, "stage")), "</td><td class=\"t\">",
          HtmlEscape(JsonStr(q, "reason")), "</td></tr>\n");
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
      if (it.key() == "owners" || it.key() == "schema") continue;
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
