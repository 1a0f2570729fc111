// End to end (issue 10): N source records of a generated Practice by
// Numbers export through the four services, each its own process, with the
// pbn-freshsales map:
//   null        the loader is the null destination (--crm null: each
//               request body encoded as for Freshsales, then discarded)
//   freshsales  the Freshsales emulator, unthrottled, contacts, accounts
//               and deals through bulk_upsert
// then, against the emulator's account the second run filled:
//   delta 1 %   1 % of every file's rows changed at the source
//   delta 0     nothing changed
//   delta 1 % ledger  the same rows changed again, with `crm_edited:
//               overwrite` and `before_image: ledger` (no read before an
//               update of objects without a bulk API)
// and side by side, the transform path (PBN source reading the fields the
// map reads, TransformRecord, the contact's JSON body) against Miller doing
// the same field mapping of patients.csv to JSON lines.
//
//   e2e_bench [--records N] [--only null|freshsales|miller] [--out FILE]
//
// Per run: records/s (extracted records over the migrate command's wall
// time), CPU microseconds per record of each service (user + system from
// /proc/<pid>/stat over the run), each service's peak RSS (VmHWM), ledger
// operations/s (operations the run recorded, each an intent and an
// outcome, over the wall time), requests; the load average next to each.
// Prints a table and writes bench/results/e2e.json (docs/benchmarks.md).
#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "libs/common/arena_message.h"
#include "libs/crm/http_client.h"
#include "libs/crm/null_connector.h"
#include "libs/crm/wire_util.h"
#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"
#include "tests/integration/http_json.h"
#include "tests/integration/process_util.h"
#include "tests/integration/replica_suite.h"

namespace bridgework::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using testing::GetJson;
using testing::ReadAll;
using testing::RunCommand;
using testing::SourceDir;
using testing::Spawn;
using testing::Stop;

constexpr char kToken[] = "bench-e2e-token";
const char* const kServices[] = {"extractor", "transformer", "loader",
                                 "auditor", "emulator"};

std::string LoadAverage() {
  std::vector<std::string> parts =
      absl::StrSplit(ReadAll("/proc/loadavg"), ' ');
  return parts.size() >= 3
             ? absl::StrCat(parts[0], " ", parts[1], " ", parts[2])
             : "";
}

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU seconds (user + system) and peak RSS of a live process.
struct ProcSample {
  double cpu_s = 0;
  int64_t hwm_kb = 0;
};

std::optional<ProcSample> SampleProc(pid_t pid) {
  std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  // After "pid (comm) ": state is field 3; utime and stime are 14 and 15.
  std::vector<std::string> f =
      absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
  if (f.size() < 13) return std::nullopt;
  int64_t utime = 0, stime = 0;
  if (!absl::SimpleAtoi(f[11], &utime) || !absl::SimpleAtoi(f[12], &stime))
    return std::nullopt;
  ProcSample s;
  s.cpu_s = static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
  for (absl::string_view line :
       absl::StrSplit(ReadAll(absl::StrCat("/proc/", pid, "/status")), '\n')) {
    if (absl::ConsumePrefix(&line, "VmHWM:")) {
      line = absl::StripAsciiWhitespace(line);
      absl::ConsumeSuffix(&line, " kB");
      absl::SimpleAtoi(line, &s.hwm_kb);
    }
  }
  return s;
}

// The services among the children of `parent`, by name ("loader"), from
// their command names.
std::map<std::string, pid_t> ServicePids(pid_t parent) {
  std::map<std::string, pid_t> out;
  DIR* d = opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
    size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::string comm = stat.substr(open + 1, close - open - 1);
    std::vector<std::string> f =
        absl::StrSplit(stat.substr(close + 2), ' ', absl::SkipEmpty());
    int ppid = 0;
    if (f.size() < 2 || !absl::SimpleAtoi(f[1], &ppid) || ppid != parent)
      continue;
    // Command names are cut at 15 characters ("bridgework-tran").
    for (const char* name : kServices) {
      const std::string binary = std::string(name) == "emulator"
                                     ? "bridgework-sandbox"
                                     : absl::StrCat("bridgework-", name);
      if (binary.substr(0, 15) == comm) out[name] = pid;
    }
  }
  closedir(d);
  return out;
}

