#include "emulators/freshsales/freshsales_emulator.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kToken[] = "test-key";

Json Fields() {
  return {
      {"contacts",
       {{{"name", "cf_patient_status"},
         {"label", "Patient status"},
         {"type", "dropdown"},
         {"choices", {"Active", "Inactive"}}},
        {{"name", "cf_date_of_birth"},
         {"label", "Date of birth"},
         {"type", "date"}},
        {{"name", "cf_referral_source"}, {"type", "text"}}}},
      {"sales_accounts", {{{"name", "cf_bridgework_key"}, {"type", "text"}}}}};
}

struct Response {
  int status = 0;
  Json body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class FreshsalesEmulatorTest : public ::testing::Test {
 protected:
  void Start(FreshsalesOptions o) {
    if (o.token.empty()) o.token = kToken;
    if (o.fields.is_null()) o.fields = Fields();
    auto created = FreshsalesEmulator::Create(std::move(o));
    ASSERT_TRUE(created.ok()) << created.status();
    emulator_ = *std::move(created);
    emulator_->Register(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void Start() { Start(FreshsalesOptions{}); }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // An API call; `body` is sent as JSON unless it is a string (sent raw).
  Response Call(const std::string& method, const std::string& path,
                const Json& body = Json(), const std::string& token = kToken) {
    std::string p = std::string(FreshsalesEmulator::kApiPrefix) + path;
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Token token=" + token);
    std::string payload =
        body.is_string() ? body.get<std::string>() : body.dump();
    httplib::Result r =
        method == "GET"      ? client_->Get(p.c_str(), h)
        : method == "DELETE" ? client_->Delete(p.c_str(), h)
        : method == "PUT"
            ? client_->Put(p.c_str(), h, payload, "application/json")
            : client_->Post(p.c_str(), h, payload, "application/json");
    Response out;
    EXPECT_TRUE(r) << method << " " << path;
    if (!r) return out;
    out.status = r->status;
    out.body = Json::parse(r->body, nullptr, false);
    out.headers = r->headers;
    return out;
  }

  Json Operator(const std::string& method, const std::string& name,
                const Json& body = Json::object()) {
    std::string p = "/__sandbox/" + name;
    httplib::Result r = method == "GET" ? client_->Get(p.c_str())
                                        : client_->Post(p.c_str(), body.dump(),
                                                        "application/json");
    EXPECT_TRUE(r);
    if (!r) return Json();
    EXPECT_EQ(r->status, 200) << name << ": " << r->body;
    return Json::parse(r->body, nullptr, false);
  }

  int64_t CreateContact(const Json& fields) {
    Response r = Call("POST", "/contacts", {{"contact", fields}});
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.status == 201 ? r.body["contact"]["id"].get<int64_t>() : 0;
  }

  int64_t CreateAccount(const Json& fields) {
    Response r = Call("POST", "/sales_accounts", {{"sales_account", fields}});
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.status == 201 ? r.body["sales_account"]["id"].get<int64_t>() : 0;
  }

  static Json ErrorBody(int code, const std::string& message) {
    return {{"errors", {{"code", code}, {"message", {message}}}}};
  }

  httplib::Server server_;
  std::unique_ptr<FreshsalesEmulator> emulator_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

// Issue 8: faults set through /__sandbox/faults hit API calls only. A lost
// reply is applied; a storm answers 429 with Retry-After in Freshsales'
// envelope; operator routes answer throughout; stats count by kind.
TEST_F(FreshsalesEmulatorTest, FaultsHitApiCallsOnlyAndAreCounted) {
  Start();
  Operator("POST", "faults", {{"rates", {{"lost", 1}}}});
  httplib::Headers h = {
      {"Authorization", std::string("Token token=") + kToken}};
  auto lost = client_->Post(
      (std::string(FreshsalesEmulator::kApiPrefix) + "/contacts").c_str(), h,
      Json{{"contact", {{"last_name", "Lost"}}}}.dump(), "application/json");
  EXPECT_FALSE(lost) << "the connection closes without a reply";
  EXPECT_EQ(Operator("GET", "state")["contacts"].size(), 1u) << "but applied";
  Operator("POST", "faults",
           {{"rates", {{"lost", 0}, {"storm", 1}}}, {"storm_ms", 4000}});
  Response storm = Call("GET", "/contacts/filters");
  EXPECT_EQ(storm.status, 429);
  EXPECT_EQ(storm.header("Retry-After"), "4");
  EXPECT_EQ(storm.body, ErrorBody(429, "Too many requests"));
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["faults"]["injected"]["lost"], 1);
  EXPECT_EQ(stats["faults"]["injected"]["storm"], 1);
  EXPECT_EQ(stats["faults"]["storms"], 1);
}

TEST_F(FreshsalesEmulatorTest, MissingOrWrongKeyIs401AndIsNotCharged) {
  Start();
  Response wrong = Call("GET", "/selector/owners", Json(), "wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body, ErrorBody(401, "Incorrect or missing API key"));
  EXPECT_EQ(Call("GET", "/contacts/filters", Json(), "").status, 401);
  // Bearer is not Freshsales' scheme.
  httplib::Headers bearer = {
      {"Authorization", std::string("Bearer ") + kToken}};
  EXPECT_EQ(client_->Get("/crm/sales/api/selector/owners", bearer)->status,
            401);
  // Rails' token parser also accepts the quoted form.
  httplib::Headers quoted = {
      {"Authorization", std::string("Token token=\"") + kToken + "\""}};
  EXPECT_EQ(client_->Get("/crm/sales/api/selector/owners", quoted)->status,
            200);
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["GET /selector/owners"]["401"], 2);
  EXPECT_EQ(stats["window"]["used"], 1) << "only the authorised call counts";
}

TEST_F(FreshsalesEmulatorTest, CreatesWrappedAndFlatContacts) {
  Start();
  Response wrapped =
      Call("POST", "/contacts",
           {{"contact",
             {{"first_name", "Ana"},
              {"last_name", "Núñez"},
              {"email", "Ana@Example.com"},
              {"custom_field", {{"cf_patient_status", "Active"}}}}}});
  ASSERT_EQ(wrapped.status, 201) << wrapped.body.dump();
  const Json& c = wrapped.body["contact"];
  EXPECT_GE(c["id"].get<int64_t>(), 16000000001);
  EXPECT_EQ(c["last_name"], "Núñez");
  EXPECT_EQ(c["owner_id"], 1) << "defaults to the API key's user";
  EXPECT_EQ(c["custom_field"]["cf_patient_status"], "Active");
  std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)");
  EXPECT_TRUE(std::regex_match(c["created_at"].get<std::string>(), iso))
      << c["created_at"];
  EXPECT_EQ(c["created_at"], c["updated_at"]);
  EXPECT_EQ(wrapped.header("Content-Type"), "application/json; charset=utf-8");

  Response flat = Call("POST", "/contacts",
                       {{"last_name", "Flat"},
                        {"nickname", "ignored"},
                        {"mobile_number", "+15125550100"}});
  ASSERT_EQ(flat.status, 201) << flat.body.dump();
  EXPECT_GT(flat.body["contact"]["id"], c["id"]);
  EXPECT_FALSE(flat.body["contact"].contains("nickname"));
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["requests"]["POST /contacts"]["201"], 2);
  EXPECT_EQ(stats["ignored_attributes"]["contacts.nickname"], 1);
}

TEST_F(FreshsalesEmulatorTest, ReadUpdateDelete) {
  Start();
  int64_t id = CreateContact(
      {{"first_name", "Ana"},
       {"email", "ana@example.com"},
       {"custom_field",
        {{"cf_patient_status", "Active"}, {"cf_referral_source", "web"}}}});
  std::string path = "/contacts/" + std::to_string(id);
  Response got = Call("GET", path);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body["contact"]["first_name"], "Ana");

  Response upd =
      Call("PUT", path,
           {{"contact",
             {{"last_name", "Silva"},
              {"custom_field", {{"cf_patient_status", "Inactive"}}}}}});
  ASSERT_EQ(upd.status, 200) << upd.body.dump();
  const Json& u = upd.body["contact"];
  EXPECT_EQ(u["first_name"], "Ana") << "untouched fields stay";
  EXPECT_EQ(u["last_name"], "Silva");
  EXPECT_EQ(u["custom_field"]["cf_patient_status"], "Inactive");
  EXPECT_EQ(u["custom_field"]["cf_referral_source"], "web")
      << "custom fields merge key by key";
  EXPECT_EQ(Call("GET", path).body["contact"], u);
  // null clears a field.
  Response cleared = Call("PUT", path, {{"contact", {{"last_name", nullptr}}}});
  EXPECT_FALSE(cleared.body["contact"].contains("last_name"));

  Response del = Call("DELETE", path);
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.body, Json::object());
  Response gone = Call("GET", path);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body, ErrorBody(404, "Record not found"));
  EXPECT_EQ(Call("DELETE", path).status, 404);
  EXPECT_EQ(Call("PUT", path, {{"contact", {{"first_name", "X"}}}}).status,
            404);
  Response unknown_route = Call("GET", "/nonsense");
  EXPECT_EQ(unknown_route.status, 404);
  EXPECT_EQ(unknown_route.body["errors"]["code"], 404);
}

