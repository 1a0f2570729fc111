#include "libs/mapping/map.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "bridgework/v1/record.pb.h"

namespace bridgework::mapping {
namespace {

using ::testing::HasSubstr;

std::string ReadExample(const std::string& rel) {
  const char* root = std::getenv("BRIDGEWORK_SOURCE_DIR");
  std::ifstream in(std::string(root ? root : ".") + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParseMap, ShippedPbnFreshsalesMapParsesAndOrders) {
  auto map =
      ParseMap(ReadExample("examples/pbn-freshsales/map.yaml"), "map.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->source, "pbn");
  auto order = LoadOrder(*map);
  ASSERT_TRUE(order.ok()) << order.status();
  // Reference objects, then loaded ones parents first, then every
  // not-migrated object of the export.
  std::set<std::string> sources;
  for (const auto& r : map->objects) sources.insert(r.source);
  ASSERT_EQ(order->size(), sources.size());
  EXPECT_EQ((*order)[0], "provider");
  EXPECT_EQ((*order)[1], "location");
  EXPECT_EQ((*order)[2], "patient");
  // Every object after its lookups' objects.
  for (size_t i = 0; i < order->size(); ++i) {
    for (const ObjectRoute* r : map->RoutesOf((*order)[i])) {
      for (const LookupRule& l : r->lookups) {
        if (l.deferrable || l.object == r->source) continue;
        auto at = std::find(order->begin(), order->end(), l.object);
        EXPECT_LT(at - order->begin(), static_cast<long>(i))
            << r->source << " -> " << l.object;
      }
    }
  }
  EXPECT_EQ(map->hash.size(), 64u);
}

TEST(ParseMap, UnknownKeyNamesLineAndPath) {
  const char* yaml =
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n    target: contact\n    fields:\n"
      "      - {to: email, form: email}\n";
  auto map = ParseMap(yaml, "m.yaml");
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(std::string(map.status().message()),
              HasSubstr("m.yaml:8: objects[0].fields[0]: unknown key 'form'"));
}

TEST(ParseMap, RejectsBadTransformAndMissingTarget) {
  auto bad = ParseMap(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n    target: contact\n    fields:\n"
      "      - {to: email, from: email, transform: shout}\n",
      "m.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown transform 'shout'"));
  auto no_target = ParseMap(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n",
      "m.yaml");
  ASSERT_FALSE(no_target.ok());
  EXPECT_THAT(std::string(no_target.status().message()),
              HasSubstr("m.yaml:5: objects[0].target"));
}

TEST(ParseMap, TerritoriesAreNames) {
  const std::string head =
      "version: 1\nsource: clinic\ndestination: freshsales\nobjects:\n"
      "  - {source: referrer, target: contact, fields: [{to: territory, "
      "from: territory}]}\n";
  auto map =
      ParseMap(head + "territories: [Westside, North Portland]\n", "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_THAT(map->territories,
              ::testing::ElementsAre("Westside", "North Portland"));
  auto bad = ParseMap(head + "territories: [Westside, {name: X}]\n", "m.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("m.yaml:6: territories[1]: expected a territory name"));
  EXPECT_FALSE(ParseMap(head + "territories: Westside\n", "m.yaml").ok());
}

TEST(ParseMap, SyntaxErrorNamesLine) {
  auto map = ParseMap("version: 1\nobjects: [\n", "m.yaml");
  ASSERT_FALSE(map.ok());
  EXPECT_THAT(std::string(map.status().message()), HasSubstr("m.yaml:"));
  EXPECT_THAT(std::string(map.status().message()), HasSubstr("invalid YAML"));
}

TEST(LoadOrder, CycleWithoutDeferrableIsAnError) {
  auto map = ParseMap(
      "version: 1\nsource: s\ndestination: d\nobjects:\n"
      "  - source: a\n    target: x\n    lookups: [{to: f, from: b_id, object: "
      "b, target: y}]\n"
      "  - source: b\n    target: y\n    lookups: [{to: g, from: a_id, object: "
      "a, target: x}]\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_FALSE(LoadOrder(*map).ok());
}

constexpr char kHead[] =
    "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n";

// A record of `object` with text fields.
v1::Record Rec(const std::string& object, const std::string& key,
               const std::map<std::string, std::string>& fields) {
  v1::Record r;
  r.set_object_type(object);
  r.set_source_key(key);
  for (const auto& [name, text] : fields) {
    (*r.mutable_fields())[name].set_string_value(text);
  }
  return r;
}

TEST(ParseMap, MatchFieldsAreFieldsTheRouteWritesAndAreInherited) {
  auto map = ParseMap(std::string(kHead) +
                          "  - source: patient\n"
                          "    id: base\n"
                          "    target: contact\n"
                          "    match: [emails, mobile_number]\n"
                          "    when: {field: email, empty: false}\n"
                          "    fields:\n"
                          "      - {to: emails, from: email}\n"
                          "      - {to: mobile_number, from: cell}\n"
                          "  - source: patient\n"
                          "    id: other\n"
                          "    extends: base\n",
                      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_THAT(map->objects[0].match_fields,
              ::testing::ElementsAre("emails", "mobile_number"));
  EXPECT_THAT(map->objects[1].match_fields,
              ::testing::ElementsAre("emails", "mobile_number"));

  auto bad = ParseMap(std::string(kHead) +
                          "  - source: patient\n"
                          "    target: contact\n"
                          "    match: [email]\n"
                          "    fields:\n"
                          "      - {to: emails, from: email}\n",
                      "m.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("m.yaml:7: objects[0].match: 'email' is not a field "
                        "this route writes"));
}

TEST(ConditionalRoutes, LeadsAndContactsWithExtends) {
  auto map = ParseMap(
      std::string(kHead) +
          "  - source: patient\n"
          "    id: patient_contact\n"
          "    target: contact\n"
          "    seed: [\"Patient -> Contact\"]\n"
          "    when:\n"
          "      related: appointment\n"
          "      via: patient_id\n"
          "      where: {field: status, in: [Completed, checked out]}\n"
          "      min: 1\n"
          "    fields:\n"
          "      - {to: last_name, from: last_name}\n"
          "      - {to: lifecycle_stage, const: Customer}\n"
          "  - source: patient\n"
          "    id: patient_lead\n"
          "    extends: patient_contact\n"
          "    seed: \"Patient -> Lead\"\n"
          "    fields:\n"
          "      - {to: lifecycle_stage, const: Lead}\n"
          "      - {to: cf_inquiry, from: inquiry}\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  auto routes = map->RoutesOf("patient");
  ASSERT_EQ(routes.size(), 2u);
  const ObjectRoute& lead = *routes[1];
  EXPECT_EQ(lead.id, "patient_lead");
  EXPECT_EQ(lead.target, "contact");
  EXPECT_THAT(routes[0]->seed_rows,
              ::testing::ElementsAre("Patient -> Contact"));
  EXPECT_THAT(lead.seed_rows, ::testing::ElementsAre("Patient -> Lead"));
  ASSERT_EQ(lead.fields.size(), 3u);
  EXPECT_EQ(lead.fields[0].to, "last_name");
  EXPECT_EQ(lead.fields[1].to, "lifecycle_stage");
  EXPECT_EQ(*lead.fields[1].constant, "Lead");  // replaced, same place
  EXPECT_EQ(lead.fields[2].to, "cf_inquiry");
  EXPECT_FALSE(lead.when.has_value());

  // The condition counts completed appointments of the record's key.
  const Condition& when = *routes[0]->when;
  std::vector<const Condition*> related;
  CollectRelated(when, &related);
  ASSERT_EQ(related.size(), 1u);
  EXPECT_EQ(related[0]->object, "appointment");
  EXPECT_EQ(related[0]->via, "patient_id");
  v1::Record p = Rec("patient", "7", {});
  EXPECT_FALSE(Holds(when, p, [](const Condition&) { return 0; }));
  EXPECT_TRUE(Holds(when, p, [](const Condition&) { return 2; }));
  const Condition& where = related[0]->children.front();
  EXPECT_TRUE(Holds(
      where, Rec("appointment", "1", {{"status", " Checked Out"}}), nullptr));
  EXPECT_FALSE(Holds(where, Rec("appointment", "2", {{"status", "Cancelled"}}),
                     nullptr));
  EXPECT_FALSE(Holds(where, Rec("appointment", "3", {}), nullptr));
}

TEST(ConditionalRoutes, FieldTestsAndCombinations) {
  auto map =
      ParseMap(std::string(kHead) +
                   "  - source: patient\n    id: a\n    target: contact\n"
                   "    when:\n      all:\n"
                   "        - {field: email, empty: false}\n"
                   "        - not: {field: status, equals: archived}\n"
                   "        - any: [{field: vip, in: [yes, 'true']}, "
                   "{field: source, not_in: [walk-in]}]\n"
                   "  - source: patient\n    id: b\n    target: contact\n",
               "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  const Condition& c = *map->objects[0].when;
  auto holds = [&](std::map<std::string, std::string> f) {
    return Holds(c, Rec("patient", "1", f), nullptr);
  };
  EXPECT_TRUE(holds({{"email", "x"}, {"source", "web"}}));
  EXPECT_FALSE(holds({{"source", "web"}}));  // no email
  EXPECT_FALSE(holds({{"email", "x"}, {"status", "ARCHIVED"}}));
  EXPECT_FALSE(holds({{"email", "x"}, {"source", "Walk-in"}}));
  EXPECT_TRUE(holds({{"email", "x"}, {"source", "walk-in"}, {"vip", "Yes"}}));
}

TEST(ConditionalRoutes, ErrorsNameLineAndKey) {
  auto error = [](const std::string& objects) {
    auto map = ParseMap(std::string(kHead) + objects, "m.yaml");
    return map.ok() ? std::string("ok") : std::string(map.status().message());
  };
  EXPECT_EQ(error("  - {source: patient, target: contact}\n"
                  "  - {source: patient, target: contact}\n"),
            "m.yaml:6: objects[1]: object 'patient' is routed twice; give "
            "each of its routes an 'id'");
  EXPECT_EQ(error("  - {source: patient, id: a, target: contact}\n"
                  "  - {source: patient, id: b, target: contact}\n"),
            "m.yaml:6: objects[1]: route 'a' has no 'when' and takes every "
            "'patient' record; this later route is never used");
  EXPECT_EQ(error("  - {source: patient, id: a, target: contact,"
                  " when: {field: x, equals: 1}}\n"
                  "  - {source: patient, id: b, extends: c}\n"),
            "m.yaml:6: objects[1].extends: 'c' is not an earlier loaded route "
            "of 'patient'");
  EXPECT_EQ(error("  - {source: patient, target: contact, when: {field: x}}\n"),
            "m.yaml:5: objects[0].when: give exactly one of 'equals', 'in', "
            "'not_in' or 'empty'");
  EXPECT_EQ(
      error("  - {source: patient, target: contact, when: {relatd: x}}\n"),
      "m.yaml:5: objects[0].when: unknown condition (known: field, "
      "related, all, any, not)");
  EXPECT_EQ(error("  - {source: patient, target: contact,"
                  " when: {related: appointment, via: patient_id}}\n"),
            "m.yaml:5: objects[0].when: say how many related records: "
            "'count', 'min' or 'max'");
  EXPECT_EQ(error("  - {source: patient, target: contact,"
                  " when: {related: a, via: b, min: 3, max: 1}}\n"),
            "m.yaml:5: objects[0].when: counts are whole numbers and min <= "
            "max");
  EXPECT_EQ(error("  - {source: provider, route: reference, reason: r}\n"
                  "  - {source: provider, id: p2, target: contact}\n"),
            "m.yaml:6: objects[1]: object 'provider' has a reference or "
            "not_migrated route; it cannot have others");
}

TEST(ManyToOne, IntoRoutesParseOrderAndValidate) {
  auto map = ParseMap(
      std::string(kHead) +
          "  - source: insurance\n    id: insurance_fields\n"
          "    seed: \"Insurance Record -> Custom Fields on Contact\"\n"
          "    into: {object: patient, via: patient_id, order_by: priority}\n"
          "    fields: [{to: cf_carrier, from: carrier_name}]\n"
          "  - source: insurance\n    id: insurance_plan\n"
          "    target: custom_object:insurance_plan\n"
          "    lookups: [{to: contact_id, from: patient_id, object: patient,"
          " target: contact}]\n"
          "  - source: patient\n    target: contact\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  auto onto = map->IntoRoutesOnto("patient");
  ASSERT_EQ(onto.size(), 1u);
  EXPECT_EQ(onto[0]->id, "insurance_fields");
  EXPECT_EQ(onto[0]->into->order_by, "priority");
  auto order = LoadOrder(*map);
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_THAT(*order, ::testing::ElementsAre("patient", "insurance"));

  auto bad = ParseMap(std::string(kHead) +
                          "  - source: insurance\n"
                          "    into: {object: patient, via: patient_id}\n"
                          "    target: contact\n"
                          "  - source: patient\n    target: contact\n",
                      "m.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "m.yaml:7: objects[0].target: a many-to-one route ('into') writes "
            "onto its object's target; it has no target of its own");
  auto nowhere = ParseMap(std::string(kHead) +
                              "  - source: insurance\n"
                              "    into: {object: patient, via: patient_id}\n",
                          "m.yaml");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.status().message(),
            "m.yaml:6: objects[0].into.object: 'patient' is not another "
            "object the map loads");
}

}  // namespace
TEST(FieldsRead, NamesEveryFieldTheMapReadsAndNoOther) {
  auto map = ParseMap(
      std::string(kHead) +
          "  - source: provider\n"
          "    route: reference\n"
          "    reason: users are matched by email\n"
          "  - source: location\n"
          "    target: sales_account\n"
          "    fields: [{to: name, from: name}]\n"
          "  - source: patient\n"
          "    target: contact\n"
          "    when:\n"
          "      all:\n"
          "        - {field: status, not_in: [archived]}\n"
          "        - related: appointment\n"
          "          via: patient_id\n"
          "          where: {field: state, in: [completed]}\n"
          "          min: 1\n"
          "    owner: {from: primary_provider_id, object: provider,"
          " email_field: work_email}\n"
          "    fields:\n"
          "      - {to: last_name, from: last_name, required: true}\n"
          "      - {to: address, from: [line1, line2], transform: join}\n"
          "      - {to: description, template: '{title} {nickname} file'}\n"
          "      - {to: cf_ssn, from: ssn, phi: drop}\n"
          "      - {to: cf_member, from: member_id, phi: hash}\n"
          "      - {to: lifecycle_stage, const: Customer}\n"
          "    lookups:\n"
          "      - {to: sales_accounts, from: location_id, object: location,"
          " target: sales_account, list: true}\n"
          "  - source: appointment\n"
          "    target: appointment\n"
          "    fields:\n"
          "      - {to: from_date, from: start_at, transform: datetime}\n"
          "      - {to: end_date, from: start_at, plus_minutes: minutes,"
          " transform: datetime}\n"
          "  - source: insurance\n"
          "    into: {object: patient, via: patient_id, order_by: priority}\n"
          "    when: {field: kind, in: [dental]}\n"
          "    fields: [{to: cf_carrier, from: carrier_name}]\n"
          "  - source: communication\n"
          "    route: not_migrated\n"
          "    reason: workflows are rebuilt\n"
          "  - source: form\n"
          "    target: note\n"
          "    fields: [{to: description, from: \"*\", transform: json}]\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  using ::testing::ElementsAre;
  EXPECT_THAT(FieldsRead(*map, "patient"),
              ::testing::Optional(ElementsAre(
                  "last_name", "line1", "line2", "location_id", "member_id",
                  "nickname", "primary_provider_id", "status", "title")));
  // Read by the patients' owner rule and `related` condition.
  EXPECT_THAT(FieldsRead(*map, "provider"),
              ::testing::Optional(ElementsAre("work_email")));
  EXPECT_THAT(FieldsRead(*map, "appointment"),
              ::testing::Optional(
                  ElementsAre("minutes", "patient_id", "start_at", "state")));
  EXPECT_THAT(FieldsRead(*map, "insurance"),
              ::testing::Optional(ElementsAre("carrier_name", "kind",
                                              "patient_id", "priority")));
  EXPECT_THAT(FieldsRead(*map, "communication"),
              ::testing::Optional(::testing::IsEmpty()));
  EXPECT_EQ(FieldsRead(*map, "form"), std::nullopt);
}

}  // namespace bridgework::mapping
