#include "services/extractor/sources/drdentes/drdentes_api_source.h"

#include <stdlib.h>

#include <chrono>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/record/value.h"

namespace bridgework::extractor {
namespace {

using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBase[] = "http://drdentes.test/api/v1";
constexpr char kToken[] = "s3cret-token";

std::string Decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      absl::SimpleHexAtoi(s.substr(i + 1, 2), &v);
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A fake Dr.DENTES API: resource -> records, paged with cursors
// "at-<records before the page>" (a different scheme from the emulator's:
// the connector must treat them as opaque). updated_since is inclusive,
// like the emulator's.
class FakeApi {
 public:
  std::map<std::string, std::vector<Json>> data;
  // Answers to return before serving normally (consumed in order).
  std::vector<crm::HttpResponse> canned;
  std::vector<std::string> paths;  // path and query of every request
  std::vector<std::vector<std::string>> headers;

  absl::StatusOr<crm::HttpResponse> Handle(const crm::HttpRequest& req) {
    headers.push_back(req.headers);
    std::string rest = req.url.substr(std::string(kBase).size());
    paths.push_back(rest);
    if (!canned.empty()) {
      crm::HttpResponse r = canned.front();
      canned.erase(canned.begin());
      return r;
    }
    std::string path = rest.substr(0, rest.find('?'));
    std::map<std::string, std::string> query;
    if (rest.find('?') != std::string::npos) {
      for (absl::string_view kv :
           absl::StrSplit(rest.substr(rest.find('?') + 1), '&')) {
        std::pair<std::string, std::string> p = absl::StrSplit(kv, '=');
        query[p.first] = Decode(p.second);
      }
    }
    auto it = data.find(path.substr(1));
    if (it == data.end()) return Reply(404, {{"error", {{"message", "nope"}}}});
    int per_page = 100;
    absl::SimpleAtoi(query["per_page"], &per_page);
    int64_t after = 0;
    if (!query["cursor"].empty()) {
      absl::SimpleAtoi(query["cursor"].substr(3), &after);
    }
    Json page = Json::array();
    int64_t total = 0, last = 0, position = 0;
    bool more = false;
    for (const Json& r : it->second) {
      if (query.count("updated_since") && r.contains("updated_at") &&
          r["updated_at"].get<std::string>() < query["updated_since"]) {
        continue;
      }
      ++total;
      if (++position <= after) continue;
      if (static_cast<int>(page.size()) < per_page) {
        page.push_back(r);
        last = position;
      } else {
        more = true;
      }
    }
    return Reply(
        200,
        {{"data", page},
         {"meta",
          {{"total", total},
           {"next_cursor", more ? Json(absl::StrCat("at-", last)) : Json()}}}});
  }

  static crm::HttpResponse Reply(int status, const Json& body) {
    crm::HttpResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
  }
};

Json Appointment(int64_t id, const std::string& status = "geldi",
                 const std::string& updated = "2026-10-01T08:00:00Z") {
  return {{"id", id},
          {"patient_id", 7},
          {"case_id", nullptr},
          {"dentist_id", 2},
          {"unit_id", 3},
          {"unit", "Ünite 3"},
          {"start_at", "2026-11-03T10:30:00+03:00"},
          {"duration_minutes", 45},
          {"appointment_type", "Kanal Tedavisi"},
          {"status", status},
          {"note", ""},
          {"updated_at", updated}};
}

class DrdentesApiSourceTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("BW_TEST_DRDENTES_TOKEN", kToken, 1); }

  std::unique_ptr<SourceConnector> Make(int page_size = 2) {
    v1::DrdentesApiSourceConfig config;
    config.set_base_url(std::string(kBase) + "/");
    config.set_token_env("BW_TEST_DRDENTES_TOKEN");
    config.set_page_size(page_size);
    DrdentesApiDeps deps;
    deps.http = [this] {
      return std::make_unique<crm::FakeHttpClient>(
          [this](const crm::HttpRequest& r) { return api_.Handle(r); });
    };
    deps.clock = [this] { return now_; };
    deps.sleeper = [this](std::chrono::milliseconds d) {
      sleeps_.push_back(d);
      now_ += d;
    };
    auto source = MakeDrdentesApiSource(config, std::move(deps));
    EXPECT_TRUE(source.ok()) << source.status();
    return source.ok() ? *std::move(source) : nullptr;
  }

