// Writes a Proposal as a map (docs/map.md) that ParseMap reads and a
// person edits (docs/proposer.md, "The written map"):
//
//   - every proposed rule, lookup and owner is preceded by a comment with
//     its confidence and one-line reason;
//   - an open question (below the threshold) is a comment block: the
//     question, then each candidate as a commented-out rule ("# - {to:
//     ...}"); uncommenting one line answers it;
//   - fields not carried are listed with their reasons;
//   - a load route below the threshold is written as `route: not_migrated`
//     with its proposed target and rules commented out;
//   - custom fields, custom objects and pipelines the proposed rules need
//     are declared; those of open questions are commented out beside them.
//
// No sampled value appears in the file except pick-list values of
// status/type fields (stage, choice and yes/no translations).
//
// Thread safety: a pure function.
#ifndef BRIDGEWORK_LIBS_PROPOSER_WRITER_H_
#define BRIDGEWORK_LIBS_PROPOSER_WRITER_H_

#include <string>

#include "libs/proposer/proposer.h"

namespace bridgework::proposer {

struct WriteSummary {
  int routes_loaded = 0;
  int routes_open = 0;
  int rules = 0;           // field rules, lookups and owners written
  int open_questions = 0;  // fields left as open questions
  int not_carried = 0;     // fields deliberately not carried
};

// The map YAML. `summary`, when given, receives the counts.
std::string WriteMapYaml(const Proposal& proposal,
                         WriteSummary* summary = nullptr);

// A YAML scalar: plain when that is unambiguous, else double-quoted.
std::string YamlScalar(const std::string& s);

}  // namespace bridgework::proposer

#endif  // BRIDGEWORK_LIBS_PROPOSER_WRITER_H_
