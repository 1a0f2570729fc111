#include "tools/bridgework/run_config.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class RunConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("bw-config-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "data");
    std::ofstream(dir_ / "map.yaml")
        << "version: 1\nsource: pbn\ndestination: freshsales\n"
        << "objects:\n  - source: patient\n    target: contact\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& text) {
    std::string path = (dir_ / "run.yaml").string();
    std::ofstream(path) << text;
    return path;
  }

  static std::string Good() {
    return "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
           "destination:\n  crm: freshsales\n  account: a\n"
           "  fallback_owner_email: o@x.example\n"
           "map: map.yaml\n";
  }

  fs::path dir_;
};

TEST_F(RunConfigTest, ReadsAndHashesAGoodConfig) {
  auto c = LoadRunConfig(Write(Good()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->destination.crm(), "freshsales");
  EXPECT_EQ(c->source.pbn_csv().time_zone(), "UTC");
  EXPECT_EQ(c->hash.size(), 64u);
  EXPECT_FALSE(c->services.complete());
  auto again = LoadRunConfig(Write(Good()));
  EXPECT_EQ(again->hash, c->hash);
}

// A config saved as Windows-1252 ("Cl\xednica" in the account) once ended
// the CLI with an uncaught JSON exception (fuzz/regressions/run_config).
TEST_F(RunConfigTest, AConfigThatIsNotUtf8IsAnErrorNamingTheLine) {
  std::string text = Good();
  text.replace(text.find("account: a"), 10, "account: Cl\xednica");
  auto c = LoadRunConfig(Write(text));
  EXPECT_TRUE(absl::IsInvalidArgument(c.status())) << c.status();
  EXPECT_THAT(c.status().message(),
              HasSubstr("run.yaml:7: not UTF-8 text (save the file as UTF-8)"));
}

TEST_F(RunConfigTest, TokenFileIsAPathOutsideTheHash) {
  const std::string plain = Good();
  std::string with_file = plain;
  with_file.insert(with_file.find("map:"), "  token_file: secrets/crm-token\n");
  auto a = LoadRunConfig(Write(plain));
  auto b = LoadRunConfig(Write(with_file));
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(a->token_file.empty());
  // Resolved against the config's directory, made absolute.
  EXPECT_EQ(b->token_file, (dir_ / "secrets/crm-token").string());
  EXPECT_EQ(a->hash, b->hash);
  EXPECT_THAT(b->canonical_json, ::testing::Not(HasSubstr("crm-token")));
}

TEST_F(RunConfigTest, TimeZoneAndCurrencyAreCheckedWhenTheConfigLoads) {
  auto with = [&](const std::string& settings) {
    return LoadRunConfig(Write(
        "source:\n  system: pbn\n  pbn_csv:\n    directory: data\n" + settings +
        "destination:\n  crm: freshsales\n  account: a\n"
        "  fallback_owner_email: o@x.example\nmap: map.yaml\n"));
  };
  auto zone = with("    time_zone: Mars/Olympus\n");
  ASSERT_FALSE(zone.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(zone.status()));
  EXPECT_THAT(zone.status().message(),
              HasSubstr("run.yaml:5: source.pbn_csv.time_zone: unknown time "
                        "zone 'Mars/Olympus'"));
  auto currency = with("    currency: dollars\n");
  ASSERT_FALSE(currency.ok());
  EXPECT_THAT(currency.status().message(),
              HasSubstr("run.yaml:5: source.pbn_csv.currency: want a "
                        "three-letter ISO 4217 code"));
  auto good = with("    time_zone: America/Chicago\n    currency: CAD\n");
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->source.pbn_csv().currency(), "CAD");
  // The other connectors take the same check.
  auto layout = LoadRunConfig(
      Write("source:\n  system: x\n  opendental_db:\n    database: od\n"
            "    user: u\n    time_zone: Nowhere/Land\n"
            "destination:\n  crm: freshsales\n  account: a\n"
            "  fallback_owner_email: o@x.example\nmap: map.yaml\n"));
  EXPECT_THAT(layout.status().message(),
              HasSubstr("run.yaml:6: source.opendental_db.time_zone"));
}

TEST_F(RunConfigTest, SourceOnlyConfigForDiscoverAndPropose) {
  std::string path =
      Write("source:\n  system: pbn\n  pbn_csv:\n    directory: data\n");
  auto full = LoadRunConfig(path);
  ASSERT_FALSE(full.ok());
  EXPECT_THAT(full.status().message(), HasSubstr("destination"));
  auto c = LoadRunConfig(path, {.destination = false, .map = false});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->source.has_pbn_csv());
  EXPECT_EQ(c->destination.crm(), "");
  EXPECT_EQ(c->map_yaml, "");
  // The map `propose` is about to write need not exist yet.
  auto to_write = LoadRunConfig(
      Write("source:\n  system: pbn\n  pbn_csv:\n    directory: data\n"
            "map: proposed.yaml\n"),
      {.destination = false, .map = false});
  ASSERT_TRUE(to_write.ok()) << to_write.status();
  EXPECT_EQ(to_write->map_yaml, "");
  EXPECT_THAT(to_write->map_path, HasSubstr("proposed.yaml"));
}

