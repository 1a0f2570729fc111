#include "services/extractor/fake_source.h"

#include <variant>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/record/value.h"

namespace bridgework::extractor {

v1::Record FakeRecord(
    const std::string& object_type, const std::string& source_key,
    const std::vector<std::pair<std::string, v1::Value>>& fields,
    int64_t updated_at) {
  v1::Record r;
  r.set_object_type(object_type);
  r.set_source_key(source_key);
  for (const auto& [name, value] : fields) (*r.mutable_fields())[name] = value;
  if (updated_at != 0) {
    r.mutable_source_updated_at()->set_unix_seconds(updated_at);
    r.mutable_source_updated_at()->set_zone("UTC");
  }
  r.set_fingerprint(record::Fingerprint(r.fields()));
  r.mutable_location()->set_file("fake");
  return r;
}

struct FakeSource::State {
  using Entry = std::variant<v1::Record, v1::Rejection>;
  struct Object {
    v1::ObjectSchema schema;
    std::vector<std::string> depends_on;
    std::vector<Entry> entries;
  };

  Object* FindLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (auto& o : objects) {
      if (o.schema.object_type() == name) return &o;
    }
    return nullptr;
  }
  Object& FindOrAddLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (Object* o = FindLocked(name)) return *o;
    objects.emplace_back();
    objects.back().schema.set_object_type(name);
    return objects.back();
  }

  absl::Mutex mu;
  std::vector<Object> objects ABSL_GUARDED_BY(mu);
  absl::Status error ABSL_GUARDED_BY(mu);
  Stats stats ABSL_GUARDED_BY(mu);
};

namespace {

bool After(const v1::Timestamp& t, const v1::Timestamp& since) {
  return t.unix_seconds() > since.unix_seconds() ||
         (t.unix_seconds() == since.unix_seconds() &&
          t.nanos() > since.nanos());
}

class FakeReader : public RecordReader {
 public:
  FakeReader(std::shared_ptr<FakeSource::State> state, std::string object,
             size_t position, std::optional<v1::Timestamp> since)
      : state_(std::move(state)),
        object_(std::move(object)),
        position_(position),
        since_(std::move(since)) {}

  ~FakeReader() override {
    absl::MutexLock lock(&state_->mu);
    --state_->stats.readers_live;
  }

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    out->Clear();
    out->set_object_type(object_);
    absl::MutexLock lock(&state_->mu);
    FakeSource::State::Object* o = state_->FindLocked(object_);
    if (o == nullptr) return absl::NotFoundError("object vanished");
    int added = 0;
    while (added < max_records && position_ < o->entries.size()) {
      const auto& entry = o->entries[position_++];
      if (const auto* r = std::get_if<v1::Record>(&entry)) {
        if (since_ && r->has_source_updated_at() &&
            !After(r->source_updated_at(), *since_)) {
          continue;
        }
        *out->add_records() = *r;
      } else {
        *out->add_rejections() = std::get<v1::Rejection>(entry);
      }
      ++added;
    }
    out->set_cursor(absl::StrCat("fake:", object_, ":", position_));
    if (added > 0) ++state_->stats.batches_served;
    return added > 0;
  }

 private:
  std::shared_ptr<FakeSource::State> state_;
  const std::string object_;
  size_t position_;
  const std::optional<v1::Timestamp> since_;
};

}  // namespace

FakeSource::FakeSource() : state_(std::make_shared<State>()) {}

void FakeSource::AddObject(const v1::ObjectSchema& schema,
                           const std::vector<std::string>& depends_on) {
  absl::MutexLock lock(&state_->mu);
  State::Object& o = state_->FindOrAddLocked(schema.object_type());
  o.schema = schema;
  o.depends_on = depends_on;
}

void FakeSource::AddRecord(const v1::Record& record) {
  absl::MutexLock lock(&state_->mu);
  state_->FindOrAddLocked(record.object_type()).entries.emplace_back(record);
}

void FakeSource::AddRejection(const v1::Rejection& rejection) {
  absl::MutexLock lock(&state_->mu);
  state_->FindOrAddLocked(rejection.object_type())
      .entries.emplace_back(rejection);
}

