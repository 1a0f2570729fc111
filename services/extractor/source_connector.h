// The source seam: one implementation per source system, created by name
// from a registry with its typed config (v1::SourceConfig's oneof).
//
// Error contract: NOT_FOUND for a missing file/table/object,
// UNAUTHENTICATED for bad credentials, UNAVAILABLE for an unreachable
// source. A bad record is never an error: it is a v1::Rejection in the
// batch, naming file, line and field.
// Thread safety: a connector may be shared; each RecordReader is used by
// one thread.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCE_CONNECTOR_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCE_CONNECTOR_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bridgework/v1/extractor.pb.h"

namespace bridgework::extractor {

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Fills `out` with up to `max_records` records (and any rejections met on
  // the way) and the cursor after them. Returns false when the object is
  // exhausted and `out` is empty.
  virtual absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) = 0;
};

class SourceConnector {
 public:
  virtual ~SourceConnector() = default;
  virtual absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() = 0;
  virtual absl::StatusOr<v1::ObjectSchema> Describe(
      const std::string& object) = 0;
  // `cursor` from a previous batch ("" to start); `since` filters on the
  // record's updated_at (unset: all).
  virtual absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const v1::Timestamp& since) = 0;
};

using SourceFactory =
    std::function<absl::StatusOr<std::unique_ptr<SourceConnector>>(
        const v1::SourceConfig&)>;

// Connectors by the name of their config (the oneof case: "pbn_csv").
class SourceRegistry {
 public:
  void Register(const std::string& name, SourceFactory factory) {
    factories_[name] = std::move(factory);
  }
  absl::StatusOr<std::unique_ptr<SourceConnector>> Create(
      const v1::SourceConfig& config) const;

 private:
  std::map<std::string, SourceFactory> factories_;
};

// Registers every connector this build has.
void RegisterBuiltinSources(SourceRegistry& registry);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCE_CONNECTOR_H_
