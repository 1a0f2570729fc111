// Backend: opportunities, pipelines, calendars and appointments.
#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulators/common/json_store.h"
#include "emulators/highlevel/highlevel_backend.h"
#include "emulators/highlevel/highlevel_search.h"
#include "emulators/highlevel/highlevel_util.h"
#include "emulators/highlevel/highlevel_values.h"

namespace bridgework::emulator::highlevel {
namespace {

constexpr int64_t kDefaultLimit = 20;
constexpr int64_t kMaxLimit = 100;

// The UTC offset of an RFC 3339 text in seconds (0 for "Z").
int OffsetSeconds(const std::string& text) {
  if (text.empty() || text.back() == 'Z' || text.size() < 6) return 0;
  std::string tail = text.substr(text.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return 0;
  int h = 0, m = 0;
  if (!absl::SimpleAtoi(tail.substr(1, 2), &h) ||
      !absl::SimpleAtoi(tail.substr(4, 2), &m)) {
    return 0;
  }
  int s = h * 3600 + m * 60;
  return tail[0] == '-' ? -s : s;
}

// `t` written in the offset of `like` ("2021-06-23T04:00:00+05:30").
std::string InOffsetOf(absl::Time t, const std::string& like) {
  int offset = OffsetSeconds(like);
  if (offset == 0 && !like.empty() && like.back() == 'Z') {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t,
                          absl::FixedTimeZone(offset));
}

// "mm-dd-yyyy" as the start of that day (UTC).
std::optional<absl::Time> ParseMdy(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '-');
  int m = 0, d = 0, y = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &m) ||
      !absl::SimpleAtoi(parts[1], &d) || !absl::SimpleAtoi(parts[2], &y)) {
    return std::nullopt;
  }
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d)
    return std::nullopt;
  return absl::FromCivil(day, absl::UTCTimeZone());
}

