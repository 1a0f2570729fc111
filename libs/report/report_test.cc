#include "libs/report/report.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace bridgework::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

v1::RunReport Sample(bool balanced) {
  v1::RunReport r;
  v1::RunInfo* run = r.mutable_run();
  run->set_run_id("r-000007");
  run->set_kind(v1::RUN_KIND_MIGRATE);
  run->set_state(v1::RUN_STATE_SUCCEEDED);
  run->set_account("acme-dental");
  run->set_config_hash("c0ffee");
  run->set_map_hash("beef");
  run->mutable_started_at()->set_unix_seconds(
      1795382400);  // 2026-11-22T21:20:00Z
  run->mutable_finished_at()->set_unix_seconds(1795382460);
  r.set_requests(42);
  r.set_operations_applied(8);
  r.set_operations_failed(1);
  v1::ObjectReport* o = r.add_objects();
  o->set_source_object("patient");
  o->set_extracted(10);
  o->set_loaded(7);
  o->set_created(5);
  o->set_updated(1);
  o->set_unchanged(1);
  o->set_quarantined(3);
  o->set_balanced(balanced);
  v1::Rejection* q = o->add_rejections();
  q->set_source_key("17");
  q->mutable_location()->set_file("patients.csv");
  q->mutable_location()->set_line(18);
  q->set_field("birth_date");
  q->set_reason("impossible date <script>alert('x')</script> & more");
  q->set_stage("extract");
  v1::Rejection* q2 = o->add_rejections();
  q2->set_source_key("\"quoted\"");
  q2->set_reason("HTTP 422: invalid email");
  q2->set_stage("load");
  v1::ObjectReport* loc = r.add_objects();
  loc->set_source_object("location");
  loc->set_extracted(2);
  loc->set_skipped(2);
  loc->set_balanced(true);
  v1::Rejection* skip = loc->add_rejections();
  skip->set_source_key("L1");
  skip->set_reason("reference object <not migrated>");
  skip->set_stage("map");
  return r;
}

