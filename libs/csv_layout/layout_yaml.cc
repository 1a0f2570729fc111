#include "libs/csv_layout/layout_yaml.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/mapping/yaml_util.h"

namespace bridgework::csv_layout {
namespace {

using mapping::CheckKeys;
using mapping::GetBool;
using mapping::GetString;
using mapping::YamlError;

// An object as read, with the nodes later checks point at.
struct ParsedObject {
  ObjectSpec spec;
  std::string path;  // "objects.patient"
  YAML::Node node;
  // Per column of spec.columns: its `references` node (undefined if none).
  std::vector<YAML::Node> reference_nodes;
};

bool IsSnakeCase(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// A scalar or a list of scalars, as strings.
absl::StatusOr<std::vector<std::string>> GetStrings(std::string_view file,
                                                    const YAML::Node& node,
                                                    const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence() && node.size() > 0) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        return YamlError(file, node[i], absl::StrCat(path, "[", i, "]"),
                         "expected a single value");
      }
      out.push_back(node[i].Scalar());
    }
  } else {
    return YamlError(file, node, path,
                     "expected a format or a non-empty list of formats");
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> GetFormats(std::string_view file,
                                                    const YAML::Node& node,
                                                    const std::string& path,
                                                    ColumnType type) {
  BW_ASSIGN_OR_RETURN(std::vector<std::string> formats,
                      GetStrings(file, node, path));
  for (size_t i = 0; i < formats.size(); ++i) {
    if (auto why = CheckFormat(formats[i], type)) {
      const YAML::Node& at = node.IsSequence() ? node[i] : node;
      return YamlError(file, at, path,
                       absl::StrCat("'", formats[i], "': ", *why));
    }
  }
  return formats;
}

absl::Status ParseOptions(std::string_view file, const YAML::Node& node,
                          Options* out) {
  const std::string path = "options";
  BW_RETURN_IF_ERROR(CheckKeys(file, node, path,
                               {"delimiter", "encoding", "decimal_separator",
                                "date_formats", "timestamp_formats"}));
  BW_ASSIGN_OR_RETURN(std::string delimiter,
                      GetString(file, node, path, "delimiter", false, ","));
  if (delimiter == "tab") delimiter = std::string(1, '\t');
  if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\n" ||
      delimiter == "\r") {
    return YamlError(file, node["delimiter"], "options.delimiter",
                     "want one character other than a quote or a line break "
                     "(\",\", \";\", \"|\" or tab)");
  }
  out->delimiter = delimiter[0];
  BW_ASSIGN_OR_RETURN(std::string encoding,
                      GetString(file, node, path, "encoding", false, "auto"));
  std::string lower = absl::AsciiStrToLower(encoding);
  if (lower == "utf-8" || lower == "utf8") {
    out->encoding = csv::Encoding::kUtf8;
  } else if (lower == "windows-1252" || lower == "cp1252" ||
             lower == "latin1" || lower == "iso-8859-1") {
    // Windows-1252 is a superset of ISO-8859-1's printable characters,
    // which is what exports labelled "Latin-1" hold in practice.
    out->encoding = csv::Encoding::kWindows1252;
  } else if (lower == "auto") {
    out->encoding = csv::Encoding::kDetect;
  } else {
    return YamlError(file, node["encoding"], "options.encoding",
                     absl::StrCat("unsupported encoding '", encoding,
                                  "' (supported: auto, UTF-8, windows-1252); "
                                  "convert the files first (iconv -f ",
                                  encoding, " -t UTF-8)"));
  }
  BW_ASSIGN_OR_RETURN(
      std::string separator,
      GetString(file, node, path, "decimal_separator", false, "."));
  if (separator != "." && separator != ",") {
    return YamlError(file, node["decimal_separator"],
                     "options.decimal_separator", "want \".\" or \",\"");
  }
  out->decimal_separator = separator[0];
  if (node["date_formats"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(out->date_formats,
                        GetFormats(file, node["date_formats"],
                                   "options.date_formats", ColumnType::kDate));
  }
  if (node["timestamp_formats"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(
        out->timestamp_formats,
        GetFormats(file, node["timestamp_formats"], "options.timestamp_formats",
                   ColumnType::kTimestamp));
  }
  return absl::OkStatus();
}

// `values:` as a list of names ([Active, Inactive]) or a map of codes to
// names ({A: Active, I: Inactive}). Codes are unique, case-insensitively.
absl::StatusOr<std::vector<EnumValue>> GetValues(std::string_view file,
                                                 const YAML::Node& node,
                                                 const std::string& path) {
  std::vector<EnumValue> out;
  auto add = [&](const YAML::Node& at, std::string code,
                 std::string name) -> absl::Status {
    if (code.empty() || name.empty()) {
      return YamlError(file, at, path, "a value's code and name are not empty");
    }
    for (const EnumValue& v : out) {
      if (absl::EqualsIgnoreCase(v.code, code)) {
        return YamlError(file, at, path,
                         absl::StrCat("'", code, "' is listed twice"));
      }
    }
    out.push_back({std::move(code), std::move(name)});
    return absl::OkStatus();
  };
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      if (!item.IsScalar()) {
        return YamlError(file, item, path, "expected a list of value names");
      }
      BW_RETURN_IF_ERROR(add(item, item.Scalar(), item.Scalar()));
    }
  } else if (node.IsMap()) {
    for (const auto& item : node) {
      if (!item.second.IsScalar()) {
        return YamlError(file, item.second, path, "expected code: name pairs");
      }
      BW_RETURN_IF_ERROR(
          add(item.first, item.first.Scalar(), item.second.Scalar()));
    }
  } else {
    return YamlError(file, node, path,
                     "expected a list of names or a map of codes to names");
  }
  if (out.empty()) {
    return YamlError(file, node, path, "list at least one value");
  }
  return out;
}

