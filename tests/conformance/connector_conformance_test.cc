// The connector conformance suite: every destination connector, against its
// emulator on a real loopback HTTP server, passes the same checks —
// create, read back, link, update, delete (and read back as gone), paginate,
// custom fields, 401, 404, validation refusals and 429 with backoff; and
// the projections: a created record projects as written, a restore writes
// an earlier projection back (clearing what was blank), PlanWrite sends
// nothing, and emails and phones find their record.
//
// Each CRM contributes a Profile: how to start its emulator, how to make its
// connector, and one ObjectCase per destination object the seeds name.
// Time is fake: the emulator's clock and the connector's clock and sleeper
// share one FakeTime, so rate-limit windows pass without waiting.
//
// With BRIDGEWORK_CONFORMANCE_TRAFFIC_DIR set, every exchange of every test
// but the deliberate refusal (whose request breaks the CRM's schema on
// purpose) is appended to <dir>/<profile>.jsonl, which the
// connector_openapi_conformance test replays through the official specs.
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "emulators/common/traffic_log.h"
#include "libs/crm/connector_registry.h"
#include "libs/crm/projection.h"
#include "libs/record/value.h"
#include "tests/conformance/profiles.h"

namespace bridgework::conformance {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The id the CRM returned, as text, for comparing with JSON ids.
std::string IdOf(const json& j) {
  if (j.is_number_integer()) return absl::StrCat(j.get<int64_t>());
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

class ConnectorConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    profile_ = FindProfile(GetParam());
    ASSERT_NE(profile_, nullptr) << "no profile " << GetParam();
    auto env = profile_->start(time_);
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_timeout(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    env_.emulator->Register(server_);
    AttachTrafficLog();
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    connector_ = MakeConn(env_.token);
    const crm::SchemaRequest& prepare = profile_->prepare;
    if (!prepare.fields.empty() || !prepare.objects.empty()) {
      auto prepared = connector_->PrepareSchema(prepare, /*apply=*/true);
      ASSERT_TRUE(prepared.ok()) << prepared.status();
    }
  }
  void TearDown() override {
    connector_.reset();  // closes its keep-alive connection first
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void AttachTrafficLog() {
    const char* dir = std::getenv("BRIDGEWORK_CONFORMANCE_TRAFFIC_DIR");
    if (dir == nullptr || *dir == '\0') return;
    const std::string test =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (absl::StrContains(test, "InvalidRecordIsRefused")) return;
    auto log = emulator::TrafficLog::Open(
        absl::StrCat(dir, "/", profile_->name, ".jsonl"));
    ASSERT_TRUE(log.ok()) << log.status();
    traffic_ = std::move(*log);
    traffic_->Attach(server_);
  }

  // Requests the emulator has answered that are not GETs.
  int64_t WritesServed() const {
    int64_t n = 0;
    const json requests =
        env_.emulator->Stats().value("requests", json::object());
    for (const auto& [route, by_status] : requests.items()) {
      if (absl::StartsWith(route, "GET ")) continue;
      for (const auto& [status, count] : by_status.items())
        n += count.get<int64_t>();
    }
    return n;
  }

  std::string BaseUrl() const {
    return absl::StrCat("http://127.0.0.1:", port_, profile_->api_prefix);
  }

  std::unique_ptr<crm::CrmConnector> MakeConn(const std::string& token) {
    crm::ConnectorConfig c = profile_->connector;
    c.base_url = BaseUrl();
    c.token = token;
    c.requests_per_second = 1000;
    c.burst = 1000;
    auto conn = crm::MakeConnector(c, crm::MakeCurlHttpClient(),
                                   time_.SteadyClock(), time_.Sleeper());
    EXPECT_TRUE(conn.ok()) << conn.status();
    return conn.ok() ? std::move(*conn) : nullptr;
  }

  static void AddLookup(v1::TargetRecord& t, const LinkCase& link) {
    v1::Lookup* l = t.add_lookups();
    l->set_target_field(link.field);
    l->set_target_object(link.parent);
    l->set_source_object(link.parent);
    l->set_source_key("parent");
    l->set_as_list(link.list);
  }

  // The record's lookups, one per link of `c`.
  static void AddLookups(v1::TargetRecord& t, const ObjectCase& c) {
    for (const auto& link : c.links) AddLookup(t, link);
  }

  // ---- Projections (ProjectionCase)

  // Prepares the case's custom fields; the account must then be ready.
  void PrepareProjectionFields() {
    crm::SchemaRequest request;
    request.fields = profile_->projection.fields;
    auto report = connector_->PrepareSchema(request, /*apply=*/true);
    ASSERT_TRUE(report.ok()) << report.status();
    ASSERT_TRUE(report->ready()) << report->checklist.front();
  }

  // A record the case's lookup can point at; its CRM id.
  std::string CreateParent(int n) {
    const ObjectCase* parent = profile_->Find(profile_->projection.link.parent);
    EXPECT_NE(parent, nullptr);
    if (parent == nullptr) return "";
    std::map<std::string, std::string> unused;
    return CreateWithParents(*parent, n, &unused);
  }

  // `t` with the case's lookup, resolved to `parent`.
  crm::ResolvedRecord Resolve(v1::TargetRecord& t, const std::string& parent) {
    const LinkCase& link = profile_->projection.link;
    t.clear_lookups();
    AddLookup(t, link);
    crm::ResolvedRecord rr;
    rr.record = &t;
    rr.owner_id = env_.owner_id;
    rr.lookup_ids[link.field] = {parent};
    return rr;
  }

  // Prepares the case's custom fields, creates a parent (from `n` + 10)
  // and `t` linked to it; `t`'s id ("" on failure). `rr` gets `t`
  // resolved.
  std::string CreateProjected(v1::TargetRecord& t, int n,
                              crm::ResolvedRecord* rr) {
    PrepareProjectionFields();
    std::string parent = CreateParent(n + 10);
    EXPECT_FALSE(parent.empty());
    *rr = Resolve(t, parent);
    auto id = connector_->Create(*rr);
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : "";
  }

  // The record `id` read back, projected for `t`.
  json ReadProjection(const v1::TargetRecord& t, const std::string& id) {
    auto got = connector_->Get(t.target_object(), id);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) return json();
    EXPECT_TRUE(got->has_value()) << "record not found";
    if (!got->has_value()) return json();
    auto projected = connector_->Project(t, **got);
    EXPECT_TRUE(projected.ok()) << projected.status();
    return projected.ok() ? *projected : json();
  }

  // The value of field or custom field `name` in `projection`.
  static json FieldIn(const json& projection, const std::string& name) {
    for (const char* section : {"fields", "custom_fields"}) {
      json::json_pointer p("/" + std::string(section) + "/" + name);
      if (projection.contains(p)) return projection.at(p);
    }
    return json();
  }

  static std::string Describe(const std::vector<crm::FieldDelta>& deltas) {
    std::string out;
    for (const auto& d : deltas) {
      absl::StrAppend(&out, "\n  ", d.section, ".", d.name, ": ", d.left.dump(),
                      " vs ", d.right.dump());
    }
    return out;
  }

  // Creates `c` (and, first, the parents it links to); returns its id.
  std::string CreateWithParents(const ObjectCase& c, int n,
                                std::map<std::string, std::string>* parents) {
    records_.push_back(std::make_unique<v1::TargetRecord>(c.make(n)));
    v1::TargetRecord* t = records_.back().get();
    AddLookups(*t, c);
    crm::ResolvedRecord rr;
    rr.record = t;
    rr.owner_id = env_.owner_id;
    for (const auto& link : c.links) {
      const ObjectCase* parent = profile_->Find(link.parent);
      EXPECT_NE(parent, nullptr) << link.parent;
      if (parent == nullptr) return "";
      std::string pid = CreateWithParents(*parent, n + 1000, parents);
      (*parents)[link.field] = pid;
      rr.lookup_ids[link.field] = {pid};
    }
    auto id = connector_->Create(rr);
    EXPECT_TRUE(id.ok()) << c.target << ": " << id.status();
    return id.ok() ? *id : "";
  }

  // Values at `pointer` in `record`, text form; "" when absent.
  static std::string At(const json& record, const std::string& pointer) {
    json::json_pointer p(pointer);
    if (!record.contains(p)) return "";
    return IdOf(record.at(p));
  }

  FakeTime time_;
  const Profile* profile_ = nullptr;
  Env env_;
  httplib::Server server_;
  std::unique_ptr<emulator::TrafficLog> traffic_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<crm::CrmConnector> connector_;
  std::vector<std::unique_ptr<v1::TargetRecord>> records_;
};

TEST_P(ConnectorConformanceTest,
       EveryObjectCreatesReadsBackLinksUpdatesDeletes) {
  ASSERT_FALSE(profile_->objects.empty());
  int n = 1;
  for (const ObjectCase& c : profile_->objects) {
    SCOPED_TRACE(c.target);
    std::map<std::string, std::string> parents;
    std::string id = CreateWithParents(c, n++, &parents);
    ASSERT_FALSE(id.empty());

    auto got = connector_->Get(c.target, id);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE(got->has_value()) << "created record not found";
    for (const auto& [pointer, expected] : c.expect(n - 1)) {
      EXPECT_EQ(At(**got, pointer), expected) << pointer;
    }
    for (const auto& link : c.links) {
      EXPECT_EQ(At(**got, link.read_pointer), parents[link.field])
          << "link " << link.field;
    }

    if (c.update) {
      v1::TargetRecord updated = c.make(n - 1);
      AddLookups(updated, c);
      auto [field, value, pointer] = c.update(n - 1);
      (*updated.mutable_fields())[field] = record::StringValue(value);
      crm::ResolvedRecord rr;
      rr.record = &updated;
      rr.owner_id = env_.owner_id;
      for (const auto& [f, pid] : parents) rr.lookup_ids[f] = {pid};
      absl::Status updated_status = connector_->Update(id, rr);
      ASSERT_TRUE(updated_status.ok()) << updated_status;
      auto again = connector_->Get(c.target, id);
      ASSERT_TRUE(again.ok() && again->has_value());
      EXPECT_EQ(At(**again, pointer), value) << "after update " << pointer;
    }

    ASSERT_TRUE(connector_->Delete(c.target, id).ok());
    auto gone = connector_->Get(c.target, id);
    ASSERT_TRUE(gone.ok()) << gone.status();
    EXPECT_FALSE(gone->has_value()) << "deleted record still reads back";
    EXPECT_TRUE(absl::IsNotFound(connector_->Delete(c.target, id)));
  }
}

TEST_P(ConnectorConformanceTest, ListPaginatesOverEveryRecord) {
  const ObjectCase& c = profile_->objects.front();
  std::set<std::string> created;
  std::map<std::string, std::string> parents;
  for (int i = 0; i < 7; ++i)
    created.insert(CreateWithParents(c, 200 + i, &parents));
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = connector_->List(c.target, token, 3);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& r : page->records) seen.insert(IdOf(r["id"]));
    token = page->next_page_token;
    ASSERT_LT(++pages, 50);
  } while (!token.empty());
  EXPECT_GE(pages, 3);
  for (const auto& id : created) EXPECT_TRUE(seen.count(id)) << id;
}

