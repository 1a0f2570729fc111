#include "emulators/freshsales/freshsales_schema.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "emulators/common/json_store.h"

namespace bridgework::emulator::freshsales {
namespace {

using Json = nlohmann::json;

std::string TypeError(const std::string& field) {
  return absl::StrCat("The type for ", field, " is invalid.");
}

bool LooksLikeEmail(const std::string& s) {
  size_t at = s.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= s.size()) return false;
  if (s.find('@', at + 1) != std::string::npos) return false;
  if (s.find('.', at + 1) == std::string::npos) return false;
  for (char c : s) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return s.back() != '.';
}

bool IsDate(const std::string& s) {
  if (s.size() < 10 || (s.size() > 10 && s[10] != 'T')) return false;
  absl::Time t;
  std::string err;
  return absl::ParseTime("%Y-%m-%d", s.substr(0, 10), &t, &err);
}

// Text of a string or number; nullopt for other types.
std::optional<std::string> TextOf(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return v.dump();
  return std::nullopt;
}

void NormalizeStandard(const StandardField& f, const Json& v, Normalized& out) {
  const std::string name = f.name;
  if (v.is_null()) {
    out.record[name] = nullptr;
    return;
  }
  switch (f.kind) {
    case FieldKind::kString: {
      auto text = TextOf(v);
      if (!text) return out.errors.push_back(TypeError(name));
      out.record[name] = *text;
      return;
    }
    case FieldKind::kEmail: {
      if (!v.is_string()) return out.errors.push_back(TypeError(name));
      std::string e(absl::StripAsciiWhitespace(v.get<std::string>()));
      if (!e.empty() && !LooksLikeEmail(e)) {
        return out.errors.push_back("Email is invalid");
      }
      out.record[name] = e;
      return;
    }
    case FieldKind::kInteger: {
      std::optional<int64_t> n = AsInt64(v);
      if (!n) return out.errors.push_back(TypeError(name));
      out.record[name] = *n;
      return;
    }
    case FieldKind::kNumber: {
      double d = 0;
      if (v.is_number() ||
          (v.is_string() && absl::SimpleAtod(v.get<std::string>(), &d))) {
        out.record[name] = v;
        return;
      }
      return out.errors.push_back(TypeError(name));
    }
    case FieldKind::kStringList: {
      if (!v.is_array()) return out.errors.push_back(TypeError(name));
      Json list = Json::array();
      for (const auto& item : v) {
        if (!item.is_string()) return out.errors.push_back(TypeError(name));
        list.push_back(item);
      }
      out.record[name] = list;
      return;
    }
    case FieldKind::kEmails: {
      if (!v.is_array()) return out.errors.push_back(TypeError(name));
      Json list = Json::array();
      for (const auto& item : v) {
        Json value;
        bool primary = false;
        if (item.is_string()) {
          value = item;
        } else if (item.is_object() && item.contains("value")) {
          value = item["value"];
          if (item.contains("is_primary")) {
            if (!item["is_primary"].is_boolean()) {
              return out.errors.push_back(TypeError(name));
            }
            primary = item["is_primary"].get<bool>();
          }
        }
        if (!value.is_string()) return out.errors.push_back(TypeError(name));
        std::string e(absl::StripAsciiWhitespace(value.get<std::string>()));
        if (e.empty()) continue;
        if (!LooksLikeEmail(e)) return out.errors.push_back("Email is invalid");
        list.push_back({{"value", e}, {"is_primary", primary}});
      }
      out.record[name] = list;
      return;
    }
    case FieldKind::kSalesAccounts: {
      if (!v.is_array()) return out.errors.push_back(TypeError(name));
      Json list = Json::array();
      for (const auto& item : v) {
        if (!item.is_object() || !item.contains("id")) {
          return out.errors.push_back(TypeError(name));
        }
        std::optional<int64_t> id = AsInt64(item["id"]);
        bool primary = false;
        if (item.contains("is_primary") && !item["is_primary"].is_null()) {
          if (!item["is_primary"].is_boolean()) {
            return out.errors.push_back(TypeError(name));
          }
          primary = item["is_primary"].get<bool>();
        }
        if (!id) return out.errors.push_back(TypeError(name));
        list.push_back({{"id", *id}, {"is_primary", primary}});
      }
      out.record[name] = list;
      return;
    }
  }
}

void NormalizeCustom(const CustomField& f, const Json& v, Json& cf,
                     std::vector<std::string>& errors) {
  if (v.is_null()) {
    cf[f.name] = nullptr;
    return;
  }
  if (f.type == "text" || f.type == "textarea") {
    auto text = TextOf(v);
    if (!text) return errors.push_back(TypeError(f.name));
    cf[f.name] = *text;
  } else if (f.type == "number") {
    double d = 0;
    if (!v.is_number() &&
        !(v.is_string() && absl::SimpleAtod(v.get<std::string>(), &d))) {
      return errors.push_back(TypeError(f.name));
    }
    cf[f.name] = v;
  } else if (f.type == "date") {
    if (!v.is_string() || !IsDate(v.get<std::string>())) {
      return errors.push_back(
          absl::StrCat("Invalid date for ", f.name, " (expected YYYY-MM-DD)"));
    }
    cf[f.name] = v;
  } else if (f.type == "checkbox") {
    if (v.is_boolean()) {
      cf[f.name] = v;
    } else if (v == "true" || v == "false") {
      cf[f.name] = v == "true";
    } else {
      errors.push_back(TypeError(f.name));
    }
  } else {  // dropdown, radio
    auto text = TextOf(v);
    bool ok = false;
    for (const auto& c : f.choices) ok = ok || (text && *text == c);
    if (!ok)
      return errors.push_back(absl::StrCat("Invalid choice for ", f.name));
    cf[f.name] = *text;
  }
}

}  // namespace

