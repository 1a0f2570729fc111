// API v1 of the Pipedrive emulator: leads (UUID ids, deal custom fields at
// the root), lead labels, notes, files (multipart upload, soft delete,
// download), users and activity types. Served under /v1 and /api/v1.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulators/common/http_util.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "emulators/pipedrive/pipedrive_paging.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using pipedrive::Api;
using pipedrive::At;
using pipedrive::Blank;
using pipedrive::FieldDef;
using pipedrive::FieldEntity;
using pipedrive::Kind;
using pipedrive::Lower;
using pipedrive::Operation;
using pipedrive::PositiveId;

constexpr absl::Duration kRetention = absl::Hours(24 * 30);

// v1 is lenient about numbers: 12 or "12".
std::optional<int64_t> V1Int(const Json& v) {
  if (v.is_boolean() || v.is_number_float()) return std::nullopt;
  return AsInt64(v);
}

// 0/1, "0"/"1" or a boolean.
std::optional<bool> V1Flag(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  std::optional<int64_t> n = V1Int(v);
  if (n && (*n == 0 || *n == 1)) return *n == 1;
  return std::nullopt;
}

// A v1 request body: JSON, or form fields for form-encoded requests.
std::optional<Json> V1Body(const httplib::Request& req) {
  if (absl::StartsWith(req.get_header_value("Content-Type"),
                       "application/x-www-form-urlencoded")) {
    Json out = Json::object();
    for (const auto& [k, v] : req.params) out[k] = v;
    return out;
  }
  std::optional<Json> body = ParseJson(req.body);
  if (!body || !body->is_object()) return std::nullopt;
  return body;
}

const std::set<std::string>& IconKeys() {
  static const auto* kKeys = new std::set<std::string>{
      "task",     "email",    "meeting",   "deadline",    "call",
      "lunch",    "calendar", "downarrow", "document",    "smartphone",
      "camera",   "scissors", "cogs",      "bubble",      "uparrow",
      "checkbox", "signpost", "shuffle",   "addressbook", "linegraph",
      "picture",  "car",      "world",     "search",      "clip",
      "sound",    "brush",    "key",       "padlock",     "pricetag",
      "suitcase", "finish",   "plane",     "loop",        "wifi",
      "truck",    "cart",     "bulb",      "bell",        "presentation"};
  return *kKeys;
}

const std::set<std::string>& LabelColors() {
  static const auto* kColors = new std::set<std::string>{
      "blue",   "brown", "dark-gray", "gray", "green",
      "orange", "pink",  "purple",    "red",  "yellow"};
  return *kColors;
}

std::string FileType(const std::string& name) {
  size_t dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : Lower(name.substr(dot + 1));
  if (ext == "jpg" || ext == "jpeg" || ext == "png" || ext == "gif" ||
      ext == "bmp" || ext == "tif" || ext == "tiff") {
    return "img";
  }
  if (ext == "pdf") return "pdf";
  if (ext == "doc" || ext == "docx" || ext == "odt" || ext == "rtf") {
    return "doc";
  }
  if (ext == "xls" || ext == "xlsx" || ext == "csv" || ext == "ods") {
    return "xls";
  }
  if (ext == "txt") return "text";
  return "other";
}

// "field [ASC|DESC]" of a v1 `sort` parameter (its first clause).
std::pair<std::string, bool> SortClause(const httplib::Request& req,
                                        const std::string& fallback) {
  std::vector<std::string> clauses =
      absl::StrSplit(req.get_param_value("sort"), ',');
  std::vector<std::string> words =
      absl::StrSplit(clauses[0], ' ', absl::SkipWhitespace());
  if (words.empty()) return {fallback, false};
  return {words[0],
          words.size() > 1 && absl::EqualsIgnoreCase(words[1], "desc")};
}

void SortRecords(std::vector<const Json*>& records, const std::string& field,
                 bool desc) {
  std::stable_sort(records.begin(), records.end(),
                   [&field, desc](const Json* a, const Json* b) {
                     const Json& ka = At(*a, field);
                     const Json& kb = At(*b, field);
                     return desc ? kb < ka : ka < kb;
                   });
}

}  // namespace

// ---- leads ----------------------------------------------------------------

Json* PipedriveEmulator::FindLeadLocked(const std::string& id) {
  auto it = store_.lead_index.find(id);
  return it == store_.lead_index.end() ? nullptr
                                       : store_.leads.Find(it->second);
}

nlohmann::json PipedriveEmulator::RenderLeadLocked(const Json& stored) const {
  Json out = Json::object();
  for (const auto& [key, v] : stored.items()) {
    if (key.empty() || key[0] == '_' || key == "custom_fields") continue;
    out[key] = v;
  }
  const Json& have = At(stored, "custom_fields");
  for (const FieldDef& f : store_.fields.at(FieldEntity::kDeal)) {
    if (!f.custom || f.deleted || !have.contains(f.code)) continue;
    pipedrive::PutV1Value(f, have[f.code], out);
  }
  return out;
}