// The figures of one `bridgework migrate` or `delta`.
struct RunFigures {
  std::string name;
  bool ok = false;
  std::string error;
  int64_t records = 0;  // extracted
  int64_t loaded = 0;
  int64_t operations = 0;
  int64_t requests = 0;  // the run's (report) or the emulator's count
  // Emulator runs: requests by route ("POST /contacts/bulk_upsert").
  std::map<std::string, int64_t> requests_by_route;
  double wall_s = 0;
  std::string load_before, load_after;
  // Service -> CPU seconds over the run, peak RSS (kB).
  std::map<std::string, ProcSample> services;
  ProcSample controller;

  json ToJson() const {
    json s = json::object();
    for (const auto& [name, p] : services) {
      s[name] = {
          {"cpu_seconds", p.cpu_s},
          {"cpu_us_per_record", records > 0 ? p.cpu_s * 1e6 / records : 0},
          {"peak_rss_mb", p.hwm_kb / 1024.0}};
    }
    return {
        {"name", name},
        {"ok", ok},
        {"error", error},
        {"records", records},
        {"loaded", loaded},
        {"operations", operations},
        {"requests", requests},
        {"requests_by_route", requests_by_route},
        {"wall_seconds", wall_s},
        {"records_per_second", wall_s > 0 ? records / wall_s : 0},
        {"ledger_operations_per_second", wall_s > 0 ? operations / wall_s : 0},
        {"cpu_us_per_record_services", ServiceCpuPerRecord()},
        {"controller_cpu_seconds", controller.cpu_s},
        {"load_before", load_before},
        {"load_after", load_after},
        {"services", s}};
  }

  double ServiceCpuPerRecord() const {
    double cpu = 0;
    for (const auto& [name, p] : services) {
      if (name != "emulator") cpu += p.cpu_s;
    }
    return records > 0 ? cpu * 1e6 / records : 0;
  }
};

// Runs `bridgework <argv...>` with the services of `pids` measured around
// it; the report at `report_path` gives records and operations.
RunFigures MeasureCommand(const std::string& name,
                          const std::vector<std::string>& argv,
                          const std::map<std::string, pid_t>& pids,
                          const std::string& report_path,
                          const std::string& log) {
  RunFigures fig;
  fig.name = name;
  std::map<std::string, ProcSample> before;
  for (const auto& [svc, pid] : pids) {
    if (auto s = SampleProc(pid)) before[svc] = *s;
  }
  fig.load_before = LoadAverage();
  const double start = Now();
  pid_t child = Spawn(argv, log);
  int status = 0;
  rusage usage{};
  // Samples the services while the command runs: their last samples are
  // taken before anything stops them.
  while (wait4(child, &status, WNOHANG, &usage) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  fig.wall_s = Now() - start;
  fig.load_after = LoadAverage();
  for (const auto& [svc, pid] : pids) {
    auto s = SampleProc(pid);
    if (!s) continue;
    ProcSample d = *s;
    d.cpu_s -= before[svc].cpu_s;
    fig.services[svc] = d;
  }
  fig.controller.cpu_s =
      usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
      (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  fig.controller.hwm_kb = usage.ru_maxrss;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  json report = json::parse(ReadAll(report_path), nullptr, false);
  if (code != 0 || !report.is_object()) {
    fig.error = absl::StrCat(name, " exited ", code, " (see ", log, ")");
    return fig;
  }
  fig.records = report["totals"].value("extracted", int64_t{0});
  fig.loaded = report["totals"].value("loaded", int64_t{0});
  const json& ops = report["operations"];
  fig.operations = ops.value("applied", int64_t{0}) +
                   ops.value("failed", int64_t{0}) +
                   ops.value("pending", int64_t{0});
  fig.requests = report.value("requests", int64_t{0});
  fig.ok = true;
  return fig;
}

// Data rows of the CSV files under `dir`.
int64_t CountRows(const std::string& dir) {
  int64_t rows = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".csv") continue;
    auto records = testing::CsvRecords(ReadAll(e.path().string()));
    if (!records.empty()) rows += static_cast<int64_t>(records.size()) - 1;
  }
  return rows;
}

