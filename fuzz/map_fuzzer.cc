// Fuzz target: the map parser (libs/mapping/map.h ParseMap). The input is a
// map file. A map that parses is put to work: its load order, and every
// load route transforming one record that holds each source field the
// route reads (values cycling through a name, a date, a timestamp, a phone,
// an amount and some HTML).
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"
#include "libs/record/value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mapping = bridgework::mapping;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mapping::Map> map = mapping::ParseMap(text, "map.yaml");
  if (std::getenv("BRIDGEWORK_FUZZ_VERBOSE") != nullptr) {
    std::cerr << "  " << map.status() << "\n";
  }
  if (!map.ok()) return 0;
  (void)mapping::LoadOrder(*map);
  static constexpr const char* kValues[] = {
      "Ana",          "2024-02-29", "2024-02-29T15:30:00-06:00",
      "512-555-0142", "1250.50",    "<p>Crown &amp; <b>prep</b></p>"};
  mapping::TransformContext context;
  context.system = "pbn";
  context.today = absl::CivilDay(2026, 1, 15);
  int n = 0;
  for (const mapping::ObjectRoute& route : map->objects) {
    if (route.kind != mapping::ObjectRoute::Kind::kLoad) continue;
    bridgework::v1::Record record;
    record.set_object_type(route.source);
    record.set_source_key("1");
    for (const mapping::FieldRule& rule : route.fields) {
      for (const std::string& from : rule.from) {
        (*record.mutable_fields())[from] =
            bridgework::record::StringValue(kValues[n++ % 6]);
      }
    }
    (void)mapping::TransformRecord(route, record, context);
  }
  return 0;
}
