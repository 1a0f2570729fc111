#include "tests/chaos/state_compare.h"

#include <cctype>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace bridgework::chaos {
namespace {

using Json = nlohmann::json;

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  return "";
}

// A record's identity: its id, or for records without one (Pipedrive's
// field definitions) its key.
std::string IdOf(const Json& record) {
  for (const char* key : {"id", "_id", "field_code", "key"}) {
    if (record.contains(key)) return Text(record[key]);
  }
  return "";
}

bool Deleted(const Json& r) {
  auto flag = [&r](const char* key, bool value) {
    return r.contains(key) && r[key].is_boolean() &&
           r[key].get<bool>() == value;
  };
  if (flag("is_deleted", true) || flag("deleted", true) ||
      flag("active_flag", false)) {
    return true;
  }
  return r.contains("deleted_at") && !r["deleted_at"].is_null();
}

// A member holding record ids ("sales_account_id", "contactId",
// "person_ids", "id"): its ids must translate, not merely be equal.
bool IdMember(const std::string& key) {
  std::string k;
  for (char c : key) k.push_back(static_cast<char>(std::tolower(c)));
  return k == "id" || k == "_id" || k == "key" || k == "field_code" ||
         absl::EndsWith(k, "_id") || absl::EndsWith(k, "_ids") ||
         (key.size() > 2 &&
          (absl::EndsWith(key, "Id") || absl::EndsWith(key, "Ids")));
}

// `a` (actual) equals `e` (expected) once ids are translated.
bool SameScalar(const Json& a, const Json& e, const std::string& key,
                const std::map<std::string, std::string>& translate) {
  std::string at = Text(a), et = Text(e);
  if (!at.empty() && IdMember(key)) {
    std::vector<std::string> parts = absl::StrSplit(at, '/');
    for (std::string& p : parts) {
      auto it = translate.find(p);
      if (it != translate.end()) p = it->second;
    }
    return absl::StrJoin(parts, "/") == et && a.type() == e.type();
  }
  return a == e;
}

void Diff(const Json& e, const Json& a, const std::string& path,
          const std::string& key,
          const std::map<std::string, std::string>& translate,
          const CompareOptions& options, std::vector<std::string>* out) {
  if (e.is_object() && a.is_object()) {
    // Member names can be ids too (Pipedrive's custom-field keys).
    Json renamed = Json::object();
    for (const auto& [k, v] : a.items()) {
      auto t = translate.find(k);
      renamed[t == translate.end() ? k : t->second] = v;
    }
    std::set<std::string> keys;
    for (const auto& [k, v] : e.items()) keys.insert(k);
    for (const auto& [k, v] : renamed.items()) keys.insert(k);
    for (const std::string& k : keys) {
      if (options.ignored_keys.count(k)) continue;
      static const Json kNull;
      Diff(e.contains(k) ? e[k] : kNull,
           renamed.contains(k) ? renamed[k] : kNull, path + "." + k, k,
           translate, options, out);
    }
    return;
  }
  if (e.is_array() && a.is_array()) {
    if (e.size() != a.size()) {
      out->push_back(
          absl::StrCat(path, ": ", a.size(), " items, expected ", e.size()));
      return;
    }
    for (size_t i = 0; i < e.size(); ++i) {
      Diff(e[i], a[i], absl::StrCat(path, "[", i, "]"), key, translate, options,
           out);
    }
    return;
  }
  if (!SameScalar(a, e, key, translate)) out->push_back(path + ": differs");
}

}  // namespace

IdMap IdMapFromAudit(const std::string& jsonl,
                     std::vector<std::string>* problems) {
  IdMap out;
  std::map<std::string, std::string> owner_of_id;
  std::istringstream in(jsonl);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json op = Json::parse(line, nullptr, false);
    if (!op.is_object()) {
      problems->push_back("audit export: a line is not JSON");
      continue;
    }
    const std::string kind = op.value("kind", "");
    const std::string state = op.value("state", "");
    const std::string key = absl::StrCat(op.value("target_object", ""), "|",
                                         op.value("source_object", ""), "|",
                                         op.value("source_key", ""));
    if (state == "intent") {
      problems->push_back(absl::StrCat("ledger: operation ", op.value("seq", 0),
                                       " (", kind, " ", key,
                                       ") was left an intent"));
      continue;
    }
    if ((kind != "create" && kind != "match") ||
        (state != "applied" && state != "adopted")) {
      continue;
    }
    const std::string id = op.value("crm_id", "");
    if (out.count(key)) {
      problems->push_back(absl::StrCat("ledger: ", key,
                                       " was created twice (CRM ids ", out[key],
                                       " and ", id, ")"));
    }
    out[key] = id;
    const std::string object = op.value("target_object", "");
    auto [it, fresh] = owner_of_id.emplace(object + "|" + id, key);
    if (!fresh && it->second != key) {
      problems->push_back(absl::StrCat("ledger: ", object, " ", id,
                                       " is mapped from both ", it->second,
                                       " and ", key));
    }
  }
  return out;
}

