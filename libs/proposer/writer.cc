#include "libs/proposer/writer.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/common/strings.h"

namespace bridgework::proposer {
namespace {

using Decision = FieldProposal::Decision;
using CKind = Candidate::Kind;

std::string Conf(double c) { return absl::StrFormat("%.2f", c); }

// Alternatives of an open question scoring below this are not shown.
constexpr double kShownAlternative = 0.2;

// A comment line's text: one line, no control characters.
std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) {
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  return out;
}

std::string FlowList(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const std::string& i : items) q.push_back(YamlScalar(i));
  return absl::StrCat("[", absl::StrJoin(q, ", "), "]");
}

std::string FlowMap(const std::map<std::string, std::string>& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) {
    parts.push_back(absl::StrCat(YamlScalar(k), ": ", YamlScalar(v)));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

struct RuleText {
  std::string to;
  std::vector<std::string> from;
  std::string constant;
  bool is_const = false;
  std::string transform, numbering, zone, separator = " ", plus_minutes;
  std::string not_before, not_after;
  std::map<std::string, std::string> values;
  std::optional<std::string> default_value;
  bool required = false;

  std::string Render() const {
    std::vector<std::string> parts = {absl::StrCat("to: ", YamlScalar(to))};
    if (is_const) {
      parts.push_back(absl::StrCat("const: ", YamlScalar(constant)));
    } else if (from.size() == 1) {
      parts.push_back(absl::StrCat("from: ", YamlScalar(from[0])));
    } else {
      parts.push_back(absl::StrCat("from: ", FlowList(from)));
    }
    if (!plus_minutes.empty()) {
      parts.push_back(absl::StrCat("plus_minutes: ", YamlScalar(plus_minutes)));
    }
    if (!transform.empty()) {
      parts.push_back(absl::StrCat("transform: ", YamlScalar(transform)));
    }
    if (!numbering.empty()) {
      parts.push_back(absl::StrCat("numbering: ", YamlScalar(numbering)));
    }
    if (!zone.empty()) {
      parts.push_back(absl::StrCat("zone: ", YamlScalar(zone)));
    }
    if (!not_before.empty()) {
      parts.push_back(absl::StrCat("not_before: ", YamlScalar(not_before)));
    }
    if (!not_after.empty()) {
      parts.push_back(absl::StrCat("not_after: ", YamlScalar(not_after)));
    }
    if (transform == "join" && separator != " ") {
      parts.push_back(absl::StrCat("separator: ", YamlScalar(separator)));
    }
    if (!values.empty()) {
      parts.push_back(absl::StrCat("values: ", FlowMap(values)));
    }
    if (default_value) {
      parts.push_back(absl::StrCat("default: ", YamlScalar(*default_value)));
    }
    if (required) parts.push_back("required: true");
    return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
  }
};

// The rule(s) one candidate writes for one source field.
std::vector<RuleText> RulesOf(const Candidate& c, const std::string& field) {
  std::vector<RuleText> out;
  RuleText r;
  r.to = c.target;
  if (!c.plus_minutes_of.empty()) {
    r.from = {c.plus_minutes_of};
    r.plus_minutes = field;
  } else {
    r.from = {field};
  }
  r.transform = c.transform;
  r.numbering = c.numbering;
  r.zone = c.zone;
  r.not_before = c.not_before;
  r.not_after = c.not_after;
  r.values = c.values;
  r.default_value = c.default_value;
  r.required = c.required;
  out.push_back(r);
  if (!c.companion.empty()) {
    RuleText k;
    k.to = c.companion;
    k.from = {field};
    k.transform = c.companion_transform;
    if (k.transform == "time") k.zone = c.zone;
    k.values = c.companion_values;
    out.push_back(k);
  }
  return out;
}

std::string LookupText(const Candidate& c, const std::string& field) {
  std::vector<std::string> parts = {
      absl::StrCat("to: ", YamlScalar(c.target)),
      absl::StrCat("from: ", YamlScalar(field)),
      absl::StrCat("object: ", YamlScalar(c.link_object)),
      absl::StrCat("target: ", YamlScalar(c.link_target))};
  if (c.list) parts.push_back("list: true");
  if (c.deferrable) parts.push_back("deferrable: true");
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

std::string OwnerText(const Candidate& c, const std::string& field) {
  return absl::StrCat("{from: ", YamlScalar(field),
                      ", object: ", YamlScalar(c.link_object),
                      ", email_field: ", YamlScalar(c.email_field), "}");
}

struct Declarations {
  // entity + name -> spec text, in first-use order.
  std::vector<std::string> fields;
  std::set<std::string> field_keys;
  std::vector<std::string> open_fields;
  std::set<std::string> custom_objects;
  std::vector<std::string> pipelines;
  std::set<std::string> pipeline_names;

  void Field(const std::string& entity, const std::string& name,
             const std::string& label, const std::string& type,
             const std::vector<std::string>& choices, bool open) {
    std::string key = entity + "\n" + name;
    if (field_keys.count(key)) return;
    std::string text = absl::StrCat(
        "{entity: ", YamlScalar(entity), ", name: ", YamlScalar(name),
        ", label: ", YamlScalar(label), ", type: ", YamlScalar(type));
    if (!choices.empty() && type == "dropdown") {
      absl::StrAppend(&text, ", choices: ", FlowList(choices));
    }
    text += "}";
    if (open) {
      open_fields.push_back(text);
    } else {
      field_keys.insert(key);
      fields.push_back(text);
    }
  }
};

class Writer {
 public:
  explicit Writer(const Proposal& p) : p_(p) {}

  std::string Run(WriteSummary* summary) {
    std::string body;
    for (const RouteProposal& r : p_.routes) body += Route(r);
    std::string out = absl::StrCat(
        "# Proposed by `bridgework propose`: ", p_.system, " -> ", p_.crm,
        " (threshold ", Conf(p_.threshold), ").\n",
        "# Each rule is preceded by its confidence and reason. Open "
        "questions are the\n",
        "# '# ?' blocks: uncomment the candidate line you want (or leave "
        "them all\n",
        "# commented) before `bridgework migrate`. ", s_.rules,
        " rules proposed, ", s_.open_questions, " open questions, ",
        s_.not_carried, " fields not carried.\n", "version: 1\n",
        "source: ", YamlScalar(p_.system), "\n",
        "destination: ", YamlScalar(p_.crm), "\n\n", "objects:\n", body);
    if (!decl_.custom_objects.empty()) {
      out += "\ncustom_objects:\n";
      for (const std::string& key : decl_.custom_objects) {
        std::string singular = key;
        for (char& c : singular) {
          if (c == '_') c = ' ';
        }
        singular[0] = absl::ascii_toupper(singular[0]);
        absl::StrAppend(&out, "  - {key: ", YamlScalar(key),
                        ", singular: ", YamlScalar(singular),
                        ", plural: ", YamlScalar(singular + "s"),
                        ", primary_field: name}\n");
      }
    }
    if (!decl_.pipelines.empty()) {
      out += "\npipelines:\n";
      for (const std::string& pl : decl_.pipelines) out += pl;
    }
    if (!decl_.fields.empty() || !decl_.open_fields.empty()) {
      out +=
          decl_.fields.empty() ? "\n# custom_fields:\n" : "\ncustom_fields:\n";
      for (const std::string& f : decl_.fields) {
        absl::StrAppend(&out, "  - ", f, "\n");
      }
      if (!decl_.open_fields.empty()) {
        out +=
            "  # For open questions, if you choose a custom field "
            "(uncomment it too):\n";
        for (const std::string& f : decl_.open_fields) {
          absl::StrAppend(&out, "  # - ", f, "\n");
        }
      }
    }
    if (summary != nullptr) *summary = s_;
    return out;
  }

 private:
  std::string Route(const RouteProposal& r) {
    std::string out;
    if (r.route != "load" || r.open) {
      const bool open_load = r.route == "load" && r.open;
      if (open_load) {
        ++s_.routes_open;
        absl::StrAppend(&out, "  # ? ", Conf(r.confidence), " ",
                        r.source_object, " -> ", r.target, "? ",
                        OneLine(r.reason), "\n",
                        "  # Not migrated until you decide: to load it, "
                        "replace route/reason with\n",
                        "  # `target: ", r.target,
                        "` and uncomment the proposed fields below.\n");
      } else {
        absl::StrAppend(&out, "  # ", Conf(r.confidence), " ",
                        OneLine(r.reason), "\n");
      }
      std::string reason =
          open_load ? absl::StrCat("open question: proposed ", r.target, " (",
                                   Conf(r.confidence), ")")
                    : r.reason;
      absl::StrAppend(
          &out, "  - source: ", YamlScalar(r.source_object), "\n",
          "    route: ", r.route == "reference" ? "reference" : "not_migrated",
          "\n", "    reason: ", YamlScalar(OneLine(reason)), "\n");
      if (open_load) {
        std::string inner = LoadBody(r, /*commented=*/true);
        out += inner;
      }
      out += "\n";
      return out;
    }
    ++s_.routes_loaded;
    absl::StrAppend(&out, "  # ", Conf(r.confidence), " ", OneLine(r.reason),
                    "\n", "  - source: ", YamlScalar(r.source_object), "\n",
                    "    target: ", YamlScalar(r.target), "\n");
    out += LoadBody(r, /*commented=*/false);
    out += "\n";
    return out;
  }

  // external_key_field, owner, fields, lookups and the notes of a load
  // route. `commented`: every line a comment (an open route).
  std::string LoadBody(const RouteProposal& r, bool commented) {
    std::vector<std::string> lines;  // without the 4-space indent
    auto line = [&](std::string s) { lines.push_back(std::move(s)); };
    line(
        absl::StrCat("external_key_field: ", YamlScalar(r.external_key_field)));
    if (!commented && absl::StartsWith(r.external_key_field, "cf_") &&
        !r.entity.empty()) {
      decl_.Field(r.entity, r.external_key_field, "Bridgework key", "text", {},
                  false);
    }
    if (absl::StartsWith(r.target, "custom_object:") && !commented) {
      decl_.custom_objects.insert(r.target.substr(14));
    }
    // Owner: the first mapped owner candidate.
    const FieldProposal* owner = nullptr;
    std::vector<const FieldProposal*> open_owner;
    for (const FieldProposal& f : r.fields) {
      const Candidate* b = f.Best();
      if (b == nullptr || b->kind != CKind::kOwner) continue;
      if (f.decision == Decision::kMapped && owner == nullptr) {
        owner = &f;
      } else if (f.decision == Decision::kOpen) {
        open_owner.push_back(&f);
      }
    }
    if (owner != nullptr) {
      ++s_.rules;
      line(absl::StrCat("# ", Conf(owner->confidence), " ",
                        OneLine(owner->reason)));
      line(absl::StrCat("owner: ",
                        OwnerText(*owner->Best(), owner->source_field)));
    }
    for (const FieldProposal* f : open_owner) {
      ++s_.open_questions;
      line(absl::StrCat("# ? ", Conf(f->confidence), " owner from ",
                        f->source_field, "? ", OneLine(f->reason)));
      line(absl::StrCat("# owner: ", OwnerText(*f->Best(), f->source_field)));
    }
    // Field rules, grouped by target (joins), in source order.
    std::vector<std::string> rules;
    std::map<std::string, size_t> join_at;  // target -> index in joined
    struct Joined {
      const FieldProposal* first;
      Candidate cand;
      std::vector<std::string> from;
      double conf;
      std::vector<std::string> reasons;
    };
    std::vector<Joined> joined;
    std::string start_field;
    for (const FieldProposal& f : r.fields) {
      const Candidate* b = f.Best();
      if (f.decision != Decision::kMapped || b == nullptr) continue;
      if (b->kind != CKind::kStandard && b->kind != CKind::kCustom) continue;
      auto it = join_at.find(b->target);
      if (b->join && it != join_at.end()) {
        Joined& j = joined[it->second];
        j.from.push_back(f.source_field);
        j.conf = std::min(j.conf, f.confidence);
        j.reasons.push_back(absl::StrCat(f.source_field, ": ", f.reason));
        continue;
      }
      join_at[b->target] = joined.size();
      joined.push_back({&f,
                        *b,
                        {f.source_field},
                        f.confidence,
                        {absl::StrCat(f.source_field, ": ", f.reason)}});
    }
    std::set<std::string> filled;
    std::vector<std::string> field_lines;
    for (const Joined& j : joined) {
      ++s_.rules;
      filled.insert(j.cand.target);
      if (!j.cand.companion.empty()) filled.insert(j.cand.companion);
      for (const std::string& why : j.reasons) {
        field_lines.push_back(
            absl::StrCat("# ", Conf(j.conf), " ", OneLine(why)));
      }
      std::vector<RuleText> rt = RulesOf(j.cand, j.first->source_field);
      if (j.from.size() > 1) {
        rt.resize(1);
        rt[0].from = j.from;
        rt[0].transform = "join";
        rt[0].separator = j.cand.separator;
        rt[0].plus_minutes.clear();
        rt[0].values.clear();
        rt[0].default_value.reset();
        rt[0].numbering.clear();
        rt[0].not_before.clear();
        rt[0].not_after.clear();
      }
      for (const RuleText& t : rt) {
        field_lines.push_back(absl::StrCat("- ", t.Render()));
      }
      if (j.cand.kind == CKind::kCustom && !r.entity.empty()) {
        decl_.Field(r.entity, j.cand.target, j.cand.custom_label,
                    j.cand.custom_type, j.cand.choices, commented);
      }
      if (j.cand.target == "stage" && !r.pipeline.empty() &&
          !j.cand.choices.empty() && !commented) {
        AddPipeline(r.pipeline, j.cand.choices);
      }
    }
    for (const auto& [to, value] : r.constants) {
      if (to == "pipeline" && !decl_.pipeline_names.count(value)) continue;
      field_lines.push_back("# the route's constant");
      RuleText t;
      t.to = to;
      t.is_const = true;
      t.constant = value;
      field_lines.push_back(absl::StrCat("- ", t.Render()));
    }
    // Open questions on fields.
    std::vector<std::string> open_lookups;
    for (const FieldProposal& f : r.fields) {
      if (f.decision != Decision::kOpen) continue;
      const Candidate* b = f.Best();
      if (b == nullptr || b->kind == CKind::kOwner) continue;
      ++s_.open_questions;
      std::vector<std::string>& dest =
          b->kind == CKind::kLink ? open_lookups : field_lines;
      dest.push_back(absl::StrCat("# ? ", Conf(f.confidence), " ",
                                  f.source_field, ": ", OneLine(f.reason)));
      for (const Candidate& c : f.candidates) {
        if (c.score < kShownAlternative) continue;
        if (c.kind == CKind::kSkip) {
          dest.push_back(
              absl::StrCat("#   or leave it out: ", OneLine(c.reason)));
          continue;
        }
        if (c.kind == CKind::kLink) {
          dest.push_back(absl::StrCat("# - ", LookupText(c, f.source_field),
                                      "   # ", Conf(c.score)));
          continue;
        }
        if (c.kind == CKind::kOwner) continue;
        for (const RuleText& t : RulesOf(c, f.source_field)) {
          dest.push_back(
              absl::StrCat("# - ", t.Render(), "   # ", Conf(c.score)));
        }
        if (c.kind == CKind::kCustom && !r.entity.empty()) {
          decl_.Field(r.entity, c.target, c.custom_label, c.custom_type,
                      c.choices, true);
        }
      }
    }
    for (const std::string& req : RequiredTargets(r)) {
      if (!filled.count(req)) {
        field_lines.push_back(
            absl::StrCat("# required by ", p_.crm, ": ", req,
                         " has no proposed source field; add a rule"));
      }
    }
    bool any_rule = false;
    for (const std::string& l : field_lines) any_rule |= l[0] == '-';
    if (any_rule) {
      line("fields:");
      for (std::string& l : field_lines) line("  " + l);
    } else {
      line(
          "fields: []   # no rule proposed; replace [] with the lines you "
          "keep");
      for (std::string& l : field_lines) line("  " + l);
    }
    // Lookups.
    std::vector<std::string> lookup_lines;
    for (const FieldProposal& f : r.fields) {
      const Candidate* b = f.Best();
      if (f.decision != Decision::kMapped || b == nullptr ||
          b->kind != CKind::kLink) {
        continue;
      }
      ++s_.rules;
      lookup_lines.push_back(
          absl::StrCat("# ", Conf(f.confidence), " ", OneLine(f.reason)));
      lookup_lines.push_back(
          absl::StrCat("- ", LookupText(*b, f.source_field)));
    }
    bool any_lookup = !lookup_lines.empty();
    if (any_lookup || !open_lookups.empty()) {
      line(any_lookup ? "lookups:" : "# lookups:");
      for (std::string& l : lookup_lines) line("  " + l);
      for (std::string& l : open_lookups) line("  " + l);
    }
    // What is not carried, and the key.
    std::vector<std::string> notes;
    for (const FieldProposal& f : r.fields) {
      if (f.decision == Decision::kKey) {
        notes.push_back(
            absl::StrCat("# key ", f.source_field, ": ", OneLine(f.reason)));
      } else if (f.decision == Decision::kSkipped) {
        ++s_.not_carried;
        notes.push_back(absl::StrCat("# not carried: ", f.source_field, " (",
                                     Conf(f.confidence),
                                     "): ", OneLine(f.reason)));
      }
    }
    for (std::string& n : notes) line(std::move(n));
    std::string out;
    for (const std::string& l : lines) {
      if (commented && l[0] != '#') {
        absl::StrAppend(&out, "    # ", l, "\n");
      } else {
        absl::StrAppend(&out, "    ", l, "\n");
      }
    }
    return out;
  }

  // Target fields the CRM requires, from the route's candidates.
  static std::vector<std::string> RequiredTargets(const RouteProposal& r) {
    std::vector<std::string> out;
    for (const FieldProposal& f : r.fields) {
      for (const Candidate& c : f.candidates) {
        if (c.required && c.kind == CKind::kStandard &&
            std::find(out.begin(), out.end(), c.target) == out.end()) {
          out.push_back(c.target);
        }
      }
    }
    return out;
  }

  void AddPipeline(const std::string& name,
                   const std::vector<std::string>& stages) {
    if (decl_.pipeline_names.count(name)) return;
    decl_.pipeline_names.insert(name);
    decl_.pipelines.push_back(absl::StrCat("  - name: ", YamlScalar(name),
                                           "\n    stages: ", FlowList(stages),
                                           "\n"));
  }

  const Proposal& p_;
  WriteSummary s_;
  Declarations decl_;
};

}  // namespace

std::string YamlScalar(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
          c == ' ' || c == '.' || c == '/' || c == '-' || c == '(' ||
          c == ')')) {
      plain = false;
    }
  }
  if (plain) {
    const char first = s[0];
    if (first == ' ' || first == '-' || s.back() == ' ' ||
        absl::ascii_isdigit(static_cast<unsigned char>(first)) ||
        first == '.') {
      plain = false;
    }
    static const std::set<std::string> kReserved = {
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~"};
    if (kReserved.count(absl::AsciiStrToLower(s))) plain = false;
  }
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out.push_back(c);
    }
  }
  out += "\"";
  return out;
}

std::string WriteMapYaml(const Proposal& proposal, WriteSummary* summary) {
  Writer w(proposal);
  return w.Run(summary);
}

}  // namespace bridgework::proposer
