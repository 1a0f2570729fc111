// Issue 4: the Dr.DENTES REST API through the real binaries: the emulator
// (`bridgework-sandbox --source drdentes`) and `bridgework-extractor`,
// spoken to over gRPC. Every object streams with the emulator's counts
// (its deliberately bad records as rejections naming endpoint, page, id and
// field); a cursor resumes a stream; a delta after a change made through
// /__sandbox/config returns only the changed record; the emulator's 429s
// are waited out; a wrong token and an unreachable server are gRPC errors
// naming the server.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bridgework/v1/extractor.grpc.pb.h"
#include "libs/crm/http_client.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "it-drdentes-token";

// Connector object -> emulator resource.
const std::map<std::string, std::string>& Resources() {
  static const auto* kMap = new std::map<std::string, std::string>{
      {"clinic", "clinics"},
      {"unit", "units"},
      {"staff", "staff"},
      {"tariff", "tariffs"},
      {"treatment_item", "treatment_items"},
      {"patient", "patients"},
      {"treatment_case", "treatment_cases"},
      {"appointment", "appointments"},
      {"tooth_record", "tooth_records"},
      {"clinical_note", "clinical_notes"},
      {"recall", "recalls"},
      {"payment", "payments"},
      {"workflow", "workflows"}};
  return *kMap;
}

class DrdentesExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = fs::temp_directory_path() / absl::StrCat("bw-drd-it-", getpid());
    fs::create_directories(state_);
    supervisor_ = std::make_unique<cli::Supervisor>(state_.string());
    auto sandbox = supervisor_->Start(
        {"sandbox",
         cli::BinaryDir() + "/bridgework-sandbox",
         {"--source", "drdentes", "--patients", "40", "--seed", "7",
          "--rate-limit-per-minute", "100000"},
         {{"BRIDGEWORK_SANDBOX_TOKEN", kToken}}},
        false);
    ASSERT_TRUE(sandbox.ok()) << sandbox.status();
    emulator_ = "http://" + sandbox->address;
    // The token reaches the extractor only through its environment.
    auto extractor = supervisor_->Start(
        {"extractor",
         cli::BinaryDir() + "/bridgework-extractor",
         {"--listen", "127.0.0.1:0"},
         {{"BW_DRD_TOKEN", kToken}, {"BW_DRD_WRONG", "not-the-token"}}},
        true);
    ASSERT_TRUE(extractor.ok()) << extractor.status();
    stub_ = v1::Extractor::NewStub(grpc::CreateChannel(
        extractor->address, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (supervisor_) supervisor_->StopAll();
    if (!HasFailure()) {
      std::error_code ec;
      fs::remove_all(state_, ec);
    }
  }

  v1::SourceConfig Source(const std::string& base_url,
                          const std::string& token_env = "BW_DRD_TOKEN") {
    v1::SourceConfig source;
    source.set_system("drdentes");
    v1::DrdentesApiSourceConfig* api = source.mutable_drdentes_api();
    api->set_base_url(base_url);
    api->set_token_env(token_env);
    api->set_page_size(10);
    return source;
  }
  v1::SourceConfig Source() { return Source(emulator_ + "/api/v1"); }

  Json Operator(const std::string& method, const std::string& name,
                const Json& body = Json::object()) {
    auto http = crm::MakeCurlHttpClient();
    crm::HttpRequest req =
        crm::HttpRequest::Get(emulator_ + "/__sandbox/" + name);
    if (method == "POST") {
      req.method = "POST";
      req.body = body.dump();
      req.headers = {"Content-Type: application/json"};
    }
    auto r = http->Send(req);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return Json();
    EXPECT_EQ(r->status, 200) << r->body;
    return Json::parse(r->body, nullptr, false);
  }

  struct Streamed {
    std::vector<v1::RecordBatch> batches;
    grpc::Status status;
    std::vector<std::string> keys() const {
      std::vector<std::string> out;
      for (const auto& b : batches) {
        for (const auto& r : b.records()) out.push_back(r.source_key());
      }
      return out;
    }
    std::vector<v1::Rejection> rejections() const {
      std::vector<v1::Rejection> out;
      for (const auto& b : batches) {
        for (const auto& r : b.rejections()) out.push_back(r);
      }
      return out;
    }
  };
  Streamed Extract(const v1::ExtractRequest& request) {
    Streamed out;
    grpc::ClientContext ctx;
    auto reader = stub_->Extract(&ctx, request);
    v1::RecordBatch batch;
    while (reader->Read(&batch)) out.batches.push_back(batch);
    out.status = reader->Finish();
    return out;
  }
  Streamed Extract(const std::string& object, int batch_size = 25,
                   const std::string& cursor = "") {
    v1::ExtractRequest req;
    *req.mutable_source() = Source();
    req.set_object_type(object);
    req.set_batch_size(batch_size);
    req.set_cursor(cursor);
    return Extract(req);
  }

  fs::path state_;
  std::unique_ptr<cli::Supervisor> supervisor_;
  std::string emulator_;
  std::unique_ptr<v1::Extractor::Stub> stub_;
};

