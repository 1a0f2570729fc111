// Backend: contacts, their notes, tasks and tags, and businesses.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "emulators/common/json_store.h"
#include "emulators/highlevel/highlevel_backend.h"
#include "emulators/highlevel/highlevel_search.h"
#include "emulators/highlevel/highlevel_util.h"
#include "emulators/highlevel/highlevel_values.h"

namespace bridgework::emulator::highlevel {
namespace {

constexpr int64_t kDefaultLimit = 20;
constexpr int64_t kMaxLimit = 100;
constexpr int64_t kMaxSearchPageLimit = 500;

// Contact properties stored as plain strings ("" or null clears them).
const char* const kContactStrings[] = {
    "firstName", "lastName",   "name",    "address1", "city",
    "state",     "postalCode", "website", "timezone", "companyName",
    "source",    "country",    "gender"};

// What the upsert applies to a contact it found: the fields PUT accepts
// (gender and companyName are dropped silently, as reported in
// highlevel-api-docs issue #313).
bool UpdatableByUpsert(const std::string& key) {
  return UpdateContactDto().Find(key) != nullptr;
}

bool LooksLikeEmail(const std::string& s) {
  size_t at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() &&
         s.find('.', at) != std::string::npos &&
         s.find(' ') == std::string::npos;
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

std::string RegionOf(const Json& record) {
  std::string country = StrOf(record, "country");
  return country.size() == 2 ? country : "US";
}

// Dedupes tags keeping the first spelling (HighLevel compares tags
// ignoring case).
Json MergeTags(const Json& existing, const Json& added) {
  Json out = Json::array();
  std::set<std::string> seen;
  for (const Json* list : {&existing, &added}) {
    if (!list->is_array()) continue;
    for (const auto& t : *list) {
      std::string key = Lower(t.get<std::string>());
      if (seen.insert(key).second) out.push_back(t);
    }
  }
  return out;
}

const Call& SeedCall() {
  static const Call* c = [] {
    auto* call = new Call();
    call->declares_422 = true;
    return call;
  }();
  return *c;
}

}  // namespace

// ------------------------------------------------------------- contacts

std::vector<std::string> Backend::ApplyContactLocked(const Json& body,
                                                     Json& record) {
  std::vector<std::string> errors;
  for (const char* k : kContactStrings) {
    if (!body.contains(k)) continue;
    if (IsBlank(body[k])) {
      record.erase(k);
    } else {
      record[k] = body[k];
    }
  }
  if (body.contains("email")) {
    if (IsBlank(body["email"])) {
      record.erase("email");
    } else if (!LooksLikeEmail(body["email"].get<std::string>())) {
      errors.push_back("email must be an email");
    } else {
      record["email"] = body["email"];
    }
  }
  if (body.contains("phone")) {
    if (IsBlank(body["phone"])) {
      record.erase("phone");
    } else {
      std::optional<std::string> e164 =
          E164(body["phone"].get<std::string>(), RegionOf(record));
      if (!e164) {
        errors.push_back("phone must be a valid phone number");
      } else {
        record["phone"] = *e164;
      }
    }
  }
  if (body.contains("dateOfBirth")) {
    const Json& dob = body["dateOfBirth"];
    if (IsBlank(dob)) {
      record.erase("dateOfBirth");
    } else {
      std::optional<std::string> iso;
      if (dob.is_string()) iso = NormalizeDateOfBirth(dob.get<std::string>());
      if (dob.is_number_integer()) {
        absl::CivilDay day = absl::ToCivilDay(
            absl::FromUnixMillis(dob.get<int64_t>()), absl::UTCTimeZone());
        iso = absl::StrCat(absl::FormatCivilTime(day), "T00:00:00.000Z");
      }
      if (!iso) {
        errors.push_back(
            "dateOfBirth must be a date as YYYY-MM-DD, YYYY/MM/DD, MM/DD/YYYY "
            "or MM-DD-YYYY");
      } else {
        record["dateOfBirth"] = *iso;
      }
    }
  }
  if (body.contains("assignedTo")) {
    if (IsBlank(body["assignedTo"])) {
      record.erase("assignedTo");
    } else {
      const User* u = FindUser(body["assignedTo"].get<std::string>());
      if (u == nullptr || u->deleted) {
        errors.push_back("assignedTo must be the id of a user of the location");
      } else {
        record["assignedTo"] = u->id;
      }
    }
  }
  if (body.contains("dnd") && body["dnd"].is_boolean())
    record["dnd"] = body["dnd"];
  if (body.contains("dndSettings") && body["dndSettings"].is_object()) {
    Json& settings = record["dndSettings"];
    if (!settings.is_object()) settings = Json::object();
    for (const auto& [channel, value] : body["dndSettings"].items()) {
      if (value.is_null()) {
        settings.erase(channel);
      } else {
        settings[channel] = value;
      }
    }
  }
  if (body.contains("inboundDndSettings") &&
      body["inboundDndSettings"].is_object()) {
    record["inboundDndSettings"] = body["inboundDndSettings"];
  }
  if (body.contains("tags")) {
    record["tags"] = MergeTags(Json::array(), ArrayOf(body, "tags"));
  }
  if (body.contains("customFields") && body["customFields"].is_array()) {
    for (auto& e : MergeCustomFieldsLocked("contact", body["customFields"],
                                           "value", record["customFields"])) {
      errors.push_back(std::move(e));
    }
  }
  // Derived fields.
  std::string first = StrOf(record, "firstName");
  std::string last = StrOf(record, "lastName");
  std::string full(absl::StripAsciiWhitespace(absl::StrCat(first, " ", last)));
  if (!full.empty()) record["name"] = full;
  std::string name = StrOf(record, "name");
  for (auto [key, value] : {std::pair{"firstNameLowerCase", first},
                            {"lastNameLowerCase", last},
                            {"fullNameLowerCase", name},
                            {"emailLowerCase", StrOf(record, "email")}}) {
    if (value.empty()) {
      record.erase(key);
    } else {
      record[key] = Lower(value);
    }
  }
  return errors;
}

std::optional<std::string> Backend::MatchContactLocked(
    const std::string& field, const std::string& value,
    const std::string& except) const {
  if (value.empty()) return std::nullopt;
  // The oldest matching contact (by dateAdded, then id); one linear scan.
  const Json* best = nullptr;
  for (const auto& [id, c] : store_.contacts) {
    if (id == except) continue;
    bool match = field == "email" ? EqualsFold(StrOf(c, "email"), value)
                                  : StrOf(c, "phone") == value;
    if (!match) continue;
    if (best == nullptr || StrOf(c, "dateAdded") < StrOf(*best, "dateAdded")) {
      best = &c;
    }
  }
  if (best == nullptr) return std::nullopt;
  return StrOf(*best, "id");
}

std::optional<Reply> Backend::DuplicateLocked(const Json& record,
                                              const std::string& self_id,
                                              const Json& before) const {
  if (settings_.allow_duplicate_contact) return std::nullopt;
  std::vector<std::string> order = {"email", "phone"};
  if (settings_.duplicate_priority == "phone") std::swap(order[0], order[1]);
  for (const auto& field : order) {
    std::string value = StrOf(record, field.c_str());
    if (EqualsFold(value, StrOf(before, field.c_str()))) continue;
    std::optional<std::string> match =
        MatchContactLocked(field, value, self_id);
    if (match) {
      return Reply{
          400,
          {{"statusCode", 400},
           {"message",
            "This location does not allow duplicated "
            "contacts."},
           {"error", "Bad Request"},
           {"meta", {{"contactId", *match}, {"matchingField", field}}}}};
    }
  }
  return std::nullopt;
}

std::vector<const Json*> Backend::ContactsInOrderLocked() const {
  return SortedBy(store_.contacts, "dateAdded");
}

Json Backend::ContactOut(const Json& record) const {
  Json out = WithoutNulls(record);
  if (!settings_.native_custom_field_values && out.contains("customFields")) {
    for (auto& e : out["customFields"]) e["value"] = SpecString(e["value"]);
  }
  return out;
}

Reply Backend::CreateContactLocked(const Json& body, const Json* seed_extras) {
  std::vector<std::string> errors = Validate(CreateContactDto(), body);
  if (!errors.empty()) return Invalid(SeedCall(), errors);
  std::string now = Now();
  Json record = {{"locationId", location_id_}, {"type", "lead"},
                 {"deleted", false},           {"dnd", false},
                 {"tags", Json::array()},      {"customFields", Json::array()},
                 {"dateAdded", now},           {"dateUpdated", now}};
  errors = ApplyContactLocked(body, record);
  if (!errors.empty()) return Invalid(SeedCall(), errors);
  if (auto dup = DuplicateLocked(record, "", Json::object())) return *dup;
  absl::StatusOr<std::string> id = StoreNewLocked(
      store_.contacts, "contact", "dateAdded", seed_extras, record);
  if (!id.ok()) return BadRequest(std::string(id.status().message()));
  return {201, {{"contact", ContactOut(record)}}};
}

Reply Backend::UpdateContactLocked(const std::string& id, const Json& body,
                                   int ok_status) {
  auto it = store_.contacts.find(id);
  if (it == store_.contacts.end()) return NotFound("Contact not found");
  Json record = it->second;
  std::vector<std::string> errors = ApplyContactLocked(body, record);
  if (!errors.empty()) return Invalid(SeedCall(), errors);
  if (auto dup = DuplicateLocked(record, id, it->second)) return *dup;
  record["dateUpdated"] = Now();
  it->second = record;
  return {ok_status, {{"succeded", true}, {"contact", ContactOut(record)}}};
}

void Backend::DeleteContactLocked(const std::string& id) {
  store_.contacts.erase(id);
  for (Table* t : {&store_.notes, &store_.tasks}) {
    for (auto it = t->begin(); it != t->end();) {
      if (StrOf(it->second, "contactId") == id) {
        it = t->erase(it);
      } else {
        ++it;
      }
    }
  }
  DropRelationsLocked(id);
}

Reply Backend::ContactCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateContactDto())) return *r;
  absl::MutexLock lock(&mu_);
  return CreateContactLocked(c.body, nullptr);
}

