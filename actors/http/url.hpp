#pragma once
// Request-target helpers: split path and query, percent-decode.
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct split_target {
  std::string_view path;
  std::string_view query;
};

split_target split(std::string_view target);

/// Percent-decodes `s`; nothing when a `%` is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s);

/// The raw value of `key` in a query string, if present.
std::optional<std::string_view> query_param(std::string_view query,
                                            std::string_view key);

} // namespace p2p
