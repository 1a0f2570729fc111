#include "services/extractor/sources/drdentes/drdentes_api_source.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/crm/rest_transport.h"
#include "libs/crm/wire_util.h"
#include "libs/record/tooth.h"
#include "libs/record/value.h"
#include "services/extractor/sources/drdentes/drdentes_objects.h"

namespace bridgework::extractor {
namespace {

using drdentes::FieldSpec;
using drdentes::Kind;
using drdentes::ObjectSpec;
using Json = nlohmann::json;

constexpr char kConnector[] = "drdentes_api";
constexpr char kCursorPrefix[] = "drdentes_api:v1:";
constexpr int kMaxAttempts = 6;

struct Settings {
  std::string base_url;  // no trailing slash
  std::string token;
  std::string token_env;
  std::string time_zone;
  std::string currency;
  int page_size = 100;
};

// The API's message from an error body ({"error":{"message":...}}); the
// API's messages name parameters, not record values.
std::string ErrorMessage(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto e = j.find("error");
    if (e != j.end() && e->is_object() && e->contains("message") &&
        (*e)["message"].is_string()) {
      return (*e)["message"].get<std::string>();
    }
    if (e != j.end() && e->is_string()) return e->get<std::string>();
    if (j.contains("message") && j["message"].is_string()) {
      return j["message"].get<std::string>();
    }
  }
  return "no error message";
}

// Maps a transport failure of `where` ("GET /appointments, page 2") onto
// the connector's error contract, naming the server.
absl::Status Explain(const absl::Status& s, const Settings& settings,
                     const std::string& where) {
  const std::string message(s.message());
  const std::string server = settings.base_url;
  switch (s.code()) {
    case absl::StatusCode::kUnauthenticated:
      return absl::UnauthenticatedError(absl::StrCat(
          kConnector, ": ", server, " refused the access token from $",
          settings.token_env, " on ", where, " (", message, ")"));
    case absl::StatusCode::kResourceExhausted:
      return absl::UnavailableError(absl::StrCat(
          kConnector, ": ", server, " kept answering 429 Too Many Requests on ",
          where, " after ", kMaxAttempts, " attempts; try again later"));
    case absl::StatusCode::kUnavailable:
      if (absl::StartsWith(message, "HTTP ")) {
        return absl::UnavailableError(absl::StrCat(kConnector, ": ", server,
                                                   " kept failing on ", where,
                                                   " (", message, ")"));
      }
      return absl::UnavailableError(absl::StrCat(kConnector, ": cannot reach ",
                                                 server, " (", message, ")"));
    default:
      return absl::Status(
          s.code(), absl::StrCat(kConnector, ": ", server, " answered ", where,
                                 " with ", message));
  }
}

std::optional<int64_t> WholeNumber(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  int64_t i = 0;
  if (v.is_string() && absl::SimpleAtoi(v.get<std::string>(), &i)) return i;
  return std::nullopt;
}

std::string CodeList(const drdentes::EnumCodes& codes) {
  std::vector<std::string> names;
  for (const auto& [code, name] : codes) names.push_back(code);
  return absl::StrJoin(names, ", ");
}

// Converts one wire value. Returns why it cannot (never containing the
// value), or sets *out.
std::optional<std::string> Convert(const FieldSpec& field, const Json& v,
                                   const Settings& settings,
                                   const std::string& currency,
                                   v1::Value* out) {
  if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) {
    if (field.required) return "required field is missing";
    out->set_null_value(true);
    return std::nullopt;
  }
  switch (field.kind) {
    case Kind::kString:
      if (v.is_string()) {
        out->set_string_value(v.get<std::string>());
      } else if (v.is_number() || v.is_boolean()) {
        out->set_string_value(v.dump());
      } else {
        return "not text";
      }
      return std::nullopt;
    case Kind::kInt:
    case Kind::kReference: {
      std::optional<int64_t> i = WholeNumber(v);
      if (!i) {
        return field.kind == Kind::kReference ? "not a record id"
                                              : "not a whole number";
      }
      out->set_int_value(*i);
      return std::nullopt;
    }
    case Kind::kDecimal:
    case Kind::kMoney: {
      const bool money = field.kind == Kind::kMoney;
      std::string text;
      if (v.is_string()) {
        text = v.get<std::string>();
      } else if (v.is_number()) {
        text = v.dump();
      } else {
        return money ? "not an amount" : "not a decimal number";
      }
      absl::StatusOr<v1::Decimal> d =
          record::ParseDecimal(text, money ? currency : "");
      if (!d.ok()) return money ? "not an amount" : "not a decimal number";
      *out->mutable_decimal_value() = *d;
      return std::nullopt;
    }
    case Kind::kBool:
      if (v.is_boolean()) {
        out->set_bool_value(v.get<bool>());
      } else if (std::optional<int64_t> i = WholeNumber(v);
                 i && (*i == 0 || *i == 1)) {
        out->set_bool_value(*i == 1);
      } else if (v == "true" || v == "false") {
        out->set_bool_value(v == "true");
      } else {
        return "not true or false";
      }
      return std::nullopt;
    case Kind::kDate: {
      if (!v.is_string()) return "not a date (want YYYY-MM-DD)";
      absl::StatusOr<v1::Date> d = record::ParseDate(v.get<std::string>());
      if (!d.ok()) return std::string(d.status().message());
      *out->mutable_date_value() = *d;
      return std::nullopt;
    }
    case Kind::kTimestamp: {
      if (!v.is_string()) return "not a date-time (want RFC 3339)";
      absl::StatusOr<v1::Timestamp> t =
          record::ParseTimestamp(v.get<std::string>(), settings.time_zone);
      if (!t.ok()) return "not a date-time (want RFC 3339)";
      t->set_zone(settings.time_zone);
      *out->mutable_timestamp_value() = *t;
      return std::nullopt;
    }
    case Kind::kEnum: {
      if (v.is_string()) {
        for (const auto& [code, name] : *field.codes) {
          if (code == v.get<std::string>()) {
            out->set_string_value(name);
            return std::nullopt;
          }
        }
      }
      return absl::StrCat("unknown code (want one of ", CodeList(*field.codes),
                          ")");
    }
    case Kind::kTooth:
    case Kind::kTeeth: {
      std::string text =
          v.is_string() ? v.get<std::string>()
                        : (v.is_number_integer() ? v.dump() : std::string());
      std::vector<std::string> teeth =
          field.kind == Kind::kTooth
              ? std::vector<std::string>{text}
              : std::vector<std::string>(absl::StrSplit(text, ','));
      for (std::string& t : teeth) {
        t = std::string(absl::StripAsciiWhitespace(t));
        if (!record::IsToothNumber(t, record::ToothNumbering::kFdi)) {
          return "not an FDI tooth number (want 11-48 or 51-85)";
        }
      }
      out->set_string_value(absl::StrJoin(teeth, ", "));
      return std::nullopt;
    }
  }
  return "unknown field kind";
}

