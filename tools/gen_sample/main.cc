// bridgework-gen-sample: a deterministic, realistic Practice by Numbers
// export (docs/connectors/pbn-export.md) for demos and tests: two
// locations (a satellite under a main practice), providers (some matching
// CRM users by email, some not), and patients with accented names, missing
// emails, malformed phones, duplicate people, guarantor families, and two
// structurally malformed rows.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace {

const std::vector<std::string> kFirst = {
    "José",  "Zoë",   "Øyvind", "Siobhán", "Ana",    "François", "Mía",
    "Björn", "Chloé", "Liam",   "Olivia",  "Noah",   "Emma",     "Mateo",
    "Sofía", "Lucas", "Amélie", "Jürgen",  "Aoife",  "Renée",    "Thảo",
    "Kemal", "Ayşe",  "Giulia", "Marta",   "Dmitri", "Ingrid"};
const std::vector<std::string> kLast = {
    "García",    "Müller",  "Nguyễn",  "O'Brien",  "Smith",  "Johnson",
    "Håkansson", "Dubois",  "Rossi",   "Kowalski", "Yılmaz", "Brown",
    "Núñez",     "Schäfer", "Lefèvre", "Chen",     "Patel",  "Williams",
    "Fernández", "Novák",   "Jones",   "Ødegaard", "Taylor", "Martínez"};
const std::vector<std::string> kCities = {"Austin", "Round Rock", "Cedar Park",
                                          "Pflugerville"};
const std::vector<std::string> kStreets = {"Congress Ave", "Lamar Blvd",
                                           "Guadalupe St", "Burnet Rd",
                                           "Manor Rd",     "Riverside Dr"};
const std::vector<std::string> kReferral = {
    "Google Ads", "Referral program", "Direct mail", "Facebook", "Walk-in", ""};

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += "\"\"";
    else
      out.push_back(c);
  }
  return out + "\"";
}

