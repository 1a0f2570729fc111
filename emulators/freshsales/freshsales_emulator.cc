#include "emulators/freshsales/freshsales_emulator.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulators/common/http_util.h"
#include "emulators/common/operator_endpoints.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using freshsales::CustomField;
using freshsales::CustomValue;
using freshsales::EmailsOf;
using freshsales::Entity;
using freshsales::Label;
using freshsales::Plural;
using freshsales::Singular;

// Ids look like Freshsales' (large, per entity); the ranges never
// overlap, so a contact id sent as an account id is refused.
int64_t FirstId(Entity e) {
  return 16000000001 + static_cast<int64_t>(e) * 500000;
}
// Custom module k's records start at kFirstModuleRecordId + k * 1000000.
constexpr int64_t kFirstModuleRecordId = 17000000001;
constexpr int64_t kFirstJobId = 7000000001;
// The id of the one view each custom module has ("All records").
constexpr int64_t kModuleViewId = 9100000001;
constexpr int kDefaultPerPage = 25;
constexpr int kMaxPerPage = 100;
constexpr size_t kMaxBulkRecords = 100;
// A note's text is at most 32 KB (seed 003: "Notes exceeding 32 KB are
// split across multiple Freshsales Note records"; the reference gives no
// figure).
constexpr size_t kMaxNoteBytes = 32 * 1024;

struct View {
  int64_t id;
  const char* name;
  enum Kind { kAll, kMine, kOpen, kWon, kLost } kind;
};

// Deals have no "All Deals" view (destination-apis.md §3.4).
const std::vector<View>& Views(Entity e) {
  static const auto* kContact =
      new std::vector<View>{{1600001, "All Contacts", View::kAll},
                            {1600002, "My Contacts", View::kMine}};
  static const auto* kAccount =
      new std::vector<View>{{1600101, "All Accounts", View::kAll},
                            {1600102, "My Accounts", View::kMine}};
  static const auto* kDeal =
      new std::vector<View>{{1600201, "My Deals", View::kMine},
                            {1600202, "Open Deals", View::kOpen},
                            {1600203, "Won Deals", View::kWon},
                            {1600204, "Lost Deals", View::kLost}};
  static const auto* kNone = new std::vector<View>{};
  switch (e) {
    case Entity::kContact:
      return *kContact;
    case Entity::kSalesAccount:
      return *kAccount;
    case Entity::kDeal:
      return *kDeal;
    default:
      return *kNone;
  }
}

const char* ModelClass(Entity e) {
  return e == Entity::kContact        ? "Contact"
         : e == Entity::kSalesAccount ? "SalesAccount"
                                      : "Deal";
}

// The entity a route's plural names (the route's regex allows only these).
Entity EntityOf(const std::string& plural) {
  return freshsales::EntityFromPlural(plural).value_or(Entity::kContact);
}

bool HasOwner(Entity e) {
  return e != Entity::kAppointment && e != Entity::kNote &&
         e != Entity::kDocument && e != Entity::kList;
}

// A whole percentage as an integer (30), else as given (12.5).
Json ProbabilityJson(double p) {
  if (p == static_cast<double>(static_cast<int64_t>(p))) {
    return static_cast<int64_t>(p);
  }
  return p;
}

std::optional<absl::Time> ParseDateTime(const Json& v) {
  absl::Time t;
  std::string err;
  if (!v.is_string() ||
      !absl::ParseTime(absl::RFC3339_full, v.get<std::string>(), &t, &err)) {
    return std::nullopt;
  }
  return t;
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

// The record of a body: {"contact": {...}} or the flat form. `drop` names
// a key of the flat form that belongs to the request, not the record.
Json Unwrap(const std::string& key, const Json& body,
            const char* drop = nullptr) {
  if (body.is_object()) {
    auto it = body.find(key);
    if (it != body.end() && it->is_object()) return *it;
    if (drop != nullptr && body.contains(drop)) {
      Json flat = body;
      flat.erase(drop);
      return flat;
    }
  }
  return body;
}

// A create stores only the fields that are set.
void DropNulls(Json& record) {
  for (auto it = record.begin(); it != record.end();) {
    if (it->is_null()) {
      it = record.erase(it);
    } else {
      ++it;
    }
  }
  if (record.contains("custom_field") && record["custom_field"].is_object()) {
    DropNulls(record["custom_field"]);
  }
}

int IntParam(const httplib::Request& req, const char* name, int fallback) {
  int n = 0;
  if (!req.has_param(name) ||
      !absl::SimpleAtoi(req.get_param_value(name), &n)) {
    return fallback;
  }
  return n;
}

const Json& Field(const Json& record, const std::string& name) {
  static const Json* kNull = new Json(nullptr);
  auto it = record.find(name);
  return it == record.end() ? *kNull : *it;
}

// A list as GET /lists shows it: members are counted, not listed.
Json ListSummary(const Json& list) {
  Json out = list;
  out.erase("contact_ids");
  out["contacts_count"] = Field(list, "contact_ids").size();
  return out;
}

std::string DisplayName(const Json& contact) {
  std::string first = ScalarText(Field(contact, "first_name"));
  std::string last = ScalarText(Field(contact, "last_name"));
  return std::string(
      absl::StripAsciiWhitespace(absl::StrCat(first, " ", last)));
}

// The texts a record holds for a search attribute (several for lists).
std::vector<std::string> AttributeTexts(Entity e, const Json& record,
                                        const std::string& attribute) {
  if (e == Entity::kContact && (attribute == "email" || attribute == "emails" ||
                                attribute == "contact_email.email")) {
    return EmailsOf(record);
  }
  const Json& v = absl::StartsWith(attribute, "cf_")
                      ? CustomValue(record, attribute)
                      : Field(record, attribute);
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& item : v) {
      if (item.is_object() && item.contains("id")) {
        out.push_back(ScalarText(item["id"]));
      } else if (!ScalarText(item).empty()) {
        out.push_back(ScalarText(item));
      }
    }
  } else if (!IsBlank(v)) {
    out.push_back(ScalarText(v));
  }
  return out;
}

// Index texts (RecordTable::Lookup) of the uniqueness rules: a contact's
// mobile number as JSON (a number and a string of its digits differ, as in
// the comparison they replace), a record's lower-case name.
std::vector<std::string> MobileTexts(const Json& record) {
  const Json& mobile = Field(record, "mobile_number");
  if (IsBlank(mobile)) return {};
  return {mobile.dump()};
}
std::vector<std::string> NameTexts(const Json& record) {
  return {Lower(ScalarText(Field(record, "name")))};
}

bool CaseInsensitiveAttribute(const std::string& attribute) {
  return attribute == "email" || attribute == "emails" ||
         attribute == "contact_email.email";
}

// {"contacts":[defs],"deals":[defs],...} for the entities that have
// custom fields.
absl::StatusOr<std::map<Entity, std::vector<CustomField>>> ParseFieldsBody(
    const Json& body) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError(
        "must be a JSON object {\"contacts\":[...],\"deals\":[...],...}");
  }
  std::map<Entity, std::vector<CustomField>> out;
  for (const auto& [key, list] : body.items()) {
    std::optional<Entity> e = freshsales::EntityFromPlural(key);
    if (!e || !freshsales::HasCustomFields(*e)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown entity '", key,
          "' (contacts, sales_accounts, deals, sales_activities, products)"));
    }
    absl::StatusOr<std::vector<CustomField>> parsed =
        freshsales::ParseCustomFields(list);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": ", parsed.status().message()));
    }
    for (const auto& f : *parsed) {
      if (f.type == "lookup") {
        return absl::InvalidArgumentError(
            absl::StrCat(key, ": lookup fields exist only in custom modules (",
                         f.name, ")"));
      }
    }
    out[*e] = *std::move(parsed);
  }
  return out;
}

}  // namespace

absl::StatusOr<int64_t> FreshsalesPlanLimit(const std::string& plan) {
  if (plan == "free" || plan == "growth") return 1000;
  if (plan == "pro") return 2000;
  if (plan == "enterprise") return 5000;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown plan '", plan, "' (free, growth, pro, enterprise)"));
}

absl::StatusOr<std::unique_ptr<FreshsalesEmulator>> FreshsalesEmulator::Create(
    FreshsalesOptions options) {
  if (options.token.empty()) {
    return absl::InvalidArgumentError("the API token must not be empty");
  }
  if (!(options.time_scale > 0)) {
    return absl::InvalidArgumentError("the time scale must be positive");
  }
  if (options.requests_per_hour < 0) {
    return absl::InvalidArgumentError("the hourly limit must not be negative");
  }
  std::vector<freshsales::User> users = freshsales::DefaultUsers();
  if (!options.users.is_null()) {
    absl::StatusOr<std::vector<freshsales::User>> parsed =
        freshsales::ParseUsers(options.users);
    if (!parsed.ok()) return parsed.status();
    users = *std::move(parsed);
  }
  std::map<Entity, std::vector<CustomField>> fields;
  if (!options.fields.is_null()) {
    absl::StatusOr<std::map<Entity, std::vector<CustomField>>> parsed =
        ParseFieldsBody(options.fields);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("fields: ", parsed.status().message()));
    }
    fields = *std::move(parsed);
  }
  freshsales::Settings settings = freshsales::DefaultSettings();
  if (!options.settings.is_null()) {
    absl::StatusOr<freshsales::Settings> parsed =
        freshsales::ParseSettings(options.settings, settings);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("settings: ", parsed.status().message()));
    }
    settings = *std::move(parsed);
  }
  return std::unique_ptr<FreshsalesEmulator>(
      new FreshsalesEmulator(std::move(options), std::move(users),
                             std::move(fields), std::move(settings)));
}