PipedriveEmulator::Reply PipedriveEmulator::WriteLeadLocked(
    const Json& body, const std::string* id, const Caller& caller,
    const Json* extras) {
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  Json* current = id != nullptr ? FindLeadLocked(*id) : nullptr;
  if (id != nullptr && current == nullptr) return NotFound();
  bool create = current == nullptr;
  Json record = create ? Json::object() : *current;
  if (create && !body.contains("title")) return Invalid("title", "required");
  for (const auto& [key, v] : body.items()) {
    if (key == "title") {
      if (Blank(v)) return Invalid(key, "required");
    } else if (key == "owner_id") {
      std::optional<int64_t> n = pipedrive::StrictInt(v);
      const pipedrive::User* u = n ? UserLocked(*n) : nullptr;
      if (u == nullptr || !u->active)
        return Invalid(key, "the user does not exist");
    } else if (key == "person_id" || key == "organization_id") {
      if (v.is_null()) {
        record[key] = nullptr;
        continue;
      }
      std::optional<int64_t> n = pipedrive::StrictInt(v);
      Kind k = key == "person_id" ? Kind::kPerson : Kind::kOrganization;
      if (!n || LiveLocked(k, *n) == nullptr) {
        return Invalid(key, key == "person_id" ? "the person does not exist"
                                               : "the organization does not "
                                                 "exist");
      }
    } else if (key == "label_ids") {
      if (!v.is_array()) return Invalid(key, "must be an array of label ids");
      for (const auto& l : v) {
        bool found = false;
        for (const auto& label : store_.lead_labels) found |= label["id"] == l;
        if (!found) return Invalid(key, "the lead label does not exist");
      }
    } else if (key == "value") {
      if (!v.is_null() &&
          !(v.is_object() && v.size() == 2 && At(v, "amount").is_number() &&
            pipedrive::IsCurrencyCode(At(v, "currency")))) {
        return Invalid(key, "must be {\"amount\": number, \"currency\": code}");
      }
    } else if (key == "expected_close_date") {
      if (!v.is_null() &&
          !(v.is_string() && pipedrive::IsDate(v.get<std::string>()))) {
        return Invalid(key, "must be a date YYYY-MM-DD");
      }
    } else if (key == "visible_to") {
      std::optional<int64_t> n = V1Int(v);
      if (!n || (*n != 1 && *n != 3 && *n != 5 && *n != 7)) {
        return Invalid(key, "must be \"1\", \"3\", \"5\" or \"7\"");
      }
      record[key] = absl::StrCat(*n);
      continue;
    } else if (key == "was_seen" || key == "is_archived") {
      if (!v.is_boolean()) return Invalid(key, "must be a boolean");
    } else if (key == "origin_id" || key == "channel_id") {
      if (!v.is_null() && !v.is_string())
        return Invalid(key, "must be a string");
    } else if (key == "channel") {
      if (!v.is_null() && !pipedrive::StrictInt(v)) {
        return Invalid(key, "must be an integer");
      }
    } else {
      continue;  // v1: unknown attributes (and custom keys, below) ignored
    }
    record[key] = v;
  }
  Json& custom = record["custom_fields"];
  if (!custom.is_object()) custom = Json::object();
  for (const FieldDef& f : store_.fields.at(FieldEntity::kDeal)) {
    if (!f.custom || f.deleted) continue;
    absl::StatusOr<std::optional<Json>> v =
        pipedrive::NormalizeV1Value(f, body, RefsLocked());
    if (!v.ok()) {
      return Fail(400,
                  absl::StrCat("Validation failed: ", v.status().message()));
    }
    if (!v->has_value()) continue;
    if ((*v)->is_null()) {
      custom.erase(f.code);
    } else {
      custom[f.code] = **v;
    }
  }
  if (At(record, "person_id").is_null() &&
      At(record, "organization_id").is_null()) {
    return Invalid("person_id",
                   "a lead must be linked to a person or an organization "
                   "(person_id or organization_id)");
  }
  std::string now = pipedrive::V2Time(Now());
  std::string uuid;
  if (create) {
    if (extras != nullptr && extras->contains("id")) {
      const Json& given = (*extras)["id"];
      if (!given.is_string() || !pipedrive::IsUuid(given.get<std::string>()) ||
          FindLeadLocked(given) != nullptr) {
        return Invalid("id", "must be a new UUID");
      }
      uuid = given;
    } else {
      uuid = RandomUuid();
    }
    Json defaults = {
        {"id", uuid},
        {"owner_id", caller.user_id},
        {"creator_id", caller.user_id},
        {"label_ids", Json::array()},
        {"person_id", nullptr},
        {"organization_id", nullptr},
        {"source_name", "API"},
        {"origin", "API"},
        {"origin_id", nullptr},
        {"channel", nullptr},
        {"channel_id", nullptr},
        {"source_deal_id", nullptr},
        {"is_archived", false},
        {"was_seen", false},
        {"value", nullptr},
        {"expected_close_date", nullptr},
        {"next_activity_id", nullptr},
        {"add_time", now},
        {"visible_to", "3"},
        {"cc_email", absl::StrCat("sandbox+lead", uuid.substr(0, 8),
                                  "@bridgework.pipedrivemail.com")}};
    for (auto& [key, v] : defaults.items()) {
      if (!record.contains(key)) record[key] = v;
    }
  } else {
    uuid = record["id"];
  }
  record["update_time"] = now;
  if (std::optional<Reply> error = KeepSeedTimes(extras, false, record)) {
    return *error;
  }
  if (create) {
    int64_t seq = store_.leads.AllocateId();
    store_.lead_index[uuid] = seq;
    store_.leads.Put(seq, record);
  } else {
    *current = record;
  }
  Reply r = Ok(RenderLeadLocked(record));
  if (create) r.status = 201;
  return r;
}

