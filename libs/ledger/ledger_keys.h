// Key layout of the ledger (docs/ledger.md). Every key starts with a short
// prefix naming its table; components that come from callers (run ids,
// accounts, object names, source keys) are escaped so that they never
// contain '/', which keeps every prefix exact.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_KEYS_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgework::ledger::ledger_internal {

// '%' -> "%25", '/' -> "%2F"; everything else as is. Reversible.
std::string EscapeComponent(std::string_view s);
std::string UnescapeComponent(std::string_view s);

// The smallest string greater than every string that starts with
// `prefix`; "" when there is none (a prefix of only 0xff bytes).
std::string PrefixEnd(std::string_view prefix);

// Format marker, checked on open. v2 (since the eighteenth session): the
// records' pending intents are not stored as `i/` markers but follow from
// the operations from `meta/pending_from` on; Load upgrades a v1 ledger
// (its `i/` markers stay until their intents are settled or replaced), and
// a build that knows only v1 refuses a v2 ledger rather than miss its
// pending intents. v3 (since the nineteenth session): id-map entries keep
// no `written` of their own but name the operation that holds it; Load
// upgrades v1 and v2 ledgers (their entries keep theirs, still read), and
// a build that knows only v2 refuses a v3 ledger rather than read its
// entries as having written nothing.
inline constexpr char kFormatKey[] = "meta/format";
inline constexpr char kFormat[] = "bridgework.ledger/v3";
inline constexpr char kFormatV2[] = "bridgework.ledger/v2";
inline constexpr char kFormatV1[] = "bridgework.ledger/v1";
// Int64Value: no operation with a smaller seq is any record's pending
// intent (docs/ledger.md, "Pending intents").
inline constexpr char kPendingFromKey[] = "meta/pending_from";
// The prefix of the pending markers of v1 ledgers.
inline constexpr char kPendingPrefix[] = "i/";
// Counters (google.protobuf.Int64Value): the last run number and the last
// operation sequence number handed out.
inline constexpr char kLastRunKey[] = "meta/last_run";
inline constexpr char kLastSeqKey[] = "meta/last_seq";

// r/<run> -> RunInfo
inline constexpr char kRunPrefix[] = "r/";
std::string RunKey(std::string_view run_id);

// o/<run>/<seq: 16 hex digits> -> Operation
std::string OpPrefix(std::string_view run_id);
std::string OpKey(std::string_view run_id, int64_t seq);

// (s/<seq> -> Operation{run_id, seq}: a seq index written by ledgers
// before the sixteenth session; no longer written or read. Such keys stay
// in old ledgers, unused.)

// i/<account>/<source_object>/<source_key>/<target_object> -> Operation
// (run_id, seq, kind): the pending intent of a record.
std::string PendingKey(std::string_view account, std::string_view source_object,
                       std::string_view source_key,
                       std::string_view target_object);

// m/<account>/<source_object>/<source_key>/<target_object> -> Operation
// (crm_id, fingerprint, run_id, seq, kind, external_key): the id map.
std::string MapKey(std::string_view account, std::string_view source_object,
                   std::string_view source_key, std::string_view target_object);
// The same record's other key: PendingKey <-> MapKey (they differ only in
// the table prefix).
std::string PendingKeyOf(std::string_view map_key);
std::string MapKeyOf(std::string_view pending_key);
// m/<account>/, or m/<account>/<source_object>/ when `source_object` is not
// empty: the prefix of an account's (or one object's) id-map keys.
std::string MapPrefix(std::string_view account,
                      std::string_view source_object = {});
// The components of an id-map key, unescaped.
struct MapKeyParts {
  std::string account;
  std::string source_object;
  std::string source_key;
  std::string target_object;
};
// nullopt for a key that is not m/ followed by four components.
std::optional<MapKeyParts> ParseMapKey(std::string_view key);

// d/<run>/<source_object>/<source_key> -> Disposition
std::string DispositionPrefix(std::string_view run_id);
std::string DispositionKey(std::string_view run_id,
                           std::string_view source_object,
                           std::string_view source_key);

// x/<run>/<source_object> -> ObjectStats
std::string StatsPrefix(std::string_view run_id);
std::string StatsKey(std::string_view run_id, std::string_view source_object);

// q/<run> -> google.protobuf.Int64Value: CRM requests of the run.
std::string RequestsKey(std::string_view run_id);

// ah/<map hash> -> MapApproval of that content.
std::string ApprovalKey(std::string_view map_hash);
// an/<map name> -> the newest MapApproval recorded under that name.
std::string ApprovalNameKey(std::string_view map_name);

// c/<account>/<source_object> -> Cursor
std::string CursorKey(std::string_view account, std::string_view source_object);

}  // namespace bridgework::ledger::ledger_internal

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_KEYS_H_
