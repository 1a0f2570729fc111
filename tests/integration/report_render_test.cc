// The run report as a browser shows it: report.html, written by the report
// library from a run with every section filled (objects, timeline against
// the plan's budget, a sample diff with a mismatch, grouped quarantine
// reasons), rendered by headless Chromium. The screenshot must not be
// blank and must show the charts' and the mismatch's colours; the DOM
// Chromium parsed must hold the key sections.
//
// Chromium is required, not optional: without it the test fails saying
// how to install it (`make deps` installs the Debian package `chromium`).
// $BRIDGEWORK_CHROMIUM names another binary.
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/report/report.h"
#include "libs/report/timeline.h"
#include "tests/integration/process_util.h"

namespace bridgework {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::RunCommand;

constexpr int kWidth = 1280;
constexpr int kHeight = 2400;
constexpr int64_t kStart = 1795382400;  // 2026-11-22T21:20:00Z

// $BRIDGEWORK_CHROMIUM, else `chromium` or `chromium-browser` on PATH; ""
// when there is none.
std::string FindChromium() {
  if (const char* c = std::getenv("BRIDGEWORK_CHROMIUM"); c && *c) return c;
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path ? path : "/usr/bin:/bin", ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      fs::path p = fs::path(std::string(dir)) / name;
      if (access(p.c_str(), X_OK) == 0) return p.string();
    }
  }
  return "";
}

// A report with every section the HTML page draws.
json RichReport() {
  v1::RunReport r;
  v1::RunInfo* run = r.mutable_run();
  run->set_run_id("r-000042");
  run->set_kind(v1::RUN_KIND_MIGRATE);
  run->set_state(v1::RUN_STATE_SUCCEEDED);
  run->set_account("render-test");
  run->mutable_started_at()->set_unix_seconds(kStart);
  run->mutable_finished_at()->set_unix_seconds(kStart + 95);
  r.set_requests(640);
  r.set_operations_applied(520);
  r.set_operations_failed(6);
  v1::ObjectReport* p = r.add_objects();
  p->set_source_object("patient");
  p->set_extracted(300);
  p->set_loaded(286);
  p->set_created(250);
  p->set_updated(10);
  p->set_unchanged(6);
  p->set_matched(20);
  p->set_quarantined(14);
  p->set_balanced(true);
  for (int i = 0; i < 14; ++i) {
    v1::Rejection* q = p->add_rejections();
    q->set_source_key(absl::StrCat(1100 + i));
    q->set_stage(i < 8 ? "extract" : "load");
    if (i < 8) {
      q->mutable_location()->set_file("patients.csv");
      q->mutable_location()->set_line(101 + i);
      q->set_reason(
          absl::StrCat("patients.csv:", 101 + i, ": wrong number of columns"));
    } else {
      q->set_field("email");
      q->set_reason("HTTP 422: invalid email");
    }
  }
  v1::ObjectReport* a = r.add_objects();
  a->set_source_object("appointment");
  a->set_extracted(900);
  a->set_loaded(900);
  a->set_created(880);
  a->set_adopted(20);
  a->set_balanced(true);

  // The run's outcomes as the auditor counts them into RunReport.timeline.
  report::TimelineBuilder timeline(r.run().started_at());
  for (int i = 0; i < 526; ++i) {
    v1::Operation op;
    op.set_kind(v1::OP_KIND_CREATE);
    op.set_state(i < 520 ? v1::OP_STATE_APPLIED : v1::OP_STATE_FAILED);
    // A ramp, then a plateau: most operations late in the run.
    op.mutable_outcome_at()->set_unix_seconds(kStart + (i * i) % 90 + 2);
    timeline.Add(op);
  }
  *r.mutable_timeline() = timeline.Buckets();

  json j = report::ReportToJson(
      r,
      {{"destination",
        {{"crm", "freshsales"}, {"account", "render"}, {"plan", "growth"}}}});
  j["timeline"] = report::TimelineJson(r.timeline(), 0.28, r.requests());
  j["diff"] = {{"fields_compared", 3},
               {"mismatches", 1},
               {"records",
                {{{"source_object", "patient"},
                  {"source_key", "1001"},
                  {"target_object", "contact"},
                  {"crm_id", "5001"},
                  {"fields",
                   {{{"section", "fields"},
                     {"field", "first_name"},
                     {"source", "Ingrid"},
                     {"expected", "Ingrid"},
                     {"actual", "Ingrid"},
                     {"match", true}},
                    {{"section", "fields"},
                     {"field", "mobile_number"},
                     {"source", "512 555 0101"},
                     {"expected", "+15125550101"},
                     {"actual", "+15125550101"},
                     {"match", true}},
                    {{"section", "custom_field"},
                     {"field", "cf_birth_date"},
                     {"source", "1964-04-18"},
                     {"expected", "1964-04-18"},
                     {"actual", "1964-04-19"},
                     {"match", false}}}}}}}};
  return j;
}

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes a pixel
};