Json AppointmentReply(const Json& r) {
  Json out = Json::object();
  for (const char* k :
       {"id", "calendarId", "locationId", "contactId", "startTime", "endTime",
        "title", "meetingLocationType", "appointmentStatus", "assignedUserId",
        "address", "isRecurring", "rrule"}) {
    if (r.contains(k) && !r[k].is_null()) out[k] = r[k];
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------- opportunities

const Json* Backend::FindStageLocked(const std::string& pipeline_id,
                                     const std::string& stage_id) const {
  auto it = store_.pipelines.find(pipeline_id);
  if (it == store_.pipelines.end()) return nullptr;
  for (const auto& s : it->second["stages"]) {
    if (StrOf(s, "id") == stage_id) return &s;
  }
  return nullptr;
}

std::optional<Reply> Backend::ApplyOpportunityLocked(
    const Call& c, const Json& body, Json& record, const std::string& self_id) {
  std::string now = Now();
  if (body.contains("status") && body["status"] == "all") {
    return Invalid(c, {"status must be one of the following values: open, "
                       "won, lost, abandoned"});
  }
  if (body.contains("name") && IsBlank(body["name"])) {
    return Invalid(c, {"name should not be empty"});
  }
  std::string pipeline =
      body.contains("pipelineId") && body["pipelineId"].is_string()
          ? body["pipelineId"].get<std::string>()
          : StrOf(record, "pipelineId");
  auto pit = store_.pipelines.find(pipeline);
  if (pit == store_.pipelines.end()) return BadRequest("Pipeline not found");
  std::string stage = StrOf(body, "pipelineStageId");
  if (stage.empty()) {
    stage = StrOf(record, "pipelineStageId");
    if (pipeline != StrOf(record, "pipelineId") || stage.empty()) {
      stage = StrOf(pit->second["stages"][0], "id");
    }
  }
  if (FindStageLocked(pipeline, stage) == nullptr) {
    return BadRequest("Pipeline stage not found");
  }
  std::string contact =
      body.contains("contactId") && body["contactId"].is_string()
          ? body["contactId"].get<std::string>()
          : StrOf(record, "contactId");
  if (!store_.contacts.count(contact)) return BadRequest("Contact not found");
  if (body.contains("assignedTo")) {
    if (IsBlank(body["assignedTo"])) {
      record.erase("assignedTo");
    } else {
      const User* u = FindUser(body["assignedTo"].get<std::string>());
      if (u == nullptr || u->deleted) return BadRequest("User not found");
      record["assignedTo"] = u->id;
    }
  }
  if (!settings_.allow_duplicate_opportunity) {
    for (const auto& [id, o] : store_.opportunities) {
      if (id != self_id && StrOf(o, "contactId") == contact &&
          StrOf(o, "pipelineId") == pipeline) {
        return BadRequest(
            "Can not create duplicate opportunity for the contact.");
      }
    }
  }
  if (body.contains("customFields") && body["customFields"].is_array()) {
    std::vector<std::string> errors =
        MergeCustomFieldsLocked("opportunity", body["customFields"],
                                "fieldValue", record["customFields"]);
    if (!errors.empty()) return Invalid(c, errors);
  }
  if (StrOf(record, "pipelineStageId") != stage)
    record["lastStageChangeAt"] = now;
  record["pipelineId"] = pipeline;
  record["pipelineStageId"] = stage;
  record["contactId"] = contact;
  if (body.contains("status") && body["status"].is_string() &&
      body["status"] != record.value("status", Json())) {
    record["status"] = body["status"];
    record["lastStatusChangeAt"] = now;
  }
  if (body.contains("name") && body["name"].is_string())
    record["name"] = body["name"];
  if (body.contains("monetaryValue")) {
    if (body["monetaryValue"].is_null()) {
      record.erase("monetaryValue");
    } else {
      record["monetaryValue"] = body["monetaryValue"];
    }
  }
  if (body.contains("lostReasonId")) {
    if (IsBlank(body["lostReasonId"])) {
      record.erase("lostReasonId");
    } else {
      record["lostReasonId"] = body["lostReasonId"];
    }
  }
  record["lastActionDate"] = now;
  record["updatedAt"] = now;
  return std::nullopt;
}

Json Backend::OpportunityOut(const Json& record) const {
  Json out = WithoutNulls(record);
  if (out.contains("customFields")) {
    for (auto& e : out["customFields"]) {
      e["fieldValue"] = OpportunityFieldValue(e["fieldValue"]);
    }
  }
  auto it = store_.contacts.find(StrOf(record, "contactId"));
  if (it != store_.contacts.end()) {
    Json contact = {{"id", it->first}};
    for (const char* k : {"name", "companyName", "email", "phone", "tags"}) {
      if (it->second.contains(k) && !it->second[k].is_null()) {
        contact[k] = it->second[k];
      }
    }
    out["contact"] = contact;
  }
  return out;
}

Reply Backend::CreateOpportunityLocked(const Call& c, const Json& body,
                                       const Json* seed_extras) {
  std::vector<std::string> errors = Validate(CreateOpportunityDto(), body);
  if (!errors.empty()) return Invalid(c, errors);
  std::string now = Now();
  Json record = {{"locationId", location_id_},
                 {"source", ""},
                 {"customFields", Json::array()},
                 {"followers", Json::array()},
                 {"createdAt", now},
                 {"lastStatusChangeAt", now},
                 {"lastStageChangeAt", now}};
  if (auto r = ApplyOpportunityLocked(c, body, record, "")) return *r;
  absl::StatusOr<std::string> id = StoreNewLocked(
      store_.opportunities, "opportunity", "createdAt", seed_extras, record);
  if (!id.ok()) return BadRequest(std::string(id.status().message()));
  return {201, {{"opportunity", OpportunityOut(record)}}};
}

Reply Backend::OpportunityCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateOpportunityDto())) return *r;
  absl::MutexLock lock(&mu_);
  return CreateOpportunityLocked(c, c.body, nullptr);
}

