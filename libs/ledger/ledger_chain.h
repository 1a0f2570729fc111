// The ledger's hash chain (docs/ledger.md "Hash chain"): every write of an
// audited record (runs r/, operations o/, dispositions d/, map approvals
// ah/ and an/) appends a chain entry in the same atomic batch, so that
// editing, removing, inserting or reordering anything the audit trail shows
// is detectable by VerifyChain.
//
// Entry n (n = 1, 2, ...; stored at h/<n as 16 hex digits>) covers every
// audited write of one atomic batch, in batch order:
//   write        = op ('P' put, 'D' delete) | key length (uint32
//                  big-endian) | key | SHA-256(value) (32 zero bytes for
//                  a delete)
//   canonical(n) = "bwchain2" | n (uint64 big-endian) | count (uint32
//                  big-endian) | count writes
//   hash(n)      = SHA-256(hash(n-1) | canonical(n)), hash(0) = 32 zero
//                  bytes
//   stored value = canonical(n) | hash(n)
// Ledgers written by earlier versions hold "bwchain1" entries, one write
// each and no count (canonical = "bwchain1" | n | write); they verify as
// they are and new entries follow them in the same chain.
// meta/chain_head holds the last entry's n (uint64 big-endian) and hash,
// written in the same batch. The hashed value is the plaintext value, so
// the chain reads the same with or without at-rest encryption.
//
// Thread safety: ChainWriter is not thread-safe (the ledger appends under
// its writer mutex, which gives the chain its one order); VerifyChain only
// reads.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_CHAIN_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_CHAIN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/ledger/kv_store.h"

namespace bridgework::ledger {

// What VerifyChain found.
struct ChainVerdict {
  bool ok = false;
  int64_t entries = 0;  // chain entries walked
  int64_t records = 0;  // audited records checked against the chain
  std::string head;     // hex hash of the last entry ("" when none)
  // When !ok: the first problem in chain order.
  int64_t broken_seq = 0;  // the entry concerned (0: none applies)
  // "edited", "missing", "reordered", "removed", "inserted".
  std::string problem;
  std::string detail;    // one sentence naming the key or entry
  int64_t problems = 0;  // how many were found in all
};

namespace ledger_internal {

inline constexpr char kChainPrefix[] = "h/";
inline constexpr char kChainHeadKey[] = "meta/chain_head";

// True for the keys whose writes the chain records.
bool Chained(std::string_view key);

// h/<seq: 16 hex digits>
std::string ChainKey(int64_t seq);

// Appends chain entries for a batch's audited writes.
class ChainWriter {
 public:
  // Reads meta/chain_head. When the store holds audited records but no
  // chain (a ledger written before the chain existed), chains them first,
  // in key order, one entry per 1000 records ("adopted": their history before
  // this point is not covered). DATA_LOSS for an unreadable head.
  absl::Status Load(KvStore* store);

  // `batch` with one chain entry for its audited puts and deletes (in
  // batch order; none when it has none) and the new head appended; Commit()
  // after the batch is written makes the new head current. Without Commit (the
  // write failed) the next Extend starts from the old head again. Takes the
  // batch (callers move it in) so that its values are not copied.
  KvBatch Extend(KvBatch batch);
  void Commit();

  int64_t seq() const { return seq_; }

 private:
  int64_t seq_ = 0;
  std::string hash_ = std::string(32, '\0');
  int64_t pending_seq_ = 0;
  std::string pending_hash_;
};

// Walks the chain and checks every audited record against the newest entry
// that wrote its key. Errors only when the store cannot be read; a broken
// chain or a value that fails to decrypt is a verdict, not an error.
// Memory: one entry (key and digest) per audited record.
absl::StatusOr<ChainVerdict> VerifyChain(KvStore* store);

}  // namespace ledger_internal
}  // namespace bridgework::ledger

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_CHAIN_H_
