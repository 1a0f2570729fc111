#include "libs/mapping/yaml_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/common/strings.h"
#include "libs/csv/csv_reader.h"

namespace bridgework::mapping {

absl::Status YamlError(std::string_view file, const YAML::Node& node,
                       std::string_view path, std::string_view message) {
  int line = node.IsDefined() ? node.Mark().line + 1 : 0;
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(file), ":", line, ": ", ToAbsl(path),
                   path.empty() ? "" : ": ", ToAbsl(message)));
}

absl::StatusOr<YAML::Node> LoadYaml(std::string_view text,
                                    std::string_view file) {
  // yaml-cpp accepts any bytes, and a string that is not UTF-8 later makes
  // JSON serialisation throw (fuzz/regressions/run_config/not-utf8).
  int line = 1;
  for (std::string_view rest = text; !rest.empty(); ++line) {
    size_t eol = rest.find('\n');
    if (!csv::IsValidUtf8(rest.substr(0, eol))) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(file), ":", line,
                       ": not UTF-8 text (save the file as UTF-8)"));
    }
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        ToAbsl(file), ":", e.mark.line + 1, ": invalid YAML: ", e.msg));
  }
}

absl::Status CheckKeys(std::string_view file, const YAML::Node& node,
                       std::string_view path,
                       std::initializer_list<std::string_view> allowed) {
  if (!node.IsMap()) return YamlError(file, node, path, "expected a mapping");
  for (const auto& kv : node) {
    std::string key = kv.first.as<std::string>("");
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (std::string_view a : allowed) {
        absl::StrAppend(&list, list.empty() ? "" : ", ", ToAbsl(a));
      }
      return YamlError(
          file, kv.first, path,
          absl::StrCat("unknown key '", key, "' (known: ", list, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GetString(std::string_view file,
                                      const YAML::Node& node,
                                      std::string_view path,
                                      std::string_view key, bool required,
                                      std::string_view fallback) {
  YAML::Node child = node[std::string(key)];
  std::string child_path = path.empty()
                               ? std::string(key)
                               : absl::StrCat(ToAbsl(path), ".", ToAbsl(key));
  if (!child.IsDefined() || child.IsNull()) {
    if (required) {
      return YamlError(file, node, child_path, "required key is missing");
    }
    return std::string(fallback);
  }
  if (!child.IsScalar()) {
    return YamlError(file, child, child_path, "expected a single value");
  }
  return child.Scalar();
}

absl::StatusOr<bool> GetBool(std::string_view file, const YAML::Node& node,
                             std::string_view path, std::string_view key,
                             bool fallback) {
  YAML::Node child = node[std::string(key)];
  if (!child.IsDefined() || child.IsNull()) return fallback;
  try {
    return child.as<bool>();
  } catch (const YAML::Exception&) {
    return YamlError(file, child, absl::StrCat(ToAbsl(path), ".", ToAbsl(key)),
                     "expected true or false");
  }
}

absl::StatusOr<int> GetInt(std::string_view file, const YAML::Node& node,
                           std::string_view path, std::string_view key,
                           int fallback) {
  YAML::Node child = node[std::string(key)];
  if (!child.IsDefined() || child.IsNull()) return fallback;
  try {
    return child.as<int>();
  } catch (const YAML::Exception&) {
    return YamlError(file, child, absl::StrCat(ToAbsl(path), ".", ToAbsl(key)),
                     "expected a whole number");
  }
}

}  // namespace bridgework::mapping
