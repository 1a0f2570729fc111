// PHI policies (docs/phi.md): the keyed hash, the map's `phi` keys and
// their errors, and what TransformRecord does with each policy.
#include "libs/mapping/phi.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"
#include "libs/record/value.h"

namespace bridgework::mapping {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(PhiHash, KeyedStablePerAccountAndRecognisable) {
  PhiKey a = DerivePhiKey("", "freshsales", "clinic-a");
  PhiKey a_again = DerivePhiKey("", "freshsales", "clinic-a");
  PhiKey b = DerivePhiKey("", "freshsales", "clinic-b");
  PhiKey secret = DerivePhiKey(std::string(40, 'k'), "freshsales", "clinic-a");
  EXPECT_TRUE(a.derived_default);
  EXPECT_FALSE(secret.derived_default);
  const std::string h = HashPhi(a, "123-45-6789");
  EXPECT_THAT(h, MatchesRegex("hmac-sha256:[0-9a-f]{8}:[0-9a-f]{64}"));
  EXPECT_EQ(h.substr(12, 8), a.id);
  EXPECT_EQ(HashPhi(a_again, "123-45-6789"), h);  // same input, same output
  EXPECT_NE(HashPhi(a, "123-45-6780"), h);
  EXPECT_NE(HashPhi(b, "123-45-6789"), h);  // accounts never share hashes
  EXPECT_NE(HashPhi(secret, "123-45-6789"), h);
  EXPECT_NE(a.id, b.id);
  EXPECT_THAT(h, Not(HasSubstr("6789")));
}

TEST(PhiHash, KnownAnswer) {
  // HMAC-SHA-256 itself (RFC 4231 test case 2), through the same code path
  // as a derived key, so a change of algorithm cannot pass unnoticed.
  PhiKey key;
  key.bytes = "Jefe";
  key.id = "00000000";
  EXPECT_EQ(HashPhi(key, "what do ya want for nothing?"),
            "hmac-sha256:00000000:"
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(PhiHash, MasterKeyFile) {
  const std::string dir = ::testing::TempDir();
  const std::string good = dir + "/phi-good.key";
  const std::string short_key = dir + "/phi-short.key";
  std::ofstream(good) << std::string(64, 'a') << "\n";
  std::ofstream(short_key) << "s3cr3t-but-short\n";
  auto key = ReadPhiMasterKey(good);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, std::string(64, 'a'));
  auto bad = ReadPhiMasterKey(short_key);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr(short_key));
  EXPECT_THAT(bad.status().message(), Not(HasSubstr("s3cr3t")));
  EXPECT_TRUE(absl::IsNotFound(ReadPhiMasterKey(dir + "/none.key").status()));
}

std::string MapWith(const std::string& route_extra, const std::string& fields,
                    const std::string& top = "") {
  return "version: 1\nsource: pbn\ndestination: freshsales\n" + top +
         "objects:\n"
         "  - source: patient\n"
         "    target: contact\n" +
         route_extra + "    fields:\n" + fields;
}

TEST(PhiMap, PoliciesParsedWithDefaultAndNoteField) {
  auto map = ParseMap(
      MapWith("    phi_note: cf_note\n",
              "      - {to: last_name, from: last_name, phi: migrate}\n"
              "      - {to: cf_ssn, from: ssn, phi: hash}\n"
              "      - {to: cf_member, from: member_id}\n"
              "      - {to: Allergies, from: allergies, phi: note}\n"
              "      - {to: cf_type, const: Patient}\n",
              "phi_default: drop\n"),
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  const auto& f = map->objects[0].fields;
  EXPECT_EQ(map->phi_default, PhiPolicy::kDrop);
  EXPECT_EQ(f[0].phi, PhiPolicy::kMigrate);
  EXPECT_EQ(f[1].phi, PhiPolicy::kHash);
  EXPECT_EQ(f[2].phi, PhiPolicy::kDrop);  // the default
  EXPECT_EQ(f[3].phi, PhiPolicy::kNote);
  EXPECT_EQ(f[4].phi, PhiPolicy::kMigrate);  // a constant is no patient data
  EXPECT_EQ(map->objects[0].phi_note, "cf_note");
  std::vector<PhiField> listed = PhiFields(*map);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].to, "cf_ssn");
  EXPECT_EQ(listed[2].note_field, "cf_note");
}

