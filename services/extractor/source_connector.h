// The source seam of the extractor: one SourceConnector per source system,
// created by name from a SourceRegistry with its typed config (the oneof of
// v1::SourceConfig).
//
// Error contract for every connector:
//   NOT_FOUND          a missing file, table, directory or object;
//   INVALID_ARGUMENT   a bad config, a malformed cursor, a file whose
//                      header lacks a required column;
//   UNAUTHENTICATED    bad credentials (API sources);
//   UNAVAILABLE        an unreachable source (retry the call).
// A bad record is never an error: it becomes a v1::Rejection in its batch,
// naming file, line and field, and reading goes on.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCE_CONNECTOR_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCE_CONNECTOR_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridgework/v1/extractor.pb.h"

namespace bridgework::extractor {

// Reads one object of a source, batch by batch.
// Thread safety: not thread-safe; one thread at a time.
class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Clears `out`, then fills it with up to `max_records` entries (records
  // and rejections both count), its object_type, and the cursor after the
  // last entry. Returns true when `out` holds at least one entry or a
  // warning (RecordBatch.warnings: an empty file), false when the object
  // is exhausted (`out` then holds nothing). Errors are
  // failures of the source itself (an I/O error, a lost connection); after
  // one the reader must not be used again.
  // REQUIRES: max_records > 0.
  virtual absl::StatusOr<bool> Next(int max_records, v1::RecordBatch* out) = 0;

  // Asks the reader to put only the fields named in `names` into the
  // records it reads from now on (ExtractRequest.fields), everything else
  // unchanged: every field is still read and checked (an unreadable value
  // in any field still rejects the row) and the fingerprint still covers
  // every field. Returns false when the reader cannot; the caller then
  // removes the other fields itself. `names` is read during the call only.
  virtual bool SelectFields(const absl::flat_hash_set<std::string>& names) {
    return false;
  }
};

// A source system.
// Thread safety: implementations are safe to call from several threads.
class SourceConnector {
 public:
  virtual ~SourceConnector() = default;

  // The objects the source holds, parents first: an object comes after
  // every object its records reference (self-references aside), and
  // `depends_on` names those objects.
  virtual absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() = 0;

  // The object's key, declared fields and types. NOT_FOUND for an object
  // the source does not know.
  virtual absl::StatusOr<v1::ObjectSchema> Describe(
      const std::string& object) = 0;

  // Starts reading `object`. `cursor` is a RecordBatch.cursor from an
  // earlier read of the same object ("" starts at the beginning); reading
  // resumes right after the batch that carried it. With `since`, only
  // records changed after it are returned (records whose change time is
  // unknown are returned too). The reader may outlive the connector.
  virtual absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) = 0;
};

// Forwards every call to another connector. Decorators (fault injection,
// logging) derive from it and override only what they change.
class SourceConnectorWrapper : public SourceConnector {
 public:
  explicit SourceConnectorWrapper(std::shared_ptr<SourceConnector> target)
      : target_(std::move(target)) {}

  // SourceConnector
  absl::StatusOr<std::vector<v1::ObjectInfo>> ListObjects() override {
    return target_->ListObjects();
  }
  absl::StatusOr<v1::ObjectSchema> Describe(
      const std::string& object) override {
    return target_->Describe(object);
  }
  absl::StatusOr<std::unique_ptr<RecordReader>> Open(
      const std::string& object, const std::string& cursor,
      const std::optional<v1::Timestamp>& since) override {
    return target_->Open(object, cursor, since);
  }

 protected:
  SourceConnector& target() { return *target_; }

 private:
  std::shared_ptr<SourceConnector> target_;
};

// Builds a connector from its config. Returns INVALID_ARGUMENT for settings
// it cannot use (a missing directory name, an unknown time zone).
using SourceFactory =
    std::function<absl::StatusOr<std::unique_ptr<SourceConnector>>(
        const v1::SourceConfig&)>;

// The registry name of the connector `config` selects: the name of the set
// oneof member ("pbn_csv", "layout_csv", "opendental_db", "drdentes_api"),
// or "" when none is set.
std::string ConnectorName(const v1::SourceConfig& config);

// Checks the settings every source shares: OK, or INVALID_ARGUMENT naming
// "<connector>.time_zone" when `time_zone` is not an IANA zone, or
// "<connector>.currency" when `currency` is not three upper-case letters
// (ISO 4217).
absl::Status CheckZoneAndCurrency(const std::string& connector,
                                  const std::string& time_zone,
                                  const std::string& currency);

// NOT_FOUND "<source> has no object '<object>' (known: a, b, ...)", the
// known names sorted.
absl::Status UnknownObjectError(const std::string& source,
                                const std::string& object,
                                std::vector<std::string> known);

// Connectors by name ("pbn_csv", "layout_csv", "opendental_db",
// "drdentes_api").
// Thread safety: register everything before sharing the registry; Create()
// may then be called from any thread.
class SourceRegistry {
 public:
  // ALREADY_EXISTS when `name` is taken.
  absl::Status Register(const std::string& name, SourceFactory factory);

  // Creates the connector `config` selects (see ConnectorName).
  // INVALID_ARGUMENT when the config selects none; UNIMPLEMENTED when this
  // build has no connector of that name; else whatever the factory returns.
  absl::StatusOr<std::unique_ptr<SourceConnector>> Create(
      const v1::SourceConfig& config) const;
  // Same, by explicit name.
  absl::StatusOr<std::unique_ptr<SourceConnector>> Create(
      const std::string& name, const v1::SourceConfig& config) const;

  // Registered names, sorted.
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, SourceFactory> factories_;
};

// A factory handing out connectors that share `source` (each is a
// SourceConnectorWrapper around it). For tests and in-process wiring.
SourceFactory SharedSourceFactory(std::shared_ptr<SourceConnector> source);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCE_CONNECTOR_H_
