// Transport security for every gRPC hop of the suite (docs/security.md):
// TLS from PEM files, mutual TLS, and a shared bearer token for callers
// without a client certificate.
//
// One process has one identity: --tls-cert/--tls-key are served by its
// gRPC server and presented to the peers it calls; --tls-ca verifies both
// directions (the client certificates a server accepts, and the servers a
// client calls). The files are read once, at start-up; rotating them means
// restarting the process.
//
// Thread safety: UseTransportSecurity is called once in main, before any
// channel or server exists; everything else is safe from any thread.
#ifndef BRIDGEWORK_LIBS_COMMON_TRANSPORT_SECURITY_H_
#define BRIDGEWORK_LIBS_COMMON_TRANSPORT_SECURITY_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bridgework {

// Where the material is: paths from the flags (all optional).
struct TlsFlags {
  std::string cert_file;        // --tls-cert: this process's chain (PEM)
  std::string key_file;         // --tls-key: its private key (PEM)
  std::string ca_file;          // --tls-ca: CA bundle trusted for peers
  std::string auth_token_file;  // --auth-token-file: the shared token
  // --tls-server-name: the name a client checks in servers' certificates
  // instead of the target's host (targets such as "ipv4:a:p,b:p" have
  // none). Default: the target's host ("dns:///bridgework-loader:7103"
  // checks "bridgework-loader").
  std::string server_name;
};

// The material itself. The token is a secret: it never appears in a log
// line, a status message or a report.
struct TransportSecurity {
  std::string cert_pem;
  std::string key_pem;
  std::string ca_pem;
  std::string auth_token;
  std::string server_name;

  bool server_tls() const { return !cert_pem.empty(); }
  // Calls out use TLS when there is a CA to verify the servers with.
  bool client_tls() const { return !ca_pem.empty(); }
  // A server authenticates its callers when it has a CA for their
  // certificates or a token for their bearer header.
  bool authenticates_callers() const {
    return server_tls() && (!ca_pem.empty() || !auth_token.empty());
  }
};

// What a process does with the material.
enum class SecurityRole {
  kServer,  // a service: serves, and may call peers
  kClient,  // the `bridgework` CLI: calls only
};

// Reads the files named by `flags` and checks that they fit `role`:
// --tls-cert and --tls-key together; on a server, --tls-ca and
// --auth-token-file only with --tls-cert (a token over plaintext could be
// read off the network); on a client, a certificate or a token only with
// --tls-ca. InvalidArgument names the flag and file (never a file's
// content) when one cannot be read or is not PEM.
absl::StatusOr<TransportSecurity> LoadTransportSecurity(const TlsFlags& flags,
                                                        SecurityRole role);

// LoadTransportSecurity, then makes the result this process's security:
// the credentials ServeUntilSignal serves with and MakeChannel calls with.
absl::Status UseTransportSecurity(const TlsFlags& flags, SecurityRole role);

// The process's security (empty, i.e. plaintext, until
// UseTransportSecurity).
std::shared_ptr<const TransportSecurity> ProcessTransportSecurity();

// Server credentials for `security`: plaintext without a certificate;
// else TLS, requesting (and verifying against --tls-ca) a client
// certificate when there is a CA, with the caller check below when
// authenticates_callers().
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(
    const TransportSecurity& security);

// Channel credentials for `security`: plaintext without a CA; else TLS
// verifying the server against the CA, presenting the certificate when
// there is one, and sending `authorization: Bearer <token>` on every call
// when there is a token.
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(
    const TransportSecurity& security);

// The caller check, apart from gRPC so that it can be tested alone. A call
// passes when the connection carries a client certificate that the TLS
// handshake verified against --tls-ca (`verified_client_cert`; only
// possible when the server has a CA), or when `authorization` is
// "Bearer <the token>" (compared in constant time). Otherwise
// UNAUTHENTICATED saying what the service accepts; the message never
// contains the token, expected or received.
absl::Status AuthenticateCaller(const TransportSecurity& security,
                                bool verified_client_cert,
                                std::optional<std::string_view> authorization);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_TRANSPORT_SECURITY_H_
