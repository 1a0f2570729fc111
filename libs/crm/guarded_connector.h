// A CrmConnector wrapper that keeps a CRM's unexpected answer an error
// instead of a crash. The connectors read response bodies with
// nlohmann::json, whose accessors throw when a member has another type
// than the one documented (a number where a string id was expected, an
// array where an object was); fuzzing (docs/fuzzing.md) found such bodies
// ending the loader with std::terminate. Every call of the wrapped
// connector runs inside a catch of nlohmann::json::exception, which
// becomes:
//   UNAVAILABLE "ambiguous: <CRM> sent a response the connector cannot
//   read (<call>: json error <number>)"
// (a write may have been applied: look the record up before writing
// again). Only the error's number is kept: its text may quote the body.
// OwnerOf, which returns no status, reads an unreadable owner as none.
//
// It also holds the connectors to the contract that a successful Create
// returns an id: a 2xx without one is the same ambiguous UNAVAILABLE.
//
// MakeConnector (connector_registry.h) returns guarded connectors.
// Thread safety: as the wrapped connector.
#ifndef BRIDGEWORK_LIBS_CRM_GUARDED_CONNECTOR_H_
#define BRIDGEWORK_LIBS_CRM_GUARDED_CONNECTOR_H_

#include <memory>
#include <string>

#include "libs/crm/crm_connector.h"

namespace bridgework::crm {

// `crm` names the CRM in messages ("freshsales").
std::unique_ptr<CrmConnector> GuardResponses(
    std::unique_ptr<CrmConnector> inner, const std::string& crm);

}  // namespace bridgework::crm

#endif  // BRIDGEWORK_LIBS_CRM_GUARDED_CONNECTOR_H_
