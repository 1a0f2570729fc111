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

// Ids look like Freshsales' (large, per entity); the two ranges never
// overlap, so a contact id sent as an account id is refused.
constexpr int64_t kFirstContactId = 16000000001;
constexpr int64_t kFirstAccountId = 16000500001;
constexpr int64_t kFirstJobId = 7000000001;
constexpr int kDefaultPerPage = 25;
constexpr int kMaxPerPage = 100;
constexpr size_t kMaxBulkRecords = 100;

struct View {
  int64_t id;
  const char* name;
  bool mine;  // only records owned by the account admin
};

const std::vector<View>& Views(Entity e) {
  static const auto* kContact = new std::vector<View>{
      {1600001, "All Contacts", false}, {1600002, "My Contacts", true}};
  static const auto* kAccount = new std::vector<View>{
      {1600101, "All Accounts", false}, {1600102, "My Accounts", true}};
  return e == Entity::kContact ? *kContact : *kAccount;
}

Entity EntityFromPlural(const std::string& s) {
  return s == "contacts" ? Entity::kContact : Entity::kSalesAccount;
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

// The record of a body: {"contact": {...}} or the flat form. `drop` names
// a key of the flat form that belongs to the request, not the record.
Json Unwrap(Entity e, const Json& body, const char* drop = nullptr) {
  if (body.is_object()) {
    auto it = body.find(Singular(e));
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

bool CaseInsensitiveAttribute(const std::string& attribute) {
  return attribute == "email" || attribute == "emails" ||
         attribute == "contact_email.email";
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
  std::vector<CustomField> contact_fields, account_fields;
  if (!options.fields.is_null()) {
    if (!options.fields.is_object()) {
      return absl::InvalidArgumentError(
          "fields must be a JSON object {\"contacts\":[...],"
          "\"sales_accounts\":[...]}");
    }
    for (const auto& [key, list] : options.fields.items()) {
      if (key != "contacts" && key != "sales_accounts") {
        return absl::InvalidArgumentError(absl::StrCat(
            "fields: unknown entity '", key, "' (contacts, sales_accounts)"));
      }
      absl::StatusOr<std::vector<CustomField>> parsed =
          freshsales::ParseCustomFields(list);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("fields.", key, ": ", parsed.status().message()));
      }
      (key == "contacts" ? contact_fields : account_fields) = *parsed;
    }
  }
  return std::unique_ptr<FreshsalesEmulator>(new FreshsalesEmulator(
      std::move(options), std::move(users), std::move(contact_fields),
      std::move(account_fields)));
}

FreshsalesEmulator::FreshsalesEmulator(FreshsalesOptions options,
                                       std::vector<freshsales::User> users,
                                       std::vector<CustomField> contact_fields,
                                       std::vector<CustomField> account_fields)
    : token_(options.token),
      users_(std::move(users)),
      clock_(options.clock ? options.clock : std::function<absl::Time()>([] {
        return absl::Now();
      })),
      window_(options.requests_per_hour, absl::Hours(1), options.time_scale,
              clock_),
      contact_fields_(std::move(contact_fields)),
      account_fields_(std::move(account_fields)),
      contacts_(kFirstContactId),
      accounts_(kFirstAccountId),
      next_job_(kFirstJobId) {}

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
  RateWindow::Snapshot s = window_.Snap();
  return {{"limit", s.limit},
          {"used", s.used},
          {"resets_in_seconds", s.resets_in_seconds},
          {"time_scale", s.time_scale}};
}

RecordTable& FreshsalesEmulator::Table(Entity e) {
  return e == Entity::kContact ? contacts_ : accounts_;
}

const std::vector<CustomField>& FreshsalesEmulator::Custom(Entity e) const {
  return e == Entity::kContact ? contact_fields_ : account_fields_;
}

void FreshsalesEmulator::NoteIgnored(Entity e,
                                     const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    stats_.Increment("ignored_attributes", absl::StrCat(Plural(e), ".", key));
  }
}

