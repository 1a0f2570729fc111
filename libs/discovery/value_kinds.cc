#include "libs/discovery/value_kinds.h"

#include <phonenumbers/phonenumberutil.h>

#include <cctype>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libs/common/strings.h"
#include "libs/mapping/transform.h"
#include "libs/record/tooth.h"
#include "libs/record/value.h"

namespace bridgework::discovery {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}

// Lower-case tokens of a field name: split at '_', '-', ' ', '.' and at
// lower-to-upper case changes ("WirelessPhone" -> wireless, phone).
std::vector<std::string> NameTokens(std::string_view name) {
  std::vector<std::string> tokens;
  std::string cur;
  char prev = 0;
  for (char c : name) {
    if (c == '_' || c == '-' || c == ' ' || c == '.') {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      if (absl::ascii_isupper(static_cast<unsigned char>(c)) &&
          absl::ascii_islower(static_cast<unsigned char>(prev)) &&
          !cur.empty()) {
        tokens.push_back(cur);
        cur.clear();
      }
      cur.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
    prev = c;
  }
  if (!cur.empty()) tokens.push_back(cur);
  return tokens;
}

// Digits of a text, and whether every character is a digit or one of
// `allowed`.
int CountDigits(std::string_view t, std::string_view allowed, bool* only) {
  int digits = 0;
  *only = true;
  for (char c : t) {
    if (IsDigit(c)) {
      ++digits;
    } else if (allowed.find(c) == std::string_view::npos) {
      *only = false;
    }
  }
  return digits;
}

bool AllDigits(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

bool ValidDay(int y, int m, int d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max = kDays[m - 1] + (m == 2 && leap ? 1 : 0);
  return d <= max;
}

// A tooth in either numbering (the field's name says it holds teeth).
bool IsToothText(std::string_view t) {
  return record::IsToothNumber(t, record::ToothNumbering::kUniversal) ||
         record::IsToothNumber(t, record::ToothNumbering::kFdi);
}

bool IsProcedureCode(std::string_view t) {
  if (t.size() != 5 || t[0] != 'D') return false;
  return AllDigits(t.substr(1));
}

bool IsIntText(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  return !t.empty() && t.size() <= 18 && AllDigits(t);
}

constexpr std::string_view kCurrencySymbols[] = {"$", "\xE2\x82\xAC",
                                                 "\xC2\xA3", "\xE2\x82\xBA"};

uint32_t ClassifyText(std::string_view raw, const NameHints& hints,
                      std::string_view region) {
  std::string_view t = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(raw)));
  if (t.empty()) return 0;
  uint32_t kinds = 0;
  std::string lower(t);
  absl::AsciiStrToLower(&lower);
  if (lower == "true" || lower == "false" || lower == "yes" || lower == "no" ||
      lower == "y" || lower == "n") {
    kinds |= kKindBool;
  }
  if (IsProcedureCode(t)) kinds |= kKindProcedureCode;
  if (hints.tooth && IsToothText(t)) kinds |= kKindToothNumber;
  if (ParseLooseDate(t).has_value()) kinds |= kKindDate;
  if (record::ParseTimestamp(t, "UTC").ok()) kinds |= kKindTimestamp;
  if (t.find('@') != std::string_view::npos &&
      mapping::NormalizeEmail(t).has_value()) {
    kinds |= kKindEmail;
  }
  bool only = false;
  int digits = CountDigits(t, " +-().", &only);
  bool formatted = t[0] == '+' || t.find('(') != std::string_view::npos ||
                   t.find('-') != std::string_view::npos ||
                   t.find(' ') != std::string_view::npos;
  if (only && digits >= 7 && digits <= 15 &&
      (hints.phone || (formatted && digits >= 10)) &&
      mapping::NormalizePhone(t, region).has_value()) {
    kinds |= kKindPhone;
  }
  if (IsIntText(t)) kinds |= kKindInt;
  if (record::ParseDecimal(t, "").ok()) kinds |= kKindDecimal;
  for (std::string_view sym : kCurrencySymbols) {
    if (absl::StartsWith(ToAbsl(t), ToAbsl(sym)) &&
        record::ParseDecimal(t.substr(sym.size()), "").ok()) {
      kinds |= kKindMoney | kKindDecimal;
    }
  }
  return kinds;
}

// Length in bytes of the UTF-8 sequence starting with `c` (1 for a stray
// continuation byte).
size_t Utf8Len(unsigned char c) {
  return c < 0x80           ? 1
         : (c >> 5) == 0x6  ? 2
         : (c >> 4) == 0xE  ? 3
         : (c >> 3) == 0x1E ? 4
                            : 1;
}

