#include "services/extractor/sources/opendental/opendental_db_source.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/csv/csv_reader.h"
#include "libs/mariadb/mariadb.h"
#include "libs/record/value.h"
#include "services/extractor/sources/opendental/opendental_tables.h"

namespace bridgework::extractor {
namespace {

using opendental::EnumDef;
using opendental::TableSpec;

constexpr char kConnector[] = "opendental_db";
constexpr char kCursorPrefix[] = "opendental_db:v1:";

struct Settings {
  mariadb::ConnectOptions connect;
  std::string time_zone;  // never empty
  std::string currency;   // never empty
};

// How a column is read.
enum class Kind {
  kInt,
  kForeignKey,  // 0 is null
  kEnum,        // code -> name
  kBool,
  kMoney,
  kDecimal,
  kDate,
  kDateTime,   // DATETIME, in the practice's zone
  kTimestamp,  // TIMESTAMP, read in UTC (the session's zone)
  kString,
};

struct ColumnPlan {
  std::string name;
  Kind kind = Kind::kString;
  const EnumDef* enum_def = nullptr;  // kEnum
  bool minus_one_null = false;        // kMoney
  std::string references;             // a Reference's table
};

const char* TypeName(Kind kind) {
  switch (kind) {
    case Kind::kInt:
    case Kind::kForeignKey:
      return "int";
    case Kind::kBool:
      return "bool";
    case Kind::kMoney:
      return "money";
    case Kind::kDecimal:
      return "decimal";
    case Kind::kDate:
      return "date";
    case Kind::kDateTime:
    case Kind::kTimestamp:
      return "timestamp";
    case Kind::kEnum:
    case Kind::kString:
      return "string";
  }
  return "string";
}

bool IsIntegerType(std::string_view t) {
  return t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" ||
         t == "bigint" || t == "year";
}

bool IsBinaryType(std::string_view t) {
  return t == "binary" || t == "varbinary" || t == "tinyblob" || t == "blob" ||
         t == "mediumblob" || t == "longblob" || t == "bit" ||
         t == "geometry" || t == "point" || t == "linestring" || t == "polygon";
}

ColumnPlan PlanColumn(const TableSpec& spec, const std::string& name,
                      std::string_view data_type) {
  ColumnPlan plan;
  plan.name = name;
  if (IsIntegerType(data_type)) {
    plan.kind = Kind::kInt;
    if (const opendental::Reference* r = spec.FindReference(name)) {
      plan.kind = Kind::kForeignKey;
      plan.references = r->table;
    } else if (spec.IsOtherForeignKey(name)) {
      plan.kind = Kind::kForeignKey;
    } else if (const EnumDef* e = spec.FindEnum(name)) {
      plan.kind = Kind::kEnum;
      plan.enum_def = e;
    } else if (spec.IsBool(name)) {
      plan.kind = Kind::kBool;
    }
  } else if (data_type == "double" || data_type == "float" ||
             data_type == "real" || data_type == "decimal") {
    plan.kind = spec.IsMoney(name) ? Kind::kMoney : Kind::kDecimal;
    plan.minus_one_null = spec.IsMinusOneNull(name);
  } else if (data_type == "date") {
    plan.kind = Kind::kDate;
  } else if (data_type == "datetime") {
    plan.kind = Kind::kDateTime;
  } else if (data_type == "timestamp") {
    plan.kind = Kind::kTimestamp;
  }
  return plan;
}

absl::StatusOr<std::unique_ptr<mariadb::Connection>> Connect(
    const Settings& settings) {
  return mariadb::Connection::Connect(settings.connect);
}

// The columns of `spec`'s table as the database has them, in table order,
// omitted and binary columns left out. NOT_FOUND when the table, or its
// key column, is missing.
absl::StatusOr<std::vector<ColumnPlan>> PlanTable(mariadb::Connection& conn,
                                                  const Settings& settings,
                                                  const TableSpec& spec) {
  BW_ASSIGN_OR_RETURN(
      std::vector<mariadb::Row> rows,
      conn.Query(absl::StrCat(
          "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
          "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ",
          conn.Quote(spec.table), " ORDER BY ORDINAL_POSITION")));
  const std::string where =
      absl::StrCat("database '", settings.connect.database, "' at ",
                   mariadb::ServerName(settings.connect));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(kConnector, ": table '", spec.table,
                                            "' not found in ", where));
  }
  std::vector<ColumnPlan> plans;
  bool has_key = false;
  for (const mariadb::Row& row : rows) {
    if (row.size() != 2 || !row[0] || !row[1]) continue;
    const std::string& name = *row[0];
    const std::string& type = *row[1];
    if (spec.IsOmitted(name) || IsBinaryType(type)) continue;
    if (name == spec.key) has_key = true;
    plans.push_back(PlanColumn(spec, name, type));
  }
  if (!has_key) {
    return absl::NotFoundError(
        absl::StrCat(kConnector, ": table '", spec.table, "' in ", where,
                     " has no key column '", spec.key, "'"));
  }
  return plans;
}