std::string Quote(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Changes every 100th data row of each CSV file under `dir` (documents
// aside) that has an updated_at column: updated_at set to `when` (later than
// every earlier change: a delta reads what changed after its cursor) and a
// text column's value (the first of a few present). Returns the rows
// changed.
int64_t ChangeOnePercent(const std::string& dir, const std::string& when) {
  int64_t changed = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    // Freshsales documents cannot be updated through its API (a changed
    // one fails the delta: docs/benchmarks.md "What remains").
    if (e.path().extension() != ".csv" ||
        e.path().filename() == "documents.csv")
      continue;
    auto records = testing::CsvRecords(ReadAll(e.path().string()));
    if (records.size() < 2) continue;
    const auto& header = records[0];
    auto column = [&header](const std::string& name) -> int {
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) return static_cast<int>(i);
      }
      return -1;
    };
    int updated = column("updated_at");
    if (updated < 0) continue;
    int text = -1;
    for (const char* name : {"city", "description", "note", "notes", "title",
                             "procedure_description", "plan_name", "name"}) {
      if ((text = column(name)) >= 0) break;
    }
    std::string out;
    for (size_t r = 0; r < records.size(); ++r) {
      auto& row = records[r];
      if (r > 0 && r % 100 == 0 && row.size() == header.size()) {
        row[updated] = when;
        if (text >= 0 && !row[text].empty()) row[text] += " (changed)";
        ++changed;
      }
      for (size_t c = 0; c < row.size(); ++c) {
        absl::StrAppend(&out, c ? "," : "", Quote(row[c]));
      }
      out += "\n";
    }
    std::ofstream(e.path()) << out;
  }
  return changed;
}

// The transform path against Miller on patients.csv.
struct MillerFigures {
  bool ok = false;
  std::string error;
  int64_t records = 0;
  double ours_s = 0, miller_s = 0;
  double ours_cpu_s = 0, miller_cpu_s = 0;
  std::string load;
};

double ThreadCpu() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// The pbn-freshsales patient -> contact mapping in Miller's DSL: renames,
// the joined address, the constants, the external key, the two value
// lists, the body wrapped as the contact's.
constexpr char kMillerMapping[] = R"(begin {
  @status = {"active": "Active", "inactive": "Inactive", "archived": "Inactive"};
  @contact = {"sms": "SMS", "email": "Email", "phone": "Phone"};
}
$* = {"contact": {
  "first_name": $first_name, "last_name": $last_name, "email": $email,
  "mobile_number": $mobile_phone, "work_number": $work_phone,
  "address": $address_line1 . ", " . $address_line2,
  "city": $city, "state": $state, "zipcode": $postal_code,
  "country": $country, "lifecycle_stage": "Customer",
  "external_id": "pbn:patient:" . $patient_id,
  "owner_id": 1,
  "custom_field": {"cf_date_of_birth": $birth_date,
    "cf_patient_status": @status[$status],
    "cf_preferred_contact": @contact[$preferred_contact],
    "cf_referral_source": $referral_source}}})";

