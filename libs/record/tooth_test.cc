#include "libs/record/tooth.h"

#include <gtest/gtest.h>

namespace bridgework::record {
namespace {

TEST(ToothNumber, Fdi) {
  for (const char* t : {"11", "18", "21", "38", "48", "51", "55", "85"}) {
    EXPECT_TRUE(IsToothNumber(t, ToothNumbering::kFdi)) << t;
  }
  for (const char* t :
       {"10", "19", "49", "56", "86", "91", "1", "111", "", "a1", " 11"}) {
    EXPECT_FALSE(IsToothNumber(t, ToothNumbering::kFdi)) << t;
  }
}

TEST(ToothNumber, Universal) {
  for (const char* t : {"1", "9", "14", "32", "A", "t", "K"}) {
    EXPECT_TRUE(IsToothNumber(t, ToothNumbering::kUniversal)) << t;
  }
  for (const char* t : {"0", "07", "33", "U", "u", "", "+7", "1a", "100"}) {
    EXPECT_FALSE(IsToothNumber(t, ToothNumbering::kUniversal)) << t;
  }
}

}  // namespace
}  // namespace bridgework::record