FreshsalesEmulator::FreshsalesEmulator(
    FreshsalesOptions options, std::vector<freshsales::User> users,
    std::map<Entity, std::vector<CustomField>> fields,
    freshsales::Settings settings)
    : token_(options.token),
      users_(std::move(users)),
      clock_(options.clock ? options.clock : std::function<absl::Time()>([] {
        return absl::Now();
      })),
      window_(options.requests_per_hour, absl::Hours(1), options.time_scale,
              clock_),
      faults_(
          [](httplib::Response& res, int status, const std::string& message) {
            Reply r = Error(status, {message});
            SendJson(res, r.status, r.body);
          }),
      fields_(std::move(fields)),
      settings_(std::move(settings)),
      next_job_(kFirstJobId) {
  absl::MutexLock lock(&mu_);
  for (Entity e : freshsales::kEntities) tables_.emplace(e, FirstId(e));
  SyncModuleTablesLocked();
}

void FreshsalesEmulator::SyncModuleTablesLocked() {
  std::map<std::string, RecordTable> tables;
  for (size_t k = 0; k < settings_.modules.size(); ++k) {
    const std::string& name = settings_.modules[k].name;
    auto it = module_tables_.find(name);
    tables.emplace(name, it != module_tables_.end()
                             ? it->second
                             : RecordTable(kFirstModuleRecordId +
                                           static_cast<int64_t>(k) * 1000000));
  }
  module_tables_ = std::move(tables);
}

const freshsales::CustomModule* FreshsalesEmulator::ModuleLocked(
    const std::string& name) const {
  for (const auto& m : settings_.modules) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

FreshsalesEmulator::Reply FreshsalesEmulator::Error(
    int status, std::vector<std::string> messages) {
  return {status,
          {{"errors", {{"code", status}, {"message", std::move(messages)}}}}};
}

bool FreshsalesEmulator::Authorized(const httplib::Request& req) const {
  std::string header = req.get_header_value("Authorization");
  std::string_view v = header;
  constexpr std::string_view kScheme = "Token token=";
  if (v.substr(0, kScheme.size()) != kScheme) return false;
  v.remove_prefix(kScheme.size());
  // Rails' token parser also accepts the quoted form.
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
  }
  return v == token_;
}

std::string FreshsalesEmulator::Now() const {
  return FormatTimestamp(clock_());
}

nlohmann::json FreshsalesEmulator::WindowJson() const {
  Json out = RateWindowJson(window_);
  out["resets_in_seconds"] = window_.Snap().resets_in_seconds;
  return out;
}

RecordTable& FreshsalesEmulator::Table(Entity e, const std::string& module) {
  if (e == Entity::kCustomModule) return module_tables_.at(module);
  return tables_.at(e);
}

const std::vector<CustomField>& FreshsalesEmulator::Custom(
    Entity e, const std::string& module) const {
  static const auto* kNone = new std::vector<CustomField>();
  if (e == Entity::kCustomModule) {
    const freshsales::CustomModule* m = ModuleLocked(module);
    return m != nullptr ? m->fields : *kNone;
  }
  auto it = fields_.find(e);
  return it == fields_.end() ? *kNone : it->second;
}

std::string FreshsalesEmulator::Key(Entity e, const std::string& module) {
  return e == Entity::kCustomModule ? module : Singular(e);
}

void FreshsalesEmulator::NoteIgnored(Entity e,
                                     const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    stats_.Increment("ignored_attributes", absl::StrCat(Plural(e), ".", key));
  }
}

bool FreshsalesEmulator::ExistsLocked(Entity e, const Json& id) {
  std::optional<int64_t> n = AsInt64(id);
  return n.has_value() && Table(e).Contains(*n);
}

void FreshsalesEmulator::TargetableRulesLocked(
    const Json& record, bool required, std::vector<std::string>& errors) {
  const Json& type = Field(record, "targetable_type");
  const Json& id = Field(record, "targetable_id");
  if (IsBlank(type) && id.is_null()) {
    if (required) errors.push_back("Targetable can't be blank");
    return;
  }
  std::optional<Entity> target;
  for (Entity e : {Entity::kContact, Entity::kSalesAccount, Entity::kDeal}) {
    if (type == freshsales::TargetableType(e)) target = e;
  }
  if (!target) {
    errors.push_back("Targetable type is invalid");
  } else if (!ExistsLocked(*target, id)) {
    errors.push_back("Targetable is invalid");
  }
}

std::vector<std::string> FreshsalesEmulator::RulesLocked(
    Entity e, const Json& record, int64_t self_id, const std::string& module) {
  std::vector<std::string> errors;
  const Json& owner = Field(record, "owner_id");
  if (!owner.is_null()) {
    bool found = false;
    for (const auto& u : users_) {
      found = found || (u.is_active && AsInt64(owner) == u.id);
    }
    if (!found) errors.push_back("Owner is invalid");
  }
  auto require = [&](const char* field, const char* message) {
    if (IsBlank(Field(record, field))) errors.push_back(message);
  };
  // An event's end must not come before its start.
  auto period = [&](const char* from, const char* to) {
    std::optional<absl::Time> a = ParseDateTime(Field(record, from));
    std::optional<absl::Time> b = ParseDateTime(Field(record, to));
    if (a && b && *b < *a) {
      errors.push_back("End date should be greater than start date");
    }
  };
  // A selector id, when set, must be one the admin configured.
  auto configured = [&](const char* field,
                        const std::vector<freshsales::Choice>& choices,
                        const char* message) {
    const Json& id = Field(record, field);
    if (id.is_null()) return;
    bool known = false;
    for (const auto& c : choices) known = known || AsInt64(id) == c.id;
    if (!known) errors.push_back(message);
  };
  RecordTable& table = Table(e, module);
  // Another record holding `text` in `index` (texts: see Lookup).
  auto taken = [&](const char* index, const RecordTable::IndexTexts& texts,
                   const std::string& text) {
    for (int64_t id : table.Lookup(index, texts, text)) {
      if (id != self_id) return true;
    }
    return false;
  };
  if (e == Entity::kContact || e == Entity::kSalesAccount ||
      e == Entity::kDeal) {
    configured("territory_id", settings_.territories, "Territory is invalid");
  }
  switch (e) {
    case Entity::kContact: {
      bool named = !EmailsOf(record).empty();
      for (const char* k : {"first_name", "last_name", "mobile_number"}) {
        named = named || !IsBlank(Field(record, k));
      }
      if (!named) {
        errors.push_back(
            "Contact should have at least one of first name, last name, "
            "email or mobile number");
      }
      const Json& mobile = Field(record, "mobile_number");
      bool email_taken = false;
      for (const auto& email : EmailsOf(record)) {
        email_taken = email_taken || taken("emails", EmailsOf, email);
      }
      const bool mobile_taken =
          !IsBlank(mobile) &&
          taken("mobile_number", MobileTexts, mobile.dump());
      if (email_taken) errors.push_back("Email is not unique");
      if (mobile_taken) errors.push_back("MobileNumber is not unique");
      const Json& links = Field(record, "sales_accounts");
      if (links.is_array()) {
        for (const auto& link : links) {
          if (!ExistsLocked(Entity::kSalesAccount, link["id"])) {
            errors.push_back("The type for sales_accounts is invalid.");
            break;
          }
        }
      }
      configured("lifecycle_stage_id", settings_.lifecycle_stages,
                 "Lifecycle stage is invalid");
      break;
    }
    case Entity::kSalesAccount: {
      const Json& name = Field(record, "name");
      if (IsBlank(name)) {
        errors.push_back("Name can't be blank");
      } else {
        if (taken("name", NameTexts, Lower(ScalarText(name)))) {
          errors.push_back("Name has already been taken");
        }
      }
      const Json& parent = Field(record, "parent_sales_account_id");
      if (!parent.is_null()) {
        const RecordTable& accounts = Table(Entity::kSalesAccount);
        int64_t p = parent.get<int64_t>();
        bool ok = p != self_id && accounts.Contains(p);
        // No cycles: walk up from the parent.
        std::set<int64_t> seen = {self_id};
        for (int64_t at = p; ok && at != 0;) {
          if (!seen.insert(at).second) {
            ok = false;
            break;
          }
          const Json* up = accounts.Find(at);
          const Json& next =
              up ? Field(*up, "parent_sales_account_id") : Json(nullptr);
          at = next.is_null() ? 0 : next.get<int64_t>();
        }
        if (!ok) errors.push_back("Parent sales account is invalid");
      }
      break;
    }
    case Entity::kDeal: {
      require("name", "Name can't be blank");
      const Json& account = Field(record, "sales_account_id");
      if (!account.is_null() && !ExistsLocked(Entity::kSalesAccount, account)) {
        errors.push_back("Sales account is invalid");
      }
      for (const auto& c : Field(record, "contact_ids")) {
        if (!ExistsLocked(Entity::kContact, c)) {
          errors.push_back("Contacts added list is invalid");
          break;
        }
      }
      for (const auto& p : Field(record, "products")) {
        if (!ExistsLocked(Entity::kProduct, p["id"])) {
          errors.push_back("Product is invalid");
          break;
        }
      }
      bool stage_ok = false;
      for (const auto& p : settings_.pipelines) {
        if (Field(record, "deal_pipeline_id") != p.id) continue;
        for (const auto& st : p.stages) {
          stage_ok = stage_ok || Field(record, "deal_stage_id") == st.id;
        }
      }
      if (!stage_ok) errors.push_back("Deal stage is invalid");
      break;
    }
    case Entity::kAppointment: {
      require("title", "Title can't be blank");
      require("from_date", "From date can't be blank");
      require("end_date", "End date can't be blank");
      period("from_date", "end_date");
      TargetableRulesLocked(record, false, errors);
      for (const auto& a : Field(record, "appointment_attendees")) {
        bool ok = false;
        if (a["attendee_type"] == "Contact") {
          ok = ExistsLocked(Entity::kContact, a["attendee_id"]);
        } else {
          for (const auto& u : users_) ok = ok || a["attendee_id"] == u.id;
        }
        if (!ok) {
          errors.push_back("Appointment attendees is invalid");
          break;
        }
      }
      break;
    }
    case Entity::kSalesActivity: {
      require("title", "Title can't be blank");
      require("start_date", "Start date can't be blank");
      require("end_date", "End date can't be blank");
      period("start_date", "end_date");
      const Json& type = Field(record, "sales_activity_type_id");
      bool known = false;
      for (const auto& t : settings_.activity_types) {
        known = known || AsInt64(type) == t.id;
      }
      if (!known) errors.push_back("Sales activity type is invalid");
      TargetableRulesLocked(record, true, errors);
      break;
    }
    case Entity::kTask: {
      require("title", "Title can't be blank");
      require("due_date", "Due date can't be blank");
      const Json& status = Field(record, "status");
      if (!status.is_null() && status != 0 && status != 1) {
        errors.push_back("Status is invalid");
      }
      TargetableRulesLocked(record, true, errors);
      break;
    }
    case Entity::kNote: {
      require("description", "Description can't be blank");
      const Json& text = Field(record, "description");
      if (text.is_string() && text.get<std::string>().size() > kMaxNoteBytes) {
        errors.push_back(absl::StrCat("Description is too long (maximum is ",
                                      kMaxNoteBytes, " bytes)"));
      }
      TargetableRulesLocked(record, true, errors);
      break;
    }
    case Entity::kDocument:
      TargetableRulesLocked(record, true, errors);
      break;
    case Entity::kProduct:
      require("name", "Name can't be blank");
      break;
    case Entity::kList: {
      require("name", "Name can't be blank");
      if (taken("name", NameTexts, Lower(ScalarText(Field(record, "name"))))) {
        errors.push_back("Name has already been taken");
      }
      break;
    }
    case Entity::kCustomModule:
      require("name", "Name can't be blank");
      for (const auto& f : Custom(e, module)) {
        const Json& v = CustomValue(record, f.name);
        if (f.required && IsBlank(v)) {
          errors.push_back(absl::StrCat(f.label, " can't be blank"));
        }
        if (f.type == "lookup" && !v.is_null() &&
            !ExistsLocked(*freshsales::EntityFromPlural(f.related), v)) {
          errors.push_back(absl::StrCat(f.label, " is invalid"));
        }
      }
      break;
  }
  return errors;
}

