#include "tools/bridgework/suite.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "libs/common/random.h"
#include "libs/common/status_macros.h"
#include "libs/report/html_util.h"

namespace bridgework::cli {
namespace fs = std::filesystem;

std::string RandomToken() { return RandomHex(16); }

namespace {

// With options.metrics, asks the service to serve its metrics on loopback
// and to write where into <state_dir>/<name>.metrics.port.
void AddMetricsFlags(const SuiteOptions& options, ChildSpec& spec) {
  if (!options.metrics) return;
  fs::path port_file =
      fs::path(options.state_dir) / (spec.name + ".metrics.port");
  fs::remove(port_file);
  spec.args.insert(spec.args.end(),
                   {"--metrics-listen", "127.0.0.1:0", "--metrics-port-file",
                    port_file.string()});
}

// The metrics host:port a started service wrote (before its gRPC port).
absl::Status ReadMetricsAddress(const SuiteOptions& options,
                                const std::string& name, Suite& suite) {
  if (!options.metrics) return absl::OkStatus();
  std::ifstream in(fs::path(options.state_dir) / (name + ".metrics.port"));
  std::string address;
  if (!std::getline(in, address) || address.empty()) {
    return absl::InternalError(
        absl::StrCat("the ", name, " wrote no metrics address"));
  }
  suite.metrics[name] = address;
  return absl::OkStatus();
}

// Starts a service with the metrics flags and records its metrics address.
absl::StatusOr<Child> StartService(const SuiteOptions& options,
                                   Supervisor& supervisor, ChildSpec spec,
                                   Suite& suite) {
  AddMetricsFlags(options, spec);
  BW_ASSIGN_OR_RETURN(Child child, supervisor.Start(spec, true));
  BW_RETURN_IF_ERROR(ReadMetricsAddress(options, spec.name, suite));
  return child;
}

}  // namespace

absl::StatusOr<Suite> StartSuite(const SuiteOptions& options,
                                 Supervisor& supervisor) {
  fs::create_directories(options.state_dir);
  std::string bin = BinaryDir();
  Suite suite;
  std::string token = options.crm_token;
  if (!options.crm_token_file.empty()) {
    // Read here for the emulator (and to fail early); the loader reads the
    // file itself.
    std::ifstream in(options.crm_token_file);
    if (!in || !std::getline(in, token) || token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read a CRM token from destination.token_file ",
                       options.crm_token_file));
    }
  }
  suite.crm_url = options.crm_url;
  std::string per_hour = options.requests_per_hour > 0
                             ? absl::StrCat(options.requests_per_hour)
                             : "";
  const std::string crm =
      options.crm.empty()
          ? (options.emulator.empty() ? "freshsales" : options.emulator)
          : options.crm;
  if (!options.emulator.empty()) {
    // The emulator takes the configured token when there is one (so the
    // user can call it as the CRM), else a fresh random one.
    if (token.empty()) token = RandomToken();
    ChildSpec spec{"sandbox",
                   bin + "/bridgework-sandbox",
                   {"--crm", options.emulator, "--port", "0"},
                   {{"BRIDGEWORK_SANDBOX_TOKEN", token}}};
    auto add = [&spec](std::string flag, std::string value) {
      spec.args.push_back(std::move(flag));
      spec.args.push_back(std::move(value));
    };
    if (!options.traffic_log.empty()) add("--traffic-log", options.traffic_log);
    if (options.emulator == "freshsales") {
      // Freshsales cannot create fields through its API: the emulated
      // account starts with the admin checklist done.
      // Custom module fields live in the settings, with their module.
      nlohmann::json fields = nlohmann::json::object();
      nlohmann::json settings = nlohmann::json::object();
      auto is_module = [&](const std::string& entity) {
        for (const auto& o : options.emulator_objects) {
          if (o.key == entity) return true;
        }
        return false;
      };
      auto field_def = [](const mapping::CustomFieldSpec& f) {
        nlohmann::json def = {
            {"name", f.name}, {"label", f.label}, {"type", f.type}};
        if (!f.choices.empty()) def["choices"] = f.choices;
        if (!f.related.empty()) def["related"] = f.related;
        return def;
      };
      for (const auto& f : options.emulator_fields) {
        if (!is_module(f.entity)) fields[f.entity].push_back(field_def(f));
      }
      for (const auto& o : options.emulator_objects) {
        nlohmann::json module = {{"name", o.key},
                                 {"label", o.singular},
                                 {"fields", nlohmann::json::array()}};
        for (const auto& f : options.emulator_fields) {
          if (f.entity == o.key) module["fields"].push_back(field_def(f));
        }
        settings["custom_modules"].push_back(module);
      }
      for (size_t i = 0; i < options.emulator_pipelines.size(); ++i) {
        const auto& p = options.emulator_pipelines[i];
        nlohmann::json pipeline = {{"name", p.name}, {"is_default", i == 0}};
        for (const auto& st : p.stages) {
          nlohmann::json stage = {{"name", st.name}};
          if (st.probability >= 0) stage["probability"] = st.probability;
          pipeline["stages"].push_back(stage);
        }
        settings["deal_pipelines"].push_back(pipeline);
      }
      for (const auto& t : options.emulator_territories) {
        settings["territories"].push_back(t);
      }
      std::string fields_path =
          (fs::path(options.state_dir) / "emulator-fields.json").string();
      std::ofstream(fields_path) << fields.dump(2) << "\n";
      add("--plan", options.plan);
      add("--fields", fields_path);
      if (!settings.empty()) {
        std::string settings_path =
            (fs::path(options.state_dir) / "emulator-settings.json").string();
        std::ofstream(settings_path) << settings.dump(2) << "\n";
        add("--settings", settings_path);
      }
      if (!per_hour.empty()) add("--rate-limit-per-hour", per_hour);
    } else if (options.emulator == "pipedrive") {
      add("--plan", options.plan);
      if (options.requests_per_hour > 0) {
        // The same budget per 2-second window, and a day that never runs
        // out.
        add("--burst-limit",
            absl::StrCat(std::max(1, options.requests_per_hour / 1800)));
        add("--daily-budget", "1000000000");
      }
    } else if (options.emulator == "highlevel") {
      add("--location", options.location_id);
      add("--company", options.company_id);
      if (options.requests_per_hour > 0) {
        add("--burst-limit",
            absl::StrCat(std::max(1, options.requests_per_hour / 360)));
        add("--daily-limit", "1000000000");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("no emulator for CRM '", options.emulator, "'"));
    }
    BW_ASSIGN_OR_RETURN(Child sandbox, supervisor.Start(spec, false));
    suite.emulator_address = sandbox.address;
    suite.crm_url =
        options.emulator == "freshsales"
            ? absl::StrCat("http://", sandbox.address, "/crm/sales/api")
            : absl::StrCat("http://", sandbox.address);
  }
  if (suite.crm_url.empty()) {
    return absl::InvalidArgumentError(
        "no CRM URL: set destination.url in the config or use --emulator");
  }
  if (token.empty()) {
    return absl::InvalidArgumentError(
        "no CRM token: set destination.token_file, or the variable named by "
        "destination.token_env");
  }
  suite.crm_token = token;
  std::string ledger = (fs::path(options.state_dir) / "ledger").string();
  ChildSpec auditor_spec{"auditor",
                         bin + "/bridgework-auditor",
                         {"--listen", "127.0.0.1:0", "--data-dir", ledger},
                         {}};
  if (!options.ledger_key_file.empty()) {
    auditor_spec.args.push_back("--ledger-key-file");
    auditor_spec.args.push_back(fs::absolute(options.ledger_key_file).string());
  }
  BW_ASSIGN_OR_RETURN(Child auditor,
                      StartService(options, supervisor, auditor_spec, suite));
  BW_ASSIGN_OR_RETURN(Child extractor,
                      StartService(options, supervisor,
                                   {"extractor",
                                    bin + "/bridgework-extractor",
                                    {"--listen", "127.0.0.1:0"},
                                    {}},
                                   suite));
  ChildSpec loader_spec{
      "loader",
      bin + "/bridgework-loader",
      {"--listen", "127.0.0.1:0", "--auditor", auditor.address, "--crm", crm,
       "--crm-url", suite.crm_url, "--plan", options.plan},
      {}};
  // A token file's path, else the token in the loader's environment only.
  if (!options.crm_token_file.empty()) {
    loader_spec.args.push_back("--crm-token-file");
    loader_spec.args.push_back(options.crm_token_file);
  } else {
    loader_spec.env["BRIDGEWORK_CRM_TOKEN"] = token;
  }
  if (!options.location_id.empty()) {
    loader_spec.args.push_back("--location-id");
    loader_spec.args.push_back(options.location_id);
  }
  if (!options.company_id.empty()) {
    loader_spec.args.push_back("--company-id");
    loader_spec.args.push_back(options.company_id);
  }
  if (options.loader_requests_per_hour > 0) {
    loader_spec.args.push_back("--requests-per-hour");
    loader_spec.args.push_back(absl::StrCat(options.loader_requests_per_hour));
  } else if (!per_hour.empty()) {
    loader_spec.args.push_back("--requests-per-hour");
    loader_spec.args.push_back(per_hour);
  }
  BW_ASSIGN_OR_RETURN(Child loader,
                      StartService(options, supervisor, loader_spec, suite));
  ChildSpec transformer_spec{
      "transformer",
      bin + "/bridgework-transformer",
      {"--listen", "127.0.0.1:0", "--extractor", extractor.address, "--loader",
       loader.address, "--auditor", auditor.address},
      {}};
  if (!options.phi_key_file.empty()) {
    transformer_spec.args.push_back("--phi-key-file");
    transformer_spec.args.push_back(
        fs::absolute(options.phi_key_file).string());
  }
  BW_ASSIGN_OR_RETURN(Child transformer, StartService(options, supervisor,
                                                      transformer_spec, suite));
  suite.services = {extractor.address, transformer.address, loader.address,
                    auditor.address};
  nlohmann::json j = {{"extractor", extractor.address},
                      {"transformer", transformer.address},
                      {"loader", loader.address},
                      {"auditor", auditor.address}};
  if (!suite.emulator_address.empty()) j["emulator"] = suite.emulator_address;
  if (!suite.metrics.empty()) j["metrics"] = suite.metrics;
  // Written under a temporary name and renamed: whoever waits for the file
  // (tests, scripts) never reads it half written.
  BW_RETURN_IF_ERROR(report::WriteFileAtomically(
      (fs::path(options.state_dir) / "services.json").string(),
      j.dump(2) + "\n"));
  return suite;
}

}  // namespace bridgework::cli