TEST_F(FreshsalesEmulatorTest, UniquenessAndRequiredFields) {
  Start();
  CreateContact({{"last_name", "A"},
                 {"email", "dup@example.com"},
                 {"mobile_number", "+15125550100"}});
  Response dup =
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "B"}, {"email", "DUP@example.com"}}}});
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(dup.body, ErrorBody(400, "Email is not unique"));
  // Also through the emails array.
  Response dup2 =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "B"},
              {"emails", {"other@example.com", "dup@example.com"}}}}});
  EXPECT_EQ(dup2.body, ErrorBody(400, "Email is not unique"));
  Response mobile = Call(
      "POST", "/contacts",
      {{"contact", {{"last_name", "C"}, {"mobile_number", "+15125550100"}}}});
  EXPECT_EQ(mobile.body, ErrorBody(400, "MobileNumber is not unique"));
  Response nameless =
      Call("POST", "/contacts", {{"contact", {{"job_title", "Hygienist"}}}});
  EXPECT_EQ(nameless.status, 400);
  EXPECT_THAT(nameless.body["errors"]["message"][0].get<std::string>(),
              HasSubstr("at least one of"));
  Response owner = Call("POST", "/contacts",
                        {{"contact", {{"last_name", "D"}, {"owner_id", 99}}}});
  EXPECT_EQ(owner.body, ErrorBody(400, "Owner is invalid"));
  Response bad_email =
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "E"}, {"email", "no-at"}}}});
  EXPECT_EQ(bad_email.body, ErrorBody(400, "Email is invalid"));
  Response bad_json = Call("POST", "/contacts", Json("{\"contact\": "));
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.body["errors"]["code"], 400);
  // Emails array normalised; the primary one is "email".
  Response emails =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "F"},
              {"emails",
               {{{"value", "f1@example.com"}, {"is_primary", false}},
                {{"value", "f2@example.com"}, {"is_primary", true}}}}}}});
  ASSERT_EQ(emails.status, 201) << emails.body.dump();
  EXPECT_EQ(emails.body["contact"]["email"], "f2@example.com");
}

TEST_F(FreshsalesEmulatorTest, CustomFieldsAreChecked) {
  Start();
  Response unknown =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "X"}, {"custom_field", {{"cf_nope", "1"}}}}}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body, ErrorBody(400, "Unknown custom field: cf_nope"));
  Response choice =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "X"},
              {"custom_field", {{"cf_patient_status", "Zombie"}}}}}});
  EXPECT_EQ(choice.body,
            ErrorBody(400, "Invalid choice for cf_patient_status"));
  Response date =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "X"},
              {"custom_field", {{"cf_date_of_birth", "03/04/1990"}}}}}});
  EXPECT_EQ(date.status, 400);
  EXPECT_THAT(date.body["errors"]["message"][0].get<std::string>(),
              HasSubstr("cf_date_of_birth"));
  // A standard-looking date_of_birth is not a Freshsales field: ignored.
  Response dob =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "X"},
              {"date_of_birth", "1990-03-04"},
              {"custom_field", {{"cf_date_of_birth", "1990-03-04"}}}}}});
  ASSERT_EQ(dob.status, 201) << dob.body.dump();
  EXPECT_FALSE(dob.body["contact"].contains("date_of_birth"));
  EXPECT_EQ(dob.body["contact"]["custom_field"]["cf_date_of_birth"],
            "1990-03-04");
  // Account fields are separate from contact fields.
  Response wrong_entity =
      Call("POST", "/sales_accounts",
           {{"sales_account",
             {{"name", "HQ"},
              {"custom_field", {{"cf_patient_status", "Active"}}}}}});
  EXPECT_EQ(wrong_entity.body,
            ErrorBody(400, "Unknown custom field: cf_patient_status"));
}

TEST_F(FreshsalesEmulatorTest, AccountsParentLinkAndName) {
  Start();
  int64_t hq = CreateAccount({{"name", "SmileBright HQ"}});
  EXPECT_GE(hq, 16000500001);
  Response taken = Call("POST", "/sales_accounts",
                        {{"sales_account", {{"name", "smilebright hq"}}}});
  EXPECT_EQ(taken.body, ErrorBody(400, "Name has already been taken"));
  Response blank = Call("POST", "/sales_accounts",
                        {{"sales_account", {{"city", "Austin"}}}});
  EXPECT_EQ(blank.status, 400);
  Response bad_parent = Call(
      "POST", "/sales_accounts",
      {{"sales_account", {{"name", "Sat"}, {"parent_sales_account_id", 777}}}});
  EXPECT_EQ(bad_parent.status, 400);
  EXPECT_EQ(bad_parent.body["errors"]["code"], 400);
  int64_t sat =
      CreateAccount({{"name", "Sat"}, {"parent_sales_account_id", hq}});
  Response got = Call("GET", "/sales_accounts/" + std::to_string(sat));
  EXPECT_EQ(got.body["sales_account"]["parent_sales_account_id"], hq);
  // A cycle is refused.
  Response cycle =
      Call("PUT", "/sales_accounts/" + std::to_string(hq),
           {{"sales_account", {{"parent_sales_account_id", sat}}}});
  EXPECT_EQ(cycle.status, 400);
  // Deleting the parent drops the link.
  EXPECT_EQ(Call("DELETE", "/sales_accounts/" + std::to_string(hq)).status,
            200);
  EXPECT_FALSE(Call("GET", "/sales_accounts/" + std::to_string(sat))
                   .body["sales_account"]
                   .contains("parent_sales_account_id"));
}

TEST_F(FreshsalesEmulatorTest, ContactsLinkToAccounts) {
  Start();
  int64_t account = CreateAccount({{"name", "HQ"}});
  Response linked =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "Linked"},
              {"sales_accounts", {{{"id", account}, {"is_primary", true}}}}}}});
  ASSERT_EQ(linked.status, 201) << linked.body.dump();
  EXPECT_EQ(linked.body["contact"]["sales_accounts"],
            Json::parse("[{\"id\":" + std::to_string(account) +
                        ",\"is_primary\":true}]"));
  Response invalid =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "X"},
              {"sales_accounts", {{{"id", 999}, {"is_primary", true}}}}}}});
  EXPECT_EQ(invalid.body,
            ErrorBody(400, "The type for sales_accounts is invalid."));
  // A contact id is not an account id.
  int64_t contact = linked.body["contact"]["id"];
  Response crossed =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "Y"}, {"sales_accounts", {{{"id", contact}}}}}}});
  EXPECT_EQ(crossed.status, 400);
  Response not_a_list =
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "Z"}, {"sales_accounts", account}}}});
  EXPECT_EQ(not_a_list.body,
            ErrorBody(400, "The type for sales_accounts is invalid."));
}

TEST_F(FreshsalesEmulatorTest, ViewsPaginateAcrossThreePages) {
  Start();
  std::set<int64_t> created;
  for (int i = 0; i < 7; ++i) {
    created.insert(CreateContact({{"last_name", "P" + std::to_string(i)}}));
  }
  Response filters = Call("GET", "/contacts/filters");
  ASSERT_EQ(filters.status, 200);
  int64_t all = 0;
  for (const auto& f : filters.body["filters"]) {
    if (f["name"] == "All Contacts") all = f["id"];
  }
  ASSERT_NE(all, 0) << filters.body.dump();
  std::string view = "/contacts/view/" + std::to_string(all);
  std::set<int64_t> seen;
  std::vector<size_t> sizes;
  for (int page = 1; page <= 4; ++page) {
    Response r = Call("GET", view + "?page=" + std::to_string(page) +
                                 "&per_page=3&sort=id&sort_type=asc");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body["meta"]["total_pages"], 3);
    EXPECT_EQ(r.body["meta"]["total"], 7);
    sizes.push_back(r.body["contacts"].size());
    int64_t previous = 0;
    for (const auto& c : r.body["contacts"]) {
      EXPECT_GT(c["id"].get<int64_t>(), previous) << "ascending by id";
      previous = c["id"];
      seen.insert(c["id"].get<int64_t>());
    }
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 1, 0}));
  EXPECT_EQ(seen, created);
  Response big = Call("GET", view + "?per_page=500");
  EXPECT_EQ(big.body["contacts"].size(), 7u);
  EXPECT_EQ(big.body["meta"]["total_pages"], 1);
  EXPECT_EQ(Call("GET", "/contacts/view/42").status, 404);
  Response accounts = Call("GET", "/sales_accounts/filters");
  EXPECT_EQ(accounts.body["filters"][0]["name"], "All Accounts");
}

