#include "emulators/freshsales/freshsales_emulator.h"

#include <thread>

#include <gtest/gtest.h>

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;

class FreshsalesEmulatorTest : public ::testing::Test {
 protected:
  void Start(int per_hour = 1000, double time_scale = 1.0) {
    FreshsalesOptions o;
    o.token = "k";
    o.requests_per_hour = per_hour;
    o.time_scale = time_scale;
    o.fields = {{"contacts",
                 {{{"name", "cf_status"},
                   {"type", "dropdown"},
                   {"choices", {"Active", "Inactive"}}}}},
                {"sales_accounts", {{{"name", "cf_key"}, {"type", "text"}}}}};
    emulator_ = std::make_unique<FreshsalesEmulator>(o);
    emulator_->Register(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Headers Auth(const std::string& token = "k") {
    return {{"Authorization", "Token token=" + token}};
  }
  std::pair<int, Json> Call(const std::string& method, const std::string& path,
                            const Json& body = Json(),
                            const std::string& token = "k") {
    std::string p = "/crm/sales/api" + path;
    httplib::Result r =
        method == "GET"      ? client_->Get(p.c_str(), Auth(token))
        : method == "DELETE" ? client_->Delete(p.c_str(), Auth(token))
        : method == "PUT"    ? client_->Put(p.c_str(), Auth(token), body.dump(),
                                            "application/json")
                          : client_->Post(p.c_str(), Auth(token), body.dump(),
                                          "application/json");
    EXPECT_TRUE(r);
    return {r->status, Json::parse(r->body, nullptr, false)};
  }

  httplib::Server server_;
  std::unique_ptr<FreshsalesEmulator> emulator_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(FreshsalesEmulatorTest, AuthIsRequired) {
  Start();
  auto [status, body] = Call("GET", "/selector/owners", Json(), "wrong");
  EXPECT_EQ(status, 401);
  EXPECT_EQ(body["errors"]["code"], 401);
}

TEST_F(FreshsalesEmulatorTest, ContactLifecycleAndRules) {
  Start();
  auto [s1, acct] =
      Call("POST", "/sales_accounts", {{"sales_account", {{"name", "HQ"}}}});
  ASSERT_EQ(s1, 201);
  int64_t account_id = acct["sales_account"]["id"];
  auto [s2, c] = Call(
      "POST", "/contacts",
      {{"contact",
        {{"last_name", "Núñez"},
         {"email", "A@x.example"},
         {"owner_id", 2},
         {"custom_field", {{"cf_status", "Active"}}},
         {"sales_accounts", {{{"id", account_id}, {"is_primary", true}}}}}}});
  ASSERT_EQ(s2, 201) << c.dump();
  int64_t id = c["contact"]["id"];
  // Flat body accepted too; duplicate email refused with the error shape.
  auto [s3, dup] = Call("POST", "/contacts",
                        {{"last_name", "Other"}, {"email", "a@x.example"}});
  EXPECT_EQ(s3, 400);
  EXPECT_EQ(dup["errors"]["message"][0], "Email is not unique");
  EXPECT_EQ(Call("POST", "/contacts",
                 {{"contact",
                   {{"last_name", "X"}, {"custom_field", {{"cf_nope", 1}}}}}})
                .first,
            400);
  EXPECT_EQ(
      Call(
          "POST", "/contacts",
          {{"contact",
            {{"last_name", "X"}, {"custom_field", {{"cf_status", "Zombie"}}}}}})
          .first,
      400);
  EXPECT_EQ(Call("POST", "/contacts",
                 {{"contact", {{"last_name", "X"}, {"owner_id", 99}}}})
                .first,
            400);
  EXPECT_EQ(Call("POST", "/contacts",
                 {{"contact",
                   {{"last_name", "X"}, {"sales_accounts", {{{"id", 999}}}}}}})
                .first,
            400);
  EXPECT_EQ(
      Call("POST", "/contacts", {{"contact", {{"job_title", "only"}}}}).first,
      400);
  auto [s4, got] = Call("GET", "/contacts/" + std::to_string(id));
  EXPECT_EQ(s4, 200);
  EXPECT_EQ(got["contact"]["last_name"], "Núñez");
  auto [s5, upd] = Call("PUT", "/contacts/" + std::to_string(id),
                        {{"contact", {{"first_name", "Ana"}}}});
  EXPECT_EQ(s5, 200);
  EXPECT_EQ(upd["contact"]["first_name"], "Ana");
  EXPECT_EQ(upd["contact"]["last_name"], "Núñez");
  EXPECT_EQ(Call("DELETE", "/contacts/" + std::to_string(id)).first, 200);
  auto [s6, gone] = Call("GET", "/contacts/" + std::to_string(id));
  EXPECT_EQ(s6, 404);
  EXPECT_EQ(gone["errors"]["code"], 404);
}

TEST_F(FreshsalesEmulatorTest, AccountsParentNameAndLookup) {
  Start();
  auto [s1, hq] = Call(
      "POST", "/sales_accounts",
      {{"sales_account",
        {{"name", "HQ"}, {"custom_field", {{"cf_key", "pbn:location:1"}}}}}});
  ASSERT_EQ(s1, 201);
  int64_t hq_id = hq["sales_account"]["id"];
  EXPECT_EQ(
      Call("POST", "/sales_accounts", {{"sales_account", {{"name", "HQ"}}}})
          .first,
      400);
  EXPECT_EQ(Call("POST", "/sales_accounts",
                 {{"sales_account",
                   {{"name", "Sat"}, {"parent_sales_account_id", 777}}}})
                .first,
            400);
  EXPECT_EQ(Call("POST", "/sales_accounts",
                 {{"sales_account",
                   {{"name", "Sat"}, {"parent_sales_account_id", hq_id}}}})
                .first,
            201);
  auto [s2, found] = Call(
      "GET", "/lookup?q=pbn%3Alocation%3A1&f=cf_key&entities=sales_account");
  ASSERT_EQ(s2, 200);
  ASSERT_EQ(found["sales_accounts"]["sales_accounts"].size(), 1u);
  EXPECT_EQ(found["sales_accounts"]["sales_accounts"][0]["id"], hq_id);
}

TEST_F(FreshsalesEmulatorTest, ViewsPaginate) {
  Start();
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(Call("POST", "/contacts",
                   {{"contact", {{"last_name", "P" + std::to_string(i)}}}})
                  .first,
              201);
  }
  auto [s, filters] = Call("GET", "/contacts/filters");
  EXPECT_EQ(filters["filters"][0]["name"], "All Contacts");
  auto [s1, p1] = Call("GET", "/contacts/view/1?page=1&per_page=3");
  EXPECT_EQ(p1["contacts"].size(), 3u);
  EXPECT_EQ(p1["meta"]["total_pages"], 3);
  auto [s3, p3] = Call("GET", "/contacts/view/1?page=3&per_page=3");
  EXPECT_EQ(p3["contacts"].size(), 1u);
}

TEST_F(FreshsalesEmulatorTest, HourlyLimitWith429AndRecovery) {
  Start(3, 3600.0 * 5);  // an "hour" of 200 ms
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Call("GET", "/selector/owners").first, 200);
  auto r = client_->Get("/crm/sales/api/selector/owners", Auth());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->get_header_value("X-RateLimit-Remaining"), "0");
  EXPECT_FALSE(r->get_header_value("Retry-After").empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto ok = client_->Get("/crm/sales/api/selector/owners", Auth());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("X-RateLimit-Limit"), "3");
  auto stats = Json::parse(client_->Get("/__sandbox/stats")->body);
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["requests"]["GET /crm/sales/api/selector/owners"]["429"], 1);
}

TEST_F(FreshsalesEmulatorTest, StateSeedAndReset) {
  Start();
  client_->Post("/__sandbox/seed", R"({"contacts":[{"last_name":"Existing"}]})",
                "application/json");
  auto state = Json::parse(client_->Get("/__sandbox/state")->body);
  ASSERT_EQ(state["contacts"].size(), 1u);
  EXPECT_EQ(state["contacts"][0]["last_name"], "Existing");
  client_->Post("/__sandbox/reset", "", "application/json");
  state = Json::parse(client_->Get("/__sandbox/state")->body);
  EXPECT_EQ(state["contacts"].size(), 0u);
}

}  // namespace
}  // namespace bridgework::emulator
