#include "libs/ledger/ledger_chain.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/common/status_macros.h"
#include "libs/ledger/ledger_crypto.h"
#include "libs/ledger/ledger_keys.h"

namespace bridgework::ledger::ledger_internal {
namespace {

// Entries of ledgers written by earlier versions cover one record each
// ("bwchain1"); since then one entry covers every audited write of one
// atomic batch ("bwchain2"). Both verify; only v2 entries are written.
constexpr char kTagV1[] = "bwchain1";
constexpr char kTagV2[] = "bwchain2";
constexpr size_t kTagSize = 8;
constexpr size_t kHashSize = 32;
// Sorted, so that adoption and verification scan them in key order.
constexpr const char* kChainedPrefixes[] = {"ah/", "an/", "d/", "o/", "r/"};

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetU(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// One audited write as an entry names it: op ('P' put, 'D' delete) | key
// length (uint32 big-endian) | key | SHA-256(value) (32 zero bytes for a
// delete).
void AppendWrite(std::string* out, bool put, std::string_view key,
                 const std::optional<std::string>& value) {
  out->push_back(put ? 'P' : 'D');
  PutU32(out, static_cast<uint32_t>(key.size()));
  out->append(key);
  out->append(value.has_value() ? Sha256(*value)
                                : std::string(kHashSize, '\0'));
}

struct Write {
  bool put = true;
  std::string key;
  std::string digest;
};

struct Entry {
  int64_t seq = 0;
  std::vector<Write> writes;
  std::string canonical;
  std::string hash;
};

// Reads one write at `*at` of `v`, advancing `*at`; false when malformed.
bool DecodeWrite(std::string_view v, size_t* at, Write* w) {
  if (v.size() - *at < 1 + 4) return false;
  const char op = v[*at];
  if (op != 'P' && op != 'D') return false;
  const size_t key_size = GetU(v.substr(*at + 1, 4));
  if (v.size() - *at - 5 < key_size + kHashSize) return false;
  w->put = op == 'P';
  w->key = std::string(v.substr(*at + 5, key_size));
  w->digest = std::string(v.substr(*at + 5 + key_size, kHashSize));
  *at += 5 + key_size + kHashSize;
  return true;
}

// v1: tag | n | one write | hash(n); v2: tag | n | count (uint32) |
// `count` writes | hash(n).
std::optional<Entry> Decode(std::string_view v) {
  if (v.size() < kTagSize + 8 + kHashSize) return std::nullopt;
  const std::string_view tag = v.substr(0, kTagSize);
  const bool v2 = tag == kTagV2;
  if (!v2 && tag != kTagV1) return std::nullopt;
  const std::string_view body = v.substr(0, v.size() - kHashSize);
  Entry e;
  e.seq = static_cast<int64_t>(GetU(v.substr(kTagSize, 8)));
  size_t at = kTagSize + 8;
  size_t count = 1;
  if (v2) {
    if (body.size() < at + 4) return std::nullopt;
    count = GetU(body.substr(at, 4));
    at += 4;
    if (count == 0) return std::nullopt;
  }
  for (size_t i = 0; i < count; ++i) {
    Write w;
    if (!DecodeWrite(body, &at, &w)) return std::nullopt;
    e.writes.push_back(std::move(w));
  }
  if (at != body.size()) return std::nullopt;
  e.canonical = std::string(body);
  e.hash = std::string(v.substr(v.size() - kHashSize));
  return e;
}

std::string Head(int64_t seq, const std::string& hash) {
  std::string out;
  PutU64(&out, static_cast<uint64_t>(seq));
  out.append(hash);
  return out;
}

// The store key a DATA_LOSS status names (ledger_crypto.cc sets it), so a
// scan can go on after a value that does not decrypt.
std::optional<std::string> FailingKey(const absl::Status& s) {
  absl::optional<absl::Cord> key = s.GetPayload(kFailingKeyPayload);
  if (!key.has_value()) return std::nullopt;
  return std::string(*key);
}

// Scans [begin, end) forward; a value the store cannot read (DATA_LOSS
// naming its key) goes to `unreadable` and the scan resumes after it.
absl::Status ScanAll(
    KvStore* store, std::string begin, const std::string& end,
    const KvStore::Visitor& visit,
    const std::function<void(const std::string& key, std::string_view why)>&
        unreadable) {
  while (true) {
    absl::Status s = store->Scan(begin, end, false, visit);
    if (s.ok()) return s;
    std::optional<std::string> key = FailingKey(s);
    if (!absl::IsDataLoss(s) || !key.has_value()) return s;
    unreadable(*key, std::string_view(s.message().data(), s.message().size()));
    begin = *key;
    begin.push_back('\0');
  }
}

// Debian's Abseil has its own string_view.
absl::string_view A(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

std::string Printable(std::string_view key) { return absl::CHexEscape(A(key)); }

}  // namespace

bool Chained(std::string_view key) {
  for (const char* p : kChainedPrefixes) {
    if (key.substr(0, std::string_view(p).size()) == p) return true;
  }
  return false;
}

std::string ChainKey(int64_t seq) {
  return absl::StrFormat("%s%016x", kChainPrefix, static_cast<uint64_t>(seq));
}

absl::Status ChainWriter::Load(KvStore* store) {
  BW_ASSIGN_OR_RETURN(std::optional<std::string> head,
                      store->Get(kChainHeadKey));
  if (head.has_value()) {
    if (head->size() != 8 + kHashSize) {
      return absl::DataLossError("ledger: unreadable chain head");
    }
    seq_ = static_cast<int64_t>(GetU(std::string_view(*head).substr(0, 8)));
    hash_ = head->substr(8);
    return absl::OkStatus();
  }
  // No chain yet: chain the records already there, 1000 per batch.
  for (const char* prefix : kChainedPrefixes) {
    std::string begin = prefix;
    while (true) {
      KvBatch batch;
      std::string last;
      BW_RETURN_IF_ERROR(
          store->Scan(begin, PrefixEnd(prefix), false,
                      [&](std::string_view key, std::string_view value) {
                        batch.Put(std::string(key), std::string(value));
                        last = std::string(key);
                        return batch.entries().size() < 1000;
                      }));
      if (batch.empty()) break;
      KvBatch chained = Extend(std::move(batch));
      KvBatch only_chain;  // the records themselves stay as they are
      for (const KvBatch::Entry& e : chained.entries()) {
        if (!Chained(e.key)) only_chain.Put(e.key, *e.value);
      }
      // Synced, like every ledger write.
      BW_RETURN_IF_ERROR(store->Write(only_chain, Durability::kSynced));
      Commit();
      begin = last;
      begin.push_back('\0');
    }
  }
  return absl::OkStatus();
}

KvBatch ChainWriter::Extend(KvBatch batch) {
  // The entry appended below is not chained itself: walk only the caller's.
  std::string canonical;
  uint32_t count = 0;
  for (const KvBatch::Entry& e : batch.entries()) {
    if (!Chained(e.key)) continue;
    if (count++ == 0) {
      canonical.assign(kTagV2, kTagSize);
      PutU64(&canonical, static_cast<uint64_t>(seq_ + 1));
      PutU32(&canonical, 0);  // the count, set below
    }
    AppendWrite(&canonical, e.value.has_value(), e.key, e.value);
  }
  pending_seq_ = seq_;
  pending_hash_ = hash_;
  if (count == 0) return batch;
  for (int i = 0; i < 4; ++i) {
    canonical[kTagSize + 8 + i] = static_cast<char>(count >> (8 * (3 - i)));
  }
  pending_seq_ = seq_ + 1;
  pending_hash_ = Sha256(absl::StrCat(hash_, canonical));
  batch.Put(ChainKey(pending_seq_), absl::StrCat(canonical, pending_hash_));
  batch.Put(kChainHeadKey, Head(pending_seq_, pending_hash_));
  return batch;
}

void ChainWriter::Commit() {
  seq_ = pending_seq_;
  hash_ = pending_hash_;
}

absl::StatusOr<ChainVerdict> VerifyChain(KvStore* store) {
  ChainVerdict v;
  // The first problem: the chain's own (entries, head) before the
  // records' (a broken chain explains records that no longer match), then
  // by entry (0: none applies, sorts last).
  std::pair<bool, int64_t> best;
  bool records_phase = false;
  auto problem = [&](int64_t seq, const char* what, std::string detail) {
    ++v.problems;
    std::pair<bool, int64_t> order = {
        records_phase, seq > 0 ? seq : std::numeric_limits<int64_t>::max()};
    if (v.problems == 1 || order < best) {
      best = order;
      v.broken_seq = seq;
      v.problem = what;
      v.detail = std::move(detail);
    }
  };

  struct Latest {
    int64_t seq;
    bool put;
    std::string digest;
    bool seen = false;
  };
  std::unordered_map<std::string, Latest> latest;
  std::string prev(kHashSize, '\0');
  int64_t expected = 1;
  int64_t last = 0;
  // After an entry that could not be read the next one's link cannot be
  // checked (its predecessor's hash is unknown): that is one problem.
  bool resync = false;
  // The n of a chain key; 0 for a key of another shape.
  auto seq_of = [](std::string_view key) -> int64_t {
    std::string_view hex = key.substr(std::string_view(kChainPrefix).size());
    uint64_t at = 0;
    if (hex.size() != 16 || !absl::SimpleHexAtoi(A(hex), &at)) return 0;
    return static_cast<int64_t>(at);
  };
  auto walk = [&](std::string_view key, std::string_view value) {
    ++v.entries;
    const int64_t n = seq_of(key);
    if (n <= 0) {
      problem(0, "inserted",
              absl::StrCat("a chain key of another shape: ", Printable(key)));
      return true;
    }
    std::optional<Entry> e = Decode(value);
    if (!e.has_value()) {
      problem(n, "edited", absl::StrCat("chain entry ", n, " is unreadable"));
      expected = n + 1;
      last = n;
      resync = true;
      return true;
    }
    bool gap = resync;
    resync = false;
    if (n > expected) {
      problem(expected, "missing",
              n == expected + 1
                  ? absl::StrCat("chain entry ", expected, " is missing")
                  : absl::StrCat("chain entries ", expected, " to ", n - 1,
                                 " are missing"));
      gap = true;
    }
    bool broken = true;  // reported already: its keys are not checked
    if (e->seq != n) {
      problem(n, "reordered",
              absl::StrCat("chain entry ", e->seq, " is stored as entry ", n,
                           " (entries moved)"));
    } else if (!gap && Sha256(absl::StrCat(prev, e->canonical)) != e->hash) {
      problem(n, "edited",
              absl::StrCat(
                  "chain entry ", n, " (key ", Printable(e->writes.front().key),
                  e->writes.size() > 1
                      ? absl::StrCat(" and ", e->writes.size() - 1, " more")
                      : "",
                  ") does not follow from its content and entry ", n - 1,
                  "'s hash: one of them was edited"));
    } else {
      broken = false;
    }
    for (Write& w : e->writes) {
      if (!broken && !Chained(w.key)) {
        problem(n, "edited",
                absl::StrCat("chain entry ", n, " names key ", Printable(w.key),
                             ", which is not audited"));
      }
      // In write order: a later write of the same key in one batch wins,
      // as it does in the store.
      latest[w.key] = Latest{n, w.put, std::move(w.digest)};
    }
    prev = e->hash;
    expected = n + 1;
    last = n;
    return true;
  };
  // A sealed entry that fails authentication (edited, or moved: the key
  // is part of the seal).
  auto unreadable = [&](const std::string& key, std::string_view why) {
    ++v.entries;
    const int64_t n = seq_of(key);
    problem(n, "edited", std::string(why));
    if (n > 0) {
      expected = n + 1;
      last = n;
    }
    resync = true;
  };
  BW_RETURN_IF_ERROR(
      ScanAll(store, kChainPrefix, PrefixEnd(kChainPrefix), walk, unreadable));
  if (last > 0) v.head = absl::BytesToHexString(prev);

  // The head names the newest entry: entries cut off the end show here.
  absl::StatusOr<std::optional<std::string>> head = store->Get(kChainHeadKey);
  if (!head.ok() && !absl::IsDataLoss(head.status())) return head.status();
  if (!head.ok()) {
    problem(0, "edited", std::string(head.status().message()));
  } else if (!head->has_value()) {
    if (last > 0) problem(last + 1, "missing", "the chain head is missing");
  } else if ((*head)->size() != 8 + kHashSize) {
    problem(0, "edited", "the chain head is unreadable");
  } else {
    const int64_t head_seq =
        static_cast<int64_t>(GetU(std::string_view(**head).substr(0, 8)));
    if (head_seq > last) {
      problem(last + 1, "missing",
              absl::StrCat("chain entries ", last + 1, " to ", head_seq,
                           " (the newest) are missing"));
    } else if (head_seq < last) {
      problem(head_seq + 1, "inserted",
              absl::StrCat("chain entries ", head_seq + 1, " to ", last,
                           " are past the chain head"));
    } else if ((*head)->substr(8) != prev) {
      problem(last, "edited",
              absl::StrCat("the chain head does not match entry ", last));
    }
  }

  // Every audited record must hold what the newest entry for its key says.
  records_phase = true;
  for (const char* prefix : kChainedPrefixes) {
    auto check = [&](std::string_view key, std::string_view value) {
      ++v.records;
      auto it = latest.find(std::string(key));
      if (it == latest.end() || !it->second.put) {
        problem(0, "inserted",
                absl::StrCat("record ", Printable(key),
                             " is not in the chain (written outside the "
                             "auditor)"));
        return true;
      }
      it->second.seen = true;
      if (Sha256(value) != it->second.digest) {
        problem(it->second.seq, "edited",
                absl::StrCat("record ", Printable(key),
                             " no longer holds what chain entry ",
                             it->second.seq, " recorded"));
      }
      return true;
    };
    auto unreadable_record = [&](const std::string& key, std::string_view why) {
      ++v.records;
      auto it = latest.find(key);
      if (it != latest.end()) it->second.seen = true;
      problem(it != latest.end() ? it->second.seq : 0, "edited",
              std::string(why));
    };
    BW_RETURN_IF_ERROR(
        ScanAll(store, prefix, PrefixEnd(prefix), check, unreadable_record));
  }
  for (const auto& [key, l] : latest) {
    if (l.put && !l.seen) {
      problem(l.seq, "removed",
              absl::StrCat("record ", Printable(key),
                           ", written by chain entry ", l.seq, ", is gone"));
    }
  }
  v.ok = v.problems == 0;
  return v;
}

}  // namespace bridgework::ledger::ledger_internal
