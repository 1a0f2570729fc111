#include "libs/mapping/map.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/mapping/yaml_util.h"
#include "libs/record/value.h"

namespace bridgework::mapping {
namespace {

// The transforms a field rule may name, in the order error messages list
// them ("" is no transform).
const std::vector<std::string>& KnownTransforms() {
  static const auto* kKnown = new std::vector<std::string>{
      "email",     "phone",     "join", "date",  "time",  "datetime",
      "hhmm",      "html_text", "text", "lower", "upper", "first_name",
      "last_name", "tooth",     "json", "number"};
  return *kKnown;
}

std::string Path(std::string_view base, std::string_view key, size_t index) {
  return absl::StrCat(ToAbsl(base), ".", ToAbsl(key), "[", index, "]");
}

// Why a template is malformed ("{" without "}", an empty or non-identifier
// placeholder), or nullopt.
std::optional<std::string> CheckTemplate(std::string_view t) {
  bool any = false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '}') return "a '}' without its '{'";
    if (t[i] != '{') continue;
    size_t end = t.find('}', i);
    if (end == std::string_view::npos) return "a '{' without its '}'";
    std::string_view name = t.substr(i + 1, end - i - 1);
    if (name.empty()) return "an empty placeholder '{}'";
    for (char c : name) {
      if (!absl::ascii_isalnum(c) && c != '_') {
        return absl::StrCat("'{", ToAbsl(name),
                            "}' is not a field name (letters, digits, _)");
      }
    }
    any = true;
    i = end;
  }
  if (!any) return "a template needs a {field}; use 'const' for fixed text";
  return std::nullopt;
}

// The policy named by `key` of `node` (a field's `phi`, the map's
// `phi_default`); an unknown name is an error naming `what`.
absl::StatusOr<PhiPolicy> GetPhiPolicy(
    std::string_view file, const YAML::Node& node, const std::string& path,
    std::string_view key, std::string_view what, PhiPolicy fallback) {
  if (!node[std::string(key)].IsDefined()) return fallback;
  BW_ASSIGN_OR_RETURN(std::string name, GetString(file, node, path, key, true));
  std::optional<PhiPolicy> policy = ParsePhiPolicy(name);
  if (!policy) {
    return YamlError(
        file, node[std::string(key)],
        absl::StrCat(path, path.empty() ? "" : ".", ToAbsl(key)),
        absl::StrCat("unknown PHI policy '", name, "'", ToAbsl(what),
                     " (known: ", ToAbsl(KnownPhiPolicies()), ")"));
  }
  return *policy;
}

