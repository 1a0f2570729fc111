#include "tools/gen_sample/sample_children.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "tools/gen_sample/sample_util.h"
#include "tools/gen_sample/tiny_files.h"

namespace bridgework::gen_sample {
namespace {

namespace fs = std::filesystem;
using absl::CivilDay;
using absl::CivilMonth;
using absl::CivilSecond;
using nlohmann::json;

// The day of the export: nothing is recorded after it (appointments may be
// booked for later).
constexpr CivilDay kExport(2026, 10, 31);
// The communication log starts here (older messages were purged).
constexpr CivilDay kLogFrom(2024, 1, 1);
// KPI metrics cover the twelve months up to the export.
constexpr CivilMonth kKpiFrom(2025, 11);
constexpr int kKpiMonths = 12;

// ---------------------------------------------------------------------------
// Reference data.

enum class Coverage { kPreventive, kBasic, kMajor };
enum class Site { kNone, kMolar, kPosterior, kAnterior, kQuadrant, kArch };

struct Procedure {
  const char* code;
  const char* description;
  int64_t fee;  // cents
  Coverage coverage;
  Site site;
  bool by_hygienist;
  const char* materials = "";  // choices separated by '|'; "" for none
  const char* surfaces = "";   // same
};
constexpr Coverage kPrev = Coverage::kPreventive;
constexpr Coverage kBasic = Coverage::kBasic;
constexpr Coverage kMajor = Coverage::kMajor;

// CDT codes with short descriptions and the practice's fees.
const std::vector<Procedure> kProcedures = {
    {"D0120", "Periodic oral evaluation", 6500, kPrev, Site::kNone, false},
    {"D0140", "Limited oral evaluation - problem focused", 9500, kPrev,
     Site::kNone, false},
    {"D0150", "Comprehensive oral evaluation", 12000, kPrev, Site::kNone,
     false},
    {"D0210", "Intraoral - complete series of radiographic images", 15000,
     kPrev, Site::kNone, true},
    {"D0220", "Intraoral - periapical first radiographic image", 3500, kPrev,
     Site::kNone, true},
    {"D0274", "Bitewings - four radiographic images", 7500, kPrev, Site::kNone,
     true},
    {"D1110", "Prophylaxis - adult", 11500, kPrev, Site::kNone, true},
    {"D1120", "Prophylaxis - child", 8500, kPrev, Site::kNone, true},
    {"D1206", "Topical application of fluoride varnish", 4500, kPrev,
     Site::kNone, true},
    {"D1351", "Sealant - per tooth", 5500, kPrev, Site::kMolar, true,
     "Resin sealant", "O"},
    {"D2330", "Resin-based composite - one surface, anterior", 18500, kBasic,
     Site::kAnterior, false,
     "Composite resin, shade A1|Composite resin, shade A2", "M|D|F|L"},
    {"D2391", "Resin-based composite - one surface, posterior", 21000, kBasic,
     Site::kPosterior, false,
     "Composite resin, shade A2|Composite resin, shade A3", "O|B|L"},
    {"D2392", "Resin-based composite - two surfaces, posterior", 26500, kBasic,
     Site::kPosterior, false,
     "Composite resin, shade A2|Composite resin, shade A3", "MO|DO|OB"},
    {"D2740", "Crown - porcelain/ceramic", 135000, kMajor, Site::kMolar, false,
     "Lithium disilicate (e.max)|Zirconia"},
    {"D2950", "Core buildup, including any pins", 28500, kBasic, Site::kMolar,
     false, "Composite core"},
    {"D3310", "Endodontic therapy, anterior tooth", 85000, kBasic,
     Site::kAnterior, false, "Gutta-percha"},
    {"D3330", "Endodontic therapy, molar tooth", 119500, kBasic, Site::kMolar,
     false, "Gutta-percha"},
    {"D4341",
     "Periodontal scaling and root planing - four or more teeth per quadrant",
     26000, kBasic, Site::kQuadrant, true},
    {"D4910", "Periodontal maintenance", 16500, kBasic, Site::kNone, true},
    {"D6010", "Surgical placement of implant body: endosteal implant", 215000,
     kMajor, Site::kMolar, false, "Titanium implant 4.1 x 10 mm"},
    {"D6065", "Implant supported porcelain/ceramic crown", 165000, kMajor,
     Site::kMolar, false, "Zirconia on titanium base"},
    {"D7140", "Extraction, erupted tooth or exposed root", 22500, kBasic,
     Site::kMolar, false},
    {"D8090", "Comprehensive orthodontic treatment of the adult dentition",
     580000, kMajor, Site::kNone, false, "Clear aligners"},
    {"D9972", "External bleaching - per arch", 39500, kMajor, Site::kArch,
     false, "Carbamide peroxide 16%"},
};

const Procedure& Proc(std::string_view code) {
  for (const Procedure& p : kProcedures) {
    if (code == p.code) return p;
  }
  return kProcedures[0];
}

struct VisitKind {
  const char* name;
  int minutes;
  std::vector<const char*> adult;
  std::vector<const char*> child;
};
const VisitKind kNewPatient{"New patient exam",
                            90,
                            {"D0150", "D0210", "D1110"},
                            {"D0150", "D1120", "D1206"}};
const VisitKind kHygiene{
    "Hygiene", 60, {"D0120", "D0274", "D1110"}, {"D0120", "D1120", "D1206"}};
const VisitKind kPerio{
    "Perio maintenance", 60, {"D0120", "D4910"}, {"D0120", "D1120"}};
const VisitKind kEmergency{
    "Emergency exam", 30, {"D0140", "D0220"}, {"D0140", "D0220"}};

struct Step {
  const char* code;
  int slot;  // steps with the same slot (>= 0) are on the same tooth
};
struct PlanKind {
  const char* name;
  const char* category;
  const char* visit;  // appointment_type of the visits doing it
  int minutes;
  std::vector<Step> steps;
  int adult_weight;
  int child_weight;
};
const std::vector<PlanKind> kPlanKinds = {
    {"Crown", "restorative", "Crown", 90, {{"D2950", 0}, {"D2740", 0}}, 22, 0},
    {"Root canal and crown",
     "endodontic",
     "Root canal",
     90,
     {{"D3330", 0}, {"D2950", 0}, {"D2740", 0}},
     12,
     0},
    {"Fillings",
     "restorative",
     "Fillings",
     60,
     {{"D2391", 0}, {"D2392", 1}, {"D2330", 2}},
     25,
     40},
    {"Implant",
     "implant",
     "Implant surgery",
     120,
     {{"D7140", 0}, {"D6010", 0}, {"D6065", 0}},
     8,
     0},
    {"Scaling and root planing",
     "periodontal",
     "Scaling and root planing",
     90,
     {{"D4341", -1}, {"D4341", -1}, {"D4341", -1}, {"D4341", -1}},
     12,
     0},
    {"Whitening",
     "cosmetic",
     "Whitening",
     60,
     {{"D9972", -1}, {"D9972", -1}},
     8,
     0},
    {"Clear aligners",
     "orthodontic",
     "Aligner delivery",
     45,
     {{"D8090", -1}},
     5,
     0},
    {"Full Reconstruction",
     "restorative",
     "Crown",
     120,
     {{"D2740", 0},
      {"D2740", 1},
      {"D2740", 2},
      {"D2950", 3},
      {"D2740", 3},
      {"D6010", 4},
      {"D6065", 4}},
     4,
     0},
    {"Sealants",
     "restorative",
     "Sealants",
     45,
     {{"D1351", 0}, {"D1351", 1}, {"D1351", 2}, {"D1351", 3}},
     0,
     60},
};

const std::vector<int> kMolars = {2, 3, 14, 15, 18, 19, 30, 31};
const std::vector<int> kPosterior = {2,  3,  4,  5,  12, 13, 14, 15,
                                     18, 19, 20, 21, 28, 29, 30, 31};
const std::vector<int> kAnterior = {6, 7, 8, 9, 10, 11, 22, 23, 24, 25, 26, 27};

std::string QuadrantOf(int tooth) {
  return tooth <= 8 ? "UR" : tooth <= 16 ? "UL" : tooth <= 24 ? "LL" : "LR";
}

struct Carrier {
  const char* name;
  const char* plan;
  const char* member_prefix;
  int preventive, basic, major;
};
const std::vector<Carrier> kCarriers = {
    {"Delta Dental of Texas", "Delta Dental PPO", "DDT", 100, 80, 50},
    {"MetLife", "PDP Plus", "MET", 100, 80, 50},
    {"Cigna Dental", "Cigna DPPO Advantage", "U", 100, 70, 50},
    {"Aetna Dental", "Aetna Dental PPO", "W", 100, 80, 50},
    {"Guardian", "Guardian DentalGuard Preferred", "GRD", 100, 80, 50},
    {"United Concordia", "Concordia Plus", "UC", 90, 80, 50},
    {"Humana Dental", "Humana Preventive Plus", "H", 100, 70, 40},
    {"Blue Cross Blue Shield of Texas", "BlueCare Dental PPO", "ZGD", 100, 80,
     50},
};
const Carrier kChip = {"DentaQuest", "Texas CHIP Dental", "TXC", 100, 100, 50};
const std::vector<std::string> kEmployers = {
    "Dell Technologies",
    "Austin ISD",
    "City of Round Rock",
    "H-E-B",
    "Samsung Austin Semiconductor",
    "The University of Texas at Austin",
    "St. David's HealthCare",
    "Travis County",
    "Apple Inc.",
    "Oracle America",
    "Whole Foods Market",
    "Self-employed (individual plan)"};

struct Campaign {
  const char* id;
  const char* name;
  const char* channel;
  const char* location;
  const char* starts_on;
  const char* ends_on;
  const char* budget;
  const char* active;
};
// Names of the first six match patients.csv's referral_source values.
const std::vector<Campaign> kCampaignTable = {
    {"101", "Google Ads", "google_ads", "", "2024-01-01", "2026-12-31",
     "36000.00", "true"},
    {"102", "Referral program", "referral", "", "2022-06-01", "", "5000.00",
     "true"},
    {"103", "Direct mail", "direct_mail", "1", "2025-02-01", "2025-04-30",
     "4200.00", "false"},
    {"104", "Facebook", "facebook", "", "2024-03-01", "2026-12-31", "9600.00",
     "true"},
    {"105", "Insurance directory", "other", "", "2021-01-01", "", "", "true"},
    {"106", "Spring whitening mailer", "direct_mail", "2", "2026-03-01",
     "2026-05-31", "2500.00", "false"},
    {"107", "Invisalign open house", "email", "1", "2025-09-10", "2025-09-10",
     "750.00", "false"},
};

struct PropertyDef {
  const char* name;
  const char* type;
  std::vector<std::string> choices;
};
const std::vector<PropertyDef> kPropertyDefs = {
    {"Preferred appointment time",
     "picklist",
     {"Early morning", "Morning", "Lunchtime", "Afternoon", "After 5 pm",
      "Saturday"}},
    {"Dental anxiety", "picklist", {"None", "Mild", "Moderate", "Severe"}},
    {"Special needs", "bool", {}},
    {"Premedication required", "bool", {}},
    {"Recall preference",
     "picklist",
     {"Text", "Email", "Phone call", "Postcard"}},
    {"Last fluoride date", "date", {}},
    {"Family member link", "text", {}},
    {"Lifetime value", "number", {}},
};

const std::vector<std::string> kAllergies = {"Penicillin", "Latex",
                                             "Codeine",    "Sulfa drugs",
                                             "Ibuprofen",  "Amoxicillin"};
const std::vector<std::string> kMedications = {
    "Lisinopril 10 mg",     "Metformin 500 mg", "Atorvastatin 20 mg",
    "Levothyroxine 50 mcg", "Sertraline 50 mg", "Albuterol inhaler",
    "Warfarin 5 mg",        "Alendronate 70 mg"};
const std::vector<std::string> kConditions = {
    "High blood pressure", "Type 2 diabetes", "Asthma",   "Heart murmur",
    "Artificial joint",    "Acid reflux",     "Pregnancy"};

// Provider ids of providers.csv.
constexpr char kHygienist[] = "12";
constexpr char kFrontDesk[] = "14";
std::string MainDentist(const std::string& location) {
  return location == "1" ? "10" : "11";
}
bool IsDentist(const std::string& provider) {
  return provider == "10" || provider == "11" || provider == "13";
}

// ---------------------------------------------------------------------------
// A patient's history, built in memory before its rows are written.

struct Visit {
  int64_t id = 0;
  CivilSecond start;
  int minutes = 60;
  std::string type;
  std::string status;
  std::string dentist, hygienist;
  std::string operatory;
  bool new_patient = false;
  bool hygiene_kind = false;  // counts as a hygiene visit for recalls
  std::vector<std::string> codes;
  std::string note;
  CivilSecond created, updated;
  int plan = -1;
  int64_t insurance_paid = 0;
};

struct Tx {
  int64_t id = 0;
  std::string code, tooth, surface, quadrant, materials, status;
  std::optional<CivilDay> performed;
  int64_t fee = 0;
  int visit = -1;
  int plan = -1;
  std::string provider;
  CivilDay day;  // performed, else the plan's presentation
  CivilSecond updated;
};

struct Plan {
  int64_t id = 0;
  const PlanKind* kind = nullptr;
  std::string status;
  CivilDay presented;
  std::optional<CivilDay> accepted;
  std::string provider;
  int64_t total = 0, insurance = 0;
  std::string note;
  std::vector<int> txs;
  CivilSecond updated;
  int64_t consent_document = 0;
};

struct Payment {
  int64_t id = 0;
  CivilDay day;
  int64_t cents = 0;
  std::string method, payer, reference, note, provider;
  int tx = -1;
  int plan = -1;
};

struct Coverage3 {
  int preventive = 0, basic = 0, major = 0;
  int Percent(Coverage c) const {
    return c == Coverage::kPreventive ? preventive
           : c == Coverage::kBasic    ? basic
                                      : major;
  }
};

struct Insurance {
  int64_t id = 0;
  int64_t subscriber = 0;
  std::string relationship;
  int priority = 1;
  const Carrier* carrier = nullptr;
  std::string group_name, group_number, policy_number;
  int64_t annual_maximum = 0, deductible = 0;
  CivilDay effective;
  std::optional<CivilDay> terminates;
  CivilSecond updated;
};

// What a dependent can inherit from the policy holder.
struct Policy {
  const Carrier* carrier;
  std::string group_name, group_number, policy_number;
  int64_t annual_maximum, deductible;
  CivilDay effective;
};

struct KpiAcc {
  int64_t production = 0, collections = 0;
  int new_patients = 0, presented = 0, accepted = 0, minutes = 0;
  int recalls_due = 0, recalls_kept = 0;
  int reviews = 0, google = 0, google_stars = 0;
};

enum File {
  kCampaigns,
  kMembers,
  kProperties,
  kInsurances,
  kPlans,
  kAppointments,
  kTreatments,
  kPayments,
  kRecalls,
  kReviews,
  kNotes,
  kDocuments,
  kCommunications,
  kForms,
  kKpis,
  kFileCount
};

struct FileDef {
  const char* name;
  std::vector<std::string> header;
};
// Columns exactly as pbn_layout.cc declares them (the test checks).
const std::array<FileDef, kFileCount>& FileDefs() {
  static const auto* const kDefs = new std::array<FileDef, kFileCount>{{
      {"campaigns.csv",
       {"campaign_id", "name", "channel", "location_id", "starts_on", "ends_on",
        "budget", "active", "updated_at"}},
      {"campaign_members.csv",
       {"campaign_member_id", "campaign_id", "patient_id", "joined_on",
        "updated_at"}},
      {"custom_patient_properties.csv",
       {"custom_property_id", "patient_id", "property_name", "property_type",
        "value", "updated_at"}},
      {"insurance.csv",
       {"insurance_id", "patient_id", "subscriber_patient_id", "relationship",
        "priority", "carrier_name", "plan_name", "group_name", "group_number",
        "policy_number", "coverage_preventive_pct", "coverage_basic_pct",
        "coverage_major_pct", "annual_maximum", "deductible",
        "remaining_benefit", "effective_on", "terminates_on", "updated_at"}},
      {"treatment_plans.csv",
       {"treatment_plan_id", "patient_id", "provider_id", "location_id", "name",
        "category", "status", "presented_on", "accepted_on", "estimated_amount",
        "insurance_estimate", "patient_estimate", "note", "updated_at"}},
      {"appointments.csv",
       {"appointment_id", "patient_id", "provider_id", "hygienist_id",
        "location_id", "start_at", "end_at", "duration_minutes",
        "appointment_type", "status", "operatory", "is_new_patient",
        "procedure_codes", "note", "created_at", "updated_at"}},
      {"treatments.csv",
       {"treatment_id", "patient_id", "appointment_id", "treatment_plan_id",
        "provider_id", "location_id", "procedure_code", "description", "tooth",
        "surface", "quadrant", "materials", "status", "performed_on", "fee",
        "updated_at"}},
      {"payments.csv",
       {"payment_id", "patient_id", "location_id", "provider_id",
        "treatment_id", "treatment_plan_id", "paid_on", "amount",
        "payment_method", "payer_type", "reference", "note", "updated_at"}},
      {"recalls.csv",
       {"recall_id", "patient_id", "provider_id", "recall_type",
        "interval_months", "due_on", "previous_on", "scheduled_on", "status",
        "note", "updated_at"}},
      {"reviews.csv",
       {"review_id", "patient_id", "location_id", "provider_id", "platform",
        "rating", "comment", "responded", "submitted_at", "updated_at"}},
      {"notes.csv",
       {"note_id", "patient_id", "provider_id", "appointment_id", "note_type",
        "format", "body", "created_at", "updated_at"}},
      {"documents.csv",
       {"document_id", "patient_id", "provider_id", "appointment_id",
        "treatment_plan_id", "category", "title", "file_name", "content_type",
        "file_path", "size_bytes", "uploaded_at", "updated_at"}},
      {"communications.csv",
       {"communication_id", "patient_id", "location_id", "provider_id",
        "appointment_id", "recall_id", "channel", "direction", "category",
        "status", "subject", "summary", "occurred_at", "updated_at"}},
      {"form_submissions.csv",
       {"form_submission_id", "patient_id", "location_id", "form_name",
        "form_version", "status", "submitted_at", "reviewed_by_provider_id",
        "document_id", "answers_json", "updated_at"}},
      {"kpi_metrics.csv",
       {"kpi_metric_id", "location_id", "provider_id", "metric", "period",
        "period_start", "period_end", "value", "unit", "goal", "updated_at"}},
  }};
  return *kDefs;
}

// Cells joined by commas; the cell at `raw` is written as is, unquoted (the
// way a broken export writes it).
std::string RowWithRawCell(const std::vector<std::string>& cells, size_t raw) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += i == raw ? cells[i] : Quote(cells[i]);
  }
  return out + "\n";
}

