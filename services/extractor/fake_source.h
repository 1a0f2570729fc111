// Test doubles for SourceConnector: an in-memory source and a
// fault-injecting decorator. For tests of the extractor service and of the
// components downstream of it (register them in a SourceRegistry with
// SharedSourceFactory).
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_FAKE_SOURCE_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_FAKE_SOURCE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "bridgework/v1/record.pb.h"
#include "services/extractor/source_connector.h"

namespace bridgework::extractor {

// Builds a record with its fingerprint set. `updated_at` 0 leaves
// source_updated_at unset.
v1::Record FakeRecord(
    const std::string& object_type, const std::string& source_key,
    const std::vector<std::pair<std::string, v1::Value>>& fields,
    int64_t updated_at = 0);

// An in-memory source. Objects are listed in the order they were added;
// each object's entries (records and rejections) stream in the order they
// were added. Cursors are "fake:<object>:<entries consumed>".
//
// Thread safety: all methods may be called from any thread, also while
// readers are reading (an entry added later is seen by a reader that has
// not reached the end yet). Readers share the data, so they may outlive
// the FakeSource.
class FakeSource : public SourceConnector {
 public:
  FakeSource();

  // Adds an object. `schema.object_type` names it.
  void AddObject(const v1::ObjectSchema& schema,
                 const std::vector<std::string>& depends_on = {});
  // Appends a record to its object (added with a bare schema if unknown).
  void AddRecord(const v1::Record& record);
  void AddRejection(const v1::Rejection& rejection);
  // Makes ListObjects, Describe and Open fail with `status` (OK clears).
  void SetError(absl::Status status);

  struct Stats {
    int64_t readers_opened = 0;
    // Readers not yet destroyed.
    int64_t readers_live = 0;
    // Successful Next() calls that returned entries.
    int64_t batches_served = 0;
  };
  Stats stats() const;

  // SourceConnector
  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override;
  absl::StatusOr<v1::ObjectSchema> Describe(const std::string& object) override;
  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) override;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

// What FaultInjectingSource breaks.
struct FaultOptions {
  // When not OK, ListObjects / Describe / Open return it.
  absl::Status list_error;
  absl::Status describe_error;
  absl::Status open_error;
  // When >= 0, every reader's Next() returns `next_error` once it has
  // returned this many batches (0: fail on the first call).
  int fail_after_batches = -1;
  absl::Status next_error = absl::UnavailableError("injected source fault");
};

// Decorates a connector with the faults in FaultOptions.
// Thread safety: as the wrapped connector.
class FaultInjectingSource : public SourceConnectorWrapper {
 public:
  FaultInjectingSource(std::shared_ptr<SourceConnector> target,
                       FaultOptions faults)
      : SourceConnectorWrapper(std::move(target)), faults_(std::move(faults)) {}

  // SourceConnector
  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override;
  absl::StatusOr<v1::ObjectSchema> Describe(const std::string& object) override;
  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) override;

 private:
  const FaultOptions faults_;
};

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_FAKE_SOURCE_H_
