#include "services/extractor/sources/pbn/pbn_csv_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/csv/csv_reader.h"
#include "libs/record/value.h"
#include "services/extractor/sources/file_attachment.h"
#include "services/extractor/sources/pbn/pbn_layout.h"

namespace bridgework::extractor {
namespace {

using pbn::ColumnSpec;
using pbn::ColumnType;
using pbn::ObjectSpec;

constexpr char kCursorPrefix[] = "pbn_csv:v1:";

struct Settings {
  std::string directory;
  std::string time_zone;  // never empty
  std::string currency;   // never empty
};

std::string_view Trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
  };
  size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool After(const v1::Timestamp& t, const v1::Timestamp& since) {
  return t.unix_seconds() > since.unix_seconds() ||
         (t.unix_seconds() == since.unix_seconds() &&
          t.nanos() > since.nanos());
}

// Parses a non-empty, trimmed cell. On failure returns the reason, which
// never contains the value.
std::optional<std::string> ParseCell(std::string_view text, ColumnType type,
                                     const Settings& settings, v1::Value* out) {
  switch (type) {
    case ColumnType::kString:
      out->set_string_value(text.data(), text.size());
      return std::nullopt;
    case ColumnType::kInt: {
      int64_t i = 0;
      if (!absl::SimpleAtoi(ToAbsl(text), &i)) return "not a whole number";
      out->set_int_value(i);
      return std::nullopt;
    }
    case ColumnType::kBool: {
      std::string lower = absl::AsciiStrToLower(ToAbsl(text));
      if (lower == "true" || lower == "yes" || lower == "y" || lower == "t" ||
          lower == "1") {
        out->set_bool_value(true);
      } else if (lower == "false" || lower == "no" || lower == "n" ||
                 lower == "f" || lower == "0") {
        out->set_bool_value(false);
      } else {
        return "not a boolean (want true or false)";
      }
      return std::nullopt;
    }
    case ColumnType::kDate: {
      absl::StatusOr<v1::Date> d = record::ParseDate(text);
      if (!d.ok()) return std::string(d.status().message());
      *out->mutable_date_value() = *d;
      return std::nullopt;
    }
    case ColumnType::kTimestamp: {
      // A bare date is midnight of that day in the export's zone.
      std::string midnight;
      if (text.size() == 10 && record::ParseDate(text).ok()) {
        midnight = absl::StrCat(ToAbsl(text), " 00:00:00");
        text = midnight;
      }
      absl::StatusOr<v1::Timestamp> t =
          record::ParseTimestamp(text, settings.time_zone);
      if (!t.ok()) return std::string(t.status().message());
      *out->mutable_timestamp_value() = *t;
      return std::nullopt;
    }
    case ColumnType::kMoney: {
      absl::StatusOr<v1::Decimal> d =
          record::ParseDecimal(text, settings.currency);
      if (!d.ok())
        return absl::StrCat("not an amount (", d.status().message(), ")");
      *out->mutable_decimal_value() = *d;
      return std::nullopt;
    }
    case ColumnType::kDecimal: {
      absl::StatusOr<v1::Decimal> d = record::ParseDecimal(text, "");
      if (!d.ok()) {
        return absl::StrCat("not a decimal number (", d.status().message(),
                            ")");
      }
      *out->mutable_decimal_value() = *d;
      return std::nullopt;
    }
  }
  return "unknown column type";
}

std::string EncodeCursor(const ObjectSpec& spec, const csv::Position& p) {
  return absl::StrCat(kCursorPrefix, spec.object, ":", p.offset, ":", p.line);
}

absl::StatusOr<csv::Position> DecodeCursor(const ObjectSpec& spec,
                                           const std::string& cursor) {
  std::vector<std::string> parts = absl::StrSplit(cursor, ':');
  csv::Position p;
  if (parts.size() != 5 ||
      absl::StrCat(parts[0], ":", parts[1], ":") != kCursorPrefix ||
      !absl::SimpleAtoi(parts[3], &p.offset) ||
      !absl::SimpleAtoi(parts[4], &p.line) || p.offset < 0 || p.line < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed cursor for ", spec.file));
  }
  if (parts[2] != spec.object) {
    return absl::InvalidArgumentError(
        absl::StrCat("the cursor belongs to object '", parts[2], "', not '",
                     spec.object, "'"));
  }
  return p;
}

// One column of the file being read, in header order.
struct ColumnPlan {
  std::string name;
  ColumnType type = ColumnType::kString;
};

class PbnCsvReader : public RecordReader {
 public:
  PbnCsvReader(const ObjectSpec& spec, std::unique_ptr<csv::Reader> csv,
               const Settings& settings, std::optional<v1::Timestamp> since)
      : spec_(spec),
        csv_(std::move(csv)),
        settings_(settings),
        since_(std::move(since)) {
    for (const std::string& name : csv_->header()) {
      ColumnPlan plan;
      plan.name = name;
      if (const ColumnSpec* c = spec_.Find(name)) plan.type = c->type;
      columns_.push_back(std::move(plan));
    }
    key_index_ = csv_->Column(spec_.key);
    updated_index_ = csv_->Column(pbn::kUpdatedAt);
    attachment_index_ =
        *spec_.attachment == '\0' ? -1 : csv_->Column(spec_.attachment);
  }

