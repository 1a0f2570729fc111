#include "libs/crm/freshsales_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

struct Harness {
  FakeHttpClient* http = nullptr;
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<CrmConnector> connector;

  explicit Harness(FakeHttpClient::Handler handler) {
    auto fake = std::make_unique<FakeHttpClient>(std::move(handler));
    http = fake.get();
    FreshsalesConfig config{"http://crm.test/crm/sales/api", "secret", 3600000,
                            100};
    connector = MakeFreshsalesConnector(
        config, std::move(fake), SystemClock(),
        [this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
};

HttpResponse Reply(int status, json body,
                   std::map<std::string, std::string> headers = {}) {
  return HttpResponse{status, std::move(headers), body.dump()};
}

v1::TargetRecord Contact() {
  v1::TargetRecord t;
  t.set_target_object("contact");
  (*t.mutable_fields())["last_name"] = record::StringValue("Núñez");
  (*t.mutable_fields())["external_id"] = record::StringValue("pbn:patient:1");
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Active");
  auto* l = t.add_lookups();
  l->set_target_field("sales_accounts");
  l->set_as_list(true);
  return t;
}

// Relates `record` to a `parent` (contact, sales_account, deal) through the
// lookup "targetable_id", as maps do for notes, documents and activities.
void RelateTo(v1::TargetRecord* record, const std::string& parent) {
  auto* lookup = record->add_lookups();
  lookup->set_target_field("targetable_id");
  lookup->set_target_object(parent);
}

TEST(FreshsalesConnector, OwnerOfReadsOwnerIdWhereTheObjectHasOne) {
  Harness h([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(500, json::object());
  });
  EXPECT_EQ(h.connector->OwnerOf("contact", {{"owner_id", 7}}), "7");
  EXPECT_EQ(h.connector->OwnerOf("custom_object:cm_x", {{"owner_id", "9"}}),
            "9");
  EXPECT_EQ(h.connector->OwnerOf("deal", {{"owner_id", nullptr}}), "");
  EXPECT_EQ(h.connector->OwnerOf("sales_account", json::object()), "");
  EXPECT_EQ(h.connector->OwnerOf("note", {{"owner_id", 7}}), std::nullopt);
  EXPECT_EQ(h.connector->OwnerOf("appointment", json::object()), std::nullopt);
  EXPECT_EQ(h.connector->OwnerOf("nonsense", json::object()), std::nullopt);
  EXPECT_EQ(h.http->requests.size(), 0u);
}

TEST(FreshsalesConnector, CreateWrapsBodyAndSendsAuth) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    return Reply(201, {{"contact", {{"id", 42}}}});
  });
  v1::TargetRecord t = Contact();
  ResolvedRecord rr{&t, "7", {{"sales_accounts", {"3"}}}};
  auto id = h.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "42");
  ASSERT_EQ(h.http->requests.size(), 1u);
  const HttpRequest& req = h.http->requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://crm.test/crm/sales/api/contacts");
  EXPECT_THAT(req.headers,
              ::testing::Contains("Authorization: Token token=secret"));
  json body = json::parse(req.body);
  EXPECT_EQ(body["contact"]["last_name"], "Núñez");
  EXPECT_EQ(body["contact"]["owner_id"], 7);
  EXPECT_EQ(body["contact"]["custom_field"]["cf_patient_status"], "Active");
  EXPECT_EQ(body["contact"]["sales_accounts"][0]["id"], 3);
  EXPECT_EQ(body["contact"]["sales_accounts"][0]["is_primary"], true);
}

TEST(FreshsalesConnector, PlanWriteChecksWhatPrepareReadAndSendsNothing) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    return Reply(200, {{"fields",
                        {{{"name", "first_name"}, {"default", true}},
                         {{"name", "cf_patient_status"},
                          {"type", "dropdown"},
                          {"default", false},
                          {"choices", {{{"id", 1}, {"value", "Active"}}}}}}}});
  });
  v1::TargetRecord t = Contact();
  ResolvedRecord rr{&t, "7", {{"sales_accounts", {"3"}}}};
  // Nothing read yet: the fields are not known.
  EXPECT_TRUE(
      absl::IsFailedPrecondition(h.connector->PlanWrite(rr, true).status()));
  SchemaRequest request;
  request.fields = {
      {"contacts", "cf_patient_status", "Status", "dropdown", {"Active"}, ""}};
  ASSERT_TRUE(h.connector->PrepareSchema(request, false).ok());
  const size_t sent = h.http->requests.size();
  EXPECT_EQ(*h.connector->PlanWrite(rr, true), 1);
  (*t.mutable_custom_fields())["cf_patient_status"] =
      record::StringValue("Dormant");
  auto refused = h.connector->PlanWrite(rr, true);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_THAT(refused.status().message(), HasSubstr("cf_patient_status"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("Dormant")));
  t.mutable_custom_fields()->erase("cf_patient_status");
  (*t.mutable_custom_fields())["first_name"] = record::StringValue("x");
  EXPECT_TRUE(
      absl::IsInvalidArgument(h.connector->PlanWrite(rr, true).status()));
  EXPECT_EQ(h.http->requests.size(), sent);
}

