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

// "2026-12-01T15:30:00+05:30", "...Z", with optional fractional seconds.
bool IsDateTime(const std::string& s) {
  absl::Time t;
  std::string err;
  return absl::ParseTime(absl::RFC3339_full, s, &t, &err);
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
    case FieldKind::kDate: {
      if (!v.is_string() || !IsDate(v.get<std::string>())) {
        return out.errors.push_back(
            absl::StrCat("Invalid date for ", name, " (expected YYYY-MM-DD)"));
      }
      out.record[name] = v;
      return;
    }
    case FieldKind::kDateTime: {
      if (!v.is_string() || !IsDateTime(v.get<std::string>())) {
        return out.errors.push_back(
            absl::StrCat("Invalid date for ", name,
                         " (expected an ISO 8601 date and time with offset)"));
      }
      out.record[name] = v;
      return;
    }
    case FieldKind::kBoolean: {
      if (v.is_boolean()) {
        out.record[name] = v;
      } else if (v == "true" || v == "false") {
        out.record[name] = v == "true";
      } else {
        out.errors.push_back(TypeError(name));
      }
      return;
    }
    case FieldKind::kIdList: {
      if (!v.is_array()) return out.errors.push_back(TypeError(name));
      Json list = Json::array();
      for (const auto& item : v) {
        std::optional<int64_t> id = AsInt64(item);
        if (!id) return out.errors.push_back(TypeError(name));
        list.push_back(*id);
      }
      out.record[name] = list;
      return;
    }
    case FieldKind::kDealProducts: {
      if (!v.is_array()) return out.errors.push_back(TypeError(name));
      Json list = Json::array();
      for (const auto& item : v) {
        std::optional<int64_t> id = item.is_object() && item.contains("id")
                                        ? AsInt64(item["id"])
                                        : std::nullopt;
        if (!id) return out.errors.push_back(TypeError(name));
        Json entry = {{"id", *id}};
        for (const char* k : {"quantity", "unit_price", "discount"}) {
          if (!item.contains(k) || item[k].is_null()) continue;
          double d = 0;
          if (!item[k].is_number() &&
              !(item[k].is_string() &&
                absl::SimpleAtod(item[k].get<std::string>(), &d))) {
            return out.errors.push_back(TypeError(absl::StrCat(name, ".", k)));
          }
          entry[k] = item[k].is_number() ? item[k].get<double>() : d;
        }
        if (item.contains("is_deleted")) {
          if (!item["is_deleted"].is_boolean()) {
            return out.errors.push_back(
                TypeError(absl::StrCat(name, ".is_deleted")));
          }
          entry["is_deleted"] = item["is_deleted"];
        }
        list.push_back(std::move(entry));
      }
      out.record[name] = list;
      return;
    }
    case FieldKind::kAttendees: {
      if (!v.is_array()) return out.errors.push_back(TypeError(name));
      Json list = Json::array();
      for (const auto& item : v) {
        if (!item.is_object() || !item.contains("attendee_type") ||
            !item["attendee_type"].is_string() ||
            !item.contains("attendee_id")) {
          return out.errors.push_back(TypeError(name));
        }
        std::string type = item["attendee_type"].get<std::string>();
        std::optional<int64_t> id = AsInt64(item["attendee_id"]);
        if (!id || (type != "Contact" && type != "FdMultitenant::User")) {
          return out.errors.push_back(TypeError(name));
        }
        list.push_back({{"attendee_type", type}, {"attendee_id", *id}});
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
  } else if (f.type == "lookup") {
    std::optional<int64_t> id = AsInt64(v);
    if (!id) return errors.push_back(TypeError(f.name));
    cf[f.name] = *id;
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

namespace {

struct Names {
  Entity entity;
  const char* singular;
  const char* plural;
  const char* label;
  const char* targetable;  // "" when records cannot be a targetable
  bool custom_fields;
};

constexpr Names kNames[] = {
    {Entity::kContact, "contact", "contacts", "Contact", "Contact", true},
    {Entity::kSalesAccount, "sales_account", "sales_accounts", "Sales account",
     "SalesAccount", true},
    {Entity::kDeal, "deal", "deals", "Deal", "Deal", true},
    {Entity::kAppointment, "appointment", "appointments", "Appointment", "",
     false},
    {Entity::kSalesActivity, "sales_activity", "sales_activities",
     "Sales activity", "", true},
    {Entity::kTask, "task", "tasks", "Task", "", false},
    {Entity::kNote, "note", "notes", "Note", "", false},
    {Entity::kDocument, "document", "documents", "Document", "", false},
    {Entity::kProduct, "product", "products", "Product", "", true},
    {Entity::kList, "list", "lists", "List", "", false},
    {Entity::kCustomModule, "custom_module", "custom_module", "Record", "",
     true},
};

const Names& NamesOf(Entity e) {
  for (const auto& n : kNames) {
    if (n.entity == e) return n;
  }
  return kNames[0];
}

}  // namespace

const char* Singular(Entity e) { return NamesOf(e).singular; }
const char* Plural(Entity e) { return NamesOf(e).plural; }
const char* Label(Entity e) { return NamesOf(e).label; }
const char* TargetableType(Entity e) { return NamesOf(e).targetable; }
bool HasCustomFields(Entity e) { return NamesOf(e).custom_fields; }

std::optional<Entity> EntityFromPlural(const std::string& plural) {
  for (const auto& n : kNames) {
    if (n.entity != Entity::kCustomModule && plural == n.plural) {
      return n.entity;
    }
  }
  return std::nullopt;
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
  static const auto* kDeal = new std::vector<StandardField>{
      {"name", "Name", "text", K::kString},
      {"amount", "Deal value", "number", K::kNumber},
      {"currency_id", "Currency", "dropdown", K::kInteger},
      {"deal_pipeline_id", "Deal pipeline", "dropdown", K::kInteger},
      {"deal_stage_id", "Deal stage", "dropdown", K::kInteger},
      {"probability", "Probability (%)", "number", K::kNumber},
      {"expected_close", "Expected close date", "date", K::kDate},
      {"closed_date", "Closed date", "date", K::kDate},
      {"sales_account_id", "Account", "lookup", K::kInteger},
      {"contacts_added_list", "Related contacts", "lookup", K::kIdList},
      {"products", "Products", "lookup", K::kDealProducts},
      {"owner_id", "Sales owner", "dropdown", K::kInteger},
      {"territory_id", "Territory", "dropdown", K::kInteger},
      {"deal_type_id", "Type", "dropdown", K::kInteger},
      {"deal_reason_id", "Lost reason", "dropdown", K::kInteger},
      {"lead_source_id", "Source", "dropdown", K::kInteger},
      {"campaign_id", "Campaign", "dropdown", K::kInteger},
      {"tags", "Tags", "multi_select_dropdown", K::kStringList},
  };
  static const auto* kAppointment = new std::vector<StandardField>{
      {"title", "Title", "text", K::kString},
      {"description", "Description", "textarea", K::kString},
      {"from_date", "From", "date_time", K::kDateTime},
      {"end_date", "To", "date_time", K::kDateTime},
      {"time_zone", "Time zone", "dropdown", K::kString},
      {"is_allday", "All day", "checkbox", K::kBoolean},
      {"location", "Location", "text", K::kString},
      {"outcome_id", "Outcome", "dropdown", K::kInteger},
      {"targetable_type", "Related to type", "text", K::kString},
      {"targetable_id", "Related to", "lookup", K::kInteger},
      {"appointment_attendees_attributes", "Attendees", "lookup",
       K::kAttendees},
  };
  static const auto* kSalesActivity = new std::vector<StandardField>{
      {"title", "Title", "text", K::kString},
      {"notes", "Notes", "textarea", K::kString},
      {"sales_activity_type_id", "Activity type", "dropdown", K::kInteger},
      {"sales_activity_outcome_id", "Outcome", "dropdown", K::kInteger},
      {"start_date", "Start date", "date_time", K::kDateTime},
      {"end_date", "End date", "date_time", K::kDateTime},
      {"owner_id", "Owner", "dropdown", K::kInteger},
      {"location", "Location", "text", K::kString},
      {"targetable_type", "Related to type", "text", K::kString},
      {"targetable_id", "Related to", "lookup", K::kInteger},
  };
  static const auto* kTask = new std::vector<StandardField>{
      {"title", "Title", "text", K::kString},
      {"description", "Description", "textarea", K::kString},
      {"due_date", "Due date", "date_time", K::kDateTime},
      {"owner_id", "Owner", "dropdown", K::kInteger},
      {"status", "Status", "dropdown", K::kInteger},
      {"task_type_id", "Task type", "dropdown", K::kInteger},
      {"outcome_id", "Outcome", "dropdown", K::kInteger},
      {"targetable_type", "Related to type", "text", K::kString},
      {"targetable_id", "Related to", "lookup", K::kInteger},
  };
  static const auto* kNote = new std::vector<StandardField>{
      {"description", "Description", "textarea", K::kString},
      {"targetable_type", "Related to type", "text", K::kString},
      {"targetable_id", "Related to", "lookup", K::kInteger},
  };
  static const auto* kDocument = new std::vector<StandardField>{
      {"name", "Name", "text", K::kString},
      {"is_shared", "Shared", "checkbox", K::kBoolean},
      {"targetable_type", "Related to type", "text", K::kString},
      {"targetable_id", "Related to", "lookup", K::kInteger},
  };
  static const auto* kProduct = new std::vector<StandardField>{
      {"name", "Name", "text", K::kString},
      {"description", "Description", "textarea", K::kString},
      {"category", "Category", "text", K::kString},
      {"product_code", "Product code", "text", K::kString},
      {"sku_number", "SKU number", "text", K::kString},
      {"is_active", "Active", "checkbox", K::kBoolean},
      {"valid_till", "Valid till", "date", K::kDate},
      {"base_currency_amount", "Unit price", "number", K::kNumber},
      {"owner_id", "Owner", "dropdown", K::kInteger},
  };
  static const auto* kList = new std::vector<StandardField>{
      {"name", "Name", "text", K::kString},
  };
  static const auto* kCustomModule = new std::vector<StandardField>{
      {"name", "Name", "text", K::kString},
      {"owner_id", "Owner", "dropdown", K::kInteger},
  };
  switch (e) {
    case Entity::kContact:
      return *kContact;
    case Entity::kSalesAccount:
      return *kAccount;
    case Entity::kDeal:
      return *kDeal;
    case Entity::kAppointment:
      return *kAppointment;
    case Entity::kSalesActivity:
      return *kSalesActivity;
    case Entity::kTask:
      return *kTask;
    case Entity::kNote:
      return *kNote;
    case Entity::kDocument:
      return *kDocument;
    case Entity::kProduct:
      return *kProduct;
    case Entity::kList:
      return *kList;
    case Entity::kCustomModule:
      return *kCustomModule;
  }
  return *kContact;
}

absl::StatusOr<std::vector<CustomField>> ParseCustomFields(const Json& list) {
  static const std::set<std::string> kTypes = {"text",  "textarea", "number",
                                               "date",  "checkbox", "dropdown",
                                               "radio", "lookup"};
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
    if (f.type == "lookup") {
      f.related = def.contains("related") && def["related"].is_string()
                      ? def["related"].get<std::string>()
                      : "";
      if (!EntityFromPlural(f.related) ||
          !TargetableType(*EntityFromPlural(f.related))[0]) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": lookup ", f.name,
                         " needs related: contacts, sales_accounts or deals"));
      }
    }
    if (def.contains("required")) {
      if (!def["required"].is_boolean()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": required must be a boolean"));
      }
      f.required = def["required"].get<bool>();
    }
    out.push_back(std::move(f));
  }
  return out;
}

