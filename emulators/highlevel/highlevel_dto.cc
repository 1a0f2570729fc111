#include "emulators/highlevel/highlevel_dto.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace bridgework::emulator::highlevel {
namespace {

using Json = nlohmann::json;

constexpr Kind kStr = Kind::kString;
constexpr Kind kNum = Kind::kNumber;
constexpr Kind kBool = Kind::kBoolean;
constexpr Kind kStrs = Kind::kStringArray;
constexpr Kind kObj = Kind::kObject;
constexpr Kind kArr = Kind::kArray;
constexpr Kind kAny = Kind::kAny;

Field Req(std::string name, Kind kind = kStr) {
  return Field{std::move(name), kind, true, {}, nullptr};
}
Field Opt(std::string name, Kind kind = kStr) {
  return Field{std::move(name), kind, false, {}, nullptr};
}
Field Enum(std::string name, std::vector<std::string> values,
           bool required = false) {
  return Field{std::move(name), kStr, required, std::move(values), nullptr};
}
Field Nested(std::string name, const Dto& dto, bool required = false) {
  return Field{std::move(name), Kind::kNested, required, {}, &dto};
}
Field NestedArray(std::string name, const Dto& dto, bool required = false) {
  return Field{std::move(name), Kind::kNestedArray, required, {}, &dto};
}

// Leaked on purpose: function-local statics with trivial destruction.
const Dto& Make(std::string name, std::vector<Field> fields) {
  return *new Dto{std::move(name), std::move(fields)};
}

std::string TypeMessage(const Field& f, const std::string& path) {
  switch (f.kind) {
    case Kind::kString:
      if (!f.one_of.empty()) {
        return absl::StrCat(path, " must be one of the following values: ",
                            absl::StrJoin(f.one_of, ", "));
      }
      return absl::StrCat(path, " must be a string");
    case Kind::kNumber:
      return absl::StrCat(
          path, " must be a number conforming to the specified constraints");
    case Kind::kBoolean:
      return absl::StrCat(path, " must be a boolean value");
    case Kind::kStringArray:
    case Kind::kArray:
    case Kind::kNestedArray:
      return absl::StrCat(path, " must be an array");
    case Kind::kObject:
      return absl::StrCat(path, " must be an object");
    case Kind::kNested:
      return absl::StrCat("nested property ", path,
                          " must be either object or array");
    case Kind::kAny:
      return absl::StrCat(path, " has an invalid value");
  }
  return absl::StrCat(path, " is invalid");
}

void CheckValue(const Field& f, const Json& v, const std::string& path,
                std::vector<std::string>& out) {
  switch (f.kind) {
    case Kind::kString:
      if (!v.is_string()) {
        out.push_back(TypeMessage(f, path));
      } else if (!f.one_of.empty()) {
        bool ok = false;
        for (const auto& allowed : f.one_of) ok = ok || v == allowed;
        if (!ok) out.push_back(TypeMessage(f, path));
      } else if (f.required && v.get_ref<const std::string&>().empty()) {
        out.push_back(absl::StrCat(path, " should not be empty"));
      }
      return;
    case Kind::kNumber:
      if (!v.is_number()) out.push_back(TypeMessage(f, path));
      return;
    case Kind::kBoolean:
      if (!v.is_boolean()) out.push_back(TypeMessage(f, path));
      return;
    case Kind::kStringArray:
      if (!v.is_array()) {
        out.push_back(TypeMessage(f, path));
        return;
      }
      for (const auto& item : v) {
        if (!item.is_string()) {
          out.push_back(
              absl::StrCat("each value in ", path, " must be a string"));
          return;
        }
      }
      return;
    case Kind::kObject:
      if (!v.is_object()) out.push_back(TypeMessage(f, path));
      return;
    case Kind::kArray:
      if (!v.is_array()) out.push_back(TypeMessage(f, path));
      return;
    case Kind::kAny:
      return;
    case Kind::kNested:
      if (!v.is_object()) {
        out.push_back(TypeMessage(f, path));
        return;
      }
      for (auto& m : Validate(*f.nested, v, path + ".")) {
        out.push_back(std::move(m));
      }
      return;
    case Kind::kNestedArray:
      if (!v.is_array()) {
        out.push_back(TypeMessage(f, path));
        return;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        std::string item_path = absl::StrCat(path, ".", i);
        if (!v[i].is_object()) {
          out.push_back(absl::StrCat("nested property ", item_path,
                                     " must be either object or array"));
          continue;
        }
        for (auto& m : Validate(*f.nested, v[i], item_path + ".")) {
          out.push_back(std::move(m));
        }
      }
      return;
  }
}

// Shared nested DTOs.
const Dto& DndSettingDto() {
  static const Dto& d =
      Make("DndSettingSchema",
           {Enum("status", {"active", "inactive", "permanent"}, true),
            Opt("message"), Opt("code")});
  return d;
}

const Dto& DndSettingsDto() {
  static const Dto& d =
      Make("DndSettingsSchema",
           {Nested("Call", DndSettingDto()), Nested("Email", DndSettingDto()),
            Nested("SMS", DndSettingDto()), Nested("WhatsApp", DndSettingDto()),
            Nested("GMB", DndSettingDto()), Nested("FB", DndSettingDto())});
  return d;
}

const Dto& InboundDndSettingsDto() {
  static const Dto& inner =
      Make("InboundDndSettingSchema",
           {Enum("status", {"active", "inactive"}, true), Opt("message")});
  static const Dto& d =
      Make("InboundDndSettingsSchema", {Nested("all", inner)});
  return d;
}

// {id | key, field_value}: the value is checked against the field's
// dataType by the handler.
const Dto& CustomFieldInputDto() {
  static const Dto& d = Make("CustomFieldInput",
                             {Opt("id"), Opt("key"), Opt("field_value", kAny)});
  return d;
}

std::vector<Field> ContactFields(bool create, bool upsert) {
  std::vector<Field> f = {
      Opt("firstName"),
      Opt("lastName"),
      Opt("name"),
      Opt("email"),
      Opt("phone"),
      Opt("address1"),
      Opt("city"),
      Opt("state"),
      Opt("postalCode"),
      Opt("website"),
      Opt("timezone"),
      Opt("dnd", kBool),
      Nested("dndSettings", DndSettingsDto()),
      Nested("inboundDndSettings", InboundDndSettingsDto()),
      Opt("tags", kStrs),
      NestedArray("customFields", CustomFieldInputDto()),
      Opt("source"),
      Opt("dateOfBirth", kAny),
      Opt("country"),
      Opt("assignedTo"),
  };
  if (create) {
    f.push_back(Req("locationId"));
    f.push_back(Opt("gender"));
    f.push_back(Opt("companyName"));
  }
  if (upsert) f.push_back(Opt("createNewIfDuplicateAllowed", kBool));
  return f;
}

const std::vector<std::string>& OpportunityStatuses() {
  static const auto* v =
      new std::vector<std::string>{"open", "won", "lost", "abandoned", "all"};
  return *v;
}

const std::vector<std::string>& AppointmentStatuses() {
  static const auto* v = new std::vector<std::string>{
      "new", "confirmed", "cancelled", "showed", "noshow", "invalid"};
  return *v;
}

const std::vector<std::string>& MeetingLocationTypes() {
  static const auto* v = new std::vector<std::string>{
      "custom", "zoom", "gmeet", "phone", "address", "ms_teams", "google"};
  return *v;
}

std::vector<Field> AppointmentFields(bool create) {
  std::vector<Field> f = {
      Opt("title"),
      Enum("meetingLocationType", MeetingLocationTypes()),
      Opt("meetingLocationId"),
      Opt("overrideLocationConfig", kBool),
      Enum("appointmentStatus", AppointmentStatuses()),
      Opt("assignedUserId"),
      Opt("description"),
      Opt("address"),
      Opt("ignoreDateRange", kBool),
      Opt("toNotify", kBool),
      Opt("ignoreFreeSlotValidation", kBool),
      Opt("rrule"),
      Opt("endTime"),
  };
  if (create) {
    f.push_back(Req("calendarId"));
    f.push_back(Req("locationId"));
    f.push_back(Req("contactId"));
    f.push_back(Req("startTime"));
  } else {
    f.push_back(Opt("calendarId"));
    f.push_back(Opt("startTime"));
  }
  return f;
}

const Dto& TextBoxListOptionDto() {
  static const Dto& d =
      Make("textBoxListOptionsSchema", {Opt("label"), Opt("prefillValue")});
  return d;
}

std::vector<Field> LocationFieldFields(bool create) {
  std::vector<Field> f = {
      Req("name"),
      Opt("placeholder"),
      Opt("acceptedFormat", kStrs),
      Opt("isMultipleFile", kBool),
      Opt("maxNumberOfFiles", kNum),
      NestedArray("textBoxListOptions", TextBoxListOptionDto()),
      Opt("position", kNum),
      Enum("model", {"contact", "opportunity"}),
      // Not in the spec's DTO: the picklist of option fields.
      Opt("options", kStrs),
  };
  if (create) f.push_back(Req("dataType"));
  return f;
}

const Dto& OptionDto() {
  static const Dto& d =
      Make("OptionDTO", {Req("key"), Req("label"), Opt("url")});
  return d;
}

const std::vector<std::string>& AcceptedFormats() {
  static const auto* v = new std::vector<std::string>{
      ".pdf", ".docx", ".doc",  ".jpg", ".jpeg", ".png",
      ".gif", ".csv",  ".xlsx", ".xls", "all"};
  return *v;
}

const Dto& ProductMediaDto() {
  static const Dto& d = Make("ProductMediaDto",
                             {Req("id"), Opt("title"), Req("url"),
                              Enum("type", {"image", "video"}, true),
                              Opt("isFeatured", kBool), Opt("priceIds", kArr)});
  return d;
}

const Dto& ProductVariantDto() {
  static const Dto& option =
      Make("ProductVariantOptionDto", {Req("id"), Req("name")});
  static const Dto& d =
      Make("ProductVariantDto",
           {Req("id"), Req("name"), NestedArray("options", option, true)});
  return d;
}

std::vector<Field> ProductFields(bool update) {
  static const Dto& label =
      Make("ProductLabelDto", {Req("title"), Opt("startDate"), Opt("endDate")});
  static const Dto& seo =
      Make("ProductSEODto", {Opt("title"), Opt("description")});
  std::vector<Field> f = {
      Req("name"),
      Req("locationId"),
      Opt("description"),
      Enum("productType",
           {"DIGITAL", "PHYSICAL", "SERVICE", "PHYSICAL/DIGITAL"}, true),
      Opt("image"),
      Opt("statementDescriptor"),
      Opt("availableInStore", kBool),
      NestedArray("medias", ProductMediaDto()),
      NestedArray("variants", ProductVariantDto()),
      Opt("collectionIds", kStrs),
      Opt("isTaxesEnabled", kBool),
      Opt("taxes", kStrs),
      Opt("automaticTaxCategoryId"),
      Opt("isLabelEnabled", kBool),
      Nested("label", label),
      Opt("slug"),
      Nested("seo", seo),
      Opt("taxInclusive", kBool),
  };
  if (update) f.push_back(Opt("prices", kStrs));
  return f;
}

}  // namespace