PipedriveEmulator::Reply PipedriveEmulator::DeleteLeadLocked(
    const std::string& id) {
  auto it = store_.lead_index.find(id);
  if (it == store_.lead_index.end()) return NotFound();
  store_.leads.Erase(it->second);
  store_.lead_index.erase(it);
  return Ok({{"id", id}});
}

PipedriveEmulator::Reply PipedriveEmulator::ListLeadsLocked(
    const httplib::Request& req) {
  absl::StatusOr<pipedrive::StartPage> page = pipedrive::ParseStartPage(req);
  if (!page.ok()) return Fail(400, std::string(page.status().message()));
  std::vector<std::pair<const char*, int64_t>> filters;
  for (const char* p : {"owner_id", "person_id", "organization_id"}) {
    absl::StatusOr<std::optional<int64_t>> v = pipedrive::IntParam(req, p);
    if (!v.ok()) return Fail(400, std::string(v.status().message()));
    if (v->has_value()) filters.emplace_back(p, **v);
  }
  std::vector<const Json*> leads;
  for (const auto& [seq, r] : store_.leads.records()) {
    if (r.value("is_archived", false)) continue;
    bool keep = true;
    for (const auto& [field, want] : filters)
      keep = keep && At(r, field) == want;
    if (keep) leads.push_back(&r);
  }
  if (req.has_param("sort")) {
    auto [field, desc] = SortClause(req, "add_time");
    SortRecords(leads, field, desc);
  }
  Json data = Json::array();
  for (size_t i = page->start;
       i < leads.size() && i < static_cast<size_t>(page->start + page->limit);
       ++i) {
    data.push_back(RenderLeadLocked(*leads[i]));
  }
  Json pagination = page->Pagination(leads.size());
  Json additional = pagination;
  additional.erase("next_start");
  additional["pagination"] = pagination;
  return {200,
          {{"success", true}, {"data", data}, {"additional_data", additional}}};
}

PipedriveEmulator::Reply PipedriveEmulator::WriteLeadLabelLocked(
    const Json& body, const std::string* id) {
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  Json* current = nullptr;
  if (id != nullptr) {
    for (auto& label : store_.lead_labels) {
      if (label["id"] == *id) current = &label;
    }
    if (current == nullptr) return NotFound();
  }
  for (const char* key : {"name", "color"}) {
    if (current == nullptr && !body.contains(key))
      return Invalid(key, "required");
  }
  if (body.contains("name") && Blank(body["name"])) {
    return Invalid("name", "must be a non-blank string");
  }
  if (body.contains("color") &&
      !(body["color"].is_string() && LabelColors().count(body["color"]))) {
    return Invalid("color", "not a lead label color");
  }
  std::string now = pipedrive::V2Time(Now());
  Json label = current != nullptr
                   ? *current
                   : Json{{"id", RandomUuid()}, {"add_time", now}};
  for (const char* key : {"name", "color"}) {
    if (body.contains(key)) label[key] = body[key];
  }
  label["update_time"] = now;
  if (current != nullptr) {
    *current = label;
  } else {
    store_.lead_labels.push_back(label);
  }
  return Ok(label);
}

PipedriveEmulator::Reply PipedriveEmulator::DeleteLeadLabelLocked(
    const std::string& id) {
  auto& labels = store_.lead_labels;
  auto it = std::find_if(labels.begin(), labels.end(),
                         [&id](const Json& l) { return l["id"] == id; });
  if (it == labels.end()) return NotFound();
  labels.erase(it);
  for (auto& [seq, lead] : store_.leads.records()) {
    const Json& ids = At(lead, "label_ids");
    if (!ids.is_array() || std::find(ids.begin(), ids.end(), id) == ids.end()) {
      continue;
    }
    Json updated = lead;
    Json kept = Json::array();
    for (const auto& l : ids) {
      if (l != id) kept.push_back(l);
    }
    updated["label_ids"] = kept;
    store_.leads.Put(seq, updated);
  }
  return Ok({{"id", id}});
}

