#include "libs/crm/pipedrive_operations.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/strings.h"

namespace bridgework::pipedrive_api {
namespace {

std::vector<Operation> BuildOperations() {
  std::vector<Operation> ops;
  auto add = [&ops](std::string_view method, Api api, std::string_view path,
                    int cost, bool search = false) {
    ops.push_back({method, api, path, cost, search});
  };
  // v2 entities: list 10 (pipelines and stages 5), create 5, get 1,
  // update 5, delete 3.
  struct Crud {
    std::string_view list, one;
    int list_cost;
  };
  for (const Crud& c : {Crud{"/persons", "/persons/{id}", 10},
                        Crud{"/organizations", "/organizations/{id}", 10},
                        Crud{"/deals", "/deals/{id}", 10},
                        Crud{"/activities", "/activities/{id}", 10},
                        Crud{"/products", "/products/{id}", 10},
                        Crud{"/pipelines", "/pipelines/{id}", 5},
                        Crud{"/stages", "/stages/{id}", 5}}) {
    add("GET", Api::kV2, c.list, c.list_cost);
    add("POST", Api::kV2, c.list, 5);
    add("GET", Api::kV2, c.one, 1);
    add("PATCH", Api::kV2, c.one, 5);
    add("DELETE", Api::kV2, c.one, 3);
  }
  add("GET", Api::kV2, "/persons/search", 20, true);
  add("GET", Api::kV2, "/organizations/search", 20, true);
  add("GET", Api::kV2, "/deals/search", 20, true);
  add("GET", Api::kV2, "/itemSearch/field", 20, true);
  struct Fields {
    std::string_view list, one, options;
  };
  for (const Fields& f :
       {Fields{"/personFields", "/personFields/{field_code}",
               "/personFields/{field_code}/options"},
        Fields{"/organizationFields", "/organizationFields/{field_code}",
               "/organizationFields/{field_code}/options"},
        Fields{"/dealFields", "/dealFields/{field_code}",
               "/dealFields/{field_code}/options"},
        Fields{"/productFields", "/productFields/{field_code}",
               "/productFields/{field_code}/options"}}) {
    add("GET", Api::kV2, f.list, 10);
    add("POST", Api::kV2, f.list, 5);
    add("GET", Api::kV2, f.one, 1);
    add("PATCH", Api::kV2, f.one, 5);
    add("DELETE", Api::kV2, f.one, 3);
    add("POST", Api::kV2, f.options, 5);
    add("PATCH", Api::kV2, f.options, 5);
    add("DELETE", Api::kV2, f.options, 3);
  }
  // v1: leads, lead labels, notes, files, users, activity types.
  add("GET", Api::kV1, "/leads", 20);
  add("POST", Api::kV1, "/leads", 10);
  add("GET", Api::kV1, "/leads/{id}", 2);
  add("PATCH", Api::kV1, "/leads/{id}", 10);
  add("DELETE", Api::kV1, "/leads/{id}", 6);
  add("GET", Api::kV1, "/leadLabels", 10);
  add("POST", Api::kV1, "/leadLabels", 10);
  add("PATCH", Api::kV1, "/leadLabels/{id}", 10);
  add("DELETE", Api::kV1, "/leadLabels/{id}", 6);
  add("GET", Api::kV1, "/notes", 20);
  add("POST", Api::kV1, "/notes", 10);
  add("GET", Api::kV1, "/notes/{id}", 2);
  add("PUT", Api::kV1, "/notes/{id}", 10);
  add("DELETE", Api::kV1, "/notes/{id}", 6);
  add("GET", Api::kV1, "/files", 20);
  add("POST", Api::kV1, "/files", 10);
  add("GET", Api::kV1, "/files/{id}", 2);
  add("PUT", Api::kV1, "/files/{id}", 10);
  add("DELETE", Api::kV1, "/files/{id}", 6);
  add("GET", Api::kV1, "/files/{id}/download", 20);
  add("GET", Api::kV1, "/users", 20);
  add("GET", Api::kV1, "/users/me", 2);
  add("GET", Api::kV1, "/users/find", 40);
  add("GET", Api::kV1, "/users/{id}", 2);
  add("GET", Api::kV1, "/activityTypes", 20);
  add("POST", Api::kV1, "/activityTypes", 10);
  add("PUT", Api::kV1, "/activityTypes/{id}", 10);
  add("DELETE", Api::kV1, "/activityTypes/{id}", 6);
  return ops;
}

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (absl::string_view s : absl::StrSplit(ToAbsl(path), '/')) {
    if (!s.empty()) out.push_back(FromAbsl(s));
  }
  return out;
}

int ParamCount(const Operation& op) {
  int n = 0;
  for (std::string_view s : Segments(op.path)) n += IsParam(s) ? 1 : 0;
  return n;
}

}  // namespace

std::string Operation::PathTemplate() const {
  return absl::StrCat(api == Api::kV2 ? "/api/v2" : "/v1", ToAbsl(path));
}

std::string Operation::Route() const {
  return absl::StrCat(ToAbsl(method), " ", PathTemplate());
}

const std::vector<Operation>& Operations() {
  static const auto* kOps = new std::vector<Operation>(BuildOperations());
  return *kOps;
}

const std::vector<std::string_view>& Prefixes(Api api) {
  static const auto* kV1 = new std::vector<std::string_view>{"/v1", "/api/v1"};
  static const auto* kV2 = new std::vector<std::string_view>{"/api/v2"};
  return api == Api::kV2 ? *kV2 : *kV1;
}

std::string RouteRegex(std::string_view prefix, const Operation& op) {
  std::string out(prefix);
  for (std::string_view s : Segments(op.path)) {
    out += '/';
    out += IsParam(s) ? "([^/]+)" : std::string(s);
  }
  return out;
}

const Operation* FindOperation(std::string_view method, std::string_view path) {
  const Operation* best = nullptr;
  int best_params = 0;
  for (const Operation& op : Operations()) {
    if (op.method != method) continue;
    for (std::string_view prefix : Prefixes(op.api)) {
      if (path.substr(0, prefix.size()) != prefix) continue;
      std::vector<std::string_view> want = Segments(op.path);
      std::vector<std::string_view> got = Segments(path.substr(prefix.size()));
      if (want.size() != got.size() || got.empty() ||
          path.size() == prefix.size() || path[prefix.size()] != '/') {
        continue;
      }
      bool match = true;
      for (size_t i = 0; i < want.size() && match; ++i) {
        match = IsParam(want[i]) || want[i] == got[i];
      }
      int params = ParamCount(op);
      if (match && (best == nullptr || params < best_params)) {
        best = &op;
        best_params = params;
      }
    }
  }
  return best;
}

}  // namespace bridgework::pipedrive_api
