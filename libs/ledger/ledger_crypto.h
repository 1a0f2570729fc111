// At-rest encryption of the ledger's values (docs/ledger.md "At rest").
//
// With a key configured, every value the ledger stores is sealed with
// AES-256-GCM by a KvStore decorator, so both stores (RocksDB and the
// in-memory fake) encrypt the same way. Keys stay plaintext: they order
// the store and carry identifiers, not field values.
//
// Sealed value: "BWE1" | key id (8 bytes) | nonce (12 random bytes) |
// ciphertext | tag (16 bytes). The additional authenticated data is the
// store key and the key id, so a value moved under another key, a value
// edited, or a value sealed with another key fails to open instead of
// reading as garbage.
//
// The key's bytes are never logged nor put in an error message; its id
// (the first 8 bytes of SHA-256("bridgework.ledger-key-id/v1" | key), in
// hex) is what messages name.
//
// Thread safety: LedgerKey is an immutable value; the decorator is as
// thread-safe as the store it wraps.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_CRYPTO_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_CRYPTO_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/common/digest.h"
#include "libs/ledger/kv_store.h"

namespace bridgework::ledger {

// A 32-byte AES-256 key. Copies share nothing; the bytes are wiped when
// the object goes.
class LedgerKey {
 public:
  static constexpr size_t kSize = 32;

  // INVALID_ARGUMENT unless `bytes` is exactly 32 bytes.
  static absl::StatusOr<LedgerKey> FromBytes(std::string_view bytes);

  // The key file's formats: 64 hexadecimal digits (either case; leading and
  // trailing whitespace, such as the newline `openssl rand -hex 32 > f`
  // leaves, ignored), or exactly 32 raw bytes (`openssl rand 32 > f`) that
  // are not all hex digits (that would be a 128-bit key in hex).
  // NOT_FOUND / PERMISSION_DENIED when unreadable, INVALID_ARGUMENT for
  // any other content (the message never quotes the content).
  static absl::StatusOr<LedgerKey> FromFile(const std::string& path);

  LedgerKey(const LedgerKey& other) = default;
  LedgerKey& operator=(const LedgerKey& other) = default;
  ~LedgerKey();

  const std::string& bytes() const { return bytes_; }
  // 16 lower-case hex digits naming the key (not revealing it).
  const std::string& id() const { return id_; }

 private:
  explicit LedgerKey(std::string bytes);

  std::string bytes_;
  std::string id_;
};

namespace ledger_internal {

// Checks that `raw`'s values match the configuration and returns the store
// the ledger should use: `raw` itself without a key, the decrypting
// decorator with one. `where` names the ledger in messages (its
// directory). FAILED_PRECONDITION, naming the fix, when:
//   - the ledger is encrypted and no key is given;
//   - a key is given and the ledger holds plaintext values;
//   - the ledger was encrypted with another key (ids differ).
// A new (empty) store takes whichever the configuration says.
absl::StatusOr<std::unique_ptr<KvStore>> OpenEncryption(
    std::unique_ptr<KvStore> raw, const LedgerKey* key,
    const std::string& where);

// The decorator alone (no marker check): values sealed on Write, opened on
// Get and Scan. A value that does not open is DATA_LOSS naming its store
// key (edited, moved, truncated, or sealed under another key).
std::unique_ptr<KvStore> NewEncryptingKvStore(std::unique_ptr<KvStore> raw,
                                              const LedgerKey& key);

// A DATA_LOSS status from the decorator carries the store key of the value
// that did not open as a payload under this type URL (so a verifier can
// report it and go on).
inline constexpr char kFailingKeyPayload[] = "bridgework.dev/ledger-key";

// SHA-256 of `data` (32 raw bytes), libs/common/digest.h.
using ::bridgework::Sha256;

}  // namespace ledger_internal
}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_CRYPTO_H_