TEST_F(RunConfigTest, UnknownKeyIsOneLineWithFileAndLine) {
  auto c = LoadRunConfig(Write(Good() + "run:\n  batchsize: 5\n"));
  ASSERT_FALSE(c.ok());
  std::string m(c.status().message());
  EXPECT_THAT(m, HasSubstr("run.yaml:11: run: unknown key 'batchsize'"));
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

TEST_F(RunConfigTest, MissingFilesAreNamed) {
  auto missing = LoadRunConfig((dir_ / "nope.yaml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("config file not found"));
  std::string text = Good();
  text.replace(text.find("map.yaml"), 8, "other.yaml");
  auto no_map = LoadRunConfig(Write(text));
  ASSERT_FALSE(no_map.ok());
  EXPECT_THAT(std::string(no_map.status().message()),
              HasSubstr("map file not found"));
  text = Good();
  text.replace(text.find("directory: data"), 15, "directory: gone");
  auto no_dir = LoadRunConfig(Write(text));
  ASSERT_FALSE(no_dir.ok());
  EXPECT_THAT(std::string(no_dir.status().message()),
              HasSubstr("directory not found"));
}

TEST_F(RunConfigTest, UnsupportedCrmAndBadBatchSize) {
  std::string text = Good();
  text.replace(text.find("crm: freshsales"), 15, "crm: salesforce");
  auto c = LoadRunConfig(Write(text));
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              HasSubstr("unsupported CRM 'salesforce'"));
  auto b = LoadRunConfig(Write(Good() + "run:\n  batch_size: 0\n"));
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("must be 1..1000"));
}

// `before_image: ledger` takes the before-image of a delta's updates from
// the ledger; only sensible when an edit in the CRM is overwritten anyway.
TEST_F(RunConfigTest, BeforeImageFromTheLedgerNeedsOverwrite) {
  auto plain = LoadRunConfig(Write(Good()));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->policy.before_image_from_ledger());
  auto crm = LoadRunConfig(Write(Good() + "run:\n  before_image: crm\n"));
  ASSERT_TRUE(crm.ok()) << crm.status();
  EXPECT_EQ(crm->hash, plain->hash);  // the default, said explicitly

  auto ledger = LoadRunConfig(Write(
      Good() + "run:\n  crm_edited: overwrite\n  before_image: ledger\n"));
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_TRUE(ledger->policy.before_image_from_ledger());
  auto overwrite =
      LoadRunConfig(Write(Good() + "run:\n  crm_edited: overwrite\n"));
  ASSERT_TRUE(overwrite.ok()) << overwrite.status();
  EXPECT_NE(ledger->hash, overwrite->hash);  // it changes what a run writes

  auto skip = LoadRunConfig(Write(Good() + "run:\n  before_image: ledger\n"));
  ASSERT_FALSE(skip.ok());
  EXPECT_THAT(std::string(skip.status().message()),
              HasSubstr("run.before_image: 'ledger' needs run.crm_edited: "
                        "overwrite"));
  auto typo = LoadRunConfig(Write(Good() + "run:\n  before_image: cache\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(std::string(typo.status().message()),
              HasSubstr("unknown source 'cache' (known: crm, ledger)"));
}

constexpr char kLayout[] =
    "version: 1\n"
    "objects:\n"
    "  - object: patient\n"
    "    file: patients.csv\n"
    "    key: patient_id\n"
    "    columns: [{name: patient_id}]\n";

std::string LayoutSource() {
  return "source:\n  system: drdentes\n  layout_csv:\n    directory: data\n"
         "    layout: layout.yaml\n    time_zone: Europe/Istanbul\n"
         "    currency: TRY\n"
         "destination:\n  crm: freshsales\n  account: a\n"
         "  fallback_owner_email: o@x.example\n"
         "map: map.yaml\n";
}

TEST_F(RunConfigTest, LayoutCsvSource) {
  std::ofstream(dir_ / "layout.yaml") << kLayout;
  auto c = LoadRunConfig(Write(LayoutSource()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->source.system(), "drdentes");
  ASSERT_TRUE(c->source.has_layout_csv());
  EXPECT_EQ(c->source.layout_csv().directory(), (dir_ / "data").string());
  EXPECT_EQ(c->source.layout_csv().layout(), (dir_ / "layout.yaml").string());
  EXPECT_EQ(c->source.layout_csv().time_zone(), "Europe/Istanbul");
  EXPECT_EQ(c->source.layout_csv().currency(), "TRY");
  EXPECT_THAT(c->canonical_json, HasSubstr("\"layout_hash\""));

  // The layout's content is part of the run's identity.
  std::ofstream(dir_ / "layout.yaml")
      << kLayout << "      # a comment changes the file\n";
  auto changed = LoadRunConfig(Write(LayoutSource()));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_NE(changed->hash, c->hash);
}

TEST_F(RunConfigTest, LayoutCsvErrorsNameTheirFileAndLine) {
  auto missing = LoadRunConfig(Write(LayoutSource()));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("run.yaml:5: source.layout_csv.layout: layout file "
                        "not found"));
  // A bad layout names the layout file, not the config.
  std::ofstream(dir_ / "layout.yaml")
      << "version: 1\nobjects:\n  - object: patient\n"
         "    file: patients.csv\n    key: patient_id\n"
         "    columns: [{name: patient_id, type: text}]\n";
  auto bad = LoadRunConfig(Write(LayoutSource()));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("layout.yaml:6: objects.patient.columns.patient_id."
                        "type: unknown type 'text'"));
  std::ofstream(dir_ / "layout.yaml") << kLayout;
  std::string text = LayoutSource();
  text.replace(text.find("    layout: layout.yaml\n"), 0,
               "    delimiter: \";\"\n");
  auto unknown = LoadRunConfig(Write(text));
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("run.yaml:5: source.layout_csv: unknown key "
                        "'delimiter'"));
  text = LayoutSource();
  text.replace(text.find("  layout_csv:"), 0,
               "  pbn_csv:\n    directory: data\n");
  auto both = LoadRunConfig(Write(text));
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(std::string(both.status().message()),
              HasSubstr("run.yaml:6: source: give one connector (pbn_csv, "
                        "layout_csv, opendental_db or drdentes_api), not "
                        "several"));
  text = LayoutSource();
  text.replace(text.find("directory: data"), 15, "directory: gone");
  auto no_dir = LoadRunConfig(Write(text));
  ASSERT_FALSE(no_dir.ok());
  EXPECT_THAT(std::string(no_dir.status().message()),
              HasSubstr("run.yaml:4: source.layout_csv.directory: directory "
                        "not found"));
}

}  // namespace
}  // namespace bridgework::cli

