// The state and request handlers behind HighLevelEmulator (internal to
// emulators/highlevel/). Each handler takes one parsed API call and returns
// the status and JSON body HighLevel would send; HighLevelEmulator does the
// HTTP plumbing (routing, auth, Version header, location scope, rate limits,
// stats).
//
// Records are stored as JSON in the shape the API returns them, with custom
// field values in their native types; the output functions convert them
// for the wire (CustomFieldSchema.value is a string in the spec).
//
// Thread safety: every public method locks the store; safe to call
// concurrently.
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_BACKEND_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_BACKEND_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "emulators/highlevel/highlevel_dto.h"

namespace bridgework::emulator::highlevel {

using Json = nlohmann::json;

struct Reply {
  int status = 200;
  Json body;
};

// A user of the agency with access to the location.
struct User {
  std::string id;
  std::string first_name;
  std::string last_name;
  std::string email;
  std::string phone;
  std::string role = "user";  // "admin" | "user"
  bool deleted = false;
};

// The built-in users: the emails of the Freshsales emulator's defaults
// (owner@bridgework.example, dr.rivera@ and dr.chen@smilebright.example).
std::vector<User> DefaultUsers();
// A JSON array of {"id"?, "firstName"?, "lastName"?, "name"?, "email",
// "phone"?, "role"?, "deleted"?}; Freshsales-style "display_name" and
// "is_active" are accepted too. Ids default to usr0..01, usr0..02, ...
absl::StatusOr<std::vector<User>> ParseUsers(const Json& list);

// Location settings that /__sandbox/config can change.
struct Settings {
  // "Allow Duplicate Contact" in the location's settings.
  bool allow_duplicate_contact = false;
  // Which identifier the duplicate check tries first: "email" or "phone".
  std::string duplicate_priority = "email";
  // When false, a second opportunity of one contact in one pipeline is
  // refused.
  bool allow_duplicate_opportunity = true;
  // Custom objects (USER_DEFINED) the plan allows.
  int64_t custom_object_limit = 10;
  // Contact custom field values as native JSON (numbers, arrays) instead
  // of the spec's strings.
  bool native_custom_field_values = false;
};

// One API request as a handler sees it.
struct Call {
  const httplib::Request* req = nullptr;
  // Path parameters by the spec's names ("contactId").
  std::map<std::string, std::string> params;
  // The JSON body (an object), or null when the request has none.
  Json body;
  // Whether the operation declares 422 in the spec: validation errors are
  // 422 with a message list, else 400 with one message string.
  bool declares_422 = true;

  const std::string& Param(const std::string& name) const;
  // The query parameter, or nullopt when absent.
  std::optional<std::string> Query(const std::string& name) const;
};

// Error replies in HighLevel's shapes.
Reply BadRequest(const std::string& message);
Reply NotFound(const std::string& message);
Reply Forbidden(const std::string& message);
// Validation errors: 422 {"statusCode":422,"message":[...],"error":
// "Unprocessable Entity"}, or 400 with the messages joined when the
// operation declares no 422.
Reply Invalid(const Call& call, std::vector<std::string> messages);

class Backend {
 public:
  using Clock = std::function<absl::Time()>;

  // `pipelines`: JSON array of {"name","stages":[name | {"name"}]}, the
  // pipelines seeded at start and after Reset(). `calendars`: likewise
  // [{"name"}]. REQUIRES: both already validated by ParsePipelines /
  // ParseCalendars.
  Backend(std::string location_id, std::string company_id,
          std::vector<User> users, Json pipelines, Json calendars,
          Settings settings, Clock clock);

  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  const std::string& location_id() const { return location_id_; }
  const std::string& company_id() const { return company_id_; }

  // Checks a pipelines / calendars option; InvalidArgument names the entry.
  static absl::Status CheckPipelines(const Json& pipelines);
  static absl::Status CheckCalendars(const Json& calendars);
  static Json DefaultPipelines();
  static Json DefaultCalendars();

  // Operator operations.
  Json State() const;
  // Back to the state at construction: records and schema dropped, the
  // seeded pipelines and calendars recreated, ids restarted. Settings and
  // users stay.
  void Reset();
  absl::StatusOr<Json> Seed(const Json& body);
  // Applies the settings and pipelines of a /__sandbox/config body (the
  // rate-limit keys are the emulator's). Returns the settings and the
  // pipelines.
  absl::StatusOr<Json> Configure(const Json& body);

