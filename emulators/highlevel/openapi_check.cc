#include "emulators/highlevel/openapi_check.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace bridgework::emulator::spec {
namespace {

using Json = nlohmann::json;

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  for (auto part : absl::StrSplit(path, '/')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

absl::StatusOr<Json> ReadJson(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", p.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  Json j = Json::parse(buffer.str(), nullptr, false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(p.string(), ": not JSON"));
  }
  return j;
}

bool TypeMatches(const std::string& type, const Json& v) {
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_number_integer();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return true;
}

std::string Escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool PointerMatches(const std::string& glob, const std::string& pointer) {
  std::vector<std::string> g = absl::StrSplit(glob, '/');
  std::vector<std::string> p = absl::StrSplit(pointer, '/');
  if (g.size() != p.size()) return false;
  for (size_t i = 0; i < g.size(); ++i) {
    if (g[i] != "*" && g[i] != p[i]) return false;
  }
  return true;
}

absl::StatusOr<OpenApiCheck> OpenApiCheck::Load(const std::string& dir) {
  OpenApiCheck check;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec || files.empty()) {
    return absl::NotFoundError(absl::StrCat("no specs in ", dir));
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    absl::StatusOr<Json> j = ReadJson(f);
    if (!j.ok()) return j.status();
    if (f.filename() == "common-schemas.json") {
      check.common_ = *std::move(j);
    } else if (j->contains("paths")) {
      check.specs_.push_back(*std::move(j));
    }
  }
  if (check.common_.is_null()) {
    return absl::NotFoundError(absl::StrCat("no common-schemas.json in ", dir));
  }
  for (size_t s = 0; s < check.specs_.size(); ++s) {
    for (const auto& [path, ops] : check.specs_[s]["paths"].items()) {
      for (const auto& [method, op] : ops.items()) {
        if (!op.is_object() || !op.contains("responses")) continue;
        Operation o;
        o.spec = s;
        o.method = absl::AsciiStrToUpper(method);
        o.path = path;
        o.segments = Segments(path);
        o.responses = &op["responses"];
        check.operations_.push_back(std::move(o));
      }
    }
  }
  return check;
}

const Json* OpenApiCheck::Resolve(size_t spec, const std::string& ref,
                                  size_t* ref_spec) const {
  absl::string_view r = ref;
  const Json* root = &specs_[spec];
  *ref_spec = spec;
  size_t hash = r.find('#');
  if (hash == absl::string_view::npos) return nullptr;
  if (hash > 0) {
    if (!absl::EndsWith(r.substr(0, hash), "common-schemas.json"))
      return nullptr;
    root = &common_;
    *ref_spec = static_cast<size_t>(-1);
  }
  const Json* node = root;
  for (auto part : absl::StrSplit(r.substr(hash + 1), '/', absl::SkipEmpty())) {
    std::string key(part);
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
  }
  return node;
}

void OpenApiCheck::Validate(size_t spec, const Json& schema, const Json& value,
                            const std::string& pointer,
                            std::vector<std::string>& problems,
                            int depth) const {
  if (depth > 40 || !schema.is_object()) return;
  if (schema.contains("$ref")) {
    size_t ref_spec = spec;
    const Json* target =
        Resolve(spec, schema["$ref"].get<std::string>(), &ref_spec);
    if (target == nullptr) {
      problems.push_back(absl::StrCat(pointer, ": unresolved $ref ",
                                      schema["$ref"].get<std::string>()));
      return;
    }
    // Refs inside common-schemas.json stay local to it; it has none.
    Validate(ref_spec == static_cast<size_t>(-1) ? spec : ref_spec, *target,
             value, pointer, problems, depth + 1);
    return;
  }
  if (value.is_null()) {
    if (!schema.value("nullable", false) && schema.contains("type")) {
      problems.push_back(absl::StrCat(pointer, ": null where ",
                                      schema["type"].get<std::string>(),
                                      " expected"));
    }
    return;
  }
  if (schema.contains("allOf")) {
    for (const auto& s : schema["allOf"]) {
      Validate(spec, s, value, pointer, problems, depth + 1);
    }
  }
  for (const char* combinator : {"oneOf", "anyOf"}) {
    if (!schema.contains(combinator)) continue;
    int passing = 0;
    for (const auto& s : schema[combinator]) {
      std::vector<std::string> p;
      Validate(spec, s, value, pointer, p, depth + 1);
      if (p.empty()) ++passing;
    }
    bool ok = std::string(combinator) == "oneOf" ? passing == 1 : passing >= 1;
    if (!ok) {
      problems.push_back(absl::StrCat(pointer, ": matches ", passing,
                                      " schemas of ", combinator));
    }
  }
  if (schema.contains("type")) {
    std::string type = schema["type"].get<std::string>();
    if (!TypeMatches(type, value)) {
      problems.push_back(absl::StrCat(pointer, ": ", value.type_name(),
                                      " where ", type, " expected"));
      return;
    }
  }
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == value;
    if (!found) {
      problems.push_back(
          absl::StrCat(pointer, ": ", value.dump(), " is not in the enum"));
    }
  }
  if (value.is_object()) {
    if (schema.contains("required")) {
      for (const auto& r : schema["required"]) {
        if (!value.contains(r.get<std::string>())) {
          problems.push_back(absl::StrCat(pointer, ": required property ",
                                          r.get<std::string>(), " missing"));
        }
      }
    }
    if (schema.contains("properties")) {
      for (const auto& [key, sub] : schema["properties"].items()) {
        auto it = value.find(key);
        if (it == value.end()) continue;
        Validate(spec, sub, *it, absl::StrCat(pointer, "/", Escape(key)),
                 problems, depth + 1);
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      Validate(spec, schema["items"], value[i], absl::StrCat(pointer, "/", i),
               problems, depth + 1);
    }
  }
}

OpenApiCheck::Result OpenApiCheck::Check(const std::string& method,
                                         const std::string& path, int status,
                                         const Json& body) const {
  Result result;
  std::vector<std::string> segs = Segments(path);
  const Operation* best = nullptr;
  int best_literals = -1;
  for (const auto& op : operations_) {
    if (op.method != method || op.segments.size() != segs.size()) continue;
    int literals = 0;
    bool match = true;
    for (size_t i = 0; i < segs.size() && match; ++i) {
      const std::string& t = op.segments[i];
      if (absl::StartsWith(t, "{") && absl::EndsWith(t, "}")) continue;
      match = t == segs[i];
      ++literals;
    }
    if (match && literals > best_literals) {
      best = &op;
      best_literals = literals;
    }
  }
  if (best == nullptr) {
    result.problems.push_back(
        absl::StrCat("no operation ", method, " ", path, " in the specs"));
    return result;
  }
  result.operation = absl::StrCat(best->method, " ", best->path);
  std::string code = std::to_string(status);
  if (!best->responses->contains(code)) return result;
  result.status_declared = true;
  const Json& response = (*best->responses)[code];
  if (!response.contains("content")) return result;
  const Json& content = response["content"];
  if (!content.contains("application/json")) return result;
  const Json& media = content["application/json"];
  if (!media.contains("schema")) return result;
  Validate(best->spec, media["schema"], body, "", result.problems, 0);
  return result;
}

}  // namespace bridgework::emulator::spec
