#include "tools/gen_sample/drdentes_generator.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "libs/common/status_macros.h"

namespace bridgework::gen_sample {
namespace {

using absl::CivilDay;
using absl::CivilMinute;

// The day the export was taken: later appointments are still scheduled.
const CivilDay kToday(2026, 11, 20);

std::string Date(CivilDay d) {
  return absl::StrFormat("%02d.%02d.%04d", d.day(), d.month(), d.year());
}
std::string Time(CivilMinute t) {
  return absl::StrFormat("%02d.%02d.%04d %02d:%02d", t.day(), t.month(),
                         t.year(), t.hour(), t.minute());
}
// updated_at carries seconds.
std::string Stamp(CivilMinute t, int seconds) {
  return absl::StrFormat("%s:%02d", Time(t), seconds);
}
// Kuruş as Turkish lira text: 123450 -> "1.234,50".
std::string Lira(int64_t kurus) {
  const bool negative = kurus < 0;
  if (negative) kurus = -kurus;
  return absl::StrFormat("%s%s,%02d", negative ? "-" : "",
                         GroupThousands(kurus / 100, '.'), kurus % 100);
}

struct Name {
  const char* text;
  const char* ascii;
};
const std::vector<Name> kFemale = {
    {"Ayşe", "ayse"},       {"Fatma", "fatma"},   {"Emine", "emine"},
    {"Hatice", "hatice"},   {"Zeynep", "zeynep"}, {"Elif", "elif"},
    {"Merve", "merve"},     {"Özlem", "ozlem"},   {"Şule", "sule"},
    {"Ebru", "ebru"},       {"Selin", "selin"},   {"Kübra", "kubra"},
    {"Yasemin", "yasemin"}, {"Esra", "esra"},     {"Gülşen", "gulsen"},
    {"İrem", "irem"}};
const std::vector<Name> kMale = {
    {"Mehmet", "mehmet"},   {"Mustafa", "mustafa"}, {"Ahmet", "ahmet"},
    {"Ali", "ali"},         {"Hüseyin", "huseyin"}, {"Hasan", "hasan"},
    {"İbrahim", "ibrahim"}, {"Çağrı", "cagri"},     {"Gökhan", "gokhan"},
    {"Ümit", "umit"},       {"Burak", "burak"},     {"Emre", "emre"},
    {"Oğuz", "oguz"},       {"Serkan", "serkan"},   {"Tolga", "tolga"},
    {"Deniz", "deniz"}};
const std::vector<Name> kLast = {
    {"Yılmaz", "yilmaz"},     {"Kaya", "kaya"},       {"Demir", "demir"},
    {"Şahin", "sahin"},       {"Çelik", "celik"},     {"Yıldız", "yildiz"},
    {"Yıldırım", "yildirim"}, {"Öztürk", "ozturk"},   {"Aydın", "aydin"},
    {"Özdemir", "ozdemir"},   {"Arslan", "arslan"},   {"Doğan", "dogan"},
    {"Kılıç", "kilic"},       {"Aslan", "aslan"},     {"Çetin", "cetin"},
    {"Kara", "kara"},         {"Koç", "koc"},         {"Kurt", "kurt"},
    {"Özkan", "ozkan"},       {"Şimşek", "simsek"},   {"Polat", "polat"},
    {"Korkmaz", "korkmaz"},   {"Erdoğan", "erdogan"}, {"Güneş", "gunes"},
    {"Işık", "isik"}};

struct District {
  const char* district;
  const char* city;
  const char* postal_prefix;
};
const std::vector<District> kDistricts = {
    {"Kadıköy", "İstanbul", "347"},  {"Üsküdar", "İstanbul", "346"},
    {"Ataşehir", "İstanbul", "347"}, {"Maltepe", "İstanbul", "348"},
    {"Beşiktaş", "İstanbul", "343"}, {"Şişli", "İstanbul", "343"},
    {"Ümraniye", "İstanbul", "347"}, {"Gebze", "Kocaeli", "414"}};
const std::vector<std::string> kStreets = {
    "Bağdat Cad.",       "Moda Cad.",        "Fenerbahçe Cad.",
    "Atatürk Cad.",      "Cumhuriyet Mah.",  "Çamlıca Sok.",
    "Söğütlüçeşme Cad.", "Barbaros Bulvarı", "İnönü Cad."};

struct Clinic {
  const char* id;
  const char* code;
  const char* name;
  const char* parent;
  const char* district;
  const char* address;
  int units;
};
const std::vector<Clinic> kClinics = {
    {"K1", "GULUS01", "Gülüş Ağız ve Diş Sağlığı Polikliniği - Merkez", "",
     "Kadıköy", "Bağdat Cad. No: 214 D: 3", 6},
    {"K2", "GULUS02", "Gülüş Ağız ve Diş Sağlığı Polikliniği - Üsküdar Şubesi",
     "K1", "Üsküdar", "Hakimiyeti Milliye Cad. No: 41 Kat: 2", 4},
    {"K3", "GULUS03", "Gülüş Ağız ve Diş Sağlığı Polikliniği - Ataşehir Şubesi",
     "K1", "Ataşehir", "Atatürk Mah. Ertuğrul Gazi Sok. No: 7", 3}};

struct Staff {
  const char* id;
  Name first;
  Name last;
  const char* role;
  const char* speciality;
  const char* clinic;
  bool active;
  bool has_email;
  const char* pct;  // progress-payment percentage
};
const std::vector<Staff> kStaff = {{"S01",
                                    {"Mehmet", "mehmet"},
                                    {"Kaya", "kaya"},
                                    "Dentist",
                                    "Orthodontics",
                                    "K1",
                                    true,
                                    true,
                                    "35"},
                                   {"S02",
                                    {"Zeynep", "zeynep"},
                                    {"Demir", "demir"},
                                    "Dentist",
                                    "Endodontics",
                                    "K1",
                                    true,
                                    true,
                                    "32,5"},
                                   {"S03",
                                    {"Emre", "emre"},
                                    {"Şahin", "sahin"},
                                    "Dentist",
                                    "Oral and Maxillofacial Surgery",
                                    "K2",
                                    true,
                                    true,
                                    "40"},
                                   {"S04",
                                    {"Elif", "elif"},
                                    {"Arslan", "arslan"},
                                    "Dentist",
                                    "Pedodontics",
                                    "K2",
                                    true,
                                    true,
                                    "30"},
                                   {"S05",
                                    {"Burak", "burak"},
                                    {"Öztürk", "ozturk"},
                                    "Dentist",
                                    "Prosthodontics",
                                    "K3",
                                    true,
                                    true,
                                    "35"},
                                   {"S06",
                                    {"Selin", "selin"},
                                    {"Koç", "koc"},
                                    "Dentist",
                                    "Periodontology",
                                    "K3",
                                    false,
                                    true,
                                    "30"},
                                   {"S07",
                                    {"Merve", "merve"},
                                    {"Aydın", "aydin"},
                                    "Hygienist",
                                    "",
                                    "K1",
                                    true,
                                    true,
                                    "0"},
                                   {"S08",
                                    {"Oğuz", "oguz"},
                                    {"Çelik", "celik"},
                                    "Hygienist",
                                    "",
                                    "K2",
                                    true,
                                    true,
                                    "0"},
                                   {"S09",
                                    {"Hatice", "hatice"},
                                    {"Yılmaz", "yilmaz"},
                                    "Office Manager",
                                    "",
                                    "K1",
                                    true,
                                    true,
                                    "0"},
                                   {"S10",
                                    {"Kübra", "kubra"},
                                    {"Doğan", "dogan"},
                                    "Receptionist",
                                    "",
                                    "K2",
                                    true,
                                    true,
                                    "0"},
                                   {"S11",
                                    {"Serkan", "serkan"},
                                    {"Polat", "polat"},
                                    "Receptionist",
                                    "",
                                    "K3",
                                    true,
                                    false,
                                    "0"},
                                   {"S12",
                                    {"Deniz", "deniz"},
                                    {"Kurt", "kurt"},
                                    "Assistant",
                                    "",
                                    "K1",
                                    true,
                                    false,
                                    "0"}};

// Dentists by clinic (the passive one only for older patients).
std::vector<std::string> DentistsOf(const std::string& clinic, bool old) {
  std::vector<std::string> out;
  for (const Staff& s : kStaff) {
    if (std::string(s.role) == "Dentist" && s.clinic == clinic &&
        (s.active || old)) {
      out.push_back(s.id);
    }
  }
  return out;
}

struct Item {
  const char* id;
  const char* code;
  const char* name;
  const char* category;
  int64_t price;  // kuruş
  int minutes;
  bool active;
};
const std::vector<Item> kItems = {
    {"T01", "DD-101", "Muayene ve Teşhis", "Diagnostics", 75000, 20, true},
    {"T02", "DD-102", "Panoramik Röntgen", "Diagnostics", 90000, 10, true},
    {"T03", "DD-103", "Periapikal Röntgen", "Diagnostics", 25000, 5, true},
    {"T04", "DD-201", "Diş Taşı Temizliği", "Preventive", 150000, 40, true},
    {"T05", "DD-202", "Fissür Örtücü (tek diş)", "Preventive", 90000, 15, true},
    {"T06", "DD-301", "Kompozit Dolgu (tek yüz)", "Restorative", 220000, 30,
     true},
    {"T07", "DD-302", "Kompozit Dolgu (iki yüz)", "Restorative", 280000, 40,
     true},
    {"T08", "DD-401", "Kanal Tedavisi (tek kanal)", "Endodontics", 450000, 60,
     true},
    {"T09", "DD-402", "Kanal Tedavisi (üç kanal)", "Endodontics", 750000, 90,
     true},
    {"T10", "DD-501", "Basit Diş Çekimi", "Surgery", 180000, 30, true},
    {"T11", "DD-502", "Gömülü Diş Çekimi", "Surgery", 550000, 60, true},
    {"T12", "DD-601", "İmplant (tek)", "Implantology", 2800000, 90, true},
    {"T13", "DD-701", "Zirkonyum Kron", "Prosthetics", 950000, 45, true},
    {"T14", "DD-702", "Metal Destekli Porselen Kron", "Prosthetics", 650000, 45,
     false},
    {"T15", "DD-801", "Ofis Tipi Beyazlatma", "Cosmetic", 600000, 60, true},
    {"T16", "DD-901", "Şeffaf Plak Ortodonti (tam tedavi)", "Orthodontics",
     8500000, 45, true},
    {"T17", "DD-902", "Sabit Ortodonti (braket)", "Orthodontics", 6000000, 60,
     true},
    {"T18", "DD-203", "Gece Plağı", "Preventive", 400000, 20, true}};
const Item& ItemById(const std::string& id) {
  for (const Item& i : kItems) {
    if (id == i.id) return i;
  }
  return kItems[0];
}

// Treatment types and the tariff items a case of that type bills.
struct TreatmentType {
  const char* name;
  std::vector<std::vector<const char*>> plans;
  const char* title;
};
const std::vector<TreatmentType> kTypes = {
    {"Orthodontics", {{"T02", "T16"}, {"T02", "T17"}}, "Ortodonti tedavisi"},
    {"Implant",
     {{"T02", "T12", "T13"}, {"T03", "T11", "T12"}},
     "İmplant tedavisi"},
    {"Endodontics",
     {{"T03", "T08", "T06"}, {"T03", "T09", "T13"}},
     "Kanal tedavisi"},
    {"General",
     {{"T01", "T04"}, {"T06", "T07"}, {"T10", "T06"}},
     "Genel tedavi"},
    {"Cosmetic", {{"T04", "T15"}, {"T13", "T13"}}, "Estetik diş hekimliği"},
    {"Periodontal", {{"T04", "T18"}, {"T04", "T03"}}, "Periodontal tedavi"}};

const std::vector<std::string> kPermanentTeeth = {
    "11", "12", "13", "14", "15", "16", "17", "21", "22", "23", "24",
    "25", "26", "27", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "47", "18", "28", "38", "48"};
const std::vector<std::string> kInsurers = {"Boğaziçi Sağlık Sigorta",
                                            "Marmara Hayat ve Sağlık",
                                            "Anka Sigorta", "Özel Sigorta Yok"};

struct Patient {
  std::string id, first, last, first_ascii, last_ascii, birth, gender, mobile,
      home, other, email, address, district, city, postal, clinic, dentist,
      colour, lead_source, inquiry, treatment_type, insurer, alerts;
  bool lead = false;
  bool consent = true;
  int recall_months = 6;
  CivilDay first_visit;
  CivilMinute created, updated;
  int mobile_digits = 0;  // the 4 varying digits, for the duplicate
};

struct Case {
  std::string id, patient, clinic, dentist, type, title, stage, teeth;
  std::vector<std::string> items;
  CivilDay opened;
  std::string closed;
  int64_t amount = 0;
  CivilMinute updated;
};

struct Appointment {
  std::string id, patient, case_id, clinic, dentist, unit, type, status,
      cancel_reason, note;
  CivilMinute start, created, updated;
  int minutes = 30;
  bool referenced = false;
};

// A synthetic mobile number 0555 01X YY ZZ (n in 0..99999) in one of the
// formats people type.
std::string Phone(int n, int style) {
  const int x = n / 10000, y = n / 100 % 100, z = n % 100;
  switch (style % 4) {
    case 0:
      return absl::StrFormat("0555 01%d %02d %02d", x, y, z);
    case 1:
      return absl::StrFormat("+90 555 01%d %02d %02d", x, y, z);
    case 2:
      return absl::StrFormat("055501%d%02d%02d", x, y, z);
    default:
      return absl::StrFormat("(0555) 01%d-%02d%02d", x, y, z);
  }
}

// 11 digits that fail the TC Kimlik checksum, so no real person has them.
std::string FakeNationalId(Rng& rng) {
  int d[11];
  d[0] = rng.Between(1, 9);
  for (int i = 1; i < 9; ++i) d[i] = rng.Between(0, 9);
  int odd = d[0] + d[2] + d[4] + d[6] + d[8];
  int even = d[1] + d[3] + d[5] + d[7];
  int valid10 = ((odd * 7 - even) % 10 + 10) % 10;
  d[9] = (valid10 + 1) % 10;
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += d[i];
  d[10] = sum % 10;
  std::string out;
  for (int v : d) out += static_cast<char>('0' + v);
  return out;
}
CivilDay DayOf(CivilMinute t) { return CivilDay(t); }

class DrDentesWriter {
 public:
  DrDentesWriter(std::string out_dir, uint32_t seed)
      : out_(std::move(out_dir)), rng_(seed) {}