// Page by page, a view lists every record once, in the order of the whole
// listing sorted by the sort field and then the id (only the page asked for
// is put in order; ties on the field are common: names, timestamps of one
// second).
TEST_F(FreshsalesEmulatorTest, ViewPagesTogetherAreTheWholeSortedListing) {
  Start();
  std::set<int64_t> created;
  for (int i = 0; i < 23; ++i) {
    created.insert(CreateContact({{"last_name", "N" + std::to_string(i % 5)}}));
  }
  // Every contact (the whole table's listing, kept sorted) and the
  // contacts of the first user, who owns them all (a filtered listing,
  // each page put in order alone).
  std::map<std::string, int64_t> views;
  Response filters = Call("GET", "/contacts/filters");
  for (const auto& f : filters.body["filters"]) views[f["name"]] = f["id"];
  ASSERT_TRUE(views.count("All Contacts") && views.count("My Contacts"));
  for (const auto& [name, order] :
       std::vector<std::pair<std::string, std::string>>{
           {"All Contacts", ""},
           {"All Contacts", "&sort=last_name&sort_type=asc"},
           {"All Contacts", "&sort=last_name"},
           {"My Contacts", ""},
           {"My Contacts", "&sort=last_name&sort_type=asc"},
           {"My Contacts", "&sort=last_name"}}) {
    SCOPED_TRACE(name + order);
    const std::string view = "/contacts/view/" + std::to_string(views[name]);
    const bool asc = order.find("asc") != std::string::npos;
    const std::string field = order.find("last_name") != std::string::npos
                                  ? "last_name"
                                  : "updated_at";
    std::vector<Json> listed;
    for (int page = 1; page <= 6; ++page) {
      Response r = Call("GET", view + "?page=" + std::to_string(page) +
                                   "&per_page=4" + order);
      ASSERT_EQ(r.status, 200);
      for (const auto& c : r.body["contacts"]) listed.push_back(c);
    }
    ASSERT_EQ(listed.size(), created.size());
    std::set<int64_t> seen;
    for (size_t i = 0; i < listed.size(); ++i) {
      seen.insert(listed[i]["id"].get<int64_t>());
      if (i == 0) continue;
      auto key = [&](const Json& c) {
        return std::make_pair(c[field], c["id"].get<int64_t>());
      };
      if (asc) {
        EXPECT_LT(key(listed[i - 1]), key(listed[i])) << i;
      } else {
        EXPECT_GT(key(listed[i - 1]), key(listed[i])) << i;
      }
    }
    EXPECT_EQ(seen, created);
  }
}

