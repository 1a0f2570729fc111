#include "services/extractor/sources/pbn/pbn_csv_source.h"

#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/common/status_macros.h"
#include "libs/csv/csv_reader.h"
#include "libs/record/value.h"

namespace bridgework::extractor {
namespace {

struct Column {
  const char* name;
  const char* type;  // string, int, bool, date, timestamp, money
  bool required;     // the column must be in the header
  const char* references = "";
};

struct ObjectLayout {
  const char* object;
  const char* file;
  const char* key;
  std::vector<Column> columns;
  std::vector<const char*> depends_on;
};

// The export layout; documented in docs/connectors/pbn-export.md.
const std::vector<ObjectLayout>& Layouts() {
  static const auto* kLayouts = new std::vector<ObjectLayout>{
      {"location",
       "locations.csv",
       "location_id",
       {{"location_id", "string", true},
        {"name", "string", true},
        {"parent_location_id", "string", false, "location"},
        {"phone", "string", false},
        {"email", "string", false},
        {"address_line1", "string", false},
        {"address_line2", "string", false},
        {"city", "string", false},
        {"state", "string", false},
        {"postal_code", "string", false},
        {"country", "string", false},
        {"time_zone", "string", false},
        {"updated_at", "timestamp", false}},
       {}},
      {"provider",
       "providers.csv",
       "provider_id",
       {{"provider_id", "string", true},
        {"first_name", "string", false},
        {"last_name", "string", true},
        {"email", "string", false},
        {"role", "string", false},
        {"npi", "string", false},
        {"location_id", "string", false, "location"},
        {"active", "bool", false},
        {"updated_at", "timestamp", false}},
       {"location"}},
      {"patient",
       "patients.csv",
       "patient_id",
       {{"patient_id", "string", true},
        {"first_name", "string", false},
        {"last_name", "string", true},
        {"preferred_name", "string", false},
        {"email", "string", false},
        {"mobile_phone", "string", false},
        {"home_phone", "string", false},
        {"work_phone", "string", false},
        {"birth_date", "date", false},
        {"gender", "string", false},
        {"address_line1", "string", false},
        {"address_line2", "string", false},
        {"city", "string", false},
        {"state", "string", false},
        {"postal_code", "string", false},
        {"country", "string", false},
        {"status", "string", false},
        {"location_id", "string", false, "location"},
        {"primary_provider_id", "string", false, "provider"},
        {"guarantor_id", "string", false, "patient"},
        {"completed_appointments", "int", false},
        {"first_visit_date", "date", false},
        {"last_visit_date", "date", false},
        {"referral_source", "string", false},
        {"preferred_contact", "string", false},
        {"created_at", "timestamp", false},
        {"updated_at", "timestamp", false}},
       {"location", "provider"}},
  };
  return *kLayouts;
}

const ObjectLayout* FindLayout(const std::string& object) {
  for (const auto& l : Layouts()) {
    if (object == l.object) return &l;
  }
  return nullptr;
}

// Parses one cell by its declared type. On failure returns a reason that
// never contains the value.
absl::StatusOr<v1::Value> ParseCell(const std::string& raw,
                                    const std::string& type,
                                    const v1::PbnCsvSourceConfig& config) {
  std::string text(absl::StripAsciiWhitespace(raw));
  if (text.empty()) return record::NullValue();
  if (type == "string") return record::StringValue(raw);
  if (type == "int") {
    int64_t i = 0;
    if (!absl::SimpleAtoi(text, &i))
      return absl::InvalidArgumentError("not a whole number");
    return record::IntValue(i);
  }
  if (type == "bool") {
    std::string lower = absl::AsciiStrToLower(text);
    if (lower == "true" || lower == "yes" || lower == "1")
      return record::BoolValue(true);
    if (lower == "false" || lower == "no" || lower == "0")
      return record::BoolValue(false);
    return absl::InvalidArgumentError("not true/false");
  }
  if (type == "date") {
    BW_ASSIGN_OR_RETURN(v1::Date d, record::ParseDate(text));
    v1::Value v;
    *v.mutable_date_value() = d;
    return v;
  }
  if (type == "timestamp") {
    std::string zone = config.time_zone().empty() ? "UTC" : config.time_zone();
    BW_ASSIGN_OR_RETURN(v1::Timestamp t, record::ParseTimestamp(text, zone));
    v1::Value v;
    *v.mutable_timestamp_value() = t;
    return v;
  }
  if (type == "money") {
    BW_ASSIGN_OR_RETURN(
        v1::Decimal d,
        record::ParseDecimal(
            text, config.currency().empty() ? "USD" : config.currency()));
    v1::Value v;
    *v.mutable_decimal_value() = d;
    return v;
  }
  return absl::InternalError("unknown column type");
}

class PbnReader : public RecordReader {
 public:
  PbnReader(const ObjectLayout& layout, std::unique_ptr<csv::Reader> csv,
            v1::PbnCsvSourceConfig config, v1::Timestamp since)
      : layout_(layout),
        csv_(std::move(csv)),
        config_(std::move(config)),
        since_(since) {
    for (const auto& h : csv_->header()) {
      const Column* declared = nullptr;
      for (const auto& c : layout_.columns) {
        if (h == c.name) declared = &c;
      }
      columns_.push_back(declared ? std::string(declared->type) : "string");
    }
    key_index_ = csv_->Column(layout_.key);
  }

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    out->set_object_type(layout_.object);
    csv::Row row;
    while (out->records_size() < max_records && csv_->Next(&row)) {
      std::string key =
          key_index_ >= 0 && key_index_ < static_cast<int>(row.fields.size())
              ? std::string(absl::StripAsciiWhitespace(row.fields[key_index_]))
              : "";
      auto reject = [&](const std::string& field, const std::string& reason) {
        v1::Rejection* r = out->add_rejections();
        r->set_object_type(layout_.object);
        r->set_source_key(key);
        r->mutable_location()->set_file(layout_.file);
        r->mutable_location()->set_line(row.line);
        r->set_field(field);
        r->set_reason(absl::StrCat(layout_.file, ":", row.line, ": ",
                                   field.empty() ? "" : field + ": ", reason));
        r->set_stage("extract");
      };
      if (!row.error.empty()) {
        reject("", row.error);
        continue;
      }
      if (key.empty()) {
        reject(layout_.key, "the key is empty");
        continue;
      }
      if (!seen_keys_.insert(key).second) {
        reject(layout_.key, "duplicate key (an earlier row has it)");
        continue;
      }
      v1::Record rec;
      rec.set_object_type(layout_.object);
      rec.set_source_key(key);
      rec.mutable_location()->set_file(layout_.file);
      rec.mutable_location()->set_line(row.line);
      bool bad = false;
      for (size_t i = 0; i < row.fields.size(); ++i) {
        const std::string& name = csv_->header()[i];
        absl::StatusOr<v1::Value> v =
            ParseCell(row.fields[i], columns_[i], config_);
        if (!v.ok()) {
          reject(name, std::string(v.status().message()));
          bad = true;
          break;
        }
        (*rec.mutable_fields())[name] = std::move(*v);
      }
      if (bad) continue;
      auto upd = rec.fields().find("updated_at");
      if (upd != rec.fields().end() && upd->second.has_timestamp_value()) {
        *rec.mutable_source_updated_at() = upd->second.timestamp_value();
      }
      if (since_.unix_seconds() > 0 &&
          rec.source_updated_at().unix_seconds() <= since_.unix_seconds()) {
        continue;
      }
      rec.set_fingerprint(record::Fingerprint(rec.fields()));
      *out->add_records() = std::move(rec);
    }
    out->set_cursor(absl::StrCat(csv_->offset(), ":", csv_->next_line()));
    return out->records_size() > 0 || out->rejections_size() > 0;
  }

