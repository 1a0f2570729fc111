#include "libs/report/report.h"

#include <gtest/gtest.h>

namespace bridgework::report {
namespace {

v1::RunReport Sample(bool balanced) {
  v1::RunReport r;
  r.mutable_run()->set_run_id("r-000007");
  r.mutable_run()->set_state(v1::RUN_STATE_SUCCEEDED);
  r.set_requests(42);
  auto* o = r.add_objects();
  o->set_source_object("patient");
  o->set_extracted(10);
  o->set_loaded(8);
  o->set_created(8);
  o->set_quarantined(2);
  o->set_balanced(balanced);
  auto* q = o->add_rejections();
  q->set_source_key("17");
  q->mutable_location()->set_file("patients.csv");
  q->mutable_location()->set_line(18);
  q->set_field("birth_date");
  q->set_reason("impossible date <script>");
  q->set_stage("extract");
  return r;
}

TEST(Report, JsonCarriesTheStableSchema) {
  auto j = ReportToJson(Sample(true), {{"owners", nlohmann::json::array()}});
  EXPECT_EQ(j["schema"], "bridgework.report/v1");
  EXPECT_EQ(j["run"]["id"], "r-000007");
  EXPECT_EQ(j["run"]["state"], "succeeded");
  EXPECT_EQ(j["requests"], 42);
  EXPECT_TRUE(j["balanced"]);
  EXPECT_EQ(j["totals"]["extracted"], 10);
  EXPECT_EQ(j["objects"][0]["quarantine"][0]["line"], 18);
  EXPECT_EQ(j["objects"][0]["quarantine"][0]["file"], "patients.csv");
  EXPECT_FALSE(ReportToJson(Sample(false), {})["balanced"]);
}

TEST(Report, HtmlEscapesAndShowsTheVerdict) {
  std::string html = ReportToHtml(ReportToJson(Sample(true), {}));
  EXPECT_NE(html.find("r-000007"), std::string::npos);
  EXPECT_NE(html.find("patients.csv:18"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Every source record is accounted for"),
            std::string::npos);
  std::string bad = ReportToHtml(ReportToJson(Sample(false), {}));
  EXPECT_NE(bad.find("do NOT add up"), std::string::npos);
}

}  // namespace
}  // namespace bridgework::report