// A view's pages come from one sorted listing kept between requests; a
// change to the table between two pages shows in the next one.
TEST_F(FreshsalesEmulatorTest, ViewPagesShowChangesMadeBetweenThem) {
  Start();
  std::map<std::string, int64_t> id;
  for (const char* name : {"B", "C", "D", "E", "F"}) {
    id[name] = CreateContact({{"last_name", name}});
  }
  int64_t all = 0;
  Response filters = Call("GET", "/contacts/filters");
  for (const auto& f : filters.body["filters"]) {
    if (f["name"] == "All Contacts") all = f["id"];
  }
  ASSERT_NE(all, 0);
  auto page = [&](int n) {
    Response r = Call("GET", "/contacts/view/" + std::to_string(all) +
                                 "?page=" + std::to_string(n) +
                                 "&per_page=2&sort=last_name&sort_type=asc");
    EXPECT_EQ(r.status, 200);
    std::vector<std::string> names;
    for (const auto& c : r.body["contacts"]) names.push_back(c["last_name"]);
    return names;
  };
  EXPECT_EQ(page(1), (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(page(2), (std::vector<std::string>{"D", "E"}));
  ASSERT_EQ(Call("PUT", "/contacts/" + std::to_string(id["F"]),
                 {{"contact", {{"last_name", "A"}}}})
                .status,
            200);
  EXPECT_EQ(page(1), (std::vector<std::string>{"A", "B"}));
  ASSERT_EQ(Call("DELETE", "/contacts/" + std::to_string(id["C"])).status, 200);
  EXPECT_EQ(page(2), (std::vector<std::string>{"D", "E"}));
  EXPECT_EQ(page(3), std::vector<std::string>{});
  id["G"] = CreateContact({{"last_name", "G"}});
  EXPECT_EQ(page(3), (std::vector<std::string>{"G"}));
}

TEST_F(FreshsalesEmulatorTest, UpsertByExternalIdCreatesThenUpdates) {
  Start();
  Json body = {{"unique_identifier", {{"external_id", "pbn:patient:7"}}},
               {"contact", {{"first_name", "Ana"}, {"last_name", "Silva"}}}};
  Response first = Call("POST", "/contacts/upsert", body);
  ASSERT_EQ(first.status, 201) << first.body.dump();
  EXPECT_EQ(first.body["contact"]["external_id"], "pbn:patient:7");
  body["contact"]["first_name"] = "Anna";
  Response second = Call("POST", "/contacts/upsert", body);
  ASSERT_EQ(second.status, 200) << second.body.dump();
  EXPECT_EQ(second.body["contact"]["id"], first.body["contact"]["id"]);
  EXPECT_EQ(second.body["contact"]["first_name"], "Anna");
  EXPECT_EQ(Operator("GET", "state")["contacts"].size(), 1u);
  // By email (case-insensitive) and by a custom field.
  Response by_email =
      Call("POST", "/contacts/upsert",
           {{"unique_identifier", {{"emails", "B@example.com"}}},
            {"contact", {{"last_name", "B"}}}});
  ASSERT_EQ(by_email.status, 201);
  EXPECT_EQ(by_email.body["contact"]["email"], "B@example.com");
  EXPECT_EQ(Call("POST", "/contacts/upsert",
                 {{"unique_identifier", {{"emails", "b@example.com"}}},
                  {"contact", {{"job_title", "Patient"}}}})
                .status,
            200);
  Response account =
      Call("POST", "/sales_accounts/upsert",
           {{"unique_identifier", {{"cf_bridgework_key", "pbn:location:1"}}},
            {"sales_account", {{"name", "HQ"}}}});
  ASSERT_EQ(account.status, 201) << account.body.dump();
  EXPECT_EQ(account.body["sales_account"]["custom_field"]["cf_bridgework_key"],
            "pbn:location:1");
  // Two matches: not unique.
  Operator("POST", "seed",
           {{"contacts",
             {{{"last_name", "S1"}, {"external_id", "dup"}},
              {{"last_name", "S2"}, {"external_id", "dup"}}}}});
  Response ambiguous = Call("POST", "/contacts/upsert",
                            {{"unique_identifier", {{"external_id", "dup"}}},
                             {"contact", {{"last_name", "S"}}}});
  EXPECT_EQ(ambiguous.body, ErrorBody(400, "Contact is not unique"));
  EXPECT_EQ(Call("POST", "/contacts/upsert",
                 {{"unique_identifier", {{"job_title", "x"}}},
                  {"contact", {{"last_name", "S"}}}})
                .status,
            400);
}

TEST_F(FreshsalesEmulatorTest, BulkUpsertAndJobStatus) {
  Start();
  int64_t existing =
      CreateContact({{"last_name", "Old"}, {"external_id", "k1"}});
  Json body = {{"unique_identifier", {{"external_id", ""}}},
               {"contacts",
                {{{"external_id", "k1"}, {"first_name", "Updated"}},
                 {{"external_id", "k2"}, {"last_name", "New"}},
                 {{"external_id", "k3"},
                  {"last_name", "Bad"},
                  {"custom_field", {{"cf_nope", 1}}}}}}};
  Response submitted = Call("POST", "/contacts/bulk_upsert", body);
  ASSERT_EQ(submitted.status, 202) << submitted.body.dump();
  ASSERT_TRUE(submitted.body["job_id"].is_string());
  Response job = Call(
      "GET", "/job_statuses/" + submitted.body["job_id"].get<std::string>());
  ASSERT_EQ(job.status, 200) << job.body.dump();
  const Json& s = job.body["job_status"];
  EXPECT_EQ(s["id"], submitted.body["job_id"]);
  EXPECT_EQ(s["status"], "completed");
  ASSERT_EQ(s["results"].size(), 3u);
  EXPECT_EQ(s["results"][0]["index"], 0);
  EXPECT_EQ(s["results"][0]["status"], "updated");
  EXPECT_EQ(s["results"][0]["id"], existing);
  EXPECT_EQ(s["results"][1]["status"], "created");
  EXPECT_TRUE(s["results"][1]["id"].is_number_integer());
  EXPECT_EQ(s["results"][2]["status"], "failed");
  EXPECT_EQ(s["results"][2]["errors"]["code"], 400);
  EXPECT_EQ(s["results"][2]["errors"]["message"][0],
            "Unknown custom field: cf_nope");
  EXPECT_EQ(Operator("GET", "state")["contacts"].size(), 2u);
  // At most 100 records.
  Json big = {{"unique_identifier", {{"external_id", ""}}},
              {"contacts", Json::array()}};
  for (int i = 0; i < 101; ++i) {
    big["contacts"].push_back({{"external_id", "b" + std::to_string(i)}});
  }
  EXPECT_EQ(Call("POST", "/contacts/bulk_upsert", big).status, 400);
  EXPECT_EQ(Call("GET", "/job_statuses/123").status, 404);
  // The disputed alternatives are not served.
  EXPECT_EQ(Call("GET", "/jobs/" + submitted.body["job_id"].get<std::string>())
                .status,
            404);
}

TEST_F(FreshsalesEmulatorTest, BulkDestroy) {
  Start();
  int64_t a = CreateContact({{"last_name", "A"}});
  int64_t b = CreateContact({{"last_name", "B"}});
  int64_t c = CreateContact({{"last_name", "C"}});
  Response r = Call("POST", "/contacts/bulk_destroy",
                    {{"selected_ids", {a, std::to_string(b), 1}}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Json::object());
  EXPECT_EQ(Call("GET", "/contacts/" + std::to_string(a)).status, 404);
  EXPECT_EQ(Call("GET", "/contacts/" + std::to_string(b)).status, 404);
  EXPECT_EQ(Call("GET", "/contacts/" + std::to_string(c)).status, 200);
  EXPECT_EQ(
      Call("POST", "/contacts/bulk_destroy", {{"selected_ids", "x"}}).status,
      400);
  int64_t account = CreateAccount({{"name", "Gone"}});
  EXPECT_EQ(Call("POST", "/sales_accounts/bulk_destroy",
                 {{"selected_ids", {account}}})
                .status,
            200);
  EXPECT_EQ(Operator("GET", "state")["sales_accounts"].size(), 0u);
}

TEST_F(FreshsalesEmulatorTest, LookupAndFilteredSearch) {
  Start();
  int64_t account = CreateAccount(
      {{"name", "HQ"},
       {"custom_field", {{"cf_bridgework_key", "pbn:location:1"}}}});
  int64_t ana =
      CreateContact({{"first_name", "Ana"},
                     {"last_name", "Silva"},
                     {"email", "ana@example.com"},
                     {"external_id", "pbn:patient:1"},
                     {"custom_field", {{"cf_referral_source", "web"}}}});
  CreateContact({{"first_name", "Bo"}, {"email", "bo@example.com"}});

  Response by_key = Call("GET",
                         "/lookup?q=pbn%3Alocation%3A1&f=cf_bridgework_key&"
                         "entities=sales_account");
  ASSERT_EQ(by_key.status, 200) << by_key.body.dump();
  ASSERT_EQ(by_key.body["sales_accounts"]["sales_accounts"].size(), 1u);
  EXPECT_EQ(by_key.body["sales_accounts"]["sales_accounts"][0]["id"], account);
  EXPECT_FALSE(by_key.body.contains("contacts")) << "only the asked entities";
  Response by_email = Call(
      "GET",
      "/lookup?q=ANA%40example.com&f=email&entities=contact,sales_account");
  ASSERT_EQ(by_email.status, 200);
  ASSERT_EQ(by_email.body["contacts"]["contacts"].size(), 1u);
  EXPECT_EQ(by_email.body["contacts"]["contacts"][0]["id"], ana);
  EXPECT_EQ(by_email.body["sales_accounts"]["sales_accounts"].size(), 0u);
  Response by_name =
      Call("GET", "/lookup?q=Ana%20Silva&f=name&entities=contact");
  EXPECT_EQ(by_name.body["contacts"]["contacts"].size(), 1u);
  Response by_external =
      Call("GET", "/lookup?q=pbn%3Apatient%3A1&f=external_id&entities=contact");
  EXPECT_EQ(by_external.body["contacts"]["contacts"].size(), 1u);
  Response partial = Call("GET", "/lookup?q=ana&f=email&entities=contact");
  EXPECT_EQ(partial.body["contacts"]["contacts"].size(), 0u) << "exact only";
  EXPECT_EQ(Call("GET", "/lookup?q=x&f=cf_unknown&entities=contact").status,
            400);

  Response fs = Call("POST", "/filtered_search/contact",
                     {{"filter_rule",
                       {{{"attribute", "contact_email.email"},
                         {"operator", "is_in"},
                         {"value", "ANA@example.com"}}}}});
  ASSERT_EQ(fs.status, 200) << fs.body.dump();
  ASSERT_EQ(fs.body["contacts"].size(), 1u);
  EXPECT_EQ(fs.body["contacts"][0]["id"], ana);
  EXPECT_EQ(fs.body["meta"]["total_pages"], 1);
  Response many =
      Call("POST", "/filtered_search/contact",
           {{"filter_rule",
             {{{"attribute", "contact_email.email"},
               {"operator", "is_in"},
               {"value", {"ana@example.com", "bo@example.com"}}}}}});
  EXPECT_EQ(many.body["contacts"].size(), 2u);
  Response both = Call("POST", "/filtered_search/contact",
                       {{"filter_rule",
                         {{{"attribute", "external_id"},
                           {"operator", "is_in"},
                           {"value", "pbn:patient:1"}},
                          {{"attribute", "cf_referral_source"},
                           {"operator", "contains"},
                           {"value", "WE"}}}}});
  EXPECT_EQ(both.body["contacts"].size(), 1u);
  Response accounts = Call("POST", "/filtered_search/sales_account",
                           {{"filter_rule",
                             {{{"attribute", "cf_bridgework_key"},
                               {"operator", "is_in"},
                               {"value", "pbn:location:1"}}}}});
  ASSERT_EQ(accounts.body["sales_accounts"].size(), 1u);
  EXPECT_EQ(Call("POST", "/filtered_search/contact",
                 {{"filter_rule",
                   {{{"attribute", "shoe_size"},
                     {"operator", "is_in"},
                     {"value", 1}}}}})
                .status,
            400);
}

TEST_F(FreshsalesEmulatorTest, OwnersAndFieldSettings) {
  Start();
  Response owners = Call("GET", "/selector/owners");
  ASSERT_EQ(owners.status, 200);
  ASSERT_EQ(owners.body["users"].size(), 3u);
  EXPECT_EQ(owners.body["users"][0]["id"], 1);
  EXPECT_EQ(owners.body["users"][0]["email"], "owner@bridgework.example");
  EXPECT_EQ(owners.body["users"][1]["email"], "dr.rivera@smilebright.example");
  EXPECT_EQ(owners.body["users"][2]["email"], "dr.chen@smilebright.example");
  EXPECT_EQ(owners.body["users"][0]["is_active"], true);

  Response fields = Call("GET", "/settings/contacts/fields");
  ASSERT_EQ(fields.status, 200);
  bool saw_first_name = false, saw_status = false;
  for (const auto& f : fields.body["fields"]) {
    if (f["name"] == "first_name") {
      saw_first_name = true;
      EXPECT_EQ(f["default"], true);
    }
    if (f["name"] == "cf_patient_status") {
      saw_status = true;
      EXPECT_EQ(f["default"], false);
      EXPECT_EQ(f["type"], "dropdown");
      EXPECT_EQ(f["choices"][1]["value"], "Inactive");
    }
    EXPECT_NE(f["name"], "date_of_birth");
  }
  EXPECT_TRUE(saw_first_name);
  EXPECT_TRUE(saw_status);
  Json account_fields = Call("GET", "/settings/sales_accounts/fields").body;
  EXPECT_EQ(account_fields["fields"].back()["name"], "cf_bridgework_key");

  // The admin adds a field at run time.
  Operator("POST", "fields",
           {{"contacts", {{{"name", "cf_insurance"}, {"type", "text"}}}}});
  EXPECT_EQ(Call("POST", "/contacts",
                 {{"contact",
                   {{"last_name", "X"},
                    {"custom_field", {{"cf_insurance", "Delta"}}}}}})
                .status,
            201);
}

TEST_F(FreshsalesEmulatorTest, UsersFromOptions) {
  FreshsalesOptions o;
  o.users = Json::parse(
      R"([{"id":10,"display_name":"Admin","email":"a@x.example"},
          {"id":11,"display_name":"Gone","email":"g@x.example","is_active":false}])");
  Start(std::move(o));
  Response c = Call("POST", "/contacts", {{"contact", {{"last_name", "X"}}}});
  EXPECT_EQ(c.body["contact"]["owner_id"], 10);
  EXPECT_EQ(Call("POST", "/contacts",
                 {{"contact", {{"last_name", "Y"}, {"owner_id", 11}}}})
                .body,
            ErrorBody(400, "Owner is invalid"));
}

TEST_F(FreshsalesEmulatorTest, HourlyLimitGives429ThenRecovers) {
  FreshsalesOptions o;
  o.requests_per_hour = 3;
  o.time_scale = 1800;  // the "hour" lasts 2 s
  Start(std::move(o));
  Operator("POST", "config", {{"reset_window", true}});  // a fresh 2 s
  for (int i = 0; i < 3; ++i) {
    Response r = Call("GET", "/selector/owners");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "3");
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(2 - i));
  }
  Response limited = Call("GET", "/contacts/filters");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, ErrorBody(429, "Too many requests"));
  EXPECT_EQ(limited.header("X-RateLimit-Remaining"), "0");
  int retry_after = std::stoi(limited.header("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 2);
  // Operator endpoints are not limited and not counted.
  Json stats = Operator("GET", "stats");
  EXPECT_EQ(stats["rate_limited"], 1);
  EXPECT_EQ(stats["total"], 4);
  EXPECT_EQ(stats["requests"]["GET /contacts/filters"]["429"], 1);
  EXPECT_EQ(stats["window"]["limit"], 3);
  EXPECT_EQ(stats["window"]["used"], 3);
  double resets_in = stats["window"]["resets_in_seconds"];
  std::this_thread::sleep_for(
      std::chrono::milliseconds(static_cast<int>(resets_in * 1000) + 100));
  Response recovered = Call("GET", "/contacts/filters");
  EXPECT_EQ(recovered.status, 200);
  EXPECT_EQ(recovered.header("X-RateLimit-Remaining"), "2");
  // The operator can lift the limit at run time.
  Json config = Operator("POST", "config",
                         {{"rate_limit_per_hour", 1000}, {"time_scale", 1}});
  EXPECT_EQ(config["window"]["limit"], 1000);
  EXPECT_EQ(Call("GET", "/selector/owners").header("X-RateLimit-Limit"),
            "1000");
}

TEST_F(FreshsalesEmulatorTest, StateIsDeterministic) {
  // Two emulators with a frozen clock fed the same requests hold the same
  // state, byte for byte.
  FreshsalesOptions o;
  absl::Time frozen = absl::FromUnixSeconds(1790000000);
  o.clock = [frozen] { return frozen; };
  Start(std::move(o));
  auto drive = [this] {
    int64_t hq = CreateAccount(
        {{"name", "HQ"},
         {"custom_field", {{"cf_bridgework_key", "pbn:location:1"}}}});
    CreateContact({{"last_name", "Zed"},
                   {"first_name", "Al"},
                   {"email", "z@example.com"},
                   {"sales_accounts", {{{"id", hq}, {"is_primary", true}}}}});
    CreateContact({{"mobile_number", "+15125550199"}, {"tags", {"b", "a"}}});
  };
  drive();
  std::string first = client_->Get("/__sandbox/state")->body;
  EXPECT_EQ(first, client_->Get("/__sandbox/state")->body);
  Json state = Json::parse(first);
  ASSERT_EQ(state["contacts"].size(), 2u);
  EXPECT_LT(state["contacts"][0]["id"], state["contacts"][1]["id"]);
  EXPECT_EQ(state["contacts"][0]["created_at"], "2026-09-21T14:13:20+00:00");
  // Keys come out sorted.
  EXPECT_LT(first.find("\"created_at\""), first.find("\"custom_field\""));
  EXPECT_LT(first.find("\"custom_field\""), first.find("\"email\""));

  // Same requests after a reset: ids restart, state is identical.
  Operator("POST", "reset");
  drive();
  EXPECT_EQ(client_->Get("/__sandbox/state")->body, first);
}

TEST_F(FreshsalesEmulatorTest, ResetKeepsUsersAndFields) {
  Start();
  CreateContact({{"last_name", "A"},
                 {"custom_field", {{"cf_patient_status", "Active"}}}});
  Call("GET", "/contacts/view/1600001");
  Json before = Operator("GET", "stats");
  EXPECT_EQ(before["total"], 2);
  Json reset = Operator("POST", "reset");
  EXPECT_EQ(reset, Json::object());
  Json state = Operator("GET", "state");
  EXPECT_EQ(state["contacts"], Json::array());
  EXPECT_EQ(state["sales_accounts"], Json::array());
  for (const auto& [key, records] : state.items()) {
    EXPECT_TRUE(records.empty()) << key;
  }
  Json after = Operator("GET", "stats");
  EXPECT_EQ(after["total"], 0);
  EXPECT_EQ(after["requests"], Json::object());
  EXPECT_EQ(after["window"]["used"], 0);
  Response again =
      Call("POST", "/contacts",
           {{"contact",
             {{"last_name", "A"},
              {"owner_id", 3},
              {"custom_field", {{"cf_patient_status", "Active"}}}}}});
  EXPECT_EQ(again.status, 201) << "users and custom fields survive a reset";
  EXPECT_EQ(again.body["contact"]["id"], 16000000001);
}

TEST_F(FreshsalesEmulatorTest, SeedInsertsExistingRecordsAllOrNothing) {
  Start();
  Json seeded = Operator(
      "POST", "seed",
      {{"sales_accounts", {{{"id", 16000599999}, {"name", "Existing HQ"}}}},
       {"contacts",
        {{{"last_name", "Before"},
          {"email", "before@example.com"},
          {"created_at", "2020-01-02T03:04:05+00:00"},
          {"sales_accounts", {{{"id", 16000599999}}}}}}}});
  EXPECT_EQ(seeded["sales_accounts"][0], 16000599999);
  ASSERT_EQ(seeded["contacts"].size(), 1u);
  Json state = Operator("GET", "state");
  EXPECT_EQ(state["contacts"][0]["created_at"], "2020-01-02T03:04:05+00:00");
  // A migration now meets the existing email.
  EXPECT_EQ(
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "X"}, {"email", "before@example.com"}}}})
          .body,
      ErrorBody(400, "Email is not unique"));
  // A bad seed changes nothing.
  auto r = client_->Post(
      "/__sandbox/seed",
      Json({{"contacts",
             {{{"last_name", "Ok"}},
              {{"last_name", "Dup"}, {"email", "before@example.com"}}}}})
          .dump(),
      "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->body, HasSubstr("contacts[1]"));
  EXPECT_EQ(Operator("GET", "state")["contacts"].size(), 1u);
  EXPECT_EQ(Operator("GET", "stats")["total"], 1)
      << "operator calls not counted";
}

