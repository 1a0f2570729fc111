// Files attached to source records (a scanned consent form, an x-ray), as
// v1::AttachmentRef: the record carries the file's address and digest, never
// its bytes (record.proto).
//
// Thread safety: the functions only read the file system; safe to call
// concurrently.
#ifndef BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_FILE_ATTACHMENT_H_
#define BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_FILE_ATTACHMENT_H_

#include <optional>
#include <string>
#include <string_view>

#include "bridgework/v1/record.pb.h"

namespace bridgework::extractor {

// Describes the file `relative` names under `directory` (which may itself be
// relative to the working directory): uri "file://" + the absolute,
// normalised path with every byte outside RFC 3986's unreserved set and '/'
// percent-encoded; file_name the path's last component; content_type from
// the extension (ContentTypeFor); size_bytes; sha256 of the content (read
// in 64 KiB blocks, so any size is fine).
//
// On failure returns why, without the path (it may hold a patient's name):
// "attachment path must stay inside the export directory" (absolute, or
// leaving it through ".."), "attachment file not found", "attachment is not
// a regular file", "attachment file cannot be read". `*out` is then
// unspecified. Symbolic links are followed.
std::optional<std::string> DescribeAttachment(const std::string& directory,
                                              std::string_view relative,
                                              v1::AttachmentRef* out);

// The media type of a file name by its extension, case-insensitively
// ("scan.PDF" -> "application/pdf"); "application/octet-stream" when the
// extension is unknown.
std::string ContentTypeFor(std::string_view file_name);

// "file://" + `absolute_path`, percent-encoded as DescribeAttachment says.
std::string FileUri(std::string_view absolute_path);

}  // namespace bridgework::extractor

#endif  // BRIDGEWORK_SERVICES_EXTRACTOR_SOURCES_FILE_ATTACHMENT_H_
