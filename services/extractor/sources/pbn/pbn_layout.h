// The layout of a Practice by Numbers CSV export, as Bridgework defines it
// (PbN publishes no export format): one file per object, its key column,
// typed columns and foreign keys. docs/connectors/pbn-export.md documents
// the same table for people; pbn_layout_test checks the two agree.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_LAYOUT_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_LAYOUT_H_

#include <string>
#include <string_view>
#include <vector>

namespace bridgework::extractor::pbn {

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

struct ColumnSpec {
  const char* name;
  ColumnType type;
  // The header must have this column (its cells may still be empty, except
  // the key's).
  bool required = false;
  // For a foreign key: the object it references ("" otherwise).
  const char* references = "";
};

struct ObjectSpec {
  // Singular snake case: "patient".
  const char* object;
  // File in the export directory: "patients.csv".
  const char* file;
  // The key column; always the first column spec.
  const char* key;
  std::vector<ColumnSpec> columns;
  // A string column holding the path of a file attached to the row,
  // relative to the export directory; "" for none. The file becomes an
  // AttachmentRef of the record (pbn_csv_source.h).
  const char* attachment = "";

  const ColumnSpec* Find(std::string_view column) const;
  // Objects this one references, other than itself, in column order.
  std::vector<std::string> DependsOn() const;
};

// Name of the column holding a record's last change time, in every file.
inline constexpr const char kUpdatedAt[] = "updated_at";

// Every object of the export, parents first.
const std::vector<ObjectSpec>& ExportLayout();

// The object named `object`, or nullptr.
const ObjectSpec* FindObject(std::string_view object);

}  // namespace bridgework::extractor::pbn

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_PBN_PBN_LAYOUT_H_
