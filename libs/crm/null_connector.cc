#include "libs/crm/null_connector.h"

#include <atomic>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libs/crm/wire_util.h"
#include "libs/record/value.h"

namespace bridgework::crm {
namespace {

using nlohmann::json;

constexpr size_t kBulkLimit = 100;

// Freshsales' bulk upsert objects.
bool Bulk(const std::string& object) {
  return object == "contact" || object == "sales_account" || object == "deal";
}

// The body key of one record ("contact", "cm_x" for a custom module).
std::string EntityKey(const std::string& object) {
  constexpr absl::string_view kModule = "custom_object:";
  return absl::StartsWith(object, kModule) ? object.substr(kModule.size())
                                           : object;
}

class NullConnector final : public CrmConnector {
 public:
  explicit NullConnector(std::vector<CrmUser> users)
      : users_(std::move(users)) {}

  absl::StatusOr<std::vector<CrmUser>> ListUsers() override {
    ++requests_;
    return users_;
  }

  absl::StatusOr<SchemaReport> PrepareSchema(const SchemaRequest& request,
                                             bool apply) override {
    SchemaReport report;
    for (const auto& f : request.fields)
      report.present.push_back(absl::StrCat(f.entity, ".", f.name));
    for (const auto& o : request.objects)
      report.present.push_back("custom_object " + o.key);
    for (const auto& p : request.pipelines)
      report.present.push_back("pipeline " + p.name);
    return report;
  }

  absl::StatusOr<std::string> Create(const ResolvedRecord& record) override {
    Discard(NullRecordBody(record));
    return NextId();
  }

  absl::Status Update(const std::string& id,
                      const ResolvedRecord& record) override {
    Discard(NullRecordBody(record));
    return absl::OkStatus();
  }

  absl::Status Patch(const std::string& target_object, const std::string& id,
                     const json& fields) override {
    Discard(json{{EntityKey(target_object), fields}});
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<json>> Get(const std::string& target_object,
                                          const std::string& id) override {
    ++requests_;
    return std::optional<json>();
  }

  absl::Status Delete(const std::string& target_object,
                      const std::string& id) override {
    ++requests_;
    return absl::NotFoundError("the null destination keeps nothing");
  }

  absl::StatusOr<std::optional<std::string>> FindByExternalKey(
      const std::string& target_object, const std::string& field,
      const std::string& key) override {
    ++requests_;
    return std::optional<std::string>();
  }

  absl::StatusOr<ListPage> List(const std::string& target_object,
                                const std::string& page_token,
                                int page_size) override {
    ++requests_;
    return ListPage{};
  }

  bool SupportsBulkUpsert(const std::string& target_object) const override {
    return Bulk(target_object);
  }

  absl::StatusOr<std::vector<absl::StatusOr<std::string>>> BulkUpsert(
      const std::vector<ResolvedRecord>& records) override {
    std::vector<absl::StatusOr<std::string>> out;
    for (size_t begin = 0; begin < records.size(); begin += kBulkLimit) {
      const size_t end = std::min(records.size(), begin + kBulkLimit);
      const std::string& object = records[begin].record->target_object();
      json items = json::array();
      for (size_t i = begin; i < end; ++i) {
        const v1::TargetRecord& r = *records[i].record;
        json item = NullRecordBody(records[i]);
        item["unique_identifier"] = {
            {r.external_key_field(), r.external_key()}};
        items.push_back(std::move(item));
      }
      Discard(json{{EntityKey(object) + "s", std::move(items)}});
      for (size_t i = begin; i < end; ++i) out.push_back(NextId());
    }
    return out;
  }

  int64_t requests() const override { return requests_; }

 private:
  // Serializes the body, as a connector would before sending it, and
  // drops it.
  void Discard(const json& body) {
    ++requests_;
    bytes_ += static_cast<int64_t>(DumpJson(body).size());
  }

  std::string NextId() {
    // Unique across the loader's streams (one connector each).
    static std::atomic<int64_t> next{1};
    return absl::StrCat(next.fetch_add(1, std::memory_order_relaxed));
  }

  std::vector<CrmUser> users_;
  int64_t requests_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace

json NullRecordBody(const ResolvedRecord& rr) {
  const v1::TargetRecord& t = *rr.record;
  json body = json::object();
  for (const auto& [k, v] : t.fields()) body[k] = record::ValueToJson(v);
  json cf = json::object();
  for (const auto& [k, v] : t.custom_fields()) cf[k] = record::ValueToJson(v);
  if (!rr.owner_id.empty()) body["owner_id"] = IdJson(rr.owner_id);
  for (const auto& [field, ids] : rr.lookup_ids) {
    if (ids.empty()) continue;
    if (field == "sales_accounts") {
      json arr = json::array();
      for (const auto& id : ids)
        arr.push_back({{"id", IdJson(id)}, {"is_primary", arr.empty()}});
      body[field] = std::move(arr);
    } else if (absl::StartsWith(field, "cf_")) {
      cf[field] = IdJson(ids.front());
    } else if (ids.size() > 1) {
      json arr = json::array();
      for (const auto& id : ids) arr.push_back(IdJson(id));
      body[field] = std::move(arr);
    } else {
      body[field] = IdJson(ids.front());
    }
  }
  if (!cf.empty()) body["custom_field"] = std::move(cf);
  return json{{EntityKey(t.target_object()), std::move(body)}};
}

absl::StatusOr<std::unique_ptr<CrmConnector>> MakeNullConnector(
    const std::string& base_url) {
  absl::string_view emails = base_url;
  absl::ConsumePrefix(&emails, "null:");
  std::vector<CrmUser> users;
  for (absl::string_view email :
       absl::StrSplit(emails, ',', absl::SkipWhitespace())) {
    email = absl::StripAsciiWhitespace(email);
    users.push_back({absl::StrCat(users.size() + 1), std::string(email),
                     std::string(email)});
  }
  if (users.empty()) {
    return absl::InvalidArgumentError(
        "the null destination needs its users: --crm-url "
        "null:<email>[,<email>...]");
  }
  return std::make_unique<NullConnector>(std::move(users));
}

}  // namespace bridgework::crm
