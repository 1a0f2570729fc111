// The *Fields endpoints of the Pipedrive emulator (API v2): list, get,
// create (a random 40-hex field_code for custom fields), update, delete
// (marks deleted), and the bulk option endpoints of enum and set fields.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "emulators/pipedrive/pipedrive_emulator.h"
#include "emulators/pipedrive/pipedrive_paging.h"

namespace bridgework::emulator {
namespace {

using Json = nlohmann::json;
using pipedrive::At;
using pipedrive::Blank;
using pipedrive::FieldDef;
using pipedrive::FieldEntity;
using pipedrive::FieldOption;
using pipedrive::Lower;
using pipedrive::PositiveId;

constexpr const char* kBlocks[] = {"ui_visibility", "important_fields",
                                   "required_fields"};

// The attributes a field create or update accepts besides field_name,
// field_type and options.
std::set<std::string> BlockKeys(FieldEntity e) {
  if (e == FieldEntity::kProduct) return {"ui_visibility"};
  std::set<std::string> keys(std::begin(kBlocks), std::end(kBlocks));
  if (e == FieldEntity::kDeal) keys.insert("description");
  return keys;
}

Json& Block(FieldDef& f, const std::string& name) {
  return name == "ui_visibility"      ? f.ui_visibility
         : name == "important_fields" ? f.important_fields
                                      : f.required_fields;
}

// The field object with the requested include_fields namespaces.
Json Render(const FieldDef& f, const std::vector<std::string>& include) {
  Json out = pipedrive::FieldJson(f, true);
  for (const char* block : kBlocks) {
    if (std::find(include.begin(), include.end(), block) == include.end()) {
      out.erase(block);
    }
  }
  return out;
}

}  // namespace

PipedriveEmulator::Reply PipedriveEmulator::ListFieldsLocked(
    FieldEntity e, const httplib::Request& req) {
  std::vector<std::string> include =
      pipedrive::ListParam(req, "include_fields");
  for (const auto& name : include) {
    if (std::find(std::begin(kBlocks), std::end(kBlocks), name) ==
        std::end(kBlocks)) {
      return Invalid("include_fields",
                     "must be among ui_visibility, important_fields, "
                     "required_fields");
    }
  }
  absl::StatusOr<pipedrive::OffsetPage> page = pipedrive::ParseOffsetPage(req);
  if (!page.ok()) return Fail(400, std::string(page.status().message()));
  std::vector<const FieldDef*> live;
  for (const FieldDef& f : store_.fields.at(e)) {
    if (!f.deleted) live.push_back(&f);
  }
  Json data = Json::array();
  size_t end = std::min(live.size(), page->offset + page->limit);
  for (size_t i = page->offset; i < end; ++i) {
    data.push_back(Render(*live[i], include));
  }
  return {200,
          {{"success", true},
           {"data", data},
           {"additional_data", {{"next_cursor", page->Next(live.size())}}}}};
}

PipedriveEmulator::Reply PipedriveEmulator::GetFieldLocked(
    FieldEntity e, const std::string& code, const httplib::Request& req) {
  const FieldDef* f = FieldLocked(e, code);
  if (f == nullptr) return NotFound();
  return Ok(Render(*f, pipedrive::ListParam(req, "include_fields")));
}

PipedriveEmulator::Reply PipedriveEmulator::CreateFieldLocked(
    FieldEntity e, const Json& body, const std::string& code) {
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  std::set<std::string> blocks = BlockKeys(e);
  for (const auto& [key, value] : body.items()) {
    if (key != "field_name" && key != "field_type" && key != "options" &&
        !blocks.count(key)) {
      return Invalid(pipedrive::SafeToName(key) ? key : "body",
                     "unknown attribute");
    }
  }
  if (Blank(body.value("field_name", Json()))) {
    return Invalid("field_name", "required");
  }
  const Json& type = body.value("field_type", Json());
  if (!type.is_string()) return Invalid("field_type", "required");
  if (!pipedrive::CreatableFieldType(type.get<std::string>())) {
    return Invalid("field_type", "not a type a custom field can have");
  }
  FieldDef f;
  f.custom = true;
  f.name = std::string(
      absl::StripAsciiWhitespace(body["field_name"].get<std::string>()));
  f.type = type;
  f.add_time = pipedrive::V2Time(Now());
  f.ui_visibility = {{"add_visible_flag", true},
                     {"details_visible_flag", true}};
  f.important_fields = {{"enabled", false}, {"stage_ids", Json::array()}};
  f.required_fields = {{"enabled", false}};
  for (const std::string& key : blocks) {
    if (!body.contains(key)) continue;
    if (key == "description") {
      if (!body[key].is_string()) return Invalid(key, "must be a string");
      f.description = body[key];
      continue;
    }
    if (!body[key].is_object()) return Invalid(key, "must be an object");
    Block(f, key).update(body[key]);
  }
  bool options = pipedrive::HasOptions(f.type);
  if (body.contains("options")) {
    if (!options) {
      return Invalid("options", "only enum and set fields have options");
    }
    const Json& list = body["options"];
    if (!list.is_array()) return Invalid("options", "must be an array");
    for (const auto& o : list) {
      // Seeds may list plain labels.
      const Json& label = o.is_string() ? o : o.value("label", Json());
      if (Blank(label)) return Invalid("options", "each option needs a label");
      FieldOption option;
      option.id = store_.next_option_id++;
      option.label = label;
      option.add_time = f.add_time;
      if (o.is_object() && o.contains("color")) {
        if (!o["color"].is_string())
          return Invalid("options", "color must be a string");
        option.color = o["color"];
      }
      f.options.push_back(std::move(option));
    }
  }
  if (options && f.options.empty()) {
    return Invalid("options", "enum and set fields need at least one option");
  }
  f.code = code;
  while (f.code.empty() || FieldLocked(e, f.code) != nullptr) {
    f.code = RandomHex(40);
  }
  Json out = pipedrive::FieldJson(f, true);
  FieldsLocked(e).push_back(std::move(f));
  return Ok(out);
}

PipedriveEmulator::Reply PipedriveEmulator::UpdateFieldLocked(
    FieldEntity e, const std::string& code, const Json& body) {
  FieldDef* f = nullptr;
  for (FieldDef& x : FieldsLocked(e)) {
    if (x.code == code && !x.deleted) f = &x;
  }
  if (f == nullptr) return NotFound();
  if (!f->custom)
    return Invalid("field_code", "system fields cannot be changed");
  if (!body.is_object()) {
    return Fail(400, "The request body must be a JSON object");
  }
  if (body.empty())
    return Invalid("body", "at least one attribute is required");
  std::set<std::string> blocks = BlockKeys(e);
  for (const auto& [key, value] : body.items()) {
    if (key == "field_type" || key == "field_code" || key == "options") {
      return Invalid(key, "cannot be changed with this request");
    }
    if (key != "field_name" && !blocks.count(key)) {
      return Invalid(pipedrive::SafeToName(key) ? key : "body",
                     "unknown attribute");
    }
    if (key == "field_name"    ? Blank(value)
        : key == "description" ? !value.is_string()
                               : !value.is_object()) {
      return Invalid(key, key == "field_name"    ? "must be a non-blank string"
                          : key == "description" ? "must be a string"
                                                 : "must be an object");
    }
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "field_name") {
      f->name =
          std::string(absl::StripAsciiWhitespace(value.get<std::string>()));
    } else if (key == "description") {
      f->description = value;
    } else {
      Block(*f, key).update(value);
    }
  }
  return Ok(pipedrive::FieldJson(*f, true));
}

