#include "tools/gen_sample/clinic_generator.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/status_macros.h"

namespace bridgework::gen_sample {
namespace {

using absl::CivilDay;
using absl::CivilMinute;

// The day the export was taken: later appointments are still scheduled.
const CivilDay kToday(2026, 11, 20);
constexpr char kZone[] = "America/Los_Angeles";

std::string Date(CivilDay d) {
  return absl::StrFormat("%02d/%02d/%04d", d.month(), d.day(), d.year());
}
// 12-hour US time: "03/14/2026 09:30 AM".
std::string Time(CivilMinute t) {
  const int h = t.hour() % 12 == 0 ? 12 : t.hour() % 12;
  return absl::StrFormat("%s %02d:%02d %s", Date(CivilDay(t)), h, t.minute(),
                         t.hour() < 12 ? "AM" : "PM");
}
// ISO 8601 with the clinic's offset on that day: "2026-03-15T14:02:11-07:00".
std::string IsoTime(CivilMinute t, int seconds) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(kZone, &zone)) zone = absl::FixedTimeZone(-8 * 3600);
  const absl::Time at = absl::FromCivil(absl::CivilSecond(t) + seconds, zone);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", at, zone);
}
// Cents as dollars: 123450 -> "1,234.50".
std::string Dollars(int64_t cents) {
  return absl::StrFormat("%s.%02d", GroupThousands(cents / 100, ','),
                         cents % 100);
}

struct Person {
  const char* first;
  const char* last;
};
const std::vector<const char*> kFirstF = {
    "Olivia", "Emma",   "Ava",    "Sophia",  "Isabella", "Mia",
    "Harper", "Amelia", "Evelyn", "Abigail", "Lucía",    "Chloé",
    "Mai",    "Priya",  "Fatima", "Hannah",  "Grace",    "Nora"};
const std::vector<const char*> kFirstM = {
    "Liam",     "Noah",  "Oliver", "Elijah", "James",  "William",
    "Benjamin", "Lucas", "Henry",  "Mateo",  "José",   "Minh",
    "Arjun",    "Omar",  "Ethan",  "Samuel", "Daniel", "Owen"};
const std::vector<const char*> kLast = {
    "Smith",   "Johnson",  "Williams",  "Brown",    "Jones",  "García",
    "Miller",  "Davis",    "Rodríguez", "Martínez", "Nguyen", "Patel",
    "Kim",     "O'Connor", "Anderson",  "Thomas",   "Taylor", "Moore",
    "Jackson", "Martin",   "Lee",       "Thompson", "White",  "Harris",
    "Sánchez", "Clark",    "Lewis",     "Walker",   "Hall",   "Young"};
const std::vector<std::string> kStreets = {
    "NW Lovejoy St",     "SE Hawthorne Blvd", "NE Alberta St", "SW Canyon Rd",
    "N Mississippi Ave", "SE Division St",    "NE Broadway",   "SW Murray Blvd",
    "NW 23rd Ave",       "E Burnside St"};
struct Town {
  const char* city;
  const char* zip;
};
const std::vector<Town> kTowns = {{"Portland", "972"}, {"Beaverton", "970"},
                                  {"Gresham", "970"},  {"Lake Oswego", "970"},
                                  {"Tigard", "972"},   {"Vancouver", "986"}};

struct Location {
  const char* id;
  const char* name;
  const char* address;
  const char* city;
  const char* zip;
};
const std::vector<Location> kLocations = {
    {"L1", "Riverbend Family & Sports Medicine - Pearl District",
     "1220 NW Lovejoy St, Suite 300", "Portland", "97209"},
    {"L2", "Riverbend Family & Sports Medicine - Beaverton",
     "4850 SW Scholls Ferry Rd", "Beaverton", "97005"},
    {"L3", "Riverbend Physical Therapy - Gresham", "700 NE Hogan Dr", "Gresham",
     "97030"}};

struct Provider {
  const char* id;
  const char* first;
  const char* last;
  const char* credentials;
  const char* role;
  const char* specialty;
  const char* location;
  bool clinical;
  bool email;
  bool active;
};
const std::vector<Provider> kProviders = {
    {"P01", "Rachel", "Okafor", "MD", "Physician", "Family Medicine", "L1",
     true, true, true},
    {"P02", "Daniel", "Reyes", "DO", "Physician", "Sports Medicine", "L1", true,
     true, true},
    {"P03", "Priya", "Shah", "MD", "Physician", "Internal Medicine", "L2", true,
     true, true},
    {"P04", "Megan", "Li", "NP", "Nurse Practitioner", "Family Medicine", "L2",
     true, true, true},
    {"P05", "Tomás", "Herrera", "DPT", "Physical Therapist",
     "Orthopedic Physical Therapy", "L3", true, true, true},
    {"P06", "Jordan", "Brooks", "DPT", "Physical Therapist",
     "Sports Physical Therapy", "L3", true, true, true},
    {"P07", "Alan", "Fischer", "PA-C", "Physician Assistant", "Sports Medicine",
     "L1", true, true, false},
    {"P08", "Keisha", "Howard", "RN", "Nurse", "", "L1", true, true, true},
    {"P09", "Sam", "Whitfield", "", "Front Desk", "", "L1", false, false, true},
    {"P10", "Lena", "Novak", "CPC", "Billing Specialist", "", "L1", false, true,
     true},
    {"P11", "Marco", "Bianchi", "MA", "Medical Assistant", "", "L2", false,
     false, true},
    {"P12", "Dana", "Kowalski", "", "Practice Manager", "", "L1", false, true,
     true}};
