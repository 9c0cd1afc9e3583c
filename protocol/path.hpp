#pragma once
// Path rules of the contract: what a key, a scan prefix and a subscription
// prefix may be. Plain functions, so the HTTP layer, the wire decoder and the
// C++ facade all enforce exactly the same rules.
#include "p2psync/limits.hpp" // max_path_bytes

#include <cstddef>
#include <string>
#include <string_view>

namespace p2p {

/// Empty when `path` is a valid key, otherwise why it is not: UTF-8, 1 to
/// 400 bytes, `/`-separated segments that are neither empty, `.` nor `..`,
/// no control characters.
std::string path_error(std::string_view path);

/// Empty when `prefix` may be used for a scan (a plain string prefix: may be
/// empty or end in `/`, but no control characters or broken UTF-8).
std::string prefix_error(std::string_view prefix);

/// Subscription match: `prefix` sees itself and everything under `prefix/`;
/// the empty prefix sees everything. A trailing `/` on `prefix` is ignored.
bool is_under(std::string_view path, std::string_view prefix);

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool is_valid_utf8(std::string_view s);

} // namespace p2p
