// Freshsales bulk upsert end to end: the connector against the in-process
// emulator, for contacts, sales accounts and deals, with a job that stays
// in progress for a few polls (on fake time).
#include <httplib.h>

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "emulators/freshsales/freshsales_emulator.h"
#include "libs/crm/freshsales_connector.h"
#include "libs/record/value.h"
#include "tests/conformance/profiles.h"

namespace bridgework::conformance {
namespace {

using nlohmann::json;

class FreshsalesBulkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emulator::FreshsalesOptions o;
    o.token = "bulk-token";
    o.clock = time_.AbslClock();
    json key = {{{"name", "cf_bridgework_key"}, {"type", "text"}}};
    o.fields = {{"sales_accounts", key}, {"deals", key}};
    auto e = emulator::FreshsalesEmulator::Create(std::move(o));
    ASSERT_TRUE(e.ok()) << e.status();
    emulator_ = std::move(*e);
    ASSERT_TRUE(emulator_->Configure({{"job_polls", 2}}).ok());
    emulator_->Register(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    crm::FreshsalesConfig c;
    c.base_url = absl::StrCat("http://127.0.0.1:", port_, "/crm/sales/api");
    c.token = "bulk-token";
    c.requests_per_hour = 3600000;
    c.burst = 1000;
    connector_ = crm::MakeFreshsalesConnector(
        c, crm::MakeCurlHttpClient(), time_.SteadyClock(), time_.Sleeper());
  }
  void TearDown() override {
    connector_.reset();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Upserts `records`; returns one id or error text per record.
  std::vector<std::string> Upsert(std::vector<v1::TargetRecord>& records) {
    std::vector<crm::ResolvedRecord> resolved;
    for (const auto& t : records) resolved.push_back({&t, "3", {}});
    auto out = connector_->BulkUpsert(resolved);
    EXPECT_TRUE(out.ok()) << out.status();
    std::vector<std::string> texts;
    if (!out.ok()) return texts;
    for (const auto& r : *out) {
      texts.push_back(r.ok() ? *r : std::string(r.status().message()));
    }
    return texts;
  }

  FakeTime time_;
  std::unique_ptr<emulator::FreshsalesEmulator> emulator_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<crm::CrmConnector> connector_;
};

v1::TargetRecord Make(const std::string& object, const std::string& key_field,
                      int n, const std::string& name_field,
                      const std::string& name) {
  v1::TargetRecord t = Record(object, object, n, key_field);
  Set(t, name_field, name);
  return t;
}

TEST_F(FreshsalesBulkTest, ContactsAccountsAndDealsAreUpsertedByKey) {
  std::vector<v1::TargetRecord> accounts = {
      Make("sales_account", "cf_bridgework_key", 1, "name", "Main St"),
      Make("sales_account", "cf_bridgework_key", 2, "name", "Oak Ave")};
  std::vector<std::string> account_ids = Upsert(accounts);
  ASSERT_EQ(account_ids.size(), 2u);

  std::vector<v1::TargetRecord> contacts;
  for (int i = 0; i < 120; ++i) {
    contacts.push_back(
        Make("contact", "external_id", i, "last_name", absl::StrCat("P", i)));
  }
  // A duplicate email: refused on its own.
  Set(contacts[5], "email", "same@mail.example");
  Set(contacts[6], "email", "same@mail.example");
  std::vector<std::string> contact_ids = Upsert(contacts);
  ASSERT_EQ(contact_ids.size(), 120u);
  EXPECT_EQ(contact_ids[6], "Email is not unique");
  for (int i : {0, 5, 99, 100, 119}) {
    auto got = connector_->Get("contact", contact_ids[i]);
    ASSERT_TRUE(got.ok() && got->has_value()) << i;
    EXPECT_EQ((**got)["external_id"], absl::StrCat("pbn:contact:", i));
    EXPECT_EQ((**got)["owner_id"], 3);
  }

  std::vector<v1::TargetRecord> deals = {
      Make("deal", "cf_bridgework_key", 1, "name", "Implant"),
      Make("deal", "cf_bridgework_key", 2, "name", "Crown")};
  Set(deals[1], "stage", "Consultation");
  std::vector<std::string> deal_ids = Upsert(deals);
  ASSERT_EQ(deal_ids.size(), 2u);
  auto crown = connector_->Get("deal", deal_ids[1]);
  ASSERT_TRUE(crown.ok() && crown->has_value()) << deal_ids[1];
  EXPECT_EQ((**crown)["probability"], 30);

  // Again with a change: the same ids come back (updated, not created).
  Set(deals[0], "name", "Implant and crown");
  std::vector<std::string> again = Upsert(deals);
  EXPECT_EQ(again, deal_ids);
  auto implant = connector_->Get("deal", deal_ids[0]);
  ASSERT_TRUE(implant.ok() && implant->has_value());
  EXPECT_EQ((**implant)["name"], "Implant and crown");
  // Two polls in progress per job: the connector waited on fake time.
  EXPECT_GT(time_.slept(), absl::ZeroDuration());
  json stats = emulator_->Stats();
  EXPECT_EQ(stats["requests"]["POST /contacts/bulk_upsert"]["202"], 2);
  EXPECT_EQ(stats["requests"]["POST /deals/bulk_upsert"]["202"], 2);
}

}  // namespace
}  // namespace bridgework::conformance
