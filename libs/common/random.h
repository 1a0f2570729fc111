// Random identifiers and secrets from OpenSSL's CSPRNG.
#ifndef BRIDGEWORK_LIBS_COMMON_RANDOM_H_
#define BRIDGEWORK_LIBS_COMMON_RANDOM_H_

#include <cstddef>
#include <string>

namespace bridgework {

// `bytes` random bytes as 2 x `bytes` lowercase hex digits (trace and span
// ids, loopback service tokens). Thread-safe.
std::string RandomHex(size_t bytes);

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_RANDOM_H_
