#include "libs/crm/rest_transport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace bridgework::crm {
namespace {

using std::chrono::milliseconds;

struct Time {
  std::chrono::steady_clock::time_point now{};
  std::vector<milliseconds> sleeps;
};

bool Has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

class RestTransportTest : public testing::Test {
 protected:
  RestTransport Make(FakeHttpClient::Handler handler, FakeHttpClient** seen) {
    auto http = std::make_unique<FakeHttpClient>(std::move(handler));
    *seen = http.get();
    RestOptions options;
    options.base_url = "http://crm.test";
    options.auth_headers = {"x-api-token: T"};
    options.rate_per_second = 1000;
    options.burst = 1000;
    options.backoff_base = milliseconds(1);
    options.rate_reset_header = "x-ratelimit-reset";
    options.error_message = [](const std::string&) { return "refused"; };
    return RestTransport(
        options, std::move(http), [this] { return time_.now; },
        [this](milliseconds d) {
          time_.sleeps.push_back(d);
          time_.now += d;
        });
  }
  Time time_;
};

TEST_F(RestTransportTest, ExtraHeadersFollowAuthAndJsonContentType) {
  FakeHttpClient* http = nullptr;
  RestTransport t = Make(
      [](const HttpRequest&) {
        return HttpResponse{200, {}, "{}"};
      },
      &http);
  RestBody body;
  body.data = "{}";
  body.headers = {"Version: 2021-04-15"};
  ASSERT_TRUE(t.CallWithBody("POST", "/x", body, false).ok());
  const HttpRequest& r = http->requests.at(0);
  EXPECT_EQ(r.url, "http://crm.test/x");
  EXPECT_TRUE(Has(r.headers, "x-api-token: T"));
  EXPECT_TRUE(Has(r.headers, "Version: 2021-04-15"));
  EXPECT_TRUE(Has(r.headers, "Content-Type: application/json"));
  EXPECT_EQ(r.body, "{}");
}

// Issue 8: a write that must not happen twice is never resent by the HTTP
// client itself (libcurl resends on a dead reused connection).
TEST_F(RestTransportTest, OnlyIdempotentCallsMayBeResentByTheClient) {
  FakeHttpClient* http = nullptr;
  RestTransport t = Make(
      [](const HttpRequest&) {
        return HttpResponse{200, {}, "{}"};
      },
      &http);
  ASSERT_TRUE(t.Call("POST", "/contacts", "{}", false).ok());
  ASSERT_TRUE(t.Call("GET", "/contacts/1", "", true).ok());
  EXPECT_FALSE(http->requests.at(0).resend_allowed);
  EXPECT_TRUE(http->requests.at(1).resend_allowed);
}

TEST_F(RestTransportTest, MultipartCarriesPartsAndNoJsonContentType) {
  FakeHttpClient* http = nullptr;
  RestTransport t = Make(
      [](const HttpRequest&) {
        return HttpResponse{201, {}, "{}"};
      },
      &http);
  RestBody body;
  body.parts = {{"file", "%PDF-1.4", "x.pdf", "application/pdf"},
                {"deal_id", "7", "", ""}};
  ASSERT_TRUE(t.CallWithBody("POST", "/files", body, false).ok());
  const HttpRequest& r = http->requests.at(0);
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].file_name, "x.pdf");
  for (const std::string& h : r.headers)
    EXPECT_NE(h.rfind("Content-Type", 0), 0u) << h;
}

TEST_F(RestTransportTest, RateResetHeaderStandsInForMissingRetryAfter) {
  FakeHttpClient* http = nullptr;
  int calls = 0;
  RestTransport t = Make(
      [&calls](const HttpRequest&) {
        if (++calls == 1)
          return HttpResponse{429, {{"x-ratelimit-reset", "2"}}, "{}"};
        return HttpResponse{200, {}, "{}"};
      },
      &http);
  ASSERT_TRUE(t.Call("GET", "/x", "", true).ok());
  EXPECT_EQ(t.rate_limited(), 1);
  milliseconds slept(0);
  for (milliseconds d : time_.sleeps) slept += d;
  EXPECT_GE(slept, milliseconds(2000));
}

}  // namespace
}  // namespace bridgework::crm
