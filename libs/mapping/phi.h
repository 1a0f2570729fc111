// Patient-data (PHI) policies of map fields (docs/phi.md): how a field's
// value is carried, and the keyed hash of `phi: hash` fields.
//
// A field is migrated (default), hashed (HMAC-SHA-256 under the
// destination account's key, "hmac-sha256:<key id>:<64 hex>"), dropped
// (never sent), or moved into the record's note field (`phi_note`).
//
// The hash key of an account is derived from a master key, the content of
// the transformer's --phi-key-file, or without one from a documented public
// constant (pseudonymous, not secret): HMAC-SHA-256(master,
// "bridgework.phi-key/v1|<crm>|<account>"). The same master, CRM account
// and value always give the same output, so delta runs stay stable. Neither
// the master nor the derived key is ever logged or put in a message; the
// key id (8 hex digits of SHA-256("bridgework.phi-key-id/v1|" | key)) is.
//
// Thread safety: PhiKey is an immutable value; functions are pure.
#ifndef BRIDGEWORK_LIBS_MAPPING_PHI_H_
#define BRIDGEWORK_LIBS_MAPPING_PHI_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bridgework::mapping {

enum class PhiPolicy {
  kMigrate,  // the value is written as mapped
  kHash,     // the value's keyed hash is written instead
  kDrop,     // nothing is written (and no warning: it is the map's choice)
  kNote,     // "<to>: <value>" is a line of the route's note field
};

// "migrate", "hash", "drop", "note".
std::string_view PhiPolicyName(PhiPolicy policy);
// The policy named `name`, or nullopt.
std::optional<PhiPolicy> ParsePhiPolicy(std::string_view name);
// "migrate, hash, drop, note": for error messages.
std::string_view KnownPhiPolicies();

// The hash key of one destination account.
struct PhiKey {
  std::string bytes;  // 32 bytes; never logged
  std::string id;     // 8 lower-case hex digits naming it
  // True when derived from the public default master (no --phi-key-file).
  bool derived_default = true;
};

// The master key in `path`: its content without surrounding whitespace,
// at least 32 bytes (`openssl rand -hex 32 > phi.key`). NOT_FOUND when it
// cannot be read, INVALID_ARGUMENT when too short; messages name the path,
// never the content.
absl::StatusOr<std::string> ReadPhiMasterKey(const std::string& path);

// The key of account `account` of CRM `crm` under `master` ("" for the
// documented default).
PhiKey DerivePhiKey(std::string_view master, std::string_view crm,
                    std::string_view account);

// "hmac-sha256:<key id>:<64 lower-case hex digits>" of `text`.
std::string HashPhi(const PhiKey& key, std::string_view text);

}  // namespace bridgework::mapping

#endif  // BRIDGEWORK_LIBS_MAPPING_PHI_H_