void FakeSource::SetError(absl::Status status) {
  absl::MutexLock lock(&state_->mu);
  state_->error = std::move(status);
}

FakeSource::Stats FakeSource::stats() const {
  absl::MutexLock lock(&state_->mu);
  return state_->stats;
}

absl::StatusOr<std::vector<v1::ObjectInfo>> FakeSource::ListObjects() {
  absl::MutexLock lock(&state_->mu);
  if (!state_->error.ok()) return state_->error;
  std::vector<v1::ObjectInfo> out;
  for (const auto& o : state_->objects) {
    v1::ObjectInfo info;
    info.set_object_type(o.schema.object_type());
    info.set_location(absl::StrCat("fake:", o.schema.object_type()));
    for (const auto& d : o.depends_on) info.add_depends_on(d);
    out.push_back(std::move(info));
  }
  return out;
}

absl::StatusOr<v1::ObjectSchema> FakeSource::Describe(
    const std::string& object) {
  absl::MutexLock lock(&state_->mu);
  if (!state_->error.ok()) return state_->error;
  State::Object* o = state_->FindLocked(object);
  if (o == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("fake source has no '", object, "'"));
  }
  return o->schema;
}

absl::StatusOr<std::unique_ptr<RecordReader>> FakeSource::Open(
    const std::string& object, const std::string& cursor,
    const std::optional<v1::Timestamp>& since) {
  absl::MutexLock lock(&state_->mu);
  if (!state_->error.ok()) return state_->error;
  if (state_->FindLocked(object) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("fake source has no '", object, "'"));
  }
  size_t position = 0;
  if (!cursor.empty()) {
    std::string prefix = absl::StrCat("fake:", object, ":");
    if (cursor.rfind(prefix, 0) != 0 ||
        !absl::SimpleAtoi(cursor.substr(prefix.size()), &position)) {
      return absl::InvalidArgumentError("malformed cursor");
    }
  }
  ++state_->stats.readers_opened;
  ++state_->stats.readers_live;
  return std::unique_ptr<RecordReader>(
      new FakeReader(state_, object, position, since));
}

namespace {

class FaultyReader : public RecordReader {
 public:
  FaultyReader(std::unique_ptr<RecordReader> target, int fail_after,
               absl::Status error)
      : target_(std::move(target)),
        fail_after_(fail_after),
        error_(std::move(error)) {}

  absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) override {
    if (fail_after_ >= 0 && batches_ >= fail_after_) return error_;
    absl::StatusOr<bool> more = target_->Next(max_records, out);
    if (more.ok() && *more) ++batches_;
    return more;
  }

  bool SelectFields(const absl::flat_hash_set<std::string>& names) override {
    return target_->SelectFields(names);
  }

 private:
  std::unique_ptr<RecordReader> target_;
  const int fail_after_;
  const absl::Status error_;
  int batches_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<v1::ObjectInfo>>
FaultInjectingSource::ListObjects() {
  if (!faults_.list_error.ok()) return faults_.list_error;
  return SourceConnectorWrapper::ListObjects();
}

absl::StatusOr<v1::ObjectSchema> FaultInjectingSource::Describe(
    const std::string& object) {
  if (!faults_.describe_error.ok()) return faults_.describe_error;
  return SourceConnectorWrapper::Describe(object);
}

absl::StatusOr<std::unique_ptr<RecordReader>> FaultInjectingSource::Open(
    const std::string& object, const std::string& cursor,
    const std::optional<v1::Timestamp>& since) {
  if (!faults_.open_error.ok()) return faults_.open_error;
  absl::StatusOr<std::unique_ptr<RecordReader>> reader =
      SourceConnectorWrapper::Open(object, cursor, since);
  if (!reader.ok() || faults_.fail_after_batches < 0) return reader;
  return std::unique_ptr<RecordReader>(new FaultyReader(
      std::move(*reader), faults_.fail_after_batches, faults_.next_error));
}

}  // namespace bridgework::extractor