TEST(ReportJson, HasTheStableSchema) {
  json extra = {{"owners", json::array({{{"email", "dr@x.test"},
                                         {"crm_user_id", "u1"},
                                         {"matched", true}}})},
                {"destination", {{"crm", "freshsales"}, {"plan", "growth"}}}};
  json j = ReportToJson(Sample(true), extra);
  EXPECT_EQ(j["schema"], "bridgework.report/v1");
  for (const char* k : {"schema", "run", "objects", "totals", "requests",
                        "operations", "balanced", "extra", "timeline"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  for (const char* k :
       {"id", "kind", "state", "account", "started_at", "finished_at",
        "config_hash", "map_hash", "target_run_id", "message"}) {
    EXPECT_TRUE(j["run"].contains(k)) << k;
  }
  EXPECT_EQ(j["run"]["id"], "r-000007");
  EXPECT_EQ(j["run"]["kind"], "migrate");
  EXPECT_EQ(j["run"]["state"], "succeeded");
  EXPECT_EQ(j["run"]["started_at"], "2026-11-22T21:20:00+00:00");
  ASSERT_EQ(j["objects"].size(), 2u);
  const json& p = j["objects"][0];
  for (const char* k :
       {"source_object", "extracted", "loaded", "created", "updated",
        "unchanged", "adopted", "matched", "quarantined", "skipped", "balanced",
        "quarantine", "quarantine_omitted", "skipped_records",
        "skipped_omitted"}) {
    EXPECT_TRUE(p.contains(k)) << k;
  }
  EXPECT_EQ(p["quarantine_omitted"], 1);
  EXPECT_EQ(p["quarantine"].size(), 2u);
  EXPECT_EQ(p["skipped_records"].size(), 0u);
  const json& l = j["objects"][1];
  ASSERT_EQ(l["skipped_records"].size(), 1u);
  EXPECT_EQ(l["skipped_records"][0]["source_key"], "L1");
  EXPECT_EQ(l["skipped_omitted"], 1);
  EXPECT_EQ(l["quarantine"].size(), 0u);
  const json& q = p["quarantine"][0];
  for (const char* k : {"source_key", "file", "line", "record", "field",
                        "reason", "stage", "message"}) {
    EXPECT_TRUE(q.contains(k)) << k;
  }
  EXPECT_EQ(q["file"], "patients.csv");
  EXPECT_EQ(q["line"], 18);
  EXPECT_EQ(j["totals"]["extracted"], 12);
  EXPECT_EQ(j["totals"]["loaded"], 7);
  EXPECT_EQ(j["totals"]["skipped"], 2);
  EXPECT_EQ(j["totals"]["quarantined"], 3);
  EXPECT_EQ(j["requests"], 42);
  EXPECT_EQ(j["operations"]["applied"], 8);
  EXPECT_EQ(j["extra"]["destination"]["crm"], "freshsales");
}

TEST(ReportJson, EveryEntryHasOneMessageNamingPlaceRecordAndField) {
  v1::Rejection r;
  r.set_object_type("patient");
  r.set_source_key("P2");
  r.mutable_location()->set_file("patients.csv");
  r.mutable_location()->set_line(3);
  r.set_field("birth_date");
  r.set_reason("patients.csv:3: birth_date: impossible date");
  r.set_stage("extract");
  EXPECT_EQ(RejectionMessage(r),
            "patients.csv:3: patient P2: birth_date: impossible date");
  r.set_reason("references location L404, which is not loaded");
  r.set_field("sales_accounts");
  r.set_stage("load");
  EXPECT_EQ(RejectionMessage(r),
            "patients.csv:3: patient P2: sales_accounts: references location "
            "L404, which is not loaded");
  // A row without a key (a duplicate, invalid UTF-8) and no field.
  r.clear_source_key();
  r.clear_field();
  r.set_reason("patients.csv:3: wrong number of columns: expected 9, got 4");
  EXPECT_EQ(RejectionMessage(r),
            "patients.csv:3: wrong number of columns: expected 9, got 4");
  // An API record has a record location instead of a file.
  v1::Rejection api;
  api.set_object_type("patient");
  api.set_source_key("H1");
  api.mutable_location()->set_record("/patients/H1");
  api.set_field("email");
  api.set_reason("not a valid email address");
  EXPECT_EQ(RejectionMessage(api),
            "/patients/H1: patient H1: email: not a valid email address");
  // A warning about a whole file.
  v1::Rejection file;
  file.mutable_location()->set_file("notes.csv");
  file.set_reason("notes.csv: empty file (no header row): no records read");
  EXPECT_EQ(RejectionMessage(file),
            "notes.csv: empty file (no header row): no records read");
  json j = RejectionToJson(api);
  EXPECT_EQ(j["message"], RejectionMessage(api));
  EXPECT_EQ(j["record"], "/patients/H1");
  json rep = ReportToJson(Sample(true), nullptr);
  EXPECT_EQ(rep["objects"][0]["quarantine"][0]["message"],
            "patients.csv:18: 17: birth_date: impossible date "
            "<script>alert('x')</script> & more");
}

TEST(ReportJson, BalancedOnlyIfEveryObjectIs) {
  EXPECT_TRUE(ReportToJson(Sample(true), nullptr)["balanced"]);
  EXPECT_FALSE(ReportToJson(Sample(false), nullptr)["balanced"]);
  EXPECT_TRUE(ReportToJson(v1::RunReport(), nullptr)["balanced"]);
  EXPECT_EQ(ReportToJson(v1::RunReport(), nullptr)["extra"], json::object());
  EXPECT_EQ(ReportToJson(v1::RunReport(), nullptr)["run"]["started_at"], "");
}

TEST(ReportJson, StringsBecomeValidUtf8) {
  v1::RunReport r = Sample(true);
  r.mutable_objects(0)->mutable_rejections(0)->set_source_key(
      "caf\xE9 \xFF ok \xC3\xA9");
  json j = ReportToJson(r, {{"note", "bad \xC0\xAF"}});
  std::string dumped;
  ASSERT_NO_THROW(dumped = j.dump());
  EXPECT_EQ(j["objects"][0]["quarantine"][0]["source_key"],
            "caf\xEF\xBF\xBD \xEF\xBF\xBD ok \xC3\xA9");
  EXPECT_EQ(j["extra"]["note"], "bad \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(ReportHtml, EscapesEverythingAndShowsTheVerdict) {
  json extra = {{"owners", json::array({{{"email", "<b>dr@x.test</b>"},
                                         {"crm_user_id", ""},
                                         {"matched", false}}})},
                {"destination",
                 {{"crm", "freshsales"}, {"account", "a&b"}, {"plan", "pro"}}}};
  std::string html = ReportToHtml(ReportToJson(Sample(true), extra));
  EXPECT_NE(html.find("r-000007"), std::string::npos);
  EXPECT_NE(html.find("patients.csv:18"), std::string::npos);
  EXPECT_NE(html.find("birth_date"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                      "more"),
            std::string::npos);
  EXPECT_NE(html.find("&quot;quoted&quot;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;dr@x.test&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("freshsales account a&amp;b (plan pro)"),
            std::string::npos);
  // The destination is in the header, not again under Details.
  EXPECT_EQ(html.find("<h3>destination</h3>"), std::string::npos);
  EXPECT_NE(html.find("no: fallback owner"), std::string::npos);
  EXPECT_NE(html.find("Balanced: every source record is accounted for"),
            std::string::npos);
  EXPECT_NE(html.find("1 more quarantined records"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Skipped records"), std::string::npos);
  EXPECT_NE(html.find("reference object &lt;not migrated&gt;"),
            std::string::npos);
  std::string bad = ReportToHtml(ReportToJson(Sample(false), nullptr));
  EXPECT_NE(bad.find("NOT balanced"), std::string::npos);
}

TEST(ReportHtml, ListsWarningsInTheirOwnSection) {
  v1::Rejection w;
  w.set_object_type("patient");
  w.set_source_key("P2");
  w.mutable_location()->set_file("patients.csv");
  w.mutable_location()->set_line(3);
  w.set_field("email");
  w.set_reason("not a valid <email>; field not loaded");
  w.set_stage("transform");
  json entry = RejectionToJson(w);
  entry["source_object"] = "patient";
  std::string html = ReportToHtml(
      ReportToJson(Sample(true), {{"warnings", json::array({entry})}}));
  const size_t section = html.find("<h2>Warnings</h2>");
  ASSERT_NE(section, std::string::npos);
  EXPECT_NE(html.find("patients.csv:3", section), std::string::npos);
  EXPECT_NE(html.find("not a valid &lt;email&gt;; field not loaded", section),
            std::string::npos);
  // Not again as raw JSON under Details.
  EXPECT_EQ(html.find("<h3>warnings</h3>"), std::string::npos);
  // No section without warnings.
  EXPECT_EQ(ReportToHtml(ReportToJson(Sample(true), nullptr)).find("Warnings"),
            std::string::npos);
}

TEST(ReportHtml, IsSelfContained) {
  std::string html = ReportToHtml(ReportToJson(Sample(true), nullptr));
  for (const char* external :
       {"<script", "<link", " src=", "href=", "url(", "@import", "<iframe"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
  EXPECT_EQ(html.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(ReportHtml, ToleratesAnIncompleteReport) {
  std::string html = ReportToHtml(json::object());
  EXPECT_NE(html.find("No source objects."), std::string::npos);
  html = ReportToHtml(json::parse(R"({"objects":[{"source_object":7}]})"));
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(ReportJson, HasAnEmptyTimelineUntilTheControllerFillsIt) {
  json j = ReportToJson(Sample(true), nullptr);
  ASSERT_TRUE(j.contains("timeline"));
  EXPECT_EQ(j["timeline"]["points"], json::array());
  EXPECT_EQ(j["timeline"]["budget_per_second"], 0);
  EXPECT_FALSE(j.contains("diff"));
  std::string html = ReportToHtml(j);
  EXPECT_NE(html.find("No operation reached the CRM"), std::string::npos);
}

TEST(ReportHtml, ChartsEveryCountAsText) {
  std::string html = ReportToHtml(ReportToJson(Sample(true), nullptr));
  size_t chart = html.find(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "class=\"chart objects\"");
  ASSERT_NE(chart, std::string::npos);
  std::string svg = html.substr(chart, html.find("</svg>", chart) - chart);
  for (const char* text :
       {"created 5", "updated 1", "unchanged 1", "quarantined 3", "skipped 2",
        ">10 / 10<", ">2 / 2<"}) {
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  }
  // One rect per non-zero part: patient 4, location 1.
  size_t rects = 0;
  for (size_t at = svg.find("<rect"); at != std::string::npos;
       at = svg.find("<rect", at + 1))
    ++rects;
  EXPECT_EQ(rects, 5u);
  for (const char* legend : {"created", "updated", "unchanged", "adopted",
                             "quarantined", "skipped"}) {
    EXPECT_NE(html.find(absl::StrCat("</i>", legend, "</span>")),
              std::string::npos)
        << legend;
  }
}

TEST(ReportJson, CountsMatchedRecordsPerObjectAndInTotal) {
  v1::RunReport r = Sample(true);
  v1::ObjectReport* o = r.mutable_objects(0);
  o->set_extracted(14);
  o->set_loaded(11);
  o->set_matched(4);
  v1::ObjectReport* l = r.mutable_objects(1);
  l->set_extracted(3);
  l->set_loaded(1);
  l->set_matched(1);
  json j = ReportToJson(r, nullptr);
  EXPECT_EQ(j["objects"][0]["matched"], 4);
  EXPECT_EQ(j["objects"][1]["matched"], 1);
  EXPECT_EQ(j["totals"]["matched"], 5);
  EXPECT_EQ(ReportToJson(Sample(true), nullptr)["totals"]["matched"], 0);

  std::string html = ReportToHtml(j);
  EXPECT_NE(html.find("<th>adopted</th><th>matched</th><th>quarantined</th>"),
            std::string::npos);
  // patient: extracted 14, loaded 11, created 5, updated 1, unchanged 1,
  // adopted 0, matched 4.
  EXPECT_NE(html.find("<td class=\"t\">patient</td><td>14</td><td>11</td>"
                      "<td>5</td><td>1</td><td>1</td><td>0</td><td>4</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<th>0</th><th>5</th>"), std::string::npos);
  EXPECT_NE(html.find("matched 4"), std::string::npos);
  EXPECT_NE(html.find("</i>matched</span>"), std::string::npos);
}

TEST(ReportHtml, GroupsQuarantineReasonsPerObject) {
  v1::RunReport r = Sample(true);
  v1::ObjectReport* o = r.mutable_objects(0);
  for (int line : {30, 31, 32}) {
    v1::Rejection* q = o->add_rejections();
    q->set_source_key(absl::StrCat("k", line));
    q->mutable_location()->set_file("patients.csv");
    q->mutable_location()->set_line(line);
    q->set_reason(
        absl::StrCat("patients.csv:", line, ": wrong number of columns"));
    q->set_stage("extract");
  }
  std::string html = ReportToHtml(ReportToJson(r, nullptr));
  size_t reasons = html.find("<table class=\"reasons\">");
  ASSERT_NE(reasons, std::string::npos);
  std::string table =
      html.substr(reasons, html.find("</table>", reasons) - reasons);
  EXPECT_NE(table.find("<td class=\"t\">wrong number of columns</td>"
                       "<td>3</td>"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("<td class=\"t\">birth_date</td>"), std::string::npos);
  // Most frequent first.
  EXPECT_LT(table.find("wrong number"), table.find("birth_date"));
  // The detail table still lists every record.
  EXPECT_NE(html.find("patients.csv:31"), std::string::npos);
}

TEST(ReportHtml, DrawsTheTimelineWithTheBudget) {
  json j = ReportToJson(Sample(true), nullptr);
  j["timeline"] = {{"bucket_seconds", 2},
                   {"budget_per_second", 5},
                   {"requests_scaled", true},
                   {"points",
                    {{{"t", 0}, {"records", 10}, {"requests", 12}},
                     {{"t", 2}, {"records", 4}, {"requests", 30}}}}};
  std::string html = ReportToHtml(j);
  size_t at = html.find("class=\"chart timeline\"");
  ASSERT_NE(at, std::string::npos);
  std::string svg = html.substr(at, html.find("</svg>", at) - at);
  EXPECT_NE(svg.find("<path"), std::string::npos);
  EXPECT_NE(svg.find("rate-budget use"), std::string::npos);
  EXPECT_NE(svg.find("100% of the budget"), std::string::npos);
  // Peak 5 records/s; 30 requests in 2 s at 5/s is 300% of the budget.
  EXPECT_NE(html.find("peak 5 records/s"), std::string::npos);
  EXPECT_NE(html.find("peak rate-budget use 300% of 5 requests/s"),
            std::string::npos);
  // Axes in round quarters: 0..8 records/s, 0..400% of the budget.
  EXPECT_NE(svg.find(">2</text>"), std::string::npos);
  EXPECT_NE(svg.find(">8</text>"), std::string::npos);
  EXPECT_NE(svg.find(">100%</text>"), std::string::npos);
  EXPECT_NE(svg.find(">400%</text>"), std::string::npos);
  j["timeline"]["budget_per_second"] = 0;
  html = ReportToHtml(j);
  EXPECT_NE(html.find("rate budget is unknown"), std::string::npos);
  EXPECT_EQ(html.find("100% of the budget"), std::string::npos);
}

TEST(ReportHtml, RendersTheSampleDiffWithMismatchesMarked) {
  json j = ReportToJson(Sample(true), nullptr);
  EXPECT_EQ(ReportToHtml(j).find("Sample: source vs CRM"), std::string::npos);
  j["diff"] = {{"fields_compared", 2},
               {"mismatches", 1},
               {"records",
                {{{"source_object", "patient"},
                  {"source_key", "17"},
                  {"target_object", "contact"},
                  {"crm_id", "901"},
                  {"fields",
                   {{{"section", "fields"},
                     {"field", "first_name"},
                     {"source", "Ann"},
                     {"expected", "Ann"},
                     {"actual", "Ann"},
                     {"match", true}},
                    {{"section", "custom_fields"},
                     {"field", "cf_balance"},
                     {"source", 12.5},
                     {"expected", "12.50"},
                     {"actual", "<b>1250</b>"},
                     {"match", false}}}}}}}};
  std::string html = ReportToHtml(j);
  EXPECT_NE(html.find("Sample: source vs CRM"), std::string::npos);
  EXPECT_NE(html.find("2 fields compared, 1 mismatches"), std::string::npos);
  EXPECT_NE(html.find("<code>901</code>"), std::string::npos);
  EXPECT_NE(html.find("<tr><td class=\"t\">fields</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"bad\"><td class=\"t\">custom_fields</td>"
                      "<td class=\"t\">cf_balance</td><td class=\"t\">12.5"
                      "</td><td class=\"t\">12.50</td><td class=\"t\">"
                      "&lt;b&gt;1250&lt;/b&gt;</td>"),
            std::string::npos);
}

TEST(ReportFiles, WritesBothFiles) {
  std::string dir = (fs::temp_directory_path() /
                     ("bw-report-" + std::to_string(getpid())) / "out")
                        .string();
  fs::remove_all(fs::path(dir).parent_path());
  json j = ReportToJson(Sample(false), {{"destination", {{"crm", "x"}}}});
  ASSERT_TRUE(WriteReportFiles(dir, j).ok());
  std::ifstream js(fs::path(dir) / "report.json");
  std::stringstream buf;
  buf << js.rdbuf();
  EXPECT_EQ(json::parse(buf.str()), j);
  EXPECT_TRUE(fs::exists(fs::path(dir) / "report.html"));
  EXPECT_GT(fs::file_size(fs::path(dir) / "report.html"), 1000u);
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos);
  }
  // A path below a regular file cannot be a directory.
  EXPECT_FALSE(
      WriteReportFiles((fs::path(dir) / "report.json" / "x").string(), j).ok());
  fs::remove_all(fs::path(dir).parent_path());
}

}  // namespace
}  // namespace bridgework::report
