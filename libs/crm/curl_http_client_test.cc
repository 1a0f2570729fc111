// CurlHttpClient's connections: a request that must not be resent (a
// create) goes on a fresh connection that is closed after its reply, and
// the requests after it reuse one keep-alive connection again. Before this
// held, the fresh-connection option stayed on the handle and every later
// request opened a connection that was never closed: each held one of the
// server's keep-alive workers until it timed out (docs/reliability.md).
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/crm/http_client.h"

namespace bridgework::crm {
namespace {

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto note = [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock lock(&mu_);
      ports_.push_back(req.remote_port);
      res.set_content("{}", "application/json");
    };
    server_.Get("/r", note);
    server_.Post("/r", note);
    server_.Put("/r", note);
    // (httplib closes a connection after 5 requests by default.)
    server_.set_keep_alive_max_count(100);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Sends `method` /r; false on any failure.
  bool Send(HttpClient& client, const std::string& method,
            bool resend_allowed) {
    HttpRequest r;
    r.method = method;
    r.url = absl::StrCat("http://127.0.0.1:", port_, "/r");
    if (method == "POST") r.body = "{}";
    r.resend_allowed = resend_allowed;
    auto response = client.Send(r);
    return response.ok() && response->status == 200;
  }

  // Established TCP connections of this process towards the server's port
  // (/proc/net/tcp: the client ends; the server's ends have it as their
  // local port). An idle keep-alive connection counts; a closed one not.
  int OpenClientConnections() {
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // header
    int open = 0;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      size_t colon = remote.find(':');
      if (colon == std::string::npos) continue;
      if (std::stoi(remote.substr(colon + 1), nullptr, 16) == port_ &&
          state == "01") {
        ++open;
      }
    }
    return open;
  }

  // The client port of each request the server answered, in order.
  std::vector<int> Ports() {
    absl::MutexLock lock(&mu_);
    return ports_;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  absl::Mutex mu_;
  std::vector<int> ports_ ABSL_GUARDED_BY(mu_);
};

TEST_F(CurlHttpClientTest, ACreateGetsItsOwnConnectionAndTheRestReuseOne) {
  std::unique_ptr<HttpClient> client = MakeCurlHttpClient();
  ASSERT_TRUE(Send(*client, "GET", true));
  ASSERT_TRUE(Send(*client, "GET", true));
  ASSERT_TRUE(Send(*client, "POST", /*resend_allowed=*/false));
  ASSERT_TRUE(Send(*client, "POST", /*resend_allowed=*/false));
  ASSERT_TRUE(Send(*client, "GET", true));
  ASSERT_TRUE(Send(*client, "GET", true));
  ASSERT_TRUE(Send(*client, "PUT", true));
  std::vector<int> p = Ports();
  ASSERT_EQ(p.size(), 7u);
  EXPECT_EQ(p[0], p[1]) << "reads reuse the keep-alive connection";
  EXPECT_NE(p[2], p[0]) << "a create goes on a fresh connection";
  EXPECT_NE(p[3], p[2]) << "its connection is not reused";
  EXPECT_NE(p[3], p[0]);
  EXPECT_EQ(p[5], p[4]) << "requests after a create reuse a connection again";
  EXPECT_EQ(p[6], p[5]);
  // The creates' connections are closed, not left idle: one left open per
  // create held a server worker until its keep-alive timeout.
  EXPECT_EQ(OpenClientConnections(), 1);
}

}  // namespace
}  // namespace bridgework::crm
