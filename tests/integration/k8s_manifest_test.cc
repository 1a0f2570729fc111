// Issue 9: deploy/k8s's local overlay tested as a deployment, not as text.
// The test renders the overlay with `kubectl kustomize`, then plays the
// cluster on this machine: each workload becomes one pod whose containers
// run as local processes with the manifest's own command, args and
// environment, the image's /usr/local/bin mapped to build/bin. What the
// cluster would provide is emulated:
//   - DNS: `<service>[.<ns>[.svc[.cluster.local]]]:<port>` in args,
//     environment values and mounted files becomes 127.0.0.1 and the local
//     port of the container port the Service targets; a container's own
//     `0.0.0.0:<containerPort>` (or `--port=<containerPort>`) its local port;
//   - volumes: ConfigMaps, Secrets (decoded) and claims are materialised
//     under a temporary "cluster root", emptyDirs under the pod's own root,
//     and each path a container is given that lies under one of its mounts
//     is re-rooted there; an absolute path under no mount (outside the
//     image's /usr) fails the test, as the read-only root filesystem would;
//   - init containers run to completion first; readiness, liveness and
//     startup probes (gRPC, HTTP, TCP) must pass before the Jobs run;
//   - the Jobs (suspended templates) run in order: approve, then migrate.
// It then checks the migration succeeded (report and CRM emulator state),
// that the NetworkPolicies allow exactly the pod-to-pod hops the manifests
// configure, that each service's metrics port serves Prometheus metrics,
// that the CRM token appears in no log, and that every service stops
// cleanly on SIGTERM. A wrong flag, port, Service, volume or key in a
// manifest makes a process fail and the test with it.
//
// Not emulated: several replicas (one pod per workload), user ids and
// read-only mounts (the processes run as the test's user), and per-pod
// filesystem isolation (a pod could read a path only another pod mounts;
// the test instead requires a claim mounted by several pods to be mounted
// at the same path in each, since the controller, extractor and loader
// pass the export's paths to one another).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/crm/http_client.h"
#include "tests/integration/process_util.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::Bin;
using testing::ReadAll;
using testing::SourceDir;

// Where the Dockerfile installs the executables.
constexpr char kImageBinDir[] = "/usr/local/bin/";
constexpr char kOverlay[] = "deploy/k8s/overlays/local";

// ---- Rendered objects -----------------------------------------------------

// YAML as JSON, every scalar a string (kubectl renders ports and booleans
// plain; the accessors below convert).
json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json j = json::object();
      for (const auto& kv : n)
        j[kv.first.as<std::string>()] = ToJson(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      json j = json::array();
      for (const auto& e : n) j.push_back(ToJson(e));
      return j;
    }
    case YAML::NodeType::Scalar:
      return n.Scalar();
    default:
      return nullptr;
  }
}

std::string Str(const json& j) {
  return j.is_string() ? j.get<std::string>() : "";
}
int Int(const json& j) {
  int v = -1;
  return absl::SimpleAtoi(Str(j), &v) ? v : -1;
}
bool Bool(const json& j) { return Str(j) == "true"; }
const json& At(const json& j, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* at = &j;
  for (const char* k : path) {
    if (!at->is_object() || !at->contains(k)) return kNull;
    at = &(*at)[k];
  }
  return *at;
}
const json& Items(const json& j) {
  static const json kEmpty = json::array();
  return j.is_array() ? j : kEmpty;
}

bool Selects(const json& match_labels, const json& labels) {
  if (!match_labels.is_object()) return false;
  for (const auto& [k, v] : match_labels.items()) {
    if (!labels.is_object() || Str(At(labels, {k.c_str()})) != Str(v))
      return false;
  }
  return true;
}

// kubectl kustomize <dir>, or "" with the error in *error.
std::string Render(const std::string& dir, const fs::path& work,
                   std::string* error) {
  std::string err_file = (work / "kustomize.err").string();
  std::string cmd = "kubectl kustomize '" + dir + "' 2>'" + err_file + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *error = "cannot run kubectl";
    return "";
  }
  std::string out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  int status = pclose(p);
  if (status != 0) {
    *error =
        absl::StrCat("kubectl kustomize failed (is kubectl installed? ",
                     "tools/scripts/install-deps.sh): ", ReadAll(err_file));
    return "";
  }
  return out;
}

// ---- The emulated cluster -------------------------------------------------

struct Pod {
  std::string name;
  std::string workload;  // "Deployment/bridgework-loader"
  json labels;
  json spec;                         // the pod spec
  json claim_templates;              // a StatefulSet's volumeClaimTemplates
  std::map<int, int> local_port;     // containerPort -> 127.0.0.1 port
  std::map<std::string, int> named;  // port name -> containerPort
};

// A hop one container is configured to make: to a Service's pod and
// container port.
struct Hop {
  std::string from;  // pod name
  std::string to;    // pod name
  int port = 0;      // container port
  std::string via;   // "bridgework-loader:7103"
  bool operator<(const Hop& o) const {
    return std::tie(from, to, port) < std::tie(o.from, o.to, o.port);
  }
};

struct Mount {
  std::string path;  // mountPath in the container
  fs::path local;    // where it is materialised
};

struct Process {
  std::string pod, container;
  pid_t pid = -1;
  std::string log;
  std::vector<std::string> argv;
};

