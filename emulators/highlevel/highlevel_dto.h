// Request-body whitelists of the HighLevel API v2 emulator, one per DTO of
// the official specs (/work/shared/specs/highlevel/v2/*.json), and a
// validator that answers like HighLevel's NestJS ValidationPipe
// (whitelist + forbidNonWhitelisted, class-validator messages):
//   "property gender should not exist"
//   "locationId should not be empty", "locationId must be a string"
//   "status must be one of the following values: open, won, lost, abandoned"
//   "dndSettings.Call.status must be one of the following values: ..."
//   "customFields.0.property value should not exist"
// Messages name properties, never values.
//
// Thread safety: the tables are immutable after first use; everything here
// may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_DTO_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_DTO_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bridgework::emulator::highlevel {

struct Dto;

enum class Kind {
  kString,
  kNumber,
  kBoolean,
  kStringArray,
  kObject,       // any JSON object
  kArray,        // any JSON array
  kAny,          // checked by the handler (dates, custom field values)
  kNested,       // an object validated against `nested`
  kNestedArray,  // an array of objects validated against `nested`
};

struct Field {
  std::string name;
  Kind kind = Kind::kString;
  bool required = false;
  // kString only: the allowed values (empty: any string).
  std::vector<std::string> one_of;
  const Dto* nested = nullptr;
};

struct Dto {
  std::string name;
  std::vector<Field> fields;
  const Field* Find(const std::string& name) const;
};

// The class-validator messages for `body` against `dto`; empty when valid.
// A body that is not an object gives one message. Optional fields accept
// null (class-validator's @IsOptional); required ones do not. `prefix` is
// prepended to every message of a nested DTO ("dndSettings.").
std::vector<std::string> Validate(const Dto& dto, const nlohmann::json& body,
                                  const std::string& prefix = "");

// Contacts (contacts.json).
const Dto& CreateContactDto();
const Dto& UpdateContactDto();
const Dto& UpsertContactDto();
const Dto& NotesDto();
const Dto& UpdateNoteDto();
const Dto& CreateTaskDto();
const Dto& UpdateTaskDto();
const Dto& UpdateTaskStatusDto();
const Dto& TagsDto();
const Dto& ContactsBusinessUpdateDto();
// POST /contacts/search: the spec's SearchBodyV2DTO is empty; this is the
// body the emulator assumes (docs/connectors/highlevel-emulator.md).
const Dto& SearchContactsDto();

// Businesses (businesses.json).
const Dto& CreateBusinessDto();
const Dto& UpdateBusinessDto();

// Opportunities (opportunities.json).
const Dto& CreateOpportunityDto();
const Dto& UpdateOpportunityDto();
const Dto& UpdateOpportunityStatusDto();
// UpsertOpportunityDto plus contactId (see the emulator doc).
const Dto& UpsertOpportunityDto();
// OpportunitySearchBodyDTO plus "filters" and "sort" (see the doc).
const Dto& SearchOpportunitiesDto();

// Calendars (calendars.json).
const Dto& AppointmentCreateDto();
const Dto& AppointmentEditDto();

// Location custom fields (locations.json) plus "options" (see the doc).
const Dto& CreateLocationCustomFieldDto();
const Dto& UpdateLocationCustomFieldDto();
// Custom fields v2 (custom-fields.json), for custom object fields.
const Dto& CreateObjectFieldDto();
const Dto& UpdateObjectFieldDto();

// Custom objects (objects.json).
const Dto& CreateCustomObjectDto();
const Dto& UpdateCustomObjectDto();
// The record DTOs are empty in the spec; these are the assumed bodies.
const Dto& CreateRecordDto();
const Dto& UpdateRecordDto();
const Dto& SearchRecordsDto();

// Associations (associations.json).
const Dto& CreateAssociationDto();
const Dto& UpdateAssociationDto();
const Dto& CreateRelationDto();

// Users and products.
const Dto& FilterUsersByEmailDto();
const Dto& CreateProductDto();
const Dto& UpdateProductDto();

}  // namespace bridgework::emulator::highlevel

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_HIGHLEVEL_DTO_H_