  absl::StatusOr<ExportSummary> Run() {
    summary_.system = "drdentes";
    MakePatients();
    MakeCasesAndAppointments();
    BW_RETURN_IF_ERROR(WriteClinics());
    BW_RETURN_IF_ERROR(WriteStaff());
    BW_RETURN_IF_ERROR(WriteItems());
    BW_RETURN_IF_ERROR(WritePatients());
    BW_RETURN_IF_ERROR(WriteCases());
    // Children that reference appointments mark them first, so the bad
    // appointment can be one nothing references.
    CsvText notes = Notes();
    CsvText recalls = Recalls();
    CsvText imaging = Imaging();
    CsvText prescriptions = Prescriptions();
    BW_RETURN_IF_ERROR(WriteAppointments());
    BW_RETURN_IF_ERROR(Write("clinical_notes.csv", notes));
    BW_RETURN_IF_ERROR(Write("recalls.csv", recalls));
    BW_RETURN_IF_ERROR(Write("billing.csv", Billing()));
    BW_RETURN_IF_ERROR(Write("imaging_records.csv", imaging));
    BW_RETURN_IF_ERROR(Write("lab_orders.csv", LabOrders()));
    BW_RETURN_IF_ERROR(Write("prescriptions.csv", prescriptions));
    BW_RETURN_IF_ERROR(Write("workflows.csv", Workflows()));
    for (const auto& [path, bytes] : images_) {
      BW_RETURN_IF_ERROR(WriteExportFile(
          (std::filesystem::path(out_) / path).string(), bytes));
      ++summary_.attachments;
    }
    return summary_;
  }

