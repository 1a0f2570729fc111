#include "tools/gen_sample/gen_util.h"

#include <iconv.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/common/strings.h"

namespace bridgework::gen_sample {
namespace {

uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return crc ^ 0xFFFFFFFFu;
}

void PutBigEndian32(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

void PngChunk(std::string* out, std::string_view type, std::string_view data) {
  PutBigEndian32(out, static_cast<uint32_t>(data.size()));
  std::string body = absl::StrCat(ToAbsl(type), ToAbsl(data));
  out->append(body);
  PutBigEndian32(out, Crc32(body));
}

}  // namespace

std::string IsoDate(absl::CivilDay d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

absl::CivilDay RandomDay(Rng& rng, absl::CivilDay from, absl::CivilDay to) {
  return from + rng.Between(0, static_cast<int>(to - from));
}

absl::CivilMinute At(absl::CivilDay d, int hour, int minute) {
  return absl::CivilMinute(d.year(), d.month(), d.day(), hour, minute);
}

absl::CivilMinute OfficeTime(Rng& rng, int first_hour, int last_hour,
                             absl::CivilDay d) {
  const int hour = rng.Between(first_hour, last_hour);
  return At(d, hour, rng.Pick(std::vector<int>{0, 15, 30, 45}));
}

absl::CivilMinute RandomMinute(Rng& rng, absl::CivilDay from, int days,
                               int hour) {
  const absl::CivilDay day = from + rng.Between(0, days);
  const int minute = rng.Between(0, 59);
  return At(day, hour, minute);
}

CsvText::CsvText(char delimiter, std::string eol, bool bom)
    : delimiter_(delimiter), eol_(std::move(eol)) {
  if (bom) text_ = "\xEF\xBB\xBF";
}

std::string CsvText::Cell(const std::string& s) const {
  if (s.find_first_of(std::string("\"\r\n") + delimiter_) ==
      std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void CsvText::Header(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) text_ += delimiter_;
    text_ += Cell(names[i]);
  }
  text_ += eol_;
  next_line_ = 2;
}

int64_t CsvText::Row(const std::vector<std::string>& cells) {
  const int64_t line = next_line_;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) text_ += delimiter_;
    text_ += Cell(cells[i]);
    next_line_ += std::count(cells[i].begin(), cells[i].end(), '\n');
  }
  text_ += eol_;
  ++next_line_;
  ++rows_;
  return line;
}

std::string PngImage(
    int width, int height,
    const std::function<std::array<uint8_t, 3>(int x, int y)>& pixel) {
  // Raw scanlines, each after filter byte 0.
  std::string raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back('\0');
    for (int x = 0; x < width; ++x) {
      for (uint8_t c : pixel(x, y)) raw.push_back(static_cast<char>(c));
    }
  }
  // A zlib stream of stored deflate blocks.
  std::string z = "\x78\x01";
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  size_t at = 0;
  do {
    const size_t n = std::min<size_t>(raw.size() - at, 65535);
    const bool last = at + n == raw.size();
    z.push_back(last ? '\x01' : '\x00');
    z.push_back(static_cast<char>(n & 0xff));
    z.push_back(static_cast<char>(n >> 8));
    z.push_back(static_cast<char>(~n & 0xff));
    z.push_back(static_cast<char>((~n >> 8) & 0xff));
    z.append(raw, at, n);
    at += n;
  } while (at < raw.size());
  PutBigEndian32(&z, (b << 16) | a);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  PutBigEndian32(&header, static_cast<uint32_t>(width));
  PutBigEndian32(&header, static_cast<uint32_t>(height));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  PngChunk(&png, "IHDR", header);
  PngChunk(&png, "IDAT", z);
  PngChunk(&png, "IEND", "");
  return png;
}

std::string PdfDocument(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 11 Tf 56 780 Td 14 TL\n";
  for (const std::string& line : lines) {
    std::string escaped;
    for (char c : line) {
      if (c == '(' || c == ')' || c == '\\') escaped += '\\';
      escaped += c;
    }
    absl::StrAppend(&content, "(", escaped, ") Tj T*\n");
  }
  content += "ET\n";
  const std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
      "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
      absl::StrCat("<< /Length ", content.size(), " >>\nstream\n", content,
                   "endstream"),
  };
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    absl::StrAppend(&pdf, i + 1, " 0 obj\n", objects[i], "\nendobj\n");
  }
  const size_t xref = pdf.size();
  absl::StrAppend(&pdf, "xref\n0 ", objects.size() + 1,
                  "\n0000000000 65535 f \n");
  for (size_t off : offsets) {
    absl::StrAppend(&pdf, absl::StrFormat("%010d 00000 n \n", off));
  }
  absl::StrAppend(&pdf, "trailer\n<< /Size ", objects.size() + 1,
                  " /Root 1 0 R >>\nstartxref\n", xref, "\n%%EOF\n");
  return pdf;
}

std::string GroupThousands(int64_t n, char separator) {
  const std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(separator);
    out.push_back(digits[i]);
  }
  return out;
}

absl::Status WriteExportFile(const std::string& path, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(),
                                      ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create the directory of ",
                                            path, ": ", ec.message()));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

void ExportSummary::AddBadRow(const std::string& file, int64_t line,
                              const std::string& field) {
  bad_rows.push_back(absl::StrCat(file, ":", line, " ", field));
}

std::string ExportSummary::ToString(const std::string& out_dir) const {
  std::vector<std::string> parts;
  for (const auto& [file, rows] : files) {
    parts.push_back(absl::StrCat(file, " ", rows));
  }
  return absl::StrCat(
      "wrote ", out_dir, " (", system, "): ", absl::StrJoin(parts, ", "), "; ",
      attachments,
      " attachment files; bad rows: ", absl::StrJoin(bad_rows, ", "));
}

absl::StatusOr<std::string> ToWindows1252(std::string_view utf8) {
  iconv_t cd = iconv_open("WINDOWS-1252", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1))
    return absl::InternalError("iconv cannot write Windows-1252");
  std::string out(utf8.size(), '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* o = out.data();
  size_t o_left = out.size();
  size_t r = iconv(cd, &in, &in_left, &o, &o_left);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no Windows-1252 form for the text at byte ", utf8.size() - in_left));
  }
  out.resize(out.size() - o_left);
  return out;
}

}  // namespace bridgework::gen_sample