TEST_P(ConnectorConformanceTest,
       CustomFieldsArePreparedThenWrittenAndReadBack) {
  const CustomFieldCase& cf = profile_->custom_field;
  crm::SchemaRequest request;
  request.fields = {cf.spec};
  auto report = connector_->PrepareSchema(request, /*apply=*/true);
  ASSERT_TRUE(report.ok()) << report.status();
  if (profile_->creates_fields) {
    EXPECT_TRUE(report->ready());
    // A second Prepare finds what the first created.
    auto again = connector_->PrepareSchema(request, true);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again->created.empty());
    EXPECT_EQ(again->present.size(), 1u);
  } else {
    // The CRM has no field-creation API: a missing field is a checklist
    // line naming it; a present one (seeded by the admin) is reported.
    crm::SchemaRequest missing;
    missing.fields = {cf.spec};
    missing.fields[0].name = "cf_not_there";
    missing.fields[0].label = "Not there";
    auto m = connector_->PrepareSchema(missing, true);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->checklist.size(), 1u);
    EXPECT_THAT(m->checklist[0], HasSubstr("cf_not_there"));
    EXPECT_TRUE(report->ready());
  }
  const ObjectCase* c = profile_->Find(cf.object);
  ASSERT_NE(c, nullptr);
  v1::TargetRecord t = c->make(300);
  (*t.mutable_custom_fields())[cf.spec.name] = record::StringValue(cf.value);
  crm::ResolvedRecord rr;
  rr.record = &t;
  rr.owner_id = env_.owner_id;
  auto id = connector_->Create(rr);
  ASSERT_TRUE(id.ok()) << id.status();
  auto got = connector_->Get(c->target, *id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(cf.read(**got), cf.value);
}

