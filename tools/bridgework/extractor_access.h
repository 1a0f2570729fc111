// Reaching an extractor for commands that only read the source
// (`discover`, `propose`): the one the config or services.json names, or,
// when none is running, a private extractor started for the command and
// stopped when the ExtractorAccess is destroyed.
#ifndef BRIDGEWORK_TOOLS_BRIDGEWORK_EXTRACTOR_ACCESS_H_
#define BRIDGEWORK_TOOLS_BRIDGEWORK_EXTRACTOR_ACCESS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bridgework/v1/extractor.grpc.pb.h"
#include "tools/bridgework/run_config.h"
#include "tools/bridgework/supervisor.h"

namespace bridgework::cli {

// Owns the private extractor (if one was started) and a stub to whichever
// extractor serves. Not thread-safe; move-only.
class ExtractorAccess {
 public:
  // Uses `from_config.extractor` when set, else the extractor in
  // `services_file` when that file exists and the extractor answers, else
  // starts build/bin's bridgework-extractor on loopback with its log under
  // `state_dir`.
  static absl::StatusOr<ExtractorAccess> Reach(
      const std::string& services_file, const ServiceAddresses& from_config,
      const std::string& state_dir);

  const std::string& address() const { return address_; }
  bool started_privately() const { return supervisor_ != nullptr; }
  v1::Extractor::Stub& stub() { return *stub_; }

  // ListObjects + DescribeObject for each, parents first.
  absl::StatusOr<std::vector<v1::ObjectSchema>> DescribeAll(
      const v1::SourceConfig& source);

  // Streams `object` to `sink` batch by batch (records and rejections).
  // Stops early, returning OK, when `sink` returns false. Errors are the
  // extractor's status (the source's message, naming file or table).
  absl::Status Read(const v1::SourceConfig& source, const std::string& object,
                    const std::function<bool(const v1::RecordBatch&)>& sink,
                    int batch_size = 500);

 private:
  std::string address_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<v1::Extractor::Stub> stub_;
};

}  // namespace bridgework::cli

#endif  // BRIDGEWORK_TOOLS_BRIDGEWORK_EXTRACTOR_ACCESS_H_
