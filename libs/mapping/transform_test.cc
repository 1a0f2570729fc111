#include "libs/mapping/transform.h"

#include <map>
#include <random>

#include <google/protobuf/arena.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include "libs/record/value.h"

namespace bridgework::mapping {
namespace {

ObjectRoute PatientRoute() {
  auto map = ParseMap(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: provider\n    route: reference\n    reason: users\n"
      "  - source: patient\n    target: contact\n"
      "    owner: {from: provider_id, object: provider}\n"
      "    fields:\n"
      "      - {to: last_name, from: last_name, required: true}\n"
      "      - {to: email, from: email, transform: email}\n"
      "      - {to: mobile_number, from: phone, transform: phone}\n"
      "      - {to: address, from: [a1, a2], transform: join, separator: ', "
      "'}\n"
      "      - {to: cf_status, from: status, values: {active: Active}}\n"
      "      - {to: cf_type, const: Patient}\n"
      "    lookups:\n"
      "      - {to: sales_accounts, from: location_id, object: provider, "
      "target: sales_account, list: true}\n",
      "m.yaml");
  EXPECT_TRUE(map.ok()) << map.status();
  return map->objects[1];
}

v1::Record Patient() {
  v1::Record r;
  r.set_object_type("patient");
  r.set_source_key("17");
  r.mutable_location()->set_file("patients.csv");
  r.mutable_location()->set_line(18);
  auto& f = *r.mutable_fields();
  f["last_name"] = record::StringValue("Núñez");
  f["email"] = record::StringValue("  Ana.Nunez@Mail.Example ");
  f["phone"] = record::StringValue("(512) 555-0142");
  f["a1"] = record::StringValue("1 Main St");
  f["a2"] = record::NullValue();
  f["status"] = record::StringValue("active");
  f["provider_id"] = record::StringValue("3");
  f["location_id"] = record::IntValue(1);
  return r;
}

TEST(TransformRecord, MapsFieldsLookupsOwnerAndKey) {
  absl::flat_hash_map<std::string, std::string> owners{{"3", "dr@x.example"}};
  TransformContext ctx{"pbn", "US", &owners};
  auto result = TransformRecord(PatientRoute(), Patient(), ctx);
  ASSERT_TRUE(result.target.has_value());
  const auto& t = *result.target;
  EXPECT_EQ(t.fields().at("last_name").string_value(), "Núñez");
  EXPECT_EQ(t.fields().at("email").string_value(), "ana.nunez@mail.example");
  EXPECT_EQ(t.fields().at("mobile_number").string_value(), "+15125550142");
  EXPECT_EQ(t.fields().at("address").string_value(), "1 Main St");
  EXPECT_EQ(t.custom_fields().at("cf_status").string_value(), "Active");
  EXPECT_EQ(t.custom_fields().at("cf_type").string_value(), "Patient");
  ASSERT_EQ(t.lookups_size(), 1);
  EXPECT_EQ(t.lookups(0).source_key(), "1");
  EXPECT_TRUE(t.lookups(0).as_list());
  EXPECT_EQ(t.owner_email(), "dr@x.example");
  EXPECT_EQ(t.external_key(), "pbn:patient:17");
  EXPECT_TRUE(result.warnings.empty());
}

TEST(TransformRecord, BadOptionalValuesWarnWithoutValues) {
  v1::Record r = Patient();
  (*r.mutable_fields())["phone"] = record::StringValue("call me");
  (*r.mutable_fields())["email"] = record::StringValue("not-an-email");
  (*r.mutable_fields())["status"] = record::StringValue("zombie");
  auto result = TransformRecord(PatientRoute(), r,
                                TransformContext{"pbn", "US", nullptr});
  ASSERT_TRUE(result.target.has_value());
  EXPECT_FALSE(result.target->fields().contains("mobile_number"));
  EXPECT_FALSE(result.target->fields().contains("email"));
  ASSERT_EQ(result.warnings.size(), 3u);
  for (const auto& w : result.warnings) {
    EXPECT_EQ(w.location().line(), 18);
    EXPECT_EQ(w.reason().find("call me"), std::string::npos);
    EXPECT_EQ(w.reason().find("zombie"), std::string::npos);
  }
  EXPECT_EQ(result.warnings[0].field(), "email");
}

TEST(TransformRecord, MissingRequiredQuarantines) {
  v1::Record r = Patient();
  (*r.mutable_fields())["last_name"] = record::NullValue();
  auto result = TransformRecord(PatientRoute(), r,
                                TransformContext{"pbn", "US", nullptr});
  ASSERT_TRUE(result.rejection.has_value());
  EXPECT_FALSE(result.target.has_value());
  EXPECT_EQ(result.rejection->field(), "last_name");
  EXPECT_EQ(result.rejection->stage(), "transform");
}

TEST(TransformRecordInto, BuildsInPlaceOnAnArenaWhatTransformRecordReturns) {
  absl::flat_hash_map<std::string, std::string> owners{{"3", "dr@x.example"}};
  TransformContext ctx{"pbn", "US", &owners};
  auto expected = TransformRecord(PatientRoute(), Patient(), ctx);
  ASSERT_TRUE(expected.target.has_value());
  google::protobuf::Arena arena;
  auto* batch = google::protobuf::Arena::CreateMessage<v1::TargetBatch>(&arena);
  v1::TargetRecord* slot = batch->add_records();
  (*slot->mutable_fields())["stale"] = record::StringValue("x");  // cleared
  auto result = TransformRecordInto(PatientRoute(), Patient(), ctx, slot);
  EXPECT_FALSE(result.target.has_value());
  EXPECT_FALSE(result.rejection.has_value());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      *slot, *expected.target));
  // A quarantined record: the slot holds no record to load, and says so by
  // the result.
  v1::Record bad = Patient();
  (*bad.mutable_fields())["last_name"] = record::NullValue();
  result = TransformRecordInto(PatientRoute(), bad, ctx, slot);
  ASSERT_TRUE(result.rejection.has_value());
  EXPECT_EQ(result.rejection->field(), "last_name");
}

