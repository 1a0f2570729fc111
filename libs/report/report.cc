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

namespace bridgework::report {
namespace {

using nlohmann::json;

// Replaces every byte that does not start a valid UTF-8 sequence (and
// overlong forms, surrogates, code points past U+10FFFF) with U+FFFD.
std::string ValidUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 1   ? c
                  : len == 2 ? (c & 0x1F)
                  : len == 3 ? (c & 0x0F)
                             : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && ((len == 2 && cp < 0x80) ||
               (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))) {
      ok = false;
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

// Makes every string in `j` valid UTF-8.
json Sanitize(const json& j) {
  if (j.is_string()) return ValidUtf8(j.get<std::string>());
  if (j.is_array()) {
    json out = json::array();
    for (const json& e : j) out.push_back(Sanitize(e));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      out[ValidUtf8(it.key())] = Sanitize(it.value());
    }
    return out;
  }
  return j;
}

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

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

const json& Field(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// Text of a scalar: strings as is, numbers and booleans as JSON.
std::string Str(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

int64_t Num(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) return static_cast<int64_t>(v.get<uint64_t>());
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  return 0;
}

bool Bool(const json& j, const char* key) {
  const json& v = Field(j, key);
  return v.is_boolean() && v.get<bool>();
}

const json& Array(const json& j, const char* key) {
  static const json kEmpty = json::array();
  const json& v = Field(j, key);
  return v.is_array() ? v : kEmpty;
}

std::string EscapedNum(int64_t n) { return absl::StrCat(n); }

constexpr char kStyle[] = R"css(
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 color:var(--ink);margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:16px 20px;margin-bottom:16px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:24px 0 8px}
.meta{color:var(--muted);margin:2px 0}
.meta code{font-size:12px}
.verdict{display:inline-block;margin-top:10px;padding:6px 12px;
 border-radius:6px;font-weight:600;color:#fff}
.verdict.ok{background:var(--ok)}.verdict.bad{background:var(--bad)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:12px 16px;margin-bottom:16px;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:right;
 vertical-align:top}
th{background:#f6f8fa;font-weight:600}
th.t,td.t{text-align:left}
td.ok{color:var(--ok);font-weight:600}td.bad{color:var(--bad);font-weight:600}
.legend span{display:inline-block;margin-right:14px;color:var(--muted)}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;
 vertical-align:-1px;border-radius:2px}
summary{cursor:pointer;color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word;font-size:12px;margin:0}
.note{color:var(--muted)}
)css";

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
    int64_t accounted =
        Num(o, "loaded") + Num(o, "quarantined") + Num(o, "skipped");
    scale = std::max({scale, Num(o, "extracted"), accounted});
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
    const std::string name = Escape(Str(o, "source_object"));
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
      rect(Num(o, s.key), s.color, s.label);
      if (std::string_view(s.key) != "quarantined" &&
          std::string_view(s.key) != "skipped") {
        known += Num(o, s.key);
      }
    }
    rect(Num(o, "loaded") - known, "#54aeff", "loaded");
    int64_t accounted =
        Num(o, "loaded") + Num(o, "quarantined") + Num(o, "skipped");
    rect(Num(o, "extracted") - accounted, kMissingColor, "unaccounted");
    absl::StrAppend(&svg, "<text x=\"", label_w + bar_w + 8, "\" y=\"", y + 14,
                    "\" fill=\"#59636e\">", accounted, " / ",
                    Num(o, "extracted"), "</text>\n");
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
  std::string where = Str(q, "file");
  if (Num(q, "line") > 0) absl::StrAppend(&where, ":", Num(q, "line"));
  if (where.empty()) where = Str(q, "record");
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
  out["extra"] = extra.is_object() ? Sanitize(extra) : json::object();
  return out;
}