namespace {

constexpr int64_t kFirstPipelineId = 16000090001;
constexpr int64_t kFirstStageId = 16000091001;
constexpr int64_t kFirstActivityTypeId = 16000095001;
constexpr int64_t kFirstLifecycleStageId = 16000096001;
constexpr int64_t kFirstTerritoryId = 16000097001;

absl::StatusOr<std::vector<Choice>> ParseChoices(const Json& list,
                                                 const std::string& what,
                                                 int64_t first_id) {
  if (!list.is_array() || list.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be a non-empty array"));
  }
  std::vector<Choice> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& c = list[i];
    Json name = c.is_object() ? c.value("name", Json()) : c;
    if (!name.is_string() || name.get<std::string>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "[", i, "]: needs a name"));
    }
    out.push_back(
        {first_id + static_cast<int64_t>(i), name.get<std::string>()});
  }
  return out;
}

absl::StatusOr<std::vector<DealPipeline>> ParsePipelines(const Json& list) {
  if (!list.is_array() || list.empty()) {
    return absl::InvalidArgumentError(
        "deal_pipelines must be a non-empty array");
  }
  std::vector<DealPipeline> out;
  int64_t stage_id = kFirstStageId;
  int defaults = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& p = list[i];
    std::string where = absl::StrCat("deal_pipelines[", i, "]");
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string() ||
        !p.contains("stages") || !p["stages"].is_array() ||
        p["stages"].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": needs a name and stages"));
    }
    DealPipeline pipeline;
    pipeline.id = kFirstPipelineId + static_cast<int64_t>(i);
    pipeline.name = p["name"].get<std::string>();
    pipeline.is_default = p.value("is_default", false);
    defaults += pipeline.is_default ? 1 : 0;
    for (size_t j = 0; j < p["stages"].size(); ++j) {
      const Json& st = p["stages"][j];
      Json name = st.is_object() ? st.value("name", Json()) : st;
      if (!name.is_string() || name.get<std::string>().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".stages[", j, "]: needs a name"));
      }
      DealStage stage;
      stage.id = stage_id++;
      stage.name = name.get<std::string>();
      stage.position = static_cast<int>(j) + 1;
      stage.pipeline_id = pipeline.id;
      if (st.is_object() && st.contains("probability")) {
        if (!st["probability"].is_number() || st["probability"] < 0 ||
            st["probability"] > 100) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ".stages[", j, "]: probability must be 0..100"));
        }
        stage.probability = st["probability"].get<double>();
      }
      if (st.is_object() && st.contains("forecast_type")) {
        stage.forecast_type = st.value("forecast_type", "");
        if (stage.forecast_type != "Open" && stage.forecast_type != "Won" &&
            stage.forecast_type != "Lost") {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ".stages[", j, "]: forecast_type is Open, Won or Lost"));
        }
      }
      pipeline.stages.push_back(std::move(stage));
    }
    out.push_back(std::move(pipeline));
  }
  if (defaults > 1) {
    return absl::InvalidArgumentError("deal_pipelines: at most one is_default");
  }
  if (defaults == 0) out.front().is_default = true;
  return out;
}