TEST(Normalize, EmailsAndPhones) {
  EXPECT_EQ(NormalizeEmail(" A@B.Example "), "a@b.example");
  EXPECT_FALSE(NormalizeEmail("a@b").has_value());
  EXPECT_FALSE(NormalizeEmail("a b@c.example").has_value());
  EXPECT_FALSE(NormalizeEmail("a@@c.example").has_value());
  EXPECT_EQ(NormalizePhone("+1 512 555 0142", "US"), "+15125550142");
  EXPECT_EQ(NormalizePhone("512.555.0142", "US"), "+15125550142");
  EXPECT_FALSE(NormalizePhone("555-01", "US").has_value());
  EXPECT_EQ(NormalizePhone("0532 123 45 67", "TR"), "+905321234567");
}

// NormalizePhone's fast path for North American numbers gives what
// PhoneNumberUtil's Parse, IsValidNumber and Format give, input by input:
// digits (valid, invalid, too short, too long) with separators, a leading
// 1 or +1, other country codes, letters and extensions.
TEST(Normalize, PhoneFastPathMatchesParse) {
  using ::i18n::phonenumbers::PhoneNumber;
  using ::i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  auto reference =
      [&](const std::string& phone,
          const std::string& region) -> std::optional<std::string> {
    PhoneNumber number;
    if (util.Parse(phone, region, &number) !=
            PhoneNumberUtil::NO_PARSING_ERROR ||
        !util.IsValidNumber(number)) {
      return std::nullopt;
    }
    std::string out;
    util.Format(number, PhoneNumberUtil::E164, &out);
    return out;
  };
  std::mt19937 random(7);
  const std::string separators = " -.()";
  const std::vector<std::string> prefixes = {"",   "",     "1", "1 ", "+1 ",
                                             "+1", "+44 ", "+", "01"};
  const std::vector<std::string> suffixes = {"",        "",  "", " x12",
                                             " ext. 5", "a", " "};
  int valid = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string phone = prefixes[random() % prefixes.size()];
    const int digits = 8 + static_cast<int>(random() % 5);
    for (int d = 0; d < digits; ++d) {
      phone += static_cast<char>('0' + random() % 10);
      if (random() % 4 == 0) phone += separators[random() % separators.size()];
    }
    phone += suffixes[random() % suffixes.size()];
    for (const std::string region : {"US", "CA", "GB"}) {
      std::optional<std::string> want = reference(phone, region);
      valid += want.has_value();
      EXPECT_EQ(NormalizePhone(phone, region), want)
          << "input \"" << phone << "\" region " << region;
    }
  }
  EXPECT_GT(valid, 500) << "the inputs should hold many valid numbers";
}

