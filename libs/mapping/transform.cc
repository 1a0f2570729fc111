#include "libs/mapping/transform.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"
#include "libs/record/tooth.h"
#include "libs/record/value.h"

namespace bridgework::mapping {
namespace {

using ::i18n::phonenumbers::PhoneNumber;
using ::i18n::phonenumbers::PhoneNumberUtil;

v1::Rejection MakeRejection(const v1::Record& record, std::string_view field,
                            std::string reason) {
  v1::Rejection r;
  r.set_object_type(record.object_type());
  r.set_source_key(record.source_key());
  *r.mutable_location() = record.location();
  r.set_field(std::string(field));
  r.set_reason(std::move(reason));
  r.set_stage("transform");
  return r;
}

const v1::Value* FieldOf(const v1::Record& record, const std::string& name) {
  auto it = record.fields().find(name);
  if (it == record.fields().end() || record::IsNull(it->second)) return nullptr;
  return &it->second;
}

// The timestamp rendered in `zone` (empty: its own) as RFC 3339.
std::string RenderTimestamp(v1::Timestamp t, const std::string& zone) {
  if (!zone.empty()) t.set_zone(zone);
  return record::TimestampToString(t);
}

// Adds the minutes in `field` to the timestamp `v`. Sets `problem` and
// returns nullopt when the field is empty or not whole minutes.
std::optional<v1::Value> PlusMinutes(const v1::Value& v,
                                     const std::string& field,
                                     const v1::Record& record,
                                     std::string* problem) {
  if (!v.has_timestamp_value()) {
    *problem = "not a timestamp (plus_minutes needs one)";
    return std::nullopt;
  }
  const v1::Value* m = FieldOf(record, field);
  int64_t minutes = 0;
  if (m != nullptr && m->has_int_value()) {
    minutes = m->int_value();
  } else if (m == nullptr ||
             !absl::SimpleAtoi(ToAbsl(record::ValueToText(*m)), &minutes)) {
    *problem = absl::StrCat(field, " is empty or not whole minutes");
    return std::nullopt;
  }
  v1::Value out = v;
  out.mutable_timestamp_value()->set_unix_seconds(
      v.timestamp_value().unix_seconds() + minutes * 60);
  return out;
}

// "Ana María de la Cruz" -> {"Ana María de la", "Cruz"}: the last word is
// the last name, the rest the first name. One word is a last name.
std::pair<std::string, std::string> SplitName(std::string_view full) {
  std::string name(absl::StripAsciiWhitespace(ToAbsl(full)));
  size_t space = name.find_last_of(" \t");
  if (space == std::string::npos) return {"", name};
  std::string first(absl::StripTrailingAsciiWhitespace(
      ToAbsl(std::string_view(name).substr(0, space))));
  return {first, name.substr(space + 1)};
}

// "36, 37" in FDI -> "FDI 36, 37": every tooth of a list (separated by
// commas, semicolons, slashes or spaces) checked against the numbering,
// which the text then names. nullopt if any is not a tooth.
std::optional<std::string> ToothText(std::string_view text,
                                     std::string_view numbering) {
  std::vector<std::string> teeth;
  for (absl::string_view t : absl::StrSplit(
           ToAbsl(text), absl::ByAnyChar(",;/ "), absl::SkipWhitespace())) {
    std::string tooth(absl::StripAsciiWhitespace(t));
    if (!record::IsToothNumber(
            tooth, numbering == "FDI" ? record::ToothNumbering::kFdi
                                      : record::ToothNumbering::kUniversal)) {
      return std::nullopt;
    }
    if (numbering == "Universal") absl::AsciiStrToUpper(&tooth);
    teeth.push_back(std::move(tooth));
  }
  if (teeth.empty()) return std::nullopt;
  return absl::StrCat(ToAbsl(numbering), " ", absl::StrJoin(teeth, ", "));
}

// A whole number, or an exact decimal ("12.50"); nullopt with `problem`
// set otherwise.
std::optional<v1::Value> NumberOf(std::string_view text, std::string* problem) {
  std::string t(absl::StripAsciiWhitespace(ToAbsl(text)));
  int64_t i = 0;
  if (absl::SimpleAtoi(t, &i)) return record::IntValue(i);
  auto d = record::ParseDecimal(t, "");
  if (d.ok()) {
    v1::Value v;
    *v.mutable_decimal_value() = *d;
    return v;
  }
  *problem = "not a number";
  return std::nullopt;
}

// The day of a date or timestamp value (in its own zone), or of a text
// that reads as YYYY-MM-DD; nullopt for anything else.
std::optional<absl::CivilDay> DayOf(const v1::Value& v) {
  if (v.has_date_value()) {
    const v1::Date& d = v.date_value();
    return absl::CivilDay(d.year(), d.month(), d.day());
  }
  if (v.has_timestamp_value()) {
    absl::TimeZone zone = absl::UTCTimeZone();
    if (!v.timestamp_value().zone().empty()) {
      absl::LoadTimeZone(v.timestamp_value().zone(), &zone);
    }
    return absl::ToCivilDay(
        absl::FromUnixSeconds(v.timestamp_value().unix_seconds()), zone);
  }
  if (v.has_string_value()) {
    auto d = record::ParseDate(v.string_value());
    if (d.ok()) return absl::CivilDay(d->year(), d->month(), d->day());
  }
  return std::nullopt;
}

// Whether the date in `v` lies within the rule's bounds; sets `problem`
// (naming the bound, never the value) when it does not. A value that is no
// date passes: the transform judges it.
bool WithinBounds(const FieldRule& rule, const v1::Value& v,
                  const TransformContext& ctx, std::string* problem) {
  if (rule.not_before.empty() && rule.not_after.empty()) return true;
  std::optional<absl::CivilDay> day = DayOf(v);
  if (!day) return true;
  auto bound = [&ctx](const std::string& b) {
    if (b == "today") return ctx.today;
    auto d = record::ParseDate(b);  // checked when the map was read
    return absl::CivilDay(d->year(), d->month(), d->day());
  };
  if (!rule.not_before.empty() && *day < bound(rule.not_before)) {
    *problem =
        absl::StrCat("date is before ", rule.not_before, " (not_before)");
    return false;
  }
  if (!rule.not_after.empty() && *day > bound(rule.not_after)) {
    *problem = absl::StrCat("date is after ", rule.not_after, " (not_after)");
    return false;
  }
  return true;
}

// Applies one rule. Returns the value, or nullopt with `problem` set when
// the value is unusable, or nullopt with an empty problem when there is no
// value.
std::optional<v1::Value> ApplyRule(const FieldRule& rule,
                                   const v1::Record& record,
                                   const TransformContext& ctx,
                                   std::string* problem) {
  problem->clear();
  if (rule.constant) return record::StringValue(*rule.constant);
  if (rule.template_text) {
    std::string out;
    bool filled = false;
    const std::string& t = *rule.template_text;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] != '{') {
        out.push_back(t[i]);
        continue;
      }
      size_t end = t.find('}', i);
      const v1::Value* v = FieldOf(record, t.substr(i + 1, end - i - 1));
      if (v != nullptr) {
        std::string text = record::ValueToText(*v);
        filled = filled || !text.empty();
        out += text;
      }
      i = end;
    }
    if (!filled) return std::nullopt;
    return record::StringValue(out);
  }
  if (rule.transform == "join") {
    std::string joined;
    for (const std::string& f : rule.from) {
      const v1::Value* v = FieldOf(record, f);
      if (v == nullptr) continue;
      std::string text = record::ValueToText(*v);
      if (text.empty()) continue;
      if (!joined.empty()) joined += rule.separator;
      joined += text;
    }
    if (joined.empty()) return std::nullopt;
    return record::StringValue(joined);
  }
  if (rule.transform == "json" && rule.from[0] == "*") {
    // The whole record as one JSON object (keys sorted, no spaces).
    return record::StringValue(record::CanonicalJson(record.fields()));
  }
  const v1::Value* v = FieldOf(record, rule.from[0]);
  if (v == nullptr) return std::nullopt;
  std::optional<v1::Value> shifted;
  if (!rule.plus_minutes.empty()) {
    shifted = PlusMinutes(*v, rule.plus_minutes, record, problem);
    if (!shifted) return std::nullopt;
    v = &*shifted;
  }
  if (!WithinBounds(rule, *v, ctx, problem)) return std::nullopt;
  if (!rule.values.empty()) {
    std::string key = record::ValueToText(*v);
    auto it = rule.values.find(key);
    const std::string* mapped =
        it != rule.values.end()
            ? &it->second
            : (rule.default_value ? &*rule.default_value : nullptr);
    if (mapped == nullptr) {
      *problem = "value is not in the map's value list";
      return std::nullopt;
    }
    if (rule.transform == "number") return NumberOf(*mapped, problem);
    return record::StringValue(*mapped);
  }
  if (rule.transform.empty()) return *v;
  std::string text = record::ValueToText(*v);
  if (rule.transform == "email") {
    auto email = NormalizeEmail(text);
    if (!email) {
      *problem = "not a valid email address";
      return std::nullopt;
    }
    return record::StringValue(*email);
  }
  if (rule.transform == "phone") {
    auto phone = NormalizePhone(text, ctx.phone_region);
    if (!phone) {
      *problem = absl::StrCat("not a valid phone number for region ",
                              ctx.phone_region);
      return std::nullopt;
    }
    return record::StringValue(*phone);
  }
  std::optional<v1::Value> midnight;
  if (rule.transform == "datetime" && v->has_date_value()) {
    // A date as a date and time: the start of that day in `zone` (UTC
    // when the rule names none), for CRMs that only take timestamps.
    std::string zone = rule.zone.empty() ? "UTC" : rule.zone;
    auto at = record::ParseTimestamp(
        absl::StrCat(record::DateToString(v->date_value()), " 00:00:00"), zone);
    if (!at.ok()) {
      *problem = std::string(at.status().message());
      return std::nullopt;
    }
    midnight.emplace();
    *midnight->mutable_timestamp_value() = *at;
    v = &*midnight;
  }
  if (rule.transform == "datetime" || rule.transform == "time" ||
      (rule.transform == "date" && v->has_timestamp_value())) {
    if (!v->has_timestamp_value()) {
      *problem = "not a date and time";
      return std::nullopt;
    }
    // "2024-03-01T09:30:00-06:00": the date is [0, 10), HH:MM [11, 16).
    std::string rendered = RenderTimestamp(v->timestamp_value(), rule.zone);
    if (rule.transform == "date") rendered = rendered.substr(0, 10);
    if (rule.transform == "time") rendered = rendered.substr(11, 5);
    return record::StringValue(rendered);
  }
  if (rule.transform == "hhmm") {
    int64_t minutes = 0;
    if (v->has_int_value()) {
      minutes = v->int_value();
    } else if (!absl::SimpleAtoi(ToAbsl(text), &minutes)) {
      minutes = -1;
    }
    if (minutes < 0) {
      *problem = "not a whole number of minutes";
      return std::nullopt;
    }
    return record::StringValue(
        absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60));
  }
  if (rule.transform == "html_text") {
    return record::StringValue(HtmlToText(text));
  }
  if (rule.transform == "date") {
    if (v->has_date_value()) {
      return record::StringValue(record::DateToString(v->date_value()));
    }
    auto d = record::ParseDate(text);
    if (!d.ok()) {
      *problem = std::string(d.status().message());
      return std::nullopt;
    }
    return record::StringValue(record::DateToString(*d));
  }
  if (rule.transform == "lower") {
    return record::StringValue(absl::AsciiStrToLower(ToAbsl(text)));
  }
  if (rule.transform == "first_name" || rule.transform == "last_name") {
    auto [first, last] = SplitName(text);
    std::string& part = rule.transform == "first_name" ? first : last;
    if (part.empty()) return std::nullopt;
    return record::StringValue(part);
  }
  if (rule.transform == "tooth") {
    auto teeth = ToothText(text, rule.numbering);
    if (!teeth) {
      *problem =
          absl::StrCat("not a tooth number in ", rule.numbering, " numbering");
      return std::nullopt;
    }
    return record::StringValue(*teeth);
  }
  if (rule.transform == "number") return NumberOf(text, problem);
  if (rule.transform == "json") {
    nlohmann::json parsed =
        nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      *problem = "not valid JSON";
      return std::nullopt;
    }
    return record::StringValue(parsed.dump());
  }
  if (rule.transform == "upper") {
    return record::StringValue(absl::AsciiStrToUpper(ToAbsl(text)));
  }
  return record::StringValue(text);  // "text"
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
      {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
  std::string text;
  text.reserve(html.size());
  for (size_t i = 0; i < html.size();) {
    char c = html[i];
    if (c == '<') {
      size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;  // a cut-off tag: drop it
      std::string tag(html.substr(i + 1, end - i - 1));
      absl::AsciiStrToLower(&tag);
      // Block ends and line breaks become line breaks.
      if (absl::StartsWith(tag, "br") || absl::StartsWith(tag, "/p") ||
          absl::StartsWith(tag, "/div") || absl::StartsWith(tag, "/li") ||
          absl::StartsWith(tag, "/h") || absl::StartsWith(tag, "/tr")) {
        text.push_back('\n');
      }
      i = end + 1;
      continue;
    }
    if (c == '&') {
      bool matched = false;
      for (const auto& [entity, replacement] : kEntities) {
        if (html.substr(i, std::strlen(entity)) == entity) {
          text += replacement;
          i += std::strlen(entity);
          matched = true;
          break;
        }
      }
      if (matched) continue;
    }
    text.push_back(c);
    ++i;
  }
  // Collapse spaces within lines, trim lines, at most one blank line.
  std::string out;
  int newlines = 0;
  bool space = false;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      ++newlines;
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (!out.empty()) {
      if (newlines > 0) {
        out.append(std::min(newlines, 2), '\n');
      } else if (space) {
        out.push_back(' ');
      }
    }
    newlines = 0;
    space = false;
    out.push_back(c);
  }
  return out;
}