namespace bridgework::cli {
namespace {

// Every shipped example's config and map load, and the map's destination
// matches the config's.
TEST(ShippedExamplesTest, EveryExampleConfigAndMapLoads) {
  const char* src = std::getenv("BRIDGEWORK_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  int examples = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(src) + "/examples")) {
    std::filesystem::path config = entry.path() / "config.yaml";
    if (!std::filesystem::exists(config)) continue;
    ++examples;
    // The sample data directory is generated, not shipped: point the copy
    // at an empty one; the map stays the example's own.
    std::ifstream in(config);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        ("bw-example-" + entry.path().filename().string());
    std::filesystem::create_directories(dir / "data");
    // The map stays the one the example names (relative to the example:
    // drdentes-api-freshsales shares drdentes-freshsales's).
    size_t at = text.find("\nmap:");
    ASSERT_NE(at, std::string::npos) << config;
    size_t end = text.find('\n', at + 1);
    std::string map = text.substr(at + 5, end - at - 5);
    map.erase(0, map.find_first_not_of(' '));
    text.replace(at + 1, end - at - 1,
                 "map: " + (entry.path() / map).lexically_normal().string());
    // A layout_csv source's layout stays the example's own too.
    const std::string kLayoutKey = "\n    layout: ";
    at = text.find(kLayoutKey);
    if (at != std::string::npos) {
      at += kLayoutKey.size();
      end = text.find_first_of(" \n", at);
      text.replace(at, end - at,
                   (entry.path() / text.substr(at, end - at)).string());
    }
    std::ofstream(dir / "config.yaml") << text;
    auto c = LoadRunConfig((dir / "config.yaml").string());
    EXPECT_TRUE(c.ok()) << config << ": " << c.status();
    std::filesystem::remove_all(dir);
  }
  EXPECT_GE(examples, 3);
}

std::string OpenDentalSource(const std::string& settings) {
  return "source:\n  system: opendental\n  opendental_db:\n" + settings +
         "destination:\n  crm: freshsales\n  account: a\n"
         "  fallback_owner_email: o@x.example\n"
         "map: map.yaml\n";
}

TEST_F(RunConfigTest, OpenDentalDbSource) {
  auto c = LoadRunConfig(Write(OpenDentalSource(
      "    host: db.example.internal\n    port: 3307\n"
      "    database: opendental\n    user: reader\n"
      "    password_env: OD_PASSWORD\n    time_zone: America/Chicago\n")));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->source.system(), "opendental");
  ASSERT_TRUE(c->source.has_opendental_db());
  const auto& od = c->source.opendental_db();
  EXPECT_EQ(od.host(), "db.example.internal");
  EXPECT_EQ(od.port(), 3307);
  EXPECT_EQ(od.database(), "opendental");
  EXPECT_EQ(od.user(), "reader");
  EXPECT_EQ(od.password_env(), "OD_PASSWORD");
  EXPECT_EQ(od.time_zone(), "America/Chicago");
  EXPECT_EQ(od.currency(), "USD");
  EXPECT_EQ(od.timeout_seconds(), 10);