const char* Singular(Entity e) {
  return e == Entity::kContact ? "contact" : "sales_account";
}
const char* Plural(Entity e) {
  return e == Entity::kContact ? "contacts" : "sales_accounts";
}
const char* Label(Entity e) {
  return e == Entity::kContact ? "Contact" : "Sales account";
}

const std::vector<StandardField>& StandardFields(Entity e) {
  using K = FieldKind;
  static const auto* kContact = new std::vector<StandardField>{
      {"first_name", "First name", "text", K::kString},
      {"last_name", "Last name", "text", K::kString},
      {"email", "Email", "email", K::kEmail},
      {"emails", "Emails", "email", K::kEmails},
      {"mobile_number", "Mobile", "phone_number", K::kString},
      {"work_number", "Work", "phone_number", K::kString},
      {"job_title", "Job title", "text", K::kString},
      {"address", "Address", "textarea", K::kString},
      {"city", "City", "text", K::kString},
      {"state", "State", "text", K::kString},
      {"zipcode", "Zipcode", "text", K::kString},
      {"country", "Country", "text", K::kString},
      {"time_zone", "Time zone", "dropdown", K::kString},
      {"owner_id", "Sales owner", "dropdown", K::kInteger},
      {"territory_id", "Territory", "dropdown", K::kInteger},
      {"contact_status_id", "Status", "dropdown", K::kInteger},
      {"lifecycle_stage_id", "Lifecycle stage", "dropdown", K::kInteger},
      {"lead_source_id", "Source", "dropdown", K::kInteger},
      {"external_id", "External ID", "text", K::kString},
      {"tags", "Tags", "multi_select_dropdown", K::kStringList},
      {"sales_accounts", "Accounts", "lookup", K::kSalesAccounts},
      {"medium", "Medium", "text", K::kString},
      {"keyword", "Keyword", "text", K::kString},
      {"facebook", "Facebook", "text", K::kString},
      {"twitter", "Twitter", "text", K::kString},
      {"linkedin", "LinkedIn", "text", K::kString},
  };
  static const auto* kAccount = new std::vector<StandardField>{
      {"name", "Name", "text", K::kString},
      {"address", "Address", "textarea", K::kString},
      {"city", "City", "text", K::kString},
      {"state", "State", "text", K::kString},
      {"zipcode", "Zipcode", "text", K::kString},
      {"country", "Country", "text", K::kString},
      {"phone", "Phone", "phone_number", K::kString},
      {"website", "Website", "url", K::kString},
      {"owner_id", "Sales owner", "dropdown", K::kInteger},
      {"territory_id", "Territory", "dropdown", K::kInteger},
      {"industry_type_id", "Industry type", "dropdown", K::kInteger},
      {"business_type_id", "Business type", "dropdown", K::kInteger},
      {"number_of_employees", "Number of employees", "number", K::kInteger},
      {"annual_revenue", "Annual revenue", "number", K::kNumber},
      {"parent_sales_account_id", "Parent account", "lookup", K::kInteger},
      {"tags", "Tags", "multi_select_dropdown", K::kStringList},
      {"facebook", "Facebook", "text", K::kString},
      {"twitter", "Twitter", "text", K::kString},
      {"linkedin", "LinkedIn", "text", K::kString},
  };
  return e == Entity::kContact ? *kContact : *kAccount;
}