  // Reads `object` to the end in batches of `batch`.
  absl::StatusOr<std::vector<v1::RecordBatch>> ReadAll(
      SourceConnector& source, const std::string& object, int batch = 100,
      const std::string& cursor = "",
      std::optional<v1::Timestamp> since = std::nullopt) {
    auto reader = source.Open(object, cursor, since);
    if (!reader.ok()) return reader.status();
    std::vector<v1::RecordBatch> out;
    for (int i = 0; i < 1000; ++i) {
      v1::RecordBatch b;
      absl::StatusOr<bool> more = (*reader)->Next(batch, &b);
      if (!more.ok()) return more.status();
      if (!*more) break;
      out.push_back(std::move(b));
    }
    return out;
  }

  static std::vector<std::string> Keys(const std::vector<v1::RecordBatch>& bs) {
    std::vector<std::string> keys;
    for (const auto& b : bs) {
      for (const auto& r : b.records()) keys.push_back(r.source_key());
    }
    return keys;
  }

  FakeApi api_;
  std::chrono::steady_clock::time_point now_{};
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(DrdentesApiSourceTest, ListsObjectsParentsFirstAfterOneProbe) {
  api_.data["clinics"] = {{{"id", 1}, {"company_code", "X"}, {"name", "Y"}}};
  auto source = Make();
  auto objects = source->ListObjects();
  ASSERT_TRUE(objects.ok()) << objects.status();
  std::set<std::string> seen;
  std::vector<std::string> names;
  for (const auto& o : *objects) {
    for (const auto& d : o.depends_on()) {
      EXPECT_TRUE(seen.count(d)) << o.object_type() << " before " << d;
    }
    seen.insert(o.object_type());
    names.push_back(o.object_type());
  }
  for (const char* want :
       {"clinic", "unit", "staff", "tariff", "treatment_item", "patient",
        "treatment_case", "appointment", "tooth_record", "clinical_note",
        "recall", "payment", "workflow"}) {
    EXPECT_TRUE(seen.count(want)) << want;
  }
  EXPECT_EQ(objects->front().location(), std::string(kBase) + "/clinics");
  ASSERT_EQ(api_.paths.size(), 1u);
  EXPECT_EQ(api_.paths[0], "/clinics?per_page=1");
  EXPECT_THAT(api_.headers[0], testing::Contains(absl::StrCat(
                                   "Authorization: Bearer ", kToken)));
}

TEST_F(DrdentesApiSourceTest, DescribeDeclaresKeysTypesAndReferences) {
  auto source = Make();
  auto patient = source->Describe("patient");
  ASSERT_TRUE(patient.ok());
  EXPECT_EQ(patient->key_field(), "patient_id");
  EXPECT_EQ(patient->updated_at_field(), "updated_at");
  std::map<std::string, v1::FieldSchema> fields;
  for (const auto& f : patient->fields()) fields[f.name()] = f;
  EXPECT_EQ(fields["patient_id"].type(), "int");
  EXPECT_EQ(fields["birth_date"].type(), "date");
  EXPECT_EQ(fields["dentist_id"].references(), "staff");
  EXPECT_TRUE(fields["last_name"].required());
  auto payment = source->Describe("payment");
  ASSERT_TRUE(payment.ok());
  for (const auto& f : payment->fields()) fields[f.name()] = f;
  EXPECT_EQ(fields["amount"].type(), "money");
  EXPECT_EQ(fields["paid_at"].type(), "timestamp");
  auto unknown = source->Describe("invoice");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("patient"));
}

