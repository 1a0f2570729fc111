// bridgework-chaos: migrates a generated practice into a CRM emulator
// through the real binaries while killing a random service (extractor,
// transformer, loader, auditor, and the controller) with SIGKILL at random
// moments and restarting it, with the emulator injecting faults; then
// proves the result (docs/reliability.md "The chaos harness"):
//   - the emulator's state equals a fault-free reference migration of the
//     same data into a fresh emulator (0 lost, 0 duplicated, every field
//     right; ids matched through the ledger's id maps);
//   - the ledger is consistent (no operation left an intent, no key
//     created twice, no CRM id mapped twice);
//   - `bridgework reconcile` passes;
//   - `bridgework rollback` (itself under faults and kills) restores the
//     state from before the migration.
// Rounds (migrate, check, roll back, check) repeat until --kills kills are
// done. Prints cycles, kills per service, faults injected by kind and the
// verdict; exits 0 when every check passed, 1 otherwise, 2 for bad flags.
//
//   bridgework-chaos [--crm freshsales|pipedrive|highlevel|all] [--kills N]
//       [--seed S] [--patients P] [--work-dir D] [--faults JSON]
//       [--min-interval-ms A] [--max-interval-ms B] [--no-kill-controller]
//       [--report F]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/mapping/map.h"
#include "tests/chaos/state_compare.h"
#include "tests/integration/process_util.h"
#include "tools/bridgework/run_config.h"
#include "tools/bridgework/suite.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework::chaos {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using testing::Bin;
using testing::ReadAll;
using testing::Spawn;

struct Options {
  std::string crm = "freshsales";
  int kills = 20;
  uint64_t seed = 1;
  int patients = 12;
  std::string work_dir = "out/chaos";
  std::string faults =
      R"({"rates":{"storm":0.01,"error":0.03,"reset":0.02,"timeout":0.005,)"
      R"("slow":0.05,"lost":0.03,"applied_error":0.02},)"
      R"("storm_ms":1200,"slow_ms":200,"hang_ms":1500})";
  int min_interval_ms = 200;
  int max_interval_ms = 1500;
  bool kill_controller = true;
  std::string report;
};

// What one CRM's chaos run saw and concluded.
struct Outcome {
  std::string crm;
  int rounds = 0;
  int kills = 0;
  std::map<std::string, int> kills_by_service;
  Json faults = Json::object();
  int controller_restarts = 0;
  std::vector<std::string> failures;
  double seconds = 0;
};

void Say(const std::string& line) { std::cout << line << std::endl; }

// A POST /__sandbox/faults body turning every fault off.
Json FaultsOff() {
  Json rates = Json::object();
  for (const char* kind : {"storm", "error", "reset", "timeout", "slow", "lost",
                           "applied_error"}) {
    rates[kind] = 0;
  }
  return {{"rates", rates}};
}

// Members a second migration cannot repeat (clocks), per emulator.
CompareOptions CompareOptionsFor(const std::string& crm) {
  CompareOptions o;
  o.ignored_keys = {
      "created_at", "updated_at", "add_time", "update_time", "dateAdded",
      "dateUpdated", "createdAt", "updatedAt", "last_activity_date",
      "last_activity_id", "next_activity_date", "next_activity_id",
      "update_time_utc", "marked_as_done_time", "first_char", "cc_email",
      "last_assigned_at", "recent_note", "last_contacted", "dateOfBirthUpdated",
      "close_time", "lost_time", "won_time", "stage_change_time",
      "first_won_time", "archive_time",
      // Pipedrive users' clocks, stored files' generated
      // names and their URLs (the emulator's port).
      "created", "modified", "last_login", "file_name", "url",
      // HighLevel opportunities' clocks.
      "lastActionDate", "lastStageChangeAt", "lastStatusChangeAt"};
  o.matched_by_content = {"relations"};
  return o;
}

