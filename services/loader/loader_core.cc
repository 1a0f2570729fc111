#include "services/loader/loader_core.h"

#include <chrono>
#include <map>
#include <optional>
#include <set>

#include <google/protobuf/arena.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"
#include "libs/common/status_macros.h"
#include "libs/crm/projection.h"
#include "libs/crm/wire_util.h"
#include "libs/mapping/map.h"

namespace bridgework::loader {
namespace {

using nlohmann::json;

std::string KeyString(const std::string& object, const std::string& key,
                      const std::string& target) {
  return absl::StrCat(object.size(), ":", object, key.size(), ":", key, target);
}

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

bool IsAmbiguous(const absl::Status& s) {
  return absl::IsUnavailable(s) && absl::StartsWith(s.message(), "ambiguous:");
}

// Record-level failures quarantine the record; anything else stops the
// batch so the run can resume later.
bool IsRecordError(const absl::Status& s) {
  return absl::IsInvalidArgument(s) || absl::IsNotFound(s) ||
         absl::IsFailedPrecondition(s);
}

int HttpStatusOf(const absl::Status& s) {
  if (s.ok()) return 200;
  std::string_view m(s.message().data(), s.message().size());
  if (absl::StartsWith(s.message(), "HTTP "))
    return std::atoi(std::string(m.substr(5, 3)).c_str());
  return 0;
}

// Planned work for one record of a batch.
struct Plan {
  enum class Kind {
    kCreate,
    kUpdate,
    kUnchanged,
    kAlreadyInRun,
    kAdopt,
    kQuarantine,
    // Existed in the CRM before the migration; left as it is (policy skip).
    kMatch,
    // Edited in the CRM since we wrote it; left as it is (policy skip).
    kSkipEdited,
  };
  Kind kind = Kind::kCreate;
  const v1::TargetRecord* record = nullptr;
  crm::ResolvedRecord resolved;
  std::string crm_id;
  int64_t seq = 0;  // intent seq
  std::string reason;
  std::string field;
  bool link_pending = false;
  // Found in the CRM by a match field, not through the id map.
  bool matched = false;
  // The id map's projection of what was last written ("" if none).
  std::string written;
  // kUpdate / kMatch: the CRM's current values of what the record writes
  // (a projection), read before the write.
  json now;
  // kUpdate: `now` was taken from the id map's `written`, not read
  // (`crm_edited: overwrite` with `before_image: ledger`); a record deleted
  // in the CRM since shows only when the update fails.
  bool unread = false;
  // A partial write (policy fill_blanks): only these fields.
  std::optional<v1::TargetRecord> subset;
};

// Index key of a match value: "<field>\x1f<normalised text>" (trimmed,
// lower case; phones as their digits).
std::string MatchKey(const std::string& field, const json& value) {
  std::string text =
      value.is_string() ? value.get<std::string>() : value.dump();
  text = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  bool phone = !text.empty();
  std::string digits;
  for (char c : text) {
    if (absl::ascii_isdigit(c)) {
      digits.push_back(c);
    } else if (!absl::StrContains(" +-().", c)) {
      phone = false;
    }
  }
  if (phone && digits.size() >= 7) text = digits;
  return absl::StrCat(field, "\x1f", text);
}

// The values of a projection section's field, one per element for lists
// (Pipedrive's emails).
std::vector<json> MatchValues(const json& v) {
  std::vector<json> out;
  if (v.is_array()) {
    for (const json& e : v) {
      if (e.is_object() && e.contains("value")) {
        out.push_back(e["value"]);
      } else {
        out.push_back(e);
      }
    }
  } else if (!crm::IsBlank(v)) {
    out.push_back(v);
  }
  return out;
}

// The record with only the fields and custom fields `keep` names (its
// lookups and identity kept).
v1::TargetRecord Subset(const v1::TargetRecord& r,
                        const std::vector<crm::FieldDelta>& keep) {
  v1::TargetRecord out = r;
  out.clear_fields();
  out.clear_custom_fields();
  for (const auto& d : keep) {
    if (d.section == "fields" && r.fields().contains(d.name)) {
      (*out.mutable_fields())[d.name] = r.fields().at(d.name);
    } else if (d.section == "custom_fields" &&
               r.custom_fields().contains(d.name)) {
      (*out.mutable_custom_fields())[d.name] = r.custom_fields().at(d.name);
    }
  }
  return out;
}

// True when `p`'s update can go through the CRM's bulk upsert, which
// matches records by the external key: a whole record (not a fill_blanks
// subset) we wrote before (not one matched by a field), whose CRM record,
// as read for the update, still holds the key, so the upsert updates that
// record and no other.
bool BulkUpdatable(const Plan& p) {
  const std::string& field = p.record->external_key_field();
  const std::string& key = p.record->external_key();
  if (p.matched || p.unread || p.subset.has_value() || field.empty() ||
      key.empty()) {
    return false;
  }
  for (const char* section : {"fields", "custom_fields"}) {
    if (!p.now.contains(section) || !p.now[section].is_object()) continue;
    auto it = p.now[section].find(field);
    if (it == p.now[section].end()) continue;
    return (it->is_string() && it->get<std::string>() == key) ||
           (it->is_number_integer() && it->dump() == key);
  }
  return false;
}

// The CRM's values of what an update writes, taken from what the previous
// write left (`written_text`, the id map's projection) instead of a read,
// when it holds every field of the record's projection `expected` but the
// key field, which `written` leaves out (a migration never changes a
// record's key, and some objects cannot hold it). nullopt when a field is
// missing (a field new to the map, or a connector whose written projection
// leaves some out, as Pipedrive's custom fields of objects without them):
// the record is read.
std::optional<json> NowFromWritten(const std::string& written_text,
                                   const json& expected,
                                   const std::string& key_field) {
  if (written_text.empty()) return std::nullopt;
  json written = json::parse(written_text, nullptr, false);
  if (!written.is_object()) return std::nullopt;
  for (const auto& [section, fields] : expected.items()) {
    if (!fields.is_object()) continue;
    for (const auto& [name, value] : fields.items()) {
      if (section != "lookups" && name == key_field) continue;
      if (!written.contains(section) || !written[section].is_object() ||
          !written[section].contains(name)) {
        return std::nullopt;
      }
    }
  }
  return written;
}

std::string FieldList(const std::vector<crm::FieldDelta>& deltas) {
  std::string out;
  for (const auto& d : deltas) {
    if (d.section == "lookups") continue;
    absl::StrAppend(&out, out.empty() ? "" : ", ", d.name);
  }
  return out;
}

// A destination field's value in a projection; the map's convention: a
// "cf_" prefix marks a custom field. Null when absent.
json FieldValue(const json& projection, const std::string& field) {
  return crm::ValueOf(
      crm::Member(projection,
                  absl::StartsWith(field, "cf_") ? "custom_fields" : "fields"),
      field);
}

// A dry run's answer: what each record would become, and the requests the
// writes would take (CrmConnector::PlanWrite). Nothing is sent or recorded.
absl::StatusOr<v1::LoadAck> DryRunAck(crm::CrmConnector* connector,
                                      const v1::TargetBatch& batch,
                                      const std::vector<Plan>& plans) {
  v1::LoadAck ack;
  ack.set_sequence(batch.sequence());
  int64_t requests = 0;
  for (const Plan& p : plans) {
    v1::RecordOutcome* out = ack.add_outcomes();
    out->set_source_object(p.record->source_object());
    out->set_source_key(p.record->source_key());
    out->set_crm_id(p.crm_id);
    switch (p.kind) {
      case Plan::Kind::kCreate:
      case Plan::Kind::kUpdate: {
        bool create = p.kind == Plan::Kind::kCreate;
        absl::StatusOr<int> n = connector->PlanWrite(p.resolved, create);
        if (n.ok()) {
          requests += *n;
          out->set_status(create ? v1::RECORD_STATUS_CREATED
                                 : v1::RECORD_STATUS_UPDATED);
        } else if (IsRecordError(n.status())) {
          out->set_status(v1::RECORD_STATUS_QUARANTINED);
          out->set_reason(std::string(n.status().message()));
        } else {
          return n.status();
        }
        break;
      }
      case Plan::Kind::kQuarantine:
        out->set_status(v1::RECORD_STATUS_QUARANTINED);
        out->set_reason(p.reason);
        out->set_field(p.field);
        break;
      case Plan::Kind::kAdopt:
        out->set_status(v1::RECORD_STATUS_ADOPTED);
        break;
      default:
        out->set_status(v1::RECORD_STATUS_UNCHANGED);
    }
  }
  ack.set_requests(requests);
  return ack;
}

}  // namespace

absl::StatusOr<const LoaderCore::MatchIndex*> LoaderCore::IndexOf(
    const v1::TargetBatch& batch) {
  const std::string& object = batch.target_object();
  auto it = match_index_.find(object);
  if (it != match_index_.end()) return &it->second;
  // A record naming the match fields in the section the map writes them.
  v1::TargetRecord probe;
  probe.set_target_object(object);
  auto ask = [&probe](const std::string& field) {
    auto* section = absl::StartsWith(field, "cf_")
                        ? probe.mutable_custom_fields()
                        : probe.mutable_fields();
    (*section)[field].set_null_value(true);
  };
  for (const std::string& field : batch.match_fields()) ask(field);
  // Records carrying an external key were written by a migration: only
  // records that existed before it are matched (a new family member
  // sharing an email with a migrated patient is not "already there").
  const std::string key_field =
      batch.records_size() > 0 ? batch.records(0).external_key_field() : "";
  if (!key_field.empty()) ask(key_field);
  MatchIndex index;
  std::string token;
  do {
    BW_ASSIGN_OR_RETURN(crm::ListPage page,
                        connector_->List(object, token, 100));
    for (const json& rec : page.records) {
      if (!rec.contains("id")) continue;
      BW_ASSIGN_OR_RETURN(json p, connector_->Project(probe, rec));
      if (!key_field.empty() && !crm::IsBlank(FieldValue(p, key_field))) {
        continue;
      }
      std::string id = crm::IdText(rec["id"]);
      for (const std::string& field : batch.match_fields()) {
        for (const json& v : MatchValues(FieldValue(p, field))) {
          index.emplace(MatchKey(field, v), id);
        }
      }
    }
    token = page.next_page_token;
  } while (!token.empty());
  LogInfo("existing records indexed",
          {{"object", object}, {"keys", absl::StrCat(index.size())}});
  return &match_index_.emplace(object, std::move(index)).first->second;
}

LoaderCore::LoaderCore(std::string crm_name, crm::CrmConnector* connector,
                       AuditorClient* auditor, crm::Clock clock)
    : crm_name_(std::move(crm_name)),
      connector_(connector),
      auditor_(auditor),
      clock_(std::move(clock)) {}

absl::StatusOr<LoaderCore::ResolvedKeys> LoaderCore::ResolveRecords(
    const std::string& account,
    const google::protobuf::RepeatedPtrField<v1::TargetRecord>& records,
    Written written) {
  google::protobuf::Arena arena;  // the request, freed at once
  v1::ResolveKeysRequest& resolve =
      *google::protobuf::Arena::CreateMessage<v1::ResolveKeysRequest>(&arena);
  resolve.set_account(account);
  resolve.set_written_if_changed(written != Written::kAll);
  // Each key once: a batch's records mostly share their parents (the
  // location, the provider, a patient's appointments its patient). A
  // record's own key carries its fingerprint even when a record before it
  // asked for it as a parent.
  absl::flat_hash_map<std::string, int> asked;
  auto ask = [&](const std::string& object, const std::string& key,
                 const std::string& target, const std::string& fingerprint) {
    auto [it, added] =
        asked.try_emplace(KeyString(object, key, target), resolve.keys_size());
    if (added) *resolve.add_keys() = MakeKeyRef(object, key, target);
    if (written == Written::kIfChanged && !fingerprint.empty()) {
      resolve.mutable_keys(it->second)->set_fingerprint(fingerprint);
    }
  };
  for (const auto& r : records) {
    ask(r.source_object(), r.source_key(), r.target_object(), r.fingerprint());
    for (const auto& l : r.lookups()) {
      ask(l.source_object(), l.source_key(), l.target_object(), "");
    }
  }
  BW_ASSIGN_OR_RETURN(v1::ResolveKeysResponse resolved,
                      auditor_->ResolveKeys(resolve));
  // The answer is in request order: each key string is the one asked.
  if (resolved.keys_size() != resolve.keys_size()) {
    return absl::InternalError(absl::StrCat("the auditor resolved ",
                                            resolved.keys_size(), " keys of ",
                                            resolve.keys_size()));
  }
  ResolvedKeys out;
  out.reserve(asked.size());
  for (const auto& [key, index] : asked) {
    out.emplace(key, std::move(*resolved.mutable_keys(index)));
  }
  return out;
}

absl::Status LoaderCore::EnsureOwners(const v1::DestinationConfig& destination,
                                      bool fresh) {
  if (owners_loaded_) return absl::OkStatus();
  std::optional<std::vector<crm::CrmUser>> shared;
  if (users_ != nullptr && !fresh) shared = users_->Get(destination.account());
  std::vector<crm::CrmUser> users;
  if (shared.has_value()) {
    users = std::move(*shared);
  } else {
    BW_ASSIGN_OR_RETURN(users, connector_->ListUsers());
    if (users_ != nullptr) users_->Put(destination.account(), users);
  }
  user_by_email_.clear();
  for (const auto& u : users) {
    if (!u.email.empty()) user_by_email_[Lower(u.email)] = u.id;
  }
  auto it = user_by_email_.find(Lower(destination.fallback_owner_email()));
  if (it == user_by_email_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the fallback owner (destination.fallback_owner_email) is "
                     "not a user of this ",
                     crm_name_, " account"));
  }
  fallback_owner_id_ = it->second;
  owners_loaded_ = true;
  return absl::OkStatus();
}

