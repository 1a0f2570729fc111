#include "libs/proposer/proposer.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/common/strings.h"
#include "libs/discovery/value_kinds.h"
#include "libs/proposer/catalog.h"
#include "libs/proposer/shapes.h"
#include "libs/proposer/text.h"
#include "libs/proposer/vocabulary.h"
#include "libs/record/value.h"

namespace bridgework::proposer {
namespace {

using Decision = FieldProposal::Decision;
using CKind = Candidate::Kind;

std::string Pct(double share) {
  return absl::StrCat(static_cast<int>(std::lround(share * 100)), "%");
}

std::string Conf(double c) { return absl::StrFormat("%.2f", c); }

bool HasWord(const std::vector<std::string>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// "proposed" -> "Proposed", "no_show" -> "No show".
std::string TitleCase(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (c == '_') c = ' ';
  }
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

std::string Lower(const std::string& s) {
  return absl::AsciiStrToLower(FoldToAscii(s));
}

bool ContainsAny(const std::string& lower,
                 std::initializer_list<const char*> parts) {
  for (const char* p : parts) {
    if (absl::StrContains(lower, p)) return true;
  }
  return false;
}

std::string TranslateValue(ValueRule rule, const std::string& value) {
  const std::string l = Lower(value);
  switch (rule) {
    case ValueRule::kStage:
      return TitleCase(value);
    case ValueRule::kDealStatus:
      if (ContainsAny(l, {"complet", "won", "paid", "finish", "done"})) {
        return "won";
      }
      if (ContainsAny(l,
                      {"reject", "cancel", "lost", "declin", "discontinu"})) {
        return "lost";
      }
      return "open";
    case ValueRule::kDone:
    case ValueRule::kDoneNumber: {
      const bool done = ContainsAny(l, {"complet", "done", "showed", "attended",
                                        "kept", "checked out", "closed"});
      if (rule == ValueRule::kDoneNumber) return done ? "1" : "0";
      return done ? "true" : "false";
    }
    case ValueRule::kAppointmentStatus:
      if (ContainsAny(l,
                      {"no show", "noshow", "no-show", "no_show", "missed"})) {
        return "noshow";
      }
      if (ContainsAny(l, {"cancel", "broken"})) return "cancelled";
      if (ContainsAny(
              l, {"complet", "showed", "attended", "kept", "checked out"})) {
        return "showed";
      }
      if (ContainsAny(l, {"confirm"})) return "confirmed";
      return "new";
    case ValueRule::kNone:
      break;
  }
  return value;
}

// The pick-list values of a field the name calls a status, stage or type,
// most frequent first: at most 12 short values, some repeated (a small
// sample of a status field is still a pick list); empty otherwise.
std::vector<std::string> PickList(const FieldSample& f,
                                  const ShapeProfile& profile) {
  std::vector<std::string> out;
  const bool small_list = f.distinct <= 12 && f.non_empty > f.distinct;
  if (!(profile.enum_like || small_list) || f.distinct > 20 ||
      f.values.size() != f.counts.size() ||
      static_cast<long long>(f.values.size()) < f.distinct) {
    return out;
  }
  for (const v1::Value& v : f.values) {
    if (record::ValueToText(v).size() > 40) return out;
  }
  std::vector<size_t> order(f.values.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return f.counts[a] > f.counts[b];
  });
  for (size_t i : order) out.push_back(record::ValueToText(f.values[i]));
  return out;
}

// How well a target field's type takes the field's values (1: fits).
double TypeFit(std::string_view type, const ShapeProfile& p) {
  const bool none = p.examined == 0;
  auto share = [&](Shape s) { return p.Share(s); };
  if (type == "email") {
    return share(Shape::kEmail) >= 0.5 ? 1.0 : none ? 0.9 : 0.5;
  }
  if (type == "phone") {
    return share(Shape::kPhone) >= 0.5 ? 1.0 : none ? 0.9 : 0.6;
  }
  if (type == "date") {
    return std::max(share(Shape::kDate), share(Shape::kDateTime)) >= 0.5 ? 1.0
           : none                                                        ? 0.85
                                                                         : 0.4;
  }
  if (type == "datetime") {
    if (share(Shape::kDateTime) >= 0.5) return 1.0;
    if (share(Shape::kDate) >= 0.5) return 0.85;
    return none ? 0.85 : 0.4;
  }
  if (type == "number") {
    return std::max({share(Shape::kMoney), share(Shape::kDecimal),
                     share(Shape::kInteger)}) >= 0.5
               ? 1.0
           : none ? 0.85
                  : 0.4;
  }
  if (type == "duration") {
    return share(Shape::kInteger) >= 0.5 ? 1.0 : none ? 0.85 : 0.5;
  }
  if (type == "bool") {
    return (share(Shape::kBool) >= 0.5 || p.enum_like || none) ? 1.0 : 0.7;
  }
  if (type == "enum") {
    if (p.enum_like || p.examined < 6) return 1.0;
    return p.unique ? 0.6 : 0.85;
  }
  return 1.0;
}

// Shapes that only support a concept (names, small numbers): their absence
// says nothing.
bool WeakShape(Shape s) {
  return s == Shape::kPersonName || s == Shape::kInteger ||
         s == Shape::kLongText || s == Shape::kHtml;
}

// Whether values of a numeric, date or yes/no type can hold the concept.
bool TakesTypedValues(const Concept& c) {
  for (Shape s : c.shapes) {
    if (s == Shape::kInteger || s == Shape::kDecimal || s == Shape::kMoney ||
        s == Shape::kBool || s == Shape::kDate || s == Shape::kDateTime ||
        s == Shape::kToothNumber) {
      return true;
    }
  }
  std::string_view t = c.custom_type;
  return t == "number" || t == "date";
}

struct ShapeEvidence {
  double factor = 1.0;
  std::string reason;  // "" when the values say nothing
};

ShapeEvidence EvidenceFor(const Concept& c, const ShapeProfile& p) {
  ShapeEvidence e;
  if (c.shapes.empty() || p.examined < 3) return e;
  double best = 0;
  Shape best_shape = c.shapes.front();
  bool all_weak = true;
  for (Shape s : c.shapes) {
    if (p.Share(s) > best) {
      best = p.Share(s);
      best_shape = s;
    }
    if (!WeakShape(s)) all_weak = false;
  }
  if (best >= 0.8) {
    e.reason = absl::StrCat(Pct(best), " ", ShapeName(best_shape));
    return e;
  }
  if (all_weak) return e;
  if (best < 0.3) {
    e.factor = 0.55;
    e.reason = absl::StrCat("but only ", Pct(best), " of values are ",
                            ShapeName(best_shape));
    return e;
  }
  e.factor = 0.75 + 0.25 * best;
  e.reason = absl::StrCat(Pct(best), " ", ShapeName(best_shape));
  return e;
}

// A concept read from the values alone, when the name says little.
struct ShapeOnly {
  Shape shape;
  const char* concept_id;
  double strength;
};
constexpr ShapeOnly kShapeOnly[] = {
    {Shape::kEmail, "email", 0.75},
    {Shape::kUrl, "website", 0.7},
    {Shape::kCdtCode, "procedure_codes", 0.7},
    {Shape::kIcd10Code, "diagnosis_codes", 0.65},
    {Shape::kHtml, "note_body", 0.6},
    {Shape::kPhone, "phone", 0.65},
};

// The source fields a map rule reads: its `from` fields and the
// placeholders of its template ("{status}: {note}").
std::vector<std::string> FieldsOfRule(const mapping::FieldRule& rule) {
  std::vector<std::string> out = rule.from;
  if (!rule.plus_minutes.empty()) out.push_back(rule.plus_minutes);
  if (rule.template_text) {
    const std::string& t = *rule.template_text;
    for (size_t open = t.find('{'); open != std::string::npos;
         open = t.find('{', open + 1)) {
      size_t close = t.find('}', open);
      if (close == std::string::npos) break;
      out.push_back(t.substr(open + 1, close - open - 1));
    }
  }
  return out;
}

// What this CRM's default maps say.
class DefaultSignals {
 public:
  struct Use {
    std::string map_name;  // "pbn-freshsales"
    std::string target;    // the route's target object
    const mapping::FieldRule* rule = nullptr;
  };

