// A gRPC MessageAllocator for callback methods whose requests are large
// (a batch of operations or keys): each request is parsed into its own
// protobuf arena, so its many strings and sub-messages cost one release
// instead of one free each. The response stays on the heap (handlers move
// a heap message into it, which across arenas would be a copy).
//
// Thread safety: AllocateMessages may be called concurrently; each holder
// belongs to one call. The allocator must outlive the calls it serves
// (make it a member of the service, destroyed after the server stops).
#ifndef BRIDGEWORK_LIBS_COMMON_ARENA_ALLOCATOR_H_
#define BRIDGEWORK_LIBS_COMMON_ARENA_ALLOCATOR_H_

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

namespace bridgework {

template <typename Request, typename Response>
class ArenaRequestAllocator final
    : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder();
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(&response_);
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;  // owns the request
    Response response_;
  };
};

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_ARENA_ALLOCATOR_H_
