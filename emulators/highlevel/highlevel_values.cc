#include "emulators/highlevel/highlevel_values.h"

#include <algorithm>
#include <cstdio>

#include <phonenumbers/phonenumberutil.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"

namespace bridgework::emulator::highlevel {
namespace {

using Json = nlohmann::json;
using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

bool ValidDate(int y, int m, int d) {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  absl::CivilDay day(y, m, d);
  return day.year() == y && day.month() == m && day.day() == d;
}

std::string IsoDay(int y, int m, int d) {
  return absl::StrFormat("%04d-%02d-%02dT00:00:00.000Z", y, m, d);
}

}  // namespace

std::string AlnumId(std::string_view prefix, int64_t n) {
  std::string digits = absl::StrCat(n);
  size_t pad = 20 > prefix.size() + digits.size()
                   ? 20 - prefix.size() - digits.size()
                   : 0;
  return absl::StrCat(ToAbsl(prefix), std::string(pad, '0'), digits);
}

std::string HexId(std::string_view tag, int64_t n) {
  return absl::StrCat(ToAbsl(tag),
                      absl::StrFormat("%020x", static_cast<uint64_t>(n)));
}

std::string UuidId(int64_t n) {
  return absl::StrFormat("00000000-0000-4000-8000-%012x",
                         static_cast<uint64_t>(n));
}

std::string IsoMillis(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::optional<absl::Time> ParseInstant(std::string_view text) {
  // RFC3339_full needs the 'T' and a zone; require seconds explicitly.
  if (text.size() < 20 || text[10] != 'T') return std::nullopt;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &err)) {
    return std::nullopt;
  }
  return t;
}

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

std::optional<std::string> NormalizeDateOfBirth(std::string_view text) {
  if (text.size() > 10 && text[10] == 'T') {
    std::optional<absl::Time> t = ParseInstant(text);
    if (!t) return std::nullopt;
    absl::CivilDay day = absl::ToCivilDay(*t, absl::UTCTimeZone());
    return IsoDay(static_cast<int>(day.year()), day.month(), day.day());
  }
  if (text.size() != 10) return std::nullopt;
  char sep = 0;
  for (char c : text) {
    if (c == '/' || c == '-' || c == '.' || c == '_') {
      if (sep != 0 && c != sep) return std::nullopt;
      sep = c;
    }
  }
  if (sep == 0) return std::nullopt;
  std::vector<std::string> parts =
      absl::StrSplit(ToAbsl(text), absl::ByChar(sep));
  if (parts.size() != 3) return std::nullopt;
  for (const auto& p : parts) {
    if (!AllDigits(p)) return std::nullopt;
  }
  int a = 0, b = 0, c = 0;
  if (!absl::SimpleAtoi(parts[0], &a) || !absl::SimpleAtoi(parts[1], &b) ||
      !absl::SimpleAtoi(parts[2], &c)) {
    return std::nullopt;
  }
  int y, m, d;
  if (parts[0].size() == 4 && parts[1].size() == 2 && parts[2].size() == 2) {
    y = a, m = b, d = c;  // YYYY?MM?DD
  } else if (parts[0].size() == 2 && parts[1].size() == 2 &&
             parts[2].size() == 4) {
    m = a, d = b, y = c;  // MM?DD?YYYY
  } else {
    return std::nullopt;
  }
  if (!ValidDate(y, m, d)) return std::nullopt;
  return IsoDay(y, m, d);
}