Reply Backend::ContactGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.contacts.find(c.Param("contactId"));
  if (it == store_.contacts.end()) return NotFound("Contact not found");
  return {200, {{"contact", ContactOut(it->second)}}};
}

Reply Backend::ContactUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateContactDto())) return *r;
  absl::MutexLock lock(&mu_);
  return UpdateContactLocked(c.Param("contactId"), c.body, 200);
}

Reply Backend::ContactDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string id = c.Param("contactId");
  if (!store_.contacts.count(id)) return NotFound("Contact not found");
  DeleteContactLocked(id);
  return {200, {{"succeded", true}}};
}

Reply Backend::ContactUpsert(const Call& c) {
  if (auto r = CheckBody(c, UpsertContactDto())) return *r;
  absl::MutexLock lock(&mu_);
  Json body = c.body;
  bool create_new = BoolOf(body, "createNewIfDuplicateAllowed", false);
  body.erase("createNewIfDuplicateAllowed");
  std::string trace = UuidId(++store_.counters["trace"]);
  auto created = [&](Reply r) {
    if (r.status != 201) return r;
    return Reply{
        200,
        {{"new", true}, {"contact", r.body["contact"]}, {"traceId", trace}}};
  };
  if (settings_.allow_duplicate_contact && create_new) {
    return created(CreateContactLocked(body, nullptr));
  }
  // Identifiers in the order the location's setting tries them; with
  // duplicates allowed, email first (as GET /contacts/search/duplicate).
  std::vector<std::string> order = {"email", "phone"};
  if (!settings_.allow_duplicate_contact &&
      settings_.duplicate_priority == "phone") {
    std::swap(order[0], order[1]);
  }
  Json probe = Json::object();
  if (body.contains("country")) probe["country"] = body["country"];
  std::map<std::string, std::string> values;
  for (const auto& field : order) {
    if (!body.contains(field) || IsBlank(body[field])) continue;
    std::string v = body[field].get<std::string>();
    if (field == "phone") {
      std::optional<std::string> e164 = E164(v, RegionOf(probe));
      if (!e164) return Invalid(c, {"phone must be a valid phone number"});
      v = *e164;
    }
    values[field] = v;
  }
  std::string match_id, match_field;
  for (const auto& field : order) {
    if (!values.count(field)) continue;
    std::optional<std::string> m = MatchContactLocked(field, values[field], "");
    if (m) {
      match_id = *m;
      match_field = field;
      break;
    }
  }
  if (match_id.empty()) return created(CreateContactLocked(body, nullptr));
  Json update = Json::object();
  for (const auto& [k, v] : body.items()) {
    if (UpdatableByUpsert(k)) update[k] = v;
  }
  // First match wins: the other identifier is dropped when it belongs to
  // another contact (it would make a duplicate).
  for (const auto& field : order) {
    if (field == match_field || !values.count(field)) continue;
    std::optional<std::string> other =
        MatchContactLocked(field, values[field], match_id);
    if (other && !settings_.allow_duplicate_contact) update.erase(field);
  }
  Reply r = UpdateContactLocked(match_id, update, 200);
  if (r.status != 200) return r;
  return {200,
          {{"new", false}, {"contact", r.body["contact"]}, {"traceId", trace}}};
}