absl::Status ParseColumn(std::string_view file, const YAML::Node& node,
                         const std::string& object_path, size_t index,
                         ParsedObject* object) {
  std::string path = absl::StrCat(object_path, ".columns[", index, "]");
  BW_RETURN_IF_ERROR(CheckKeys(
      file, node, path,
      {"name", "type", "required", "references", "format", "values"}));
  ColumnSpec c;
  BW_ASSIGN_OR_RETURN(c.name, GetString(file, node, path, "name", true));
  if (c.name.empty()) {
    return YamlError(file, node["name"], path + ".name",
                     "a column needs a name");
  }
  path = absl::StrCat(object_path, ".columns.", c.name);
  if (object->spec.Find(c.name) != nullptr) {
    return YamlError(file, node["name"], path, "the column is declared twice");
  }
  BW_ASSIGN_OR_RETURN(std::string type,
                      GetString(file, node, path, "type", false, "string"));
  std::optional<ColumnType> parsed = ParseTypeName(type);
  if (!parsed) {
    return YamlError(file, node["type"], path + ".type",
                     absl::StrCat("unknown type '", type,
                                  "' (known: string, int, bool, date, "
                                  "timestamp, money, decimal)"));
  }
  c.type = *parsed;
  BW_ASSIGN_OR_RETURN(c.required, GetBool(file, node, path, "required", false));
  BW_ASSIGN_OR_RETURN(c.references,
                      GetString(file, node, path, "references", false));
  if (node["format"].IsDefined()) {
    if (c.type != ColumnType::kDate && c.type != ColumnType::kTimestamp) {
      return YamlError(
          file, node["format"], path + ".format",
          absl::StrCat("a format only applies to date and timestamp columns, "
                       "not ",
                       type));
    }
    BW_ASSIGN_OR_RETURN(
        c.formats, GetFormats(file, node["format"], path + ".format", c.type));
  }
  if (node["values"].IsDefined()) {
    if (c.type != ColumnType::kString) {
      return YamlError(
          file, node["values"], path + ".values",
          absl::StrCat("values only apply to string columns, not ", type));
    }
    BW_ASSIGN_OR_RETURN(c.values,
                        GetValues(file, node["values"], path + ".values"));
  }
  object->reference_nodes.push_back(node["references"]);
  object->spec.columns.push_back(std::move(c));
  return absl::OkStatus();
}

// A declared column named by the object's `field` key (key, updated_at,
// attachment) with one of `types`.
absl::StatusOr<ColumnSpec*> NamedColumn(
    std::string_view file, ParsedObject* object, std::string_view field,
    const std::string& name, std::initializer_list<ColumnType> types) {
  const YAML::Node at = object->node[std::string(field)];
  const std::string path = absl::StrCat(object->path, ".", ToAbsl(field));
  ColumnSpec* column = nullptr;
  for (ColumnSpec& c : object->spec.columns) {
    if (c.name == name) column = &c;
  }
  if (column == nullptr) {
    return YamlError(file, at, path,
                     absl::StrCat("'", name, "' is not one of the columns"));
  }
  if (std::find(types.begin(), types.end(), column->type) == types.end()) {
    std::vector<std::string> names;
    for (ColumnType t : types) names.push_back(TypeName(t));
    return YamlError(
        file, at, path,
        absl::StrCat("column '", name, "' is ", TypeName(column->type),
                     "; want ", absl::StrJoin(names, " or ")));
  }
  return column;
}

