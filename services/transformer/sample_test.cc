#include "services/transformer/sample.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace bridgework::transformer {
namespace {

using ::testing::HasSubstr;

TEST(SampleSelector, CoverageFirstThenParentsThenRandomFill) {
  SampleSelector s(6, 7);
  // Ten locations, the first two show everything there is to show.
  for (int i = 0; i < 10; ++i) {
    std::vector<std::string> f = {"route location", "field name"};
    if (i == 1) f.push_back("field phone");
    s.Offer({"location", "L" + std::to_string(i)}, f, {});
  }
  // Patients reference locations; P7 alone has a guarantor.
  for (int i = 0; i < 10; ++i) {
    std::vector<std::string> f = {"route contact"};
    std::vector<RecordRef> parents = {{"location", "L5"}};
    if (i == 7) {
      f.push_back("lookup guarantor");
      parents.push_back({"patient", "P3"});
    }
    s.Offer({"patient", "P" + std::to_string(i)}, f, parents);
  }
  s.OfferMerged({"insurance", "I1"}, {"patient", "P7"});
  s.OfferMerged({"insurance", "I2"}, {"patient", "P8"});
  s.Finish();

  ASSERT_NE(s.Reason({"location", "L0"}), nullptr);
  EXPECT_THAT(*s.Reason({"location", "L0"}), HasSubstr("route location"));
  EXPECT_THAT(*s.Reason({"location", "L1"}), HasSubstr("field phone"));
  EXPECT_THAT(*s.Reason({"patient", "P7"}), HasSubstr("lookup guarantor"));
  // Parents of chosen records, transitively.
  EXPECT_EQ(*s.Reason({"patient", "P3"}), "parent of patient P7");
  EXPECT_NE(s.Reason({"location", "L5"}), nullptr);
  EXPECT_EQ(*s.Reason({"insurance", "I1"}), "merged onto patient P7");
  // L0, L1, P0, P7 cover; P3 and L5 are parents: 6 = the size, no fill.
  EXPECT_EQ(s.covering_size(), 6);
  EXPECT_EQ(s.size(), 7);  // plus the merged insurance record
  EXPECT_EQ(s.features(), 5);
}

TEST(SampleSelector, RandomFillIsSeededAndBringsParents) {
  auto pick = [](uint64_t seed) {
    SampleSelector s(20, seed);
    for (int i = 0; i < 100; ++i) {
      s.Offer({"location", "L" + std::to_string(i)}, {"route location"}, {});
    }
    for (int i = 0; i < 100; ++i) {
      s.Offer({"patient", "P" + std::to_string(i)}, {"route contact"},
              {{"location", "L" + std::to_string(i)}});
    }
    s.Finish();
    std::vector<std::string> chosen;
    for (int i = 0; i < 100; ++i) {
      RecordRef p = {"patient", "P" + std::to_string(i)};
      if (s.Reason(p) == nullptr) continue;
      chosen.push_back(p.second);
      // Every chosen patient brings its location.
      EXPECT_NE(s.Reason({"location", "L" + std::to_string(i)}), nullptr)
          << p.second;
    }
    EXPECT_GE(s.size(), 20);
    EXPECT_LE(s.size(), 21);  // a last random patient may bring one parent
    return chosen;
  };
  EXPECT_EQ(pick(1), pick(1));
  EXPECT_NE(pick(1), pick(2));
}

TEST(SampleSelector, CoverageWinsOverSize) {
  SampleSelector s(2, 1);
  for (int i = 0; i < 5; ++i) {
    s.Offer({"patient", "P" + std::to_string(i)},
            {"status=" + std::to_string(i)}, {});
  }
  s.Finish();
  EXPECT_EQ(s.size(), 5);
  EXPECT_EQ(s.covering_size(), 5);
}

}  // namespace
}  // namespace bridgework::transformer