void FreshsalesEmulator::CompleteLocked(Entity e, Json& record,
                                        const Json* before) {
  if (e == Entity::kDeal) {
    if (record.contains("products")) {
      // Products are added or changed one by one (by product id);
      // "is_deleted": true takes one off. Quantity defaults to 1, the unit
      // price to the product's, the discount (percent) to 0.
      Json products = before != nullptr ? Field(*before, "products") : Json();
      if (!products.is_array()) products = Json::array();
      for (const auto& item : record["products"]) {
        Json kept = Json::array();
        const Json* old = nullptr;
        for (const auto& p : products) {
          if (p["id"] == item["id"]) {
            old = &p;
          } else {
            kept.push_back(p);
          }
        }
        if (item.value("is_deleted", false)) {
          products = std::move(kept);
          continue;
        }
        Json entry = old != nullptr ? *old : Json{{"id", item["id"]}};
        const Json* product =
            Table(Entity::kProduct).Find(item["id"].get<int64_t>());
        if (product != nullptr) entry["name"] = Field(*product, "name");
        for (const char* k : {"quantity", "unit_price", "discount"}) {
          if (item.contains(k)) entry[k] = item[k];
        }
        if (!entry.contains("quantity")) entry["quantity"] = 1;
        if (!entry.contains("discount")) entry["discount"] = 0;
        if (!entry.contains("unit_price") && product != nullptr) {
          entry["unit_price"] = Field(*product, "base_currency_amount");
        }
        kept.push_back(std::move(entry));
        products = std::move(kept);
      }
      record["products"] = std::move(products);
    }
    if (record.contains("contacts_added_list")) {
      // Adds to the deal's contacts; contact_ids is what reads back.
      std::set<int64_t> ids;
      if (before != nullptr) {
        for (const auto& c : Field(*before, "contact_ids"))
          ids.insert(c.get<int64_t>());
      }
      for (const auto& c : record["contacts_added_list"])
        ids.insert(c.get<int64_t>());
      record.erase("contacts_added_list");
      record["contact_ids"] =
          Json(std::vector<int64_t>(ids.begin(), ids.end()));
    }
    // Pipeline from the stage, or the default pipeline; stage defaults to
    // the pipeline's first; probability follows a changed stage unless
    // given.
    const freshsales::DealPipeline* pipeline = nullptr;
    for (const auto& p : settings_.pipelines) {
      for (const auto& st : p.stages) {
        if (!record.contains("deal_pipeline_id") &&
            Field(record, "deal_stage_id") == st.id) {
          pipeline = &p;
        }
      }
      if (Field(record, "deal_pipeline_id") == p.id) pipeline = &p;
      if (pipeline == nullptr && p.is_default &&
          !record.contains("deal_pipeline_id") &&
          !record.contains("deal_stage_id")) {
        pipeline = &p;
      }
    }
    if (pipeline == nullptr) return;  // RulesLocked refuses it
    record["deal_pipeline_id"] = pipeline->id;
    if (!record.contains("deal_stage_id")) {
      record["deal_stage_id"] = pipeline->stages.front().id;
    }
    bool stage_changed = before == nullptr || Field(*before, "deal_stage_id") !=
                                                  record["deal_stage_id"];
    bool probability_given =
        before == nullptr
            ? record.contains("probability")
            : Field(*before, "probability") != Field(record, "probability");
    for (const auto& st : pipeline->stages) {
      if (record["deal_stage_id"] != st.id) continue;
      if (stage_changed && !probability_given) {
        record["probability"] = ProbabilityJson(st.probability);
      }
      if (st.forecast_type != "Open" && !record.contains("closed_date")) {
        record["closed_date"] = Now().substr(0, 10);
      }
    }
  } else if (e == Entity::kAppointment &&
             record.contains("appointment_attendees_attributes")) {
    Json attendees = Json::array();
    int64_t n = 0;
    for (auto a : record["appointment_attendees_attributes"]) {
      a["id"] = ++n;
      attendees.push_back(std::move(a));
    }
    record.erase("appointment_attendees_attributes");
    record["appointment_attendees"] = std::move(attendees);
  }
}