  DefaultSignals(const std::vector<const mapping::Map*>& maps,
                 const std::string& system, const std::string& crm) {
    for (const mapping::Map* m : maps) {
      if (m == nullptr || m->destination != crm) continue;
      const std::string name = absl::StrCat(m->source, "-", m->destination);
      if (m->source == system && own_ == nullptr) {
        own_ = m;
        continue;
      }
      for (const mapping::ObjectRoute& r : m->objects) {
        if (r.kind != mapping::ObjectRoute::Kind::kLoad || r.into) continue;
        KindMatch km = MatchObjectKind(r.source);
        if (km.kind == nullptr) continue;
        routes_by_kind_[km.kind->id].push_back({name, r.target, nullptr});
        std::vector<std::string> ow = CanonicalWords(r.source);
        for (const mapping::FieldRule& f : r.fields) {
          for (const std::string& from : FieldsOfRule(f)) {
            Use u{name, r.target, &f};
            uses_[{km.kind->id, CanonicalName(from)}].push_back(u);
            std::vector<ConceptMatch> cm =
                MatchConcepts(CanonicalWords(from), ow, km.kind->id);
            if (!cm.empty() && cm[0].strength >= 0.8) {
              concept_uses_[{km.kind->id, cm[0].concept_def->id}].push_back(u);
              if (absl::StartsWith(f.to, "cf_")) {
                custom_names_[{r.target, cm[0].concept_def->id}] = {
                    f.to, FieldsOfRule(f).size() > 1, f.separator};
              }
            }
          }
        }
      }
      for (const mapping::CustomFieldSpec& s : m->custom_fields) {
        custom_specs_[s.name] = s;
      }
    }
    if (own_ != nullptr) {
      for (const mapping::CustomFieldSpec& s : own_->custom_fields) {
        custom_specs_[s.name] = s;
      }
    }
  }

  const mapping::Map* own() const { return own_; }

  // Uses of a field (by canonical name, then by concept) in other maps of
  // this CRM, for a source object of `kind`.
  std::vector<Use> UsesOf(const std::string& kind, const std::string& name,
                          const std::string& concept_id) const {
    std::vector<Use> out;
    auto it = uses_.find({kind, name});
    if (it != uses_.end()) out = it->second;
    auto ct = concept_uses_.find({kind, concept_id});
    if (ct != concept_uses_.end()) {
      for (const Use& u : ct->second) {
        bool dup = false;
        for (const Use& o : out) dup |= o.rule == u.rule;
        if (!dup) out.push_back(u);
      }
    }
    return out;
  }

  const std::vector<Use>* RoutesOfKind(const std::string& kind) const {
    auto it = routes_by_kind_.find(kind);
    return it == routes_by_kind_.end() ? nullptr : &it->second;
  }

  // A custom field another map uses for `concept_id` on `target`: its
  // name ("" when none), and whether several fields join into it.
  struct CustomUse {
    std::string name;
    bool join = false;
    std::string separator = " ";
  };
  CustomUse CustomName(const std::string& target,
                       const std::string& concept_id) const {
    auto it = custom_names_.find({target, concept_id});
    return it == custom_names_.end() ? CustomUse{} : it->second;
  }

