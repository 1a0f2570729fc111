// The destination seam: one implementation per CRM, chosen by name from a
// registry. The loader core speaks only this interface.
//
// Error contract (every method):
//   INVALID_ARGUMENT  the CRM refused the record (400/422); permanent, the
//                     message is the CRM's own, never a field value of ours.
//   UNAUTHENTICATED / PERMISSION_DENIED  bad token or scope; stop the run.
//   NOT_FOUND         no such record.
//   RESOURCE_EXHAUSTED  rate limited and retries ran out; resume later.
//   UNAVAILABLE       transport or 5xx failure after retries. A message
//                     starting "ambiguous:" means a write may have been
//                     applied: look the record up before writing again.
// Thread safety: an instance is used by one thread at a time.
#ifndef BRIDGEWORK_LIBS_CRM_CRM_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_CRM_CONNECTOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "bridgework/v1/record.pb.h"
#include "libs/mapping/map.h"

namespace bridgework::crm {

struct CrmUser {
  std::string id;
  std::string email;
  std::string name;
};

// A target record with its references resolved to CRM ids.
struct ResolvedRecord {
  // Not owned; must outlive the call.
  const v1::TargetRecord* record = nullptr;
  // CRM user id of the owner; empty for none.
  std::string owner_id;
  // Lookup target field -> CRM ids (one unless the lookup is a list).
  std::map<std::string, std::vector<std::string>> lookup_ids;
};

// What a run needs the destination's schema to have before any record
// moves: the map's custom fields, custom objects and pipelines.
struct SchemaRequest {
  std::vector<mapping::CustomFieldSpec> fields;
  std::vector<mapping::CustomObjectSpec> objects;
  std::vector<mapping::PipelineSpec> pipelines;
  // Freshsales sales territories (created by an admin; reported when
  // missing). Other CRMs have no territories and ignore them.
  std::vector<std::string> territories;
};

// The outcome of schema preparation. Items read "<entity>.<name>"
// ("contacts.cf_patient_status", "pipeline Treatment plans",
// "custom_object treatment").
struct SchemaReport {
  std::vector<std::string> present;
  // Created by this call (only when `apply` was true).
  std::vector<std::string> created;
  // What this call would create with `apply` (only when it was false).
  std::vector<std::string> to_create;
  // What an administrator must create by hand before the load may start
  // (Freshsales has no field-creation API; pipelines in Freshsales and
  // HighLevel). Each entry is one exact instruction.
  std::vector<std::string> checklist;
  // Plan limits checked, one line each ("custom objects: 3 of 10").
  std::vector<std::string> limits;
  bool ready() const { return checklist.empty(); }
};

// One page of a listing.
struct ListPage {
  std::vector<nlohmann::json> records;
  // Opaque; empty on the last page.
  std::string next_page_token;
};

// Target object names are the CRM's own: Freshsales "contact",
// "sales_account", "deal", "deal_product" (a product line of a deal, id
// "<deal>/<product>"), "appointment", "sales_activity", "task", "note",
// "document", "product", "list" (a contact list: the campaign
// equivalent), "custom_object:<module>"; Pipedrive "person",
// "organization", "deal", "lead", "activity", "note", "file", "product";
// HighLevel "contact", "business", "opportunity", "appointment", "note",
// "task", "custom_object:<key>", "media", "product". Each connector's
// document (docs/connectors/) lists the fields it reads.
//
// Ids are opaque strings. A record that lives under a parent in the CRM's
// URL space (HighLevel notes and tasks under a contact) gets the id
// "<parent id>/<own id>", so Get and Delete need nothing else.
class CrmConnector {
 public:
  virtual ~CrmConnector() = default;