 private:
  CsvText NewCsv() { return CsvText(';', "\n"); }

  absl::Status Write(const std::string& file, const CsvText& csv) {
    summary_.files.emplace_back(file, csv.rows());
    return WriteExportFile((std::filesystem::path(out_) / file).string(),
                           csv.text());
  }

  // Stamp(t) with random seconds.
  std::string Stamped(CivilMinute t) { return Stamp(t, rng_.Between(0, 59)); }

  std::string StaffPhone() {
    const int n = rng_.Between(60000, 99999);
    return Phone(n, rng_.Below(4));
  }

  // An updated_at some time after `t`, never after the export.
  CivilMinute UpdatedAfter(CivilMinute t) {
    CivilMinute u = t + rng_.Between(0, 60 * 24 * 20);
    CivilMinute limit = At(kToday, 8, 0);
    return u > limit ? limit - rng_.Between(0, 600) : u;
  }

  void MakePatients() {
    const int kPatients = 45;
    for (int i = 0; i < kPatients; ++i) {
      Patient p;
      p.id = absl::StrFormat("H%04d", i + 1);
      const bool female = rng_.Chance(55);
      const Name& first = rng_.Pick(female ? kFemale : kMale);
      const Name& last = rng_.Pick(kLast);
      p.first = first.text;
      p.first_ascii = first.ascii;
      p.last = last.text;
      p.last_ascii = last.ascii;
      p.gender = female ? "F" : "M";
      // A child now and then (pedodontics).
      const bool child = rng_.Chance(12);
      p.birth = Date(
          RandomDay(rng_, child ? CivilDay(2012, 1, 1) : CivilDay(1950, 1, 1),
                    child ? CivilDay(2020, 12, 31) : CivilDay(2004, 12, 31)));
      p.mobile_digits = rng_.Between(0, 999) + 1000 * i;
      p.mobile = Phone(p.mobile_digits, rng_.Below(4));
      if (rng_.Chance(25)) p.home = absl::StrFormat("0216 555 01 %02d", i);
      if (rng_.Chance(8)) p.other = Phone(rng_.Between(50000, 99999), 0);
      if (!rng_.Chance(15)) {
        const char* domain = rng_.Pick(std::vector<const char*>{
            "mail.example", "posta.example", "eposta.example"});
        p.email = absl::StrCat(p.first_ascii, ".", p.last_ascii,
                               rng_.Between(1, 99), "@", domain);
        if (rng_.Chance(10)) {
          // Typed with Turkish letters, which most CRMs refuse.
          p.email = absl::StrCat(first.text, ".", last.text, "@", domain);
        } else if (rng_.Chance(15)) {
          p.email[0] = static_cast<char>(p.email[0] - 'a' + 'A');
        }
      }
      const District& d = rng_.Pick(kDistricts);
      const std::string& street = rng_.Pick(kStreets);
      const int number = rng_.Between(1, 180);
      p.address =
          absl::StrCat(street, " No: ", number, " D: ", rng_.Between(1, 24));
      p.district = d.district;
      p.city = d.city;
      p.postal = absl::StrCat(d.postal_prefix, rng_.Between(10, 99));
      p.colour = rng_.Pick(
          std::vector<const char*>{"", "", "Red", "Blue", "Green", "Yellow"});
      p.lead = i % 5 == 4 || i == 39;
      p.lead_source = rng_.Pick(
          std::vector<const char*>{"Referral", "Walk-in", "Instagram",
                                   "Google Ads", "Website form", "Referral"});
      p.insurer = rng_.Pick(kInsurers);
      p.consent = !rng_.Chance(10);
      if (rng_.Chance(20)) {
        p.alerts = rng_.Pick(std::vector<const char*>{
            "Penisilin alerjisi", "Diyabet (Tip 2)",
            "Kan sulandırıcı kullanıyor", "Hipertansiyon",
            "Lateks alerjisi; lokal anestezide dikkat"});
      }
      if (p.lead) {
        p.inquiry = rng_.Pick(std::vector<const char*>{
            "Implant consultation", "Orthodontics consultation", "Whitening",
            "Checkup", "Price request"});
        p.created = OfficeTime(
            rng_, 9, 17, RandomDay(rng_, CivilDay(2026, 8, 1), kToday - 2));
      } else {
        p.clinic = rng_.Pick(std::vector<const char*>{"K1", "K1", "K2", "K3"});
        p.first_visit =
            RandomDay(rng_, CivilDay(2024, 1, 8), CivilDay(2026, 10, 15));
        p.dentist = rng_.Pick(
            DentistsOf(p.clinic, p.first_visit < CivilDay(2025, 6, 1)));
        p.inquiry = rng_.Chance(30) ? "Checkup" : "";
        p.treatment_type = rng_.Pick(kTypes).name;
        p.recall_months = rng_.Pick(std::vector<int>{6, 6, 6, 3, 12});
        p.created =
            OfficeTime(rng_, 9, 17, p.first_visit - rng_.Between(1, 20));
      }
      p.updated = UpdatedAfter(p.created);
      patients_.push_back(std::move(p));
    }
    // The same person entered again: same name and phone, written
    // differently, a different id (Dr.DENTES only warns).
    Patient& copy = patients_[31];
    const Patient& original = patients_[6];
    copy.first = original.first;
    copy.last = original.last;
    copy.first_ascii = original.first_ascii;
    copy.last_ascii = original.last_ascii;
    copy.gender = original.gender;
    copy.birth = original.birth;
    copy.mobile_digits = original.mobile_digits;
    copy.mobile = Phone(original.mobile_digits, 1);
    copy.email = "";
  }

