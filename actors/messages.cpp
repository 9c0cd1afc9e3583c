#include "actors/messages.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace p2p {

namespace {

constexpr auto category = caf::atom("p2p");

} // namespace

caf::error make_error(p2p_errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category,
                    caf::make_message(std::move(message))};
}

bool is_error(const caf::error& err, p2p_errc code) {
  return err.category() == category && err.code() == static_cast<uint8_t>(code);
}

std::string error_message(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return caf::to_string(err);
}

} // namespace p2p
