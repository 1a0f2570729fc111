#include "libs/discovery/profiler.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/common/strings.h"
#include "libs/discovery/distinct_counter.h"
#include "libs/discovery/value_kinds.h"
#include "libs/mapping/transform.h"
#include "libs/record/value.h"

namespace bridgework::discovery {
namespace {

// A field's values must fit a kind this often for the kind to be its type.
constexpr double kTypeThreshold = 0.8;
// A text field with at most this many distinct values, each seen at least
// twice on average, is an enum.
constexpr int64_t kEnumMaxDistinct = 20;

constexpr int kKindCount = sizeof(kKindPriority) / sizeof(kKindPriority[0]);

void AddKey(KeyList& list, const std::string& key, int max) {
  ++list.count;
  if (static_cast<int>(list.keys.size()) < max) list.keys.push_back(key);
}

bool Filled(const v1::Value& v) {
  if (record::IsNull(v)) return false;
  if (v.kind_case() == v1::Value::kStringValue) {
    return !absl::StripAsciiWhitespace(v.string_value()).empty();
  }
  return true;
}

std::string Where(const v1::SourceLocation& loc) {
  if (!loc.file().empty()) {
    return loc.line() > 0 ? absl::StrCat(loc.file(), ":", loc.line())
                          : loc.file();
  }
  return loc.record();
}

bool IsAny(const std::string& lower, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (lower == n) return true;
  }
  return false;
}

// Name letters for comparing people: ASCII lower-cased, only letters and
// digits (non-ASCII bytes kept as they are).
std::string NameKey(const std::string& text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      out.push_back(c);
    } else if (absl::ascii_isalnum(u)) {
      out.push_back(absl::ascii_tolower(u));
    }
  }
  return out;
}

std::optional<v1::Date> DateOf(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kDateValue) return v.date_value();
  if (v.kind_case() == v1::Value::kStringValue)
    return ParseLooseDate(v.string_value());
  return std::nullopt;
}

int DateOrdinal(const v1::Date& d) {
  return d.year() * 10000 + d.month() * 100 + d.day();
}

}  // namespace