// An undeclared wire field, passed through as faithfully as its JSON type
// allows.
v1::Value PassThrough(const Json& v) {
  if (v.is_null()) return record::NullValue();
  if (v.is_boolean()) return record::BoolValue(v.get<bool>());
  if (std::optional<int64_t> i = WholeNumber(v); i && !v.is_string()) {
    return record::IntValue(*i);
  }
  if (v.is_number()) {
    absl::StatusOr<v1::Decimal> d = record::ParseDecimal(v.dump(), "");
    if (d.ok()) {
      v1::Value out;
      *out.mutable_decimal_value() = *d;
      return out;
    }
  }
  if (v.is_string()) {
    return v.get<std::string>().empty()
               ? record::NullValue()
               : record::StringValue(v.get<std::string>());
  }
  return record::StringValue(v.dump());
}

bool After(const v1::Timestamp& a, const v1::Timestamp& b) {
  return a.unix_seconds() != b.unix_seconds()
             ? a.unix_seconds() > b.unix_seconds()
             : a.nanos() > b.nanos();
}

struct Page {
  std::vector<Json> data;
  std::string next;  // "" on the last page
};

struct Position {
  int64_t page_no = 1;
  int64_t skip = 0;
  std::string page_cursor;  // "" for the first page
};

std::string EncodeCursor(const ObjectSpec& spec, const Position& p) {
  return absl::StrCat(kCursorPrefix, spec.object, ":", p.page_no, ":", p.skip,
                      ":", p.page_cursor);
}

