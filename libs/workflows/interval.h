// When an automation step runs, as the source wrote it and normalised where
// the text is understood: "48 hours before start" is an offset of -48 hours
// from the appointment's start; "-1d 10:00" is one day before, at 10:00;
// "monthly, 1st business day" repeats every month. Text that is not
// understood is kept verbatim with kind kUnparsed: nothing is guessed.
//
// Thread safety: pure functions.
#ifndef BRIDGEWORK_LIBS_WORKFLOWS_INTERVAL_H_
#define BRIDGEWORK_LIBS_WORKFLOWS_INTERVAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bridgework::workflows {

// What an offset counts from. The trigger's own moment is kAnchorEvent.
inline constexpr char kAnchorEvent[] = "trigger_event";
inline constexpr char kAnchorAppointmentStart[] = "appointment_start";
inline constexpr char kAnchorDueDate[] = "due_date";
inline constexpr char kAnchorBirthday[] = "birthday";
inline constexpr char kAnchorLastVisit[] = "last_visit_date";
// The step before this one ("create call task after 14 days").
inline constexpr char kAnchorPreviousStep[] = "previous_step";

enum class IntervalKind {
  kImmediate,  // when the trigger fires ("immediately", "+0")
  kOffset,     // amount/unit from the anchor, optionally at time_of_day
  kRecurring,  // every day/week/month, optionally `on` and at time_of_day
  kUnparsed,   // only `original` is meaningful
};

// "immediate", "offset", "recurring", "unparsed".
const char* IntervalKindName(IntervalKind kind);

struct Interval {
  // The source text, verbatim (trimmed).
  std::string original;
  IntervalKind kind = IntervalKind::kUnparsed;
  // kOffset: signed amount of `unit`; negative is before the anchor. 0 with
  // a time of day is "on the anchor's day at time_of_day".
  int64_t amount = 0;
  // kOffset: "minutes", "hours", "days", "weeks" or "months".
  std::string unit;
  // kImmediate and kOffset: one of the kAnchor* names.
  std::string anchor;
  // "HH:MM" (24 h, local to the practice) or empty.
  std::string time_of_day;
  // kRecurring: "day", "week", "month" or "year".
  std::string every;
  // kRecurring: the qualifier as written ("1st business day", "monday"),
  // or empty.
  std::string on;

  // The offset in seconds; nullopt for months (not a fixed length) and for
  // kinds other than kImmediate (0) and kOffset.
  std::optional<int64_t> OffsetSeconds() const;
  // ISO 8601 duration with a leading '-' when before the anchor: "-PT48H",
  // "-P1D", "P14D", "PT0S"; empty for kRecurring and kUnparsed.
  std::string Iso8601() const;
  // For people: "48 hours before the appointment start", "1 day before
  // the recall due date, at 10:00", "every month (1st business day)",
  // "immediately", or the original text for kUnparsed.
  std::string Describe() const;
};

// Parses `text`. Understood forms (case-insensitive):
//   "immediately", "now", "+0", "0"                      -> kImmediate
//   "[+-]N{m,min,h,d,w}" optionally followed by "HH:MM"  -> kOffset
//   "HH:MM"                                              -> on the anchor day
//   "N minutes|hours|days|weeks|months before|after [X]" -> kOffset; X
//       naming the start or the appointment anchors on the appointment
//       start, "due [date]" on the due date, else `default_anchor`
//   "after N days" (and other units)                     -> after the
//       previous step
//   "daily|weekly|monthly|yearly [at HH:MM|on X|, X]",
//   "every [N] day|week|month [at HH:MM]"                -> kRecurring
// An unsigned compact offset ("15d") counts forward. `default_anchor` is
// used when the text does not name one.
Interval ParseInterval(std::string_view text, std::string_view default_anchor);

// Human name of an anchor: "the appointment start", "the trigger".
std::string AnchorName(std::string_view anchor);

}  // namespace bridgework::workflows

#endif  // BRIDGEWORK_LIBS_WORKFLOWS_INTERVAL_H_