absl::StatusOr<LoaderCore::Created> LoaderCore::FindCreated(
    const std::string& account, const crm::ResolvedRecord& record,
    const std::set<std::string>& taken) {
  const v1::TargetRecord& r = *record.record;
  // A route without an external key field (Freshsales appointments) has
  // nothing to search by either.
  if (!r.external_key_field().empty() &&
      connector_->FindsByExternalKey(r.target_object())) {
    auto found = connector_->FindByExternalKey(
        r.target_object(), r.external_key_field(), r.external_key());
    if (!absl::IsUnimplemented(found.status())) {
      if (!found.ok()) return found.status();
      return Created{*found, ""};
    }
  }
  absl::StatusOr<std::vector<std::string>> ids =
      connector_->FindByContent(record);
  if (absl::IsUnimplemented(ids.status())) {
    // The CRM offers no way to read these records back (a Freshsales note
    // split into parts, HighLevel appointments and media): creating again
    // could make it twice, so the record is quarantined instead, with its
    // intent left pending (every later run quarantines it again).
    LogWarning("cannot tell whether a create happened",
               {{"object", r.target_object()}});
    return Created{
        std::nullopt,
        absl::StrCat(
            "a create of this ", r.target_object(),
            " may have happened (its reply was lost) and ", crm_name_,
            " cannot read ", r.target_object(),
            " records back to tell; it is not sent again. Check the record "
            "in ",
            crm_name_, " (", ids.status().message(), ")")};
  }
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return Created{};
  // Records of other source keys with the same content are theirs: the
  // id map says which.
  std::set<std::string> claimed = taken;
  v1::ListMappedRequest request;
  request.set_account(account);
  request.set_source_object(r.source_object());
  request.set_without_written(true);
  BW_RETURN_IF_ERROR(
      auditor_->ListMapped(request, [&](const v1::ResolvedKey& k) {
        if (k.key().target_object() == r.target_object() &&
            k.key().source_key() != r.source_key() && !k.crm_id().empty()) {
          claimed.insert(k.crm_id());
        }
        return true;
      }));
  for (const std::string& id : *ids) {
    if (!claimed.count(id)) return Created{id, ""};
  }
  return Created{};
}