  const mapping::CustomFieldSpec* Spec(const std::string& name) const {
    auto it = custom_specs_.find(name);
    return it == custom_specs_.end() ? nullptr : &it->second;
  }

 private:
  const mapping::Map* own_ = nullptr;
  std::map<std::pair<std::string, std::string>, std::vector<Use>> uses_;
  std::map<std::pair<std::string, std::string>, std::vector<Use>> concept_uses_;
  std::map<std::string, std::vector<Use>> routes_by_kind_;
  std::map<std::pair<std::string, std::string>, CustomUse> custom_names_;
  std::map<std::string, mapping::CustomFieldSpec> custom_specs_;
};

class Proposer {
 public:
  Proposer(const SourceSample& sample, const ProposeOptions& options,
           const CrmCatalog& crm)
      : sample_(sample),
        options_(options),
        crm_(crm),
        defaults_(options.default_maps, sample.system, crm.id) {}

  Proposal Run() {
    Proposal p;
    p.system = sample_.system;
    p.crm = crm_.id;
    p.threshold = options_.threshold;
    for (const ObjectSample& o : sample_.objects) {
      p.routes.push_back(RouteFor(o));
    }
    routes_ = &p.routes;
    for (size_t i = 0; i < p.routes.size(); ++i) {
      RouteProposal& r = p.routes[i];
      if (r.route != "load") continue;
      const TargetObject* t = TargetOf(r.target);
      if (t == nullptr) continue;
      for (const FieldSample& f : sample_.objects[i].fields) {
        r.fields.push_back(FieldFor(sample_.objects[i], r, *t, f));
      }
      Resolve(r, *t);
    }
    return p;
  }

 private:
  const TargetObject* TargetOf(const std::string& name) {
    if (const TargetObject* t = crm_.Object(name)) return t;
    if (absl::StartsWith(name, "custom_object:")) {
      auto it = custom_targets_.find(name);
      if (it == custom_targets_.end()) {
        it = custom_targets_.emplace(name, CustomObjectTarget(crm_.id, name))
                 .first;
      }
      return &it->second;
    }
    return nullptr;
  }

  const ObjectSample* SampleOf(const std::string& object) const {
    for (const ObjectSample& o : sample_.objects) {
      if (o.name == object) return &o;
    }
    return nullptr;
  }

  const RouteProposal* RouteOf(const std::string& object) const {
    for (const RouteProposal& r : *routes_) {
      if (r.source_object == object) return &r;
    }
    return nullptr;
  }

  RouteProposal RouteFor(const ObjectSample& o) {
    RouteProposal r;
    r.source_object = o.name;
    KindMatch km = MatchObjectKind(o.name);
    if (km.kind != nullptr) r.kind = km.kind->id;
    const mapping::Map* own = defaults_.own();
    const mapping::ObjectRoute* own_route =
        own != nullptr ? own->Find(o.name) : nullptr;
    if (own_route != nullptr) {
      using RK = mapping::ObjectRoute::Kind;
      r.route = own_route->kind == RK::kLoad        ? "load"
                : own_route->kind == RK::kReference ? "reference"
                                                    : "not_migrated";
      r.target = own_route->target;
      r.confidence = 0.97;
      r.reason = absl::StrCat("as the ", own->source, "-", own->destination,
                              " default map routes it");
      if (!own_route->reason.empty() && r.route != "load") {
        r.reason = own_route->reason;
      }
    } else if (km.kind == nullptr) {
      r.route = "not_migrated";
      r.confidence = 0.3;
      r.reason = absl::StrCat("open question: the name '", o.name,
                              "' says nothing the proposer knows; route it "
                              "by hand if it should move");
    } else {
      const KindRoute* kr = crm_.RouteOf(km.kind->id);
      if (kr == nullptr) {
        r.route = "not_migrated";
        r.confidence = 0.3;
        r.reason = absl::StrCat("open question: no ", crm_.label,
                                " object for ", km.kind->label);
      } else {
        r.route = kr->route;
        r.target = kr->target;
        r.confidence = kr->confidence * km.strength;
        r.reason = absl::StrCat("reads as ", km.kind->label, ": ", kr->reason);
        if (const auto* uses = defaults_.RoutesOfKind(km.kind->id)) {
          for (const auto& u : *uses) {
            if (u.target == r.target && r.route == "load") {
              r.confidence = std::min(0.97, r.confidence + 0.1);
              absl::StrAppend(&r.reason, "; as in the ", u.map_name, " map");
              break;
            }
          }
        }
      }
    }
    if (r.route == "load") {
      const TargetObject* t = TargetOf(r.target);
      if (t == nullptr) {
        r.route = "not_migrated";
        r.open = true;
        r.reason = absl::StrCat("open question: ", crm_.label,
                                " has no object '", r.target, "'");
      } else {
        r.external_key_field = t->external_key_field;
        if (t->entity != nullptr) r.entity = t->entity;
        if (own_route != nullptr) {
          r.external_key_field = own_route->external_key_field;
        }
        for (const TargetConstant& c : t->constants) {
          if (c.kinds == nullptr || absl::StrContains(c.kinds, r.kind)) {
            r.constants.push_back({c.field, c.value});
          }
        }
        if (t->pipeline != nullptr) {
          r.pipeline = t->pipeline;
          r.constants.push_back({"pipeline", t->pipeline});
        }
        r.open = r.confidence < options_.threshold;
      }
    }
    return r;
  }