absl::StatusOr<std::vector<CustomField>> ParseCustomFields(const Json& list) {
  static const std::set<std::string> kTypes = {
      "text", "textarea", "number", "date", "checkbox", "dropdown", "radio"};
  if (!list.is_array()) {
    return absl::InvalidArgumentError("custom fields must be a JSON array");
  }
  std::vector<CustomField> out;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& def = list[i];
    std::string where = absl::StrCat("custom field [", i, "]");
    if (!def.is_object() || !def.contains("name") || !def["name"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": needs a name"));
    }
    CustomField f;
    f.name = def["name"].get<std::string>();
    bool valid_name = f.name.size() > 3 && f.name.rfind("cf_", 0) == 0;
    for (char c : f.name) {
      valid_name = valid_name && (absl::ascii_islower(c) ||
                                  absl::ascii_isdigit(c) || c == '_');
    }
    if (!valid_name) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": name '", f.name, "' must look like cf_[a-z0-9_]+"));
    }
    if (!names.insert(f.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate name ", f.name));
    }
    f.label = def.contains("label") && def["label"].is_string()
                  ? def["label"].get<std::string>()
                  : f.name;
    f.type = def.contains("type") && def["type"].is_string()
                 ? def["type"].get<std::string>()
                 : "text";
    if (!kTypes.count(f.type)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown type '", f.type, "' for ", f.name));
    }
    if (f.type == "dropdown" || f.type == "radio") {
      if (!def.contains("choices") || !def["choices"].is_array() ||
          def["choices"].empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": ", f.name, " needs choices"));
      }
      for (const auto& c : def["choices"]) {
        if (c.is_string()) {
          f.choices.push_back(c.get<std::string>());
        } else if (c.is_object() && c.contains("value") &&
                   c["value"].is_string()) {
          f.choices.push_back(c["value"].get<std::string>());
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": choices of ", f.name, " must be strings"));
        }
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<User> DefaultUsers() {
  return {
      {1, "Office Owner", "owner@bridgework.example", true},
      {2, "Elena Rivera", "dr.rivera@smilebright.example", true},
      {3, "Wei Chen", "dr.chen@smilebright.example", true},
  };
}

absl::StatusOr<std::vector<User>> ParseUsers(const Json& list) {
  if (!list.is_array() || list.empty()) {
    return absl::InvalidArgumentError("users must be a non-empty JSON array");
  }
  std::vector<User> out;
  std::set<int64_t> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& u = list[i];
    std::string where = absl::StrCat("user [", i, "]");
    if (!u.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    }
    User user;
    std::optional<int64_t> id = u.contains("id") && u["id"].is_number_integer()
                                    ? AsInt64(u["id"])
                                    : std::nullopt;
    if (!id || *id <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": id must be a positive integer"));
    }
    if (!ids.insert(*id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate id ", *id));
    }
    user.id = *id;
    if (!u.contains("email") || !u["email"].is_string() ||
        u["email"].get<std::string>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": needs an email"));
    }
    user.email = u["email"].get<std::string>();
    user.display_name =
        u.contains("display_name") && u["display_name"].is_string()
            ? u["display_name"].get<std::string>()
            : user.email;
    if (u.contains("is_active")) {
      if (!u["is_active"].is_boolean()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": is_active must be a boolean"));
      }
      user.is_active = u["is_active"].get<bool>();
    }
    out.push_back(std::move(user));
  }
  return out;
}