TEST_P(ConnectorConformanceTest, ExternalKeyFindsTheRecord) {
  const ObjectCase& c = profile_->objects.front();
  std::map<std::string, std::string> parents;
  std::string id = CreateWithParents(c, 400, &parents);
  v1::TargetRecord t = c.make(400);
  auto found = connector_->FindByExternalKey(c.target, t.external_key_field(),
                                             t.external_key());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, id);
  auto none = connector_->FindByExternalKey(c.target, t.external_key_field(),
                                            "pbn:patient:no-such-key");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(ConnectorConformanceTest, BadTokenIsUnauthenticated) {
  auto bad = MakeConn("not-the-token");
  auto users = bad->ListUsers();
  EXPECT_EQ(users.status().code(), absl::StatusCode::kUnauthenticated)
      << users.status();
}

TEST_P(ConnectorConformanceTest, UnknownIdIsNotFound) {
  const ObjectCase& c = profile_->objects.front();
  auto got = connector_->Get(c.target, profile_->unknown_id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(
      absl::IsNotFound(connector_->Delete(c.target, profile_->unknown_id)));
}

TEST_P(ConnectorConformanceTest, InvalidRecordIsRefusedWithTheCrmsMessage) {
  const ObjectCase& c = profile_->objects.front();
  v1::TargetRecord t = c.make(500);
  for (const auto& f : c.required_fields) t.mutable_fields()->erase(f);
  if (c.make_invalid) c.make_invalid(t);
  crm::ResolvedRecord rr;
  rr.record = &t;
  rr.owner_id = env_.owner_id;
  auto id = connector_->Create(rr);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument)
      << id.status();
  EXPECT_FALSE(id.status().message().empty());
}

