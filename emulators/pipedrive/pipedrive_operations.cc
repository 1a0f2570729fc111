#include "emulators/pipedrive/pipedrive_operations.h"

#include "absl/strings/str_cat.h"
#include "emulators/common/http_util.h"
#include "libs/common/strings.h"

namespace bridgework::emulator::pipedrive {

std::string LoggedPath(std::string_view method, std::string_view path) {
  if (const Operation* op = FindOperation(method, path)) {
    return op->PathTemplate();
  }
  for (Api api : {Api::kV2, Api::kV1}) {
    for (std::string_view prefix : Prefixes(api)) {
      if (path.size() > prefix.size() &&
          path.substr(0, prefix.size()) == prefix &&
          path[prefix.size()] == '/') {
        return absl::StrCat(ToAbsl(prefix),
                            emulator::PathTemplate(path.substr(prefix.size())));
      }
    }
  }
  return "";
}

}  // namespace bridgework::emulator::pipedrive
