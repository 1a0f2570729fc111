// Test support for the ledger's own tests and the auditor's integration
// tests: a store that forwards to one the test keeps, KvLedger over any
// store, patient intents and keys, listing a run's operations, and raw
// store access.
// Header-only; for tests, not for the services.
#ifndef BRIDGEWORK_LIBS_LEDGER_LEDGER_TESTING_H_
#define BRIDGEWORK_LIBS_LEDGER_LEDGER_TESTING_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "libs/ledger/kv_ledger.h"
#include "libs/ledger/kv_store.h"
#include "libs/ledger/ledger.h"
#include "libs/ledger/ledger_keys.h"

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

// Intents to create the patients `keys` as contacts under `run`.
inline v1::RecordIntentsRequest PatientIntents(
    const std::string& account, const std::string& run,
    const std::vector<std::string>& keys) {
  v1::RecordIntentsRequest r;
  r.set_account(account);
  for (const std::string& key : keys) {
    v1::Operation* op = r.add_operations();
    op->set_run_id(run);
    op->set_kind(v1::OP_KIND_CREATE);
    op->set_source_object("patient");
    op->set_source_key(key);
    op->set_target_object("contact");
  }
  return r;
}

// A ResolveKeys request for the patients `keys` mapped to contacts.
inline v1::ResolveKeysRequest PatientKeys(
    const std::string& account, const std::vector<std::string>& keys) {
  v1::ResolveKeysRequest r;
  r.set_account(account);
  for (const std::string& key : keys) {
    v1::KeyRef* k = r.add_keys();
    k->set_source_object("patient");
    k->set_source_key(key);
    k->set_target_object("contact");
  }
  return r;
}

// The ledger's answer for one patient key mapped to a contact.
inline v1::ResolvedKey ResolvePatient(Ledger* ledger, const std::string& key,
                                      const std::string& account = "acct") {
  auto out = ledger->ResolveKeys(PatientKeys(account, {key}));
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() && out->keys_size() == 1 ? out->keys(0) : v1::ResolvedKey();
}

// The operations of `run`, in seq order.
inline std::vector<v1::Operation> ListedOperations(Ledger* ledger,
                                                   const std::string& run) {
  v1::ListOperationsRequest list;
  list.set_run_id(run);
  std::vector<v1::Operation> ops;
  EXPECT_TRUE(ledger
                  ->ListOperations(list, 0,
                                   [&](const v1::Operation& op) {
                                     ops.push_back(op);
                                     return true;
                                   })
                  .ok());
  return ops;
}

// Raw access to a store under a ledger (synced writes).
inline void StorePut(ledger_internal::KvStore* store, const std::string& key,
                     const std::string& value) {
  ledger_internal::KvBatch b;
  b.Put(key, value);
  ASSERT_TRUE(store->Write(b, ledger_internal::Durability::kSynced).ok());
}
inline void StoreDelete(ledger_internal::KvStore* store,
                        const std::string& key) {
  ledger_internal::KvBatch b;
  b.Delete(key);
  ASSERT_TRUE(store->Write(b, ledger_internal::Durability::kSynced).ok());
}
// The store's keys under `prefix`, in order.
inline std::vector<std::string> StoreKeys(ledger_internal::KvStore* store,
                                          const std::string& prefix) {
  std::vector<std::string> keys;
  EXPECT_TRUE(store
                  ->Scan(prefix, ledger_internal::PrefixEnd(prefix), false,
                         [&](std::string_view k, std::string_view) {
                           keys.emplace_back(k);
                           return true;
                         })
                  .ok());
  return keys;
}

}  // namespace bridgework::ledger::testing

#endif  // BRIDGEWORK_LIBS_LEDGER_LEDGER_TESTING_H_
