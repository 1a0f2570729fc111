#include "tools/gen_sample/sample_generator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/gen_sample/sample_automations.h"
#include "tools/gen_sample/sample_children.h"
#include "tools/gen_sample/sample_util.h"

namespace bridgework::gen_sample {
namespace {

// A name as written and its ASCII form for email addresses.
struct Name {
  const char* text;
  const char* ascii;
  const char* preferred = "";
};

const std::vector<Name> kFemale = {
    {"Zoë", "zoe", "Zo"}, {"Siobhán", "siobhan", "Shiv"},
    {"Ana", "ana"},       {"Chloé", "chloe"},
    {"Mía", "mia"},       {"Amélie", "amelie"},
    {"Aoife", "aoife"},   {"Renée", "renee"},
    {"Thảo", "thao"},     {"Ayşe", "ayse"},
    {"Giulia", "giulia"}, {"Marta", "marta"},
    {"Ingrid", "ingrid"}, {"Olivia", "olivia", "Liv"},
    {"Emma", "emma"},     {"Sofía", "sofia"},
    {"Lucía", "lucia"},   {"Priyanka", "priyanka", "Pri"},
    {"Mei", "mei"},       {"Małgorzata", "malgorzata", "Gosia"}};
const std::vector<Name> kMale = {{"José", "jose", "Pepe"},
                                 {"Øyvind", "oyvind"},
                                 {"François", "francois"},
                                 {"Björn", "bjorn"},
                                 {"Liam", "liam"},
                                 {"Noah", "noah"},
                                 {"Mateo", "mateo", "Teo"},
                                 {"Lucas", "lucas"},
                                 {"Jürgen", "jurgen"},
                                 {"Kemal", "kemal"},
                                 {"Dmitri", "dmitri", "Dima"},
                                 {"Andrés", "andres", "Andy"},
                                 {"Seán", "sean"},
                                 {"Mohammed", "mohammed"},
                                 {"Hiroshi", "hiroshi"},
                                 {"Minh", "minh"},
                                 {"Ethan", "ethan"},
                                 {"James", "james", "Jim"}};
const std::vector<Name> kLast = {{"García", "garcia"},
                                 {"Müller", "muller"},
                                 {"Nguyễn", "nguyen"},
                                 {"O'Brien", "obrien"},
                                 {"Smith", "smith"},
                                 {"Johnson", "johnson"},
                                 {"Håkansson", "hakansson"},
                                 {"Dubois", "dubois"},
                                 {"Rossi", "rossi"},
                                 {"Kowalski", "kowalski"},
                                 {"Yılmaz", "yilmaz"},
                                 {"Brown", "brown"},
                                 {"Núñez", "nunez"},
                                 {"Schäfer", "schafer"},
                                 {"Lefèvre", "lefevre"},
                                 {"Chen", "chen"},
                                 {"Patel", "patel"},
                                 {"Williams", "williams"},
                                 {"Fernández", "fernandez"},
                                 {"Novák", "novak"},
                                 {"Jones", "jones"},
                                 {"Ødegaard", "odegaard"},
                                 {"Taylor", "taylor"},
                                 {"Martínez", "martinez"},
                                 {"Ó Súilleabháin", "osuilleabhain"},
                                 {"Tran", "tran"},
                                 {"Dvořák", "dvorak"},
                                 {"Łukasiewicz", "lukasiewicz"}};

const std::vector<std::string> kStreets = {
    "Congress Ave", "Lamar Blvd", "Guadalupe St", "Burnet Rd", "Manor Rd",
    "Riverside Dr", "Oltorf St",  "Parmer Ln",    "Main St",   "Sam Bass Rd"};
const std::vector<std::string> kReferrals = {"Google Ads",
                                             "Referral program",
                                             "Direct mail",
                                             "Facebook",
                                             "Walk-in",
                                             "Insurance directory",
                                             "Spring whitening mailer"};
const std::vector<int> kAreaCodes = {512, 737, 210, 214, 254, 281, 325, 361,
                                     409, 430, 432, 469, 682, 713, 806, 817,
                                     830, 832, 903, 915, 936, 940, 956, 972};

const std::vector<std::string> kBadPhones = {"555-01", "call me", "n/a",
                                             "512-555", "see chart"};

struct Location {
  const char* id;
  std::vector<std::string> cities;
  const char* zip_prefix;
  // Providers seen here, the first being the usual one.
  std::vector<const char*> providers;
};
const std::vector<Location> kLocations = {
    {"1", {"Austin"}, "787", {"10", "12", "10", "13"}},
    {"2",
     {"Round Rock", "Cedar Park", "Georgetown"},
     "786",
     {"11", "13", "11", "12"}}};

struct Patient {
  int64_t id = 0;
  std::string first, last, preferred, email, mobile, home, work, birth, gender,
      address1, address2, city,
      state = "TX", zip, country = "US", status, location, provider, guarantor,
      completed, first_visit, last_visit, referral, contact, created, updated;
  // For duplicates: the mobile number's digits, so the copy can write the
  // same number differently.
  int area = 0, line = 0;
};

// The row; `raw_address1` writes address_line1 unquoted even if it holds a
// comma (the way a broken export does).
std::string Row(const Patient& p, bool raw_address1 = false) {
  std::vector<std::string> f = {std::to_string(p.id),
                                p.first,
                                p.last,
                                p.preferred,
                                p.email,
                                p.mobile,
                                p.home,
                                p.work,
                                p.birth,
                                p.gender,
                                p.address1,
                                p.address2,
                                p.city,
                                p.state,
                                p.zip,
                                p.country,
                                p.status,
                                p.location,
                                p.provider,
                                p.guarantor,
                                p.completed,
                                p.first_visit,
                                p.last_visit,
                                p.referral,
                                p.contact,
                                p.created,
                                p.updated};
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) {
    if (i) out += ',';
    out += (raw_address1 && i == 10) ? f[i] : Quote(f[i]);
  }
  return out + "\n";
}

constexpr char kPatientsHeader[] =
    "patient_id,first_name,last_name,preferred_name,email,mobile_phone,"
    "home_phone,work_phone,birth_date,gender,address_line1,address_line2,"
    "city,state,postal_code,country,status,location_id,primary_provider_id,"
    "guarantor_id,completed_appointments,first_visit_date,last_visit_date,"
    "referral_source,preferred_contact,created_at,updated_at\n";

int DaysIn(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

struct Day {
  int y, m, d;
  std::string ToString() const {
    return absl::StrFormat("%04d-%02d-%02d", y, m, d);
  }
  constexpr int Ordinal() const { return y * 372 + m * 31 + d; }
};

Day RandomDay(Rng& rng, int from_year, int to_year) {
  Day day;
  day.y = rng.Between(from_year, to_year);
  day.m = rng.Between(1, 12);
  day.d = rng.Between(1, DaysIn(day.y, day.m));
  return day;
}

// The day of the export: nothing happens after it.
constexpr Day kExportDay = {2026, 10, 31};

// `day`, or `limit` when `day` is later.
Day NotAfter(const Day& day, const Day& limit) {
  return day.Ordinal() > limit.Ordinal() ? limit : day;
}

std::string At(const Day& day, Rng& rng) {
  return absl::StrFormat("%s %02d:%02d:00", day.ToString(), rng.Between(8, 17),
                         rng.Between(0, 11) * 5);
}

std::string FormatPhone(int format, int area, int line) {
  switch (format) {
    case 0:
      return absl::StrFormat("(%d) 555-%04d", area, line);
    case 1:
      return absl::StrFormat("%d.555.%04d", area, line);
    default:
      return absl::StrFormat("+1 %d 555 %04d", area, line);
  }
}

std::string RandomPhone(Rng& rng) {
  return FormatPhone(static_cast<int>(rng.Below(3)), rng.Chance(70) ? 512 : 737,
                     rng.Between(100, 199));
}

class Generator {
 public:
  Generator(const SampleOptions& options)
      : options_(options), rng_(options.seed) {}

  std::string Patients(SampleSummary* summary) {
    const int n = options_.patients;
    // Rows written specially; never guarantors nor duplicated.
    wrong_columns_ = Free(n / 3);
    impossible_date_ = Free(std::max(2 * n / 3, wrong_columns_ + 1));
    multi_line_ = Free(5);

    std::string out = kPatientsHeader;
    int64_t line = 2;
    for (int i = 1; i <= n; ++i) {
      Patient p;
      bool raw = false;
      if (IsDuplicateSlot(i) && !originals_.empty()) {
        p = Duplicate(i);
        ++summary->duplicate_people;
      } else {
        const Patient* head = nullptr;
        if (!Special(i) && !heads_.empty() && rng_.Chance(14)) {
          // One of the six most recent heads of a family.
          size_t recent = std::min<size_t>(heads_.size(), 6);
          size_t pick = heads_.size() - recent +
                        rng_.Below(static_cast<uint32_t>(recent));
          head = &patients_[heads_[pick]];
        }
        p = NewPatient(i, head);
        if (head) ++summary->dependents;
      }
      if (i == wrong_columns_) {
        // An address with a comma the export forgot to quote.
        p.address1 =
            absl::StrCat(rng_.Between(10, 999), " ", rng_.Pick(kStreets),
                         ", Apt ", rng_.Between(1, 40));
        raw = true;
      } else if (i == impossible_date_) {
        p.birth = "2023-02-30";
      } else if (i == multi_line_) {
        p.address2 = "Building B\nGate code at the front desk";
      }
      std::string row = Row(p, raw);
      if (Special(i) && i != multi_line_) {
        summary->malformed_lines.push_back(line);
      } else {
        ++summary->valid_patients;
        if (p.email.empty()) ++summary->missing_emails;
        if (p.line == 0 && !p.mobile.empty()) ++summary->malformed_phones;
        if (p.completed == "0") ++summary->prospects;
        Remember(p, i);
      }
      line += std::count(row.begin(), row.end(), '\n');
      out += row;
    }
    summary->patient_rows = n;
    return out;
  }

  // The rows of patients.csv the extractor accepts, in file order.
  std::vector<PatientInfo> Valid() const {
    std::vector<PatientInfo> out;
    out.reserve(patients_.size());
    for (const Patient& p : patients_) {
      PatientInfo info;
      info.id = p.id;
      info.first_name = p.first;
      info.last_name = p.last;
      info.location = p.location;
      info.provider = p.provider;
      if (!p.guarantor.empty()) info.guarantor = std::stoll(p.guarantor);
      info.birth_date = p.birth;
      info.status = p.status;
      info.completed = std::stoi(p.completed);
      info.first_visit = p.first_visit;
      info.last_visit = p.last_visit;
      info.created_at = p.created;
      info.referral = p.referral;
      info.has_email = !p.email.empty();
      info.has_mobile = p.line != 0;
      out.push_back(std::move(info));
    }
    return out;
  }

 private:
  bool Special(int i) const {
    return i == wrong_columns_ || i == impossible_date_ || i == multi_line_;
  }
  static bool IsDuplicateSlot(int i) { return i % 50 == 9; }
  // The first slot from `i` on that is neither a duplicate nor taken.
  int Free(int i) const {
    while (IsDuplicateSlot(i) || i == wrong_columns_ || i == impossible_date_ ||
           i == multi_line_) {
      ++i;
    }
    return i;
  }

  void Remember(const Patient& p, int i) {
    patients_.push_back(p);
    size_t index = patients_.size() - 1;
    if (Special(i) || IsDuplicateSlot(i) || !p.guarantor.empty()) return;
    if (p.birth < "2000") heads_.push_back(index);
    if (!p.email.empty() && !p.birth.empty()) originals_.push_back(index);
  }

  std::string Email(const Name& first, const Name& last) {
    std::string local;
    switch (rng_.Below(4)) {
      case 0:
        local = absl::StrCat(first.ascii, ".", last.ascii);
        break;
      case 1:
        local = absl::StrCat(first.ascii, last.ascii, rng_.Between(10, 99));
        break;
      case 2:
        local = absl::StrCat(std::string(1, first.ascii[0]), ".", last.ascii);
        break;
      default:
        local = absl::StrCat(first.ascii, "_", last.ascii);
    }
    std::string email = absl::StrCat(local, "@mail.example");
    for (int k = 2; !emails_.insert(email).second; ++k) {
      email = absl::StrCat(local, k, "@mail.example");
    }
    // People type their address as they like.
    int style = static_cast<int>(rng_.Below(100));
    if (style < 20) {
      // Capitalised words: Jose.Garcia@Mail.example
      bool up = true;
      for (char& c : email) {
        if (up && absl::ascii_isalpha(static_cast<unsigned char>(c))) {
          c = absl::ascii_toupper(static_cast<unsigned char>(c));
        }
        up = c == '.' || c == '@' || c == '_';
      }
    } else if (style < 25) {
      absl::AsciiStrToUpper(&email);
    }
    return email;
  }

  Patient NewPatient(int i, const Patient* head) {
    Patient p;
    p.id = 1000 + i;
    bool female = rng_.Chance(52);
    const Name& first = rng_.Pick(female ? kFemale : kMale);
    const Name& last = head ? LastNameOf(*head) : rng_.Pick(kLast);
    p.first = first.text;
    p.last = last.text;
    if (first.preferred[0] != '\0' && rng_.Chance(30))
      p.preferred = first.preferred;
    if (i == 8) p.preferred = "\"Kiki\"";  // quotes inside a quoted field
    p.gender = rng_.Chance(2) ? "X" : (female ? "F" : "M");
    Day birth =
        head ? RandomDay(rng_, 2006, 2021) : RandomDay(rng_, 1942, 2004);
    p.birth = rng_.Chance(3) ? "" : birth.ToString();
    if (!rng_.Chance(head ? 40 : 7)) p.email = Email(first, last);

    if (rng_.Chance(5)) {
      p.mobile = rng_.Pick(kBadPhones);
    } else if (!rng_.Chance(6)) {
      // Unique (MobileNumberOf); none past the numbers there are.
      if (auto number = MobileNumberOf(i)) {
        std::tie(p.area, p.line) = *number;
        p.mobile = FormatPhone(static_cast<int>(rng_.Below(3)), p.area, p.line);
      }
    }
    if (rng_.Chance(30)) p.home = RandomPhone(rng_);
    if (!head && rng_.Chance(15)) p.work = RandomPhone(rng_);

    if (head) {
      p.address1 = head->address1;
      p.address2 = head->address2;
      p.city = head->city;
      p.zip = head->zip;
      p.location = head->location;
      p.guarantor = std::to_string(head->id);
    } else {
      const Location& loc = kLocations[rng_.Chance(60) ? 0 : 1];
      p.location = loc.id;
      p.city = rng_.Pick(loc.cities);
      p.zip = absl::StrFormat("%s%02d", loc.zip_prefix, rng_.Between(1, 60));
      p.address1 =
          absl::StrCat(rng_.Between(10, 9999), " ", rng_.Pick(kStreets));
      if (rng_.Chance(10)) {
        // A comma inside a quoted field.
        absl::StrAppend(&p.address1, ", Apt ", rng_.Between(1, 40));
      } else if (rng_.Chance(8)) {
        p.address2 = absl::StrCat("Suite ", rng_.Between(100, 400));
      }
    }
    const Location& loc = kLocations[p.location == "1" ? 0 : 1];
    p.provider = rng_.Pick(loc.providers);

    int status = static_cast<int>(rng_.Below(100));
    p.status = status < 80 ? "active" : status < 92 ? "inactive" : "archived";
    int completed = rng_.Chance(15) ? 0 : rng_.Between(1, 40);
    p.completed = std::to_string(completed);
    Day created = RandomDay(rng_, 2015, 2025);
    if (completed > 0) {
      Day first_visit = created;
      Day last_visit = RandomDay(rng_, std::max(first_visit.y, 2024), 2026);
      if (last_visit.Ordinal() < first_visit.Ordinal())
        last_visit = first_visit;
      last_visit = NotAfter(last_visit, Day{2026, 9, 30});
      p.first_visit = first_visit.ToString();
      p.last_visit = last_visit.ToString();
    }
    p.referral = rng_.Chance(35) ? "" : rng_.Pick(kReferrals);
    int contact = static_cast<int>(rng_.Below(100));
    p.contact = contact < 50 ? "sms" : contact < 80 ? "email" : "phone";
    if (p.email.empty() && p.contact == "email") p.contact = "sms";
    p.created = At(created, rng_);
    p.updated = At(NotAfter(RandomDay(rng_, 2026, 2026), kExportDay), rng_);
    return p;
  }

  // The same person again under a new id: same name, email and birth date,
  // the phone written another way, registered later (often at the other
  // location) with no visit yet.
  Patient Duplicate(int i) {
    size_t pick = originals_.size() > 20 ? originals_.size() - 20 : 0;
    pick += rng_.Below(static_cast<uint32_t>(originals_.size() - pick));
    Patient p = patients_[originals_[pick]];
    p.id = 1000 + i;
    if (p.line != 0) {
      p.mobile = FormatPhone(static_cast<int>(rng_.Below(3)), p.area, p.line);
    }
    if (rng_.Chance(50)) {
      p.location = p.location == "1" ? "2" : "1";
      const Location& loc = kLocations[p.location == "1" ? 0 : 1];
      p.provider = loc.providers[0];
    }
    p.completed = "0";
    p.first_visit.clear();
    p.last_visit.clear();
    p.preferred.clear();
    p.referral = "Walk-in";
    p.created = At(NotAfter(RandomDay(rng_, 2026, 2026), kExportDay), rng_);
    p.updated = p.created;
    return p;
  }

  const Name& LastNameOf(const Patient& p) const {
    for (const Name& n : kLast) {
      if (p.last == n.text) return n;
    }
    return kLast[0];
  }

  const SampleOptions options_;
  Rng rng_;
  int wrong_columns_ = -1;
  int impossible_date_ = -1;
  int multi_line_ = -1;
  std::vector<Patient> patients_;  // well-formed rows written so far
  std::vector<size_t> heads_;      // indexes of adults who can be guarantors
  std::vector<size_t> originals_;  // indexes of adults with an email
  std::set<std::string> emails_;
};

constexpr char kLocationsCsv[] =
    "location_id,name,parent_location_id,phone,email,address_line1,"
    "address_line2,city,state,postal_code,country,time_zone,updated_at\n"
    "1,SmileBright Dental,,(512) 555-0100,front@smilebright.example,"
    "100 Congress Ave,Suite 200,Austin,TX,78701,US,America/Chicago,"
    "2026-10-01 08:00:00\n"
    "2,SmileBright Dental – Round Rock,1,512.555.0199,"
    "roundrock@smilebright.example,\"5 Main St, Unit B\",,Round Rock,TX,78664,"
    "US,America/Chicago,2026-10-01 08:00:00\n";

// Rivera and Chen are users of the CRM (the emulator knows their emails);
// Shah, Ortega and Haddad are not; Kim has no email.
constexpr char kProvidersCsv[] =
    "provider_id,first_name,last_name,email,role,npi,location_id,active,"
    "updated_at\n"
    "10,Elena,Rivera,dr.rivera@smilebright.example,dentist,1234567893,1,true,"
    "2026-10-01 08:00:00\n"
    "11,Wei,Chen,dr.chen@smilebright.example,dentist,1245319599,2,true,"
    "2026-10-01 08:00:00\n"
    "12,Priya,Shah,priya.shah@smilebright.example,hygienist,1679576722,1,true,"
    "2026-10-01 08:00:00\n"
    "13,Tomás,Ortega,Dr.Ortega@smilebright.example,dentist,1093817465,2,true,"
    "2026-10-01 08:00:00\n"
    "14,Grace,Kim,,front_desk,,1,true,2026-10-01 08:00:00\n"
    "15,Omar,Haddad,omar.haddad@smilebright.example,assistant,,2,false,"
    "2026-10-01 08:00:00\n";

}  // namespace

std::optional<std::pair<int, int>> MobileNumberOf(int i) {
  const int areas = static_cast<int>(kAreaCodes.size());
  constexpr int kFictional = 2400;  // 555-0100..0199, 100 per area code
  if (i < 0 || i >= kMobileNumbers) return std::nullopt;
  if (i < kFictional)
    return std::pair(kAreaCodes[(i / 100) % areas], 100 + i % 100);
  const int j = i - kFictional;
  return std::pair(kAreaCodes[j % areas], 200 + j / areas);
}

std::string SampleSummary::ToString(const std::string& out_dir) const {
  std::vector<std::string> lines;
  for (int64_t l : malformed_lines) lines.push_back(absl::StrCat(l));
  std::string out = absl::StrCat(
      "bridgework-gen-sample: wrote ", out_dir, ": ", locations, " locations, ",
      providers, " providers, ", patient_rows, " patient rows (",
      valid_patients, " patients: ", duplicate_people, " entered twice, ",
      dependents, " with a guarantor, ", missing_emails, " without email, ",
      malformed_phones, " with a malformed phone, ", prospects,
      " without a completed appointment; ", malformed_lines.size(),
      " malformed rows on patients.csv lines ", absl::StrJoin(lines, " and "),
      ")");
  std::vector<std::string> others;
  for (size_t i = 3; i < files.size(); ++i) {
    std::vector<std::string> bad;
    for (const BadRow& b : files[i].bad_rows)
      bad.push_back(absl::StrCat(b.line));
    others.push_back(absl::StrCat(files[i].file, " ", files[i].rows, " rows",
                                  bad.empty() ? "" : " (bad line ",
                                  absl::StrJoin(bad, ", "),
                                  bad.empty() ? "" : ")"));
  }
  if (!others.empty()) {
    absl::StrAppend(&out, "; ", absl::StrJoin(others, ", "),
                    "; appointments.csv line ", dangling_appointment_line,
                    " names a patient missing from patients.csv; ",
                    document_files, " files under documents/");
  }
  return out;
}

absl::StatusOr<SampleSummary> WriteSample(const SampleOptions& options) {
  if (options.patients < 10) {
    return absl::InvalidArgumentError("--patients must be at least 10");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot create ", options.out_dir, ": ", ec.message()));
  }
  const std::filesystem::path dir(options.out_dir);
  SampleSummary summary;
  summary.locations = 2;
  summary.providers = 6;
  absl::Status s = WriteFile(dir / "locations.csv", kLocationsCsv);
  if (s.ok()) s = WriteFile(dir / "providers.csv", kProvidersCsv);
  if (!s.ok()) return s;
  summary.files.push_back({"locations.csv", summary.locations, {}});
  summary.files.push_back({"providers.csv", summary.providers, {}});
  Generator generator(options);
  s = WriteFile(dir / "patients.csv", generator.Patients(&summary));
  if (!s.ok()) return s;
  FileSummary patients{"patients.csv", summary.patient_rows, {}};
  if (summary.malformed_lines.size() == 2) {
    patients.bad_rows = {{summary.malformed_lines[0], ""},
                         {summary.malformed_lines[1], "birth_date"}};
  }
  summary.files.push_back(std::move(patients));
  if (options.objects == SampleObjects::kAll) {
    s = WriteChildren(dir, options.seed, generator.Valid(), &summary);
    if (s.ok()) s = WriteAutomations(dir, &summary);
    if (!s.ok()) return s;
  }
  return summary;
}

}  // namespace bridgework::gen_sample