Reply Backend::OpportunityGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.opportunities.find(c.Param("id"));
  if (it == store_.opportunities.end())
    return NotFound("Opportunity not found");
  return {200, {{"opportunity", OpportunityOut(it->second)}}};
}

Reply Backend::ChangeOpportunity(const Call& c, const Dto& dto,
                                 bool status_only) {
  if (auto r = CheckBody(c, dto)) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.opportunities.find(c.Param("id"));
  if (it == store_.opportunities.end()) {
    return NotFound("Opportunity not found");
  }
  Json record = it->second;
  if (auto r = ApplyOpportunityLocked(c, c.body, record, it->first)) return *r;
  it->second = record;
  if (status_only) return {200, {{"succeded", true}}};
  return {200, {{"opportunity", OpportunityOut(record)}}};
}

Reply Backend::OpportunityUpdate(const Call& c) {
  return ChangeOpportunity(c, UpdateOpportunityDto(), false);
}

Reply Backend::OpportunityDelete(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string id = c.Param("id");
  if (!store_.opportunities.erase(id)) return NotFound("Opportunity not found");
  DropRelationsLocked(id);
  return {200, {{"succeded", true}}};
}

Reply Backend::OpportunityStatus(const Call& c) {
  return ChangeOpportunity(c, UpdateOpportunityStatusDto(), true);
}

Reply Backend::OpportunityUpsert(const Call& c) {
  if (auto r = CheckBody(c, UpsertOpportunityDto())) return *r;
  absl::MutexLock lock(&mu_);
  Json body = c.body;
  // Followers: user ids added or removed.
  std::vector<std::string> followers;
  if (body.contains("followers") && body["followers"].is_array()) {
    for (const auto& f : body["followers"]) {
      if (FindUser(f.get<std::string>()) == nullptr) {
        return BadRequest("User not found");
      }
      followers.push_back(f.get<std::string>());
    }
  }
  bool remove_all = BoolOf(body, "isRemoveAllFollowers", false);
  bool remove = StrOf(body, "followersActionType") == "remove";
  for (const char* k : {"followers", "isRemoveAllFollowers",
                        "followersActionType", "locationId", "id"}) {
    body.erase(k);
  }
  auto apply_followers = [&](Json& record) {
    Json list =
        remove_all ? Json::array() : record.value("followers", Json::array());
    for (const auto& f : followers) {
      auto pos = std::find(list.begin(), list.end(), f);
      if (remove && pos != list.end()) list.erase(pos);
      if (!remove && pos == list.end()) list.push_back(f);
    }
    record["followers"] = list;
  };
  std::string id = StrOf(c.body, "id");
  if (id.empty() && body.contains("contactId") &&
      body["contactId"].is_string()) {
    std::string created_at;
    for (const auto& [oid, o] : store_.opportunities) {
      if (StrOf(o, "contactId") == body["contactId"] &&
          StrOf(o, "pipelineId") == body["pipelineId"] &&
          (id.empty() || StrOf(o, "createdAt") < created_at)) {
        id = oid;
        created_at = StrOf(o, "createdAt");
      }
    }
  }
  if (!id.empty()) {
    auto it = store_.opportunities.find(id);
    if (it == store_.opportunities.end())
      return BadRequest("Opportunity not found");
    Json record = it->second;
    if (auto r = ApplyOpportunityLocked(c, body, record, id)) return *r;
    apply_followers(record);
    it->second = record;
    return {200, {{"opportunity", OpportunityOut(record)}, {"new", false}}};
  }
  if (!body.contains("contactId")) {
    return Invalid(
        c, {"contactId should not be empty", "contactId must be a string"});
  }
  if (!body.contains("status")) body["status"] = "open";
  if (!body.contains("name")) {
    auto contact = store_.contacts.find(body["contactId"].get<std::string>());
    body["name"] = contact == store_.contacts.end()
                       ? "Opportunity"
                       : contact->second.value("name", "Opportunity");
  }
  body["locationId"] = location_id_;
  body.erase("lostReasonId");
  Reply r = CreateOpportunityLocked(c, body, nullptr);
  if (r.status != 201) return r;
  Json& record =
      store_.opportunities[r.body["opportunity"]["id"].get<std::string>()];
  if (c.body.contains("lostReasonId") && c.body["lostReasonId"].is_string()) {
    record["lostReasonId"] = c.body["lostReasonId"];
  }
  apply_followers(record);
  return {200, {{"opportunity", OpportunityOut(record)}, {"new", true}}};
}

