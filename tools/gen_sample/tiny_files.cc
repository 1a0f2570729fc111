#include "tools/gen_sample/tiny_files.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bridgework::gen_sample {
namespace {

std::string PdfText(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '(' || c == ')' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xc0) != 0x80) {
      out.push_back('?');  // one '?' per UTF-8 character
    }
  }
  return out;
}

uint32_t Crc32(const std::string& data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (unsigned char b : data) c = kTable[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

uint32_t Adler32(const std::string& data) {
  uint32_t a = 1, b = 0;
  for (unsigned char c : data) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void Be32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void Chunk(std::string* png, const char* type, const std::string& data) {
  Be32(png, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png->append(body);
  Be32(png, Crc32(body));
}

// zlib stream of stored deflate blocks.
std::string Zlib(const std::string& raw) {
  std::string out = "\x78\x01";
  size_t pos = 0;
  do {
    size_t n = std::min<size_t>(raw.size() - pos, 65535);
    bool last = pos + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<char>(n & 0xff));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(~n & 0xff));
    out.push_back(static_cast<char>((~n >> 8) & 0xff));
    out.append(raw, pos, n);
    pos += n;
  } while (pos < raw.size());
  Be32(&out, Adler32(raw));
  return out;
}

}  // namespace

std::string TinyPdf(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 12 Tf 72 720 Td 16 TL";
  for (const std::string& line : lines) {
    absl::StrAppend(&content, " (", PdfText(line), ") Tj T*");
  }
  content += " ET";
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      // The line break before "endstream" is not part of the stream.
      absl::StrCat("<< /Length ", content.size(), " >>\nstream\n", content,
                   "\nendstream"),
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1,
                  "\n0000000000 65535 f \n");
  for (size_t offset : offsets) {
    absl::StrAppend(&pdf, absl::StrFormat("%010d 00000 n \n", offset));
  }
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1,
                  " /Root 1 0 R >>\nstartxref\n", xref, "\n%%EOF\n");
  return pdf;
}

std::string TinyPng(Rng& rng, PngPicture picture, int width, int height) {
  std::string raw;
  raw.reserve(static_cast<size_t>(height) * (width + 1));
  for (int y = 0; y < height; ++y) {
    raw.push_back('\0');  // filter: none
    for (int x = 0; x < width; ++x) {
      int v;
      if (picture == PngPicture::kXray) {
        // Teeth: bright columns in the middle band, gaps between them.
        bool band = y > height / 5 && y < height * 4 / 5;
        bool tooth = (x % 8) > 0 && (x % 8) < 7;
        v = band && tooth ? 170 + rng.Between(0, 60) : 20 + rng.Between(0, 25);
      } else {
        bool stripe = y > height / 6 && y < height / 3;
        bool mark = y > height / 2 && (x / 3) % 3 != 0 && (y % 4) < 2;
        v = stripe ? 40 + rng.Between(0, 10)
            : mark ? 90 + rng.Between(0, 20)
                   : 225 + rng.Between(0, 20);
      }
      raw.push_back(static_cast<char>(v));
    }
  }
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  Be32(&ihdr, static_cast<uint32_t>(width));
  Be32(&ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit gray
  Chunk(&png, "IHDR", ihdr);
  Chunk(&png, "IDAT", Zlib(raw));
  Chunk(&png, "IEND", "");
  return png;
}

}  // namespace bridgework::gen_sample