TEST(FreshsalesConnector, RetriesAfter429WithRetryAfter) {
  int calls = 0;
  Harness h([&calls](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    if (++calls == 1) {
      return Reply(
          429,
          {{"errors", {{"code", 429}, {"message", {"Too many requests"}}}}},
          {{"retry-after", "2"}});
    }
    return Reply(201, {{"contact", {{"id", 1}}}});
  });
  v1::TargetRecord t = Contact();
  auto id = h.connector->Create(ResolvedRecord{&t, "", {}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(h.connector->requests(), 2);
  ASSERT_FALSE(h.sleeps.empty());
  EXPECT_GE(h.sleeps.back(), std::chrono::milliseconds(1999));
}

TEST(FreshsalesConnector, ValidationErrorCarriesCrmMessage) {
  Harness h([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return Reply(
        400,
        {{"errors", {{"code", 400}, {"message", {"Email is not unique"}}}}});
  });
  v1::TargetRecord t = Contact();
  auto id = h.connector->Create(ResolvedRecord{&t, "", {}});
  ASSERT_FALSE(id.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(id.status()));
  EXPECT_THAT(std::string(id.status().message()),
              HasSubstr("Email is not unique"));
}

TEST(FreshsalesConnector, AmbiguousCreateIsNotRetried) {
  Harness h([](const HttpRequest&) -> absl::StatusOr<HttpResponse> {
    return absl::UnavailableError("ambiguous: connection reset");
  });
  v1::TargetRecord t = Contact();
  auto id = h.connector->Create(ResolvedRecord{&t, "", {}});
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(std::string(id.status().message()), HasSubstr("ambiguous"));
  EXPECT_EQ(h.http->requests.size(), 1u);
}

TEST(FreshsalesConnector, GetOf404IsEmptyAndLookupFindsExternalKey) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.url.find("/lookup") != std::string::npos) {
      return Reply(
          200,
          {{"contacts",
            {{"contacts", {{{"id", 9}, {"external_id", "pbn:patient:1"}}}}}}});
    }
    return Reply(
        404, {{"errors", {{"code", 404}, {"message", {"Record not found"}}}}});
  });
  auto got = h.connector->Get("contact", "5");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  auto found =
      h.connector->FindByExternalKey("contact", "external_id", "pbn:patient:1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->value_or(""), "9");
  EXPECT_THAT(h.http->requests.back().url,
              HasSubstr("q=pbn%3Apatient%3A1&f=external_id"));
}

HttpResponse NotFound() {
  return Reply(
      404, {{"errors", {{"code", 404}, {"message", {"Record not found"}}}}});
}

v1::TargetRecord Keyed(const std::string& object, int n) {
  v1::TargetRecord t;
  t.set_target_object(object);
  t.set_external_key_field("cf_bridgework_key");
  t.set_external_key(absl::StrCat("pbn:", n));
  (*t.mutable_fields())["name"] = record::StringValue(absl::StrCat("R", n));
  (*t.mutable_custom_fields())["cf_bridgework_key"] =
      record::StringValue(t.external_key());
  return t;
}

// A delta's updates read their records first: contacts carrying their
// external key come 100 to a filtered search on the key, each taken by its
// id; one the search misses (its key edited in Freshsales, or gone) is read
// alone, and a record of an object without a search is read alone.
TEST(FreshsalesConnector, GetManyReadsKeyedContactsWithOneSearchPer100) {
  std::vector<json> searches;
  Harness h([&](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (absl::StrContains(r.url, "/filtered_search/contact")) {
      json body = json::parse(r.body);
      searches.push_back(body);
      json found = json::array();
      // Every key asked for but pbn:7 (edited in the CRM), as contact
      // 1000 + n; answered out of order.
      const json& keys = body["filter_rule"][0]["value"];
      for (size_t i = keys.size(); i-- > 0;) {
        std::string key = keys[i].get<std::string>();
        int n = std::stoi(key.substr(4));
        if (n == 7) continue;
        found.push_back({{"id", 1000 + n},
                         {"name", absl::StrCat("R", n)},
                         {"custom_field", {{"cf_bridgework_key", key}}}});
      }
      return Reply(200, {{"contacts", found}, {"meta", {{"total_pages", 1}}}});
    }
    if (absl::StrContains(r.url, "/contacts/1007")) {
      return Reply(200, {{"contact", {{"id", 1007}, {"name", "R7"}}}});
    }
    if (absl::StrContains(r.url, "/contacts/2008")) return NotFound();
    if (absl::StrContains(r.url, "/tasks/9")) {
      return Reply(200, {{"task", {{"id", 9}, {"title", "Recall"}}}});
    }
    return absl::InternalError(absl::StrCat("unexpected ", r.url));
  });
  std::vector<v1::TargetRecord> records;
  for (int i = 0; i < 150; ++i) records.push_back(Keyed("contact", i));
  v1::TargetRecord task;
  task.set_target_object("task");
  records.push_back(task);
  std::vector<std::string> ids;
  std::vector<const v1::TargetRecord*> which;
  for (int i = 0; i < 150; ++i) {
    // Contact 8 is read under another id: the search has it as 1008, the
    // id map says 2008 (deleted and re-created in the CRM by someone).
    ids.push_back(absl::StrCat(i == 8 ? 2008 : 1000 + i));
    which.push_back(&records[i]);
  }
  ids.push_back("9");
  which.push_back(&records.back());
  auto got = h.connector->GetMany(ids, which);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 151u);
  ASSERT_EQ(searches.size(), 2u);
  EXPECT_EQ(searches[0]["filter_rule"][0]["attribute"], "cf_bridgework_key");
  EXPECT_EQ(searches[0]["filter_rule"][0]["operator"], "is_in");
  EXPECT_EQ(searches[0]["filter_rule"][0]["value"].size(), 100u);
  EXPECT_EQ(searches[1]["filter_rule"][0]["value"].size(), 50u);
  ASSERT_TRUE((*got)[0].has_value());
  EXPECT_EQ((*got)[0]->value("name", ""), "R0");
  EXPECT_EQ((*got)[149]->value("id", 0), 1149);
  ASSERT_TRUE((*got)[7].has_value());  // read alone
  EXPECT_EQ((*got)[7]->value("id", 0), 1007);
  EXPECT_FALSE((*got)[8].has_value());  // 2008: read alone, gone
  ASSERT_TRUE((*got)[150].has_value());
  EXPECT_EQ((*got)[150]->value("title", ""), "Recall");
  // 2 searches, contact 7, id 2008 and the task.
  EXPECT_EQ(h.http->requests.size(), 5u);
}