  // Reads the keys of the rows before `cursor` and positions the reader
  // there.
  absl::Status Resume(const csv::Position& cursor) {
    csv::Row row;
    while (csv_->position().offset < cursor.offset) {
      BW_ASSIGN_OR_RETURN(bool more, csv_->Next(&row));
      if (!more) break;
      if (!row.ok()) continue;
      std::string_view key = Trim(row[key_index_]);
      if (!key.empty()) seen_.try_emplace(std::string(key), row.line());
    }
    csv::Position at = csv_->position();
    if (at.offset != cursor.offset || at.line != cursor.line) {
      return absl::InvalidArgumentError(
          absl::StrCat("the cursor does not fall on a row of ", spec_.file,
                       " (was the file replaced since?)"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    out->Clear();
    out->set_object_type(spec_.object);
    int entries = 0;
    while (entries < max_records) {
      BW_ASSIGN_OR_RETURN(bool more, csv_->Next(&row_));
      if (!more) break;
      if (Process(row_, out)) ++entries;
    }
    out->set_cursor(EncodeCursor(spec_, csv_->position()));
    return entries > 0;
  }

 private:
  // Adds a rejection whose reason reads "<file>:<line>: <field>: <why>".
  void Reject(v1::RecordBatch* out, int64_t line, std::string_view key,
              const std::string& field, const std::string& why) {
    AddRejection(out, line, key, field,
                 absl::StrCat(spec_.file, ":", line, ": ", field, ": ", why));
  }
  // For a row the CSV reader found malformed; its error already names the
  // column when one is to blame.
  void RejectRow(v1::RecordBatch* out, const csv::Row& row) {
    int col = row.error_column();
    std::string field = col >= 0 && col < static_cast<int>(columns_.size())
                            ? columns_[col].name
                            : "";
    AddRejection(out, row.line(), "", field,
                 absl::StrCat(spec_.file, ":", row.line(), ": ", row.error()));
  }
  void AddRejection(v1::RecordBatch* out, int64_t line, std::string_view key,
                    const std::string& field, std::string reason) {
    v1::Rejection* r = out->add_rejections();
    r->set_object_type(spec_.object);
    r->set_source_key(key.data(), key.size());
    r->mutable_location()->set_file(spec_.file);
    r->mutable_location()->set_line(line);
    r->set_field(field);
    r->set_reason(std::move(reason));
    r->set_stage("extract");
  }

  // Turns one row into a record or a rejection in `out`. Returns false when
  // it added neither (a row `since` leaves out).
  bool Process(const csv::Row& row, v1::RecordBatch* out) {
    const int64_t line = row.line();
    if (!row.ok()) {
      RejectRow(out, row);
      return true;
    }
    std::string_view key = Trim(row[key_index_]);
    if (key.empty()) {
      Reject(out, line, "", spec_.key, "missing key (the cell is empty)");
      return true;
    }

    // The change time first: `since` decides whether the row matters.
    v1::Value updated;
    std::optional<std::string> updated_error;
    if (updated_index_ >= 0) {
      std::string_view text = Trim(row[updated_index_]);
      if (!text.empty()) {
        updated_error =
            ParseCell(text, columns_[updated_index_].type, settings_, &updated);
      }
    }
    if (since_ && !updated_error && updated.has_timestamp_value() &&
        !After(updated.timestamp_value(), *since_)) {
      seen_.try_emplace(std::string(key), line);
      return false;
    }
    auto [first, inserted] = seen_.try_emplace(std::string(key), line);
    if (!inserted) {
      Reject(out, line, "", spec_.key,
             absl::StrCat("duplicate key (first on line ", first->second, ")"));
      return true;
    }
    if (updated_error) {
      Reject(out, line, key, pbn::kUpdatedAt, *updated_error);
      return true;
    }

    v1::Record rec;
    auto& fields = *rec.mutable_fields();
    for (size_t i = 0; i < columns_.size(); ++i) {
      const ColumnPlan& column = columns_[i];
      if (column.name.empty()) continue;  // a header cell with no name
      v1::Value& value = fields[column.name];
      if (static_cast<int>(i) == updated_index_ && !updated_error &&
          updated.has_timestamp_value()) {
        value = updated;
        continue;
      }
      std::string_view text = Trim(row[i]);
      if (text.empty()) {
        value.set_null_value(true);
        continue;
      }
      if (auto error = ParseCell(text, column.type, settings_, &value)) {
        Reject(out, line, key, column.name, *error);
        return true;
      }
    }
    if (attachment_index_ >= 0) {
      std::string_view path = Trim(row[attachment_index_]);
      if (!path.empty()) {
        if (auto error = DescribeAttachment(settings_.directory, path,
                                            rec.add_attachments())) {
          Reject(out, line, key, spec_.attachment, *error);
          return true;
        }
      }
    }
    rec.set_object_type(spec_.object);
    rec.set_source_key(key.data(), key.size());
    if (updated.has_timestamp_value()) {
      *rec.mutable_source_updated_at() = updated.timestamp_value();
    }
    rec.set_fingerprint(record::Fingerprint(rec.fields()));
    rec.mutable_location()->set_file(spec_.file);
    rec.mutable_location()->set_line(line);
    *out->add_records() = std::move(rec);
    return true;
  }

  const ObjectSpec& spec_;
  std::unique_ptr<csv::Reader> csv_;
  const Settings settings_;
  const std::optional<v1::Timestamp> since_;
  std::vector<ColumnPlan> columns_;
  int key_index_ = -1;      // always >= 0: the key column is required
  int updated_index_ = -1;  // -1 when the file has no updated_at
  // -1 when the object has no attachment column or the file lacks it.
  int attachment_index_ = -1;
  csv::Row row_;
  // Key -> line of the row that claimed it.
  absl::flat_hash_map<std::string, int64_t> seen_;
};

class PbnCsvSource : public SourceConnector {
 public:
  explicit PbnCsvSource(Settings settings) : settings_(std::move(settings)) {}

  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override {
    BW_RETURN_IF_ERROR(CheckDirectory());
    std::vector<v1::ObjectInfo> out;
    for (const ObjectSpec& spec : pbn::ExportLayout()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(Path(spec), ec)) continue;
      v1::ObjectInfo info;
      info.set_object_type(spec.object);
      info.set_location(spec.file);
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
    schema.set_updated_at_field(pbn::kUpdatedAt);
    for (const ColumnSpec& c : spec->columns) {
      v1::FieldSchema* f = schema.add_fields();
      f->set_name(c.name);
      f->set_type(pbn::TypeName(c.type));
      f->set_required(c.required);
      f->set_references(c.references);
    }
    // Columns of the file the layout does not declare.
    absl::StatusOr<std::unique_ptr<csv::Reader>> csv =
        csv::Reader::Open(Path(*spec));
    if (absl::IsNotFound(csv.status())) return schema;
    if (!csv.ok()) return csv.status();
    for (const std::string& name : (*csv)->header()) {
      if (name.empty() || spec->Find(name) != nullptr) continue;
      v1::FieldSchema* f = schema.add_fields();
      f->set_name(name);
      f->set_type("string");
      f->set_inferred(true);
    }
    return schema;
  }

  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) override {
    BW_ASSIGN_OR_RETURN(const ObjectSpec* spec, Find(object));
    std::optional<csv::Position> resume;
    if (!cursor.empty()) {
      BW_ASSIGN_OR_RETURN(resume, DecodeCursor(*spec, cursor));
    }
    BW_RETURN_IF_ERROR(CheckDirectory());
    BW_ASSIGN_OR_RETURN(std::unique_ptr<csv::Reader> csv,
                        csv::Reader::Open(Path(*spec)));
    std::vector<std::string> missing;
    for (const ColumnSpec& c : spec->columns) {
      if (c.required && csv->Column(c.name) < 0) {
        missing.push_back(absl::StrCat("'", c.name, "'"));
      }
    }
    if (!missing.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          csv->path(), ":", csv->header_line(), ": required column",
          missing.size() > 1 ? "s " : " ", absl::StrJoin(missing, ", "),
          missing.size() > 1 ? " are" : " is", " missing from the header"));
    }
    auto reader =
        std::make_unique<PbnCsvReader>(*spec, std::move(csv), settings_, since);
    if (resume) BW_RETURN_IF_ERROR(reader->Resume(*resume));
    return std::unique_ptr<RecordReader>(std::move(reader));
  }

