#include "libs/common/random.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace bridgework {

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()),
             static_cast<int>(bytes));
  return absl::BytesToHexString(absl::string_view(raw.data(), raw.size()));
}

}  // namespace bridgework
