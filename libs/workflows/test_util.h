// Test helpers for libs/workflows: automation records as the extractor
// gives them. Test-only.
#ifndef BRIDGEWORK_LIBS_WORKFLOWS_TEST_UTIL_H_
#define BRIDGEWORK_LIBS_WORKFLOWS_TEST_UTIL_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <variant>

#include "bridgework/v1/record.pb.h"
#include "libs/record/value.h"

namespace bridgework::workflows::testing {

// A field value: text, a whole number or a boolean.
using Cell = std::variant<std::string, const char*, int64_t, int, bool>;

// A record of `object` keyed `key` with `fields` (empty text becomes null,
// as the extractor gives an empty cell), read from `file` at `line`.
inline v1::Record MakeRecord(
    const std::string& object, const std::string& key,
    std::initializer_list<std::pair<const char*, Cell>> fields,
    const std::string& file = "", int line = 0) {
  v1::Record r;
  r.set_object_type(object);
  r.set_source_key(key);
  r.mutable_location()->set_file(file);
  r.mutable_location()->set_line(line);
  for (const auto& [name, cell] : fields) {
    v1::Value v;
    if (const auto* s = std::get_if<std::string>(&cell)) {
      v = s->empty() ? record::NullValue() : record::StringValue(*s);
    } else if (const auto* c = std::get_if<const char*>(&cell)) {
      v = (*c)[0] == '\0' ? record::NullValue() : record::StringValue(*c);
    } else if (const auto* i = std::get_if<int64_t>(&cell)) {
      v = record::IntValue(*i);
    } else if (const auto* n = std::get_if<int>(&cell)) {
      v = record::IntValue(*n);
    } else {
      v = record::BoolValue(std::get<bool>(cell));
    }
    (*r.mutable_fields())[name] = v;
  }
  return r;
}

}  // namespace bridgework::workflows::testing

#endif  // BRIDGEWORK_LIBS_WORKFLOWS_TEST_UTIL_H_