const Field* Dto::Find(const std::string& field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

std::vector<std::string> Validate(const Dto& dto, const Json& body,
                                  const std::string& prefix) {
  std::vector<std::string> out;
  if (!body.is_object()) {
    out.push_back(prefix.empty()
                      ? "the request body must be a JSON object"
                      : absl::StrCat("nested property ",
                                     prefix.substr(0, prefix.size() - 1),
                                     " must be either object or "
                                     "array"));
    return out;
  }
  for (const auto& [key, unused] : body.items()) {
    if (dto.Find(key) == nullptr) {
      out.push_back(
          absl::StrCat(prefix, "property ", key, " should not exist"));
    }
  }
  for (const auto& f : dto.fields) {
    std::string path = prefix + f.name;
    auto it = body.find(f.name);
    if (it == body.end() || it->is_null()) {
      if (f.required) {
        out.push_back(absl::StrCat(path, " should not be empty"));
        out.push_back(TypeMessage(f, path));
      }
      continue;
    }
    CheckValue(f, *it, path, out);
  }
  return out;
}

const Dto& CreateContactDto() {
  static const Dto& d = Make("CreateContactDto", ContactFields(true, false));
  return d;
}

const Dto& UpdateContactDto() {
  static const Dto& d = Make("UpdateContactDto", ContactFields(false, false));
  return d;
}

const Dto& UpsertContactDto() {
  static const Dto& d = Make("UpsertContactDto", ContactFields(true, true));
  return d;
}

const Dto& NotesDto() {
  static const Dto& d =
      Make("NotesDTO", {Opt("userId"), Req("body"), Opt("title"), Opt("color"),
                        Opt("pinned", kBool)});
  return d;
}

const Dto& UpdateNoteDto() {
  static const Dto& d =
      Make("UpdateNoteDTO", {Opt("userId"), Opt("body"), Opt("title"),
                             Opt("color"), Opt("pinned", kBool)});
  return d;
}

const Dto& CreateTaskDto() {
  static const Dto& d =
      Make("CreateTaskParams", {Req("title"), Opt("body"), Req("dueDate"),
                                Req("completed", kBool), Opt("assignedTo")});
  return d;
}

const Dto& UpdateTaskDto() {
  static const Dto& d =
      Make("UpdateTaskBody", {Opt("title"), Opt("body"), Opt("dueDate"),
                              Opt("completed", kBool), Opt("assignedTo")});
  return d;
}

const Dto& UpdateTaskStatusDto() {
  static const Dto& d =
      Make("UpdateTaskStatusParams", {Req("completed", kBool)});
  return d;
}

const Dto& TagsDto() {
  static const Dto& d = Make("TagsDTO", {Req("tags", kStrs)});
  return d;
}

const Dto& ContactsBusinessUpdateDto() {
  // businessId is required but nullable: null removes the link. The
  // handler checks its presence.
  static const Dto& d =
      Make("ContactsBusinessUpdate",
           {Req("locationId"), Req("ids", kStrs), Opt("businessId")});
  return d;
}

const Dto& SearchContactsDto() {
  static const Dto& d =
      Make("SearchContactsBody",
           {Req("locationId"), Opt("page", kNum), Opt("pageLimit", kNum),
            Opt("searchAfter", kArr), Opt("filters", kArr), Opt("sort", kArr),
            Opt("query")});
  return d;
}

const Dto& CreateBusinessDto() {
  static const Dto& d =
      Make("CreateBusinessDto",
           {Req("name"), Req("locationId"), Opt("phone"), Opt("email"),
            Opt("website"), Opt("address"), Opt("city"), Opt("postalCode"),
            Opt("state"), Opt("country"), Opt("description")});
  return d;
}

const Dto& UpdateBusinessDto() {
  static const Dto& d =
      Make("UpdateBusinessDto",
           {Opt("name"), Opt("phone"), Opt("email"), Opt("postalCode"),
            Opt("website"), Opt("address"), Opt("state"), Opt("city"),
            Opt("country"), Opt("description")});
  return d;
}

namespace {
const Dto& OpportunityCustomFieldInputDto() {
  static const Dto& d = Make("customFieldsInputSchema",
                             {Opt("id"), Opt("key"), Opt("field_value", kAny)});
  return d;
}
}  // namespace

const Dto& CreateOpportunityDto() {
  static const Dto& d =
      Make("CreateDto",
           {Req("pipelineId"), Req("locationId"), Req("name"),
            Opt("pipelineStageId"), Enum("status", OpportunityStatuses(), true),
            Req("contactId"), Opt("monetaryValue", kNum), Opt("assignedTo"),
            NestedArray("customFields", OpportunityCustomFieldInputDto())});
  return d;
}

const Dto& UpdateOpportunityDto() {
  static const Dto& d =
      Make("UpdateOpportunityDto",
           {Opt("pipelineId"), Opt("name"), Opt("pipelineStageId"),
            Enum("status", OpportunityStatuses()), Opt("monetaryValue", kNum),
            Opt("assignedTo"),
            NestedArray("customFields", OpportunityCustomFieldInputDto())});
  return d;
}

const Dto& UpdateOpportunityStatusDto() {
  static const Dto& d =
      Make("UpdateStatusDto",
           {Enum("status", OpportunityStatuses(), true), Opt("lostReasonId")});
  return d;
}

const Dto& UpsertOpportunityDto() {
  static const Dto& d =
      Make("UpsertOpportunityDto",
           {Opt("id"), Req("pipelineId"), Req("locationId"),
            Opt("followers", kStrs), Opt("isRemoveAllFollowers", kBool),
            Enum("followersActionType", {"add", "remove"}), Opt("name"),
            Enum("status", OpportunityStatuses()), Opt("pipelineStageId"),
            Opt("monetaryValue", kNum), Opt("assignedTo"), Opt("lostReasonId"),
            // Not in the spec's DTO; the live API takes it (see the doc).
            Opt("contactId")});
  return d;
}

const Dto& SearchOpportunitiesDto() {
  static const Dto& details =
      Make("AdditionalDetailsDTO",
           {Opt("notes", kBool), Opt("tasks", kBool),
            Opt("calendarEvents", kBool), Opt("unReadConversations", kBool)});
  static const Dto& d = Make(
      "OpportunitySearchBodyDTO",
      {Req("locationId"), Opt("query"), Opt("limit", kNum), Opt("page", kNum),
       Opt("searchAfter", kArr), Nested("additionalDetails", details),
       Opt("filters", kArr), Opt("sort", kArr)});
  return d;
}

const Dto& AppointmentCreateDto() {
  static const Dto& d =
      Make("AppointmentCreateSchema", AppointmentFields(true));
  return d;
}

const Dto& AppointmentEditDto() {
  static const Dto& d = Make("AppointmentEditSchema", AppointmentFields(false));
  return d;
}

const Dto& CreateLocationCustomFieldDto() {
  static const Dto& d =
      Make("CreateCustomFieldsDTO", LocationFieldFields(true));
  return d;
}

const Dto& UpdateLocationCustomFieldDto() {
  static const Dto& d =
      Make("UpdateCustomFieldsDTO", LocationFieldFields(false));
  return d;
}

const Dto& CreateObjectFieldDto() {
  static const Dto& d = Make(
      "CreateCustomFieldsDTO(v2)",
      {Req("locationId"), Opt("name"), Opt("description"), Opt("placeholder"),
       Req("showInForms", kBool), NestedArray("options", OptionDto()),
       Enum("acceptedFormats", AcceptedFormats()), Req("dataType"),
       Req("fieldKey"), Req("objectKey"), Opt("maxFileLimit", kNum),
       Opt("allowCustomOption", kBool), Req("parentId")});
  return d;
}

const Dto& UpdateObjectFieldDto() {
  static const Dto& d = Make(
      "UpdateCustomFieldsDTO(v2)",
      {Req("locationId"), Opt("name"), Opt("description"), Opt("placeholder"),
       Req("showInForms", kBool), NestedArray("options", OptionDto()),
       Enum("acceptedFormats", AcceptedFormats()), Opt("maxFileLimit", kNum)});
  return d;
}

const Dto& CreateCustomObjectDto() {
  static const Dto& labels =
      Make("CustomObjectLabelDto", {Req("singular"), Req("plural")});
  static const Dto& display = Make("CustomObjectDisplayPropertyDetails",
                                   {Req("key"), Req("name"), Req("dataType")});
  static const Dto& d =
      Make("CreateCustomObjectSchemaDTO",
           {Nested("labels", labels, true), Req("key"), Opt("description"),
            Req("locationId"),
            Nested("primaryDisplayPropertyDetails", display, true)});
  return d;
}

const Dto& UpdateCustomObjectDto() {
  static const Dto& labels =
      Make("CustomObjectLabelUpdateDto", {Opt("singular"), Opt("plural")});
  static const Dto& d =
      Make("UpdateCustomObjectSchemaDTO",
           {Nested("labels", labels), Opt("description"), Req("locationId"),
            Req("searchableProperties", kStrs)});
  return d;
}

const Dto& CreateRecordDto() {
  static const Dto& d = Make("CreateCustomObjectRecordDto",
                             {Req("locationId"), Req("properties", kObj),
                              Opt("owner", kStrs), Opt("followers", kStrs)});
  return d;
}

const Dto& UpdateRecordDto() {
  static const Dto& d = Make(
      "UpdateCustomObjectRecordDto",
      {Opt("properties", kObj), Opt("owner", kStrs), Opt("followers", kStrs)});
  return d;
}

const Dto& SearchRecordsDto() {
  static const Dto& d =
      Make("SearchRecordsBody",
           {Req("locationId"), Req("page", kNum), Req("pageLimit", kNum),
            Opt("query"), Opt("searchAfter", kArr)});
  return d;
}

const Dto& CreateAssociationDto() {
  static const Dto& d =
      Make("createAssociationReqDto",
           {Req("locationId"), Req("key"), Req("firstObjectLabel"),
            Req("firstObjectKey"), Req("secondObjectLabel"),
            Req("secondObjectKey")});
  return d;
}

const Dto& UpdateAssociationDto() {
  static const Dto& d =
      Make("UpdateAssociationReqDto",
           {Req("firstObjectLabel"), Req("secondObjectLabel")});
  return d;
}

const Dto& CreateRelationDto() {
  static const Dto& d = Make("createRelationReqDto",
                             {Req("locationId"), Req("associationId"),
                              Req("firstRecordId"), Req("secondRecordId")});
  return d;
}

const Dto& FilterUsersByEmailDto() {
  static const Dto& d =
      Make("FilterByEmailDto",
           {Req("companyId"), Req("emails"), Opt("deleted", kBool), Opt("skip"),
            Opt("limit"), Opt("projection")});
  return d;
}

const Dto& CreateProductDto() {
  static const Dto& d = Make("CreateProductDto", ProductFields(false));
  return d;
}

const Dto& UpdateProductDto() {
  static const Dto& d = Make("UpdateProductDto", ProductFields(true));
  return d;
}

}  // namespace bridgework::emulator::highlevel