Reply Backend::OpportunitySearch(const Call& c) {
  if (auto r = RequireQuery(c, {"location_id"})) return *r;
  std::vector<std::string> errors;
  int64_t limit = QueryInt(c, "limit", kDefaultLimit, errors);
  int64_t page = QueryInt(c, "page", 1, errors);
  int64_t start_after = QueryInt(c, "startAfter", -1, errors);
  if (limit > kMaxLimit) {
    errors.push_back(
        absl::StrCat("limit must not be greater than ", kMaxLimit));
  }
  if (limit == 0) limit = kDefaultLimit;
  if (page == 0) page = 1;
  std::string order = c.Query("order").value_or("added_desc");
  if (order.empty()) order = "added_desc";
  if (order != "added_asc" && order != "added_desc") {
    errors.push_back(
        "order must be one of the following values: added_asc, added_desc");
  }
  std::string status = c.Query("status").value_or("");
  if (!status.empty() && status != "open" && status != "won" &&
      status != "lost" && status != "abandoned" && status != "all") {
    errors.push_back(
        "status must be one of the following values: open, won, "
        "lost, abandoned, all");
  }
  std::optional<absl::Time> from, to;
  for (auto [name, target] : {std::pair{"date", &from}, {"endDate", &to}}) {
    std::string v = c.Query(name).value_or("");
    if (v.empty()) continue;
    *target = ParseMdy(v);
    if (!*target)
      errors.push_back(absl::StrCat(name, " must be a date as mm-dd-yyyy"));
  }
  if (!errors.empty()) return Invalid(c, errors);
  std::map<std::string, std::string> equals;
  for (auto [param, field] : {std::pair{"pipeline_id", "pipelineId"},
                              {"pipeline_stage_id", "pipelineStageId"},
                              {"contact_id", "contactId"},
                              {"assigned_to", "assignedTo"},
                              {"id", "id"}}) {
    std::string v = c.Query(param).value_or("");
    if (!v.empty()) equals[field] = v;
  }
  if (!status.empty() && status != "all") equals["status"] = status;
  std::string q = c.Query("q").value_or("");
  bool ascending = order == "added_asc";
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> all = SortedBy(store_.opportunities, "createdAt");
  if (!ascending) std::reverse(all.begin(), all.end());
  std::vector<const Json*> matches;
  for (const Json* o : all) {
    bool ok = true;
    for (const auto& [field, v] : equals)
      ok = ok && StrOf(*o, field.c_str()) == v;
    if (!ok) continue;
    absl::Time created = *ParseInstant(StrOf(*o, "createdAt"));
    if (from && created < *from) continue;
    if (to && created >= *to + absl::Hours(24)) continue;
    if (!q.empty()) {
      auto contact = store_.contacts.find(StrOf(*o, "contactId"));
      bool hit = ContainsFold(StrOf(*o, "name"), q);
      if (contact != store_.contacts.end()) {
        hit = hit || ContainsFold(StrOf(contact->second, "name"), q) ||
              ContainsFold(StrOf(contact->second, "email"), q) ||
              ContainsFold(StrOf(contact->second, "phone"), q);
      }
      if (!hit) continue;
    }
    matches.push_back(o);
  }
  size_t begin = static_cast<size_t>((page - 1) * limit);
  std::string start_after_id = c.Query("startAfterId").value_or("");
  if (start_after >= 0 || !start_after_id.empty()) {
    begin = 0;
    auto after = [&](const Json* o) {
      int64_t ms = UnixMillis(*ParseInstant(StrOf(*o, "createdAt")));
      std::string id = StrOf(*o, "id");
      int64_t ref = start_after;
      if (ref < 0) {
        auto it = store_.opportunities.find(start_after_id);
        ref = it == store_.opportunities.end()
                  ? -1
                  : UnixMillis(*ParseInstant(StrOf(it->second, "createdAt")));
      }
      if (ascending) return ms > ref || (ms == ref && id > start_after_id);
      return ms < ref || (ms == ref && id < start_after_id);
    };
    while (begin < matches.size() && !after(matches[begin])) ++begin;
  }
  Json list = Json::array();
  size_t end = std::min(matches.size(), begin + static_cast<size_t>(limit));
  for (size_t i = begin; i < end; ++i)
    list.push_back(OpportunityOut(*matches[i]));
  Json meta = {{"total", matches.size()}, {"currentPage", page}};
  if (page > 1) meta["prevPage"] = page - 1;
  if (end > begin) {
    const Json& last = *matches[end - 1];
    int64_t last_ms = UnixMillis(*ParseInstant(StrOf(last, "createdAt")));
    meta["startAfterId"] = last["id"];
    meta["startAfter"] = last_ms;
    if (end < matches.size()) {
      meta["nextPage"] = page + 1;
      meta["nextPageUrl"] = absl::StrCat(
          "http://", c.req->get_header_value("Host"),
          "/opportunities/search?location_id=", location_id_,
          "&startAfter=", last_ms, "&startAfterId=", StrOf(last, "id"),
          "&limit=", limit, "&page=", page + 1, "&order=", order);
    }
  }
  return {200,
          {{"opportunities", list},
           {"meta", meta},
           {"aggregations", Json::object()}}};
}