TEST(FreshsalesConnector, BulkUpsertPollsTheJobAndMapsResultsByIndex) {
  int polls = 0;
  std::vector<json> submitted;
  Harness h([&](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "POST") {
      submitted.push_back(json::parse(r.body));
      return Reply(202, {{"job_id", absl::StrCat("j", submitted.size())}});
    }
    if (absl::StrContains(r.url, "/job_statuses/j1") && ++polls < 3) {
      return Reply(200, {{"job_status", {{"status", "in_progress"}}}});
    }
    const json& deals = submitted.back()["deals"];
    json results = json::array();
    // Out of order, one failure, one missing.
    for (size_t i = deals.size(); i-- > 0;) {
      if (i == 1) {
        results.push_back(
            {{"index", i},
             {"status", "failed"},
             {"id", nullptr},
             {"errors",
              {{"code", 400}, {"message", {"Deal stage is invalid"}}}}});
      } else if (i != 2) {
        results.push_back({{"index", i},
                           {"status", i == 0 ? "updated" : "created"},
                           {"id", 500 + i}});
      }
    }
    return Reply(
        200, {{"job_status", {{"status", "completed"}, {"results", results}}}});
  });
  std::vector<v1::TargetRecord> records;
  for (int i = 0; i < 103; ++i) records.push_back(Keyed("deal", i));
  std::vector<ResolvedRecord> resolved;
  for (const auto& t : records) resolved.push_back({&t, "2", {}});
  EXPECT_TRUE(h.connector->SupportsBulkUpsert("deal"));
  EXPECT_FALSE(h.connector->SupportsBulkUpsert("task"));
  auto out = h.connector->BulkUpsert(resolved);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 103u);
  EXPECT_EQ((*out)[0].value_or(""), "500");
  EXPECT_TRUE(absl::IsInvalidArgument((*out)[1].status()));
  EXPECT_THAT(std::string((*out)[1].status().message()),
              HasSubstr("Deal stage is invalid"));
  EXPECT_THAT(std::string((*out)[2].status().message()),
              HasSubstr("ambiguous"));
  EXPECT_EQ((*out)[3].value_or(""), "503");
  EXPECT_EQ((*out)[100].value_or(""), "500") << "second chunk, index 0";
  // Two requests of at most 100, each record with its own identifier.
  ASSERT_EQ(submitted.size(), 2u);
  EXPECT_EQ(submitted[0]["deals"].size(), 100u);
  EXPECT_EQ(submitted[1]["deals"].size(), 3u);
  const json& item = submitted[0]["deals"][7];
  EXPECT_EQ(item["unique_identifier"]["cf_bridgework_key"], "pbn:7");
  EXPECT_EQ(item["deal"]["name"], "R7");
  EXPECT_EQ(item["deal"]["owner_id"], 2);
  EXPECT_EQ(h.http->requests[0].url,
            "http://crm.test/crm/sales/api/deals/bulk_upsert");
  // Waited between polls, growing.
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_LT(h.sleeps[0], h.sleeps[1]);
}

TEST(FreshsalesConnector, BulkJobThatNeverFinishesIsAmbiguous) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "POST") return Reply(202, {{"job_id", "9"}});
    return Reply(200, {{"job_status", {{"status", "in_progress"}}}});
  });
  v1::TargetRecord t = Keyed("contact", 1);
  auto out = h.connector->BulkUpsert({{&t, "", {}}});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(absl::IsUnavailable(out.status()));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("ambiguous"));
  v1::TargetRecord task = Keyed("task", 1);
  EXPECT_TRUE(absl::IsInvalidArgument(
      h.connector->BulkUpsert({{&task, "", {}}}).status()));
}

// Answers the selector endpoints of one pipeline with two stages.
absl::StatusOr<HttpResponse> Selectors(const HttpRequest& r) {
  if (absl::EndsWith(r.url, "/selector/deal_pipelines")) {
    return Reply(
        200, {{"deal_pipelines",
               {{{"id", 11}, {"name", "Treatments"}, {"is_default", true}}}}});
  }
  if (absl::EndsWith(r.url, "/selector/deal_pipelines/11/deal_stages")) {
    return Reply(200,
                 {{"deal_stages",
                   {{{"id", 21}, {"name", "New"}, {"probability", 10}},
                    {{"id", 22}, {"name", "Accepted"}, {"probability", 60}}}}});
  }
  if (absl::EndsWith(r.url, "/selector/sales_activity_types")) {
    return Reply(200, {{"sales_activity_types",
                        {{{"id", 31}, {"name", "Appointment"}}}}});
  }
  if (absl::EndsWith(r.url, "/selector/lifecycle_stages")) {
    return Reply(200, {{"lifecycle_stages", {{{"id", 41}, {"name", "Lead"}}}}});
  }
  if (absl::EndsWith(r.url, "/selector/territories")) {
    return Reply(200, {{"territories",
                        {{{"id", 51}, {"name", "Westside"}},
                         {{"id", 52}, {"name", "Vancouver WA"}}}}});
  }
  return NotFound();
}