TEST_F(FreshsalesEmulatorTest, ConcurrentCreatesKeepEmailsUnique) {
  Start();
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", port_);
      httplib::Headers h = {
          {"Authorization", std::string("Token token=") + kToken}};
      for (int i = 0; i < 10; ++i) {
        Json body = {
            {"contact",
             {{"last_name", "T" + std::to_string(t)},
              {"email", "same" + std::to_string(i) + "@example.com"}}}};
        auto r = client.Post("/crm/sales/api/contacts", h, body.dump(),
                             "application/json");
        if (r && r->status == 201) ++created;
        if (r && r->status == 400) ++refused;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 10);
  EXPECT_EQ(refused, 50);
  Json state = Operator("GET", "state");
  EXPECT_EQ(state["contacts"].size(), 10u);
  EXPECT_EQ(Operator("GET", "stats")["requests"]["POST /contacts"]["400"], 50);
}

// --- Deals, activities, documents, products, custom modules ---------------

Json Settings() {
  return Json::parse(R"({
    "deal_pipelines":[
      {"name":"Treatment plans","is_default":true,"stages":[
        {"name":"New Appointment","probability":10},
        {"name":"In Treatment","probability":50},
        {"name":"Closed Won","probability":100,"forecast_type":"Won"},
        {"name":"Closed Lost","probability":0,"forecast_type":"Lost"}]},
      {"name":"Recall","stages":[{"name":"Due","probability":20}]}],
    "sales_activity_types":["Appointment","Phone call"],
    "custom_modules":[
      {"name":"cm_treatment","label":"Treatment","fields":[
        {"name":"cf_patient","label":"Patient","type":"lookup",
         "related":"contacts","required":true},
        {"name":"cf_procedure_code","label":"Procedure code","type":"text"},
        {"name":"cf_bridgework_key","type":"text"}]}]})");
}

