#include "libs/crm/pipedrive_wire.h"

#include <cctype>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "libs/record/value.h"

namespace bridgework::crm::pipedrive {
namespace {

using nlohmann::json;

std::vector<ObjectSpec> MakeObjects() {
  using W = Wire;
  std::vector<ObjectSpec> objects;
  // Request schemas of the v2 spec (openapi-v2.yaml, POST /persons etc.).
  objects.push_back({"person",
                     "/api/v2/persons",
                     true,
                     "personFields",
                     "person",
                     "owner_id",
                     "PATCH",
                     false,
                     500,
                     {{"name", W::kText},
                      {"owner_id", W::kInt},
                      {"org_id", W::kInt},
                      {"add_time", W::kDateTime},
                      {"emails", W::kContacts},
                      {"phones", W::kContacts},
                      {"im", W::kContacts},
                      {"visible_to", W::kInt},
                      {"label_ids", W::kIntList},
                      {"postal_address", W::kAddress},
                      {"notes", W::kText},
                      {"birthday", W::kDate},
                      {"job_title", W::kText},
                      {"marketing_status", W::kText}},
                     {}});
  objects.push_back({"organization",
                     "/api/v2/organizations",
                     true,
                     "organizationFields",
                     "organization",
                     "owner_id",
                     "PATCH",
                     false,
                     500,
                     {{"name", W::kText},
                      {"owner_id", W::kInt},
                      {"add_time", W::kDateTime},
                      {"visible_to", W::kInt},
                      {"label_ids", W::kIntList},
                      {"address", W::kAddress},
                      {"website", W::kText},
                      {"linkedin", W::kText},
                      {"industry", W::kInt},
                      {"annual_revenue", W::kInt},
                      {"employee_count", W::kInt}},
                     {"website", "linkedin", "industry", "annual_revenue",
                      "employee_count"}});
  objects.push_back({"deal",
                     "/api/v2/deals",
                     true,
                     "dealFields",
                     "deal",
                     "owner_id",
                     "PATCH",
                     false,
                     500,
                     {{"title", W::kText},
                      {"owner_id", W::kInt},
                      {"person_id", W::kInt},
                      {"org_id", W::kInt},
                      {"pipeline_id", W::kInt},
                      {"stage_id", W::kInt},
                      {"value", W::kNumber},
                      {"currency", W::kText},
                      {"is_deleted", W::kBool},
                      {"is_archived", W::kBool},
                      {"archive_time", W::kDateTimeV1},
                      {"status", W::kText},
                      {"probability", W::kNumber},
                      {"lost_reason", W::kText},
                      {"visible_to", W::kInt},
                      {"close_time", W::kDateTime},
                      {"won_time", W::kDateTime},
                      {"lost_time", W::kDateTime},
                      {"expected_close_date", W::kDate},
                      {"label_ids", W::kIntList}},
                     {"probability", "lost_reason", "close_time"}});
  objects.push_back({"activity",
                     "/api/v2/activities",
                     true,
                     "",
                     "",
                     "owner_id",
                     "PATCH",
                     false,
                     500,
                     {{"subject", W::kText},
                      {"type", W::kText},
                      {"owner_id", W::kInt},
                      {"deal_id", W::kInt},
                      {"lead_id", W::kText},
                      {"person_id", W::kInt},
                      {"org_id", W::kInt},
                      {"project_id", W::kInt},
                      {"due_date", W::kDate},
                      {"due_time", W::kTime},
                      {"duration", W::kDuration},
                      {"busy", W::kBool},
                      {"done", W::kBool},
                      {"location", W::kAddress},
                      {"participants", W::kParticipants},
                      {"public_description", W::kText},
                      {"priority", W::kInt},
                      {"note", W::kText}},
                     {}});
  objects.push_back({"product",
                     "/api/v2/products",
                     true,
                     "productFields",
                     "product",
                     "owner_id",
                     "PATCH",
                     false,
                     500,
                     {{"name", W::kText},
                      {"code", W::kText},
                      {"description", W::kText},
                      {"unit", W::kText},
                      {"tax", W::kNumber},
                      {"category", W::kNumber},
                      {"owner_id", W::kInt},
                      {"is_linkable", W::kBool},
                      {"visible_to", W::kInt},
                      {"billing_frequency", W::kText},
                      {"billing_frequency_cycles", W::kInt}},
                     {"billing_frequency_cycles"}});
  // v1 (openapi-v1.yaml): leads, notes, files.
  objects.push_back(
      {"lead",
       "/api/v1/leads",
       false,
       "dealFields",
       "lead",
       "owner_id",
       "PATCH",
       false,
       500,
       {{"title", W::kText},
        {"owner_id", W::kInt},
        {"person_id", W::kInt},
        {"organization_id", W::kInt},
        {"value", W::kLeadValue},
        {"expected_close_date", W::kDate},
        {"visible_to", W::kIntText},
        {"was_seen", W::kBool},
        {"is_archived", W::kBool},
        {"origin_id", W::kText},
        {"channel", W::kInt},
        {"channel_id", W::kText}},
       {"title", "person_id", "organization_id", "value", "expected_close_date",
        "origin_id", "channel", "channel_id"}});
  objects.push_back({"note",
                     "/api/v1/notes",
                     false,
                     "",
                     "",
                     "user_id",
                     "PUT",
                     false,
                     500,
                     {{"content", W::kText},
                      {"lead_id", W::kText},
                      {"deal_id", W::kInt},
                      {"person_id", W::kInt},
                      {"org_id", W::kInt},
                      {"project_id", W::kInt},
                      {"task_id", W::kInt},
                      {"user_id", W::kInt},
                      {"add_time", W::kDateTimeV1},
                      {"pinned_to_lead_flag", W::kFlag01},
                      {"pinned_to_deal_flag", W::kFlag01},
                      {"pinned_to_organization_flag", W::kFlag01},
                      {"pinned_to_person_flag", W::kFlag01},
                      {"pinned_to_project_flag", W::kFlag01},
                      {"pinned_to_task_flag", W::kFlag01}},
                     {}});
  objects.push_back({"file",
                     "/api/v1/files",
                     false,
                     "",
                     "",
                     "",
                     "PUT",
                     true,
                     100,
                     {{"name", W::kText},
                      {"description", W::kText},
                      {"deal_id", W::kInt},
                      {"person_id", W::kInt},
                      {"org_id", W::kInt},
                      {"product_id", W::kInt},
                      {"activity_id", W::kInt},
                      {"lead_id", W::kText},
                      {"project_id", W::kInt}},
                     {}});
  return objects;
}

absl::Status Bad(const std::string& field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// A JSON scalar as text ("" for null).
std::string ScalarText(const json& in) {
  if (in.is_string()) return in.get<std::string>();
  if (in.is_null()) return "";
  return in.dump();
}

absl::StatusOr<int64_t> ToInt(const json& in, const std::string& field) {
  if (in.is_number_integer()) return in.get<int64_t>();
  if (in.is_number_float()) {
    double d = in.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d)))
      return static_cast<int64_t>(d);
  }
  int64_t n = 0;
  if (in.is_string() && absl::SimpleAtoi(in.get<std::string>(), &n)) return n;
  return Bad(field, "must be an integer");
}

