// bridgework-gen-sample: writes a deterministic, realistic Practice by
// Numbers export (locations.csv, providers.csv, patients.csv) for demos and
// tests. See sample_generator.h for what it contains.
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
  CLI11_PARSE(app, argc, argv);
  auto summary = bridgework::gen_sample::WriteSample(options);
  if (!summary.ok()) {
    std::cerr << "bridgework-gen-sample: " << summary.status().message()
              << "\n";
    return 1;
  }
  std::cout << summary->ToString(options.out_dir) << "\n";
  return 0;
}
