// Test support for the ledger's own tests: a store that forwards to one
// the test keeps, KvLedger over any store, and resolving one patient key.
// Header-only; for tests, not for the services.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_TESTING_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_TESTING_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "libs/ledger/kv_ledger.h"
#include "libs/ledger/kv_store.h"
#include "libs/ledger/ledger.h"

namespace bridgework::ledger::testing {

// Forwards every call to a store the test keeps (not owned), so that the
// test can look or tamper underneath the ledger, or hand the same store to
// a second ledger (a restarted auditor). Subclasses override what they
// observe.
class ForwardingKvStore : public ledger_internal::KvStore {
 public:
  explicit ForwardingKvStore(KvStore* store) : store_(store) {}
  absl::StatusOr<std::optional<std::string>> Get(
      const std::string& key) override {
    return store_->Get(key);
  }
  absl::Status Write(const ledger_internal::KvBatch& batch,
                     ledger_internal::Durability d) override {
    return store_->Write(batch, d);
  }
  absl::Status Scan(const std::string& begin, const std::string& end,
                    bool reverse, const Visitor& visit) override {
    return store_->Scan(begin, end, reverse, visit);
  }

 private:
  KvStore* store_;
};

// KvLedger over any store; call Load() before anything else.
class TestKvLedger : public ledger_internal::KvLedger {
 public:
  explicit TestKvLedger(std::unique_ptr<ledger_internal::KvStore> store)
      : KvLedger(std::move(store)) {}
  using KvLedger::Load;
};

// The ledger's answer for one patient key mapped to a contact.
inline v1::ResolvedKey ResolvePatient(Ledger* ledger, const std::string& key,
                                      const std::string& account = "acct") {
  v1::ResolveKeysRequest r;
  r.set_account(account);
  v1::KeyRef* k = r.add_keys();
  k->set_source_object("patient");
  k->set_source_key(key);
  k->set_target_object("contact");
  auto out = ledger->ResolveKeys(r);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() && out->keys_size() == 1 ? out->keys(0) : v1::ResolvedKey();
}

}  // namespace bridgework::ledger::testing

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_TESTING_H_
