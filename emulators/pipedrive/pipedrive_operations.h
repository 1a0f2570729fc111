// The emulator's view of Pipedrive's operation table
// (libs/crm/pipedrive_operations.h, shared with the connector, which
// charges each request its token cost against the budget).
#ifndef BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_OPERATIONS_H_
#define BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_OPERATIONS_H_

#include <string>
#include <string_view>

#include "libs/crm/pipedrive_operations.h"

namespace bridgework::emulator::pipedrive {

using ::bridgework::pipedrive_api::Api;
using ::bridgework::pipedrive_api::FindOperation;
using ::bridgework::pipedrive_api::Operation;
using ::bridgework::pipedrive_api::Operations;
using ::bridgework::pipedrive_api::Prefixes;
using ::bridgework::pipedrive_api::RouteRegex;

// The path of a request as logs and stats show it: the operation's
// PathTemplate, or for an unknown path its API prefix plus the rest with
// ids and values hidden (emulator::PathTemplate); empty if the path is not
// under an API prefix.
std::string LoggedPath(std::string_view method, std::string_view path);

}  // namespace bridgework::emulator::pipedrive

#endif  // BRIDGEWORK_EMULATORS_PIPEDRIVE_PIPEDRIVE_OPERATIONS_H_