  // The account's users (for owner matching by email).
  virtual absl::StatusOr<std::vector<CrmUser>> ListUsers() = 0;
  // Compares `request` with the account. With `apply`, creates what the
  // CRM lets an API client create (Pipedrive fields, options, pipelines,
  // stages; HighLevel custom fields and objects) and remembers the CRM's
  // keys for them; without, only reports. FAILED_PRECONDITION when a plan
  // limit stops it (the message names the limit).
  //
  // Planned schema (dry runs): without `apply` the connector also
  // remembers what it would create as *planned* (to_create, and for CRMs
  // without a creation API the checklist an admin works through), under
  // placeholder ids that never leave the connector. PlanWrite treats
  // planned fields, options, custom objects, pipelines and stages as
  // present. Create, Update, Patch, Restore and BulkUpsert never use a
  // planned item: a write that would need one fails FAILED_PRECONDITION
  // (prepare with `apply` first) before sending it. Each call replaces what
  // the previous one planned; a call with `apply` plans nothing.
  virtual absl::StatusOr<SchemaReport> PrepareSchema(
      const SchemaRequest& request, bool apply) = 0;
  // Creates the record; returns its CRM id.
  virtual absl::StatusOr<std::string> Create(const ResolvedRecord& record) = 0;
  // Replaces the mapped fields of an existing record.
  virtual absl::Status Update(const std::string& id,
                              const ResolvedRecord& record) = 0;
  // Sets a few fields (deferred links) on an existing record. `fields` are
  // CRM field names (as in the map) to ids or values.
  virtual absl::Status Patch(const std::string& target_object,
                             const std::string& id,
                             const nlohmann::json& fields) = 0;
  // The record as the CRM returns it (JSON), or nullopt when it is gone
  // (404, or marked deleted where deletes are soft).
  virtual absl::StatusOr<std::optional<nlohmann::json>> Get(
      const std::string& target_object, const std::string& id) = 0;
  // Get of several records in as few requests as the CRM allows: result i
  // is record `ids[i]` of `records[i]`'s object (nullopt when gone), read
  // to be overwritten by `records[i]` (a delta's updates read each record
  // first: the before-image and the three-way check). The default calls
  // Get once per record; Freshsales reads contacts, accounts and deals 100
  // at a time by their external keys. REQUIRES: ids.size() ==
  // records.size(). An error means no result is known.
  virtual absl::StatusOr<std::vector<std::optional<nlohmann::json>>> GetMany(
      const std::vector<std::string>& ids,
      const std::vector<const v1::TargetRecord*>& records);
  // Deletes; NOT_FOUND when already gone.
  virtual absl::Status Delete(const std::string& target_object,
                              const std::string& id) = 0;
  // The id of the record whose `field` equals `key`, if any.
  virtual absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) = 0;
  // False for objects whose records hold the external key nowhere
  // FindByExternalKey can search (Pipedrive activities, notes, files;
  // HighLevel appointments, notes, tasks, media): FindByContent is then the
  // only way to learn whether a create happened. Default true.
  virtual bool FindsByExternalKey(const std::string& target_object) const {
    return true;
  }
  // The ids of the records of `record`'s object that hold what a create of
  // `record` leaves (WrittenProjection equals their projection), in the
  // CRM's order: after an ambiguous create or a crash between a create and
  // its outcome, for objects without a searchable external key. The caller
  // tells identical records of different source keys apart through the id
  // map. The default reads the whole object (List, page by page);
  // connectors override it where the parent's records can be read alone.
  // UNIMPLEMENTED when the object can be neither listed nor read by parent.
  virtual absl::StatusOr<std::vector<std::string>> FindByContent(
      const ResolvedRecord& record);
  // Makes sure the steps of a create beyond the record itself happened,
  // for a record `id` found (adopted) after an ambiguous create or a crash
  // between a create and its outcome: HighLevel relates a custom object
  // record to its contact with a second request, which the first may have
  // outlived. Idempotent: reads first, writes only what is missing. A
  // failure leaves the create's intent pending (the caller adopts and
  // completes again later). Default: nothing to do.
  virtual absl::Status CompleteCreate(const ResolvedRecord& record,
                                      const std::string& id) {
    return absl::OkStatus();
  }
  // One page of the object's records, in the CRM's own order. `page_token`
  // is empty for the first page. `page_size` is a hint (the CRM's maximum
  // wins).
  virtual absl::StatusOr<ListPage> List(const std::string& target_object,
                                        const std::string& page_token,
                                        int page_size) = 0;
  // True when `target_object` has a bulk upsert keyed by the external key
  // field (Freshsales bulk_upsert for contacts, accounts and deals).
  virtual bool SupportsBulkUpsert(const std::string& target_object) const {
    return false;
  }
  // Creates or updates up to 100 records of one object in one bulk request,
  // matched on each record's external_key_field; waits for the CRM's job to
  // finish. One result per record, in order: its CRM id, or its own error
  // (INVALID_ARGUMENT with the CRM's message). A whole-call error means no
  // per-record result is known. REQUIRES: SupportsBulkUpsert(object).
  virtual absl::StatusOr<std::vector<absl::StatusOr<std::string>>> BulkUpsert(
      const std::vector<ResolvedRecord>& records) {
    return absl::UnimplementedError("this CRM has no bulk upsert");
  }
  // The CRM's current values of what `record` writes, read from
  // `crm_record` (a record as Get returns it), in the map's names:
  //   {"fields": {name: value}, "custom_fields": {name: value},
  //    "lookups": {target_field: [crm ids]}}
  // Every field and custom field the record carries appears; one the CRM
  // record lacks is null. Values are as the CRM shows them to a person (a
  // pick-list's label, not an option id). Before-images, read-back diffs,
  // the delta's three-way check and rollback conflicts all compare
  // projections, so none of them depends on a CRM's wire shape.
  // The default reads top-level members (and Freshsales-style
  // "custom_field"); connectors with another shape override it.
  virtual absl::StatusOr<nlohmann::json> Project(
      const v1::TargetRecord& record, const nlohmann::json& crm_record);
  // What a write of `record` leaves in the CRM, as a projection: what the
  // ledger keeps (Operation.written, the id map) for the delta's three-way
  // check, rollback's conflict check and reconciliation. The default is
  // ExpectedProjection(*record.record, record.lookup_ids); a connector
  // leaves out what it does not write (Pipedrive activities, notes and
  // files have no custom fields to hold the external key).
  virtual nlohmann::json WrittenProjection(const ResolvedRecord& record) const;
  // WrittenProjection(record) without the record's external key field, as
  // compact JSON: the text the ledger keeps. The default writes
  // ExpectedProjection's text without building the JSON tree; a connector
  // that overrides WrittenProjection overrides this as well (usually as
  // ProjectionWithout(WrittenProjection(record), key field).dump()).
  virtual std::string WrittenText(const ResolvedRecord& record) const;
  // Writes a projection back (a before-image): every field, custom field
  // and lookup it names, null clearing the field. The default patches the
  // fields and custom fields flat; connectors with another shape override.
  virtual absl::Status Restore(const std::string& target_object,
                               const std::string& id,
                               const nlohmann::json& projection);
  // Builds the request(s) a create (or update) of `record` would send and
  // checks them against what the connector knows of the account and what
  // the last PrepareSchema without `apply` planned (the object is
  // supported, custom-field keys are known or planned), sending nothing.
  // Returns how many requests the write would take (a split note, an
  // attachment upload or list members add to one). INVALID_ARGUMENT names
  // the field that would be refused (one neither in the CRM nor planned);
  // FAILED_PRECONDITION when the connector has not read what it needs
  // (no PrepareSchema yet). Used by --dry-run.
  virtual absl::StatusOr<int> PlanWrite(const ResolvedRecord& record,
                                        bool create);
  // The owner of `crm_record` (a record of `target_object` as Get returns
  // it): the CRM user id, "" when the record has none, nullopt when the
  // object carries no owner in this CRM (Freshsales notes, Pipedrive
  // files). Reconciliation counts owned records with it. The default reads
  // a top-level "owner_id" (an id or an object with "id"); nullopt when
  // there is none.
  virtual std::optional<std::string> OwnerOf(
      const std::string& target_object, const nlohmann::json& crm_record) const;
  // Requests sent so far (retries included).
  virtual int64_t requests() const = 0;
};

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_CRM_CONNECTOR_H_