ObjectRoute AppointmentRoute() {
  auto map = ParseMap(
      "version: 1\nsource: pbn\ndestination: pipedrive\nobjects:\n"
      "  - source: appointment\n    target: activity\n"
      "    fields:\n"
      "      - {to: due_date, from: start_at, transform: date, zone: UTC}\n"
      "      - {to: due_time, from: start_at, transform: time, zone: UTC}\n"
      "      - {to: local_day, from: start_at, transform: date}\n"
      "      - {to: start, from: start_at, transform: datetime}\n"
      "      - {to: end, from: start_at, plus_minutes: minutes, "
      "transform: datetime}\n"
      "      - {to: end_utc, from: start_at, plus_minutes: minutes, "
      "transform: datetime, zone: UTC}\n"
      "      - {to: duration, from: minutes, transform: hhmm}\n"
      "      - {to: note, from: note, transform: html_text}\n",
      "m.yaml");
  EXPECT_TRUE(map.ok()) << map.status();
  return map->objects[0];
}

TEST(TransformRecord, TimesInZonesEndFromDurationAndHtmlText) {
  v1::Record r;
  r.set_object_type("appointment");
  r.set_source_key("9");
  auto& f = *r.mutable_fields();
  // 2026-03-01 23:30 in Chicago (UTC-6) is 2026-03-02 05:30 UTC.
  auto at = record::ParseTimestamp("2026-03-01 23:30", "America/Chicago");
  ASSERT_TRUE(at.ok());
  *f["start_at"].mutable_timestamp_value() = *at;
  f["minutes"] = record::IntValue(90);
  f["note"] = record::StringValue(
      "<p>Crown   prep &amp; temp</p><p>Next:<br/>seat &lt;2 wks&gt;</p>");
  auto result = TransformRecord(AppointmentRoute(), r,
                                TransformContext{"pbn", "US", nullptr});
  ASSERT_TRUE(result.target.has_value());
  const auto& t = result.target->fields();
  EXPECT_EQ(t.at("due_date").string_value(), "2026-03-02");
  EXPECT_EQ(t.at("due_time").string_value(), "05:30");
  EXPECT_EQ(t.at("local_day").string_value(), "2026-03-01");
  EXPECT_EQ(t.at("start").string_value(), "2026-03-01T23:30:00-06:00");
  EXPECT_EQ(t.at("end").string_value(), "2026-03-02T01:00:00-06:00");
  EXPECT_EQ(t.at("end_utc").string_value(), "2026-03-02T07:00:00+00:00");
  EXPECT_EQ(t.at("duration").string_value(), "01:30");
  EXPECT_EQ(t.at("note").string_value(),
            "Crown prep & temp\nNext:\nseat <2 wks>");
  EXPECT_TRUE(result.warnings.empty());
}

TEST(TransformRecord, EndWithoutDurationWarnsAndDropsTheField) {
  v1::Record r;
  r.set_object_type("appointment");
  r.set_source_key("9");
  auto at = record::ParseTimestamp("2026-03-01 09:00", "UTC");
  ASSERT_TRUE(at.ok());
  *(*r.mutable_fields())["start_at"].mutable_timestamp_value() = *at;
  auto result = TransformRecord(AppointmentRoute(), r,
                                TransformContext{"pbn", "US", nullptr});
  ASSERT_TRUE(result.target.has_value());
  EXPECT_FALSE(result.target->fields().contains("end"));
  EXPECT_TRUE(result.target->fields().contains("start"));
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_NE(result.warnings[0].reason().find("minutes"), std::string::npos);
}

