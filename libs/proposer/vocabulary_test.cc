#include "libs/proposer/vocabulary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "libs/proposer/text.h"

namespace bridgework::proposer {
namespace {

// The best concept a field name says in an object of `kind`.
std::string Best(std::string_view field, std::string_view object,
                 std::string_view kind) {
  std::vector<ConceptMatch> m =
      MatchConcepts(CanonicalWords(field), CanonicalWords(object), kind);
  return m.empty() ? "" : m[0].concept_def->id;
}

TEST(VocabularyTest, DentalAndPmsFieldNames) {
  EXPECT_EQ(Best("HmPhone", "patient", "patient"), "home_phone");
  EXPECT_EQ(Best("WirelessPhone", "patient", "patient"), "mobile_phone");
  EXPECT_EQ(Best("AptDateTime", "appointment", "appointment"), "start");
  EXPECT_EQ(Best("ProcCode", "procedurelog", "treatment"), "procedure_codes");
  EXPECT_EQ(Best("Guarantor", "patient", "patient"), "responsible_party");
  EXPECT_EQ(Best("ToothNum", "procedurelog", "treatment"), "tooth");
  EXPECT_EQ(Best("SSN", "patient", "patient"), "national_id");
  EXPECT_EQ(Best("MedUrgNote", "patient", "patient"), "medical_alert");
  EXPECT_EQ(Best("DateTStamp", "patient", "patient"), "updated_at");
  EXPECT_EQ(Best("Birthdate", "patient", "patient"), "birth_date");
  EXPECT_EQ(Best("diagnosis_codes", "treatment_plan", "treatment_plan"),
            "diagnosis_codes");
}

TEST(VocabularyTest, ObjectWordsMayBeDropped) {
  // "PatStatus" in patient reads as the patient's status.
  EXPECT_EQ(Best("PatStatus", "patient", "patient"), "patient_status");
  // "status" means different things by object kind.
  EXPECT_EQ(Best("status", "appointment", "appointment"), "event_status");
  EXPECT_EQ(Best("status", "treatment_plan", "treatment_plan"), "deal_stage");
  EXPECT_EQ(Best("status", "recall", "recall"), "task_status");
}

TEST(VocabularyTest, KindSpecificPhrases) {
  // A clinic's Description is its name; a document's is its title.
  EXPECT_EQ(Best("Description", "clinic", "location"), "org_name");
  EXPECT_EQ(Best("Description", "document", "document"), "document_title");
  EXPECT_EQ(Best("name", "location", "location"), "org_name");
  EXPECT_EQ(Best("name", "treatment_plan", "treatment_plan"), "deal_title");
}

TEST(VocabularyTest, TurkishFieldNames) {
  EXPECT_EQ(Best("Ad", "hasta", "patient"), "first_name");
  EXPECT_EQ(Best("soyad", "hasta", "patient"), "last_name");
  EXPECT_EQ(Best("Doğum Tarihi", "hasta", "patient"), "birth_date");
  EXPECT_EQ(Best("e-posta", "hasta", "patient"), "email");
  EXPECT_EQ(Best("Telefon", "hasta", "patient"), "phone");
  EXPECT_EQ(Best("TC Kimlik No", "hasta", "patient"), "national_id");
  EXPECT_EQ(Best("Posta Kodu", "hasta", "patient"), "postal_code");
}

TEST(VocabularyTest, PhraseScore) {
  auto w = [](const char* s) { return CanonicalWords(s); };
  EXPECT_DOUBLE_EQ(PhraseScore(w("home phone"), w("home phone")), 1.0);
  EXPECT_DOUBLE_EQ(PhraseScore(w("phone home"), w("home phone")), 0.97);
  EXPECT_DOUBLE_EQ(PhraseScore(w("primary email"), w("email")), 0.95);
  EXPECT_DOUBLE_EQ(PhraseScore(w("fax"), w("email")), 0.0);
  // A longer exact phrase beats a shorter partial one.
  EXPECT_GT(
      PhraseScore(w("emergency contact phone"), w("emergency contact phone")),
      PhraseScore(w("emergency contact phone"), w("phone")));
  // Sharing only a generic word is weak: "presented on" is not "born on".
  EXPECT_LT(PhraseScore(w("presented on"), w("born on")), 0.3);
}

TEST(VocabularyTest, ObjectKinds) {
  auto kind = [](const char* name) {
    KindMatch m = MatchObjectKind(name);
    return m.kind == nullptr ? std::string() : std::string(m.kind->id);
  };
  EXPECT_EQ(kind("patient"), "patient");
  EXPECT_EQ(kind("patients"), "patient");
  EXPECT_EQ(kind("treatplan"), "treatment_plan");
  EXPECT_EQ(kind("treatment_case"), "treatment_plan");
  EXPECT_EQ(kind("procedurelog"), "treatment");
  EXPECT_EQ(kind("procedurecode"), "catalog");
  EXPECT_EQ(kind("commlog"), "communication");
  EXPECT_EQ(kind("procnote"), "note");
  EXPECT_EQ(kind("clinic"), "location");
  EXPECT_EQ(kind("provider"), "staff");
  EXPECT_EQ(kind("hastalar"), "patient");
  EXPECT_EQ(kind("randevular"), "appointment");
  EXPECT_EQ(kind("imaging_record"), "clinical");
  EXPECT_EQ(kind("zzz_misc"), "");
}

TEST(VocabularyTest, ConceptIdsAreUnique) {
  std::set<std::string> ids;
  for (const Concept& c : Concepts()) {
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    EXPECT_FALSE(c.phrases.empty()) << c.id;
    EXPECT_GE(c.keep, 0);
    EXPECT_LE(c.keep, 1);
  }
  EXPECT_NE(FindConcept("email"), nullptr);
  EXPECT_EQ(FindConcept("no_such_concept"), nullptr);
}

}  // namespace
}  // namespace bridgework::proposer
