#pragma once
// Parses JSON text into a boost::json::value with every double read exactly
// (the nearest double to the decimal, std::from_chars). Boost.JSON 1.81's
// own parser is not exact: about one in ten of JavaScript's Math.random()
// outputs reads back one ulp off, so a value would not come back as the
// client wrote it. Everything that becomes a stored value is parsed here.
#include <string_view>

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

namespace p2p {

/// The value of `text` (one JSON value, nothing after it but whitespace);
/// null and `ec` set when it is not JSON.
boost::json::value parse_json(std::string_view text,
                              boost::system::error_code& ec,
                              const boost::json::parse_options& options = {});

} // namespace p2p