Reply Backend::OpportunityAdvancedSearch(const Call& c) {
  if (auto r = CheckBody(c, SearchOpportunitiesDto())) return *r;
  SearchRequest search;
  std::vector<std::string> errors = ParseSearch(
      c.body, "limit", kDefaultLimit, kMaxLimit, "createdAt", &search);
  if (!errors.empty()) return Invalid(c, errors);
  std::string query = StrOf(c.body, "query");
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> candidates;
  for (const auto& [id, o] : store_.opportunities) {
    bool hit = query.empty() || ContainsFold(StrOf(o, "name"), query);
    auto contact = store_.contacts.find(StrOf(o, "contactId"));
    if (!hit && contact != store_.contacts.end()) {
      hit = ContainsFold(StrOf(contact->second, "name"), query) ||
            ContainsFold(StrOf(contact->second, "email"), query) ||
            ContainsFold(StrOf(contact->second, "phone"), query);
    }
    if (hit) candidates.push_back(&o);
  }
  size_t total = 0;
  std::vector<const Json*> page =
      RunSearch(std::move(candidates), search, errors, &total);
  if (!errors.empty()) return Invalid(c, errors);
  Json list = Json::array();
  for (const Json* o : page) {
    Json out = OpportunityOut(*o);
    out["searchAfter"] = SearchAfterOf(*o, search);
    list.push_back(out);
  }
  return {200,
          {{"opportunities", list},
           {"total", total},
           {"aggregations", Json::object()}}};
}

Reply Backend::PipelineList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  Json out = Json::array();
  for (const Json* p : SortedBy(store_.pipelines, "dateAdded"))
    out.push_back(*p);
  return {200, {{"pipelines", out}}};
}

// -------------------------------------------------------------- calendars