absl::StatusOr<FieldRule> ParseField(std::string_view file,
                                     const YAML::Node& node,
                                     const std::string& path,
                                     PhiPolicy phi_default) {
  BW_RETURN_IF_ERROR(
      CheckKeys(file, node, path,
                {"to", "from", "const", "transform", "separator", "values",
                 "default", "required", "zone", "plus_minutes", "numbering",
                 "template", "not_before", "not_after", "phi"}));
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
  if (node["template"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(std::string t,
                        GetString(file, node, path, "template", true));
    if (auto why = CheckTemplate(t)) {
      return YamlError(file, node["template"], path + ".template", *why);
    }
    rule.template_text = t;
  }
  if (!rule.from.empty() + rule.constant.has_value() +
          rule.template_text.has_value() !=
      1) {
    return YamlError(file, node, path,
                     "give exactly one of 'from', 'const' or 'template'");
  }
  BW_ASSIGN_OR_RETURN(rule.transform,
                      GetString(file, node, path, "transform", false));
  const auto& known = KnownTransforms();
  if (!rule.transform.empty() &&
      std::find(known.begin(), known.end(), rule.transform) == known.end()) {
    return YamlError(
        file, node["transform"], path,
        absl::StrCat("unknown transform '", rule.transform,
                     "' (known: ", absl::StrJoin(known, ", "), ")"));
  }
  BW_ASSIGN_OR_RETURN(rule.numbering,
                      GetString(file, node, path, "numbering", false));
  if (rule.transform == "tooth") {
    if (rule.numbering != "FDI" && rule.numbering != "Universal") {
      return YamlError(file,
                       node["numbering"].IsDefined() ? node["numbering"] : node,
                       path + ".numbering",
                       "transform tooth needs 'numbering: FDI' or "
                       "'numbering: Universal'");
    }
  } else if (!rule.numbering.empty()) {
    return YamlError(file, node["numbering"], path + ".numbering",
                     "'numbering' applies to transform tooth");
  }
  if (!rule.from.empty() && rule.from[0] == "*" && rule.transform != "json") {
    return YamlError(file, node["from"], path + ".from",
                     "'*' (the whole record) needs transform: json");
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
  for (auto [key, bound] :
       {std::pair<const char*, std::string*>{"not_before", &rule.not_before},
        {"not_after", &rule.not_after}}) {
    BW_ASSIGN_OR_RETURN(*bound, GetString(file, node, path, key, false));
    if (bound->empty()) continue;
    const std::string key_path = absl::StrCat(path, ".", key);
    if (*bound != "today" && !record::ParseDate(*bound).ok()) {
      return YamlError(file, node[key], key_path,
                       "want a date YYYY-MM-DD or 'today'");
    }
    if (rule.from.size() != 1 ||
        (!rule.transform.empty() && rule.transform != "date" &&
         rule.transform != "datetime")) {
      return YamlError(file, node[key], key_path,
                       absl::StrCat("'", key,
                                    "' applies to one 'from' date field, "
                                    "with no transform or transform date "
                                    "or datetime"));
    }
  }
  if (!rule.not_before.empty() && rule.not_before != "today" &&
      !rule.not_after.empty() && rule.not_after != "today" &&
      record::DateToString(*record::ParseDate(rule.not_before)) >
          record::DateToString(*record::ParseDate(rule.not_after))) {
    return YamlError(file, node["not_after"], path + ".not_after",
                     "is before not_before: no date could pass");
  }
  BW_ASSIGN_OR_RETURN(rule.required,
                      GetBool(file, node, path, "required", false));
  // The PHI policy: the field's own, else the map's default; a constant
  // holds no patient data.
  const bool own_phi = node["phi"].IsDefined();
  if (own_phi && rule.constant) {
    return YamlError(file, node["phi"], path + ".phi",
                     absl::StrCat("field '", rule.to,
                                  "' is a constant, which holds no patient "
                                  "data; 'phi' applies to 'from' or "
                                  "'template' fields"));
  }
  BW_ASSIGN_OR_RETURN(
      rule.phi,
      GetPhiPolicy(file, node, path, "phi",
                   absl::StrCat(" for field '", rule.to, "'"),
                   rule.constant ? PhiPolicy::kMigrate : phi_default));
  if (rule.phi == PhiPolicy::kDrop && rule.required) {
    return YamlError(
        file, own_phi ? node["phi"] : node, path + ".phi",
        absl::StrCat("field '", rule.to, "' is required; a dropped field",
                     own_phi ? "" : " (phi_default: drop)",
                     " can never be present (use hash or note, or drop "
                     "'required')"));
  }
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

// Reads a list of scalars (or one scalar) as strings.
absl::StatusOr<std::vector<std::string>> GetStringList(
    std::string_view file, const YAML::Node& node, const std::string& path) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    return YamlError(file, node, path, "expected a value or a list of values");
  }
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      return YamlError(file, item, path, "expected a list of values");
    }
    out.push_back(item.Scalar());
  }
  return out;
}

