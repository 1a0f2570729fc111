#include "libs/common/transport_security.h"

#include <openssl/crypto.h>

#include <fstream>
#include <iterator>
#include <map>

#include <grpcpp/security/auth_metadata_processor.h>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace bridgework {
namespace {

constexpr char kBearerPrefix[] = "Bearer ";

// The file named by `flag`, which must be readable, non-empty and, unless
// `pem_marker` is empty, contain it. Errors name the flag and the path,
// never the content.
absl::StatusOr<std::string> ReadMaterial(const std::string& flag,
                                         const std::string& path,
                                         const std::string& pem_marker) {
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", flag, " ", path));
  }
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, " is empty"));
  }
  if (!pem_marker.empty() && !absl::StrContains(text, pem_marker)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, " is not PEM (no \"", pem_marker, "\" block)"));
  }
  return text;
}

absl::Mutex process_mutex(absl::kConstInit);
std::shared_ptr<const TransportSecurity>* process_security
    ABSL_GUARDED_BY(process_mutex) = nullptr;

// Runs AuthenticateCaller on every call of a TLS server that authenticates
// its callers. Takes the bearer header off the call once checked, so that
// no handler (or its logging) ever sees the token.
class CallerAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  explicit CallerAuthProcessor(TransportSecurity security)
      : security_(std::move(security)) {}

  // Cheap and never blocks: runs on gRPC's own thread.
  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* /*response_metadata*/) override {
    // With a CA the handshake verified any certificate the client
    // presented (a bad one fails the handshake): its presence is the
    // proof.
    const bool verified_cert =
        !security_.ca_pem.empty() &&
        !context->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME).empty();
    std::optional<std::string_view> authorization;
    auto it = auth_metadata.find("authorization");
    if (it != auth_metadata.end()) {
      authorization = std::string_view(it->second.data(), it->second.size());
    }
    absl::Status s =
        AuthenticateCaller(security_, verified_cert, authorization);
    if (!s.ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          std::string(s.message()));
    }
    if (authorization) {
      consumed_auth_metadata->emplace("authorization",
                                      std::string(*authorization));
    }
    return grpc::Status::OK;
  }

 private:
  const TransportSecurity security_;
};

// Adds `authorization: Bearer <token>` to every call.
class BearerTokenPlugin : public grpc::MetadataCredentialsPlugin {
 public:
  explicit BearerTokenPlugin(std::string token) : token_(std::move(token)) {}
  bool IsBlocking() const override { return false; }
  const char* GetType() const override { return "bridgework-bearer"; }
  grpc::Status GetMetadata(
      grpc::string_ref /*service_url*/, grpc::string_ref /*method_name*/,
      const grpc::AuthContext& /*channel_auth_context*/,
      std::multimap<std::string, std::string>* metadata) override {
    metadata->emplace("authorization", absl::StrCat(kBearerPrefix, token_));
    return grpc::Status::OK;
  }
  std::string DebugString() override { return "bearer token (not shown)"; }

 private:
  const std::string token_;
};

}  // namespace

absl::StatusOr<TransportSecurity> LoadTransportSecurity(const TlsFlags& flags,
                                                        SecurityRole role) {
  if (flags.cert_file.empty() != flags.key_file.empty()) {
    return absl::InvalidArgumentError("give --tls-cert and --tls-key together");
  }
  TransportSecurity s;
  auto cert = ReadMaterial("--tls-cert", flags.cert_file, "-----BEGIN");
  if (!cert.ok()) return cert.status();
  auto key = ReadMaterial("--tls-key", flags.key_file, "PRIVATE KEY-----");
  if (!key.ok()) return key.status();
  auto ca = ReadMaterial("--tls-ca", flags.ca_file, "-----BEGIN");
  if (!ca.ok()) return ca.status();
  auto token = ReadMaterial("--auth-token-file", flags.auth_token_file, "");
  if (!token.ok()) return token.status();
  s.cert_pem = *std::move(cert);
  s.key_pem = *std::move(key);
  s.ca_pem = *std::move(ca);
  // A secret file usually ends in a line break; the token is one line.
  s.auth_token = std::string(absl::StripAsciiWhitespace(*token));
  s.server_name = flags.server_name;
  if (role == SecurityRole::kServer && s.cert_pem.empty()) {
    if (!s.auth_token.empty()) {
      return absl::InvalidArgumentError(
          "--auth-token-file needs --tls-cert/--tls-key: a bearer token over "
          "plaintext could be read off the network");
    }
    if (!s.ca_pem.empty()) {
      return absl::InvalidArgumentError(
          "--tls-ca needs --tls-cert/--tls-key: client certificates are "
          "checked in the TLS handshake");
    }
  }
  if (role == SecurityRole::kClient && s.ca_pem.empty() &&
      (!s.cert_pem.empty() || !s.auth_token.empty())) {
    return absl::InvalidArgumentError(
        "a client certificate or --auth-token-file needs --tls-ca (the CA "
        "that signed the services' certificates): both are sent over TLS "
        "only");
  }
  return s;
}

