// Micro benchmarks of the data path's stages (issue 10), one
// google-benchmark binary over a generated Practice by Numbers export
// (patients.csv, --patients rows) and the pbn-freshsales map:
//
//   BM_CsvRows            libs/csv: rows of patients.csv, untyped
//   BM_ExtractPatients    the PBN source: patients.csv to typed v1::Records
//   BM_TransformPatient   mapping::TransformRecord, patient -> contact
//   BM_NormalizePhone     one phone to E.164 (libphonenumber)
//   BM_RecordBatchEncode / Decode    a RecordBatch of 500 patients
//   BM_TargetBatchEncode / Decode    a TargetBatch of 500 contacts
//   BM_NullBody           the null destination's JSON body of one contact
//   BM_FreshsalesCreate   the Freshsales connector's Create of one contact
//                         over a fake HTTP client (body built, sent nowhere)
//   BM_FreshsalesBulk     its BulkUpsert of 100 contacts, likewise
//   BM_LedgerIntents/N    RocksDB ledger: N intents in one synced write
//   BM_LedgerOutcomes/N   their N outcomes in one synced write
//
// Items per second are records (rows, operations) per second.
//
//   micro_bench [--patients N] [google-benchmark flags]
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "bridgework/v1/loader.pb.h"
#include "libs/crm/freshsales_connector.h"
#include "libs/crm/http_client.h"
#include "libs/crm/null_connector.h"
#include "libs/crm/wire_util.h"
#include "libs/csv/csv_reader.h"
#include "libs/ledger/rocksdb_ledger.h"
#include "libs/mapping/map.h"
#include "libs/mapping/transform.h"
#include "services/extractor/sources/pbn/pbn_csv_source.h"
#include "tools/gen_sample/sample_generator.h"

#ifndef BRIDGEWORK_BENCH_SOURCE_DIR
#define BRIDGEWORK_BENCH_SOURCE_DIR "."
#endif

namespace bridgework::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int g_patients = 20000;

// The generated export, the map, and what each stage hands the next, made
// once.
struct Fixture {
  std::string dir;
  mapping::Map map;
  const mapping::ObjectRoute* contact = nullptr;
  std::vector<v1::Record> patients;
  std::vector<v1::TargetRecord> contacts;
  absl::flat_hash_map<std::string, std::string> owners;

  static Fixture& Get() {
    static Fixture* f = [] {
      auto* f = new Fixture;
      f->Make();
      return f;
    }();
    return *f;
  }

  void Make() {
    dir = (fs::temp_directory_path() / absl::StrCat("bw-micro-", getpid()))
              .string();
    gen_sample::SampleOptions o;
    o.out_dir = dir;
    o.patients = g_patients;
    o.seed = 7;
    o.objects = gen_sample::SampleObjects::kCore;
    if (!gen_sample::WriteSample(o).ok()) std::abort();
    std::string path = std::string(BRIDGEWORK_BENCH_SOURCE_DIR) +
                       "/examples/pbn-freshsales/"
                       "map.yaml";
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    auto parsed = mapping::ParseMap(text, "map.yaml");
    if (!parsed.ok()) std::abort();
    map = std::move(*parsed);
    for (const auto& r : map.objects) {
      if (r.source == "patient" && r.target == "contact") {
        contact = &r;  // patient_contact, the first
        break;
      }
    }
    if (contact == nullptr) std::abort();
    ReadPatients();
    mapping::TransformContext ctx;
    ctx.system = "pbn";
    ctx.owner_emails = &owners;
    for (const auto& p : patients) {
      mapping::TransformResult r = mapping::TransformRecord(*contact, p, ctx);
      if (r.target) contacts.push_back(std::move(*r.target));
    }
  }

  absl::StatusOr<std::unique_ptr<extractor::SourceConnector>> Source() const {
    v1::PbnCsvSourceConfig c;
    c.set_directory(dir);
    c.set_time_zone("America/Chicago");
    c.set_currency("USD");
    return extractor::MakePbnCsvSource(c);
  }

  void ReadPatients() {
    auto source = Source();
    auto reader = (*source)->Open("patient", "", std::nullopt);
    if (!reader.ok()) std::abort();
    v1::RecordBatch batch;
    while (*(*reader)->Next(500, &batch)) {
      for (auto& r : *batch.mutable_records()) patients.push_back(r);
    }
  }
};