absl::StatusOr<Condition> ParseCondition(std::string_view file,
                                         const YAML::Node& node,
                                         const std::string& path, int depth) {
  if (depth > 16) {
    return YamlError(file, node, path, "conditions nest too deeply");
  }
  if (!node.IsMap()) {
    return YamlError(file, node, path, "expected a condition (a mapping)");
  }
  Condition c;
  c.line = node.Mark().line + 1;
  auto children = [&](const char* key) -> absl::Status {
    YAML::Node list = node[key];
    if (!list.IsSequence() || list.size() == 0) {
      return YamlError(file, list, path + "." + key,
                       "expected a non-empty list of conditions");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      BW_ASSIGN_OR_RETURN(
          Condition child,
          ParseCondition(file, list[i], Path(path, key, i), depth + 1));
      c.children.push_back(std::move(child));
    }
    return absl::OkStatus();
  };
  if (node["all"].IsDefined() || node["any"].IsDefined()) {
    const char* key = node["all"].IsDefined() ? "all" : "any";
    BW_RETURN_IF_ERROR(CheckKeys(file, node, path, {key}));
    c.kind =
        node["all"].IsDefined() ? Condition::Kind::kAll : Condition::Kind::kAny;
    BW_RETURN_IF_ERROR(children(key));
    return c;
  }
  if (node["not"].IsDefined()) {
    BW_RETURN_IF_ERROR(CheckKeys(file, node, path, {"not"}));
    c.kind = Condition::Kind::kNot;
    BW_ASSIGN_OR_RETURN(
        Condition child,
        ParseCondition(file, node["not"], path + ".not", depth + 1));
    c.children.push_back(std::move(child));
    return c;
  }
  if (node["related"].IsDefined()) {
    BW_RETURN_IF_ERROR(CheckKeys(
        file, node, path, {"related", "via", "where", "count", "min", "max"}));
    c.kind = Condition::Kind::kRelated;
    BW_ASSIGN_OR_RETURN(c.object, GetString(file, node, path, "related", true));
    BW_ASSIGN_OR_RETURN(c.via, GetString(file, node, path, "via", true));
    if (node["where"].IsDefined()) {
      BW_ASSIGN_OR_RETURN(
          Condition where,
          ParseCondition(file, node["where"], path + ".where", depth + 1));
      std::vector<const Condition*> nested;
      CollectRelated(where, &nested);
      if (!nested.empty()) {
        return YamlError(file, node["where"], path + ".where",
                         "'where' tests the related records' fields; it "
                         "cannot count records of its own");
      }
      c.children.push_back(std::move(where));
    }
    const bool has_count = node["count"].IsDefined();
    if (has_count && (node["min"].IsDefined() || node["max"].IsDefined())) {
      return YamlError(file, node["count"], path + ".count",
                       "give 'count', or 'min' and/or 'max'");
    }
    if (!has_count && !node["min"].IsDefined() && !node["max"].IsDefined()) {
      return YamlError(file, node, path,
                       "say how many related records: 'count', 'min' or "
                       "'max'");
    }
    BW_ASSIGN_OR_RETURN(int count, GetInt(file, node, path, "count", -1));
    BW_ASSIGN_OR_RETURN(int min, GetInt(file, node, path, "min", 0));
    BW_ASSIGN_OR_RETURN(int max, GetInt(file, node, path, "max", -1));
    if (has_count) min = max = count;
    if (min < 0 || (max >= 0 && max < min) || (has_count && count < 0)) {
      return YamlError(file, node, path,
                       "counts are whole numbers and min <= max");
    }
    c.min = min;
    c.max = max < 0 ? INT64_MAX : max;
    return c;
  }
  if (node["field"].IsDefined()) {
    BW_RETURN_IF_ERROR(CheckKeys(file, node, path,
                                 {"field", "equals", "in", "not_in", "empty"}));
    c.kind = Condition::Kind::kField;
    BW_ASSIGN_OR_RETURN(c.field, GetString(file, node, path, "field", true));
    int tests = 0;
    for (const char* key : {"equals", "in", "not_in", "empty"}) {
      if (node[key].IsDefined()) ++tests;
    }
    if (tests != 1) {
      return YamlError(file, node, path,
                       "give exactly one of 'equals', 'in', 'not_in' or "
                       "'empty'");
    }
    if (node["empty"].IsDefined()) {
      BW_ASSIGN_OR_RETURN(c.empty, GetBool(file, node, path, "empty", true));
      return c;
    }
    const char* key = node["equals"].IsDefined() ? "equals"
                      : node["in"].IsDefined()   ? "in"
                                                 : "not_in";
    BW_ASSIGN_OR_RETURN(
        c.values, GetStringList(file, node[key], absl::StrCat(path, ".", key)));
    if (c.values.empty()) {
      return YamlError(file, node[key], absl::StrCat(path, ".", key),
                       "list at least one value");
    }
    c.negate = std::string_view(key) == "not_in";
    return c;
  }
  return YamlError(file, node, path,
                   "unknown condition (known: field, related, all, any, not)");
}