bool IsZeroDate(std::string_view text) {
  return text.substr(0, 10) == "0001-01-01" ||
         text.substr(0, 10) == "0000-00-00";
}

// Converts one cell. Returns why it cannot (never containing the value),
// or sets *out.
std::optional<std::string> ConvertCell(const ColumnPlan& column,
                                       const std::optional<std::string>& cell,
                                       const Settings& settings,
                                       v1::Value* out) {
  if (!cell) {
    out->set_null_value(true);
    return std::nullopt;
  }
  const std::string& text = *cell;
  switch (column.kind) {
    case Kind::kString:
      if (text.empty()) {
        out->set_null_value(true);
      } else if (!csv::IsValidUtf8(text)) {
        return "not valid UTF-8";
      } else {
        out->set_string_value(text);
      }
      return std::nullopt;
    case Kind::kInt:
    case Kind::kForeignKey:
    case Kind::kEnum:
    case Kind::kBool: {
      int64_t i = 0;
      if (!absl::SimpleAtoi(text, &i)) return "not a whole number";
      if (column.kind == Kind::kInt) {
        out->set_int_value(i);
      } else if (column.kind == Kind::kForeignKey) {
        if (i == 0) {
          out->set_null_value(true);
        } else {
          out->set_int_value(i);
        }
      } else if (column.kind == Kind::kBool) {
        out->set_bool_value(i != 0);
      } else {
        const char* name = column.enum_def->Find(i);
        if (name == nullptr) return absl::StrCat("unknown value ", i);
        out->set_string_value(name);
      }
      return std::nullopt;
    }
    case Kind::kMoney:
    case Kind::kDecimal: {
      const bool money = column.kind == Kind::kMoney;
      absl::StatusOr<v1::Decimal> d =
          record::ParseDecimal(text, money ? settings.currency : "");
      if (!d.ok()) {
        return absl::StrCat(money ? "not an amount" : "not a decimal number",
                            " (", d.status().message(), ")");
      }
      if (column.minus_one_null && d->unscaled() != 0 && d->scale() >= 0) {
        int64_t minus_one = -1;
        for (int s = 0; s < d->scale(); ++s) minus_one *= 10;
        if (d->unscaled() == minus_one) {
          out->set_null_value(true);
          return std::nullopt;
        }
      }
      *out->mutable_decimal_value() = *d;
      return std::nullopt;
    }
    case Kind::kDate: {
      if (IsZeroDate(text)) {
        out->set_null_value(true);
        return std::nullopt;
      }
      absl::StatusOr<v1::Date> d = record::ParseDate(text);
      if (!d.ok()) return std::string(d.status().message());
      *out->mutable_date_value() = *d;
      return std::nullopt;
    }
    case Kind::kDateTime:
    case Kind::kTimestamp: {
      if (IsZeroDate(text)) {
        out->set_null_value(true);
        return std::nullopt;
      }
      const bool utc = column.kind == Kind::kTimestamp;
      absl::StatusOr<v1::Timestamp> t =
          record::ParseTimestamp(text, utc ? "UTC" : settings.time_zone);
      if (!t.ok()) return std::string(t.status().message());
      t->set_zone(settings.time_zone);
      *out->mutable_timestamp_value() = *t;
      return std::nullopt;
    }
  }
  return "unknown column kind";
}

