#include <thread>

#include <gtest/gtest.h>

#include "emulators/common/http_util.h"
#include "emulators/common/json_store.h"
#include "emulators/common/operator_endpoints.h"
#include "emulators/common/rate_window.h"
#include "emulators/common/request_stats.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;

TEST(RateWindow, AdmitsUpToTheLimitThenRefusesUntilTheWindowRolls) {
  absl::Time now = absl::FromUnixSeconds(1000);
  RateWindow window(3, absl::Hours(1), 1.0, [&now] { return now; });
  for (int i = 0; i < 3; ++i) {
    RateWindow::Decision d = window.Admit();
    EXPECT_TRUE(d.admitted);
    EXPECT_EQ(d.remaining, 2 - i);
    EXPECT_EQ(d.limit, 3);
  }
  now += absl::Minutes(10);
  RateWindow::Decision refused = window.Admit();
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_seconds, 50 * 60);
  EXPECT_EQ(window.Snap().used, 3) << "refusals charge nothing";
  now += absl::Minutes(50);
  EXPECT_TRUE(window.Admit().admitted);
  EXPECT_EQ(window.Snap().used, 1);
  // Several idle windows later the window is still aligned and fresh.
  now += absl::Hours(5) + absl::Minutes(30);
  RateWindow::Snapshot s = window.Snap();
  EXPECT_EQ(s.used, 0);
  EXPECT_DOUBLE_EQ(s.resets_in_seconds, 30 * 60);
}

TEST(RateWindow, TimeScaleShortensTheWindowAndConfigureApplies) {
  absl::Time now = absl::FromUnixSeconds(0);
  RateWindow window(1, absl::Hours(1), 3600.0, [&now] { return now; });
  EXPECT_TRUE(window.Admit().admitted);
  RateWindow::Decision d = window.Admit();
  EXPECT_FALSE(d.admitted);
  EXPECT_EQ(d.retry_after_seconds, 1);
  now += absl::Seconds(1);
  EXPECT_TRUE(window.Admit().admitted);
  window.Configure(5, std::nullopt);
  EXPECT_EQ(window.Peek().remaining, 4);
  window.Configure(std::nullopt, -1.0);  // ignored
  EXPECT_DOUBLE_EQ(window.Snap().time_scale, 3600.0);
  window.Reset();
  EXPECT_EQ(window.Snap().used, 0);
}

TEST(RateWindow, RollingCountsTheLastWindowNotTheCalendarOne) {
  absl::Time now = absl::FromUnixSeconds(1000);
  RateWindow window(
      2, absl::Seconds(10), 1.0, [&now] { return now; },
      RateWindow::Kind::kRolling);
  EXPECT_TRUE(window.Admit().admitted);  // t = 0
  now += absl::Seconds(9);
  EXPECT_TRUE(window.Admit().admitted);  // t = 9
  now += absl::Seconds(2);               // t = 11: the first has left
  EXPECT_TRUE(window.Admit().admitted);
  RateWindow::Decision refused = window.Admit();  // 9 and 11 in the window
  EXPECT_FALSE(refused.admitted);
  // Until the admission at t = 9 leaves, at t = 19.
  EXPECT_EQ(refused.retry_after_seconds, 8);
  now += absl::Seconds(8);
  EXPECT_TRUE(window.Admit().admitted);
  // Per-window history: [0,10) 2 admitted; [10,20) 2 admitted, 1 refused.
  std::vector<RateWindow::WindowCount> recent = window.Recent();
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].admitted, 2);
  EXPECT_EQ(recent[1].admitted, 2);
  EXPECT_EQ(recent[1].refused, 1);
  EXPECT_DOUBLE_EQ(recent[1].start_seconds, 10);
}

TEST(RateWindow, EpochWindowsResetAtTheScaledMidnight) {
  // 100 s before a UTC midnight.
  absl::Time now = absl::FromUnixSeconds(86400 * 20000 - 100);
  RateWindow day(
      1, absl::Hours(24), 1.0, [&now] { return now; },
      RateWindow::Kind::kEpoch);
  EXPECT_TRUE(day.Admit().admitted);
  RateWindow::Decision refused = day.Admit();
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retry_after_seconds, 100);
  now += absl::Seconds(100);
  EXPECT_TRUE(day.Admit().admitted);
}

TEST(RequestStats, CountsByRouteAndStatus) {
  RequestStats stats;
  stats.Record("POST /contacts", 201);
  stats.Record("POST /contacts", 201);
  stats.Record("POST /contacts", 400);
  stats.Record("GET /selector/owners", 429);
  stats.Increment("ignored_attributes", "contacts.nickname");
  Json j = stats.ToJson();
  EXPECT_EQ(j["requests"]["POST /contacts"]["201"], 2);
  EXPECT_EQ(j["requests"]["POST /contacts"]["400"], 1);
  EXPECT_EQ(j["total"], 4);
  EXPECT_EQ(j["rate_limited"], 1);
  EXPECT_EQ(j["ignored_attributes"]["contacts.nickname"], 1);
  stats.Reset();
  EXPECT_EQ(stats.ToJson()["total"], 0);
}

