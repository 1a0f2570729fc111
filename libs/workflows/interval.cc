#include "libs/workflows/interval.h"

#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"

namespace bridgework::workflows {
namespace {

// "10:00" or "7:05" -> "10:00" / "07:05"; nullopt otherwise.
std::optional<std::string> TimeOfDay(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 ||
      s.size() != colon + 3) {
    return std::nullopt;
  }
  int h = 0, m = 0;
  if (!absl::SimpleAtoi(ToAbsl(s.substr(0, colon)), &h) ||
      !absl::SimpleAtoi(ToAbsl(s.substr(colon + 1)), &m) ||
      !std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[colon + 1])) || h < 0 ||
      h > 23 || m < 0 || m > 59) {
    return std::nullopt;
  }
  return absl::StrCat(h < 10 ? "0" : "", h, ":", m < 10 ? "0" : "", m);
}

// "h", "hours", "day" -> "hours", "days"; "" when not a unit.
std::string Unit(std::string_view word) {
  static const std::vector<
      std::pair<std::vector<std::string_view>, const char*>>* const kUnits =
      new std::vector<std::pair<std::vector<std::string_view>, const char*>>{
          {{"m", "min", "mins", "minute", "minutes"}, "minutes"},
          {{"h", "hr", "hrs", "hour", "hours"}, "hours"},
          {{"d", "day", "days"}, "days"},
          {{"w", "wk", "week", "weeks"}, "weeks"},
          {{"mo", "month", "months"}, "months"},
      };
  for (const auto& [names, unit] : *kUnits) {
    for (std::string_view n : names) {
      if (word == n) return unit;
    }
  }
  return "";
}

