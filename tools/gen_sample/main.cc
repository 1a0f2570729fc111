// bridgework-gen-sample: writes a deterministic, realistic Practice by
// Numbers export (every file of the layout, documents/ included, or with
// --objects core only locations.csv, providers.csv and patients.csv) for
// demos and tests. See sample_generator.h for what it contains.
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/gen_sample/sample_generator.h"

int main(int argc, char** argv) {
  CLI::App app{
      "bridgework-gen-sample: deterministic sample Practice by Numbers export"};
  bridgework::gen_sample::SampleOptions options;
  app.add_option("--out", options.out_dir,
                 "directory to write the CSV files into (created if missing)")
      ->required();
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
  CLI11_PARSE(app, argc, argv);
  options.objects = objects == "core"
                        ? bridgework::gen_sample::SampleObjects::kCore
                        : bridgework::gen_sample::SampleObjects::kAll;
  auto summary = bridgework::gen_sample::WriteSample(options);
  if (!summary.ok()) {
    std::cerr << "bridgework-gen-sample: " << summary.status().message()
              << "\n";
    return 1;
  }
  std::cout << summary->ToString(options.out_dir) << "\n";
  return 0;
}