FreshsalesEmulator::Reply FreshsalesEmulator::CreateLocked(
    Entity e, const Json& input, const Json* seed_extras,
    const std::string& module) {
  freshsales::Normalized n =
      freshsales::NormalizeInput(e, input, Custom(e, module));
  NoteIgnored(e, n.ignored);
  if (!n.errors.empty()) return Error(400, n.errors);
  Json record = std::move(n.record);
  DropNulls(record);
  if (!record.contains("custom_field") && freshsales::HasCustomFields(e)) {
    record["custom_field"] = Json::object();
  }
  // Like the real service, a record without an owner belongs to the user
  // whose API key created it (the account admin); records without owners
  // name their creator.
  if (HasOwner(e)) {
    if (!record.contains("owner_id")) record["owner_id"] = users_.front().id;
  } else {
    record["creater_id"] = users_.front().id;
  }
  if (e == Entity::kContact) freshsales::ReconcileEmails(record);
  CompleteLocked(e, record, nullptr);
  std::vector<std::string> errors = RulesLocked(e, record, 0, module);
  if (!errors.empty()) return Error(400, errors);
  RecordTable& table = Table(e, module);
  int64_t id = 0;
  std::string now = Now();
  record["created_at"] = now;
  record["updated_at"] = now;
  if (seed_extras != nullptr) {
    if (seed_extras->contains("id")) {
      std::optional<int64_t> given = AsInt64((*seed_extras)["id"]);
      if (!given || *given <= 0 || table.Contains(*given)) {
        return Error(400, {"id must be a positive integer not in use"});
      }
      id = *given;
      table.ReserveAtLeast(id);
    }
    for (const char* k : {"created_at", "updated_at"}) {
      if (seed_extras->contains(k) && (*seed_extras)[k].is_string()) {
        record[k] = (*seed_extras)[k];
      }
    }
  }
  if (id == 0) id = table.AllocateId();
  record["id"] = id;
  table.Put(id, record);
  return {201, {{Key(e, module), record}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::UpdateLocked(
    Entity e, int64_t id, const Json& input, const std::string& module) {
  RecordTable& table = Table(e, module);
  const Json* current = table.Find(id);
  if (current == nullptr) return Error(404, {"Record not found"});
  freshsales::Normalized n =
      freshsales::NormalizeInput(e, input, Custom(e, module));
  NoteIgnored(e, n.ignored);
  if (!n.errors.empty()) return Error(400, n.errors);
  Json merged = *current;
  for (const auto& [key, value] : n.record.items()) {
    if (key == "custom_field") {
      Json& cf = merged["custom_field"];
      for (const auto& [name, v] : value.items()) {
        if (v.is_null()) {
          cf.erase(name);
        } else {
          cf[name] = v;
        }
      }
    } else if (value.is_null()) {
      merged.erase(key);
    } else {
      merged[key] = value;
    }
  }
  if (e == Entity::kContact) freshsales::ReconcileEmails(merged);
  CompleteLocked(e, merged, current);
  std::vector<std::string> errors = RulesLocked(e, merged, id, module);
  if (!errors.empty()) return Error(400, errors);
  merged["updated_at"] = Now();
  table.Put(id, merged);
  return {200, {{Key(e, module), merged}}};
}

bool FreshsalesEmulator::IncludesNotes(const httplib::Request& req) {
  if (!req.has_param("include")) return false;
  for (absl::string_view part :
       absl::StrSplit(req.get_param_value("include"), ',')) {
    if (absl::StripAsciiWhitespace(part) == "notes") return true;
  }
  return false;
}

Json FreshsalesEmulator::TargetingLocked(Entity child, Entity e, int64_t id) {
  const std::string type = freshsales::TargetableType(e);
  Json out = Json::array();
  for (const auto& [child_id, record] : Table(child).records()) {
    if (Field(record, "targetable_type") == type &&
        AsInt64(Field(record, "targetable_id")) == id) {
      out.push_back(record);
    }
  }
  return out;
}

FreshsalesEmulator::Reply FreshsalesEmulator::ReadLocked(
    Entity e, int64_t id, const std::string& module) {
  const Json* record = Table(e, module).Find(id);
  if (record == nullptr) return Error(404, {"Record not found"});
  return {200, {{Key(e, module), *record}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::DeleteLocked(
    Entity e, int64_t id, const std::string& module) {
  if (!Table(e, module).Erase(id)) return Error(404, {"Record not found"});
  // Links to the deleted record disappear from the records that had them.
  auto unlink = [this](Entity owner_entity,
                       const std::function<bool(Json&)>& edit) {
    RecordTable& table = Table(owner_entity);
    std::vector<std::pair<int64_t, Json>> changed;
    for (const auto& [rid, record] : table.records()) {
      Json copy = record;
      if (edit(copy)) changed.emplace_back(rid, std::move(copy));
    }
    for (auto& [rid, record] : changed) table.Put(rid, std::move(record));
  };
  auto drop_from = [id](Json& record, const char* field, bool objects) {
    if (!record.contains(field) || !record[field].is_array()) return false;
    Json kept = Json::array();
    for (const auto& item : record[field]) {
      if ((objects ? item["id"] : item) != id) kept.push_back(item);
    }
    bool changed = kept.size() != record[field].size();
    record[field] = std::move(kept);
    return changed;
  };
  auto clear = [id](Json& record, const char* field) {
    if (Field(record, field) != id) return false;
    record.erase(field);
    return true;
  };
  if (e == Entity::kSalesAccount) {
    unlink(Entity::kContact,
           [&](Json& r) { return drop_from(r, "sales_accounts", true); });
    unlink(Entity::kSalesAccount,
           [&](Json& r) { return clear(r, "parent_sales_account_id"); });
    unlink(Entity::kDeal,
           [&](Json& r) { return clear(r, "sales_account_id"); });
  } else if (e == Entity::kProduct) {
    unlink(Entity::kDeal,
           [&](Json& r) { return drop_from(r, "products", true); });
  } else if (e == Entity::kContact) {
    unlink(Entity::kDeal,
           [&](Json& r) { return drop_from(r, "contact_ids", false); });
    unlink(Entity::kList,
           [&](Json& r) { return drop_from(r, "contact_ids", false); });
  }
  return {200, Json::object()};
}

FreshsalesEmulator::Reply FreshsalesEmulator::CreateDocumentLocked(
    const httplib::Request& req) {
  if (!req.is_multipart_form_data() || !req.has_file("file") ||
      req.get_file_value("file").filename.empty()) {
    return Error(400, {"File can't be blank"});
  }
  const httplib::MultipartFormData& file = req.get_file_value("file");
  Json input = Json::object();
  for (const char* k : {"targetable_type", "targetable_id", "is_shared"}) {
    if (req.has_file(k)) input[k] = req.get_file_value(k).content;
  }
  input["name"] = req.has_file("file_name")
                      ? req.get_file_value("file_name").content
                      : file.filename;
  Reply r = CreateLocked(Entity::kDocument, input);
  if (r.status != 201) return r;
  Json& doc = r.body["document"];
  doc["content_type"] = file.content_type.empty() ? "application/octet-stream"
                                                  : file.content_type;
  doc["file_size"] = file.content.size();
  if (!doc.contains("is_shared")) doc["is_shared"] = false;
  Table(Entity::kDocument).Put(doc["id"].get<int64_t>(), doc);
  return r;
}

FreshsalesEmulator::Reply FreshsalesEmulator::BulkDestroyLocked(
    Entity e, const Json& body) {
  if (!body.is_object() || !body.contains("selected_ids") ||
      !body["selected_ids"].is_array() || body["selected_ids"].empty()) {
    return Error(400, {"selected_ids is required"});
  }
  std::vector<int64_t> ids;
  for (const auto& v : body["selected_ids"]) {
    std::optional<int64_t> id = AsInt64(v);
    if (!id) return Error(400, {"The type for selected_ids is invalid."});
    ids.push_back(*id);
  }
  for (int64_t id : ids) {
    if (Table(e).Contains(id)) DeleteLocked(e, id);
  }
  return {200, Json::object()};
}

FreshsalesEmulator::Reply FreshsalesEmulator::FiltersLocked(Entity e) {
  Json filters = Json::array();
  for (const auto& v : Views(e)) {
    filters.push_back({{"id", v.id},
                       {"name", v.name},
                       {"model_class_name", ModelClass(e)},
                       {"user_id", users_.front().id},
                       {"is_default", v.kind != View::kMine},
                       {"is_public", true}});
  }
  return {200, {{"filters", filters}}};
}

namespace {

// A listing's order (`sort`, `sort_type`) and page (`page`, `per_page`).
struct PageQuery {
  std::string sort;
  bool ascending;
  int per_page;
  int64_t begin;  // the page's first record in the whole listing
};

PageQuery ReadPageQuery(const httplib::Request& req) {
  PageQuery q;
  q.sort = req.has_param("sort") ? req.get_param_value("sort") : "updated_at";
  q.ascending = req.get_param_value("sort_type") == "asc";
  q.per_page = IntParam(req, "per_page", kDefaultPerPage);
  if (q.per_page < 1) q.per_page = kDefaultPerPage;
  q.per_page = std::min(q.per_page, kMaxPerPage);
  q.begin = static_cast<int64_t>(std::max(1, IntParam(req, "page", 1)) - 1) *
            q.per_page;
  return q;
}

// A record with its sort key and id, looked up once: the comparisons run
// n log n times.
struct Keyed {
  const Json* key;
  int64_t id;
  const Json* record;
};

std::vector<Keyed> KeyedBy(const std::vector<const Json*>& records,
                           const std::string& sort) {
  const bool custom = absl::StartsWith(sort, "cf_");
  std::vector<Keyed> keyed;
  keyed.reserve(records.size());
  for (const Json* r : records) {
    keyed.push_back({custom ? &CustomValue(*r, sort) : &Field(*r, sort),
                     (*r)["id"].get<int64_t>(), r});
  }
  return keyed;
}

// By key, then id (unique): a total order.
auto Before(bool ascending) {
  return [ascending](const Keyed& a, const Keyed& b) {
    if (*a.key != *b.key) return ascending ? *a.key < *b.key : *b.key < *a.key;
    return ascending ? a.id < b.id : b.id < a.id;
  };
}

// {"<plural>":[...],"meta":{...}} of one page of a listing of `total`.
Json PageBody(Entity e, Json list, int64_t total, int per_page) {
  return {
      {Plural(e), std::move(list)},
      {"meta",
       {{"total_pages", (total + per_page - 1) / per_page}, {"total", total}}}};
}

}  // namespace

FreshsalesEmulator::Reply FreshsalesEmulator::PageLocked(
    Entity e, std::vector<const Json*> records, const httplib::Request& req) {
  const PageQuery q = ReadPageQuery(req);
  const int64_t total = static_cast<int64_t>(records.size());
  Json list = Json::array();
  if (q.begin < total) {
    // Only the page asked for is put in order: sorting every record for
    // every page made reading a listing page by page quadratic.
    const int64_t end = std::min(total, q.begin + q.per_page);
    std::vector<Keyed> keyed = KeyedBy(records, q.sort);
    std::nth_element(keyed.begin(), keyed.begin() + q.begin, keyed.end(),
                     Before(q.ascending));
    std::partial_sort(keyed.begin() + q.begin, keyed.begin() + end, keyed.end(),
                      Before(q.ascending));
    for (int64_t i = q.begin; i < end; ++i) list.push_back(*keyed[i].record);
  }
  return {200, PageBody(e, std::move(list), total, q.per_page)};
}

FreshsalesEmulator::Reply FreshsalesEmulator::TablePageLocked(
    Entity e, const RecordTable& table, const httplib::Request& req) {
  const PageQuery q = ReadPageQuery(req);
  SortedListing& sorted = listings_[{&table, q.sort, q.ascending}];
  if (sorted.version != table.version()) {
    std::vector<const Json*> records;
    records.reserve(table.size());
    for (const auto& [id, record] : table.records()) records.push_back(&record);
    std::vector<Keyed> keyed = KeyedBy(records, q.sort);
    std::sort(keyed.begin(), keyed.end(), Before(q.ascending));
    sorted.records.clear();
    for (const Keyed& k : keyed) sorted.records.push_back(k.record);
    sorted.version = table.version();
  }
  const int64_t total = static_cast<int64_t>(sorted.records.size());
  Json list = Json::array();
  for (int64_t i = q.begin; i < std::min(total, q.begin + q.per_page); ++i) {
    list.push_back(*sorted.records[i]);
  }
  return {200, PageBody(e, std::move(list), total, q.per_page)};
}

FreshsalesEmulator::Reply FreshsalesEmulator::ViewLocked(
    Entity e, int64_t view_id, const httplib::Request& req) {
  const View* view = nullptr;
  for (const auto& v : Views(e)) {
    if (v.id == view_id) view = &v;
  }
  if (view == nullptr) return Error(404, {"Record not found"});
  // Every record: its sorted listing is kept between pages (a loader
  // indexing existing contacts reads every page of this view).
  if (view->kind == View::kAll) return TablePageLocked(e, Table(e), req);
  std::vector<const Json*> records;
  for (const auto& [id, record] : Table(e).records()) {
    bool in = true;
    switch (view->kind) {
      case View::kAll:
        break;
      case View::kMine:
        in = AsInt64(Field(record, "owner_id")) == users_.front().id;
        break;
      case View::kOpen:
      case View::kWon:
      case View::kLost: {
        std::string forecast;
        for (const auto& p : settings_.pipelines) {
          for (const auto& st : p.stages) {
            if (Field(record, "deal_stage_id") == st.id)
              forecast = st.forecast_type;
          }
        }
        in = forecast == (view->kind == View::kOpen  ? "Open"
                          : view->kind == View::kWon ? "Won"
                                                     : "Lost");
        break;
      }
    }
    if (in) records.push_back(&record);
  }
  return PageLocked(e, std::move(records), req);
}

absl::StatusOr<std::vector<int64_t>> FreshsalesEmulator::MatchIdentifierLocked(
    Entity e, const std::string& key, const Json& value) {
  bool email = e == Entity::kContact && (key == "emails" || key == "email");
  bool known = email;
  if (e == Entity::kContact) {
    known = known || key == "mobile_number" || key == "external_id";
  } else if (e == Entity::kSalesAccount) {
    known = known || key == "name";
  }
  if (absl::StartsWith(key, "cf_")) {
    for (const auto& f : Custom(e)) {
      known = known || (f.name == key && f.type != "checkbox");
    }
  }
  if (!known) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid unique_identifier: ", key));
  }
  bool fold = email || key == "name";
  std::string want = fold ? Lower(ScalarText(value)) : ScalarText(value);
  return Table(e).Lookup(
      absl::StrCat("identifier:", key),
      [e, key, fold](const Json& record) {
        std::vector<std::string> texts = AttributeTexts(e, record, key);
        if (fold) {
          for (std::string& t : texts) t = Lower(t);
        }
        return texts;
      },
      want);
}

FreshsalesEmulator::Reply FreshsalesEmulator::UpsertOneLocked(
    Entity e, const std::string& key, const Json& value, const Json& input) {
  if (IsBlank(value) || !(value.is_string() || value.is_number())) {
    return Error(400, {"The value for unique_identifier is invalid."});
  }
  absl::StatusOr<std::vector<int64_t>> ids =
      MatchIdentifierLocked(e, key, value);
  if (!ids.ok()) return Error(400, {std::string(ids.status().message())});
  if (ids->size() > 1) {
    return Error(400, {absl::StrCat(Label(e), " is not unique")});
  }
  if (ids->size() == 1) return UpdateLocked(e, ids->front(), input);
  Json create = input;
  if (create.is_object()) {
    if (key == "emails" || key == "email") {
      if (!create.contains("email") && !create.contains("emails")) {
        create["email"] = value;
      }
    } else if (absl::StartsWith(key, "cf_")) {
      if (!create.contains("custom_field")) {
        create["custom_field"] = Json::object();
      }
      if (create["custom_field"].is_object() &&
          !create["custom_field"].contains(key)) {
        create["custom_field"][key] = value;
      }
    } else if (!create.contains(key)) {
      create[key] = value;
    }
  }
  return CreateLocked(e, create);
}

FreshsalesEmulator::Reply FreshsalesEmulator::UpsertLocked(Entity e,
                                                           const Json& body) {
  if (!body.is_object() || !body.contains("unique_identifier") ||
      !body["unique_identifier"].is_object() ||
      body["unique_identifier"].size() != 1) {
    return Error(400, {"unique_identifier must name exactly one field"});
  }
  auto it = body["unique_identifier"].begin();
  return UpsertOneLocked(e, it.key(), it.value(),
                         Unwrap(Singular(e), body, "unique_identifier"));
}

FreshsalesEmulator::Reply FreshsalesEmulator::BulkUpsertLocked(
    Entity e, const Json& body) {
  const std::string plural = Plural(e);
  if (!body.is_object() || !body.contains(plural) || !body[plural].is_array() ||
      body[plural].empty()) {
    return Error(400, {absl::StrCat(plural, " must be a non-empty array")});
  }
  if (body[plural].size() > kMaxBulkRecords) {
    return Error(400, {absl::StrCat("At most ", kMaxBulkRecords,
                                    " records per request")});
  }
  std::string default_key;
  if (body.contains("unique_identifier")) {
    const Json& uid = body["unique_identifier"];
    if (!uid.is_object() || uid.size() != 1) {
      return Error(400, {"unique_identifier must name exactly one field"});
    }
    default_key = uid.begin().key();
  }
  Json results = Json::array();
  int64_t created = 0, updated = 0, failed = 0;
  for (size_t i = 0; i < body[plural].size(); ++i) {
    const Json& item = body[plural][i];
    Json input = Unwrap(Singular(e), item, "unique_identifier");
    std::string key = default_key;
    Json value;
    if (item.is_object() && item.contains("unique_identifier") &&
        item["unique_identifier"].is_object() &&
        item["unique_identifier"].size() == 1) {
      key = item["unique_identifier"].begin().key();
      value = item["unique_identifier"].begin().value();
    } else if (!key.empty() && input.is_object()) {
      // The request-level identifier names the field; each record carries
      // its own value.
      std::vector<std::string> texts = AttributeTexts(e, input, key);
      if (e == Entity::kContact && (key == "emails" || key == "email") &&
          input.contains("emails") && input["emails"].is_array() &&
          !input["emails"].empty()) {
        const Json& first = input["emails"][0];
        texts.push_back(first.is_object() ? ScalarText(Field(first, "value"))
                                          : ScalarText(first));
      }
      if (!texts.empty()) value = texts.front();
    }
    Reply r = key.empty() ? Error(400, {"unique_identifier is required"})
                          : UpsertOneLocked(e, key, value, input);
    Json result = {{"index", i}};
    if (r.status == 201 || r.status == 200) {
      result["status"] = r.status == 201 ? "created" : "updated";
      result["id"] = r.body[Singular(e)]["id"];
      ++(r.status == 201 ? created : updated);
    } else {
      result["status"] = "failed";
      result["id"] = nullptr;
      result["errors"] = r.body["errors"];
      ++failed;
    }
    results.push_back(result);
  }
  std::string job_id = absl::StrCat(next_job_++);
  jobs_[job_id] = {{"id", job_id},       {"status", "completed"},
                   {"entity", plural},   {"total", results.size()},
                   {"created", created}, {"updated", updated},
                   {"failed", failed},   {"results", results},
                   {"created_at", Now()}};
  job_polls_left_[job_id] = job_polls_;
  return {202, {{"job_id", job_id}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::JobStatusLocked(
    const std::string& job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Error(404, {"Record not found"});
  int& left = job_polls_left_[job_id];
  if (left > 0) {
    // Still running: no counts or results yet.
    --left;
    return {200,
            {{"job_status",
              {{"id", job_id},
               {"status", "in_progress"},
               {"entity", it->second["entity"]},
               {"total", it->second["total"]},
               {"created_at", it->second["created_at"]}}}}};
  }
  return {200, {{"job_status", it->second}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::LookupLocked(
    const httplib::Request& req) {
  std::string q = req.get_param_value("q");
  std::string f = req.get_param_value("f");
  if (q.empty() || f.empty()) return Error(400, {"q and f are required"});
  std::string entities_param = req.has_param("entities")
                                   ? req.get_param_value("entities")
                                   : "contact,sales_account";
  std::vector<Entity> entities;
  for (absl::string_view part :
       absl::StrSplit(entities_param, ',', absl::SkipWhitespace())) {
    std::string name(absl::StripAsciiWhitespace(part));
    if (name == "contact") {
      entities.push_back(Entity::kContact);
    } else if (name == "sales_account") {
      entities.push_back(Entity::kSalesAccount);
    } else if (name == "deal") {
      entities.push_back(Entity::kDeal);
    } else {
      return Error(400, {absl::StrCat("Invalid entity: ", name)});
    }
  }
  Json out = Json::object();
  bool searchable_somewhere = false;
  for (Entity e : entities) {
    bool searchable = f == "name";
    if (e == Entity::kContact) {
      searchable = searchable || f == "email" || f == "external_id" ||
                   f == "mobile_number";
    }
    if (absl::StartsWith(f, "cf_")) {
      for (const auto& def : Custom(e)) {
        searchable =
            searchable ||
            (def.name == f && (def.type == "text" || def.type == "textarea" ||
                               def.type == "number" || def.type == "dropdown" ||
                               def.type == "radio"));
      }
    }
    searchable_somewhere = searchable_somewhere || searchable;
    Json list = Json::array();
    if (searchable) {
      bool fold = f == "email" || f == "name";
      std::string want = fold ? Lower(q) : q;
      for (const auto& [id, record] : Table(e).records()) {
        std::vector<std::string> texts =
            f == "name" && e == Entity::kContact
                ? std::vector<std::string>{DisplayName(record)}
                : AttributeTexts(e, record, f);
        for (const auto& t : texts) {
          if ((fold ? Lower(t) : t) == want) {
            list.push_back(record);
            break;
          }
        }
      }
    }
    out[Plural(e)] = {{Plural(e), list}};
  }
  if (!searchable_somewhere) {
    return Error(400, {absl::StrCat("Invalid field: ", f)});
  }
  return {200, out};
}

FreshsalesEmulator::Reply FreshsalesEmulator::FilteredSearchLocked(
    Entity e, const Json& body, const httplib::Request& req) {
  if (!body.is_object() || !body.contains("filter_rule") ||
      !body["filter_rule"].is_array()) {
    return Error(400, {"filter_rule is required"});
  }
  struct Rule {
    std::string attribute;
    bool contains;
    std::vector<std::string> values;
  };
  std::vector<Rule> rules;
  for (const auto& r : body["filter_rule"]) {
    if (!r.is_object() || !r.contains("attribute") ||
        !r["attribute"].is_string() || !r.contains("operator") ||
        !r["operator"].is_string()) {
      return Error(400, {"Each filter_rule needs attribute and operator"});
    }
    Rule rule;
    rule.attribute = r["attribute"].get<std::string>();
    bool known = false;
    if (e == Entity::kContact && rule.attribute == "contact_email.email") {
      known = true;
    }
    for (const auto& f : freshsales::StandardFields(e)) {
      known = known || rule.attribute == f.name;
    }
    for (const auto& f : Custom(e)) known = known || rule.attribute == f.name;
    if (!known) {
      return Error(400, {absl::StrCat("Invalid attribute: ", rule.attribute)});
    }
    std::string op = r["operator"].get<std::string>();
    if (op != "is_in" && op != "contains") {
      return Error(400, {absl::StrCat("Invalid operator: ", op)});
    }
    rule.contains = op == "contains";
    const Json value = r.contains("value") ? r["value"] : Json(nullptr);
    if (value.is_array()) {
      for (const auto& v : value) rule.values.push_back(ScalarText(v));
    } else {
      rule.values.push_back(ScalarText(value));
    }
    bool fold = rule.contains || CaseInsensitiveAttribute(rule.attribute);
    if (fold) {
      for (auto& v : rule.values) v = Lower(v);
    }
    rules.push_back(std::move(rule));
  }
  std::vector<const Json*> matches;
  for (const auto& [id, record] : Table(e).records()) {
    bool all = true;
    for (const auto& rule : rules) {
      bool fold = rule.contains || CaseInsensitiveAttribute(rule.attribute);
      bool any = false;
      for (std::string text : AttributeTexts(e, record, rule.attribute)) {
        if (fold) text = Lower(text);
        for (const auto& v : rule.values) {
          any = any || (rule.contains ? absl::StrContains(text, v) : text == v);
        }
      }
      all = all && any;
    }
    if (all) matches.push_back(&record);
  }
  return PageLocked(e, std::move(matches), req);
}

FreshsalesEmulator::Reply FreshsalesEmulator::ListMembersLocked(
    int64_t list_id, bool add, const Json& body) {
  RecordTable& lists = Table(Entity::kList);
  const Json* list = lists.Find(list_id);
  if (list == nullptr) return Error(404, {"Record not found"});
  if (!body.is_object() || !body.contains("ids") || !body["ids"].is_array()) {
    return Error(400, {"ids is required"});
  }
  std::set<int64_t> members;
  for (const auto& c : Field(*list, "contact_ids")) {
    members.insert(c.get<int64_t>());
  }
  for (const auto& v : body["ids"]) {
    std::optional<int64_t> id = AsInt64(v);
    if (!id) return Error(400, {"The type for ids is invalid."});
    if (add && !Table(Entity::kContact).Contains(*id)) {
      return Error(400, {"Contact is invalid"});
    }
    if (add) {
      members.insert(*id);
    } else {
      members.erase(*id);
    }
  }
  Json updated = *list;
  updated["contact_ids"] =
      Json(std::vector<int64_t>(members.begin(), members.end()));
  updated["updated_at"] = Now();
  lists.Put(list_id, updated);
  return {200, {{"list", ListSummary(updated)}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::ListContactsLocked(
    int64_t list_id, const httplib::Request& req) {
  const Json* list = Table(Entity::kList).Find(list_id);
  if (list == nullptr) return Error(404, {"Record not found"});
  std::vector<const Json*> records;
  for (const auto& c : Field(*list, "contact_ids")) {
    const Json* contact = Table(Entity::kContact).Find(c.get<int64_t>());
    if (contact != nullptr) records.push_back(contact);
  }
  return PageLocked(Entity::kContact, std::move(records), req);
}

FreshsalesEmulator::Reply FreshsalesEmulator::ListLocked(
    Entity e, const httplib::Request& req) {
  std::string filter = req.get_param_value("filter");
  absl::Time now = clock_();
  std::function<bool(const Json&)> keep = [](const Json&) { return true; };
  if (e == Entity::kTask) {
    // open | completed | overdue | due_today
    absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
    auto due = [](const Json& r) {
      return ParseDateTime(Field(r, "due_date"));
    };
    auto open = [](const Json& r) { return Field(r, "status") != 1; };
    if (filter == "open") {
      keep = open;
    } else if (filter == "completed") {
      keep = [open](const Json& r) { return !open(r); };
    } else if (filter == "overdue") {
      keep = [=](const Json& r) { return open(r) && due(r) && *due(r) < now; };
    } else if (filter == "due_today") {
      keep = [=](const Json& r) {
        return open(r) && due(r) &&
               absl::ToCivilDay(*due(r), absl::UTCTimeZone()) == today;
      };
    } else {
      return Error(400, {"Invalid filter (open, completed, overdue, "
                         "due_today)"});
    }
  } else if (e == Entity::kAppointment) {
    auto end = [](const Json& r) {
      return ParseDateTime(Field(r, "end_date"));
    };
    if (filter == "past") {
      keep = [=](const Json& r) { return end(r) && *end(r) < now; };
    } else if (filter == "upcoming") {
      keep = [=](const Json& r) { return !(end(r) && *end(r) < now); };
    } else {
      return Error(400, {"Invalid filter (past, upcoming)"});
    }
  }
  if (e == Entity::kList) {
    // Every list, summarised, in id order.
    Json lists = Json::array();
    for (const auto& [id, record] : Table(e).records()) {
      lists.push_back(ListSummary(record));
    }
    return {200, {{"lists", lists}}};
  }
  std::vector<const Json*> records;
  for (const auto& [id, record] : Table(e).records()) {
    if (keep(record)) records.push_back(&record);
  }
  return PageLocked(e, std::move(records), req);
}

void FreshsalesEmulator::Register(httplib::Server& server) {
  const std::string api = kApiPrefix;
  auto is_api = [api](const std::string& path) {
    return path == api || absl::StartsWith(path, api + "/");
  };
  auto send = [](httplib::Response& res, const Reply& r) {
    SendJson(res, r.status, r.body);
  };

  // Auth, then the hourly budget, for every API request.
  server.set_pre_routing_handler(
      [this, is_api, send](const httplib::Request& req,
                           httplib::Response& res) {
        if (!is_api(req.path))
          return httplib::Server::HandlerResponse::Unhandled;
        if (faults_.Before(req, res))
          return httplib::Server::HandlerResponse::Handled;
        if (!Authorized(req)) {
          RateWindow::Decision d = window_.Peek();
          res.set_header("X-RateLimit-Limit", std::to_string(d.limit));
          res.set_header("X-RateLimit-Total", std::to_string(d.limit));
          res.set_header("X-RateLimit-Remaining", std::to_string(d.remaining));
          send(res, Error(401, {"Incorrect or missing API key"}));
          return httplib::Server::HandlerResponse::Handled;
        }
        RateWindow::Decision d = window_.Admit();
        res.set_header("X-RateLimit-Limit", std::to_string(d.limit));
        res.set_header("X-RateLimit-Total", std::to_string(d.limit));
        res.set_header("X-RateLimit-Remaining", std::to_string(d.remaining));
        if (!d.admitted) {
          res.set_header("Retry-After", std::to_string(d.retry_after_seconds));
          send(res, Error(429, {"Too many requests"}));
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
  // Runs for every response before it is written, so stats are current by
  // the time a client sees the reply.
  server.set_post_routing_handler(
      [this, api, is_api](const httplib::Request& req, httplib::Response& res) {
        faults_.After(req, res);
        LogRequest(req, res);
        if (!is_api(req.path)) return;
        stats_.Record(ApiRouteKey(req, api), res.status);
      });
  httplib::Server::HandlerWithResponse on_error =
      [is_api, send](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        if (is_api(req.path)) {
          send(res, Error(res.status, {res.status == 404 ? "Not found"
                                                         : "Request failed"}));
        } else {
          SendJson(res, res.status, {{"error", "not found"}});
        }
        return httplib::Server::HandlerResponse::Handled;
      };
  server.set_error_handler(on_error);
  server.set_exception_handler([send](const httplib::Request&,
                                      httplib::Response& res,
                                      std::exception_ptr) {
    send(res, Error(500, {"Internal server error"}));
  });

  // Routes. Each takes the store lock for the whole operation.
  using Handler = std::function<Reply(const httplib::Request&)>;
  auto route = [send](Handler h) {
    return [h, send](const httplib::Request& req, httplib::Response& res) {
      send(res, h(req));
    };
  };
  auto with_body = [](const httplib::Request& req,
                      const std::function<Reply(const Json&)>& f) -> Reply {
    std::optional<Json> body = ParseJson(req.body);
    if (!body) return Error(400, {"Invalid JSON in the request body"});
    return f(*body);
  };
  // Every JSON-bodied object: create, read, update, delete.
  const std::string object =
      "/(contacts|sales_accounts|deals|appointments|sales_activities|tasks|"
      "notes|cpq/products)";
  // The objects with views, upsert and bulk operations.
  const std::string entity = "/(contacts|sales_accounts|deals)";
  auto id_of = [](const httplib::Request& req, int group) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(std::string(req.matches[group]), &id)) id = -1;
    return id;
  };
  auto object_of = [](const httplib::Request& req) {
    std::string plural = req.matches[1];
    return EntityOf(absl::StartsWith(plural, "cpq/") ? plural.substr(4)
                                                     : plural);
  };

  server.Post(api + object,
              route([this, with_body, object_of](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  Entity e = object_of(req);
                  absl::MutexLock lock(&mu_);
                  return CreateLocked(e, Unwrap(Singular(e), body));
                });
              }));
  server.Get(api + object + "/([0-9]+)",
             route([this, id_of, object_of](const auto& req) {
               Entity e = object_of(req);
               int64_t id = id_of(req, 2);
               absl::MutexLock lock(&mu_);
               Reply r = ReadLocked(e, id);
               // ?include=notes side-loads the record's notes (contacts,
               // accounts and deals); other includes are not emulated.
               if (r.status == 200 && IncludesNotes(req) &&
                   (e == Entity::kContact || e == Entity::kSalesAccount ||
                    e == Entity::kDeal)) {
                 r.body["notes"] = TargetingLocked(Entity::kNote, e, id);
               }
               return r;
             }));
  server.Put(api + object + "/([0-9]+)",
             route([this, with_body, id_of, object_of](const auto& req) {
               return with_body(req, [&](const Json& body) {
                 Entity e = object_of(req);
                 absl::MutexLock lock(&mu_);
                 return UpdateLocked(e, id_of(req, 2),
                                     Unwrap(Singular(e), body));
               });
             }));
  server.Delete(api + object + "/([0-9]+)",
                route([this, id_of, object_of](const auto& req) {
                  absl::MutexLock lock(&mu_);
                  return DeleteLocked(object_of(req), id_of(req, 2));
                }));
  // Contact lists: create, rename, delete, membership, members.
  server.Post(api + "/lists", route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  absl::MutexLock lock(&mu_);
                  Reply r = CreateLocked(Entity::kList, Unwrap("list", body));
                  if (r.status == 201)
                    r.body["list"] = ListSummary(r.body["list"]);
                  return r;
                });
              }));
  server.Put(
      api + "/lists/([0-9]+)", route([this, with_body, id_of](const auto& req) {
        return with_body(req, [&](const Json& body) {
          absl::MutexLock lock(&mu_);
          Reply r =
              UpdateLocked(Entity::kList, id_of(req, 1), Unwrap("list", body));
          if (r.status == 200) r.body["list"] = ListSummary(r.body["list"]);
          return r;
        });
      }));
  server.Delete(api + "/lists/([0-9]+)", route([this, id_of](const auto& req) {
                  absl::MutexLock lock(&mu_);
                  return DeleteLocked(Entity::kList, id_of(req, 1));
                }));
  server.Put(api + "/lists/([0-9]+)/(add_contacts|remove_contacts)",
             route([this, with_body, id_of](const auto& req) {
               return with_body(req, [&](const Json& body) {
                 absl::MutexLock lock(&mu_);
                 return ListMembersLocked(
                     id_of(req, 1), req.matches[2] == "add_contacts", body);
               });
             }));
  server.Get(api + "/contacts/lists/([0-9]+)",
             route([this, id_of](const auto& req) {
               absl::MutexLock lock(&mu_);
               return ListContactsLocked(id_of(req, 1), req);
             }));
  // Lists without views.
  server.Get(api + "/(tasks|appointments|sales_activities|cpq/products|lists)",
             route([this, object_of](const auto& req) {
               absl::MutexLock lock(&mu_);
               return ListLocked(object_of(req), req);
             }));
  // A record's files and links ("List all Files and Links"): the documents
  // uploaded to a contact, account or deal, as "document_associations"
  // (docs/connectors/freshsales.md: the path is the one every contact's
  // `links.document_associations` names; each item is the document as
  // GET /documents/{id} returns it, with "document_type": "Document").
  server.Get(api + entity + "/([0-9]+)/document_associations",
             route([this, id_of, object_of](const auto& req) {
               Entity e = object_of(req);
               int64_t id = id_of(req, 2);
               absl::MutexLock lock(&mu_);
               if (Table(e).Find(id) == nullptr) {
                 return Error(404, {"Record not found"});
               }
               Json docs = TargetingLocked(Entity::kDocument, e, id);
               for (Json& d : docs) d["document_type"] = "Document";
               const size_t total = docs.size();
               return Reply{200,
                            {{"document_associations", std::move(docs)},
                             {"meta", {{"total", total}}}}};
             }));
  // Documents: multipart upload, read, delete.
  server.Post(api + "/documents", route([this](const auto& req) {
                absl::MutexLock lock(&mu_);
                return CreateDocumentLocked(req);
              }));
  server.Get(api + "/documents/([0-9]+)", route([this, id_of](const auto& req) {
               absl::MutexLock lock(&mu_);
               return ReadLocked(Entity::kDocument, id_of(req, 1));
             }));
  server.Delete(api + "/documents/([0-9]+)",
                route([this, id_of](const auto& req) {
                  absl::MutexLock lock(&mu_);
                  return DeleteLocked(Entity::kDocument, id_of(req, 1));
                }));
  // Custom module records: /custom_module/<module>[/<id>].
  auto with_module =
      [this](const httplib::Request& req,
             const std::function<Reply(const std::string&)>& f) -> Reply {
    std::string module = req.matches[1];
    absl::MutexLock lock(&mu_);
    if (ModuleLocked(module) == nullptr) return Error(404, {"Not found"});
    return f(module);
  };
  const std::string module = "/custom_module/([a-z][a-z0-9_]*)";
  server.Post(
      api + module, route([this, with_body, with_module](const auto& req) {
        return with_body(req, [&](const Json& body) {
          return with_module(
              req, [&](const std::string& m) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                return CreateLocked(Entity::kCustomModule, Unwrap(m, body),
                                    nullptr, m);
              });
        });
      }));
  server.Get(api + module + "/([0-9]+)",
             route([this, id_of, with_module](const auto& req) {
               return with_module(
                   req,
                   [&](const std::string& m) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                     return ReadLocked(Entity::kCustomModule, id_of(req, 2), m);
                   });
             }));
  server.Put(api + module + "/([0-9]+)",
             route([this, with_body, id_of, with_module](const auto& req) {
               return with_body(req, [&](const Json& body) {
                 return with_module(
                     req,
                     [&](const std::string& m) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                       return UpdateLocked(Entity::kCustomModule, id_of(req, 2),
                                           Unwrap(m, body), m);
                     });
               });
             }));
  server.Delete(
      api + module + "/([0-9]+)",
      route([this, id_of, with_module](const auto& req) {
        return with_module(
            req, [&](const std::string& m) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return DeleteLocked(Entity::kCustomModule, id_of(req, 2), m);
            });
      }));
  // A module's records are listed through its one view, as contacts are
  // through theirs: GET .../filters for its id, then GET .../view/<id>.
  server.Get(api + module + "/filters",
             route([this, with_module](const auto& req) {
               return with_module(req, [&](const std::string& m) {
                 return Reply{
                     200,
                     {{"filters", Json::array({{{"id", kModuleViewId},
                                                {"name", "All records"},
                                                {"model_class_name", m},
                                                {"user_id", users_.front().id},
                                                {"is_default", true},
                                                {"is_public", true}}})}}};
               });
             }));
  server.Get(api + module + "/view/([0-9]+)",
             route([this, id_of, with_module](const auto& req) {
               return with_module(
                   req,
                   [&](const std::string& m) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                     if (id_of(req, 2) != kModuleViewId) {
                       return Error(404, {"Record not found"});
                     }
                     Reply page = TablePageLocked(Entity::kCustomModule,
                                                  module_tables_.at(m), req);
                     // Listed under the module's name, as its records are
                     // wrapped.
                     page.body[m] =
                         std::move(page.body[Plural(Entity::kCustomModule)]);
                     page.body.erase(Plural(Entity::kCustomModule));
                     return page;
                   });
             }));
  server.Get(api + entity + "/filters", route([this](const auto& req) {
               absl::MutexLock lock(&mu_);
               return FiltersLocked(EntityOf(req.matches[1]));
             }));
  server.Get(api + entity + "/view/([0-9]+)",
             route([this, id_of](const auto& req) {
               absl::MutexLock lock(&mu_);
               return ViewLocked(EntityOf(req.matches[1]), id_of(req, 2), req);
             }));
  server.Post(api + entity + "/upsert",
              route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  absl::MutexLock lock(&mu_);
                  return UpsertLocked(EntityOf(req.matches[1]), body);
                });
              }));
  server.Post(api + entity + "/bulk_upsert",
              route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  absl::MutexLock lock(&mu_);
                  return BulkUpsertLocked(EntityOf(req.matches[1]), body);
                });
              }));
  server.Post(api + entity + "/bulk_destroy",
              route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  absl::MutexLock lock(&mu_);
                  return BulkDestroyLocked(EntityOf(req.matches[1]), body);
                });
              }));
  server.Get(api + "/job_statuses/([^/]+)", route([this](const auto& req) {
               absl::MutexLock lock(&mu_);
               return JobStatusLocked(req.matches[1]);
             }));
  server.Get(api + "/selector/owners", route([this](const auto&) {
               Json users = Json::array();
               for (const auto& u : users_) {
                 users.push_back({{"id", u.id},
                                  {"display_name", u.display_name},
                                  {"email", u.email},
                                  {"is_active", u.is_active}});
               }
               return Reply{200, {{"users", users}}};
             }));
  server.Get(api + "/selector/deal_pipelines", route([this](const auto&) {
               absl::MutexLock lock(&mu_);
               Json list = Json::array();
               for (size_t i = 0; i < settings_.pipelines.size(); ++i) {
                 const auto& p = settings_.pipelines[i];
                 list.push_back({{"id", p.id},
                                 {"name", p.name},
                                 {"is_default", p.is_default},
                                 {"position", i + 1}});
               }
               return Reply{200, {{"deal_pipelines", list}}};
             }));
  auto stages_json = [this](int64_t pipeline) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    Json list = Json::array();
    for (const auto& p : settings_.pipelines) {
      if (pipeline != 0 && p.id != pipeline) continue;
      for (const auto& st : p.stages) {
        list.push_back({{"id", st.id},
                        {"name", st.name},
                        {"position", st.position},
                        {"probability", ProbabilityJson(st.probability)},
                        {"forecast_type", st.forecast_type},
                        {"deal_pipeline_id", st.pipeline_id}});
      }
    }
    return list;
  };
  server.Get(api + "/selector/deal_stages",
             route([this, stages_json](const auto&) {
               absl::MutexLock lock(&mu_);
               return Reply{200, {{"deal_stages", stages_json(0)}}};
             }));
  server.Get(api + "/selector/deal_pipelines/([0-9]+)/deal_stages",
             route([this, stages_json, id_of](const auto& req) {
               absl::MutexLock lock(&mu_);
               Json list = stages_json(id_of(req, 1));
               if (list.empty()) return Error(404, {"Record not found"});
               return Reply{200, {{"deal_stages", list}}};
             }));
  auto choices_route =
      [this](const char* key,
             std::vector<freshsales::Choice> freshsales::Settings::*member) {
        return [this, key, member](const httplib::Request&) {
          absl::MutexLock lock(&mu_);
          Json list = Json::array();
          for (const auto& c : settings_.*member) {
            list.push_back({{"id", c.id}, {"name", c.name}});
          }
          return Reply{200, {{key, list}}};
        };
      };
  server.Get(api + "/selector/sales_activity_types",
             route(choices_route("sales_activity_types",
                                 &freshsales::Settings::activity_types)));
  server.Get(api + "/selector/lifecycle_stages",
             route(choices_route("lifecycle_stages",
                                 &freshsales::Settings::lifecycle_stages)));
  server.Get(
      api + "/selector/territories",
      route(choices_route("territories", &freshsales::Settings::territories)));
  server.Get(api + "/settings/([a-z][a-z0-9_]*)/fields",
             route([this](const auto& req) {
               std::string name = req.matches[1];
               absl::MutexLock lock(&mu_);
               std::optional<Entity> e = freshsales::EntityFromPlural(name);
               if (e && freshsales::HasCustomFields(*e)) {
                 return Reply{200, freshsales::FieldsListing(*e, Custom(*e))};
               }
               if (!e && ModuleLocked(name) != nullptr) {
                 return Reply{200, freshsales::FieldsListing(
                                       Entity::kCustomModule,
                                       Custom(Entity::kCustomModule, name))};
               }
               return Error(404, {"Not found"});
             }));
  server.Get(api + "/lookup", route([this](const auto& req) {
               absl::MutexLock lock(&mu_);
               return LookupLocked(req);
             }));
  server.Post(api + "/filtered_search/(contact|sales_account|deal)",
              route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  Entity e = EntityOf(absl::StrCat(req.matches[1].str(), "s"));
                  absl::MutexLock lock(&mu_);
                  return FilteredSearchLocked(e, body, req);
                });
              }));

  OperatorHandlers ops;
  ops.state = [this] { return State(); };
  ops.stats = [this] { return Stats(); };
  ops.reset = [this] { Reset(); };
  ops.fields = [this](const Json& body) { return AddCustomFields(body); };
  ops.seed = [this](const Json& body) { return Seed(body); };
  ops.config = [this](const Json& body) { return Configure(body); };
  ops.faults = &faults_;
  RegisterOperatorEndpoints(server, std::move(ops));
}