TEST_P(ConnectorConformanceTest, RateLimitIsBackedOffAndEveryCallSucceeds) {
  ASSERT_TRUE(profile_->limit(*env_.emulator, 3).ok());
  for (int i = 0; i < 8; ++i) {
    auto users = connector_->ListUsers();
    ASSERT_TRUE(users.ok()) << "call " << i << ": " << users.status();
  }
  json stats = env_.emulator->Stats();
  EXPECT_GT(stats.value("rate_limited", 0), 0) << stats.dump();
  EXPECT_GT(time_.slept(), absl::ZeroDuration());
}

TEST_P(ConnectorConformanceTest, CreatedRecordProjectsAsWritten) {
  v1::TargetRecord t = profile_->projection.make(600);
  crm::ResolvedRecord rr;
  std::string id = CreateProjected(t, 600, &rr);
  ASSERT_FALSE(id.empty());

  json expected = crm::ExpectedProjection(t, rr.lookup_ids);
  json actual = ReadProjection(t, id);
  std::vector<crm::FieldDelta> deltas = crm::DiffProjections(expected, actual);
  EXPECT_THAT(deltas, IsEmpty()) << Describe(deltas);
  // Nothing passes as blank on both sides.
  for (const char* section : {"fields", "custom_fields", "lookups"}) {
    for (const auto& [name, unused] : expected[section].items()) {
      EXPECT_FALSE(crm::IsBlank(actual[section][name]))
          << section << "." << name;
    }
  }
}