TEST(FreshsalesConnector, TerritoriesResolveByNameAndAreChecked) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "POST") {
      std::string key =
          absl::StrContains(r.url, "/contacts") ? "contact" : "sales_account";
      return Reply(201, {{key, {{"id", 1}}}});
    }
    return Selectors(r);
  });
  v1::TargetRecord referrer;
  referrer.set_target_object("contact");
  (*referrer.mutable_fields())["last_name"] = record::StringValue("Park");
  (*referrer.mutable_fields())["territory"] =
      record::StringValue("Vancouver WA");
  ASSERT_TRUE(h.connector->Create({&referrer, "", {}}).ok());
  json body = json::parse(h.http->requests.back().body)["contact"];
  EXPECT_EQ(body["territory_id"], 52);
  EXPECT_FALSE(body.contains("territory"));
  v1::TargetRecord practice;
  practice.set_target_object("sales_account");
  (*practice.mutable_fields())["name"] = record::StringValue("Rose City");
  (*practice.mutable_fields())["territory"] = record::StringValue("Eastside");
  size_t sent = h.http->requests.size();
  auto unknown = h.connector->Create({&practice, "", {}});
  EXPECT_TRUE(absl::IsInvalidArgument(unknown.status()));
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("no territory named 'Eastside'"));
  // The list was read again (an admin may have added it), nothing written.
  EXPECT_EQ(h.http->requests.size(), sent + 1);
  EXPECT_EQ(h.http->requests.back().method, "GET");

  SchemaRequest request;
  request.territories = {"Westside", "Eastside"};
  auto report = h.connector->PrepareSchema(request, /*apply=*/true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->present, ::testing::ElementsAre("territory Westside"));
  EXPECT_THAT(report->checklist,
              ::testing::ElementsAre("Admin Settings > Territory management: "
                                     "add territory 'Eastside'"));
}

TEST(FreshsalesConnector, DealStagesAndActivityTypesResolveByName) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "POST") {
      std::string key = absl::StrContains(r.url, "/deals") ? "deal"
                        : absl::StrContains(r.url, "/contacts")
                            ? "contact"
                            : "sales_activity";
      return Reply(201, {{key, {{"id", 1}}}});
    }
    return Selectors(r);
  });
  v1::TargetRecord deal;
  deal.set_target_object("deal");
  (*deal.mutable_fields())["name"] = record::StringValue("Implant");
  (*deal.mutable_fields())["stage"] = record::StringValue("Accepted");
  auto* account = deal.add_lookups();
  account->set_target_field("sales_account_id");
  auto* contacts = deal.add_lookups();
  contacts->set_target_field("contacts_added_list");
  contacts->set_as_list(true);
  ASSERT_TRUE(h.connector
                  ->Create({&deal,
                            "3",
                            {{"sales_account_id", {"7"}},
                             {"contacts_added_list", {"8", "9"}}}})
                  .ok());
  json body = json::parse(h.http->requests.back().body)["deal"];
  EXPECT_EQ(body["deal_pipeline_id"], 11);
  EXPECT_EQ(body["deal_stage_id"], 22);
  EXPECT_FALSE(body.contains("stage"));
  EXPECT_EQ(body["sales_account_id"], 7);
  EXPECT_EQ(body["contacts_added_list"], json({8, 9}));
  EXPECT_EQ(body["owner_id"], 3);
  // A stage nobody has is refused before anything is sent.
  (*deal.mutable_fields())["stage"] = record::StringValue("Paid");
  size_t before = h.http->requests.size();
  auto refused = h.connector->Create({&deal, "", {}});
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  for (size_t i = before; i < h.http->requests.size(); ++i) {
    EXPECT_EQ(h.http->requests[i].method, "GET") << "reloads, never posts";
  }

  v1::TargetRecord activity;
  activity.set_target_object("sales_activity");
  (*activity.mutable_fields())["sales_activity_type"] =
      record::StringValue("Appointment");
  RelateTo(&activity, "deal");
  ASSERT_TRUE(
      h.connector->Create({&activity, "2", {{"targetable_id", {"5"}}}}).ok());
  body = json::parse(h.http->requests.back().body)["sales_activity"];
  EXPECT_EQ(body["sales_activity_type_id"], 31);
  EXPECT_EQ(body["targetable_type"], "Deal");
  EXPECT_EQ(body["targetable_id"], 5);
  EXPECT_EQ(h.http->requests.back().url,
            "http://crm.test/crm/sales/api/sales_activities");

  // A lead is a contact in the lifecycle stage "Lead".
  v1::TargetRecord lead;
  lead.set_target_object("contact");
  (*lead.mutable_fields())["last_name"] = record::StringValue("Ng");
  (*lead.mutable_fields())["lifecycle_stage"] = record::StringValue("Lead");
  ASSERT_TRUE(h.connector->Create({&lead, "", {}}).ok());
  body = json::parse(h.http->requests.back().body)["contact"];
  EXPECT_EQ(body["lifecycle_stage_id"], 41);
  EXPECT_FALSE(body.contains("lifecycle_stage"));
}

TEST(FreshsalesConnector, AppointmentOwnerAttendsAndNotesHaveNoOwner) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    std::string key =
        absl::StrContains(r.url, "/appointments") ? "appointment" : "note";
    return Reply(201, {{key, {{"id", 1}}}});
  });
  v1::TargetRecord a = Keyed("appointment", 1);
  (*a.mutable_fields())["from_date"] =
      record::StringValue("2026-12-01T15:30:00-06:00");
  RelateTo(&a, "contact");
  auto* attendees = a.add_lookups();
  attendees->set_target_field("appointment_attendees_attributes");
  attendees->set_as_list(true);
  ASSERT_TRUE(h.connector
                  ->Create({&a,
                            "2",
                            {{"targetable_id", {"4"}},
                             {"appointment_attendees_attributes", {"4"}}}})
                  .ok());
  json body = json::parse(h.http->requests.back().body)["appointment"];
  EXPECT_FALSE(body.contains("owner_id"));
  EXPECT_FALSE(body.contains("custom_field")) << "the key cannot be stored";
  EXPECT_EQ(body["from_date"], "2026-12-01T15:30:00-06:00");
  EXPECT_EQ(
      body["appointment_attendees_attributes"],
      json({{{"attendee_type", "FdMultitenant::User"}, {"attendee_id", 2}},
            {{"attendee_type", "Contact"}, {"attendee_id", 4}}}));
  EXPECT_EQ(body["targetable_type"], "Contact");

  v1::TargetRecord note = Keyed("note", 2);
  RelateTo(&note, "product");
  auto refused = h.connector->Create({&note, "2", {{"targetable_id", {"4"}}}});
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()))
      << "a note cannot be related to a product";
  EXPECT_TRUE(
      absl::IsInvalidArgument(h.connector->Get("campaign", "1").status()));
}

