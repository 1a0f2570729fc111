// The proposer's accuracy benchmark (docs/proposer.md, "Benchmark"), run by
// `make bench`: reads each source system through its real connector
// (Practice by Numbers from a generated sample, Dr.DENTES and the clinic
// export from examples/, Open Dental from the tests' MariaDB fixture),
// proposes a map for each CRM, and scores the proposals against the
// labelled set in bench/proposer/labels/<source>.csv.
//
// Two runs per pair: "own map withheld" (the pair's shipped default map is
// not given to the proposer; the other default maps of the CRM are), which
// measures what the proposer infers, and "with default maps" (as
// `bridgework propose` runs).
//
// Prints precision on confident proposals, precision over every proposal,
// recall, top-3 recall and route accuracy per pair and overall. Exit code 0
// when the goals (confident precision >= 0.9, top-3 recall >= 0.85, own
// map withheld) are met, 1 otherwise. Never prints a sampled value.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/common/strings.h"
#include "libs/mapping/map.h"
#include "libs/proposer/proposer.h"
#include "libs/proposer/writer.h"
#include "services/extractor/source_connector.h"
#include "services/extractor/sources/csv/layout_csv_source.h"
#include "services/extractor/sources/opendental/opendental_db_source.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"
#include "tests/fixtures/mariadb_fixture.h"
#include "tools/gen_sample/sample_generator.h"

namespace fs = std::filesystem;
using namespace bridgework;  // NOLINT(google-build-using-namespace): main

namespace {

const std::vector<std::string> kCrms = {"freshsales", "pipedrive", "highlevel"};

// Reads every object of `source` (at most `max_records` records each).
absl::StatusOr<proposer::SourceSample> SampleSource(
    extractor::SourceConnector& source, const std::string& system,
    const std::string& region, int max_records) {
  proposer::SourceSample sample;
  sample.system = system;
  sample.phone_region = region;
  auto objects = source.ListObjects();
  if (!objects.ok()) return objects.status();
  for (const v1::ObjectInfo& info : *objects) {
    auto schema = source.Describe(info.object_type());
    if (!schema.ok()) return schema.status();
    proposer::SampleBuilder builder(*schema);
    auto reader = source.Open(info.object_type(), "", std::nullopt);
    if (!reader.ok()) return reader.status();
    v1::RecordBatch batch;
    int read = 0;
    while (read < max_records) {
      auto more = (*reader)->Next(200, &batch);
      if (!more.ok()) return more.status();
      if (!*more) break;
      for (const v1::Record& r : batch.records()) {
        builder.Add(r);
        ++read;
      }
    }
    sample.objects.push_back(builder.Finish());
  }
  return sample;
}

struct LabelRow {
  std::string object;
  std::string field;  // "*" for the object's route
  std::map<std::string, std::set<std::string>> answers;  // crm -> accepted
};

// Labels: CSV lines "object,field,freshsales,pipedrive,highlevel[,note]";
// '#' starts a comment line; the first non-comment line is the header.
absl::StatusOr<std::vector<LabelRow>> ReadLabels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no labels at ", path));
  std::vector<LabelRow> rows;
  std::string line;
  bool header = true;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view t = FromAbsl(absl::StripAsciiWhitespace(line));
    if (t.empty() || t[0] == '#') continue;
    std::vector<std::string> cols = absl::StrSplit(line, ',');
    if (header) {
      header = false;
      continue;
    }
    if (cols.size() < 5) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", n, ": expected 5 columns"));
    }
    LabelRow row;
    row.object = std::string(absl::StripAsciiWhitespace(cols[0]));
    row.field = std::string(absl::StripAsciiWhitespace(cols[1]));
    for (size_t i = 0; i < kCrms.size(); ++i) {
      for (absl::string_view a : absl::StrSplit(cols[2 + i], '|')) {
        std::string s(absl::StripAsciiWhitespace(a));
        if (s.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ":", n, ": empty answer for ", kCrms[i]));
        }
        row.answers[kCrms[i]].insert(s);
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

