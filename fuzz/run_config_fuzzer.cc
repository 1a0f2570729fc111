// Fuzz target: the run configuration parser (tools/bridgework/run_config.h
// LoadRunConfig). The input is a config.yaml in a scratch directory that
// also holds what a config may point at: `map.yaml` (a small Freshsales
// map), `pipedrive.yaml` and `highlevel.yaml` (the same for those CRMs),
// `layout.yaml` (a small export layout) and the export directory `data`.
// Each input is loaded twice: as `bridgework run` reads it and as
// `bridgework discover` does (no destination or map needed).
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "fuzz/fuzz_file.h"
#include "tools/bridgework/run_config.h"

namespace {

constexpr char kMap[] = R"(version: 1
source: pbn
destination: %s
objects:
  - source: patient
    target: contact
    fields:
      - {to: last_name, from: last_name, required: true}
)";

constexpr char kLayout[] = R"(version: 1
options:
  delimiter: ";"
objects:
  - object: patient
    file: patients.csv
    key: patient_id
    columns:
      - name: patient_id
      - {name: born, type: date, format: "%Y-%m-%d"}
)";

void WriteText(const std::string& name, const std::string& text) {
  std::ofstream out(bridgework::fuzz::ScratchDir() / name, std::ios::binary);
  out << text;
  if (!out) std::abort();
}

std::string MapFor(const std::string& crm) {
  std::string map = kMap;
  map.replace(map.find("%s"), 2, crm);
  return map;
}

void SetUpScratchDir() {
  static const bool done = [] {
    WriteText("map.yaml", MapFor("freshsales"));
    WriteText("pipedrive.yaml", MapFor("pipedrive"));
    WriteText("highlevel.yaml", MapFor("highlevel"));
    WriteText("layout.yaml", kLayout);
    std::filesystem::create_directories(bridgework::fuzz::ScratchDir() /
                                        "data");
    return true;
  }();
  (void)done;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SetUpScratchDir();
  const std::string path =
      bridgework::fuzz::WriteScratchFile("config.yaml", data, size);
  auto run = bridgework::cli::LoadRunConfig(path);
  if (std::getenv("BRIDGEWORK_FUZZ_VERBOSE") != nullptr) {
    std::cerr << "  " << run.status() << "\n";
  }
  // A loaded config is complete: its hash covers its canonical JSON.
  if (run.ok() && (run->hash.size() != 64 || run->canonical_json.empty())) {
    std::abort();
  }
  (void)bridgework::cli::LoadRunConfig(path,
                                       {.destination = false, .map = false});
  return 0;
}
