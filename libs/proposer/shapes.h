// Value-shape detectors: what sampled values look like (email, phone that
// libphonenumber can put in E.164, date, money, tooth number, CDT or
// ICD-10 code, ...), whatever the field is called. The proposer uses the
// shares as evidence for or against a target field.
//
// The kinds `bridgework discover` also reports (email, phone, date,
// timestamp, int, decimal, money, yes/no, CDT code, tooth number) come from
// discovery::Classify, applied to each token of a list value ("D0120
// D1110", "11,12,21"); this file adds only what discovery does not detect:
// times of day, ICD-10 and CPT codes, web addresses, HTML, long text and
// person names.
//
// Detectors read values and return shares; they never copy, log or return
// a value. Thread safety: all functions are thread-safe.
#ifndef BRIDGEWORK_LIBS_PROPOSER_SHAPES_H_
#define BRIDGEWORK_LIBS_PROPOSER_SHAPES_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "bridgework/v1/record.pb.h"
#include "libs/discovery/value_kinds.h"

namespace bridgework::proposer {

enum class Shape {
  kEmail,
  kPhone,        // valid for the region or with a country code (E.164-able)
  kDate,         // 2026-03-14, 14.03.2026, 03/14/2026, a declared date
  kDateTime,     // a date with a time of day
  kTime,         // 09:30, 09:30:00, 9:30 AM
  kMoney,        // a declared amount, or $12.00 / ₺1.234,50
  kDecimal,      // 0.25, 12.5
  kInteger,      // 42, -3
  kBool,         // true/false, yes/no, y/n, a declared flag
  kToothNumber,  // FDI 11-48, 51-85; Universal 1-32, A-T; lists of them
  kCdtCode,      // D0120 (ADA CDT procedure codes); lists of them
  kIcd10Code,    // K02.52; lists of them
  kCptCode,      // 99213 (five digits, optional -modifier); lists of them
  kUrl,          // http(s)://..., www....
  kHtml,         // text with markup tags
  kLongText,     // sentences: 60+ characters or several lines
  kPersonName,   // one to three capitalised words of letters
  kCount,
};
constexpr int kShapeCount = static_cast<int>(Shape::kCount);

// "email", "phone", ... for reasons and docs.
const char* ShapeName(Shape shape);

using ShapeSet = std::array<bool, kShapeCount>;

// What a field's sampled values look like.
struct ShapeProfile {
  // Share (0..1) of the sampled distinct non-empty values with each shape.
  // A declared type (date, timestamp, money, decimal, int, bool) counts as
  // the matching shape for every value.
  std::array<double, kShapeCount> share{};
  // Distinct non-empty values examined.
  int examined = 0;
  // Few distinct values, each repeated: a pick list (status, type).
  bool enum_like = false;
  // Every sampled record has its own value (keys, names, notes).
  bool unique = false;
  // Share of sampled records with a value.
  double fill = 0;

  double Share(Shape s) const { return share[static_cast<int>(s)]; }
  // The shape with the largest share (ties: the first), and that share;
  // share 0 when no value has a recognised shape.
  Shape Dominant(double* share_out) const;
};

// Shapes of one text value (trimmed). `hints` are what the field's name
// suggests (discovery::HintsFor); the tooth hint is always assumed, so a
// small number fits kToothNumber whatever the name. `phone_region` is the
// ISO 3166 region for numbers without a country code ("US", "TR").
ShapeSet ShapesOfText(std::string_view text, const discovery::NameHints& hints,
                      std::string_view phone_region);

// Shapes of a typed value: a string as ShapesOfText, a typed value by its
// type, a list when every element fits. Null fits nothing.
ShapeSet ShapesOf(const v1::Value& value, const discovery::NameHints& hints,
                  std::string_view phone_region);

// A field's profile from its declared type, its distinct non-empty sampled
// values, and counts: `records` sampled, `non_empty` of them with a value,
// `distinct` distinct values among those (may exceed values.size()).
ShapeProfile ProfileShapes(std::string_view declared_type,
                           const std::vector<v1::Value>& values,
                           long long records, long long non_empty,
                           long long distinct,
                           const discovery::NameHints& hints,
                           std::string_view phone_region);

}  // namespace bridgework::proposer

#endif  // BRIDGEWORK_LIBS_PROPOSER_SHAPES_H_
