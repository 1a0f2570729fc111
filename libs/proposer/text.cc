#include "libs/proposer/text.h"

#include <cctype>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/proposer/vocabulary.h"

namespace bridgework::proposer {
namespace {

// Decodes one UTF-8 code point at `i`, advancing `i`; invalid bytes read as
// U+FFFD.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int extra = (c >= 0xF0) ? 3 : (c >= 0xE0) ? 2 : (c >= 0xC0) ? 1 : -1;
  if (extra < 0 || i + extra >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += extra + 1;
  return cp;
}

// ASCII letter for a Latin letter with marks, keeping its case; 0 when the
// code point has none.
char FoldLatin(char32_t cp) {
  switch (cp) {
    case U'ç':
      return 'c';
    case U'Ç':
      return 'C';
    case U'ğ':
      return 'g';
    case U'Ğ':
      return 'G';
    case U'ı':
      return 'i';
    case U'İ':
      return 'I';
    case U'ö':
      return 'o';
    case U'Ö':
      return 'O';
    case U'ş':
      return 's';
    case U'Ş':
      return 'S';
    case U'ü':
      return 'u';
    case U'Ü':
      return 'U';
    case U'â':
    case U'à':
    case U'á':
    case U'ä':
    case U'ã':
    case U'å':
      return 'a';
    case U'Â':
    case U'À':
    case U'Á':
    case U'Ä':
    case U'Ã':
    case U'Å':
      return 'A';
    case U'é':
    case U'è':
    case U'ê':
    case U'ë':
      return 'e';
    case U'É':
    case U'È':
    case U'Ê':
    case U'Ë':
      return 'E';
    case U'î':
    case U'í':
    case U'ì':
    case U'ï':
      return 'i';
    case U'Î':
    case U'Í':
    case U'Ì':
    case U'Ï':
      return 'I';
    case U'ô':
    case U'ó':
    case U'ò':
    case U'õ':
      return 'o';
    case U'Ô':
    case U'Ó':
    case U'Ò':
    case U'Õ':
      return 'O';
    case U'û':
    case U'ú':
    case U'ù':
      return 'u';
    case U'Û':
    case U'Ú':
    case U'Ù':
      return 'U';
    case U'ñ':
      return 'n';
    case U'Ñ':
      return 'N';
    default:
      return 0;
  }
}

// Keeps case (the camel-case split needs it); marks dropped.
std::string FoldKeepCase(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    char32_t cp = NextCodePoint(utf8, i);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (char c = FoldLatin(cp)) {
      out.push_back(c);
    } else {
      out.push_back(' ');
    }
  }
  return out;
}

// A Turkish word without its plural or possessive plural suffix
// ("doktorlar" -> "doktor", "planlari" -> "plan"); the word itself when it
// has none.
std::string TurkishStem(const std::string& w) {
  for (const char* suffix : {"lari", "leri", "lar", "ler"}) {
    std::string_view sv(suffix);
    if (w.size() > sv.size() + 2 &&
        w.compare(w.size() - sv.size(), sv.size(), sv) == 0) {
      return w.substr(0, w.size() - sv.size());
    }
  }
  return w;
}

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string FoldToAscii(std::string_view utf8) {
  std::string out = FoldKeepCase(utf8);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view name) {
  std::string s = FoldKeepCase(name);
  std::vector<std::string> words;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) {
      for (char& c : cur) c = static_cast<char>(std::tolower(c));
      words.push_back(cur);
      cur.clear();
    }
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alnum = IsUpper(c) || IsLower(c) || IsDigit(c);
    if (!alnum) {
      flush();
      continue;
    }
    if (!cur.empty()) {
      char prev = cur.back();
      bool boundary = (IsLower(prev) && IsUpper(c)) ||
                      (IsDigit(prev) != IsDigit(c)) ||
                      // "LName": an upper-case run ends before the last
                      // upper-case letter when a lower-case letter follows it.
                      (IsUpper(prev) && IsUpper(c) && i + 1 < s.size() &&
                       IsLower(s[i + 1]));
      if (boundary) flush();
    }
    cur.push_back(c);
  }
  flush();
  return words;
}

std::vector<std::string> CanonicalWords(std::string_view name) {
  std::vector<std::string> raw = SplitWords(name);
  // Two-word forms first ("e mail", "l name", "posta kodu"), then one-word
  // expansions, each of which may produce several words.
  std::vector<std::string> joined;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i + 1 < raw.size()) {
      if (const char* two = ExpandWord(raw[i] + " " + raw[i + 1])) {
        joined.push_back(two);
        ++i;
        continue;
      }
    }
    // Turkish compounds name their head last: "klinik adi" is the
    // clinic's name, not a first name.
    if (i > 0 && (raw[i] == "adi" || raw[i] == "ismi")) {
      joined.push_back("name");
      continue;
    }
    if (const char* one = ExpandWord(raw[i])) {
      joined.push_back(one);
    } else if (const char* stem = ExpandWord(TurkishStem(raw[i]))) {
      joined.push_back(stem);
    } else {
      joined.push_back(raw[i]);
    }
  }
  std::vector<std::string> out;
  for (const std::string& w : joined) {
    for (absl::string_view part : absl::StrSplit(w, ' ', absl::SkipEmpty())) {
      std::string p(part);
      if (IsStopWord(p)) continue;
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::string CanonicalName(std::string_view name) {
  return absl::StrJoin(CanonicalWords(name), " ");
}

std::string SnakeCase(std::string_view name) {
  std::vector<std::string> words = SplitWords(name);
  std::string out = absl::StrJoin(words, "_");
  if (out.empty()) return "field";
  if (IsDigit(out[0])) out = "f_" + out;
  return out;
}

}  // namespace bridgework::proposer