  const Patient& PatientById(const std::string& id) const {
    for (const Patient& p : patients_) {
      if (p.id == id) return p;
    }
    return patients_[0];
  }

  void MakeCasesAndAppointments() {
    std::vector<Appointment> appts;
    for (const Patient& p : patients_) {
      if (p.lead) continue;
      Appointment first;
      first.patient = p.id;
      first.clinic = p.clinic;
      first.dentist = p.dentist;
      first.start = OfficeTime(rng_, 9, 17, p.first_visit);
      first.minutes = 30;
      first.type = "Examination";
      first.status = "Completed";
      first.note = "İlk muayene";
      first.referenced = true;  // the patient's first appointment
      appts.push_back(first);
    }
    // Cases for most patients, a second one for some.
    int case_number = 0;
    for (const Patient& p : patients_) {
      if (p.lead) continue;
      int count = rng_.Chance(20) ? 0 : (rng_.Chance(15) ? 2 : 1);
      for (int k = 0; k < count; ++k) {
        Case c;
        c.patient = p.id;
        c.clinic = p.clinic;
        c.dentist = p.dentist;
        const TreatmentType& type =
            k == 0 ? *std::find_if(kTypes.begin(), kTypes.end(),
                                   [&](const TreatmentType& t) {
                                     return p.treatment_type == t.name;
                                   })
                   : rng_.Pick(kTypes);
        c.type = type.name;
        c.items.clear();
        for (const char* item : rng_.Pick(type.plans)) c.items.push_back(item);
        for (const std::string& item : c.items) {
          c.amount += ItemById(item).price;
        }
        std::string tooth = rng_.Pick(kPermanentTeeth);
        c.teeth = c.type == std::string("Orthodontics") ? "" : tooth;
        c.title = c.teeth.empty() ? type.title
                                  : absl::StrCat(type.title, " - ", c.teeth);
        c.opened = p.first_visit + rng_.Between(0, 20) + k * 120;
        if (c.opened >= kToday) c.opened = kToday - 3;
        // Its treatment sessions.
        const int sessions = rng_.Between(1, 3);
        CivilDay day = c.opened;
        CivilDay last = c.opened;
        bool future = false;
        for (int s = 0; s < sessions; ++s) {
          day = day + rng_.Between(7, 35);
          Appointment a;
          a.patient = p.id;
          a.clinic = p.clinic;
          a.dentist = p.dentist;
          a.start = OfficeTime(rng_, 9, 17, day);
          a.minutes = rng_.Pick(std::vector<int>{30, 45, 60, 90});
          a.type = "Treatment";
          a.status = day >= kToday ? "Scheduled" : "Completed";
          future = future || day >= kToday;
          if (!future) last = day;
          a.note = c.title;
          a.case_id = absl::StrCat("#", case_number);  // the id comes later
          appts.push_back(a);
        }
        const int age = static_cast<int>(kToday - last);
        if (future) {
          c.stage = rng_.Chance(30) ? "New" : "In Treatment";
        } else if (age > 120) {
          c.stage = rng_.Chance(12) ? "Cancelled" : "Completed";
        } else {
          c.stage = rng_.Pick(std::vector<const char*>{
              "Awaiting Payment", "Completed", "In Treatment"});
        }
        if (c.stage == std::string("Completed") ||
            c.stage == std::string("Cancelled")) {
          c.closed = Date(last);
        }
        c.updated = UpdatedAfter(At(last, 18, 0));
        cases_.push_back(c);
        ++case_number;
      }
    }
    // Check-ups and the odd cancellation or no-show.
    for (int i = 0; i < 14; ++i) {
      const Patient& p = rng_.Pick(patients_);
      if (p.lead) continue;
      Appointment a;
      a.patient = p.id;
      a.clinic = p.clinic;
      a.dentist =
          rng_.Chance(40) ? (p.clinic == "K2" ? "S08" : "S07") : p.dentist;
      if (p.clinic == "K3" && a.dentist == "S07") a.dentist = p.dentist;
      CivilDay day = p.first_visit + rng_.Between(30, 400);
      if (day > kToday + 45) day = kToday + rng_.Between(1, 45);
      a.start = OfficeTime(rng_, 9, 17, day);
      a.minutes = 45;
      a.type = rng_.Chance(50) ? "Control" : "Cleaning";
      if (day >= kToday) {
        a.status = "Scheduled";
      } else {
        a.status = rng_.Pick(std::vector<const char*>{
            "Completed", "Completed", "Completed", "Cancelled", "No-show"});
      }
      if (a.status == std::string("Cancelled")) {
        a.cancel_reason = rng_.Pick(std::vector<const char*>{
            "Hasta iptal etti", "Hekim izinli", "Hasta ulaşılamadı"});
      }
      appts.push_back(a);
    }
    std::stable_sort(appts.begin(), appts.end(),
                     [](const Appointment& a, const Appointment& b) {
                       return a.start < b.start;
                     });
    // Ids in time order; units per clinic; creation before the visit.
    for (size_t i = 0; i < appts.size(); ++i) {
      Appointment& a = appts[i];
      a.id = absl::StrFormat("R%05d", i + 1);
      const int units = a.clinic == "K1" ? 6 : (a.clinic == "K2" ? 4 : 3);
      a.unit = absl::StrCat("Ünit ", rng_.Between(1, units));
      a.created = a.start - rng_.Between(60 * 24, 60 * 24 * 30);
      a.updated = a.status == "Scheduled" ? a.created : UpdatedAfter(a.start);
    }
    // Case ids in opening order.
    std::vector<int> order(cases_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return cases_[a].opened < cases_[b].opened;
    });
    std::map<std::string, std::string> case_ids;
    for (size_t rank = 0; rank < order.size(); ++rank) {
      Case& c = cases_[order[rank]];
      c.id = absl::StrFormat("TC-%d-%03d", c.opened.year(), rank + 1);
      case_ids[absl::StrCat("#", order[rank])] = c.id;
    }
    for (Appointment& a : appts) {
      if (!a.case_id.empty()) a.case_id = case_ids[a.case_id];
    }
    std::vector<Case> sorted;
    for (int i : order) sorted.push_back(cases_[i]);
    cases_ = std::move(sorted);
    appointments_ = std::move(appts);
  }