// The PNG at `path` as 8-bit RGB (alpha composed onto white).
Image ReadPng(const std::string& path) {
  Image out;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << path << ": " << image.message;
    return out;
  }
  image.format = PNG_FORMAT_RGB;
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&image, &white, out.rgb.data(), 0, nullptr)) {
    ADD_FAILURE() << path << ": " << image.message;
    out.rgb.clear();
    return out;
  }
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  return out;
}

// Pixels within `tolerance` of the colour #rrggbb.
int64_t CountColor(const Image& img, uint32_t rgb, int tolerance = 6) {
  const int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
  int64_t n = 0;
  for (size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    if (std::abs(img.rgb[i] - r) <= tolerance &&
        std::abs(img.rgb[i + 1] - g) <= tolerance &&
        std::abs(img.rgb[i + 2] - b) <= tolerance) {
      ++n;
    }
  }
  return n;
}

class ReportRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    ASSERT_FALSE(chromium_.empty())
        << "chromium not found on PATH (nor $BRIDGEWORK_CHROMIUM): this test "
           "renders report.html in headless Chromium. Install the Debian "
           "package `chromium` (`make deps`, tools/scripts/install-deps.sh).";
    root_ = fs::temp_directory_path() / absl::StrCat("bw-render-", getpid());
    fs::remove_all(root_);
    fs::create_directories(root_);
    log_ = (root_ / "chromium.log").string();
    ASSERT_TRUE(
        report::WriteReportFiles((root_ / "report").string(), RichReport())
            .ok());
    html_ = (root_ / "report" / "report.html").string();
  }

  void TearDown() override {
    if (!HasFailure()) fs::remove_all(root_);
  }

  // Headless Chromium on report.html with `args`, stdout and stderr to
  // `log`; at most two minutes. Its exit code.
  int Chromium(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv = {
        "timeout", "120", chromium_, "--headless",
        // Tests run as root in containers, where the sandbox cannot start.
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--hide-scrollbars",
        absl::StrCat("--user-data-dir=", (root_ / "profile").string()),
        absl::StrCat("--window-size=", kWidth, ",", kHeight)};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(absl::StrCat("file://", html_));
    return RunCommand(argv, log);
  }

  std::string chromium_;
  fs::path root_;
  std::string log_, html_;
};

TEST_F(ReportRenderTest, ScreenshotIsNotBlankAndShowsTheCharts) {
  const std::string png = (root_ / "report.png").string();
  ASSERT_EQ(Chromium({absl::StrCat("--screenshot=", png)}, log_), 0)
      << ReadAll(log_);
  ASSERT_TRUE(fs::exists(png)) << ReadAll(log_);
  const Image img = ReadPng(png);
  ASSERT_EQ(img.width, kWidth);
  ASSERT_EQ(img.height, kHeight);
  const int64_t pixels = static_cast<int64_t>(img.width) * img.height;
  // Not blank: the page background does not fill the shot, there is text
  // (dark pixels) and many colours (anti-aliased text, charts).
  std::map<uint32_t, int64_t> colors;
  int64_t dark = 0;
  for (size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    const int r = img.rgb[i], g = img.rgb[i + 1], b = img.rgb[i + 2];
    ++colors[(r << 16) | (g << 8) | b];
    if (r + g + b < 3 * 100) ++dark;
  }
  int64_t background = 0;
  for (const auto& [color, n] : colors) background = std::max(background, n);
  EXPECT_LT(background, pixels * 9 / 10) << png;
  EXPECT_GT(dark, 5000) << png;
  EXPECT_GT(colors.size(), 50u) << png;
  // The stacked bars (created, matched, adopted), and the mismatch row.
  EXPECT_GT(CountColor(img, 0x2f81f7), 2000) << "created bars, " << png;
  EXPECT_GT(CountColor(img, 0x1a7f37), 100) << "matched bar, " << png;
  EXPECT_GT(CountColor(img, 0x8250df), 100) << "adopted bar, " << png;
  EXPECT_GT(CountColor(img, 0xffebe9, 2), 500) << "mismatch row, " << png;
}

TEST_F(ReportRenderTest, DomHasTheKeySections) {
  const std::string dom_path = (root_ / "dom.html").string();
  ASSERT_EQ(Chromium({"--dump-dom"}, dom_path), 0) << ReadAll(dom_path);
  const std::string dom = ReadAll(dom_path);
  for (const char* part : {
           "<section class=\"objects\">",
           "class=\"chart objects\"",
           "<section class=\"timeline\">",
           "class=\"chart timeline\"",
           "100% of the budget",
           "<section class=\"diff\">",
           "3 fields compared, 1 mismatches",
           "<tr class=\"bad\"><td class=\"t\">custom_field</td>",
           "<section class=\"quarantine\">",
           "<table class=\"reasons\">",
           "<td class=\"t\">wrong number of columns</td><td>8</td>",
           "<td class=\"t\">HTTP 422: invalid email</td><td>6</td>",
           "<th>matched</th>",
           "matched 20",
       }) {
    EXPECT_THAT(dom, HasSubstr(part));
  }
  // The page parsed whole: the last section and the closing tags.
  EXPECT_THAT(dom, HasSubstr("Generated by Bridgework"));
  EXPECT_THAT(dom, HasSubstr("</body></html>"));
}

}  // namespace
}  // namespace bridgework
