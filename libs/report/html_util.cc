#include "libs/report/html_util.h"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace bridgework::report {
namespace {

using nlohmann::json;

constexpr char kCss[] = R"css(
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--ok:#1a7f37;--bad:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 color:var(--ink);margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:16px 20px;margin-bottom:16px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:24px 0 8px}
.meta{color:var(--muted);margin:2px 0}
.meta code{font-size:12px}
.verdict{display:inline-block;margin-top:10px;padding:6px 12px;
 border-radius:6px;font-weight:600;color:#fff}
.verdict.ok{background:var(--ok)}.verdict.bad{background:var(--bad)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:10px 14px;min-width:120px}
.card b{display:block;font-size:20px}.card span{color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;
 padding:12px 16px;margin-bottom:16px;overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:right;
 vertical-align:top}
th{background:#f6f8fa;font-weight:600}
th.t,td.t{text-align:left}
td.ok{color:var(--ok);font-weight:600}td.bad{color:var(--bad);font-weight:600}
.legend span{display:inline-block;margin-right:14px;color:var(--muted)}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;
 vertical-align:-1px;border-radius:2px}
summary{cursor:pointer;color:var(--muted)}
pre{white-space:pre-wrap;word-break:break-word;font-size:12px;margin:0}
.note{color:var(--muted)}
)css";

}  // namespace

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 1   ? c
                  : len == 2 ? (c & 0x1F)
                  : len == 3 ? (c & 0x0F)
                             : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && ((len == 2 && cp < 0x80) ||
               (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))) {
      ok = false;
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

json SanitizeUtf8(const json& j) {
  if (j.is_string()) return ValidUtf8(j.get<std::string>());
  if (j.is_array()) {
    json out = json::array();
    for (const json& e : j) out.push_back(SanitizeUtf8(e));
    return out;
  }
  if (j.is_object()) {
    json out = json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      out[ValidUtf8(it.key())] = SanitizeUtf8(it.value());
    }
    return out;
  }
  return j;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

const char* ReportCss() { return kCss; }

const json& JsonField(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// Text of a scalar: strings as is, numbers and booleans as JSON.
std::string JsonStr(const json& j, const char* key) {
  const json& v = JsonField(j, key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

int64_t JsonNum(const json& j, const char* key) {
  const json& v = JsonField(j, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) return static_cast<int64_t>(v.get<uint64_t>());
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  return 0;
}

bool JsonBool(const json& j, const char* key) {
  const json& v = JsonField(j, key);
  return v.is_boolean() && v.get<bool>();
}

const json& JsonArray(const json& j, const char* key) {
  static const json kEmpty = json::array();
  const json& v = JsonField(j, key);
  return v.is_array() ? v : kEmpty;
}

absl::Status WriteFileAtomically(const std::string& file,
                                 const std::string& content) {
  const std::filesystem::path path(file);
  std::filesystem::path tmp = path;
  tmp += absl::StrCat(".tmp.", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return absl::UnavailableError(
          absl::StrCat("cannot write ", tmp.string()));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteJsonAndHtml(const std::string& dir, const std::string& stem,
                              const json& j, const std::string& html) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create report directory ", dir, ": ", ec.message()));
  }
  std::string text;
  try {
    text = j.dump(2, ' ', false, json::error_handler_t::replace);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("report does not serialise: ", e.what()));
  }
  text.push_back('\n');
  const std::filesystem::path base(dir);
  absl::Status s =
      WriteFileAtomically((base / (stem + ".json")).string(), text);
  if (!s.ok()) return s;
  return WriteFileAtomically((base / (stem + ".html")).string(), html);
}

}  // namespace bridgework::report
