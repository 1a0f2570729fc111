#include "emulators/common/fault_injector.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "emulators/common/http_util.h"
#include "emulators/common/operator_endpoints.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;

void Reply(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, {{"error", message}});
}

httplib::Request Req(const std::string& method, const std::string& path) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  return req;
}

FaultConfig Rates(std::map<std::string, double> rates, uint64_t seed = 7) {
  FaultConfig c;
  c.seed = seed;
  c.rates = std::move(rates);
  return c;
}

// A fake clock, a recording sleeper and dropper.
struct Harness {
  absl::Time now = absl::FromUnixSeconds(1000);
  std::vector<absl::Duration> sleeps;
  int drops = 0;
  FaultInjector faults{Reply, [this] { return now; },
                       [this](absl::Duration d) { sleeps.push_back(d); },
                       [this](const httplib::Request&) { ++drops; }};
};

TEST(FaultConfig, ParsesOverABaseAndRefusesWhatItDoesNotKnow) {
  absl::StatusOr<FaultConfig> c = ParseFaultConfig(
      {{"seed", 9}, {"rates", {{"reset", 0.25}}}, {"storm_ms", 500}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->seed, 9u);
  EXPECT_DOUBLE_EQ(c->rate("reset"), 0.25);
  EXPECT_DOUBLE_EQ(c->rate("lost"), 0);
  EXPECT_EQ(c->storm_ms, 500);
  absl::StatusOr<FaultConfig> over =
      ParseFaultConfig({{"rates", {{"lost", 1}}}}, *c);
  ASSERT_TRUE(over.ok());
  EXPECT_DOUBLE_EQ(over->rate("reset"), 0.25) << "kept from the base";
  EXPECT_DOUBLE_EQ(over->rate("lost"), 1);
  EXPECT_FALSE(ParseFaultConfig({{"rates", {{"meteor", 0.1}}}}).ok());
  EXPECT_FALSE(ParseFaultConfig({{"rates", {{"reset", 1.5}}}}).ok());
  EXPECT_FALSE(ParseFaultConfig({{"sneed", 1}}).ok());
  EXPECT_FALSE(ParseFaultConfig({{"error_codes", {404}}}).ok());
  EXPECT_FALSE(ParseFaultConfig({{"hang_ms", -1}}).ok());
  absl::StatusOr<FaultConfig> flags =
      FaultConfigFromFlags({"error=0.5", "slow=1"}, 3, 100, 10, 20, {502});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_DOUBLE_EQ(flags->rate("error"), 0.5);
  EXPECT_EQ(flags->error_codes, std::vector<int>{502});
  EXPECT_FALSE(FaultConfigFromFlags({"error"}, 1, 0, 0, 0, {}).ok());
}

TEST(FaultInjector, ErrorsAndResetsTakeTheRequestButNeverOperatorRoutes) {
  Harness h;
  FaultConfig c = Rates({{"error", 1}});
  c.error_codes = {502};
  h.faults.Configure(c);
  httplib::Response res;
  EXPECT_TRUE(h.faults.Before(Req("POST", "/api/contacts"), res));
  EXPECT_EQ(res.status, 502);
  httplib::Response op;
  EXPECT_FALSE(h.faults.Before(Req("GET", "/__sandbox/state"), op));
  h.faults.After(Req("POST", "/__sandbox/seed"), op);
  h.faults.Configure(Rates({{"reset", 1}}));
  httplib::Response reset;
  EXPECT_TRUE(h.faults.Before(Req("GET", "/api/contacts/1"), reset));
  EXPECT_EQ(h.drops, 1);
  Json stats = h.faults.StatsJson();
  EXPECT_EQ(stats["injected"]["error"], 1);
  EXPECT_EQ(stats["injected"]["reset"], 1);
  EXPECT_EQ(stats["injected"]["lost"], 0);
  h.faults.ResetCounts();
  EXPECT_EQ(h.faults.StatsJson()["injected"]["error"], 0);
}

TEST(FaultInjector, AStormAnswers429WithRetryAfterUntilItEnds) {
  Harness h;
  FaultConfig c = Rates({{"storm", 1}});
  c.storm_ms = 2500;
  h.faults.Configure(c);
  httplib::Response first;
  ASSERT_TRUE(h.faults.Before(Req("GET", "/api/x"), first));
  EXPECT_EQ(first.status, 429);
  EXPECT_EQ(first.get_header_value("Retry-After"), "3");
  // The storm goes on even once the rate is off, until storm_ms pass.
  c.rates["storm"] = 0;
  FaultConfig off = c;
  h.now += absl::Milliseconds(2000);
  httplib::Response during;
  ASSERT_TRUE(h.faults.Before(Req("GET", "/api/x"), during));
  EXPECT_EQ(during.get_header_value("Retry-After"), "1");
  h.now += absl::Milliseconds(600);
  h.faults.Configure(off);  // also ends any storm
  httplib::Response after;
  EXPECT_FALSE(h.faults.Before(Req("GET", "/api/x"), after));
  EXPECT_EQ(h.faults.StatsJson()["storms"], 1) << "counts survive Configure";
}

TEST(FaultInjector, SlowDelaysAndTimeoutHangsThenDrops) {
  Harness h;
  FaultConfig c = Rates({{"slow", 1}});
  c.slow_ms = 400;
  h.faults.Configure(c);
  httplib::Response res;
  EXPECT_FALSE(h.faults.Before(Req("GET", "/api/x"), res)) << "then served";
  ASSERT_EQ(h.sleeps.size(), 1u);
  EXPECT_LE(h.sleeps[0], absl::Milliseconds(400));
  c = Rates({{"timeout", 1}});
  c.hang_ms = 1234;
  h.faults.Configure(c);
  EXPECT_TRUE(h.faults.Before(Req("POST", "/api/x"), res));
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_EQ(h.sleeps[1], absl::Milliseconds(1234));
  EXPECT_EQ(h.drops, 1);
}

TEST(FaultInjector, LostAndAppliedErrorOnlyHitAppliedWrites) {
  Harness h;
  h.faults.Configure(Rates({{"lost", 1}}));
  httplib::Response ok;
  ok.status = 201;
  h.faults.After(Req("GET", "/api/x"), ok);
  EXPECT_EQ(h.drops, 0) << "reads are never lost";
  httplib::Response refused;
  refused.status = 422;
  h.faults.After(Req("POST", "/api/x"), refused);
  EXPECT_EQ(h.drops, 0) << "nothing applied";
  h.faults.After(Req("POST", "/api/x"), ok);
  EXPECT_EQ(h.drops, 1);
  h.faults.Configure(Rates({{"applied_error", 1}}));
  httplib::Response applied;
  applied.status = 200;
  h.faults.After(Req("DELETE", "/api/x/1"), applied);
  EXPECT_GE(applied.status, 500);
  EXPECT_EQ(h.faults.StatsJson()["injected"]["applied_error"], 1);
}

TEST(FaultInjector, TheSameSeedMeetsTheSameFaults) {
  auto run = [](uint64_t seed) {
    Harness h;
    h.faults.Configure(
        Rates({{"error", 0.2}, {"reset", 0.2}, {"lost", 0.3}}, seed));
    std::string trace;
    for (int i = 0; i < 200; ++i) {
      httplib::Response res;
      res.status = 200;
      bool taken = h.faults.Before(Req("POST", "/api/x"), res);
      if (!taken) h.faults.After(Req("POST", "/api/x"), res);
      trace += taken ? std::to_string(res.status) : "-";
      trace += std::to_string(h.drops);
    }
    return trace;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6));
}

