#include "emulators/pipedrive/pipedrive_paging.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace bridgework::emulator::pipedrive {
namespace {

using Json = nlohmann::json;

}  // namespace

absl::StatusOr<std::optional<int64_t>> IntParam(const httplib::Request& req,
                                                const char* name) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  int64_t n = 0;
  if (!absl::SimpleAtoi(req.get_param_value(name), &n)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be an integer"));
  }
  return std::optional<int64_t>(n);
}

absl::StatusOr<std::optional<bool>> BoolParam(const httplib::Request& req,
                                              const char* name) {
  if (!req.has_param(name)) return std::optional<bool>();
  std::string v = req.get_param_value(name);
  if (v == "true" || v == "1") return std::optional<bool>(true);
  if (v == "false" || v == "0") return std::optional<bool>(false);
  return absl::InvalidArgumentError(absl::StrCat(name, ": must be a boolean"));
}

std::vector<std::string> ListParam(const httplib::Request& req,
                                   const char* name) {
  std::vector<std::string> out;
  if (!req.has_param(name)) return out;
  for (absl::string_view part :
       absl::StrSplit(req.get_param_value(name), ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

absl::StatusOr<int64_t> V2Limit(const httplib::Request& req) {
  absl::StatusOr<std::optional<int64_t>> limit = IntParam(req, "limit");
  if (!limit.ok()) return limit.status();
  if (!limit->has_value()) return kDefaultLimit;
  if (**limit < 1 || **limit > kMaxLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit: must be between 1 and ", kMaxLimit));
  }
  return **limit;
}

std::string EncodeCursor(const Json& position) {
  return absl::WebSafeBase64Escape(position.dump());
}

absl::StatusOr<Json> DecodeCursor(const httplib::Request& req) {
  if (!req.has_param("cursor")) return Json(nullptr);
  std::string raw;
  if (!absl::WebSafeBase64Unescape(req.get_param_value("cursor"), &raw)) {
    return absl::InvalidArgumentError("cursor: invalid");
  }
  Json j = Json::parse(raw, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("cursor: invalid");
  }
  return j;
}

Json OffsetPage::Next(size_t total) const {
  if (offset + limit >= total) return nullptr;
  return EncodeCursor({{"o", offset + limit}});
}

absl::StatusOr<OffsetPage> ParseOffsetPage(const httplib::Request& req) {
  OffsetPage page;
  absl::StatusOr<int64_t> limit = V2Limit(req);
  if (!limit.ok()) return limit.status();
  page.limit = static_cast<size_t>(*limit);
  absl::StatusOr<Json> cursor = DecodeCursor(req);
  if (!cursor.ok()) return cursor.status();
  if (!cursor->is_null()) {
    if (!(*cursor)["o"].is_number_unsigned()) {
      return absl::InvalidArgumentError("cursor: invalid");
    }
    page.offset = (*cursor)["o"].get<size_t>();
  }
  return page;
}

Json StartPage::Pagination(size_t total) const {
  bool more = static_cast<size_t>(start + limit) < total;
  Json out = {
      {"start", start}, {"limit", limit}, {"more_items_in_collection", more}};
  if (more) out["next_start"] = start + limit;
  return out;
}

absl::StatusOr<StartPage> ParseStartPage(const httplib::Request& req,
                                         int64_t max_limit) {
  StartPage page;
  absl::StatusOr<std::optional<int64_t>> start = IntParam(req, "start");
  if (!start.ok()) return start.status();
  absl::StatusOr<std::optional<int64_t>> limit = IntParam(req, "limit");
  if (!limit.ok()) return limit.status();
  if (start->has_value()) {
    if (**start < 0) {
      return absl::InvalidArgumentError("start: must not be negative");
    }
    page.start = **start;
  }
  if (limit->has_value()) {
    if (**limit < 1)
      return absl::InvalidArgumentError("limit: must be positive");
    page.limit = std::min(**limit, max_limit);
  }
  page.limit = std::min(page.limit, max_limit);
  return page;
}

}  // namespace bridgework::emulator::pipedrive