std::vector<std::string> Clinicians(const std::string& location) {
  std::vector<std::string> out;
  for (const Provider& p : kProviders) {
    if (p.clinical && p.active && p.location == location &&
        std::string(p.role) != "Nurse") {
      out.push_back(p.id);
    }
  }
  return out;
}

struct Carrier {
  const char* id;
  const char* name;
  const char* payer_id;
  const char* plans;
};
const std::vector<Carrier> kCarriers = {
    {"C01", "Evergreen Health Plan", "EVG01", "PPO; HMO"},
    {"C02", "Cascade Mutual Insurance", "CSM22", "PPO"},
    {"C03", "Columbia Benefit Administrators", "CBA07", "EPO; PPO"},
    {"C04", "Summit Mutual Health", "SMH40", "HMO"},
    {"C05", "Medicare Part B", "MCRB1", "Medicare"},
    {"C06", "Oregon Health Plan (Medicaid)", "OHP93", "Medicaid"},
    {"C07", "Pacific Union Workers' Comp", "PUW55", "Workers' Compensation"}};

struct Referrer {
  const char* first;
  const char* last;
  const char* credentials;
  const char* specialty;
  const char* practice;
  const char* territory;
};
const std::vector<Referrer> kReferrers = {
    {"Helen", "Park", "MD", "Orthopedic Surgery", "Rose City Orthopedics",
     "Westside"},
    {"Victor", "Almeida", "MD", "Orthopedic Surgery", "Rose City Orthopedics",
     "Westside"},
    {"Naomi", "Feld", "MD", "Neurology", "Willamette Neurology Group",
     "North Portland"},
    {"Curtis", "Bell", "DO", "Family Medicine", "Eastside Family Practice",
     "Eastside"},
    {"Aisha", "Rahman", "MD", "Rheumatology", "Columbia Rheumatology",
     "Vancouver WA"},
    {"George", "Lindqvist", "MD", "Cardiology", "Pacific Heart Associates",
     "North Portland"},
    {"Yuki", "Tanaka", "DC", "Chiropractic", "Tanaka Chiropractic", "Eastside"},
    {"Brian", "O'Neill", "MD", "Pediatrics", "Sunnyside Pediatrics",
     "Eastside"},
    {"Maria", "Castillo", "NP", "Women's Health", "Alder Women's Clinic",
     "Westside"},
    {"Samuel", "Osei", "MD", "Podiatry", "Bridgeview Foot & Ankle",
     "Vancouver WA"}};

struct Patient {
  std::string id, first, middle, last, preferred, dob, sex, email, mobile, home,
      address1, address2, city, zip, location, provider, referrer, status,
      carrier, policy, group, carrier2, policy2, emergency_name,
      emergency_phone;
  CivilDay registered;
  int64_t balance = 0;
  bool sms = true;
  std::string last_visit;
  CivilMinute updated;
};

struct Appointment {
  std::string id, patient, provider, location, type, status, reason, room,
      cancellation;
  CivilMinute start;
  int minutes = 30;
  bool billed = false;
};
std::string Phone(int n) {
  return absl::StrFormat("(%03d) 555-01%02d", n / 100 % 1000, n % 100);
}

class ClinicWriter {
 public:
  ClinicWriter(std::string out_dir, uint32_t seed)
      : out_(std::move(out_dir)), rng_(seed) {}

  absl::StatusOr<ExportSummary> Run() {
    summary_.system = "clinic";
    BW_RETURN_IF_ERROR(Write("locations.csv", Locations()));
    // The staff module of the legacy tool writes Windows-1252 without a
    // byte-order mark (the layout detects it).
    BW_RETURN_IF_ERROR(Write("providers.csv", Providers(), /*cp1252=*/true));
    BW_RETURN_IF_ERROR(Write("insurance_carriers.csv", Carriers()));
    BW_RETURN_IF_ERROR(Write("referring_physicians.csv", Referrers()));
    MakePatients();
    MakeAppointments();
    // Billing first: it sums the patients' balances.
    CsvText billing = Billing();
    BW_RETURN_IF_ERROR(Write("patients.csv", Patients()));
    BW_RETURN_IF_ERROR(Write("appointments.csv", Appointments()));
    BW_RETURN_IF_ERROR(Write("treatment_plans.csv", TreatmentPlans()));
    BW_RETURN_IF_ERROR(Write("billing.csv", billing));
    BW_RETURN_IF_ERROR(Write("lab_results.csv", LabResults()));
    BW_RETURN_IF_ERROR(Write("documents.csv", Documents()));
    BW_RETURN_IF_ERROR(
        Write("custom_field_definitions.csv", CustomFieldDefinitions()));
    BW_RETURN_IF_ERROR(Write("patient_custom_fields.csv", CustomFields()));
    BW_RETURN_IF_ERROR(Write("workflows.csv", Workflows()));
    BW_RETURN_IF_ERROR(Write("reports.csv", Reports()));
    for (const auto& [path, bytes] : files_) {
      BW_RETURN_IF_ERROR(WriteExportFile(
          (std::filesystem::path(out_) / path).string(), bytes));
      ++summary_.attachments;
    }
    return summary_;
  }

 private:
  CsvText NewCsv() { return CsvText(',', "\r\n", /*bom=*/true); }

  absl::Status Write(const std::string& file, const CsvText& csv,
                     bool cp1252 = false) {
    summary_.files.emplace_back(file, csv.rows());
    std::string_view text = csv.text();
    std::string legacy;
    if (cp1252) {
      if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
      BW_ASSIGN_OR_RETURN(legacy, ToWindows1252(text));
      text = legacy;
    }
    return WriteExportFile((std::filesystem::path(out_) / file).string(), text);
  }

