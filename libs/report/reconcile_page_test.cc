#include "libs/report/reconcile_page.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace bridgework::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json Doc(bool pass) {
  json objects = json::array({{{"source_object", "patient"},
                               {"source", 5},
                               {"ledger", 3},
                               {"crm", 2},
                               {"merged", 0},
                               {"quarantined", 1},
                               {"skipped", 1},
                               {"unaccounted", json::array()},
                               {"not_in_source", json::array({"<5>"})},
                               {"balanced", pass}}});
  return {{"schema", "bridgework.reconcile/v1"},
          {"generated_at", "2026-11-23T10:00:00Z"},
          {"destination", {{"crm", "freshsales"}, {"account", "acme"}}},
          {"reconcile",
           {{"pass", pass},
            {"objects", objects},
            {"relationships",
             json::array({{{"relationship", "contact.sales_accounts"},
                           {"parent", "sales_account"},
                           {"checked", 2},
                           {"intact", pass ? 2 : 1},
                           {"broken", pass ? 0 : 1}}})},
            {"fill_rate",
             {{"by_object", json::array({{{"target_object", "contact"},
                                          {"written", 4},
                                          {"filled", 3},
                                          {"rate", 0.75}}})},
              {"written", 4},
              {"filled", 3},
              {"rate", 0.75}}},
            {"owner_rate",
             {{"by_object", json::array()},
              {"read_back", 0},
              {"owned", 0},
              {"rate", nullptr}}},
            {"failures",
             pass ? json::array() : json::array({"patient 5: not in the CRM"})},
            {"failure_count", pass ? 0 : 1},
            {"drift", json::array({{{"source_object", "patient"},
                                    {"source_key", "1"},
                                    {"target_object", "contact"},
                                    {"crm_id", "c1"},
                                    {"fields", {"fields.last_name"}}}})},
            {"drift_records", 1},
            {"quarantined", json::array()},
            {"skipped", json::array()}}}};
}

TEST(ReconcilePage, ShowsTheVerdictCountsAndRatesEscaped) {
  std::string pass = ReconcileToHtml(Doc(true));
  EXPECT_NE(pass.find("verdict ok"), std::string::npos);
  EXPECT_NE(pass.find("contact.sales_accounts"), std::string::npos);
  EXPECT_NE(pass.find("75.0%"), std::string::npos);
  EXPECT_NE(pass.find("n/a"), std::string::npos);  // no owners read back
  EXPECT_NE(pass.find("fields.last_name"), std::string::npos);
  EXPECT_NE(pass.find("&lt;5&gt;"), std::string::npos);
  EXPECT_EQ(pass.find("<5>"), std::string::npos);
  std::string fail = ReconcileToHtml(Doc(false));
  EXPECT_NE(fail.find("verdict bad"), std::string::npos);
  EXPECT_NE(fail.find("patient 5: not in the CRM"), std::string::npos);
  EXPECT_NE(fail.find("<tr class=\"bad\">"), std::string::npos);
  // A document without keys still renders.
  EXPECT_NE(ReconcileToHtml(json::object()).find("</html>"), std::string::npos);
}

TEST(ReconcilePage, WritesJsonAndHtml) {
  fs::path dir =
      fs::temp_directory_path() / absl::StrCat("bw-reconcile-page-", getpid());
  fs::remove_all(dir);
  ASSERT_TRUE(WriteReconcileFiles(dir.string(), Doc(true)).ok());
  std::ifstream in(dir / "reconcile.json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(json::parse(text.str())["reconcile"]["pass"], true);
  EXPECT_TRUE(fs::exists(dir / "reconcile.html"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bridgework::report