struct Counts {
  int fields = 0;        // labelled field rows evaluated
  int positives = 0;     // rows whose label requires a target
  int optional = 0;      // rows where mapping and leaving out are both fine
  int negatives = 0;     // should-not-map rows
  int confident = 0;     // confident proposals
  int confident_ok = 0;  // ... that are correct
  int proposed = 0;      // proposals at any confidence (top candidate)
  int proposed_ok = 0;
  int recalled = 0;      // positives proposed confidently and correctly
  int top3 = 0;          // positives with the answer in the top 3
  int negatives_ok = 0;  // should-not-map rows left unmapped
  int routes = 0;
  int routes_ok = 0;
  int unlabelled = 0;  // fields of labelled load objects without a row

  void Add(const Counts& o) {
    fields += o.fields;
    positives += o.positives;
    optional += o.optional;
    negatives += o.negatives;
    confident += o.confident;
    confident_ok += o.confident_ok;
    proposed += o.proposed;
    proposed_ok += o.proposed_ok;
    recalled += o.recalled;
    top3 += o.top3;
    negatives_ok += o.negatives_ok;
    routes += o.routes;
    routes_ok += o.routes_ok;
    unlabelled += o.unlabelled;
  }
};

double Ratio(int a, int b) { return b == 0 ? 1.0 : static_cast<double>(a) / b; }

// The answer a candidate gives, in label form ("contact.email",
// "contact.cf", "owner", "contact.sales_accounts").
std::string AnswerOf(const std::string& target, const proposer::Candidate& c) {
  using K = proposer::Candidate::Kind;
  switch (c.kind) {
    case K::kOwner:
      return "owner";
    case K::kSkip:
      return "-";
    case K::kCustom:
      return target + ".cf";
    default:
      return target + "." + c.target;
  }
}

struct Miss {
  std::string what;
};

Counts Score(const proposer::Proposal& p, const proposer::SourceSample& s,
             const std::vector<LabelRow>& labels, const std::string& crm,
             std::vector<std::string>* misses) {
  using D = proposer::FieldProposal::Decision;
  Counts c;
  std::map<std::string, const LabelRow*> route_label;
  std::map<std::pair<std::string, std::string>, const LabelRow*> field_label;
  for (const LabelRow& r : labels) {
    if (r.field == "*") {
      route_label[r.object] = &r;
    } else {
      field_label[{r.object, r.field}] = &r;
    }
  }
  for (const proposer::ObjectSample& o : s.objects) {
    const proposer::RouteProposal* route = p.Route(o.name);
    auto rl = route_label.find(o.name);
    if (rl == route_label.end()) {
      misses->push_back(absl::StrCat("UNLABELLED object ", o.name));
      continue;
    }
    const std::set<std::string>& accepted = rl->second->answers.at(crm);
    std::string got = route->route == "load"        ? route->target
                      : route->route == "reference" ? "reference"
                                                    : "-";
    ++c.routes;
    if (accepted.count(got)) {
      ++c.routes_ok;
    } else {
      misses->push_back(absl::StrCat("route ", o.name, ": got ", got,
                                     route->open ? " (open)" : "", ", want ",
                                     absl::StrJoin(accepted, "|")));
    }
    // Objects labelled as loaded have every field labelled; the fields of
    // the others must not be mapped.
    bool labelled_load = !accepted.count("-") && !accepted.count("reference");
    bool has_field_rows = false;
    for (const auto& [k, row] : field_label)
      has_field_rows |= k.first == o.name;
    // A route where loading and leaving out are both right, taken by the
    // proposer, without field rows: its fields are not scored.
    if (!labelled_load && !has_field_rows && got != "-" &&
        accepted.count(got)) {
      continue;
    }
    for (const proposer::FieldSample& f : o.fields) {
      auto fl = field_label.find({o.name, f.name});
      std::set<std::string> want;
      if (fl != field_label.end()) {
        want = fl->second->answers.at(crm);
      } else if (labelled_load) {
        ++c.unlabelled;
        misses->push_back(
            absl::StrCat("UNLABELLED field ", o.name, ".", f.name));
        continue;
      } else {
        want = {"-"};
      }
      if (want.count("key")) continue;  // the key: the route's external key
      ++c.fields;
      const bool negative = want.size() == 1 && want.count("-");
      const bool optional = want.count("-") && want.size() > 1;
      if (negative) ++c.negatives;
      if (optional) ++c.optional;
      if (!want.count("-")) ++c.positives;
      const proposer::FieldProposal* fp =
          route == nullptr ? nullptr : route->Field(f.name);
      const bool loaded = route != nullptr && route->route == "load";
      std::string top = "-";
      bool confident = false;
      std::vector<std::string> top3;
      if (fp != nullptr && loaded) {
        const proposer::Candidate* b = fp->Best();
        if (b != nullptr &&
            (fp->decision == D::kMapped || fp->decision == D::kOpen)) {
          top = AnswerOf(route->target, *b);
          confident = fp->decision == D::kMapped && !route->open;
        }
        for (const proposer::Candidate& cand : fp->candidates) {
          top3.push_back(AnswerOf(route->target, cand));
        }
      }
      if (top != "-") {
        ++c.proposed;
        if (want.count(top)) ++c.proposed_ok;
        if (confident) {
          ++c.confident;
          if (want.count(top)) {
            ++c.confident_ok;
          } else {
            misses->push_back(absl::StrCat(
                "WRONG ", o.name, ".", f.name, ": ", top, " (",
                absl::StrFormat("%.2f", fp->confidence), "), want ",
                absl::StrJoin(want, "|"), " -- ", fp->reason));
          }
        }
      }
      if (negative && !confident) ++c.negatives_ok;
      if (!want.count("-")) {
        if (confident && want.count(top)) {
          ++c.recalled;
        }
        bool in3 = false;
        for (const std::string& a : top3) in3 |= want.count(a) > 0;
        if (in3) {
          ++c.top3;
        } else {
          misses->push_back(absl::StrCat(
              "MISSED ", o.name, ".", f.name, ": want ",
              absl::StrJoin(want, "|"), ", top3 [", absl::StrJoin(top3, " "),
              "]", fp != nullptr ? absl::StrCat(" -- ", fp->reason) : ""));
        }
      }
    }
  }
  return c;
}