  // The field of `o` that holds an email (the owner's email field).
  std::string EmailField(const ObjectSample& o) const {
    std::string best;
    double best_s = 0;
    std::vector<std::string> ow = CanonicalWords(o.name);
    for (const FieldSample& f : o.fields) {
      if (f.type != "string" && !f.type.empty()) continue;  // not an email
      std::vector<ConceptMatch> cm =
          MatchConcepts(CanonicalWords(f.name), ow, "staff");
      for (const ConceptMatch& m : cm) {
        if (std::string_view(m.concept_def->id) == "email" &&
            m.strength > best_s) {
          best = f.name;
          best_s = m.strength;
        }
      }
    }
    return best_s >= 0.6 ? best : "";
  }

  FieldProposal Skip(const FieldSample& f, double conf, std::string reason) {
    FieldProposal fp;
    fp.source_field = f.name;
    fp.decision = Decision::kSkipped;
    fp.confidence = conf;
    fp.reason = std::move(reason);
    return fp;
  }

  FieldProposal ReferenceFor(const ObjectSample& o, const RouteProposal& r,
                             const TargetObject& t, const FieldSample& f) {
    const RouteProposal* ref = RouteOf(f.references);
    const ObjectSample* ref_sample = SampleOf(f.references);
    if (ref == nullptr || ref_sample == nullptr) {
      return Skip(f, 0.8,
                  absl::StrCat("references ", f.references,
                               ", which the source does not export"));
    }
    std::vector<std::string> words;
    for (const std::string& w : CanonicalWords(f.name)) {
      if (w != "id" && w != "key" && w != "number" && w != "code") {
        words.push_back(w);
      }
    }
    std::vector<std::string> rwords = CanonicalWords(f.references);
    double match = PhraseScore(words, rwords);
    if (!ref->kind.empty()) {
      for (const ObjectKind& k : ObjectKinds()) {
        if (ref->kind != k.id) continue;
        for (const Phrase& ph : k.phrases) {
          std::vector<std::string> pw = CanonicalWords(ph.words);
          match = std::max(match, PhraseScore(words, pw));
        }
      }
    }
    if (words.empty()) match = 0.9;  // "id" alone
    FieldProposal fp;
    fp.source_field = f.name;
    Candidate c;
    c.link_object = f.references;
    if (f.references == o.name) {
      for (const TargetLink& l : t.links) {
        if (!l.deferrable || l.target != t.name) continue;
        c.kind = CKind::kLink;
        c.target = l.field;
        c.link_target = t.name;
        c.deferrable = true;
        c.list = l.list;
        c.score = HasWord(words, "parent") ? 0.9 : 0.5;
        c.reason = absl::StrCat("links ", o.name, " records to each other; ",
                                crm_.label, " ", t.name, ".", l.field,
                                " (set after the object is loaded)");
        fp.candidates.push_back(c);
      }
      if (fp.candidates.empty()) {
        return Skip(f, 0.75,
                    absl::StrCat("links ", o.name, " records to each other; ",
                                 crm_.label, " ", t.name, " has no such link"));
      }
    } else if (ref->route == "load" && !ref->open) {
      for (const TargetLink& l : t.links) {
        if (l.target != ref->target || l.deferrable) continue;
        c.kind = CKind::kLink;
        c.target = l.field;
        c.link_target = ref->target;
        c.list = l.list;
        c.score = 0.5 + 0.45 * match;
        c.reason =
            absl::StrCat("references ", f.references, " (", crm_.label, " ",
                         ref->target, "): lookup ", t.name, ".", l.field);
        fp.candidates.push_back(c);
      }
      if (fp.candidates.empty()) {
        return Skip(f, 0.7,
                    absl::StrCat("references ", f.references, "; ", crm_.label,
                                 " ", t.name, " has no link to ", ref->target));
      }
    } else if (ref->route == "reference" && t.owner) {
      std::string email = EmailField(*ref_sample);
      if (email.empty()) {
        return Skip(f, 0.6,
                    absl::StrCat("references ", f.references,
                                 ", which has no email field to match a ",
                                 crm_.label, " user"));
      }
      double owner = 0.9;
      for (const char* neg :
           {"secondary", "hygienist", "assistant", "author", "created",
            "reviewed", "ordering", "uploaded", "referring", "billing",
            "override", "default", "presenter", "instructor"}) {
        if (HasWord(words, neg)) owner = 0.25;
      }
      if (owner > 0.5 &&
          (HasWord(words, "primary") || HasWord(words, "dentist") ||
           HasWord(words, "owner") || HasWord(words, "doctor"))) {
        owner = 1.0;
      }
      c.kind = CKind::kOwner;
      c.target = "owner";
      c.link_target = "user";
      c.email_field = email;
      c.score = 0.45 + 0.5 * owner * std::max(match, 0.6);
      c.reason = absl::StrCat("references ", f.references,
                              ": the record's owner is the ", crm_.label,
                              " user with that ", f.references, "'s ", email);
      fp.candidates.push_back(c);
    } else {
      return Skip(
          f, 0.8,
          absl::StrCat(
              "references ", f.references, ", which is ",
              ref->route == "reference" ? "a reference" : "not migrated",
              ref->route == "reference"
                  ? absl::StrCat(" and ", t.name, " records have no owner")
                  : ""));
    }
    Decide(fp);
    return fp;
  }

