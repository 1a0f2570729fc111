#include "libs/workflows/writers.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/workflows/test_util.h"

namespace bridgework::workflows {
namespace {

using ::testing::HasSubstr;
using testing::MakeRecord;
using ::testing::Not;

const absl::Time kNow =
    absl::FromUnixSeconds(1793448000);  // 2026-10-31 12:00 UTC

RebuildExport Sample() {
  std::vector<v1::Record> records = {
      MakeRecord("workflow", "WF-01",
                 {{"name", "Appointment reminder | 48h"},
                  {"category", "Appointment Reminder"},
                  {"trigger_event", "appointment.scheduled"},
                  {"conditions", "status in (Scheduled, Confirmed)"},
                  {"actions", "Send SMS template APPT_REMIND_48"},
                  {"schedule", "48 hours before start"},
                  {"active", true},
                  {"owner_provider_id", "P12"}},
                 "workflows.csv", 2),
      MakeRecord("workflow", "WF-04",
                 {{"name", "Insurance eligibility check"},
                  {"trigger_event", "appointment.scheduled"},
                  {"actions", "Run eligibility (270/271); flag if inactive"},
                  {"schedule", "72 hours before start"},
                  {"active", true}},
                 "workflows.csv", 5),
      MakeRecord("workflow", "WF-08",
                 {{"name", "Annual physical recall"},
                  {"trigger_event", "patient.last_visit"},
                  {"actions",
                   "Send email RECALL_ANNUAL; create call task after 14 days"},
                  {"schedule", "daily at 07:00"},
                  {"active", false}},
                 "workflows.csv", 9),
      MakeRecord("workflow", "WF-09",
                 {{"name", "Odd one"},
                  {"trigger_event", "lab.ready"},
                  {"actions", "Send email LAB_READY"},
                  {"schedule", "whenever"}},
                 "workflows.csv", 10),
  };
  v1::Rejection bad;
  bad.set_object_type("workflow");
  bad.set_source_key("WF-10");
  bad.mutable_location()->set_file("workflows.csv");
  bad.mutable_location()->set_line(11);
  bad.set_field("active");
  bad.set_reason(
      "workflows.csv:11: active: not a boolean (want true or false)");
  auto e = BuildExport("clinic", "freshsales", records, {bad});
  EXPECT_TRUE(e.ok());
  e->notes.push_back("a note");
  return *e;
}

TEST(WorkflowsJson, SchemaFieldsArePresent) {
  nlohmann::json j = ToJson(Sample(), kNow);
  EXPECT_EQ(j["schema"], "bridgework.workflows");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["generated_at"], "2026-10-31T12:00:00Z");
  EXPECT_EQ(j["source"]["system"], "clinic");
  EXPECT_EQ(j["source"]["objects"], nlohmann::json::array({"workflow"}));
  EXPECT_EQ(j["destination"]["crm"], "freshsales");
  const nlohmann::json& c = j["counts"];
  EXPECT_EQ(c["automations"], 4);
  EXPECT_EQ(c["active"], 2);
  EXPECT_EQ(c["inactive"], 1);
  EXPECT_EQ(c["status_unknown"], 1);
  EXPECT_EQ(c["rejected_rows"], 1);
  EXPECT_EQ(c["by_feature"]["Workflows"], 2);
  EXPECT_EQ(c["by_feature"]["Sales Sequences"], 1);
  EXPECT_EQ(c["by_feature"]["Outside the CRM"], 1);
  EXPECT_EQ(c["judgement_calls"], 2);