std::string EncodeCursor(const TableSpec& spec,
                         const std::optional<int64_t>& last_key) {
  return absl::StrCat(kCursorPrefix, spec.table, ":",
                      last_key ? absl::StrCat(*last_key) : "");
}

// The last key a cursor names; nullopt for a cursor at the start.
absl::StatusOr<std::optional<int64_t>> DecodeCursor(const TableSpec& spec,
                                                    const std::string& cursor) {
  std::vector<std::string> parts = absl::StrSplit(cursor, ':');
  if (parts.size() != 4 ||
      absl::StrCat(parts[0], ":", parts[1], ":") != kCursorPrefix) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed cursor for ", kConnector, " table '",
                     spec.table, "' (want ", kCursorPrefix, "<table>:<key>)"));
  }
  if (parts[2] != spec.table) {
    return absl::InvalidArgumentError(
        absl::StrCat("the cursor belongs to object '", parts[2], "', not '",
                     spec.table, "'"));
  }
  if (parts[3].empty()) return std::optional<int64_t>();
  int64_t key = 0;
  if (!absl::SimpleAtoi(parts[3], &key)) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed cursor for ", kConnector, " table '",
                     spec.table, "' (the key is not a whole number)"));
  }
  return std::optional<int64_t>(key);
}

class OpenDentalRecordReader : public RecordReader {
 public:
  OpenDentalRecordReader(const Settings& settings, const TableSpec& spec,
                         std::vector<ColumnPlan> columns,
                         std::unique_ptr<mariadb::Connection> conn,
                         std::optional<int64_t> last_key,
                         const std::optional<v1::Timestamp>& since)
      : settings_(settings),
        spec_(spec),
        columns_(std::move(columns)),
        conn_(std::move(conn)),
        last_key_(last_key) {
    std::vector<std::string> selected;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const ColumnPlan& c = columns_[i];
      std::string id = mariadb::QuoteIdentifier(c.name);
      if (c.name == spec_.key) key_index_ = static_cast<int>(i);
      if (c.name == spec_.updated_at) updated_index_ = static_cast<int>(i);
      // Amounts are stored as DOUBLE; cents are what they mean.
      selected.push_back(c.kind == Kind::kMoney
                             ? absl::StrCat("CAST(", id, " AS DECIMAL(20,2))")
                             : id);
    }
    select_ = absl::StrCat("SELECT ", absl::StrJoin(selected, ", "), " FROM ",
                           mariadb::QuoteIdentifier(spec_.table));
    if (since && updated_index_ >= 0) {
      // DateTStamp-like TIMESTAMPs compare in the session's zone (UTC);
      // procnote's DATETIME in the practice's.
      absl::TimeZone zone = absl::UTCTimeZone();
      if (spec_.updated_at_local) {
        absl::LoadTimeZone(settings_.time_zone, &zone);  // checked in Make
      }
      const std::string at =
          absl::FormatTime("%Y-%m-%d %H:%M:%S",
                           absl::FromUnixSeconds(since->unix_seconds()), zone);
      const std::string column = mariadb::QuoteIdentifier(spec_.updated_at);
      since_clause_ =
          absl::StrCat("(", column, " > '", at, "' OR ", column, " IS NULL)");
    }
  }

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    out->Clear();
    out->set_object_type(spec_.table);
    std::vector<std::string> conditions;
    if (last_key_) {
      conditions.push_back(
          absl::StrCat(mariadb::QuoteIdentifier(spec_.key), " > ", *last_key_));
    }
    if (!since_clause_.empty()) conditions.push_back(since_clause_);
    std::string sql = select_;
    if (!conditions.empty()) {
      absl::StrAppend(&sql, " WHERE ", absl::StrJoin(conditions, " AND "));
    }
    absl::StrAppend(&sql, " ORDER BY ", mariadb::QuoteIdentifier(spec_.key),
                    " LIMIT ", std::max(max_records, 1));
    BW_ASSIGN_OR_RETURN(std::vector<mariadb::Row> rows, Query(sql));
    for (const mariadb::Row& row : rows) BW_RETURN_IF_ERROR(Process(row, out));
    out->set_cursor(EncodeCursor(spec_, last_key_));
    return !rows.empty();
  }

 private:
  // Runs `sql`, reconnecting once when the connection was lost (keyset
  // pages are stateless, so the retry reads the same page).
  absl::StatusOr<std::vector<mariadb::Row>> Query(const std::string& sql) {
    absl::StatusOr<std::vector<mariadb::Row>> rows = conn_->Query(sql);
    if (!absl::IsUnavailable(rows.status())) return rows;
    BW_ASSIGN_OR_RETURN(conn_, Connect(settings_));
    return conn_->Query(sql);
  }

  void Reject(v1::RecordBatch* out, const std::string& key,
              const std::string& field, std::string_view why) {
    v1::Rejection* r = out->add_rejections();
    r->set_object_type(spec_.table);
    r->set_source_key(key);
    r->mutable_location()->set_file(spec_.table);
    r->mutable_location()->set_record(key);
    r->set_field(field);
    r->set_reason(absl::StrCat(spec_.table, " ", key.empty() ? "?" : key, ": ",
                               field, field.empty() ? "" : ": ", ToAbsl(why)));
    r->set_stage("extract");
  }

  // Turns one row into a record or a rejection in `out`. Fails only on a
  // key that is not a whole number, which no Open Dental table has (every
  // key is a bigint): paging could not get past it.
  absl::Status Process(const mariadb::Row& row, v1::RecordBatch* out) {
    const std::optional<std::string>& key_cell = row[key_index_];
    int64_t key = 0;
    if (!key_cell || !absl::SimpleAtoi(*key_cell, &key)) {
      return absl::FailedPreconditionError(absl::StrCat(
          kConnector, ": table '", spec_.table, "' has a row whose key ",
          spec_.key, " is not a whole number"));
    }
    last_key_ = key;
    const std::string key_text = absl::StrCat(key);
    // Built in place (in the batch's arena when it has one); taken back
    // when the row turns out unreadable.
    v1::Record& rec = *out->add_records();
    auto& fields = *rec.mutable_fields();
    for (size_t i = 0; i < columns_.size(); ++i) {
      const ColumnPlan& column = columns_[i];
      v1::Value& value = fields[column.name];
      if (auto error = ConvertCell(column, row[i], settings_, &value)) {
        out->mutable_records()->RemoveLast();
        Reject(out, key_text, column.name, *error);
        return absl::OkStatus();
      }
    }
    if (updated_index_ >= 0) {
      const v1::Value& updated = fields[spec_.updated_at];
      if (updated.has_timestamp_value()) {
        *rec.mutable_source_updated_at() = updated.timestamp_value();
      }
    }
    rec.set_object_type(spec_.table);
    rec.set_source_key(key_text);
    rec.set_fingerprint(record::Fingerprint(rec.fields()));
    rec.mutable_location()->set_file(spec_.table);
    rec.mutable_location()->set_record(key_text);
    return absl::OkStatus();
  }

  const Settings settings_;
  const TableSpec& spec_;
  const std::vector<ColumnPlan> columns_;
  std::unique_ptr<mariadb::Connection> conn_;
  std::optional<int64_t> last_key_;
  std::string select_;
  std::string since_clause_;
  int key_index_ = -1;      // always >= 0: PlanTable checks the key
  int updated_index_ = -1;  // -1: no change-time column
};