  absl::Status WriteClinics() {
    CsvText csv = NewCsv();
    csv.Header({"clinic_id", "company_code", "name", "parent_clinic_id",
                "tax_office", "tax_number", "phone", "email", "address",
                "district", "city", "country", "unit_count", "bank_fee_pct",
                "status", "updated_at"});
    for (const Clinic& c : kClinics) {
      csv.Row(
          {c.id, c.code, c.name, c.parent,
           absl::StrCat(c.district, " Vergi Dairesi"),
           absl::StrCat("99", rng_.Between(10000000, 99999999)),
           absl::StrFormat("0216 555 01 %02d", rng_.Between(10, 99)),
           absl::StrCat(absl::AsciiStrToLower(c.code), "@gulus-dis.example"),
           c.address, c.district, "İstanbul", "TR", absl::StrCat(c.units),
           rng_.Chance(50) ? "1,79" : "2,15", "Active",
           Stamped(RandomMinute(rng_, CivilDay(2026, 1, 5), 200, 10))});
    }
    return Write("clinics.csv", csv);
  }

  absl::Status WriteStaff() {
    CsvText csv = NewCsv();
    csv.Header({"staff_id", "first_name", "last_name", "national_id", "email",
                "mobile_phone", "role", "speciality", "clinic_id", "status",
                "progress_payment_pct", "office_hours", "updated_at"});
    for (const Staff& s : kStaff) {
      std::string email;
      if (s.has_email) {
        email = absl::StrCat(s.first.ascii, ".", s.last.ascii,
                             "@gulus-dis.example");
        if (std::string(s.id) == "S02") {
          email = absl::StrCat("Zeynep.Demir@Gulus-Dis.example");
        }
      }
      csv.Row({s.id, s.first.text, s.last.text, FakeNationalId(rng_), email,
               StaffPhone(), s.role, s.speciality, s.clinic,
               s.active ? "Active" : "Passive", s.pct,
               s.role == std::string("Dentist") ? "09:00-18:00" : "08:30-18:30",
               Stamped(RandomMinute(rng_, CivilDay(2025, 9, 1), 400, 11))});
    }
    return Write("staff.csv", csv);
  }

  absl::Status WriteItems() {
    CsvText csv = NewCsv();
    csv.Header({"item_id", "code", "name", "category", "tariff", "unit_price",
                "vat_pct", "duration_minutes", "active", "updated_at"});
    for (const Item& i : kItems) {
      csv.Row({i.id, i.code, i.name, i.category, "2026 Liste Fiyatı",
               Lira(i.price), "10", absl::StrCat(i.minutes),
               i.active ? "1" : "0",
               Stamped(RandomMinute(rng_, CivilDay(2026, 1, 2), 0, 9))});
    }
    return Write("treatment_items.csv", csv);
  }

