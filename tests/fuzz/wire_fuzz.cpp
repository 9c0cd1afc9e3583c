// libFuzzer target: the wire decoder, the only parser of peer input. Any
// frame must either decode into messages that re-encode and decode to the
// same thing, or be refused with a reason; never crash or hang.
#include "protocol/wire.hpp"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  p2p::wire::message m;
  std::string why;
  if (!p2p::wire::decode(text, m, why)) {
    if (why.empty())
      std::abort(); // a refusal must say why
    return 0;
  }
  if (auto* c = std::get_if<p2p::wire::changes>(&m)) {
    std::vector<const p2p::update*> items;
    for (auto& u : c->items)
      items.push_back(&u);
    p2p::wire::message again;
    if (!p2p::wire::decode(p2p::wire::encode_changes(items, c->upto), again,
                           why))
      std::abort(); // what we accept, we must be able to send on
    if (std::get<p2p::wire::changes>(again).items != c->items)
      std::abort();
  }
  return 0;
}
