// Debian's abseil 20220623 is built with ABSL_OPTION_USE_STD_STRING_VIEW=0:
// absl::string_view is its own type and does not convert from
// std::string_view. Bridgework's APIs take std::string_view; these adapt at
// absl call sites.
#ifndef BRIDGEWORK_LIBS_COMMON_STRINGS_H_
#define BRIDGEWORK_LIBS_COMMON_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace bridgework {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_STRINGS_H_
