// bridgework-gen-sample: writes a deterministic, realistic Practice by
// bridgework-gen-sample: writes a deterministic, realistic Practice by
// Numbers export (every file of the layout, documents/ included, or with
// --objects core only locations.csv, providers.csv and patients.csv) for
// demos and tests. See sample_generator.h for what it contains. With
// --system drdentes or clinic it writes the layout_csv sample exports
// instead (drdentes_generator.h, clinic_generator.h).
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/gen_sample/clinic_generator.h"
#include "tools/gen_sample/drdentes_generator.h"
#include "tools/gen_sample/sample_generator.h"

int main(int argc, char** argv) {
  CLI::App app{
      "bridgework-gen-sample: deterministic sample Practice by Numbers export"};
  bridgework::gen_sample::SampleOptions options;
  app.add_option("--out", options.out_dir,
                 "directory to write the CSV files into (created if missing)")
      ->required();
  auto* patients =
      app.add_option("--patients", options.patients,
                     "rows of patients.csv, 2 malformed ones included")
          ->check(CLI::Range(10, 5000000));
  app.add_option("--seed", options.seed, "random seed");
  std::string objects = "all";
  app.add_option("--objects", objects,
                 "all: every file of the export and documents/; core: "
                 "locations.csv, providers.csv and patients.csv only")
      ->check(CLI::IsMember({"all", "core"}))
      ->capture_default_str();
  std::string system = "pbn";
  app.add_option("--system", system,
                 "pbn (default), drdentes (seed 003) or clinic (seed 004)")
      ->check(CLI::IsMember({"pbn", "drdentes", "clinic"}));
  CLI11_PARSE(app, argc, argv);
  options.objects = objects == "core"
                        ? bridgework::gen_sample::SampleObjects::kCore
                        : bridgework::gen_sample::SampleObjects::kAll;
  if (system != "pbn") {
    if (patients->count() > 0) {
      std::cerr << "bridgework-gen-sample: --patients applies to --system "
                   "pbn only\n";
      return 2;
    }
    auto exported = system == "drdentes"
                        ? bridgework::gen_sample::WriteDrDentesSample(
                              options.out_dir, options.seed)
                        : bridgework::gen_sample::WriteClinicSample(
                              options.out_dir, options.seed);
    if (!exported.ok()) {
      std::cerr << "bridgework-gen-sample: " << exported.status().message()
                << "\n";
      return 1;
    }
    std::cout << exported->ToString(options.out_dir) << "\n";
    return 0;
  }
  auto summary = bridgework::gen_sample::WriteSample(options);
  if (!summary.ok()) {
    std::cerr << "bridgework-gen-sample: " << summary.status().message()
              << "\n";
    return 1;
  }
  std::cout << summary->ToString(options.out_dir) << "\n";
  return 0;
}