TEST_F(FreshsalesEmulatorTest, DealsFollowPipelinesStagesAndLinks) {
  FreshsalesOptions o;
  o.settings = Settings();
  o.fields = Fields();
  o.fields["deals"] = {{{"name", "cf_bridgework_key"}, {"type", "text"}}};
  Start(std::move(o));
  Response pipelines = Call("GET", "/selector/deal_pipelines");
  ASSERT_EQ(pipelines.status, 200);
  ASSERT_EQ(pipelines.body["deal_pipelines"].size(), 2u);
  EXPECT_EQ(pipelines.body["deal_pipelines"][0]["name"], "Treatment plans");
  EXPECT_EQ(pipelines.body["deal_pipelines"][0]["is_default"], true);
  int64_t recall = pipelines.body["deal_pipelines"][1]["id"];
  Response stages = Call("GET", "/selector/deal_pipelines/" +
                                    std::to_string(recall) + "/deal_stages");
  ASSERT_EQ(stages.status, 200);
  ASSERT_EQ(stages.body["deal_stages"].size(), 1u);
  EXPECT_EQ(stages.body["deal_stages"][0]["probability"], 20);
  Response all = Call("GET", "/selector/deal_stages");
  ASSERT_EQ(all.body["deal_stages"].size(), 5u);
  int64_t in_treatment = all.body["deal_stages"][1]["id"];
  int64_t won = all.body["deal_stages"][2]["id"];
  int64_t due = all.body["deal_stages"][4]["id"];

  int64_t account = CreateAccount({{"name", "SmileBright"}});
  int64_t contact = CreateContact({{"last_name", "Lopez"}});
  // No stage: the default pipeline's first stage and its probability.
  Response plain = Call("POST", "/deals", {{"deal", {{"name", "Cleaning"}}}});
  ASSERT_EQ(plain.status, 201) << plain.body.dump();
  EXPECT_EQ(plain.body["deal"]["deal_pipeline_id"],
            pipelines.body["deal_pipelines"][0]["id"]);
  EXPECT_EQ(plain.body["deal"]["probability"], 10);
  EXPECT_EQ(plain.body["deal"]["owner_id"], 1);
  // A stage alone picks its pipeline; links are kept.
  Response linked =
      Call("POST", "/deals",
           {{"deal",
             {{"name", "Implant"},
              {"amount", 1250.5},
              {"deal_stage_id", in_treatment},
              {"sales_account_id", account},
              {"contacts_added_list", {contact}},
              {"expected_close", "2026-12-31"},
              {"custom_field", {{"cf_bridgework_key", "pbn:plan:1"}}}}}});
  ASSERT_EQ(linked.status, 201) << linked.body.dump();
  const Json& deal = linked.body["deal"];
  EXPECT_EQ(deal["probability"], 50);
  EXPECT_EQ(deal["sales_account_id"], account);
  EXPECT_EQ(deal["contact_ids"], Json::array({contact}));
  EXPECT_FALSE(deal.contains("contacts_added_list"));
  int64_t id = deal["id"];
  EXPECT_GT(id, 16000500001 + 500000 - 1) << "ids per entity do not overlap";
  // A stage of another pipeline, a missing account, a blank name.
  Response bad =
      Call("POST", "/deals",
           {{"deal",
             {{"deal_pipeline_id", pipelines.body["deal_pipelines"][0]["id"]},
              {"deal_stage_id", due},
              {"sales_account_id", 5}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["errors"]["message"],
            Json({"Name can't be blank", "Sales account is invalid",
                  "Deal stage is invalid"}));
  // Moving to a won stage updates probability and closes the deal.
  Response moved = Call("PUT", "/deals/" + std::to_string(id),
                        {{"deal", {{"deal_stage_id", won}}}});
  ASSERT_EQ(moved.status, 200) << moved.body.dump();
  EXPECT_EQ(moved.body["deal"]["probability"], 100);
  EXPECT_TRUE(moved.body["deal"]["closed_date"].is_string());
  // Views: no "All Deals"; open, won and lost split every deal.
  Response filters = Call("GET", "/deals/filters");
  std::set<std::string> names;
  for (const auto& f : filters.body["filters"]) names.insert(f["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"My Deals", "Open Deals", "Won Deals",
                                          "Lost Deals"}));
  EXPECT_EQ(Call("GET", "/deals/view/1600202").body["deals"].size(), 1u);
  EXPECT_EQ(Call("GET", "/deals/view/1600203").body["deals"][0]["id"], id);
  // Lookup and bulk upsert by a custom field.
  Response found =
      Call("GET", "/lookup?q=pbn:plan:1&f=cf_bridgework_key&entities=deal");
  ASSERT_EQ(found.status, 200) << found.body.dump();
  EXPECT_EQ(found.body["deals"]["deals"][0]["id"], id);
  Response job =
      Call("POST", "/deals/bulk_upsert",
           {{"unique_identifier", {{"cf_bridgework_key", ""}}},
            {"deals",
             {{{"name", "Implant v2"},
               {"custom_field", {{"cf_bridgework_key", "pbn:plan:1"}}}},
              {{"name", "Crown"},
               {"custom_field", {{"cf_bridgework_key", "pbn:plan:2"}}}}}}});
  ASSERT_EQ(job.status, 202) << job.body.dump();
  Response status =
      Call("GET", "/job_statuses/" + job.body["job_id"].get<std::string>());
  EXPECT_EQ(status.body["job_status"]["results"][0]["id"], id);
  EXPECT_EQ(status.body["job_status"]["results"][1]["status"], "created");
  // Deleting the account and the contact unlinks them.
  EXPECT_EQ(Call("DELETE", "/sales_accounts/" + std::to_string(account)).status,
            200);
  EXPECT_EQ(Call("DELETE", "/contacts/" + std::to_string(contact)).status, 200);
  Json after = Call("GET", "/deals/" + std::to_string(id)).body["deal"];
  EXPECT_FALSE(after.contains("sales_account_id"));
  EXPECT_EQ(after["contact_ids"], Json::array());
  EXPECT_EQ(Call("DELETE", "/deals/" + std::to_string(id)).status, 200);
  EXPECT_EQ(Call("GET", "/deals/" + std::to_string(id)).status, 404);
}

TEST_F(FreshsalesEmulatorTest, AppointmentsActivitiesTasksAndNotes) {
  FreshsalesOptions o;
  o.settings = Settings();
  o.clock = [] { return absl::FromUnixSeconds(1795000000); };  // 2026-11-17
  Start(std::move(o));
  int64_t contact = CreateContact({{"last_name", "Lopez"}});
  Json target = {{"targetable_type", "Contact"}, {"targetable_id", contact}};
  Json appointment = {
      {"title", "Cleaning"},
      {"from_date", "2026-12-01T15:30:00-06:00"},
      {"end_date", "2026-12-01T16:15:00-06:00"},
      {"targetable_type", "Contact"},
      {"targetable_id", contact},
      {"appointment_attendees_attributes",
       {{{"attendee_type", "FdMultitenant::User"}, {"attendee_id", 2}},
        {{"attendee_type", "Contact"}, {"attendee_id", contact}}}}};
  Response a = Call("POST", "/appointments", {{"appointment", appointment}});
  ASSERT_EQ(a.status, 201) << a.body.dump();
  EXPECT_EQ(a.body["appointment"]["from_date"], "2026-12-01T15:30:00-06:00");
  EXPECT_EQ(a.body["appointment"]["end_date"], "2026-12-01T16:15:00-06:00");
  EXPECT_EQ(a.body["appointment"]["appointment_attendees"][0]["attendee_id"],
            2);
  EXPECT_EQ(a.body["appointment"]["creater_id"], 1);
  EXPECT_FALSE(a.body["appointment"].contains("owner_id"));
  Json backwards = appointment;
  backwards["end_date"] = "2026-12-01T15:00:00-06:00";
  backwards["appointment_attendees_attributes"] = {
      {{"attendee_type", "FdMultitenant::User"}, {"attendee_id", 99}}};
  Response refused =
      Call("POST", "/appointments", {{"appointment", backwards}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body["errors"]["message"],
            Json({"End date should be greater than start date",
                  "Appointment attendees is invalid"}));
  EXPECT_EQ(
      Call("GET", "/appointments?filter=upcoming").body["appointments"].size(),
      1u);
  EXPECT_EQ(
      Call("GET", "/appointments?filter=past").body["appointments"].size(), 0u);
  EXPECT_EQ(Call("GET", "/appointments").status, 400);

  Response types = Call("GET", "/selector/sales_activity_types");
  ASSERT_EQ(types.body["sales_activity_types"].size(), 2u);
  Json activity = target;
  activity["title"] = "Consult";
  activity["sales_activity_type_id"] =
      types.body["sales_activity_types"][1]["id"];
  activity["start_date"] = "2026-11-02T09:00:00Z";
  activity["end_date"] = "2026-11-02T09:20:00Z";
  activity["owner_id"] = 3;
  Response sa =
      Call("POST", "/sales_activities", {{"sales_activity", activity}});
  ASSERT_EQ(sa.status, 201) << sa.body.dump();
  EXPECT_EQ(sa.body["sales_activity"]["owner_id"], 3);
  Json untyped = activity;
  untyped["sales_activity_type_id"] = 1;
  untyped.erase("targetable_id");
  EXPECT_EQ(Call("POST", "/sales_activities", {{"sales_activity", untyped}})
                .body["errors"]["message"],
            Json({"Sales activity type is invalid", "Targetable is invalid"}));
  EXPECT_EQ(Call("GET", "/sales_activities").body["sales_activities"].size(),
            1u);

  Json task = target;
  task["title"] = "Call back";
  task["due_date"] = "2026-11-10T10:00:00Z";
  Response t = Call("POST", "/tasks", {{"task", task}});
  ASSERT_EQ(t.status, 201) << t.body.dump();
  std::string task_path =
      "/tasks/" + std::to_string(t.body["task"]["id"].get<int64_t>());
  EXPECT_EQ(Call("GET", "/tasks?filter=overdue").body["tasks"].size(), 1u);
  EXPECT_EQ(Call("PUT", task_path, {{"task", {{"status", 1}}}}).status, 200);
  EXPECT_EQ(Call("GET", "/tasks?filter=open").body["tasks"].size(), 0u);
  EXPECT_EQ(Call("GET", "/tasks?filter=completed").body["tasks"].size(), 1u);
  EXPECT_EQ(Call("POST", "/tasks", {{"task", {{"title", "x"}}}})
                .body["errors"]["message"],
            Json({"Due date can't be blank", "Targetable can't be blank"}));
  EXPECT_EQ(Call("POST", "/tasks",
                 {{"task",
                   {{"title", "x"},
                    {"due_date", "tomorrow"},
                    {"targetable_type", "Lead"},
                    {"targetable_id", contact}}}})
                .status,
            400);

  Json note = target;
  note["description"] = "Prefers mornings";
  Response n = Call("POST", "/notes", {{"note", note}});
  ASSERT_EQ(n.status, 201) << n.body.dump();
  std::string note_path =
      "/notes/" + std::to_string(n.body["note"]["id"].get<int64_t>());
  EXPECT_EQ(Call("PUT", note_path, {{"note", {{"description", "Evenings"}}}})
                .body["note"]["description"],
            "Evenings");
  EXPECT_EQ(Call("GET", note_path).body["note"]["targetable_id"], contact);
  EXPECT_EQ(Call("DELETE", note_path).status, 200);
  EXPECT_EQ(Call("GET", note_path).status, 404);
  EXPECT_EQ(Call("DELETE", note_path).body, ErrorBody(404, "Record not found"));
  EXPECT_EQ(Call("POST", "/notes", {{"note", {{"description", "x"}}}}).status,
            400);
  // A note's text is at most 32 KB, on create and update.
  note["description"] = std::string(32 * 1024, 'a');
  EXPECT_EQ(Call("POST", "/notes", {{"note", note}}).status, 201);
  note["description"] = std::string(32 * 1024 + 1, 'a');
  EXPECT_EQ(Call("POST", "/notes", {{"note", note}}).body,
            ErrorBody(400, "Description is too long (maximum is 32768 bytes)"));
  Response small = Call("POST", "/notes",
                        {{"note",
                          {{"description", "x"},
                           {"targetable_type", "Contact"},
                           {"targetable_id", contact}}}});
  ASSERT_EQ(small.status, 201);
  EXPECT_EQ(
      Call("PUT",
           "/notes/" + std::to_string(small.body["note"]["id"].get<int64_t>()),
           {{"note", {{"description", std::string(40000, 'b')}}}})
          .status,
      400);

  // ?include=notes side-loads the record's live notes (the 32 KB note and
  // "x" are still there; the deleted one is gone); without it, none.
  Json with_notes = Call("GET", "/contacts/" + std::to_string(contact) +
                                    "?include=owner,notes")
                        .body;
  ASSERT_TRUE(with_notes["notes"].is_array()) << with_notes.dump();
  ASSERT_EQ(with_notes["notes"].size(), 2u);
  for (const Json& n : with_notes["notes"]) {
    EXPECT_EQ(n["targetable_type"], "Contact");
    EXPECT_EQ(n["targetable_id"], contact);
  }
  EXPECT_EQ(with_notes["notes"][1]["description"], "x");
  EXPECT_FALSE(Call("GET", "/contacts/" + std::to_string(contact))
                   .body.contains("notes"));
}

TEST_F(FreshsalesEmulatorTest, DocumentsAreMultipartUploads) {
  Start();
  int64_t contact = CreateContact({{"last_name", "Lopez"}});
  httplib::Headers h = {
      {"Authorization", std::string("Token token=") + kToken}};
  httplib::MultipartFormDataItems items = {
      {"file", "x-ray bytes", "x-ray.png", "image/png"},
      {"targetable_type", "Contact", "", ""},
      {"targetable_id", std::to_string(contact), "", ""},
      {"is_shared", "true", "", ""}};
  auto r = client_->Post("/crm/sales/api/documents", h, items);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  Json doc = Json::parse(r->body)["document"];
  EXPECT_EQ(doc["name"], "x-ray.png");
  EXPECT_EQ(doc["content_type"], "image/png");
  EXPECT_EQ(doc["file_size"], 11);
  EXPECT_EQ(doc["is_shared"], true);
  EXPECT_EQ(doc["targetable_id"], contact);
  std::string path = "/documents/" + std::to_string(doc["id"].get<int64_t>());
  EXPECT_EQ(Call("GET", path).body["document"], doc);
  // The contact's files: the document as read, marked a Document.
  const std::string files =
      "/contacts/" + std::to_string(contact) + "/document_associations";
  Json listed = Call("GET", files).body;
  ASSERT_TRUE(listed["document_associations"].is_array()) << listed.dump();
  ASSERT_EQ(listed["document_associations"].size(), 1u);
  Json expected = doc;
  expected["document_type"] = "Document";
  EXPECT_EQ(listed["document_associations"][0], expected);
  EXPECT_EQ(listed["meta"]["total"], 1);
  EXPECT_EQ(Call("GET", "/contacts/999999/document_associations").status, 404);
  EXPECT_EQ(Call("DELETE", path).status, 200);
  EXPECT_EQ(Call("GET", path).status, 404);
  EXPECT_TRUE(Call("GET", files).body["document_associations"].empty());
  // No file, or no target.
  auto none = client_->Post(
      "/crm/sales/api/documents", h,
      httplib::MultipartFormDataItems{{"targetable_type", "Contact", "", ""}});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 400);
  auto orphan = client_->Post(
      "/crm/sales/api/documents", h,
      httplib::MultipartFormDataItems{{"file", "x", "a.txt", "text/plain"}});
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->status, 400);
  EXPECT_EQ(Json::parse(orphan->body)["errors"]["message"][0],
            "Targetable can't be blank");
}

TEST_F(FreshsalesEmulatorTest, ProductsAndCustomModules) {
  FreshsalesOptions o;
  o.settings = Settings();
  Start(std::move(o));
  Response p = Call("POST", "/cpq/products",
                    {{"product",
                      {{"name", "Crown"},
                       {"product_code", "D2740"},
                       {"base_currency_amount", 1100}}}});
  ASSERT_EQ(p.status, 201) << p.body.dump();
  std::string product =
      "/cpq/products/" + std::to_string(p.body["product"]["id"].get<int64_t>());
  EXPECT_EQ(Call("PUT", product, {{"product", {{"name", "Porcelain crown"}}}})
                .body["product"]["name"],
            "Porcelain crown");
  EXPECT_EQ(Call("GET", "/cpq/products?page=1").body["products"].size(), 1u);
  EXPECT_EQ(Call("POST", "/cpq/products", {{"product", {{"sku_number", "1"}}}})
                .status,
            400);
  EXPECT_EQ(Call("DELETE", product).status, 200);
  EXPECT_EQ(Call("GET", product).status, 404);

  int64_t contact = CreateContact({{"last_name", "Lopez"}});
  Response fields = Call("GET", "/settings/cm_treatment/fields");
  ASSERT_EQ(fields.status, 200);
  EXPECT_EQ(fields.body["fields"][0]["name"], "name");
  EXPECT_EQ(fields.body["fields"][2]["name"], "cf_patient");
  EXPECT_EQ(fields.body["fields"][2]["related"], "contacts");
  EXPECT_EQ(Call("GET", "/settings/cm_payment/fields").status, 404);
  Response t =
      Call("POST", "/custom_module/cm_treatment",
           {{"cm_treatment",
             {{"name", "Implant #1"},
              {"custom_field",
               {{"cf_patient", contact}, {"cf_procedure_code", "D6010"}}}}}});
  ASSERT_EQ(t.status, 201) << t.body.dump();
  int64_t id = t.body["cm_treatment"]["id"];
  EXPECT_EQ(id, 17000000001);
  std::string path = "/custom_module/cm_treatment/" + std::to_string(id);
  EXPECT_EQ(Call("PUT", path,
                 {{"cm_treatment",
                   {{"custom_field", {{"cf_procedure_code", "D6011"}}}}}})
                .body["cm_treatment"]["custom_field"]["cf_procedure_code"],
            "D6011");
  Response missing = Call("POST", "/custom_module/cm_treatment",
                          {{"cm_treatment", {{"name", "x"}}}});
  EXPECT_EQ(missing.body["errors"]["message"][0], "Patient can't be blank");
  Response dangling =
      Call("POST", "/custom_module/cm_treatment",
           {{"cm_treatment",
             {{"name", "x"}, {"custom_field", {{"cf_patient", 12}}}}}});
  EXPECT_EQ(dangling.body["errors"]["message"][0], "Patient is invalid");
  EXPECT_EQ(Call("POST", "/custom_module/cm_payment",
                 {{"cm_payment", {{"name", "x"}}}})
                .status,
            404);
  EXPECT_EQ(Operator("GET", "state")["custom_module"]["cm_treatment"].size(),
            1u);
  EXPECT_EQ(Call("DELETE", path).status, 200);
  EXPECT_EQ(Call("GET", path).status, 404);
  // Modules can be configured later through the seed operator.
  Json seeded = Operator(
      "POST", "seed",
      {{"custom_modules", {{{"name", "cm_payment"}, {"label", "Payment"}}}}});
  EXPECT_EQ(Call("POST", "/custom_module/cm_payment",
                 {{"cm_payment", {{"name", "Visa 40.00"}}}})
                .status,
            201);
  EXPECT_EQ(Call("GET", path).status, 404) << "cm_treatment is gone";
}

TEST_F(FreshsalesEmulatorTest, BulkJobsCanStayInProgress) {
  Start();
  Operator("POST", "config", {{"job_polls", 2}});
  Response job =
      Call("POST", "/contacts/bulk_upsert",
           {{"unique_identifier", {{"external_id", ""}}},
            {"contacts",
             Json::array({{{"external_id", "k1"}, {"last_name", "A"}}})}});
  ASSERT_EQ(job.status, 202);
  std::string path = "/job_statuses/" + job.body["job_id"].get<std::string>();
  EXPECT_EQ(Call("GET", path).body["job_status"]["status"], "in_progress");
  Json second = Call("GET", path).body["job_status"];
  EXPECT_EQ(second["status"], "in_progress");
  EXPECT_FALSE(second.contains("results"));
  EXPECT_EQ(Call("GET", path).body["job_status"]["status"], "completed");
}

TEST_F(FreshsalesEmulatorTest, LeadsAreContactsInTheLeadStage) {
  Start();
  Response stages = Call("GET", "/selector/lifecycle_stages");
  ASSERT_EQ(stages.status, 200);
  ASSERT_EQ(stages.body["lifecycle_stages"][0]["name"], "Lead");
  int64_t lead = stages.body["lifecycle_stages"][0]["id"];
  Response created =
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "Ng"}, {"lifecycle_stage_id", lead}}}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["contact"]["lifecycle_stage_id"], lead);
  Response bad =
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "Ng"}, {"lifecycle_stage_id", 12345}}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, ErrorBody(400, "Lifecycle stage is invalid"));
  EXPECT_EQ(Call("GET", "/leads").status, 404) << "no lead module";
}