std::string ReportToHtml(const json& report_json) {
  const json& run = Field(report_json, "run");
  const json& objects = Array(report_json, "objects");
  const json& totals = Field(report_json, "totals");
  const json& extra = Field(report_json, "extra");
  const json& destination = Field(extra, "destination");
  const bool balanced = Bool(report_json, "balanced");
  const std::string id = Escape(Str(run, "id"));

  std::string html = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "\n<title>Bridgework report ",
      id, "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n<main>\n");

  // Header: run and verdict.
  absl::StrAppend(&html, "<header>\n<h1>Bridgework ", Escape(Str(run, "kind")),
                  " run ", id, "</h1>\n");
  std::string into = Escape(Str(run, "account"));
  if (!Str(destination, "crm").empty()) {
    into = absl::StrCat(Escape(Str(destination, "crm")), " account ",
                        Escape(Str(destination, "account").empty()
                                   ? Str(run, "account")
                                   : Str(destination, "account")));
    if (!Str(destination, "plan").empty())
      absl::StrAppend(&into, " (plan ", Escape(Str(destination, "plan")), ")");
  }
  absl::StrAppend(&html, "<p class=\"meta\">Into <b>", into,
                  "</b> &middot; state <b>", Escape(Str(run, "state")),
                  "</b> &middot; started ", Escape(Str(run, "started_at")),
                  Str(run, "finished_at").empty()
                      ? std::string()
                      : absl::StrCat(" &middot; finished ",
                                     Escape(Str(run, "finished_at"))),
                  "</p>\n");
  if (!Str(run, "target_run_id").empty()) {
    absl::StrAppend(&html, "<p class=\"meta\">Rolls back run <b>",
                    Escape(Str(run, "target_run_id")), "</b></p>\n");
  }
  if (!Str(run, "message").empty()) {
    absl::StrAppend(&html,
                    "<p class=\"meta\">Message: ", Escape(Str(run, "message")),
                    "</p>\n");
  }
  absl::StrAppend(&html, "<p class=\"meta\">Config <code>",
                  Escape(Str(run, "config_hash").substr(0, 16)),
                  "</code> &middot; map <code>",
                  Escape(Str(run, "map_hash").substr(0, 16)), "</code></p>\n");
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
                    EscapedNum(Num(totals, k)), "</b><span>", k,
                    "</span></div>\n");
  }
  const json& ops = Field(report_json, "operations");
  absl::StrAppend(&html, "<div class=\"card\"><b>",
                  EscapedNum(Num(report_json, "requests")),
                  "</b><span>CRM requests</span></div>\n"
                  "<div class=\"card\"><b>",
                  EscapedNum(Num(ops, "applied")), " / ",
                  EscapedNum(Num(ops, "failed")), " / ",
                  EscapedNum(Num(ops, "pending")),
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
                      Escape(Str(o, "source_object")), "</td>");
      for (const char* k : kCountKeys) {
        absl::StrAppend(&html, "<td>", EscapedNum(Num(o, k)), "</td>");
      }
      bool ok = Bool(o, "balanced");
      absl::StrAppend(&html, "<td class=\"", ok ? "ok\">yes" : "bad\">no",
                      "</td></tr>\n");
    }
    absl::StrAppend(&html, "<tr><th class=\"t\">total</th>");
    for (const char* k : kCountKeys) {
      absl::StrAppend(&html, "<th>", EscapedNum(Num(totals, k)), "</th>");
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
    omitted += Num(o, "quarantine_omitted");
    for (const json& q : Array(o, "quarantine")) {
      if (!any) {
        absl::StrAppend(
            &html,
            "<table>\n<tr><th class=\"t\">object</th><th class=\"t\">key</th>"
            "<th class=\"t\">where</th><th class=\"t\">field</th>"
            "<th class=\"t\">stage</th><th class=\"t\">reason</th></tr>\n");
        any = true;
      }
      absl::StrAppend(&html, "<tr><td class=\"t\">",
                      Escape(Str(o, "source_object")), "</td><td class=\"t\">",
                      Escape(Str(q, "source_key")), "</td><td class=\"t\">",
                      Escape(Where(q)), "</td><td class=\"t\">",
                      Escape(Str(q, "field")), "</td><td class=\"t\">",
                      Escape(Str(q, "stage")), "</td><td class=\"t\">",
                      Escape(Str(q, "reason")), "</td></tr>\n");
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
    skipped_omitted += Num(o, "skipped_omitted");
    for (const json& q : Array(o, "skipped_records")) {
      ++skipped_listed;
      absl::StrAppend(&skipped_rows, "<tr><td class=\"t\">",
                      Escape(Str(o, "source_object")), "</td><td class=\"t\">",
                      Escape(Str(q, "source_key")), "</td><td class=\"t\">",
                      Escape(Where(q)), "</td><td class=\"t\">",
                      Escape(Str(q, "reason")), "</td></tr>\n");
    }
  }
  if (skipped_listed > 0 || skipped_omitted > 0) {
    absl::StrAppend(&html, "<section>\n<h2>Skipped records</h2>\n<details>",
                    "<summary>", EscapedNum(Num(totals, "skipped")),
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
  const json& owners = Array(extra, "owners");
  if (!owners.empty()) {
    absl::StrAppend(
        &html,
        "<section>\n<h2>Record owners</h2>\n<table>\n<tr>"
        "<th class=\"t\">provider email</th><th class=\"t\">CRM user</th>"
        "<th class=\"t\">matched</th></tr>\n");
    for (const json& o : owners) {
      bool matched = Bool(o, "matched");
      absl::StrAppend(&html, "<tr><td class=\"t\">", Escape(Str(o, "email")),
                      "</td><td class=\"t\">", Escape(Str(o, "crm_user_id")),
                      "</td><td class=\"t ",
                      matched ? "ok\">yes" : "bad\">no: fallback owner",
                      "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n</section>\n");
  }

  // What schema preparation found and created before any record moved.
  const json& schema = Field(extra, "schema");
  if (schema.is_object()) {
    std::string rows;
    for (const char* k : {"created", "present", "limits"}) {
      for (const json& item : Array(schema, k)) {
        if (!item.is_string()) continue;
        absl::StrAppend(&rows, "<tr><td class=\"t\">", k,
                        "</td><td class=\"t\">",
                        Escape(item.get<std::string>()), "</td></tr>\n");
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
      absl::StrAppend(&rest, "<h3>", Escape(it.key()), "</h3>\n<pre>",
                      Escape(it.value().dump(2, ' ', false,
                                             json::error_handler_t::replace)),
                      "</pre>\n");
    }
    if (!rest.empty()) {
      absl::StrAppend(&html, "<section>\n<h2>Details</h2>\n", rest,
                      "</section>\n");
    }
  }

  absl::StrAppend(&html, "<p class=\"note\">Schema ",
                  Escape(Str(report_json, "schema")),
                  ". Generated by Bridgework from the run's ledger.</p>\n"
                  "</main>\n</body>\n</html>\n");
  return html;
}

namespace {

absl::Status WriteAtomically(const std::filesystem::path& path,
                             const std::string& content) {
  std::filesystem::path tmp = path;
  tmp += absl::StrCat(".tmp.", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return absl::UnavailableError(
          absl::StrCat("cannot write ", tmp.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteReportFiles(const std::string& dir, const json& report_json) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create report directory ", dir, ": ", ec.message()));
  }
  std::string js;
  try {
    js = report_json.dump(2, ' ', false, json::error_handler_t::replace);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("report does not serialise: ", e.what()));
  }
  js.push_back('\n');
  const std::filesystem::path base(dir);
  absl::Status s = WriteAtomically(base / "report.json", js);
  if (!s.ok()) return s;
  return WriteAtomically(base / "report.html", ReportToHtml(report_json));
}

}  // namespace bridgework::report