std::optional<std::string> E164(std::string_view phone,
                                std::string_view region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  std::string r = region.empty() ? "US" : absl::AsciiStrToUpper(ToAbsl(region));
  if (util.Parse(std::string(phone), r, &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  if (!util.IsValidNumber(number)) return std::nullopt;
  std::string out;
  util.Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

const std::vector<std::string>& CustomFieldDataTypes() {
  static const auto* kTypes = new std::vector<std::string>{
      "TEXT",     "LARGE_TEXT",   "NUMERICAL",      "PHONE",
      "MONETORY", "CHECKBOX",     "SINGLE_OPTIONS", "MULTIPLE_OPTIONS",
      "DATE",     "TEXTBOX_LIST", "FILE_UPLOAD",    "RADIO",
      "EMAIL"};
  return *kTypes;
}

bool IsCustomFieldDataType(std::string_view data_type) {
  const auto& types = CustomFieldDataTypes();
  return std::find(types.begin(), types.end(), data_type) != types.end();
}

bool HasOptions(std::string_view t) {
  return t == "SINGLE_OPTIONS" || t == "MULTIPLE_OPTIONS" || t == "RADIO" ||
         t == "CHECKBOX";
}

absl::StatusOr<Json> CheckCustomValue(std::string_view t,
                                      const std::vector<std::string>& options,
                                      bool allow_custom_option,
                                      const Json& value) {
  if (value.is_null() ||
      (value.is_string() && value.get<std::string>().empty())) {
    return Json(nullptr);
  }
  auto in_options = [&](const std::string& s) {
    return allow_custom_option || options.empty() ||
           std::find(options.begin(), options.end(), s) != options.end();
  };
  if (t == "NUMERICAL" || t == "MONETORY") {
    if (value.is_number()) return value;
    double d = 0;
    if (value.is_string() && absl::SimpleAtod(value.get<std::string>(), &d)) {
      return Json(d);
    }
    return absl::InvalidArgumentError("must be a number");
  }
  if (t == "CHECKBOX" || t == "MULTIPLE_OPTIONS") {
    if (value.is_array() && value.empty()) return Json(nullptr);
    if (!value.is_array()) {
      return absl::InvalidArgumentError("must be an array of strings");
    }
    for (const auto& item : value) {
      if (!item.is_string()) {
        return absl::InvalidArgumentError("must be an array of strings");
      }
      if (!in_options(item.get<std::string>())) {
        return absl::InvalidArgumentError(
            "must contain only options of the field");
      }
    }
    return value;
  }
  if (t == "SINGLE_OPTIONS" || t == "RADIO") {
    if (!value.is_string())
      return absl::InvalidArgumentError("must be a string");
    if (!in_options(value.get<std::string>())) {
      return absl::InvalidArgumentError("must be one of the field's options");
    }
    return value;
  }
  if (t == "DATE") {
    if (value.is_number_integer()) {
      absl::CivilDay day = absl::ToCivilDay(
          absl::FromUnixMillis(value.get<int64_t>()), absl::UTCTimeZone());
      return Json(absl::FormatCivilTime(day));
    }
    if (!value.is_string()) {
      return absl::InvalidArgumentError("must be a date (YYYY-MM-DD)");
    }
    std::optional<std::string> iso =
        NormalizeDateOfBirth(value.get<std::string>());
    if (!iso) return absl::InvalidArgumentError("must be a date (YYYY-MM-DD)");
    return Json(iso->substr(0, 10));
  }
  if (t == "TEXTBOX_LIST") {
    if (value.is_object() || value.is_array()) return value;
    return absl::InvalidArgumentError("must be an object or an array");
  }
  if (t == "FILE_UPLOAD") {
    if (value.is_object() || value.is_array()) return value;
    return absl::InvalidArgumentError("must be an object of files");
  }
  // TEXT, LARGE_TEXT, PHONE, EMAIL.
  if (!value.is_string()) return absl::InvalidArgumentError("must be a string");
  if (t == "EMAIL" && value.get<std::string>().find('@') == std::string::npos) {
    return absl::InvalidArgumentError("must be an email");
  }
  return value;
}

Json SpecString(const Json& stored) {
  if (stored.is_string()) return stored;
  if (stored.is_number() || stored.is_boolean()) return Json(stored.dump());
  if (stored.is_array()) {
    std::vector<std::string> parts;
    for (const auto& item : stored) {
      parts.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    }
    return Json(absl::StrJoin(parts, ", "));
  }
  if (stored.is_null()) return Json("");
  return Json(stored.dump());
}

Json OpportunityFieldValue(const Json& stored) {
  if (stored.is_string() || stored.is_object()) return stored;
  if (stored.is_array()) {
    bool strings = std::all_of(stored.begin(), stored.end(),
                               [](const Json& v) { return v.is_string(); });
    bool objects = std::all_of(stored.begin(), stored.end(),
                               [](const Json& v) { return v.is_object(); });
    if (strings || objects) return stored;
  }
  return SpecString(stored);
}

std::string SnakeCase(std::string_view name) {
  std::string out;
  bool gap = false;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      if (gap && !out.empty()) out += '_';
      out += absl::ascii_tolower(static_cast<unsigned char>(c));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

}  // namespace bridgework::emulator::highlevel