class Cluster {
 public:
  Cluster(std::vector<json> objects, fs::path root)
      : objects_(std::move(objects)), root_(std::move(root)) {}
  ~Cluster() { StopAll(); }

  const std::vector<json>& objects() const { return objects_; }
  const json* Find(const std::string& kind, const std::string& name) const {
    for (const auto& o : objects_)
      if (Str(At(o, {"kind"})) == kind &&
          Str(At(o, {"metadata", "name"})) == name)
        return &o;
    return nullptr;
  }
  std::map<std::string, Pod>& pods() { return pods_; }
  const std::set<Hop>& hops() const { return hops_; }
  std::vector<Process>& processes() { return processes_; }
  std::string ns() const { return ns_; }

  // Pods of the workloads, Services, local ports. Failures are recorded.
  void Plan() {
    for (const auto& o : objects_) {
      const std::string kind = Str(At(o, {"kind"}));
      const std::string name = Str(At(o, {"metadata", "name"}));
      if (ns_.empty()) ns_ = Str(At(o, {"metadata", "namespace"}));
      if (kind != "Deployment" && kind != "StatefulSet" && kind != "Job")
        continue;
      Pod pod;
      pod.name = kind == "StatefulSet" ? name + "-0" : name + "-pod";
      pod.workload = kind + "/" + name;
      pod.labels = At(o, {"spec", "template", "metadata", "labels"});
      pod.spec = At(o, {"spec", "template", "spec"});
      pod.claim_templates = At(o, {"spec", "volumeClaimTemplates"});
      EXPECT_TRUE(
          Selects(At(o, {"spec", "selector", "matchLabels"}), pod.labels) ||
          kind == "Job")
          << pod.workload << ": its selector does not select its pods";
      // Service links are not emulated; the manifests turn them off (their
      // BRIDGEWORK_*_PORT variables could shadow the flags' variables).
      EXPECT_EQ(Str(At(pod.spec, {"enableServiceLinks"})), "false")
          << pod.workload;
      for (const char* list : {"initContainers", "containers"}) {
        for (const auto& c : Items(pod.spec[list])) {
          for (const auto& p : Items(At(c, {"ports"}))) {
            const int cp = Int(At(p, {"containerPort"}));
            pod.local_port[cp] = FreePort();
            if (!Str(At(p, {"name"})).empty())
              pod.named[Str(At(p, {"name"}))] = cp;
          }
        }
      }
      pods_[pod.name] = std::move(pod);
    }
    ASSERT_FALSE(ns_.empty()) << "the overlay sets no namespace";
    for (const auto& o : objects_) {
      if (Str(At(o, {"kind"})) != "Service") continue;
      const std::string name = Str(At(o, {"metadata", "name"}));
      std::vector<Pod*> selected;
      for (auto& [_, pod] : pods_) {
        if (!absl::StartsWith(pod.workload, "Job/") &&
            Selects(At(o, {"spec", "selector"}), pod.labels))
          selected.push_back(&pod);
      }
      ASSERT_EQ(selected.size(), 1u)
          << "Service " << name << " must select the pods of one workload";
      for (const auto& p : Items(At(o, {"spec", "ports"}))) {
        const json& target =
            p.contains("targetPort") ? At(p, {"targetPort"}) : At(p, {"port"});
        int cp = Int(target);
        if (cp < 0) {
          auto it = selected[0]->named.find(Str(target));
          ASSERT_TRUE(it != selected[0]->named.end())
              << "Service " << name << ": no container port named "
              << Str(target);
          cp = it->second;
        }
        ASSERT_TRUE(selected[0]->local_port.count(cp))
            << "Service " << name << ": port " << cp << " is no container port";
        const std::string port = Str(At(p, {"port"}));
        for (const std::string& host :
             {absl::StrCat(name, ".", ns_, ".svc.cluster.local"),
              absl::StrCat(name, ".", ns_, ".svc"),
              absl::StrCat(name, ".", ns_), name}) {
          endpoints_.push_back({absl::StrCat(host, ":", port),
                                selected[0]->name, cp,
                                selected[0]->local_port[cp]});
        }
      }
    }
  }

  // Service names become 127.0.0.1 and local ports; hops are recorded for
  // `pod`. A Service named with a port it does not serve fails the test
  // (`who` says where), as the connection would in the cluster.
  std::string ResolveServices(const std::string& text, const std::string& pod,
                              std::set<Hop>* hops,
                              const std::string& who) const {
    // Where `needle` occurs at `at` as a whole host name followed by ':'.
    auto host_at = [](const std::string& s, size_t at, size_t len) {
      const bool left_ok =
          at == 0 || !(std::isalnum(static_cast<unsigned char>(s[at - 1])) ||
                       s[at - 1] == '-' || s[at - 1] == '.');
      return left_ok && at + len < s.size() && s[at + len] == ':';
    };
    std::string out = text;
    for (const auto& e : endpoints_) {
      const size_t host_len = e.host_port.find(':');
      size_t at = 0;
      while ((at = out.find(e.host_port, at)) != std::string::npos) {
        const size_t end = at + e.host_port.size();
        if (!host_at(out, at, host_len) ||
            (end < out.size() &&
             std::isdigit(static_cast<unsigned char>(out[end])))) {
          at = end;
          continue;
        }
        const std::string local = absl::StrCat("127.0.0.1:", e.local);
        out.replace(at, e.host_port.size(), local);
        at += local.size();
        if (hops) hops->insert({pod, e.pod, e.container_port, e.host_port});
      }
    }
    for (const auto& e : endpoints_) {
      const std::string host = e.host_port.substr(0, e.host_port.find(':'));
      for (size_t at = 0; (at = out.find(host, at)) != std::string::npos;
           at += host.size()) {
        if (host_at(out, at, host.size())) {
          ADD_FAILURE() << who << ": " << out.substr(at, host.size() + 6)
                        << "...: Service " << host << " serves no such port";
          break;
        }
      }
    }
    return out;
  }

