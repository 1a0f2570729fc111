#include "libs/crm/wire_util.h"

#include <cctype>
#include <cstdint>
#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/record/value.h"

namespace bridgework::crm {

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string QueryString(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    absl::StrAppend(&out, out.empty() ? "?" : "&", UrlEncode(name), "=",
                    UrlEncode(value));
  }
  return out;
}

absl::StatusOr<std::string> FileUriPath(const std::string& uri) {
  if (!absl::StartsWith(uri, "file://")) {
    return absl::InvalidArgumentError(
        "attachment: only file:// URIs can be uploaded");
  }
  std::string rest = uri.substr(7);
  if (absl::StartsWith(rest, "localhost/")) rest = rest.substr(9);
  if (!absl::StartsWith(rest, "/")) {
    return absl::InvalidArgumentError(
        "attachment: a file:// URI needs an absolute path");
  }
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hex(rest[i + 1]) >= 0 &&
        hex(rest[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hex(rest[i + 1]) * 16 + hex(rest[i + 2])));
      i += 2;
    } else {
      out.push_back(rest[i]);
    }
  }
  return out;
}

std::string DumpJson(const nlohmann::json& j) {
  std::string out;
  out.reserve(256);
  AppendJson(j, &out);
  return out;
}

void AppendJson(const nlohmann::json& j, std::string* out) {
  using Type = nlohmann::json::value_t;
  switch (j.type()) {
    case Type::object: {
      out->push_back('{');
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out->push_back(',');
        first = false;
        record::AppendJsonString(it.key(), out);
        out->push_back(':');
        AppendJson(it.value(), out);
      }
      out->push_back('}');
      return;
    }
    case Type::array: {
      out->push_back('[');
      bool first = true;
      for (const nlohmann::json& item : j) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(item, out);
      }
      out->push_back(']');
      return;
    }
    case Type::string:
      record::AppendJsonString(j.get_ref<const std::string&>(), out);
      return;
    case Type::boolean:
      out->append(j.get<bool>() ? "true" : "false");
      return;
    case Type::null:
      out->append("null");
      return;
    case Type::number_integer:
      absl::StrAppend(out, j.get<int64_t>());
      return;
    case Type::number_unsigned:
      absl::StrAppend(out, j.get<uint64_t>());
      return;
    default:  // floats, binary, discarded: as nlohmann writes them
      out->append(j.dump());
      return;
  }
}

nlohmann::json IdJson(const std::string& id) {
  int64_t n = 0;
  if (absl::SimpleAtoi(id, &n)) return n;
  return id;
}

std::string IdText(const nlohmann::json& id) {
  if (id.is_number_integer()) return absl::StrCat(id.get<int64_t>());
  if (id.is_string()) return id.get<std::string>();
  return id.dump();
}

std::string IdOf(const nlohmann::json& item) {
  if (!item.is_object()) return "";
  auto it = item.find("id");
  if (it == item.end() || !(it->is_string() || it->is_number_integer())) {
    return "";
  }
  return IdText(*it);
}

const nlohmann::json& Member(const nlohmann::json& j, const char* name) {
  static const auto* kEmpty = new nlohmann::json(nlohmann::json::object());
  if (!j.is_object()) return *kEmpty;
  auto it = j.find(name);
  return it != j.end() && it->is_object() ? *it : *kEmpty;
}

nlohmann::json ValueOf(const nlohmann::json& j, const std::string& name) {
  return j.is_object() && j.contains(name) ? j[name] : nlohmann::json();
}

std::vector<std::string> IdTexts(const nlohmann::json& link) {
  std::vector<std::string> out;
  auto add = [&out](const nlohmann::json& item) {
    const nlohmann::json& id =
        item.is_object() && item.contains("id") ? item["id"] : item;
    if (id.is_string() || id.is_number_integer()) out.push_back(IdText(id));
  };
  if (link.is_array()) {
    for (const auto& item : link) add(item);
  } else {
    add(link);
  }
  return out;
}

absl::StatusOr<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::string bytes;
  if (file.is_open()) {
    bytes.assign(std::istreambuf_iterator<char>(file),
                 std::istreambuf_iterator<char>());
  }
  if (!file.is_open() || file.bad()) {
    return absl::FailedPreconditionError("attachment: the file cannot be read");
  }
  return bytes;
}

std::string OwnerText(const nlohmann::json& owner) {
  std::vector<std::string> ids = IdTexts(owner);
  return ids.empty() ? "" : ids.front();
}

}  // namespace bridgework::crm