absl::StatusOr<ParsedObject> ParseObject(std::string_view file,
                                         const YAML::Node& node, size_t index) {
  ParsedObject o;
  o.node = node;
  o.path = absl::StrCat("objects[", index, "]");
  BW_RETURN_IF_ERROR(CheckKeys(file, node, o.path,
                               {"object", "file", "format", "key", "updated_at",
                                "attachment", "columns"}));
  ObjectSpec& spec = o.spec;
  BW_ASSIGN_OR_RETURN(spec.object,
                      GetString(file, node, o.path, "object", true));
  if (!IsSnakeCase(spec.object)) {
    return YamlError(file, node["object"], o.path + ".object",
                     "want a lower-case snake_case name such as "
                     "treatment_case");
  }
  o.path = absl::StrCat("objects.", spec.object);
  BW_ASSIGN_OR_RETURN(spec.file, GetString(file, node, o.path, "file", true));
  std::filesystem::path file_path(spec.file);
  const std::string normal = file_path.lexically_normal().string();
  if (spec.file.empty() || file_path.is_absolute() || normal == "." ||
      normal.rfind("..", 0) == 0) {
    return YamlError(file, node["file"], o.path + ".file",
                     "want a file name relative to the export directory");
  }
  std::string ext = absl::AsciiStrToLower(file_path.extension().string());
  BW_ASSIGN_OR_RETURN(
      std::string format,
      GetString(file, node, o.path, "format", false,
                ext == ".json" || ext == ".jsonl" || ext == ".ndjson" ? "json"
                                                                      : "csv"));
  if (format == "json") {
    spec.format = csv_layout::FileFormat::kJson;
  } else if (format != "csv") {
    return YamlError(
        file, node["format"], o.path + ".format",
        absl::StrCat("unknown format '", format, "' (known: csv, json)"));
  }
  BW_ASSIGN_OR_RETURN(spec.key, GetString(file, node, o.path, "key", true));
  BW_ASSIGN_OR_RETURN(spec.updated_at,
                      GetString(file, node, o.path, "updated_at", false));
  BW_ASSIGN_OR_RETURN(spec.attachment,
                      GetString(file, node, o.path, "attachment", false));
  const YAML::Node columns = node["columns"];
  if (!columns.IsDefined() || columns.IsNull()) {
    return YamlError(file, node, o.path + ".columns",
                     "required key is missing");
  }
  if (!columns.IsSequence() || columns.size() == 0) {
    return YamlError(file, columns, o.path + ".columns",
                     "expected a non-empty list of columns");
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    BW_RETURN_IF_ERROR(ParseColumn(file, columns[i], o.path, i, &o));
  }
  BW_ASSIGN_OR_RETURN(ColumnSpec * key,
                      NamedColumn(file, &o, "key", spec.key,
                                  {ColumnType::kString, ColumnType::kInt}));
  key->required = true;
  if (!spec.updated_at.empty()) {
    BW_RETURN_IF_ERROR(NamedColumn(file, &o, "updated_at", spec.updated_at,
                                   {ColumnType::kTimestamp})
                           .status());
  }
  if (!spec.attachment.empty()) {
    BW_RETURN_IF_ERROR(NamedColumn(file, &o, "attachment", spec.attachment,
                                   {ColumnType::kString})
                           .status());
  }
  return o;
}

