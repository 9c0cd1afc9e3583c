#pragma once
// JSON Pointer (RFC 6901): the field an index or a query is about, such as
// `/role` or `/address/city`; the empty pointer is the whole value.
#include <string>
#include <string_view>

namespace boost::json {
class value;
}

namespace p2p {

/// Empty when `pointer` is a JSON pointer: empty, or `/`-led tokens in
/// which `~` only appears as `~0` or `~1`; otherwise why not.
std::string pointer_error(std::string_view pointer);

/// The value `pointer` designates in `root`; nullptr when there is none.
/// `pointer` must be valid (pointer_error is empty).
const boost::json::value* resolve_pointer(const boost::json::value& root,
                                          std::string_view pointer);

} // namespace p2p