absl::StatusOr<Position> DecodeCursor(const ObjectSpec& spec,
                                      const std::string& cursor) {
  std::vector<std::string> parts =
      absl::StrSplit(cursor, absl::MaxSplits(':', 5));
  const std::string want = absl::StrCat(
      "malformed cursor for ", kConnector, " object '", spec.object, "' (want ",
      kCursorPrefix, "<object>:<page>:<skip>:<api cursor>)");
  if (parts.size() != 6 ||
      absl::StrCat(parts[0], ":", parts[1], ":") != kCursorPrefix) {
    return absl::InvalidArgumentError(want);
  }
  if (parts[2] != spec.object) {
    return absl::InvalidArgumentError(
        absl::StrCat("the cursor belongs to object '", parts[2], "', not '",
                     spec.object, "'"));
  }
  Position p;
  if (!absl::SimpleAtoi(parts[3], &p.page_no) || p.page_no < 1 ||
      !absl::SimpleAtoi(parts[4], &p.skip) || p.skip < 0) {
    return absl::InvalidArgumentError(want);
  }
  p.page_cursor = parts[5];
  return p;
}

std::unique_ptr<crm::RestTransport> MakeTransport(
    const Settings& settings, const DrdentesApiDeps& deps,
    std::shared_ptr<crm::Pacer> pacer) {
  crm::RestOptions options;
  options.base_url = settings.base_url;
  options.auth_headers = {"Authorization: Bearer " + settings.token};
  options.pacer = std::move(pacer);
  options.max_attempts = kMaxAttempts;
  options.error_message = ErrorMessage;
  options.rate_reset_header = "x-ratelimit-reset";
  return std::make_unique<crm::RestTransport>(
      std::move(options), deps.http ? deps.http() : crm::MakeCurlHttpClient(),
      deps.clock, deps.sleeper);
}

// "GET /appointments, page 2".
std::string Where(const ObjectSpec& spec, int64_t page_no) {
  return absl::StrCat("GET ", spec.path, ", page ", page_no);
}

// Reads one page of `spec` starting at the API cursor `page_cursor`.
absl::StatusOr<Page> FetchPage(crm::RestTransport& transport,
                               const Settings& settings, const ObjectSpec& spec,
                               const Position& at,
                               const std::optional<v1::Timestamp>& since) {
  std::vector<std::pair<std::string, std::string>> query = {
      {"per_page", absl::StrCat(settings.page_size)}};
  if (!at.page_cursor.empty()) query.push_back({"cursor", at.page_cursor});
  if (since) {
    query.push_back(
        {"updated_since",
         absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(since->unix_seconds()),
                          absl::UTCTimeZone())});
  }
  const std::string where = Where(spec, at.page_no);
  absl::StatusOr<crm::HttpResponse> response = transport.Call(
      "GET", spec.path + crm::QueryString(query), "", /*idempotent=*/true);
  if (!response.ok()) return Explain(response.status(), settings, where);
  Json body = Json::parse(response->body, nullptr, false);
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array()) {
    return absl::InternalError(
        absl::StrCat(kConnector, ": ", settings.base_url, " answered ", where,
                     " with something other than a page ({\"data\":[...],"
                     "\"meta\":{...}})"));
  }
  Page page;
  page.data = std::move(body["data"].get_ref<Json::array_t&>());
  const Json& meta = body.value("meta", Json::object());
  if (meta.is_object() && meta.contains("next_cursor") &&
      meta["next_cursor"].is_string()) {
    page.next = meta["next_cursor"].get<std::string>();
  }
  if (!page.next.empty() && page.next == at.page_cursor) {
    return absl::InternalError(
        absl::StrCat(kConnector, ": ", settings.base_url, " answered ", where,
                     " with the cursor it was asked for (the listing would "
                     "never end)"));
  }
  return page;
}

