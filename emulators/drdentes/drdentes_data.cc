#include "emulators/drdentes/drdentes_data.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/gen_sample/gen_util.h"

namespace bridgework::emulator::drdentes {
namespace {

using absl::CivilDay;
using absl::CivilMinute;
using absl::CivilSecond;
using gen_sample::Rng;
using Json = nlohmann::json;

// The day the data was taken: later appointments are still to come.
const CivilDay kToday(2026, 11, 20);
const CivilDay kFirstDay(2024, 1, 8);

// Istanbul has kept +03:00 all year since 2016.
absl::TimeZone Istanbul() { return absl::FixedTimeZone(3 * 60 * 60); }

std::string Day(CivilDay d) { return gen_sample::IsoDate(d); }

// A clinic-local wall time as the API writes it: "2026-11-03T10:30:00+03:00".
std::string Local(CivilMinute t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez",
                          absl::FromCivil(t, Istanbul()), Istanbul());
}

// A change time, clinic-local `t`, in UTC: "2026-11-03T07:30:12Z".
std::string Utc(CivilSecond t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromCivil(t, Istanbul()),
                          absl::UTCTimeZone());
}

// Kuruş (or cents) as the API's exact amount text: 123450 -> "1234.50".
std::string Amount(int64_t minor) {
  return absl::StrFormat("%d.%02d", minor / 100, minor % 100);
}

// A synthetic mobile number +90 555 01X YY ZZ for n in 0..99999.
std::string Phone(int n) {
  return absl::StrFormat("+90 555 01%d %02d %02d", n / 10000 % 10,
                         n / 100 % 100, n % 100);
}