std::string LoaderCore::OwnerId(const std::string& email) const {
  auto it = user_by_email_.find(Lower(email));
  return it == user_by_email_.end() ? fallback_owner_id_ : it->second;
}

absl::StatusOr<crm::SchemaReport> LoaderCore::PrepareSchemaOf(
    const std::string& map_yaml, bool apply) {
  BW_ASSIGN_OR_RETURN(mapping::Map map, mapping::ParseMap(map_yaml, "map"));
  crm::SchemaRequest wanted{map.custom_fields, map.custom_objects,
                            map.pipelines, map.territories};
  return connector_->PrepareSchema(wanted, apply);
}

absl::StatusOr<v1::PrepareResponse> LoaderCore::Prepare(
    const v1::PrepareRequest& request) {
  if (request.destination().crm() != crm_name_) {
    return absl::FailedPreconditionError(
        absl::StrCat("this loader serves ", crm_name_, ", the run targets ",
                     request.destination().crm()));
  }
  int64_t before = connector_->requests();
  owners_loaded_ = false;
  // Read afresh at the start of every run, and shared with its streams.
  BW_RETURN_IF_ERROR(EnsureOwners(request.destination(), /*fresh=*/true));
  v1::SchemaReport schema;
  if (!request.map_yaml().empty()) {
    BW_ASSIGN_OR_RETURN(
        crm::SchemaReport report,
        PrepareSchemaOf(request.map_yaml(), !request.check_only()));
    if (!report.ready() && !request.check_only()) {
      std::string list;
      for (const auto& line : report.checklist) {
        absl::StrAppend(&list, "\n  - ", line);
      }
      return absl::FailedPreconditionError(absl::StrCat(
          crm_name_, " is missing ", report.checklist.size(),
          " item(s) the map needs; nothing was loaded. Admin checklist:",
          list));
    }
    for (const auto& s : report.present) schema.add_present(s);
    for (const auto& s : report.created) schema.add_created(s);
    for (const auto& s : report.limits) schema.add_limits(s);
    for (const auto& s : report.to_create) schema.add_to_create(s);
    for (const auto& s : report.checklist) schema.add_checklist(s);
  }
  v1::PrepareResponse response;
  *response.mutable_schema() = std::move(schema);
  response.set_fallback_owner_id(fallback_owner_id_);
  std::set<std::string> seen;
  for (const auto& email : request.owner_emails()) {
    if (!seen.insert(Lower(email)).second) continue;
    v1::OwnerMatch* m = response.add_owners();
    m->set_email(email);
    auto it = user_by_email_.find(Lower(email));
    m->set_matched(it != user_by_email_.end());
    m->set_crm_user_id(m->matched() ? it->second : fallback_owner_id_);
  }
  response.set_requests(connector_->requests() - before);
  v1::RecordOutcomesRequest count;
  count.set_account(request.destination().account());
  count.set_run_id(request.run_id());
  count.set_requests(response.requests());
  BW_RETURN_IF_ERROR(auditor_->RecordOutcomes(count));
  return response;
}

