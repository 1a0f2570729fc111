#include "libs/report/report.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "libs/record/value.h"

namespace bridgework::report {
namespace {

using nlohmann::json;

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
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

std::string TimeText(const v1::Timestamp& t) {
  return t.unix_seconds() == 0 ? "" : record::TimestampToString(t);
}

std::string StateName(v1::RunState s) {
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
      return "unknown";
  }
}

std::string Str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}
int64_t Num(const json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<int64_t>() : 0;
}

}  // namespace

json ReportToJson(const v1::RunReport& report, const json& extra) {
  json out;
  out["schema"] = "bridgework.report/v1";
  const v1::RunInfo& run = report.run();
  out["run"] = {
      {"id", run.run_id()},
      {"kind", run.kind() == v1::RUN_KIND_ROLLBACK ? "rollback" : "migrate"},
      {"state", StateName(run.state())},
      {"account", run.account()},
      {"started_at", TimeText(run.started_at())},
      {"finished_at", TimeText(run.finished_at())},
      {"config_hash", run.config_hash()},
      {"map_hash", run.map_hash()}};
  json objects = json::array();
  json totals = {
      {"extracted", 0}, {"loaded", 0}, {"quarantined", 0}, {"skipped", 0}};
  bool balanced = true;
  for (const auto& o : report.objects()) {
    json quarantine = json::array();
    json skipped = json::array();
    for (const auto& r : o.rejections()) {
      json entry = {
          {"source_key", r.source_key()}, {"file", r.location().file()},
          {"line", r.location().line()},  {"field", r.field()},
          {"reason", r.reason()},         {"stage", r.stage()}};
      (r.stage() == "map" ? skipped : quarantine).push_back(entry);
    }
    objects.push_back({{"source_object", o.source_object()},
                       {"extracted", o.extracted()},
                       {"loaded", o.loaded()},
                       {"created", o.created()},
                       {"updated", o.updated()},
                       {"unchanged", o.unchanged()},
                       {"adopted", o.adopted()},
                       {"quarantined", o.quarantined()},
                       {"skipped", o.skipped()},
                       {"balanced", o.balanced()},
                       {"quarantine", quarantine},
                       {"skipped_records", skipped}});
    for (const char* k : {"extracted", "loaded", "quarantined", "skipped"}) {
      totals[k] = totals[k].get<int64_t>() + objects.back()[k].get<int64_t>();
    }
    balanced = balanced && o.balanced();
  }
  out["objects"] = objects;
  out["totals"] = totals;
  out["requests"] = report.requests();
  out["operations"] = {{"applied", report.operations_applied()},
                       {"failed", report.operations_failed()},
                       {"pending", report.operations_pending()}};
  out["balanced"] = balanced;
  out["extra"] = extra.is_null() ? json::object() : extra;
  return out;
}