Reply Backend::ContactDuplicate(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, std::string>> order = {
      {"email", c.Query("email").value_or("")},
      {"phone", c.Query("number").value_or("")}};
  if (!settings_.allow_duplicate_contact &&
      settings_.duplicate_priority == "phone") {
    std::swap(order[0], order[1]);
  }
  for (auto& [field, value] : order) {
    if (value.empty()) continue;
    if (field == "phone") {
      std::optional<std::string> e164 = E164(value, "US");
      if (!e164) continue;
      value = *e164;
    }
    std::optional<std::string> m = MatchContactLocked(field, value, "");
    if (m) {
      return {200,
              {{"contact", ContactOut(store_.contacts.at(*m))},
               {"matchingField", field}}};
    }
  }
  return {200, {{"contact", nullptr}}};
}

Reply Backend::ContactList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  std::vector<std::string> errors;
  int64_t limit = QueryInt(c, "limit", kDefaultLimit, errors);
  int64_t start_after = QueryInt(c, "startAfter", -1, errors);
  if (limit > kMaxLimit) {
    errors.push_back(
        absl::StrCat("limit must not be greater than ", kMaxLimit));
  }
  if (!errors.empty()) return Invalid(c, errors);
  if (limit == 0) limit = kDefaultLimit;
  std::string start_after_id = c.Query("startAfterId").value_or("");
  std::string query = c.Query("query").value_or("");
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> matches;
  for (const Json* r : ContactsInOrderLocked()) {
    if (!query.empty() && !ContainsFold(StrOf(*r, "name"), query) &&
        !ContainsFold(StrOf(*r, "email"), query) &&
        !ContainsFold(StrOf(*r, "phone"), query) &&
        !ContainsFold(StrOf(*r, "companyName"), query)) {
      continue;
    }
    matches.push_back(r);
  }
  // Cursor: records strictly after (startAfter ms, startAfterId).
  size_t begin = 0;
  if (start_after >= 0 || !start_after_id.empty()) {
    int64_t after_ms = start_after;
    if (after_ms < 0) {
      auto it = store_.contacts.find(start_after_id);
      if (it == store_.contacts.end()) {
        return Invalid(c, {"startAfterId must be the id of a contact"});
      }
      after_ms = UnixMillis(*ParseInstant(StrOf(it->second, "dateAdded")));
    }
    while (begin < matches.size()) {
      int64_t ms =
          UnixMillis(*ParseInstant(StrOf(*matches[begin], "dateAdded")));
      std::string id = StrOf(*matches[begin], "id");
      if (ms > after_ms || (ms == after_ms && id > start_after_id)) break;
      ++begin;
    }
  }
  Json contacts = Json::array();
  size_t end = std::min(matches.size(), begin + static_cast<size_t>(limit));
  for (size_t i = begin; i < end; ++i)
    contacts.push_back(ContactOut(*matches[i]));
  Json meta = {{"total", matches.size()}};
  if (end > begin) {
    const Json& last = *matches[end - 1];
    int64_t last_ms = UnixMillis(*ParseInstant(StrOf(last, "dateAdded")));
    meta["startAfterId"] = last["id"];
    meta["startAfter"] = last_ms;
    if (end < matches.size()) {
      meta["nextPageUrl"] = absl::StrCat(
          "http://", c.req->get_header_value("Host"),
          "/contacts/?locationId=", location_id_, "&startAfter=", last_ms,
          "&startAfterId=", StrOf(last, "id"), "&limit=", limit);
    }
  }
  return {200,
          {{"contacts", contacts}, {"count", matches.size()}, {"meta", meta}}};
}