TEST_P(ConnectorConformanceTest, RestoreWritesAnEarlierProjectionBack) {
  const ProjectionCase& pc = profile_->projection;
  v1::TargetRecord first = pc.make(620);
  crm::ResolvedRecord first_rr;
  const std::string id = CreateProjected(first, 620, &first_rr);
  ASSERT_FALSE(id.empty());
  std::string later_parent = CreateParent(640);
  ASSERT_FALSE(later_parent.empty());

  // The update's before-image: what the CRM holds of what it writes.
  v1::TargetRecord later = pc.make(620);
  pc.change(later, 620);
  crm::ResolvedRecord later_rr = Resolve(later, later_parent);
  json before = ReadProjection(later, id);
  ASSERT_FALSE(pc.cleared.empty());
  for (const auto& name : pc.cleared)
    EXPECT_TRUE(crm::IsBlank(FieldIn(before, name))) << name;

  ASSERT_TRUE(connector_->Update(id, later_rr).ok());
  json updated = ReadProjection(later, id);
  std::vector<crm::FieldDelta> deltas = crm::DiffProjections(
      crm::ExpectedProjection(later, later_rr.lookup_ids), updated);
  EXPECT_THAT(deltas, IsEmpty()) << "after the update:" << Describe(deltas);
  EXPECT_THAT(crm::DiffProjections(before, updated), Not(IsEmpty()));

  absl::Status restored = connector_->Restore(pc.target, id, before);
  ASSERT_TRUE(restored.ok()) << restored;
  json after = ReadProjection(later, id);
  deltas = crm::DiffProjections(before, after);
  EXPECT_THAT(deltas, IsEmpty()) << "after the restore:" << Describe(deltas);
  for (const auto& name : pc.cleared)
    EXPECT_TRUE(crm::IsBlank(FieldIn(after, name))) << name << " not cleared";
}

TEST_P(ConnectorConformanceTest, PlanWriteSendsNothingAndNamesAnUnknownField) {
  const ProjectionCase& pc = profile_->projection;
  PrepareProjectionFields();
  v1::TargetRecord t = pc.make(650);
  crm::ResolvedRecord rr = Resolve(t, profile_->unknown_id);
  const int64_t sent = connector_->requests();
  const int64_t served = env_.emulator->Stats().value("total", int64_t{0});

  auto planned = connector_->PlanWrite(rr, /*create=*/true);
  ASSERT_TRUE(planned.ok()) << planned.status();
  EXPECT_GE(*planned, 1);
  (*t.mutable_custom_fields())["cf_not_in_account"] = record::StringValue("x");
  for (bool create : {true, false}) {
    auto refused = connector_->PlanWrite(rr, create);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << refused.status();
    EXPECT_THAT(refused.status().message(), HasSubstr("cf_not_in_account"));
  }

  EXPECT_EQ(connector_->requests(), sent);
  EXPECT_EQ(env_.emulator->Stats().value("total", int64_t{0}), served);
}

