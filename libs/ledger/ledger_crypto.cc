#include "libs/ledger/ledger_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/ledger/ledger_keys.h"

namespace bridgework::ledger {
namespace {

using ledger_internal::Durability;
using ledger_internal::KvBatch;
using ledger_internal::KvStore;

constexpr char kMagic[] = "BWE1";
constexpr size_t kMagicSize = 4;
constexpr size_t kIdSize = 8;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kOverhead = kMagicSize + kIdSize + kNonceSize + kTagSize;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

const unsigned char* U(const char* p) {
  return reinterpret_cast<const unsigned char*>(p);
}
unsigned char* U(char* p) { return reinterpret_cast<unsigned char*>(p); }

// Debian's Abseil has its own string_view.
absl::string_view A(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool IsSealed(std::string_view value) {
  return value.size() >= kOverhead && value.substr(0, kMagicSize) == kMagic;
}

// The AAD: the store key and the key id, so a sealed value only opens
// under the key it was written at.
std::string Aad(std::string_view store_key, std::string_view raw_id) {
  return absl::StrCat(A(raw_id), A(store_key));
}

// DATA_LOSS with `message`, naming `store_key` as payload.
absl::Status Named(std::string_view store_key, std::string message) {
  absl::Status s = absl::DataLossError(message);
  s.SetPayload(ledger_internal::kFailingKeyPayload, absl::Cord(A(store_key)));
  return s;
}

class EncryptingKvStore : public KvStore {
 public:
  EncryptingKvStore(std::unique_ptr<KvStore> raw, const LedgerKey& key)
      : raw_(std::move(raw)), key_(key) {
    raw_id_ = absl::HexStringToBytes(key_.id());
  }

  absl::StatusOr<std::optional<std::string>> Get(
      const std::string& key) override {
    BW_ASSIGN_OR_RETURN(std::optional<std::string> sealed, raw_->Get(key));
    if (!sealed.has_value()) return sealed;
    BW_ASSIGN_OR_RETURN(std::string plain, Open(key, *sealed));
    return std::optional<std::string>(std::move(plain));
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      const std::vector<std::string>& keys) override {
    BW_ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> values,
                        raw_->MultiGet(keys));
    for (size_t i = 0; i < values.size() && i < keys.size(); ++i) {
      if (!values[i].has_value()) continue;
      BW_ASSIGN_OR_RETURN(values[i], Open(keys[i], *values[i]));
    }
    return values;
  }

  absl::Status Write(const KvBatch& batch, Durability durability) override {
    KvBatch sealed;
    for (const KvBatch::Entry& e : batch.entries()) {
      if (!e.value.has_value()) {
        sealed.Delete(e.key);
        continue;
      }
      BW_ASSIGN_OR_RETURN(std::string value, Seal(e.key, *e.value));
      sealed.Put(e.key, std::move(value));
    }
    return raw_->Write(sealed, durability);
  }

  absl::Status Scan(const std::string& begin, const std::string& end,
                    bool reverse, const Visitor& visit) override {
    absl::Status open;
    BW_RETURN_IF_ERROR(raw_->Scan(
        begin, end, reverse, [&](std::string_view key, std::string_view value) {
          absl::StatusOr<std::string> plain = Open(key, value);
          if (!plain.ok()) {
            open = plain.status();
            return false;
          }
          return visit(key, *plain);
        }));
    return open;
  }

 private:
  absl::StatusOr<std::string> Seal(std::string_view store_key,
                                   std::string_view plain) {
    std::string out(kOverhead + plain.size(), '\0');
    std::memcpy(out.data(), kMagic, kMagicSize);
    std::memcpy(out.data() + kMagicSize, raw_id_.data(), kIdSize);
    char* nonce = out.data() + kMagicSize + kIdSize;
    char* cipher = nonce + kNonceSize;
    char* tag = cipher + plain.size();
    if (RAND_bytes(U(nonce), kNonceSize) != 1) {
      return absl::InternalError("ledger: no random nonce (RAND_bytes)");
    }
    const std::string aad = Aad(store_key, raw_id_);
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx &&
              EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                                 nullptr) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize,
                                  nullptr) == 1 &&
              EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr,
                                 U(key_.bytes().data()), U(nonce)) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad.data()),
                                static_cast<int>(aad.size())) == 1 &&
              EVP_EncryptUpdate(ctx.get(), U(cipher), &len, U(plain.data()),
                                static_cast<int>(plain.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), U(cipher) + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                                  tag) == 1;
    if (!ok) return absl::InternalError("ledger: AES-256-GCM seal failed");
    return out;
  }

  absl::StatusOr<std::string> Open(std::string_view store_key,
                                   std::string_view sealed) {
    if (!IsSealed(sealed)) {
      return Named(
          store_key,
          absl::StrCat(
              "ledger: the value at key ", A(store_key),
              " is not encrypted (written without the ledger key, or edited)"));
    }
    std::string_view id = sealed.substr(kMagicSize, kIdSize);
    if (id != raw_id_) {
      return Named(
          store_key,
          absl::StrCat("ledger: the value at key ", A(store_key),
                       " was encrypted with key id ",
                       absl::BytesToHexString(A(id)),
                       ", not the configured key's (", key_.id(), ")"));
    }
    std::string_view nonce = sealed.substr(kMagicSize + kIdSize, kNonceSize);
    std::string_view cipher = sealed.substr(kMagicSize + kIdSize + kNonceSize,
                                            sealed.size() - kOverhead);
    std::string tag(sealed.substr(sealed.size() - kTagSize));
    const std::string aad = Aad(store_key, raw_id_);
    std::string out(cipher.size(), '\0');
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok =
        ctx &&
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                           nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize,
                            nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, U(key_.bytes().data()),
                           U(nonce.data())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad.data()),
                          static_cast<int>(aad.size())) == 1 &&
        EVP_DecryptUpdate(ctx.get(), U(out.data()), &len, U(cipher.data()),
                          static_cast<int>(cipher.size())) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize,
                            tag.data()) == 1 &&
        EVP_DecryptFinal_ex(ctx.get(), U(out.data()) + len, &len) == 1;
    if (!ok) {
      return Named(
          store_key,
          absl::StrCat(
              "ledger: the value at key ", A(store_key),
              " fails authentication (edited, truncated or moved from another "
              "key)"));
    }
    return out;
  }

  std::unique_ptr<KvStore> raw_;
  const LedgerKey key_;
  std::string raw_id_;  // 8 bytes
};

}  // namespace

