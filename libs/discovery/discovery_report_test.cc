#include "libs/discovery/discovery_report.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/record/value.h"

namespace bridgework::discovery {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

v1::FieldSchema Field(const std::string& name, const std::string& type,
                      const std::string& refs = "") {
  v1::FieldSchema f;
  f.set_name(name);
  f.set_type(type);
  f.set_references(refs);
  return f;
}

// The values the source holds; none may appear in the report.
const std::vector<std::vector<std::string>> kPatients = {
    {"P1", "Ayse", "Yilmaz", "ayse.yilmaz@gmail.com", "(512) 555-0142"},
    {"P2", "Jose", "Garcia", "jose.garcia@mail.example", "(512) 555-0143"},
    {"P3", "Mei", "Chen", "ayse.yilmaz@gmail.com", "(512) 555-0177"},
};

DiscoveryReport SampleReport() {
  v1::ObjectSchema patients;
  patients.set_object_type("patients");
  patients.set_key_field("patient_id");
  for (const char* f :
       {"patient_id", "first_name", "last_name", "email", "mobile_phone"}) {
    *patients.add_fields() = Field(f, "string");
  }
  v1::ObjectSchema notes;
  notes.set_object_type("notes");
  notes.set_key_field("note_id");
  *notes.add_fields() = Field("note_id", "string");
  *notes.add_fields() = Field("patient_id", "string", "patients");

  ProfilerOptions options;
  Profiler profiler({patients, notes}, options);
  profiler.BeginObject("patients");
  v1::RecordBatch batch;
  for (const auto& p : kPatients) {
    v1::Record* r = batch.add_records();
    r->set_source_key(p[0]);
    const char* names[] = {"patient_id", "first_name", "last_name", "email",
                           "mobile_phone"};
    for (int i = 0; i < 5; ++i)
      (*r->mutable_fields())[names[i]] = record::StringValue(p[i]);
  }
  profiler.AddBatch(batch);
  profiler.EndObject();
  profiler.BeginObject("notes");
  v1::RecordBatch notes_batch;
  v1::Record* n = notes_batch.add_records();
  // A key that needs escaping in HTML.
  n->set_source_key("<N1>");
  (*n->mutable_fields())["note_id"] = record::StringValue("<N1>");
  (*n->mutable_fields())["patient_id"] = record::StringValue("P404");
  profiler.AddBatch(notes_batch);
  profiler.EndObject();

  DiscoveryReport r;
  r.generated_at = "2026-03-01T12:00:00Z";
  r.source_system = "pbn";
  r.config_path = "config.yaml";
  r.phone_region = "US";
  r.map_origin = "none";
  r.options = options;
  r.profile = profiler.Finish();
  absl::StatusOr<PlanLimits> limits = LimitsFor("freshsales", "growth");
  EXPECT_TRUE(limits.ok());
  r.limits = *limits;
  r.readiness = AssessReadiness(*limits, nullptr);
  r.estimate = EstimateMigration(r.profile, *limits, nullptr);
  return r;
}

TEST(DiscoveryReportTest, JsonHoldsEverySection) {
  json j = DiscoveryToJson(SampleReport());
  EXPECT_EQ(j["inventory"]["totals"]["records"], 4);
  EXPECT_EQ(j["inventory"]["objects"][0]["object"], "patients");
  EXPECT_EQ(j["inventory"]["objects"][0]["records"], 3);
  const json& email = j["inventory"]["objects"][0]["fields"][3];
  EXPECT_EQ(email["name"], "email");
  EXPECT_EQ(email["inferred_type"], "email");
  EXPECT_EQ(email["distinct"], 2);
  EXPECT_DOUBLE_EQ(email["fill_rate"].get<double>(), 1.0);
  EXPECT_EQ(j["quality"]["duplicates"][0]["rule"], "email");
  EXPECT_EQ(j["quality"]["duplicates"][0]["listed"][0],
            json::array({"P1", "P3"}));
  bool dangling = false;
  for (const json& f : j["quality"]["flags"]) {
    if (f["kind"] == "dangling_reference") {
      dangling = true;
      EXPECT_EQ(f["keys"], json::array({"<N1>"}));
      EXPECT_EQ(f["detail"], "patients");
    }
  }
  EXPECT_TRUE(dangling);
  EXPECT_EQ(j["readiness"]["ready"], false);
  EXPECT_THAT(j["readiness"]["verdict"].get<std::string>(),
              HasSubstr("no map"));
  EXPECT_GT(j["estimate"]["hours"].get<double>(), 0);
  EXPECT_TRUE(j["estimate"].contains("days"));
  EXPECT_FALSE(j["estimate"]["rules"].empty());
  EXPECT_EQ(j["destination"]["custom_fields"], 150);
  EXPECT_FALSE(j["destination"]["sources"].empty());
  EXPECT_THAT(j["discovery"]["distinct_counting"].get<std::string>(),
              HasSubstr("HyperLogLog"));
}

TEST(DiscoveryReportTest, NoValueFromTheDataAppears) {
  DiscoveryReport r = SampleReport();
  const std::string text = DiscoveryToJson(r).dump();
  const std::string html = DiscoveryToHtml(DiscoveryToJson(r));
  for (const auto& p : kPatients) {
    // Keys (p[0]) may appear; the other values never.
    for (size_t i = 1; i < p.size(); ++i) {
      EXPECT_THAT(text, Not(HasSubstr(p[i]))) << p[i];
      EXPECT_THAT(html, Not(HasSubstr(p[i]))) << p[i];
    }
  }
  EXPECT_THAT(text, HasSubstr("a***@g****.com"));
  EXPECT_THAT(html, HasSubstr("a***@g****.com"));
}

TEST(DiscoveryReportTest, HtmlEscapesAndShowsSections) {
  const std::string html = DiscoveryToHtml(DiscoveryToJson(SampleReport()));
  EXPECT_THAT(html, HasSubstr("&lt;N1&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<N1>")));
  for (const char* section :
       {"<h2>Inventory</h2>", "<h2>Data quality</h2>",
        "<h2>Readiness: freshsales growth</h2>", "<h2>Estimate</h2>"}) {
    EXPECT_THAT(html, HasSubstr(section));
  }
  EXPECT_THAT(html, HasSubstr("dangling_reference"));
  EXPECT_THAT(html, HasSubstr("hours"));
  EXPECT_THAT(html, HasSubstr("days"));
}

TEST(DiscoveryReportTest, WithoutACrmReadinessIsExplained) {
  DiscoveryReport r = SampleReport();
  r.limits.reset();
  r.readiness.reset();
  r.estimate.reset();
  json j = DiscoveryToJson(r);
  EXPECT_TRUE(j["estimate"].is_null());
  EXPECT_THAT(DiscoveryToHtml(j), HasSubstr("No CRM given"));
}

TEST(DiscoveryReportTest, WritesBothFiles) {
  const std::string dir = ::testing::TempDir() + "/discovery_report_test/out";
  std::filesystem::remove_all(dir);
  json j = DiscoveryToJson(SampleReport());
  ASSERT_TRUE(WriteDiscoveryReport(dir, j).ok());
  std::ifstream in(dir + "/discovery.json");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(json::parse(s.str()), j);
  EXPECT_TRUE(std::filesystem::exists(dir + "/discovery.html"));
}

}  // namespace
}  // namespace bridgework::discovery
