#include "libs/record/tooth.h"

namespace bridgework::record {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsToothNumber(std::string_view t, ToothNumbering numbering) {
  if (numbering == ToothNumbering::kFdi) {
    if (t.size() != 2 || !IsDigit(t[0]) || !IsDigit(t[1])) return false;
    const int quadrant = t[0] - '0', tooth = t[1] - '0';
    if (quadrant >= 1 && quadrant <= 4) return tooth >= 1 && tooth <= 8;
    if (quadrant >= 5 && quadrant <= 8) return tooth >= 1 && tooth <= 5;
    return false;
  }
  if (t.size() == 1 && !IsDigit(t[0])) {
    const char c = t[0] >= 'a' && t[0] <= 'z' ? t[0] - 'a' + 'A' : t[0];
    return c >= 'A' && c <= 'T';
  }
  if (t.empty() || t.size() > 2 || t[0] == '0') return false;
  for (char c : t) {
    if (!IsDigit(c)) return false;
  }
  const int n = t.size() == 1 ? t[0] - '0' : (t[0] - '0') * 10 + (t[1] - '0');
  return n >= 1 && n <= 32;
}

}  // namespace bridgework::record