nlohmann::json FreshsalesEmulator::State() const {
  absl::MutexLock lock(&mu_);
  Json out = Json::object();
  for (const auto& [e, table] : tables_) out[Plural(e)] = table.ToJsonArray();
  Json modules = Json::object();
  for (const auto& [name, table] : module_tables_) {
    modules[name] = table.ToJsonArray();
  }
  out["custom_module"] = modules;
  return out;
}

nlohmann::json FreshsalesEmulator::Stats() const {
  Json out = stats_.ToJson();
  out["window"] = WindowJson();
  return out;
}

void FreshsalesEmulator::Reset() {
  {
    absl::MutexLock lock(&mu_);
    for (auto& [e, table] : tables_) table.Clear();
    for (auto& [name, table] : module_tables_) table.Clear();
    jobs_.clear();
    job_polls_left_.clear();
    next_job_ = kFirstJobId;
  }
  stats_.Reset();
  window_.Reset();
}

absl::StatusOr<nlohmann::json> FreshsalesEmulator::AddCustomFields(
    const Json& body) {
  absl::StatusOr<std::map<Entity, std::vector<CustomField>>> parsed =
      ParseFieldsBody(body);
  if (!parsed.ok()) return parsed.status();
  absl::MutexLock lock(&mu_);
  for (auto& [e, fields] : *parsed) {
    std::vector<CustomField>& existing = fields_[e];
    for (auto& f : fields) {
      auto same =
          std::find_if(existing.begin(), existing.end(),
                       [&f](const CustomField& x) { return x.name == f.name; });
      if (same != existing.end()) {
        *same = std::move(f);
      } else {
        existing.push_back(std::move(f));
      }
    }
  }
  Json counts = {{"contacts", 0}, {"sales_accounts", 0}};
  for (const auto& [e, fields] : fields_) counts[Plural(e)] = fields.size();
  return counts;
}