absl::StatusOr<v1::LoadAck> LoaderCore::LoadBatch(
    const v1::TargetBatch& batch) {
  if (batch.destination().crm() != crm_name_) {
    return absl::FailedPreconditionError(
        absl::StrCat("this loader serves ", crm_name_, ", the batch targets ",
                     batch.destination().crm()));
  }
  const std::string& account = batch.destination().account();
  const std::string& run_id = batch.run_id();
  int64_t requests_before = connector_->requests();
  const v1::WritePolicy& policy = batch.policy();
  const bool dry = policy.dry_run();
  // A dry run plans against the schema Prepare would leave: the connector
  // reads the account's schema and remembers what it would create as
  // planned (CrmConnector::PrepareSchema), once per stream.
  if (dry && !schema_planned_ && !batch.map_yaml().empty()) {
    BW_RETURN_IF_ERROR(PrepareSchemaOf(batch.map_yaml(), false).status());
    schema_planned_ = true;
  }

  // 1. Resolve own keys and lookups in one ledger call.
  BW_ASSIGN_OR_RETURN(
      ResolvedKeys by_key,
      ResolveRecords(account, batch.records(), Written::kIfChanged));

  // CRM ids this batch found or created (FindCreated never gives one twice).
  std::set<std::string> found_in_batch;

  // 2. Plan each record.
  std::vector<Plan> plans(batch.records_size());
  for (int i = 0; i < batch.records_size(); ++i) {
    const v1::TargetRecord& r = batch.records(i);
    Plan& p = plans[i];
    p.record = &r;
    p.resolved.record = &r;
    for (const auto& l : r.lookups()) {
      if (l.deferrable()) {
        p.link_pending = true;  // always set by Link, after the object
        continue;
      }
      auto it = by_key.find(
          KeyString(l.source_object(), l.source_key(), l.target_object()));
      if (dry && (it == by_key.end() || it->second.crm_id().empty())) {
        // A dry run writes nothing, so parents are not in the id map; the
        // transformer checked the reference resolves to a record it sent.
        p.resolved.lookup_ids[l.target_field()].push_back("(new)");
        continue;
      }
      if (it == by_key.end() || it->second.crm_id().empty()) {
        p.kind = Plan::Kind::kQuarantine;
        p.field = l.target_field();
        p.reason = absl::StrCat("references ", l.source_object(), " ",
                                l.source_key(), ", which is not loaded");
        break;
      }
      p.resolved.lookup_ids[l.target_field()].push_back(it->second.crm_id());
    }
    if (p.kind == Plan::Kind::kQuarantine) continue;
    auto own_it = by_key.find(
        KeyString(r.source_object(), r.source_key(), r.target_object()));
    const v1::ResolvedKey* own =
        own_it == by_key.end() ? nullptr : &own_it->second;
    if (own != nullptr && !own->crm_id().empty()) {
      p.crm_id = own->crm_id();
      p.written = own->written();
      if (own->run_id() == run_id) {
        p.kind = Plan::Kind::kAlreadyInRun;
      } else if (own->fingerprint() == r.fingerprint()) {
        p.kind = Plan::Kind::kUnchanged;
      } else {
        p.kind = Plan::Kind::kUpdate;
      }
    } else if (own != nullptr && own->pending_seq() != 0) {
      // A write whose outcome was never recorded: find out whether it
      // happened before writing again.
      p.seq = own->pending_seq();
      auto found = FindCreated(account, p.resolved, found_in_batch);
      if (!found.ok()) return found.status();
      if (!found->unknowable.empty()) {
        p.kind = Plan::Kind::kQuarantine;
        p.reason = found->unknowable;
        continue;
      }
      if (found->id) {
        p.kind = Plan::Kind::kAdopt;
        p.crm_id = *found->id;
        found_in_batch.insert(p.crm_id);
      }
    }
  }

  // 2b. Records new to the ledger that the CRM already holds (matched by
  // the map's match fields), and the CRM's current values of everything
  // about to be updated: the before-image, and the three-way check of a
  // record edited in the CRM since we wrote it.
  bool any_new = false;
  for (const Plan& p : plans) {
    any_new |= p.kind == Plan::Kind::kCreate && p.seq == 0;
  }
  if (batch.match_fields_size() > 0 && any_new) {
    BW_ASSIGN_OR_RETURN(const MatchIndex* index, IndexOf(batch));
    for (Plan& p : plans) {
      if (p.kind != Plan::Kind::kCreate || p.seq != 0) continue;
      json expected = crm::ExpectedProjection(*p.record);
      for (const std::string& field : batch.match_fields()) {
        for (const json& one : MatchValues(FieldValue(expected, field))) {
          auto it = index->find(MatchKey(field, one));
          if (it != index->end()) {
            p.crm_id = it->second;
            break;
          }
        }
        if (!p.crm_id.empty()) break;
      }
      if (p.crm_id.empty()) continue;
      p.matched = true;
      p.kind = Plan::Kind::kUpdate;
    }
  }
  // Read together (CrmConnector::GetMany): a bulk read where the CRM has
  // one, so a delta's changed contacts cost a hundredth of a request each.
  // Under `crm_edited: overwrite` an edit in the CRM changes nothing, so the
  // read only gives the before-image; with `before_image: ledger` what the
  // previous write left gives it without a request (NowFromWritten): a
  // changed record of an object without a bulk API then costs its write
  // alone. Objects with one are still read: 100 to a request, and the read
  // lets their updates join the bulk upsert (BulkUpdatable).
  std::vector<Plan*> to_read;
  for (Plan& p : plans) {
    if (dry) break;
    if (p.kind == Plan::Kind::kUpdate && !p.matched &&
        policy.crm_edited() == v1::EXISTING_POLICY_OVERWRITE &&
        policy.before_image_from_ledger() &&
        !connector_->SupportsBulkUpsert(p.record->target_object())) {
      std::optional<json> now = NowFromWritten(
          p.written, crm::ExpectedProjection(*p.record, p.resolved.lookup_ids),
          p.record->external_key_field());
      if (now) {
        p.now = std::move(*now);
        p.unread = true;
        continue;
      }
    }
    if (p.kind == Plan::Kind::kUpdate || p.kind == Plan::Kind::kMatch) {
      to_read.push_back(&p);
    }
  }
  std::vector<std::optional<json>> currents;
  if (!to_read.empty()) {
    std::vector<std::string> ids;
    std::vector<const v1::TargetRecord*> records;
    for (const Plan* p : to_read) {
      ids.push_back(p->crm_id);
      records.push_back(p->record);
    }
    BW_ASSIGN_OR_RETURN(currents, connector_->GetMany(ids, records));
    if (currents.size() != to_read.size()) {
      return absl::InternalError(absl::StrCat(crm_name_, " connector read ",
                                              currents.size(), " records of ",
                                              to_read.size()));
    }
  }
  for (size_t i = 0; i < to_read.size(); ++i) {
    Plan& p = *to_read[i];
    const std::optional<json>& current = currents[i];
    if (!current.has_value()) {
      // Deleted in the CRM since: written again as new.
      p.kind = Plan::Kind::kCreate;
      p.crm_id.clear();
      continue;
    }
    BW_ASSIGN_OR_RETURN(p.now, connector_->Project(*p.record, *current));
    json expected = crm::ExpectedProjection(*p.record, p.resolved.lookup_ids);
    v1::ExistingPolicy choice = policy.existing();
    std::vector<crm::FieldDelta> edited;
    if (!p.matched) {
      if (p.written.empty()) continue;  // written before projections: update
      json written = json::parse(p.written, nullptr, false);
      if (!written.is_object()) continue;
      edited = crm::DiffProjections(written, p.now);
      if (edited.empty()) continue;  // the CRM holds what we wrote
      choice = policy.crm_edited();
    }
    if (choice == v1::EXISTING_POLICY_OVERWRITE) continue;
    if (choice == v1::EXISTING_POLICY_FILL_BLANKS) {
      std::vector<crm::FieldDelta> blanks;
      for (const auto& d : crm::DiffProjections(expected, p.now)) {
        if (d.section != "lookups" && crm::IsBlank(d.right))
          blanks.push_back(d);
      }
      if (!blanks.empty()) {
        p.subset = Subset(*p.record, blanks);
        // A record that existed before the migration gets its blank fields
        // filled but is not re-linked: its relationships are the CRM
        // owner's (and some CRMs cannot unlink on rollback, e.g. a
        // Pipedrive person's org_id is not nullable).
        if (p.matched) {
          p.subset->clear_lookups();
          p.resolved.lookup_ids.clear();
        }
        p.resolved.record = &*p.subset;
        continue;
      }
    }
    if (p.matched) {
      p.kind = Plan::Kind::kMatch;
    } else {
      p.kind = Plan::Kind::kSkipEdited;
      p.field = edited.front().name;
      p.reason = absl::StrCat(
          "edited in the CRM since Bridgework wrote it (", FieldList(edited),
          "); left as it is (policy ",
          choice == v1::EXISTING_POLICY_FILL_BLANKS ? "fill_blanks" : "skip",
          ")");
    }
  }

  // Owners only when something is written.
  bool writes_any = false;
  for (const Plan& p : plans) {
    writes_any |= p.kind == Plan::Kind::kCreate ||
                  p.kind == Plan::Kind::kUpdate || p.kind == Plan::Kind::kAdopt;
  }
  if (writes_any) {
    BW_RETURN_IF_ERROR(EnsureOwners(batch.destination()));
    for (Plan& p : plans)
      // A record that existed before the migration keeps its owner: the
      // owner is not part of the before-image a rollback restores.
      if (!p.matched) p.resolved.owner_id = OwnerId(p.record->owner_email());
  }
  if (dry) return DryRunAck(connector_, batch, plans);

  // 3. Intents, synced, before any write: recorded for one window of the
  // batch at a time, just before its writes (WriteWindow), so a crash
  // leaves pending only the window in flight.
  auto add_intent = [&run_id](const Plan& p, v1::RecordIntentsRequest* to) {
    v1::Operation* op = to->add_operations();
    op->set_run_id(run_id);
    op->set_kind(p.kind == Plan::Kind::kCreate   ? v1::OP_KIND_CREATE
                 : p.kind == Plan::Kind::kUpdate ? v1::OP_KIND_UPDATE
                                                 : v1::OP_KIND_MATCH);
    op->set_state(v1::OP_STATE_INTENT);
    op->set_source_object(p.record->source_object());
    op->set_source_key(p.record->source_key());
    op->set_target_object(p.record->target_object());
    op->set_fingerprint(p.record->fingerprint());
    op->set_external_key(p.record->external_key());
    op->set_crm_id(p.crm_id);
  };
  auto record_intents = [&](size_t begin, size_t end) -> absl::Status {
    google::protobuf::Arena arena;  // the request, freed at once
    v1::RecordIntentsRequest& intents =
        *google::protobuf::Arena::CreateMessage<v1::RecordIntentsRequest>(
            &arena);
    intents.set_account(account);
    std::vector<size_t> intent_index;
    for (size_t i = begin; i < end; ++i) {
      const Plan& p = plans[i];
      bool writes = p.kind == Plan::Kind::kCreate ||
                    p.kind == Plan::Kind::kUpdate ||
                    p.kind == Plan::Kind::kMatch;
      if (!writes || p.seq != 0) continue;
      add_intent(p, &intents);
      intent_index.push_back(i);
    }
    if (intents.operations_size() == 0) return absl::OkStatus();
    BW_ASSIGN_OR_RETURN(v1::RecordIntentsResponse ir,
                        auditor_->RecordIntents(intents));
    if (ir.seqs_size() != intents.operations_size()) {
      return absl::InternalError(
          absl::StrCat("the auditor gave ", ir.seqs_size(), " seqs for ",
                       intents.operations_size(), " intents"));
    }
    for (size_t j = 0; j < intent_index.size(); ++j) {
      plans[intent_index[j]].seq = ir.seqs(static_cast<int>(j));
    }
    return absl::OkStatus();
  };

  // 4. Writes, window by window; outcomes are recorded even if the batch
  // stops early.
  v1::LoadAck ack;
  ack.set_sequence(batch.sequence());
  // The batch's requests to the auditor, freed at once.
  google::protobuf::Arena arena;
  v1::RecordOutcomesRequest& outcomes =
      *google::protobuf::Arena::CreateMessage<v1::RecordOutcomesRequest>(
          &arena);
  outcomes.set_account(account);
  v1::RecordDispositionsRequest& dispositions =
      *google::protobuf::Arena::CreateMessage<v1::RecordDispositionsRequest>(
          &arena);
  dispositions.set_run_id(run_id);
  absl::Status stop;
  // A quarantined record's disposition, with where it came from. For a CRM
  // refusal it is written after the outcome and replaces the one the
  // outcome wrote.
  auto quarantine = [&](const Plan& p, const std::string& reason,
                        const std::string& field) {
    v1::Disposition* d = dispositions.add_dispositions();
    d->set_source_object(p.record->source_object());
    d->set_source_key(p.record->source_key());
    d->set_status(v1::DISPOSITION_STATUS_QUARANTINED);
    v1::Rejection* rej = d->mutable_rejection();
    rej->set_object_type(p.record->source_object());
    rej->set_source_key(p.record->source_key());
    *rej->mutable_location() = p.record->location();
    rej->set_field(field);
    rej->set_reason(reason);
    rej->set_stage("load");
  };
  // The disposition of a record the CRM holds (its id map's record).
  auto add_disposition = [&](const Plan& p, v1::DispositionStatus status) {
    v1::Disposition* d = dispositions.add_dispositions();
    d->set_source_object(p.record->source_object());
    d->set_source_key(p.record->source_key());
    d->set_status(status);
    d->set_target_object(p.record->target_object());
    d->set_crm_id(p.crm_id);
    return d;
  };
  auto add_outcome = [&](const Plan& p, v1::OpKind kind, v1::OpState state,
                         const std::string& crm_id, const absl::Status& status,
                         const std::string& before_image,
                         const std::string& written = "") {
    v1::Operation* op = outcomes.add_operations();
    op->set_run_id(run_id);
    op->set_seq(p.seq);
    op->set_kind(kind);
    op->set_state(state);
    op->set_source_object(p.record->source_object());
    op->set_source_key(p.record->source_key());
    op->set_target_object(p.record->target_object());
    op->set_fingerprint(p.record->fingerprint());
    op->set_external_key(p.record->external_key());
    op->set_crm_id(crm_id);
    op->set_http_status(HttpStatusOf(status));
    if (!status.ok()) op->set_error(std::string(status.message()));
    op->set_before_image(before_image);
    op->set_written(written);
  };
  // What a write of `p` leaves in the CRM: the record's values, and for a
  // partial write the CRM's own values of the fields it did not write;
  // without the record's external key field. The key is Bridgework's
  // bookkeeping, and objects without custom fields (notes, activities,
  // files) cannot hold it: the projections kept in the ledger (`written`),
  // and so the delta's three-way check and rollback's conflict check, leave
  // it out.
  auto written_of = [this](const Plan& p) {
    if (!p.subset) return connector_->WrittenText(p.resolved);
    json expected = connector_->WrittenProjection(p.resolved);
    crm::ResolvedRecord whole = p.resolved;
    whole.record = p.record;
    json all =
        crm::RestrictProjection(p.now, connector_->WrittenProjection(whole));
    for (const auto& [section, fields] : expected.items()) {
      for (const auto& [name, v] : fields.items()) all[section][name] = v;
    }
    return crm::DumpJson(
        crm::ProjectionWithout(std::move(all), p.record->external_key_field()));
  };
  // Outcomes are written every kOutcomeChunk writes once kOutcomeInterval
  // has passed since the last time, not only at the end of the batch: a
  // crash then loses at most that much work's request count, and leaves
  // fewer pending intents to look up on resume. Against a fast CRM a batch
  // takes one synced write of outcomes, not one per 10 records.
  constexpr int kOutcomeChunk = 10;
  constexpr auto kOutcomeInterval = std::chrono::milliseconds(100);
  auto last_flush = clock_();
  int64_t batch_requests_before = requests_before;
  auto flush = [&]() -> absl::Status {
    last_flush = clock_();
    outcomes.set_requests(connector_->requests() - requests_before);
    outcomes.set_run_id(run_id);
    if (outcomes.operations_size() > 0 || outcomes.requests() > 0) {
      BW_RETURN_IF_ERROR(auditor_->RecordOutcomes(outcomes));
    }
    // After the outcomes: a CRM refusal's disposition replaces the one the
    // outcome wrote.
    if (dispositions.dispositions_size() > 0) {
      BW_RETURN_IF_ERROR(auditor_->RecordDispositions(dispositions));
    }
    requests_before = connector_->requests();
    outcomes.clear_operations();
    dispositions.clear_dispositions();
    return absl::OkStatus();
  };
  // Creates go through the CRM's bulk upsert where it has one: keyed by the
  // external key, so a resend after a crash updates instead of duplicating.
  // A whole-call failure leaves the records to the one-by-one path below,
  // which looks each up before writing again (unless the CRM refused the
  // call as a whole: then nothing was written). Updates join them when the
  // upsert is sure to match the record they update (BulkUpdatable).
  constexpr size_t kBulkLimit = 100;
  std::map<const Plan*, absl::StatusOr<std::string>> bulk_results;
  auto send_bulk = [&](size_t begin, size_t end) {
    std::vector<Plan*> chunk;
    auto send = [&]() {
      if (chunk.empty()) return;
      std::vector<crm::ResolvedRecord> records;
      for (Plan* p : chunk) records.push_back(p->resolved);
      auto results = connector_->BulkUpsert(records);
      if (results.ok() && results->size() == chunk.size()) {
        for (size_t i = 0; i < chunk.size(); ++i)
          bulk_results.emplace(chunk[i], std::move((*results)[i]));
      } else {
        if (!results.ok() && !IsRecordError(results.status())) {
          // The call may have been applied (a lost reply, a job that did
          // not finish): each record is looked up before it is written
          // again, as after an ambiguous create of its own.
          for (Plan* p : chunk) {
            bulk_results.emplace(p, absl::UnavailableError(absl::StrCat(
                                        "ambiguous: the bulk upsert failed (",
                                        results.status().message(), ")")));
          }
        }
        LogWarning("bulk upsert failed; writing one by one",
                   {{"run", run_id},
                    {"object", chunk.front()->record->target_object()},
                    {"code", results.ok() ? "SIZE_MISMATCH"
                                          : absl::StatusCodeToString(
                                                results.status().code())}});
      }
      chunk.clear();
    };
    for (size_t i = begin; i < end; ++i) {
      Plan& p = plans[i];
      if ((p.kind != Plan::Kind::kCreate &&
           !(p.kind == Plan::Kind::kUpdate && BulkUpdatable(p))) ||
          !connector_->SupportsBulkUpsert(p.record->target_object()))
        continue;
      if (!chunk.empty() &&
          chunk.front()->record->target_object() != p.record->target_object())
        send();
      chunk.push_back(&p);
      if (chunk.size() == kBulkLimit) send();
    }
    send();
  };
  // A window is whole requests: a bulk upsert's records, or as many single
  // writes as an outcome chunk.
  const size_t window_unit =
      !plans.empty() &&
              connector_->SupportsBulkUpsert(plans[0].record->target_object())
          ? kBulkLimit
          : static_cast<size_t>(kOutcomeChunk);
  for (size_t begin = 0, end = 0; begin < plans.size(); begin = end) {
    end = begin + window_.Next(plans.size() - begin, window_unit);
    const auto window_start = clock_();
    if (stop.ok()) stop = record_intents(begin, end);
    if (stop.ok()) send_bulk(begin, end);
    for (size_t i = begin; i < end; ++i) {
      Plan& p = plans[i];
      if (outcomes.operations_size() >= kOutcomeChunk &&
          clock_() - last_flush >= kOutcomeInterval)
        BW_RETURN_IF_ERROR(flush());
      v1::RecordOutcome* out = ack.add_outcomes();
      out->set_source_object(p.record->source_object());
      out->set_source_key(p.record->source_key());
      out->set_link_pending(p.link_pending);
      if (!stop.ok()) {
        out->set_status(v1::RECORD_STATUS_UNSPECIFIED);
        continue;
      }
      switch (p.kind) {
        case Plan::Kind::kQuarantine: {
          out->set_status(v1::RECORD_STATUS_QUARANTINED);
          out->set_reason(p.reason);
          out->set_field(p.field);
          quarantine(p, p.reason, p.field);
          break;
        }
        case Plan::Kind::kAlreadyInRun:
          out->set_status(v1::RECORD_STATUS_UNCHANGED);
          out->set_crm_id(p.crm_id);
          break;
        case Plan::Kind::kUnchanged: {
          out->set_status(v1::RECORD_STATUS_UNCHANGED);
          out->set_crm_id(p.crm_id);
          add_disposition(p, v1::DISPOSITION_STATUS_LOADED)
              ->set_action("unchanged");
          break;
        }
        case Plan::Kind::kAdopt: {
          // The record exists; the rest of its create (a HighLevel custom
          // object's association) may not. Until that is done the intent
          // stays pending and the batch is retried.
          absl::Status done = connector_->CompleteCreate(p.resolved, p.crm_id);
          if (!done.ok()) {
            stop = done;
            out->set_status(v1::RECORD_STATUS_UNSPECIFIED);
            break;
          }
          out->set_status(v1::RECORD_STATUS_ADOPTED);
          out->set_crm_id(p.crm_id);
          add_outcome(p, v1::OP_KIND_CREATE, v1::OP_STATE_ADOPTED, p.crm_id,
                      absl::OkStatus(), "", written_of(p));
          break;
        }
        case Plan::Kind::kMatch:
          // Already in the CRM; left as it is. The id map points at it.
          out->set_status(v1::RECORD_STATUS_UNCHANGED);
          out->set_crm_id(p.crm_id);
          add_outcome(p, v1::OP_KIND_MATCH, v1::OP_STATE_APPLIED, p.crm_id,
                      absl::OkStatus(), "",
                      crm::DumpJson(crm::RestrictProjection(
                          p.now, crm::ExpectedProjection(
                                     *p.record, p.resolved.lookup_ids))));
          break;
        case Plan::Kind::kSkipEdited: {
          out->set_status(v1::RECORD_STATUS_UNCHANGED);
          out->set_crm_id(p.crm_id);
          v1::Rejection* rej =
              add_disposition(p, v1::DISPOSITION_STATUS_SKIPPED)
                  ->mutable_rejection();
          rej->set_object_type(p.record->source_object());
          rej->set_source_key(p.record->source_key());
          *rej->mutable_location() = p.record->location();
          rej->set_field(p.field);
          rej->set_reason(p.reason);
          rej->set_stage("delta");
          break;
        }
        case Plan::Kind::kUpdate: {
          // Before-image: the CRM's values of the fields we write (read in
          // step 2b), in the map's names; rollback restores it.
          json before = crm::RestrictProjection(
              p.now, crm::ExpectedProjection(*p.resolved.record,
                                             p.resolved.lookup_ids));
          // Taken from the ledger, which does not know the key field's value
          // in the CRM: left out, so rollback neither writes nor checks it
          // (the update does not change it).
          if (p.unread) {
            before = crm::ProjectionWithout(std::move(before),
                                            p.record->external_key_field());
          }
          // Sent in the bulk upsert above when it could be; a record the bulk
          // job left without a result is updated alone (an update sent twice
          // writes the same values).
          auto bulk = bulk_results.find(&p);
          absl::Status s = bulk != bulk_results.end() &&
                                   (bulk->second.ok() ||
                                    IsRecordError(bulk->second.status()))
                               ? bulk->second.status()
                               : connector_->Update(p.crm_id, p.resolved);
          if (p.unread && absl::IsNotFound(s)) {
            // Deleted in the CRM since (the read that would have said so was
            // skipped): the update failed, and the record is written again as
            // new under an intent of its own, as a read would have planned.
            add_outcome(p, v1::OP_KIND_UPDATE, v1::OP_STATE_FAILED, p.crm_id, s,
                        "");
            // An unread plan is never in the bulk upsert (BulkUpdatable), so
            // the create below sends its own request.
            p.kind = Plan::Kind::kCreate;
            p.crm_id.clear();
            v1::RecordIntentsRequest again;
            again.set_account(account);
            add_intent(p, &again);
            absl::StatusOr<v1::RecordIntentsResponse> ir =
                auditor_->RecordIntents(again);
            if (ir.ok() && ir->seqs_size() != 1) {
              ir =
                  absl::InternalError("the auditor gave no seq for the intent");
            }
            if (!ir.ok()) {
              stop = ir.status();
              out->set_status(v1::RECORD_STATUS_UNSPECIFIED);
              break;
            }
            p.seq = ir->seqs(0);
          } else {
            if (s.ok()) {
              out->set_status(v1::RECORD_STATUS_UPDATED);
              out->set_crm_id(p.crm_id);
              add_outcome(p, v1::OP_KIND_UPDATE, v1::OP_STATE_APPLIED, p.crm_id,
                          s, crm::DumpJson(before), written_of(p));
            } else if (IsRecordError(s)) {
              out->set_status(v1::RECORD_STATUS_QUARANTINED);
              out->set_reason(std::string(s.message()));
              add_outcome(p, v1::OP_KIND_UPDATE, v1::OP_STATE_FAILED, p.crm_id,
                          s, "");
              quarantine(p, std::string(s.message()), "");
            } else {
              stop = s;
              out->set_status(v1::RECORD_STATUS_UNSPECIFIED);
            }
            break;
          }
        }
          [[fallthrough]];  // a record deleted in the CRM, created again
        case Plan::Kind::kCreate: {
          auto bulk = bulk_results.find(&p);
          absl::StatusOr<std::string> id = bulk != bulk_results.end()
                                               ? std::move(bulk->second)
                                               : connector_->Create(p.resolved);
          bool unknowable = false;
          for (int attempt = 0;
               !id.ok() && IsAmbiguous(id.status()) && attempt < 3; ++attempt) {
            auto found = FindCreated(account, p.resolved, found_in_batch);
            if (found.ok() && found->id) {
              // Created; the rest of the create may not have happened.
              absl::Status done =
                  connector_->CompleteCreate(p.resolved, *found->id);
              if (done.ok()) {
                id = *found->id;
                break;
              }
              if (IsAmbiguous(done)) {
                id = done;  // looked up again
                continue;
              }
              // Never a quarantine: the record exists. The batch stops with
              // the intent pending, and the next attempt adopts it.
              id = absl::UnavailableError(absl::StrCat(
                  "completing a create found after an ambiguous failure: ",
                  done.message()));
              break;
            }
            if (!found.ok()) break;
            if (!found->unknowable.empty()) {
              unknowable = true;  // quarantined, the intent left pending
              id = absl::FailedPreconditionError(found->unknowable);
              break;
            }
            id = connector_->Create(p.resolved);
          }
          if (id.ok()) found_in_batch.insert(*id);
          if (id.ok()) {
            out->set_status(v1::RECORD_STATUS_CREATED);
            out->set_crm_id(*id);
            add_outcome(p, v1::OP_KIND_CREATE, v1::OP_STATE_APPLIED, *id,
                        absl::OkStatus(), "", written_of(p));
          } else if (IsRecordError(id.status())) {
            out->set_status(v1::RECORD_STATUS_QUARANTINED);
            out->set_reason(std::string(id.status().message()));
            out->set_http_status(HttpStatusOf(id.status()));
            if (!unknowable) {
              add_outcome(p, v1::OP_KIND_CREATE, v1::OP_STATE_FAILED, "",
                          id.status(), "");
            }
            quarantine(p, std::string(id.status().message()), "");
          } else {
            stop = id.status();
            out->set_status(v1::RECORD_STATUS_UNSPECIFIED);
          }
          break;
        }
      }
    }

    // The window's outcomes, before the next window's intents.
    BW_RETURN_IF_ERROR(flush());
    if (stop.ok()) window_.Done(end - begin, clock_() - window_start);
  }

  // 5. The last outcomes and dispositions, then the ack.
  BW_RETURN_IF_ERROR(flush());
  if (!stop.ok()) {
    LogWarning(
        "batch stopped",
        {{"run", run_id}, {"code", absl::StatusCodeToString(stop.code())}});
    return stop;
  }
  ack.set_requests(connector_->requests() - batch_requests_before);
  return ack;
}

