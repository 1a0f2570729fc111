// The layout of a CSV export: which file holds which object, its key
// column, its typed columns and the objects they reference, and how the
// files are written (delimiter, decimal separator, date formats).
//
// One engine (services/extractor/sources/csv/csv_source.h) reads any
// layout. Practice by Numbers is a layout declared in code
// (services/extractor/sources/pbn/pbn_layout.cc); any other export is
// described by a YAML file (layout_yaml.h, docs/connectors/layout-csv.md).
//
// Thread safety: plain values; immutable once built, so safe to share.
#ifndef BRIDGEWORK_LIBS_CSV_LAYOUT_CSV_LAYOUT_H_
#define BRIDGEWORK_LIBS_CSV_LAYOUT_CSV_LAYOUT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libs/csv/csv_reader.h"

namespace bridgework::csv_layout {

// How a cell is parsed. Names as in v1::FieldSchema.type.
enum class ColumnType {
  kString,     // text as is (surrounding spaces trimmed)
  kInt,        // whole number, 64-bit
  kBool,       // true/false, yes/no, 1/0 (any case)
  kDate,       // YYYY-MM-DD, checked against the calendar
  kTimestamp,  // YYYY-MM-DD HH:MM[:SS] in the export's zone, or RFC 3339
  kMoney,      // decimal amount in the export's currency: 1234.50
  kDecimal,    // decimal number with no currency: 12.5
};

// "string", "int", "bool", "date", "timestamp", "money", "decimal".
const char* TypeName(ColumnType type);
// The type named `name` (as TypeName spells it), or nullopt.
std::optional<ColumnType> ParseTypeName(std::string_view name);

// One allowed value of an enumerated column: the code in the export and the
// name it is read as ("A" -> "Active"; equal when the export writes names).
struct EnumValue {
  std::string code;
  std::string name;
};

struct ColumnSpec {
  // Header name, matched exactly after trimming spaces and tabs.
  std::string name;
  ColumnType type = ColumnType::kString;
  // The header must have this column (its cells may still be empty, except
  // the key's).
  bool required = false;
  // For a foreign key: the object it references ("" otherwise).
  std::string references = "";
  // For date and timestamp columns: strptime-style formats tried in order
  // ("%d.%m.%Y"). Empty: the layout's Options formats.
  std::vector<std::string> formats = {};
  // For a string column holding a code from a fixed list (a status, a
  // payment method): the allowed codes and the name each one is read as.
  // A cell matching no code (case-insensitively) rejects the row naming
  // the column. Empty: any text.
  std::vector<EnumValue> values = {};

  // The name `text` decodes to, or nullptr when it is not a declared code.
  const std::string* Decode(std::string_view text) const;
};

// How an object's file is written.
enum class FileFormat {
  kCsv,   // delimited text with a header row (csv::Reader)
  kJson,  // a JSON array of objects, or JSON Lines (csv::JsonReader)
};

struct ObjectSpec {
  // Singular snake case: "patient".
  std::string object;
  // File in the export directory: "patients.csv".
  std::string file;
  // The key column. It is always one of `columns`, required.
  std::string key;
  std::vector<ColumnSpec> columns;
  // The timestamp column holding the row's last change time; "" when the
  // export does not say.
  std::string updated_at = "";
  // A string column holding the path of a file attached to the row,
  // relative to the export directory; "" for none.
  std::string attachment = "";
  // CSV unless the layout says `format: json` or the file ends in .json,
  // .jsonl or .ndjson.
  FileFormat format = FileFormat::kCsv;

  const ColumnSpec* Find(std::string_view column) const;
  // Objects this one references, other than itself, in column order.
  std::vector<std::string> DependsOn() const;
};

// How the files are written.
struct Options {
  // Field separator. Default ','.
  char delimiter = ',';
  // The files' encoding: UTF-8, Windows-1252, or detected per file
  // (csv::Encoding). Default UTF-8; layout files default to detection.
  csv::Encoding encoding = csv::Encoding::kUtf8;
  // The character between the whole and fractional parts of money and
  // decimal cells: '.' ("1,234.50") or ',' ("1.234,50"). The other one is
  // then a thousands separator. Default '.'.
  char decimal_separator = '.';
  // strptime-style formats for date columns, tried in order. Empty:
  // YYYY-MM-DD (or YYYY/MM/DD).
  std::vector<std::string> date_formats;
  // Same for timestamp columns, read in the export's time zone unless the
  // format has %z. Empty: YYYY-MM-DD HH:MM[:SS], RFC 3339, or a bare date
  // (midnight).
  std::vector<std::string> timestamp_formats;
};

struct Layout {
  // What the export is, for messages: "the Practice by Numbers export".
  std::string description;
  Options options;
  // Parents first: an object comes after every object it references
  // (self-references aside).
  std::vector<ObjectSpec> objects;

  // The object named `object`, or nullptr.
  const ObjectSpec* Find(std::string_view object) const;
  // Object names in order, for messages.
  std::vector<std::string> ObjectNames() const;
};

// Whether `format` is a usable strptime-style format for `type` (kDate or
// kTimestamp): it must read back what it writes and keep the year, month
// and day; a timestamp format also keeps the hour and minute or has no time
// at all (midnight). On failure returns why.
std::optional<std::string> CheckFormat(std::string_view format,
                                       ColumnType type);

}  // namespace bridgework::csv_layout

#endif  // BRIDGEWORK_LIBS_CSV_LAYOUT_CSV_LAYOUT_H_