  // "<number> <street>".
  std::string StreetAddress() {
    const int number = rng_.Between(100, 9999);
    return absl::StrCat(number, " ", rng_.Pick(kStreets));
  }

  // An update time some days after `t`, never after the export.
  CivilMinute UpdatedAfter(CivilMinute t) {
    CivilMinute u = t + rng_.Between(30, 60 * 24 * 15);
    CivilMinute limit = At(kToday, 7, 0);
    return u > limit ? limit - rng_.Between(0, 900) : u;
  }

  CsvText Locations() {
    CsvText csv = NewCsv();
    csv.Header({"location_id", "name", "organization", "address_line1", "city",
                "state", "zip", "phone", "fax", "email", "opened_on", "active",
                "updated_at"});
    for (const Location& l : kLocations) {
      csv.Row(
          {l.id, l.name, "Riverbend Health Partners", l.address, l.city, "OR",
           l.zip, Phone(503 * 100 + rng_.Between(0, 99)),
           Phone(503 * 100 + rng_.Between(0, 99)),
           absl::StrCat("frontdesk.", absl::AsciiStrToLower(l.id),
                        "@riverbend-health.example"),
           Date(RandomDay(rng_, CivilDay(2009, 1, 1), CivilDay(2021, 12, 31))),
           "TRUE",
           Time(At(CivilDay(2026, 2, 3) + rng_.Between(0, 90), 10, 5))});
    }
    return csv;
  }

  CsvText Providers() {
    CsvText csv = NewCsv();
    csv.Header({"provider_id", "first_name", "last_name", "credentials", "role",
                "specialty", "npi", "email", "phone_ext", "location_id",
                "active", "hired_on", "updated_at"});
    for (const Provider& p : kProviders) {
      std::string first_lower = absl::AsciiStrToLower(p.first);
      if (first_lower == "tomás") first_lower = "tomas";
      csv.Row(
          {p.id, p.first, p.last, p.credentials, p.role, p.specialty,
           p.clinical ? absl::StrFormat("1%09d", rng_.Between(0, 999999999))
                      : "",
           p.email ? absl::StrCat(first_lower.substr(0, 1), ".",
                                  absl::AsciiStrToLower(p.last),
                                  "@riverbend-health.example")
                   : "",
           absl::StrCat(rng_.Between(200, 299)), p.location,
           p.active ? "TRUE" : "FALSE",
           Date(RandomDay(rng_, CivilDay(2012, 1, 1), CivilDay(2025, 6, 30))),
           Time(RandomMinute(rng_, CivilDay(2026, 1, 10), 250, 9))});
    }
    return csv;
  }

  CsvText Carriers() {
    CsvText csv = NewCsv();
    csv.Header({"carrier_id", "name", "payer_id", "plan_types", "phone",
                "claims_address", "city", "state", "zip", "website",
                "in_network", "updated_at"});
    for (const Carrier& c : kCarriers) {
      const std::string state = rng_.Chance(70) ? "OR" : "WA";
      csv.Row(
          {c.id, c.name, c.payer_id, c.plans,
           Phone(800 * 100 + rng_.Between(0, 99)),
           absl::StrCat("PO Box ", rng_.Between(1000, 99999)),
           state == "OR"
               ? rng_.Pick(std::vector<const char*>{"Portland", "Salem"})
               : "Seattle",
           state,
           absl::StrCat(state == "OR" ? "97" : "98", rng_.Between(100, 399)),
           absl::StrCat("https://", absl::AsciiStrToLower(c.payer_id),
                        ".insurer.example"),
           rng_.Chance(85) ? "TRUE" : "FALSE",
           Time(RandomMinute(rng_, CivilDay(2025, 11, 1), 300, 15))});
    }
    return csv;
  }

  CsvText Referrers() {
    CsvText csv = NewCsv();
    csv.Header({"referrer_id", "first_name", "last_name", "credentials",
                "specialty", "practice_name", "npi", "phone", "fax", "email",
                "address_line1", "city", "state", "zip", "territory",
                "referral_count", "updated_at"});
    int n = 0;
    for (const Referrer& r : kReferrers) {
      ++n;
      const bool wa = std::string(r.territory) == "Vancouver WA";
      csv.Row({absl::StrFormat("R%02d", n), r.first, r.last, r.credentials,
               r.specialty, r.practice,
               absl::StrFormat("1%09d", rng_.Between(0, 999999999)),
               Phone((wa ? 360 : 503) * 100 + rng_.Between(0, 99)),
               rng_.Chance(70) ? Phone(503 * 100 + rng_.Between(0, 99)) : "",
               rng_.Chance(60)
                   ? absl::StrCat("referrals@", absl::AsciiStrToLower(r.last),
                                  "-clinic.example")
                   : "",
               StreetAddress(), wa ? "Vancouver" : "Portland", wa ? "WA" : "OR",
               wa ? "98661" : absl::StrCat("972", rng_.Between(10, 39)),
               r.territory, absl::StrCat(rng_.Between(0, 40)),
               Time(At(CivilDay(2026, 3, 1) + rng_.Between(0, 200), 13, 0))});
    }
    return csv;
  }