absl::StatusOr<v1::LinkResponse> LoaderCore::Link(
    const v1::LinkRequest& request) {
  const std::string& account = request.destination().account();
  int64_t before = connector_->requests();
  v1::LinkResponse response;
  BW_ASSIGN_OR_RETURN(
      ResolvedKeys resolved,
      ResolveRecords(account, request.records(), Written::kNone));
  auto id_of = [&resolved](const std::string& object, const std::string& key,
                           const std::string& target) -> std::string {
    auto it = resolved.find(KeyString(object, key, target));
    return it == resolved.end() ? "" : it->second.crm_id();
  };
  for (const auto& r : request.records()) {
    std::string own =
        id_of(r.source_object(), r.source_key(), r.target_object());
    if (own.empty()) continue;  // quarantined; nothing to link
    json fields = json::object();
    for (const auto& l : r.lookups()) {
      if (!l.deferrable()) continue;
      std::string id =
          id_of(l.source_object(), l.source_key(), l.target_object());
      if (id.empty()) {
        v1::RecordOutcome* f = response.add_failures();
        f->set_source_object(r.source_object());
        f->set_source_key(r.source_key());
        f->set_field(l.target_field());
        f->set_reason(absl::StrCat("references ", l.source_object(), " ",
                                   l.source_key(),
                                   ", which is not loaded; link not set"));
        continue;
      }
      int64_t n = 0;
      fields[l.target_field()] = absl::SimpleAtoi(id, &n) ? json(n) : json(id);
    }
    if (fields.empty()) continue;
    v1::RecordIntentsRequest intent;
    intent.set_account(account);
    v1::Operation* op = intent.add_operations();
    op->set_run_id(request.run_id());
    op->set_kind(v1::OP_KIND_LINK);
    op->set_state(v1::OP_STATE_INTENT);
    op->set_source_object(r.source_object());
    op->set_source_key(r.source_key());
    op->set_target_object(r.target_object());
    op->set_fingerprint(r.fingerprint());
    op->set_crm_id(own);
    op->set_external_key(r.external_key());
    BW_ASSIGN_OR_RETURN(v1::RecordIntentsResponse ir,
                        auditor_->RecordIntents(intent));
    absl::Status s = connector_->Patch(r.target_object(), own, fields);
    v1::RecordOutcomesRequest outcome;
    outcome.set_account(account);
    v1::Operation* done = outcome.add_operations();
    *done = *op;
    done->set_seq(ir.seqs(0));
    done->set_state(s.ok() ? v1::OP_STATE_APPLIED : v1::OP_STATE_FAILED);
    done->set_http_status(HttpStatusOf(s));
    if (!s.ok()) done->set_error(std::string(s.message()));
    outcome.set_requests(1);
    outcome.set_run_id(request.run_id());
    outcome.set_run_id(request.run_id());
    BW_RETURN_IF_ERROR(auditor_->RecordOutcomes(outcome));
    if (s.ok()) {
      response.set_linked(response.linked() + 1);
    } else if (IsRecordError(s)) {
      v1::RecordOutcome* f = response.add_failures();
      f->set_source_object(r.source_object());
      f->set_source_key(r.source_key());
      f->set_reason(std::string(s.message()));
    } else {
      return s;
    }
  }
  // Each link's request was counted with its outcome.
  response.set_requests(connector_->requests() - before);
  return response;
}