Reply Backend::CalendarList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  std::string group = c.Query("groupId").value_or("");
  absl::MutexLock lock(&mu_);
  Json out = Json::array();
  for (const auto& [id, cal] : store_.calendars) {
    if (group.empty() || StrOf(cal, "groupId") == group) out.push_back(cal);
  }
  return {200, {{"calendars", out}}};
}

std::optional<Reply> Backend::ApplyAppointmentLocked(
    const Json& body, Json& record, const std::string& self_id) {
  std::string calendar_id =
      body.contains("calendarId") && body["calendarId"].is_string()
          ? body["calendarId"].get<std::string>()
          : StrOf(record, "calendarId");
  auto cal = store_.calendars.find(calendar_id);
  if (cal == store_.calendars.end()) return BadRequest("Calendar not found");
  if (body.contains("contactId") &&
      !store_.contacts.count(StrOf(body, "contactId"))) {
    return BadRequest("Contact not found");
  }
  std::string assigned = StrOf(body, "assignedUserId");
  if (!assigned.empty()) {
    const User* u = FindUser(assigned);
    if (u == nullptr || u->deleted) return BadRequest("User not found");
  } else if (StrOf(record, "assignedUserId").empty()) {
    const Json& members = cal->second["teamMembers"];
    if (!members.empty()) assigned = StrOf(members[0], "userId");
  }
  std::string start_text =
      body.contains("startTime") && body["startTime"].is_string()
          ? body["startTime"].get<std::string>()
          : StrOf(record, "startTime");
  std::optional<absl::Time> start = ParseInstant(start_text);
  if (!start)
    return BadRequest("startTime must be a valid ISO 8601 date string");
  std::string end_text;
  if (body.contains("endTime") && body["endTime"].is_string()) {
    end_text = body["endTime"].get<std::string>();
  } else if (body.contains("startTime") || StrOf(record, "endTime").empty()) {
    end_text = InOffsetOf(
        *start + absl::Minutes(cal->second.value("slotDuration", 30)),
        start_text);
  } else {
    end_text = StrOf(record, "endTime");
  }
  std::optional<absl::Time> end = ParseInstant(end_text);
  if (!end) return BadRequest("endTime must be a valid ISO 8601 date string");
  if (*end <= *start) return BadRequest("endTime must be after startTime");
  std::string status = StrOf(body, "appointmentStatus");
  if (status.empty()) status = StrOf(record, "appointmentStatus");
  if (status.empty()) status = "confirmed";
  bool skip_slot_check = BoolOf(body, "ignoreFreeSlotValidation", false);
  if (!skip_slot_check && status != "cancelled") {
    for (const auto& [id, other] : store_.appointments) {
      if (id == self_id || StrOf(other, "calendarId") != calendar_id ||
          StrOf(other, "appointmentStatus") == "cancelled") {
        continue;
      }
      absl::Time os = *ParseInstant(StrOf(other, "startTime"));
      absl::Time oe = *ParseInstant(StrOf(other, "endTime"));
      if (os < *end && *start < oe) {
        return BadRequest("The slot you have selected is no longer available.");
      }
    }
  }
  for (const char* k : {"title", "meetingLocationType", "meetingLocationId",
                        "description", "address", "rrule", "contactId"}) {
    if (!body.contains(k)) continue;
    if (IsBlank(body[k])) {
      record.erase(k);
    } else {
      record[k] = body[k];
    }
  }
  record["calendarId"] = calendar_id;
  record["groupId"] = cal->second["groupId"];
  record["startTime"] = start_text;
  record["endTime"] = end_text;
  record["appointmentStatus"] = status;
  if (!assigned.empty()) record["assignedUserId"] = assigned;
  record["users"] = Json::array({record["assignedUserId"]});
  record["isRecurring"] = record.contains("rrule");
  if (StrOf(record, "title").empty()) {
    auto contact = store_.contacts.find(StrOf(record, "contactId"));
    record["title"] = contact == store_.contacts.end()
                          ? "Appointment"
                          : contact->second.value("name", "Appointment");
  }
  record["dateUpdated"] = Now();
  return std::nullopt;
}

