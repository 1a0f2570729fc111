#include "libs/common/digest.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "libs/common/strings.h"

namespace bridgework {

const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    // The default provider always has SHA-256; without it nothing that
    // hashes could be trusted, so do not limp on.
    if (fetched == nullptr) std::abort();
    return fetched;
  }();
  return md;
}

std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, Sha256Md(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string Sha256Hex(std::string_view data) {
  return absl::BytesToHexString(ToAbsl(Sha256(data)));
}

}  // namespace bridgework