class OpenDentalDbSource : public SourceConnector {
 public:
  explicit OpenDentalDbSource(Settings settings)
      : settings_(std::move(settings)) {}

  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override {
    BW_ASSIGN_OR_RETURN(std::unique_ptr<mariadb::Connection> conn,
                        Connect(settings_));
    BW_ASSIGN_OR_RETURN(
        std::vector<mariadb::Row> rows,
        conn->Query("SELECT TABLE_NAME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE()"));
    absl::flat_hash_set<std::string> present;
    for (const mariadb::Row& row : rows) {
      if (!row.empty() && row[0]) present.insert(*row[0]);
    }
    std::vector<v1::ObjectInfo> out;
    for (const TableSpec& spec : opendental::Tables()) {
      if (!present.contains(spec.table)) continue;
      v1::ObjectInfo info;
      info.set_object_type(spec.table);
      info.set_location(
          absl::StrCat(settings_.connect.database, ".", spec.table));
      for (const char* d : spec.DependsOn()) info.add_depends_on(d);
      out.push_back(std::move(info));
    }
    return out;
  }

  absl::StatusOr<v1::ObjectSchema> Describe(
      const std::string& object) override {
    BW_ASSIGN_OR_RETURN(const TableSpec* spec, Find(object));
    BW_ASSIGN_OR_RETURN(std::unique_ptr<mariadb::Connection> conn,
                        Connect(settings_));
    BW_ASSIGN_OR_RETURN(std::vector<ColumnPlan> columns,
                        PlanTable(*conn, settings_, *spec));
    v1::ObjectSchema schema;
    schema.set_object_type(spec->table);
    schema.set_key_field(spec->key);
    schema.set_updated_at_field(spec->updated_at);
    for (const ColumnPlan& c : columns) {
      v1::FieldSchema* f = schema.add_fields();
      f->set_name(c.name);
      f->set_type(TypeName(c.kind));
      f->set_required(c.name == spec->key);
      f->set_references(c.references);
    }
    return schema;
  }

  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) override {
    BW_ASSIGN_OR_RETURN(const TableSpec* spec, Find(object));
    std::optional<int64_t> last_key;
    if (!cursor.empty()) {
      BW_ASSIGN_OR_RETURN(last_key, DecodeCursor(*spec, cursor));
    }
    BW_ASSIGN_OR_RETURN(std::unique_ptr<mariadb::Connection> conn,
                        Connect(settings_));
    BW_ASSIGN_OR_RETURN(std::vector<ColumnPlan> columns,
                        PlanTable(*conn, settings_, *spec));
    return std::unique_ptr<RecordReader>(
        new OpenDentalRecordReader(settings_, *spec, std::move(columns),
                                   std::move(conn), last_key, since));
  }

 private:
  static absl::StatusOr<const TableSpec*> Find(const std::string& object) {
    const TableSpec* spec = opendental::FindTable(object);
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const TableSpec& t : opendental::Tables()) known.push_back(t.table);
      return UnknownObjectError(kConnector, object, std::move(known));
    }
    return spec;
  }

  const Settings settings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SourceConnector>> MakeOpenDentalDbSource(
    const v1::OpenDentalDbSourceConfig& config) {
  Settings s;
  s.connect.host = config.host().empty() ? "127.0.0.1" : config.host();
  s.connect.port = config.port() == 0 ? 3306 : config.port();
  s.connect.unix_socket = config.unix_socket();
  s.connect.database = config.database();
  s.connect.user = config.user();
  s.connect.timeout_seconds =
      config.timeout_seconds() > 0 ? config.timeout_seconds() : 10;
  s.time_zone = config.time_zone().empty() ? "UTC" : config.time_zone();
  s.currency = config.currency().empty() ? "USD" : config.currency();
  if (s.connect.database.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConnector, ".database is required"));
  }
  if (s.connect.user.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConnector, ".user is required"));
  }
  if (s.connect.port < 0 || s.connect.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(kConnector, ".port: want 1 to 65535"));
  }
  if (!config.password_env().empty()) {
    const char* password = std::getenv(config.password_env().c_str());
    if (password == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(kConnector, ".password_env: the environment variable ",
                       config.password_env(), " is not set"));
    }
    s.connect.password = password;
  }
  BW_RETURN_IF_ERROR(CheckZoneAndCurrency(kConnector, s.time_zone, s.currency));
  return std::unique_ptr<SourceConnector>(new OpenDentalDbSource(std::move(s)));
}

}  // namespace bridgework::extractor
