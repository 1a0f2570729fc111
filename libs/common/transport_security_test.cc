#include "libs/common/transport_security.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "s3cr3t-t0ken-value";

TransportSecurity Security(bool ca, bool token) {
  TransportSecurity s;
  s.cert_pem = "-----BEGIN CERTIFICATE-----\n";
  s.key_pem = "-----BEGIN PRIVATE KEY-----\n";
  if (ca) s.ca_pem = "-----BEGIN CERTIFICATE-----\n";
  if (token) s.auth_token = kToken;
  return s;
}

TEST(AuthenticateCaller, PlaintextOrTlsWithoutClientAuthLetsEveryoneIn) {
  TransportSecurity plaintext;
  EXPECT_TRUE(AuthenticateCaller(plaintext, false, std::nullopt).ok());
  EXPECT_TRUE(
      AuthenticateCaller(Security(false, false), false, std::nullopt).ok());
}

TEST(AuthenticateCaller, MutualTlsNeedsAVerifiedCertificate) {
  const TransportSecurity s = Security(true, false);
  EXPECT_TRUE(AuthenticateCaller(s, true, std::nullopt).ok());
  absl::Status none = AuthenticateCaller(s, false, std::nullopt);
  EXPECT_EQ(none.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.message(), HasSubstr("client certificate signed by"));
  absl::Status bearer =
      AuthenticateCaller(s, false, std::string("Bearer ") + kToken);
  EXPECT_EQ(bearer.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(bearer.message(), HasSubstr("not accepted"));
}

TEST(AuthenticateCaller, TokenComparedWholeAndNeverEchoed) {
  const TransportSecurity s = Security(false, true);
  EXPECT_TRUE(
      AuthenticateCaller(s, false, std::string("Bearer ") + kToken).ok());
  // A certificate does not count on a server without a CA.
  EXPECT_EQ(AuthenticateCaller(s, true, std::nullopt).code(),
            absl::StatusCode::kUnauthenticated);
  for (const std::string& wrong :
       {std::string("Bearer ") + kToken + "x", std::string("Bearer s3cr3t"),
        std::string("Bearer "), std::string(kToken),
        std::string("Basic ") + kToken}) {
    absl::Status st = AuthenticateCaller(s, false, wrong);
    EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated) << wrong;
    EXPECT_THAT(st.message(), Not(HasSubstr("s3cr3t"))) << wrong;
  }
}

TEST(AuthenticateCaller, EitherCredentialWhenBothAreConfigured) {
  const TransportSecurity s = Security(true, true);
  EXPECT_TRUE(AuthenticateCaller(s, true, std::nullopt).ok());
  EXPECT_TRUE(
      AuthenticateCaller(s, false, std::string("Bearer ") + kToken).ok());
  absl::Status none = AuthenticateCaller(s, false, std::nullopt);
  EXPECT_EQ(none.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.message(), HasSubstr("or its bearer token"));
}

class LoadTransportSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("bw-tls-unit-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  fs::path dir_;
};

TEST_F(LoadTransportSecurityTest, ChecksFilesAndCombinations) {
  TlsFlags flags;
  flags.cert_file = Write("c.pem", "-----BEGIN CERTIFICATE-----\nx\n");
  flags.key_file = Write("k.pem", "-----BEGIN PRIVATE KEY-----\ny\n");
  flags.auth_token_file = Write("token", std::string(kToken) + "\n");
  auto ok = LoadTransportSecurity(flags, SecurityRole::kServer);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->auth_token, kToken);  // the line break trimmed
  EXPECT_TRUE(ok->authenticates_callers());

  // A client sends the token over TLS only.
  auto client = LoadTransportSecurity(flags, SecurityRole::kClient);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);

  TlsFlags no_cert;
  no_cert.auth_token_file = flags.auth_token_file;
  auto plaintext_token = LoadTransportSecurity(no_cert, SecurityRole::kServer);
  EXPECT_THAT(plaintext_token.status().message(), HasSubstr("plaintext"));

  TlsFlags half = flags;
  half.key_file.clear();
  EXPECT_THAT(
      LoadTransportSecurity(half, SecurityRole::kServer).status().message(),
      HasSubstr("together"));

  TlsFlags missing = flags;
  missing.ca_file = (dir_ / "nope.pem").string();
  EXPECT_THAT(
      LoadTransportSecurity(missing, SecurityRole::kServer).status().message(),
      HasSubstr("cannot read --tls-ca"));

  TlsFlags not_pem = flags;
  not_pem.key_file = flags.auth_token_file;
  absl::Status bad_key =
      LoadTransportSecurity(not_pem, SecurityRole::kServer).status();
  EXPECT_THAT(bad_key.message(), HasSubstr("is not PEM"));
  EXPECT_THAT(bad_key.message(), Not(HasSubstr(kToken)));
}

}  // namespace
}  // namespace bridgework