  ASSERT_EQ(j["automations"].size(), 4u);
  const nlohmann::json& a = j["automations"][0];
  for (const char* key : {"source", "name", "category", "active", "trigger",
                          "conditions", "intervals", "actions", "channels",
                          "owner", "scope", "rebuild", "warnings"}) {
    EXPECT_TRUE(a.contains(key)) << key;
  }
  EXPECT_EQ(a["source"]["object"], "workflow");
  EXPECT_EQ(a["source"]["key"], "WF-01");
  EXPECT_EQ(a["source"]["file"], "workflows.csv");
  EXPECT_EQ(a["source"]["line"], 2);
  EXPECT_EQ(a["trigger"]["original"], "appointment.scheduled");
  EXPECT_EQ(a["trigger"]["event"], "appointment_booked");
  EXPECT_EQ(a["trigger"]["kind"], "appointment_time");
  const nlohmann::json& i = a["intervals"][0];
  EXPECT_EQ(i["original"], "48 hours before start");
  EXPECT_EQ(i["kind"], "offset");
  EXPECT_EQ(i["amount"], -48);
  EXPECT_EQ(i["unit"], "hours");
  EXPECT_EQ(i["anchor"], "appointment_start");
  EXPECT_EQ(i["offset_seconds"], -172800);
  EXPECT_EQ(i["iso8601"], "-PT48H");
  EXPECT_TRUE(i["time_of_day"].is_null());
  const nlohmann::json& act = a["actions"][0];
  EXPECT_EQ(act["step"], 1);
  EXPECT_EQ(act["kind"], "send_message");
  EXPECT_EQ(act["channel"], "sms");
  EXPECT_EQ(act["interval"], 0);
  EXPECT_EQ(act["template"]["name"], "APPT_REMIND_48");
  EXPECT_TRUE(act["step_key"].is_null());
  EXPECT_EQ(a["channels"], nlohmann::json::array({"sms"}));
  EXPECT_EQ(a["owner"]["object"], "provider");
  EXPECT_EQ(a["owner"]["key"], "P12");
  EXPECT_TRUE(a["scope"].is_null());
  EXPECT_EQ(a["rebuild"]["crm"], "freshsales");
  EXPECT_EQ(a["rebuild"]["feature"], "Workflows");
  EXPECT_EQ(a["rebuild"]["rule"], "freshsales.appointment");
  EXPECT_FALSE(a["rebuild"]["judgement"].get<bool>());
  EXPECT_FALSE(a["rebuild"]["basis"].get<std::string>().empty());
  EXPECT_GE(a["rebuild"]["steps"].size(), 5u);

  const nlohmann::json& recurring = j["automations"][2]["intervals"][0];
  EXPECT_EQ(recurring["kind"], "recurring");
  EXPECT_EQ(recurring["every"], "day");
  EXPECT_TRUE(recurring["amount"].is_null());
  EXPECT_TRUE(j["automations"][3]["active"].is_null());
  EXPECT_EQ(j["automations"][3]["intervals"][0]["kind"], "unparsed");
  EXPECT_EQ(j["automations"][3]["warnings"].size(), 2u);