Reply Backend::ContactSearch(const Call& c) {
  if (auto r = CheckBody(c, SearchContactsDto())) return *r;
  SearchRequest search;
  std::vector<std::string> errors =
      ParseSearch(c.body, "pageLimit", kDefaultLimit, kMaxSearchPageLimit,
                  "dateAdded", &search);
  if (!errors.empty()) return Invalid(c, errors);
  std::string query = StrOf(c.body, "query");
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> candidates;
  for (const auto& [id, contact] : store_.contacts) {
    if (query.empty() || ContainsFold(StrOf(contact, "name"), query) ||
        ContainsFold(StrOf(contact, "email"), query) ||
        ContainsFold(StrOf(contact, "phone"), query)) {
      candidates.push_back(&contact);
    }
  }
  size_t total = 0;
  std::vector<const Json*> page =
      RunSearch(std::move(candidates), search, errors, &total);
  if (!errors.empty()) return Invalid(c, errors);
  Json contacts = Json::array();
  for (const Json* r : page) {
    Json out = ContactOut(*r);
    out["searchAfter"] = SearchAfterOf(*r, search);
    contacts.push_back(out);
  }
  return {200, {{"contacts", contacts}, {"total", total}}};
}

Reply Backend::ContactsByBusiness(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  std::vector<std::string> errors;
  int64_t limit = QueryInt(c, "limit", 25, errors);
  int64_t skip = QueryInt(c, "skip", 0, errors);
  if (!errors.empty()) return Invalid(c, errors);
  std::string query = c.Query("query").value_or("");
  absl::MutexLock lock(&mu_);
  std::string business = c.Param("businessId");
  if (!store_.businesses.count(business)) return NotFound("Business not found");
  std::vector<const Json*> matches;
  for (const Json* r : ContactsInOrderLocked()) {
    if (StrOf(*r, "businessId") != business) continue;
    if (!query.empty() && !ContainsFold(StrOf(*r, "name"), query) &&
        !ContainsFold(StrOf(*r, "email"), query)) {
      continue;
    }
    matches.push_back(r);
  }
  Json contacts = Slice(matches, skip, limit,
                        [this](const Json& r) { return ContactOut(r); });
  return {200, {{"contacts", contacts}, {"count", matches.size()}}};
}