// Orders `objects` parents first, keeping the file's order where it already
// holds. Fails on a cycle of references.
absl::Status OrderParentsFirst(std::string_view file,
                               std::vector<ParsedObject>* objects) {
  std::vector<ParsedObject> ordered;
  std::set<std::string> placed;
  std::vector<bool> done(objects->size(), false);
  while (ordered.size() < objects->size()) {
    bool progress = false;
    for (size_t i = 0; i < objects->size(); ++i) {
      if (done[i]) continue;
      std::vector<std::string> deps = (*objects)[i].spec.DependsOn();
      if (std::all_of(deps.begin(), deps.end(), [&](const std::string& d) {
            return placed.count(d) > 0;
          })) {
        done[i] = true;
        placed.insert((*objects)[i].spec.object);
        ordered.push_back(std::move((*objects)[i]));
        progress = true;
        break;  // restart from the top: keeps the file's order
      }
    }
    if (progress) continue;
    // Every object left waits on another one left: follow the waits from
    // the first until one repeats.
    size_t first = 0;
    while (done[first]) ++first;
    std::vector<std::string> chain;
    std::string at = (*objects)[first].spec.object;
    while (std::find(chain.begin(), chain.end(), at) == chain.end()) {
      chain.push_back(at);
      for (const ParsedObject& o : *objects) {
        if (o.spec.object != at) continue;
        for (const std::string& d : o.spec.DependsOn()) {
          if (!placed.count(d)) {
            at = d;
            break;
          }
        }
        break;
      }
    }
    chain.erase(chain.begin(), std::find(chain.begin(), chain.end(), at));
    chain.push_back(at);
    const ParsedObject* culprit = nullptr;
    for (const ParsedObject& o : *objects) {
      if (o.spec.object == chain[0]) culprit = &o;
    }
    return YamlError(
        file, culprit->node, culprit->path,
        absl::StrCat("references form a cycle (", absl::StrJoin(chain, " -> "),
                     "); the objects cannot be loaded parents "
                     "first"));
  }
  *objects = std::move(ordered);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Layout> ParseLayoutYaml(std::string_view text,
                                       std::string_view file) {
  BW_ASSIGN_OR_RETURN(YAML::Node root, mapping::LoadYaml(text, file));
  if (!root.IsMap()) {
    return YamlError(file, root, "", "expected a layout (a mapping)");
  }
  BW_RETURN_IF_ERROR(
      CheckKeys(file, root, "", {"version", "options", "objects"}));
  BW_ASSIGN_OR_RETURN(std::string version,
                      GetString(file, root, "", "version", true));
  if (version != "1") {
    return YamlError(file, root["version"], "version",
                     absl::StrCat("unsupported layout version '", version,
                                  "' (this build reads version 1)"));
  }
  Layout layout;
  layout.description = absl::StrCat("the layout ", ToAbsl(file));
  layout.options.encoding = csv::Encoding::kDetect;
  if (root["options"].IsDefined() && !root["options"].IsNull()) {
    BW_RETURN_IF_ERROR(ParseOptions(file, root["options"], &layout.options));
  }
  const YAML::Node objects = root["objects"];
  if (!objects.IsDefined() || objects.IsNull()) {
    return YamlError(file, root, "objects", "required key is missing");
  }
  if (!objects.IsSequence() || objects.size() == 0) {
    return YamlError(file, objects, "objects",
                     "expected a non-empty list of objects");
  }
  std::vector<ParsedObject> parsed;
  std::set<std::string> names, files;
  for (size_t i = 0; i < objects.size(); ++i) {
    BW_ASSIGN_OR_RETURN(ParsedObject o, ParseObject(file, objects[i], i));
    if (!names.insert(o.spec.object).second) {
      return YamlError(file, objects[i]["object"], o.path + ".object",
                       "the object is declared twice");
    }
    if (!files.insert(o.spec.file).second) {
      return YamlError(
          file, objects[i]["file"], o.path + ".file",
          absl::StrCat("another object already reads ", o.spec.file));
    }
    parsed.push_back(std::move(o));
  }
  for (const ParsedObject& o : parsed) {
    for (size_t i = 0; i < o.spec.columns.size(); ++i) {
      const std::string& ref = o.spec.columns[i].references;
      if (ref.empty() || names.count(ref)) continue;
      return YamlError(
          file, o.reference_nodes[i],
          absl::StrCat(o.path, ".columns.", o.spec.columns[i].name,
                       ".references"),
          absl::StrCat("unknown object '", ref,
                       "' (the layout has: ", absl::StrJoin(names, ", "), ")"));
    }
  }
  BW_RETURN_IF_ERROR(OrderParentsFirst(file, &parsed));
  for (ParsedObject& o : parsed) layout.objects.push_back(std::move(o.spec));
  return layout;
}

absl::StatusOr<Layout> LoadLayoutFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("layout file not found: ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseLayoutYaml(ss.str(), path);
}

}  // namespace bridgework::csv_layout