TEST_F(DrdentesApiSourceTest, ReadsEveryPageAndDecodesValues) {
  for (int i = 1; i <= 5; ++i)
    api_.data["appointments"].push_back(Appointment(i));
  auto source = Make(2);
  auto batches = ReadAll(*source, "appointment");
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(Keys(*batches),
            (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(api_.paths,
            (std::vector<std::string>{"/appointments?per_page=2",
                                      "/appointments?per_page=2&cursor=at-2",
                                      "/appointments?per_page=2&cursor=at-4"}));
  const v1::Record& r = (*batches)[0].records(0);
  EXPECT_EQ(r.object_type(), "appointment");
  EXPECT_EQ(r.fields().at("appointment_id").int_value(), 1);
  EXPECT_EQ(r.fields().at("status").string_value(), "Completed");
  EXPECT_EQ(r.fields().at("unit").string_value(), "Ünite 3");
  EXPECT_TRUE(r.fields().at("note").null_value());
  EXPECT_TRUE(r.fields().at("case_id").null_value());
  const v1::Timestamp& start = r.fields().at("start_at").timestamp_value();
  EXPECT_EQ(start.zone(), "Europe/Istanbul");
  EXPECT_EQ(record::TimestampToString(start), "2026-11-03T10:30:00+03:00");
  EXPECT_EQ(r.source_updated_at().unix_seconds(),
            r.fields().at("updated_at").timestamp_value().unix_seconds());
  EXPECT_EQ(r.location().file(), "/appointments");
  EXPECT_EQ(r.location().record(), "1");
  EXPECT_EQ(r.fingerprint(), record::Fingerprint(r.fields()));
}

TEST_F(DrdentesApiSourceTest, MoneyIsExactInTheRecordsCurrency) {
  api_.data["payments"] = {{{"id", 1},
                            {"patient_id", 3},
                            {"amount", "1234.50"},
                            {"method", "nakit"}},
                           {{"id", 2},
                            {"patient_id", 3},
                            {"amount", 99},
                            {"currency", "EUR"},
                            {"method", "kredi_karti"},
                            {"installments", 3},
                            {"terminal", "POS-2"}}};
  auto source = Make();
  auto batches = ReadAll(*source, "payment");
  ASSERT_TRUE(batches.ok()) << batches.status();
  ASSERT_EQ((*batches)[0].records_size(), 2);
  const auto& a = (*batches)[0].records(0).fields();
  EXPECT_EQ(a.at("amount").decimal_value().unscaled(), 123450);
  EXPECT_EQ(a.at("amount").decimal_value().scale(), 2);
  EXPECT_EQ(a.at("amount").decimal_value().currency(), "TRY");
  EXPECT_EQ(a.at("method").string_value(), "Cash");
  const auto& b = (*batches)[0].records(1).fields();
  EXPECT_EQ(b.at("amount").decimal_value().currency(), "EUR");
  EXPECT_EQ(b.at("method").string_value(), "Credit Card");
  // An undeclared wire field passes through.
  EXPECT_EQ(b.at("terminal").string_value(), "POS-2");
}

TEST_F(DrdentesApiSourceTest, CursorResumesMidPageAndAcrossPages) {
  for (int i = 1; i <= 5; ++i)
    api_.data["appointments"].push_back(Appointment(i));
  auto source = Make(2);
  auto reader = source->Open("appointment", "", std::nullopt);
  ASSERT_TRUE(reader.ok());
  v1::RecordBatch first;
  ASSERT_TRUE(*(*reader)->Next(3, &first));
  EXPECT_EQ(Keys({first}), (std::vector<std::string>{"1", "2", "3"}));
  // Resumes after record 3, in the middle of the second page.
  auto rest = ReadAll(*source, "appointment", 100, first.cursor());
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(Keys(*rest), (std::vector<std::string>{"4", "5"}));
  // A cursor at a page boundary does not re-read the finished page.
  v1::RecordBatch two;
  auto again = source->Open("appointment", "", std::nullopt);
  ASSERT_TRUE(*(*again)->Next(2, &two));
  api_.paths.clear();
  auto tail = ReadAll(*source, "appointment", 100, two.cursor());
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(Keys(*tail), (std::vector<std::string>{"3", "4", "5"}));
  EXPECT_EQ(api_.paths.front(), "/appointments?per_page=2&cursor=at-2");
  // The last cursor resumes to nothing.
  auto done = ReadAll(*source, "appointment", 100, tail->back().cursor());
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(Keys(*done).empty());
}

TEST_F(DrdentesApiSourceTest, BadCursorsAreInvalidArgument) {
  auto source = Make();
  for (const std::string& c :
       {std::string("nonsense"),
        std::string("drdentes_api:v1:appointment:x:0:"),
        std::string("drdentes_api:v1:appointment:1:-1:")}) {
    auto r = source->Open("appointment", c, std::nullopt);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c;
  }
  auto other =
      source->Open("patient", "drdentes_api:v1:appointment:1:0:", std::nullopt);
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("belongs to object 'appointment'"));
}

TEST_F(DrdentesApiSourceTest,
       SinceAsksForUpdatedSinceAndKeepsOnlyLaterRecords) {
  api_.data["appointments"] = {
      Appointment(1, "geldi", "2026-10-01T08:00:00Z"),
      Appointment(2, "geldi", "2026-11-20T09:00:00Z"),  // == since: dropped
      Appointment(3, "geldi", "2026-11-21T09:00:00Z")};
  auto source = Make(2);
  v1::Timestamp since;
  since.set_unix_seconds(absl::ToUnixSeconds(absl::FromCivil(
      absl::CivilSecond(2026, 11, 20, 9, 0, 0), absl::UTCTimeZone())));
  auto batches = ReadAll(*source, "appointment", 100, "", since);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(Keys(*batches), (std::vector<std::string>{"3"}));
  EXPECT_THAT(api_.paths[0],
              HasSubstr("updated_since=2026-11-20T09%3A00%3A00Z"));
}

TEST_F(DrdentesApiSourceTest, RateLimitedThenSucceedsOnFakeTime) {
  api_.data["appointments"] = {Appointment(1)};
  crm::HttpResponse limited = FakeApi::Reply(
      429, {{"error", {{"code", "rate_limited"}, {"message", "Too many"}}}});
  limited.headers["retry-after"] = "7";
  api_.canned = {limited};
  auto source = Make();
  auto batches = ReadAll(*source, "appointment");
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(Keys(*batches), (std::vector<std::string>{"1"}));
  EXPECT_EQ(api_.paths.size(), 2u);
  std::chrono::milliseconds waited{0};
  for (auto s : sleeps_) waited += s;
  EXPECT_GE(waited, std::chrono::milliseconds(7000));
}

TEST_F(DrdentesApiSourceTest, RateLimitedWithoutRetryAfterUsesTheResetHeader) {
  api_.data["appointments"] = {Appointment(1)};
  crm::HttpResponse limited = FakeApi::Reply(429, Json::object());
  limited.headers["x-ratelimit-reset"] = "12";
  api_.canned = {limited};
  auto source = Make();
  ASSERT_TRUE(ReadAll(*source, "appointment").ok());
  std::chrono::milliseconds waited{0};
  for (auto s : sleeps_) waited += s;
  EXPECT_GE(waited, std::chrono::milliseconds(12000));
}

TEST_F(DrdentesApiSourceTest, RateLimitedForeverIsUnavailable) {
  crm::HttpResponse limited = FakeApi::Reply(429, Json::object());
  limited.headers["retry-after"] = "1";
  api_.canned = std::vector<crm::HttpResponse>(10, limited);
  auto source = Make();
  auto batches = ReadAll(*source, "appointment");
  EXPECT_EQ(batches.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(batches.status().message()),
              HasSubstr("kept answering 429"));
  EXPECT_THAT(std::string(batches.status().message()), HasSubstr(kBase));
}

TEST_F(DrdentesApiSourceTest, WrongTokenIsUnauthenticatedNamingServerNotToken) {
  api_.canned = {FakeApi::Reply(
      401,
      {{"error",
        {{"code", "unauthorized"}, {"message", "Invalid access token"}}}})};
  auto source = Make();
  auto objects = source->ListObjects();
  ASSERT_EQ(objects.status().code(), absl::StatusCode::kUnauthenticated);
  const std::string m(objects.status().message());
  EXPECT_THAT(m, HasSubstr(kBase));
  EXPECT_THAT(m, HasSubstr("BW_TEST_DRDENTES_TOKEN"));
  EXPECT_THAT(m, HasSubstr("Invalid access token"));
  EXPECT_THAT(m, Not(HasSubstr(kToken)));
  // No retry of a refused token.
  EXPECT_EQ(api_.paths.size(), 1u);
}

TEST_F(DrdentesApiSourceTest, UnreachableServerIsUnavailableNamingIt) {
  v1::DrdentesApiSourceConfig config;
  config.set_base_url(kBase);
  config.set_token_env("BW_TEST_DRDENTES_TOKEN");
  DrdentesApiDeps deps;
  int calls = 0;
  deps.http = [&calls] {
    return std::make_unique<crm::FakeHttpClient>(
        [&calls](const crm::HttpRequest&) -> absl::StatusOr<crm::HttpResponse> {
          ++calls;
          return absl::UnavailableError("Couldn't connect to server");
        });
  };
  deps.clock = [this] { return now_; };
  deps.sleeper = [this](std::chrono::milliseconds d) { now_ += d; };
  auto source = MakeDrdentesApiSource(config, std::move(deps));
  ASSERT_TRUE(source.ok());
  auto batches = ReadAll(**source, "patient");
  ASSERT_EQ(batches.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(batches.status().message()),
              HasSubstr(absl::StrCat("cannot reach ", kBase)));
  EXPECT_GT(calls, 1);  // retried
}

TEST_F(DrdentesApiSourceTest, NotAPageIsInternal) {
  crm::HttpResponse html;
  html.status = 200;
  html.body = "<html>maintenance</html>";
  api_.canned = {html};
  auto source = Make();
  auto batches = ReadAll(*source, "clinic");
  EXPECT_EQ(batches.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(batches.status().message()),
              HasSubstr("GET /clinics, page 1"));
}

TEST_F(DrdentesApiSourceTest, BadRecordsBecomeRejectionsAndReadingGoesOn) {
  Json bad_date = {{"id", 4},
                   {"last_name", "Şahin"},
                   {"gender", "K"},
                   {"birth_date", "1985-02-31"}};
  Json no_name = {{"id", 5}, {"first_name", "Ayşe"}};
  api_.data["patients"] = {
      {{"id", 1}, {"last_name", "Yılmaz"}, {"gender", "E"}},
      {{"id", 2}, {"last_name", "Öztürk"}, {"gender", "X"}},
      {{"id", "abc"}, {"last_name", "Kaya"}},
      bad_date,
      no_name,
      {{"id", 6}, {"last_name", "Çelik"}, {"kvkk_consent", "maybe"}},
      {{"id", 7}, {"last_name", "Doğan"}, {"birth_date", "2001-07-15"}}};
  api_.data["tooth_records"] = {
      {{"id", 1}, {"patient_id", 1}, {"tooth", 36}, {"record_type", "tani"}},
      {{"id", 2}, {"patient_id", 1}, {"tooth", 19}, {"record_type", "tani"}},
      {{"id", 3}, {"patient_id", 1}, {"tooth", "85"}, {"record_type", "plan"}}};
  auto source = Make(3);
  auto batches = ReadAll(*source, "patient", 100);
  ASSERT_TRUE(batches.ok()) << batches.status();
  EXPECT_EQ(Keys(*batches), (std::vector<std::string>{"1", "7"}));
  std::map<std::string, v1::Rejection> rejections;
  for (const auto& b : *batches) {
    for (const auto& r : b.rejections()) rejections[r.field()] = r;
  }
  ASSERT_EQ(rejections.size(), 5u);
  EXPECT_EQ(rejections["gender"].reason(),
            "patient 2 (GET /patients, page 1): gender: unknown code (want "
            "one of K, E)");
  EXPECT_EQ(rejections["gender"].source_key(), "2");
  EXPECT_EQ(rejections["gender"].location().file(), "/patients");
  EXPECT_EQ(rejections["gender"].stage(), "extract");
  EXPECT_EQ(rejections["id"].reason(),
            "patient ? (GET /patients, page 1, record 3): id: missing or not a "
            "whole number");
  EXPECT_EQ(rejections["birth_date"].reason(),
            "patient 4 (GET /patients, page 2): birth_date: impossible date");
  EXPECT_EQ(rejections["last_name"].reason(),
            "patient 5 (GET /patients, page 2): last_name: required field is "
            "missing");
  EXPECT_EQ(rejections["kvkk_consent"].source_key(), "6");
  for (const auto& [field, r] : rejections) {
    for (const char* value : {"1985-02-31", "Şahin", "maybe", "abc", "X"}) {
      if (std::string(value) == "X") continue;  // too short to test for
      EXPECT_THAT(r.reason(), Not(HasSubstr(value))) << field;
    }
  }
  auto teeth = ReadAll(*source, "tooth_record", 100);
  ASSERT_TRUE(teeth.ok());
  EXPECT_EQ(Keys(*teeth), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ((*teeth)[0].records(0).fields().at("tooth").string_value(), "36");
  EXPECT_EQ((*teeth)[0].records(0).fields().at("record_type").string_value(),
            "Diagnosis");
  ASSERT_EQ((*teeth)[0].rejections_size(), 1);
  EXPECT_EQ((*teeth)[0].rejections(0).reason(),
            "tooth_record 2 (GET /tooth_records, page 1): tooth: not an FDI "
            "tooth number (want 11-48 or 51-85)");
}

TEST_F(DrdentesApiSourceTest, BatchesCountRecordsAndRejectionsTogether) {
  for (int i = 1; i <= 5; ++i) {
    api_.data["appointments"].push_back(
        Appointment(i, i % 2 == 0 ? "ertelendi" : "geldi"));
  }
  auto source = Make(100);
  auto batches = ReadAll(*source, "appointment", 2);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 3u);
  EXPECT_EQ((*batches)[0].records_size() + (*batches)[0].rejections_size(), 2);
  EXPECT_EQ((*batches)[2].records_size() + (*batches)[2].rejections_size(), 1);
}

TEST(DrdentesApiSourceConfig, RejectsBadSettings) {
  setenv("BW_TEST_DRDENTES_TOKEN", "t", 1);
  unsetenv("BW_TEST_DRDENTES_UNSET");
  v1::DrdentesApiSourceConfig good;
  good.set_base_url("https://x.example/api/v1");
  good.set_token_env("BW_TEST_DRDENTES_TOKEN");
  EXPECT_TRUE(MakeDrdentesApiSource(good).ok());
  auto with = [&](auto edit) {
    v1::DrdentesApiSourceConfig c = good;
    edit(c);
    auto s = MakeDrdentesApiSource(c);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.status().message());
  };
  EXPECT_THAT(with([](auto& c) { c.set_base_url("ftp://x"); }),
              HasSubstr("base_url"));
  EXPECT_THAT(with([](auto& c) { c.set_token_env("BW_TEST_DRDENTES_UNSET"); }),
              HasSubstr("BW_TEST_DRDENTES_UNSET"));
  EXPECT_THAT(with([](auto& c) { c.set_time_zone("Mars/Olympus"); }),
              HasSubstr("time_zone"));
  EXPECT_THAT(with([](auto& c) { c.set_currency("lira"); }),
              HasSubstr("currency"));
  EXPECT_THAT(with([](auto& c) { c.set_page_size(501); }),
              HasSubstr("page_size"));
}

}  // namespace
}  // namespace bridgework::extractor