std::string Id(int64_t id) { return id == 0 ? "" : absl::StrCat(id); }

// Minutes and hours of a 24-hour clock as text: "9:30 AM".
std::string ClockText(CivilSecond t) {
  int h = t.hour() % 12 == 0 ? 12 : t.hour() % 12;
  return absl::StrFormat("%d:%02d %s", h, t.minute(),
                         t.hour() < 12 ? "AM" : "PM");
}

CivilSecond AtMinute(CivilDay day, int minute_of_day) {
  return CivilSecond(day.year(), day.month(), day.day(), minute_of_day / 60,
                     minute_of_day % 60, 0);
}

CivilSecond NotAfterExport(CivilSecond t) {
  const CivilSecond limit(2026, 10, 31, 18, 0, 0);
  return t > limit ? limit : t;
}

CivilDay Day(CivilSecond t) { return CivilDay(t); }

CivilDay AddMonths(CivilDay day, int months) {
  CivilMonth m = CivilMonth(day) + months;
  CivilDay first(m);
  CivilDay next_first(m + 1);
  int last_day = static_cast<int>(next_first - first);
  return CivilDay(m.year(), m.month(), std::min(day.day(), last_day));
}

// ---------------------------------------------------------------------------

// Writes the child files in one pass over the patients, each patient's
// history built in memory and then written, so memory does not grow with
// the number of patients (but for the KPI sums and the
// policies of policy holders). One use; not thread-safe.
class ChildWriter {
 public:
  ChildWriter(const fs::path& dir, uint32_t seed,
              const std::vector<PatientInfo>& patients, SampleSummary* summary)
      : dir_(dir),
        rng_(seed * 2654435761u + 0x9e3779b9u),
        patients_(patients),
        summary_(summary) {}

  absl::Status Run() {
    std::error_code ec;
    fs::remove_all(dir_ / "documents", ec);
    fs::create_directories(dir_ / "documents", ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(
          "cannot create ", (dir_ / "documents").string(), ": ", ec.message()));
    }
    for (int f = 0; f < kFileCount; ++f) {
      const FileDef& def = FileDefs()[f];
      absl::Status s = files_[f].Open(dir_ / def.name, def.header);
      if (!s.ok()) return s;
    }

