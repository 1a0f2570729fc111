#include "services/extractor/sources/csv/csv_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
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
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "libs/common/status_macros.h"
#include "libs/common/strings.h"
#include "libs/csv/csv_reader.h"
#include "libs/csv/json_reader.h"
#include "libs/record/value.h"
#include "services/extractor/sources/file_attachment.h"

namespace bridgework::extractor {
namespace {

namespace fs = std::filesystem;
using csv_layout::ColumnSpec;
using csv_layout::ColumnType;
using csv_layout::Layout;
using csv_layout::ObjectSpec;

// CsvSourceSettings with defaults applied, and the layout's dialect.
struct Settings {
  std::string connector;
  std::string directory;
  std::string time_zone;  // never empty
  std::string currency;   // never empty
  csv_layout::Options options;
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

// One column of the file being read, in header order.
struct ColumnPlan {
  std::string name;
  ColumnType type = ColumnType::kString;
  // strptime-style formats for a date or timestamp column; empty: ISO.
  std::vector<std::string> formats;
  // The declared values of an enumerated column (not owned; the layout
  // outlives the plan), or nullptr.
  const ColumnSpec* enumerated = nullptr;
  // Put into the records (CsvRecordReader::SelectFields); parsed either way.
  bool selected = true;
};

// With a decimal comma: "-1.234,50" -> "-1234.50". Dots may only group
// the whole part in thousands (1 to 3 digits, then groups of 3); nullopt
// otherwise, so that "1.5" is never read as 15. Other characters are left
// for ParseDecimal to refuse.
std::optional<std::string> FromDecimalComma(std::string_view text) {
  const size_t comma = text.find(',');
  std::string_view whole = text.substr(0, comma);
  std::string out;
  if (whole.find('.') != std::string_view::npos) {
    std::vector<absl::string_view> groups = absl::StrSplit(ToAbsl(whole), '.');
    for (size_t i = 0; i < groups.size(); ++i) {
      std::string_view g = FromAbsl(groups[i]);
      if (i == 0 && !g.empty() && (g[0] == '-' || g[0] == '+')) {
        out.push_back(g[0]);
        g.remove_prefix(1);
      }
      if (i == 0 ? (g.empty() || g.size() > 3) : g.size() != 3) {
        return std::nullopt;
      }
      out.append(g.data(), g.size());
    }
  } else {
    out.assign(whole.data(), whole.size());
  }
  if (comma != std::string_view::npos) {
    std::string_view fraction = text.substr(comma + 1);
    if (fraction.find_first_of(".,") != std::string_view::npos) {
      return std::nullopt;
    }
    absl::StrAppend(&out, ".", ToAbsl(fraction));
  }
  return out;
}

std::string WantFormats(const std::vector<std::string>& formats) {
  return absl::StrJoin(formats, " or ");
}

// Reads `text` with the first of `formats` that matches, in `zone`.
// Returns why not, or sets *at.
std::optional<std::string> ParseWithFormats(
    std::string_view text, const std::vector<std::string>& formats,
    const absl::TimeZone& zone, const char* what, absl::Time* at) {
  bool out_of_range = false;
  for (const std::string& format : formats) {
    std::string err;
    if (absl::ParseTime(format, ToAbsl(text), zone, at, &err)) {
      const int64_t year = absl::ToCivilSecond(*at, zone).year();
      if (year >= 1 && year <= 9999) return std::nullopt;
      out_of_range = true;
    } else if (err.find("Out-of-range") != std::string::npos) {
      out_of_range = true;
    }
  }
  if (out_of_range) return absl::StrCat("impossible ", what);
  return absl::StrCat("not a ", what, " (want ", WantFormats(formats), ")");
}

// Parses a non-empty, trimmed cell. On failure returns the reason, which
// never contains the value.
std::optional<std::string> ParseCell(std::string_view text,
                                     const ColumnPlan& column,
                                     const Settings& settings, v1::Value* out) {
  switch (column.type) {
    case ColumnType::kString:
      if (column.enumerated != nullptr) {
        const std::string* name = column.enumerated->Decode(text);
        if (name == nullptr) {
          return absl::StrCat("not one of the column's ",
                              column.enumerated->values.size(),
                              " declared values");
        }
        out->set_string_value(*name);
        return std::nullopt;
      }
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
      if (!column.formats.empty()) {
        absl::Time at;
        if (auto error = ParseWithFormats(text, column.formats,
                                          absl::UTCTimeZone(), "date", &at)) {
          return error;
        }
        absl::CivilDay day = absl::ToCivilDay(at, absl::UTCTimeZone());
        v1::Date* d = out->mutable_date_value();
        d->set_year(static_cast<int32_t>(day.year()));
        d->set_month(day.month());
        d->set_day(day.day());
        return std::nullopt;
      }
      absl::StatusOr<v1::Date> d = record::ParseDate(text);
      if (!d.ok()) return std::string(d.status().message());
      *out->mutable_date_value() = *d;
      return std::nullopt;
    }
    case ColumnType::kTimestamp: {
      if (!column.formats.empty()) {
        absl::TimeZone zone;
        if (!absl::LoadTimeZone(settings.time_zone, &zone)) {
          return "unknown time zone";
        }
        absl::Time at;
        if (auto error = ParseWithFormats(text, column.formats, zone,
                                          "date-time", &at)) {
          return error;
        }
        v1::Timestamp* t = out->mutable_timestamp_value();
        t->set_unix_seconds(absl::ToUnixSeconds(at));
        t->set_zone(settings.time_zone);
        return std::nullopt;
      }
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
    case ColumnType::kMoney:
    case ColumnType::kDecimal: {
      const bool money = column.type == ColumnType::kMoney;
      const char* what = money ? "not an amount" : "not a decimal number";
      std::string dotted;
      if (settings.options.decimal_separator == ',') {
        std::optional<std::string> converted = FromDecimalComma(text);
        if (!converted) {
          return absl::StrCat(what,
                              " (want a decimal comma and dots between "
                              "thousands: 1.234,50)");
        }
        dotted = std::move(*converted);
        text = dotted;
      }
      absl::StatusOr<v1::Decimal> d =
          record::ParseDecimal(text, money ? settings.currency : "");
      if (!d.ok()) return absl::StrCat(what, " (", d.status().message(), ")");
      *out->mutable_decimal_value() = *d;
      return std::nullopt;
    }
  }
  return "unknown column type";
}

std::string CursorPrefix(const Settings& settings) {
  return absl::StrCat(settings.connector, ":v1:");
}

std::string EncodeCursor(const Settings& settings, const ObjectSpec& spec,
                         const csv::Position& p) {
  return absl::StrCat(CursorPrefix(settings), spec.object, ":", p.offset, ":",
                      p.line);
}

absl::StatusOr<csv::Position> DecodeCursor(const Settings& settings,
                                           const ObjectSpec& spec,
                                           const std::string& cursor) {
  std::vector<std::string> parts = absl::StrSplit(cursor, ':');
  csv::Position p;
  if (parts.size() != 5 ||
      absl::StrCat(parts[0], ":", parts[1], ":") != CursorPrefix(settings) ||
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

// The formats a column is read with: its own, else the layout's for its
// type.
std::vector<std::string> FormatsFor(const ColumnSpec& c,
                                    const csv_layout::Options& options) {
  if (!c.formats.empty()) return c.formats;
  if (c.type == ColumnType::kDate) return options.date_formats;
  if (c.type == ColumnType::kTimestamp) return options.timestamp_formats;
  return {};
}

class CsvRecordReader : public RecordReader {
 public:
  // `layout` must outlive the reader (it owns `spec`).
  CsvRecordReader(std::shared_ptr<const Layout> layout, const ObjectSpec& spec,
                  std::unique_ptr<csv::RowSource> csv, const Settings& settings,
                  std::optional<v1::Timestamp> since)
      : layout_(std::move(layout)),
        spec_(spec),
        csv_(std::move(csv)),
        settings_(settings),
        since_(std::move(since)) {
    for (const std::string& name : csv_->header()) {
      ColumnPlan plan;
      plan.name = name;
      if (const ColumnSpec* c = spec_.Find(name)) {
        plan.type = c->type;
        plan.formats = FormatsFor(*c, settings_.options);
        if (!c->values.empty()) plan.enumerated = c;
      }
      columns_.push_back(std::move(plan));
    }
    // The fingerprint's member order: named columns by name (a file naming
    // a column twice is refused when opened).
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!columns_[i].name.empty()) canonical_order_.push_back(i);
    }
    std::sort(canonical_order_.begin(), canonical_order_.end(),
              [this](size_t a, size_t b) {
                return columns_[a].name < columns_[b].name;
              });
    column_values_.resize(columns_.size());
    unselected_.resize(columns_.size());
    key_index_ = csv_->Column(spec_.key);
    updated_index_ =
        spec_.updated_at.empty() ? -1 : csv_->Column(spec_.updated_at);
    attachment_index_ =
        spec_.attachment.empty() ? -1 : csv_->Column(spec_.attachment);
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

  // Unselected columns are still parsed and checked, into values of the
  // reader's own, for the fingerprint.
  bool SelectFields(const absl::flat_hash_set<std::string>& names) override {
    for (ColumnPlan& column : columns_) {
      column.selected = column.name.empty() || names.contains(column.name);
    }
    return true;
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
    out->set_cursor(EncodeCursor(settings_, spec_, csv_->position()));
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
            ParseCell(text, columns_[updated_index_], settings_, &updated);
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
      Reject(out, line, key, spec_.updated_at, *updated_error);
      return true;
    }

    // Built in place (in the batch's arena when it has one); taken back
    // when the row turns out unreadable.
    v1::Record& rec = *out->add_records();
    auto& fields = *rec.mutable_fields();
    for (size_t i = 0; i < columns_.size(); ++i) {
      const ColumnPlan& column = columns_[i];
      if (column.name.empty()) continue;  // a header cell with no name
      v1::Value& value = column.selected ? fields[column.name] : unselected_[i];
      if (!column.selected) value.Clear();
      column_values_[i] = &value;  // a map's elements stay put
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
      if (auto error = ParseCell(text, column, settings_, &value)) {
        out->mutable_records()->RemoveLast();
        Reject(out, line, key, column.name, *error);
        return true;
      }
    }
    if (attachment_index_ >= 0) {
      std::string_view path = Trim(row[attachment_index_]);
      if (!path.empty()) {
        if (auto error = DescribeAttachment(settings_.directory, path,
                                            rec.add_attachments())) {
          out->mutable_records()->RemoveLast();
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
    // record::Fingerprint(rec.fields()), in the columns' order known
    // beforehand instead of walking and sorting the map.
    canonical_entries_.clear();
    for (size_t i : canonical_order_) {
      canonical_entries_.push_back({columns_[i].name, column_values_[i]});
    }
    canonical_.clear();
    record::AppendCanonicalJsonSorted(canonical_entries_, &canonical_);
    rec.set_fingerprint(record::Sha256Hex(canonical_));
    rec.mutable_location()->set_file(spec_.file);
    rec.mutable_location()->set_line(line);
    return true;
  }

  const std::shared_ptr<const Layout> layout_;
  const ObjectSpec& spec_;
  std::unique_ptr<csv::RowSource> csv_;
  const Settings settings_;
  const std::optional<v1::Timestamp> since_;
  std::vector<ColumnPlan> columns_;
  int key_index_ = -1;         // always >= 0: the key column is required
  int updated_index_ = -1;     // -1 when the file has no updated_at column
  int attachment_index_ = -1;  // -1 when it has no attachment column
  // Column indices in the fingerprint's order, and per row: each column's
  // field (in the record being built), the entries, the canonical JSON.
  std::vector<size_t> canonical_order_;
  std::vector<const v1::Value*> column_values_;
  // The values of the columns left out of the records (SelectFields), by
  // column index.
  std::vector<v1::Value> unselected_;
  std::vector<record::CanonicalEntry> canonical_entries_;
  std::string canonical_;
  csv::Row row_;
  // Key -> line of the row that claimed it.
  absl::flat_hash_map<std::string, int64_t> seen_;
};

// An object whose file holds no row at all, not even a header (an export
// that wrote nothing): no records, and one warning naming the file.
class EmptyFileReader : public RecordReader {
 public:
  explicit EmptyFileReader(const ObjectSpec& spec)
      : object_(spec.object), file_(spec.file) {}

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    out->Clear();
    if (done_) return false;
    done_ = true;
    out->set_object_type(object_);
    v1::Rejection* w = out->add_warnings();
    w->set_object_type(object_);
    w->mutable_location()->set_file(file_);
    w->set_reason(
        absl::StrCat(file_, ": empty file (no header row): no records read"));
    w->set_stage("extract");
    return true;
  }

 private:
  const std::string object_;
  const std::string file_;
  bool done_ = false;
};

class CsvSource : public SourceConnector {
 public:
  CsvSource(std::shared_ptr<const Layout> layout, Settings settings)
      : layout_(std::move(layout)), settings_(std::move(settings)) {}

  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override {
    BW_RETURN_IF_ERROR(CheckDirectory());
    std::vector<v1::ObjectInfo> out;
    for (const ObjectSpec& spec : layout_->objects) {
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
    schema.set_updated_at_field(spec->updated_at);
    for (const ColumnSpec& c : spec->columns) {
      v1::FieldSchema* f = schema.add_fields();
      f->set_name(c.name);
      f->set_type(csv_layout::TypeName(c.type));
      f->set_required(c.required);
      f->set_references(c.references);
    }
    // Columns of the file the layout does not declare (none when the file
    // is absent or empty).
    absl::StatusOr<std::unique_ptr<csv::RowSource>> csv = OpenRows(*spec);
    if (absl::IsNotFound(csv.status()) || IsEmptyFile(*spec, csv.status())) {
      return schema;
    }
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
      BW_ASSIGN_OR_RETURN(resume, DecodeCursor(settings_, *spec, cursor));
    }
    BW_RETURN_IF_ERROR(CheckDirectory());
    absl::StatusOr<std::unique_ptr<csv::RowSource>> opened = OpenRows(*spec);
    if (IsEmptyFile(*spec, opened.status())) {
      if (resume) {
        return absl::InvalidArgumentError(
            absl::StrCat("the cursor does not fall on a row of ", spec->file,
                         " (the file is empty now; was it replaced since?)"));
      }
      return std::unique_ptr<RecordReader>(
          std::make_unique<EmptyFileReader>(*spec));
    }
    BW_RETURN_IF_ERROR(opened.status());
    std::unique_ptr<csv::RowSource> csv = std::move(*opened);
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
    auto reader = std::make_unique<CsvRecordReader>(
        layout_, *spec, std::move(csv), settings_, since);
    if (resume) BW_RETURN_IF_ERROR(reader->Resume(*resume));
    return std::unique_ptr<RecordReader>(std::move(reader));
  }

 private:
  std::string Path(const ObjectSpec& spec) const {
    return (fs::path(settings_.directory) / spec.file).string();
  }

  // Whether `opened`, the status of opening the object's file, refused a
  // CSV file that holds no row at all (an empty object, not an error).
  bool IsEmptyFile(const ObjectSpec& spec, const absl::Status& opened) const {
    if (!absl::IsInvalidArgument(opened) ||
        spec.format == csv_layout::FileFormat::kJson) {
      return false;
    }
    absl::StatusOr<bool> empty = csv::HoldsNoRow(Path(spec));
    return empty.ok() && *empty;
  }

  // The object's file as rows: CSV, or JSON records (ObjectSpec::format).
  absl::StatusOr<std::unique_ptr<csv::RowSource>> OpenRows(
      const ObjectSpec& spec) const {
    if (spec.format == csv_layout::FileFormat::kJson) {
      csv::JsonReader::Options options;
      options.decimal_comma = settings_.options.decimal_separator == ',';
      BW_ASSIGN_OR_RETURN(std::unique_ptr<csv::JsonReader> r,
                          csv::JsonReader::Open(Path(spec), options));
      return std::unique_ptr<csv::RowSource>(std::move(r));
    }
    BW_ASSIGN_OR_RETURN(std::unique_ptr<csv::Reader> r,
                        csv::Reader::Open(Path(spec), CsvOptions()));
    return std::unique_ptr<csv::RowSource>(std::move(r));
  }

  csv::Options CsvOptions() const {
    csv::Options options;
    options.delimiter = settings_.options.delimiter;
    options.encoding = settings_.options.encoding;
    return options;
  }

  absl::StatusOr<const ObjectSpec*> Find(const std::string& object) const {
    const ObjectSpec* spec = layout_->Find(object);
    if (spec == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          layout_->description, " has no object '", object,
          "' (known: ", absl::StrJoin(layout_->ObjectNames(), ", "), ")"));
    }
    return spec;
  }

  absl::Status CheckDirectory() const {
    struct stat st;
    if (::stat(settings_.directory.c_str(), &st) != 0) {
      int err = errno;
      std::string message =
          absl::StrCat(settings_.connector, " directory ", settings_.directory,
                       ": ", std::strerror(err));
      return err == ENOENT || err == ENOTDIR ? absl::NotFoundError(message)
                                             : absl::InternalError(message);
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(settings_.connector, " directory ", settings_.directory,
                       " is not a directory"));
    }
    return absl::OkStatus();
  }

  const std::shared_ptr<const Layout> layout_;
  const Settings settings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SourceConnector>> MakeCsvSource(
    std::shared_ptr<const Layout> layout, CsvSourceSettings settings) {
  Settings s;
  s.connector = std::move(settings.connector);
  s.directory = std::move(settings.directory);
  s.time_zone =
      settings.time_zone.empty() ? "UTC" : std::move(settings.time_zone);
  s.currency = settings.currency.empty() ? "USD" : std::move(settings.currency);
  s.options = layout->options;
  if (s.directory.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.connector, ".directory is required"));
  }
  if (!record::ParseTimestamp("2000-01-01 00:00:00", s.time_zone).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        s.connector, ".time_zone: unknown time zone '", s.time_zone,
        "' (want an IANA name such as America/Chicago)"));
  }
  if (s.currency.size() != 3 ||
      !std::all_of(s.currency.begin(), s.currency.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return absl::InvalidArgumentError(
        absl::StrCat(s.connector,
                     ".currency: want a three-letter ISO 4217 code such as "
                     "USD"));
  }
  return std::unique_ptr<SourceConnector>(
      new CsvSource(std::move(layout), std::move(s)));
}

}  // namespace bridgework::extractor