  // Adds the default maps' evidence to the candidates.
  void ApplyDefaults(const ObjectSample& o, const RouteProposal& r,
                     const TargetObject& t, const FieldSample& f,
                     const std::string& concept_id, FieldProposal& fp) {
    if (const mapping::Map* own = defaults_.own()) {
      const mapping::ObjectRoute* route = own->Find(o.name);
      if (route != nullptr && route->target == r.target) {
        // The rule reading the field: one that takes it as `from` first,
        // else one whose template names it.
        const mapping::FieldRule* rule = nullptr;
        for (const mapping::FieldRule& fr : route->fields) {
          if (std::find(fr.from.begin(), fr.from.end(), f.name) !=
              fr.from.end()) {
            rule = &fr;
            break;
          }
        }
        for (const mapping::FieldRule& fr : route->fields) {
          if (rule != nullptr) break;
          std::vector<std::string> reads = FieldsOfRule(fr);
          if (std::find(reads.begin(), reads.end(), f.name) != reads.end()) {
            rule = &fr;
          }
        }
        const std::string src =
            absl::StrCat(own->source, "-", own->destination);
        if (rule != nullptr) {
          Candidate& c = Ensure(fp, t, rule->to, concept_id);
          c.score = std::max(c.score, 0.97);
          c.transform = rule->transform;
          c.numbering = rule->numbering;
          c.default_value = rule->default_value;
          c.zone = rule->zone;
          c.not_before = rule->not_before;
          c.not_after = rule->not_after;
          // Several fields into one target (a join or a template): joined.
          c.join = FieldsOfRule(*rule).size() > 1;
          c.separator = rule->template_text ? "\n" : rule->separator;
          if (c.join) {
            c.transform.clear();
            c.not_before.clear();
            c.not_after.clear();
          }
          c.plus_minutes_of.clear();
          if (!rule->plus_minutes.empty()) {
            // end = start + duration: the duration field's rule.
            if (rule->plus_minutes == f.name && !rule->from.empty()) {
              c.plus_minutes_of = rule->from[0];
              c.join = false;
            } else if (rule->plus_minutes != f.name) {
              c.join = false;
            }
          }
          if (!rule->values.empty()) c.values = rule->values;
          c.reason = absl::StrCat("the ", src, " default map carries it here");
        } else {
          // The default map leaves the field out on purpose: whatever the
          // name says, ask.
          for (Candidate& c : fp.candidates) {
            if (c.kind != CKind::kSkip) c.score *= 0.65;
          }
          Candidate s;
          s.kind = CKind::kSkip;
          s.score = 0.75;
          s.reason = absl::StrCat("the ", src, " default map leaves it out");
          fp.candidates.push_back(s);
        }
        return;
      }
    }
    std::vector<DefaultSignals::Use> uses =
        defaults_.UsesOf(r.kind, CanonicalName(f.name), concept_id);
    for (const auto& u : uses) {
      if (u.target != t.name) continue;
      Candidate& c = Ensure(fp, t, u.rule->to, concept_id);
      if (c.score > 0) {
        c.score = std::min(0.96, c.score + 0.15);
      } else {
        c.score = 0.6;
        c.transform = u.rule->transform;
        c.numbering = u.rule->numbering;
        c.not_before = u.rule->not_before;
        c.not_after = u.rule->not_after;
      }
      if (u.rule->from.size() > 1) {
        c.join = true;
        c.separator = u.rule->separator;
      }
      absl::StrAppend(&c.reason, c.reason.empty() ? "" : "; ", "as the ",
                      u.map_name, " map does");
    }
  }

  // The candidate for target `to`, added (score 0) when missing.
  Candidate& Ensure(FieldProposal& fp, const TargetObject& t,
                    const std::string& to, const std::string& concept_id) {
    for (Candidate& c : fp.candidates) {
      if (c.target == to && c.kind != CKind::kSkip) return c;
    }
    Candidate c;
    c.target = to;
    if (absl::StartsWith(to, "cf_")) {
      c.kind = CKind::kCustom;
      const Concept* con = FindConcept(concept_id);
      const mapping::CustomFieldSpec* spec = defaults_.Spec(to);
      c.custom_label = spec != nullptr  ? spec->label
                       : con != nullptr ? con->label
                                        : to.substr(3);
      c.custom_type = spec != nullptr  ? spec->type
                      : con != nullptr ? con->custom_type
                                       : "text";
    } else if (const TargetField* tf = t.Field(to)) {
      c.kind = CKind::kStandard;
      c.transform = tf->transform;
      c.join = tf->join;
      c.separator = tf->separator;
      c.required = tf->required;
    } else {
      c.kind = CKind::kStandard;
    }
    fp.candidates.push_back(c);
    return fp.candidates.back();
  }

  std::string ReadingOf(const FieldSample& f) {
    std::string canon = CanonicalName(f.name);
    std::string plain = absl::StrJoin(SplitWords(f.name), " ");
    if (canon == plain) return absl::StrCat("'", f.name, "'");
    return absl::StrCat("'", f.name, "' reads '", canon, "'");
  }

