// Reads a CSV export layout from YAML (docs/connectors/layout-csv.md).
//
// Parsing is strict: an unknown key, a value of the wrong type, an unknown
// column type, a reference to an object the layout does not declare, a key
// or updated_at column that is not declared, a format that cannot read back
// a date, or a cycle of references is one INVALID_ARGUMENT error
// "<file>:<line>: <key path>: <what is wrong>".
//
// Thread safety: the functions are pure (LoadLayoutFile reads the file).
#ifndef BRIDGEWORK_LIBS_CSV_LAYOUT_LAYOUT_YAML_H_
#define BRIDGEWORK_LIBS_CSV_LAYOUT_LAYOUT_YAML_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libs/csv_layout/csv_layout.h"

namespace bridgework::csv_layout {

// Parses `text`; `file` names it in errors and in Layout::description
// ("the layout <file>"). The objects come out parents first: in the order
// of the file where that already holds, else each object moved after the
// objects it references.
absl::StatusOr<Layout> ParseLayoutYaml(std::string_view text,
                                       std::string_view file);

// Reads the file at `path` and parses it. NOT_FOUND naming the path when it
// cannot be read.
absl::StatusOr<Layout> LoadLayoutFile(const std::string& path);

}  // namespace bridgework::csv_layout

#endif  // BRIDGEWORK_LIBS_CSV_LAYOUT_LAYOUT_YAML_H_
