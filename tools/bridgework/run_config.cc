#include "tools/bridgework/run_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/common/status_macros.h"
#include "libs/csv_layout/layout_yaml.h"
#include "libs/mapping/map.h"
#include "libs/mapping/yaml_util.h"
#include "libs/record/value.h"

namespace bridgework::cli {
namespace {

namespace fs = std::filesystem;
using mapping::CheckKeys;
using mapping::GetInt;
using mapping::GetString;
using mapping::YamlError;

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(what, " not found: ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Resolve(const std::string& base_file, const std::string& rel) {
  if (rel.empty() || fs::path(rel).is_absolute()) return rel;
  return (fs::path(base_file).parent_path() / rel).lexically_normal().string();
}

// The connector's `directory` (path `key_path`), resolved against the
// config file and made absolute; it must exist.
absl::StatusOr<std::string> ExportDirectory(const std::string& f,
                                            const YAML::Node& p,
                                            const std::string& key_path) {
  BW_ASSIGN_OR_RETURN(std::string dir,
                      GetString(f, p, key_path, "directory", true));
  dir = Resolve(f, dir);
  if (!fs::is_directory(dir)) {
    return YamlError(f, p["directory"], key_path + ".directory",
                     absl::StrCat("directory not found: ", dir));
  }
  return fs::absolute(dir).string();
}

// The connector's `time_zone` (an IANA name) and `currency` (an ISO 4217
// code), or their defaults. A zone the time-zone database does not know or
// a currency that is not three capital letters is an error naming the
// key's line, so a run never begins with them.
absl::Status ZoneAndCurrency(const std::string& f, const YAML::Node& p,
                             const std::string& key_path,
                             const std::string& default_zone,
                             const std::string& default_currency,
                             std::string* zone, std::string* currency) {
  BW_ASSIGN_OR_RETURN(
      *zone, GetString(f, p, key_path, "time_zone", false, default_zone));
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(*zone, &tz)) {
    return YamlError(f, p["time_zone"], key_path + ".time_zone",
                     absl::StrCat("unknown time zone '", *zone,
                                  "' (want an IANA name such as "
                                  "America/Chicago)"));
  }
  BW_ASSIGN_OR_RETURN(*currency, GetString(f, p, key_path, "currency", false,
                                           default_currency));
  if (currency->size() != 3 ||
      !std::all_of(currency->begin(), currency->end(),
                   [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
    return YamlError(f, p["currency"], key_path + ".currency",
                     "want a three-letter ISO 4217 code such as USD");
  }
  return absl::OkStatus();
}

}  // namespace

nlohmann::json PhiJson(const mapping::Map& map) {
  std::vector<mapping::PhiField> fields = mapping::PhiFields(map);
  if (fields.empty() && map.phi_default == mapping::PhiPolicy::kMigrate) {
    return nlohmann::json::object();
  }
  nlohmann::json list = nlohmann::json::array();
  for (const mapping::PhiField& f : fields) {
    nlohmann::json j = {{"route", f.route},
                        {"to", f.to},
                        {"from", f.from},
                        {"policy", mapping::PhiPolicyName(f.policy)}};
    if (!f.note_field.empty()) j["note_field"] = f.note_field;
    list.push_back(std::move(j));
  }
  return {{"default", mapping::PhiPolicyName(map.phi_default)},
          {"fields", std::move(list)}};
}

absl::StatusOr<RunConfig> LoadRunConfig(const std::string& path,
                                        RunConfigParts parts) {
  BW_ASSIGN_OR_RETURN(std::string text, ReadFile(path, "config file"));
  const std::string& f = path;
  BW_ASSIGN_OR_RETURN(YAML::Node root, mapping::LoadYaml(text, f));
  BW_RETURN_IF_ERROR(CheckKeys(
      f, root, "", {"source", "destination", "map", "run", "services"}));
  RunConfig c;
  c.path = path;

  YAML::Node src = root["source"];
  if (!src.IsDefined())
    return YamlError(f, root, "source", "required key is missing");
  BW_RETURN_IF_ERROR(CheckKeys(
      f, src, "source",
      {"system", "pbn_csv", "layout_csv", "opendental_db", "drdentes_api"}));
  BW_ASSIGN_OR_RETURN(std::string system,
                      GetString(f, src, "source", "system", true));
  c.source.set_system(system);
  // The layout file's SHA-256, for the run's identity (layout_csv only).
  std::string layout_hash;
  int connectors = 0;
  for (const char* name :
       {"pbn_csv", "layout_csv", "opendental_db", "drdentes_api"}) {
    if (src[name].IsDefined() && ++connectors > 1) {
      return YamlError(f, src[name], "source",
                       "give one connector (pbn_csv, layout_csv, "
                       "opendental_db or drdentes_api), not several");
    }
  }
  if (src["pbn_csv"].IsDefined()) {
    YAML::Node p = src["pbn_csv"];
    BW_RETURN_IF_ERROR(CheckKeys(f, p, "source.pbn_csv",
                                 {"directory", "time_zone", "currency"}));
    BW_ASSIGN_OR_RETURN(std::string dir,
                        ExportDirectory(f, p, "source.pbn_csv"));
    c.source.mutable_pbn_csv()->set_directory(dir);
    std::string tz, cur;
    BW_RETURN_IF_ERROR(
        ZoneAndCurrency(f, p, "source.pbn_csv", "UTC", "USD", &tz, &cur));
    c.source.mutable_pbn_csv()->set_time_zone(tz);
    c.source.mutable_pbn_csv()->set_currency(cur);
  } else if (src["layout_csv"].IsDefined()) {
    YAML::Node p = src["layout_csv"];
    const std::string kp = "source.layout_csv";
    BW_RETURN_IF_ERROR(
        CheckKeys(f, p, kp, {"directory", "layout", "time_zone", "currency"}));
    v1::LayoutCsvSourceConfig* lc = c.source.mutable_layout_csv();
    BW_ASSIGN_OR_RETURN(std::string dir, ExportDirectory(f, p, kp));
    lc->set_directory(dir);
    BW_ASSIGN_OR_RETURN(std::string layout,
                        GetString(f, p, kp, "layout", true));
    layout = Resolve(path, layout);
    auto layout_text = ReadFile(layout, "layout file");
    if (!layout_text.ok()) {
      return YamlError(f, p["layout"], kp + ".layout",
                       std::string(layout_text.status().message()));
    }
    // A bad layout is its own error, naming the layout's file and line.
    BW_RETURN_IF_ERROR(
        csv_layout::ParseLayoutYaml(*layout_text, layout).status());
    lc->set_layout(fs::absolute(layout).string());
    layout_hash = record::Sha256Hex(*layout_text);
    std::string tz, cur;
    BW_RETURN_IF_ERROR(ZoneAndCurrency(f, p, kp, "UTC", "USD", &tz, &cur));
    lc->set_time_zone(tz);
    lc->set_currency(cur);
  } else if (src["opendental_db"].IsDefined()) {
    YAML::Node p = src["opendental_db"];
    const std::string kp = "source.opendental_db";
    BW_RETURN_IF_ERROR(CheckKeys(
        f, p, kp,
        {"host", "port", "unix_socket", "database", "user", "password_env",
         "time_zone", "currency", "timeout_seconds"}));
    v1::OpenDentalDbSourceConfig* od = c.source.mutable_opendental_db();
    BW_ASSIGN_OR_RETURN(std::string host,
                        GetString(f, p, kp, "host", false, "127.0.0.1"));
    od->set_host(host);
    BW_ASSIGN_OR_RETURN(int port, GetInt(f, p, kp, "port", 3306));
    if (port < 1 || port > 65535) {
      return YamlError(f, p["port"], kp + ".port", "want 1 to 65535");
    }
    od->set_port(port);
    BW_ASSIGN_OR_RETURN(std::string socket,
                        GetString(f, p, kp, "unix_socket", false));
    od->set_unix_socket(socket);
    BW_ASSIGN_OR_RETURN(std::string database,
                        GetString(f, p, kp, "database", true));
    od->set_database(database);
    BW_ASSIGN_OR_RETURN(std::string user, GetString(f, p, kp, "user", true));
    od->set_user(user);
    // The name of a variable, never the password itself.
    BW_ASSIGN_OR_RETURN(std::string password_env,
                        GetString(f, p, kp, "password_env", false));
    od->set_password_env(password_env);
    std::string tz, cur;
    BW_RETURN_IF_ERROR(ZoneAndCurrency(f, p, kp, "UTC", "USD", &tz, &cur));
    od->set_time_zone(tz);
    od->set_currency(cur);
    BW_ASSIGN_OR_RETURN(int timeout, GetInt(f, p, kp, "timeout_seconds", 10));
    od->set_timeout_seconds(timeout);
  } else if (src["drdentes_api"].IsDefined()) {
    YAML::Node p = src["drdentes_api"];
    const std::string kp = "source.drdentes_api";
    BW_RETURN_IF_ERROR(CheckKeys(
        f, p, kp,
        {"base_url", "token_env", "time_zone", "currency", "page_size"}));
    v1::DrdentesApiSourceConfig* dd = c.source.mutable_drdentes_api();
    BW_ASSIGN_OR_RETURN(std::string url, GetString(f, p, kp, "base_url", true));
    if (!absl::StartsWith(url, "http://") &&
        !absl::StartsWith(url, "https://")) {
      return YamlError(f, p["base_url"], kp + ".base_url",
                       "want an http:// or https:// URL");
    }
    while (absl::EndsWith(url, "/")) url.pop_back();
    dd->set_base_url(url);
    // The name of a variable, never the token itself.
    BW_ASSIGN_OR_RETURN(
        std::string token_env,
        GetString(f, p, kp, "token_env", false, "BRIDGEWORK_DRDENTES_TOKEN"));
    dd->set_token_env(token_env);
    std::string tz, cur;
    BW_RETURN_IF_ERROR(
        ZoneAndCurrency(f, p, kp, "Europe/Istanbul", "TRY", &tz, &cur));
    dd->set_time_zone(tz);
    dd->set_currency(cur);
    BW_ASSIGN_OR_RETURN(int page_size, GetInt(f, p, kp, "page_size", 100));
    if (page_size < 1 || page_size > 500) {
      return YamlError(f, p["page_size"], kp + ".page_size", "want 1 to 500");
    }
    dd->set_page_size(page_size);
  } else {
    return YamlError(f, src, "source",
                     "give the connector's settings (pbn_csv, layout_csv, "
                     "opendental_db or drdentes_api)");
  }

  YAML::Node dst = root["destination"];
  const bool has_destination = dst.IsDefined();
  if (!has_destination && parts.destination)
    return YamlError(f, root, "destination", "required key is missing");
  std::string crm;
  if (has_destination) {
    BW_RETURN_IF_ERROR(CheckKeys(
        f, dst, "destination",
        {"crm", "account", "plan", "fallback_owner_email", "url", "token_env",
         "token_file", "location_id", "company_id", "phi_key_file"}));
    BW_ASSIGN_OR_RETURN(crm, GetString(f, dst, "destination", "crm", true));
    if (crm != "freshsales" && crm != "pipedrive" && crm != "highlevel") {
      return YamlError(f, dst["crm"], "destination.crm",
                       absl::StrCat("unsupported CRM '", crm,
                                    "' (supported: freshsales, highlevel, "
                                    "pipedrive)"));
    }
    c.destination.set_crm(crm);
    BW_ASSIGN_OR_RETURN(std::string account,
                        GetString(f, dst, "destination", "account", true));
    c.destination.set_account(account);
    BW_ASSIGN_OR_RETURN(std::string plan,
                        GetString(f, dst, "destination", "plan", false,
                                  crm == "highlevel" ? "unlimited" : "growth"));
    c.destination.set_plan(plan);
    BW_ASSIGN_OR_RETURN(
        std::string fallback,
        GetString(f, dst, "destination", "fallback_owner_email", true));
    c.destination.set_fallback_owner_email(fallback);
    BW_ASSIGN_OR_RETURN(c.destination_url,
                        GetString(f, dst, "destination", "url", false));
    BW_ASSIGN_OR_RETURN(
        std::string location_id,
        GetString(f, dst, "destination", "location_id", crm == "highlevel"));
    c.destination.set_location_id(location_id);
    BW_ASSIGN_OR_RETURN(std::string company_id,
                        GetString(f, dst, "destination", "company_id", false));
    c.destination.set_company_id(company_id);
    BW_ASSIGN_OR_RETURN(c.token_env,
                        GetString(f, dst, "destination", "token_env", false,
                                  "BRIDGEWORK_CRM_TOKEN"));
    // The path of a file holding the token (a mounted secret), never the
    // token; relative to the config's directory.
    BW_ASSIGN_OR_RETURN(std::string token_file,
                        GetString(f, dst, "destination", "token_file", false));
    if (!token_file.empty()) {
      c.token_file = fs::absolute(Resolve(path, token_file)).string();
    }
    BW_ASSIGN_OR_RETURN(
        std::string phi_key_file,
        GetString(f, dst, "destination", "phi_key_file", false));
    if (!phi_key_file.empty()) {
      c.phi_key_file = fs::absolute(Resolve(path, phi_key_file)).string();
    }
  }

  mapping::Map map;
  bool parse_map = false;
  if (parts.map || root["map"].IsDefined()) {
    BW_ASSIGN_OR_RETURN(std::string map_rel,
                        GetString(f, root, "", "map", true));
    c.map_path = Resolve(path, map_rel);
    auto map_text = ReadFile(c.map_path, "map file");
    // A command that does not need the map (propose writes it) accepts a
    // map that does not exist yet.
    if (!parts.map && absl::IsNotFound(map_text.status())) map_text = "";
    if (!map_text.ok()) {
      return YamlError(f, root["map"], "map",
                       std::string(map_text.status().message()));
    }
    c.map_yaml = *map_text;
    parse_map = parts.map || !c.map_yaml.empty();
  }
  if (parse_map) {
    BW_ASSIGN_OR_RETURN(map, mapping::ParseMap(c.map_yaml, c.map_path));
    if (has_destination && map.destination != crm) {
      return YamlError(f, root["map"], "map",
                       absl::StrCat("the map is for ", map.destination,
                                    ", the destination is ", crm));
    }
  }

  YAML::Node run = root["run"];
  if (run.IsDefined()) {
    BW_RETURN_IF_ERROR(
        CheckKeys(f, run, "run",
                  {"batch_size", "phone_region", "existing", "crm_edited",
                   "before_image", "sample_size", "sample_seed"}));
    BW_ASSIGN_OR_RETURN(c.batch_size, GetInt(f, run, "run", "batch_size", 500));
    if (c.batch_size < 1 || c.batch_size > 1000) {
      return YamlError(f, run["batch_size"], "run.batch_size",
                       "must be 1..1000");
    }
    BW_ASSIGN_OR_RETURN(c.phone_region,
                        GetString(f, run, "run", "phone_region", false, "US"));
    for (const char* key : {"existing", "crm_edited"}) {
      BW_ASSIGN_OR_RETURN(std::string text,
                          GetString(f, run, "run", key, false, "skip"));
      v1::ExistingPolicy policy;
      if (text == "skip") {
        policy = v1::EXISTING_POLICY_SKIP;
      } else if (text == "fill_blanks") {
        policy = v1::EXISTING_POLICY_FILL_BLANKS;
      } else if (text == "overwrite") {
        policy = v1::EXISTING_POLICY_OVERWRITE;
      } else {
        return YamlError(f, run[key], absl::StrCat("run.", key),
                         absl::StrCat("unknown policy '", text,
                                      "' (known: skip, fill_blanks, "
                                      "overwrite)"));
      }
      if (std::string(key) == "existing") {
        c.policy.set_existing(policy);
      } else {
        c.policy.set_crm_edited(policy);
      }
    }
    BW_ASSIGN_OR_RETURN(std::string image,
                        GetString(f, run, "run", "before_image", false, "crm"));
    if (image != "crm" && image != "ledger") {
      return YamlError(
          f, run["before_image"], "run.before_image",
          absl::StrCat("unknown source '", image, "' (known: crm, ledger)"));
    }
    if (image == "ledger" &&
        c.policy.crm_edited() != v1::EXISTING_POLICY_OVERWRITE) {
      return YamlError(f, run["before_image"], "run.before_image",
                       "'ledger' needs run.crm_edited: overwrite (skip and "
                       "fill_blanks compare with the CRM record, which takes "
                       "the read)");
    }
    c.policy.set_before_image_from_ledger(image == "ledger");
    BW_ASSIGN_OR_RETURN(c.sample_size,
                        GetInt(f, run, "run", "sample_size", 200));
    if (c.sample_size < 100 || c.sample_size > 500) {
      return YamlError(f, run["sample_size"], "run.sample_size",
                       "must be 100..500");
    }
    BW_ASSIGN_OR_RETURN(c.sample_seed, GetInt(f, run, "run", "sample_seed", 1));
  }
  YAML::Node svc = root["services"];
  if (svc.IsDefined()) {
    BW_RETURN_IF_ERROR(CheckKeys(
        f, svc, "services", {"extractor", "transformer", "loader", "auditor"}));
    BW_ASSIGN_OR_RETURN(c.services.extractor,
                        GetString(f, svc, "services", "extractor", true));
    BW_ASSIGN_OR_RETURN(c.services.transformer,
                        GetString(f, svc, "services", "transformer", true));
    BW_ASSIGN_OR_RETURN(c.services.loader,
                        GetString(f, svc, "services", "loader", true));
    BW_ASSIGN_OR_RETURN(c.services.auditor,
                        GetString(f, svc, "services", "auditor", true));
  }

  nlohmann::json canon;
  std::string source_json, dest_json;
  google::protobuf::util::JsonPrintOptions opts;
  (void)google::protobuf::util::MessageToJsonString(c.source, &source_json,
                                                    opts);
  (void)google::protobuf::util::MessageToJsonString(c.destination, &dest_json,
                                                    opts);
  canon["source"] = nlohmann::json::parse(source_json);
  canon["destination"] = nlohmann::json::parse(dest_json);
  canon["map_hash"] = map.hash;
  if (!layout_hash.empty()) canon["layout_hash"] = layout_hash;
  canon["batch_size"] = c.batch_size;
  canon["phone_region"] = c.phone_region;
  canon["existing"] = v1::ExistingPolicy_Name(c.policy.existing());
  canon["crm_edited"] = v1::ExistingPolicy_Name(c.policy.crm_edited());
  // Absent by default, so configs without it keep their hash.
  if (c.policy.before_image_from_ledger()) canon["before_image"] = "ledger";
  // The fields that do not simply migrate, so the run record in the ledger
  // says what was hashed, dropped or moved into notes (docs/phi.md). Absent
  // when every field migrates (older runs keep their hash).
  if (nlohmann::json phi = PhiJson(map); !phi.empty()) canon["phi"] = phi;
  c.canonical_json = canon.dump();
  c.hash = record::Sha256Hex(c.canonical_json);
  return c;
}

absl::StatusOr<ServiceAddresses> LoadServiceAddresses(const std::string& path) {
  BW_ASSIGN_OR_RETURN(std::string text, ReadFile(path, "services file"));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not JSON"));
  ServiceAddresses a;
  a.extractor = j.value("extractor", "");
  a.transformer = j.value("transformer", "");
  a.loader = j.value("loader", "");
  a.auditor = j.value("auditor", "");
  if (!a.complete()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": missing a service address"));
  }
  return a;
}

}  // namespace bridgework::cli
