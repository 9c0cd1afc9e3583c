#pragma once
// Durations as operators write them: "500ms", "2s", "90m", "12h", "7d", or
// "0". Plain code so the launcher's flags are unit tested on their own.
#include <chrono>
#include <optional>
#include <string_view>

namespace p2p {

/// Nothing for text that is not a whole number with one of the units ms, s,
/// m, h, d (or 0 alone), or that is over ten years.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace p2p