// ---- notes ----------------------------------------------------------------

nlohmann::json PipedriveEmulator::RenderNoteLocked(const Json& stored,
                                                   const Caller* caller) const {
  Json out = stored;
  auto name_of = [this](Kind k, const Json& id, const char* attr) -> Json {
    std::optional<int64_t> n = pipedrive::StrictInt(id);
    const Json* r = n ? store_.tables.at(k).Find(*n) : nullptr;
    return r == nullptr ? Json(nullptr) : Json{{attr, At(*r, attr)}};
  };
  if (stored.contains("deal_id")) {
    Json deal = name_of(Kind::kDeal, stored["deal_id"], "title");
    if (!deal.is_null()) out["deal"] = deal;
  }
  if (stored.contains("person_id")) {
    Json person = name_of(Kind::kPerson, stored["person_id"], "name");
    if (!person.is_null()) out["person"] = person;
  }
  if (stored.contains("org_id")) {
    Json org = name_of(Kind::kOrganization, stored["org_id"], "name");
    if (!org.is_null()) out["organization"] = org;
  }
  std::optional<int64_t> uid = pipedrive::StrictInt(At(stored, "user_id"));
  if (const pipedrive::User* u = uid ? UserLocked(*uid) : nullptr) {
    out["user"] = {{"email", u->email},
                   {"name", u->name},
                   {"is_you", caller != nullptr && caller->user_id == u->id}};
  }
  return out;
}

PipedriveEmulator::Reply PipedriveEmulator::WriteNoteLocked(
    const Json& body, std::optional<int64_t> id, const Caller& caller,
    const Json* extras) {
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  Json* current = id ? store_.notes.Find(*id) : nullptr;
  if (id && current == nullptr) return NotFound();
  bool create = current == nullptr;
  Json record = create ? Json::object() : *current;
  if (create && !body.contains("content"))
    return Invalid("content", "required");
  static const char* kPins[] = {"pinned_to_lead_flag", "pinned_to_deal_flag",
                                "pinned_to_organization_flag",
                                "pinned_to_person_flag",
                                "pinned_to_project_flag"};
  for (const auto& [key, v] : body.items()) {
    if (key == "content") {
      if (Blank(v)) return Invalid(key, "required");
      record[key] = v;
    } else if (key == "deal_id" || key == "person_id" || key == "org_id") {
      if (v.is_null() || v == "") {
        record.erase(key);
        continue;
      }
      Kind k = key == "deal_id"     ? Kind::kDeal
               : key == "person_id" ? Kind::kPerson
                                    : Kind::kOrganization;
      std::optional<int64_t> n = V1Int(v);
      if (!n || LiveLocked(k, *n) == nullptr) {
        return Invalid(key, "the linked record does not exist");
      }
      record[key] = *n;
    } else if (key == "lead_id") {
      if (v.is_null() || v == "") {
        record.erase(key);
        continue;
      }
      if (!v.is_string() || FindLeadLocked(v) == nullptr) {
        return Invalid(key, "the lead does not exist");
      }
      record[key] = v;
    } else if (key == "project_id") {
      if (!v.is_null()) return Invalid(key, "the project does not exist");
    } else if (key == "user_id") {
      std::optional<int64_t> n = V1Int(v);
      const pipedrive::User* u = n ? UserLocked(*n) : nullptr;
      if (u == nullptr || !u->active)
        return Invalid(key, "the user does not exist");
      record[key] = *n;
    } else if (key == "add_time") {
      std::optional<absl::Time> t =
          v.is_string() ? pipedrive::ParseDateTime(v.get<std::string>())
                        : std::nullopt;
      if (!t) return Invalid(key, "must be YYYY-MM-DD HH:MM:SS");
      record[key] = pipedrive::V1Time(*t);
    } else if (std::find(std::begin(kPins), std::end(kPins), key) !=
               std::end(kPins)) {
      std::optional<bool> flag = V1Flag(v);
      if (!flag) return Invalid(key, "must be 0 or 1");
      record[key] = *flag;
    }
    // Anything else is ignored, as v1 does.
  }
  if (!record.contains("deal_id") && !record.contains("person_id") &&
      !record.contains("org_id") && !record.contains("lead_id")) {
    return Invalid("deal_id",
                   "a note must be attached to a deal, person, organization, "
                   "lead or project (deal_id, person_id, org_id, lead_id, "
                   "project_id)");
  }
  std::string now = pipedrive::V1Time(Now());
  if (create) {
    int64_t new_id = 0;
    if (std::optional<Reply> error = NewId(store_.notes, extras, new_id)) {
      return *error;
    }
    id = new_id;
    record["id"] = new_id;
    record["active_flag"] = true;
    if (!record.contains("user_id")) record["user_id"] = caller.user_id;
    if (!record.contains("add_time")) record["add_time"] = now;
    for (const char* pin : kPins) {
      if (!record.contains(pin)) record[pin] = false;
    }
  }
  record["last_update_user_id"] = caller.user_id;
  record["update_time"] = now;
  if (std::optional<Reply> error = KeepSeedTimes(extras, true, record)) {
    return *error;
  }
  store_.notes.Put(*id, record);
  return Ok(RenderNoteLocked(record, &caller));
}

