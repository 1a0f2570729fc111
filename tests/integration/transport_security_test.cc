// Issue 9, security in transit and secrets, through the real binaries: a
// throwaway CA and certificates made with the openssl CLI; `bridgework up`
// starts the four services with mutual TLS on every hop and a migration
// runs through them into the Freshsales emulator, the CLI presenting its
// own client certificate. Then every service refuses a caller without a
// certificate (UNAUTHENTICATED, saying what it wants), one with a
// certificate from another CA and a plaintext one (UNAVAILABLE); an auditor
// serving TLS with a bearer token refuses a call without the token or with
// a wrong one, and its plaintext health port answers probes. The CRM token
// (from destination.token_file) and the bearer token are distinctive, and
// no log, report, ledger file or error output holds either.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bridgework/v1/auditor.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/integration/process_util.h"
#include "tools/bridgework/suite.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using testing::FreePort;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCommand;
using testing::Spawn;

// grpc.health.v1 Check on `address` with `creds`, 5 s deadline.
grpc::Status HealthCheck(const std::string& address,
                         std::shared_ptr<grpc::ChannelCredentials> creds) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, std::move(creds)));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (s.ok() &&
      resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "not SERVING");
  }
  return s;
}

// Every file under `dir` (recursively) whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const fs::path& dir,
                                         const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() &&
        ReadAll(e.path().string()).find(needle) != std::string::npos) {
      hits.push_back(e.path().string());
    }
  }
  return hits;
}

class TransportSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / absl::StrCat("bw-tls-it-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "pki");
    fs::create_directories(root_ / "secrets");
    log_ = (root_ / "commands.log").string();
    MakePki();
    // Distinctive secrets, to be looked for everywhere afterwards.
    crm_token_ = "bwCrmTokenSecret" + cli::RandomToken();
    auth_token_ = "bwAuthTokenSecret" + cli::RandomToken();
    crm_token_file_ = (root_ / "secrets/crm-token").string();
    auth_token_file_ = (root_ / "secrets/auth-token").string();
    std::ofstream(crm_token_file_) << crm_token_ << "\n";
    std::ofstream(auth_token_file_) << auth_token_ << "\n";
  }

  void TearDown() override {
    testing::Stop(&up_);
    testing::Stop(&auditor_);
    if (!HasFailure()) fs::remove_all(root_);
  }

  std::string Pki(const std::string& name) {
    return (root_ / "pki" / name).string();
  }

  // A CA, a certificate for the services (server and client use; SANs
  // localhost and 127.0.0.1), one for the CLI (client use) and a rogue CA
  // with a client certificate of its own.
  void MakePki() {
    auto openssl = [this](std::vector<std::string> args) {
      args.insert(args.begin(), "openssl");
      ASSERT_EQ(RunCommand(args, log_), 0) << ReadAll(log_);
    };
    auto ca = [&](const std::string& name) {
      openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
               "/CN=" + name, "-keyout", Pki(name + ".key"), "-out",
               Pki(name + ".crt")});
    };
    auto leaf = [&](const std::string& name, const std::string& ca_name,
                    const std::string& ext) {
      std::ofstream(Pki(name + ".ext")) << ext;
      openssl({"req", "-new", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
               "-keyout", Pki(name + ".key"), "-out", Pki(name + ".csr")});
      openssl({"x509", "-req", "-in", Pki(name + ".csr"), "-CA",
               Pki(ca_name + ".crt"), "-CAkey", Pki(ca_name + ".key"),
               "-CAcreateserial", "-days", "1", "-extfile", Pki(name + ".ext"),
               "-out", Pki(name + ".crt")});
    };
    ca("ca");
    ca("rogue-ca");
    leaf("services", "ca",
         "basicConstraints=CA:FALSE\n"
         "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
         "extendedKeyUsage=serverAuth,clientAuth\n");
    leaf("controller", "ca",
         "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
    leaf("intruder", "rogue-ca",
         "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
  }

  grpc::SslCredentialsOptions TrustingCa() {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = ReadAll(Pki("ca.crt"));
    return o;
  }
  std::shared_ptr<grpc::ChannelCredentials> WithCert(const std::string& who) {
    grpc::SslCredentialsOptions o = TrustingCa();
    o.pem_cert_chain = ReadAll(Pki(who + ".crt"));
    o.pem_private_key = ReadAll(Pki(who + ".key"));
    return grpc::SslCredentials(o);
  }

  // The CLI as the controller: its own client certificate.
  std::vector<std::string> ControllerTls() {
    return {"--tls-ca",   Pki("ca.crt"),
            "--tls-cert", Pki("controller.crt"),
            "--tls-key",  Pki("controller.key")};
  }

  fs::path root_;
  std::string log_;
  std::string crm_token_, auth_token_, crm_token_file_, auth_token_file_;
  pid_t up_ = -1;
  pid_t auditor_ = -1;
};