  // Materialises the pod's volumes and returns each container's mounts.
  std::vector<Mount> MountsOf(const Pod& pod, const json& container) {
    std::vector<Mount> mounts;
    std::map<std::string, json> volumes;
    for (const auto& v : Items(At(pod.spec, {"volumes"})))
      volumes[Str(At(v, {"name"}))] = v;
    for (const auto& t : Items(pod.claim_templates)) {
      const std::string n = Str(At(t, {"metadata", "name"}));
      volumes[n] = {{"name", n},
                    {"persistentVolumeClaim",
                     {{"claimName", absl::StrCat(n, "-", pod.name)}}},
                    {"template", true}};
    }
    for (const auto& m : Items(At(container, {"volumeMounts"}))) {
      const std::string vname = Str(At(m, {"name"}));
      const std::string path = Str(At(m, {"mountPath"}));
      auto v = volumes.find(vname);
      if (v == volumes.end()) {
        ADD_FAILURE() << pod.name << ": mounts unknown volume " << vname;
        continue;
      }
      // What the volume is, and where its content lives.
      std::string identity;
      fs::path content;
      bool shared = true;
      const json& vol = v->second;
      if (vol.contains("emptyDir")) {
        shared = false;
        content = root_ / "pods" / pod.name / "volumes" / vname;
        identity = "emptyDir";
      } else if (vol.contains("persistentVolumeClaim")) {
        const std::string claim =
            Str(At(vol, {"persistentVolumeClaim", "claimName"}));
        if (!vol.contains("template") &&
            !Find("PersistentVolumeClaim", claim)) {
          ADD_FAILURE() << pod.name << ": no PersistentVolumeClaim " << claim;
          continue;
        }
        content = root_ / "volumes" / ("pvc-" + claim);
        identity = "pvc:" + claim;
        claim_paths_[claim].insert(path);
        pod_claims_[pod.name][path] = claim;
      } else if (vol.contains("configMap") || vol.contains("secret")) {
        const bool secret = vol.contains("secret");
        const std::string obj_name =
            secret ? Str(At(vol, {"secret", "secretName"}))
                   : Str(At(vol, {"configMap", "name"}));
        const json* obj = Find(secret ? "Secret" : "ConfigMap", obj_name);
        if (!obj) {
          ADD_FAILURE() << pod.name << ": no "
                        << (secret ? "Secret " : "ConfigMap ") << obj_name;
          continue;
        }
        const json& source =
            secret ? At(vol, {"secret"}) : At(vol, {"configMap"});
        identity = absl::StrCat(secret ? "secret:" : "configMap:", obj_name,
                                At(source, {"items"}).dump());
        content = root_ / "volumes" /
                  absl::StrCat(secret ? "secret-" : "cm-", obj_name, "-",
                               std::hash<std::string>{}(identity));
        MaterializeKeys(*obj, secret, source, content);
        for (const auto& hop : file_hops_[content.string()])
          hops_.insert({pod.name, hop.to, hop.port, hop.via});
      } else {
        ADD_FAILURE() << pod.name << ": volume " << vname
                      << " of a kind not emulated";
        continue;
      }
      fs::create_directories(content);
      const std::string sub = Str(At(m, {"subPath"}));
      fs::path source_path = sub.empty() ? content : content / sub;
      fs::path local =
          (shared ? root_ / "root" : root_ / "pods" / pod.name / "root") /
          fs::path(path).relative_path();
      if (shared) {
        auto [it, fresh] =
            shared_mounts_.emplace(local.string(), identity + "|" + sub);
        EXPECT_TRUE(fresh || it->second == identity + "|" + sub)
            << path
            << ": different volumes mounted at the same path in two pods";
      }
      if (!sub.empty() && !fs::exists(source_path)) {
        ADD_FAILURE() << pod.name << ": subPath " << sub << " is not in volume "
                      << vname;
        continue;
      }
      fs::create_directories(local.parent_path());
      std::error_code ec;
      if (!fs::is_symlink(local, ec)) fs::create_symlink(source_path, local);
      mounts.push_back({path, local});
    }
    return mounts;
  }

  // The value with a path under one of `mounts` re-rooted; an absolute path
  // under none (outside /usr, the image's own files) fails the test.
  std::string ResolvePath(const std::string& value,
                          const std::vector<Mount>& mounts,
                          const std::string& who) const {
    std::string prefix, path = value;
    if (absl::StartsWith(value, "--") && value.find('=') != std::string::npos) {
      prefix = value.substr(0, value.find('=') + 1);
      path = value.substr(prefix.size());
    }
    if (!absl::StartsWith(path, "/")) return value;
    const Mount* best = nullptr;
    for (const auto& m : mounts) {
      if (path == m.path || absl::StartsWith(path, m.path + "/")) {
        if (!best || m.path.size() > best->path.size()) best = &m;
      }
    }
    if (!best) {
      EXPECT_TRUE(absl::StartsWith(path, "/usr/"))
          << who << ": " << path
          << " is on the read-only root filesystem (no volume is mounted "
             "there)";
      return value;
    }
    return prefix + best->local.string() + path.substr(best->path.size());
  }

