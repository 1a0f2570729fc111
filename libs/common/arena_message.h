// A protobuf message that owns the arena it lives in, for the batches the
// services stream (records with maps of fields): everything in it is
// allocated from the arena and released at once by Reset or destruction,
// instead of one free per field.
//
// Thread safety: none (like the message). Movable, not copyable; moving
// keeps the message's address.
#ifndef BRIDGEWORK_LIBS_COMMON_ARENA_MESSAGE_H_
#define BRIDGEWORK_LIBS_COMMON_ARENA_MESSAGE_H_

#include <memory>

#include <google/protobuf/arena.h>

namespace bridgework {

template <typename Message>
class ArenaMessage {
 public:
  ArenaMessage()
      : arena_(std::make_unique<google::protobuf::Arena>()), message_(New()) {}

  Message* get() const { return message_; }
  Message& operator*() const { return *message_; }
  Message* operator->() const { return message_; }

  // Releases the message and all it holds, and starts an empty one (any
  // pointer into the old one dangles).
  void Reset() {
    arena_->Reset();
    message_ = New();
  }

 private:
  Message* New() {
    return google::protobuf::Arena::CreateMessage<Message>(arena_.get());
  }

  std::unique_ptr<google::protobuf::Arena> arena_;
  Message* message_;  // on *arena_
};

}  // namespace bridgework

#endif  // BRIDGEWORK_LIBS_COMMON_ARENA_MESSAGE_H_
