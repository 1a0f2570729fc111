#include "tools/bridgework/workflow_export.h"

#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "libs/common/grpc_status.h"
#include "libs/common/status_macros.h"
#include "libs/mapping/map.h"
#include "libs/workflows/adapters.h"
#include "libs/workflows/writers.h"

namespace bridgework::cli {
namespace {

// The objects the source lists.
absl::StatusOr<std::set<std::string>> SourceObjects(
    ExtractorAccess& access, const v1::SourceConfig& source) {
  v1::ListObjectsRequest req;
  *req.mutable_source() = source;
  v1::ListObjectsResponse resp;
  grpc::ClientContext ctx;
  BW_RETURN_IF_ERROR(
      FromGrpcStatus(access.stub().ListObjects(&ctx, req, &resp)));
  std::set<std::string> out;
  for (const v1::ObjectInfo& o : resp.objects()) out.insert(o.object_type());
  return out;
}

absl::Status ReadObject(ExtractorAccess& access, const v1::SourceConfig& source,
                        const std::string& object,
                        std::vector<v1::Record>* records,
                        std::vector<v1::Rejection>* rejections) {
  return access.Read(source, object, [&](const v1::RecordBatch& batch) {
    records->insert(records->end(), batch.records().begin(),
                    batch.records().end());
    rejections->insert(rejections->end(), batch.rejections().begin(),
                       batch.rejections().end());
    return true;
  });
}

}  // namespace

absl::StatusOr<WorkflowExportResult> ExportWorkflows(const RunConfig& config,
                                                     ExtractorAccess& access,
                                                     const std::string& out_dir,
                                                     absl::Time now) {
  BW_ASSIGN_OR_RETURN(mapping::Map map,
                      mapping::ParseMap(config.map_yaml, config.map_path));
  const std::string& system = config.source.system();
  const std::vector<const workflows::SourceAdapter*> adapters =
      workflows::AdaptersFor(system);
  std::vector<std::string> notes;
  std::vector<v1::Record> records;
  std::vector<v1::Rejection> rejections;
  std::vector<std::string> read;
  if (!adapters.empty()) {
    BW_ASSIGN_OR_RETURN(std::set<std::string> listed,
                        SourceObjects(access, config.source));
    for (const workflows::SourceAdapter* a : adapters) {
      bool not_migrated = false;
      for (const mapping::ObjectRoute* route : map.RoutesOf(a->object)) {
        if (route->kind == mapping::ObjectRoute::Kind::kNotMigrated)
          not_migrated = true;
      }
      if (!not_migrated) {
        notes.push_back(absl::StrCat(
            "'", a->object, "' holds ", a->source_label,
            "s but the map does not route it `not_migrated`, so it is not "
            "exported"));
        continue;
      }
      if (!listed.count(a->object)) {
        notes.push_back(absl::StrCat("the source has no '", a->object,
                                     "' object (its file or table is absent)"));
        continue;
      }
      BW_RETURN_IF_ERROR(
          ReadObject(access, config.source, a->object, &records, &rejections));
      read.push_back(a->object);
      if (!a->steps.object.empty() && listed.count(a->steps.object)) {
        BW_RETURN_IF_ERROR(ReadObject(access, config.source, a->steps.object,
                                      &records, &rejections));
        read.push_back(a->steps.object);
      } else if (!a->steps.object.empty()) {
        notes.push_back(absl::StrCat("the source has no '", a->steps.object,
                                     "' object: the automations are listed "
                                     "without their steps"));
      }
    }
  }
  BW_ASSIGN_OR_RETURN(workflows::RebuildExport data,
                      workflows::BuildExport(system, config.destination.crm(),
                                             records, rejections));
  // Only what was read (BuildExport names every automation object of the
  // system).
  if (!adapters.empty()) data.objects = read;
  data.notes.insert(data.notes.begin(), notes.begin(), notes.end());
  BW_RETURN_IF_ERROR(workflows::WriteWorkflowFiles(out_dir, data, now));
  WorkflowExportResult result;
  result.data = std::move(data);
  result.json_path =
      (std::filesystem::path(out_dir) / workflows::kJsonFile).string();
  result.markdown_path =
      (std::filesystem::path(out_dir) / workflows::kMarkdownFile).string();
  return result;
}

}  // namespace bridgework::cli