TEST(TransformRecord, ADateAsDateTimeIsMidnightInTheZone) {
  auto map = ParseMap(
      "version: 1\nsource: d\ndestination: freshsales\nobjects:\n"
      "  - source: recall\n    target: task\n    fields:\n"
      "      - {to: due_date, from: due_on, transform: datetime, zone: "
      "Europe/Istanbul}\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  v1::Record r;
  r.set_object_type("recall");
  r.set_source_key("1");
  (*r.mutable_fields())["due_on"] = record::DateValue(2026, 2, 13);
  auto result =
      TransformRecord(map->objects[0], r, TransformContext{"d", "TR", nullptr});
  ASSERT_TRUE(result.target.has_value());
  EXPECT_EQ(result.target->fields().at("due_date").string_value(),
            "2026-02-13T00:00:00+03:00");
}

TEST(ParseMap, ZoneAndPlusMinutesAreChecked) {
  auto bad_zone = ParseMap(
      "version: 1\nsource: pbn\ndestination: pipedrive\nobjects:\n"
      "  - source: a\n    target: activity\n    fields:\n"
      "      - {to: d, from: s, transform: date, zone: Mars/Olympus}\n",
      "m.yaml");
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_NE(bad_zone.status().message().find("m.yaml:8"), std::string::npos)
      << bad_zone.status();
  EXPECT_NE(bad_zone.status().message().find("unknown time zone"),
            std::string::npos);
  auto zone_without_time = ParseMap(
      "version: 1\nsource: pbn\ndestination: pipedrive\nobjects:\n"
      "  - source: a\n    target: activity\n    fields:\n"
      "      - {to: d, from: s, transform: email, zone: UTC}\n",
      "m.yaml");
  EXPECT_FALSE(zone_without_time.ok());
}

// One route with `fields` over a record of text `fields`.
TransformResult Apply(const std::string& rules,
                      const std::map<std::string, std::string>& fields) {
  auto map = ParseMap(
      "version: 1\nsource: s\ndestination: freshsales\nobjects:\n"
      "  - source: o\n    target: contact\n    external_key_field: ''\n"
      "    fields:\n" +
          rules,
      "m.yaml");
  EXPECT_TRUE(map.ok()) << map.status();
  v1::Record r;
  r.set_object_type("o");
  r.set_source_key("9");
  for (const auto& [name, text] : fields) {
    (*r.mutable_fields())[name] = record::StringValue(text);
  }
  return TransformRecord(map->objects[0], r, TransformContext{"s", "US"});
}

// A birth date rule with plausible bounds, over typed dates.
TEST(TransformRecord, DatesOutsideTheirBoundsAreUnusable) {
  auto map = ParseMap(
      "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
      "  - source: patient\n    target: contact\n    fields:\n"
      "      - {to: last_name, from: last_name}\n"
      "      - {to: cf_dob, from: birth_date, transform: date, "
      "not_before: 1900-01-01, not_after: today}\n"
      "      - {to: cf_seen, from: seen_at, transform: datetime, not_after: "
      "today, required: true}\n",
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  TransformContext ctx{"pbn", "US"};
  ctx.today = absl::CivilDay(2026, 11, 23);
  auto run = [&](v1::Value dob, v1::Value seen) {
    v1::Record r;
    r.set_object_type("patient");
    r.set_source_key("P2");
    r.mutable_location()->set_file("patients.csv");
    r.mutable_location()->set_line(3);
    (*r.mutable_fields())["last_name"] = record::StringValue("Quill");
    (*r.mutable_fields())["birth_date"] = std::move(dob);
    (*r.mutable_fields())["seen_at"] = std::move(seen);
    return TransformRecord(map->objects[0], r, ctx);
  };
  // 2026-11-23 12:00 UTC: today, so within bounds.
  const v1::Value noon = record::TimestampValue(1795435200, "UTC");
  auto ok = run(record::DateValue(2026, 11, 23), noon);
  ASSERT_TRUE(ok.target.has_value());
  EXPECT_EQ(ok.target->custom_fields().at("cf_dob").string_value(),
            "2026-11-23");
  EXPECT_TRUE(ok.warnings.empty());
  EXPECT_TRUE(run(record::DateValue(1900, 1, 1), noon).warnings.empty());

  for (const auto& [dob, why] :
       {std::pair{record::DateValue(2091, 5, 17),
                  "date is after today (not_after); field not loaded"},
        {record::DateValue(2026, 11, 24),
         "date is after today (not_after); field not loaded"},
        {record::DateValue(1, 1, 1),
         "date is before 1900-01-01 (not_before); field not loaded"},
        {record::StringValue("0001-01-01"),
         "date is before 1900-01-01 (not_before); field not loaded"}}) {
    auto r = run(dob, noon);
    ASSERT_TRUE(r.target.has_value()) << "an optional date drops the field";
    EXPECT_FALSE(r.target->custom_fields().contains("cf_dob"));
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0].field(), "birth_date");
    EXPECT_EQ(r.warnings[0].reason(), why);
    EXPECT_EQ(r.warnings[0].location().line(), 3);
    EXPECT_EQ(r.warnings[0].reason().find("2091"), std::string::npos);
  }
  // A required timestamp after today (in its own zone) quarantines.
  auto late = run(record::DateValue(1980, 2, 29),
                  record::TimestampValue(1795435200 + 86400, "UTC"));
  EXPECT_FALSE(late.target.has_value());
  ASSERT_TRUE(late.rejection.has_value());
  EXPECT_EQ(late.rejection->field(), "seen_at");
  EXPECT_EQ(late.rejection->reason(),
            "date is after today (not_after) (required)");
}