// Each word (a run of letters and digits; any non-ASCII character counts
// as a letter) keeps its first character; the rest become '*'. A word of
// one character becomes '*'. At most kMaxMasked characters are written.
std::string MaskWords(std::string_view t) {
  constexpr int kMaxMasked = 40;
  std::string out;
  int written = 0;
  bool in_word = false;
  std::string first;  // first character of the current word
  int word_len = 0;
  auto flush_word = [&]() {
    if (!in_word) return;
    if (word_len == 1) {
      out.push_back('*');
    } else {
      out += first;
      out.append(word_len - 1, '*');
    }
    in_word = false;
  };
  size_t i = 0;
  while (i < t.size() && written < kMaxMasked) {
    const auto c = static_cast<unsigned char>(t[i]);
    size_t len = std::min(Utf8Len(c), t.size() - i);
    bool word_char = c >= 0x80 || IsAsciiAlnum(static_cast<char>(c));
    if (word_char) {
      if (!in_word) {
        in_word = true;
        first = std::string(t.substr(i, len));
        word_len = 0;
      }
      ++word_len;
    } else {
      flush_word();
      out.push_back(static_cast<char>(c));
    }
    ++written;
    i += len;
  }
  flush_word();
  if (i < t.size()) out += "\xE2\x80\xA6";  // ellipsis
  return out;
}

// The digits of the first run of four digits kept, every other digit '*'.
std::string MaskDate(std::string_view t) {
  std::string out(t);
  size_t year = std::string::npos;
  for (size_t i = 0; i + 4 <= t.size(); ++i) {
    if (AllDigits(t.substr(i, 4)) &&
        (i + 4 == t.size() || !IsDigit(t[i + 4])) &&
        (i == 0 || !IsDigit(t[i - 1]))) {
      year = i;
      break;
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (year != std::string::npos && i >= year && i < year + 4) continue;
    // ISO 8601's 'T' between date and time, and 'Z' after the time, carry
    // nothing about the value.
    bool digit_before = i > 0 && IsDigit(t[i - 1]);
    bool digit_after = i + 1 < t.size() && IsDigit(t[i + 1]);
    if (t[i] == 'T' && digit_before && digit_after) continue;
    if (t[i] == 'Z' && digit_before && i + 1 == t.size()) continue;
    if (IsAsciiAlnum(out[i])) out[i] = '*';
  }
  return out;
}

// "a***@g****.com".
std::string MaskEmail(std::string_view t) {
  std::string e(absl::StripAsciiWhitespace(ToAbsl(t)));
  size_t at = e.rfind('@');
  if (at == std::string::npos || at == 0) return MaskWords(t);
  std::string_view local = std::string_view(e).substr(0, at);
  std::string_view domain = std::string_view(e).substr(at + 1);
  size_t dot = domain.rfind('.');
  std::string_view host =
      dot == std::string_view::npos ? domain : domain.substr(0, dot);
  std::string out(local.substr(0, Utf8Len(local[0])));
  out += "***@";
  if (!host.empty()) out += std::string(host.substr(0, Utf8Len(host[0])));
  out += "****";
  if (dot != std::string_view::npos) out += std::string(domain.substr(dot));
  return out;
}

// "+90 *** *** **12": the country code, then the national number with all
// but its last two digits hidden, in groups of three.
std::string MaskPhone(std::string_view t, std::string_view region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(t), std::string(region), &number) !=
          PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number)) {
    return MaskWords(t);
  }
  std::string national;
  util.GetNationalSignificantNumber(number, &national);
  std::string out = "+" + std::to_string(number.country_code());
  const size_t n = national.size();
  for (size_t i = 0; i < n; ++i) {
    if (i % 3 == 0 && (n - i > 1 || i == 0)) out.push_back(' ');
    out.push_back(i + 2 >= n ? national[i] : '*');
  }
  return out;
}

}  // namespace

const char* KindName(ValueKind kind) {
  switch (kind) {
    case kKindBool:
      return "bool";
    case kKindProcedureCode:
      return "procedure_code";
    case kKindToothNumber:
      return "tooth_number";
    case kKindDate:
      return "date";
    case kKindTimestamp:
      return "timestamp";
    case kKindEmail:
      return "email";
    case kKindPhone:
      return "phone";
    case kKindInt:
      return "int";
    case kKindMoney:
      return "money";
    case kKindDecimal:
      return "decimal";
    case kKindList:
      return "list";
  }
  return "free_text";
}