// A note has no key to search by and no list: after an ambiguous create it
// is looked for among its contact's notes (GET /contacts/{id}?include=notes),
// by what the create writes.
TEST(FreshsalesConnector, NoteIsFoundAmongItsRecordsNotes) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    return Reply(200, {{"contact", {{"id", 4}}},
                       {"notes",
                        {{{"id", 70},
                          {"description", "Other"},
                          {"targetable_type", "Contact"},
                          {"targetable_id", 4}},
                         {{"id", 71},
                          {"description", "Prefers mornings"},
                          {"targetable_type", "Contact"},
                          {"targetable_id", 4}}}}});
  });
  v1::TargetRecord note;
  note.set_target_object("note");
  (*note.mutable_fields())["description"] =
      record::StringValue("Prefers mornings");
  RelateTo(&note, "contact");
  EXPECT_FALSE(h.connector->FindsByExternalKey("note"));
  EXPECT_TRUE(h.connector->FindsByExternalKey("contact"));
  auto found =
      h.connector->FindByContent({&note, "", {{"targetable_id", {"4"}}}});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, std::vector<std::string>{"71"});
  ASSERT_EQ(h.http->requests.size(), 1u);
  EXPECT_EQ(h.http->requests[0].method, "GET");
  EXPECT_THAT(h.http->requests[0].url, HasSubstr("/contacts/4?include=notes"));
  // A note split into parts is not searched.
  (*note.mutable_fields())["description"] =
      record::StringValue(std::string(40000, 'n'));
  EXPECT_TRUE(absl::IsUnimplemented(
      h.connector->FindByContent({&note, "", {{"targetable_id", {"4"}}}})
          .status()));
}

// A document has no key to search by and no list either: after an
// ambiguous upload it is looked for among its deal's files and links
// (GET /deals/{id}/document_associations); links are not documents.
TEST(FreshsalesConnector, DocumentIsFoundAmongItsRecordsFiles) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    return Reply(200, {{"document_associations",
                        {{{"id", 80},
                          {"name", "other.pdf"},
                          {"file_size", 4},
                          {"document_type", "Document"},
                          {"targetable_type", "Deal"},
                          {"targetable_id", 12}},
                         {{"id", 81},
                          {"name", "x-ray.png"},
                          {"document_type", "Link"},
                          {"targetable_type", "Deal"},
                          {"targetable_id", 12}},
                         {{"id", 82},
                          {"name", "x-ray.png"},
                          {"file_size", 5},
                          {"document_type", "Document"},
                          {"targetable_type", "Deal"},
                          {"targetable_id", 12}},
                         {{"id", 83},
                          {"name", "x-ray.png"},
                          {"file_size", 4},
                          {"document_type", "Document"},
                          {"targetable_type", "Deal"},
                          {"targetable_id", 12}}}},
                       {"meta", {{"total", 4}}}});
  });
  std::filesystem::path file =
      std::filesystem::temp_directory_path() / "bw-fs-connector-find.png";
  std::ofstream(file) << "scan";
  v1::TargetRecord doc;
  doc.set_target_object("document");
  v1::AttachmentRef* att = doc.add_attachments();
  att->set_uri("file://" + file.string());
  att->set_file_name("x-ray.png");
  RelateTo(&doc, "deal");
  EXPECT_FALSE(h.connector->FindsByExternalKey("document"));
  auto found =
      h.connector->FindByContent({&doc, "", {{"targetable_id", {"12"}}}});
  ASSERT_TRUE(found.ok()) << found.status();
  // Not another file, not a link, not a file of the same name and another
  // size.
  EXPECT_EQ(*found, std::vector<std::string>{"83"});
  ASSERT_EQ(h.http->requests.size(), 1u);
  EXPECT_EQ(h.http->requests[0].method, "GET");
  EXPECT_THAT(h.http->requests[0].url,
              HasSubstr("/deals/12/document_associations"));
  std::filesystem::remove(file);
}

TEST(FreshsalesConnector, DocumentIsAMultipartUploadOfTheAttachment) {
  std::filesystem::path file =
      std::filesystem::temp_directory_path() / "bw-fs-connector-doc.txt";
  std::ofstream(file) << "scan";
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    return Reply(201, {{"document", {{"id", 77}}}});
  });
  v1::TargetRecord doc = Keyed("document", 3);
  doc.mutable_fields()->erase("name");
  v1::AttachmentRef* att = doc.add_attachments();
  att->set_uri("file://" + file.string());
  att->set_content_type("text/plain");
  RelateTo(&doc, "deal");
  auto id = h.connector->Create({&doc, "2", {{"targetable_id", {"12"}}}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "77");
  const HttpRequest& req = h.http->requests.back();
  EXPECT_EQ(req.url, "http://crm.test/crm/sales/api/documents");
  std::map<std::string, MultipartPart> parts;
  for (const auto& p : req.parts) parts[p.name] = p;
  EXPECT_EQ(parts["file"].data, "scan");
  EXPECT_EQ(parts["file"].file_name, "bw-fs-connector-doc.txt");
  EXPECT_EQ(parts["file"].content_type, "text/plain");
  EXPECT_EQ(parts["targetable_type"].data, "Deal");
  EXPECT_EQ(parts["targetable_id"].data, "12");
  EXPECT_EQ(parts["is_shared"].data, "false");
  // Without a target, or a readable file, nothing is sent.
  size_t sent = h.http->requests.size();
  EXPECT_TRUE(
      absl::IsInvalidArgument(h.connector->Create({&doc, "", {}}).status()));
  att->set_uri("file:///no/such/file.txt");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      h.connector->Create({&doc, "", {{"targetable_id", {"12"}}}}).status()));
  EXPECT_EQ(h.http->requests.size(), sent);
  // A changed document is refused record by record (quarantined, the run
  // goes on), not as an unimplemented call that stops the batch.
  EXPECT_TRUE(
      absl::IsFailedPrecondition(h.connector->Update("77", {&doc, "", {}})));
  std::filesystem::remove(file);
}