absl::StatusOr<nlohmann::json> FreshsalesEmulator::Seed(const Json& body) {
  // Record keys, in the order they are inserted.
  constexpr Entity kOrder[] = {Entity::kSalesAccount, Entity::kContact,
                               Entity::kDeal};
  Json settings_body = Json::object();
  if (!body.is_object()) {
    return absl::InvalidArgumentError("seed body must be a JSON object");
  }
  for (const auto& [key, list] : body.items()) {
    bool record_key = false;
    for (Entity e : kOrder) record_key = record_key || key == Plural(e);
    if (record_key && list.is_array()) continue;
    if (!record_key) {
      settings_body[key] = list;
      continue;
    }
    return absl::InvalidArgumentError(
        "seed body: {\"sales_accounts\":[...],\"contacts\":[...],"
        "\"deals\":[...]} and/or settings keys");
  }
  absl::MutexLock lock(&mu_);
  freshsales::Settings settings_before = settings_;
  std::map<Entity, RecordTable> tables_before = tables_;
  std::map<std::string, RecordTable> modules_before = module_tables_;
  if (!settings_body.empty()) {
    absl::StatusOr<freshsales::Settings> parsed =
        freshsales::ParseSettings(settings_body, settings_);
    if (!parsed.ok()) return parsed.status();
    settings_ = *std::move(parsed);
    SyncModuleTablesLocked();
  }
  Json ids = Json::object();
  for (Entity e : kOrder) {
    ids[Plural(e)] = Json::array();
    if (!body.contains(Plural(e))) continue;
    const Json& list = body[Plural(e)];
    for (size_t i = 0; i < list.size(); ++i) {
      Json input = Unwrap(Singular(e), list[i]);
      Json extras = Json::object();
      if (input.is_object()) {
        for (const char* k : {"id", "created_at", "updated_at"}) {
          if (input.contains(k)) {
            extras[k] = input[k];
            input.erase(k);
          }
        }
      }
      Reply r = CreateLocked(e, input, &extras);
      if (r.status != 201) {
        settings_ = std::move(settings_before);
        tables_ = std::move(tables_before);
        module_tables_ = std::move(modules_before);
        return absl::InvalidArgumentError(absl::StrCat(
            Plural(e), "[", i, "]: ", r.body["errors"]["message"].dump()));
      }
      ids[Plural(e)].push_back(r.body[Singular(e)]["id"]);
    }
  }
  return ids;
}

