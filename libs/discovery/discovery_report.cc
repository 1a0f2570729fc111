#include "libs/discovery/discovery_report.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/report/html_util.h"

namespace bridgework::discovery {
namespace {

using nlohmann::json;
using report::HtmlEscape;
using report::JsonArray;
using report::JsonBool;
using report::JsonField;
using report::JsonNum;
using report::JsonStr;

json LimitJson(int64_t n) {
  if (n == kUnlimited) return "unlimited";
  if (n == kUnknown) return "not published";
  return n;
}

double Round(double x, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(x * f) / f;
}

json KeyListJson(const KeyList& k) {
  return {{"count", k.count}, {"keys", k.keys}, {"omitted", k.omitted()}};
}

json ProfileJson(const Profile& p) {
  json objects = json::array();
  int64_t records = 0, rejected = 0;
  for (const ObjectProfile& o : p.objects) {
    records += o.records;
    rejected += o.rejected;
    json fields = json::array();
    for (const FieldProfile& f : o.fields) {
      json fj = {{"name", f.name},
                 {"declared_type", f.declared_type},
                 {"required", f.required},
                 {"filled", f.filled},
                 {"fill_rate", o.records > 0
                                   ? Round(static_cast<double>(f.filled) /
                                               static_cast<double>(o.records),
                                           4)
                                   : 0.0},
                 {"distinct", f.distinct},
                 {"distinct_exact", f.distinct_exact},
                 {"inferred_type", f.inferred_type},
                 {"type_match", Round(f.type_match, 4)},
                 {"examples", f.examples}};
      if (!f.references.empty()) fj["references"] = f.references;
      if (f.found_in_data) fj["found_in_data"] = true;
      fields.push_back(std::move(fj));
    }
    json rejections = json::array();
    for (const RejectionGroup& g : o.rejections) {
      rejections.push_back({{"field", g.field},
                            {"reason", g.reason},
                            {"count", g.count},
                            {"where", g.where}});
    }
    objects.push_back({{"object", o.object},
                       {"key_field", o.key_field},
                       {"records", o.records},
                       {"rejected", o.rejected},
                       {"attachments", o.attachments},
                       {"attachment_bytes", o.attachment_bytes},
                       {"fields", std::move(fields)},
                       {"rejections", std::move(rejections)}});
  }
  return {{"objects", std::move(objects)},
          {"totals",
           {{"objects", p.objects.size()},
            {"records", records},
            {"rejected", rejected}}}};
}

json QualityJson(const Profile& p) {
  json duplicates = json::array();
  std::map<std::string, int64_t> summary;
  for (const DuplicateFlag& d : p.duplicates) {
    summary[absl::StrCat("duplicate_", d.rule)] += d.groups;
    duplicates.push_back(
        {{"object", d.object},
         {"rule", d.rule},
         {"fields", d.fields},
         {"groups", d.groups},
         {"records", d.records},
         {"checked", d.checked},
         {"unchecked", d.unchecked},
         {"listed", d.listed},
         {"groups_omitted", d.groups - static_cast<int64_t>(d.listed.size())}});
  }
  json flags = json::array();
  for (const FieldFlag& f : p.flags) {
    summary[f.kind] += f.records.count;
    json fj = KeyListJson(f.records);
    fj["object"] = f.object;
    fj["field"] = f.field;
    fj["kind"] = f.kind;
    fj["detail"] = f.detail;
    flags.push_back(std::move(fj));
  }
  return {{"duplicates", std::move(duplicates)},
          {"flags", std::move(flags)},
          {"unchecked_references", p.unchecked_references},
          {"summary", summary}};
}

json LimitsJson(const PlanLimits& l) {
  json types = json::object();
  for (const TypeLimit& t : l.field_types) types[t.type] = LimitJson(t.max);
  json j = {{"crm", l.crm},
            {"plan", l.plan},
            {"rate", l.rate_rule},
            {"requests_per_hour", Round(l.requests_per_hour, 1)},
            {"custom_fields", LimitJson(l.custom_fields)},
            {"custom_fields_scope", l.fields_per_entity ? "entity" : "account"},
            {"custom_objects", LimitJson(l.custom_objects)},
            {"pipelines", LimitJson(l.pipelines)},
            {"sources", l.sources}};
  if (!types.empty()) j["custom_field_types_per_entity"] = std::move(types);
  if (l.daily_requests > 0) j["daily_requests"] = l.daily_requests;
  if (l.daily_tokens > 0) {
    j["daily_tokens"] = l.daily_tokens;
    j["seats"] = l.seats;
  }
  return j;
}

json ReadinessJson(const Readiness& r, const DiscoveryReport& report) {
  json items = json::array();
  for (const ReadinessItem& i : r.items) {
    items.push_back({{"what", i.what},
                     {"needed", i.needed},
                     {"allowed", LimitJson(i.allowed)},
                     {"status", i.status},
                     {"note", i.note}});
  }
  std::string verdict;
  if (!r.have_map) {
    verdict = "unknown: no map, so what the migration needs is not known";
  } else if (r.over() > 0) {
    verdict = absl::StrCat("NOT ready: ", r.over(),
                           " item(s) exceed what the plan allows");
  } else if (r.to_check() > 0) {
    verdict = absl::StrCat("check: ", r.to_check(),
                           " item(s) have no published limit");
  } else {
    verdict = "ready: the map fits the plan";
  }
  return {{"crm", r.crm},
          {"plan", r.plan},
          {"map",
           {{"origin", report.map_origin},
            {"path", report.map_path},
            {"note", report.map_note}}},
          {"items", std::move(items)},
          {"over", r.over()},
          {"to_check", r.to_check()},
          {"ready", r.have_map && r.over() == 0},
          {"verdict", verdict}};
}

json EstimateJson(const Estimate& e) {
  json routes = json::array();
  for (const RouteEstimate& r : e.routes) {
    routes.push_back({{"source_object", r.source_object},
                      {"route", r.route},
                      {"target", r.target},
                      {"kind", r.kind},
                      {"records", r.records},
                      {"requests", r.requests},
                      {"tokens", r.tokens},
                      {"rule", r.rule}});
  }
  return {{"crm", e.crm},
          {"plan", e.plan},
          {"routes", std::move(routes)},
          {"setup_requests", e.setup_requests},
          {"setup_tokens", e.setup_tokens},
          {"records", e.records},
          {"requests", e.requests},
          {"tokens", e.tokens},
          {"hours", Round(e.hours, 2)},
          {"days", Round(e.days, 2)},
          {"days_spanned", e.days_spanned},
          {"binding_limit", e.binding},
          {"rules", e.rules},
          {"notes", e.notes}};
}

// ---- HTML

std::string Num(int64_t n) {
  // Thousands separators for readability.
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

// A JSON scalar as text for a table cell, escaped.
std::string Cell(const json& j, const char* key) {
  return HtmlEscape(JsonStr(j, key));
}

std::string Card(const std::string& value, const std::string& label) {
  return absl::StrCat("<div class=\"card\"><b>", value, "</b><span>",
                      HtmlEscape(label), "</span></div>\n");
}

std::string Percent(double x) { return absl::StrFormat("%.1f%%", 100.0 * x); }

std::string KeysCell(const json& keys, int64_t omitted) {
  std::vector<std::string> parts;
  for (const json& k : keys) {
    if (k.is_string()) parts.push_back(HtmlEscape(k.get<std::string>()));
  }
  std::string out = absl::StrJoin(parts, ", ");
  if (omitted > 0) absl::StrAppend(&out, " (+", Num(omitted), " more)");
  return out;
}

void InventoryHtml(const json& inventory, std::string& html) {
  absl::StrAppend(&html, "<section>\n<h2>Inventory</h2>\n");
  const json& objects = JsonArray(inventory, "objects");
  if (objects.empty()) {
    absl::StrAppend(&html,
                    "<p class=\"note\">The source lists no objects.</p>"
                    "\n</section>\n");
    return;
  }
  absl::StrAppend(
      &html,
      "<table>\n<tr><th class=\"t\">object</th><th>records</th>"
      "<th>rejected</th><th>fields</th><th>attachments</th></tr>\n");
  for (const json& o : objects) {
    absl::StrAppend(
        &html, "<tr><td class=\"t\"><a href=\"#obj-", Cell(o, "object"), "\">",
        Cell(o, "object"), "</a></td><td>", Num(JsonNum(o, "records")),
        "</td><td>", Num(JsonNum(o, "rejected")), "</td><td>",
        Num(static_cast<int64_t>(JsonArray(o, "fields").size())), "</td><td>",
        Num(JsonNum(o, "attachments")), "</td></tr>\n");
  }
  absl::StrAppend(&html, "</table>\n");
  for (const json& o : objects) {
    absl::StrAppend(
        &html, "<details id=\"obj-", Cell(o, "object"), "\">\n<summary><b>",
        Cell(o, "object"), "</b>: ", Num(JsonNum(o, "records")),
        " records, key <code>", Cell(o, "key_field"), "</code></summary>\n");
    absl::StrAppend(
        &html,
        "<table>\n<tr><th class=\"t\">field</th><th class=\"t\">declared</th>"
        "<th class=\"t\">inferred</th><th>fill rate</th><th>distinct</th>"
        "<th class=\"t\">masked examples</th></tr>\n");
    for (const json& f : JsonArray(o, "fields")) {
      std::string name = Cell(f, "name");
      if (JsonBool(f, "required")) absl::StrAppend(&name, " *");
      if (!JsonStr(f, "references").empty()) {
        absl::StrAppend(&name, " &rarr; ", Cell(f, "references"));
      }
      std::string inferred = Cell(f, "inferred_type");
      const json& match = JsonField(f, "type_match");
      if (match.is_number() && match.get<double>() < 1.0) {
        absl::StrAppend(&inferred, " (", Percent(match.get<double>()), ")");
      }
      const json& rate = JsonField(f, "fill_rate");
      std::string distinct = Num(JsonNum(f, "distinct"));
      if (!JsonBool(f, "distinct_exact")) distinct = "~" + distinct;
      std::vector<std::string> examples;
      for (const json& e : JsonArray(f, "examples")) {
        if (e.is_string()) {
          examples.push_back(absl::StrCat(
              "<code>", HtmlEscape(e.get<std::string>()), "</code>"));
        }
      }
      absl::StrAppend(&html, "<tr><td class=\"t\">", name,
                      "</td><td class=\"t\">", Cell(f, "declared_type"),
                      JsonBool(f, "found_in_data") ? " (found in data)" : "",
                      "</td><td class=\"t\">", inferred, "</td><td>",
                      rate.is_number() ? Percent(rate.get<double>()) : "",
                      "</td><td>", distinct, "</td><td class=\"t\">",
                      absl::StrJoin(examples, " "), "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
    const json& rejections = JsonArray(o, "rejections");
    if (!rejections.empty()) {
      absl::StrAppend(&html,
                      "<p>Rows the extractor could not read:</p>\n<table>\n"
                      "<tr><th class=\"t\">field</th><th class=\"t\">reason"
                      "</th><th>rows</th><th class=\"t\">where (first)</th>"
                      "</tr>\n");
      for (const json& g : rejections) {
        absl::StrAppend(&html, "<tr><td class=\"t\">", Cell(g, "field"),
                        "</td><td class=\"t\">", Cell(g, "reason"), "</td><td>",
                        Num(JsonNum(g, "count")), "</td><td class=\"t\">",
                        KeysCell(JsonArray(g, "where"), 0), "</td></tr>\n");
      }
      absl::StrAppend(&html, "</table>\n");
    }
    absl::StrAppend(&html, "</details>\n");
  }
  absl::StrAppend(&html,
                  "<p class=\"note\">* required (by the source schema or the "
                  "map); &rarr; references another object. Examples are "
                  "masked: never a full value. A distinct count marked ~ is "
                  "an estimate.</p>\n</section>\n");
}

void QualityHtml(const json& quality, std::string& html) {
  absl::StrAppend(&html, "<section>\n<h2>Data quality</h2>\n");
  const json& duplicates = JsonArray(quality, "duplicates");
  absl::StrAppend(&html, "<h3>Possible duplicate people</h3>\n");
  if (duplicates.empty()) {
    absl::StrAppend(&html,
                    "<p class=\"note\">No object has email, phone or name "
                    "and date of birth fields to compare.</p>\n");
  } else {
    absl::StrAppend(
        &html,
        "<table>\n<tr><th class=\"t\">object</th><th class=\"t\">rule</th>"
        "<th class=\"t\">fields</th><th>groups</th><th>records</th>"
        "<th>checked</th><th class=\"t\">record keys (per group)</th></tr>\n");
    for (const json& d : duplicates) {
      std::vector<std::string> groups;
      for (const json& g : JsonArray(d, "listed")) {
        groups.push_back(absl::StrCat("[", KeysCell(g, 0), "]"));
      }
      std::string listed = absl::StrJoin(groups, " ");
      if (JsonNum(d, "groups_omitted") > 0) {
        absl::StrAppend(&listed, " (+", Num(JsonNum(d, "groups_omitted")),
                        " more groups)");
      }
      std::vector<std::string> fields;
      for (const json& f : JsonArray(d, "fields")) {
        if (f.is_string()) fields.push_back(HtmlEscape(f.get<std::string>()));
      }
      const bool found = JsonNum(d, "groups") > 0;
      std::string checked = Num(JsonNum(d, "checked"));
      if (JsonNum(d, "unchecked") > 0) {
        absl::StrAppend(&checked, " (", Num(JsonNum(d, "unchecked")),
                        " not checked)");
      }
      absl::StrAppend(&html, "<tr><td class=\"t\">", Cell(d, "object"),
                      "</td><td class=\"t\">", Cell(d, "rule"),
                      "</td><td class=\"t\">", absl::StrJoin(fields, ", "),
                      "</td><td class=\"", found ? "bad" : "ok", "\">",
                      Num(JsonNum(d, "groups")), "</td><td>",
                      Num(JsonNum(d, "records")), "</td><td>", checked,
                      "</td><td class=\"t\">", listed, "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  const json& flags = JsonArray(quality, "flags");
  absl::StrAppend(&html, "<h3>Field problems</h3>\n");
  if (flags.empty()) {
    absl::StrAppend(&html, "<p class=\"note\">None found.</p>\n");
  } else {
    absl::StrAppend(
        &html,
        "<table>\n<tr><th class=\"t\">object</th><th class=\"t\">field</th>"
        "<th class=\"t\">problem</th><th class=\"t\">detail</th>"
        "<th>records</th><th class=\"t\">record keys</th></tr>\n");
    for (const json& f : flags) {
      absl::StrAppend(&html, "<tr><td class=\"t\">", Cell(f, "object"),
                      "</td><td class=\"t\">", Cell(f, "field"),
                      "</td><td class=\"t bad\">", Cell(f, "kind"),
                      "</td><td class=\"t\">", Cell(f, "detail"), "</td><td>",
                      Num(JsonNum(f, "count")), "</td><td class=\"t\">",
                      KeysCell(JsonArray(f, "keys"), JsonNum(f, "omitted")),
                      "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  if (JsonNum(quality, "unchecked_references") > 0) {
    absl::StrAppend(&html, "<p class=\"note\">",
                    Num(JsonNum(quality, "unchecked_references")),
                    " references could not be checked (their object was not "
                    "read, or too many were pending).</p>\n");
  }
  absl::StrAppend(&html, "</section>\n");
}

std::string LimitText(const json& j, const char* key) {
  const json& v = JsonField(j, key);
  if (v.is_number_integer()) return Num(v.get<int64_t>());
  return HtmlEscape(JsonStr(j, key));
}

void ReadinessHtml(const json& readiness, const json& limits,
                   std::string& html) {
  absl::StrAppend(&html, "<section>\n<h2>Readiness: ", Cell(readiness, "crm"),
                  " ", Cell(readiness, "plan"), "</h2>\n");
  const json& map = JsonField(readiness, "map");
  std::string map_line =
      JsonStr(map, "path").empty()
          ? "No map."
          : absl::StrCat("Map: <code>", Cell(map, "path"), "</code> (",
                         Cell(map, "origin"), ").");
  if (!JsonStr(map, "note").empty()) {
    absl::StrAppend(&map_line, " ", Cell(map, "note"));
  }
  const bool ready = JsonBool(readiness, "ready");
  const bool over = JsonNum(readiness, "over") > 0;
  absl::StrAppend(&html, "<p>", map_line, "</p>\n<div class=\"verdict ",
                  ready && !over ? "ok" : "bad", "\">",
                  Cell(readiness, "verdict"), "</div>\n");
  const json& items = JsonArray(readiness, "items");
  if (!items.empty()) {
    absl::StrAppend(&html,
                    "<table>\n<tr><th class=\"t\">what</th><th>needed</th>"
                    "<th>allowed</th><th class=\"t\">status</th>"
                    "<th class=\"t\">note</th></tr>\n");
    for (const json& i : items) {
      const std::string status = JsonStr(i, "status");
      absl::StrAppend(&html, "<tr><td class=\"t\">", Cell(i, "what"),
                      "</td><td>", Num(JsonNum(i, "needed")), "</td><td>",
                      LimitText(i, "allowed"), "</td><td class=\"t ",
                      status == "ok" ? "ok" : "bad", "\">", HtmlEscape(status),
                      "</td><td class=\"t\">", Cell(i, "note"), "</td></tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  absl::StrAppend(&html, "<p>Rate limits: ", Cell(limits, "rate"),
                  ".</p>\n<p class=\"note\">Sources:</p>\n<ul class=\"note\">");
  for (const json& s : JsonArray(limits, "sources")) {
    if (s.is_string())
      absl::StrAppend(&html, "<li>", HtmlEscape(s.get<std::string>()), "</li>");
  }
  absl::StrAppend(&html, "</ul>\n</section>\n");
}

void EstimateHtml(const json& e, std::string& html) {
  absl::StrAppend(&html, "<section>\n<h2>Estimate</h2>\n<div class=\"cards\">",
                  Card(Num(JsonNum(e, "requests")), "requests"));
  if (JsonStr(e, "crm") == "pipedrive") {
    absl::StrAppend(&html, Card(Num(JsonNum(e, "tokens")), "API tokens"));
  }
  const json& hours = JsonField(e, "hours");
  const json& days = JsonField(e, "days");
  absl::StrAppend(
      &html,
      Card(absl::StrFormat("%.1f", hours.is_number() ? hours.get<double>() : 0),
           "hours"),
      Card(absl::StrFormat("%.2f", days.is_number() ? days.get<double>() : 0),
           "days"),
      "</div>\n<p>Wall time is set by the ", Cell(e, "binding_limit"),
      " limit. Setup (users, schema): ", Num(JsonNum(e, "setup_requests")),
      " requests.</p>\n");
  absl::StrAppend(&html,
                  "<table>\n<tr><th class=\"t\">source object</th>"
                  "<th class=\"t\">route</th><th class=\"t\">target</th>"
                  "<th>records</th><th>requests</th>");
  const bool tokens = JsonStr(e, "crm") == "pipedrive";
  if (tokens) absl::StrAppend(&html, "<th>tokens</th>");
  absl::StrAppend(&html, "<th class=\"t\">rule</th></tr>\n");
  for (const json& r : JsonArray(e, "routes")) {
    absl::StrAppend(&html, "<tr><td class=\"t\">", Cell(r, "source_object"),
                    "</td><td class=\"t\">", Cell(r, "route"),
                    "</td><td class=\"t\">", Cell(r, "target"), "</td><td>",
                    Num(JsonNum(r, "records")), "</td><td>",
                    Num(JsonNum(r, "requests")), "</td>");
    if (tokens) {
      absl::StrAppend(&html, "<td>", Num(JsonNum(r, "tokens")), "</td>");
    }
    absl::StrAppend(&html, "<td class=\"t\">", Cell(r, "kind"), ": ",
                    Cell(r, "rule"), "</td></tr>\n");
  }
  absl::StrAppend(&html, "</table>\n<h3>Rules</h3>\n<ol>");
  for (const json& s : JsonArray(e, "rules")) {
    if (s.is_string())
      absl::StrAppend(&html, "<li>", HtmlEscape(s.get<std::string>()), "</li>");
  }
  absl::StrAppend(&html, "</ol>\n");
  for (const json& s : JsonArray(e, "notes")) {
    if (s.is_string()) {
      absl::StrAppend(&html, "<p class=\"note\">",
                      HtmlEscape(s.get<std::string>()), "</p>\n");
    }
  }
  absl::StrAppend(&html, "</section>\n");
}

}  // namespace

json DiscoveryToJson(const DiscoveryReport& r) {
  json j;
  j["discovery"] = {
      {"generated_at", r.generated_at},
      {"source", {{"system", r.source_system}, {"config", r.config_path}}},
      {"phone_region", r.phone_region},
      {"distinct_counting",
       absl::StrCat("exact up to ", r.options.distinct_exact_cap,
                    " distinct values per field, then a HyperLogLog estimate "
                    "(precision 12, standard error about 1.6%)")},
      {"duplicate_check_cap", r.options.max_tracked_records},
      {"listed_keys_per_flag", r.options.max_listed_keys},
      {"masking",
       "examples keep at most the first character of each word, an email's "
       "first characters and top-level domain, a phone's country code and "
       "last two digits, a date's year"}};
  j["inventory"] = ProfileJson(r.profile);
  j["quality"] = QualityJson(r.profile);
  if (r.limits) {
    j["destination"] = LimitsJson(*r.limits);
  } else {
    j["destination"] = nullptr;
  }
  j["readiness"] = r.readiness ? ReadinessJson(*r.readiness, r) : json();
  j["estimate"] = r.estimate ? EstimateJson(*r.estimate) : json();
  return report::SanitizeUtf8(j);
}

std::string DiscoveryToHtml(const json& j) {
  const json& meta = JsonField(j, "discovery");
  const json& inventory = JsonField(j, "inventory");
  const json& quality = JsonField(j, "quality");
  const json& totals = JsonField(inventory, "totals");
  const json& readiness = JsonField(j, "readiness");
  const json& estimate = JsonField(j, "estimate");
  const json& source = JsonField(meta, "source");

  std::string html = absl::StrCat(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "\n<title>Bridgework discovery ",
      Cell(source, "system"), "</title>\n<style>", report::ReportCss(),
      "</style>\n</head>\n<body>\n<main>\n<header>\n<h1>Bridgework "
      "discovery: ",
      Cell(source, "system"), "</h1>\n<p class=\"meta\">config <code>",
      Cell(source, "config"), "</code> &middot; generated ",
      Cell(meta, "generated_at"), " &middot; phone region ",
      Cell(meta, "phone_region"), "</p>\n</header>\n");

  int64_t flagged = 0;
  for (const json& f : JsonArray(quality, "flags"))
    flagged += JsonNum(f, "count");
  int64_t dup_groups = 0;
  for (const json& d : JsonArray(quality, "duplicates"))
    dup_groups += JsonNum(d, "groups");
  absl::StrAppend(&html, "<div class=\"cards\">\n",
                  Card(Num(JsonNum(totals, "objects")), "objects"),
                  Card(Num(JsonNum(totals, "records")), "records"),
                  Card(Num(JsonNum(totals, "rejected")), "rows rejected"),
                  Card(Num(dup_groups), "duplicate groups"),
                  Card(Num(flagged), "field problems"));
  if (estimate.is_object()) {
    const json& hours = JsonField(estimate, "hours");
    absl::StrAppend(
        &html, Card(absl::StrFormat(
                        "%.1f h", hours.is_number() ? hours.get<double>() : 0),
                    absl::StrCat("estimate, ", JsonStr(estimate, "crm"))));
  }
  absl::StrAppend(&html, "</div>\n");

  InventoryHtml(inventory, html);
  QualityHtml(quality, html);
  if (readiness.is_object()) {
    ReadinessHtml(readiness, JsonField(j, "destination"), html);
  } else {
    absl::StrAppend(&html,
                    "<section>\n<h2>Readiness</h2>\n<p class=\"note\">No CRM "
                    "given (--dest or the config's destination): readiness "
                    "and the estimate need one.</p>\n</section>\n");
  }
  if (estimate.is_object()) EstimateHtml(estimate, html);
  absl::StrAppend(&html, "<p class=\"note\">", Cell(meta, "distinct_counting"),
                  ". Masking: ", Cell(meta, "masking"),
                  ".</p>\n</main>\n</body>\n</html>\n");
  return html;
}

absl::Status WriteDiscoveryReport(const std::string& dir, const json& j) {
  return report::WriteJsonAndHtml(dir, "discovery", j, DiscoveryToHtml(j));
}

}  // namespace bridgework::discovery