  absl::Status WritePatients() {
    CsvText csv = NewCsv();
    csv.Header({"patient_id",
                "first_name",
                "last_name",
                "birth_date",
                "gender",
                "mobile_phone",
                "home_phone",
                "other_phone",
                "email",
                "address",
                "district",
                "city",
                "postal_code",
                "country",
                "clinic_id",
                "dentist_id",
                "colour_tag",
                "lead_source",
                "inquiry_type",
                "first_appointment_date",
                "treatment_type",
                "insurance_provider",
                "recall_interval_months",
                "medical_alerts",
                "kvkk_consent",
                "created_at",
                "updated_at"});
    for (size_t i = 0; i < patients_.size(); ++i) {
      const Patient& p = patients_[i];
      // The bad row: a lead whose birth date does not exist.
      const bool bad = i == 39;
      const int64_t line = csv.Row({p.id,
                                    p.first,
                                    p.last,
                                    bad ? "31.02.1985" : p.birth,
                                    p.gender,
                                    p.mobile,
                                    p.home,
                                    p.other,
                                    p.email,
                                    p.address,
                                    p.district,
                                    p.city,
                                    p.postal,
                                    "TR",
                                    p.clinic,
                                    p.dentist,
                                    p.colour,
                                    p.lead_source,
                                    p.inquiry,
                                    p.lead ? "" : Date(p.first_visit),
                                    p.treatment_type,
                                    p.lead ? "" : p.insurer,
                                    p.lead ? "" : absl::StrCat(p.recall_months),
                                    p.alerts,
                                    p.consent ? "1" : "0",
                                    Time(p.created),
                                    Stamped(p.updated)});
      if (bad) {
        summary_.AddBadRow("patients.csv", line, "birth_date");
      }
    }
    return Write("patients.csv", csv);
  }

  absl::Status WriteCases() {
    CsvText csv = NewCsv();
    csv.Header({"case_id", "patient_id", "clinic_id", "dentist_id", "title",
                "treatment_type", "teeth", "stage", "estimated_amount",
                "opened_on", "closed_on", "updated_at"});
    CsvText items = NewCsv();
    items.Header({"line_id", "case_id", "item_id", "tooth", "quantity",
                  "unit_price", "discount_pct", "updated_at"});
    int line_number = 0;
    for (const Case& c : cases_) {
      csv.Row({c.id, c.patient, c.clinic, c.dentist, c.title, c.type, c.teeth,
               c.stage, Lira(c.amount), Date(c.opened), c.closed,
               Stamped(c.updated)});
      std::map<std::string, int> quantity;
      std::vector<std::string> distinct;
      for (const std::string& item : c.items) {
        if (quantity[item]++ == 0) distinct.push_back(item);
      }
      for (const std::string& item : distinct) {
        const bool discount = rng_.Chance(20);
        items.Row({absl::StrFormat("CI%04d", ++line_number), c.id, item,
                   c.teeth, absl::StrCat(quantity[item]),
                   Lira(ItemById(item).price), discount ? "10" : "0",
                   Stamped(c.updated)});
      }
    }
    BW_RETURN_IF_ERROR(Write("treatment_cases.csv", csv));
    return Write("treatment_case_items.csv", items);
  }

  // Completed appointments, in time order.
  std::vector<Appointment*> Completed() {
    std::vector<Appointment*> out;
    for (Appointment& a : appointments_) {
      if (a.status == "Completed") out.push_back(&a);
    }
    return out;
  }

  CsvText Notes() {
    CsvText csv = NewCsv();
    csv.Header({"note_id", "patient_id", "case_id", "appointment_id",
                "author_id", "recorded_at", "record_type", "tooth", "title",
                "text", "updated_at"});
    const std::vector<std::string> findings = {
        "Hasta {t} numaralı dişte soğuğa hassasiyet tarifliyor.",
        "{t} numaralı dişte derin çürük; pulpa ile ilişkisi şüpheli.",
        "Diş eti kanaması mevcut; cep derinliği 4-5 mm.",
        "{t} bölgesinde kemik seviyesi yeterli; implant planlandı.",
        "Oral hijyen orta; diş taşı temizliği önerildi."};
    std::vector<Appointment*> done = Completed();
    int n = 0;
    for (size_t i = 0; i < done.size() && n < 40; i += 1) {
      Appointment& a = *done[i];
      if (a.type == "Cleaning" || rng_.Chance(20)) continue;
      a.referenced = true;
      const std::string tooth =
          a.type == "Examination" ? "" : rng_.Pick(kPermanentTeeth);
      std::string text = rng_.Pick(findings);
      const size_t at = text.find("{t}");
      if (at != std::string::npos) {
        text.replace(at, 3, tooth.empty() ? "46" : tooth);
      }
      std::string type = a.type == "Examination" ? "Diagnosis" : "Treatment";
      if (n % 7 == 3) type = "Planning";
      if (!a.case_id.empty() && n % 5 == 1) {
        text += "\nPlan: lokal anestezi; kontrol 1 hafta sonra.";
      }
      if (n % 6 == 2) text += " Hasta bilgilendirildi; onam alındı.";
      ++n;
      csv.Row({absl::StrFormat("N%04d", n), a.patient, a.case_id, a.id,
               a.dentist, Time(a.start + a.minutes), type, tooth,
               absl::StrCat(
                   type == "Diagnosis" ? "Muayene bulguları" : "Seans notu",
                   " ", a.id),
               text, Stamped(a.updated)});
    }
    // An orthodontic progress log longer than a Freshsales note (32 KB).
    for (Appointment& a : appointments_) {
      if (a.status != "Completed" || a.case_id.empty()) continue;
      const Case* c = nullptr;
      for (const Case& k : cases_) {
        if (k.id == a.case_id && k.type == "Orthodontics") c = &k;
      }
      if (c == nullptr) continue;
      a.referenced = true;
      std::string log;
      CivilDay day = c->opened;
      for (int week = 1; log.size() < 34 * 1024; ++week) {
        absl::StrAppend(&log, Date(day + 7 * week), " - Hafta ", week,
                        ": Plak değişimi kontrol edildi; ataşmanlar sağlam, ",
                        "hasta uyumu iyi (günde 22 saat). IPR gerekmedi. ",
                        "Bir sonraki plak seti teslim edildi.\n");
      }
      ++n;
      csv.Row({absl::StrFormat("N%04d", n), a.patient, a.case_id, a.id,
               a.dentist, Time(a.start + a.minutes), "Treatment", "",
               absl::StrCat("Ortodonti takip günlüğü ", c->id), log,
               Stamped(a.updated)});
      break;
    }
    return csv;
  }

