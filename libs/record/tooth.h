// Tooth numbers in the two numbering systems dental sources use. One
// definition for the extractor (Dr.DENTES' FDI teeth), the map's `tooth`
// transform and discovery's type inference.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_RECORD_TOOTH_H_
#define BRIDGEWORK_LIBS_RECORD_TOOTH_H_

#include <string_view>

namespace bridgework::record {

enum class ToothNumbering {
  // ISO 3950 / FDI two-digit notation: quadrant then tooth. Permanent
  // 11-48 (quadrants 1-4, teeth 1-8), primary 51-85 (quadrants 5-8, teeth
  // 1-5).
  kFdi,
  // ADA Universal: permanent 1-32 (no leading zero), primary A-T (either
  // case).
  kUniversal,
};

// Whether `text` (exactly, no surrounding spaces) is a tooth in `numbering`.
bool IsToothNumber(std::string_view text, ToothNumbering numbering);

}  // namespace bridgework::record

#endif  // BRIDGEWORK_LIBS_RECORD_TOOTH_H_