TEST_F(DrdentesExtractorTest, StreamsEveryObjectWithTheEmulatorsCounts) {
  v1::ListObjectsRequest list;
  *list.mutable_source() = Source();
  v1::ListObjectsResponse objects;
  {
    grpc::ClientContext ctx;
    grpc::Status s = stub_->ListObjects(&ctx, list, &objects);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_EQ(objects.objects_size(), static_cast<int>(Resources().size()));
  EXPECT_EQ(objects.objects(0).object_type(), "clinic");

  Json state = Operator("GET", "state");
  std::map<std::string, std::set<std::string>> bad;  // resource -> "id field"
  for (const Json& b : state["bad"]) {
    bad[b["resource"]].insert(absl::StrCat(b["id"].get<int64_t>(), " ",
                                           b["field"].get<std::string>()));
  }
  ASSERT_EQ(bad.size(), 4u);
  int64_t records = 0;
  std::set<std::string> seen;
  for (const auto& info : objects.objects()) {
    for (const auto& d : info.depends_on()) {
      EXPECT_TRUE(seen.count(d)) << info.object_type() << " needs " << d;
    }
    seen.insert(info.object_type());
    const std::string resource = Resources().at(info.object_type());
    Streamed s = Extract(info.object_type());
    ASSERT_TRUE(s.status.ok())
        << info.object_type() << ": " << s.status.error_message();
    const std::vector<std::string> keys = s.keys();
    const std::vector<v1::Rejection> rejected = s.rejections();
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(),
              keys.size());
    EXPECT_EQ(keys.size() + rejected.size(),
              state["counts"][resource].get<size_t>())
        << info.object_type();
    std::set<std::string> got;
    for (const v1::Rejection& r : rejected) {
      got.insert(absl::StrCat(r.source_key(), " ", r.field()));
      EXPECT_THAT(r.reason(), HasSubstr(absl::StrCat(info.object_type(), " ",
                                                     r.source_key(), " (GET /",
                                                     resource, ", page ")));
      EXPECT_THAT(r.reason(), Not(HasSubstr("ertelendi")));
      EXPECT_THAT(r.reason(), Not(HasSubstr("1985-02-31")));
    }
    EXPECT_EQ(got, bad[resource]) << info.object_type();
    records += static_cast<int64_t>(keys.size());
  }
  EXPECT_GT(records, 300);

  // Values arrive decoded and typed.
  Streamed appts = Extract("appointment", 500);
  const v1::Record& a = appts.batches.at(0).records(0);
  const std::set<std::string> statuses = {"Scheduled", "Confirmed", "Completed",
                                          "Cancelled", "No-show"};
  EXPECT_TRUE(statuses.count(a.fields().at("status").string_value()));
  EXPECT_EQ(a.fields().at("start_at").timestamp_value().zone(),
            "Europe/Istanbul");
  Streamed payments = Extract("payment", 500);
  std::set<std::string> currencies;
  for (const auto& b : payments.batches) {
    for (const auto& r : b.records()) {
      currencies.insert(r.fields().at("amount").decimal_value().currency());
    }
  }
  EXPECT_TRUE(currencies.count("TRY"));
}