  CsvText Recalls() {
    CsvText csv = NewCsv();
    csv.Header({"recall_id", "patient_id", "dentist_id", "reason",
                "interval_months", "last_appointment_id", "last_visit_on",
                "due_on", "status", "completed_on", "channel", "updated_at"});
    int n = 0;
    for (const Patient& p : patients_) {
      if (p.lead || n >= 26) continue;
      Appointment* last = nullptr;
      for (Appointment& a : appointments_) {
        if (a.patient == p.id && a.status == "Completed") last = &a;
      }
      if (last == nullptr || rng_.Chance(25)) continue;
      last->referenced = true;
      const CivilDay visit = DayOf(last->start);
      const CivilDay due =
          CivilDay(visit.year(), visit.month() + p.recall_months,
                   std::min(visit.day(), 28));
      std::string status = "Open", completed;
      if (due < kToday && rng_.Chance(45)) {
        status = "Completed";
        completed = Date(due + rng_.Between(-10, 20));
      } else if (due < kToday && rng_.Chance(15)) {
        status = "Cancelled";
      }
      const std::string reason = p.recall_months == 3    ? "Treatment follow-up"
                                 : p.recall_months == 12 ? "Annual checkup"
                                                         : "6-month checkup";
      ++n;
      csv.Row({absl::StrFormat("RC%04d", n), p.id, p.dentist, reason,
               absl::StrCat(p.recall_months), last->id, Date(visit), Date(due),
               status, completed,
               rng_.Pick(
                   std::vector<const char*>{"SMS", "SMS", "WhatsApp", "Phone"}),
               Stamped(UpdatedAfter(last->start))});
    }
    return csv;
  }

  CsvText Billing() {
    CsvText csv = NewCsv();
    csv.Header({"billing_id", "case_id", "patient_id", "invoice_no",
                "invoice_date", "insurance_provider", "policy_number",
                "coverage_pct", "billed_amount", "insurance_amount",
                "paid_amount", "outstanding_balance", "payment_method",
                "status", "updated_at"});
    int n = 0;
    for (const Case& c : cases_) {
      if (c.stage == "New" || c.stage == "Cancelled") continue;
      const Patient& p = PatientById(c.patient);
      const bool insured = p.insurer != "Özel Sigorta Yok";
      const int coverage =
          insured ? rng_.Pick(std::vector<int>{50, 60, 70, 80}) : 0;
      const int64_t insurance = c.amount * coverage / 100;
      const int64_t due = c.amount - insurance;
      int64_t paid = due;
      std::string status = "Paid";
      if (c.stage == "Awaiting Payment" || c.stage == "In Treatment") {
        paid = rng_.Chance(50) ? due / 2 / 100 * 100 : 0;
        status = paid == 0 ? "Unpaid" : "Partially Paid";
      }
      ++n;
      const CivilDay invoiced = c.opened + rng_.Between(1, 30);
      csv.Row(
          {absl::StrFormat("B%04d", n), c.id, c.patient,
           absl::StrFormat("GD%d%06d", invoiced.year(), 100 + n * 7),
           IsoDate(invoiced), insured ? p.insurer : "",
           insured ? absl::StrFormat("PL-%08d", rng_.Between(1, 99999999)) : "",
           absl::StrCat(coverage), Lira(c.amount), Lira(insurance), Lira(paid),
           Lira(due - paid),
           rng_.Pick(std::vector<const char*>{"Cash", "Credit Card",
                                              "Bank Transfer", "Installments"}),
           status, Stamped(c.updated)});
    }
    return csv;
  }

  CsvText Imaging() {
    CsvText csv = NewCsv();
    csv.Header({"imaging_id", "patient_id", "case_id", "appointment_id",
                "taken_at", "modality", "tooth", "image_file", "findings",
                "author_id", "updated_at"});
    int n = 0;
    for (Appointment& a : appointments_) {
      if (a.status != "Completed" || n >= 12) continue;
      if (a.type != "Examination" && a.case_id.empty()) continue;
      if (!rng_.Chance(35)) continue;
      a.referenced = true;
      ++n;
      const std::string id = absl::StrFormat("IMG%04d", n);
      const std::string modality = rng_.Pick(std::vector<const char*>{
          "Panoramic", "Periapical", "Bitewing", "CBCT", "Intraoral photo"});
      const std::string tooth =
          modality == "Panoramic" ? "" : rng_.Pick(kPermanentTeeth);
      std::string file = absl::StrCat("images/", a.patient, "/", id, ".png");
      // One record whose image was never uploaded.
      if (n == 5) {
        file.clear();
      } else {
        const int shade = rng_.Between(90, 160);
        images_.emplace_back(
            file, PngImage(48, 32, [&](int x, int y) {
              // A bright tooth on a dark film, with some grain.
              const int dx = x - 24, dy = y - 16;
              const bool tooth_px = dx * dx * 4 + dy * dy * 9 < 1600;
              const uint8_t v = static_cast<uint8_t>(
                  (tooth_px ? shade + 60 : 30) + ((x * 7 + y * 13) % 11));
              return std::array<uint8_t, 3>{v, v, v};
            }));
      }
      csv.Row({id, a.patient, a.case_id, a.id, Time(a.start + 10), modality,
               tooth, file,
               rng_.Pick(std::vector<const char*>{
                   "Periapikal lezyon yok.", "Kemik kaybı minimal.",
                   "Gömülü 38 izlendi.", "Kök kanal dolumu yeterli.",
                   "Çürük lezyonu mine-dentin sınırında."}),
               a.dentist, Stamped(a.updated)});
    }
    return csv;
  }

  CsvText LabOrders() {
    CsvText csv = NewCsv();
    csv.Header({"lab_order_id", "patient_id", "case_id", "lab_name",
                "work_type", "tooth", "shade", "sent_on", "due_on",
                "received_on", "status", "cost", "updated_at"});
    int n = 0;
    for (const Case& c : cases_) {
      std::string work;
      if (c.type == "Implant") work = "Implant abutment and zirconia crown";
      if (c.type == "Orthodontics") work = "Clear aligner set";
      if (c.type == "Periodontal") work = "Night guard";
      if (c.type == "Cosmetic") work = "Zirconia crown";
      if (work.empty() || c.stage == "New" || c.stage == "Cancelled" ||
          n >= 12) {
        continue;
      }
      ++n;
      const CivilDay sent = c.opened + rng_.Between(3, 10);
      const CivilDay due = sent + rng_.Between(7, 14);
      std::string received, status = "Sent";
      if (due < kToday) {
        received = Date(due + rng_.Between(-2, 3));
        status = c.stage == "In Treatment" ? "Received" : "Fitted";
      } else if (sent < kToday) {
        status = "In Production";
      }
      csv.Row({absl::StrFormat("L%04d", n), c.patient, c.id,
               rng_.Pick(std::vector<const char*>{"Anka Dental Lab",
                                                  "Boğaz Diş Laboratuvarı"}),
               work, c.teeth,
               work.find("crown") != std::string::npos
                   ? rng_.Pick(std::vector<const char*>{"A1", "A2", "A3", "B1"})
                   : "",
               Date(sent), Date(due), received, status,
               Lira(rng_.Between(15, 120) * 10000), Stamped(c.updated)});
    }
    return csv;
  }

