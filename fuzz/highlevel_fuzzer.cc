// Fuzz target: the HighLevel connector reading CRM responses
// (fuzz/crm_fuzz_harness.h describes the input).
#include <cstdint>

#include "fuzz/crm_fuzz_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bridgework::fuzz::FuzzConnector("highlevel", data, size);
  return 0;
}
