// SHA-256 through OpenSSL 3 with the digest fetched once per process.
//
// EVP_Digest(..., EVP_sha256(), ...) fetches the algorithm from the default
// provider on every call (a locked name lookup that cost as much as hashing
// a ledger value); these hold one fetched EVP_MD for the process.
//
// Thread safety: thread-safe (the fetched EVP_MD is immutable and shared).
#ifndef BRIDGEWORK_LIBS_COMMON_DIGEST_H_
#define BRIDGEWORK_LIBS_COMMON_DIGEST_H_

#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace bridgework {

// The process's SHA-256 EVP_MD (fetched on first use, never freed; the
// legacy EVP_sha256() if the fetch fails).
const EVP_MD* Sha256Md();

// The 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// The same digest as 64 lower-case hexadecimal digits.
std::string Sha256Hex(std::string_view data);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_DIGEST_H_