PipedriveEmulator::Reply PipedriveEmulator::ListNotesLocked(
    const httplib::Request& req, const Caller& caller) {
  absl::StatusOr<pipedrive::StartPage> page = pipedrive::ParseStartPage(req);
  if (!page.ok()) return Fail(400, std::string(page.status().message()));
  std::vector<std::pair<std::string, Json>> filters;
  for (const char* p : {"user_id", "deal_id", "person_id", "org_id"}) {
    absl::StatusOr<std::optional<int64_t>> v = pipedrive::IntParam(req, p);
    if (!v.ok()) return Fail(400, std::string(v.status().message()));
    if (v->has_value()) filters.emplace_back(p, **v);
  }
  if (req.has_param("lead_id")) {
    filters.emplace_back("lead_id", req.get_param_value("lead_id"));
  }
  for (const char* p : {"pinned_to_lead_flag", "pinned_to_deal_flag",
                        "pinned_to_organization_flag", "pinned_to_person_flag",
                        "pinned_to_project_flag"}) {
    if (!req.has_param(p)) continue;
    std::optional<bool> flag = V1Flag(req.get_param_value(p));
    if (!flag) return Invalid(p, "must be 0 or 1");
    filters.emplace_back(p, *flag);
  }
  std::optional<absl::Time> since;
  if (req.has_param("updated_since")) {
    since = pipedrive::ParseDateTime(req.get_param_value("updated_since"));
    if (!since)
      return Invalid("updated_since", "must be an RFC 3339 date-time");
  }
  std::vector<const Json*> notes;
  for (const auto& [nid, n] : store_.notes.records()) {
    bool keep = true;
    for (const auto& [field, want] : filters)
      keep = keep && At(n, field) == want;
    if (since) {
      std::optional<absl::Time> updated =
          pipedrive::ParseDateTime(ScalarText(At(n, "update_time")));
      keep = keep && updated && *updated >= *since;
    }
    if (keep) notes.push_back(&n);
  }
  if (req.has_param("sort")) {
    auto [field, desc] = SortClause(req, "id");
    SortRecords(notes, field, desc);
  }
  Json data = Json::array();
  for (size_t i = page->start;
       i < notes.size() && i < static_cast<size_t>(page->start + page->limit);
       ++i) {
    data.push_back(RenderNoteLocked(*notes[i], &caller));
  }
  return {
      200,
      {{"success", true},
       {"data", data},
       {"additional_data", {{"pagination", page->Pagination(notes.size())}}}}};
}

// ---- files ----------------------------------------------------------------

nlohmann::json PipedriveEmulator::RenderFileLocked(const Json& stored) const {
  Json out = stored;
  auto name_of = [this](Kind k, const Json& id,
                        const char* attr) -> std::string {
    std::optional<int64_t> n = pipedrive::StrictInt(id);
    const Json* r = n ? store_.tables.at(k).Find(*n) : nullptr;
    return r == nullptr ? "" : ScalarText(At(*r, attr));
  };
  out["deal_name"] = name_of(Kind::kDeal, At(stored, "deal_id"), "title");
  out["person_name"] = name_of(Kind::kPerson, At(stored, "person_id"), "name");
  out["org_name"] = name_of(Kind::kOrganization, At(stored, "org_id"), "name");
  out["product_name"] =
      name_of(Kind::kProduct, At(stored, "product_id"), "name");
  std::string lead_name;
  if (stored.contains("lead_id")) {
    auto it = store_.lead_index.find(stored["lead_id"]);
    const Json* lead =
        it == store_.lead_index.end() ? nullptr : store_.leads.Find(it->second);
    if (lead != nullptr) lead_name = ScalarText(At(*lead, "title"));
  }
  out["lead_name"] = lead_name;
  out["project_name"] = "";
  return out;
}