PipedriveEmulator::Reply PipedriveEmulator::DeleteFieldLocked(
    FieldEntity e, const std::string& code) {
  for (FieldDef& f : FieldsLocked(e)) {
    if (f.code != code || f.deleted) continue;
    if (!f.custom) {
      return Invalid("field_code", "system fields cannot be deleted");
    }
    f.deleted = true;
    return Ok(pipedrive::FieldJson(f, false));
  }
  return NotFound();
}

PipedriveEmulator::Reply PipedriveEmulator::FieldOptionsLocked(
    FieldEntity e, const std::string& code, const std::string& method,
    const Json& body) {
  FieldDef* f = nullptr;
  for (FieldDef& x : FieldsLocked(e)) {
    if (x.code == code && !x.deleted) f = &x;
  }
  if (f == nullptr) return NotFound();
  if (!f->custom || !pipedrive::HasOptions(f->type)) {
    return Invalid("field_code",
                   "only custom enum and set fields have options");
  }
  if (!body.is_array() || body.empty()) {
    return Invalid("body", "must be a non-empty array of options");
  }
  auto find = [f](const Json& id) -> FieldOption* {
    std::optional<int64_t> n = pipedrive::StrictInt(id);
    for (FieldOption& o : f->options) {
      if (n && o.id == *n) return &o;
    }
    return nullptr;
  };
  // Check everything first: the operation is atomic.
  std::set<int64_t> seen;
  for (const auto& item : body) {
    if (!item.is_object()) return Invalid("body", "options must be objects");
    bool needs_id = method != "POST";
    bool needs_label = method != "DELETE";
    if (needs_id) {
      FieldOption* o = find(item.value("id", Json()));
      if (o == nullptr) return Invalid("id", "no such option");
      if (!seen.insert(o->id).second) return Invalid("id", "listed twice");
    }
    if (needs_label && Blank(item.value("label", Json()))) {
      return Invalid("label", "required");
    }
  }
  Json data = Json::array();
  std::string now = pipedrive::V2Time(Now());
  for (const auto& item : body) {
    if (method == "POST") {
      FieldOption o;
      o.id = store_.next_option_id++;
      o.label = item["label"];
      o.add_time = now;
      data.push_back({{"id", o.id}, {"label", o.label}});
      f->options.push_back(std::move(o));
    } else if (method == "PATCH") {
      FieldOption* o = find(item["id"]);
      o->label = item["label"];
      data.push_back({{"id", o->id}, {"label", o->label}});
    } else {
      FieldOption* o = find(item["id"]);
      data.push_back({{"id", o->id}, {"label", o->label}});
      int64_t gone = o->id;
      f->options.erase(
          std::remove_if(f->options.begin(), f->options.end(),
                         [gone](const FieldOption& x) { return x.id == gone; }),
          f->options.end());
    }
  }
  return {200,
          {{"success", true}, {"data", data}, {"additional_data", nullptr}}};
}

}  // namespace bridgework::emulator