Reply Backend::ContactsBulkBusiness(const Call& c) {
  if (auto r = CheckBody(c, ContactsBusinessUpdateDto())) return *r;
  if (!c.body.contains("businessId")) {
    return Invalid(c, {"businessId should not be empty"});
  }
  absl::MutexLock lock(&mu_);
  const Json& business = c.body["businessId"];
  if (!business.is_null() &&
      !store_.businesses.count(business.get<std::string>())) {
    return BadRequest("Business not found");
  }
  Json updated = Json::array();
  std::string now = Now();
  for (const auto& id : c.body["ids"]) {
    auto it = store_.contacts.find(id.get<std::string>());
    if (it == store_.contacts.end()) continue;
    if (business.is_null()) {
      it->second.erase("businessId");
    } else {
      it->second["businessId"] = business;
    }
    it->second["dateUpdated"] = now;
    updated.push_back(id);
  }
  return {200, {{"success", true}, {"ids", updated}}};
}

Reply Backend::TagsAdd(const Call& c) {
  if (auto r = CheckBody(c, TagsDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.contacts.find(c.Param("contactId"));
  if (it == store_.contacts.end()) return NotFound("Contact not found");
  it->second["tags"] = MergeTags(it->second["tags"], c.body["tags"]);
  it->second["dateUpdated"] = Now();
  return {201, {{"tags", it->second["tags"]}}};
}

Reply Backend::TagsRemove(const Call& c) {
  if (auto r = CheckBody(c, TagsDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.contacts.find(c.Param("contactId"));
  if (it == store_.contacts.end()) return NotFound("Contact not found");
  std::set<std::string> drop;
  for (const auto& t : c.body["tags"]) drop.insert(Lower(t.get<std::string>()));
  Json kept = Json::array();
  for (const auto& t : it->second["tags"]) {
    if (!drop.count(Lower(t.get<std::string>()))) kept.push_back(t);
  }
  it->second["tags"] = kept;
  it->second["dateUpdated"] = Now();
  return {200, {{"tags", kept}}};
}

// ------------------------------------------------------------------ notes

Json* Backend::ChildLocked(Table& table, const std::string& id,
                           const std::string& contact_id) {
  auto it = table.find(id);
  if (it == table.end() || StrOf(it->second, "contactId") != contact_id) {
    return nullptr;
  }
  return &it->second;
}

Reply Backend::NoteList(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string contact = c.Param("contactId");
  if (!store_.contacts.count(contact)) return NotFound("Contact not found");
  Json notes = Json::array();
  for (const Json* n : SortedBy(store_.notes, "dateAdded")) {
    if (StrOf(*n, "contactId") == contact) notes.push_back(WithoutNulls(*n));
  }
  return {200, {{"notes", notes}}};
}

Reply Backend::NoteCreate(const Call& c) {
  if (auto r = CheckBody(c, NotesDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string contact = c.Param("contactId");
  if (!store_.contacts.count(contact)) return NotFound("Contact not found");
  std::string user = StrOf(c.body, "userId");
  if (!user.empty() && FindUser(user) == nullptr) {
    return Invalid(c, {"userId must be the id of a user of the location"});
  }
  std::string id = NextId("note");
  Json note = {{"id", id},
               {"contactId", contact},
               {"pinned", false},
               {"dateAdded", Now()}};
  for (const char* k : {"body", "userId", "title", "color", "pinned"}) {
    if (c.body.contains(k) && !c.body[k].is_null()) note[k] = c.body[k];
  }
  store_.notes[id] = note;
  return {201, {{"note", note}}};
}

Reply Backend::NoteGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  Json* child = ChildLocked(store_.notes, c.Param("id"), c.Param("contactId"));
  if (child == nullptr) return NotFound("Note not found");
  return {200, {{"note", *child}}};
}

Reply Backend::NoteUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateNoteDto())) return *r;
  absl::MutexLock lock(&mu_);
  Json* child = ChildLocked(store_.notes, c.Param("id"), c.Param("contactId"));
  if (child == nullptr) return NotFound("Note not found");
  std::string user = StrOf(c.body, "userId");
  if (!user.empty() && FindUser(user) == nullptr) {
    return Invalid(c, {"userId must be the id of a user of the location"});
  }
  for (const auto& [k, v] : c.body.items()) {
    if (v.is_null()) {
      if (k != "body") child->erase(k);
    } else {
      (*child)[k] = v;
    }
  }
  return {200, {{"note", *child}}};
}

Reply Backend::NoteDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  Json* child = ChildLocked(store_.notes, c.Param("id"), c.Param("contactId"));
  if (child == nullptr) return NotFound("Note not found");
  store_.notes.erase(StrOf(*child, "id"));
  return {200, {{"succeded", true}}};
}

// ------------------------------------------------------------------ tasks

namespace {

// Applies a validated task body: dueDate normalised to UTC millis,
// assignedTo checked by `known_user`.
std::vector<std::string> ApplyTask(
    const Json& body, Json& task,
    const std::function<bool(const std::string&)>& known_user) {
  std::vector<std::string> errors;
  for (const auto& [k, v] : body.items()) {
    if (v.is_null()) {
      if (k == "body" || k == "assignedTo") task.erase(k);
      continue;
    }
    if (k == "dueDate") {
      std::optional<absl::Time> t = ParseInstant(v.get<std::string>());
      if (!t) {
        errors.push_back("dueDate must be a valid ISO 8601 date string");
        continue;
      }
      task[k] = IsoMillis(*t);
    } else if (k == "assignedTo") {
      if (!known_user(v.get<std::string>())) {
        errors.push_back("assignedTo must be the id of a user of the location");
        continue;
      }
      task[k] = v;
    } else {
      task[k] = v;
    }
  }
  return errors;
}

}  // namespace

Reply Backend::TaskList(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string contact = c.Param("contactId");
  if (!store_.contacts.count(contact)) return NotFound("Contact not found");
  Json tasks = Json::array();
  for (const Json* t : SortedBy(store_.tasks, "dateAdded")) {
    if (StrOf(*t, "contactId") == contact) tasks.push_back(*t);
  }
  return {200, {{"tasks", tasks}}};
}

Reply Backend::TaskCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateTaskDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string contact = c.Param("contactId");
  if (!store_.contacts.count(contact)) return NotFound("Contact not found");
  Json task = {{"contactId", contact}, {"dateAdded", Now()}};
  auto known = [this](const std::string& id) {
    const User* u = FindUser(id);
    return u != nullptr && !u->deleted;
  };
  std::vector<std::string> errors = ApplyTask(c.body, task, known);
  if (!errors.empty()) return Invalid(c, errors);
  std::string id = NextId("task");
  task["id"] = id;
  store_.tasks[id] = task;
  return {201, {{"task", task}}};
}