TEST_F(DrdentesExtractorTest, ResumesFromACursor) {
  Streamed all = Extract("tooth_record", 7);
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  ASSERT_GT(all.batches.size(), 4u);
  const std::vector<std::string> keys = all.keys();
  // Resume after the third batch (mid-page: pages hold 10, batches 7).
  size_t consumed = 0;
  for (size_t i = 0; i < 3; ++i) consumed += all.batches[i].records_size();
  Streamed rest = Extract("tooth_record", 7, all.batches[2].cursor());
  ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
  EXPECT_EQ(rest.keys(),
            std::vector<std::string>(keys.begin() + consumed, keys.end()));
  Streamed bad = Extract("tooth_record", 7, "drdentes_api:v1:patient:1:0:");
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DrdentesExtractorTest, DeltaAfterAChangeReturnsOnlyTheChangedRecord) {
  Streamed all = Extract("patient", 100);
  ASSERT_TRUE(all.status.ok()) << all.status.error_message();
  v1::Timestamp watermark;
  for (const auto& b : all.batches) {
    for (const auto& r : b.records()) {
      if (r.source_updated_at().unix_seconds() > watermark.unix_seconds()) {
        watermark = r.source_updated_at();
      }
    }
  }
  ASSERT_GT(watermark.unix_seconds(), 0);
  v1::ExtractRequest delta;
  *delta.mutable_source() = Source();
  delta.set_object_type("patient");
  *delta.mutable_since() = watermark;
  EXPECT_TRUE(Extract(delta).keys().empty());

  Json changed = Operator("POST", "config",
                          {{"change",
                            {{"resource", "patients"},
                             {"id", 6},
                             {"set", {{"email", "degisti@posta.example"}}}}}});
  ASSERT_TRUE(changed.contains("changed")) << changed.dump();
  Streamed after = Extract(delta);
  ASSERT_TRUE(after.status.ok()) << after.status.error_message();
  ASSERT_EQ(after.keys(), std::vector<std::string>{"6"});
  EXPECT_EQ(after.batches[0].records(0).fields().at("email").string_value(),
            "degisti@posta.example");
}

TEST_F(DrdentesExtractorTest, WaitsOutTheRateLimit) {
  // Three requests a (1 s) window: the read needs several windows.
  Operator(
      "POST", "config",
      {{"requests_per_minute", 3}, {"time_scale", 60}, {"reset_window", true}});
  Streamed s = Extract("appointment", 500);
  ASSERT_TRUE(s.status.ok()) << s.status.error_message();
  Json state = Operator("GET", "state");
  EXPECT_EQ(s.keys().size() + s.rejections().size(),
            state["counts"]["appointments"].get<size_t>());
  Json stats = Operator("GET", "stats");
  EXPECT_GT(stats["rate_limited"].get<int64_t>(), 0) << stats.dump();
}

TEST_F(DrdentesExtractorTest, WrongTokenAndUnreachableServerNameTheServer) {
  v1::ExtractRequest wrong;
  *wrong.mutable_source() = Source(emulator_ + "/api/v1", "BW_DRD_WRONG");
  wrong.set_object_type("patient");
  Streamed denied = Extract(wrong);
  EXPECT_EQ(denied.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << denied.status.error_message();
  EXPECT_THAT(denied.status.error_message(), HasSubstr(emulator_));
  EXPECT_THAT(denied.status.error_message(), HasSubstr("BW_DRD_WRONG"));
  EXPECT_THAT(denied.status.error_message(), Not(HasSubstr("not-the-token")));

  v1::ListObjectsRequest list;
  *list.mutable_source() = Source(emulator_ + "/api/v1", "BW_DRD_WRONG");
  v1::ListObjectsResponse objects;
  grpc::ClientContext ctx;
  EXPECT_EQ(stub_->ListObjects(&ctx, list, &objects).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  v1::ExtractRequest down;
  *down.mutable_source() = Source("http://127.0.0.1:1/api/v1");
  down.set_object_type("patient");
  Streamed unreachable = Extract(down);
  EXPECT_EQ(unreachable.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << unreachable.status.error_message();
  EXPECT_THAT(unreachable.status.error_message(),
              HasSubstr("cannot reach http://127.0.0.1:1/api/v1"));

  v1::ExtractRequest unset;
  *unset.mutable_source() = Source(emulator_ + "/api/v1", "BW_DRD_UNSET");
  unset.set_object_type("patient");
  Streamed no_token = Extract(unset);
  EXPECT_EQ(no_token.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_token.status.error_message(), HasSubstr("BW_DRD_UNSET"));
}

}  // namespace
}  // namespace bridgework