// The HTTP client of the emulator's operator endpoints.
class Emulator {
 public:
  explicit Emulator(const std::string& address) : client_("http://" + address) {
    client_.set_read_timeout(30, 0);
  }
  Json Get(const std::string& path) {
    auto r = client_.Get(path);
    if (!r || r->status != 200) return Json();
    return Json::parse(r->body, nullptr, false);
  }
  bool Post(const std::string& path, const Json& body) {
    auto r = client_.Post(path, body.dump(), "application/json");
    return r && r->status == 200;
  }

 private:
  httplib::Client client_;
};

// True when collection `collection` of a state is named after target
// object `object` ("activities" for activity, "cm_treatment" for
// custom_object:cm_treatment).
bool NamedAfter(const std::string& collection, std::string object) {
  const std::string last = collection.substr(collection.rfind('/') + 1);
  if (absl::StartsWith(object, "custom_object:")) object = object.substr(14);
  return last == object || last == object + "s" || last == object + "es" ||
         (absl::EndsWith(object, "y") &&
          last == object.substr(0, object.size() - 1) + "ies");
}

// The collections of `state` holding no record the run wrote (`ids`): the
// schema its Prepare created (custom fields, pipelines, stages), which a
// rollback does not undo. Ids repeat across collections, so a collection
// named after a target object is checked against that object's ids, any
// other against the ids of the objects no collection is named after.
std::set<std::string> SchemaCollections(const IdMap& ids, const Json& state) {
  const auto collections = Collections(state, false);
  auto object_of = [](const std::string& key) {
    return key.substr(0, key.find('|'));
  };
  std::set<std::string> unnamed;  // target objects no collection names
  for (const auto& [key, id] : ids) {
    bool named = false;
    for (const auto& [name, records] : collections)
      named = named || NamedAfter(name, object_of(key));
    if (!named) unnamed.insert(object_of(key));
  }
  std::set<std::string> out;
  for (const auto& [name, records] : collections) {
    bool named = false;
    for (const auto& [key, id] : ids) named |= NamedAfter(name, object_of(key));
    std::set<std::string> written;
    for (const auto& [key, id] : ids) {
      if (named ? NamedAfter(name, object_of(key))
                : unnamed.count(object_of(key)) > 0) {
        written.insert(id);
      }
    }
    bool holds = false;
    for (const Json& r : records) {
      for (const char* k : {"id", "_id"}) {
        if (!r.contains(k)) continue;
        std::string id =
            r[k].is_string() ? r[k].get<std::string>() : r[k].dump();
        for (const std::string& w : written) {
          // HighLevel notes and tasks: "<contact>/<own>".
          holds = holds || w == id || absl::EndsWith(w, "/" + id);
        }
      }
    }
    if (!holds) out.insert(name);
  }
  return out;
}

// One suite of real processes for a CRM, under a Supervisor.
class ChaosSuite {
 public:
  ChaosSuite(const std::string& state_dir, const cli::RunConfig& config,
             const mapping::Map& map)
      : state_dir_(state_dir), supervisor_(state_dir) {
    options_.state_dir = state_dir;
    options_.emulator = config.destination.crm();
    options_.crm = config.destination.crm();
    options_.location_id = config.destination.location_id();
    options_.company_id = config.destination.company_id();
    options_.plan = config.destination.plan();
    options_.requests_per_hour = 360000;
    options_.EmulateSchemaOf(map);
  }
  absl::Status Start() {
    absl::StatusOr<cli::Suite> suite = cli::StartSuite(options_, supervisor_);
    if (!suite.ok()) return suite.status();
    emulator_address_ = suite->emulator_address;
    return absl::OkStatus();
  }
  absl::Status Restart(const std::string& service) {
    supervisor_.Kill(service);
    return supervisor_.Restart(service).status();
  }
  std::string services() const { return state_dir_ + "/services.json"; }
  const std::string& emulator_address() const { return emulator_address_; }
  void StopAll() { supervisor_.StopAll(); }

