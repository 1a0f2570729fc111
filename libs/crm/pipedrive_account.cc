#include "libs/crm/pipedrive_account.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "libs/record/value.h"

namespace bridgework::crm::pipedrive {

std::shared_ptr<AccountState> AccountState::For(const std::string& base_url,
                                                const std::string& token) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* accounts =
      new std::map<std::string, std::shared_ptr<AccountState>>();
  std::string key = absl::StrCat(base_url, "\n", record::Sha256Hex(token));
  absl::MutexLock l(&mu);
  std::shared_ptr<AccountState>& state = (*accounts)[key];
  if (!state) state = std::make_shared<AccountState>();
  return state;
}

bool AccountState::HasFields(const std::string& family) const {
  absl::MutexLock l(&mu_);
  return fields_.count(family) > 0;
}

void AccountState::SetFields(const std::string& family,
                             std::vector<FieldDef> defs) {
  absl::MutexLock l(&mu_);
  fields_[family] = std::move(defs);
}

void AccountState::PutField(const std::string& family, const FieldDef& def) {
  absl::MutexLock l(&mu_);
  std::vector<FieldDef>& defs = fields_[family];
  for (auto& d : defs) {
    if (d.code == def.code) {
      d = def;
      return;
    }
  }
  defs.push_back(def);
}

void AccountState::Remember(const std::string& family,
                            const std::string& map_name,
                            const std::string& code) {
  absl::MutexLock l(&mu_);
  remembered_[family][map_name] = code;
}

std::optional<FieldDef> AccountState::Find(const std::string& family,
                                           const std::string& map_name) {
  absl::MutexLock l(&mu_);
  auto defs = fields_.find(family);
  if (defs == fields_.end()) return std::nullopt;
  std::string& code = remembered_[family][map_name];
  if (!code.empty()) {
    for (const auto& d : defs->second)
      if (d.code == code) return d;
  }
  const std::string wanted = NormalizedFieldName(map_name);
  const FieldDef* match = nullptr;
  for (const auto& d : defs->second) {
    if (!d.custom || NormalizedFieldName(d.name) != wanted) continue;
    if (match != nullptr) return std::nullopt;  // two candidates: no guess
    match = &d;
  }
  if (match == nullptr) return std::nullopt;
  code = match->code;
  return *match;
}

bool AccountState::HasPipelines() const {
  absl::MutexLock l(&mu_);
  return pipelines_loaded_;
}

void AccountState::SetPipelines(std::map<std::string, int64_t> pipelines,
                                std::vector<Stage> stages) {
  absl::MutexLock l(&mu_);
  pipelines_ = std::move(pipelines);
  stages_ = std::move(stages);
  pipelines_loaded_ = true;
}

void AccountState::AddPipeline(const std::string& name, int64_t id) {
  absl::MutexLock l(&mu_);
  pipelines_[name] = id;
}

void AccountState::AddStage(const Stage& stage) {
  absl::MutexLock l(&mu_);
  stages_.push_back(stage);
}

std::optional<int64_t> AccountState::PipelineId(const std::string& name) const {
  absl::MutexLock l(&mu_);
  auto it = pipelines_.find(name);
  if (it == pipelines_.end()) return std::nullopt;
  return it->second;
}

std::vector<Stage> AccountState::StagesNamed(const std::string& name,
                                             int64_t pipeline_id) const {
  absl::MutexLock l(&mu_);
  std::vector<Stage> out;
  for (const auto& s : stages_) {
    if (s.name == name && (pipeline_id == 0 || s.pipeline_id == pipeline_id))
      out.push_back(s);
  }
  return out;
}

std::optional<std::string> AccountState::PipelineName(int64_t id) const {
  absl::MutexLock l(&mu_);
  for (const auto& [name, pipeline_id] : pipelines_)
    if (pipeline_id == id) return name;
  return std::nullopt;
}

std::optional<std::string> AccountState::StageName(int64_t id) const {
  absl::MutexLock l(&mu_);
  for (const auto& s : stages_)
    if (s.id == id) return s.name;
  return std::nullopt;
}

bool AccountState::HasActivityTypes() const {
  absl::MutexLock l(&mu_);
  return activity_types_loaded_;
}

void AccountState::SetActivityTypes(std::map<std::string, std::string> types) {
  absl::MutexLock l(&mu_);
  activity_types_.clear();
  for (auto& [name, key] : types)
    activity_types_[absl::AsciiStrToLower(name)] = key;
  activity_types_loaded_ = true;
}

std::optional<std::string> AccountState::ActivityType(
    const std::string& name) const {
  absl::MutexLock l(&mu_);
  auto it = activity_types_.find(absl::AsciiStrToLower(name));
  if (it == activity_types_.end()) return std::nullopt;
  return it->second;
}

}  // namespace bridgework::crm::pipedrive
