#include "libs/mapping/phi.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/common/digest.h"
#include "libs/common/strings.h"
#include "libs/record/value.h"

namespace bridgework::mapping {
namespace {

// The master key when no --phi-key-file is given. Public: hashes under it
// are pseudonyms, not secrets (docs/phi.md "The hash key").
constexpr std::string_view kDefaultMaster = "bridgework.phi-default-master/v1";
constexpr size_t kMinMasterSize = 32;

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Sha256Md(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string_view PhiPolicyName(PhiPolicy policy) {
  switch (policy) {
    case PhiPolicy::kMigrate:
      return "migrate";
    case PhiPolicy::kHash:
      return "hash";
    case PhiPolicy::kDrop:
      return "drop";
    case PhiPolicy::kNote:
      return "note";
  }
  return "migrate";
}

std::optional<PhiPolicy> ParsePhiPolicy(std::string_view name) {
  for (PhiPolicy p : {PhiPolicy::kMigrate, PhiPolicy::kHash, PhiPolicy::kDrop,
                      PhiPolicy::kNote}) {
    if (PhiPolicyName(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view KnownPhiPolicies() { return "migrate, hash, drop, note"; }

absl::StatusOr<std::string> ReadPhiMasterKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the PHI hash key file ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string key(absl::StripAsciiWhitespace(ss.str()));
  if (key.size() < kMinMasterSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the PHI hash key file ", path, " holds fewer than ", kMinMasterSize,
        " bytes (make one with: openssl rand -hex 32 > ", path, ")"));
  }
  return key;
}

PhiKey DerivePhiKey(std::string_view master, std::string_view crm,
                    std::string_view account) {
  PhiKey key;
  key.derived_default = master.empty();
  key.bytes = Hmac(master.empty() ? kDefaultMaster : master,
                   absl::StrCat("bridgework.phi-key/v1|", ToAbsl(crm), "|",
                                ToAbsl(account)));
  key.id =
      record::Sha256Hex(absl::StrCat("bridgework.phi-key-id/v1|", key.bytes))
          .substr(0, 8);
  return key;
}

std::string HashPhi(const PhiKey& key, std::string_view text) {
  return absl::StrCat("hmac-sha256:", key.id, ":",
                      absl::BytesToHexString(ToAbsl(Hmac(key.bytes, text))));
}

}  // namespace bridgework::mapping
