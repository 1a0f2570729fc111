#include "emulators/highlevel/highlevel_search.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "emulators/highlevel/highlevel_util.h"
#include "emulators/highlevel/highlevel_values.h"

namespace bridgework::emulator::highlevel {
namespace {

// page * limit beyond this needs searchAfter.
constexpr int64_t kMaxSearchWindow = 10000;

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

// The value a search filter or sort reads from a record; custom field
// values as stored ("value" on contacts, "fieldValue" on opportunities).
Json FieldValue(const Json& contact, const std::string& field) {
  absl::string_view f = field;
  if (absl::ConsumePrefix(&f, "customFields.") ||
      absl::ConsumePrefix(&f, "customField.")) {
    if (contact.contains("customFields")) {
      for (const auto& e : contact["customFields"]) {
        if (StrOf(e, "id") != f) continue;
        return e.contains("value") ? e["value"] : e.value("fieldValue", Json());
      }
    }
    return nullptr;
  }
  auto it = contact.find(field);
  return it == contact.end() ? Json(nullptr) : *it;
}

bool IsTimeField(const std::string& field) {
  return field == "dateAdded" || field == "dateUpdated" ||
         field == "dateOfBirth" || field == "lastActivity" ||
         field == "createdAt" || field == "updatedAt" ||
         field == "lastStatusChangeAt" || field == "lastStageChangeAt";
}

// Sort key part: epoch millis for timestamps, else the value itself.
Json SortValue(const Json& contact, const std::string& field) {
  Json v = FieldValue(contact, field);
  if (IsTimeField(field) && v.is_string()) {
    std::optional<absl::Time> t = ParseInstant(v.get<std::string>());
    if (t) return UnixMillis(*t);
  }
  if (v.is_string()) return Lower(v.get<std::string>());
  return v;
}

int CompareJson(const Json& a, const Json& b) {
  if (a == b) return 0;
  if (a.is_null()) return -1;
  if (b.is_null()) return 1;
  if (a.is_number() && b.is_number()) {
    return a.get<double>() < b.get<double>() ? -1 : 1;
  }
  std::string sa = a.is_string() ? a.get<std::string>() : a.dump();
  std::string sb = b.is_string() ? b.get<std::string>() : b.dump();
  return sa < sb ? -1 : (sa > sb ? 1 : 0);
}

bool Scalar(const Json& v) {
  return v.is_string() || v.is_number() || v.is_boolean();
}

std::string Text(const Json& v) {
  return v.is_string() ? v.get<std::string>() : (v.is_null() ? "" : v.dump());
}

// One filter of POST /contacts/search; errors name the filter path.
bool MatchFilter(const Json& contact, const Json& filter,
                 const std::string& path, std::vector<std::string>& errors) {
  if (!filter.is_object()) {
    errors.push_back(absl::StrCat(path, " must be an object"));
    return false;
  }
  if (filter.contains("group")) {
    std::string group = StrOf(filter, "group");
    if (group != "AND" && group != "OR") {
      errors.push_back(absl::StrCat(
          path, ".group must be one of the following values: AND, OR"));
      return false;
    }
    if (!filter.contains("filters") || !filter["filters"].is_array()) {
      errors.push_back(absl::StrCat(path, ".filters must be an array"));
      return false;
    }
    bool all = true, any = false;
    const Json& list = filter["filters"];
    for (size_t i = 0; i < list.size(); ++i) {
      bool m = MatchFilter(contact, list[i], absl::StrCat(path, ".filters.", i),
                           errors);
      all = all && m;
      any = any || m;
    }
    return group == "AND" ? all : any;
  }
  std::string field = StrOf(filter, "field");
  std::string op = StrOf(filter, "operator");
  if (field.empty()) {
    errors.push_back(absl::StrCat(path, ".field should not be empty"));
    return false;
  }
  Json v = FieldValue(contact, field);
  const Json want = filter.contains("value") ? filter["value"] : Json(nullptr);
  auto eq = [&](const Json& item) {
    if (item.is_string() && want.is_string()) {
      return EqualsFold(item.get<std::string>(), want.get<std::string>());
    }
    return item == want;
  };
  auto has = [&]() {
    if (v.is_array()) return std::any_of(v.begin(), v.end(), eq);
    return eq(v);
  };
  auto contains = [&]() {
    std::string needle = Text(want);
    if (v.is_array()) {
      return std::any_of(v.begin(), v.end(), [&](const Json& item) {
        return ContainsFold(Text(item), needle);
      });
    }
    return Scalar(v) && ContainsFold(Text(v), needle);
  };
  if (op == "eq") return has();
  if (op == "not_eq") return !has();
  if (op == "contains") return contains();
  if (op == "not_contains") return !contains();
  if (op == "exists") return !v.is_null() && v != "" && v != Json::array();
  if (op == "not_exists") return v.is_null() || v == "" || v == Json::array();
  if (op == "range") {
    if (!want.is_object()) {
      errors.push_back(absl::StrCat(path, ".value must be an object"));
      return false;
    }
    Json have = SortValue(contact, field);
    auto bound = [&](const char* k) -> Json {
      if (!want.contains(k)) return nullptr;
      Json b = want[k];
      if (IsTimeField(field) && b.is_string()) {
        std::optional<absl::Time> t = ParseInstant(b.get<std::string>());
        if (t) return UnixMillis(*t);
      }
      return b;
    };
    if (have.is_null()) return false;
    Json gt = bound("gt"), gte = bound("gte"), lt = bound("lt"),
         lte = bound("lte");
    if (!gt.is_null() && CompareJson(have, gt) <= 0) return false;
    if (!gte.is_null() && CompareJson(have, gte) < 0) return false;
    if (!lt.is_null() && CompareJson(have, lt) >= 0) return false;
    if (!lte.is_null() && CompareJson(have, lte) > 0) return false;
    return true;
  }
  errors.push_back(absl::StrCat(
      path,
      ".operator must be one of the following values: eq, not_eq, contains, "
      "not_contains, exists, not_exists, range"));
  return false;
}

bool KeyLess(const SearchRequest& req, const Json& va, const std::string& ida,
             const Json& vb, const std::string& idb) {
  int cmp = CompareJson(va, vb);
  if (cmp == 0) cmp = ida < idb ? -1 : (ida > idb ? 1 : 0);
  return req.ascending ? cmp < 0 : cmp > 0;
}

}  // namespace

std::vector<std::string> ParseSearch(const Json& b, const char* limit_key,
                                     int64_t default_limit, int64_t max_limit,
                                     const char* default_sort,
                                     SearchRequest* out) {
  std::vector<std::string> errors;
  out->page = b.contains("page") && b["page"].is_number()
                  ? b["page"].get<int64_t>()
                  : 1;
  out->limit = b.contains(limit_key) && b[limit_key].is_number()
                   ? b[limit_key].get<int64_t>()
                   : default_limit;
  if (out->page < 1) errors.push_back("page must not be less than 1");
  if (out->limit < 1) {
    errors.push_back(absl::StrCat(limit_key, " must not be less than 1"));
  }
  if (out->limit > max_limit) {
    errors.push_back(
        absl::StrCat(limit_key, " must not be greater than ", max_limit));
  }
  if (b.contains("searchAfter") && b["searchAfter"].is_array() &&
      !b["searchAfter"].empty()) {
    out->search_after = b["searchAfter"];
    if (out->search_after.size() != 2) {
      errors.push_back(
          "searchAfter must be [sort value, id] of the last record");
    }
  } else if (out->page * out->limit > kMaxSearchWindow) {
    errors.push_back(absl::StrCat("page * ", limit_key, " must not exceed ",
                                  kMaxSearchWindow, "; use searchAfter"));
  }
  out->sort_field = default_sort;
  out->ascending = false;
  if (b.contains("sort") && b["sort"].is_array() && !b["sort"].empty()) {
    const Json& s = b["sort"][0];
    out->sort_field = StrOf(s, "field");
    std::string dir = StrOf(s, "direction");
    if (out->sort_field.empty()) {
      errors.push_back("sort.0.field should not be empty");
    }
    if (dir != "asc" && dir != "desc") {
      errors.push_back(
          "sort.0.direction must be one of the following values: asc, desc");
    }
    out->ascending = dir == "asc";
  }
  if (b.contains("filters")) out->filters = b["filters"];
  return errors;
}

std::vector<const Json*> RunSearch(std::vector<const Json*> candidates,
                                   const SearchRequest& req,
                                   std::vector<std::string>& errors,
                                   size_t* total) {
  std::vector<const Json*> matches;
  for (const Json* record : candidates) {
    bool all = true;
    if (req.filters.is_array()) {
      for (size_t i = 0; i < req.filters.size() && all; ++i) {
        all = MatchFilter(*record, req.filters[i], absl::StrCat("filters.", i),
                          errors);
      }
    }
    if (!errors.empty()) return {};
    if (all) matches.push_back(record);
  }
  const std::string& field = req.sort_field;
  std::stable_sort(matches.begin(), matches.end(),
                   [&](const Json* x, const Json* y) {
                     return KeyLess(req, SortValue(*x, field), StrOf(*x, "id"),
                                    SortValue(*y, field), StrOf(*y, "id"));
                   });
  *total = matches.size();
  size_t begin = 0;
  if (req.search_after.is_array()) {
    Json after_value = req.search_after[0];
    if (after_value.is_string() && !IsTimeField(field)) {
      after_value = Lower(after_value.get<std::string>());
    }
    std::string after_id = Text(req.search_after[1]);
    while (begin < matches.size() && !KeyLess(req, after_value, after_id,
                                              SortValue(*matches[begin], field),
                                              StrOf(*matches[begin], "id"))) {
      ++begin;
    }
  } else {
    begin = static_cast<size_t>((req.page - 1) * req.limit);
  }
  std::vector<const Json*> page;
  for (size_t i = begin; i < matches.size() && i < begin + req.limit; ++i) {
    page.push_back(matches[i]);
  }
  return page;
}

Json SearchAfterOf(const Json& record, const SearchRequest& req) {
  return Json::array({SortValue(record, req.sort_field), StrOf(record, "id")});
}

}  // namespace bridgework::emulator::highlevel