// Lower-case ASCII of a Turkish name, for e-mail addresses.
std::string Fold(const std::string& utf8) {
  static const std::vector<std::pair<std::string, char>> kLetters = {
      {"ç", 'c'}, {"Ç", 'c'}, {"ğ", 'g'}, {"Ğ", 'g'}, {"ı", 'i'}, {"İ", 'i'},
      {"ö", 'o'}, {"Ö", 'o'}, {"ş", 's'}, {"Ş", 's'}, {"ü", 'u'}, {"Ü", 'u'}};
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    bool replaced = false;
    for (const auto& [from, to] : kLetters) {
      if (utf8.compare(i, from.size(), from) == 0) {
        out.push_back(to);
        i += from.size();
        replaced = true;
        break;
      }
    }
    if (replaced) continue;
    const char c = utf8[i++];
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// A national id as the API shows it: first two and last two digits.
std::string MaskedNationalId(Rng& rng) {
  return absl::StrFormat("%d%d*******%d%d", rng.Between(1, 9),
                         rng.Between(0, 9), rng.Between(0, 9),
                         rng.Between(0, 9) / 2 * 2);
}

const std::vector<std::string> kFemale = {
    "Ayşe",  "Gülay", "Şeyma",   "Büşra",  "Çiğdem", "Nurcan",
    "Sevgi", "Öykü",  "Dilek",   "İpek",   "Aslı",   "Tuğba",
    "Ceren", "Gözde", "Nilüfer", "Süheyla"};
const std::vector<std::string> kMale = {
    "Kerem", "Barış", "Cem",   "Volkan", "Onur",  "Uğur",  "Şükrü",  "İsmail",
    "Ömer",  "Yiğit", "Erdem", "Tarık",  "Hakan", "Sinan", "Doğukan"};
const std::vector<std::string> kLast = {
    "Acar",     "Bulut",   "Güler",   "Kaplan", "Ünal",   "Özer",
    "Tekin",    "Başaran", "Sarı",    "Keskin", "Aktaş",  "Türkmen",
    "Çakır",    "Bozkurt", "Ağaoğlu", "Yücel",  "Tuncer", "Karakaş",
    "Gündoğdu", "Şener",   "İnce",    "Uçar",   "Işıklı", "Çağlayan"};

struct District {
  const char* name;
  const char* postal;
  const char* street;
};
const std::vector<District> kDistricts = {
    {"Kadıköy", "34710", "Söğütlüçeşme Cad."},
    {"Beşiktaş", "34353", "Ihlamurdere Cad."},
    {"Ataşehir", "34758", "Barbaros Mah. Begonya Sok."},
    {"Üsküdar", "34672", "Hakimiyeti Milliye Cad."},
    {"Şişli", "34381", "Halaskargazi Cad."},
    {"Sarıyer", "34467", "Büyükdere Cad."},
    {"Çekmeköy", "34782", "Alemdağ Cad."}};

struct ClinicDef {
  const char* code;
  const char* name;
  int parent;  // 0: none
  int district;
  const char* address;
  int units;
};
const std::vector<ClinicDef> kClinics = {
    {"INCI01", "İnci Diş Ağız ve Diş Sağlığı Polikliniği - Merkez", 0, 0,
     "Söğütlüçeşme Cad. No: 88 Kat: 4", 5},
    {"INCI02", "İnci Diş Ağız ve Diş Sağlığı Polikliniği - Beşiktaş Şubesi", 1,
     1, "Ihlamurdere Cad. No: 17 D: 2", 3},
    {"INCI03", "İnci Diş Ağız ve Diş Sağlığı Polikliniği - Ataşehir Şubesi", 1,
     2, "Barbaros Mah. Begonya Sok. No: 3", 3}};

struct StaffDef {
  const char* first;
  const char* last;
  const char* role;  // the API's code
  const char* speciality;
  int clinic;
  bool active;
  bool email;
  int pct;
};
const std::vector<StaffDef> kStaff = {
    {"Kerem", "Acar", "hekim", "Ortodonti", 1, true, true, 35},
    {"Ceren", "Ünal", "hekim", "Endodonti", 1, true, true, 32},
    {"Barış", "Özer", "hekim", "Ağız, Diş ve Çene Cerrahisi", 2, true, true,
     40},
    {"Çiğdem", "Tekin", "hekim", "Pedodonti", 2, true, true, 30},
    {"Onur", "Güler", "hekim", "Protetik Diş Tedavisi", 3, true, true, 35},
    {"Aslı", "Bulut", "hekim", "Periodontoloji", 3, false, true, 30},
    {"Büşra", "Kaplan", "hijyenist", "", 1, true, true, 0},
    {"İsmail", "Sarı", "hijyenist", "", 2, true, true, 0},
    {"Nurcan", "Başaran", "klinik_muduru", "", 1, true, true, 0},
    {"Tuğba", "Keskin", "sekreter", "", 2, true, true, 0},
    {"Şükrü", "Aktaş", "sekreter", "", 3, true, false, 0},
    {"Gözde", "Çakır", "asistan", "", 1, true, false, 0}};

struct ItemDef {
  const char* code;
  const char* name;
  const char* category;
  int64_t price;  // 2026, kuruş
  int minutes;
  bool per_tooth;
};
const std::vector<ItemDef> kItems = {
    {"DD-101", "Muayene ve Teşhis", "Teşhis", 80000, 20, false},
    {"DD-102", "Panoramik Röntgen", "Radyoloji", 95000, 10, false},
    {"DD-103", "Periapikal Röntgen", "Radyoloji", 30000, 5, true},
    {"DD-201", "Diş Taşı Temizliği", "Koruyucu", 160000, 40, false},
    {"DD-202", "Fissür Örtücü", "Pedodonti", 95000, 15, true},
    {"DD-203", "Flor Uygulaması", "Pedodonti", 60000, 15, false},
    {"DD-301", "Kompozit Dolgu (tek yüz)", "Restoratif", 240000, 30, true},
    {"DD-302", "Kompozit Dolgu (iki yüz)", "Restoratif", 300000, 40, true},
    {"DD-401", "Kanal Tedavisi (tek kanal)", "Endodonti", 480000, 60, true},
    {"DD-402", "Kanal Tedavisi (üç kanal)", "Endodonti", 800000, 90, true},
    {"DD-501", "Basit Diş Çekimi", "Cerrahi", 190000, 30, true},
    {"DD-502", "Gömülü Yirmi Yaş Dişi Çekimi", "Cerrahi", 600000, 60, true},
    {"DD-601", "İmplant (tek)", "İmplantoloji", 3000000, 90, true},
    {"DD-701", "Zirkonyum Kron", "Protez", 1000000, 45, true},
    {"DD-801", "Ofis Tipi Beyazlatma", "Estetik", 650000, 60, false},
    {"DD-901", "Şeffaf Plak Ortodonti", "Ortodonti", 9000000, 45, false},
    {"DD-903", "Süt Dişi Çekimi", "Pedodonti", 100000, 20, true},
    {"DD-904", "Amputasyon (süt dişi)", "Pedodonti", 250000, 30, true}};
constexpr int kTariffs = 2;  // 2025 (ids 1..18) and 2026 (19..36)

int ItemIndex(const std::string& code) {
  for (size_t i = 0; i < kItems.size(); ++i) {
    if (code == kItems[i].code) return static_cast<int>(i);
  }
  return 0;
}
int64_t ItemPrice(int index, int tariff) {
  const int64_t p = kItems[index].price;
  return tariff == 1 ? p * 8 / 10 / 500 * 500 : p;
}
int64_t ItemId(int index, int tariff) {
  return static_cast<int64_t>(tariff - 1) * kItems.size() + index + 1;
}

// A kind of case and the tariff items (by code) its plans bill.
struct CaseType {
  const char* name;
  const char* title;
  std::vector<std::vector<const char*>> plans;
  const char* diagnosis;
  bool children;
};
const std::vector<CaseType> kCaseTypes = {
    {"Endodonti",
     "Kanal tedavisi",
     {{"DD-103", "DD-401", "DD-301"}, {"DD-103", "DD-402", "DD-701"}},
     "Derin çürük, pulpa tutulumu",
     false},
    {"İmplant",
     "İmplant tedavisi",
     {{"DD-102", "DD-601", "DD-701"}, {"DD-103", "DD-502", "DD-601"}},
     "Diş eksikliği",
     false},
    {"Genel",
     "Genel tedavi",
     {{"DD-101", "DD-201"}, {"DD-301", "DD-302"}, {"DD-501", "DD-301"}},
     "Çürük",
     false},
    {"Ortodonti",
     "Ortodonti tedavisi",
     {{"DD-102", "DD-901"}},
     "Çapraşıklık",
     false},
    {"Estetik",
     "Estetik diş hekimliği",
     {{"DD-201", "DD-801"}, {"DD-701", "DD-701"}},
     "Renk değişikliği",
     false},
    {"Pedodonti",
     "Çocuk diş tedavisi",
     {{"DD-203", "DD-202"}, {"DD-904", "DD-903"}, {"DD-101", "DD-202"}},
     "Süt dişi çürüğü",
     true}};

const std::vector<int> kPermanentTeeth = {
    11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23, 24, 25, 26, 27, 28,
    31, 32, 33, 34, 35, 36, 37, 38, 41, 42, 43, 44, 45, 46, 47, 48};
const std::vector<int> kPrimaryTeeth = {51, 52, 53, 54, 55, 61, 62, 63, 64, 65,
                                        71, 72, 73, 74, 75, 81, 82, 83, 84, 85};

const std::vector<std::string> kSurfaces = {"O", "MO", "DO", "MOD", "B"};
const std::vector<std::string> kInsurers = {"Boğaziçi Sağlık Sigorta",
                                            "Anadolu Tamamlayıcı Sağlık",
                                            "Marmara Hayat", ""};
const std::vector<std::string> kLeadSources = {"tavsiye", "internet",
                                               "instagram", "google", "yoldan"};
const std::vector<std::string> kInquiries = {
    "İmplant fiyat bilgisi", "Şeffaf plak ortodonti", "Beyazlatma",
    "Diş ağrısı, acil randevu"};
const std::vector<std::string> kAlerts = {"Penisilin alerjisi", "Hipertansiyon",
                                          "Kan sulandırıcı kullanıyor",
                                          "Diyabet (Tip 2)", ""};
const std::vector<std::string> kColours = {"kirmizi", "mavi", "yesil", ""};

struct Patient {
  int64_t id = 0;
  int clinic = 1;
  int64_t dentist = 1;
  bool lead = false;
  bool child = false;
  CivilMinute created;
};

class Generator {
 public:
  Generator(uint32_t seed, int patients)
      : rng_(seed), patient_count_(std::max(patients, 5)) {}

  DrdentesData Run() {
    Clinics();
    Units();
    Staff();
    Tariffs();
    Patients();
    for (const Patient& p : patients_) {
      if (!p.lead) Cases(p);
    }
    Recalls();
    Workflows();
    MarkBadRecords();
    return std::move(data_);
  }

 private:
  Json& Add(const std::string& resource, Json record) {
    std::vector<Json>& list = data_.records[resource];
    record["id"] = static_cast<int64_t>(list.size() + 1);
    list.push_back(std::move(record));
    return list.back();
  }

  // A change time at or after `from` and before the data was taken.
  std::string ChangedAfter(CivilMinute from) {
    const CivilMinute last(kToday - 1);
    CivilMinute t = from;
    const int64_t span = std::max<int64_t>(0, (last - from) / (24 * 60));
    if (span > 0) {
      t += 24 * 60 *
           static_cast<int64_t>(
               rng_.Below(static_cast<uint32_t>(std::min<int64_t>(span, 400))));
    }
    if (t > last) t = last;
    return Utc(CivilSecond(t) + rng_.Between(0, 59));
  }

  int64_t DentistOf(int clinic, bool children) {
    std::vector<int64_t> ids;
    for (size_t i = 0; i < kStaff.size(); ++i) {
      const StaffDef& s = kStaff[i];
      if (std::string(s.role) != "hekim" || !s.active) continue;
      const bool pedo = std::string(s.speciality) == "Pedodonti";
      if (children ? pedo : s.clinic == clinic) ids.push_back(i + 1);
    }
    return ids.empty() ? 1 : rng_.Pick(ids);
  }

  void Clinics() {
    for (size_t i = 0; i < kClinics.size(); ++i) {
      const ClinicDef& c = kClinics[i];
      const District& d = kDistricts[c.district];
      CivilMinute created(2023, 6 + static_cast<int>(i), 1, 10, 0);
      Add("clinics",
          {{"company_code", c.code},
           {"name", c.name},
           {"parent_clinic_id", c.parent == 0 ? Json() : Json(c.parent)},
           {"tax_office", absl::StrCat(d.name, " Vergi Dairesi")},
           {"tax_number", absl::StrFormat("98765432%02d", i + 1)},
           {"phone", Phone(1000 + static_cast<int>(i))},
           {"email", absl::StrCat(Fold(d.name), "@incidis.example")},
           {"address", c.address},
           {"district", d.name},
           {"city", "İstanbul"},
           {"postal_code", d.postal},
           {"country", "TR"},
           {"unit_count", c.units},
           {"bank_fee_pct", "2.40"},
           {"cost_pct", "18.00"},
           {"status", "aktif"},
           {"created_at", Utc(CivilSecond(created))},
           {"updated_at", ChangedAfter(created)}});
    }
  }

  void Units() {
    for (size_t c = 0; c < kClinics.size(); ++c) {
      for (int u = 1; u <= kClinics[c].units; ++u) {
        // The last chair of the head office is out of service.
        const bool active = !(c == 0 && u == kClinics[c].units);
        Json& unit =
            Add("units",
                {{"clinic_id", c + 1},
                 {"name", absl::StrCat("Ünite ", u)},
                 {"code", absl::StrFormat("U%d-%d", c + 1, u)},
                 {"status", active ? "aktif" : "pasif"},
                 {"updated_at", ChangedAfter(CivilMinute(2023, 6, 1, 10, 0))}});
        if (active) units_by_clinic_[c + 1].push_back(unit["id"]);
      }
    }
  }

  void Staff() {
    for (size_t i = 0; i < kStaff.size(); ++i) {
      const StaffDef& s = kStaff[i];
      Add("staff",
          {{"first_name", s.first},
           {"last_name", s.last},
           {"national_id", MaskedNationalId(rng_)},
           {"email", s.email
                         ? Json(absl::StrCat(Fold(s.first), ".", Fold(s.last),
                                             "@incidis.example"))
                         : Json()},
           {"mobile_phone", Phone(2000 + static_cast<int>(i))},
           {"role", s.role},
           {"speciality", *s.speciality ? Json(s.speciality) : Json()},
           {"clinic_id", s.clinic},
           {"status", s.active ? "aktif" : "pasif"},
           {"progress_payment_pct", Amount(s.pct * 100)},
           {"office_hours", "09:00-18:00"},
           {"lunch_break", "12:30-13:30"},
           {"updated_at", ChangedAfter(CivilMinute(2023, 9, 1, 9, 0))}});
    }
  }

  void Tariffs() {
    for (int t = 1; t <= kTariffs; ++t) {
      const int year = 2024 + t;
      Add("tariffs",
          {{"name", absl::StrCat(year, " Tarifesi")},
           {"currency", "TRY"},
           {"valid_from", absl::StrCat(year, "-01-01")},
           {"valid_to", absl::StrCat(year, "-12-31")},
           {"is_default", t == kTariffs},
           {"updated_at", Utc(CivilSecond(year - 1, 12, 20, 11, 0, t * 7))}});
    }
    for (int t = 1; t <= kTariffs; ++t) {
      for (size_t i = 0; i < kItems.size(); ++i) {
        const ItemDef& item = kItems[i];
        Add("treatment_items",
            {{"tariff_id", t},
             {"tariff", absl::StrCat(2024 + t, " Tarifesi")},
             {"code", item.code},
             {"name", item.name},
             {"category", item.category},
             {"unit_price", Amount(ItemPrice(static_cast<int>(i), t))},
             {"currency", "TRY"},
             {"vat_pct", "10.00"},
             {"duration_minutes", item.minutes},
             // The 2025 whitening is no longer offered.
             {"active", !(t == 1 && std::string(item.code) == "DD-801")},
             {"updated_at", Utc(CivilSecond(2023 + t, 12, 20, 11, 30,
                                            static_cast<int>(i)))}});
      }
    }
  }

  void Patients() {
    for (int n = 0; n < patient_count_; ++n) {
      Patient p;
      p.clinic = 1 + static_cast<int>(rng_.Below(kClinics.size()));
      // Roughly one in five has enquired but never visited.
      p.lead = n % 5 == 3;
      p.child = !p.lead && rng_.Chance(12);
      p.dentist = DentistOf(p.clinic, p.child);
      p.created = gen_sample::OfficeTime(
          rng_, 9, 18, gen_sample::RandomDay(rng_, kFirstDay, kToday - 30));
      const bool female = rng_.Chance(55);
      const std::string first = rng_.Pick(female ? kFemale : kMale);
      const std::string last = rng_.Pick(kLast);
      const CivilDay birth =
          p.child ? gen_sample::RandomDay(rng_, CivilDay(2015, 1, 1),
                                          CivilDay(2021, 12, 31))
                  : gen_sample::RandomDay(rng_, CivilDay(1950, 1, 1),
                                          CivilDay(2006, 12, 31));
      const District& d = rng_.Pick(kDistricts);
      // A few dental tourists from abroad, and some without e-mail.
      const bool tourist = !p.child && rng_.Chance(8);
      Json email;
      if (!rng_.Chance(15)) {
        email = absl::StrCat(
            Fold(first), ".", Fold(last), n,
            rng_.Chance(50) ? "@posta.example" : "@eposta.example");
      }
      const std::string insurer = rng_.Pick(kInsurers);
      const std::string alerts = rng_.Pick(kAlerts);
      const std::string colour = rng_.Pick(kColours);
      Json record = {
          {"first_name", first},
          {"last_name", last},
          {"national_id", tourist ? Json() : Json(MaskedNationalId(rng_))},
          {"birth_date", Day(birth)},
          {"gender", female ? "K" : "E"},
          {"mobile_phone", Phone(10000 + n * 7)},
          {"home_phone", rng_.Chance(25) ? Json(Phone(20000 + n * 3)) : Json()},
          {"other_phone", Json()},
          {"email", email},
          {"address", absl::StrCat(d.street, " No: ", rng_.Between(1, 140),
                                   " D: ", rng_.Between(1, 24))},
          {"district", d.name},
          {"city", "İstanbul"},
          {"postal_code", d.postal},
          {"country", tourist ? (rng_.Chance(50) ? "DE" : "NL") : "TR"},
          {"clinic_id", p.clinic},
          {"dentist_id", p.dentist},
          {"colour_tag", colour.empty() ? Json() : Json(colour)},
          {"lead_source", rng_.Pick(kLeadSources)},
          {"inquiry_type", p.lead ? Json(rng_.Pick(kInquiries)) : Json()},
          {"first_appointment_date", Json()},
          {"treatment_type", Json()},
          {"insurance_provider", insurer.empty() ? Json() : Json(insurer)},
          {"recall_interval_months", p.lead ? Json() : Json(6)},
          {"medical_alerts", alerts.empty() ? Json() : Json(alerts)},
          {"kvkk_consent", !p.lead || rng_.Chance(60)},
          {"notes",
           p.child ? Json("Veli: annesi randevulara eşlik ediyor") : Json()},
          {"created_at", Utc(CivilSecond(p.created))},
          {"updated_at", ChangedAfter(p.created)}};
      if (tourist) record["currency"] = "EUR";
      p.id = Add("patients", std::move(record))["id"];
      patients_.push_back(p);
    }
  }

  Json& PatientRecord(int64_t id) { return data_.records["patients"][id - 1]; }

  // One or two treatment cases of a patient, with their appointments,
  // tooth records, notes and payments.
  void Cases(const Patient& p) {
    const int cases = rng_.Chance(30) ? 2 : 1;
    CivilDay opened = CivilDay(p.created) + rng_.Between(0, 20);
    for (int k = 0; k < cases && opened < kToday + 30; ++k) {
      Case(p, opened, k == 0);
      opened += rng_.Between(60, 240);
    }
  }

  void Case(const Patient& p, CivilDay opened, bool first_case) {
    std::vector<const CaseType*> types;
    for (const CaseType& t : kCaseTypes) {
      if (t.children == p.child) types.push_back(&t);
    }
    const CaseType& type = *rng_.Pick(types);
    const std::vector<const char*>& plan = rng_.Pick(type.plans);
    const int tariff = opened.year() >= 2026 ? 2 : 1;
    const std::vector<int>& teeth = p.child ? kPrimaryTeeth : kPermanentTeeth;
    const int tooth = rng_.Pick(teeth);
    // Stage by age: old cases are done or dropped, recent ones under way.
    const int64_t age = kToday - opened;
    std::string stage;
    if (opened >= kToday) {
      stage = "yeni";
    } else if (age > 200) {
      stage = rng_.Chance(85) ? "tamamlandi" : "iptal";
    } else {
      const int r = rng_.Between(0, 9);
      stage = r < 2   ? "yeni"
              : r < 6 ? "tedavide"
              : r < 8 ? "odeme_bekliyor"
                      : "tamamlandi";
    }
    int64_t total = 0;
    std::vector<int> items;
    std::vector<std::string> tooth_texts;
    for (const char* code : plan) {
      const int index = ItemIndex(code);
      items.push_back(index);
      total += ItemPrice(index, tariff);
    }
    if (std::any_of(items.begin(), items.end(),
                    [](int i) { return kItems[i].per_tooth; })) {
      tooth_texts.push_back(absl::StrCat(tooth));
    }
    const bool closed = stage == "tamamlandi" || stage == "iptal";
    const CivilDay closed_on = opened + std::min<int64_t>(age - 1, 120);
    Json& case_record =
        Add("treatment_cases",
            {{"patient_id", p.id},
             {"clinic_id", p.clinic},
             {"dentist_id", p.dentist},
             {"title", tooth_texts.empty()
                           ? Json(type.title)
                           : Json(absl::StrCat(type.title, " - ", tooth))},
             {"treatment_type", type.name},
             {"teeth", tooth_texts.empty()
                           ? Json()
                           : Json(absl::StrJoin(tooth_texts, ", "))},
             {"stage", stage},
             {"estimated_amount", Amount(total)},
             {"currency", "TRY"},
             {"tariff_id", tariff},
             {"opened_on", Day(opened)},
             {"closed_on", closed ? Json(Day(closed_on)) : Json()},
             {"updated_at", ChangedAfter(CivilMinute(opened))}});
    const int64_t case_id = case_record["id"];
    Json& patient = PatientRecord(p.id);
    if (first_case) patient["treatment_type"] = type.name;

    // Appointments: one per plan item, a week or more apart.
    const std::vector<Json>& units = units_by_clinic_[p.clinic];
    CivilDay day = opened;
    int64_t last_completed = 0;
    std::vector<std::pair<int64_t, CivilMinute>> completed;
    for (size_t i = 0; i < items.size(); ++i) {
      const ItemDef& item = kItems[items[i]];
      if (stage == "iptal" && i > 0) break;
      const CivilMinute start = gen_sample::OfficeTime(rng_, 9, 17, day);
      const int minutes = std::max(20, item.minutes);
      std::string status;
      Json cancel_reason;
      if (day >= kToday) {
        status = rng_.Chance(60) ? "onaylandi" : "planlandi";
      } else {
        const int r = rng_.Between(0, 9);
        status = r < 8 ? "geldi" : r < 9 ? "iptal" : "gelmedi";
        if (status == "iptal") cancel_reason = "Hasta erteleme istedi";
      }
      const CivilMinute created = CivilMinute(opened) - 60 * 24 * 3;
      Json& appt =
          Add("appointments",
              {{"patient_id", p.id},
               {"case_id", case_id},
               {"clinic_id", p.clinic},
               {"dentist_id", p.dentist},
               {"unit_id", units.empty() ? Json() : rng_.Pick(units)},
               {"start_at", Local(start)},
               {"end_at", Local(start + minutes)},
               {"duration_minutes", minutes},
               {"appointment_type", i == 0 && std::string(item.code) != "DD-101"
                                        ? Json("Muayene")
                                        : Json(item.name)},
               {"status", status},
               {"cancel_reason", cancel_reason},
               {"note", rng_.Chance(25) ? Json("Hasta randevudan önce aranacak")
                                        : Json()},
               {"created_at", Utc(CivilSecond(created))},
               {"updated_at",
                ChangedAfter(std::min(start, CivilMinute(kToday - 1)))}});
      const Json& unit_id = appt["unit_id"];
      if (!unit_id.is_null()) {
        appt["unit"] =
            data_.records["units"][unit_id.get<int64_t>() - 1]["name"];
      }
      const int64_t appt_id = appt["id"];
      if (status == "geldi") {
        completed.push_back({appt_id, start + minutes});
        last_completed = appt_id;
        if (patient["first_appointment_date"].is_null()) {
          patient["first_appointment_date"] = Day(day);
        }
      }
      if (status != "geldi" && day < kToday) {
        unreferenced_appointments_.push_back(appt_id);
      }
      day += rng_.Between(7, 21);
    }
    if (patient["first_appointment_date"].is_null() && first_case) {
      patient["first_appointment_date"] = Day(opened);
    }
    last_visit_[p.id] = last_completed;

    ToothRecords(p, case_id, stage, items, tariff, tooth, opened, type);
    Notes(p, case_id, completed, tooth_texts.empty() ? 0 : tooth, type);
    Payments(p, case_id, stage, total, opened);
  }

  void ToothRecords(const Patient& p, int64_t case_id, const std::string& stage,
                    const std::vector<int>& items, int tariff, int tooth,
                    CivilDay opened, const CaseType& type) {
    const bool any_tooth = std::any_of(
        items.begin(), items.end(), [](int i) { return kItems[i].per_tooth; });
    if (!any_tooth) return;
    const std::string dentition = tooth >= 51 ? "sut" : "daimi";
    // One row of the Oral screen; `item` < 0 for a diagnosis.
    auto add = [&](const char* record_type, const std::string& status, int item,
                   const Json& surfaces, CivilDay recorded,
                   std::optional<CivilMinute> performed) -> Json& {
      const bool billed = item >= 0;
      return Add(
          "tooth_records",
          {{"patient_id", p.id},
           {"case_id", case_id},
           {"dentist_id", p.dentist},
           {"item_id", billed ? Json(ItemId(item, tariff)) : Json()},
           {"tooth", tooth},
           {"dentition", dentition},
           {"surfaces", surfaces},
           {"record_type", record_type},
           {"status", status},
           {"diagnosis", billed ? Json() : Json(type.diagnosis)},
           {"price", billed ? Json(Amount(ItemPrice(item, tariff))) : Json()},
           {"currency", billed ? Json("TRY") : Json()},
           {"recorded_on", Day(recorded)},
           {"performed_at", performed ? Json(Local(*performed)) : Json()},
           {"updated_at",
            ChangedAfter(performed.value_or(CivilMinute(recorded)))}});
    };
    diagnoses_.push_back(
        add("tani", "yapildi", -1, Json(), opened, std::nullopt)["id"]);
    CivilDay day = opened;
    for (size_t i = 0; i < items.size(); ++i) {
      const ItemDef& item = kItems[items[i]];
      if (!item.per_tooth) continue;
      const Json surfaces = absl::StrContains(item.name, "Dolgu")
                                ? Json(rng_.Pick(kSurfaces))
                                : Json();
      const bool done = stage == "tamamlandi" ||
                        ((stage == "tedavide" || stage == "odeme_bekliyor") &&
                         i + 1 < items.size());
      const std::string plan_status = stage == "iptal" ? "iptal"
                                      : done           ? "yapildi"
                                                       : "planlandi";
      add("plan", plan_status, items[i], surfaces, opened, std::nullopt);
      day += rng_.Between(7, 21);
      if (!done || day >= kToday) continue;
      add("tedavi", "yapildi", items[i], surfaces, day,
          gen_sample::OfficeTime(rng_, 9, 17, day));
    }
  }

  void Notes(const Patient& p, int64_t case_id,
             const std::vector<std::pair<int64_t, CivilMinute>>& completed,
             int tooth, const CaseType& type) {
    for (const auto& [appt, end] : completed) {
      if (!rng_.Chance(55)) continue;
      noted_appointments_.push_back(appt);
      Add("clinical_notes",
          {{"patient_id", p.id},
           {"case_id", case_id},
           {"appointment_id", appt},
           {"author_id", p.dentist},
           {"recorded_at", Local(end)},
           {"record_type", "tedavi"},
           {"tooth", tooth == 0 ? Json() : Json(absl::StrCat(tooth))},
           {"title", absl::StrCat(type.title, " seansı")},
           {"text",
            absl::StrCat("İşlem sorunsuz tamamlandı. Lokal anestezi uygulandı; "
                         "hasta işlem sonrası talimatlar konusunda "
                         "bilgilendirildi. ",
                         p.child ? "Veli bilgilendirildi." : "",
                         "Bir sonraki seansta kontrol yapılacak.")},
           {"updated_at", ChangedAfter(end)}});
    }
  }

  void Payments(const Patient& p, int64_t case_id, const std::string& stage,
                int64_t total, CivilDay opened) {
    if (stage == "yeni" || stage == "iptal") return;
    const Json& patient = PatientRecord(p.id);
    const bool euro = patient.value("currency", "") == "EUR";
    const int parts = rng_.Between(1, 3);
    // Completed cases are paid in full; open ones in part.
    int64_t due = stage == "tamamlandi" ? total : total / 2;
    CivilDay day = opened;
    for (int i = 0; i < parts && due > 0; ++i) {
      const int64_t amount =
          i + 1 == parts ? due : due / (parts - i) / 100 * 100;
      due -= amount;
      day += rng_.Between(0, 14);
      if (day >= kToday) day = kToday - 1;
      const std::string method =
          euro ? "kredi_karti"
               : rng_.Pick(std::vector<std::string>{"nakit", "kredi_karti",
                                                    "kredi_karti", "havale"});
      const CivilMinute at = gen_sample::OfficeTime(rng_, 9, 18, day);
      Add("payments",
          {{"patient_id", p.id},
           {"case_id", case_id},
           {"clinic_id", p.clinic},
           {"paid_at", Local(at)},
           {"amount", Amount(euro ? amount / 35 : amount)},
           {"currency", euro ? "EUR" : "TRY"},
           {"method", method},
           {"installments", method == "kredi_karti"
                                ? Json(rng_.Pick(std::vector<int>{1, 3, 6}))
                                : Json()},
           {"receipt_no",
            absl::StrFormat("MKB-%d-%06d", day.year(),
                            data_.records["payments"].size() + 1)},
           {"note", Json()},
           {"updated_at", ChangedAfter(at)}});
    }
  }

  void Recalls() {
    const std::vector<std::pair<std::string, int>> kReasons = {
        {"6 aylık kontrol", 6},
        {"Tedavi sonrası kontrol", 3},
        {"Diş taşı temizliği hatırlatma", 12}};
    for (const Patient& p : patients_) {
      if (p.lead) continue;
      const int64_t last = last_visit_[p.id];
      const auto& [reason, months] = rng_.Pick(kReasons);
      CivilDay last_visit = CivilDay(p.created);
      if (last != 0) {
        const std::string start =
            data_.records["appointments"][last - 1]["start_at"];
        absl::Time t;
        std::string err;
        absl::ParseTime(absl::RFC3339_full, start, &t, &err);
        last_visit = absl::ToCivilDay(t, Istanbul());
      }
      const CivilDay due = last_visit + months * 30;
      std::string status = "acik";
      Json completed_on;
      if (due < kToday) {
        const int r = rng_.Between(0, 9);
        status = r < 6 ? "tamamlandi" : r < 7 ? "iptal" : "acik";
        if (status == "tamamlandi") {
          completed_on = Day(std::min(due + rng_.Between(0, 20), kToday - 1));
        }
      }
      Add("recalls",
          {{"patient_id", p.id},
           {"dentist_id", p.dentist},
           {"reason", reason},
           {"interval_months", months},
           {"last_appointment_id", last == 0 ? Json() : Json(last)},
           {"last_visit_on", Day(last_visit)},
           {"due_on", Day(due)},
           {"status", status},
           {"completed_on", completed_on},
           {"channel", rng_.Pick(std::vector<std::string>{
                           "sms", "sms", "telefon", "whatsapp", "eposta"})},
           {"updated_at",
            ChangedAfter(CivilMinute(std::min(last_visit, kToday - 1)))}});
    }
  }

  void Workflows() {
    struct Def {
      const char* name;
      const char* trigger;
      const char* offset;
      const char* channel;
      const char* text;
      bool active;
    };
    const std::vector<Def> kDefs = {
        {"Randevu hatırlatma (24 saat önce)", "randevu_oncesi", "-24h", "sms",
         "Sayın {hasta_adi}, {tarih} {saat} randevunuzu hatırlatırız.", true},
        {"Randevu onayı", "randevu_olusturuldu", "0", "whatsapp",
         "Randevunuz oluşturuldu: {tarih} {saat}, {klinik}.", true},
        {"6 aylık kontrol daveti", "son_ziyaretten_sonra", "+180d", "sms",
         "Kontrol zamanınız geldi, randevu için bizi arayın.", true},
        {"Doğum günü kutlaması", "dogum_gunu", "0", "eposta",
         "Doğum gününüz kutlu olsun! {klinik}", false},
        {"Ödeme hatırlatma", "taksit_vadesi", "-3d", "sms",
         "Taksit ödemeniz {tarih} tarihinde.", true}};
    for (size_t i = 0; i < kDefs.size(); ++i) {
      const Def& d = kDefs[i];
      Add("workflows",
          {{"name", d.name},
           {"trigger", d.trigger},
           {"offset", d.offset},
           {"channel", d.channel},
           {"template", d.text},
           {"clinic_id", i == 4 ? Json(2) : Json()},
           {"active", d.active},
           {"created_by", 9},
           {"updated_at", ChangedAfter(CivilMinute(
                              2024, 2, 1 + static_cast<int>(i), 9, 0))}});
    }
  }

  // Spoils four records nothing references; see the header.
  void MarkBadRecords() {
    for (const Patient& p : patients_) {
      if (!p.lead) continue;
      PatientRecord(p.id)["birth_date"] = "1985-02-31";
      data_.bad.push_back({"patients", p.id, "birth_date", "impossible date"});
      break;
    }
    for (int64_t id : unreferenced_appointments_) {
      if (std::find(noted_appointments_.begin(), noted_appointments_.end(),
                    id) != noted_appointments_.end()) {
        continue;
      }
      data_.records["appointments"][id - 1]["status"] = "ertelendi";
      data_.bad.push_back({"appointments", id, "status", "unknown code"});
      break;
    }
    std::vector<Json>& payments = data_.records["payments"];
    if (!payments.empty()) {
      Json& bad = payments[payments.size() / 2];
      bad["method"] = "cek";
      data_.bad.push_back(
          {"payments", bad["id"].get<int64_t>(), "method", "unknown code"});
    }
    if (!diagnoses_.empty()) {
      const int64_t id = diagnoses_[diagnoses_.size() / 3];
      data_.records["tooth_records"][id - 1]["tooth"] = 19;
      data_.bad.push_back(
          {"tooth_records", id, "tooth", "not an FDI tooth number"});
    }
  }

  Rng rng_;
  const int patient_count_;
  DrdentesData data_;
  std::vector<Patient> patients_;
  std::map<int, std::vector<Json>> units_by_clinic_;
  std::map<int64_t, int64_t> last_visit_;  // patient -> last appointment
  std::vector<int64_t> unreferenced_appointments_;
  std::vector<int64_t> noted_appointments_;
  std::vector<int64_t> diagnoses_;
};

}  // namespace

const std::vector<std::string>& Resources() {
  static const auto* kResources = new std::vector<std::string>{
      "clinics",         "units",          "staff",           "tariffs",
      "treatment_items", "patients",       "treatment_cases", "appointments",
      "tooth_records",   "clinical_notes", "recalls",         "payments",
      "workflows"};
  return *kResources;
}

DrdentesData GenerateData(uint32_t seed, int patients) {
  DrdentesData data = Generator(seed, patients).Run();
  for (const std::string& r : Resources()) data.records[r];  // all present
  return data;
}

}  // namespace bridgework::emulator::drdentes