std::optional<std::string> NormalizeEmail(std::string_view email) {
  std::string e(absl::StripAsciiWhitespace(ToAbsl(email)));
  absl::AsciiStrToLower(&e);
  size_t at = e.find('@');
  if (at == std::string::npos || at == 0 ||
      e.find('@', at + 1) != std::string::npos) {
    return std::nullopt;
  }
  std::string_view domain = std::string_view(e).substr(at + 1);
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size()) {
    return std::nullopt;
  }
  if (domain.find("..") != std::string_view::npos) return std::nullopt;
  for (char c : e) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';' ||
        c == '<' || c == '>' || c == '(' || c == ')') {
      return std::nullopt;
    }
  }
  return e;
}

namespace {

// The number a North American (+1) phone written with digits and the
// usual separators stands for, without PhoneNumberUtil::Parse (whose ICU
// regexes were most of a patient's transform, docs/benchmarks.md):
// "(512) 555-0142", "512.555.0142", "1 512 555 0142", "+1 512-555-0142".
// Anything else (letters, extensions, other lengths, an area code starting
// with 0 or 1) is nullopt and goes through Parse. Parse gives the same
// number for every input this accepts (Normalize.PhoneFastPathMatchesParse pins
// it).
std::optional<PhoneNumber> ParseNanpFast(std::string_view phone) {
  char digits[16];
  size_t n = 0;
  bool plus = false;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c >= '0' && c <= '9') {
      if (n == sizeof(digits)) return std::nullopt;
      digits[n++] = c;
    } else if (c == '+' && n == 0 && !plus) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  std::string_view national(digits, n);
  if (n == 11 && digits[0] == '1') {
    national.remove_prefix(1);
  } else if (n != 10 || plus) {
    return std::nullopt;
  }
  if (national[0] < '2' || national[3] < '2') return std::nullopt;
  uint64_t value = 0;
  for (char c : national) value = value * 10 + static_cast<uint64_t>(c - '0');
  PhoneNumber number;
  number.set_country_code(1);
  number.set_national_number(value);
  return number;
}

}  // namespace