void PrintRow(const std::string& name, const Counts& c) {
  std::printf("%-28s %6d %5d %5d %8.3f %8.3f %8.3f %8.3f %8.3f %7.3f\n",
              name.c_str(), c.fields, c.positives, c.negatives,
              Ratio(c.confident_ok, c.confident),
              Ratio(c.proposed_ok, c.proposed), Ratio(c.recalled, c.positives),
              Ratio(c.top3, c.positives), Ratio(c.negatives_ok, c.negatives),
              Ratio(c.routes_ok, c.routes));
}

void PrintHeader(const std::string& title) {
  std::printf("\n%s\n", title.c_str());
  std::printf("%-28s %6s %5s %5s %8s %8s %8s %8s %8s %7s\n", "pair", "fields",
              "pos", "neg", "P(conf)", "P(all)", "recall", "top3-R", "neg-ok",
              "routes");
}

struct SourceDef {
  std::string system;
  std::unique_ptr<extractor::SourceConnector> connector;
  std::string region;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"proposer accuracy benchmark"};
  std::string source_dir = BRIDGEWORK_BENCH_SOURCE_DIR;
  std::string only;
  bool verbose = false;
  double threshold = 0.7;
  int max_records = 500;
  app.add_option("--source-dir", source_dir, "the repository root");
  app.add_option("--only", only, "one source system");
  app.add_option("--threshold", threshold, "confidence threshold");
  app.add_option("--max-records", max_records, "records sampled per object");
  app.add_flag("--verbose", verbose, "list every miss (names only)");
  std::string write_maps;
  app.add_option("--write-maps", write_maps,
                 "write each proposed map (own map withheld) into this "
                 "directory, checked with ParseMap");
  bool dump_schema = false;
  app.add_flag("--dump-schema", dump_schema,
               "print each source's objects and fields (names and types "
               "only) and exit");
  CLI11_PARSE(app, argc, argv);

  const fs::path root(source_dir);
  const fs::path tmp =
      fs::temp_directory_path() / absl::StrCat("bw-proposer-bench-", getpid());
  fs::create_directories(tmp);

  // Default maps shipped in examples/.
  std::vector<mapping::Map> maps;
  for (const auto& entry : fs::directory_iterator(root / "examples")) {
    fs::path m = entry.path() / "map.yaml";
    if (!fs::exists(m)) continue;
    std::ifstream in(m);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = mapping::ParseMap(text.str(), m.string());
    if (!parsed.ok()) {
      std::cerr << parsed.status() << "\n";
      return 2;
    }
    maps.push_back(std::move(*parsed));
  }

  std::vector<SourceDef> sources;
  std::unique_ptr<testing::MariaDbServer> mariadb;
  auto want = [&](const std::string& s) { return only.empty() || only == s; };
  if (want("pbn")) {
    gen_sample::SampleOptions so;
    so.out_dir = (tmp / "pbn").string();
    so.patients = 300;
    auto written = gen_sample::WriteSample(so);
    if (!written.ok()) {
      std::cerr << written.status() << "\n";
      return 2;
    }
    v1::PbnCsvSourceConfig c;
    c.set_directory(so.out_dir);
    c.set_time_zone("America/Chicago");
    auto src = extractor::MakePbnCsvSource(c);
    if (!src.ok()) {
      std::cerr << src.status() << "\n";
      return 2;
    }
    sources.push_back({"pbn", std::move(*src), "US"});
  }
  // Layout exports: the examples' (Dr.DENTES, clinic) and the held-out
  // ones (bench/proposer/sources, make_heldout.py).
  struct LayoutDef {
    const char* system;
    fs::path dir;  // holds layout.yaml and the files it names
    const char* zone;
    const char* currency;
    const char* region;
  };
  const fs::path held_out = root / "bench" / "proposer" / "sources";
  for (const LayoutDef& l :
       {LayoutDef{"drdentes", root / "examples" / "drdentes-freshsales",
                  "Europe/Istanbul", "TRY", "TR"},
        LayoutDef{"clinic", root / "examples" / "clinic-freshsales",
                  "America/Los_Angeles", "USD", "US"},
        LayoutDef{"dentrix_like", held_out / "dentrix_like",
                  "America/Los_Angeles", "USD", "US"},
        LayoutDef{"drdentes_tr", held_out / "drdentes_tr", "Europe/Istanbul",
                  "TRY", "TR"}}) {
    if (!want(l.system)) continue;
    v1::LayoutCsvSourceConfig c;
    // The examples keep their data in data/; the held-out sources beside
    // the layout.
    fs::path data = fs::exists(l.dir / "data") ? l.dir / "data" : l.dir;
    c.set_directory(data.string());
    c.set_layout((l.dir / "layout.yaml").string());
    c.set_time_zone(l.zone);
    c.set_currency(l.currency);
    auto src = extractor::MakeLayoutCsvSource(c);
    if (!src.ok()) {
      std::cerr << src.status() << "\n";
      return 2;
    }
    sources.push_back({l.system, std::move(*src), l.region});
  }
  if (want("opendental")) {
    auto server = testing::MariaDbServer::Start();
    if (!server.ok()) {
      std::cerr << "opendental: " << server.status() << "\n";
      return 2;
    }
    mariadb = std::move(*server);
    fs::path fixtures = root / "tests" / "fixtures" / "opendental";
    absl::Status s =
        mariadb->Execute("CREATE DATABASE opendental CHARACTER SET utf8mb4");
    if (s.ok()) {
      s = mariadb->ExecuteFile((fixtures / "schema.sql").string(),
                               "opendental");
    }
    if (s.ok()) {
      s = mariadb->ExecuteFile((fixtures / "data.sql").string(), "opendental");
    }
    if (!s.ok()) {
      std::cerr << "opendental: " << s << "\n";
      return 2;
    }
    v1::OpenDentalDbSourceConfig c;
    c.set_unix_socket(mariadb->socket());
    c.set_database("opendental");
    c.set_user("root");
    c.set_time_zone("America/Chicago");
    auto src = extractor::MakeOpenDentalDbSource(c);
    if (!src.ok()) {
      std::cerr << src.status() << "\n";
      return 2;
    }
    sources.push_back({"opendental", std::move(*src), "US"});
  }

  struct Mode {
    const char* title;
    bool own_map;
  };
  const Mode modes[] = {{"own default map withheld", false},
                        {"with default maps (as `bridgework propose`)", true}};
  std::map<std::string, std::pair<Counts, Counts>> per_pair;  // by mode
  Counts totals[2];
  std::vector<std::string> order;
  for (SourceDef& src : sources) {
    auto sample =
        SampleSource(*src.connector, src.system, src.region, max_records);
    if (!sample.ok()) {
      std::cerr << src.system << ": " << sample.status() << "\n";
      return 2;
    }
    if (dump_schema) {
      for (const proposer::ObjectSample& o : sample->objects) {
        for (const proposer::FieldSample& f : o.fields) {
          std::printf("%s %s %s %s %s\n", src.system.c_str(), o.name.c_str(),
                      f.name.c_str(), f.type.c_str(),
                      f.name == o.key_field ? "KEY" : f.references.c_str());
        }
      }
      continue;
    }
    auto labels = ReadLabels(
        (root / "bench" / "proposer" / "labels" / (src.system + ".csv"))
            .string());
    if (!labels.ok()) {
      std::cerr << labels.status() << "\n";
      return 2;
    }
    for (const std::string& crm : kCrms) {
      const std::string pair = absl::StrCat(src.system, " -> ", crm);
      order.push_back(pair);
      for (int m = 0; m < 2; ++m) {
        proposer::ProposeOptions opt;
        opt.crm = crm;
        opt.threshold = threshold;
        for (const mapping::Map& map : maps) {
          if (map.destination != crm) continue;
          if (!modes[m].own_map && map.source == src.system) continue;
          opt.default_maps.push_back(&map);
        }
        auto proposal = proposer::Propose(*sample, opt);
        if (!proposal.ok()) {
          std::cerr << proposal.status() << "\n";
          return 2;
        }
        // Every proposed map must load; the first run's are written when
        // asked.
        std::string yaml = proposer::WriteMapYaml(*proposal);
        std::string name = src.system + "-" + crm + ".yaml";
        auto parsed = mapping::ParseMap(yaml, name);
        if (!parsed.ok()) {
          std::cerr << "proposed map does not parse (" << modes[m].title
                    << "): " << parsed.status() << "\n";
          return 2;
        }
        if (!write_maps.empty() && m == 0) {
          fs::create_directories(write_maps);
          std::ofstream(fs::path(write_maps) / name) << yaml;
        }
        std::vector<std::string> misses;
        Counts c = Score(*proposal, *sample, *labels, crm, &misses);
        (m == 0 ? per_pair[pair].first : per_pair[pair].second) = c;
        totals[m].Add(c);
        if (verbose) {
          for (const std::string& miss : misses) {
            std::printf("  [%s%s] %s\n", pair.c_str(),
                        m == 0 ? "" : ", with default maps", miss.c_str());
          }
        }
      }
    }
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);

  std::printf(
      "Proposer benchmark: %zu sources x %zu CRMs, threshold %.2f.\n"
      "P(conf): precision of confident proposals; P(all): precision of "
      "every proposal (top candidate, open questions included); recall: "
      "labelled targets proposed confidently and correctly; top3-R: "
      "labelled targets among the top 3 candidates; neg-ok: should-not-map "
      "fields left unmapped; routes: object routes right.\n",
      sources.size(), kCrms.size(), threshold);
  for (int m = 0; m < 2; ++m) {
    PrintHeader(modes[m].title);
    for (const std::string& pair : order) {
      PrintRow(pair, m == 0 ? per_pair[pair].first : per_pair[pair].second);
    }
    PrintRow("overall", totals[m]);
    if (totals[m].unlabelled > 0) {
      std::printf("(%d fields of loaded objects have no label)\n",
                  totals[m].unlabelled);
    }
  }
  const Counts& t = totals[0];
  const double p = Ratio(t.confident_ok, t.confident);
  const double r3 = Ratio(t.top3, t.positives);
  const bool ok = p >= 0.9 && r3 >= 0.85;
  std::printf(
      "\ngoals (own map withheld): confident precision %.3f (>= 0.9) %s, "
      "top-3 recall %.3f (>= 0.85) %s\n",
      p, p >= 0.9 ? "met" : "NOT met", r3, r3 >= 0.85 ? "met" : "NOT met");
  return ok ? 0 : 1;
}