MillerFigures CompareWithMiller(const std::string& data,
                                const std::string& root) {
  MillerFigures m;
  m.load = LoadAverage();
  std::ifstream in(SourceDir() + "/examples/pbn-freshsales/map.yaml");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  auto map = mapping::ParseMap(text, "map.yaml");
  if (!map.ok()) {
    m.error = std::string(map.status().message());
    return m;
  }
  const mapping::ObjectRoute* route = nullptr;
  for (const auto& r : map->objects) {
    if (r.source == "patient" && r.target == "contact") {
      route = &r;  // patient_contact, the first
      break;
    }
  }
  // Ours: the PBN source types each row, TransformRecord maps it, the
  // contact's body is encoded; one JSON line per record. Reading and
  // mapping run on two threads with a few batches between them, as they do
  // in the extractor and transformer processes (and as Miller's reader and
  // mapper do); the CPU figure is both threads'.
  {
    const double start = Now(), cpu = ThreadCpu();
    v1::PbnCsvSourceConfig c;
    c.set_directory(data);
    c.set_time_zone("America/Chicago");
    c.set_currency("USD");
    auto source = extractor::MakePbnCsvSource(c);
    auto reader = (*source)->Open("patient", "", std::nullopt);
    if (!reader.ok()) {
      m.error = std::string(reader.status().message());
      return m;
    }
    // The fields the map reads, as a run asks the extractor for them.
    std::optional<std::vector<std::string>> fields =
        mapping::FieldsRead(*map, "patient");
    absl::flat_hash_set<std::string> selected;
    if (fields) selected.insert(fields->begin(), fields->end());
    if (fields && !(*reader)->SelectFields(selected)) {
      m.error = "the PBN reader does not select fields";
      return m;
    }
    absl::flat_hash_map<std::string, std::string> owners;
    mapping::TransformContext ctx;
    ctx.system = "pbn";
    ctx.owner_emails = &owners;
    std::ofstream out(root + "/ours.jsonl");
    // Batches between the two threads: at most 4, `done` after the last.
    struct Handoff {
      // Each batch in its own arena, as the services read them.
      std::deque<ArenaMessage<v1::RecordBatch>> queue;
      bool done = false;
      absl::Status status;
      bool Room() const { return queue.size() < 4; }
      bool Ready() const { return !queue.empty() || done; }
    } h;
    absl::Mutex mu;
    std::thread read([&] {
      while (true) {
        ArenaMessage<v1::RecordBatch> batch;
        absl::StatusOr<bool> more = (*reader)->Next(500, batch.get());
        absl::MutexLock lock(&mu);
        mu.Await(absl::Condition(&h, &Handoff::Room));
        if (batch->records_size() > 0) h.queue.push_back(std::move(batch));
        if (!more.ok() || !*more) {
          h.status = more.status();
          h.done = true;
          return;
        }
      }
    });
    while (true) {
      std::optional<ArenaMessage<v1::RecordBatch>> batch;
      {
        absl::MutexLock lock(&mu);
        mu.Await(absl::Condition(&h, &Handoff::Ready));
        if (h.queue.empty()) break;
        batch.emplace(std::move(h.queue.front()));
        h.queue.pop_front();
      }
      for (const auto& r : (*batch)->records()) {
        mapping::TransformResult t = mapping::TransformRecord(*route, r, ctx);
        ++m.records;
        if (!t.target) continue;
        out << crm::DumpJson(crm::NullRecordBody({&*t.target, "1", {}}))
            << "\n";
      }
    }
    read.join();
    out.close();
    m.ours_s = Now() - start;
    m.ours_cpu_s = ThreadCpu() - cpu;
    if (!h.status.ok()) {
      m.error = std::string(h.status.message());
      return m;
    }
  }
  {
    const double start = Now();
    pid_t child = Spawn(
        {"sh", "-c",
         absl::StrCat("mlr --icsv --ojsonl --allow-ragged-csv-input put '",
                      kMillerMapping, "' ", data, "/patients.csv > ", root,
                      "/miller.jsonl")},
        root + "/miller.log");
    int status = 0;
    rusage usage{};
    wait4(child, &status, 0, &usage);
    m.miller_s = Now() - start;
    // The shell's children (mlr) are in its rusage only via RUSAGE_CHILDREN
    // of the shell; sh -c execs mlr directly when it is the only command.
    m.miller_cpu_s = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                     (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      m.error = "mlr failed (is Debian's miller installed? see " + root +
                "/miller.log)";
      return m;
    }
  }
  m.ok = true;
  return m;
}

class Bench {
 public:
  // `batch_size`: run.batch_size of every run; 0 keeps the example's.
  Bench(std::string root, int64_t records, int batch_size)
      : root_(std::move(root)),
        target_records_(records),
        batch_size_(batch_size) {}