    WriteCampaigns();
    // The bad row of each per-patient file goes before the rows of one
    // patient, spread over the file.
    const int n = static_cast<int>(patients_.size());
    for (int f = kMembers; f <= kForms; ++f) {
      bad_at_[f] =
          std::min(n - 1, n * (f - kMembers + 1) / (kForms - kMembers + 2));
    }
    for (int i = 0; i < n; ++i) {
      for (int f = kMembers; f <= kForms; ++f) {
        if (!bad_done_[f] && i >= bad_at_[f])
          bad_done_[f] = WriteBadRow(f, patients_[i]);
      }
      WritePatient(patients_[i]);
      if (!status_.ok()) return status_;
    }
    for (int f = kMembers; f <= kForms; ++f) {
      if (!bad_done_[f]) bad_done_[f] = WriteBadRow(f, patients_.back());
    }
    WriteAnonymousReviews();
    WriteKpis();
    if (!status_.ok()) return status_;
    for (int f = 0; f < kFileCount; ++f) {
      absl::Status s = files_[f].Close();
      if (!s.ok()) return s;
      FileSummary fs_summary;
      fs_summary.file = files_[f].name();
      fs_summary.rows = files_[f].rows();
      fs_summary.bad_rows = bad_rows_[f];
      summary_->files.push_back(std::move(fs_summary));
    }
    summary_->dangling_appointment_line = dangling_line_;
    summary_->document_files = document_files_;
    return absl::OkStatus();
  }

 private:
  // -------------------------------------------------------------------------
  // campaigns.csv

  void WriteCampaigns() {
    CsvFile& f = files_[kCampaigns];
    for (size_t i = 0; i < kCampaignTable.size(); ++i) {
      const Campaign& c = kCampaignTable[i];
      if (i == 4) {
        // A summer campaign whose end date the export mangled.
        int64_t line =
            f.Write({"108", "Summer recall push", "email", "2", "2026-06-01",
                     "2026-06-31", "1200.00", "false", "2026-07-01 09:00:00"});
        bad_rows_[kCampaigns].push_back({line, "ends_on"});
      }
      f.Write({c.id, c.name, c.channel, c.location, c.starts_on, c.ends_on,
               c.budget, c.active, "2026-10-01 08:00:00"});
    }
  }

  const Campaign* CampaignFor(const std::string& referral) const {
    for (const Campaign& c : kCampaignTable) {
      if (referral == c.name) return &c;
    }
    return nullptr;
  }

  // One of the '|'-separated `choices`.
  std::string PickOne(const char* choices) {
    std::vector<std::string> all = absl::StrSplit(choices, '|');
    return rng_.Pick(all);
  }

  // -------------------------------------------------------------------------
  // Deliberately bad rows (docs/connectors/pbn-export.md lists them).

  // Writes file `f`'s bad row in the context of patient `p`. Returns false
  // when it cannot be written yet (a duplicate needs a row to repeat).
  bool WriteBadRow(int f, const PatientInfo& p) {
    const std::string pid = absl::StrCat(p.id);
    CsvFile& file = files_[f];
    std::vector<BadRow>& bad = bad_rows_[f];
    const std::string stamp = "2026-10-02 11:20:00";
    switch (f) {
      case kMembers: {
        // The same row exported twice.
        if (last_member_row_.empty()) {
          if (&p != &patients_.back()) return false;
          const std::string row =
              CsvRow({Id(++ids_[kMembers]), "101", pid, "2026-01-15", stamp});
          file.WriteRaw(row);
          last_member_row_ = row;
        }
        bad.push_back({file.WriteRaw(last_member_row_), "campaign_member_id"});
        return true;
      }
      case kProperties:
        bad.push_back({file.Write({"", pid, "Preferred appointment time",
                                   "picklist", "Morning", stamp}),
                       "custom_property_id"});
        return true;
      case kInsurances:
        bad.push_back(
            {file.Write({Id(++ids_[kInsurances]), pid, pid, "self", "1",
                         "MetLife", "PDP Plus", "Travis County", "0204417",
                         "MET884120775", "100", "80%", "50", "1500.00", "50.00",
                         "1500.00", "2026-01-01", "", stamp}),
             "coverage_basic_pct"});
        return true;
      case kPlans:
        bad.push_back({file.Write({Id(++ids_[kPlans]), pid,
                                   MainDentist(p.location), p.location, "Crown",
                                   "restorative", "proposed", "2026-09-14", "",
                                   "$1,850.00", "0.00", "1850.00", "", stamp}),
                       "estimated_amount"});
        return true;
      case kAppointments: {
        bad.push_back({file.Write({Id(++ids_[kAppointments]), pid,
                                   MainDentist(p.location), "", p.location,
                                   "2026-09-31 09:00", "", "60", "Hygiene",
                                   "scheduled", "", "false", "D0120;D1110", "",
                                   "2026-09-02 10:00:00", stamp}),
                       "start_at"});
        // Well formed, but patient 1000 is not in patients.csv (merged
        // away in PbN): the loader cannot link it.
        dangling_line_ = file.Write(
            {Id(++ids_[kAppointments]), "1000", MainDentist(p.location),
             kHygienist, p.location, "2026-08-11 10:00:00",
             "2026-08-11 11:00:00", "60", "Hygiene", "completed", "Hyg 1",
             "false", "D0120;D0274;D1110", "", "2026-07-20 15:05:00", stamp});
        return true;
      }
      case kTreatments: {
        // A description with a comma the export forgot to quote.
        std::vector<std::string> cells = {Id(++ids_[kTreatments]),
                                          pid,
                                          "",
                                          "",
                                          MainDentist(p.location),
                                          p.location,
                                          "D2740",
                                          "Crown - porcelain, ceramic",
                                          "30",
                                          "",
                                          "LR",
                                          "Zirconia",
                                          "planned",
                                          "",
                                          "1350.00",
                                          stamp};
        bad.push_back({file.WriteRaw(RowWithRawCell(cells, 7)), ""});
        return true;
      }
      case kPayments:
        bad.push_back(
            {file.Write({Id(++ids_[kPayments]), pid, p.location, "", "", "",
                         "2026-09-30", "$85.00", "credit_card", "patient", "",
                         "Copay", stamp}),
             "amount"});
        return true;
      case kRecalls:
        bad.push_back({file.Write({Id(++ids_[kRecalls]), pid, kHygienist,
                                   "6-month hygiene", "six", "2027-03-01",
                                   "2026-09-01", "", "due", "", stamp}),
                       "interval_months"});
        return true;
      case kReviews:
        bad.push_back({file.Write({Id(++ids_[kReviews]), pid, p.location, "",
                                   "google", "4", "Quick and friendly.",
                                   "pending", "2026-09-20 19:42:00", stamp}),
                       "responded"});
        return true;
      case kNotes:
        // Latin-1 text from an older system: not UTF-8.
        bad.push_back({file.Write({Id(++ids_[kNotes]), pid, kFrontDesk, "",
                                   "administrative", "text",
                                   "Imported from the old system: prefers "
                                   "Ren\xe9"
                                   "e at the front desk.",
                                   "2019-04-02 09:00:00", stamp}),
                       "body"});
        return true;
      case kDocuments: {
        // The row survived; the file did not make it into the export.
        const std::string name = "Panoramic x-ray 2019-05-02.png";
        bad.push_back(
            {file.Write({Id(++ids_[kDocuments]), pid, kHygienist, "", "",
                         "xray", "Panoramic x-ray", name, "image/png",
                         absl::StrCat("documents/", pid, "/", name), "48213",
                         "2019-05-02 10:30:00", stamp}),
             "file_path"});
        return true;
      }
      case kCommunications:
        bad.push_back(
            {file.Write({Id(++ids_[kCommunications]), pid, p.location,
                         kFrontDesk, "", "", "phone", "inbound", "general",
                         "answered", "", "Asked about parking at the office.",
                         "09/14/2026 10:30", stamp}),
             "occurred_at"});
        return true;
      case kForms: {
        std::vector<std::string> cells = {
            Id(++ids_[kForms]),
            pid,
            p.location,
            "Medical history update",
            "3",
            "submitted",
            "2026-09-03 18:12:00",
            "",
            "",
            "\"{\"\"changes_since_last_visit\"\":false}\"x",
            stamp};
        bad.push_back(
            {file.WriteRaw(RowWithRawCell(cells, 9)), "answers_json"});
        return true;
      }
    }
    return true;
  }

  // -------------------------------------------------------------------------
  // One patient.

  void WritePatient(const PatientInfo& p) {
    p_ = &p;
    visits_.clear();
    txs_.clear();
    plans_.clear();
    payments_.clear();
    insurances_.clear();
    CivilDay birth;
    child_ = ParseDay(p.birth_date, &birth) && birth.year() >= 2008;
    dentist_ = IsDentist(p.provider) ? p.provider : MainDentist(p.location);
    ParseDay(p.created_at, &created_);
    CivilDay first, last;
    const bool visited = p.completed > 0 && ParseDay(p.first_visit, &first) &&
                         ParseDay(p.last_visit, &last);

    WriteMember();
    MakeInsurance();
    if (visited) {
      MakeHistory(first, last);
      MakePlans();
    } else {
      MakeProspectVisits();
    }
    MakeFutureVisits();
    FinishVisits();
    MakeTreatments();
    MakePayments();
    WriteInsurance();
    WritePlans();
    WriteAppointments();
    WriteTreatments();
    WritePayments();
    WriteRecalls();
    WriteReviews();
    WriteNotes();
    WriteDocumentsAndForms();
    WriteProperties();
    WriteCommunications();
  }

  void WriteMember() {
    const Campaign* c = CampaignFor(p_->referral);
    if (c == nullptr) return;
    last_member_row_ =
        CsvRow({Id(++ids_[kMembers]), c->id, Id(p_->id), DayText(created_),
                TimeText(AtOfficeTime(rng_, created_))});
    files_[kMembers].WriteRaw(last_member_row_);
  }

  // -------------------------------------------------------------------------
  // Insurance: a policy of the patient's own, or the guarantor's.

  Policy NewPolicy(const Carrier* carrier) {
    Policy policy;
    policy.carrier = carrier;
    policy.group_name = rng_.Pick(kEmployers);
    policy.group_number =
        absl::StrFormat("%07d", rng_.Between(100000, 9999999));
    policy.policy_number = absl::StrFormat("%s%09d", carrier->member_prefix,
                                           rng_.Between(0, 999999999));
    static const std::vector<int64_t> kMaximums = {100000, 150000, 150000,
                                                   200000, 250000};
    static const std::vector<int64_t> kDeductibles = {5000, 5000, 7500, 10000};
    policy.annual_maximum = rng_.Pick(kMaximums);
    policy.deductible = rng_.Pick(kDeductibles);
    CivilDay start = created_ - rng_.Between(0, 900);
    policy.effective = std::max(start, CivilDay(2012, 1, 1));
    return policy;
  }

  void AddInsurance(const Policy& policy, int64_t subscriber,
                    const std::string& relationship, int priority) {
    Insurance ins;
    ins.id = ++ids_[kInsurances];
    ins.subscriber = subscriber;
    ins.relationship = relationship;
    ins.priority = priority;
    ins.carrier = policy.carrier;
    ins.group_name = policy.group_name;
    ins.group_number = policy.group_number;
    ins.policy_number = policy.policy_number;
    ins.annual_maximum = policy.annual_maximum;
    ins.deductible = policy.deductible;
    ins.effective = policy.effective;
    ins.updated =
        AtOfficeTime(rng_, DayBetween(rng_, CivilDay(2026, 1, 1), kExport));
    insurances_.push_back(std::move(ins));
  }

  void MakeInsurance() {
    coverage_.reset();
    const PatientInfo& p = *p_;
    if (p.guarantor != 0) {
      auto it = policies_.find(p.guarantor);
      if (it != policies_.end() && rng_.Chance(85)) {
        AddInsurance(it->second, p.guarantor, "child", 1);
      } else if (child_ && rng_.Chance(30)) {
        Policy chip = NewPolicy(&kChip);
        chip.group_name = "Texas CHIP";
        chip.group_number = "";
        AddInsurance(chip, p.id, "self", 1);
      }
    } else if (rng_.Chance(62)) {
      if (rng_.Chance(10)) {
        // An earlier plan, ended when the patient changed jobs.
        Policy old = NewPolicy(&rng_.Pick(kCarriers));
        Policy current = NewPolicy(&rng_.Pick(kCarriers));
        old.effective = current.effective - rng_.Between(400, 1500);
        AddInsurance(old, p.id, "self", 1);
        insurances_.back().terminates = current.effective - 1;
        AddInsurance(current, p.id, "self", 1);
        policies_[p.id] = current;
      } else {
        Policy current = NewPolicy(&rng_.Pick(kCarriers));
        AddInsurance(current, p.id, "self", 1);
        policies_[p.id] = current;
      }
      if (rng_.Chance(12)) {
        // The spouse's plan, as secondary; the spouse is not a patient.
        AddInsurance(NewPolicy(&rng_.Pick(kCarriers)), 0, "spouse", 2);
      }
    }
    for (const Insurance& ins : insurances_) {
      if (ins.priority == 1 && !ins.terminates) {
        coverage_ = Coverage3{ins.carrier->preventive, ins.carrier->basic,
                              ins.carrier->major};
        annual_maximum_ = ins.annual_maximum;
      }
    }
    used_by_year_.clear();
  }

  // Insurance's share of `fee` for procedure `code` performed in `year`,
  // within what is left of the annual maximum (which it then uses).
  int64_t InsuranceShare(const std::string& code, int64_t fee, int year) {
    if (!coverage_) return 0;
    int64_t share = fee * coverage_->Percent(Proc(code).coverage) / 100;
    int64_t& used = used_by_year_[year];
    share = std::min(share, std::max<int64_t>(0, annual_maximum_ - used));
    used += share;
    return share;
  }

  // -------------------------------------------------------------------------
  // Appointments.

  int AddVisit(CivilDay day, const VisitKind& kind, const std::string& status) {
    Visit v;
    const int start_minute = rng_.Between(7 * 4, 16 * 4) * 15;
    v.start = AtMinute(day, start_minute);
    v.minutes = kind.minutes;
    v.type = kind.name;
    v.status = status;
    v.dentist = dentist_;
    v.hygiene_kind =
        &kind == &kNewPatient || &kind == &kHygiene || &kind == &kPerio;
    if (v.hygiene_kind) v.hygienist = kHygienist;
    v.new_patient = &kind == &kNewPatient;
    for (const char* c : child_ ? kind.child : kind.adult) v.codes.push_back(c);
    visits_.push_back(std::move(v));
    return static_cast<int>(visits_.size()) - 1;
  }

  void MakeHistory(CivilDay first, CivilDay last) {
    int k = std::min(p_->completed, 2 + static_cast<int>(rng_.Below(4)));
    if (last <= first) k = 1;
    std::set<CivilDay> days = {first};
    if (k >= 2) days.insert(last);
    for (int tries = 0; static_cast<int>(days.size()) < k && tries < 20;
         ++tries) {
      days.insert(DayBetween(rng_, first + 1, last - 1));
    }
    const bool perio = !child_ && rng_.Chance(12);
    for (CivilDay day : days) {
      const VisitKind* kind = &kHygiene;
      if (day == first) {
        kind = &kNewPatient;
      } else if (perio) {
        kind = &kPerio;
      } else if (rng_.Chance(18)) {
        kind = &kEmergency;
      }
      AddVisit(day, *kind, "completed");
    }
    if (rng_.Chance(25) && last - first > 2) {
      static const std::vector<std::string> kMissed = {"cancelled", "cancelled",
                                                       "cancelled", "no_show",
                                                       "no_show",   "broken"};
      const CivilDay day = DayBetween(rng_, first + 1, last - 1);
      AddVisit(day, kHygiene, rng_.Pick(kMissed));
    }
  }

  void MakeProspectVisits() {
    // A first exam that did not happen.
    if (rng_.Chance(15) && created_ < kExport - 7) {
      const CivilDay day = DayBetween(rng_, created_ + 3, kExport - 1);
      AddVisit(day, kNewPatient, rng_.Chance(60) ? "cancelled" : "no_show");
    }
  }

  void MakeFutureVisits() {
    if (p_->status != "active") return;
    if (p_->completed == 0) {
      if (rng_.Chance(40)) {
        const CivilDay day = DayBetween(rng_, kExport + 1, kExport + 45);
        AddVisit(day, kNewPatient, rng_.Chance(50) ? "confirmed" : "scheduled");
      }
      return;
    }
    if (rng_.Chance(55)) {
      bool perio = false;
      for (const Visit& v : visits_) perio = perio || v.type == kPerio.name;
      CivilDay day = DayBetween(rng_, kExport + 1, kExport + 120);
      AddVisit(
          day, perio ? kPerio : kHygiene,
          day - kExport <= 7 && rng_.Chance(70) ? "confirmed" : "scheduled");
    }
  }

  // Gives visits ids in order of start (visit_order_; treatments and plans
  // keep pointing at visits by index), operatories and times of record.
  void FinishVisits() {
    visit_order_.resize(visits_.size());
    for (size_t i = 0; i < visits_.size(); ++i)
      visit_order_[i] = static_cast<int>(i);
    std::stable_sort(
        visit_order_.begin(), visit_order_.end(),
        [this](int a, int b) { return visits_[a].start < visits_[b].start; });
    static const std::vector<std::string> kChairs1 = {"Op 1", "Op 2", "Op 3"};
    static const std::vector<std::string> kHygiene1 = {"Hyg 1", "Hyg 2"};
    static const std::vector<std::string> kChairs2 = {"Op A", "Op B"};
    static const std::vector<std::string> kHygiene2 = {"Hyg A"};
    const bool main = p_->location == "1";
    for (int i : visit_order_) {
      Visit& v = visits_[i];
      v.id = ++ids_[kAppointments];
      v.operatory = v.hygiene_kind ? rng_.Pick(main ? kHygiene1 : kHygiene2)
                                   : rng_.Pick(main ? kChairs1 : kChairs2);
      const CivilDay day = Day(v.start);
      CivilDay booked = std::max(created_, day - rng_.Between(2, 60));
      if (booked > kExport) booked = kExport;
      v.created = std::min(AtOfficeTime(rng_, booked), v.start);
      if (day > kExport) {
        v.updated = v.created;
      } else {
        v.updated = NotAfterExport(v.start + v.minutes * 60 +
                                   rng_.Between(5, 240) * 60);
      }
      if (v.status == "cancelled") v.note = "Patient called to reschedule.";
      if (v.status == "no_show") v.note = "No call, no show.";
      if (v.new_patient && v.status == "completed" && rng_.Chance(30)) {
        v.note = "New patient; brought x-rays from previous dentist.";
      }
    }
  }

  // -------------------------------------------------------------------------
  // Treatment plans: proposed at a visit, done at later ones.

  const PlanKind& PickPlanKind() {
    int total = 0;
    for (const PlanKind& k : kPlanKinds)
      total += child_ ? k.child_weight : k.adult_weight;
    int pick = static_cast<int>(rng_.Below(static_cast<uint32_t>(total)));
    for (const PlanKind& k : kPlanKinds) {
      pick -= child_ ? k.child_weight : k.adult_weight;
      if (pick < 0) return k;
    }
    return kPlanKinds[0];
  }

  void MakePlans() {
    if (!rng_.Chance(35)) return;
    const int count = rng_.Chance(15) ? 2 : 1;
    for (int n = 0; n < count; ++n) {
      // Completed visits, in order, not yet doing a plan.
      std::vector<int> done;
      for (size_t i = 0; i < visits_.size(); ++i) {
        if (visits_[i].status == "completed")
          done.push_back(static_cast<int>(i));
      }
      std::sort(done.begin(), done.end(), [this](int a, int b) {
        return visits_[a].start < visits_[b].start;
      });
      if (done.empty()) return;
      const int at =
          static_cast<int>(rng_.Below(static_cast<uint32_t>(done.size())));
      const Visit& presented_at = visits_[done[at]];
      if (presented_at.plan >= 0) continue;
      Plan plan;
      plan.kind = &PickPlanKind();
      plan.presented = Day(presented_at.start);
      plan.provider = presented_at.dentist;
      int roll = static_cast<int>(rng_.Below(100));
      plan.status = roll < 30   ? "proposed"
                    : roll < 55 ? "accepted"
                    : roll < 70 ? "rejected"
                                : "completed";
      std::vector<int> later;
      for (int j = at + 1; j < static_cast<int>(done.size()); ++j) {
        if (visits_[done[j]].plan < 0 && !visits_[done[j]].new_patient)
          later.push_back(done[j]);
      }
      if (plan.status == "completed" && later.empty()) plan.status = "accepted";
      const int index = static_cast<int>(plans_.size());
      // Teeth per slot.
      std::map<int, int> teeth;
      std::set<int> used;
      std::vector<Tx> txs;
      int quadrant = 0;
      for (const Step& step : plan.kind->steps) {
        const Procedure& proc = Proc(step.code);
        Tx tx;
        tx.code = proc.code;
        tx.fee = proc.fee;
        tx.plan = index;
        tx.provider = proc.by_hygienist ? kHygienist : plan.provider;
        if (step.slot >= 0) {
          auto it = teeth.find(step.slot);
          if (it == teeth.end()) {
            static const std::vector<int> kSealed = {3, 14, 19, 30};
            const std::vector<int>& pool =
                proc.site == Site::kAnterior    ? kAnterior
                : proc.site == Site::kPosterior ? kPosterior
                                                : kMolars;
            int tooth = std::string_view(proc.code) == "D1351"
                            ? kSealed[step.slot % 4]
                            : rng_.Pick(pool);
            for (int tries = 0; used.count(tooth) && tries < 20; ++tries)
              tooth = rng_.Pick(pool);
            used.insert(tooth);
            it = teeth.emplace(step.slot, tooth).first;
          }
          tx.tooth = absl::StrCat(it->second);
          tx.quadrant = QuadrantOf(it->second);
        } else if (proc.site == Site::kQuadrant) {
          static const std::vector<std::string> kQuadrants = {"UR", "UL", "LL",
                                                              "LR"};
          tx.quadrant = kQuadrants[quadrant++ % 4];
        } else if (proc.site == Site::kArch) {
          tx.surface = "";
          tx.quadrant = quadrant++ % 2 == 0 ? "UA" : "LA";
        }
        if (*proc.surfaces) tx.surface = PickOne(proc.surfaces);
        if (*proc.materials) tx.materials = PickOne(proc.materials);
        tx.status = plan.status == "rejected" ? "declined" : "planned";
        tx.day = plan.presented;
        txs.push_back(std::move(tx));
      }
      // Fillings: two or three of them.
      if (std::string_view(plan.kind->name) == "Fillings" && rng_.Chance(50))
        txs.pop_back();
      for (const Tx& tx : txs) plan.total += tx.fee;

      // Which visits do the work.
      std::vector<std::vector<int>> visit_txs;
      if (plan.status == "completed" ||
          (plan.status == "accepted" && !later.empty() && rng_.Chance(60))) {
        const size_t done_count = plan.status == "completed"
                                      ? txs.size()
                                      : std::max<size_t>(1, txs.size() / 2);
        const int visits = std::min<int>({static_cast<int>(later.size()),
                                          txs.size() > 2 ? 2 : 1,
                                          static_cast<int>(done_count)});
        for (int v = 0; v < visits; ++v) {
          Visit& visit = visits_[later[v]];
          visit.type = plan.kind->visit;
          visit.minutes = plan.kind->minutes;
          visit.plan = index;
          visit.hygiene_kind = false;
          visit.hygienist.clear();
          visit.codes.clear();
        }
        for (size_t t = 0; t < done_count; ++t) {
          const int v =
              later[std::min<size_t>(t * visits / done_count, visits - 1)];
          txs[t].visit = v;
          txs[t].status = "completed";
          txs[t].performed = Day(visits_[v].start);
          txs[t].day = *txs[t].performed;
          visits_[v].codes.push_back(txs[t].code);
        }
        plan.accepted = std::min(Day(visits_[later[0]].start),
                                 plan.presented + rng_.Between(0, 21));
      } else if (plan.status == "accepted") {
        plan.accepted = std::min(kExport, plan.presented + rng_.Between(0, 21));
        if (p_->status == "active" && rng_.Chance(70)) {
          // Booked for after the export.
          const int v = AddVisit(DayBetween(rng_, kExport + 2, kExport + 60),
                                 kHygiene, "scheduled");
          Visit& visit = visits_[v];
          visit.type = plan.kind->visit;
          visit.minutes = plan.kind->minutes;
          visit.plan = index;
          visit.hygiene_kind = false;
          visit.hygienist.clear();
          visit.codes.clear();
          for (Tx& tx : txs) {
            tx.visit = v;
            visit.codes.push_back(tx.code);
          }
        }
      }
      for (Tx& tx : txs) {
        plan.txs.push_back(static_cast<int>(txs_.size()));
        txs_.push_back(std::move(tx));
      }
      static const std::vector<std::string> kPlanNotes = {
          "Patient wants to wait until benefits renew in January.",
          "Discussed financing options (CareCredit).",
          "Pre-authorization sent to insurance.",
          "Patient will discuss with spouse and call back.",
          "Phased: upper arch first.",
          "Alternatives discussed: extraction, bridge, implant."};
      if (rng_.Chance(40)) plan.note = rng_.Pick(kPlanNotes);
      CivilDay touched = plan.accepted ? *plan.accepted : plan.presented;
      plan.updated =
          AtOfficeTime(rng_, std::min(kExport, touched + rng_.Between(0, 30)));
      plans_.push_back(std::move(plan));
    }
  }

  // Treatments of visits that are not plan work; ids for all, in order of
  // day.
  void MakeTreatments() {
    for (size_t i = 0; i < visits_.size(); ++i) {
      Visit& v = visits_[i];
      if (v.status != "completed" || v.plan >= 0) continue;
      for (const std::string& code : v.codes) {
        const Procedure& proc = Proc(code);
        Tx tx;
        tx.code = code;
        tx.fee = proc.fee;
        tx.visit = static_cast<int>(i);
        tx.provider =
            proc.by_hygienist && !v.hygienist.empty() ? v.hygienist : v.dentist;
        tx.status = "completed";
        tx.performed = Day(v.start);
        tx.day = *tx.performed;
        if (*proc.materials) tx.materials = PickOne(proc.materials);
        txs_.push_back(std::move(tx));
      }
    }
    std::vector<int> order(txs_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
      return std::tie(txs_[a].day, txs_[a].visit) <
             std::tie(txs_[b].day, txs_[b].visit);
    });
    for (int i : order) {
      Tx& tx = txs_[i];
      tx.id = ++ids_[kTreatments];
      CivilDay touched = tx.performed ? *tx.performed : tx.day;
      tx.updated =
          AtOfficeTime(rng_, std::min(kExport, touched + rng_.Between(0, 3)));
    }
    tx_order_ = std::move(order);
    for (Plan& plan : plans_) plan.id = ++ids_[kPlans];
    for (Plan& plan : plans_) {
      int64_t insurance = 0;
      for (int t : plan.txs) {
        if (coverage_) {
          insurance += txs_[t].fee *
                       coverage_->Percent(Proc(txs_[t].code).coverage) / 100;
        }
      }
      plan.insurance = std::min(insurance, coverage_ ? annual_maximum_ : 0);
    }
  }

  // -------------------------------------------------------------------------
  // Payments: the patient's share at the visit (or on a statement), the
  // carrier's weeks later, plan deposits and the odd refund.

  std::string PatientMethod(int64_t cents) {
    if (cents >= 100000 && rng_.Chance(40)) return "care_credit";
    int roll = static_cast<int>(rng_.Below(100));
    return roll < 45   ? "credit_card"
           : roll < 62 ? "debit_card"
           : roll < 72 ? "cash"
           : roll < 84 ? "check"
           : roll < 94 ? "ach"
                       : "other";
  }

  std::string Reference(const std::string& method) {
    if (method == "credit_card" || method == "debit_card") {
      return absl::StrFormat("AUTH %06d", rng_.Between(0, 999999));
    }
    if (method == "check")
      return absl::StrFormat("Check #%04d", rng_.Between(1001, 9999));
    if (method == "ach")
      return absl::StrFormat("ACH %08d", rng_.Between(0, 99999999));
    if (method == "care_credit")
      return absl::StrFormat("CC-%010d", rng_.Between(0, 999999999));
    if (method == "insurance")
      return absl::StrFormat("EOB %09d", rng_.Between(0, 999999999));
    return "";
  }

  void AddPayment(CivilDay day, int64_t cents, const std::string& method,
                  const std::string& payer, const std::string& note,
                  const std::string& provider, int tx, int plan) {
    if (day > kExport || cents == 0) return;
    Payment pay;
    pay.day = day;
    pay.cents = cents;
    pay.method = method;
    pay.payer = payer;
    pay.reference = Reference(method);
    pay.note = note;
    pay.provider = provider;
    pay.tx = tx;
    pay.plan = plan;
    payments_.push_back(std::move(pay));
  }

  void MakePayments() {
    for (size_t i = 0; i < visits_.size(); ++i) {
      Visit& v = visits_[i];
      if (v.status != "completed") continue;
      const CivilDay day = Day(v.start);
      int64_t total = 0, insurance = 0;
      int only_tx = -1, count = 0;
      for (size_t t = 0; t < txs_.size(); ++t) {
        if (txs_[t].visit != static_cast<int>(i) ||
            txs_[t].status != "completed")
          continue;
        total += txs_[t].fee;
        insurance += InsuranceShare(txs_[t].code, txs_[t].fee, day.year());
        only_tx = static_cast<int>(t);
        ++count;
      }
      if (count != 1) only_tx = -1;
      v.insurance_paid = insurance;
      const int64_t patient = total - insurance;
      if (patient > 0) {
        if (rng_.Chance(85)) {
          const std::string method = PatientMethod(patient);
          AddPayment(day, patient, method, "patient",
                     insurance > 0 ? "Copay" : "Paid in full", v.dentist,
                     only_tx, v.plan);
          if (rng_.Chance(3)) {
            AddPayment(day + rng_.Between(5, 20),
                       -std::min<int64_t>(patient, 4500), method, "patient",
                       "Refund of overpayment", v.dentist, only_tx, v.plan);
          }
        } else {
          const CivilDay paid = day + rng_.Between(20, 40);
          AddPayment(paid, patient, PatientMethod(patient), "patient",
                     "Statement payment", v.dentist, only_tx, v.plan);
          statement_days_.push_back(day + rng_.Between(8, 15));
        }
      }
      if (insurance > 0) {
        const CivilDay paid = day + rng_.Between(14, 45);
        AddPayment(paid, insurance, rng_.Chance(70) ? "insurance" : "check",
                   "insurance", "", v.dentist, only_tx, v.plan);
      }
    }
    for (size_t i = 0; i < plans_.size(); ++i) {
      const Plan& plan = plans_[i];
      if (plan.status == "accepted" && plan.accepted && rng_.Chance(50)) {
        int64_t deposit = (plan.total - plan.insurance) / 4 / 100 * 100;
        AddPayment(*plan.accepted, deposit, PatientMethod(deposit), "patient",
                   "Treatment plan deposit", plan.provider, -1,
                   static_cast<int>(i));
      }
    }
    std::stable_sort(
        payments_.begin(), payments_.end(),
        [](const Payment& a, const Payment& b) { return a.day < b.day; });
    for (Payment& pay : payments_) pay.id = ++ids_[kPayments];
  }

  // -------------------------------------------------------------------------
  // Rows.

  KpiAcc* KpiAt(CivilDay day) {
    const int month = static_cast<int>(CivilMonth(day) - kKpiFrom);
    if (month < 0 || month >= kKpiMonths) return nullptr;
    return &kpi_[{p_->location, month}];
  }

  void WriteInsurance() {
    for (const Insurance& ins : insurances_) {
      int64_t remaining = ins.annual_maximum;
      if (ins.priority == 1 && !ins.terminates) {
        remaining = std::max<int64_t>(
            0, ins.annual_maximum - used_by_year_[kExport.year()]);
      }
      const Carrier& c = *ins.carrier;
      files_[kInsurances].Write(
          {Id(ins.id), Id(p_->id), Id(ins.subscriber), ins.relationship,
           absl::StrCat(ins.priority), c.name, c.plan, ins.group_name,
           ins.group_number, ins.policy_number, absl::StrCat(c.preventive),
           absl::StrCat(c.basic), absl::StrCat(c.major),
           Money(ins.annual_maximum), Money(ins.deductible),
           ins.terminates ? "0.00" : Money(remaining), DayText(ins.effective),
           ins.terminates ? DayText(*ins.terminates) : "",
           TimeText(ins.updated)});
    }
  }

  void WritePlans() {
    for (const Plan& plan : plans_) {
      std::string total = Money(plan.total);
      if (plan.total >= 100000 && rng_.Chance(25)) {
        // Thousands separators, as some exports write them.
        total.insert(total.size() - 6, ",");
      }
      files_[kPlans].Write({Id(plan.id), Id(p_->id), plan.provider,
                            p_->location, plan.kind->name, plan.kind->category,
                            plan.status, DayText(plan.presented),
                            plan.accepted ? DayText(*plan.accepted) : "", total,
                            Money(plan.insurance),
                            Money(plan.total - plan.insurance), plan.note,
                            TimeText(plan.updated)});
      if (KpiAcc* k = KpiAt(plan.presented)) {
        ++k->presented;
        if (plan.status == "accepted" || plan.status == "completed")
          ++k->accepted;
      }
    }
  }

  void WriteAppointments() {
    for (int i : visit_order_) {
      const Visit& v = visits_[i];
      const CivilSecond end = v.start + v.minutes * 60;
      files_[kAppointments].Write(
          {Id(v.id), Id(p_->id), v.dentist, v.hygienist, p_->location,
           TimeText(v.start), TimeText(end), absl::StrCat(v.minutes), v.type,
           v.status, v.operatory, v.new_patient ? "true" : "false",
           absl::StrJoin(v.codes, ";"), v.note, TimeText(v.created),
           TimeText(v.updated)});
      if (v.status != "completed") continue;
      if (KpiAcc* k = KpiAt(Day(v.start))) {
        k->minutes += v.minutes;
        if (v.new_patient) ++k->new_patients;
      }
    }
  }

  void WriteTreatments() {
    for (int i : tx_order_) {
      const Tx& tx = txs_[i];
      const Procedure& proc = Proc(tx.code);
      files_[kTreatments].Write(
          {Id(tx.id), Id(p_->id), tx.visit >= 0 ? Id(visits_[tx.visit].id) : "",
           tx.plan >= 0 ? Id(plans_[tx.plan].id) : "", tx.provider,
           p_->location, tx.code, proc.description, tx.tooth, tx.surface,
           tx.quadrant, tx.materials, tx.status,
           tx.performed ? DayText(*tx.performed) : "", Money(tx.fee),
           TimeText(tx.updated)});
      if (tx.status != "completed") continue;
      if (KpiAt(tx.day) != nullptr) {
        KpiAt(tx.day)->production += tx.fee;
        const int month = static_cast<int>(CivilMonth(tx.day) - kKpiFrom);
        provider_production_[{p_->location, tx.provider, month}] += tx.fee;
      }
    }
  }

  void WritePayments() {
    lifetime_paid_ = 0;
    for (const Payment& pay : payments_) {
      files_[kPayments].Write(
          {Id(pay.id), Id(p_->id), p_->location, pay.provider,
           pay.tx >= 0 ? Id(txs_[pay.tx].id) : "",
           pay.plan >= 0 ? Id(plans_[pay.plan].id) : "", DayText(pay.day),
           Money(pay.cents), pay.method, pay.payer, pay.reference, pay.note,
           TimeText(AtOfficeTime(rng_, pay.day))});
      if (KpiAcc* k = KpiAt(pay.day)) k->collections += pay.cents;
      if (pay.payer == "patient") lifetime_paid_ += pay.cents;
    }
  }

  void WriteRecalls() {
    recalls_.clear();
    if (p_->completed == 0) return;
    std::vector<CivilDay> hygiene;
    bool perio = false;
    for (const Visit& v : visits_) {
      perio = perio || v.type == kPerio.name;
      if (v.status == "completed" && v.hygiene_kind)
        hygiene.push_back(Day(v.start));
    }
    for (const Plan& plan : plans_) {
      perio = perio || std::string_view(plan.kind->category) == "periodontal";
    }
    if (hygiene.empty()) {
      for (const Visit& v : visits_) {
        if (v.status == "completed") hygiene.push_back(Day(v.start));
      }
    }
    if (hygiene.empty()) return;
    const std::string type = perio ? "Perio maintenance" : "6-month hygiene";
    const int interval = perio ? 3 : 6;
    auto write = [&](CivilDay previous, CivilDay due,
                     std::optional<CivilDay> scheduled,
                     const std::string& status, const std::string& note) {
      const int64_t id = ++ids_[kRecalls];
      CivilDay touched =
          std::min(kExport, scheduled ? *scheduled : std::min(due, kExport));
      files_[kRecalls].Write({Id(id), Id(p_->id), kHygienist, type,
                              absl::StrCat(interval), DayText(due),
                              DayText(previous),
                              scheduled ? DayText(*scheduled) : "", status,
                              note, TimeText(AtOfficeTime(rng_, touched))});
      recalls_.push_back({id, due, status});
      if (KpiAcc* k = KpiAt(due)) {
        ++k->recalls_due;
        if (status == "completed" || status == "scheduled") ++k->recalls_kept;
      }
    };
    if (hygiene.size() >= 2) {
      const CivilDay prev = hygiene[hygiene.size() - 2];
      write(prev, AddMonths(prev, interval), hygiene.back(), "completed", "");
    }
    const CivilDay last = hygiene.back();
    const CivilDay due = AddMonths(last, interval);
    std::optional<CivilDay> scheduled;
    for (const Visit& v : visits_) {
      if (v.hygiene_kind && Day(v.start) > kExport) scheduled = Day(v.start);
    }
    static const std::vector<std::string> kRecallNotes = {
        "Prefers Saturday appointments.", "Text only, no calls.",
        "Wants the same hygienist (Priya).",
        "Needs premedication before cleanings."};
    const std::string note = rng_.Chance(15) ? rng_.Pick(kRecallNotes) : "";
    if (p_->status != "active") {
      write(last, due, std::nullopt, "disabled", "Inactive patient.");
    } else if (scheduled) {
      write(last, due, scheduled, "scheduled", note);
    } else if (due >= kExport - 30) {
      write(last, due, std::nullopt, "due", note);
    } else {
      write(last, due, std::nullopt, "missed", note);
    }
  }

  int Rating() {
    int roll = static_cast<int>(rng_.Below(100));
    return roll < 60 ? 5 : roll < 80 ? 4 : roll < 88 ? 3 : roll < 93 ? 2 : 1;
  }

  void WriteReview(const std::string& patient, const std::string& location,
                   const std::string& provider, CivilDay day) {
    static const std::vector<std::vector<std::string>> kComments = {
        {"Billing was a mess and nobody called me back.",
         "Waited 45 minutes past my appointment time, then was rushed."},
        {"The cleaning was fine, but the front desk was rude.",
         "Charged me for x-rays I did not need."},
        {"Good care, but hard to get an appointment.",
         "OK visit. Parking is a pain."},
        {"Friendly staff, quick cleaning.", "Great hygienist, very gentle.",
         "Clean office and on time."},
        {"Best dentist I have had! Dr. Rivera explained everything.",
         "Priya is the gentlest hygienist ever. Highly recommend!",
         "Painless crown, great team, and they worked with my insurance.",
         "Five stars.\nThey fit me in the same day for a broken tooth."}};
    static const std::vector<std::string> kPlatforms = {
        "google",   "google", "google",          "google",          "google",
        "facebook", "yelp",   "internal_survey", "internal_survey", "facebook"};
    const int rating = Rating();
    const std::string platform = rng_.Pick(kPlatforms);
    const std::string comment =
        rng_.Chance(15) ? ""
                        : rng_.Pick(kComments[static_cast<size_t>(rating - 1)]);
    const bool responded = rng_.Chance(rating <= 3 ? 75 : 35);
    const CivilSecond office = AtOfficeTime(rng_, day);
    const CivilSecond at = NotAfterExport(office + rng_.Between(0, 6) * 3600);
    files_[kReviews].Write(
        {Id(++ids_[kReviews]), patient, location, provider, platform,
         absl::StrCat(rating), comment, responded ? "true" : "false",
         TimeText(at), TimeText(responded ? NotAfterExport(at + 86400) : at)});
    const int month = static_cast<int>(CivilMonth(Day(at)) - kKpiFrom);
    if (month >= 0 && month < kKpiMonths) {
      KpiAcc& k = kpi_[{location, month}];
      ++k.reviews;
      if (platform == "google") {
        ++k.google;
        k.google_stars += rating;
      }
    }
  }

  void WriteReviews() {
    if (!rng_.Chance(15)) return;
    std::vector<const Visit*> recent;
    for (const Visit& v : visits_) {
      if (v.status == "completed" && Day(v.start) >= CivilDay(2023, 1, 1))
        recent.push_back(&v);
    }
    if (recent.empty()) return;
    const Visit& v = *rng_.Pick(recent);
    WriteReview(Id(p_->id), p_->location,
                v.hygienist.empty() ? v.dentist : v.hygienist,
                std::min(kExport, Day(v.start) + rng_.Between(1, 6)));
  }

  void WriteAnonymousReviews() {
    const int n = std::max<int>(1, static_cast<int>(patients_.size()) / 60);
    for (int i = 0; i < n; ++i) {
      std::string location = rng_.Chance(60) ? "1" : "2";
      WriteReview("", location, "",
                  DayBetween(rng_, CivilDay(2024, 1, 1), kExport));
    }
  }

  void WriteNotes() {
    static const std::map<std::string, std::vector<std::string>> kClinical = {
        {"New patient exam",
         {"Comprehensive exam and FMX. Generalized mild gingivitis. OHI given.",
          "New patient. Moderate plaque, light calculus LL. Recommended "
          "electric "
          "toothbrush.\nNext: 6-month recall.",
          "<p>Comprehensive exam. <b>Watch</b> #3 and #14 (stained "
          "grooves).</p>"}},
        {"Hygiene",
         {"Prophy and BWX. Light calculus, healthy tissue. Flossing daily.",
          "Periodic exam; no new decay. Pt reports sensitivity to cold, UL.",
          "<p>Prophy completed.</p><ul><li>Bleeding on probing: "
          "minimal</li><li>"
          "Fluoride declined</li></ul>"}},
        {"Perio maintenance",
         {"Perio maintenance. Pockets 4-5 mm LR, stable since last visit.",
          "<p>Perio maint. <i>Bleeding</i> UR quadrant; reinforced OHI.</p>"}},
        {"Emergency exam",
         {"Pt presented with pain on #19. PA taken; deep caries. Tx options "
          "discussed.",
          "Broken cusp #30, no pain. Temporary filling placed; crown "
          "recommended."}},
        {"Crown",
         {"Prep and impression for crown; temp placed. Pt tolerated well.",
          "Crown seated, occlusion checked, floss passes."}},
        {"Root canal",
         {"RCT completed, 3 canals. Post-op instructions given; Rx "
          "ibuprofen."}},
        {"Fillings",
         {"Composite restorations placed under local anesthesia (2% lido).",
          "<p>Fillings done. Pt asked about <b>whitening</b>.</p>"}},
        {"Implant surgery",
         {"Implant placed, good primary stability. Sutures; recheck in 2 "
          "weeks."}},
        {"Scaling and root planing",
         {"SRP two quadrants with local anesthetic. Re-eval in 6 weeks."}},
        {"Whitening", {"Whitening trays delivered; instructions given."}},
        {"Aligner delivery",
         {"Aligners delivered, attachments bonded. 22 stages."}},
        {"Sealants", {"Sealants placed on first molars. Child did great."}},
    };
    static const std::vector<std::string> kAdmin = {
        "Patient asked to be contacted by text only.",
        "Updated insurance information from new card.",
        "Requested copies of x-rays for a specialist.",
        "Prefers appointments after school hours.",
        "Spanish-speaking family; prefers bilingual staff."};
    for (const Visit& v : visits_) {
      if (v.status != "completed" || !rng_.Chance(45)) continue;
      auto it = kClinical.find(v.type);
      if (it == kClinical.end()) continue;
      const std::string& body = rng_.Pick(it->second);
      const CivilSecond at =
          NotAfterExport(v.start + (v.minutes + rng_.Between(5, 120)) * 60);
      files_[kNotes].Write(
          {Id(++ids_[kNotes]), Id(p_->id),
           v.hygienist.empty() || v.type == "Emergency exam" ? v.dentist
                                                             : v.hygienist,
           Id(v.id), "clinical", body[0] == '<' ? "html" : "text", body,
           TimeText(at), TimeText(at)});
    }
    if (rng_.Chance(12)) {
      const CivilSecond at =
          AtOfficeTime(rng_, DayBetween(rng_, created_, kExport));
      files_[kNotes].Write({Id(++ids_[kNotes]), Id(p_->id), kFrontDesk, "",
                            "administrative", "text", rng_.Pick(kAdmin),
                            TimeText(at), TimeText(at)});
    }
    for (const Payment& pay : payments_) {
      if (pay.cents >= 0) continue;
      const CivilSecond at = AtOfficeTime(rng_, pay.day);
      files_[kNotes].Write({Id(++ids_[kNotes]), Id(p_->id), kFrontDesk, "",
                            "billing", "text",
                            "Refunded overpayment to the card on file.",
                            TimeText(at), TimeText(at)});
    }
  }

  // -------------------------------------------------------------------------
  // documents.csv (and the files) and form_submissions.csv.

  // Writes the file and its row; returns the document id (0 if the upload
  // would be after the export).
  int64_t AddDocument(const std::string& category, const std::string& title,
                      std::string file_name, const std::string& data,
                      const std::string& content_type,
                      const std::string& provider, int64_t appointment,
                      int64_t plan, CivilSecond at) {
    if (Day(at) > kExport) return 0;
    // Unique within the patient's folder.
    const size_t dot = file_name.rfind('.');
    for (int k = 2; !doc_names_.insert(file_name).second; ++k) {
      file_name = absl::StrCat(file_name.substr(0, dot), " (", k, ")",
                               file_name.substr(dot));
    }
    const std::string folder = absl::StrCat("documents/", p_->id);
    std::error_code ec;
    fs::create_directories(dir_ / folder, ec);
    absl::Status s = ec ? absl::InternalError(absl::StrCat(
                              "cannot create ", (dir_ / folder).string()))
                        : WriteFile(dir_ / folder / file_name, data);
    if (!s.ok()) {
      status_ = s;
      return 0;
    }
    ++document_files_;
    const int64_t id = ++ids_[kDocuments];
    files_[kDocuments].Write(
        {Id(id), Id(p_->id), provider, Id(appointment), Id(plan), category,
         title, file_name, content_type, absl::StrCat(folder, "/", file_name),
         absl::StrCat(data.size()), TimeText(at), TimeText(at)});
    return id;
  }

  void AddForm(const std::string& name, const std::string& version,
               CivilSecond at, const std::string& reviewer, int64_t document,
               const json& answers) {
    if (Day(at) > kExport) return;
    files_[kForms].Write({Id(++ids_[kForms]), Id(p_->id), p_->location, name,
                          version, reviewer.empty() ? "submitted" : "reviewed",
                          TimeText(at), reviewer, Id(document), answers.dump(),
                          TimeText(at)});
  }

  json SomeOf(const std::vector<std::string>& pool, int percent) {
    json out = json::array();
    while (rng_.Chance(percent) && out.size() < 3) {
      std::string item = rng_.Pick(pool);
      if (std::find(out.begin(), out.end(), item) == out.end())
        out.push_back(item);
    }
    return out;
  }

  std::string PlanText(const Plan& plan) {
    std::vector<std::string> lines = {
        "SmileBright Dental - Treatment plan",
        absl::StrCat("Patient ", p_->id, " - ", plan.kind->name),
        absl::StrCat("Presented ", DayText(plan.presented), " by provider ",
                     plan.provider),
        ""};
    for (int t : plan.txs) {
      const Tx& tx = txs_[t];
      lines.push_back(
          absl::StrCat(tx.code, "  ", Proc(tx.code).description,
                       tx.tooth.empty() ? "" : absl::StrCat("  #", tx.tooth),
                       "  $", Money(tx.fee)));
    }
    lines.push_back("");
    lines.push_back(absl::StrCat("Total $", Money(plan.total),
                                 "   Insurance estimate $",
                                 Money(plan.insurance), "   Patient $",
                                 Money(plan.total - plan.insurance)));
    return TinyPdf(lines);
  }

  void WriteDocumentsAndForms() {
    doc_names_.clear();
    for (const Visit& v : visits_) {
      if (v.status != "completed") continue;
      const bool fmx =
          std::find(v.codes.begin(), v.codes.end(), "D0210") != v.codes.end();
      const bool bwx =
          std::find(v.codes.begin(), v.codes.end(), "D0274") != v.codes.end();
      if ((fmx && rng_.Chance(60)) || (bwx && rng_.Chance(35))) {
        const std::string day = DayText(Day(v.start));
        AddDocument("xray", fmx ? "Full-mouth x-rays" : "Bitewing x-rays",
                    absl::StrCat(fmx ? "fmx-" : "bitewings-", day, ".png"),
                    TinyPng(rng_, PngPicture::kXray, fmx ? 64 : 48, 32),
                    "image/png", v.hygienist.empty() ? v.dentist : v.hygienist,
                    v.id, 0, v.start + v.minutes * 30);
      }
    }
    if (!insurances_.empty() && rng_.Chance(35)) {
      const std::string png = TinyPng(rng_, PngPicture::kCard, 54, 34);
      AddDocument("insurance_card", "Insurance card (front)",
                  "insurance-card-front.png", png, "image/png", kFrontDesk, 0,
                  0, AtOfficeTime(rng_, std::min(kExport, created_)));
    }
    for (Plan& plan : plans_) {
      const std::string day = DayText(plan.presented);
      if (rng_.Chance(70)) {
        AddDocument("treatment_plan",
                    absl::StrCat("Treatment plan: ", plan.kind->name),
                    absl::StrCat("Treatment plan ", day, ".pdf"),
                    PlanText(plan), "application/pdf", plan.provider, 0,
                    plan.id, AtOfficeTime(rng_, plan.presented));
      }
      if (plan.accepted) {
        const CivilSecond at = AtOfficeTime(rng_, *plan.accepted);
        plan.consent_document = AddDocument(
            "consent_form", "Consent for treatment",
            absl::StrCat("Consent for treatment ", DayText(*plan.accepted),
                         ".pdf"),
            TinyPdf({"SmileBright Dental - Consent for treatment",
                     absl::StrCat("Patient ", p_->id,
                                  " consents to: ", plan.kind->name),
                     "Risks, benefits and alternatives were explained.",
                     absl::StrCat("Signed electronically ", TimeText(at))}),
            "application/pdf", plan.provider, 0, plan.id, at);
        json procedures = json::array();
        for (int t : plan.txs) procedures.push_back(txs_[t].code);
        AddForm("Consent for treatment", "2", at, plan.provider,
                plan.consent_document,
                {{"plan", plan.kind->name},
                 {"procedures", procedures},
                 {"risks_explained", true},
                 {"questions_answered", true},
                 {"signature", "drawn"}});
      }
      if ((std::string_view(plan.kind->category) == "implant" ||
           std::string_view(plan.kind->category) == "endodontic") &&
          rng_.Chance(40)) {
        const bool implant = std::string_view(plan.kind->category) == "implant";
        const std::string to = implant ? "oral surgeon" : "endodontist";
        AddDocument(
            "referral_letter", absl::StrCat("Referral to ", to),
            absl::StrCat("Referral letter - ", to, ".txt"),
            absl::StrCat(
                "SmileBright Dental\n", DayText(plan.presented),
                "\n\nDear colleague,\n\n", "Please see patient ", p_->id,
                " for ",
                implant ? "extraction and implant placement"
                        : "endodontic evaluation",
                ", tooth #", plan.txs.empty() ? "" : txs_[plan.txs[0]].tooth,
                ".\nRecent radiographs are enclosed.\n\nThank you,\nProvider ",
                plan.provider, "\n"),
            "text/plain", plan.provider, 0, plan.id,
            AtOfficeTime(rng_, plan.presented));
      }
    }
    // Forms.
    static const std::vector<std::string> kReasons = {
        "Cleaning and checkup",   "Tooth pain",     "Second opinion",
        "Whitening consultation", "Broken filling", "New to the area"};
    static const std::vector<std::string> kLastVisit = {
        "Within a year", "1-2 years ago", "More than 2 years ago", "Never"};
    for (const Visit& v : visits_) {
      if (!v.new_patient || v.status == "no_show") continue;
      const bool done = v.status == "completed";
      const CivilSecond at =
          done ? v.start - rng_.Between(10, 40) * 60
               : AtOfficeTime(rng_, Day(v.start) - rng_.Between(1, 5));
      json answers = {{"reason_for_visit", rng_.Pick(kReasons)},
                      {"allergies", SomeOf(kAllergies, 25)},
                      {"medications", SomeOf(kMedications, 35)},
                      {"conditions", SomeOf(kConditions, 25)},
                      {"smoker", rng_.Chance(12)},
                      {"last_dental_visit", rng_.Pick(kLastVisit)},
                      {"dental_anxiety", rng_.Between(1, 5)},
                      {"heard_about_us", p_->referral},
                      {"emergency_contact",
                       {{"relationship", child_            ? "Parent"
                                         : rng_.Chance(60) ? "Spouse"
                                                           : "Friend"},
                        {"phone", absl::StrFormat("(512) 555-%04d",
                                                  rng_.Between(100, 199))}}}};
      AddForm("New patient intake", "7", at, done ? v.dentist : "", 0, answers);
      if (rng_.Chance(80)) {
        AddForm("HIPAA acknowledgement", "2", at + 60, "", 0,
                {{"acknowledged", true}, {"signature", "typed"}});
      }
    }
    for (const Visit& v : visits_) {
      if (v.status != "completed" || v.type != kHygiene.name ||
          Day(v.start) < kLogFrom || !rng_.Chance(30)) {
        continue;
      }
      const CivilSecond at = v.start - rng_.Between(5, 30) * 60;
      const std::string reviewer = rng_.Chance(70) ? v.hygienist : "";
      json answers = {{"changes_since_last_visit", rng_.Chance(25)},
                      {"medications", SomeOf(kMedications, 30)},
                      {"allergies", SomeOf(kAllergies, 15)}};
      AddForm("Medical history update", "3", at, reviewer, 0, answers);
    }
  }

  void WriteProperties() {
    const int count = static_cast<int>(rng_.Below(5));
    std::set<size_t> picked;
    for (int i = 0; i < count; ++i)
      picked.insert(rng_.Below(kPropertyDefs.size()));
    for (size_t i : picked) {
      const PropertyDef& def = kPropertyDefs[i];
      std::string value;
      const std::string type = def.type;
      if (type == "picklist") {
        value = rng_.Pick(def.choices);
      } else if (type == "bool") {
        value = rng_.Chance(10) ? "true" : "false";
      } else if (type == "date") {
        value = DayText(DayBetween(rng_, created_, kExport));
      } else if (type == "number") {
        value = Money(lifetime_paid_);
      } else if (p_->guarantor != 0) {
        value = absl::StrCat("Dependent of patient ", p_->guarantor);
      } else {
        continue;  // no family link to record
      }
      files_[kProperties].Write(
          {Id(++ids_[kProperties]), Id(p_->id), def.name, type, value,
           TimeText(AtOfficeTime(rng_, DayBetween(rng_, created_, kExport)))});
    }
  }

  // -------------------------------------------------------------------------
  // communications.csv: reminders and confirmations, calls about missed
  // visits, review requests, recall messages, statements.

  struct Message {
    CivilSecond at;
    std::vector<std::string> cells;  // without id and occurred/updated
  };

  void WriteCommunications() {
    std::vector<Message> out;
    const PatientInfo& p = *p_;
    const std::string channel = p.has_mobile  ? "sms"
                                : p.has_email ? "email"
                                              : "phone";
    auto add = [&](CivilSecond at, const std::string& provider,
                   int64_t appointment, int64_t recall, const std::string& ch,
                   const std::string& direction, const std::string& category,
                   const std::string& status, const std::string& summary) {
      if (Day(at) < kLogFrom || Day(at) > kExport) return;
      std::string subject;
      if (ch == "email") {
        subject = category == "appointment_reminder"
                      ? "Your upcoming appointment"
                  : category == "recall"         ? "Time for your checkup"
                  : category == "review_request" ? "How did we do?"
                  : category == "billing"        ? "Your statement is ready"
                                                 : "SmileBright Dental";
      }
      out.push_back({at,
                     {p.location, provider, Id(appointment), Id(recall), ch,
                      direction, category, status, subject, summary}});
    };
    for (const Visit& v : visits_) {
      const CivilDay day = Day(v.start);
      const CivilSecond remind = AtMinute(day - 2, 10 * 60);
      const std::string when =
          absl::StrCat(DayText(day), " at ", ClockText(v.start));
      const bool failed = rng_.Chance(4);
      add(remind, "", v.id, 0, channel, "outbound", "appointment_reminder",
          channel == "phone"   ? "missed"
          : failed             ? "failed"
          : channel == "email" ? "opened"
                               : "delivered",
          channel == "phone"
              ? absl::StrCat("Automated call: reminder for ", when,
                             "; no answer.")
              : absl::StrCat("Reminder: appointment at SmileBright Dental on ",
                             when, ". Reply C to confirm."));
      if (channel == "sms" && !failed &&
          (v.status == "confirmed" || rng_.Chance(55))) {
        add(remind + rng_.Between(2, 300) * 60, "", v.id, 0, "sms", "inbound",
            "confirmation", "received", "C");
      }
      if (v.status == "cancelled") {
        add(AtOfficeTime(rng_, day - rng_.Between(0, 2)), kFrontDesk, v.id, 0,
            "phone", "inbound", "general", "answered",
            "Patient called to cancel; will reschedule.");
      } else if (v.status == "no_show" || v.status == "broken") {
        add(v.start + 2 * 3600, kFrontDesk, v.id, 0, "phone", "outbound",
            "general", rng_.Chance(50) ? "answered" : "missed",
            "Called about the missed appointment; offered a new time.");
      } else if (v.status == "completed" && rng_.Chance(30)) {
        add(AtMinute(day + 1, 18 * 60), "", v.id, 0,
            p.has_mobile ? "sms" : "email", "outbound", "review_request",
            "delivered",
            "Thanks for visiting SmileBright Dental! How did we do? "
            "https://smilebright.example/review");
      }
    }
    for (const RecallRow& r : recalls_) {
      if (r.status != "due" && r.status != "missed") continue;
      add(AtMinute(r.due - 14, 9 * 60), "", 0, r.id,
          p.has_email ? "email" : channel, "outbound", "recall", "delivered",
          "It's time for your checkup and cleaning. Book online or call us.");
      if (r.status == "missed") {
        const CivilSecond at = AtOfficeTime(rng_, r.due + 21);
        add(at, kFrontDesk, 0, r.id, "phone", "outbound", "recall",
            rng_.Chance(40) ? "answered" : "missed",
            "Recall call; left a voicemail to book.");
      }
    }
    for (CivilDay day : statement_days_) {
      add(AtMinute(day, 7 * 60), "", 0, 0, p.has_email ? "email" : "letter",
          "outbound", "billing", "delivered",
          "Your statement from SmileBright Dental is ready.");
    }
    statement_days_.clear();
    if (rng_.Chance(10)) {
      static const std::vector<std::string> kCalls = {
          "Asked whether a crown is covered by insurance.",
          "Asked for a receipt for an FSA claim.",
          "Asked about whitening prices.", "Called to update address."};
      const CivilSecond at = AtOfficeTime(
          rng_, DayBetween(rng_, std::max(created_, kLogFrom), kExport));
      add(at, kFrontDesk, 0, 0, "phone", "inbound", "general", "answered",
          rng_.Pick(kCalls));
    }
    std::stable_sort(
        out.begin(), out.end(),
        [](const Message& a, const Message& b) { return a.at < b.at; });
    for (Message& m : out) {
      std::vector<std::string> cells = {Id(++ids_[kCommunications]), Id(p.id)};
      cells.insert(cells.end(), m.cells.begin(), m.cells.end());
      cells.push_back(TimeText(m.at));
      cells.push_back(TimeText(m.at));
      files_[kCommunications].Write(cells);
    }
  }

  // -------------------------------------------------------------------------
  // kpi_metrics.csv, from what the other files hold.

  void WriteKpis() {
    CsvFile& f = files_[kKpis];
    const std::string stamp = "2026-10-31 23:00:00";
    for (const std::string location : {"1", "2"}) {
      // Goals from the year's average, as a practice sets them.
      int64_t production = 0, collections = 0;
      int new_patients = 0, reviews = 0;
      for (int m = 0; m < kKpiMonths; ++m) {
        const KpiAcc& k = kpi_[{location, m}];
        production += k.production;
        collections += k.collections;
        new_patients += k.new_patients;
        reviews += k.reviews;
      }
      auto round_up = [](int64_t cents, int64_t step) {
        return (cents / step + 1) * step;
      };
      const int64_t production_goal =
          round_up(production * 11 / 10 / kKpiMonths, 50000);
      const int64_t collections_goal =
          round_up(collections * 11 / 10 / kKpiMonths, 50000);
      const int new_patient_goal = new_patients * 12 / 10 / kKpiMonths + 1;
      const int review_goal = reviews * 15 / 10 / kKpiMonths + 1;
      for (int m = 0; m < kKpiMonths; ++m) {
        const KpiAcc& k = kpi_[{location, m}];
        const CivilMonth month = kKpiFrom + m;
        const std::string period =
            absl::StrFormat("%04d-%02d", month.year(), month.month());
        const std::string start = DayText(CivilDay(month));
        const std::string end = DayText(CivilDay(month + 1) - 1);
        auto row = [&](const std::string& provider, const std::string& metric,
                       const std::string& value, const std::string& unit,
                       const std::string& goal) {
          f.Write({Id(++ids_[kKpis]), location, provider, metric, period, start,
                   end, value, unit, goal, stamp});
        };
        row("", "production", Money(k.production), "USD",
            Money(production_goal));
        row("", "collections", Money(k.collections), "USD",
            Money(collections_goal));
        row("", "new_patients", absl::StrCat(k.new_patients), "count",
            absl::StrCat(new_patient_goal));
        row("", "case_acceptance_rate",
            k.presented == 0
                ? ""
                : absl::StrFormat("%.1f", 100.0 * k.accepted / k.presented),
            "percent", "65");
        row("", "production_per_hour",
            k.minutes == 0 ? "" : Money(k.production * 60 / k.minutes),
            "USD/hour", "450.00");
        row("", "hygiene_recall_rate",
            k.recalls_due == 0
                ? ""
                : absl::StrFormat("%.1f",
                                  100.0 * k.recalls_kept / k.recalls_due),
            "percent", "85");
        if (location == "2" && m == 1) {
          // Not computed that month; the export wrote a placeholder.
          const int64_t line =
              f.Write({Id(++ids_[kKpis]), location, "", "patient_flow_score",
                       period, start, end, "n/a", "score", "80", stamp});
          bad_rows_[kKpis].push_back({line, "value"});
        } else {
          row("", "patient_flow_score", absl::StrCat(rng_.Between(62, 94)),
              "score", "80");
        }
        row("", "google_rating",
            k.google == 0
                ? ""
                : absl::StrFormat("%.2f", 1.0 * k.google_stars / k.google),
            "stars", "4.8");
        row("", "review_count", absl::StrCat(k.reviews), "count",
            absl::StrCat(review_goal));
        for (const auto& [key, cents] : provider_production_) {
          const auto& [loc, provider, month_index] = key;
          if (loc != location || month_index != m) continue;
          row(provider, "production", Money(cents), "USD", "");
        }
      }
    }
  }

  struct RecallRow {
    int64_t id;
    CivilDay due;
    std::string status;
  };

  const fs::path dir_;
  Rng rng_;
  const std::vector<PatientInfo>& patients_;
  SampleSummary* const summary_;
  absl::Status status_;

  std::array<CsvFile, kFileCount> files_;
  std::array<std::vector<BadRow>, kFileCount> bad_rows_;
  std::array<int, kFileCount> bad_at_{};
  std::array<bool, kFileCount> bad_done_{};
  std::array<int64_t, kFileCount> ids_ = {
      100,    120000, 150000, 200000,  400000,  300000,  500000, 600000,
      700000, 800000, 900000, 1100000, 1200000, 1300000, 1400000};
  std::map<int64_t, Policy> policies_;  // policy holders' primary plans
  std::string last_member_row_;
  int64_t dangling_line_ = 0;
  int document_files_ = 0;
  std::map<std::pair<std::string, int>, KpiAcc> kpi_;
  std::map<std::tuple<std::string, std::string, int>, int64_t>
      provider_production_;

  // The patient being written.
  const PatientInfo* p_ = nullptr;
  bool child_ = false;
  std::string dentist_;
  CivilDay created_;
  std::vector<Visit> visits_;
  std::vector<int> visit_order_;  // indexes of visits_ by start
  std::vector<Tx> txs_;
  std::vector<int> tx_order_;
  std::vector<Plan> plans_;
  std::vector<Payment> payments_;
  std::vector<Insurance> insurances_;
  std::vector<RecallRow> recalls_;
  std::vector<CivilDay> statement_days_;
  std::set<std::string> doc_names_;
  std::optional<Coverage3> coverage_;
  int64_t annual_maximum_ = 0;
  std::map<int, int64_t> used_by_year_;
  int64_t lifetime_paid_ = 0;
};

}  // namespace

absl::Status WriteChildren(const fs::path& dir, uint32_t seed,
                           const std::vector<PatientInfo>& patients,
                           SampleSummary* summary) {
  if (patients.empty()) {
    return absl::InvalidArgumentError("no valid patients to hang records off");
  }
  ChildWriter writer(dir, seed, patients, summary);
  return writer.Run();
}

}  // namespace bridgework::gen_sample