TEST(FreshsalesConnector, PrepareSchemaListsMissingModulesAndPipelines) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (absl::EndsWith(r.url, "/settings/cm_treatment/fields")) {
      return Reply(
          200,
          {{"fields", {{{"name", "name"}}, {{"name", "cf_procedure_code"}}}}});
    }
    return Selectors(r);
  });
  SchemaRequest request;
  request.objects = {{"cm_treatment", "Treatment", "Treatments"},
                     {"cm_payment", "Payment", "Payments"}};
  request.fields = {{"cm_treatment", "cf_procedure_code", "Code", "text", {}},
                    {"cm_payment", "cf_amount", "Amount", "number", {}}};
  request.pipelines = {
      {"Treatments", {{"New", 10}, {"Accepted", 70}, {"Paid", 100}}},
      {"Recall", {{"Due", -1}}}};
  auto report = h.connector->PrepareSchema(request, /*apply=*/true);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ready());
  EXPECT_THAT(report->limits,
              ::testing::ElementsAre("custom modules: 2 needed (Freshsales "
                                     "Pro or Enterprise plan)"));
  EXPECT_THAT(report->present, ::testing::UnorderedElementsAre(
                                   "custom_object cm_treatment",
                                   "cm_treatment.cf_procedure_code"));
  EXPECT_THAT(
      report->checklist,
      ::testing::ElementsAre(
          "Admin Settings > Module customization > Custom modules: add "
          "module 'Payment' (plural 'Payments') so that its API name is "
          "cm_payment, with primary field 'name'",
          "Admin Settings > Module customization > cm_payment > Fields: add "
          "field 'Amount' (type number) so that its API name is cf_amount",
          "Admin Settings > Deal pipelines > Treatments: set the probability "
          "of stage 'Accepted' to 70%",
          "Admin Settings > Deal pipelines > Treatments: add stage 'Paid' "
          "(100%)",
          "Admin Settings > Deal pipelines: add pipeline 'Recall' with "
          "stages 'Due'"));
}

TEST(FreshsalesConnector, ListsWalkEveryViewOrFilterInTurn) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (absl::EndsWith(r.url, "/deals/filters")) {
      return Reply(200, {{"filters",
                          {{{"id", 1}, {"name", "My Deals"}},
                           {{"id", 2}, {"name", "Open Deals"}},
                           {{"id", 3}, {"name", "Won Deals"}},
                           {{"id", 4}, {"name", "Lost Deals"}}}}});
    }
    if (absl::StrContains(r.url, "/deals/view/2")) {
      return Reply(
          200, {{"deals", {{{"id", 100}}}}, {"meta", {{"total_pages", 1}}}});
    }
    if (absl::StrContains(r.url, "/deals/view/")) {
      return Reply(200,
                   {{"deals", json::array()}, {"meta", {{"total_pages", 0}}}});
    }
    if (absl::StrContains(r.url, "/tasks?filter=open&page=1")) {
      return Reply(200,
                   {{"tasks", {{{"id", 1}, {"custom_field", json::object()}}}},
                    {"meta", {{"total_pages", 2}}}});
    }
    if (absl::StrContains(r.url, "/tasks?filter=open&page=2")) {
      return Reply(200,
                   {{"tasks", {{{"id", 2}}}}, {"meta", {{"total_pages", 2}}}});
    }
    if (absl::StrContains(r.url, "/tasks?filter=completed")) {
      return Reply(200, {{"tasks", {{{"id", 3}, {"cf_key", "k3"}}}},
                         {"meta", {{"total_pages", 1}}}});
    }
    return NotFound();
  });
  std::vector<std::string> tokens;
  std::string token;
  std::vector<std::string> ids;
  do {
    auto page = h.connector->List("deal", token, 50);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->records) ids.push_back(r["id"].dump());
    token = page->next_page_token;
    tokens.push_back(token);
  } while (!token.empty());
  EXPECT_EQ(ids, std::vector<std::string>{"100"});
  EXPECT_EQ(tokens, (std::vector<std::string>{"1:1", "2:1", ""}));
  // A task is found by walking open, then completed tasks.
  auto found = h.connector->FindByExternalKey("task", "cf_key", "k3");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->value_or(""), "3");
  EXPECT_TRUE(absl::IsUnimplemented(
      h.connector->FindByExternalKey("note", "cf_key", "k").status()));
  EXPECT_TRUE(
      absl::IsUnimplemented(h.connector->List("note", "", 10).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(h.connector->List("deal", "x", 10).status()));
}

TEST(FreshsalesConnector, CustomModuleRecordsLinkThroughLookupFields) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "GET") return NotFound();
    return Reply(201, {{"cm_treatment", {{"id", 17000000001}}}});
  });
  v1::TargetRecord t = Keyed("custom_object:cm_treatment", 4);
  auto* patient = t.add_lookups();
  patient->set_target_field("cf_patient");
  auto id = h.connector->Create({&t, "2", {{"cf_patient", {"16000000001"}}}});
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "17000000001");
  const HttpRequest& req = h.http->requests.back();
  EXPECT_EQ(req.url,
            "http://crm.test/crm/sales/api/custom_module/cm_treatment");
  json body = json::parse(req.body)["cm_treatment"];
  EXPECT_EQ(body["custom_field"]["cf_patient"], 16000000001);
  EXPECT_EQ(body["custom_field"]["cf_bridgework_key"], "pbn:4");
  EXPECT_EQ(body["owner_id"], 2);
  auto got = h.connector->Get("custom_object:cm_treatment", "5");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(absl::IsInvalidArgument(
      h.connector->Get("custom_object:Bad Name", "5").status()));
}

