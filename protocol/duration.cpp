#include "protocol/duration.hpp"

#include <charconv>
#include <cstdint>

namespace p2p {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text == "0")
    return std::chrono::milliseconds(0);
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end == text.data())
    return std::nullopt;
  std::string_view unit(end, text.data() + text.size() - end);
  uint64_t ms_per = 0;
  if (unit == "ms")
    ms_per = 1;
  else if (unit == "s")
    ms_per = 1000;
  else if (unit == "m")
    ms_per = 60 * 1000;
  else if (unit == "h")
    ms_per = 3600 * 1000;
  else if (unit == "d")
    ms_per = 24 * 3600 * 1000;
  else
    return std::nullopt;
  constexpr uint64_t max_ms = uint64_t{3650} * 24 * 3600 * 1000;
  if (n > max_ms / ms_per)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(n * ms_per));
}

} // namespace p2p