  // Starts one container of `pod` (an init container when `init`); returns
  // the process, or pid -1 after recording why not.
  Process Start(Pod& pod, const json& c) {
    Process p;
    p.pod = pod.name;
    p.container = Str(At(c, {"name"}));
    const std::string who = pod.name + "/" + p.container;
    p.log = (root_ / "logs" / (pod.name + "." + p.container + ".log")).string();
    fs::create_directories(root_ / "logs");
    std::vector<Mount> mounts = MountsOf(pod, c);

    // The environment, in the manifest's order, $(VAR) expanded.
    std::vector<std::pair<std::string, std::string>> env;
    auto lookup = [&env](const std::string& k) -> const std::string* {
      for (auto it = env.rbegin(); it != env.rend(); ++it)
        if (it->first == k) return &it->second;
      return nullptr;
    };
    auto expand = [&lookup](const std::string& s) {
      std::string out;
      for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '$') {
          out += '$';
          ++i;
        } else if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '(') {
          size_t close = s.find(')', i);
          const std::string* v = close == std::string::npos
                                     ? nullptr
                                     : lookup(s.substr(i + 2, close - i - 2));
          if (v) {
            out += *v;
            i = close;
          } else {
            out += s[i];
          }
        } else {
          out += s[i];
        }
      }
      return out;
    };
    auto key_of = [this, &who](const std::string& kind, const std::string& name,
                               const std::string& key) -> std::string {
      const json* obj = Find(kind, name);
      if (!obj) {
        ADD_FAILURE() << who << ": no " << kind << " " << name;
        return "";
      }
      std::map<std::string, std::string> data = Data(*obj, kind == "Secret");
      if (!data.count(key))
        ADD_FAILURE() << who << ": " << kind << " " << name << " has no key "
                      << key;
      return data[key];
    };
    for (const auto& from : Items(At(c, {"envFrom"}))) {
      const bool secret = from.contains("secretRef");
      const std::string name =
          Str(At(from, {secret ? "secretRef" : "configMapRef", "name"}));
      const json* obj = Find(secret ? "Secret" : "ConfigMap", name);
      if (!obj) {
        ADD_FAILURE() << who << ": envFrom names a missing " << name;
        continue;
      }
      for (const auto& [k, v] : Data(*obj, secret))
        env.emplace_back(Str(At(from, {"prefix"})) + k, v);
    }
    for (const auto& e : Items(At(c, {"env"}))) {
      const std::string name = Str(At(e, {"name"}));
      if (e.contains("value")) {
        env.emplace_back(name, expand(Str(At(e, {"value"}))));
      } else if (e.contains("valueFrom")) {
        const json& vf = At(e, {"valueFrom"});
        if (vf.contains("configMapKeyRef")) {
          env.emplace_back(
              name,
              key_of("ConfigMap", Str(At(vf, {"configMapKeyRef", "name"})),
                     Str(At(vf, {"configMapKeyRef", "key"}))));
        } else if (vf.contains("secretKeyRef")) {
          env.emplace_back(
              name, key_of("Secret", Str(At(vf, {"secretKeyRef", "name"})),
                           Str(At(vf, {"secretKeyRef", "key"}))));
        } else if (Str(At(vf, {"fieldRef", "fieldPath"})) == "metadata.name") {
          env.emplace_back(name, pod.name);
        } else if (Str(At(vf, {"fieldRef", "fieldPath"})) ==
                   "metadata.namespace") {
          env.emplace_back(name, ns_);
        } else if (Str(At(vf, {"fieldRef", "fieldPath"})) == "status.podIP") {
          env.emplace_back(name, "127.0.0.1");
        } else {
          ADD_FAILURE() << who << ": env " << name
                        << ": valueFrom not emulated";
        }
      } else {
        env.emplace_back(name, "");
      }
    }
    auto own_ports = [&pod](std::string s) {
      for (const auto& [cp, local] : pod.local_port) {
        for (const char* host : {"0.0.0.0:", "[::]:"}) {
          const std::string from = absl::StrCat(host, cp);
          size_t at = s.find(from);
          if (at != std::string::npos &&
              (at + from.size() == s.size() ||
               !std::isdigit(static_cast<unsigned char>(s[at + from.size()]))))
            s.replace(at, from.size(), absl::StrCat("127.0.0.1:", local));
        }
        if (s == absl::StrCat("--port=", cp))
          s = absl::StrCat("--port=", local);
      }
      if (s == "--host=0.0.0.0") s = "--host=127.0.0.1";
      return s;
    };
    auto resolve = [&](const std::string& s) {
      return own_ports(ResolvePath(
          ResolveServices(expand(s), pod.name, &hops_, who), mounts, who));
    };
    std::vector<std::string> envp_strings = {
        "PATH=/usr/local/bin:/usr/bin:/bin"};
    for (auto& [k, v] : env) envp_strings.push_back(k + "=" + resolve(v));

    const json& command = At(c, {"command"});
    if (Items(command).empty()) {
      ADD_FAILURE() << who << ": no command (the image has no entrypoint)";
      return p;
    }
    const std::string image_path = Str(command[0]);
    if (!absl::StartsWith(image_path, kImageBinDir)) {
      ADD_FAILURE() << who << ": " << image_path << " is not in the image's "
                    << kImageBinDir;
      return p;
    }
    const std::string binary = Bin(image_path.substr(strlen(kImageBinDir)));
    if (!fs::exists(binary)) {
      ADD_FAILURE() << who << ": " << image_path
                    << " is no binary the build makes";
      return p;
    }
    p.argv.push_back(binary);
    for (size_t i = 1; i < command.size(); ++i)
      p.argv.push_back(resolve(Str(command[i])));
    for (const auto& a : Items(At(c, {"args"})))
      p.argv.push_back(resolve(Str(a)));

    const fs::path cwd = root_ / "pods" / pod.name / "root";
    fs::create_directories(cwd);
    pid_t pid = fork();
    if (pid == 0) {
      // Killed with the test, should the test itself be killed (a ctest
      // timeout), instead of outliving it.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (chdir(cwd.c_str()) != 0) _exit(126);
      FILE* f = std::fopen(p.log.c_str(), "a");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
      std::vector<char*> args, envp;
      for (auto& a : p.argv) args.push_back(a.data());
      args.push_back(nullptr);
      for (auto& e : envp_strings) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    p.pid = pid;
    return p;
  }

  // Runs the pod's init containers to completion (each must exit 0), then
  // starts its containers (`wait`: and waits for them to exit 0, a Job).
  bool RunPod(Pod& pod, bool wait, int timeout_s) {
    for (const auto& c : Items(At(pod.spec, {"initContainers"}))) {
      Process p = Start(pod, c);
      if (p.pid < 0) return false;
      const int code = WaitExit(p.pid, timeout_s);
      if (code != 0) {
        ADD_FAILURE() << pod.name << ": init container " << p.container
                      << " exited " << code << "\n"
                      << Tail(p.log);
        return false;
      }
    }
    for (const auto& c : Items(At(pod.spec, {"containers"}))) {
      Process p = Start(pod, c);
      if (p.pid < 0) return false;
      if (wait) {
        const int code = WaitExit(p.pid, timeout_s);
        if (code != 0) {
          ADD_FAILURE() << pod.name << ": " << p.container << " exited " << code
                        << "\n"
                        << Tail(p.log);
          return false;
        }
        p.pid = -1;
      }
      processes_.push_back(p);
    }
    return true;
  }

  // Waits until every probe of the pod's containers passes.
  bool Probe(const Pod& pod, int timeout_s) {
    for (const auto& c : Items(At(pod.spec, {"containers"}))) {
      for (const char* kind :
           {"startupProbe", "readinessProbe", "livenessProbe"}) {
        const json& probe = At(c, {kind});
        if (!probe.is_object()) continue;
        auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        std::string what;
        while (!ProbeOnce(pod, probe, &what)) {
          if (std::chrono::steady_clock::now() > deadline) {
            ADD_FAILURE() << pod.name << "/" << Str(At(c, {"name"})) << ": "
                          << kind << " (" << what << ") never passed\n"
                          << Tail((root_ / "logs" /
                                   (pod.name + "." + Str(At(c, {"name"})) +
                                    ".log"))
                                      .string());
            return false;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
      }
    }
    return true;
  }

  // SIGTERM to every running process; each must exit 0.
  void StopAll() {
    for (auto& p : processes_) {
      if (p.pid <= 0) continue;
      kill(p.pid, SIGTERM);
      const int code = WaitExit(p.pid, 30);
      EXPECT_EQ(code, 0) << p.pod << "/" << p.container
                         << " did not stop cleanly on SIGTERM\n"
                         << Tail(p.log);
      p.pid = -1;
    }
  }

  static std::map<std::string, std::string> Data(const json& obj, bool secret) {
    std::map<std::string, std::string> out;
    const json& data = At(obj, {"data"});
    if (data.is_object()) {
      for (const auto& [k, v] : data.items()) {
        std::string value = Str(v);
        if (secret) {
          std::string decoded;
          EXPECT_TRUE(absl::Base64Unescape(value, &decoded)) << k;
          value = decoded;
        }
        out[k] = value;
      }
    }
    if (secret && obj.contains("stringData"))
      for (const auto& [k, v] : At(obj, {"stringData"}).items())
        out[k] = Str(v);
    return out;
  }

  static std::string Tail(const std::string& log) {
    std::string text = ReadAll(log);
    return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
  }

  const std::map<std::string, std::set<std::string>>& claim_paths() const {
    return claim_paths_;
  }
  // The claim `pod` mounts at `path`, or "".
  std::string ClaimAt(const std::string& pod, const std::string& path) const {
    auto p = pod_claims_.find(pod);
    if (p == pod_claims_.end()) return "";
    auto c = p->second.find(path);
    return c == p->second.end() ? "" : c->second;
  }

 private:
  struct Endpoint {
    std::string host_port;  // "bridgework-loader:7103"
    std::string pod;
    int container_port;
    int local;
  };

  int FreePort() {
    const int port = testing::FreePort();
    if (port < 0) ADD_FAILURE() << "no free port";
    return port;
  }

  static int WaitExit(pid_t pid, int timeout_s) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return 124;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // Writes a ConfigMap's or Secret's keys (or the listed items) as files,
  // with service names resolved (what cluster DNS would answer).
  void MaterializeKeys(const json& obj, bool secret, const json& source,
                       const fs::path& dir) {
    if (fs::exists(dir)) return;
    fs::create_directories(dir);
    std::map<std::string, std::string> data = Data(obj, secret);
    std::vector<std::pair<std::string, std::string>> files;  // path, key
    if (Items(At(source, {"items"})).empty()) {
      for (const auto& [k, _] : data) files.emplace_back(k, k);
    } else {
      for (const auto& item : At(source, {"items"})) {
        if (!data.count(Str(At(item, {"key"}))))
          ADD_FAILURE() << Str(At(obj, {"metadata", "name"})) << " has no key "
                        << Str(At(item, {"key"}));
        files.emplace_back(Str(At(item, {"path"})), Str(At(item, {"key"})));
      }
    }
    std::set<Hop> hops;
    for (const auto& [path, key] : files) {
      fs::create_directories((dir / path).parent_path());
      std::ofstream(dir / path, std::ios::binary) << ResolveServices(
          data[key], "", &hops, Str(At(obj, {"metadata", "name"})) + "/" + key);
    }
    file_hops_[dir.string()] = hops;
  }

  bool ProbeOnce(const Pod& pod, const json& probe, std::string* what) const {
    auto local = [&pod](const json& port) {
      int cp = Int(port);
      if (cp < 0) {
        auto it = pod.named.find(Str(port));
        if (it == pod.named.end()) return -1;
        cp = it->second;
      }
      auto it = pod.local_port.find(cp);
      return it == pod.local_port.end() ? -1 : it->second;
    };
    if (probe.contains("grpc")) {
      const int port = local(At(probe, {"grpc", "port"}));
      *what = absl::StrCat("gRPC health on container port ",
                           Str(At(probe, {"grpc", "port"})));
      return port > 0 && cli::IsServing(absl::StrCat("127.0.0.1:", port), 1000);
    }
    if (probe.contains("httpGet")) {
      const int port = local(At(probe, {"httpGet", "port"}));
      *what = absl::StrCat("GET ", Str(At(probe, {"httpGet", "path"})),
                           " on container port ",
                           Str(At(probe, {"httpGet", "port"})));
      if (port < 0) return false;
      auto r =
          crm::MakeCurlHttpClient()->Send(crm::HttpRequest::Get(absl::StrCat(
              "http://127.0.0.1:", port, Str(At(probe, {"httpGet", "path"})))));
      return r.ok() && r->status >= 200 && r->status < 400;
    }
    if (probe.contains("tcpSocket")) {
      const int port = local(At(probe, {"tcpSocket", "port"}));
      *what = absl::StrCat("TCP connect to container port ",
                           Str(At(probe, {"tcpSocket", "port"})));
      if (port < 0) return false;
      int s = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port);
      const bool ok =
          connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
      close(s);
      return ok;
    }
    *what = "a probe kind not emulated";
    return false;
  }

  std::vector<json> objects_;
  fs::path root_;
  std::string ns_;
  std::map<std::string, Pod> pods_;
  std::vector<Endpoint> endpoints_;
  std::set<Hop> hops_;
  std::map<std::string, std::set<Hop>> file_hops_;  // materialised dir -> hops
  std::map<std::string, std::string> shared_mounts_;
  std::map<std::string, std::set<std::string>> claim_paths_;
  std::map<std::string, std::map<std::string, std::string>> pod_claims_;
  std::vector<Process> processes_;
};