TEST(PathTemplate, HidesIdsAndValues) {
  EXPECT_EQ(PathTemplate("/crm/sales/api/contacts/17"),
            "/crm/sales/api/contacts/{id}");
  EXPECT_EQ(PathTemplate("/crm/sales/api/contacts/view/16000000201"),
            "/crm/sales/api/contacts/view/{id}");
  EXPECT_EQ(PathTemplate("/crm/sales/api/contacts/ana@x.example"),
            "/crm/sales/api/contacts/{value}");
  EXPECT_EQ(PathTemplate("/__sandbox/state"), "/__sandbox/state");
  EXPECT_EQ(PathTemplate("/"), "/");
}

TEST(JsonStore, HelpersAndTable) {
  EXPECT_EQ(AsInt64(Json(16000000001)), 16000000001);
  EXPECT_EQ(AsInt64(Json("42")), 42);
  EXPECT_EQ(AsInt64(Json("-3")), -3);
  EXPECT_FALSE(AsInt64(Json("4x")));
  EXPECT_FALSE(AsInt64(Json(1.5)));
  EXPECT_FALSE(AsInt64(Json(true)));
  EXPECT_EQ(ScalarText(Json(7)), "7");
  EXPECT_EQ(ScalarText(Json("a")), "a");
  EXPECT_TRUE(IsBlank(Json("")));
  EXPECT_FALSE(IsBlank(Json(0)));

  RecordTable table(100);
  int64_t a = table.AllocateId();
  table.Put(a, {{"id", a}});
  table.ReserveAtLeast(200);
  int64_t b = table.AllocateId();
  table.Put(b, {{"id", b}});
  EXPECT_EQ(a, 100);
  EXPECT_EQ(b, 201);
  EXPECT_EQ(table.ToJsonArray().dump(), R"([{"id":100},{"id":201}])");
  EXPECT_TRUE(table.Erase(a));
  EXPECT_FALSE(table.Erase(a));
  table.Clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.AllocateId(), 100);
}

TEST(RecordTable, LookupFindsWhatAScanWouldAsRecordsChange) {
  RecordTable table(1);
  table.Put(1, {{"email", "a@x.example"}});
  table.Put(2, {{"email", "b@x.example"}});
  int built = 0;
  RecordTable::IndexTexts emails = [&built](const Json& r) {
    ++built;
    std::vector<std::string> out;
    if (r.contains("email")) out.push_back(r["email"].get<std::string>());
    return out;
  };
  // Built from the records on the first lookup.
  EXPECT_EQ(table.Lookup("email", emails, "b@x.example"),
            std::vector<int64_t>{2});
  EXPECT_EQ(built, 2);
  // Kept up to date by puts (new and replaced records) and erases.
  table.Put(3, {{"email", "b@x.example"}});
  table.Put(1, {{"email", "c@x.example"}});
  EXPECT_EQ(table.Lookup("email", emails, "b@x.example"),
            (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(table.Lookup("email", emails, "a@x.example").empty());
  EXPECT_EQ(table.Lookup("email", emails, "c@x.example"),
            std::vector<int64_t>{1});
  EXPECT_TRUE(table.Erase(2));
  EXPECT_EQ(table.Lookup("email", emails, "b@x.example"),
            std::vector<int64_t>{3});
  table.Put(3, {{"name", "no email"}});
  EXPECT_TRUE(table.Lookup("email", emails, "b@x.example").empty());
  // Cleared with the records, rebuilt on the next lookup.
  table.Clear();
  EXPECT_TRUE(table.Lookup("email", emails, "c@x.example").empty());
  table.Put(table.AllocateId(), {{"email", "c@x.example"}});
  EXPECT_EQ(table.Lookup("email", emails, "c@x.example"),
            std::vector<int64_t>{1});
}

TEST(OperatorEndpoints, RoutesAndErrors) {
  httplib::Server server;
  int resets = 0;
  OperatorHandlers h;
  h.state = [] { return Json{{"contacts", Json::array()}}; };
  h.reset = [&resets] { ++resets; };
  h.config = [](const Json& body) -> absl::StatusOr<Json> {
    if (!body.contains("ok")) return absl::InvalidArgumentError("no ok");
    return Json{{"applied", true}};
  };
  RegisterOperatorEndpoints(server, h);
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&server] { server.listen_after_bind(); });
  httplib::Client client("127.0.0.1", port);
  auto state = client.Get("/__sandbox/state");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, 200);
  EXPECT_EQ(Json::parse(state->body)["contacts"].size(), 0u);
  EXPECT_EQ(client.Post("/__sandbox/reset", "", "application/json")->status,
            200);
  EXPECT_EQ(resets, 1);
  auto bad = client.Post("/__sandbox/config", "{nope", "application/json");
  EXPECT_EQ(bad->status, 400);
  auto refused = client.Post("/__sandbox/config", "{}", "application/json");
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(Json::parse(refused->body)["error"], "no ok");
  auto ok = client.Post("/__sandbox/config", R"({"ok":1})", "application/json");
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(client.Get("/__sandbox/stats")->status, 404) << "not registered";
  server.stop();
  t.join();
}

}  // namespace
}  // namespace bridgework::emulator
