#include "libs/proposer/shapes.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"
#include "libs/proposer/text.h"
#include "libs/record/value.h"

namespace bridgework::proposer {
namespace {

using discovery::Classify;
using discovery::NameHints;

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The field's hints with the tooth hint set: whether a value could be a
// tooth number is asked of every field.
NameHints WithTooth(const NameHints& hints) {
  NameHints h = hints;
  h.tooth = true;
  return h;
}

uint32_t KindsOfText(std::string_view text, const NameHints& hints,
                     std::string_view region) {
  return Classify(record::StringValue(text), hints, region);
}

// 09:30, 09:30:00, 9:30 AM.
bool IsTimeText(std::string_view s) {
  std::string t = absl::AsciiStrToLower(ToAbsl(s));
  if (absl::EndsWith(t, " am") || absl::EndsWith(t, " pm")) {
    t = t.substr(0, t.size() - 3);
  }
  std::vector<std::string> parts = absl::StrSplit(t, ':');
  if (parts.size() < 2 || parts.size() > 3) return false;
  for (const auto& p : parts) {
    if (p.empty() || p.size() > 2 || !AllDigits(p)) return false;
  }
  int h = 0, m = 0;
  return absl::SimpleAtoi(parts[0], &h) && absl::SimpleAtoi(parts[1], &m) &&
         h < 24 && m < 60;
}

bool IsCptToken(std::string_view t) {
  // 99213, 99213-25 (a modifier), 0001F / 0075T (categories II and III).
  std::string_view base = t.substr(0, t.find('-'));
  if (base.size() != 5) return false;
  if (AllDigits(base)) return true;
  return AllDigits(base.substr(0, 4)) && (base[4] == 'F' || base[4] == 'T');
}

bool IsIcd10Token(std::string_view t) {
  // A letter (not U), a digit, a letter or digit, then an optional
  // ".x{1,4}": K02.52, Z01.20, M54.5, S06.0X1A.
  if (t.size() < 3 || t.size() > 8) return false;
  char a = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  if (a < 'A' || a > 'Z' || a == 'U') return false;
  if (!std::isdigit(static_cast<unsigned char>(t[1]))) return false;
  if (!std::isalnum(static_cast<unsigned char>(t[2]))) return false;
  if (t.size() == 3) return true;
  if (t[3] != '.' || t.size() < 5) return false;
  for (char c : t.substr(4)) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Every token of a list ("11,12,21", "D0120 D1110", "K02.52; Z01.20")
// satisfies `pred`. Single values count: a list of one.
template <typename Pred>
bool AllTokens(std::string_view s, Pred pred) {
  std::vector<absl::string_view> tokens =
      absl::StrSplit(ToAbsl(s), absl::ByAnyChar(",;/| "), absl::SkipEmpty());
  if (tokens.empty() || tokens.size() > 32) return false;
  for (absl::string_view t : tokens) {
    if (!pred(FromAbsl(t))) return false;
  }
  return true;
}

bool IsPersonNameText(std::string_view s) {
  std::vector<absl::string_view> words =
      absl::StrSplit(ToAbsl(s), ' ', absl::SkipEmpty());
  if (words.empty() || words.size() > 3) return false;
  for (absl::string_view w : words) {
    std::string folded = FoldToAscii(FromAbsl(w));
    if (folded.size() < 2) return false;
    // The first letter capitalised in the original; letters, ' and - only.
    const auto first = static_cast<unsigned char>(w[0]);
    if (first < 0x80 && !std::isupper(first)) return false;
    for (char c : folded) {
      if (!std::isalpha(static_cast<unsigned char>(c)) && c != '\'' &&
          c != '-') {
        return false;
      }
    }
  }
  return true;
}

bool IsHtmlText(std::string_view s) {
  size_t lt = s.find('<');
  if (lt == std::string_view::npos || lt + 1 >= s.size()) return false;
  char next = s[lt + 1];
  return (std::isalpha(static_cast<unsigned char>(next)) || next == '/') &&
         s.find('>', lt) != std::string_view::npos;
}

void Set(ShapeSet& out, Shape s) { out[static_cast<int>(s)] = true; }

// discovery's kinds as shapes.
void AddKinds(uint32_t kinds, ShapeSet& out) {
  if (kinds & discovery::kKindEmail) Set(out, Shape::kEmail);
  if (kinds & discovery::kKindPhone) Set(out, Shape::kPhone);
  if (kinds & discovery::kKindDate) {
    Set(out, Shape::kDate);
  } else if (kinds & discovery::kKindTimestamp) {
    Set(out, Shape::kDateTime);
  }
  if (kinds & discovery::kKindInt) Set(out, Shape::kInteger);
  if (kinds & discovery::kKindDecimal) Set(out, Shape::kDecimal);
  if (kinds & discovery::kKindMoney) Set(out, Shape::kMoney);
  if (kinds & discovery::kKindBool) Set(out, Shape::kBool);
  if (kinds & discovery::kKindToothNumber) Set(out, Shape::kToothNumber);
  if (kinds & discovery::kKindProcedureCode) Set(out, Shape::kCdtCode);
}

}  // namespace

const char* ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kEmail:
      return "email";
    case Shape::kPhone:
      return "phone";
    case Shape::kDate:
      return "date";
    case Shape::kDateTime:
      return "date-time";
    case Shape::kTime:
      return "time";
    case Shape::kMoney:
      return "money";
    case Shape::kDecimal:
      return "decimal";
    case Shape::kInteger:
      return "integer";
    case Shape::kBool:
      return "yes/no";
    case Shape::kToothNumber:
      return "tooth numbers";
    case Shape::kCdtCode:
      return "CDT codes";
    case Shape::kIcd10Code:
      return "ICD-10 codes";
    case Shape::kCptCode:
      return "CPT codes";
    case Shape::kUrl:
      return "web address";
    case Shape::kHtml:
      return "HTML";
    case Shape::kLongText:
      return "long text";
    case Shape::kPersonName:
      return "names";
    case Shape::kCount:
      break;
  }
  return "?";
}