TEST(ParseMap, DateBoundsAreChecked) {
  auto parse = [](const std::string& rule) {
    return ParseMap(
        "version: 1\nsource: pbn\ndestination: freshsales\nobjects:\n"
        "  - source: patient\n    target: contact\n    fields:\n"
        "      - " +
            rule + "\n",
        "m.yaml");
  };
  EXPECT_TRUE(parse("{to: d, from: b, not_after: today}").ok());
  EXPECT_TRUE(parse("{to: d, from: b, transform: datetime, not_before: "
                    "2000-01-01, not_after: 2030-12-31}")
                  .ok());
  for (const auto& [rule, why] :
       {std::pair{"{to: d, from: b, not_after: tomorrow}",
                  "m.yaml:8: objects[0].fields[0].not_after: want a date "
                  "YYYY-MM-DD or 'today'"},
        {"{to: d, from: b, not_before: 2000-02-30}",
         "m.yaml:8: objects[0].fields[0].not_before: want a date"},
        {"{to: d, from: b, transform: email, not_after: today}",
         "m.yaml:8: objects[0].fields[0].not_after: 'not_after' applies to "
         "one 'from' date field"},
        {"{to: d, const: x, not_after: today}",
         "m.yaml:8: objects[0].fields[0].not_after: 'not_after' applies"},
        {"{to: d, from: b, not_before: 2030-01-01, not_after: 2020-01-01}",
         "m.yaml:8: objects[0].fields[0].not_after: is before not_before"}}) {
    auto m = parse(rule);
    ASSERT_FALSE(m.ok()) << rule;
    EXPECT_NE(m.status().message().find(why), std::string::npos) << m.status();
  }
}

TEST(TransformRecord, NameSplit) {
  auto r = Apply(
      "      - {to: first_name, from: name, transform: first_name}\n"
      "      - {to: last_name, from: name, transform: last_name}\n",
      {{"name", "  Ana María  de la Cruz "}});
  ASSERT_TRUE(r.target);
  EXPECT_EQ(r.target->fields().at("first_name").string_value(),
            "Ana María  de la");
  EXPECT_EQ(r.target->fields().at("last_name").string_value(), "Cruz");
  auto one = Apply(
      "      - {to: first_name, from: name, transform: first_name}\n"
      "      - {to: last_name, from: name, transform: last_name}\n",
      {{"name", "Cher"}});
  EXPECT_FALSE(one.target->fields().contains("first_name"));
  EXPECT_EQ(one.target->fields().at("last_name").string_value(), "Cher");
}

