// The map proposer (docs/proposer.md): from a source's object schemas and a
// sample of its values, proposes where each object goes in a CRM and how
// each field is carried, each proposal with a confidence (0..1), a
// one-line reason and its best alternatives. Proposals below the threshold
// stay open questions for a person; nothing is guessed silently.
//
// Signals: the field's name (split, expanded through the PMS, dental and
// Turkish vocabulary, matched to concepts), the shapes of its sampled
// values, type compatibility with the CRM field, and what this CRM's
// default maps already say.
//
// Patient data: samples are held in memory only. Reasons and every other
// output name fields, shapes and shares, never a value; the only values a
// proposal carries are pick-list values of status/type fields (stage and
// choice translations), as the shipped default maps do.
//
// Thread safety: Propose is a pure function of its arguments.
#ifndef BRIDGEWORK_LIBS_PROPOSER_PROPOSER_H_
#define BRIDGEWORK_LIBS_PROPOSER_PROPOSER_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "bridgework/v1/extractor.pb.h"
#include "bridgework/v1/record.pb.h"
#include "libs/mapping/map.h"

namespace bridgework::proposer {

// One source field: its schema and what a sample of records held.
struct FieldSample {
  std::string name;
  std::string type;        // declared: "string", "int", "date", ...
  std::string references;  // the object a foreign key points at, or ""
  bool required = false;
  // Distinct non-empty sampled values (at most SampleBuilder's limit).
  std::vector<v1::Value> values;
  // Per distinct value (same order as `values`): how many sampled records
  // held it.
  std::vector<long long> counts;
  long long records = 0;    // records sampled
  long long non_empty = 0;  // of them with a value
  long long distinct = 0;   // distinct values among those
};

struct ObjectSample {
  std::string name;
  std::string key_field;
  std::string updated_at_field;
  std::vector<FieldSample> fields;
  long long records = 0;
};

struct SourceSample {
  std::string system;  // "pbn", "opendental"
  std::string phone_region = "US";
  std::vector<ObjectSample> objects;  // parents first
};

// Accumulates one object's sample from its schema and records. Values stay
// in memory; nothing is logged. Not thread-safe.
class SampleBuilder {
 public:
  // Keeps at most `max_values` distinct values per field.
  explicit SampleBuilder(const v1::ObjectSchema& schema, int max_values = 200);
  void Add(const v1::Record& record);
  ObjectSample Finish();

 private:
  ObjectSample sample_;
  int max_values_;
  // Per field: distinct value texts -> index in values (or -1 beyond the
  // limit, counted in `distinct` only).
  std::vector<std::map<std::string, int>> seen_;
};

struct ProposeOptions {
  std::string crm;  // "freshsales", "pipedrive", "highlevel"
  // At or above: proposed (written as a rule). Below: an open question.
  double threshold = 0.7;
  // Below: not proposed at all (no candidate worth asking about).
  double floor = 0.35;
  // Alternatives kept per field.
  int top_k = 3;
  // Maps shipped for this CRM (any source system): the default map of
  // `system` if there is one, and the others as evidence of how fields
  // usually land in this CRM. Not owned; must outlive the call.
  std::vector<const mapping::Map*> default_maps;
};

// One place a field could go.
struct Candidate {
  enum class Kind {
    kStandard,  // a standard field of the target object
    kCustom,    // a custom field (existing in a default map, or new)
    kLink,      // a lookup to another migrated record
    kOwner,     // the record's owner, by the referenced staff's email
    kSkip,      // deliberately not carried (system, sensitive, internal)
  };
  Kind kind = Kind::kStandard;
  std::string target;  // target field ("email", "cf_date_of_birth",
                       // "sales_accounts"); "owner"; "" for kSkip
  double score = 0;
  // How well the target holds what the name says (the catalogue's fit; 1
  // for custom fields and links): of two fields wanting one target, the
  // better fit takes it.
  double fit = 1;
  std::string reason;
  // Rule details for the writer.
  std::string transform;
  std::string numbering;  // transform "tooth": "FDI" or "Universal"
  std::string zone;
  // A date's plausible days (a birth date's not_after: today), as a
  // default map's rule has them.
  std::string not_before, not_after;
  bool join = false;
  std::string separator = " ";
  bool required = false;
  std::string companion;  // another target written from the same field
  std::string companion_transform;
  std::map<std::string, std::string> values;            // pick-list map
  std::optional<std::string> default_value;             // for unlisted ones
  std::map<std::string, std::string> companion_values;  // for companion
  std::string plus_minutes_of;  // kind "end = start + this duration": the
                                // start field (set by the proposer)
  // kCustom: the new field's label, type and (dropdown) choices. A stage:
  // the pipeline's stages, most frequent first.
  std::string custom_label;
  std::string custom_type;
  std::vector<std::string> choices;
  // kLink / kOwner.
  std::string link_object;  // the referenced source object
  std::string link_target;  // the CRM object it became
  bool list = false;
  bool deferrable = false;
  std::string email_field;  // kOwner: the referenced object's email field
};

struct FieldProposal {
  std::string source_field;
  enum class Decision {
    kMapped,   // confidence >= threshold: written as a rule
    kOpen,     // an open question: candidates written commented out
    kSkipped,  // not carried, with its reason
    kKey,      // the record's key: the route's external key
  };
  Decision decision = Decision::kSkipped;
  double confidence = 0;
  std::string reason;
  // Best first; at most top_k. For kSkipped by disposition the first is
  // the kSkip candidate.
  std::vector<Candidate> candidates;

  // The best candidate that is not a skip, or nullptr.
  const Candidate* Best() const;
};

struct RouteProposal {
  std::string source_object;
  std::string kind;   // object kind id ("patient"), "" when unknown
  std::string route;  // "load", "reference", "not_migrated"
  std::string target;
  double confidence = 0;
  std::string reason;
  // A load route below the threshold: written as not_migrated with the
  // proposed target and fields commented out.
  bool open = false;
  std::string external_key_field;
  // The map entity of the target's custom fields ("contacts"); "" when
  // the target has none.
  std::string entity;
  std::vector<std::pair<std::string, std::string>> constants;
  std::string pipeline;  // deals: the pipeline named by the route
  std::vector<FieldProposal> fields;

  const FieldProposal* Field(std::string_view name) const;
};

struct Proposal {
  std::string system;
  std::string crm;
  double threshold = 0.7;
  std::vector<RouteProposal> routes;

  const RouteProposal* Route(std::string_view source_object) const;
};

// INVALID_ARGUMENT for a CRM without a catalogue.
absl::StatusOr<Proposal> Propose(const SourceSample& sample,
                                 const ProposeOptions& options);

}  // namespace bridgework::proposer

#endif  // BRIDGEWORK_LIBS_PROPOSER_PROPOSER_H_
