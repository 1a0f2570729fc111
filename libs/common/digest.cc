#include "libs/common/digest.h"

#include "absl/strings/escaping.h"
#include "libs/common/strings.h"

namespace bridgework {

const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    // The default provider has SHA-256; should a configuration hide it,
    // the implicitly fetched digest still hashes (the slower path).
    return fetched != nullptr ? fetched : EVP_sha256();
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