TEST_F(FreshsalesEmulatorTest, DealProductsAreAddedChangedAndTakenOff) {
  FreshsalesOptions o;
  o.settings = Settings();
  Start(std::move(o));
  auto product = [this](const char* name, const char* price) {
    Response p =
        Call("POST", "/cpq/products",
             {{"product", {{"name", name}, {"base_currency_amount", price}}}});
    EXPECT_EQ(p.status, 201) << p.body.dump();
    return p.body["product"]["id"].get<int64_t>();
  };
  int64_t crown = product("Crown", "900.00");
  int64_t xray = product("X-ray", "250.00");
  Response deal =
      Call("POST", "/deals",
           {{"deal",
             {{"name", "Crown 36"},
              {"products",
               {{{"id", crown}, {"quantity", 1}, {"discount", "10"}}}}}}});
  ASSERT_EQ(deal.status, 201) << deal.body.dump();
  const Json& line = deal.body["deal"]["products"][0];
  EXPECT_EQ(line["id"], crown);
  EXPECT_EQ(line["name"], "Crown");
  EXPECT_EQ(line["unit_price"], "900.00") << "the product's price";
  EXPECT_EQ(line["discount"], 10.0);
  std::string path =
      "/deals/" + std::to_string(deal.body["deal"]["id"].get<int64_t>());
  // Another product is added; the first one is changed, not replaced.
  Json products = Call("PUT", path,
                       {{"deal",
                         {{"products",
                           {{{"id", xray}, {"quantity", 2}},
                            {{"id", crown}, {"unit_price", 850}}}}}}})
                      .body["deal"]["products"];
  ASSERT_EQ(products.size(), 2u);
  EXPECT_EQ(products[0]["id"], xray);
  EXPECT_EQ(products[0]["quantity"], 2.0);
  EXPECT_EQ(products[1]["unit_price"], 850.0);
  EXPECT_EQ(products[1]["discount"], 10.0);
  // An update without products keeps them; is_deleted takes one off.
  EXPECT_EQ(Call("PUT", path, {{"deal", {{"name", "Crown 36 (a)"}}}})
                .body["deal"]["products"]
                .size(),
            2u);
  products =
      Call("PUT", path,
           {{"deal", {{"products", {{{"id", xray}, {"is_deleted", true}}}}}}})
          .body["deal"]["products"];
  ASSERT_EQ(products.size(), 1u);
  EXPECT_EQ(products[0]["id"], crown);
  EXPECT_EQ(Call("PUT", path, {{"deal", {{"products", {{{"id", 99}}}}}}}).body,
            ErrorBody(400, "Product is invalid"));
  // Deleting the product takes it off its deals.
  EXPECT_EQ(Call("DELETE", "/cpq/products/" + std::to_string(crown)).status,
            200);
  EXPECT_TRUE(Call("GET", path).body["deal"]["products"].empty());
}