// ---- NetworkPolicy evaluation ---------------------------------------------

bool PeerMatches(const json& peer, const json& labels, const std::string& ns) {
  if (peer.contains("ipBlock")) return false;  // pods are not ipBlocks here
  if (peer.contains("namespaceSelector")) {
    const json& sel = At(peer, {"namespaceSelector"});
    json ns_labels = {{"kubernetes.io/metadata.name", ns}};
    if (!Selects(sel.value("matchLabels", json::object()), ns_labels))
      return false;
  }
  if (!peer.contains("podSelector")) return true;
  return Selects(At(peer, {"podSelector"}).value("matchLabels", json::object()),
                 labels);
}

bool PortMatches(const json& ports, int port,
                 const std::map<std::string, int>& named) {
  if (Items(ports).empty()) return true;
  for (const auto& p : ports) {
    if (!Str(At(p, {"protocol"})).empty() && Str(At(p, {"protocol"})) != "TCP")
      continue;
    const int n = Int(At(p, {"port"}));
    if (n == port) return true;
    auto it = named.find(Str(At(p, {"port"})));
    if (n < 0 && it != named.end() && it->second == port) return true;
  }
  return false;
}

// Whether the policies let `from` open a TCP connection to `to`:`port`:
// the sender's egress and the receiver's ingress must both allow it.
bool Allowed(const std::vector<json>& objects, const Pod& from, const Pod& to,
             int port, const std::string& ns) {
  auto direction = [&](const Pod& subject, const Pod& peer, const char* type,
                       const char* rules, const char* side) {
    bool isolated = false;
    for (const auto& o : objects) {
      if (Str(At(o, {"kind"})) != "NetworkPolicy") continue;
      const json& spec = At(o, {"spec"});
      if (!Selects(
              At(spec, {"podSelector"}).value("matchLabels", json::object()),
              subject.labels))
        continue;
      bool applies = false;
      for (const auto& t : Items(At(spec, {"policyTypes"})))
        applies |= Str(t) == type;
      if (!applies) continue;
      isolated = true;
      for (const auto& rule : Items(At(spec, {rules}))) {
        bool peer_ok = Items(At(rule, {side})).empty();
        for (const auto& p : Items(At(rule, {side})))
          peer_ok |= PeerMatches(p, peer.labels, ns);
        if (peer_ok && PortMatches(At(rule, {"ports"}), port, to.named))
          return true;
      }
    }
    return !isolated;
  };
  return direction(from, to, "Egress", "egress", "to") &&
         direction(to, from, "Ingress", "ingress", "from");
}