std::string Ascii(const std::string& s) {
  // Emails use an ASCII form of the name.
  std::string out;
  for (unsigned char c : s) {
    if (std::isalpha(c)) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out.empty() ? "x" : out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "bridgework-gen-sample: deterministic Practice by Numbers sample export"};
  std::string out;
  int patients = 300;
  unsigned seed = 42;
  app.add_option("--out", out, "directory to write the CSV files into")
      ->required();
  app.add_option("--patients", patients, "number of patients")
      ->check(CLI::Range(10, 2000000));
  app.add_option("--seed", seed, "random seed");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(out);
  std::mt19937 rng(seed);
  auto pick = [&rng](const std::vector<std::string>& v) {
    return v[rng() % v.size()];
  };
  auto chance = [&rng](int percent) {
    return static_cast<int>(rng() % 100) < percent;
  };

  std::ofstream loc(std::filesystem::path(out) / "locations.csv");
  loc << "location_id,name,parent_location_id,phone,email,address_line1,"
         "address_line2,city,"
         "state,postal_code,country,time_zone,updated_at\n"
      << "1,SmileBright Dental,,(512) 555-0100,front@smilebright.example,100 "
         "Congress Ave,"
         "Suite 200,Austin,TX,78701,US,America/Chicago,2026-10-01 08:00:00\n"
      << "2,SmileBright Dental – Round "
         "Rock,1,512.555.0199,rr@smilebright.example,"
         "5 Main St,,Round Rock,TX,78664,US,America/Chicago,2026-10-01 "
         "08:00:00\n";

  std::ofstream prov(std::filesystem::path(out) / "providers.csv");
  prov << "provider_id,first_name,last_name,email,role,npi,location_id,active,"
          "updated_at\n"
       << "10,Elena,Rivera,Dr.Rivera@smilebright.example,dentist,1234567893,1,"
          "true,2026-10-01 08:00\n"
       << "11,Wei,Chen,dr.chen@smilebright.example,dentist,1234567894,2,true,"
          "2026-10-01 08:00\n"
       << "12,Priya,Shah,priya.shah@smilebright.example,hygienist,,1,true,2026-"
          "10-01 08:00\n"
       << "13,Tomás,Ortega,t.ortega@smilebright.example,dentist,1234567895,2,"
          "true,2026-10-01 08:00\n"
       << "14,Grace,Kim,,front_desk,,1,true,2026-10-01 08:00\n"
       << "15,Omar,Haddad,omar.haddad@smilebright.example,assistant,,2,false,"
          "2026-10-01 08:00\n";
  const std::vector<std::string> provider_ids = {"10", "11", "12",
                                                 "13", "14", "15"};

  std::ofstream pat(std::filesystem::path(out) / "patients.csv");
  pat << "patient_id,first_name,last_name,preferred_name,email,mobile_phone,"
         "home_phone,"
         "work_phone,birth_date,gender,address_line1,address_line2,city,state,"
         "postal_code,"
         "country,status,location_id,primary_provider_id,guarantor_id,"
         "completed_appointments,"
         "first_visit_date,last_visit_date,referral_source,preferred_contact,"
         "created_at,"
         "updated_at\n";
  int written = 0, duplicates = 0, malformed = 0;
  std::string last_line;
  for (int i = 1; i <= patients; ++i) {
    int id = 1000 + i;
    // Two structurally malformed rows for the quarantine path.
    if (i == patients / 3) {
      pat << id << ",Broken,Row,extra,columns\n";
      ++malformed;
      continue;
    }
    if (i == (2 * patients) / 3) {
      pat << id
          << ",Ana,Impossible,,ana.impossible@mail.example,(512) "
             "555-0142,,,2023-02-30,F,"
             "1 Main "
             "St,,Austin,TX,78701,US,active,1,10,,2,2024-01-10,2024-06-10,,"
             "email,"
             "2024-01-10 09:00,2026-10-02 09:00\n";
      ++malformed;
      continue;
    }
    // A few duplicate people: the previous patient entered again.
    if (i % 50 == 0 && !last_line.empty()) {
      pat << id << last_line.substr(last_line.find(','));
      ++duplicates;
      ++written;
      continue;
    }
    std::string first = pick(kFirst), last = pick(kLast);
    std::string email;
    if (!chance(10)) {
      email = absl::StrFormat("%s.%s%d@%s", Ascii(first), Ascii(last), i,
                              chance(50) ? "mail.example" : "inbox.example");
      if (chance(30))
        email[0] = static_cast<char>(std::toupper(email[0]));  // mixed case
    }
    int area = chance(70) ? 512 : 737;
    int line = 100 + static_cast<int>(rng() % 9000);
    std::string mobile;
    switch (rng() % 20) {
      case 0:
        mobile = "555-01";
        break;  // malformed
      case 1:
        mobile = "call me";
        break;  // malformed
      case 2:
        mobile = "";
        break;
      case 3:
      case 4:
      case 5:
      case 6:
        mobile = absl::StrFormat("+1 %d 555 %04d", area, line);
        break;
      case 7:
      case 8:
      case 9:
      case 10:
        mobile = absl::StrFormat("%d.555.%04d", area, line);
        break;
      default:
        mobile = absl::StrFormat("(%d) 555-%04d", area, line);
    }
    int year = 1940 + static_cast<int>(rng() % 70);
    std::string birth = chance(5)
                            ? ""
                            : absl::StrFormat("%04d-%02d-%02d", year,
                                              1 + rng() % 12, 1 + rng() % 28);
    std::string location = chance(60) ? "1" : "2";
    std::string provider = provider_ids[rng() % provider_ids.size()];
    int completed = chance(15) ? 0 : static_cast<int>(rng() % 30);
    std::string status =
        chance(80) ? "active" : (chance(50) ? "inactive" : "archived");
    std::string guarantor =
        (i > 5 && chance(15)) ? std::to_string(1000 + i - 1 - rng() % 3) : "";
    std::string row = absl::StrFormat(
        "%d,%s,%s,,%s,%s,,,%s,%s,%d "
        "%s,,%s,TX,787%02d,US,%s,%s,%s,%s,%d,%s,%s,%s,%s,"
        "2024-01-%02d 09:00,2026-10-%02d 1%d:00\n",
        id, Csv(first), Csv(last), Csv(email), Csv(mobile), birth,
        chance(50) ? "F" : "M", 100 + rng() % 900, pick(kStreets),
        pick(kCities), rng() % 50, status, location, provider, guarantor,
        completed, completed ? "2024-02-01" : "", completed ? "2026-09-15" : "",
        Csv(pick(kReferral)),
        chance(50) ? "sms" : (chance(50) ? "email" : "phone"), 1 + rng() % 28,
        1 + rng() % 20, rng() % 8);
    pat << row;
    last_line = row;
    ++written;
  }
  std::cout << "bridgework-gen-sample: wrote " << out
            << ": 2 locations, 6 providers, " << written << " patients ("
            << duplicates << " duplicate people) and " << malformed
            << " malformed rows\n";
  return 0;
}