Reply Backend::TaskGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  Json* child =
      ChildLocked(store_.tasks, c.Param("taskId"), c.Param("contactId"));
  if (child == nullptr) return NotFound("Task not found");
  return {200, {{"task", *child}}};
}

Reply Backend::TaskUpdate(const Call& c) {
  const Dto& dto = c.req != nullptr && absl::EndsWith(c.req->path, "/completed")
                       ? UpdateTaskStatusDto()
                       : UpdateTaskDto();
  if (auto r = CheckBody(c, dto)) return *r;
  absl::MutexLock lock(&mu_);
  Json* child =
      ChildLocked(store_.tasks, c.Param("taskId"), c.Param("contactId"));
  if (child == nullptr) return NotFound("Task not found");
  Json task = *child;
  auto known = [this](const std::string& id) {
    const User* u = FindUser(id);
    return u != nullptr && !u->deleted;
  };
  std::vector<std::string> errors = ApplyTask(c.body, task, known);
  if (!errors.empty()) return Invalid(c, errors);
  *child = task;
  return {200, {{"task", task}}};
}

Reply Backend::TaskCompleted(const Call& c) { return TaskUpdate(c); }

Reply Backend::TaskDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  Json* child =
      ChildLocked(store_.tasks, c.Param("taskId"), c.Param("contactId"));
  if (child == nullptr) return NotFound("Task not found");
  store_.tasks.erase(StrOf(*child, "id"));
  return {200, {{"succeded", true}}};
}