// Dry runs (docs/design.md, "Run modes"): on an account without the map's
// fields (and custom object), PrepareSchema without apply plans them;
// PlanWrite then treats them as present, still names a field or option
// that is neither in the CRM nor planned, and no write reaches the CRM. A
// real write that needs a planned item is refused before it is sent.
TEST_P(ConnectorConformanceTest, PlanWriteTreatsThePlannedSchemaAsPresent) {
  const ProjectionCase& pc = profile_->projection;
  const std::string entity = pc.fields.front().entity;
  crm::SchemaRequest request;
  request.fields = pc.fields;
  request.fields.push_back({entity,
                            "cf_plan_tier",
                            "Plan tier",
                            "dropdown",
                            {"Gold", "Silver"},
                            ""});
  const std::string object = "custom_object:cm_dry_plan";
  if (profile_->object_fields_entity) {
    request.objects.push_back({"cm_dry_plan", "Dry plan", "Dry plans"});
    request.fields.push_back({profile_->object_fields_entity("cm_dry_plan"),
                              "cf_plan_note",
                              "Plan note",
                              "text",
                              {},
                              ""});
  }
  const int64_t writes = WritesServed();
  auto report = connector_->PrepareSchema(request, /*apply=*/false);
  ASSERT_TRUE(report.ok()) << report.status();
  std::string planned;
  for (const auto& item : report->to_create) absl::StrAppend(&planned, item);
  for (const auto& item : report->checklist) absl::StrAppend(&planned, item);
  EXPECT_THAT(planned, HasSubstr("cf_plan_tier"));

  v1::TargetRecord t = pc.make(700);
  (*t.mutable_custom_fields())["cf_plan_tier"] = record::StringValue("Gold");
  crm::ResolvedRecord rr = Resolve(t, profile_->unknown_id);
  for (bool create : {true, false}) {
    auto n = connector_->PlanWrite(rr, create);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_GE(*n, 1);
  }
  v1::TargetRecord row = Record("dry_plan", object, 700, "name");
  (*row.mutable_custom_fields())["cf_plan_note"] = record::StringValue("x");
  crm::ResolvedRecord row_rr{&row, env_.owner_id, {}};
  if (profile_->object_fields_entity) {
    auto n = connector_->PlanWrite(row_rr, /*create=*/true);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_GE(*n, 1);
  }

  // Neither in the CRM nor planned: named, as before.
  (*t.mutable_custom_fields())["cf_plan_tier"] = record::StringValue("Bronze");
  auto refused = connector_->PlanWrite(rr, /*create=*/true);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
      << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cf_plan_tier"));
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("Bronze")));
  (*t.mutable_custom_fields())["cf_plan_tier"] = record::StringValue("Gold");
  (*t.mutable_custom_fields())["cf_not_in_account"] = record::StringValue("x");
  refused = connector_->PlanWrite(rr, /*create=*/true);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
      << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("cf_not_in_account"));
  t.mutable_custom_fields()->erase("cf_not_in_account");

  // Writes never use a planned item.
  auto created = connector_->Create(rr);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kFailedPrecondition)
      << created.status();
  if (profile_->object_fields_entity) {
    created = connector_->Create(row_rr);
    EXPECT_EQ(created.status().code(), absl::StatusCode::kFailedPrecondition)
        << created.status();
  }
  EXPECT_EQ(WritesServed(), writes);
}

TEST_P(ConnectorConformanceTest, EmailsAndPhonesFindTheRecord) {
  const ProjectionCase& pc = profile_->projection;
  v1::TargetRecord t = pc.make(670);
  pc.change(t, 670);
  crm::ResolvedRecord rr;
  std::string id = CreateProjected(t, 670, &rr);
  ASSERT_FALSE(id.empty());
  ASSERT_FALSE(pc.match_fields.empty());
  for (const auto& field : pc.match_fields) {
    SCOPED_TRACE(field);
    std::string key = record::ValueToText(t.fields().at(field));
    // Emails match in any case.
    if (absl::StrContains(key, "@")) key = absl::AsciiStrToUpper(key);
    auto found = connector_->FindByExternalKey(pc.target, field, key);
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_EQ(found->value_or("none"), id);
    std::string other =
        absl::StrContains(key, "@") ? "nobody@mail.example" : TestPhone(9999);
    auto none = connector_->FindByExternalKey(pc.target, field, other);
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_FALSE(none->has_value());
  }
}

INSTANTIATE_TEST_SUITE_P(AllCrms, ConnectorConformanceTest,
                         ::testing::ValuesIn(ProfileNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace bridgework::conformance