LedgerKey::LedgerKey(std::string bytes) : bytes_(std::move(bytes)) {
  std::string digest = ledger_internal::Sha256(
      absl::StrCat("bridgework.ledger-key-id/v1", bytes_));
  id_ = absl::BytesToHexString(A(std::string_view(digest).substr(0, kIdSize)));
}

LedgerKey::~LedgerKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

absl::StatusOr<LedgerKey> LedgerKey::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ledger key is 32 bytes, not ", bytes.size()));
  }
  return LedgerKey(std::string(bytes));
}

absl::StatusOr<LedgerKey> LedgerKey::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    std::string message = absl::StrCat("cannot read the ledger key file ", path,
                                       ": ", std::strerror(err));
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::NotFoundError(message);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string content = std::move(buffer).str();
  absl::StatusOr<LedgerKey> key = absl::InvalidArgumentError("");
  bool all_hex = true;
  for (char c : content) all_hex = all_hex && absl::ascii_isxdigit(c);
  if (content.size() == kSize && all_hex) {
    // 32 raw random bytes are never all hex digits: this is a 128-bit key
    // in hex (openssl rand -hex 16), too short.
    key = absl::InvalidArgumentError(absl::StrCat(
        "the ledger key file ", path,
        " holds 32 hex digits (128 bits); the key is 256 bits: 64 hex "
        "digits, e.g. openssl rand -hex 32 > ",
        path));
  } else if (content.size() == kSize) {
    key = FromBytes(content);
  } else {
    absl::string_view hex = absl::StripAsciiWhitespace(content);
    bool is_hex = hex.size() == 2 * kSize;
    for (char c : hex) is_hex = is_hex && absl::ascii_isxdigit(c);
    if (is_hex) {
      std::string raw = absl::HexStringToBytes(hex);
      key = FromBytes(raw);
      OPENSSL_cleanse(raw.data(), raw.size());
    } else {
      key = absl::InvalidArgumentError(absl::StrCat(
          "the ledger key file ", path,
          " must hold 64 hex digits or exactly 32 bytes (it holds ",
          content.size(), " bytes); e.g. openssl rand -hex 32 > ", path));
    }
  }
  OPENSSL_cleanse(content.data(), content.size());
  return key;
}

namespace ledger_internal {

std::unique_ptr<KvStore> NewEncryptingKvStore(std::unique_ptr<KvStore> raw,
                                              const LedgerKey& key) {
  return std::make_unique<EncryptingKvStore>(std::move(raw), key);
}

absl::StatusOr<std::unique_ptr<KvStore>> OpenEncryption(
    std::unique_ptr<KvStore> raw, const LedgerKey* key,
    const std::string& where) {
  // The format marker is the first value of every ledger, sealed or not.
  BW_ASSIGN_OR_RETURN(std::optional<std::string> marker, raw->Get(kFormatKey));
  if (marker.has_value()) {
    const bool sealed = IsSealed(*marker);
    if (sealed && key == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ledger at ", where, " is encrypted (key id ",
          absl::BytesToHexString(marker->substr(kMagicSize, kIdSize)),
          "); give its key with --ledger-key-file or "
          "BRIDGEWORK_LEDGER_KEY_FILE"));
    }
    if (!sealed && key != nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ledger at ", where,
          " is not encrypted but a ledger key is configured; an existing "
          "plaintext ledger cannot be encrypted in place: drop the key, or "
          "start a new ledger in an empty directory"));
    }
    if (sealed) {
      std::string id =
          absl::BytesToHexString(marker->substr(kMagicSize, kIdSize));
      if (id != key->id()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the ledger at ", where, " is encrypted with key id ", id,
            " but the configured key has id ", key->id(), " (wrong key file)"));
      }
    }
  }
  if (key == nullptr) return raw;
  return NewEncryptingKvStore(std::move(raw), *key);
}

}  // namespace ledger_internal
}  // namespace bridgework::ledger