// ---- The test --------------------------------------------------------------

TEST(K8sManifestTest, LocalOverlayRunsAMigrationAsADeployment) {
  const std::string source = SourceDir();
  char tmpl[] = "/tmp/bw-k8s-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path root = tmpl;
  std::string error;
  const std::string rendered = Render(source + "/" + kOverlay, root, &error);
  ASSERT_FALSE(rendered.empty()) << error;
  std::vector<json> objects;
  for (const auto& doc : YAML::LoadAll(rendered)) {
    if (doc.IsMap()) objects.push_back(ToJson(doc));
  }
  ASSERT_GT(objects.size(), 10u);
  Cluster cluster(objects, root);

  // The overlay's map is the shipped example's, byte for byte.
  {
    const json* run = nullptr;
    for (const auto& o : objects) {
      if (Str(At(o, {"kind"})) == "ConfigMap" &&
          absl::StartsWith(Str(At(o, {"metadata", "name"})), "bridgework-run"))
        run = &o;
    }
    ASSERT_NE(run, nullptr) << "no bridgework-run ConfigMap";
    EXPECT_EQ(Str(At(*run, {"data", "map.yaml"})),
              ReadAll(source + "/examples/pbn-pipedrive/map.yaml"))
        << kOverlay
        << "/run/map.yaml differs from examples/pbn-pipedrive/map.yaml: copy "
           "it";
  }

  cluster.Plan();
  ASSERT_FALSE(HasFailure());

  // Services first (their init containers to completion), then probes.
  std::vector<Pod*> services, jobs;
  for (auto& [_, pod] : cluster.pods())
    (absl::StartsWith(pod.workload, "Job/") ? jobs : services).push_back(&pod);
  for (Pod* pod : services)
    ASSERT_TRUE(cluster.RunPod(*pod, false, 120)) << pod->name;
  for (Pod* pod : services) ASSERT_TRUE(cluster.Probe(*pod, 60)) << pod->name;
  ASSERT_FALSE(HasFailure()) << "the services are not deployed as configured";

  // The Jobs are suspended templates: applying the overlay starts no
  // migration. Run them as an operator would: approve, then migrate.
  std::map<std::string, Pod*> by_workload;
  for (Pod* pod : jobs) {
    const json* job = cluster.Find("Job", pod->workload.substr(4));
    ASSERT_NE(job, nullptr);
    EXPECT_TRUE(Bool(At(*job, {"spec", "suspend"})))
        << pod->workload << " is not suspended";
    by_workload[pod->workload] = pod;
  }
  ASSERT_EQ(by_workload.size(), 2u);
  ASSERT_TRUE(by_workload.count("Job/bridgework-approve"));
  ASSERT_TRUE(by_workload.count("Job/bridgework-migrate"));
  ASSERT_TRUE(
      cluster.RunPod(*by_workload["Job/bridgework-approve"], true, 120));
  ASSERT_TRUE(
      cluster.RunPod(*by_workload["Job/bridgework-migrate"], true, 600));

  // The report the migrate Job wrote where its args say.
  std::string report_dir;
  for (const auto& p : cluster.processes()) {
    if (p.pod != by_workload["Job/bridgework-migrate"]->name) continue;
    for (const auto& a : p.argv)
      if (absl::StartsWith(a, "--report-dir=")) report_dir = a.substr(13);
  }
  ASSERT_FALSE(report_dir.empty()) << "the migrate Job writes no report";
  const json report =
      json::parse(ReadAll(report_dir + "/report.json"), nullptr, false);
  ASSERT_TRUE(report.is_object()) << "no report.json in " << report_dir;
  EXPECT_TRUE(report.value("balanced", false))
      << report.dump(2).substr(0, 4000);
  EXPECT_GT(report.value("requests", 0), 0);
  int64_t patients = 0;
  for (const auto& o : At(report, {"objects"})) {
    if (o.value("source_object", "") == "patient")
      patients = o.value("loaded", int64_t{0});
  }
  EXPECT_GT(patients, 50) << "100 generated patients, a few malformed";

  // The CRM (the emulator, through its Service) holds them.
  std::set<Hop> unused;
  const std::string emulator_url = cluster.ResolveServices(
      "http://bridgework-crm-emulator:8080", "", &unused, "the test");
  ASSERT_TRUE(absl::StartsWith(emulator_url, "http://127.0.0.1:"))
      << emulator_url;
  auto state = crm::MakeCurlHttpClient()->Send(
      crm::HttpRequest::Get(emulator_url + "/__sandbox/state"));
  ASSERT_TRUE(state.ok()) << state.status();
  const json s = json::parse(state->body, nullptr, false);
  ASSERT_TRUE(s.contains("persons"));
  EXPECT_EQ(static_cast<int64_t>(At(s, {"persons"}).size()), patients);

  // Paths into the export pass between pods: the controller checks the
  // config's directory and sends its absolute path to the extractor, whose
  // attachments reach the loader as file:// URIs. The three must mount the
  // same claim there (all pods share this machine's filesystem, so the
  // migration alone would not show a missing mount).
  {
    const json* run = nullptr;
    for (const auto& o : objects) {
      if (Str(At(o, {"kind"})) == "ConfigMap" &&
          absl::StartsWith(Str(At(o, {"metadata", "name"})), "bridgework-run"))
        run = &o;
    }
    ASSERT_NE(run, nullptr);
    YAML::Node config = YAML::Load(Str(At(*run, {"data", "config.yaml"})));
    const std::string dir =
        config["source"]["pbn_csv"]["directory"].as<std::string>();
    std::string config_path;
    for (const auto& c : Items(At(*cluster.Find("Job", "bridgework-migrate"),
                                  {"spec", "template", "spec", "containers"})))
      for (const auto& m : Items(At(c, {"volumeMounts"})))
        if (Str(At(m, {"subPath"})) == "config.yaml")
          config_path = Str(At(m, {"mountPath"}));
    ASSERT_FALSE(config_path.empty())
        << "the migrate Job mounts no config.yaml";
    const std::string data_path =
        (fs::path(config_path).parent_path() / dir).lexically_normal().string();
    const std::string claim =
        cluster.ClaimAt(by_workload["Job/bridgework-migrate"]->name, data_path);
    EXPECT_FALSE(claim.empty())
        << "the migrate Job mounts no claim at " << data_path;
    for (const char* pod :
         {"bridgework-extractor-pod", "bridgework-loader-pod"}) {
      EXPECT_EQ(cluster.ClaimAt(pod, data_path), claim)
          << pod << " does not mount the export's claim at " << data_path;
    }
  }
  // A claim mounted by several pods is mounted at one path in all of them.
  for (const auto& [claim, paths] : cluster.claim_paths()) {
    EXPECT_EQ(paths.size(), 1u)
        << "claim " << claim << " is mounted at " << absl::StrJoin(paths, ", ");
  }

  // The NetworkPolicies allow every hop the manifests configure...
  std::map<std::string, Pod*> by_name;
  for (auto& [name, pod] : cluster.pods()) by_name[name] = &pod;
  std::set<std::tuple<std::string, std::string, int>> used;
  for (const Hop& h : cluster.hops()) {
    used.insert({h.from, h.to, h.port});
    EXPECT_TRUE(Allowed(objects, *by_name[h.from], *by_name[h.to], h.port,
                        cluster.ns()))
        << h.from << " reaches " << h.via << " (" << h.to << ":" << h.port
        << ") but the NetworkPolicies do not allow it";
  }
  EXPECT_GE(used.size(), 9u)
      << "controller -> 4 services, transformer -> 3, loader -> 2";
  // ... and no other hop between the pods.
  for (auto& [from_name, from] : cluster.pods()) {
    for (auto& [to_name, to] : cluster.pods()) {
      for (const auto& [cp, _] : to.local_port) {
        if (Allowed(objects, from, to, cp, cluster.ns())) {
          EXPECT_TRUE(used.count({from_name, to_name, cp}))
              << "the NetworkPolicies allow " << from_name << " -> " << to_name
              << ":" << cp << ", which no manifest configures";
        }
      }
    }
  }

  // Each service's `metrics` port serves its Prometheus metrics, as the
  // scrape the NetworkPolicies admit would read them (docs/observability.md).
  int scraped = 0;
  for (auto& [name, pod] : cluster.pods()) {
    auto port = pod.named.find("metrics");
    if (port == pod.named.end()) continue;
    ++scraped;
    auto metrics =
        crm::MakeCurlHttpClient()->Send(crm::HttpRequest::Get(absl::StrCat(
            "http://127.0.0.1:", pod.local_port[port->second], "/metrics")));
    ASSERT_TRUE(metrics.ok()) << name << ": " << metrics.status();
    EXPECT_EQ(metrics->status, 200) << name;
    EXPECT_TRUE(absl::StrContains(metrics->body,
                                  "bridgework_rpc_server_handled_total{"))
        << name << ": " << metrics->body;
  }
  EXPECT_EQ(scraped, 4) << "the four services serve metrics";

  // The token is in no log.
  std::string token;
  for (const auto& o : objects) {
    if (Str(At(o, {"kind"})) == "Secret" &&
        absl::StartsWith(Str(At(o, {"metadata", "name"})),
                         "bridgework-crm-token"))
      token = Cluster::Data(o, true)["token"];
  }
  ASSERT_FALSE(token.empty());
  for (const auto& entry : fs::directory_iterator(root / "logs")) {
    EXPECT_FALSE(absl::StrContains(ReadAll(entry.path().string()), token))
        << entry.path() << " holds the CRM token";
  }

  // What ran, for the log: commands with their resolved arguments (no
  // secret is an argument: the token is a mounted file).
  for (const auto& p : cluster.processes()) {
    std::printf("%s/%s: %s\n", p.pod.c_str(), p.container.c_str(),
                absl::StrJoin(p.argv, " ").c_str());
  }
  std::printf("%zu hops configured, all allowed; %lld patients migrated\n",
              used.size(), static_cast<long long>(patients));
  cluster.StopAll();
  if (!HasFailure()) fs::remove_all(root);
}

}  // namespace
}  // namespace bridgework
