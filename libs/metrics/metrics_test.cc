#include "libs/metrics/metrics.h"

#include <httplib.h>

#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"

namespace bridgework::metrics {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, CountsBySeriesAndSumsOverLabels) {
  Metrics m("loader");
  m.RecordsIn("contact", 3);
  m.RecordsIn("contact", 2);
  m.RecordsOut("contact", "created", 4);
  m.RecordsOut("contact", "quarantined", 1);
  m.RecordsOut("deal", "created", 0);  // nothing counted: no series
  EXPECT_EQ(m.Value("bridgework_records_in_total", {{"object", "contact"}}), 5);
  EXPECT_EQ(m.Value("bridgework_records_out_total"), 5);
  EXPECT_EQ(m.Value("bridgework_records_out_total", {{"outcome", "created"}}),
            4);
  EXPECT_EQ(m.Value("bridgework_records_out_total", {{"object", "deal"}}), 0);
  EXPECT_EQ(m.Value("bridgework_records_in_total", {{"service", "loader"}}), 5);
}

TEST(Metrics, CrmRequestsByStatusWithLatencyAndRateLimits) {
  Metrics m("loader");
  m.CrmRequest("freshsales", "POST", 201, 0.02);
  m.CrmRequest("freshsales", "POST", 429, 0.01);
  m.CrmRequest("freshsales", "GET", 0, 0.5);
  EXPECT_EQ(m.Value("bridgework_crm_requests_total", {{"status", "201"}}), 1);
  EXPECT_EQ(m.Value("bridgework_crm_requests_total", {{"status", "error"}}), 1);
  EXPECT_EQ(
      m.Value("bridgework_crm_rate_limited_total", {{"crm", "freshsales"}}), 1);
  // A histogram's value is its count.
  EXPECT_EQ(
      m.Value("bridgework_crm_request_duration_seconds", {{"method", "POST"}}),
      2);
  std::string text = m.Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE bridgework_crm_request_duration_seconds "
                              "histogram"));
  EXPECT_THAT(text, HasSubstr("bridgework_crm_requests_total{service=\"loader"
                              "\",crm=\"freshsales\",method=\"POST\",status="
                              "\"429\"} 1"));
}

TEST(Metrics, GaugesAndExtraCollectables) {
  Metrics m("transformer");
  prometheus::Gauge& lanes = m.QueueDepth("loader_lanes");
  lanes.Increment();
  lanes.Increment();
  lanes.Decrement();
  EXPECT_EQ(m.Value("bridgework_queue_depth", {{"queue", "loader_lanes"}}), 1);

  auto extra = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge()
      .Name("bridgework_test_extra")
      .Register(*extra)
      .Add({})
      .Set(7);
  m.AddCollectable(extra);
  EXPECT_EQ(m.Value("bridgework_test_extra"), 7);
  EXPECT_THAT(m.Scrape(), HasSubstr("bridgework_test_extra 7"));
}

TEST(MetricsServer, ServesTheTextFormatOnAnEphemeralPort) {
  auto m = std::make_shared<Metrics>("auditor");
  m->LedgerWrite("record_outcomes", 0.002);
  m->RpcHandled("/bridgework.v1.Auditor/GetRun", "OK", 0.001);
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("127.0.0.1:0", m);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  const std::string port_text = address.substr(address.rfind(':') + 1);
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(port_text, &port)) << address;
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << "no answer from " << address;
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body,
              HasSubstr("bridgework_ledger_write_duration_seconds_count{"
                        "service=\"auditor\",op=\"record_outcomes\"} 1"));
  EXPECT_THAT(res->body,
              HasSubstr("bridgework_rpc_server_handled_total{service="
                        "\"auditor\",code=\"OK\",method=\"/bridgework.v1."
                        "Auditor/GetRun\"} 1"));
  // The same port cannot be bound twice.
  EXPECT_FALSE(MetricsServer::Start(address, m).ok());
}

}  // namespace
}  // namespace bridgework::metrics