PipedriveEmulator::Reply PipedriveEmulator::AddFileLocked(
    const httplib::Request& req, const Caller& caller) {
  if (!req.is_multipart_form_data() || !req.has_file("file") ||
      req.get_file_value("file").filename.empty()) {
    return Invalid("file", "required (a multipart/form-data file part)");
  }
  const httplib::MultipartFormData& upload = req.get_file_value("file");
  Json record = Json::object();
  bool linked = false;
  struct Link {
    const char* key;
    Kind kind;
  };
  for (const Link& l :
       {Link{"deal_id", Kind::kDeal}, Link{"person_id", Kind::kPerson},
        Link{"org_id", Kind::kOrganization}, Link{"product_id", Kind::kProduct},
        Link{"activity_id", Kind::kActivity}}) {
    if (!req.has_file(l.key)) continue;
    std::optional<int64_t> n = PositiveId(req.get_file_value(l.key).content);
    if (!n || LiveLocked(l.kind, *n) == nullptr) {
      return Invalid(l.key, "the linked record does not exist");
    }
    record[l.key] = *n;
    linked = true;
  }
  if (req.has_file("lead_id")) {
    std::string lead = req.get_file_value("lead_id").content;
    if (FindLeadLocked(lead) == nullptr) {
      return Invalid("lead_id", "the lead does not exist");
    }
    record["lead_id"] = lead;
    linked = true;
  }
  if (req.has_file("project_id")) {
    return Invalid("project_id", "the project does not exist");
  }
  if (!linked) {
    return Invalid("deal_id",
                   "a file must be attached to a deal, person, organization, "
                   "product, activity or lead");
  }
  std::string name = upload.filename;
  size_t dot = name.rfind('.');
  std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  int64_t id = store_.files.AllocateId();
  std::string now = pipedrive::V1Time(Now());
  std::string host = req.get_header_value("Host");
  if (host.empty()) host = "127.0.0.1";
  record.update(
      {{"id", id},
       {"user_id", caller.user_id},
       {"add_time", now},
       {"update_time", now},
       {"file_name", absl::StrCat(stem, "_", RandomHex(24), ext)},
       {"file_type", FileType(name)},
       {"file_size", static_cast<int64_t>(upload.content.size())},
       {"active_flag", true},
       {"inline_flag", false},
       {"remote_location", "s3"},
       {"remote_id", ""},
       {"cid", ""},
       {"s3_bucket", ""},
       {"mail_message_id", ""},
       {"mail_template_id", ""},
       {"url", absl::StrCat("http://", host, "/v1/files/", id, "/download")},
       {"name", name},
       {"description", ""}});
  store_.files.Put(id, record);
  store_.file_bytes[id] = upload.content;
  return Ok(RenderFileLocked(record));
}

PipedriveEmulator::Reply PipedriveEmulator::ListFilesLocked(
    const httplib::Request& req) {
  absl::StatusOr<pipedrive::StartPage> page =
      pipedrive::ParseStartPage(req, 100);
  if (!page.ok()) return Fail(400, std::string(page.status().message()));
  std::vector<const Json*> files;
  for (const auto& [fid, f] : store_.files.records()) {
    if (f.value("active_flag", false)) files.push_back(&f);
  }
  if (req.has_param("sort")) {
    auto [field, desc] = SortClause(req, "id");
    SortRecords(files, field, desc);
  }
  Json data = Json::array();
  for (size_t i = page->start;
       i < files.size() && i < static_cast<size_t>(page->start + page->limit);
       ++i) {
    data.push_back(RenderFileLocked(*files[i]));
  }
  return {
      200,
      {{"success", true},
       {"data", data},
       {"additional_data", {{"pagination", page->Pagination(files.size())}}}}};
}

PipedriveEmulator::Reply PipedriveEmulator::UpdateFileLocked(
    const httplib::Request& req, const std::string& id) {
  std::optional<int64_t> n = PositiveId(id);
  Json* file = n ? store_.files.Find(*n) : nullptr;
  if (file == nullptr || !file->value("active_flag", false)) return NotFound();
  std::optional<Json> body = V1Body(req);
  if (!body) return Fail(400, "The request body must be a JSON object or form");
  for (const char* key : {"name", "description"}) {
    if (!body->contains(key)) continue;
    if (!(*body)[key].is_string()) return Invalid(key, "must be a string");
    (*file)[key] = (*body)[key];
  }
  (*file)["update_time"] = pipedrive::V1Time(Now());
  return Ok(RenderFileLocked(*file));
}

// ---- users ----------------------------------------------------------------

PipedriveEmulator::Reply PipedriveEmulator::FindUsersLocked(
    const httplib::Request& req, const Caller& caller) {
  if (!req.has_param("term") || req.get_param_value("term").empty()) {
    return Invalid("term", "required");
  }
  std::string term = Lower(req.get_param_value("term"));
  std::optional<bool> by_email = false;
  if (req.has_param("search_by_email")) {
    by_email = V1Flag(req.get_param_value("search_by_email"));
    if (!by_email) return Invalid("search_by_email", "must be 0 or 1");
  }
  Json data = Json::array();
  for (const auto& u : store_.users) {
    std::string hay = Lower(*by_email ? u.email : u.name);
    if (absl::StrContains(hay, term)) {
      data.push_back(
          pipedrive::UserJson(u, u.id == caller.user_id, company_created_));
    }
  }
  return Ok(data);
}

// ---- activity types -------------------------------------------------------

const nlohmann::json* PipedriveEmulator::ActivityTypeLocked(
    const std::string& key) const {
  for (const auto& [id, t] : store_.activity_types.records()) {
    if (t["key_string"] == key && t["active_flag"] == true) return &t;
  }
  return nullptr;
}