std::optional<std::string> NormalizePhone(std::string_view phone,
                                          std::string_view region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  const std::string region_code(region);
  std::optional<PhoneNumber> number;
  if (util.GetCountryCodeForRegion(region_code) == 1) {
    number = ParseNanpFast(phone);
  }
  if (!number) {
    number.emplace();
    if (util.Parse(std::string(phone), region_code, &*number) !=
        PhoneNumberUtil::NO_PARSING_ERROR) {
      return std::nullopt;
    }
  }
  // Valid for the run's region is the common case and the cheaper check;
  // IsValidNumber finds the number's region among every region of its
  // country code (all of North America for +1).
  if (!util.IsValidNumberForRegion(*number, region_code) &&
      !util.IsValidNumber(*number)) {
    return std::nullopt;
  }
  std::string out;
  util.Format(*number, PhoneNumberUtil::E164, &out);
  return out;
}

std::string ExternalKey(std::string_view system, std::string_view object,
                        std::string_view key) {
  return absl::StrCat(ToAbsl(system), ":", ToAbsl(object), ":", ToAbsl(key));
}

TransformResult TransformRecord(const ObjectRoute& route,
                                const v1::Record& record,
                                const TransformContext& ctx) {
  v1::TargetRecord target;
  TransformResult result = TransformRecordInto(route, record, ctx, &target);
  if (!result.rejection && !result.skipped) result.target = std::move(target);
  return result;
}