  CsvText Prescriptions() {
    CsvText csv = NewCsv();
    csv.Header({"prescription_id", "patient_id", "staff_id", "appointment_id",
                "prescribed_on", "medication", "dosage", "e_prescription_no",
                "note", "updated_at"});
    const std::vector<std::pair<const char*, const char*>> drugs = {
        {"Amoksisilin + Klavulanik asit 1000 mg", "2x1, 7 gün"},
        {"İbuprofen 400 mg", "Ağrı olursa 3x1, tok karnına"},
        {"Parasetamol 500 mg", "Gerekirse 4x1"},
        {"Klorheksidin %0,12 gargara", "Günde 2 kez, 10 gün"},
        {"Metronidazol 500 mg", "3x1, 5 gün"},
        {"Benzidamin HCl sprey", "Günde 4 kez"}};
    int n = 0;
    for (Appointment& a : appointments_) {
      if (a.status != "Completed" || a.type != "Treatment" || n >= 15) continue;
      if (!rng_.Chance(40)) continue;
      a.referenced = true;
      ++n;
      const auto& [drug, dosage] = rng_.Pick(drugs);
      std::string erx;
      for (int k = 0; k < 7; ++k) {
        erx += "0123456789ABCDEFGHJKLMNPRSTUVYZ"[rng_.Below(31)];
      }
      const bool allergy =
          PatientById(a.patient).alerts.find("Penisilin") != std::string::npos;
      csv.Row({absl::StrFormat("RX%04d", n), a.patient, a.dentist, a.id,
               Date(DayOf(a.start)), drug, dosage, erx,
               allergy ? "Penisilin alerjisi kontrol edildi" : "",
               Stamped(a.updated)});
    }
    return csv;
  }

  absl::Status WriteAppointments() {
    CsvText csv = NewCsv();
    csv.Header({"appointment_id", "patient_id", "case_id", "clinic_id",
                "dentist_id", "unit", "start_at", "duration_minutes",
                "appointment_type", "status", "cancel_reason", "note",
                "created_at", "updated_at"});
    // The bad row: a past check-up nothing references, its duration typed
    // with the unit ("45 dk").
    const Appointment* bad_one = nullptr;
    for (const Appointment& a : appointments_) {
      if (!a.referenced && a.case_id.empty() && a.status != "Scheduled") {
        bad_one = &a;
        break;
      }
    }
    for (const Appointment& a : appointments_) {
      const bool bad = &a == bad_one;
      const int64_t line =
          csv.Row({a.id, a.patient, a.case_id, a.clinic, a.dentist, a.unit,
                   Time(a.start), bad ? "45 dk" : absl::StrCat(a.minutes),
                   a.type, a.status, a.cancel_reason, a.note, Time(a.created),
                   Stamped(a.updated)});
      if (bad) {
        summary_.AddBadRow("appointments.csv", line, "duration_minutes");
      }
    }
    return Write("appointments.csv", csv);
  }

  CsvText Workflows() {
    CsvText csv = NewCsv();
    csv.Header({"workflow_id", "name", "trigger", "offset", "channel",
                "template", "clinic_id", "active", "created_by", "updated_at"});
    struct Flow {
      const char* name;
      const char* trigger;
      const char* offset;
      const char* channel;
      const char* text;
      const char* clinic;
      bool active;
    };
    const std::vector<Flow> flows = {
        {"Randevu hatırlatma (1 gün önce)", "appointment.day_before",
         "-1d 10:00", "SMS",
         "Sayın {hasta_adi}, {tarih} {saat} randevunuzu hatırlatırız. "
         "Gülüş Diş",
         "", true},
        {"Randevu onayı", "appointment.created", "+0", "WhatsApp",
         "Randevunuz oluşturuldu: {tarih} {saat}, {klinik}.", "", true},
        {"6 aylık kontrol hatırlatma", "recall.due", "-7d 11:00", "SMS",
         "{hasta_adi}, 6 aylık kontrol zamanınız geldi. Randevu için "
         "arayın: {telefon}",
         "", true},
        {"Geciken ödeme bildirimi", "invoice.overdue", "+15d", "Email",
         "Sayın {hasta_adi}, {fatura_no} numaralı faturanızın {tutar} "
         "bakiyesi bulunmaktadır.",
         "K1", true},
        {"Doğum günü kutlaması", "patient.birthday", "09:00", "SMS",
         "İyi ki doğdunuz {hasta_adi}! Gülüş Diş ailesi", "", false},
        {"İmplant sonrası kontrol", "treatment.completed", "+7d", "Phone",
         "İmplant sonrası 1. hafta kontrol araması", "K2", true}};
    int n = 0;
    for (const Flow& f : flows) {
      ++n;
      csv.Row({absl::StrFormat("W%02d", n), f.name, f.trigger, f.offset,
               f.channel, f.text, f.clinic, f.active ? "1" : "0", "S09",
               Stamp(At(CivilDay(2025, 3, 1) + n * 37, 14, n * 3), n)});
    }
    return csv;
  }

  const std::string out_;
  Rng rng_;
  ExportSummary summary_;
  std::vector<Patient> patients_;
  std::vector<Case> cases_;
  std::vector<Appointment> appointments_;
  // Attachment path (relative) and bytes.
  std::vector<std::pair<std::string, std::string>> images_;
};

}  // namespace

absl::StatusOr<ExportSummary> WriteDrDentesSample(const std::string& out_dir,
                                                  uint32_t seed) {
  return DrDentesWriter(out_dir, seed).Run();
}

}  // namespace bridgework::gen_sample