  FieldProposal FieldFor(const ObjectSample& o, const RouteProposal& r,
                         const TargetObject& t, const FieldSample& f) {
    if (f.name == o.key_field) {
      FieldProposal fp;
      fp.source_field = f.name;
      fp.decision = Decision::kKey;
      fp.confidence = 1;
      fp.reason = r.external_key_field.empty()
                      ? "the record's key (the ledger keeps it)"
                      : absl::StrCat("the record's key: written to ",
                                     r.external_key_field, " as ",
                                     sample_.system, ":", o.name, ":<key>");
      return fp;
    }
    if (!f.references.empty()) return ReferenceFor(o, r, t, f);
    discovery::NameHints hints = discovery::HintsFor(f.name);
    ShapeProfile profile =
        ProfileShapes(f.type, f.values, f.records, f.non_empty, f.distinct,
                      hints, sample_.phone_region);
    std::vector<std::string> words = CanonicalWords(f.name);
    std::vector<std::string> ow = CanonicalWords(o.name);
    std::vector<ConceptMatch> matches = MatchConcepts(words, ow, r.kind);
    if (f.name == o.updated_at_field &&
        (matches.empty() || matches[0].strength < 0.8 ||
         matches[0].concept_def->disposition != Disposition::kMap)) {
      return Skip(f, 0.9,
                  "the source's change time (delta pickup), not carried");
    }
    const bool numeric =
        f.type == "int" || f.type == "decimal" || f.type == "money" ||
        (profile.examined >= 3 && profile.Share(Shape::kInteger) >= 0.9);
    if (numeric && words.size() > 1 && words.back() == "id") {
      return Skip(f, 0.85,
                  absl::StrCat(ReadingOf(f),
                               ": the number of a record the source does not "
                               "export"));
    }
    std::vector<bool> shape_only(matches.size(), false);
    double best_name = matches.empty() ? 0 : matches[0].strength;
    if (best_name < 0.6 && profile.examined >= 3) {
      for (const ShapeOnly& so : kShapeOnly) {
        if (profile.Share(so.shape) < 0.9) continue;
        if (so.shape == Shape::kPhone && !hints.phone &&
            profile.Share(Shape::kInteger) > 0.5) {
          continue;  // plain numbers that happen to parse as phones
        }
        const Concept* c = FindConcept(so.concept_id);
        bool present = false;
        for (const ConceptMatch& m : matches) present |= m.concept_def == c;
        if (c != nullptr && !present) {
          matches.push_back({c, so.strength});
          shape_only.push_back(true);
        }
      }
    }
    FieldProposal fp;
    fp.source_field = f.name;
    std::vector<std::string> picks = PickList(f, profile);
    const std::string reading = ReadingOf(f);
    std::string best_concept;
    const double best_strength = matches.empty() ? 1 : matches[0].strength;
    for (size_t i = 0; i < matches.size(); ++i) {
      const Concept& c = *matches[i].concept_def;
      // Weaker readings count in proportion: a name is about one thing.
      const double s =
          matches[i].strength *
          (shape_only[i] ? 1.0 : matches[i].strength / best_strength);
      if (best_concept.empty()) best_concept = c.id;
      ShapeEvidence ev = EvidenceFor(c, profile);
      if (!shape_only[i] && f.type != "string" && !f.type.empty() &&
          f.type != "list" && !TakesTypedValues(c) &&
          !(f.type == "bool" && c.shapes.size() == 1 &&
            c.shapes[0] == Shape::kBool)) {
        ev.factor *= 0.5;
        ev.reason = absl::StrCat("but the field is declared ", f.type);
      }
      std::string why =
          shape_only[i]
              ? absl::StrCat("values: ", ev.reason.empty() ? "" : ev.reason,
                             " (", c.label, ")")
              : absl::StrCat(reading, " = ", c.label,
                             s < 0.95 ? absl::StrCat(" (", Conf(s), ")") : "",
                             ev.reason.empty() ? "" : "; ", ev.reason);
      if (c.disposition != Disposition::kMap) {
        Candidate sk;
        sk.kind = CKind::kSkip;
        sk.score = s * (ev.factor < 1 ? 0.8 : 1.0);
        const char* what = c.disposition == Disposition::kSensitive
                               ? "identity or health data a CRM should not hold"
                           : c.disposition == Disposition::kSystem
                               ? "bookkeeping of the source system"
                               : "meaningful only inside the source system";
        sk.reason = absl::StrCat(why, ": ", what);
        fp.candidates.push_back(sk);
        continue;
      }
      bool standard = false;
      for (const TargetField& tf : t.fields) {
        for (const auto& [cid, fit] : tf.concepts) {
          if (c.id != std::string_view(cid)) continue;
          Candidate cand;
          cand.kind = CKind::kStandard;
          cand.target = tf.name;
          // A pick list translated by `values` fits by being a pick list.
          double tfit = TypeFit(
              tf.values != ValueRule::kNone ? "enum" : tf.type, profile);
          cand.score = s * fit * ev.factor * tfit;
          cand.fit = fit;
          cand.transform = tf.transform;
          cand.join = tf.join;
          cand.separator = tf.separator;
          cand.required = tf.required;
          if (tf.zone[0] != '\0' && profile.Share(Shape::kDateTime) >= 0.5) {
            cand.zone = tf.zone;
          }
          if (tf.companion != nullptr &&
              (std::string_view(tf.companion_transform) != "time" ||
               profile.Share(Shape::kDateTime) >= 0.5)) {
            cand.companion = tf.companion;
            cand.companion_transform = tf.companion_transform;
            for (const std::string& v : picks) {
              if (tf.companion_values != ValueRule::kNone) {
                cand.companion_values[v] =
                    TranslateValue(tf.companion_values, v);
              }
            }
          }
          if (tf.values != ValueRule::kNone) {
            for (const std::string& v : picks) {
              cand.values[v] = TranslateValue(tf.values, v);
              // Stages in the order of their frequency.
              if (tf.values == ValueRule::kStage &&
                  std::find(cand.choices.begin(), cand.choices.end(),
                            cand.values[v]) == cand.choices.end()) {
                cand.choices.push_back(cand.values[v]);
              }
            }
            // Without the values the rule cannot be written (stages,
            // yes/no): ask.
            if (picks.empty()) cand.score *= 0.6;
          }
          if (tf.start_plus_duration && std::string_view(cid) == "duration") {
            cand.plus_minutes_of = "?";  // the start field, set in Resolve
            cand.transform = "datetime";
          }
          cand.reason = absl::StrCat(
              why, "; ", crm_.label, " ", t.name, ".", tf.name,
              tfit < 1 ? " (type fits poorly)" : "",
              tf.values != ValueRule::kNone && picks.empty()
                  ? "; its values are not a sampled pick list: write them "
                    "under values:"
                  : "");
          fp.candidates.push_back(cand);
          standard = true;
        }
      }
      if (!standard) {
        // No place in the target: leaving it out competes with a custom
        // field, by how seldom such a field is kept.
        Candidate sk;
        sk.kind = CKind::kSkip;
        sk.score = s * (1 - (t.entity != nullptr ? c.keep : 0)) * 0.9;
        sk.reason = absl::StrCat(
            why, "; no standard ", crm_.label, " ", t.name, " field",
            t.entity == nullptr ? " and no custom fields there"
            : c.keep > 0 ? absl::StrCat(", and such a field is seldom kept (",
                                        static_cast<int>(c.keep * 100), "%)")
                         : " and seldom kept");
        fp.candidates.push_back(sk);
      }
      if (t.entity != nullptr && c.keep > 0) {
        Candidate cand;
        cand.kind = CKind::kCustom;
        DefaultSignals::CustomUse use = defaults_.CustomName(t.name, c.id);
        std::string name = use.name;
        if (name.empty()) name = "cf_" + SnakeCase(c.label);
        cand.join = use.join;
        cand.separator = use.separator;
        cand.target = name;
        const mapping::CustomFieldSpec* spec = defaults_.Spec(name);
        cand.custom_label = spec != nullptr ? spec->label : c.label;
        cand.custom_type = spec != nullptr ? spec->type : c.custom_type;
        if (cand.custom_type == "date") cand.transform = "date";
        if (cand.custom_type == "phone") cand.transform = "phone";
        if (std::string_view(c.id) == "email") cand.transform = "email";
        if (cand.custom_type == "dropdown") {
          if (picks.empty()) {
            cand.custom_type = "text";
          } else {
            for (const std::string& v : picks) {
              cand.values[v] = TranslateValue(ValueRule::kStage, v);
              cand.choices.push_back(cand.values[v]);
            }
            std::sort(cand.choices.begin(), cand.choices.end());
            cand.choices.erase(
                std::unique(cand.choices.begin(), cand.choices.end()),
                cand.choices.end());
          }
        }
        cand.score = s * c.keep * ev.factor * (standard ? 0.9 : 1.0);
        cand.reason = absl::StrCat(
            why, "; ",
            standard ? "or a custom field"
                     : absl::StrCat("no standard ", t.name, " field: custom"),
            " ", name);
        fp.candidates.push_back(cand);
      }
    }
    ApplyDefaults(o, r, t, f, best_concept, fp);
    // HTML bodies are flattened.
    if (profile.Share(Shape::kHtml) >= 0.05) {
      for (Candidate& c : fp.candidates) {
        if (c.kind != CKind::kSkip && c.transform.empty()) {
          c.transform = "html_text";
        }
      }
    }
    if (fp.candidates.empty()) {
      fp.decision = Decision::kSkipped;
      fp.confidence = 0.5;
      fp.reason =
          matches.empty()
              ? absl::StrCat(reading, " matches nothing the proposer knows")
              : absl::StrCat(reading, " = ", matches[0].concept_def->label,
                             "; no place in ", crm_.label, " ", t.name,
                             " and seldom kept");
      return fp;
    }
    Decide(fp);
    return fp;
  }