class DrdentesRecordReader : public RecordReader {
 public:
  DrdentesRecordReader(const Settings& settings, const ObjectSpec& spec,
                       std::unique_ptr<crm::RestTransport> transport,
                       Position at, const std::optional<v1::Timestamp>& since)
      : settings_(settings),
        spec_(spec),
        transport_(std::move(transport)),
        at_(std::move(at)),
        since_(since) {}

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    out->Clear();
    out->set_object_type(spec_.object);
    int entries = 0;
    while (entries < max_records && !done_) {
      if (!page_) {
        BW_ASSIGN_OR_RETURN(
            Page page, FetchPage(*transport_, settings_, spec_, at_, since_));
        page_ = std::move(page);
        // A resumed page may have shrunk since the cursor was taken.
        at_.skip = std::min<int64_t>(at_.skip, page_->data.size());
      }
      if (at_.skip < static_cast<int64_t>(page_->data.size())) {
        entries += Process(page_->data[at_.skip], out);
        ++at_.skip;
      }
      if (at_.skip >= static_cast<int64_t>(page_->data.size())) Advance();
    }
    out->set_cursor(EncodeCursor(spec_, at_));
    return entries > 0;
  }

 private:
  // Moves past a consumed page, without reading the next one.
  void Advance() {
    if (page_->next.empty()) {
      done_ = true;
      return;
    }
    at_.page_cursor = page_->next;
    ++at_.page_no;
    at_.skip = 0;
    page_.reset();
  }

  void Reject(v1::RecordBatch* out, const std::string& key,
              const std::string& field, std::string_view why) {
    v1::Rejection* r = out->add_rejections();
    r->set_object_type(spec_.object);
    r->set_source_key(key);
    r->mutable_location()->set_file(spec_.path);
    r->mutable_location()->set_record(key);
    r->set_field(field);
    r->set_reason(
        absl::StrCat(spec_.object, " ", key.empty() ? "?" : key, " (",
                     Where(spec_, at_.page_no),
                     key.empty() ? absl::StrCat(", record ", at_.skip + 1) : "",
                     "): ", field, field.empty() ? "" : ": ", ToAbsl(why)));
    r->set_stage("extract");
  }

  // Turns one wire record into a record or a rejection in `out`. Returns
  // the entries added: 0 when `since` drops the record.
  int Process(const Json& wire, v1::RecordBatch* out) {
    if (!wire.is_object()) {
      Reject(out, "", "", "not a JSON object");
      return 1;
    }
    std::optional<int64_t> id;
    if (auto it = wire.find("id"); it != wire.end()) id = WholeNumber(*it);
    if (!id) {
      Reject(out, "", "id", "missing or not a whole number");
      return 1;
    }
    const std::string key = absl::StrCat(*id);
    std::string currency = settings_.currency;
    if (auto it = wire.find("currency"); it != wire.end() && it->is_string() &&
                                         it->get<std::string>().size() == 3) {
      currency = it->get<std::string>();
    }
    // Built in place (in the batch's arena when it has one); taken back
    // when the record is unreadable or older than `since`.
    v1::Record& rec = *out->add_records();
    auto& fields = *rec.mutable_fields();
    fields[spec_.key] = record::IntValue(*id);
    static const Json* kNull = new Json();
    for (const FieldSpec& f : spec_.fields) {
      auto it = wire.find(f.name);
      const Json& v = it == wire.end() ? *kNull : *it;
      if (auto error = Convert(f, v, settings_, currency, &fields[f.name])) {
        out->mutable_records()->RemoveLast();
        Reject(out, key, f.name, *error);
        return 1;
      }
    }
    for (const auto& [name, v] : wire.items()) {
      if (name == "id" || spec_.Find(name) != nullptr || fields.contains(name))
        continue;
      fields[name] = PassThrough(v);
    }
    const v1::Value& updated = fields["updated_at"];
    if (updated.has_timestamp_value()) {
      *rec.mutable_source_updated_at() = updated.timestamp_value();
      if (since_ && !After(updated.timestamp_value(), *since_)) {
        out->mutable_records()->RemoveLast();
        return 0;
      }
    }
    rec.set_object_type(spec_.object);
    rec.set_source_key(key);
    rec.set_fingerprint(record::Fingerprint(rec.fields()));
    rec.mutable_location()->set_file(spec_.path);
    rec.mutable_location()->set_record(key);
    return 1;
  }

  const Settings settings_;
  const ObjectSpec& spec_;
  std::unique_ptr<crm::RestTransport> transport_;
  Position at_;
  const std::optional<v1::Timestamp> since_;
  std::optional<Page> page_;
  bool done_ = false;
};