  auto defaults = LoadRunConfig(Write(OpenDentalSource(
      "    unix_socket: /run/mysqld/mysqld.sock\n    database: od\n"
      "    user: r\n")));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->source.opendental_db().host(), "127.0.0.1");
  EXPECT_EQ(defaults->source.opendental_db().port(), 3306);
  EXPECT_EQ(defaults->source.opendental_db().unix_socket(),
            "/run/mysqld/mysqld.sock");

  // A password in the config is refused: only its variable's name goes
  // there.
  auto password = LoadRunConfig(Write(OpenDentalSource(
      "    database: od\n    user: r\n    password: hunter2\n")));
  ASSERT_FALSE(password.ok());
  EXPECT_THAT(std::string(password.status().message()),
              HasSubstr("unknown key 'password'"));
  auto no_user = LoadRunConfig(Write(OpenDentalSource("    database: od\n")));
  EXPECT_FALSE(no_user.ok());
}

std::string DrdentesSource(const std::string& settings) {
  return "source:\n  system: drdentes\n  drdentes_api:\n" + settings +
         "destination:\n  crm: freshsales\n  account: a\n"
         "  fallback_owner_email: o@x.example\n"
         "map: map.yaml\n";
}

TEST_F(RunConfigTest, DrdentesApiSource) {
  auto c = LoadRunConfig(Write(
      DrdentesSource("    base_url: https://gulus.drdentes.example/api/v1/\n"
                     "    token_env: DD_TOKEN\n    time_zone: Europe/Berlin\n"
                     "    currency: EUR\n    page_size: 250\n")));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->source.system(), "drdentes");
  ASSERT_TRUE(c->source.has_drdentes_api());
  const auto& dd = c->source.drdentes_api();
  // The trailing slash goes: paths are appended to it.
  EXPECT_EQ(dd.base_url(), "https://gulus.drdentes.example/api/v1");
  EXPECT_EQ(dd.token_env(), "DD_TOKEN");
  EXPECT_EQ(dd.time_zone(), "Europe/Berlin");
  EXPECT_EQ(dd.currency(), "EUR");
  EXPECT_EQ(dd.page_size(), 250);

  auto defaults = LoadRunConfig(
      Write(DrdentesSource("    base_url: http://127.0.0.1:8080/api/v1\n")));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  const auto& d = defaults->source.drdentes_api();
  EXPECT_EQ(d.token_env(), "BRIDGEWORK_DRDENTES_TOKEN");
  EXPECT_EQ(d.time_zone(), "Europe/Istanbul");
  EXPECT_EQ(d.currency(), "TRY");
  EXPECT_EQ(d.page_size(), 100);

  // The token itself is refused: only its variable's name goes there.
  auto token = LoadRunConfig(Write(DrdentesSource(
      "    base_url: http://127.0.0.1:8080/api/v1\n    token: s3cret\n")));
  ASSERT_FALSE(token.ok());
  EXPECT_THAT(std::string(token.status().message()),
              HasSubstr("unknown key 'token'"));
  EXPECT_THAT(std::string(token.status().message()),
              ::testing::Not(HasSubstr("s3cret")));
  auto no_url = LoadRunConfig(Write(DrdentesSource("    page_size: 10\n")));
  ASSERT_FALSE(no_url.ok());
  EXPECT_THAT(std::string(no_url.status().message()), HasSubstr("base_url"));
  auto bad_url = LoadRunConfig(
      Write(DrdentesSource("    base_url: gulus.drdentes.example\n")));
  ASSERT_FALSE(bad_url.ok());
  EXPECT_THAT(std::string(bad_url.status().message()),
              HasSubstr("source.drdentes_api.base_url: want an http:// or "
                        "https:// URL"));
  auto big = LoadRunConfig(Write(DrdentesSource(
      "    base_url: http://127.0.0.1:8080/api/v1\n    page_size: 501\n")));
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(std::string(big.status().message()),
              HasSubstr("page_size: want 1 to 500"));
}

}  // namespace
}  // namespace bridgework::cli