PipedriveEmulator::Reply PipedriveEmulator::WriteActivityTypeLocked(
    const Json& body, std::optional<int64_t> id) {
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  Json* current = id ? store_.activity_types.Find(*id) : nullptr;
  if (id && (current == nullptr || (*current)["active_flag"] != true)) {
    return NotFound();
  }
  for (const char* key : {"name", "icon_key"}) {
    if (current == nullptr && !body.contains(key))
      return Invalid(key, "required");
  }
  if (body.contains("name") && Blank(body["name"])) {
    return Invalid("name", "must be a non-blank string");
  }
  if (body.contains("icon_key") &&
      !(body["icon_key"].is_string() && IconKeys().count(body["icon_key"]))) {
    return Invalid("icon_key", "not an activity icon key");
  }
  if (body.contains("color") && !body["color"].is_string()) {
    return Invalid("color", "must be a string");
  }
  if (body.contains("order_nr") && !pipedrive::StrictInt(body["order_nr"])) {
    return Invalid("order_nr", "must be an integer");
  }
  std::string now = pipedrive::V2Time(Now());
  Json record;
  if (current != nullptr) {
    record = *current;
  } else {
    int64_t order = 0;
    for (const auto& [tid, t] : store_.activity_types.records()) {
      order = std::max(order, t["order_nr"].get<int64_t>());
    }
    std::string base;
    for (char c : Lower(body["name"].get<std::string>())) {
      base += absl::ascii_isalnum(c) ? c : '_';
    }
    std::string key = base;
    for (int n = 2; ActivityTypeLocked(key) != nullptr; ++n) {
      key = absl::StrCat(base, "_", n);
    }
    int64_t new_id = store_.activity_types.AllocateId();
    id = new_id;
    record = {{"id", new_id},      {"order_nr", order + 1},
              {"key_string", key}, {"active_flag", true},
              {"color", "FFFFFF"}, {"is_custom_flag", true},
              {"add_time", now}};
  }
  for (const char* key : {"name", "icon_key", "color", "order_nr"}) {
    if (body.contains(key)) record[key] = body[key];
  }
  record["update_time"] = now;
  store_.activity_types.Put(*id, record);
  return Ok(record);
}

// ---- routes ---------------------------------------------------------------