std::vector<std::string> FreshsalesEmulator::RulesLocked(Entity e,
                                                         const Json& record,
                                                         int64_t self_id) {
  std::vector<std::string> errors;
  const Json& owner = Field(record, "owner_id");
  if (!owner.is_null()) {
    bool found = false;
    for (const auto& u : users_) {
      found = found || (u.is_active && AsInt64(owner) == u.id);
    }
    if (!found) errors.push_back("Owner is invalid");
  }
  const RecordTable& table = Table(e);
  if (e == Entity::kContact) {
    bool named = !EmailsOf(record).empty();
    for (const char* k : {"first_name", "last_name", "mobile_number"}) {
      named = named || !IsBlank(Field(record, k));
    }
    if (!named) {
      errors.push_back(
          "Contact should have at least one of first name, last name, email "
          "or mobile number");
    }
    std::vector<std::string> emails = EmailsOf(record);
    std::set<std::string> own(emails.begin(), emails.end());
    const Json& mobile = Field(record, "mobile_number");
    bool email_taken = false, mobile_taken = false;
    for (const auto& [id, other] : table.records()) {
      if (id == self_id) continue;
      for (const auto& e2 : EmailsOf(other)) email_taken |= own.count(e2) > 0;
      mobile_taken |=
          !IsBlank(mobile) && mobile == Field(other, "mobile_number");
    }
    if (email_taken) errors.push_back("Email is not unique");
    if (mobile_taken) errors.push_back("MobileNumber is not unique");
    const Json& links = Field(record, "sales_accounts");
    if (links.is_array()) {
      for (const auto& link : links) {
        if (!accounts_.Contains(link["id"].get<int64_t>())) {
          errors.push_back("The type for sales_accounts is invalid.");
          break;
        }
      }
    }
  } else {
    const Json& name = Field(record, "name");
    if (IsBlank(name)) {
      errors.push_back("Name can't be blank");
    } else {
      std::string lower = Lower(ScalarText(name));
      for (const auto& [id, other] : table.records()) {
        if (id != self_id && Lower(ScalarText(Field(other, "name"))) == lower) {
          errors.push_back("Name has already been taken");
          break;
        }
      }
    }
    const Json& parent = Field(record, "parent_sales_account_id");
    if (!parent.is_null()) {
      int64_t p = parent.get<int64_t>();
      bool ok = p != self_id && accounts_.Contains(p);
      // No cycles: walk up from the parent.
      std::set<int64_t> seen = {self_id};
      for (int64_t at = p; ok && at != 0;) {
        if (!seen.insert(at).second) {
          ok = false;
          break;
        }
        const Json* up = accounts_.Find(at);
        const Json& next =
            up ? Field(*up, "parent_sales_account_id") : Json(nullptr);
        at = next.is_null() ? 0 : next.get<int64_t>();
      }
      if (!ok) errors.push_back("Parent sales account is invalid");
    }
  }
  return errors;
}