  // Generates about `target_records_` records; false on failure.
  bool Prepare() {
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = root_ + "/bench.log";
    // Rows per patient, from a small export of the same shape.
    const std::string probe = root_ + "/probe";
    if (RunCommand({Bin("bridgework-gen-sample"), "--out", probe, "--patients",
                    "1000", "--seed", "7"},
                   log_) != 0) {
      return false;
    }
    const double per_patient = CountRows(probe) / 1000.0;
    fs::remove_all(probe);
    patients_ = std::max<int64_t>(
        10, static_cast<int64_t>(target_records_ / per_patient + 0.5));
    data_ = root_ + "/data";
    const double start = Now();
    if (RunCommand({Bin("bridgework-gen-sample"), "--out", data_, "--patients",
                    absl::StrCat(patients_), "--seed", "7"},
                   log_) != 0) {
      return false;
    }
    std::printf("generated %lld patients (%.2f rows each) in %.1f s\n",
                static_cast<long long>(patients_), per_patient, Now() - start);
    return true;
  }

  // A run config loading into `account` (the pbn-freshsales example's map
  // and batch size, or `batch_size_` when set).
  std::string Config(const std::string& dir) {
    std::string path = testing::WriteExampleConfig("pbn-freshsales", data_,
                                                   dir + "/config.yaml");
    if (batch_size_ > 0) {
      std::string text;
      {
        std::ifstream in(path);
        text.assign(std::istreambuf_iterator<char>(in), {});
      }
      std::ofstream(path) << std::regex_replace(
          text, std::regex("\n  batch_size: [0-9]+\n"),
          absl::StrCat("\n  batch_size: ", batch_size_, "\n"));
    }
    return path;
  }

  RunFigures RunNull() {
    const std::string dir = root_ + "/null";
    fs::create_directories(dir);
    testing::ReplicaSuiteOptions o;
    o.dir = dir;
    o.crm = "null";
    o.null_users =
        "owner@bridgework.example,dr.rivera@smilebright.example,"
        "dr.chen@smilebright.example";
    o.loader_args = {"--plan", "enterprise"};
    testing::ReplicaSuite suite;
    RunFigures fig;
    fig.name = "null";
    if (!suite.Start(o, &fig.error)) return fig;
    std::string config = Config(dir);
    const std::string cli_log = dir + "/cli.log";
    if (RunCommand({Bin("bridgework"), "approve",
                    SourceDir() + "/examples/pbn-freshsales/map.yaml", "--by",
                    "bench", "--services", suite.services()},
                   cli_log) != 0) {
      fig.error = "approve failed (see " + cli_log + ")";
      return fig;
    }
    fig = MeasureCommand(
        "null",
        {Bin("bridgework"), "migrate", "--config", config, "--services",
         suite.services(), "--report-json", dir + "/report.json"},
        ServicePids(getpid()), dir + "/report.json", cli_log);
    suite.StopAll();
    return fig;
  }

