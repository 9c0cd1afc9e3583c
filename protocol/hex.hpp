#pragma once
// Hex text of bytes, as node ids, nonces, MACs and query cursors use it.
#include <string>
#include <string_view>

namespace p2p {

/// Lower-case hex of `bytes`, two digits a byte.
std::string to_hex(std::string_view bytes);

/// The value of one hex digit (either case); -1 when `c` is none.
int hex_digit(char c);

/// The bytes of `text`, which must be lower-case hex of even length (the
/// form to_hex makes, so there is one text per value); false otherwise.
bool from_hex(std::string_view text, std::string& bytes);

} // namespace p2p