absl::StatusOr<v1::ReadBackResponse> LoaderCore::ReadBack(
    const v1::ReadBackRequest& request) {
  const std::string& account = request.destination().account();
  int64_t before = connector_->requests();
  BW_ASSIGN_OR_RETURN(
      ResolvedKeys by_key,
      ResolveRecords(account, request.records(), Written::kAll));
  auto id_of = [&by_key](const std::string& object, const std::string& key,
                         const std::string& target) -> std::string {
    auto it = by_key.find(KeyString(object, key, target));
    return it == by_key.end() ? "" : it->second.crm_id();
  };
  v1::ReadBackResponse response;
  for (const v1::TargetRecord& r : request.records()) {
    v1::RecordCheck* check = response.add_records();
    check->set_source_object(r.source_object());
    check->set_source_key(r.source_key());
    check->set_target_object(r.target_object());
    check->set_crm_id(
        id_of(r.source_object(), r.source_key(), r.target_object()));
    // What the ledger says the record holds by Bridgework's account: where
    // it differs from `expected` a policy kept the CRM's value (a matched
    // record under fill_blanks or skip).
    json written;
    auto own = by_key.find(
        KeyString(r.source_object(), r.source_key(), r.target_object()));
    if (own != by_key.end() && !own->second.written().empty()) {
      written = json::parse(own->second.written(), nullptr, false);
    }
    json expected;
    // The record whose fields are read back: `r`, or against the written
    // projection a record naming the projection's fields.
    v1::TargetRecord from_written;
    const v1::TargetRecord* shape = &r;
    if (request.against_written()) {
      expected = written.is_object() ? written : crm::EmptyProjection();
      written = json();  // nothing can be "kept" against itself
      from_written = crm::RecordFromProjection(r.target_object(), expected);
      shape = &from_written;
    } else {
      std::map<std::string, std::vector<std::string>> lookup_ids;
      for (const auto& l : r.lookups()) {
        std::string id =
            id_of(l.source_object(), l.source_key(), l.target_object());
        if (!id.empty()) lookup_ids[l.target_field()].push_back(id);
      }
      // Compared as the ledger keeps what was written: without the key.
      expected = crm::ProjectionWithout(crm::ExpectedProjection(r, lookup_ids),
                                        r.external_key_field());
    }
    json actual;
    if (!check->crm_id().empty()) {
      BW_ASSIGN_OR_RETURN(std::optional<json> got,
                          connector_->Get(r.target_object(), check->crm_id()));
      if (got.has_value()) {
        check->set_found(true);
        if (request.include_raw()) check->set_raw(got->dump());
        BW_ASSIGN_OR_RETURN(actual, connector_->Project(*shape, *got));
        std::optional<std::string> owner =
            connector_->OwnerOf(r.target_object(), *got);
        check->set_owned(owner.has_value());
        check->set_owner_id(owner.value_or(""));
      }
    }
    for (const auto& [section, fields] : expected.items()) {
      for (const auto& [name, value] : fields.items()) {
        v1::FieldCheck* f = check->add_fields();
        f->set_section(section);
        f->set_field(name);
        f->set_expected(value.dump());
        json a;
        if (actual.is_object() && actual.contains(section) &&
            actual[section].contains(name)) {
          a = actual[section][name];
        }
        f->set_actual(a.dump());
        f->set_match(check->found() && crm::SameValue(value, a));
        // (A field absent from `written` was blank when a policy left it.)
        json left;
        if (written.is_object() && written.contains(section) &&
            written[section].contains(name)) {
          left = written[section][name];
        }
        if (!f->match() && check->found() && written.is_object() &&
            crm::SameValue(left, a)) {
          f->set_kept(true);
        }
      }
    }
  }
  response.set_requests(connector_->requests() - before);
  return response;
}