  ASSERT_EQ(j["rejected"].size(), 1u);
  EXPECT_EQ(j["rejected"][0]["key"], "WF-10");
  EXPECT_EQ(j["rejected"][0]["line"], 11);
  EXPECT_EQ(j["rejected"][0]["field"], "active");
  EXPECT_EQ(j["notes"], nlohmann::json::array({"a note"}));
}

TEST(WorkflowsMarkdown, EveryAutomationHasItsSection) {
  RebuildExport e = Sample();
  std::string md = ToMarkdown(e, kNow);
  EXPECT_THAT(md,
              HasSubstr("# Workflow rebuild reference: clinic to Freshsales"));
  EXPECT_THAT(md, HasSubstr("| Freshsales Workflows | 2 | 1 |"));
  EXPECT_THAT(md, HasSubstr("| Freshsales Sales Sequences | 1 | 0 |"));
  EXPECT_THAT(md, HasSubstr("## Freshsales Workflows (2)"));
  EXPECT_THAT(
      md, HasSubstr("## Outside Freshsales (practice or billing system) (1)"));
  for (const RebuildItem& item : e.items) {
    EXPECT_THAT(md, HasSubstr("`" + item.source_key + "`")) << item.source_key;
  }
  // Markdown syntax in a name is escaped.
  EXPECT_THAT(md, HasSubstr("### Appointment reminder \\| 48h"));
  EXPECT_THAT(md, HasSubstr("### Insurance eligibility check"));
  EXPECT_THAT(md, HasSubstr("### Annual physical recall"));
  EXPECT_THAT(md, HasSubstr("### Odd one"));
  EXPECT_THAT(md, HasSubstr("- Status: inactive"));
  EXPECT_THAT(md, HasSubstr("- Status: unknown"));
  EXPECT_THAT(md, HasSubstr("48 hours before the appointment start "
                            "(`48 hours before start`)"));
  EXPECT_THAT(md, HasSubstr("`whenever` (not parsed)"));
  EXPECT_THAT(md, HasSubstr("(template `APPT_REMIND_48`)"));
  EXPECT_THAT(md, HasSubstr("- [ ] Freshsales Workflows: create"));
  EXPECT_THAT(md, HasSubstr("## Rows that could not be read"));
  EXPECT_THAT(md, HasSubstr("| workflow | WF-10 | workflows.csv:11 |"));
  EXPECT_THAT(md, HasSubstr("## Notes\n\n- a note"));
}

TEST(WorkflowsMarkdown, TemplatesAreFencedAndKeepTheirText) {
  std::vector<v1::Record> records = {
      MakeRecord("workflow", "W01",
                 {{"name", "Randevu hatırlatma"},
                  {"trigger", "appointment.day_before"},
                  {"offset", "-1d 10:00"},
                  {"channel", "SMS"},
                  {"template", "Sayın {hasta_adi}, ~~~ randevunuz *yarın*."},
                  {"active", true}})};
  auto e = BuildExport("drdentes", "highlevel", records, {});
  ASSERT_TRUE(e.ok());
  std::string md = ToMarkdown(*e, kNow);
  EXPECT_THAT(md, HasSubstr("   ~~~text\n   Sayın {hasta_adi}, ~ ~ ~ "
                            "randevunuz *yarın*.\n   ~~~\n"));
  EXPECT_THAT(md, HasSubstr("## HighLevel Workflows (1)"));
  nlohmann::json j = ToJson(*e, kNow);
  EXPECT_EQ(j["automations"][0]["actions"][0]["template"]["text"],
            "Sayın {hasta_adi}, ~~~ randevunuz *yarın*.");
  EXPECT_EQ(j["automations"][0]["actions"][0]["template"]["placeholders"],
            nlohmann::json::array({"hasta_adi"}));
}

TEST(WorkflowsMarkdown, EmptyExportSaysSo) {
  auto e = BuildExport("opendental", "pipedrive", {}, {});
  ASSERT_TRUE(e.ok());
  std::string md = ToMarkdown(*e, kNow);
  EXPECT_THAT(md, HasSubstr("0 automations (0 active) from no object"));
  EXPECT_THAT(md, HasSubstr("| (none) | 0 | 0 |"));
  EXPECT_THAT(md, HasSubstr("not in scope"));
  EXPECT_THAT(md, Not(HasSubstr("Rows that could not be read")));
  EXPECT_EQ(Summary(*e),
            "0 automations (0 active) from opendental -> "
            "Pipedrive; 0 rows not read");
}

TEST(WorkflowFiles, WritesBothFiles) {
  RebuildExport e = Sample();
  EXPECT_EQ(Summary(e),
            "4 automations (2 active) from clinic workflow -> Freshsales: 2 "
            "Workflows, 1 Sales Sequences, 1 Outside the CRM; 1 rows not read");
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("bw-workflows-" + std::to_string(getpid())) / "out";
  ASSERT_TRUE(WriteWorkflowFiles(dir.string(), e, kNow).ok());
  std::ifstream json_in(dir / "workflows.json");
  nlohmann::json j = nlohmann::json::parse(json_in, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j, ToJson(e, kNow));
  std::ifstream md_in(dir / "workflows.md");
  std::string md((std::istreambuf_iterator<char>(md_in)),
                 std::istreambuf_iterator<char>());
  EXPECT_EQ(md, ToMarkdown(e, kNow));
  std::filesystem::remove_all(dir.parent_path());

  // A directory that cannot be created.
  EXPECT_TRUE(
      absl::IsUnavailable(WriteWorkflowFiles("/proc/bw-no-such/out", e, kNow)));
}

}  // namespace
}  // namespace bridgework::workflows