 private:
  std::string state_dir_;
  cli::Supervisor supervisor_;
  cli::SuiteOptions options_;
  std::string emulator_address_;
};

// A `bridgework` command as a child process, output appended to `log`.
pid_t StartCli(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {Bin("bridgework")};
  argv.insert(argv.end(), args.begin(), args.end());
  std::ofstream(log, std::ios::app)
      << "$ bridgework " << absl::StrJoin(args, " ") << "\n";
  return Spawn(argv, log);
}

int RunCli(const std::vector<std::string>& args, const std::string& log) {
  return testing::Wait(StartCli(args, log));
}

// The run ids a migrate log names ("migrate run r-000001 -> ..."), each
// once, oldest first. Usually one (a resumed run keeps its id); a
// controller killed after finishing its run leaves a second, empty run
// when it is started again.
std::vector<std::string> RunIdsFromLog(const std::string& log) {
  std::string text = ReadAll(log);
  std::vector<std::string> ids;
  for (size_t at = text.find(" run r-"); at != std::string::npos;
       at = text.find(" run r-", at + 1)) {
    std::string id =
        text.substr(at + 5, text.find_first_of(" \n", at + 5) - at - 5);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

// The id map the runs wrote, from their audit exports.
IdMap ExportIdMap(const std::vector<std::string>& runs,
                  const std::string& services, const std::string& dir,
                  const std::string& log, std::vector<std::string>* problems) {
  std::string jsonl;
  for (const std::string& run : runs) {
    if (RunCli({"audit", "export", "--run", run, "--services", services, "-o",
                dir},
               log) != 0) {
      problems->push_back("bridgework audit export failed for " + run);
      return {};
    }
    jsonl += ReadAll(dir + "/audit-" + run + ".jsonl");
  }
  if (runs.empty()) problems->push_back("no run id in the migrate log");
  return IdMapFromAudit(jsonl, problems);
}

class Chaos {
 public:
  Chaos(const Options& options, Outcome* outcome)
      : options_(options), outcome_(outcome), rng_(options.seed) {}

  // Runs a command (migrate or rollback) to success while killing services
  // at random moments. Retries the command when it exits non-zero (a
  // resume); false after 8 failed attempts in a row.
  bool UnderChaos(ChaosSuite& suite, const std::vector<std::string>& args,
                  const std::string& log) {
    int failures_in_a_row = 0;
    pid_t pid = StartCli(args, log);
    auto next_kill = NextKill();
    while (true) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        int code =
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code == 0) return true;
        if (++failures_in_a_row >= 8) {
          outcome_->failures.push_back(absl::StrCat("bridgework ", args[0],
                                                    " kept failing (exit ",
                                                    code, "); see ", log));
          return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        pid = StartCli(args, log);
        continue;
      }
      if (outcome_->kills < options_.kills &&
          std::chrono::steady_clock::now() >= next_kill) {
        std::vector<std::string> victims = {"extractor", "transformer",
                                            "loader", "auditor"};
        if (options_.kill_controller) victims.push_back("controller");
        std::string victim = victims[std::uniform_int_distribution<size_t>(
            0, victims.size() - 1)(rng_)];
        ++outcome_->kills;
        ++outcome_->kills_by_service[victim];
        if (victim == "controller") {
          kill(pid, SIGKILL);
          waitpid(pid, &status, 0);
          ++outcome_->controller_restarts;
          pid = StartCli(args, log);
        } else if (absl::Status s = suite.Restart(victim); !s.ok()) {
          outcome_->failures.push_back(
              absl::StrCat("could not restart ", victim, ": ", s.message()));
          kill(pid, SIGKILL);
          waitpid(pid, &status, 0);
          return false;
        }
        next_kill = NextKill();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

 private:
  std::chrono::steady_clock::time_point NextKill() {
    int ms = std::uniform_int_distribution<int>(options_.min_interval_ms,
                                                options_.max_interval_ms)(rng_);
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  }

  const Options& options_;
  Outcome* outcome_;
  std::mt19937_64 rng_;
};

void Fail(Outcome* o, const std::string& what,
          const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  const size_t shown = std::min<size_t>(lines.size(), 20);
  for (size_t i = 0; i < shown; ++i) {
    o->failures.push_back(absl::StrCat(what, ": ", lines[i]));
  }
  if (lines.size() > shown) {
    o->failures.push_back(
        absl::StrCat(what, ": ... and ", lines.size() - shown, " more"));
  }
}

Outcome RunCrm(const Options& options, const std::string& crm) {
  Outcome o;
  o.crm = crm;
  auto started = std::chrono::steady_clock::now();
  const std::string dir = fs::absolute(options.work_dir + "/" + crm).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string log = dir + "/chaos.log";
  Say(absl::StrCat("== ", crm, ": work directory ", dir));

  // The practice, its config and map.
  if (testing::RunCommand({Bin("bridgework-gen-sample"), "--out", dir + "/data",
                           "--patients", std::to_string(options.patients),
                           "--seed", std::to_string(options.seed)},
                          log) != 0) {
    o.failures.push_back("bridgework-gen-sample failed; see " + log);
    return o;
  }
  const std::string config_path = testing::WriteExampleConfig(
      "pbn-" + crm, dir + "/data", dir + "/config.yaml");
  absl::StatusOr<cli::RunConfig> config = cli::LoadRunConfig(config_path);
  if (!config.ok()) {
    o.failures.push_back(absl::StrCat("config: ", config.status().message()));
    return o;
  }
  absl::StatusOr<mapping::Map> map =
      mapping::ParseMap(config->map_yaml, config->map_path);
  if (!map.ok()) {
    o.failures.push_back(absl::StrCat("map: ", map.status().message()));
    return o;
  }
  const std::vector<std::string> approve = {"approve", config->map_path, "--by",
                                            "chaos@bridgework.example"};

  // 1. The reference: the same data, fault-free, no kills, fresh emulator.
  Json reference;
  IdMap reference_ids;
  {
    ChaosSuite ref(dir + "/reference", *config, *map);
    if (absl::Status s = ref.Start(); !s.ok()) {
      o.failures.push_back(absl::StrCat("reference suite: ", s.message()));
      return o;
    }
    std::vector<std::string> svc = {"--services", ref.services()};
    auto with = [&svc](std::vector<std::string> a) {
      a.insert(a.end(), svc.begin(), svc.end());
      return a;
    };
    const std::string ref_log = dir + "/reference.log";
    if (RunCli(with(approve), ref_log) != 0 ||
        RunCli(with({"migrate", "--config", config_path}), ref_log) != 0) {
      o.failures.push_back("the reference migration failed; see " + ref_log);
      return o;
    }
    reference = Emulator(ref.emulator_address()).Get("/__sandbox/state");
    std::ofstream(dir + "/reference-state.json") << reference.dump(1);
    std::vector<std::string> problems;
    reference_ids = ExportIdMap(RunIdsFromLog(ref_log), ref.services(),
                                dir + "/reference-audit", ref_log, &problems);
    Fail(&o, "reference ledger", problems);
    ref.StopAll();
  }
  Say(absl::StrCat(crm, ": reference migration wrote ", reference_ids.size(),
                   " records"));

  // 2. The chaos suite.
  ChaosSuite suite(dir + "/chaos", *config, *map);
  if (absl::Status s = suite.Start(); !s.ok()) {
    o.failures.push_back(absl::StrCat("chaos suite: ", s.message()));
    return o;
  }
  Emulator emulator(suite.emulator_address());
  const std::vector<std::string> svc = {"--services", suite.services()};
  auto with = [&svc](std::vector<std::string> a) {
    a.insert(a.end(), svc.begin(), svc.end());
    return a;
  };
  if (RunCli(with(approve), log) != 0) {
    o.failures.push_back("approve failed; see " + log);
    return o;
  }
  const Json faults = Json::parse(options.faults, nullptr, false);
  const CompareOptions compare = CompareOptionsFor(crm);
  Chaos chaos(options, &o);
  const Json before_first = emulator.Get("/__sandbox/state");
  Json before = before_first;
  while (o.failures.empty() && (o.rounds == 0 || o.kills < options.kills)) {
    ++o.rounds;
    const std::string round = absl::StrCat("round ", o.rounds);
    if (!emulator.Post("/__sandbox/faults", faults)) {
      o.failures.push_back("POST /__sandbox/faults refused the --faults");
      break;
    }
    const std::string migrate_log =
        absl::StrCat(dir, "/migrate-", o.rounds, ".log");
    if (!chaos.UnderChaos(
            suite,
            with({"migrate", "--config", config_path, "--retry-for", "600"}),
            migrate_log)) {
      break;
    }
    const std::vector<std::string> runs = RunIdsFromLog(migrate_log);
    // Checks read through the operator endpoints and, for reconcile, the
    // CRM's API without faults: the verdict must not depend on a fault.
    emulator.Post("/__sandbox/faults", FaultsOff());
    std::vector<std::string> problems;
    IdMap ids =
        ExportIdMap(runs, suite.services(),
                    absl::StrCat(dir, "/audit-", o.rounds), log, &problems);
    Fail(&o, round + ": ledger", problems);
    problems.clear();
    std::map<std::string, std::string> translate =
        Translation(reference_ids, ids, &problems);
    Fail(&o, round + ": id map against the reference", problems);
    const Json after = emulator.Get("/__sandbox/state");
    std::ofstream(absl::StrCat(dir, "/state-", o.rounds, ".json"))
        << after.dump(1);
    std::vector<std::string> diff =
        CompareStates(reference, after, translate, compare, false);
    std::ofstream(absl::StrCat(dir, "/diff-", o.rounds, ".txt"))
        << absl::StrJoin(diff, "\n") << "\n";
    Fail(&o, round + ": state against the reference", diff);
    if (RunCli(with({"reconcile", "--config", config_path, "--report-json",
                     absl::StrCat(dir, "/reconcile-", o.rounds, ".json")}),
               log) != 0) {
      o.failures.push_back(round + ": bridgework reconcile failed; see " + log);
    }
    Say(absl::StrCat(crm, ": ", round, " migrated (run ",
                     absl::StrJoin(runs, ", "), "), ", o.kills,
                     " kills so far, ",
                     o.failures.empty() ? "checks pass" : "checks FAIL"));
    if (!o.failures.empty()) break;
    // 3. Roll back under the same faults and kills.
    emulator.Post("/__sandbox/faults", faults);
    bool rolled = true;
    for (auto run = runs.rbegin(); rolled && run != runs.rend(); ++run) {
      rolled =
          chaos.UnderChaos(suite, with({"rollback", "--run", *run}),
                           absl::StrCat(dir, "/rollback-", o.rounds, ".log"));
    }
    if (!rolled) break;
    emulator.Post("/__sandbox/faults", FaultsOff());
    const Json rolled_back = emulator.Get("/__sandbox/state");
    // A rollback undoes records, not the schema the run's Prepare created
    // (custom fields, pipelines, stages): collections holding no record
    // the run wrote are left out.
    CompareOptions undo = compare;
    undo.ignored_collections = SchemaCollections(ids, after);
    Fail(&o, round + ": rolled-back state against the state before",
         CompareStates(before, rolled_back, {}, undo, true));
    Say(absl::StrCat(crm, ": ", round, " rolled back, ", o.kills,
                     " kills so far"));
    before = rolled_back;
  }
  Json stats = emulator.Get("/__sandbox/stats");
  if (stats.contains("faults")) {
    o.faults = stats["faults"]["injected"];
    o.faults["storms_started"] = stats["faults"]["storms"];
  }
  suite.StopAll();
  o.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  return o;
}

Json OutcomeJson(const Outcome& o) {
  return {{"crm", o.crm},
          {"rounds", o.rounds},
          {"kills", o.kills},
          {"kills_by_service", o.kills_by_service},
          {"controller_restarts", o.controller_restarts},
          {"faults_injected", o.faults},
          {"seconds", o.seconds},
          {"pass", o.failures.empty()},
          {"failures", o.failures}};
}

}  // namespace
}  // namespace bridgework::chaos

int main(int argc, char** argv) {
  namespace chaos = bridgework::chaos;
  CLI::App app{"bridgework-chaos: exactly-once under faults and SIGKILLs"};
  chaos::Options options;
  app.add_option("--crm", options.crm,
                 "freshsales, pipedrive, highlevel or all")
      ->check(CLI::IsMember({"freshsales", "pipedrive", "highlevel", "all"}));
  app.add_option("--kills", options.kills,
                 "SIGKILLs to deliver per CRM (default 20)")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--seed", options.seed,
                 "seed of the data, the kills and the faults (default 1)");
  app.add_option("--patients", options.patients,
                 "patients in the generated practice (default 12)");
  app.add_option("--work-dir", options.work_dir,
                 "logs, ledgers and reports (default out/chaos)");
  app.add_option("--faults", options.faults,
                 "the emulator's faults, a POST /__sandbox/faults body");
  app.add_option("--min-interval-ms", options.min_interval_ms,
                 "least time between kills (default 200)");
  app.add_option("--max-interval-ms", options.max_interval_ms,
                 "most time between kills (default 1500)");
  app.add_flag("!--no-kill-controller", options.kill_controller,
               "never kill the controller");
  app.add_option("--report", options.report, "write the outcome as JSON here");
  CLI11_PARSE(app, argc, argv);
  if (options.min_interval_ms < 0 ||
      options.max_interval_ms < options.min_interval_ms) {
    std::cerr << "bridgework-chaos: bad kill interval\n";
    return 2;
  }
  if (nlohmann::json::parse(options.faults, nullptr, false).is_discarded()) {
    std::cerr << "bridgework-chaos: --faults is not JSON\n";
    return 2;
  }
  // The suite's binaries sit beside this one; the examples in the source
  // tree this binary was built from.
  setenv("BRIDGEWORK_BIN_DIR", bridgework::cli::BinaryDir().c_str(), 0);
  setenv("BRIDGEWORK_SOURCE_DIR", BRIDGEWORK_CHAOS_SOURCE_DIR, 0);
  // Faults reseed from the data seed, so one --seed repeats a run's draws.
  nlohmann::json faults = nlohmann::json::parse(options.faults);
  if (!faults.contains("seed")) faults["seed"] = options.seed;
  options.faults = faults.dump();

  std::vector<std::string> crms = {options.crm};
  if (options.crm == "all") crms = {"freshsales", "pipedrive", "highlevel"};
  nlohmann::json report = nlohmann::json::array();
  bool pass = true;
  for (const std::string& crm : crms) {
    chaos::Outcome o = chaos::RunCrm(options, crm);
    nlohmann::json j = chaos::OutcomeJson(o);
    report.push_back(j);
    pass = pass && o.failures.empty();
    std::cout << "\n== " << crm << " ==\n"
              << "cycles (kills): " << o.kills << " in " << o.rounds
              << " rounds, " << static_cast<int>(o.seconds) << " s\n"
              << "kills by service: " << j["kills_by_service"].dump() << "\n"
              << "faults injected: " << o.faults.dump() << "\n";
    for (const std::string& f : o.failures) std::cout << "FAIL " << f << "\n";
    std::cout << "verdict: " << (o.failures.empty() ? "PASS" : "FAIL")
              << std::endl;
  }
  if (!options.report.empty()) {
    std::ofstream(options.report) << report.dump(2) << "\n";
  }
  std::cout << "\nchaos verdict: " << (pass ? "PASS" : "FAIL") << std::endl;
  return pass ? 0 : 1;
}