absl::StatusOr<std::vector<CustomModule>> ParseModules(const Json& list) {
  if (!list.is_array()) {
    return absl::InvalidArgumentError("custom_modules must be an array");
  }
  std::vector<CustomModule> out;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& m = list[i];
    std::string where = absl::StrCat("custom_modules[", i, "]");
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": needs a name"));
    }
    CustomModule module;
    module.name = m["name"].get<std::string>();
    bool valid = !module.name.empty() && absl::ascii_islower(module.name[0]);
    for (char c : module.name) {
      valid = valid &&
              (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_');
    }
    if (!valid || EntityFromPlural(module.name) ||
        !names.insert(module.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": name '", module.name,
                       "' must be a new [a-z][a-z0-9_]* name"));
    }
    module.label = m.value("label", module.name);
    absl::StatusOr<std::vector<CustomField>> fields =
        ParseCustomFields(m.value("fields", Json::array()));
    if (!fields.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", fields.status().message()));
    }
    module.fields = *std::move(fields);
    out.push_back(std::move(module));
  }
  return out;
}

}  // namespace

Settings DefaultSettings() {
  Json pipelines = Json::parse(R"([{"name":"Default Pipeline","stages":[
      {"name":"New","probability":10},
      {"name":"Consultation","probability":30},
      {"name":"Treatment accepted","probability":60},
      {"name":"Won","probability":100,"forecast_type":"Won"},
      {"name":"Lost","probability":0,"forecast_type":"Lost"}]}])");
  Settings s;
  s.pipelines = *ParsePipelines(pipelines);
  s.activity_types = *ParseChoices(Json{"Appointment", "Phone call", "Meeting"},
                                   "", kFirstActivityTypeId);
  s.lifecycle_stages =
      *ParseChoices(Json{"Lead", "Sales Qualified Lead", "Customer"}, "",
                    kFirstLifecycleStageId);
  return s;
}