 private:
  std::string Path(const ObjectSpec& spec) const {
    return (std::filesystem::path(settings_.directory) / spec.file).string();
  }

  absl::StatusOr<const ObjectSpec*> Find(const std::string& object) const {
    const ObjectSpec* spec = pbn::FindObject(object);
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const auto& o : pbn::ExportLayout()) known.push_back(o.object);
      return absl::NotFoundError(
          absl::StrCat("the Practice by Numbers export has no object '", object,
                       "' (known: ", absl::StrJoin(known, ", "), ")"));
    }
    return spec;
  }

  absl::Status CheckDirectory() const {
    struct stat st;
    if (::stat(settings_.directory.c_str(), &st) != 0) {
      int err = errno;
      std::string message = absl::StrCat(
          "pbn_csv directory ", settings_.directory, ": ", std::strerror(err));
      return err == ENOENT || err == ENOTDIR ? absl::NotFoundError(message)
                                             : absl::InternalError(message);
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pbn_csv directory ", settings_.directory, " is not a directory"));
    }
    return absl::OkStatus();
  }

  const Settings settings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SourceConnector>> MakePbnCsvSource(
    const v1::PbnCsvSourceConfig& config) {
  Settings s;
  s.directory = config.directory();
  s.time_zone = config.time_zone().empty() ? "UTC" : config.time_zone();
  s.currency = config.currency().empty() ? "USD" : config.currency();
  if (s.directory.empty()) {
    return absl::InvalidArgumentError("pbn_csv.directory is required");
  }
  if (!record::ParseTimestamp("2000-01-01 00:00:00", s.time_zone).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pbn_csv.time_zone: unknown time zone '", s.time_zone,
                     "' (want an IANA name such as America/Chicago)"));
  }
  if (s.currency.size() != 3 ||
      !std::all_of(s.currency.begin(), s.currency.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return absl::InvalidArgumentError(
        "pbn_csv.currency: want a three-letter ISO 4217 code such as USD");
  }
  return std::unique_ptr<SourceConnector>(new PbnCsvSource(std::move(s)));
}

}  // namespace bridgework::extractor