  // The migration into the Freshsales emulator, then the two deltas
  // (unless `deltas` is false). Appends to `out`.
  void RunFreshsales(bool deltas, std::vector<RunFigures>* out) {
    const std::string dir = root_ + "/freshsales";
    fs::create_directories(dir);
    std::string config = Config(dir);
    const std::string log = dir + "/up.log", cli_log = dir + "/cli.log";
    setenv("BRIDGEWORK_CRM_TOKEN", kToken, 1);
    pid_t up = Spawn({Bin("bridgework"), "up", "--emulator", "freshsales",
                      "--config", config, "--state-dir", dir + "/state",
                      "--requests-per-hour", "2000000000"},
                     log);
    const std::string services = dir + "/state/services.json";
    RunFigures fig;
    fig.name = "freshsales";
    if (!testing::WaitForFile(services, 60)) {
      fig.error = "bridgework up failed (see " + log + ")";
      Stop(&up);
      out->push_back(fig);
      return;
    }
    json addresses = json::parse(ReadAll(services), nullptr, false);
    const std::string emulator = "http://" + addresses.value("emulator", "");
    RunCommand({Bin("bridgework"), "approve",
                SourceDir() + "/examples/pbn-freshsales/map.yaml", "--by",
                "bench", "--services", services},
               cli_log);
    auto emulator_requests = [&emulator] {
      return testing::RequestsByRoute(emulator);
    };
    auto run = [&](const std::string& name, const std::string& command) {
      const std::map<std::string, int64_t> sent = emulator_requests();
      RunFigures f = MeasureCommand(
          name,
          {Bin("bridgework"), command, "--config", config, "--services",
           services, "--report-json", dir + "/" + name + ".json"},
          ServicePids(up), dir + "/" + name + ".json", cli_log);
      // What reached the CRM, owner lookups and schema reads included.
      for (const auto& [route, n] : emulator_requests()) {
        auto before = sent.find(route);
        int64_t d = n - (before == sent.end() ? 0 : before->second);
        if (route.empty()) {
          f.requests = d;
        } else if (d > 0) {
          f.requests_by_route[route] = d;
        }
      }
      return f;
    };
    out->push_back(run("freshsales", "migrate"));
    if (deltas && out->back().ok) {
      changed_ = ChangeOnePercent(data_, "2031-01-01 09:00:00");
      out->push_back(run("delta 1%", "delta"));
      out->push_back(run("delta 0", "delta"));
      // The same share changed again, its before-images from the ledger.
      ChangeOnePercent(data_, "2031-01-02 09:00:00");
      std::string text = ReadAll(config);
      const size_t at = text.find("\nrun:\n");
      if (at == std::string::npos) {
        RunFigures f;
        f.name = "delta 1% ledger";
        f.error = "the example config has no run section";
        out->push_back(f);
      } else {
        text.insert(at + 6,
                    "  crm_edited: overwrite\n  before_image: ledger\n");
        std::ofstream(config) << text;
        out->push_back(run("delta 1% ledger", "delta"));
      }
    }
    Stop(&up);
  }

  const std::string& data() const { return data_; }
  int64_t changed() const { return changed_; }
  int64_t patients() const { return patients_; }

 private:
  std::string root_;
  int64_t target_records_;
  int batch_size_;
  int64_t patients_ = 0;
  int64_t changed_ = 0;
  std::string data_, log_;
};

void PrintRun(const RunFigures& f) {
  if (!f.ok) {
    std::printf("%-15s error: %s\n", f.name.c_str(), f.error.c_str());
    return;
  }
  std::printf("%-15s %9lld %8.2f s %10.0f %9lld %9.0f %8.1f |", f.name.c_str(),
              static_cast<long long>(f.records), f.wall_s,
              f.wall_s > 0 ? f.records / f.wall_s : 0,
              static_cast<long long>(f.requests),
              f.wall_s > 0 ? f.operations / f.wall_s : 0,
              f.ServiceCpuPerRecord());
  for (const char* svc : kServices) {
    auto it = f.services.find(svc);
    if (it == f.services.end()) {
      std::printf(" %15s", "-");
      continue;
    }
    std::printf(" %6.1f %6.0fMB",
                f.records > 0 ? it->second.cpu_s * 1e6 / f.records : 0,
                it->second.hwm_kb / 1024.0);
  }
  std::printf("  load %s -> %s\n", f.load_before.c_str(), f.load_after.c_str());
}

}  // namespace
}  // namespace bridgework::bench