// A campaign's list "Recall 2026" whose members are the lookup
// "contact_ids".
v1::TargetRecord RecallList() {
  v1::TargetRecord t;
  t.set_target_object("list");
  (*t.mutable_fields())["name"] = record::StringValue("Recall 2026");
  auto* members = t.add_lookups();
  members->set_target_field("contact_ids");
  members->set_as_list(true);
  return t;
}

TEST(FreshsalesConnector, ListIsCreatedThenGetsItsContacts) {
  bool fail_add = false;
  Harness h([&](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (r.method == "POST") return Reply(201, {{"list", {{"id", 61}}}});
    if (absl::EndsWith(r.url, "/add_contacts") && fail_add) {
      return Reply(
          400,
          {{"errors", {{"code", 400}, {"message", {"Contact is invalid"}}}}});
    }
    return Reply(200, {{"list", {{"id", 61}}}});
  });
  v1::TargetRecord t = RecallList();
  ResolvedRecord rr{&t, "2", {{"contact_ids", {"4", "5"}}}};
  auto id = h.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(h.http->requests.size(), 2u);
  json created = json::parse(h.http->requests[0].body);
  EXPECT_EQ(created, json({{"list", {{"name", "Recall 2026"}}}}))
      << "no owner, no members in the list body";
  EXPECT_EQ(h.http->requests[1].method, "PUT");
  EXPECT_EQ(h.http->requests[1].url,
            "http://crm.test/crm/sales/api/lists/61/add_contacts");
  EXPECT_EQ(json::parse(h.http->requests[1].body), json({{"ids", {4, 5}}}));
  fail_add = true;
  auto half = h.connector->Create(rr);
  ASSERT_FALSE(half.ok());
  EXPECT_THAT(std::string(half.status().message()),
              HasSubstr("ambiguous: Freshsales list created"));
  // A patch of members alone only adds them.
  fail_add = false;
  size_t before = h.http->requests.size();
  ASSERT_TRUE(h.connector->Patch("list", "61", {{"contact_ids", {7}}}).ok());
  ASSERT_EQ(h.http->requests.size(), before + 1);
  EXPECT_THAT(h.http->requests.back().url, HasSubstr("/lists/61/add_contacts"));
}

// After an ambiguous create, a list is found by its name (unique in the
// account, case aside) whatever its members, and completing the create
// adds them: its members are a second request the first may outlive.
TEST(FreshsalesConnector, ListIsFoundByNameAndCompletedWithItsContacts) {
  Harness h([](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    if (absl::StrContains(r.url, "/lists?")) {
      return Reply(200, {{"lists",
                          {{{"id", 60}, {"name", "Whitening"}},
                           {{"id", 61}, {"name", "Recall 2026"}}}},
                         {"meta", {{"total_pages", 1}}}});
    }
    return Reply(200, {{"list", {{"id", 61}}}});
  });
  v1::TargetRecord t = RecallList();
  ResolvedRecord rr{&t, "2", {{"contact_ids", {"4", "5"}}}};
  auto found = h.connector->FindByContent(rr);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, std::vector<std::string>{"61"});
  size_t before = h.http->requests.size();
  ASSERT_TRUE(h.connector->CompleteCreate(rr, "61").ok());
  ASSERT_EQ(h.http->requests.size(), before + 1);
  EXPECT_EQ(h.http->requests.back().method, "PUT");
  EXPECT_THAT(h.http->requests.back().url, HasSubstr("/lists/61/add_contacts"));
  EXPECT_EQ(json::parse(h.http->requests.back().body), json({{"ids", {4, 5}}}));
}

TEST(FreshsalesNoteParts, ShortTextIsOneNoteLongTextSplitsAtLines) {
  EXPECT_EQ(FreshsalesNoteParts("Prefers mornings"),
            std::vector<std::string>{"Prefers mornings"});
  std::string exact(kFreshsalesNoteMaxBytes, 'a');
  EXPECT_EQ(FreshsalesNoteParts(exact).size(), 1u);

  // 40 lines of 1,000 bytes (Turkish letters are two bytes each).
  std::string line;
  while (line.size() < 999) line += "diş ";
  line.resize(999);
  line += "\n";
  std::string text;
  for (int i = 0; i < 40; ++i) text += line;
  std::vector<std::string> parts = FreshsalesNoteParts(text);
  ASSERT_EQ(parts.size(), 2u);
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_LE(parts[i].size(), kFreshsalesNoteMaxBytes);
    std::string header = absl::StrCat("(part ", i + 1, " of 2)\n");
    ASSERT_TRUE(absl::StartsWith(parts[i], header)) << parts[i].substr(0, 20);
    joined += parts[i].substr(header.size());
  }
  EXPECT_EQ(joined, text);
  // Cut after a line break.
  EXPECT_EQ(parts[0].back(), '\n');

  // No break anywhere: cut between characters, never inside one.
  std::string letters;
  while (letters.size() < 3 * kFreshsalesNoteMaxBytes) letters += "ğ";
  parts = FreshsalesNoteParts(letters);
  ASSERT_EQ(parts.size(), 4u);
  joined.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_LE(parts[i].size(), kFreshsalesNoteMaxBytes);
    std::string body = parts[i].substr(parts[i].find('\n') + 1);
    EXPECT_EQ(body.size() % 2, 0u) << "a two-byte letter was cut";
    joined += body;
  }
  EXPECT_EQ(joined, letters);
}

