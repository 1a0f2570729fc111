// The proposer's vocabulary (docs/proposer.md, "Vocabulary"): what source
// names mean, independent of any CRM.
//
//   - the word table: abbreviations of practice-management systems (Open
//     Dental's PatNum, HmPhone, AptDateTime, ProcCode), spelling variants
//     and Turkish words of Dr.DENTES exports (ad, soyad, telefon, e-posta,
//     doğum tarihi), each expanded to canonical English words;
//   - concepts: the things a field can hold (first name, email, mobile
//     phone, birth date, tooth number, CDT procedure code...), each with
//     phrases in canonical words, typical value shapes, whether it is a
//     system or sensitive field, and how likely a migration engineer keeps
//     it in a custom field when the CRM has no standard field for it;
//   - object kinds: what a source object is (patient, location, staff,
//     appointment, treatment plan...), each with phrases.
//
// The tables are code (vocabulary.cc), reviewed like code. Thread safety:
// the tables are immutable after first use; all functions are thread-safe.
#ifndef BRIDGEWORK_LIBS_PROPOSER_VOCABULARY_H_
#define BRIDGEWORK_LIBS_PROPOSER_VOCABULARY_H_

#include <string>
#include <string_view>
#include <vector>

#include "libs/proposer/shapes.h"

namespace bridgework::proposer {

// Canonical words for one word or a two-word form ("hm" -> "home",
// "e mail" -> "email", "soyad" -> "last name"); nullptr when the word
// stands for itself.
const char* ExpandWord(const std::string& word);

// Words that carry no meaning in a field name ("of", "the").
bool IsStopWord(const std::string& word);

// What a field is, for the proposer's decisions.
enum class Disposition {
  kMap,        // carry it when the CRM has a place for it
  kSystem,     // bookkeeping of the source (change stamps, row versions)
  kSensitive,  // identity or health data a CRM should not hold (SSN,
               // national id, medical alerts, medications)
  kInternal,   // meaningful only inside the source (file paths, image
               // folders, display colours, sort orders)
};

// A phrase in canonical words. `kinds`, when set, limits it to source
// objects of those kinds (space-separated kind ids): "description" means
// the name of an Open Dental clinic, not of a patient.
struct Phrase {
  const char* words;
  const char* kinds = nullptr;
  double weight = 1.0;
};

struct Concept {
  const char* id;     // "birth_date"
  const char* label;  // "Date of birth": the label of a new custom field
  std::vector<Phrase> phrases;
  // Value shapes typical of the concept; empty when values say nothing.
  std::vector<Shape> shapes;
  Disposition disposition = Disposition::kMap;
  // 0..1: how likely a migration engineer keeps the field in a new custom
  // field when the CRM object has no standard field for it.
  double keep = 0;
  // Type of a new custom field ("text", "date", "number", "dropdown",
  // "textarea").
  const char* custom_type = "text";
};

const std::vector<Concept>& Concepts();
const Concept* FindConcept(std::string_view id);

struct ConceptMatch {
  const Concept* concept_def;
  // 0..1: how well the name says the concept (1: a phrase exactly).
  double strength;
};

// Concepts a field name says, best first. Each concept scores its best
// phrase (PhraseScore times the phrase's weight), so a longer exact phrase
// beats a shorter partial one ("emergency contact phone" is an emergency
// contact at 1.0 and a phone at 0.4). `object_words` are the canonical
// words of the field's object: they may be dropped from the name
// ("PatStatus" in patient reads as status). `kind` limits kind-specific
// phrases. Matches below 0.3 are left out.
std::vector<ConceptMatch> MatchConcepts(
    const std::vector<std::string>& field_words,
    const std::vector<std::string>& object_words, std::string_view kind);

// 0..1: how well canonical words `words` say `phrase`: 1 when equal, 0.97
// in another order, 0.95 with only soft extra words ("primary"), else 0.85
// times the F1 of the word overlap (0.45 times when the shared words are
// all generic: "on", "date", "id"...); 0 with nothing in common.
double PhraseScore(const std::vector<std::string>& words,
                   const std::vector<std::string>& phrase);

struct ObjectKind {
  const char* id;     // "treatment_plan"
  const char* label;  // "Treatment plan"
  std::vector<Phrase> phrases;
};

const std::vector<ObjectKind>& ObjectKinds();

struct KindMatch {
  const ObjectKind* kind;  // nullptr: no kind matched
  double strength = 0;
};

// The kind an object name says, by its canonical words; strength 0 and
// kind nullptr when none matches at 0.5 or better.
KindMatch MatchObjectKind(std::string_view object_name);

}  // namespace bridgework::proposer

#endif  // BRIDGEWORK_LIBS_PROPOSER_VOCABULARY_H_
