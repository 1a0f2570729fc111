#include "emulators/pipedrive/pipedrive_schema.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "emulators/common/json_store.h"
#include "libs/common/strings.h"

namespace bridgework::emulator::pipedrive {
namespace {

using Json = nlohmann::json;

bool AllHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status Shape(const FieldDef& f, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("custom_fields.", f.code, " (",
                                                 f.type, "): expected ",
                                                 ToAbsl(expected)));
}

bool OptionExists(const FieldDef& f, int64_t id) {
  for (const auto& o : f.options) {
    if (o.id == id) return true;
  }
  return false;
}

const std::vector<std::pair<const char*, const char*>>& AddressParts() {
  static const auto* kParts =
      new std::vector<std::pair<const char*, const char*>>{
          {"value", "Address value"},
          {"street_number", "House number"},
          {"route", "Street/road name"},
          {"subpremise", "Apartment/suite"},
          {"sublocality", "District/sublocality"},
          {"locality", "City/town/village/locality"},
          {"admin_area_level_1", "State/province"},
          {"admin_area_level_2", "County"},
          {"country", "Country"},
          {"postal_code", "Postal code"},
          {"formatted_address", "Formatted address"}};
  return *kParts;
}

Json Subfields(const FieldDef& f) {
  auto sub = [&f](const char* code, const std::string& label,
                  const char* type) {
    return Json{{"field_code", code},
                {"field_name", absl::StrCat(label, " of ", f.name)},
                {"field_type", type}};
  };
  if (f.type == "monetary") {
    return Json::array({sub("value", "Amount", "double"),
                        sub("currency", "Currency", "varchar")});
  }
  if (f.type == "daterange") {
    return Json::array(
        {sub("value", "Start date", "date"), sub("until", "End date", "date")});
  }
  if (f.type == "timerange") {
    return Json::array({sub("value", "Start time", "time"),
                        sub("until", "End time", "time"),
                        sub("timezone_id", "Timezone", "int")});
  }
  if (f.type == "address") {
    Json out = Json::array();
    for (const auto& [code, label] : AddressParts()) {
      out.push_back(sub(code, label, "varchar"));
    }
    return out;
  }
  return nullptr;
}

// A system field with the default UI blocks.
FieldDef System(const char* code, const char* name, const char* type) {
  FieldDef f;
  f.code = code;
  f.name = name;
  f.type = type;
  f.ui_visibility = {{"add_visible_flag", true},
                     {"details_visible_flag", true}};
  f.important_fields = {{"enabled", false}, {"stage_ids", Json::array()}};
  f.required_fields = {{"enabled", false}};
  return f;
}

// Parses "12" or 12 as an option id.
std::optional<int64_t> OptionId(const Json& v) {
  if (v.is_boolean() || v.is_number_float()) return std::nullopt;
  return AsInt64(v);
}

}  // namespace

bool IsDate(std::string_view s) {
  if (s.size() != 10) return false;
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", ToAbsl(s), absl::UTCTimeZone(), &t, &err)) {
    return false;
  }
  return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()) == s;
}

bool IsTimeOfDay(std::string_view s) {
  if (s.size() != 5 && s.size() != 8) return false;
  auto two = [&s](size_t at, int max) {
    if (!absl::ascii_isdigit(s[at]) || !absl::ascii_isdigit(s[at + 1])) {
      return false;
    }
    return (s[at] - '0') * 10 + (s[at + 1] - '0') <= max;
  };
  if (!two(0, 23) || s[2] != ':' || !two(3, 59)) return false;
  return s.size() == 5 || (s[5] == ':' && two(6, 59));
}

std::optional<absl::Time> ParseDateTime(std::string_view s) {
  absl::Time t;
  std::string err;
  if (s.size() >= 20 &&
      absl::ParseTime(absl::RFC3339_full, ToAbsl(s), &t, &err)) {
    return t;
  }
  if (s.size() == 19 && absl::ParseTime("%Y-%m-%d %H:%M:%S", ToAbsl(s),
                                        absl::UTCTimeZone(), &t, &err)) {
    return t;
  }
  return std::nullopt;
}

std::string V2Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string V1Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", t, absl::UTCTimeZone());
}

bool IsCurrencyCode(const Json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 3) return false;
  for (char c : s) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool IsFieldKey(std::string_view s) { return s.size() == 40 && AllHex(s); }

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !AllHex(s.substr(i, 1))) return false;
  }
  return true;
}