TEST_F(TransportSecurityTest, MigrationOverMutualTlsAndRefusals) {
  const std::string data = (root_ / "data").string();
  ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out", data,
                        "--patients", "40", "--seed", "9"},
                       log_),
            0)
      << ReadAll(log_);
  const std::string map =
      std::string(BRIDGEWORK_DEFAULT_EXAMPLES_DIR) + "/pbn-freshsales/map.yaml";
  const std::string config = (root_ / "config.yaml").string();
  std::ofstream(config)
      << "source:\n  system: pbn\n  pbn_csv:\n    directory: " << data
      << "\n    time_zone: America/Chicago\n"
      << "destination:\n  crm: freshsales\n  account: it-tls\n"
      << "  fallback_owner_email: owner@bridgework.example\n"
      << "  token_file: " << crm_token_file_ << "\n"
      << "map: " << map << "\n";

  // The services: mutual TLS on every hop, one certificate for all four.
  const std::string state = (root_ / "state").string();
  testing::Suite suite;
  bool up =
      testing::StartSuite("freshsales", config, state, log_, &suite,
                          {"--tls-cert", Pki("services.crt"), "--tls-key",
                           Pki("services.key"), "--tls-ca", Pki("ca.crt")});
  up_ = suite.pid;
  ASSERT_TRUE(up) << ReadAll(log_);
  json services = json::parse(ReadAll(suite.services));

  auto cli = [&](std::vector<std::string> args, const std::string& out,
                 bool tls = true) {
    args.insert(args.begin(), Bin("bridgework"));
    args.insert(args.end(), {"--services", suite.services});
    if (tls) {
      for (const std::string& a : ControllerTls()) args.push_back(a);
    }
    return RunCommand(args, out);
  };
  ASSERT_EQ(cli({"approve", map, "--by", "it-tls"}, log_), 0) << ReadAll(log_);
  const std::string report = (root_ / "report").string();
  ASSERT_EQ(cli({"migrate", "--config", config, "--report-dir", report}, log_),
            0)
      << ReadAll(log_);
  json rep = json::parse(ReadAll(report + "/report.json"), nullptr, false);
  ASSERT_TRUE(rep.is_object()) << ReadAll(log_);
  EXPECT_TRUE(rep.value("balanced", false)) << rep.dump(2);
  int64_t loaded = 0;
  for (const auto& o : rep["objects"]) loaded += o.value("loaded", int64_t{0});
  EXPECT_GT(loaded, 40);  // patients and their related records

  // Each service said how it serves (and never the token).
  for (const char* name : {"extractor", "transformer", "loader", "auditor"}) {
    EXPECT_THAT(ReadAll(state + "/" + name + ".log"),
                HasSubstr("\"callers\":\"client certificate\""))
        << name;
    EXPECT_THAT(ReadAll(state + "/" + name + ".log"),
                HasSubstr("\"transport\":\"mtls\""))
        << name;
  }

  // Every service refuses callers that are not the CA's.
  for (const char* name : {"extractor", "transformer", "loader", "auditor"}) {
    const std::string address = services.value(name, "");
    ASSERT_FALSE(address.empty()) << name;
    EXPECT_TRUE(HealthCheck(address, WithCert("controller")).ok()) << name;
    grpc::Status no_cert =
        HealthCheck(address, grpc::SslCredentials(TrustingCa()));
    EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << name << ": " << no_cert.error_message();
    EXPECT_THAT(no_cert.error_message(),
                HasSubstr("client certificate signed by the service's "
                          "--tls-ca"))
        << name;
    EXPECT_EQ(HealthCheck(address, WithCert("intruder")).error_code(),
              grpc::StatusCode::UNAVAILABLE)
        << name;
    EXPECT_EQ(
        HealthCheck(address, grpc::InsecureChannelCredentials()).error_code(),
        grpc::StatusCode::UNAVAILABLE)
        << name;
  }

  // The CLI without its certificate: a clear refusal, not a hang.
  const std::string refused = (root_ / "refused.log").string();
  EXPECT_NE(cli({"status", "--tls-ca", Pki("ca.crt")}, refused, false), 0);
  EXPECT_THAT(ReadAll(refused), HasSubstr("requires a client certificate"));
  const std::string plain = (root_ / "plaintext.log").string();
  EXPECT_NE(cli({"status"}, plain, false), 0);
  EXPECT_FALSE(ReadAll(plain).empty());
  // With it, the same command works.
  EXPECT_EQ(cli({"status"}, log_), 0) << ReadAll(log_);
  // A DNS target (as the transformer's loader channel in Kubernetes) is
  // checked against the name it resolves, localhost, on every address
  // round robin picks; a certificate without the expected name is refused.
  {
    json by_name = services;
    const std::string auditor = services.value("auditor", "");
    by_name["auditor"] =
        "dns:///localhost:" + auditor.substr(auditor.rfind(':') + 1);
    const std::string file = (root_ / "services-dns.json").string();
    std::ofstream(file) << by_name.dump();
    std::vector<std::string> status = {Bin("bridgework"), "status",
                                       "--services", file};
    for (const std::string& a : ControllerTls()) status.push_back(a);
    EXPECT_EQ(RunCommand(status, log_), 0) << ReadAll(log_);
    const std::string misnamed = (root_ / "misnamed.log").string();
    status.insert(status.end(), {"--tls-server-name", "bridgework-auditor"});
    EXPECT_NE(RunCommand(status, misnamed), 0);
    EXPECT_THAT(ReadAll(misnamed), HasSubstr("cannot reach the auditor"));
  }

  // An auditor serving TLS that takes a bearer token (no client CA), with
  // a plaintext health port for probes.
  const std::string port_file = (root_ / "auditor2.port").string();
  const std::string health = absl::StrCat("127.0.0.1:", FreePort());
  const std::string auditor_log = (root_ / "auditor2.log").string();
  auditor_ = Spawn(
      {Bin("bridgework-auditor"), "--listen", "127.0.0.1:0", "--port-file",
       port_file, "--data-dir", (root_ / "ledger2").string(), "--tls-cert",
       Pki("services.crt"), "--tls-key", Pki("services.key"),
       "--auth-token-file", auth_token_file_, "--health-listen", health},
      auditor_log);
  ASSERT_TRUE(testing::WaitForFile(port_file, 20)) << ReadAll(auditor_log);
  std::string address = ReadAll(port_file);
  address.erase(address.find_last_not_of("\n") + 1);
  auto tls = grpc::SslCredentials(TrustingCa());
  auto with_token = [&](const std::string& token) {
    return grpc::CompositeChannelCredentials(
        grpc::SslCredentials(TrustingCa()),
        grpc::AccessTokenCredentials(token));
  };
  EXPECT_TRUE(HealthCheck(address, with_token(auth_token_)).ok());
  grpc::Status no_token = HealthCheck(address, tls);
  EXPECT_EQ(no_token.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(no_token.error_message(), HasSubstr("bearer token"));
  grpc::Status wrong = HealthCheck(address, with_token(auth_token_ + "x"));
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wrong.error_message(), HasSubstr("wrong"));
  // A real RPC is refused the same way, and passes with the token.
  {
    auto stub = v1::Auditor::NewStub(grpc::CreateChannel(address, tls));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::ListRunsRequest req;
    v1::ListRunsResponse resp;
    EXPECT_EQ(stub->ListRuns(&ctx, req, &resp).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    auto stub = v1::Auditor::NewStub(
        grpc::CreateChannel(address, with_token(auth_token_)));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    v1::ListRunsRequest req;
    v1::ListRunsResponse resp;
    grpc::Status s = stub->ListRuns(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  // Probes: the health port answers in plaintext, without credentials.
  EXPECT_TRUE(HealthCheck(health, grpc::InsecureChannelCredentials()).ok());

  // Secrets: neither token in any log, report, ledger file or output.
  EXPECT_EQ(testing::Stop(&auditor_), 0);
  EXPECT_EQ(testing::Stop(&up_), 0);
  for (const std::string& secret : {crm_token_, auth_token_}) {
    std::vector<std::string> hits;
    for (const auto& e : fs::directory_iterator(root_)) {
      if (e.path().filename() == "secrets") continue;
      if (e.is_directory()) {
        for (auto& h : FilesContaining(e.path(), secret)) hits.push_back(h);
      } else if (ReadAll(e.path().string()).find(secret) != std::string::npos) {
        hits.push_back(e.path().string());
      }
    }
    EXPECT_THAT(hits, ::testing::IsEmpty()) << secret.substr(0, 16);
  }
  // The search finds a secret where it is (the secret files), and looked
  // where the secrets could be.
  EXPECT_EQ(FilesContaining(root_ / "secrets", crm_token_).size(), 1u);
  EXPECT_TRUE(fs::exists(report + "/report.html"));
  EXPECT_TRUE(fs::exists(state + "/loader.log"));
  EXPECT_TRUE(fs::exists(state + "/ledger"));
}

}  // namespace
}  // namespace bridgework