std::map<std::string, std::vector<Json>> Collections(const Json& state,
                                                     bool live_only) {
  std::map<std::string, std::vector<Json>> out;
  auto add = [&](const std::string& name, const Json& array) {
    std::vector<Json>& records = out[name];
    for (const Json& r : array) {
      if (!r.is_object()) continue;
      if (live_only && Deleted(r)) continue;
      records.push_back(r);
    }
  };
  if (!state.is_object()) return out;
  for (const auto& [name, value] : state.items()) {
    if (value.is_array()) {
      add(name, value);
    } else if (value.is_object()) {
      for (const auto& [inner, array] : value.items()) {
        if (array.is_array()) add(name + "/" + inner, array);
      }
    }
  }
  return out;
}

std::map<std::string, std::string> Translation(
    const IdMap& reference, const IdMap& chaos,
    std::vector<std::string>* problems) {
  std::map<std::string, std::string> out;
  for (const auto& [key, id] : chaos) {
    auto it = reference.find(key);
    if (it == reference.end()) {
      problems->push_back(absl::StrCat(
          key, ": written by the chaos run, not by the reference"));
      continue;
    }
    out[id] = it->second;
    // Composite ids ("<parent>/<own>") translate part by part too.
    std::vector<std::string> a = absl::StrSplit(id, '/');
    std::vector<std::string> e = absl::StrSplit(it->second, '/');
    if (a.size() > 1 && a.size() == e.size()) {
      for (size_t i = 0; i < a.size(); ++i) out.emplace(a[i], e[i]);
    }
  }
  for (const auto& [key, id] : reference) {
    if (!chaos.count(key)) {
      problems->push_back(absl::StrCat(
          key, ": written by the reference, lost by the chaos run"));
    }
  }
  return out;
}

std::vector<std::string> CompareStates(
    const Json& expected, const Json& actual,
    const std::map<std::string, std::string>& given,
    const CompareOptions& options, bool live_only) {
  std::vector<std::string> out;
  auto e_cols = Collections(expected, live_only);
  auto a_cols = Collections(actual, live_only);
  // Records no migration wrote (the schema: fields, pipelines, stages) get
  // their own ids and keys in each emulator: matched by a name unique in
  // their collection on both sides.
  std::map<std::string, std::string> translate = given;
  for (const auto& [name, a_records] : a_cols) {
    auto by_name = [](const std::vector<Json>& records) {
      std::map<std::string, std::vector<const Json*>> m;
      for (const Json& r : records) {
        for (const char* key : {"name", "field_name"}) {
          if (r.contains(key) && r[key].is_string()) {
            m[r[key].get<std::string>()].push_back(&r);
            break;
          }
        }
      }
      return m;
    };
    auto e_names = by_name(e_cols[name]);
    for (const auto& [label, a_list] : by_name(a_records)) {
      auto it = e_names.find(label);
      if (a_list.size() != 1 || it == e_names.end() || it->second.size() != 1)
        continue;
      const Json& a = *a_list[0];
      const Json& e = *it->second[0];
      if (given.count(IdOf(a))) continue;
      translate.emplace(IdOf(a), IdOf(e));
      for (const char* key : {"key", "field_code"}) {
        if (a.contains(key) && e.contains(key))
          translate.emplace(Text(a[key]), Text(e[key]));
      }
    }
  }
  // Records matched by content: the first equal, not yet taken record.
  CompareOptions own_id_aside = options;
  own_id_aside.ignored_keys.insert({"id", "_id"});
  for (const std::string& name : options.matched_by_content) {
    std::set<const Json*> taken;
    for (const Json& a : a_cols[name]) {
      for (const Json& e : e_cols[name]) {
        if (taken.count(&e)) continue;
        std::vector<std::string> differences;
        Diff(e, a, "", "", translate, own_id_aside, &differences);
        if (!differences.empty()) continue;
        taken.insert(&e);
        translate.emplace(IdOf(a), IdOf(e));
        break;
      }
    }
  }
  std::set<std::string> names;
  for (const auto& [n, r] : e_cols) names.insert(n);
  for (const auto& [n, r] : a_cols) names.insert(n);
  for (const std::string& name : names) {
    if (options.ignored_collections.count(name)) continue;
    const std::vector<Json>& e = e_cols[name];
    const std::vector<Json>& a = a_cols[name];
    if (e.size() != a.size()) {
      out.push_back(
          absl::StrCat(name, ": ", a.size(), " records, expected ", e.size()));
    }
    std::map<std::string, const Json*> by_id;
    for (const Json& r : e) by_id[IdOf(r)] = &r;
    std::set<std::string> seen;
    for (const Json& r : a) {
      std::string id = IdOf(r);
      auto t = translate.find(id);
      std::string want = t == translate.end() ? id : t->second;
      auto it = by_id.find(want);
      if (it == by_id.end()) {
        out.push_back(absl::StrCat(name, " ", id,
                                   ": not in the expected state (a duplicate "
                                   "or a stray record)"));
        continue;
      }
      if (!seen.insert(want).second) {
        out.push_back(
            absl::StrCat(name, " ", id, ": a second record for ", want));
        continue;
      }
      Diff(*it->second, r, absl::StrCat(name, " ", id), "", translate, options,
           &out);
    }
    for (const auto& [id, r] : by_id) {
      if (!seen.count(id)) {
        out.push_back(
            absl::StrCat(name, " ", id, ": expected, missing from the state"));
      }
    }
  }
  return out;
}

}  // namespace bridgework::chaos
