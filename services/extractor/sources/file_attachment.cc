#include "services/extractor/sources/file_attachment.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "libs/common/strings.h"

namespace bridgework::extractor {
namespace {

namespace fs = std::filesystem;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::string ContentTypeFor(std::string_view file_name) {
  size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string ext = absl::AsciiStrToLower(ToAbsl(file_name.substr(dot + 1)));
  static constexpr std::pair<const char*, const char*> kTypes[] = {
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"tif", "image/tiff"},
      {"tiff", "image/tiff"},
      {"bmp", "image/bmp"},
      {"heic", "image/heic"},
      {"dcm", "application/dicom"},
      {"txt", "text/plain"},
      {"csv", "text/csv"},
      {"rtf", "application/rtf"},
      {"xml", "application/xml"},
      {"json", "application/json"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"doc", "application/msword"},
      {"docx",
       "application/vnd.openxmlformats-officedocument.wordprocessingml."
       "document"},
  };
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

std::string FileUri(std::string_view absolute_path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : absolute_path) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

std::optional<std::string> DescribeAttachment(const std::string& directory,
                                              std::string_view relative,
                                              v1::AttachmentRef* out) {
  const fs::path rel = fs::path(std::string(relative)).lexically_normal();
  if (rel.empty() || rel.is_absolute() || rel.has_root_name() ||
      *rel.begin() == "..") {
    return "attachment path must stay inside the export directory";
  }
  std::error_code ec;
  const fs::path full =
      fs::absolute(fs::path(directory) / rel, ec).lexically_normal();
  if (ec) return "attachment file cannot be read";
  fs::file_status st = fs::status(full, ec);
  if (!fs::exists(st)) return "attachment file not found";
  if (!fs::is_regular_file(st)) return "attachment is not a regular file";

  std::ifstream in(full, std::ios::binary);
  if (!in) return "attachment file cannot be read";
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return "attachment file cannot be read";
  }
  static constexpr size_t kBlock = 64 * 1024;
  std::unique_ptr<char[]> buffer(new char[kBlock]);
  int64_t size = 0;
  while (in) {
    in.read(buffer.get(), kBlock);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.get(), static_cast<size_t>(n));
    size += n;
  }
  if (in.bad() || !in.eof()) return "attachment file cannot be read";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string sha;
  sha.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    sha.push_back(kHex[md[i] >> 4]);
    sha.push_back(kHex[md[i] & 0xf]);
  }
  const std::string name = full.filename().string();
  out->set_uri(FileUri(full.string()));
  out->set_file_name(name);
  out->set_content_type(ContentTypeFor(name));
  out->set_size_bytes(size);
  out->set_sha256(std::move(sha));
  return std::nullopt;
}

}  // namespace bridgework::extractor