absl::StatusOr<double> ToNumber(const json& in, const std::string& field) {
  if (in.is_number()) return in.get<double>();
  double d = 0;
  if (in.is_string() && absl::SimpleAtod(in.get<std::string>(), &d)) return d;
  return Bad(field, "must be a number");
}

absl::StatusOr<bool> ToBool(const json& in, const std::string& field) {
  if (in.is_boolean()) return in.get<bool>();
  if (in.is_number_integer()) {
    int64_t n = in.get<int64_t>();
    if (n == 0 || n == 1) return n == 1;
  }
  if (in.is_string()) {
    std::string s = absl::AsciiStrToLower(in.get<std::string>());
    if (s == "true" || s == "1" || s == "yes") return true;
    if (s == "false" || s == "0" || s == "no") return false;
  }
  return Bad(field, "must be a boolean");
}

absl::StatusOr<absl::Time> ToTime(const json& in, const std::string& field) {
  if (!in.is_string()) return Bad(field, "must be a date-time");
  auto ts = record::ParseTimestamp(in.get<std::string>(), "UTC");
  if (!ts.ok()) return Bad(field, "must be a date-time");
  return absl::FromUnixSeconds(ts->unix_seconds());
}

bool IsTimeOfDay(const std::string& s) {
  // HH:MM or HH:MM:SS.
  if (s.size() != 5 && s.size() != 8) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool colon = i == 2 || i == 5;
    if (colon ? s[i] != ':' : !std::isdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

// "HH:MM" for a number of minutes (hours may pass 24).
std::string HoursMinutes(int64_t minutes) {
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

json Contact(const json& value, bool primary) {
  return {{"value", value}, {"primary", primary}, {"label", "work"}};
}

}  // namespace

const ObjectSpec* FindObject(const std::string& target_object) {
  static const auto* kObjects = new std::vector<ObjectSpec>(MakeObjects());
  for (const auto& o : *kObjects)
    if (o.name == target_object) return &o;
  return nullptr;
}

std::string FieldsFamilyOf(const std::string& entity) {
  static const auto* kFamilies = new std::map<std::string, std::string>{
      {"person", "personFields"},
      {"persons", "personFields"},
      {"organization", "organizationFields"},
      {"organizations", "organizationFields"},
      {"deal", "dealFields"},
      {"deals", "dealFields"},
      {"lead", "dealFields"},
      {"leads", "dealFields"},
      {"product", "productFields"},
      {"products", "productFields"},
  };
  auto it = kFamilies->find(entity);
  return it == kFamilies->end() ? "" : it->second;
}

std::string FieldTypeFor(const std::string& map_type) {
  static const auto* kTypes = new std::map<std::string, std::string>{
      {"text", "varchar"},      {"string", "varchar"},
      {"varchar", "varchar"},   {"email", "varchar"},
      {"url", "varchar"},       {"textarea", "text"},
      {"long_text", "text"},    {"paragraph", "text"},
      {"dropdown", "enum"},     {"select", "enum"},
      {"enum", "enum"},         {"picklist", "enum"},
      {"multiselect", "set"},   {"multi_select", "set"},
      {"set", "set"},           {"checkboxes", "set"},
      {"date", "date"},         {"number", "double"},
      {"decimal", "double"},    {"double", "double"},
      {"integer", "double"},    {"money", "monetary"},
      {"monetary", "monetary"}, {"currency", "monetary"},
      {"phone", "phone"},       {"address", "address"},
      {"time", "time"},
  };
  auto it = kTypes->find(absl::AsciiStrToLower(map_type));
  return it == kTypes->end() ? "" : it->second;
}

std::string NormalizedFieldName(const std::string& text) {
  std::string s = absl::AsciiStrToLower(text);
  if (absl::StartsWith(s, "cf_")) s = s.substr(3);
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else if (!out.empty() && out.back() != '_') {
      out.push_back('_');
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string ErrorMessage(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  std::string m = JsonString(j, "error");
  if (!m.empty()) {
    std::string code = JsonString(j, "code");
    if (!code.empty()) absl::StrAppend(&m, " (", code, ")");
    return m;
  }
  return "request failed (no Pipedrive error message in the response)";
}

json ValueJson(const v1::Value& v, std::string* currency) {
  switch (v.kind_case()) {
    case v1::Value::kDecimalValue: {
      const v1::Decimal& d = v.decimal_value();
      if (!d.currency().empty() && currency != nullptr)
        *currency = d.currency();
      return std::strtod(record::DecimalToString(d).c_str(), nullptr);
    }
    case v1::Value::kListValue: {
      json arr = json::array();
      for (const auto& item : v.list_value().values())
        arr.push_back(ValueJson(item, currency));
      return arr;
    }
    default:
      return record::ValueToJson(v);
  }
}

absl::StatusOr<json> ToWire(Wire wire, const json& in, const std::string& field,
                            const std::string& currency) {
  if (in.is_null()) {
    // Lists cannot be null in v2; an empty one clears them.
    if (wire == Wire::kContacts || wire == Wire::kIntList ||
        wire == Wire::kParticipants) {
      return json::array();
    }
    return json(nullptr);
  }
  switch (wire) {
    case Wire::kAny:
      return in;
    case Wire::kText:
      if (in.is_object() || in.is_array()) return Bad(field, "must be text");
      return json(ScalarText(in));
    case Wire::kInt: {
      auto n = ToInt(in, field);
      if (!n.ok()) return n.status();
      return json(*n);
    }
    case Wire::kNumber: {
      auto d = ToNumber(in, field);
      if (!d.ok()) return d.status();
      if (in.is_number_integer()) return in;
      return json(*d);
    }
    case Wire::kBool: {
      auto b = ToBool(in, field);
      if (!b.ok()) return b.status();
      return json(*b);
    }
    case Wire::kFlag01: {
      auto b = ToBool(in, field);
      if (!b.ok()) return b.status();
      return json(*b ? 1 : 0);
    }
    case Wire::kIntText: {
      auto n = ToInt(in, field);
      if (!n.ok()) return n.status();
      return json(absl::StrCat(*n));
    }
    case Wire::kDate: {
      if (!in.is_string()) return Bad(field, "must be a date (YYYY-MM-DD)");
      // A timestamp's own (local) date, else the date itself.
      auto d = record::ParseDate(in.get<std::string>().substr(0, 10));
      if (!d.ok()) return Bad(field, "must be a date (YYYY-MM-DD)");
      return json(record::DateToString(*d));
    }
    case Wire::kTime: {
      if (in.is_string() && IsTimeOfDay(in.get<std::string>())) return in;
      return Bad(field, "must be a time of day (HH:MM)");
    }
    case Wire::kDuration: {
      if (in.is_string() && IsTimeOfDay(in.get<std::string>())) return in;
      if (in.is_number_integer() && in.get<int64_t>() >= 0) {
        return json(HoursMinutes(in.get<int64_t>()));
      }
      return Bad(field, "must be a duration (HH:MM, or minutes)");
    }
    case Wire::kDateTime:
    case Wire::kDateTimeV1: {
      auto t = ToTime(in, field);
      if (!t.ok()) return t.status();
      return json(absl::FormatTime(
          wire == Wire::kDateTime ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S",
          *t, absl::UTCTimeZone()));
    }
    case Wire::kContacts: {
      json out = json::array();
      if (in.is_string()) {
        if (!in.get<std::string>().empty()) out.push_back(Contact(in, true));
        return out;
      }
      if (in.is_object()) return json::array({in});
      if (!in.is_array()) return Bad(field, "must be text or a list");
      for (const auto& item : in) {
        if (item.is_object()) {
          out.push_back(item);
        } else if (item.is_string() && !item.get<std::string>().empty()) {
          out.push_back(Contact(item, out.empty()));
        }
      }
      return out;
    }
    case Wire::kAddress:
      if (in.is_object()) return in;
      if (in.is_array()) return Bad(field, "must be an address");
      return json{{"value", ScalarText(in)}};
    case Wire::kIntList: {
      json out = json::array();
      for (const auto& item : in.is_array() ? in : json::array({in})) {
        auto n = ToInt(item, field);
        if (!n.ok()) return n.status();
        out.push_back(*n);
      }
      return out;
    }
    case Wire::kLeadValue: {
      if (in.is_object()) return in;
      auto d = ToNumber(in, field);
      if (!d.ok()) return d.status();
      if (currency.empty()) {
        return Bad(field,
                   "needs a currency (a money value, or a 'currency' field)");
      }
      return json{{"amount", in.is_number_integer() ? in : json(*d)},
                  {"currency", currency}};
    }
    case Wire::kParticipants: {
      json out = json::array();
      for (const auto& item : in.is_array() ? in : json::array({in})) {
        if (item.is_object()) {
          out.push_back(item);
          continue;
        }
        auto n = ToInt(item, field);
        if (!n.ok()) return n.status();
        out.push_back({{"person_id", *n}, {"primary", out.empty()}});
      }
      return out;
    }
  }
  return in;
}

std::string JsonString(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

bool JsonBool(const json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::optional<int64_t> JsonInt(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

FieldDef ParseFieldDef(const json& field) {
  FieldDef def;
  def.code = JsonString(field, "field_code");
  def.name = JsonString(field, "field_name");
  def.type = JsonString(field, "field_type");
  def.custom = JsonBool(field, "is_custom_field", false);
  AddOptions(field.is_object() ? field.value("options", json()) : json(), &def);
  return def;
}

void AddOptions(const json& options, FieldDef* def) {
  if (!options.is_array()) return;
  for (const auto& o : options) {
    std::optional<int64_t> id = JsonInt(o, "id");
    if (id) def->options[JsonString(o, "label")] = *id;
  }
}

std::optional<int64_t> OptionId(const FieldDef& def, const std::string& label) {
  auto it = def.options.find(label);
  if (it != def.options.end()) return it->second;
  for (const auto& [l, id] : def.options)
    if (absl::EqualsIgnoreCase(l, label)) return id;
  return std::nullopt;
}

absl::StatusOr<json> CustomValue(const FieldDef& def, const std::string& name,
                                 const json& in, const std::string& currency,
                                 bool v2, std::string* v1_currency) {
  if (in.is_null()) return json(nullptr);
  const std::string& t = def.type;
  if (t == "varchar" || t == "varchar_auto" || t == "text" || t == "phone") {
    return ToWire(Wire::kText, in, name, "");
  }
  if (t == "double") return ToWire(Wire::kNumber, in, name, "");
  if (t == "date") return ToWire(Wire::kDate, in, name, "");
  if (t == "time") return ToWire(Wire::kTime, in, name, "");
  if (t == "org" || t == "people" || t == "user") {
    return ToWire(Wire::kInt, in, name, "");
  }
  if (t == "monetary") {
    if (in.is_object()) return in;
    auto amount = ToWire(Wire::kNumber, in, name, "");
    if (!amount.ok()) return amount.status();
    if (!v2) {
      if (v1_currency != nullptr) *v1_currency = currency;
      return amount;
    }
    json out = {{"value", *amount}};
    if (!currency.empty()) out["currency"] = currency;
    return out;
  }
  if (t == "address") {
    if (in.is_object()) return v2 ? in : json(JsonString(in, "value"));
    if (in.is_array()) return Bad(name, "must be an address");
    return v2 ? json{{"value", ScalarText(in)}} : json(ScalarText(in));
  }
  if (t == "enum" || t == "set") {
    std::vector<int64_t> ids;
    for (const auto& item : in.is_array() ? in : json::array({in})) {
      if (item.is_number_integer()) {
        ids.push_back(item.get<int64_t>());
        continue;
      }
      std::string label = ScalarText(item);
      std::optional<int64_t> id = OptionId(def, label);
      int64_t n = 0;
      if (!id && absl::SimpleAtoi(label, &n)) id = n;
      if (!id) {
        return Bad(name,
                   "not an option of the Pipedrive field (add it to the "
                   "map's choices)");
      }
      ids.push_back(*id);
    }
    if (t == "enum") {
      if (ids.size() != 1) return Bad(name, "takes exactly one option");
      return json(ids[0]);
    }
    if (ids.empty()) return json(nullptr);  // [] is refused; null clears
    if (v2) return json(ids);
    return json(absl::StrJoin(ids, ","));
  }
  return in;
}

json ReadCustomValue(const FieldDef& def, const json& stored) {
  const std::string& t = def.type;
  if (stored.is_object()) return stored.value("value", json());
  if (t != "enum" && t != "set") return stored;
  auto label = [&def](const json& id) -> json {
    std::string text = ScalarText(id);
    for (const auto& [l, option] : def.options)
      if (absl::StrCat(option) == text) return l;
    return id;
  };
  json ids = stored;
  if (stored.is_string() && t == "set") {
    ids = json::array();
    for (absl::string_view id : absl::StrSplit(stored.get<std::string>(), ',',
                                               absl::SkipWhitespace())) {
      ids.push_back(std::string(absl::StripAsciiWhitespace(id)));
    }
  }
  if (!ids.is_array()) return stored.is_null() ? stored : label(stored);
  json out = json::array();
  for (const auto& id : ids) out.push_back(label(id));
  return out;
}

json ReadAttribute(Wire wire, const json& stored) {
  switch (wire) {
    case Wire::kContacts:
    case Wire::kParticipants: {
      json out = json::array();
      if (!stored.is_array()) return out;
      const char* key = wire == Wire::kContacts ? "value" : "person_id";
      for (const auto& item : stored) {
        json v = item.is_object() ? item.value(key, json()) : item;
        if (!v.is_null()) out.push_back(std::move(v));
      }
      return out;
    }
    case Wire::kAddress:
    case Wire::kLeadValue:
      return stored.is_object()
                 ? stored.value(wire == Wire::kAddress ? "value" : "amount",
                                json())
                 : stored;
    default:
      return stored;
  }
}

json ReadActivityTime(const json& activity, bool end) {
  std::string date = JsonString(activity, "due_date");
  std::string time = JsonString(activity, "due_time");
  if (date.empty() || !IsTimeOfDay(time)) return end ? json() : json(date);
  absl::Time at;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M", date + " " + time.substr(0, 5),
                       absl::UTCTimeZone(), &at, &err)) {
    return json();
  }
  if (end) {
    std::string duration = JsonString(activity, "duration");
    int hours = 0;
    int minutes = 0;
    if (!IsTimeOfDay(duration) ||
        !absl::SimpleAtoi(duration.substr(0, 2), &hours) ||
        !absl::SimpleAtoi(duration.substr(3, 2), &minutes)) {
      return json();
    }
    at += absl::Hours(hours) + absl::Minutes(minutes);
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", at, absl::UTCTimeZone());
}

bool IsFieldCode(const std::string& key) {
  if (key.size() != 40) return false;
  for (char c : key) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f'))
      return false;
  }
  return true;
}

bool ValidId(const ObjectSpec& object, const std::string& id) {
  if (object.name == "lead") {
    if (id.size() != 36) return false;
    for (size_t i = 0; i < id.size(); ++i) {
      bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? id[i] != '-'
               : !std::isxdigit(static_cast<unsigned char>(id[i])))
        return false;
    }
    return true;
  }
  int64_t n = 0;
  return absl::SimpleAtoi(id, &n) && n > 0 &&
         std::isdigit(static_cast<unsigned char>(id[0]));
}

absl::Status ActivityTiming(const json& start, const json& end, json* body) {
  auto from = ToTime(start, "start");
  if (!from.ok()) return from.status();
  absl::TimeZone utc = absl::UTCTimeZone();
  (*body)["due_date"] = absl::FormatTime("%Y-%m-%d", *from, utc);
  (*body)["due_time"] = absl::FormatTime("%H:%M", *from, utc);
  if (end.is_null()) return absl::OkStatus();
  auto to = ToTime(end, "end");
  if (!to.ok()) return to.status();
  if (*to < *from) return Bad("end", "is before start");
  (*body)["duration"] = HoursMinutes(absl::ToInt64Minutes(*to - *from));
  return absl::OkStatus();
}

}  // namespace bridgework::crm::pipedrive
