#include "tools/gen_sample/sample_generator.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libs/record/value.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"

namespace bridgework::gen_sample {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Extracted {
  std::vector<v1::Record> records;
  std::vector<v1::Rejection> rejections;
};

Extracted Extract(const fs::path& dir, const std::string& object) {
  v1::PbnCsvSourceConfig config;
  config.set_directory(dir.string());
  config.set_time_zone("America/Chicago");
  auto source = extractor::MakePbnCsvSource(config);
  EXPECT_TRUE(source.ok()) << source.status();
  auto reader = (*source)->Open(object, "", std::nullopt);
  EXPECT_TRUE(reader.ok()) << reader.status();
  Extracted out;
  if (!reader.ok()) return out;
  v1::RecordBatch batch;
  while (true) {
    auto more = (*reader)->Next(97, &batch);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    for (const auto& r : batch.records()) out.records.push_back(r);
    for (const auto& r : batch.rejections()) out.rejections.push_back(r);
  }
  return out;
}

std::string Text(const v1::Record& r, const std::string& field) {
  auto it = r.fields().find(field);
  return it == r.fields().end() ? "" : record::ValueToText(it->second);
}

class GenSampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("bw-gen-sample-test-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  SampleSummary Generate(const std::string& name, int patients, uint32_t seed) {
    SampleOptions options;
    options.out_dir = (root_ / name).string();
    options.patients = patients;
    options.seed = seed;
    auto summary = WriteSample(options);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.ok() ? *summary : SampleSummary();
  }

  fs::path root_;
};

TEST_F(GenSampleTest, SameSeedSameBytesOtherSeedOtherData) {
  Generate("a", 300, 42);
  Generate("b", 300, 42);
  Generate("c", 300, 43);
  for (const char* file : {"locations.csv", "providers.csv", "patients.csv"}) {
    EXPECT_EQ(Slurp(root_ / "a" / file), Slurp(root_ / "b" / file)) << file;
  }
  EXPECT_NE(Slurp(root_ / "a" / "patients.csv"),
            Slurp(root_ / "c" / "patients.csv"));
}

TEST_F(GenSampleTest, TheConnectorReadsBackTheExpectedCounts) {
  for (int n : {10, 57, 300}) {
    SampleSummary summary = Generate("n" + std::to_string(n), n, 42);
    fs::path dir = root_ / ("n" + std::to_string(n));
    Extracted patients = Extract(dir, "patient");
    EXPECT_EQ(static_cast<int>(patients.records.size()), n - 2) << n;
    EXPECT_EQ(summary.valid_patients, n - 2);
    ASSERT_EQ(patients.rejections.size(), 2u) << n;
    ASSERT_EQ(summary.malformed_lines.size(), 2u);
    const v1::Rejection& columns = patients.rejections[0];
    const v1::Rejection& date = patients.rejections[1];
    EXPECT_EQ(columns.location().line(), summary.malformed_lines[0]);
    EXPECT_EQ(columns.reason(),
              "patients.csv:" + std::to_string(summary.malformed_lines[0]) +
                  ": wrong number of columns: expected 27, got 28");
    EXPECT_EQ(date.location().line(), summary.malformed_lines[1]);
    EXPECT_EQ(date.reason(),
              "patients.csv:" + std::to_string(summary.malformed_lines[1]) +
                  ": birth_date: impossible date");
    EXPECT_EQ(Extract(dir, "location").records.size(), 2u);
    EXPECT_TRUE(Extract(dir, "location").rejections.empty());
    EXPECT_EQ(Extract(dir, "provider").records.size(), 6u);
    EXPECT_TRUE(Extract(dir, "provider").rejections.empty());
  }
}