const FieldProfile* ObjectProfile::Field(const std::string& name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const ObjectProfile* Profile::Object(const std::string& name) const {
  for (const auto& o : objects) {
    if (o.object == name) return &o;
  }
  return nullptr;
}

// Per-field state while an object streams by.
struct FieldState {
  FieldProfile out;
  NameHints hints;
  bool required_by_schema = false;
  bool required_by_map = false;
  DistinctCounter distinct;
  std::array<int64_t, kKindCount> kind_counts{};
  absl::flat_hash_set<uint64_t> example_hashes;
  KeyList missing;
  KeyList bad_email;
  KeyList bad_phone;
  KeyList bad_date;
  KeyList rejected_date;
  KeyList implausible_birth;
  int64_t date_like = 0;

  explicit FieldState(int64_t cap) : distinct(cap) {}
};

// Values shared by records, for one duplicate rule of one object.
struct DuplicateState {
  DuplicateFlag flag;
  std::vector<int> fields;  // indexes into ObjectState::fields
  absl::flat_hash_map<uint64_t, uint32_t> first;  // value -> record index
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> groups;
  std::vector<uint64_t> group_order;
};

struct Profiler::ObjectState {
  const v1::ObjectSchema* schema = nullptr;
  ObjectProfile profile;
  std::vector<std::unique_ptr<FieldState>> fields;
  absl::flat_hash_map<std::string, int> field_index;
  std::vector<std::pair<std::string, std::string>> rejection_order;
  std::map<std::pair<std::string, std::string>, RejectionGroup> rejections;
  // Duplicate rules (email, phone, name_dob) that apply.
  std::vector<DuplicateState> duplicates;
  int first_name = -1, last_name = -1, birth = -1;
  std::vector<std::string> keys;  // of records checked for duplicates
  bool referenced = false;        // its keys are kept for reference checks
};

// Reference checks across objects.
struct RefFlags {
  std::string object, field, target;
  KeyList dangling;
  KeyList to_rejected;
};

struct Pending {
  uint64_t hash;
  uint32_t ref;  // index into Shared::refs
  std::string record_key;
};

struct Profiler::Shared {
  absl::flat_hash_set<std::string> listed;      // every object of the source
  absl::flat_hash_set<std::string> referenced;  // objects some field names
  absl::flat_hash_set<std::string> done;
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> keys;
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> rejected;
  std::vector<RefFlags> refs;
  std::map<std::pair<std::string, std::string>, uint32_t> ref_index;
  std::vector<Pending> pending;
};

Profiler::Profiler(std::vector<v1::ObjectSchema> schemas,
                   ProfilerOptions options)
    : schemas_(std::move(schemas)),
      options_(std::move(options)),
      shared_(std::make_unique<Shared>()) {
  for (const auto& s : schemas_) {
    shared_->listed.insert(s.object_type());
    for (const auto& f : s.fields()) {
      if (!f.references().empty()) shared_->referenced.insert(f.references());
    }
  }
}

Profiler::~Profiler() = default;

void Profiler::BeginObject(const std::string& object) {
  if (current_) EndObject();
  current_ = std::make_unique<ObjectState>();
  ObjectState& st = *current_;
  static const v1::ObjectSchema kEmpty;
  st.schema = &kEmpty;
  for (const auto& s : schemas_) {
    if (s.object_type() == object) st.schema = &s;
  }
  st.profile.object = object;
  st.profile.key_field = st.schema->key_field();
  st.referenced = shared_->referenced.contains(object);
  const auto map_required = options_.map_required.find(object);
  std::vector<int> emails, phones, mobiles;
  for (const auto& f : st.schema->fields()) {
    auto fs = std::make_unique<FieldState>(options_.distinct_exact_cap);
    fs->out.name = f.name();
    fs->out.declared_type = f.type();
    fs->out.references = f.references();
    fs->out.found_in_data = f.inferred();
    fs->hints = HintsFor(f.name());
    fs->required_by_schema = f.required();
    fs->required_by_map = map_required != options_.map_required.end() &&
                          map_required->second.count(f.name()) > 0;
    fs->out.required = fs->required_by_schema || fs->required_by_map;
    const int index = static_cast<int>(st.fields.size());
    st.field_index[f.name()] = index;
    std::string lower(f.name());
    absl::AsciiStrToLower(&lower);
    const NameHints& h = fs->hints;
    if (h.email && !h.other_person) emails.push_back(index);
    if (h.phone && !h.other_person) {
      phones.push_back(index);
      if (h.mobile) mobiles.push_back(index);
    }
    if (IsAny(lower, {"first_name", "firstname", "fname", "given_name",
                      "givenname", "forename"})) {
      st.first_name = index;
    }
    if (IsAny(lower, {"last_name", "lastname", "lname", "surname",
                      "family_name", "familyname"})) {
      st.last_name = index;
    }
    if (h.birth && st.birth < 0) st.birth = index;
    st.fields.push_back(std::move(fs));
  }
  auto add_rule = [&](const char* rule, std::vector<int> fields) {
    if (fields.empty()) return;
    DuplicateState d;
    d.flag.object = object;
    d.flag.rule = rule;
    for (int i : fields) d.flag.fields.push_back(st.fields[i]->out.name);
    d.fields = std::move(fields);
    st.duplicates.push_back(std::move(d));
  };
  add_rule("email", emails);
  // Mobile numbers are the person's own; home and work numbers are shared
  // by households and colleagues.
  add_rule("phone", mobiles.empty() ? phones : mobiles);
  if (st.first_name >= 0 && st.last_name >= 0 && st.birth >= 0)
    add_rule("name_dob", {st.first_name, st.last_name, st.birth});
}

void Profiler::AddBatch(const v1::RecordBatch& batch) {
  if (!current_) return;
  ObjectState& st = *current_;
  Shared& sh = *shared_;
  const int max_keys = options_.max_listed_keys;
  const std::string& region = options_.phone_region;

  for (const v1::Rejection& r : batch.rejections()) {
    ++st.profile.rejected;
    auto id = std::make_pair(r.field(), r.reason());
    auto [it, inserted] = st.rejections.try_emplace(id);
    if (inserted) {
      st.rejection_order.push_back(id);
      it->second.field = r.field();
      it->second.reason = r.reason();
    }
    ++it->second.count;
    if (it->second.where.size() < 5)
      it->second.where.push_back(Where(r.location()));
    if (!r.source_key().empty() && st.referenced)
      sh.rejected[st.profile.object].insert(StableHash(r.source_key()));
    auto f = st.field_index.find(r.field());
    if (f != st.field_index.end()) {
      FieldState& fs = *st.fields[f->second];
      if (fs.out.declared_type == "date" ||
          fs.out.declared_type == "timestamp") {
        AddKey(fs.rejected_date,
               r.source_key().empty() ? Where(r.location()) : r.source_key(),
               max_keys);
      }
    }
  }

  for (const v1::Record& rec : batch.records()) {
    ++st.profile.records;
    const std::string& key = rec.source_key();
    st.profile.attachments += rec.attachments_size();
    for (const auto& a : rec.attachments())
      st.profile.attachment_bytes += a.size_bytes();
    if (st.referenced) sh.keys[st.profile.object].insert(StableHash(key));

    // Fields the schema does not list (not expected from the extractor):
    // profiled as found in the data.
    for (const auto& [name, unused] : rec.fields()) {
      if (st.field_index.contains(name)) continue;
      auto fs = std::make_unique<FieldState>(options_.distinct_exact_cap);
      fs->out.name = name;
      fs->out.found_in_data = true;
      fs->hints = HintsFor(name);
      st.field_index[name] = static_cast<int>(st.fields.size());
      st.fields.push_back(std::move(fs));
    }

    std::vector<uint32_t> kinds_of(st.fields.size(), 0);
    std::vector<const v1::Value*> values(st.fields.size(), nullptr);
    for (size_t i = 0; i < st.fields.size(); ++i) {
      FieldState& fs = *st.fields[i];
      auto it = rec.fields().find(fs.out.name);
      if (it == rec.fields().end() || !Filled(it->second)) {
        if (fs.out.required) AddKey(fs.missing, key, max_keys);
        continue;
      }
      const v1::Value& v = it->second;
      values[i] = &v;
      ++fs.out.filled;
      const std::string text = record::ValueToText(v);
      const uint64_t hash = StableHash(text);
      fs.distinct.Add(hash);
      const uint32_t kinds = Classify(v, fs.hints, region);
      kinds_of[i] = kinds;
      for (int k = 0; k < kKindCount; ++k) {
        if (kinds & kKindPriority[k]) ++fs.kind_counts[k];
      }
      if (!(kinds & kKindEmail)) AddKey(fs.bad_email, key, max_keys);
      if (!(kinds & kKindPhone)) AddKey(fs.bad_phone, key, max_keys);
      if (kinds & (kKindDate | kKindTimestamp)) {
        ++fs.date_like;
      } else {
        AddKey(fs.bad_date, key, max_keys);
      }
      if (fs.hints.birth && options_.today.year() > 0) {
        std::optional<v1::Date> d = DateOf(v);
        if (d && (d->year() < 1900 ||
                  DateOrdinal(*d) > DateOrdinal(options_.today))) {
          AddKey(fs.implausible_birth, key, max_keys);
        }
      }
      if (static_cast<int>(fs.out.examples.size()) < options_.max_examples &&
          fs.example_hashes.insert(hash).second) {
        std::string masked = MaskValue(v, kinds, region);
        if (!masked.empty() &&
            std::find(fs.out.examples.begin(), fs.out.examples.end(), masked) ==
                fs.out.examples.end()) {
          fs.out.examples.push_back(std::move(masked));
        }
      }
      if (!fs.out.references.empty()) {
        const std::string& target = fs.out.references;
        auto [ri, added] = sh.ref_index.try_emplace(
            std::make_pair(st.profile.object, fs.out.name),
            static_cast<uint32_t>(sh.refs.size()));
        if (added) {
          sh.refs.push_back(
              RefFlags{st.profile.object, fs.out.name, target, {}, {}});
        }
        std::vector<std::string> targets;
        if (v.kind_case() == v1::Value::kListValue) {
          for (const auto& e : v.list_value().values()) {
            if (Filled(e)) targets.push_back(record::ValueToText(e));
          }
        } else {
          targets.push_back(text);
        }
        for (const std::string& t : targets) {
          const uint64_t th = StableHash(t);
          if (!sh.listed.contains(target)) {
            ++profile_.unchecked_references;
          } else if (sh.done.contains(target)) {
            RefFlags& rf = sh.refs[ri->second];
            if (sh.keys[target].contains(th)) continue;
            AddKey(
                sh.rejected[target].contains(th) ? rf.to_rejected : rf.dangling,
                key, max_keys);
          } else if (static_cast<int64_t>(sh.pending.size()) <
                     options_.max_pending_references) {
            sh.pending.push_back(Pending{th, ri->second, key});
          } else {
            ++profile_.unchecked_references;
          }
        }
      }
    }

    if (st.duplicates.empty()) continue;
    if (static_cast<int64_t>(st.keys.size()) >= options_.max_tracked_records) {
      for (auto& d : st.duplicates) ++d.flag.unchecked;
      continue;
    }
    const auto index = static_cast<uint32_t>(st.keys.size());
    st.keys.push_back(key);
    for (DuplicateState& d : st.duplicates) {
      ++d.flag.checked;
      std::vector<std::string> normalized;
      if (d.flag.rule == "name_dob") {
        const v1::Value* first = values[st.first_name];
        const v1::Value* last = values[st.last_name];
        const v1::Value* birth = values[st.birth];
        if (!first || !last || !birth) continue;
        std::optional<v1::Date> dob = DateOf(*birth);
        std::string f = NameKey(record::ValueToText(*first));
        std::string l = NameKey(record::ValueToText(*last));
        if (!dob || f.empty() || l.empty()) continue;
        normalized.push_back(
            absl::StrCat(f, "|", l, "|", record::DateToString(*dob)));
      } else {
        for (int i : d.fields) {
          if (!values[i]) continue;
          const std::string text = record::ValueToText(*values[i]);
          std::optional<std::string> n =
              d.flag.rule == "email" ? mapping::NormalizeEmail(text)
                                     : mapping::NormalizePhone(text, region);
          if (n && std::find(normalized.begin(), normalized.end(), *n) ==
                       normalized.end()) {
            normalized.push_back(*n);
          }
        }
      }
      for (const std::string& n : normalized) {
        const uint64_t h = StableHash(absl::StrCat(d.flag.rule, ":", n));
        auto [it, first_seen] = d.first.try_emplace(h, index);
        if (first_seen) continue;
        auto& group = d.groups[h];
        if (group.empty()) {
          d.group_order.push_back(h);
          group.push_back(it->second);
        }
        if (group.back() != index) group.push_back(index);
      }
    }
  }
}

void Profiler::EndObject() {
  if (!current_) return;
  ObjectState& st = *current_;
  Shared& sh = *shared_;
  const int max_keys = options_.max_listed_keys;
  ObjectProfile& p = st.profile;
  std::vector<FieldFlag> missing_flags, invalid_flags;
  for (auto& fsp : st.fields) {
    FieldState& fs = *fsp;
    FieldProfile& f = fs.out;
    f.distinct = fs.distinct.Count();
    f.distinct_exact = fs.distinct.exact();
    const int64_t n = f.filled;
    if (n == 0) {
      f.inferred_type = "empty";
    } else {
      for (int k = 0; k < kKindCount; ++k) {
        if (fs.kind_counts[k] >= kTypeThreshold * static_cast<double>(n)) {
          f.inferred_type = KindName(kKindPriority[k]);
          f.type_match =
              static_cast<double>(fs.kind_counts[k]) / static_cast<double>(n);
          break;
        }
      }
      if (f.inferred_type.empty()) {
        f.inferred_type = f.distinct_exact && f.distinct <= kEnumMaxDistinct &&
                                  n >= 2 * f.distinct
                              ? "enum"
                              : "free_text";
      }
    }
    const std::string& t = f.inferred_type;
    const bool texty = t == "free_text" || t == "enum";
    auto flag = [&](std::vector<FieldFlag>& into, const char* kind,
                    std::string detail, const KeyList& keys) {
      if (keys.count == 0) return;
      into.push_back(
          FieldFlag{p.object, f.name, kind, std::move(detail), keys});
    };
    if (fs.missing.count > 0) {
      flag(missing_flags, "missing_required",
           fs.required_by_schema ? "schema" : "map", fs.missing);
    }
    if (t == "email" || (fs.hints.email && texty))
      flag(invalid_flags, "invalid_email", "not a valid email address",
           fs.bad_email);
    if (t == "phone" || (fs.hints.phone && texty)) {
      flag(invalid_flags, "invalid_phone",
           absl::StrCat("not a valid phone number (region ",
                        options_.phone_region, ")"),
           fs.bad_phone);
    }
    const bool string_date =
        (f.declared_type == "string" || f.declared_type.empty()) &&
        (t == "date" || t == "timestamp" ||
         (fs.hints.date && 2 * fs.date_like >= n && n > 0));
    if (string_date)
      flag(invalid_flags, "invalid_date", "not a date", fs.bad_date);
    flag(invalid_flags, "invalid_date",
         "rejected by the extractor (see rejections)", fs.rejected_date);
    flag(invalid_flags, "invalid_date",
         "birth date in the future or before 1900", fs.implausible_birth);
    p.fields.push_back(f);
  }
  for (const auto& id : st.rejection_order)
    p.rejections.push_back(st.rejections[id]);
  for (auto& f : missing_flags) profile_.flags.push_back(std::move(f));
  for (auto& f : invalid_flags) profile_.flags.push_back(std::move(f));
  for (DuplicateState& d : st.duplicates) {
    for (uint64_t h : d.group_order) {
      const auto& group = d.groups[h];
      ++d.flag.groups;
      d.flag.records += static_cast<int64_t>(group.size());
      if (static_cast<int>(d.flag.listed.size()) >= options_.max_listed_groups)
        continue;
      std::vector<std::string> keys;
      for (uint32_t i : group) {
        if (static_cast<int>(keys.size()) >= max_keys) break;
        keys.push_back(st.keys[i]);
      }
      d.flag.listed.push_back(std::move(keys));
    }
    profile_.duplicates.push_back(std::move(d.flag));
  }
  sh.done.insert(p.object);
  profile_.objects.push_back(std::move(p));
  current_.reset();
}

Profile Profiler::Finish() {
  if (current_) EndObject();
  Shared& sh = *shared_;
  const int max_keys = options_.max_listed_keys;
  for (const Pending& pe : sh.pending) {
    RefFlags& rf = sh.refs[pe.ref];
    if (!sh.done.contains(rf.target)) {
      ++profile_.unchecked_references;  // the object was never read
      continue;
    }
    if (sh.keys[rf.target].contains(pe.hash)) continue;
    AddKey(
        sh.rejected[rf.target].contains(pe.hash) ? rf.to_rejected : rf.dangling,
        pe.record_key, max_keys);
  }
  std::vector<Pending>().swap(sh.pending);
  for (RefFlags& rf : sh.refs) {
    if (rf.dangling.count > 0) {
      profile_.flags.push_back(FieldFlag{rf.object, rf.field,
                                         "dangling_reference", rf.target,
                                         std::move(rf.dangling)});
    }
    if (rf.to_rejected.count > 0) {
      profile_.flags.push_back(FieldFlag{rf.object, rf.field,
                                         "reference_to_rejected", rf.target,
                                         std::move(rf.to_rejected)});
    }
  }
  return std::move(profile_);
}

}  // namespace bridgework::discovery
