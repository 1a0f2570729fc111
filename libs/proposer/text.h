// Field and object names as words: the proposer compares names by the
// words they are made of, after splitting, folding and expanding the
// abbreviations of practice-management systems ("AptDateTime" ->
// appointment date time, "HmPhone" -> home phone, "doğum_tarihi" -> birth
// date). The word table is in vocabulary.cc (docs/proposer.md).
//
// Thread safety: all functions are pure.
#ifndef BRIDGEWORK_LIBS_PROPOSER_TEXT_H_
#define BRIDGEWORK_LIBS_PROPOSER_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace bridgework::proposer {

// Lower-case ASCII of a UTF-8 name: Turkish and other Latin letters lose
// their marks ("Doğum Tarihi" -> "dogum tarihi", "İl" -> "il"); other
// non-ASCII characters become spaces.
std::string FoldToAscii(std::string_view utf8);

// Splits a name into lower-case ASCII words at separators (_ - . / space),
// case changes ("PatNum" -> pat num, "LName" -> l name, "HTMLBody" ->
// html body) and letter/digit boundaries ("Bal_0_30" -> bal 0 30,
// "address1" -> address 1).
std::vector<std::string> SplitWords(std::string_view name);

// SplitWords, then two-word forms ("e mail" -> email, "l name" -> last
// name, "dogum tarihi" -> birth date) and single words expanded through
// the abbreviation and translation table ("hm" -> home, "apt" ->
// appointment, "soyad" -> last name); a Turkish word not in the table is
// tried without its plural suffix ("doktorlar" -> doktor -> dentist), and
// "adi" after another word is that thing's name ("klinik adi" -> clinic
// name). Stop words ("of", "the") are dropped.
std::vector<std::string> CanonicalWords(std::string_view name);

// CanonicalWords joined by single spaces.
std::string CanonicalName(std::string_view name);

// snake_case ASCII identifier for a new custom field: "Date of birth" ->
// "date_of_birth", "PreferConfirmMethod" -> "prefer_confirm_method". Never
// empty ("field" when nothing is left).
std::string SnakeCase(std::string_view name);

}  // namespace bridgework::proposer

#endif  // BRIDGEWORK_LIBS_PROPOSER_TEXT_H_
