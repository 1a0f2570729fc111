// The discovery profiler: fed each source object's schema and records
// batch by batch (as the extractor streams them), it builds the inventory
// (records per object; per field fill rate, distinct count, inferred type
// and masked examples) and the data-quality flags (duplicate people by
// email, phone or name plus date of birth; missing required fields;
// invalid emails, phones and dates; references to records that do not
// exist). docs/discovery.md describes every rule.
//
// Patient data: the profile holds record keys (identifiers), counts and
// masked examples, never a field value. Values are hashed as they stream
// by; the only text kept is already masked.
//
// Memory: bounded per field (an exact distinct set up to
// `distinct_exact_cap`, then a 4 KiB estimator; a few masked examples and
// listed keys) and per record of the objects that need it (the 64-bit hash
// of each key of a referenced object; the key of each record of an object
// checked for duplicates, up to `max_tracked_records`).
//
// Thread safety: not thread-safe; one profiler per discovery.
#ifndef BRIDGEWORK_LIBS_DISCOVERY_PROFILER_H_
#define BRIDGEWORK_LIBS_DISCOVERY_PROFILER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bridgework/v1/extractor.pb.h"
#include "bridgework/v1/record.pb.h"

namespace bridgework::discovery {

namespace v1 = ::bridgework::v1;

struct ProfilerOptions {
  // Distinct values counted exactly up to this many per field, then
  // estimated. Default 10,000.
  int64_t distinct_exact_cap = 10000;
  // Masked examples per field. Default 3.
  int max_examples = 3;
  // Record keys listed per flag (the rest are counted). Default 20.
  int max_listed_keys = 20;
  // Duplicate groups listed per object and rule. Default 50.
  int max_listed_groups = 50;
  // Records per object checked for duplicates; later ones are counted as
  // unchecked. Default 5,000,000.
  int64_t max_tracked_records = 5000000;
  // References to objects not read yet (self references, cycles) kept for
  // checking at Finish. Default 1,000,000.
  int64_t max_pending_references = 1000000;
  // ISO region for phone numbers without a country code.
  std::string phone_region = "US";
  // Today, for birth dates in the future. Injected so tests do not depend
  // on the clock; unset (year 0) skips that check.
  v1::Date today;
  // Source fields the map requires, per object (a record without them is
  // quarantined by the transformer): flagged like schema-required fields.
  std::map<std::string, std::set<std::string>> map_required;
};

struct FieldProfile {
  std::string name;
  std::string declared_type;  // the extractor's FieldSchema.type
  bool required = false;
  std::string references;      // referenced object, if a foreign key
  bool found_in_data = false;  // FieldSchema.inferred: not in the layout
  int64_t filled = 0;          // records with a non-empty value
  int64_t distinct = 0;
  bool distinct_exact = true;
  // "email", "phone", "date", "timestamp", "money", "decimal", "int",
  // "bool", "enum", "tooth_number", "procedure_code", "list", "free_text",
  // or "empty" when no record has a value.
  std::string inferred_type;
  // Share of the non-empty values that fit the inferred type (1 for enum,
  // free text and empty).
  double type_match = 1;
  std::vector<std::string> examples;  // masked
};

struct RejectionGroup {
  std::string field;
  std::string reason;
  int64_t count = 0;
  std::vector<std::string> where;  // "patients.csv:57", first few
};

struct ObjectProfile {
  std::string object;
  std::string key_field;
  int64_t records = 0;   // records the extractor read
  int64_t rejected = 0;  // rows it could not read (quarantined at extract)
  int64_t attachments = 0;
  int64_t attachment_bytes = 0;
  std::vector<FieldProfile> fields;  // in schema order
  std::vector<RejectionGroup> rejections;
  const FieldProfile* Field(const std::string& name) const;
};

// Record keys behind a flag: the first few listed, all counted.
struct KeyList {
  int64_t count = 0;
  std::vector<std::string> keys;
  int64_t omitted() const { return count - static_cast<int64_t>(keys.size()); }
};

struct DuplicateFlag {
  std::string object;
  std::string rule;  // "email", "phone", "name_dob"
  std::vector<std::string> fields;
  int64_t groups = 0;   // values shared by two or more records
  int64_t records = 0;  // records in those groups
  std::vector<std::vector<std::string>> listed;  // keys per listed group
  int64_t checked = 0;                           // records compared
  int64_t unchecked = 0;  // records past max_tracked_records
};

struct FieldFlag {
  std::string object;
  std::string field;
  // "missing_required", "invalid_email", "invalid_phone", "invalid_date",
  // "dangling_reference", "reference_to_rejected".
  std::string kind;
  // missing_required: "schema" or "map"; references: the referenced object;
  // invalid_date: what was wrong ("not a date", "rejected by the
  // extractor", "birth date in the future or before 1900").
  std::string detail;
  KeyList records;
};

struct Profile {
  std::vector<ObjectProfile> objects;
  std::vector<DuplicateFlag> duplicates;
  std::vector<FieldFlag> flags;
  // References not checked (past max_pending_references, or to an object
  // the source does not list).
  int64_t unchecked_references = 0;
  const ObjectProfile* Object(const std::string& name) const;
};

class Profiler {
 public:
  // `schemas`: every object the source lists (DescribeAll), so references
  // to objects read later can be told apart from references to nothing.
  Profiler(std::vector<v1::ObjectSchema> schemas, ProfilerOptions options);
  ~Profiler();
  Profiler(const Profiler&) = delete;
  Profiler& operator=(const Profiler&) = delete;

  // Starts `object` (one of the schemas'). Objects are best read parents
  // first (ListObjects' order): references to an object already read are
  // checked at once, others are kept until Finish.
  void BeginObject(const std::string& object);
  // Records and rejections of the current object.
  void AddBatch(const v1::RecordBatch& batch);
  // Closes the current object: infers types, keeps its flags, releases its
  // per-field memory.
  void EndObject();
  // The profile of every object read. Call once, after the last EndObject.
  Profile Finish();

 private:
  struct ObjectState;
  std::vector<v1::ObjectSchema> schemas_;
  ProfilerOptions options_;
  Profile profile_;
  std::unique_ptr<ObjectState> current_;
  struct Shared;
  std::unique_ptr<Shared> shared_;
};

}  // namespace bridgework::discovery

#endif  // BRIDGEWORK_LIBS_DISCOVERY_PROFILER_H_