TEST(TransformRecord, ToothNumbersKeepTheirSystem) {
  const std::string rules =
      "      - {to: cf_fdi, from: fdi, transform: tooth, numbering: FDI}\n"
      "      - {to: cf_uni, from: uni, transform: tooth, numbering: "
      "Universal}\n";
  auto ok = Apply(rules, {{"fdi", "36, 85"}, {"uni", "14;a"}});
  ASSERT_TRUE(ok.target);
  EXPECT_EQ(ok.target->custom_fields().at("cf_fdi").string_value(),
            "FDI 36, 85");
  EXPECT_EQ(ok.target->custom_fields().at("cf_uni").string_value(),
            "Universal 14, A");
  EXPECT_TRUE(ok.warnings.empty());
  // 19 is not an FDI tooth (a quadrant has 8); 33 and U are not Universal.
  for (const auto& [fdi, uni] :
       std::vector<std::pair<std::string, std::string>>{
           {"19", "33"}, {"86", "U"}, {"3", "0"}, {"x1", "07"}}) {
    auto bad = Apply(rules, {{"fdi", fdi}, {"uni", uni}});
    ASSERT_EQ(bad.warnings.size(), 2u) << fdi << " " << uni;
    EXPECT_EQ(bad.warnings[0].field(), "fdi");
    EXPECT_EQ(bad.warnings[0].reason(),
              "not a tooth number in FDI numbering; field not loaded");
    EXPECT_EQ(bad.warnings[1].reason(),
              "not a tooth number in Universal numbering; field not loaded");
    EXPECT_FALSE(bad.target->custom_fields().contains("cf_fdi"));
  }
  auto missing = ParseMap(
      "version: 1\nsource: s\ndestination: d\nobjects:\n"
      "  - source: o\n    target: t\n"
      "    fields: [{to: x, from: y, transform: tooth}]\n",
      "m.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "m.yaml:7: objects[0].fields[0].numbering: transform tooth needs "
            "'numbering: FDI' or 'numbering: Universal'");
}

TEST(TransformRecord, JsonBlobsIntoLongText) {
  auto r = Apply(
      "      - {to: cf_log, from: payload, transform: json}\n"
      "      - {to: cf_all, from: '*', transform: json}\n",
      {{"payload", "{ \"channel\": \"sms\",\n \"n\": [1, 2] }"},
       {"kind", "form"}});
  ASSERT_TRUE(r.target);
  EXPECT_EQ(r.target->custom_fields().at("cf_log").string_value(),
            "{\"channel\":\"sms\",\"n\":[1,2]}");
  EXPECT_EQ(
      r.target->custom_fields().at("cf_all").string_value(),
      "{\"kind\":\"form\",\"payload\":\"{ \\\"channel\\\": \\\"sms\\\",\\n "
      "\\\"n\\\": [1, 2] }\"}");
  auto bad = Apply("      - {to: cf_log, from: payload, transform: json}\n",
                   {{"payload", "{not json"}});
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_EQ(bad.warnings[0].reason(), "not valid JSON; field not loaded");
}

TEST(TransformRecord, TemplatesAndNumbers) {
  const std::string rules =
      "      - {to: title, template: \"{recall_type} recall due ({due_on})\"}\n"
      "      - {to: status, from: status, values: {completed: 1}, default: 0,"
      " transform: number}\n"
      "      - {to: cf_fee, from: fee, transform: number}\n";
  auto r = Apply(rules, {{"recall_type", "6-month hygiene"},
                         {"due_on", "2026-01-02"},
                         {"status", "completed"},
                         {"fee", "120.50"}});
  ASSERT_TRUE(r.target);
  EXPECT_EQ(r.target->fields().at("title").string_value(),
            "6-month hygiene recall due (2026-01-02)");
  EXPECT_EQ(r.target->fields().at("status").int_value(), 1);
  EXPECT_EQ(record::DecimalToString(
                r.target->custom_fields().at("cf_fee").decimal_value()),
            "120.50");
  auto open = Apply(rules, {{"status", "missed"}, {"fee", "abc"}});
  EXPECT_FALSE(open.target->fields().contains("title"));  // all empty
  EXPECT_EQ(open.target->fields().at("status").int_value(), 0);
  ASSERT_EQ(open.warnings.size(), 1u);
  EXPECT_EQ(open.warnings[0].reason(), "not a number; field not loaded");
  for (const auto& [t, why] : std::vector<std::pair<std::string, std::string>>{
           {"\"x {a\"", "a '{' without its '}'"},
           {"\"x {}\"", "an empty placeholder '{}'"},
           {"\"x {a b}\"", "'{a b}' is not a field name (letters, digits, _)"},
           {"\"fixed\"",
            "a template needs a {field}; use 'const' for fixed text"}}) {
    auto map = ParseMap(
        "version: 1\nsource: s\ndestination: d\nobjects:\n"
        "  - source: o\n    target: t\n    fields: [{to: x, template: " +
            t + "}]\n",
        "m.yaml");
    ASSERT_FALSE(map.ok()) << t;
    EXPECT_EQ(map.status().message(),
              "m.yaml:7: objects[0].fields[0].template: " + why);
  }
}

}  // namespace
}  // namespace bridgework::mapping
