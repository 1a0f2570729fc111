// The sample's choice (services/transformer/sample.h) at the scale of a
// large practice: how long offering every record and finishing takes, and
// the selector's resident memory growth. Prints its figures; asserts
// nothing about time (make bench).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "services/transformer/sample.h"

namespace {

long MaxRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main() {
  using bridgework::transformer::RecordRef;
  using bridgework::transformer::SampleSelector;
  for (int patients : {10000, 100000}) {
    long rss_before = MaxRssKb();
    auto start = std::chrono::steady_clock::now();
    SampleSelector s(200, 42);
    const int locations = 20;
    for (int l = 0; l < locations; ++l) {
      s.Offer({"location", std::to_string(l)},
              {"route location", "location field name", "location field phone"},
              {});
    }
    int64_t offered = locations;
    for (int p = 0; p < patients; ++p) {
      std::vector<std::string> f = {"route contact", "contact field email",
                                    "contact status=" + std::to_string(p % 5)};
      std::vector<RecordRef> parents = {
          {"location", std::to_string(p % locations)}};
      if (p % 7 == 0) {
        f.push_back("contact lookup guarantor");
        parents.push_back({"patient", std::to_string(p / 2)});
      }
      s.Offer({"patient", std::to_string(p)}, f, parents);
      ++offered;
      // Three appointments per patient, one of them cancelled now and then.
      for (int a = 0; a < 3; ++a) {
        std::string key = std::to_string(p * 3 + a);
        s.Offer({"appointment", key},
                {"route activity",
                 "activity status=" + std::string(p % 11 == 0 && a == 0
                                                      ? "cancelled"
                                                      : "completed")},
                {{"patient", std::to_string(p)}});
        ++offered;
      }
    }
    s.Finish();
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    std::printf(
        "sample of %lld records offered: %lld chosen (%lld for coverage, %lld "
        "features) in %.1f ms; max RSS grew %ld KiB\n",
        static_cast<long long>(offered), static_cast<long long>(s.size()),
        static_cast<long long>(s.covering_size()),
        static_cast<long long>(s.features()), ms, MaxRssKb() - rss_before);
  }
  return 0;
}