  // Sorts, dedupes and keeps the top candidates; decides.
  void Decide(FieldProposal& fp) {
    std::stable_sort(fp.candidates.begin(), fp.candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                       return a.score > b.score;
                     });
    std::vector<Candidate> kept;
    for (Candidate& c : fp.candidates) {
      bool dup = false;
      for (const Candidate& k : kept) {
        dup |= k.kind == c.kind && k.target == c.target;
      }
      if (!dup) kept.push_back(std::move(c));
    }
    if (kept.size() > static_cast<size_t>(options_.top_k)) {
      kept.resize(options_.top_k);
    }
    fp.candidates = std::move(kept);
    const Candidate& top = fp.candidates.front();
    fp.confidence = top.score;
    fp.reason = top.reason;
    if (top.kind == CKind::kSkip) {
      fp.decision = Decision::kSkipped;
    } else if (top.score >= options_.threshold) {
      fp.decision = Decision::kMapped;
    } else if (top.score >= options_.floor) {
      fp.decision = Decision::kOpen;
    } else {
      fp.decision = Decision::kSkipped;
      fp.reason = absl::StrCat("no candidate reaches ", Conf(options_.floor),
                               ": ", top.reason);
    }
  }

  // The decision from the (sorted) candidates, keeping the reason of the
  // top one.
  void Redecide(FieldProposal& fp) {
    const Candidate& top = fp.candidates.front();
    fp.confidence = top.score;
    fp.reason = top.reason;
    fp.decision = top.kind == CKind::kSkip          ? Decision::kSkipped
                  : top.score >= options_.threshold ? Decision::kMapped
                  : top.score >= options_.floor     ? Decision::kOpen
                                                    : Decision::kSkipped;
  }