absl::StatusOr<nlohmann::json> FreshsalesEmulator::Configure(const Json& body) {
  std::optional<int64_t> limit;
  std::optional<double> time_scale;
  if (body.contains("plan")) {
    if (!body["plan"].is_string()) {
      return absl::InvalidArgumentError("plan must be a string");
    }
    absl::StatusOr<int64_t> l = FreshsalesPlanLimit(body["plan"]);
    if (!l.ok()) return l.status();
    limit = *l;
  }
  if (body.contains("rate_limit_per_hour")) {
    limit = AsInt64(body["rate_limit_per_hour"]);
    if (!limit || *limit < 0 || !body["rate_limit_per_hour"].is_number()) {
      return absl::InvalidArgumentError(
          "rate_limit_per_hour must be a non-negative integer");
    }
  }
  if (body.contains("time_scale")) {
    if (!body["time_scale"].is_number() ||
        !(body["time_scale"].get<double>() > 0)) {
      return absl::InvalidArgumentError("time_scale must be a positive number");
    }
    time_scale = body["time_scale"].get<double>();
  }
  if (body.contains("job_polls")) {
    std::optional<int64_t> polls = AsInt64(body["job_polls"]);
    if (!body["job_polls"].is_number() || !polls || *polls < 0 ||
        *polls > 1000) {
      return absl::InvalidArgumentError("job_polls must be 0..1000");
    }
    absl::MutexLock lock(&mu_);
    job_polls_ = static_cast<int>(*polls);
  }
  window_.Configure(limit, time_scale);
  if (body.contains("reset_window") && body["reset_window"] == true) {
    window_.Reset();
  }
  return Json{{"window", WindowJson()}};
}

}  // namespace bridgework::emulator