// Through a real server and client: a lost reply is applied, a reset is
// not, and neither gets a response; /__sandbox/faults configures and counts.
TEST(FaultInjector, RealConnectionsAreDroppedAndOperatorRoutesServe) {
  httplib::Server server;
  FaultInjector faults(Reply);
  std::atomic<int> applied{0};
  server.set_pre_routing_handler(
      [&faults](const httplib::Request& req, httplib::Response& res) {
        return faults.Before(req, res)
                   ? httplib::Server::HandlerResponse::Handled
                   : httplib::Server::HandlerResponse::Unhandled;
      });
  server.set_post_routing_handler(
      [&faults](const httplib::Request& req, httplib::Response& res) {
        faults.After(req, res);
      });
  server.Post("/api/things",
              [&applied](const httplib::Request&, httplib::Response& res) {
                ++applied;
                SendJson(res, 201, {{"id", 1}});
              });
  OperatorHandlers ops;
  ops.stats = [] { return Json{{"total", 0}}; };
  ops.faults = &faults;
  RegisterOperatorEndpoints(server, ops);
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&server] { server.listen_after_bind(); });
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(5, 0);

  auto set = client.Post("/__sandbox/faults", R"({"rates":{"lost":1}})",
                         "application/json");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  auto lost = client.Post("/api/things", "{}", "application/json");
  EXPECT_FALSE(lost) << "no response";
  EXPECT_EQ(applied.load(), 1) << "but applied";

  set = client.Post("/__sandbox/faults", R"({"rates":{"lost":0,"reset":1}})",
                    "application/json");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200);
  auto reset = client.Post("/api/things", "{}", "application/json");
  EXPECT_FALSE(reset);
  EXPECT_EQ(applied.load(), 1) << "a reset applies nothing";

  auto stats = client.Get("/__sandbox/stats");
  ASSERT_TRUE(stats) << "operator routes are never faulted";
  Json s = Json::parse(stats->body);
  EXPECT_EQ(s["faults"]["injected"]["lost"], 1);
  EXPECT_EQ(s["faults"]["injected"]["reset"], 1);
  auto bad = client.Post("/__sandbox/faults", R"({"rates":{"x":1}})",
                         "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  set = client.Post("/__sandbox/faults", R"({"rates":{"reset":0}})",
                    "application/json");
  auto fine = client.Post("/api/things", "{}", "application/json");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 201);
  server.stop();
  t.join();
}

}  // namespace
}  // namespace bridgework::emulator