  // Contacts (contacts.json).
  Reply ContactCreate(const Call& c);
  Reply ContactGet(const Call& c);
  Reply ContactUpdate(const Call& c);
  Reply ContactDelete(const Call& c);
  Reply ContactUpsert(const Call& c);
  Reply ContactDuplicate(const Call& c);
  Reply ContactSearch(const Call& c);
  Reply ContactList(const Call& c);
  Reply ContactsByBusiness(const Call& c);
  Reply ContactsBulkBusiness(const Call& c);
  Reply TagsAdd(const Call& c);
  Reply TagsRemove(const Call& c);
  Reply NoteList(const Call& c);
  Reply NoteCreate(const Call& c);
  Reply NoteGet(const Call& c);
  Reply NoteUpdate(const Call& c);
  Reply NoteDelete(const Call& c);
  Reply TaskList(const Call& c);
  Reply TaskCreate(const Call& c);
  Reply TaskGet(const Call& c);
  Reply TaskUpdate(const Call& c);
  Reply TaskDelete(const Call& c);
  Reply TaskCompleted(const Call& c);
  Reply ContactAppointments(const Call& c);

  // Businesses (businesses.json).
  Reply BusinessCreate(const Call& c);
  Reply BusinessList(const Call& c);
  Reply BusinessGet(const Call& c);
  Reply BusinessUpdate(const Call& c);
  Reply BusinessDelete(const Call& c);

  // Opportunities (opportunities.json).
  Reply OpportunityCreate(const Call& c);
  Reply OpportunityGet(const Call& c);
  Reply OpportunityUpdate(const Call& c);
  Reply OpportunityDelete(const Call& c);
  Reply OpportunityStatus(const Call& c);
  Reply OpportunityUpsert(const Call& c);
  Reply OpportunitySearch(const Call& c);
  Reply OpportunityAdvancedSearch(const Call& c);
  Reply PipelineList(const Call& c);

  // Calendars (calendars.json).
  Reply CalendarList(const Call& c);
  Reply AppointmentCreate(const Call& c);
  Reply AppointmentGet(const Call& c);
  Reply AppointmentUpdate(const Call& c);
  Reply EventDelete(const Call& c);
  Reply EventList(const Call& c);

  // Location custom fields (locations.json) and custom fields v2
  // (custom-fields.json, for custom object fields).
  Reply LocationFieldList(const Call& c);
  Reply LocationFieldCreate(const Call& c);
  Reply LocationFieldGet(const Call& c);
  Reply LocationFieldUpdate(const Call& c);
  Reply LocationFieldDelete(const Call& c);
  Reply ObjectFieldCreate(const Call& c);
  Reply ObjectFieldGet(const Call& c);
  Reply ObjectFieldUpdate(const Call& c);
  Reply ObjectFieldDelete(const Call& c);
  Reply ObjectFieldsByObject(const Call& c);

  // Custom objects and records (objects.json).
  Reply ObjectList(const Call& c);
  Reply ObjectCreate(const Call& c);
  Reply ObjectGet(const Call& c);
  Reply ObjectUpdate(const Call& c);
  Reply RecordCreate(const Call& c);
  Reply RecordGet(const Call& c);
  Reply RecordUpdate(const Call& c);
  Reply RecordDelete(const Call& c);
  Reply RecordSearch(const Call& c);

  // Associations (associations.json).
  Reply AssociationList(const Call& c);
  Reply AssociationCreate(const Call& c);
  Reply AssociationGet(const Call& c);
  Reply AssociationByKey(const Call& c);
  Reply AssociationUpdate(const Call& c);
  Reply AssociationDelete(const Call& c);
  Reply RelationCreate(const Call& c);
  Reply RelationList(const Call& c);
  Reply RelationDelete(const Call& c);

  // Medias (medias.json).
  Reply MediaUpload(const Call& c);
  Reply MediaList(const Call& c);
  Reply MediaDelete(const Call& c);

  // Users (users.json).
  Reply UserSearch(const Call& c);
  Reply UserFilterByEmail(const Call& c);
  Reply UserGet(const Call& c);
  Reply UserList(const Call& c);

  // Products (products.json).
  Reply ProductCreate(const Call& c);
  Reply ProductList(const Call& c);
  Reply ProductGet(const Call& c);
  Reply ProductUpdate(const Call& c);
  Reply ProductDelete(const Call& c);

 private:
  using Table = std::map<std::string, Json>;

  // Everything the API can change, reset as a whole.
  struct Store {
    Table contacts, businesses, opportunities, notes, tasks, appointments;
    Table fields;         // location custom fields (contact/opportunity)
    Table objects;        // custom object schemas by id
    Table object_fields;  // custom fields v2 of custom objects
    Table folders;        // one default folder per custom object
    Table records;        // custom object records
    Table associations, relations, medias, products, pipelines, calendars;
    std::map<std::string, int64_t> counters;
  };