std::string ReportToHtml(const json& report) {
  const json& run = report.contains("run") ? report["run"] : json::object();
  bool balanced = report.value("balanced", false);
  std::string html = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Bridgework report ",
      Escape(Str(run, "id")),
      "</title><style>"
      "body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2733}"
      "h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}"
      "th,td{border:1px solid #ccd;padding:.3rem .6rem;text-align:right}"
      "th:first-child,td:first-child{text-align:left}td.t{text-align:left}"
      ".ok{color:#1a7f37}.bad{color:#b42318}.bar{display:inline-block;height:."
      "8rem}"
      ".l{background:#2f81f7}.q{background:#d29922}.s{background:#8c959f}"
      ".chart div{margin:.2rem 0}.chart span.n{display:inline-block;width:9rem}"
      "</style></head><body>\n<h1>Bridgework run ",
      Escape(Str(run, "id")), " &mdash; ", Escape(Str(run, "kind")), " into ",
      Escape(Str(run, "account")), "</h1>\n<p>State <b>",
      Escape(Str(run, "state")), "</b>; started ",
      Escape(Str(run, "started_at")), ", finished ",
      Escape(Str(run, "finished_at")), ". Requests sent to the CRM: <b>",
      Num(report, "requests"), "</b>.</p>\n<p class=\"",
      balanced ? "ok" : "bad", "\">",
      balanced ? "Every source record is accounted for: extracted = loaded + "
                 "quarantined + "
                 "skipped for every object."
               : "Counts do NOT add up for at least one object.",
      "</p>\n");
  absl::StrAppend(&html,
                  "<h2>Records per object</h2>\n<div class=\"chart\">\n");
  int64_t max = 1;
  for (const auto& o : report.value("objects", json::array())) {
    max = std::max(max, Num(o, "extracted"));
  }
  for (const auto& o : report.value("objects", json::array())) {
    auto width = [max](int64_t n) { return absl::StrCat(n * 400 / max, "px"); };
    absl::StrAppend(
        &html, "<div><span class=\"n\">", Escape(Str(o, "source_object")),
        "</span><span class=\"bar l\" style=\"width:", width(Num(o, "loaded")),
        "\" title=\"loaded\"></span><span class=\"bar q\" style=\"width:",
        width(Num(o, "quarantined")),
        "\" title=\"quarantined\"></span><span class=\"bar s\" style=\"width:",
        width(Num(o, "skipped")), "\" title=\"skipped\"></span></div>\n");
  }
  absl::StrAppend(
      &html,
      "</div><p><span class=\"bar l\" style=\"width:1rem\"></span> loaded "
      "<span class=\"bar q\" style=\"width:1rem\"></span> quarantined "
      "<span class=\"bar s\" style=\"width:1rem\"></span> skipped</p>\n"
      "<table><tr><th>object</th><th>extracted</th><th>loaded</th><th>created</"
      "th>"
      "<th>updated</th><th>unchanged</th><th>adopted</th><th>quarantined</th>"
      "<th>skipped</th><th>adds up</th></tr>\n");
  for (const auto& o : report.value("objects", json::array())) {
    absl::StrAppend(&html, "<tr><td>", Escape(Str(o, "source_object")),
                    "</td>");
    for (const char* k : {"extracted", "loaded", "created", "updated",
                          "unchanged", "adopted", "quarantined", "skipped"}) {
      absl::StrAppend(&html, "<td>", Num(o, k), "</td>");
    }
    bool ok = o.value("balanced", false);
    absl::StrAppend(&html, "<td class=\"", ok ? "ok" : "bad", "\">",
                    ok ? "yes" : "no", "</td></tr>\n");
  }
  absl::StrAppend(&html, "</table>\n<h2>Quarantined records</h2>\n");
  bool any = false;
  for (const auto& o : report.value("objects", json::array())) {
    for (const auto& q : o.value("quarantine", json::array())) {
      if (!any) {
        absl::StrAppend(
            &html,
            "<table><tr><th>object</th><th>key</th><th>where</th><th>field</th>"
            "<th>stage</th><th>reason</th></tr>\n");
        any = true;
      }
      std::string where = Str(q, "file");
      if (Num(q, "line") > 0) absl::StrAppend(&where, ":", Num(q, "line"));
      absl::StrAppend(&html, "<tr><td>", Escape(Str(o, "source_object")),
                      "</td><td class=\"t\">", Escape(Str(q, "source_key")),
                      "</td><td class=\"t\">", Escape(where),
                      "</td><td class=\"t\">", Escape(Str(q, "field")),
                      "</td><td class=\"t\">", Escape(Str(q, "stage")),
                      "</td><td class=\"t\">", Escape(Str(q, "reason")),
                      "</td></tr>\n");
    }
  }
  absl::StrAppend(&html, any ? "</table>\n" : "<p>None.</p>\n");
  const json& extra =
      report.contains("extra") ? report["extra"] : json::object();
  if (extra.contains("owners") && extra["owners"].is_array() &&
      !extra["owners"].empty()) {
    absl::StrAppend(
        &html,
        "<h2>Owners</h2>\n<table><tr><th>provider email</th><th>CRM user</th>"
        "<th>matched</th></tr>\n");
    for (const auto& o : extra["owners"]) {
      bool matched = o.value("matched", false);
      absl::StrAppend(&html, "<tr><td>", Escape(Str(o, "email")), "</td><td>",
                      Escape(Str(o, "crm_user_id")), "</td><td class=\"",
                      matched ? "ok\">yes" : "bad\">no: fallback owner",
                      "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  absl::StrAppend(&html, "</body></html>\n");
  return html;
}

absl::Status WriteReportFiles(const std::string& dir, const json& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::ofstream js(std::filesystem::path(dir) / "report.json");
  std::ofstream html(std::filesystem::path(dir) / "report.html");
  if (!js || !html)
    return absl::InternalError(absl::StrCat("cannot write reports in ", dir));
  js << report.dump(2) << "\n";
  html << ReportToHtml(report);
  return absl::OkStatus();
}

}  // namespace bridgework::report