  // One route's fields together: a non-join target takes one field (the
  // most confident; the others fall back to their next free candidate),
  // one owner, custom field names unique, end = start + duration.
  void Resolve(RouteProposal& r, const TargetObject& t) {
    std::vector<size_t> order(r.fields.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto fit = [&](size_t i) {
      const Candidate* b = r.fields[i].Best();
      return b == nullptr ? 0.0 : b->fit;
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      if (fit(a) != fit(b)) return fit(a) > fit(b);
      return r.fields[a].confidence > r.fields[b].confidence;
    });
    std::map<std::string, std::string> taken;  // target -> source field
    std::string start_field;
    for (const FieldProposal& f : r.fields) {
      const Candidate* b = f.Best();
      if (f.decision == Decision::kMapped && b != nullptr) {
        const TargetField* tf = t.Field(b->target);
        if (tf != nullptr && b->plus_minutes_of.empty()) {
          for (const auto& [cid, fit] : tf->concepts) {
            if (std::string_view(cid) == "start" && start_field.empty()) {
              start_field = f.source_field;
            }
          }
        }
      }
    }
    // End = start + duration: the start field.
    for (FieldProposal& f : r.fields) {
      for (Candidate& c : f.candidates) {
        if (c.plus_minutes_of != "?") continue;
        if (start_field.empty()) {
          c.score *= 0.5;
          c.plus_minutes_of.clear();
        } else {
          c.plus_minutes_of = start_field;
        }
      }
      if (!f.candidates.empty() && f.decision != Decision::kKey &&
          f.decision != Decision::kSkipped) {
        std::stable_sort(f.candidates.begin(), f.candidates.end(),
                         [](const Candidate& a, const Candidate& b) {
                           return a.score > b.score;
                         });
        Redecide(f);
      }
    }
    for (size_t i : order) {
      FieldProposal& f = r.fields[i];
      if (f.decision != Decision::kMapped && f.decision != Decision::kOpen) {
        continue;
      }
      bool placed = false;
      for (size_t k = 0; k < f.candidates.size(); ++k) {
        Candidate& c = f.candidates[k];
        if (c.kind == CKind::kSkip) continue;
        const bool shared = c.join;
        if (taken.count(c.target) && !shared) continue;
        if (k > 0) {
          // Fall back to this candidate.
          const std::string first = f.candidates[0].target;
          std::string why =
              absl::StrCat(first, " is taken by ",
                           taken.count(first) ? taken[first] : "another field");
          std::rotate(f.candidates.begin(), f.candidates.begin() + k,
                      f.candidates.begin() + k + 1);
          f.confidence = f.candidates[0].score;
          f.reason = absl::StrCat(f.candidates[0].reason, " (", why, ")");
          f.decision = f.confidence >= options_.threshold ? Decision::kMapped
                       : f.confidence >= options_.floor   ? Decision::kOpen
                                                          : Decision::kSkipped;
        }
        if (f.decision == Decision::kMapped || f.decision == Decision::kOpen) {
          taken.emplace(f.candidates[0].target, f.source_field);
        }
        placed = true;
        break;
      }
      if (!placed) {
        const Candidate* b = f.Best();
        const bool owner = b != nullptr && b->kind == CKind::kOwner;
        const std::string first = b != nullptr ? b->target : "";
        f.decision = owner ? Decision::kSkipped : Decision::kOpen;
        f.reason = absl::StrCat(first, " is taken by ", taken[first],
                                owner ? "" : "; decide which field fills it");
        if (!owner) f.confidence = std::min(f.confidence, 0.6);
      }
    }
  }

  const SourceSample& sample_;
  const ProposeOptions& options_;
  const CrmCatalog& crm_;
  DefaultSignals defaults_;
  std::map<std::string, TargetObject> custom_targets_;
  const std::vector<RouteProposal>* routes_ = nullptr;
};

}  // namespace

SampleBuilder::SampleBuilder(const v1::ObjectSchema& schema, int max_values)
    : max_values_(max_values) {
  sample_.name = schema.object_type();
  sample_.key_field = schema.key_field();
  sample_.updated_at_field = schema.updated_at_field();
  for (const v1::FieldSchema& f : schema.fields()) {
    FieldSample fs;
    fs.name = f.name();
    fs.type = f.type();
    fs.references = f.references();
    fs.required = f.required();
    sample_.fields.push_back(std::move(fs));
  }
  seen_.resize(sample_.fields.size());
}

void SampleBuilder::Add(const v1::Record& record) {
  ++sample_.records;
  for (size_t i = 0; i < sample_.fields.size(); ++i) {
    FieldSample& f = sample_.fields[i];
    ++f.records;
    auto it = record.fields().find(f.name);
    if (it == record.fields().end() || record::IsNull(it->second)) continue;
    std::string text = record::ValueToText(it->second);
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    ++f.non_empty;
    auto [pos, inserted] = seen_[i].emplace(text, -1);
    if (inserted) {
      ++f.distinct;
      if (static_cast<int>(f.values.size()) < max_values_) {
        pos->second = static_cast<int>(f.values.size());
        f.values.push_back(it->second);
        f.counts.push_back(0);
      }
    }
    if (pos->second >= 0) ++f.counts[pos->second];
  }
}

ObjectSample SampleBuilder::Finish() {
  seen_.clear();
  return std::move(sample_);
}

const Candidate* FieldProposal::Best() const {
  for (const Candidate& c : candidates) {
    if (c.kind != Candidate::Kind::kSkip) return &c;
  }
  return nullptr;
}

const FieldProposal* RouteProposal::Field(std::string_view name) const {
  for (const FieldProposal& f : fields) {
    if (f.source_field == name) return &f;
  }
  return nullptr;
}

const RouteProposal* Proposal::Route(std::string_view source_object) const {
  for (const RouteProposal& r : routes) {
    if (r.source_object == source_object) return &r;
  }
  return nullptr;
}

absl::StatusOr<Proposal> Propose(const SourceSample& sample,
                                 const ProposeOptions& options) {
  const CrmCatalog* crm = FindCrm(options.crm);
  if (crm == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no proposer catalogue for CRM '", options.crm,
                     "' (known: ", absl::StrJoin(CrmIds(), ", "), ")"));
  }
  Proposer p(sample, options, *crm);
  return p.Run();
}

}  // namespace bridgework::proposer