  std::string Now() const;
  std::string NextId(const char* kind) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets `record`'s id (a fresh `kind` id, or the seed's "id") and, when
  // seeding, its `time_key` timestamp, and stores it in `table`. Returns
  // the id; AlreadyExists if the seed's id is taken.
  absl::StatusOr<std::string> StoreNewLocked(Table& table, const char* kind,
                                             const char* time_key,
                                             const Json* seed_extras,
                                             Json& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SeedBaseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds a pipeline / calendar of a checked spec; returns its id.
  absl::StatusOr<std::string> AddPipelineLocked(const Json& spec)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string AddCalendarLocked(const Json& spec)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json SettingsJsonLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply LocationFieldCreateLocked(const Call& c)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const User* FindUser(const std::string& id) const;
  Json UserJson(const User& u) const;
  // {"users":[skip, skip + limit) of `matches`,"count":all}.
  Reply UsersPage(const std::vector<const User*>& matches, int64_t skip,
                  int64_t limit) const;

  // Contacts.
  // Applies a validated contact body to `record` (a new or stored
  // contact). Returns validation messages (phone, dateOfBirth,
  // customFields, assignedTo).
  std::vector<std::string> ApplyContactLocked(const Json& body, Json& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The id of the contact an identifier matches: email ignoring case, or
  // phone in E.164. Skips `except`.
  std::optional<std::string> MatchContactLocked(const std::string& field,
                                                const std::string& value,
                                                const std::string& except) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The duplicate rule of the location for `record` (stored as `self_id`,
  // "" when new): a 400 reply naming the matching contact, or nullopt.
  // Identifiers equal to those of `before` are not checked, so existing
  // duplicates do not block other changes.
  std::optional<Reply> DuplicateLocked(const Json& record,
                                       const std::string& self_id,
                                       const Json& before) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json ContactOut(const Json& record) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply CreateContactLocked(const Json& body, const Json* seed_extras)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply UpdateContactLocked(const std::string& id, const Json& body,
                            int ok_status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteContactLocked(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The note or task `id` of `table` if it belongs to `contact_id`, else
  // nullptr. Valid until the table changes.
  Json* ChildLocked(Table& table, const std::string& id,
                    const std::string& contact_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Contacts sorted by (dateAdded, id).
  std::vector<const Json*> ContactsInOrderLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Custom field values: resolves [{id|key, field_value}] of `model`
  // ("contact"/"opportunity") and merges them into `stored` ([{id, value}]
  // or [{id, fieldValue}] by `value_key`).
  std::vector<std::string> MergeCustomFieldsLocked(const std::string& model,
                                                   const Json& input,
                                                   const char* value_key,
                                                   Json& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Json* FindFieldLocked(const std::string& model,
                              const std::string& id_or_key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json LocationFieldOut(const Json& field) const;

  // Businesses.
  Reply CreateBusinessLocked(const Json& body, const Json* seed_extras)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Opportunities.
  // Applies a validated body; returns validation/reference errors as a
  // reply, or nullopt.
  std::optional<Reply> ApplyOpportunityLocked(const Call& c, const Json& body,
                                              Json& record,
                                              const std::string& self_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json OpportunityOut(const Json& record) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Reply CreateOpportunityLocked(const Call& c, const Json& body,
                                const Json* seed_extras)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PUT /opportunities/{id} and PUT .../status: `dto` checks the body; the
  // reply is the opportunity, or {"succeded":true} when `status_only`.
  Reply ChangeOpportunity(const Call& c, const Dto& dto, bool status_only);
  const Json* FindStageLocked(const std::string& pipeline_id,
                              const std::string& stage_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Calendars.
  std::optional<Reply> ApplyAppointmentLocked(const Json& body, Json& record,
                                              const std::string& self_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json EventOut(const Json& record) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Custom objects.
  const Json* FindObjectLocked(const std::string& key_or_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json ObjectOut(const Json& object) const;
  std::vector<Json> StandardObjects() const;
  std::vector<const Json*> ObjectFieldsLocked(
      const std::string& object_key) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::string> ApplyPropertiesLocked(const Json& object,
                                                 const Json& properties,
                                                 Json& stored) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json RecordOut(const Json& record) const;
  // The object and record (a business as a record of "business") of
  // `schema` and `id`, or a 404 reply.
  std::optional<Reply> FindRecordLocked(const std::string& schema,
                                        const std::string& id, Json* object,
                                        Json* record) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The object key of a record id: "contact", "opportunity", "business" or
  // a custom object key; "" if there is no such record.
  std::string RecordKindLocked(const std::string& id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropRelationsLocked(const std::string& record_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json RelationOut(const Json& relation) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool KnownObjectKeyLocked(const std::string& key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string location_id_;
  const std::string company_id_;
  const std::vector<User> users_;
  const Json seed_pipelines_;
  const Json seed_calendars_;
  const Clock clock_;

  mutable absl::Mutex mu_;
  Settings settings_ ABSL_GUARDED_BY(mu_);
  Store store_ ABSL_GUARDED_BY(mu_);
};

}  // namespace bridgework::emulator::highlevel

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_BACKEND_H_