// ------------------------------------------------------------- businesses

Reply Backend::CreateBusinessLocked(const Json& body, const Json* seed_extras) {
  std::vector<std::string> errors = Validate(CreateBusinessDto(), body);
  std::string email = StrOf(body, "email");
  if (!email.empty() && !LooksLikeEmail(email)) {
    errors.push_back("email must be an email");
  }
  if (!errors.empty()) return Invalid(SeedCall(), errors);
  std::string now = Now();
  Json record = WithoutNulls(body);
  record["locationId"] = location_id_;
  record["createdAt"] = now;
  record["updatedAt"] = now;
  absl::StatusOr<std::string> id = StoreNewLocked(
      store_.businesses, "business", "createdAt", seed_extras, record);
  if (!id.ok()) return BadRequest(std::string(id.status().message()));
  return {201, {{"success", true}, {"buiseness", record}}};
}

Reply Backend::BusinessCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateBusinessDto())) return *r;
  absl::MutexLock lock(&mu_);
  return CreateBusinessLocked(c.body, nullptr);
}

Reply Backend::BusinessList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  std::vector<std::string> errors;
  int64_t limit = QueryInt(c, "limit", kMaxLimit, errors);
  int64_t skip = QueryInt(c, "skip", 0, errors);
  if (!errors.empty()) return Invalid(c, errors);
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> all = SortedBy(store_.businesses, "createdAt");
  Json out = Slice(all, skip, limit);
  return {200, {{"businesses", out}}};
}

Reply Backend::BusinessGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.businesses.find(c.Param("businessId"));
  if (it == store_.businesses.end()) return NotFound("Business not found");
  return {200, {{"business", it->second}}};
}

Reply Backend::BusinessUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateBusinessDto())) return *r;
  std::string email = StrOf(c.body, "email");
  if (!email.empty() && !LooksLikeEmail(email)) {
    return Invalid(c, {"email must be an email"});
  }
  if (c.body.contains("name") && IsBlank(c.body["name"])) {
    return Invalid(c, {"name should not be empty"});
  }
  absl::MutexLock lock(&mu_);
  auto it = store_.businesses.find(c.Param("businessId"));
  if (it == store_.businesses.end()) return NotFound("Business not found");
  for (const auto& [k, v] : c.body.items()) {
    if (IsBlank(v)) {
      it->second.erase(k);
    } else {
      it->second[k] = v;
    }
  }
  it->second["updatedAt"] = Now();
  return {200, {{"success", true}, {"buiseness", it->second}}};
}

Reply Backend::BusinessDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string id = c.Param("businessId");
  if (!store_.businesses.erase(id)) return NotFound("Business not found");
  for (auto& [cid, contact] : store_.contacts) {
    if (StrOf(contact, "businessId") == id) contact.erase("businessId");
  }
  DropRelationsLocked(id);
  return {200, {{"success", true}}};
}

}  // namespace bridgework::emulator::highlevel
