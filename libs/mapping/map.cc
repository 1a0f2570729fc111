#include "libs/mapping/map.h"

#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/mapping/yaml_util.h"
#include "libs/record/value.h"

namespace bridgework::mapping {
namespace {

const std::set<std::string>& KnownTransforms() {
  static const auto* kKnown = new std::set<std::string>{
      "",         "email", "phone",     "join", "date",  "time",
      "datetime", "hhmm",  "html_text", "text", "lower", "upper"};
  return *kKnown;
}

std::string Path(std::string_view base, std::string_view key, size_t index) {
  return absl::StrCat(ToAbsl(base), ".", ToAbsl(key), "[", index, "]");
}

absl::StatusOr<FieldRule> ParseField(std::string_view file,
                                     const YAML::Node& node,
                                     const std::string& path) {
  BW_RETURN_IF_ERROR(
      CheckKeys(file, node, path,
                {"to", "from", "const", "transform", "separator", "values",
                 "default", "required", "zone", "plus_minutes"}));
  FieldRule rule;
  rule.line = node.Mark().line + 1;
  BW_ASSIGN_OR_RETURN(rule.to, GetString(file, node, path, "to", true));
  YAML::Node from = node["from"];
  if (from.IsDefined() && from.IsSequence()) {
    for (const auto& f : from) rule.from.push_back(f.as<std::string>(""));
  } else if (from.IsDefined() && from.IsScalar()) {
    rule.from.push_back(from.Scalar());
  }
  if (node["const"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(std::string c,
                        GetString(file, node, path, "const", true));
    rule.constant = c;
  }
  if (rule.from.empty() == !rule.constant.has_value()) {
    return YamlError(file, node, path, "give exactly one of 'from' or 'const'");
  }
  BW_ASSIGN_OR_RETURN(rule.transform,
                      GetString(file, node, path, "transform", false));
  if (!KnownTransforms().count(rule.transform)) {
    return YamlError(file, node["transform"], path,
                     absl::StrCat("unknown transform '", rule.transform,
                                  "' (known: email, phone, join, date, time, "
                                  "datetime, hhmm, html_text, text, lower, "
                                  "upper)"));
  }
  if (rule.from.size() > 1 && rule.transform != "join") {
    return YamlError(file, node, path,
                     "several 'from' fields need transform: join");
  }
  BW_ASSIGN_OR_RETURN(rule.separator,
                      GetString(file, node, path, "separator", false, " "));
  BW_ASSIGN_OR_RETURN(rule.zone, GetString(file, node, path, "zone", false));
  if (!rule.zone.empty()) {
    if (rule.transform != "date" && rule.transform != "time" &&
        rule.transform != "datetime") {
      return YamlError(file, node["zone"], path + ".zone",
                       "'zone' applies to transform date, time or datetime");
    }
    if (!record::ParseTimestamp("2000-01-01 00:00", rule.zone).ok()) {
      return YamlError(file, node["zone"], path + ".zone",
                       absl::StrCat("unknown time zone '", rule.zone, "'"));
    }
  }
  BW_ASSIGN_OR_RETURN(rule.plus_minutes,
                      GetString(file, node, path, "plus_minutes", false));
  if (!rule.plus_minutes.empty() && rule.from.size() != 1) {
    return YamlError(file, node["plus_minutes"], path + ".plus_minutes",
                     "'plus_minutes' needs exactly one 'from' field");
  }
  YAML::Node values = node["values"];
  if (values.IsDefined()) {
    if (!values.IsMap()) {
      return YamlError(file, values, path + ".values", "expected a mapping");
    }
    for (const auto& kv : values) {
      rule.values[kv.first.as<std::string>("")] = kv.second.as<std::string>("");
    }
  }
  if (node["default"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(std::string d,
                        GetString(file, node, path, "default", true));
    rule.default_value = d;
  }
  BW_ASSIGN_OR_RETURN(rule.required,
                      GetBool(file, node, path, "required", false));
  return rule;
}

absl::StatusOr<LookupRule> ParseLookup(std::string_view file,
                                       const YAML::Node& node,
                                       const std::string& path) {
  BW_RETURN_IF_ERROR(
      CheckKeys(file, node, path,
                {"to", "from", "object", "target", "list", "deferrable"}));
  LookupRule rule;
  rule.line = node.Mark().line + 1;
  BW_ASSIGN_OR_RETURN(rule.to, GetString(file, node, path, "to", true));
  BW_ASSIGN_OR_RETURN(rule.from, GetString(file, node, path, "from", true));
  BW_ASSIGN_OR_RETURN(rule.object, GetString(file, node, path, "object", true));
  BW_ASSIGN_OR_RETURN(rule.target, GetString(file, node, path, "target", true));
  BW_ASSIGN_OR_RETURN(rule.list, GetBool(file, node, path, "list", false));
  BW_ASSIGN_OR_RETURN(rule.deferrable,
                      GetBool(file, node, path, "deferrable", false));
  return rule;
}

absl::StatusOr<ObjectRoute> ParseRoute(std::string_view file,
                                       const YAML::Node& node,
                                       const std::string& path) {
  BW_RETURN_IF_ERROR(
      CheckKeys(file, node, path,
                {"source", "target", "route", "reason", "external_key_field",
                 "fields", "lookups", "owner"}));
  ObjectRoute route;
  route.line = node.Mark().line + 1;
  BW_ASSIGN_OR_RETURN(route.source,
                      GetString(file, node, path, "source", true));
  BW_ASSIGN_OR_RETURN(std::string kind,
                      GetString(file, node, path, "route", false, "load"));
  if (kind == "load") {
    route.kind = ObjectRoute::Kind::kLoad;
  } else if (kind == "reference") {
    route.kind = ObjectRoute::Kind::kReference;
  } else if (kind == "not_migrated") {
    route.kind = ObjectRoute::Kind::kNotMigrated;
  } else {
    return YamlError(file, node["route"], path + ".route",
                     absl::StrCat("unknown route '", kind,
                                  "' (known: load, reference, not_migrated)"));
  }
  BW_ASSIGN_OR_RETURN(route.target,
                      GetString(file, node, path, "target",
                                route.kind == ObjectRoute::Kind::kLoad));
  BW_ASSIGN_OR_RETURN(route.reason,
                      GetString(file, node, path, "reason",
                                route.kind != ObjectRoute::Kind::kLoad));
  BW_ASSIGN_OR_RETURN(route.external_key_field,
                      GetString(file, node, path, "external_key_field", false,
                                "cf_bridgework_key"));
  YAML::Node fields = node["fields"];
  if (fields.IsDefined()) {
    if (!fields.IsSequence()) {
      return YamlError(file, fields, path + ".fields", "expected a list");
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      BW_ASSIGN_OR_RETURN(FieldRule f,
                          ParseField(file, fields[i], Path(path, "fields", i)));
      route.fields.push_back(std::move(f));
    }
  }
  YAML::Node lookups = node["lookups"];
  if (lookups.IsDefined()) {
    if (!lookups.IsSequence()) {
      return YamlError(file, lookups, path + ".lookups", "expected a list");
    }
    for (size_t i = 0; i < lookups.size(); ++i) {
      BW_ASSIGN_OR_RETURN(LookupRule l, ParseLookup(file, lookups[i],
                                                    Path(path, "lookups", i)));
      route.lookups.push_back(std::move(l));
    }
  }
  YAML::Node owner = node["owner"];
  if (owner.IsDefined()) {
    std::string opath = path + ".owner";
    BW_RETURN_IF_ERROR(
        CheckKeys(file, owner, opath, {"from", "object", "email_field"}));
    OwnerRule o;
    o.line = owner.Mark().line + 1;
    BW_ASSIGN_OR_RETURN(o.from, GetString(file, owner, opath, "from", true));
    BW_ASSIGN_OR_RETURN(o.object,
                        GetString(file, owner, opath, "object", true));
    BW_ASSIGN_OR_RETURN(
        o.email_field,
        GetString(file, owner, opath, "email_field", false, "email"));
    route.owner = o;
  }
  return route;
}

}  // namespace

const ObjectRoute* Map::Find(std::string_view source_object) const {
  for (const auto& r : objects) {
    if (r.source == source_object) return &r;
  }
  return nullptr;
}

absl::StatusOr<Map> ParseMap(std::string_view yaml_text,
                             std::string_view file_name) {
  BW_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml_text, file_name));
  BW_RETURN_IF_ERROR(
      CheckKeys(file_name, root, "",
                {"version", "source", "destination", "objects", "custom_fields",
                 "custom_objects", "pipelines"}));
  Map map;
  map.hash = record::Sha256Hex(yaml_text);
  BW_ASSIGN_OR_RETURN(map.version, GetInt(file_name, root, "", "version", 1));
  if (map.version != 1) {
    return YamlError(file_name, root["version"], "version",
                     "unsupported map version (this build reads 1)");
  }
  BW_ASSIGN_OR_RETURN(map.source,
                      GetString(file_name, root, "", "source", true));
  BW_ASSIGN_OR_RETURN(map.destination,
                      GetString(file_name, root, "", "destination", true));
  YAML::Node objects = root["objects"];
  if (!objects.IsDefined() || !objects.IsSequence() || objects.size() == 0) {
    return YamlError(file_name, root, "objects", "expected a non-empty list");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < objects.size(); ++i) {
    BW_ASSIGN_OR_RETURN(
        ObjectRoute r,
        ParseRoute(file_name, objects[i], Path("", "objects", i).substr(1)));
    if (!seen.insert(r.source).second) {
      return YamlError(file_name, objects[i], Path("", "objects", i).substr(1),
                       absl::StrCat("object '", r.source, "' is routed twice"));
    }
    map.objects.push_back(std::move(r));
  }
  YAML::Node cfs = root["custom_fields"];
  if (cfs.IsDefined()) {
    if (!cfs.IsSequence()) {
      return YamlError(file_name, cfs, "custom_fields", "expected a list");
    }
    for (size_t i = 0; i < cfs.size(); ++i) {
      std::string path = Path("", "custom_fields", i).substr(1);
      BW_RETURN_IF_ERROR(
          CheckKeys(file_name, cfs[i], path,
                    {"entity", "name", "label", "type", "choices"}));
      CustomFieldSpec spec;
      BW_ASSIGN_OR_RETURN(spec.entity,
                          GetString(file_name, cfs[i], path, "entity", true));
      BW_ASSIGN_OR_RETURN(spec.name,
                          GetString(file_name, cfs[i], path, "name", true));
      BW_ASSIGN_OR_RETURN(spec.label, GetString(file_name, cfs[i], path,
                                                "label", false, spec.name));
      BW_ASSIGN_OR_RETURN(
          spec.type, GetString(file_name, cfs[i], path, "type", false, "text"));
      if (cfs[i]["choices"].IsDefined()) {
        for (const auto& c : cfs[i]["choices"]) {
          spec.choices.push_back(c.as<std::string>(""));
        }
      }
      map.custom_fields.push_back(std::move(spec));
    }
  }
  YAML::Node cos = root["custom_objects"];
  if (cos.IsDefined()) {
    if (!cos.IsSequence()) {
      return YamlError(file_name, cos, "custom_objects", "expected a list");
    }
    for (size_t i = 0; i < cos.size(); ++i) {
      std::string path = Path("", "custom_objects", i).substr(1);
      BW_RETURN_IF_ERROR(
          CheckKeys(file_name, cos[i], path,
                    {"key", "singular", "plural", "primary_field"}));
      CustomObjectSpec spec;
      spec.line = cos[i].Mark().line + 1;
      BW_ASSIGN_OR_RETURN(spec.key,
                          GetString(file_name, cos[i], path, "key", true));
      BW_ASSIGN_OR_RETURN(
          spec.singular,
          GetString(file_name, cos[i], path, "singular", false, spec.key));
      BW_ASSIGN_OR_RETURN(spec.plural,
                          GetString(file_name, cos[i], path, "plural", false,
                                    spec.singular + "s"));
      BW_ASSIGN_OR_RETURN(
          spec.primary_field,
          GetString(file_name, cos[i], path, "primary_field", false, "name"));
      map.custom_objects.push_back(std::move(spec));
    }
  }
  YAML::Node pls = root["pipelines"];
  if (pls.IsDefined()) {
    if (!pls.IsSequence()) {
      return YamlError(file_name, pls, "pipelines", "expected a list");
    }
    for (size_t i = 0; i < pls.size(); ++i) {
      std::string path = Path("", "pipelines", i).substr(1);
      BW_RETURN_IF_ERROR(
          CheckKeys(file_name, pls[i], path, {"name", "stages"}));
      PipelineSpec spec;
      spec.line = pls[i].Mark().line + 1;
      BW_ASSIGN_OR_RETURN(spec.name,
                          GetString(file_name, pls[i], path, "name", true));
      YAML::Node stages = pls[i]["stages"];
      if (!stages.IsDefined() || !stages.IsSequence() || stages.size() == 0) {
        return YamlError(file_name, pls[i], path + ".stages",
                         "expected a non-empty list");
      }
      for (size_t j = 0; j < stages.size(); ++j) {
        std::string spath = Path(path, "stages", j);
        StageSpec st;
        if (stages[j].IsScalar()) {
          st.name = stages[j].as<std::string>("");
        } else {
          BW_RETURN_IF_ERROR(
              CheckKeys(file_name, stages[j], spath, {"name", "probability"}));
          BW_ASSIGN_OR_RETURN(
              st.name, GetString(file_name, stages[j], spath, "name", true));
          BW_ASSIGN_OR_RETURN(st.probability, GetInt(file_name, stages[j],
                                                     spath, "probability", -1));
          if (st.probability < -1 || st.probability > 100) {
            return YamlError(file_name, stages[j]["probability"],
                             spath + ".probability",
                             "expected a percentage 0..100");
          }
        }
        spec.stages.push_back(std::move(st));
      }
      map.pipelines.push_back(std::move(spec));
    }
  }
  // Lookups and owners must name routed objects.
  for (size_t i = 0; i < map.objects.size(); ++i) {
    const ObjectRoute& r = map.objects[i];
    for (const LookupRule& l : r.lookups) {
      if (map.Find(l.object) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(file_name), ":", l.line, ": objects[", i,
            "].lookups: object '", l.object, "' is not in the map"));
      }
    }
    if (r.owner && map.Find(r.owner->object) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(file_name), ":", r.owner->line, ": objects[", i,
          "].owner: object '", r.owner->object, "' is not in the map"));
    }
  }
  return map;
}