 private:
  const ObjectLayout& layout_;
  std::unique_ptr<csv::Reader> csv_;
  v1::PbnCsvSourceConfig config_;
  v1::Timestamp since_;
  std::vector<std::string> columns_;  // declared type per header column
  int key_index_ = -1;
  std::set<std::string> seen_keys_;
};

class PbnCsvSource : public SourceConnector {
 public:
  explicit PbnCsvSource(v1::PbnCsvSourceConfig config)
      : config_(std::move(config)) {}

  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override {
    std::vector<v1::ObjectInfo> out;
    for (const auto& l : Layouts()) {
      if (!std::filesystem::exists(Path(l))) continue;
      v1::ObjectInfo info;
      info.set_object_type(l.object);
      info.set_location(l.file);
      for (const char* d : l.depends_on) info.add_depends_on(d);
      out.push_back(info);
    }
    return out;
  }

  absl::StatusOr<v1::ObjectSchema> Describe(
      const std::string& object) override {
    const ObjectLayout* l = FindLayout(object);
    if (l == nullptr)
      return absl::NotFoundError(absl::StrCat("unknown object '", object, "'"));
    v1::ObjectSchema s;
    s.set_object_type(object);
    s.set_key_field(l->key);
    s.set_updated_at_field("updated_at");
    for (const auto& c : l->columns) {
      v1::FieldSchema* f = s.add_fields();
      f->set_name(c.name);
      f->set_type(c.type);
      f->set_required(c.required);
      f->set_references(c.references);
    }
    return s;
  }

  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const v1::Timestamp& since) override {
    const ObjectLayout* l = FindLayout(object);
    if (l == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          "Practice by Numbers export has no object '", object, "'"));
    }
    BW_ASSIGN_OR_RETURN(std::unique_ptr<csv::Reader> csv,
                        csv::Reader::Open(Path(*l)));
    for (const auto& c : l->columns) {
      if (c.required && csv->Column(c.name) < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            l->file, ":1: required column '", c.name, "' is missing"));
      }
    }
    if (!cursor.empty()) {
      std::vector<std::string> parts = absl::StrSplit(cursor, ':');
      int64_t offset = 0, line = 0;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &offset) ||
          !absl::SimpleAtoi(parts[1], &line)) {
        return absl::InvalidArgumentError("malformed cursor");
      }
      BW_RETURN_IF_ERROR(csv->Seek(offset, line));
    }
    return std::unique_ptr<RecordReader>(
        new PbnReader(*l, std::move(csv), config_, since));
  }

 private:
  std::string Path(const ObjectLayout& l) const {
    return (std::filesystem::path(config_.directory()) / l.file).string();
  }

  v1::PbnCsvSourceConfig config_;
};

}  // namespace

std::unique_ptr<SourceConnector> MakePbnCsvSource(
    const v1::PbnCsvSourceConfig& config) {
  return std::make_unique<PbnCsvSource>(config);
}

}  // namespace bridgework::extractor