// "+48h", "-1d", "15d", "0" -> sign, amount, unit; false otherwise.
bool CompactOffset(std::string_view token, int64_t* amount, std::string* unit) {
  int sign = 1;
  if (!token.empty() && (token[0] == '+' || token[0] == '-')) {
    sign = token[0] == '-' ? -1 : 1;
    token.remove_prefix(1);
  }
  size_t digits = 0;
  while (digits < token.size() &&
         std::isdigit(static_cast<unsigned char>(token[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 6) return false;
  int64_t n = 0;
  if (!absl::SimpleAtoi(ToAbsl(token.substr(0, digits)), &n)) return false;
  std::string_view rest = token.substr(digits);
  if (rest.empty()) {
    if (n != 0) return false;  // a bare number other than 0 has no unit
    *unit = "";
  } else {
    *unit = Unit(rest);
    if (unit->empty()) return false;
  }
  *amount = sign * n;
  return true;
}

std::string AnchorFromWords(const std::vector<std::string>& words,
                            std::string_view default_anchor) {
  for (const std::string& w : words) {
    if (w == "start" || w == "appointment" || w == "appointments" ||
        w == "visit") {
      return kAnchorAppointmentStart;
    }
    if (w == "due") return kAnchorDueDate;
    if (w == "birthday") return kAnchorBirthday;
  }
  return std::string(default_anchor);
}

std::string Singular(std::string_view unit) {
  std::string s(unit);
  if (!s.empty() && s.back() == 's') s.pop_back();
  return s;
}

bool Recurring(const std::vector<std::string>& words,
               const std::vector<std::string>& raw, Interval* out) {
  static const std::vector<std::pair<std::string_view, const char*>>* const
      kAdverbs = new std::vector<std::pair<std::string_view, const char*>>{
          {"daily", "day"},
          {"weekly", "week"},
          {"monthly", "month"},
          {"yearly", "year"},
          {"annually", "year"}};
  size_t i = 0;
  std::string every;
  for (const auto& [adverb, period] : *kAdverbs) {
    if (words[0] == adverb) every = period;
  }
  if (!every.empty()) {
    i = 1;
  } else if (words[0] == "every") {
    i = 1;
    int64_t n = 1;
    // SimpleAtoi zeroes its output when the word is not a number.
    if (int64_t parsed = 0;
        i < words.size() && absl::SimpleAtoi(ToAbsl(words[i]), &parsed)) {
      n = parsed;
      ++i;
    }
    if (i >= words.size() || n != 1) return false;
    std::string unit = Unit(words[i]);
    if (unit.empty() || unit == "minutes" || unit == "hours") return false;
    every = Singular(unit);
    ++i;
  } else {
    return false;
  }
  out->kind = IntervalKind::kRecurring;
  out->every = every;
  // The rest: "at HH:MM", "on <x>", or a free qualifier after a comma.
  std::vector<std::string> qualifier;
  for (; i < words.size(); ++i) {
    if (words[i] == "at" && i + 1 < words.size()) {
      if (auto t = TimeOfDay(words[i + 1])) {
        out->time_of_day = *t;
        ++i;
        continue;
      }
    }
    if (auto t = TimeOfDay(words[i])) {
      out->time_of_day = *t;
      continue;
    }
    if (words[i] == "on" && qualifier.empty()) continue;
    qualifier.push_back(raw[i]);
  }
  out->on = absl::StrJoin(qualifier, " ");
  return true;
}

}  // namespace

const char* IntervalKindName(IntervalKind kind) {
  switch (kind) {
    case IntervalKind::kImmediate:
      return "immediate";
    case IntervalKind::kOffset:
      return "offset";
    case IntervalKind::kRecurring:
      return "recurring";
    case IntervalKind::kUnparsed:
      return "unparsed";
  }
  return "unparsed";
}

std::string AnchorName(std::string_view anchor) {
  if (anchor == kAnchorAppointmentStart) return "the appointment start";
  if (anchor == kAnchorDueDate) return "the due date";
  if (anchor == kAnchorBirthday) return "the birthday";
  if (anchor == kAnchorLastVisit) return "the last visit";
  if (anchor == kAnchorPreviousStep) return "the previous step";
  return "the trigger";
}

Interval ParseInterval(std::string_view text, std::string_view default_anchor) {
  Interval out;
  out.original = std::string(absl::StripAsciiWhitespace(ToAbsl(text)));
  // Words, lower-cased, commas as separators.
  std::vector<std::string> raw = absl::StrSplit(
      out.original, absl::ByAnyChar(" ,\t"), absl::SkipWhitespace());
  std::vector<std::string> words;
  for (const std::string& w : raw) words.push_back(absl::AsciiStrToLower(w));
  if (words.empty()) return out;

  const std::string& w0 = words[0];
  if (words.size() == 1 &&
      (w0 == "immediately" || w0 == "now" || w0 == "instantly")) {
    out.kind = IntervalKind::kImmediate;
    out.anchor = kAnchorEvent;
    return out;
  }

  int64_t amount = 0;
  std::string unit;
  if (CompactOffset(w0, &amount, &unit) && words.size() <= 2) {
    std::optional<std::string> at;
    if (words.size() == 2) {
      at = TimeOfDay(words[1]);
      if (!at) return out;
    }
    out.anchor = std::string(default_anchor);
    if (amount == 0 && !at) {
      out.kind = IntervalKind::kImmediate;
      return out;
    }
    out.kind = IntervalKind::kOffset;
    out.amount = amount;
    out.unit = unit.empty() ? "days" : unit;
    if (at) out.time_of_day = *at;
    return out;
  }
  if (words.size() == 1) {
    if (auto t = TimeOfDay(w0)) {
      out.kind = IntervalKind::kOffset;
      out.anchor = std::string(default_anchor);
      out.unit = "days";
      out.time_of_day = *t;
      return out;
    }
  }

  // "after N <unit>": counted from the previous step.
  int64_t n = 0;
  if (w0 == "after" && words.size() == 3 &&
      absl::SimpleAtoi(ToAbsl(words[1]), &n) && !Unit(words[2]).empty()) {
    out.kind = IntervalKind::kOffset;
    out.amount = n;
    out.unit = Unit(words[2]);
    out.anchor = kAnchorPreviousStep;
    return out;
  }

  // "N <unit> before|after [anchor words] [at HH:MM]".
  if (words.size() >= 3 && absl::SimpleAtoi(ToAbsl(w0), &n) && n >= 0 &&
      !Unit(words[1]).empty() &&
      (words[2] == "before" || words[2] == "after")) {
    std::vector<std::string> rest(words.begin() + 3, words.end());
    std::string at;
    if (rest.size() >= 2 && rest[rest.size() - 2] == "at") {
      auto t = TimeOfDay(rest.back());
      if (!t) return out;
      at = *t;
      rest.resize(rest.size() - 2);
    }
    out.kind = IntervalKind::kOffset;
    out.amount = words[2] == "before" ? -n : n;
    out.unit = Unit(words[1]);
    out.anchor = AnchorFromWords(rest, default_anchor);
    out.time_of_day = at;
    return out;
  }

  Interval recurring = out;
  if (Recurring(words, raw, &recurring)) return recurring;
  return out;
}

std::optional<int64_t> Interval::OffsetSeconds() const {
  if (kind == IntervalKind::kImmediate) return 0;
  if (kind != IntervalKind::kOffset) return std::nullopt;
  int64_t per = 0;
  if (unit == "minutes") per = 60;
  if (unit == "hours") per = 3600;
  if (unit == "days") per = 86400;
  if (unit == "weeks") per = 7 * 86400;
  if (per == 0) return std::nullopt;
  return amount * per;
}

std::string Interval::Iso8601() const {
  if (kind == IntervalKind::kImmediate) return "PT0S";
  if (kind != IntervalKind::kOffset) return "";
  const int64_t n = amount < 0 ? -amount : amount;
  const char* sign = amount < 0 ? "-" : "";
  if (unit == "minutes") return absl::StrCat(sign, "PT", n, "M");
  if (unit == "hours") return absl::StrCat(sign, "PT", n, "H");
  if (unit == "days") return absl::StrCat(sign, "P", n, "D");
  if (unit == "weeks") return absl::StrCat(sign, "P", n, "W");
  if (unit == "months") return absl::StrCat(sign, "P", n, "M");
  return "";
}

std::string Interval::Describe() const {
  switch (kind) {
    case IntervalKind::kImmediate:
      return anchor == kAnchorEvent || anchor.empty()
                 ? "immediately"
                 : absl::StrCat("at ", AnchorName(anchor));
    case IntervalKind::kOffset: {
      std::string s;
      if (amount == 0) {
        s = absl::StrCat("on the day of ", AnchorName(anchor));
      } else {
        const int64_t n = amount < 0 ? -amount : amount;
        s = absl::StrCat(n, " ", n == 1 ? Singular(unit) : unit,
                         amount < 0 ? " before " : " after ",
                         AnchorName(anchor));
      }
      if (!time_of_day.empty()) absl::StrAppend(&s, ", at ", time_of_day);
      return s;
    }
    case IntervalKind::kRecurring: {
      std::string s = absl::StrCat("every ", every);
      if (!on.empty()) absl::StrAppend(&s, " (", on, ")");
      if (!time_of_day.empty()) absl::StrAppend(&s, " at ", time_of_day);
      return s;
    }
    case IntervalKind::kUnparsed:
      break;
  }
  return original;
}

}  // namespace bridgework::workflows