Normalized NormalizeInput(Entity e, const Json& input,
                          const std::vector<CustomField>& custom) {
  Normalized out;
  if (!input.is_object()) {
    out.errors.push_back(
        absl::StrCat("The ", Singular(e), " must be an object"));
    return out;
  }
  for (const auto& [key, value] : input.items()) {
    if (key == "custom_field") {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        out.errors.push_back(TypeError("custom_field"));
        continue;
      }
      Json cf = Json::object();
      for (const auto& [name, v] : value.items()) {
        const CustomField* def = nullptr;
        for (const auto& f : custom) {
          if (f.name == name) def = &f;
        }
        if (def == nullptr) {
          out.errors.push_back(absl::StrCat("Unknown custom field: ", name));
          continue;
        }
        NormalizeCustom(*def, v, cf, out.errors);
      }
      out.record["custom_field"] = cf;
      continue;
    }
    const StandardField* field = nullptr;
    for (const auto& f : StandardFields(e)) {
      if (key == f.name) field = &f;
    }
    if (field == nullptr) {
      out.ignored.push_back(key);
      continue;
    }
    NormalizeStandard(*field, value, out);
  }
  return out;
}

void ReconcileEmails(Json& record) {
  if (!record.contains("emails") || !record["emails"].is_array()) return;
  Json& emails = record["emails"];
  std::string primary_email =
      record.contains("email") && record["email"].is_string()
          ? record["email"].get<std::string>()
          : "";
  if (!primary_email.empty()) {
    bool found = false;
    for (auto& item : emails) {
      bool match = absl::AsciiStrToLower(item["value"].get<std::string>()) ==
                   absl::AsciiStrToLower(primary_email);
      item["is_primary"] = match && !found;
      found = found || match;
    }
    if (!found) {
      emails.insert(emails.begin(),
                    Json{{"value", primary_email}, {"is_primary", true}});
    }
    return;
  }
  if (emails.empty()) return;
  size_t primary = 0;
  for (size_t i = emails.size(); i-- > 0;) {
    if (emails[i]["is_primary"] == true) primary = i;
  }
  for (size_t i = 0; i < emails.size(); ++i)
    emails[i]["is_primary"] = i == primary;
  record["email"] = emails[primary]["value"];
}

std::vector<std::string> EmailsOf(const Json& record) {
  std::vector<std::string> out;
  if (record.contains("email") && record["email"].is_string() &&
      !record["email"].get<std::string>().empty()) {
    out.push_back(absl::AsciiStrToLower(record["email"].get<std::string>()));
  }
  if (record.contains("emails") && record["emails"].is_array()) {
    for (const auto& item : record["emails"]) {
      if (item.is_object() && item.contains("value") &&
          item["value"].is_string()) {
        out.push_back(absl::AsciiStrToLower(item["value"].get<std::string>()));
      }
    }
  }
  return out;
}

const Json& CustomValue(const Json& record, const std::string& name) {
  static const Json* kNull = new Json(nullptr);
  auto cf = record.find("custom_field");
  if (cf == record.end() || !cf->is_object()) return *kNull;
  auto it = cf->find(name);
  return it == cf->end() ? *kNull : *it;
}

Json FieldsListing(Entity e, const std::vector<CustomField>& custom) {
  // Deterministic ids: entity base + position.
  int64_t base = e == Entity::kContact ? 16000000000 : 16000100000;
  Json fields = Json::array();
  int64_t n = 0;
  for (const auto& f : StandardFields(e)) {
    fields.push_back({{"id", base + ++n},
                      {"name", f.name},
                      {"label", f.label},
                      {"type", f.type},
                      {"default", true},
                      {"required", std::string(f.name) == "name"}});
  }
  n = 1000;
  for (const auto& f : custom) {
    Json def = {{"id", base + ++n}, {"name", f.name},   {"label", f.label},
                {"type", f.type},   {"default", false}, {"required", false}};
    if (f.type == "dropdown" || f.type == "radio") {
      Json choices = Json::array();
      for (size_t i = 0; i < f.choices.size(); ++i) {
        int64_t choice_id =
            base + 50000 + (n - 1000) * 100 + static_cast<int64_t>(i) + 1;
        choices.push_back(
            {{"id", choice_id}, {"value", f.choices[i]}, {"position", i + 1}});
      }
      def["choices"] = choices;
    }
    fields.push_back(def);
  }
  return {{"fields", fields}};
}

}  // namespace bridgework::emulator::freshsales
