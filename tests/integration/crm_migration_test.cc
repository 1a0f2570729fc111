// Issue 3: each seed pair end to end through the real binaries — the
// `bridgework` CLI starts the four services and the CRM's emulator
// (`bridgework up --emulator <crm>`), migrates the generated sample data
// with the shipped example map, rolls the run back and verifies it by
// reading the CRM back. For Pipedrive and HighLevel the emulator records
// every exchange, and the recorded traffic is replayed through the
// official OpenAPI specs (tests/conformance/openapi/validate.mjs): any
// mismatch fails the test.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/crm/http_client.h"
#include "libs/mapping/map.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Bin(const std::string& name) {
  const char* dir = std::getenv("BRIDGEWORK_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

std::string SourceDir() {
  const char* dir = std::getenv("BRIDGEWORK_SOURCE_DIR");
  return dir ? dir : ".";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::fopen(log.c_str(), "a");
    if (f) {
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int RunCommand(const std::vector<std::string>& argv, const std::string& log) {
  return Wait(Spawn(argv, log));
}

json GetJson(const std::string& url) {
  auto http = crm::MakeCurlHttpClient();
  auto r = http->Send(crm::HttpRequest::Get(url));
  if (!r.ok()) return json();
  return json::parse(r->body, nullptr, false);
}

// How to read one CRM's emulator state: the state key of each target
// object, and whether a record there is live (soft deletes stay in state).
struct CrmCase {
  std::string crm;
  std::string example;  // examples/<example>/
  // target object of the map -> key in /__sandbox/state
  std::map<std::string, std::string> state_keys;
  bool validate_openapi = false;
  // The sample is generated with bridgework-gen-sample (PbN); otherwise
  // the example's committed export (examples/<example>/data) is read.
  bool generate = true;
};

std::vector<CrmCase> Cases() {
  return {
      {"pipedrive",
       "pbn-pipedrive",
       {{"organization", "organizations"},
        {"person", "persons"},
        {"deal", "deals"},
        {"activity", "activities"},
        {"note", "notes"},
        {"file", "files"}},
       true},
      {"highlevel",
       "pbn-highlevel",
       {{"business", "businesses"},
        {"contact", "contacts"},
        {"opportunity", "opportunities"},
        {"note", "notes"},
        {"task", "tasks"},
        {"custom_object:appointment",
         "records?objectKey=custom_objects.appointment"},
        {"custom_object:treatment_history",
         "records?objectKey=custom_objects.treatment_history"},
        {"custom_object:insurance",
         "records?objectKey=custom_objects.insurance"},
        {"custom_object:communication",
         "records?objectKey=custom_objects.communication"},
        {"custom_object:form_submission",
         "records?objectKey=custom_objects.form_submission"}},
       true},
      {"freshsales",
       "drdentes-freshsales",
       {{"sales_account", "sales_accounts"},
        {"product", "products"},
        {"contact", "contacts"},
        {"deal", "deals"},
        {"sales_activity", "sales_activities"},
        {"note", "notes"},
        {"task", "tasks"},
        {"custom_object:cm_imaging_record", "custom_module/cm_imaging_record"},
        {"custom_object:cm_lab_order", "custom_module/cm_lab_order"},
        {"custom_object:cm_prescription", "custom_module/cm_prescription"}},
       false,
       false},
      {"freshsales",
       "clinic-freshsales",
       {{"sales_account", "sales_accounts"},
        {"contact", "contacts"},
        {"deal", "deals"},
        {"sales_activity", "sales_activities"},
        {"task", "tasks"},
        {"note", "notes"},
        {"document", "documents"},
        {"custom_object:cm_treatment_plan", "custom_module/cm_treatment_plan"},
        {"custom_object:cm_lab_result", "custom_module/cm_lab_result"}},
       false,
       false},
  };
}

bool Live(const json& record) {
  if (!record.is_object()) return false;
  if (record.value("is_deleted", false)) return false;
  if (record.contains("deleted") && record["deleted"].is_boolean() &&
      record["deleted"].get<bool>())
    return false;
  // Pipedrive files: deleted ones keep reading back with active_flag false.
  if (record.contains("active_flag") && record["active_flag"] == false)
    return false;
  return true;
}

// `key` is a state key, optionally with one filter: "records?objectKey=x"
// counts the live records whose objectKey is x; "custom_module/cm_x" names
// the array under state["custom_module"]["cm_x"].
size_t LiveCount(const json& state, const std::string& key) {
  std::string name = key;
  std::string field;
  std::string value;
  size_t q = key.find('?');
  if (q != std::string::npos) {
    name = key.substr(0, q);
    size_t eq = key.find('=', q);
    field = key.substr(q + 1, eq - q - 1);
    value = key.substr(eq + 1);
  }
  const json* records = &state;
  for (const auto& part : absl::StrSplit(name, '/')) {
    std::string k(part);
    if (!records->is_object() || !records->contains(k)) return 0;
    records = &(*records)[k];
  }
  if (!records->is_array()) return 0;
  size_t n = 0;
  for (const auto& r : *records) {
    if (!field.empty() && (!r.is_object() || r.value(field, "") != value))
      continue;
    n += Live(r) ? 1 : 0;
  }
  return n;
}

class CrmMigrationTest : public ::testing::TestWithParam<CrmCase> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            absl::StrCat("bw-crm-", GetParam().example, "-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    log_ = (root_ / "commands.log").string();
    std::string example = SourceDir() + "/examples/" + GetParam().example;
    std::string data = (root_ / "data").string();
    if (GetParam().generate) {
      ASSERT_EQ(RunCommand({Bin("bridgework-gen-sample"), "--out", data,
                            "--patients", "60", "--seed", "11"},
                           log_),
                0)
          << ReadAll(log_);
    } else {
      data = fs::absolute(example + "/data").string();
    }
    // The shipped example config, pointed at the data (and its layout).
    std::string text = ReadAll(example + "/config.yaml");
    ASSERT_FALSE(text.empty()) << example << "/config.yaml";
    config_ = (root_ / "config.yaml").string();
    std::string map_line = "map: " + example + "/map.yaml";
    size_t at = text.find("\nmap:");
    ASSERT_NE(at, std::string::npos);
    size_t end = text.find('\n', at + 1);
    text.replace(at + 1, end - at - 1, map_line);
    at = text.find("directory:");
    ASSERT_NE(at, std::string::npos);
    end = text.find('\n', at);
    text.replace(at, end - at, "directory: " + data);
    at = text.find("layout:");
    if (at != std::string::npos) {
      end = text.find('\n', at);
      text.replace(
          at, end - at,
          "layout: " + fs::absolute(example + "/layout.yaml").string());
    }
    std::ofstream(config_) << text;
  }

  void TearDown() override {
    if (up_ > 0) {
      kill(up_, SIGTERM);
      Wait(up_);
    }
    if (!HasFailure()) fs::remove_all(root_);
  }

  fs::path root_;
  std::string log_;
  std::string config_;
  pid_t up_ = -1;
};

TEST_P(CrmMigrationTest, MigratesEveryObjectThenRollsBackVerified) {
  const CrmCase& c = GetParam();
  std::string state_dir = (root_ / "state").string();
  std::string traffic = (root_ / "traffic.jsonl").string();
  up_ = Spawn({Bin("bridgework"), "up", "--emulator", c.crm, "--config",
               config_, "--state-dir", state_dir, "--traffic-log", traffic,
               "--requests-per-hour", "360000"},
              log_);
  std::string services = state_dir + "/services.json";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(services) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(fs::exists(services)) << ReadAll(log_);
  json addrs = json::parse(ReadAll(services));
  std::string emulator = "http://" + addrs.value("emulator", "");

  // The pre-migration check: owners by email (the sample has providers
  // without CRM users), and a schema the loader can complete itself.
  std::string check = (root_ / "check.json").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "check", "--config", config_,
                        "--services", services, "--report-json", check},
                       log_),
            0)
      << ReadAll(log_);
  json pre = json::parse(ReadAll(check));
  EXPECT_FALSE(pre["unmatched_owners"].empty()) << pre.dump(2);
  EXPECT_FALSE(pre["owners"].empty());
  EXPECT_TRUE(pre.value("ready", false)) << pre.dump(2);

  std::string report = (root_ / "report.json").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "migrate", "--config", config_,
                        "--services", services, "--report-json", report},
                       log_),
            0)
      << ReadAll(log_);
  json rep = json::parse(ReadAll(report));
  ASSERT_TRUE(rep.value("balanced", false)) << rep.dump(2);
  EXPECT_GT(rep.value("requests", 0), 0);

  // Every loaded record is in the CRM, object by object.
  std::string map_path = SourceDir() + "/examples/" + c.example + "/map.yaml";
  auto map = mapping::ParseMap(ReadAll(map_path), map_path);
  ASSERT_TRUE(map.ok()) << map.status();
  json state = GetJson(emulator + "/__sandbox/state");
  int64_t loaded_total = 0;
  // Loaded per group of target objects: several source objects may share
  // a target (Pipedrive appointments and recalls are both activities), and
  // one source object's routes may have several targets (conditional
  // routes: appointments as tasks or sales activities), so targets linked
  // either way are counted together.
  std::map<std::string, std::string> group_of;  // target -> group's target
  auto find = [&group_of](std::string t) {
    while (group_of.count(t) && group_of[t] != t) t = group_of[t];
    return t;
  };
  std::map<std::string, std::vector<std::string>> targets_of;
  for (const auto& route : map->objects) {
    if (route.kind != mapping::ObjectRoute::Kind::kLoad || route.into) continue;
    targets_of[route.source].push_back(route.target);
    if (!group_of.count(route.target)) group_of[route.target] = route.target;
    group_of[find(route.target)] = find(targets_of[route.source].front());
  }
  std::map<std::string, int64_t> loaded_by_group;
  for (const auto& o : rep["objects"]) {
    std::string source = o.value("source_object", "");
    ASSERT_FALSE(map->RoutesOf(source).empty()) << o.dump();
    int64_t loaded = o.value("loaded", int64_t{0});
    loaded_total += loaded;
    auto targets = targets_of.find(source);
    if (targets == targets_of.end() || loaded == 0) continue;
    loaded_by_group[find(targets->second.front())] += loaded;
  }
  for (const auto& [group, loaded] : loaded_by_group) {
    int64_t live = 0;
    for (const auto& [target, parent] : group_of) {
      if (find(target) != group) continue;
      auto key = c.state_keys.find(target);
      ASSERT_NE(key, c.state_keys.end()) << "no state key for " << target;
      live += static_cast<int64_t>(LiveCount(state, key->second));
    }
    EXPECT_EQ(live, loaded) << "records of " << group << " and the targets "
                            << "loaded with it";
  }
  EXPECT_GT(loaded_total, 0);
  // Owners: matched ones and the fallback are CRM users.
  ASSERT_TRUE(rep.contains("extra")) << rep.dump(2);
  ASSERT_FALSE(rep["extra"]["owners"].empty());

  // Roll back; the CLI reads every record back and reports it verified.
  std::string run = rep["run"].value("id", "");
  ASSERT_FALSE(run.empty());
  std::string rollback_log = (root_ / "rollback.log").string();
  ASSERT_EQ(RunCommand({Bin("bridgework"), "rollback", "--run", run,
                        "--services", services},
                       rollback_log),
            0)
      << ReadAll(rollback_log);
  EXPECT_THAT(ReadAll(rollback_log),
              ::testing::HasSubstr("verified by reading the CRM back"));
  state = GetJson(emulator + "/__sandbox/state");
  for (const auto& [target, key] : c.state_keys) {
    EXPECT_EQ(LiveCount(state, key), 0u) << key << " after rollback";
  }

  // Stop the suite so the traffic log is complete, then replay it through
  // the official specs.
  kill(up_, SIGTERM);
  EXPECT_EQ(Wait(up_), 0);
  up_ = -1;
  if (c.validate_openapi) {
    std::string shared = SourceDir() + "/../shared";
    if (const char* s = std::getenv("BRIDGEWORK_SHARED_DIR")) shared = s;
    std::string validate_log = (root_ / "validate.log").string();
    int rc = RunCommand(
        {"node", SourceDir() + "/tests/conformance/openapi/validate.mjs",
         "--crm", c.crm, "--specs", shared + "/specs", "--traffic", traffic},
        validate_log);
    EXPECT_EQ(rc, 0) << ReadAll(validate_log);
  }
}

INSTANTIATE_TEST_SUITE_P(SeedPairs, CrmMigrationTest,
                         ::testing::ValuesIn(Cases()), [](const auto& info) {
                           std::string name = info.param.example;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace bridgework