FreshsalesEmulator::Reply FreshsalesEmulator::CreateLocked(
    Entity e, const Json& input, const Json* seed_extras) {
  freshsales::Normalized n = freshsales::NormalizeInput(e, input, Custom(e));
  NoteIgnored(e, n.ignored);
  if (!n.errors.empty()) return Error(400, n.errors);
  Json record = std::move(n.record);
  DropNulls(record);
  if (!record.contains("custom_field")) record["custom_field"] = Json::object();
  // Like the real service, a record without an owner belongs to the user
  // whose API key created it (the account admin).
  if (!record.contains("owner_id")) record["owner_id"] = users_.front().id;
  if (e == Entity::kContact) freshsales::ReconcileEmails(record);
  std::vector<std::string> errors = RulesLocked(e, record, 0);
  if (!errors.empty()) return Error(400, errors);
  RecordTable& table = Table(e);
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
  return {201, {{Singular(e), record}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::UpdateLocked(Entity e, int64_t id,
                                                           const Json& input) {
  RecordTable& table = Table(e);
  const Json* current = table.Find(id);
  if (current == nullptr) return Error(404, {"Record not found"});
  freshsales::Normalized n = freshsales::NormalizeInput(e, input, Custom(e));
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
  std::vector<std::string> errors = RulesLocked(e, merged, id);
  if (!errors.empty()) return Error(400, errors);
  merged["updated_at"] = Now();
  table.Put(id, merged);
  return {200, {{Singular(e), merged}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::ReadLocked(Entity e, int64_t id) {
  const Json* record = Table(e).Find(id);
  if (record == nullptr) return Error(404, {"Record not found"});
  return {200, {{Singular(e), *record}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::DeleteLocked(Entity e,
                                                           int64_t id) {
  if (!Table(e).Erase(id)) return Error(404, {"Record not found"});
  if (e == Entity::kSalesAccount) {
    // Links to a deleted account disappear from the records that had them.
    for (const auto& [cid, contact] : contacts_.records()) {
      const Json& links = Field(contact, "sales_accounts");
      if (!links.is_array()) continue;
      Json kept = Json::array();
      for (const auto& link : links) {
        if (link["id"] != id) kept.push_back(link);
      }
      if (kept.size() != links.size()) {
        Json updated = contact;
        updated["sales_accounts"] = kept;
        contacts_.Put(cid, updated);
      }
    }
    for (const auto& [aid, account] : accounts_.records()) {
      if (Field(account, "parent_sales_account_id") == id) {
        Json updated = account;
        updated.erase("parent_sales_account_id");
        accounts_.Put(aid, updated);
      }
    }
  }
  return {200, Json::object()};
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
                       {"model_class_name",
                        e == Entity::kContact ? "Contact" : "SalesAccount"},
                       {"user_id", users_.front().id},
                       {"is_default", !v.mine},
                       {"is_public", true}});
  }
  return {200, {{"filters", filters}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::PageLocked(
    Entity e, std::vector<const Json*> records, const httplib::Request& req) {
  std::string sort =
      req.has_param("sort") ? req.get_param_value("sort") : "updated_at";
  bool ascending = req.get_param_value("sort_type") == "asc";
  auto key = [&sort](const Json* r) -> const Json& {
    return absl::StartsWith(sort, "cf_") ? CustomValue(*r, sort)
                                         : Field(*r, sort);
  };
  std::stable_sort(records.begin(), records.end(),
                   [&](const Json* a, const Json* b) {
                     const Json& ka = key(a);
                     const Json& kb = key(b);
                     if (ka != kb) return ascending ? ka < kb : kb < ka;
                     int64_t ia = (*a)["id"].get<int64_t>();
                     int64_t ib = (*b)["id"].get<int64_t>();
                     return ascending ? ia < ib : ib < ia;
                   });
  int page = std::max(1, IntParam(req, "page", 1));
  int per_page = IntParam(req, "per_page", kDefaultPerPage);
  if (per_page < 1) per_page = kDefaultPerPage;
  per_page = std::min(per_page, kMaxPerPage);
  int64_t total = static_cast<int64_t>(records.size());
  int64_t total_pages = (total + per_page - 1) / per_page;
  Json list = Json::array();
  int64_t begin = static_cast<int64_t>(page - 1) * per_page;
  for (int64_t i = begin; i < total && i < begin + per_page; ++i) {
    list.push_back(*records[i]);
  }
  return {200,
          {{Plural(e), list},
           {"meta", {{"total_pages", total_pages}, {"total", total}}}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::ViewLocked(
    Entity e, int64_t view_id, const httplib::Request& req) {
  const View* view = nullptr;
  for (const auto& v : Views(e)) {
    if (v.id == view_id) view = &v;
  }
  if (view == nullptr) return Error(404, {"Record not found"});
  std::vector<const Json*> records;
  for (const auto& [id, record] : Table(e).records()) {
    if (view->mine && AsInt64(Field(record, "owner_id")) != users_.front().id) {
      continue;
    }
    records.push_back(&record);
  }
  return PageLocked(e, std::move(records), req);
}

absl::StatusOr<std::vector<int64_t>> FreshsalesEmulator::MatchIdentifierLocked(
    Entity e, const std::string& key, const Json& value) {
  bool email = e == Entity::kContact && (key == "emails" || key == "email");
  bool known = email;
  if (e == Entity::kContact) {
    known = known || key == "mobile_number" || key == "external_id";
  } else {
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
  std::vector<int64_t> ids;
  for (const auto& [id, record] : Table(e).records()) {
    for (const auto& text : AttributeTexts(e, record, key)) {
      if ((fold ? Lower(text) : text) == want) {
        ids.push_back(id);
        break;
      }
    }
  }
  return ids;
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
                         Unwrap(e, body, "unique_identifier"));
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
    Json input = Unwrap(e, item, "unique_identifier");
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
  return {202, {{"job_id", job_id}}};
}

FreshsalesEmulator::Reply FreshsalesEmulator::JobStatusLocked(
    const std::string& job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return Error(404, {"Record not found"});
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
      [this, api, is_api](const httplib::Request& req,
                          const httplib::Response& res) {
        LogRequest(req, res);
        if (!is_api(req.path)) return;
        std::string_view rest = std::string_view(req.path).substr(api.size());
        if (rest.empty()) rest = "/";
        stats_.Record(absl::StrCat(req.method, " ", PathTemplate(rest)),
                      res.status);
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
  const std::string entity = "/(contacts|sales_accounts)";
  auto id_of = [](const httplib::Request& req, int group) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(std::string(req.matches[group]), &id)) id = -1;
    return id;
  };

  server.Post(api + entity, route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  Entity e = EntityFromPlural(req.matches[1]);
                  absl::MutexLock lock(&mu_);
                  return CreateLocked(e, Unwrap(e, body));
                });
              }));
  server.Get(api + entity + "/([0-9]+)", route([this, id_of](const auto& req) {
               absl::MutexLock lock(&mu_);
               return ReadLocked(EntityFromPlural(req.matches[1]),
                                 id_of(req, 2));
             }));
  server.Put(api + entity + "/([0-9]+)",
             route([this, with_body, id_of](const auto& req) {
               return with_body(req, [&](const Json& body) {
                 Entity e = EntityFromPlural(req.matches[1]);
                 absl::MutexLock lock(&mu_);
                 return UpdateLocked(e, id_of(req, 2), Unwrap(e, body));
               });
             }));
  server.Delete(
      api + entity + "/([0-9]+)", route([this, id_of](const auto& req) {
        absl::MutexLock lock(&mu_);
        return DeleteLocked(EntityFromPlural(req.matches[1]), id_of(req, 2));
      }));
  server.Get(api + entity + "/filters", route([this](const auto& req) {
               absl::MutexLock lock(&mu_);
               return FiltersLocked(EntityFromPlural(req.matches[1]));
             }));
  server.Get(
      api + entity + "/view/([0-9]+)", route([this, id_of](const auto& req) {
        absl::MutexLock lock(&mu_);
        return ViewLocked(EntityFromPlural(req.matches[1]), id_of(req, 2), req);
      }));
  server.Post(api + entity + "/upsert",
              route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  absl::MutexLock lock(&mu_);
                  return UpsertLocked(EntityFromPlural(req.matches[1]), body);
                });
              }));
  server.Post(
      api + entity + "/bulk_upsert", route([this, with_body](const auto& req) {
        return with_body(req, [&](const Json& body) {
          absl::MutexLock lock(&mu_);
          return BulkUpsertLocked(EntityFromPlural(req.matches[1]), body);
        });
      }));
  server.Post(
      api + entity + "/bulk_destroy", route([this, with_body](const auto& req) {
        return with_body(req, [&](const Json& body) {
          absl::MutexLock lock(&mu_);
          return BulkDestroyLocked(EntityFromPlural(req.matches[1]), body);
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
  server.Get(api + "/settings" + entity + "/fields",
             route([this](const auto& req) {
               Entity e = EntityFromPlural(req.matches[1]);
               absl::MutexLock lock(&mu_);
               return Reply{200, freshsales::FieldsListing(e, Custom(e))};
             }));
  server.Get(api + "/lookup", route([this](const auto& req) {
               absl::MutexLock lock(&mu_);
               return LookupLocked(req);
             }));
  server.Post(api + "/filtered_search/(contact|sales_account)",
              route([this, with_body](const auto& req) {
                return with_body(req, [&](const Json& body) {
                  Entity e = req.matches[1] == "contact"
                                 ? Entity::kContact
                                 : Entity::kSalesAccount;
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
  RegisterOperatorEndpoints(server, std::move(ops));
}

nlohmann::json FreshsalesEmulator::State() const {
  absl::MutexLock lock(&mu_);
  return {{"contacts", contacts_.ToJsonArray()},
          {"sales_accounts", accounts_.ToJsonArray()}};
}

nlohmann::json FreshsalesEmulator::Stats() const {
  Json out = stats_.ToJson();
  out["window"] = WindowJson();
  return out;
}

void FreshsalesEmulator::Reset() {
  {
    absl::MutexLock lock(&mu_);
    contacts_.Clear();
    accounts_.Clear();
    jobs_.clear();
    next_job_ = kFirstJobId;
  }
  stats_.Reset();
  window_.Reset();
}

absl::StatusOr<nlohmann::json> FreshsalesEmulator::AddCustomFields(
    const Json& body) {
  std::map<std::string, std::vector<CustomField>> parsed;
  for (const auto& [key, list] : body.items()) {
    if (key != "contacts" && key != "sales_accounts") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown entity '", key, "' (contacts, sales_accounts)"));
    }
    absl::StatusOr<std::vector<CustomField>> fields =
        freshsales::ParseCustomFields(list);
    if (!fields.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": ", fields.status().message()));
    }
    parsed[key] = *std::move(fields);
  }
  absl::MutexLock lock(&mu_);
  for (auto& [key, fields] : parsed) {
    std::vector<CustomField>& existing =
        key == "contacts" ? contact_fields_ : account_fields_;
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
  return Json{{"contacts", contact_fields_.size()},
              {"sales_accounts", account_fields_.size()}};
}

absl::StatusOr<nlohmann::json> FreshsalesEmulator::Seed(const Json& body) {
  for (const auto& [key, list] : body.items()) {
    if ((key != "contacts" && key != "sales_accounts") || !list.is_array()) {
      return absl::InvalidArgumentError(
          "seed body: {\"sales_accounts\":[...],\"contacts\":[...]}");
    }
  }
  absl::MutexLock lock(&mu_);
  RecordTable contacts_before = contacts_;
  RecordTable accounts_before = accounts_;
  Json ids = Json::object();
  for (Entity e : {Entity::kSalesAccount, Entity::kContact}) {
    ids[Plural(e)] = Json::array();
    if (!body.contains(Plural(e))) continue;
    const Json& list = body[Plural(e)];
    for (size_t i = 0; i < list.size(); ++i) {
      Json input = Unwrap(e, list[i]);
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
        contacts_ = contacts_before;
        accounts_ = accounts_before;
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
  window_.Configure(limit, time_scale);
  if (body.contains("reset_window") && body["reset_window"] == true) {
    window_.Reset();
  }
  return Json{{"window", WindowJson()}};
}

}  // namespace bridgework::emulator