Shape ShapeProfile::Dominant(double* share_out) const {
  int best = 0;
  for (int i = 1; i < kShapeCount; ++i) {
    if (share[i] > share[best]) best = i;
  }
  if (share_out) *share_out = share[best];
  return static_cast<Shape>(best);
}

ShapeSet ShapesOfText(std::string_view text, const NameHints& hints,
                      std::string_view phone_region) {
  ShapeSet out{};
  std::string_view v = FromAbsl(absl::StripAsciiWhitespace(ToAbsl(text)));
  if (v.empty()) return out;
  const NameHints tooth_hints = WithTooth(hints);
  AddKinds(KindsOfText(v, tooth_hints, phone_region), out);
  // Lists of codes or teeth: every token fits (a tooth range "11-13" is
  // two teeth).
  auto kind_token = [&](uint32_t kind) {
    return [&, kind](std::string_view t) {
      return (KindsOfText(t, tooth_hints, phone_region) & kind) != 0;
    };
  };
  if (!out[static_cast<int>(Shape::kCdtCode)] &&
      AllTokens(v, kind_token(discovery::kKindProcedureCode))) {
    Set(out, Shape::kCdtCode);
  }
  if (!out[static_cast<int>(Shape::kToothNumber)]) {
    auto tooth = kind_token(discovery::kKindToothNumber);
    if (AllTokens(v, [&](std::string_view t) {
          size_t dash = t.find('-');
          if (dash == std::string_view::npos) return tooth(t);
          return tooth(t.substr(0, dash)) && tooth(t.substr(dash + 1));
        })) {
      Set(out, Shape::kToothNumber);
    }
  }
  if (AllTokens(v, IsIcd10Token)) Set(out, Shape::kIcd10Code);
  if (AllTokens(v, IsCptToken)) Set(out, Shape::kCptCode);
  if (IsTimeText(v)) Set(out, Shape::kTime);
  if (absl::StartsWithIgnoreCase(ToAbsl(v), "http://") ||
      absl::StartsWithIgnoreCase(ToAbsl(v), "https://") ||
      absl::StartsWithIgnoreCase(ToAbsl(v), "www.")) {
    Set(out, Shape::kUrl);
  }
  if (IsHtmlText(v)) Set(out, Shape::kHtml);
  if (v.size() >= 60 || v.find('\n') != std::string_view::npos) {
    Set(out, Shape::kLongText);
  }
  if (IsPersonNameText(v)) Set(out, Shape::kPersonName);
  return out;
}

ShapeSet ShapesOf(const v1::Value& value, const NameHints& hints,
                  std::string_view phone_region) {
  switch (value.kind_case()) {
    case v1::Value::kStringValue:
      return ShapesOfText(value.string_value(), hints, phone_region);
    case v1::Value::kListValue: {
      ShapeSet all{};
      bool first = true;
      for (const v1::Value& e : value.list_value().values()) {
        ShapeSet one = ShapesOf(e, hints, phone_region);
        for (int i = 0; i < kShapeCount; ++i) {
          all[i] = first ? one[i] : (all[i] && one[i]);
        }
        first = false;
      }
      return all;
    }
    default: {
      ShapeSet out{};
      AddKinds(Classify(value, WithTooth(hints), phone_region), out);
      return out;
    }
  }
}

ShapeProfile ProfileShapes(std::string_view declared_type,
                           const std::vector<v1::Value>& values,
                           long long records, long long non_empty,
                           long long distinct, const NameHints& hints,
                           std::string_view phone_region) {
  ShapeProfile p;
  p.examined = static_cast<int>(values.size());
  p.fill = records > 0 ? static_cast<double>(non_empty) / records : 0;
  std::array<int, kShapeCount> counts{};
  for (const v1::Value& v : values) {
    ShapeSet shapes = ShapesOf(v, hints, phone_region);
    for (int i = 0; i < kShapeCount; ++i) counts[i] += shapes[i] ? 1 : 0;
  }
  for (int i = 0; i < kShapeCount; ++i) {
    p.share[i] = values.empty() ? 0
                                : static_cast<double>(counts[i]) /
                                      static_cast<double>(values.size());
  }
  auto declare = [&](Shape s) { p.share[static_cast<int>(s)] = 1.0; };
  if (declared_type == "date") declare(Shape::kDate);
  if (declared_type == "timestamp") declare(Shape::kDateTime);
  if (declared_type == "money") declare(Shape::kMoney);
  if (declared_type == "decimal") declare(Shape::kDecimal);
  if (declared_type == "int") declare(Shape::kInteger);
  if (declared_type == "bool") declare(Shape::kBool);
  // A pick list: at most 12 distinct values, each seen three times on
  // average; or two or three values over a sample of 6 or more.
  p.enum_like = distinct > 0 && non_empty >= 6 &&
                ((distinct <= 12 && non_empty >= 3 * distinct) ||
                 (distinct <= 3 && non_empty >= 2 * distinct));
  p.unique = non_empty >= 5 && distinct >= non_empty;
  return p;
}

}  // namespace bridgework::proposer