bool SafeToName(std::string_view key) {
  if (IsFieldKey(key)) return true;
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

std::optional<int64_t> StrictInt(const Json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  return AsInt64(v);
}

std::optional<int64_t> PositiveId(const std::string& s) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(s, &id) || id <= 0) return std::nullopt;
  return id;
}

bool Blank(const Json& v) {
  return !v.is_string() ||
         absl::StripAsciiWhitespace(v.get<std::string>()).empty();
}

const Json& At(const Json& object, const std::string& key) {
  static const Json* kNull = new Json(nullptr);
  if (!object.is_object()) return *kNull;
  auto it = object.find(key);
  return it == object.end() ? *kNull : *it;
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

std::optional<Json> NormalizeAddress(const Json& v, bool need_value) {
  if (!v.is_object()) return std::nullopt;
  Json out = Json::object();
  for (const auto& [key, part] : v.items()) {
    bool known = false;
    for (const auto& [code, label] : AddressParts()) known |= key == code;
    if (!known || !(part.is_string() || part.is_null())) return std::nullopt;
    if (part.is_string()) out[key] = part;
  }
  if (need_value && !out.contains("value")) return std::nullopt;
  return out;
}

const char* Collection(Kind k) {
  switch (k) {
    case Kind::kPerson:
      return "persons";
    case Kind::kOrganization:
      return "organizations";
    case Kind::kDeal:
      return "deals";
    case Kind::kActivity:
      return "activities";
    case Kind::kProduct:
      return "products";
    case Kind::kPipeline:
      return "pipelines";
    case Kind::kStage:
      return "stages";
  }
  return "";
}

int64_t FirstId(Kind k) {
  switch (k) {
    case Kind::kOrganization:
      return 1000001;
    case Kind::kPerson:
      return 2000001;
    case Kind::kDeal:
      return 3000001;
    case Kind::kActivity:
      return 4000001;
    case Kind::kProduct:
      return 5000001;
    case Kind::kPipeline:
    case Kind::kStage:
      return 1;
  }
  return 1;
}

std::optional<FieldEntity> FieldsOf(Kind k) {
  switch (k) {
    case Kind::kPerson:
      return FieldEntity::kPerson;
    case Kind::kOrganization:
      return FieldEntity::kOrganization;
    case Kind::kDeal:
      return FieldEntity::kDeal;
    case Kind::kProduct:
      return FieldEntity::kProduct;
    default:
      return std::nullopt;
  }
}

const char* FieldEntityName(FieldEntity e) {
  switch (e) {
    case FieldEntity::kPerson:
      return "person";
    case FieldEntity::kOrganization:
      return "organization";
    case FieldEntity::kDeal:
      return "deal";
    case FieldEntity::kProduct:
      return "product";
  }
  return "";
}

const char* FieldsCollection(FieldEntity e) {
  switch (e) {
    case FieldEntity::kPerson:
      return "personFields";
    case FieldEntity::kOrganization:
      return "organizationFields";
    case FieldEntity::kDeal:
      return "dealFields";
    case FieldEntity::kProduct:
      return "productFields";
  }
  return "";
}

std::optional<FieldEntity> ParseFieldEntity(std::string_view s) {
  for (FieldEntity e : kFieldEntities) {
    if (s == FieldEntityName(e)) return e;
  }
  return std::nullopt;
}

std::vector<FieldDef> SystemFields(FieldEntity e) {
  switch (e) {
    case FieldEntity::kPerson:
      return {System("name", "Name", "varchar"),
              System("first_name", "First name", "varchar"),
              System("last_name", "Last name", "varchar"),
              System("email", "Email", "varchar"),
              System("phone", "Phone", "phone"),
              System("org_id", "Organization", "org"),
              System("owner_id", "Owner", "user"),
              System("label_ids", "Labels", "set"),
              System("postal_address", "Postal address", "address"),
              System("birthday", "Birthday", "date"),
              System("job_title", "Job title", "varchar"),
              System("notes", "Notes", "text"),
              System("visible_to", "Visible to", "visible_to"),
              System("add_time", "Person created", "date"),
              System("update_time", "Update time", "date")};
    case FieldEntity::kOrganization:
      return {System("name", "Name", "varchar"),
              System("owner_id", "Owner", "user"),
              System("address", "Address", "address"),
              System("label_ids", "Labels", "set"),
              System("website", "Website", "varchar"),
              System("linkedin", "LinkedIn profile", "varchar"),
              System("industry", "Industry", "enum"),
              System("annual_revenue", "Annual revenue", "int"),
              System("employee_count", "Number of employees", "int"),
              System("visible_to", "Visible to", "visible_to"),
              System("add_time", "Organization created", "date"),
              System("update_time", "Update time", "date")};
    case FieldEntity::kDeal:
      return {System("title", "Title", "varchar"),
              System("value", "Value", "monetary"),
              System("person_id", "Contact person", "people"),
              System("org_id", "Organization", "org"),
              System("owner_id", "Owner", "user"),
              System("pipeline_id", "Pipeline", "int"),
              System("stage_id", "Stage", "stage"),
              System("status", "Status", "status"),
              System("probability", "Probability", "double"),
              System("lost_reason", "Lost reason", "varchar"),
              System("expected_close_date", "Expected close date", "date"),
              System("label_ids", "Label", "set"),
              System("visible_to", "Visible to", "visible_to"),
              System("add_time", "Deal created", "date"),
              System("update_time", "Update time", "date"),
              System("close_time", "Deal closed on", "date"),
              System("won_time", "Won time", "date"),
              System("lost_time", "Lost time", "date")};
    case FieldEntity::kProduct:
      return {
          System("name", "Name", "varchar"),
          System("code", "Product code", "varchar"),
          System("description", "Description", "text"),
          System("unit", "Unit", "varchar"),
          System("tax", "Tax", "double"),
          System("category", "Category", "enum"),
          System("owner_id", "Owner", "user"),
          System("prices", "Prices", "price_list"),
          System("is_linkable", "Linkable", "boolean"),
          System("visible_to", "Visible to", "visible_to"),
          System("billing_frequency", "Billing frequency", "billing_frequency"),
          System("add_time", "Product created", "date"),
          System("update_time", "Update time", "date")};
  }
  return {};
}

bool CreatableFieldType(std::string_view type) {
  static const auto* kTypes = new std::set<std::string_view>{
      "varchar",  "text",      "double", "phone", "date",         "daterange",
      "time",     "timerange", "set",    "enum",  "varchar_auto", "address",
      "monetary", "org",       "people", "user"};
  return kTypes->count(type) > 0;
}

bool HasOptions(std::string_view type) {
  return type == "enum" || type == "set";
}

bool SearchableFieldType(std::string_view type) {
  return type == "address" || type == "varchar" || type == "text" ||
         type == "varchar_auto" || type == "double" || type == "monetary" ||
         type == "phone";
}

Json FieldJson(const FieldDef& f, bool blocks) {
  Json out = {{"field_name", f.name},
              {"field_code", f.code},
              {"field_type", f.type},
              {"is_custom_field", f.custom},
              {"is_optional_response_field", false},
              {"subfields", Subfields(f)}};
  if (!f.description.empty()) out["description"] = f.description;
  if (HasOptions(f.type) && (f.custom || !f.options.empty())) {
    Json options = Json::array();
    for (const auto& o : f.options) {
      options.push_back({{"id", o.id},
                         {"label", o.label},
                         {"color", o.color ? Json(*o.color) : Json(nullptr)},
                         {"add_time", o.add_time},
                         {"update_time", o.add_time}});
    }
    out["options"] = options;
  } else {
    out["options"] = nullptr;
  }
  if (blocks) {
    out["ui_visibility"] = f.ui_visibility;
    out["important_fields"] = f.important_fields;
    out["required_fields"] = f.required_fields;
  }
  return out;
}

absl::StatusOr<Json> NormalizeV2Value(const FieldDef& f, const Json& value,
                                      const RefExists& exists) {
  if (value.is_null()) return value;
  const std::string& t = f.type;
  if (t == "varchar" || t == "varchar_auto" || t == "text" || t == "phone") {
    if (!value.is_string()) return Shape(f, "a string");
    if (t == "varchar" && value.get_ref<const std::string&>().size() > 255) {
      return Shape(f, "at most 255 characters");
    }
    return value;
  }
  if (t == "double") {
    if (!value.is_number()) return Shape(f, "a number");
    return value;
  }
  if (t == "date") {
    if (!value.is_string() || !IsDate(value.get<std::string>())) {
      return Shape(f, "a date \"YYYY-MM-DD\"");
    }
    return value;
  }
  if (t == "time") {
    if (!value.is_string() || !IsTimeOfDay(value.get<std::string>())) {
      return Shape(f, "a time \"HH:MM\"");
    }
    return value;
  }
  if (t == "daterange" || t == "timerange") {
    bool dates = t == "daterange";
    auto ok = [dates](const Json& v) {
      return v.is_string() && (dates ? IsDate(v.get<std::string>())
                                     : IsTimeOfDay(v.get<std::string>()));
    };
    if (!value.is_object() || !ok(At(value, "value")) ||
        !ok(At(value, "until"))) {
      return Shape(f, dates ? "{\"value\": date, \"until\": date}"
                            : "{\"value\": time, \"until\": time}");
    }
    Json out = {{"value", value["value"]}, {"until", value["until"]}};
    if (!dates && value.contains("timezone_id")) {
      if (!StrictInt(value["timezone_id"])) {
        return Shape(f, "an integer timezone_id");
      }
      out["timezone_id"] = value["timezone_id"];
    }
    return out;
  }
  if (t == "enum") {
    std::optional<int64_t> id = StrictInt(value);
    if (!id) return Shape(f, "an option id (integer)");
    if (!OptionExists(f, *id)) return Shape(f, "one of the field's option ids");
    return Json(*id);
  }
  if (t == "set") {
    if (!value.is_array() || value.empty()) {
      return Shape(f, "a non-empty array of option ids");
    }
    Json out = Json::array();
    for (const auto& item : value) {
      std::optional<int64_t> id = StrictInt(item);
      if (!id || !OptionExists(f, *id)) {
        return Shape(f, "an array of the field's option ids");
      }
      out.push_back(*id);
    }
    return out;
  }
  if (t == "monetary") {
    if (!value.is_object() || !At(value, "value").is_number() ||
        !IsCurrencyCode(At(value, "currency"))) {
      return Shape(f, "{\"value\": number, \"currency\": \"USD\"}");
    }
    return Json{{"value", value["value"]}, {"currency", value["currency"]}};
  }
  if (t == "address") {
    std::optional<Json> address = NormalizeAddress(value, true);
    if (!address) return Shape(f, "{\"value\": string, ...address parts}");
    return *address;
  }
  if (t == "org" || t == "people" || t == "user") {
    std::optional<int64_t> id = StrictInt(value);
    std::string_view kind = t == "org"      ? "org"
                            : t == "people" ? "person"
                                            : "user";
    if (!id || !exists(kind, *id)) {
      return Shape(
          f, absl::StrCat("the id of an existing ", t == "org" ? "organization"
                                                    : t == "people" ? "person"
                                                                    : "user"));
    }
    return Json(*id);
  }
  return Shape(f, "a value of a supported type");
}

absl::StatusOr<std::optional<Json>> NormalizeV1Value(const FieldDef& f,
                                                     const Json& body,
                                                     const RefExists& exists) {
  const std::string& k = f.code;
  std::string currency_key = k + "_currency";
  std::string until_key = k + "_until";
  if (!body.contains(k)) return std::optional<Json>();
  const Json& v = body[k];
  if (v.is_null()) return std::optional<Json>(Json(nullptr));
  Json v2 = v;
  if (f.type == "enum") {
    std::optional<int64_t> id = OptionId(v);
    if (!id) return Shape(f, "an option id");
    v2 = *id;
  } else if (f.type == "set") {
    v2 = Json::array();
    if (v.is_string()) {
      for (absl::string_view part :
           absl::StrSplit(v.get<std::string>(), ',', absl::SkipWhitespace())) {
        int64_t id = 0;
        if (!absl::SimpleAtoi(part, &id)) {
          return Shape(f, "option ids \"1,2\"");
        }
        v2.push_back(id);
      }
    } else if (v.is_array()) {
      for (const auto& item : v) {
        std::optional<int64_t> id = OptionId(item);
        if (!id) return Shape(f, "option ids");
        v2.push_back(*id);
      }
    } else {
      return Shape(f, "option ids \"1,2\"");
    }
  } else if (f.type == "monetary") {
    Json currency =
        body.contains(currency_key) ? body[currency_key] : Json("USD");
    v2 = {{"value", v}, {"currency", currency}};
  } else if (f.type == "daterange" || f.type == "timerange") {
    v2 = {{"value", v}, {"until", At(body, until_key.c_str())}};
  } else if (f.type == "address") {
    v2 = {{"value", v}};
  } else if (f.type == "double" && v.is_string()) {
    double d = 0;
    if (!absl::SimpleAtod(v.get<std::string>(), &d)) {
      return Shape(f, "a number");
    }
    v2 = d;
  }
  absl::StatusOr<Json> out = NormalizeV2Value(f, v2, exists);
  if (!out.ok()) return out.status();
  return std::optional<Json>(*std::move(out));
}

void PutV1Value(const FieldDef& f, const Json& stored, Json& record) {
  const std::string& k = f.code;
  if (stored.is_null()) {
    record[k] = nullptr;
    return;
  }
  if (f.type == "enum") {
    record[k] = absl::StrCat(stored.get<int64_t>());
  } else if (f.type == "set") {
    std::vector<std::string> ids;
    for (const auto& id : stored)
      ids.push_back(absl::StrCat(id.get<int64_t>()));
    record[k] = absl::StrJoin(ids, ",");
  } else if (f.type == "monetary") {
    record[k] = stored["value"];
    record[k + "_currency"] = stored["currency"];
  } else if (f.type == "daterange" || f.type == "timerange") {
    record[k] = stored["value"];
    record[k + "_until"] = stored["until"];
  } else if (f.type == "address") {
    record[k] = stored["value"];
    for (const auto& [part, value] : stored.items()) {
      if (part != "value") record[k + "_" + part] = value;
    }
  } else {
    record[k] = stored;
  }
}

std::vector<std::string> SearchTexts(const FieldDef& f, const Json& stored) {
  if (stored.is_null() || !SearchableFieldType(f.type)) return {};
  if (f.type == "monetary" || f.type == "address") {
    return {ScalarText(At(stored, "value"))};
  }
  return {ScalarText(stored)};
}

std::vector<User> DefaultUsers() {
  return {
      {14000001, "Office Owner", "owner@bridgework.example", true, true, ""},
      {14000002, "Elena Rivera", "dr.rivera@smilebright.example", true, false,
       ""},
      {14000003, "Wei Chen", "dr.chen@smilebright.example", true, false, ""},
  };
}

absl::StatusOr<std::vector<User>> ParseUsers(const Json& list) {
  if (!list.is_array() || list.empty()) {
    return absl::InvalidArgumentError("users must be a non-empty JSON array");
  }
  std::vector<User> out;
  std::set<int64_t> ids;
  std::set<std::string> tokens;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& u = list[i];
    std::string where = absl::StrCat("user [", i, "]");
    if (!u.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    }
    User user;
    std::optional<int64_t> id = StrictInt(At(u, "id"));
    if (!id || *id <= 0 || !ids.insert(*id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": id must be a unique positive integer"));
    }
    user.id = *id;
    const Json& email = At(u, "email");
    if (!email.is_string() || email.get<std::string>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": needs an email"));
    }
    user.email = email;
    const Json& name =
        u.contains("name") ? At(u, "name") : At(u, "display_name");
    user.name = name.is_string() ? name.get<std::string>() : user.email;
    for (const char* k : {"active_flag", "is_active"}) {
      if (At(u, k).is_boolean()) user.active = u[k];
    }
    user.admin = i == 0 || At(u, "is_admin") == true;
    const Json& token = At(u, "api_token");
    if (!token.is_null()) {
      if (!token.is_string() || token.get<std::string>().empty() ||
          !tokens.insert(token.get<std::string>()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": api_token must be a unique string"));
      }
      user.api_token = token;
    }
    out.push_back(std::move(user));
  }
  return out;
}

Json UserJson(const User& u, bool is_you, absl::Time created) {
  std::string when = V1Time(created);
  Json access = Json::array();
  for (const char* app : {"sales", "global"}) {
    access.push_back(
        {{"app", app},
         {"admin", u.admin},
         {"permission_set_id",
          absl::StrCat(u.admin ? "a0000000" : "b0000000", "-0000-4000-8000-",
                       std::string(12, '0'))}});
  }
  return {{"id", u.id},
          {"name", u.name},
          {"default_currency", "USD"},
          {"locale", "en_US"},
          {"lang", 1},
          {"email", u.email},
          {"phone", nullptr},
          {"activated", u.active},
          {"last_login", when},
          {"created", when},
          {"modified", when},
          {"has_created_company", u.admin},
          {"access", access},
          {"active_flag", u.active},
          {"timezone_name", "UTC"},
          {"timezone_offset", "+00:00"},
          {"role_id", 1},
          {"icon_url", nullptr},
          {"is_you", is_you},
          {"is_deleted", false}};
}

}  // namespace bridgework::emulator::pipedrive