absl::Status UseTransportSecurity(const TlsFlags& flags, SecurityRole role) {
  absl::StatusOr<TransportSecurity> s = LoadTransportSecurity(flags, role);
  if (!s.ok()) return s.status();
  auto shared = std::make_shared<const TransportSecurity>(*std::move(s));
  absl::MutexLock lock(&process_mutex);
  if (process_security == nullptr) {
    // Lives as long as the process: channels may be made at exit.
    process_security = new std::shared_ptr<const TransportSecurity>();
  }
  *process_security = std::move(shared);
  return absl::OkStatus();
}

std::shared_ptr<const TransportSecurity> ProcessTransportSecurity() {
  absl::MutexLock lock(&process_mutex);
  if (process_security == nullptr || *process_security == nullptr) {
    return std::make_shared<const TransportSecurity>();
  }
  return *process_security;
}

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const TransportSecurity& security) {
  if (!security.server_tls()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      security.ca_pem.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          // Not REQUIRE: a caller without a certificate gets a clear
          // UNAUTHENTICATED from the processor (or passes with the token)
          // instead of a failed handshake.
          : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = security.ca_pem;
  options.pem_key_cert_pairs.push_back({security.key_pem, security.cert_pem});
  std::shared_ptr<grpc::ServerCredentials> creds =
      grpc::SslServerCredentials(options);
  if (security.authenticates_callers()) {
    creds->SetAuthMetadataProcessor(
        std::make_shared<CallerAuthProcessor>(security));
  }
  return creds;
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(
    const TransportSecurity& security) {
  if (!security.client_tls()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = security.ca_pem;
  options.pem_private_key = security.key_pem;
  options.pem_cert_chain = security.cert_pem;
  std::shared_ptr<grpc::ChannelCredentials> creds =
      grpc::SslCredentials(options);
  if (!security.auth_token.empty()) {
    creds = grpc::CompositeChannelCredentials(
        creds, grpc::MetadataCredentialsFromPlugin(
                   std::make_unique<BearerTokenPlugin>(security.auth_token)));
  }
  return creds;
}

absl::Status AuthenticateCaller(const TransportSecurity& security,
                                bool verified_client_cert,
                                std::optional<std::string_view> authorization) {
  if (!security.authenticates_callers()) return absl::OkStatus();
  if (verified_client_cert && !security.ca_pem.empty()) {
    return absl::OkStatus();
  }
  const bool takes_cert = !security.ca_pem.empty();
  const bool takes_token = !security.auth_token.empty();
  const std::string accepted =
      takes_cert && takes_token
          ? "a client certificate signed by the service's --tls-ca (mutual "
            "TLS) or its bearer token (--auth-token-file)"
      : takes_cert ? "a client certificate signed by the service's --tls-ca "
                     "(mutual TLS)"
                   : "its bearer token (--auth-token-file)";
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "no credentials: this service requires ", accepted,
        "; give the caller --tls-cert/--tls-key or --auth-token-file"));
  }
  if (!takes_token) {
    return absl::UnauthenticatedError(absl::StrCat(
        "a bearer token is not accepted here: this service requires ",
        accepted));
  }
  std::string_view given = *authorization;
  if (given.substr(0, sizeof(kBearerPrefix) - 1) != kBearerPrefix) {
    return absl::UnauthenticatedError(
        "the authorization header is not \"Bearer <token>\"");
  }
  given.remove_prefix(sizeof(kBearerPrefix) - 1);
  const std::string& want = security.auth_token;
  if (given.size() != want.size() ||
      CRYPTO_memcmp(given.data(), want.data(), want.size()) != 0) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the bearer token is wrong: this service requires ", accepted));
  }
  return absl::OkStatus();
}

}  // namespace bridgework
