#include "libs/workflows/interval.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::workflows {
namespace {

TEST(ParseInterval, HoursBeforeTheStartAnchorOnTheAppointment) {
  Interval i = ParseInterval("48 hours before start", kAnchorEvent);
  EXPECT_EQ(i.kind, IntervalKind::kOffset);
  EXPECT_EQ(i.amount, -48);
  EXPECT_EQ(i.unit, "hours");
  EXPECT_EQ(i.anchor, kAnchorAppointmentStart);
  EXPECT_EQ(i.OffsetSeconds(), -48 * 3600);
  EXPECT_EQ(i.Iso8601(), "-PT48H");
  EXPECT_EQ(i.original, "48 hours before start");
  EXPECT_EQ(i.Describe(), "48 hours before the appointment start");
}

TEST(ParseInterval, CompactOffsetWithTimeOfDay) {
  Interval i = ParseInterval("-1d 10:00", kAnchorAppointmentStart);
  EXPECT_EQ(i.kind, IntervalKind::kOffset);
  EXPECT_EQ(i.amount, -1);
  EXPECT_EQ(i.unit, "days");
  EXPECT_EQ(i.time_of_day, "10:00");
  EXPECT_EQ(i.anchor, kAnchorAppointmentStart);
  EXPECT_EQ(i.Iso8601(), "-P1D");
  EXPECT_EQ(i.Describe(), "1 day before the appointment start, at 10:00");
}

TEST(ParseInterval, CompactForms) {
  Interval after = ParseInterval("+15d", kAnchorEvent);
  EXPECT_EQ(after.kind, IntervalKind::kOffset);
  EXPECT_EQ(after.amount, 15);
  EXPECT_EQ(after.anchor, kAnchorEvent);
  EXPECT_EQ(after.Iso8601(), "P15D");

  Interval unsigned_days = ParseInterval("7d", kAnchorDueDate);
  EXPECT_EQ(unsigned_days.amount, 7);
  EXPECT_EQ(unsigned_days.anchor, kAnchorDueDate);

  Interval hours = ParseInterval("-2h", kAnchorAppointmentStart);
  EXPECT_EQ(hours.amount, -2);
  EXPECT_EQ(hours.unit, "hours");
  EXPECT_EQ(hours.OffsetSeconds(), -7200);

  Interval week = ParseInterval("+1w", kAnchorEvent);
  EXPECT_EQ(week.unit, "weeks");
  EXPECT_EQ(week.Iso8601(), "P1W");

  Interval minutes = ParseInterval("-30m", kAnchorAppointmentStart);
  EXPECT_EQ(minutes.unit, "minutes");
  EXPECT_EQ(minutes.Iso8601(), "-PT30M");
}

TEST(ParseInterval, ImmediateForms) {
  for (const char* text : {"immediately", "Immediately", "+0", "0", "now"}) {
    Interval i = ParseInterval(text, kAnchorEvent);
    EXPECT_EQ(i.kind, IntervalKind::kImmediate) << text;
    EXPECT_EQ(i.OffsetSeconds(), 0) << text;
    EXPECT_EQ(i.Iso8601(), "PT0S") << text;
    EXPECT_EQ(i.Describe(), "immediately") << text;
  }
}

TEST(ParseInterval, TimeOfDayAloneIsOnTheAnchorDay) {
  Interval i = ParseInterval("09:00", kAnchorBirthday);
  EXPECT_EQ(i.kind, IntervalKind::kOffset);
  EXPECT_EQ(i.amount, 0);
  EXPECT_EQ(i.time_of_day, "09:00");
  EXPECT_EQ(i.anchor, kAnchorBirthday);
  EXPECT_EQ(i.Describe(), "on the day of the birthday, at 09:00");

  Interval zero_day = ParseInterval("0 9:05", kAnchorBirthday);
  EXPECT_EQ(zero_day.kind, IntervalKind::kOffset);
  EXPECT_EQ(zero_day.time_of_day, "09:05");
}

TEST(ParseInterval, AfterTheStepBefore) {
  Interval i = ParseInterval("after 14 days", kAnchorEvent);
  EXPECT_EQ(i.kind, IntervalKind::kOffset);
  EXPECT_EQ(i.amount, 14);
  EXPECT_EQ(i.anchor, kAnchorPreviousStep);
  EXPECT_EQ(i.Describe(), "14 days after the previous step");
}

TEST(ParseInterval, WordsNameTheAnchor) {
  EXPECT_EQ(ParseInterval("3 days after due date", kAnchorEvent).anchor,
            kAnchorDueDate);
  EXPECT_EQ(
      ParseInterval("2 weeks before the appointment", kAnchorEvent).anchor,
      kAnchorAppointmentStart);
  Interval plain = ParseInterval("10 days after", kAnchorLastVisit);
  EXPECT_EQ(plain.anchor, kAnchorLastVisit);
  EXPECT_EQ(plain.amount, 10);
  Interval at = ParseInterval("1 day before start at 18:30", kAnchorEvent);
  EXPECT_EQ(at.amount, -1);
  EXPECT_EQ(at.time_of_day, "18:30");
  Interval months = ParseInterval("6 months after", kAnchorLastVisit);
  EXPECT_EQ(months.unit, "months");
  EXPECT_EQ(months.OffsetSeconds(), std::nullopt);
  EXPECT_EQ(months.Iso8601(), "P6M");
}

TEST(ParseInterval, Recurring) {
  Interval monthly = ParseInterval("monthly, 1st business day", kAnchorEvent);
  EXPECT_EQ(monthly.kind, IntervalKind::kRecurring);
  EXPECT_EQ(monthly.every, "month");
  EXPECT_EQ(monthly.on, "1st business day");
  EXPECT_EQ(monthly.OffsetSeconds(), std::nullopt);
  EXPECT_EQ(monthly.Iso8601(), "");
  EXPECT_EQ(monthly.Describe(), "every month (1st business day)");

  Interval daily = ParseInterval("daily at 07:00", kAnchorEvent);
  EXPECT_EQ(daily.every, "day");
  EXPECT_EQ(daily.time_of_day, "07:00");
  EXPECT_EQ(daily.on, "");
  EXPECT_EQ(daily.Describe(), "every day at 07:00");

  Interval weekly = ParseInterval("weekly", kAnchorEvent);
  EXPECT_EQ(weekly.every, "week");

  Interval every = ParseInterval("every week on Monday at 8:00", kAnchorEvent);
  EXPECT_EQ(every.kind, IntervalKind::kRecurring);
  EXPECT_EQ(every.every, "week");
  EXPECT_EQ(every.on, "Monday");
  EXPECT_EQ(every.time_of_day, "08:00");
}

TEST(ParseInterval, NotUnderstoodIsKeptVerbatim) {
  for (const char* text :
       {"when the doctor says so", "15", "-1d 25:00", "every 3 weeks",
        "48 hours around start", "+3x", "10:7"}) {
    Interval i = ParseInterval(text, kAnchorEvent);
    EXPECT_EQ(i.kind, IntervalKind::kUnparsed) << text;
    EXPECT_EQ(i.original, text);
    EXPECT_EQ(i.Describe(), text);
    EXPECT_EQ(i.Iso8601(), "");
    EXPECT_EQ(i.OffsetSeconds(), std::nullopt);
  }
  Interval empty = ParseInterval("  ", kAnchorEvent);
  EXPECT_EQ(empty.kind, IntervalKind::kUnparsed);
  EXPECT_EQ(empty.original, "");
}

}  // namespace
}  // namespace bridgework::workflows