absl::StatusOr<IntoRule> ParseInto(std::string_view file,
                                   const YAML::Node& node,
                                   const std::string& path) {
  if (!node.IsMap()) {
    return YamlError(file, node, path, "expected a mapping");
  }
  BW_RETURN_IF_ERROR(CheckKeys(
      file, node, path, {"object", "via", "order_by", "descending", "all"}));
  IntoRule into;
  into.line = node.Mark().line + 1;
  BW_ASSIGN_OR_RETURN(into.object, GetString(file, node, path, "object", true));
  BW_ASSIGN_OR_RETURN(into.via, GetString(file, node, path, "via", true));
  BW_ASSIGN_OR_RETURN(into.order_by,
                      GetString(file, node, path, "order_by", false));
  BW_ASSIGN_OR_RETURN(into.descending,
                      GetBool(file, node, path, "descending", false));
  BW_ASSIGN_OR_RETURN(into.all, GetBool(file, node, path, "all", false));
  if (into.all && !into.order_by.empty()) {
    return YamlError(file, node["all"], path + ".all",
                     "'all' takes every record; 'order_by' picks one");
  }
  return into;
}

absl::StatusOr<ObjectRoute> ParseRoute(std::string_view file,
                                       const YAML::Node& node,
                                       const std::string& path,
                                       PhiPolicy phi_default) {
  BW_RETURN_IF_ERROR(
      CheckKeys(file, node, path,
                {"source", "target", "route", "reason", "external_key_field",
                 "fields", "lookups", "owner", "id", "seed", "when", "extends",
                 "into", "match", "phi_note"}));
  ObjectRoute route;
  route.line = node.Mark().line + 1;
  BW_ASSIGN_OR_RETURN(route.source,
                      GetString(file, node, path, "source", true));
  BW_ASSIGN_OR_RETURN(route.id,
                      GetString(file, node, path, "id", false, route.source));
  if (node["seed"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(route.seed_rows,
                        GetStringList(file, node["seed"], path + ".seed"));
  }
  if (node["when"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(Condition when,
                        ParseCondition(file, node["when"], path + ".when", 0));
    route.when = std::move(when);
  }
  if (node["into"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(IntoRule into,
                        ParseInto(file, node["into"], path + ".into"));
    route.into = std::move(into);
  }
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
  const bool needs_target = route.kind == ObjectRoute::Kind::kLoad &&
                            !route.into && !node["extends"].IsDefined();
  BW_ASSIGN_OR_RETURN(route.target,
                      GetString(file, node, path, "target", needs_target));
  if (route.into && !route.target.empty()) {
    return YamlError(file, node["target"], path + ".target",
                     "a many-to-one route ('into') writes onto its object's "
                     "target; it has no target of its own");
  }
  if (route.kind != ObjectRoute::Kind::kLoad &&
      (route.when || route.into || node["extends"].IsDefined())) {
    return YamlError(file, node, path,
                     "'when', 'into' and 'extends' apply to loaded routes");
  }
  BW_ASSIGN_OR_RETURN(route.reason,
                      GetString(file, node, path, "reason",
                                route.kind != ObjectRoute::Kind::kLoad));
  BW_ASSIGN_OR_RETURN(route.external_key_field,
                      GetString(file, node, path, "external_key_field", false,
                                "cf_bridgework_key"));
  if (node["match"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(route.match_fields,
                        GetStringList(file, node["match"], path + ".match"));
    if (route.kind != ObjectRoute::Kind::kLoad || route.into) {
      return YamlError(file, node["match"], path + ".match",
                       "'match' applies to routes that load records");
    }
  }
  YAML::Node fields = node["fields"];
  if (fields.IsDefined()) {
    if (!fields.IsSequence()) {
      return YamlError(file, fields, path + ".fields", "expected a list");
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      BW_ASSIGN_OR_RETURN(
          FieldRule f,
          ParseField(file, fields[i], Path(path, "fields", i), phi_default));
      route.fields.push_back(std::move(f));
    }
  }
  BW_ASSIGN_OR_RETURN(route.phi_note,
                      GetString(file, node, path, "phi_note", false));
  if (!route.phi_note.empty() && route.kind != ObjectRoute::Kind::kLoad) {
    return YamlError(file, node["phi_note"], path + ".phi_note",
                     "'phi_note' applies to routes that load records");
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

// Applies `extends: <id>`: the route takes the base route's target, key
// field, fields, lookups and owner, and its own fields and lookups replace
// the base's with the same `to` or are added after them. The base is an
// earlier route of the same source object.
absl::Status Extend(std::string_view file, const YAML::Node& node,
                    const std::string& path,
                    const std::vector<ObjectRoute>& earlier,
                    ObjectRoute* route) {
  BW_ASSIGN_OR_RETURN(std::string base_id,
                      GetString(file, node, path, "extends", true));
  const ObjectRoute* base = nullptr;
  for (const ObjectRoute& r : earlier) {
    if (r.id == base_id) base = &r;
  }
  if (base == nullptr || base->source != route->source ||
      base->kind != ObjectRoute::Kind::kLoad || base->into) {
    return YamlError(
        file, node["extends"], path + ".extends",
        absl::StrCat("'", base_id, "' is not an earlier loaded route of '",
                     route->source, "'"));
  }
  if (route->target.empty()) route->target = base->target;
  if (!node["external_key_field"].IsDefined()) {
    route->external_key_field = base->external_key_field;
  }
  if (!route->owner) route->owner = base->owner;
  if (route->match_fields.empty()) route->match_fields = base->match_fields;
  if (route->phi_note.empty()) route->phi_note = base->phi_note;
  auto merge = [](auto base_rules, auto& own) {
    for (auto& rule : own) {
      bool replaced = false;
      for (auto& b : base_rules) {
        if (b.to == rule.to) {
          b = rule;
          replaced = true;
        }
      }
      if (!replaced) base_rules.push_back(rule);
    }
    own = std::move(base_rules);
  };
  merge(base->fields, route->fields);
  merge(base->lookups, route->lookups);
  return absl::OkStatus();
}

// Checks the routes of each source object together: several routes are
// only allowed for loaded objects; of the alternatives (loaded routes
// without `into`), only the last may lack a condition; a many-to-one
// route's object is loaded by the map.
absl::Status CheckRouteGroups(std::string_view file, const YAML::Node& nodes,
                              const std::vector<ObjectRoute>& routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    const ObjectRoute& r = routes[i];
    const std::string path = Path("", "objects", i).substr(1);
    for (size_t j = i + 1; j < routes.size(); ++j) {
      const ObjectRoute& later = routes[j];
      if (later.source != r.source) continue;
      if (r.kind != ObjectRoute::Kind::kLoad ||
          later.kind != ObjectRoute::Kind::kLoad) {
        return YamlError(file, nodes[j], Path("", "objects", j).substr(1),
                         absl::StrCat("object '", r.source,
                                      "' has a reference or not_migrated "
                                      "route; it cannot have others"));
      }
      if (!r.into && !later.into && !r.when) {
        return YamlError(
            file, nodes[j], Path("", "objects", j).substr(1),
            absl::StrCat("route '", r.id, "' has no 'when' and takes every '",
                         r.source,
                         "' record; this later route "
                         "is never used"));
      }
    }
    if (r.into && r.when) {
      std::vector<const Condition*> related;
      CollectRelated(*r.when, &related);
      if (!related.empty()) {
        return YamlError(file, nodes[i]["when"], path + ".when",
                         "a many-to-one route's 'when' tests fields only");
      }
    }
    if (r.into) {
      bool loaded = false;
      for (const ObjectRoute& t : routes) {
        if (t.source == r.into->object && t.kind == ObjectRoute::Kind::kLoad &&
            !t.into) {
          loaded = true;
        }
      }
      if (!loaded || r.into->object == r.source) {
        return YamlError(file, nodes[i]["into"], path + ".into.object",
                         absl::StrCat("'", r.into->object,
                                      "' is not another object the map "
                                      "loads"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

const ObjectRoute* Map::Find(std::string_view source_object) const {
  for (const auto& r : objects) {
    if (r.source == source_object) return &r;
  }
  return nullptr;
}

std::vector<const ObjectRoute*> Map::RoutesOf(
    std::string_view source_object) const {
  std::vector<const ObjectRoute*> out;
  for (const auto& r : objects) {
    if (r.source == source_object) out.push_back(&r);
  }
  return out;
}

std::vector<const ObjectRoute*> Map::IntoRoutesOnto(
    std::string_view source_object) const {
  std::vector<const ObjectRoute*> out;
  for (const auto& r : objects) {
    if (r.into && r.into->object == source_object) out.push_back(&r);
  }
  return out;
}

namespace {

// The value of `field` as trimmed text; empty for a missing or null field.
std::string TextOf(const v1::Record& record, const std::string& field) {
  auto it = record.fields().find(field);
  if (it == record.fields().end() || record::IsNull(it->second)) return "";
  return std::string(
      absl::StripAsciiWhitespace(ToAbsl(record::ValueToText(it->second))));
}

}  // namespace

bool Holds(const Condition& c, const v1::Record& record,
           const std::function<int64_t(const Condition&)>& related_count) {
  switch (c.kind) {
    case Condition::Kind::kAll:
      for (const Condition& child : c.children) {
        if (!Holds(child, record, related_count)) return false;
      }
      return true;
    case Condition::Kind::kAny:
      for (const Condition& child : c.children) {
        if (Holds(child, record, related_count)) return true;
      }
      return false;
    case Condition::Kind::kNot:
      return !Holds(c.children.front(), record, related_count);
    case Condition::Kind::kField: {
      const std::string text = TextOf(record, c.field);
      if (c.values.empty()) return text.empty() == c.empty;
      bool in = false;
      for (const std::string& v : c.values) {
        if (absl::EqualsIgnoreCase(ToAbsl(text),
                                   absl::StripAsciiWhitespace(ToAbsl(v)))) {
          in = true;
        }
      }
      return in != c.negate;
    }
    case Condition::Kind::kRelated: {
      const int64_t n = related_count(c);
      return n >= c.min && n <= c.max;
    }
  }
  return false;
}

void CollectRelated(const Condition& condition,
                    std::vector<const Condition*>* out) {
  if (condition.kind == Condition::Kind::kRelated) {
    out->push_back(&condition);
    return;  // a `where` holds field tests of the related records
  }
  for (const Condition& child : condition.children) {
    CollectRelated(child, out);
  }
}

namespace {

// The fields `condition` tests of the record it is evaluated on (a
// `related` node's own fields are the related records').
void CollectTested(const Condition& condition, std::set<std::string>* out) {
  if (condition.kind == Condition::Kind::kRelated) return;
  if (condition.kind == Condition::Kind::kField) out->insert(condition.field);
  for (const Condition& child : condition.children) {
    CollectTested(child, out);
  }
}

// The `{field}` placeholders of a template.
void CollectPlaceholders(const std::string& text, std::set<std::string>* out) {
  for (size_t open = text.find('{'); open != std::string::npos;
       open = text.find('{', open + 1)) {
    const size_t close = text.find('}', open);
    if (close == std::string::npos) return;
    out->insert(text.substr(open + 1, close - open - 1));
  }
}

}  // namespace

std::optional<std::vector<std::string>> FieldsRead(
    const Map& map, std::string_view source_object) {
  std::set<std::string> read;
  for (const ObjectRoute& route : map.objects) {
    // Other routes reading this object's records.
    if (route.owner && route.owner->object == source_object) {
      read.insert(route.owner->email_field);
    }
    if (route.when) {
      std::vector<const Condition*> related;
      CollectRelated(*route.when, &related);
      for (const Condition* c : related) {
        if (c->object != source_object) continue;
        read.insert(c->via);
        for (const Condition& where : c->children) CollectTested(where, &read);
      }
    }
    if (route.source != source_object || route.kind != ObjectRoute::Kind::kLoad)
      continue;
    // This object's own routes.
    for (const FieldRule& rule : route.fields) {
      if (rule.phi == PhiPolicy::kDrop) continue;
      for (const std::string& from : rule.from) {
        if (from == "*") return std::nullopt;
        read.insert(from);
      }
      if (rule.template_text) CollectPlaceholders(*rule.template_text, &read);
      if (!rule.plus_minutes.empty()) read.insert(rule.plus_minutes);
    }
    for (const LookupRule& lookup : route.lookups) read.insert(lookup.from);
    if (route.owner) read.insert(route.owner->from);
    if (route.when) CollectTested(*route.when, &read);
    if (route.into) {
      read.insert(route.into->via);
      if (!route.into->order_by.empty()) read.insert(route.into->order_by);
    }
  }
  return std::vector<std::string>(read.begin(), read.end());
}

std::vector<PhiField> PhiFields(const Map& map) {
  std::vector<PhiField> out;
  for (const ObjectRoute& route : map.objects) {
    for (const FieldRule& f : route.fields) {
      if (f.phi == PhiPolicy::kMigrate) continue;
      out.push_back({route.id, f.to, f.from, f.phi,
                     f.phi == PhiPolicy::kNote ? route.phi_note : ""});
    }
  }
  return out;
}

absl::StatusOr<Map> ParseMap(std::string_view yaml_text,
                             std::string_view file_name) {
  BW_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml_text, file_name));
  BW_RETURN_IF_ERROR(CheckKeys(file_name, root, "",
                               {"version", "source", "destination", "objects",
                                "custom_fields", "custom_objects", "pipelines",
                                "territories", "seed_rows", "phi_default"}));
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
  BW_ASSIGN_OR_RETURN(map.phi_default,
                      GetPhiPolicy(file_name, root, "", "phi_default", "",
                                   PhiPolicy::kMigrate));
  YAML::Node objects = root["objects"];
  if (!objects.IsDefined() || !objects.IsSequence() || objects.size() == 0) {
    return YamlError(file_name, root, "objects", "expected a non-empty list");
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < objects.size(); ++i) {
    const std::string path = Path("", "objects", i).substr(1);
    BW_ASSIGN_OR_RETURN(ObjectRoute r, ParseRoute(file_name, objects[i], path,
                                                  map.phi_default));
    if (!ids.insert(r.id).second) {
      return YamlError(
          file_name, objects[i], path,
          r.id == r.source
              ? absl::StrCat("object '", r.source,
                             "' is routed twice; give each of its routes an "
                             "'id'")
              : absl::StrCat("route id '", r.id, "' is used twice"));
    }
    if (objects[i]["extends"].IsDefined()) {
      BW_RETURN_IF_ERROR(Extend(file_name, objects[i], path, map.objects, &r));
    }
    for (const std::string& m : r.match_fields) {
      const FieldRule* written = nullptr;
      for (const FieldRule& f : r.fields) {
        if (f.to == m) written = &f;
      }
      if (written == nullptr || written->phi == PhiPolicy::kDrop ||
          written->phi == PhiPolicy::kNote) {
        return YamlError(
            file_name, objects[i]["match"], path + ".match",
            absl::StrCat("'", m, "' is not a field this route writes"));
      }
      if (written->phi != PhiPolicy::kMigrate) {
        return YamlError(file_name, objects[i]["match"], path + ".match",
                         absl::StrCat("'", m, "' is written with phi: ",
                                      ToAbsl(PhiPolicyName(written->phi)),
                                      "; match on fields that are migrated"));
      }
    }
    for (const FieldRule& f : r.fields) {
      if (f.phi == PhiPolicy::kNote && r.phi_note.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            ToAbsl(file_name), ":", f.line, ": ", path, ".fields: field '",
            f.to,
            "' has phi: note, but its route has no phi_note (the field "
            "that holds the record's note text)"));
      }
    }
    map.objects.push_back(std::move(r));
  }
  BW_RETURN_IF_ERROR(CheckRouteGroups(file_name, objects, map.objects));
  YAML::Node cfs = root["custom_fields"];
  if (cfs.IsDefined()) {
    if (!cfs.IsSequence()) {
      return YamlError(file_name, cfs, "custom_fields", "expected a list");
    }
    for (size_t i = 0; i < cfs.size(); ++i) {
      std::string path = Path("", "custom_fields", i).substr(1);
      BW_RETURN_IF_ERROR(
          CheckKeys(file_name, cfs[i], path,
                    {"entity", "name", "label", "type", "choices", "related"}));
      CustomFieldSpec spec;
      BW_ASSIGN_OR_RETURN(spec.entity,
                          GetString(file_name, cfs[i], path, "entity", true));
      BW_ASSIGN_OR_RETURN(spec.name,
                          GetString(file_name, cfs[i], path, "name", true));
      BW_ASSIGN_OR_RETURN(spec.label, GetString(file_name, cfs[i], path,
                                                "label", false, spec.name));
      BW_ASSIGN_OR_RETURN(
          spec.type, GetString(file_name, cfs[i], path, "type", false, "text"));
      BW_ASSIGN_OR_RETURN(spec.related,
                          GetString(file_name, cfs[i], path, "related", false));
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
  YAML::Node territories = root["territories"];
  if (territories.IsDefined()) {
    if (!territories.IsSequence()) {
      return YamlError(file_name, territories, "territories",
                       "expected a list of names");
    }
    for (size_t i = 0; i < territories.size(); ++i) {
      std::string name =
          territories[i].IsScalar() ? territories[i].as<std::string>("") : "";
      if (name.empty()) {
        return YamlError(file_name, territories[i],
                         Path("", "territories", i).substr(1),
                         "expected a territory name");
      }
      map.territories.push_back(std::move(name));
    }
  }
  YAML::Node notes = root["seed_rows"];
  if (notes.IsDefined()) {
    if (!notes.IsSequence()) {
      return YamlError(file_name, notes, "seed_rows", "expected a list");
    }
    for (size_t i = 0; i < notes.size(); ++i) {
      std::string path = Path("", "seed_rows", i).substr(1);
      BW_RETURN_IF_ERROR(CheckKeys(file_name, notes[i], path, {"row", "note"}));
      SeedRowNote n;
      n.line = notes[i].Mark().line + 1;
      BW_ASSIGN_OR_RETURN(n.row,
                          GetString(file_name, notes[i], path, "row", true));
      BW_ASSIGN_OR_RETURN(n.note,
                          GetString(file_name, notes[i], path, "note", true));
      map.seed_rows.push_back(std::move(n));
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

absl::StatusOr<std::vector<std::string>> LoadOrder(const Map& map) {
  std::vector<std::string> order;
  std::set<std::string> placed;
  auto place = [&](const std::string& source) {
    if (placed.insert(source).second) order.push_back(source);
  };
  for (const auto& r : map.objects) {
    if (r.kind == ObjectRoute::Kind::kReference) place(r.source);
  }
  // The objects a loaded source object must come after: its lookups' and
  // its many-to-one route's objects, when the map loads them.
  auto loads = [&](const std::string& source) {
    for (const ObjectRoute* r : map.RoutesOf(source)) {
      if (r->kind == ObjectRoute::Kind::kLoad) return true;
    }
    return false;
  };
  std::vector<std::string> pending;
  for (const auto& r : map.objects) {
    if (r.kind == ObjectRoute::Kind::kLoad &&
        std::find(pending.begin(), pending.end(), r.source) == pending.end()) {
      pending.push_back(r.source);
    }
  }
  // Kahn's algorithm, stable in map order.
  std::set<std::string> done;
  while (!pending.empty()) {
    bool progressed = false;
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      bool ready = true;
      // Its own routes' lookups, and those of the many-to-one routes
      // writing onto it (campaign members' contacts onto the campaign).
      std::vector<const ObjectRoute*> routes = map.RoutesOf(*it);
      for (const ObjectRoute* r : map.IntoRoutesOnto(*it)) routes.push_back(r);
      for (const ObjectRoute* r : routes) {
        for (const LookupRule& l : r->lookups) {
          if (l.object != *it && l.object != r->source && !l.deferrable &&
              loads(l.object) && !done.count(l.object)) {
            ready = false;
          }
        }
        if (r->into && r->source == *it && !done.count(r->into->object)) {
          ready = false;
        }
      }
      if (ready) {
        done.insert(*it);
        place(*it);
        pending.erase(it);
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      return absl::InvalidArgumentError(
          absl::StrCat("map: lookups form a cycle through '", pending.front(),
                       "'; mark one of them deferrable"));
    }
  }
  for (const auto& r : map.objects) {
    if (r.kind == ObjectRoute::Kind::kNotMigrated) place(r.source);
  }
  return order;
}

}  // namespace bridgework::mapping