TEST(PhiMap, ErrorsNameFileLineAndField) {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> cases = {
      {MapWith("", "      - {to: cf_ssn, from: ssn, phi: hsh}\n"),
       "m.yaml:8: objects[0].fields[0].phi: unknown PHI policy 'hsh' for "
       "field 'cf_ssn' (known: migrate, hash, drop, note)"},
      {MapWith("", "      - {to: last_name, from: x}\n", "phi_default: all\n"),
       "m.yaml:4: phi_default: unknown PHI policy 'all'"},
      {MapWith("", "      - {to: cf_type, const: P, phi: hash}\n"),
       "m.yaml:8: objects[0].fields[0].phi: field 'cf_type' is a constant"},
      {MapWith("",
               "      - {to: last_name, from: x, required: true, phi: "
               "drop}\n"),
       "m.yaml:8: objects[0].fields[0].phi: field 'last_name' is required"},
      {MapWith("", "      - {to: last_name, from: x, required: true}\n",
               "phi_default: drop\n"),
       "(phi_default: drop)"},
      {MapWith("",
               "      - {to: last_name, from: x}\n"
               "      - {to: Allergies, from: allergies, phi: note}\n"),
       "m.yaml:9: objects[0].fields: field 'Allergies' has phi: note, but "
       "its route has no phi_note"},
      {MapWith("    match: [email]\n",
               "      - {to: email, from: email, phi: hash}\n"),
       "objects[0].match: 'email' is written with phi: hash"},
      {MapWith("    match: [email]\n",
               "      - {to: email, from: email, phi: drop}\n"),
       "objects[0].match: 'email' is not a field this route writes"},
  };
  for (const Case& c : cases) {
    auto map = ParseMap(c.yaml, "m.yaml");
    ASSERT_FALSE(map.ok()) << c.yaml;
    EXPECT_THAT(std::string(map.status().message()), HasSubstr(c.want))
        << c.yaml;
  }
}

TEST(PhiTransform, HashDropAndNote) {
  auto map = ParseMap(
      MapWith("    phi_note: description\n",
              "      - {to: last_name, from: last_name}\n"
              "      - {to: description, template: 'Patient {last_name}'}\n"
              "      - {to: cf_ssn, from: ssn, phi: hash}\n"
              "      - {to: cf_member, from: member_id, phi: drop}\n"
              "      - {to: mobile_number, from: phone, transform: phone, "
              "phi: drop}\n"
              "      - {to: Allergies, from: allergies, phi: note}\n"
              "      - {to: Alert, from: alert, phi: note}\n"
              "      - {to: Empty, from: nothing, phi: note}\n"),
      "m.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  v1::Record r;
  r.set_object_type("patient");
  r.set_source_key("7");
  auto& f = *r.mutable_fields();
  f["last_name"] = record::StringValue("Lee");
  f["ssn"] = record::StringValue("123-45-6789");
  f["member_id"] = record::StringValue("M-99");
  f["phone"] = record::StringValue("not a phone");
  f["allergies"] = record::StringValue("penicillin");
  f["alert"] = record::StringValue("latex");
  TransformContext ctx;
  ctx.system = "pbn";
  ctx.phi_key = DerivePhiKey("", "freshsales", "a");
  TransformResult result = TransformRecord(map->objects[0], r, ctx);
  ASSERT_TRUE(result.target);
  const v1::TargetRecord& t = *result.target;
  EXPECT_EQ(record::ValueToText(t.custom_fields().at("cf_ssn")),
            HashPhi(ctx.phi_key, "123-45-6789"));
  EXPECT_FALSE(t.custom_fields().contains("cf_member"));
  EXPECT_FALSE(t.fields().contains("mobile_number"));
  EXPECT_TRUE(result.warnings.empty());  // a dropped field is no warning
  EXPECT_EQ(record::ValueToText(t.fields().at("description")),
            "Patient Lee\n\nAllergies: penicillin\nAlert: latex");
  EXPECT_FALSE(t.fields().contains("Allergies"));
}

}  // namespace
}  // namespace bridgework::mapping
