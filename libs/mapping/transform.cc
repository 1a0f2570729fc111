#include "libs/mapping/transform.h"

#include <phonenumbers/phonenumberutil.h>

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/strings.h"
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

// Applies one rule. Returns the value, or nullopt with `problem` set when
// the value is unusable, or nullopt with an empty problem when there is no
// value.
std::optional<v1::Value> ApplyRule(const FieldRule& rule,
                                   const v1::Record& record,
                                   const TransformContext& ctx,
                                   std::string* problem) {
  problem->clear();
  if (rule.constant) return record::StringValue(*rule.constant);
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
  const v1::Value* v = FieldOf(record, rule.from[0]);
  if (v == nullptr) return std::nullopt;
  if (!rule.values.empty()) {
    std::string key = record::ValueToText(*v);
    auto it = rule.values.find(key);
    if (it != rule.values.end()) return record::StringValue(it->second);
    if (rule.default_value) return record::StringValue(*rule.default_value);
    *problem = "value is not in the map's value list";
    return std::nullopt;
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
  if (rule.transform == "upper") {
    return record::StringValue(absl::AsciiStrToUpper(ToAbsl(text)));
  }
  return record::StringValue(text);  // "text"
}

}  // namespace

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

std::optional<std::string> NormalizePhone(std::string_view phone,
                                          std::string_view region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(phone), std::string(region), &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  if (!util.IsValidNumber(number)) return std::nullopt;
  std::string out;
  util.Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

std::string ExternalKey(std::string_view system, std::string_view object,
                        std::string_view key) {
  return absl::StrCat(ToAbsl(system), ":", ToAbsl(object), ":", ToAbsl(key));
}

TransformResult TransformRecord(const ObjectRoute& route,
                                const v1::Record& record,
                                const TransformContext& ctx) {
  TransformResult result;
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
  v1::TargetRecord target;
  target.set_source_object(record.object_type());
  target.set_source_key(record.source_key());
  target.set_fingerprint(record.fingerprint());
  *target.mutable_location() = record.location();
  target.set_target_object(route.target);
  *target.mutable_attachments() = record.attachments();
  std::string problem;
  for (const FieldRule& rule : route.fields) {
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
    auto* dest = rule.to.rfind("cf_", 0) == 0 ? target.mutable_custom_fields()
                                              : target.mutable_fields();
    (*dest)[rule.to] = std::move(*value);
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
  auto* key_dest = route.external_key_field.rfind("cf_", 0) == 0
                       ? target.mutable_custom_fields()
                       : target.mutable_fields();
  (*key_dest)[route.external_key_field] =
      record::StringValue(target.external_key());
  result.target = std::move(target);
  return result;
}

}  // namespace bridgework::mapping