TEST_F(GenSampleTest, TheDataIsRealisticallyMessy) {
  SampleSummary summary = Generate("s", 300, 42);
  const fs::path dir = root_ / "s";

  // Locations: a main practice and a satellite under it.
  Extracted locations = Extract(dir, "location");
  ASSERT_EQ(locations.records.size(), 2u);
  EXPECT_EQ(Text(locations.records[0], "parent_location_id"), "");
  EXPECT_EQ(Text(locations.records[1], "parent_location_id"),
            locations.records[0].source_key());

  // Providers: two CRM users, others without a CRM user, one without email.
  Extracted providers = Extract(dir, "provider");
  std::set<std::string> provider_emails;
  int without_email = 0;
  std::set<std::string> provider_keys;
  for (const auto& p : providers.records) {
    provider_keys.insert(p.source_key());
    std::string e = absl::AsciiStrToLower(Text(p, "email"));
    if (e.empty()) ++without_email;
    provider_emails.insert(e);
  }
  EXPECT_TRUE(provider_emails.count("dr.rivera@smilebright.example"));
  EXPECT_TRUE(provider_emails.count("dr.chen@smilebright.example"));
  EXPECT_EQ(without_email, 1);
  EXPECT_GE(provider_emails.size(), 5u);

  Extracted patients = Extract(dir, "patient");
  const int n = static_cast<int>(patients.records.size());
  std::set<std::string> keys;
  for (const auto& p : patients.records) keys.insert(p.source_key());

  int missing_email = 0, mixed_case = 0, bad_phone = 0, prospects = 0,
      dependents = 0, accented = 0, multi_line = 0;
  std::set<std::string> phone_styles;
  std::map<std::string, std::vector<std::string>> by_person;
  for (const auto& p : patients.records) {
    std::string email = Text(p, "email");
    if (email.empty()) {
      ++missing_email;
    } else {
      EXPECT_TRUE(absl::EndsWithIgnoreCase(email, "@mail.example")) << email;
      if (email != absl::AsciiStrToLower(email)) ++mixed_case;
      by_person[absl::AsciiStrToLower(email) + "|" + Text(p, "birth_date")]
          .push_back(p.source_key());
    }
    std::string phone = Text(p, "mobile_phone");
    if (!phone.empty()) {
      int digits = 0;
      for (char c : phone) digits += absl::ascii_isdigit(c) ? 1 : 0;
      if (digits != 10 && digits != 11) {
        ++bad_phone;
      } else if (phone[0] == '(') {
        phone_styles.insert("(512) 555-0142");
      } else if (phone[0] == '+') {
        phone_styles.insert("+1 512 555 0142");
      } else if (phone.find('.') != std::string::npos) {
        phone_styles.insert("512.555.0142");
      }
    }
    if (p.fields().at("completed_appointments").int_value() == 0) ++prospects;
    std::string guarantor = Text(p, "guarantor_id");
    if (!guarantor.empty()) {
      ++dependents;
      EXPECT_TRUE(keys.count(guarantor)) << "dangling guarantor " << guarantor;
      EXPECT_NE(guarantor, p.source_key());
    }
    EXPECT_TRUE(provider_keys.count(Text(p, "primary_provider_id")));
    std::string name = Text(p, "first_name") + Text(p, "last_name");
    for (unsigned char c : name) {
      if (c >= 0x80) {
        ++accented;
        break;
      }
    }
    if (Text(p, "address_line2").find('\n') != std::string::npos) ++multi_line;
  }
  int duplicated_people = 0;
  for (const auto& [person, ids] : by_person) {
    if (ids.size() > 1) ++duplicated_people;
  }

  EXPECT_GT(missing_email, n * 5 / 100);
  EXPECT_LT(missing_email, n * 16 / 100);
  EXPECT_GT(bad_phone, n * 2 / 100);
  EXPECT_LT(bad_phone, n * 9 / 100);
  EXPECT_GT(mixed_case, 10);
  EXPECT_GE(duplicated_people, 3);
  EXPECT_GT(prospects, 10);
  EXPECT_GT(dependents, 10);
  EXPECT_GT(accented, n / 4);
  EXPECT_EQ(multi_line, 1);
  EXPECT_EQ(phone_styles.size(), 3u);
  EXPECT_EQ(missing_email, summary.missing_emails);
  EXPECT_EQ(bad_phone, summary.malformed_phones);
  EXPECT_EQ(prospects, summary.prospects);
  EXPECT_EQ(dependents, summary.dependents);

  for (const char* name :
       {"José", "Zoë", "Øyvind", "Müller", "Nguyễn", "Siobhán"}) {
    EXPECT_THAT(Slurp(dir / "patients.csv"), HasSubstr(name));
  }
  EXPECT_THAT(summary.ToString("out"),
              HasSubstr("2 locations, 6 providers, 300 patient rows"));
}

TEST_F(GenSampleTest, RefusesTooFewPatients) {
  SampleOptions options;
  options.out_dir = (root_ / "x").string();
  options.patients = 3;
  EXPECT_TRUE(absl::IsInvalidArgument(WriteSample(options).status()));
}

}  // namespace
}  // namespace bridgework::gen_sample