absl::StatusOr<Settings> ParseSettings(const Json& body, Settings base) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("settings must be a JSON object");
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "deal_pipelines") {
      absl::StatusOr<std::vector<DealPipeline>> p = ParsePipelines(value);
      if (!p.ok()) return p.status();
      base.pipelines = *std::move(p);
    } else if (key == "sales_activity_types") {
      absl::StatusOr<std::vector<Choice>> c =
          ParseChoices(value, key, kFirstActivityTypeId);
      if (!c.ok()) return c.status();
      base.activity_types = *std::move(c);
    } else if (key == "lifecycle_stages") {
      absl::StatusOr<std::vector<Choice>> c =
          ParseChoices(value, key, kFirstLifecycleStageId);
      if (!c.ok()) return c.status();
      base.lifecycle_stages = *std::move(c);
    } else if (key == "territories") {
      absl::StatusOr<std::vector<Choice>> c =
          ParseChoices(value, key, kFirstTerritoryId);
      if (!c.ok()) return c.status();
      base.territories = *std::move(c);
    } else if (key == "custom_modules") {
      absl::StatusOr<std::vector<CustomModule>> m = ParseModules(value);
      if (!m.ok()) return m.status();
      base.modules = *std::move(m);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "settings: unknown key '", key,
          "' (deal_pipelines, sales_activity_types, lifecycle_stages, "
          "territories, custom_modules)"));
    }
  }
  return base;
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
  int64_t base = 16000000000 + static_cast<int64_t>(e) * 100000;
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
    Json def = {{"id", base + ++n}, {"name", f.name},
                {"label", f.label}, {"type", f.type},
                {"default", false}, {"required", f.required}};
    if (f.type == "lookup") def["related"] = f.related;
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