class DrdentesApiSource : public SourceConnector {
 public:
  DrdentesApiSource(Settings settings, DrdentesApiDeps deps)
      : settings_(std::move(settings)),
        deps_(std::move(deps)),
        // Well under any plausible limit; 429s are honoured on top.
        pacer_(
            std::make_shared<crm::Pacer>(10, 20, deps_.clock, deps_.sleeper)) {}

  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override {
    // One small request, so that a wrong token or an unreachable server
    // shows here rather than halfway through a run.
    const ObjectSpec& first = drdentes::Objects().front();
    Settings probe = settings_;
    probe.page_size = 1;
    std::unique_ptr<crm::RestTransport> transport =
        MakeTransport(settings_, deps_, pacer_);
    BW_RETURN_IF_ERROR(
        FetchPage(*transport, probe, first, Position(), std::nullopt).status());
    std::vector<v1::ObjectInfo> out;
    for (const ObjectSpec& spec : drdentes::Objects()) {
      v1::ObjectInfo info;
      info.set_object_type(spec.object);
      info.set_location(settings_.base_url + spec.path);
      for (const std::string& d : spec.DependsOn()) info.add_depends_on(d);
      out.push_back(std::move(info));
    }
    return out;
  }

  absl::StatusOr<v1::ObjectSchema> Describe(
      const std::string& object) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Find(object));
    v1::ObjectSchema schema;
    schema.set_object_type(spec->object);
    schema.set_key_field(spec->key);
    schema.set_updated_at_field("updated_at");
    v1::FieldSchema* key = schema.add_fields();
    key->set_name(spec->key);
    key->set_type("int");
    key->set_required(true);
    for (const FieldSpec& f : spec->fields) {
      v1::FieldSchema* out = schema.add_fields();
      out->set_name(f.name);
      out->set_type(drdentes::TypeName(f.kind));
      out->set_required(f.required);
      out->set_references(f.references);
    }
    return schema;
  }

  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Find(object));
    Position at;
    if (!cursor.empty()) {
      BW_ASSIGN_OR_RETURN(at, DecodeCursor(*spec, cursor));
    }
    return std::unique_ptr<RecordReader>(new DrdentesRecordReader(
        settings_, *spec, MakeTransport(settings_, deps_, pacer_),
        std::move(at), since));
  }

 private:
  static absl::StatusOr<const ObjectSpec*> Find(const std::string& object) {
    const ObjectSpec* spec = drdentes::FindObject(object);
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const ObjectSpec& s : drdentes::Objects()) known.push_back(s.object);
      return UnknownObjectError(kConnector, object, std::move(known));
    }
    return spec;
  }

  const Settings settings_;
  const DrdentesApiDeps deps_;
  const std::shared_ptr<crm::Pacer> pacer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SourceConnector>> MakeDrdentesApiSource(
    const v1::DrdentesApiSourceConfig& config, DrdentesApiDeps deps) {
  Settings s;
  s.base_url = config.base_url();
  while (absl::EndsWith(s.base_url, "/")) s.base_url.pop_back();
  s.token_env = config.token_env().empty() ? "BRIDGEWORK_DRDENTES_TOKEN"
                                           : config.token_env();
  s.time_zone =
      config.time_zone().empty() ? "Europe/Istanbul" : config.time_zone();
  s.currency = config.currency().empty() ? "TRY" : config.currency();
  s.page_size = config.page_size() == 0 ? 100 : config.page_size();
  if (!absl::StartsWith(s.base_url, "http://") &&
      !absl::StartsWith(s.base_url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConnector,
                     ".base_url: want an http:// or https:// URL such as "
                     "https://<firm>.drdentes.example/api/v1"));
  }
  if (s.page_size < 1 || s.page_size > 500) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConnector, ".page_size: want 1 to 500"));
  }
  const char* token = std::getenv(s.token_env.c_str());
  if (token == nullptr || *token == '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        kConnector, ".token_env: the environment variable ", s.token_env,
        " of the extractor process is not set (it holds the access token)"));
  }
  s.token = token;
  BW_RETURN_IF_ERROR(CheckZoneAndCurrency(kConnector, s.time_zone, s.currency));
  return std::unique_ptr<SourceConnector>(
      new DrdentesApiSource(std::move(s), std::move(deps)));
}

}  // namespace bridgework::extractor