NameHints HintsFor(std::string_view field_name) {
  NameHints h;
  std::vector<std::string> tokens = NameTokens(field_name);
  bool ext = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    absl::string_view a(t);
    if (absl::StrContains(a, "email") ||
        (t == "e" && i + 1 < tokens.size() && tokens[i + 1] == "mail")) {
      h.email = true;
    }
    if (absl::StrContains(a, "phone") || t == "mobile" || t == "cell" ||
        t == "fax" || t == "tel" || t == "gsm" || t == "wireless") {
      h.phone = true;
    }
    if (absl::StrContains(a, "mobile") || t == "cell" || t == "cellphone" ||
        t == "gsm" || t == "wireless") {
      h.mobile = true;
    }
    if (t == "ext" || t == "extension") ext = true;
    if (absl::StrContains(a, "birth") || t == "dob") h.birth = true;
    if (t == "date" || absl::StartsWith(a, "date") ||
        absl::EndsWith(a, "date") || t == "dob" ||
        absl::StrContains(a, "birth") ||
        (t == "on" && i + 1 == tokens.size() && i > 0)) {
      h.date = true;
    }
    if (absl::StrContains(a, "tooth") || absl::StrContains(a, "teeth")) {
      h.tooth = true;
    }
    if (t == "emergency" || t == "guardian" || t == "spouse" || t == "kin") {
      h.other_person = true;
    }
  }
  if (ext) {
    h.phone = false;
    h.mobile = false;
  }
  return h;
}

uint32_t Classify(const v1::Value& value, const NameHints& hints,
                  std::string_view phone_region) {
  switch (value.kind_case()) {
    case v1::Value::kStringValue:
      return ClassifyText(value.string_value(), hints, phone_region);
    case v1::Value::kIntValue: {
      uint32_t k = kKindInt;
      int64_t n = value.int_value();
      if (hints.tooth && n >= 1 && n <= 85 && IsToothText(std::to_string(n))) {
        k |= kKindToothNumber;
      }
      return k;
    }
    case v1::Value::kDecimalValue:
      return kKindDecimal |
             (value.decimal_value().currency().empty() ? 0u : kKindMoney);
    case v1::Value::kBoolValue:
      return kKindBool;
    case v1::Value::kDateValue:
      return kKindDate;
    case v1::Value::kTimestampValue:
      return kKindTimestamp;
    case v1::Value::kListValue:
      return kKindList;
    default:
      return 0;
  }
}

std::string MaskText(std::string_view text, uint32_t kinds,
                     std::string_view phone_region) {
  std::string out;
  if (kinds & kKindEmail) {
    out = MaskEmail(text);
  } else if (kinds & kKindPhone) {
    out = MaskPhone(text, phone_region);
  } else if (kinds & (kKindDate | kKindTimestamp)) {
    out = MaskDate(text);
  } else {
    out = MaskWords(text);
  }
  // The contract: never the value, never containing it. A value with no
  // letters or digits cannot be masked by its look: nothing is shown.
  std::string_view trimmed = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(text)));
  if (trimmed.empty() || out.find(trimmed) != std::string::npos ||
      out.find(text) != std::string::npos) {
    return "";
  }
  return out;
}

std::string MaskValue(const v1::Value& value, uint32_t kinds,
                      std::string_view phone_region) {
  if (record::IsNull(value)) return "";
  return MaskText(record::ValueToText(value), kinds, phone_region);
}

std::optional<v1::Date> ParseLooseDate(std::string_view raw) {
  std::string_view t = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(raw)));
  auto iso = record::ParseDate(t);
  if (iso.ok()) return *iso;
  if (t.size() != 10) return std::nullopt;
  char sep = t[2];
  if ((sep != '/' && sep != '.') || t[5] != sep) return std::nullopt;
  std::string_view a = t.substr(0, 2), b = t.substr(3, 2), y = t.substr(6, 4);
  if (!AllDigits(a) || !AllDigits(b) || !AllDigits(y)) return std::nullopt;
  int first = std::stoi(std::string(a)), second = std::stoi(std::string(b));
  int year = std::stoi(std::string(y));
  int month = sep == '/' ? first : second;
  int day = sep == '/' ? second : first;
  if (!ValidDay(year, month, day)) return std::nullopt;
  v1::Date d;
  d.set_year(year);
  d.set_month(month);
  d.set_day(day);
  return d;
}

uint64_t StableHash(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  h += 0x9E3779B97F4A7C15ULL;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
  return h ^ (h >> 31);
}

}  // namespace bridgework::discovery