TEST(FreshsalesConnector, LongNoteIsSeveralNotesUnderOneId) {
  std::map<std::string, json> notes;  // id -> note
  int next = 100;
  bool refuse_second = false;
  Harness h([&](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    const std::string base = "http://crm.test/crm/sales/api/notes";
    if (r.method == "POST") {
      if (refuse_second && !notes.empty()) {
        return Reply(
            400, {{"errors",
                   {{"code", 400}, {"message", {"Targetable is invalid"}}}}});
      }
      json note = json::parse(r.body)["note"];
      note["id"] = ++next;
      notes[std::to_string(next)] = note;
      return Reply(201, {{"note", note}});
    }
    std::string id = r.url.substr(base.size() + 1);
    if (!notes.count(id)) {
      return Reply(404,
                   {{"errors", {{"code", 404}, {"message", {"Not found"}}}}});
    }
    if (r.method == "DELETE") {
      notes.erase(id);
      return Reply(200, json::object());
    }
    if (r.method == "PUT") {
      notes[id]["description"] = json::parse(r.body)["note"]["description"];
    }
    return Reply(200, {{"note", notes[id]}});
  });
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "Klinik not satırı, uzun bir metin.\n";
  ASSERT_GT(text.size(), kFreshsalesNoteMaxBytes);
  v1::TargetRecord note;
  note.set_target_object("note");
  (*note.mutable_fields())["description"] = record::StringValue(text);
  RelateTo(&note, "contact");
  ResolvedRecord rr{&note, "", {{"targetable_id", {"4"}}}};

  auto id = h.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "101,102");
  ASSERT_EQ(notes.size(), 2u);
  for (const auto& [nid, n] : notes) {
    EXPECT_LE(n["description"].get<std::string>().size(),
              kFreshsalesNoteMaxBytes);
    EXPECT_EQ(n["targetable_type"], "Contact");
    EXPECT_EQ(n["targetable_id"], 4);
  }
  EXPECT_THAT(notes["102"]["description"].get<std::string>(),
              ::testing::StartsWith("(part 2 of 2)\n"));

  // Read back as one note with the whole text.
  auto got = h.connector->Get("note", *id);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((**got)["description"], text);
  EXPECT_EQ((**got)["id"], "101,102");

  // An update of the same size rewrites each part; one that needs another
  // number of parts is refused before anything is sent.
  std::string changed = text;
  changed[0] = 'k';
  (*note.mutable_fields())["description"] = record::StringValue(changed);
  ASSERT_TRUE(h.connector->Update(*id, rr).ok());
  EXPECT_EQ((**h.connector->Get("note", *id))["description"], changed);
  size_t sent = h.http->requests.size();
  (*note.mutable_fields())["description"] = record::StringValue("short");
  EXPECT_TRUE(absl::IsFailedPrecondition(h.connector->Update(*id, rr)));
  EXPECT_EQ(h.http->requests.size(), sent);

  // Delete removes every part; then the note is gone.
  ASSERT_TRUE(h.connector->Delete("note", *id).ok());
  EXPECT_TRUE(notes.empty());
  EXPECT_FALSE(h.connector->Get("note", *id)->has_value());
  EXPECT_TRUE(absl::IsNotFound(h.connector->Delete("note", *id)));

  // A part the CRM refuses removes the parts before it: nothing half-made.
  refuse_second = true;
  (*note.mutable_fields())["description"] = record::StringValue(text);
  auto refused = h.connector->Create(rr);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("part 2 of 2"));
  EXPECT_TRUE(notes.empty());
}

TEST(FreshsalesConnector, DealProductIsALineOfTheDeal) {
  json products = json::array();  // deal 9's lines
  Harness h([&](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
    const std::string deal = "http://crm.test/crm/sales/api/deals/9";
    if (!absl::StartsWith(r.url, deal)) {
      return Reply(404,
                   {{"errors", {{"code", 404}, {"message", {"Not found"}}}}});
    }
    if (r.method == "PUT") {
      json body = json::parse(r.body);
      for (const auto& line : body["deal"]["products"]) {
        json kept = json::array();
        for (const auto& p : products) {
          if (p["id"] != line["id"]) kept.push_back(p);
        }
        if (!line.value("is_deleted", false)) kept.push_back(line);
        products = kept;
      }
    }
    return Reply(200, {{"deal", {{"id", 9}, {"products", products}}}});
  });
  v1::TargetRecord line;
  line.set_target_object("deal_product");
  (*line.mutable_fields())["quantity"] = record::IntValue(2);
  (*line.mutable_fields())["discount"] = record::StringValue("10");
  ResolvedRecord rr{&line, "", {{"deal_id", {"9"}}, {"product_id", {"31"}}}};
  auto id = h.connector->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "9/31");
  const HttpRequest& put = h.http->requests.back();
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, "http://crm.test/crm/sales/api/deals/9");
  EXPECT_EQ(json::parse(put.body),
            json({{"deal",
                   {{"products",
                     {{{"id", 31}, {"quantity", 2}, {"discount", "10"}}}}}}}));
  auto got = h.connector->Get("deal_product", *id);
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status();
  EXPECT_EQ((**got)["quantity"], 2);
  EXPECT_EQ((**got)["id"], "9/31");
  // A second line of the same product is refused, not merged.
  auto again = h.connector->Create(rr);
  EXPECT_TRUE(absl::IsInvalidArgument(again.status()));
  EXPECT_THAT(std::string(again.status().message()),
              HasSubstr("one line per product"));
  // Update rewrites the line; Delete takes it off; then it is gone.
  (*line.mutable_fields())["quantity"] = record::IntValue(3);
  ASSERT_TRUE(h.connector->Update(*id, rr).ok());
  EXPECT_EQ((**h.connector->Get("deal_product", *id))["quantity"], 3);
  ASSERT_TRUE(h.connector->Delete("deal_product", *id).ok());
  EXPECT_TRUE(products.empty());
  EXPECT_FALSE(h.connector->Get("deal_product", *id)->has_value());
  EXPECT_TRUE(absl::IsNotFound(h.connector->Delete("deal_product", *id)));
  EXPECT_FALSE(h.connector->Get("deal_product", "8/31")->has_value())
      << "the deal is gone";
  // Both links are needed.
  ResolvedRecord no_product{&line, "", {{"deal_id", {"9"}}}};
  EXPECT_TRUE(
      absl::IsInvalidArgument(h.connector->Create(no_product).status()));
}

}  // namespace
}  // namespace bridgework::crm
