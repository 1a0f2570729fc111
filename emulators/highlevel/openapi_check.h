// Test support: checks HTTP exchanges against OpenAPI 3.0 JSON specs (the
// official HighLevel v2 specs), the way a strict validator replaying the
// traffic would: the operation must exist (path template and method), the
// status must be declared, and a JSON body must match the declared schema
// (types, required properties, enums, nullable, $ref, allOf/oneOf/anyOf,
// array items). Extra properties are allowed (no spec sets
// additionalProperties: false).
//
// Thread safety: immutable after Load; Check may be called concurrently.
#ifndef BRIDGEWORK_EMULATORS_HIGHLEVEL_OPENAPI_CHECK_H_
#define BRIDGEWORK_EMULATORS_HIGHLEVEL_OPENAPI_CHECK_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace bridgework::emulator::spec {

class OpenApiCheck {
 public:
  struct Result {
    // "METHOD /template" of the matched operation; empty if none matched.
    std::string operation;
    bool status_declared = false;
    // One line per mismatch: "<json pointer>: <problem>".
    std::vector<std::string> problems;
  };

  // Loads every "*.json" spec of `dir` that has "paths"; "$ref"s into
  // "../common/common-schemas.json" resolve to `dir`/common-schemas.json.
  static absl::StatusOr<OpenApiCheck> Load(const std::string& dir);

  Result Check(const std::string& method, const std::string& path, int status,
               const nlohmann::json& body) const;

  size_t operation_count() const { return operations_.size(); }

 private:
  struct Operation {
    size_t spec = 0;
    std::string method;  // upper case
    std::string path;
    std::vector<std::string> segments;
    const nlohmann::json* responses = nullptr;
  };

  void Validate(size_t spec, const nlohmann::json& schema,
                const nlohmann::json& value, const std::string& pointer,
                std::vector<std::string>& problems, int depth) const;
  // The schema a "$ref" names, and the spec it lives in.
  const nlohmann::json* Resolve(size_t spec, const std::string& ref,
                                size_t* ref_spec) const;

  std::vector<nlohmann::json> specs_;
  nlohmann::json common_;
  std::vector<Operation> operations_;
};

// True if `pointer` ("/events/3/startTime") matches `glob` ("/events/*/
// startTime"): segment by segment, "*" matching any one segment.
bool PointerMatches(const std::string& glob, const std::string& pointer);

}  // namespace bridgework::emulator::spec

#endif  // BRIDGEWORK_EMULATORS_HIGHLEVEL_OPENAPI_CHECK_H_
