// Strict reading of YAML documents: unknown keys and wrong types are
// errors that name the file, line and key path. Shared by the map and the
// run-config parsers.
#ifndef BRIDGEWORK_LIBS_MAPPING_YAML_UTIL_H_
#define BRIDGEWORK_LIBS_MAPPING_YAML_UTIL_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bridgework::mapping {

// "<file>:<line>: <path>: <message>" as an InvalidArgument status.
absl::Status YamlError(std::string_view file, const YAML::Node& node,
                       std::string_view path, std::string_view message);

// Parses text; a syntax error names the line, and so does text that is
// not UTF-8 (YAML is Unicode; every string must survive JSON).
absl::StatusOr<YAML::Node> LoadYaml(std::string_view text,
                                    std::string_view file);

// Fails on the first key of `node` (a map) not in `allowed`.
absl::Status CheckKeys(std::string_view file, const YAML::Node& node,
                       std::string_view path,
                       std::initializer_list<std::string_view> allowed);

// Reads a scalar child as a string. Missing: `fallback` (or an error when
// `required`).
absl::StatusOr<std::string> GetString(std::string_view file,
                                      const YAML::Node& node,
                                      std::string_view path,
                                      std::string_view key, bool required,
                                      std::string_view fallback = "");
absl::StatusOr<bool> GetBool(std::string_view file, const YAML::Node& node,
                             std::string_view path, std::string_view key,
                             bool fallback);
absl::StatusOr<int> GetInt(std::string_view file, const YAML::Node& node,
                           std::string_view path, std::string_view key,
                           int fallback);

}  // namespace bridgework::mapping

#endif  // BRIDGEWORK_LIBS_MAPPING_YAML_UTIL_H_
