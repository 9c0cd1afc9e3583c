#include "actors/stream_event.hpp"

#include "actors/stream_budget.hpp"

namespace p2p {

stream_event::stream_event(const update& u, uint64_t seq,
                           std::shared_ptr<stream_budget> budget)
  : seq_(seq), budget_(std::move(budget)) {
  text_ = "id: " + std::to_string(seq) + "\ndata: ";
  append_json(text_, u);
  text_ += "\n\n";
  text_.shrink_to_fit(); // what is charged is what is held
  if (budget_) {
    charged_ = sizeof(*this) + text_.capacity();
    budget_->charge(charged_);
  }
}

stream_event::~stream_event() {
  if (budget_)
    budget_->release(charged_);
}

} // namespace p2p
