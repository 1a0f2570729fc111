// Backend: medias (file library) and products.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "emulators/common/json_store.h"
#include "emulators/highlevel/highlevel_backend.h"
#include "emulators/highlevel/highlevel_util.h"
#include "emulators/highlevel/highlevel_values.h"

namespace bridgework::emulator::highlevel {
namespace {

constexpr size_t kMaxUploadBytes = 25u * 1024 * 1024;

// A file name made safe for a URL path segment.
std::string UrlSafe(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
              c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "file" : out;
}

Json ProductOut(const Json& p) { return WithoutNulls(p); }

}  // namespace

// ----------------------------------------------------------------- medias

Reply Backend::MediaUpload(const Call& c) {
  const httplib::Request& req = *c.req;
  std::vector<std::string> errors;
  for (const auto& [name, part] : req.files) {
    if (name != "file" && name != "hosted" && name != "fileUrl" &&
        name != "name" && name != "parentId") {
      errors.push_back(absl::StrCat("property ", name, " should not exist"));
    }
  }
  if (!errors.empty()) return Invalid(c, errors);
  auto text = [&req](const char* name) {
    return req.has_file(name) ? req.get_file_value(name).content
                              : std::string();
  };
  bool hosted = text("hosted") == "true";
  std::string file_url = text("fileUrl");
  std::string name = text("name");
  std::string parent = text("parentId");
  Json media = {
      {"altId", location_id_}, {"altType", "location"}, {"type", "file"}};
  if (hosted) {
    if (file_url.empty()) {
      return BadRequest("fileUrl is required when hosted is true");
    }
    media["url"] = file_url;
    media["hosted"] = true;
    if (name.empty()) name = "file";
  } else {
    if (!req.has_file("file") || req.get_file_value("file").filename.empty()) {
      return BadRequest("file is required when hosted is not true");
    }
    const httplib::MultipartFormData& file = req.get_file_value("file");
    if (file.content.size() > kMaxUploadBytes) {
      return {413,
              {{"statusCode", 413},
               {"message", "File too large: the maximum size is 25 MB"},
               {"error", "Payload Too Large"}}};
    }
    if (name.empty()) name = file.filename;
    media["size"] = file.content.size();
    media["contentType"] = file.content_type.empty()
                               ? "application/octet-stream"
                               : file.content_type;
  }
  absl::MutexLock lock(&mu_);
  std::string id = NextId("media");
  std::string now = Now();
  if (!hosted) {
    media["url"] =
        absl::StrCat("https://storage.googleapis.com/bridgework-sandbox/",
                     location_id_, "/media/", id, "/", UrlSafe(name));
  }
  media["_id"] = id;
  media["id"] = id;
  media["name"] = name;
  if (!parent.empty()) media["parentId"] = parent;
  media["createdAt"] = now;
  media["updatedAt"] = now;
  store_.medias[id] = media;
  return {200,
          {{"fileId", id},
           {"url", media["url"]},
           {"traceId", UuidId(++store_.counters["trace"])}}};
}

Reply Backend::MediaList(const Call& c) {
  if (auto r = RequireQuery(
          c, {"sortBy", "sortOrder", "type", "altType", "altId"})) {
    return *r;
  }
  std::vector<std::string> errors;
  int64_t offset = QueryInt(c, "offset", 0, errors);
  int64_t limit = QueryInt(c, "limit", 10, errors);
  std::string sort_by = *c.Query("sortBy");
  std::string order = *c.Query("sortOrder");
  if (sort_by != "createdAt" && sort_by != "updatedAt" && sort_by != "name") {
    errors.push_back(
        "sortBy must be one of the following values: createdAt, "
        "updatedAt, name");
  }
  if (order != "asc" && order != "desc") {
    errors.push_back(
        "sortOrder must be one of the following values: asc, desc");
  }
  if (*c.Query("altType") != "location") {
    errors.push_back("altType must be one of the following values: location");
  }
  if (!errors.empty()) return Invalid(c, errors);
  std::string type = *c.Query("type");
  std::string query = c.Query("query").value_or("");
  std::string parent = c.Query("parentId").value_or("");
  bool all = c.Query("fetchAll").value_or("") == "true";
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> matches;
  for (const Json* m : SortedBy(store_.medias, sort_by.c_str())) {
    if (type != "file") continue;  // the emulator has no folders
    if (!query.empty() && !ContainsFold(StrOf(*m, "name"), query)) continue;
    if (!parent.empty() && StrOf(*m, "parentId") != parent) continue;
    matches.push_back(m);
  }
  if (order == "desc") std::reverse(matches.begin(), matches.end());
  Json files = all ? Slice(matches, 0, static_cast<int64_t>(matches.size()))
                   : Slice(matches, offset, limit);
  return {200, {{"files", files}, {"total", matches.size()}}};
}

Reply Backend::MediaDelete(const Call& c) {
  if (auto r = RequireQuery(c, {"altType", "altId"})) return *r;
  absl::MutexLock lock(&mu_);
  if (!store_.medias.erase(c.Param("id"))) return NotFound("File not found");
  return {200, {{"success", true}}};
}

// --------------------------------------------------------------- products

Reply Backend::ProductCreate(const Call& c) {
  if (auto r = CheckBody(c, CreateProductDto())) return *r;
  absl::MutexLock lock(&mu_);
  std::string now = Now();
  std::string id = NextId("product");
  Json product = WithoutNulls(c.body);
  product["_id"] = id;
  product["locationId"] = location_id_;
  product["createdAt"] = now;
  product["updatedAt"] = now;
  store_.products[id] = product;
  return {201, ProductOut(product)};
}

Reply Backend::ProductList(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  std::vector<std::string> errors;
  int64_t limit = QueryInt(c, "limit", 100, errors);
  int64_t offset = QueryInt(c, "offset", 0, errors);
  if (!errors.empty()) return Invalid(c, errors);
  std::string search = c.Query("search").value_or("");
  absl::MutexLock lock(&mu_);
  std::vector<const Json*> matches;
  for (const Json* p : SortedBy(store_.products, "createdAt")) {
    if (!search.empty() && !ContainsFold(StrOf(*p, "name"), search)) continue;
    matches.push_back(p);
  }
  Json products = Slice(matches, offset, limit, ProductOut);
  return {200,
          {{"products", products},
           {"total", Json::array({{{"total", matches.size()}}})}}};
}

Reply Backend::ProductGet(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.products.find(c.Param("productId"));
  if (it == store_.products.end()) return NotFound("Product not found");
  return {200, ProductOut(it->second)};
}

Reply Backend::ProductUpdate(const Call& c) {
  if (auto r = CheckBody(c, UpdateProductDto())) return *r;
  absl::MutexLock lock(&mu_);
  auto it = store_.products.find(c.Param("productId"));
  if (it == store_.products.end()) return NotFound("Product not found");
  Json product = WithoutNulls(c.body);
  product["_id"] = it->first;
  product["locationId"] = location_id_;
  product["createdAt"] = it->second["createdAt"];
  product["updatedAt"] = Now();
  it->second = product;
  return {200, ProductOut(product)};
}

Reply Backend::ProductDelete(const Call& c) {
  if (auto r = RequireQuery(c, {"locationId"})) return *r;
  absl::MutexLock lock(&mu_);
  if (!store_.products.erase(c.Param("productId"))) {
    return NotFound("Product not found");
  }
  return {200, {{"status", true}}};
}

}  // namespace bridgework::emulator::highlevel
