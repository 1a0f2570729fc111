// The Open Dental tables the opendental_db connector reads, and what it
// knows about their columns beyond their SQL types: primary key, change
// time, foreign keys, enums, amounts, flags. Derived from the Open Dental
// 24.3 schema documentation (docs/connectors/opendental.md).
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_OPENDENTAL_OPENDENTAL_TABLES_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_OPENDENTAL_OPENDENTAL_TABLES_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace bridgework::extractor::opendental {

// An Open Dental enum: stored code -> C# member name.
struct EnumDef {
  const char* name;  // "ApptStatus"
  std::vector<std::pair<int64_t, const char*>> values;

  // The name of `code`, or nullptr for a code the enum does not define.
  const char* Find(int64_t code) const;
};

struct EnumColumn {
  const char* column;
  const EnumDef* def;
};

// A foreign key to another table this connector reads.
struct Reference {
  const char* column;
  const char* table;
};

struct TableSpec {
  const char* table;  // also the object name
  const char* key;    // bigint primary key
  // Column holding the row's last change time; "" when the table has none.
  const char* updated_at;
  // true: updated_at is a DATETIME in the practice's zone; false: a
  // TIMESTAMP (stored in UTC).
  bool updated_at_local;
  std::vector<Reference> references;
  // Foreign keys to tables this connector does not read (definition,
  // userod, ...): 0 reads as null like in `references`.
  std::vector<const char*> other_foreign_keys;
  std::vector<EnumColumn> enums;
  // DOUBLE columns holding amounts of money (other DOUBLEs are decimals).
  std::vector<const char*> money;
  // Amounts where Open Dental stores -1 for "blank": -1 reads as null.
  std::vector<const char*> minus_one_null;
  // TINYINT columns that are true/false flags.
  std::vector<const char*> bools;
  // Columns never read: signatures, security hashes, inline image data.
  std::vector<const char*> omitted;

  const Reference* FindReference(std::string_view column) const;
  const EnumDef* FindEnum(std::string_view column) const;
  bool IsOtherForeignKey(std::string_view column) const;
  bool IsMoney(std::string_view column) const;
  bool IsMinusOneNull(std::string_view column) const;
  bool IsBool(std::string_view column) const;
  bool IsOmitted(std::string_view column) const;
  // Tables referenced by this one (self-references excluded), in
  // first-reference order.
  std::vector<const char*> DependsOn() const;
};

// Every table, parents first: a table comes after each table it
// references (self-references aside).
const std::vector<TableSpec>& Tables();

// nullptr for a table this connector does not read.
const TableSpec* FindTable(std::string_view table);

}  // namespace bridgework::extractor::opendental

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_OPENDENTAL_OPENDENTAL_TABLES_H_