TEST_F(FreshsalesEmulatorTest, TerritoriesAreConfiguredAndChecked) {
  FreshsalesOptions o;
  o.settings = Json::parse(R"({"territories":["Westside","Vancouver WA"]})");
  Start(std::move(o));
  Response list = Call("GET", "/selector/territories");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["territories"].size(), 2u);
  EXPECT_EQ(list.body["territories"][1]["name"], "Vancouver WA");
  int64_t west = list.body["territories"][0]["id"];
  Response contact =
      Call("POST", "/contacts",
           {{"contact", {{"last_name", "Park"}, {"territory_id", west}}}});
  ASSERT_EQ(contact.status, 201) << contact.body.dump();
  EXPECT_EQ(contact.body["contact"]["territory_id"], west);
  EXPECT_EQ(
      Call("POST", "/sales_accounts",
           {{"sales_account", {{"name", "Rose City"}, {"territory_id", 7}}}})
          .body,
      ErrorBody(400, "Territory is invalid"));
}

TEST_F(FreshsalesEmulatorTest, ContactListsHoldMembers) {
  Start();
  int64_t a = CreateContact({{"last_name", "A"}});
  int64_t b = CreateContact({{"last_name", "B"}});
  Response created =
      Call("POST", "/lists", {{"list", {{"name", "Recall 2026"}}}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  EXPECT_EQ(created.body["list"]["contacts_count"], 0);
  std::string path =
      "/lists/" + std::to_string(created.body["list"]["id"].get<int64_t>());
  EXPECT_EQ(Call("POST", "/lists", {{"list", {{"name", "recall 2026"}}}})
                .body["errors"]["message"][0],
            "Name has already been taken");
  Response added = Call("PUT", path + "/add_contacts", {{"ids", {a, b}}});
  ASSERT_EQ(added.status, 200) << added.body.dump();
  EXPECT_EQ(added.body["list"]["contacts_count"], 2);
  EXPECT_EQ(Call("PUT", path + "/add_contacts", {{"ids", {5}}}).status, 400);
  EXPECT_EQ(Call("PUT", path + "/remove_contacts", {{"ids", {a}}}).status, 200);
  std::string members = "/contacts" + path;
  Response in = Call("GET", members + "?page=1&per_page=10");
  ASSERT_EQ(in.status, 200) << in.body.dump();
  ASSERT_EQ(in.body["contacts"].size(), 1u);
  EXPECT_EQ(in.body["contacts"][0]["id"], b);
  EXPECT_EQ(Call("PUT", path, {{"list", {{"name", "Recall 2027"}}}})
                .body["list"]["name"],
            "Recall 2027");
  EXPECT_EQ(Call("GET", "/lists").body["lists"][0]["contacts_count"], 1);
  EXPECT_EQ(Call("DELETE", "/contacts/" + std::to_string(b)).status, 200);
  EXPECT_EQ(Call("GET", members).body["contacts"].size(), 0u);
  EXPECT_EQ(Call("DELETE", path).status, 200);
  EXPECT_EQ(Call("GET", members).status, 404);
  EXPECT_EQ(Call("DELETE", path).status, 404);
}

TEST(FreshsalesEmulatorCreate, RejectsBadOptions) {
  FreshsalesOptions o;
  EXPECT_FALSE(FreshsalesEmulator::Create(o).ok()) << "no token";
  o.token = "k";
  o.fields = Json::parse(R"({"contacts":[{"name":"patient_status"}]})");
  EXPECT_FALSE(FreshsalesEmulator::Create(o).ok()) << "no cf_ prefix";
  o.fields = Json::parse(R"({"contacts":[{"name":"cf_x","type":"dropdown"}]})");
  EXPECT_FALSE(FreshsalesEmulator::Create(o).ok())
      << "dropdown without choices";
  o.fields = Json::parse(R"({"notes":[]})");
  EXPECT_FALSE(FreshsalesEmulator::Create(o).ok());
  o.fields = Json();
  o.users = Json::parse(R"([{"id":1,"email":"a@x"},{"id":1,"email":"b@x"}])");
  EXPECT_FALSE(FreshsalesEmulator::Create(o).ok()) << "duplicate user id";
  EXPECT_EQ(*FreshsalesPlanLimit("pro"), 2000);
  EXPECT_EQ(*FreshsalesPlanLimit("enterprise"), 5000);
  EXPECT_EQ(*FreshsalesPlanLimit("free"), 1000);
  EXPECT_FALSE(FreshsalesPlanLimit("platinum").ok());
}

// --- The real binary -------------------------------------------------------

std::string SandboxBinary() {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  return std::string(dir != nullptr ? dir : BRIDGEWORK_TEST_BIN_DIR) +
         "/bridgework-sandbox";
}

// Starts `argv` with BRIDGEWORK_SANDBOX_TOKEN set and stderr to `log`.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& token,
            const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "w");
    if (f != nullptr) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    setenv("BRIDGEWORK_SANDBOX_TOKEN", token.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Exit code, or -1 if it did not exit within `seconds`.
int WaitExit(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

TEST(SandboxBinary, ServesOnAFreePortAndStopsOnSigterm) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("bw-sandbox-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string port_file = (dir / "port").string();
  std::string fields = (dir / "fields.json").string();
  std::ofstream(fields) << Fields().dump();
  std::string log = (dir / "log").string();
  pid_t pid =
      Spawn({SandboxBinary(), "--crm", "freshsales", "--port", "0",
             "--port-file", port_file, "--plan", "pro", "--fields", fields},
            "bin-key", log);
  ASSERT_GT(pid, 0);
  std::string address;
  for (int i = 0; i < 200 && address.empty(); ++i) {
    if (fs::exists(port_file)) address = ReadFile(port_file);
    if (address.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(address.empty()) << ReadFile(log);
  ASSERT_EQ(address.back(), '\n');
  address.pop_back();
  EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u) << address;
  int port = std::stoi(address.substr(address.find(':') + 1));
  httplib::Client client("127.0.0.1", port);
  auto owners = client.Get("/crm/sales/api/selector/owners",
                           {{"Authorization", "Token token=bin-key"}});
  ASSERT_TRUE(owners);
  EXPECT_EQ(owners->status, 200);
  EXPECT_EQ(owners->get_header_value("X-RateLimit-Limit"), "2000")
      << "pro plan";
  auto contact = client.Post(
      "/crm/sales/api/contacts", {{"Authorization", "Token token=bin-key"}},
      R"({"contact":{"last_name":"Secret","custom_field":{"cf_patient_status":"Active"}}})",
      "application/json");
  EXPECT_EQ(contact->status, 201) << contact->body;
  auto stats = client.Get("/__sandbox/stats");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200);
  Json s = Json::parse(stats->body);
  EXPECT_EQ(s["total"], 2);
  EXPECT_EQ(s["requests"]["POST /contacts"]["201"], 1);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_EQ(WaitExit(pid, 10), 0) << ReadFile(log);
  std::string lines = ReadFile(log);
  EXPECT_THAT(lines, HasSubstr("\"path\":\"/crm/sales/api/contacts\""));
  EXPECT_EQ(lines.find("bin-key"), std::string::npos) << "no tokens in logs";
  EXPECT_EQ(lines.find("Secret"), std::string::npos) << "no bodies in logs";
  fs::remove_all(dir);
}

TEST(SandboxBinary, UnknownCrmExits2) {
  std::string log = (std::filesystem::temp_directory_path() /
                     ("bw-sandbox-crm-" + std::to_string(getpid())))
                        .string();
  pid_t pid =
      Spawn({SandboxBinary(), "--crm", "salesforce", "--port", "0"}, "k", log);
  EXPECT_EQ(WaitExit(pid, 10), 2);
  EXPECT_EQ(ReadFile(log),
            "unknown --crm salesforce (supported: freshsales, pipedrive, "
            "highlevel)\n");
  std::filesystem::remove(log);
}

}  // namespace
}  // namespace bridgework::emulator
