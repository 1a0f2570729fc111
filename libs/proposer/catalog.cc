#include "libs/proposer/catalog.h"

#include <mutex>
#include <set>

namespace bridgework::proposer {
namespace {

// Routes every CRM shares: what stays in the practice system.
void AddCommonRoutes(std::vector<KindRoute>& r) {
  const std::vector<KindRoute> common = {
      {"staff", "reference", "", 0.9,
       "Staff map to CRM users by email; users are invited by an admin, not "
       "created"},
      {"catalog", "not_migrated", "", 0.6,
       "The practice's fee schedule; rebuild it as products if the CRM "
       "should quote treatments"},
      {"treatment", "not_migrated", "", 0.6,
       "Performed procedures are clinical history; a custom object can hold "
       "them if the practice wants them in the CRM"},
      {"insurance", "not_migrated", "", 0.6,
       "Insurance records belong on the patient (custom fields through a "
       "many-to-one route) if at all"},
      {"billing", "not_migrated", "", 0.7,
       "Payments, claims and invoices stay in the practice system"},
      {"communication", "not_migrated", "", 0.6,
       "Communication logs stay in the practice system"},
      {"campaign", "not_migrated", "", 0.6,
       "Campaigns are rebuilt in the CRM's marketing tools"},
      {"referral", "not_migrated", "", 0.6,
       "Referral sources are carried on the patient; referrer records stay"},
      {"clinical", "not_migrated", "", 0.85,
       "Clinical records (labs, prescriptions) are health data a CRM should "
       "not hold"},
      {"review", "not_migrated", "", 0.7,
       "Reviews are managed by the CRM's reputation features"},
      {"custom_property", "not_migrated", "", 0.6,
       "Custom patient properties become contact custom fields through a "
       "many-to-one route"},
      {"form", "not_migrated", "", 0.7,
       "Form submissions stay in the practice system"},
      {"workflow", "not_migrated", "", 0.9,
       "Automations and reports are rebuilt in the CRM, not migrated"},
      {"metric", "not_migrated", "", 0.8,
       "Practice KPI series have no CRM object"},
  };
  r.insert(r.end(), common.begin(), common.end());
}

using Concepts = std::vector<std::pair<const char*, double>>;

// Field constructors: a typed field, and modifiers.
TargetField F(const char* name, const char* type, Concepts concepts,
              const char* transform = "") {
  TargetField f{name, type, std::move(concepts)};
  f.transform = transform;
  return f;
}
TargetField Text(const char* name, Concepts concepts) {
  return F(name, "text", std::move(concepts));
}
TargetField Required(TargetField f) {
  f.required = true;
  return f;
}
TargetField Joined(TargetField f, const char* separator) {
  f.join = true;
  f.separator = separator;
  return f;
}
TargetField WithValues(TargetField f, ValueRule rule) {
  f.values = rule;
  return f;
}
// An end time that a duration field may give as start + minutes.
TargetField EndTime(const char* name) {
  TargetField f =
      F(name, "datetime", {{"end", 1}, {"duration", 0.9}}, "datetime");
  f.start_plus_duration = true;
  return f;
}
// A deal's stage; with `status`, the deal's open/won/lost beside it.
TargetField Stage(bool status) {
  TargetField f =
      WithValues(F("stage", "enum", {{"deal_stage", 1}}), ValueRule::kStage);
  if (status) {
    f.companion = "status";
    f.companion_values = ValueRule::kDealStatus;
  }
  return f;
}
// A postal address as the CRM's own fields: street (lines joined), city,
// state (a Turkish district fits it less), postal code, country.
std::vector<TargetField> Place(const char* street, const char* postal,
                               double district) {
  return {Joined(Text(street, {{"address_line1", 1}, {"address_line2", 0.9}}),
                 ", "),
          Text("city", {{"city", 1}}),
          Text("state", {{"state", 1}, {"district", district}}),
          Text(postal, {{"postal_code", 1}}),
          Text("country", {{"country", 1}})};
}
// A practice's phone.
TargetField OfficePhone() {
  return F("phone", "phone",
           {{"phone", 1}, {"work_phone", 0.8}, {"mobile_phone", 0.6}}, "phone");
}
std::vector<TargetField> Concat(std::vector<TargetField> a,
                                const std::vector<TargetField>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

CrmCatalog* MakeFreshsales() {
  auto* c = new CrmCatalog{"freshsales", "Freshsales", {}, {}};
  c->objects = {
      {"contact",
       "contacts",
       "external_id",
       true,
       Concat(
           {Text("first_name", {{"first_name", 1}}),
            Required(Text("last_name", {{"last_name", 1}, {"full_name", 0.5}})),
            F("email", "email", {{"email", 1}}, "email"),
            F("mobile_number", "phone",
              {{"mobile_phone", 1}, {"phone", 0.8}, {"other_phone", 0.3}},
              "phone"),
            F("work_number", "phone",
              {{"work_phone", 1},
               {"home_phone", 0.8},
               {"phone", 0.6},
               {"other_phone", 0.35}},
              "phone"),
            Text("job_title", {{"job_title", 1}})},
           Place("address", "zipcode", 0.75)),
       {{"sales_accounts", "sales_account", true}},
       {}},
      {"sales_account",
       "sales_accounts",
       "cf_bridgework_key",
       true,
       Concat({Required(Text("name", {{"org_name", 1}})), OfficePhone(),
               Text("website", {{"website", 1}})},
              Place("address", "zipcode", 0.75)),
       {{"parent_sales_account_id", "sales_account", false, true}},
       {}},
      {"deal",
       "deals",
       "cf_bridgework_key",
       true,
       {Required(Text("name", {{"deal_title", 1}})),
        F("amount", "number", {{"amount", 1}}), Stage(false),
        F("expected_close", "date", {{"closed_on", 0.7}}, "date")},
       {{"contacts_added_list", "contact", true},
        {"sales_account_id", "sales_account"}},
       {},
       "Treatment plans"},
      {"sales_activity",
       "sales_activities",
       "cf_bridgework_key",
       true,
       {Required(Text("title", {{"event_type", 1}, {"note_title", 0.5}})),
        Required(F("start_date", "datetime", {{"start", 1}}, "datetime")),
        EndTime("end_date"),
        Joined(F("notes", "textarea",
                 {{"note_body", 1},
                  {"event_status", 0.7},
                  {"cancel_reason", 0.4}}),
               ": ")},
       {{"targetable_id", "contact"}},
       {{"sales_activity_type", "Appointment"}}},
      // Appointments (Freshsales' events): no custom fields; the owner
      // attends.
      {"appointment",
       nullptr,
       "",
       true,
       {Required(Text("title", {{"event_type", 1}, {"note_title", 0.5}})),
        Required(F("from_date", "datetime", {{"start", 1}}, "datetime")),
        EndTime("end_date"), Text("location", {{"operatory", 0.6}}),
        Joined(F("description", "textarea",
                 {{"note_body", 1},
                  {"event_status", 0.7},
                  {"cancel_reason", 0.4},
                  {"procedure_codes", 0.4}}),
               "\n")},
       {{"targetable_id", "contact"}},
       {}},
      {"task",
       nullptr,
       "",
       true,
       {Required(Text("title", {{"task_title", 1}, {"note_title", 0.5}})),
        Required(F("due_date", "datetime", {{"due_date", 1}}, "datetime")),
        // 0 open, 1 completed.
        WithValues(F("status", "number", {{"task_status", 1}}, "number"),
                   ValueRule::kDoneNumber),
        Joined(F("description", "textarea",
                 {{"note_body", 1}, {"task_status", 0.6}, {"channel", 0.5}}),
               ", ")},
       {{"targetable_id", "contact"}},
       {}},
      {"note",
       nullptr,
       "",
       false,
       {Required(Joined(F("description", "textarea",
                          {{"note_body", 1}, {"note_title", 0.9}}),
                        "\n"))},
       {{"targetable_id", "contact"}},
       {}},
      {"document",
       nullptr,
       "",
       false,
       {Text("name", {{"file_name", 1}, {"document_title", 0.8}})},
       {{"targetable_id", "contact"}},
       {}},
  };
  c->routes = {
      {"patient", "load", "contact", 0.95, "Patients are Freshsales contacts"},
      {"location", "load", "sales_account", 0.95,
       "Practice locations are accounts; patients link to theirs"},
      {"appointment", "load", "sales_activity", 0.8,
       "Appointments become sales activities at their original times"},
      {"treatment_plan", "load", "deal", 0.85,
       "Treatment plans are deals in a treatment pipeline"},
      {"note", "load", "note", 0.8, "Notes go on the patient's contact"},
      {"recall", "load", "task", 0.8, "Recalls become tasks due on the date"},
      {"document", "load", "document", 0.65,
       "Documents are uploaded to the patient's contact"},
  };
  AddCommonRoutes(c->routes);
  return c;
}

CrmCatalog* MakePipedrive() {
  auto* c = new CrmCatalog{"pipedrive", "Pipedrive", {}, {}};
  const std::vector<TargetLink> person_org_deal = {
      {"person_id", "person"}, {"org_id", "organization"}, {"deal_id", "deal"}};
  TargetField due =
      Required(F("due_date", "date", {{"start", 1}, {"due_date", 1}}, "date"));
  due.zone = "UTC";
  due.companion = "due_time";
  due.companion_transform = "time";
  TargetField add_time =
      F("add_time", "datetime", {{"recorded_at", 1}, {"created_at", 0.9}},
        "datetime");
  add_time.zone = "UTC";
  c->objects = {
      {"person",
       "persons",
       "cf_bridgework_key",
       true,
       {Required(Joined(
            Text("name",
                 {{"full_name", 1}, {"first_name", 0.95}, {"last_name", 0.95}}),
            " ")),
        F("emails", "email", {{"email", 1}}, "email"),
        F("phones", "phone",
          {{"mobile_phone", 1},
           {"phone", 0.9},
           {"home_phone", 0.7},
           {"work_phone", 0.7},
           {"other_phone", 0.4}},
          "phone")},
       {{"org_id", "organization"}},
       {}},
      {"organization",
       "organizations",
       "cf_bridgework_key",
       true,
       {Required(Text("name", {{"org_name", 1}})),
        // One address field: street, city, state, postal code, country.
        Joined(Text("address", {{"address_line1", 1},
                                {"address_line2", 0.9},
                                {"city", 0.85},
                                {"district", 0.8},
                                {"state", 0.85},
                                {"postal_code", 0.85},
                                {"country", 0.85}}),
               ", ")},
       {},
       {}},
      {"deal",
       "deals",
       "cf_bridgework_key",
       true,
       {Required(Text("title", {{"deal_title", 1}})),
        F("value", "number", {{"amount", 1}}), Stage(true),
        F("expected_close_date", "date", {{"closed_on", 0.7}}, "date")},
       {{"person_id", "person"}, {"org_id", "organization"}},
       {},
       "Treatment plans"},
      {"activity",
       nullptr,
       "cf_bridgework_key",
       true,
       {Required(
            Text("subject",
                 {{"event_type", 1}, {"task_title", 1}, {"note_title", 0.6}})),
        due, F("duration", "duration", {{"duration", 1}}, "hhmm"),
        WithValues(
            F("done", "bool", {{"event_status", 0.8}, {"task_status", 0.9}}),
            ValueRule::kDone),
        Joined(F("note", "textarea",
                 {{"note_body", 1}, {"cancel_reason", 0.4}, {"channel", 0.4}}),
               ": ")},
       person_org_deal,
       {{"type", "meeting", "appointment"}, {"type", "task", "recall"}}},
      {"note",
       nullptr,
       "cf_bridgework_key",
       false,
       {Required(Joined(
            F("content", "textarea", {{"note_body", 1}, {"note_title", 0.8}}),
            "\n")),
        add_time},
       person_org_deal,
       {}},
      {"file",
       nullptr,
       "cf_bridgework_key",
       false,
       {Required(Text("name", {{"file_name", 1}, {"document_title", 0.8}}))},
       {{"person_id", "person"}, {"deal_id", "deal"}},
       {}},
  };
  c->routes = {
      {"patient", "load", "person", 0.95, "Patients are Pipedrive persons"},
      {"location", "load", "organization", 0.95,
       "Practice locations are organizations; persons link to theirs"},
      {"appointment", "load", "activity", 0.85,
       "Appointments become meeting activities at their original times"},
      {"treatment_plan", "load", "deal", 0.85,
       "Treatment plans are deals in a treatment pipeline"},
      {"note", "load", "note", 0.8, "Notes go on the patient's person"},
      {"recall", "load", "activity", 0.8,
       "Recalls become task activities due on the date"},
      {"document", "load", "file", 0.65,
       "Documents are uploaded as files on the person"},
  };
  AddCommonRoutes(c->routes);
  return c;
}

CrmCatalog* MakeHighLevel() {
  auto* c = new CrmCatalog{"highlevel", "HighLevel", {}, {}};
  c->objects = {
      {"contact",
       "contacts",
       "cf_bridgework_key",
       true,
       Concat(
           {Text("firstName", {{"first_name", 1}}),
            Required(Text("lastName", {{"last_name", 1}, {"full_name", 0.5}})),
            F("email", "email", {{"email", 1}}, "email"),
            F("phone", "phone",
              {{"mobile_phone", 1},
               {"phone", 0.9},
               {"home_phone", 0.7},
               {"work_phone", 0.65},
               {"other_phone", 0.35}},
              "phone"),
            F("dateOfBirth", "date", {{"birth_date", 1}}, "date"),
            Text("source", {{"lead_source", 1}}),
            Text("gender", {{"gender", 1}}), Text("website", {{"website", 1}}),
            Text("companyName", {{"employer", 0.7}}),
            Text("timezone", {{"time_zone", 0.8}})},
           Place("address1", "postalCode", 0.7)),
       {{"businessId", "business"}},
       {}},
      {"business",
       "businesses",
       "cf_bridgework_key",
       false,
       Concat({Required(Text("name", {{"org_name", 1}})), OfficePhone(),
               F("email", "email", {{"email", 1}}, "email"),
               Text("website", {{"website", 1}})},
              Place("address", "postalCode", 0.7)),
       {},
       {}},
      {"opportunity",
       "opportunities",
       "cf_bridgework_key",
       true,
       {Required(Text("name", {{"deal_title", 1}})),
        F("monetaryValue", "number", {{"amount", 1}}), Stage(true)},
       {{"contactId", "contact"}},
       {},
       "Treatment plans"},
      {"appointment",
       nullptr,
       "",
       true,
       {Required(Text("title", {{"event_type", 1}})),
        Required(F("startTime", "datetime", {{"start", 1}}, "datetime")),
        EndTime("endTime"),
        WithValues(F("appointmentStatus", "enum", {{"event_status", 0.9}}),
                   ValueRule::kAppointmentStatus),
        Joined(F("description", "textarea",
                 {{"note_body", 1}, {"cancel_reason", 0.4}}),
               ": ")},
       {{"contactId", "contact"}},
       {}},
      {"task",
       nullptr,
       "",
       true,
       {Required(Text("title", {{"task_title", 1}, {"note_title", 0.5}})),
        Joined(F("body", "textarea", {{"note_body", 1}, {"channel", 0.4}}),
               ", "),
        Required(F("dueDate", "date", {{"due_date", 1}}, "date")),
        WithValues(F("completed", "bool", {{"task_status", 1}}),
                   ValueRule::kDone)},
       {{"contactId", "contact"}},
       {}},
      {"note",
       nullptr,
       "",
       true,
       {Required(Joined(
           F("body", "textarea", {{"note_body", 1}, {"note_title", 0.8}}),
           "\n"))},
       {{"contactId", "contact"}},
       {}},
  };
  c->routes = {
      {"patient", "load", "contact", 0.95, "Patients are HighLevel contacts"},
      {"location", "load", "business", 0.9,
       "Practice locations are businesses; contacts link to theirs"},
      {"appointment", "load", "appointment", 0.75,
       "Appointments are booked on the location's calendar at their "
       "original times"},
      {"treatment_plan", "load", "opportunity", 0.85,
       "Treatment plans are opportunities in a treatment pipeline"},
      {"note", "load", "note", 0.8, "Notes go on the patient's contact"},
      {"recall", "load", "task", 0.8, "Recalls become tasks due on the date"},
      {"document", "not_migrated", "", 0.6,
       "HighLevel's media library does not link a file to a contact"},
  };
  AddCommonRoutes(c->routes);
  return c;
}

const std::vector<const CrmCatalog*>& All() {
  static const auto* kAll = new std::vector<const CrmCatalog*>{
      MakeFreshsales(), MakePipedrive(), MakeHighLevel()};
  return *kAll;
}

// Interned names for custom object targets (TargetObject holds pointers).
const char* Intern(const std::string& s) {
  static std::mutex mu;
  static auto* names = new std::set<std::string>();
  std::lock_guard<std::mutex> lock(mu);
  return names->insert(s).first->c_str();
}

}  // namespace

const TargetField* TargetObject::Field(std::string_view n) const {
  for (const TargetField& f : fields) {
    if (n == f.name) return &f;
  }
  return nullptr;
}

const TargetObject* CrmCatalog::Object(std::string_view n) const {
  for (const TargetObject& o : objects) {
    if (n == o.name) return &o;
  }
  return nullptr;
}

const KindRoute* CrmCatalog::RouteOf(std::string_view kind) const {
  for (const KindRoute& r : routes) {
    if (kind == r.kind) return &r;
  }
  return nullptr;
}

const CrmCatalog* FindCrm(std::string_view id) {
  for (const CrmCatalog* c : All()) {
    if (id == c->id) return c;
  }
  return nullptr;
}

std::vector<std::string> CrmIds() {
  std::vector<std::string> ids;
  for (const CrmCatalog* c : All()) ids.push_back(c->id);
  return ids;
}

TargetObject CustomObjectTarget(std::string_view crm,
                                const std::string& target_name) {
  TargetObject t;
  t.name = Intern(target_name);
  t.entity = t.name;
  t.external_key_field = "cf_bridgework_key";
  t.owner = true;
  t.fields = {Required(Text("name", {{"deal_title", 0.8},
                                     {"org_name", 0.8},
                                     {"event_type", 0.7},
                                     {"task_title", 0.7},
                                     {"note_title", 0.6}}))};
  if (crm == "highlevel") t.links = {{"contactId", "contact"}};
  return t;
}

}  // namespace bridgework::proposer
