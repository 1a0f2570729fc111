// crm_seed_recorder: writes a seed input for a CRM fuzz target by running
// its ops against a live CRM emulator (bridgework-sandbox) and recording
// each response in the input format (fuzz/crm_fuzz_harness.h). Used by
// fuzz/record_crm_seeds.sh; not part of any test.
//
//   crm_seed_recorder <crm> <base url> <token> <ops> <out file>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "fuzz/crm_fuzz_harness.h"

namespace {

// Sends through `inner` and keeps every response.
class RecordingHttpClient : public bridgework::crm::HttpClient {
 public:
  RecordingHttpClient(std::unique_ptr<HttpClient> inner, std::string* out)
      : inner_(std::move(inner)), out_(out) {}
  absl::StatusOr<bridgework::crm::HttpResponse> Send(
      const bridgework::crm::HttpRequest& request) override {
    auto response = inner_->Send(request);
    if (response.ok()) {
      if (recorded_++ > 0)
        out_->push_back(bridgework::fuzz::kResponseSeparator);
      *out_ += bridgework::fuzz::EncodeResponse(*response);
    }
    return response;
  }

 private:
  std::unique_ptr<HttpClient> inner_;
  std::string* out_;
  int recorded_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: crm_seed_recorder <crm> <base url> <token> <ops> "
                 "<out file>\n";
    return 2;
  }
  const std::string crm = argv[1], ops = argv[4];
  std::string input = ops + "\n";
  auto connector = bridgework::fuzz::MakeFuzzConnector(
      crm, argv[2], argv[3],
      std::make_unique<RecordingHttpClient>(
          bridgework::crm::MakeCurlHttpClient(), &input));
  if (connector == nullptr) {
    std::cerr << "unknown CRM " << crm << "\n";
    return 2;
  }
  bridgework::fuzz::RunOps(*connector, crm, ops, nullptr);
  std::ofstream out(argv[5], std::ios::binary);
  out << input;
  return out ? 0 : 1;
}