void BM_CsvRows(benchmark::State& state) {
  const std::string path = Fixture::Get().dir + "/patients.csv";
  int64_t rows = 0;
  for (auto _ : state) {
    auto reader = csv::Reader::Open(path);
    csv::Row row;
    while (*(*reader)->Next(&row)) ++rows;
  }
  state.SetItemsProcessed(rows);
}
BENCHMARK(BM_CsvRows)->Unit(benchmark::kMillisecond);

void BM_ExtractPatients(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  auto source = f.Source();
  int64_t records = 0;
  for (auto _ : state) {
    auto reader = (*source)->Open("patient", "", std::nullopt);
    v1::RecordBatch batch;
    while (*(*reader)->Next(500, &batch)) records += batch.records_size();
  }
  state.SetItemsProcessed(records);
}
BENCHMARK(BM_ExtractPatients)->Unit(benchmark::kMillisecond);

void BM_TransformPatient(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  mapping::TransformContext ctx;
  ctx.system = "pbn";
  ctx.owner_emails = &f.owners;
  size_t i = 0;
  for (auto _ : state) {
    mapping::TransformResult r =
        mapping::TransformRecord(*f.contact, f.patients[i], ctx);
    benchmark::DoNotOptimize(r);
    if (++i == f.patients.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformPatient);

// One phone through libphonenumber (parse, validate, E.164), the
// transform's costliest step.
void BM_NormalizePhone(benchmark::State& state) {
  for (auto _ : state) {
    auto phone = mapping::NormalizePhone("(512) 555-0142", "US");
    benchmark::DoNotOptimize(phone);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NormalizePhone);

template <typename Batch, typename Item>
Batch MakeBatch(const std::vector<Item>& items, Item* (Batch::*add)()) {
  Batch batch;
  for (size_t i = 0; i < 500 && i < items.size(); ++i)
    *(batch.*add)() = items[i];
  return batch;
}

v1::RecordBatch PatientBatch() {
  return MakeBatch(Fixture::Get().patients, &v1::RecordBatch::add_records);
}
v1::TargetBatch ContactBatch() {
  return MakeBatch(Fixture::Get().contacts, &v1::TargetBatch::add_records);
}

// Serializes `make()`'s batch over and over.
template <typename Batch>
void Encode(benchmark::State& state, Batch (*make)()) {
  const Batch batch = make();
  std::string out;
  for (auto _ : state) {
    batch.SerializeToString(&out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * batch.records_size());
  state.SetBytesProcessed(state.iterations() * out.size());
}

// Parses `make()`'s batch, serialized, over and over.
template <typename Batch>
void Decode(benchmark::State& state, Batch (*make)()) {
  const std::string wire = make().SerializeAsString();
  Batch batch;
  for (auto _ : state) {
    batch.ParseFromString(wire);
    benchmark::DoNotOptimize(batch);
  }
  state.SetItemsProcessed(state.iterations() * batch.records_size());
  state.SetBytesProcessed(state.iterations() * wire.size());
}

void BM_RecordBatchEncode(benchmark::State& s) { Encode(s, PatientBatch); }
void BM_RecordBatchDecode(benchmark::State& s) { Decode(s, PatientBatch); }
void BM_TargetBatchEncode(benchmark::State& s) { Encode(s, ContactBatch); }
void BM_TargetBatchDecode(benchmark::State& s) { Decode(s, ContactBatch); }
BENCHMARK(BM_RecordBatchEncode);
BENCHMARK(BM_RecordBatchDecode);
BENCHMARK(BM_TargetBatchEncode);
BENCHMARK(BM_TargetBatchDecode);

void BM_NullBody(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  size_t i = 0;
  for (auto _ : state) {
    crm::ResolvedRecord rr{&f.contacts[i], "1", {}};
    std::string body = crm::DumpJson(crm::NullRecordBody(rr));
    benchmark::DoNotOptimize(body);
    if (++i == f.contacts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NullBody);

// The Freshsales connector over a fake HTTP client answering what a
// contact's write needs: the selectors, a created contact, a bulk job done.
std::unique_ptr<crm::CrmConnector> FakeFreshsales() {
  auto http = std::make_unique<crm::FakeHttpClient>(
      [](const crm::HttpRequest& r) -> absl::StatusOr<crm::HttpResponse> {
        json body;
        if (r.url.find("/selector/") != std::string::npos) {
          json list = {{{"id", 1}, {"name", "Lead"}},
                       {{"id", 2}, {"name", "Customer"}},
                       {{"id", 3}, {"name", "Sales Qualified Lead"}}};
          body = {{"lifecycle_stages", list}, {"territories", list}};
        } else if (r.url.find("/bulk_upsert") != std::string::npos) {
          body = {{"job_id", 1}};
        } else if (r.url.find("/job_statuses/") != std::string::npos) {
          body = {{"job_status",
                   {{"status", "completed"}, {"results", json::array()}}}};
        } else {
          body = {{"contact", {{"id", 42}}}};
        }
        return crm::HttpResponse{200, {}, body.dump()};
      });
  crm::FreshsalesConfig config{"http://crm.test/crm/sales/api", "bench",
                               1000000000, 1000000};
  return crm::MakeFreshsalesConnector(config, std::move(http));
}

void BM_FreshsalesCreate(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  auto connector = FakeFreshsales();
  size_t i = 0;
  for (auto _ : state) {
    auto id = connector->Create({&f.contacts[i], "1", {}});
    if (!id.ok()) {
      state.SkipWithError(std::string(id.status().message()).c_str());
      break;
    }
    if (++i == f.contacts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FreshsalesCreate);

void BM_FreshsalesBulk(benchmark::State& state) {
  const Fixture& f = Fixture::Get();
  auto connector = FakeFreshsales();
  std::vector<crm::ResolvedRecord> records;
  for (size_t i = 0; i < 100 && i < f.contacts.size(); ++i)
    records.push_back({&f.contacts[i], "1", {}});
  for (auto _ : state) {
    auto out = connector->BulkUpsert(records);
    if (!out.ok()) {
      state.SkipWithError(std::string(out.status().message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * records.size());
}
BENCHMARK(BM_FreshsalesBulk)->Unit(benchmark::kMicrosecond);

// A fresh RocksDB ledger with one running run.
struct LedgerFixture {
  std::string dir;
  std::unique_ptr<ledger::Ledger> ledger;
  std::string run;
  int64_t next_key = 0;

  LedgerFixture() {
    static int n = 0;
    dir = (fs::temp_directory_path() /
           absl::StrCat("bw-micro-ledger-", getpid(), "-", ++n))
              .string();
    ledger = std::move(ledger::RocksDbLedger::Open(dir)).value();
    v1::BeginRunRequest r;
    r.set_kind(v1::RUN_KIND_MIGRATE);
    r.set_account("bench");
    r.set_config_hash("h");
    r.set_config_json("{}");
    run = ledger->BeginRun(r)->run_id();
  }
  ~LedgerFixture() {
    ledger.reset();
    fs::remove_all(dir);
  }

  v1::RecordIntentsRequest Intents(int n) {
    v1::RecordIntentsRequest r;
    r.set_account("bench");
    for (int i = 0; i < n; ++i) {
      std::string key = absl::StrCat(++next_key);
      v1::Operation* op = r.add_operations();
      op->set_run_id(run);
      op->set_kind(v1::OP_KIND_CREATE);
      op->set_source_object("patient");
      op->set_source_key(key);
      op->set_target_object("contact");
      op->set_fingerprint("0123456789abcdef0123456789abcdef");
      op->set_external_key("pbn:patient:" + key);
    }
    return r;
  }
};

void BM_LedgerIntents(benchmark::State& state) {
  LedgerFixture f;
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    v1::RecordIntentsRequest r = f.Intents(n);
    state.ResumeTiming();
    if (!f.ledger->RecordIntents(r).ok()) {
      state.SkipWithError("RecordIntents failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LedgerIntents)->Arg(1)->Arg(100)->UseRealTime();

void BM_LedgerOutcomes(benchmark::State& state) {
  LedgerFixture f;
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    v1::RecordIntentsRequest intents = f.Intents(n);
    auto seqs = f.ledger->RecordIntents(intents);
    v1::RecordOutcomesRequest r;
    r.set_account("bench");
    r.set_run_id(f.run);
    r.set_requests(1);
    for (int i = 0; i < n; ++i) {
      v1::Operation* op = r.add_operations();
      *op = intents.operations(i);
      op->set_seq(seqs->seqs(i));
      op->set_state(v1::OP_STATE_APPLIED);
      op->set_crm_id(absl::StrCat(seqs->seqs(i)));
      op->set_http_status(200);
    }
    state.ResumeTiming();
    if (!f.ledger->RecordOutcomes(r).ok()) {
      state.SkipWithError("RecordOutcomes failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_LedgerOutcomes)->Arg(1)->Arg(100)->UseRealTime();

}  // namespace
}  // namespace bridgework::bench

int main(int argc, char** argv) {
  // --patients N is ours; the rest is google-benchmark's.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--patients") == 0 && i + 1 < argc) {
      bridgework::bench::g_patients = std::atoi(argv[++i]);
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove_all(
      bridgework::bench::Fixture::Get().dir);  // made on first use
  return 0;
}
