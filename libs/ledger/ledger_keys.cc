#include "libs/ledger/ledger_keys.h"

#include <cstdio>

namespace bridgework::ledger::ledger_internal {
namespace {

// Appends `s` escaped (EscapeComponent) to `out`; most components need no
// escaping and are appended whole (keys are built for every ledger call).
void AppendEscaped(std::string_view s, std::string* out) {
  size_t from = 0;
  for (size_t at = s.find_first_of("%/"); at != std::string_view::npos;
       at = s.find_first_of("%/", from)) {
    out->append(s.substr(from, at - from));
    out->append(s[at] == '%' ? "%25" : "%2F");
    from = at + 1;
  }
  out->append(s.substr(from));
}

std::string Join(std::initializer_list<std::string_view> head,
                 std::initializer_list<std::string_view> escaped) {
  size_t size = escaped.size();
  for (std::string_view h : head) size += h.size();
  for (std::string_view e : escaped) size += e.size();
  std::string out;
  out.reserve(size);
  for (std::string_view h : head) out.append(h);
  bool first = true;
  for (std::string_view e : escaped) {
    if (!first) out.push_back('/');
    first = false;
    AppendEscaped(e, &out);
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string EscapeComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendEscaped(s, &out);
  return out;
}

std::string UnescapeComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 &&
        HexDigit(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

std::string RunKey(std::string_view run_id) {
  return Join({kRunPrefix}, {run_id});
}

std::string OpPrefix(std::string_view run_id) {
  return Join({"o/"}, {run_id}) + "/";
}

std::string Hex16(int64_t n) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(n));
  return hex;
}

std::string OpKey(std::string_view run_id, int64_t seq) {
  return OpPrefix(run_id) + Hex16(seq);
}

std::string PendingKey(std::string_view account, std::string_view source_object,
                       std::string_view source_key,
                       std::string_view target_object) {
  return Join({"i/"}, {account, source_object, source_key, target_object});
}

std::string PendingKeyOf(std::string_view map_key) {
  return std::string("i/").append(map_key.substr(2));
}

std::string MapKeyOf(std::string_view pending_key) {
  return std::string("m/").append(pending_key.substr(2));
}

std::string MapKey(std::string_view account, std::string_view source_object,
                   std::string_view source_key,
                   std::string_view target_object) {
  return Join({"m/"}, {account, source_object, source_key, target_object});
}

std::string MapPrefix(std::string_view account,
                      std::string_view source_object) {
  if (source_object.empty()) return Join({"m/"}, {account}) + "/";
  return Join({"m/"}, {account, source_object}) + "/";
}

std::optional<MapKeyParts> ParseMapKey(std::string_view key) {
  if (key.substr(0, 2) != "m/") return std::nullopt;
  key.remove_prefix(2);
  std::string parts[4];
  for (int i = 0; i < 4; ++i) {
    size_t slash = key.find('/');
    if ((slash == std::string_view::npos) != (i == 3)) return std::nullopt;
    parts[i] = UnescapeComponent(key.substr(0, slash));
    if (i < 3) key.remove_prefix(slash + 1);
  }
  return MapKeyParts{std::move(parts[0]), std::move(parts[1]),
                     std::move(parts[2]), std::move(parts[3])};
}

std::string DispositionPrefix(std::string_view run_id) {
  return Join({"d/"}, {run_id}) + "/";
}

std::string DispositionKey(std::string_view run_id,
                           std::string_view source_object,
                           std::string_view source_key) {
  return Join({"d/"}, {run_id, source_object, source_key});
}

std::string StatsPrefix(std::string_view run_id) {
  return Join({"x/"}, {run_id}) + "/";
}

std::string StatsKey(std::string_view run_id, std::string_view source_object) {
  return Join({"x/"}, {run_id, source_object});
}

std::string RequestsKey(std::string_view run_id) {
  return Join({"q/"}, {run_id});
}

std::string ApprovalKey(std::string_view map_hash) {
  return Join({"ah/"}, {map_hash});
}

std::string ApprovalNameKey(std::string_view map_name) {
  return Join({"an/"}, {map_name});
}

std::string CursorKey(std::string_view account,
                      std::string_view source_object) {
  return Join({"c/"}, {account, source_object});
}

}  // namespace bridgework::ledger::ledger_internal