Json Backend::EventOut(const Json& record) const {
  return WithoutNulls(record);
}

Reply Backend::AppointmentCreate(const Call& c) {
  if (auto r = CheckBody(c, AppointmentCreateDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string now = Now();
  Json record = {{"locationId", location_id_},
                 {"dateAdded", now},
                 {"createdBy", {{"source", "third_party"}}},
                 {"assignedResources", Json::array()}};
  if (auto r = ApplyAppointmentLocked(c.body, record, "")) return *r;
  std::string id = NextId("appointment");
  record["id"] = id;
  store_.appointments[id] = record;
  return {200, AppointmentReply(record)};
}

Reply Backend::AppointmentGet(const Call& c) {
  absl::MutexLock lock(&mu_);
  auto it = store_.appointments.find(c.Param("eventId"));
  if (it == store_.appointments.end()) return NotFound("Appointment not found");
  return {200, {{"event", EventOut(it->second)}}};
}

Reply Backend::AppointmentUpdate(const Call& c) {
  if (auto r = CheckBody(c, AppointmentEditDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.appointments.find(c.Param("eventId"));
  if (it == store_.appointments.end()) return NotFound("Appointment not found");
  Json record = it->second;
  if (auto r = ApplyAppointmentLocked(c.body, record, it->first)) return *r;
  it->second = record;
  return {200, AppointmentReply(record)};
}

Reply Backend::EventDelete(const Call& c) {
  if (c.body.is_object()) {
    std::vector<std::string> errors;
    for (const auto& [k, v] : c.body.items()) {
      errors.push_back(absl::StrCat("property ", k, " should not exist"));
    }
    if (!errors.empty()) return Invalid(c, errors);
  }
  absl::MutexLock lock(&mu_);
  std::string id = c.Param("eventId");
  if (!store_.appointments.erase(id)) return NotFound("Event not found");
  return {201, {{"succeeded", true}}};
}

Reply Backend::EventList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId", "startTime", "endTime"}))
    return *r;
  std::vector<std::string> errors;
  int64_t from = QueryInt(c, "startTime", 0, errors);
  int64_t to = QueryInt(c, "endTime", 0, errors);
  if (!errors.empty()) return Invalid(c, errors);
  std::string calendar = c.Query("calendarId").value_or("");
  std::string user = c.Query("userId").value_or("");
  std::string group = c.Query("groupId").value_or("");
  if (calendar.empty() && user.empty() && group.empty()) {
    return Invalid(c, {"Either of calendarId, userId or groupId is required"});
  }
  absl::MutexLock lock(&mu_);
  Json events = Json::array();
  for (const Json* a : SortedBy(store_.appointments, "dateAdded")) {
    if (!calendar.empty() && StrOf(*a, "calendarId") != calendar) continue;
    if (!user.empty() && StrOf(*a, "assignedUserId") != user) continue;
    if (!group.empty() && StrOf(*a, "groupId") != group) continue;
    int64_t s = UnixMillis(*ParseInstant(StrOf(*a, "startTime")));
    int64_t e = UnixMillis(*ParseInstant(StrOf(*a, "endTime")));
    if (e < from || s > to) continue;
    events.push_back(EventOut(*a));
  }
  return {200, {{"events", events}}};
}

Reply Backend::ContactAppointments(const Call& c) {
  absl::MutexLock lock(&mu_);
  std::string contact = c.Param("contactId");
  if (!store_.contacts.count(contact)) return NotFound("Contact not found");
  Json events = Json::array();
  for (const Json* a : SortedBy(store_.appointments, "dateAdded")) {
    if (StrOf(*a, "contactId") != contact) continue;
    Json e = EventOut(*a);
    e["status"] = e["appointmentStatus"];
    events.push_back(e);
  }
  return {200, {{"events", events}}};
}

}  // namespace bridgework::emulator::highlevel
