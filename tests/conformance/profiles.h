// What each CRM contributes to the connector conformance suite
// (connector_conformance_test.cc): its emulator, its connector config and
// one ObjectCase per destination object the seed write-ups name.
#ifndef BRIDGEWORK_TESTS_CONFORMANCE_PROFILES_H_
#define BRIDGEWORK_TESTS_CONFORMANCE_PROFILES_H_

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bridgework/v1/record.pb.h"
#include "libs/crm/connector_registry.h"
#include "libs/mapping/map.h"

namespace bridgework::conformance {

// One fake time for the emulator (absl::Time) and the connector (steady
// clock and sleeper): sleeping advances both. Thread-safe.
class FakeTime {
 public:
  absl::Time Now() const {
    absl::MutexLock l(&mu_);
    return now_;
  }
  std::function<absl::Time()> AbslClock() {
    return [this] { return Now(); };
  }
  crm::Clock SteadyClock() {
    return [this] {
      absl::MutexLock l(&mu_);
      return std::chrono::steady_clock::time_point(
          absl::ToChronoNanoseconds(now_ - absl::UnixEpoch()));
    };
  }
  crm::Sleeper Sleeper() {
    return [this](std::chrono::milliseconds d) {
      absl::MutexLock l(&mu_);
      now_ += absl::FromChrono(d);
      slept_ += absl::FromChrono(d);
    };
  }
  absl::Duration slept() const {
    absl::MutexLock l(&mu_);
    return slept_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
  absl::Duration slept_ = absl::ZeroDuration();
};

// The parts of an emulator the suite uses.
class EmulatorHandle {
 public:
  virtual ~EmulatorHandle() = default;
  virtual void Register(httplib::Server& server) = 0;
  virtual nlohmann::json Stats() const = 0;
  virtual absl::StatusOr<nlohmann::json> Configure(
      const nlohmann::json& body) = 0;
};

template <typename E>
class EmulatorAdapter : public EmulatorHandle {
 public:
  explicit EmulatorAdapter(std::unique_ptr<E> e) : e_(std::move(e)) {}
  void Register(httplib::Server& server) override { e_->Register(server); }
  nlohmann::json Stats() const override { return e_->Stats(); }
  absl::StatusOr<nlohmann::json> Configure(
      const nlohmann::json& body) override {
    return e_->Configure(body);
  }
  E& get() { return *e_; }

 private:
  std::unique_ptr<E> e_;
};

struct Env {
  std::unique_ptr<EmulatorHandle> emulator;
  std::string token;
  // A CRM user id records are owned by.
  std::string owner_id;
};

struct LinkCase {
  // The lookup's target field ("sales_accounts", "org_id").
  std::string field;
  // The parent's target object.
  std::string parent;
  // JSON pointer in the child's read-back where the parent id shows.
  std::string read_pointer;
  // The lookup is a list (Freshsales sales_accounts).
  bool list = false;
};

struct ObjectCase {
  std::string target;
  // A valid record; `n` makes its values unique.
  std::function<v1::TargetRecord(int n)> make;
  // JSON pointer -> expected text in the read-back of make(n).
  std::function<std::vector<std::pair<std::string, std::string>>(int n)> expect;
  std::vector<LinkCase> links;
  // The field to change, its new value and where it reads back; unset when
  // the CRM has no update for the object.
  std::function<std::tuple<std::string, std::string, std::string>(int n)>
      update;
  // Fields whose absence the CRM refuses (for the first object).
  std::vector<std::string> required_fields;
  // Otherwise spoils a valid record so that the CRM refuses it (HighLevel
  // requires no contact field but refuses a malformed email).
  std::function<void(v1::TargetRecord&)> make_invalid;
};

struct CustomFieldCase {
  std::string object;  // an ObjectCase target
  mapping::CustomFieldSpec spec;
  std::string value;
  // The value as read back.
  std::function<std::string(const nlohmann::json&)> read;
};

// A record written, updated and restored through projections
// (ProjectionRoundTrip tests): standard fields with an email and a phone,
// custom fields with a pick-list and a date, a pick-list standard field
// where the CRM has one, and a lookup.
struct ProjectionCase {
  std::string target;
  // The record's custom fields, prepared (apply) before the test.
  std::vector<mapping::CustomFieldSpec> fields;
  // The lookup; its parent is made from the profile's case for
  // `link.parent`.
  LinkCase link;
  // The record as first written; `n` makes its values unique.
  std::function<v1::TargetRecord(int n)> make;
  // The record as later updated: other values (another option, email,
  // date), and `cleared` set, which make(n) leaves blank.
  std::function<void(v1::TargetRecord&, int n)> change;
  // Names of the fields (or custom fields) change() sets and make() does
  // not have, so that a restore must clear them.
  std::vector<std::string> cleared;
  // Fields FindByExternalKey matches on (an email, a phone), set by
  // make() or change().
  std::vector<std::string> match_fields;
};

struct Profile {
  std::string name;
  // Appended to the server root for the connector's base URL.
  std::string api_prefix;
  crm::ConnectorConfig connector;  // crm, plan, location ids
  std::function<absl::StatusOr<Env>(FakeTime&)> start;
  // Sets the emulator's short-window limit to `n` requests.
  std::function<absl::Status(EmulatorHandle&, int n)> limit;
  // The first case is used for pagination, external keys and refusals.
  std::vector<ObjectCase> objects;
  CustomFieldCase custom_field;
  ProjectionCase projection;
  // True when PrepareSchema creates fields (else it lists them).
  bool creates_fields = false;
  // How a map names the custom fields of custom object `key` (Freshsales:
  // the module key; HighLevel: "custom_object:<key>"); unset when the CRM
  // has no custom objects.
  std::function<std::string(const std::string& key)> object_fields_entity;
  // Applied with PrepareSchema(apply) before each test: the schema the
  // cases need (custom objects, the external key fields).
  crm::SchemaRequest prepare;
  std::string unknown_id;

  const ObjectCase* Find(const std::string& target) const {
    for (const auto& o : objects)
      if (o.target == target) return &o;
    return nullptr;
  }
};

const Profile* FindProfile(const std::string& name);
std::vector<std::string> ProfileNames();

// Helpers for building records.
v1::TargetRecord Record(const std::string& source_object,
                        const std::string& target, int n,
                        const std::string& external_key_field);
void Set(v1::TargetRecord& t, const std::string& field,
         const std::string& value);

// A valid US phone number in E.164, unique per `n` (0..9999).
std::string TestPhone(int n);
// The custom fields of every ProjectionCase, for the map's `entity`: a
// dropdown cf_patient_status (Active, Inactive, Recall due), a date
// cf_last_visit and a text cf_referral_source.
std::vector<mapping::CustomFieldSpec> ProjectionFields(
    const std::string& entity);
// Sets them on `t`: cf_patient_status and cf_last_visit; `later` (what a
// ProjectionCase's change sets) other values and cf_referral_source too.
void SetProjectionCustomFields(v1::TargetRecord& t, int n, bool later);

}  // namespace bridgework::conformance

#endif  // BRIDGEWORK_TESTS_CONFORMANCE_PROFILES_H_