TransformResult TransformRecordInto(const ObjectRoute& route,
                                    const v1::Record& record,
                                    const TransformContext& ctx,
                                    v1::TargetRecord* out) {
  TransformResult result;
  out->Clear();
  if (route.kind != ObjectRoute::Kind::kLoad) {
    result.skipped =
        MakeRejection(record, "",
                      absl::StrCat(route.kind == ObjectRoute::Kind::kReference
                                       ? "reference object, not loaded: "
                                       : "not migrated: ",
                                   route.reason));
    result.skipped->set_stage("map");
    return result;
  }
  v1::TargetRecord& target = *out;
  target.set_source_object(record.object_type());
  target.set_source_key(record.source_key());
  target.set_fingerprint(record.fingerprint());
  *target.mutable_location() = record.location();
  target.set_target_object(route.target);
  *target.mutable_attachments() = record.attachments();
  std::string problem;
  // The lines of the route's `phi: note` fields, for its phi_note field.
  std::vector<std::string> note_lines;
  for (const FieldRule& rule : route.fields) {
    // A dropped field is never evaluated: not sent, and no warning.
    if (rule.phi == PhiPolicy::kDrop) continue;
    std::optional<v1::Value> value = ApplyRule(rule, record, ctx, &problem);
    std::string_view blamed =
        rule.from.empty() ? std::string_view(rule.to) : rule.from[0];
    if (!value) {
      if (rule.required) {
        result.rejection = MakeRejection(
            record, blamed,
            problem.empty() ? "required field is empty"
                            : absl::StrCat(problem, " (required)"));
        return result;
      }
      if (!problem.empty()) {
        result.warnings.push_back(MakeRejection(
            record, blamed, absl::StrCat(problem, "; field not loaded")));
      }
      continue;
    }
    if (rule.phi == PhiPolicy::kNote) {
      note_lines.push_back(
          absl::StrCat(rule.to, ": ", record::ValueToText(*value)));
      continue;
    }
    if (rule.phi == PhiPolicy::kHash) {
      value = record::StringValue(
          HashPhi(ctx.phi_key, record::ValueToText(*value)));
    }
    auto* dest = rule.to.rfind("cf_", 0) == 0 ? target.mutable_custom_fields()
                                              : target.mutable_fields();
    (*dest)[rule.to] = std::move(*value);
  }
  if (!note_lines.empty()) {
    // After the field's own text when a rule also writes it.
    auto* dest = route.phi_note.rfind("cf_", 0) == 0
                     ? target.mutable_custom_fields()
                     : target.mutable_fields();
    std::string text = absl::StrJoin(note_lines, "\n");
    auto it = dest->find(route.phi_note);
    if (it != dest->end()) {
      std::string own = record::ValueToText(it->second);
      if (!own.empty()) text = absl::StrCat(own, "\n\n", text);
    }
    (*dest)[route.phi_note] = record::StringValue(text);
  }
  for (const LookupRule& rule : route.lookups) {
    const v1::Value* v = FieldOf(record, rule.from);
    if (v == nullptr) continue;
    v1::Lookup* l = target.add_lookups();
    l->set_target_field(rule.to);
    l->set_source_object(rule.object);
    l->set_source_key(record::ValueToText(*v));
    l->set_target_object(rule.target);
    l->set_as_list(rule.list);
    l->set_deferrable(rule.deferrable);
  }
  if (route.owner && ctx.owner_emails != nullptr) {
    const v1::Value* v = FieldOf(record, route.owner->from);
    if (v != nullptr) {
      auto it = ctx.owner_emails->find(record::ValueToText(*v));
      if (it != ctx.owner_emails->end()) target.set_owner_email(it->second);
    }
  }
  target.set_external_key(
      ExternalKey(ctx.system, record.object_type(), record.source_key()));
  target.set_external_key_field(route.external_key_field);
  if (route.external_key_field.empty()) {
    // The object has no field to hold the key (HighLevel notes and tasks).
    return result;
  }
  auto* key_dest = route.external_key_field.rfind("cf_", 0) == 0
                       ? target.mutable_custom_fields()
                       : target.mutable_fields();
  (*key_dest)[route.external_key_field] =
      record::StringValue(target.external_key());
  return result;
}

}  // namespace bridgework::mapping