absl::Status LoaderCore::Rollback(
    const v1::RollbackRequest& request,
    const std::function<void(const v1::RollbackEvent&)>& progress) {
  const std::string& account = request.destination().account();
  int64_t before = connector_->requests();
  v1::RollbackEvent event;
  std::vector<v1::Operation> undo;
  std::vector<std::pair<std::string, std::string>> deleted;  // (object, id)

  // Collect the run's applied writes, newest first. Creates are deleted,
  // updates restored to their before-image; links vanish with their record.
  v1::ListOperationsRequest list;
  list.set_run_id(request.run_id());
  list.set_reverse(true);
  BW_RETURN_IF_ERROR(
      auditor_->ListOperations(list, [&undo](const v1::Operation& op) {
        bool applied = op.state() == v1::OP_STATE_APPLIED ||
                       op.state() == v1::OP_STATE_ADOPTED;
        if (applied && (op.kind() == v1::OP_KIND_CREATE ||
                        op.kind() == v1::OP_KIND_UPDATE)) {
          undo.push_back(op);
        }
        return true;
      }));

  // Operations already undone by an earlier, interrupted rollback.
  std::set<int64_t> done;
  BW_RETURN_IF_ERROR(auditor_->ListOperations(
      [&] {
        v1::ListOperationsRequest r;
        r.set_run_id(request.rollback_run_id());
        return r;
      }(),
      [&done](const v1::Operation& op) {
        if (op.state() == v1::OP_STATE_APPLIED) done.insert(op.undoes_seq());
        return true;
      }));

  // Read back at the end: deleted records must be gone, restored ones must
  // hold their before-image again.
  std::vector<std::pair<const v1::Operation*, json>> restored;
  for (size_t start = 0; start < undo.size(); start += 100) {
    size_t end = std::min(undo.size(), start + 100);
    // 1. Which records may be undone: the CRM must still hold what the run
    // wrote; a record changed by someone since is a conflict, left as it
    // is unless the user asked to overwrite conflicts.
    std::vector<const v1::Operation*> batch;
    for (size_t i = start; i < end; ++i) {
      const v1::Operation& op = undo[i];
      if (done.count(op.seq())) {
        event.set_skipped(event.skipped() + 1);
        if (op.kind() == v1::OP_KIND_CREATE)
          deleted.emplace_back(op.target_object(), op.crm_id());
        continue;
      }
      json written = json::parse(op.written(), nullptr, false);
      if (written.is_object() && !written.empty()) {
        BW_ASSIGN_OR_RETURN(std::optional<json> current,
                            connector_->Get(op.target_object(), op.crm_id()));
        if (!current.has_value()) {
          if (op.kind() == v1::OP_KIND_CREATE) {
            // Deleted by someone already: nothing to undo, but recorded.
            deleted.emplace_back(op.target_object(), op.crm_id());
          } else {
            v1::Operation c = op;
            c.set_error("deleted in the CRM since the run wrote it");
            event.set_conflicts(event.conflicts() + 1);
            *event.add_conflict_records() = std::move(c);
            continue;
          }
        } else {
          v1::TargetRecord probe =
              crm::RecordFromProjection(op.target_object(), written);
          BW_ASSIGN_OR_RETURN(json now, connector_->Project(probe, *current));
          std::vector<crm::FieldDelta> changed =
              crm::DiffProjections(written, now);
          if (!changed.empty() && !request.overwrite_conflicts()) {
            v1::Operation c = op;
            c.set_before_image("");
            c.set_written("");
            std::string fields;
            for (const auto& d : changed) {
              absl::StrAppend(&fields, fields.empty() ? "" : ", ", d.name);
            }
            c.set_error(
                absl::StrCat("changed in the CRM since the run wrote it (",
                             fields, "); left as it is"));
            event.set_conflicts(event.conflicts() + 1);
            *event.add_conflict_records() = std::move(c);
            continue;
          }
        }
      }
      batch.push_back(&op);
    }
    if (batch.empty()) continue;
    // 2. Intents, synced, before any write.
    v1::RecordIntentsRequest intents;
    intents.set_account(account);
    for (const v1::Operation* op : batch) {
      v1::Operation* intent = intents.add_operations();
      intent->set_run_id(request.rollback_run_id());
      intent->set_kind(op->kind() == v1::OP_KIND_CREATE ? v1::OP_KIND_DELETE
                                                        : v1::OP_KIND_UPDATE);
      intent->set_state(v1::OP_STATE_INTENT);
      intent->set_source_object(op->source_object());
      intent->set_source_key(op->source_key());
      intent->set_target_object(op->target_object());
      intent->set_crm_id(op->crm_id());
      intent->set_undoes_seq(op->seq());
      intent->set_external_key(op->external_key());
      if (op->kind() != v1::OP_KIND_CREATE) {
        intent->set_written(op->before_image());
      }
    }
    BW_ASSIGN_OR_RETURN(v1::RecordIntentsResponse ir,
                        auditor_->RecordIntents(intents));
    // 3. The writes.
    v1::RecordOutcomesRequest outcomes;
    outcomes.set_account(account);
    int64_t req_before = connector_->requests();
    absl::Status stop;
    for (size_t j = 0; j < batch.size(); ++j) {
      const v1::Operation& op = *batch[j];
      v1::Operation* out = outcomes.add_operations();
      *out = intents.operations(j);
      out->set_seq(ir.seqs(j));
      absl::Status s;
      if (op.kind() == v1::OP_KIND_CREATE) {
        s = connector_->Delete(op.target_object(), op.crm_id());
        if (absl::IsNotFound(s)) {
          s = absl::OkStatus();
          event.set_skipped(event.skipped() + 1);
        } else if (s.ok()) {
          event.set_deleted(event.deleted() + 1);
        }
        if (s.ok()) deleted.emplace_back(op.target_object(), op.crm_id());
      } else {
        json before = json::parse(op.before_image(), nullptr, false);
        if (before.is_object() && !before.empty()) {
          s = connector_->Restore(op.target_object(), op.crm_id(), before);
          if (s.ok()) restored.emplace_back(&op, std::move(before));
        }
        if (s.ok()) event.set_restored(event.restored() + 1);
      }
      out->set_state(s.ok() ? v1::OP_STATE_APPLIED : v1::OP_STATE_FAILED);
      out->set_http_status(HttpStatusOf(s));
      if (!s.ok()) {
        out->set_error(std::string(s.message()));
        if (!IsRecordError(s)) {
          out->set_state(v1::OP_STATE_INTENT);
          stop = s;
          outcomes.mutable_operations()->RemoveLast();
          break;
        }
        event.set_failed(event.failed() + 1);
        *event.add_failures() = *out;
      }
    }
    outcomes.set_requests(connector_->requests() - req_before);
    outcomes.set_run_id(request.rollback_run_id());
    BW_RETURN_IF_ERROR(auditor_->RecordOutcomes(outcomes));
    if (!stop.ok()) return stop;
    event.set_requests(connector_->requests() - before);
    progress(event);
  }

  // Read back: every deleted record must be gone, every restored one must
  // show its before-image.
  bool verified = true;
  for (const auto& [object, id] : deleted) {
    BW_ASSIGN_OR_RETURN(std::optional<json> still, connector_->Get(object, id));
    if (still.has_value()) {
      verified = false;
      LogError("rollback verification found a record still present",
               {{"object", object}, {"crm_id", id}});
    }
  }
  for (const auto& [op, before] : restored) {
    BW_ASSIGN_OR_RETURN(std::optional<json> now,
                        connector_->Get(op->target_object(), op->crm_id()));
    std::vector<crm::FieldDelta> diff;
    if (now.has_value()) {
      BW_ASSIGN_OR_RETURN(
          json p,
          connector_->Project(
              crm::RecordFromProjection(op->target_object(), before), *now));
      diff = crm::DiffProjections(before, p);
    }
    if (!now.has_value() || !diff.empty()) {
      verified = false;
      // The fields' names, never their values.
      LogError("rollback verification found a record not restored",
               {{"object", op->target_object()},
                {"crm_id", op->crm_id()},
                {"fields", now.has_value() ? FieldList(diff) : "(gone)"}});
    }
  }
  // Conflicts left in place mean the CRM is not back to its state before
  // the run: not verified (the controller says how to overwrite them).
  event.set_verified(verified && event.failed() == 0 && event.conflicts() == 0);
  event.set_finished(true);
  event.set_requests(connector_->requests() - before);
  progress(event);
  return absl::OkStatus();
}

}  // namespace bridgework::loader