absl::StatusOr<std::vector<const ObjectRoute*>> LoadOrder(const Map& map) {
  std::vector<const ObjectRoute*> order;
  for (const auto& r : map.objects) {
    if (r.kind == ObjectRoute::Kind::kReference) order.push_back(&r);
  }
  // Kahn's algorithm over lookups between loaded objects, stable in map
  // order.
  std::vector<const ObjectRoute*> pending;
  for (const auto& r : map.objects) {
    if (r.kind == ObjectRoute::Kind::kLoad) pending.push_back(&r);
  }
  std::set<std::string> done;
  while (!pending.empty()) {
    bool progressed = false;
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      bool ready = true;
      for (const LookupRule& l : (*it)->lookups) {
        const ObjectRoute* dep = map.Find(l.object);
        if (l.object != (*it)->source && !l.deferrable && dep != nullptr &&
            dep->kind == ObjectRoute::Kind::kLoad && !done.count(l.object)) {
          ready = false;
        }
      }
      if (ready) {
        done.insert((*it)->source);
        order.push_back(*it);
        pending.erase(it);
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "map: lookups form a cycle through '", pending.front()->source,
          "'; mark one of them deferrable"));
    }
  }
  for (const auto& r : map.objects) {
    if (r.kind == ObjectRoute::Kind::kNotMigrated) order.push_back(&r);
  }
  return order;
}

}  // namespace bridgework::mapping