  void MakePatients() {
    for (int i = 0; i < 40; ++i) {
      Patient p;
      p.id = absl::StrFormat("RB-%05d", 10001 + i);
      const bool female = rng_.Chance(52);
      p.sex = female ? "F" : (rng_.Chance(3) ? "X" : "M");
      p.first = rng_.Pick(female ? kFirstF : kFirstM);
      p.last = rng_.Pick(kLast);
      if (rng_.Chance(35)) {
        p.middle = std::string(1, static_cast<char>('A' + rng_.Below(26)));
      }
      if (rng_.Chance(10)) p.preferred = p.first.substr(0, 3);
      p.dob =
          Date(RandomDay(rng_, CivilDay(1940, 1, 1), CivilDay(2018, 12, 31)));
      std::string ascii_last;
      for (char c : p.last) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
          ascii_last += static_cast<char>(std::tolower(c));
        }
      }
      if (!rng_.Chance(12)) {
        const int suffix = rng_.Between(10, 99);
        p.email = absl::StrCat(absl::AsciiStrToLower(p.first.substr(0, 1)),
                               ascii_last, suffix, "@",
                               rng_.Pick(std::vector<const char*>{
                                   "mail.example", "inbox.example"}));
        if (rng_.Chance(15))
          p.email[0] = static_cast<char>(
              std::toupper(static_cast<unsigned char>(p.email[0])));
      }
      const int area = rng_.Pick(std::vector<int>{503, 971, 360});
      p.mobile = Phone(area * 100 + i);
      if (rng_.Chance(30)) p.home = Phone(503 * 100 + 50 + i % 50);
      const Town& town = rng_.Pick(kTowns);
      p.address1 = StreetAddress();
      if (rng_.Chance(20))
        p.address2 = absl::StrCat("Apt ", rng_.Between(1, 40));
      p.city = town.city;
      p.zip = absl::StrCat(town.zip, rng_.Between(10, 99));
      p.location = rng_.Pick(std::vector<const char*>{"L1", "L1", "L2", "L3"});
      p.provider = rng_.Pick(Clinicians(p.location));
      if (rng_.Chance(40)) {
        p.referrer = absl::StrFormat("R%02d", rng_.Between(1, 10));
      }
      p.status = rng_.Chance(85) ? "Active" : "Inactive";
      if (!rng_.Chance(10)) {
        const Carrier& c = rng_.Pick(kCarriers);
        p.carrier = c.id;
        p.policy =
            absl::StrFormat("%s%09d", c.payer_id, rng_.Between(0, 999999999));
        if (std::string(c.plans) != "Medicare") {
          p.group = absl::StrFormat("GRP-%05d", rng_.Between(0, 99999));
        }
        if (rng_.Chance(15)) {
          p.carrier2 = "C05";
          p.policy2 = absl::StrFormat("MCRB1%09d", rng_.Between(0, 999999999));
          if (p.carrier == "C05") p.carrier2 = "C01";
        }
      }
      if (rng_.Chance(70)) {
        p.emergency_name = absl::StrCat(rng_.Pick(kFirstF), " ", p.last);
        p.emergency_phone = Phone(503 * 100 + rng_.Between(0, 99));
      }
      p.registered =
          RandomDay(rng_, CivilDay(2023, 1, 1), CivilDay(2026, 9, 30));
      p.sms = !rng_.Chance(20);
      patients_.push_back(std::move(p));
    }
    // The same person registered again (same name, birth date and mobile).
    Patient& copy = patients_[32];
    const Patient& original = patients_[11];
    copy.first = original.first;
    copy.middle = "";
    copy.last = original.last;
    copy.sex = original.sex;
    copy.dob = original.dob;
    copy.mobile = original.mobile;
    copy.email = original.email;
    for (char& c : copy.email) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }

  void MakeAppointments() {
    struct Visit {
      const char* type;
      int minutes;
    };
    const std::vector<Visit> visits = {
        {"New Patient Visit", 60}, {"Follow-up", 30},  {"Annual Physical", 45},
        {"PT Session", 45},        {"Telehealth", 20}, {"Nurse Check-in", 15},
        {"Lab Draw", 10}};
    std::vector<Appointment> appts;
    for (const Patient& p : patients_) {
      // The first visit, a few more, and for some one already booked.
      CivilDay day = p.registered + rng_.Between(0, 14);
      const int count = rng_.Between(0, 1) + (rng_.Chance(30) ? 1 : 0);
      const bool booked = rng_.Chance(30);
      for (int k = 0; k <= count + (booked ? 1 : 0); ++k) {
        if (k > count && day < kToday) day = kToday + rng_.Between(1, 40);
        Appointment a;
        a.patient = p.id;
        a.location = p.location;
        const Visit& v =
            k == 0 ? visits[0]
                   : (p.location == "L3"
                          ? visits[3]
                          : visits[1 + rng_.Below(static_cast<uint32_t>(
                                           visits.size() - 1))]);
        a.type = v.type;
        a.minutes = v.minutes;
        a.provider = a.type == "Nurse Check-in" || a.type == "Lab Draw"
                         ? "P08"
                         : p.provider;
        a.start = OfficeTime(rng_, 8, 16, day);
        a.reason = rng_.Pick(std::vector<const char*>{
            "Low back pain", "Knee pain after running", "Annual exam",
            "Blood pressure check", "Shoulder stiffness", "Diabetes follow-up",
            "Ankle sprain", "Medication review"});
        a.room = absl::StrCat(
            a.type == "Telehealth" ? "Virtual" : "Exam ",
            a.type == "Telehealth" ? "" : absl::StrCat(rng_.Between(1, 8)));
        if (day >= kToday) {
          a.status = rng_.Chance(50) ? "Scheduled" : "Confirmed";
        } else {
          a.status = rng_.Pick(std::vector<const char*>{
              "Checked Out", "Checked Out", "Checked Out", "Checked Out",
              "Checked Out", "Checked Out", "Checked Out", "Cancelled",
              "No Show"});
        }
        if (a.status == "Cancelled") {
          a.cancellation = rng_.Pick(std::vector<const char*>{
              "Patient rescheduled", "Provider out sick",
              "Insurance not verified"});
        }
        appts.push_back(a);
        day = day + rng_.Between(14, 120);
      }
    }
    std::stable_sort(appts.begin(), appts.end(),
                     [](const Appointment& a, const Appointment& b) {
                       return a.start < b.start;
                     });
    for (size_t i = 0; i < appts.size(); ++i) {
      appts[i].id = absl::StrFormat("A-%06d", 40001 + i);
    }
    appointments_ = std::move(appts);
    // Last completed visit per patient.
    for (Patient& p : patients_) {
      CivilMinute last = At(CivilDay(p.registered), 8, 0);
      for (const Appointment& a : appointments_) {
        if (a.patient == p.id && a.status == "Checked Out") {
          p.last_visit = Date(CivilDay(a.start));
          last = a.start;
        }
      }
      p.updated = UpdatedAfter(last);
    }
  }

  CsvText Patients() {
    CsvText csv = NewCsv();
    csv.Header({"patient_id",
                "first_name",
                "middle_name",
                "last_name",
                "preferred_name",
                "date_of_birth",
                "sex",
                "email",
                "mobile_phone",
                "home_phone",
                "address_line1",
                "address_line2",
                "city",
                "state",
                "zip",
                "preferred_location_id",
                "primary_provider_id",
                "referring_physician_id",
                "patient_status",
                "primary_carrier_id",
                "primary_policy_number",
                "primary_group_number",
                "secondary_carrier_id",
                "secondary_policy_number",
                "emergency_contact_name",
                "emergency_contact_phone",
                "registered_on",
                "last_visit_on",
                "balance_due",
                "sms_opt_in",
                "updated_at"});
    for (const Patient& p : patients_) {
      csv.Row({p.id,
               p.first,
               p.middle,
               p.last,
               p.preferred,
               p.dob,
               p.sex,
               p.email,
               p.mobile,
               p.home,
               p.address1,
               p.address2,
               p.city,
               p.city == std::string("Vancouver") ? "WA" : "OR",
               p.zip,
               p.location,
               p.provider,
               p.referrer,
               p.status,
               p.carrier,
               p.policy,
               p.group,
               p.carrier2,
               p.policy2,
               p.emergency_name,
               p.emergency_phone,
               Date(p.registered),
               p.last_visit,
               Dollars(balances_[p.id]),
               p.sms ? "Y" : "N",
               Time(p.updated)});
    }
    return csv;
  }

  CsvText Appointments() {
    CsvText csv = NewCsv();
    csv.Header({"appointment_id", "patient_id", "provider_id", "location_id",
                "scheduled_start", "duration_minutes", "visit_type", "status",
                "reason", "room", "checked_in_at", "checked_out_at",
                "cancellation_reason", "updated_at"});
    for (const Appointment& a : appointments_) {
      const bool seen = a.status == "Checked Out";
      csv.Row({a.id, a.patient, a.provider, a.location, Time(a.start),
               absl::StrCat(a.minutes), a.type, a.status, a.reason, a.room,
               seen ? Time(a.start - rng_.Between(0, 15)) : "",
               seen ? Time(a.start + a.minutes + rng_.Between(0, 20)) : "",
               a.cancellation,
               Time(seen || a.status == "No Show"
                        ? UpdatedAfter(a.start)
                        : a.start - rng_.Between(60, 60 * 24 * 10))});
    }
    return csv;
  }

  CsvText TreatmentPlans() {
    CsvText csv = NewCsv();
    csv.Header({"plan_id", "patient_id", "provider_id", "title",
                "diagnosis_codes", "procedure_codes", "start_date", "end_date",
                "status", "sessions_planned", "sessions_completed", "goals",
                "updated_at"});
    struct Plan {
      const char* title;
      const char* icd;
      const char* cpt;
      int sessions;
      const char* goal;
    };
    const std::vector<Plan> plans = {
        {"Lumbar stabilization program", "M54.50; M51.26",
         "97161; 97110; 97140", 12,
         "Reduce pain to 2/10\nReturn to full work duties"},
        {"ACL reconstruction rehab (phase 2)", "S83.511D; Z47.89",
         "97110; 97112; 97530", 16,
         "Full knee extension\nSingle-leg squat without valgus"},
        {"Rotator cuff tendinopathy", "M75.121", "97110; 97140", 8,
         "Pain-free overhead reach"},
        {"Type 2 diabetes management", "E11.9; Z79.4", "99214; 83036", 4,
         "HbA1c below 7.0%\nWeekly exercise 150 minutes"},
        {"Hypertension follow-up", "I10", "99213; 93000", 3,
         "BP under 130/80 at home"},
        {"Ankle sprain return to sport", "S93.401A", "97110; 97116", 6,
         "Hop test symmetry > 90%"}};
    int n = 0;
    for (const Patient& p : patients_) {
      if (n >= 20 || !rng_.Chance(55)) continue;
      ++n;
      const Plan& plan = rng_.Pick(plans);
      CivilDay start = p.registered + rng_.Between(0, 20);
      // About a third are plans in progress.
      if (rng_.Chance(35))
        start = std::max(p.registered, kToday - rng_.Between(3, 60));
      const CivilDay end = start + plan.sessions * 7 + rng_.Between(0, 30);
      std::string status = end < kToday ? "Completed" : "Active";
      if (rng_.Chance(10)) status = "Discontinued";
      if (start > kToday - 5) status = "Draft";
      const int done =
          status == "Completed"
              ? plan.sessions
              : std::min(
                    plan.sessions,
                    static_cast<int>(std::max<int64_t>(0, kToday - start)) / 7);
      csv.Row({absl::StrFormat("TP-%04d", n), p.id, p.provider, plan.title,
               plan.icd, plan.cpt, Date(start), Date(end), status,
               absl::StrCat(plan.sessions), absl::StrCat(done), plan.goal,
               Time(UpdatedAfter(At(std::min(end, kToday - 1), 12, 0)))});
    }
    return csv;
  }

  CsvText Billing() {
    CsvText csv = NewCsv();
    csv.Header({"billing_id", "patient_id", "appointment_id", "carrier_id",
                "invoice_number", "service_date", "cpt_codes", "amount_billed",
                "insurance_paid", "patient_paid", "adjustment", "balance",
                "last_payment_date", "claim_status", "denial_reason",
                "updated_at"});
    int n = 0;
    bool bad_written = false;
    for (Appointment& a : appointments_) {
      if (a.status != "Checked Out" || n >= 40) continue;
      const Patient* p = nullptr;
      for (const Patient& q : patients_) {
        if (q.id == a.patient) p = &q;
      }
      ++n;
      a.billed = true;
      const int64_t billed = a.type == "New Patient Visit" ? 28500
                             : a.type == "PT Session"      ? 16500
                             : a.type == "Annual Physical" ? 24000
                             : a.type == "Lab Draw"        ? 4500
                             : a.type == "Nurse Check-in"  ? 6500
                                                           : 13500;
      std::string status = "Paid", denial;
      int64_t insurance = 0, adjustment = 0, patient_paid = 0;
      const CivilDay service(a.start);
      if (p->carrier.empty()) {
        status = "Self-Pay";
        patient_paid = rng_.Chance(70) ? billed : 0;
      } else if (service > kToday - 20) {
        status = rng_.Chance(50) ? "Submitted" : "Pending";
      } else if (rng_.Chance(12)) {
        status = "Denied";
        denial = rng_.Pick(std::vector<const char*>{
            "CO-97 Bundled service", "CO-16 Missing information",
            "PR-204 Not covered under plan"});
      } else {
        adjustment = billed * rng_.Between(10, 30) / 100;
        insurance = (billed - adjustment) * 80 / 100;
        patient_paid = rng_.Chance(75) ? billed - adjustment - insurance : 0;
        status = patient_paid == 0 ? "Partially Paid" : "Paid";
      }
      const int64_t balance = billed - adjustment - insurance - patient_paid;
      balances_[a.patient] += balance;
      // The bad row: the amount was never entered.
      const bool bad = !bad_written && n == 23;
      bad_written = bad_written || bad;
      const int64_t line = csv.Row(
          {absl::StrFormat("BL-%05d", n), a.patient, a.id, p->carrier,
           absl::StrFormat("INV-%d-%05d", service.year(), 100 + n * 3),
           Date(service), a.type == "PT Session" ? "97110; 97140" : "99213",
           bad ? "TBD" : Dollars(billed), Dollars(insurance),
           Dollars(patient_paid), Dollars(adjustment), Dollars(balance),
           patient_paid + insurance > 0 ? Date(service + rng_.Between(10, 45))
                                        : "",
           status, denial, Time(UpdatedAfter(a.start + 60 * 24 * 3))});
      if (bad) {
        summary_.AddBadRow("billing.csv", line, "amount_billed");
      }
    }
    return csv;
  }

  CsvText LabResults() {
    CsvText csv = NewCsv();
    csv.Header({"result_id", "patient_id", "ordering_provider_id",
                "appointment_id", "test_name", "loinc_code", "result_value",
                "unit", "reference_range", "abnormal_flag", "collected_on",
                "resulted_at", "performing_lab", "comment", "updated_at"});
    struct Test {
      const char* name;
      const char* loinc;
      const char* unit;
      const char* range;
      int low, high;  // tenths
      int normal_low, normal_high;
    };
    const std::vector<Test> tests = {
        {"Hemoglobin A1c", "4548-4", "%", "4.0-5.6", 48, 95, 40, 56},
        {"Glucose, fasting", "1558-6", "mg/dL", "70-99", 700, 1800, 700, 990},
        {"LDL cholesterol (calc)", "13457-7", "mg/dL", "<100", 600, 1900, 0,
         999},
        {"TSH", "3016-3", "mIU/L", "0.45-4.50", 3, 70, 5, 45},
        {"WBC", "6690-2", "10*3/uL", "3.4-10.8", 30, 130, 34, 108},
        {"Vitamin D, 25-OH", "1989-3", "ng/mL", "30-100", 120, 600, 300, 1000}};
    int n = 0;
    for (const Appointment& a : appointments_) {
      // Labs are drawn at the medical offices, not at physical therapy.
      if (a.status != "Checked Out" || a.location == "L3" || n >= 30) {
        continue;
      }
      if (a.type != "Lab Draw" && a.type != "Annual Physical" &&
          !rng_.Chance(25)) {
        continue;
      }
      const int count = a.type == "Annual Physical" ? 2 : 1;
      for (int k = 0; k < count && n < 30; ++k) {
        ++n;
        const Test& t = rng_.Pick(tests);
        const int v = rng_.Between(t.low, t.high);
        const std::string value = absl::StrFormat("%d.%d", v / 10, v % 10);
        std::string flag;
        if (v < t.normal_low) flag = "L";
        if (v > t.normal_high) flag = "H";
        const CivilDay collected(a.start);
        const CivilDay result_day = collected + rng_.Between(0, 2);
        const int result_hour = rng_.Between(8, 20);
        const CivilMinute resulted =
            At(result_day, result_hour, rng_.Between(0, 59));
        std::string ordering = a.provider;
        if (ordering == "P08") {
          for (const Patient& p : patients_) {
            if (p.id == a.patient) ordering = p.provider;
          }
        }
        csv.Row({absl::StrFormat("LR-%05d", n), a.patient, ordering,
                 a.type == "Lab Draw" || rng_.Chance(60) ? a.id : "", t.name,
                 t.loinc, value, t.unit, t.range, flag, IsoDate(collected),
                 IsoTime(resulted, rng_.Between(0, 59)),
                 rng_.Pick(std::vector<const char*>{
                     "Cascade Reference Laboratory", "In-house"}),
                 flag.empty() ? "" : "Provider notified", Time(resulted)});
      }
    }
    return csv;
  }

  CsvText Documents() {
    CsvText csv = NewCsv();
    csv.Header({"document_id", "patient_id", "document_type", "title",
                "file_path", "uploaded_at", "uploaded_by", "page_count",
                "updated_at"});
    int n = 0;
    for (const Patient& p : patients_) {
      if (n >= 15) break;
      if (!rng_.Chance(45)) continue;
      ++n;
      const std::string id = absl::StrFormat("DOC-%04d", n);
      const int kind = n % 5;
      std::string type, title, file, bytes;
      const CivilMinute uploaded = OfficeTime(rng_, 8, 16, p.registered);
      const std::string full_name = absl::StrCat(p.first, " ", p.last);
      const int pages = 1;
      if (kind == 0 || kind == 3) {
        type = kind == 0 ? "Consent Form" : "Imaging Referral";
        title = kind == 0 ? "Consent to treat" : "MRI referral - lumbar spine";
        file = absl::StrCat(id, kind == 0 ? "-consent" : "-referral", ".pdf");
        // Only ASCII in the PDF's base font: the MRN, not the name.
        bytes = PdfDocument(
            {"Riverbend Health Partners", "",
             kind == 0 ? "CONSENT TO TREATMENT" : "IMAGING REFERRAL",
             absl::StrCat("Patient MRN: ", p.id),
             absl::StrCat("Date: ", Date(CivilDay(uploaded))), "",
             "Synthetic sample document generated by bridgework-gen-sample."});
      } else if (kind == 1 || kind == 4) {
        type = "Insurance Card";
        title = kind == 1 ? "Insurance card - front" : "Insurance card - back";
        file = absl::StrCat(id, "-insurance-card.png");
        const int hue = rng_.Between(40, 200);
        bytes = PngImage(64, 40, [&](int x, int y) {
          const bool band = y < 10;
          const bool text =
              y > 16 && y < 34 && x > 6 && x < 58 && (x / 3 + y / 4) % 3 == 0;
          if (band) {
            return std::array<uint8_t, 3>{20, static_cast<uint8_t>(hue), 120};
          }
          return text ? std::array<uint8_t, 3>{60, 60, 60}
                      : std::array<uint8_t, 3>{245, 245, 240};
        });
      } else {
        type = "Referral Letter";
        title = "Referral letter (scanned text)";
        file = absl::StrCat(id, "-referral-letter.txt");
        bytes = absl::StrCat("Referral for ", full_name, " (MRN ", p.id,
                             ")\r\n", "Reason: evaluation and treatment.\r\n",
                             "Synthetic sample document generated by "
                             "bridgework-gen-sample.\r\n");
      }
      const std::string path = absl::StrCat("documents/", p.id, "/", file);
      // The bad row: its file was never copied into the export.
      const bool bad = n == 9;
      if (!bad) files_.emplace_back(path, bytes);
      const int64_t line =
          csv.Row({id, p.id, type, title, path, Time(uploaded),
                   rng_.Pick(std::vector<const char*>{"P09", "P11", "P12"}),
                   absl::StrCat(pages), Time(uploaded)});
      if (bad) {
        summary_.AddBadRow("documents.csv", line, "file_path");
      }
    }
    return csv;
  }

  CsvText CustomFieldDefinitions() {
    CsvText csv = NewCsv();
    csv.Header({"field_key", "label", "applies_to", "field_type",
                "picklist_values", "required", "updated_at"});
    for (const auto& def : Definitions()) {
      csv.Row({def.key, def.label, "Patient", def.type, def.options,
               def.required ? "TRUE" : "FALSE",
               Time(At(CivilDay(2024, 6, 3), 16, 20))});
    }
    return csv;
  }

  struct Definition {
    std::string key, label, type, options;
    bool required;
  };
  static std::vector<Definition> Definitions() {
    return {{"preferred_appointment_time", "Preferred appointment time",
             "picklist", "Morning|Afternoon|Evening", false},
            {"interpreter_language", "Interpreter language", "text", "", false},
            {"occupation", "Occupation", "text", "", false},
            {"marketing_source", "How did you hear about us?", "picklist",
             "Physician referral|Google|Friend or family|Insurance directory|"
             "Event",
             true},
            {"advance_directive_on_file", "Advance directive on file",
             "checkbox", "", false},
            {"pain_score_baseline", "Baseline pain score (0-10)", "number", "",
             false}};
  }

  CsvText CustomFields() {
    CsvText csv = NewCsv();
    csv.Header({"value_id", "patient_id", "field_key", "value", "updated_at"});
    int n = 0;
    for (const Patient& p : patients_) {
      for (const Definition& def : Definitions()) {
        if (!def.required && !rng_.Chance(25)) continue;
        std::string value;
        if (def.type == "picklist") {
          std::vector<std::string> options;
          size_t start = 0;
          while (true) {
            size_t bar = def.options.find('|', start);
            options.push_back(def.options.substr(start, bar - start));
            if (bar == std::string::npos) break;
            start = bar + 1;
          }
          value = rng_.Pick(options);
        } else if (def.type == "checkbox") {
          value = rng_.Chance(30) ? "Yes" : "No";
        } else if (def.type == "number") {
          value = absl::StrCat(rng_.Between(0, 10));
        } else if (def.key == "interpreter_language") {
          value = rng_.Pick(std::vector<const char*>{"Spanish", "Vietnamese",
                                                     "Russian", "Somali"});
        } else {
          value = rng_.Pick(std::vector<const char*>{
              "Teacher", "Software engineer", "Nurse", "Retired",
              "Warehouse associate", "Student", "Barista, part-time"});
        }
        ++n;
        csv.Row({absl::StrFormat("CFV-%05d", n), p.id, def.key, value,
                 Time(p.updated)});
      }
    }
    return csv;
  }

  CsvText Workflows() {
    CsvText csv = NewCsv();
    csv.Header({"workflow_id", "name", "category", "trigger_event",
                "conditions", "actions", "schedule", "active",
                "owner_provider_id", "updated_at"});
    struct Flow {
      const char* name;
      const char* category;
      const char* trigger;
      const char* conditions;
      const char* actions;
      const char* schedule;
      bool active;
    };
    const std::vector<Flow> flows = {
        {"Appointment reminder - 48h", "Appointment Reminder",
         "appointment.scheduled", "status in (Scheduled, Confirmed)",
         "Send SMS template APPT_REMIND_48", "48 hours before start", true},
        {"Appointment reminder - 2h", "Appointment Reminder",
         "appointment.scheduled", "sms_opt_in = Y",
         "Send SMS template APPT_REMIND_2H", "2 hours before start", true},
        {"No-show follow-up", "Appointment Reminder", "appointment.no_show", "",
         "Create task for front desk; send email NO_SHOW_RESCHEDULE",
         "immediately", true},
        {"Insurance eligibility check", "Insurance Verification",
         "appointment.scheduled", "primary_carrier_id is not empty",
         "Run eligibility (270/271); flag if inactive", "72 hours before start",
         true},
        {"Statement for balances over $50", "Billing Rule",
         "billing.balance_changed", "balance > 50.00 and claim_status = Paid",
         "Mail patient statement; email copy if email present",
         "monthly, 1st business day", true},
        {"Denied claim work queue", "Billing Rule", "claim.denied", "",
         "Assign to billing specialist P10 with denial reason", "immediately",
         true},
        {"PT plan session tasks", "Treatment Plan Task",
         "treatment_plan.active", "sessions_completed < sessions_planned",
         "Create weekly scheduling task for the front desk", "weekly", true},
        {"Annual physical recall", "Recall", "patient.last_visit",
         "last annual physical > 11 months ago",
         "Send email RECALL_ANNUAL; create call task after 14 days",
         "daily at 07:00", false}};
    int n = 0;
    for (const Flow& f : flows) {
      ++n;
      csv.Row({absl::StrFormat("WF-%02d", n), f.name, f.category, f.trigger,
               f.conditions, f.actions, f.schedule, f.active ? "TRUE" : "FALSE",
               "P12", Time(At(CivilDay(2025, 2, 1) + n * 29, 11, n * 4))});
    }
    return csv;
  }

  CsvText Reports() {
    CsvText csv = NewCsv();
    csv.Header({"report_id", "name", "kind", "category", "owner_provider_id",
                "metrics", "filters", "schedule", "last_run_at", "updated_at"});
    struct Report {
      const char* name;
      const char* kind;
      const char* category;
      const char* owner;
      const char* metrics;
      const char* filters;
      const char* schedule;
    };
    const std::vector<Report> reports = {
        {"Daily schedule", "Report", "Operations", "P09",
         "Appointments by provider and room", "location = current", "daily"},
        {"No-show rate", "Dashboard", "Operations", "P12",
         "No-show %; Cancellations %; Same-day fills", "last 90 days",
         "weekly"},
        {"Revenue per provider", "Dashboard", "Finance", "P12",
         "Billed; Collected; Adjustments; Revenue per visit",
         "service date this month", "monthly"},
        {"A/R aging", "Report", "Finance", "P10",
         "Balance by 0-30, 31-60, 61-90, 90+ days", "balance > 0", "weekly"},
        {"Denials by reason", "Report", "Finance", "P10",
         "Denied claims; Amount; Reason code", "claim_status = Denied",
         "monthly"},
        {"Patient volume by location", "Dashboard", "Executive", "P12",
         "New patients; Visits; Active patients", "last 12 months", "monthly"}};
    int n = 0;
    for (const Report& r : reports) {
      ++n;
      const CivilMinute run = At(kToday - n, 6, 30);
      csv.Row({absl::StrFormat("RPT-%02d", n), r.name, r.kind, r.category,
               r.owner, r.metrics, r.filters, r.schedule, Time(run),
               Time(At(CivilDay(2025, 5, 1) + n * 41, 10, 0))});
    }
    return csv;
  }

  const std::string out_;
  Rng rng_;
  ExportSummary summary_;
  std::vector<Patient> patients_;
  std::vector<Appointment> appointments_;
  std::map<std::string, int64_t> balances_;
  std::vector<std::pair<std::string, std::string>> files_;
};

}  // namespace

absl::StatusOr<ExportSummary> WriteClinicSample(const std::string& out_dir,
                                                uint32_t seed) {
  return ClinicWriter(out_dir, seed).Run();
}

}  // namespace bridgework::gen_sample