void PipedriveEmulator::AddV1Handlers(std::map<std::string, Handler>& h,
                                      const JsonBody& with_json) {
  auto route = [](std::string_view method, const std::string& path) {
    return Operation{method, Api::kV1, path, 0, false}.Route();
  };
  auto v1_body = [](const httplib::Request& req,
                    const std::function<Reply(const Json&)>& f) -> Reply {
    std::optional<Json> body = V1Body(req);
    if (!body) return Fail(400, "The request body must be a JSON object");
    return f(*body);
  };
  // Leads.
  h[route("GET", "/leads")] = [this](const auto& req, const auto&) {
    return ListLeadsLocked(req);
  };
  h[route("POST", "/leads")] = [this, with_json](const auto& req,
                                                 const Caller& c) {
    return with_json(req, [&](const Json& body) {
      return WriteLeadLocked(body, nullptr, c);
    });
  };
  h[route("GET", "/leads/{id}")] = [this](const auto& req, const auto&) {
    const Json* lead = FindLeadLocked(req.matches[1]);
    return lead == nullptr ? NotFound() : Ok(RenderLeadLocked(*lead));
  };
  h[route("PATCH", "/leads/{id}")] = [this, with_json](const auto& req,
                                                       const Caller& c) {
    std::string id = req.matches[1];
    if (FindLeadLocked(id) == nullptr) return NotFound();
    return with_json(
        req, [&](const Json& body) { return WriteLeadLocked(body, &id, c); });
  };
  h[route("DELETE", "/leads/{id}")] = [this](const auto& req, const auto&) {
    return DeleteLeadLocked(req.matches[1]);
  };
  // Lead labels.
  h[route("GET", "/leadLabels")] = [this](const auto&, const auto&) {
    return Ok(store_.lead_labels);
  };
  h[route("POST", "/leadLabels")] = [this, with_json](const auto& req,
                                                      const auto&) {
    return with_json(req, [&](const Json& body) {
      return WriteLeadLabelLocked(body, nullptr);
    });
  };
  h[route("PATCH", "/leadLabels/{id}")] = [this, with_json](const auto& req,
                                                            const auto&) {
    std::string id = req.matches[1];
    return with_json(
        req, [&](const Json& body) { return WriteLeadLabelLocked(body, &id); });
  };
  h[route("DELETE", "/leadLabels/{id}")] = [this](const auto& req,
                                                  const auto&) {
    return DeleteLeadLabelLocked(req.matches[1]);
  };
  // Notes.
  h[route("GET", "/notes")] = [this](const auto& req, const Caller& c) {
    return ListNotesLocked(req, c);
  };
  h[route("POST", "/notes")] = [this, v1_body](const auto& req,
                                               const Caller& c) {
    return v1_body(req, [&](const Json& body) {
      return WriteNoteLocked(body, std::nullopt, c);
    });
  };
  h[route("GET", "/notes/{id}")] = [this](const auto& req, const Caller& c) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    const Json* note = id ? store_.notes.Find(*id) : nullptr;
    return note == nullptr ? NotFound() : Ok(RenderNoteLocked(*note, &c));
  };
  h[route("PUT", "/notes/{id}")] = [this, v1_body](const auto& req,
                                                   const Caller& c) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    if (!id || !store_.notes.Contains(*id)) return NotFound();
    return v1_body(
        req, [&](const Json& body) { return WriteNoteLocked(body, id, c); });
  };
  h[route("DELETE", "/notes/{id}")] = [this](const auto& req, const auto&) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    if (!id || !store_.notes.Erase(*id)) return NotFound();
    return Ok(true);
  };
  // Files.
  h[route("GET", "/files")] = [this](const auto& req, const auto&) {
    return ListFilesLocked(req);
  };
  h[route("POST", "/files")] = [this](const auto& req, const Caller& c) {
    return AddFileLocked(req, c);
  };
  h[route("GET", "/files/{id}")] = [this](const auto& req, const auto&) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    const Json* file = id ? store_.files.Find(*id) : nullptr;
    return file == nullptr ? NotFound() : Ok(RenderFileLocked(*file));
  };
  h[route("PUT", "/files/{id}")] = [this](const auto& req, const auto&) {
    return UpdateFileLocked(req, req.matches[1]);
  };
  h[route("DELETE", "/files/{id}")] = [this](const auto& req, const auto&) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    Json* file = id ? store_.files.Find(*id) : nullptr;
    if (file == nullptr || !file->value("active_flag", false))
      return NotFound();
    absl::Time now = Now();
    (*file)["active_flag"] = false;
    (*file)["update_time"] = pipedrive::V1Time(now);
    store_.purge.push_back({now + kRetention, "files", *id});
    return Ok({{"id", *id}});
  };
  h[route("GET", "/files/{id}/download")] = [this](const auto& req,
                                                   const auto&) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    const Json* file = id ? store_.files.Find(*id) : nullptr;
    if (file == nullptr || !file->value("active_flag", false))
      return NotFound();
    Reply r;
    r.raw = store_.file_bytes[*id];
    r.content_type = "application/octet-stream";
    r.headers.emplace_back(
        "Content-Disposition",
        absl::StrCat("attachment; filename=\"",
                     (*file)["file_name"].get<std::string>(), "\""));
    return r;
  };
  // Users.
  h[route("GET", "/users")] = [this](const auto&, const Caller& c) {
    Json data = Json::array();
    for (const auto& u : store_.users) {
      data.push_back(
          pipedrive::UserJson(u, u.id == c.user_id, company_created_));
    }
    return Ok(data);
  };
  h[route("GET", "/users/me")] = [this](const auto&, const Caller& c) {
    Json me =
        pipedrive::UserJson(*UserLocked(c.user_id), true, company_created_);
    me.update(
        {{"company_id", 7000001},
         {"company_name", "Bridgework Sandbox"},
         {"company_domain", "bridgework-sandbox"},
         {"company_country", "US"},
         {"company_industry", "Healthcare"},
         {"language", {{"language_code", "en"}, {"country_code", "US"}}}});
    return Ok(me);
  };
  h[route("GET", "/users/find")] = [this](const auto& req, const Caller& c) {
    return FindUsersLocked(req, c);
  };
  h[route("GET", "/users/{id}")] = [this](const auto& req, const Caller& c) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    const pipedrive::User* u = id ? UserLocked(*id) : nullptr;
    if (u == nullptr) return NotFound();
    return Ok(pipedrive::UserJson(*u, u->id == c.user_id, company_created_));
  };
  // Activity types.
  h[route("GET", "/activityTypes")] = [this](const auto&, const auto&) {
    return Ok(store_.activity_types.ToJsonArray());
  };
  h[route("POST", "/activityTypes")] = [this, with_json](const auto& req,
                                                         const auto&) {
    return with_json(req, [&](const Json& body) {
      return WriteActivityTypeLocked(body, std::nullopt);
    });
  };
  h[route("PUT", "/activityTypes/{id}")] = [this, with_json](const auto& req,
                                                             const auto&) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    if (!id) return NotFound();
    return with_json(req, [&](const Json& body) {
      return WriteActivityTypeLocked(body, id);
    });
  };
  h[route("DELETE", "/activityTypes/{id}")] = [this](const auto& req,
                                                     const auto&) {
    std::optional<int64_t> id = PositiveId(req.matches[1]);
    Json* t = id ? store_.activity_types.Find(*id) : nullptr;
    if (t == nullptr || (*t)["active_flag"] != true) return NotFound();
    (*t)["active_flag"] = false;
    (*t)["update_time"] = pipedrive::V2Time(Now());
    return Ok(*t);
  };
}

}  // namespace bridgework::emulator
