#include "tools/bridgework/audit_export.h"

#include <gtest/gtest.h>

namespace bridgework::cli {
namespace {

TEST(AuditExport, CsvQuotesPerRfc4180) {
  EXPECT_EQ(CsvLine({"a", "b c", ""}), "a,b c,\r\n");
  EXPECT_EQ(CsvLine({"x,y", "say \"hi\"", "two\nlines", "cr\r"}),
            "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\"\r\n");
}

TEST(AuditExport, RecordHasEveryColumnInOrderAndNoBeforeImage) {
  v1::Operation op;
  op.set_run_id("r-000003");
  op.set_seq(41);
  op.set_kind(v1::OP_KIND_UPDATE);
  op.set_state(v1::OP_STATE_FAILED);
  op.set_source_object("patient");
  op.set_source_key("17");
  op.set_target_object("contact");
  op.set_crm_id("9001");
  op.set_fingerprint("f00d");
  op.set_before_image(R"({"first_name":"Secret"})");
  op.set_written(R"({"last_name":"Hidden"})");
  op.set_external_key("pbn:patient:17");
  op.set_http_status(422);
  op.set_error("HTTP 422: invalid email");
  op.mutable_intent_at()->set_unix_seconds(1795382400);
  op.mutable_outcome_at()->set_unix_seconds(1795382401);
  op.mutable_outcome_at()->set_nanos(250000000);
  op.set_undoes_seq(7);
  nlohmann::ordered_json j = AuditRecord(op);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, AuditColumns());
  EXPECT_EQ(j["kind"], "update");
  EXPECT_EQ(j["state"], "failed");
  EXPECT_EQ(j["seq"], 41);
  EXPECT_EQ(j["http_status"], 422);
  EXPECT_EQ(j["undoes_seq"], 7);
  EXPECT_EQ(j["intent_at"], "2026-11-22T21:20:00.000Z");
  EXPECT_EQ(j["outcome_at"], "2026-11-22T21:20:01.250Z");
  EXPECT_EQ(j.dump().find("Secret"), std::string::npos);
  EXPECT_EQ(j.dump().find("Hidden"), std::string::npos);
  EXPECT_EQ(j.dump().find("f00d"), std::string::npos);

  v1::Operation pending;
  pending.set_state(v1::OP_STATE_INTENT);
  pending.set_kind(v1::OP_KIND_LINK);
  nlohmann::ordered_json p = AuditRecord(pending);
  EXPECT_EQ(p["outcome_at"], "");
  EXPECT_EQ(p["kind"], "link");
  pending.set_kind(v1::OP_KIND_MATCH);
  EXPECT_EQ(AuditRecord(pending)["kind"], "match");
  EXPECT_EQ(p["state"], "intent");
}

TEST(AuditExport, RefusesRunIdsThatAreNotFileNames) {
  for (const char* id : {"", "../x", "a/b", ".."}) {
    AuditExportOptions o;
    o.run_id = id;
    o.auditor = "127.0.0.1:1";
    EXPECT_EQ(ExportAudit(o).status().code(),
              absl::StatusCode::kInvalidArgument)
        << id;
  }
}

}  // namespace
}  // namespace bridgework::cli
