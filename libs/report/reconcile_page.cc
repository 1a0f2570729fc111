#include "libs/report/reconcile_page.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/report/html_util.h"

namespace bridgework::report {
namespace {

using nlohmann::json;

// A rate as "97.5%", or "n/a" when nothing was counted.
std::string Percent(const json& rate) {
  if (!rate.is_number()) return "n/a";
  return absl::StrFormat("%.1f%%", 100.0 * rate.get<double>());
}

// A table of `rows` (arrays of objects) with the given columns; a cell is
// the value of the key of its column, numbers and booleans as JSON.
std::string Table(const json& rows,
                  const std::vector<std::pair<const char*, const char*>>& cols,
                  const char* bad_key = nullptr) {
  std::string html = "<table>\n<tr>";
  for (const auto& [key, title] : cols)
    absl::StrAppend(&html, "<th class=\"t\">", HtmlEscape(title), "</th>");
  absl::StrAppend(&html, "</tr>\n");
  for (const json& row : rows) {
    const bool bad = bad_key != nullptr && !JsonBool(row, bad_key);
    absl::StrAppend(&html, "<tr", bad ? " class=\"bad\"" : "", ">");
    for (const auto& [key, title] : cols) {
      const json& v = JsonField(row, key);
      std::string text = JsonStr(row, key);
      if (v.is_array()) {
        text.clear();
        for (const json& e : v) {
          absl::StrAppend(&text, text.empty() ? "" : ", ",
                          e.is_string() ? e.get<std::string>() : e.dump());
        }
      }
      absl::StrAppend(&html, "<td class=\"t\">", HtmlEscape(text), "</td>");
    }
    absl::StrAppend(&html, "</tr>\n");
  }
  absl::StrAppend(&html, "</table>\n");
  return html;
}

std::string RateTable(const json& rates, const char* of, const char* hit) {
  json rows = json::array();
  for (const json& r : JsonArray(rates, "by_object")) {
    json row = r;
    row["percent"] = Percent(JsonField(r, "rate"));
    rows.push_back(std::move(row));
  }
  return absl::StrCat("<p>", Percent(JsonField(rates, "rate")), " overall (",
                      JsonNum(rates, hit), " of ", JsonNum(rates, of),
                      ")</p>\n",
                      Table(rows, {{"target_object", "target object"},
                                   {of, of},
                                   {hit, hit},
                                   {"percent", "rate"}}));
}

constexpr char kPageCss[] = R"css(
tr.bad td{background:#ffebe9}
h3{font-size:14px;margin:16px 0 6px}
)css";

}  // namespace

std::string ReconcileToHtml(const json& doc) {
  const json& r = JsonField(doc, "reconcile");
  const json& dest = JsonField(doc, "destination");
  const bool pass = JsonBool(r, "pass");
  std::string html = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "\n<title>Bridgework reconciliation</title>\n<style>",
      ReportCss(), kPageCss, "</style>\n</head>\n<body>\n<main>\n<header>\n");
  absl::StrAppend(&html, "<h1>Bridgework reconciliation</h1>\n",
                  "<p class=\"meta\">", HtmlEscape(JsonStr(dest, "crm")),
                  " account <b>", HtmlEscape(JsonStr(dest, "account")),
                  "</b> &middot; ", HtmlEscape(JsonStr(doc, "generated_at")),
                  "</p>\n<div class=\"verdict ", pass ? "ok" : "bad", "\">",
                  pass ? "Pass: every mapped record is in the CRM, the source "
                         "adds up and every relationship is intact"
                       : absl::StrCat("FAIL: ", JsonNum(r, "failure_count"),
                                      " problem(s), listed below"),
                  "</div>\n</header>\n");

  absl::StrAppend(&html, "<section>\n<h2>Records per source object</h2>\n",
                  Table(JsonArray(r, "objects"),
                        {{"source_object", "object"},
                         {"source", "source"},
                         {"ledger", "ledger (mapped)"},
                         {"crm", "CRM (found)"},
                         {"merged", "merged"},
                         {"quarantined", "quarantined"},
                         {"skipped", "skipped"},
                         {"unaccounted", "not accounted for"},
                         {"not_in_source", "mapped, not in the source"},
                         {"balanced", "adds up"}},
                        "balanced"),
                  "</section>\n");
  json links = json::array();
  for (const json& l : JsonArray(r, "relationships")) {
    json row = l;
    row["ok"] = JsonNum(l, "broken") == 0;
    links.push_back(std::move(row));
  }
  absl::StrAppend(&html, "<section>\n<h2>Relationships</h2>\n",
                  Table(links,
                        {{"relationship", "relationship"},
                         {"parent", "parent"},
                         {"checked", "checked"},
                         {"intact", "intact"},
                         {"broken", "broken"}},
                        "ok"),
                  "</section>\n");
  absl::StrAppend(&html, "<section>\n<h2>Custom-field fill rate</h2>\n",
                  RateTable(JsonField(r, "fill_rate"), "written", "filled"),
                  "<h2>Owner assignment rate</h2>\n",
                  RateTable(JsonField(r, "owner_rate"), "read_back", "owned"),
                  "</section>\n");
  if (!JsonArray(r, "failures").empty()) {
    std::string items;
    for (const json& f : JsonArray(r, "failures")) {
      absl::StrAppend(&items, "<li>",
                      HtmlEscape(f.is_string() ? f.get<std::string>() : ""),
                      "</li>\n");
    }
    absl::StrAppend(&html, "<section>\n<h2>Failures</h2>\n<ul>\n", items,
                    "</ul>\n</section>\n");
  }
  absl::StrAppend(&html,
                  "<section>\n<h2>Drift: fields edited in the CRM since</h2>\n",
                  "<p class=\"meta\">", JsonNum(r, "drift_records"),
                  " record(s); not failures. Field names only.</p>\n",
                  Table(JsonArray(r, "drift"), {{"source_object", "object"},
                                                {"source_key", "key"},
                                                {"target_object", "target"},
                                                {"crm_id", "CRM id"},
                                                {"fields", "fields"}}),
                  "</section>\n");
  const std::vector<std::pair<const char*, const char*>> rejected = {
      {"source_object", "object"},
      {"source_key", "key"},
      {"file", "file"},
      {"line", "line"},
      {"field", "field"},
      {"stage", "stage"},
      {"reason", "reason"},
      {"run_id", "run"}};
  absl::StrAppend(&html, "<section>\n<h2>Quarantined</h2>\n",
                  Table(JsonArray(r, "quarantined"), rejected),
                  "<h2>Skipped</h2>\n",
                  Table(JsonArray(r, "skipped"), rejected), "</section>\n");
  absl::StrAppend(&html, "<p class=\"note\">Schema ",
                  HtmlEscape(JsonStr(doc, "schema")),
                  ". Read back from the CRM through the loader.</p>\n"
                  "</main>\n</body>\n</html>\n");
  return html;
}

absl::Status WriteReconcileFiles(const std::string& dir, const json& doc) {
  return WriteJsonAndHtml(dir, "reconcile", doc, ReconcileToHtml(doc));
}

}  // namespace bridgework::report