int main(int argc, char** argv) {
  using namespace bridgework::bench;  // NOLINT
  CLI::App app{"e2e_bench: records through the four services"};
  int64_t records = 1000000;
  std::string out = "bench/results/e2e.json", only;
  bool keep = false, skip_delta = false;
  app.add_option("--records", records, "source records to generate (about)");
  app.add_option("--only", only, "null, freshsales or miller");
  app.add_flag("--skip-delta", skip_delta, "no delta runs after freshsales");
  app.add_flag("--keep", keep, "keep the data, ledgers and logs");
  int batch_size = 0;
  app.add_option("--batch-size", batch_size,
                 "run.batch_size of every run (default: the example "
                 "config's)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--out", out, "results file");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  const std::string root = (std::filesystem::temp_directory_path() /
                            absl::StrCat("bw-e2e-bench-", getpid()))
                               .string();
  Bench bench(root, records, batch_size);
  if (!bench.Prepare()) {
    std::fprintf(stderr, "e2e_bench: cannot generate the sample data\n");
    return 1;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  std::printf("%u cores; load %s\n\n", cores, LoadAverage().c_str());
  std::printf(
      "%-15s %9s %10s %10s %9s %9s %8s | %-15s %-15s %-15s %-15s %-15s\n",
      "run", "records", "wall", "records/s", "requests", "ledger/s", "us/rec",
      "extractor", "transformer", "loader", "auditor", "emulator");
  std::printf(
      "%-15s %9s %10s %10s %9s %9s %8s | %-15s %-15s %-15s %-15s %-15s\n", "",
      "", "", "", "", "ops", "services", "us/rec peak", "us/rec peak",
      "us/rec peak", "us/rec peak", "us/rec peak");
  std::vector<RunFigures> runs;
  bool all_ok = true;
  if (only.empty() || only == "null") {
    runs.push_back(bench.RunNull());
    PrintRun(runs.back());
  }
  if (only.empty() || only == "freshsales") {
    size_t first = runs.size();
    bench.RunFreshsales(!skip_delta, &runs);
    for (size_t i = first; i < runs.size(); ++i) PrintRun(runs[i]);
  }
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : runs) {
    all_ok = all_ok && r.ok;
    results.push_back(r.ToJson());
  }
  nlohmann::json delta = nlohmann::json::object();
  const RunFigures* full = nullptr;
  for (const auto& r : runs) {
    if (r.name == "freshsales" && r.ok) full = &r;
  }
  for (const auto& r : runs) {
    if (!absl::StartsWith(r.name, "delta") || !r.ok || full == nullptr)
      continue;
    double share = full->requests > 0
                       ? static_cast<double>(r.requests) / full->requests
                       : 0;
    std::printf(
        "%-15s %lld requests = %.2f %% of the full run's %lld; "
        "%.2f s = %.2f %% of its time\n",
        r.name.c_str(), static_cast<long long>(r.requests), 100 * share,
        static_cast<long long>(full->requests), r.wall_s,
        100 * r.wall_s / full->wall_s);
    for (const auto& [route, n] : r.requests_by_route) {
      std::printf("  %6lld  %s\n", static_cast<long long>(n), route.c_str());
    }
    delta[r.name] = {{"requests", r.requests},
                     {"requests_by_route", r.requests_by_route},
                     {"requests_share_of_full", share},
                     {"wall_seconds", r.wall_s},
                     {"time_share_of_full", r.wall_s / full->wall_s}};
  }
  if (bench.changed() > 0) delta["changed_rows"] = bench.changed();
  nlohmann::json miller;
  if (only.empty() || only == "miller") {
    MillerFigures m = CompareWithMiller(bench.data(), root);
    if (!m.ok) {
      std::printf("miller: error: %s\n", m.error.c_str());
      all_ok = false;
    } else {
      std::printf(
          "\npatients.csv -> contact JSON, %lld records (load %s)\n"
          "  transform path  %7.3f s  %9.0f records/s  cpu %.3f s\n"
          "  miller          %7.3f s  %9.0f records/s  cpu %.3f s\n"
          "  miller / ours   %.2fx the time\n",
          static_cast<long long>(m.records), m.load.c_str(), m.ours_s,
          m.records / m.ours_s, m.ours_cpu_s, m.miller_s,
          m.records / m.miller_s, m.miller_cpu_s, m.miller_s / m.ours_s);
    }
    miller = {{"ok", m.ok},
              {"error", m.error},
              {"records", m.records},
              {"ours_seconds", m.ours_s},
              {"ours_cpu_seconds", m.ours_cpu_s},
              {"miller_seconds", m.miller_s},
              {"miller_cpu_seconds", m.miller_cpu_s},
              {"miller_over_ours", m.ours_s > 0 ? m.miller_s / m.ours_s : 0},
              {"load", m.load}};
  }
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << nlohmann::json{{"cores", cores},
                                       {"target_records", records},
                                       {"patients", bench.patients()},
                                       {"runs", results},
                                       {"delta", delta},
                                       {"miller", miller}}
                            .dump(2)
                     << "\n";
  std::printf("\nresults: %s\n", out.c_str());
  if (!keep) std::filesystem::remove_all(root);
  return all_ok ? 0 : 1;
}
